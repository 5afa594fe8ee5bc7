"""From accepted recipients to engine calls, and from engine results back to replies.

One message is stored for all local recipients in ONE engine transaction (one body); remote
recipients (submission) and external alias forwards go to the outbound queue
(``store.queue.enqueue``, see :func:`store_message`). The caller answers ``250`` only after
this returned, i.e. after COMMIT (DESIGN principle 7).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from servers.smtp import replies
from servers.smtp.engine import (
    Incoming,
    MailstoreError,
    NotFound,
    OutboundCopy,
    OverQuota,
    Reception,
    Stored,
    Target,
    Temporary,
)
from servers.smtp.replies import Reply
from servers.smtp.state import LocalRecipient, Recipient, RemoteRecipient


@dataclass(frozen=True, slots=True)
class Outbound:
    """Copies for the outbound queue."""

    sender: str
    recipients: tuple[str, ...]
    account_id: int | None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class DeliveryPlan:
    """Engine targets (one per account, however many recipients reach it) and the queue list."""

    targets: list[Target]
    remote: list[str]
    #: For each envelope recipient, the indexes of its targets in ``targets``.
    per_recipient: list[tuple[int, ...]]

    @classmethod
    def build(cls, recipients: Sequence[Recipient], mailbox: str = "INBOX") -> DeliveryPlan:
        targets: list[Target] = []
        by_account: dict[int, int] = {}
        remote: dict[str, None] = {}
        per_recipient: list[tuple[int, ...]] = []
        for recipient in recipients:
            match recipient:
                case LocalRecipient(accounts=accounts, external=external):
                    indexes = []
                    for account_id in accounts:
                        if account_id not in by_account:
                            by_account[account_id] = len(targets)
                            targets.append(Target(account_id, mailbox))
                        indexes.append(by_account[account_id])
                    remote.update(dict.fromkeys(external))
                    per_recipient.append(tuple(indexes))
                case RemoteRecipient(address=address):
                    remote[address] = None
                    per_recipient.append(())
        return cls(targets, list(remote), per_recipient)

    def outcomes(self, results: Sequence[Stored | MailstoreError]) -> list[MailstoreError | None]:
        """Per envelope recipient: None when stored (or queued), else why not.

        A recipient reaching several accounts counts as delivered when any copy was stored.
        """
        outcomes: list[MailstoreError | None] = []
        for indexes in self.per_recipient:
            errors = [r for i in indexes if isinstance(r := results[i], MailstoreError)]
            failed = bool(indexes) and len(errors) == len(indexes)
            outcomes.append(errors[0] if failed else None)
        return outcomes


def queue_available(store: Any) -> bool:
    """True once the engine has the outbound queue API (``store.queue.enqueue``)."""
    return hasattr(getattr(store, "queue", None), "enqueue")


async def store_message(
    store: Any,
    message: Incoming,
    targets: Sequence[Target],
    outbound: Outbound | None,
    reception: Reception | None = None,
) -> list[Stored | MailstoreError]:
    """Store local copies and queue remote ones; per-target results for the local copies.

    Both go in one engine transaction (``Store.deliver_and_queue``): a failure leaves neither,
    so the client's retry after a 451 cannot duplicate local copies. ``reception`` goes to the
    mail log with that transaction.
    """
    remote = outbound is not None and bool(outbound.recipients)
    if not remote:
        return await store.ingest.deliver(message, targets, reception) if targets else []
    assert outbound is not None
    if not queue_available(store):
        raise Temporary("outbound queue not available")
    copy = OutboundCopy(
        outbound.sender, tuple(outbound.recipients), outbound.account_id, dict(outbound.params)
    )
    if not targets:
        await store.queue.enqueue(
            copy.sender,
            list(copy.recipients),
            message,
            account_id=copy.account_id,
            params=dict(copy.params),
            reception=reception,
        )
        return []
    results: list[Stored | MailstoreError] = await store.deliver_and_queue(
        message, targets, copy, reception
    )
    return results


def error_reply(error: MailstoreError, quota_permanent: bool = False) -> Reply:
    """The reply for an engine error at RCPT or after DATA (STYLE point 8)."""
    if isinstance(error, OverQuota):
        return replies.OVER_QUOTA_PERMANENT if quota_permanent else replies.OVER_QUOTA
    if isinstance(error, NotFound):
        return replies.UNKNOWN_USER
    return replies.TEMPORARY
