"""Permission rules: administrator access, orphaned policies, services granted but unused."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from iamtui.core.findings import (
    LAST_ACCESSED_HINT,
    Context,
    Coverage,
    Evidence,
    Finding,
    NotEvaluable,
    Rule,
    Severity,
    iso,
    rule,
)
from iamtui.core.ids import ActionId
from iamtui.core.model import Group, Part, Role, User
from iamtui.core.policy import (
    PolicySource,
    Statement,
    admin_condition_keys,
    effective_admin,
    group_policies,
    own_policies,
    relevant_statements,
)
from iamtui.core.protected import protection_reason
from iamtui.core.rules._common import LEAST_PRIVILEGE, REMOVE_UNUSED, REQUIRE_MFA, grant_fixes
from iamtui.core.subjects import Fix, PolicySubject, PrincipalSubject


class _AdminGrants:
    """Memoised admin tests: thousands of principals share a few managed policies and groups."""

    def __init__(self, ctx: Context) -> None:
        self.index = ctx.index
        self.managed: dict[str, bool] = {}
        self.groups: dict[str, list[PolicySource]] = {}
        self.conditions: dict[str, tuple[str, ...]] = {}

    def _grants_admin(self, source: PolicySource) -> bool:
        if source.arn is None:
            return source.grants_admin
        cached = self.managed.get(source.arn)
        if cached is None:
            cached = self.managed[source.arn] = source.grants_admin
        return cached

    def _admin(self, sources: Sequence[PolicySource]) -> list[PolicySource]:
        return [s for s in sources if self._grants_admin(s)]

    def via_group(self, group: Group) -> list[PolicySource]:
        """The group's admin grants, once per group: every member shares them."""
        if group.name not in self.groups:
            self.groups[group.name] = self._admin(group_policies(group, self.index.policies))
        return self.groups[group.name]

    def _condition_keys(self, source: PolicySource) -> tuple[str, ...]:
        if source.arn is None:
            return admin_condition_keys(source.document)
        cached = self.conditions.get(source.arn)
        if cached is None:
            cached = self.conditions[source.arn] = admin_condition_keys(source.document)
        return cached

    def conditional(self, principal: User | Role) -> list[tuple[PolicySource, tuple[str, ...]]]:
        """Policies granting ``*`` on ``*`` behind a condition, with its keys (and groups')."""
        sources = own_policies(principal, self.index.policies)
        for name in principal.groups if isinstance(principal, User) else ():
            group = self.index.groups.get(name)
            if group is not None:
                sources += group_policies(group, self.index.policies)
        found = ((s, self._condition_keys(s)) for s in sources)
        return [(s, keys) for s, keys in found if keys]

    def of(self, principal: User | Role) -> list[PolicySource]:
        """The principal's own admin grants, then (users) those it gets through groups."""
        found = self._admin(own_policies(principal, self.index.policies))
        for name in principal.groups if isinstance(principal, User) else ():
            group = self.index.groups.get(name)
            if group is not None:
                found += self.via_group(group)
        return found


def _owned_principals(ctx: Context) -> list[User | Role]:
    """Service-linked and Identity Center roles are AWS's to manage (review permission sets)."""
    roles = [r for r in ctx.snapshot.roles if not (r.service_linked or r.sso_reserved)]
    return [*ctx.snapshot.users, *roles]


@rule(
    "policy.admin-access",
    "Administrator access",
    practice=LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=[Part.AUTHORIZATION_DETAILS],
    per_principal=True,
)
def admin_access(ctx: Context) -> Iterator[Finding]:
    """Full ``*`` on ``*`` turns a leak of this principal into a leak of the account (CIS 1.16).

    A conditional ``*`` on ``*`` (e.g. when MFA is present) is reported one severity lower, with
    evidence ``conditional`` and the condition keys: the condition is the only guard left.
    """
    grants = _AdminGrants(ctx)
    for principal in _owned_principals(ctx):
        sources = grants.of(principal)
        if not sources:
            if conditional := grants.conditional(principal):
                yield _conditional_admin(ctx, principal, conditional)
            continue
        paths = tuple(s.path for s in sources)
        more = f" (+{len(paths) - 1} more)" if len(paths) > 1 else ""
        evidence: Evidence = {
            "paths": paths,
            "policy_arns": tuple(sorted({s.arn for s in sources if s.arn})),
            "groups": tuple(sorted({s.via_group for s in sources if s.via_group})),
            "permissions_boundary": principal.permissions_boundary,
            **_protected(ctx, principal),
        }
        summary = f"administrator access {_how(sources[0])}{more}"
        yield ctx.finding(
            principal, summary, evidence=evidence, fixes=grant_fixes(principal, sources)
        )


