"""``/metrics``: real sessions over SMTP, IMAP and POP3, then a scrape with urllib, parsed with
prometheus_client's parser; every counter the sessions moved is checked exactly."""

from __future__ import annotations

import asyncio
import dataclasses
import poplib
import re
import smtplib

import pytest

from mailstore.config import ConfigError, MetricsConfig, load_config
from mailstore.outbound.worker import QueueRunner
from mailstore.store import prepare
from servers.common.metrics import Metrics
from servers.runner import Runner
from tests.imap.helpers import Transcript
from tests.ops.metrics_helpers import (
    HOST,
    LOGIN,
    PASSWORD,
    TIMEOUT,
    Samples,
    http_get,
    http_status,
    parse,
    raw_http,
    series,
    serving,
    value,
)
from tests.outbound.conftest import clock, make_config, remotes, zone  # noqa: F401
from tests.outbound.helpers import Sink, message

MAIL = (
    b"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: metrics\r\n"
    b"Date: Mon, 02 Jan 2023 10:00:00 +0000\r\n\r\nHello Bob.\r\n"
)


def mx_session(port: int) -> None:
    """One MX transaction: an unknown verb, two refused recipients, one accepted message."""
    with smtplib.SMTP(HOST, port, local_hostname="client.example", timeout=TIMEOUT) as s:
        assert s.ehlo("client.example")[0] == 250
        assert s.docmd("XYZZY")[0] == 500
        assert s.mail("alice@example.com")[0] == 250
        assert s.rcpt("nobody@example.org")[0] == 550  # unknown user
        assert s.rcpt("carol@elsewhere.example")[0] == 554  # relay denied
        assert s.rcpt(LOGIN)[0] == 250
        assert s.data(MAIL)[0] == 250


def imap_session(port: int) -> None:
    """A bad password, a good one, SELECT, FETCH, SEARCH, an unknown command, LOGOUT."""
    t = Transcript(port)
    try:
        assert t.command(f"LOGIN {LOGIN} wrong")[-1].split(b" ")[1] == b"NO"
        t.ok(f"LOGIN {LOGIN} {PASSWORD}")
        t.ok("SELECT INBOX")
        assert b"Subject: metrics" in b"".join(t.ok("FETCH 1 (BODY.PEEK[HEADER])"))
        assert t.ok("SEARCH ALL") == [b"* SEARCH 1"]
        assert t.command("FROBNICATE")[-1].split(b" ")[1] == b"BAD"
        t.ok("LOGOUT")
        assert t.closed()
    finally:
        t.close()


def pop3_session(port: int) -> None:
    """A bad password, a good one, STAT, QUIT."""
    p = poplib.POP3(HOST, port, timeout=TIMEOUT)
    p.user(LOGIN)
    with pytest.raises(poplib.error_proto):
        p.pass_("wrong")
    p.user(LOGIN)
    p.pass_(PASSWORD)
    assert p.stat() == (1, pytest.approx(len(MAIL), abs=2048))
    assert p.quit().startswith(b"+OK")


