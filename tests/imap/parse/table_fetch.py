"""FETCH lines: every item, macro, section form, partial and modifier."""

from __future__ import annotations

from servers.imap.parse import (
    BinarySize,
    BodySection,
    Command,
    Fetch,
    FetchAttr,
    SavedResult,
    SectionSpec,
    SectionText,
)

from .helpers import ss

A = FetchAttr
FAST = (A.FLAGS, A.INTERNALDATE, A.RFC822_SIZE)
ALL = (*FAST, A.ENVELOPE)


def body(
    part: tuple[int, ...] = (),
    text: SectionText | None = None,
    fields: tuple[str, ...] = (),
    *,
    peek: bool = False,
    partial: tuple[int, int] | None = None,
) -> BodySection:
    return BodySection(peek, SectionSpec(part, text, fields), partial)


def binary(
    part: tuple[int, ...] = (), *, peek: bool = False, partial: tuple[int, int] | None = None
) -> BodySection:
    return BodySection(peek, SectionSpec(part), partial, binary=True)


def fetch(
    tag: str, *items: object, seq: object = None, uid: bool = False, **modifiers: object
) -> Fetch:
    return Fetch(tag, uid, seq or ss(1), tuple(items), **modifiers)  # type: ignore[arg-type]


FETCH: list[tuple[bytes, Command]] = [
    # macros, expanded
    (b"m1 FETCH 1 ALL", fetch("m1", *ALL)),
    (b"m2 FETCH 1 fast", fetch("m2", *FAST)),
    (b"m3 FETCH 1 FULL", fetch("m3", *ALL, A.BODY)),
    # every simple item
    *[(f"m4 FETCH 1 {attr.value}".encode(), fetch("m4", attr)) for attr in FetchAttr],
    (b"m5 FETCH 1 (uid rfc822.size Flags)", fetch("m5", A.UID, A.RFC822_SIZE, A.FLAGS)),
    # sequence-set forms
    (b"m6 FETCH 2:4 UID", fetch("m6", A.UID, seq=ss((2, 4)))),
    (b"m7 FETCH 4:2 UID", fetch("m7", A.UID, seq=ss((4, 2)))),
    (b"m8 FETCH * UID", fetch("m8", A.UID, seq=ss(None))),
    (b"m9 FETCH 1:*,3,5:7,*:9 UID", fetch("m9", A.UID, seq=ss((1, None), 3, (5, 7), (None, 9)))),
    (b"n1 FETCH $ UID", fetch("n1", A.UID, seq=SavedResult())),
    (b"n2 FETCH 4294967295 UID", fetch("n2", A.UID, seq=ss(4294967295))),
    # BODY[section] forms
    (b"n3 FETCH 1 BODY[]", fetch("n3", body())),
    (b"n4 FETCH 1 BODY.PEEK[]", fetch("n4", body(peek=True))),
    (b"n5 FETCH 1 BODY[HEADER]", fetch("n5", body(text=SectionText.HEADER))),
    (b"n6 FETCH 1 BODY[TEXT]", fetch("n6", body(text=SectionText.TEXT))),
    (
        b"n7 FETCH 1 BODY.PEEK[HEADER.FIELDS (From To Subject)]",
        fetch(
            "n7", body(text=SectionText.HEADER_FIELDS, fields=("From", "To", "Subject"), peek=True)
        ),
    ),
    (
        b'n8 FETCH 1 body[header.fields.not (x-spam "X-Odd" {5}\r\nX-Lit)]',
        fetch("n8", body(text=SectionText.HEADER_FIELDS_NOT, fields=("x-spam", "X-Odd", "X-Lit"))),
    ),
    (b"n9 FETCH 1 BODY[1]", fetch("n9", body((1,)))),
    (b"o1 FETCH 1 BODY[1.2.3]", fetch("o1", body((1, 2, 3)))),
    (b"o2 FETCH 1 BODY[1.2.3.HEADER]", fetch("o2", body((1, 2, 3), SectionText.HEADER))),
    (b"o3 FETCH 1 BODY[2.MIME]", fetch("o3", body((2,), SectionText.MIME))),
    (b"o4 FETCH 1 BODY[3.TEXT]", fetch("o4", body((3,), SectionText.TEXT))),
    (
        b"o5 FETCH 1 BODY[4.2.HEADER.FIELDS (Date)]",
        fetch("o5", body((4, 2), SectionText.HEADER_FIELDS, ("Date",))),
    ),
    (b"o6 FETCH 1 BODY[]<0.2048>", fetch("o6", body(partial=(0, 2048)))),
    (
        b"o7 FETCH 1 BODY.PEEK[1.TEXT]<100.9223372036854775807>",
        fetch("o7", body((1,), SectionText.TEXT, peek=True, partial=(100, 2**63 - 1))),
    ),
    # BINARY (RFC 3516)
    (b"o8 FETCH 1 BINARY[]", fetch("o8", binary())),
    (b"o9 FETCH 1 BINARY.PEEK[1.2]<0.10>", fetch("o9", binary((1, 2), peek=True, partial=(0, 10)))),
    (b"p1 FETCH 1 BINARY.SIZE[1]", fetch("p1", BinarySize((1,)))),
    (b"p2 FETCH 1 BINARY.SIZE[]", fetch("p2", BinarySize(()))),
    # everything at once, and the CONDSTORE/QRESYNC modifiers
    (
        b"p3 UID FETCH 1:* (FLAGS BODY[HEADER] MODSEQ) (CHANGEDSINCE 12345)",
        fetch(
            "p3",
            A.FLAGS,
            body(text=SectionText.HEADER),
            A.MODSEQ,
            seq=ss((1, None)),
            uid=True,
            changedsince=12345,
        ),
    ),
    (
        b"p4 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)",
        fetch("p4", A.FLAGS, seq=ss((300, 500)), uid=True, changedsince=12345, vanished=True),
    ),
    (
        b"p5 UID FETCH 1 FLAGS (VANISHED CHANGEDSINCE 9223372036854775807)",
        fetch("p5", A.FLAGS, uid=True, changedsince=2**63 - 1, vanished=True),
    ),
    (
        b"p6 FETCH 1:2 (ENVELOPE BODYSTRUCTURE BODY INTERNALDATE RFC822 RFC822.HEADER RFC822.TEXT SAVEDATE)",
        fetch(
            "p6",
            A.ENVELOPE,
            A.BODYSTRUCTURE,
            A.BODY,
            A.INTERNALDATE,
            A.RFC822,
            A.RFC822_HEADER,
            A.RFC822_TEXT,
            A.SAVEDATE,
            seq=ss((1, 2)),
        ),
    ),
]
