"""atheris target: whole IMAP connections against the real session loop, before login.

The input is everything a client sends on one connection. The server is
``servers.imap.session.Session`` (reader, parser, dispatch table, state checks, error mapping,
AUTHENTICATE's raw lines, the bad-command limit) on a loopback socket. Every line back must be
untagged (``* ``), a continuation (``+ ``) or tagged, the session must end after the client's
EOF, and nothing may be logged as an error.

Without a database the session stays in the not-authenticated state: ``plaintext_on_loopback``
is off, so LOGIN and AUTHENTICATE PLAIN are refused (``NO [PRIVACYREQUIRED]``) before any
engine call, and every other command needs no engine. The authenticated and selected states
run against PostgreSQL in ``tests/fuzz/test_imap_model.py`` (a hypothesis state machine).
"""

from __future__ import annotations

import asyncio
import re
import sys

from _harness import LoopbackServer, instrumented, run

with instrumented():
    from servers.imap.session import Session
    from servers.imap.settings import ImapSettings
    from servers.imap.shared import Shared
    from servers.imap.transport import Transport

# RFC 9051 §2.2.2: untagged "* ", continuation "+", or a tag (any ASTRING-CHAR but "+")
RESPONSE_LINE = re.compile(rb'(\* |\+( |$)|[^\x00-\x20\x7f-\xff(){%*"\\+]+ (OK|NO|BAD) )')
SETTINGS = ImapSettings(hostname="imap.example.org", plaintext_on_loopback=False, autologout=5)
SHARED = Shared(None, None, SETTINGS, None)  # type: ignore[arg-type]  # no engine: see above


async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await Session(SHARED, Transport(reader, writer, write_timeout=5)).run()


async def start() -> asyncio.AbstractServer:
    return await asyncio.start_server(session, "127.0.0.1", 0)


SERVER = LoopbackServer(start)


def one_input(data: bytes) -> None:
    out = SERVER.exchange(data)
    if not out.startswith(b"* OK [CAPABILITY "):
        raise AssertionError(f"bad greeting {out[:80]!r}")
    for line in out.split(b"\r\n")[:-1]:
        if not RESPONSE_LINE.match(line):
            raise AssertionError(f"malformed response line {line[:200]!r}")


if __name__ == "__main__":
    run("imap_session", one_input)
    sys.exit(0)
