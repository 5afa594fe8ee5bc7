"""QUIT (RFC 1939 §4 in AUTHORIZATION, §6 in TRANSACTION: the UPDATE state)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from servers.pop3.parse import Quit
from servers.pop3.replies import ok
from servers.pop3.state import Authorization, State, Transaction, Update

if TYPE_CHECKING:
    from servers.pop3.session import Session

log = logging.getLogger("servers.pop3")


async def quit_(session: Session, state: State, command: Quit) -> None:
    """QUIT. States: AUTHORIZATION (just close), TRANSACTION (enter UPDATE: remove the
    messages marked deleted in one transaction, and answer ``+OK`` only after it committed)."""
    session.closing = True
    signoff = f"{session.shared.settings.hostname} POP3 server signing off"
    match state:
        case Authorization():
            await session.reply(ok(signoff))
        case Transaction(account=account, maildrop=maildrop):
            session.state = Update(account, maildrop)
            await maildrop.flush_seen()
            removed = await maildrop.commit()  # raises CommandError: -ERR, then close
            log.info("pop3 %s: %s quit, %d removed", session.conn.peer, account.address, removed)
            # free the maildrop before answering: the client may log in again at once
            await session.release_locks(account.id)
            await session.reply(ok(f"{signoff} ({removed} messages deleted)"))
