"""The outcome type of every ``mailstore check`` check (kept apart so the checks and the
runner in ``health.py`` import it without importing each other)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["ok", "warn", "error"]


@dataclass(frozen=True)
class CheckLine:
    """One outcome: what was checked, how it went, and what to do about it."""

    area: str
    level: Level
    message: str
    fix: str = ""
