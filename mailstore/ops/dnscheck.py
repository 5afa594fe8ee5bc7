"""Compare the records a domain should publish (:mod:`mailstore.ops.dnsrecords`) with the DNS.

Every lookup goes through the configured resolver (``mailstore.dns``, ``[dns] nameservers``).
Each record is reported ``ok``, ``missing`` or ``different`` with the record to publish as the
fix, plus ``warning`` for the mistakes that break delivery although a record exists (MX to a
CNAME, SPF needing more than 10 lookups, ...) and ``note`` for advice that fails nothing
(DMARC ``p=none``). A temporary DNS error is a ``warning``: nothing could be concluded.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

import dns.asyncresolver
import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from mailstore import dns as mdns
from mailstore.mailauth import spf
from mailstore.ops.dnsrecords import (
    DomainPlan,
    Record,
    build_records,
    mta_sts_id,
    mta_sts_policy,
)
from mailstore.ops.spflookups import LOOKUP_LIMIT, all_qualifier, count_lookups, spf_records

T = TypeVar("T")
Status = Literal["ok", "missing", "different", "warning", "note"]
#: Statuses that make ``mailstore dns --check`` (and ``mailstore check``) exit 1.
FAILING: frozenset[str] = frozenset(("missing", "different", "warning"))


@dataclass(frozen=True)
class Finding:
    """One outcome of the check."""

    #: The record kind it concerns ("mx", "spf", "dkim", ...; see :class:`Record`).
    kind: str
    #: The DNS name it concerns.
    name: str
    status: Status
    #: What was found, in one line.
    message: str
    #: What to do: the zone-file line(s) to publish, or an instruction; empty when ok.
    fix: str = ""

    @property
    def failing(self) -> bool:
        return self.status in FAILING


async def check_domain(resolver: dns.asyncresolver.Resolver, plan: DomainPlan) -> list[Finding]:
    """Every finding for ``plan.domain``, grouped by record kind in print order."""
    records = build_records(plan)
    by_kind: dict[str, list[Record]] = {}
    for record in records:
        by_kind.setdefault(record.kind, []).append(record)
    checks: list[Awaitable[list[Finding]]] = [
        _check_mx(resolver, plan, by_kind["mx"][0], by_kind.get("host", [])),
        _check_spf(resolver, plan, by_kind["spf"][0]),
        _check_dkim(resolver, plan, by_kind.get("dkim", [])),
        _check_dmarc(resolver, by_kind["dmarc"][0]),
    ]
    if by_kind.get("ptr"):
        checks.append(_check_ptr(resolver, plan, by_kind["ptr"]))
    if plan.mta_sts:
        checks.append(_check_mta_sts(resolver, plan, by_kind["mta-sts"][0]))
    if plan.tls_rpt:
        checks.append(_check_tls_rpt(resolver, by_kind["tls-rpt"][0]))
    results = await asyncio.gather(*checks)
    return [finding for group in results for finding in group]


# -- helpers ---------------------------------------------------------------------------------------


async def _lookup(
    kind: str, name: str, query: Callable[[], Awaitable[list[T]]]
) -> list[T] | Finding:
    """``query()``'s data ([] also for NXDOMAIN), or a warning Finding on a temporary error."""
    try:
        return await query()
    except mdns.DNSNotFound:
        return []
    except mdns.DNSTempError as exc:
        return Finding(kind, name, "warning", f"not checked: temporary DNS error ({exc})")


async def _cname(resolver: dns.asyncresolver.Resolver, name: str) -> str | None:
    """The target when ``name`` is a CNAME (RFC 1034 §3.6.2), else None."""
    try:
        answer = await resolver.resolve(
            dns.name.from_text(name.rstrip(".") + "."),
            dns.rdatatype.CNAME,
            search=False,
            raise_on_no_answer=False,
        )
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    except (dns.exception.DNSException, OSError, ValueError) as exc:
        raise mdns.DNSTempError(name, f"{type(exc).__name__}: {exc}") from None
    if answer.rrset is None:
        return None
    return str(answer.rrset[0].target.to_text(True)).lower()


async def _addresses(resolver: dns.asyncresolver.Resolver, name: str) -> list[str]:
    """A and AAAA addresses of ``name`` (empty when it has none or does not exist)."""
    found: list[str] = []
    for query in (mdns.a, mdns.aaaa):
        try:
            found += await query(resolver, name)
        except mdns.DNSNotFound:
            pass
    return found


def _tags(record: str) -> dict[str, str]:
    """``tag=value; ...`` (RFC 6376 §3.2, RFC 7489 §6.4) to a dict, tags lower-cased."""
    tags: dict[str, str] = {}
    for part in record.split(";"):
        tag, sep, value = part.partition("=")
        if sep:
            tags.setdefault(tag.strip().lower(), value.strip())
    return tags


