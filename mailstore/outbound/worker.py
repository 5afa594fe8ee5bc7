"""The queue workers of one process: claim due recipients, deliver them, record the results.

::

    stop = asyncio.Event()
    await run_workers(store, config, stop)          # until stop is set (``mailstore serve``)
    outcomes = await QueueRunner(store, config).run_once()   # what is due now, then return

A :class:`QueueRunner` claims due recipient rows with a lease (``Queue.claim``, FOR UPDATE SKIP
LOCKED), groups them into jobs (one message, one domain) and hands each job to its
destination: the recipient domain, the relayhost, or local delivery. A destination runs up to
``[queue] per_destination`` lanes; a lane is one SMTP connection carrying job after job to that
destination, kept open ``idle_timeout`` seconds for more. At most ``[queue] concurrency`` lanes
run at once in the process. Every job ends in ``Queue.complete``: one transaction writes its
recipients' results, queues the DSNs they cause and removes the finished message.

New mail wakes the workers at once (LISTEN ``mailstore_queue``, NOTIFY in the enqueueing
transaction); otherwise they sleep until the next retry is due (at most ``poll_interval``).
While jobs are in flight the leases are renewed every third of ``[queue] lease``; on stop the
leases still held are released, so another process takes over at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
import dns.asyncresolver

from mailstore.config import Config
from mailstore.dns import make_resolver
from mailstore.errors import MailstoreError, Temporary
from mailstore.logs import event
from mailstore.outbound.attempt import Attempt, Job
from mailstore.outbound.policy import Reports, decide
from mailstore.outbound.results import Outcome, temporary
from mailstore.outbound.settings import Settings
from mailstore.outbound.signing import Signer
from mailstore.outbound.smtpclient import Connector, Session
from mailstore.outbound.srs import SRS
from mailstore.store import Store
from mailstore.store.queue import CHANNEL, ClaimedMessage

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
#: Recipient rows claimed ahead per lane (keeps lanes busy without hoarding the queue).
CLAIM_AHEAD = 4
#: Idle lanes look for new jobs this often (seconds).
IDLE_STEP = 0.05
#: On stop, running attempts get this long to finish before they are cancelled (seconds).
STOP_GRACE = 10.0


def utcnow() -> datetime:
    return datetime.now(UTC)


async def run_workers(
    store: Store,
    config: Config,
    stop: asyncio.Event,
    *,
    on_attempt: Callable[[str], None] | None = None,
) -> None:
    """Run this process's queue workers until ``stop`` is set (``mailstore serve``);
    ``on_attempt(status)`` is told each recipient's recorded outcome (``/metrics``)."""
    await QueueRunner(store, config, on_attempt=on_attempt).run(stop)


@dataclass(slots=True)
class Destination:
    key: str
    pending: deque[Job] = field(default_factory=deque)
    lanes: int = 0
    idle: int = 0


