"""Fixtures: a DNS responder on loopback (tests/dnsserver.py) and resolvers pointed at it."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import dns.asyncresolver
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mailstore.config import DNSConfig
from mailstore.dns import make_resolver
from tests.dnsserver import DNSServer


@pytest.fixture(scope="session")
def shared_dns_server() -> Iterator[DNSServer]:
    with DNSServer() as server:
        yield server


@pytest.fixture
def dns_server(shared_dns_server: DNSServer) -> DNSServer:
    """An empty authoritative DNS server on 127.0.0.1; tests add the records they need.

    One server (one port) serves the session; it is emptied before each test.
    """
    shared_dns_server.reset()
    return shared_dns_server


@pytest.fixture
def resolver(dns_server: DNSServer) -> dns.asyncresolver.Resolver:
    """The engine's resolver, configured as ``[dns] nameservers = ["127.0.0.1:<port>"]``."""
    return make_resolver(DNSConfig(nameservers=[dns_server.nameserver], timeout=3.0))


@pytest.fixture
def silent_resolver() -> Iterator[dns.asyncresolver.Resolver]:
    """A resolver whose server never answers: a bound UDP port nobody reads, 0.5 s timeout."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        port = sock.getsockname()[1]
        yield make_resolver(DNSConfig(nameservers=[f"127.0.0.1:{port}"], timeout=0.5))
    finally:
        sock.close()


def _rsa_pem(bits: int) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture(scope="session")
def rsa_key() -> bytes:
    """A 2048-bit RSA private key (PKCS#8 PEM) made for this test run."""
    return _rsa_pem(2048)


@pytest.fixture(scope="session")
def other_rsa_key() -> bytes:
    return _rsa_pem(2048)