def _lines(records: Sequence[Record]) -> str:
    return "\n".join(record.zone_line() for record in records)


# -- MX ----------------------------------------------------------------------------------------------


async def _check_mx(
    resolver: dns.asyncresolver.Resolver, plan: DomainPlan, want: Record, hosts: list[Record]
) -> list[Finding]:
    domain, host = want.name, plan.hostname.lower().rstrip(".")
    found = await _lookup("mx", domain, lambda: mdns.mx(resolver, domain))
    if isinstance(found, Finding):
        return [found]
    fix = want.zone_line()
    if not found:
        return [Finding("mx", domain, "missing", f"no MX record for {domain}", fix)]
    targets = [mx.host for mx in found]
    if targets == ["."]:
        return [
            Finding(
                "mx",
                domain,
                "different",
                f"{domain} publishes a null MX: it says it accepts no mail (RFC 7505)",
                f"replace it with: {fix}",
            )
        ]
    shown = ", ".join(f"{mx.preference} {mx.host}" for mx in found)
    findings = []
    if host in targets:
        findings.append(Finding("mx", domain, "ok", f"MX {shown}"))
    else:
        findings.append(
            Finding("mx", domain, "different", f"MX {shown}; none is {host}", f"publish: {fix}")
        )
    for target in dict.fromkeys(t for t in targets if t != "."):
        findings += await _check_mx_target(resolver, target, hosts if target == host else [])
    if hosts:
        findings += await _check_host_addresses(resolver, host, hosts)
    return findings


async def _check_mx_target(
    resolver: dns.asyncresolver.Resolver, target: str, hosts: list[Record]
) -> list[Finding]:
    """RFC 5321 §5.1 / RFC 2181 §10.3: an MX names a host with addresses, not an alias."""
    try:
        alias = await _cname(resolver, target)
        addresses = await _addresses(resolver, target)
    except mdns.DNSTempError as exc:
        return [Finding("mx", target, "warning", f"not checked: temporary DNS error ({exc})")]
    findings = []
    if alias:
        findings.append(
            Finding(
                "mx",
                target,
                "warning",
                f"MX target {target} is a CNAME (to {alias}); an MX must name a host with "
                "A/AAAA records (RFC 5321 §5.1, RFC 2181 §10.3)",
                f"point the MX at {alias}, or replace the CNAME at {target} with A/AAAA records",
            )
        )
    if not addresses:
        findings.append(
            Finding(
                "mx",
                target,
                "warning",
                f"MX target {target} has no A/AAAA record: nobody can deliver to it",
                _lines(hosts) if hosts else f"publish A/AAAA records for {target}",
            )
        )
    return findings


async def _check_host_addresses(
    resolver: dns.asyncresolver.Resolver, host: str, hosts: list[Record]
) -> list[Finding]:
    """With ``--ip``: the MX host's A/AAAA records are exactly those addresses."""
    try:
        published = {ipaddress.ip_address(a) for a in await _addresses(resolver, host)}
    except mdns.DNSTempError as exc:
        return [Finding("host", host, "warning", f"not checked: temporary DNS error ({exc})")]
    findings = []
    for record in hosts:
        if ipaddress.ip_address(record.value) in published:
            findings.append(Finding("host", host, "ok", f"{record.rtype} {record.value}"))
        else:
            findings.append(
                Finding(
                    "host",
                    host,
                    "missing",
                    f"{host} has no {record.rtype} record {record.value}",
                    record.zone_line(),
                )
            )
    return findings


async def _check_ptr(
    resolver: dns.asyncresolver.Resolver, plan: DomainPlan, ptrs: list[Record]
) -> list[Finding]:
    """Reverse DNS of each ``--ip`` names our host (receivers check it; RFC 8601 §3 iprev)."""
    host = plan.hostname.lower().rstrip(".")
    findings = []
    for record, address in zip(ptrs, plan.addresses, strict=True):
        names = await _lookup("ptr", record.name, functools.partial(mdns.ptr, resolver, address))
        if isinstance(names, Finding):
            findings.append(names)
        elif host in (n.lower() for n in names):
            findings.append(Finding("ptr", record.name, "ok", f"{address} -> {host}"))
        else:
            what = ", ".join(names) if names else "nothing"
            findings.append(
                Finding(
                    "ptr",
                    record.name,
                    "warning",
                    f"reverse DNS of {address} names {what}, not {host}; many receivers "
                    "refuse mail from such addresses",
                    f"ask the owner of {address} to publish: {record.zone_line()}",
                )
            )
    return findings


# -- SPF ---------------------------------------------------------------------------------------------


