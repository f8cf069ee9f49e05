"""From a finding and one of its actions to the concrete requests a plan is built from.

Findings name a principal and, for keys, a credential-report slot (the report has no key ids);
this resolves slots to key ids with a fresh ListAccessKeys, matched by creation time so a key
added or removed since the report was generated is never mistaken for another.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.plan import RotateStage
from iamtui.core.ids import ActionId
from iamtui.core.loader import read_access_keys
from iamtui.core.subjects import KeySubject, PrincipalSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request

KEY_ACTIONS = (ActionId.KEY_DEACTIVATE, ActionId.KEY_DELETE, ActionId.KEY_ROTATE)


def requests_for(planner: Planner, finding: Any, action: str) -> tuple[Request, ...]:
    """The requests that carry out ``action`` for ``finding``; ActionRefused when none can."""
    from iamtui.core.actions.request import Request

    try:
        wanted = ActionId(str(action))
    except ValueError:
        raise ActionRefused(f"unknown action {action!r}") from None
    name = str(finding.principal_name)
    kind = str(getattr(finding.principal_kind, "value", finding.principal_kind))
    if wanted in KEY_ACTIONS:
        stage = RotateStage.CREATE if wanted is ActionId.KEY_ROTATE else None
        return tuple(
            Request(wanted, KeySubject(name, key_id), stage=stage)
            for key_id in finding_key_ids(planner, finding)
        )
    if wanted in (ActionId.USER_DISABLE_CONSOLE, ActionId.USER_DELETE):
        return (Request(wanted, PrincipalSubject("user", name)),)
    if wanted in (ActionId.ROLE_QUARANTINE, ActionId.ROLE_DELETE):
        return (Request(wanted, PrincipalSubject("role", name)),)
    if wanted is ActionId.POLICY_DETACH:
        return policy_requests(planner, finding, kind, name)
    if wanted is ActionId.ROOT_HARDEN:
        raise ActionRefused(
            "root.harden is done as root (console) or via centralized root access: "
            "follow the finding's guidance"
        )
    raise ActionRefused(f"{wanted.value} cannot be planned from a finding")


def finding_key_ids(planner: Planner, finding: Any) -> tuple[str, ...]:
    """The key id(s) a key finding is about."""
    evidence: Mapping[str, Any] = finding.evidence
    ref = finding.key
    if ref is not None and ref.key_id:
        return (str(ref.key_id),)
    slot = ref.slot if ref is not None else evidence.get("less_recently_used_slot")
    if slot is None:
        raise ActionRefused(f"finding {finding.id} names no access key")
    return (resolve_slot(planner, str(finding.principal_name), int(slot)),)


def resolve_slot(planner: Planner, user: str, slot: int) -> str:
    """The id of the key in credential-report slot ``slot``, matched by creation time."""
    keys = read_access_keys(planner.iam, user, last_used=False)
    return planner.key_in_slot(user, slot, keys).key_id


def policy_requests(planner: Planner, finding: Any, kind: str, name: str) -> tuple[Request, ...]:
    """Detach the managed policies, delete the inline ones and leave the groups a finding names."""
    from iamtui.core.actions.request import Request

    snap = planner.snapshot
    principal = snap.user(name) if kind == "user" else snap.role(name) if kind == "role" else None
    if principal is None:
        raise ActionRefused(f"{kind} {name} is not in the loaded data")
    evidence: Mapping[str, Any] = finding.evidence
    named = set(evidence.get("attached_policies") or ()) | set(evidence.get("policy_arns") or ())
    requests: list[Request] = [
        Request.detach_policy(kind, name, p.arn)
        for p in principal.attached_policies
        if p.arn in named
    ]
    inline = set(evidence.get("inline_policies") or ())
    inline |= {
        str(path)[len("inline ") :]
        for path in evidence.get("paths") or ()
        if str(path).startswith("inline ")
    }
    requests += [
        Request.delete_inline(kind, name, p.name)
        for p in principal.inline_policies
        if p.name in inline
    ]
    if kind == "user":
        requests += [
            Request.remove_from_group(name, group)
            for group in evidence.get("groups") or ()
            if group in principal.groups  # type: ignore[union-attr]
        ]
    if not requests:
        raise ActionRefused(f"finding {finding.id} names no policy iamtui can detach")
    return tuple(requests)
