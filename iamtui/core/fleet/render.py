"""A fleet's findings as a table with an account column, one JSON document, or CSV.

The same shapes as one account's (:mod:`iamtui.core.output`, ``iamtui.scan/2``), with the account
named on every finding and every account listed, reached or not (docs/scan-json.md).
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from iamtui.core.findings import Severity, iso
from iamtui.core.fleet.model import Fleet, FleetAccount
from iamtui.core.output import (
    CSV_COLUMNS,
    INCOMPLETE_STYLE,
    SCHEMA,
    SEVERITY_STYLES,
    account_json,
    completeness,
    csv_cell,
    csv_cells,
    csv_field,
    exceeds,
    expired_json,
    finding_json,
    principal_label,
    summary_cell,
)
from iamtui.core.text import plural, printable


def fleet_complete(fleet: Fleet) -> bool:
    """Some account was read, every account was reached and every rule ran on each: only then
    is "no findings" clean (a fleet of no account scanned nothing)."""
    return (
        bool(fleet.reachable)
        and not fleet.unreachable
        and all(
            completeness(a.evaluation, a.snapshot, last_accessed_requested=False).complete
            for a in fleet.reachable
            if a.evaluation is not None and a.snapshot is not None
        )
    )


def fleet_exceeds(fleet: Fleet, severity: Severity) -> bool:
    """``--fail-on`` across the fleet: any account's unsuppressed finding at or above it."""
    return any(exceeds(a.evaluation, severity) for a in fleet.reachable if a.evaluation)


def _fleet_entry(account: FleetAccount, now: datetime) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": account.account_id,
        "name": account.name,
        "ou": account.ou,
        "reachable": account.reachable,
        "why": None if account.unreachable is None else str(account.unreachable),
        "attempts": account.attempts,
        "role_chain": list(account.role_chain),
    }
    if account.evaluation is not None and account.snapshot is not None:
        entry.update(
            account_json(account.evaluation, account.snapshot, now, last_accessed_requested=False)
        )
    return entry


def fleet_to_json(fleet: Fleet, now: datetime) -> dict[str, Any]:
    """The ``iamtui.scan/2`` document of a fleet: every account's findings, named by account."""
    listing = fleet.listing
    caller = listing.caller
    own = next(
        (
            a.snapshot
            for a in fleet.reachable
            if caller is not None and a.account_id == caller.account
        ),
        None,
    )
    totals = dict.fromkeys((sev.label for sev in sorted(Severity, reverse=True)), 0)
    suppressed = 0
    findings: list[dict[str, Any]] = []
    expired: dict[tuple[str, str], dict[str, Any]] = {}
    for account in fleet.reachable:
        assert account.evaluation is not None
        for sev, n in account.evaluation.counts().items():
            totals[sev.label] += n
        suppressed += len(account.evaluation.suppressed)
        findings.extend(
            finding_json(f, account.account_id, account.name) for f in account.evaluation.findings
        )
        for item in expired_json(account.evaluation):
            expired[(item["rule"], item["principal"])] = item
    return {
        "schema": SCHEMA,
        "generated_at": iso(now),
        "account": {"id": caller.account, "alias": own.alias if own else None} if caller else None,
        "caller_arn": caller.arn if caller else None,
        "organization": (
            {
                "id": listing.organization_id,
                "management_account_id": listing.management_account_id,
                "note": listing.note or None,
            }
            if listing.organization_id
            else None
        ),
        "complete": fleet_complete(fleet),
        "counts": {**totals, "suppressed": suppressed},
        "findings": findings,
        "accounts": [_fleet_entry(a, now) for a in fleet.accounts],
        "unreachable": [
            {"id": a.account_id, "name": a.name, "ou": a.ou, "why": str(a.unreachable)}
            for a in fleet.unreachable
        ],
        "skipped": [{"id": s.account_id, "name": s.name, "why": s.why} for s in listing.skipped],
        "expired_suppressions": list(expired.values()),
        "requests": fleet.requests,
    }


def fleet_headline(fleet: Fleet) -> str:
    """One line: accounts read, not reachable, and whether the result can be trusted."""
    parts = [f"{len(fleet.reachable)} of {plural(len(fleet.accounts), 'account')} scanned"]
    if fleet.unreachable:
        parts.append(f"{len(fleet.unreachable)} not reachable (their findings are unknown)")
    incomplete = [
        a
        for a in fleet.reachable
        if a.evaluation is not None
        and a.snapshot is not None
        and not completeness(a.evaluation, a.snapshot, last_accessed_requested=False).complete
    ]
    if incomplete:
        parts.append(f"{len(incomplete)} incomplete")
    head = "scan INCOMPLETE: " if not fleet_complete(fleet) else ""
    return head + "; ".join(parts)


