"""A session's open maildrop: the fixed listing plus every engine call POP3 makes.

Calls only the engine's typed API (``store.mailboxes``, ``store.messages``). Three things
keep a large maildrop fast without special engine support:

* octet counts are the CRLF wire sizes the engine computed at ingest (a message with bare LF
  line ends is longer on the wire than stored), read with the listing in one query;
* RETR/TOP read bodies ahead in batches (:data:`READAHEAD_COUNT` messages or
  :data:`READAHEAD_BYTES`), since clients fetch in order;
* RETR's ``\\Seen`` marks are written in batches of :data:`SEEN_BATCH` and at the end of the
  session (QUIT or not: the client was sent the message), one transaction per batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from mailstore.errors import MailstoreError
from mailstore.store import FlagOp, Store

from .maildrop import Listing, Message, SizeCache
from .replies import CommandError, RespCode
from .wire import to_crlf, wire_size

log = logging.getLogger(__name__)

#: Bodies read per query when RETR/TOP need one that is not read yet.
READAHEAD_COUNT = 32
#: ... unless their stored sizes add up to more than this (the first is always read).
READAHEAD_BYTES = 8 * 1024 * 1024
#: Bodies read per query to compute octet counts (read, counted, dropped).
COUNT_BATCH = 100
COUNT_BATCH_BYTES = 16 * 1024 * 1024
#: RETR ``\Seen`` marks written per transaction.
SEEN_BATCH = 256
SEEN = "\\Seen"


class MessageGone(CommandError):
    def __init__(self, number: int) -> None:
        super().__init__("message no longer exists", detail=f"message {number} was expunged")


class Maildrop:
    """INBOX of one account, as fixed at login (RFC 1939 §4)."""

    def __init__(
        self,
        store: Store,
        account_id: int,
        mailbox_id: int,
        listing: Listing,
        sizes: SizeCache,
        *,
        marks_seen: bool,
    ) -> None:
        self.store = store
        self.account_id = account_id
        self.mailbox_id = mailbox_id
        self.listing = listing
        self.sizes = sizes
        self.marks_seen = marks_seen
        self._ahead: dict[int, bytes] = {}
        self._pending_seen: set[int] = set()

    @classmethod
    async def open(
        cls, store: Store, account_id: int, sizes: SizeCache, *, marks_seen: bool
    ) -> Maildrop:
        """Fix the message list: every INBOX message now, in uid order."""
        box = await store.mailboxes.get(account_id, "INBOX")
        listing = await store.messages.pop3_listing(account_id, box.id)
        messages = [Message(uid, octets, seen) for uid, octets, seen in listing]
        drop = cls(
            store,
            account_id,
            box.id,
            Listing(box.uidvalidity, messages),
            sizes,
            marks_seen=marks_seen,
        )
        # the engine stores each body's CRLF wire size at ingest: every count is known
        for number, (_uid, octets, _seen) in enumerate(listing, 1):
            drop.listing.set_octets(number, octets)
        return drop

    def _key(self, message: Message) -> tuple[int, int, int, int]:
        return (self.account_id, self.mailbox_id, self.listing.uidvalidity, message.uid)

    def _learn(self, number: int, octets: int) -> None:
        self.listing.set_octets(number, octets)
        self.sizes.put(self._key(self.listing.messages[number - 1]), octets)

    # -- octet counts (STAT, LIST) -------------------------------------------------------------
    async def octets(self, numbers: list[int]) -> list[int]:
        """Wire octet counts of ``numbers``, reading the bodies of those not known yet."""
        missing = self.listing.unknown_octets(numbers)
        for batch in self._batches(missing, COUNT_BATCH, COUNT_BATCH_BYTES):
            by_uid = {self.listing.messages[n - 1].uid: n for n in batch}
            async for row in self.store.messages.fetch(
                self.account_id, self.mailbox_id, list(by_uid), raw=True
            ):
                self._learn(by_uid[row.uid], wire_size(row.raw or b""))
        for n in self.listing.unknown_octets(missing):  # expunged elsewhere meanwhile
            self.listing.set_octets(n, self.listing.messages[n - 1].size)
        return [self.listing.octets(n) or 0 for n in numbers]

    def _batches(self, numbers: Iterable[int], count: int, size: int) -> Iterator[list[int]]:
        """``numbers`` in runs of at most ``count`` messages and ``size`` stored bytes (a
        larger message goes alone), so no query holds many large bodies at once."""
        batch: list[int] = []
        total = 0
        for n in numbers:
            octets = self.listing.messages[n - 1].size
            if batch and (len(batch) >= count or total + octets > size):
                yield batch
                batch, total = [], 0
            batch.append(n)
            total += octets
        if batch:
            yield batch

    # -- bodies (RETR, TOP) --------------------------------------------------------------------
    async def body(self, number: int) -> bytes:
        """Message ``number`` with CRLF line ends, as RETR sends it before dot-stuffing."""
        message = self.listing.get(number)
        raw = self._ahead.pop(message.uid, None)
        if raw is None:
            await self._read_ahead(number)
            raw = self._ahead.pop(message.uid, None)
        if raw is None:
            raise MessageGone(number)
        data = to_crlf(raw)
        self._learn(number, len(data))
        return data

    async def _read_ahead(self, number: int) -> None:
        listing = self.listing
        following = (n for n in range(number, len(listing) + 1) if n not in listing.deleted)
        batch = next(self._batches(following, READAHEAD_COUNT, READAHEAD_BYTES), [])
        uids = [listing.messages[n - 1].uid for n in batch]
        self._ahead = {}
        async for row in self.store.messages.fetch(
            self.account_id, self.mailbox_id, uids, raw=True
        ):
            self._ahead[row.uid] = row.raw or b""

    # -- \Seen (RETR) --------------------------------------------------------------------------
    async def retrieved(self, number: int) -> None:
        """Note that RETR sent ``number``: mark it \\Seen (batched). Never raises."""
        if not self.marks_seen or number in self.listing.seen:
            return
        self._pending_seen.add(number)
        if len(self._pending_seen) >= SEEN_BATCH:
            await self.flush_seen()

    async def flush_seen(self) -> bool:
        """Write pending \\Seen marks (not for messages marked deleted); log failures."""
        numbers = self._pending_seen - self.listing.deleted
        if not numbers:
            self._pending_seen.clear()
            return True
        uids = [self.listing.messages[n - 1].uid for n in numbers]
        try:
            await self.store.messages.store_flags(
                self.account_id, self.mailbox_id, uids, FlagOp.ADD, [SEEN]
            )
        except MailstoreError as exc:
            log.warning("pop3: could not mark %d messages \\Seen: %s", len(uids), exc)
            return False
        self.listing.seen |= numbers
        self._pending_seen.clear()
        return True

    # -- UPDATE (QUIT) -------------------------------------------------------------------------
    async def commit(self) -> int:
        """RFC 1939 §6: remove the messages marked deleted, in one engine transaction.

        Returns how many were removed (those expunged elsewhere meanwhile are not counted);
        raises :class:`CommandError` (``-ERR [SYS/TEMP]``) when the transaction failed.
        """
        uids = self.listing.deleted_uids()
        if not uids:
            return 0
        try:
            result = await self.store.messages.remove(self.account_id, self.mailbox_id, uids)
        except MailstoreError as exc:
            # RFC 1939 §6: "-ERR some deleted messages not removed" (here: none was)
            raise CommandError(
                "some deleted messages not removed",
                RespCode.SYS_TEMP,
                detail=f"removal of {len(uids)} messages failed: {exc!r}",
            ) from exc
        return len(result.uids)
