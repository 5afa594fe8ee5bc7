"""mailstore.failpoints: the spec parser, and a real process killed at a named point."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from mailstore import failpoints

SCRIPT = (
    "from mailstore import failpoints\n"
    "for i in range(1, 4):\n"
    "    print('before', i, flush=True)\n"
    "    failpoints.hit('deliver-before-commit')\n"
    "    failpoints.hit('smtp-after-commit')\n"
    "print('survived', flush=True)\n"
)


def run(spec: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != failpoints.ENV}
    if spec is not None:
        env[failpoints.ENV] = spec
    return subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60
    )


def test_parse_forms() -> None:
    rules = failpoints.parse(
        " deliver-before-begin , expunge-before-commit=3,move-before-delete=0.25"
    )
    assert sorted(rules) == ["deliver-before-begin", "expunge-before-commit", "move-before-delete"]
    assert (rules["deliver-before-begin"].nth, rules["deliver-before-begin"].probability) == (
        1,
        None,
    )
    assert rules["expunge-before-commit"].nth == 3
    assert rules["move-before-delete"].probability == 0.25
    assert failpoints.parse("") == {}


@pytest.mark.parametrize(
    "spec, message",
    [
        ("no-such-point", "unknown failpoint 'no-such-point'"),
        ("deliver-before-begin=0", "expected a count >= 1"),
        ("deliver-before-begin=x", "expected a count >= 1"),
        ("deliver-before-begin=1.5", "probability must be in (0, 1]"),
        ("deliver-before-begin=0.a", "bad probability"),
    ],
)
def test_parse_refuses(spec: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        failpoints.parse(spec)
    assert message in str(info.value)


def test_unset_does_nothing() -> None:
    done = run(None)
    assert done.returncode == 0
    assert done.stdout.splitlines() == ["before 1", "before 2", "before 3", "survived"]


def test_first_hit_kills_with_sigkill() -> None:
    done = run("smtp-after-commit")
    assert done.returncode == -signal.SIGKILL
    assert done.stdout.splitlines() == ["before 1"]
    assert done.stderr.startswith("FAILPOINT smtp-after-commit pid=")


def test_nth_hit_kills() -> None:
    done = run("deliver-before-commit=3")
    assert done.returncode == -signal.SIGKILL
    assert done.stdout.splitlines() == ["before 1", "before 2", "before 3"]


def test_bad_spec_stops_the_process_at_import() -> None:
    done = run("deliver-before-comit")
    assert done.returncode == 1
    assert "unknown failpoint 'deliver-before-comit'" in done.stderr
