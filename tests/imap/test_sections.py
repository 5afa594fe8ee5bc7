"""Body sections as slices of the stored message (pure unit tests over the engine's parser)."""

from __future__ import annotations

import pytest

from mailstore.message import parse_message
from servers.imap.parse import SectionSpec, SectionText
from servers.imap.sections import (
    binary_part,
    decode_transfer_encoding,
    header_fields,
    part_structure,
    section_bytes,
)

FORWARD = (
    b"From: a@example.com\r\nSubject: fwd\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
    b"--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    b"--XX\r\nContent-Type: message/rfc822\r\n\r\n"
    b"From: b@example.com\r\nSubject: inner\r\n\r\ninner body\r\n"
    b"--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"aGVsbG8g\r\nd29ybGQ=\r\n"
    b"--XX--\r\n"
)


def body(spec: SectionSpec) -> bytes | None:
    parsed = parse_message(FORWARD)
    return section_bytes(FORWARD, parsed.header_size, parsed.parts, spec)


def test_top_level_sections():
    assert body(SectionSpec()) == FORWARD
    assert body(SectionSpec(text=SectionText.HEADER)).endswith(b"boundary=XX\r\n\r\n")
    assert body(SectionSpec(text=SectionText.TEXT)).startswith(b"--XX\r\n")


def test_part_sections():
    assert body(SectionSpec((1,))) == b"hello"
    assert body(SectionSpec((1,), SectionText.MIME)) == b"Content-Type: text/plain\r\n\r\n"
    assert body(SectionSpec((2,), SectionText.HEADER)) == (
        b"From: b@example.com\r\nSubject: inner\r\n\r\n"
    )
    assert body(SectionSpec((2,), SectionText.TEXT)) == b"inner body"
    assert body(SectionSpec((2, 1))) == b"inner body"
    assert body(SectionSpec((1,), SectionText.HEADER)) is None  # not a message/rfc822 part
    assert body(SectionSpec((7,))) is None


def test_header_fields_keep_folding_and_order():
    header = b"Subject: a\r\n b\r\nX-A: 1\r\nsubject: again\r\nBroken line\r\n\r\n"
    assert header_fields(header, ["SUBJECT"], exclude=False) == (
        b"Subject: a\r\n b\r\nsubject: again\r\n\r\n"
    )
    assert header_fields(header, ["subject"], exclude=True) == b"X-A: 1\r\nBroken line\r\n\r\n"
    assert header_fields(b"", ["x"], exclude=False) == b"\r\n"


def test_binary_decoding():
    parsed = parse_message(FORWARD)
    decoded = binary_part(FORWARD, parsed.header_size, parsed.parts, parsed.bodystructure, (3,))
    assert decoded == b"hello world"
    assert part_structure(parsed.bodystructure, (2, 1))["subtype"].lower() == "plain"
    assert part_structure(parsed.bodystructure, (4,)) is None
    assert decode_transfer_encoding(b"a=3Db=\r\nc", "Quoted-Printable") == b"a=bc"
    assert decode_transfer_encoding(b"!!aGk", "base64") == b"hi"
    with pytest.raises(LookupError):
        decode_transfer_encoding(b"x", "x-uuencode")
