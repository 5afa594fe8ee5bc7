"""``mailstore import`` / ``mailstore export`` as an admin runs them (subprocess, real database).

The account and domain come from the ``account`` fixture (the same database), to keep the
number of (slow to start) subprocesses down.
"""

from __future__ import annotations

import mailbox

import pytest

from bench.corpus import write_maildir, write_mbox
from tests.cli.test_cli import run
from tests.transfer.helpers import corpus


@pytest.fixture
def cli(tmp_path, database_url, account):
    home = tmp_path / "home"
    home.mkdir()

    def _run(*args: str, ok: bool = True):
        r = run(home, *args, env={"MAILSTORE_DATABASE_URL": database_url})
        if ok:
            assert r.returncode == 0, r.stderr.decode()
        return r

    return _run


def test_import_twice_then_export_both_ways(cli, tmp_path):
    source = tmp_path / "in.mbox"
    write_mbox(source, corpus(12))
    r = cli("import", "mbox", str(source), "--to", "bob@example.org", "--mailbox", "Old")
    assert b"12 messages" in r.stdout and b"imported" in r.stdout and b"mboxrd" in r.stdout
    r = cli("import", "mbox", str(source), "--to", "bob@example.org", "--mailbox", "Old")
    assert b"0 messages" in r.stdout and b"12 already there" in r.stdout

    out = tmp_path / "out.mbox"
    r = cli("export", "mbox", "--from", "bob@example.org", "--mailbox", "Old", str(out))
    assert b"12 messages" in r.stdout
    assert len(mailbox.mbox(str(out), create=False)) == 12
    tree = tmp_path / "md"
    cli("export", "maildir", "--from", "bob@example.org", str(tree))
    assert len(mailbox.Maildir(str(tree), create=False).get_folder("Old")) == 12


def test_errors_name_the_file_and_offset(cli, tmp_path):
    source = tmp_path / "cut.mbox"
    write_mbox(source, corpus(4))
    data = source.read_bytes()
    cut = len(data) - 40
    while data[cut - 1] == ord("\n"):  # a cut at a line end cannot be told from a short body
        cut -= 1
    source.write_bytes(data[:cut])
    r = cli("import", "mbox", str(source), "--to", "bob@example.org", ok=False)
    assert r.returncode == 1
    err = r.stderr.decode()
    assert str(source) in err and f"at byte {cut}" in err and "truncated" in err
    r = cli("import", "mbox", str(source), "--to", "nobody@example.org", ok=False)
    assert r.returncode == 1 and b"no account nobody@example.org" in r.stderr


def test_import_tree_dry_run_and_create_users(cli, tmp_path):
    root = tmp_path / "vmail"
    write_maildir(root / "example.org" / "alice", corpus(3, seed=6))
    write_maildir(root / "example.org" / "bob" / "Maildir" / ".Sent", corpus(2, seed=7))
    r = cli("import", "tree", str(root), "--domain", "example.org", ok=False)
    assert r.returncode == 1 and b"--create-users" in r.stderr
    r = cli("import", "tree", str(root), "--domain", "example.org", "--create-users", "--dry-run")
    assert b"dry run" in r.stdout and b"5 messages" in r.stdout
    r = cli("import", "tree", str(root), "--domain", "example.org", "--create-users")
    out = r.stdout.decode()
    assert "alice@example.org" in out and "bob@example.org" in out and "5 messages" in out
    assert "created account alice@example.org" in out
