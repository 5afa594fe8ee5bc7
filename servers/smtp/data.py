"""The DATA payload decoder (RFC 5321 §4.1.1.4, §4.5.2): pure code over bytes, no socket.

SMTP smuggling defence: only ``<CRLF>.<CRLF>`` ends the payload. ``<LF>.<LF>``,
``<CR><LF>.<LF>``, ``<LF>.<CR><LF>`` and ``<CR>.<CR>`` are message content here, so a client
can never make us see the end of one message and the start of a second one where the next hop
(or the previous one) sees a single message. A payload with a bare CR or bare LF anywhere is
then rejected (``550 5.6.0``) or, when configured, its line endings are normalised to CRLF.

Memory: the payload is kept once, in one growing ``bytearray``; past the size limit (plus a
little room for dot-stuffing) it is dropped and only the last four octets are kept, so the
terminator is still recognised, and the client gets ``552 5.3.4`` once it has finished.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

#: The only end of DATA (RFC 5321 §4.1.1.4). The leading CRLF is the end of the last line.
TERMINATOR = b"\r\n.\r\n"
#: RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets including CRLF, so 999 before the
#: LF (checked after transparency dots are removed).
MAX_LINE = 999
_SPLIT_STEP = 1 << 20
_BARE = re.compile(rb"\r\n|\r|\n")


class DataError(enum.Enum):
    TOO_BIG = "too big"
    LINE_TOO_LONG = "line too long"
    BARE_LINE_ENDING = "bare CR or LF"


class LineEndings(enum.StrEnum):
    """What to do with a bare CR or LF in DATA (configurable; default reject)."""

    REJECT = "reject"
    NORMALISE = "normalise"


@dataclass(frozen=True, slots=True)
class DataResult:
    """The decoded message (dot-stuffing removed) or why it was refused."""

    content: bytes
    error: DataError | None
    wire_size: int


class DataDecoder:
    """Incremental decoder for one DATA payload.

    Feed it the octets read after the ``354`` reply, in chunks of any size; :meth:`feed`
    returns ``None`` until the terminator was seen, then the octets that followed it (pipelined
    commands), which the caller hands back to its command reader. Then call :meth:`result`.
    """

    def __init__(
        self,
        max_size: int,
        line_endings: LineEndings = LineEndings.REJECT,
        max_line: int = MAX_LINE,
    ):
        self.max_size = max_size
        self.line_endings = line_endings
        self.max_line = max_line
        # The CRLF that ended the DATA command line: lets an immediate ".<CRLF>" (an empty
        # message) match TERMINATOR like any other.
        self._buf = bytearray(b"\r\n")
        self._scan = 0
        self._keep = max_size + max_size // 50 + 1024  # room for transparency dots
        self._dropped = 0
        self._too_big = False
        self.done = False

    def feed(self, chunk: bytes) -> bytes | None:
        """Take the next octets from the wire; the octets after the terminator once seen."""
        if self.done:
            raise RuntimeError("DATA already complete")
        buf = self._buf
        buf += chunk
        end = buf.find(TERMINATOR, self._scan)
        if end < 0:
            self._scan = max(0, len(buf) - len(TERMINATOR) + 1)
            if len(buf) > self._keep:
                # Over the limit: stop keeping the payload, only enough to spot TERMINATOR.
                self._too_big = True
                self._dropped += len(buf) - 4
                del buf[:-4]
                self._scan = 0
            return None
        leftover = bytes(buf[end + len(TERMINATOR) :])
        del buf[end + 2 :]  # keep the CRLF that ends the last line
        self.done = True
        return leftover

    def result(self) -> DataResult:
        """The message, or the error to answer with; valid once :meth:`feed` saw the end."""
        if not self.done:
            raise RuntimeError("DATA not complete")
        wire = self._buf
        wire_size = self._dropped + len(wire) - 2
        if self._too_big:
            return DataResult(b"", DataError.TOO_BIG, wire_size)
        if self.line_endings is LineEndings.REJECT and _has_bare_line_ending(wire):
            return DataResult(b"", DataError.BARE_LINE_ENDING, wire_size)
        if self.line_endings is LineEndings.NORMALISE:
            # After the end was found on the raw wire, so this can never make a terminator.
            wire = bytearray(_BARE.sub(b"\r\n", wire))
        # RFC 5321 §4.5.2: a line's leading period is removed (the prefix CRLF covers line 1).
        content = wire.replace(b"\r\n.", b"\r\n")
        self._buf = wire = bytearray()
        del content[:2]
        if longest_line(content) > self.max_line:
            return DataResult(b"", DataError.LINE_TOO_LONG, wire_size)
        if len(content) > self.max_size:
            return DataResult(b"", DataError.TOO_BIG, wire_size)
        return DataResult(bytes(content), None, wire_size)


def _has_bare_line_ending(data: bytes | bytearray) -> bool:
    crlf = data.count(b"\r\n")
    return data.count(b"\n") != crlf or data.count(b"\r") != crlf


def longest_line(data: bytes | bytearray) -> int:
    """Octets of the longest line before its LF (CR included); 1 MiB at a time (bounded copies)."""
    longest = carry = 0
    for start in range(0, len(data), _SPLIT_STEP):
        parts = data[start : start + _SPLIT_STEP].split(b"\n")
        if len(parts) == 1:
            carry += len(parts[0])
            continue
        longest = max(longest, carry + len(parts[0]), max(map(len, parts[1:-1]), default=0))
        carry = len(parts[-1])
    return max(longest, carry)
