"""SEARCH, SORT and THREAD lines: every search key, CHARSET, RETURN, nesting."""

from __future__ import annotations

import datetime as dt

from servers.imap.parse import (
    Command,
    SavedResult,
    Search,
    SearchReturn,
    Sort,
    SortCriterion,
    SortKey,
    Thread,
    ThreadAlgorithm,
)
from servers.imap.parse.search_keys import (
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
)

from .helpers import ss

DAY = dt.date(1994, 2, 1)


def search(tag: str, criteria: SearchKey, **options: object) -> Search:
    return Search(tag, False, criteria, **options)  # type: ignore[arg-type]


# One line per key: (key text, criteria).
KEYS: list[tuple[bytes, SearchKey]] = [
    (b"ALL", All()),
    (b"ANSWERED", Flag("\\Answered")),
    (b"UNANSWERED", Flag("\\Answered", False)),
    (b"DELETED", Flag("\\Deleted")),
    (b"UNDELETED", Flag("\\Deleted", False)),
    (b"DRAFT", Flag("\\Draft")),
    (b"UNDRAFT", Flag("\\Draft", False)),
    (b"FLAGGED", Flag("\\Flagged")),
    (b"UNFLAGGED", Flag("\\Flagged", False)),
    (b"SEEN", Flag("\\Seen")),
    (b"UNSEEN", Flag("\\Seen", False)),
    (b"RECENT", Flag("\\Recent")),
    (b"OLD", Flag("\\Recent", False)),
    (b"NEW", And((Flag("\\Recent"), Flag("\\Seen", False)))),
    (b"KEYWORD $Forwarded", Keyword("$Forwarded")),
    (b"UNKEYWORD Junk", Keyword("Junk", False)),
    (b"BCC bob", HeaderContains("bcc", "bob")),
    (b'CC "Bob Smith"', HeaderContains("cc", "Bob Smith")),
    (b"FROM alice", HeaderContains("from", "alice")),
    (b"TO {5}\r\ncarol", HeaderContains("to", "carol")),
    (b'SUBJECT ""', HeaderContains("subject", "")),
    (b"HEADER Message-ID <x@y>", HeaderContains("message-id", "<x@y>")),
    (b'HEADER "List-Id" ""', HeaderContains("list-id", "")),
    (b"BODY hello", BodyContains("hello")),
    (b'TEXT "two words"', TextContains("two words")),
    (b"BEFORE 1-Feb-1994", DateCompare(DateField.INTERNAL, DateOp.BEFORE, DAY)),
    (b"ON 01-feb-1994", DateCompare(DateField.INTERNAL, DateOp.ON, DAY)),
    (b'SINCE "1-Feb-1994"', DateCompare(DateField.INTERNAL, DateOp.SINCE, DAY)),
    (b"SENTBEFORE 1-Feb-1994", DateCompare(DateField.SENT, DateOp.BEFORE, DAY)),
    (b"SENTON 1-Feb-1994", DateCompare(DateField.SENT, DateOp.ON, DAY)),
    (b"SENTSINCE 1-Feb-1994", DateCompare(DateField.SENT, DateOp.SINCE, DAY)),
    (b"SAVEDBEFORE 1-Feb-1994", DateCompare(DateField.SAVED, DateOp.BEFORE, DAY)),
    (b"SAVEDON 1-Feb-1994", DateCompare(DateField.SAVED, DateOp.ON, DAY)),
    (b"SAVEDSINCE 1-Feb-1994", DateCompare(DateField.SAVED, DateOp.SINCE, DAY)),
    (b"SAVEDATESUPPORTED", SaveDateSupported()),
    (b"LARGER 1024", Size(SizeOp.LARGER, 1024)),
    (b"SMALLER 9223372036854775807", Size(SizeOp.SMALLER, 2**63 - 1)),
    (b"OLDER 3600", Age(AgeOp.OLDER, 3600)),
    (b"YOUNGER 60", Age(AgeOp.YOUNGER, 60)),
    (b"UID 1:100,200", UidSet(ss((1, 100), 200))),
    (b"UID $", UidSet(SavedResult())),
    (b"1:5", SeqSet(ss((1, 5)))),
    (b"*", SeqSet(ss(None))),
    (b"2,4:*", SeqSet(ss(2, (4, None)))),
    (b"$", SeqSet(SavedResult())),
    (b"MODSEQ 0", ModSeq(0)),
    (b"MODSEQ 620162338", ModSeq(620162338)),
    (b'MODSEQ "/flags/\\\\draft" all 620162338', ModSeq(620162338, "\\Draft", "all")),
    (b'MODSEQ "/flags/$Junk" priv 5', ModSeq(5, "$Junk", "priv")),
    (b"NOT SEEN", Not(Flag("\\Seen"))),
    (b"NOT NOT SEEN", Not(Not(Flag("\\Seen")))),
    (b"OR SEEN FLAGGED", Or(Flag("\\Seen"), Flag("\\Flagged"))),
    (
        b"OR (FROM a TO b) NOT (SEEN)",
        Or(And((HeaderContains("from", "a"), HeaderContains("to", "b"))), Not(Flag("\\Seen"))),
    ),
    (b"(SEEN)", Flag("\\Seen")),
    (b"((SEEN DELETED) (DRAFT))", And((Flag("\\Seen"), Flag("\\Deleted"), Flag("\\Draft")))),
    (b"NOT NEW", Not(And((Flag("\\Recent"), Flag("\\Seen", False))))),
]

