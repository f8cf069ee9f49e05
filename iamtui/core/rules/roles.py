"""Role rules: unused roles and who, outside the account, may assume a role."""

from __future__ import annotations

from collections.abc import Iterator

from iamtui.core.findings import Context, Evidence, Finding, Rule, Severity, iso, rule
from iamtui.core.ids import ActionId
from iamtui.core.model import Part
from iamtui.core.policy import MULTI_TENANT_ISSUERS, TrustGrant, issuer_of
from iamtui.core.rules._common import REMOVE_UNUSED, VERIFY_EXTERNAL_ACCESS

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
    days, grace = ctx.thresholds.role_unused_days, ctx.thresholds.grace_days
    for role in ctx.snapshot.roles:
        if role.service_linked or role.sso_reserved:
            continue
        # RoleLastUsed is global: a use in any region counts. It covers the last 400 days only.
        if ctx.older_than(role.last_used, days):
            where = f" (last in {role.last_used_region})" if role.last_used_region else ""
            summary = f"role unused for {ctx.ago(role.last_used)}{where}"
        elif role.last_used is None and ctx.older_than(role.create_date, grace):
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
        }
        actions = [ActionId.ROLE_QUARANTINE, ActionId.ROLE_DELETE]
        yield ctx.finding(role, summary, evidence=evidence, actions=actions)


def _trust_evidence(grants: tuple[TrustGrant, ...]) -> dict[str, tuple[str, ...]]:
    return {
        "principals": tuple(f"{g.kind}: {g.principal}" for g in grants),
        "statements": tuple(sorted({g.sid or "(no Sid)" for g in grants})),
    }


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
    for role in ctx.snapshot.roles:
        grants = ctx.index.trust(role).other_accounts(ctx.snapshot.account_id)
        if not grants:
            continue
        accounts = tuple(sorted({g.account for g in grants if g.account}))
        noun = "account" if len(accounts) == 1 else "accounts"
        summary = (
            f"{noun} {', '.join(accounts)} can assume this role without sts:ExternalId "
            "or another restricting condition"
        )
        evidence: Evidence = {"accounts": accounts, **_trust_evidence(grants)}
        yield ctx.finding(role, summary, evidence=evidence, actions=[ActionId.ROLE_QUARANTINE])


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
        yield ctx.finding(
            role, summary, evidence=_trust_evidence(grants), actions=[ActionId.ROLE_QUARANTINE]
        )


RULES: tuple[Rule, ...] = (unused, cross_account_trust, public_trust)
