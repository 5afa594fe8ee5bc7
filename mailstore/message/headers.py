"""Header block scanning (RFC 5322 §2.2, §3.2.2) and RFC 2047 decoding.

All scanning works on bytes with offsets into the raw message.  A line ends in
LF, optionally preceded by CR (bare-CR messages are translated to LF by the
caller before scanning, which keeps every offset unchanged).
"""

from __future__ import annotations

import binascii
import re
from itertools import islice

from .charsets import decode_bytes, guess_decode, utf8_replace

# RFC 5322 §2.1: the header ends at the first empty line.
_BLANK_LINE = re.compile(rb"\n\r?\n")

# RFC 5322 §2.2 field: name (printable ASCII but ':'), optional obs-FWS before
# the colon (§4.5.3), then the value including folded continuation lines
# (§2.2.3: a line starting with WSP continues the previous field).  A line with
# no colon matches nothing and is skipped.
_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)", re.M)

Field = tuple[str, bytes]
"""(lowercased field name, raw folded value bytes)"""


def find_header_end(buf: bytes, start: int, end: int) -> int:
    """Return the offset of the body: the first byte after the blank line.

    If ``buf[start:end]`` starts with an empty line the header is empty.  With
    no blank line at all, the whole region is header and the body is empty
    (``end`` is returned).
    """
    if start >= end:
        return end
    c = buf[start]
    if c == 0x0A:
        return start + 1
    if c == 0x0D and start + 1 < end and buf[start + 1] == 0x0A:
        return start + 2
    m = _BLANK_LINE.search(buf, start, end)
    return m.end() if m else end


_NAMES: dict[bytes, str] = {}


def _name(raw: bytes) -> str:
    name = _NAMES.get(raw)
    if name is None:
        name = raw.decode("ascii").lower()
        if len(_NAMES) < 4096:
            _NAMES[raw] = name
    return name


MAX_FIELDS = 10_000
_BIG_HEADER = 256 * 1024


def parse_fields(buf: bytes, start: int, end: int) -> list[Field]:
    """Split ``buf[start:end]`` (a header block) into fields, in order.

    At most :data:`MAX_FIELDS` fields are returned (a limit against absurd
    headers; the raw bytes are still served whole).
    """
    names = _NAMES
    if start > 0 and buf[start - 1] != 0x0A:  # "^" must match at start
        buf, start, end = buf[start:end], 0, end - start
    if end - start <= _BIG_HEADER:
        found = _FIELD.findall(buf, start, end)
    else:
        found = [m.groups() for m in islice(_FIELD.finditer(buf, start, end), MAX_FIELDS)]
    return [(names.get(n) or _name(n), v) for n, v in found[:MAX_FIELDS]]


def unfold(value: bytes) -> bytes:
    """RFC 5322 §2.2.3 unfolding: drop the line breaks, keep the WSP; strip."""
    if b"\n" in value:
        value = value.replace(b"\r\n", b"").replace(b"\n", b"")
    return value.strip(b" \t\r")


def first_values(fields: list[Field]) -> dict[str, bytes]:
    """Unfolded raw value of the first occurrence of each field name."""
    out: dict[str, bytes] = {}
    for name, value in fields:
        if name not in out:
            out[name] = unfold(value)
    return out


_CTE_TOKEN = re.compile(rb"[A-Za-z0-9._-]+")
_CTE_COMMENT = re.compile(rb"\([^()]*\)")


def transfer_encoding(values: dict[str, bytes]) -> str:
    """RFC 2045 §6.1 mechanism, lowercased ("" when absent); comments ignored."""
    value = values.get("content-transfer-encoding")
    if not value:
        return ""
    if b"(" in value:
        value = _CTE_COMMENT.sub(b"", value)
    m = _CTE_TOKEN.search(value)
    return m.group().decode("ascii").lower() if m else ""


def raw_str(value: bytes | None) -> str | None:
    """Raw (not RFC 2047 decoded) value as str, for ENVELOPE/BODYSTRUCTURE."""
    return None if value is None else utf8_replace(value)


# RFC 2047 §2 encoded-word, tolerant: RFC 2231 §5 language suffix allowed,
# encoded text may be empty, and words glued to other text are decoded too
# (as most clients do).
_EWORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?\s]*)\?=")
_WS_ONLY = re.compile(r"[ \t\r\n]*\Z")


def _b_decode(text: str) -> bytes | None:
    data = re.sub(r"[^A-Za-z0-9+/]", "", text)
    data = data[: len(data) - len(data) % 4] if len(data) % 4 == 1 else data
    data += "=" * (-len(data) % 4)
    try:
        return binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        return None


def _q_decode(text: str) -> bytes:
    return binascii.a2b_qp(text.encode("ascii", "replace"), header=True)


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words in ``text`` (already a str).

    §6.2: linear whitespace between two adjacent encoded words is ignored;
    consecutive words in the same charset are joined as bytes before
    decoding, so a multi-byte character split across words survives.  A word
    that cannot be decoded is left as is.
    """
    if "=?" not in text:
        return text
    out: list[str] = []
    pos = 0
    pending: bytearray | None = None
    pending_cs = ""
    for m in _EWORD.finditer(text):
        gap = text[pos : m.start()]
        charset, kind, payload = m.group(1), m.group(2), m.group(3)
        data = _b_decode(payload) if kind in "Bb" else _q_decode(payload)
        if data is None:
            continue  # leave the broken word in the text (it is in a later gap)
        adjacent = pending is not None and _WS_ONLY.match(gap) is not None
        if pending is not None and adjacent and charset.lower() == pending_cs:
            pending += data
        else:
            if pending is not None:
                out.append(_word_text(pending, pending_cs))
                if not adjacent:
                    out.append(gap)
            else:
                out.append(gap)
            pending = bytearray(data)
            pending_cs = charset.lower()
        pos = m.end()
    if pending is not None:
        out.append(_word_text(pending, pending_cs))
    out.append(text[pos:])
    return "".join(out)


_LINE_BREAKS = str.maketrans("\r\n", "  ")


def _word_text(data: bytearray, charset: str) -> str:
    """The text of encoded words, with CR and LF as spaces.

    RFC 5322 §2.2: an unfolded field body holds no CR or LF, and RFC 2047 §5 only allows
    encoded words where text may stand; ``=0D=0A`` decoded verbatim would let a field forge
    extra "header lines" in the search text (tests/fuzz/test_regressions.py).
    """
    return decode_bytes(bytes(data), charset).translate(_LINE_BREAKS)


def decoded_str(value: bytes | None) -> str:
    """Unfolded value -> unicode: 8-bit guessed (RFC 6532), RFC 2047 decoded."""
    if not value:
        return ""
    if value.isascii():
        text = value.decode("ascii")
        if "\x00" in text:
            text = text.replace("\x00", "\ufffd")
    else:
        text = guess_decode(value)
    return decode_words(text) if "=?" in text else text