async def test_scrape_counts_real_sessions_exactly(server_context, account, store):
    async with serving(server_context) as servers:
        await asyncio.to_thread(mx_session, servers.ports["smtp"])
        await asyncio.to_thread(imap_session, servers.ports["imap"])
        await asyncio.to_thread(pop3_session, servers.ports["pop3"])
        s = await servers.scrape_when_idle()

    # connections: one per session, on the plain listeners, none open now
    assert series(s, "mailstore_connections_total", "protocol") == {
        "smtp": 1,
        "imap": 1,
        "pop3": 1,
    }
    assert value(s, "mailstore_connections_total", protocol="imap", tls="plain") == 1
    for protocol in ("smtp", "imap", "pop3"):
        assert value(s, "mailstore_connections_open", protocol=protocol) == 0

    # commands by verb; unknown verbs are "other"
    assert series(s, "mailstore_commands_total", "command", protocol="smtp") == {
        "EHLO": 1,
        "other": 1,
        "MAIL": 1,
        "RCPT": 3,
        "DATA": 1,
        "QUIT": 1,
    }
    assert series(s, "mailstore_commands_total", "command", protocol="imap") == {
        "LOGIN": 2,
        "SELECT": 1,
        "FETCH": 1,
        "SEARCH": 1,
        "other": 1,
        "LOGOUT": 1,
    }
    assert series(s, "mailstore_commands_total", "command", protocol="pop3") == {
        "USER": 2,
        "PASS": 2,
        "STAT": 1,
        "QUIT": 1,
    }

    # latency histograms: one observation per timed command, in the +Inf bucket too
    hist = "mailstore_command_duration_seconds"
    for verb, count in (("FETCH", 1), ("SEARCH", 1), ("SELECT", 1), ("LOGIN", 2)):
        assert value(s, f"{hist}_count", protocol="imap", command=verb) == count
        assert value(s, f"{hist}_bucket", protocol="imap", command=verb, le="+Inf") == count
    assert value(s, f"{hist}_count", protocol="smtp", command="RCPT") == 3
    assert value(s, f"{hist}_count", protocol="smtp", command="DATA") == 1
    assert value(s, f"{hist}_count", protocol="pop3", command="STAT") == 1

    # SMTP: one message accepted, refusals by class and reason
    assert value(s, "mailstore_smtp_messages_accepted_total", protocol="smtp") == 1
    assert series(s, "mailstore_smtp_rejections_total", "reason", protocol="smtp") == {
        "unknown_user": 1,
        "relay_denied": 1,
    }
    assert (
        value(
            s,
            "mailstore_smtp_rejections_total",
            protocol="smtp",
            code_class="5xx",
            reason="relay_denied",
        )
        == 1
    )

    # password checks
    for protocol in ("imap", "pop3"):
        assert value(s, "mailstore_auth_total", protocol=protocol, result="success") == 1
        assert value(s, "mailstore_auth_total", protocol=protocol, result="failure") == 1
    assert series(s, "mailstore_auth_total", "result", protocol="smtp") == {}

    # engine figures, read at scrape time
    assert value(s, "mailstore_engine_up") == 1
    assert value(s, "mailstore_queue_messages") == 0
    assert value(s, "mailstore_queue_oldest_age_seconds") == 0
    assert value(s, "mailstore_db_pool_max_connections") == store.db.pool.get_max_size()
    in_use = value(s, "mailstore_db_pool_connections", state="in_use")
    idle = value(s, "mailstore_db_pool_connections", state="idle")
    assert idle >= 1  # the scrape's own query has just given its connection back
    assert in_use + idle == store.db.pool.get_size()


async def test_submission_auth_and_lmtp_are_their_own_protocols(
    server_context, account, client_tls
):
    def submit() -> None:
        with smtplib.SMTP_SSL(
            HOST, servers.ports["submissions"], context=client_tls, timeout=TIMEOUT
        ) as s:
            s.ehlo("client.example")
            with pytest.raises(smtplib.SMTPAuthenticationError):
                s.login(LOGIN, "wrong")
            s.login(LOGIN, PASSWORD)
            assert s.mail("mallory@example.org")[0] == 553  # not bob's address
            assert s.mail(LOGIN)[0] == 250
            assert s.rcpt(LOGIN)[0] == 250
            assert s.data(MAIL.replace(b"Alice <alice@example.com>", LOGIN.encode()))[0] == 250

    def lmtp() -> None:
        with smtplib.LMTP(HOST, servers.ports["lmtp"], timeout=TIMEOUT) as s:
            s.ehlo("client.example")  # smtplib.LMTP sends LHLO
            assert s.mail("alice@example.com")[0] == 250
            assert s.rcpt(LOGIN)[0] == 250
            assert s.data(MAIL)[0] == 250

    async with serving(server_context) as servers:
        await asyncio.to_thread(submit)
        await asyncio.to_thread(lmtp)
        s = await servers.scrape_when_idle()

    assert value(s, "mailstore_connections_total", protocol="submission", tls="implicit") == 1
    assert value(s, "mailstore_connections_total", protocol="lmtp", tls="plain") == 1
    # smtplib tries each offered mechanism with the wrong password: PLAIN, then LOGIN
    assert series(s, "mailstore_auth_total", "result", protocol="submission") == {
        "failure": 2,
        "success": 1,
    }
    assert series(s, "mailstore_smtp_rejections_total", "reason", protocol="submission") == {
        "sender_not_owned": 1
    }
    assert value(s, "mailstore_smtp_messages_accepted_total", protocol="submission") == 1
    assert value(s, "mailstore_smtp_messages_accepted_total", protocol="lmtp") == 1
    assert series(s, "mailstore_commands_total", "command", protocol="lmtp") == {
        "LHLO": 1,
        "MAIL": 1,
        "RCPT": 1,
        "DATA": 1,
        "QUIT": 1,
    }


