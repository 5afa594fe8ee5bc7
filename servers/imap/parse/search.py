"""SEARCH (RFC 9051 §6.4.4 with RFC 4731 ESEARCH and RFC 5182 SAVE), SORT and THREAD (RFC 5256).

Search strings are decoded with the CHARSET into ``str``; UTF-8 and US-ASCII
are supported, any other charset is ``NO [BADCHARSET (UTF-8 US-ASCII)]``.
Without CHARSET, strings are UTF-8 (RFC 9051 §6.4.4, RFC 6855 §3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from servers.imap.wire.codes import ResponseCode, Status

from .lexer import (
    DIGITS,
    CommandParser,
    Cursor,
    ascii_text,
    astring,
    atom,
    date,
    flag,
    flag_keyword,
    header_fld_name,
    keyword,
    mod_sequence_valzer,
    number64,
    nz_number,
    parenthesized,
    quoted,
    sequence_set,
)
from .model import UidCommand
from .search_keys import (
    Age,
    AgeOp,
    All,
    And,
    BodyContains,
    DateCompare,
    DateField,
    DateOp,
    Flag,
    HeaderContains,
    Keyword,
    ModSeq,
    Not,
    Or,
    SaveDateSupported,
    SearchKey,
    SeqSet,
    Size,
    SizeOp,
    TextContains,
    UidSet,
    conjunction,
)

__all__ = [
    "CHARSETS",
    "COMMANDS",
    "UID_COMMANDS",
    "Search",
    "SearchReturn",
    "Sort",
    "SortCriterion",
    "SortKey",
    "Thread",
    "ThreadAlgorithm",
]

MAX_DEPTH = 100  # nesting of NOT, OR and parentheses; deeper is a BAD, never a RecursionError
CHARSETS = {"UTF-8": "utf-8", "US-ASCII": "ascii"}  # CHARSET name -> Python codec
_BADCHARSET_DATA = "(" + " ".join(CHARSETS) + ")"
_ENTRY_TYPES = frozenset({"priv", "shared", "all"})


class SearchReturn(StrEnum):
    """RFC 4731 §3.1 (ESEARCH) result options, plus RFC 5182 §2.4 SAVE."""

    MIN = "MIN"
    MAX = "MAX"
    ALL = "ALL"
    COUNT = "COUNT"
    SAVE = "SAVE"


class SortKey(StrEnum):
    """RFC 5256 §3 sort keys, plus RFC 5957 DISPLAYFROM / DISPLAYTO."""

    ARRIVAL = "ARRIVAL"
    CC = "CC"
    DATE = "DATE"
    FROM = "FROM"
    SIZE = "SIZE"
    SUBJECT = "SUBJECT"
    TO = "TO"
    DISPLAYFROM = "DISPLAYFROM"
    DISPLAYTO = "DISPLAYTO"


class ThreadAlgorithm(StrEnum):
    """RFC 5256 §3 thread algorithms."""

    ORDEREDSUBJECT = "ORDEREDSUBJECT"
    REFERENCES = "REFERENCES"


@dataclass(frozen=True)
class SortCriterion:
    """``["REVERSE" SP] sort-key``."""

    key: SortKey
    reverse: bool = False


@dataclass(frozen=True)
class Search(UidCommand):
    """RFC 9051 §6.4.4; ``returns`` is None without RETURN (plain ``* SEARCH`` answer)."""

    NAME = "SEARCH"
    criteria: SearchKey
    charset: str | None = None
    returns: tuple[SearchReturn, ...] | None = None


@dataclass(frozen=True)
class Sort(UidCommand):
    """RFC 5256 §3: ``order`` is the sort criteria, ``criteria`` the search keys."""

    NAME = "SORT"
    order: tuple[SortCriterion, ...]
    charset: str
    criteria: SearchKey


@dataclass(frozen=True)
class Thread(UidCommand):
    """RFC 5256 §3."""

    NAME = "THREAD"
    algorithm: ThreadAlgorithm
    charset: str
    criteria: SearchKey


@dataclass(frozen=True)
class _Program:
    """What every search key needs: the cursor and the codec of its strings."""

    c: Cursor
    codec: str

    def text(self) -> str:
        """An astring search argument decoded with the CHARSET (RFC 9051 §6.4.4)."""
        data = astring(self.c, "search string")
        try:
            return data.decode(self.codec)
        except UnicodeDecodeError:
            self.c.fail(f"search string is not valid {self.codec}")


KeyParser = Callable[[_Program, int], SearchKey]


# -- search keys (RFC 9051 §6.4.4, RFC 3501 §6.4.4) ------------------------------------

_FLAG_KEYS: dict[str, SearchKey] = {
    key: Flag("\\" + name, present)  # ANSWERED / UNANSWERED ...
    for name in ("Answered", "Deleted", "Draft", "Flagged", "Seen")
    for key, present in ((name.upper(), True), ("UN" + name.upper(), False))
}
_CONSTANT_KEYS: dict[str, SearchKey] = {
    **_FLAG_KEYS,
    "ALL": All(),
    "RECENT": Flag("\\Recent"),  # RFC 3501
    "OLD": Flag("\\Recent", False),  # RFC 3501: NOT RECENT
    "NEW": And((Flag("\\Recent"), Flag("\\Seen", False))),  # RFC 3501: RECENT UNSEEN
    "SAVEDATESUPPORTED": SaveDateSupported(),  # RFC 8514 §4.4
}
_HEADER_KEYS = {"BCC": "bcc", "CC": "cc", "FROM": "from", "SUBJECT": "subject", "TO": "to"}
_DATE_PREFIXES = {"": DateField.INTERNAL, "SENT": DateField.SENT, "SAVED": DateField.SAVED}
_DATE_KEYS = {
    prefix + op.value: (field, op) for prefix, field in _DATE_PREFIXES.items() for op in DateOp
}


def _constant(key: SearchKey, p: _Program, depth: int) -> SearchKey:
    return key


def _header(field: str, p: _Program, depth: int) -> SearchKey:
    p.c.sp()
    return HeaderContains(field, p.text())


def _dated(field: DateField, op: DateOp, p: _Program, depth: int) -> SearchKey:
    p.c.sp()
    return DateCompare(field, op, date(p.c))


def _header_key(p: _Program, depth: int) -> SearchKey:
    """``"HEADER" SP header-fld-name SP astring``."""
    p.c.sp()
    field = header_fld_name(p.c).lower()
    p.c.sp()
    return HeaderContains(field, p.text())


def _body(p: _Program, depth: int) -> SearchKey:
    p.c.sp()
    return BodyContains(p.text())


def _text(p: _Program, depth: int) -> SearchKey:
    p.c.sp()
    return TextContains(p.text())


def _keyword(present: bool, p: _Program, depth: int) -> SearchKey:
    p.c.sp()
    return Keyword(flag_keyword(p.c), present)


def _size(op: SizeOp, p: _Program, depth: int) -> SearchKey:
    p.c.sp()
    return Size(op, number64(p.c, "size"))


def _age(op: AgeOp, p: _Program, depth: int) -> SearchKey:
    """RFC 5032 §4: ``("OLDER" / "YOUNGER") SP nz-number``."""
    p.c.sp()
    return Age(op, nz_number(p.c, "interval"))


def _not(p: _Program, depth: int) -> SearchKey:
    p.c.sp()
    return Not(search_key(p, depth + 1))


def _or(p: _Program, depth: int) -> SearchKey:
    p.c.sp()
    left = search_key(p, depth + 1)
    p.c.sp()
    return Or(left, search_key(p, depth + 1))


def _uid(p: _Program, depth: int) -> SearchKey:
    p.c.sp()
    return UidSet(sequence_set(p.c))


def entry_flag_name(c: Cursor) -> str:
    """RFC 7162 §7: ``entry-flag-name = DQUOTE "/flags/" attr-flag DQUOTE``."""
    entry = ascii_text(c, quoted(c), "entry name")
    if not entry.lower().startswith("/flags/"):
        c.fail("MODSEQ entry names are /flags/<flag>")
    inner = Cursor([entry[len("/flags/") :].encode("ascii")])
    inner.tag = c.tag
    name = flag(inner)
    inner.expect_end()
    return name


def _modseq(p: _Program, depth: int) -> SearchKey:
    """RFC 7162 §7: ``"MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer``."""
    c = p.c
    c.sp()
    entry = entry_type = None
    if c.peek() == 0x22:  # DQUOTE
        entry = entry_flag_name(c)
        c.sp()
        entry_type = keyword(c, "entry type").lower()
        if entry_type not in _ENTRY_TYPES:
            c.fail("the entry type is priv, shared or all")
        c.sp()
    return ModSeq(mod_sequence_valzer(c), entry, entry_type)


