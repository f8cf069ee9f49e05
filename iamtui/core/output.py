"""Renderings of an Evaluation for ``iamtui scan``: a rich table, versioned JSON, CSV.

Pure functions: the CLI decides where output goes. The JSON shape is a public interface
(``schema: iamtui.scan/1``, documented in docs/scan-json.md); add keys freely, but renaming or
removing one means ``iamtui.scan/2``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from iamtui.core.durations import duration
from iamtui.core.findings import Evaluation, EvidenceValue, Finding, Severity, iso
from iamtui.core.model import AccountSnapshot

SCHEMA = "iamtui.scan/1"

SEVERITY_STYLES: Mapping[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "blue",
}

CSV_COLUMNS = (
    "id",
    "severity",
    "rule",
    "principal_kind",
    "principal_name",
    "principal_arn",
    "key_slot",
    "key_id",
    "summary",
    "actions",
    "practice",
    "suppressed_reason",
    "suppressed_expires",
    "evidence",
)


def principal_label(finding: Finding) -> str:
    """``user alice key 1 (AKIA...)``: what a human needs to find the thing in the console."""
    label = f"{finding.principal_kind} {finding.principal_name}"
    if finding.key is not None:
        label += f" key {finding.key.slot}"
        if finding.key.key_id:
            label += f" ({finding.key.key_id})"
    return label


def data_age(snapshot: AccountSnapshot, now: datetime) -> timedelta | None:
    """How old the credential report is: user data on screen is at least this stale."""
    generated = snapshot.report_age_reference
    return max(now - generated, timedelta(0)) if generated else None


def summary_line(evaluation: Evaluation, snapshot: AccountSnapshot) -> str:
    """Counts per severity, suppressed, not evaluated, and how old the data is, on one line."""
    counts = ", ".join(f"{n} {sev}" for sev, n in evaluation.counts().items())
    parts = [counts, f"{len(evaluation.suppressed)} suppressed"]
    if evaluation.not_evaluated:
        parts.append(f"{len(evaluation.not_evaluated)} rules not evaluated")
    age = data_age(snapshot, evaluation.now)
    parts.append(
        f"credential report {duration(abs(age))} old" if age is not None else "no credential report"
    )
    return " · ".join(parts)


def _summary_cell(finding: Finding) -> Text:
    text = Text(finding.summary)
    if finding.suppressed is not None:
        until = f" until {finding.suppressed.expires}" if finding.suppressed.expires else ""
        text.append(f"\nsuppressed{until}: {finding.suppressed.reason}", style="italic")
    return text


def render_table(evaluation: Evaluation, snapshot: AccountSnapshot, console: Console) -> None:
    """Findings grouped by severity (critical first), then what was not evaluated, then totals."""
    name = f"{snapshot.alias} ({snapshot.account_id})" if snapshot.alias else snapshot.account_id
    if evaluation.findings:
        table = Table(title=f"IAM findings for {name}", title_justify="left")
        for column in ("Severity", "Rule", "Principal", "Finding"):
            table.add_column(column, overflow="fold")
        previous: Severity | None = None
        for finding in evaluation.findings:
            if previous is not None and finding.severity != previous:
                table.add_section()
            previous = finding.severity
            dim = finding.suppressed is not None
            table.add_row(
                Text(
                    finding.severity.label,
                    style="dim" if dim else SEVERITY_STYLES[finding.severity],
                ),
                Text(finding.rule),
                Text(principal_label(finding)),
                _summary_cell(finding),
                style="dim" if dim else None,
            )
        console.print(table)
    else:
        console.print(Text(f"No findings for {name}.", style="green"))
    if evaluation.not_evaluated:
        console.print(Text("Not evaluated:", style="bold"))
        for skipped in evaluation.not_evaluated:
            console.print(Text(f"  {skipped.rule.id}: {skipped.reason}"))
    for seen in evaluation.coverage:
        if not seen.complete:
            console.print(Text(f"Partial coverage: {seen.rule} checked {seen}", style="yellow"))
    for expired in evaluation.expired_suppressions:
        message = (
            f"Suppression expired on {expired.expires} and no longer applies: "
            f"{expired.rule} / {expired.principal} ({expired.reason})"
        )
        console.print(Text(message, style="yellow"))
    console.print(Text(summary_line(evaluation, snapshot), style="bold"))


def _plain(value: EvidenceValue) -> Any:
    """Evidence as JSON: tuples become lists, mappings dicts."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def finding_json(finding: Finding) -> dict[str, Any]:
    """One finding in the ``iamtui.scan/1`` shape."""
    suppressed = finding.suppressed
    return {
        "id": finding.id,
        "rule": finding.rule,
        "severity": finding.severity.label,
        "principal_kind": str(finding.principal_kind),
        "principal_arn": finding.principal_arn,
        "principal_name": finding.principal_name,
        "key": ({"slot": finding.key.slot, "key_id": finding.key.key_id} if finding.key else None),
        "summary": finding.summary,
        "evidence": _plain(finding.evidence),
        "actions": [str(a) for a in finding.actions],
        "practice": {"name": finding.practice.name, "description": finding.practice.description},
        "suppressed": (
            {
                "reason": suppressed.reason,
                "expires": suppressed.expires.isoformat() if suppressed.expires else None,
            }
            if suppressed
            else None
        ),
    }


