"""The one dispatch table (STYLE.md point 3): command name -> handler and allowed states.

``UID FETCH`` is its own key. ``expunge_ok`` is False for the commands during which no
EXPUNGE may be sent because the client's sequence numbers must stay valid (RFC 9051 §7.5.1:
FETCH, STORE, SEARCH -- and SORT and THREAD, which answer with sequence numbers too).
``poll`` makes the session look for changes even when no notification came (NOOP, CHECK).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from servers.imap.commands import (
    any_state,
    append,
    auth,
    fetch,
    idle,
    listing,
    mailbox,
    search,
    selected,
    store,
)
from servers.imap.errors import Done
from servers.imap.state import Authenticated, NotAuthenticated, Selected

if TYPE_CHECKING:
    from servers.imap.session import Session

Handler = Callable[["Session", Any], Awaitable[Done | None]]

ANY = (NotAuthenticated, Authenticated, Selected)
NOT_AUTHENTICATED = (NotAuthenticated,)
AUTHENTICATED = (Authenticated, Selected)
ONLY_AUTHENTICATED = (Authenticated,)
SELECTED = (Selected,)


@dataclass(frozen=True)
class Entry:
    handler: Handler
    states: tuple[type, ...]
    expunge_ok: bool = True
    poll: bool = False


TABLE: dict[str, Entry] = {
    # any state (RFC 9051 §6.1, RFC 2971)
    "CAPABILITY": Entry(any_state.capability, ANY),
    "NOOP": Entry(any_state.noop, ANY, poll=True),
    "LOGOUT": Entry(any_state.logout, ANY),
    "ID": Entry(any_state.id_, ANY),
    # not authenticated (RFC 9051 §6.2)
    "STARTTLS": Entry(auth.starttls, NOT_AUTHENTICATED),
    "AUTHENTICATE": Entry(auth.authenticate, NOT_AUTHENTICATED),
    "LOGIN": Entry(auth.login, NOT_AUTHENTICATED),
    # authenticated (RFC 9051 §6.3)
    "ENABLE": Entry(any_state.enable, ONLY_AUTHENTICATED),  # RFC 5161 §3.1
    "COMPRESS": Entry(auth.compress, AUTHENTICATED),  # RFC 4978
    "SELECT": Entry(mailbox.select, AUTHENTICATED),
    "EXAMINE": Entry(mailbox.select, AUTHENTICATED),
    "CREATE": Entry(mailbox.create, AUTHENTICATED),
    "DELETE": Entry(mailbox.delete, AUTHENTICATED),
    "RENAME": Entry(mailbox.rename, AUTHENTICATED),
    "SUBSCRIBE": Entry(mailbox.subscribe, AUTHENTICATED),
    "UNSUBSCRIBE": Entry(mailbox.unsubscribe, AUTHENTICATED),
    "LIST": Entry(listing.list_, AUTHENTICATED),
    "LSUB": Entry(listing.lsub, AUTHENTICATED),
    "NAMESPACE": Entry(listing.namespace, AUTHENTICATED),
    "STATUS": Entry(listing.status, AUTHENTICATED),
    "APPEND": Entry(append.append, AUTHENTICATED),
    "GETQUOTA": Entry(append.getquota, AUTHENTICATED),
    "GETQUOTAROOT": Entry(append.getquotaroot, AUTHENTICATED),
    "SETQUOTA": Entry(append.setquota, AUTHENTICATED),
    "IDLE": Entry(idle.idle, AUTHENTICATED),
    # selected (RFC 9051 §6.4)
    "CHECK": Entry(selected.check, SELECTED, poll=True),
    "CLOSE": Entry(selected.close, SELECTED),
    "UNSELECT": Entry(selected.unselect, SELECTED),
    "EXPUNGE": Entry(selected.expunge, SELECTED),
    "UID EXPUNGE": Entry(selected.expunge, SELECTED),
    "SEARCH": Entry(search.search, SELECTED, expunge_ok=False),
    "UID SEARCH": Entry(search.search, SELECTED),
    "SORT": Entry(search.sort, SELECTED, expunge_ok=False),
    "UID SORT": Entry(search.sort, SELECTED),
    "THREAD": Entry(search.thread, SELECTED, expunge_ok=False),
    "UID THREAD": Entry(search.thread, SELECTED),
    "FETCH": Entry(fetch.fetch, SELECTED, expunge_ok=False),
    "UID FETCH": Entry(fetch.fetch, SELECTED),
    "STORE": Entry(store.store, SELECTED, expunge_ok=False),
    "UID STORE": Entry(store.store, SELECTED),
    "COPY": Entry(selected.copy, SELECTED),
    "UID COPY": Entry(selected.copy, SELECTED),
    "MOVE": Entry(selected.move, SELECTED),
    "UID MOVE": Entry(selected.move, SELECTED),
}
