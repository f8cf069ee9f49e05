"""The Root & account pane: root and account-level checks, then facts as loaded."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

from iamtui.core.findings import (
    Evidence,
    EvidenceValue,
    Finding,
    PrincipalKind,
    Rule,
)
from iamtui.core.model import (
    Part,
)
from iamtui.core.root import (
    STEP_RULES,
    RootExtra,
    RootReport,
    Status,
    Step,
    evaluate_root,
    is_admin,
)
from iamtui.core.views.format import (
    report_ago,
    report_exact,
    report_text,
    report_words,
    severity_cell,
)
from iamtui.core.views.table import Cell, Column, GroupSpec, Pane, PaneView, Row, RowKind, cells

if TYPE_CHECKING:
    from iamtui.core.views.panes import Views


@dataclass(frozen=True, slots=True)
class Check:
    """One root-hardening step as the Root pane lists it (or a fact shown next to the steps)."""

    name: str
    status: str
    detail: str
    rule: Rule | None = None
    findings: tuple[Finding, ...] = ()
    reason: str | None = None
    #: The hardening step behind the row (None for a fact).
    step: Step | None = None


class RootItem(NamedTuple):
    """A check or fact row's four cells, each with its text, sort value and tone."""

    status: Cell
    check: Cell
    severity: Cell
    detail: Cell


ROOT_COLUMNS = (
    Column("status", "Status", max_width=14, get=attrgetter("status")),
    Column("check", "Check", max_width=36, get=attrgetter("check")),
    Column("severity", "Severity", max_width=10, get=attrgetter("severity")),
    Column("detail", "Detail", max_width=120, flex=True, get=attrgetter("detail")),
)

#: A step's status as every screen shows it (the Root pane and the hardening screen).
STEP_STATUS_TEXT: Mapping[Status, str] = {
    Status.PASS: "✓ PASS",
    Status.FAIL: "✗ FAIL",
    Status.UNKNOWN: "? UNKNOWN",
    Status.INFO: "i INFO",
}
STEP_STATUS_TONE: Mapping[Status, str] = {
    Status.PASS: "ok",
    Status.FAIL: "high",
    Status.UNKNOWN: "warn",
    Status.INFO: "muted",
}
SUPPRESSED_TEXT = "~ SUPPRESSED"
#: Why the Root pane shows the live-only steps as unknown: it reads nothing beyond the snapshot.
NOT_READ = "a live call the Root pane does not make: h (Harden root) reads it"


def root_steps(v: Views) -> RootReport:
    """The hardening steps from the snapshot alone (the same judgement as the root screen)."""
    return evaluate_root(
        v.snapshot, RootExtra.not_loaded(NOT_READ, v.snapshot), now=v.now, settings=v.settings
    )


def _step_check(v: Views, step: Step) -> tuple[Check, RootItem]:
    rule = STEP_RULES.get(step.id)
    found = tuple(
        f
        for f in v.evaluation.findings
        if rule is not None
        and f.rule == rule.id
        and f.principal_kind in (PrincipalKind.ROOT, PrincipalKind.ACCOUNT)
    )
    active = [f for f in found if f.active]
    status, tone = STEP_STATUS_TEXT[step.status], STEP_STATUS_TONE[step.status]
    severity, sev_tone, word = "", "muted", step.status.name
    if step.status is Status.FAIL and found and not active:
        status, tone, word = SUPPRESSED_TEXT, "muted", "SUPPRESSED"
        severity = severity_cell(found[0].severity)
    elif step.status is Status.FAIL and rule is not None:
        worst = max((f.severity for f in active), default=rule.severity)
        severity, sev_tone, tone = severity_cell(worst), worst.label, worst.label
    check = Check(step.title, word, step.summary, rule, found, step.reason, step)
    item = RootItem(
        Cell(status, word, tone),
        Cell(step.title, step.title.lower()),
        Cell(severity, float(rule.severity) if severity and rule else 0.0, sev_tone),
        Cell(step.summary, step.summary, "muted" if step.informational else ""),
    )
    return check, item


