"""The Authentication-Results header field (RFC 8601): writing ours, removing forged ones.

::

    Authentication-Results: mx.example.org;
    \tspf=pass smtp.mailfrom=alice@example.com;
    \tdkim=pass header.d=example.com header.s=sel;
    \tdmarc=pass header.from=example.com
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailstore.mailauth.dkim import DKIMResult
from mailstore.mailauth.dmarc import DMARCResult
from mailstore.mailauth.spf import SPFResult

__all__ = ["AuthResults", "authentication_results_header", "strip_forged_authentication_results"]

FIELD_NAME = "Authentication-Results"
#: RFC 5322 §2.1.1: lines SHOULD be no longer than 78 characters (without CRLF).
LINE_LENGTH = 78
#: A reason is for humans (RFC 8601 §2.2); long library messages are cut.
MAX_REASON = 100


@dataclass(frozen=True)
class AuthResults:
    """Everything :func:`mailstore.mailauth.check.check_message` found about one message."""

    spf: SPFResult | None
    dkim: tuple[DKIMResult, ...] = ()
    dmarc: DMARCResult | None = None


def authentication_results_header(authserv_id: str, results: AuthResults) -> str:
    """The whole field, CRLF-terminated, one resinfo per line (RFC 8601 §2.2, §2.7).

    SPF reports ``smtp.mailfrom`` (or ``smtp.helo``, RFC 8601 §2.7.2), each DKIM signature
    ``header.d`` and ``header.s`` (RFC 8601 §2.7.1, RFC 8616 §4), DMARC ``header.from``
    (RFC 7489 §11.2). No result at all is written ``none`` (RFC 8601 §2.2).
    """
    resinfos = [_spf(results.spf)] if results.spf is not None else []
    resinfos += [_dkim(r) for r in results.dkim] or [["dkim=none"]]
    if results.dmarc is not None:
        resinfos.append(_dmarc(results.dmarc))
    lines = [f"{FIELD_NAME}: {_value(authserv_id)};"]
    for i, words in enumerate(resinfos):
        last = i == len(resinfos) - 1
        lines.extend(_fold(words + ([] if last else [";"])))
    return "\r\n".join(lines) + "\r\n"


def _spf(r: SPFResult) -> list[str]:
    words = [f"spf={r.result}"]
    if r.sender:
        ptype = "smtp.helo" if r.identity == "helo" else "smtp.mailfrom"
        words.append(f"{ptype}={_pvalue(r.sender)}")
    return words


def _dkim(r: DKIMResult) -> list[str]:
    words = [f"dkim={r.result}"]
    if r.reason and r.result not in ("pass", "none"):
        words.append(f"reason={_quoted(r.reason[:MAX_REASON])}")
    if r.domain:
        words.append(f"header.d={_pvalue(r.domain)}")
    if r.selector:
        words.append(f"header.s={_pvalue(r.selector)}")
    return words


def _dmarc(r: DMARCResult) -> list[str]:
    words = [f"dmarc={r.result}"]
    if r.reason and r.result in ("permerror", "temperror"):
        words.append(f"reason={_quoted(r.reason[:MAX_REASON])}")
    if r.domain:
        words.append(f"header.from={_pvalue(r.domain)}")
    return words


def _fold(words: list[str]) -> list[str]:
    """Words of one resinfo on tab-indented lines of at most 78 characters where possible."""
    lines: list[str] = []
    current = ""
    for word in words:
        if word == ";":
            current += ";"
        elif not current:
            current = "\t" + word
        elif len(current) + 1 + len(word) + 7 <= LINE_LENGTH:  # a tab shows as 8 columns
            current += " " + word
        else:
            lines.append(current)
            current = "\t  " + word
    lines.append(current)
    return lines


# RFC 5322 §3.2.3 atext (plus UTF-8, RFC 6532 §3.2) and RFC 2045 §5.1 token.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]"
_ADDRESS = re.compile(rf"(?:{_ATEXT}+(?:\.{_ATEXT}+)*)?@?[A-Za-z0-9_.\-\u0080-\U0010ffff]+")
_TOKEN = re.compile(r"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~\u0080-\U0010ffff]+")


def _pvalue(value: str) -> str:
    """RFC 8601 §2.2 pvalue: ``[local-part "@"] domain`` or a value, quoted when needed."""
    if _ADDRESS.fullmatch(value) or _TOKEN.fullmatch(value):
        return value
    return _quoted(value)


def _value(value: str) -> str:
    return value if _TOKEN.fullmatch(value) else _quoted(value)


def _quoted(text: str) -> str:
    """RFC 5322 §3.2.4 quoted-string; control characters are dropped."""
    clean = "".join(c for c in text if c >= " " and c != "\x7f")
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- removing forged fields (RFC 8601 §5) ------------------------------------------------------------

_NAME = re.compile(rb"([!-9;-~]+)[ \t]*:")
_ID = re.compile(rb"[^\s;()\"]+")


def strip_forged_authentication_results(raw: bytes, authserv_id: str) -> bytes:
    """``raw`` without the Authentication-Results fields that claim ``authserv_id``.

    RFC 8601 §5: an MTA MUST remove such fields arriving from outside (compared without
    regard to case). Only the header section is scanned; every other byte is kept as is.
    """
    ours = authserv_id.strip().rstrip(".").lower().encode("utf-8", "replace")
    kept: list[bytes] = []
    pos, end = 0, len(raw)
    while pos < end:
        if raw.startswith((b"\n", b"\r\n"), pos):  # the empty line ending the header section
            break
        field_end = _field_end(raw, pos)
        m = _NAME.match(raw, pos)
        forged = (
            m is not None
            and m.group(1).lower() == b"authentication-results"
            and _claimed_id(raw[m.end() : field_end]) == ours
        )
        if not forged:
            kept.append(raw[pos:field_end])
        pos = field_end
    return b"".join(kept) + raw[pos:]


def _field_end(raw: bytes, pos: int) -> int:
    """End of the field starting at ``pos``: after its last continuation line (RFC 5322 §2.2.3)."""
    end = len(raw)
    while True:
        nl = raw.find(b"\n", pos)
        if nl < 0:
            return end
        pos = nl + 1
        if pos >= end or raw[pos] not in (0x20, 0x09):
            return pos


def _claimed_id(value: bytes) -> bytes | None:
    """The authserv-id at the start of a field value (after CFWS), lower case (RFC 8601 §2.2)."""
    text = value.replace(b"\r", b"").replace(b"\n", b"")
    i = _skip_cfws(text, 0)
    if i < len(text) and text[i : i + 1] == b'"':
        out = bytearray()
        i += 1
        while i < len(text) and text[i : i + 1] != b'"':
            if text[i : i + 1] == b"\\":
                i += 1
            out += text[i : i + 1]
            i += 1
        return bytes(out).strip().rstrip(b".").lower()
    m = _ID.match(text, i)
    return m.group().rstrip(b".").lower() if m else None


def _skip_cfws(text: bytes, i: int) -> int:
    """Skip whitespace and (nested) comments, RFC 5322 §3.2.2."""
    depth = 0
    while i < len(text):
        c = text[i : i + 1]
        if depth:
            if c == b"\\":
                i += 1
            elif c == b"(":
                depth += 1
            elif c == b")":
                depth -= 1
        elif c == b"(":
            depth = 1
        elif c not in (b" ", b"\t"):
            return i
        i += 1
    return i
