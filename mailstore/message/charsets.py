"""Charset lookup and tolerant bytes -> str decoding.

Every decoder here returns a ``str`` and never raises.  Output never contains
NUL (PostgreSQL ``text``/``jsonb`` reject U+0000) nor lone surrogates, so every
string the parser produces can be stored and JSON-encoded as is.

Charset names come from MIME ``charset`` parameters (RFC 2046 §4.1.2), RFC 2047
encoded words and RFC 2231 parameter values.  Labels are mapped the way mail
clients and browsers do (WHATWG Encoding: ``iso-8859-1`` means windows-1252,
``gb2312`` means GB18030, ...), and codecs that are not real text charsets
(``unicode_escape``, ``idna``, ...) are refused.
"""

from __future__ import annotations

import codecs
import functools

#: Labels that mean "some ASCII-compatible 8-bit text, guess".
_GUESS = frozenset({"us-ascii", "ascii", "us_ascii", "ansi_x3.4-1968", "x-unknown", "unknown"})
_GUESS |= {"unknown-8bit", "x-user-defined", "default", "iso-646-us", "646", "us", ""}

#: Supersets that clients actually mean when they say the narrower label.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso8859_8",
    "iso-8859-6-i": "iso8859_6",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "big5": "big5hkscs",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "x-mac-roman": "mac_roman",
}

#: Codecs that bytes.decode accepts but which are not mail charsets.
_REFUSED = frozenset({"unicode_escape", "raw_unicode_escape", "idna", "punycode", "undefined"})
_REFUSED |= {"mbcs", "oem"}

#: Codecs whose decoder may emit lone surrogates.
_SURROGATE_RISK = frozenset({"utf_7"})


@functools.lru_cache(maxsize=512)
def resolve_charset(label: str) -> str | None:
    """Map a charset label to a Python codec name; None for "unknown, guess".

    An unknown or refused label also returns None, so callers fall back to the
    UTF-8-then-windows-1252 guess.
    """
    name = label.strip().strip("\"'").lower()
    if name in _GUESS or name.replace("_", "-") in _GUESS:
        return None
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    codec = info.name.replace("-", "_")
    if not getattr(info, "_is_text_encoding", True) or codec in _REFUSED:
        return None
    return codec


def clean(text: str) -> str:
    """Remove what PostgreSQL text/jsonb cannot store (NUL)."""
    if "\x00" in text:
        return text.replace("\x00", "\ufffd")
    return text


def guess_decode(data: bytes) -> str:
    """Decode unlabelled 8-bit text: UTF-8 if valid, else windows-1252."""
    try:
        return clean(data.decode("utf-8"))
    except UnicodeDecodeError:
        return clean(data.decode("cp1252", "replace"))


def utf8_replace(data: bytes) -> str:
    """Decode as UTF-8 with U+FFFD for bad sequences (used for raw IMAP strings)."""
    return clean(data.decode("utf-8", "replace"))


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode ``data`` in ``charset`` (a MIME label); never raises."""
    codec = resolve_charset(charset) if charset else None
    if codec is None or codec == "ascii":
        if data.isascii():
            return clean(data.decode("ascii"))
        return guess_decode(data)
    try:
        text = data.decode(codec, "replace")
    except Exception:
        return utf8_replace(data)
    if codec in _SURROGATE_RISK:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return clean(text)
