"""DKIM (RFC 6376) signing and verification, keys published in the loopback DNS server."""

from __future__ import annotations

import base64
import importlib.util

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from mailstore.mailauth.dkim import DKIMSignError, public_key_record, sign, verify_message
from tests.dnsserver import DNSServer
from tests.mailauth.helpers import message

KEY_NAME = "sel._domainkey.example.com"


@pytest.fixture
def signed(dns_server: DNSServer, rsa_key: bytes) -> bytes:
    """A message signed by example.com (selector ``sel``), its key published."""
    dns_server.set_txt(KEY_NAME, public_key_record(rsa_key))
    raw = message()
    return sign(raw, "sel", "example.com", rsa_key) + raw


async def test_sign_returns_one_header_field(rsa_key: bytes) -> None:
    field = sign(message(), "sel", "example.com", rsa_key)
    assert field.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;")
    assert field.endswith(b"\r\n") and b"\r\n\r\n" not in field
    assert b" s=sel;" in field


async def test_pass(signed: bytes, resolver) -> None:
    [r] = await verify_message(resolver, signed)
    assert (r.result, r.domain, r.selector, r.algorithm) == (
        "pass",
        "example.com",
        "sel",
        "rsa-sha256",
    )


async def test_pass_with_lf_line_ends(signed: bytes, resolver) -> None:
    [r] = await verify_message(resolver, signed.replace(b"\r\n", b"\n"))
    assert r.result == "pass"


async def test_relaxed_canonicalization_tolerates_refolding(signed: bytes, resolver) -> None:
    raw = signed.replace(b"Subject: Lunch", b"Subject:   Lunch ")
    [r] = await verify_message(resolver, raw)
    assert r.result == "pass"


async def test_signed_header_modified_fails(signed: bytes, resolver) -> None:
    [r] = await verify_message(resolver, signed.replace(b"Subject: Lunch", b"Subject: Dinner"))
    assert (r.result, r.reason) == ("fail", "signature did not verify")


async def test_body_modified_fails(signed: bytes, resolver) -> None:
    [r] = await verify_message(resolver, signed.replace(b"noon", b"five"))
    assert (r.result, r.reason) == ("fail", "body hash did not verify")


async def test_unsigned_header_may_be_added(signed: bytes, resolver) -> None:
    [r] = await verify_message(resolver, b"Received: from x by y\r\n" + signed)
    assert r.result == "pass"


async def test_unknown_selector_is_permerror(dns_server: DNSServer, resolver, rsa_key) -> None:
    # RFC 6376 §6.1.2: no key record for the signature is PERMFAIL ("no key for signature").
    raw = message()
    raw = sign(raw, "gone", "example.com", rsa_key) + raw
    [r] = await verify_message(resolver, raw)
    assert (r.result, r.selector, r.reason) == ("permerror", "gone", "no key for signature")
    dns_server.set_txt("example.com", "v=spf1 -all")  # domain exists, selector does not
    [r] = await verify_message(resolver, raw)
    assert r.result == "permerror"


async def test_key_lookup_failure_is_temperror(dns_server: DNSServer, signed, resolver) -> None:
    # RFC 6376 §6.1.2: the query for the key failed to respond: TEMPFAIL.
    dns_server.servfail.add(KEY_NAME)
    [r] = await verify_message(resolver, signed)
    assert (r.result, r.reason) == ("temperror", "key lookup failed temporarily")


async def test_silent_dns_is_temperror(signed: bytes, silent_resolver) -> None:
    [r] = await verify_message(silent_resolver, signed)
    assert r.result == "temperror"


async def test_revoked_and_malformed_keys_are_permerror(dns_server, signed, resolver) -> None:
    dns_server.set_txt(KEY_NAME, "v=DKIM1; k=rsa; p=")  # RFC 6376 §3.6.1: revoked
    [r] = await verify_message(resolver, signed)
    assert (r.result, r.reason) == ("permerror", "key revoked")
    dns_server.set_txt(KEY_NAME, "v=DKIM1; k=rsa; p=bm90IGEga2V5")
    [r] = await verify_message(resolver, signed)
    assert r.result == "permerror"
    dns_server.set_txt(KEY_NAME, "garbage without tags")
    [r] = await verify_message(resolver, signed)
    assert r.result == "permerror"


