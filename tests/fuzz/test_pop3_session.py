"""POP3 command lines: the pure parser, and random sessions against the real front end.

* ``parse_command`` turns any line into a command or a ``ParseError`` (RFC 1939 §3), never
  another exception, and a parsed command has the arguments the line carried;
* a session of random lines (good and bad commands, logged in or not, NUL, 8-bit, over-long
  lines) gets exactly one well-formed response per line -- ``+OK``/``-ERR``, multi-line ones
  dot-terminated (RFC 1939 §3), ``+ `` continuations only after AUTH (RFC 5034 §4) -- and the
  server logs no error and still serves a fresh client.
"""

from __future__ import annotations

import asyncio
import poplib
import socket
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servers.pop3.parse import (
    MAX_LINE,
    Auth,
    List,
    ParseError,
    Pass,
    Top,
    Uidl,
    User,
    parse_command,
    parse_sasl_response,
)
from tests.frontends import no_logged_errors
from tests.pop3.helpers import HOST, LOGIN, PASSWORD, Server, deliver, make_message

from .profile import bounded

TIMEOUT = 15.0
VERBS = [b"USER", b"PASS", b"AUTH", b"STLS", b"CAPA", b"STAT", b"LIST", b"UIDL", b"RETR", b"TOP"]
VERBS += [b"DELE", b"NOOP", b"RSET", b"QUIT", b"APOP", b"XTND"]
ARGS = st.sampled_from(
    [
        b"1",
        b"2",
        b"0",
        b"99",
        b"-1",
        b"1 0",
        b"2 5",
        b"1 1 1",
        b"00001",
        b"99999999999",
        b"x",
        LOGIN.encode(),
        PASSWORD.encode(),
        b"PLAIN",
        b"LOGIN",
        b"PLAIN AGJvYgBzZWNyZXQ=",
        b"PLAIN =",
        b"\x00",
        b"\xff\xfe",
        b"\t1",
        b"a b  c",
        b"*",
    ]
)
JUNK = st.binary(max_size=20).map(lambda b: b.replace(b"\n", b""))


@st.composite
def line(draw: st.DrawFn) -> bytes:
    verb = draw(st.sampled_from(VERBS))
    if draw(st.booleans()):
        verb = verb.lower()
    shape = draw(st.sampled_from(["bare", "arg", "arg", "junk", "long"]))
    if shape == "bare":
        return verb
    if shape == "arg":
        return verb + b" " + draw(ARGS)
    if shape == "junk":
        return draw(JUNK)
    return verb + b" " + b"a" * MAX_LINE


@bounded(400)
@given(raw=line(), ending=st.sampled_from([b"\r\n", b"\n", b"", b"\r"]))
def test_parse_command_or_parse_error(raw: bytes, ending: bytes) -> None:
    data = raw + ending
    try:
        command = parse_command(data)
    except ParseError as error:
        assert error.text
        return
    assert len(data) <= MAX_LINE
    words = raw.split(b" ", 1)
    assert type(command).__name__.upper() == words[0].decode("ascii").upper()
    match command:
        case User(name):
            assert name == words[1].decode().strip()
        case Pass(password):
            assert password.encode() == words[1].rstrip(b"\r")
        case List(number) | Uidl(number):
            args = words[1].split() if len(words) > 1 else []
            assert number == (int(args[0]) if args else None)
        case Top(number, lines):
            assert [str(number), str(lines)] == [str(int(w)) for w in words[1].split()]
        case Auth(mechanism, _):
            assert mechanism is None or mechanism == mechanism.upper()


@bounded(200)
@given(raw=JUNK | st.sampled_from([b"*", b"=", b"AGJvYgBzZWNyZXQ=", b" * "]))
def test_sasl_response_or_parse_error(raw: bytes) -> None:
    try:
        response = parse_sasl_response(raw + b"\r\n")
    except ParseError:
        return
    assert response.cancelled == (raw.strip() == b"*")


MULTILINE = {b"CAPA", b"RETR", b"TOP"}
MULTILINE_WITHOUT_ARGUMENT = {b"LIST", b"UIDL", b"AUTH"}
SEEN: dict[bytes, int] = {}


class Client:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=TIMEOUT)
        self.buf = b""
        self.greeting = self.line()

    def line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)  # socket.timeout: the server hung
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def response(self, sent: bytes) -> bytes:
        """The first line of the response to ``sent``; a multi-line body is read to its dot."""
        first = self.line()
        status = first.split(b" ", 1)[0]
        assert status in (b"+OK", b"-ERR", b"+"), first
        SEEN[status] = SEEN.get(status, 0) + 1
        words = sent.split()
        verb = words[0].upper() if words and sent.split(b" ", 1)[0] == words[0] else b""
        if status == b"+OK" and (
            verb in MULTILINE or (verb in MULTILINE_WITHOUT_ARGUMENT and len(words) == 1)
        ):
            while (body := self.line()) != b".":
                assert not body.startswith(b".") or body.startswith(b".."), body  # stuffed
        return first


def session(port: int, lines: list[bytes]) -> None:
    client = Client(port)
    assert client.greeting.startswith(b"+OK ")
    try:
        for sent in lines:
            client.sock.sendall(sent + b"\r\n")
            try:
                first = client.response(sent)
            except EOFError:
                return  # closed after too many bad commands: it said -ERR first (checked)
            verb = sent.split(b" ", 1)[0].upper()
            if verb == b"QUIT" and first.startswith(b"+OK"):
                assert client.sock.recv(1) == b""
                return
            if verb == b"STLS" and first.startswith(b"+OK"):
                return  # a TLS handshake is due now; not this test's subject
    finally:
        client.sock.close()


LOGIN_LINES = st.just([b"USER " + LOGIN.encode(), b"PASS " + PASSWORD.encode()])


@bounded(30)
@given(
    lines=st.builds(
        lambda prefix, rest: prefix + rest,
        LOGIN_LINES | st.just([]),
        st.lists(line(), max_size=10),
    )
)
def random_sessions(port: int, lines: list[bytes]) -> None:
    session(port, lines)


def login_when_released(pop3: Server) -> poplib.POP3:
    """Log in once the last random session's maildrop lock is gone: a session that ended
    without QUIT releases it when the server sees the close (RFC 2449 [IN-USE] until then)."""
    for _ in range(100):
        try:
            return pop3.login()
        except poplib.error_proto as exc:
            assert b"[IN-USE]" in exc.args[0], exc
            time.sleep(0.1)
    raise AssertionError("the maildrop lock of a closed session was never released")


async def test_random_sessions(pop3: Server, caplog: pytest.LogCaptureFixture) -> None:
    for i in (1, 2):
        await deliver(pop3.store, pop3.account, make_message(f"m{i}", ".dot line\r\n"))
    SEEN.clear()
    with no_logged_errors(caplog, "servers.pop3"):
        await asyncio.to_thread(random_sessions, pop3.port)
        fresh = await asyncio.to_thread(login_when_released, pop3)
        count, _size = await asyncio.to_thread(fresh.stat)
        assert 0 <= count <= 2  # a random session may have deleted and quit
        await asyncio.to_thread(fresh.quit)
    assert SEEN.get(b"+OK", 0) > 0 and SEEN.get(b"-ERR", 0) > 0, SEEN
