"""From a finding and one of its actions to the concrete requests a plan is built from.

A finding's fixes name the exact subject of each action (a key, a policy attachment, an inline
policy, a group membership, a policy); nothing here reads its evidence. A key may be known only
by its credential-report slot (the report has no key ids): the slot is resolved with a fresh
ListAccessKeys, matched by creation time (``iamtui.core.slots``), so a key added or removed
since the report was generated is never mistaken for another.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.request import Request
from iamtui.core.ids import ActionId
from iamtui.core.loader import read_access_keys
from iamtui.core.subjects import Fix, KeySubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
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
    """The request for one fix: exactly its action on its subject (a fix names what runs).

    A slot-only key is resolved by the planner.
    """
    return Request(fix.action, fix.subject)


def resolve_slot(planner: Planner, user: str, slot: int) -> str:
    """The id of the key in credential-report slot ``slot``, matched by creation time."""
    keys = read_access_keys(planner.iam, user, last_used=False)
    return planner.key_in_slot(user, slot, keys).key_id
