"""IMAP4rev1/IMAP4rev2 command parser: reader segments in, one frozen dataclass out.

``parse_command(parts)`` reads ``tag SP command-name [arguments]`` (RFC 9051
§2.2.1, §9), looks the name up in one table built from the command groups,
and raises ``ParseError`` for anything that is not a valid command. It is pure:
no socket, no database, no configuration beyond the ``utf8`` flag.
"""

from __future__ import annotations

from collections.abc import Sequence

from servers.imap.wire.reader import Segment

from . import any_state, append, auth, fetch, mailbox, search, selected
from .any_state import Capability, Enable, Id, Logout, Noop
from .append import Append, AppendMessage, GetQuota, GetQuotaRoot, SetQuota
from .auth import Authenticate, Compress, Login, StartTls
from .errors import ParseError
from .fetch import BinarySize, BodySection, Fetch, FetchAttr, FetchItem, SectionSpec, SectionText
from .lexer import TAG_CHARS, CommandParser, Cursor, keyword
from .mailbox import (
    Create,
    Delete,
    List,
    ListReturn,
    ListSelect,
    Lsub,
    MailboxStatus,
    Namespace,
    QResync,
    Rename,
    Select,
    StatusItem,
    Subscribe,
    Unsubscribe,
)
from .model import Command, SavedResult, SequenceArg, SequenceSet, UidCommand
from .search import Search, SearchReturn, Sort, SortCriterion, SortKey, Thread, ThreadAlgorithm
from .selected import Check, Close, Copy, Expunge, Idle, Move, Store, StoreAction, Unselect

__all__ = [
    "COMMANDS",
    "UID_COMMANDS",
    "Append",
    "AppendMessage",
    "Authenticate",
    "BinarySize",
    "BodySection",
    "Capability",
    "Check",
    "Close",
    "Command",
    "Compress",
    "Copy",
    "Create",
    "Delete",
    "Enable",
    "Expunge",
    "Fetch",
    "FetchAttr",
    "FetchItem",
    "GetQuota",
    "GetQuotaRoot",
    "Id",
    "Idle",
    "List",
    "ListReturn",
    "ListSelect",
    "Login",
    "Logout",
    "Lsub",
    "MailboxStatus",
    "Move",
    "Namespace",
    "Noop",
    "ParseError",
    "QResync",
    "Rename",
    "SavedResult",
    "Search",
    "SearchReturn",
    "SectionSpec",
    "SectionText",
    "Select",
    "SequenceArg",
    "SequenceSet",
    "SetQuota",
    "Sort",
    "SortCriterion",
    "SortKey",
    "StartTls",
    "StatusItem",
    "Store",
    "StoreAction",
    "Subscribe",
    "Thread",
    "ThreadAlgorithm",
    "UidCommand",
    "Unselect",
    "Unsubscribe",
    "parse_command",
]

# One table per protocol (STYLE.md point 3): command name -> argument parser.
COMMANDS: dict[str, CommandParser] = {
    **any_state.COMMANDS,
    **auth.COMMANDS,
    **mailbox.COMMANDS,
    **append.COMMANDS,
    **selected.COMMANDS,
    **fetch.COMMANDS,
    **search.COMMANDS,
}
UID_COMMANDS: dict[str, CommandParser] = {
    **selected.UID_COMMANDS,
    **fetch.UID_COMMANDS,
    **search.UID_COMMANDS,
}


def parse_command(parts: Sequence[Segment], *, utf8: bool = False) -> Command:
    """Parse one complete command from ``CommandBytes.parts``.

    ``utf8`` is true once IMAP4rev2 or UTF8=ACCEPT is enabled: mailbox names
    are then UTF-8 instead of modified UTF-7 (RFC 9051 §5.1, RFC 6855 §3).
    """
    c = Cursor(parts, utf8=utf8)
    tag = c.tag = _tag(c)
    if not c.accept(b" "):
        c.fail("missing command name")
    name = keyword(c, "command name")
    table = COMMANDS
    if name == "UID":  # RFC 9051 §6.4.9
        c.sp()
        name = keyword(c, "command name after UID")
        table = UID_COMMANDS
    parser = table.get(name)
    if parser is None:
        prefix = "UID " if table is UID_COMMANDS else ""
        c.fail(f"unknown command {prefix}{name}")
    command = parser(c, tag)
    c.expect_end()
    return command


def _tag(c: Cursor) -> str:
    """RFC 9051 §9: ``tag = 1*<any ASTRING-CHAR except "+">``; no tag means ``* BAD``."""
    tag = c.take(TAG_CHARS)
    if not tag:
        c.fail("missing tag" if c.at_end() else "invalid tag")
    if c.peek() not in (0x20, -1) or c.at_literal():
        c.fail("invalid character in tag")
    return tag.decode("ascii")
