"""Wire lines and the dataclass each parses into: all commands but FETCH and SEARCH.

A line may hold literals (``{n}`` CRLF data); the final CRLF is added by the test.
"""

from __future__ import annotations

import datetime as dt

from servers.imap.parse import (
    Append,
    AppendMessage,
    Authenticate,
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
    GetQuota,
    GetQuotaRoot,
    Id,
    Idle,
    List,
    ListReturn,
    ListSelect,
    Login,
    Logout,
    Lsub,
    MailboxStatus,
    Move,
    Namespace,
    Noop,
    QResync,
    Rename,
    SavedResult,
    Select,
    SetQuota,
    StartTls,
    StatusItem,
    Store,
    StoreAction,
    Subscribe,
    Unselect,
    Unsubscribe,
)

from .helpers import ss

CET = dt.timezone(dt.timedelta(hours=1))
PST = dt.timezone(-dt.timedelta(hours=8))
UTC = dt.UTC

ANY_STATE: list[tuple[bytes, Command]] = [
    (b"a1 CAPABILITY", Capability("a1")),
    (b"a2 capability", Capability("a2")),
    (b"a3 NOOP", Noop("a3")),
    (b"a4 LOGOUT", Logout("a4")),
    (b"a5 ID NIL", Id("a5", None)),
    (b"a6 ID ()", Id("a6", ())),
    (
        b'a7 ID ("name" "sodr" "version" "19.34" "vendor" NIL)',
        Id("a7", (("name", "sodr"), ("version", "19.34"), ("vendor", None))),
    ),
    (b'a8 ID ({4}\r\nname "x")', Id("a8", (("name", "x"),))),
    (b"a9 ENABLE CONDSTORE", Enable("a9", ("CONDSTORE",))),
    (b"b1 ENABLE qresync utf8=accept", Enable("b1", ("QRESYNC", "UTF8=ACCEPT"))),
    (b"]tag] NOOP", Noop("]tag]")),  # "]" is an ASTRING-CHAR, so it may appear in tags
]

AUTH: list[tuple[bytes, Command]] = [
    (b"c1 STARTTLS", StartTls("c1")),
    (b"c2 AUTHENTICATE PLAIN", Authenticate("c2", "PLAIN")),
    (b"c3 authenticate plain AHVzZXIAcGFzcw==", Authenticate("c3", "PLAIN", b"\0user\0pass")),
    (b"c4 AUTHENTICATE EXTERNAL =", Authenticate("c4", "EXTERNAL", b"")),
    (b"c5 AUTHENTICATE SCRAM-SHA-256", Authenticate("c5", "SCRAM-SHA-256")),
    (b"c6 LOGIN alice secret", Login("c6", "alice", "secret")),
    (b'c7 LOGIN "alice@example.org" "p a\\"s\\\\s"', Login("c7", "alice@example.org", 'p a"s\\s')),
    (b"c8 LOGIN {5}\r\nalice {3+}\r\np\xc3\xa4", Login("c8", "alice", "pä")),
    (b'c9 LOGIN "" ""', Login("c9", "", "")),
    (b"d1 COMPRESS DEFLATE", Compress("d1", "DEFLATE")),
    (b"d2 compress deflate", Compress("d2", "DEFLATE")),
]

