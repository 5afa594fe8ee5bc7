"""Search: a typed criteria tree compiled into ONE SQL query (DESIGN principle 6).

The tree is protocol-neutral: IMAP's session-relative keys (sequence numbers, ``$``, \\Recent)
are resolved by the front end into :class:`UidIn` before they reach the engine.

Substring keys keep IMAP's exact semantics (RFC 9051 §6.4.4: case-insensitive substring) as
``LIKE '%needle%'`` over text lower-cased at ingest, after a candidate filter on the
trigram-indexed ``body_terms`` table (see the schema module for why that is exact).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC as _UTC
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Union

from mailstore.errors import InvalidArgument
from mailstore.schema import SYSTEM_FLAGS


class DateOp(Enum):
    BEFORE = "before"
    ON = "on"
    SINCE = "since"


@dataclass(frozen=True)
class All:
    pass


@dataclass(frozen=True)
class Not:
    inner: Criteria


@dataclass(frozen=True)
class And:
    items: tuple[Criteria, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Criteria, ...]


@dataclass(frozen=True)
class UidIn:
    """Uids in inclusive ranges; ``None`` as an upper bound means no limit."""

    ranges: tuple[tuple[int, int | None], ...]


@dataclass(frozen=True)
class HasFlag:
    """A system flag (``\\Seen``) or keyword is set."""

    flag: str


@dataclass(frozen=True)
class HeaderContains:
    """Header field ``name`` contains ``value`` (any field of that name); empty value: present."""

    name: str
    value: str


@dataclass(frozen=True)
class BodyContains:
    value: str


@dataclass(frozen=True)
class TextContains:
    """Header or body contains ``value`` (IMAP TEXT)."""

    value: str


@dataclass(frozen=True)
class InternalDate:
    op: DateOp
    day: date


@dataclass(frozen=True)
class SentDate:
    op: DateOp
    day: date


@dataclass(frozen=True)
class SavedDate:
    op: DateOp
    day: date


@dataclass(frozen=True)
class Larger:
    size: int


@dataclass(frozen=True)
class Smaller:
    size: int


@dataclass(frozen=True)
class ModSeqAtLeast:
    modseq: int


@dataclass(frozen=True)
class Older:
    """Internal date at least ``seconds`` ago (RFC 5032)."""

    seconds: int


@dataclass(frozen=True)
class Younger:
    seconds: int


Criteria = Union[  # noqa: UP007
    All,
    Not,
    And,
    Or,
    UidIn,
    HasFlag,
    HeaderContains,
    BodyContains,
    TextContains,
    InternalDate,
    SentDate,
    SavedDate,
    Larger,
    Smaller,
    ModSeqAtLeast,
    Older,
    Younger,
]

#: Header fields with their own decoded column.
_HEADER_COLUMNS = {
    "from": "b.from_addr",
    "to": "b.to_addr",
    "cc": "b.cc_addr",
    "bcc": "b.bcc_addr",
    "subject": "b.subject",
    "message-id": "b.message_id",
    "in-reply-to": "b.in_reply_to",
}


#: The token separator of ``body_terms.terms`` (the indexer splits with it too).
TOKEN_SPLIT = re.compile(r"[ \t\n\r\f\v]+")


def _single_token(value: str) -> bool:
    return len(value) >= MIN_TOKEN and not TOKEN_SPLIT.search(value)


#: Tokens shorter than this are not in ``body_terms`` (mailstore/store/indexer.py).
MIN_TOKEN = 3


def like_pattern(value: str) -> str:
    """``%needle%`` with LIKE's wildcards escaped (default escape character ``\\``)."""
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass
class Compiled:
    where: str
    args: list[object] = field(default_factory=list)
    needs_body: bool = False


