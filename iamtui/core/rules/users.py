"""IAM user rules: console access, dormant users, long-term credentials, per-user grants."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from iamtui.core.findings import (
    Context,
    Evidence,
    Finding,
    KeyRef,
    Rule,
    Severity,
    report_value,
    rule,
)
from iamtui.core.ids import ActionId
from iamtui.core.model import CredentialReportRow, Missing, Part, User
from iamtui.core.policy import own_policies
from iamtui.core.rules._common import (
    REMOVE_UNUSED,
    REQUIRE_MFA,
    TEMPORARY_CREDENTIALS,
    USE_GROUPS,
    grant_fixes,
    key_fixes,
    match_key_id,
    principal_fixes,
    report_coverage,
    text_value,
)
from iamtui.core.subjects import Fix

NEEDS = (Part.CREDENTIAL_REPORT, Part.AUTHORIZATION_DETAILS)
#: ``no_information``: a password never used (since tracking began in October 2014).
NEVER = (Missing.NO_INFORMATION, Missing.NOT_APPLICABLE)


@rule(
    "user.console-without-mfa",
    "Console password without MFA",
    practice=REQUIRE_MFA,
    severity=Severity.HIGH,
    needs=NEEDS,
    coverage=report_coverage,
    per_principal=True,
)
def console_without_mfa(ctx: Context) -> Iterator[Finding]:
    """A console password without MFA is one phish away from a takeover (CIS 1.10)."""
    for row, user in ctx.index.live_rows:
        if row.password_enabled is True and not row.mfa_active:
            evidence: Evidence = {
                "password_enabled": True,
                "mfa_active": False,
                "password_last_used": report_value(row.password_last_used),
            }
            summary = "console password enabled without MFA"
            fixes = principal_fixes(user, ActionId.USER_DISABLE_CONSOLE)
            yield ctx.finding(user, summary, evidence=evidence, fixes=fixes)


@rule(
    "user.no-mfa",
    "Access-key user without MFA",
    practice=REQUIRE_MFA,
    severity=Severity.LOW,
    needs=NEEDS,
    coverage=report_coverage,
    per_principal=True,
)
def no_mfa(ctx: Context) -> Iterator[Finding]:
    """Without MFA no policy can ask this user's keys for a second factor (Security Hub IAM.19).

    Console users are ``user.console-without-mfa``'s, so one user never gets both; a user with
    no active key either has nothing MFA would guard.
    """
    for row, user in ctx.index.live_rows:
        if row.mfa_active or row.password_enabled is True:
            continue
        slots = tuple(n for n, k in enumerate(row.keys, 1) if k.active)
        if not slots:
            continue
        evidence: Evidence = {
            "password_enabled": report_value(row.password_enabled)
            if isinstance(row.password_enabled, Missing)
            else row.password_enabled,
            "mfa_active": False,
            "active_key_slots": slots,
        }
        noun = "key" if len(slots) == 1 else "keys"
        summary = f"no MFA device, while holding {len(slots)} active access {noun}"
        yield ctx.finding(user, summary, evidence=evidence)


@rule(
    "user.password-unused",
    "Console password unused",
    practice=REMOVE_UNUSED,
    severity=Severity.MEDIUM,
    needs=NEEDS,
    coverage=report_coverage,
    per_principal=True,
)
def password_unused(ctx: Context) -> Iterator[Finding]:
    """An unused console password is a login nobody would notice being abused (CIS 1.12)."""
    days = ctx.thresholds.password_unused_days
    for row, user in ctx.index.live_rows:
        if row.password_enabled is not True:
            continue
        used, changed = row.password_last_used, row.password_last_changed
        # A password set recently on an old user is as new as the password, not the user.
        since = (
            max(user.create_date, changed) if isinstance(changed, datetime) else user.create_date
        )
        if ctx.older_than(used, days):
            summary = f"console password unused for {ctx.ago(used)}"
        # Never used is a verdict only once the password existed for the whole threshold:
        # a new hire's password set last week is new, not unused.
        elif used in NEVER and ctx.older_than(since, days):
            summary = f"console password never used, set {ctx.ago(since)} ago"
        else:
            continue
        evidence: Evidence = {
            "password_last_used": report_value(used),
            "password_last_changed": report_value(changed),
            "user_created": report_value(user.create_date),
            "threshold_days": days,
        }
        fixes = principal_fixes(user, ActionId.USER_DISABLE_CONSOLE)
        yield ctx.finding(user, summary, evidence=evidence, fixes=fixes)


def _last_use(row: CredentialReportRow) -> datetime | None:
    uses = [row.password_last_used, *(k.last_used for k in row.keys)]
    return max((d for d in uses if isinstance(d, datetime)), default=None)


def _last_setup(row: CredentialReportRow, user: User) -> datetime:
    """The threshold runs from the newest credential: a user being set up is not inactive."""
    made = [user.create_date, row.password_last_changed, *(k.last_rotated for k in row.keys)]
    return max(d for d in made if isinstance(d, datetime))


#: Why user.inactive offers no user.delete while a signing certificate is active.
CERT_UNKNOWN_USE = (
    "the user has an active X.509 signing certificate and the credential report gives no last "
    "use for certificates, so it cannot show the user is unused: user.delete is not offered"
)


def _active_certs(row: CredentialReportRow) -> int:
    return sum(cert.active for cert in (row.cert_1, row.cert_2))


def _inactive_fixes(ctx: Context, row: CredentialReportRow, user: User) -> list[Fix]:
    """Disable the console (if a password), deactivate each active key, delete the user.

    No delete while a signing certificate is active: its use is not reported, so may be current.
    """
    fixes: list[Fix] = []
    if row.password_enabled is True:
        fixes += principal_fixes(user, ActionId.USER_DISABLE_CONSOLE)
    detail = ctx.snapshot.details.get(user.arn)
    for n, key in enumerate(row.keys, 1):
        if key.active:
            fixes += key_fixes(
                user, KeyRef(n, match_key_id(detail, row, n)), ActionId.KEY_DEACTIVATE
            )
    if _active_certs(row):
        return fixes
    return [*fixes, *principal_fixes(user, ActionId.USER_DELETE)]


@rule(
    "user.inactive",
    "User inactive",
    practice=REMOVE_UNUSED,
    severity=Severity.MEDIUM,
    needs=NEEDS,
    coverage=report_coverage,
    per_principal=True,
)
def inactive(ctx: Context) -> Iterator[Finding]:
    """A user whose password and keys all sit unused is an identity nobody needs."""
    days = ctx.thresholds.user_inactive_days
    for row, user in ctx.index.live_rows:
        last = _last_use(row)
        recently_used = last is not None and not ctx.older_than(last, days)
        # A user (or credential) younger than the threshold has not had the time to be used.
        if recently_used or not ctx.older_than(_last_setup(row, user), days):
            continue
        if last is not None:
            summary = f"no password or access key used for {ctx.ago(last)}"
        else:
            summary = (
                f"never signed in or used an access key (created {ctx.ago(user.create_date)} ago)"
            )
        fixes = _inactive_fixes(ctx, row, user)
        evidence: Evidence = {
            "last_activity": report_value(last) if last else None,
            "password_enabled": row.password_enabled is True,
            "active_keys": sum(k.active for k in row.keys),
            "user_created": report_value(user.create_date),
            "threshold_days": days,
        }
        if certs := _active_certs(row):
            evidence = {
                **evidence,
                "active_signing_certificates": certs,
                "delete_withheld": CERT_UNKNOWN_USE,
            }
        yield ctx.finding(user, summary, evidence=evidence, fixes=fixes)


@rule(
    "user.long-term-credentials",
    "User with long-term access keys",
    practice=TEMPORARY_CREDENTIALS,
    severity=Severity.INFO,
    needs=NEEDS,
    coverage=report_coverage,
    per_principal=True,
)
def long_term_credentials(ctx: Context) -> Iterator[Finding]:
    """Active access keys never expire; roles and federation issue credentials that do."""
    for row, user in ctx.index.live_rows:
        slots = [n for n, k in enumerate(row.keys, 1) if k.active]
        if not slots:
            continue
        evidence: Evidence = {
            "active_key_slots": tuple(slots),
            "last_used_services": tuple(
                sorted({text_value(row.keys[n - 1].last_used_service) for n in slots})
            ),
        }
        noun = "key" if len(slots) == 1 else "keys"
        summary = f"{len(slots)} active access {noun}: long-term credentials instead of a role"
        yield ctx.finding(user, summary, evidence=evidence)


@rule(
    "user.direct-policies",
    "Policies attached directly to a user",
    practice=USE_GROUPS,
    severity=Severity.LOW,
    needs=[Part.AUTHORIZATION_DETAILS],
    per_principal=True,
)
def direct_policies(ctx: Context) -> Iterator[Finding]:
    """Per-user grants escape group reviews and drift apart (CIS 1.15)."""
    for user in ctx.snapshot.users:
        names = [p.name for p in user.attached_policies] + [
            f"inline {p.name}" for p in user.inline_policies
        ]
        if not names:
            continue
        evidence: Evidence = {
            "attached_policies": tuple(p.arn for p in user.attached_policies),
            "inline_policies": tuple(p.name for p in user.inline_policies),
        }
        noun = "policy" if len(names) == 1 else "policies"
        summary = f"{len(names)} {noun} attached directly: {', '.join(names)}"
        fixes = grant_fixes(user, own_policies(user, ctx.index.policies))
        yield ctx.finding(user, summary, evidence=evidence, fixes=fixes)


#: Why user.no-group offers no user.delete to a user that can still sign in or call AWS.
HOLDS_CREDENTIALS = (
    "the user can still authenticate (a console password, an active access key or signing "
    "certificate), so something may act as it through a role trust or resource policy naming "
    "it: review before deleting, user.delete is not offered"
)
#: Why user.no-group offers no user.delete when the report does not describe the user.
CREDENTIALS_UNKNOWN = (
    "the credential report has no row for this user, so whether it can authenticate is "
    "unknown: user.delete is not offered"
)


def _sign_in_means(ctx: Context, row: CredentialReportRow | None, user: User) -> Evidence | None:
    """What the user could authenticate with (None: unknown, no report row)."""
    if row is None:
        return None
    detail = ctx.snapshot.details.get(user.arn)
    listed = sum(k.active for k in detail.access_keys) if detail is not None else 0
    return {
        "password_enabled": row.password_enabled is True,
        "active_keys": max(sum(k.active for k in row.keys), listed),
        "active_signing_certificates": _active_certs(row),
    }


@rule(
    "user.no-group",
    "User in no group and without policies",
    practice=REMOVE_UNUSED,
    severity=Severity.LOW,
    needs=[Part.AUTHORIZATION_DETAILS],
    per_principal=True,
)
def no_group(ctx: Context) -> Iterator[Finding]:
    """A user with no group and no policy has no identity-based permissions: a leftover or a
    placeholder (a same-account resource policy naming its ARN may still grant it access).

    Users with direct policies are ``user.direct-policies``'s; a user made in the last
    ``grace_days`` is being set up (its groups come next).
    """
    grace = ctx.thresholds.grace_days
    rows = {user.name: row for row, user in ctx.index.live_rows}
    for user in ctx.snapshot.users:
        if user.groups or user.attached_policies or user.inline_policies:
            continue
        if not ctx.older_than(user.create_date, grace):
            continue
        means = _sign_in_means(ctx, rows.get(user.name), user)
        evidence: Evidence = {"user_created": report_value(user.create_date), "credentials": means}
        if means is None:
            evidence = {**evidence, "delete_withheld": CREDENTIALS_UNKNOWN}
            fixes: tuple[Fix, ...] = ()
        elif any(means.values()):
            evidence = {**evidence, "delete_withheld": HOLDS_CREDENTIALS}
            fixes = ()
        else:
            fixes = principal_fixes(user, ActionId.USER_DELETE)
        summary = (
            f"in no group and holds no policy: no identity-based permissions (created "
            f"{ctx.ago(user.create_date)} ago)"
        )
        yield ctx.finding(user, summary, evidence=evidence, fixes=fixes)


RULES: tuple[Rule, ...] = (
    console_without_mfa,
    no_mfa,
    password_unused,
    inactive,
    long_term_credentials,
    direct_policies,
    no_group,
)
