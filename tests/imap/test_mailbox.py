"""SELECT, EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST, LSUB, STATUS, quota."""

from __future__ import annotations

import asyncio

from tests.imap.helpers import deliver, make_message, status_of


async def test_select_responses(imap):
    await deliver(imap.store, imap.account, make_message("one"), flags=["\\Seen"])
    await deliver(imap.store, imap.account, make_message("two"))
    info = await imap.store.mailboxes.get(imap.account.id, "INBOX")

    def scenario():
        t = imap.transcript(login=True)
        lines = t.command("SELECT inbox")
        assert lines[0] == b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)"
        assert b"* 2 EXISTS" in lines and b"* 2 RECENT" in lines
        assert b"* OK [UNSEEN 2] first unseen" in lines
        assert any(
            b"[PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)]" in x
            for x in lines
        )
        assert b"* OK [UIDVALIDITY %d] UIDs valid" % info.uidvalidity in lines
        assert b"* OK [UIDNEXT 3] predicted next UID" in lines
        assert any(line.startswith(b"* OK [HIGHESTMODSEQ ") for line in lines)
        assert lines[-1] == b"t2 OK [READ-WRITE] SELECT completed"
        # \Recent went to this session: a second one sees none
        u = imap.transcript(login=True)
        assert b"* 0 RECENT" in u.command("EXAMINE INBOX")

    await asyncio.to_thread(scenario)


async def test_examine_is_read_only_and_reselect_says_closed(imap):
    await deliver(imap.store, imap.account, make_message())

    def scenario():
        t = imap.transcript(login=True)
        lines = t.command("EXAMINE INBOX")
        assert lines[-1] == b"t2 OK [READ-ONLY] EXAMINE completed"
        assert b"* OK [PERMANENTFLAGS ()] flags allowed" in lines
        assert b"[READ-ONLY]" in t.command("STORE 1 +FLAGS (\\Deleted)")[-1]
        assert b"[READ-ONLY]" in t.command("EXPUNGE")[-1]
        assert b"\\Seen" not in t.ok("FETCH 1 (BODY[TEXT] FLAGS)")[0]  # no implicit \Seen
        lines = t.command("SELECT Sent")
        assert lines[0] == b"* OK [CLOSED] previous mailbox closed"
        lines = t.command("SELECT Nope")
        assert lines[0].startswith(b"* OK [CLOSED]")
        assert lines[-1].startswith(b"t7 NO [NONEXISTENT]")
        assert status_of(t.command("FETCH 1 FLAGS")) == b"BAD"  # the failed SELECT deselected

    await asyncio.to_thread(scenario)


async def test_select_in_imap4rev2_has_list_and_no_recent(imap):
    def scenario():
        t = imap.transcript(login=True)
        assert t.ok("ENABLE IMAP4rev2")[0] == b"* ENABLED IMAP4rev2"
        lines = t.ok("SELECT INBOX")
        assert b'* LIST () "/" INBOX' in lines
        assert not any(b"RECENT" in line or b"[UNSEEN" in line for line in lines)

    await asyncio.to_thread(scenario)


async def test_create_delete_rename(imap):
    def scenario():
        c = imap.login()
        assert c.create("Projects/2024/Q1")[0] == "OK"
        typ, data = c.create("Projects")
        assert typ == "NO" and b"[ALREADYEXISTS]" in data[0]
        assert b"[ALREADYEXISTS]" in c.create("inbox")[1][0]
        assert c.create("Trailing/")[0] == "OK"
        assert c.create("bad//name")[0] == "NO"  # empty level
        assert c.create("a/../b")[0] == "NO"
        assert c.create("x" * 1200)[0] == "NO"  # too long
        assert c.create("/".join("d" * 40))[0] == "NO"  # too deep
        assert c.rename("Projects", "Work")[0] == "OK"
        names = [line.split(b' "/" ')[1] for line in c.list()[1]]
        assert b"Work/2024/Q1" in names and b"Projects" not in names and b"Trailing" in names
        assert b"[NONEXISTENT]" in c.delete("Nope")[1][0]
        assert b"[CANNOT]" in c.delete("INBOX")[1][0]
        assert c.delete("Work/2024/Q1")[0] == "OK"
        assert b"[NONEXISTENT]" in c.rename("Nope", "Other")[1][0]
        assert b"[ALREADYEXISTS]" in c.rename("Work", "Sent")[1][0]
        t = imap.transcript(login=True)
        assert t.command('CREATE "tab\there"')[-1].startswith(b"t2 BAD")  # control character

    await asyncio.to_thread(scenario)


