"""APPEND (RFC 9051 §6.3.12, RFC 3502 MULTIAPPEND, RFC 3516 literal8) and quota commands (RFC 9208)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .lexer import (
    CommandParser,
    Cursor,
    astring,
    date_time,
    flag_list,
    keyword,
    literal,
    mailbox,
    number64,
    parenthesized,
    utf8_text,
)
from .model import Command

__all__ = ["COMMANDS", "Append", "AppendMessage", "GetQuota", "GetQuotaRoot", "SetQuota"]


@dataclass(frozen=True)
class AppendMessage:
    """One message of an APPEND: flags, optional internal date and the literal's octets.

    ``binary`` is true for a literal8 (RFC 3516 §4.4), which may carry NUL
    and un-encoded 8-bit data.
    """

    flags: tuple[str, ...]
    internal_date: dt.datetime | None
    data: bytes = field(repr=False)
    binary: bool = False


@dataclass(frozen=True)
class Append(Command):
    """RFC 9051 §6.3.12; several messages with MULTIAPPEND (RFC 3502 §6)."""

    NAME = "APPEND"
    mailbox: str
    messages: tuple[AppendMessage, ...]


@dataclass(frozen=True)
class GetQuota(Command):
    """RFC 9208 §4.2: the quota root is an astring, not a mailbox name."""

    NAME = "GETQUOTA"
    root: str


@dataclass(frozen=True)
class GetQuotaRoot(Command):
    """RFC 9208 §4.3."""

    NAME = "GETQUOTAROOT"
    mailbox: str


@dataclass(frozen=True)
class SetQuota(Command):
    """RFC 9208 §4.1: ``limits`` pairs an upper-case resource name with its limit."""

    NAME = "SETQUOTA"
    root: str
    limits: tuple[tuple[str, int], ...]


def append_message(c: Cursor) -> AppendMessage:
    """RFC 3502 §6: ``append-opts SP append-data``; the leading SP is already read.

    append-opts = [flag-list SP] [date-time SP]; append-data = literal / literal8.
    """
    flags: tuple[str, ...] = ()
    if c.peek() == 0x28:  # "("
        flags = flag_list(c)
        c.sp()
    internal_date = None
    if c.peek() == 0x22:  # DQUOTE
        internal_date = date_time(c)
        c.sp()
    data = literal(c, binary_ok=True)
    return AppendMessage(flags, internal_date, data.data, data.binary)


def append(c: Cursor, tag: str) -> Append:
    """RFC 3502 §6: ``"APPEND" SP mailbox 1*(SP append-message)``."""
    c.sp()
    name = mailbox(c)
    messages: list[AppendMessage] = []
    while not messages or not c.at_end():
        c.sp()
        messages.append(append_message(c))
    return Append(tag, name, tuple(messages))


def quota_root(c: Cursor) -> str:
    """RFC 9208 §9: ``quota-root-name = astring``."""
    return utf8_text(c, astring(c, "quota root"), "quota root")


def getquota(c: Cursor, tag: str) -> GetQuota:
    c.sp()
    return GetQuota(tag, quota_root(c))


def getquotaroot(c: Cursor, tag: str) -> GetQuotaRoot:
    c.sp()
    return GetQuotaRoot(tag, mailbox(c))


def setquota_resource(c: Cursor) -> tuple[str, int]:
    """RFC 9208 §9: ``setquota-resource = resource-name SP resource-limit`` (number64)."""
    name = keyword(c, "quota resource")
    c.sp()
    return name, number64(c, "quota limit")


def setquota(c: Cursor, tag: str) -> SetQuota:
    """RFC 9208 §4.1: ``"SETQUOTA" SP quota-root-name SP setquota-list``."""
    c.sp()
    root = quota_root(c)
    c.sp()
    return SetQuota(tag, root, parenthesized(c, setquota_resource, empty=True))


COMMANDS: dict[str, CommandParser] = {
    "APPEND": append,
    "GETQUOTA": getquota,
    "GETQUOTAROOT": getquotaroot,
    "SETQUOTA": setquota,
}
