"""MIME bombs delivered through SMTP, then read over IMAP (the parse is mailstore/message/).

10,000 nested multiparts, the same boundary reused at every level, 100,000 header lines,
100,000 RFC 2231 parameter sections, 100,000 nested message/rfc822 parts: each is accepted
once, parsed at ingest without a RecursionError or quadratic blowup, and FETCH BODYSTRUCTURE,
ENVELOPE and deep BODY[1.1.1...] sections answer with exact, bounded responses.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.imap.helpers import Transcript
from tests.security.smtp_helpers import session
from tests.smtp.helpers import split_trace, stored

DEPTH = 10_000
TOP = b"From: alice@example.com\r\nTo: bob@example.org\r\nSubject: bomb\r\nMIME-Version: 1.0\r\n"


def nested(depth: int, boundary: bytes | None = None) -> bytes:
    """``depth`` multiparts, each the only part of its parent; level i uses boundary b<i>."""
    head = b"".join(
        b'Content-Type: multipart/mixed; boundary="%s"\r\n\r\n--%s\r\n'
        % ((boundary or b"b%d" % i), (boundary or b"b%d" % i))
        for i in range(depth)
    )
    tail = b"".join(b"\r\n--%s--\r\n" % (boundary or b"b%d" % i) for i in reversed(range(depth)))
    return TOP + head + b"Content-Type: text/plain\r\n\r\nthe leaf" + tail


def many_headers(count: int) -> bytes:
    return (
        TOP
        + b"".join(b"X-Filler-%d: value %d\r\n" % (i, i) for i in range(count))
        + (b"\r\nbody\r\n")
    )


def many_parameters(count: int) -> bytes:
    sections = b"".join(b";\r\n filename*%d*=%%41" % i for i in range(1, count))
    return (
        TOP
        + b"Content-Type: application/octet-stream;\r\n name*0*=utf-8''%E2%82%AC"
        + b"".join(b";\r\n name*%d*=%%41" % i for i in range(1, count))
        + b"\r\nContent-Disposition: attachment;\r\n filename*0*=utf-8''x"
        + sections
        + b"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n"
    )


def many_rfc822(count: int) -> bytes:
    inner = b"".join(b"Content-Type: message/rfc822\r\n\r\n" for _ in range(count))
    return TOP + inner + b"Subject: innermost\r\n\r\nleaf\r\n"


async def _send(port: int, raw: bytes) -> str:
    t = await session(port)
    try:
        assert (await t.command("MAIL FROM:<alice@example.com>")).startswith("250")
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("250")
        assert (await t.command("DATA")).startswith("354")
        await t.send(raw + b".\r\n")
        return (await t.reply(wait=60))[-1]
    finally:
        await t.close()


def _fetch(t: Transcript, items: str) -> bytes:
    lines = t.command(f"FETCH 1 {items}")
    assert lines[-1].split(b" ")[1] == b"OK", lines[-1]
    assert len(lines) == 2, [line[:100] for line in lines]  # one FETCH response, nothing else
    return lines[0]


BOMBS = {
    "nested-10000": nested(DEPTH),
    "boundary-reuse-10000": nested(DEPTH, b"same"),
    "headers-100000": many_headers(100_000),
    "rfc2231-100000": many_parameters(100_000),
    "rfc822-100000": many_rfc822(100_000),
}


@pytest.mark.parametrize("raw", BOMBS.values(), ids=BOMBS.keys())
async def test_bomb_is_stored_and_fetched(smtp_service, ports, imap, store, account, raw):
    assert (await _send(ports.smtp, raw)).startswith("250 2.0.0")
    (got,) = await stored(store, account.id)
    assert split_trace(got)[1] == raw

    def scenario() -> dict[str, bytes]:
        t = imap.transcript(login=True)
        t.ok("EXAMINE INBOX")
        out = {
            "structure": _fetch(t, "BODYSTRUCTURE"),
            "envelope": _fetch(t, "ENVELOPE"),
            "subject": _fetch(t, "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"),
            "deep": _fetch(t, "BODY.PEEK[" + ".".join(["1"] * 60) + "]"),
            "deeper": _fetch(t, "BODY.PEEK[" + ".".join(["1"] * 2000) + ".MIME]"),
            "size": _fetch(t, "RFC822.SIZE"),
        }
        t.close()
        return out

    out = await asyncio.to_thread(scenario)
    assert (
        out["subject"] == b"* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {17}\r\nSubject: bomb\r\n\r\n)"
    )
    assert b'"bomb"' in out["envelope"]
    assert out["size"] == b"* 1 FETCH (RFC822.SIZE %d)" % len(got)
    assert len(out["structure"]) < 8 * len(raw)
    assert out["deeper"].endswith(b".MIME] NIL)")  # no such part, said plainly


async def test_nested_sections_are_exact_slices(smtp_service, ports, imap, store, account):
    raw = nested(DEPTH)
    assert (await _send(ports.smtp, raw)).startswith("250 2.0.0")

    def part(depth: int) -> bytes:
        """BODY[1.1...1] (depth ones): the level-``depth`` entity without its MIME header."""
        start = raw.index(b'boundary="b%d"\r\n\r\n' % depth) + len(
            b'boundary="b%d"\r\n\r\n' % depth
        )
        end = raw.index(b"\r\n--b%d--" % (depth - 1))  # that CRLF is the delimiter's
        return raw[start:end]

    def scenario():
        t = imap.transcript(login=True)
        t.ok("EXAMINE INBOX")
        structure = _fetch(t, "BODYSTRUCTURE")
        # nested as far as the parse budget allows (mailstore/message/mime.py), then opaque
        levels = len(re.match(rb"\* 1 FETCH \(BODYSTRUCTURE (\(*)", structure).group(1)) - 1
        assert 10 <= levels <= 100
        for depth in sorted({1, 2, 10, levels // 2, levels - 1}):
            section = ".".join(["1"] * depth)
            line = _fetch(t, f"BODY.PEEK[{section}]")
            body = part(depth)
            assert line == b"* 1 FETCH (BODY[%s] {%d}\r\n%s)" % (section.encode(), len(body), body)
        section = ".".join(["1"] * (levels + 2))
        assert _fetch(t, f"BODY.PEEK[{section}]") == b"* 1 FETCH (BODY[%s] NIL)" % section.encode()
        t.close()

    await asyncio.to_thread(scenario)
