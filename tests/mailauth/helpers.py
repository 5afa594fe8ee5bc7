"""Messages for the sender authentication tests."""

from __future__ import annotations


def message(
    from_: str = "Alice <alice@example.com>",
    subject: str = "Lunch",
    body: bytes = b"See you at noon.\r\n",
    extra: bytes = b"",
) -> bytes:
    """A small RFC 5322 message with CRLF line ends."""
    return (
        extra
        + f"From: {from_}\r\n".encode()
        + b"To: Bob <bob@example.org>\r\n"
        + f"Subject: {subject}\r\n".encode()
        + b"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
        + b"Message-ID: <lunch.1@example.com>\r\n"
        + b"\r\n"
        + body
    )
