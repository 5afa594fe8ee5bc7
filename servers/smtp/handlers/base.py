"""What MX, submission and LMTP share: MAIL/RCPT hooks, recipient resolution, delivery.

A listener kind subclasses :class:`BaseHandler` and fills in three named steps:
``check_sender`` (MAIL FROM policy), ``accept_recipient`` (RCPT policy) and ``compose``
(the bytes to store, with our trace fields, or a refusal). ``deliver`` runs the rest.
"""

from __future__ import annotations

import logging

from servers.smtp import replies
from servers.smtp.delivery import (
    DeliveryPlan,
    Outbound,
    error_reply,
    queue_available,
    store_message,
)
from servers.smtp.engine import (
    InvalidArgument,
    MailstoreError,
    NotFound,
    Reception,
    Store,
    has_control_character,
    normalize_address,
    prepare,
)
from servers.smtp.headers import new_id, protocol_keyword, received_field
from servers.smtp.protocol import SMTPProtocol
from servers.smtp.replies import Reply
from servers.smtp.settings import SMTPSettings
from servers.smtp.state import Envelope, LocalRecipient, Recipient, Session

log = logging.getLogger(__name__)


class BaseHandler:
    """aiosmtpd handler hooks (``handle_MAIL``, ``handle_RCPT``) plus ``deliver`` for DATA."""

    kind = "smtp"

    def __init__(self, store: Store, settings: SMTPSettings):
        self.store = store
        self.settings = settings

    # -- MAIL FROM (RFC 5321 §4.1.1.2) -----------------------------------------------------------
    async def handle_MAIL(
        self,
        server: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        options: list[str],
    ) -> str:
        sender = "" if address == "<>" else address
        if has_control_character(sender):
            # NUL, CR, ESC...: never valid in a path (RFC 5321 §4.1.2), and a CR we would
            # repeat in a bounce's RCPT TO or a forward's MAIL FROM is command injection.
            log.info("%s: MAIL FROM with a control character refused", session.client_ip)
            return str(replies.BAD_SENDER_SYNTAX)
        if not sender.isascii() and not envelope.smtp_utf8:
            return str(replies.NEEDS_SMTPUTF8)  # RFC 6531 §3.4
        reply = await self.check_sender(server, session, envelope, sender)
        if reply.positive:
            envelope.mail_from = address
            envelope.mail_options.extend(options)
            envelope.sender = sender
            params = dict(o.partition("=")[::2] for o in options)
            size = params.get("SIZE", "")
            envelope.declared_size = int(size) if size.isdigit() else None
            envelope.body_type = params.get("BODY") or None
        return str(reply)

    async def check_sender(
        self, server: SMTPProtocol, session: Session, envelope: Envelope, sender: str
    ) -> Reply:
        return replies.SENDER_OK

    # -- RCPT TO (RFC 5321 §4.1.1.3) -------------------------------------------------------------
    async def handle_RCPT(
        self,
        server: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        options: list[str],
    ) -> str:
        if len(envelope.recipients) >= self.settings.max_recipients:
            return str(replies.TOO_MANY_RECIPIENTS)  # RFC 5321 §4.5.3.1.10
        if not address.isascii() and not envelope.smtp_utf8:
            return str(replies.NEEDS_SMTPUTF8)
        try:
            normalized = normalize_address(address)
        except InvalidArgument:
            return str(replies.BAD_RECIPIENT_SYNTAX)
        accepted = await self.accept_recipient(session, envelope, normalized, address)
        if isinstance(accepted, Reply):
            log.info("%s: RCPT %s refused: %s", session.client_ip, normalized, accepted)
            return str(accepted)
        envelope.recipients.append(accepted)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return str(replies.RECIPIENT_OK)

    async def accept_recipient(
        self, session: Session, envelope: Envelope, address: str, original: str
    ) -> Recipient | Reply:
        """RCPT policy of the listener kind: ``address`` normalised, ``original`` as sent."""
        raise NotImplementedError

    async def resolve_local(
        self, envelope: Envelope, address: str
    ) -> LocalRecipient | Reply | None:
        """A recipient in one of our domains, a refusal, or None when the domain is not ours."""
        try:
            resolution = await self.store.directory.resolve(address)
        except NotFound:
            return replies.UNKNOWN_USER
        except InvalidArgument:
            return replies.BAD_RECIPIENT_SYNTAX
        if resolution is None:
            return None
        external = resolution.external
        if external and not queue_available(self.store):
            if not resolution.accounts:
                return replies.NO_OUTBOUND_QUEUE
            log.warning("%s: forwards to %s skipped: no outbound queue", address, external)
            external = ()
        if not external and await self._all_over_quota(resolution.accounts, envelope):
            return self.over_quota_reply
        return LocalRecipient(address, resolution.accounts, external)

    async def _all_over_quota(self, account_ids: tuple[int, ...], envelope: Envelope) -> bool:
        """Refuse at RCPT when every account lacks room for the declared SIZE (RFC 1870 §6.2).

        Without SIZE, nothing is known about the message yet: an over-quota account is found
        by the engine at DATA (one query less per recipient on the hot path).
        """
        if not account_ids or envelope.declared_size is None:
            return False
        size = envelope.declared_size
        for account_id in account_ids:
            try:
                account = await self.store.directory.get_account_by_id(account_id)
            except NotFound:
                continue
            if account.quota_bytes is None or account.used_bytes + size <= account.quota_bytes:
                return False
        return True

    @property
    def over_quota_reply(self) -> Reply:
        return replies.OVER_QUOTA_PERMANENT if self.settings.quota_permanent else replies.OVER_QUOTA

    # -- DATA --------------------------------------------------------------------------------------
    async def deliver(
        self, server: SMTPProtocol, session: Session, envelope: Envelope, content: bytes
    ) -> list[Reply]:
        """Store the message for every accepted recipient; answer after COMMIT."""
        message_id = envelope.message_id = new_id()
        prepared = await self.compose(server, session, envelope, content, message_id)
        if isinstance(prepared, Reply):
            return self.answer(envelope, [prepared] * len(envelope.recipients), message_id)
        raw, mailbox = prepared
        plan = DeliveryPlan.build(envelope.recipients, mailbox)
        incoming = await prepare(raw)
        outbound = self.outbound(session, envelope, plan)
        reception = self.reception(session, envelope, message_id, plan)
        results = await store_message(self.store, incoming, plan.targets, outbound, reception)
        outcomes = plan.outcomes(results)
        answers = [replies.DELIVERED if o is None else self.error_reply(o) for o in outcomes]
        log.info(
            "%s: %s id=%s from=<%s> size=%d rcpts=%d ok=%d mailbox=%s",
            session.client_ip,
            self.kind,
            message_id,
            envelope.sender,
            len(raw),
            len(outcomes),
            outcomes.count(None),
            mailbox,
        )
        return self.answer(envelope, answers, message_id)

    async def compose(
        self,
        server: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        content: bytes,
        message_id: str,
    ) -> tuple[bytes, str] | Reply:
        """The bytes to store and the mailbox, or a refusal of the whole message."""
        return self.received(server, session, envelope, message_id) + content, "INBOX"

    def reception(
        self, session: Session, envelope: Envelope, message_id: str, plan: DeliveryPlan
    ) -> Reception:
        """The transaction as the mail log records it (``received_log``, schema.py)."""
        return Reception(
            protocol="smtp" if self.kind == "mx" else self.kind,
            sender=envelope.sender,
            client_address=session.client_ip or None,
            helo=session.host_name or None,
            transaction_id=message_id,
            remote_recipients=len(plan.remote),
            auth=envelope.auth,
        )

    def outbound(self, session: Session, envelope: Envelope, plan: DeliveryPlan) -> Outbound | None:
        if not plan.remote:
            return None
        params = {}
        if envelope.smtp_utf8:
            params["SMTPUTF8"] = "1"
        if envelope.body_type:
            params["BODY"] = envelope.body_type
        account_id = session.account.id if session.account is not None else None
        return Outbound(envelope.sender, tuple(plan.remote), account_id, params)

    def error_reply(self, error: MailstoreError) -> Reply:
        return error_reply(error, self.settings.quota_permanent)

    def answer(self, envelope: Envelope, answers: list[Reply], message_id: str) -> list[Reply]:
        """SMTP: one reply for the transaction. Partial failures after DATA are logged."""
        ok = [a for a in answers if a.positive]
        if not ok:
            return [answers[0]]
        if len(ok) < len(answers):
            failed = [
                (r.address, str(a))
                for r, a in zip(envelope.recipients, answers, strict=True)
                if not a.positive
            ]
            # TODO(engine): retry these later (the queue delivers remote recipients only).
            log.error("id=%s: accepted, but not stored for %s", message_id, failed)
        return [replies.STORED.with_text(f"OK: stored as {message_id}")]

    def received(
        self, server: SMTPProtocol, session: Session, envelope: Envelope, message_id: str
    ) -> bytes:
        """Our ``Received`` field (RFC 5321 §4.4)."""
        tls = server.tls_info()
        protocol = protocol_keyword(
            lmtp=server.lmtp,
            extended=session.extended_smtp,
            tls=tls is not None,
            authenticated=session.account is not None,
            utf8=envelope.smtp_utf8,
        )
        only = envelope.recipients[0].address if len(envelope.recipients) == 1 else None
        return received_field(
            helo=session.host_name,
            client_ip=session.client_ip,
            by=self.settings.hostname,
            protocol=protocol,
            message_id=message_id,
            tls=tls,
            recipient=only,
        )
