"""group.remove-user: RemoveUserFromGroup; undo adds the user back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions import reads
from iamtui.core.actions.calls import NOT_LOADED
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import group_step
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import MembershipSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Take the user out of one group it is in now."""
    subject = planner.subject(request, MembershipSubject)
    user, group = subject.user, subject.group
    if not group:
        raise ActionRefused("group.remove-user needs a group name")
    target = planner.user_target(user)
    groups = reads.user_groups(planner.iam, user)
    if group not in groups:
        raise ActionRefused(f"user {user} is not in group {group}")
    return Draft(
        ActionId.GROUP_REMOVE_USER,
        f"Remove user {user} from group {group}",
        [target],
        [group_step(user, group, 0)],
        before={target.arn: {"groups": list(groups)}},
    )


SPEC = ActionSpec(
    id=ActionId.GROUP_REMOVE_USER,
    calls=Calls(
        plan=("iam:GetUser", "iam:ListGroupsForUser"),
        probes=("user.in_group",),
        run=("iam:RemoveUserFromGroup",),
        undo=("iam:AddUserToGroup",),
        conditional={"iam:GetUser": NOT_LOADED},
    ),
    group="IamtuiActionsUsers",
    verb="Remove from group",
    help="RemoveUserFromGroup · undoable",
    subject=MembershipSubject,
    build=build,
    binding="policy-remove",
)
