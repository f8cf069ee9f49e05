"""The detail panel: exact dates, evidence, ARNs and practice for the selected row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from iamtui.core.actions.guards import QUARANTINE_POLICY
from iamtui.core.findings import (
    Finding,
    NotEvaluated,
)
from iamtui.core.model import (
    CredentialReportRow,
    Part,
    PrincipalDetail,
    Role,
    User,
)
from iamtui.core.policy import analyse_trust
from iamtui.core.rules import RULES_BY_ID
from iamtui.core.rules.escalation import readable_paths
from iamtui.core.second_opinion import Opinion, Verdict
from iamtui.core.views.format import (
    ago,
    evidence_text,
    exact,
    report_exact,
    report_text,
)
from iamtui.core.views.keys import KeySlot
from iamtui.core.views.roles import is_quarantined
from iamtui.core.views.root import Check, evidence_lines
from iamtui.core.views.table import GroupSpec

if TYPE_CHECKING:
    from iamtui.core.views.panes import Views


@dataclass(frozen=True, slots=True)
class Field:
    """A label and a value in a detail panel; ``tone`` colours the value."""

    label: str
    value: str
    tone: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A titled block of fields in a detail panel."""

    title: str
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Detail:
    """What the detail panel shows for the selected row."""

    title: str
    tone: str
    sections: tuple[Section, ...]


def findings_section(findings: Sequence[Finding], title: str = "Findings") -> Section:
    if not findings:
        return Section(title, (Field("", "none", "ok"),))
    return Section(
        title,
        tuple(
            Field(
                f.severity.label,
                f"{f.summary}" + (" (suppressed)" if f.suppressed else ""),
                "muted" if f.suppressed else f.severity.label,
            )
            for f in findings
        ),
    )


#: How each second-opinion verdict is coloured.
VERDICT_TONES = {
    Verdict.AGREES: "ok",
    Verdict.DISAGREES: "warn",
    Verdict.ANALYZER_ONLY: "warn",
    Verdict.IAMTUI_ONLY: "",
    Verdict.UNAVAILABLE: "muted",
    Verdict.UNKNOWN: "muted",
}


def opinion_field(opinion: Opinion) -> Field:
    """Access Analyzer's opinion on a finding as one detail line."""
    return Field("", opinion.line(), VERDICT_TONES[opinion.verdict])


def analyzer_section(v: Views, arn: str) -> Section | None:
    """Access Analyzer's opinions on a user or role, most important first (None: none); the
    section title names the analyzer, so the lines do not repeat it (they wrap, shorter)."""
    opinions = v.second_opinion.for_resource(arn)
    if v.second_opinion.unavailable is not None or not opinions:
        return None
    fields_ = (
        Field("", o.line().removeprefix("Access Analyzer: "), VERDICT_TONES[o.verdict])
        for o in opinions
    )
    return Section("Access Analyzer", tuple(fields_))


def findings_and_opinions(v: Views, arn: str) -> list[Section]:
    """A principal's findings and Access Analyzer's opinions: the opinions first when the
    analyzer says something the findings do not (disagrees, analyzer-only), so the fixed-height
    detail panel never cuts that off below a long list of findings."""
    findings = findings_section(v.by_principal.get(arn, ()))
    analyzer = analyzer_section(v, arn)
    if analyzer is None:
        return [findings]
    news = {Verdict.DISAGREES, Verdict.ANALYZER_ONLY}
    if any(o.verdict in news for o in v.second_opinion.for_resource(arn)):
        return [analyzer, findings]
    return [findings, analyzer]


def _evidence_fields(v: Views, f: Finding) -> tuple[Field, ...]:
    """The evidence, escalation paths as numbered steps rather than their JSON."""
    paths = readable_paths(v.snapshot, f)
    out: list[Field] = []
    for key, value in f.evidence.items():
        if key == "paths" and paths:
            out += [Field(*line) for line in paths]
        else:
            out.append(Field(key, evidence_text(value)))
    return tuple(out)


