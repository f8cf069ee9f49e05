"""Account-wide reads beyond principals: server certificates stored in IAM, Access Analyzer.

Each is one paged list call in the overview. ``ListServerCertificates`` is IAM's (global; IAM API
Reference, *ListServerCertificates*:
<https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListServerCertificates.html>).
``ListAnalyzers`` is IAM Access Analyzer's, which is regional: iamtui reads the analyzers of the
session's region only (Access Analyzer API Reference, *ListAnalyzers*:
<https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ListAnalyzers.html>).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from iamtui.core.model import AccessAnalyzerState, Analyzer, ServerCertificate

#: What reading the server certificates sends (the read-only policy is built from this).
SERVER_CERTIFICATE_ACTIONS = ("iam:ListServerCertificates",)
#: What reading the analyzers sends: IAM's policy prefix for Access Analyzer is ``access-analyzer``.
ACCESS_ANALYZER_ACTIONS = ("access-analyzer:ListAnalyzers",)
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


def read_access_analyzer(client: Any, check: CheckCancel) -> AccessAnalyzerState:
    """The analyzers of the client's region (every type: the rule picks the ones that count)."""
    analyzers = [
        Analyzer(
            name=str(raw["name"]),
            arn=str(raw["arn"]),
            type=str(raw["type"]),
            status=str(raw.get("status") or "ACTIVE"),
        )
        for page in _pages(client, "list_analyzers", check, PaginationConfig={"PageSize": 100})
        for raw in page.get("analyzers", ())
    ]
    return AccessAnalyzerState(str(client.meta.region_name), tuple(analyzers))
