"""Account resources roles hang on: instance profiles without a role, identity providers no
role trusts. Both grant nothing today and whatever is attached to them next."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import reduce

from iamtui.core.findings import (
    Context,
    Evidence,
    EvidenceValue,
    Finding,
    PrincipalKind,
    PrincipalRef,
    Rule,
    Severity,
    iso,
    rule,
)
from iamtui.core.ids import ActionId
from iamtui.core.model import (
    IdentityProvider,
    IdentityProviderKind,
    Part,
    PolicyDocument,
    Role,
)
from iamtui.core.policy import analyse_trust, statements
from iamtui.core.rules._common import REMOVE_UNUSED
from iamtui.core.subjects import Fix, IdentityProviderSubject, InstanceProfileSubject

#: IAM Identity Center's own SAML provider: it manages it (and the roles trusting it).
SSO_PROVIDER_PREFIX = "AWSSSO_"
#: The Federated principal of roles an Amazon Cognito identity pool hands out.
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
#: AWS Client VPN endpoints name a SAML provider by ARN (``SAMLProviderArn``,
#: ``SelfServiceSAMLProviderArn``) with no role trust: every unused SAML provider may be one.
CLIENT_VPN_CAVEAT = (
    "may back an AWS Client VPN endpoint: iamtui does not read EC2; check before deleting"
)
#: ListOpenIDConnectProviders gives ARNs only: no creation date, so no grace period here.
UNKNOWN_AGE = (
    "unknown from the listing (ListOpenIDConnectProviders gives ARNs only); the delete plan "
    "reads the creation date and refuses a provider younger than grace_days"
)


@rule(
    "instance-profile.no-role",
    "Instance profile without a role",
    practice=REMOVE_UNUSED,
    severity=Severity.LOW,
    needs=[Part.INSTANCE_PROFILES],
)
def profile_without_role(ctx: Context) -> Iterator[Finding]:
    """An empty profile gives instances nothing; the next role added goes wherever it is used."""
    grace = ctx.thresholds.grace_days
    for profile in ctx.snapshot.instance_profiles or ():
        # A profile made in the last days is being set up: its role comes next.
        if profile.roles or not ctx.older_than(profile.create_date, grace):
            continue
        about = PrincipalRef(PrincipalKind.INSTANCE_PROFILE, profile.arn, profile.name)
        evidence: Evidence = {"created": iso(profile.create_date), "path": profile.path}
        summary = f"instance profile holds no role (created {ctx.ago(profile.create_date)} ago)"
        fixes = (Fix(ActionId.INSTANCE_PROFILE_DELETE, InstanceProfileSubject(profile.name)),)
        yield ctx.finding(about, summary, evidence=evidence, fixes=fixes)


#: The assume action through which each kind of provider's users come in.
ASSUME_WITH: Mapping[IdentityProviderKind, str] = {
    IdentityProviderKind.OIDC: "sts:AssumeRoleWithWebIdentity",
    IdentityProviderKind.SAML: "sts:AssumeRoleWithSAML",
}


@dataclass(frozen=True, slots=True)
class FederatedTrust:
    """What one or more trust policies say about identity providers."""

    #: Provider ARNs (lower case) an Allow names as Federated (not cancelled by a Deny).
    named: frozenset[str] = frozenset()
    #: Provider kinds whose users an Allow to every principal (``*``, NotPrincipal) admits.
    everyone: frozenset[IdentityProviderKind] = frozenset()
    #: Some trust admits Amazon Cognito identity pools (which name providers themselves).
    cognito: bool = False

    def uses(self, provider: IdentityProvider) -> bool:
        """Whether the provider's users may get in through these trusts."""
        return provider.arn.lower() in self.named or provider.kind in self.everyone

    def __or__(self, other: FederatedTrust) -> FederatedTrust:
        return FederatedTrust(
            self.named | other.named, self.everyone | other.everyone, self.cognito or other.cognito
        )


def federated_trust(document: PolicyDocument | None) -> FederatedTrust:
    """The providers one trust policy names or admits.

    IAM compares the Federated ARN as written; case is folded here so that a differently cased
    reference counts as a use (a missed finding, never a wrong one).
    """
    named = {g.principal.lower() for g in analyse_trust(document).grants if g.kind == "Federated"}
    everyone: set[IdentityProviderKind] = set()
    for statement in statements(document):
        if not statement.allows:
            continue
        open_to_all = statement.not_principals is not None or any(
            "*" in values for values in statement.principals.values()
        )
        if open_to_all:
            everyone.update(k for k, a in ASSUME_WITH.items() if statement.matches_action(a))
    return FederatedTrust(frozenset(named), frozenset(everyone), COGNITO_IDENTITY in named)


def account_trust(roles: Iterable[Role]) -> FederatedTrust:
    """What every role's trust policy together says about identity providers."""
    return reduce(operator.or_, (federated_trust(r.trust_policy) for r in roles), FederatedTrust())


def _managed_by_identity_center(provider: IdentityProvider) -> bool:
    return provider.kind is IdentityProviderKind.SAML and provider.name.startswith(
        SSO_PROVIDER_PREFIX
    )


@rule(
    "identity-provider.unused",
    "Identity provider no role trusts",
    practice=REMOVE_UNUSED,
    severity=Severity.LOW,
    needs=[Part.AUTHORIZATION_DETAILS, Part.IDENTITY_PROVIDERS],
    reads_principals=True,
)
def provider_unused(ctx: Context) -> Iterator[Finding]:
    """A provider no trust names lets nobody in today; the next loosely written trust lets its
    whole user base in, so remove it rather than leave it trusted by nothing."""
    providers = ctx.snapshot.identity_providers or ()
    if not providers:  # no trust to read: the account has no provider to judge
        return
    trust = account_trust(ctx.snapshot.roles)
    grace = ctx.thresholds.grace_days
    for provider in providers:
        # A trust open to every principal admits every provider's users of its kind.
        if trust.uses(provider) or _managed_by_identity_center(provider):
            continue
        if provider.create_date is not None and not ctx.older_than(provider.create_date, grace):
            continue
        kind = provider.kind.upper()
        about = PrincipalRef(PrincipalKind.IDENTITY_PROVIDER, provider.arn, provider.name)
        evidence: dict[str, EvidenceValue] = {"kind": kind, "arn": provider.arn}
        if provider.create_date is not None:
            evidence["created"] = iso(provider.create_date)
        else:
            evidence["age"] = UNKNOWN_AGE
        if provider.valid_until is not None:
            evidence["valid_until"] = iso(provider.valid_until)
        summary = f"{kind} identity provider that no role's trust policy names"
        caveats: list[str] = []
        if trust.cognito:
            # Cognito identity pools name providers by ARN in the pool, not in a role's trust.
            caveats.append(
                "a role trusts cognito-identity.amazonaws.com: an Amazon Cognito identity pool "
                "may use this provider without any trust naming it; check the identity pools"
            )
            summary += " (a Cognito identity pool may still use it)"
        if provider.kind is IdentityProviderKind.SAML:
            # Client VPN endpoints name a SAML provider by ARN, not through any role's trust.
            caveats.append(CLIENT_VPN_CAVEAT)
            summary += " (an AWS Client VPN endpoint may still use it)"
        severity = Severity.INFO if caveats else None
        if caveats:
            evidence["caveat"] = "; ".join(caveats)
        fixes = (Fix(ActionId.IDENTITY_PROVIDER_DELETE, IdentityProviderSubject(provider.arn)),)
        yield ctx.finding(about, summary, evidence=evidence, fixes=fixes, severity=severity)


RULES: tuple[Rule, ...] = (profile_without_role, provider_unused)
