"""The principal review screen: identity, credentials, policies, last access, findings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from iamtui.core.escalation import EscalationPath, path_lines, paths_of
from iamtui.core.findings import (
    Finding,
    PrincipalKind,
)
from iamtui.core.model import (
    AccessKey,
    AttachedPolicy,
    InlinePolicy,
    LastAccessed,
    PolicyDocument,
    ReportKey,
    Role,
    Tag,
    User,
)
from iamtui.core.policy import analyse_trust, is_admin_document, is_administrator_access
from iamtui.core.views import rightsize
from iamtui.core.views.analyzer import review_fields
from iamtui.core.views.details import Field, credential_fields, service_credential_fields
from iamtui.core.views.format import (
    age_cell,
    ago,
    exact,
    report_ago,
    report_exact,
    report_text,
    severity_cell,
    timestamp,
)
from iamtui.core.views.keys import KeySlot
from iamtui.core.views.rightsize import RightsizeView
from iamtui.core.views.table import Column, Row, RowKind

if TYPE_CHECKING:
    from iamtui.core.views.panes import Views


@dataclass(frozen=True, slots=True)
class PolicyLine:
    """A policy that applies to a principal: where it comes from and its document."""

    kind: str  # "managed", "inline", "boundary"
    name: str
    via: str  # "direct", "group Developers", "boundary"
    arn: str | None
    document: PolicyDocument | None
    aws_managed: bool = False
    #: The group it comes through (None: the principal's own or its boundary).
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Review:
    """Everything the principal review screen shows for one user or role."""

    kind: PrincipalKind
    name: str
    arn: str
    identity: tuple[Field, ...]
    tags: tuple[Tag, ...]
    console: tuple[Field, ...]
    #: Access keys: one row per key (from ListAccessKeys) or per report slot until loaded.
    key_rows: tuple[Row, ...]
    key_columns: tuple[Column, ...]
    #: True when key ids and last use come from ListAccessKeys, not only the report.
    keys_detailed: bool
    mfa: tuple[Field, ...]
    #: The user's SSH public keys and signing certificates, once fetched (none: empty).
    credentials: tuple[Field, ...]
    groups: tuple[str, ...]
    policies: tuple[PolicyLine, ...]
    policy_rows: tuple[Row, ...]
    policy_columns: tuple[Column, ...]
    boundary: PolicyLine | None
    trust: PolicyDocument | None
    trust_summary: tuple[Field, ...]
    #: None until last-accessed data was fetched for this principal.
    last_accessed: LastAccessed | None
    access_rows: tuple[Row, ...]
    access_columns: tuple[Column, ...]
    findings: tuple[Finding, ...]
    finding_rows: tuple[Row, ...]
    finding_columns: tuple[Column, ...]
    actions: tuple[str, ...]
    #: "Can become administrator via": each escalation path, then its steps (empty: none).
    escalation: tuple[Field, ...] = ()
    #: What right-sizing would do (None until last-accessed data was fetched).
    rightsize: RightsizeView | None = None
    #: Access Analyzer's opinion on each of its findings or iamtui's on this principal, or
    #: why there is none (the second opinion).
    access_analyzer: tuple[Field, ...] = ()


REVIEW_KEY_COLUMNS = (
    Column("key", "Key", max_width=22, min_width=20),
    Column("status", "Status", max_width=8, min_width=8),
    Column("created", "Created", max_width=16),
    Column("last_used", "Last used", max_width=16),
    Column("service", "Service", max_width=12),
    Column("region", "Region", max_width=12, flex=True),
)
REVIEW_POLICY_COLUMNS = (
    Column("kind", "Type", max_width=8),
    Column("name", "Policy", max_width=36, flex=True),
    Column("via", "Via", max_width=22),
)
REVIEW_ACCESS_COLUMNS = (
    Column("service", "Service", max_width=30, flex=True),
    Column("namespace", "Namespace", max_width=14),
    Column("last", "Last accessed", max_width=16),
    Column("region", "Region", max_width=14),
    Column("unused", "Unused", max_width=6, min_width=6),
    #: What right-sizing does to the service ("drop"), from the review's proposal.
    Column("rightsize", "Plan", max_width=5, min_width=5),
)
REVIEW_FINDING_COLUMNS = (
    Column("severity", "Severity", max_width=10),
    Column("rule", "Rule", max_width=28),
    Column("summary", "Finding", max_width=80, flex=True),
)


def build(v: Views, principal: User | Role) -> Review:
    """The review screen's content for one user or role."""
    snap, now = v.snapshot, v.now
    is_user = isinstance(principal, User)
    findings = tuple(v.by_principal.get(principal.arn, ()))
    identity = [
        Field("ARN", principal.arn),
        Field("Id", principal.user_id if isinstance(principal, User) else principal.role_id),
        Field("Path", principal.path),
        Field("Created", f"{exact(principal.create_date)} ({ago(principal.create_date, now)})"),
    ]
    console: list[Field] = []
    mfa: list[Field] = []
    credentials: tuple[Field, ...] = ()
    key_rows: list[Row] = []
    keys_detailed = False
    trust: PolicyDocument | None = None
    trust_summary: list[Field] = []
    if isinstance(principal, User):
        row = v.report_rows.get(principal.name)
        detail = snap.details.get(principal.arn)
        if row is not None:
            enabled = row.password_enabled is True
            console.append(
                Field(
                    "Console access",
                    "password enabled" if enabled else "none",
                    "" if enabled else "muted",
                )
            )
            if enabled:
                used = report_exact(row.password_last_used)
                if isinstance(row.password_last_used, datetime):
                    used += f" ({report_ago(row.password_last_used, now)})"
                console.append(Field("Password last used", used))
                console.append(Field("Password changed", report_exact(row.password_last_changed)))
            console.append(
                Field(
                    "MFA",
                    "active" if row.mfa_active else "none",
                    "ok" if row.mfa_active else ("bad" if enabled else "muted"),
                )
            )
            console.append(Field("Report generated", exact(snap.report_age_reference)))
        else:
            console.append(Field("Console access", "not in the credential report", "muted"))
        console.extend(service_credential_fields(v, principal))
        if detail is not None:
            keys_detailed = True
            for access_key in detail.access_keys:
                key_rows.append(_detail_key_row(principal, access_key, now))
            for device in detail.mfa_devices:
                mfa.append(
                    Field(
                        "virtual" if device.virtual else "hardware",
                        f"{device.serial} · enabled {exact(device.enable_date)}",
                    )
                )
            if not detail.mfa_devices:
                mfa.append(Field("", "no MFA device", "muted"))
            credentials = credential_fields(detail)
        elif row is not None:
            for n, key in enumerate(row.keys, 1):
                if key.active or isinstance(key.last_rotated, datetime):
                    slot = KeySlot(principal, row, n, key, None)
                    key_rows.append(_report_key_row(principal, n, key, now, slot))
        groups = principal.groups
    else:
        role = principal
        trust = role.trust_policy
        for g in analyse_trust(role.trust_policy).grants:
            trust_summary.append(
                Field(
                    g.kind,
                    g.principal + ("  (conditioned)" if g.restricted else ""),
                    "bad" if g.public and not g.restricted else "",
                )
            )
        identity.append(
            Field(
                "Last used",
                f"{exact(role.last_used)} ({ago(role.last_used, now)})"
                if role.last_used
                else "never (or before tracking)",
                "" if role.last_used else "warn",
            )
        )
        identity.append(Field("Last region", role.last_used_region or "—"))
        identity.append(Field("Max session", f"{role.max_session_duration // 3600} h"))
        if role.description:
            identity.append(Field("Description", role.description))
        if role.instance_profiles:
            identity.append(Field("Instance profiles", ", ".join(role.instance_profiles)))
        if role.service_linked:
            identity.append(Field("Managed by", "AWS: service-linked role", "warn"))
        if role.sso_reserved:
            identity.append(Field("Managed by", "IAM Identity Center", "warn"))
        groups = ()
    policies = _policy_lines(v, principal)
    boundary = None
    if principal.permissions_boundary:
        managed = snap.policy(principal.permissions_boundary)
        boundary = PolicyLine(
            "boundary",
            managed.name if managed else principal.permissions_boundary.rsplit("/", 1)[-1],
            "boundary",
            principal.permissions_boundary,
            managed.document if managed else None,
            managed.aws_managed if managed else False,
        )
    all_lines = (*policies, *((boundary,) if boundary else ()))
    policy_rows = tuple(
        Row(
            key=f"policy:{i}",
            kind=RowKind.FACT,
            cells=(line.kind, line.name, line.via),
            tones=("muted", "bad" if _admin(line) else "", "muted"),
            data=line,
        )
        for i, line in enumerate(all_lines)
    )
    data = snap.last_accessed.get(principal.arn)
    proposal = (
        rightsize.build(principal, snap, data, now=now, settings=v.settings) if data else None
    )
    access_rows = tuple(_access_rows(v, principal, data, proposal)) if data else ()
    actions = tuple(dict.fromkeys(str(a) for f in findings if f.active for a in f.actions))
    finding_rows = tuple(
        Row(
            key=f"finding:{f.id}",
            kind=RowKind.FINDING,
            cells=(
                severity_cell(f.severity),
                f.rule,
                f.summary + (f" (suppressed: {f.suppressed.reason})" if f.suppressed else ""),
            ),
            tones=(f.severity.label, "", ""),
            dim=f.suppressed is not None,
            data=f,
        )
        for f in findings
    )
    return Review(
        kind=PrincipalKind.USER if is_user else PrincipalKind.ROLE,
        name=principal.name,
        arn=principal.arn,
        identity=tuple(identity),
        tags=principal.tags,
        console=tuple(console),
        credentials=credentials,
        key_rows=tuple(key_rows),
        key_columns=REVIEW_KEY_COLUMNS,
        keys_detailed=keys_detailed,
        mfa=tuple(mfa),
        groups=groups,
        policies=policies,
        policy_rows=policy_rows,
        policy_columns=REVIEW_POLICY_COLUMNS,
        boundary=boundary,
        trust=trust,
        trust_summary=tuple(trust_summary),
        last_accessed=data,
        access_rows=access_rows,
        access_columns=REVIEW_ACCESS_COLUMNS,
        findings=findings,
        finding_rows=finding_rows,
        finding_columns=REVIEW_FINDING_COLUMNS,
        actions=actions,
        escalation=escalation_fields(paths_of(snap, principal)),
        rightsize=proposal,
        access_analyzer=review_fields(v.second_opinion, principal.arn),
    )


