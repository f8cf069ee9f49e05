"""Reading the unused-access analyzer's findings: in the overview (within its page budget), one
principal's on demand, a finding's details and recommendation; saved in snapshot files."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from iamtui.core import snapshot as snapshot_io
from iamtui.core.account_resources import (
    FINDINGS_PAGE_BUDGET,
    FINDINGS_PAGE_SIZE,
    FindingRecommendation,
    read_analyzer_findings,
    read_finding_details,
    read_recommendation,
)
from iamtui.core.loader import load_account
from iamtui.core.model import Analyzer, Part
from iamtui.core.session import ConnectionSettings, connect
from iamtui.emulator.seed import Seeder
from iamtui.emulator.server import Emulator

ACCOUNT = "123456789012"
POLICY = (
    '{"Version":"2012-10-17","Statement":'
    '[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
)


def connection(emulator: Emulator):  # type: ignore[no-untyped-def]
    emulator.extras().report_generation_polls = 0
    return connect(
        ConnectionSettings(
            endpoint_url=emulator.endpoint_url,
            region="us-east-1",
            static_credentials=("testing", "testing"),
        )
    )


def test_the_overview_reads_active_findings_of_the_unused_access_analyzer(
    emulator: Emulator, now: datetime
) -> None:
    seeder = Seeder(emulator.backend(), emulator.extras(), now)
    seeder.analyzer("unused", type="ACCOUNT_UNUSED_ACCESS", unused_access_age=120)
    role = f"arn:aws:iam::{ACCOUNT}:role/batch"
    seeder.analyzer_finding("unused", role, "UnusedIAMRole")
    seeder.analyzer_finding("unused", role, "UnusedPermission", status="RESOLVED")
    conn = connection(emulator)
    snap = load_account(conn)
    assert snap.analyzer_findings is not None and snap.analyzer_findings.complete
    assert snap.analyzer_findings.unused_access_age == 120
    [found] = snap.analyzer_findings.of(role)
    assert (found.finding_type, found.status) == ("UnusedIAMRole", "ACTIVE")
    assert conn.counter.by_operation["access-analyzer:ListFindings"] == 1


def test_without_an_unused_access_analyzer_no_findings_request_is_sent(
    emulator: Emulator, now: datetime
) -> None:
    Seeder(emulator.backend(), emulator.extras(), now).analyzer("external", type="ACCOUNT")
    conn = connection(emulator)
    snap = load_account(conn)
    assert snap.analyzer_findings is None and snap.unavailable_part(Part.ANALYZER_FINDINGS) is None
    assert "access-analyzer:ListFindings" not in conn.counter.by_operation


def test_the_overview_stops_at_its_page_budget_and_one_principal_reads_all_of_its_own(
    emulator: Emulator, now: datetime
) -> None:
    """Past FINDINGS_PAGE_BUDGET pages the overview's findings are incomplete (said, not
    hidden); a principal's review reads its own with a resource filter, one request."""
    seeder = Seeder(emulator.backend(), emulator.extras(), now)
    seeder.analyzer("unused", type="ACCOUNT_UNUSED_ACCESS")
    total = FINDINGS_PAGE_SIZE * FINDINGS_PAGE_BUDGET + 1
    for n in range(total):
        seeder.analyzer_finding("unused", f"arn:aws:iam::{ACCOUNT}:role/r{n:04d}", "UnusedIAMRole")
    conn = connection(emulator)
    snap = load_account(conn)
    state = snap.analyzer_findings
    assert state is not None and not state.complete
    assert len(state.findings) == FINDINGS_PAGE_SIZE * FINDINGS_PAGE_BUDGET
    assert conn.counter.by_operation["access-analyzer:ListFindings"] == FINDINGS_PAGE_BUDGET
    assert snap.access_analyzer is not None and snap.access_analyzer.unused_access is not None
    last = f"arn:aws:iam::{ACCOUNT}:role/r{total - 1:04d}"
    mine = read_analyzer_findings(
        conn.accessanalyzer, snap.access_analyzer.unused_access, lambda: None, resource_arn=last
    )
    assert mine.complete and [f.resource_arn for f in mine.findings] == [last]


