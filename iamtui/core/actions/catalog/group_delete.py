"""group.delete: an empty group's inline policies, attachments, then DeleteGroup; undoable.

AWS refuses DeleteGroup while the group has members, inline policies or attached policies
(IAM API Reference, *DeleteGroup*:
<https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteGroup.html>), so those go first.
iamtui deletes only a group with no members: the plan re-reads the members and refuses if any
appeared, and the first step checks again. Undo recreates the group with its name and path and
puts the saved inline documents and attachments back; the group id and creation date are new.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from iamtui.core.actions import reads
from iamtui.core.actions.checks import check
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import detach_step, inline_step
from iamtui.core.ids import ActionId
from iamtui.core.loader import policy_document
from iamtui.core.plan import JSON, ApiCall, Calls, Check, InverseStep, Step, Target
from iamtui.core.subjects import GroupSubject
from iamtui.core.text import plural

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request

#: What the undo cannot bring back.
LOSS = "the recreated group gets a new group id and creation date"


def members_are(group: str, members: JSON) -> Check:
    """The group's members are ``members`` (None: the group does not exist)."""
    if members is None:
        text = f"group {group} does not exist"
    elif members == []:
        text = f"group {group} exists and has no members"
    else:
        text = f"group {group} has members {members}"
    return check("group.members", members, text, GroupName=group)


def build(planner: Planner, request: Request) -> Draft:
    """Read the group fresh, refuse if it has members, save its policies, delete it."""
    wanted = planner.subject(request, GroupSubject).group
    try:
        pages = list(planner.iam.get_paginator("get_group").paginate(GroupName=wanted))
    except ClientError as exc:
        if reads.missing(exc):
            raise reads.NotFound(f"group {wanted} does not exist") from exc
        raise
    raw = pages[0]["Group"]
    name, path = str(raw["GroupName"]), str(raw.get("Path") or "/")
    members = sorted(str(u["UserName"]) for page in pages for u in page.get("Users", ()))
    if members:
        raise ActionRefused(
            f"group {name} has {plural(len(members), 'member')} now ({', '.join(members)}): "
            "it is not empty any more; remove them first (group.remove-user) if it must go"
        )
    inline: dict[str, JSON] = {}
    for policy in reads.pages(planner.iam, "list_group_policies", "PolicyNames", GroupName=name):
        document = planner.iam.get_group_policy(GroupName=name, PolicyName=policy)
        inline[str(policy)] = policy_document(document["PolicyDocument"])
    attached = reads.group_attached(planner.iam, name)
    target = Target("group", name, str(raw["Arn"]), raw.get("GroupId"))
    first = (members_are(name, []),)
    steps: list[Step] = []

    def pre() -> tuple[Check, ...]:
        return first if not steps else ()

    for policy, document in inline.items():
        steps.append(inline_step("group", name, policy, document, 0, first=pre()))
    for arn in attached:
        steps.append(detach_step("group", name, arn, 0, first=pre()))
    steps.append(
        Step(
            call=ApiCall("DeleteGroup", {"GroupName": name}),
            description=f"Delete group {name}",
            preconditions=pre() or (members_are(name, []),),
            effect=members_are(name, None),
            inverse=(
                InverseStep(
                    ApiCall("CreateGroup", {"GroupName": name, "Path": path}),
                    f"Recreate group {name} with path {path}",
                    preconditions=(members_are(name, None),),
                    effect=members_are(name, []),
                ),
            ),
            loss=LOSS,
        )
    )
    return Draft(
        ActionId.GROUP_DELETE,
        f"Delete empty group {name} "
        f"({plural(len(steps) - 1, 'policy', 'policies')} saved and removed first)",
        [target],
        steps,
        before={
            target.arn: {
                "group_name": name,
                "path": path,
                "members": [],
                "inline_policies": inline,
                "attached_policies": list(attached),
            }
        },
        notes=[f"undo recreates group {name} and puts its policies back, but {LOSS}"],
    )


SPEC = ActionSpec(
    id=ActionId.GROUP_DELETE,
    calls=Calls(
        plan=(
            "iam:GetGroup",
            "iam:ListGroupPolicies",
            "iam:GetGroupPolicy",
            "iam:ListAttachedGroupPolicies",
        ),
        probes=("group.members", "inline.document", "policy.attached"),
        run=("iam:DeleteGroupPolicy", "iam:DetachGroupPolicy", "iam:DeleteGroup"),
        undo=("iam:CreateGroup", "iam:PutGroupPolicy", "iam:AttachGroupPolicy"),
    ),
    group="IamtuiActionsUsers",
    verb="Delete empty group",
    help="DeleteGroupPolicy, DetachGroupPolicy, DeleteGroup, policies saved · undoable",
    subject=GroupSubject,
    build=build,
)