def _conditional_admin(
    ctx: Context, principal: User | Role, found: list[tuple[PolicySource, tuple[str, ...]]]
) -> Finding:
    """Administrator whenever a condition holds: one step below the unconditional grant."""
    sources = [source for source, _ in found]
    keys = tuple(sorted({key for _, found_keys in found for key in found_keys}))
    paths = tuple(s.path for s in sources)
    more = f" (+{len(paths) - 1} more)" if len(paths) > 1 else ""
    evidence: Evidence = {
        "paths": paths,
        "policy_arns": tuple(sorted({s.arn for s in sources if s.arn})),
        "groups": tuple(sorted({s.via_group for s in sources if s.via_group})),
        "conditional": True,
        "condition_keys": keys,
        "permissions_boundary": principal.permissions_boundary,
        **_protected(ctx, principal),
    }
    summary = f"administrator access when {', '.join(keys)} holds {_how(sources[0])}{more}"
    return ctx.finding(
        principal,
        summary,
        evidence=evidence,
        fixes=grant_fixes(principal, sources),
        severity=Severity.MEDIUM,
    )


def _how(source: PolicySource) -> str:
    return source.path if source.via_group else f"through {source.path}"


def _protected(ctx: Context, principal: User | Role) -> Evidence:
    reason = protection_reason(principal.arn, ctx.settings) if isinstance(principal, Role) else None
    return {"protected": reason} if reason else {}


class _Escalations:
    """Memoised per-policy statements for the escalation test (policies are widely shared)."""

    def __init__(self, ctx: Context, grants: _AdminGrants) -> None:
        self.index = ctx.index
        self.managed: dict[str, tuple[Statement, ...]] = {}
        self.group_arns = {g.name: g.arn for g in ctx.snapshot.groups}
        self.admin_groups = tuple(g.name for g in ctx.snapshot.groups if grants.via_group(g))

    def _relevant(self, source: PolicySource) -> tuple[Statement, ...]:
        if source.arn is None:
            return relevant_statements(source)
        cached = self.managed.get(source.arn)
        if cached is None:
            cached = self.managed[source.arn] = relevant_statements(source)
        return cached

    def of(self, principal: User | Role) -> tuple[tuple[PolicySource, tuple[Statement, ...]], ...]:
        """Each effective policy with its admin-relevant statements (users: with groups)."""
        sources = own_policies(principal, self.index.policies)
        for name in principal.groups if isinstance(principal, User) else ():
            group = self.index.groups.get(name)
            if group is not None:
                sources += group_policies(group, self.index.policies)
        return tuple((s, self._relevant(s)) for s in sources)


@rule(
    "user.admin-virtual-mfa",
    "Administrator whose MFA is a virtual device",
    practice=REQUIRE_MFA,
    severity=Severity.LOW,
    needs=[Part.AUTHORIZATION_DETAILS, Part.VIRTUAL_MFA],
    per_principal=True,
)
def admin_virtual_mfa(ctx: Context) -> Iterator[Finding]:
    """An authenticator app on a phone can be phished or cloned; a FIDO security key or passkey
    cannot. ListVirtualMFADevices is the only way AWS tells the type without a call per user."""
    assigned: dict[str, list[str]] = {}
    for device in ctx.snapshot.virtual_mfa_devices:
        if device.user_arn and not device.for_root:
            assigned.setdefault(device.user_arn, []).append(device.serial)
    if not assigned:
        return
    grants = _AdminGrants(ctx)
    for user in ctx.snapshot.users:
        serials = assigned.get(user.arn)
        if not serials or not grants.of(user):
            continue
        detail = ctx.snapshot.details.get(user.arn)
        devices = detail.mfa_devices if detail is not None else None
        if devices is not None and any(not d.virtual for d in devices):
            continue  # a security key or passkey is registered too: the user can sign in with it
        evidence: Evidence = {
            "virtual_mfa_devices": tuple(sorted(serials)),
            "other_devices": (
                "unknown: a security key or passkey does not show in ListVirtualMFADevices; "
                "open the user to list every device"
                if devices is None
                else "none (every device of the user is virtual)"
            ),
        }
        summary = "administrator signs in with a virtual MFA device only"
        if devices is None:
            summary = "administrator with a virtual MFA device (other devices not listed yet)"
        yield ctx.finding(user, summary, evidence=evidence)


