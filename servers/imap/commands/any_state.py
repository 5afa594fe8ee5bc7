"""Commands valid in any state: CAPABILITY, NOOP, LOGOUT (RFC 9051 §6.1), ID (RFC 2971);
and ENABLE (RFC 5161), valid once authenticated."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from servers.imap.capabilities import ENABLEABLE
from servers.imap.errors import Done
from servers.imap.parse import Capability, Enable, Id, Logout, Noop
from servers.imap.settings import SERVER_ID
from servers.imap.state import Logout as LogoutState
from servers.imap.wire import Status, encode

if TYPE_CHECKING:
    from servers.imap.session import Session

log = logging.getLogger("servers.imap")


async def capability(s: Session, cmd: Capability) -> None:
    """RFC 9051 §6.1.1 (any state)."""
    await s.write(encode.untagged(b"CAPABILITY " + " ".join(s.capabilities()).encode()))


async def noop(s: Session, cmd: Noop) -> None:
    """RFC 9051 §6.1.2 (any state): the session polls the selected mailbox afterwards."""


async def logout(s: Session, cmd: Logout) -> Done:
    """RFC 9051 §6.1.3 (any state): BYE, then the tagged OK, then the connection closes."""
    await s.write(encode.untagged_status(Status.BYE, "logging out"))
    s.close_mailbox()
    s.state = LogoutState()
    return Done("LOGOUT completed")


async def id_(s: Session, cmd: Id) -> None:
    """RFC 2971 §3.1 (any state): our name and version; the client's is only logged."""
    if cmd.params:
        fields = ", ".join(f"{key}={value!r}" for key, value in cmd.params[:10])
        log.info("imap %s: client id: %s", s.transport.peer, fields[:300])
    pairs = b" ".join(encode.quoted(key) + b" " + encode.quoted(value) for key, value in SERVER_ID)
    await s.write(encode.untagged(b"ID (" + pairs + b")"))


async def enable(s: Session, cmd: Enable) -> None:
    """RFC 5161 §3.1 (authenticated): ``* ENABLED`` lists what this command newly enabled.

    QRESYNC implies CONDSTORE (RFC 7162 §3.2.3, see ``Session.modes``); unknown names are
    ignored.
    """
    wanted = [name for name in cmd.capabilities if name in ENABLEABLE]
    newly = [name for name in dict.fromkeys(wanted) if name not in s.enabled]
    s.enabled.update(newly)
    names = " ".join("IMAP4rev2" if name == "IMAP4REV2" else name for name in newly)
    await s.write(encode.untagged(b"ENABLED" + (b" " + names.encode() if names else b"")))
