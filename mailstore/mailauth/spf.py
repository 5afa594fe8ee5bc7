"""SPF (RFC 7208): is the client IP allowed to send for the MAIL FROM or HELO domain?

The evaluation is pyspf's (``spf.query(...).check()``, macros, limits and all). pyspf does its
own synchronous DNS through a module-level function, ``spf.DNSLookup``; here that function is
replaced once by a dispatcher that, inside a check we run, sends each lookup to *our* async
resolver (``mailstore.dns``) on the event loop, and otherwise behaves exactly as before. The
check itself runs in a small thread pool of its own, so a slow DNS server never blocks the
event loop nor starves the default executor.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import dns.asyncresolver
import dns.exception
import dns.name
import dns.reversename
import spf as pyspf

from mailstore import dns as mdns

log = logging.getLogger(__name__)

__all__ = ["SPFResult", "check_helo", "check_mail_from", "valid_domain"]

Result = Literal["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"]
_RESULTS = frozenset(("pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"))

#: RFC 7208 §4.6.4: a limit on the total time of one check, "at least 20 seconds".
TIME_LIMIT = 20.0
#: Checks running at once (each holds a thread while it waits for DNS).
MAX_THREADS = 32


@dataclass(frozen=True)
class SPFResult:
    """The outcome of check_host() (RFC 7208 §2.6) for one identity."""

    result: Result
    #: The domain whose policy was evaluated (MAIL FROM domain or HELO name), lower case.
    domain: str
    #: Why: the domain's ``exp=`` text on ``fail`` (RFC 7208 §6.2), else a short diagnostic.
    explanation: str = ""
    #: Which identity was checked (RFC 7208 §2.3, §2.4). "helo" also stands for the
    #: MAIL FROM identity of a null reverse-path (postmaster@<HELO>, RFC 7208 §2.4).
    identity: Literal["mailfrom", "helo"] = "mailfrom"
    #: The identity as checked: the MAIL FROM address, or the HELO name.
    sender: str = ""


async def check_mail_from(
    resolver: dns.asyncresolver.Resolver, *, client_ip: str, mail_from: str, helo: str
) -> SPFResult:
    """SPF for the MAIL FROM identity (RFC 7208 §2.4).

    With a null reverse-path (``mail_from == ""``) the identity is ``postmaster@<helo>``,
    reported as a HELO check.
    """
    if not mail_from:
        return await check_helo(resolver, client_ip=client_ip, helo=helo)
    # RFC 7208 §4.3: no local-part means "postmaster"; the domain is after the last "@".
    domain = mail_from.rpartition("@")[2].rstrip(".").lower()
    if not valid_domain(domain):
        return SPFResult(
            "none", domain, "not a valid domain name (RFC 7208 §4.3)", "mailfrom", mail_from
        )
    result, explanation = await _check(resolver, client_ip, mail_from, helo)
    return SPFResult(result, domain, explanation, "mailfrom", mail_from)


async def check_helo(
    resolver: dns.asyncresolver.Resolver, *, client_ip: str, helo: str
) -> SPFResult:
    """SPF for the HELO identity (RFC 7208 §2.3): ``none`` for an address literal or a name
    that is not a fully qualified domain name."""
    domain = helo.rstrip(".").lower()
    if not valid_domain(domain):
        return SPFResult("none", domain, "HELO is not a domain name (RFC 7208 §2.3)", "helo", helo)
    result, explanation = await _check(resolver, client_ip, "", domain)
    return SPFResult(result, domain, explanation, "helo", helo)


def valid_domain(domain: str) -> bool:
    """RFC 7208 §4.3: a multi-label name, labels of 1..63 octets, 253 at most in all."""
    if not domain or len(domain) > 253 or domain.startswith("["):
        return False
    labels = domain.split(".")
    return len(labels) > 1 and all(0 < len(label) <= 63 for label in labels)


async def _check(
    resolver: dns.asyncresolver.Resolver, client_ip: str, sender: str, helo: str
) -> tuple[Result, str]:
    """Run pyspf's check_host() in the SPF thread pool; never raises."""
    loop = asyncio.get_running_loop()
    lookup = _bridge(resolver, loop)
    work = contextvars.Context().run
    try:
        future = loop.run_in_executor(_executor(), work, _run, lookup, client_ip, sender, helo)
        return await asyncio.wait_for(future, TIME_LIMIT + 5)
    except TimeoutError:
        return "temperror", "SPF check exceeded the time limit (RFC 7208 §4.6.4)"


