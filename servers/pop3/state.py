"""Session state as a sum type (RFC 1939 §3): AUTHORIZATION, TRANSACTION, UPDATE.

Maildrop fields exist only once the client is in TRANSACTION; the dispatch table names the
states each command is valid in, and handlers narrow with ``match``.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailstore.store import Account

from .backend import Maildrop


@dataclass(frozen=True, slots=True)
class Authorization:
    """RFC 1939 §4; ``user`` is the name of an accepted USER awaiting its PASS."""

    user: str | None = None


@dataclass(frozen=True, slots=True)
class Transaction:
    """RFC 1939 §5: logged in, maildrop locked and its message list fixed."""

    account: Account
    maildrop: Maildrop


@dataclass(frozen=True, slots=True)
class Update:
    """RFC 1939 §6: QUIT was given in TRANSACTION; the deletions are being applied."""

    account: Account
    maildrop: Maildrop


State = Authorization | Transaction | Update
