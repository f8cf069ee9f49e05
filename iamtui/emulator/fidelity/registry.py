"""One IAM call as rules see it, and the registry that maps IAM actions to their rule."""

from __future__ import annotations

import io
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from moto import settings as moto_settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import CreateAccessKeyFailure, create_access_key
from moto.iam.models import IAMBackend, iam_backends
from werkzeug.datastructures import EnvironHeaders

from iamtui.emulator.fidelity.wire import (
    Fragment,
    Response,
    WSGIApp,
    WSGIEnviron,
    fragment,
    parse_result,
    result_document,
    to_xml,
    validation_error,
    xml_response,
)
from iamtui.emulator.state import AccountExtras, extras

# -------------------------------------------------------------------------------------- a call


def run_wsgi(app: WSGIApp, environ: WSGIEnviron) -> Response:
    """Call a WSGI app and collect its whole answer."""
    captured: dict[str, Any] = {}
    chunks: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = int(status.split()[0])
        captured["headers"] = tuple(headers)
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return Response(captured["status"], b"".join(chunks), captured["headers"])


@dataclass
class Call:
    """One IAM request as the rules see it: parsed parameters plus a way to ask moto."""

    action: str
    params: dict[str, str]
    account_id: str
    environ: WSGIEnviron
    body: bytes
    app: WSGIApp
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    forwarded: bool = False

    @property
    def backend(self) -> IAMBackend:
        """moto's IAM state for the calling account."""
        return iam_backends[self.account_id]["aws"]

    @property
    def extras(self) -> AccountExtras:
        """iamtui's extra state for the calling account."""
        return extras(self.account_id)

    @property
    def now(self) -> datetime:
        """The account's clock (tests may freeze it)."""
        return self.extras.now()

    def get(self, name: str, default: str | None = None) -> str | None:
        """One request parameter."""
        return self.params.get(name, default)

    def require(self, name: str) -> str:
        """A required parameter; botocore checks this client-side, raw callers may not."""
        value = self.params.get(name)
        if not value:
            field_name = name[0].lower() + name[1:]
            raise validation_error(
                f"1 validation error detected: Value null at '{field_name}' failed to "
                "satisfy constraint: Member must not be null"
            )
        return value

    def members(self, name: str) -> list[str]:
        """A list parameter sent as ``Name.member.1``, ``Name.member.2``..."""
        prefix = f"{name}.member."
        numbered = [
            (int(k[len(prefix) :]), v) for k, v in self.params.items() if k.startswith(prefix)
        ]
        return [value for _, value in sorted(numbered)]

    def flag(self, name: str) -> bool:
        """A boolean parameter."""
        return (self.params.get(name) or "").lower() == "true"

    def forward(self, params: Mapping[str, str] | None = None) -> Response:
        """Ask moto: the original request, or the same call with other parameters."""
        self.forwarded = True
        environ = dict(self.environ)
        body = self.body if params is None else urlencode(dict(params)).encode()
        if params is not None and enforcement_active():
            resign(environ, body, self.account_id)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return run_wsgi(self.app, environ)

    def replace_params(self, params: Mapping[str, str]) -> None:
        """Make the call carry other parameters (as if the client had sent them) for the rule,
        the permission checks and moto alike."""
        self.params = dict(params)
        self.body = urlencode(self.params).encode()
        if enforcement_active():
            resign(self.environ, self.body, self.account_id)

    def respond(self, result: object = None) -> Response:
        """Answer with a result: plain data (see :func:`to_xml`), XML text, or None for none."""
        result_xml = None if result is None else to_xml(result)
        return xml_response(
            200, result_document(self.action, result_xml, self.request_id), self.request_id
        )

    def rewrite(self, response: Response, edit: Callable[[ET.Element], None]) -> Response:
        """Re-emit a successful moto answer after editing its result element."""
        if not response.ok:
            return response
        result = parse_result(response.body)
        edit(result)
        return self.respond(Fragment("".join(fragment(child) for child in result)))


# ------------------------------------------------------------------------------------ registry

Handler = Callable[[Call], Response]
#: IAM action -> the rule that answers it; actions not listed go to moto unchanged.
RULES: dict[str, Handler] = {}


def rule(*actions: str) -> Callable[[Handler], Handler]:
    """Register a handler for IAM actions (one handler per action, composed explicitly)."""

    def register(handler: Handler) -> Handler:
        for action in actions:
            if action in RULES:
                raise RuntimeError(f"two fidelity rules for {action}")
            RULES[action] = handler
        return handler

    return register


#: Hooks run on every signed request, any service, before it is routed: one may point it at
#: another account (set ``HTTP_X_MOTO_ACCOUNT_ID``), refuse it (raise IamError) or answer it.
Route = Callable[[WSGIEnviron, str, str], Response | None]
ROUTES: list[Route] = []
#: Hooks run on every IAM call before its rule (or moto): one may rewrite the call's
#: parameters (:meth:`Call.replace_params`) or refuse it (raise IamError).
CallHook = Callable[[Call], None]
CALL_HOOKS: list[CallHook] = []
#: Tests saying a rule-answered call is not subject to IAM policies (root: AWS applies none).
AUTHORIZE_EXEMPT: list[Callable[[Call], bool]] = []


def enforcement_active() -> bool:
    """Whether moto checks signatures and IAM policies (``POST /moto-api/reset-auth``)."""
    return bool(
        ActionAuthenticatorMixin.request_count >= moto_settings.INITIAL_NO_AUTH_ACTION_COUNT
    )


AUTH_SCOPE = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")


def credential_scope(environ: WSGIEnviron) -> tuple[str, str, str] | None:
    """(access key id, region, service) from a SigV4 Authorization header."""
    match = AUTH_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (match.group(1), match.group(2), match.group(3)) if match else None


def access_key_id(environ: WSGIEnviron) -> str | None:
    """The access key that signed the request."""
    scope = credential_scope(environ)
    return scope[0] if scope else None


def resign(environ: WSGIEnviron, body: bytes, account_id: str) -> None:
    """Sign a rewritten request again with the caller's key, so moto's signature check passes."""
    scope = credential_scope(environ)
    if scope is None:
        return
    key_id, region, service = scope
    try:
        key = create_access_key(
            account_id=account_id,
            partition="aws",
            access_key_id=key_id,
            headers=dict(EnvironHeaders(environ)),
        )
    except CreateAccessKeyFailure:  # not a moto key (root): moto's own check answers for it
        return
    host = environ.get("HTTP_HOST", "localhost")
    request = AWSRequest(
        method=environ.get("REQUEST_METHOD", "POST"),
        url=f"http://{host}{environ.get('PATH_INFO', '/')}",
        data=body,
        headers={"Content-Type": environ.get("CONTENT_TYPE", ""), "Host": host},
    )
    SigV4Auth(key.create_credentials(), service, region).add_auth(request)
    environ["HTTP_AUTHORIZATION"] = request.headers["Authorization"]
    environ["HTTP_X_AMZ_DATE"] = request.headers["X-Amz-Date"]
