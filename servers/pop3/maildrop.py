"""The maildrop as a session sees it (pure code): the message list fixed at login.

RFC 1939 §4: message numbers are assigned at login, 1 up, and stay valid for the session;
messages marked deleted are not counted and may not be touched (except by RSET). Messages that
arrive later are not seen until the next session. Also here: the per-account lock (RFC 1939
§4 "exclusive-access lock", RFC 2449 §8.1.1 IN-USE) and the process-wide octet-count cache.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from .replies import CommandError

#: Octet counts remembered per process (key: account, mailbox, uidvalidity, uid).
SIZE_CACHE_ENTRIES = 500_000


@dataclass(frozen=True, slots=True)
class Message:
    """One message of the fixed list; ``size`` is the stored (raw) size."""

    uid: int
    size: int
    seen: bool


class NoSuchMessage(CommandError):
    def __init__(self, number: int) -> None:
        super().__init__("no such message", detail=f"no message {number}")


class MessageDeleted(CommandError):
    def __init__(self, number: int) -> None:
        super().__init__(f"message {number} already deleted")


class Listing:
    """Message numbers -> messages, deletion marks and known wire octet counts."""

    def __init__(self, uidvalidity: int, messages: list[Message]) -> None:
        self.uidvalidity = uidvalidity
        self.messages = messages
        self.deleted: set[int] = set()
        self.seen: set[int] = {n for n, m in enumerate(messages, 1) if m.seen}
        self._octets: list[int | None] = [None] * len(messages)

    def __len__(self) -> int:
        return len(self.messages)

    def get(self, number: int) -> Message:
        """The live message ``number``; raise :class:`NoSuchMessage` / :class:`MessageDeleted`."""
        if not 1 <= number <= len(self.messages):
            raise NoSuchMessage(number)
        if number in self.deleted:
            raise MessageDeleted(number)
        return self.messages[number - 1]

    def live(self) -> Iterator[tuple[int, Message]]:
        """(number, message) of every message not marked deleted, in order."""
        for number, message in enumerate(self.messages, 1):
            if number not in self.deleted:
                yield number, message

    def unique_id(self, number: int) -> str:
        """RFC 1939 §7 UIDL: stable across sessions, never reused (uids are not, per
        uidvalidity). 0x21-0x7E only, at most 70 characters."""
        return f"{self.uidvalidity}.{self.messages[number - 1].uid}"

    def octets(self, number: int) -> int | None:
        return self._octets[number - 1]

    def set_octets(self, number: int, octets: int) -> None:
        self._octets[number - 1] = octets

    def unknown_octets(self, numbers: list[int]) -> list[int]:
        return [n for n in numbers if self._octets[n - 1] is None]

    def delete(self, number: int) -> None:
        self.get(number)
        self.deleted.add(number)

    def reset(self) -> None:
        self.deleted.clear()

    def deleted_uids(self) -> list[int]:
        return sorted(self.messages[n - 1].uid for n in self.deleted)


class MaildropLocks:
    """Accounts with a POP3 session in TRANSACTION state in this process.

    One process only: several front-end processes need a database advisory lock (the engine
    does not expose one yet).
    """

    def __init__(self) -> None:
        self._held: set[int] = set()

    def acquire(self, account_id: int) -> bool:
        if account_id in self._held:
            return False
        self._held.add(account_id)
        return True

    def release(self, account_id: int) -> None:
        self._held.discard(account_id)

    def held(self, account_id: int) -> bool:
        return account_id in self._held


SizeKey = tuple[int, int, int, int]


class SizeCache:
    """Wire octet counts by (account, mailbox, uidvalidity, uid): a stored message never
    changes, so a count computed once (from the body) holds until the message goes."""

    def __init__(self, capacity: int = SIZE_CACHE_ENTRIES) -> None:
        self.capacity = capacity
        self._sizes: OrderedDict[SizeKey, int] = OrderedDict()

    def get(self, key: SizeKey) -> int | None:
        size = self._sizes.get(key)
        if size is not None:
            self._sizes.move_to_end(key)
        return size

    def put(self, key: SizeKey, size: int) -> None:
        self._sizes[key] = size
        self._sizes.move_to_end(key)
        while len(self._sizes) > self.capacity:
            self._sizes.popitem(last=False)
