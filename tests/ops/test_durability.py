"""The durability guard (issue 9): no mail accepted on a database that could lose it.

A second embedded cluster, private to this module, gets ``fsync`` / ``full_page_writes`` turned
off (ALTER SYSTEM + reload); ``mailstore serve`` must refuse it with one line naming the setting
and the fix. ``synchronous_commit = off`` as a database default must not reach our sessions.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from pathlib import Path
from subprocess import CompletedProcess
from urllib.parse import urlsplit

import asyncpg
import pytest

from mailstore.config import load_config
from mailstore.embedded import start_embedded
from mailstore.ops.dbcheck import check_database
from mailstore.store import Store
from mailstore.store.durability import SKIP_HINT, durability_problems
from tests.cli.test_cli import run


async def _sql(url: str, *statements: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        return [str(await conn.fetchval(statement)) for statement in statements]
    finally:
        await conn.close()


async def _set_system(url: str, name: str, value: str | None) -> None:
    """ALTER SYSTEM, reload, and wait until new sessions see it (the reload is asynchronous)."""
    change = f"ALTER SYSTEM SET {name} = {value}" if value else f"ALTER SYSTEM RESET {name}"
    await _sql(url, change, "SELECT pg_reload_conf()")
    want = value or "on"
    for _ in range(200):
        if (await _sql(url, f"SHOW {name}"))[0] == want:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{name} did not become {want}")


@pytest.fixture(scope="module")
def unsafe_cluster() -> Iterator[str]:
    """The URL of a separate embedded cluster, free for ALTER SYSTEM."""
    with tempfile.TemporaryDirectory(prefix="mailstore-unsafe-") as folder:
        server, url = start_embedded(Path(folder), "postgres")
        try:
            yield url
        finally:
            server.cleanup()


@pytest.mark.parametrize("setting", ["fsync", "full_page_writes"])
async def test_serve_refuses_unsafe_database(
    unsafe_cluster: str, tmp_path: Path, setting: str
) -> None:
    await _set_system(unsafe_cluster, setting, "off")
    try:
        conn = await asyncpg.connect(unsafe_cluster)
        try:
            problems = await durability_problems(conn)
        finally:
            await conn.close()
        assert len(problems) == 1 and problems[0].startswith(f"database setting {setting} is off")
        env = {"MAILSTORE_DATABASE_URL": unsafe_cluster}
        r = mailstore_env(tmp_path, env, "serve")
        assert r.returncode == 1
        err = r.stderr.decode().strip().splitlines()
        assert len(err) == 1, err
        assert err[0].startswith(f"mailstore: refusing to start: database setting {setting} is off")
        assert f"set {setting} = on in postgresql.conf" in err[0]
        assert "mailstore is running" not in r.stdout.decode()
        if setting == "fsync":
            # the escape hatch skips the guard: serve goes on to the next start-up step (this
            # cluster has no schema, so that is where it stops)
            env["MAILSTORE_DATABASE_UNSAFE_DURABILITY"] = "true"
            r = mailstore_env(tmp_path, env, "serve")
            assert r.returncode == 1
            assert "unsafe_durability is set" in r.stdout.decode()
            assert "database schema is at empty" in r.stderr.decode()
        # `mailstore check` reports the same setting as an error
        config = load_config(home=tmp_path, environ={"MAILSTORE_DATABASE_URL": unsafe_cluster})
        lines, usable = await check_database(config)
        errors = [(line.message, line.fix) for line in lines if line.level == "error"]
        assert errors[0] == (problems[0], SKIP_HINT)
        assert errors[1][0].startswith("schema at empty") and usable is None
    finally:
        await _set_system(unsafe_cluster, setting, None)


async def test_pool_sessions_commit_synchronously(database_url: str) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    await _sql(database_url, f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    assert await _sql(database_url, "SHOW synchronous_commit") == ["off"]
    conn = await asyncpg.connect(database_url)
    try:
        (problem,) = await durability_problems(conn)
        assert problem.startswith("database setting synchronous_commit is off")
    finally:
        await conn.close()

    store = await Store.open(database_url, min_size=2, max_size=2)
    try:
        async with store.db.connection() as a, store.db.connection() as b:
            assert [await c.fetchval("SHOW synchronous_commit") for c in (a, b)] == ["on", "on"]
        assert await durability_problems(store.db) == []
    finally:
        await store.close()

    unsafe = await Store.open(database_url, min_size=1, max_size=1, enforce_durability=False)
    try:
        assert await unsafe.db.fetchval("SHOW synchronous_commit") == "off"
    finally:
        await unsafe.close()


def mailstore_env(home: Path, env: dict[str, str], *args: str) -> CompletedProcess[bytes]:
    return run(home, *args, env=env, timeout=60)


async def test_running_server_refuses_mail_while_fsync_is_off(unsafe_cluster: str) -> None:
    """fsync turned off (and reloaded) while the server runs: the watch sees it at its next
    look and every write is refused as temporary (SMTP 451 4.3.0) until it is back on."""
    from mailstore.errors import Temporary
    from mailstore.migrate import upgrade_async
    from mailstore.store import Target, prepare
    from mailstore.store.durability import watch_durability
    from tests.conftest import FAST_PASSWORDS

    await upgrade_async(unsafe_cluster)
    store = await Store.open(unsafe_cluster, min_size=1, max_size=4, passwords=FAST_PASSWORDS)
    stop = asyncio.Event()
    watch = asyncio.create_task(watch_durability(store.db, stop, interval=0.05))

    async def settled(unsafe: bool) -> None:
        for _ in range(200):
            if (store.db.unsafe is not None) == unsafe:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"unsafe never became {unsafe}")

    try:
        await store.directory.add_domain("example.org")
        bob = await store.directory.add_account("bob@example.org", "secret")
        message = await prepare(b"Subject: hi\r\n\r\nhello\r\n")
        (first,) = await store.ingest.deliver(message, [Target(bob.id, "INBOX")])
        assert first.uid == 1  # type: ignore[union-attr]

        await _set_system(unsafe_cluster, "fsync", "off")
        await settled(True)
        assert store.db.unsafe is not None and "fsync is off" in store.db.unsafe
        with pytest.raises(Temporary, match="database not durable: database setting fsync"):
            await store.ingest.deliver(message, [Target(bob.id, "INBOX")])
        assert (await store.mailboxes.get(bob.id, "INBOX")).messages == 1

        await _set_system(unsafe_cluster, "fsync", None)
        await settled(False)
        (again,) = await store.ingest.deliver(message, [Target(bob.id, "INBOX")])
        assert again.uid == 2  # type: ignore[union-attr]
    finally:
        stop.set()
        await watch
        await _set_system(unsafe_cluster, "fsync", None)
        await store.close()
