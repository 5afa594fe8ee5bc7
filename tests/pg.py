"""The PostgreSQL test harness, in asyncpg's manner.

A temporary embedded cluster by default; ``MAILSTORE_TEST_DATABASE_URL`` (a URL to a database
on a server where the user may CREATE DATABASE) points the tests at another server. The schema
is built once through the migrations into a template database; each test gets a fresh copy
(``CREATE DATABASE ... TEMPLATE``), dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import queue
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from mailstore.embedded import start_embedded
from mailstore.migrate import upgrade

#: Databases kept created ahead of the tests that will use them.
PREPARED = 2


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def _admin(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


class TestCluster:
    """A server plus a migrated template database."""

    def __init__(self) -> None:
        self._server: Any = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        external = os.environ.get("MAILSTORE_TEST_DATABASE_URL")
        if external:
            self.admin_url = external
            self.kind = "external"
        else:
            self._tmp = tempfile.TemporaryDirectory(prefix="mailstore-test-")
            self._server, url = start_embedded(Path(self._tmp.name), "postgres")
            self.admin_url = url
            self.kind = "embedded"
        self.template = f"mailstore_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        asyncio.run(_admin(self.admin_url, f'CREATE DATABASE "{self.template}"'))
        upgrade(with_database(self.admin_url, self.template))

        # CREATE DATABASE costs ~0.3 s (fsyncs): a background thread keeps a few ready
        self._ready: queue.Queue[str] = queue.Queue(maxsize=PREPARED)
        self._stopping = threading.Event()
        self._filler = threading.Thread(target=self._fill, name="test-db-filler", daemon=True)
        self._filler.start()

    def _make(self) -> str:
        name = f"mailstore_t_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(self.admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return name

    def _fill(self) -> None:
        while not self._stopping.is_set():
            try:
                name = self._make()
            except Exception:  # the main thread will create its own and see the error
                return
            while not self._stopping.is_set():
                try:
                    self._ready.put(name, timeout=0.2)
                    break
                except queue.Full:
                    continue
            else:
                self.drop(name)

    def create(self) -> str:
        if self._filler.is_alive():
            try:
                return self._ready.get(timeout=30)
            except queue.Empty:
                pass
        return self._make()

    def drop(self, name: str) -> None:
        asyncio.run(_admin(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    @contextmanager
    def database(self) -> Iterator[str]:
        name = self.create()
        try:
            yield with_database(self.admin_url, name)
        finally:
            self.drop(name)

    def close(self) -> None:
        self._stopping.set()
        self._filler.join(timeout=30)
        while not self._ready.empty():
            self.drop(self._ready.get_nowait())
        try:
            self.drop(self.template)
        finally:
            if self._server is not None:
                self._server.cleanup()
            if self._tmp is not None:
                self._tmp.cleanup()
