"""Access Analyzer answers AWS would not send (a page token that never ends, findings missing
required fields), injected with botocore ``before-send`` events: the review's read ends, says
what it could not show, and never fails on one bad finding."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.awsrequest import AWSResponse
from faults import json_response
from test_access_analyzer_load import ACCOUNT, connection

from iamtui.core.account_resources import (
    PRINCIPAL_FINDINGS_PAGES,
    read_analyzer_findings,
    read_analyzer_review,
    read_principal_findings,
)
from iamtui.core.model import Analyzer
from iamtui.core.views.analyzer import read_fields
from iamtui.emulator.server import Emulator

ROLE = f"arn:aws:iam::{ACCOUNT}:role/batch"
UNUSED = Analyzer(
    "unused",
    f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/unused",
    "ACCOUNT_UNUSED_ACCESS",
    "ACTIVE",
    90,
)
LIST = "before-send.accessanalyzer.ListFindingsV2"
GOOD = {
    "id": "f-1",
    "resource": ROLE,
    "findingType": "UnusedIAMRole",
    "status": "ACTIVE",
    "updatedAt": "2026-05-01T00:00:00Z",
}


def bounded() -> Callable[[], None]:
    """A cancel check that fails the test where an unbounded read would page on forever."""
    calls = [0]

    def check() -> None:
        calls[0] += 1
        assert calls[0] <= 2 * PRINCIPAL_FINDINGS_PAGES, "still paging: the read never ends"

    return check


def answering(client: Any, *pages: dict[str, Any]) -> list[int]:
    """ListFindingsV2 answers ``pages`` in turn (the last one again and again); returns sends."""
    sends = [0]

    def handler(**_: Any) -> AWSResponse:
        sends[0] += 1
        return json_response(pages[min(sends[0], len(pages)) - 1])

    client.meta.events.register(LIST, handler)
    return sends


def test_a_repeated_page_token_ends_the_review_read_incomplete(
    emulator: Emulator, now: datetime
) -> None:
    client = connection(emulator).accessanalyzer
    sends = answering(client, {"findings": [GOOD], "nextToken": "same"})
    details = "before-send.accessanalyzer.GetFindingV2"
    client.meta.events.register(details, lambda **_: json_response({"findingDetails": []}))
    review = read_analyzer_review(client, UNUSED, ROLE, bounded())
    found = review.principal.findings
    assert sends == [2] and not found.complete  # the second "same" token ends it
    assert [f.finding_id for f in found.findings] == ["f-1", "f-1"]
    assert "findings read incomplete" in " ".join(f.value for f in read_fields(review, now))


def test_tokens_that_never_end_stop_at_the_page_cap(emulator: Emulator) -> None:
    client = connection(emulator).accessanalyzer
    sends = [0]

    def endless(**_: Any) -> AWSResponse:
        sends[0] += 1
        return json_response({"findings": [], "nextToken": f"t{sends[0]}"})

    client.meta.events.register(LIST, endless)
    found = read_principal_findings(client, UNUSED, ROLE, bounded()).findings
    assert sends == [PRINCIPAL_FINDINGS_PAGES] and not found.complete


def test_a_finding_missing_required_fields_is_skipped_and_counted(
    emulator: Emulator, now: datetime
) -> None:
    client = connection(emulator).accessanalyzer
    broken = [{"resource": ROLE, "findingType": "UnusedIAMRole"}, {**GOOD, "updatedAt": None}]
    answering(client, {"findings": [GOOD, *broken]})
    found = read_analyzer_findings(client, UNUSED, lambda: None, resource_arn=ROLE)
    assert [f.finding_id for f in found.findings] == ["f-1"]
    assert found.unreadable == 2 and found.complete
    # The review: no bare KeyError, and the section says what it could not show.
    client = connection(emulator).accessanalyzer
    answering(client, {"findings": broken})
    review = read_analyzer_review(client, UNUSED, ROLE, lambda: None)
    assert review.principal.findings.unreadable == 2
    lines = [f.value for f in read_fields(review, now)]
    assert lines == [
        "2 findings unreadable (a required field was missing)",
        "Access Analyzer has no ACTIVE finding on this principal",
    ]
