"""Requests signed as root: root keys, AssumeRoot sessions and what they may do."""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from urllib.parse import parse_qsl

from moto.iam.access_control import IAMPolicy, IAMRequest, PermissionResult, create_access_key
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.sts.models import sts_backends
from werkzeug.datastructures import EnvironHeaders

from iamtui.emulator.fidelity.auth import account_for, read_body
from iamtui.emulator.fidelity.credentials import check_status
from iamtui.emulator.fidelity.organizations import ROOT_SESSIONS
from iamtui.emulator.fidelity.paging import Listing, serve_pages
from iamtui.emulator.fidelity.registry import (
    AUTHORIZE_EXEMPT,
    ROUTES,
    RULES,
    Call,
    Handler,
    access_key_id,
    credential_scope,
    enforcement_active,
    rule,
)
from iamtui.emulator.fidelity.wire import (
    IamError,
    Response,
    WSGIEnviron,
    to_xml,
    validation_error,
    xml_response,
)
from iamtui.emulator.state import (
    AccountExtras,
    RootKey,
    RootSession,
    all_extras,
    extras,
    new_key_id,
    new_secret,
)

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
TASK_POLICY_PREFIX = "arn:aws:iam::aws:policy/root-task/"
#: The task policies AssumeRoot accepts (AWS-managed, under ``policy/root-task/``).
TASK_POLICIES = frozenset(
    TASK_POLICY_PREFIX + name
    for name in (
        "IAMAuditRootUserCredentials",
        "IAMCreateRootUserPassword",
        "IAMDeleteRootUserCredentials",
        "S3UnlockBucketPolicy",
        "SQSUnlockQueuePolicy",
    )
)
MAX_ROOT_SESSION_SECONDS = 900
#: Calls that act on the signing principal when ``UserName`` is absent; root's are not modelled
#: here beyond :data:`ROOT_HANDLERS`, so they fail clearly instead of crashing moto.
CALLER_SCOPED = frozenset(
    {
        "CreateAccessKey",
        "GetLoginProfile",
        "DeleteLoginProfile",
        "DeactivateMFADevice",
        "ListSigningCertificates",
        "DeleteSigningCertificate",
        "ListSSHPublicKeys",
    }
)
_TARGET = re.compile(r"^(?:(\d{12})|arn:aws[a-z-]*:iam::(\d{12}):root)$")


# ------------------------------------------------------------------------- who is root here


@dataclass(frozen=True, slots=True)
class RootCaller:
    """A request signed as root: with one of root's keys or an AssumeRoot session."""

    account_id: str
    key: RootKey | None = None
    session: RootSession | None = None

    @property
    def arn(self) -> str:
        """Root's ARN in its account."""
        return f"arn:aws:iam::{self.account_id}:root"


def find_root_caller(key_id: str) -> RootCaller | None:
    """Whose root, if the signing key is a root key or a root session, across accounts."""
    for account in all_extras():
        with account.lock:
            session = account.root_sessions.get(key_id)
            if session is not None:
                return RootCaller(account.account_id, session=session)
            for key in account.root.keys:
                if key.key_id == key_id:
                    return RootCaller(account.account_id, key=key)
    return None


def request_params(environ: WSGIEnviron) -> dict[str, str]:
    """Query-protocol parameters (query string and form body), leaving the body for moto."""
    params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        params |= dict(parse_qsl(read_body(environ).decode(errors="replace")))
    return params


@cache
def task_policy_actions(arn: str) -> frozenset[str]:
    """IAM actions a task policy leaves open (its Deny-NotAction list), lower case."""
    name = arn.removeprefix(TASK_POLICY_PREFIX)
    document = json.loads(aws_managed_policies_data).get(name, {}).get("Document", {})
    for statement in document.get("Statement", ()):
        if statement.get("Effect") == "Deny" and "NotAction" in statement:
            return frozenset(str(a).lower() for a in statement["NotAction"])
    return frozenset()


def invalid_token() -> IamError:
    """AWS's answer to a request signed with an inactive or deleted key."""
    return IamError(
        "InvalidClientTokenId", "The security token included in the request is invalid."
    )


