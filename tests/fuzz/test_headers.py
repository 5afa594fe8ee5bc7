"""Address headers (RFC 5322 §3.4) and encoded words (RFC 2047): never raise, never CR/LF.

A decoded header value ends up in the search text (``name: value`` lines), in SORT keys and in
ENVELOPE strings; a CR or LF decoded out of an encoded word (``=0D=0A``) must not start a new
"header line" in any of them.
"""

from __future__ import annotations

import base64
import json

from hypothesis import given
from hypothesis import strategies as st

from mailstore.message import parse_message
from mailstore.message.address import first_mailbox, parse_address_list
from mailstore.message.envelope import sort_keys
from mailstore.message.headers import decode_words, decoded_str, unfold

from .profile import bounded

ADDRESS_PIECES = st.sampled_from(
    [
        "a@example.org",
        "Bob <bob@example.org>",
        '"Smith, J" <j@x.example>',
        "(comment) ",
        "(nested (comment)",
        "group: a@b, c@d;",
        "<@route,@other:x@y>",
        "x@[127.0.0.1]",
        ",",
        ";",
        ":",
        "<",
        ">",
        "@",
        '"',
        "\\",
        " ",
        "\t",
        "\r\n ",
        "=?utf-8?q?J=C3=B6rg?= <j@x>",
        "alice@example.com\x00@evil.example",  # CVE-2023-27043 shapes
        '"a@b"@c',
        "a@b@c",
        "é@ü.example",
    ]
)
ADDRESS_VALUES = st.lists(ADDRESS_PIECES | st.text(max_size=5), max_size=12).map("".join)

WORD_TEXT = st.binary(max_size=12)
CHARSETS = st.sampled_from(["utf-8", "UTF-8", "iso-8859-1", "utf-16", "utf-7", "x-bogus", "koi8-r"])


@st.composite
def encoded_word(draw: st.DrawFn) -> str:
    charset = draw(CHARSETS)
    data = draw(WORD_TEXT | st.sampled_from([b"\r\n", b"a\rb", b"x\nSubject: y", b"\x00"]))
    if draw(st.booleans()):
        payload = base64.b64encode(data).decode()
        return f"=?{charset}?B?{payload}?="
    payload = "".join(
        f"={b:02X}" if draw(st.booleans()) or b > 126 or b < 33 else chr(b) for b in data
    )
    return f"=?{charset}?Q?{payload}?="


WORDS_VALUES = st.lists(
    encoded_word() | st.sampled_from([" ", "\t", "x", "=?", "?=", "=?utf-8?q?", "\r\n "]),
    max_size=6,
).map("".join)


@bounded(400)
@given(value=ADDRESS_VALUES)
def test_address_list_never_raises(value: str) -> None:
    # as the envelope builder sees it: unfolded raw value (mailstore/message/headers.unfold)
    value = unfold(value.encode("utf-8", "surrogatepass")).decode("utf-8", "surrogatepass")
    addrs = parse_address_list(value)
    if addrs is None:
        return
    json.dumps(addrs)
    for addr in addrs:
        assert len(addr) == 4
        assert all(part is None or isinstance(part, str) for part in addr)
    first = first_mailbox(addrs)
    assert first is None or first[3] is not None
    _mailbox, display = sort_keys(addrs)
    if "\r" not in value:
        assert "\r" not in display and "\n" not in display


@bounded(400)
@given(value=WORDS_VALUES)
def test_encoded_words_never_raise_nor_break_lines(value: str) -> None:
    text = decode_words(value)
    text.encode("utf-8")  # no lone surrogates
    raw = value.encode("utf-8", "surrogatepass")
    decoded = decoded_str(raw)
    assert "\x00" not in decoded
    # RFC 5322 §2.2: a field body has no CR or LF once unfolded; decoding must not add one
    if b"\r" not in raw and b"\n" not in raw:
        assert "\r" not in decoded and "\n" not in decoded, decoded


@bounded(150)
@given(subject=WORDS_VALUES, sender=ADDRESS_VALUES)
def test_no_injected_header_lines_in_search_text(subject: str, sender: str) -> None:
    """An encoded ``CRLF X-Spam: yes`` in a field never becomes a line of ``header_text``."""
    raw = (
        "From: "
        + sender.replace("\r", " ").replace("\n", " ")
        + "\r\nSubject: "
        + subject.replace("\r", " ").replace("\n", " ")
        + "\r\n\r\nbody\r\n"
    ).encode("utf-8", "surrogatepass")
    parsed = parse_message(raw)
    names = [line.split(":", 1)[0] for line in parsed.header_text.split("\n")[:-1]]
    assert names == ["from", "subject"], parsed.header_text
    for name, value in parsed.headers:
        assert "\r" not in value and "\n" not in value, (name, value)
    assert "\n" not in parsed.subject and "\r" not in parsed.subject