async def test_queue_attempts_and_queue_figures(
    store,
    account,
    remotes,  # noqa: F811
    zone,  # noqa: F811
    make_config,  # noqa: F811
    resolver,
    clock,  # noqa: F811
    server_context,
):
    replies = {"temp@remote.test": "450 4.2.1 try later", "gone@remote.test": "550 5.1.1 no"}
    await remotes.smtp("127.0.0.2", Sink(rcpt=lambda a: replies.get(a)))
    zone("remote.test", "127.0.0.2")
    recipients = ["ok@remote.test", "temp@remote.test", "gone@remote.test"]
    await store.queue.enqueue("bob@example.org", recipients, await prepare(message()))
    async with serving(server_context) as servers:
        runner = QueueRunner(
            store,
            make_config(),
            resolver=resolver,
            clock=clock,
            on_attempt=servers.metrics.queue_attempt,
        )
        outcomes = await runner.run_once()
        s = await servers.scrape()

    kinds = [o.kind for o in outcomes]  # what the workers recorded, as they report it
    # the bounce of gone@ is a DSN to bob, delivered locally in the same run
    assert sorted(k.value for k in kinds) == ["deferred", "delivered", "delivered", "failed"]
    assert series(s, "mailstore_queue_attempts_total", "outcome") == {
        "delivered": 2,
        "deferred": 1,
        "bounced": 1,
    }
    # temp@ is still queued: its message stays, with the finished rows beside it
    assert value(s, "mailstore_queue_messages") == 1
    assert series(s, "mailstore_queue_recipients", "status") == {
        "delivered": 1,
        "deferred": 1,
        "bounced": 1,
    }
    assert 0 < value(s, "mailstore_queue_oldest_age_seconds") < 600


async def test_other_paths_methods_and_oversized_requests(server_context):
    async with serving(server_context) as servers:
        port = servers.ports["metrics"]
        base = f"http://{HOST}:{port}"
        assert await asyncio.to_thread(http_status, f"{base}/") == 404
        assert await asyncio.to_thread(http_status, f"{base}/metrics/x") == 404
        assert await asyncio.to_thread(http_status, f"{base}/metrics", "POST") == 405
        assert await asyncio.to_thread(http_status, f"{base}/metrics?name=x") == 200
        head = await asyncio.to_thread(raw_http, port, b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(b"\r\n\r\n")
        big = b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 10_000 + b"\r\n\r\n"
        answer = await asyncio.to_thread(raw_http, port, big)
        assert answer.startswith(b"HTTP/1.1 431 ")
        garbage = await asyncio.to_thread(raw_http, port, b"HELLO\r\n\r\n")
        assert garbage.startswith(b"HTTP/1.1 400 ")
        # still serving after all that
        assert "mailstore_engine_up 1.0" in await asyncio.to_thread(http_get, f"{base}/metrics")


async def test_two_registries_in_one_process_count_apart(server_context, account):
    async with serving(server_context) as first, serving(server_context) as second:
        await asyncio.to_thread(mx_session, first.ports["smtp"])
        one, two = await first.scrape_when_idle(), await second.scrape_when_idle()
    assert value(one, "mailstore_smtp_messages_accepted_total", protocol="smtp") == 1
    assert value(two, "mailstore_smtp_messages_accepted_total", protocol="smtp") == 0
    assert value(two, "mailstore_commands_total", protocol="smtp", command="RCPT") == 0


async def test_runner_serves_metrics_when_configured(server_context):
    config = dataclasses.replace(server_context.config, metrics=MetricsConfig(listen=f"{HOST}:0"))
    ctx = dataclasses.replace(server_context, config=config, metrics=Metrics())
    lines: list[str] = []
    runner = Runner(ctx)
    try:
        await runner.start(lines.append)
        (line,) = [line for line in lines if line.startswith("metrics on ")]
        url = re.fullmatch(r"metrics on (http://127\.0\.0\.1:\d+/metrics)", line)
        assert url is not None, line
        samples: Samples = parse(await asyncio.to_thread(http_get, url.group(1)))
    finally:
        await runner.stop()
    assert value(samples, "mailstore_engine_up") == 1
    assert value(samples, "mailstore_connections_open", protocol="imap") == 0


def test_metrics_listener_is_off_by_default(tmp_path):
    assert load_config(home=tmp_path, environ={}).metrics.listen == ""


@pytest.mark.parametrize(
    ("listen", "public", "ok"),
    [
        ("127.0.0.1:9650", False, True),
        ("[::1]:9650", False, True),
        ("localhost:9650", False, True),
        ("0.0.0.0:9650", False, False),
        ("192.0.2.1:9650", False, False),
        ("metrics.example.org:9650", False, False),
        ("0.0.0.0:9650", True, True),
    ],
)
def test_metrics_listener_stays_on_loopback_unless_allowed(tmp_path, listen, public, ok):
    text = f'[metrics]\nlisten = "{listen}"\nallow_public = {str(public).lower()}\n'
    (tmp_path / "mailstore.toml").write_text(text)
    if ok:
        assert load_config(home=tmp_path, environ={}).metrics.listen == listen
    else:
        with pytest.raises(ConfigError, match=r"metrics\.listen: .* not a loopback address"):
            load_config(home=tmp_path, environ={})
