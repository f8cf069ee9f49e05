"""Grant rules read from policy documents and attachments: PassRole and service wildcards,
CloudShell full access, a support role (no calls beyond authorization details)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from iamtui.core.findings import (
    Context,
    Evidence,
    Finding,
    Rule,
    Severity,
    rule,
)
from iamtui.core.ids import ActionId
from iamtui.core.model import Group, InlinePolicy, ManagedPolicy, Part, Role, User
from iamtui.core.policy import WildcardGrants, is_aws_managed
from iamtui.core.rules._common import LEAST_PRIVILEGE, PREPARE_INCIDENTS
from iamtui.core.subjects import AttachmentSubject, Fix, PrincipalType

#: Services whose ``<service>:*`` is reported one severity higher. Security Hub IAM.21 fails
#: on ``<service>:*`` for any service and names no sensitive set
#: (https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-21): this
#: list is iamtui's. Each lets the holder rewrite or assume permissions (iam, sts,
#: organizations, sso, sso-directory, identitystore), read or destroy secrets (kms,
#: secretsmanager, ssm: SecureString parameters, and commands run on instances and their
#: roles), or blind the account's audit and security settings (cloudtrail, config, guardduty,
#: securityhub, access-analyzer, account: alternate security contact, opt-in Regions).
SENSITIVE_SERVICES = frozenset(
    {
        "iam",
        "sts",
        "organizations",
        "sso",
        "sso-directory",
        "identitystore",
        "kms",
        "secretsmanager",
        "ssm",
        "cloudtrail",
        "config",
        "guardduty",
        "securityhub",
        "access-analyzer",
        "account",
    }
)
CLOUDSHELL_FULL_ACCESS = "policy/AWSCloudShellFullAccess"
SUPPORT_ACCESS = "policy/AWSSupportAccess"

Holder = User | Role | Group


def _kind(holder: Holder) -> PrincipalType:
    return "user" if isinstance(holder, User) else "role" if isinstance(holder, Role) else "group"


def _holders(ctx: Context) -> list[Holder]:
    """Users, owned roles and groups: service-linked and Identity Center roles are AWS's."""
    roles = [r for r in ctx.snapshot.roles if not (r.service_linked or r.sso_reserved)]
    return [*ctx.snapshot.users, *roles, *ctx.snapshot.groups]


def _customer_policies(ctx: Context) -> Iterator[ManagedPolicy]:
    """Customer-managed policies that grant: a policy used only as a permissions boundary
    caps permissions and grants none (AWS Config's ``excludePermissionBoundaryPolicy``)."""
    for policy in ctx.snapshot.policies:
        boundary_only = policy.permissions_boundary_usage_count and not policy.attachment_count
        if not policy.aws_managed and not boundary_only:
            yield policy


def _inline(ctx: Context, holder: Holder) -> Iterator[tuple[InlinePolicy, WildcardGrants]]:
    for policy in holder.inline_policies:
        yield policy, ctx.index.wildcards(f"{holder.arn}#{policy.name}", policy.document)


def _lower(severity: Severity) -> Severity:
    return Severity(max(int(severity) - 1, int(Severity.INFO)))


def _unattached(policy: ManagedPolicy) -> Evidence:
    return {"attachment_count": policy.attachment_count}


# --- iam:PassRole on every role -------------------------------------------------------------


def _passrole_summary(labels: Sequence[str]) -> str:
    more = f" (+{len(labels) - 1} more)" if len(labels) > 1 else ""
    return f"allows iam:PassRole on every role without iam:PassedToService: {labels[0]}{more}"


@rule(
    "policy.passrole-wildcard",
    "iam:PassRole on every role",
    practice=LEAST_PRIVILEGE,
    severity=Severity.MEDIUM,
    needs=[Part.AUTHORIZATION_DETAILS],
    reads_principals=True,
)
def passrole_wildcard(ctx: Context) -> Iterator[Finding]:
    """Passing any role to a service it can launch hands over that role's permissions."""
    for policy in _customer_policies(ctx):
        found = ctx.index.wildcards(policy.arn, policy.document).pass_role
        if not found:
            continue
        evidence: Evidence = {"statements": found, **_unattached(policy)}
        severity = None if policy.attachment_count else _lower(ctx.rule.severity)
        yield ctx.finding(policy, _passrole_summary(found), evidence=evidence, severity=severity)
    for holder in _holders(ctx):
        labels = [
            f"inline {p.name}: {label}" for p, g in _inline(ctx, holder) for label in g.pass_role
        ]
        if labels:
            evidence = {"statements": tuple(labels)}
            yield ctx.finding(holder, _passrole_summary(labels), evidence=evidence)


# --- <service>:* (Security Hub IAM.21) ------------------------------------------------------


def _service_finding(
    ctx: Context, about: Holder | ManagedPolicy, services: Sequence[str], evidence: Evidence
) -> Finding:
    sensitive = tuple(s for s in services if s in SENSITIVE_SERVICES)
    severity = Severity.MEDIUM if sensitive else Severity.LOW
    if isinstance(about, ManagedPolicy) and not about.attachment_count:
        severity = _lower(severity)
    shown = ", ".join(f"{s}:*" for s in services[:5])
    more = f" and {len(services) - 5} more" if len(services) > 5 else ""
    count = "a service" if len(services) == 1 else f"{len(services)} services"
    summary = f"allows every action of {count}: {shown}{more}"
    full: Evidence = {"services": tuple(services), "sensitive": sensitive, **evidence}
    return ctx.finding(about, summary, evidence=full, severity=severity)