def escalation_fields(paths: Iterable[EscalationPath]) -> tuple[Field, ...]:
    """Each path as numbered steps (``escalation.path_lines``), as detail fields."""
    return tuple(Field(*line) for line in path_lines(paths))


def _policy_lines(v: Views, principal: User | Role) -> tuple[PolicyLine, ...]:
    snap = v.snapshot
    lines: list[PolicyLine] = []

    def add(
        inline: Iterable[InlinePolicy], attached: Iterable[AttachedPolicy], group: str | None = None
    ) -> None:
        via = f"group {group}" if group else "direct"
        for p in inline:
            lines.append(PolicyLine("inline", p.name, via, None, p.document, group=group))
        for ref in attached:
            managed = snap.policy(ref.arn)
            lines.append(
                PolicyLine(
                    "managed",
                    ref.name,
                    via,
                    ref.arn,
                    managed.document if managed else None,
                    managed.aws_managed if managed else ref.arn.split(":")[4] == "aws",
                    group,
                )
            )

    add(principal.inline_policies, principal.attached_policies)
    if isinstance(principal, User):
        for name in principal.groups:
            group = v.groups.get(name)
            if group is not None:
                add(group.inline_policies, group.attached_policies, name)
    return tuple(lines)


def _access_rows(
    v: Views, principal: User | Role, data: LastAccessed, proposal: RightsizeView | None
) -> Iterable[Row]:
    days = v.settings.thresholds.service_unused_days
    now = v.now
    old_enough = now - principal.create_date > timedelta(days=days)
    for s in sorted(
        data.services,
        key=lambda s: (s.last_authenticated is None, -(timestamp(s.last_authenticated) or 0)),
    ):
        when = s.last_authenticated
        unused = old_enough if when is None else now - when > timedelta(days=days)
        dropped = proposal is not None and s.namespace in proposal.dropped
        yield Row(
            key=f"service:{s.namespace}",
            kind=RowKind.FACT,
            cells=(
                s.service_name,
                s.namespace,
                age_cell(when, now),
                s.region or "—",
                "unused" if unused else "",
                "drop" if dropped else "",
            ),
            sort=(
                s.service_name.lower(),
                s.namespace,
                timestamp(when),
                s.region,
                float(unused),
                float(dropped),
            ),
            tones=("", "muted", "warn" if when is None else "", "muted", "warn", "bad"),
            data=s,
        )


