"""TLS material: the configured certificate, or a self-signed one made in the home folder."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import warnings
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mailstore.config import Config, ConfigError


def ensure_certificate(config: Config) -> tuple[Path, Path]:
    """(cert, key) paths: the configured pair, or a self-signed pair created on first use."""
    if config.tls.cert or config.tls.key:
        cert, key = Path(config.tls.cert), Path(config.tls.key)
        for name, path in (("tls.cert", cert), ("tls.key", key)):
            if not path.is_file():
                raise ConfigError(f"{name}: no such file {path}")
        return cert, key
    folder = config.home / "tls"
    cert, key = folder / "selfsigned.crt", folder / "selfsigned.key"
    if not (cert.exists() and key.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        make_self_signed(config.server.hostname, cert, key)
    return cert, key


def make_self_signed(hostname: str, cert_path: Path, key_path: Path, days: int = 825) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    alt: list[x509.GeneralName] = [x509.DNSName(hostname)]
    if hostname == "localhost":
        alt += [
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


#: Mozilla's "intermediate" TLS 1.2 cipher list (server-side-tls guidelines, v5.7): forward
#: secrecy and AEAD only. TLS 1.3 suites are all acceptable and left at OpenSSL's default.
INTERMEDIATE_CIPHERS = ":".join(
    [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "DHE-RSA-AES128-GCM-SHA256",
        "DHE-RSA-AES256-GCM-SHA384",
        "DHE-RSA-CHACHA20-POLY1305",
    ]
)


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """Submission, IMAPS, POP3S and STARTTLS there: Mozilla "intermediate" (TLS 1.2+, the
    cipher list above; the client's order, since every listed suite is strong)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(INTERMEDIATE_CIPHERS)
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


def mx_server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """STARTTLS on port 25: any encryption the peer can do beats the plaintext it falls back to
    when the handshake fails (RFC 7435 opportunistic security; Postfix's smtpd default is
    similar), so TLS 1.0+ and OpenSSL's whole default cipher list at security level 0."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.set_ciphers("DEFAULT:!aNULL:!eNULL:@SECLEVEL=0")
    try:
        with warnings.catch_warnings():  # deprecated for clients to insist on; we only allow it
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
    except (ValueError, ssl.SSLError):  # an OpenSSL built without TLS 1.0
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    ctx.load_cert_chain(str(cert), str(key))
    return ctx
