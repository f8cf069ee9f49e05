"""One wording for ages and durations ("3 months", "2 hours"): rules, reports and panes."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

import humanize


@lru_cache(maxsize=8192)
def _whole_days(days: int) -> str:
    # From one day up, naturaldelta only looks at whole days: cache the few thousand phrases.
    return humanize.naturaldelta(timedelta(days=days))


def duration(delta: timedelta) -> str:
    """A humanized duration ("7 months", "3 hours", "a moment"); day phrases are cached."""
    if delta.days >= 1:
        return _whole_days(delta.days)
    return humanize.naturaldelta(delta)
