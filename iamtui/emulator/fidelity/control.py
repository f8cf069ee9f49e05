"""moto's control API (``/moto-api``: state dump, reset, auth switch) is for the test harness only.

``/moto-api/data.json`` returns every account's state, secrets included, and ``reset`` wipes it,
without any credentials. The demo endpoint refuses every such request; the harness turns the
control API on (``Emulator(control_api=True)``) for ``reset-auth``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from iamtui.emulator.fidelity.wire import (
    IamError,
    StartResponse,
    WSGIApp,
    WSGIEnviron,
    error_response,
)

#: Host names moto routes to its control API whatever the path.
CONTROL_HOSTS = ("motoapi.amazonaws.com",)


def is_control_request(environ: WSGIEnviron) -> bool:
    """Whether moto would (or could, after a redirect) route the request to its control API."""
    path = str(environ.get("PATH_INFO", "")).lower()
    host = str(environ.get("HTTP_HOST", "")).lower().split(":")[0]
    return "moto-api" in path or host in CONTROL_HOSTS


class ControlGuard:
    """WSGI wrapper refusing the control API with an AWS-style AccessDenied (HTTP 403).

    AWS: "Common Errors" (IAM API Reference, AccessDenied: "You do not have sufficient access
    to perform this action", HTTP 403; AWS has no such endpoint, and nothing unauthenticated
    may read or change an account), https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        """Refuse control requests; pass everything else on."""
        if not is_control_request(environ):
            return self.app(environ, start_response)
        request_id = str(uuid.uuid4())
        error = IamError(
            "AccessDenied", "You do not have sufficient access to perform this action."
        )
        response = error_response(error, request_id)
        start_response("403 Forbidden", list(response.headers))
        return [response.body]
