"""A relayhost (smarthost) with STARTTLS, a verified certificate and AUTH; no MX lookups."""

from __future__ import annotations

import ssl

import pytest

from mailstore.outbound.results import Kind
from mailstore.outbound.settings import RelayHost
from tests.outbound.test_delivery import enqueue

USERS = {"relayuser": "relaypass"}


@pytest.fixture
def relay_tls(tls_ca):
    _, cert = tls_ca
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


@pytest.fixture
def ca_file(tls_ca, tmp_path):
    ca, _ = tls_ca
    path = tmp_path / "relay-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def relay(remotes, ca_file, **overrides):
    return {
        "relayhost": f"127.0.0.1:{remotes.port}",
        "relayhost_username": "relayuser",
        "relayhost_password": "relaypass",
        "relayhost_tls": "starttls",
        "relayhost_ca_file": str(ca_file),
        **overrides,
    }


async def test_relayhost_with_starttls_and_auth(
    store, account, remotes, runner, relay_tls, ca_file, dns_server
):
    sink = await remotes.smtp("127.0.0.1", tls=relay_tls, auth=USERS)
    await enqueue(store, ["carol@anywhere.test", "dave@elsewhere.test"])
    outcomes = await runner(queue=relay(remotes, ca_file)).run_once()
    assert sorted((o.recipient, o.kind) for o in outcomes) == [
        ("carol@anywhere.test", Kind.DELIVERED),
        ("dave@elsewhere.test", Kind.DELIVERED),
    ]
    assert all(o.tls and o.remote_host == f"127.0.0.1[127.0.0.1]:{remotes.port}" for o in outcomes)
    assert sink.logins == ["relayuser"]  # one connection for both domains
    assert sink.connections == 1
    assert all(m.tls and m.authenticated for m in sink.messages)
    assert not any(q[1] == "MX" for q in dns_server.queries)  # no MX lookups


async def test_wrong_password_defers(store, account, remotes, runner, relay_tls, ca_file):
    sink = await remotes.smtp("127.0.0.1", tls=relay_tls, auth=USERS)
    await enqueue(store, ["carol@anywhere.test"])
    (outcome,) = await runner(queue=relay(remotes, ca_file, relayhost_password="bad")).run_once()
    assert outcome.kind is Kind.DEFERRED and outcome.reply.status == "4.7.8"
    assert sink.messages == []


async def test_unverifiable_certificate_defers(store, account, remotes, runner, relay_tls):
    sink = await remotes.smtp("127.0.0.1", tls=relay_tls, auth=USERS)
    await enqueue(store, ["carol@anywhere.test"])
    settings = relay(remotes, "", relayhost_ca_file="")  # the system CAs do not know ours
    (outcome,) = await runner(queue=settings).run_once()
    assert outcome.kind is Kind.DEFERRED
    assert sink.messages == []


async def test_required_starttls_missing_defers(store, account, remotes, runner, ca_file):
    sink = await remotes.smtp("127.0.0.1")
    await enqueue(store, ["carol@anywhere.test"])
    (outcome,) = await runner(queue=relay(remotes, ca_file)).run_once()
    assert outcome.kind is Kind.DEFERRED and "STARTTLS" in outcome.reply.text
    assert sink.messages == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_auth_in_plaintext_only_to_a_loopback_relayhost(store, account, remotes, runner):
    """With relayhost_tls = "none", credentials go only to a relayhost on loopback."""
    sink = await remotes.smtp("127.0.0.1", auth=USERS)
    await enqueue(store, ["carol@anywhere.test"])
    settings = relay(remotes, "", relayhost_tls="none")
    (outcome,) = await runner(queue=settings).run_once()
    assert outcome.kind is Kind.DELIVERED and outcome.tls is None  # loopback: allowed
    assert sink.logins == ["relayuser"]
    assert not RelayHost("192.0.2.1", 25, "u", "p", "none", "").is_loopback
