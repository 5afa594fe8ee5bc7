"""The MX listener end to end: smtplib and raw transcripts against a real server."""

from __future__ import annotations

import asyncio
import smtplib

import asyncpg
import pytest

from tests.smtp.helpers import Transcript, in_thread, message, smtp_client, split_trace, stored


async def test_delivers_to_inbox_after_commit(smtp_service, ports, store, account):
    raw = message()

    def send():
        with smtp_client(ports.smtp) as client:
            client.ehlo()
            return client.sendmail("alice@example.com", ["bob@example.org"], raw)

    assert await in_thread(send) == {}
    (body,) = await stored(store, account.id)
    trace, content = split_trace(body)
    assert content == raw
    assert trace.startswith(
        b"Received: from client.example.net ([127.0.0.1])\r\n\tby mx.example.org"
    )
    assert b"with ESMTP id " in trace
    assert b"for <bob@example.org>;" in trace


async def test_ehlo_advertises_extensions(smtp_service, ports):
    t = await Transcript.open(ports.smtp)
    try:
        assert t.greeting == ["220 mx.example.org ESMTP mailstore"]
        await t.send(b"EHLO client.example.net\r\n")
        lines = await t.reply()
        caps = [line[4:] for line in lines[1:]]
        assert lines[0] == "250-mx.example.org"
        assert caps[:5] == [
            "PIPELINING",
            f"SIZE {smtp_service.settings.message_size}",
            "8BITMIME",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
        ]
        assert "STARTTLS" in caps
        assert not any(c.startswith("AUTH") for c in caps)  # the MX never offers AUTH
    finally:
        await t.close()


async def test_unknown_user_refused_at_rcpt(smtp_service, ports):
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        assert (await t.command("MAIL FROM:<alice@example.com>")).startswith("250 2.1.0")
        assert (await t.command("RCPT TO:<nobody@example.org>")).startswith("550 5.1.1")
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("250 2.1.5")
    finally:
        await t.close()


@pytest.mark.parametrize(
    ("helo", "sender"),
    [
        ("client.example.net", "alice@example.com"),
        ("client.example.net", "bob@example.org"),  # a local sender
        ("mx.example.org", "bob@example.org"),  # HELO claims to be us
        ("[127.0.0.1]", "<>"),
    ],
)
async def test_never_an_open_relay(smtp_service, ports, helo, sender):
    t = await Transcript.open(ports.smtp)
    try:
        await t.command(f"EHLO {helo}")
        sender = sender if sender == "<>" else f"<{sender}>"
        assert (await t.command(f"MAIL FROM:{sender}")).startswith("250")
        for rcpt in (
            "victim@example.com",
            "victim@example.org.evil.test",
            '"victim@x"@example.com',
        ):
            assert (await t.command(f"RCPT TO:<{rcpt}>")).startswith(("554 5.7.1", "553 5.1.3"))
        assert (await t.command("DATA")).startswith("503 5.5.1")
    finally:
        await t.close()


async def test_relay_attempt_with_smtplib(smtp_service, ports):
    def send():
        with smtp_client(ports.smtp) as client:
            client.sendmail("bob@example.org", ["someone@example.com"], message())

    with pytest.raises(smtplib.SMTPRecipientsRefused) as exc:
        await in_thread(send)
    code, text = exc.value.recipients["someone@example.com"]
    assert code == 554 and text.startswith(b"5.7.1")


async def test_alias_and_subaddress_reach_the_account(smtp_service, ports, store, account):
    await store.directory.add_alias("info@example.org", ["bob@example.org"])

    def send():
        with smtp_client(ports.smtp) as client:
            client.sendmail(
                "alice@example.com", ["info@example.org", "bob+lists@example.org"], message()
            )

    await in_thread(send)
    assert len(await stored(store, account.id)) == 1  # one copy per account, not per RCPT


async def test_alias_forward_to_external_address_is_queued(smtp_service, ports, store, account):
    await store.directory.add_alias("team@example.org", ["bob@example.org", "carol@example.net"])

    def send():
        with smtp_client(ports.smtp) as client:
            client.sendmail("alice@example.com", ["team@example.org"], message())

    await in_thread(send)
    assert len(await stored(store, account.id)) == 1
    (queued,) = await store.queue.list()
    assert (queued.sender, [r.recipient for r in queued.recipients]) == (
        "alice@example.com",
        ["carol@example.net"],
    )


async def test_over_quota_at_rcpt(smtp_service, ports, store, account):
    await store.directory.set_quota("bob@example.org", 1000)
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        assert (await t.command("MAIL FROM:<alice@example.com> SIZE=5000")).startswith("250")
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("452 4.2.2")
    finally:
        await t.close()


