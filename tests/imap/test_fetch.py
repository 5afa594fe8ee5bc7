"""FETCH: every item, body sections, partial fetches, BINARY, implicit \\Seen, BODYSTRUCTURE."""

from __future__ import annotations

import asyncio
import email
import email.policy
from email.message import EmailMessage

from imapclient.response_types import BodyData

from tests.imap.helpers import deliver, make_message, status_of

SIMPLE = make_message("Simple", "Line one\r\nLine two\r\n", extra="X-Tag: a\r\n  folded\r\n")


def nested_message(pdf: bytes = b"%PDF-1.4 binary \x01\x02") -> bytes:
    """multipart/mixed: (multipart/alternative: text, html), a PDF, a forwarded message that
    is itself multipart/mixed (text, png)."""
    inner = EmailMessage()
    inner["From"] = "carol@example.net"
    inner["Subject"] = "Inner"
    inner.set_content("inner text\n")
    inner.add_attachment(
        b"\x89PNG\r\n\x1a\n" + bytes(range(1, 256)),
        maintype="image",
        subtype="png",
        filename="p.png",
    )
    outer = EmailMessage()
    outer["From"] = "Alice <alice@example.com>"
    outer["To"] = "bob@example.org"
    outer["Subject"] = "Nested"
    outer["Date"] = "Tue, 03 Jan 2023 11:00:00 +0000"
    outer.set_content("plain body\n")
    outer.add_alternative("<p>html body</p>\n", subtype="html")
    outer.add_attachment(pdf, maintype="application", subtype="pdf", filename="a.pdf")
    outer.add_attachment(inner)
    return outer.as_bytes(policy=email.policy.SMTP)


def shape_of_email(part) -> tuple:
    """(type, subtype, children) as Python's email package sees the message."""
    if part.is_multipart() and part.get_content_type() != "message/rfc822":
        return (
            part.get_content_maintype(),
            part.get_content_subtype(),
            [shape_of_email(p) for p in part.get_payload()],
        )
    if part.get_content_type() == "message/rfc822":
        return ("message", "rfc822", [shape_of_email(part.get_payload()[0])])
    return (part.get_content_maintype(), part.get_content_subtype(), [])


def shape_of_bodystructure(bs) -> tuple:
    """The same shape from imapclient's parsed BODYSTRUCTURE."""
    bs = BodyData.create(bs)  # the body of a message/rfc822 part comes as a plain tuple
    if bs.is_multipart:
        return ("multipart", bs[1].decode().lower(), [shape_of_bodystructure(p) for p in bs[0]])
    kind, sub = bs[0].decode().lower(), bs[1].decode().lower()
    if (kind, sub) == ("message", "rfc822"):
        return (kind, sub, [shape_of_bodystructure(bs[8])])
    return (kind, sub, [])


async def test_fetch_every_simple_item(imap):
    await deliver(imap.store, imap.account, SIMPLE)

    def scenario():
        t = imap.transcript(login=True)
        t.ok("SELECT INBOX")
        enabled, line = t.ok(
            "FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE MODSEQ SAVEDATE)"
        )
        assert enabled.startswith(b"* OK [HIGHESTMODSEQ ")  # FETCH MODSEQ enabled CONDSTORE
        assert line.startswith(b'* 1 FETCH (UID 1 FLAGS (\\Recent) INTERNALDATE "')
        assert b"RFC822.SIZE %d" % len(SIMPLE) in line
        assert (
            b'ENVELOPE ("Mon, 02 Jan 2023 10:00:00 +0000" "Simple" (("Alice" NIL "alice" "example.com"))'
            in line
        )
        # RFC 3501 §7.4.2 example shape: type subtype params id desc enc size lines
        assert b'BODY ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 20 2)' in line
        assert (
            b'BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 20 2 NIL NIL NIL NIL)'
            in line
        )
        assert b"MODSEQ (" in line and b'SAVEDATE "' in line
        lines = t.ok("FETCH 1 FAST")
        assert lines[0].startswith(b"* 1 FETCH (FLAGS (\\Recent) INTERNALDATE")
        assert b"ENVELOPE" in t.ok("FETCH 1 ALL")[0] and b"BODY (" in t.ok("FETCH 1 FULL")[0]

    await asyncio.to_thread(scenario)