def test_details_and_a_generated_recommendation_are_read_on_demand(
    emulator: Emulator, now: datetime
) -> None:
    seeder = Seeder(emulator.backend(), emulator.extras(), now)
    seeder.analyzer("unused", type="ACCOUNT_UNUSED_ACCESS")
    role = f"arn:aws:iam::{ACCOUNT}:role/batch"
    finding = seeder.analyzer_finding(
        "unused",
        role,
        "UnusedPermission",
        details=[
            {"unusedPermissionDetails": {"serviceNamespace": "s3",
                                         "actions": [{"action": "s3:PutObject"}]}},
            {"unusedPermissionDetails": {"serviceNamespace": "sqs",
                                         "lastAccessed": now - timedelta(days=300)}},
        ],
        recommended_steps=[
            {"unusedPermissionsRecommendedStep": {"recommendedAction": "CREATE_POLICY",
                                                  "recommendedPolicy": POLICY,
                                                  "existingPolicyId": "ANPAX"}},
            {"unusedPermissionsRecommendedStep": {"recommendedAction": "DETACH_POLICY",
                                                  "existingPolicyId": "ANPAX"}},
        ],
    )  # fmt: skip
    conn = connection(emulator)
    arn = f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/unused"
    s3, sqs = read_finding_details(conn.accessanalyzer, arn, finding)
    assert (s3.kind, s3.service, s3.actions) == ("permission", "s3", ("s3:PutObject",))
    assert sqs.last_accessed is not None and sqs.last_accessed < now - timedelta(days=299)
    assert read_recommendation(conn.accessanalyzer, arn, finding, generate=False) is None
    slept: list[float] = []
    got = read_recommendation(conn.accessanalyzer, arn, finding, sleep=slept.append)
    assert got is not None and got.status == "SUCCEEDED" and slept == [0.5]
    assert [(s.action, s.policy) for s in got.steps] == [
        ("CREATE_POLICY", POLICY),
        ("DETACH_POLICY", None),
    ]
    assert conn.counter.by_operation["access-analyzer:GetFinding"] == 1
    assert conn.counter.by_operation["access-analyzer:GenerateFindingRecommendation"] == 1


def test_findings_round_trip_in_snapshot_files_and_old_files_load(
    emulator: Emulator, now: datetime, tmp_path: Path
) -> None:
    seeder = Seeder(emulator.backend(), emulator.extras(), now)
    seeder.analyzer("unused", type="ACCOUNT_UNUSED_ACCESS", unused_access_age=60)
    seeder.analyzer_finding("unused", f"arn:aws:iam::{ACCOUNT}:role/x", "UnusedIAMRole")
    snap = load_account(connection(emulator))
    assert snap.analyzer_findings is not None
    path = tmp_path / "acct.json"
    snapshot_io.save(snap, path)
    again = snapshot_io.load(path)
    assert again.analyzer_findings == snap.analyzer_findings
    assert again.access_analyzer == snap.access_analyzer
    for old in sorted((Path(__file__).parent / "data").glob("snapshot-v*.json")):
        loaded = snapshot_io.load(old)
        assert loaded.analyzer_findings is None, old
    assert replace(snap, analyzer_findings=None).analyzer_findings is None


def test_the_demo_analyzer_agrees_on_some_principals_and_disagrees_on_one(
    emulator: Emulator, now: datetime
) -> None:
    from iamtui.core.rules import evaluate
    from iamtui.core.second_opinion import Verdict, compare
    from iamtui.core.settings import Settings
    from iamtui.emulator.demo import ANALYZER_DISAGREES_ROLE, seed_demo_account

    demo = seed_demo_account(emulator.backend(), emulator.extras(), now)
    snap = load_account(connection(emulator), clock=lambda: now)
    result = evaluate(snap, now=now)
    second = compare(snap, result.findings, Settings().thresholds, now)
    agreeing = {
        (f.rule, f.principal_name)
        for f in result.findings
        if f.id in second.by_finding and second.by_finding[f.id].verdict is Verdict.AGREES
    }
    assert agreeing == {
        ("role.unused", demo.unused_role),
        ("access-key.unused", demo.stale_key_user),
        ("user.password-unused", demo.password_unused_user),
    }
    [disagreement] = [o for o in second.analyzer_only if o.verdict is Verdict.DISAGREES]
    assert disagreement.resource_arn.endswith(f"/{ANALYZER_DISAGREES_ROLE}")
    assert "used today (after the analyzer's last analysis)" in disagreement.reason
    # Without last-accessed data iamtui cannot judge marcus's unused services: analyzer only.
    [permission] = [o for o in second.analyzer_only if o.verdict is Verdict.ANALYZER_ONLY]
    assert permission.finding_type == "UnusedPermission"
    assert permission.resource_arn.endswith(f"/{demo.partial_usage_user}")


