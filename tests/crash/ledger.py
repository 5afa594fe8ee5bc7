"""What the clients attempted and what the server acknowledged, keyed by a token per message.

Every message carries a random token (``X-Crash-Token`` and its Message-ID) and the ledger keeps
the SHA-256 and length of the exact bytes sent, so the checker can recognise a stored copy, tell
whether it is whole, and know whether it had to be there (acknowledged) or only may be.
Deletions and moves are recorded in two steps: *maybe* before the command is sent, *done* once
the server said OK; only a *done* one must have taken effect.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

TOKEN_HEADER = b"X-Crash-Token"
TOKEN = re.compile(rb"^X-Crash-Token: ([0-9a-f]{24})\r$", re.MULTILINE)
MAYBE, DONE = "maybe", "done"


def new_token() -> str:
    return secrets.token_hex(12)


def make_message(
    token: str, to: str, *, lines: int = 12, sender: str = "crash@sender.test"
) -> bytes:
    """A message whose every line is CRLF-terminated, short, and never starts with a dot, so
    SMTP transparency and line-ending handling leave it byte-identical."""
    body = "".join(f"{token} {i:05d} {secrets.token_hex(24)}\r\n" for i in range(lines))
    return (
        f"From: Crash Harness <{sender}>\r\n"
        f"To: <{to}>\r\n"
        f"Subject: crash {token}\r\n"
        f"Message-ID: <{token}@crash.test>\r\n"
        f"Date: Mon, 02 Jan 2023 10:00:00 +0000\r\n"
        f"X-Crash-Token: {token}\r\n"
        f"\r\n{body}"
    ).encode()


def token_of(raw: bytes) -> str | None:
    m = TOKEN.search(raw)
    return m.group(1).decode() if m else None


@dataclass
class Sent:
    """One message a client tried to deliver."""

    token: str
    kind: str  # smtp | lmtp | append | forward
    accounts: tuple[int, ...]  # local targets
    remote: bool  # also (or only) forwarded to the remote MX
    sha256: bytes
    length: int
    started: float
    acked: set[int] = field(default_factory=set)
    remote_acked: bool = False

    def matches_tail(self, raw: bytes) -> bool:
        """``raw`` ends with exactly the bytes sent (a server may only prepend trace fields)."""
        if len(raw) < self.length:
            return False
        return hashlib.sha256(raw[len(raw) - self.length :]).digest() == self.sha256


@dataclass
class Counts:
    attempted: dict[str, int] = field(default_factory=dict)
    acked: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)


class Ledger:
    """Thread-safe: the client threads write, the checker reads while the clients are paused."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: dict[str, Sent] = {}
        #: (token, account id) -> MAYBE | DONE
        self.deleted: dict[tuple[str, int], str] = {}
        self.moved: dict[tuple[str, int], str] = {}
        #: POP3 DELE answered +OK, then the connection dropped without QUIT: must stay.
        self.dele_without_quit: set[tuple[str, int]] = set()
        self.counts = Counts()
        #: (time, kind) of every fault injected: duplicates at the remote MX are allowed only
        #: when one happened between the two receptions.
        self.faults: list[tuple[float, str]] = []
        #: Unexpected exceptions in client threads (a harness bug): reported by every check.
        self.client_errors: list[str] = []
        #: "kind: reason" -> count of failed operations (shown by the soak run)
        self.reasons: dict[str, int] = {}

    # -- operations ------------------------------------------------------------------------------
    def op_started(self, kind: str) -> None:
        with self.lock:
            self.counts.attempted[kind] = self.counts.attempted.get(kind, 0) + 1

    def op_done(self, kind: str, ok: bool) -> None:
        with self.lock:
            target = self.counts.acked if ok else self.counts.failed
            target[kind] = target.get(kind, 0) + 1

    def failure(self, kind: str, reason: str) -> None:
        with self.lock:
            key = f"{kind}: {reason}"
            self.reasons[key] = self.reasons.get(key, 0) + 1

    def client_error(self, text: str) -> None:
        with self.lock:
            self.client_errors.append(text)

    def fault(self, kind: str) -> None:
        with self.lock:
            self.faults.append((time.monotonic(), kind))

    # -- messages --------------------------------------------------------------------------------
    def sending(
        self, token: str, kind: str, raw: bytes, accounts: tuple[int, ...], remote: bool = False
    ) -> Sent:
        sent = Sent(
            token,
            kind,
            accounts,
            remote,
            hashlib.sha256(raw).digest(),
            len(raw),
            time.monotonic(),
        )
        with self.lock:
            self.sent[token] = sent
        return sent

    def acked(self, token: str, accounts: tuple[int, ...] = (), remote: bool = False) -> None:
        with self.lock:
            sent = self.sent[token]
            sent.acked.update(accounts)
            sent.remote_acked = sent.remote_acked or remote

    # -- deletions and moves ---------------------------------------------------------------------
    def mark(
        self, table: dict[tuple[str, int], str], keys: list[tuple[str, int]], state: str
    ) -> None:
        with self.lock:
            for key in keys:
                if table.get(key) != DONE:
                    table[key] = state

    def mark_without_quit(self, keys: list[tuple[str, int]]) -> None:
        with self.lock:
            self.dele_without_quit.update(keys)

    def stats(self) -> dict[str, int]:
        with self.lock:
            return {
                "messages attempted": len(self.sent),
                "copies acknowledged": sum(len(s.acked) for s in self.sent.values()),
                "forwards acknowledged": sum(1 for s in self.sent.values() if s.remote_acked),
                "deletions acknowledged": sum(1 for v in self.deleted.values() if v == DONE),
                "moves acknowledged": sum(1 for v in self.moved.values() if v == DONE),
                "POP3 DELE without QUIT": len(self.dele_without_quit),
            }
