"""key.delete: DeleteAccessKey, irreversible; an Active key only with an explicit override."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions.calls import KEY_READS, NOT_LOADED
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.plan import Calls
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import delete_key_step
from iamtui.core.ids import ActionId
from iamtui.core.subjects import KeySubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Delete one key (deactivate first is the safe path; ``allow_active`` overrides)."""
    target, _, key = planner.need_key(request)
    if key.status == "Active" and not request.allow_active:
        raise ActionRefused(
            f"access key {key.key_id} of {target.name} is Active: deactivate it first "
            "(key.deactivate) and watch for breakage, or confirm deleting an active key"
        )
    unverified = planner.refuse_if_used_since_data(target, key, request)
    draft = Draft(
        ActionId.KEY_DELETE,
        f"Delete access key {key.key_id} of user {target.name} (irreversible)",
        [target],
        [delete_key_step(target.name, key)],
        before={target.arn: {"key": key.to_json()}},
        options={"allow_active": request.allow_active},
        notes=[f"the deleted key {key.key_id} cannot be restored"],
    )
    if unverified:
        draft.warnings.append(unverified)
        draft.options["accept_unverified_use"] = True
    if key.status == "Active":
        draft.warnings.append(
            f"key {key.key_id} is ACTIVE: anything using it fails at once and for good"
        )
    return draft


SPEC = ActionSpec(
    id=ActionId.KEY_DELETE,
    calls=Calls(
        plan=KEY_READS,
        probes=("key.status", "key.last_used"),
        run=("iam:DeleteAccessKey",),
        conditional={"iam:GetUser": NOT_LOADED},
    ),
    group="IamtuiActionsKeys",
    verb="Delete",
    help="DeleteAccessKey · irreversible (typed confirmation)",
    subject=KeySubject,
    build=build,
    binding="key-delete",
)