async def _check_spf(
    resolver: dns.asyncresolver.Resolver, plan: DomainPlan, want: Record
) -> list[Finding]:
    domain = want.name
    texts = await _lookup("spf", domain, lambda: mdns.txt(resolver, domain))
    if isinstance(texts, Finding):
        return [texts]
    fix = want.zone_line()
    records = spf_records(texts)
    if not records:
        advice = "" if not plan.sends_mail else " (a domain that sends no mail: v=spf1 -all)"
        return [Finding("spf", domain, "missing", f"no SPF record for {domain}", fix + advice)]
    if len(records) > 1:
        return [
            Finding(
                "spf",
                domain,
                "different",
                f"{len(records)} SPF records: receivers treat that as permerror (RFC 7208 §4.5)",
                f"keep exactly one: {fix}",
            )
        ]
    record = records[0]
    findings: list[Finding] = []
    if not plan.sends_mail:
        if record.split()[1:] != ["-all"]:
            findings.append(
                Finding(
                    "spf",
                    domain,
                    "different",
                    f'"{record}": a domain that sends no mail should publish "v=spf1 -all"',
                    fix,
                )
            )
        else:
            findings.append(Finding("spf", domain, "ok", f'"{record}"'))
        return findings
    qualifier = all_qualifier(record)
    has_redirect = any(t.lower().startswith("redirect=") for t in record.split())
    if qualifier in ("+", "?") or (qualifier is None and not has_redirect):
        ending = "no all mechanism" if qualifier is None else f'"{qualifier}all"'
        findings.append(
            Finding(
                "spf",
                domain,
                "warning",
                f'"{record}" ends with {ending}: other senders are not refused; end with '
                '"-all" (or "~all" while testing)',
                fix,
            )
        )
    count = await count_lookups(resolver, domain, record)
    if count.lookups > LOOKUP_LIMIT:
        more = "more than " if count.truncated else ""
        findings.append(
            Finding(
                "spf",
                domain,
                "warning",
                f"SPF needs {more}{count.lookups} DNS lookups; receivers stop at "
                f"{LOOKUP_LIMIT} with permerror (RFC 7208 §4.6.4)",
                f"replace includes by ip4:/ip6: terms (mailstore dns --ip ADDR), e.g. {fix}",
            )
        )
    for problem in count.problems:
        findings.append(Finding("spf", domain, "warning", problem, fix))
    findings += await _check_spf_allows_us(resolver, plan, domain, record, fix)
    if not findings:
        findings.append(
            Finding("spf", domain, "ok", f'"{record}" ({count.lookups} of 10 DNS lookups)')
        )
    return findings


async def _check_spf_allows_us(
    resolver: dns.asyncresolver.Resolver, plan: DomainPlan, domain: str, record: str, fix: str
) -> list[Finding]:
    """Does the published record let our addresses send as ``domain``? Evaluated by the SPF
    checker receivers' servers use (``mailstore.mailauth.spf``), for the ``--ip`` addresses or
    else the A/AAAA addresses of our host name."""
    host = plan.hostname.lower().rstrip(".")
    if plan.addresses:
        addresses = list(plan.addresses)
    else:
        try:
            addresses = await _addresses(resolver, host)
        except mdns.DNSTempError:
            return []
    findings = []
    for address in addresses:
        result = await spf.check_mail_from(
            resolver, client_ip=address, mail_from=f"postmaster@{domain}", helo=host
        )
        if result.result != "pass":
            findings.append(
                Finding(
                    "spf",
                    domain,
                    "different",
                    f'"{record}" gives {result.result} for our address {address}: '
                    "mail we send would fail SPF",
                    fix,
                )
            )
    return findings


# -- DKIM --------------------------------------------------------------------------------------------


async def _check_dkim(
    resolver: dns.asyncresolver.Resolver, plan: DomainPlan, wants: list[Record]
) -> list[Finding]:
    domain = plan.domain.lower()
    if not wants:
        if not plan.sends_mail:
            return []
        return [
            Finding(
                "dkim",
                domain,
                "warning",
                f"no DKIM key for {domain}: its mail goes out unsigned",
                f"mailstore dkim keygen {domain}, then publish the record it prints",
            )
        ]
    findings = []
    for want in wants:
        findings.append(await _check_dkim_key(resolver, want))
    return findings


async def _check_dkim_key(resolver: dns.asyncresolver.Resolver, want: Record) -> Finding:
    name = want.name
    texts = await _lookup("dkim", name, lambda: mdns.txt(resolver, name))
    if isinstance(texts, Finding):
        return texts
    fix = want.zone_line()
    ours = _tags(want.value)
    keys = [_tags(t) for t in texts if "p" in _tags(t)]
    if not keys:
        return Finding("dkim", name, "missing", f"no DKIM key record at {name}", fix)

    def same(tags: dict[str, str]) -> bool:
        return "".join(tags["p"].split()) == ours["p"] and tags.get("k", "rsa").lower() == ours["k"]

    if any(same(tags) for tags in keys):
        if len(keys) > 1:
            return Finding(
                "dkim",
                name,
                "warning",
                f"{len(keys)} key records at {name}; verifiers may pick the wrong one "
                "(RFC 6376 §3.6.2.2)",
                f"keep only: {fix}",
            )
        return Finding("dkim", name, "ok", f"key matches ({want.value[:40]}...)")
    published = keys[0]["p"]
    what = "revoked (empty p=)" if not published else f"differs from ours (p={published[:24]}...)"
    return Finding("dkim", name, "different", f"the published key {what}", fix)