MAILBOX: list[tuple[bytes, Command]] = [
    (b"e1 SELECT INBOX", Select("e1", "INBOX")),
    (b"e2 select inbox", Select("e2", "INBOX")),
    (b'e3 SELECT "Sent Items"', Select("e3", "Sent Items")),
    (b"e4 EXAMINE Archive/2024", Select("e4", "Archive/2024", readonly=True)),
    (b"e5 SELECT INBOX (CONDSTORE)", Select("e5", "INBOX", condstore=True)),
    (
        b"e6 SELECT INBOX (QRESYNC (67890007 20050715194045000))",
        Select("e6", "INBOX", qresync=QResync(67890007, 20050715194045000)),
    ),
    (
        b"e7 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541))",
        Select(
            "e7", "INBOX", qresync=QResync(67890007, 90060115194045000, ss((41, 211), (214, 541)))
        ),
    ),
    (
        b"e8 EXAMINE INBOX (QRESYNC (1 2 1:100 (1,5:7 10,50:52)) CONDSTORE)",
        Select(
            "e8",
            "INBOX",
            readonly=True,
            condstore=True,
            qresync=QResync(1, 2, ss((1, 100)), (ss(1, (5, 7)), ss(10, (50, 52)))),
        ),
    ),
    (
        b"e9 SELECT INBOX (QRESYNC (1 2 (1 10)))",
        Select("e9", "INBOX", qresync=QResync(1, 2, None, (ss(1), ss(10)))),
    ),
    (b"f1 CREATE Drafts", Create("f1", "Drafts")),
    (b"f2 CREATE Sent (USE (\\Sent))", Create("f2", "Sent", ("\\Sent",))),
    (
        b"f3 CREATE Mix (USE (\\junk \\Archive \\X-Custom))",
        Create("f3", "Mix", ("\\Junk", "\\Archive", "\\X-Custom")),
    ),
    (b"f4 CREATE Empty (USE ())", Create("f4", "Empty")),
    (b"f5 CREATE &ZeVnLIqe-", Create("f5", "日本語")),
    (b"f6 CREATE Entw&APw-rfe", Create("f6", "Entwürfe")),
    (b"f7 CREATE A&-B", Create("f7", "A&B")),
    (b"f8 DELETE Trash/old", Delete("f8", "Trash/old")),
    (b"f9 RENAME Old New", Rename("f9", "Old", "New")),
    (b'g1 RENAME "a b" {3}\r\nc d', Rename("g1", "a b", "c d")),
    (b"g2 SUBSCRIBE News", Subscribe("g2", "News")),
    (b"g3 UNSUBSCRIBE News", Unsubscribe("g3", "News")),
    (b'g4 LIST "" *', List("g4", "", ("*",))),
    (b'g5 LIST "" %', List("g5", "", ("%",))),
    (b"g6 LIST ~/Mail/ foo/%/bar*", List("g6", "~/Mail/", ("foo/%/bar*",))),
    (b'g7 LIST "" ""', List("g7", "", ("",))),
    (b'g8 LIST "" inbox', List("g8", "", ("inbox",))),
    (b'g9 LIST "" ("INBOX" "Drafts" Sent*)', List("g9", "", ("INBOX", "Drafts", "Sent*"))),
    (
        b'h1 LIST (SUBSCRIBED RECURSIVEMATCH) "" "*"',
        List("h1", "", ("*",), frozenset({ListSelect.SUBSCRIBED, ListSelect.RECURSIVEMATCH})),
    ),
    (b'h2 LIST (REMOTE) "" %', List("h2", "", ("%",), frozenset({ListSelect.REMOTE}))),
    (b'h3 LIST (SPECIAL-USE) "" *', List("h3", "", ("*",), frozenset({ListSelect.SPECIAL_USE}))),
    (b'h4 LIST () "" %', List("h4", "", ("%",))),
    (
        b'h5 LIST "" % RETURN (CHILDREN SUBSCRIBED SPECIAL-USE)',
        List("h5", "", ("%",), returns=frozenset(ListReturn)),
    ),
    (
        b'h6 LIST "" % RETURN (STATUS (MESSAGES UNSEEN))',
        List("h6", "", ("%",), return_status=(StatusItem.MESSAGES, StatusItem.UNSEEN)),
    ),
    (b'h7 LIST "" % RETURN ()', List("h7", "", ("%",))),
    (b'h8 LSUB "" *', Lsub("h8", "", "*")),
    (b"h9 LSUB #news. comp.mail.%", Lsub("h9", "#news.", "comp.mail.%")),
    (b"i1 NAMESPACE", Namespace("i1")),
    (
        b"i2 STATUS blurdybloop (UIDNEXT MESSAGES)",
        MailboxStatus("i2", "blurdybloop", (StatusItem.UIDNEXT, StatusItem.MESSAGES)),
    ),
    (
        b"i3 STATUS INBOX (messages uidnext uidvalidity unseen deleted size recent highestmodseq appendlimit)",
        MailboxStatus("i3", "INBOX", tuple(StatusItem)),
    ),
    (b'i4 GETQUOTA ""', GetQuota("i4", "")),
    (b"i5 GETQUOTA user.alice", GetQuota("i5", "user.alice")),
    (b"i6 GETQUOTAROOT INBOX", GetQuotaRoot("i6", "INBOX")),
    (b'i7 SETQUOTA "" (STORAGE 512)', SetQuota("i7", "", (("STORAGE", 512),))),
    (
        b'i8 SETQUOTA "" (storage 512 MESSAGE 9223372036854775807)',
        SetQuota("i8", "", (("STORAGE", 512), ("MESSAGE", 2**63 - 1))),
    ),
    (b'i9 SETQUOTA "" ()', SetQuota("i9", "", ())),
]