def route_root(environ: WSGIEnviron, key_id: str, service: str) -> Response | None:
    """Root keys and root sessions reach their own account, as root, within their limits.

    AWS: "AssumeRoot" (AWS STS API Reference),
    https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html
    """
    caller = find_root_caller(key_id)
    if caller is None:
        if any(key_id in account.deleted_access_keys for account in all_extras()):
            raise invalid_token()
        if service == "sts" and request_params(environ).get("Action") == "AssumeRoot":
            return assume_root(environ, key_id)
        return None
    environ["HTTP_X_MOTO_ACCOUNT_ID"] = caller.account_id
    account = extras(caller.account_id)
    now = account.now()
    if caller.key is not None:
        if not caller.key.active:
            raise invalid_token()
        scope = credential_scope(environ)
        with account.lock:
            caller.key.last_used = now
            caller.key.last_used_service = service
            caller.key.last_used_region = scope[1] if scope else "us-east-1"
    if caller.session is not None and now >= caller.session.expiration:
        raise IamError("ExpiredToken", "The security token included in the request is expired", 403)
    if service == "sts":
        return root_sts_call(environ, caller)
    if service == "iam" and caller.session is not None:
        check_task_policy(request_params(environ), caller)
    return None


def check_task_policy(params: Mapping[str, str], caller: RootCaller) -> None:
    """A root session may only do what its task policy allows, and only to root itself.

    AWS: "Perform a privileged task on an AWS Organizations member account" (IAM User Guide,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user-privileged-task.html) and the
    task policies of "AssumeRoot" (STS API Reference).
    """
    assert caller.session is not None
    action = params.get("Action", "")
    allowed = task_policy_actions(caller.session.task_policy_arn)
    if action.lower() not in {a.removeprefix("iam:") for a in allowed} or params.get("UserName"):
        target = params.get("UserName")
        resource = f"arn:aws:iam::{caller.account_id}:" + (f"user/{target}" if target else "root")
        raise IamError(
            "AccessDenied",
            f"User: {caller.arn} is not authorized to perform: iam:{action} on resource: "
            f"{resource} with an explicit deny in a session policy",
            403,
        )


def sts_response(action: str, result: object) -> Response:
    """An STS query-protocol answer."""
    request_id = str(uuid.uuid4())
    body = (
        f'<{action}Response xmlns="{STS_NS}"><{action}Result>{to_xml(result)}</{action}Result>'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )
    return xml_response(200, body, request_id)


def root_sts_call(environ: WSGIEnviron, caller: RootCaller) -> Response | None:
    """GetCallerIdentity names root; root may not call AssumeRoot; the rest goes to moto.

    AWS: "AssumeRoot" (STS API Reference: "You must use ... credentials of an IAM principal"
    in the management account or delegated administrator, not root's),
    https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html; GetCallerIdentity
    of root returns the account's root ARN,
    https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html.
    """
    action = request_params(environ).get("Action")
    if action == "GetCallerIdentity":
        return sts_response(
            action,
            {"UserId": caller.account_id, "Account": caller.account_id, "Arn": caller.arn},
        )
    if action == "AssumeRoot":
        raise IamError(
            "AccessDenied", "You cannot use root user credentials to call sts:AssumeRoot.", 403
        )
    return None


# ---------------------------------------------------------------------------------- AssumeRoot


def caller_arn(account_id: str, key_id: str) -> str:
    """The calling IAM user or assumed role, as moto's STS names it."""
    _, arn, _ = sts_backends[account_id]["aws"].get_caller_identity(key_id, "us-east-1")
    return str(arn)


def session_duration(raw: str | None) -> int:
    """DurationSeconds: 0..900, default 900."""
    if raw is None or raw == "":
        return MAX_ROOT_SESSION_SECONDS
    try:
        value = int(raw)
    except ValueError:
        raise validation_error(f"Invalid value for DurationSeconds: {raw}") from None
    if not 0 <= value <= MAX_ROOT_SESSION_SECONDS:
        raise validation_error(
            f"1 validation error detected: Value '{value}' at 'durationSeconds' failed to "
            f"satisfy constraint: Member must have value less than or equal to "
            f"{MAX_ROOT_SESSION_SECONDS}"
        )
    return value


