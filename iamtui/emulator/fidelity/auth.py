"""Who is calling: the account a request acts on, and the credentials AWS would refuse."""

from __future__ import annotations

import io
import os

from moto.iam.access_control import IAMPolicy, IAMRequest, PermissionResult, create_access_key
from moto.iam.models import get_account_id_from, iam_backends
from moto.sts.models import sts_backends
from werkzeug.datastructures import EnvironHeaders

from iamtui.emulator.fidelity.entities import find_role
from iamtui.emulator.fidelity.registry import (
    AUTHORIZE_EXEMPT,
    Call,
    access_key_id,
    enforcement_active,
)
from iamtui.emulator.fidelity.wire import (
    IamError,
    Response,
    WSGIEnviron,
    error_response,
    json_error,
)
from iamtui.emulator.state import DEFAULT_ACCOUNT_ID, all_extras, extras


def authorize(call: Call) -> None:
    """Apply moto's signature and policy checks to calls a rule answers without moto."""
    role = find_role(call.backend, call.get("RoleName"))
    request = IAMRequest(
        account_id=call.account_id,
        method=call.environ.get("REQUEST_METHOD", "POST"),
        path=call.environ.get("PATH_INFO", "/"),
        data=dict(call.params),
        body=call.body,
        headers=dict(EnvironHeaders(call.environ)),
        action=call.action,
    )
    request.check_signature()
    request.check_action_permitted(role.arn if role is not None else "*")


def caller_may(call: Call, action: str, resource: str) -> bool:
    """Whether the caller's IAM policies allow ``action`` on ``resource`` (explicit deny wins),
    for permissions AWS checks beyond the called action itself (e.g. ``iam:PassRole``)."""
    if not enforcement_active() or any(exempt(call) for exempt in AUTHORIZE_EXEMPT):
        return True
    return principal_may(call.environ, call.account_id, action, resource)


def principal_may(environ: WSGIEnviron, account_id: str, action: str, resource: str) -> bool:
    """Whether the signing principal's IAM policies allow ``action`` (explicit deny wins)."""
    key_id = access_key_id(environ)
    if key_id is None:
        return False
    caller = create_access_key(
        account_id=account_id,
        partition="aws",
        access_key_id=key_id,
        headers=dict(EnvironHeaders(environ)),
    )
    permitted = False
    for document in caller.collect_policies():
        result = IAMPolicy(document).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return False
        permitted = permitted or result == PermissionResult.PERMITTED
    return permitted


def caller_arn_of(call: Call) -> str:
    """The calling principal's ARN, for AccessDenied messages."""
    key_id = access_key_id(call.environ)
    user = call.backend.get_user_from_access_key_id(key_id) if key_id else None
    return str(user.arn) if user is not None else f"arn:aws:iam::{call.account_id}:user/unknown"


def account_for(environ: WSGIEnviron, key_id: str | None) -> str:
    """The emulated account a request acts on, chosen the way moto chooses it."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    header = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
    if header:
        return str(header)
    return get_account_id_from(key_id) if key_id else DEFAULT_ACCOUNT_ID


def key_rejected(key_id: str, account_id: str) -> bool:
    """AWS refuses requests signed with an inactive or deleted access key (moto accepts them)."""
    for _, account in list(iam_backends.items()):
        key = account["aws"].access_keys.get(key_id)
        if key is not None:
            return bool(key.status != "Active")
    return key_id in extras(account_id).deleted_access_keys


def issued_secret(key_id: str) -> str | None:
    """The secret of a key an emulated account issued and has not deleted: a user's key (any
    status: :func:`key_rejected` answers for inactive ones), a root key, or session credentials
    from AssumeRole, AssumeRoot, GetSessionToken or GetFederationToken."""
    for _, account in list(iam_backends.items()):
        key = account["aws"].access_keys.get(key_id)
        if key is not None:
            return str(key.secret_access_key)
    for extra in all_extras():
        with extra.lock:
            session = extra.root_sessions.get(key_id)
            if session is not None:
                return session.secret_access_key
            if key_id in extra.session_keys:
                return extra.session_keys[key_id]
            for root_key in extra.root.keys:
                if root_key.key_id == key_id:
                    return root_key.secret
    for _, backends in list(sts_backends.items()):
        for role in list(backends["aws"].assumed_roles):
            if role.access_key_id == key_id:
                return str(role.secret_access_key)
    return None


def deleted_key(key_id: str) -> bool:
    """Whether an emulated account issued this key and deleted it since."""
    return any(key_id in extra.deleted_access_keys for extra in all_extras())


def unknown_key_response(environ: WSGIEnviron, request_id: str) -> Response:
    """AWS's answer to an access key no account issued, in the protocol the client reads.

    AWS: "Common Errors" (IAM API Reference, InvalidClientTokenId: "The X.509 certificate or
    AWS access key ID provided does not exist in our records", HTTP 403),
    https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
    """
    message = "The security token included in the request is invalid."
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return error_response(IamError("InvalidClientTokenId", message), request_id)
    return json_error(403, "UnrecognizedClientException", message, request_id)


def read_body(environ: WSGIEnviron) -> bytes:
    """The request body, leaving a fresh stream behind for moto."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return bytes(body)
