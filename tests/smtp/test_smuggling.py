"""SMTP smuggling: only <CRLF>.<CRLF> ends DATA; bare CR/LF never yields a second message.

Each payload tries to end the message early with a non-standard end-of-data sequence and
smuggle a second transaction behind it. Whatever the policy, exactly one message (or none)
is stored, and never the smuggled one.
"""

from __future__ import annotations

import pytest

from servers.smtp.data import LineEndings
from tests.smtp.helpers import Transcript, split_trace, stored

SMUGGLED = (
    b"MAIL FROM:<admin@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
    b"From: admin@example.org\r\nSubject: smuggled\r\n\r\nsmuggled\r\n"
)
ENDINGS = {
    "LF.LF": b"\n.\n",
    "CRLF.LF": b"\r\n.\n",
    "LF.CRLF": b"\n.\r\n",
    "CR.CR": b"\r.\r",
    "CR.CRLF": b"\r.\r\n",
}
HEADER = b"From: alice@example.com\r\nTo: bob@example.org\r\nSubject: first\r\n\r\nfirst"


async def _send(port: int, payload: bytes) -> tuple[str, list[str]]:
    t = await Transcript.open(port)
    try:
        await t.command("EHLO client.example.net")
        await t.command("MAIL FROM:<alice@example.com>")
        await t.command("RCPT TO:<bob@example.org>")
        assert (await t.command("DATA")).startswith("354")
        await t.send(payload)
        final = (await t.reply())[-1]
        after = [await t.command("NOOP")]
        return final, after
    finally:
        await t.close()


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
async def test_rejected_by_default(smtp_service, ports, store, account, ending):
    final, after = await _send(ports.smtp, HEADER + ending + SMUGGLED + b"\r\n.\r\n")
    assert final.startswith("550 5.6.0")
    assert after[0].startswith("250")  # the smuggled commands were data, not commands
    assert await stored(store, account.id) == []


@pytest.mark.parametrize(
    "smtp_settings", [{"bare_line_endings": LineEndings.NORMALISE}], indirect=True
)
@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
async def test_normalised_when_configured(smtp_service, ports, store, account, ending):
    final, _ = await _send(ports.smtp, HEADER + ending + SMUGGLED + b"\r\n.\r\n")
    assert final.startswith("250 2.0.0")
    (body,) = await stored(store, account.id)  # exactly one message
    content = split_trace(body)[1]
    assert content.startswith(HEADER + b"\r\n")
    assert b"\nMAIL FROM:<admin@example.org>\r\n" in content  # smuggled text stayed content
    assert content.count(b"\r") == content.count(b"\r\n") == content.count(b"\n")


async def test_clean_message_after_rejected_one(smtp_service, ports, store, account):
    """A rejected payload leaves the session usable: the next clean message is stored whole."""
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        for payload, expect in [
            (HEADER + b"\n.\n" + SMUGGLED + b"\r\n.\r\n", "550 5.6.0"),
            (HEADER + b"\r\n.\r\n", "250 2.0.0"),
        ]:
            await t.command("MAIL FROM:<alice@example.com>")
            await t.command("RCPT TO:<bob@example.org>")
            await t.command("DATA")
            await t.send(payload)
            assert (await t.reply())[-1].startswith(expect)
    finally:
        await t.close()
    (body,) = await stored(store, account.id)
    assert split_trace(body)[1] == HEADER + b"\r\n"