async def test_over_quota_after_data(smtp_service, ports, store, account):
    await store.directory.set_quota("bob@example.org", 1000)
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        await t.command("MAIL FROM:<alice@example.com>")  # no SIZE: found out after DATA
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("250")
        assert (await t.command("DATA")).startswith("354")
        await t.send(message(body="x" * 900 + "\r\n" + "y" * 900 + "\r\n") + b".\r\n")
        assert (await t.reply())[-1].startswith("452 4.2.2")
    finally:
        await t.close()
    assert await stored(store, account.id) == []


@pytest.mark.parametrize("smtp_settings", [{"quota_permanent": True}], indirect=True)
async def test_over_quota_permanent_when_configured(smtp_service, ports, store, account):
    await store.directory.set_quota("bob@example.org", 10)
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        await t.command("MAIL FROM:<alice@example.com> SIZE=500")
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("552 5.2.2")
    finally:
        await t.close()


@pytest.mark.parametrize("smtp_settings", [{"message_size": 10_000}], indirect=True)
async def test_too_big_declared(smtp_service, ports):
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        assert (await t.command("MAIL FROM:<a@example.com> SIZE=20000")).startswith("552 5.3.4")
    finally:
        await t.close()


@pytest.mark.parametrize("smtp_settings", [{"message_size": 10_000}], indirect=True)
async def test_too_big_streamed_then_session_goes_on(smtp_service, ports, store, account):
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        await t.command("MAIL FROM:<alice@example.com>")
        await t.command("RCPT TO:<bob@example.org>")
        assert (await t.command("DATA")).startswith("354")
        await t.send(message(body=("z" * 70 + "\r\n") * 1000) + b".\r\n")
        assert (await t.reply())[-1].startswith("552 5.3.4")
        # the session survives and the next transaction works
        await t.command("MAIL FROM:<alice@example.com>")
        await t.command("RCPT TO:<bob@example.org>")
        await t.command("DATA")
        await t.send(message() + b".\r\n")
        assert (await t.reply())[-1].startswith("250 2.0.0")
    finally:
        await t.close()
    assert len(await stored(store, account.id)) == 1


@pytest.mark.parametrize("smtp_settings", [{"max_recipients": 3}], indirect=True)
async def test_too_many_recipients(smtp_service, ports):
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        await t.command("MAIL FROM:<alice@example.com>")
        for _ in range(3):
            assert (await t.command("RCPT TO:<bob@example.org>")).startswith("250")
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("452 4.5.3")
    finally:
        await t.close()


async def test_overlong_command_line_session_survives(smtp_service, ports):
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        assert (await t.command("NOOP " + "x" * 600)).startswith("500 5.5.2")
        assert (await t.command("NOOP " + "x" * 5000)).startswith("500 5.5.2")
        assert (await t.command("MAIL FROM:<" + "a" * 600 + "@example.com>")).startswith(
            "500 5.5.2"
        )
        assert (await t.command("NOOP")).startswith("250 2.0.0")
    finally:
        await t.close()


async def test_overlong_text_line_rejected_session_survives(smtp_service, ports, store, account):
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        await t.command("MAIL FROM:<alice@example.com>")
        await t.command("RCPT TO:<bob@example.org>")
        await t.command("DATA")
        await t.send(message(body="q" * 1001 + "\r\n") + b".\r\n")
        assert (await t.reply())[-1].startswith("500 5.5.2")
        assert (await t.command("NOOP")).startswith("250")
    finally:
        await t.close()
    assert await stored(store, account.id) == []


async def test_998_octet_lines_are_fine(smtp_service, ports, store, account):
    raw = message(body="." + "q" * 997 + "\r\n" + "r" * 998 + "\r\n")

    def send():
        with smtp_client(ports.smtp) as client:
            client.sendmail("alice@example.com", ["bob@example.org"], raw)

    await in_thread(send)
    (body,) = await stored(store, account.id)
    assert split_trace(body)[1] == raw


async def test_pipelined_transaction(smtp_service, ports, store, account):
    """RFC 2920: the whole transaction in one write; replies come back in order."""
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        await t.send(
            b"MAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.org>\r\n"
            b"RCPT TO:<nobody@example.org>\r\nRCPT TO:<x@example.com>\r\nDATA\r\n"
        )
        codes = [line[:9] for line in await t.replies(5)]
        assert codes == ["250 2.1.0", "250 2.1.5", "550 5.1.1", "554 5.7.1", "354 End d"]
        # the message, the next transaction and QUIT in one write too
        await t.send(
            message(subject="one") + b".\r\nMAIL FROM:<alice@example.com>\r\n"
            b"RCPT TO:<bob@example.org>\r\nDATA\r\n"
        )
        assert [line[:3] for line in await t.replies(4)] == ["250", "250", "250", "354"]
        await t.send(message(subject="two") + b".\r\nQUIT\r\n")
        assert [line[:9] for line in await t.replies(2)] == ["250 2.0.0", "221 2.0.0"]
    finally:
        await t.close()
    bodies = await stored(store, account.id)
    assert [split_trace(b)[1] for b in bodies] == [message(subject="one"), message(subject="two")]


