"""``mailstore dns --check`` in the engine: the live records (served by tests/dnsserver.py)
against ours, each reported with the exact record to publish."""

from __future__ import annotations

from mailstore.ops.dnscheck import Finding, check_domain
from mailstore.ops.dnsrecords import DomainPlan, build_records
from mailstore.outbound.signing import SigningKey
from tests.dnsserver import DNSServer
from tests.ops.conftest import ADDRESS, DMARC, DOMAIN, HOST

SPF_FIX = 'example.org. IN TXT "v=spf1 mx -all"'


def plan(key: SigningKey, **kwargs: object) -> DomainPlan:
    return DomainPlan(DOMAIN, HOST, keys=[key], **kwargs)  # type: ignore[arg-type]


def problems(findings: list[Finding]) -> list[tuple[str, str, str, str]]:
    return [(f.kind, f.name, f.status, f.fix) for f in findings if f.status != "ok"]


async def test_everything_correct(good_zone: DNSServer, resolver, dkim_key) -> None:
    findings = await check_domain(resolver, plan(dkim_key))
    assert [(f.kind, f.status) for f in findings] == [
        ("mx", "ok"),
        ("spf", "ok"),
        ("dkim", "ok"),
        ("dmarc", "ok"),
    ]
    assert findings[0].message == "MX 10 mail.example.org"
    assert findings[1].message == '"v=spf1 mx -all" (1 of 10 DNS lookups)'
    assert not any(f.failing for f in findings)


async def test_each_mistake_reported_with_its_fix(
    good_zone: DNSServer, resolver, dkim_key, other_rsa_key
) -> None:
    records = {r.kind: r for r in build_records(plan(dkim_key))}
    # DMARC missing
    good_zone.remove(f"_dmarc.{DOMAIN}")
    # the MX host is an alias (RFC 2181 §10.3)
    good_zone.remove(HOST)
    good_zone.set(HOST, "CNAME", ["box.hoster.example."])
    good_zone.set("box.hoster.example", "A", [ADDRESS])
    # SPF needing 11 lookups: mx + 2 includes, then 4 + 3, then 1
    good_zone.set_txt(DOMAIN, "v=spf1 mx include:_s1.example.org include:_s2.example.org -all")
    good_zone.set_txt(
        "_s1.example.org", "v=spf1 a mx exists:%{i}.x.example.org include:_s3.example.org -all"
    )
    good_zone.set_txt(
        "_s2.example.org", "v=spf1 a:h1.example.org a:h2.example.org a:h3.example.org -all"
    )
    good_zone.set_txt("_s3.example.org", "v=spf1 mx:m.example.org ip4:192.0.2.0/24 -all")
    # someone else's DKIM key under our selector
    other = SigningKey(DOMAIN, "sel", dkim_key.path, other_rsa_key)
    good_zone.set_txt(f"sel._domainkey.{DOMAIN}", other.record)

    findings = await check_domain(resolver, plan(dkim_key))
    assert problems(findings) == [
        (
            "mx",
            HOST,
            "warning",
            "point the MX at box.hoster.example, or replace the CNAME at mail.example.org "
            "with A/AAAA records",
        ),
        (
            "spf",
            DOMAIN,
            "warning",
            f"replace includes by ip4:/ip6: terms (mailstore dns --ip ADDR), e.g. {SPF_FIX}",
        ),
        ("dkim", "sel._domainkey.example.org", "different", records["dkim"].zone_line()),
        ("dmarc", "_dmarc.example.org", "missing", records["dmarc"].zone_line()),
    ]
    messages = {f.kind: f.message for f in findings if f.failing}
    assert messages["spf"] == (
        "SPF needs 11 DNS lookups; receivers stop at 10 with permerror (RFC 7208 §4.6.4)"
    )
    assert "is a CNAME (to box.hoster.example)" in messages["mx"]
    assert messages["dkim"].startswith("the published key differs from ours (p=MIIBIjAN")
    assert messages["dmarc"] == "no DMARC record: receivers apply none"
    # the MX itself still points at our host name: that part is fine
    assert ("mx", "ok") in [(f.kind, f.status) for f in findings]


async def test_missing_and_wrong_mx(dns_server: DNSServer, resolver, dkim_key) -> None:
    findings = await check_domain(resolver, plan(dkim_key))
    assert [(f.kind, f.status, f.fix) for f in findings] == [
        ("mx", "missing", "example.org. IN MX 10 mail.example.org."),
        ("spf", "missing", SPF_FIX + " (a domain that sends no mail: v=spf1 -all)"),
        ("dkim", "missing", build_records(plan(dkim_key))[2].zone_line()),
        ("dmarc", "missing", f'_dmarc.example.org. IN TXT "{DMARC}"'),
    ]
    dns_server.set(DOMAIN, "MX", ["10 mx.elsewhere.example."])
    findings = await check_domain(resolver, plan(dkim_key))
    assert problems(findings)[:2] == [
        ("mx", DOMAIN, "different", "publish: example.org. IN MX 10 mail.example.org."),
        (
            "mx",
            "mx.elsewhere.example",
            "warning",
            "publish A/AAAA records for mx.elsewhere.example",
        ),
    ]
    dns_server.set(DOMAIN, "MX", ["0 ."])
    (mx, *_) = await check_domain(resolver, plan(dkim_key))
    assert (mx.status, mx.fix) == (
        "different",
        "replace it with: example.org. IN MX 10 mail.example.org.",
    )
    assert "null MX" in mx.message


