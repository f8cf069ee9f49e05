"""The Root & account pane: root and account-level checks, then facts as loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

from iamtui.core.findings import (
    Finding,
    PrincipalKind,
    Rule,
)
from iamtui.core.model import (
    Part,
)
from iamtui.core.rules import ALL_RULES
from iamtui.core.views.format import report_ago, report_exact, report_text, severity_cell
from iamtui.core.views.table import Cell, Column, GroupSpec, Pane, PaneView, Row, RowKind, cells

if TYPE_CHECKING:
    from iamtui.core.views.panes import Views


@dataclass(frozen=True, slots=True)
class Check:
    """One root or account-level check: a rule's outcome (or a fact shown next to the checks)."""

    name: str
    status: str
    detail: str
    rule: Rule | None = None
    findings: tuple[Finding, ...] = ()
    reason: str | None = None


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

_STATUS_ICON = {
    "FAIL": "✗ FAIL",
    "OK": "✓ OK",
    "NOT EVALUATED": "? NOT EVALUATED",
    "SUPPRESSED": "~ SUPPRESSED",
}


def _check_item(check: Check, rule: Rule, severity: str, tones: tuple[str, str, str]) -> RootItem:
    status, sev, detail = tones
    return RootItem(
        Cell(_STATUS_ICON[check.status], check.status, status),
        Cell(rule.title, rule.title.lower()),
        Cell(severity, float(rule.severity), sev),
        Cell(check.detail, check.detail, detail),
    )


def build(v: Views) -> PaneView:
    """Root and account checks (one per rule), then what the account says about root."""
    rows: list[Row] = []
    groups = {
        "checks": GroupSpec(
            "checks", (0, 0), "CHECKS  root user and account settings", counted=False
        ),
        "facts": GroupSpec("facts", (1, 0), "FACTS  as loaded", counted=False),
    }
    skipped = {n.rule.id: n for n in v.evaluation.not_evaluated}
    root_findings = [
        f
        for f in v.evaluation.findings
        if f.principal_kind in (PrincipalKind.ROOT, PrincipalKind.ACCOUNT)
    ]
    for rule in ALL_RULES:
        if not rule.id.startswith(("root.", "account.")):
            continue
        found = tuple(f for f in root_findings if f.rule == rule.id)
        active = [f for f in found if f.active]
        if rule.id in skipped:
            check = Check(
                rule.title,
                "NOT EVALUATED",
                skipped[rule.id].reason,
                rule,
                reason=skipped[rule.id].reason,
            )
            tones = ("muted", "muted", "muted")
            severity = ""
        elif active:
            worst = max(f.severity for f in active)
            check = Check(rule.title, "FAIL", "; ".join(f.summary for f in active), rule, found)
            tones = (worst.label, worst.label, "")
            severity = severity_cell(worst)
        elif found:
            check = Check(rule.title, "SUPPRESSED", found[0].summary, rule, found)
            tones = ("muted", "muted", "muted")
            severity = severity_cell(found[0].severity)
        else:
            check = Check(rule.title, "OK", "passed", rule)
            tones = ("ok", "muted", "muted")
            severity = ""
        texts, sort, cell_tones = cells(ROOT_COLUMNS, _check_item(check, rule, severity, tones))
        rows.append(
            Row(
                key=f"check:{rule.id}",
                kind=RowKind.CHECK,
                cells=texts,
                sort=sort,
                search=f"{rule.id} {rule.title} {check.status} {check.detail}".lower(),
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
