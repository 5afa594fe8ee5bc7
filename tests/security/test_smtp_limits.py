"""SMTP limits and bad bytes: over-long lines and commands (RFC 5321 §4.5.3.1), NUL and
control characters in commands, HELO and addresses, huge SIZE (RFC 1870), too many recipients.

Each row is exact bytes in and the exact reply out, in one session that must survive all of
them; afterwards another client is served normally.
"""

from __future__ import annotations

import pytest

from tests.security.smtp_helpers import HEADER, inbox, queued, session, still_serves

TOO_LONG = "500 5.5.2 Command line too long"
UNKNOWN = '500 5.5.1 command "{}" not recognized'

#: Command bytes (without CRLF) -> exact reply, sent in one session after EHLO.
COMMANDS: dict[bytes, str] = {
    # RFC 5321 §4.5.3.1.4: 512 octets including CRLF
    b"NOOP " + b"x" * 505: "250 2.0.0 OK",
    b"NOOP " + b"x" * 506: TOO_LONG,
    b"NOOP " + b"x" * 100_000: TOO_LONG,
    b"EHLO " + b"h" * 600: TOO_LONG,
    b"RCPT TO:<" + b"a" * 600 + b"@example.org>": TOO_LONG,
    # NUL and control characters
    b"NO\x00OP": UNKNOWN.format("NO\x00OP"),
    b"\x00": UNKNOWN.format("\x00"),
    b"NOOP\x00": UNKNOWN.format("NOOP\x00"),
    b"NOOP\rRSET": UNKNOWN.format("NOOP\rRSET"),
    b"\x1b[31mNOOP": UNKNOWN.format("\x1b[31MNOOP"),
    b"\xff\xfe": "500 5.5.2 bad syntax",
    b"": "500 5.5.2 bad syntax",
    b"   ": UNKNOWN.format(""),
    b"MAIL FROM:<a\x00b@example.com>": "553 5.1.7 Bad sender address syntax",
    b"MAIL FROM:<alice@exa\x00mple.com>": "553 5.1.7 Bad sender address syntax",
    b"MAIL FROM:<alice@example.com\x1b>": "553 5.1.7 Bad sender address syntax",
    b"MAIL FROM:<ali\rce@example.com>": "553 5.1.7 Bad sender address syntax",
    # SIZE (RFC 1870 §6): over the limit, absurd, malformed
    b"MAIL FROM:<alice@example.com> SIZE=52428801": (
        "552 5.3.4 message size exceeds fixed maximum message size"
    ),
    b"MAIL FROM:<alice@example.com> SIZE=" + b"9" * 400: (
        "552 5.3.4 message size exceeds fixed maximum message size"
    ),
    b"MAIL FROM:<alice@example.com> SIZE=-1": "501 5.5.4 Syntax: MAIL FROM: <address> [SP <mail-parameters>]",
    b"MAIL FROM:<alice@example.com> SIZE=1e9": "501 5.5.4 Syntax: MAIL FROM: <address> [SP <mail-parameters>]",
    b"MAIL FROM:<alice@example.com> SIZE=": "501 5.5.4 Syntax: MAIL FROM: <address> [SP <mail-parameters>]",
}


async def test_commands(smtp_service, ports, store, account):
    """Each row in a fresh session (aiosmtpd closes one after 5 unknown commands)."""
    got = {}
    for line in COMMANDS:
        t = await session(ports.smtp)
        try:
            got[line] = await t.command(line)
            assert await t.command("RSET") == "250 2.0.0 OK"  # the session goes on
        finally:
            await t.close()
    assert got == COMMANDS
    assert await inbox(store, account.id) == []
    await still_serves(ports.smtp)


async def test_unknown_commands_end_the_session(smtp_service, ports):
    t = await session(ports.smtp)
    try:
        for line in [b"\x00", b"NO\x00OP", b"\x1b", b"X\rY"]:
            assert (await t.command(line)).startswith("500 5.5.1 command")
        assert await t.command(b"\x7f") == "502 5.5.1 Too many unrecognized commands, goodbye."
        assert await t.at_eof()
    finally:
        await t.close()
    await still_serves(ports.smtp)


