"""The cheap FETCH path (servers/imap/fetch_light.py) answers byte for byte as the general
formatter does: each light FETCH is compared with the same items plus an empty header-field
section, which forces the general path, with that section cut out of each line."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.imap.helpers import deliver, make_message

EMPTY_SECTION = rb" BODY\[HEADER\.FIELDS \(X-NONE\)\] \{2\}\r\n\r\n"


async def _mailbox(store, account) -> list[int]:  # type: ignore[no-untyped-def]
    """40 messages with mixed flags and keywords; every third one expunged (UID gaps)."""
    flag_sets = [(), ("\\Seen",), ("\\Seen", "\\Flagged"), ("$Forwarded",), ("\\Draft", "Work")]
    uids = []
    for i in range(40):
        raw = make_message(f"m{i}", "x" * i + "\r\n")
        uids.append(await deliver(store, account, raw, flags=flag_sets[i % len(flag_sets)]))
    return uids


def _general(lines: list[bytes]) -> list[bytes]:
    return [re.sub(EMPTY_SECTION, b"", line) for line in lines]


@pytest.mark.parametrize(
    "items",
    [
        "(UID FLAGS)",
        "(FLAGS)",
        "FLAGS",
        "(FLAGS RFC822.SIZE INTERNALDATE)",
        "(INTERNALDATE UID RFC822.SIZE FLAGS)",
        "(UID FLAGS MODSEQ)",
        "(RFC822.SIZE)",
    ],
)
@pytest.mark.parametrize("uid", [False, True])
async def test_light_fetch_equals_general_fetch(imap, store, account, items, uid) -> None:  # type: ignore[no-untyped-def]
    await _mailbox(store, account)

    def run() -> tuple[list[bytes], list[bytes], list[bytes]]:
        t = imap.transcript(login=True)
        t.ok("SELECT INBOX")  # claims \Recent: FLAGS carry it
        t.ok("STORE 1:* -FLAGS (\\Deleted)")
        thirds = ",".join(str(u) for u in range(3, 41, 3))
        t.ok(f"UID STORE {thirds} +FLAGS.SILENT (\\Deleted)")
        t.ok("EXPUNGE")
        prefix = "UID FETCH" if uid else "FETCH"
        forced = items.strip("()") + " BODY.PEEK[HEADER.FIELDS (X-NONE)]"
        light = t.ok(f"{prefix} 1:* {items}")
        general = t.ok(f"{prefix} 1:* ({forced})")
        sparse = t.ok(f"{prefix} 2,5:7,20:* {items}")
        t.close()
        return light, general, sparse

    light, general, sparse = (_fetches(x) for x in await asyncio.to_thread(run))
    assert len(light) == 40 - 13
    assert light == _general(general)
    assert light[0].startswith(b"* 1 FETCH (")
    # the sparse set (index probes, not a range scan) gives the same lines for its members
    if uid:
        uids = [int(re.search(rb"UID (\d+)", line).group(1)) for line in light]  # type: ignore[union-attr]
        keep = {u for u in uids if u == 2 or 5 <= u <= 7 or u >= 20}
        expected = [line for line, u in zip(light, uids, strict=True) if u in keep]
    else:
        expected = [light[i - 1] for i in (2, 5, 6, 7, *range(20, 28))]
    assert sparse == expected


def _fetches(lines: list[bytes]) -> list[bytes]:
    return [line for line in lines if b" FETCH (" in line]


async def test_light_fetch_marks_recent_only_for_claiming_session(imap, store, account) -> None:  # type: ignore[no-untyped-def]
    await deliver(store, account, make_message("a"), flags=("\\Seen",))

    def run() -> tuple[list[bytes], list[bytes]]:
        first, second = imap.transcript(login=True), imap.transcript(login=True)
        first.ok("SELECT INBOX")
        second.ok("SELECT INBOX")
        a = first.ok("FETCH 1 (FLAGS)")
        b = second.ok("FETCH 1 (FLAGS)")
        first.close()
        second.close()
        return a, b

    a, b = await asyncio.to_thread(run)
    assert a == [b"* 1 FETCH (FLAGS (\\Seen \\Recent))"]
    assert b == [b"* 1 FETCH (FLAGS (\\Seen))"]
