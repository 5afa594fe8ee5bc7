"""``mailstore queue ...`` and ``mailstore dkim ...`` as an admin runs them (real processes)."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from mailstore.config import load_config
from mailstore.outbound import signing
from tests.outbound.helpers import Sink, message
from tests.outbound.test_delivery import enqueue


async def _run(tmp_path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("MAILSTORE_")}
    full.update(env, COLUMNS="200")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "mailstore.cli.main", "--home", str(tmp_path), *args),
        env=full,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
def cli(tmp_path, database_url, dns_server, remotes):
    async def run(*args: str) -> tuple[int, str, str]:
        env = {
            "MAILSTORE_DATABASE_URL": database_url,
            "MAILSTORE_DNS_NAMESERVERS": dns_server.nameserver,
            "MAILSTORE_QUEUE_REMOTE_PORT": str(remotes.port or 25),
            "MAILSTORE_QUEUE_IDLE_TIMEOUT": "0.1",
        }
        return await _run(tmp_path, env, *args)

    return run


async def test_list_show_retry_delete(store, account, cli):
    first = await enqueue(store, ["carol@remote.test", "dave@remote.test"], message("one"))
    second = await enqueue(store, ["erin@other.test"], message("two"), sender="")
    code, out, _ = await cli("queue", "list")
    assert code == 0
    assert "carol@remote.test" in out and "erin@other.test" in out and "<>" in out
    assert "2 message(s), 3 recipient(s) pending" in out

    code, out, _ = await cli("queue", "show", str(first))
    assert code == 0 and "bob@example.org" in out and "dave@remote.test" in out
    assert "one" in out  # the Subject

    await store.db.execute("UPDATE queue_recipients SET next_attempt_at = now() + '1 hour'")
    code, out, _ = await cli("queue", "retry", str(first))
    assert code == 0 and "2 recipient(s) due now" in out

    code, out, _ = await cli("queue", "delete", str(second), "999")
    assert code == 1 and f"message {second} deleted" in out and "no queued message 999" in out
    assert [m.id for m in await store.queue.list()] == [first]


async def test_flush_delivers_now(store, account, remotes, zone, cli):
    sink = await remotes.smtp("127.0.0.2", Sink())
    zone("remote.test", "127.0.0.2")
    await enqueue(store, ["carol@remote.test"])
    await store.db.execute("UPDATE queue_recipients SET next_attempt_at = now() + '1 hour'")
    code, out, err = await cli("queue", "flush")
    assert code == 0, err
    assert "carol@remote.test" in out and "delivered" in out
    assert len(sink.messages) == 1 and await store.queue.list() == []
    code, out, _ = await cli("queue", "list")
    assert "queue is empty" in out


async def test_dkim_keygen_and_list(tmp_path):
    code, out, err = await _run(tmp_path, {}, "dkim", "keygen", "example.org", "--selector", "s1")
    assert code == 0, err
    assert (tmp_path / "dkim" / "example.org" / "s1.pem").exists()
    assert 's1._domainkey.example.org. IN TXT "v=DKIM1; k=rsa; p=' in out
    signing.keygen(load_config(home=tmp_path, environ={}), "example.org", "s2", "ed25519")
    code, out, _ = await _run(tmp_path, {}, "dkim", "list")
    assert "rsa-sha256" in out and "ed25519-sha256" in out and "s1" in out and "s2" in out
