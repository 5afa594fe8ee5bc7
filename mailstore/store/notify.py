"""Change notifications: one LISTEN connection per process, fanned out to in-process subscribers.

Every committed change to a mailbox runs ``pg_notify('mailstore', 'account:mailbox:modseq:kind')``
inside its transaction (:func:`mailstore.store.db.notify`), so a notification arrives only for
committed work, in commit order, in every process. IDLE sessions subscribe here; they never hold
a database connection of their own (DESIGN principle 9).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "mailstore"


@dataclass(frozen=True, slots=True)
class Change:
    account_id: int
    mailbox_id: int
    modseq: int
    kind: str  # exists | flags | expunge | deleted | renamed


Callback = Callable[[Change], None]


def parse_payload(payload: str) -> Change | None:
    try:
        account, mailbox, modseq, kind = payload.split(":", 3)
        return Change(int(account), int(mailbox), int(modseq), kind)
    except ValueError:
        return None


class ChangeListener:
    """Holds the LISTEN connection; reconnects with backoff if it drops."""

    def __init__(self, url: str):
        self.url = url
        self._subs: dict[tuple[int, int | None], set[Callback]] = defaultdict(set)
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="mailstore-listen")
        await asyncio.wait_for(self._ready.wait(), timeout=30)

    async def close(self) -> None:
        self._closed = True
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close()

    def subscribe(
        self, account_id: int, mailbox_id: int | None, callback: Callback
    ) -> Callable[[], None]:
        """Call ``callback`` for changes to one mailbox (or any of the account's, with None).

        Returns the function that unsubscribes.
        """
        key = (account_id, mailbox_id)
        self._subs[key].add(callback)

        def unsubscribe() -> None:
            subs = self._subs.get(key)
            if subs is not None:
                subs.discard(callback)
                if not subs:
                    del self._subs[key]

        return unsubscribe

    def _dispatch(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        change = parse_payload(payload)
        if change is None:
            log.warning("ignoring malformed notification %r", payload)
            return
        for key in ((change.account_id, change.mailbox_id), (change.account_id, None)):
            for callback in list(self._subs.get(key, ())):
                try:
                    callback(change)
                except Exception:  # a subscriber's bug must not stop the fan-out
                    log.exception("change subscriber failed")

    async def _run(self) -> None:
        delay = 0.5
        while not self._closed:
            try:
                self._conn = await asyncpg.connect(self.url)
                await self._conn.add_listener(CHANNEL, self._dispatch)
                self._ready.set()
                delay = 0.5
                while not self._conn.is_closed():
                    await asyncio.sleep(1)
                    await self._conn.execute("SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("change listener lost its connection (%s); reconnecting", exc)
                # wake every subscriber so sessions resynchronise after the gap
                for (account_id, mailbox_id), subs in list(self._subs.items()):
                    for callback in list(subs):
                        callback(Change(account_id, mailbox_id or 0, 0, "resync"))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)
