"""What the readers produce and the importer consumes: messages with their metadata.

A reader (:mod:`.mbox`, :mod:`.maildir`) is a plain synchronous iterator over
:class:`SourceMessage`; it reads its file(s) with a bounded buffer and never holds more than
the message it is yielding. The importer drives it from a worker thread, so the event loop is
never blocked on disk reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from mailstore.errors import MailstoreError


class TransferError(MailstoreError):
    """A source file cannot be read on: unreadable, truncated, or not in the expected format.

    The message names the file and the byte offset, so the admin can look at (or repair) the
    exact place; whatever was imported before it is committed and consistent.
    """

    def __init__(self, path: Path | str, offset: int, reason: str):
        super().__init__(f"{path}: {reason} (at byte {offset})")
        self.path = Path(path)
        self.offset = offset
        self.reason = reason


@dataclass(slots=True)
class SourceMessage:
    """One message as read from a source, before parsing."""

    raw: bytes
    flags: tuple[str, ...] = ()
    #: None: take the Date header (or now) at import.
    internal_date: datetime | None = None
    #: The UID to keep (Maildir dovecot-uidlist, mbox X-UID), when the source has one.
    uid: int | None = None
    #: Where it came from, for the summary and for errors: a file, and an offset in it.
    path: Path = field(default_factory=Path)
    offset: int = 0


class Source(Protocol):
    """One source mailbox (an mbox file, a Maildir folder) mapped to one target mailbox."""

    @property
    def mailbox(self) -> str:
        """Target mailbox name (``/`` separated)."""

    @property
    def path(self) -> Path:
        """The file or folder it is read from."""

    @property
    def size(self) -> int:
        """Bytes to read (for the progress bar); 0 when unknown."""

    @property
    def format(self) -> str:
        """Format name for the summary (``mboxrd``, ``maildir``, ...); may be settled only
        once reading has started."""

    @property
    def uidvalidity(self) -> int | None:
        """UIDVALIDITY to keep with the messages' UIDs (dovecot-uidlist, X-IMAPbase), else
        None; may be known only once reading has started."""

    @property
    def uidnext(self) -> int | None:
        """The source's UIDNEXT: the mailbox's is raised to it at the end."""

    @property
    def notes(self) -> list[str]:
        """Notes for the summary (skipped files, pseudo messages, ...)."""

    def __iter__(self) -> Iterator[SourceMessage]: ...


# A header line is a field ("Name: value"), a folded continuation (leading white space), or
# the end of the header. RFC 5322 §2.2: field names are printable ASCII except ":".
_BAD_HEADER_LINE = re.compile(rb"^(?![!-9;-~]+[ \t]*:|[ \t]|\r?$)", re.M)
_BLANK = re.compile(rb"\n\r?\n")


def defect(raw: bytes) -> str | None:
    """Why ``raw`` is not a well-formed RFC 5322 message, or None.

    Malformed messages are still imported byte for byte; this only counts and names them. The
    checks are cheap and structural: an empty message, a message that does not start with a
    header field, or a header line that is neither a field nor a folded continuation (usually a
    missing blank line between header and body).
    """
    if not raw.strip():
        return "empty message"
    if raw[:1] in b" \t":
        return "starts with a folded line, not a header field"
    if raw[:1] in b"\r\n":
        return "no header fields"
    m = _BLANK.search(raw)
    header_end = m.start() + 1 if m else len(raw)
    bad = _BAD_HEADER_LINE.search(raw, 0, header_end)
    if bad is not None:
        line = raw.count(b"\n", 0, bad.start()) + 1
        return f"header line {line} is not a field"
    return None
