"""SMTP smuggling (every bare CR / bare LF end-of-data shape) and pipelining abuse before 354.

Only ``<CRLF>.<CRLF>`` ends DATA (RFC 5321 §4.1.1.4). Each payload below tries to end the
first message early with another shape and hide a second transaction behind it. Under both
``[smtp] bare_line_endings`` settings the smuggled transaction must never become a message of
its own: rejected as a whole (``550 5.6.0``, default) or stored as one normalised message
whose content includes the smuggled text.
"""

from __future__ import annotations

import pytest

from servers.smtp.data import LineEndings
from tests.security.smtp_helpers import (
    HEADER,
    SMUGGLED,
    inbox,
    session,
    still_serves,
    transaction,
)
from tests.smtp.helpers import Transcript, split_trace

ENDINGS = {
    "LF.LF": b"\n.\n",
    "LF.CRLF": b"\n.\r\n",
    "LF.CR": b"\n.\r",
    "CR.CR": b"\r.\r",
    "CR.LF": b"\r.\n",
    "CR.CRLF": b"\r.\r\n",
    "CRLF.CR": b"\r\n.\r",
    "CRLF.LF": b"\r\n.\n",
    "CRLF.CRCRLF": b"\r\n.\r\r\n",
    "CRLF.LFCRLF": b"\r\n.\n\r\n",
    "CRLF.SPCRLF": b"\r\n. \r\n",
    "CRLF.NULCRLF": b"\r\n.\x00\r\n",
}
NORMALISE = {"bare_line_endings": LineEndings.NORMALISE}


async def _smuggle(port: int, ending: bytes) -> tuple[str, str]:
    """(reply to the payload, reply to a NOOP after it)."""
    t = await transaction(port)
    try:
        assert (await t.command("DATA")).startswith("354 ")
        await t.send(HEADER + ending + SMUGGLED + b"\r\n.\r\n")
        final = (await t.reply())[-1]
        return final, await t.command("NOOP")
    finally:
        await t.close()


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
async def test_smuggling_rejected_by_default(smtp_service, ports, store, account, ending):
    final, after = await _smuggle(ports.smtp, ending)
    if b"\r" in ending.replace(b"\r\n", b"") or b"\n" in ending.replace(b"\r\n", b""):
        assert final == "550 5.6.0 Bare CR or LF in message data; lines must end with CRLF"
        assert await inbox(store, account.id) == []
    else:  # ". " and ".NUL" are ordinary content lines: one message, smuggled text inside
        assert final.startswith("250 2.0.0 OK: stored as ")
        (raw,) = await inbox(store, account.id)
        assert b"Subject: smuggled" in split_trace(raw)[1]
    # the smuggled commands were data: this NOOP is not answered by a "nested MAIL" error
    assert after == "250 2.0.0 OK"
    await still_serves(ports.smtp)


@pytest.mark.parametrize("smtp_settings", [NORMALISE], indirect=True)
@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
async def test_smuggling_normalised_is_one_message(smtp_service, ports, store, account, ending):
    final, after = await _smuggle(ports.smtp, ending)
    assert final.startswith("250 2.0.0 OK: stored as ")
    assert after == "250 2.0.0 OK"
    (raw,) = await inbox(store, account.id)  # exactly one message: never the smuggled one alone
    content = split_trace(raw)[1]
    assert content.startswith(HEADER)
    assert b"\r\nMAIL FROM:<admin@example.org>\r\n" in content
    assert content.endswith(b"smuggled\r\n\r\n")
    assert content.count(b"\r") == content.count(b"\n") == content.count(b"\r\n")


