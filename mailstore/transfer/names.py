"""Mailbox names <-> folder and file names on disk.

* Maildir++ (Courier, Dovecot's default ``LAYOUT=maildir++``): sub-folders are directories at
  the top of the Maildir named ``.`` + the levels joined with ``.``, each level in IMAP's
  modified UTF-7 (RFC 3501 §5.1.3): ``.Sent`` -> ``Sent``, ``.Lists.python`` -> ``Lists/python``,
  ``.Entw&APw-rfe`` -> ``Entwürfe``. A ``.`` inside a level cannot be written plainly, so the
  exporter encodes it as ``&AC4-`` (modified UTF-7 of U+002E), which this decoder reads back.
* mbox folders: one file per mailbox, sub-folders as directories; ``.mbox`` extensions and
  Thunderbird's ``.sbd`` directory suffix are dropped (``Lists.sbd/python`` -> ``Lists/python``).
"""

from __future__ import annotations

import base64
import re

from mailstore.store.mailboxes import SEPARATOR

_UNSAFE_LEVEL = re.compile(r"[\x00-\x1f\x7f*%]")


def mutf7_decode(text: str) -> str:
    """Decode IMAP modified UTF-7; text that is not valid is returned unchanged."""
    if "&" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "&":
            out.append(c)
            i += 1
            continue
        end = text.find("-", i + 1)
        if end < 0:
            return text
        chunk = text[i + 1 : end]
        if not chunk:
            out.append("&")
        else:
            b64 = chunk.replace(",", "/")
            b64 += "=" * (-len(b64) % 4)
            try:
                out.append(base64.b64decode(b64, validate=True).decode("utf-16-be"))
            except (ValueError, UnicodeDecodeError):
                return text
        i = end + 1
    return "".join(out)


def mutf7_encode(text: str, also: str = "") -> str:
    """Encode in IMAP modified UTF-7; characters in ``also`` are encoded too (e.g. ``.``)."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for c in text:
        if " " <= c <= "~" and c not in also:
            flush()
            out.append("&-" if c == "&" else c)
        else:
            pending.append(c)
    flush()
    return "".join(out)


def safe_level(level: str) -> str:
    """A name level the store accepts: control and wildcard characters become ``_``."""
    level = _UNSAFE_LEVEL.sub("_", level).strip()
    return level if level not in ("", ".", "..") else "_"


def join_levels(levels: list[str]) -> str:
    name = SEPARATOR.join(safe_level(level) for level in levels)
    if name.split(SEPARATOR)[0].upper() == "INBOX":
        name = "INBOX" + name[5:]
    return name


def maildirpp_to_mailbox(dirname: str) -> str:
    """``.Lists.python`` -> ``Lists/python`` (the leading dot is required)."""
    levels = [mutf7_decode(level) for level in dirname[1:].split(".")]
    return join_levels(levels)


def mailbox_to_maildirpp(name: str) -> str:
    """``Lists/python`` -> ``.Lists.python``; INBOX is the Maildir's top (``""``)."""
    if name == "INBOX":
        return ""
    return "." + ".".join(mutf7_encode(level, also=".") for level in name.split(SEPARATOR))


def mbox_path_to_mailbox(parts: tuple[str, ...]) -> str:
    """A file's path relative to the mbox folder -> mailbox name."""
    levels: list[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if not last and part.endswith(".sbd"):
            part = part[:-4]
        if last:
            for ext in (".mbox", ".mbx"):
                if part.lower().endswith(ext) and len(part) > len(ext):
                    part = part[: -len(ext)]
                    break
        levels.append(part)
    return join_levels(levels)
