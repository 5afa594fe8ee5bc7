"""Body decoding for search: Content-Transfer-Encoding (RFC 2045 §6), charset
(RFC 2046 §4.1.2), HTML to text, and the line/size counts IMAP reports.
"""

from __future__ import annotations

import binascii
import html
import re

from .charsets import decode_bytes

BODY_TEXT_LIMIT = 2_000_000
TEXT_INPUT_LIMIT = 8 * 1024 * 1024  # encoded bytes read per text part

_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]+")


def count_lines(buf: bytes, start: int, end: int) -> int:
    """Lines in ``buf[start:end]``: LF count, plus one for an unterminated last line.

    This is the "size of the body in text lines" of RFC 3501 §7.4.2 for a body
    whose final line break belongs to a following boundary delimiter.
    """
    if end <= start:
        return 0
    n = buf.count(b"\n", start, end)
    if buf[end - 1] != 0x0A:
        n += 1
    return n


def decode_base64(data: bytes) -> bytes:
    """RFC 2045 §6.8, lenient: ignore non-alphabet bytes, tolerate bad padding."""
    data = _B64_JUNK.sub(b"", data)
    extra = len(data) % 4
    if extra == 1:
        data = data[:-1]
    elif extra:
        data += b"=" * (4 - extra)
    try:
        return binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        return b""


def decode_cte(data: bytes, cte: str) -> bytes:
    """Undo a Content-Transfer-Encoding; unknown encodings pass through."""
    if cte == "base64":
        return decode_base64(data)
    if cte == "quoted-printable":
        try:
            return binascii.a2b_qp(data)
        except (binascii.Error, ValueError):
            return data
    return data


def decoded_size_estimate(buf: bytes, start: int, end: int, cte: str) -> int:
    """Decoded size without decoding (for attachment listings)."""
    size = max(0, end - start)
    if cte == "base64":
        # Encoders write lines of one length: infer the line count from the
        # first line instead of counting line breaks through megabytes.
        while end > start and buf[end - 1] in (0x0A, 0x0D, 0x20, 0x09):
            end -= 1
        size = end - start
        nl = buf.find(b"\n", start, end)
        if nl < 0:
            chars = size
        else:
            eol = 2 if nl > start and buf[nl - 1] == 0x0D else 1
            width = nl + 1 - start
            chars = size - (-(-size // width) - 1) * eol
        pad = 0
        tail = buf[max(start, end - 4) : end].rstrip(b"\r\n \t")
        if tail.endswith(b"=="):
            pad = 2
        elif tail.endswith(b"="):
            pad = 1
        return max(0, chars * 3 // 4 - pad)
    if cte == "quoted-printable":
        return max(0, size - 2 * buf.count(b"=", start, end))
    return size


# HTML to text: drop script/style/head and comments, block-level tags become a
# line break (so table cells do not run together), other tags vanish, entities
# are decoded (HTML5 rules via html.unescape).  Case-sensitive alternations are
# about twice as fast as re.I here, so lower and upper case are listed.
_BLOCK_NAMES = (
    "br p div tr td th li ul ol table h1 h2 h3 h4 h5 h6 blockquote hr pre title dd dt "
    "section article header footer center"
).split()
_HTML_DROP = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style|head|SCRIPT|STYLE|HEAD|Script|Style|Head)\b.*?(?:</\1\s*>|\Z)",
    re.S,
)


def _trie(words: list[str]) -> str:
    """Regex alternation factored by first character (sre tries branches in turn)."""
    groups: dict[str, list[str]] = {}
    optional = False
    for w in words:
        if w:
            groups.setdefault(w[0], []).append(w[1:])
        else:
            optional = True
    alts = [re.escape(c) + _trie(rest) for c, rest in groups.items()]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if optional else body


_HTML_BLOCK = re.compile(
    r"</?" + _trie(_BLOCK_NAMES + [n.upper() for n in _BLOCK_NAMES]) + r"\b[^>]*>"
)
_HTML_TAG = re.compile(r"<[!/?a-zA-Z][^>]*>?")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&nbsp;", "\xa0"), ("&#39;", "'"))


def unescape(text: str) -> str:
    """HTML character references; fast path for the common named ones."""
    if "&" not in text:
        return text
    t = text
    for ent, ch in _ENTITIES:
        if ent in t:
            t = t.replace(ent, ch)
    if t.count("&") == t.count("&amp;"):
        return t.replace("&amp;", "&")
    return html.unescape(text)


def html_to_text(markup: str) -> str:
    if "<" not in markup:
        return unescape(markup)
    text = _HTML_DROP.sub("", markup)
    text = _HTML_BLOCK.sub("\n", text)
    text = _HTML_TAG.sub("", text)
    return unescape(text)


def part_text(data: bytes, cte: str, charset: str | None, subtype: str) -> str:
    """Decoded text of one text/* part (lowercase subtype), not lowercased."""
    text = decode_bytes(decode_cte(data, cte), charset)
    if subtype in ("html", "xhtml+xml"):
        text = html_to_text(text).replace("\x00", "\ufffd")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text


def input_budget(chars_left: int, cte: str, subtype: str) -> int:
    """Encoded bytes worth reading to produce about ``chars_left`` characters."""
    factor = 6 if cte in ("base64", "quoted-printable") else 4
    if subtype != "plain":
        factor *= 4
    return min(chars_left * factor + 1024, TEXT_INPUT_LIMIT)
