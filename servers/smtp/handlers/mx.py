"""The MX: mail from the internet for our domains and aliases only; never a relay.

Whatever the client says in HELO or MAIL FROM (our host name, one of our own addresses), a
recipient outside our domains is refused with ``554 5.7.1`` (RFC 5321 §3.6.2 / RFC 2505): the
MX does not offer AUTH, so nobody is allowed to relay through it.
"""

from __future__ import annotations

import logging

from mailstore.outbound.srs import SRS, SRSError, is_srs
from servers.smtp import replies
from servers.smtp.checks import Action, InboundChecks
from servers.smtp.engine import Store
from servers.smtp.handlers.base import BaseHandler
from servers.smtp.protocol import SMTPProtocol
from servers.smtp.replies import Reply
from servers.smtp.settings import SMTPSettings
from servers.smtp.state import Envelope, Recipient, RemoteRecipient, Session

log = logging.getLogger(__name__)

JUNK = "Junk"


class MXHandler(BaseHandler):
    kind = "mx"

    def __init__(
        self, store: Store, settings: SMTPSettings, checks: InboundChecks, srs: SRS | None = None
    ):
        super().__init__(store, settings)
        self.checks = checks
        #: Sender Rewriting Scheme: bounces to our SRS addresses go back to the original sender.
        self.srs = srs

    async def check_sender(
        self, server: SMTPProtocol, session: Session, envelope: Envelope, sender: str
    ) -> Reply:
        """SPF at MAIL FROM, refused only when configured (``spf_reject``; default off)."""
        if not self.settings.spf_reject:
            return replies.SENDER_OK
        reason = await self.checks.spf_fail(
            client_ip=session.client_ip, helo=session.host_name or "", mail_from=sender
        )
        if reason is not None:
            log.info("%s: MAIL FROM <%s> refused: %s", session.client_ip, sender, reason)
            return replies.SPF_FAIL
        return replies.SENDER_OK

    async def accept_recipient(
        self, session: Session, envelope: Envelope, address: str, original: str
    ) -> Recipient | Reply:
        if self.srs is not None and is_srs(original):
            try:
                # a bounce of forwarded mail: relay it to the sender we rewrote
                return RemoteRecipient(self.srs.reverse(original))
            except SRSError:
                log.info("%s: refused forged or expired SRS address", session.client_ip)
                return replies.UNKNOWN_USER
        local = await self.resolve_local(envelope, address)
        if local is None:
            return replies.RELAY_DENIED
        return local

    async def compose(
        self,
        server: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        content: bytes,
        message_id: str,
    ) -> tuple[bytes, str] | Reply:
        """SPF/DKIM/DMARC: Authentication-Results added, forged ones removed; DMARC policy."""
        verdict = await self.checks.check_message(
            client_ip=session.client_ip,
            helo=session.host_name or "",
            mail_from=envelope.sender,
            raw=content,
        )
        action = verdict.action
        if action is Action.REJECT and not self.settings.dmarc_reject:
            action = Action.QUARANTINE
        if action is Action.REJECT:
            log.info("%s: id=%s refused: %s", session.client_ip, message_id, verdict.reason)
            return replies.DMARC_REJECT.with_text(f"Rejected by {verdict.reason}")
        envelope.auth = verdict.auth
        mailbox = "INBOX"
        if action is Action.QUARANTINE and self.settings.dmarc_quarantine:
            mailbox = JUNK
        trace = self.received(server, session, envelope, message_id) + verdict.header
        return trace + verdict.raw, mailbox
