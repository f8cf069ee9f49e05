"""Who is calling: the account a request acts on, and the credentials AWS would refuse."""

from __future__ import annotations

import io
import os

from moto.iam.access_control import IAMRequest
from moto.iam.models import (
    get_account_id_from,
    iam_backends,
)
from werkzeug.datastructures import EnvironHeaders

from iamtui.emulator.fidelity.entities import (
    find_role,
)
from iamtui.emulator.fidelity.registry import (
    Call,
)
from iamtui.emulator.fidelity.wire import (
    WSGIEnviron,
)
from iamtui.emulator.state import (
    DEFAULT_ACCOUNT_ID,
    extras,
)


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


def read_body(environ: WSGIEnviron) -> bytes:
    """The request body, leaving a fresh stream behind for moto."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return bytes(body)
