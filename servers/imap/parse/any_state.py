"""Commands valid in any state: CAPABILITY, NOOP, LOGOUT (RFC 9051 §6.1), ID, ENABLE."""

from __future__ import annotations

from dataclasses import dataclass

from .lexer import CommandParser, Cursor, keyword, nstring, parenthesized, string, utf8_text
from .model import Command

__all__ = ["COMMANDS", "Capability", "Enable", "Id", "Logout", "Noop"]


@dataclass(frozen=True)
class Capability(Command):
    """RFC 9051 §6.1.1."""

    NAME = "CAPABILITY"


@dataclass(frozen=True)
class Noop(Command):
    """RFC 9051 §6.1.2."""

    NAME = "NOOP"


@dataclass(frozen=True)
class Logout(Command):
    """RFC 9051 §6.1.3."""

    NAME = "LOGOUT"


@dataclass(frozen=True)
class Id(Command):
    """RFC 2971 §3.1: client identification; ``params`` is None for ``ID NIL``."""

    NAME = "ID"
    params: tuple[tuple[str, str | None], ...] | None


@dataclass(frozen=True)
class Enable(Command):
    """RFC 9051 §6.3.1 (RFC 5161): capability names in upper case."""

    NAME = "ENABLE"
    capabilities: tuple[str, ...]


def capability(c: Cursor, tag: str) -> Capability:
    return Capability(tag)


def noop(c: Cursor, tag: str) -> Noop:
    return Noop(tag)


def logout(c: Cursor, tag: str) -> Logout:
    return Logout(tag)


def id_param(c: Cursor) -> tuple[str, str | None]:
    """RFC 2971 §4: ``string SP nstring``."""
    field = utf8_text(c, string(c, "ID field"), "ID field")
    c.sp()
    value = nstring(c, "ID value")
    return field, None if value is None else utf8_text(c, value, "ID value")


def id_(c: Cursor, tag: str) -> Id:
    """RFC 2971 §4: ``"ID" SP id-params-list``; id-params-list = "(" *(...) ")" / nil."""
    c.sp()
    if c.accept_word(b"NIL"):
        return Id(tag, None)
    return Id(tag, parenthesized(c, id_param, empty=True))


def enable(c: Cursor, tag: str) -> Enable:
    """RFC 9051 §6.3.1: ``"ENABLE" 1*(SP capability)``."""
    c.sp()
    names = [keyword(c, "capability")]
    while c.accept(b" "):
        names.append(keyword(c, "capability"))
    return Enable(tag, tuple(names))


COMMANDS: dict[str, CommandParser] = {
    "CAPABILITY": capability,
    "NOOP": noop,
    "LOGOUT": logout,
    "ID": id_,
    "ENABLE": enable,
}