def _admin(line: PolicyLine) -> bool:
    return (line.arn is not None and is_administrator_access(line.arn)) or is_admin_document(
        line.document
    )


def _detail_key_row(user: User, key: AccessKey, now: datetime) -> Row:
    return Row(
        key=f"accesskey:{key.key_id}",
        kind=RowKind.KEY,
        cells=(
            key.key_id,
            key.status,
            age_cell(key.create_date, now),
            age_cell(key.last_used, now),
            key.last_used_service or "—",
            key.last_used_region or "—",
        ),
        tones=(
            "",
            "ok" if key.active else "muted",
            "",
            "warn" if key.last_used is None else "",
            "muted",
            "muted",
        ),
        data=key,
    )


def _report_key_row(
    user: User, slot: int, key: ReportKey, now: datetime, data: KeySlot | None = None
) -> Row:
    return Row(
        key=f"slot:{user.arn}:{slot}",
        kind=RowKind.KEY,
        cells=(
            f"key {slot} (id not loaded)",
            "Active" if key.active else "Inactive",
            report_ago(key.last_rotated, now, na="—", suffix=False),
            report_ago(key.last_used, now, suffix=False),
            report_text(key.last_used_service),
            report_text(key.last_used_region),
        ),
        tones=("muted", "ok" if key.active else "muted", "", "", "muted", "muted"),
        data=data if data is not None else key,
    )
