"""Password hashes: ours (argon2id, explicit parameters) and those imported from other servers
({SHA512-CRYPT}, {SHA256-CRYPT}, {BLF-CRYPT}, {ARGON2ID}), re-hashed at the next login."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from mailstore.errors import InvalidArgument
from mailstore.store import Passwords
from mailstore.store.passwords import UnsupportedHash, normalize_hash
from mailstore.transfer.passwd import parse_passwd
from tests.conftest import FAST_PASSWORDS

# Published test vectors: Drepper's SHA-crypt specification and OpenBSD's bcrypt tests.
SHA512 = (
    "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdF"
    "CoEOfaS35inz1"
)
SHA256 = "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
BCRYPT = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"

VECTORS = [
    ("{SHA512-CRYPT}" + SHA512, "Hello world!"),
    (SHA512, "Hello world!"),
    ("{SHA256-CRYPT}" + SHA256, "Hello world!"),
    ("{BLF-CRYPT}" + BCRYPT, "U*U"),
    ("{BLF-CRYPT}" + BCRYPT.replace("$2a$", "$2y$"), "U*U"),  # Dovecot writes $2y$
    (BCRYPT.replace("$2a$", "$2b$"), "U*U"),
]


@pytest.mark.parametrize(("stored", "password"), VECTORS)
async def test_imported_vectors_verify(stored: str, password: str) -> None:
    assert await FAST_PASSWORDS.verify(stored, password) is True
    assert await FAST_PASSWORDS.verify(stored, password + "x") is False
    assert await FAST_PASSWORDS.verify(stored, password[:-1]) is False
    assert FAST_PASSWORDS.needs_rehash(normalize_hash(stored)) is True


@pytest.mark.parametrize(
    "stored",
    [
        "{PLAIN}secret",
        "{MD5-CRYPT}$1$salt$hash",
        "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
        "{SSHA512}abcd",
        "secret",
        "{SHA512-CRYPT}$2y$05$notsha",  # scheme and form disagree
        "{SHA512-CRYPT",
        "",
    ],
)
async def test_unsupported_hashes_are_refused(stored: str) -> None:
    with pytest.raises(UnsupportedHash):
        normalize_hash(stored)
    assert await FAST_PASSWORDS.verify(stored, "secret") is False


async def test_bcrypt_reads_72_octets_like_every_bcrypt() -> None:
    import bcrypt

    long = "p" * 72
    stored = bcrypt.hashpw(long.encode(), bcrypt.gensalt(4)).decode()
    assert await FAST_PASSWORDS.verify(stored, long + "ignored tail") is True
    assert await FAST_PASSWORDS.verify(stored, long[:-1]) is False


async def test_our_hashes_carry_the_configured_parameters() -> None:
    passwords = Passwords(time_cost=2, memory_cost_kib=2048, parallelism=1)
    stored = await passwords.hash("pw")
    assert stored.startswith("$argon2id$v=19$m=2048,t=2,p=1$")
    assert passwords.needs_rehash(stored) is False
    assert FAST_PASSWORDS.needs_rehash(stored) is True  # other parameters: re-hash


async def _stored_hash(store, address: str) -> str:  # type: ignore[no-untyped-def]
    return await store.db.fetchval("SELECT password_hash FROM accounts WHERE address = $1", address)


@pytest.mark.parametrize(("stored", "password"), VECTORS[:1] + VECTORS[3:4])
async def test_imported_account_logs_in_and_is_rehashed(store, stored, password) -> None:  # type: ignore[no-untyped-def]
    await store.directory.add_domain("example.org")
    await store.directory.add_account("old@example.org", None, password_hash=stored)
    assert await _stored_hash(store, "old@example.org") == normalize_hash(stored)

    assert await store.directory.authenticate("old@example.org", password + "!") is None
    assert await _stored_hash(store, "old@example.org") == normalize_hash(stored)  # untouched

    account = await store.directory.authenticate("old@example.org", password)
    assert account is not None and account.address == "old@example.org"
    fresh = await _stored_hash(store, "old@example.org")
    assert fresh.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert FAST_PASSWORDS.needs_rehash(fresh) is False
    # the new hash still takes the same password, and only it
    assert await store.directory.authenticate("old@example.org", password) is not None
    assert await store.directory.authenticate("old@example.org", password + "!") is None
    assert await _stored_hash(store, "old@example.org") == fresh  # no second re-hash


async def test_argon2id_with_other_parameters_is_rehashed(store) -> None:  # type: ignore[no-untyped-def]
    theirs = PasswordHasher(time_cost=2, memory_cost=4096, parallelism=2).hash("pw")
    await store.directory.add_domain("example.org")
    await store.directory.add_account("a@example.org", None, password_hash="{ARGON2ID}" + theirs)
    assert await store.directory.authenticate("a@example.org", "pw") is not None
    fresh = await _stored_hash(store, "a@example.org")
    assert fresh != theirs and fresh.startswith("$argon2id$v=19$m=1024,t=1,p=1$")


async def test_set_password_hash_refuses_unknown_schemes(store, account) -> None:  # type: ignore[no-untyped-def]
    before = await _stored_hash(store, "bob@example.org")
    with pytest.raises(InvalidArgument):
        await store.directory.set_password_hash("bob@example.org", "{PLAIN}secret")
    assert await _stored_hash(store, "bob@example.org") == before
    await store.directory.set_password_hash("bob@example.org", "{SHA512-CRYPT}" + SHA512)
    assert await store.directory.authenticate("bob@example.org", "secret") is None
    assert await store.directory.authenticate("bob@example.org", "Hello world!") is not None


def test_parse_passwd_file() -> None:
    lines = [
        "# Dovecot passwd-file",
        "",
        f"alice@example.org:{{SHA512-CRYPT}}{SHA512}:1000:1000::/home/alice::",
        f"carol:{{BLF-CRYPT}}{BCRYPT}",
        f"Dave@Example.ORG:{SHA256}:::",
    ]
    entries = parse_passwd(lines, domain="example.org")
    assert [(e.line, e.address, e.password_hash) for e in entries] == [
        (3, "alice@example.org", SHA512),
        (4, "carol@example.org", BCRYPT),
        (5, "dave@example.org", SHA256),
    ]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["carol@x.org:{PLAIN}x"], "line 1: unsupported password scheme {PLAIN}"),
        (["carol"], "line 1: expected user:{SCHEME}hash"),
        ([f"carol:{SHA256}"], "line 1: 'carol' has no domain: use --domain"),
        ([f"a@x.org:{SHA256}", f"A@x.org:{SHA256}"], "line 2: a@x.org appears twice"),
    ],
)
def test_parse_passwd_errors(lines: list[str], message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        parse_passwd(lines)
    assert str(info.value) == message
