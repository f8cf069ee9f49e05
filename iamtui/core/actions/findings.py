"""From a finding and one of its actions to the concrete requests a plan is built from.

A finding's fixes name the exact subject of each action (a key, a policy attachment, an inline
policy, a group membership, a policy); nothing here reads its evidence. A key may be known only
by its credential-report slot (the report has no key ids): the slot is resolved with a fresh
ListAccessKeys, matched by creation time, so a key added or removed since the report was
generated is never mistaken for another.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from iamtui.core.actions import reads
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.plan import RotateStage
from iamtui.core.ids import ActionId
from iamtui.core.subjects import (
    AttachmentSubject,
    Fix,
    InlinePolicySubject,
    KeySubject,
    MembershipSubject,
    PolicySubject,
    PrincipalSubject,
)

if TYPE_CHECKING:
    from iamtui.core.actions.builders import Planner, Request
    from iamtui.core.findings import Finding

ROOT_HARDEN_REFUSAL = (
    "root.harden is done as root (console) or via centralized root access: "
    "follow the finding's guidance"
)


def fixes_for(finding: Finding, action: str) -> tuple[Fix, ...]:
    """The finding's fixes for ``action``; ActionRefused when it offers none iamtui can plan."""
    try:
        wanted = ActionId(str(action))
    except ValueError:
        raise ActionRefused(f"unknown action {action!r}") from None
    if wanted is ActionId.ROOT_HARDEN:
        raise ActionRefused(ROOT_HARDEN_REFUSAL)
    found = tuple(fix for fix in finding.fixes if fix.action is wanted)
    if not found:
        raise ActionRefused(f"{wanted.value} cannot be planned from finding {finding.id}")
    return found


def requests_for(planner: Planner, finding: Finding, action: str) -> tuple[Request, ...]:
    """One request per fix of ``finding`` for ``action`` (key slots resolved to key ids)."""
    return tuple(request_for_fix(with_key_id(planner, fix)) for fix in fixes_for(finding, action))


def with_key_id(planner: Planner, fix: Fix) -> Fix:
    """The fix with a slot-only key resolved to its key id (other fixes unchanged)."""
    key = fix.subject
    if not isinstance(key, KeySubject) or key.key_id is not None:
        return fix
    if key.slot is None:
        raise ActionRefused(f"{fix.action.value} of {key.user} names no access key")
    return replace(fix, subject=replace(key, key_id=resolve_slot(planner, key.user, key.slot)))


def request_for_fix(fix: Fix) -> Request:
    """Today's Request for one fix: the one place that maps a typed subject to its fields.

    A grant's ``policy.detach`` becomes the call that removes it where it comes from: detach
    (attachment), delete (inline policy) or leave the group (membership).
    """
    from iamtui.core.actions.builders import Request

    action, subject = fix.action, fix.subject
    match subject:
        case KeySubject(user=user, key_id=str(key_id)):
            stage = RotateStage.CREATE if action is ActionId.KEY_ROTATE else None
            return Request(action, user, key_id=key_id, stage=stage)
        case KeySubject(user=user, slot=slot):
            raise ActionRefused(f"key {slot} of {user}: its key id is not known yet")
        case PrincipalSubject(kind=kind, name=name):
            return Request(action, name, kind=kind)
        case AttachmentSubject(kind=kind, name=name, policy_arn=arn):
            return Request.detach_policy(kind, name, arn)
        case InlinePolicySubject(kind=kind, name=name, policy_name=policy):
            return Request.delete_inline(kind, name, policy)
        case MembershipSubject(user=user, group=group):
            return Request.remove_from_group(user, group)
        case PolicySubject(arn=arn):
            return Request(action, arn.rsplit("/", 1)[-1], kind="policy", policy_arn=arn)
    raise ActionRefused(f"{action.value} cannot be planned from a finding")


def resolve_slot(planner: Planner, user: str, slot: int) -> str:
    """The id of the key in credential-report slot ``slot``, matched by creation time."""
    keys = reads.read_keys(planner.iam, user, last_used=False)
    report = planner.snapshot.credential_report
    row = report.row_for(user) if report is not None else None
    rotated = row.keys[slot - 1].last_rotated if row is not None and 1 <= slot <= 2 else None
    if isinstance(rotated, datetime):
        same = [
            k
            for k in keys
            if abs(datetime.fromisoformat(k.created) - rotated) < timedelta(seconds=2)
        ]
        if len(same) == 1:
            return same[0].key_id
    raise ActionRefused(
        f"cannot tell which access key is key {slot} of {user} (keys changed since the report): "
        "open the user's keys and pick one"
    )