@rule(
    "policy.service-wildcard",
    "Every action of a service",
    practice=LEAST_PRIVILEGE,
    severity=Severity.LOW,
    needs=[Part.AUTHORIZATION_DETAILS],
    reads_principals=True,
)
def service_wildcard(ctx: Context) -> Iterator[Finding]:
    """``<service>:*`` grants every future action of that service too (Security Hub IAM.21)."""
    for policy in _customer_policies(ctx):
        services = ctx.index.wildcards(policy.arn, policy.document).services
        if services:
            yield _service_finding(ctx, policy, services, _unattached(policy))
    for holder in _holders(ctx):
        by_policy = {p.name: g.services for p, g in _inline(ctx, holder) if g.services}
        if by_policy:
            services = tuple(sorted({s for found in by_policy.values() for s in found}))
            evidence: Evidence = {"inline_policies": tuple(sorted(by_policy))}
            yield _service_finding(ctx, holder, services, evidence)


# --- AWS managed policies CIS names ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Attached:
    holder: Holder
    arn: str


def _attached(ctx: Context, name: str, holders: Sequence[Holder] | None = None) -> list[_Attached]:
    """Each (holder, policy ARN) where the AWS managed policy ``name`` is attached."""
    found = []
    for holder in _holders(ctx) if holders is None else holders:
        for ref in holder.attached_policies:
            if is_aws_managed(ref.arn, name):
                found.append(_Attached(holder, ref.arn))
    return found


@rule(
    "policy.cloudshell-full-access",
    "AWSCloudShellFullAccess attached",
    practice=LEAST_PRIVILEGE,
    severity=Severity.MEDIUM,
    needs=[Part.AUTHORIZATION_DETAILS],
    reads_principals=True,
)
def cloudshell_full_access(ctx: Context) -> Iterator[Finding]:
    """CloudShell moves files in and out of the account freely: an exfiltration path (CIS 1.22)."""
    # Identity Center roles count (CIS 1.22 lists them) but are fixed in the permission set.
    sso = [r for r in ctx.snapshot.roles if r.sso_reserved and not r.service_linked]
    for item in [
        *_attached(ctx, CLOUDSHELL_FULL_ACCESS),
        *_attached(ctx, CLOUDSHELL_FULL_ACCESS, sso),
    ]:
        if isinstance(item.holder, Role) and item.holder.sso_reserved:
            yield ctx.finding(
                item.holder,
                "AWSCloudShellFullAccess attached through an IAM Identity Center permission set: "
                "remove it from the permission set (a detach here would be undone)",
                evidence={"policy_arn": item.arn},
            )
            continue
        subject = AttachmentSubject(_kind(item.holder), item.holder.name, item.arn)
        summary = "AWSCloudShellFullAccess attached: CloudShell file transfer can move data out"
        others = _cloudshell_elsewhere(ctx, item.holder)
        evidence: Evidence = {"policy_arn": item.arn}
        if others:
            # Detaching is still what CIS asks; it just does not close CloudShell for this one.
            evidence = {**evidence, "cloudshell_also_through": others}
            summary += f"; CloudShell stays available through {', '.join(others)}"
        yield ctx.finding(
            item.holder, summary, evidence=evidence, fixes=[Fix(ActionId.POLICY_DETACH, subject)]
        )


#: AWS managed policies that grant ``cloudshell:*`` too (AWS CloudShell User Guide, *Managing
#: AWS CloudShell access and usage with IAM policies*).
CLOUDSHELL_TOO = ("AdministratorAccess", "PowerUserAccess")


def _cloudshell_elsewhere(ctx: Context, holder: Holder) -> tuple[str, ...]:
    """Other AWS managed policies, on the holder or (for a user) its groups, granting CloudShell."""
    sources: list[Holder] = [holder]
    if isinstance(holder, User):
        sources += [g for name in holder.groups if (g := ctx.snapshot.group(name)) is not None]
    found = {
        name
        for source in sources
        for ref in source.attached_policies
        for name in CLOUDSHELL_TOO
        if is_aws_managed(ref.arn, f"policy/{name}")
    }
    return tuple(sorted(found))


@rule(
    "account.no-support-role",
    "No support role",
    practice=PREPARE_INCIDENTS,
    severity=Severity.LOW,
    needs=[Part.AUTHORIZATION_DETAILS],
    reads_principals=True,
)
def no_support_role(ctx: Context) -> Iterator[Finding]:
    """Nobody may open a support case in an incident without a role for it (CIS 1.17)."""
    snap = ctx.snapshot
    everyone = _attached(ctx, SUPPORT_ACCESS, [*snap.users, *snap.roles, *snap.groups])
    if any(isinstance(a.holder, Role) for a in everyone):
        return
    users = tuple(sorted(a.holder.name for a in everyone if isinstance(a.holder, User)))
    groups = tuple(sorted(a.holder.name for a in everyone if isinstance(a.holder, Group)))
    elsewhere = f" (attached to {len(users) + len(groups)} user(s) or group(s))" if everyone else ""
    evidence: Evidence = {"users": users, "groups": groups, "policy": SUPPORT_ACCESS}
    summary = f"no role has AWSSupportAccess attached{elsewhere}"
    yield ctx.finding(ctx.account(), summary, evidence=evidence)


RULES: tuple[Rule, ...] = (
    passrole_wildcard,
    service_wildcard,
    cloudshell_full_access,
    no_support_role,
)
