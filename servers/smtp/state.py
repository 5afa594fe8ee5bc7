"""Session and envelope state of one SMTP/LMTP connection.

aiosmtpd keeps its own ``Session`` and ``Envelope``; we subclass them to add what our handlers
need: the authenticated account, the declared SIZE, and the accepted recipients as a sum type
(a local recipient resolved to accounts, or a remote one to queue).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiosmtpd.smtp import Envelope as _Envelope
from aiosmtpd.smtp import Session as _Session

from servers.smtp.engine import Account, AuthSummary


@dataclass(frozen=True, slots=True)
class LocalRecipient:
    """A recipient in one of our domains: the accounts it reaches and its external forwards."""

    address: str
    accounts: tuple[int, ...]
    external: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RemoteRecipient:
    """A recipient elsewhere (authenticated submission only): goes to the outbound queue."""

    address: str


Recipient = LocalRecipient | RemoteRecipient


class Session(_Session):
    """aiosmtpd's session plus the authenticated account (None until AUTH succeeds)."""

    def __init__(self, loop) -> None:  # type: ignore[no-untyped-def]
        super().__init__(loop)
        self.account: Account | None = None

    @property
    def client_ip(self) -> str:
        peer = self.peer
        return str(peer[0]) if isinstance(peer, tuple) and peer else ""


class Envelope(_Envelope):
    """aiosmtpd's envelope plus our view of the transaction."""

    def __init__(self) -> None:
        super().__init__()
        #: Envelope sender as accepted ("" for the null reverse-path <>).
        self.sender: str = ""
        #: SIZE= from MAIL FROM (RFC 1870), when declared.
        self.declared_size: int | None = None
        #: BODY= from MAIL FROM (RFC 6152), upper-case, when declared.
        self.body_type: str | None = None
        self.recipients: list[Recipient] = []
        #: Our id of the stored message (``Received: ... id``), once DATA delivered it.
        self.message_id: str | None = None
        #: SPF/DKIM/DMARC results of the MX checks after DATA, for the mail log.
        self.auth: AuthSummary | None = None
