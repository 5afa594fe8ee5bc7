"""``mailstore dns DOMAIN [--check]`` as a command: output, exit codes, JSON."""

from __future__ import annotations

import json
from pathlib import Path

from mailstore.outbound.signing import SigningKey
from tests.dnsserver import DNSServer
from tests.ops.conftest import DMARC, DOMAIN
from tests.ops.helpers import mailstore, write_config


async def test_prints_records_for_hosted_domain(
    tmp_path: Path, database_url: str, account, dns_server: DNSServer, dkim_key: SigningKey
) -> None:
    write_config(tmp_path, database_url, dns_server.nameserver)
    r = mailstore(tmp_path, "dns", DOMAIN)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode().splitlines()
    record = dkim_key.record
    assert [line for line in out if not line.startswith(";")] == [
        "example.org. IN MX 10 mail.example.org.",
        'example.org. IN TXT "v=spf1 mx -all"',
        f'sel._domainkey.example.org. IN TXT "{record[:255]}" "{record[255:]}"',
        f'_dmarc.example.org. IN TXT "{DMARC}"',
    ]
    assert out[0] == "; DNS records for example.org (mail host mail.example.org)"
    assert (
        "; dkim: public key of DKIM selector sel (rsa-sha256, from sel.pem; RFC 6376 §3.6.1)" in out
    )
    assert dns_server.queries == []  # printing needs no DNS

    r = mailstore(tmp_path, "dns", "other.example", "--mta-sts")
    assert r.returncode == 1
    assert (
        r.stderr.decode()
        .strip()
        .endswith("no domain other.example here (mailstore domain add other.example)")
    )


async def test_check_exit_codes_and_fixes(
    tmp_path: Path, database_url: str, account, good_zone: DNSServer, dkim_key: SigningKey
) -> None:
    write_config(tmp_path, database_url, good_zone.nameserver)
    r = mailstore(tmp_path, "dns", DOMAIN, "--check")
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout.decode()
    assert "ok        mx       example.org: MX 10 mail.example.org\n" in out
    assert out.endswith("all records ok\n")

    good_zone.remove(f"_dmarc.{DOMAIN}")
    r = mailstore(tmp_path, "dns", DOMAIN, "--check")
    assert r.returncode == 1
    out = r.stdout.decode()
    assert (
        "missing   dmarc    _dmarc.example.org: no DMARC record: receivers apply none\n"
        f'          fix: _dmarc.example.org. IN TXT "{DMARC}"\n'
    ) in out
    assert out.endswith("1 problem(s) to fix\n")

    r = mailstore(tmp_path, "dns", DOMAIN, "--check", "--format", "json")
    assert r.returncode == 1
    document = json.loads(r.stdout)
    assert document["ok"] is False
    assert [f["status"] for f in document["findings"]] == ["ok", "ok", "ok", "missing"]
    assert document["findings"][3]["fix"] == f'_dmarc.example.org. IN TXT "{DMARC}"'
    assert document["records"][0]["zone_line"] == "example.org. IN MX 10 mail.example.org."
