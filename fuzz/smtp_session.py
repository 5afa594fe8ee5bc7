"""atheris target: whole SMTP sessions (bytes in, replies out) against the real SMTP protocol.

The input is everything a client sends on one connection (commands, DATA payload, pipelined
or not); the server is ``servers.smtp.protocol.SMTPProtocol`` on a loopback socket. Every
line that comes back must be an RFC 5321 §4.2 reply (``NNN-`` / ``NNN ``, 2xx-5xx), the
server must close after the client's EOF (no hang) and log no error.

No database here: MAIL/RCPT/DATA go to ``AcceptAll`` below, a handler that takes any
envelope and any message (the Handler protocol is exactly what MX, submission and LMTP
implement). The database-backed handlers are covered by ``tests/fuzz/test_smtp_session.py``.
"""

from __future__ import annotations

import asyncio
import re
import sys
from typing import Any

from _harness import LoopbackServer, instrumented, run

with instrumented("aiosmtpd"):
    from servers.common.throttle import AuthThrottle
    from servers.smtp.limits import ConnectionLimiter
    from servers.smtp.protocol import LMTPProtocol, SMTPProtocol
    from servers.smtp.replies import Reply
    from servers.smtp.settings import SMTPSettings

REPLY_LINE = re.compile(rb"[2-5][0-9][0-9][ -]")


class AcceptAll:
    """The smallest complete SMTP handler: every sender, every recipient, every message."""

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        envelope.rcpt_tos.append(address)
        envelope.recipients.append(address)
        return "250 2.1.5 OK"

    async def deliver(
        self, server: Any, session: Any, envelope: Any, content: bytes
    ) -> list[Reply]:
        count = len(envelope.recipients) if server.lmtp else 1
        return [Reply(250, "2.0.0", f"received {len(content)} octets")] * count


SETTINGS = SMTPSettings(hostname="mx.example.org", message_size=64 * 1024, command_timeout=5)
LIMITER = ConnectionLimiter(total=100, per_address=100)


def protocol(lmtp: bool) -> SMTPProtocol:
    kind = LMTPProtocol if lmtp else SMTPProtocol
    return kind(AcceptAll(), settings=SETTINGS, limiter=LIMITER, throttle=AuthThrottle())


async def start(lmtp: bool) -> asyncio.AbstractServer:
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: protocol(lmtp), "127.0.0.1", 0)


SMTP = LoopbackServer(lambda: start(False))
LMTP = LoopbackServer(lambda: start(True))


def one_input(data: bytes) -> None:
    server = LMTP if data[:1] == b"L" else SMTP
    out = server.exchange(data)
    lines = out.split(b"\r\n")
    if lines[-1] != b"":
        raise AssertionError(f"reply not ended by CRLF: {lines[-1]!r}")
    for line in lines[:-1]:
        if not REPLY_LINE.match(line):
            raise AssertionError(f"malformed reply line {line!r}")


if __name__ == "__main__":
    run("smtp_session", one_input)
    sys.exit(0)
