"""Names are case-insensitive in IAM: ``OPS-OPERATOR`` is ``ops-operator``.

moto compares user, role, group and policy names exactly, so it lets both exist and finds
neither by the other's spelling. One hook, run before every IAM call's rule, brings it in line
with AWS: creating (or renaming to) a name another entity holds in another case fails
``EntityAlreadyExists``, and a name or policy ARN in another case is rewritten to the stored
spelling, so Get, Delete and every other call find the entity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from moto.iam.models import IAMBackend

from iamtui.emulator.fidelity.registry import CALL_HOOKS, Call
from iamtui.emulator.fidelity.wire import IamError

#: A parameter naming an entity -> the names of that kind stored in an account.
Names = Callable[[IAMBackend], Iterable[str]]
ENTITY_NAMES: dict[str, Names] = {
    "UserName": lambda backend: list(backend.users),
    "RoleName": lambda backend: [role.name for role in list(backend.roles.values())],
    "GroupName": lambda backend: list(backend.groups),
}
#: Create calls: the parameter with the new name, and AWS's conflict message for it.
CREATES: dict[str, tuple[str, str]] = {
    "CreateUser": ("UserName", "User with name {} already exists."),
    "CreateRole": ("RoleName", "Role with name {} already exists."),
    "CreateGroup": ("GroupName", "Group with name {} already exists."),
    "CreatePolicy": (
        "PolicyName",
        "A policy called {} already exists. Duplicate names are not allowed.",
    ),
}
#: Rename calls: (current name parameter, new name parameter, conflict message).
RENAMES: dict[str, tuple[str, str, str]] = {
    "UpdateUser": ("UserName", "NewUserName", "User with name {} already exists."),
    "UpdateGroup": ("GroupName", "NewGroupName", "Group with name {} already exists."),
}


def policy_names(backend: IAMBackend) -> list[str]:
    """The names of the account's own managed policies (policy names are unique per account)."""
    return [
        policy.name
        for arn, policy in list(backend.managed_policies.items())
        if arn.split(":")[4] != "aws"
    ]


def stored(name: str, names: Iterable[str]) -> str | None:
    """The stored spelling of ``name`` when it differs only in case (None: no such entity)."""
    folded = name.casefold()
    return next((n for n in names if n != name and n.casefold() == folded), None)


def exists(name: str, names: Iterable[str]) -> bool:
    """Whether an entity holds ``name`` in any case."""
    folded = name.casefold()
    return any(n.casefold() == folded for n in names)


def canonical_names(call: Call) -> None:
    """IAM does not distinguish names by case: refuse look-alike creates, find look-alike names.

    AWS: "IAM and AWS STS quotas" (IAM User Guide, "Names of users, groups, roles, policies...
    are not distinguished by case"),
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
    """
    backend = call.backend
    if call.action in CREATES:
        param, message = CREATES[call.action]
        name = call.get(param)
        names = policy_names(backend) if param == "PolicyName" else ENTITY_NAMES[param](backend)
        if name and stored(name, names) is not None:
            raise IamError("EntityAlreadyExists", message.format(name))
        return
    params = dict(call.params)
    for param, names_of in ENTITY_NAMES.items():
        name = params.get(param)
        if name:
            names = list(names_of(backend))
            if name not in names:
                params[param] = stored(name, names) or name
    arn = params.get("PolicyArn")
    if arn and arn not in backend.managed_policies:
        params["PolicyArn"] = stored(arn, list(backend.managed_policies)) or arn
    if call.action in RENAMES:
        current, new, message = RENAMES[call.action]
        new_name = params.get(new)
        renamed = new_name and new_name.casefold() != (params.get(current) or "").casefold()
        if new_name and renamed and exists(new_name, ENTITY_NAMES[current](backend)):
            raise IamError("EntityAlreadyExists", message.format(new_name))
    if params != call.params:
        call.replace_params(params)


CALL_HOOKS.append(canonical_names)
