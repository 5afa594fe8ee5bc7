"""The SMTP DATA reader against a tiny reference, over random payloads and random chunkings.

The reference below is written line by line, the way RFC 5321 §4.5.2 describes transparency,
and shares no code with ``servers/smtp/data.py`` (which scans a growing buffer). Both must
agree on where DATA ends (only ``<CRLF>.<CRLF>``, RFC 5321 §4.1.1.4: the smuggling defence),
on the octets that follow it, on the unstuffed content and on the error, however the octets
are cut into reads and wherever bare CRs and LFs fall.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from servers.smtp.data import DataDecoder, DataError, LineEndings

from .profile import bounded

MAX_LINE = 60


@dataclass(frozen=True)
class Expected:
    complete: bool
    leftover: bytes = b""
    content: bytes = b""
    error: DataError | None = None
    wire_size: int = 0


def reference(chunks: list[bytes], max_size: int, line_endings: LineEndings) -> Expected:
    """DATA as RFC 5321 reads it: lines until a line that is exactly ".", CRLF-terminated."""
    wire = b"".join(chunks)
    pos = 0
    lines: list[bytes] = []
    while True:
        end = wire.find(b"\r\n", pos)
        if end < 0:
            return Expected(complete=False)
        line = wire[pos:end]
        pos = end + 2
        if line == b".":
            break
        lines.append(line)
    leftover = wire[pos:]
    wire_size = sum(len(line) + 2 for line in lines)
    # The memory bound (module docstring of servers/smtp/data.py): once a read leaves more
    # than the limit plus slack unterminated, the payload is dropped and the answer is 552.
    keep = max_size + max_size // 50 + 1024
    read_ends = [sum(map(len, chunks[: i + 1])) for i in range(len(chunks))]
    if any(end < pos and 2 + end > keep for end in read_ends):
        return Expected(True, leftover, b"", DataError.TOO_BIG, wire_size)
    if any(b"\r" in line or b"\n" in line for line in lines):  # inside a CRLF line: bare
        if line_endings is LineEndings.REJECT:
            return Expected(True, leftover, b"", DataError.BARE_LINE_ENDING, wire_size)
        raw = b"".join(line + b"\r\n" for line in lines)
        lines = re.split(rb"\r\n|\r|\n", raw)[:-1]
    unstuffed = [line[1:] if line.startswith(b".") else line for line in lines]
    content = b"".join(line + b"\r\n" for line in unstuffed)
    if any(len(line) + 1 > MAX_LINE for line in unstuffed):  # CR counts, as in longest_line
        return Expected(True, leftover, b"", DataError.LINE_TOO_LONG, wire_size)
    if len(content) > max_size:
        return Expected(True, leftover, b"", DataError.TOO_BIG, wire_size)
    return Expected(True, leftover, content, None, wire_size)


def decode(chunks: list[bytes], max_size: int, line_endings: LineEndings) -> Expected:
    decoder = DataDecoder(max_size, line_endings, max_line=MAX_LINE)
    for i, chunk in enumerate(chunks):
        leftover = decoder.feed(chunk)
        if leftover is not None:
            # whatever the client sent after the terminator belongs to the command reader
            rest = leftover + b"".join(chunks[i + 1 :])
            result = decoder.result()
            return Expected(True, rest, result.content, result.error, result.wire_size)
    return Expected(complete=False)


PIECES = st.sampled_from(
    [
        b"a",
        b"Subject: x",
        b".",
        b"..",
        b"\r\n",
        b"\r",
        b"\n",
        b"\r\n.\r\n",  # the one true end
        b"\n.\n",  # smuggling shapes: content, never an end
        b"\r\n.\n",
        b"\n.\r\n",
        b"\r.\r",
        b"\r\n..\r\n",
        b"\r\n.",
        b"x" * 70,
        b"\x00",
        b"\xff",
    ]
)
PAYLOAD = st.lists(PIECES, max_size=40).map(b"".join)


@st.composite
def chunked(draw: st.DrawFn, payload: st.SearchStrategy[bytes]) -> tuple[bytes, list[bytes]]:
    """A payload and a random cut of it into reads (empty reads never happen on a socket)."""
    wire = draw(payload)
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, len(wire) - 1)), max_size=8))))
    bounds = [0, *[c for c in cuts if c < len(wire)], len(wire)]
    chunks = [wire[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    return wire, chunks or [wire]


@bounded(600)
@given(
    sample=chunked(PAYLOAD),
    max_size=st.integers(0, 2000),
    line_endings=st.sampled_from(LineEndings),
)
def test_decoder_matches_reference(
    sample: tuple[bytes, list[bytes]], max_size: int, line_endings: LineEndings
) -> None:
    _wire, chunks = sample
    expected = reference(chunks, max_size, line_endings)
    got = decode(chunks, max_size, line_endings)
    assert got == expected


@bounded(200)
@given(sample=chunked(PAYLOAD), line_endings=st.sampled_from(LineEndings))
def test_terminated_payload_always_ends(
    sample: tuple[bytes, list[bytes]], line_endings: LineEndings
) -> None:
    """Appending the terminator ends any payload, at or before the appended one."""
    _wire, chunks = sample
    got = decode([*chunks, b"\r\n.\r\n", b"QUIT\r\n"], 10_000, line_endings)
    assert got.complete
    assert got.leftover.endswith(b"QUIT\r\n")


@bounded(60)
@given(
    sizes=st.lists(st.integers(1, 5000), min_size=1, max_size=6),
    stuffed=st.booleans(),
)
def test_oversized_payload_is_dropped_but_end_still_found(sizes: list[int], stuffed: bool) -> None:
    """Past the limit the decoder keeps four octets, yet sees the end and what follows it."""
    line = (b".x" if stuffed else b"xx") * 20 + b"\r\n"
    body = line * 400  # 16.8 kB, far over the 1 kB limit below plus its slack
    wire = body + b"\r\n.\r\nNOOP\r\n"
    chunks, pos = [], 0
    for size in sizes * (len(wire) // sum(sizes) + 1):
        if pos >= len(wire):
            break
        chunks.append(wire[pos : pos + size])
        pos += size
    got = decode(chunks, 1000, LineEndings.REJECT)
    assert got == Expected(True, b"NOOP\r\n", b"", DataError.TOO_BIG, len(body) + 2)
