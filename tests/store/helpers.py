"""Small message builders for store tests."""

from __future__ import annotations


def make_message(
    subject: str = "Hello",
    body: str = "Hello world\r\n",
    sender: str = "Alice <alice@example.com>",
    to: str = "bob@example.org",
    extra: str = "",
) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: Mon, 02 Jan 2023 10:00:00 +0000\r\nMessage-ID: <{abs(hash(subject + body))}@example.com>\r\n"
        f"{extra}\r\n{body}"
    ).encode()
