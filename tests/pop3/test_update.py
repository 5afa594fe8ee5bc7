"""UPDATE state and what other sessions see: QUIT applies deletions in one transaction, a
dropped session deletes nothing, UIDLs are stable, RETR marks \\Seen."""

from __future__ import annotations

import asyncio

from tests.pop3.helpers import deliver, make_message
from tests.store.helpers import counters_match_rows


async def inbox(pop3):
    return await pop3.store.mailboxes.get(pop3.account.id, "INBOX")


async def flags(pop3, uids: list[int]) -> dict[int, tuple[str, ...]]:
    box = await inbox(pop3)
    rows = pop3.store.messages.fetch(pop3.account.id, box.id, uids)
    return {row.uid: row.flags async for row in rows}


async def test_dele_then_quit_removes(pop3) -> None:
    uids = [await deliver(pop3.store, pop3.account, make_message(f"m{i}")) for i in range(3)]
    before = await inbox(pop3)

    def scenario() -> bytes:
        pop = pop3.login()
        pop.dele(1)
        pop.dele(3)
        return pop.quit()

    assert await asyncio.to_thread(scenario) == (
        b"+OK localhost POP3 server signing off (2 messages deleted)"
    )
    after = await inbox(pop3)
    assert after.messages == 1
    assert after.highestmodseq > before.highestmodseq
    assert await pop3.store.messages.uids(pop3.account.id, after.id) == [uids[1]]
    # what an IMAP session (QRESYNC) sees: the two uids vanished, at the new modseq
    changes = await pop3.store.messages.changes_since(
        pop3.account.id, after.id, before.highestmodseq
    )
    assert changes.vanished == [uids[0], uids[2]]
    await counters_match_rows(pop3.store, pop3.account.id, after.id)


async def test_dele_then_dropped_connection_keeps(pop3) -> None:
    await deliver(pop3.store, pop3.account, make_message())

    def scenario() -> None:
        pop = pop3.login()
        pop.dele(1)
        pop.close()  # no QUIT: no UPDATE state (RFC 1939 §6)

    await asyncio.to_thread(scenario)
    await asyncio.sleep(0.2)
    assert (await inbox(pop3)).messages == 1


async def test_quit_without_deletions(pop3) -> None:
    await deliver(pop3.store, pop3.account, make_message())
    before = await inbox(pop3)

    def scenario() -> bytes:
        pop = pop3.login()
        pop.dele(1)
        pop.rset()
        return pop.quit()

    assert (await asyncio.to_thread(scenario)).endswith(b"(0 messages deleted)")
    assert (await inbox(pop3)).messages == before.messages


async def test_uidl_stable_across_sessions(pop3) -> None:
    for i in range(3):
        await deliver(pop3.store, pop3.account, make_message(f"m{i}"))

    def uidl() -> list[bytes]:
        pop = pop3.login()
        _, lines, _ = pop.uidl()
        pop.quit()
        return [line.split()[1] for line in lines]

    def delete_first() -> None:
        pop = pop3.login()
        pop.dele(1)
        pop.quit()

    first = await asyncio.to_thread(uidl)
    assert len(set(first)) == 3
    assert await asyncio.to_thread(uidl) == first
    await deliver(pop3.store, pop3.account, make_message("new"))
    second = await asyncio.to_thread(uidl)
    assert second[:3] == first and second[3] not in first
    await asyncio.to_thread(delete_first)
    third = await asyncio.to_thread(uidl)
    assert third == second[1:]  # numbers shift, ids stay
    await deliver(pop3.store, pop3.account, make_message("newer"))
    fourth = await asyncio.to_thread(uidl)
    assert fourth[-1] not in first + second  # never reused


async def test_retr_marks_seen_top_does_not(pop3) -> None:
    uids = [await deliver(pop3.store, pop3.account, make_message(f"m{i}")) for i in range(2)]

    def scenario() -> None:
        pop = pop3.login()
        pop.retr(1)
        pop.top(2, 5)
        pop.quit()

    await asyncio.to_thread(scenario)
    seen = await flags(pop3, uids)
    assert "\\Seen" in seen[uids[0]]
    assert "\\Seen" not in seen[uids[1]]
    box = await inbox(pop3)
    assert box.unseen == 1
    await counters_match_rows(pop3.store, pop3.account.id, box.id)


async def test_retr_seen_written_when_connection_drops(pop3) -> None:
    uid = await deliver(pop3.store, pop3.account, make_message())

    def scenario() -> None:
        pop = pop3.login()
        pop.retr(1)
        pop.close()

    await asyncio.to_thread(scenario)
    for _ in range(50):
        if "\\Seen" in (await flags(pop3, [uid]))[uid]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("\\Seen not written after the connection dropped")


async def test_retr_marks_seen_can_be_off(start_pop3) -> None:
    pop3 = await start_pop3(retr_marks_seen=False)
    uid = await deliver(pop3.store, pop3.account, make_message())

    def scenario() -> None:
        pop = pop3.login()
        pop.retr(1)
        pop.quit()

    await asyncio.to_thread(scenario)
    assert "\\Seen" not in (await flags(pop3, [uid]))[uid]


async def test_deleted_messages_are_not_marked_seen(pop3) -> None:
    uids = [await deliver(pop3.store, pop3.account, make_message(f"m{i}")) for i in range(2)]

    def scenario() -> None:
        pop = pop3.login()
        pop.retr(1)
        pop.retr(2)
        pop.dele(1)
        pop.quit()

    await asyncio.to_thread(scenario)
    assert await flags(pop3, uids) == {uids[1]: ("\\Seen",)}
