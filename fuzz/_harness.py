"""What every atheris target shares: arguments, instrumented imports, a server on loopback.

``run(name, one_input)`` starts libFuzzer with sensible defaults unless the command line says
otherwise: new inputs go to ``fuzz/work/<name>/`` (not into the checked-in seeds), the seeds
in ``fuzz/corpus/<name>/`` are read, and crashers land in ``fuzz/crashes/<name>/``. Any other
libFuzzer flag (``-max_total_time=300``, ``-runs=N``, ``-jobs=2``, a crash file to replay)
passes through unchanged.

``LoopbackServer`` runs an asyncio server in a background thread so that ``one_input`` can
stay synchronous: connect with a real socket on 127.0.0.1, send the input, half-close, read
everything the server answers until it closes. An ``ERROR`` log line from ``servers`` (an
unexpected exception in a session) is turned into a crash.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import atheris

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Seconds a server may take to answer an input and close; longer is a hang (a crash here).
HANG_SECONDS = 10.0


def instrumented(*extra: str) -> Any:
    """``with instrumented(): import ...`` -- coverage feedback for our code (and ``extra``)."""
    return atheris.instrument_imports(include=["servers", "mailstore", *extra])


def run(name: str, one_input: Callable[[bytes], None]) -> None:
    """Start libFuzzer on ``one_input`` with this target's corpus and crash folders."""
    here = Path(__file__).resolve().parent
    work, seeds, crashes = here / "work" / name, here / "corpus" / name, here / "crashes" / name
    args = list(sys.argv)
    flags = [a for a in args[1:] if a.startswith("-")]
    inputs = [a for a in args[1:] if not a.startswith("-")]
    if not inputs:  # fuzzing (not replaying a crash file): our corpus folders
        work.mkdir(parents=True, exist_ok=True)
        args += [str(work), str(seeds)]
    if not any(f.startswith("-artifact_prefix=") for f in flags):
        crashes.mkdir(parents=True, exist_ok=True)
        args.append(f"-artifact_prefix={crashes}{os.sep}")
    if not any(f.startswith("-max_len=") for f in flags):
        args.append("-max_len=4096")
    atheris.Setup(args, one_input)
    atheris.Fuzz()


class ErrorLog(logging.Handler):
    """Collects ERROR records of the ``servers`` and ``asyncio`` loggers (internal errors)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def check(self) -> None:
        """Raise (a crash for libFuzzer) if an error was logged since the last check."""
        records, self.records = self.records, []
        if records:
            record = records[0]
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            raise AssertionError(f"the server logged an error: {text}")


class LoopbackServer:
    """An asyncio server on 127.0.0.1 (port 0) in its own thread, fed one input at a time."""

    def __init__(self, start: Callable[[], Awaitable[asyncio.AbstractServer]]) -> None:
        self.errors = ErrorLog()
        # servers: a session's internal error; asyncio: an exception escaping a connection task
        for name in ("servers", "asyncio"):
            logger = logging.getLogger(name)
            logger.addHandler(self.errors)
            logger.setLevel(logging.INFO)
            logger.propagate = False  # keep libFuzzer's output readable
        logging.getLogger("mail.log").setLevel(logging.CRITICAL)  # aiosmtpd's per-line chatter
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True, name="server").start()
        self.server = self.call(start())
        self.port: int = self.server.sockets[0].getsockname()[1]

    def call(self, work: Awaitable[Any]) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(work, self.loop)  # type: ignore[arg-type]
        return future.result(HANG_SECONDS)

    def exchange(self, data: bytes) -> bytes:
        """Send ``data``, half-close, return every octet the server sent before closing."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=HANG_SECONDS) as sock:
            try:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the server closed early (too many bad commands): read what it said
            out = bytearray()
            while True:
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:
                    break
                except TimeoutError:
                    raise AssertionError(f"no close within {HANG_SECONDS}s: a hang") from None
                if not chunk:
                    break
                out += chunk
        self.errors.check()
        return bytes(out)
