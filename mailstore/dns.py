"""DNS for SPF, DKIM, DMARC and outbound MX selection, through dnspython's async resolver.

The resolver comes from the ``[dns]`` section of the configuration (:class:`DNSConfig`):
``nameservers = ["127.0.0.1:5353"]`` points every lookup at one server (tests and development
use a loopback responder); an empty list reads the system configuration (``/etc/resolv.conf``).

The helpers return plain Python values and sort every outcome into three cases, the distinction
RFC 7208 §5, RFC 6376 §6.1.2, RFC 7489 §6.6.3 and RFC 5321 §5.1 all depend on:

* data: a non-empty list;
* the name exists but has no record of that type ("no data", RFC 2308 §2.2): an empty list;
* the name does not exist (NXDOMAIN, RFC 2308 §2.1): :class:`DNSNotFound`;
* anything transient (timeout, SERVFAIL, REFUSED, no server reachable): :class:`DNSTempError`.

A name that cannot exist in the DNS (empty label, label over 63 octets, over 255 octets) is
reported as :class:`DNSNotFound` without a query.
"""

from __future__ import annotations

from typing import NamedTuple

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver
import dns.reversename

from mailstore.config import ConfigError, DNSConfig, parse_nameserver

__all__ = [
    "MX",
    "DNSError",
    "DNSNotFound",
    "DNSTempError",
    "a",
    "aaaa",
    "make_resolver",
    "mx",
    "ptr",
    "txt",
    "txt_bytes",
]

#: Entries kept by the in-process cache (answers expire by their TTL, RFC 1035 §3.2.1).
CACHE_SIZE = 10_000


class DNSError(Exception):
    """Base class of the lookup outcomes that are not data."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


class DNSNotFound(DNSError):
    """The name does not exist (NXDOMAIN), or is not a valid domain name."""


class DNSTempError(DNSError):
    """A transient failure: timeout, SERVFAIL/REFUSED from every server, no server reachable."""


class MX(NamedTuple):
    """One MX record (RFC 5321 §5.1). ``host == "."`` is a null MX (RFC 7505)."""

    preference: int
    host: str


def make_resolver(config: DNSConfig, *, cache: bool = True) -> dns.asyncresolver.Resolver:
    """An async resolver for ``config``: its nameservers (``host[:port]``) or the system's.

    ``config.timeout`` bounds each lookup as a whole (all servers and retries). Search domains
    are never applied: mail names are always fully qualified. ``cache`` keeps answers in
    process for their TTL. Raises :class:`ConfigError` when no nameserver is configured and
    the system has none either.
    """
    if config.nameservers:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [
            dns.nameserver.Do53Nameserver(host, port)
            for host, port in map(parse_nameserver, config.nameservers)
        ]
    else:
        try:
            resolver = dns.asyncresolver.Resolver()
        except dns.resolver.NoResolverConfiguration as exc:
            raise ConfigError(
                f"dns.nameservers: empty, and no system resolver configuration ({exc})"
            ) from None
    resolver.timeout = config.timeout
    resolver.lifetime = config.timeout
    resolver.use_search_by_default = False
    resolver.search = []
    if cache:
        resolver.cache = dns.resolver.LRUCache(CACHE_SIZE)
    return resolver


def _name(name: str) -> dns.name.Name:
    """Absolute DNS name from ``name`` (a trailing dot is optional); IDNA for U-labels."""
    try:
        return dns.name.from_text(name.rstrip(".") + ".")
    except (dns.exception.DNSException, UnicodeError, ValueError) as exc:
        raise DNSNotFound(name, f"not a valid domain name ({exc})") from None


async def _resolve(
    resolver: dns.asyncresolver.Resolver, name: str, rdtype: dns.rdatatype.RdataType
) -> dns.resolver.Answer | None:
    """One lookup: the answer, or None for no data; raises :class:`DNSError` otherwise."""
    qname = _name(name) if name else None
    if qname is None or qname == dns.name.root:
        raise DNSNotFound(name, "empty domain name")
    try:
        answer = await resolver.resolve(qname, rdtype, search=False, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        raise DNSNotFound(name, "no such domain (NXDOMAIN)") from None
    except dns.resolver.NoAnswer:
        return None
    except dns.exception.Timeout:
        raise DNSTempError(name, "timeout") from None
    except dns.resolver.NoNameservers as exc:
        raise DNSTempError(name, f"no server answered ({exc})") from None
    except (dns.exception.DNSException, OSError, ValueError) as exc:
        # YXDOMAIN, malformed responses, unreachable network: nothing permanent can be
        # concluded about the name itself.
        raise DNSTempError(name, f"{type(exc).__name__}: {exc}") from None
    if answer.rrset is None:
        return None
    return answer


async def txt_bytes(resolver: dns.asyncresolver.Resolver, name: str) -> list[bytes]:
    """TXT records of ``name``, each one's character-strings joined (RFC 7208 §3.3)."""
    answer = await _resolve(resolver, name, dns.rdatatype.TXT)
    if answer is None:
        return []
    return [b"".join(rdata.strings) for rdata in answer]


async def txt(resolver: dns.asyncresolver.Resolver, name: str) -> list[str]:
    """TXT records of ``name`` as text (joined character-strings, invalid UTF-8 replaced)."""
    return [value.decode("utf-8", "replace") for value in await txt_bytes(resolver, name)]


async def mx(resolver: dns.asyncresolver.Resolver, name: str) -> list[MX]:
    """MX records of ``name``, lowest preference first (RFC 5321 §5.1)."""
    answer = await _resolve(resolver, name, dns.rdatatype.MX)
    if answer is None:
        return []
    records = [
        MX(
            rdata.preference,
            "." if rdata.exchange == dns.name.root else rdata.exchange.to_text(True).lower(),
        )
        for rdata in answer
    ]
    return sorted(records)


async def a(resolver: dns.asyncresolver.Resolver, name: str) -> list[str]:
    """IPv4 addresses of ``name``."""
    answer = await _resolve(resolver, name, dns.rdatatype.A)
    return [] if answer is None else [rdata.address for rdata in answer]


async def aaaa(resolver: dns.asyncresolver.Resolver, name: str) -> list[str]:
    """IPv6 addresses of ``name``."""
    answer = await _resolve(resolver, name, dns.rdatatype.AAAA)
    return [] if answer is None else [rdata.address for rdata in answer]


async def ptr(resolver: dns.asyncresolver.Resolver, address: str) -> list[str]:
    """Host names for the IP ``address`` (``in-addr.arpa`` / ``ip6.arpa``), no trailing dot."""
    try:
        reverse = dns.reversename.from_address(address)
    except (dns.exception.DNSException, ValueError) as exc:
        raise DNSNotFound(address, f"not an IP address ({exc})") from None
    answer = await _resolve(resolver, reverse.to_text(), dns.rdatatype.PTR)
    return [] if answer is None else [rdata.target.to_text(True) for rdata in answer]
