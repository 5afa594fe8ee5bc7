"""The ``mailstore`` command as an admin uses it (a real subprocess, a real database)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import with_database

EX_NOUSER = 67
LISTENER_ENV = {
    f"MAILSTORE_LISTENERS_{name.upper()}": "127.0.0.1:0"
    for name in ("smtp", "submission", "submissions", "lmtp", "imap", "imaps", "pop3", "pop3s")
}


def run(
    home: Path,
    *args: str,
    stdin: bytes = b"",
    env: dict[str, str] | None = None,
    timeout: float = 120,
):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MAILSTORE_")}
    full_env.update(LISTENER_ENV)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mailstore.cli.main", "--home", str(home), *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env=full_env,
    )


@pytest.fixture
def cli(tmp_path, database_url):
    def _run(*args: str, stdin: bytes = b""):
        return run(tmp_path, *args, stdin=stdin, env={"MAILSTORE_DATABASE_URL": database_url})

    return _run


def test_admin_flow_and_deliver(cli, database_url):
    assert cli("domain", "add", "example.org").returncode == 0
    r = cli(
        "user", "add", "bob@example.org", "--password-stdin", "--quota", "10M", stdin=b"s3cret\n"
    )
    assert r.returncode == 0, r.stderr
    assert b"10.0 MiB" in r.stdout
    r = cli("user", "list")
    assert b"bob@example.org" in r.stdout
    assert (
        cli("alias", "add", "info@example.org", "bob@example.org", "ext@remote.example").returncode
        == 0
    )
    assert b"info@example.org" in cli("alias", "list").stdout
    message = b"From: a@example.com\r\nSubject: cli test\r\n\r\nbody\r\n"
    r = cli("deliver", "--to", "info@example.org", stdin=message)
    assert r.returncode == 0, r.stderr
    assert b"uid 1" in r.stdout
    assert b"queued for ext@remote.example" in r.stdout
    r = cli("deliver", "--to", "nobody@example.org", stdin=message)
    assert r.returncode == EX_NOUSER and b"no such user" in r.stderr
    r = cli("deliver", "--to", "x@remote.example", stdin=message)
    assert r.returncode == EX_NOUSER
    assert cli("user", "quota", "bob@example.org", "none").returncode == 0
    assert (
        cli("user", "passwd", "bob@example.org", "--password-stdin", stdin=b"other\n").returncode
        == 0
    )
    r = cli("domain", "remove", "example.org")
    assert r.returncode == 1 and b"still has accounts" in r.stderr
    assert cli("user", "remove", "bob@example.org").returncode == 0
    assert cli("alias", "remove", "info@example.org").returncode == 0
    assert cli("domain", "remove", "example.org").returncode == 0
    assert b"example.org" not in cli("domain", "list").stdout


def test_delivered_message_is_stored_byte_exact(cli, database_url):
    import asyncio

    import asyncpg

    cli("domain", "add", "example.org")
    cli("user", "add", "bob@example.org", "--password-stdin", stdin=b"pw\n")
    message = b"From: a@example.com\nSubject: bare LF \xe9\n\nline\n.\n"
    assert cli("deliver", "--to", "BOB+tag@example.org", stdin=message).returncode == 0

    async def read() -> bytes:
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetchval("SELECT raw FROM bodies")
        finally:
            await conn.close()

    assert asyncio.run(read()) == message


def test_password_never_from_argv_and_errors_are_one_line(cli):
    r = cli("user", "add", "bob@example.org", "hunter2")
    assert r.returncode == 2  # argparse: unexpected argument
    r = cli("user", "add", "bob@example.org", "--password-stdin", stdin=b"pw\n")
    assert r.returncode == 1
    assert r.stderr.strip().count(b"\n") == 0 and b"no domain example.org" in r.stderr
    assert b"Traceback" not in r.stderr


def test_bad_config_names_the_key(tmp_path):
    (tmp_path / "mailstore.toml").write_text('[listeners]\nimap = "nonsense"\n[bogus]\nx = 1\n')
    r = run(tmp_path, "domain", "list")
    assert r.returncode == 1
    assert b"unknown section [bogus]" in r.stderr
    (tmp_path / "mailstore.toml").write_text('[limits]\nmessage_size = "big"\n')
    r = run(tmp_path, "domain", "list")
    assert r.returncode == 1 and b"limits.message_size: expected an integer" in r.stderr
    (tmp_path / "mailstore.toml").unlink()
    r = run(tmp_path, "domain", "list", env={"MAILSTORE_LISTENERS_IMAP": "nonsense"})
    assert r.returncode == 1 and b"listeners.imap" in r.stderr
    (tmp_path / "mailstore.toml").write_text("[auth]\nplaintext_on_loopbak = true\n")
    r = run(tmp_path, "domain", "list")
    assert r.returncode == 1 and b"auth.plaintext_on_loopbak" in r.stderr


def test_db_status_and_upgrade_on_empty_database(tmp_path, cluster):
    name = cluster._make()
    # a database with no schema at all
    url = with_database(cluster.admin_url, name)
    import asyncio

    import asyncpg

    async def wipe() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await conn.close()

    try:
        asyncio.run(wipe())
        env = {"MAILSTORE_DATABASE_URL": url}
        r = run(tmp_path, "db", "status", env=env)
        assert r.returncode == 1 and b"out of date" in r.stdout
        r = run(tmp_path, "domain", "list", env=env)
        assert r.returncode == 1 and b"mailstore db upgrade" in r.stderr
        r = run(tmp_path, "db", "upgrade", env=env)
        assert r.returncode == 0 and b"upgraded empty ->" in r.stdout
        assert run(tmp_path, "db", "status", env=env).returncode == 0
        assert run(tmp_path, "domain", "list", env=env).returncode == 0
    finally:
        cluster.drop(name)


@pytest.fixture
def own_tmp() -> Iterator[Path]:
    """A folder outside pytest's base temp (0700, re-tightened by any other pytest run that
    starts meanwhile): as root, the embedded cluster runs as its own user, which must reach it."""
    path = Path(tempfile.mkdtemp(prefix="mailstore-cli-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_embedded_database_and_serve(own_tmp):
    """The quick start: no URL configured, so the embedded cluster is made, used, stopped."""
    home = own_tmp / "home"
    r = run(home, "domain", "add", "example.org")
    assert r.returncode == 0, r.stderr
    assert (home / "pgdata" / "PG_VERSION").exists()
    assert run(home, "db", "status").returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILSTORE_")}
    env.update(LISTENER_ENV)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailstore.cli.main", "--home", str(home), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        lines = []
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline().decode()
            lines.append(line)
            if "mailstore is running" in line or not line:
                break
        assert any("mailstore is running" in line for line in lines), lines
        assert (home / "tls" / "selfsigned.crt").exists()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    # the embedded server stopped with the last process that used it
    assert not (home / "pgdata" / "postmaster.pid").exists()


def test_import_passwd_file(cli, tmp_path):
    """Accounts from a Dovecot passwd-file: created once, kept on a second run, refused whole
    when a line has an unsupported scheme."""
    sha512 = (
        "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYE"
        "dFCoEOfaS35inz1"
    )
    assert cli("domain", "add", "example.org").returncode == 0
    bad = tmp_path / "bad.passwd"
    bad.write_text(f"zed:{{SHA512-CRYPT}}{sha512}\nyan:{{PLAIN}}secret\n")
    r = cli("user", "import-passwd", str(bad), "--domain", "example.org")
    assert r.returncode == 1
    assert b"line 2: unsupported password scheme {PLAIN}" in r.stderr
    assert b"zed@" not in cli("user", "list").stdout

    good = tmp_path / "users.passwd"
    good.write_text(
        f"alice:{{SHA512-CRYPT}}{sha512}:1000:1000::/home/alice::\ncarol@example.org:{sha512}\n"
    )
    r = cli("user", "import-passwd", str(good), "--domain", "example.org")
    assert r.returncode == 0, r.stderr
    assert b"2 accounts created, 0 updated, 0 left as they were" in r.stdout
    r = cli("user", "import-passwd", str(good), "--domain", "example.org")
    assert b"0 accounts created, 0 updated, 2 left as they were" in r.stdout
    r = cli("user", "import-passwd", str(good), "--domain", "example.org", "--update")
    assert b"0 accounts created, 2 updated, 0 left as they were" in r.stdout
    listing = cli("user", "list").stdout
    assert b"alice@example.org" in listing and b"carol@example.org" in listing

    r = cli("user", "passwd", "alice@example.org", "--hash-stdin", stdin=b"{PLAIN}x\n")
    assert r.returncode == 1 and b"unsupported password scheme {PLAIN}" in r.stderr
    r = cli("user", "passwd", "alice@example.org", "--hash-stdin", stdin=sha512.encode() + b"\n")
    assert r.returncode == 0, r.stderr
