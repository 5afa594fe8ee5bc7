"""Message octets on the POP3 wire (pure code).

RFC 1939 §3: a multi-line response is CRLF-terminated lines, each starting with the
termination octet "." stuffed with another ".", ending with ``.CRLF``. RFC 1939 §5 (LIST,
STAT): the octet count is the size of the message as RETR sends it *before* byte-stuffing.

Messages are stored exactly as received, so a message may use bare LF line ends. We send
every line ending as CRLF, so counts and bodies are computed over the normalised form:

* a bare LF becomes CRLF;
* a message with no LF at all but CRs (old Mac form) has each CR read as a line end, as the
  ingest parser reads it;
* other lone CRs are line content and stay;
* a message not ending with CRLF gets one (it must, before the terminating ``.CRLF``).

:func:`wire_size` counts without copying; :func:`to_crlf` produces the bytes, and
``len(to_crlf(raw)) == wire_size(raw)`` for every input (tested with hypothesis).
"""

from __future__ import annotations

import re

from mailstore.message.wire import crlf_size

__all__ = ["dot_stuff", "multiline", "to_crlf", "top", "wire_size"]

_BARE_LF = re.compile(rb"(?<!\r)\n")
CRLF = b"\r\n"
TERMINATOR = b".\r\n"


def wire_size(raw: bytes) -> int:
    """Octets RETR sends for ``raw`` before dot-stuffing (the STAT/LIST count); the engine
    stores the same figure at ingest (``mailstore.message.wire.crlf_size``)."""
    return crlf_size(raw)


def to_crlf(raw: bytes) -> bytes:
    """``raw`` with CRLF line ends, ending with CRLF (empty stays empty)."""
    if not raw:
        return raw
    if b"\n" not in raw:
        data = raw.replace(b"\r", CRLF) if b"\r" in raw else raw
    elif raw.count(b"\n") != raw.count(b"\r\n"):
        data = _BARE_LF.sub(CRLF, raw)
    else:
        data = raw
    return data if data.endswith(CRLF) else data + CRLF


def dot_stuff(data: bytes) -> bytes:
    """RFC 1939 §3: a line starting with "." gets another. ``data`` is CRLF-normalised."""
    stuffed = data.replace(b"\r\n.", b"\r\n..")
    return b"." + stuffed if stuffed.startswith(b".") else stuffed


def multiline(data: bytes) -> bytes:
    """The body of a multi-line response: stuffed ``data`` (CRLF-normalised) and ``.CRLF``."""
    return dot_stuff(data) + TERMINATOR


def top(data: bytes, lines: int) -> bytes:
    """RFC 1939 §7 TOP: the header, the blank line, then ``lines`` lines of the body.

    ``data`` is CRLF-normalised. A message without a blank line is all header.
    """
    if data.startswith(CRLF):
        pos = 2  # an empty header: the first line is the separator
    else:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            return data
        pos = end + 4
    for _ in range(lines):
        nxt = data.find(CRLF, pos)
        if nxt < 0:
            break
        pos = nxt + 2
    return data[:pos]