_KEYS: dict[str, KeyParser] = {
    **{name: partial(_constant, key) for name, key in _CONSTANT_KEYS.items()},
    **{name: partial(_header, field) for name, field in _HEADER_KEYS.items()},
    **{name: partial(_dated, field, op) for name, (field, op) in _DATE_KEYS.items()},
    "HEADER": _header_key,
    "BODY": _body,
    "TEXT": _text,
    "KEYWORD": partial(_keyword, True),
    "UNKEYWORD": partial(_keyword, False),
    "LARGER": partial(_size, SizeOp.LARGER),
    "SMALLER": partial(_size, SizeOp.SMALLER),
    "OLDER": partial(_age, AgeOp.OLDER),  # RFC 5032
    "YOUNGER": partial(_age, AgeOp.YOUNGER),  # RFC 5032
    "NOT": _not,
    "OR": _or,
    "UID": _uid,
    "MODSEQ": _modseq,  # RFC 7162 §3.1.5
}


def search_key(p: _Program, depth: int) -> SearchKey:
    """RFC 9051 §9 ``search-key``, including sequence sets and parenthesised groups."""
    c = p.c
    if depth > MAX_DEPTH:
        c.fail("search criteria are nested too deeply")
    if c.peek() == 0x28:  # "("
        return conjunction(parenthesized(c, lambda _: search_key(p, depth + 1)))
    if c.peek() in DIGITS or c.peek() in (0x2A, 0x24):  # "*" / "$"
        return SeqSet(sequence_set(c))
    name = keyword(c, "search key")
    parser = _KEYS.get(name)
    if parser is None:
        c.fail(f"unknown search key {name}")
    return parser(p, depth)


