"""Named crash points for the crash-safety harness (tests/crash/).

A failpoint is a call ``failpoints.hit("name")`` placed where a crash is most dangerous: between
the INSERTs and the COMMIT of a delivery, after COMMIT but before the ``250``, after a remote
``250`` before the queue row is marked delivered, and so on (the list is :data:`KNOWN`). When the
environment variable ``MAILSTORE_FAILPOINTS`` names it, the process SIGKILLs itself there: no
``finally``, no ROLLBACK, no socket shutdown, exactly like a power cut or the OOM killer. The
harness then restarts the server and checks that nothing acknowledged was lost (DESIGN
principle 7, "durable before acknowledged").

``MAILSTORE_FAILPOINTS`` is a comma-separated list, read once at import:

``name``
    kill at the first hit;
``name=N`` (an integer >= 1)
    kill at the N-th hit (so some operations complete before the crash);
``name=P`` (a number with a decimal point, 0 < P <= 1)
    kill at each hit with probability P.

Unset (production), :func:`hit` costs one lookup in an empty dict: it sits on hot paths.
An unknown name or a malformed value stops the process at import with a :class:`ValueError`,
because a failpoint that silently never fires would make a crash test pass for nothing.
"""

from __future__ import annotations

import os
import random
import signal
from dataclasses import dataclass

#: The environment variable that arms failpoints.
ENV = "MAILSTORE_FAILPOINTS"

#: Every failpoint placed in the code, with where it sits.
KNOWN: dict[str, str] = {
    "deliver-before-begin": "Ingest.store: a delivery or APPEND, before its transaction begins",
    "deliver-before-commit": "Ingest.store: after the INSERTs, inside the transaction",
    "smtp-after-commit": "SMTP/LMTP DATA: after COMMIT returned, before the 250 is sent",
    "imap-append-literal": "IMAP: part of a literal (APPEND message) read, the rest not yet",
    "move-before-delete": "MOVE: after the copies are inserted, before the sources are deleted",
    "expunge-before-commit": "EXPUNGE: rows deleted inside the transaction, before COMMIT",
    "pop3-update-before-commit": "POP3 QUIT (UPDATE state): rows deleted, before COMMIT",
    "outbound-after-250": "queue worker: the remote MX said 250, the row is not marked yet",
}


@dataclass(slots=True)
class _Rule:
    """When an armed failpoint fires: at the ``nth`` hit, or with ``probability``."""

    name: str
    nth: int = 1
    probability: float | None = None
    hits: int = 0

    def fire(self) -> None:
        self.hits += 1
        if self.probability is not None:
            if random.random() >= self.probability:
                return
        elif self.hits != self.nth:
            return
        _die(self.name)


def parse(spec: str) -> dict[str, _Rule]:
    """``"a,b=3,c=0.5"`` to rules; raise :class:`ValueError` naming a bad entry."""
    rules: dict[str, _Rule] = {}
    for entry in spec.split(","):
        entry = entry.strip()
        if not entry:
            continue
        name, _, value = entry.partition("=")
        name, value = name.strip(), value.strip()
        if name not in KNOWN:
            raise ValueError(f"{ENV}: unknown failpoint {name!r} (known: {', '.join(KNOWN)})")
        rule = _Rule(name)
        if "." in value:
            try:
                rule.probability = float(value)
            except ValueError:
                raise ValueError(f"{ENV}: bad probability in {entry!r}") from None
            if not 0.0 < rule.probability <= 1.0:
                raise ValueError(f"{ENV}: probability must be in (0, 1] in {entry!r}")
        elif value:
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"{ENV}: expected a count >= 1 or a probability in {entry!r}")
            rule.nth = int(value)
        rules[name] = rule
    return rules


def _die(name: str) -> None:
    """Say which failpoint fired (unbuffered, so the harness sees it), then SIGKILL ourselves."""
    try:
        os.write(2, f"FAILPOINT {name} pid={os.getpid()}: SIGKILL\n".encode())
    finally:
        os.kill(os.getpid(), signal.SIGKILL)


_ARMED: dict[str, _Rule] = parse(os.environ.get(ENV, ""))


def hit(name: str) -> None:
    """Crash here if ``MAILSTORE_FAILPOINTS`` arms ``name``; otherwise do nothing."""
    rule = _ARMED.get(name)
    if rule is not None:
        rule.fire()


def armed() -> frozenset[str]:
    """The failpoints armed in this process (for a log line at start)."""
    return frozenset(_ARMED)
