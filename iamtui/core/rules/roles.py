"""Role rules: unused roles and who, outside the account, may assume a role.

Organization-critical roles (:func:`iamtui.core.protected.protection_reason`) are reported like
any other, with evidence ``protected`` saying why, and are offered no delete or quarantine fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from iamtui.core.findings import Context, Evidence, Finding, Rule, Severity, iso, rule
from iamtui.core.ids import ActionId
from iamtui.core.model import Part, Role
from iamtui.core.policy import MULTI_TENANT_ISSUERS, TrustGrant, issuer_of
from iamtui.core.protected import protection_reason
from iamtui.core.rules._common import REMOVE_UNUSED, VERIFY_EXTERNAL_ACCESS, principal_fixes
from iamtui.core.rules.trust_fixes import trust_fixes
from iamtui.core.subjects import Fix

NEEDS = (Part.AUTHORIZATION_DETAILS,)


@rule(
    "role.unused",
    "Role unused",
    practice=REMOVE_UNUSED,
    severity=Severity.MEDIUM,
    needs=NEEDS,
    per_principal=True,
)
def unused(ctx: Context) -> Iterator[Finding]:
    """An unused role is standing access nobody watches; AWS-managed roles are not ours to prune."""
    days = ctx.thresholds.role_unused_days
    for role in ctx.snapshot.roles:
        if role.service_linked or role.sso_reserved:
            continue
        # RoleLastUsed is global: a use in any region counts. It covers the last 400 days only.
        if ctx.older_than(role.last_used, days):
            where = f" (last in {role.last_used_region})" if role.last_used_region else ""
            summary = f"role unused for {ctx.ago(role.last_used)}{where}"
        # Never used is only a verdict once the role existed for the whole threshold: a role
        # created last week is new, not unused (Access Analyzer judges likewise).
        elif role.last_used is None and ctx.older_than(role.create_date, days):
            summary = (
                f"role not used in AWS's 400-day window, created {ctx.ago(role.create_date)} ago"
            )
        else:
            continue
        evidence: Evidence = {
            "last_used": iso(role.last_used) if role.last_used else None,
            "last_used_region": role.last_used_region,
            "created": iso(role.create_date),
            "instance_profiles": role.instance_profiles,
            "threshold_days": days,
            **_protected(ctx, role),
        }
        fixes = _role_fixes(ctx, role, ActionId.ROLE_QUARANTINE, ActionId.ROLE_DELETE)
        yield ctx.finding(role, summary, evidence=evidence, fixes=fixes)


def _protected(ctx: Context, role: Role) -> Evidence:
    """``protected``: why iamtui must not delete or quarantine this role (absent when it may)."""
    reason = protection_reason(role.arn, ctx.settings)
    return {"protected": reason} if reason else {}


def _role_fixes(ctx: Context, role: Role, *actions: ActionId) -> tuple[Fix, ...]:
    """Fixes on the whole role, none for a protected one: removing it locks the organization out."""
    if protection_reason(role.arn, ctx.settings):
        return ()
    return principal_fixes(role, *actions)


def _edits(
    ctx: Context, role: Role, grants: tuple[TrustGrant, ...], finding: str
) -> tuple[Fix, ...]:
    """role.update-trust edits that fix the finding; none for a protected role."""
    if protection_reason(role.arn, ctx.settings):
        return ()
    return trust_fixes(ctx.snapshot, role, grants, finding)


def _trust_evidence(grants: tuple[TrustGrant, ...]) -> dict[str, tuple[str, ...]]:
    return {
        "principals": tuple(f"{g.kind}: {g.principal}" for g in grants),
        "statements": tuple(sorted({g.sid or "(no Sid)" for g in grants})),
    }


def _expected_accounts(ctx: Context) -> Callable[[str | None], bool]:
    """Trust in an account listed in ``[trust]``, or of this member's organization, is expected."""
    trusted = ctx.settings.trusted_accounts
    org = ctx.snapshot.organization if ctx.settings.trust_organization else None
    if org is not None and org.management_account_id == ctx.snapshot.account_id:
        # SCPs do not apply to the management account: a member trusted there escalates to it.
        org = None

    def expected(account: str | None) -> bool:
        if account is None:
            return False
        return account in trusted or (org is not None and org.includes(account))

    return expected


