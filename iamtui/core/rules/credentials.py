"""Credential rules beyond access-key age: keys made at user setup, X.509 signing certificates
(both from the credential report alone)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from iamtui.core.findings import (
    Context,
    Evidence,
    Finding,
    Rule,
    Severity,
    report_value,
    rule,
)
from iamtui.core.ids import ActionId
from iamtui.core.model import Missing, Part
from iamtui.core.rules._common import (
    REMOVE_UNUSED,
    TEMPORARY_CREDENTIALS,
    key_finding,
    key_slots,
    report_coverage,
)

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
        evidence: Evidence = {
            "certificates": tuple(
                {"slot": n, "active": True, "last_rotated": report_value(c.last_rotated)}
                for n, c in active
            ),
            "older_than_threshold": tuple(old),
            "threshold_days": days,
        }
        severity = Severity.MEDIUM if old else None
        yield ctx.finding(user, summary, evidence=evidence, severity=severity)


RULES: tuple[Rule, ...] = (keys_at_setup, signing_active)
