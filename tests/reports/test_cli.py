"""``mailstore report`` and ``mailstore db grant-reporting`` as an admin runs them (a real
subprocess on a real database), mail delivered by ``mailstore deliver``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from mailstore.reports.catalogue import REPORTS
from tests.cli.test_cli import run

FIRST = b"From: Alice <alice@sender.test>\r\nSubject: first\r\nMessage-ID: <1@s>\r\n\r\nHi.\r\n"
SECOND = b"From: Alice <alice@sender.test>\r\nSubject: second\r\n\r\n" + b"x" * 100 + b"\r\n"


@pytest.fixture
def cli(tmp_path, database_url):
    def _run(*args: str, stdin: bytes = b""):
        return run(tmp_path, *args, stdin=stdin, env={"MAILSTORE_DATABASE_URL": database_url})

    return _run


@pytest.fixture
def filled(cli):
    assert cli("domain", "add", "example.org").returncode == 0
    r = cli("user", "add", "bob@example.org", "--password-stdin", stdin=b"pw\n")
    assert r.returncode == 0, r.stderr
    for raw in (FIRST, SECOND):
        r = cli("deliver", "--to", "bob@example.org", "--from", "alice@sender.test", stdin=raw)
        assert r.returncode == 0, r.stderr
    return cli


def test_list(cli):
    r = cli("report", "--list", "--format", "csv")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[0] == "name,description"
    assert [line.split(",", 1)[0] for line in lines[1:]] == list(REPORTS)
    r = cli("report", "--list")
    assert b"top_senders" in r.stdout and b"attachment_types" in r.stdout


def test_csv_and_json(filled):
    total = len(FIRST) + len(SECOND)
    r = filled("report", "top_senders", "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode() == (
        f"sender,sender_domain,messages,recipients,bytes\nalice@sender.test,sender.test,2,2,{total}\n"
    )
    r = filled("report", "largest_messages", "--format", "json", "--limit", "1")
    (row,) = json.loads(r.stdout)
    assert {k: row[k] for k in ("account", "mailbox", "uid", "size_bytes", "subject")} == {
        "account": "bob@example.org",
        "mailbox": "INBOX",
        "uid": 2,
        "size_bytes": len(SECOND),
        "subject": "second",
    }
    assert datetime.fromisoformat(row["internal_date"]).tzinfo is not None
    today = datetime.now(UTC).date()
    r = filled("report", "traffic", "--format", "json", "--since", today.isoformat())
    assert json.loads(r.stdout) == [
        {
            "day": today.isoformat(),
            "domain": "example.org",
            "direction": "in",
            "messages": 2,
            "recipients": 2,
            "bytes": total,
        }
    ]
    tomorrow = (today + timedelta(days=1)).isoformat()
    r = filled("report", "traffic", "--format", "json", "--since", tomorrow)
    assert json.loads(r.stdout) == []
    r = filled("report", "quota", "--format", "csv", "--domain", "EXAMPLE.org")
    assert (
        r.stdout.decode().splitlines()[1].startswith(f"bob@example.org,example.org,,{total},,6,2,")
    )


def test_bad_requests_get_one_line(filled):
    r = filled("report", "domains", "--since", "2024-01-01")
    assert r.returncode == 1
    assert r.stderr.decode().strip() == (
        "mailstore: report domains has no time column: no --since/--until"
    )
    r = filled("report", "nope")
    assert r.returncode == 1 and b"no report 'nope'" in r.stderr
    r = filled("report", "traffic", "--since", "yesterday")
    assert r.returncode == 2 and b"not a date" in r.stderr


def test_prune(filled):
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    r = filled("report", "prune", "--before", "2000-01-01")
    assert r.stdout.decode().strip() == (
        "pruned 0 received_log and 0 delivery_log rows before 2000-01-01"
    )
    r = filled("report", "prune", "--before", tomorrow)
    assert r.stdout.decode().strip() == (
        f"pruned 2 received_log and 0 delivery_log rows before {tomorrow}"
    )
    r = filled("report", "top_senders", "--format", "csv")
    assert r.stdout.decode() == "sender,sender_domain,messages,recipients,bytes\n"
    r = filled("report", "quota", "--format", "csv")  # the mailboxes are untouched
    assert len(r.stdout.decode().splitlines()) == 2


async def test_grant_reporting_command(cli, database_url):
    role = "cli_reporter_" + datetime.now(UTC).strftime("%H%M%S%f")
    try:
        r = cli("db", "grant-reporting", role)
        assert r.returncode == 0, r.stderr
        assert r.stdout.decode().strip() == (
            f"role {role} (NOLOGIN) created: may read the report views only"
        )
        r = cli("db", "grant-reporting", role, "--login", "--password-stdin", stdin=b"s3cret\n")
        assert r.returncode == 0, r.stderr
        assert f"role {role} (LOGIN) updated" in r.stdout.decode()
    finally:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(f'DROP OWNED BY "{role}"')
            await conn.execute(f'DROP ROLE "{role}"')
        finally:
            await conn.close()