@rule(
    "role.cross-account-trust",
    "Cross-account trust without a condition",
    practice=VERIFY_EXTERNAL_ACCESS,
    severity=Severity.MEDIUM,
    needs=NEEDS,
    per_principal=True,
)
def cross_account_trust(ctx: Context) -> Iterator[Finding]:
    """Another account trusted without ExternalId or similar invites the confused deputy."""
    expected = _expected_accounts(ctx)
    for role in ctx.snapshot.roles:
        found = ctx.index.trust(role).other_accounts(ctx.snapshot.account_id)
        grants = tuple(g for g in found if not expected(g.account))
        if not grants:
            continue
        accounts = tuple(sorted({g.account for g in grants if g.account}))
        noun = "account" if len(accounts) == 1 else "accounts"
        summary = (
            f"{noun} {', '.join(accounts)} can assume this role without sts:ExternalId "
            "or another restricting condition"
        )
        evidence: Evidence = {
            "accounts": accounts,
            **_trust_evidence(grants),
            **_protected(ctx, role),
        }
        fixes = _edits(ctx, role, grants, "role.cross-account-trust")
        fixes += _role_fixes(ctx, role, ActionId.ROLE_QUARANTINE)
        yield ctx.finding(role, summary, evidence=evidence, fixes=fixes, accounts=accounts)


def _who(grant: TrustGrant) -> str:
    if grant.kind == "NotPrincipal":
        return f"NotPrincipal allows everyone but {grant.principal}"
    if grant.kind != "Federated":
        return 'Principal "*" without a restricting condition'
    issuer = issuer_of(grant.principal)
    claims = " or ".join(MULTI_TENANT_ISSUERS.get(issuer, ()))
    return f"any {issuer} identity (no condition on {claims})"


@rule(
    "role.public-trust",
    "Role anyone can assume",
    practice=VERIFY_EXTERNAL_ACCESS,
    severity=Severity.CRITICAL,
    needs=NEEDS,
    per_principal=True,
)
def public_trust(ctx: Context) -> Iterator[Finding]:
    """Principal ``*`` (or a multi-tenant identity provider) unpinned lets the world in."""
    for role in ctx.snapshot.roles:
        grants = ctx.index.trust(role).public()
        if not grants:
            continue
        summary = "anyone can assume this role: " + "; ".join(sorted({_who(g) for g in grants}))
        evidence: Evidence = {**_trust_evidence(grants), **_protected(ctx, role)}
        fixes = _edits(ctx, role, grants, "role.public-trust")
        fixes += _role_fixes(ctx, role, ActionId.ROLE_QUARANTINE)
        yield ctx.finding(role, summary, evidence=evidence, fixes=fixes)


#: Services that run your own code under a role passed to your own resource with iam:PassRole
#: (the passing is the control); requiring aws:SourceAccount there is noise, not protection.
COMPUTE_SERVICES = frozenset(
    {
        "ec2.amazonaws.com",
        "lambda.amazonaws.com",
        "edgelambda.amazonaws.com",
        "ecs-tasks.amazonaws.com",
        "eks.amazonaws.com",
        "eks-fargate-pods.amazonaws.com",
        "pods.eks.amazonaws.com",
    }
)


@rule(
    "role.confused-deputy",
    "Service trust without a source condition",
    practice=VERIFY_EXTERNAL_ACCESS,
    severity=Severity.LOW,
    needs=NEEDS,
    per_principal=True,
)
def confused_deputy(ctx: Context) -> Iterator[Finding]:
    """A service trusted without aws:SourceAccount/SourceArn can be steered by other customers."""
    for role in ctx.snapshot.roles:
        if role.service_linked or role.sso_reserved:
            continue
        grants = tuple(
            g
            for g in ctx.index.trust(role).unpinned_services()
            if g.principal.lower() not in COMPUTE_SERVICES
        )
        if not grants:
            continue
        services = tuple(sorted({g.principal for g in grants}))
        summary = (
            f"{', '.join(services)} can assume this role for any account's resources: "
            "no aws:SourceAccount or aws:SourceArn condition"
        )
        evidence: Evidence = {
            "services": services,
            **_trust_evidence(grants),
            **_protected(ctx, role),
        }
        fixes = _edits(ctx, role, grants, "role.confused-deputy")
        yield ctx.finding(role, summary, evidence=evidence, fixes=fixes)


@rule(
    "role.stale-trust",
    "Trust in a deleted principal",
    practice=REMOVE_UNUSED,
    severity=Severity.LOW,
    needs=NEEDS,
    per_principal=True,
)
def stale_trust(ctx: Context) -> Iterator[Finding]:
    """A unique id in a trust policy is a deleted principal: dead trust that blocks re-creation."""
    for role in ctx.snapshot.roles:
        grants = ctx.index.trust(role).stale()
        if not grants:
            continue
        ids = tuple(sorted({g.principal for g in grants}))
        noun = "principal" if len(ids) == 1 else "principals"
        summary = f"trust policy names {len(ids)} deleted {noun} by unique id: {', '.join(ids)}"
        evidence: Evidence = {
            "unique_ids": ids,
            **_trust_evidence(grants),
            **_protected(ctx, role),
        }
        fixes = _edits(ctx, role, grants, "role.stale-trust")
        yield ctx.finding(role, summary, evidence=evidence, fixes=fixes)


RULES: tuple[Rule, ...] = (unused, cross_account_trust, public_trust, confused_deputy, stale_trust)
