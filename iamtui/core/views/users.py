"""The Users pane: one row per IAM user, credentials from the credential report."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from iamtui.core.findings import Finding
from iamtui.core.model import CredentialReportRow, Part, User
from iamtui.core.views.format import NEVER, age_cell, finding_cell, last_use, report_ago, tags_text
from iamtui.core.views.table import Cell, Column, Pane, PaneView, Row, RowKind, cells

if TYPE_CHECKING:
    from iamtui.core.views.panes import Views


class UserItem(NamedTuple):
    """What one Users row is made of: the user, its report row (if any) and its findings."""

    user: User
    report: CredentialReportRow | None
    findings: Sequence[Finding]
    now: datetime


_UNKNOWN = Cell("?", None, "muted")


def _console(u: UserItem) -> Cell:
    if u.report is None:
        return _UNKNOWN
    enabled = u.report.password_enabled is True
    return Cell("yes" if enabled else "no", float(enabled), "" if enabled else "muted")


def _password_used(u: UserItem) -> Cell:
    if u.report is None:
        return Cell("not in report", None, "muted")
    if u.report.password_enabled is not True:
        return Cell("—", None, "muted")
    used = u.report.password_last_used
    return Cell(report_ago(used, u.now, na="—", suffix=False), last_use(used), "")


def _mfa(u: UserItem) -> Cell:
    if u.report is None:
        return _UNKNOWN
    ok = u.report.mfa_active
    enabled = u.report.password_enabled is True
    return Cell("yes" if ok else "no", float(ok), "ok" if ok else ("bad" if enabled else "muted"))


def _counts(report: CredentialReportRow) -> tuple[int, int]:
    active = sum(1 for k in report.keys if k.active)
    inactive = sum(1 for k in report.keys if not k.active and isinstance(k.last_rotated, datetime))
    return active, inactive


def _keys(u: UserItem) -> Cell:
    if u.report is None:
        return _UNKNOWN
    active, inactive = _counts(u.report)
    parts = []
    if active:
        parts.append(f"{active} active")
    if inactive:
        parts.append(f"{inactive} inactive")
    return Cell(", ".join(parts) or "—", float(active), "" if active else "muted")


def _key_used(u: UserItem) -> Cell:
    if u.report is None:
        return Cell("—", None, "muted")
    used = [k.last_used for k in u.report.keys if isinstance(k.last_used, datetime)]
    if used:
        latest = max(used)
        return Cell(age_cell(latest, u.now), latest.timestamp(), "")
    if any(_counts(u.report)):
        return Cell("never", NEVER, "warn")
    return Cell("—", None, "muted")


USER_COLUMNS = (
    Column("name", "User", max_width=28, get=lambda u: Cell(u.user.name, u.user.name.lower())),
    Column(
        "path", "Path", max_width=16,
        get=lambda u: Cell(u.user.path, u.user.path.lower(), "muted"),
    ),
    Column("console", "Console", max_width=8, get=_console),
    Column("password_used", "Password used", max_width=18, get=_password_used),
    Column("mfa", "MFA", max_width=5, get=_mfa),
    Column("keys", "Keys", max_width=20, get=_keys),
    Column("key_used", "Key used", max_width=18, get=_key_used),
    Column(
        "created", "Created", max_width=18,
        get=lambda u: Cell(age_cell(u.user.create_date, u.now), u.user.create_date.timestamp()),
    ),
    Column("findings", "Findings", max_width=14, flex=True, get=lambda u: finding_cell(u.findings)),
)  # fmt: skip


def user_row(v: Views, user: User) -> Row:
    """One user's row."""
    findings = v.by_principal.get(user.arn, ())
    texts, sort, tones = cells(
        USER_COLUMNS, UserItem(user, v.report_rows.get(user.name), findings, v.now)
    )
    rule_ids = " ".join(f.rule for f in findings)
    return Row(
        key=f"user:{user.arn}",
        ident=f"{user.name.lower()}\0{user.arn}",
        kind=RowKind.USER,
        cells=texts,
        sort=sort,
        search=" ".join(
            (user.name, user.arn, user.user_id, tags_text(user.tags), rule_ids)
        ).lower(),
        tones=tones,
        data=user,
    )


def build(v: Views) -> PaneView:
    """Every user, in the order authorization details list them."""
    rows = tuple(user_row(v, user) for user in v.snapshot.users)
    return PaneView(
        Pane.USERS, USER_COLUMNS, rows, unavailable=v.missing(Part.AUTHORIZATION_DETAILS)
    )


def patch(
    v: Views, old: PaneView, names: Collection[str]
) -> tuple[PaneView, list[Row], list[Row]] | None:
    """The pane with the rows of users ``names`` rebuilt, every other row object kept."""
    if not names:
        return None
    rows = list(old.rows)
    removed: list[Row] = []
    added: list[Row] = []
    for name in names:
        user = v.users.get(name)
        if user is None:
            continue
        i = v.position(user.arn)
        removed.append(rows[i])
        rows[i] = user_row(v, user)
        added.append(rows[i])
    view = PaneView(
        Pane.USERS, USER_COLUMNS, tuple(rows), unavailable=v.missing(Part.AUTHORIZATION_DETAILS)
    )
    return view, removed, added
