"""Prometheus metrics of one ``mailstore serve`` process, in one registry the runner owns.

Why one object and not prometheus_client's global ``REGISTRY``: tests (and benchmarks) start
several servers in one Python process, and each must count only its own sessions. The runner
creates a :class:`Metrics`, hands it to every front end through ``servers.runner.Context``,
and serves ``metrics.render()`` on the ``[metrics] listen`` address
(``servers/common/metrics_http.py``).

Hot paths stay cheap: a front end asks once for its :class:`ProtocolMetrics` (children with
their labels already bound) and then pays a dict lookup and an increment per command; label
values come from fixed sets (an unknown command verb counts as ``other``), so a client cannot
grow the number of series.

What the engine knows (queue size and age, database pool use) is read at scrape time by
:meth:`Metrics.refresh`, in the event loop, before rendering: prometheus_client's collectors
are synchronous and may run on any thread, so :class:`EngineCollector` only reports the
snapshot ``refresh`` left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from mailstore.store import Store

log = logging.getLogger(__name__)

#: The text exposition format we serve (Prometheus 0.0.4, what every scraper reads).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Seconds; from a cached FETCH (sub-millisecond) to a large APPEND or DATA.
LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)
#: The label value of a command verb outside the protocol's known set.
OTHER = "other"
#: Queue attempt outcomes (``mailstore/store/queue.py`` statuses); anything else is OTHER.
QUEUE_OUTCOMES = ("delivered", "deferred", "bounced")

SMTP_COMMANDS = (
    "HELO",
    "EHLO",
    "LHLO",
    "MAIL",
    "RCPT",
    "DATA",
    "RSET",
    "NOOP",
    "QUIT",
    "VRFY",
    "EXPN",
    "HELP",
    "STARTTLS",
    "AUTH",
)
POP3_COMMANDS = (
    "CAPA",
    "STLS",
    "USER",
    "PASS",
    "AUTH",
    "STAT",
    "LIST",
    "UIDL",
    "RETR",
    "TOP",
    "DELE",
    "NOOP",
    "RSET",
    "QUIT",
)


class ProtocolMetrics:
    """The children of one protocol (smtp, submission, lmtp, imap, pop3), bound once."""

    def __init__(
        self,
        metrics: Metrics,
        protocol: str,
        commands: Iterable[str],
        untimed: Iterable[str] = (),
    ) -> None:
        self.protocol = protocol
        self._metrics = metrics
        self._opened = {
            False: metrics.connections.labels(protocol, "plain"),
            True: metrics.connections.labels(protocol, "implicit"),
        }
        self._open = metrics.connections_open.labels(protocol)
        self._open.set(0)
        self._auth = {
            True: metrics.auth.labels(protocol, "success"),
            False: metrics.auth.labels(protocol, "failure"),
        }
        self._known = frozenset(commands)
        #: Commands whose duration is the client's, not ours (IDLE): counted, not timed.
        self._untimed = frozenset(untimed)
        self._commands: dict[str, tuple[Any, Any]] = {}

    def connection_opened(self, implicit_tls: bool = False) -> None:
        self._opened[implicit_tls].inc()
        self._open.inc()

    def connection_closed(self) -> None:
        self._open.dec()

    def auth(self, ok: bool) -> None:
        """One authentication attempt that reached the password check."""
        self._auth[ok].inc()

    def command(self, verb: str, seconds: float | None = None) -> None:
        """One command, with how long it took to answer (None: not timed)."""
        pair = self._commands.get(verb)
        if pair is None:
            pair = self._bind(verb)
        pair[0].inc()
        if seconds is not None and pair[1] is not None:
            pair[1].observe(seconds)

    def _bind(self, verb: str) -> tuple[Any, Any]:
        """Bind a known verb's children once; an unknown verb shares OTHER's (not cached
        under its own name, so a client inventing verbs cannot grow the table)."""
        label = verb if verb in self._known else OTHER
        pair = self._commands.get(label)
        if pair is None:
            m = self._metrics
            timed = label not in self._untimed
            pair = (
                m.commands.labels(self.protocol, label),
                m.command_seconds.labels(self.protocol, label) if timed else None,
            )
            self._commands[label] = pair
        return pair


class SmtpMetrics(ProtocolMetrics):
    """SMTP, submission and LMTP: also messages accepted and refusals by reason."""

    def __init__(self, metrics: Metrics, protocol: str) -> None:
        super().__init__(metrics, protocol, SMTP_COMMANDS)
        self._accepted = metrics.smtp_accepted.labels(protocol)
        self._rejections: dict[tuple[str, str], Any] = {}

    def accepted(self) -> None:
        """A message accepted at DATA (LMTP: one per recipient that got a 250)."""
        self._accepted.inc()

    def rejected(self, code_class: str, reason: str) -> None:
        """A refused MAIL, RCPT or DATA; ``reason`` comes from a fixed set
        (``servers/smtp/rejections.py``)."""
        key = (code_class, reason)
        child = self._rejections.get(key)
        if child is None:
            child = self._rejections[key] = self._metrics.smtp_rejections.labels(
                self.protocol, code_class, reason
            )
        child.inc()


@dataclass
class EngineSnapshot:
    """What the last scrape read from the engine."""

    ok: bool = False
    queue_recipients: dict[str, int] = field(default_factory=dict)
    queue_messages: int = 0
    queue_oldest_age: float = 0.0
    pool_in_use: int = 0
    pool_idle: int = 0
    pool_max: int = 0


class EngineCollector(Collector):
    """Reports the :class:`EngineSnapshot` that :meth:`Metrics.refresh` took (no I/O here)."""

    def __init__(self) -> None:
        self.snapshot = EngineSnapshot()

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot
        up = GaugeMetricFamily(
            "mailstore_engine_up", "1 if the last scrape could read the database, else 0."
        )
        up.add_metric([], 1.0 if snap.ok else 0.0)
        yield up
        if not snap.ok:
            return
        recipients = GaugeMetricFamily(
            "mailstore_queue_recipients",
            "Outbound queue recipient rows by status (queued, deferred, and finished rows "
            "of messages still queued).",
            labels=["status"],
        )
        for status in ("queued", "deferred", "delivered", "bounced"):
            recipients.add_metric([status], float(snap.queue_recipients.get(status, 0)))
        yield recipients
        yield GaugeMetricFamily(
            "mailstore_queue_messages",
            "Messages in the outbound queue.",
            value=float(snap.queue_messages),
        )
        yield GaugeMetricFamily(
            "mailstore_queue_oldest_age_seconds",
            "Age of the oldest queued message with a recipient still pending (0: none).",
            value=snap.queue_oldest_age,
        )
        pool = GaugeMetricFamily(
            "mailstore_db_pool_connections",
            "Database pool connections by state.",
            labels=["state"],
        )
        pool.add_metric(["in_use"], float(snap.pool_in_use))
        pool.add_metric(["idle"], float(snap.pool_idle))
        yield pool
        yield GaugeMetricFamily(
            "mailstore_db_pool_max_connections",
            "The database pool's maximum size.",
            value=float(snap.pool_max),
        )


class Metrics:
    """The registry of one process and every metric family in it."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.connections = Counter(
            "mailstore_connections",
            "Client connections accepted, by protocol and whether TLS was implicit.",
            ["protocol", "tls"],
            registry=r,
        )
        self.connections_open = Gauge(
            "mailstore_connections_open", "Client connections open now.", ["protocol"], registry=r
        )
        self.commands = Counter(
            "mailstore_commands",
            "Commands received, by protocol and verb (unknown verbs: other).",
            ["protocol", "command"],
            registry=r,
        )
        self.command_seconds = Histogram(
            "mailstore_command_duration_seconds",
            "Time from a command's arrival to its complete reply.",
            ["protocol", "command"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.auth = Counter(
            "mailstore_auth",
            "Password checks by protocol and result.",
            ["protocol", "result"],
            registry=r,
        )
        self.smtp_accepted = Counter(
            "mailstore_smtp_messages_accepted",
            "Messages accepted at DATA (LMTP: per recipient).",
            ["protocol"],
            registry=r,
        )
        self.smtp_rejections = Counter(
            "mailstore_smtp_rejections",
            "Refused MAIL, RCPT and DATA commands by reply class and reason.",
            ["protocol", "code_class", "reason"],
            registry=r,
        )
        self.queue_attempts = Counter(
            "mailstore_queue_attempts",
            "Outbound delivery attempts per recipient, by outcome.",
            ["outcome"],
            registry=r,
        )
        self._queue_outcomes = {o: self.queue_attempts.labels(o) for o in QUEUE_OUTCOMES}
        self.engine = EngineCollector()
        r.register(self.engine)
        self._protocols: dict[str, ProtocolMetrics] = {}
        self._refreshing = asyncio.Lock()

    # -- front ends ----------------------------------------------------------------------------
    def protocol(
        self, name: str, commands: Iterable[str] = (), untimed: Iterable[str] = ()
    ) -> ProtocolMetrics:
        """The one :class:`ProtocolMetrics` of ``name`` (made on first use): ``commands`` are
        the verbs counted by name, ``untimed`` those whose duration is the client's."""
        found = self._protocols.get(name)
        if found is None:
            found = self._protocols[name] = ProtocolMetrics(self, name, commands, untimed)
        return found

    def imap(self, commands: Iterable[str]) -> ProtocolMetrics:
        """IMAP (both listeners): ``commands`` are the dispatch table's names."""
        return self.protocol("imap", commands, ("IDLE",))

    def pop3(self) -> ProtocolMetrics:
        return self.protocol("pop3", POP3_COMMANDS)

    def smtp(self, protocol: str) -> SmtpMetrics:
        """``protocol``: smtp (the MX), submission (587 and 465) or lmtp."""
        found = self._protocols.get(protocol)
        if not isinstance(found, SmtpMetrics):
            found = self._protocols[protocol] = SmtpMetrics(self, protocol)
        return found

    # -- queue workers -------------------------------------------------------------------------
    def queue_attempt(self, outcome: str) -> None:
        """One recipient's delivery attempt ended (the workers' ``on_attempt`` hook)."""
        child = self._queue_outcomes.get(outcome)
        if child is None:
            child = self._queue_outcomes[OTHER] = self.queue_attempts.labels(OTHER)
        child.inc()

    # -- scraping ------------------------------------------------------------------------------
    async def refresh(self, store: Store) -> None:
        """Read the engine's figures (in the event loop) for the next render."""
        async with self._refreshing:
            snap = EngineSnapshot()
            try:
                stats = await store.queue.stats()
                pool = store.db.pool_stats()
            except Exception as exc:  # a scrape must answer even with the database away
                log.warning("metrics: engine figures unavailable: %s", exc)
                self.engine.snapshot = snap
                return
            snap.ok = True
            snap.queue_recipients = dict(stats.recipients)
            snap.queue_messages = stats.messages
            if stats.oldest_pending is not None:
                age = (datetime.now(UTC) - stats.oldest_pending).total_seconds()
                snap.queue_oldest_age = max(age, 0.0)
            snap.pool_in_use = pool.size - pool.idle
            snap.pool_idle = pool.idle
            snap.pool_max = pool.max
            self.engine.snapshot = snap

    def render(self) -> bytes:
        """The registry in the text exposition format (:data:`CONTENT_TYPE`)."""
        return generate_latest(self.registry)


_DISCARDED: Metrics | None = None


def discarded() -> Metrics:
    """A process-wide :class:`Metrics` nobody serves: for front ends started without a
    runner ``Context`` (benchmarks, some tests), so instrumented code needs no ``if``."""
    global _DISCARDED
    if _DISCARDED is None:
        _DISCARDED = Metrics()
    return _DISCARDED


def of(context: Any) -> Metrics:
    """The context's metrics, or :func:`discarded` when it carries none."""
    metrics = getattr(context, "metrics", None)
    return metrics if isinstance(metrics, Metrics) else discarded()
