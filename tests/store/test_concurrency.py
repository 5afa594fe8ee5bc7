"""Concurrent writers on one mailbox keep counters, uids and modseqs exact."""

import asyncio
import random

from mailstore.store import FlagOp, Target, prepare
from tests.store.helpers import counters_match_rows, make_message

WRITERS = 6
PER_WRITER = 25


async def test_concurrent_delivery_flags_expunge(store, account):
    carol = await store.directory.add_account("carol@example.org", "pw")
    inbox = await store.mailboxes.get(account.id, "INBOX")
    shared = await prepare(make_message(subject="shared by all"))

    async def writer(n: int) -> list[int]:
        uids = []
        for i in range(PER_WRITER):
            msg = shared if i % 5 == 0 else await prepare(make_message(subject=f"w{n} m{i}"))
            results = await store.ingest.deliver(msg, [Target(account.id), Target(carol.id)])
            uids.append(results[0].uid)
        return uids

    async def flagger(seed: int) -> None:
        rnd = random.Random(seed)
        for _ in range(30):
            uids = await store.messages.uids(account.id, inbox.id)
            if uids:
                pick = rnd.sample(uids, min(5, len(uids)))
                op = rnd.choice([FlagOp.ADD, FlagOp.REMOVE])
                await store.messages.store_flags(
                    account.id, inbox.id, pick, op, ["\\Seen", "\\Deleted"]
                )
            await asyncio.sleep(0)

    async def expunger() -> None:
        for _ in range(10):
            await store.messages.expunge(account.id, inbox.id)
            await asyncio.sleep(0.01)

    results = await asyncio.gather(
        *(writer(n) for n in range(WRITERS)), flagger(1), flagger(2), expunger()
    )
    all_uids = [u for r in results[:WRITERS] for u in r]
    assert sorted(all_uids) == list(range(1, WRITERS * PER_WRITER + 1))
    box = await store.mailboxes.get(account.id, "INBOX")
    assert box.uidnext == WRITERS * PER_WRITER + 1
    await counters_match_rows(store, account.id, inbox.id)
    carol_box = await store.mailboxes.get(carol.id, "INBOX")
    assert carol_box.messages == WRITERS * PER_WRITER
    await counters_match_rows(store, carol.id, carol_box.id)
    # modseqs never exceed the mailbox's, expunged uids are never live
    live = set(await store.messages.uids(account.id, inbox.id))
    gone = {
        r["uid"]
        for r in await store.db.fetch("SELECT uid FROM expunged WHERE mailbox_id = $1", inbox.id)
    }
    assert not live & gone
    assert len(live) + len(gone) == WRITERS * PER_WRITER
    # every body's refcount equals the rows that use it
    bad = await store.db.fetchval(
        "SELECT count(*) FROM bodies b WHERE refcount <> "
        "(SELECT count(*) FROM messages m WHERE m.body_id = b.id)"
    )
    assert bad == 0