HELO_SYNTAX = "501 5.5.4 Syntax: {} hostname"
HELOS = {
    b"EHLO a\x00b.example": HELO_SYNTAX.format("EHLO"),
    b"EHLO a\rb.example": HELO_SYNTAX.format("EHLO"),
    b"EHLO a\x1bb.example": HELO_SYNTAX.format("EHLO"),
    b"HELO \xff\xfe": HELO_SYNTAX.format("HELO"),
    b"EHLO": HELO_SYNTAX.format("EHLO"),
    b"EHLO (comment); Received: from forged": "250 ",
    b"EHLO x.example\tby evil.example; id 1": HELO_SYNTAX.format("EHLO"),
    b"EHLO [127.0.0.1]": "250 ",
}


@pytest.mark.parametrize("helo", HELOS, ids=range(len(HELOS)))
async def test_hostile_helo_cannot_forge_trace_fields(smtp_service, ports, store, account, helo):
    """Whatever the HELO name holds, the Received field we write keeps to safe characters."""
    t = await session(ports.smtp)
    try:
        assert (await t.command(helo)).startswith(HELOS[helo])
        if not HELOS[helo].startswith("250"):
            assert (await t.command("EHLO client.example.net")).startswith("250 ")
        assert await t.command("MAIL FROM:<alice@example.com>") == "250 2.1.0 Sender OK"
        assert await t.command("RCPT TO:<bob@example.org>") == "250 2.1.5 Recipient OK"
        assert (await t.command("DATA")).startswith("354")
        await t.send(HEADER + b"\r\n.\r\n")
        assert (await t.reply())[-1].startswith("250 2.0.0")
    finally:
        await t.close()
    (raw,) = await inbox(store, account.id)
    trace = raw[: raw.index(b"From: alice@example.com")]
    assert trace.startswith(b"Received: from ")
    assert [line[:9] for line in trace.split(b"\r\n")[:-1]] == [
        b"Received:",
        b"\tby mx.ex",
        b"\tfor <bob",
    ]
    assert trace.count(b"\r") == trace.count(b"\n") == trace.count(b"\r\n")
    assert all(32 <= c < 127 or c in b"\r\n\t" for c in trace)
    assert trace.count(b";") == 1


@pytest.mark.parametrize("smtp_settings", [{"max_recipients": 5}], indirect=True)
async def test_too_many_recipients(smtp_service, ports, store, account):
    """RFC 5321 §4.5.3.1.10: past the limit 452 4.5.3; the accepted ones still get the mail."""
    t = await session(ports.smtp)
    try:
        assert await t.command("MAIL FROM:<alice@example.com>") == "250 2.1.0 Sender OK"
        await t.send(b"RCPT TO:<bob@example.org>\r\n" * 200)
        replies = await t.replies(200)
        assert replies == ["250 2.1.5 Recipient OK"] * 5 + ["452 4.5.3 Too many recipients"] * 195
        assert (await t.command("DATA")).startswith("354")
        await t.send(HEADER + b"\r\n.\r\n")
        assert (await t.reply())[-1].startswith("250 2.0.0")
    finally:
        await t.close()
    assert len(await inbox(store, account.id)) == 1
    assert await queued(store) == []


async def test_endless_command_line(smtp_service, ports):
    """8 MB without a line end: one 500 once it ends, the session goes on."""
    t = await session(ports.smtp)
    try:
        chunk = b"x" * (1 << 20)
        for _ in range(8):
            await t.send(chunk)
        await t.send(b"\r\n")
        assert (await t.reply())[-1] == TOO_LONG
        assert await t.command("NOOP") == "250 2.0.0 OK"
    finally:
        await t.close()
    await still_serves(ports.smtp)
