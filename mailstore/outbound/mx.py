"""Where mail for a domain goes: MX selection per RFC 5321 §5.1 and RFC 7505.

* MX records are tried by preference, lowest first; hosts of equal preference in random
  order (§5.1: "randomize them to spread the load").
* No MX record (the name exists, "no data") means the domain itself is the one host, through
  its A/AAAA records (the "implicit MX", §5.1).
* A null MX (one record, preference 0, exchange ".") says the domain accepts no mail: the
  message bounces at once, without a connection (RFC 7505 §4.1, status 5.1.10).
* NXDOMAIN for the domain bounces (5.1.2); a DNS failure (timeout, SERVFAIL) defers (4.4.3).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import groupby

import dns.asyncresolver

from mailstore import dns as mdns
from mailstore.outbound.results import Reply, permanent, temporary

#: Addresses tried per attempt, over all MX hosts (Postfix's smtp_mx_address_limit is 5).
MAX_ADDRESSES = 10


class RouteError(Exception):
    """No host to try: carries the reply every recipient of the destination gets."""

    def __init__(self, reply: Reply):
        super().__init__(str(reply))
        self.reply = reply


@dataclass(frozen=True, slots=True)
class Target:
    """One address to connect to, with the host name it stands for (for SNI and logs)."""

    host: str
    address: str
    port: int

    def __str__(self) -> str:
        address = f"[{self.address}]" if ":" not in self.address else f"[IPv6:{self.address}]"
        return f"{self.host}{address}:{self.port}"


async def mx_hosts(
    resolver: dns.asyncresolver.Resolver, domain: str, rng: random.Random | None = None
) -> list[str]:
    """The hosts to try for ``domain``, in order; raises :class:`RouteError`."""
    try:
        records = await mdns.mx(resolver, domain)
    except mdns.DNSNotFound:
        raise RouteError(permanent("5.1.2", f"domain {domain} not found")) from None
    except mdns.DNSTempError as exc:
        raise RouteError(temporary("4.4.3", f"DNS lookup of {domain} MX failed: {exc}")) from None
    if not records:
        return [domain]  # RFC 5321 §5.1: the implicit MX
    if len(records) == 1 and records[0].host == ".":
        raise RouteError(  # RFC 7505 §4.1
            permanent("5.1.10", f"domain {domain} does not accept mail (null MX)", code=556)
        )
    hosts: list[str] = []
    shuffle = (rng or random).shuffle
    for _, group in groupby((r for r in records if r.host != "."), key=lambda r: r.preference):
        names = list(dict.fromkeys(r.host for r in group))
        shuffle(names)
        hosts.extend(n for n in names if n not in hosts)
    return hosts


async def addresses(resolver: dns.asyncresolver.Resolver, host: str) -> tuple[list[str], bool]:
    """IPv6 then IPv4 addresses of ``host``, and whether a lookup failed temporarily."""
    found: list[str] = []
    temp = False
    for lookup in (mdns.aaaa, mdns.a):
        try:
            found.extend(await lookup(resolver, host))
        except mdns.DNSNotFound:
            break  # the name does not exist: no point asking for another type
        except mdns.DNSTempError:
            temp = True
    return found, temp


async def targets(
    resolver: dns.asyncresolver.Resolver, domain: str, port: int, rng: random.Random | None = None
) -> list[Target]:
    """Addresses to try for ``domain`` in order (at most :data:`MAX_ADDRESSES`).

    Raises :class:`RouteError` when there is none: permanent for a domain with no MX and no
    address of its own, temporary when a lookup failed or MX hosts have no address (yet).
    """
    hosts = await mx_hosts(resolver, domain, rng)
    result: list[Target] = []
    temp = False
    for host in hosts:
        found, failed = await addresses(resolver, host)
        temp |= failed
        result.extend(Target(host, address, port) for address in found)
        if len(result) >= MAX_ADDRESSES:
            break
    if result:
        return result[:MAX_ADDRESSES]
    if temp:
        raise RouteError(temporary("4.4.3", f"DNS lookup of the hosts of {domain} failed"))
    if hosts == [domain]:
        raise RouteError(permanent("5.1.2", f"domain {domain} has no MX and no address"))
    raise RouteError(temporary("4.4.4", f"no address for the MX hosts of {domain}"))