def search_program(c: Cursor, codec: str) -> SearchKey:
    """``search-key *(SP search-key)``, all of which must match."""
    program = _Program(c, codec)
    keys = [search_key(program, 0)]
    while c.accept(b" "):
        keys.append(search_key(program, 0))
    return conjunction(keys)


def charset(c: Cursor) -> tuple[str, str]:
    """``charset = atom / quoted``: (upper-case name, codec); unknown is NO [BADCHARSET]."""
    raw = quoted(c) if c.peek() == 0x22 else atom(c, "charset")
    name = ascii_text(c, raw, "charset").upper()
    codec = CHARSETS.get(name)
    if codec is None:
        c.fail(
            f"unsupported charset {name}",
            ResponseCode.BADCHARSET,
            code_data=_BADCHARSET_DATA,
            status=Status.NO,
        )
    return name, codec


def search_return_opt(c: Cursor) -> SearchReturn:
    name = keyword(c, "search return option")
    try:
        return SearchReturn(name)
    except ValueError:
        c.fail(f"unknown search return option {name}")


def search(c: Cursor, tag: str, *, uid: bool = False) -> Search:
    """RFC 9051 §6.4.4: ``"SEARCH" [SP "RETURN" SP "(" ... ")"] SP ["CHARSET" SP charset SP] search-keys``."""
    c.sp()
    returns = None
    if c.accept_word(b"RETURN"):
        c.sp()
        returns = parenthesized(c, search_return_opt, empty=True)
        c.sp()
    name, codec = None, "utf-8"
    if c.accept_word(b"CHARSET"):
        c.sp()
        name, codec = charset(c)
        c.sp()
    return Search(tag, uid, search_program(c, codec), name, returns)


def sort_criterion(c: Cursor) -> SortCriterion:
    """RFC 5256 §5: ``["REVERSE" SP] sort-key``."""
    reverse = c.accept_word(b"REVERSE")
    if reverse:
        c.sp()
    name = keyword(c, "sort key")
    try:
        return SortCriterion(SortKey(name), reverse)
    except ValueError:
        c.fail(f"unknown sort key {name}")


def sort(c: Cursor, tag: str, *, uid: bool = False) -> Sort:
    """RFC 5256 §5: ``"SORT" SP sort-criteria SP charset 1*(SP search-key)``."""
    c.sp()
    order = parenthesized(c, sort_criterion)
    c.sp()
    name, codec = charset(c)
    c.sp()
    return Sort(tag, uid, order, name, search_program(c, codec))


def thread(c: Cursor, tag: str, *, uid: bool = False) -> Thread:
    """RFC 5256 §5: ``"THREAD" SP thread-alg SP charset 1*(SP search-key)``."""
    c.sp()
    name = keyword(c, "thread algorithm")
    try:
        algorithm = ThreadAlgorithm(name)
    except ValueError:
        c.fail(f"unsupported thread algorithm {name}")
    c.sp()
    charset_name, codec = charset(c)
    c.sp()
    return Thread(tag, uid, algorithm, charset_name, search_program(c, codec))


COMMANDS: dict[str, CommandParser] = {"SEARCH": search, "SORT": sort, "THREAD": thread}
UID_COMMANDS: dict[str, CommandParser] = {
    "SEARCH": partial(search, uid=True),
    "SORT": partial(sort, uid=True),
    "THREAD": partial(thread, uid=True),
}
