"""Roles: service-linked roles only their service may change or delete."""

from __future__ import annotations

import uuid

from moto.iam.models import (
    IAMBackend,
    Role,
)

from iamtui.emulator.fidelity.entities import (
    find_role,
    service_linked,
)
from iamtui.emulator.fidelity.registry import (
    Call,
    rule,
)
from iamtui.emulator.fidelity.wire import (
    IamError,
    Response,
)
from iamtui.emulator.state import (
    RoleDeletion,
)

# ------------------------------------------------------------------------ service-linked roles

SERVICE_LINKED_GUARDED = (
    "DeleteRole",
    "PutRolePolicy",
    "DeleteRolePolicy",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "UpdateAssumeRolePolicy",
    "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
    "UpdateRole",
    "UpdateRoleDescription",
    "TagRole",
)


@rule(*SERVICE_LINKED_GUARDED)
def protect_service_linked_role(call: Call) -> Response:
    """Only the owning AWS service may change or delete a service-linked role."""
    role = find_role(call.backend, call.require("RoleName"))
    if role is not None and service_linked(role):
        raise IamError(
            "UnmodifiableEntity",
            f"Cannot perform the operation on the protected role '{role.name}' - "
            "this role is only modifiable by AWS",
        )
    return call.forward()


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
    """AWS deletes a linked role with its policies, or fails the task while resources use it."""
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
    """The outcome of one deletion task; FAILED lists the resources still using the role."""
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
