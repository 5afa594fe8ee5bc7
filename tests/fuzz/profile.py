"""The hypothesis settings every fuzz property uses: bounded, deterministic, no database.

``derandomize`` makes the examples a function of the test alone (CI never flakes on a new
random draw) and ``database=None`` keeps no example store between runs, so a local failure is
reproduced by its printed blob, not by a hidden ``.hypothesis`` folder.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def bounded(max_examples: int, **extra: object) -> settings:
    """Settings for a property with at most ``max_examples`` examples (no deadline: CI is slow)."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=SLOW_OK,
        **extra,  # type: ignore[arg-type]
    )