def describe_finding(v: Views, f: Finding) -> Detail:
    rule = RULES_BY_ID.get(f.rule)
    who = f.principal_name
    if str(f.principal_kind) != f.principal_name:
        who = f"{f.principal_kind} {f.principal_name}"
    about = [
        Field("Summary", f.summary),
        Field("Severity", f.severity.label, f.severity.label),
        Field("Rule", f.rule),
        Field("Principal", who),
        Field("ARN", f.principal_arn),
    ]
    if f.key is not None:
        about.append(
            Field(
                "Key",
                f"slot {f.key.slot}"
                + (f" · {f.key.key_id}" if f.key.key_id else " (id not loaded)"),
            )
        )
    sections = [
        Section("Finding", tuple(about)),
        Section("Evidence", _evidence_fields(v, f) or (Field("", "none"),)),
        Section(
            "Practice", (Field("", f.practice.name), Field("", f.practice.description, "muted"))
        ),
    ]
    second = v.second_opinion.by_finding.get(f.id)
    if second is not None:
        sections.insert(2, Section("Access Analyzer", (opinion_field(second),)))
    if f.suppressed is not None:
        s = f.suppressed
        sections.insert(
            1,
            Section(
                "Suppressed",
                (
                    Field("Reason", s.reason, "warn"),
                    Field("Until", str(s.expires) if s.expires else "no expiry"),
                    Field("Rule glob", s.rule),
                    Field("Principal", s.principal),
                ),
            ),
        )
    if f.actions:
        sections.append(
            Section(
                "Suggested fixes",
                (
                    *(Field("", str(a)) for a in f.actions),
                    Field(
                        "",
                        "h: step-by-step root hardening"
                        if all(str(a) == "root.harden" for a in f.actions)
                        else "x: choose one (preview first)",
                        "muted",
                    ),
                ),
            )
        )
    title = rule.title if rule else f.rule
    return Detail(title, f.severity.label, tuple(sections))


def describe_user(v: Views, user: User) -> Detail:
    row = v.report_rows.get(user.name)
    ident = [
        Field("ARN", user.arn),
        Field("User id", user.user_id),
        Field("Path", user.path),
        Field("Created", exact(user.create_date)),
        Field("Groups", ", ".join(user.groups) or "none"),
    ]
    if user.permissions_boundary:
        ident.append(Field("Boundary", user.permissions_boundary))
    sections = [Section("Identity", tuple(ident))]
    if user.tags:
        sections.append(Section("Tags", tuple(Field(t.key, t.value) for t in user.tags)))
    if row is not None:
        title = "Credentials (report)"
        live = v.live.get(user.name)
        fields_ = _credential_fields(v, row)
        if live is not None:
            title = "Credentials (live)"
            fields_ = (
                Field("Read", f"{exact(live)}: after an action (report not yet renewed)"),
                *fields_,
            )
        sections.append(Section(title, fields_))
    else:
        sections.append(
            Section("Credentials", (Field("", "not in the credential report", "muted"),))
        )
    if held := service_credential_fields(v, user):
        sections.append(Section("Service-specific credentials", held))
    if held := credential_fields(v.snapshot.details.get(user.arn)):
        sections.append(Section("SSH keys and signing certificates", held))
    sections += findings_and_opinions(v, user.arn)
    return Detail(user.name, "", tuple(sections))


def service_credential_fields(v: Views, user: User) -> tuple[Field, ...]:
    """A user's service-specific credentials (status, age, expiry; never a secret), or why
    they are unknown. Empty when the user holds none."""
    snap, now = v.snapshot, v.now
    if snap.service_credentials is None:
        gone = snap.unavailable_part(Part.SERVICE_CREDENTIALS)
        why = f"unavailable: {gone.reason}" if gone is not None else "not loaded"
        return (Field("Service credentials", why, "muted"),)
    fields_: list[Field] = []
    for c in snap.credentials_of(user.name):
        expired = c.expired(now)
        status = "Expired" if expired else c.status
        expires = (
            "never expires"
            if c.expiration is None
            else f"{'expired' if expired else 'expires'} {exact(c.expiration)}"
        )
        tone = "muted" if not c.active or expired else ("warn" if c.expiration is None else "")
        fields_.append(
            Field(
                c.label,
                f"{c.credential_id} · {status} · created {exact(c.create_date)} "
                f"({ago(c.create_date, now)}) · {expires}",
                tone,
            )
        )
    return tuple(fields_)


