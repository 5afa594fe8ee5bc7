"""The one dispatch table: command type -> (handler, states it is valid in).

Commands not valid in the current state are answered in one place (``Session.execute``).
UPDATE accepts no commands: it lasts only while QUIT applies the deletions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from . import parse as p
from .commands import auth, transaction, update
from .state import Authorization, Transaction

Handler = Callable[[Any, Any, Any], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Entry:
    handler: Handler
    states: tuple[type, ...]


AUTHORIZATION = (Authorization,)
TRANSACTION = (Transaction,)
BOTH = (Authorization, Transaction)

TABLE: dict[type, Entry] = {
    p.Capa: Entry(auth.capa, BOTH),
    p.Stls: Entry(auth.stls, AUTHORIZATION),
    p.User: Entry(auth.user, AUTHORIZATION),
    p.Pass: Entry(auth.pass_, AUTHORIZATION),
    p.Auth: Entry(auth.auth, AUTHORIZATION),
    p.Stat: Entry(transaction.stat, TRANSACTION),
    p.List: Entry(transaction.list_, TRANSACTION),
    p.Uidl: Entry(transaction.uidl, TRANSACTION),
    p.Retr: Entry(transaction.retr, TRANSACTION),
    p.Top: Entry(transaction.top, TRANSACTION),
    p.Dele: Entry(transaction.dele, TRANSACTION),
    p.Noop: Entry(transaction.noop, TRANSACTION),
    p.Rset: Entry(transaction.rset, TRANSACTION),
    p.Quit: Entry(update.quit_, BOTH),
}
