"""``mailstore check``: the TLS certificate of ``[tls]`` (or the self-signed one ``serve`` made).

Readable, parseable, the key belongs to the certificate, valid now, and not about to expire:
an expired certificate makes STARTTLS fail for every verifying client and MTA-STS sender, so it
is an error; under :data:`EXPIRY_WARNING` left it is a warning (renewal may be failing).
"""

from __future__ import annotations

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mailstore.config import Config
from mailstore.ops.checkline import CheckLine

#: Warn when a certificate expires within this.
EXPIRY_WARNING = datetime.timedelta(days=14)


def check_certificate(config: Config, now: datetime.datetime | None = None) -> list[CheckLine]:
    """The lines for the configured certificate and key (or the self-signed pair)."""
    if config.tls.cert or config.tls.key:
        if not (config.tls.cert and config.tls.key):
            return [CheckLine("tls", "error", "set both tls.cert and tls.key, or neither")]
        cert_path, key_path = Path(config.tls.cert), Path(config.tls.key)
    else:
        cert_path = config.home / "tls" / "selfsigned.crt"
        key_path = config.home / "tls" / "selfsigned.key"
        if not cert_path.exists():
            return [
                CheckLine(
                    "tls",
                    "warn",
                    "no [tls] certificate: serve will make a self-signed one",
                    "set tls.cert and tls.key (e.g. Let's Encrypt's fullchain.pem/privkey.pem)",
                )
            ]
    return _check_pair(config, cert_path, key_path, now or datetime.datetime.now(datetime.UTC))


def _check_pair(
    config: Config, cert_path: Path, key_path: Path, now: datetime.datetime
) -> list[CheckLine]:
    try:
        chain = x509.load_pem_x509_certificates(cert_path.read_bytes())
    except OSError as exc:
        return [CheckLine("tls", "error", f"cannot read certificate {cert_path}: {exc.strerror}")]
    except ValueError as exc:
        return [CheckLine("tls", "error", f"{cert_path}: not a PEM certificate ({exc})")]
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except OSError as exc:
        return [CheckLine("tls", "error", f"cannot read key {key_path}: {exc.strerror}")]
    except (ValueError, TypeError) as exc:
        return [CheckLine("tls", "error", f"{key_path}: not an unencrypted PEM key ({exc})")]
    leaf = chain[0]
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if leaf.public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        return [
            CheckLine(
                "tls",
                "error",
                f"{key_path} is not the key of {cert_path}",
                "use the private key the certificate was issued for",
            )
        ]
    lines = [_expiry(leaf, cert_path, now)]
    if leaf.issuer == leaf.subject:
        lines.append(
            CheckLine(
                "tls",
                "warn",
                f"{cert_path} is self-signed: clients and MTA-STS senders cannot verify it",
                "set tls.cert/tls.key to a certificate from a CA (e.g. Let's Encrypt)",
            )
        )
    names = _names(leaf)
    host = config.server.hostname.lower().rstrip(".")
    if not any(_matches(host, pattern) for pattern in names):
        lines.append(
            CheckLine(
                "tls",
                "warn",
                f"{cert_path} does not name {host} (it names {', '.join(names) or 'nothing'})",
                "get a certificate for [server] hostname",
            )
        )
    return lines


def _expiry(leaf: x509.Certificate, path: Path, now: datetime.datetime) -> CheckLine:
    not_after, not_before = leaf.not_valid_after_utc, leaf.not_valid_before_utc
    when = not_after.strftime("%Y-%m-%d %H:%M UTC")
    if now < not_before:
        return CheckLine("tls", "error", f"{path} is not valid before {not_before:%Y-%m-%d}")
    if now >= not_after:
        return CheckLine(
            "tls", "error", f"{path} expired on {when}", "renew the certificate and restart"
        )
    left = not_after - now
    if left < EXPIRY_WARNING:
        return CheckLine(
            "tls",
            "warn",
            f"{path} expires in {left.days} days ({when})",
            "renew it now (is automatic renewal running?)",
        )
    return CheckLine("tls", "ok", f"{path} valid until {when} ({left.days} days)")


def _names(leaf: x509.Certificate) -> list[str]:
    """DNS names of the subjectAltName (lower case; ``*.`` wildcards kept as patterns)."""
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [name.lower() for name in san.get_values_for_type(x509.DNSName)]


def _matches(host: str, pattern: str) -> bool:
    """RFC 6125 §6.4.3: a ``*.`` wildcard stands for exactly one left-most label."""
    if pattern.startswith("*."):
        return host.partition(".")[2] == pattern[2:]
    return host == pattern