APPEND: list[tuple[bytes, Command]] = [
    (b"j1 APPEND INBOX {5}\r\nhello", Append("j1", "INBOX", (AppendMessage((), None, b"hello"),))),
    (b"j2 APPEND Drafts {0+}\r\n", Append("j2", "Drafts", (AppendMessage((), None, b""),))),
    (
        b"j3 APPEND saved-messages (\\Seen) {8}\r\nSubject:",
        Append("j3", "saved-messages", (AppendMessage(("\\Seen",), None, b"Subject:"),)),
    ),
    (
        b'j4 APPEND INBOX (\\seen \\Draft $Forwarded) " 7-Feb-1994 21:52:25 -0800" {2}\r\nhi',
        Append(
            "j4",
            "INBOX",
            (
                AppendMessage(
                    ("\\Seen", "\\Draft", "$Forwarded"),
                    dt.datetime(1994, 2, 7, 21, 52, 25, tzinfo=PST),
                    b"hi",
                ),
            ),
        ),
    ),
    (
        b'j5 APPEND INBOX "01-Jan-2024 00:00:00 +0000" {1+}\r\nx',
        Append("j5", "INBOX", (AppendMessage((), dt.datetime(2024, 1, 1, tzinfo=UTC), b"x"),)),
    ),
    (
        b"j6 APPEND INBOX () ~{3}\r\n\x00\xff\n",
        Append("j6", "INBOX", (AppendMessage((), None, b"\x00\xff\n", binary=True),)),
    ),
    (
        b'j7 APPEND INBOX (\\Seen) {1}\r\na "02-Mar-2020 10:00:00 +0100" {1+}\r\nb ~{1+}\r\nc',
        Append(
            "j7",
            "INBOX",
            (
                AppendMessage(("\\Seen",), None, b"a"),
                AppendMessage((), dt.datetime(2020, 3, 2, 10, tzinfo=CET), b"b"),
                AppendMessage((), None, b"c", binary=True),
            ),
        ),
    ),
]

SELECTED: list[tuple[bytes, Command]] = [
    (b"k1 CHECK", Check("k1")),
    (b"k2 CLOSE", Close("k2")),
    (b"k3 UNSELECT", Unselect("k3")),
    (b"k4 EXPUNGE", Expunge("k4", False)),
    (b"k5 UID EXPUNGE 3000:3002", Expunge("k5", True, ss((3000, 3002)))),
    (b"k6 uid expunge $", Expunge("k6", True, SavedResult())),
    (b"k7 IDLE", Idle("k7")),
    (b"k8 COPY 2:4 MEETING", Copy("k8", False, ss((2, 4)), "MEETING")),
    (b"k9 UID COPY 1:* Archive", Copy("k9", True, ss((1, None)), "Archive")),
    (b"l1 MOVE 1,3 Trash", Move("l1", False, ss(1, 3), "Trash")),
    (b"l2 UID MOVE $ inbox", Move("l2", True, SavedResult(), "INBOX")),
    (
        b"l3 STORE 2:4 +FLAGS (\\Deleted)",
        Store("l3", False, ss((2, 4)), StoreAction.ADD, ("\\Deleted",)),
    ),
    (
        b"l4 STORE 1 FLAGS.SILENT (\\Seen $Important)",
        Store("l4", False, ss(1), StoreAction.REPLACE, ("\\Seen", "$Important"), silent=True),
    ),
    (
        b"l5 STORE 1 -flags \\Seen \\Flagged",
        Store("l5", False, ss(1), StoreAction.REMOVE, ("\\Seen", "\\Flagged")),
    ),
    (b"l6 STORE * FLAGS ()", Store("l6", False, ss(None), StoreAction.REPLACE, ())),
    (
        b"l7 UID STORE 1:* (UNCHANGEDSINCE 12345) -FLAGS.SILENT (\\Answered)",
        Store("l7", True, ss((1, None)), StoreAction.REMOVE, ("\\Answered",), True, 12345),
    ),
    (
        b"l8 STORE 7 (UNCHANGEDSINCE 0) +FLAGS.SILENT \\X-Ext",
        Store("l8", False, ss(7), StoreAction.ADD, ("\\X-Ext",), True, 0),
    ),
]

ALL_COMMAND_TABLES = ANY_STATE + AUTH + MAILBOX + APPEND + SELECTED