# -- DMARC, MTA-STS, TLS-RPT -------------------------------------------------------------------------


async def _check_dmarc(resolver: dns.asyncresolver.Resolver, want: Record) -> list[Finding]:
    name = want.name
    texts = await _lookup("dmarc", name, lambda: mdns.txt(resolver, name))
    if isinstance(texts, Finding):
        return [texts]
    fix = want.zone_line()
    records = [t for t in texts if t.replace(" ", "").upper().startswith("V=DMARC1")]
    if not records:
        return [Finding("dmarc", name, "missing", "no DMARC record: receivers apply none", fix)]
    if len(records) > 1:
        return [
            Finding(
                "dmarc",
                name,
                "different",
                f"{len(records)} DMARC records: receivers apply none (RFC 7489 §6.6.3)",
                f"keep exactly one: {fix}",
            )
        ]
    policy = _tags(records[0]).get("p", "").lower()
    if policy not in ("none", "quarantine", "reject"):
        return [
            Finding(
                "dmarc", name, "different", f'"{records[0]}" has no valid p= (RFC 7489 §6.3)', fix
            )
        ]
    if policy == "none":
        return [
            Finding(
                "dmarc",
                name,
                "note",
                f'"{records[0]}": p=none only monitors; once the reports show your mail '
                "passing, move to p=quarantine, then p=reject",
                fix,
            )
        ]
    return [Finding("dmarc", name, "ok", f'"{records[0]}"')]


async def _check_mta_sts(
    resolver: dns.asyncresolver.Resolver, plan: DomainPlan, want: Record
) -> list[Finding]:
    """RFC 8461 §3.1 record; the policy host must resolve (§3.3). The policy file itself is
    served over HTTPS by the operator's web server and is not fetched here."""
    name = want.name
    texts = await _lookup("mta-sts", name, lambda: mdns.txt(resolver, name))
    if isinstance(texts, Finding):
        return [texts]
    fix = want.zone_line()
    records = [t for t in texts if t.replace(" ", "").startswith("v=STSv1")]
    findings = []
    if not records:
        findings.append(Finding("mta-sts", name, "missing", "no MTA-STS record", fix))
    elif len(records) > 1 or not _tags(records[0]).get("id", "").isalnum():
        findings.append(
            Finding("mta-sts", name, "different", "not exactly one record with a valid id=", fix)
        )
    else:
        published, ours = _tags(records[0])["id"], _tags(want.value)["id"]
        findings.append(Finding("mta-sts", name, "ok", f"id={published}"))
        if published != ours:
            findings.append(
                Finding(
                    "mta-sts",
                    name,
                    "note",
                    f"published id {published} is not ours ({ours}); change the id whenever "
                    "the served policy changes",
                    fix,
                )
            )
    policy_host = f"mta-sts.{plan.domain.lower()}"
    try:
        reachable = await _addresses(resolver, policy_host)
    except mdns.DNSTempError:
        reachable = ["?"]
    if not reachable:
        findings.append(
            Finding(
                "mta-sts",
                policy_host,
                "warning",
                f"{policy_host} has no address: senders cannot fetch the policy (RFC 8461 §3.3)",
                f"point {policy_host} at a web server serving /.well-known/mta-sts.txt "
                f"(policy id {mta_sts_id_for(plan)})",
            )
        )
    return findings


def mta_sts_id_for(plan: DomainPlan) -> str:
    """The ``id=`` of the policy we would serve for ``plan``."""
    return mta_sts_id(mta_sts_policy(plan.hostname.lower().rstrip("."), plan.mta_sts_mode))


async def _check_tls_rpt(resolver: dns.asyncresolver.Resolver, want: Record) -> list[Finding]:
    name = want.name
    texts = await _lookup("tls-rpt", name, lambda: mdns.txt(resolver, name))
    if isinstance(texts, Finding):
        return [texts]
    fix = want.zone_line()
    records = [t for t in texts if t.replace(" ", "").startswith("v=TLSRPTv1")]
    if not records:
        return [Finding("tls-rpt", name, "missing", "no TLS-RPT record", fix)]
    if len(records) > 1 or "rua" not in _tags(records[0]):
        return [Finding("tls-rpt", name, "different", "not exactly one record with rua=", fix)]
    return [Finding("tls-rpt", name, "ok", f'"{records[0]}"')]
