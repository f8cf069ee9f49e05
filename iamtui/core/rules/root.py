"""Root-user and account-wide rules (root MFA, root keys, root use, password policy).

Root facts come from two sources: ``GetAccountSummary`` (live at load time) and the credential
report's ``<root_account>`` row (up to hours old, and absent in some reports). Where both answer
the same question the summary wins, being fresher; the report row is the fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from iamtui.core.findings import (
    Context,
    Evidence,
    Finding,
    NotEvaluable,
    Rule,
    Severity,
    iso,
    part_missing,
    report_value,
    rule,
)
from iamtui.core.ids import ActionId
from iamtui.core.model import (
    AccountSnapshot,
    AccountSummary,
    CredentialReportRow,
    Organization,
    Part,
    VirtualMfaDevice,
)
from iamtui.core.rules._common import PASSWORD_POLICY, PROTECT_ROOT
from iamtui.core.subjects import AccountSubject, Fix, RootKeySubject

#: Root hardening is guidance (done as root or via centralized root access), not a plan.
HARDEN_ROOT = (Fix(ActionId.ROOT_HARDEN, AccountSubject()),)
HARDEN_ROOT_KEYS = (Fix(ActionId.ROOT_HARDEN, RootKeySubject()),)

ROOT_SOURCES = (Part.ACCOUNT_SUMMARY, Part.CREDENTIAL_REPORT)
NO_ROOT_ROW = "the credential report has no <root_account> row"
#: AWS IAM User Guide, "Centrally manage root access for member accounts".
CENTRAL_ROOT_ACCESS_DOC = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html"
    "#id_root-user-access-management"
)
#: Where a member root's credentials can be checked (AWS shows each member's in that page).
CHECK_MEMBER_ROOT = (
    "check it from the management account in the IAM console's Root access management (it shows "
    "each member account's root credentials), then suppress root.no-mfa for this account with "
    "that reason, or assign root MFA"
)
#: Why a credential-less-looking member root, with RootCredentialsManagement on, is unproven.
CENTRAL_ROOT_UNPROVEN = (
    "root has no password in use, no access keys and no signing certificates, in a member account "
    "of an organization with RootCredentialsManagement enabled; but that feature removes root "
    "credentials only from accounts created after it was enabled, or where someone deleted them, "
    "and a password never used looks the same as none, so root may still hold the random password "
    f"AWS Organizations gave it: {CHECK_MEMBER_ROOT} (AWS: Centrally manage root access for "
    f"member accounts, {CENTRAL_ROOT_ACCESS_DOC})"
)
#: Why a member root without credentials in use is not proof of centralized root access.
MEMBER_ROOT_UNPROVEN = (
    "this member account cannot read whether its organization enabled RootCredentialsManagement, "
    "and AWS Organizations gives a new member account a random root password that whoever owns "
    f"the root e-mail can recover, so root may still sign in: {CHECK_MEMBER_ROOT}"
)


def _root_row(ctx: Context) -> CredentialReportRow | None:
    report = ctx.snapshot.credential_report
    if report is None or part_missing(ctx.snapshot, Part.CREDENTIAL_REPORT):
        return None
    return report.root or next((row for row in report.rows if row.is_root), None)


def _root_fact(
    ctx: Context,
    from_summary: Callable[[AccountSummary], bool],
    from_row: Callable[[CredentialReportRow], bool],
) -> tuple[bool, Evidence]:
    """The live summary's answer when loaded, else the report root row's; both as evidence."""
    summary = None if part_missing(ctx.snapshot, Part.ACCOUNT_SUMMARY) else ctx.snapshot.summary
    row = _root_row(ctx)
    live = from_summary(summary) if summary else None
    reported = from_row(row) if row else None
    evidence: Evidence = {"account_summary": live, "credential_report": reported}
    if live is not None:
        return live, evidence
    if reported is not None:
        return reported, evidence
    raise NotEvaluable(f"account summary unavailable and {NO_ROOT_ROW}")


def _has_keys(row: CredentialReportRow) -> bool:
    return any(k.active or isinstance(k.last_rotated, datetime) for k in row.keys)


def _root_keys(row: CredentialReportRow | None) -> Evidence:
    if row is None:
        return {}
    return {
        f"key_{n}": {
            "active": k.active,
            "last_rotated": report_value(k.last_rotated),
            "last_used": report_value(k.last_used),
        }
        for n, k in enumerate(row.keys, 1)
    }


@rule(
    "root.no-mfa",
    "Root user without MFA",
    practice=PROTECT_ROOT,
    severity=Severity.CRITICAL,
    needs_any=ROOT_SOURCES,
)
def no_mfa(ctx: Context) -> Iterator[Finding]:
    """Root cannot be restricted by IAM; MFA is the only guard on its password (CIS 1.5)."""
    has_mfa, evidence = _root_fact(ctx, lambda s: s.mfa_enabled, lambda r: r.mfa_active)
    if has_mfa:
        return
    unproven = member_root_unproven(ctx.snapshot, ctx.snapshot.organization)
    if unproven is not None:
        raise NotEvaluable(unproven)
    yield ctx.finding(ctx.root(), "root user has no MFA", evidence=evidence, fixes=HARDEN_ROOT)


def root_virtual_devices(snapshot: AccountSnapshot) -> tuple[VirtualMfaDevice, ...]:
    """Virtual MFA devices assigned to this account's root (ListVirtualMFADevices names root's
    ARN as the device's user); a hardware key or passkey is never listed there."""
    suffix = f":{snapshot.account_id}:root"
    return tuple(
        d
        for d in snapshot.virtual_mfa_devices
        if d.for_root and (d.user_arn or "").endswith(suffix)
    )


