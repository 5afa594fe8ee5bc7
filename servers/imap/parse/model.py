"""Values shared by every command group: the command base class and sequence sets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

__all__ = ["Command", "SavedResult", "SequenceArg", "SequenceSet", "UidCommand"]


@dataclass(frozen=True)
class Command:
    """Base of the frozen dataclass that each command parses into.

    ``NAME`` is the command's keyword; ``name`` is the key of the session's
    dispatch table (``"UID FETCH"`` differs from ``"FETCH"``).
    """

    NAME: ClassVar[str] = ""
    tag: str

    @property
    def name(self) -> str:
        return self.NAME


@dataclass(frozen=True)
class UidCommand(Command):
    """A command that also exists as ``UID <command>`` (RFC 9051 §6.4.9)."""

    uid: bool

    @property
    def name(self) -> str:
        return f"UID {self.NAME}" if self.uid else self.NAME


@dataclass(frozen=True)
class SequenceSet:
    """RFC 9051 §9 ``sequence-set``: ranges as written, ``None`` standing for ``*``.

    A single number ``n`` is the range ``(n, n)``. Ranges keep the client's
    order and direction (``5:3`` is ``(5, 3)``); ``resolve`` normalises them.
    """

    ranges: tuple[tuple[int | None, int | None], ...]

    @classmethod
    def of(cls, values: Iterable[int]) -> SequenceSet:
        """The compact set of ``values`` (``1,2,3,7`` becomes ``1:3,7``)."""
        ranges: list[tuple[int | None, int | None]] = []
        for low, high in _runs(sorted(set(values))):
            ranges.append((low, high))
        if not ranges:
            raise ValueError("a sequence set cannot be empty")
        return cls(tuple(ranges))

    @property
    def has_star(self) -> bool:
        """True when ``*`` appears anywhere in the set."""
        return any(low is None or high is None for low, high in self.ranges)

    def resolve(self, largest: int) -> tuple[tuple[int, int], ...]:
        """Sorted, merged, inclusive ranges with ``*`` read as ``largest`` (RFC 9051 §9).

        ``largest`` is the highest sequence number or UID in use; a range whose
        ends both exceed it still matches ``largest`` when one end is ``*``.
        Ranges starting at 0 (``*`` in an empty mailbox) are clipped to 1.
        """
        spans: list[tuple[int, int]] = []
        for low, high in self.ranges:
            first = largest if low is None else low
            last = largest if high is None else high
            first, last = min(first, last), max(first, last)
            if last >= 1:
                spans.append((max(first, 1), last))
        spans.sort()
        merged: list[tuple[int, int]] = []
        for first, last in spans:
            if merged and first <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], last))
            else:
                merged.append((first, last))
        return tuple(merged)

    def contains(self, number: int, largest: int) -> bool:
        """True when ``number`` is in the set once ``*`` means ``largest``."""
        return any(first <= number <= last for first, last in self.resolve(largest))

    def __str__(self) -> str:
        return ",".join(_range_text(low, high) for low, high in self.ranges)


@dataclass(frozen=True)
class SavedResult:
    """``$``: the result saved by the last ``SEARCH RETURN (SAVE)`` (RFC 5182 §2.1)."""

    def __str__(self) -> str:
        return "$"


SequenceArg = SequenceSet | SavedResult


def _runs(ordered: list[int]) -> Iterable[tuple[int, int]]:
    """Consecutive runs of a sorted list of distinct numbers."""
    if not ordered:
        return
    start = prev = ordered[0]
    for number in ordered[1:]:
        if number != prev + 1:
            yield start, prev
            start = number
        prev = number
    yield start, prev


def _number_text(number: int | None) -> str:
    return "*" if number is None else str(number)


def _range_text(low: int | None, high: int | None) -> str:
    if low == high:
        return _number_text(low)
    return f"{_number_text(low)}:{_number_text(high)}"
