"""role.delete: instance profiles, policies, then DeleteRole (service-linked: AWS deletes it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions import reads
from iamtui.core.actions.calls import ROLE_READS, TAGS_ON_CREATE
from iamtui.core.actions.checks import check, profile_has, role_exists
from iamtui.core.actions.reads import RoleState, when
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import ROLE_LOSS, detach_step, inline_step
from iamtui.core.ids import ActionId
from iamtui.core.model import SERVICE_LINKED_PATH, SSO_RESERVED_PATH_PREFIX
from iamtui.core.plan import JSON, ApiCall, Calls, Check, InverseStep, Step, Target
from iamtui.core.subjects import PrincipalSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Remove instance profiles and policies, then the role; undo recreates it."""
    role = reads.read_role(planner.iam, planner.subject(request, PrincipalSubject).name)
    name = role.name
    target = Target("role", name, role.arn, role.role_id)
    if role.path.startswith(SSO_RESERVED_PATH_PREFIX):
        planner.refuse_aws_managed_role(role)
    planner.refuse_protected_role(role)
    if role.path.startswith(SERVICE_LINKED_PATH):
        return _service_linked_delete(role, target)
    first = (
        check(
            "role.state",
            role.fingerprint(),
            f"role {name} is unchanged since the plan",
            RoleName=name,
        ),
    )
    steps: list[Step] = []

    def pre() -> tuple[Check, ...]:
        return first if not steps else ()

    for profile in role.instance_profiles:
        steps.append(
            Step(
                call=ApiCall(
                    "RemoveRoleFromInstanceProfile",
                    {"InstanceProfileName": profile, "RoleName": name},
                ),
                description=f"Remove role {name} from instance profile {profile}",
                preconditions=(*pre(), profile_has(profile, name, True)),
                effect=profile_has(profile, name, False),
                inverse=(
                    InverseStep(
                        ApiCall(
                            "AddRoleToInstanceProfile",
                            {"InstanceProfileName": profile, "RoleName": name},
                        ),
                        f"Put role {name} back in instance profile {profile}",
                        preconditions=(profile_has(profile, name, False),),
                        effect=profile_has(profile, name, True),
                    ),
                ),
                loss="instances using the profile get no credentials until undone",
            )
        )
    for arn, _ in role.attached:
        steps.append(detach_step("role", name, arn, 0, first=pre()))
    for policy, document in role.inline.items():
        steps.append(inline_step("role", name, policy, document, 0, first=pre()))
    create: dict[str, JSON] = {
        "RoleName": name,
        "Path": role.path,
        "AssumeRolePolicyDocument": role.trust,
        "MaxSessionDuration": role.max_session,
    }
    if role.description:
        create["Description"] = role.description
    if role.boundary:
        create["PermissionsBoundary"] = role.boundary
    if role.tags:
        create["Tags"] = [{"Key": k, "Value": v} for k, v in role.tags]
    steps.append(
        Step(
            call=ApiCall("DeleteRole", {"RoleName": name}),
            description=f"Delete role {name}",
            preconditions=(*pre(), role_exists(name, True)),
            effect=role_exists(name, False),
            inverse=(
                InverseStep(
                    ApiCall("CreateRole", create),
                    f"Recreate role {name} with its trust policy, path, description, "
                    "session duration, boundary and tags",
                    preconditions=(role_exists(name, False),),
                    effect=role_exists(name, True),
                ),
            ),
            loss=ROLE_LOSS,
        )
    )
    draft = Draft(
        ActionId.ROLE_DELETE,
        f"Delete role {name} ({len(steps) - 1} dependencies removed first)",
        [target],
        steps,
        before={target.arn: role.to_json()},
        notes=[f"undo recreates role {name}, but {ROLE_LOSS}"],
    )
    if warning := planner.recent_use_warning(f"role {name}", when(role.last_used)):
        draft.warnings.append(warning)
    return draft


def _service_linked_delete(role: RoleState, target: Target) -> Draft:
    name = role.name
    step = Step(
        call=ApiCall("DeleteServiceLinkedRole", {"RoleName": name}),
        description=f"Ask AWS to delete service-linked role {name} (polled until done)",
        preconditions=(check("role.exists", True, f"role {name} exists", RoleName=name),),
        effect=check("role.exists", False, f"role {name} does not exist", RoleName=name),
        irreversible_reason="a service-linked role is created by its AWS service; the service "
        "recreates it when needed, iamtui cannot",
        wait="GetServiceLinkedRoleDeletionStatus",
    )
    return Draft(
        ActionId.ROLE_DELETE,
        f"Delete service-linked role {name} (through DeleteServiceLinkedRole)",
        [target],
        [step],
        before={target.arn: role.to_json()},
        notes=["AWS refuses (FAILED) while resources of the service still use the role"],
    )


# --- users ------------------------------------------------------------------------------

SPEC = ActionSpec(
    id=ActionId.ROLE_DELETE,
    calls=Calls(
        plan=ROLE_READS,
        probes=(
            "role.state",
            "instance_profile.has_role",
            "policy.attached",
            "inline.document",
            "role.exists",
        ),
        run=(
            "iam:RemoveRoleFromInstanceProfile",
            "iam:DetachRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:DeleteRole",
            "iam:DeleteServiceLinkedRole",
            "iam:GetServiceLinkedRoleDeletionStatus",
        ),
        undo=(
            "iam:CreateRole",
            "iam:PutRolePolicy",
            "iam:AttachRolePolicy",
            "iam:AddRoleToInstanceProfile",
        ),
        implied=("iam:TagRole", "iam:PassRole"),
        conditional={
            "iam:PassRole": "undo: AWS authorizes AddRoleToInstanceProfile as iam:PassRole too",
            "iam:DeleteServiceLinkedRole": "for a service-linked role",
            "iam:GetServiceLinkedRoleDeletionStatus": "for a service-linked role",
            "iam:TagRole": TAGS_ON_CREATE,
        },
    ),
    group="IamtuiActionsRoles",
    verb="Delete",
    help="instance profiles, policies, then the role",
    subject=PrincipalSubject,
    build=build,
    binding="role-delete",
)
