"""Renderings of an Evaluation for ``iamtui scan``: a rich table, versioned JSON, CSV.

Pure functions: the CLI decides where output goes. The JSON shape is a public interface
(``schema: iamtui.scan/1``, documented in docs/scan-json.md); add keys freely, but renaming or
removing one means ``iamtui.scan/2``. Every value from AWS or a file goes through
:func:`~iamtui.core.text.printable` in the table and CSV (JSON escapes control characters
itself), and CSV cells a spreadsheet would run as a formula are neutralized.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from iamtui.core.durations import duration
from iamtui.core.findings import (
    Evaluation,
    EvidenceValue,
    Finding,
    NotEvaluated,
    PrincipalKind,
    Rule,
    Severity,
    iso,
    part_missing,
)
from iamtui.core.model import AccountSnapshot
from iamtui.core.second_opinion import SecondOpinion, compare, summary_lines
from iamtui.core.settings import Thresholds
from iamtui.core.text import plural, printable

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


#: First characters that make a spreadsheet evaluate a cell (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Field separators a spreadsheet may use, depending on the locale (``;`` where ``,`` is the
#: decimal mark): a cell holding one is quoted, and a formula may start right after one.
CSV_SEPARATORS = (",", ";")
_AFTER_SEPARATOR = re.compile(r"([,;]\s*)(?=[=+\-@\t\r])")


def principal_label(finding: Finding) -> str:
    """``user alice key 1 (AKIA...)``: what a human needs to find the thing in the console."""
    if str(finding.principal_kind) == finding.principal_name:  # root, not "root root"
        label = printable(finding.principal_name)
    else:
        label = f"{finding.principal_kind} {printable(finding.principal_name)}"
    if finding.key is not None:
        label += f" key {finding.key.slot}"
        if finding.key.key_id:
            label += f" ({printable(finding.key.key_id)})"
    return label


def account_label(snapshot: AccountSnapshot) -> str:
    """``alias (id)`` or the id, safe to print."""
    name = f"{snapshot.alias} ({snapshot.account_id})" if snapshot.alias else snapshot.account_id
    return printable(name)


@dataclass(frozen=True, slots=True)
class Completeness:
    """Which rules a scan could not evaluate, split by whether the operator asked for them.

    ``missing`` rules were part of the scan but their data failed to load: their absent
    findings mean "unknown", so the scan is incomplete. ``not_requested`` rules need optional
    data the operator did not ask for (service last-accessed without ``--last-accessed``).
    """

    total: int
    missing: tuple[NotEvaluated, ...] = ()
    not_requested: tuple[NotEvaluated, ...] = ()
    #: The snapshot's data warnings: AWS (or a proxy) returned degraded data, such as entries
    #: without the dates rules need, so rules ran on less than the account holds.
    data_warnings: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Every rule the scan was meant to run did run, on data that loaded whole."""
        return not self.missing and not self.data_warnings

    @property
    def evaluated(self) -> int:
        """How many rules ran."""
        return self.total - len(self.missing) - len(self.not_requested)

    def headline(self) -> str:
        """One line saying how incomplete the scan is (for the table and stderr)."""
        parts = []
        if self.missing:
            parts.append(
                f"{len(self.missing)} of {plural(self.total, 'rule')} not evaluated "
                "(their findings are unknown, not clean)"
            )
        if self.data_warnings:
            parts.append(
                f"{plural(len(self.data_warnings), 'data warning')} "
                "(degraded data: findings may be missing)"
            )
        return "scan INCOMPLETE: " + "; ".join(parts)


def _only_optional_data_missing(
    rule: Rule, snapshot: AccountSnapshot, last_accessed_requested: bool
) -> bool:
    """The rule lacks only last-accessed data (not asked for) or on-demand user details (no
    scan fetches them): every part it needs loaded."""
    on_demand = rule.needs_user_details
    unasked = not last_accessed_requested and rule.needs_last_accessed
    if not (on_demand or (unasked and not snapshot.last_accessed)):
        return False
    if any(part_missing(snapshot, part) for part in rule.needs):
        return False
    return not rule.needs_any or not all(part_missing(snapshot, p) for p in rule.needs_any)