def _status(account: FleetAccount) -> Text:
    if account.unreachable is not None:
        return Text(printable(str(account.unreachable)), style=INCOMPLETE_STYLE)
    assert account.evaluation is not None and account.snapshot is not None
    seen = completeness(account.evaluation, account.snapshot, last_accessed_requested=False)
    if not seen.complete:
        return Text(printable(seen.headline()), style="bold yellow")
    return Text("complete", style="green")


def _not_requested_lines(fleet: Fleet) -> list[str]:
    """The rules no account ran because their data was not asked for, once each with the
    accounts: a fleet has no --last-accessed, so the table says so instead of a silent gap."""
    accounts: dict[str, list[str]] = {}
    reasons: dict[str, str] = {}
    for account in fleet.reachable:
        if account.evaluation is None or account.snapshot is None:
            continue
        seen = completeness(account.evaluation, account.snapshot, last_accessed_requested=False)
        for skipped in seen.not_requested:
            accounts.setdefault(skipped.rule.id, []).append(account.name)
            reasons.setdefault(skipped.rule.id, skipped.reason)
    if not accounts:
        return []
    lines = ["Not evaluated (data not requested):"]
    for rule_id, names in accounts.items():
        if len(names) == 1:
            lines.append(f"  {rule_id} in {names[0]}: {reasons[rule_id]}")
            continue
        # The reasons differ only in their counts: one account's stands for all.
        where = "every account" if len(names) == len(fleet.reachable) else ", ".join(names)
        lines.append(f"  {rule_id} in {where}; {names[0]}: {reasons[rule_id]}")
    return lines


#: Longest account name a table cell shows (an organization's names are free text).
NAME_CELL = 60


def _name(name: str) -> str:
    """The account name for a table cell, capped at NAME_CELL characters."""
    text = printable(name)
    return text if len(text) <= NAME_CELL else text[: NAME_CELL - 1] + "…"


def render_fleet_table(fleet: Fleet, console: Console) -> None:
    """The fleet's findings with an Account column, then one row per account with its status."""
    rows = [
        (account, finding)
        for account in fleet.reachable
        if account.evaluation is not None
        for finding in account.evaluation.findings
    ]
    rows.sort(key=lambda row: (-row[1].severity, row[0].name, row[1].rule))
    if rows:
        table = Table(title=Text("IAM findings across the organization"), title_justify="left")
        for column in ("Severity", "Account", "Rule", "Principal", "Finding"):
            table.add_column(column, overflow="fold")
        previous: Severity | None = None
        for account, finding in rows:
            if previous is not None and finding.severity != previous:
                table.add_section()
            previous = finding.severity
            dim = finding.suppressed is not None
            table.add_row(
                Text(
                    finding.severity.label,
                    style="dim" if dim else SEVERITY_STYLES[finding.severity],
                ),
                Text(f"{_name(account.name)} ({account.account_id})"),
                Text(finding.rule),
                Text(principal_label(finding)),
                summary_cell(finding),
                style="dim" if dim else None,
            )
        console.print(table)
    accounts = Table(title=Text("Accounts"), title_justify="left")
    for column in ("Account", "Id", "OU", "Critical", "High", "Medium", "Low", "Info", "Status"):
        accounts.add_column(column, overflow="fold")
    for account in fleet.accounts:
        counts: list[str] = ["-"] * 5
        if account.evaluation is not None:
            counts = [str(n) for n in account.evaluation.counts().values()]
        accounts.add_row(
            Text(_name(account.name)),
            Text(account.account_id),
            Text((printable(account.ou) or "(root)") if account.ou is not None else "?"),
            *(Text(c) for c in counts),
            _status(account),
        )
    console.print(accounts)
    for line in _not_requested_lines(fleet):
        console.print(Text(printable(line)))
    for skipped in fleet.listing.skipped:
        console.print(
            Text(f"Skipped {_name(skipped.name)} ({skipped.account_id}): {printable(skipped.why)}")
        )
    if fleet.listing.note:
        console.print(Text(printable(fleet.listing.note), style="yellow"))
    line = fleet_headline(fleet)
    console.print(Text(line, style=INCOMPLETE_STYLE if not fleet_complete(fleet) else "bold"))


#: A fleet's CSV: the account first, then the single-account columns.
FLEET_CSV_COLUMNS = ("account_id", "account_name", *CSV_COLUMNS)


def fleet_to_csv(fleet: Fleet) -> str:
    """Every reached account's findings, one row each, the account in the first two columns
    (unreachable accounts have no rows: the command says so on stderr and in its exit status)."""
    buffer = io.StringIO()
    buffer.write(",".join(FLEET_CSV_COLUMNS) + "\n")
    for account in fleet.reachable:
        assert account.evaluation is not None
        for f in account.evaluation.findings:
            cells = [account.account_id, account.name, *csv_cells(f)]
            buffer.write(",".join(csv_field(csv_cell(c)) for c in cells) + "\n")
    return buffer.getvalue()