def assume_root(environ: WSGIEnviron, key_id: str) -> Response:
    """Root of a member account for <= 900 s, for the org's management account or delegate.

    AWS: "AssumeRoot" (AWS STS API Reference,
    https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html): TargetPrincipal is
    a member account, TaskPolicyArn one of the root task policies, DurationSeconds at most 900,
    called by the management account or the IAM delegated administrator with root sessions
    enabled ("Centralize root access for member accounts", IAM User Guide,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html). The
    AccessDenied texts' parenthesised reasons are this emulator's: AWS documents the error, not
    its wording.
    """
    params = request_params(environ)
    target = params.get("TargetPrincipal") or ""
    match = _TARGET.match(target)
    if match is None:
        raise validation_error(
            f"TargetPrincipal {target!r} must be a member account id or its root user ARN."
        )
    member = match.group(1) or match.group(2)
    policy = params.get("TaskPolicyArn.arn") or ""
    if policy not in TASK_POLICIES:
        raise validation_error(f"TaskPolicyArn {policy!r} is not a root task policy.")
    duration = session_duration(params.get("DurationSeconds"))
    account_id = account_for(environ, key_id)
    principal = caller_arn(account_id, key_id)
    org = extras(account_id).organization
    denied = f"User: {principal} is not authorized to perform: sts:AssumeRoot on resource: " + (
        f"arn:aws:iam::{member}:root"
    )
    if org is None or account_id not in (org.management_account_id, org.iam_delegated_admin):
        raise IamError("AccessDenied", denied, 403)
    if ROOT_SESSIONS not in org.root_features:
        raise IamError("AccessDenied", f"{denied} (centralized root sessions are not enabled)", 403)
    if member not in org.member_account_ids:
        raise IamError(
            "AccessDenied", f"{denied} (not a member account of {org.organization_id})", 403
        )
    if enforcement_active():
        authorize_assume_root(environ, account_id, key_id, member, policy, denied)
    target_account = extras(member)
    session = RootSession(
        access_key_id=new_key_id("ASIA"),
        secret_access_key=new_secret(),
        session_token=secrets.token_urlsafe(96),
        account_id=member,
        task_policy_arn=policy,
        expiration=target_account.now() + timedelta(seconds=duration),
        issued_to=principal,
    )
    with target_account.lock:
        target_account.root_sessions[session.access_key_id] = session
    return sts_response(
        "AssumeRoot",
        {
            "Credentials": {
                "AccessKeyId": session.access_key_id,
                "SecretAccessKey": session.secret_access_key,
                "SessionToken": session.session_token,
                "Expiration": session.expiration,
            },
            "SourceIdentity": None,
        },
    )


ROUTES.append(route_root)


def authorize_assume_root(
    environ: WSGIEnviron, account_id: str, key_id: str, member: str, policy: str, denied: str
) -> None:
    """AWS: "Actions, resources, and condition keys for AWS STS" (Service Authorization
    Reference: sts:AssumeRoot, condition key sts:TaskPolicyArn),
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html.

    Under moto's permission checks, the caller's policies must allow sts:AssumeRoot on the
    member's root, with sts:TaskPolicyArn set to the task policy asked for (as AWS checks it)."""
    headers = dict(EnvironHeaders(environ))
    request = IAMRequest(
        account_id=account_id,
        method=environ.get("REQUEST_METHOD", "POST"),
        path=environ.get("PATH_INFO", "/"),
        data=request_params(environ),
        body=read_body(environ),
        headers=headers,
        action="AssumeRoot",
    )
    request.check_signature()
    caller = create_access_key(
        account_id=account_id, partition="aws", access_key_id=key_id, headers=headers
    )
    resource = f"arn:aws:iam::{member}:root"
    permitted = False
    for document in caller.collect_policies():
        result = IAMPolicy(document).is_action_permitted(
            "sts:AssumeRoot", resource, incoming_condition_values={"sts:TaskPolicyArn": policy}
        )
        if result == PermissionResult.DENIED:
            raise IamError("AccessDenied", denied, 403)
        permitted = permitted or result == PermissionResult.PERMITTED
    if not permitted:
        raise IamError("AccessDenied", denied, 403)


def root_signed(call: Call) -> bool:
    """AWS applies no IAM policy to root; root sessions are held to their task policy above."""
    key_id = access_key_id(call.environ)
    return key_id is not None and find_root_caller(key_id) is not None


AUTHORIZE_EXEMPT.append(root_signed)


# ----------------------------------------------------------------------------- root's own keys


def root_caller_of(call: Call) -> RootCaller | None:
    """The root caller of an IAM call that names no user, else None (IAM infers the user)."""
    scope = credential_scope(call.environ)
    if call.get("UserName") or scope is None:
        return None
    return find_root_caller(scope[0])


def root_key(account: AccountExtras, key_id: str) -> RootKey:
    """One of root's keys by id."""
    for key in account.root.keys:
        if key.key_id == key_id:
            return key
    raise IamError("NoSuchEntity", f"The Access Key with id {key_id} cannot be found.")


def key_metadata(key: RootKey) -> dict[str, object]:
    """AccessKeyMetadata for a root key: root has no user name."""
    return {
        "AccessKeyId": key.key_id,
        "Status": "Active" if key.active else "Inactive",
        "CreateDate": key.last_rotated,
    }


