"""The organization view's two panes: Accounts (one row per account) and every account's Findings.

Rows are built from :class:`~iamtui.core.fleet.AccountLine` s, so the Accounts pane shows an
account as pending, running, backing off, read or not reachable while the scan runs. An account
whose rules could not all run says so in its status: unknown is never read as clean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from iamtui.core.findings import Finding, Severity
from iamtui.core.fleet.model import AccountLine, AccountState
from iamtui.core.output import completeness
from iamtui.core.rules import ALL_RULES
from iamtui.core.views.format import age_cell, severity_cell
from iamtui.core.views.table import Cell, Column, Row, RowKind, cells, natural_widths

_TITLES = {r.id: r.title for r in ALL_RULES}
#: The severity columns of the Accounts pane, worst first, with their headers.
COUNTED = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
_SHORT = {
    Severity.CRITICAL: "Crit",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Med",
    Severity.LOW: "Low",
}


@dataclass(frozen=True, slots=True)
class OrgTable:
    """One organization pane: columns, rows in default order, their natural widths."""

    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    widths: tuple[int, ...]
    empty: str


def _count(line: AccountLine, severity: Severity) -> Cell:
    evaluation = line.outcome.evaluation if line.outcome is not None else None
    if evaluation is None:
        return Cell("·", None, "muted")
    n = sum(1 for f in evaluation.findings if f.severity == severity and f.suppressed is None)
    return Cell(str(n), float(n), severity.label if n else "muted")


def _root(line: AccountLine) -> Cell:
    facts = line.outcome.facts if line.outcome is not None else None
    if facts is None:
        return Cell("·", None, "muted")
    if facts.root_mfa is None or facts.root_keys is None:
        return Cell("unknown", "unknown", "warn")
    if not facts.root_mfa and not facts.root_keys and facts.root_mfa_unproven:
        # Centralized root access may have removed root's credentials: not a failure, unproven.
        return Cell("no credentials?", "no credentials?", "warn")
    words = ["MFA" if facts.root_mfa else "no MFA"]
    if facts.root_keys:
        words.append("access keys")
    bad = facts.root_keys or not facts.root_mfa
    return Cell(", ".join(words), ", ".join(words), "bad" if bad else "ok")


def _status(line: AccountLine) -> Cell:
    outcome = line.outcome
    if outcome is not None and outcome.unreachable is not None:
        return Cell(str(outcome.unreachable), "0 " + str(outcome.unreachable), "bad")
    if outcome is not None and outcome.evaluation is not None and outcome.snapshot is not None:
        seen = completeness(outcome.evaluation, outcome.snapshot, last_accessed_requested=False)
        fresh = " (after your changes)" if line.from_session else ""
        if not seen.complete:
            return Cell(seen.headline() + fresh, "1 " + seen.headline(), "warn")
        return Cell("complete" + fresh, "2 complete", "ok")
    text = {
        AccountState.PENDING: "waiting for a free slot",
        AccountState.RUNNING: "reading…",
        AccountState.WAITING: line.detail or "throttled: backing off",
    }.get(line.state, line.state)
    return Cell(text, "3 " + text, "muted")


def _when(line: AccountLine, now: datetime, which: str) -> Cell:
    facts = line.outcome.facts if line.outcome is not None else None
    if facts is None:
        return Cell("·", None, "muted")
    if facts.report_generated_at is None:  # no credential report: keys unknown, not "none"
        return Cell("unknown", None, "warn")
    when = facts.oldest_active_key if which == "key" else facts.report_generated_at
    never = "none"
    return Cell(age_cell(when, now, never), when.timestamp() if when else None)


def _name(line: AccountLine) -> Cell:
    return Cell(line.target.name, line.target.name.lower())


def _id(line: AccountLine) -> Cell:
    return Cell(line.account_id or "?", line.account_id)


def _ou_cell(line: AccountLine) -> Cell:
    text = _ou(line)
    return Cell(text, text.lower(), "muted" if line.target.ou is None else "")


def _counter(severity: Severity) -> Column:
    def get(line: AccountLine) -> Cell:
        return _count(line, severity)

    return Column(severity.label, _SHORT[severity], max_width=6, min_width=4, right=True, get=get)


def account_columns(now: datetime) -> tuple[Column, ...]:
    """The Accounts pane's columns (ages count from ``now``)."""

    def oldest_key(line: AccountLine) -> Cell:
        return _when(line, now, "key")

    def data_age(line: AccountLine) -> Cell:
        return _when(line, now, "data")

    return (
        Column("name", "Account", max_width=24, min_width=12, get=_name),
        Column("id", "Id", max_width=12, min_width=12, get=_id),
        Column("ou", "OU", max_width=20, min_width=12, get=_ou_cell),
        *(_counter(s) for s in COUNTED),
        Column("root", "Root", max_width=22, min_width=19, get=_root),
        Column("oldest-key", "Oldest key", max_width=18, min_width=12, get=oldest_key),
        Column("data-age", "Data age", max_width=12, min_width=9, get=data_age),
        Column("status", "Status", max_width=120, min_width=16, flex=True, get=_status),
    )


