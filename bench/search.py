"""Engine-level SEARCH/SORT/FETCH-metadata timings on a large mailbox (bench/fixture.py).

    python -m bench.fixture --count 100000 --home /tmp/mailstore-bench-100k
    python -m bench.search --home /tmp/mailstore-bench-100k [--runs 5]

Prints the median of RUNS (after one warm-up run) for each query, with its hit count and the
count expected from the corpus's known marker frequencies, so speed never hides a wrong answer.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import date
from pathlib import Path

from bench.corpus import FROM_ADDRESS, SUBJECT_WORD, WORDS_0_1, WORDS_10, expected_hits
from bench.fixture import ACCOUNT, open_fixture
from mailstore.store import FlagOp, SortKey, Store
from mailstore.store.search import (
    All,
    And,
    BodyContains,
    DateOp,
    HasFlag,
    HeaderContains,
    InternalDate,
    Not,
    TextContains,
)


async def timed(runs: int, fn) -> tuple[float, object]:
    result = await fn()  # warm-up
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = await fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000, result


async def run(url: str, runs: int) -> None:
    store = await Store.open(url, min_size=1, max_size=4)
    try:
        account = await store.directory.get_account(ACCOUNT)
        inbox = await store.mailboxes.get(account.id, "INBOX")
        n = inbox.messages
        print(f"mailbox: {n} messages, {inbox.size / 1e6:.0f} MB")
        a, m = account.id, inbox.id
        rare, common = WORDS_0_1[0], WORDS_10[0]
        queries = [
            (
                "SEARCH FROM marker",
                HeaderContains("from", FROM_ADDRESS),
                expected_hits(FROM_ADDRESS, n),
            ),
            (
                "SEARCH SUBJECT marker",
                HeaderContains("subject", SUBJECT_WORD),
                expected_hits(SUBJECT_WORD, n),
            ),
            ("SEARCH HEADER Message-ID", HeaderContains("message-id", "<no-such-id@x>"), 0),
            (f"SEARCH BODY {rare} (0.1 %)", BodyContains(rare), expected_hits(rare, n)),
            (f"SEARCH TEXT {common} (10 %)", TextContains(common), expected_hits(common, n)),
            ("SEARCH SINCE 1-Jan-2026", InternalDate(DateOp.SINCE, date(2026, 1, 1)), None),
            ("SEARCH UNSEEN", Not(HasFlag("\\Seen")), inbox.unseen),
            (
                "SEARCH UNSEEN BODY rare SINCE",
                And(
                    (
                        Not(HasFlag("\\Seen")),
                        BodyContains(rare),
                        InternalDate(DateOp.SINCE, date(2024, 1, 1)),
                    )
                ),
                None,
            ),
        ]
        print(f"{'query':40} {'median ms':>10} {'hits':>8} {'expected':>9}")
        for name, criteria, expected in queries:
            ms, uids = await timed(runs, lambda c=criteria: store.messages.search(a, m, c))
            exp = "" if expected is None else str(expected)
            flag = "" if expected is None or expected == len(uids) else "  MISMATCH"
            print(f"{name:40} {ms:10.1f} {len(uids):8d} {exp:>9}{flag}")
        ms, uids = await timed(runs, lambda: store.messages.uids(a, m))
        print(f"{'uid list (SELECT)':40} {ms:10.1f} {len(uids):8d}")
        ms, rows = await timed(runs, lambda: _collect(store.messages.fetch(a, m, uids)))
        print(f"{'FETCH 1:* (UID FLAGS RFC822.SIZE)':40} {ms:10.1f} {len(rows):8d}")
        ms, rows = await timed(
            runs,
            lambda: _collect(
                store.messages.fetch(a, m, uids[:1000], envelope=True, structure=True)
            ),
        )
        print(f"{'FETCH 1000 (ENVELOPE BODYSTRUCTURE)':40} {ms:10.1f} {len(rows):8d}")
        ms, rows = await timed(
            runs, lambda: _collect(store.messages.fetch(a, m, uids[:1000], raw=True))
        )
        print(f"{'FETCH 1000 full bodies':40} {ms:10.1f} {len(rows):8d}")
        ms, res = await timed(
            runs, lambda: store.messages.sort(a, m, All(), [(SortKey.DATE, True)])
        )
        print(f"{'SORT (REVERSE DATE) ALL':40} {ms:10.1f} {len(res):8d}")
        tenth = uids[::10]
        ms, res = await timed(
            1, lambda: store.messages.store_flags(a, m, tenth, FlagOp.ADD, ["$Bench"])
        )
        _ms2, _ = await timed(
            1, lambda: store.messages.store_flags(a, m, tenth, FlagOp.REMOVE, ["$Bench"])
        )
        print(f"{'UID STORE +FLAGS on 10 %':40} {ms:10.1f} {len(tenth):8d}")
    finally:
        await store.close()


async def _collect(it):
    return [r async for r in it]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    _server, url = open_fixture(args.home)
    asyncio.run(run(url, args.runs))


if __name__ == "__main__":
    main()
