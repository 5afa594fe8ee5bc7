"""DMARC (RFC 7489): record parsing, From domain, alignment, policy discovery and disposition."""

from __future__ import annotations

import pytest

from mailstore.mailauth.dkim import DKIMResult
from mailstore.mailauth.dmarc import (
    DMARCRecord,
    DMARCRecordError,
    NoAuthorDomain,
    aligned,
    author_domain,
    check_dmarc,
    organizational_domain,
    parse_record,
)
from mailstore.mailauth.spf import SPFResult
from tests.dnsserver import DNSServer
from tests.mailauth.helpers import message

SPF_FAIL = SPFResult("fail", "example.com", sender="alice@example.com")


def spf_pass(domain: str) -> SPFResult:
    return SPFResult("pass", domain, sender=f"bounce@{domain}")


def dkim_pass(domain: str) -> DKIMResult:
    return DKIMResult("pass", domain, "sel")


# -- record ------------------------------------------------------------------------------------


def test_parse_record_all_tags() -> None:
    text = (
        "v=DMARC1; p=Reject; sp=quarantine; pct=25; adkim=s; aspf=s;"
        " rua=mailto:agg@example.com,mailto:x@example.net!10m; ruf=mailto:f@example.com;"
        " fo=1; rf=afrf; ri=3600; future=tag"
    )
    assert parse_record(text) == DMARCRecord(
        p="reject",
        sp="quarantine",
        pct=25,
        adkim="s",
        aspf="s",
        rua=("mailto:agg@example.com", "mailto:x@example.net!10m"),
        ruf=("mailto:f@example.com",),
        fo="1",
        rf="afrf",
        ri=3600,
    )


def test_parse_record_defaults() -> None:
    assert parse_record("v=DMARC1;p=none") == DMARCRecord(p="none")
    assert parse_record("v = DMARC1 ; p = quarantine ;") == DMARCRecord(p="quarantine")


@pytest.mark.parametrize(
    "text",
    [
        "v=DMARC1",  # no p=
        "v=DMARC1; p=maybe",
        "v=DMARC1; p=reject; sp=bogus",
        "p=reject; v=DMARC1",  # v= must come first (RFC 7489 §6.4)
        "v=dmarc1; p=reject",  # "DMARC1" is case-sensitive
        "v=DMARC2; p=reject",
        "v=spf1 -all",
        "",
    ],
)
def test_unusable_records(text: str) -> None:
    with pytest.raises(DMARCRecordError):
        parse_record(text)


def test_invalid_policy_with_rua_reads_as_none() -> None:
    # RFC 7489 §6.3: act as if p=none was retrieved when rua= holds a valid URI.
    record = parse_record("v=DMARC1; p=bogus; rua=mailto:d@example.com")
    assert (record.p, record.rua) == ("none", ("mailto:d@example.com",))


def test_invalid_numbers_fall_back_to_defaults() -> None:
    assert parse_record("v=DMARC1; p=reject; pct=150").pct == 100
    assert parse_record("v=DMARC1; p=reject; pct=-1").pct == 100
    assert parse_record("v=DMARC1; p=reject; pct=0").pct == 0
    assert parse_record("v=DMARC1; p=reject; adkim=x").adkim == "r"


# -- organizational domain and alignment ---------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "org"),
    [
        ("example.com", "example.com"),
        ("mail.example.com", "example.com"),
        ("A.B.Example.Co.UK.", "example.co.uk"),
        ("co.uk", "co.uk"),
        ("com", "com"),
        ("x.y.example.test", "example.test"),
    ],
)
def test_organizational_domain(domain: str, org: str) -> None:
    assert organizational_domain(domain) == org


def test_alignment() -> None:
    assert aligned("mail.example.com", "example.com", "r")
    assert aligned("example.com", "news.example.com", "r")
    assert not aligned("mail.example.com", "example.com", "s")
    assert aligned("EXAMPLE.com.", "example.com", "s")
    assert not aligned("example.net", "example.com", "r")
    assert not aligned("example.co.uk", "other.co.uk", "r")
    assert not aligned("", "example.com", "r")


# -- RFC5322.From ----------------------------------------------------------------------------


