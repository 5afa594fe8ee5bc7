"""DKIM signing policy for outgoing mail, and the keys it signs with.

Mail whose ``From:`` domain has keys is signed with every key of that domain, so a domain
with an RSA and an Ed25519 key sends both signatures (RFC 8463 §1 recommends this while
verifiers learn Ed25519); the cryptography is ``mailstore.mailauth.dkim.sign`` (dkimpy,
relaxed/relaxed). Mail from other domains (forwarded mail) is sent unsigned.

Keys are PEM files: each ``<home>/<[dkim] key_dir>/<domain>/<selector>.pem``, plus any listed
in ``[dkim] keys`` as ``"domain:selector:path"``. :func:`keygen` makes one (RSA 2048 or Ed25519)
and returns the TXT record to publish at ``<selector>._domainkey.<domain>``.

Signing happens when a message is sent (per destination), not when it is queued: the stored
body stays the one shared with local copies, and a key added or rotated applies to mail
already waiting.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from mailstore.addresses import normalize_domain
from mailstore.config import Config, ConfigError
from mailstore.errors import InvalidArgument
from mailstore.mailauth import dkim
from mailstore.mailauth.author import ambiguity
from mailstore.message.headers import find_header_end, parse_fields, unfold

log = logging.getLogger(__name__)

Algorithm = Literal["rsa", "ed25519"]
#: RFC 6376 §3.1: a selector is one or more dot-separated DNS labels.
_SELECTOR = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
#: RFC 8301 §3.2: signers MUST use RSA keys of at least 1024 bits, SHOULD use 2048.
RSA_BITS = 2048


@dataclass(frozen=True, slots=True)
class SigningKey:
    domain: str
    selector: str
    path: Path
    pem: bytes

    @property
    def algorithm(self) -> str:
        return "ed25519-sha256" if "k=ed25519" in self.record else "rsa-sha256"

    @property
    def record(self) -> str:
        """The TXT record to publish at ``<selector>._domainkey.<domain>``."""
        return dkim.public_key_record(self.pem)

    @property
    def record_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"


class Signer:
    """The configured keys by domain; :meth:`sign` adds the signatures a message gets."""

    def __init__(self, keys: list[SigningKey]):
        self.keys = keys
        self._by_domain: dict[str, list[SigningKey]] = {}
        for key in keys:
            self._by_domain.setdefault(key.domain, []).append(key)

    @classmethod
    def from_config(cls, config: Config) -> Signer:
        """Load every key file; raises :class:`ConfigError` naming a bad one."""
        found: dict[tuple[str, str], Path] = {}
        folder = key_folder(config)
        if folder.is_dir():
            for path in sorted(folder.glob("*/*.pem")):
                found[(path.parent.name.lower(), path.stem)] = path
        for entry in config.dkim.keys:
            domain, selector, name = entry.split(":", 2)
            path = Path(name) if Path(name).is_absolute() else config.home / name
            found[(domain.lower(), selector)] = path
        keys = []
        for (domain, selector), path in sorted(found.items()):
            keys.append(_load(domain, selector, path))
        return cls(keys)

    def keys_for(self, domain: str) -> list[SigningKey]:
        return self._by_domain.get(domain.lower(), [])

    def signing_domain(self, raw: bytes) -> str | None:
        """The ``From:`` domain when it has keys (RFC 7489 §3.1 alignment), else None."""
        if not self._by_domain:
            return None
        domain = from_domain(raw)
        return domain if domain and domain in self._by_domain else None

    def sign(self, raw: bytes) -> bytes:
        """``raw`` with a DKIM-Signature per key of its From: domain prepended (or as is)."""
        domain = self.signing_domain(raw)
        if domain is None:
            return raw
        fields = b""
        for key in self._by_domain[domain]:
            try:
                fields += dkim.sign(raw, key.selector, key.domain, key.pem)
            except dkim.DKIMSignError as exc:
                log.error("DKIM signing with %s failed: %s", key.record_name, exc)
        return fields + raw

    async def sign_async(self, raw: bytes) -> bytes:
        """:meth:`sign` in a worker thread when there is anything to sign (CPU-bound)."""
        if self.signing_domain(raw) is None:
            return raw
        return await asyncio.to_thread(self.sign, raw)


def from_domain(raw: bytes) -> str | None:
    """The normalised domain of the first ``From:`` address, if any."""
    header_end = find_header_end(raw, 0, len(raw))
    for name, value in parse_fields(raw, 0, header_end):
        if name != "from":
            continue
        text = unfold(value).decode("utf-8", "replace")
        if ambiguity(text) is not None:  # CVE-2023-27043 class: no guess, no signature
            return None
        for _, address in email.utils.getaddresses([text]):
            if "@" in address:
                try:
                    return normalize_domain(address.rpartition("@")[2])
                except InvalidArgument:
                    return None
        return None
    return None


def key_folder(config: Config) -> Path:
    folder = Path(config.dkim.key_dir)
    return folder if folder.is_absolute() else config.home / folder


def generate_key(algorithm: Algorithm) -> bytes:
    """A new private key as PKCS#8 PEM: RSA 2048 bits or Ed25519."""
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    if algorithm == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    elif algorithm == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
    else:
        raise InvalidArgument(f"unknown DKIM algorithm {algorithm!r} (rsa or ed25519)")
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def keygen(config: Config, domain: str, selector: str, algorithm: Algorithm) -> SigningKey:
    """Write a new key to ``<key_dir>/<domain>/<selector>.pem`` (mode 0600), never over one."""
    domain = normalize_domain(domain)
    if not _SELECTOR.match(selector):
        raise InvalidArgument(f"invalid selector {selector!r} (DNS labels: letters, digits, -)")
    folder = key_folder(config) / domain
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{selector}.pem"
    pem = generate_key(algorithm)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidArgument(f"{path} exists; choose another selector") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return SigningKey(domain, selector, path, pem)


def _load(domain: str, selector: str, path: Path) -> SigningKey:
    try:
        pem = path.read_bytes()
        key = SigningKey(normalize_domain(domain), selector, path, pem)
        key.record  # noqa: B018 - parses the key: a bad file stops the program here
    except (OSError, InvalidArgument, dkim.DKIMSignError) as exc:
        raise ConfigError(f"dkim key {domain}/{selector} ({path}): {exc}") from None
    return key
