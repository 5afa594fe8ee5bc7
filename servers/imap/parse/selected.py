"""Selected-state commands other than FETCH and SEARCH (RFC 9051 §6.4).

CHECK (RFC 3501), CLOSE, UNSELECT (RFC 3691), EXPUNGE, UID EXPUNGE (RFC 4315),
IDLE (RFC 2177), COPY, MOVE (RFC 6851) and STORE (with RFC 7162 UNCHANGEDSINCE).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from .lexer import (
    CommandParser,
    Cursor,
    atom,
    flag,
    flag_list,
    keyword,
    mailbox,
    mod_sequence_valzer,
    parenthesized,
    sequence_set,
)
from .model import Command, SequenceArg, UidCommand

__all__ = [
    "COMMANDS",
    "UID_COMMANDS",
    "Check",
    "Close",
    "Copy",
    "Expunge",
    "Idle",
    "Move",
    "Store",
    "StoreAction",
    "Unselect",
]


class StoreAction(StrEnum):
    """The sign of ``store-att-flags`` (RFC 9051 §6.4.6)."""

    REPLACE = ""
    ADD = "+"
    REMOVE = "-"


@dataclass(frozen=True)
class Check(Command):
    """RFC 3501 §6.4.1 (removed from IMAP4rev2; acts as NOOP)."""

    NAME = "CHECK"


@dataclass(frozen=True)
class Close(Command):
    """RFC 9051 §6.4.1."""

    NAME = "CLOSE"


@dataclass(frozen=True)
class Unselect(Command):
    """RFC 9051 §6.4.2 (RFC 3691)."""

    NAME = "UNSELECT"


@dataclass(frozen=True)
class Expunge(UidCommand):
    """RFC 9051 §6.4.3 EXPUNGE, or §6.4.9 UID EXPUNGE with the UIDs in ``sequence``."""

    NAME = "EXPUNGE"
    sequence: SequenceArg | None = None


@dataclass(frozen=True)
class Idle(Command):
    """RFC 9051 §6.3.13 (RFC 2177): the session then waits for a ``DONE`` line."""

    NAME = "IDLE"


@dataclass(frozen=True)
class Copy(UidCommand):
    """RFC 9051 §6.4.7."""

    NAME = "COPY"
    sequence: SequenceArg
    mailbox: str


@dataclass(frozen=True)
class Move(UidCommand):
    """RFC 9051 §6.4.8 (RFC 6851)."""

    NAME = "MOVE"
    sequence: SequenceArg
    mailbox: str


@dataclass(frozen=True)
class Store(UidCommand):
    """RFC 9051 §6.4.6; ``unchangedsince`` from RFC 7162 §3.1.3."""

    NAME = "STORE"
    sequence: SequenceArg
    action: StoreAction
    flags: tuple[str, ...]
    silent: bool = False
    unchangedsince: int | None = None


# FLAGS, +FLAGS, -FLAGS, each with or without .SILENT (RFC 9051 §9 store-att-flags).
_STORE_ATT = {
    f"{action.value}FLAGS{suffix}": (action, bool(suffix))
    for action in StoreAction
    for suffix in ("", ".SILENT")
}


def check(c: Cursor, tag: str) -> Check:
    return Check(tag)


def close(c: Cursor, tag: str) -> Close:
    return Close(tag)


def unselect(c: Cursor, tag: str) -> Unselect:
    return Unselect(tag)


def idle(c: Cursor, tag: str) -> Idle:
    return Idle(tag)


def expunge(c: Cursor, tag: str) -> Expunge:
    return Expunge(tag, False)


def uid_expunge(c: Cursor, tag: str) -> Expunge:
    """RFC 4315 §2.1: ``"UID" SP "EXPUNGE" SP sequence-set``."""
    c.sp()
    return Expunge(tag, True, sequence_set(c))


def _copy_args(c: Cursor) -> tuple[SequenceArg, str]:
    """``SP sequence-set SP mailbox``, shared by COPY and MOVE."""
    c.sp()
    sequence = sequence_set(c)
    c.sp()
    return sequence, mailbox(c)


def copy(c: Cursor, tag: str, *, uid: bool = False) -> Copy:
    """RFC 9051 §6.4.7: ``"COPY" SP sequence-set SP mailbox``."""
    return Copy(tag, uid, *_copy_args(c))


def move(c: Cursor, tag: str, *, uid: bool = False) -> Move:
    """RFC 6851 §4.1: ``"MOVE" SP sequence-set SP mailbox``."""
    return Move(tag, uid, *_copy_args(c))


def store_modifier(c: Cursor) -> int:
    """RFC 7162 §7: ``"UNCHANGEDSINCE" SP mod-sequence-valzer`` (the only one defined)."""
    name = keyword(c, "STORE modifier")
    if name != "UNCHANGEDSINCE":
        c.fail(f"unknown STORE modifier {name}")
    c.sp()
    return mod_sequence_valzer(c)


def store(c: Cursor, tag: str, *, uid: bool = False) -> Store:
    """RFC 9051 §6.4.6, RFC 7162 §7.

    ``"STORE" SP sequence-set [SP store-modifiers] SP store-att-flags``, with
    store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag))).
    """
    c.sp()
    sequence = sequence_set(c)
    c.sp()
    unchangedsince = None
    if c.peek() == 0x28:  # "("
        unchangedsince = parenthesized(c, store_modifier)[-1]
        c.sp()
    name = atom(c, "FLAGS, +FLAGS or -FLAGS").decode("ascii").upper()
    if name not in _STORE_ATT:
        c.fail(f"expected FLAGS, +FLAGS or -FLAGS, got {name}")
    action, silent = _STORE_ATT[name]
    c.sp()
    if c.peek() == 0x28:
        flags = flag_list(c)
    else:
        flags_read = [flag(c)]
        while c.accept(b" "):
            flags_read.append(flag(c))
        flags = tuple(flags_read)
    return Store(tag, uid, sequence, action, flags, silent, unchangedsince)


COMMANDS: dict[str, CommandParser] = {
    "CHECK": check,
    "CLOSE": close,
    "UNSELECT": unselect,
    "EXPUNGE": expunge,
    "IDLE": idle,
    "COPY": copy,
    "MOVE": move,
    "STORE": store,
}

UID_COMMANDS: dict[str, CommandParser] = {
    "EXPUNGE": uid_expunge,
    "COPY": partial(copy, uid=True),
    "MOVE": partial(move, uid=True),
    "STORE": partial(store, uid=True),
}
