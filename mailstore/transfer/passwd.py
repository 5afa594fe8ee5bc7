"""Accounts from a Dovecot ``passwd-file`` (or a ``user:hash`` list), for migrations.

Each line is ``user:{SCHEME}hash[:uid:gid:gecos:home:shell:extra]`` (Dovecot's passwd-file
format); blank lines and ``#`` comments are skipped. A user without ``@`` takes the domain
given on the command line. Hashes are checked with :func:`normalize_hash` before anything is
written, so a file with an unsupported scheme is refused whole, naming the line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mailstore.addresses import normalize_address
from mailstore.errors import InvalidArgument
from mailstore.store.passwords import normalize_hash


@dataclass(frozen=True, slots=True)
class PasswdEntry:
    line: int
    address: str
    password_hash: str


def parse_passwd(lines: Iterable[str], domain: str | None = None) -> list[PasswdEntry]:
    """Every entry of the file; :class:`InvalidArgument` names the first bad line."""
    entries: list[PasswdEntry] = []
    seen: set[str] = set()
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        user, sep, rest = line.partition(":")
        if not sep or not user:
            raise InvalidArgument(f"line {number}: expected user:{{SCHEME}}hash")
        stored = rest.split(":", 1)[0]  # crypt and PHC strings never contain ":"
        if "@" not in user:
            if not domain:
                raise InvalidArgument(f"line {number}: {user!r} has no domain: use --domain")
            user = f"{user}@{domain}"
        try:
            address = normalize_address(user)
            password_hash = normalize_hash(stored)
        except InvalidArgument as exc:
            raise InvalidArgument(f"line {number}: {exc}") from None
        if address in seen:
            raise InvalidArgument(f"line {number}: {address} appears twice")
        seen.add(address)
        entries.append(PasswdEntry(number, address, password_hash))
    return entries
