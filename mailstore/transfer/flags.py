"""Flags and keywords as mbox headers and Maildir info, to and from IMAP flag names.

mbox keeps flags in header fields the mail store writes into the message:

* ``Status:`` (``R`` read -> \\Seen, ``O`` old: not recent) and ``X-Status:`` (``A`` answered,
  ``F`` flagged, ``T`` draft, ``D`` deleted), as written by UW-IMAP, Dovecot, mutt and pine;
* ``X-Keywords:`` keywords separated by white space or commas (Dovecot, mutt);
* Thunderbird's ``X-Mozilla-Status`` / ``X-Mozilla-Status2`` (hexadecimal bit sets) and
  ``X-Mozilla-Keys`` (keywords).

``Status``, ``X-Status``, ``X-Keywords`` and the store-private ``X-UID``, ``X-IMAP``,
``X-IMAPbase`` fields are mbox metadata, not part of the message (Dovecot hides them from IMAP
clients too): the importer takes them out of the header and turns them into flags, and the
exporter writes them from the flags. Thunderbird's fields stay in the message as they are.

Maildir keeps flags in the file name's info suffix ``:2,<letters>`` (maildir(5), Maildir++):
``D`` draft, ``F`` flagged, ``P`` passed, ``R`` replied, ``S`` seen, ``T`` trashed; Dovecot adds
lower-case letters ``a``..``z`` for keywords, numbered in the folder's ``dovecot-keywords`` file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from mailstore.errors import InvalidArgument
from mailstore.store.flags import MAX_KEYWORDS, split_flags

SEEN, ANSWERED, FLAGGED, DELETED, DRAFT = (
    "\\Seen",
    "\\Answered",
    "\\Flagged",
    "\\Deleted",
    "\\Draft",
)
FORWARDED, MDNSENT = "$Forwarded", "$MDNSent"

#: Fields of the top-level header that are mbox metadata (taken out at import).
MBOX_META_FIELDS = ("status", "x-status", "x-keywords", "x-uid", "x-imap", "x-imapbase")

_X_STATUS = {"A": ANSWERED, "F": FLAGGED, "T": DRAFT, "D": DELETED}
_X_STATUS_OUT = ((ANSWERED, "A"), (FLAGGED, "F"), (DRAFT, "T"), (DELETED, "D"))
# Thunderbird nsMsgMessageFlags (mailnews/base/public/nsMsgMessageFlags.idl)
_MOZ_STATUS = {0x0001: SEEN, 0x0002: ANSWERED, 0x0004: FLAGGED, 0x0008: DELETED, 0x1000: FORWARDED}
_MOZ_STATUS2 = {0x00200000: DELETED, 0x00800000: MDNSENT}

MAILDIR_FLAGS = {"D": DRAFT, "F": FLAGGED, "P": FORWARDED, "R": ANSWERED, "S": SEEN, "T": DELETED}
_MAILDIR_LETTERS = {name: letter for letter, name in MAILDIR_FLAGS.items()}
#: Dovecot keyword letters (``dovecot-keywords`` numbers 0..25).
MAX_MAILDIR_KEYWORDS = 26

_BLANK = re.compile(rb"\n\r?\n")
_META = re.compile(
    rb"^(" + b"|".join(f.encode() for f in MBOX_META_FIELDS) + rb")[ \t]*:", re.I | re.M
)
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:", re.I | re.M)
_FIELD_START = re.compile(rb"^([!-9;-~]+)[ \t]*:", re.M)
_MOZ = re.compile(rb"^x-mozilla-(status2?|keys)[ \t]*:([^\n]*)", re.I | re.M)
_KEYWORD_SPLIT = re.compile(r"[\s,]+")


def header_end(raw: bytes) -> int:
    """Offset just past the top-level header's blank line (or ``len(raw)`` without one)."""
    if raw[:1] == b"\n":
        return 1
    if raw[:2] == b"\r\n":
        return 2
    m = _BLANK.search(raw)
    return m.end() if m else len(raw)