@rule(
    "policy.effective-admin",
    "Effectively an administrator",
    practice=LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=[Part.AUTHORIZATION_DETAILS],
    per_principal=True,
)
def effective_admin_access(ctx: Context) -> Iterator[Finding]:
    """Whoever can rewrite their own permissions is an administrator, whatever the policy says."""
    grants = _AdminGrants(ctx)
    escalations = _Escalations(ctx, grants)
    for principal in _owned_principals(ctx):
        if grants.of(principal):
            continue  # literal administrator: policy.admin-access reports it
        relevant = escalations.of(principal)
        if not any(stmts for _, stmts in relevant):
            continue
        managed = {
            s.arn for s, _ in relevant if s.arn is not None and s.arn.split(":")[4:5] != ["aws"]
        }
        reasons = effective_admin(
            principal,
            relevant,
            managed_arns=managed,
            group_arns=escalations.group_arns,
            admin_groups=escalations.admin_groups,
        )
        if not reasons:
            continue
        more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
        first = reasons[0]
        summary = f"effectively an administrator: {first.reason} {_how(first.source)}{more}"
        evidence: Evidence = {
            "reasons": tuple(str(r) for r in reasons),
            "policy_arns": tuple(sorted({r.source.arn for r in reasons if r.source.arn})),
            "groups": tuple(sorted({r.source.via_group for r in reasons if r.source.via_group})),
            "permissions_boundary": principal.permissions_boundary,
            **_protected(ctx, principal),
        }
        fixes = grant_fixes(principal, (r.source for r in reasons))
        yield ctx.finding(principal, summary, evidence=evidence, fixes=fixes)


@rule(
    "policy.unattached",
    "Customer-managed policy attached to nothing",
    practice=REMOVE_UNUSED,
    severity=Severity.LOW,
    needs=[Part.AUTHORIZATION_DETAILS],
)
def unattached(ctx: Context) -> Iterator[Finding]:
    """An orphaned policy is clutter that someone may attach later without review."""
    for policy in ctx.snapshot.policies:
        if policy.aws_managed or policy.attachment_count or policy.permissions_boundary_usage_count:
            continue
        evidence: Evidence = {
            "created": iso(policy.create_date),
            "updated": iso(policy.update_date),
            "default_version": policy.default_version_id,
        }
        age = ctx.ago(policy.update_date)
        summary = f"customer-managed policy attached to nothing (updated {age} ago)"
        fixes = [Fix(ActionId.POLICY_DELETE_UNATTACHED, PolicySubject(policy.arn))]
        yield ctx.finding(policy, summary, evidence=evidence, fixes=fixes)


def _coverage(ctx: Context) -> Coverage:
    eligible = _owned_principals(ctx)
    covered = sum(p.arn in ctx.snapshot.last_accessed for p in eligible)
    return Coverage(ctx.rule.id, covered, len(eligible), "users and roles with last-accessed data")


@rule(
    "permissions.unused-services",
    "Granted services unused",
    practice=LEAST_PRIVILEGE,
    severity=Severity.LOW,
    needs=[Part.AUTHORIZATION_DETAILS],
    needs_last_accessed=True,
    coverage=_coverage,
    per_principal=True,
)
def unused_services(ctx: Context) -> Iterator[Finding]:
    """Permissions a principal never exercises are pure risk; last-accessed data shows which."""
    days = ctx.thresholds.service_unused_days
    eligible = _owned_principals(ctx)
    covered = [
        (p, ctx.snapshot.last_accessed[p.arn])
        for p in eligible
        if p.arn in ctx.snapshot.last_accessed
    ]
    if not covered:
        raise NotEvaluable(
            f"last-accessed data not loaded for any of the {len(eligible)} users and roles; "
            f"{LAST_ACCESSED_HINT}"
        )
    for principal, data in covered:
        # Never used only counts once the principal existed for the whole window.
        old_enough = ctx.older_than(principal.create_date, days)
        never = tuple(
            s.namespace for s in data.services if s.last_authenticated is None and old_enough
        )
        stale = {
            s.namespace: iso(s.last_authenticated)
            for s in data.services
            if ctx.older_than(s.last_authenticated, days)
        }
        names = sorted((*never, *stale))
        if not names:
            continue
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        summary = (
            f"{len(names)} of {len(data.services)} granted services unused for {days} days: {shown}"
        )
        evidence: Evidence = {
            "never_used": tuple(sorted(never)),
            "last_used": stale,
            "services_granted": len(data.services),
            "data_completed_at": iso(data.completed_at),
            "threshold_days": days,
        }
        subject = PrincipalSubject(
            "user" if isinstance(principal, User) else "role", principal.name
        )
        fix = Fix(ActionId.PRINCIPAL_RIGHTSIZE, subject)
        yield ctx.finding(principal, summary, evidence=evidence, fixes=[fix])


RULES: tuple[Rule, ...] = (
    admin_access,
    effective_admin_access,
    admin_virtual_mfa,
    unattached,
    unused_services,
)
