"""Roles: service-linked roles only their service may change or delete, trust policies naming
deleted principals, and passing a role to an instance profile."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from moto.iam.models import IAMBackend, Role

from iamtui.emulator.fidelity.auth import caller_arn_of, caller_may
from iamtui.emulator.fidelity.entities import find_role, service_linked
from iamtui.emulator.fidelity.registry import Call, rule
from iamtui.emulator.fidelity.wire import IamError, Response
from iamtui.emulator.state import RoleDeletion

# ------------------------------------------------------------------------ service-linked roles

#: AttachRolePolicy is guarded too, by ``policies.attach_within_quota`` (one rule per call).
SERVICE_LINKED_GUARDED = (
    "DeleteRole",
    "PutRolePolicy",
    "DeleteRolePolicy",
    "DetachRolePolicy",
    "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
    "UpdateRole",
    "UpdateRoleDescription",
    "TagRole",
)


@rule(*SERVICE_LINKED_GUARDED)
def protect_service_linked_role(call: Call) -> Response:
    """Only the owning AWS service may change or delete a service-linked role.

    AWS: "Using service-linked roles" (IAM User Guide),
    https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
    """
    refuse_service_linked(call)
    return call.forward()


def refuse_service_linked(call: Call) -> None:
    """UnmodifiableEntity when the call names a service-linked role."""
    role = find_role(call.backend, call.require("RoleName"))
    if role is not None and service_linked(role):
        raise IamError(
            "UnmodifiableEntity",
            f"Cannot perform the operation on the protected role '{role.name}' - "
            "this role is only modifiable by AWS",
        )


def remove_role(backend: IAMBackend, role: Role) -> None:
    """Delete a role with everything attached, as the owning service does for its linked role."""
    for policy in list(role.managed_policies.values()):
        policy.detach_from(role)
    role.policies.clear()
    for profile in list(backend.instance_profiles.values()):
        profile.roles = [r for r in profile.roles if r is not role]
    backend.roles.pop(role.id, None)


@rule("DeleteServiceLinkedRole")
def delete_service_linked_role(call: Call) -> Response:
    """AWS deletes a linked role with its policies, or fails the task while resources use it.

    AWS: "DeleteServiceLinkedRole" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteServiceLinkedRole.html
    """
    name = call.require("RoleName")
    role = find_role(call.backend, name)
    if role is None:
        raise IamError("NoSuchEntity", f"The role with name {name} cannot be found.")
    if not service_linked(role):
        raise IamError("InvalidInput", f"Role {name} is not a service-linked role.")
    service = role.path.strip("/").split("/")[-1]
    task_id = f"task/aws-service-role/{service}/{name}/{uuid.uuid4()}"
    blocking = call.extras.service_linked_roles_in_use.get(name, [])
    if not blocking:
        remove_role(call.backend, role)
    status = "FAILED" if blocking else "SUCCEEDED"
    with call.extras.lock:
        call.extras.role_deletions[task_id] = RoleDeletion(task_id, name, status, list(blocking))
    return call.respond({"DeletionTaskId": task_id})


@rule("GetServiceLinkedRoleDeletionStatus")
def get_service_linked_role_deletion_status(call: Call) -> Response:
    """The outcome of one deletion task; FAILED lists the resources still using the role.

    AWS: "GetServiceLinkedRoleDeletionStatus" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLinkedRoleDeletionStatus.html
    """
    task_id = call.require("DeletionTaskId")
    task = call.extras.role_deletions.get(task_id)
    if task is None:
        raise IamError("NoSuchEntity", f"Deletion task {task_id} does not exist.")
    result: dict[str, object] = {"Status": task.status}
    if task.status == "FAILED":
        result["Reason"] = {
            "Reason": f"The service-linked role {task.role_name} is in use.",
            "RoleUsageList": [{"Region": "us-east-1", "Resources": task.blocking_resources}],
        }
    return call.respond(result)


# --------------------------------------------------------------------------- trust policies

#: A principal's unique id as a policy shows it once the principal is deleted (role, user).
UNIQUE_ID = re.compile(r"^(AROA|AIDA)[A-Z0-9]{12,}$")


def aws_principals(document: Any) -> list[str]:
    """Every ``"AWS"`` principal of a policy document's statements."""
    found: list[str] = []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        if isinstance(principal, dict):
            value = principal.get("AWS", [])
            found += [str(v) for v in (value if isinstance(value, list) else [value])]
    return found


def refuse_deleted_principals(call: Call, parameter: str) -> None:
    """MalformedPolicyDocument when the trust policy names a principal by a unique id that no
    user or role has (a deleted principal, as an old trust policy shows it)."""
    try:
        document = json.loads(call.get(parameter) or "")
    except ValueError:
        return
    backend = call.backend
    live = {user.id for user in list(backend.users.values())}
    live |= {role.id for role in list(backend.roles.values())}
    for principal in aws_principals(document):
        if UNIQUE_ID.match(principal) and principal not in live:
            raise IamError(
                "MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{principal}"'
            )


@rule("CreateRole")
def create_role(call: Call) -> Response:
    """A trust policy naming a principal by unique id that no user or role has (a deleted
    principal, as a restored old trust policy shows it) is refused: "Invalid principal".

    AWS: "AWS JSON policy elements: Principal" (IAM User Guide: if the principal is deleted
    and recreated, the policy shows its unique id and no longer matches it),
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    refuse_deleted_principals(call, "AssumeRolePolicyDocument")
    return call.forward()


@rule("UpdateAssumeRolePolicy")
def update_assume_role_policy(call: Call) -> Response:
    """Only AWS changes a service-linked role's trust; a new trust policy naming a deleted
    principal by its unique id is refused like CreateRole's: "Invalid principal in policy".

    AWS: "UpdateAssumeRolePolicy" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAssumeRolePolicy.html and
    "AWS JSON policy elements: Principal" (IAM User Guide),
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    refuse_service_linked(call)
    refuse_deleted_principals(call, "PolicyDocument")
    return call.forward()


# ------------------------------------------------------------------------ instance profiles


@rule("AddRoleToInstanceProfile")
def add_role_to_instance_profile(call: Call) -> Response:
    """Putting a role in an instance profile passes it to EC2: the caller needs iam:PassRole
    on the role as well (checked when moto enforces permissions).

    AWS: "Grant a user permissions to pass a role to an AWS service" (IAM User Guide),
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html and
    "AddRoleToInstanceProfile" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html
    """
    role = find_role(call.backend, call.require("RoleName"))
    if role is not None and not caller_may(call, "iam:PassRole", role.arn):
        raise IamError(
            "AccessDenied",
            f"User: {caller_arn_of(call)} is not authorized to perform: iam:PassRole on "
            f"resource: {role.arn}",
        )
    return call.forward()
