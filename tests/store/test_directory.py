"""Domains, accounts, passwords, aliases and recipient resolution."""

import pytest

from mailstore.errors import AlreadyExists, Cannot, InvalidArgument, NotFound


async def test_domains_add_list_remove(store):
    await store.directory.add_domain("Example.ORG.")
    await store.directory.add_domain("bücher.example")
    names = [d.name for d in await store.directory.list_domains()]
    assert names == ["example.org", "xn--bcher-kva.example"]
    with pytest.raises(AlreadyExists):
        await store.directory.add_domain("example.org")
    with pytest.raises(InvalidArgument):
        await store.directory.add_domain("bad domain")
    await store.directory.remove_domain("xn--bcher-kva.example")
    with pytest.raises(NotFound):
        await store.directory.remove_domain("nope.example")


async def test_domain_with_accounts_cannot_be_removed(store, account):
    with pytest.raises(Cannot):
        await store.directory.remove_domain("example.org")


async def test_new_account_gets_special_use_mailboxes(store, account):
    boxes = {m.name: m.special_use for m in await store.mailboxes.list(account.id)}
    assert boxes == {
        "INBOX": None,
        "Sent": "\\Sent",
        "Drafts": "\\Drafts",
        "Trash": "\\Trash",
        "Junk": "\\Junk",
        "Archive": "\\Archive",
    }
    assert await store.mailboxes.subscriptions(account.id) == sorted(boxes)


async def test_account_needs_domain_and_is_unique(store, account):
    with pytest.raises(NotFound):
        await store.directory.add_account("x@other.example", "pw")
    with pytest.raises(AlreadyExists):
        await store.directory.add_account("BOB@example.org", "pw")


async def test_authenticate(store, account):
    ok = await store.directory.authenticate("Bob@Example.org", "secret")
    assert ok is not None and ok.id == account.id
    assert await store.directory.authenticate("bob@example.org", "wrong") is None
    assert await store.directory.authenticate("nobody@example.org", "secret") is None
    assert await store.directory.authenticate("not an address", "secret") is None
    await store.directory.set_password("bob@example.org", "new")
    assert await store.directory.authenticate("bob@example.org", "secret") is None
    assert await store.directory.authenticate("bob@example.org", "new") is not None


async def test_stored_password_is_argon2id(store, account):
    stored = await store.db.fetchval("SELECT password_hash FROM accounts WHERE id = $1", account.id)
    assert stored.startswith("$argon2id$")
    assert "secret" not in stored


async def test_resolve_account_subaddress_and_unknown(store, account):
    r = await store.directory.resolve("bob@example.org")
    assert r.accounts == (account.id,) and r.external == ()
    r = await store.directory.resolve("Bob+lists@EXAMPLE.org")
    assert r.accounts == (account.id,)
    with pytest.raises(NotFound):
        await store.directory.resolve("carol@example.org")
    assert await store.directory.resolve("bob@elsewhere.example") is None


async def test_resolve_aliases(store, account):
    carol = await store.directory.add_account("carol@example.org", "pw")
    await store.directory.add_alias(
        "team@example.org", ["bob@example.org", "carol@example.org", "ext@remote.example"]
    )
    await store.directory.add_alias("postmaster@example.org", ["team@example.org"])
    r = await store.directory.resolve("postmaster@example.org")
    assert set(r.accounts) == {account.id, carol.id}
    assert r.external == ("ext@remote.example",)
    # catch-all takes what matches nothing else
    await store.directory.add_alias("@example.org", ["carol@example.org"])
    r = await store.directory.resolve("anything@example.org")
    assert r.accounts == (carol.id,)
    r = await store.directory.resolve("bob@example.org")
    assert r.accounts == (account.id,)


async def test_alias_loop_terminates(store, account):
    await store.directory.add_alias("a@example.org", ["b@example.org"])
    await store.directory.add_alias("b@example.org", ["a@example.org", "bob@example.org"])
    r = await store.directory.resolve("a@example.org")
    assert r.accounts == (account.id,)


async def test_alias_list_and_remove(store, account):
    await store.directory.add_alias("x@example.org", ["bob@example.org", "y@remote.example"])
    with pytest.raises(AlreadyExists):
        await store.directory.add_alias("x@example.org", ["bob@example.org"])
    aliases = [(a.source, a.target) for a in await store.directory.list_aliases()]
    assert aliases == [("x@example.org", "bob@example.org"), ("x@example.org", "y@remote.example")]
    assert await store.directory.remove_alias("x@example.org", "y@remote.example") == 1
    assert await store.directory.remove_alias("x@example.org") == 1
    with pytest.raises(NotFound):
        await store.directory.remove_alias("x@example.org")


async def test_quota_set_and_reject_negative(store, account):
    await store.directory.set_quota("bob@example.org", 1000)
    assert (await store.directory.get_account("bob@example.org")).quota_bytes == 1000
    await store.directory.set_quota("bob@example.org", None)
    assert (await store.directory.get_account("bob@example.org")).quota_bytes is None
    with pytest.raises(InvalidArgument):
        await store.directory.set_quota("bob@example.org", -1)


async def test_may_send_as(store, account):
    await store.directory.add_account("carol@example.org", "pw")
    await store.directory.add_alias("sales@example.org", ["bob@example.org", "carol@example.org"])
    await store.directory.add_alias("@example.org", ["bob@example.org"])
    may = store.directory.may_send_as
    assert await may(account.id, "bob@example.org")
    assert await may(account.id, "Bob+news@Example.ORG")
    assert await may(account.id, "sales@example.org")
    assert await may(account.id, "sales+x@example.org")
    assert not await may(account.id, "carol@example.org")
    assert not await may(account.id, "anything@example.org")  # catch-all does not count
    assert not await may(account.id, "not an address")
