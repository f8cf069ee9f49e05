"""The WSGI middleware: IAM calls go through the registered rules, the rest to moto."""

from __future__ import annotations

import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from moto.backends import list_of_moto_modules
from moto.core.exceptions import ServiceException
from moto.iam.models import mark_account_as_visited
from werkzeug.exceptions import HTTPException

from iamtui.emulator.fidelity.auth import (
    account_for,
    authorize,
    issued_secret,
    key_rejected,
    read_body,
    unknown_key_response,
)
from iamtui.emulator.fidelity.control import is_control_request
from iamtui.emulator.fidelity.paging import PAGES
from iamtui.emulator.fidelity.registry import (
    AUTHORIZE_EXEMPT,
    CALL_HOOKS,
    ROUTES,
    RULES,
    Call,
    access_key_id,
    credential_scope,
    enforcement_active,
    run_wsgi,
)
from iamtui.emulator.fidelity.signature import signature_error, signature_problem
from iamtui.emulator.fidelity.wire import (
    IamError,
    Response,
    StartResponse,
    WSGIApp,
    WSGIEnviron,
    error_response,
    json_error,
    xml_response,
)
from iamtui.emulator.state import extras


def unknown_service_response(service: str, environ: WSGIEnviron, request_id: str) -> Response:
    """A clean NotImplemented error for a service moto lacks, in the protocol the client reads."""
    message = f"The emulator has no {service} service."
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return error_response(IamError("NotImplemented", message), request_id)
    return json_error(501, "NotImplemented", message, request_id)


#: Services whose clients read JSON errors, which moto's permission checks answer in XML.
JSON_SERVICES = frozenset({"account", "organizations"})
#: The codes those services use for moto's authentication and authorization errors.
JSON_ERROR_CODES = {
    "AccessDenied": "AccessDeniedException",
    "InvalidClientTokenId": "UnrecognizedClientException",
    "SignatureDoesNotMatch": "InvalidSignatureException",
}


def json_error_answer(response: Response, request_id: str) -> Response:
    """moto's XML permission errors as the JSON errors AWS's rest-json services send."""
    if response.ok or not response.body.lstrip().startswith(b"<"):
        return response
    try:
        root = ET.fromstring(response.body)
    except ET.ParseError:
        return response
    code = next((e.text for e in root.iter() if e.tag.endswith("Code")), None) or ""
    message = next((e.text for e in root.iter() if e.tag.endswith("Message")), None) or ""
    if code not in JSON_ERROR_CODES:
        return response
    return json_error(response.status, JSON_ERROR_CODES[code], message, request_id)


