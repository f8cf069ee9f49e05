"""Account-wide reads beyond principals: server certificates stored in IAM, Access Analyzer
(its analyzers, and the unused-access analyzer's findings and recommendations).

Each is one paged list call in the overview. ``ListServerCertificates`` is IAM's (global; IAM API
Reference, *ListServerCertificates*:
<https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListServerCertificates.html>).
``ListAnalyzers`` is IAM Access Analyzer's, which is regional: iamtui reads the analyzers of the
session's region only (Access Analyzer API Reference, *ListAnalyzers*:
<https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ListAnalyzers.html>).

An ACTIVE unused-access analyzer's ACTIVE findings are read in the overview with
``ListFindingsV2`` (IAM action ``access-analyzer:ListFindings``), at most
:data:`FINDINGS_PAGE_BUDGET` pages of :data:`FINDINGS_PAGE_SIZE`; one principal's findings, a
finding's details (``GetFindingV2``, IAM action ``access-analyzer:GetFinding``) and its
recommendation (``GenerateFindingRecommendation`` + ``GetFindingRecommendation``) are read on
demand for the review screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from iamtui.core.errors import error_code
from iamtui.core.model import (
    AccessAnalyzerState,
    Analyzer,
    AnalyzerFinding,
    AnalyzerFindings,
    ManagedPolicy,
    ServerCertificate,
)

#: What reading the server certificates sends (the read-only policy is built from this).
SERVER_CERTIFICATE_ACTIONS = ("iam:ListServerCertificates",)
#: What reading the analyzers sends: IAM's policy prefix for Access Analyzer is ``access-analyzer``.
ACCESS_ANALYZER_ACTIONS = ("access-analyzer:ListAnalyzers",)
#: What reading the unused-access findings sends: ListFindingsV2 is authorized as ListFindings.
ANALYZER_FINDINGS_ACTIONS = ("access-analyzer:ListFindings",)
#: What the review's Access Analyzer section reads on demand: one principal's findings, their
#: details (GetFindingV2 is authorized as GetFinding) and an existing recommendation.
ANALYZER_REVIEW_ACTIONS = (
    "access-analyzer:ListFindings",
    "access-analyzer:GetFinding",
    "access-analyzer:GetFindingRecommendation",
)
#: Asking Access Analyzer to generate a recommendation: a Write-level action in the Service
#: Authorization Reference, so it is in the remediate policy, not the read-only one.
ANALYZER_GENERATE_ACTIONS = ("access-analyzer:GenerateFindingRecommendation",)
#: Pages the review reads at most for one principal: far more than one user or role has, so
#: reaching it means the answers never end (a server repeating itself); the rest is incomplete.
PRINCIPAL_FINDINGS_PAGES = 100
#: What a finding that lacks a required field raises while parsed: skipped and counted (the
#: loader's MALFORMED; not imported from there: the loader imports this module).
_UNREADABLE = (KeyError, TypeError, ValueError, AttributeError)
#: Findings per ListFindingsV2 page.
FINDINGS_PAGE_SIZE = 100
#: Pages the overview reads at most (each one request of the 20-request budget); past it the
#: findings are marked incomplete and each principal's are read when its review opens.
FINDINGS_PAGE_BUDGET = 2
#: What the review says of an unused-permission finding nobody asked a recommendation for.
NOT_GENERATED = "no recommendation generated yet"
#: GetFindingRecommendation polls before iamtui stops waiting for a generated recommendation.
RECOMMENDATION_POLLS = 10
#: AWS's largest page for either list, so an account costs one request.
PAGE_SIZE = 1000

#: Called between pages: raises when the operator cancelled the load.
CheckCancel = Callable[[], None]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _pages(client: Any, operation: str, check: CheckCancel, **kwargs: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        check()
        yield page


def parse_server_certificate(raw: Mapping[str, Any]) -> ServerCertificate:
    """One ServerCertificateMetadata entry (KeyError when AWS's required fields are absent)."""
    expiration = raw.get("Expiration")
    return ServerCertificate(
        name=str(raw["ServerCertificateName"]),
        certificate_id=str(raw["ServerCertificateId"]),
        arn=str(raw["Arn"]),
        path=str(raw.get("Path") or "/"),
        upload_date=_utc(raw["UploadDate"]),
        expiration=_utc(expiration) if isinstance(expiration, datetime) else None,
    )


def read_server_certificates(iam: Any, check: CheckCancel) -> tuple[ServerCertificate, ...]:
    """Every server certificate of the account, by name."""
    certificates = [
        parse_server_certificate(raw)
        for page in _pages(
            iam, "list_server_certificates", check, PaginationConfig={"PageSize": PAGE_SIZE}
        )
        for raw in page.get("ServerCertificateMetadataList", ())
    ]
    return tuple(sorted(certificates, key=lambda c: c.name.lower()))


def _unused_access_age(raw: Mapping[str, Any]) -> int | None:
    age = ((raw.get("configuration") or {}).get("unusedAccess") or {}).get("unusedAccessAge")
    return age if isinstance(age, int) and not isinstance(age, bool) else None


def read_access_analyzer(client: Any, check: CheckCancel) -> AccessAnalyzerState:
    """The analyzers of the client's region (every type: the rule picks the ones that count)."""
    analyzers = [
        Analyzer(
            name=str(raw["name"]),
            arn=str(raw["arn"]),
            type=str(raw["type"]),
            status=str(raw.get("status") or "ACTIVE"),
            unused_access_age=_unused_access_age(raw),
        )
        for page in _pages(client, "list_analyzers", check, PaginationConfig={"PageSize": 100})
        for raw in page.get("analyzers", ())
    ]
    return AccessAnalyzerState(str(client.meta.region_name), tuple(analyzers))


def parse_analyzer_finding(raw: Mapping[str, Any]) -> AnalyzerFinding:
    """One FindingSummaryV2 (KeyError when AWS's required fields are absent)."""
    analyzed = raw.get("analyzedAt")
    return AnalyzerFinding(
        finding_id=str(raw["id"]),
        finding_type=str(raw.get("findingType") or "unknown"),
        resource_arn=str(raw.get("resource") or ""),
        status=str(raw["status"]),
        updated_at=_utc(raw["updatedAt"]),
        analyzed_at=_utc(analyzed) if isinstance(analyzed, datetime) else None,
    )


def read_analyzer_findings(
    client: Any,
    analyzer: Analyzer,
    check: CheckCancel,
    *,
    resource_arn: str | None = None,
    max_pages: int | None = FINDINGS_PAGE_BUDGET,
    account_id: str | None = None,
) -> AnalyzerFindings:
    """The analyzer's ACTIVE findings (of one user or role when ``resource_arn`` is given; of
    one account's entities when ``account_id`` is: an organization's analyzer reports every
    member's), at most ``max_pages`` pages (None: until AWS stops giving a page token);
    ``complete`` says whether every page was read: a token AWS already gave ends the read
    too, incomplete. A finding lacking a required field is skipped and counted."""
    criteria: dict[str, Any] = {"status": {"eq": ["ACTIVE"]}}
    if resource_arn is not None:
        criteria["resource"] = {"eq": [resource_arn]}
    if account_id is not None:
        criteria["resourceOwnerAccount"] = {"eq": [account_id]}
    found: list[AnalyzerFinding] = []
    unreadable = 0
    token: str | None = None
    seen: set[str] = set()
    pages = 0
    while True:
        kwargs: dict[str, Any] = {
            "analyzerArn": analyzer.arn,
            "filter": criteria,
            "maxResults": FINDINGS_PAGE_SIZE,
        }
        if token:
            kwargs["nextToken"] = token
        page = client.list_findings_v2(**kwargs)
        check()
        pages += 1
        for raw in page.get("findings", ()):
            try:
                found.append(parse_analyzer_finding(raw))
            except _UNREADABLE:
                unreadable += 1
        token = page.get("nextToken")
        if not token or token in seen or (max_pages is not None and pages >= max_pages):
            break
        seen.add(token)
    ordered = tuple(sorted(found, key=lambda f: (f.resource_arn, f.finding_type, f.finding_id)))
    return AnalyzerFindings(
        analyzer.arn, analyzer.unused_access_age, ordered, not token, unreadable=unreadable
    )


@dataclass(frozen=True, slots=True)
class UnusedDetail:
    """One ``findingDetails`` entry of GetFindingV2, flattened for display."""

    #: ``permission``, ``access_key``, ``role``, ``password`` or AWS's member name when unknown.
    kind: str
    last_accessed: datetime | None = None
    #: Unused permissions: the service namespace and the unused actions AWS tracks.
    service: str | None = None
    actions: tuple[str, ...] = ()
    access_key_id: str | None = None


_DETAIL_KINDS = {
    "unusedPermissionDetails": "permission",
    "unusedIamUserAccessKeyDetails": "access_key",
    "unusedIamRoleDetails": "role",
    "unusedIamUserPasswordDetails": "password",
}


def _when(value: object) -> datetime | None:
    return _utc(value) if isinstance(value, datetime) else None


def parse_detail(raw: Mapping[str, Any]) -> UnusedDetail:
    """One FindingDetails union entry (an unknown member is kept by its name)."""
    member, body = next(iter(raw.items()), ("unknown", {}))
    body = body if isinstance(body, Mapping) else {}
    actions = tuple(
        str(a["action"])
        for a in body.get("actions") or ()
        if isinstance(a, Mapping) and a.get("action")
    )
    return UnusedDetail(
        kind=_DETAIL_KINDS.get(member, member),
        last_accessed=_when(body.get("lastAccessed")),
        service=body.get("serviceNamespace"),
        actions=actions,
        access_key_id=body.get("accessKeyId"),
    )


def read_finding_details(
    client: Any, analyzer_arn: str, finding_id: str
) -> tuple[UnusedDetail, ...]:
    """Every ``findingDetails`` entry of one finding (GetFindingV2, all pages)."""
    details: list[UnusedDetail] = []
    for page in client.get_paginator("get_finding_v2").paginate(
        analyzerArn=analyzer_arn, id=finding_id
    ):
        details.extend(parse_detail(raw) for raw in page.get("findingDetails", ()))
    return tuple(details)


@dataclass(frozen=True, slots=True)
class RecommendedStep:
    """One ``unusedPermissionsRecommendedStep``: create a narrower policy, or detach one."""

    #: ``CREATE_POLICY`` or ``DETACH_POLICY``.
    action: str
    #: The recommended policy document (JSON text) of a CREATE_POLICY step.
    policy: str | None = None
    #: The policy the step replaces or detaches.
    existing_policy_id: str | None = None
    #: When the policy was last updated as the recommendation saw it (``policyUpdatedAt``).
    policy_updated_at: datetime | None = None

    def outdated_by(self, policies: Iterable[ManagedPolicy]) -> datetime | None:
        """The policy's UpdateDate when it changed after the recommendation was generated
        (None: not later, or the policy is unknown): such a step no longer fits the policy."""
        if self.existing_policy_id is None or self.policy_updated_at is None:
            return None
        wanted = self.existing_policy_id
        for policy in policies:
            if wanted in (policy.policy_id, policy.arn) and policy.update_date > (
                self.policy_updated_at
            ):
                return policy.update_date
        return None


@dataclass(frozen=True, slots=True)
class FindingRecommendation:
    """GetFindingRecommendation's answer for one unused-permission finding."""

    finding_id: str
    resource_arn: str
    #: ``SUCCEEDED``, ``FAILED`` or ``IN_PROGRESS`` (still running after iamtui's polls).
    status: str
    steps: tuple[RecommendedStep, ...] = ()
    error: str | None = None
    #: When the recommendation was generated (``completedAt``; None while in progress).
    completed_at: datetime | None = None

    def outdated_by(self, policies: Iterable[ManagedPolicy]) -> datetime | None:
        """The latest UpdateDate of a policy changed after this recommendation was generated."""
        known = tuple(policies)
        dates = [d for step in self.steps if (d := step.outdated_by(known)) is not None]
        return max(dates, default=None)


def _recommendation(client: Any, analyzer_arn: str, finding_id: str) -> FindingRecommendation:
    steps: list[RecommendedStep] = []
    first: Mapping[str, Any] = {}
    for page in client.get_paginator("get_finding_recommendation").paginate(
        analyzerArn=analyzer_arn, id=finding_id
    ):
        first = first or page
        for raw in page.get("recommendedSteps", ()):
            step = raw.get("unusedPermissionsRecommendedStep") or {}
            steps.append(
                RecommendedStep(
                    action=str(step.get("recommendedAction") or "unknown"),
                    policy=step.get("recommendedPolicy"),
                    existing_policy_id=step.get("existingPolicyId"),
                    policy_updated_at=_when(step.get("policyUpdatedAt")),
                )
            )
    error = first.get("error") or None
    return FindingRecommendation(
        finding_id=finding_id,
        resource_arn=str(first.get("resourceArn") or ""),
        status=str(first.get("status") or "unknown"),
        steps=tuple(steps),
        error=f"{error.get('code')}: {error.get('message')}" if error else None,
        completed_at=_when(first.get("completedAt")),
    )


def read_recommendation(
    client: Any,
    analyzer_arn: str,
    finding_id: str,
    *,
    generate: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    polls: int = RECOMMENDATION_POLLS,
    regenerate: bool = False,
) -> FindingRecommendation | None:
    """An unused-permission finding's recommendation: the existing one, else (``generate``)
    one asked for with GenerateFindingRecommendation and polled until it is no longer
    IN_PROGRESS; None when none exists and ``generate`` is off. ``regenerate`` asks for a new
    one first (the policy changed since the existing one was generated)."""
    try:
        if regenerate:
            client.generate_finding_recommendation(analyzerArn=analyzer_arn, id=finding_id)
        answer = _recommendation(client, analyzer_arn, finding_id)
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException" or not generate:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise
        client.generate_finding_recommendation(analyzerArn=analyzer_arn, id=finding_id)
        answer = _recommendation(client, analyzer_arn, finding_id)
    delay = 0.5
    for _ in range(polls):
        if answer.status != "IN_PROGRESS":
            break
        sleep(delay)
        delay = min(delay * 2, 4.0)
        answer = _recommendation(client, analyzer_arn, finding_id)
    return answer


@dataclass(frozen=True, slots=True)
class PrincipalFindings:
    """One user's or role's ACTIVE unused-access findings with their details (the review)."""

    resource_arn: str
    findings: AnalyzerFindings
    #: finding id -> its GetFindingV2 details.
    details: Mapping[str, tuple[UnusedDetail, ...]]


def read_principal_findings(
    client: Any, analyzer: Analyzer, resource_arn: str, check: CheckCancel
) -> PrincipalFindings:
    """A principal's findings (ListFindingsV2 filtered on the resource, every page up to
    :data:`PRINCIPAL_FINDINGS_PAGES`) and each one's details (GetFindingV2): 1 + one request
    per finding, for the review screen only."""
    found = read_analyzer_findings(
        client, analyzer, check, resource_arn=resource_arn, max_pages=PRINCIPAL_FINDINGS_PAGES
    )
    details = {}
    for finding in found.findings:
        check()
        details[finding.finding_id] = read_finding_details(client, analyzer.arn, finding.finding_id)
    return PrincipalFindings(resource_arn, found, details)


@dataclass(frozen=True, slots=True)
class AnalyzerReview:
    """What the review's Access Analyzer section read on demand for one user or role."""

    principal: PrincipalFindings
    #: Unused-permission finding id -> its recommendation, or the one-line reason it is missing.
    recommendations: Mapping[str, FindingRecommendation | str]

    def wants_generation(self, policies: Iterable[ManagedPolicy]) -> bool:
        """A recommendation is missing, or outdated by a policy change: ``A`` generates."""
        known = tuple(policies)
        return any(
            r == NOT_GENERATED
            or (isinstance(r, FindingRecommendation) and r.outdated_by(known) is not None)
            for r in self.recommendations.values()
        )


def read_analyzer_review(
    client: Any,
    analyzer: Analyzer,
    resource_arn: str,
    check: CheckCancel,
    *,
    generate: bool = False,
    describe: Callable[[BaseException], str] = str,
    sleep: Callable[[float], None] = time.sleep,
    policies: Iterable[ManagedPolicy] = (),
) -> AnalyzerReview:
    """A principal's findings, their details and each unused-permission finding's existing
    recommendation; with ``generate`` one is asked for where none exists, or where one of the
    ``policies`` changed after it was generated (a Write-level call). A refusal is kept as its
    one-line reason so the rest still shows."""
    known = tuple(policies)
    principal = read_principal_findings(client, analyzer, resource_arn, check)
    recommendations: dict[str, FindingRecommendation | str] = {}
    for finding in principal.findings.findings:
        if finding.finding_type != "UnusedPermission":
            continue
        check()
        try:
            got = read_recommendation(
                client, analyzer.arn, finding.finding_id, generate=generate, sleep=sleep
            )
            if generate and got is not None and got.outdated_by(known) is not None:
                got = read_recommendation(
                    client, analyzer.arn, finding.finding_id, sleep=sleep, regenerate=True
                )
        except ClientError as exc:
            recommendations[finding.finding_id] = describe(exc)
        else:
            recommendations[finding.finding_id] = got or NOT_GENERATED
    return AnalyzerReview(principal, recommendations)
