"""IAM Access Analyzer's unused-access analyzers on the emulator, as AWS answers them:
ListAnalyzers' configuration, ListFindingsV2, GetFindingV2 and the finding recommendations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from iamtui.emulator.seed import Seeder
from iamtui.emulator.server import Emulator

ACCOUNT = "123456789012"
ARN = f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/unused"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/batch"
USER = f"arn:aws:iam::{ACCOUNT}:user/carol"
POLICY = (
    '{"Version":"2012-10-17","Statement":'
    '[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
)


def seeded(emulator: Emulator, now: datetime) -> tuple[Seeder, dict[str, str]]:
    seeder = Seeder(emulator.backend(), emulator.extras(), now)
    seeder.analyzer("unused", type="ACCOUNT_UNUSED_ACCESS", unused_access_age=60)
    ids = {
        "role": seeder.analyzer_finding(
            "unused",
            ROLE,
            "UnusedIAMRole",
            details=[{"unusedIamRoleDetails": {"lastAccessed": now - timedelta(days=120)}}],
        ),
        "key": seeder.analyzer_finding(
            "unused",
            USER,
            "UnusedIAMUserAccessKey",
            details=[{"unusedIamUserAccessKeyDetails": {"accessKeyId": "AKIAEXAMPLE0000000001"}}],
        ),
        "password": seeder.analyzer_finding(
            "unused",
            USER,
            "UnusedIAMUserPassword",
            status="ARCHIVED",
            details=[{"unusedIamUserPasswordDetails": {}}],
        ),
        "permission": seeder.analyzer_finding(
            "unused",
            ROLE,
            "UnusedPermission",
            details=[
                {
                    "unusedPermissionDetails": {
                        "serviceNamespace": "s3",
                        "actions": [
                            {"action": "s3:PutObject", "lastAccessed": now - timedelta(days=200)}
                        ],
                    }
                },
                {"unusedPermissionDetails": {"serviceNamespace": "ec2"}},
                {"unusedPermissionDetails": {"serviceNamespace": "sqs"}},
            ],
            recommended_steps=[
                {
                    "unusedPermissionsRecommendedStep": {
                        "recommendedAction": "CREATE_POLICY",
                        "recommendedPolicy": POLICY,
                        "existingPolicyId": "ANPAEXAMPLE",
                        "policyUpdatedAt": now - timedelta(days=300),
                    }
                },
                {
                    "unusedPermissionsRecommendedStep": {
                        "recommendedAction": "DETACH_POLICY",
                        "existingPolicyId": "ANPAEXAMPLE",
                        "policyUpdatedAt": now - timedelta(days=300),
                    }
                },
            ],
        ),
    }
    return seeder, ids


def test_list_analyzers_says_an_unused_access_analyzers_unused_access_age(
    emulator: Emulator, now: datetime
) -> None:
    """AWS: AnalyzerSummary.configuration.unusedAccess.unusedAccessAge (days) on unused-access
    analyzers; external-access analyzers have no such configuration."""
    seeder, _ = seeded(emulator, now)
    seeder.analyzer("external", type="ACCOUNT")
    client = emulator.client("accessanalyzer")
    found = {a["name"]: a for a in client.list_analyzers()["analyzers"]}
    assert found["unused"]["configuration"] == {"unusedAccess": {"unusedAccessAge": 60}}
    assert "configuration" not in found["external"]


def test_list_findings_v2_filters_by_status_and_type_and_pages(
    emulator: Emulator, now: datetime
) -> None:
    """AWS: ListFindingsV2 (POST /findingv2) returns FindingSummaryV2 entries matching every
    filter criterion (eq/neq/contains/exists), maxResults per page, then nextToken."""
    _, ids = seeded(emulator, now)
    client = emulator.client("accessanalyzer")
    active = client.list_findings_v2(analyzerArn=ARN, filter={"status": {"eq": ["ACTIVE"]}})
    assert sorted(f["findingType"] for f in active["findings"]) == [
        "UnusedIAMRole",
        "UnusedIAMUserAccessKey",
        "UnusedPermission",
    ]
    role = next(f for f in active["findings"] if f["id"] == ids["role"])
    assert role["resource"] == ROLE and role["resourceType"] == "AWS::IAM::Role"
    assert role["resourceOwnerAccount"] == ACCOUNT and role["status"] == "ACTIVE"
    assert isinstance(role["updatedAt"], datetime) and isinstance(role["analyzedAt"], datetime)
    users = client.list_findings_v2(
        analyzerArn=ARN,
        filter={"resource": {"contains": [":user/"]}, "status": {"neq": ["ACTIVE"]}},
    )
    assert [f["id"] for f in users["findings"]] == [ids["password"]]
    pages = list(
        client.get_paginator("list_findings_v2").paginate(
            analyzerArn=ARN, PaginationConfig={"PageSize": 1}
        )
    )
    assert len(pages) == 4 and all(len(p["findings"]) == 1 for p in pages)
    assert sorted(f["id"] for p in pages for f in p["findings"]) == sorted(ids.values())


def test_list_findings_v2_refuses_an_unknown_analyzer_and_filter_key(
    emulator: Emulator, now: datetime
) -> None:
    """AWS: ResourceNotFoundException for an analyzer that does not exist; ValidationException
    for a filter key unused-access findings do not have."""
    seeded(emulator, now)
    client = emulator.client("accessanalyzer")
    with pytest.raises(ClientError) as missing:
        client.list_findings_v2(analyzerArn=ARN.replace("unused", "nope"))
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as invalid:
        client.list_findings_v2(analyzerArn=ARN, filter={"color": {"eq": ["red"]}})
    assert invalid.value.response["Error"]["Code"] == "ValidationException"


def test_get_finding_v2_pages_the_finding_details(emulator: Emulator, now: datetime) -> None:
    """AWS: GetFindingV2 (GET /findingv2/{id}) answers the finding with findingDetails, a union
    per entry, paged by maxResults/nextToken; an unknown id is ResourceNotFoundException."""
    _, ids = seeded(emulator, now)
    client = emulator.client("accessanalyzer")
    role = client.get_finding_v2(analyzerArn=ARN, id=ids["role"])
    assert role["findingType"] == "UnusedIAMRole"
    [detail] = role["findingDetails"]
    assert detail["unusedIamRoleDetails"]["lastAccessed"] < now - timedelta(days=119)
    pages = list(
        client.get_paginator("get_finding_v2").paginate(
            analyzerArn=ARN, id=ids["permission"], PaginationConfig={"PageSize": 2}
        )
    )
    namespaces = [
        d["unusedPermissionDetails"]["serviceNamespace"] for p in pages for d in p["findingDetails"]
    ]
    assert (len(pages), namespaces) == (2, ["s3", "ec2", "sqs"])
    assert pages[0]["findingDetails"][0]["unusedPermissionDetails"]["actions"][0]["action"] == (
        "s3:PutObject"
    )
    with pytest.raises(ClientError) as missing:
        client.get_finding_v2(analyzerArn=ARN, id="no-such-finding")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_finding_recommendation_is_generated_then_read(emulator: Emulator, now: datetime) -> None:
    """AWS: GetFindingRecommendation is ResourceNotFoundException until
    GenerateFindingRecommendation (POST /recommendation/{id}) started one; it is IN_PROGRESS,
    then SUCCEEDED with UnusedPermissionRecommendation steps (CREATE_POLICY, DETACH_POLICY)."""
    _, ids = seeded(emulator, now)
    client = emulator.client("accessanalyzer")
    with pytest.raises(ClientError) as before:
        client.get_finding_recommendation(analyzerArn=ARN, id=ids["permission"])
    assert before.value.response["Error"]["Code"] == "ResourceNotFoundException"
    client.generate_finding_recommendation(analyzerArn=ARN, id=ids["permission"])
    first = client.get_finding_recommendation(analyzerArn=ARN, id=ids["permission"])
    assert (first["status"], first["resourceArn"]) == ("IN_PROGRESS", ROLE)
    assert "recommendedSteps" not in first
    done: dict[str, Any] = client.get_finding_recommendation(analyzerArn=ARN, id=ids["permission"])
    assert done["status"] == "SUCCEEDED"
    assert done["recommendationType"] == "UnusedPermissionRecommendation"
    assert done["completedAt"] >= done["startedAt"]
    create, detach = (s["unusedPermissionsRecommendedStep"] for s in done["recommendedSteps"])
    assert (create["recommendedAction"], create["recommendedPolicy"]) == ("CREATE_POLICY", POLICY)
    assert (detach["recommendedAction"], detach["existingPolicyId"]) == (
        "DETACH_POLICY",
        "ANPAEXAMPLE",
    )
    one = client.get_finding_recommendation(analyzerArn=ARN, id=ids["permission"], maxResults=1)
    assert len(one["recommendedSteps"]) == 1 and one["nextToken"]


def test_recommendations_are_only_for_unused_permission_findings(
    emulator: Emulator, now: datetime
) -> None:
    """AWS: GenerateFindingRecommendation "creates a recommendation for an unused permissions
    finding": an unused role is refused."""
    _, ids = seeded(emulator, now)
    client = emulator.client("accessanalyzer")
    with pytest.raises(ClientError) as refused:
        client.generate_finding_recommendation(analyzerArn=ARN, id=ids["role"])
    assert refused.value.response["Error"]["Code"] == "ValidationException"
