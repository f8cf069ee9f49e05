"""policy.delete-inline: Delete{User,Group,Role}Policy with the document saved for undo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions.calls import NOT_LOADED, ROLE_READS
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.probes import inline_document
from iamtui.core.actions.reads import RoleState, pages
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import inline_step
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import InlinePolicySubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


#: What a user's inline policy delete reads to warn when it is the user's last policy.
LAST_POLICY_READS = (
    "iam:ListUserPolicies",
    "iam:ListAttachedUserPolicies",
    "iam:ListGroupsForUser",
)


def build(planner: Planner, request: Request) -> Draft:
    """Delete one inline policy; its document goes into the plan for undo.

    The whole policy goes, not only the statements a finding names: when it is a user's or
    role's last policy, the plan warns that nothing of its own is left.
    """
    subject = planner.subject(request, InlinePolicySubject)
    kind, name, policy = subject.kind, subject.name, subject.policy_name
    if not policy:
        raise ActionRefused("policy.delete-inline needs a policy name")
    target, role = planner.principal(kind, name)
    document = inline_document(planner.iam, {"Kind": kind, "Name": name, "PolicyName": policy})
    if document is None:
        raise ActionRefused(f"{kind} {name} has no inline policy {policy}")
    warnings = []
    if kind != "group" and not _other_policies(planner, kind, name, policy, role):
        warnings.append(
            f"{policy} is the last policy of {kind} {name}: deleting it leaves {name} with no "
            f"permissions of its own (no other inline or managed policy"
            + (", no group)" if kind == "user" else ")")
        )
    return Draft(
        ActionId.POLICY_DELETE_INLINE,
        f"Delete inline policy {policy} of {kind} {name} (document saved for undo)",
        [target],
        [inline_step(kind, name, policy, document, 0)],
        before={target.arn: {"inline": {policy: document}}},
        warnings=warnings,
    )


def _other_policies(
    planner: Planner, kind: str, name: str, policy: str, role: RoleState | None
) -> bool:
    """Whether the user or role keeps any policy (inline, managed, a user's group) without it."""
    if role is not None:
        return bool(role.attached) or any(other != policy for other in role.inline)
    iam = planner.iam
    inline = pages(iam, "list_user_policies", "PolicyNames", UserName=name)
    return (
        any(other != policy for other in inline)
        or any(True for _ in pages(iam, "list_attached_user_policies", "AttachedPolicies",
                                   UserName=name))
        or any(True for _ in pages(iam, "list_groups_for_user", "Groups", UserName=name))
    )  # fmt: skip


SPEC = ActionSpec(
    id=ActionId.POLICY_DELETE_INLINE,
    calls=Calls(
        plan=(
            "iam:GetUser",
            "iam:GetGroup",
            *ROLE_READS,
            "iam:GetUserPolicy",
            "iam:GetGroupPolicy",
            *LAST_POLICY_READS,
        ),
        probes=("inline.document",),
        run=("iam:DeleteUserPolicy", "iam:DeleteGroupPolicy", "iam:DeleteRolePolicy"),
        undo=("iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy"),
        conditional={
            "iam:GetUser": NOT_LOADED,
            **dict.fromkeys(LAST_POLICY_READS, "for a user's policy (the last-policy warning)"),
        },
    ),
    group="IamtuiActionsPolicies",
    verb="Delete inline",
    help="Delete*Policy, document saved · undoable",
    subject=InlinePolicySubject,
    build=build,
    binding="policy-remove",
)
