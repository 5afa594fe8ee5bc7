"""The retry schedule on a controllable clock, expiry, and routing failures (DNS, null MX)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mailstore.outbound.results import Kind
from mailstore.outbound.settings import Settings
from tests.outbound.helpers import Sink, inbox, queue_rows
from tests.outbound.test_delivery import enqueue


def test_backoff_doubles_up_to_the_cap(make_config):
    settings = Settings.from_config(make_config({"retry_first": 300, "retry_max": 3600}))
    waits = [settings.backoff(n).total_seconds() for n in range(1, 7)]
    assert waits == [300, 600, 1200, 2400, 3600, 3600]
    assert settings.backoff(10_000) == timedelta(seconds=3600)  # no overflow


async def test_tempfail_then_accept_on_schedule(store, account, remotes, zone, runner, clock):
    sink = await remotes.smtp("127.0.0.2", Sink(data_replies=["451 4.3.0 busy", "452 4.3.1 full"]))
    zone("remote.test", "127.0.0.2")
    await enqueue(store, ["carol@remote.test"])
    queue = runner(queue={"retry_first": 300, "retry_factor": 2.0})

    (first,) = await queue.run_once()
    assert first.kind is Kind.DEFERRED
    (row,) = await queue_rows(store)
    first_retry = row["next_attempt_at"] - clock()
    assert timedelta(seconds=295) < first_retry <= timedelta(seconds=300)
    assert row["attempts"] == 1 and row["status"] == "deferred"

    clock.advance(290)  # not due yet
    assert await queue.run_once() == []
    clock.advance(15)
    (second,) = await queue.run_once()
    assert second.kind is Kind.DEFERRED
    (row,) = await queue_rows(store)
    second_retry = row["next_attempt_at"] - clock()
    assert timedelta(seconds=595) < second_retry <= timedelta(seconds=600)  # doubled

    clock.advance(590)
    assert await queue.run_once() == []
    clock.advance(15)
    (third,) = await queue.run_once()
    assert third.kind is Kind.DELIVERED and len(sink.messages) == 1
    assert await queue_rows(store) == []


async def test_retry_command_makes_deferred_mail_due(store, account, remotes, zone, runner, clock):
    sink = await remotes.smtp("127.0.0.2", Sink(data_replies=["451 4.3.0 busy"]))
    zone("remote.test", "127.0.0.2")
    qid = await enqueue(store, ["carol@remote.test"])
    queue = runner()
    await queue.run_once()
    assert await queue.run_once() == []
    assert await store.queue.retry(qid, clock()) == 1
    (outcome,) = await queue.run_once()
    assert outcome.kind is Kind.DELIVERED and len(sink.messages) == 1


async def test_expiry_bounces_with_one_dsn(store, account, remotes, zone, runner, clock):
    await remotes.smtp("127.0.0.2", Sink(data_replies=["451 4.3.0 busy"] * 10))
    zone("remote.test", "127.0.0.2")
    queue = runner(queue={"lifetime": 3600, "retry_first": 1000, "retry_max": 1000})
    await enqueue(store, ["carol@remote.test"], account_id=account.id)
    for _ in range(3):  # at 0, 1000, 2000 s: deferred
        (outcome,) = await queue.run_once()
        assert outcome.kind is Kind.DEFERRED
        clock.advance(1000)
    (row,) = await queue_rows(store)
    assert row["attempts"] == 3
    clock.advance(700)  # past the hour: the last try fails and the message bounces
    outcomes = await queue.run_once()
    kinds = sorted((o.recipient, o.kind) for o in outcomes)
    assert kinds == [("bob@example.org", Kind.DELIVERED), ("carol@remote.test", Kind.DEFERRED)]
    (dsn,) = await inbox(store, account.id)
    assert b"Action: failed" in dsn and b"Status: 4.4.7" in dsn
    assert b"delivery time expired" in dsn
    assert await queue_rows(store) == []


async def test_null_mx_bounces_at_once(store, account, dns_server, runner):
    dns_server.set("nomail.test", "MX", ["0 ."])
    await enqueue(store, ["carol@nomail.test"], account_id=account.id)
    outcomes = await runner().run_once()
    bounce = next(o for o in outcomes if o.recipient == "carol@nomail.test")
    assert bounce.kind is Kind.FAILED and bounce.reply.status == "5.1.10"
    assert bounce.reply.code == 556 and bounce.remote_host is None
    (dsn,) = await inbox(store, account.id)
    assert b"Status: 5.1.10" in dsn and b"null MX" in dsn


async def test_nxdomain_bounces_and_servfail_defers(store, account, dns_server, runner):
    dns_server.servfail.add("flaky.test")
    await enqueue(store, ["a@missing.test", "b@flaky.test"])
    outcomes = {o.recipient: o for o in await runner().run_once()}
    assert outcomes["a@missing.test"].kind is Kind.FAILED
    assert outcomes["a@missing.test"].reply.status == "5.1.2"
    assert outcomes["b@flaky.test"].kind is Kind.DEFERRED
    assert outcomes["b@flaky.test"].reply.status == "4.4.3"


async def test_implicit_mx_uses_the_domain_address(store, account, remotes, dns_server, runner):
    sink = await remotes.smtp("127.0.0.4")
    dns_server.set("bare.test", "A", ["127.0.0.4"])  # no MX: RFC 5321 §5.1 implicit MX
    await enqueue(store, ["carol@bare.test"])
    (outcome,) = await runner().run_once()
    assert outcome.kind is Kind.DELIVERED
    assert outcome.remote_host == f"bare.test[127.0.0.4]:{remotes.port}"
    assert len(sink.messages) == 1


@pytest.mark.parametrize("notify", [None, "FAILURE"])
async def test_delay_notice_once(store, account, remotes, zone, runner, clock, notify):
    await remotes.smtp("127.0.0.2", Sink(data_replies=["451 4.3.0 busy"] * 5))
    zone("remote.test", "127.0.0.2")
    params = {"carol@remote.test": {"NOTIFY": notify}} if notify else None
    await enqueue(store, ["carol@remote.test"], account_id=account.id, recipient_params=params)
    queue = runner(queue={"delay_warning": 600, "retry_first": 400})
    await queue.run_once()  # at 0: too early for a notice
    assert await inbox(store, account.id) == []
    for _ in range(3):
        clock.advance(801)
        await queue.run_once()
    notices = await inbox(store, account.id)
    if notify == "FAILURE":
        assert notices == []
        return
    (notice,) = notices
    assert b"Action: delayed" in notice and b"Will-Retry-Until:" in notice
    assert b"Subject: Delayed Mail" in notice