class _Compiler:
    def __init__(self, first_param: int, now: datetime):
        self.args: list[object] = []
        self.first = first_param
        self.needs_body = False
        self.now = now

    def param(self, value: object) -> str:
        self.args.append(value)
        return f"${self.first + len(self.args) - 1}"

    def compile(self, c: Criteria) -> str:
        match c:
            case All():
                return "TRUE"
            case Not(inner):
                return f"NOT ({self.compile(inner)})"
            case And(items):
                return "(" + " AND ".join(self.compile(i) for i in items) + ")" if items else "TRUE"
            case Or(items):
                return "(" + " OR ".join(self.compile(i) for i in items) + ")" if items else "FALSE"
            case UidIn(ranges):
                parts = []
                for lo, hi in ranges:
                    if hi is None:
                        parts.append(f"m.uid >= {int(lo)}")
                    elif lo == hi:
                        parts.append(f"m.uid = {int(lo)}")
                    else:
                        parts.append(f"m.uid BETWEEN {int(lo)} AND {int(hi)}")
                return "(" + " OR ".join(parts) + ")" if parts else "FALSE"
            case HasFlag(flag):
                return self._flag(flag)
            case HeaderContains(name, value):
                return self._header(name.lower(), value)
            case BodyContains(value):
                self.needs_body = True
                return self._terms(value) + f"b.body_text LIKE {self.param(like_pattern(value))}"
            case TextContains(value):
                self.needs_body = True
                if _single_token(value):
                    return self._text_token(value)
                p = self.param(like_pattern(value))
                return self._terms(value) + f"(b.header_text LIKE {p} OR b.body_text LIKE {p})"
            case InternalDate(op, day):
                return self._date("m.internal_date", op, day)
            case SentDate(op, day):
                self.needs_body = True
                return self._date("b.sent_date", op, day)
            case SavedDate(op, day):
                return self._date("m.saved_date", op, day)
            case Larger(size):
                return f"m.size > {int(size)}"
            case Smaller(size):
                return f"m.size < {int(size)}"
            case ModSeqAtLeast(modseq):
                return f"m.modseq >= {int(modseq)}"
            case Older(seconds):
                return f"m.internal_date <= {self.param(self.now - timedelta(seconds=seconds))}"
            case Younger(seconds):
                return f"m.internal_date >= {self.param(self.now - timedelta(seconds=seconds))}"
        raise InvalidArgument(f"unsupported search key {c!r}")

    def _terms(self, value: str) -> str:
        """Index-usable necessary conditions: each white-space separated piece of the needle
        lies inside one token of ``body_terms.terms`` (pieces under 3 characters make no trigram
        and are left to the exact check)."""
        pieces = [p for p in dict.fromkeys(TOKEN_SPLIT.split(value.lower())) if len(p) >= 3]
        if not pieces:
            return ""
        likes = " AND ".join(f"t.terms LIKE {self.param(like_pattern(p))}" for p in pieces)
        # Bodies still in index_queue stay candidates: the result is exact either way. The
        # candidate ids are collected once (an InitPlan) and the messages found by them through
        # messages_body_id. As a plain IN (... UNION ALL ...) it was pulled up into a semi join,
        # and when the other conditions (UNSEEN, SINCE) were estimated at one row it became a
        # nested loop that re-ran the trigram bitmap scan for every candidate message
        # (measured: 19 s for UNSEEN FROM x SINCE d on 1,000 messages, bench/compare.py).
        return (
            f"m.body_id = ANY (ARRAY (SELECT t.body_id FROM body_terms t WHERE {likes} "
            "UNION ALL SELECT q.body_id FROM index_queue q)) AND "
        )

    def _text_token(self, value: str) -> str:
        """TEXT with a needle of one token (no white space, 3+ characters): it occurs in the
        header or body text exactly when it occurs in a token of ``body_terms.terms`` (it cannot
        span two tokens, nor fit in a dropped short one), so indexed bodies need no recheck;
        bodies still queued for indexing are checked against their text."""
        p = self.param(like_pattern(value))
        return (
            f"(m.body_id IN (SELECT t.body_id FROM body_terms t WHERE t.terms LIKE {p}) OR "
            f"(m.body_id IN (SELECT q.body_id FROM index_queue q) "
            f"AND (b.header_text LIKE {p} OR b.body_text LIKE {p})))"
        )

    def _flag(self, flag: str) -> str:
        for name, bit in SYSTEM_FLAGS.items():
            if name.lower() == flag.lower():
                return f"m.flags & {bit} <> 0"
        if flag.startswith("\\"):
            return "FALSE"  # \Recent is resolved by the front end; other system flags: none
        return f"{self.param(flag.lower())} = ANY (SELECT lower(k) FROM unnest(m.keywords) k)"

    def _header(self, name: str, value: str) -> str:
        self.needs_body = True
        column = _HEADER_COLUMNS.get(name)
        if column is not None and value:
            # the decoded field's tokens are in body_terms too: an index-usable prefilter
            return self._terms(value) + f"lower({column}) LIKE {self.param(like_pattern(value))}"
        # any other field: the [name, decoded value] pairs kept at ingest, behind cheap
        # necessary conditions (the field name in header_text, the value's pieces in the terms)
        pn = self.param(name)
        prefilter = f"b.header_text LIKE {self.param(like_pattern(name + ':'))} AND "
        if not value:
            return (
                f"({prefilter}EXISTS (SELECT 1 FROM jsonb_array_elements(b.headers) h "
                f"WHERE h->>0 = {pn}))"
            )
        prefilter = self._terms(value) + prefilter
        pv = self.param(like_pattern(value))
        return (
            f"({prefilter}EXISTS (SELECT 1 FROM jsonb_array_elements(b.headers) h "
            f"WHERE h->>0 = {pn} AND lower(h->>1) LIKE {pv}))"
        )

    def _date(self, column: str, op: DateOp, day: date) -> str:
        # RFC 9051 §6.4.4: dates compare by calendar day, disregarding time (UTC here)
        start = self.param(datetime(day.year, day.month, day.day, tzinfo=_UTC))
        if op is DateOp.BEFORE:
            return f"{column} < {start}"
        if op is DateOp.SINCE:
            return f"{column} >= {start}"
        end = self.param(datetime(day.year, day.month, day.day, tzinfo=_UTC) + timedelta(days=1))
        return f"({column} >= {start} AND {column} < {end})"


def compile_criteria(
    criteria: Criteria, first_param: int = 3, now: datetime | None = None
) -> Compiled:
    """SQL boolean over ``m`` (messages) and, when ``needs_body``, ``b`` (bodies)."""
    compiler = _Compiler(first_param, now or datetime.now(_UTC))
    where = compiler.compile(criteria)
    return Compiled(where, compiler.args, compiler.needs_body)
