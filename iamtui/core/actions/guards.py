"""Guards every plan passes at build time and again right before it runs.

* read-only mode refuses every action;
* self-lockout: no step may deactivate or delete the access key the session uses, or delete,
  quarantine, or strip permissions from the user or role the session runs as (nor from a group
  that user is in). Disabling the caller's console password is allowed with a warning: the API
  session does not depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from iamtui.core.actions import reads
from iamtui.core.model import CallerIdentity, same_name
from iamtui.core.plan import ApiCall, Plan
from iamtui.core.session import Connection

#: The inline policy name role.quarantine uses.
QUARANTINE_POLICY = "iamtui-quarantine"

#: Operations that remove permissions or existence from the user they name.
_USER_STRIPPING = frozenset(
    {
        "DeleteUser",
        "DetachUserPolicy",
        "DeleteUserPolicy",
        "RemoveUserFromGroup",
        "PutUserPermissionsBoundary",
    }
)
#: Operations that remove permissions from every member of the group they name.
_GROUP_STRIPPING = frozenset({"DetachGroupPolicy", "DeleteGroupPolicy", "DeleteGroup"})
#: Operations that remove permissions or existence from the role they name.
_ROLE_STRIPPING = frozenset(
    {
        "DeleteRole",
        "DeleteServiceLinkedRole",
        "DetachRolePolicy",
        "DeleteRolePolicy",
        "PutRolePermissionsBoundary",
        "UpdateAssumeRolePolicy",
    }
)


class ActionRefused(Exception):
    """An action cannot be planned or run; the message is one line for the operator."""


class ReadOnlyMode(ActionRefused):
    """iamtui runs read-only: no action may be planned or run."""


class UnverifiedUse(ActionRefused):
    """The reviewed data cannot show whether a used key was idle: an explicit override is needed."""


class SelfLockout(ActionRefused):
    """The plan would cut off the credentials or permissions iamtui itself runs with."""


READ_ONLY_MESSAGE = "read-only mode: actions are disabled (restart without --read-only)"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who the session runs as, with the groups of its IAM user (their loss strips it too)."""

    identity: CallerIdentity
    groups: frozenset[str] = frozenset()

    @property
    def arn(self) -> str:
        """The caller's ARN."""
        return self.identity.arn


def load_caller(conn: Connection) -> Caller:
    """Ask STS who we are now (the key in use comes from the connection)."""
    ident = conn.sts.get_caller_identity()
    identity = CallerIdentity(
        account=ident["Account"],
        arn=ident["Arn"],
        user_id=ident["UserId"],
        access_key_id=conn.access_key_id,
    )
    return caller_from(conn.iam, identity)


def caller_from(iam: Any, identity: CallerIdentity) -> Caller:
    """Attach the caller user's groups (none for roles and root)."""
    groups: frozenset[str] = frozenset()
    if identity.user_name:
        try:
            groups = frozenset(reads.user_groups(iam, identity.user_name))
        except ClientError as exc:
            if not reads.missing(exc):
                raise
    return Caller(identity, groups)


def lockout(call: ApiCall, caller: Caller) -> str | None:
    """Why this call would lock the session out, or None."""
    p = call.params
    ident = caller.identity
    op = call.operation
    key = ident.access_key_id
    cuts_key = op == "DeleteAccessKey" or (op == "UpdateAccessKey" and p.get("Status") != "Active")
    if key and p.get("AccessKeyId") == key and cuts_key:
        return (
            f"access key {key} is the one this iamtui session uses: "
            "switch to other credentials first"
        )
    user = ident.user_name
    if user and same_name(p.get("UserName"), user) and op in _USER_STRIPPING:
        return (
            f"user {user} is who this iamtui session runs as ({ident.arn}): "
            "act on it from other credentials"
        )
    group = p.get("GroupName")
    if group and any(same_name(group, g) for g in caller.groups) and op in _GROUP_STRIPPING:
        return (
            f"group {group} holds user {user}, who this iamtui session runs as: "
            "changing its permissions could lock the session out"
        )
    role = ident.role_name
    if role and same_name(p.get("RoleName"), role):
        quarantine = op == "PutRolePolicy" and p.get("PolicyName") == QUARANTINE_POLICY
        if op in _ROLE_STRIPPING or quarantine:
            return (
                f"role {role} is the role this iamtui session runs as ({ident.arn}): "
                "act on it from other credentials"
            )
    return None


def check_lockout(plan: Plan, caller: Caller) -> None:
    """Raise SelfLockout naming the first step that would cut the session off."""
    found = [
        (index, reason)
        for index, step in enumerate(plan.steps)
        if (reason := lockout(step.call, caller)) is not None
    ]
    if found:
        # Name the principal when the plan strips it, rather than one of its keys.
        index, reason = next(((i, r) for i, r in found if not r.startswith("access key")), found[0])
        prefix = f"step {index + 1}: " if len(plan.steps) > 1 else ""
        raise SelfLockout(f"refused: {prefix}{reason}")
