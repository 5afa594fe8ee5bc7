"""Export an account's mailboxes as mboxrd files or a Maildir++ tree, streaming.

Messages are read from the store a chunk at a time (:data:`CHUNK` rows, raw bytes included)
and written from a worker thread, so memory stays bounded and the event loop is not blocked
on disk writes.

* **mbox**: one mboxrd file per mailbox (``<DEST>/<name>.mbox``, hierarchy as directories,
  e.g. ``Lists/python.mbox``), or one file when a single mailbox is exported; a From_ line with
  the sender and the internal date (UTC), ``Status``/``X-Status``/``X-Keywords`` from the flags,
  mboxrd quoting. Each file is written under a temporary name and renamed when complete.
* **maildir**: Maildir++ (``.Sent``, ``.Lists.python``) with the flags in the info suffix,
  ``dovecot-keywords`` for keywords (26 per folder at most: Dovecot's letters a..z), and
  ``dovecot-uidlist`` with the UIDs and UIDVALIDITY, which Dovecot and ``mailstore import
  maildir`` both keep.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mailstore.store import MailboxInfo, MessageRow, Store
from mailstore.transfer.importer import NoProgress, Progress
from mailstore.transfer.maildir import MaildirWriter
from mailstore.transfer.mbox import mboxrd_entry

#: Messages fetched (and held in memory) at a time.
CHUNK = 100


@dataclass(slots=True)
class ExportResult:
    mailbox: str
    path: str
    messages: int = 0
    bytes: int = 0
    #: mbox: messages that got a final line break (mbox cannot hold one without).
    newlines_added: int = 0
    #: Maildir: keywords beyond the 26 letters Dovecot has per folder.
    keywords_lost: int = 0
    seconds: float = 0.0


def mbox_file(dest: Path, mailbox: str) -> Path:
    """``Lists/python`` -> ``DEST/Lists/python.mbox``."""
    return dest.joinpath(*mailbox.split("/")).with_name(mailbox.split("/")[-1] + ".mbox")


class Exporter:
    def __init__(self, store: Store, progress: Progress | None = None):
        self.store = store
        self.progress: Progress = progress or NoProgress()

    async def _rows(self, account_id: int, box: MailboxInfo) -> list[int]:
        return await self.store.messages.uids(account_id, box.id)

    async def _chunks(
        self, account_id: int, box: MailboxInfo, uids: list[int]
    ) -> AsyncIterator[list[MessageRow]]:
        for start in range(0, len(uids), CHUNK):
            rows = [
                row
                async for row in self.store.messages.fetch(
                    account_id, box.id, uids[start : start + CHUNK], raw=True
                )
            ]
            yield rows

    async def mbox(self, account_id: int, box: MailboxInfo, path: Path) -> ExportResult:
        """Write ``box`` to the mbox file ``path`` (replaced atomically when complete)."""
        started = time.perf_counter()
        result = ExportResult(box.name, str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        f = await asyncio.to_thread(open, tmp, "wb")
        try:
            uids = await self._rows(account_id, box)
            async for rows in self._chunks(account_id, box, uids):
                await asyncio.to_thread(_write_mbox_rows, f, rows, result)
                self.progress.advance(len(rows), sum(r.size for r in rows))
            await asyncio.to_thread(_close, f)
            os.replace(tmp, path)
        except BaseException:
            f.close()
            tmp.unlink(missing_ok=True)
            raise
        result.seconds = time.perf_counter() - started
        return result

    async def maildir(self, account_id: int, box: MailboxInfo, root: Path) -> ExportResult:
        """Write ``box`` as a folder of the Maildir++ tree at ``root``."""
        started = time.perf_counter()
        writer = await asyncio.to_thread(
            MaildirWriter, root, box.name, box.uidvalidity, box.uidnext
        )
        result = ExportResult(box.name, str(writer.path))
        uids = await self._rows(account_id, box)
        async for rows in self._chunks(account_id, box, uids):
            await asyncio.to_thread(_write_maildir_rows, writer, rows, result)
            self.progress.advance(len(rows), sum(r.size for r in rows))
        # UIDNEXT as it is now: messages may have arrived since the box was read
        current = await self.store.mailboxes.get_by_id(account_id, box.id)
        writer.uidnext = max(writer.uidnext, current.uidnext)
        await asyncio.to_thread(writer.finish)
        result.keywords_lost = writer.lost_keywords
        result.seconds = time.perf_counter() - started
        return result


def _write_mbox_rows(f: BinaryIO, rows: list[MessageRow], result: ExportResult) -> None:
    for row in rows:
        assert row.raw is not None
        data, added = mboxrd_entry(row.raw, row.flags, row.internal_date)
        f.write(data)
        result.messages += 1
        result.bytes += len(row.raw)
        result.newlines_added += added


def _write_maildir_rows(
    writer: MaildirWriter, rows: list[MessageRow], result: ExportResult
) -> None:
    for row in rows:
        assert row.raw is not None
        writer.write(row.raw, row.flags, row.internal_date, row.uid)
        result.messages += 1
        result.bytes += len(row.raw)


def _close(f: BinaryIO) -> None:
    f.flush()
    os.fsync(f.fileno())
    f.close()
