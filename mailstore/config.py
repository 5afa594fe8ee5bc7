"""Typed configuration: one TOML file plus ``MAILSTORE_<SECTION>_<KEY>`` environment overrides.

The file is ``mailstore.toml`` in the home folder unless ``--config`` names another. Every key is
declared in a dataclass below; an unknown section or key, or a value of the wrong type, stops the
program with a :class:`ConfigError` naming it (``listeners.imap: expected "host:port"``).

Environment overrides use the upper-cased section and key: ``MAILSTORE_DATABASE_URL`` sets
``[database] url``; ``MAILSTORE_AUTH_PLAINTEXT_ON_LOOPBACK=false`` sets ``[auth]
plaintext_on_loopback``. Lists are comma-separated in the environment.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs


class ConfigError(Exception):
    """A configuration value is missing, unknown or malformed; the message names the key."""


@dataclass(frozen=True)
class DatabaseConfig:
    #: PostgreSQL URL (``postgresql://user:pass@host:port/db``). Empty: the embedded cluster
    #: kept in ``<home>/pgdata``.
    url: str = ""
    #: asyncpg pool size per process.
    pool_min: int = 2
    pool_max: int = 10
    #: Run even when the database could lose acknowledged mail (fsync, full_page_writes or
    #: synchronous_commit off), and leave synchronous_commit at the server's default.
    #: Only for throwaway systems and the crash harness's negative control.
    unsafe_durability: bool = False


@dataclass(frozen=True)
class ServerConfig:
    #: Host name used in greetings, Received and Authentication-Results headers.
    hostname: str = "localhost"


@dataclass(frozen=True)
class ListenersConfig:
    """Each value is ``host:port`` (``[::1]:port`` for IPv6); empty disables the listener."""

    smtp: str = "127.0.0.1:2525"
    submission: str = "127.0.0.1:2587"
    submissions: str = "127.0.0.1:2465"
    lmtp: str = "127.0.0.1:2424"
    imap: str = "127.0.0.1:1143"
    imaps: str = "127.0.0.1:1993"
    pop3: str = "127.0.0.1:1110"
    pop3s: str = "127.0.0.1:1995"


@dataclass(frozen=True)
class TLSConfig:
    #: PEM certificate chain and key; when both are empty ``serve`` makes a self-signed pair
    #: in the home folder (``tls/selfsigned.{crt,key}``).
    cert: str = ""
    key: str = ""


@dataclass(frozen=True)
class AuthConfig:
    #: Allow IMAP/POP3 plaintext logins without TLS from loopback client addresses (as Dovecot).
    plaintext_on_loopback: bool = True
    #: Argon2id parameters for new password hashes.
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65536
    #: Failed logins from one client address, counted over SMTP AUTH, IMAP and POP3 together:
    #: each failure doubles the wait before the next answer (from ``login_delay`` up to
    #: ``login_delay_max`` seconds); ``login_block_after`` failures within ``login_window``
    #: seconds refuse that address (temporary failure) until the window has passed.
    login_delay: float = 1.0
    login_delay_max: float = 15.0
    login_block_after: int = 20
    login_window: float = 600.0


@dataclass(frozen=True)
class LimitsConfig:
    message_size: int = 50 * 1024 * 1024
    #: Default quota for new accounts in bytes; 0 means unlimited.
    default_quota: int = 0


@dataclass(frozen=True)
class SMTPConfig:
    #: RFC 5321 §4.5.3.1.8 asks for at least 100 recipients per message.
    max_recipients: int = 100
    #: A bare CR or LF in DATA: "reject" (550 5.6.0) or "normalise" to CRLF.
    bare_line_endings: str = "reject"
    #: Over quota: 452 4.2.2 (temporary, default) or 552 5.2.2 (permanent).
    quota_permanent: bool = False
    #: Reject SPF "fail" at MAIL FROM on the MX.
    spf_reject: bool = False
    #: Honour DMARC p=reject (550 5.7.1) and p=quarantine (file into Junk).
    dmarc_reject: bool = True
    dmarc_quarantine: bool = True
    max_connections: int = 1000
    max_connections_per_address: int = 50
    #: RFC 5321 §4.5.3.2.7 (5 minutes) and §4.5.3.2.5 (3 minutes per DATA chunk).
    command_timeout: float = 300.0
    data_timeout: float = 180.0


@dataclass(frozen=True)
class POP3Config:
    #: RETR marks the message \\Seen, so IMAP and POP3 agree about what was read.
    retr_marks_seen: bool = True
    #: RFC 1939 §3: the autologout timer must be at least 10 minutes.
    idle_timeout: float = 600.0
    #: Unknown or malformed commands tolerated before the connection is closed.
    max_bad_commands: int = 10


@dataclass(frozen=True)
class DNSConfig:
    #: ``host:port`` resolvers for SPF/DKIM/DMARC/MX lookups; empty uses the system resolver.
    nameservers: list[str] = field(default_factory=list)
    timeout: float = 5.0


@dataclass(frozen=True)
class QueueConfig:
    """The outbound queue and its delivery workers (``mailstore/outbound/``). Times in seconds."""

    #: Concurrent SMTP connections (delivery lanes) per process, over all destinations.
    concurrency: int = 20
    #: Concurrent connections to one destination (recipient domain, or the relayhost).
    per_destination: int = 4
    #: Retry schedule after a temporary failure: first retry after ``retry_first``, each
    #: later one ``retry_factor`` times longer, at most ``retry_max`` apart.
    retry_first: int = 300
    retry_factor: float = 2.0
    retry_max: int = 43200
    #: Give up and bounce after this long in the queue (RFC 5321 §4.5.4.1: 4-5 days).
    lifetime: int = 5 * 86400
    #: Send a "delayed" DSN to the sender once a message waited this long; 0: never.
    delay_warning: int = 0
    #: A claimed recipient is leased this long; a live worker renews the lease, a dead
    #: worker's lease expires and another worker takes the recipient over.
    lease: int = 300
    #: Longest sleep between looks for due retries (new mail wakes the workers at once).
    poll_interval: float = 30.0
    #: TCP port of remote MXes (25; tests point it at loopback listeners).
    remote_port: int = 25
    #: RFC 5321 §4.5.3.2 timeouts: TCP connect plus greeting, each command, the DATA phase.
    connect_timeout: float = 30.0
    command_timeout: float = 300.0
    data_timeout: float = 600.0
    #: Keep an idle connection this long for more mail to the same destination.
    idle_timeout: float = 2.0
    #: EHLO name; empty: ``[server] hostname``.
    helo_name: str = ""
    #: Smarthost ``host:port`` for all outbound mail (no MX lookup); empty: deliver by MX.
    relayhost: str = ""
    relayhost_username: str = ""
    relayhost_password: str = ""
    #: Relayhost TLS: "starttls" (required, verified), "tls" (implicit, verified), "may"
    #: (opportunistic, unverified) or "none".
    relayhost_tls: str = "starttls"
    #: CA bundle (PEM) to verify the relayhost with; empty: the system's CAs.
    relayhost_ca_file: str = ""
    #: Privacy: in submitted mail, replace the client's name and IP address in our Received
    #: field, and remove User-Agent / X-Mailer fields.
    hide_client_ip: bool = False
    strip_mailer: bool = False


@dataclass(frozen=True)
class DKIMConfig:
    """DKIM signing of outgoing mail whose From: domain has keys (RFC 6376, RFC 8463)."""

    #: Extra keys as ``"domain:selector:path.pem"`` (path relative to the home folder).
    keys: list[str] = field(default_factory=list)
    #: Key folder (relative to home): ``<key_dir>/<domain>/<selector>.pem`` each sign.
    key_dir: str = "dkim"


@dataclass(frozen=True)
class SRSConfig:
    """Sender Rewriting Scheme for mail that aliases forward to external addresses."""

    #: HMAC secret; empty disables SRS (forwards keep the original envelope sender).
    secret: str = ""
    #: Older secrets still accepted for bounces (rotation).
    old_secrets: list[str] = field(default_factory=list)
    #: Domain of the rewritten addresses (one of ours); empty: ``[server] hostname``.
    domain: str = ""
    #: Days a rewritten address accepts bounces.
    max_age: int = 21


@dataclass(frozen=True)
class MetricsConfig:
    """``/metrics`` in Prometheus text format on its own listener (``servers/runner.py``)."""

    #: ``host:port`` to serve ``GET /metrics`` on; empty: no metrics listener.
    listen: str = ""
    #: Allow a non-loopback ``listen`` address (the figures tell who uses the server).
    allow_public: bool = False


@dataclass(frozen=True)
class LogConfig:
    #: "text" (``key=value`` fields) or "json" (one object per line); ``--log-format`` wins.
    format: str = "text"


@dataclass(frozen=True)
class Config:
    home: Path
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    listeners: ListenersConfig = field(default_factory=ListenersConfig)
    tls: TLSConfig = field(default_factory=TLSConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    dns: DNSConfig = field(default_factory=DNSConfig)
    smtp: SMTPConfig = field(default_factory=SMTPConfig)
    pop3: POP3Config = field(default_factory=POP3Config)
    queue: QueueConfig = field(default_factory=QueueConfig)
    dkim: DKIMConfig = field(default_factory=DKIMConfig)
    srs: SRSConfig = field(default_factory=SRSConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    log: LogConfig = field(default_factory=LogConfig)


_SECTIONS: dict[str, type] = {
    f.name: typing.get_type_hints(Config)[f.name]
    for f in dataclasses.fields(Config)
    if f.name != "home"
}


def default_home() -> Path:
    """``$MAILSTORE_HOME`` or the per-user data folder (e.g. ``~/.local/share/mailstore``)."""
    env = os.environ.get("MAILSTORE_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("mailstore", appauthor=False))


def load_config(
    home: Path | None = None, path: Path | None = None, environ: dict[str, str] | None = None
) -> Config:
    """Read and validate the configuration; raise :class:`ConfigError` naming any bad key."""
    home = (home or default_home()).expanduser().resolve()
    environ = dict(os.environ if environ is None else environ)
    file_path = path or home / "mailstore.toml"
    raw: dict[str, Any] = {}
    if file_path.exists():
        try:
            raw = tomllib.loads(file_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{file_path}: {exc}") from exc
    elif path is not None:
        raise ConfigError(f"{file_path}: no such file")
    sections: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in _SECTIONS:
            raise ConfigError(f"{file_path}: unknown section [{name}]")
        if not isinstance(value, dict):
            raise ConfigError(f"{file_path}: [{name}] must be a table")
        sections[name] = _build(name, _SECTIONS[name], value, environ)
    for name, cls in _SECTIONS.items():
        if name not in sections:
            sections[name] = _build(name, cls, {}, environ)
    return Config(home=home, **sections)


def _build(section: str, cls: type, values: dict[str, Any], environ: dict[str, str]) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in values:
        if key not in known:
            raise ConfigError(f"unknown key {section}.{key}")
    kwargs: dict[str, Any] = {}
    for key in known:
        env_name = f"MAILSTORE_{section}_{key}".upper()
        if env_name in environ:
            kwargs[key] = _from_env(f"{section}.{key} ({env_name})", hints[key], environ[env_name])
        elif key in values:
            kwargs[key] = _check(f"{section}.{key}", hints[key], values[key])
    obj = cls(**kwargs)
    _validate(section, obj)
    return obj


def _check(name: str, hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (list, types.GenericAlias) or hint is list:
        (item,) = typing.get_args(hint) or (str,)
        if not isinstance(value, list):
            raise ConfigError(f"{name}: expected a list")
        return [_check(f"{name}[]", item, v) for v in value]
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{name}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{name}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{name}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{name}: expected a string, got {value!r}")
        return value
    raise ConfigError(f"{name}: unsupported type {hint!r}")  # pragma: no cover


def _from_env(name: str, hint: Any, text: str) -> Any:
    if hint is bool:
        low = text.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name}: expected true or false, got {text!r}")
    if hint is int:
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{name}: expected an integer, got {text!r}") from None
    if hint is float:
        try:
            return float(text)
        except ValueError:
            raise ConfigError(f"{name}: expected a number, got {text!r}") from None
    if typing.get_origin(hint) is list:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def parse_hostport(value: str, name: str = "address") -> tuple[str, int]:
    """Split ``host:port`` / ``[v6]:port``; raise :class:`ConfigError` naming ``name``."""
    host, sep, port = value.rpartition(":")
    if not sep or not host:
        raise ConfigError(f'{name}: expected "host:port", got {value!r}')
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        number = int(port)
    except ValueError:
        raise ConfigError(f'{name}: expected "host:port", got {value!r}') from None
    if not 0 <= number <= 65535:
        raise ConfigError(f"{name}: port out of range in {value!r}")
    return host, number


def parse_nameserver(value: str) -> tuple[str, int]:
    """``127.0.0.1``, ``127.0.0.1:5353``, ``::1`` or ``[::1]:5353`` to (address, port)."""
    try:
        return str(ipaddress.ip_address(value)), 53
    except ValueError:
        pass
    host, port = parse_hostport(value, "dns.nameservers")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(f"dns.nameservers: {value!r} is not an IP address[:port]") from None
    return host, port


def _validate(section: str, obj: Any) -> None:
    if section == "listeners":
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if value:
                parse_hostport(value, f"listeners.{f.name}")
    elif section == "dns":
        for ns in obj.nameservers:
            parse_nameserver(ns)
    elif section == "database":
        if obj.url and not obj.url.startswith(("postgresql://", "postgres://")):
            raise ConfigError("database.url: expected a postgresql:// URL")
        if obj.pool_min < 1 or obj.pool_max < obj.pool_min:
            raise ConfigError("database.pool_min/pool_max: need 1 <= pool_min <= pool_max")
    elif section in ("queue", "dkim", "srs"):
        _validate_outbound(section, obj)
    elif section == "pop3":
        if obj.idle_timeout < 600:
            raise ConfigError("pop3.idle_timeout: RFC 1939 asks for at least 600 seconds")
        if obj.max_bad_commands < 1:
            raise ConfigError("pop3.max_bad_commands: must be positive")
    elif section == "smtp":
        if obj.bare_line_endings not in ("reject", "normalise"):
            raise ConfigError('smtp.bare_line_endings: expected "reject" or "normalise"')
        if obj.max_recipients < 1 or obj.max_connections < 1 or obj.max_connections_per_address < 1:
            raise ConfigError("smtp: limits must be positive")
    elif section == "metrics":
        _validate_metrics(obj)
    elif section == "log" and obj.format not in ("text", "json"):
        raise ConfigError('log.format: expected "text" or "json"')
    elif section == "limits":
        if obj.message_size <= 0:
            raise ConfigError("limits.message_size: must be positive")
        if obj.default_quota < 0:
            raise ConfigError("limits.default_quota: must be 0 (unlimited) or positive")


def _validate_metrics(obj: MetricsConfig) -> None:
    """A metrics listener stays on loopback unless ``allow_public`` says otherwise."""
    if not obj.listen:
        return
    host, _ = parse_hostport(obj.listen, "metrics.listen")
    if obj.allow_public or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConfigError(
            f"metrics.listen: {obj.listen!r} is not a loopback address; "
            "set metrics.allow_public = true to serve metrics on it"
        )


def _validate_outbound(section: str, obj: Any) -> None:
    if section == "queue":
        for name in ("concurrency", "per_destination", "retry_first", "lifetime", "lease"):
            if getattr(obj, name) <= 0:
                raise ConfigError(f"queue.{name}: must be positive")
        if obj.retry_factor < 1 or obj.retry_max < obj.retry_first:
            raise ConfigError("queue: need retry_factor >= 1 and retry_max >= retry_first")
        if not 0 < obj.remote_port <= 65535:
            raise ConfigError("queue.remote_port: port out of range")
        if obj.relayhost:
            parse_hostport(obj.relayhost, "queue.relayhost")
        if obj.relayhost_tls not in ("starttls", "tls", "may", "none"):
            raise ConfigError('queue.relayhost_tls: expected "starttls", "tls", "may" or "none"')
    elif section == "dkim":
        for key in obj.keys:
            if len(key.split(":", 2)) != 3 or not all(key.split(":", 2)):
                raise ConfigError(f'dkim.keys: expected "domain:selector:path", got {key!r}')
    elif section == "srs" and obj.max_age <= 0:
        raise ConfigError("srs.max_age: must be positive")
