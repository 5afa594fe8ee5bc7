"""Marker words with exact, known frequencies, and the message type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WORDS_0_1: tuple[str, ...] = ("zorquaxian", "quibbletron", "vexquillion")
WORDS_1: tuple[str, ...] = ("blorquent", "quazzimodal", "frobquistic")
WORDS_10: tuple[str, ...] = ("snarquel", "quendrix", "plumquat")
SUBJECT_WORD = "quorbitrax"
FROM_ADDRESS = "zed.quimby@marker-sender.example"

#: word -> (period, offset): message ``i`` carries the marker iff ``i % period == offset``.
MARKERS: dict[str, tuple[int, int]] = {
    **{w: (1000, k * 337) for k, w in enumerate(WORDS_0_1)},
    **{w: (100, 1 + k * 33) for k, w in enumerate(WORDS_1)},
    **{w: (10, 2 + k * 3) for k, w in enumerate(WORDS_10)},
    SUBJECT_WORD: (100, 7),
    FROM_ADDRESS: (100, 13),
}
_BODY_MARKERS = tuple((w, *MARKERS[w]) for w in (*WORDS_0_1, *WORDS_1, *WORDS_10))


def has_marker(word: str, index: int) -> bool:
    """Whether message ``index`` carries ``word`` (in its body, Subject or From)."""
    period, offset = MARKERS[word]
    return index % period == offset


def expected_hits(word: str, count: int) -> int:
    """How many of the first ``count`` messages carry the marker ``word``."""
    period, offset = MARKERS[word]
    return 0 if count <= offset else (count - 1 - offset) // period + 1


@dataclass(frozen=True, slots=True)
class CorpusMessage:
    index: int
    raw: bytes  # CRLF line endings, RFC 5322
    internal_date: datetime  # tz-aware UTC
    flags: frozenset[str]
    mail_from: str = ""  # SMTP envelope sender ("" for bounces)
    rcpt_to: tuple[str, ...] = ()  # SMTP envelope recipients, drawn from `recipients`
