"""policy.detach: Detach{User,Group,Role}Policy; undo attaches the policy again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions import reads
from iamtui.core.actions.calls import NOT_LOADED, ROLE_READS
from iamtui.core.actions.checks import PARAM, policy_name
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import detach_step
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import AttachmentSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request

_LIST = {
    "user": "list_attached_user_policies",
    "group": "list_attached_group_policies",
    "role": "list_attached_role_policies",
}


def build(planner: Planner, request: Request) -> Draft:
    """Detach one managed policy that is attached now."""
    subject = planner.subject(request, AttachmentSubject)
    kind, name, arn = subject.kind, subject.name, subject.policy_arn
    if not arn:
        raise ActionRefused("policy.detach needs a policy ARN")
    target, _ = planner.principal(kind, name)
    attached = [
        p["PolicyArn"]
        for p in reads.pages(planner.iam, _LIST[kind], "AttachedPolicies", **{PARAM[kind]: name})
    ]
    if arn not in attached:
        raise ActionRefused(f"{policy_name(arn)} is not attached to {kind} {name}")
    return Draft(
        ActionId.POLICY_DETACH,
        f"Detach {policy_name(arn)} from {kind} {name}",
        [target],
        [detach_step(kind, name, arn, 0)],
        before={target.arn: {"attached": attached}},
    )


SPEC = ActionSpec(
    id=ActionId.POLICY_DETACH,
    calls=Calls(
        plan=(
            "iam:GetUser",
            "iam:GetGroup",
            *ROLE_READS,
            "iam:ListAttachedUserPolicies",
            "iam:ListAttachedGroupPolicies",
        ),
        probes=("policy.attached",),
        run=("iam:DetachUserPolicy", "iam:DetachGroupPolicy", "iam:DetachRolePolicy"),
        undo=("iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy"),
        conditional={"iam:GetUser": NOT_LOADED},
    ),
    group="IamtuiActionsPolicies",
    verb="Detach",
    help="Detach*Policy · undoable",
    subject=AttachmentSubject,
    build=build,
    binding="policy-remove",
)
