"""Connection limits, idle timeouts, and a 25 MB message streamed through."""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from tests.smtp.helpers import Transcript, in_thread, message, smtp_client, split_trace, stored


@pytest.mark.parametrize("smtp_settings", [{"max_connections_per_address": 2}], indirect=True)
async def test_connections_per_address(smtp_service, ports):
    first, second = await Transcript.open(ports.smtp), await Transcript.open(ports.submission)
    try:
        third = await Transcript.open(ports.lmtp)
        assert third.greeting[0].startswith("421 4.7.0")
        assert await third.at_eof()
        await third.close()
        await first.close()
        await asyncio.sleep(0.1)
        fourth = await Transcript.open(ports.smtp)  # a slot is free again
        assert fourth.greeting[0].startswith("220 ")
        await fourth.close()
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize("smtp_settings", [{"max_connections": 1}], indirect=True)
async def test_connections_in_total(smtp_service, ports):
    first = await Transcript.open(ports.smtp)
    try:
        second = await Transcript.open(ports.smtp)
        assert second.greeting[0].startswith("421 4.3.2")
        await second.close()
    finally:
        await first.close()


@pytest.mark.parametrize("smtp_settings", [{"command_timeout": 0.5}], indirect=True)
async def test_idle_timeout(smtp_service, ports):
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        assert (await t.reply(wait=5))[-1].startswith("421 4.4.2")
        assert await t.at_eof()
    finally:
        await t.close()


@pytest.mark.parametrize("smtp_settings", [{"data_timeout": 0.5}], indirect=True)
async def test_data_timeout(smtp_service, ports, store, account):
    t = await Transcript.open(ports.smtp)
    try:
        await t.command("EHLO client.example.net")
        await t.command("MAIL FROM:<alice@example.com>")
        await t.command("RCPT TO:<bob@example.org>")
        await t.command("DATA")
        await t.send(b"Subject: half\r\n\r\nhalf a mess")
        assert (await t.reply(wait=5))[-1].startswith("421 4.4.2")
    finally:
        await t.close()
    assert await stored(store, account.id) == []


async def test_25_megabyte_message(smtp_service, ports, store, account):
    """Streamed in and stored whole; the server holds a few copies at most, never line lists."""
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab\r\n"
    body = line * (25 * 1024 * 1024 // len(line))
    raw = message(subject="big", extra="Content-Type: text/plain\r\n", body="") + body

    def send():
        with smtp_client(ports.smtp) as client:
            client.sendmail("alice@example.com", ["bob@example.org"], raw)

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        await in_thread(send)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    (stored_raw,) = await stored(store, account.id)
    assert split_trace(stored_raw)[1] == raw
    # client copy (in this process too) + receive buffer + message + parse/storage copies
    assert peak < 12 * len(raw), peak / len(raw)
