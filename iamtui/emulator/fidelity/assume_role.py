"""sts:AssumeRole as AWS decides it: the role must exist and its trust policy must allow the caller.

moto hands out credentials for any role ARN, even one that does not exist. Accounts of an
emulated organization are reached this way (the credentials act in the role's account), so an
account whose ``OrganizationAccountAccessRole`` is missing must answer AccessDenied, as AWS does.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable
from typing import Any

from moto.iam.access_control import CreateAccessKeyFailure
from moto.iam.models import iam_backends

from iamtui.emulator.fidelity.auth import account_for, principal_may
from iamtui.emulator.fidelity.registry import ROUTES, enforcement_active
from iamtui.emulator.fidelity.root import caller_arn, request_params
from iamtui.emulator.fidelity.wire import IamError, Response, WSGIEnviron, validation_error

#: AssumeRole's RoleArn constraints (STS API Reference "AssumeRole", Request Parameters:
#: RoleArn length 20-2048, pattern [\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF
#: \uE000-\uFFFD\u10000-\u10FFFF]+), https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
ROLE_ARN_PATTERN = re.compile(
    "[\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]{20,2048}"
)
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/(?:.*/)?([^/]+)$")
ASSUMED = re.compile(r"^arn:aws[a-z-]*:sts::(\d{12}):assumed-role/([^/]+)/")


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _allows_action(statement: dict[str, Any]) -> bool:
    actions = [str(a).lower() for a in _listed(statement.get("Action", []))]
    return any(a in ("sts:assumerole", "sts:*", "*") for a in actions)


def _names_caller(principal: Any, account: str, arn: str) -> bool:
    """A trust principal naming the caller: ``*``, its account (id or root ARN), or its ARN."""
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    assumed = ASSUMED.match(arn)
    role_arn = f"arn:aws:iam::{assumed[1]}:role/{assumed[2]}" if assumed else None
    for value in _listed(principal.get("AWS", [])):
        text = str(value)
        if text in ("*", account, f"arn:aws:iam::{account}:root", arn) or text == role_arn:
            return True
    return False


def _external_id_matches(condition: Any, external_id: str | None) -> bool:
    """Only ``sts:ExternalId`` is checked; the emulator evaluates no other trust condition."""
    if not isinstance(condition, dict):
        return True
    for tests in condition.values():
        if not isinstance(tests, dict):
            continue
        for key, values in tests.items():
            if key.lower() == "sts:externalid" and external_id not in _listed(values):
                return False
    return True


def trusts(document: str, account: str, arn: str, external_id: str | None) -> bool:
    """Whether a trust policy allows ``arn`` (of ``account``) to assume the role."""
    try:
        policy = json.loads(urllib.parse.unquote(document or "{}"))
    except ValueError:
        return False
    statements: Iterable[Any] = _listed(policy.get("Statement", []))
    return any(
        isinstance(s, dict)
        and s.get("Effect") == "Allow"
        and _allows_action(s)
        and _names_caller(s.get("Principal"), account, arn)
        and _external_id_matches(s.get("Condition"), external_id)
        for s in statements
    )


def _identity_allows(environ: WSGIEnviron, account: str, role_arn: str) -> bool:
    """Under enforcement, the caller's own policies must allow sts:AssumeRole on the role."""
    if not enforcement_active():
        return True
    try:
        return principal_may(environ, account, "sts:AssumeRole", role_arn)
    except CreateAccessKeyFailure:  # a harness key: no IAM principal behind it
        return True


def route_assume_role(environ: WSGIEnviron, key_id: str, service: str) -> Response | None:
    """AccessDenied unless the role exists and trusts the caller (and, under enforcement, the
    caller's policies allow it); moto then issues the credentials, acting in the role's account.

    AWS: "AssumeRole" (AWS STS API Reference: "the role's trust policy ... must also grant"
    and the identity-based policy of the caller must allow ``sts:AssumeRole``; an ExternalId in
    the trust's condition must be passed), https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
    and "Troubleshooting IAM roles" ("not authorized to perform: sts:AssumeRole" when the role
    does not exist or its trust policy does not name you),
    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_roles.html
    """
    if service != "sts":
        return None
    params = request_params(environ)
    if params.get("Action") != "AssumeRole":
        return None
    role_arn = params.get("RoleArn") or ""
    if not ROLE_ARN_PATTERN.fullmatch(role_arn):
        raise validation_error(
            "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: "
            "Member must have length between 20 and 2048 and match the documented pattern"
        )
    account = account_for(environ, key_id)
    arn = caller_arn(account, key_id)
    denied = IamError(
        "AccessDenied",
        f"User: {arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
        403,
    )
    match = ROLE_ARN.match(role_arn)
    if match is None:
        return None  # moto answers the validation error
    target, name = match[1], match[2]
    role = next(
        (r for r in iam_backends[target]["aws"].roles.values() if r.name.lower() == name.lower()),
        None,
    )
    if role is None or not trusts(
        role.assume_role_policy_document, account, arn, params.get("ExternalId")
    ):
        raise denied
    if not _identity_allows(environ, account, role_arn):
        raise denied
    return None


ROUTES.append(route_assume_role)