def credential_fields(detail: PrincipalDetail | None) -> tuple[Field, ...]:
    """A fetched user's SSH public keys and signing certificates (nothing when it holds none).

    A listing that could not be read says so: it is not "none".
    """
    if detail is None:
        return ()
    out: list[Field] = []
    for key in detail.ssh_public_keys or ():
        tone = "" if key.active else "muted"
        text = f"{key.key_id} · {key.status.lower()} · uploaded {exact(key.upload_date)}"
        out.append(Field("SSH key", text, tone))
    for cert in detail.signing_certificates or ():
        tone = "" if cert.active else "muted"
        text = f"{cert.certificate_id} · {cert.status.lower()} · uploaded {exact(cert.upload_date)}"
        out.append(Field("Certificate", text, tone))
    for gone in detail.unavailable:
        out.append(Field(gone.part.partition(":")[2] or gone.part, gone.reason, "warn"))
    return tuple(out)


def _credential_fields(v: Views, row: CredentialReportRow) -> tuple[Field, ...]:
    fields_: list[Field] = []
    enabled = row.password_enabled is True
    fields_.append(Field("Console", "password enabled" if enabled else "no password"))
    if enabled:
        fields_.append(Field("Password used", report_exact(row.password_last_used)))
        fields_.append(Field("Password set", report_exact(row.password_last_changed)))
    fields_.append(
        Field(
            "MFA",
            "active" if row.mfa_active else "none",
            "ok" if row.mfa_active else ("bad" if enabled else "muted"),
        )
    )
    for n, key in enumerate(row.keys, 1):
        if not (key.active or isinstance(key.last_rotated, datetime)):
            continue
        state = "active" if key.active else "inactive"
        fields_.append(Field(f"Key {n}", f"{state}, created {report_exact(key.last_rotated)}"))
        used = report_exact(key.last_used, na="never used")
        if isinstance(key.last_used, datetime):
            used += (
                f" · {report_text(key.last_used_service, sentence=True)} · "
                f"{report_text(key.last_used_region, sentence=True)}"
            )
        fields_.append(Field(f"Key {n} used", used))
    return tuple(fields_)


def describe_role(v: Views, role: Role) -> Detail:
    analysis = analyse_trust(role.trust_policy)
    ident = [
        Field("ARN", role.arn),
        Field("Role id", role.role_id),
        Field("Path", role.path),
        Field("Created", exact(role.create_date)),
        Field("Last used", exact(role.last_used), "" if role.last_used else "warn"),
        Field("Region", role.last_used_region or "—"),
        Field("Max session", f"{role.max_session_duration // 3600} h"),
    ]
    if role.description:
        ident.append(Field("Description", role.description))
    if role.instance_profiles:
        ident.append(Field("Instance profiles", ", ".join(role.instance_profiles)))
    if role.permissions_boundary:
        ident.append(Field("Boundary", role.permissions_boundary))
    if role.service_linked:
        ident.append(Field("Managed by", "AWS (service-linked role)", "muted"))
    if role.sso_reserved:
        ident.append(Field("Managed by", "IAM Identity Center", "muted"))
    if is_quarantined(role):
        ident.append(
            Field(
                "Quarantined",
                f"yes: {QUARANTINE_POLICY} denies everything",
                "warn",
            )
        )
    sections = [Section("Identity", tuple(ident))]
    trust_fields = tuple(
        Field(
            g.kind,
            g.principal + (" (conditioned)" if g.restricted else ""),
            "bad" if g.public and not g.restricted else "",
        )
        for g in analysis.grants
    )
    sections.append(Section("Trusted by", trust_fields or (Field("", "nobody"),)))
    if role.tags:
        sections.append(Section("Tags", tuple(Field(t.key, t.value) for t in role.tags)))
    sections += findings_and_opinions(v, role.arn)
    return Detail(role.name, "", tuple(sections))