def to_json(evaluation: Evaluation, snapshot: AccountSnapshot, now: datetime) -> dict[str, Any]:
    """The ``iamtui.scan/1`` document (see docs/scan-json.md)."""
    report_at = snapshot.report_age_reference
    age = data_age(snapshot, now)
    counts = {sev.label: n for sev, n in evaluation.counts().items()}
    return {
        "schema": SCHEMA,
        "generated_at": iso(now),
        "account": {"id": snapshot.account_id, "alias": snapshot.alias},
        "caller_arn": snapshot.caller.arn if snapshot.caller else None,
        "loaded_at": iso(snapshot.loaded_at),
        "source": snapshot.source,
        "credential_report": {
            "generated_at": iso(report_at) if report_at else None,
            "age_seconds": int(age.total_seconds()) if age is not None else None,
        },
        "counts": {**counts, "suppressed": len(evaluation.suppressed)},
        "findings": [finding_json(f) for f in evaluation.findings],
        "not_evaluated": [
            {"rule": s.rule.id, "title": s.rule.title, "reason": s.reason}
            for s in evaluation.not_evaluated
        ],
        "coverage": [
            {"rule": c.rule, "covered": c.covered, "total": c.total, "unit": c.unit}
            for c in evaluation.coverage
        ],
        "expired_suppressions": [
            {
                "rule": s.rule,
                "principal": s.principal,
                "reason": s.reason,
                "expires": s.expires.isoformat() if s.expires else None,
            }
            for s in evaluation.expired_suppressions
        ],
    }


def to_csv(evaluation: Evaluation) -> str:
    """One row per finding (suppressed included, with the reason); evidence as compact JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in evaluation.findings:
        s = f.suppressed
        writer.writerow(
            [
                f.id,
                f.severity.label,
                f.rule,
                f.principal_kind,
                f.principal_name,
                f.principal_arn,
                f.key.slot if f.key else "",
                (f.key.key_id or "") if f.key else "",
                f.summary,
                " ".join(f.actions),
                f.practice.name,
                s.reason if s else "",
                s.expires.isoformat() if s and s.expires else "",
                json.dumps(_plain(f.evidence), sort_keys=True, separators=(",", ":")),
            ]
        )
    return buffer.getvalue()


def exceeds(evaluation: Evaluation, severity: Severity) -> bool:
    """``--fail-on``: an unsuppressed finding at or above ``severity``."""
    return any(f.severity >= severity for f in evaluation.active)
