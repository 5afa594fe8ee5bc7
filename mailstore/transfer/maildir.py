"""Maildir and Maildir++: folder discovery, a reader, and a writer.

Layout (maildir(5), Courier's Maildir++, Dovecot):

* ``cur/``, ``new/``, ``tmp/`` hold one file per message; ``tmp/`` is ignored (deliveries in
  progress). A file name is ``<unique>[:2,<flags>]`` (``;2,`` or ``!2,`` where ``:`` cannot
  be used); ``,S=<size>`` in the unique part is the file's size, which lets a truncated copy be
  recognised.
* The Maildir's top is INBOX; Maildir++ sub-folders are ``.Name`` directories at the top (see
  :mod:`.names`). Dovecot's ``LAYOUT=fs`` (``Lists/python/cur``) is read as well.
* ``dovecot-keywords``: ``<n> <keyword>`` lines numbering the keyword letters ``a``..``z``.
* ``dovecot-uidlist``: the UID state: a header ``3 V<uidvalidity> N<uidnext> ...`` (version 3)
  or ``1 <uidvalidity> <uidnext>`` (version 1), then ``<uid> [<ext> ...] :<file base name>``
  (version 1: ``<uid> <file base name>``). Messages it lists keep their UIDs, and the mailbox
  its UIDVALIDITY, so IMAP clients need not resynchronise.

The internal date is the file's mtime (delivery agents and Dovecot set it to the received
time), or with ``date_from="filename"`` the leading timestamp of the file name.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mailstore.transfer.flags import MAX_MAILDIR_KEYWORDS, maildir_flags, maildir_info
from mailstore.transfer.names import mailbox_to_maildirpp, maildirpp_to_mailbox
from mailstore.transfer.source import SourceMessage, TransferError

_INFO = re.compile(r"[:;!]2,([^/]*)$")
_SIZE = re.compile(r",S=(\d+)")
_LEADING_TIME = re.compile(r"^(\d{9,10})(?:\.|$)")
_SUBDIRS = ("cur", "new", "tmp")


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


def split_name(name: str) -> tuple[str, str | None]:
    """A file name -> (base name, info letters or None)."""
    m = _INFO.search(name)
    if m is None:
        return name, None
    return name[: m.start()], m.group(1)


def read_keywords(folder: Path) -> dict[int, str]:
    """``dovecot-keywords``: letter number -> keyword."""
    try:
        text = (folder / "dovecot-keywords").read_text("utf-8", "replace")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise TransferError(folder / "dovecot-keywords", 0, f"cannot read: {exc.strerror}") from exc
    keywords: dict[int, str] = {}
    for line in text.splitlines():
        num, _, name = line.strip().partition(" ")
        if num.isdigit() and name.strip() and int(num) < MAX_MAILDIR_KEYWORDS:
            keywords[int(num)] = name.strip()
    return keywords


@dataclass(slots=True)
class Uidlist:
    uidvalidity: int
    uidnext: int
    #: file base name -> uid
    uids: dict[str, int] = field(default_factory=dict)


def read_uidlist(folder: Path) -> Uidlist | None:
    """``dovecot-uidlist``, or None when absent or not understood."""
    path = folder / "dovecot-uidlist"
    try:
        text = path.read_text("utf-8", "replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise TransferError(path, 0, f"cannot read: {exc.strerror}") from exc
    lines = text.splitlines()
    if not lines:
        return None
    head = lines[0].split()
    validity = nxt = 0
    if head[:1] == ["3"]:
        for item in head[1:]:
            if item[:1] == "V" and item[1:].isdigit():
                validity = int(item[1:])
            elif item[:1] == "N" and item[1:].isdigit():
                nxt = int(item[1:])
    elif head[:1] == ["1"] and len(head) >= 3 and head[1].isdigit() and head[2].isdigit():
        validity, nxt = int(head[1]), int(head[2])
    else:
        return None
    if not 0 < validity < 2**32:
        return None
    result = Uidlist(validity, nxt)
    for line in lines[1:]:
        uid_text, _, rest = line.partition(" ")
        if not uid_text.isdigit() or not rest:
            continue
        if head[0] == "1":
            name = rest
        elif rest.startswith(":"):
            name = rest[1:]
        else:  # extension fields, then " :<name>"
            name = rest.partition(" :")[2]
        uid = int(uid_text)
        if 0 < uid < 2**32:
            result.uids[split_name(name.strip())[0]] = uid
    if result.uids:
        result.uidnext = max(result.uidnext, max(result.uids.values()) + 1)
    return result


@dataclass(frozen=True, slots=True)
class Folder:
    mailbox: str
    path: Path


def find_folders(root: Path) -> list[Folder]:
    """Every mailbox of a Maildir: the top (INBOX), Maildir++ ``.Name`` folders and
    ``LAYOUT=fs`` sub-directories, sorted by mailbox name."""
    if not root.is_dir():
        raise TransferError(root, 0, "not a directory")
    found: dict[str, Folder] = {}
    if is_maildir(root):
        found["INBOX"] = Folder("INBOX", root)

    def walk(path: Path, levels: tuple[str, ...]) -> None:
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError as exc:
            raise TransferError(path, 0, f"cannot list: {exc.strerror}") from exc
        for entry in entries:
            if not entry.is_dir() or entry.name in _SUBDIRS:
                continue
            sub = Path(entry.path)
            if not levels and entry.name.startswith(".") and entry.name not in (".", ".."):
                if is_maildir(sub):
                    name = maildirpp_to_mailbox(entry.name)
                    found.setdefault(name, Folder(name, sub))
                continue
            if entry.name.startswith(".") or entry.name == "courierimapkeywords":
                continue
            if is_maildir(sub):
                name = "/".join((*levels, entry.name))
                name = "INBOX" + name[5:] if name[:5].upper() == "INBOX" else name
                found.setdefault(name, Folder(name, sub))
            if len(levels) < 16:
                walk(sub, (*levels, entry.name))

    walk(root, ())
    return [found[k] for k in sorted(found)]


@dataclass(slots=True)
class _Entry:
    path: str
    base: str
    info: str | None
    size: int
    mtime: float
    uid: int | None


class MaildirReader:
    """The messages of one Maildir folder: those dovecot-uidlist lists, in UID order, then
    the others by delivery time (mtime, then name). The folder is listed when iteration
    starts, so many readers can be set up front (e.g. a whole hosting tree) cheaply."""

    format = "maildir"

    def __init__(self, folder: Folder, date_from: str = "mtime"):
        self.mailbox = folder.mailbox
        self.path = folder.path
        self.date_from = date_from
        self.keywords = read_keywords(self.path)
        uidlist = read_uidlist(self.path)
        self.uidvalidity = uidlist.uidvalidity if uidlist else None
        self.uidnext = uidlist.uidnext if uidlist else None
        self.notes: list[str] = []
        self._size: int | None = None

    @property
    def size(self) -> int:
        """Bytes in ``cur/`` and ``new/`` (one directory listing, not kept)."""
        if self._size is None:
            self._size = sum(e.size for e in self._list({}))
        return self._size

    def _list(self, uids: dict[str, int]) -> Iterator[_Entry]:
        for sub in ("cur", "new"):
            directory = self.path / sub
            try:
                entries = os.scandir(directory)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise TransferError(directory, 0, f"cannot list: {exc.strerror}") from exc
            with entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    try:
                        if not entry.is_file():
                            continue
                        st = entry.stat()
                    except OSError as exc:
                        raise TransferError(entry.path, 0, f"cannot stat: {exc.strerror}") from exc
                    base, info = split_name(entry.name)
                    yield _Entry(entry.path, base, info, st.st_size, st.st_mtime, uids.get(base))

    def _scan(self) -> list[_Entry]:
        uidlist = read_uidlist(self.path) if self.uidvalidity is not None else None
        listed: list[_Entry] = []
        unlisted: list[_Entry] = []
        for item in self._list(uidlist.uids if uidlist else {}):
            (listed if item.uid is not None else unlisted).append(item)
        listed.sort(key=lambda e: e.uid or 0)
        unlisted.sort(key=lambda e: (e.mtime, e.base))
        return listed + unlisted

    def _date(self, entry: _Entry) -> datetime:
        if self.date_from == "filename":
            m = _LEADING_TIME.match(entry.base)
            if m:
                return datetime.fromtimestamp(int(m.group(1)), UTC)
        return datetime.fromtimestamp(entry.mtime, UTC)

    def __iter__(self) -> Iterator[SourceMessage]:
        for entry in self._scan():
            try:
                with open(entry.path, "rb") as f:
                    raw = f.read()
            except FileNotFoundError:
                self.notes.append(f"{entry.path}: gone while importing (moved by a client?)")
                continue
            except OSError as exc:
                raise TransferError(entry.path, 0, f"cannot read: {exc.strerror}") from exc
            m = _SIZE.search(entry.base)
            if m and int(m.group(1)) > len(raw):
                raise TransferError(
                    entry.path,
                    len(raw),
                    f"truncated: the file name says S={m.group(1)} but the file has "
                    f"{len(raw)} bytes",
                )
            flags = maildir_flags(entry.info or "", self.keywords)
            yield SourceMessage(
                raw=raw,
                flags=tuple(flags),
                internal_date=self._date(entry),
                uid=entry.uid,
                path=Path(entry.path),
            )


# --------------------------------------------------------------------------------- writer

_HOST = socket.gethostname().replace("/", "\\057").replace(":", "\\072") or "localhost"


class MaildirWriter:
    """Writes one folder of a Maildir++ tree: files in ``cur/`` with the flags in the info
    suffix and mtime = internal date, then ``dovecot-keywords`` and ``dovecot-uidlist`` (so a
    Dovecot, or a re-import, keeps the UIDs and UIDVALIDITY)."""

    def __init__(self, root: Path, mailbox: str, uidvalidity: int, uidnext: int):
        self.path = root / mailbox_to_maildirpp(mailbox) if mailbox != "INBOX" else root
        for sub in _SUBDIRS:
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        if mailbox != "INBOX":
            (self.path / "maildirfolder").touch()
        self.uidvalidity = uidvalidity
        self.uidnext = uidnext
        self.keywords: dict[str, int] = {}
        self.lines: list[str] = []
        self.lost_keywords = 0
        self._counter = 0

    def _letters(self, flags: Iterable[str]) -> str:
        for name in flags:
            if name.startswith("\\") or name in self.keywords or name == "$Forwarded":
                continue
            if len(self.keywords) < MAX_MAILDIR_KEYWORDS:
                self.keywords[name] = len(self.keywords)
        letters, lost = maildir_info(flags, self.keywords)
        self.lost_keywords += len(lost)
        return letters

    def write(self, raw: bytes, flags: tuple[str, ...], internal_date: datetime, uid: int) -> Path:
        ts = internal_date.timestamp()
        self._counter += 1
        base = f"{int(ts)}.M{uid}P{os.getpid()}Q{self._counter}.{_HOST},S={len(raw)}"
        tmp = self.path / "tmp" / base
        with open(tmp, "wb") as f:
            f.write(raw)
        dest = self.path / "cur" / f"{base}:2,{self._letters(flags)}"
        os.replace(tmp, dest)
        os.utime(dest, (ts, ts))
        self.lines.append(f"{uid} :{base}\n")
        return dest

    def finish(self) -> None:
        if self.keywords:
            text = "".join(f"{n} {k}\n" for k, n in sorted(self.keywords.items(), key=_second))
            _atomic_write(self.path / "dovecot-keywords", text)
        header = f"3 V{self.uidvalidity} N{self.uidnext}\n"
        _atomic_write(self.path / "dovecot-uidlist", header + "".join(self.lines))


def _second(item: tuple[str, int]) -> int:
    return item[1]


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)
