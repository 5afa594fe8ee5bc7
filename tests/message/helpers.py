"""Helpers for the message parser tests (no database needed)."""

from __future__ import annotations


def crlf(text: str) -> bytes:
    """Test message source with LF line ends -> CRLF bytes (UTF-8)."""
    return text.replace("\n", "\r\n").encode("utf-8")


def section(raw: bytes, parts: dict, path: str) -> tuple[bytes, bytes]:
    """(MIME header, body) bytes of a section as a server would slice them."""
    h, b, e = parts[path]
    return raw[h:b], raw[b:e]


def check_offsets(msg, raw: bytes) -> None:
    """Every offset is inside the message and ordered."""
    assert msg.size == len(raw)
    assert 0 <= msg.header_size <= msg.size
    for path, (h, b, e) in msg.parts.items():
        assert 0 <= h <= b <= e <= msg.size, (path, h, b, e)