async def test_create_special_use(imap):
    def scenario():
        t = imap.transcript(login=True)
        t.ok("CREATE Flagged-mail (USE (\\Flagged))")
        assert b"[USEATTR]" in t.command("CREATE X (USE (\\Important))")[-1]
        lines = t.ok('LIST "" "Flagged-mail" RETURN (SPECIAL-USE)')
        assert lines == [b'* LIST (\\HasNoChildren \\Flagged) "/" Flagged-mail']

    await asyncio.to_thread(scenario)


async def test_delete_selected_mailbox_closes_it(imap):
    await imap.store.mailboxes.create(imap.account.id, "Doomed")

    def scenario():
        t = imap.transcript(login=True)
        t.ok("SELECT Doomed")
        lines = t.ok("DELETE Doomed")
        assert lines == [b"* OK [CLOSED] previous mailbox closed"]
        assert status_of(t.command("NOOP")) == b"OK"
        assert status_of(t.command("CHECK")) == b"BAD"

    await asyncio.to_thread(scenario)


async def test_mailbox_deleted_by_another_session(imap):
    await imap.store.mailboxes.create(imap.account.id, "Doomed")

    def scenario():
        t = imap.transcript(login=True)
        t.ok("SELECT Doomed")
        u = imap.transcript(login=True)
        u.ok("DELETE Doomed")
        lines = t.command("NOOP")
        assert lines[0].startswith(b"* BYE")
        assert t.closed()

    await asyncio.to_thread(scenario)


async def test_rename_inbox_moves_its_messages(imap):
    await deliver(imap.store, imap.account, make_message())

    def scenario():
        c = imap.login()
        assert c.rename("INBOX", "Old-inbox")[0] == "OK"
        assert c.select("INBOX")[1] == [b"0"]
        assert c.select("Old-inbox")[1] == [b"1"]

    await asyncio.to_thread(scenario)


async def test_subscribe_lsub_unsubscribe(imap):
    def scenario():
        t = imap.transcript(login=True)
        t.ok("CREATE Lists/python")
        t.ok("SUBSCRIBE Lists/python")
        t.ok("SUBSCRIBE Ghost")
        assert t.ok('LSUB "" "Lists/*"') == [b'* LSUB () "/" Lists/python']
        assert b'* LSUB (\\Noselect) "/" Ghost' in t.ok('LSUB "" *')
        t.ok("UNSUBSCRIBE Lists/python")
        assert t.ok('LSUB "" "Lists/*"') == []
        assert b"[NONEXISTENT]" in t.command("UNSUBSCRIBE Lists/python")[-1]

    await asyncio.to_thread(scenario)


async def test_list_basic_and_hierarchy(imap):
    def scenario():
        t = imap.transcript(login=True)
        assert t.ok('LIST "" ""') == [b'* LIST (\\Noselect) "/" ""']
        t.ok("CREATE a/b/c")
        t.ok("DELETE a/b")  # a/b's child stays: a/b is now only a name
        lines = t.ok('LIST "" *')
        assert lines[0] == b'* LIST (\\HasNoChildren) "/" INBOX'
        assert b'* LIST (\\HasChildren) "/" a' in lines
        assert b'* LIST (\\Noselect \\HasChildren) "/" a/b' in lines
        assert b'* LIST (\\HasNoChildren \\Sent) "/" Sent' in lines
        assert t.ok('LIST "" %') == [line for line in lines if b"/" not in line.rsplit(b" ", 1)[1]]
        assert t.ok('LIST "a/" %') == [b'* LIST (\\Noselect \\HasChildren) "/" a/b']
        assert t.ok('LIST "" inbox') == [b'* LIST (\\HasNoChildren) "/" INBOX']

    await asyncio.to_thread(scenario)


