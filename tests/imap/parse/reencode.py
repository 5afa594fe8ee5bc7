"""A canonical client-side encoder: ``encode_command(parse(line))`` parses back equal.

It writes every value in one fixed spelling (upper-case keywords, parenthesised
flag and item lists, synchronizing literals only where quoting is unsafe), so
round-tripping through it checks that the parser keeps every piece of a command.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import singledispatch

from servers.imap.parse import (
    Append,
    Authenticate,
    BinarySize,
    BodySection,
    Capability,
    Check,
    Close,
    Command,
    Compress,
    Copy,
    Create,
    Delete,
    Enable,
    Expunge,
    Fetch,
    FetchAttr,
    FetchItem,
    GetQuota,
    GetQuotaRoot,
    Id,
    Idle,
    List,
    Login,
    Logout,
    Lsub,
    MailboxStatus,
    Move,
    Namespace,
    Noop,
    Rename,
    Search,
    Select,
    SetQuota,
    Sort,
    StartTls,
    Store,
    Subscribe,
    Thread,
    Unselect,
    Unsubscribe,
)
from servers.imap.parse.mailbox import QResync
from servers.imap.wire import encode
from servers.imap.wire.mutf7 import encode_mutf7

from .reencode_search import search_program

Encoder = Callable[[Command, bool], list[bytes]]


def encode_command(command: Command, *, utf8: bool = False) -> bytes:
    """The command as wire bytes ending in CRLF."""
    words = [command.tag.encode(), command.name.encode(), *_arguments(command, utf8)]
    return b" ".join(words) + b"\r\n"


def _mailbox(name: str, utf8: bool) -> bytes:
    return encode.mailbox(name, utf8=utf8)


def _pattern(name: str, utf8: bool) -> bytes:
    """A list-mailbox: like a mailbox name, but "inbox" keeps its case."""
    return encode.astring(name.encode() if utf8 else encode_mutf7(name))


def _list(words: list[bytes] | tuple[bytes, ...]) -> bytes:
    return b"(" + b" ".join(words) + b")"


@singledispatch
def _arguments(command: Command, utf8: bool) -> list[bytes]:
    raise NotImplementedError(type(command).__name__)


def _no_arguments(command: Command, utf8: bool) -> list[bytes]:
    return []


for _type in (Capability, Noop, Logout, StartTls, Namespace, Check, Close, Unselect, Idle):
    _arguments.register(_type, _no_arguments)


@_arguments.register
def _(command: Id, utf8: bool) -> list[bytes]:
    if command.params is None:
        return [b"NIL"]
    pairs = [
        encode.quoted_or_literal(field) + b" " + encode.nstring(value)
        for field, value in command.params
    ]
    return [_list(pairs)]


@_arguments.register
def _(command: Enable, utf8: bool) -> list[bytes]:
    return [name.encode() for name in command.capabilities]


@_arguments.register
def _(command: Authenticate, utf8: bool) -> list[bytes]:
    words = [command.mechanism.encode()]
    if command.initial_response is not None:
        words.append(base64.b64encode(command.initial_response) or b"=")
    return words


@_arguments.register
def _(command: Login, utf8: bool) -> list[bytes]:
    return [encode.astring(command.userid), encode.astring(command.password)]


@_arguments.register
def _(command: Compress, utf8: bool) -> list[bytes]:
    return [command.mechanism.encode()]


def _qresync(params: QResync) -> bytes:
    words = [b"%d" % params.uidvalidity, b"%d" % params.modseq]
    if params.known_uids is not None:
        words.append(str(params.known_uids).encode())
    if params.seq_match is not None:
        words.append(_list([str(part).encode() for part in params.seq_match]))
    return _list(words)


@_arguments.register
def _(command: Select, utf8: bool) -> list[bytes]:
    params = [b"CONDSTORE"] if command.condstore else []
    if command.qresync is not None:
        params.append(b"QRESYNC " + _qresync(command.qresync))
    return [_mailbox(command.mailbox, utf8), *([_list(params)] if params else [])]


@_arguments.register
def _(command: Create, utf8: bool) -> list[bytes]:
    words = [_mailbox(command.mailbox, utf8)]
    if command.special_use:
        words.append(b"(USE " + encode.flag_list(command.special_use) + b")")
    return words


@_arguments.register(Delete)
@_arguments.register(Subscribe)
@_arguments.register(Unsubscribe)
@_arguments.register(GetQuotaRoot)
def _(command: Delete | Subscribe | Unsubscribe | GetQuotaRoot, utf8: bool) -> list[bytes]:
    return [_mailbox(command.mailbox, utf8)]


@_arguments.register
def _(command: Rename, utf8: bool) -> list[bytes]:
    return [_mailbox(command.mailbox, utf8), _mailbox(command.new_name, utf8)]


@_arguments.register
def _(command: List, utf8: bool) -> list[bytes]:
    words = []
    if command.selection:
        words.append(_list(sorted(option.value.encode() for option in command.selection)))
    words.append(_mailbox(command.reference, utf8))
    patterns = [_pattern(pattern, utf8) for pattern in command.patterns]
    words.append(patterns[0] if len(patterns) == 1 else _list(patterns))
    returns = sorted(option.value.encode() for option in command.returns)
    if command.return_status is not None:
        returns.append(b"STATUS " + _list([item.value.encode() for item in command.return_status]))
    if returns:
        words.append(b"RETURN " + _list(returns))
    return words


@_arguments.register
def _(command: Lsub, utf8: bool) -> list[bytes]:
    return [_mailbox(command.reference, utf8), _pattern(command.pattern, utf8)]


@_arguments.register
def _(command: MailboxStatus, utf8: bool) -> list[bytes]:
    return [_mailbox(command.mailbox, utf8), _list([item.value.encode() for item in command.items])]


@_arguments.register
def _(command: Append, utf8: bool) -> list[bytes]:
    words = [_mailbox(command.mailbox, utf8)]
    for message in command.messages:
        if message.flags:
            words.append(encode.flag_list(message.flags))
        if message.internal_date is not None:
            words.append(encode.date_time(message.internal_date))
        words.append(encode.literal(message.data, binary=message.binary))
    return words


@_arguments.register
def _(command: GetQuota, utf8: bool) -> list[bytes]:
    return [encode.astring(command.root)]


@_arguments.register
def _(command: SetQuota, utf8: bool) -> list[bytes]:
    limits = [b"%s %d" % (name.encode(), limit) for name, limit in command.limits]
    return [encode.astring(command.root), _list(limits)]


@_arguments.register
def _(command: Expunge, utf8: bool) -> list[bytes]:
    return [] if command.sequence is None else [str(command.sequence).encode()]


@_arguments.register(Copy)
@_arguments.register(Move)
def _(command: Copy | Move, utf8: bool) -> list[bytes]:
    return [str(command.sequence).encode(), _mailbox(command.mailbox, utf8)]


@_arguments.register
def _(command: Store, utf8: bool) -> list[bytes]:
    words = [str(command.sequence).encode()]
    if command.unchangedsince is not None:
        words.append(b"(UNCHANGEDSINCE %d)" % command.unchangedsince)
    silent = ".SILENT" if command.silent else ""
    words.append(f"{command.action.value}FLAGS{silent}".encode())
    words.append(encode.flag_list(command.flags))
    return words


def fetch_item(item: FetchItem) -> bytes:
    match item:
        case FetchAttr():
            return item.value.encode()
        case BinarySize(part):
            return b"BINARY.SIZE[" + ".".join(map(str, part)).encode() + b"]"
        case BodySection(peek, section, partial, binary):
            name = ("BINARY" if binary else "BODY") + (".PEEK" if peek else "")
            origin = "" if partial is None else f"<{partial[0]}.{partial[1]}>"
            return f"{name}[{section}]{origin}".encode()
    raise AssertionError(item)


@_arguments.register
def _(command: Fetch, utf8: bool) -> list[bytes]:
    words = [str(command.sequence).encode(), _list([fetch_item(item) for item in command.items])]
    modifiers = []
    if command.changedsince is not None:
        modifiers.append(b"CHANGEDSINCE %d" % command.changedsince)
    if command.vanished:
        modifiers.append(b"VANISHED")
    if modifiers:
        words.append(_list(modifiers))
    return words


@_arguments.register
def _(command: Search, utf8: bool) -> list[bytes]:
    words = []
    if command.returns is not None:
        words.append(b"RETURN " + _list([option.value.encode() for option in command.returns]))
    if command.charset is not None:
        words.append(b"CHARSET " + command.charset.encode())
    words.append(search_program(command.criteria, command.charset))
    return words


@_arguments.register
def _(command: Sort, utf8: bool) -> list[bytes]:
    order = [
        (b"REVERSE " if criterion.reverse else b"") + criterion.key.value.encode()
        for criterion in command.order
    ]
    program = search_program(command.criteria, command.charset)
    return [_list(order), command.charset.encode(), program]


@_arguments.register
def _(command: Thread, utf8: bool) -> list[bytes]:
    program = search_program(command.criteria, command.charset)
    return [command.algorithm.value.encode(), command.charset.encode(), program]
