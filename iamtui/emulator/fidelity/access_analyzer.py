"""IAM Access Analyzer, which moto lacks: the analyzers of each account and region.

REST-JSON (``GET /analyzer``, ``POST /findingv2``...), signed for the service
``access-analyzer``; each call is authorized by the caller's IAM policies as the
``access-analyzer:`` action AWS checks for it (ListFindingsV2 as ``ListFindings``, GetFindingV2 as
``GetFinding``). What iamtui reads: ``ListAnalyzers``, and of unused-access analyzers
``ListFindingsV2``, ``GetFindingV2``, ``GenerateFindingRecommendation`` and
``GetFindingRecommendation``. The analyzers and their findings live in :class:`AccountExtras` per
region; seeding code sets them (``Seeder.analyzer``, ``Seeder.analyzer_finding``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from moto.iam.access_control import CreateAccessKeyFailure

from iamtui.emulator.fidelity.auth import account_for, principal_may, read_body
from iamtui.emulator.fidelity.registry import ROUTES, credential_scope, enforcement_active
from iamtui.emulator.fidelity.root import find_root_caller
from iamtui.emulator.fidelity.wire import Response, WSGIEnviron, json_error, json_response
from iamtui.emulator.state import (
    AnalyzerFindingState,
    AnalyzerState,
    RecommendationState,
    extras,
)

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
#: The analyzer types that report unused access (roles, keys, passwords, permissions).
UNUSED_ACCESS_TYPES = frozenset({"ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS"})
#: ListFindingsV2 / GetFindingV2 page size when the caller names none (the emulator's choice:
#: AWS documents no default).
FINDINGS_PAGE = 100
#: The filter keys of unused-access findings ("IAM Access Analyzer filter keys", IAM User Guide).
FILTER_KEYS = {
    "findingType": "finding_type",
    "id": "id",
    "resource": "resource",
    "resourceType": "resource_type",
    "status": "status",
    "resourceOwnerAccount": "owner",
}
#: ListFindingsV2 ``sort.attributeName`` values the emulator sorts by.
SORT_KEYS = {"createdAt": "created", "updatedAt": "updated", "resource": "resource", "id": "id"}


class AnalyzerError(Exception):
    """An Access Analyzer error answer: its HTTP status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _stamp(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def analyzer_arn(account_id: str, region: str, name: str) -> str:
    """An analyzer's ARN (``arn:aws:access-analyzer:REGION:ACCOUNT:analyzer/NAME``)."""
    return f"arn:aws:access-analyzer:{region}:{account_id}:analyzer/{name}"


def analyzer_summary(account_id: str, region: str, analyzer: AnalyzerState) -> dict[str, Any]:
    """AnalyzerSummary as AWS sends it (unused-access analyzers with their configuration)."""
    summary: dict[str, Any] = {
        "arn": analyzer_arn(account_id, region, analyzer.name),
        "name": analyzer.name,
        "type": analyzer.type,
        "createdAt": _stamp(analyzer.created),
        "status": analyzer.status,
        "tags": {},
    }
    if analyzer.type in UNUSED_ACCESS_TYPES:
        summary["configuration"] = {"unusedAccess": {"unusedAccessAge": analyzer.unused_access_age}}
    return summary


@dataclass(frozen=True, slots=True)
class Call:
    """One Access Analyzer request: where it was sent, its query, body and path id."""

    account_id: str
    region: str
    query: Mapping[str, str]
    body: Mapping[str, Any]
    id: str = ""


def list_analyzers(call: Call) -> Any:
    """The region's analyzers, optionally of one type, paged by ``maxResults``/``nextToken``.

    AWS: "ListAnalyzers" (IAM Access Analyzer API Reference: ``GET /analyzer?type=...``),
    https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ListAnalyzers.html
    """
    account_id, region, query = call.account_id, call.region, call.query
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


def _analyzer(call: Call, arn: object) -> AnalyzerState:
    """The analyzer an ``analyzerArn`` names, in this account and region."""
    if not isinstance(arn, str) or not arn:
        raise AnalyzerError(400, "ValidationException", "analyzerArn is required")
    for analyzer in extras(call.account_id).analyzers.get(call.region, []):
        if analyzer_arn(call.account_id, call.region, analyzer.name) == arn:
            return analyzer
    raise AnalyzerError(404, "ResourceNotFoundException", f"Analyzer {arn} not found")


def _count(value: object, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(value)
    return int(value)


def _page(size_value: object, token: object, total: int) -> tuple[int, int]:
    """(start, size) of one page: ``nextToken`` is an offset the emulator issued."""
    try:
        size = _count(size_value, FINDINGS_PAGE)
        start = _count(token, 0)
    except ValueError:
        raise AnalyzerError(400, "ValidationException", "Invalid pagination input") from None
    if size < 1 or not 0 <= start <= total:
        raise AnalyzerError(400, "ValidationException", "Invalid pagination input")
    return start, size


def _finding(call: Call, analyzer: AnalyzerState) -> AnalyzerFindingState:
    for finding in analyzer.findings:
        if finding.id == call.id:
            return finding
    raise AnalyzerError(404, "ResourceNotFoundException", f"Finding {call.id} not found")


def finding_summary(account_id: str, finding: AnalyzerFindingState) -> dict[str, Any]:
    """FindingSummaryV2 as AWS sends it."""
    return {
        "analyzedAt": _stamp(finding.analyzed),
        "createdAt": _stamp(finding.created),
        "id": finding.id,
        "resource": finding.resource,
        "resourceType": finding.resource_type,
        "resourceOwnerAccount": _owner(finding, account_id),
        "status": finding.status,
        "updatedAt": _stamp(finding.updated),
        "findingType": finding.finding_type,
    }


def _owner(finding: AnalyzerFindingState, account_id: str) -> str:
    """The account owning the finding's entity (an organization's analyzer sees every member)."""
    parts = finding.resource.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else account_id


def _matches(
    finding: AnalyzerFindingState, key: str, criterion: Mapping[str, Any], account_id: str
) -> bool:
    value = (
        _owner(finding, account_id)
        if key == "resourceOwnerAccount"
        else str(getattr(finding, FILTER_KEYS[key]))
    )
    if "eq" in criterion and value not in criterion["eq"]:
        return False
    if "neq" in criterion and value in criterion["neq"]:
        return False
    if "contains" in criterion and not any(part in value for part in criterion["contains"]):
        return False
    return not ("exists" in criterion and bool(criterion["exists"]) != bool(value))


def _filtered(
    findings: Sequence[AnalyzerFindingState], criteria: object, account_id: str
) -> list[AnalyzerFindingState]:
    if criteria is None:
        return list(findings)
    if not isinstance(criteria, Mapping):
        raise AnalyzerError(400, "ValidationException", "filter must be a map")
    for key, criterion in criteria.items():
        if key not in FILTER_KEYS or not isinstance(criterion, Mapping):
            raise AnalyzerError(400, "ValidationException", f"Invalid filter key: {key}")
    return [f for f in findings if all(_matches(f, k, c, account_id) for k, c in criteria.items())]


def list_findings_v2(call: Call) -> Any:
    """An analyzer's findings, filtered (eq/neq/contains/exists on the unused-access filter
    keys), sorted, paged by ``maxResults``/``nextToken``.

    AWS: "ListFindingsV2" (IAM Access Analyzer API Reference: ``POST /findingv2``; IAM action
    ``access-analyzer:ListFindings``), and "IAM Access Analyzer filter keys" (IAM User Guide),
    https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ListFindingsV2.html
    """
    analyzer = _analyzer(call, call.body.get("analyzerArn"))
    with extras(call.account_id).lock:
        findings = _filtered(analyzer.findings, call.body.get("filter"), call.account_id)
    sort = call.body.get("sort") or {}
    attribute = sort.get("attributeName") if isinstance(sort, Mapping) else None
    order = sort.get("orderBy", "ASC") if isinstance(sort, Mapping) else "ASC"
    if (attribute is not None and attribute not in SORT_KEYS) or order not in ("ASC", "DESC"):
        raise AnalyzerError(400, "ValidationException", f"Invalid sort criteria: {sort}")
    field_name = SORT_KEYS[attribute] if attribute is not None else "id"
    findings.sort(key=lambda f: (getattr(f, field_name), f.id), reverse=order == "DESC")
    start, size = _page(call.body.get("maxResults"), call.body.get("nextToken"), len(findings))
    answer: dict[str, Any] = {
        "findings": [finding_summary(call.account_id, f) for f in findings[start : start + size]]
    }
    if start + size < len(findings):
        answer["nextToken"] = str(start + size)
    return answer


def get_finding_v2(call: Call) -> Any:
    """One finding with its ``findingDetails`` (a union per entry: unusedPermissionDetails,
    unusedIamUserAccessKeyDetails, unusedIamRoleDetails, unusedIamUserPasswordDetails), paged.

    AWS: "GetFindingV2" (IAM Access Analyzer API Reference: ``GET /findingv2/{id}``; IAM action
    ``access-analyzer:GetFinding``),
    https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_GetFindingV2.html
    """
    analyzer = _analyzer(call, call.query.get("analyzerArn"))
    with extras(call.account_id).lock:
        finding = _finding(call, analyzer)
        details = list(finding.details)
    start, size = _page(call.query.get("maxResults"), call.query.get("nextToken"), len(details))
    answer: dict[str, Any] = finding_summary(call.account_id, finding)
    answer["findingDetails"] = [_wire(d) for d in details[start : start + size]]
    if start + size < len(details):
        answer["nextToken"] = str(start + size)
    return answer


def _wire(value: Any) -> Any:
    """Seeded details and steps hold datetimes; the wire has ISO 8601 strings."""
    if isinstance(value, datetime):
        return _stamp(value)
    if isinstance(value, Mapping):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    return value


def generate_finding_recommendation(call: Call) -> Any:
    """Start a recommendation for an unused-permission finding (answered asynchronously: the
    first GetFindingRecommendation says IN_PROGRESS); other finding types are refused.

    AWS: "GenerateFindingRecommendation" (IAM Access Analyzer API Reference:
    ``POST /recommendation/{id}``, "Creates a recommendation for an unused permissions finding"),
    https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_GenerateFindingRecommendation.html
    """
    analyzer = _analyzer(call, call.query.get("analyzerArn"))
    account = extras(call.account_id)
    with account.lock:
        finding = _finding(call, analyzer)
        if finding.finding_type != "UnusedPermission":
            raise AnalyzerError(
                400,
                "ValidationException",
                "Recommendations are only available for UnusedPermission findings",
            )
        finding.recommendation = RecommendationState(started=account.now())
    return {}


def get_finding_recommendation(call: Call) -> Any:
    """The recommendation GenerateFindingRecommendation started: IN_PROGRESS, then SUCCEEDED
    with ``recommendedSteps`` (``unusedPermissionsRecommendedStep``: recommendedAction
    CREATE_POLICY or DETACH_POLICY, recommendedPolicy, existingPolicyId, policyUpdatedAt), paged.

    AWS: "GetFindingRecommendation" (IAM Access Analyzer API Reference:
    ``GET /recommendation/{id}``; ResourceNotFoundException before one was generated),
    https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_GetFindingRecommendation.html
    """
    analyzer = _analyzer(call, call.query.get("analyzerArn"))
    account = extras(call.account_id)
    with account.lock:
        finding = _finding(call, analyzer)
        job = finding.recommendation
        if job is None:
            raise AnalyzerError(
                404, "ResourceNotFoundException", f"Recommendation for {call.id} not found"
            )
        answer: dict[str, Any] = {
            "startedAt": _stamp(job.started),
            "resourceArn": finding.resource,
            "recommendationType": "UnusedPermissionRecommendation",
        }
        if job.completed is None and job.polls_left > 0:
            job.polls_left -= 1
            answer["status"] = "IN_PROGRESS"
            return answer
        if job.completed is None:
            job.completed = account.now()
            job.steps = [dict(step) for step in finding.recommended_steps]
        answer["completedAt"] = _stamp(job.completed)
        if job.error is not None:
            answer["status"] = "FAILED"
            answer["error"] = {"code": job.error[0], "message": job.error[1]}
            return answer
        steps = list(job.steps)
    start, size = _page(call.query.get("maxResults"), call.query.get("nextToken"), len(steps))
    if size > MAX_RESULTS:
        raise AnalyzerError(400, "ValidationException", "maxResults must be at most 1000")
    answer["status"] = "SUCCEEDED"
    answer["recommendedSteps"] = [_wire(s) for s in steps[start : start + size]]
    if start + size < len(steps):
        answer["nextToken"] = str(start + size)
    return answer


Handler = Callable[[Call], Any]
#: (method, path pattern) -> (IAM action AWS authorizes the call as, handler).
OPERATIONS: Sequence[tuple[str, re.Pattern[str], str, Handler]] = (
    ("GET", re.compile(r"/analyzer"), "ListAnalyzers", list_analyzers),
    ("POST", re.compile(r"/findingv2"), "ListFindings", list_findings_v2),
    ("GET", re.compile(r"/findingv2/(?P<id>[^/]+)"), "GetFinding", get_finding_v2),
    (
        "POST",
        re.compile(r"/recommendation/(?P<id>[^/]+)"),
        "GenerateFindingRecommendation",
        generate_finding_recommendation,
    ),
    (
        "GET",
        re.compile(r"/recommendation/(?P<id>[^/]+)"),
        "GetFindingRecommendation",
        get_finding_recommendation,
    ),
)


def _operation(method: str, path: str) -> tuple[str, Handler, str] | None:
    """(IAM action, handler, path id) of the request, or None when the emulator has none."""
    for wanted, pattern, action, handler in OPERATIONS:
        match = pattern.fullmatch(path)
        if wanted == method and match is not None:
            return action, handler, unquote(match.groupdict().get("id") or "")
    return None


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
    Authorization Reference: ``access-analyzer:ListAnalyzers``, ``ListFindings`` (ListFindingsV2),
    ``GetFinding`` (GetFindingV2), ``GenerateFindingRecommendation``,
    ``GetFindingRecommendation``),
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiamaccessanalyzer.html
    """
    if service != SIGNING_NAME:
        return None
    request_id = str(uuid.uuid4())
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "/").rstrip("/") or "/"
    operation = _operation(method, path)
    if operation is None:
        return json_error(
            501,
            "NotImplemented",
            f"The emulator has no Access Analyzer {method} {path}.",
            request_id,
        )
    action, handler, path_id = operation
    account_id = account_for(environ, key_id)
    scope = credential_scope(environ)
    region = scope[1] if scope is not None else "us-east-1"
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    try:
        if enforcement_active() and not _may(environ, key_id, account_id, action):
            raise AnalyzerError(
                403, "AccessDeniedException", f"not authorized to perform: access-analyzer:{action}"
            )
        raw = read_body(environ)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise AnalyzerError(
                400, "ValidationException", "The request body is not JSON."
            ) from None
        call = Call(account_id, region, query, body if isinstance(body, dict) else {}, path_id)
        return json_response(200, handler(call), request_id)
    except AnalyzerError as error:
        return json_error(error.status, error.code, error.message, request_id)


ROUTES.append(route_access_analyzer)