def take_mbox_meta(raw: bytes, content_length: bool = False) -> tuple[bytes, dict[str, str]]:
    """Remove the mbox metadata fields from the top-level header.

    Returns the message without them (every other byte unchanged) and their values by lower-case
    name (the first occurrence wins). ``content_length`` also takes out ``Content-Length``, which
    mboxcl/mboxcl2 writers add.
    """
    end = header_end(raw)
    head = raw[:end]
    if _META.search(head) is None and not (content_length and _CONTENT_LENGTH.search(head)):
        return raw, {}
    names = set(MBOX_META_FIELDS) | ({"content-length"} if content_length else set())
    values: dict[str, str] = {}
    kept: list[bytes] = []
    dropping: str | None = None  # the metadata field whose folded lines are being dropped
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and line.strip():
            if dropping is None:
                kept.append(line)
            elif dropping in values:
                values[dropping] += " " + line.decode("latin-1").strip()
            continue
        m = _FIELD_START.match(line)
        name = m.group(1).decode("ascii").lower() if m else ""
        if m is None or name not in names:
            dropping = None
            kept.append(line)
            continue
        first = name not in values
        dropping = name if first else ""
        if first:
            values[name] = line[m.end() :].decode("latin-1").strip()
    return b"".join(kept) + raw[end:], values


def mbox_flags(meta: Mapping[str, str], raw: bytes) -> list[str]:
    """Flags from the mbox metadata fields and Thunderbird's X-Mozilla-* fields in ``raw``."""
    flags: list[str] = []
    status = meta.get("status", "")
    if "R" in status:
        flags.append(SEEN)
    flags.extend(_X_STATUS[c] for c in meta.get("x-status", "") if c in _X_STATUS)
    flags.extend(k for k in _KEYWORD_SPLIT.split(meta.get("x-keywords", "")) if k)
    head = raw[: header_end(raw)]
    if b"x-mozilla-" in head.lower():
        for m in _MOZ.finditer(head):
            kind, value = m.group(1).lower(), m.group(2).decode("latin-1").strip()
            if kind == b"keys":
                flags.extend(k for k in _KEYWORD_SPLIT.split(value) if k)
                continue
            try:
                bits = int(value, 16)
            except ValueError:
                continue
            table = _MOZ_STATUS if kind == b"status" else _MOZ_STATUS2
            flags.extend(name for bit, name in table.items() if bits & bit)
    return flags


def mbox_meta_header(flags: Iterable[str], eol: bytes = b"\n") -> bytes:
    """``Status``/``X-Status``/``X-Keywords`` fields for ``flags`` (what :func:`mbox_flags`
    reads back). Every exported message is ``O`` (old): \\Recent is not kept."""
    names = set(flags)
    out = b"Status: " + (b"RO" if SEEN in names else b"O") + eol
    x_status = "".join(letter for name, letter in _X_STATUS_OUT if name in names)
    if x_status:
        out += b"X-Status: " + x_status.encode() + eol
    keywords = [f for f in flags if not f.startswith("\\")]
    if keywords:
        out += b"X-Keywords: " + " ".join(keywords).encode() + eol
    return out


def maildir_flags(info: str, keywords: Mapping[int, str]) -> list[str]:
    """Flags from a Maildir info suffix's letters (the part after ``2,``)."""
    flags: list[str] = []
    for c in info:
        if c in MAILDIR_FLAGS:
            flags.append(MAILDIR_FLAGS[c])
        elif "a" <= c <= "z":
            name = keywords.get(ord(c) - ord("a"))
            if name:
                flags.append(name)
    return flags


def maildir_info(flags: Iterable[str], keyword_index: Mapping[str, int]) -> tuple[str, list[str]]:
    """Info letters for ``flags`` (ASCII order, as maildir(5) asks) and the keywords that had
    no letter (more than 26 in one folder)."""
    letters: list[str] = []
    lost: list[str] = []
    for name in flags:
        if name in _MAILDIR_LETTERS:
            letters.append(_MAILDIR_LETTERS[name])
        elif not name.startswith("\\"):
            index = keyword_index.get(name)
            if index is None:
                lost.append(name)
            else:
                letters.append(chr(ord("a") + index))
    return "".join(sorted(set(letters))), lost


def clean_flags(flags: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
    """Flags the store accepts, and those it would reject (bad or too many keywords).

    A source may carry keywords IMAP cannot express (spaces, brackets, 8-bit): they are left
    out and counted rather than failing the message.
    """
    kept: list[str] = []
    dropped: list[str] = []
    seen: set[str] = set()
    keywords = 0
    for name in flags:
        low = name.lower()
        if low in seen or low == "\\recent":  # \Recent is session state
            continue
        try:
            split_flags([name])
        except InvalidArgument:
            dropped.append(name)
            continue
        if not name.startswith("\\"):
            if keywords >= MAX_KEYWORDS:
                dropped.append(name)
                continue
            keywords += 1
        seen.add(low)
        kept.append(name)
    return tuple(kept), dropped
