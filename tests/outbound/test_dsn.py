"""Bounces: exactly one RFC 3464 report per permanent failure, never to <>, never a loop."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from mailstore.outbound.dsn import ReportRecipient, build_report, wants_report
from mailstore.outbound.results import Kind, Reply
from tests.outbound.helpers import Sink, inbox, message, queue_rows
from tests.outbound.test_delivery import enqueue


async def test_permanent_failure_gives_exactly_one_dsn(store, account, remotes, zone, runner):
    refuse = {"gone@remote.test": "550 5.1.1 <gone@remote.test>: no such user"}
    await remotes.smtp("127.0.0.2", Sink(rcpt=lambda a: refuse.get(a)))
    zone("remote.test", "127.0.0.2")
    raw = message(subject="lost letter")
    await enqueue(store, ["gone@remote.test", "ok@remote.test"], raw, account_id=account.id)
    queue = runner()
    await queue.run_once()
    assert await queue.run_once() == []  # nothing left to do, nothing sent twice
    (dsn,) = await inbox(store, account.id)
    report = email.message_from_bytes(dsn, policy=email.policy.default)
    assert report["From"].addresses[0].username == "MAILER-DAEMON"
    assert (
        report["To"].addresses[0].addr_spec == "bob@example.org"
        and report["Auto-Submitted"] == "auto-replied"
    )
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "delivery-status"
    text, status, original = report.get_payload()
    assert text.get_content_type() == "text/plain"
    assert "gone@remote.test" in text.get_content()
    assert status.get_content_type() == "message/delivery-status"
    fields = status.as_bytes()
    assert b"Reporting-MTA: dns; mx.example.org" in fields
    assert b"Final-Recipient: rfc822; gone@remote.test" in fields
    assert b"Action: failed" in fields and b"Status: 5.1.1" in fields
    assert b"Diagnostic-Code: smtp; 550 5.1.1 <gone@remote.test>: no such user" in fields
    assert b"Remote-MTA: dns; mx0.remote.test" in fields
    assert b"ok@remote.test" not in fields  # delivered: not reported
    assert original.get_content_type() == "message/rfc822"
    assert original.get_payload()[0]["Subject"] == "lost letter"


async def test_no_dsn_to_the_null_sender(store, account, remotes, zone, runner):
    await remotes.smtp("127.0.0.2", Sink(rcpt=lambda a: "550 5.1.1 no"))
    zone("remote.test", "127.0.0.2")
    await enqueue(store, ["gone@remote.test"], sender="")
    (outcome,) = await runner().run_once()
    assert outcome.kind is Kind.FAILED
    assert await queue_rows(store) == []
    assert await store.db.fetchval("SELECT count(*) FROM queue_messages") == 0
    assert await inbox(store, account.id) == []


async def test_undeliverable_dsn_is_dropped_not_bounced(store, account, remotes, zone, runner):
    """A bounce to a sender whose own server refuses it ends there: no loop."""
    await remotes.smtp("127.0.0.2", Sink(rcpt=lambda a: "550 5.1.1 no"))
    zone("remote.test", "127.0.0.2")
    zone("sender.test", "127.0.0.2")
    await enqueue(store, ["gone@remote.test"], sender="alice@sender.test")
    outcomes = await runner().run_once()
    # the original bounces; its DSN to alice@sender.test is refused in turn and dropped
    assert sorted((o.recipient, o.kind) for o in outcomes) == [
        ("alice@sender.test", Kind.FAILED),
        ("gone@remote.test", Kind.FAILED),
    ]
    assert await store.db.fetchval("SELECT count(*) FROM queue_messages") == 0


async def test_dsn_to_unknown_local_sender_is_dropped(store, account, remotes, zone, runner):
    await remotes.smtp("127.0.0.2", Sink(rcpt=lambda a: "550 5.1.1 no"))
    zone("remote.test", "127.0.0.2")
    await enqueue(store, ["gone@remote.test"], sender="nobody@example.org")
    outcomes = await runner().run_once()
    local = next(o for o in outcomes if o.recipient == "nobody@example.org")
    assert local.kind is Kind.FAILED and local.remote_host is None
    assert await store.db.fetchval("SELECT count(*) FROM queue_messages") == 0


async def test_notify_never_suppresses_the_bounce(store, account, remotes, zone, runner):
    await remotes.smtp("127.0.0.2", Sink(rcpt=lambda a: "550 5.1.1 no"))
    zone("remote.test", "127.0.0.2")
    await enqueue(
        store,
        ["gone@remote.test"],
        recipient_params={"gone@remote.test": {"NOTIFY": "NEVER"}},
    )
    await runner().run_once()
    assert await inbox(store, account.id) == []


def test_wants_report():
    assert not wants_report("", "failed", {})
    assert wants_report("a@b.c", "failed", {})
    assert wants_report("a@b.c", "delayed", {})
    assert not wants_report("a@b.c", "failed", {"NOTIFY": "NEVER"})
    assert not wants_report("a@b.c", "failed", {"NOTIFY": "SUCCESS,DELAY"})
    assert wants_report("a@b.c", "failed", {"NOTIFY": "success,failure"})


def test_large_originals_return_headers_only():
    original = message(body="x" * 200_000 + "\r\n")
    now = datetime(2026, 1, 2, tzinfo=UTC)
    raw = build_report(
        reporting_mta="mx.example.org",
        sender="bob@example.org",
        action="failed",
        recipients=[ReportRecipient("c@d.test", Reply(550, "5.1.1", "no"), "mx.d.test[1.2.3.4]")],
        original=original,
        arrival=now,
        now=now,
        envid="abc123",
    )
    report = email.message_from_bytes(raw, policy=email.policy.default)
    *_, returned = report.get_payload()
    assert returned.get_content_type() == "text/rfc822-headers"
    assert len(raw) < 10_000
    assert b"Original-Envelope-Id: abc123" in raw


def test_utf8_report_uses_rfc6533_types():
    now = datetime(2026, 1, 2, tzinfo=UTC)
    raw = build_report(
        reporting_mta="mx.example.org",
        sender="bøb@example.org",
        action="failed",
        recipients=[ReportRecipient("jösé@d.test", Reply(550, "5.1.1", "no"))],
        original=message(),
        arrival=now,
        now=now,
        utf8=True,
    )
    assert b"Content-Type: message/global-delivery-status" in raw
    assert "Final-Recipient: utf-8; jösé@d.test".encode() in raw
    assert b"Content-Type: message/global\r\n" in raw
