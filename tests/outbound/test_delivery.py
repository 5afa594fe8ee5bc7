"""Delivery to remote MXes on loopback: results per recipient, TLS, reuse, limits, timeouts."""

from __future__ import annotations

import asyncio

from mailstore.outbound.results import Kind
from mailstore.store import prepare
from tests.outbound.helpers import Sink, message, queue_rows


async def enqueue(store, recipients, raw=None, sender="bob@example.org", **kw) -> int:
    return await store.queue.enqueue(sender, recipients, await prepare(raw or message()), **kw)


async def test_delivers_and_empties_the_queue(store, account, remotes, zone, runner):
    sink = await remotes.smtp("127.0.0.2")
    zone("remote.test", "127.0.0.2")
    raw = message()
    await enqueue(store, ["carol@remote.test"], raw, account_id=account.id)
    outcomes = await runner().run_once()
    assert [(o.recipient, o.kind) for o in outcomes] == [("carol@remote.test", Kind.DELIVERED)]
    assert "mx0.remote.test[127.0.0.2]" in (outcomes[0].remote_host or "")
    assert outcomes[0].tls is None  # no STARTTLS offered: plaintext
    (got,) = sink.messages
    assert got.mail_from == "bob@example.org" and got.rcpt_tos == ["carol@remote.test"]
    assert got.data.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert await store.queue.list() == []
    assert await store.db.fetchval("SELECT count(*) FROM bodies") == 0  # reference dropped


async def test_per_recipient_results_in_one_transaction(store, account, remotes, zone, runner):
    replies = {"temp@remote.test": "450 4.2.1 try later", "gone@remote.test": "550 5.1.1 no"}
    sink = await remotes.smtp("127.0.0.2", Sink(rcpt=lambda a: replies.get(a)))
    zone("remote.test", "127.0.0.2")
    qid = await enqueue(store, ["ok@remote.test", "temp@remote.test", "gone@remote.test"])
    outcomes = await runner().run_once()
    kinds = {o.recipient: o.kind for o in outcomes if o.queue_id == qid}
    assert kinds == {
        "ok@remote.test": Kind.DELIVERED,
        "temp@remote.test": Kind.DEFERRED,
        "gone@remote.test": Kind.FAILED,
    }
    assert len(sink.messages) == 1 and sink.messages[0].rcpt_tos == ["ok@remote.test"]
    rows = {r["recipient"]: r for r in await queue_rows(store) if r["queue_id"] == qid}
    assert rows["ok@remote.test"]["status"] == "delivered"
    assert rows["temp@remote.test"]["status"] == "deferred"
    assert rows["temp@remote.test"]["last_reply"].startswith("450 4.2.1")
    assert rows["gone@remote.test"]["status"] == "bounced"


async def test_opportunistic_starttls_is_used_and_recorded(
    store, account, remotes, zone, runner, tls_ca
):
    import ssl

    _, cert = tls_ca
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_tls)
    sink = await remotes.smtp("127.0.0.2", tls=server_tls)
    zone("remote.test", "127.0.0.2")
    await enqueue(store, ["carol@remote.test", "dave@remote.test"])
    sink.rcpt = lambda a: "451 4.3.0 later" if a.startswith("dave") else None
    (ok, later) = sorted(await runner().run_once(), key=lambda o: o.recipient)
    assert ok.tls and ok.tls.startswith("TLS") and sink.messages[0].tls
    rows = {r["recipient"]: r for r in await queue_rows(store)}
    assert rows["carol@remote.test"]["tls"] == ok.tls  # kept while the message is queued
    assert later.kind is Kind.DEFERRED


async def test_one_connection_carries_several_messages(store, account, remotes, zone, runner):
    sink = await remotes.smtp("127.0.0.2")
    zone("remote.test", "127.0.0.2")
    for i in range(5):
        await enqueue(store, [f"user{i}@remote.test"], message(subject=f"m{i}"))
    outcomes = await runner(queue={"per_destination": 1}).run_once()
    assert all(o.kind is Kind.DELIVERED for o in outcomes) and len(outcomes) == 5
    assert len(sink.messages) == 5
    assert sink.connections == 1


async def test_per_destination_concurrency_limit(store, account, remotes, zone, runner):
    sink = await remotes.smtp("127.0.0.2", Sink(delay=0.05))
    zone("remote.test", "127.0.0.2")
    for i in range(12):
        await enqueue(store, [f"user{i}@remote.test"], message(subject=f"m{i}"))
    outcomes = await runner(queue={"per_destination": 3, "concurrency": 10}).run_once()
    assert len(outcomes) == 12 and len(sink.messages) == 12
    assert sink.max_active <= 3
    assert sink.max_active >= 2  # and it did run in parallel


async def test_next_mx_when_the_first_refuses_connections(store, account, remotes, zone, runner):
    sink = await remotes.smtp("127.0.0.2")
    # the preferred MX at 127.0.0.3 has no listener on the port: RFC 5321 §5.1, try the next
    zone.mx("remote.test", "primary.remote.test", "127.0.0.3", 10)
    zone.mx("remote.test", "backup.remote.test", "127.0.0.2", 20)
    await enqueue(store, ["carol@remote.test"])
    (outcome,) = await runner().run_once()
    assert outcome.kind is Kind.DELIVERED
    assert outcome.remote_host == f"backup.remote.test[127.0.0.2]:{remotes.port}"
    assert len(sink.messages) == 1


