"""The typed criteria tree that SEARCH, SORT and THREAD parse into (RFC 9051 §6.4.4).

The tree is normalised so that equal searches are equal values: ``And`` is
flat and never has a single child, NEW and OLD are spelled out with flags,
FROM/TO/CC/BCC/SUBJECT are ``HeaderContains`` with a lower-case field name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from .model import SequenceArg

__all__ = [
    "Age",
    "AgeOp",
    "All",
    "And",
    "BodyContains",
    "DateCompare",
    "DateField",
    "DateOp",
    "Flag",
    "HeaderContains",
    "Keyword",
    "ModSeq",
    "Not",
    "Or",
    "SaveDateSupported",
    "SearchKey",
    "SeqSet",
    "Size",
    "SizeOp",
    "TextContains",
    "UidSet",
    "conjunction",
]


class DateField(StrEnum):
    """Which date a comparison reads."""

    INTERNAL = "INTERNAL"  # BEFORE ON SINCE: the internal date (RFC 9051 §2.3.3)
    SENT = "SENT"  # SENTBEFORE SENTON SENTSINCE: the Date: header
    SAVED = "SAVED"  # SAVEDBEFORE SAVEDON SAVEDSINCE: RFC 8514 §4.4


class DateOp(StrEnum):
    """Day-granular comparisons, time zone ignored (RFC 9051 §6.4.4)."""

    BEFORE = "BEFORE"
    ON = "ON"
    SINCE = "SINCE"


class SizeOp(StrEnum):
    LARGER = "LARGER"
    SMALLER = "SMALLER"


class AgeOp(StrEnum):
    """RFC 5032 §3: internal date at least / at most this many seconds ago."""

    OLDER = "OLDER"
    YOUNGER = "YOUNGER"


@dataclass(frozen=True)
class All:
    """ALL: every message."""


@dataclass(frozen=True)
class And:
    """Every key matches; built by ``conjunction`` (flat, two or more keys)."""

    keys: tuple[SearchKey, ...]


@dataclass(frozen=True)
class Or:
    """OR key1 key2."""

    left: SearchKey
    right: SearchKey


@dataclass(frozen=True)
class Not:
    """NOT key."""

    key: SearchKey


@dataclass(frozen=True)
class Flag:
    """A system flag (``\\Seen``...) is set, or with ``present`` False, is not (UNSEEN...)."""

    flag: str
    present: bool = True


@dataclass(frozen=True)
class Keyword:
    """KEYWORD / UNKEYWORD: a keyword flag is (not) set."""

    keyword: str
    present: bool = True


@dataclass(frozen=True)
class HeaderContains:
    """Header ``field`` (lower case) contains ``value``; "" matches any message having it."""

    field: str
    value: str


@dataclass(frozen=True)
class BodyContains:
    """BODY: the body (after the header) contains ``value``."""

    value: str


@dataclass(frozen=True)
class TextContains:
    """TEXT: the header or body contains ``value``."""

    value: str


@dataclass(frozen=True)
class DateCompare:
    """BEFORE/ON/SINCE, SENT*, SAVED*: ``field`` compared with ``day``."""

    field: DateField
    op: DateOp
    day: dt.date


@dataclass(frozen=True)
class Size:
    """LARGER / SMALLER: RFC 822 size compared with ``octets``."""

    op: SizeOp
    octets: int


@dataclass(frozen=True)
class UidSet:
    """UID sequence-set (``$`` allowed, RFC 5182)."""

    uids: SequenceArg


@dataclass(frozen=True)
class SeqSet:
    """A bare sequence-set of message sequence numbers."""

    sequence: SequenceArg


@dataclass(frozen=True)
class ModSeq:
    """RFC 7162 §3.1.5: mod-sequence at least ``modseq``, optionally for one flag's entry."""

    modseq: int
    entry: str | None = None  # the flag after "/flags/"
    entry_type: str | None = None  # "priv", "shared" or "all"


@dataclass(frozen=True)
class Age:
    """RFC 5032 OLDER / YOUNGER ``seconds``."""

    op: AgeOp
    seconds: int


@dataclass(frozen=True)
class SaveDateSupported:
    """RFC 8514 §4.4 SAVEDATESUPPORTED: all messages when the mailbox keeps save dates."""


SearchKey = (
    All
    | And
    | Or
    | Not
    | Flag
    | Keyword
    | HeaderContains
    | BodyContains
    | TextContains
    | DateCompare
    | Size
    | UidSet
    | SeqSet
    | ModSeq
    | Age
    | SaveDateSupported
)


def conjunction(keys: tuple[SearchKey, ...] | list[SearchKey]) -> SearchKey:
    """The normal form of several keys that must all match: flat ``And`` or the one key."""
    flat: list[SearchKey] = []
    for key in keys:
        flat.extend(key.keys if isinstance(key, And) else (key,))
    if not flat:
        raise ValueError("a conjunction needs at least one key")
    return flat[0] if len(flat) == 1 else And(tuple(flat))
