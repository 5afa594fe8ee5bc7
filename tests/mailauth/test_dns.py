"""mailstore.dns against the loopback DNS server: data, no data, NXDOMAIN, temporary errors."""

from __future__ import annotations

import dns.nameserver
import pytest

from mailstore import dns as mdns
from mailstore.config import DNSConfig
from mailstore.dns import MX, DNSNotFound, DNSTempError, make_resolver
from tests.dnsserver import DNSServer


async def test_txt_joins_character_strings(dns_server: DNSServer, resolver) -> None:
    dns_server.set("example.com", "TXT", ['"v=spf1 " "-all"', '"other"'])
    assert sorted(await mdns.txt(resolver, "example.com")) == ["other", "v=spf1 -all"]
    assert sorted(await mdns.txt_bytes(resolver, "EXAMPLE.com.")) == [b"other", b"v=spf1 -all"]


async def test_long_txt_comes_over_tcp(dns_server: DNSServer, resolver) -> None:
    value = "k=" + "x" * 1500
    dns_server.set_txt("big.example.com", value)
    assert await mdns.txt(resolver, "big.example.com") == [value]
    # The UDP answer was truncated (RFC 1035 §4.2.1) and the resolver asked again over TCP.
    assert dns_server.queries.count(("big.example.com", "TXT")) == 2


async def test_mx_sorted_and_null_mx(dns_server: DNSServer, resolver) -> None:
    dns_server.set("example.com", "MX", ["20 mx2.example.com.", "10 MX1.example.com."])
    dns_server.set("null.example", "MX", ["0 ."])
    assert await mdns.mx(resolver, "example.com") == [
        MX(10, "mx1.example.com"),
        MX(20, "mx2.example.com"),
    ]
    assert await mdns.mx(resolver, "null.example") == [MX(0, ".")]


async def test_addresses_and_ptr(dns_server: DNSServer, resolver) -> None:
    dns_server.set("host.example.com", "A", ["192.0.2.1", "192.0.2.2"])
    dns_server.set("host.example.com", "AAAA", ["2001:db8::1"])
    dns_server.set("1.2.0.192.in-addr.arpa", "PTR", ["host.example.com."])
    assert sorted(await mdns.a(resolver, "host.example.com")) == ["192.0.2.1", "192.0.2.2"]
    assert await mdns.aaaa(resolver, "host.example.com") == ["2001:db8::1"]
    assert await mdns.ptr(resolver, "192.0.2.1") == ["host.example.com"]


async def test_cname_followed(dns_server: DNSServer, resolver) -> None:
    dns_server.set("www.example.com", "CNAME", ["host.example.com."])
    dns_server.set("host.example.com", "A", ["192.0.2.1"])
    assert await mdns.a(resolver, "www.example.com") == ["192.0.2.1"]


async def test_no_data_is_empty_nxdomain_raises(dns_server: DNSServer, resolver) -> None:
    dns_server.set("host.example.com", "A", ["192.0.2.1"])
    dns_server.set("a.b.deep.example.com", "A", ["192.0.2.9"])
    assert await mdns.mx(resolver, "host.example.com") == []  # RFC 2308 §2.2
    assert await mdns.txt(resolver, "deep.example.com") == []  # empty non-terminal
    with pytest.raises(DNSNotFound):
        await mdns.a(resolver, "nothere.example.com")


async def test_invalid_names_are_not_found_without_a_query(dns_server: DNSServer, resolver) -> None:
    for name in ("", "a..b", "x" * 64 + ".example.com"):
        with pytest.raises(DNSNotFound):
            await mdns.txt(resolver, name)
    with pytest.raises(DNSNotFound):
        await mdns.ptr(resolver, "not-an-ip")
    assert dns_server.queries == []


async def test_servfail_is_temporary(dns_server: DNSServer, resolver) -> None:
    dns_server.servfail.add("broken.example")
    with pytest.raises(DNSTempError):
        await mdns.txt(resolver, "broken.example")


async def test_silent_server_is_temporary(silent_resolver) -> None:
    with pytest.raises(DNSTempError):
        await mdns.a(silent_resolver, "example.com")


async def test_changes_are_seen_at_once(dns_server: DNSServer, resolver) -> None:
    dns_server.set_txt("example.com", "one")
    assert await mdns.txt(resolver, "example.com") == ["one"]
    dns_server.set_txt("example.com", "two")
    assert await mdns.txt(resolver, "example.com") == ["two"]
    dns_server.remove("example.com")
    with pytest.raises(DNSNotFound):
        await mdns.txt(resolver, "example.com")


def test_make_resolver_from_config() -> None:
    r = make_resolver(DNSConfig(nameservers=["127.0.0.1:5353", "::1"], timeout=1.5))
    servers = [ns for ns in r.nameservers if isinstance(ns, dns.nameserver.Do53Nameserver)]
    assert [(ns.address, ns.port) for ns in servers] == [("127.0.0.1", 5353), ("::1", 53)]
    assert r.lifetime == 1.5
    assert r.search == []
    assert r.cache is not None
    assert make_resolver(DNSConfig(nameservers=["127.0.0.1"]), cache=False).cache is None