def unchanged_by(before: Views, after: Views, scope: Collection[str]) -> bool:
    """Whether changing ``scope`` leaves the Root pane as it was (patches reuse it then).

    Root and account data changes rebuild every pane; among principals only administrators
    (before or after the change) count, through the break-glass step.
    """
    return not any(is_admin(before.snapshot, arn) or is_admin(after.snapshot, arn) for arn in scope)


def build(v: Views) -> PaneView:
    """The root-hardening steps (as the root screen judges them), then what the account says."""
    rows: list[Row] = []
    groups = {
        "checks": GroupSpec(
            "checks", (0, 0), "STEPS  root hardening (h: verify and fix)", counted=False
        ),
        "facts": GroupSpec("facts", (1, 0), "FACTS  as loaded", counted=False),
    }
    for step in root_steps(v).steps:
        check, item = _step_check(v, step)
        texts, sort, cell_tones = cells(ROOT_COLUMNS, item)
        rows.append(
            Row(
                key=f"check:{step.id.value}",
                kind=RowKind.CHECK,
                cells=texts,
                sort=sort,
                search=f"{step.id} {step.title} {check.status} {check.detail}".lower(),
                tones=cell_tones,
                group="checks",
                data=check,
            )
        )
    for name, value, tone, detail in _root_facts(v):
        item = RootItem(
            Cell(value, value.lower(), tone),
            Cell(name, name.lower()),
            Cell(""),
            Cell(detail, detail.lower(), "muted"),
        )
        texts, sort, cell_tones = cells(ROOT_COLUMNS, item)
        rows.append(
            Row(
                key=f"fact:{name}",
                kind=RowKind.FACT,
                cells=texts,
                sort=sort,
                search=f"{name} {value} {detail}".lower(),
                tones=cell_tones,
                group="facts",
                data=Check(name, value, detail),
            )
        )
    unavailable = None
    if v.missing(Part.ACCOUNT_SUMMARY) and v.missing(Part.CREDENTIAL_REPORT):
        unavailable = v.missing(Part.ACCOUNT_SUMMARY)
    return PaneView(Pane.ROOT, ROOT_COLUMNS, tuple(rows), groups, unavailable)


def _root_facts(v: Views) -> list[tuple[str, str, str, str]]:
    """(name, value, tone, detail) facts about root and the account, as loaded."""
    snap, now = v.snapshot, v.now
    facts: list[tuple[str, str, str, str]] = []
    summary = snap.summary
    root = snap.credential_report.root if snap.credential_report else None
    if summary is not None:
        facts.append(
            (
                "Root MFA (account summary)",
                "yes" if summary.mfa_enabled else "no",
                "ok" if summary.mfa_enabled else "bad",
                "GetAccountSummary",
            )
        )
        present = summary.access_keys_present
        facts.append(
            (
                "Root access keys (account summary)",
                "present" if present else "none",
                "bad" if present else "ok",
                "GetAccountSummary",
            )
        )
    if root is not None:
        facts.append(
            (
                "Root password last used",
                report_ago(root.password_last_used, now, suffix=False),
                "",
                report_exact(root.password_last_used),
            )
        )
        for n, key in enumerate(root.keys, 1):
            if key.active or isinstance(key.last_rotated, datetime):
                state = "active" if key.active else "inactive"
                detail = (
                    f"last used {report_ago(key.last_used, now)} "
                    f"({report_text(key.last_used_service)}), "
                    f"created {report_exact(key.last_rotated)}"
                )
                facts.append(
                    (f"Root access key {n}", state, "bad" if key.active else "warn", detail)
                )
    root_devices = [d for d in snap.virtual_mfa_devices if d.for_root]
    if root_devices:
        facts.append(("Root virtual MFA device", "virtual", "", root_devices[0].serial))
    policy = snap.password_policy
    if policy is not None:
        bits = [f"min length {policy.minimum_password_length}"]
        bits.append(
            f"reuse prevention {policy.password_reuse_prevention}"
            if policy.password_reuse_prevention
            else "no reuse prevention"
        )
        if policy.expire_passwords and policy.max_password_age:
            bits.append(f"expires after {policy.max_password_age} days")
        facts.append(("Password policy", "set", "", ", ".join(bits)))
    elif not snap.unavailable_part(Part.PASSWORD_POLICY):
        facts.append(("Password policy", "none", "warn", "AWS defaults apply"))
    facts.append(("Account alias", snap.alias or "none", "", snap.account_id))
    return facts


