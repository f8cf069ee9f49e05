"""Users and groups: deletion preconditions, renames, login profiles, user boundaries."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from moto.iam.models import User

from iamtui.emulator.fidelity.entities import BOUNDARY_ATTR, PASSWORD_CHANGED_ATTR, find_user
from iamtui.emulator.fidelity.registry import Call, rule
from iamtui.emulator.fidelity.wire import IamError, Response

# ------------------------------------------------------------------------------ deletion guards


def user_delete_conflict(call: Call, user: User) -> str | None:
    """What still hangs on a user, in the words AWS uses (None: it can be deleted)."""
    checks: list[tuple[bool, str]] = [
        (bool(user.password), "must delete login profile first."),
        (bool(user.access_keys), "must delete access keys first."),
        (bool(user.signing_certificates), "must delete signing certificates first."),
        (bool(user.ssh_public_keys), "must delete SSH public keys first."),
        (
            bool(call.extras.service_credentials.get(user.name)),
            "must delete service specific credentials first.",
        ),
        (bool(user.mfa_devices), "must delete MFA device first."),
        (bool(user.policies), "must delete policies first."),
        (bool(user.managed_policies), "must detach all policies first."),
        (
            any(user in group.users for group in list(call.backend.groups.values())),
            "must remove users from group first.",
        ),
    ]
    return next((f"Cannot delete entity, {text}" for blocked, text in checks if blocked), None)


@rule("DeleteUser")
def delete_user(call: Call) -> Response:
    """AWS refuses to delete a user that still has credentials, devices, policies or groups.

    AWS: "DeleteUser" (IAM API Reference: delete the user's items first, or DeleteConflict),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html
    """
    user = find_user(call.backend, call.require("UserName"))
    if user is not None and (conflict := user_delete_conflict(call, user)):
        raise IamError("DeleteConflict", conflict)
    return call.forward()


@rule("DeleteGroup")
def delete_group(call: Call) -> Response:
    """AWS refuses to delete a group that still has members or policies (moto just drops it).

    AWS: "DeleteGroup" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteGroup.html
    """
    group = call.backend.groups.get(call.require("GroupName"))
    if group is not None:
        if group.users:
            raise IamError(
                "DeleteConflict", "Cannot delete entity, must remove users from group first."
            )
        if group.policies:
            raise IamError("DeleteConflict", "Cannot delete entity, must delete policies first.")
        if group.managed_policies:
            raise IamError(
                "DeleteConflict", "Cannot delete entity, must detach all policies first."
            )
    return call.forward()


@rule("DeleteVirtualMFADevice")
def delete_virtual_mfa_device(call: Call) -> Response:
    """AWS requires deactivating an assigned virtual MFA device before deleting it.

    AWS: "DeleteVirtualMFADevice" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteVirtualMFADevice.html
    """
    device = call.backend.virtual_mfa_devices.get(call.require("SerialNumber"))
    if device is not None and device.user is not None:
        raise IamError("DeleteConflict", "Cannot delete entity, must deactivate MFA device first.")
    return call.forward()


@rule("UpdateUser")
def update_user(call: Call) -> Response:
    """A renamed user keeps its service-specific credentials (they are held by user name).

    AWS: "UpdateUser" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateUser.html
    """
    response = call.forward()
    old, new = call.require("UserName"), call.get("NewUserName")
    if response.ok and new and new != old:
        with call.extras.lock:
            held = call.extras.service_credentials.pop(old, [])
            for credential in held:
                credential.user_name = new
            if held:
                call.extras.service_credentials[new] = held
    return response


# -------------------------------------------------------------------------------- login profile


@rule("UpdateLoginProfile", "DeleteLoginProfile")
def track_password_changes(call: Call) -> Response:
    """Record when a password was set: the credential report's password_last_changed.

    AWS: "Generate credential reports for your AWS account" (IAM User Guide, password_last_changed),
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
    """
    response = call.forward()
    user = find_user(call.backend, call.get("UserName"))
    if response.ok and user is not None:
        if call.action == "DeleteLoginProfile":
            setattr(user, PASSWORD_CHANGED_ATTR, None)
        elif call.action == "CreateLoginProfile" or call.get("Password"):
            setattr(user, PASSWORD_CHANGED_ATTR, call.now)
    return response


@rule("CreateLoginProfile")
def create_login_profile(call: Call) -> Response:
    """AWS keeps CreateLoginProfile's PasswordResetRequired (moto drops it and answers false).

    AWS: "CreateLoginProfile" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html
    """
    response = track_password_changes(call)
    user = find_user(call.backend, call.get("UserName"))
    if not response.ok or user is None:
        return response
    required = call.flag("PasswordResetRequired")
    user.password_reset_required = required

    def edit(result: ET.Element) -> None:
        for node in result.iter("PasswordResetRequired"):
            node.text = "true" if required else "false"

    return call.rewrite(response, edit)


# ------------------------------------------------------------------ user permissions boundary


@rule("PutUserPermissionsBoundary")
def put_user_permissions_boundary(call: Call) -> Response:
    """moto lacks it: store the boundary on moto's user, whose serializer then shows it.

    AWS: "PutUserPermissionsBoundary" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutUserPermissionsBoundary.html
    """
    user = call.backend.get_user(call.require("UserName"))
    arn = call.require("PermissionsBoundary")
    if not call.backend.policy_arn_regex.match(arn):
        raise IamError("InvalidInput", f"ARN {arn} is not valid.")
    if arn not in call.backend.managed_policies:
        raise IamError("NoSuchEntity", f"Policy {arn} does not exist or is not attachable.")
    setattr(
        user,
        BOUNDARY_ATTR,
        {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn},
    )
    return call.respond()


@rule("DeleteUserPermissionsBoundary")
def delete_user_permissions_boundary(call: Call) -> Response:
    """moto lacks it: clear the boundary stored by PutUserPermissionsBoundary.

    AWS: "DeleteUserPermissionsBoundary" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUserPermissionsBoundary.html
    """
    user = call.backend.get_user(call.require("UserName"))
    setattr(user, BOUNDARY_ATTR, None)
    return call.respond()
