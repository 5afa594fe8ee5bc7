"""Modified UTF-7 for IMAP mailbox names (RFC 3501 §5.1.3).

Printable US-ASCII stands for itself ("&" is written "&-"); every other run of
characters is UTF-16BE in a modified base64 (``,`` for ``/``, no padding)
between "&" and "-". IMAP4rev2 and UTF8=ACCEPT sessions use raw UTF-8 instead
(RFC 9051 §5.1, RFC 6855 §3).
"""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["decode_mutf7", "encode_mutf7"]

_B64_RUN = re.compile(rb"[A-Za-z0-9+,]*")


def _is_direct(code: int) -> bool:
    """True for the printable US-ASCII characters that represent themselves."""
    return 0x20 <= code <= 0x7E


def encode_mutf7(name: str) -> bytes:
    """Encode a mailbox name; the result is 7-bit and round-trips via ``decode_mutf7``."""
    out = bytearray()
    pending: list[str] = []

    def flush() -> None:
        if pending:
            utf16 = "".join(pending).encode("utf-16-be")
            b64 = base64.b64encode(utf16).rstrip(b"=").replace(b"/", b",")
            out.extend(b"&" + b64 + b"-")
            pending.clear()

    for char in name:
        if _is_direct(ord(char)):
            flush()
            out.extend(b"&-" if char == "&" else char.encode("ascii"))
        else:
            pending.append(char)
    flush()
    return bytes(out)


def decode_mutf7(data: bytes) -> str:
    """Decode a modified UTF-7 name strictly; raise ``ValueError`` on any malformation.

    Rejected (RFC 3501 §5.1.3): 8-bit or control octets, an unterminated or
    empty shift sequence other than "&-", bits left over in the base64, and
    printable US-ASCII characters written in base64.
    """
    out: list[str] = []
    pos = 0
    while pos < len(data):
        code = data[pos]
        if not _is_direct(code):
            raise ValueError(f"octet {code:#04x} not allowed in a modified UTF-7 name")
        if code != 0x26:  # "&"
            out.append(chr(code))
            pos += 1
            continue
        run = _B64_RUN.match(data, pos + 1)
        assert run is not None  # the pattern matches the empty string
        end = run.end()
        if end >= len(data) or data[end] != 0x2D:  # "-"
            raise ValueError("unterminated modified base64 in mailbox name")
        out.append(_decode_shifted(run.group()) if run.group() else "&")
        pos = end + 1
    return "".join(out)


def _decode_shifted(b64: bytes) -> str:
    """Decode the base64 between "&" and "-" into the characters it carries."""
    bits = len(b64) * 6
    if bits % 8 >= 6 or (bits // 8) % 2:
        raise ValueError("modified base64 run has a bad length")
    padded = b64.replace(b",", b"/") + b"=" * (-len(b64) % 4)
    try:
        utf16 = base64.b64decode(padded, validate=True)
    except binascii.Error as exc:
        raise ValueError("bad modified base64 in mailbox name") from exc
    if base64.b64encode(utf16).rstrip(b"=") != padded.rstrip(b"="):
        raise ValueError("modified base64 has non-zero padding bits")
    try:
        text = utf16.decode("utf-16-be")
    except UnicodeDecodeError as exc:
        raise ValueError("modified base64 is not valid UTF-16") from exc
    if any(_is_direct(ord(char)) for char in text):
        raise ValueError("printable US-ASCII must not be base64-encoded in a mailbox name")
    return text