#: STS calls whose answer is credentials that then sign requests.
SESSION_TOKEN_ACTIONS = frozenset({"GetSessionToken", "GetFederationToken"})
#: STS calls AWS serves unsigned: the web identity or SAML token is the credential.
UNSIGNED_ACTIONS = frozenset({"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})


def query_params(environ: WSGIEnviron, body: bytes) -> dict[str, str]:
    """Query-protocol parameters from the query string and a form body."""
    params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        params |= dict(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))
    return params


def send(response: Response, start_response: StartResponse) -> list[bytes]:
    """Send a collected answer through WSGI."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    start_response(f"{response.status} {reason}", list(response.headers))
    return [response.body]


class FidelityMiddleware:
    """WSGI middleware: IAM calls go through :data:`RULES`, the rest straight to moto."""

    def __init__(self, app: Any, *, trusted_keys: Mapping[str, str] | None = None) -> None:
        self.app: WSGIApp = app
        #: Access key id -> secret of keys accepted without an account issuing them (the test
        #: harness's dummy); their signatures are verified with that secret like any other.
        self.trusted_keys = dict(trusted_keys or {})
        #: moto's DomainDispatcherApplication, asked which services moto serves.
        self.dispatcher = app
        self._lock = threading.RLock()
        self._served: dict[str, bool] = {}

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        """Route one request."""
        request_id = str(uuid.uuid4())
        try:
            response = self.handle(environ, request_id)
        except IamError as error:
            response = error_response(error, request_id)
        if response is None:
            return self.app(environ, start_response)
        return send(response, start_response)

    def handle(self, environ: WSGIEnviron, request_id: str) -> Response | None:
        """A finished answer, or None to let moto answer directly.

        AWS: "Signature Version 4 signing process" and "Common Errors" (InvalidClientTokenId,
        SignatureDoesNotMatch, MissingAuthenticationToken: HTTP 403),
        https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html and
        https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html: a request is
        served only when signed with a key an account issued (or a harness key), and its
        signature verifies with that key's secret. Control requests (``/moto-api``) reach
        here only when the emulator's control API is on (:mod:`.control` refuses them else).
        """
        if is_control_request(environ):
            return None
        scope = credential_scope(environ)
        if scope is None:
            return self.unsigned(environ, request_id)
        key_id, region, service = scope
        secrets = [s for s in (self.trusted_keys.get(key_id), issued_secret(key_id)) if s]
        if not secrets:
            return unknown_key_response(environ, request_id)
        body = read_body(environ)
        problems = [signature_problem(environ, body, secret) for secret in secrets]
        if None not in problems:
            return signature_error(environ, request_id, "SignatureDoesNotMatch", problems[0] or "")
        for route in ROUTES:
            if (answer := route(environ, key_id, service)) is not None:
                return answer
        if service not in ("iam", "sts"):
            if not self.moto_serves(service, environ):
                return unknown_service_response(service, environ, request_id)
            if service in JSON_SERVICES and enforcement_active():
                return json_error_answer(run_wsgi(self.app, environ), request_id)
            return None
        account_id = account_for(environ, key_id)
        if key_rejected(key_id, account_id):
            raise IamError(
                "InvalidClientTokenId", "The security token included in the request is invalid."
            )
        body = read_body(environ)
        params = query_params(environ, body)
        action = params.get("Action")
        if service == "sts" and action in SESSION_TOKEN_ACTIONS:
            return self.issue_session_token(environ, account_id)
        if service != "iam":
            return None
        if not action:
            return None
        call = Call(action, params, account_id, environ, body, self.app, request_id)
        with self._lock:
            return self.dispatch(call, region)

    def unsigned(self, environ: WSGIEnviron, request_id: str) -> Response | None:
        """AWS refuses a request that carries no signature, except the STS calls whose token
        is the credential (AssumeRoleWithWebIdentity, AssumeRoleWithSAML).

        AWS: "Common Errors" (IAM API Reference, MissingAuthenticationToken: "The request must
        contain either a valid (registered) AWS access key ID or X.509 certificate", HTTP 403),
        https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
        """
        if query_params(environ, read_body(environ)).get("Action") in UNSIGNED_ACTIONS:
            return None
        return signature_error(
            environ,
            request_id,
            "MissingAuthenticationToken",
            "The request must contain either a valid (registered) AWS access key ID or X.509 "
            "certificate.",
        )

    def issue_session_token(self, environ: WSGIEnviron, account_id: str) -> Response:
        """Remember the credentials GetSessionToken / GetFederationToken issued, so they sign
        later requests like any issued key (moto answers them all with one fixed key).

        AWS: "GetSessionToken" (AWS STS API Reference: the returned credentials are used to
        sign calls), https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
        """
        response = run_wsgi(self.app, environ)
        if response.ok:
            root = ET.fromstring(response.body)
            key_id = next((e.text for e in root.iter() if e.tag.endswith("AccessKeyId")), None)
            secret = next((e.text for e in root.iter() if e.tag.endswith("SecretAccessKey")), None)
            if key_id and secret:
                account = extras(account_id)
                with account.lock:
                    account.session_keys[key_id] = secret
        return response

    def dispatch(self, call: Call, region: str) -> Response:
        """Run the action's rule (or moto), turning every failure into an IAM error answer."""
        handler = RULES.get(call.action)
        try:
            for hook in CALL_HOOKS:
                hook(call)
            if handler is None:
                return call.forward()
            if enforcement_active() and not any(exempt(call) for exempt in AUTHORIZE_EXEMPT):
                authorize(call)
            response = handler(call)
            if not call.forwarded:
                key_id = access_key_id(call.environ)
                if key_id:
                    mark_account_as_visited(call.account_id, key_id, "iam", region)
            return response
        except IamError as error:
            return error_response(error, call.request_id)
        except ServiceException as error:
            message = str(getattr(error, "message", "") or error)
            return error_response(IamError(error.code, message), call.request_id)
        except HTTPException as error:
            body = error.get_body()
            return xml_response(error.code or 500, body, call.request_id)
        except NotImplementedError as error:
            return error_response(
                IamError("NotImplemented", f"moto does not implement iam:{call.action} ({error})"),
                call.request_id,
            )
        except Exception as error:  # a moto crash must reach the client as a server error
            return error_response(
                IamError("ServiceFailure", f"moto failed on iam:{call.action}: {error!r}"),
                call.request_id,
            )

    def moto_serves(self, service: str, environ: WSGIEnviron) -> bool:
        """Whether moto has a backend for a signed request's service (else it prints to stdout)."""
        if service not in self._served:
            try:
                host = self.dispatcher.infer_service_region_host(
                    environ, environ.get("PATH_INFO", "")
                )
            except Exception:  # moto's guesswork failed: let moto answer as it would
                host = None
            served = host is None or host in list_of_moto_modules()
            if not served:
                patterns = self.dispatcher.backend_url_patterns
                served = any(pattern.match(f"http://{host}") for _, pattern in patterns)
            self._served[service] = served
        return self._served[service]

    def clear(self) -> None:
        """Forget cached pages (emulator reset)."""
        PAGES.clear()
