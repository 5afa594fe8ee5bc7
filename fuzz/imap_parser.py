"""atheris target: the IMAP command reader and parser (RFC 9051 §2.2, §4.3, §9).

Any octets are framed by ``CommandReader`` (synchronizing literals accepted, as the session
does) and each command goes to ``parse_command``: a command or ``ParseError``, nothing else;
and a parsed command re-encoded canonically (``tests/imap/parse/reencode.py``) parses back
equal. Byte 0 chooses modified UTF-7 or UTF-8 mailbox names.
"""

from __future__ import annotations

import sys

from _harness import instrumented, run

with instrumented():
    from servers.imap.parse import ParseError, parse_command
    from servers.imap.wire import CommandBytes, CommandReader, NeedContinuation, ReaderLimits
    from tests.imap.parse.helpers import reparse

LIMITS = ReaderLimits(max_line=8192, max_literal=4096, max_literals=20)


def one_input(data: bytes) -> None:
    utf8 = bool(data[:1]) and data[0] & 1 == 1
    reader = CommandReader(LIMITS)
    events = []
    for chunk in (data[1:], b""):
        for event in reader.feed(chunk):
            if isinstance(event, NeedContinuation):
                reader.accept_literal()
            events.append(event)
    for event in events:
        if not isinstance(event, CommandBytes):
            continue
        try:
            command = parse_command(event.parts, utf8=utf8)
        except ParseError:
            continue
        again = reparse(command, utf8=utf8)
        if again != command:
            raise AssertionError(f"round trip: {command!r} -> {again!r}")


if __name__ == "__main__":
    run("imap_parser", one_input)
    sys.exit(0)