# --- root-hardening evidence in words ------------------------------------------------------

#: Evidence keys of the root-hardening steps, in words (the keys stay the ids in JSON and the
#: Markdown report). A key not listed reads as its words (``last_used`` → "Last used").
EVIDENCE_LABELS: Mapping[str, str] = {
    "account_summary_mfa_enabled": "MFA enabled (account summary)",
    "credential_report_mfa_active": "MFA active (credential report)",
    "mfa_type": "MFA type",
    "virtual_mfa_device": "Virtual MFA device",
    "account_summary_access_keys_present": "Access keys present (account summary)",
    "credential_report_generated_at": "Credential report generated",
    "root_keys": "Root access keys (ListAccessKeys)",
    "key_id": "Key id",
    "accepted_risk": "Accepted risk",
    "threshold_days": "Counts as recent within (days)",
    "last_used": "Last used",
    "last_rotated": "Created or rotated",
    "last_used_service": "Last used service",
    "last_used_region": "Last used region",
    "required_minimum_length": "Minimum length CIS asks for",
    "required_reuse_prevention": "Passwords remembered CIS asks for",
    "current_policy": "Current password policy",
    "proposed_policy": "Proposed password policy",
    "security_contact": "Security contact",
    "email": "Email",
    "phone": "Phone",
    "admin_users": "Administrator users",
    "admin_roles": "Administrator roles",
    "admin_roles_only_services_assume": "Administrator roles only services assume",
    "admin_roles_not_break_glass": "Administrator roles that cannot be break-glass",
    "mfa": "MFA",
    "arn": "ARN",
    "via": "Administrator through",
    "why": "Why not",
    "in_organization": "In an AWS Organization",
    "organization_id": "Organization id",
    "enabled_features": "Enabled features",
}

_KEY_SLOT = re.compile(r"key_(\d)(?:_(.+))?")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def evidence_label(key: str) -> str:
    """An evidence key in words: the table above, a key slot, or the key's own words."""
    if key in EVIDENCE_LABELS:
        return EVIDENCE_LABELS[key]
    slot = _KEY_SLOT.fullmatch(key)
    if slot is not None:
        n, rest = slot.groups()
        if rest is None:
            return f"Access key {n} (credential report)"
        return f"Access key {n} {evidence_label(rest).lower()}"
    words = _CAMEL.sub(" ", key).replace("_", " ").strip()  # MinimumPasswordLength, threshold
    return words[:1].upper() + words[1:].lower()


class EvidenceLine(NamedTuple):
    """One line of evidence: how deep it is nested, its label and its value in words."""

    depth: int
    label: str
    value: str


def evidence_value(value: EvidenceValue) -> str:
    """A scalar or a list of scalars in words (yes/no, none, AWS's raw report words)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(evidence_value(v) for v in value) or "none"
    if isinstance(value, Mapping):
        return ", ".join(f"{evidence_label(k)}: {evidence_value(v)}" for k, v in value.items())
    if isinstance(value, str):
        return report_words(value)
    return str(value)


def evidence_lines(evidence: Evidence, depth: int = 0) -> list[EvidenceLine]:
    """Evidence as label: value lines; a mapping or a list of them nests its fields below."""
    lines: list[EvidenceLine] = []
    for key, value in evidence.items():
        label = evidence_label(key)
        if isinstance(value, Mapping) and value:
            lines.append(EvidenceLine(depth, label, ""))
            lines += evidence_lines(value, depth + 1)
        elif isinstance(value, tuple) and value and all(isinstance(v, Mapping) for v in value):
            lines.append(EvidenceLine(depth, label, str(len(value))))
            for n, item in enumerate(value, 1):
                assert isinstance(item, Mapping)
                named = next((k for k in ("name", "key_id") if k in item), None)
                rest = {k: v for k, v in item.items() if k != named}
                head = evidence_value(item[named]) if named is not None else f"{n}."
                lines.append(EvidenceLine(depth + 1, head, ""))
                lines += evidence_lines(rest, depth + 2)
        else:
            lines.append(EvidenceLine(depth, label, evidence_value(value)))
    return lines
