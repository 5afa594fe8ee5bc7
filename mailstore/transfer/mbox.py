"""mbox files: a streaming reader for the four variants and an mboxrd writer.

The variants (see qmail's mbox(5) and https://www.loc.gov/preservation/digital/formats/fdd/fdd000383.shtml)
differ in how a body line that looks like a message separator is protected:

* **mboxo**: a line starting ``From `` is written as ``>From ``; reading removes one ``>`` from
  ``>From `` lines only (a body line ``>From `` is ambiguous: this is mboxo's known loss).
* **mboxrd**: every line matching ``^>*From `` gets one more ``>``; reading removes one ``>``
  from every such line, so any body round-trips exactly.
* **mboxcl**: mboxo quoting plus a ``Content-Length:`` header giving the body length.
* **mboxcl2**: ``Content-Length:`` and no quoting at all.

mboxo and mboxrd differ only on lines starting ``>>From `` (or more ``>``), so they cannot be
told apart from the data; ``mboxrd`` is assumed unless ``--format mboxo`` says otherwise. A file
whose first message has a ``Content-Length`` that ends exactly at the next ``From `` line (or at
the end of the file) is read as mboxcl2, or as mboxcl when its body shows ``>From `` quoting and
no bare ``From `` line. A message in a Content-Length file whose length does not end at a
separator is read by separator instead (as mutt and Dovecot do).

A separator is a line ``From <sender> <date>`` with a date that parses, at the start of the
file or after an empty line (RFC 4155: the empty line belongs to the format, not the message).
Its date becomes the message's internal date (UTC when the line gives no zone).

The reader holds at most the current message and one read chunk (:data:`CHUNK`) in memory.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO

from mailstore.transfer.flags import header_end, mbox_flags, mbox_meta_header, take_mbox_meta
from mailstore.transfer.names import mbox_path_to_mailbox
from mailstore.transfer.source import SourceMessage, TransferError

#: Bytes read per system call; the reader's memory is this plus the largest message.
CHUNK = 1 << 20

#: UW-IMAP and pine keep folder state in a first pseudo message with this subject.
_PSEUDO_SUBJECT = b"DON'T DELETE THIS MESSAGE -- FOLDER INTERNAL DATA"


class MboxFormat(enum.Enum):
    MBOXO = "mboxo"
    MBOXRD = "mboxrd"
    MBOXCL = "mboxcl"
    MBOXCL2 = "mboxcl2"


_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
)}  # fmt: skip
# asctime as ctime(3) writes it, with the variants seen in the wild: a zone name or numeric
# offset before or after the year, no seconds, a comma after the weekday.
_ASCTIME = re.compile(
    rb"(?:[A-Za-z]{3},?[ \t]+)?(?P<mon>[A-Za-z]{3})[ \t]+(?P<day>\d{1,2})[ \t]+"
    rb"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?[ \t]+"
    rb"(?:(?P<tz1>[A-Za-z]{1,5}|[+-]\d{4})[ \t]+)?(?P<y>\d{4})(?:[ \t]+(?P<tz2>[+-]\d{4}))?"
    rb"[ \t]*\r?\n?$"
)
_RFC822_TAIL = re.compile(rb"[A-Za-z]{3},[ \t]*\d{1,2}[ \t]+[A-Za-z]{3}[ \t]+\d{4}[ \t]+\d")
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\d{1,12})[ \t]*\r?$", re.I | re.M)
_QUOTED_RD = re.compile(rb"^>(>*From )", re.M)
_QUOTED_O = re.compile(rb"^>(From )", re.M)
_BARE_FROM = re.compile(rb"^From ", re.M)
_NEEDS_RD_QUOTE = re.compile(rb"^(>*From )", re.M)
_X_UID = re.compile(rb"^\d{1,10}$")
_BLANK_LINE = re.compile(rb"\n\r?\n")


def from_line_date(line: bytes) -> datetime | None:
    """The date of a ``From `` separator line, or None when it has none that parses."""
    m = _ASCTIME.search(line, 5)
    if m is not None:
        month = _MONTHS.get(m["mon"].decode().lower())
        if month is None:
            return None
        zone = m["tz2"] or m["tz1"] or b""
        tz: timezone = UTC
        if zone[:1] in (b"+", b"-"):
            minutes = int(zone[1:3]) * 60 + int(zone[3:5])
            tz = timezone(timedelta(minutes=-minutes if zone[:1] == b"-" else minutes))
        try:
            return datetime(
                int(m["y"]), month, int(m["day"]), int(m["h"]), int(m["m"]), int(m["s"] or 0),
                tzinfo=tz,
            )  # fmt: skip
        except ValueError:
            return None
    tail = _RFC822_TAIL.search(line, 5)
    if tail is None:
        return None
    try:
        date = parsedate_to_datetime(line[tail.start() :].decode("ascii", "replace").strip())
    except (TypeError, ValueError, IndexError):
        return None
    return date if date.tzinfo else date.replace(tzinfo=UTC)


def _blank_before(buf: bytearray, i: int, floor: int) -> int:
    """Length of the empty line ending at ``buf[i]`` (a LF), or -1 when the line is not empty.

    ``floor`` is the first byte of the line content area: the LF before it (ending the
    previous separator line) counts as a line end.
    """
    if i - 1 >= floor - 1 and buf[i - 1] == 0x0A:
        return 1
    if i - 2 >= floor - 1 and buf[i - 1] == 0x0D and buf[i - 2] == 0x0A:
        return 2
    return -1


class MboxReader:
    """Messages of one mbox file, in file order (see the module docstring).

    Iterating yields :class:`SourceMessage` objects whose ``raw`` has the variant's quoting
    undone and the mbox metadata fields taken out; flags come from those fields. Raises
    :class:`TransferError` for an unreadable file, a file that is not an mbox, or a truncated
    last message (after yielding everything before it).
    """

    def __init__(self, path: Path, mailbox: str, fmt: MboxFormat | None = None, chunk: int = CHUNK):
        self.path = Path(path)
        self.mailbox = mailbox
        self.chosen = fmt
        self.detected: MboxFormat | None = fmt
        self.chunk = chunk
        self.size = _file_size(self.path)
        self.uidvalidity: int | None = None
        self.uidnext: int | None = None
        self.notes: list[str] = []

    @property
    def format(self) -> str:
        return (self.detected or MboxFormat.MBOXRD).value

    def __iter__(self) -> Iterator[SourceMessage]:
        try:
            f = open(self.path, "rb")
        except OSError as exc:
            raise TransferError(self.path, 0, f"cannot open: {exc.strerror}") from exc
        try:
            yield from self._messages(f)
        finally:
            f.close()

    # -- buffer ---------------------------------------------------------------------------------
    def _read(self, f: BinaryIO, buf: bytearray, base: int) -> bool:
        """Append one chunk to ``buf``; False at the end of the file."""
        try:
            data = f.read(self.chunk)
        except OSError as exc:
            raise TransferError(self.path, base + len(buf), f"read error: {exc.strerror}") from exc
        if not data:
            return False
        buf += data
        return True

    def _messages(self, f: BinaryIO) -> Iterator[SourceMessage]:
        buf = bytearray()
        base = 0  # file offset of buf[0]
        eof = not self._read(f, buf, base)
        # leading empty lines are tolerated
        while True:
            stripped = len(buf) - len(buf.lstrip(b"\r\n"))
            if stripped < len(buf) or eof:
                break
            eof = not self._read(f, buf, base)
        del buf[:stripped]
        base += stripped
        if not buf:
            return  # an empty file is an empty mailbox
        first = True
        while buf:
            eol = buf.find(b"\n")
            while eol < 0 and not eof:
                eof = not self._read(f, buf, base)
                eol = buf.find(b"\n")
            if eol < 0:
                raise TransferError(self.path, base, "truncated: the file ends inside a From_ line")
            line = bytes(buf[: eol + 1])
            if not line.startswith(b"From "):
                what = "not an mbox: the file does not start with a 'From ' line"
                raise TransferError(self.path, base, what if first else "expected a 'From ' line")
            date = from_line_date(line)
            start = eol + 1
            if first and self.detected is None:
                eof = self._fill_header(f, buf, base, start, eof)
                self.detected, eof = self._detect(f, buf, base, start, eof)
            end, nxt, eof = self._find_end(f, buf, base, start, eof)
            content = bytes(buf[start:end])
            offset = base
            del buf[:nxt]
            base += nxt
            message = self._message(content, date, offset, first)
            first = False
            if message is not None:
                yield message

    def _fill_header(self, f: BinaryIO, buf: bytearray, base: int, start: int, eof: bool) -> bool:
        while not eof and _BLANK_LINE.search(buf, start) is None:
            eof = not self._read(f, buf, base)
        return eof

    # -- message boundaries -----------------------------------------------------------------------
    def _find_end(
        self, f: BinaryIO, buf: bytearray, base: int, start: int, eof: bool
    ) -> tuple[int, int, bool]:
        """(end of content, start of the next From_ line or len(buf), eof) for a message whose
        content starts at ``buf[start]``."""
        if self.detected in (MboxFormat.MBOXCL, MboxFormat.MBOXCL2):
            eof = self._fill_header(f, buf, base, start, eof)
            found = self._content_length_end(f, buf, base, start, eof)
            if found is not None:
                return found
        search = start - 1
        while True:
            i = buf.find(b"\nFrom ", search)
            if i < 0:
                if eof:
                    return self._last_end(buf, base, start), len(buf), eof
                search = max(start - 1, len(buf) - 6)
                eof = not self._read(f, buf, base)
                continue
            blank = _blank_before(buf, i, start)
            if blank < 0:
                search = i + 1
                continue
            eol = buf.find(b"\n", i + 1)
            while eol < 0 and not eof:
                eof = not self._read(f, buf, base)
                eol = buf.find(b"\n", i + 1)
            line = bytes(buf[i + 1 : eol + 1 if eol >= 0 else len(buf)])
            if eol >= 0 and from_line_date(line) is not None:
                return i + 1 - blank, i + 1, eof
            search = i + 1

    def _last_end(self, buf: bytearray, base: int, start: int) -> int:
        """End of the last message's content: the file's end minus a final empty line."""
        end = len(buf)
        if end == start:
            return end
        if buf[end - 1] != 0x0A:
            raise TransferError(
                self.path,
                base + end,
                f"truncated: the last message (from byte {base}) does not end with a "
                "line break; append one to import it as it is",
            )
        blank = _blank_before(buf, end - 1, start)
        return end - blank if blank > 0 else end

    def _content_length_end(
        self, f: BinaryIO, buf: bytearray, base: int, start: int, eof: bool
    ) -> tuple[int, int, bool] | None:
        body = _body_start(buf, start)
        m = _CONTENT_LENGTH.search(buf, start, body)
        if m is None:
            return None
        end = body + int(m.group(1))
        while len(buf) < end + 8 and not eof:
            eof = not self._read(f, buf, base)
        if end > len(buf):
            raise TransferError(
                self.path,
                base + len(buf),
                f"truncated: the message at byte {base} has Content-Length "
                f"{int(m.group(1))} but the file ends first",
            )
        rest = bytes(buf[end : end + 8])
        if end == len(buf):
            return end, end, eof
        if rest in (b"\n", b"\r\n") and eof:
            return end, len(buf), eof
        for sep in (b"\nFrom ", b"\r\nFrom ", b"From "):
            if rest.startswith(sep):
                nxt = end + len(sep) - 5
                eol = buf.find(b"\n", nxt)
                while eol < 0 and not eof:
                    eof = not self._read(f, buf, base)
                    eol = buf.find(b"\n", nxt)
                if eol >= 0 and from_line_date(bytes(buf[nxt : eol + 1])) is not None:
                    return end, nxt, eof
        return None

    def _detect(
        self, f: BinaryIO, buf: bytearray, base: int, start: int, eof: bool
    ) -> tuple[MboxFormat, bool]:
        """The format, from the first message (whose header is in ``buf``)."""
        body = _body_start(buf, start)
        m = _CONTENT_LENGTH.search(buf, start, body)
        if m is None:
            return MboxFormat.MBOXRD, eof
        end = body + int(m.group(1))
        while len(buf) < end + 8 and not eof:
            eof = not self._read(f, buf, base)
        tail = bytes(buf[end : end + 8])
        at_boundary = (end == len(buf) and eof) or any(
            tail.startswith(s) for s in (b"\nFrom ", b"\r\nFrom ", b"From ")
        )
        at_boundary = at_boundary or (tail in (b"\n", b"\r\n") and eof)
        if not at_boundary:
            return MboxFormat.MBOXRD, eof
        text = bytes(buf[body:end])
        if _QUOTED_O.search(text) and not _BARE_FROM.search(text):
            return MboxFormat.MBOXCL, eof
        return MboxFormat.MBOXCL2, eof

    # -- one message ------------------------------------------------------------------------------
    def _message(
        self, content: bytes, date: datetime | None, offset: int, first: bool
    ) -> SourceMessage | None:
        fmt = self.detected or MboxFormat.MBOXRD
        if b">From " in content:
            if fmt is MboxFormat.MBOXRD:
                content = _QUOTED_RD.sub(rb"\1", content)
            elif fmt in (MboxFormat.MBOXO, MboxFormat.MBOXCL):
                content = _QUOTED_O.sub(rb"\1", content)
        cl = fmt in (MboxFormat.MBOXCL, MboxFormat.MBOXCL2)
        raw, meta = take_mbox_meta(content, content_length=cl)
        if first and "x-imap" in meta and _PSEUDO_SUBJECT in raw[: header_end(raw)]:
            self._uid_state(meta["x-imap"])
            self.notes.append("skipped the UW-IMAP folder-data pseudo message")
            return None
        if first and "x-imapbase" in meta:
            self._uid_state(meta["x-imapbase"])
        uid = None
        x_uid = meta.get("x-uid", "").encode()
        if self.uidvalidity is not None and _X_UID.match(x_uid):
            uid = int(x_uid) or None
        return SourceMessage(
            raw=raw,
            flags=tuple(mbox_flags(meta, raw)),
            internal_date=date,
            uid=uid,
            path=self.path,
            offset=offset,
        )

    def _uid_state(self, value: str) -> None:
        """``X-IMAPbase: <uidvalidity> <uidnext> [keywords]`` (UW-IMAP, Dovecot)."""
        parts = value.split()
        if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
            validity, nxt = int(parts[0]), int(parts[1])
            if 0 < validity < 2**32 and 0 < nxt < 2**32:
                self.uidvalidity, self.uidnext = validity, nxt


def _body_start(buf: bytearray, start: int) -> int:
    """Index of the body of the message whose header starts at ``buf[start]``."""
    if buf[start : start + 1] == b"\n":
        return start + 1
    if buf[start : start + 2] == b"\r\n":
        return start + 2
    m = _BLANK_LINE.search(buf, start)
    return m.end() if m else len(buf)


def _file_size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


# --------------------------------------------------------------------------------- writer

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_RETURN_PATH = re.compile(rb"^return-path[ \t]*:[ \t]*<?([^<>\s]*)>?", re.I | re.M)
_FROM_FIELD = re.compile(rb"^from[ \t]*:([^\n]*)", re.I | re.M)


def asctime(date: datetime) -> str:
    """``Mon Jan  2 15:04:05 2006`` in UTC (never strftime: %a/%b follow the locale)."""
    t = date.astimezone(UTC)
    return (
        f"{_DAYS[t.weekday()]} {_MONTH_NAMES[t.month - 1]} {t.day:2d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} {t.year}"
    )


def envelope_sender(raw: bytes) -> str:
    """The From_ line's sender: Return-Path, else the From address, else MAILER-DAEMON."""
    head = raw[: header_end(raw)]
    candidates: list[str] = []
    m = _RETURN_PATH.search(head)
    if m:
        candidates.append(m.group(1).decode("ascii", "replace"))
    m = _FROM_FIELD.search(head)
    if m:
        candidates.append(parseaddr(m.group(1).decode("ascii", "replace").strip())[1])
    for sender in candidates:
        if sender and sender.isprintable() and " " not in sender and "@" in sender:
            return sender
    return "MAILER-DAEMON"


