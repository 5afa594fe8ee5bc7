"""Domains, accounts, aliases and recipient resolution (the hosting directory)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from mailstore.addresses import (
    normalize_address,
    normalize_alias_source,
    normalize_domain,
    split_address,
)
from mailstore.errors import AlreadyExists, Cannot, InvalidArgument, NotFound
from mailstore.store.db import Database
from mailstore.store.mailboxes import create_default_mailboxes, release_messages
from mailstore.store.passwords import Passwords, normalize_hash

#: Alias chains longer than this are treated as loops.
MAX_ALIAS_DEPTH = 10
#: Sub-address delimiter: ``user+tag@domain`` is delivered to ``user@domain``.
SUBADDRESS_DELIMITER = "+"


@dataclass(frozen=True, slots=True)
class Domain:
    id: int
    name: str
    accounts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    address: str
    quota_bytes: int | None
    used_bytes: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Alias:
    source: str
    target: str


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where mail for one address goes: local accounts and/or external addresses."""

    accounts: tuple[int, ...]
    external: tuple[str, ...]


class Directory:
    def __init__(self, db: Database, passwords: Passwords):
        self.db = db
        #: Accounts whose password hash is being upgraded by this process right now.
        self._rehashing: set[int] = set()
        self.passwords = passwords

    # -- domains -----------------------------------------------------------------------------
    async def add_domain(self, name: str) -> Domain:
        domain = normalize_domain(name)
        try:
            row = await self.db.fetchrow(
                "INSERT INTO domains (name) VALUES ($1) RETURNING id, name, created_at", domain
            )
        except asyncpg.UniqueViolationError:
            raise AlreadyExists(f"domain {domain} exists") from None
        assert row is not None
        return Domain(row["id"], row["name"], 0, row["created_at"])

    async def list_domains(self) -> list[Domain]:
        rows = await self.db.fetch(
            "SELECT d.id, d.name, d.created_at, count(a.id) AS n FROM domains d "
            "LEFT JOIN accounts a ON a.domain_id = d.id GROUP BY d.id ORDER BY d.name"
        )
        return [Domain(r["id"], r["name"], r["n"], r["created_at"]) for r in rows]

    async def remove_domain(self, name: str) -> None:
        domain = normalize_domain(name)
        try:
            status = await self.db.execute("DELETE FROM domains WHERE name = $1", domain)
        except (asyncpg.ForeignKeyViolationError, asyncpg.RestrictViolationError):
            raise Cannot(f"domain {domain} still has accounts; remove them first") from None
        if status == "DELETE 0":
            raise NotFound(f"no domain {domain}")

    async def is_local_domain(self, name: str) -> bool:
        try:
            domain = normalize_domain(name)
        except InvalidArgument:
            return False
        return bool(await self.db.fetchval("SELECT 1 FROM domains WHERE name = $1", domain))

    # -- accounts ----------------------------------------------------------------------------
    async def add_account(
        self,
        address: str,
        password: str | None,
        quota_bytes: int | None = None,
        *,
        password_hash: str | None = None,
    ) -> Account:
        """Create an account with a password, or with a hash imported from another server
        (``password_hash``, see :func:`normalize_hash`), re-hashed at its first login."""
        addr = normalize_address(address)
        _, domain = split_address(addr)
        if password_hash is not None:
            password_hash = normalize_hash(password_hash)
        elif password:
            password_hash = await self.passwords.hash(password)

        async def work(conn: asyncpg.Connection) -> Account:
            domain_id = await conn.fetchval("SELECT id FROM domains WHERE name = $1", domain)
            if domain_id is None:
                raise NotFound(f"no domain {domain}; add it with `mailstore domain add {domain}`")
            try:
                row = await conn.fetchrow(
                    "INSERT INTO accounts (domain_id, address, password_hash, quota_bytes) "
                    "VALUES ($1, $2, $3, $4) RETURNING id, created_at",
                    domain_id,
                    addr,
                    password_hash,
                    quota_bytes or None,
                )
            except asyncpg.UniqueViolationError:
                raise AlreadyExists(f"account {addr} exists") from None
            await create_default_mailboxes(conn, row["id"])
            return Account(row["id"], addr, quota_bytes or None, 0, row["created_at"])

        return await self.db.run(work)

    async def get_account(self, address: str) -> Account:
        addr = normalize_address(address)
        row = await self.db.fetchrow(
            "SELECT id, address, quota_bytes, used_bytes, created_at FROM accounts WHERE address = $1",
            addr,
        )
        if row is None:
            raise NotFound(f"no account {addr}")
        return Account(**dict(row))

    async def get_account_by_id(self, account_id: int) -> Account:
        row = await self.db.fetchrow(
            "SELECT id, address, quota_bytes, used_bytes, created_at FROM accounts WHERE id = $1",
            account_id,
        )
        if row is None:
            raise NotFound(f"no account {account_id}")
        return Account(**dict(row))

    async def list_accounts(self, domain: str | None = None) -> list[Account]:
        query = "SELECT a.id, a.address, a.quota_bytes, a.used_bytes, a.created_at FROM accounts a"
        args: list[object] = []
        if domain:
            query += " JOIN domains d ON d.id = a.domain_id WHERE d.name = $1"
            args.append(normalize_domain(domain))
        rows = await self.db.fetch(query + " ORDER BY a.address", *args)
        return [Account(**dict(r)) for r in rows]

    async def remove_account(self, address: str) -> None:
        """Delete the account and all its mail; bodies no longer used are freed."""
        addr = normalize_address(address)

        async def work(conn: asyncpg.Connection) -> None:
            account_id = await conn.fetchval(
                "SELECT id FROM accounts WHERE address = $1 FOR UPDATE", addr
            )
            if account_id is None:
                raise NotFound(f"no account {addr}")
            await release_messages(conn, "account_id = $1", account_id)
            await conn.execute("DELETE FROM accounts WHERE id = $1", account_id)

        await self.db.run(work)

    async def set_password(self, address: str, password: str) -> None:
        addr = normalize_address(address)
        password_hash = await self.passwords.hash(password)
        status = await self.db.execute(
            "UPDATE accounts SET password_hash = $2 WHERE address = $1", addr, password_hash
        )
        if status == "UPDATE 0":
            raise NotFound(f"no account {addr}")

    async def set_password_hash(self, address: str, password_hash: str) -> None:
        """Store a hash imported from another server as is; re-hashed at the next login."""
        addr = normalize_address(address)
        stored = normalize_hash(password_hash)
        status = await self.db.execute(
            "UPDATE accounts SET password_hash = $2 WHERE address = $1", addr, stored
        )
        if status == "UPDATE 0":
            raise NotFound(f"no account {addr}")

    async def authenticate(self, login: str, password: str) -> Account | None:
        """The account when the password matches; None otherwise (same cost either way).

        A matching hash that is not argon2id with our parameters (imported, or made before the
        parameters changed) is replaced by one that is, unless the password changed meanwhile.
        """
        try:
            addr = normalize_address(login)
        except InvalidArgument:
            addr = None
        row = None
        if addr is not None:
            row = await self.db.fetchrow(
                "SELECT id, address, quota_bytes, used_bytes, created_at, password_hash "
                "FROM accounts WHERE address = $1",
                addr,
            )
        stored = row["password_hash"] if row is not None else None
        ok = await self.passwords.verify(stored, password)
        if not ok or row is None or stored is None:
            return None
        if self.passwords.needs_rehash(stored) and row["id"] not in self._rehashing:
            # one re-hash per account at a time: a client opening ten connections at once
            # after a migration must not cost ten argon2 hashes
            self._rehashing.add(row["id"])
            try:
                fresh = await self.passwords.hash(password)
                await self.db.execute(
                    "UPDATE accounts SET password_hash = $2 WHERE id = $1 AND password_hash = $3",
                    row["id"],
                    fresh,
                    stored,
                )
            finally:
                self._rehashing.discard(row["id"])
        data = dict(row)
        data.pop("password_hash")
        return Account(**data)

    async def set_quota(self, address: str, quota_bytes: int | None) -> None:
        if quota_bytes is not None and quota_bytes < 0:
            raise InvalidArgument("quota must be positive (or none)")
        addr = normalize_address(address)
        status = await self.db.execute(
            "UPDATE accounts SET quota_bytes = $2 WHERE address = $1", addr, quota_bytes or None
        )
        if status == "UPDATE 0":
            raise NotFound(f"no account {addr}")

    # -- aliases -----------------------------------------------------------------------------
    async def add_alias(self, source: str, targets: list[str]) -> list[Alias]:
        src = normalize_alias_source(source)
        domain = src.rpartition("@")[2]
        tgts = [normalize_address(t) for t in targets]
        if not tgts:
            raise InvalidArgument("an alias needs at least one target")

        async def work(conn: asyncpg.Connection) -> list[Alias]:
            domain_id = await conn.fetchval("SELECT id FROM domains WHERE name = $1", domain)
            if domain_id is None:
                raise NotFound(f"no domain {domain}; add it with `mailstore domain add {domain}`")
            added = []
            for target in tgts:
                status = await conn.execute(
                    "INSERT INTO aliases (domain_id, source, target) VALUES ($1, $2, $3) "
                    "ON CONFLICT DO NOTHING",
                    domain_id,
                    src,
                    target,
                )
                if status.endswith(" 1"):
                    added.append(Alias(src, target))
            if not added:
                raise AlreadyExists(f"alias {src} -> {', '.join(tgts)} exists")
            return added

        return await self.db.run(work)

    async def list_aliases(self, domain: str | None = None) -> list[Alias]:
        query = "SELECT a.source, a.target FROM aliases a"
        args: list[object] = []
        if domain:
            query += " JOIN domains d ON d.id = a.domain_id WHERE d.name = $1"
            args.append(normalize_domain(domain))
        rows = await self.db.fetch(query + " ORDER BY a.source, a.target", *args)
        return [Alias(r["source"], r["target"]) for r in rows]

    async def remove_alias(self, source: str, target: str | None = None) -> int:
        src = normalize_alias_source(source)
        if target is None:
            status = await self.db.execute("DELETE FROM aliases WHERE source = $1", src)
        else:
            status = await self.db.execute(
                "DELETE FROM aliases WHERE source = $1 AND target = $2",
                src,
                normalize_address(target),
            )
        count = int(status.split()[-1])
        if count == 0:
            raise NotFound(f"no alias {src}" + (f" -> {target}" if target else ""))
        return count

    async def may_send_as(self, account_id: int, address: str) -> bool:
        """May this account use ``address`` as envelope sender or From: (submission)?

        Its own address (with any ``+tag``), or an alias whose target is exactly the account;
        never a catch-all (that would let a user claim every address of the domain).
        """
        try:
            local, domain = split_address(address)
        except InvalidArgument:
            return False
        own = await self.db.fetchval("SELECT address FROM accounts WHERE id = $1", account_id)
        if own is None:
            return False
        candidates = [f"{local}@{domain}"]
        if SUBADDRESS_DELIMITER in local:
            candidates.append(f"{local.split(SUBADDRESS_DELIMITER, 1)[0]}@{domain}")
        if own in candidates:
            return True
        return bool(
            await self.db.fetchval(
                "SELECT 1 FROM aliases WHERE source = ANY($1::text[]) AND target = $2",
                candidates,
                own,
            )
        )

    # -- resolution --------------------------------------------------------------------------
    async def resolve(self, address: str) -> Resolution | None:
        """Where mail to ``address`` goes; None when its domain is not local.

        Order, as Postfix's virtual maps: an alias for the exact address, then the account,
        then the same two for the address without its ``+tag``, then the domain's catch-all.
        Aliases expand recursively (to :data:`MAX_ALIAS_DEPTH`); loops are cut.
        Raises :class:`NotFound` for a local domain with no such recipient.
        """
        local, domain = split_address(address)
        async with self.db.connection() as conn:
            if not await conn.fetchval("SELECT 1 FROM domains WHERE name = $1", domain):
                return None
            accounts: dict[int, None] = {}
            external: dict[str, None] = {}
            found = await self._expand(conn, f"{local}@{domain}", accounts, external, set(), 0)
            if not found:
                raise NotFound(f"no such user here: {local}@{domain}")
            return Resolution(tuple(accounts), tuple(external))

    async def _expand(
        self,
        conn: asyncpg.Connection,
        address: str,
        accounts: dict[int, None],
        external: dict[str, None],
        seen: set[str],
        depth: int,
    ) -> bool:
        if address in seen or depth > MAX_ALIAS_DEPTH:
            return True  # a loop or a too-long chain: the address was handled earlier
        seen.add(address)
        local, _, domain = address.rpartition("@")
        candidates = [address]
        if SUBADDRESS_DELIMITER in local:
            candidates.append(f"{local.split(SUBADDRESS_DELIMITER, 1)[0]}@{domain}")
        for candidate in candidates:
            if await self._expand_exact(conn, candidate, accounts, external, seen, depth):
                return True
        catch_all = await conn.fetch("SELECT target FROM aliases WHERE source = $1", f"@{domain}")
        for row in catch_all:
            await self._expand_target(conn, row["target"], accounts, external, seen, depth)
        return bool(catch_all)

    async def _expand_exact(
        self,
        conn: asyncpg.Connection,
        address: str,
        accounts: dict[int, None],
        external: dict[str, None],
        seen: set[str],
        depth: int,
    ) -> bool:
        targets = await conn.fetch("SELECT target FROM aliases WHERE source = $1", address)
        if targets:
            for row in targets:
                target = row["target"]
                if target == address:
                    # an alias to itself keeps the mailbox and adds copies (Postfix idiom)
                    account_id = await conn.fetchval(
                        "SELECT id FROM accounts WHERE address = $1", address
                    )
                    if account_id is not None:
                        accounts[account_id] = None
                    continue
                await self._expand_target(conn, target, accounts, external, seen, depth)
            return True
        account_id = await conn.fetchval("SELECT id FROM accounts WHERE address = $1", address)
        if account_id is not None:
            accounts[account_id] = None
            return True
        return False

    async def _expand_target(
        self,
        conn: asyncpg.Connection,
        target: str,
        accounts: dict[int, None],
        external: dict[str, None],
        seen: set[str],
        depth: int,
    ) -> None:
        domain = target.rpartition("@")[2]
        if await conn.fetchval("SELECT 1 FROM domains WHERE name = $1", domain):
            await self._expand(conn, target, accounts, external, seen, depth + 1)
        else:
            external[target] = None
