"""Inbound MX checks (SPF, DKIM, DMARC) behind a small interface.

The MX handler asks two questions: at MAIL FROM, "does SPF say fail?" (rejected only when the
configuration says so), and after DATA, "what do SPF, DKIM and DMARC say about this message?":
a :class:`Verdict` with the message (forged ``Authentication-Results`` claiming our host
removed), our own ``Authentication-Results`` field (RFC 8601) and the DMARC disposition.

:class:`MailAuthChecks` answers through ``mailstore.mailauth``; :class:`NoChecks` is used when
checks are not wanted (tests that do not exercise DNS).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Protocol

import dns.asyncresolver

from servers.smtp.engine import (
    AuthResults,
    AuthSummary,
    Config,
    authentication_results_header,
    check_mail_from,
    check_message,
    make_resolver,
    strip_forged_authentication_results,
)

log = logging.getLogger(__name__)


class Action(enum.Enum):
    ACCEPT = "accept"
    QUARANTINE = "quarantine"  # DMARC p=quarantine: file into Junk
    REJECT = "reject"  # DMARC p=reject: 550 5.7.1


@dataclass(frozen=True, slots=True)
class Verdict:
    raw: bytes
    #: A complete ``Authentication-Results:`` field with its CRLF, or b"".
    header: bytes = b""
    action: Action = Action.ACCEPT
    reason: str = ""
    #: The results for the mail log (``received_log``); None when nothing was checked.
    auth: AuthSummary | None = None


class InboundChecks(Protocol):
    async def spf_fail(self, *, client_ip: str, helo: str, mail_from: str) -> str | None:
        """The reason when SPF for MAIL FROM is ``fail``; None otherwise."""
        ...

    async def check_message(
        self, *, client_ip: str, helo: str, mail_from: str, raw: bytes
    ) -> Verdict: ...


class NoChecks:
    """No DNS checks: every message is accepted as it is."""

    async def spf_fail(self, *, client_ip: str, helo: str, mail_from: str) -> str | None:
        return None

    async def check_message(
        self, *, client_ip: str, helo: str, mail_from: str, raw: bytes
    ) -> Verdict:
        return Verdict(raw)


class MailAuthChecks:
    """SPF/DKIM/DMARC through ``mailstore.mailauth`` with the configured resolver."""

    def __init__(self, resolver: dns.asyncresolver.Resolver, authserv_id: str):
        self.resolver = resolver
        self.authserv_id = authserv_id

    async def spf_fail(self, *, client_ip: str, helo: str, mail_from: str) -> str | None:
        # RFC 7208 §2.4: checked at MAIL FROM so a fail can be refused before DATA.
        result = await check_mail_from(
            self.resolver, client_ip=client_ip, mail_from=mail_from, helo=helo
        )
        if result.result != "fail":
            return None
        return result.explanation or f"SPF fail for {result.domain}"

    async def check_message(
        self, *, client_ip: str, helo: str, mail_from: str, raw: bytes
    ) -> Verdict:
        # RFC 8601 §5: fields claiming our authserv-id that came from outside are removed first.
        raw = strip_forged_authentication_results(raw, self.authserv_id)
        outcome = await check_message(
            self.resolver, client_ip=client_ip, helo=helo, mail_from=mail_from, raw=raw
        )
        field = authentication_results_header(self.authserv_id, outcome)
        return Verdict(raw, _as_field(field), *_disposition(outcome), AuthSummary.of(outcome))


def _as_field(text: str) -> bytes:
    return text.rstrip("\r\n").encode("utf-8", "surrogateescape") + b"\r\n"


def _disposition(outcome: AuthResults) -> tuple[Action, str]:
    """DMARC's ``policy``: what the author domain asks for a failing message (after pct)."""
    dmarc = outcome.dmarc
    if dmarc is None or dmarc.policy == "none":
        return Action.ACCEPT, ""
    reason = f"DMARC policy of {dmarc.domain or 'the author domain'}"
    if dmarc.policy == "reject":
        return Action.REJECT, reason
    return Action.QUARANTINE, reason


def make_checks(config: Config) -> InboundChecks:
    """Checks through the resolver of ``[dns]``, reporting as ``[server] hostname``."""
    return MailAuthChecks(make_resolver(config.dns), config.server.hostname)
