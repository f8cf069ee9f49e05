"""policy.delete-inline: Delete{User,Group,Role}Policy with the document saved for undo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions.calls import NOT_LOADED, ROLE_READS
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.probes import inline_document
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import inline_step
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import InlinePolicySubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Delete one inline policy; its document goes into the plan for undo."""
    subject = planner.subject(request, InlinePolicySubject)
    kind, name, policy = subject.kind, subject.name, subject.policy_name
    if not policy:
        raise ActionRefused("policy.delete-inline needs a policy name")
    target, _ = planner.principal(kind, name)
    document = inline_document(planner.iam, {"Kind": kind, "Name": name, "PolicyName": policy})
    if document is None:
        raise ActionRefused(f"{kind} {name} has no inline policy {policy}")
    return Draft(
        ActionId.POLICY_DELETE_INLINE,
        f"Delete inline policy {policy} of {kind} {name} (document saved for undo)",
        [target],
        [inline_step(kind, name, policy, document, 0)],
        before={target.arn: {"inline": {policy: document}}},
    )


SPEC = ActionSpec(
    id=ActionId.POLICY_DELETE_INLINE,
    calls=Calls(
        plan=(
            "iam:GetUser",
            "iam:GetGroup",
            *ROLE_READS,
            "iam:GetUserPolicy",
            "iam:GetGroupPolicy",
        ),
        probes=("inline.document",),
        run=("iam:DeleteUserPolicy", "iam:DeleteGroupPolicy", "iam:DeleteRolePolicy"),
        undo=("iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy"),
        conditional={"iam:GetUser": NOT_LOADED},
    ),
    group="IamtuiActionsPolicies",
    verb="Delete inline",
    help="Delete*Policy, document saved · undoable",
    subject=InlinePolicySubject,
    build=build,
    binding="policy-remove",
)
