"""Clutter rules: things nobody uses that someone may pick up later without review."""

from __future__ import annotations

from collections.abc import Iterator

from iamtui.core.findings import (
    Context,
    Evidence,
    Finding,
    PrincipalKind,
    PrincipalRef,
    Rule,
    Severity,
    iso,
    rule,
)
from iamtui.core.ids import ActionId
from iamtui.core.model import Part
from iamtui.core.rules._common import REMOVE_UNUSED
from iamtui.core.subjects import Fix, GroupSubject, VirtualMfaSubject


@rule(
    "mfa.unassigned-virtual",
    "Virtual MFA device assigned to nobody",
    practice=REMOVE_UNUSED,
    severity=Severity.INFO,
    needs=[Part.VIRTUAL_MFA],
)
def unassigned_virtual(ctx: Context) -> Iterator[Finding]:
    """An abandoned enrolment leaves a device whose seed may sit in someone's authenticator."""
    for device in ctx.snapshot.virtual_mfa_devices:
        if device.user_arn is not None:
            continue
        name = device.serial.rsplit("/", 1)[-1]
        about = PrincipalRef(PrincipalKind.MFA_DEVICE, device.serial, name)
        evidence: Evidence = {"serial": device.serial}
        fix = Fix(ActionId.MFA_DELETE_VIRTUAL, VirtualMfaSubject(device.serial))
        yield ctx.finding(
            about, "virtual MFA device assigned to nobody", evidence=evidence, fixes=[fix]
        )


@rule(
    "group.empty",
    "Group without members",
    practice=REMOVE_UNUSED,
    severity=Severity.LOW,
    needs=[Part.AUTHORIZATION_DETAILS],
    reads_principals=True,
)
def empty(ctx: Context) -> Iterator[Finding]:
    """An empty group grants nothing today and everything it holds to whoever is added next."""
    grace = ctx.thresholds.grace_days
    members = ctx.index.group_members
    for group in ctx.snapshot.groups:
        # A group made in the last days is being set up: members come next.
        if members.get(group.name) or not ctx.older_than(group.create_date, grace):
            continue
        attached = tuple(p.arn for p in group.attached_policies)
        inline = tuple(p.name for p in group.inline_policies)
        evidence: Evidence = {
            "created": iso(group.create_date),
            "attached_policies": attached,
            "inline_policies": inline,
        }
        grants = len(attached) + len(inline)
        noun = "policy" if grants == 1 else "policies"
        held = f", holding {grants} {noun}" if grants else ""
        summary = f"group has no members (created {ctx.ago(group.create_date)} ago{held})"
        fix = Fix(ActionId.GROUP_DELETE, GroupSubject(group.name))
        yield ctx.finding(group, summary, evidence=evidence, fixes=[fix])


RULES: tuple[Rule, ...] = (unassigned_virtual, empty)
