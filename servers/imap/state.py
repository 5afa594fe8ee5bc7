"""The session state as a sum type (RFC 9051 §3): mailbox fields exist only in ``Selected``.

Handlers narrow with ``match`` or the session's ``authenticated()`` / ``selected()``; the
dispatch table names the classes a command is allowed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from servers.imap.engine import Account
from servers.imap.view import MailboxView

__all__ = ["Authenticated", "Logout", "NotAuthenticated", "Selected", "State"]


@dataclass(frozen=True)
class NotAuthenticated:
    """RFC 9051 §3.1: before LOGIN / AUTHENTICATE."""


@dataclass(frozen=True)
class Authenticated:
    """RFC 9051 §3.2: logged in, no mailbox selected."""

    account: Account


@dataclass(frozen=True)
class Selected:
    """RFC 9051 §3.3: a mailbox is selected; ``view`` is this session's picture of it."""

    account: Account
    view: MailboxView


@dataclass(frozen=True)
class Logout:
    """RFC 9051 §3.4: the connection is about to close."""


State = NotAuthenticated | Authenticated | Selected | Logout