def describe_key(v: Views, slot: KeySlot) -> Detail:
    key = slot.key
    fields_ = [
        Field("User", slot.user.name),
        Field("ARN", slot.user.arn),
        Field("Slot", str(slot.slot)),
        Field(
            "Key id",
            slot.key_id or "not loaded (open the user with enter)",
            "" if slot.key_id else "muted",
        ),
        Field("Status", "Active" if key.active else "Inactive", "ok" if key.active else "muted"),
        Field("Created", report_exact(key.last_rotated)),
        Field("Last used", report_exact(key.last_used, na="never used")),
        Field("Service", report_text(key.last_used_service, sentence=True)),
        Field("Region", report_text(key.last_used_region, sentence=True)),
    ]
    findings = v.by_key.get((slot.user.arn, slot.slot), ())
    return Detail(
        f"{slot.user.name} key {slot.slot}",
        "",
        (Section("Access key", tuple(fields_)), findings_section(findings)),
    )


def describe_check(v: Views, check: Check) -> Detail:
    if check.step is not None:
        return _describe_step(check)
    fields_ = [Field("Status", check.status), Field("Detail", check.detail)]
    sections = [Section(check.name, tuple(fields_))]
    if check.rule is not None:
        sections.append(
            Section(
                "Rule",
                (
                    Field("Id", check.rule.id),
                    Field("Practice", check.rule.practice.name),
                    Field("Why", check.rule.practice.description, "muted"),
                ),
            )
        )
    for f in check.findings:
        sections.append(
            Section("Evidence", tuple(Field(k, evidence_text(v)) for k, v in f.evidence.items()))
        )
    return Detail(check.name, "", tuple(sections))


def _describe_step(check: Check) -> Detail:
    """A root-hardening step: status, evidence in words, why, and where it is fixed."""
    step = check.step
    assert step is not None
    status = [Field("Status", check.status), Field("Detail", check.detail)]
    if check.reason:
        status.append(Field("Unknown because", check.reason, "warn"))
    if step.informational:
        status.append(Field("", "informational: not counted as hardened or not", "muted"))
    sections = [Section(check.name, tuple(status))]
    evidence = tuple(
        Field("  " * line.depth + line.label, line.value) for line in evidence_lines(step.evidence)
    )
    if evidence:
        sections.append(Section("Evidence", evidence))
    sections.append(Section("Why it matters", (Field("", step.why),)))
    if step.remedies or step.manual:
        sections.append(
            Section("Fix", (Field("", "h: Harden root, to plan a fix and verify it", "accent"),))
        )
    return Detail(check.name, "", tuple(sections))


# -- review -----------------------------------------------------------------------------


def describe_not_evaluated(data: NotEvaluated) -> Detail:
    """A rule that could not run: why, and the practice it serves."""
    return Detail(
        data.rule.title,
        "muted",
        (
            Section(
                "Not evaluated",
                (
                    Field("Rule", data.rule.id),
                    Field("Reason", data.reason, "warn"),
                    Field("Practice", data.rule.practice.name),
                    Field("Why", data.rule.practice.description),
                ),
            ),
        ),
    )


def describe_group(data: GroupSpec) -> Detail:
    """A Findings section header: the rule behind it."""
    rule_id = data.key.split(":", 1)[-1]
    found = RULES_BY_ID.get(rule_id)
    if found is None:
        return Detail(data.title, data.tone, ())
    return Detail(
        found.title,
        data.tone,
        (
            Section(
                "Rule",
                (
                    Field("Id", found.id),
                    Field("Severity", found.severity.label, found.severity.label),
                    Field("Practice", found.practice.name),
                    Field("Why", found.practice.description),
                ),
            ),
        ),
    )
