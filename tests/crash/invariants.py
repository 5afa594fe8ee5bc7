"""The invariants checked after every fault, by reading the database directly.

* every acknowledged copy is present exactly once in its account, with the exact bytes sent
  (the server may only prepend trace fields); unacknowledged ones are absent or whole;
* a message in a "move" account is never in two mailboxes; an acknowledged MOVE put it in
  Archive; an acknowledged deletion (POP3 QUIT, UID EXPUNGE) is durable; a POP3 DELE without
  QUIT changed nothing;
* counters (messages, unseen, deleted, size), uidnext, highestmodseq and accounts.used_bytes
  agree with the rows (tests/store/helpers.py ``counters_match_rows``); body refcounts agree
  with the rows that use them;
* no UID is ever reused: a (mailbox, uidvalidity, uid) keeps its message across checks, an
  expunged uid never comes back, uidnext and highestmodseq never go down.

Problems are collected, not raised, so one check reports all of them; ``LOSS`` problems are
what the negative control looks for.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

import asyncpg

from mailstore.store import Passwords, Store
from tests.crash.clients import ARCHIVE
from tests.crash.ledger import DONE, Ledger, token_of
from tests.store.helpers import counters_match_rows

LOSS = "LOSS"


@dataclass
class Report:
    problems: list[tuple[str, str]] = field(default_factory=list)
    messages: int = 0
    checked_mailboxes: int = 0

    def add(self, kind: str, text: str) -> None:
        self.problems.append((kind, text))

    @property
    def losses(self) -> list[str]:
        return [text for kind, text in self.problems if kind == LOSS]

    def describe(self, limit: int = 30) -> str:
        lines = [f"{kind}: {text}" for kind, text in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more")
        return "\n".join(lines)


@dataclass
class _Body:
    token: str | None
    whole: bool


class Checker:
    """Keeps what earlier checks saw (uids, uidnext, modseq) to catch reuse and rollback."""

    def __init__(self, url: str, ledger: Ledger) -> None:
        self.url = url
        self.ledger = ledger
        self.bodies: dict[int, _Body] = {}
        self.uids: dict[tuple[int, int, int], str] = {}
        self.high: dict[tuple[int, int], tuple[int, int]] = {}
        self.checks = 0

    def check(self) -> Report:
        self.checks += 1
        return asyncio.run(self._check())

    async def _check(self) -> Report:
        report = Report()
        for text in self.ledger.client_errors:
            report.add("CLIENT", text)
        conn = await asyncpg.connect(self.url, timeout=30)
        try:
            await self._rows(conn, report)
            await self._refcounts(conn, report)
        finally:
            await conn.close()
        await self._counters(report)
        return report

    async def _rows(self, conn: asyncpg.Connection, report: Report) -> None:
        boxes = {
            r["id"]: r
            for r in await conn.fetch(
                "SELECT id, account_id, name, uidvalidity, uidnext, highestmodseq FROM mailboxes"
            )
        }
        rows = await conn.fetch(
            "SELECT account_id, mailbox_id, uid, body_id FROM messages ORDER BY mailbox_id, uid"
        )
        report.messages = len(rows)
        missing = sorted({r["body_id"] for r in rows} - self.bodies.keys())
        for chunk in range(0, len(missing), 200):
            for b in await conn.fetch(
                "SELECT id, raw FROM bodies WHERE id = ANY($1::bigint[])",
                missing[chunk : chunk + 200],
            ):
                raw = bytes(b["raw"])
                token = token_of(raw)
                sent = self.ledger.sent.get(token) if token else None
                self.bodies[b["id"]] = _Body(token, sent is not None and sent.matches_tail(raw))

        where: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
        for r in rows:
            body = self.bodies[r["body_id"]]
            box = boxes[r["mailbox_id"]]
            place = f"account {r['account_id']} {box['name']} uid {r['uid']}"
            if body.token is None or body.token not in self.ledger.sent:
                report.add("UNKNOWN", f"a message nobody sent at {place}")
                continue
            if not body.whole:
                report.add("PARTIAL", f"{body.token} at {place} is not the bytes sent")
            where[(body.token, r["account_id"])].append((box["name"], r["uid"]))
            key = (r["mailbox_id"], box["uidvalidity"], r["uid"])
            seen = self.uids.setdefault(key, body.token)
            if seen != body.token:
                report.add("UID-REUSED", f"{place} held {seen}, now {body.token}")

        for sent in self.ledger.sent.values():
            for account_id in sent.accounts:
                key = (sent.token, account_id)
                copies = where.get(key, [])
                deleted = self.ledger.deleted.get(key)
                moved = self.ledger.moved.get(key)
                if len(copies) > 1:
                    report.add("DUPLICATE", f"{sent.token} ({sent.kind}) in {copies}")
                if account_id in sent.acked and not copies and deleted is None:
                    report.add(LOSS, f"acknowledged {sent.kind} {sent.token} to {account_id}")
                if deleted == DONE and copies:
                    report.add(LOSS, f"acknowledged deletion of {sent.token} undone: {copies}")
                if moved == DONE and copies and copies[0][0] != ARCHIVE:
                    report.add(LOSS, f"acknowledged MOVE of {sent.token} undone: {copies}")
        for key in self.ledger.dele_without_quit:
            if key[1] in self.ledger.sent[key[0]].acked and key not in self.ledger.deleted:
                if not where.get(key):
                    report.add("POP3-NO-QUIT", f"{key[0]} deleted without QUIT")

        expunged = await conn.fetch(
            "SELECT e.mailbox_id, e.uid, e.modseq FROM expunged e JOIN messages m "
            "ON m.account_id = e.account_id AND m.mailbox_id = e.mailbox_id AND m.uid = e.uid"
        )
        for e in expunged:
            report.add("UID-REUSED", f"mailbox {e['mailbox_id']} uid {e['uid']} expunged, present")
        for box in boxes.values():
            key = (box["id"], box["uidvalidity"])
            now = (box["uidnext"], box["highestmodseq"])
            before = self.high.get(key, (0, 0))
            if now[0] < before[0] or now[1] < before[1]:
                report.add(
                    "ROLLBACK", f"mailbox {box['id']} (uidnext, modseq) went {before} -> {now}"
                )
            self.high[key] = max(before, now)

    async def _refcounts(self, conn: asyncpg.Connection, report: Report) -> None:
        bad = await conn.fetch(
            "SELECT b.id, b.refcount, "
            "(SELECT count(*) FROM messages m WHERE m.body_id = b.id) + "
            "(SELECT count(*) FROM queue_messages q WHERE q.body_id = b.id) AS refs "
            "FROM bodies b"
        )
        for b in bad:
            if b["refcount"] != b["refs"] or b["refs"] == 0:
                report.add("REFCOUNT", f"body {b['id']} refcount {b['refcount']}, {b['refs']} refs")

    async def _counters(self, report: Report) -> None:
        store = await Store.open(self.url, min_size=1, max_size=2, passwords=Passwords(1, 1024))
        try:
            boxes = await store.db.fetch("SELECT account_id, id, name FROM mailboxes ORDER BY id")
            for box in boxes:
                report.checked_mailboxes += 1
                try:
                    await counters_match_rows(store, box["account_id"], box["id"])
                except AssertionError as exc:
                    report.add(
                        "COUNTERS", f"account {box['account_id']} {box['name']}: {exc or 'drift'}"
                    )
        finally:
            await store.close()