async def test_wrong_key_fails(dns_server, signed, resolver, other_rsa_key) -> None:
    dns_server.set_txt(KEY_NAME, public_key_record(other_rsa_key))
    [r] = await verify_message(resolver, signed)
    assert r.result == "fail"


async def test_no_signature(resolver) -> None:
    assert await verify_message(resolver, message()) == []
    body = b"DKIM-Signature: in the body is not a signature\r\n"
    assert await verify_message(resolver, message(body=body)) == []


@pytest.mark.parametrize(
    "field",
    [
        b"DKIM-Signature: garbage\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel\r\n",  # no b=, bh=, h=
        b"DKIM-Signature: v=1; a=rot13; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA;"
        b" i=@other.example\r\n",
        b"DKIM-Signature: \xff\xfe; d=\x00\r\n",
        b"DKIM-Signature:\r\n",
    ],
)
async def test_malformed_signature_is_permerror(resolver, field: bytes) -> None:
    [r] = await verify_message(resolver, field + message())
    assert r.result == "permerror"


async def test_from_not_signed_is_permerror(resolver) -> None:
    # RFC 6376 §6.1.1: h= without From is PERMFAIL.
    field = (
        b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=subject; bh=AAAA; b=AAAA\r\n"
    )
    [r] = await verify_message(resolver, field + message())
    assert (r.result, r.reason) == ("permerror", "From field not signed")


async def test_rsa_sha1_is_not_accepted(resolver) -> None:
    field = b"DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n"
    [r] = await verify_message(resolver, field + message())
    assert r.result == "permerror"  # RFC 8301 §3.1


async def test_every_signature_verified(dns_server, signed, resolver, other_rsa_key) -> None:
    dns_server.set_txt("s2._domainkey.list.example", public_key_record(other_rsa_key))
    outer = sign(signed, "s2", "list.example", other_rsa_key) + signed
    results = await verify_message(resolver, outer)
    assert [(r.result, r.domain) for r in results] == [
        ("pass", "list.example"),
        ("pass", "example.com"),
    ]
    tampered = outer.replace(b"noon", b"one")
    assert [r.result for r in await verify_message(resolver, tampered)] == ["fail", "fail"]


async def test_signature_count_is_limited(signed: bytes, resolver) -> None:
    results = await verify_message(resolver, signed, max_signatures=0)
    assert [r.result for r in results] == ["neutral"]


async def test_garbage_message_does_not_raise(resolver) -> None:
    for raw in (b"", b"\r\n\r\n", b"DKIM-Signature", b"\x00" * 100, b"DKIM-Signature: x"):
        results = await verify_message(resolver, raw)
        assert all(r.result == "permerror" for r in results)


def test_sign_rejects_bad_keys() -> None:
    with pytest.raises(DKIMSignError):
        sign(message(), "sel", "example.com", b"not a key")


def test_sign_requires_from(rsa_key: bytes) -> None:
    with pytest.raises(DKIMSignError):
        sign(message(), "sel", "example.com", rsa_key, headers=["subject"])


def _ed25519_pem() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_public_key_record_ed25519() -> None:
    record = public_key_record(_ed25519_pem())
    assert record.startswith("v=DKIM1; k=ed25519; p=")
    assert len(base64.b64decode(record.split("p=")[1])) == 32


@pytest.mark.skipif(importlib.util.find_spec("nacl") is None, reason="dkimpy needs pynacl")
async def test_ed25519_pass(dns_server, resolver) -> None:  # pragma: no cover - needs pynacl
    pem = _ed25519_pem()
    dns_server.set_txt("ed._domainkey.example.com", public_key_record(pem))
    raw = message()
    [r] = await verify_message(resolver, sign(raw, "ed", "example.com", pem) + raw)
    assert (r.result, r.algorithm) == ("pass", "ed25519-sha256")


@pytest.mark.skipif(importlib.util.find_spec("nacl") is not None, reason="pynacl installed")
async def test_ed25519_without_pynacl_is_reported(dns_server, resolver) -> None:
    pem = _ed25519_pem()
    with pytest.raises(DKIMSignError):
        sign(message(), "ed", "example.com", pem)
    dns_server.set_txt("ed._domainkey.example.com", public_key_record(pem))
    field = (
        b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=ed; h=from; bh=AAAA; b=AAAA\r\n"
    )
    [r] = await verify_message(resolver, field + message())
    assert r.result == "permerror"
    assert "ed25519" in r.reason
