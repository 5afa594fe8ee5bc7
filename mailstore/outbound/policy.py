"""From one attempt's outcomes to queue updates and DSNs: the retry schedule and bounces.

* 2xx: delivered. 5xx (or a permanent condition found locally): bounced at once.
* 4xx, or no answer: deferred to ``now + backoff(attempts)`` (``[queue] retry_first``,
  ``retry_factor``, ``retry_max``), never past the message's expiry; a failure at or after
  the expiry bounces ("delivery time expired", RFC 5321 §4.5.4.1).
* A bounced recipient produces a "failed" DSN to the envelope sender, one DSN per message and
  attempt for all its recipients that failed in it; a recipient deferred longer than
  ``[queue] delay_warning`` produces one "delayed" DSN, once. Never for the null sender.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mailstore.message import parse_message
from mailstore.outbound.dsn import (
    GENERATED,
    Action,
    ReportRecipient,
    build_report,
    wants_report,
)
from mailstore.outbound.results import Kind, Outcome, Reply
from mailstore.outbound.settings import Settings
from mailstore.store import Incoming
from mailstore.store.queue import (
    BOUNCED,
    DEFERRED,
    DELIVERED,
    ClaimedMessage,
    NewMessage,
    RecipientUpdate,
)


def decide(
    message: ClaimedMessage, outcomes: Sequence[Outcome], now: datetime, settings: Settings
) -> list[RecipientUpdate]:
    """The row update for each outcome (see the module docstring)."""
    claimed = {r.recipient: r for r in message.recipients}
    updates = []
    for outcome in outcomes:
        rcpt = claimed[outcome.recipient]
        reply = outcome.reply
        host, tls = outcome.remote_host, outcome.tls
        if outcome.kind is Kind.DELIVERED:
            updates.append(RecipientUpdate(rcpt.recipient, DELIVERED, str(reply), None, host, tls))
            continue
        if outcome.kind is Kind.DEFERRED and now >= message.expires_at:
            reply = Reply(reply.code, "4.4.7", f"delivery time expired; last error: {reply}")
        if outcome.kind is Kind.FAILED or now >= message.expires_at:
            updates.append(RecipientUpdate(rcpt.recipient, BOUNCED, str(reply), None, host, tls))
            continue
        retry_at = min(now + settings.backoff(rcpt.attempts + 1), message.expires_at)
        warn = (
            settings.delay_warning is not None
            and not rcpt.delay_notified
            and now - message.created_at >= settings.delay_warning
            and wants_report(message.sender, "delayed", rcpt.params)
        )
        updates.append(
            RecipientUpdate(rcpt.recipient, DEFERRED, str(reply), retry_at, host, tls, warn)
        )
    return updates


class Reports:
    """Builds the DSNs for the updates the store actually wrote (inside its transaction)."""

    def __init__(
        self,
        message: ClaimedMessage,
        outcomes: Sequence[Outcome],
        original: bytes,
        settings: Settings,
        now: datetime,
    ):
        self.message = message
        self.outcomes = {o.recipient: o for o in outcomes}
        self.original = original
        self.settings = settings
        self.now = now

    def __call__(self, written: Sequence[RecipientUpdate]) -> list[NewMessage]:
        params = {r.recipient: r.params for r in self.message.recipients}
        failed = [
            u
            for u in written
            if u.status == BOUNCED
            and wants_report(self.message.sender, "failed", params[u.recipient])
        ]
        delayed = [u for u in written if u.status == DEFERRED and u.delay_notified]
        reports = []
        if failed:
            reports.append(self._report("failed", failed))
        if delayed:
            reports.append(self._report("delayed", delayed))
        return reports

    def _report(self, action: Action, updates: Sequence[RecipientUpdate]) -> NewMessage:
        message = self.message
        params = {r.recipient: r.params for r in message.recipients}
        recipients = []
        for u in updates:
            outcome = self.outcomes[u.recipient]
            reply = outcome.reply
            if u.status == BOUNCED and outcome.kind is Kind.DEFERRED:
                reply = Reply(reply.code, "4.4.7", f"delivery time expired; last error: {reply}")
            orcpt = params[u.recipient].get("ORCPT")
            recipients.append(
                ReportRecipient(
                    u.recipient, reply, outcome.remote_host, str(orcpt) if orcpt else None
                )
            )
        utf8 = bool(message.params.get("SMTPUTF8"))
        raw = build_report(
            reporting_mta=self.settings.reporting_mta,
            sender=message.sender,
            action=action,
            recipients=recipients,
            original=self.original,
            arrival=message.created_at,
            now=self.now,
            queue_id=message.id,
            envid=str(message.params["ENVID"]) if message.params.get("ENVID") else None,
            ret=str(message.params.get("RET") or "") or None,
            utf8=utf8,
            retry_until=message.expires_at if action == "delayed" else None,
        )
        dsn_params: dict[str, object] = {GENERATED: "dsn"}  # ours: DKIM-signed when sent
        if not raw.isascii():
            dsn_params["BODY"] = "8BITMIME"
        if utf8 or not message.sender.isascii():
            dsn_params["SMTPUTF8"] = "1"
        return NewMessage("", (message.sender,), Incoming(raw, parse_message(raw)), dsn_params)
