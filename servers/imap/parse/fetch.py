"""FETCH and UID FETCH (RFC 9051 §6.4.5), with BINARY (RFC 3516) and CONDSTORE/QRESYNC
modifiers (RFC 7162 §3.1.4.1, §3.2.6).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from servers.imap.wire import encode

from .lexer import (
    DIGITS,
    MAX_NUMBER,
    CommandParser,
    Cursor,
    ascii_text,
    header_fld_name,
    keyword,
    mod_sequence_value,
    number64,
    nz_number64,
    parenthesized,
    sequence_set,
)
from .model import SequenceArg, UidCommand

__all__ = [
    "COMMANDS",
    "UID_COMMANDS",
    "BinarySize",
    "BodySection",
    "Fetch",
    "FetchAttr",
    "FetchItem",
    "SectionSpec",
    "SectionText",
]


class FetchAttr(StrEnum):
    """The fetch-att items without arguments (RFC 9051 §6.4.5)."""

    ENVELOPE = "ENVELOPE"
    FLAGS = "FLAGS"
    INTERNALDATE = "INTERNALDATE"
    RFC822 = "RFC822"  # RFC 3501: BODY[] that sets \Seen, answered as RFC822
    RFC822_HEADER = "RFC822.HEADER"  # BODY.PEEK[HEADER], answered as RFC822.HEADER
    RFC822_SIZE = "RFC822.SIZE"
    RFC822_TEXT = "RFC822.TEXT"  # BODY[TEXT], answered as RFC822.TEXT
    BODY = "BODY"  # the non-extensible BODYSTRUCTURE
    BODYSTRUCTURE = "BODYSTRUCTURE"
    UID = "UID"
    MODSEQ = "MODSEQ"  # RFC 7162 §3.1.4
    SAVEDATE = "SAVEDATE"  # RFC 8514 §4.3


class SectionText(StrEnum):
    """RFC 9051 §9 ``section-text`` / ``section-msgtext``."""

    HEADER = "HEADER"
    HEADER_FIELDS = "HEADER.FIELDS"
    HEADER_FIELDS_NOT = "HEADER.FIELDS.NOT"
    TEXT = "TEXT"
    MIME = "MIME"  # only after a part number


@dataclass(frozen=True)
class SectionSpec:
    """RFC 9051 §6.4.5 section: ``part`` numbers (() is the whole message), then ``text``.

    ``fields`` holds the header-list of HEADER.FIELDS[.NOT], as written.
    """

    part: tuple[int, ...] = ()
    text: SectionText | None = None
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        pieces = [str(number) for number in self.part]
        if self.text is not None:
            pieces.append(self.text.value)
        spec = ".".join(pieces)
        if self.fields:
            names = b" ".join(encode.astring(name) for name in self.fields)
            spec += " (" + names.decode("ascii") + ")"
        return spec


@dataclass(frozen=True)
class BodySection:
    """``BODY[section]<origin.count>``, ``BODY.PEEK[...]``, ``BINARY[.PEEK][part]`` (RFC 3516)."""

    peek: bool
    section: SectionSpec
    partial: tuple[int, int] | None = None  # (origin, count)
    binary: bool = False

    def response_name(self) -> str:
        """The item name in the FETCH response: ``BODY[1.TEXT]<0>`` (RFC 9051 §7.5.2)."""
        name = "BINARY" if self.binary else "BODY"
        origin = "" if self.partial is None else f"<{self.partial[0]}>"
        return f"{name}[{self.section}]{origin}"


@dataclass(frozen=True)
class BinarySize:
    """``BINARY.SIZE[part]`` (RFC 3516 §4.2)."""

    part: tuple[int, ...]


FetchItem = FetchAttr | BodySection | BinarySize

# RFC 9051 §6.4.5 macros, expanded at parse time.
MACROS: dict[str, tuple[FetchItem, ...]] = {
    "FAST": (FetchAttr.FLAGS, FetchAttr.INTERNALDATE, FetchAttr.RFC822_SIZE),
    "ALL": (FetchAttr.FLAGS, FetchAttr.INTERNALDATE, FetchAttr.RFC822_SIZE, FetchAttr.ENVELOPE),
    "FULL": (
        FetchAttr.FLAGS,
        FetchAttr.INTERNALDATE,
        FetchAttr.RFC822_SIZE,
        FetchAttr.ENVELOPE,
        FetchAttr.BODY,
    ),
}


@dataclass(frozen=True)
class Fetch(UidCommand):
    """RFC 9051 §6.4.5; ``changedsince`` and ``vanished`` from RFC 7162 §3.1.4.1, §3.2.6."""

    NAME = "FETCH"
    sequence: SequenceArg
    items: tuple[FetchItem, ...]
    changedsince: int | None = None
    vanished: bool = False


_FETCH_ATTRS = {attr.value: attr for attr in FetchAttr}
_SECTION_TEXTS = {text.value: text for text in SectionText}
_NAME_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.")


def section_part(c: Cursor, text: str) -> tuple[tuple[int, ...], list[str]]:
    """Split ``1.2.HEADER`` into part numbers (``nz-number`` each) and the rest."""
    pieces = text.split(".")
    numbers: list[int] = []
    while pieces and pieces[0] and pieces[0][0].isdigit():
        piece = pieces.pop(0)
        if not all(ord(char) in DIGITS for char in piece) or piece[0] == "0":
            c.fail(f"invalid section part {piece!r}")
        if len(piece) > 10 or int(piece) > MAX_NUMBER:
            c.fail("section part out of range")
        numbers.append(int(piece))
    return tuple(numbers), pieces


def section(c: Cursor) -> SectionSpec:
    """RFC 9051 §9: ``section = "[" [section-spec] "]"``."""
    c.expect(b"[")
    if c.accept(b"]"):
        return SectionSpec()
    part, rest = section_part(c, ascii_text(c, c.take(_NAME_CHARS), "section"))
    name = ".".join(rest).upper()
    text = _SECTION_TEXTS.get(name) if rest else None
    if rest and (text is None or (text is SectionText.MIME and not part)):
        c.fail(f"invalid section {name!r}")
    fields: tuple[str, ...] = ()
    if text in (SectionText.HEADER_FIELDS, SectionText.HEADER_FIELDS_NOT):
        c.sp()
        fields = parenthesized(c, header_fld_name)
    c.expect(b"]")
    return SectionSpec(part, text, fields)


def section_binary(c: Cursor) -> tuple[int, ...]:
    """RFC 3516 §6: ``section-binary = "[" [section-part] "]"``."""
    c.expect(b"[")
    spec = ascii_text(c, c.take(_NAME_CHARS), "section")
    part, rest = section_part(c, spec) if spec else ((), [])
    if rest:
        c.fail("BINARY takes only part numbers")
    c.expect(b"]")
    return part


def partial_range(c: Cursor) -> tuple[int, int] | None:
    """RFC 9051 §9: ``partial = "<" number64 "." nz-number64 ">"``."""
    if not c.accept(b"<"):
        return None
    origin = number64(c, "partial origin")
    c.expect(b".")
    count = nz_number64(c, "partial length")
    c.expect(b">")
    return origin, count


def fetch_att(c: Cursor) -> FetchItem:
    """RFC 9051 §9 ``fetch-att`` (and RFC 3516 §6, RFC 7162 §7, RFC 8514 §4.3)."""
    name = ascii_text(c, c.take(_NAME_CHARS), "fetch item").upper()
    if (name == "BODY" and c.peek() == 0x5B) or name == "BODY.PEEK":
        return BodySection(name == "BODY.PEEK", section(c), partial_range(c))
    if name in ("BINARY", "BINARY.PEEK"):
        part = section_binary(c)
        return BodySection(name == "BINARY.PEEK", SectionSpec(part), partial_range(c), True)
    if name == "BINARY.SIZE":
        return BinarySize(section_binary(c))
    if name in _FETCH_ATTRS:
        return _FETCH_ATTRS[name]
    if not name:
        c.fail(f"expected a fetch item{c.where()}")
    c.fail(f"unknown fetch item {name}")


def fetch_atts(c: Cursor) -> tuple[FetchItem, ...]:
    """``"ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")"``."""
    if c.peek() == 0x28:
        return parenthesized(c, fetch_att)
    for macro, items in MACROS.items():
        if c.accept_word(macro.encode()):
            return items
    return (fetch_att(c),)


