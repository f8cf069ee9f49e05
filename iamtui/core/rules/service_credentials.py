"""Service-specific credentials: CodeCommit Git passwords, Keyspaces passwords, Bedrock API keys.

Read account-wide (``ListServiceSpecificCredentials AllUsers``). AWS records no last use for
them, so age and expiry are all a rule can judge.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta

from iamtui.core.findings import (
    Context,
    Evidence,
    EvidenceValue,
    Finding,
    Rule,
    Severity,
    iso,
    rule,
)
from iamtui.core.ids import ActionId
from iamtui.core.model import Part, ServiceCredential, User
from iamtui.core.rules._common import ROTATE_KEYS, TEMPORARY_CREDENTIALS
from iamtui.core.subjects import Fix, ServiceCredentialSubject

NEEDS = (Part.SERVICE_CREDENTIALS, Part.AUTHORIZATION_DETAILS)


def credential_evidence(ctx: Context, credential: ServiceCredential) -> EvidenceValue:
    """One credential as evidence (no secret exists to show: AWS lists none)."""
    expires = credential.expiration
    return {
        "credential_id": credential.credential_id,
        "service": credential.service,
        "service_user_name": credential.service_user_name,
        "status": "Expired" if credential.expired(ctx.now) else credential.status,
        "created": iso(credential.create_date),
        "expires": iso(expires) if expires is not None else "never",
    }


def expired_evidence(ctx: Context, held: Sequence[ServiceCredential]) -> Evidence:
    """Expired credentials still held: they no longer work but are still there to delete."""
    expired = [c for c in held if c.expired(ctx.now)]
    if not expired:
        return {}
    return {
        "expired_still_present": tuple(c.credential_id for c in expired),
        "expired_note": "expired credentials no longer authenticate; delete them to tidy up",
    }


def credential_fixes(credentials: Sequence[ServiceCredential]) -> tuple[Fix, ...]:
    """Deactivate each credential: the undoable step. Deleting it (irreversible) is offered on
    the user once it is inactive, as for access keys: deactivate, watch, then delete."""
    return tuple(
        Fix(
            ActionId.SERVICE_CREDENTIAL_DEACTIVATE,
            ServiceCredentialSubject(c.user, c.credential_id),
        )
        for c in credentials
    )


def _held(ctx: Context) -> Iterator[tuple[User, tuple[ServiceCredential, ...]]]:
    for user in ctx.snapshot.users:
        held = ctx.snapshot.credentials_of(user.name)
        if held:
            yield user, held


def _usable(ctx: Context, credential: ServiceCredential) -> bool:
    return credential.active and not credential.expired(ctx.now)


@rule(
    "service-credential.rotation-due",
    "Service-specific credential older than the rotation threshold",
    practice=ROTATE_KEYS,
    severity=Severity.MEDIUM,
    needs=NEEDS,
    per_principal=True,
)
def rotation_due(ctx: Context) -> Iterator[Finding]:
    """An active Git, Keyspaces or Bedrock credential as old as a key due for rotation.

    The threshold is the access-key rotation setting: these are long-term passwords too, and
    AWS reports no last use for them, so age is the only signal.
    """
    days = ctx.thresholds.key_rotation_days
    for user, held in _held(ctx):
        old = [c for c in held if _usable(ctx, c) and ctx.older_than(c.create_date, days)]
        if not old:
            continue
        oldest = min(c.create_date for c in old)
        services = ", ".join(dict.fromkeys(c.label for c in old))
        noun = "credential" if len(old) == 1 else "credentials"
        summary = f"{len(old)} active {services} {noun}, oldest created {ctx.ago(oldest)} ago"
        evidence: Evidence = {
            "credentials": tuple(credential_evidence(ctx, c) for c in old),
            "threshold_days": days,
            "last_use": "not recorded by AWS for service-specific credentials",
            **expired_evidence(ctx, held),
        }
        yield ctx.finding(user, summary, evidence=evidence, fixes=credential_fixes(old))


def _long_lived(ctx: Context, credential: ServiceCredential, days: int) -> bool:
    if not (credential.bedrock and _usable(ctx, credential)):
        return False
    expires = credential.expiration
    return expires is None or expires - ctx.now > timedelta(days=days)


@rule(
    "service-credential.bedrock-long-lived",
    "Long-term Bedrock API key that never expires or expires far out",
    practice=TEMPORARY_CREDENTIALS,
    severity=Severity.MEDIUM,
    needs=NEEDS,
    per_principal=True,
)
def bedrock_long_lived(ctx: Context) -> Iterator[Finding]:
    """AWS recommends long-term Bedrock API keys only for exploration, short-term ones otherwise.

    A key with no expiry, or one further out than the rotation threshold, is a bearer secret
    that keeps working long after anyone remembers it.
    """
    days = ctx.thresholds.key_rotation_days
    for user, held in _held(ctx):
        keys = [c for c in held if _long_lived(ctx, c, days)]
        if not keys:
            continue
        never = [c for c in keys if c.expiration is None]
        if never:
            noun = "key never expires" if len(never) == 1 else "keys never expire"
            summary = f"{len(never)} active Bedrock API {noun}"
        else:
            noun = "key expires" if len(keys) == 1 else "keys expire"
            summary = f"{len(keys)} active Bedrock API {noun} more than {days} days out"
        evidence: Evidence = {
            "credentials": tuple(credential_evidence(ctx, c) for c in keys),
            "max_days_to_expiry": days,
            "recommendation": "use short-term Bedrock API keys (12 hours at most) or IAM roles",
            **expired_evidence(ctx, held),
        }
        severity = None if never else Severity.LOW
        yield ctx.finding(
            user, summary, evidence=evidence, fixes=credential_fixes(keys), severity=severity
        )


RULES: tuple[Rule, ...] = (rotation_due, bedrock_long_lived)