async def test_body_sections_and_rfc822_items(imap):
    await deliver(imap.store, imap.account, SIMPLE)
    header, _, text = SIMPLE.partition(b"\r\n\r\n")

    def scenario():
        c = imap.imapclient()
        c.select_folder("INBOX")
        data = c.fetch(
            [1],
            [
                "BODY.PEEK[]",
                "BODY.PEEK[HEADER]",
                "BODY.PEEK[TEXT]",
                "BODY.PEEK[1]",
                "BODY.PEEK[HEADER.FIELDS (SUBJECT x-tag)]",
                "BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT X-TAG DATE)]",
                "RFC822.HEADER",
                "BODY.PEEK[1.MIME]",
                "BODY.PEEK[2]",
                "BODY.PEEK[1.HEADER]",
            ],
        )[1]
        assert data[b"BODY[]"] == SIMPLE
        assert data[b"BODY[HEADER]"] == header + b"\r\n\r\n"
        assert data[b"BODY[TEXT]"] == text and data[b"BODY[1]"] == text
        assert (
            data[b"BODY[HEADER.FIELDS (SUBJECT X-TAG)]"]
            == b"Subject: Simple\r\nX-Tag: a\r\n  folded\r\n\r\n"
        )
        assert data[b"BODY[HEADER.FIELDS.NOT (SUBJECT X-TAG DATE)]"] == (
            b"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\n\r\n"
        )
        assert data[b"RFC822.HEADER"] == header + b"\r\n\r\n"
        assert data[b"BODY[2]"] is None and data[b"BODY[1.HEADER]"] is None
        assert b"\\Seen" not in c.get_flags([1])[1]  # all PEEK, RFC822.HEADER
        data = c.fetch([1], ["RFC822.TEXT"])[1]
        assert data[b"RFC822.TEXT"] == text and b"\\Seen" in data[b"FLAGS"]

    await asyncio.to_thread(scenario)


async def test_partial_fetches(imap):
    await deliver(imap.store, imap.account, SIMPLE)

    def scenario():
        t = imap.transcript(login=True)
        t.ok("SELECT INBOX")
        (line,) = t.ok("FETCH 1 (BODY.PEEK[]<0.4> BODY.PEEK[TEXT]<5.3> BODY.PEEK[]<100000.10>)")
        assert b"BODY[]<0> {4}\r\nFrom" in line
        assert b"BODY[TEXT]<5> {3}\r\none" in line
        assert b"BODY[]<100000> {0}\r\n" in line
        (line,) = t.ok("UID FETCH 1 (BINARY.PEEK[1]<0.4>)")
        assert line == b"* 1 FETCH (UID 1 BINARY[1]<0> {4}\r\nLine)"

    await asyncio.to_thread(scenario)


async def test_implicit_seen_is_reported(imap):
    await deliver(imap.store, imap.account, SIMPLE)
    await deliver(imap.store, imap.account, SIMPLE, flags=["\\Seen"])

    def scenario():
        t = imap.transcript(login=True)
        t.ok("ENABLE CONDSTORE")
        t.ok("SELECT INBOX")
        lines = t.ok("FETCH 1:2 (BODY[HEADER.FIELDS (SUBJECT)])")
        assert b"FLAGS (\\Seen \\Recent) MODSEQ (" in lines[0]  # changed: reported
        assert b"FLAGS" not in lines[1]  # already \Seen: nothing new to say
        assert t.ok("NOOP") == []  # and not reported again
        c = imap.login()
        c.select("INBOX")
        _, data = c.fetch("1", "(RFC822)")
        assert data[0][1] == SIMPLE

    await asyncio.to_thread(scenario)


