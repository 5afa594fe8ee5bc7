"""Crash safety, short variant (issue 9): 16 clients, a couple of rounds of each fault kind.

One harness (cluster, proxy, server process, load) serves the module; each test injects its
faults and checks every invariant (tests/crash/invariants.py) after each one. The long variant
is ``python -m tests.crash.soak`` (``make crash``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailstore import failpoints
from tests.crash.harness import Harness

CLIENTS = 16


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    with Harness(clients=CLIENTS) as h:
        yield h
        print("\n" + h.summary())


def test_sigkill_at_random_moments(harness: Harness) -> None:
    for _ in range(2):
        harness.round_kill()
    assert harness.stats.faults["kill"] == 2


@pytest.mark.parametrize("name", sorted(failpoints.KNOWN))
def test_failpoint(harness: Harness, name: str) -> None:
    harness.round_failpoint(name)
    assert harness.server.failpoint_fired[-1] == name


def test_database_crash_answers_451_and_recovers(harness: Harness) -> None:
    probes = harness.stats.outage_probes
    for _ in range(2):
        harness.round_database_crash()
    assert harness.stats.outage_probes > probes  # every one of them answered 451 4.3.0


@pytest.mark.parametrize("after_forward", [False, True], ids=["before-commit", "after-commit"])
def test_connection_cut_at_commit(harness: Harness, after_forward: bool) -> None:
    harness.round_commit_cut(after=after_forward)


def test_queued_mail_delivered_at_least_once(harness: Harness) -> None:
    harness.drive(1.0)
    harness.final()
    assert any(s.remote_acked for s in harness.ledger.sent.values())
    assert harness.ledger.counts.acked.get("forward", 0) > 0


def test_negative_control_reports_loss() -> None:
    """synchronous_commit off and an immediate database stop under load: the harness must see
    acknowledged mail missing, or it could not see loss at all."""
    with Harness(clients=CLIENTS, unsafe=True) as h:
        for _ in range(5):
            report = h.round_negative_control()
            if report.losses:
                break
        assert report.losses, "no loss detected with synchronous_commit off: harness broken"
