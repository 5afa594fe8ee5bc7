"""IMAP flags <-> the ``messages.flags`` bitmask and ``keywords`` array.

Flag names are case-insensitive (RFC 9051 §2.3.2): system flags are matched in any case and
returned in their canonical spelling; keywords keep the case first given.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from mailstore.errors import InvalidArgument
from mailstore.schema import SYSTEM_FLAGS

_BY_LOWER = {name.lower(): (name, bit) for name, bit in SYSTEM_FLAGS.items()}
_ATOM_SPECIALS = set('(){ %*"\\]') | {chr(c) for c in range(0x20)} | {"\x7f"}
MAX_KEYWORDS = 100
MAX_KEYWORD_LENGTH = 100


def split_flags(flags: Iterable[str]) -> tuple[int, list[str]]:
    """Names to (system flag mask, keywords). ``\\Recent`` is session state and is ignored."""
    mask = 0
    keywords: list[str] = []
    seen: set[str] = set()
    for flag in flags:
        low = flag.lower()
        if low in _BY_LOWER:
            mask |= _BY_LOWER[low][1]
        elif low == "\\recent":
            continue
        elif flag.startswith("\\"):
            raise InvalidArgument(f"unknown system flag {flag}")
        else:
            if not flag or any(c in _ATOM_SPECIALS for c in flag) or not flag.isascii():
                raise InvalidArgument(f"invalid keyword {flag!r}")
            if len(flag) > MAX_KEYWORD_LENGTH:
                raise InvalidArgument("keyword too long")
            if low not in seen:
                seen.add(low)
                keywords.append(flag)
    if len(keywords) > MAX_KEYWORDS:
        raise InvalidArgument("too many keywords")
    return mask, keywords


def join_flags(mask: int, keywords: Iterable[str]) -> tuple[str, ...]:
    """(mask, keywords) to flag names: system flags first, in a fixed order."""
    return _join(mask, keywords if isinstance(keywords, tuple) else tuple(keywords))


@functools.lru_cache(maxsize=4096)
def _join(mask: int, keywords: tuple[str, ...]) -> tuple[str, ...]:
    # a mailbox has few distinct flag combinations: FETCH 1:* FLAGS builds each one once
    return tuple(name for name, bit in SYSTEM_FLAGS.items() if mask & bit) + keywords