async def test_nested_bodystructure_matches_the_email_package(imap):
    raw = nested_message()
    await deliver(imap.store, imap.account, raw)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)

    def scenario():
        c = imap.imapclient()
        c.select_folder("INBOX", readonly=True)
        data = c.fetch(
            [1],
            [
                "BODYSTRUCTURE",
                "BODY",
                "BODY.PEEK[1.2]",
                "BODY.PEEK[3]",
                "BODY.PEEK[3.HEADER]",
                "BODY.PEEK[3.2]",
                "BODY.PEEK[3.2.MIME]",
                "BINARY.PEEK[3.2]",
                "BINARY.SIZE[3.2]",
                "BODY.PEEK[3.TEXT]",
                "BINARY.PEEK[2]",
            ],
        )[1]
        assert shape_of_bodystructure(data[b"BODYSTRUCTURE"]) == shape_of_email(parsed)
        assert shape_of_bodystructure(data[b"BODY"]) == shape_of_email(parsed)
        mixed = parsed.get_payload()
        alternative, pdf, forwarded = mixed
        html = alternative.get_payload()[1]
        assert data[b"BODY[1.2]"] == html.get_payload(decode=False).encode()
        inner = forwarded.get_payload()[0]
        assert data[b"BODY[3.HEADER]"].startswith(b"From: carol@example.net")
        png = inner.get_payload()[1]
        assert data[b"BINARY[3.2]"] == png.get_payload(decode=True)
        assert data[b"BINARY.SIZE[3.2]"] == len(png.get_payload(decode=True))
        assert data[b"BODY[3.2.MIME]"].startswith(b"Content-Type: image/png")
        assert data[b"BINARY[2]"] == pdf.get_payload(decode=True)
        assert email.message_from_bytes(data[b"BODY[3]"]).get("Subject") == "Inner"
        assert b"inner text" in data[b"BODY[3.TEXT]"]

    await asyncio.to_thread(scenario)


async def test_binary_with_nul_is_a_literal8(imap):
    await deliver(imap.store, imap.account, nested_message(b"with\x00nul"))

    def scenario():
        t = imap.transcript(login=True)
        t.ok("EXAMINE INBOX")
        (line,) = t.ok("FETCH 1 (BINARY.PEEK[2])")
        assert line == b"* 1 FETCH (BINARY[2] ~{8}\r\nwith\x00nul)"  # RFC 3516 §4.2
        assert status_of(t.command("FETCH 1 (BINARY.PEEK[9])")) == b"OK"

    await asyncio.to_thread(scenario)


async def test_fetch_sequence_sets(imap):
    for i in range(5):
        await deliver(imap.store, imap.account, make_message(f"m{i}"))

    def scenario():
        t = imap.transcript(login=True)
        t.ok("SELECT INBOX")
        assert [line.split(b" ")[1] for line in t.ok("FETCH 4:* UID")] == [b"4", b"5"]
        assert [line.split(b" ")[1] for line in t.ok("FETCH 5:3,1 UID")] == [b"1", b"3", b"4", b"5"]
        assert t.ok("UID FETCH 9:* UID") == [b"* 5 FETCH (UID 5)"]  # RFC 9051 §6.4.9
        assert t.ok("UID FETCH 7:8 UID") == []
        assert status_of(t.command("FETCH 6 UID")) == b"BAD"
        assert t.ok("SEARCH RETURN (SAVE) 2:3") == []
        assert [line.split(b" ")[1] for line in t.ok("FETCH $ UID")] == [b"2", b"3"]

    await asyncio.to_thread(scenario)


async def test_fetch_in_utf8_mode_quotes_utf8(imap):
    raw = make_message("Grüße")  # 8-bit header (RFC 6532)
    await deliver(imap.store, imap.account, raw)

    def scenario():
        t = imap.transcript(login=True)
        t.ok("EXAMINE INBOX")
        assert b'"Gr' not in t.ok("FETCH 1 ENVELOPE")[0]  # 8-bit: a literal in IMAP4rev1
        t.ok("UNSELECT")
        t.ok("ENABLE UTF8=ACCEPT")
        t.ok("EXAMINE INBOX")
        assert '"Grüße"'.encode() in t.ok("FETCH 1 ENVELOPE")[0]

    await asyncio.to_thread(scenario)
