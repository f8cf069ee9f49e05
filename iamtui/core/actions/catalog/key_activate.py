"""key.activate: UpdateAccessKey Status=Active, bringing an Inactive key back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions.applies import key_status_refusal
from iamtui.core.actions.calls import KEY_READS, NOT_LOADED
from iamtui.core.actions.checks import key_is
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.ids import ActionId
from iamtui.core.plan import ApiCall, Calls, InverseStep, Step
from iamtui.core.subjects import KeySubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Reactivate one Inactive key; undo deactivates it again."""
    target, _, key = planner.need_key(request)
    user, kid = target.name, key.key_id
    refusal = key_status_refusal(ActionId.KEY_ACTIVATE, f"access key {kid}", user, key.status)
    if refusal:
        raise ActionRefused(refusal)
    step = Step(
        call=ApiCall("UpdateAccessKey", {"UserName": user, "AccessKeyId": kid, "Status": "Active"}),
        description=f"Reactivate access key {kid} of user {user}",
        preconditions=(key_is(user, kid, "Inactive"),),
        effect=key_is(user, kid, "Active"),
        inverse=(
            InverseStep(
                ApiCall(
                    "UpdateAccessKey",
                    {"UserName": user, "AccessKeyId": kid, "Status": "Inactive"},
                ),
                f"Deactivate access key {kid} of user {user}",
                preconditions=(key_is(user, kid, "Active"),),
                effect=key_is(user, kid, "Inactive"),
            ),
        ),
    )
    return Draft(
        ActionId.KEY_ACTIVATE,
        f"Reactivate access key {kid} of user {user}",
        [target],
        [step],
        before={target.arn: {"key": key.to_json()}},
    )


SPEC = ActionSpec(
    id=ActionId.KEY_ACTIVATE,
    calls=Calls(
        plan=KEY_READS,
        probes=("key.status",),
        run=("iam:UpdateAccessKey",),
        undo=("iam:UpdateAccessKey",),
        conditional={"iam:GetUser": NOT_LOADED},
    ),
    group="IamtuiActionsKeys",
    verb="Activate",
    help="UpdateAccessKey Status=Active · undoable",
    subject=KeySubject,
    build=build,
    binding="key-activate",
)
