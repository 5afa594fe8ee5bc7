"""SPF, DKIM and DMARC records from a hostile DNS: a result name, never an exception.

The records are served by the real loopback DNS responder (``tests/dnsserver.py``); the
engine's resolver asks it as it would ask the Internet. SPF records (RFC 7208 §4.6) and DKIM
key records (RFC 6376 §3.6.1) are built from their grammar's terms with random values and
mutations; DMARC records (RFC 7489 §6.3) go through the pure ``parse_record``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailstore.config import DNSConfig
from mailstore.dns import make_resolver
from mailstore.mailauth import dkim, spf
from mailstore.mailauth.dmarc import DMARCRecordError, parse_record
from tests.dnsserver import DNSServer

from .profile import bounded

SPF_TERMS = st.sampled_from(
    [
        "v=spf1",
        "-all",
        "~all",
        "?all",
        "+all",
        "all",
        "ip4:127.0.0.1",
        "ip4:127.0.0.0/8",
        "ip4:300.1.1.1",
        "ip4:1.2.3.4/33",
        "ip6:::1",
        "ip6:::1/129",
        "a",
        "a:example.com/24",
        "mx",
        "mx:nowhere.example",
        "include:inc.example.com",
        "include:example.com",  # a loop
        "exists:%{i}.x.example.com",
        "redirect=example.com",
        "redirect=inc.example.com",
        "exp=exp.example.com",
        "ptr",
        "%{l1r+-}",
        "a:%{d2}.%{",
        "v=spf1 v=spf1",
        "unknown=x",
        "",
        "\x00",
        "é",
    ]
)
SPF_RECORDS = st.lists(SPF_TERMS, max_size=6).map(" ".join)

DKIM_TAGS = st.sampled_from(
    [
        "v=DKIM1",
        "k=rsa",
        "k=ed25519",
        "k=dsa",
        "p=",
        "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ",
        "p=!!!",
        "h=sha256",
        "h=sha1",
        "t=y",
        "t=s",
        "s=email",
        "n=note",
        "=",
        ";",
        "p",
        "v=DKIM2",
    ]
)
DKIM_RECORDS = st.lists(DKIM_TAGS | st.text(max_size=6), max_size=6).map(";".join)
SIGNATURE_TAGS = st.sampled_from(
    [
        "v=1",
        "a=rsa-sha256",
        "a=rsa-sha1",
        "a=ed25519-sha256",
        "a=x",
        "d=example.com",
        "d=",
        "d=" + "x" * 70 + ".com",
        "s=sel",
        "s=..",
        "h=from:to",
        "h=to",
        "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "b=AAAA",
        "b=",
        "c=relaxed/relaxed",
        "c=bogus",
        "l=5",
        "l=-1",
        "l=99999999999999999999",
        "t=1",
        "x=0",
        "i=@example.com",
        "i=@other.example",
        "q=dns/txt",
    ]
)
SIGNATURES = st.lists(SIGNATURE_TAGS, max_size=10).map("; ".join)

DMARC_TAGS = st.sampled_from(
    [
        "v=DMARC1",
        "p=none",
        "p=reject",
        "p=bogus",
        "sp=quarantine",
        "pct=50",
        "pct=1000",
        "pct=-1",
        "pct=x",
        "adkim=s",
        "aspf=x",
        "rua=mailto:a@example.com",
        "rua=mailto:a@example.com!10m,mailto:b@x",
        "ruf=",
        "fo=1:d",
        "ri=86400",
        "ri=99999999999999999999999",
        "np=reject",
        "=",
        "",
    ]
)
DMARC_RECORDS = st.lists(DMARC_TAGS | st.text(max_size=8), max_size=8).map(";".join)


@pytest.fixture(scope="module")
def dns_server() -> Iterator[DNSServer]:
    with DNSServer() as server:
        yield server


def message(signatures: list[str]) -> bytes:
    head = b"".join(f"DKIM-Signature: {sig}\r\n".encode("utf-8", "replace") for sig in signatures)
    return head + b"From: a@example.com\r\nTo: b@example.org\r\nSubject: s\r\n\r\nbody\r\n"


def spf_for(server: DNSServer, records: list[str], mail_from: str) -> spf.SPFResult:
    server.reset()
    for name, record in zip(("example.com", "inc.example.com"), records, strict=False):
        server.set_txt(name, record.encode("utf-8"))
    resolver = make_resolver(DNSConfig(nameservers=[server.nameserver], timeout=2.0))
    return asyncio.run(
        spf.check_mail_from(resolver, client_ip="127.0.0.1", mail_from=mail_from, helo="h.example")
    )


@bounded(40)
@given(
    records=st.lists(SPF_RECORDS, min_size=1, max_size=2),
    mail_from=st.sampled_from(["a@example.com", "example.com", "@example.com", "a@"]),
)
def spf_property(server: DNSServer, records: list[str], mail_from: str) -> None:
    result = spf_for(server, records, mail_from)
    assert result.result in get_args(spf.Result)
    if records[0] == "v=spf1 +all" and mail_from.endswith("@example.com"):
        assert result.result == "pass"
    if records[0] == "v=spf1 -all" and mail_from.endswith("@example.com"):
        assert result.result == "fail"


def test_spf_records_never_raise(dns_server: DNSServer) -> None:
    spf_property(dns_server)
    # the records are really being read: a plain -all fails, a plain +all passes
    assert spf_for(dns_server, ["v=spf1 -all"], "a@example.com").result == "fail"
    assert spf_for(dns_server, ["v=spf1 ip4:127.0.0.1 -all"], "a@example.com").result == "pass"


@bounded(40)
@given(signatures=st.lists(SIGNATURES, min_size=1, max_size=3), key=DKIM_RECORDS)
def dkim_property(server: DNSServer, signatures: list[str], key: str) -> None:
    server.reset()
    server.set_txt("sel._domainkey.example.com", key.encode("utf-8"))
    resolver = make_resolver(DNSConfig(nameservers=[server.nameserver], timeout=2.0))
    results = asyncio.run(dkim.verify_message(resolver, message(signatures)))
    assert len(results) == len(signatures)
    for result in results:
        assert result.result in get_args(dkim.Result)
        assert result.result != "pass"  # nothing here is signed with a real key


def test_dkim_signatures_and_keys_never_raise(dns_server: DNSServer) -> None:
    dkim_property(dns_server)


@bounded(300)
@given(
    name=st.sampled_from(["sel._domainkey.example.com", "", "a" * 300]),
    records=st.lists(DKIM_RECORDS.map(lambda r: r.encode("utf-8")), max_size=3),
)
def test_dkim_key_record_choice(name: str, records: list[bytes]) -> None:
    record, problem = dkim._usable_key(name, records)
    assert (record is None) == bool(problem)
    assert record is None or record in records


@bounded(300)
@given(text=DMARC_RECORDS | DMARC_RECORDS.map(lambda r: "v=DMARC1;" + r))
def test_dmarc_record_parse(text: str) -> None:
    try:
        record = parse_record(text)
    except DMARCRecordError:
        return
    assert text.replace(" ", "").startswith("v=DMARC1")
    assert record.p in ("none", "quarantine", "reject") and 0 <= record.pct <= 100
    assert record.adkim in ("r", "s") and record.aspf in ("r", "s")
