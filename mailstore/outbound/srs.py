"""Sender Rewriting Scheme (Shevek's SRS, as libsrs2 and postsrsd implement it).

When an alias forwards mail from an external sender to an external address, sending it on
with the original envelope sender would fail the sender domain's SPF at the next hop. The
forwarder therefore rewrites the envelope sender into an address of its own domain that
encodes the original and can be reversed when a bounce comes back:

* ``SRS0=HHHH=TT=orig.domain=orig-local@srs.domain`` for a plain sender: ``TT`` is the day
  (days since the epoch mod 1024, two base32 characters), ``HHHH`` the first four base64
  characters of HMAC-SHA1(secret, TT + domain + local) over the lower-cased text.
* ``SRS1=HHHH=first.hop==HHHH'=TT=domain=local@srs.domain`` when the sender is already an SRS0
  address of another forwarder (``first.hop``): the bounce is sent back to that forwarder,
  which checks its own hash and timestamp. A sender that is an SRS1 address keeps its first
  hop and gets our hash.

Reversal checks the hash (case-insensitively: the address may have been lower-cased on the
way) against the current secret and any older ones, and an SRS0 address's age against
``[srs] max_age`` days; a forged or expired address raises :class:`SRSError`, and the MX refuses
the recipient.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Sequence

from mailstore.config import Config

_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_SLOTS = 1024  # two base32 characters
_DAY = 86400
HASH_LENGTH = 4


class SRSError(ValueError):
    """Not a valid SRS address of ours: malformed, forged (bad hash) or expired."""


def is_srs(address: str) -> bool:
    local = address.rpartition("@")[0]
    return local[:5].upper() in ("SRS0=", "SRS1=")


class SRS:
    def __init__(
        self,
        secret: str,
        domain: str,
        *,
        old_secrets: Sequence[str] = (),
        max_age_days: int = 21,
        clock: Callable[[], float] | None = None,
    ):
        if not secret:
            raise ValueError("SRS needs a secret")
        self.secrets = [s.encode() for s in (secret, *old_secrets) if s]
        self.domain = domain.lower()
        self.max_age_days = max_age_days
        self._time = clock or time.time

    @classmethod
    def from_config(cls, config: Config) -> SRS | None:
        """The configured scheme, or None when ``[srs] secret`` is empty (SRS off)."""
        if not config.srs.secret:
            return None
        return cls(
            config.srs.secret,
            config.srs.domain or config.server.hostname,
            old_secrets=config.srs.old_secrets,
            max_age_days=config.srs.max_age,
        )

    # -- forward -------------------------------------------------------------------------------
    def forward(self, sender: str) -> str:
        """The envelope sender to use when forwarding mail from ``sender``."""
        local, at, domain = sender.rpartition("@")
        if not at or not local:
            raise SRSError(f"not an address: {sender!r}")
        if domain.lower() == self.domain:
            return sender  # ours already
        tag = local[:5].upper()
        if tag == "SRS0=":
            return self._srs1(domain, local[4:])  # "=HHHH=TT=domain=local"
        if tag == "SRS1=":
            parts = local[5:].split("=", 2)  # HHHH, first hop, "=rest"
            if len(parts) == 3 and parts[1]:
                return self._srs1(parts[1], parts[2])
        stamp = self._timestamp()
        digest = self._hash(self.secrets[0], stamp, domain, local)
        return f"SRS0={digest}={stamp}={domain}={local}@{self.domain}"

    def _srs1(self, first_hop: str, rest: str) -> str:
        digest = self._hash(self.secrets[0], first_hop, rest)
        return f"SRS1={digest}={first_hop}={rest}@{self.domain}"

    # -- reverse -------------------------------------------------------------------------------
    def reverse(self, address: str) -> str:
        """Where a bounce to ``address`` goes; raises :class:`SRSError` when it is not ours."""
        local, _, domain = address.rpartition("@")
        if domain.lower() != self.domain:
            raise SRSError(f"{address}: not in the SRS domain {self.domain}")
        tag = local[:5].upper()
        if tag == "SRS0=":
            return self._reverse0(local[5:])
        if tag == "SRS1=":
            return self._reverse1(local[5:])
        raise SRSError(f"{address}: not an SRS address")

    def _reverse0(self, text: str) -> str:
        parts = text.split("=", 3)
        if len(parts) != 4 or not all(parts):
            raise SRSError("malformed SRS0 address")
        digest, stamp, domain, local = parts
        self._check_hash(digest, stamp, domain, local)
        self._check_age(stamp)
        return f"{local}@{domain}"

    def _reverse1(self, text: str) -> str:
        parts = text.split("=", 2)
        if len(parts) != 3 or not parts[0] or not parts[1] or not parts[2].startswith("="):
            raise SRSError("malformed SRS1 address")
        digest, first_hop, rest = parts
        self._check_hash(digest, first_hop, rest)
        return f"SRS0{rest}@{first_hop}"

    # -- pieces --------------------------------------------------------------------------------
    def _timestamp(self, now: float | None = None) -> str:
        day = int((now if now is not None else self._time()) // _DAY) % _SLOTS
        return _BASE32[day // 32] + _BASE32[day % 32]

    def _check_age(self, stamp: str) -> None:
        stamp = stamp.upper()
        if len(stamp) != 2 or any(c not in _BASE32 for c in stamp):
            raise SRSError("malformed SRS timestamp")
        then = _BASE32.index(stamp[0]) * 32 + _BASE32.index(stamp[1])
        today = int(self._time() // _DAY) % _SLOTS
        if (today - then) % _SLOTS > self.max_age_days:
            raise SRSError("SRS address expired")

    def _check_hash(self, digest: str, *data: str) -> None:
        for secret in self.secrets:
            expected = self._hash(secret, *data)
            if hmac.compare_digest(expected.lower().encode(), digest.lower().encode()):
                return
        raise SRSError("SRS hash does not match (forged address)")

    @staticmethod
    def _hash(secret: bytes, *data: str) -> str:
        mac = hmac.new(secret, digestmod=hashlib.sha1)
        for piece in data:
            mac.update(piece.lower().encode("utf-8"))
        return base64.b64encode(mac.digest()).decode("ascii")[:HASH_LENGTH]
