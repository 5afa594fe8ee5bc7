"""IDLE (RFC 2177, RFC 9051 §6.3.13): updates pushed while the client waits for them.

The session listens to its mailbox through the process's one LISTEN connection
(``MailboxView.attach``); a notification wakes the idling session, which syncs and sends
EXISTS / EXPUNGE / FETCH at once (expunges are allowed while idling, RFC 9051 §7.5.1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from servers.imap.errors import Done, bad
from servers.imap.parse import Idle
from servers.imap.state import Selected
from servers.imap.wire import encode

if TYPE_CHECKING:
    from servers.imap.session import Session


async def idle(s: Session, cmd: Idle) -> Done:
    """RFC 2177 §3 (authenticated, selected): ``+ idling`` until the client sends DONE."""
    await s.write(encode.continuation("idling"))
    wake = None
    if isinstance(s.state, Selected):
        wake = s.state.view.wake
        await _send_updates(s)
    await s.flush()
    line = await s.read_raw_line(wake, lambda: _send_updates(s))
    if line.strip().upper() != b"DONE":
        raise bad("expected DONE")
    return Done("IDLE terminated")


async def _send_updates(s: Session) -> None:
    if isinstance(s.state, Selected):
        for line in await s.sync(expunge_ok=True):
            await s.write(line)
        await s.flush()
