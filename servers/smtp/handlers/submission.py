"""Submission (RFC 6409) on 587 with STARTTLS and 465 with implicit TLS (RFC 8314).

AUTH is required before MAIL (the protocol enforces it: ``530 5.7.0``), and offered only under
TLS. The envelope sender and every ``From:`` address must be the user's own address (with an
optional ``+tag``) or an alias that reaches the user; else ``553 5.7.1``. Local recipients are
stored at once; remote ones go to the outbound queue. ``Date`` and ``Message-ID`` are added
when missing (RFC 6409 §8.2, §8.3).
"""

from __future__ import annotations

import logging

from servers.smtp import replies
from servers.smtp.delivery import queue_available
from servers.smtp.engine import Account
from servers.smtp.handlers.base import BaseHandler
from servers.smtp.headers import from_addresses, submission_fields
from servers.smtp.protocol import SMTPProtocol
from servers.smtp.replies import Reply
from servers.smtp.state import Envelope, Recipient, RemoteRecipient, Session

log = logging.getLogger(__name__)


class SubmissionHandler(BaseHandler):
    kind = "submission"

    async def authenticate(self, login: str, password: str) -> Account | None:
        return await self.store.directory.authenticate(login, password)

    async def check_sender(
        self, server: SMTPProtocol, session: Session, envelope: Envelope, sender: str
    ) -> Reply:
        assert session.account is not None  # AUTH is required before MAIL
        if sender and not await self.owns(session.account, sender):
            log.warning(
                "%s: %s may not send as <%s>", session.client_ip, session.account.address, sender
            )
            return replies.SENDER_NOT_OWNED
        return replies.SENDER_OK

    async def accept_recipient(
        self, session: Session, envelope: Envelope, address: str, original: str
    ) -> Recipient | Reply:
        local = await self.resolve_local(envelope, address)
        if local is not None:
            return local
        if not queue_available(self.store):
            return replies.NO_OUTBOUND_QUEUE
        # RFC 5321 §2.4: a remote local-part is case-sensitive; queue it as given.
        local_part, _, domain = original.rpartition("@")
        return RemoteRecipient(f"{local_part}@{domain.lower()}")

    async def compose(
        self,
        server: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        content: bytes,
        message_id: str,
    ) -> tuple[bytes, str] | Reply:
        account = session.account
        assert account is not None
        for address in from_addresses(content):
            if not await self.owns(account, address):
                log.warning(
                    "%s: %s may not use From: <%s>", session.client_ip, account.address, address
                )
                return replies.FROM_NOT_OWNED
        added = submission_fields(content, self.settings.hostname)
        return self.received(server, session, envelope, message_id) + added + content, "INBOX"

    async def owns(self, account: Account, address: str) -> bool:
        """May ``account`` use ``address`` as sender: its own (``+tag`` too) or an alias of it.

        Only aliases naming the address exactly count; a domain's catch-all does not.
        """
        return await self.store.directory.may_send_as(account.id, address)
