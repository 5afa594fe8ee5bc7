"""Claims and leases: workers never deliver one recipient at once; a dead worker's lease ends."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from datetime import timedelta

from mailstore.store.queue import DELIVERED, RecipientUpdate
from tests.outbound.helpers import Sink, message, until
from tests.outbound.test_delivery import enqueue

LEASE = timedelta(seconds=300)


async def test_claimed_rows_are_invisible_until_the_lease_expires(store, account, clock):
    qid = await enqueue(store, ["a@remote.test", "b@remote.test"])
    (mine,) = await store.queue.claim("worker-a", clock(), 10, LEASE)
    assert mine.id == qid and [r.recipient for r in mine.recipients] == [
        "a@remote.test",
        "b@remote.test",
    ]
    assert await store.queue.claim("worker-b", clock(), 10, LEASE) == []
    clock.advance(299)
    assert await store.queue.claim("worker-b", clock(), 10, LEASE) == []
    clock.advance(2)  # worker-a died: its lease is over
    (theirs,) = await store.queue.claim("worker-b", clock(), 10, LEASE)
    assert theirs.id == qid
    # worker-a comes back: its results are not written (fencing), worker-b's are
    late = [RecipientUpdate("a@remote.test", DELIVERED, "250 ok")]
    done = await store.queue.complete("worker-a", qid, late, clock())
    assert done.written == frozenset() and not done.finished
    done = await store.queue.complete("worker-b", qid, late, clock())
    assert done.written == {"a@remote.test"} and not done.finished


async def test_renewed_lease_keeps_the_rows(store, account, clock):
    qid = await enqueue(store, ["a@remote.test"])
    assert await store.queue.claim("worker-a", clock(), 10, LEASE)
    clock.advance(200)
    rows = [(qid, "a@remote.test")]
    assert await store.queue.renew("worker-b", rows, clock(), LEASE) == 0  # not b's
    assert await store.queue.renew("worker-a", rows, clock(), LEASE) == 1
    clock.advance(200)  # 400 s after the claim, 200 after the renewal
    assert await store.queue.claim("worker-b", clock(), 10, LEASE) == []
    assert await store.queue.release("worker-a") == 1
    assert await store.queue.claim("worker-b", clock(), 10, LEASE)


async def test_concurrent_claims_split_the_queue(store, account, clock):
    for i in range(40):
        await enqueue(store, [f"u{i}@remote.test"], message(subject=f"m{i}"))
    claims = await asyncio.gather(
        *(store.queue.claim(f"w{i}", clock(), 7, LEASE) for i in range(8))
    )
    seen = Counter(m.id for batch in claims for m in batch)
    assert sum(seen.values()) == 40 and set(seen.values()) == {1}


async def test_two_worker_processes_deliver_each_recipient_once(
    store, account, remotes, zone, dns_server, database_url, tmp_path
):
    """Two `mailstore queue run` processes on one database, woken by the same NOTIFYs."""
    sink = await remotes.smtp("127.0.0.2", Sink(delay=0.01))
    zone("remote.test", "127.0.0.2")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILSTORE_")}
    env.update(
        MAILSTORE_DATABASE_URL=database_url,
        MAILSTORE_DNS_NAMESERVERS=dns_server.nameserver,
        MAILSTORE_QUEUE_REMOTE_PORT=str(remotes.port),
        MAILSTORE_QUEUE_CONCURRENCY="3",
        MAILSTORE_QUEUE_IDLE_TIMEOUT="0.2",
    )

    async def worker(name: str) -> asyncio.subprocess.Process:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "mailstore.cli.main", "--home", str(tmp_path / name), "queue", "run"),
            env={**env, "MAILSTORE_QUEUE_HELO_NAME": name},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert b"queue workers running" in line, line
        return proc

    procs = [await worker("worker-a"), await worker("worker-b")]
    count = 100
    try:
        for i in range(count):
            await enqueue(store, [f"u{i}@remote.test", f"v{i}@remote.test"], message(f"m{i}"))
        for _ in range(600):
            if sum(len(m.rcpt_tos) for m in sink.messages) >= 2 * count:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # anything sent twice would arrive now
    finally:
        for proc in procs:
            proc.terminate()
        results = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 30)
    for proc, (_, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err.decode()
    delivered = Counter(r for m in sink.messages for r in m.rcpt_tos)
    assert len(delivered) == 2 * count
    assert set(delivered.values()) == {1}  # never twice
    assert {m.helo for m in sink.messages} == {"worker-a", "worker-b"}  # both took part
    assert await store.queue.list() == []


async def test_stopping_releases_leases(store, account, remotes, zone, runner, clock):
    sink = await remotes.smtp("127.0.0.2", Sink(delay=0.3))
    zone("remote.test", "127.0.0.2")
    for i in range(6):
        await enqueue(store, [f"u{i}@remote.test"], message(subject=f"m{i}"))
    queue = runner(queue={"per_destination": 1, "concurrency": 1})
    stop = asyncio.Event()
    task = asyncio.create_task(queue.run(stop))
    await until(lambda: bool(sink.messages))
    stop.set()
    await asyncio.wait_for(task, 15)
    delivered = len(sink.messages)
    assert 1 <= delivered < 6
    # whatever was claimed but not sent is claimable again at once
    rest = await store.queue.claim("other", clock(), 100, LEASE)
    assert sum(len(m.recipients) for m in rest) == 6 - delivered


async def test_live_worker_renews_its_leases(store, account, remotes, zone, runner, clock):
    sink = await remotes.smtp("127.0.0.2", Sink(delay=2.0))
    zone("remote.test", "127.0.0.2")
    await enqueue(store, ["carol@remote.test"])
    stop = asyncio.Event()
    task = asyncio.create_task(runner(queue={"lease": 1, "data_timeout": 10.0}).run(stop))
    try:
        await asyncio.sleep(1.6)  # past the first lease, renewed every third of it
        assert await store.queue.claim("other", clock(), 10, LEASE) == []
        await until(lambda: bool(sink.messages))
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    assert len(sink.messages) == 1 and await store.queue.list() == []


async def test_a_dead_workers_recipients_are_taken_over(
    store, account, remotes, zone, runner, clock
):
    sink = await remotes.smtp("127.0.0.2")
    zone("remote.test", "127.0.0.2")
    await enqueue(store, ["carol@remote.test"])
    assert await store.queue.claim("dead-worker", clock(), 10, LEASE)  # ... and it dies
    queue = runner()
    assert await queue.run_once() == []  # its lease is still running
    clock.advance(LEASE.total_seconds() + 1)
    (outcome,) = await queue.run_once()
    assert outcome.recipient == "carol@remote.test" and len(sink.messages) == 1