async def test_spf_mistakes(good_zone: DNSServer, resolver, dkim_key) -> None:
    async def spf_findings() -> list[tuple[str, str]]:
        return [
            (f.status, f.message)
            for f in await check_domain(resolver, plan(dkim_key))
            if f.kind == "spf"
        ]

    good_zone.set_txt(DOMAIN, "v=spf1 mx -all", "v=spf1 a -all")
    assert await spf_findings() == [
        ("different", "2 SPF records: receivers treat that as permerror (RFC 7208 §4.5)")
    ]
    good_zone.set_txt(DOMAIN, "v=spf1 mx")
    assert await spf_findings() == [
        (
            "warning",
            '"v=spf1 mx" ends with no all mechanism: other senders are not refused; end with '
            '"-all" (or "~all" while testing)',
        )
    ]
    good_zone.set_txt(DOMAIN, "v=spf1 ~all")
    assert await spf_findings() == [
        (
            "different",
            '"v=spf1 ~all" gives softfail for our address 192.0.2.10: mail we send would fail SPF',
        )
    ]
    good_zone.set_txt(DOMAIN, "v=spf1 include:gone.example.org -all")
    statuses = await spf_findings()
    assert statuses[0] == (
        "warning",
        "include:gone.example.org: gone.example.org has no SPF record (permerror, RFC 7208 §5.2)",
    )


async def test_domain_that_sends_no_mail(good_zone: DNSServer, resolver, dkim_key) -> None:
    quiet = plan(dkim_key, sends_mail=False)
    findings = {f.kind: f for f in await check_domain(resolver, quiet)}
    assert findings["spf"].status == "different"
    assert findings["spf"].message == (
        '"v=spf1 mx -all": a domain that sends no mail should publish "v=spf1 -all"'
    )
    assert findings["spf"].fix == 'example.org. IN TXT "v=spf1 -all"'
    assert "dkim" not in findings
    good_zone.set_txt(DOMAIN, "v=spf1 -all")
    good_zone.set_txt(f"_dmarc.{DOMAIN}", "v=DMARC1; p=reject")
    assert all(f.status == "ok" for f in await check_domain(resolver, quiet))


async def test_dmarc_none_is_advice_and_optional_records(
    good_zone: DNSServer, resolver, dkim_key
) -> None:
    good_zone.set_txt(f"_dmarc.{DOMAIN}", "v=DMARC1; p=none")
    full = plan(dkim_key, mta_sts=True, tls_rpt=True, addresses=[ADDRESS])
    findings = await check_domain(resolver, full)
    records = {r.kind: r for r in build_records(full)}
    assert [(f.kind, f.status) for f in findings] == [
        ("mx", "ok"),
        ("host", "ok"),
        ("spf", "ok"),
        ("dkim", "ok"),
        ("dmarc", "note"),
        ("ptr", "warning"),
        ("mta-sts", "missing"),
        ("mta-sts", "warning"),
        ("tls-rpt", "missing"),
    ]
    assert not findings[4].failing
    assert findings[5].fix == (
        "ask the owner of 192.0.2.10 to publish: 10.2.0.192.in-addr.arpa. IN PTR mail.example.org."
    )
    assert findings[6].fix == records["mta-sts"].zone_line()
    assert findings[8].fix == records["tls-rpt"].zone_line()
    good_zone.set("10.2.0.192.in-addr.arpa", "PTR", [f"{HOST}."])
    good_zone.set_txt(f"_mta-sts.{DOMAIN}", records["mta-sts"].value)
    good_zone.set("mta-sts.example.org", "A", [ADDRESS])
    good_zone.set_txt(f"_smtp._tls.{DOMAIN}", records["tls-rpt"].value)
    findings = await check_domain(resolver, full)
    assert [f.status for f in findings if f.kind != "dmarc"] == ["ok"] * 7


async def test_temporary_dns_error_is_a_warning(good_zone: DNSServer, resolver, dkim_key) -> None:
    good_zone.servfail.add(f"_dmarc.{DOMAIN}")
    (dmarc,) = [f for f in await check_domain(resolver, plan(dkim_key)) if f.kind == "dmarc"]
    assert dmarc.status == "warning" and dmarc.message.startswith(
        "not checked: temporary DNS error"
    )