def completeness(
    evaluation: Evaluation, snapshot: AccountSnapshot, *, last_accessed_requested: bool
) -> Completeness:
    """Split ``not_evaluated`` into failures and rules whose optional data was not asked for."""
    missing: list[NotEvaluated] = []
    not_requested: list[NotEvaluated] = []
    for skipped in evaluation.not_evaluated:
        optional = _only_optional_data_missing(skipped.rule, snapshot, last_accessed_requested)
        (not_requested if optional else missing).append(skipped)
    return Completeness(
        total=len(evaluation.evaluated) + len(evaluation.not_evaluated),
        missing=tuple(missing),
        not_requested=tuple(not_requested),
        data_warnings=tuple(snapshot.data_warnings),
    )


def data_age(snapshot: AccountSnapshot, now: datetime) -> timedelta | None:
    """How old the credential report is: user data on screen is at least this stale."""
    generated = snapshot.report_age_reference
    return max(now - generated, timedelta(0)) if generated else None


def summary_line(evaluation: Evaluation, snapshot: AccountSnapshot) -> str:
    """Counts per severity, suppressed, not evaluated, and how old the data is, on one line."""
    counts = ", ".join(f"{n} {sev}" for sev, n in evaluation.counts().items())
    parts = [counts, f"{len(evaluation.suppressed)} suppressed"]
    if evaluation.not_evaluated:
        parts.append(f"{plural(len(evaluation.not_evaluated), 'rule')} not evaluated")
    age = data_age(snapshot, evaluation.now)
    parts.append(
        f"credential report {duration(abs(age))} old" if age is not None else "no credential report"
    )
    return " · ".join(parts)


def _summary_cell(finding: Finding) -> Text:
    text = Text(printable(finding.summary))
    if finding.suppressed is not None:
        until = f" until {finding.suppressed.expires}" if finding.suppressed.expires else ""
        text.append(f"\nsuppressed{until}: {printable(finding.suppressed.reason)}", style="italic")
    return text


#: How rules that could not be evaluated look: as loud as a critical finding.
INCOMPLETE_STYLE = SEVERITY_STYLES[Severity.CRITICAL]