async def test_dropped_in_data_defers_then_delivers(store, account, remotes, zone, runner, clock):
    sink = await remotes.smtp("127.0.0.2", Sink(data_replies=["close"]))
    zone("remote.test", "127.0.0.2")
    await enqueue(store, ["carol@remote.test"])
    (first,) = await runner().run_once()
    assert first.kind is Kind.DEFERRED and "DATA" in first.reply.text
    clock.advance(301)
    (second,) = await runner().run_once()
    assert second.kind is Kind.DELIVERED and len(sink.messages) == 1


async def test_hangup_and_silence_defer(store, account, remotes, zone, runner):
    await remotes.hangup("127.0.0.2")
    await remotes.silent("127.0.0.3")
    zone("hangup.test", "127.0.0.2")
    zone("silent.test", "127.0.0.3")
    await enqueue(store, ["carol@hangup.test", "dave@silent.test"], sender="")
    loop = asyncio.get_running_loop()
    started = loop.time()
    outcomes = {o.recipient: o for o in await runner(queue={"connect_timeout": 0.3}).run_once()}
    assert loop.time() - started < 5
    assert outcomes["carol@hangup.test"].kind is Kind.DEFERRED
    assert outcomes["carol@hangup.test"].reply.status == "4.4.1"
    assert outcomes["dave@silent.test"].kind is Kind.DEFERRED
    assert "timed out" in outcomes["dave@silent.test"].reply.text


async def test_running_workers_wake_on_new_mail(store, account, remotes, zone, runner):
    import asyncio

    sink = await remotes.smtp("127.0.0.2")
    zone("remote.test", "127.0.0.2")
    stop = asyncio.Event()
    task = asyncio.create_task(runner(queue={"poll_interval": 60.0}).run(stop))
    try:
        await asyncio.sleep(0.3)  # idle now, for up to a minute unless woken
        await enqueue(store, ["carol@remote.test"])
        for _ in range(100):
            if sink.messages:
                break
            await asyncio.sleep(0.05)
        assert len(sink.messages) == 1  # woken by NOTIFY, not by polling
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def test_mail_parameters_follow_the_server_extensions(store, account, remotes, zone, runner):
    sink = await remotes.smtp("127.0.0.2", enable_SMTPUTF8=True)
    zone("remote.test", "127.0.0.2")
    raw = "From: bob@example.org\r\nSubject: café\r\n\r\nbody ü\r\n".encode()
    await enqueue(store, ["jörg@remote.test"], raw, params={"SMTPUTF8": "1", "BODY": "8BITMIME"})
    (outcome,) = await runner().run_once()
    assert outcome.kind is Kind.DELIVERED
    (got,) = sink.messages
    assert got.rcpt_tos == ["jörg@remote.test"]
    assert "SMTPUTF8" in got.mail_options and "BODY=8BITMIME" in got.mail_options
    assert any(o.startswith("SIZE=") for o in got.mail_options)


async def test_smtputf8_mail_to_a_server_without_it_bounces(store, account, remotes, zone, runner):
    await remotes.smtp("127.0.0.2")  # no SMTPUTF8 advertised
    zone("remote.test", "127.0.0.2")
    await enqueue(store, ["jörg@remote.test"], params={"SMTPUTF8": "1"})
    outcomes = {o.recipient: o for o in await runner().run_once()}
    outcome = outcomes["jörg@remote.test"]
    assert outcome.kind is Kind.FAILED and outcome.reply.status == "5.6.7"
    assert outcomes["bob@example.org"].kind is Kind.DELIVERED  # the bounce


async def test_message_over_the_advertised_size_bounces(store, account, remotes, zone, runner):
    sink = await remotes.smtp("127.0.0.2", data_size_limit=100)
    zone("remote.test", "127.0.0.2")
    await enqueue(store, ["carol@remote.test"], message(body="x" * 500 + "\r\n"), sender="")
    (outcome,) = await runner().run_once()
    assert outcome.kind is Kind.FAILED and outcome.reply.status == "5.3.4"
    assert sink.messages == []


def test_reply_parsing():
    from mailstore.outbound.results import Reply

    assert Reply.from_smtp(550, "5.1.1 <x@y>: no such\n user") == Reply(
        550, "5.1.1", "<x@y>: no such user"
    )
    assert Reply.from_smtp(451, "try later") == Reply(451, "4.0.0", "try later")
    assert Reply.from_smtp(550, "4.1.1 mismatched class") == Reply(
        550, "5.0.0", "4.1.1 mismatched class"
    )
    assert str(Reply(250, "2.0.0", "ok")) == "250 2.0.0 ok"
    assert Reply(421, "4.4.2", "").kind is Kind.DEFERRED


async def test_failed_tls_handshake_falls_back_to_plaintext(store, account, remotes, zone, runner):
    import ssl

    broken = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)  # no certificate to offer
    sink = await remotes.smtp("127.0.0.2", tls=broken)
    zone("remote.test", "127.0.0.2")
    await enqueue(store, ["carol@remote.test"])
    (outcome,) = await runner().run_once()
    assert outcome.kind is Kind.DELIVERED and outcome.tls is None  # RFC 7435: still sent
    assert sink.connections == 2 and not sink.messages[0].tls
