"""DMARC (RFC 7489): the author domain's policy, identifier alignment and the disposition.

Steps (RFC 7489 §6.6.2): extract the RFC5322.From domain (:func:`author_domain`), discover its
policy record (:func:`lookup_policy`: ``_dmarc.<domain>``, else ``_dmarc.<organizational
domain>``), then decide (:func:`evaluate`): DMARC passes when SPF or DKIM passed for a domain
aligned with the From domain, and a failing message gets the domain's requested policy, ``sp``
for subdomains, sampled by ``pct``. The organizational domain comes from the public suffix list
(RFC 7489 §3.2) via the ``publicsuffixlist`` package.
"""

from __future__ import annotations

import functools
import logging
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import dns.asyncresolver
from publicsuffixlist import PublicSuffixList

from mailstore import dns as mdns
from mailstore.mailauth.author import ambiguity
from mailstore.mailauth.dkim import DKIMResult
from mailstore.mailauth.spf import SPFResult
from mailstore.message.address import parse_address_list
from mailstore.message.headers import find_header_end, parse_fields, unfold

log = logging.getLogger(__name__)

__all__ = [
    "DMARCRecord",
    "DMARCResult",
    "NoAuthorDomain",
    "PolicyLookup",
    "aligned",
    "author_domain",
    "check_dmarc",
    "evaluate",
    "lookup_policy",
    "organizational_domain",
    "parse_record",
]

Policy = Literal["none", "quarantine", "reject"]
Result = Literal["pass", "fail", "none", "temperror", "permerror"]
_POLICIES: tuple[Policy, ...] = ("none", "quarantine", "reject")


@dataclass(frozen=True)
class DMARCRecord:
    """A parsed DMARC policy record (RFC 7489 §6.3); unknown tags are ignored."""

    p: Policy
    sp: Policy | None = None
    pct: int = 100
    adkim: Literal["r", "s"] = "r"
    aspf: Literal["r", "s"] = "r"
    rua: tuple[str, ...] = ()
    ruf: tuple[str, ...] = ()
    fo: str = "0"
    rf: str = "afrf"
    ri: int = 86400


class DMARCRecordError(ValueError):
    """The TXT record is not a usable DMARC record (RFC 7489 §6.3)."""


class NoAuthorDomain(ValueError):
    """The message has no single RFC5322.From domain to evaluate (RFC 7489 §6.6.1)."""


@dataclass(frozen=True)
class PolicyLookup:
    """The outcome of policy discovery (RFC 7489 §6.6.3)."""

    record: DMARCRecord | None
    #: Where the record was found: the From domain or its organizational domain.
    domain: str = ""
    temperror: bool = False
    reason: str = ""


@dataclass(frozen=True)
class DMARCResult:
    """The DMARC verdict for one message (RFC 8601 §2.7.4 result names)."""

    result: Result
    #: The RFC5322.From domain evaluated (``header.from``); empty when there was none.
    domain: str = ""
    #: What to do with the message: the requested policy on ``fail`` after ``pct``, else none.
    policy: Policy = "none"
    #: The domain's requested policy (``p``, or ``sp`` for a subdomain), before ``pct``.
    requested_policy: Policy = "none"
    record: DMARCRecord | None = None
    spf_aligned: bool = False
    dkim_aligned: bool = False
    reason: str = ""


# -- RFC5322.From ---------------------------------------------------------------------------------


def author_domain(raw: bytes) -> str:
    """The one RFC5322.From domain, lower case, A-labels (RFC 7489 §6.6.1).

    Raises :class:`NoAuthorDomain` for no From field, several From fields, no domain,
    addresses in more than one domain, or a field that reads differently to a strict parser
    (:func:`mailstore.mailauth.author.ambiguity`, CVE-2023-27043 class).
    """
    end = find_header_end(raw, 0, len(raw))
    values = [v for name, v in parse_fields(raw, 0, end) if name == "from"]
    if len(values) != 1:
        raise NoAuthorDomain("no From field" if not values else "more than one From field")
    text = unfold(values[0]).decode("utf-8", "replace")
    reason = ambiguity(text)  # a lenient parse of a malformed From is a guess: never trust it
    if reason is not None:
        raise NoAuthorDomain(reason)
    addresses = parse_address_list(text) or []
    domains = {_normalize(a[3]) for a in addresses if a[3] is not None and a[3] != ""}
    if not domains:
        raise NoAuthorDomain("no domain in From")
    if len(domains) > 1:
        raise NoAuthorDomain("From addresses in more than one domain")
    (domain,) = domains
    if not _valid_domain(domain):
        raise NoAuthorDomain(f"From domain {domain!r} is not a domain name")
    return domain