async def test_8bit_body(smtp_service, ports, store, account):
    raw = message(
        body="Grüße, ça va? 日本語\r\n",
        extra="MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n",
    )

    def send():
        with smtp_client(ports.smtp) as client:
            client.sendmail(
                "alice@example.com", ["bob@example.org"], raw, mail_options=["BODY=8BITMIME"]
            )

    await in_thread(send)
    (body,) = await stored(store, account.id)
    assert split_trace(body)[1] == raw


async def test_smtputf8_addresses(smtp_service, ports, store):
    jorg = await store.directory.add_account("jörg@example.org", "pw")
    raw = "From: José <josé@exämple.com>\r\nTo: jörg@example.org\r\nSubject: ünïcode\r\n\r\nhi\r\n".encode()

    def send():
        with smtp_client(ports.smtp) as client:
            client.ehlo()
            assert client.has_extn("smtputf8")
            return client.sendmail(
                "josé@exämple.com",
                ["jörg@example.org"],
                raw,
                mail_options=["SMTPUTF8", "BODY=8BITMIME"],
            )

    assert await in_thread(send) == {}
    (body,) = await stored(store, jorg.id)
    trace, content = split_trace(body)
    assert content == raw
    assert b"with UTF8SMTP id" in trace
    assert "for <jörg@example.org>".encode() in trace


async def test_non_ascii_address_needs_smtputf8(smtp_service, ports):
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        assert (await t.command("MAIL FROM:<josé@example.com>".encode())).startswith("553 5.6.7")
        await t.command("MAIL FROM:<a@example.com>")
        assert (await t.command("RCPT TO:<jörg@example.org>".encode())).startswith("553 5.6.7")
    finally:
        await t.close()


async def test_null_sender_accepted(smtp_service, ports, store, account):
    def send():
        with smtp_client(ports.smtp) as client:
            client.sendmail("<>", ["bob@example.org"], message(subject="bounce"))

    await in_thread(send)
    assert len(await stored(store, account.id)) == 1


async def test_every_reply_has_an_enhanced_status_code(smtp_service, ports):
    """RFC 2034 §3: all but the greeting and HELO/EHLO replies; aiosmtpd's own ones too."""
    t = await Transcript.open(ports.smtp)
    commands = [
        "MAIL FROM:<a@example.com>",
        "HELO client.example.net",
        "EHLO",
        "BOGUS",
        "",
        "DATA",
        "RCPT TO:<bob@example.org>",
        "MAIL FROM:a@example.com",
        "MAIL FROM:<a@example.com> X=1",
        "MAIL FROM:<a@example.com> BODY=9BIT",
        "MAIL FROM:<a@example.com>",
        "MAIL FROM:<b@example.com>",
        "RCPT TO:<bob@example.org> NOTIFY=NEVER",
        "RCPT TO:bob",
        "RCPT TO:<>",
        "DATA x",
        "AUTH PLAIN",
        "VRFY bob@example.org",
        "VRFY",
        "EXPN staff",
        "HELP",
        "NOOP",
        "RSET",
        "STARTTLS x",
        "QUIT",
    ]
    try:
        for command in commands:
            reply = await t.command(command)
            assert reply[:1] in "2345", (command, reply)
            if reply.startswith(("250-", "250 mx.example.org")):
                continue
            assert reply[4:5].isdigit() and reply[5] == ".", (command, reply)
    finally:
        await t.close()


async def test_database_down_gives_451(smtp_service, ports, store):
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        await t.command("MAIL FROM:<alice@example.com>")
        await store.db.pool.close()
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("451 4.3.0")
        assert (await t.command("NOOP")).startswith("250")
    finally:
        await t.close()


async def test_250_only_after_commit(smtp_service, ports, store, account):
    """DESIGN principle 7: while the engine cannot commit, the client hears nothing."""
    blocker = await asyncpg.connect(store.db.url)
    transaction = blocker.transaction()
    await transaction.start()
    await blocker.execute("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", account.id)
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        await t.command("MAIL FROM:<alice@example.com>")
        await t.command("RCPT TO:<bob@example.org>")
        await t.command("DATA")
        await t.send(message() + b".\r\n")
        with pytest.raises(asyncio.TimeoutError):
            await t.reply(wait=1.0)
        assert await stored(store, account.id) == []
        await transaction.rollback()
        assert (await t.reply())[-1].startswith("250 2.0.0")
        assert len(await stored(store, account.id)) == 1
    finally:
        await t.close()
        await blocker.close()
