"""IAM Access Analyzer, which moto lacks: the analyzers of each account and region.

REST-JSON (``GET /analyzer``), signed for the service ``access-analyzer``; each call is
authorized by the caller's IAM policies as an ``access-analyzer:`` action. Only what iamtui
reads so far (``ListAnalyzers``); the analyzers live in :class:`AccountExtras` per region and
seeding code sets them (``Seeder.analyzer``). More operations (findings) join :data:`OPERATIONS`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from moto.iam.access_control import CreateAccessKeyFailure

from iamtui.emulator.fidelity.auth import account_for, principal_may
from iamtui.emulator.fidelity.registry import ROUTES, credential_scope, enforcement_active
from iamtui.emulator.fidelity.root import find_root_caller
from iamtui.emulator.fidelity.wire import Response, WSGIEnviron, json_error, json_response
from iamtui.emulator.state import AnalyzerState, extras

#: The SigV4 service name Access Analyzer requests are signed for.
SIGNING_NAME = "access-analyzer"
#: The analyzer types ListAnalyzers' ``type`` filter accepts.
ANALYZER_TYPES = frozenset(
    {
        "ACCOUNT",
        "ORGANIZATION",
        "ACCOUNT_UNUSED_ACCESS",
        "ORGANIZATION_UNUSED_ACCESS",
        "ACCOUNT_INTERNAL_ACCESS",
        "ORGANIZATION_INTERNAL_ACCESS",
    }
)
#: ListAnalyzers' page size limit (maxResults).
MAX_RESULTS = 1000


class AnalyzerError(Exception):
    """An Access Analyzer error answer: its HTTP status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _stamp(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def analyzer_summary(account_id: str, region: str, analyzer: AnalyzerState) -> dict[str, Any]:
    """AnalyzerSummary as AWS sends it."""
    return {
        "arn": f"arn:aws:access-analyzer:{region}:{account_id}:analyzer/{analyzer.name}",
        "name": analyzer.name,
        "type": analyzer.type,
        "createdAt": _stamp(analyzer.created),
        "status": analyzer.status,
        "tags": {},
    }


def list_analyzers(account_id: str, region: str, query: Mapping[str, str]) -> Any:
    """The region's analyzers, optionally of one type, paged by ``maxResults``/``nextToken``.

    AWS: "ListAnalyzers" (IAM Access Analyzer API Reference: ``GET /analyzer?type=...``),
    https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ListAnalyzers.html
    """
    wanted = query.get("type")
    if wanted is not None and wanted not in ANALYZER_TYPES:
        raise AnalyzerError(400, "ValidationException", f"Invalid type: {wanted}")
    try:
        size = int(query.get("maxResults") or MAX_RESULTS)
        start = int(query.get("nextToken") or 0)
    except ValueError:
        raise AnalyzerError(400, "ValidationException", "Invalid pagination input") from None
    analyzers = sorted(
        (a for a in extras(account_id).analyzers.get(region, []) if wanted in (None, a.type)),
        key=lambda a: a.name,
    )
    if not 1 <= size <= MAX_RESULTS or not 0 <= start <= len(analyzers):
        raise AnalyzerError(400, "ValidationException", "Invalid pagination input")
    answer: dict[str, Any] = {
        "analyzers": [
            analyzer_summary(account_id, region, a) for a in analyzers[start : start + size]
        ]
    }
    if start + size < len(analyzers):
        answer["nextToken"] = str(start + size)
    return answer


Handler = Callable[[str, str, Mapping[str, str]], Any]
#: (method, path) -> (IAM action, handler).
OPERATIONS: Mapping[tuple[str, str], tuple[str, Handler]] = {
    ("GET", "/analyzer"): ("ListAnalyzers", list_analyzers),
}


def _may(environ: WSGIEnviron, key_id: str, account_id: str, operation: str) -> bool:
    """IAM policies allow the call; root and harness keys answer to none."""
    if find_root_caller(key_id) is not None:
        return True
    try:
        return principal_may(environ, account_id, f"access-analyzer:{operation}", "*")
    except CreateAccessKeyFailure:  # a harness key: no IAM principal behind it
        return True


def route_access_analyzer(environ: WSGIEnviron, key_id: str, service: str) -> Response | None:
    """Access Analyzer calls, answered from the emulated account's analyzers.

    AWS: "Actions, resources, and condition keys for IAM Access Analyzer" (Service
    Authorization Reference: ``access-analyzer:ListAnalyzers``),
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiamaccessanalyzer.html
    """
    if service != SIGNING_NAME:
        return None
    request_id = str(uuid.uuid4())
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "/").rstrip("/") or "/"
    operation = OPERATIONS.get((method, path))
    if operation is None:
        return json_error(
            501,
            "NotImplemented",
            f"The emulator has no Access Analyzer {method} {path}.",
            request_id,
        )
    action, handler = operation
    account_id = account_for(environ, key_id)
    scope = credential_scope(environ)
    region = scope[1] if scope is not None else "us-east-1"
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    try:
        if enforcement_active() and not _may(environ, key_id, account_id, action):
            raise AnalyzerError(
                403, "AccessDeniedException", f"not authorized to perform: access-analyzer:{action}"
            )
        return json_response(200, handler(account_id, region, query), request_id)
    except AnalyzerError as error:
        return json_error(error.status, error.code, error.message, request_id)


ROUTES.append(route_access_analyzer)
