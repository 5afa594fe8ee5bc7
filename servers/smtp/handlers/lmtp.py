"""LMTP (RFC 2033): final delivery handed over by another MTA (Postfix, Exim).

Recipients must be in our domains; after DATA there is one reply per accepted recipient, in
RCPT order (RFC 2033 §4.2), so an over-quota mailbox does not hold back the others.
"""

from __future__ import annotations

from servers.smtp import replies
from servers.smtp.handlers.base import BaseHandler
from servers.smtp.replies import Reply
from servers.smtp.state import Envelope, Recipient, Session


class LMTPHandler(BaseHandler):
    kind = "lmtp"

    async def accept_recipient(
        self, session: Session, envelope: Envelope, address: str, original: str
    ) -> Recipient | Reply:
        local = await self.resolve_local(envelope, address)
        if local is None:
            return replies.NOT_LOCAL
        return local

    def answer(self, envelope: Envelope, answers: list[Reply], message_id: str) -> list[Reply]:
        return answers
