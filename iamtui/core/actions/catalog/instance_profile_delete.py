"""instance-profile.delete: delete an instance profile that holds no role, its name, path and
tags saved.

AWS refuses DeleteInstanceProfile while a role is in the profile (DeleteConflict), and so does
this plan, on a fresh GetInstanceProfile. Undo is CreateInstanceProfile with the same name, path
and tags: the same ARN, but a new instance profile id, so anything that stored the old id (an
EC2 launch template or instance referring to it by id) does not find it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions import reads
from iamtui.core.actions.checks import profile_roles
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.ids import ActionId
from iamtui.core.plan import JSON, ApiCall, Calls, InverseStep, Step, Target
from iamtui.core.subjects import InstanceProfileSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request

#: What the undo cannot bring back.
LOSS = (
    "the recreated instance profile gets a new instance profile id and creation date (same "
    "name, path, ARN and tags)"
)
#: What the delete does to instances still launched with the profile (AWS: DeleteInstanceProfile,
#: https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteInstanceProfile.html).
RUNNING_INSTANCES = (
    "EC2 instances running with this instance profile lose their role credentials; the undo "
    "recreates the profile with a new id, which running instances do not pick up"
)


def build(planner: Planner, request: Request) -> Draft:
    """Refuse while a role is in the profile; else delete it, saving what recreates it."""
    name = planner.subject(request, InstanceProfileSubject).name
    profile = reads.instance_profile(planner.iam, name)
    name = str(profile["InstanceProfileName"])
    roles = sorted(str(r["RoleName"]) for r in profile.get("Roles") or ())
    if roles:
        raise ActionRefused(
            f"instance profile {name} holds role {', '.join(roles)} (added since the review?): "
            "AWS refuses to delete it until the role is removed"
        )
    path = str(profile.get("Path") or "/")
    tags: list[JSON] = [{"Key": t["Key"], "Value": t["Value"]} for t in profile.get("Tags") or ()]
    create: dict[str, JSON] = {"InstanceProfileName": name, "Path": path}
    if tags:
        create["Tags"] = tags
    profile_id = str(profile.get("InstanceProfileId") or "")
    target = Target("instance-profile", name, str(profile["Arn"]), profile_id or None)
    step = Step(
        call=ApiCall("DeleteInstanceProfile", {"InstanceProfileName": name}),
        description=f"Delete instance profile {name} (name, path and tags saved)",
        preconditions=(profile_roles(name, []),),
        effect=profile_roles(name, None),
        inverse=(
            InverseStep(
                ApiCall("CreateInstanceProfile", create),
                f"Recreate instance profile {name} with its path and tags",
                preconditions=(profile_roles(name, None),),
                effect=profile_roles(name, []),
            ),
        ),
        loss=LOSS,
    )
    return Draft(
        ActionId.INSTANCE_PROFILE_DELETE,
        f"Delete instance profile {name}, which holds no role",
        [target],
        [step],
        before={
            str(profile["Arn"]): {
                "instance_profile_name": name,
                "instance_profile_id": profile_id,
                "path": path,
                "tags": tags,
            }
        },
        warnings=[RUNNING_INSTANCES],
        notes=[f"undo recreates instance profile {name}, but {LOSS}"],
    )


SPEC = ActionSpec(
    id=ActionId.INSTANCE_PROFILE_DELETE,
    calls=Calls(
        plan=("iam:GetInstanceProfile",),
        probes=("instance_profile.roles",),
        run=("iam:DeleteInstanceProfile",),
        undo=("iam:CreateInstanceProfile",),
        implied=("iam:TagInstanceProfile",),
        conditional={
            "iam:TagInstanceProfile": (
                "AWS authorizes the tags passed to CreateInstanceProfile as TagInstanceProfile too"
            ),
        },
    ),
    group="IamtuiActionsProviders",
    verb="Delete instance profile",
    help="DeleteInstanceProfile, name, path and tags saved · undoable (new profile id)",
    subject=InstanceProfileSubject,
    build=build,
    binding="resource-delete",
)