def _run(lookup: _Lookup, client_ip: str, sender: str, helo: str) -> tuple[Result, str]:
    """pyspf's check with ``lookup`` as its DNS (runs in a worker thread, own context)."""
    _LOOKUP.set(lookup)
    try:
        query = pyspf.query(i=client_ip, s=sender, h=helo, querytime=TIME_LIMIT)
        result, _code, explanation = query.check()
    except pyspf.TempError as exc:
        return "temperror", str(exc)
    except pyspf.PermError as exc:  # e.g. an invalid client address
        return "permerror", str(exc)
    except Exception as exc:  # a pyspf bug on hostile input must not reach the caller
        log.warning("SPF check for %r/%r failed: %r", sender, helo, exc)
        return "permerror", f"{type(exc).__name__}: {exc}"
    result = str(result).lower()
    if result not in _RESULTS:  # "ambiguous" exists only in pyspf's harsh mode
        return "permerror", str(explanation)
    return result, str(explanation)  # type: ignore[return-value]


# -- pyspf's DNS, routed to our resolver ----------------------------------------------------------

_Lookup = Callable[[str, str], list[tuple[tuple[str, str], Any]]]
_LOOKUP: contextvars.ContextVar[_Lookup | None] = contextvars.ContextVar(
    "mailstore_spf_lookup", default=None
)
_pyspf_lookup = pyspf.DNSLookup


def _dispatch(name: str, qtype: str, strict: Any = True, timeout: float = 20) -> Any:
    """Stands in for ``spf.DNSLookup``: our resolver inside our checks, pyspf's elsewhere."""
    lookup = _LOOKUP.get()
    if lookup is None:
        return _pyspf_lookup(name, qtype, strict, timeout)
    return lookup(name, qtype)


pyspf.DNSLookup = _dispatch


def _bridge(resolver: dns.asyncresolver.Resolver, loop: asyncio.AbstractEventLoop) -> _Lookup:
    """A synchronous lookup (for the worker thread) that runs on ``loop`` with ``resolver``."""
    wait = float(resolver.lifetime) + 5

    def lookup(name: str, qtype: str) -> list[tuple[tuple[str, str], Any]]:
        future = asyncio.run_coroutine_threadsafe(_answers(resolver, name, qtype), loop)
        try:
            return future.result(timeout=wait)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise pyspf.TempError(f"DNS {name}/{qtype}: timeout") from None

    return lookup


async def _answers(
    resolver: dns.asyncresolver.Resolver, name: str, qtype: str
) -> list[tuple[tuple[str, str], Any]]:
    """One lookup in pyspf's result shape: ``[((name, qtype), value), ...]``.

    NXDOMAIN and no data are both empty (both count as void lookups, RFC 7208 §4.6.4);
    a temporary failure raises pyspf's TempError, which check_host() turns into
    ``temperror`` (RFC 7208 §5).
    """
    key = (name, qtype)
    try:
        if qtype == "A":
            return [(key, ip) for ip in await mdns.a(resolver, name)]
        if qtype == "AAAA":
            return [(key, ip) for ip in await mdns.aaaa(resolver, name)]
        if qtype == "MX":
            return [(key, (r.preference, r.host)) for r in await mdns.mx(resolver, name)]
        if qtype == "PTR":
            address = dns.reversename.to_address(dns.name.from_text(name))
            return [(key, host) for host in await mdns.ptr(resolver, address)]
        if qtype in ("TXT", "SPF"):
            return [(key, (text,)) for text in await mdns.txt_bytes(resolver, name)]
    except (mdns.DNSNotFound, dns.exception.DNSException, ValueError):
        return []
    except mdns.DNSTempError as exc:
        raise pyspf.TempError(f"DNS {exc}") from None
    return []


_pool: concurrent.futures.ThreadPoolExecutor | None = None


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = concurrent.futures.ThreadPoolExecutor(MAX_THREADS, thread_name_prefix="spf")
    return _pool
