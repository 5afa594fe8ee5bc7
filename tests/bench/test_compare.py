"""bench.compare: the side-by-side harness runs end to end at a tiny size (issue 10).

The mailstore side always runs, on the tests' PostgreSQL; the Postfix + Dovecot side only
where the packages are installed (this test never installs anything), otherwise it is skipped
with the reason shown. Nothing here asserts a speed: only that every workload produced its
row, the right answers and the result files.
"""

from __future__ import annotations

import imaplib
import importlib.util
import json
import poplib
import smtplib
import sys
from pathlib import Path

import pytest

from bench.compare import WORKLOADS, Comparison, parse_args
from bench.peers import install, mailboxes, stack
from bench.peers.report import Row

SIZE = 30  # the corpus puts one FROM and one SUBJECT marker in the first 30 messages


def tiny_args(tmp_path: Path, database_url: str, *extra: str):  # type: ignore[no-untyped-def]
    return parse_args(
        [
            f"--sizes={SIZE}",
            "--repeat=1",
            "--heavy-repeat=1",
            "--smtp-count=12",
            "--smtp-concurrency=2",
            "--import-count=15",
            "--mix-clients=2",
            "--mix-seconds=1",
            "--mix-processes=1",
            f"--mix-size={SIZE}",
            f"--pop3-size={SIZE}",
            f"--results={tmp_path / 'results'}",
            f"--work={tmp_path / 'work'}",
            f"--database-url={database_url}",
            *extra,
        ]
    )


def test_mailstore_side_of_every_workload(database_url: str, tmp_path: Path) -> None:
    args = tiny_args(tmp_path, database_url, "--no-peer")
    paths = Comparison(args, tmp_path / "work").run()

    plotted = importlib.util.find_spec("matplotlib") is not None  # the bench extra
    assert sorted(p.suffix for p in paths) == [".json", ".md"] + [".png"] * plotted
    data = json.loads(paths[0].read_text())
    assert data["settings"]["peer"] == "skipped (--no-peer)"
    assert data["settings"]["workloads"] == list(WORKLOADS)
    for fact in ("cpu", "cores", "ram_bytes", "python", "postgresql", "date"):
        assert data["machine"][fact], fact
    rows = {(r["workload"], r["size"]): r for r in data["rows"]}
    # every IMAP command ran, against the 30-message INBOX, with the corpus's known answers
    imap = [r for (name, size), r in rows.items() if size == SIZE and r["unit"] == "ms"]
    assert len(imap) == 17
    assert all(r["ours"] > 0 and r["theirs"] is None for r in imap)
    assert not [r for r in imap if "wrong" in r["note"]]
    assert rows[("SELECT INBOX", SIZE)]["details"]["ours"] == f"{SIZE} messages"
    assert rows[("UID SEARCH FROM marker", SIZE)]["details"]["ours"] == "1 hits ok"
    assert rows[("UID SEARCH SUBJECT marker", SIZE)]["details"]["ours"] == "1 hits ok"
    assert rows[("UID SEARCH BODY word (0.1 %)", SIZE)]["details"]["ours"] == "1 hits ok"
    assert rows[("EXPUNGE 1,000", SIZE)]["details"]["ours"] == f"{SIZE} expunged"
    assert rows[("storage per message", SIZE)]["ours"] > 0
    assert rows[("POP3 RETR whole maildrop", SIZE)]["ours"] > 0
    assert rows[("IMAP mix, 2 sessions", SIZE)]["ours"] > 0
    assert rows[("SMTP ingest msgs", None)]["details"]["accepted_ours"] == [12]
    assert rows[("import mbox", 15)]["ours"] > 0
    assert rows[("import maildir", 15)]["ours"] > 0
    markdown = paths[1].read_text()
    assert "| workload | mailbox | unit | mailstore | Postfix+Dovecot |" in markdown
    assert "| UID SEARCH TEXT word (10 %) | 30 | ms |" in markdown


def test_ratio_and_winner_follow_the_direction_of_better() -> None:
    latency = Row("SELECT", "ms", lower_is_better=True, ours=2.0, theirs=8.0)
    assert latency.ratio == 0.25 and latency.better == "ours 4.0x"
    rate = Row("ingest", "msgs/s", lower_is_better=False, ours=100.0, theirs=400.0)
    assert rate.ratio == 0.25 and rate.better == "theirs 4.0x"
    assert Row("x", "ms", True, ours=1.0).better == ""


@pytest.mark.skipif(
    not install.installed(),
    reason="postfix/dovecot not installed (python -m bench.peers.stack start installs them)",
)
def test_peer_stack_delivers_serves_and_stops(tmp_path: Path) -> None:
    base = tmp_path / "peer"
    users = {"bob@example.org": "secret"}
    peer = stack.start(base, users)
    try:
        with smtplib.SMTP("127.0.0.1", peer.ports.smtp, timeout=30) as smtp:
            refused = smtp.sendmail(
                "alice@example.net", ["bob@example.org"], b"Subject: hi\r\n\r\nhello peer\r\n"
            )
            assert refused == {}
            with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
                smtp.sendmail("alice@example.net", ["nobody@example.org"], b"\r\nx\r\n")
            assert info.value.recipients["nobody@example.org"][0] == 550
        mailboxes.wait_for_queue(peer, 60)
        imap = imaplib.IMAP4("127.0.0.1", peer.ports.imap, timeout=30)
        imap.login("bob@example.org", "secret")
        assert imap.select("INBOX") == ("OK", [b"1"])
        _typ, data = imap.fetch("1", "(BODY.PEEK[TEXT])")
        assert isinstance(data[0], tuple) and data[0][1] == b"hello peer\r\n"
        imap.logout()
        pop = poplib.POP3("127.0.0.1", peer.ports.pop3, timeout=30)
        pop.user("bob@example.org")
        pop.pass_("secret")
        assert pop.stat()[0] == 1
        pop.quit()
        pids = peer.pids()
        assert pids["postfix"] and pids["dovecot"]
    finally:
        stopped = stack.stop(base)
    assert pids["postfix"] in stopped and pids["dovecot"] in stopped
    assert not [p for p in stopped if stack._alive(p)]
    assert stack.status(base)["pids"] == {"postfix": None, "dovecot": None}


def test_stack_command_line_status_without_a_stack(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert stack.main(["status", "--base", str(tmp_path / "none")]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "base": str(tmp_path / "none"),
        "configured": False,
    }
    assert sys.modules["bench.peers.stack"] is stack
