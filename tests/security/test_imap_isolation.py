"""One user naming another user's or another domain's mailboxes over IMAP.

Mailbox names are per account; there is no shared or other-users namespace (RFC 2342
NAMESPACE lists only the personal one). So whatever bob names, the answer must be exactly the
answer for a mailbox that does not exist: the same bytes, apart from the tag, whether or not
carol (same domain) or dave (another domain) has a mailbox of that name with mail in it. The
test runs every command twice, before and after they create them, and compares the bytes.
"""

from __future__ import annotations

import asyncio
import re

from tests.imap.helpers import Transcript, deliver, make_message

NAMES = [
    "Secret",  # carol's and dave's own mailbox, not bob's
    "Secret/Plans",
    "carol@example.org/Secret",
    "carol/Secret",
    "~carol/Secret",
    "#shared/Secret",
    "Other Users/carol/Secret",
    "dave@example.com/Secret",
    "user/dave/Secret",
]

COMMANDS = [
    "SELECT {}",
    "EXAMINE {}",
    "STATUS {} (MESSAGES UNSEEN SIZE UIDNEXT UIDVALIDITY)",
    "APPEND {} (\\Seen) {{5+}}\r\nhello",
    "DELETE {}",
    "RENAME {} Mine",
    "GETQUOTAROOT {}",
    'LIST "" {}',
    'LIST "" *',
    'LSUB "" *',
    "UNSUBSCRIBE {}",
]
SELECTED_COMMANDS = ["COPY 1 {}", "MOVE 1 {}", "UID COPY 1 {}", "UID MOVE 1 {}"]
_TAG = re.compile(rb"^t\d+ ")


def _quoted(name: str) -> str:
    return '"' + name + '"'


def _run(t: Transcript) -> dict[tuple[str, str], list[bytes]]:
    """Every command on every name; responses with the tag removed."""
    out: dict[tuple[str, str], list[bytes]] = {}
    for name in NAMES:
        for command in COMMANDS:
            lines = t.command(command.format(_quoted(name)))
            out[(command, name)] = [_TAG.sub(b"", line) for line in lines]
            if command.startswith(("SELECT", "EXAMINE")):
                t.command("UNSELECT")
        t.ok("SELECT INBOX")
        for command in SELECTED_COMMANDS:
            lines = t.command(command.format(_quoted(name)))
            out[(command, name)] = [_TAG.sub(b"", line) for line in lines]
        t.ok("UNSELECT")
    return out


async def test_other_users_mailboxes_look_like_missing_ones(imap, store, account):
    await deliver(store, account, make_message("bob's own"))

    def probe() -> dict[tuple[str, str], list[bytes]]:
        t = imap.transcript(login=True)
        try:
            return _run(t)
        finally:
            t.close()

    before = await asyncio.to_thread(probe)
    # now carol (same domain) and dave (another domain) own mailboxes with those names
    await store.directory.add_domain("example.com")
    for address in ("carol@example.org", "dave@example.com"):
        other = await store.directory.add_account(address, "pw")
        for name in NAMES:
            await store.mailboxes.create(other.id, name)
            await deliver(store, other, make_message(f"{address} {name}"), mailbox=name)
    after = await asyncio.to_thread(probe)
    assert after == before
    # and the answers are those for a missing mailbox (no EXISTS, no STATUS data)
    for (command, name), lines in after.items():
        if command.startswith(("SELECT", "EXAMINE", "STATUS", "DELETE", "RENAME", "GETQUOTA")):
            assert lines[-1].startswith(b"NO [NONEXISTENT]"), (command, name, lines)
        if command.startswith(("APPEND", "COPY", "MOVE", "UID")):
            assert lines[-1].startswith(b"NO [TRYCREATE]"), (command, name, lines)
    listing = after[('LIST "" *', "Secret")]
    assert listing[-1] == b"OK LIST completed" and len(listing) > 1
    assert not any(b"Secret" in line for line in listing)
    # bob's mail was neither moved nor copied anywhere, and theirs is untouched
    box = await store.mailboxes.get(account.id, "INBOX")
    assert len(await store.messages.uids(account.id, box.id)) == 1
    carol = await store.directory.get_account("carol@example.org")
    for name in NAMES:
        box = await store.mailboxes.get(carol.id, name)
        assert len(await store.messages.uids(carol.id, box.id)) == 1
