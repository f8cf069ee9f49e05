"""Names are case-insensitive in IAM (``OPS-OPERATOR`` is ``ops-operator``), and checked.

moto compares user, role, group and policy names exactly, so it lets both exist and finds
neither by the other's spelling. One hook, run before every IAM call's rule, brings it in line
with AWS: creating (or renaming to) a name another entity holds in another case fails
``EntityAlreadyExists``, and a name or policy ARN in another case is rewritten to the stored
spelling, so Get, Delete and every other call find the entity.

moto also stores any name, path or policy document it is given, control characters included,
and then writes them into XML no parser accepts. AWS refuses them up front with
``ValidationError``: :func:`valid_names` does too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from moto.iam.models import IAMBackend

from iamtui.emulator.fidelity.registry import CALL_HOOKS, Call
from iamtui.emulator.fidelity.wire import IamError, validation_error

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


#: AWS's name pattern (``\w`` is ASCII there: letters, digits, underscore).
NAME = re.compile(r"[\w+=,.@-]+", re.ASCII)
#: A path: ``/``, or ``/`` + printable ASCII + ``/``.
PATH = re.compile(r"/|/[\x21-\x7e]+/")
#: A policy document: tab, line feed, carriage return and the printable Latin-1 characters.
DOCUMENT = re.compile(r"[\t\n\r\x20-\xff]+")
#: Each checked parameter: its pattern, the pattern as AWS words it, and its longest length.
CHECKED: dict[str, tuple[re.Pattern[str], str, int]] = {
    **dict.fromkeys(("UserName", "NewUserName", "RoleName"), (NAME, "[\\w+=,.@-]+", 64)),
    **dict.fromkeys(
        ("GroupName", "NewGroupName", "PolicyName", "InstanceProfileName"),
        (NAME, "[\\w+=,.@-]+", 128),
    ),
    **dict.fromkeys(
        ("Path", "NewPath"), (PATH, "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", 512)
    ),
    **dict.fromkeys(
        ("PolicyDocument", "AssumeRolePolicyDocument"),
        (DOCUMENT, "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", 131072),
    ),
}


def valid_names(call: Call) -> None:
    r"""Names, paths and policy documents must match AWS's patterns and lengths, or the call is
    a ValidationError (moto stored control characters, then wrote XML nobody could read).

    AWS: IAM API Reference, *CreateUser* (UserName: length 1-64, pattern ``[\w+=,.@-]+``; Path:
    ``(\u002f)|(\u002f[\u0021-\u007e]+\u002f)``, 1-512),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html; the same patterns
    on *CreateRole* (RoleName 1-64), *CreateGroup* and *CreatePolicy* (GroupName, PolicyName
    1-128), and *PutUserPolicy* (PolicyDocument: ``[\u0009\u000a\u000d\u0020-\u00ff]+``,
    up to 131,072 characters),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutUserPolicy.html
    """
    for param, (pattern, shown, longest) in CHECKED.items():
        value = call.get(param)
        if value is None:
            continue
        member = param[0].lower() + param[1:]
        if len(value) > longest:
            raise validation_error(
                f"1 validation error detected: Value at '{member}' failed to satisfy "
                f"constraint: Member must have length less than or equal to {longest}"
            )
        if value and not pattern.fullmatch(value):
            raise validation_error(
                f"1 validation error detected: Value at '{member}' failed to satisfy "
                f"constraint: Member must satisfy regular expression pattern: {shown}"
            )


CALL_HOOKS.append(valid_names)
CALL_HOOKS.append(canonical_names)