@rule(
    "root.virtual-mfa",
    "Root MFA is a virtual device",
    practice=PROTECT_ROOT,
    severity=Severity.MEDIUM,
    needs=[Part.VIRTUAL_MFA],
    needs_any=ROOT_SOURCES,
)
def virtual_mfa(ctx: Context) -> Iterator[Finding]:
    """A TOTP seed can be copied or phished; a hardware key or passkey cannot (CIS 1.6)."""
    has_mfa, evidence = _root_fact(ctx, lambda s: s.mfa_enabled, lambda r: r.mfa_active)
    devices = root_virtual_devices(ctx.snapshot)
    # Without MFA this is root.no-mfa's finding. A device assigned to root also proves root
    # still holds credentials: centralized root access deletes root's MFA with the rest.
    if not has_mfa or not devices:
        return
    evidence = {
        **evidence,
        "virtual_mfa_devices": tuple(d.serial for d in devices),
        "enabled": tuple(iso(d.enable_date) if d.enable_date else None for d in devices),
    }
    summary = "root MFA is a virtual (TOTP) device, not a hardware key or passkey"
    yield ctx.finding(ctx.root(), summary, evidence=evidence, fixes=HARDEN_ROOT)


@rule(
    "root.access-keys",
    "Root user has access keys",
    practice=PROTECT_ROOT,
    severity=Severity.CRITICAL,
    needs_any=ROOT_SOURCES,
)
def access_keys(ctx: Context) -> Iterator[Finding]:
    """A root key is an unrestrictable, never-expiring secret for the whole account (CIS 1.4)."""
    present, facts = _root_fact(ctx, lambda s: s.access_keys_present, _has_keys)
    if not present:
        return
    evidence: Evidence = {**facts, **_root_keys(_root_row(ctx))}
    summary = "root user has access keys"
    yield ctx.finding(ctx.root(), summary, evidence=evidence, fixes=HARDEN_ROOT_KEYS)


