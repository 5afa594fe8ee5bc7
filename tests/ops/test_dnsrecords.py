"""The records ``mailstore dns`` prints: built from the configuration, pure code."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mailstore.config import ServerConfig, load_config
from mailstore.errors import InvalidArgument
from mailstore.ops.dnsrecords import (
    DomainPlan,
    build_records,
    mta_sts_id,
    mta_sts_policy,
    plan_for,
    quote_txt,
)
from mailstore.outbound.signing import SigningKey, generate_key
from tests.ops.conftest import DOMAIN, HOST


def test_default_records_in_zone_file_syntax(dkim_key: SigningKey) -> None:
    records = build_records(DomainPlan(DOMAIN, HOST, keys=[dkim_key]))
    assert [r.kind for r in records] == ["mx", "spf", "dkim", "dmarc"]
    lines = [r.zone_line() for r in records]
    assert lines[0] == "example.org. IN MX 10 mail.example.org."
    assert lines[1] == 'example.org. IN TXT "v=spf1 mx -all"'
    assert lines[3] == (
        '_dmarc.example.org. IN TXT "v=DMARC1; p=quarantine; rua=mailto:postmaster@example.org"'
    )
    # a 2048-bit RSA key does not fit one 255-octet character-string (RFC 1035 §3.3.14)
    dkim = records[2]
    assert dkim.name == "sel._domainkey.example.org"
    assert dkim.value == dkim_key.record
    assert dkim.value.startswith("v=DKIM1; k=rsa; p=MIIBIjAN")
    assert 255 < len(dkim.value) <= 510
    strings = f'"{dkim.value[:255]}" "{dkim.value[255:]}"'
    assert dkim.rdata == strings
    assert lines[2] == f"sel._domainkey.example.org. IN TXT {strings}"


def test_ed25519_key_and_addresses(tmp_path: Path) -> None:
    pem = generate_key("ed25519")
    key = SigningKey(DOMAIN, "ed", tmp_path / "ed.pem", pem)
    plan = DomainPlan(DOMAIN, HOST, keys=[key], addresses=["192.0.2.10", "2001:db8::0:25"])
    records = build_records(plan)
    (spf,) = (r for r in records if r.kind == "spf")
    assert spf.zone_line() == 'example.org. IN TXT "v=spf1 ip4:192.0.2.10 ip6:2001:db8::25 -all"'
    hosts = [r.zone_line() for r in records if r.kind == "host"]
    assert hosts == [
        "mail.example.org. IN A 192.0.2.10",
        "mail.example.org. IN AAAA 2001:db8::25",
    ]
    ptrs = [r.zone_line() for r in records if r.kind == "ptr"]
    assert ptrs[0] == "10.2.0.192.in-addr.arpa. IN PTR mail.example.org."
    assert ptrs[1].endswith(".8.b.d.0.1.0.0.2.ip6.arpa. IN PTR mail.example.org.")
    (dkim,) = (r for r in records if r.kind == "dkim")
    assert dkim.value.startswith("v=DKIM1; k=ed25519; p=") and len(dkim.value) < 255
    assert dkim.rdata == f'"{dkim.value}"'


def test_mta_sts_tls_rpt_and_no_send() -> None:
    records = build_records(DomainPlan(DOMAIN, HOST, mta_sts=True, tls_rpt=True))
    policy = mta_sts_policy(HOST)
    assert policy == (
        "version: STSv1\r\nmode: testing\r\nmx: mail.example.org\r\nmax_age: 604800\r\n"
    )
    assert records[-2].zone_line() == (
        f'_mta-sts.example.org. IN TXT "v=STSv1; id={mta_sts_id(policy)}"'
    )
    assert mta_sts_id(policy).isalnum() and mta_sts_id(policy) != mta_sts_id(policy + "x")
    assert records[-1].zone_line() == (
        '_smtp._tls.example.org. IN TXT "v=TLSRPTv1; rua=mailto:postmaster@example.org"'
    )
    quiet = build_records(DomainPlan(DOMAIN, HOST, sends_mail=False))
    assert [r.value for r in quiet if r.rtype == "TXT"] == [
        "v=spf1 -all",
        "v=DMARC1; p=reject; rua=mailto:postmaster@example.org",
    ]


def test_txt_quoting() -> None:
    assert quote_txt('a"b\\c') == '"a\\"b\\\\c"'
    assert quote_txt("x" * 256) == f'"{"x" * 255}" "x"'


def test_plan_needs_a_real_host_name(tmp_path: Path) -> None:
    config = load_config(home=tmp_path, environ={})
    with pytest.raises(InvalidArgument, match="hostname is 'localhost'"):
        plan_for(config, DOMAIN)
    config = dataclasses.replace(config, server=ServerConfig(hostname="Mail.Example.org."))
    plan = plan_for(config, "EXAMPLE.org", addresses=["192.0.2.1"])
    assert (plan.domain, plan.hostname, plan.addresses, plan.keys) == (
        "example.org",
        "mail.example.org",
        ("192.0.2.1",),
        (),
    )
    with pytest.raises(InvalidArgument, match="not an IP address"):
        plan_for(config, DOMAIN, addresses=["mail.example.org"])