def _ou(line: AccountLine) -> str:
    ou = line.target.ou
    if line.target.profile is not None:
        return f"profile {line.target.profile}"
    return "?" if ou is None else ou or "(root)"


def accounts_table(lines: Sequence[AccountLine], now: datetime) -> OrgTable:
    """The Accounts pane: one row per account, in the listing's order."""
    columns = account_columns(now)
    rows = []
    for line in lines:
        texts, sort, tones = cells(columns, line)
        search = " ".join((*texts, line.target.label, line.state, line.detail)).lower()
        rows.append(
            Row(
                key=f"account:{line.key}",
                kind=RowKind.ACCOUNT,
                cells=texts,
                sort=sort,
                search=search,
                tones=tones,
                dim=line.outcome is not None and not line.outcome.reachable,
                data=line,
                ident=f"{line.target.name.lower()}\0{line.key}",
            )
        )
    return OrgTable(
        columns, tuple(rows), tuple(natural_widths(columns, rows)), "No accounts in this run."
    )


@dataclass(frozen=True, slots=True)
class OrgFinding:
    """One finding of one account (the organization Findings pane's item)."""

    line: AccountLine
    finding: Finding


def _severity(item: OrgFinding) -> Cell:
    severity = item.finding.severity
    return Cell(severity_cell(severity), float(severity), severity.label)


def _account(item: OrgFinding) -> Cell:
    return _name(item.line)


def _rule(item: OrgFinding) -> Cell:
    return Cell(item.finding.rule, item.finding.rule, "muted")


def _principal(item: OrgFinding) -> Cell:
    return Cell(item.finding.principal_name, item.finding.principal_name.lower())


def _summary(item: OrgFinding) -> Cell:
    return Cell(item.finding.summary, item.finding.summary.lower())


FINDING_COLUMNS = (
    Column("severity", "Severity", max_width=10, get=_severity),
    Column("account", "Account", max_width=24, get=_account),
    Column("rule", "Rule", max_width=30, get=_rule),
    Column("principal", "Principal", max_width=34, get=_principal),
    Column("summary", "Finding", max_width=120, min_width=20, flex=True, get=_summary),
)


def findings_table(lines: Sequence[AccountLine]) -> OrgTable:
    """Every reachable account's findings, worst first, then by account and rule."""
    items = [
        OrgFinding(line, f)
        for line in lines
        if line.outcome is not None and line.outcome.evaluation is not None
        for f in line.outcome.evaluation.findings
    ]
    items.sort(key=lambda o: (-o.finding.severity, o.line.target.name.lower(), o.finding.rule))
    rows = []
    for item in items:
        f = item.finding
        texts, sort, tones = cells(FINDING_COLUMNS, item)
        search = " ".join(
            (
                *texts,
                item.line.account_id,
                f.severity.label,
                _TITLES.get(f.rule, ""),
                f.principal_arn,
                "suppressed" if f.suppressed else "",
            )
        ).lower()
        rows.append(
            Row(
                key=f"org-finding:{item.line.key}:{f.id}",
                kind=RowKind.FINDING,
                cells=texts,
                sort=sort,
                search=search,
                tones=tones,
                dim=f.suppressed is not None,
                data=item,
                ident=f"{item.line.target.name.lower()}\0{f.principal_arn}\0{f.rule}\0{f.id}",
            )
        )
    unread = sum(1 for line in lines if line.outcome is None or not line.outcome.reachable)
    empty = (
        f"No findings in the accounts read; {unread} account(s) not read: "
        "their findings are unknown."
        if unread
        else "No findings in any account."
    )
    return OrgTable(
        FINDING_COLUMNS, tuple(rows), tuple(natural_widths(FINDING_COLUMNS, rows)), empty
    )
