"""Access-key rules, from the credential report (key slots 1 and 2; ids matched when known)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

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
    ROTATE_KEYS,
    Slot,
    key_evidence,
    key_finding,
    key_fixes,
    key_ref,
    key_slots,
    report_coverage,
)

NEEDS = (Part.CREDENTIAL_REPORT, Part.AUTHORIZATION_DETAILS)
#: AWS began recording access-key last use on this day; older use shows as N/A.
KEY_TRACKING_BEGAN = datetime(2015, 4, 22, tzinfo=UTC)


@rule(
    "access-key.unused",
    "Access key unused",
    practice=REMOVE_UNUSED,
    severity=Severity.MEDIUM,
    needs=NEEDS,
    coverage=report_coverage,
    per_principal=True,
)
def unused(ctx: Context) -> Iterator[Finding]:
    """A key used once, then not for months, is a forgotten secret (never used: next rule)."""
    days = ctx.thresholds.key_unused_days
    for slot in key_slots(ctx):
        if slot.key.active and ctx.older_than(slot.key.last_used, days):
            summary = f"access key {slot.number} unused for {ctx.ago(slot.key.last_used)}"
            yield key_finding(
                ctx,
                slot,
                summary,
                ActionId.KEY_DEACTIVATE,
                ActionId.KEY_DELETE,
                threshold_days=days,
            )


@rule(
    "access-key.never-used",
    "Access key never used",
    practice=REMOVE_UNUSED,
    severity=Severity.MEDIUM,
    needs=NEEDS,
    coverage=report_coverage,
    per_principal=True,
)
def never_used(ctx: Context) -> Iterator[Finding]:
    """A key nobody ever used is not needed; a freshly created or rotated one gets a grace."""
    grace = ctx.thresholds.grace_days
    for slot in key_slots(ctx):
        created = slot.key.last_rotated
        never = slot.key.last_used is Missing.NOT_APPLICABLE
        if slot.key.active and never and ctx.older_than(created, grace):
            summary = f"access key {slot.number} never used, created {ctx.ago(created)} ago"
            if created < KEY_TRACKING_BEGAN:
                summary += " (before AWS tracked key use: it may have been used before 2015-04-22)"
            yield key_finding(
                ctx, slot, summary, ActionId.KEY_DEACTIVATE, ActionId.KEY_DELETE, grace_days=grace
            )


@rule(
    "access-key.rotation-due",
    "Access key rotation due",
    practice=ROTATE_KEYS,
    severity=Severity.MEDIUM,
    needs=NEEDS,
    coverage=report_coverage,
    per_principal=True,
)
def rotation_due(ctx: Context) -> Iterator[Finding]:
    """The older an active key, the longer a leak of it has been usable."""
    days = ctx.thresholds.key_rotation_days
    for slot in key_slots(ctx):
        created = slot.key.last_rotated
        if slot.key.active and ctx.older_than(created, days):
            summary = f"access key {slot.number} not rotated for {ctx.ago(created)}"
            yield key_finding(ctx, slot, summary, ActionId.KEY_ROTATE, threshold_days=days)


@rule(
    "access-key.two-active",
    "Two active access keys",
    practice=ROTATE_KEYS,
    severity=Severity.LOW,
    needs=NEEDS,
    coverage=report_coverage,
    per_principal=True,
)
def two_active(ctx: Context) -> Iterator[Finding]:
    """Two active keys outside a rotation window double the secrets to protect (CIS 1.13)."""
    never = datetime.min.replace(tzinfo=UTC)
    by_user: dict[str, list[Slot]] = {}
    for slot in key_slots(ctx):
        if slot.key.active:
            by_user.setdefault(slot.user.name, []).append(slot)
    for slots in by_user.values():
        if len(slots) < 2:
            continue
        stale = min(
            slots,
            key=lambda s: s.key.last_used if isinstance(s.key.last_used, datetime) else never,
        )
        used = stale.key.last_used
        last = f"last used {ctx.ago(used)} ago" if isinstance(used, datetime) else "never used"
        summary = f"2 active access keys; key {stale.number} is the less recently used ({last})"
        refs = {s.number: key_ref(ctx, s) for s in slots}
        evidence: Evidence = {
            "keys": tuple(key_evidence(s, refs[s.number]) for s in slots),
            "less_recently_used_slot": stale.number,
            "less_recently_used_last_used": report_value(used),
        }
        fixes = key_fixes(stale.user, refs[stale.number], ActionId.KEY_DEACTIVATE)
        yield ctx.finding(slots[0].user, summary, evidence=evidence, fixes=fixes)


@rule(
    "access-key.inactive",
    "Inactive access key still present",
    practice=REMOVE_UNUSED,
    severity=Severity.LOW,
    needs=NEEDS,
    coverage=report_coverage,
    per_principal=True,
)
def inactive(ctx: Context) -> Iterator[Finding]:
    """A deactivated key can be reactivated by anyone allowed to; delete it once unneeded."""
    for slot in key_slots(ctx):
        created = slot.key.last_rotated
        if not slot.key.active and isinstance(created, datetime):
            summary = (
                f"inactive access key {slot.number} still present (created {ctx.ago(created)} ago)"
            )
            yield key_finding(ctx, slot, summary, ActionId.KEY_DELETE)


RULES: tuple[Rule, ...] = (unused, never_used, rotation_due, two_active, inactive)
