"""The long variant of the crash harness, by hand: faults of every kind for ``--minutes``.

    python -m tests.crash.soak --minutes 30 [--clients 50] [--seed N] [--workdir DIR]
    make crash

Options may also come from the environment: ``CRASH_MINUTES``, ``CRASH_CLIENTS``, ``CRASH_SEED``.
Each round picks a fault (SIGKILL at a random moment, a named failpoint, a database crash, a
connection cut at COMMIT) and checks every invariant after it; at the end the queue is drained to
the remote MX, the negative control runs unless ``--no-negative-control``, and a summary prints.
Exit status 1 on the first invariant broken (with the seed to replay it).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

from mailstore import failpoints
from tests.crash.harness import Harness, InvariantError


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--minutes", type=float, default=float(os.environ.get("CRASH_MINUTES", 30)))
    p.add_argument("--clients", type=int, default=int(os.environ.get("CRASH_CLIENTS", 50)))
    p.add_argument("--seed", type=int, default=int(os.environ.get("CRASH_SEED", 0)) or None)
    p.add_argument("--workdir", type=Path, default=None, help="kept afterwards when given")
    p.add_argument("--no-negative-control", action="store_true")
    args = p.parse_args(argv)
    if not 1 <= args.clients <= 200:
        p.error("--clients must be between 1 and 200")
    return run(args.workdir, args)


def run(workdir: Path | None, args: argparse.Namespace) -> int:
    end = time.monotonic() + args.minutes * 60
    if workdir is not None:
        (workdir / "main").mkdir(parents=True, exist_ok=True)
        (workdir / "negative").mkdir(parents=True, exist_ok=True)
    main_dir = workdir / "main" if workdir else None
    negative_dir = workdir / "negative" if workdir else None
    with Harness(main_dir, clients=args.clients, seed=args.seed) as h:
        rng = random.Random(h.seed)
        kinds = ["kill", "failpoint", "database", "cut"]
        rounds = 0
        try:
            while time.monotonic() < end:
                kind = rng.choice(kinds)
                if kind == "kill":
                    h.round_kill()
                elif kind == "failpoint":
                    h.round_failpoint(rng.choice(sorted(failpoints.KNOWN)))
                elif kind == "database":
                    h.round_database_crash()
                else:
                    h.round_commit_cut()
                rounds += 1
                print(f"round {rounds}: {kind} ok", flush=True)
            h.final()
        except InvariantError as exc:
            print(f"INVARIANT BROKEN after {rounds} rounds:\n{exc}", file=sys.stderr)
            print(h.summary())
            return 1
        print(h.summary())
    if not args.no_negative_control:
        with Harness(negative_dir, clients=args.clients, unsafe=True) as n:
            for attempt in range(1, 6):
                report = n.round_negative_control()
                if report.losses:
                    print(
                        f"negative control: loss detected on try {attempt} ({len(report.losses)})"
                    )
                    break
            else:
                print("negative control: NO loss detected: the harness is broken", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
