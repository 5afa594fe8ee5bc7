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


@dataclass(frozen=True)
class LimitsConfig:
    message_size: int = 50 * 1024 * 1024
    #: Default quota for new accounts in bytes; 0 means unlimited.
    default_quota: int = 0


@dataclass(frozen=True)
class DNSConfig:
    #: ``host:port`` resolvers for SPF/DKIM/DMARC/MX lookups; empty uses the system resolver.
    nameservers: list[str] = field(default_factory=list)
    timeout: float = 5.0


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
    elif section == "limits":
        if obj.message_size <= 0:
            raise ConfigError("limits.message_size: must be positive")
        if obj.default_quota < 0:
            raise ConfigError("limits.default_quota: must be 0 (unlimited) or positive")
