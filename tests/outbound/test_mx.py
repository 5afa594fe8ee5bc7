"""MX selection (RFC 5321 §5.1, RFC 7505) against the loopback DNS responder."""

from __future__ import annotations

import random

import pytest

from mailstore.outbound import mx
from mailstore.outbound.mx import RouteError


async def test_preference_order_and_random_among_equals(dns_server, resolver):
    dns_server.set("d.test", "MX", ["10 a.d.test.", "10 b.d.test.", "20 c.d.test.", "5 z.d.test."])
    orders = set()
    for seed in range(20):
        hosts = await mx.mx_hosts(resolver, "d.test", random.Random(seed))
        assert hosts[0] == "z.d.test" and hosts[-1] == "c.d.test"
        orders.add(tuple(hosts[1:3]))
    assert orders == {("a.d.test", "b.d.test"), ("b.d.test", "a.d.test")}


async def test_targets_skip_hosts_without_addresses(dns_server, resolver):
    dns_server.set("d.test", "MX", ["10 gone.d.test.", "20 ok.d.test."])
    dns_server.set("ok.d.test", "A", ["127.0.0.9"])
    dns_server.set("ok.d.test", "AAAA", ["::1"])
    targets = await mx.targets(resolver, "d.test", 2525)
    assert [(t.host, t.address) for t in targets] == [
        ("ok.d.test", "::1"),
        ("ok.d.test", "127.0.0.9"),
    ]
    assert str(targets[0]) == "ok.d.test[IPv6:::1]:2525"


async def test_no_mx_means_the_domain_itself(dns_server, resolver):
    dns_server.set("bare.test", "A", ["127.0.0.9"])
    assert await mx.mx_hosts(resolver, "bare.test") == ["bare.test"]


async def test_null_mx_and_missing_domains(dns_server, resolver):
    dns_server.set("null.test", "MX", ["0 ."])
    with pytest.raises(RouteError) as err:
        await mx.mx_hosts(resolver, "null.test")
    assert err.value.reply.code == 556 and err.value.reply.status == "5.1.10"
    with pytest.raises(RouteError) as err:
        await mx.mx_hosts(resolver, "missing.test")
    assert err.value.reply.status == "5.1.2"
    dns_server.set("noaddr.test", "TXT", ['"x"'])  # exists, no MX, no address
    with pytest.raises(RouteError) as err:
        await mx.targets(resolver, "noaddr.test", 25)
    assert err.value.reply.status == "5.1.2"
    dns_server.set("dangling.test", "MX", ["10 nowhere.dangling.test."])
    with pytest.raises(RouteError) as err:
        await mx.targets(resolver, "dangling.test", 25)
    assert err.value.reply.status == "4.4.4"  # retried: the host may appear


async def test_a_null_mx_among_others_is_ignored(dns_server, resolver):
    dns_server.set("mixed.test", "MX", ["0 .", "10 mx.mixed.test."])
    assert await mx.mx_hosts(resolver, "mixed.test") == ["mx.mixed.test"]