def test_author_domain() -> None:
    assert author_domain(message()) == "example.com"
    assert author_domain(message(from_='"Doe, John" <j@Mail.Example.COM.>')) == "mail.example.com"
    assert author_domain(message(from_="a@example.com, b@EXAMPLE.com")) == "example.com"
    assert author_domain(message(from_="Friends: a@example.com, b@example.com;")) == "example.com"
    assert author_domain(message(from_="Ünïcode <u@bücher.example>")) == "xn--bcher-kva.example"
    folded = b"From: Alice\r\n <alice@example.com>\r\nSubject: x\r\n\r\nbody\r\n"
    assert author_domain(folded) == "example.com"


@pytest.mark.parametrize(
    "raw",
    [
        message(from_="a@example.com, b@example.net"),  # two domains
        message(from_="a@example.com", extra=b"From: b@example.com\r\n"),  # two From fields
        b"Subject: no from\r\n\r\nbody\r\n",
        message(from_="undisclosed"),
        message(from_="a@[192.0.2.1]"),
        message(from_="a@localhost"),
        message(from_=""),
        b"",
        b"\xff\xfe\x00garbage",
    ],
)
def test_no_single_author_domain(raw: bytes) -> None:
    with pytest.raises(NoAuthorDomain):
        author_domain(raw)


def test_from_in_body_is_not_the_author() -> None:
    assert author_domain(b"From: a@example.com\r\n\r\nFrom: b@example.net\r\n") == "example.com"


# -- the whole check against the DNS server ------------------------------------------------------


@pytest.fixture
def zone(dns_server: DNSServer) -> DNSServer:
    dns_server.set_txt("_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:d@example.com")
    return dns_server


async def dmarc(resolver, from_: str, spf, dkim, sample: float | None = None):
    return await check_dmarc(resolver, message(from_=from_), spf=spf, dkim=dkim, sample=sample)


async def test_reject_without_aligned_pass(zone, resolver) -> None:
    r = await dmarc(
        resolver, "a@example.com", spf_pass("evil.example"), [dkim_pass("evil.example")]
    )
    assert (r.result, r.policy, r.requested_policy, r.domain) == (
        "fail",
        "reject",
        "reject",
        "example.com",
    )
    assert not r.spf_aligned and not r.dkim_aligned


async def test_aligned_dkim_pass_with_spf_fail_passes(zone, resolver) -> None:
    r = await dmarc(resolver, "a@example.com", SPF_FAIL, [dkim_pass("example.com")])
    assert (r.result, r.policy, r.dkim_aligned, r.spf_aligned) == ("pass", "none", True, False)


async def test_aligned_spf_pass_alone_passes(zone, resolver) -> None:
    r = await dmarc(resolver, "a@example.com", spf_pass("example.com"), [])
    assert (r.result, r.spf_aligned) == ("pass", True)


async def test_failed_dkim_signature_does_not_align(zone, resolver) -> None:
    failed = DKIMResult("fail", "example.com", "sel")
    r = await dmarc(resolver, "a@example.com", SPF_FAIL, [failed])
    assert r.result == "fail"


async def test_relaxed_and_strict_alignment_with_subdomains(zone, resolver) -> None:
    # From a subdomain, signed by the parent, MAIL FROM another subdomain: relaxed passes.
    r = await dmarc(resolver, "a@news.example.com", spf_pass("bounce.example.com"), [])
    assert r.result == "pass"
    r = await dmarc(resolver, "a@news.example.com", SPF_FAIL, [dkim_pass("example.com")])
    assert r.result == "pass"
    zone.set_txt("_dmarc.example.com", "v=DMARC1; p=reject; adkim=s; aspf=s")
    r = await dmarc(resolver, "a@news.example.com", spf_pass("bounce.example.com"), [])
    assert (r.result, r.policy) == ("fail", "reject")
    r = await dmarc(resolver, "a@news.example.com", SPF_FAIL, [dkim_pass("example.com")])
    assert r.result == "fail"
    r = await dmarc(resolver, "a@news.example.com", SPF_FAIL, [dkim_pass("news.example.com")])
    assert r.result == "pass"