SEARCH: list[tuple[bytes, Command]] = [
    *[(b"q1 SEARCH " + text, search("q1", key)) for text, key in KEYS],
    (b"q2 search all", search("q2", All())),
    (
        b'q3 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"',
        search(
            "q3",
            And(
                (
                    Flag("\\Flagged"),
                    DateCompare(DateField.INTERNAL, DateOp.SINCE, DAY),
                    Not(HeaderContains("from", "Smith")),
                )
            ),
        ),
    ),
    (
        b"q4 SEARCH NEW SEEN",
        search("q4", And((Flag("\\Recent"), Flag("\\Seen", False), Flag("\\Seen")))),
    ),
    (
        b"q5 SEARCH CHARSET UTF-8 TEXT {6}\r\nXXXXXX",
        search("q5", TextContains("XXXXXX"), charset="UTF-8"),
    ),
    (
        b"q6 SEARCH CHARSET utf-8 SUBJECT {6+}\r\nd\xc3\xa9j\xc3\xa0",
        search("q6", HeaderContains("subject", "déjà"), charset="UTF-8"),
    ),
    (b'q7 SEARCH CHARSET "US-ASCII" BODY x', search("q7", BodyContains("x"), charset="US-ASCII")),
    (b'q8 SEARCH SUBJECT "caf\xc3\xa9"', search("q8", HeaderContains("subject", "café"))),
    (b"q9 SEARCH RETURN () ALL", search("q9", All(), returns=())),
    (
        b"r1 SEARCH RETURN (MIN MAX COUNT ALL) UNDELETED",
        search(
            "r1",
            Flag("\\Deleted", False),
            returns=(SearchReturn.MIN, SearchReturn.MAX, SearchReturn.COUNT, SearchReturn.ALL),
        ),
    ),
    (
        b"r2 SEARCH RETURN (SAVE) CHARSET UTF-8 UID 1:*",
        search("r2", UidSet(ss((1, None))), charset="UTF-8", returns=(SearchReturn.SAVE,)),
    ),
    (
        b"r3 UID SEARCH 1:* UNSEEN",
        Search("r3", True, And((SeqSet(ss((1, None))), Flag("\\Seen", False)))),
    ),
    (b"r4 UID SEARCH UID $ SEEN", Search("r4", True, And((UidSet(SavedResult()), Flag("\\Seen"))))),
    (
        b"s1 SORT (SUBJECT) UTF-8 ALL",
        Sort("s1", False, (SortCriterion(SortKey.SUBJECT),), "UTF-8", All()),
    ),
    (
        b"s2 UID SORT (REVERSE ARRIVAL cc DATE FROM SIZE TO DISPLAYFROM reverse DISPLAYTO) US-ASCII UNSEEN SINCE 1-Feb-1994",
        Sort(
            "s2",
            True,
            (
                SortCriterion(SortKey.ARRIVAL, True),
                SortCriterion(SortKey.CC),
                SortCriterion(SortKey.DATE),
                SortCriterion(SortKey.FROM),
                SortCriterion(SortKey.SIZE),
                SortCriterion(SortKey.TO),
                SortCriterion(SortKey.DISPLAYFROM),
                SortCriterion(SortKey.DISPLAYTO, True),
            ),
            "US-ASCII",
            And((Flag("\\Seen", False), DateCompare(DateField.INTERNAL, DateOp.SINCE, DAY))),
        ),
    ),
    (
        b"t1 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000",
        Thread(
            "t1",
            False,
            ThreadAlgorithm.ORDEREDSUBJECT,
            "UTF-8",
            DateCompare(DateField.INTERNAL, DateOp.SINCE, dt.date(2000, 3, 5)),
        ),
    ),
    (
        b't2 UID THREAD REFERENCES US-ASCII TEXT "gewp" DELETED',
        Thread(
            "t2",
            True,
            ThreadAlgorithm.REFERENCES,
            "US-ASCII",
            And((TextContains("gewp"), Flag("\\Deleted"))),
        ),
    ),
]
