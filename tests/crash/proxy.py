"""A loopback TCP proxy between the server and PostgreSQL that can cut links at COMMIT.

The server reaches the database only through this proxy (``127.0.0.1:<port>`` to the cluster's
unix socket), so the harness can drop a link exactly while a transaction commits: when armed,
the next links that carry a ``COMMIT`` query are closed either *before* the query is forwarded
(the transaction surely rolls back) or *just after* (it may have committed, but the server never
hears so). Either way the server must not acknowledge, and the store must stay whole.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass

#: asyncpg commits with a simple query ``COMMIT;``; this is in its 'Q' message.
COMMIT = b"COMMIT"


@dataclass
class CutPlan:
    remaining: int = 0
    after_forward: bool = False


class CommitCutProxy:
    def __init__(self, target_unix_socket: str) -> None:
        self.target = target_unix_socket
        self._listen = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listen.bind(("127.0.0.1", 0))
        self._listen.listen(128)
        self.port = self._listen.getsockname()[1]
        self._lock = threading.Lock()
        self._plan = CutPlan()
        self._links: set[tuple[socket.socket, socket.socket]] = set()
        self.cuts = 0
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="crash-proxy", daemon=True)
        self._thread.start()

    def url(self, database: str = "mailstore") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def arm(self, links: int, *, after_forward: bool) -> None:
        """Cut the next ``links`` links that send a COMMIT."""
        with self._lock:
            self._plan = CutPlan(links, after_forward)

    def disarm(self) -> int:
        """Stop cutting; returns how many armed cuts did not happen."""
        with self._lock:
            left, self._plan = self._plan.remaining, CutPlan()
        return left

    def cut_all(self) -> None:
        """Drop every live link at once."""
        with self._lock:
            links = list(self._links)
        for a, b in links:
            _close(a, b)

    def close(self) -> None:
        self._closed = True
        _close(self._listen)
        self.cut_all()

    # -- plumbing --------------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listen.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(self.target)
            except OSError:  # the database is down: the client sees the link close
                _close(client, upstream)
                continue
            link = (client, upstream)
            with self._lock:
                self._links.add(link)
            threading.Thread(target=self._pump, args=(link, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(link, False), daemon=True).start()

    def _pump(self, link: tuple[socket.socket, socket.socket], to_server: bool) -> None:
        client, upstream = link
        src, dst = (client, upstream) if to_server else (upstream, client)
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                cut_after = False
                if to_server and COMMIT in data:
                    with self._lock:
                        if self._plan.remaining > 0:
                            self._plan.remaining -= 1
                            self.cuts += 1
                            cut_after = self._plan.after_forward
                            if not cut_after:
                                break  # the COMMIT never reaches the database
                dst.sendall(data)
                if cut_after:
                    break
        except OSError:
            pass
        finally:
            _close(client, upstream)
            with self._lock:
                self._links.discard(link)


def _close(*socks: socket.socket) -> None:
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            s.close()
        except OSError:
            pass
