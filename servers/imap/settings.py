"""IMAP settings and the plaintext-login policy.

Values not in ``mailstore.config`` are module constants here; ``ImapSettings.from_config``
is where they will be read once the config grows an ``[imap]`` section.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from servers.common.net import is_loopback

if TYPE_CHECKING:
    from servers.imap.engine import Config

#: RFC 9051 §5.4: the autologout timer is at least 30 minutes (also for IDLE, RFC 2177).
AUTOLOGOUT = 30 * 60.0
#: Seconds a client has to accept our output before the connection is dropped.
WRITE_TIMEOUT = 300.0
#: Seconds a client has to finish a TLS handshake (STARTTLS or implicit TLS).
TLS_HANDSHAKE_TIMEOUT = 30.0
#: Longest command line, literals not counted (RFC 7162 §4 asks for at least 8192).
MAX_LINE = 64 * 1024
#: Literal size accepted before authentication (a user name or a password).
MAX_LITERAL_UNAUTHENTICATED = 8 * 1024
#: Literals per command (MULTIAPPEND, long SEARCH programs).
MAX_LITERALS = 1000
#: Malformed or refused commands tolerated before the connection is closed.
MAX_BAD_COMMANDS = 20
#: Concurrent connections per listener; more are greeted with BYE and closed.
MAX_CONNECTIONS = 2000
#: Software name and version in the ID response (RFC 2971).
SERVER_ID = (("name", "mailstore"), ("version", "0.1.0"))


@dataclass(frozen=True)
class ImapSettings:
    hostname: str = "localhost"
    plaintext_on_loopback: bool = True
    max_message_size: int = 50 * 1024 * 1024
    autologout: float = AUTOLOGOUT
    write_timeout: float = WRITE_TIMEOUT
    tls_handshake_timeout: float = TLS_HANDSHAKE_TIMEOUT
    max_line: int = MAX_LINE
    max_bad_commands: int = MAX_BAD_COMMANDS
    max_connections: int = MAX_CONNECTIONS

    @classmethod
    def from_config(cls, config: Config) -> ImapSettings:
        return cls(
            hostname=config.server.hostname,
            plaintext_on_loopback=config.auth.plaintext_on_loopback,
            max_message_size=config.limits.message_size,
        )


def plaintext_allowed(secure: bool, peer_host: str | None, plaintext_on_loopback: bool) -> bool:
    """LOGIN and AUTHENTICATE PLAIN are allowed under TLS, or from a loopback address when
    ``[auth] plaintext_on_loopback`` is on (DESIGN.md; as Dovecot's disable_plaintext_auth)."""
    return secure or (plaintext_on_loopback and is_loopback(peer_host))
