"""Malformed and confusable mailbox names: ``..``, empty levels, absolute paths, wildcards,
invalid modified UTF-7 (RFC 3501 §5.1.3), non-NFC UTF-8 (RFC 6855 §3, RFC 5198 §2), names
too long or too deep. Nothing outside the account's own tree can be named, nothing is created
from a refused name, and two spellings of one Unicode name are one mailbox.
"""

from __future__ import annotations

import asyncio

LEVEL = b"NO [CANNOT] mailbox name has an empty, '.' or '..' level"

#: CREATE argument (modified UTF-7 session) -> exact tagged response without the tag.
CREATE = {
    b'"a/../b"': LEVEL,
    b'".."': LEVEL,
    b'"../../etc"': LEVEL,
    b'"a/."': LEVEL,
    b'"a//b"': LEVEL,
    b'"/etc/passwd"': LEVEL,
    b'"INBOX/../Sent"': LEVEL,
    b'"/"': b"NO [CANNOT] mailbox name is empty",
    b'"//"': b"NO [CANNOT] mailbox name is empty",
    b'" a"': b"NO [CANNOT] mailbox name level starts or ends with white space",
    b'"a /b"': b"NO [CANNOT] mailbox name level starts or ends with white space",
    b'"a*b"': b"NO [CANNOT] mailbox name contains control or wildcard characters",
    b'"a%b"': b"NO [CANNOT] mailbox name contains control or wildcard characters",
    b'"&Jjo"': b"BAD bad mailbox name: unterminated modified base64 in mailbox name",
    b'"&Jjo/x"': b"BAD bad mailbox name: unterminated modified base64 in mailbox name",
    b'"&AGE-"': (
        b"BAD bad mailbox name: printable US-ASCII must not be base64-encoded in a mailbox name"
    ),
    b'"&2D0-"': b"BAD bad mailbox name: modified base64 is not valid UTF-16",
    b'"&Jj-"': b"BAD bad mailbox name: modified base64 run has a bad length",
    b'"&Jjp-"': b"BAD bad mailbox name: modified base64 has non-zero padding bits",
    b'"&Jj*-"': b"BAD bad mailbox name: unterminated modified base64 in mailbox name",
    b'"&"': b"BAD bad mailbox name: unterminated modified base64 in mailbox name",
    b'"a/' + b"x" * 2000 + b'"': b"NO [CANNOT] mailbox name too long",
    b'"' + b"a/" * 300 + b'a"': b"NO [CANNOT] mailbox hierarchy too deep",
}


async def test_malformed_names_are_refused_and_nothing_is_created(start_imap, store, account):
    imap = await start_imap(max_bad_commands=1000)  # many BADs on purpose
    before = {m.name for m in await store.mailboxes.list(account.id)}

    def scenario():
        t = imap.transcript(login=True)
        got = {}
        for name in CREATE:
            got[name] = t.command(b"CREATE " + name)[-1].split(b" ", 1)[1]
            # the same name is refused, not resolved somewhere else, by the other commands
            for command in (b"SELECT ", b"DELETE ", b"STATUS ", b"APPEND "):
                suffix = b" (MESSAGES)" if command == b"STATUS " else b""
                suffix = b" {1+}\r\nx" if command == b"APPEND " else suffix
                lines = t.command(command + name + suffix)
                assert lines[-1].split(b" ")[1] in (b"NO", b"BAD"), (command, name, lines)
            lines = t.command(b"RENAME INBOX " + name)
            assert lines[-1].split(b" ")[1] in (b"NO", b"BAD"), (name, lines)
        assert got == CREATE
        t.ok("NOOP")

    await asyncio.to_thread(scenario)
    assert {m.name for m in await store.mailboxes.list(account.id)} == before


async def test_non_nfc_names_are_the_nfc_mailbox(imap, store, account):
    """ "café" as e + U+0301 and as U+00E9 is one mailbox, stored in NFC (RFC 5198 §2)."""
    decomposed = "cafe\u0301".encode()
    composed = "caf\u00e9".encode()

    def scenario():
        t = imap.transcript(login=True)
        t.ok("ENABLE UTF8=ACCEPT")
        t.ok(b'CREATE "' + decomposed + b'"')
        assert (
            t.command(b'CREATE "' + composed + b'"')[-1]
            .split(b" ", 1)[1]
            .startswith(b"NO [ALREADYEXISTS]")
        )
        t.ok(b'APPEND "' + composed + b'" {1+}\r\nx')
        assert b"* 1 EXISTS" in t.ok(b'SELECT "' + decomposed + b'"')
        listing = [line for line in t.ok('LIST "" "caf*"')]
        assert listing == [b'* LIST (\\HasNoChildren) "/" "' + composed + b'"']
        # and in modified UTF-7, the decomposed spelling too
        u = imap.transcript(login=True)
        assert b"* 1 EXISTS" in u.ok(b'SELECT "cafe&AwE-"')
        assert u.ok('LIST "" "caf*"') == [b'* LIST (\\HasNoChildren) "/" caf&AOk-']

    await asyncio.to_thread(scenario)
    names = [m.name for m in await store.mailboxes.list(account.id)]
    assert names.count("caf\u00e9") == 1 and "cafe\u0301" not in names