def list_root_keys(call: Call) -> Response:
    """ListAccessKeys as root with no UserName lists root's own keys."""
    rows = [key_metadata(k) for k in sorted(call.extras.root.keys, key=lambda k: k.last_rotated)]
    return serve_pages(
        call,
        lambda: Listing.from_data({"AccessKeyMetadata": rows}, ("AccessKeyMetadata",)),
        cache=False,
    )


def update_root_key(call: Call) -> Response:
    """UpdateAccessKey as root: deactivate (or reactivate) one of root's keys."""
    status = call.require("Status")
    check_status(status)
    account = call.extras
    with account.lock:
        root_key(account, call.require("AccessKeyId")).active = status == "Active"
    return call.respond()


def delete_root_key(call: Call) -> Response:
    """DeleteAccessKey as root: the key is gone, and requests signed with it fail."""
    account = call.extras
    with account.lock:
        key = root_key(account, call.require("AccessKeyId"))
        account.root.keys.remove(key)
        account.deleted_access_keys.add(key.key_id)
    return call.respond()


def get_root_user(call: Call) -> Response:
    """GetUser as root with no UserName describes root: account id as UserId, root's ARN.

    AWS: "GetUser" (IAM API Reference: without UserName, IAM determines the user from the
    signing access key), https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetUser.html
    """
    root = call.extras.root
    return call.respond(
        {
            "User": {
                "UserId": call.account_id,
                "Arn": f"arn:aws:iam::{call.account_id}:root",
                "CreateDate": root.created,
                "PasswordLastUsed": root.password_last_used,
            }
        }
    )


def list_root_mfa_devices(call: Call) -> Response:
    """ListMFADevices as root with no UserName lists root's own MFA device (none, or one).

    AWS: "ListMFADevices" (IAM API Reference: without UserName, IAM determines the user from
    the signing access key),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListMFADevices.html
    """
    root = call.extras.root
    rows: list[dict[str, object]] = []
    if root.mfa_enabled:
        serial = root.mfa_virtual_serial or f"GAHT{call.account_id[:8]}"
        rows.append({"SerialNumber": serial, "EnableDate": root.mfa_enable_date or root.created})
    return serve_pages(
        call, lambda: Listing.from_data({"MFADevices": rows}, ("MFADevices",)), cache=False
    )


ROOT_HANDLERS: Mapping[str, Handler] = {
    "GetUser": get_root_user,
    "ListMFADevices": list_root_mfa_devices,
    "ListAccessKeys": list_root_keys,
    "UpdateAccessKey": update_root_key,
    "DeleteAccessKey": delete_root_key,
}


def acting_as_root(action: str, fallback: Handler | None) -> Handler:
    """Compose with the action's existing rule: root callers naming no user get root's keys.

    AWS: "ListAccessKeys" (IAM API Reference: with no UserName, IAM uses the signing key's
    user, root included),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListAccessKeys.html
    """

    def handler(call: Call) -> Response:
        if root_caller_of(call) is not None:
            if action in ROOT_HANDLERS:
                return ROOT_HANDLERS[action](call)
            raise IamError(
                "NotImplemented",
                f"the emulator does not model root's iam:{action} without UserName",
            )
        return fallback(call) if fallback is not None else call.forward()

    handler.__doc__ = fallback.__doc__ if fallback is not None else acting_as_root.__doc__
    return handler


for _action in (*ROOT_HANDLERS, *CALLER_SCOPED):
    RULES[_action] = acting_as_root(_action, RULES.get(_action))


@rule("GetAccessKeyLastUsed")
def get_access_key_last_used(call: Call) -> Response:
    """Root's keys are tracked too (moto only knows IAM users' keys).

    AWS: "GetAccessKeyLastUsed" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccessKeyLastUsed.html
    """
    key_id = call.require("AccessKeyId")
    key = next((k for k in call.extras.root.keys if k.key_id == key_id), None)
    if key is None:
        return call.forward()
    used: dict[str, object] = {
        "LastUsedDate": key.last_used,
        "ServiceName": (key.last_used_service if key.last_used else None) or "N/A",
        "Region": (key.last_used_region if key.last_used else None) or "N/A",
    }
    return call.respond({"AccessKeyLastUsed": used})


def give_root_key(account_id: str, created: datetime) -> RootKey:
    """Give root one more active key (tests): it carries the id and secret to sign with."""
    key = RootKey(active=True, last_rotated=created)
    account = extras(account_id)
    with account.lock:
        account.root.keys.append(key)
    return key
