"""atheris target: mailbox names from the wire to the engine's validation.

The input is a mailbox argument as a client writes it: ``a SELECT <input>`` goes through the
IMAP parser (astring, modified UTF-7 or UTF-8 per byte 0), then ``canonical_name`` (RFC 9051
§5.1: no control or wildcard characters, no empty, ``.`` or ``..`` level) and the LIST
pattern matcher. Only ``ParseError`` / ``InvalidArgument`` may come out; an accepted name is a
fixed point of ``canonical_name`` and matches itself as a pattern.
"""

from __future__ import annotations

import sys

from _harness import instrumented, run

with instrumented():
    from mailstore.errors import InvalidArgument
    from mailstore.store.mailboxes import canonical_name, pattern_regex
    from servers.imap.parse import ParseError, Select, parse_command
    from servers.imap.wire import LiteralData


def one_input(data: bytes) -> None:
    utf8 = bool(data[:1]) and data[0] & 1 == 1
    raw = data[1:]
    for parts in ([b"a SELECT " + raw], [b"a SELECT ", LiteralData(raw), b""]):
        try:
            command = parse_command(parts, utf8=utf8)
        except ParseError:
            continue
        assert isinstance(command, Select)
        try:
            name = canonical_name(command.mailbox)
        except InvalidArgument:
            continue
        if canonical_name(name) != name:
            raise AssertionError(f"canonical_name not idempotent on {name!r}")
        if any(ord(c) < 0x20 or c in "\x7f*%" for c in name):
            raise AssertionError(f"accepted a control or wildcard character: {name!r}")
        if not pattern_regex(name).match(name):
            raise AssertionError(f"{name!r} does not match itself as a pattern")


if __name__ == "__main__":
    run("mailbox_names", one_input)
    sys.exit(0)
