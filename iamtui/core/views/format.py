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


#: What the credential report means by each absence: (table cell, sentence). The one place
#: AWS's raw words (``N/A``, ``no_information``, ``not_supported``) become words for people.
_REPORT_WORDS = {
    Missing.NOT_APPLICABLE: ("n/a", "not applicable"),
    Missing.NO_INFORMATION: ("no information", "no information from AWS"),
    Missing.NOT_SUPPORTED: ("not supported", "not supported by AWS"),
}
_RAW_REPORT_WORDS = {m.value: m for m in Missing}


def report_words(value: Missing | str) -> str:
    """A credential-report absence (or its raw word in evidence) as a sentence's words."""
    missing = value if isinstance(value, Missing) else _RAW_REPORT_WORDS.get(value)
    return _REPORT_WORDS[missing][1] if missing is not None else str(value)


def report_ago(value: ReportDate, now: datetime, *, na: str = "never", suffix: bool = True) -> str:
    """A credential-report date, humanized; N/A (no credential / never used) reads as ``na``."""
    if isinstance(value, datetime):
        return ago(value, now) if suffix else age_cell(value, now)
    if value is Missing.NOT_APPLICABLE:
        return na
    if value is Missing.NO_INFORMATION:
        return "never"
    return _REPORT_WORDS[value][0]


def report_exact(value: ReportDate, *, na: str | None = None) -> str:
    """A credential-report date as exact text, or what its absence means, in words.

    ``na`` says what N/A means for this column (a key's last use: "never used").
    """
    if isinstance(value, datetime):
        return exact(value)
    words = na if na is not None and value is Missing.NOT_APPLICABLE else report_words(value)
    return f"{words} (credential report)"


def report_text(value: ReportText, *, sentence: bool = False) -> str:
    """A credential-report region or service (``sentence``: the long words, for details)."""
    if not isinstance(value, Missing):
        return value
    return report_words(value) if sentence else _REPORT_WORDS[value][0]


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