async def test_list_extended_subscribed_children_status(imap):
    await deliver(imap.store, imap.account, make_message())

    def scenario():
        t = imap.transcript(login=True)
        t.ok("CREATE Team/alpha")
        t.ok("SUBSCRIBE Team/alpha")
        t.ok("SUBSCRIBE Gone")
        lines = t.ok('LIST (SUBSCRIBED) "" *')
        assert b'* LIST (\\NonExistent \\HasNoChildren \\Subscribed) "/" Gone' in lines
        assert b'* LIST (\\HasNoChildren \\Subscribed) "/" Team/alpha' in lines
        assert not any(line.endswith(b" Team") for line in lines)
        lines = t.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" %')
        assert b'* LIST (\\HasChildren) "/" Team (("CHILDINFO" ("SUBSCRIBED")))' in lines
        lines = t.ok('LIST "" (INBOX Team) RETURN (CHILDREN SUBSCRIBED STATUS (MESSAGES UNSEEN))')
        assert lines == [
            b'* LIST (\\HasNoChildren \\Subscribed) "/" INBOX',
            b"* STATUS INBOX (MESSAGES 1 UNSEEN 1)",
            b'* LIST (\\HasChildren) "/" Team',
            b"* STATUS Team (MESSAGES 0 UNSEEN 0)",
        ]
        lines = t.ok('LIST (SPECIAL-USE) "" *')
        assert {line.rsplit(b" ", 1)[1] for line in lines} == {
            b"Sent",
            b"Drafts",
            b"Trash",
            b"Junk",
            b"Archive",
        }

    await asyncio.to_thread(scenario)


async def test_list_and_select_international_names(imap):
    def scenario():
        t = imap.transcript(login=True)
        t.ok('CREATE "Entw&APw-rfe"')  # modified UTF-7 for "Entwürfe"
        assert b'* LIST (\\HasNoChildren) "/" Entw&APw-rfe' in t.ok('LIST "" *')
        t.ok("ENABLE UTF8=ACCEPT")
        assert '* LIST (\\HasNoChildren) "/" "Entwürfe"'.encode() in t.ok('LIST "" *')
        t.ok('SELECT "Entwürfe"')

    await asyncio.to_thread(scenario)


async def test_status(imap):
    await deliver(imap.store, imap.account, make_message("a"), flags=["\\Seen"])
    await deliver(imap.store, imap.account, make_message("b"), flags=["\\Deleted"])

    def scenario():
        t = imap.transcript(login=True)
        items = "MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ APPENDLIMIT"
        (line,) = t.ok(f"STATUS INBOX ({items})")
        fields = line.split(b"(")[1].rstrip(b")").split()
        values = dict(zip(fields[::2], fields[1::2], strict=True))
        assert values[b"MESSAGES"] == b"2" and values[b"RECENT"] == b"2"
        assert values[b"UIDNEXT"] == b"3" and values[b"UNSEEN"] == b"1"
        assert values[b"DELETED"] == b"1" and int(values[b"SIZE"]) > 100
        assert int(values[b"APPENDLIMIT"]) > 0 and int(values[b"HIGHESTMODSEQ"]) > 0
        t.ok("SELECT INBOX")  # claims \Recent
        assert t.ok("STATUS INBOX (RECENT)") == [b"* STATUS INBOX (RECENT 0)"]
        assert b"[NONEXISTENT]" in t.command("STATUS Nope (MESSAGES)")[-1]

    await asyncio.to_thread(scenario)


async def test_quota(imap):
    await deliver(imap.store, imap.account, make_message(body="x" * 3000))
    t = await asyncio.to_thread(imap.transcript, login=True)
    assert await asyncio.to_thread(t.ok, "GETQUOTAROOT INBOX") == [b"* QUOTAROOT INBOX"]
    await imap.store.directory.set_quota("bob@example.org", 10 * 1024 * 1024)

    def scenario():
        lines = t.ok("GETQUOTAROOT INBOX")
        assert lines[0] == b'* QUOTAROOT INBOX ""'
        assert lines[1] == b'* QUOTA "" (STORAGE 4 10240)'
        assert t.ok('GETQUOTA ""') == [lines[1]]
        assert b"[NONEXISTENT]" in t.command('GETQUOTA "other"')[-1]
        assert b"[NOPERM]" in t.command('SETQUOTA "" (STORAGE 1)')[-1]
        assert b"[NONEXISTENT]" in t.command("GETQUOTAROOT Nope")[-1]

    await asyncio.to_thread(scenario)
