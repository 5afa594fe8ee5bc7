"""One delivery attempt: a queued message to the recipients of one domain.

Remote recipients go over SMTP on a (possibly reused) :class:`Session`: the bytes sent are the
stored message after privacy rewriting (submitted mail only) and DKIM signing, the envelope
sender SRS-rewritten when the mail is forwarded (a sender outside our domains). Recipients in
our own domains (DSNs to local senders, mail queued before a domain became local) are stored
through the engine's ingest, and alias forwards among them are queued anew.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from time import monotonic

from mailstore import failpoints
from mailstore.errors import InvalidArgument, NotFound, OverQuota
from mailstore.outbound.dsn import GENERATED
from mailstore.outbound.mx import RouteError
from mailstore.outbound.privacy import scrub
from mailstore.outbound.results import Outcome, Reply, permanent, temporary
from mailstore.outbound.settings import Settings
from mailstore.outbound.signing import Signer
from mailstore.outbound.smtpclient import Connector, Envelope, Session
from mailstore.outbound.srs import SRS, SRSError
from mailstore.store import Store, Target, prepare
from mailstore.store.queue import ClaimedMessage, ClaimedRecipient

log = logging.getLogger(__name__)

#: How long the answer to "is this domain ours?" is trusted.
LOCAL_DOMAIN_TTL = 30.0


@dataclass(slots=True)
class Job:
    """The recipients of one message in one domain, leased by this worker."""

    message: ClaimedMessage
    domain: str
    recipients: list[ClaimedRecipient]
    local: bool
    #: The stored message, once fetched (also what a DSN returns).
    raw: bytes | None = None


class Attempt:
    """Delivers jobs; knows the configuration, the store and the connector."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        connector: Connector,
        signer: Signer,
        srs: SRS | None,
    ):
        self.store = store
        self.settings = settings
        self.connector = connector
        self.signer = signer
        self.srs = srs
        self._local: dict[str, tuple[bool, float]] = {}

    async def is_local(self, domain: str) -> bool:
        cached = self._local.get(domain)
        if cached is not None and monotonic() - cached[1] < LOCAL_DOMAIN_TTL:
            return cached[0]
        local = await self.store.directory.is_local_domain(domain)
        self._local[domain] = (local, monotonic())
        return local

    async def original(self, job: Job) -> bytes:
        if job.raw is None:
            job.raw = await self.store.queue.body(job.message.body_id)
        return job.raw

    # -- remote --------------------------------------------------------------------------------
    async def remote(
        self, job: Job, session: Session | None
    ) -> tuple[list[Outcome], Session | None]:
        """Send ``job`` over ``session`` (or a new one); the outcomes and the session to keep."""
        data = await self.outgoing(job)
        envelope = await self.envelope(job, len(data))
        if isinstance(envelope, Reply):
            return self._all(job, envelope), session
        reused = session is not None and session.usable
        if session is not None and not reused:
            await session.close()
            session = None
        for _ in range(2):
            if session is None:
                try:
                    session = await self.connector.open(job.domain)
                except RouteError as exc:
                    return self._all(job, exc.reply), None
            replies = await session.send(envelope, data)
            if reused and session.lost_in == "MAIL FROM":
                # the peer closed the idle connection meanwhile: once more on a new one
                await session.close()
                session, reused = None, False
                continue
            break
        assert session is not None
        if any(reply.code == 250 for reply in replies.values()):
            # crash harness: accepted remotely, not yet marked delivered (at-least-once)
            failpoints.hit("outbound-after-250")
        outcomes = [
            Outcome(job.message.id, r, replies[r], str(session.target), session.tls)
            for r in envelope.recipients
        ]
        if not session.usable:
            await session.close()
            return outcomes, None
        return outcomes, session

    async def outgoing(self, job: Job) -> bytes:
        """The bytes to send: privacy-scrubbed and DKIM-signed when we are their author's
        server (mail our users submitted, DSNs we wrote); mail forwarded for an alias leaves as
        it came, or anyone could post ``From: ceo@our.domain`` to an alias and have it leave
        signed by us (a signing oracle)."""
        raw = await self.original(job)
        if job.message.account_id is not None:
            raw = scrub(
                raw,
                hide_client_ip=self.settings.hide_client_ip,
                strip_mailer=self.settings.strip_mailer,
            )
        elif job.message.params.get(GENERATED) != "dsn":
            return raw
        return await self.signer.sign_async(raw)

    async def envelope(self, job: Job, size: int) -> Envelope | Reply:
        params = job.message.params
        sender = job.message.sender
        if sender and self.srs is not None:
            domain = sender.rpartition("@")[2].lower()
            if not await self.is_local(domain):
                try:
                    sender = self.srs.forward(sender)  # forwarded mail: SRS0/SRS1
                except SRSError as exc:
                    return permanent("5.1.7", f"cannot rewrite sender <{sender}>: {exc}", 553)
        raw = job.raw or b""
        return Envelope(
            sender=sender,
            recipients=tuple(r.recipient for r in job.recipients),
            size=size,
            smtputf8=bool(params.get("SMTPUTF8")),
            eight_bit=str(params.get("BODY", "")).upper() == "8BITMIME" or not raw.isascii(),
        )

    # -- local ---------------------------------------------------------------------------------
    async def local(self, job: Job) -> list[Outcome]:
        """Store the message for recipients in our domains (one ingest transaction)."""
        raw = await self.original(job)
        incoming = await prepare(raw)
        outcomes: list[Outcome] = []
        targets: list[Target] = []
        owners: list[tuple[str, int, int]] = []  # recipient, first target, count
        forwards: list[str] = []
        for rcpt in job.recipients:
            try:
                resolution = await self.store.directory.resolve(rcpt.recipient)
            except (NotFound, InvalidArgument):
                outcomes.append(self._one(job, rcpt, permanent("5.1.1", "no such user here")))
                continue
            if resolution is None:
                reply = temporary("4.3.0", f"domain {job.domain} is no longer local")
                outcomes.append(self._one(job, rcpt, reply))
                continue
            owners.append((rcpt.recipient, len(targets), len(resolution.accounts)))
            targets.extend(Target(a) for a in resolution.accounts)
            forwards.extend(resolution.external)
        if forwards:
            await self.store.queue.enqueue(
                job.message.sender, forwards, incoming, params=dict(job.message.params)
            )
        results = await self.store.ingest.deliver(incoming, targets) if targets else []
        for recipient, first, count in owners:
            mine = results[first : first + count]
            errors = [r for r in mine if isinstance(r, Exception)]
            if count == 0 or len(errors) < count:
                reply = Reply(250, "2.0.0", "delivered locally")
            elif isinstance(errors[0], OverQuota):
                reply = temporary("4.2.2", "mailbox full")
            elif isinstance(errors[0], NotFound):
                reply = permanent("5.1.1", "no such user here")
            else:
                reply = temporary("4.3.0", f"local delivery failed: {errors[0]}")
            outcomes.append(Outcome(job.message.id, recipient, reply, "local"))
        return outcomes

    def _all(self, job: Job, reply: Reply) -> list[Outcome]:
        return [self._one(job, r, reply) for r in job.recipients]

    @staticmethod
    def _one(job: Job, rcpt: ClaimedRecipient, reply: Reply) -> Outcome:
        return Outcome(job.message.id, rcpt.recipient, reply)
