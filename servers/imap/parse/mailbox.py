"""Authenticated-state commands on mailboxes (RFC 9051 §6.3).

SELECT, EXAMINE (with RFC 7162 CONDSTORE/QRESYNC parameters), CREATE (with
RFC 6154 USE), DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST (RFC 5258
LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE), LSUB (RFC 3501),
NAMESPACE and STATUS. APPEND and the quota commands are in ``append.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .lexer import (
    CommandParser,
    Cursor,
    atom,
    keyword,
    list_mailbox,
    mailbox,
    mod_sequence_value,
    nz_number,
    parenthesized,
    plain_sequence_set,
)
from .model import Command, SequenceSet

__all__ = [
    "COMMANDS",
    "Create",
    "Delete",
    "List",
    "ListReturn",
    "ListSelect",
    "Lsub",
    "MailboxStatus",
    "Namespace",
    "QResync",
    "Rename",
    "Select",
    "StatusItem",
    "Subscribe",
    "Unsubscribe",
]

# RFC 6154 §2: the special-use attributes, keyed by upper case.
SPECIAL_USE = {
    name.upper(): name
    for name in ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash")
}


class StatusItem(StrEnum):
    """RFC 9051 §6.3.11 status-att, plus RFC 3501 RECENT, RFC 7162 and RFC 7889 items."""

    MESSAGES = "MESSAGES"
    UIDNEXT = "UIDNEXT"
    UIDVALIDITY = "UIDVALIDITY"
    UNSEEN = "UNSEEN"
    DELETED = "DELETED"
    SIZE = "SIZE"
    RECENT = "RECENT"  # RFC 3501 only
    HIGHESTMODSEQ = "HIGHESTMODSEQ"  # RFC 7162 §3.1.6
    APPENDLIMIT = "APPENDLIMIT"  # RFC 7889 §4


class ListSelect(StrEnum):
    """RFC 5258 §3.1 selection options (SPECIAL-USE from RFC 6154 §3)."""

    SUBSCRIBED = "SUBSCRIBED"
    REMOTE = "REMOTE"
    RECURSIVEMATCH = "RECURSIVEMATCH"
    SPECIAL_USE = "SPECIAL-USE"


class ListReturn(StrEnum):
    """RFC 5258 §3.2 return options; STATUS (RFC 5819) is ``List.return_status``."""

    SUBSCRIBED = "SUBSCRIBED"
    CHILDREN = "CHILDREN"
    SPECIAL_USE = "SPECIAL-USE"


@dataclass(frozen=True)
class QResync:
    """RFC 7162 §3.2.5.1 QRESYNC select parameter."""

    uidvalidity: int
    modseq: int
    known_uids: SequenceSet | None = None
    seq_match: tuple[SequenceSet, SequenceSet] | None = None  # (sequence numbers, UIDs)


@dataclass(frozen=True)
class Select(Command):
    """RFC 9051 §6.3.2 SELECT, or §6.3.3 EXAMINE when ``readonly``."""

    NAME = "SELECT"
    mailbox: str
    readonly: bool = False
    condstore: bool = False
    qresync: QResync | None = None

    @property
    def name(self) -> str:
        return "EXAMINE" if self.readonly else "SELECT"


@dataclass(frozen=True)
class Create(Command):
    """RFC 9051 §6.3.4; ``special_use`` from ``(USE (...))`` (RFC 6154 §3)."""

    NAME = "CREATE"
    mailbox: str
    special_use: tuple[str, ...] = ()


@dataclass(frozen=True)
class Delete(Command):
    """RFC 9051 §6.3.5."""

    NAME = "DELETE"
    mailbox: str


@dataclass(frozen=True)
class Rename(Command):
    """RFC 9051 §6.3.6."""

    NAME = "RENAME"
    mailbox: str
    new_name: str


@dataclass(frozen=True)
class Subscribe(Command):
    """RFC 9051 §6.3.7."""

    NAME = "SUBSCRIBE"
    mailbox: str


@dataclass(frozen=True)
class Unsubscribe(Command):
    """RFC 9051 §6.3.8."""

    NAME = "UNSUBSCRIBE"
    mailbox: str


@dataclass(frozen=True)
class List(Command):
    """RFC 9051 §6.3.9 (RFC 5258 LIST-EXTENDED): one or more patterns."""

    NAME = "LIST"
    reference: str
    patterns: tuple[str, ...]
    selection: frozenset[ListSelect] = frozenset()
    returns: frozenset[ListReturn] = frozenset()
    return_status: tuple[StatusItem, ...] | None = None  # RFC 5819 RETURN (STATUS (...))


@dataclass(frozen=True)
class Lsub(Command):
    """RFC 3501 §6.3.9 (deprecated by RFC 9051)."""

    NAME = "LSUB"
    reference: str
    pattern: str


@dataclass(frozen=True)
class Namespace(Command):
    """RFC 9051 §6.3.10 (RFC 2342)."""

    NAME = "NAMESPACE"


@dataclass(frozen=True)
class MailboxStatus(Command):
    """RFC 9051 §6.3.11 STATUS (named so as not to clash with ``wire.Status``)."""

    NAME = "STATUS"
    mailbox: str
    items: tuple[StatusItem, ...]


# -- SELECT / EXAMINE -------------------------------------------------------------------


def seq_match_data(c: Cursor) -> tuple[SequenceSet, SequenceSet]:
    """RFC 7162 §7: ``"(" known-sequence-set SP known-uid-set ")"``."""
    c.expect(b"(")
    known_seqs = plain_sequence_set(c, star=False)
    c.sp()
    known_uids = plain_sequence_set(c, star=False)
    c.expect(b")")
    return known_seqs, known_uids


def qresync_params(c: Cursor) -> QResync:
    """RFC 7162 §7: ``"(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"``."""
    c.expect(b"(")
    uidvalidity = nz_number(c, "UIDVALIDITY")
    c.sp()
    modseq = mod_sequence_value(c)
    known_uids = seq_match = None
    more = c.accept(b" ")
    if more and c.peek() != 0x28:
        known_uids = plain_sequence_set(c, star=False)
        more = c.accept(b" ")
    if more:
        seq_match = seq_match_data(c)
    c.expect(b")")
    return QResync(uidvalidity, modseq, known_uids, seq_match)


def select_param(c: Cursor) -> tuple[str, QResync | None]:
    """RFC 7162 §7 ``select-param``: ``"CONDSTORE"`` or ``"QRESYNC" SP "(" ... ")"``."""
    name = keyword(c, "select parameter")
    if name == "CONDSTORE":  # RFC 7162 §3.1.8
        return name, None
    if name == "QRESYNC":  # RFC 7162 §3.2.5
        c.sp()
        return name, qresync_params(c)
    c.fail(f"unknown select parameter {name}")


def _select(c: Cursor, tag: str, *, readonly: bool) -> Select:
    """RFC 9051 §6.3.2: ``mailbox [SP "(" select-param *(SP select-param) ")"]``."""
    c.sp()
    name = mailbox(c)
    params = dict(parenthesized(c, select_param)) if c.accept(b" ") else {}
    return Select(tag, name, readonly, "CONDSTORE" in params, params.get("QRESYNC"))


def select(c: Cursor, tag: str) -> Select:
    return _select(c, tag, readonly=False)


def examine(c: Cursor, tag: str) -> Select:
    return _select(c, tag, readonly=True)


# -- CREATE DELETE RENAME SUBSCRIBE UNSUBSCRIBE ---------------------------------------


def use_attr(c: Cursor) -> str:
    """RFC 6154 §6: ``use-attr`` = "\\All" / ... / use-attr-ext ("\\" atom)."""
    c.expect(b"\\", "a special-use attribute")
    name = "\\" + atom(c, "special-use attribute").decode("ascii")
    return SPECIAL_USE.get(name.upper(), name)


def create(c: Cursor, tag: str) -> Create:
    """RFC 9051 §6.3.4, RFC 6154 §6: ``mailbox [SP "(" "USE" SP "(" [use-attr ...] ")" ")"]``."""
    c.sp()
    name = mailbox(c)
    special_use: tuple[str, ...] = ()
    if c.accept(b" "):
        c.expect(b"(")
        if not c.accept_word(b"USE"):
            c.fail(f"unknown CREATE parameter{c.where()}")
        c.sp()
        special_use = parenthesized(c, use_attr, empty=True)
        c.expect(b")")
    return Create(tag, name, special_use)


def delete(c: Cursor, tag: str) -> Delete:
    c.sp()
    return Delete(tag, mailbox(c))


def rename(c: Cursor, tag: str) -> Rename:
    """RFC 9051 §6.3.6: ``"RENAME" SP mailbox SP mailbox``."""
    c.sp()
    old = mailbox(c)
    c.sp()
    return Rename(tag, old, mailbox(c))


def subscribe(c: Cursor, tag: str) -> Subscribe:
    c.sp()
    return Subscribe(tag, mailbox(c))


def unsubscribe(c: Cursor, tag: str) -> Unsubscribe:
    c.sp()
    return Unsubscribe(tag, mailbox(c))


# -- LIST LSUB NAMESPACE STATUS -----------------------------------------------------------


def status_att(c: Cursor) -> StatusItem:
    name = keyword(c, "status item")
    try:
        return StatusItem(name)
    except ValueError:
        c.fail(f"unknown status item {name}")


def list_select_opt(c: Cursor) -> ListSelect:
    name = keyword(c, "selection option")
    try:
        return ListSelect(name)
    except ValueError:
        c.fail(f"unknown LIST selection option {name}")


def return_option(c: Cursor) -> ListReturn | tuple[StatusItem, ...]:
    """RFC 5258 §6 ``return-option``; RFC 5819 §6 ``"STATUS" SP "(" status-att ... ")"``."""
    name = keyword(c, "return option")
    if name == "STATUS":
        c.sp()
        return parenthesized(c, status_att)
    try:
        return ListReturn(name)
    except ValueError:
        c.fail(f"unknown LIST return option {name}")


def list_return_opts(c: Cursor) -> tuple[frozenset[ListReturn], tuple[StatusItem, ...] | None]:
    """RFC 5258 §6: ``"RETURN" SP "(" [return-option *(SP return-option)] ")"``."""
    if not c.accept_word(b"RETURN"):
        c.fail(f"expected RETURN{c.where()}")
    c.sp()
    options = parenthesized(c, return_option, empty=True)
    returns = frozenset(option for option in options if isinstance(option, ListReturn))
    statuses = [option for option in options if isinstance(option, tuple)]
    return returns, statuses[-1] if statuses else None


def list_(c: Cursor, tag: str) -> List:
    """RFC 5258 §6: ``"LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]``."""
    c.sp()
    selection: frozenset[ListSelect] = frozenset()
    if c.peek() == 0x28:
        selection = frozenset(parenthesized(c, list_select_opt, empty=True))
        if selection == {ListSelect.RECURSIVEMATCH}:  # RFC 5258 §3.1
            c.fail("RECURSIVEMATCH needs another selection option")
        c.sp()
    reference = mailbox(c)
    c.sp()
    if c.peek() == 0x28:
        patterns = parenthesized(c, list_mailbox)
    else:
        patterns = (list_mailbox(c),)
    returns: frozenset[ListReturn] = frozenset()
    status = None
    if c.accept(b" "):
        returns, status = list_return_opts(c)
    return List(tag, reference, patterns, selection, returns, status)


def lsub(c: Cursor, tag: str) -> Lsub:
    """RFC 3501 §6.3.9: ``"LSUB" SP mailbox SP list-mailbox``."""
    c.sp()
    reference = mailbox(c)
    c.sp()
    return Lsub(tag, reference, list_mailbox(c))


def namespace(c: Cursor, tag: str) -> Namespace:
    return Namespace(tag)


def status(c: Cursor, tag: str) -> MailboxStatus:
    """RFC 9051 §6.3.11: ``"STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"``."""
    c.sp()
    name = mailbox(c)
    c.sp()
    return MailboxStatus(tag, name, parenthesized(c, status_att))


COMMANDS: dict[str, CommandParser] = {
    "SELECT": select,
    "EXAMINE": examine,
    "CREATE": create,
    "DELETE": delete,
    "RENAME": rename,
    "SUBSCRIBE": subscribe,
    "UNSUBSCRIBE": unsubscribe,
    "LIST": list_,
    "LSUB": lsub,
    "NAMESPACE": namespace,
    "STATUS": status,
}