def render_table(
    evaluation: Evaluation,
    snapshot: AccountSnapshot,
    console: Console,
    *,
    last_accessed_requested: bool = False,
    thresholds: Thresholds | None = None,
) -> None:
    """Findings by severity (critical first), rules not evaluated, warnings, Access Analyzer's
    second opinion, then totals.

    "No findings" is green only when every rule the scan meant to run did run; otherwise the
    rules that could not be evaluated get their own table, styled like a critical finding.
    """
    name = account_label(snapshot)
    seen = completeness(evaluation, snapshot, last_accessed_requested=last_accessed_requested)
    if evaluation.findings:
        # Text, never a str: a str title is parsed as markup, and the alias comes from AWS.
        table = Table(title=Text(f"IAM findings for {name}"), title_justify="left")
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
    elif seen.complete:
        console.print(Text(f"No findings for {name}.", style="green"))
    elif not seen.missing:
        console.print(
            Text(
                f"No findings for {name} from degraded data: that is NOT a clean result.",
                style="bold yellow",
            )
        )
    else:
        console.print(
            Text(
                f"No findings for {name} from the {seen.evaluated} rules that ran: "
                "that is NOT a clean result.",
                style="bold yellow",
            )
        )
    if seen.missing:
        missing = Table(
            title=Text(f"Rules NOT evaluated for {name}: findings unknown"),
            title_justify="left",
            title_style="bold red",
        )
        for column in ("Status", "Rule", "Why"):
            missing.add_column(column, overflow="fold")
        for skipped in seen.missing:
            missing.add_row(
                Text("not evaluated", style=INCOMPLETE_STYLE),
                Text(skipped.rule.id),
                Text(printable(skipped.reason)),
            )
        console.print(missing)
    if seen.not_requested:
        console.print(Text("Not evaluated (data not requested):", style="bold"))
        for skipped in seen.not_requested:
            console.print(Text(f"  {skipped.rule.id}: {printable(skipped.reason)}"))
    opinion = compare(snapshot, evaluation.findings, thresholds or Thresholds(), evaluation.now)
    if opinion.by_finding or opinion.analyzer_only:
        for line in summary_lines(opinion):
            console.print(Text(printable(line)))
        for finding in evaluation.findings:
            second = opinion.by_finding.get(finding.id)
            if second is not None and second.verdict.value == "disagrees":
                label = f"{finding.rule} {principal_label(finding)}"
                console.print(Text(printable(f"  {label}: {second.line()}")))
    for coverage in evaluation.coverage:
        if not coverage.complete:
            console.print(
                Text(f"Partial coverage: {coverage.rule} checked {coverage}", style="yellow")
            )
    for warning in snapshot.data_warnings:
        console.print(Text(f"Data warning: {printable(warning)}", style="yellow"))
    for expired in evaluation.expired_suppressions:
        message = (
            f"Suppression expired on {expired.expires} and no longer applies: "
            f"{printable(expired.rule)} / {printable(expired.principal)} "
            f"({printable(expired.reason)})"
        )
        console.print(Text(message, style="yellow"))
    if not seen.complete:
        console.print(Text(seen.headline(), style=INCOMPLETE_STYLE))
    console.print(Text(printable(summary_line(evaluation, snapshot)), style="bold"))


