"""MIME header values with parameters (RFC 2045 §5.1, RFC 2183, RFC 2231).

``Content-Type: type/subtype; name=value; ...`` and
``Content-Disposition: type; name=value``.  Parameter values are unquoted and
RFC 2231 continuations (``name*0=``, ``name*1*=``) and charset/language
encodings (``name*=utf-8'en'%E2%82%AC``) are decoded.  Names keep their
spelling (minus the RFC 2231 ``*n*`` suffix), as IMAP servers pass them on.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from .charsets import decode_bytes, utf8_replace

# RFC 2045 §5.1 token: printable ASCII except SPACE and tspecials.
_TOKEN = r"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+"
_MEDIA = re.compile(rf"\s*({_TOKEN})\s*/\s*({_TOKEN})\s*(?:;|\Z)")
_DISPOSITION = re.compile(rf"\s*({_TOKEN})\s*(?:;|\Z)")
# A quoted string (kept) or a comment (dropped): comments never start inside quotes.
_QUOTED_OR_COMMENT = re.compile(r'("(?:[^"\\]|\\.)*"?)|\((?:[^()\\]|\\.)*\)', re.S)


def _strip_comments(value: str) -> str:
    """RFC 5322 §3.2.2 / RFC 2045 §5.1: comments may appear between tokens."""
    if "(" not in value:
        return value
    return _QUOTED_OR_COMMENT.sub(lambda m: m.group(1) or "", value)


# One parameter: name = (quoted-string | token-ish).  Values are read leniently:
# an unquoted value runs to the next ';' (RFC 2045 forbids spaces there, but
# mailers send them).  An unterminated quoted string runs to the end.
_PARAM = re.compile(
    r"""\s*([^\s=;"]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"?|([^;]*))\s*(?:;|\Z)""",
    re.S,
)
_SKIP = re.compile(r"[^;]*;?")
_SECTION = re.compile(r"^(.*?)\*(?:(\d+)\*?|)$")
_QUOTED_PAIR = re.compile(r"\\(.)", re.S)

Params = list[tuple[str, str]]


def _unescape(s: str) -> str:
    return _QUOTED_PAIR.sub(r"\1", s) if "\\" in s else s


def parse_params(text: str) -> Params:
    """Parse ``; a=b; c="d"`` (text after the type) into ordered pairs.

    The first spelling of a name wins, except that an RFC 2231 form
    (``name*`` or ``name*0``...) replaces a plain ``name`` (RFC 2231 §4.1,
    mailers send both for compatibility).  Malformed pieces are skipped.
    """
    raw: list[tuple[str, str]] = []
    pos, n = 0, len(text)
    while pos < n:
        m = _PARAM.match(text, pos)
        if m is None:
            s = _SKIP.match(text, pos)
            if s is None or s.end() == pos:
                break
            pos = s.end()
            continue
        pos = m.end()
        if m.group(2) is not None:
            raw.append((m.group(1), _unescape(m.group(2))))
        else:
            raw.append((m.group(1), m.group(3).strip()))
    if not raw:
        return []

    order: list[str] = []
    plain: dict[str, tuple[str, str]] = {}
    ext: dict[str, tuple[str, dict[int, tuple[str, bool]]]] = {}
    for name, value in raw:
        sec = _SECTION.match(name) if "*" in name else None
        if sec is None or not sec.group(1):
            key = name.lower()
            if key not in plain and key not in ext:
                order.append(key)
            plain.setdefault(key, (name, value))
            continue
        base, num = sec.group(1), sec.group(2)
        key = base.lower()
        if key not in plain and key not in ext:
            order.append(key)
        entry = ext.setdefault(key, (base, {}))
        index = int(num) if num is not None and len(num) < 6 else 0
        # RFC 2231 §4: "name*" values are %-encoded (some mailers quote them).
        entry[1].setdefault(index, (value, name.endswith("*")))

    out: Params = []
    for key in order:
        if key in ext:
            base, sections = ext[key]
            out.append((base, _join_2231(sections)))
        else:
            out.append(plain[key])
    return out


def _join_2231(sections: dict[int, tuple[str, bool]]) -> str:
    """RFC 2231 §3-4: join continuations in order and decode charset'lang'."""
    charset = ""
    data = bytearray()
    for i, index in enumerate(sorted(sections)):
        value, encoded = sections[index]
        if encoded:
            if i == 0 and value.count("'") >= 2:
                charset, _lang, value = value.split("'", 2)
            data += unquote_to_bytes(value)
        else:
            data += value.encode("utf-8", "replace")
    if charset:
        return decode_bytes(bytes(data), charset)
    return utf8_replace(bytes(data))


def parse_content_type(value: str | None) -> tuple[str, str, Params] | None:
    """RFC 2045 §5.1: ``(type, subtype, params)`` or None if absent/invalid."""
    if not value:
        return None
    value = _strip_comments(value)
    m = _MEDIA.match(value)
    if m is None:
        return None
    return m.group(1), m.group(2), parse_params(value[m.end() :])


def parse_disposition(value: str | None) -> tuple[str, Params] | None:
    """RFC 2183 §2: ``(disposition-type, params)`` or None if absent/invalid."""
    if not value:
        return None
    value = _strip_comments(value)
    m = _DISPOSITION.match(value)
    if m is None:
        return None
    return m.group(1), parse_params(value[m.end() :])


def get_param(params: Params, name: str) -> str | None:
    """Case-insensitive lookup of a parameter value."""
    for k, v in params:
        if k.lower() == name:
            return v
    return None


def flat(params: Params) -> list[str] | None:
    """IMAP body-fld-param: ``[k1, v1, k2, v2]`` or None when empty."""
    if not params:
        return None
    out: list[str] = []
    for k, v in params:
        out.append(k)
        out.append(v)
    return out
