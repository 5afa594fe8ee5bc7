"""POP3 settings and the plaintext-login policy.

The values not in ``mailstore.config`` yet are module constants here (proposed keys:
``[pop3] retr_marks_seen``, ``idle_timeout``); :meth:`Pop3Settings.from_config` is where they
will be read once they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from servers.common.net import is_loopback

if TYPE_CHECKING:
    from mailstore.config import Config

#: RFC 1939 §3: the autologout timer MUST be at least 10 minutes.
IDLE_TIMEOUT = 600.0
#: RETR marks the message \Seen, so IMAP and POP3 agree about what was read.
RETR_MARKS_SEEN = True
#: Unknown or malformed commands tolerated before the connection is closed.
MAX_BAD_COMMANDS = 10
#: Seconds a client has to finish a TLS handshake (STLS or implicit TLS).
TLS_HANDSHAKE_TIMEOUT = 30.0
#: Software name in CAPA's IMPLEMENTATION (RFC 2449 §6.9).
IMPLEMENTATION = "mailstore"


@dataclass(frozen=True)
class Pop3Settings:
    hostname: str = "localhost"
    plaintext_on_loopback: bool = True
    idle_timeout: float = IDLE_TIMEOUT
    retr_marks_seen: bool = RETR_MARKS_SEEN
    max_bad_commands: int = MAX_BAD_COMMANDS
    tls_handshake_timeout: float = TLS_HANDSHAKE_TIMEOUT

    @classmethod
    def from_config(cls, config: Config) -> Pop3Settings:
        return cls(
            hostname=config.server.hostname,
            plaintext_on_loopback=config.auth.plaintext_on_loopback,
            idle_timeout=config.pop3.idle_timeout,
            retr_marks_seen=config.pop3.retr_marks_seen,
            max_bad_commands=config.pop3.max_bad_commands,
        )


def plaintext_allowed(secure: bool, peer_host: str | None, plaintext_on_loopback: bool) -> bool:
    """USER/PASS and AUTH PLAIN are allowed under TLS, or from a loopback address when
    ``[auth] plaintext_on_loopback`` is on (DESIGN.md; as Dovecot's disable_plaintext_auth)."""
    return secure or (plaintext_on_loopback and is_loopback(peer_host))


#: The maildrop lock's lease (database row shared by all processes): longer than the idle
#: timeout, renewed while the session is used, so only a dead process's lock ever expires.
LOCK_TTL = timedelta(seconds=IDLE_TIMEOUT + 300)
LOCK_RENEW_EVERY = 60.0