def test_an_organization_analyzer_is_read_for_this_accounts_entities_only(
    emulator: Emulator, now: datetime
) -> None:
    """AWS: an ORGANIZATION_UNUSED_ACCESS analyzer reports every member account's entities
    (resourceOwnerAccount); the overview asks for this account's, by that filter key."""
    seeder = Seeder(emulator.backend(), emulator.extras(), now)
    seeder.analyzer("org-unused", type="ORGANIZATION_UNUSED_ACCESS")
    ours = f"arn:aws:iam::{ACCOUNT}:role/batch"
    seeder.analyzer_finding("org-unused", ours, "UnusedIAMRole")
    seeder.analyzer_finding("org-unused", "arn:aws:iam::210987654321:role/x", "UnusedIAMRole")
    snap = load_account(connection(emulator))
    assert snap.analyzer_findings is not None
    assert [f.resource_arn for f in snap.analyzer_findings.findings] == [ours]


def test_a_recommendation_older_than_its_policy_is_outdated_and_a_regenerates_it(
    emulator: Emulator, now: datetime
) -> None:
    """AWS: a step's ``policyUpdatedAt`` is the policy as the recommendation saw it; a policy
    updated since (its UpdateDate) makes the step stale: generate it again."""
    from builders import managed

    from iamtui.core.account_resources import read_analyzer_review
    from iamtui.core.views.analyzer import OUTDATED, read_fields
    from iamtui.core.views.format import exact

    seeder = Seeder(emulator.backend(), emulator.extras(), now)
    seeder.analyzer("unused", type="ACCOUNT_UNUSED_ACCESS")
    role = f"arn:aws:iam::{ACCOUNT}:role/batch"
    seen = now - timedelta(days=30)
    seeder.analyzer_finding(
        "unused", role, "UnusedPermission",
        details=[{"unusedPermissionDetails": {"serviceNamespace": "sqs"}}],
        recommended_steps=[
            {"unusedPermissionsRecommendedStep": {"recommendedAction": "DETACH_POLICY",
                                                  "existingPolicyId": "ANPAX",
                                                  "policyUpdatedAt": seen}},
        ],
    )  # fmt: skip
    conn = connection(emulator)
    analyzer = Analyzer("unused", f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/unused",
                        "ACCOUNT_UNUSED_ACCESS", "ACTIVE", 90)  # fmt: skip
    first = read_analyzer_review(conn.accessanalyzer, analyzer, role, lambda: None, generate=True,
                                 sleep=lambda _: None)  # fmt: skip
    [got] = first.recommendations.values()
    assert isinstance(got, FindingRecommendation) and got.completed_at is not None
    unchanged = replace(managed("x"), update_date=seen)
    changed = replace(managed("x"), update_date=now - timedelta(days=2))
    assert got.outdated_by([unchanged]) is None and not first.wants_generation([unchanged])
    assert got.outdated_by([changed]) == changed.update_date and first.wants_generation([changed])
    generated = [f.value for f in read_fields(first, now) if f.label == "  generated"]
    assert generated == [exact(got.completed_at)]
    snap = replace(load_account(conn), policies=(changed,))
    shown = [f.value for f in read_fields(first, now, snap)]
    assert any(v.startswith(f"{OUTDATED}; policy updated ") for v in shown)
    assert not any(
        OUTDATED in f.value for f in read_fields(first, now, replace(snap, policies=(unchanged,)))
    )
    # A with the policy changed asks for a new recommendation; without a change it does not.
    calls = "access-analyzer:GenerateFindingRecommendation"
    before = conn.counter.by_operation[calls]
    read_analyzer_review(conn.accessanalyzer, analyzer, role, lambda: None, generate=True,
                         sleep=lambda _: None, policies=(unchanged,))  # fmt: skip
    assert conn.counter.by_operation[calls] == before
    read_analyzer_review(conn.accessanalyzer, analyzer, role, lambda: None, generate=True,
                         sleep=lambda _: None, policies=(changed,))  # fmt: skip
    assert conn.counter.by_operation[calls] == before + 1
