"""Where a benchmark workload connects: one server (ours or a peer) and one user.

Every workload in bench/ (SMTP ingest, IMAP commands, the IMAP mix, POP3 retrieval) is a
function of a :class:`Target`, so ``bench.compare`` runs the very same client code against
mailstore and against Postfix + Dovecot.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A server's loopback ports (0 = that protocol is not offered) and the user to log in as."""

    name: str
    host: str = "127.0.0.1"
    smtp: int = 0
    imap: int = 0
    pop3: int = 0
    user: str = ""
    password: str = ""

    def as_user(self, user: str, password: str | None = None) -> Target:
        """The same server, another account."""
        return dataclasses.replace(
            self, user=user, password=self.password if password is None else password
        )