def mboxrd_entry(raw: bytes, flags: tuple[str, ...], internal_date: datetime) -> tuple[bytes, bool]:
    """One message as mboxrd: From_ line, metadata fields, quoted body, empty line.

    The metadata fields go at the end of the header, in the header's own line ending; any the
    message already had are replaced. Returns the bytes and whether a final line break had to
    be added (mbox cannot hold a message that does not end with one).
    """
    message, _ = take_mbox_meta(raw)
    first_lf = message.find(b"\n")
    eol = b"\r\n" if first_lf > 0 and message[first_lf - 1] == 0x0D else b"\n"
    added = not message.endswith(b"\n")
    if added:
        message += eol
    meta = mbox_meta_header(flags, eol)
    end = header_end(message)
    if message[:1] == b"\n" or message[:2] == b"\r\n":  # no header fields at all
        data = meta + message
    elif end == len(message) and not (message.endswith((b"\n\n", b"\n\r\n"))):
        data = message + meta  # no blank line: the whole message is header
    else:
        blank = 2 if message[end - 2 : end] == b"\r\n" else 1
        data = message[: end - blank] + meta + message[end - blank :]
    if b"From " in data:
        data = _NEEDS_RD_QUOTE.sub(rb">\1", data)
    line = f"From {envelope_sender(raw)} {asctime(internal_date)}\n".encode()
    return line + data + b"\n", added