@pytest.mark.parametrize(
    "ending", [b"\n.\n", b"\r.\r", b"\r\n.\n"], ids=["LF.LF", "CR.CR", "CRLF.LF"]
)
async def test_smuggling_through_lmtp(smtp_service, ports, store, account, ending):
    """LMTP answers once per recipient (RFC 2033 §4.2); the payload is refused for each."""
    t = await Transcript.open(ports.lmtp)
    try:
        assert (await t.command("LHLO client.example.net")).startswith("250 ")
        assert (await t.command("MAIL FROM:<alice@example.com>")).startswith("250 2.1.0")
        assert (await t.command("RCPT TO:<bob@example.org>")).startswith("250 2.1.5")
        assert (await t.command("RCPT TO:<bob+x@example.org>")).startswith("250 2.1.5")
        assert (await t.command("DATA")).startswith("354 ")
        await t.send(HEADER + ending + SMUGGLED + b"\r\n.\r\n")
        assert (
            await t.replies(2)
            == ["550 5.6.0 Bare CR or LF in message data; lines must end with CRLF"] * 2
        )
        assert await t.command("NOOP") == "250 2.0.0 OK"
    finally:
        await t.close()
    assert await inbox(store, account.id) == []


# -- pipelining abuse: RFC 2920 §3.1, DATA is the last command of a group ----------------------
SYNC_ERROR = "554 5.5.0 Error: SMTP protocol synchronization"

PIPELINED = {
    # the message sent with DATA instead of after the 354
    "data-with-message": b"DATA\r\n" + HEADER + b"\r\n.\r\n",
    # commands after DATA: would run as commands only if the DATA failed
    "data-then-commands": b"DATA\r\n" + SMUGGLED + b".\r\n",
    # the whole transaction, DATA included, in one packet with the message
    "whole-transaction": (
        b"MAIL FROM:<alice@example.com>\r\nRCPT TO:<nobody@example.org>\r\nDATA\r\n"
        + SMUGGLED
        + b".\r\n"
    ),
}


@pytest.mark.parametrize("payload", PIPELINED.values(), ids=PIPELINED.keys())
async def test_data_before_354_is_refused_and_the_connection_closed(
    smtp_service, ports, store, account, payload
):
    """A client that sends past DATA without waiting for 354 gets 554 5.5.0 and is cut off
    (Postfix's ``smtpd_forbid_unauth_pipelining``): had DATA failed, its message lines would
    have been read as commands, a smuggled transaction among them."""
    t = await session(ports.smtp)
    try:
        if payload.startswith(b"DATA"):
            assert (await t.command("MAIL FROM:<alice@example.com>")).startswith("250")
            assert (await t.command("RCPT TO:<bob@example.org>")).startswith("250")
            await t.send(payload)
            assert await t.replies(1) == [SYNC_ERROR]
        else:
            await t.send(payload)
            lines = await t.replies(3)
            assert lines[:2] == ["250 2.1.0 Sender OK", "550 5.1.1 No such user here"]
            assert lines[2] == SYNC_ERROR
        assert await t.at_eof()
    finally:
        await t.close()
    assert await inbox(store, account.id) == []
    await still_serves(ports.smtp)


async def test_refused_data_with_pipelined_message_is_not_read_as_commands(
    smtp_service, ports, store, account
):
    """No valid recipient, DATA refused: the pipelined message must not run as commands."""
    t = await session(ports.smtp)
    try:
        await t.send(
            b"MAIL FROM:<alice@example.com>\r\nRCPT TO:<nobody@example.org>\r\nDATA\r\nNOOP\r\n"
        )
        assert await t.replies(3) == [
            "250 2.1.0 Sender OK",
            "550 5.1.1 No such user here",
            SYNC_ERROR,
        ]
        assert await t.at_eof()
    finally:
        await t.close()
    assert await inbox(store, account.id) == []


async def test_waiting_for_354_still_works(smtp_service, ports, store, account):
    """The lawful pipelined group (MAIL, RCPT, DATA) and the message after 354 are accepted."""
    t = await session(ports.smtp)
    try:
        await t.send(b"MAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n")
        assert [r[:3] for r in await t.replies(3)] == ["250", "250", "354"]
        await t.send(HEADER + b"\r\n.\r\nQUIT\r\n")
        assert [r[:9] for r in await t.replies(2)] == ["250 2.0.0", "221 2.0.0"]
    finally:
        await t.close()
    (raw,) = await inbox(store, account.id)
    assert split_trace(raw)[1] == HEADER + b"\r\n"