@rule(
    "root.recently-used",
    "Root user used recently",
    practice=PROTECT_ROOT,
    severity=Severity.HIGH,
    needs=[Part.CREDENTIAL_REPORT],
)
def recently_used(ctx: Context) -> Iterator[Finding]:
    """Daily work as root leaves no least-privilege boundary to contain a mistake (CIS 1.7)."""
    row = _root_row(ctx)
    if row is None:
        raise NotEvaluable(NO_ROOT_ROW)
    days = ctx.thresholds.root_recent_days
    uses = {"password": row.password_last_used}
    uses |= {f"access key {n}": k.last_used for n, k in enumerate(row.keys, 1)}
    recent = {what: when for what, when in uses.items() if ctx.within(when, days)}
    if not recent:
        return
    what, when = max(recent.items(), key=lambda item: item[1])
    evidence: Evidence = {
        "password_last_used": report_value(row.password_last_used),
        **{f"key_{n}_last_used": report_value(k.last_used) for n, k in enumerate(row.keys, 1)},
        "threshold_days": days,
    }
    summary = f"root {what} used {ctx.ago(when)} ago"
    yield ctx.finding(ctx.root(), summary, evidence=evidence, fixes=HARDEN_ROOT)


@rule(
    "account.password-policy",
    "Password policy weaker than CIS",
    practice=PASSWORD_POLICY,
    severity=Severity.MEDIUM,
    needs=[Part.PASSWORD_POLICY],
)
def password_policy(ctx: Context) -> Iterator[Finding]:
    """Weak IAM passwords are guessed or reused from breaches (CIS 1.8, 1.9)."""
    policy = ctx.snapshot.password_policy
    length, reuse = ctx.thresholds.password_min_length, ctx.thresholds.password_reuse_prevention
    if policy is None:
        weaknesses = ["no password policy (AWS default: 8 characters, reuse allowed)"]
    else:
        weaknesses = []
        if policy.minimum_password_length < length:
            weaknesses.append(f"minimum length {policy.minimum_password_length} < {length}")
        remembered = policy.password_reuse_prevention or 0
        if remembered < reuse:
            weaknesses.append(f"reuse prevention {remembered or 'off'} < {reuse}")
    if not weaknesses:
        return
    evidence: Evidence = {
        "policy_present": policy is not None,
        "minimum_password_length": policy.minimum_password_length if policy else None,
        "password_reuse_prevention": policy.password_reuse_prevention if policy else None,
        "weaknesses": tuple(weaknesses),
    }
    summary = "password policy weaker than CIS: " + "; ".join(weaknesses)
    yield ctx.finding(ctx.account(), summary, evidence=evidence)


def root_without_credentials(snapshot: AccountSnapshot) -> bool:
    """Root has no password in use, access key or signing certificate, as far as data can tell.

    The report never says whether root has a password (``password_enabled`` is
    ``not_supported``), so "no password" is: none enabled, or none ever used. Keys follow the
    live summary when loaded (as root.access-keys does), else the report's key slots. Without a
    root row nothing is known: False, so root.no-mfa keeps firing.
    """
    report = snapshot.credential_report
    if report is None or part_missing(snapshot, Part.CREDENTIAL_REPORT):
        return False
    row = report.root or next((r for r in report.rows if r.is_root), None)
    if row is None:
        return False
    no_password = row.password_enabled is False or (
        not isinstance(row.password_enabled, bool)
        and not isinstance(row.password_last_used, datetime)
    )
    summary = None if part_missing(snapshot, Part.ACCOUNT_SUMMARY) else snapshot.summary
    keys = summary.access_keys_present if summary is not None else _has_keys(row)
    certificates = any(c.active for c in (row.cert_1, row.cert_2))
    return no_password and not keys and not certificates


def member_root_unproven(snapshot: AccountSnapshot, org: Organization | None) -> str | None:
    """Why root.no-mfa cannot be judged (None: it can): a member root without credentials in use.

    The data cannot tell a root whose credentials centralized root access removed from one that
    still holds the unused random password Organizations gave it, so root.no-mfa is then unknown,
    never a critical finding nor a pass. Only a member: the feature does not cover the
    management account (``is_member`` must be True, not merely unknown). With the feature known
    off, root keeps its password and the rule fires.
    """
    if org is None or org.is_member(snapshot.account_id) is not True:
        return None
    if org.credentials_management is False or not root_without_credentials(snapshot):
        return None
    return CENTRAL_ROOT_UNPROVEN if org.credentials_management else MEMBER_ROOT_UNPROVEN


RULES: tuple[Rule, ...] = (no_mfa, virtual_mfa, access_keys, recently_used, password_policy)
