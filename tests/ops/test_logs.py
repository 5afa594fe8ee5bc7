"""Structured logs: the records real sessions write, rendered by ``mailstore/logs.py``'s JSON
formatter, with the exact fields (and one session id per connection)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import smtplib
import socket
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from mailstore import logs
from mailstore.cli.main import _configured_log_format, build_parser
from mailstore.outbound.worker import QueueRunner
from mailstore.store import prepare
from tests.ops.metrics_helpers import HOST, LOGIN, PASSWORD, TIMEOUT, serving
from tests.outbound.conftest import clock, make_config, remotes, zone  # noqa: F401
from tests.outbound.helpers import Sink, message

SESSION_ID = re.compile(r"^[0-9a-f]{12}$")


class JsonLog:
    """JSON lines written by a real handler from ``logs.make_handler`` while the test runs."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def find(self, message: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line["message"] == message]


@pytest.fixture
def json_log() -> Iterator[JsonLog]:
    log = JsonLog()
    handler = logs.make_handler("json", log.stream)
    loggers = [logging.getLogger(name) for name in ("servers", "mailstore")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.INFO)
        lg.addHandler(handler)
    try:
        yield log
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)


class CountingClient:
    """A line client over a raw socket that counts every octet each way."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=TIMEOUT)
        self.sent = 0
        self.received = 0
        self._buf = b""
        host, port = self.sock.getsockname()[:2]
        self.local = f"{host}:{port}"

    def line(self) -> bytes:
        while b"\r\n" not in self._buf:
            chunk = self.sock.recv(65536)
            assert chunk, "connection closed early"
            self.received += len(chunk)
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\r\n")
        return line

    def send(self, text: str) -> None:
        data = text.encode() + b"\r\n"
        self.sock.sendall(data)
        self.sent += len(data)

    def until(self, prefix: bytes) -> bytes:
        while not (line := self.line()).startswith(prefix):
            pass
        return line

    def drain_to_eof(self) -> None:
        while chunk := self.sock.recv(65536):
            self.received += len(chunk)
        self.sock.close()


async def test_smtp_transaction_line(server_context, account, client_tls, json_log):
    mail = (
        b"From: bob@example.org\r\nTo: bob@example.org\r\nSubject: logs\r\n"
        b"Date: Mon, 02 Jan 2023 10:00:00 +0000\r\nMessage-ID: <logs@t>\r\n\r\nHello.\r\n"
    )

    def submit() -> str:
        with smtplib.SMTP_SSL(
            HOST, servers.ports["submissions"], context=client_tls, timeout=TIMEOUT
        ) as s:
            s.ehlo("client.example")
            s.login(LOGIN, PASSWORD)
            assert s.mail(LOGIN)[0] == 250
            assert s.rcpt(LOGIN)[0] == 250
            assert s.rcpt("bob+tag@example.org")[0] == 250
            code, text = s.data(mail)
            assert code == 250
            return text.decode()

    def refused() -> None:
        with smtplib.SMTP(HOST, servers.ports["smtp"], timeout=TIMEOUT) as s:
            s.ehlo("other.example")
            assert s.mail("alice@example.com")[0] == 250
            assert s.rcpt(LOGIN)[0] == 250
            # a bare LF in the data: refused (smtplib would fix it; send the bytes ourselves)
            assert s.docmd("DATA")[0] == 354
            s.send(b"Subject: x\r\n\r\nbare\nLF\r\n.\r\n")
            assert s.getreply()[0] == 550

    async with serving(server_context) as servers:
        reply = await asyncio.to_thread(submit)
        await asyncio.to_thread(refused)

    accepted, rejected = json_log.find("smtp transaction")
    message_id = re.search(r"stored as (\S+)", reply)
    assert message_id is not None
    assert SESSION_ID.match(accepted["session"])
    assert {k: v for k, v in accepted.items() if k not in ("time", "session")} == {
        "level": "INFO",
        "logger": "servers.smtp.protocol",
        "message": "smtp transaction",
        "client": "127.0.0.1",
        "helo": "client.example",
        "user": LOGIN,
        "sender": LOGIN,
        "recipients": 2,
        "size": len(mail),
        "result": 250,
        "accepted": 1,
        "id": message_id.group(1),
        "tls": True,
    }
    # every line of that connection carries its session id; the next connection has its own
    (auth,) = [line for line in json_log.lines() if "authenticated as" in line["message"]]
    assert auth["session"] == accepted["session"]
    assert rejected["session"] != accepted["session"] and SESSION_ID.match(rejected["session"])
    assert (rejected["helo"], rejected["user"], rejected["result"], rejected["id"]) == (
        "other.example",
        None,
        550,
        None,
    )
    assert rejected["size"] == len(b"Subject: x\r\n\r\nbare\nLF\r\n")
    time = accepted["time"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", time), time


async def test_imap_session_summary(server_context, account, json_log):
    def session() -> CountingClient:
        c = CountingClient(servers.ports["imap"])
        c.line()  # greeting
        for tag, command in enumerate(
            (f"LOGIN {LOGIN} {PASSWORD}", "SELECT INBOX", "NOOP", "LOGOUT"), start=1
        ):
            c.send(f"t{tag} {command}")
            assert c.until(f"t{tag} ".encode()).startswith(f"t{tag} OK".encode())
        c.drain_to_eof()
        return c

    async with serving(server_context) as servers:
        client = await asyncio.to_thread(session)
        await servers.scrape_when_idle()  # the server side has finished too

    (summary,) = json_log.find("imap session ended")
    assert summary["duration"] >= 0
    assert {k: v for k, v in summary.items() if k in FIELDS} == {
        "logger": "servers.imap",
        "client": client.local,
        "user": LOGIN,
        "tls": False,
        "commands": 4,
        "bytes_in": client.sent,
        "bytes_out": client.received,
        "reason": "logout",
    }
    (login,) = [line for line in json_log.lines() if "logged in as" in line["message"]]
    assert login["session"] == summary["session"]


async def test_pop3_session_summary_when_the_client_hangs_up(server_context, account, json_log):
    def session() -> CountingClient:
        c = CountingClient(servers.ports["pop3"])
        c.line()  # greeting
        for command in (f"USER {LOGIN}", f"PASS {PASSWORD}", "STAT", "NOSUCH"):
            c.send(command)
            c.line()
        c.sock.shutdown(socket.SHUT_WR)  # no QUIT
        c.drain_to_eof()
        return c

    async with serving(server_context) as servers:
        client = await asyncio.to_thread(session)
        await servers.scrape_when_idle()

    (summary,) = json_log.find("pop3 session ended")
    assert {k: v for k, v in summary.items() if k in FIELDS} == {
        "logger": "servers.pop3",
        "client": client.local,
        "user": LOGIN,
        "tls": False,
        "commands": 4,
        "bytes_in": client.sent,
        "bytes_out": client.received,
        "reason": "client closed",
    }
    assert SESSION_ID.match(summary["session"])


FIELDS = ("logger", "client", "user", "tls", "commands", "bytes_in", "bytes_out", "reason")


async def test_queue_attempt_lines(
    store,
    account,
    remotes,  # noqa: F811
    zone,  # noqa: F811
    make_config,  # noqa: F811
    resolver,
    clock,  # noqa: F811
    json_log,
):
    replies = {"temp@remote.test": "450 4.2.1 try later"}
    await remotes.smtp("127.0.0.2", Sink(rcpt=lambda a: replies.get(a)))
    zone("remote.test", "127.0.0.2")
    recipients = ["ok@remote.test", "temp@remote.test"]
    qid = await store.queue.enqueue("bob@example.org", recipients, await prepare(message()))
    await QueueRunner(store, make_config(), resolver=resolver, clock=clock).run_once()

    attempts = [line for line in json_log.lines() if "queue_id" in line]
    assert [(a["queue_id"], a["domain"], a["outcome"]) for a in attempts] == [
        (qid, "remote.test", "delivered"),
        (qid, "remote.test", "deferred"),
    ]
    assert attempts[0]["reply"].startswith("250 ")
    assert attempts[1]["reply"] == "450 4.2.1 try later"
    assert all(a["duration"] >= 0 and a["logger"] == "mailstore.outbound.worker" for a in attempts)


def test_text_format_appends_fields_as_key_value():
    record = logging.LogRecord(
        "servers.imap", logging.INFO, __file__, 1, "imap session ended", (), None
    )
    record.session = "0123456789ab"
    record.fields = {"user": "bob@example.org", "reason": "client closed", "commands": 3}
    line = logs.TextFormatter().format(record)
    assert line.endswith(
        "INFO servers.imap: imap session ended session=0123456789ab user=bob@example.org "
        'reason="client closed" commands=3'
    )


def test_json_format_keeps_a_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "servers.pop3", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info()
        )
    obj = json.loads(logs.JsonFormatter().format(record))
    assert obj["message"] == "failed x" and obj["level"] == "ERROR"
    assert "ValueError: boom" in obj["exception"]


def test_configure_installs_one_handler_and_switches_format():
    """``mailstore --log-format``: with no foreign handler on the root it installs its own."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    for handler in saved:
        root.removeHandler(handler)
    stream = io.StringIO()
    try:
        logs.configure("text", stream=stream)
        logs.configure("json", stream=stream)  # replaces ours, not adds
        assert len(root.handlers) == 1
        token = logs.SESSION.set("feedfacecafe")
        try:
            logging.getLogger("servers.test").info("hello", extra=logs.event(n=1))
        finally:
            logs.SESSION.reset(token)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved:
            root.addHandler(handler)
        root.setLevel(level)
    (line,) = stream.getvalue().splitlines()
    obj = json.loads(line)
    assert (obj["message"], obj["session"], obj["n"], obj["logger"]) == (
        "hello",
        "feedfacecafe",
        1,
        "servers.test",
    )


def test_log_format_option_and_config(tmp_path):
    parser = build_parser()
    args = parser.parse_args(["--home", str(tmp_path), "--log-format", "json", "queue", "list"])
    assert args.log_format == "json"
    with pytest.raises(SystemExit):
        parser.parse_args(["--log-format", "xml", "queue", "list"])
    args = parser.parse_args(["--home", str(tmp_path), "queue", "list"])
    assert args.log_format is None and _configured_log_format(args) == "text"
    (tmp_path / "mailstore.toml").write_text('[log]\nformat = "json"\n')
    assert _configured_log_format(args) == "json"
    (tmp_path / "mailstore.toml").write_text('[log]\nformat = "xml"\n')
    assert _configured_log_format(args) == "text"  # the command itself reports the error
