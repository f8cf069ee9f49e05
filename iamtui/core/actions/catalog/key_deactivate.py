"""key.deactivate: UpdateAccessKey Status=Inactive, the reversible first step of retiring a key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions.applies import key_status_refusal
from iamtui.core.actions.calls import KEY_READS, NOT_LOADED
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import deactivate_key_step
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import KeySubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Deactivate one Active key that was not used since the reviewed data."""
    target, _, key = planner.need_key(request)
    refusal = key_status_refusal(
        ActionId.KEY_DEACTIVATE, f"access key {key.key_id}", target.name, key.status
    )
    if refusal:
        raise ActionRefused(refusal)
    unverified = planner.refuse_if_used_since_data(target, key, request)
    draft = Draft(
        ActionId.KEY_DEACTIVATE,
        f"Deactivate access key {key.key_id} of user {target.name}",
        [target],
        [deactivate_key_step(target.name, key)],
        before={target.arn: {"key": key.to_json()}},
    )
    if unverified:
        draft.warnings.append(unverified)
        draft.options["accept_unverified_use"] = True
    if warning := planner.recent_use_warning(
        f"key {key.key_id}", key.last_used, key.last_used_service
    ):
        draft.warnings.append(warning)
    return draft


SPEC = ActionSpec(
    id=ActionId.KEY_DEACTIVATE,
    calls=Calls(
        plan=KEY_READS,
        probes=("key.status", "key.last_used"),
        run=("iam:UpdateAccessKey",),
        undo=("iam:UpdateAccessKey",),
        conditional={"iam:GetUser": NOT_LOADED},
    ),
    group="IamtuiActionsKeys",
    verb="Deactivate",
    help="UpdateAccessKey Status=Inactive · undoable",
    subject=KeySubject,
    build=build,
    binding="key-deactivate",
)
