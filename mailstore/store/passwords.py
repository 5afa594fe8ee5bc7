"""Password hashing: argon2id for our own hashes, plus verification of hashes imported from
other servers, re-hashed to our parameters at the next successful login.

Our hashes are argon2id PHC strings (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``) made with
the explicit parameters of ``[auth] argon2_*``. Migrated accounts may carry what Dovecot or a
system ``shadow`` file stored, with or without Dovecot's ``{SCHEME}`` prefix:

* ``{SHA512-CRYPT}`` / ``$6$`` and ``{SHA256-CRYPT}`` / ``$5$``: glibc SHA-crypt (libpass);
* ``{BLF-CRYPT}`` / ``$2a$ $2b$ $2y$``: bcrypt (the ``bcrypt`` package; like every bcrypt
  implementation it only reads the first 72 octets of the password);
* ``{ARGON2ID}`` / ``{ARGON2I}`` / ``$argon2id$``, ``$argon2i$``: argon2 with any parameters.

Anything else (plain text, MD5-crypt, unknown schemes) is refused rather than guessed at: such
an account needs a new password set by the admin. Every hashing and verification runs in a
thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import bcrypt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from passlib.hash import sha256_crypt, sha512_crypt

from mailstore.errors import InvalidArgument

#: Hash verified when the account does not exist, so timing does not tell whether it does.
_DUMMY_PASSWORD = "mailstore-dummy-password"

#: Dovecot scheme prefixes we accept, and the PHC/crypt prefixes each may carry.
_SCHEMES: dict[str, tuple[str, ...]] = {
    "ARGON2ID": ("$argon2id$",),
    "ARGON2I": ("$argon2i$",),
    "SHA512-CRYPT": ("$6$",),
    "SHA256-CRYPT": ("$5$",),
    "BLF-CRYPT": ("$2a$", "$2b$", "$2y$"),
}


class UnsupportedHash(InvalidArgument):
    """A stored or imported hash in a scheme we do not verify."""


def normalize_hash(stored: str) -> str:
    """``stored`` without a Dovecot ``{SCHEME}`` prefix, checked to be a scheme we verify.

    Raises :class:`UnsupportedHash` (naming the scheme) for anything else, so an import of a
    password file fails loudly instead of storing hashes nobody can log in with.
    """
    text = stored.strip()
    scheme = ""
    if text.startswith("{"):
        end = text.find("}")
        if end < 0:
            raise UnsupportedHash("unterminated {SCHEME} prefix")
        scheme, text = text[1:end].upper(), text[end + 1 :]
        if scheme not in _SCHEMES:
            raise UnsupportedHash(f"unsupported password scheme {{{scheme}}}")
        prefixes = _SCHEMES[scheme]
    else:
        prefixes = tuple(p for ps in _SCHEMES.values() for p in ps)
    if not text.startswith(prefixes):
        what = f"{{{scheme}}} " if scheme else ""
        raise UnsupportedHash(f"{what}hash is not in a supported form ({text[:8]}...)")
    return text


def _verify_bcrypt(stored: str, password: str) -> bool:
    # bcrypt >= 4.1 refuses passwords over 72 octets; every bcrypt (Dovecot's included) hashed
    # only the first 72, so cut there to verify what the other server stored.
    return bcrypt.checkpw(password.encode()[:72], stored.encode("ascii"))


def _verifier(stored: str) -> Callable[[str, str], bool] | None:
    if stored.startswith("$6$"):
        return lambda h, p: bool(sha512_crypt.verify(p, h))
    if stored.startswith("$5$"):
        return lambda h, p: bool(sha256_crypt.verify(p, h))
    if stored.startswith(("$2a$", "$2b$", "$2y$")):
        return _verify_bcrypt
    return None


class Passwords:
    def __init__(self, time_cost: int = 3, memory_cost_kib: int = 65536, parallelism: int = 1):
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
        )
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        """True when ``password`` matches ``stored``; an unknown account (``stored`` None)
        costs one argon2 verification with our parameters, as a known one does."""
        if stored is None:
            if self._dummy is None:
                self._dummy = await self.hash(_DUMMY_PASSWORD)
            stored = self._dummy
            password = password + "\0no-such-account"
        try:
            text = normalize_hash(stored)
        except UnsupportedHash:
            return False
        other = _verifier(text)
        try:
            if other is not None:
                return await asyncio.to_thread(other, text, password)
            return await asyncio.to_thread(self._hasher.verify, text, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError, ValueError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True unless ``stored`` is an argon2id hash with exactly our parameters."""
        if not stored.startswith("$argon2id$"):
            return True
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True