def _plain(value: EvidenceValue) -> Any:
    """Evidence as JSON: tuples become lists, mappings dicts."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def finding_json(finding: Finding, opinion: SecondOpinion | None = None) -> dict[str, Any]:
    """One finding in the ``iamtui.scan/1`` shape (``access_analyzer``: the second opinion on
    it, null for rules Access Analyzer does not judge)."""
    suppressed = finding.suppressed
    second = opinion.by_finding.get(finding.id) if opinion is not None else None
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
        "access_analyzer": second.as_json() if second is not None else None,
    }


def second_opinion_json(opinion: SecondOpinion, snapshot: AccountSnapshot) -> dict[str, Any]:
    """The top-level ``access_analyzer`` object: the analyzer, and its findings iamtui has no
    finding for (never hidden)."""
    state = snapshot.analyzer_findings
    return {
        "version": 1,
        "unavailable": opinion.unavailable,
        "analyzer_arn": state.analyzer_arn if state is not None else None,
        "unused_access_age": opinion.unused_access_age,
        "complete": state.complete if state is not None else None,
        "findings_read": len(state.findings) if state is not None else 0,
        "analyzer_only": [
            {"resource_arn": o.resource_arn, **o.as_json()} for o in opinion.analyzer_only
        ],
    }


def to_json(
    evaluation: Evaluation,
    snapshot: AccountSnapshot,
    now: datetime,
    *,
    last_accessed_requested: bool = False,
    thresholds: Thresholds | None = None,
) -> dict[str, Any]:
    """The ``iamtui.scan/1`` document (see docs/scan-json.md); ``thresholds`` are the rules'
    (the second opinion explains window differences with them)."""
    opinion = compare(snapshot, evaluation.findings, thresholds or Thresholds(), now)
    report_at = snapshot.report_age_reference
    age = data_age(snapshot, now)
    counts = {sev.label: n for sev, n in evaluation.counts().items()}
    seen = completeness(evaluation, snapshot, last_accessed_requested=last_accessed_requested)
    missing = {s.rule.id for s in seen.missing}
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
        "complete": seen.complete,
        "rules": {
            "total": seen.total,
            "evaluated": seen.evaluated,
            "missing": len(seen.missing),
            "not_requested": len(seen.not_requested),
        },
        "counts": {**counts, "suppressed": len(evaluation.suppressed)},
        "findings": [finding_json(f, opinion) for f in evaluation.findings],
        "not_evaluated": [
            {
                "rule": s.rule.id,
                "title": s.rule.title,
                "reason": s.reason,
                "requested": s.rule.id in missing,
            }
            for s in evaluation.not_evaluated
        ],
        "coverage": [
            {"rule": c.rule, "covered": c.covered, "total": c.total, "unit": c.unit}
            for c in evaluation.coverage
        ],
        "data_warnings": list(snapshot.data_warnings),
        "expired_suppressions": [
            {
                "rule": s.rule,
                "principal": s.principal,
                "reason": s.reason,
                "expires": s.expires.isoformat() if s.expires else None,
            }
            for s in evaluation.expired_suppressions
        ],
        "access_analyzer": second_opinion_json(opinion, snapshot),
    }


def csv_cell(value: object) -> str:
    """A CSV cell safe to open in a spreadsheet and to print on a terminal.

    Control and bidi characters become visible escapes; a cell starting with ``= + - @``, TAB
    or CR gets a leading single quote, as OWASP advises, so ``=HYPERLINK(...)`` stays text; so
    does one right after a ``,`` or ``;`` inside the cell, where a spreadsheet in another locale
    (or one ignoring the quotes) starts a new cell. Quoting is :func:`csv_field`'s job.
    """
    text = "" if value is None else str(value)
    text = _AFTER_SEPARATOR.sub(r"\1'", text)
    if text.startswith(FORMULA_TRIGGERS):
        text = "'" + text
    return printable(text)


def csv_field(cell: str) -> str:
    """RFC 4180 quoting, also for ``;``: quoted whatever separator the reader's locale uses."""
    if any(c in cell for c in (*CSV_SEPARATORS, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def to_csv(evaluation: Evaluation) -> str:
    """One row per finding (suppressed included, with the reason); evidence as compact JSON."""
    buffer = io.StringIO()
    buffer.write(",".join(CSV_COLUMNS) + "\n")
    for f in evaluation.findings:
        s = f.suppressed
        cells = [
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
        buffer.write(",".join(csv_field(csv_cell(c)) for c in cells) + "\n")
    return buffer.getvalue()


def exceeds(evaluation: Evaluation, severity: Severity) -> bool:
    """``--fail-on``: an unsuppressed finding at or above ``severity``."""
    return any(f.severity >= severity for f in evaluation.active)


# --- OCSF Detection Finding (docs/output.md) -------------------------------------------------

#: OCSF schema version the documents follow (Detection Finding as Prowler and Security Lake read).
OCSF_VERSION = "1.1.0"
OCSF_CLASS_UID = 2004
OCSF_CATEGORY_UID = 2
#: activity 1 (Create): each scan reports its findings afresh; type_uid = class_uid * 100 + 1.
OCSF_ACTIVITY_ID = 1
OCSF_TYPE_UID = OCSF_CLASS_UID * 100 + OCSF_ACTIVITY_ID
#: OCSF severity_id and caption for each iamtui severity.
OCSF_SEVERITIES: Mapping[Severity, tuple[int, str]] = {
    Severity.INFO: (1, "Informational"),
    Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical"),
}
#: Resource types as AWS Security Hub (ASFF) names them, which Prowler's OCSF output reuses; ASFF
#: has no type for an MFA device, a server certificate,
#: an instance profile or an identity provider: "Other", ASFF's own fallback.
OCSF_RESOURCE_TYPES: Mapping[PrincipalKind, str] = {
    PrincipalKind.USER: "AwsIamUser",
    PrincipalKind.ROLE: "AwsIamRole",
    PrincipalKind.GROUP: "AwsIamGroup",
    PrincipalKind.POLICY: "AwsIamPolicy",
    PrincipalKind.ROOT: "AwsAccount",
    PrincipalKind.ACCOUNT: "AwsAccount",
    PrincipalKind.MFA_DEVICE: "Other",
    PrincipalKind.SERVER_CERTIFICATE: "Other",
    PrincipalKind.INSTANCE_PROFILE: "Other",
    PrincipalKind.IDENTITY_PROVIDER: "Other",
}
#: Where a reader learns the practice every rule serves.
IAM_BEST_PRACTICES_URL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html"


def _epoch_ms(when: datetime) -> int:
    """OCSF ``timestamp_t``: milliseconds since the epoch."""
    return int(when.timestamp() * 1000)


def _partition(arn: str) -> str:
    parts = arn.split(":")
    return parts[1] if len(parts) > 1 and parts[1] else "aws"


def _remedy(finding: Finding) -> str:
    """What iamtui offers to fix a finding, for people reading another tool's console."""
    if not finding.actions:
        return f"{finding.practice.description} iamtui offers no action for this: fix it in AWS."
    offered = ", ".join(str(a) for a in finding.actions)
    return f"{finding.practice.description} iamtui can fix it with: {offered}."


def ocsf_finding(
    finding: Finding, snapshot: AccountSnapshot, now: datetime, *, version: str
) -> dict[str, Any]:
    """One finding as an OCSF 1.1 Detection Finding (class 2004), time ``now``."""
    from iamtui.core.rules import RULES_BY_ID

    known = RULES_BY_ID.get(finding.rule)
    severity_id, severity = OCSF_SEVERITIES[finding.severity]
    status_id, status = (3, "Suppressed") if finding.suppressed is not None else (1, "New")
    millis = _epoch_ms(now)
    resource: dict[str, Any] = {
        "uid": finding.principal_arn,
        "name": finding.principal_name,
        "type": OCSF_RESOURCE_TYPES[finding.principal_kind],
        "cloud_partition": _partition(finding.principal_arn),
    }
    if finding.key is not None:
        resource["data"] = {"access_key": {"slot": finding.key.slot, "id": finding.key.key_id}}
    document: dict[str, Any] = {
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "iamtui", "vendor_name": "iamtui", "version": version},
            "event_code": finding.rule,
            "profiles": ["cloud", "datetime"],
        },
        "category_uid": OCSF_CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": OCSF_CLASS_UID,
        "class_name": "Detection Finding",
        "activity_id": OCSF_ACTIVITY_ID,
        "activity_name": "Create",
        "type_uid": OCSF_TYPE_UID,
        "type_name": "Detection Finding: Create",
        "time": millis,
        "time_dt": iso(now),
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        # What Prowler's importers filter on: a finding here is a failed check.
        "status_code": "FAIL",
        "message": finding.summary,
        "finding_info": {
            "uid": finding.id,
            "title": known.title if known is not None else finding.rule,
            "desc": finding.summary,
            "types": [finding.practice.name],
            "created_time": millis,
            "created_time_dt": iso(now),
            "product_uid": "iamtui",
        },
        "resources": [resource],
        "cloud": {
            "provider": "AWS",
            "account": {
                "uid": snapshot.account_id,
                "name": snapshot.alias,
                "type": "AWS Account",
                "type_id": 10,
            },
        },
        "remediation": {"desc": _remedy(finding), "references": [IAM_BEST_PRACTICES_URL]},
        "unmapped": {
            "evidence": _plain(finding.evidence),
            "actions": [str(a) for a in finding.actions],
            "practice": finding.practice.name,
            "suppressed": (
                {
                    "reason": finding.suppressed.reason,
                    "expires": (
                        finding.suppressed.expires.isoformat()
                        if finding.suppressed.expires
                        else None
                    ),
                }
                if finding.suppressed is not None
                else None
            ),
        },
    }
    if snapshot.alias is None:
        del document["cloud"]["account"]["name"]
    org = snapshot.organization
    if org is not None and org.organization_id is not None:
        document["cloud"]["org"] = {"uid": org.organization_id}
    return document


def to_ocsf(evaluation: Evaluation, snapshot: AccountSnapshot, *, version: str) -> list[Any]:
    """Every finding (suppressed ones with status Suppressed) as a JSON array of OCSF events."""
    return [ocsf_finding(f, snapshot, evaluation.now, version=version) for f in evaluation.findings]


# --- Markdown for tickets (docs/output.md) ---------------------------------------------------

#: Characters Markdown may read as formatting; escaped with a backslash in every value.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def markdown_text(value: object) -> str:
    """A value safe inside Markdown text and table cells: one line, formatting escaped."""
    text = printable(" ".join(str(value).splitlines()))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _evidence_text(value: EvidenceValue) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(_plain(value), sort_keys=True, separators=(", ", ": "))


def _raw_label(finding: Finding) -> str:
    """:func:`principal_label` before ``printable`` (``markdown_text`` applies it once)."""
    label = f"{finding.principal_kind} {finding.principal_name}"
    if finding.key is not None:
        label += f" key {finding.key.slot}"
        if finding.key.key_id:
            label += f" ({finding.key.key_id})"
    return label


def _markdown_finding(number: int, finding: Finding) -> list[str]:
    from iamtui.core.rules import RULES_BY_ID

    known = RULES_BY_ID.get(finding.rule)
    subject = markdown_text(_raw_label(finding))
    title = f" ({markdown_text(known.title)})" if known is not None else ""
    lines = [
        f"## {number}. {finding.severity.label.upper()}: {subject} (`{finding.rule}`)",
        "",
        f"- **Severity:** {finding.severity.label}",
        f"- **Rule:** `{finding.rule}`{title}",
        f"- **Practice:** {markdown_text(finding.practice.name)}: "
        f"{markdown_text(finding.practice.description)}",
        f"- **Subject:** {subject}, {markdown_text(finding.principal_arn)}",
        f"- **Finding:** {markdown_text(finding.summary)}",
    ]
    if finding.suppressed is not None:
        until = f" until {finding.suppressed.expires}" if finding.suppressed.expires else ""
        lines.append(f"- **Suppressed{until}:** {markdown_text(finding.suppressed.reason)}")
    lines += ["", "**Evidence**", ""]
    if finding.evidence:
        lines += [
            f"- `{name}`: {markdown_text(_evidence_text(value))}"
            for name, value in finding.evidence.items()
        ]
    else:
        lines.append("- (none recorded)")
    fix = (
        ", ".join(f"`{a}`" for a in finding.actions)
        if finding.actions
        else "none offered: fix it in AWS"
    )
    lines += ["", f"**Fix with iamtui:** {fix}", ""]
    return lines


def to_markdown(evaluation: Evaluation, snapshot: AccountSnapshot) -> str:
    """A ticket body: heading with account and time, a table by severity, one section each."""
    name = f"{snapshot.alias} ({snapshot.account_id})" if snapshot.alias else snapshot.account_id
    lines = [
        f"# IAM findings for {markdown_text(name)}, {iso(evaluation.now)}",
        "",
        markdown_text(summary_line(evaluation, snapshot)),
        "",
        "| Severity | Findings |",
        "|---|---|",
    ]
    lines += [f"| {sev.label} | {count} |" for sev, count in evaluation.counts().items()]
    lines.append("")
    if evaluation.not_evaluated:
        lines += ["Rules not evaluated (their findings are unknown, not clean):", ""]
        lines += [f"- `{s.rule.id}`: {markdown_text(s.reason)}" for s in evaluation.not_evaluated]
        lines.append("")
    for number, finding in enumerate(evaluation.findings, 1):
        lines += _markdown_finding(number, finding)
    return "\n".join(lines).rstrip("\n") + "\n"
