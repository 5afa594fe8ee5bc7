"""``mailstore check``: one line per check, exit 1 on any error."""

from __future__ import annotations

import datetime
from pathlib import Path

from mailstore.outbound.signing import SigningKey
from tests.dnsserver import DNSServer
from tests.ops.conftest import HOST
from tests.ops.helpers import mailstore, write_config


def tls_section(tmp_path: Path, tls_ca, **validity: datetime.datetime) -> str:
    """A certificate for our host name from the test CA, written to files; the [tls] text."""
    ca, _ = tls_ca
    leaf = ca.issue_cert(HOST, **validity)
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    return f'[tls]\ncert = "{cert}"\nkey = "{key}"\n'


async def test_good_setup(
    tmp_path: Path,
    database_url: str,
    account,
    good_zone: DNSServer,
    dkim_key: SigningKey,
    tls_ca,
) -> None:
    write_config(tmp_path, database_url, good_zone.nameserver, tls_section(tmp_path, tls_ca))
    r = mailstore(tmp_path, "check")
    out = r.stdout.decode()
    assert r.returncode == 0, out + r.stderr.decode()
    lines = out.splitlines()
    assert lines[-1] == "0 error(s), 0 warning(s)"
    assert all(line.startswith("ok    ") for line in lines[:-1]), out
    assert any(line.startswith("ok    database   fsync, full_page_writes") for line in lines)
    assert any(line.startswith("ok    database   schema at head") for line in lines)
    assert any("fullchain.pem valid until" in line for line in lines)
    assert "ok    dns        example.org dmarc _dmarc.example.org: " in out
    # --no-dns: no query at all
    good_zone.queries.clear()
    r = mailstore(tmp_path, "check", "--no-dns")
    assert r.returncode == 0
    assert "ok    dns        skipped (--no-dns)" in r.stdout.decode()
    assert good_zone.queries == []


async def test_expired_certificate_is_an_error(
    tmp_path: Path,
    database_url: str,
    account,
    good_zone: DNSServer,
    dkim_key: SigningKey,
    tls_ca,
) -> None:
    now = datetime.datetime.now(datetime.UTC)
    tls = tls_section(
        tmp_path,
        tls_ca,
        not_before=now - datetime.timedelta(days=90),
        not_after=now - datetime.timedelta(days=1),
    )
    write_config(tmp_path, database_url, good_zone.nameserver, tls)
    r = mailstore(tmp_path, "check", "--no-dns")
    out = r.stdout.decode()
    assert r.returncode == 1, out
    (line,) = [line for line in out.splitlines() if line.startswith("error ")]
    expiry = (now - datetime.timedelta(days=1)).strftime("%Y-%m-%d")
    assert line.startswith(f"error tls        {tmp_path / 'fullchain.pem'} expired on {expiry}")
    assert out.splitlines()[-1] == "1 error(s), 0 warning(s)"


async def test_soon_expiring_wrong_key_and_bad_config(
    tmp_path: Path, database_url: str, account, dns_server: DNSServer, tls_ca
) -> None:
    now = datetime.datetime.now(datetime.UTC)
    tls = tls_section(tmp_path, tls_ca, not_after=now + datetime.timedelta(days=5))
    write_config(tmp_path, database_url, dns_server.nameserver, tls)
    r = mailstore(tmp_path, "check", "--no-dns")
    assert r.returncode == 0
    assert "warn  tls        " in r.stdout.decode() and "expires in 4 days" in r.stdout.decode()

    ca, _ = tls_ca
    ca.issue_cert(HOST).private_key_pem.write_to_path(str(tmp_path / "privkey.pem"))
    r = mailstore(tmp_path, "check", "--no-dns")
    assert r.returncode == 1
    assert f"error tls        {tmp_path / 'privkey.pem'} is not the key of" in r.stdout.decode()

    (tmp_path / "mailstore.toml").write_text('[database]\nurl = "mysql://db/mail"\n')
    r = mailstore(tmp_path, "check")
    assert r.returncode == 1
    assert r.stdout.decode().splitlines() == [
        "error config     database.url: expected a postgresql:// URL",
        "1 error(s), 0 warning(s)",
    ]
