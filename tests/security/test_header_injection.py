"""Header injection through encoded words (RFC 2047) and RFC 2231 parameters when we decode
and re-serialise: IMAP ENVELOPE/BODYSTRUCTURE, our Received and Authentication-Results lines,
DSN bounces (mailstore/outbound/dsn.py) and DKIM signing (mailstore/outbound/signing.py).

An encoded word that decodes to CRLF + "Bcc: x" must never become a header field of ours, nor
break the IMAP response framing (a CR or LF in a string goes out as a literal, RFC 9051 §4.3).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from mailstore.outbound.dsn import ReportRecipient, build_report
from mailstore.outbound.results import Reply
from mailstore.outbound.signing import Signer, SigningKey, generate_key
from tests.security.smtp_helpers import session
from tests.smtp.helpers import stored

#: "x" CR LF "Bcc: evil@example.net" CR LF "X-Injected: 1", in every encoding we decode.
Q_WORD = "=?utf-8?q?x=0D=0ABcc:_evil@example.net=0D=0AX-Injected:_1?="
B_WORD = "=?utf-8?b?eA0KQmNjOiBldmlsQGV4YW1wbGUubmV0DQpYLUluamVjdGVkOiAx?="
PERCENT = "utf-8''x%0D%0ABcc:%20evil@example.net%0D%0AX-Injected:%201"

HOSTILE = (
    f"From: {Q_WORD} <alice@example.com>\r\n"
    f"To: {B_WORD} <bob@example.org>\r\n"
    f"Subject: {Q_WORD} {B_WORD}\r\n"
    f"Message-ID: <{Q_WORD}@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="b"\r\n'
    "\r\n--b\r\n"
    f"Content-Type: text/plain; name*={PERCENT}\r\n"
    f"Content-Disposition: attachment; filename*={PERCENT}\r\n"
    f"Content-Description: {B_WORD}\r\n"
    "\r\nhello\r\n--b--\r\n"
).encode()


def field_names(raw: bytes) -> list[bytes]:
    """Top-level field names in order (continuation lines belong to their field)."""
    head = raw[: raw.index(b"\r\n\r\n") + 2]
    return [
        line.split(b":", 1)[0].lower()
        for line in head.split(b"\r\n")
        if line and line[:1] not in (b" ", b"\t")
    ]


ORIGINAL_FIELDS = [b"from", b"to", b"subject", b"message-id", b"mime-version", b"content-type"]


async def test_delivered_and_fetched_without_injection(smtp_service, ports, imap, store, account):
    t = await session(ports.smtp)
    try:
        assert (await t.command("MAIL FROM:<alice@example.com>")).startswith("250")
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("250")
        assert (await t.command("DATA")).startswith("354")
        await t.send(HOSTILE + b".\r\n")
        assert (await t.reply())[-1].startswith("250 2.0.0")
    finally:
        await t.close()
    (raw,) = await stored(store, account.id)
    # our trace fields, then the client's, and nothing that was not there
    assert field_names(raw) == [b"received", *ORIGINAL_FIELDS]
    assert raw.endswith(HOSTILE)

    def scenario() -> None:
        for utf8 in (False, True):
            c = imap.transcript(login=True)
            if utf8:
                c.ok("ENABLE UTF8=ACCEPT")
            c.ok("EXAMINE INBOX")
            for items in ("ENVELOPE", "BODYSTRUCTURE", "BODY", "BINARY.SIZE[1]"):
                lines = c.command(f"FETCH 1 {items}")
                # one FETCH response (its literals spliced in), then the tagged OK: a decoded
                # CR LF went out inside a literal, never as a line of its own
                assert len(lines) == 2 and lines[-1].split(b" ")[1] == b"OK", lines
                assert lines[0].startswith(b"* 1 FETCH (")
            lines = c.command("SEARCH HEADER BCC evil")
            assert lines[0] == b"* SEARCH" and lines[-1].split(b" ")[1] == b"OK"
            c.close()

    await asyncio.to_thread(scenario)


def test_dsn_keeps_its_own_header():
    """The bounce's fields are ours; the hostile original only ever appears as the attachment."""
    report = build_report(
        reporting_mta="mx.example.org",
        sender="alice@example.com",
        action="failed",
        recipients=[
            ReportRecipient(
                "carol@example.net",
                # as the SMTP client builds it from a (multi-line) remote reply
                Reply.from_smtp(550, f"5.1.1 no such user {Q_WORD}\r\nBcc: evil@example.net"),
                remote_host="mx.example.net [192.0.2.1]",
                original=f"rfc822;{Q_WORD}\r\nBcc: x@example.net",
            )
        ],
        original=HOSTILE,
        arrival=datetime(2024, 1, 1, tzinfo=UTC),
        now=datetime(2024, 1, 1, 1, tzinfo=UTC),
        envid=f"{B_WORD}\r\nBcc: y@example.net",
    )
    assert field_names(report) == [
        b"from",
        b"to",
        b"subject",
        b"date",
        b"message-id",
        b"auto-submitted",
        b"mime-version",
        b"content-type",
    ]
    assert report.count(b"\r\nBcc:") == 0  # every field and reply text stays on its line
    assert HOSTILE in report  # returned whole, as message/rfc822


def test_dkim_signing_adds_exactly_one_field(tmp_path: Path):
    key = SigningKey("example.com", "sel", tmp_path / "k.pem", generate_key("ed25519"))
    raw = b"From: alice@example.com\r\n" + HOSTILE.split(b"\r\n", 1)[1]
    signed = Signer([key]).sign(raw)
    assert signed.endswith(raw) and len(signed) > len(raw)
    added = signed[: -len(raw)]
    assert field_names(added + b"\r\n") == [b"dkim-signature"]
    assert added.endswith(b"\r\n") and added.count(b"\r\n") == added.count(b"\n")