def fetch(c: Cursor, tag: str, *, uid: bool = False) -> Fetch:
    """RFC 9051 §6.4.5: ``"FETCH" SP sequence-set SP fetch-atts [fetch-modifiers]``.

    RFC 7162 §3.2.6: VANISHED is only valid in UID FETCH and with CHANGEDSINCE.
    """
    c.sp()
    sequence = sequence_set(c)
    c.sp()
    items = fetch_atts(c)
    modifiers = dict(parenthesized(c, fetch_modifier)) if c.accept(b" ") else {}
    changedsince = modifiers.get("CHANGEDSINCE")
    vanished = "VANISHED" in modifiers
    if vanished and not (uid and changedsince is not None):
        c.fail("VANISHED needs UID FETCH and CHANGEDSINCE")
    return Fetch(tag, uid, sequence, items, changedsince, vanished)


def fetch_modifier(c: Cursor) -> tuple[str, int | None]:
    """RFC 7162 §7: ``"CHANGEDSINCE" SP mod-sequence-value`` / ``"VANISHED"``."""
    name = keyword(c, "FETCH modifier")
    if name == "VANISHED":
        return name, None
    if name != "CHANGEDSINCE":
        c.fail(f"unknown FETCH modifier {name}")
    c.sp()
    return name, mod_sequence_value(c)


COMMANDS: dict[str, CommandParser] = {"FETCH": fetch}
UID_COMMANDS: dict[str, CommandParser] = {"FETCH": partial(fetch, uid=True)}
