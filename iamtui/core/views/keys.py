"""The Access keys pane: one row per credential-report key slot of a live user."""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from iamtui.core.findings import AccountIndex, Finding
from iamtui.core.model import AccessKey, CredentialReportRow, Part, ReportKey, User
from iamtui.core.rules._common import match_key_id
from iamtui.core.views.format import (
    finding_cell,
    last_use,
    report_ago,
    report_text,
    tags_text,
    timestamp,
)
from iamtui.core.views.table import Cell, Column, Pane, PaneView, Row, RowKind, cells

if TYPE_CHECKING:
    from iamtui.core.views.panes import Views


@dataclass(frozen=True, slots=True)
class KeySlot:
    """One credential-report access-key slot of a user, with its key id when details say so."""

    user: User
    row: CredentialReportRow
    slot: int
    key: ReportKey
    key_id: str | None
    detail_key: AccessKey | None = None


class KeyItem(NamedTuple):
    """What one Access keys row is made of: the slot, its findings, and when it is stale."""

    slot: KeySlot
    findings: Sequence[Finding]
    now: datetime
    rotation_days: int


def _label(k: KeyItem) -> Cell:
    slot = k.slot
    text = f"key {slot.slot} · {slot.key_id}" if slot.key_id else f"key {slot.slot}"
    return Cell(text, f"{slot.slot}:{slot.key_id or ''}", "" if slot.key_id else "muted")


def _status(k: KeyItem) -> Cell:
    active = k.slot.key.active
    text = "Active" if active else "Inactive"
    return Cell(text, text, "ok" if active else "muted")


def _age(k: KeyItem) -> Cell:
    key, rotated = k.slot.key, k.slot.key.last_rotated
    if not isinstance(rotated, datetime):
        return Cell(report_ago(rotated, k.now, na="—", suffix=False), None, "")
    stale = k.now - rotated > timedelta(days=k.rotation_days)
    return Cell(
        report_ago(rotated, k.now, na="—", suffix=False),
        -(timestamp(rotated) or 0),
        "warn" if stale and key.active else "",
    )


def _last_used(k: KeyItem) -> Cell:
    key = k.slot.key
    never = not isinstance(key.last_used, datetime)
    return Cell(
        report_ago(key.last_used, k.now, suffix=False),
        last_use(key.last_used),
        "warn" if never and key.active else "",
    )


def _text(value: str) -> Cell:
    return Cell(value, value, "muted")


KEY_COLUMNS = (
    Column(
        "user", "User", max_width=28,
        get=lambda k: Cell(k.slot.user.name, k.slot.user.name.lower()),
    ),
    Column("key", "Key", max_width=26, get=_label),
    Column("status", "Status", max_width=8, get=_status),
    Column("age", "Age", max_width=18, get=_age),
    Column("last_used", "Last used", max_width=18, get=_last_used),
    Column(
        "service", "Service", max_width=14,
        get=lambda k: _text(report_text(k.slot.key.last_used_service)),
    ),
    Column(
        "region", "Region", max_width=14,
        get=lambda k: _text(report_text(k.slot.key.last_used_region)),
    ),
    Column("findings", "Findings", max_width=14, flex=True, get=lambda k: finding_cell(k.findings)),
)  # fmt: skip


def user_slots(v: Views, report_row: CredentialReportRow, user: User) -> list[KeySlot]:
    """A live user's slots that hold a key (active or inactive), matched to key ids if loaded."""
    detail = v.snapshot.details.get(user.arn)
    slots: list[KeySlot] = []
    for number, key in enumerate(report_row.keys, start=1):
        if not (key.active or isinstance(key.last_rotated, datetime)):
            continue
        key_id = match_key_id(detail, report_row, number)
        matched = None
        if detail is not None and key_id is not None:
            matched = next((k for k in detail.access_keys if k.key_id == key_id), None)
        slots.append(KeySlot(user, report_row, number, key, key_id, matched))
    return slots


def key_slots(v: Views) -> list[KeySlot]:
    """Slots holding a key (active or inactive) of users that still exist."""
    return [slot for row, user in v.index.live_rows for slot in user_slots(v, row, user)]


def key_row(v: Views, slot: KeySlot) -> Row:
    """One key slot's row."""
    findings = v.by_key.get((slot.user.arn, slot.slot), ())
    item = KeyItem(slot, findings, v.now, v.settings.thresholds.key_rotation_days)
    texts, sort, tones = cells(KEY_COLUMNS, item)
    key = slot.key
    search = " ".join(
        (
            slot.user.name,
            slot.user.arn,
            slot.key_id or "",
            texts[2],
            report_text(key.last_used_service),
            report_text(key.last_used_region),
            tags_text(slot.user.tags),
            " ".join(f.rule for f in findings),
        )
    ).lower()
    return Row(
        key=f"key:{slot.user.arn}:{slot.slot}",
        ident=f"{slot.user.name.lower()}\0{slot.user.arn}\0{slot.slot}",
        kind=RowKind.KEY,
        cells=texts,
        sort=sort,
        search=search,
        tones=tones,
        dim=not key.active,
        data=slot,
    )


def build(v: Views) -> PaneView:
    """Every key slot in use, in credential-report order."""
    rows = tuple(key_row(v, slot) for slot in key_slots(v))
    return PaneView(Pane.KEYS, KEY_COLUMNS, rows, unavailable=v.missing(Part.CREDENTIAL_REPORT))


def patch(
    v: Views, old: PaneView, names: Collection[str]
) -> tuple[PaneView, list[Row], list[Row]] | None:
    """The pane with the key rows of users ``names`` rebuilt, every other row object kept.

    Rows follow the credential report's order: a user's new rows go where its report row is.
    """
    if not names:
        return None
    report = v.snapshot.credential_report
    rows = [r for r in old.rows if not (isinstance(r.data, KeySlot) and r.data.user.name in names)]
    removed = [r for r in old.rows if isinstance(r.data, KeySlot) and r.data.user.name in names]
    added: list[Row] = []
    if report is not None:
        position = {row.user: i for i, row in enumerate(report.rows)}
        for name in sorted(names, key=lambda n: position.get(n, -1)):
            user, report_row = v.users.get(name), v.report_rows.get(name)
            if user is None or report_row is None or not AccountIndex.is_live(report_row, user):
                continue
            fresh = [key_row(v, slot) for slot in user_slots(v, report_row, user)]
            at = bisect.bisect_left(rows, position[name], key=lambda r: _position(r, position))
            rows[at:at] = fresh
            added += fresh
    if not added and not removed:
        return None
    view = PaneView(
        Pane.KEYS, KEY_COLUMNS, tuple(rows), unavailable=v.missing(Part.CREDENTIAL_REPORT)
    )
    return view, removed, added


def _position(row: Row, position: dict[str, int]) -> int:
    return position[row.data.user.name] if isinstance(row.data, KeySlot) else -1
