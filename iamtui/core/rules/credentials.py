"""Credential rules beyond access-key age: keys made at user setup, X.509 signing certificates
(from the credential report), SSH public keys (from the per-user fetch)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from iamtui.core.findings import (
    Context,
    Coverage,
    Evidence,
    Finding,
    NotEvaluable,
    Rule,
    Severity,
    report_value,
    rule,
)
from iamtui.core.ids import ActionId
from iamtui.core.model import Missing, Part, SigningCertificate, SshPublicKey, User
from iamtui.core.rules._common import (
    REMOVE_UNUSED,
    ROTATE_KEYS,
    TEMPORARY_CREDENTIALS,
    key_finding,
    key_slots,
    report_coverage,
)
from iamtui.core.subjects import Fix, UploadedCredentialSubject, UploadedKind

NEEDS = (Part.CREDENTIAL_REPORT, Part.AUTHORIZATION_DETAILS)


@rule(
    "user.keys-at-setup",
    "Access key created at console user setup, never used",
    practice=REMOVE_UNUSED,
    severity=Severity.LOW,
    needs=NEEDS,
    coverage=report_coverage,
    per_principal=True,
)
def keys_at_setup(ctx: Context) -> Iterator[Finding]:
    """Keys handed to a console user "just in case" are secrets nobody needs (CIS 1.11).

    Only keys created within ``grace_days`` of the user: a key created later (a rotation, a new
    CLI setup) is the user's own choice and ``access-key.never-used``'s business.
    """
    grace = timedelta(days=ctx.thresholds.grace_days)
    for slot in key_slots(ctx):
        created = slot.key.last_rotated
        console = slot.row.password_enabled is True
        never = slot.key.last_used is Missing.NOT_APPLICABLE
        if not (console and slot.key.active and never and isinstance(created, datetime)):
            continue
        if created - slot.user.create_date > grace:
            continue
        # No age: a key made minutes ago would read differently at every load (evidence has it).
        summary = f"access key {slot.number} created with this console user and never used"
        yield key_finding(
            ctx,
            slot,
            summary,
            ActionId.KEY_DEACTIVATE,
            password_enabled=True,
            user_created=report_value(slot.user.create_date),
            grace_days=ctx.thresholds.grace_days,
        )


@rule(
    "cert.signing-active",
    "Active X.509 signing certificate",
    practice=TEMPORARY_CREDENTIALS,
    severity=Severity.LOW,
    needs=NEEDS,
    coverage=report_coverage,
    per_principal=True,
)
def signing_active(ctx: Context) -> Iterator[Finding]:
    """A signing certificate is a long-lived credential whose use the report never shows."""
    days = ctx.thresholds.key_rotation_days
    for row, user in ctx.index.live_rows:
        active = [(n, c) for n, c in enumerate((row.cert_1, row.cert_2), 1) if c.active]
        if not active:
            continue
        old = [n for n, c in active if ctx.older_than(c.last_rotated, days)]
        oldest = min(
            (c.last_rotated for _, c in active if isinstance(c.last_rotated, datetime)),
            default=None,
        )
        noun = "certificate" if len(active) == 1 else "certificates"
        # Only an age past the threshold is named: a recent one would change by the second.
        age = f", oldest uploaded {ctx.ago(oldest)} ago" if old and oldest else ""
        summary = f"{len(active)} active X.509 signing {noun}{age} (use is never reported)"
        certs = _certificates(ctx, user)
        ids: list[str | None] = [None]  # not fetched: the planner acts on the one active cert
        known: Evidence = {}
        if certs is not None:
            ids = [c.certificate_id for c in certs if c.active]
            known = {"certificate_ids": tuple(str(i) for i in ids)}
        evidence: Evidence = {
            "certificates": tuple(
                {"slot": n, "active": True, "last_rotated": report_value(c.last_rotated)}
                for n, c in active
            ),
            "older_than_threshold": tuple(old),
            "threshold_days": days,
            **known,
        }
        fixes = credential_fixes(
            user, "certificate", ids, ActionId.CERT_DEACTIVATE, ActionId.CERT_DELETE
        )
        severity = Severity.MEDIUM if old else None
        yield ctx.finding(user, summary, evidence=evidence, fixes=fixes, severity=severity)


def credential_fixes(
    user: User, kind: UploadedKind, ids: list[str | None], *actions: ActionId
) -> tuple[Fix, ...]:
    """Each action on each of the user's SSH keys or certificates (None: its one active one)."""
    return tuple(
        Fix(a, UploadedCredentialSubject(user.name, kind, cid)) for cid in ids for a in actions
    )


def _certificates(ctx: Context, user: User) -> tuple[SigningCertificate, ...] | None:
    """The user's fetched signing certificates; None when not fetched (or not readable)."""
    detail = ctx.snapshot.details.get(user.arn)
    return detail.signing_certificates if detail is not None else None


def _ssh_keys(ctx: Context, user: User) -> tuple[SshPublicKey, ...] | None:
    """The user's fetched SSH public keys; None when not fetched (or not readable)."""
    detail = ctx.snapshot.details.get(user.arn)
    return detail.ssh_public_keys if detail is not None else None


def _ssh_coverage(ctx: Context) -> Coverage:
    covered = sum(_ssh_keys(ctx, u) is not None for u in ctx.snapshot.users)
    return Coverage(
        ctx.rule.id, covered, len(ctx.snapshot.users), "users whose SSH keys were fetched"
    )


@rule(
    "ssh-key.rotation-due",
    "SSH public key rotation due",
    practice=ROTATE_KEYS,
    severity=Severity.MEDIUM,
    needs=[Part.AUTHORIZATION_DETAILS],
    needs_user_details=True,
    coverage=_ssh_coverage,
    per_principal=True,
)
def ssh_rotation_due(ctx: Context) -> Iterator[Finding]:
    """An old active SSH key is a long-lived Git credential: the older, the longer a leak works.

    Read from the per-user fetch (ListSSHPublicKeys), never the overview: users not fetched are
    outside the coverage, not clean. The threshold is the access-key rotation one.
    """
    days = ctx.thresholds.key_rotation_days
    fetched = [(u, keys) for u in ctx.snapshot.users if (keys := _ssh_keys(ctx, u)) is not None]
    if not fetched:
        raise NotEvaluable(
            f"SSH public keys not fetched for any of the {len(ctx.snapshot.users)} users; "
            "they are read per user, on demand: open the user in the TUI"
        )
    for user, keys in fetched:
        due = [k for k in keys if k.active and ctx.older_than(k.upload_date, days)]
        if not due:
            continue
        oldest = min(k.upload_date for k in due)
        noun = "SSH public key" if len(due) == 1 else f"{len(due)} SSH public keys"
        summary = f"{noun} not rotated for {ctx.ago(oldest)}"
        evidence: Evidence = {
            "ssh_keys": tuple(
                {"ssh_key_id": k.key_id, "uploaded": report_value(k.upload_date)} for k in due
            ),
            "threshold_days": days,
        }
        ids: list[str | None] = [k.key_id for k in due]
        fixes = credential_fixes(
            user, "ssh-key", ids, ActionId.SSH_KEY_DEACTIVATE, ActionId.SSH_KEY_DELETE
        )
        yield ctx.finding(user, summary, evidence=evidence, fixes=fixes)


RULES: tuple[Rule, ...] = (keys_at_setup, signing_active, ssh_rotation_due)
