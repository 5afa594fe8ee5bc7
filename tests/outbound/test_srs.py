"""SRS: forwarded mail leaves with a rewritten sender; its bounce finds the way back."""

from __future__ import annotations

import pytest

from mailstore.config import SRSConfig
from mailstore.outbound.results import Kind
from mailstore.outbound.srs import SRS, SRSError, is_srs
from tests.outbound.helpers import message
from tests.outbound.test_delivery import enqueue

DAY = 86400.0


class Time:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_srs0_round_trip_and_case_insensitivity():
    srs = SRS("s3cret", "fwd.example.org", clock=Time())
    address = srs.forward("Alice@sender.test")
    local, _, domain = address.rpartition("@")
    assert domain == "fwd.example.org" and local.startswith("SRS0=") and is_srs(address)
    assert local.endswith("=sender.test=Alice")
    assert srs.reverse(address) == "Alice@sender.test"
    assert srs.reverse(address.lower()) == "alice@sender.test"  # MXes may lower-case it


def test_forged_and_expired_addresses_are_refused():
    time = Time()
    srs = SRS("s3cret", "fwd.example.org", clock=time, max_age_days=21)
    address = srs.forward("alice@sender.test")
    tag, digest, rest = address.split("=", 2)
    forged = f"{tag}={'AAAA' if digest != 'AAAA' else 'BBBB'}={rest}"
    with pytest.raises(SRSError, match="forged"):
        srs.reverse(forged)
    with pytest.raises(SRSError, match="forged"):
        srs.reverse(address.replace("alice", "mallory"))
    with pytest.raises(SRSError):
        SRS("other", "fwd.example.org", clock=time).reverse(address)
    time.now += 21 * DAY
    assert srs.reverse(address) == "alice@sender.test"
    time.now += 1 * DAY
    with pytest.raises(SRSError, match="expired"):
        srs.reverse(address)
    with pytest.raises(SRSError):
        srs.reverse("alice@fwd.example.org")
    with pytest.raises(SRSError):
        srs.reverse("SRS0=xx@fwd.example.org")


def test_old_secrets_still_reverse():
    time = Time()
    address = SRS("old", "fwd.example.org", clock=time).forward("alice@sender.test")
    rotated = SRS("new", "fwd.example.org", old_secrets=["old"], clock=time)
    assert rotated.reverse(address) == "alice@sender.test"
    assert rotated.forward("alice@sender.test") != address


def test_srs1_for_a_second_forwarder():
    time = Time()
    first = SRS("one", "first.test", clock=time)
    second = SRS("two", "second.test", clock=time)
    hop1 = first.forward("alice@sender.test")
    hop2 = second.forward(hop1)
    assert hop2.startswith("SRS1=") and hop2.endswith("@second.test")
    assert "=first.test==" in hop2
    hop3 = SRS("three", "third.test", clock=time).forward(hop2)
    assert hop3.startswith("SRS1=") and "=first.test==" in hop3  # first hop kept
    # the bounce goes back through the first forwarder, which checks its own hash
    assert second.reverse(hop2) == hop1
    assert first.reverse(second.reverse(hop2)) == "alice@sender.test"
    assert second.forward("bob@second.test") == "bob@second.test"  # our own: unchanged


async def test_alias_forward_and_bounce_round_trip(store, account, remotes, zone, runner):
    """alice@sender.test -> info@example.org (alias) -> carol@remote.test, then a bounce."""
    remote = await remotes.smtp("127.0.0.2")
    origin = await remotes.smtp("127.0.0.3")
    zone("remote.test", "127.0.0.2")
    zone("sender.test", "127.0.0.3")
    await store.directory.add_alias("info@example.org", ["carol@remote.test"])
    resolution = await store.directory.resolve("info@example.org")
    assert resolution is not None and resolution.external == ("carol@remote.test",)
    # what the MX does for the alias: queue the forward with the original envelope sender
    await enqueue(
        store, list(resolution.external), message(sender="alice@sender.test"), "alice@sender.test"
    )
    queue = runner(srs=SRSConfig(secret="s3cret", domain="example.org"))
    (outcome,) = await queue.run_once()
    assert outcome.kind is Kind.DELIVERED
    (forwarded,) = remote.messages
    rewritten = forwarded.mail_from
    assert rewritten.startswith("SRS0=") and rewritten.endswith("@example.org")
    assert await store.queue.list() == []
    # remote.test bounces later to the SRS address; our MX reverses it (as the SMTP front end
    # does through SRS.reverse) and queues the bounce, from <>, for the original sender
    srs = queue.attempt.srs
    assert srs is not None
    original = srs.reverse(rewritten)
    assert original == "alice@sender.test"
    bounce = b"From: MAILER-DAEMON@remote.test\r\nSubject: Undelivered\r\n\r\nsorry\r\n"
    await enqueue(store, [original], bounce, sender="")
    (back,) = await queue.run_once()
    assert back.kind is Kind.DELIVERED
    (returned,) = origin.messages
    assert returned.mail_from == "<>" and returned.rcpt_tos == ["alice@sender.test"]


async def test_local_senders_are_not_rewritten(store, account, remotes, zone, runner):
    remote = await remotes.smtp("127.0.0.2")
    zone("remote.test", "127.0.0.2")
    await enqueue(store, ["carol@remote.test"], sender="bob@example.org")
    await enqueue(store, ["carol@remote.test"], message(subject="b"), sender="")
    await runner(srs=SRSConfig(secret="s3cret", domain="example.org")).run_once()
    assert sorted(m.mail_from for m in remote.messages) == ["<>", "bob@example.org"]
