"""atheris target: whole POP3 connections against the real session loop, before login.

The input is everything a client sends on one connection; the server is
``servers.pop3.session.Session`` on a loopback socket. Every response line must start with
``+OK``, ``-ERR`` or ``+ `` (RFC 1939 §3, RFC 5034 §4) unless it is inside a multi-line
response (CAPA, AUTH), the session must end after the client's EOF, and nothing may be logged
as an error.

Without a database the session stays in the AUTHORIZATION state: ``plaintext_on_loopback`` is
off, so USER/PASS and AUTH PLAIN are refused before any engine call. The TRANSACTION state runs
against PostgreSQL in ``tests/fuzz/test_pop3_session.py``.
"""

from __future__ import annotations

import asyncio
import sys

from _harness import LoopbackServer, instrumented, run

with instrumented():
    from servers.pop3.connection import Connection
    from servers.pop3.session import Session
    from servers.pop3.settings import Pop3Settings
    from servers.pop3.shared import Shared

SETTINGS = Pop3Settings(hostname="pop.example.org", plaintext_on_loopback=False, idle_timeout=5)
SHARED = Shared(None, SETTINGS, None)  # type: ignore[arg-type]  # no engine: see above


async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await Session(SHARED, Connection(reader, writer, idle_timeout=5)).run()


async def start() -> asyncio.AbstractServer:
    return await asyncio.start_server(session, "127.0.0.1", 0)


SERVER = LoopbackServer(start)


def one_input(data: bytes) -> None:
    out = SERVER.exchange(data)
    lines = out.split(b"\r\n")
    if lines[-1] != b"" or not lines[0].startswith(b"+OK "):
        raise AssertionError(f"bad greeting or unterminated line: {out[:100]!r}")
    in_body = False
    for line in lines[1:-1]:
        if in_body:
            in_body = line != b"."
            continue
        if not (line.startswith((b"+OK", b"-ERR")) or line == b"+ " or line.startswith(b"+ ")):
            raise AssertionError(f"malformed response line {line[:200]!r}")
        # CAPA and a bare AUTH answer with a list ended by "." (RFC 2449 §5, RFC 5034 §4)
        in_body = line.startswith(b"+OK") and (b"follow" in line)


if __name__ == "__main__":
    run("pop3_session", one_input)
    sys.exit(0)
