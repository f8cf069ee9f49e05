"""Which access key a credential-report slot is: the report has no key ids, only times.

The report's ``access_key_N_last_rotated`` is the key's creation time at second precision, so a
slot is the key created within that second; a key added or removed since the report was made
never matches, and nothing is guessed when two keys would.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

#: The report truncates times to seconds; IAM keeps fractions.
SLOT_TOLERANCE = timedelta(seconds=2)


class _Created(Protocol):
    @property
    def create_date(self) -> datetime: ...


K = TypeVar("K", bound=_Created)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def key_in_slot(last_rotated: object, keys: Sequence[K]) -> K | None:
    """The one key created when the slot says (``last_rotated``), or None when none or several."""
    if not isinstance(last_rotated, datetime):
        return None
    when = _utc(last_rotated)
    same = [k for k in keys if abs(_utc(k.create_date) - when) < SLOT_TOLERANCE]
    return same[0] if len(same) == 1 else None