def _normalize(domain: str) -> str:
    domain = domain.strip().rstrip(".").lower()
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return domain
    return domain


def _valid_domain(domain: str) -> bool:
    labels = domain.split(".")
    return (
        len(domain) <= 253
        and len(labels) > 1
        and all(re.fullmatch(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?", x) for x in labels)
    )


# -- organizational domain and alignment (RFC 7489 §3.1, §3.2) ------------------------------------


@functools.cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def organizational_domain(domain: str) -> str:
    """RFC 7489 §3.2: the public suffix plus one label (the domain itself if it is a suffix)."""
    domain = _normalize(domain)
    return _psl().privatesuffix(domain) or domain


def aligned(domain: str, from_domain: str, mode: str) -> bool:
    """Identifier alignment: strict is equality, relaxed equal organizational domains."""
    if not domain or not from_domain:
        return False
    a, b = _normalize(domain), _normalize(from_domain)
    if mode == "s":
        return a == b
    return organizational_domain(a) == organizational_domain(b)


# -- policy record (RFC 7489 §6.3, §6.4) ----------------------------------------------------------

_VERSION = re.compile(r"\Av[ \t]*=[ \t]*DMARC1[ \t]*(?:;|\Z)")


def is_dmarc_record(text: str) -> bool:
    """RFC 7489 §6.6.3 step 2: records not starting with ``v=DMARC1`` are discarded."""
    return _VERSION.match(text.strip(" \t")) is not None


def parse_record(text: str) -> DMARCRecord:
    """Parse a DMARC TXT record; raises :class:`DMARCRecordError` if it is unusable.

    An invalid ``p``/``sp`` with a valid ``rua`` reads as ``p=none`` (RFC 7489 §6.3).
    """
    if not is_dmarc_record(text):
        raise DMARCRecordError("not a DMARC1 record")
    tags: dict[str, str] = {}
    for part in text.split(";")[1:]:
        name, eq, value = part.partition("=")
        name = name.strip(" \t").lower()
        if eq and name and name not in tags:
            tags[name] = value.strip(" \t")
    rua = _uris(tags.get("rua", ""))
    p = _policy(tags.get("p"))
    sp = _policy(tags["sp"]) if "sp" in tags else None
    if p is None or ("sp" in tags and sp is None):
        if not rua:
            raise DMARCRecordError("missing or invalid p= (or invalid sp=)")
        p, sp = "none", None
    return DMARCRecord(
        p=p,
        sp=sp,
        pct=_int(tags.get("pct"), 100, 0, 100),
        adkim="s" if tags.get("adkim", "").lower() == "s" else "r",
        aspf="s" if tags.get("aspf", "").lower() == "s" else "r",
        rua=rua,
        ruf=_uris(tags.get("ruf", "")),
        fo=tags.get("fo", "0"),
        rf=tags.get("rf", "afrf"),
        ri=_int(tags.get("ri"), 86400, 0, 2**32 - 1),
    )


def _policy(value: str | None) -> Policy | None:
    value = (value or "").lower()
    return next((p for p in _POLICIES if p == value), None)


def _int(value: str | None, default: int, low: int, high: int) -> int:
    if value is None or not value.isdigit():
        return default
    number = int(value)
    return number if low <= number <= high else default


def _uris(value: str) -> tuple[str, ...]:
    """RFC 7489 §6.2 DMARC URIs (``mailto:a@b!10m``); only syntactically plausible ones."""
    uris = (u.strip(" \t") for u in value.split(","))
    return tuple(u for u in uris if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", u))


async def lookup_policy(resolver: dns.asyncresolver.Resolver, from_domain: str) -> PolicyLookup:
    """RFC 7489 §6.6.3: ``_dmarc.<From domain>``, else the organizational domain's. Never raises."""
    org = organizational_domain(from_domain)
    for domain in (from_domain, org) if org != from_domain else (from_domain,):
        try:
            records = [
                t for t in await mdns.txt(resolver, f"_dmarc.{domain}") if is_dmarc_record(t)
            ]
        except mdns.DNSNotFound:
            continue
        except mdns.DNSTempError as exc:
            log.info("DMARC policy lookup failed: %s", exc)
            return PolicyLookup(None, domain, temperror=True, reason="DNS lookup failed")
        if not records:
            continue
        if len(records) > 1:  # step 3: several records, no DMARC processing
            return PolicyLookup(None, domain, reason="more than one DMARC record")
        try:
            return PolicyLookup(parse_record(records[0]), domain)
        except DMARCRecordError as exc:
            return PolicyLookup(None, domain, reason=str(exc))
    return PolicyLookup(None, reason="no DMARC record")


# -- the verdict (RFC 7489 §6.6.2, §6.6.4) ----------------------------------------------------------


def evaluate(
    from_domain: str,
    lookup: PolicyLookup,
    spf: SPFResult | None,
    dkim: Sequence[DKIMResult],
    *,
    sample: float | None = None,
) -> DMARCResult:
    """Alignment and disposition. ``spf`` is the MAIL FROM result (the HELO result for a null
    reverse-path, RFC 7208 §2.4); ``sample`` in [0, 1) decides ``pct`` (random if None)."""
    if lookup.temperror:
        return DMARCResult("temperror", from_domain, reason=lookup.reason)
    record = lookup.record
    if record is None:
        return DMARCResult("none", from_domain, reason=lookup.reason)
    spf_aligned = (
        spf is not None and spf.result == "pass" and aligned(spf.domain, from_domain, record.aspf)
    )
    dkim_aligned = any(
        r.result == "pass" and aligned(r.domain, from_domain, record.adkim) for r in dkim
    )
    requested: Policy = record.p
    if lookup.domain != from_domain and record.sp is not None:  # RFC 7489 §6.3 sp
        requested = record.sp
    verdict = DMARCResult(
        "fail",
        from_domain,
        requested_policy=requested,
        record=record,
        spf_aligned=spf_aligned,
        dkim_aligned=dkim_aligned,
    )
    if spf_aligned or dkim_aligned:
        return replace(verdict, result="pass")
    if _aligned_temperror(from_domain, record, spf, dkim):
        # Not in RFC 7489: an aligned identifier could not be checked for a transient DNS
        # reason, so "fail" might be wrong; report temperror and apply nothing.
        return replace(verdict, result="temperror", reason="aligned SPF or DKIM temperror")
    return replace(verdict, policy=_sampled(requested, record.pct, sample))


def _aligned_temperror(
    from_domain: str, record: DMARCRecord, spf: SPFResult | None, dkim: Sequence[DKIMResult]
) -> bool:
    if (
        spf is not None
        and spf.result == "temperror"
        and aligned(spf.domain, from_domain, record.aspf)
    ):
        return True
    return any(
        r.result == "temperror" and aligned(r.domain, from_domain, record.adkim) for r in dkim
    )


def _sampled(requested: Policy, pct: int, sample: float | None) -> Policy:
    """RFC 7489 §6.3 pct: messages outside the sample get the next policy down."""
    if pct >= 100:
        return requested
    if sample is None:
        sample = random.random()
    if sample * 100 < pct:
        return requested
    return _WEAKER[requested]


_WEAKER: dict[Policy, Policy] = {"reject": "quarantine", "quarantine": "none", "none": "none"}


async def check_dmarc(
    resolver: dns.asyncresolver.Resolver,
    raw: bytes,
    *,
    spf: SPFResult | None,
    dkim: Sequence[DKIMResult],
    sample: float | None = None,
) -> DMARCResult:
    """The whole check for ``raw``; never raises (no single From domain is permerror)."""
    try:
        domain = author_domain(raw)
    except NoAuthorDomain as exc:
        return DMARCResult("permerror", reason=str(exc))
    lookup = await lookup_policy(resolver, domain)
    return evaluate(domain, lookup, spf, dkim, sample=sample)
