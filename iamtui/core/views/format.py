"""Display text of dates, ages, report values and evidence: one wording for every screen."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from iamtui.core.durations import duration
from iamtui.core.findings import (
    EvidenceValue,
    Finding,
    Severity,
)
from iamtui.core.model import (
    Missing,
    PolicyDocument,
    ReportDate,
    ReportText,
    Tag,
)
from iamtui.core.views.table import Cell


def ago(when: datetime | None, now: datetime, never: str = "never") -> str:
    """ "3 months ago"; ``never`` for None; clock skew reads as "just now"."""
    if when is None:
        return never
    delta = now - when
    if delta < timedelta(minutes=1):
        return "just now"
    return f"{duration(delta)} ago"


def age_cell(when: datetime | None, now: datetime, never: str = "never") -> str:
    """A table cell's age: "3 months" (the column header says it is a time ago)."""
    return ago(when, now, never).removesuffix(" ago")


def age_text(delta: timedelta | None) -> str:
    """ "2 hours" for a duration (how old the data is), or "unknown"."""
    if delta is None:
        return "unknown"
    if delta < timedelta(minutes=1):
        return "under a minute"
    return duration(delta)


def exact(when: datetime | None) -> str:
    """Detail panels show exact UTC times: ``2026-05-21 09:00:00 UTC``."""
    if when is None:
        return "never"
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


_REPORT_WORDS = {
    Missing.NOT_APPLICABLE: "n/a",
    Missing.NO_INFORMATION: "no information",
    Missing.NOT_SUPPORTED: "not supported",
}


def report_ago(value: ReportDate, now: datetime, *, na: str = "never", suffix: bool = True) -> str:
    """A credential-report date, humanized; N/A (no credential / never used) reads as ``na``."""
    if isinstance(value, datetime):
        return ago(value, now) if suffix else age_cell(value, now)
    if value is Missing.NOT_APPLICABLE:
        return na
    if value is Missing.NO_INFORMATION:
        return "never"
    return _REPORT_WORDS[value]


def report_exact(value: ReportDate) -> str:
    """A credential-report date as exact text, or the report's own word for its absence."""
    return exact(value) if isinstance(value, datetime) else f"{value.value} (credential report)"


def report_text(value: ReportText) -> str:
    """A credential-report region or service."""
    return _REPORT_WORDS[value] if isinstance(value, Missing) else value


def timestamp(value: ReportDate | datetime | None) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


#: The sort value of "never used": older than any date, so never-used sorts with the stalest.
NEVER = float("-inf")


def last_use(value: ReportDate | datetime | None) -> float | None:
    """A last-use time as a sort value: never used (None, N/A, no_information) is the oldest.

    ``not_supported`` says nothing about use: no value (sorts last).
    """
    if isinstance(value, datetime):
        return value.timestamp()
    if value is None or value in (Missing.NOT_APPLICABLE, Missing.NO_INFORMATION):
        return NEVER
    return None


def tags_text(tags: Iterable[Tag]) -> str:
    return " ".join(f"{t.key}={t.value}" for t in tags)


def evidence_text(value: EvidenceValue) -> str:
    """Evidence values as one readable string (tuples joined, mappings as compact JSON)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(evidence_text(v) for v in value) or "none"
    if isinstance(value, Mapping):
        return json.dumps(_jsonable(value), sort_keys=True)
    return str(value)


def _jsonable(value: EvidenceValue) -> object:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def pretty_json(document: PolicyDocument | None) -> str:
    """Policy documents as indented JSON for the document viewer."""
    return json.dumps(document or {}, indent=2, sort_keys=False, default=str)


def severity_cell(severity: Severity) -> str:
    """A severity as the tables show it."""
    return severity.label.upper()


def finding_cell(findings: Sequence[Finding]) -> Cell:
    """The "Findings" column of a principal: count and worst severity, tone, sort value."""
    active = [f for f in findings if f.active]
    if not active:
        suppressed = len(findings)
        return Cell("✓ none" if not suppressed else f"✓ {suppressed} suppressed", 0.0, "ok")
    worst = max(f.severity for f in active)
    return Cell(f"{len(active)} · {worst.label}", int(worst) * 100000 + len(active), worst.label)


# --- filtering and ordering ----------------------------------------------------------------------