async def test_org_domain_fallback(zone, resolver) -> None:
    # Record only at example.com, From at mail.example.com (RFC 7489 §6.6.3).
    r = await dmarc(resolver, "a@mail.example.com", SPF_FAIL, [])
    assert (r.result, r.policy) == ("fail", "reject")
    assert ("_dmarc.mail.example.com", "TXT") in zone.queries
    assert ("_dmarc.example.com", "TXT") in zone.queries


async def test_subdomain_policy(zone, resolver) -> None:
    zone.set_txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine")
    r = await dmarc(resolver, "a@mail.example.com", SPF_FAIL, [])
    assert (r.result, r.policy, r.requested_policy) == ("fail", "quarantine", "quarantine")
    r = await dmarc(resolver, "a@example.com", SPF_FAIL, [])
    assert r.policy == "reject"
    # A record of the subdomain's own is its policy; its p= applies, not the parent's sp=.
    zone.set_txt("_dmarc.mail.example.com", "v=DMARC1; p=none; sp=reject")
    r = await dmarc(resolver, "a@mail.example.com", SPF_FAIL, [])
    assert (r.result, r.policy) == ("fail", "none")


async def test_pct_sampling(zone, resolver) -> None:
    # RFC 7489 §6.3 pct: outside the sample, the next policy down applies.
    zone.set_txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=50")
    assert (await dmarc(resolver, "a@example.com", SPF_FAIL, [], sample=0.2)).policy == "reject"
    r = await dmarc(resolver, "a@example.com", SPF_FAIL, [], sample=0.7)
    assert (r.policy, r.requested_policy) == ("quarantine", "reject")
    zone.set_txt("_dmarc.example.com", "v=DMARC1; p=quarantine; pct=0")
    assert (await dmarc(resolver, "a@example.com", SPF_FAIL, [], sample=0.0)).policy == "none"


async def test_multiple_from_domains_is_permerror(zone, resolver) -> None:
    r = await dmarc(resolver, "a@example.com, b@example.net", spf_pass("example.com"), [])
    assert (r.result, r.policy, r.domain) == ("permerror", "none", "")


async def test_no_record_is_none(dns_server: DNSServer, resolver) -> None:
    r = await dmarc(resolver, "a@example.org", SPF_FAIL, [])
    assert (r.result, r.policy, r.domain) == ("none", "none", "example.org")


async def test_several_records_mean_no_policy(zone, resolver) -> None:
    zone.set_txt("_dmarc.example.com", "v=DMARC1; p=reject", "v=DMARC1; p=none")
    assert (await dmarc(resolver, "a@example.com", SPF_FAIL, [])).result == "none"


async def test_other_txt_records_are_ignored(zone, resolver) -> None:
    zone.set_txt("_dmarc.example.com", "hello", "v=DMARC1; p=quarantine")
    r = await dmarc(resolver, "a@example.com", SPF_FAIL, [])
    assert (r.result, r.policy) == ("fail", "quarantine")


async def test_invalid_record_is_none_without_fallback(zone, resolver) -> None:
    zone.set_txt("_dmarc.mail.example.com", "v=DMARC1; p=sometimes")
    r = await dmarc(resolver, "a@mail.example.com", SPF_FAIL, [])
    assert r.result == "none"


async def test_dns_failure_is_temperror(zone, resolver) -> None:
    zone.servfail.add("_dmarc.example.com")
    r = await dmarc(resolver, "a@example.com", SPF_FAIL, [])
    assert (r.result, r.policy) == ("temperror", "none")


async def test_silent_dns_is_temperror(silent_resolver) -> None:
    r = await dmarc(silent_resolver, "a@example.com", SPF_FAIL, [])
    assert r.result == "temperror"


async def test_aligned_temperror_is_not_a_fail(zone, resolver) -> None:
    unsure = DKIMResult("temperror", "example.com", "sel")
    r = await dmarc(resolver, "a@example.com", SPF_FAIL, [unsure])
    assert (r.result, r.policy) == ("temperror", "none")
    unrelated = DKIMResult("temperror", "other.example", "sel")
    assert (await dmarc(resolver, "a@example.com", SPF_FAIL, [unrelated])).result == "fail"
