"""All inbound sender checks of one message: SPF, DKIM and DMARC, run concurrently.

The SMTP front end calls :func:`check_message` after DATA, writes
:func:`~mailstore.mailauth.results.authentication_results_header` on top of the message (after
:func:`~mailstore.mailauth.results.strip_forged_authentication_results`), and applies
``results.dmarc.policy`` as configured.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

import dns.asyncresolver

from mailstore.mailauth.dkim import verify_message
from mailstore.mailauth.dmarc import (
    DMARCResult,
    NoAuthorDomain,
    PolicyLookup,
    author_domain,
    evaluate,
    lookup_policy,
)
from mailstore.mailauth.results import AuthResults
from mailstore.mailauth.spf import SPFResult, check_mail_from

log = logging.getLogger(__name__)

__all__ = ["check_message"]

T = TypeVar("T")


async def check_message(
    resolver: dns.asyncresolver.Resolver,
    *,
    client_ip: str,
    helo: str,
    mail_from: str,
    raw: bytes,
    sample: float | None = None,
) -> AuthResults:
    """SPF of MAIL FROM (HELO when ``mail_from`` is empty, RFC 7208 §2.4), every DKIM
    signature, and DMARC over both (RFC 7489 §6.6.2). ``sample`` fixes DMARC's ``pct``
    draw (tests); never raises.
    """
    try:
        from_domain: str | None = author_domain(raw)
        no_author = ""
    except NoAuthorDomain as exc:
        from_domain, no_author = None, str(exc)
    spf_result, dkim_results, lookup = await asyncio.gather(
        _safe(
            check_mail_from(resolver, client_ip=client_ip, mail_from=mail_from, helo=helo),
            SPFResult("temperror", "", "internal error"),
        ),
        _safe(verify_message(resolver, raw), []),
        _safe(_lookup(resolver, from_domain), PolicyLookup(None, temperror=True)),
    )
    if from_domain is None:
        dmarc = DMARCResult("permerror", reason=no_author)
    else:
        dmarc = evaluate(from_domain, lookup, spf_result, dkim_results, sample=sample)
    return AuthResults(spf_result, tuple(dkim_results), dmarc)


async def _lookup(resolver: dns.asyncresolver.Resolver, domain: str | None) -> PolicyLookup:
    if domain is None:
        return PolicyLookup(None)
    return await lookup_policy(resolver, domain)


async def _safe(work: Awaitable[T], fallback: T) -> T:
    """Last line of defence: a bug in one check must not lose the message."""
    try:
        return await work
    except Exception:
        log.exception("sender authentication check failed")
        return fallback
