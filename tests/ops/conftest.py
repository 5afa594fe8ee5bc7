"""Fixtures for the operator tools: the loopback DNS server, a DKIM key, a correct zone."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailstore.outbound.signing import SigningKey
from tests.dnsserver import DNSServer
from tests.mailauth.conftest import (  # noqa: F401
    dns_server,
    other_rsa_key,
    resolver,
    rsa_key,
    shared_dns_server,
)

DOMAIN = "example.org"
HOST = "mail.example.org"
SELECTOR = "sel"
ADDRESS = "192.0.2.10"
DMARC = "v=DMARC1; p=quarantine; rua=mailto:postmaster@example.org"


@pytest.fixture
def dkim_key(rsa_key: bytes, tmp_path: Path) -> SigningKey:  # noqa: F811
    """The RSA test key as ``<home>/dkim/example.org/sel.pem`` (``tmp_path`` is the home)."""
    path = tmp_path / "dkim" / DOMAIN / f"{SELECTOR}.pem"
    path.parent.mkdir(parents=True)
    path.write_bytes(rsa_key)
    return SigningKey(DOMAIN, SELECTOR, path, rsa_key)


def publish_good_zone(server: DNSServer, key: SigningKey) -> None:
    """Everything ``mailstore dns example.org`` asks for, published correctly."""
    server.set(DOMAIN, "MX", [f"10 {HOST}."])
    server.set(HOST, "A", [ADDRESS])
    server.set_txt(DOMAIN, "v=spf1 mx -all", "google-site-verification=abc")
    server.set_txt(f"{SELECTOR}._domainkey.{DOMAIN}", key.record)
    server.set_txt(f"_dmarc.{DOMAIN}", DMARC)


@pytest.fixture
def good_zone(dns_server: DNSServer, dkim_key: SigningKey) -> DNSServer:  # noqa: F811
    publish_good_zone(dns_server, dkim_key)
    return dns_server
