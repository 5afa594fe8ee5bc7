"""Wire encoding of ENVELOPE and BODY/BODYSTRUCTURE (RFC 3501 §7.4.2, §9).

Pure functions from the JSON-able values :func:`parse_message` stores to the
exact bytes an IMAP server sends: ``None`` -> ``NIL``; ``int`` -> number;
``str`` -> quoted string, or a literal ``{n}\\r\\n...`` when it contains CR,
LF, NUL or non-ASCII characters (RFC 3501 §4.3; with ``utf8=True`` non-ASCII
text is quoted as UTF-8, as RFC 6855 UTF8=ACCEPT / IMAP4rev2 allow);
``list`` -> parenthesised list.
"""

from __future__ import annotations

import re
from typing import Any

_NEEDS_LITERAL = re.compile(r"[\r\n\x00]|[^\x00-\x7f]")
_NEEDS_LITERAL_UTF8 = re.compile(r"[\r\n\x00]")
_ESCAPE = re.compile(r'(["\\])')


def string(value: str, utf8: bool = False) -> bytes:
    """IMAP ``string``: quoted when possible, else a synchronizing literal."""
    pattern = _NEEDS_LITERAL_UTF8 if utf8 else _NEEDS_LITERAL
    if pattern.search(value) is None:
        return b'"' + _ESCAPE.sub(r"\\\1", value).encode("utf-8") + b'"'
    data = value.encode("utf-8", "replace")
    return b"{%d}\r\n" % len(data) + data


def nstring(value: str | None, utf8: bool = False) -> bytes:
    """IMAP ``nstring``: NIL or a string."""
    return b"NIL" if value is None else string(value, utf8)


def value(v: Any, utf8: bool = False) -> bytes:
    """Generic encoder: None/int/str/list, lists space-separated in parentheses."""
    if v is None:
        return b"NIL"
    if isinstance(v, bool):
        return b"1" if v else b"0"
    if isinstance(v, int):
        return str(v).encode("ascii")
    if isinstance(v, str):
        return string(v, utf8)
    if isinstance(v, (list, tuple)):
        return b"(" + b" ".join(value(x, utf8) for x in v) + b")"
    return string(str(v), utf8)


def _address_list(addrs: list | None, utf8: bool) -> bytes:
    """``"(" 1*address ")" / nil``; addresses are not separated by spaces."""
    if not addrs:
        return b"NIL"
    return b"(" + b"".join(value(a, utf8) for a in addrs) + b")"


def envelope_to_wire(envelope: list, utf8: bool = False) -> bytes:
    """RFC 3501 §7.4.2 ENVELOPE: ``(date subject from sender reply-to to cc bcc
    in-reply-to message-id)``."""
    env = list(envelope) + [None] * (10 - len(envelope))
    out = [nstring(env[0], utf8), nstring(env[1], utf8)]
    out.extend(_address_list(env[i], utf8) for i in range(2, 8))
    out.append(nstring(env[8], utf8))
    out.append(nstring(env[9], utf8))
    return b"(" + b" ".join(out) + b")"


def _params(params: list | None, utf8: bool) -> bytes:
    return value(params, utf8) if params else b"NIL"


def _disposition(d: list | None, utf8: bool) -> bytes:
    """body-fld-dsp: ``"(" string SP body-fld-param ")" / nil``."""
    if not d:
        return b"NIL"
    return b"(" + string(d[0], utf8) + b" " + _params(d[1] if len(d) > 1 else None, utf8) + b")"


def _language(lang: list | str | None, utf8: bool) -> bytes:
    """body-fld-lang: ``nstring / "(" string *(SP string) ")"``."""
    if not lang:
        return b"NIL"
    if isinstance(lang, str):
        return string(lang, utf8)
    return value(lang, utf8)


def bodystructure_to_wire(bs: dict[str, Any], extended: bool = True, utf8: bool = False) -> bytes:
    """RFC 3501 §7.4.2 BODYSTRUCTURE (``extended=True``) or BODY (``False``).

    Multipart: ``(body body ... SP subtype [SP params SP dsp SP lang SP loc])``
    (children are concatenated with no space, RFC 3501 §9 ``1*body``).
    Non-multipart: ``(type SP subtype SP params SP id SP desc SP enc SP size
    [SP envelope SP body SP lines | SP lines] [SP md5 SP dsp SP lang SP loc])``.
    """
    if "multipart" in bs:
        children = b"".join(bodystructure_to_wire(c, extended, utf8) for c in bs["multipart"])
        out = children + b" " + string(bs.get("subtype") or "mixed", utf8)
        if extended:
            out += b" " + b" ".join(
                (
                    _params(bs.get("params"), utf8),
                    _disposition(bs.get("disposition"), utf8),
                    _language(bs.get("language"), utf8),
                    nstring(bs.get("location"), utf8),
                )
            )
        return b"(" + out + b")"

    fields = [
        string(bs.get("type") or "text", utf8),
        string(bs.get("subtype") or "plain", utf8),
        _params(bs.get("params"), utf8),
        nstring(bs.get("id"), utf8),
        nstring(bs.get("description"), utf8),
        string(bs.get("encoding") or "7bit", utf8),
        value(int(bs.get("size") or 0)),
    ]
    if bs.get("envelope") is not None and bs.get("body") is not None:
        fields.append(envelope_to_wire(bs["envelope"], utf8))
        fields.append(bodystructure_to_wire(bs["body"], extended, utf8))
        fields.append(value(int(bs.get("lines") or 0)))
    elif bs.get("lines") is not None:
        fields.append(value(int(bs["lines"])))
    if extended:
        fields.append(nstring(bs.get("md5"), utf8))
        fields.append(_disposition(bs.get("disposition"), utf8))
        fields.append(_language(bs.get("language"), utf8))
        fields.append(nstring(bs.get("location"), utf8))
    return b"(" + b" ".join(fields) + b")"