class QueueRunner:
    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        resolver: dns.asyncresolver.Resolver | None = None,
        clock: Clock = utcnow,
        owner: str | None = None,
        signer: Signer | None = None,
        srs: SRS | None = None,
        on_attempt: Callable[[str], None] | None = None,
    ):
        self.store = store
        #: Told each recorded recipient outcome (delivered, deferred, bounced).
        self.on_attempt = on_attempt
        self.settings = Settings.from_config(config)
        self.clock = clock
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        resolver = resolver or make_resolver(config.dns)
        self.attempt = Attempt(
            store,
            self.settings,
            Connector(self.settings, resolver),
            signer if signer is not None else Signer.from_config(config),
            srs if srs is not None else SRS.from_config(config),
        )
        store.queue.lifetime = self.settings.lifetime
        self._lanes = asyncio.Semaphore(self.settings.concurrency)
        self._waiting_for_lane = 0
        self._destinations: dict[str, Destination] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._inflight = 0  # claimed recipient rows not completed yet
        self._held: set[tuple[int, str]] = set()  # those rows: the leases to renew
        self._more_due = True
        self._wake = asyncio.Event()
        self._stopping = False
        self._outcomes: list[Outcome] | None = None

    @property
    def max_inflight(self) -> int:
        return self.settings.concurrency * CLAIM_AHEAD

    # -- the loops -----------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Claim and deliver until ``stop`` is set; then release what is still leased."""
        listener = asyncio.create_task(self._listen(stop), name="queue-listen")
        renewer = asyncio.create_task(self._renew(stop), name="queue-lease-renewal")
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    if await self._claim_batch():
                        continue
                    if self._inflight >= self.max_inflight:
                        timeout = self.settings.poll_interval  # a completion wakes us
                    else:
                        timeout = await self._sleep_time()
                except MailstoreError as exc:
                    log.warning("queue workers: %s", exc)
                    timeout = self.settings.poll_interval
                except Exception:
                    log.exception("queue workers: claiming failed")
                    timeout = self.settings.poll_interval
                await _wait_any(self._wake, stop, timeout)
        finally:
            listener.cancel()
            renewer.cancel()
            await asyncio.gather(listener, renewer, return_exceptions=True)
            await self._drain(grace=STOP_GRACE)
            with contextlib.suppress(Exception):
                await self.store.queue.release(self.owner)

    async def run_once(self) -> list[Outcome]:
        """Deliver everything due now (and what that makes due), then return the outcomes."""
        self._outcomes = []
        try:
            while True:
                self._wake.clear()
                claimed = await self._claim_batch()
                if not claimed and self._inflight == 0:
                    break
                if not claimed or self._inflight >= self.max_inflight:
                    await self._wake.wait()
            await self._drain(grace=None)  # only idle connections are left: close them
            return self._outcomes
        finally:
            self._outcomes = None

    async def _claim_batch(self) -> int:
        """Claim what fits; returns the rows claimed (0: nothing due, or no room)."""
        room = self.max_inflight - self._inflight
        if room <= 0:
            self._more_due = True  # find out once there is room
            return 0
        messages = await self.store.queue.claim(self.owner, self.clock(), room, self.settings.lease)
        count = sum(len(m.recipients) for m in messages)
        self._more_due = count == room
        self._inflight += count
        self._held.update((m.id, r.recipient) for m in messages for r in m.recipients)
        for message in messages:
            await self._dispatch(message)
        return count

    async def _sleep_time(self) -> float:
        due = await self.store.queue.next_due()
        if due is None:
            return self.settings.poll_interval
        wait = (due - self.clock()).total_seconds()
        return min(self.settings.poll_interval, max(wait, IDLE_STEP))

    # -- destinations and lanes ----------------------------------------------------------------
    async def _dispatch(self, message: ClaimedMessage) -> None:
        """One job per destination of the message: a domain, or the relayhost / local
        delivery for all the domains that go there (one transaction for all of them)."""
        jobs: dict[str, Job] = {}
        for rcpt in message.recipients:
            local = await self.attempt.is_local(rcpt.domain)
            key = self._destination_key(rcpt.domain, local)
            job = jobs.get(key)
            if job is None:
                job = jobs[key] = Job(message, rcpt.domain, [], local)
            job.recipients.append(rcpt)
        for key, job in jobs.items():
            dest = self._destinations.get(key)
            if dest is None:
                dest = self._destinations[key] = Destination(key)
            dest.pending.append(job)
            if dest.idle < len(dest.pending) and dest.lanes < self.settings.per_destination:
                self._start_lane(dest)

    def _destination_key(self, domain: str, local: bool) -> str:
        relay = self.settings.relayhost
        if local:
            return "local"
        if relay is not None:
            return f"relay:{relay.host}:{relay.port}"
        return domain

    def _start_lane(self, dest: Destination) -> None:
        dest.lanes += 1
        task = asyncio.create_task(self._lane(dest), name=f"queue-lane-{dest.key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _lane(self, dest: Destination) -> None:
        """One connection's worth of work for ``dest``: jobs until none comes for a while."""
        session: Session | None = None
        self._waiting_for_lane += 1
        try:
            await self._lanes.acquire()
        except BaseException:
            dest.lanes -= 1
            raise
        finally:
            self._waiting_for_lane -= 1
        try:
            while not self._stopping:
                job = dest.pending.popleft() if dest.pending else None
                if job is None and session is not None:
                    job = await self._next_job(dest)
                if job is None:
                    break
                session = await self._run(job, session)
        finally:
            self._lanes.release()
            if session is not None:
                await session.close()
            dest.lanes -= 1
            if dest.lanes == 0:
                if dest.pending and not self._stopping:
                    self._start_lane(dest)  # jobs came in as the last lane was ending
                elif self._destinations.get(dest.key) is dest:
                    del self._destinations[dest.key]

    async def _next_job(self, dest: Destination) -> Job | None:
        """Keep an open connection a little for more mail to the same destination."""
        dest.idle += 1
        try:
            waited = 0.0
            while waited < self.settings.idle_timeout and not self._stopping:
                if dest.pending:
                    return dest.pending.popleft()
                if self._waiting_for_lane and self._lanes.locked():
                    return None  # another destination needs the lane
                await asyncio.sleep(IDLE_STEP)
                waited += IDLE_STEP
            return dest.pending.popleft() if dest.pending else None
        finally:
            dest.idle -= 1

    async def _run(self, job: Job, session: Session | None) -> Session | None:
        started = time.monotonic()
        try:
            if job.local:
                outcomes = await self.attempt.local(job)
            else:
                outcomes, session = await self.attempt.remote(job, session)
        except Exception as exc:  # a bug or the database: the recipients are retried
            log.exception("queue %d: delivery attempt failed", job.message.id)
            reply = temporary("4.3.0", f"internal error: {type(exc).__name__}")
            outcomes = [Outcome(job.message.id, r.recipient, reply) for r in job.recipients]
        try:
            await self._complete(job, outcomes, time.monotonic() - started)
        except Exception:
            log.exception("queue %d: completing the attempt failed", job.message.id)
        finally:
            # a result not recorded leaves the lease to expire: the recipients are retried
            self._inflight -= len(job.recipients)
            self._held.difference_update((job.message.id, r.recipient) for r in job.recipients)
            # claim again when a batch fits (one claim transaction per batch, not per job)
            room = self.max_inflight - self._inflight
            if self._outcomes is not None or (
                self._more_due and (room >= self.settings.concurrency or not self._inflight)
            ):
                self._wake.set()
        return session

    async def _complete(self, job: Job, outcomes: list[Outcome], seconds: float = 0.0) -> None:
        now = self.clock()
        updates = decide(job.message, outcomes, now, self.settings)
        original = await self.attempt.original(job)
        reports = Reports(job.message, outcomes, original, self.settings, now)
        try:
            done = await self.store.queue.complete(
                self.owner, job.message.id, updates, now, reports
            )
        except MailstoreError as exc:
            log.warning("queue %d: results not recorded (%s); retried later", job.message.id, exc)
            return
        for outcome, update in zip(outcomes, updates, strict=True):
            if update.recipient not in done.written:
                log.warning(
                    "queue %d: lease on <%s> lost; result not recorded",
                    job.message.id,
                    outcome.recipient,
                )
                continue
            log.info(
                "queue %d: to=<%s> relay=%s tls=%s status=%s (%s)",
                job.message.id,
                outcome.recipient,
                outcome.remote_host or "none",
                outcome.tls or "no",
                update.status,
                outcome.reply,
                extra=event(
                    queue_id=job.message.id,
                    domain=outcome.recipient.rpartition("@")[2].lower(),
                    outcome=update.status,
                    reply=str(outcome.reply),
                    duration=round(seconds, 3),
                ),
            )
            if self.on_attempt is not None:
                self.on_attempt(update.status)
            if self._outcomes is not None:
                self._outcomes.append(outcome)
        for report_id in done.reports:
            log.info("queue %d: DSN queued as %d", job.message.id, report_id)

    async def _drain(self, grace: float | None) -> None:
        """Let running jobs finish (start no new ones); cancel them after ``grace`` seconds."""
        self._stopping = True
        try:
            for dest in self._destinations.values():
                dest.pending.clear()  # still leased: released by the caller, or they expire
            if self._tasks:
                _, late = await asyncio.wait(list(self._tasks), timeout=grace)
                for task in late:
                    task.cancel()
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
        finally:
            self._stopping = False

    # -- wake-ups and leases -------------------------------------------------------------------
    async def _listen(self, stop: asyncio.Event) -> None:
        """LISTEN for new mail (and ``queue retry``); reconnect when the connection drops."""

        def wake(*_: object) -> None:
            self._more_due = True
            self._wake.set()

        delay = 0.5
        while not stop.is_set():
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self.store.db.url)
                await conn.add_listener(CHANNEL, wake)
                wake()  # anything queued while not listening
                delay = 0.5
                while not conn.is_closed():
                    await asyncio.sleep(5)
                    await conn.execute("SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("queue listener: %s; reconnecting", exc)
            finally:
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30)

    async def _renew(self, stop: asyncio.Event) -> None:
        interval = self.settings.lease.total_seconds() / 3
        while not stop.is_set():
            await asyncio.sleep(interval)
            if self._held:
                try:
                    await self.store.queue.renew(
                        self.owner, sorted(self._held), self.clock(), self.settings.lease
                    )
                except Temporary as exc:
                    log.warning("queue lease renewal: %s", exc)
                except Exception:
                    log.exception("queue lease renewal failed")


async def _wait_any(event: asyncio.Event, stop: asyncio.Event, delay: float) -> None:
    waits = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waits, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