# --------------------------------------------------------------------------------- folders

#: Files in mail folders that are never mboxes (mail client indexes and caches).
_NOT_MBOX_SUFFIXES = (".msf", ".dat", ".json", ".sqlite", ".db", ".lock", ".html")


def find_mboxes(
    root: Path, prefix: str = "", fmt: MboxFormat | None = None
) -> tuple[list[MboxReader], list[str]]:
    """Readers for ``root`` (one file) or every mbox file under it (a folder: the relative path
    is the mailbox name, see :func:`mbox_path_to_mailbox`), and notes on skipped files.

    A single file goes to ``prefix`` (default INBOX); in a folder, ``prefix`` is put before
    each name. A file is taken as an mbox when it is empty or starts with ``From ``.
    """
    if root.is_file():
        return [MboxReader(root, prefix or "INBOX", fmt)], []
    if not root.is_dir():
        raise TransferError(root, 0, "no such file or directory")
    readers: list[MboxReader] = []
    skipped: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).parts
        if any(part.startswith(".") for part in rel) or path.name.lower().endswith(
            _NOT_MBOX_SUFFIXES
        ):
            continue
        try:
            with open(path, "rb") as f:
                head = f.read(5)
        except OSError as exc:
            raise TransferError(path, 0, f"cannot read: {exc.strerror}") from exc
        if head and head != b"From ":
            skipped.append(f"{path}: not an mbox (does not start with 'From ')")
            continue
        name = mbox_path_to_mailbox(rel)
        if prefix:
            name = prefix.rstrip("/") + "/" + name if name != "INBOX" else prefix
        readers.append(MboxReader(path, name, fmt))
    return readers, skipped
