from mailstore.store import Target, prepare
from tests.store.helpers import make_message


async def test_deliver_and_fetch(store, account):
    raw = make_message()
    results = await store.ingest.deliver(await prepare(raw), [Target(account.id)])
    stored = results[0]
    assert stored.uid == 1
    rows = [r async for r in store.messages.fetch(account.id, stored.mailbox_id, [1], raw=True, envelope=True)]
    assert rows[0].raw == raw
    assert rows[0].envelope[1] == "Hello"
