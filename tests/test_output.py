"""Scan output: the pinned JSON schema, CSV, the rich table and --fail-on."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from builders import ACCOUNT, key, keys_detail, role, row, snapshot, trust, user
from conftest import NOW
from rich.console import Console

from iamtui.core.findings import Evaluation, Severity, evaluate
from iamtui.core.model import AccountSnapshot, AccountSummary
from iamtui.core.output import CSV_COLUMNS, SCHEMA, exceeds, render_table, to_csv, to_json
from iamtui.core.settings import Settings, Suppression

ALICE = user("alice")
BOB = user("bob")


@pytest.fixture
def snap() -> AccountSnapshot:
    base = snapshot(
        users=[ALICE, BOB],
        rows=[
            row(ALICE, key1=key(used=200, rotated=300)),
            row(BOB, password=True, password_used=1, mfa=True, key1=key(used=1, rotated=10)),
        ],
        roles=[role("open", trust_policy=trust("*"))],
        summary=AccountSummary(mfa_enabled=True, access_keys_present=False),
        details=[keys_detail(ALICE, 300)],
    )
    return base


@pytest.fixture
def result(snap: AccountSnapshot) -> Evaluation:
    settings = Settings(
        suppressions=(
            Suppression(
                "user.long-term-credentials",
                "bob",
                "service user, migration planned",
                date(2026, 9, 30),
            ),
            Suppression("role.unused", "*", "old", date(2026, 1, 1)),
        )
    )
    return evaluate(snap, now=NOW, settings=settings)


def test_json_schema_key_set_is_pinned(result: Evaluation, snap: AccountSnapshot) -> None:
    doc = to_json(result, snap, NOW)
    assert set(doc) == {
        "schema",
        "generated_at",
        "account",
        "caller_arn",
        "loaded_at",
        "source",
        "credential_report",
        "counts",
        "findings",
        "not_evaluated",
        "coverage",
        "expired_suppressions",
    }
    assert doc["schema"] == SCHEMA == "iamtui.scan/1"
    assert set(doc["account"]) == {"id", "alias"}
    assert set(doc["credential_report"]) == {"generated_at", "age_seconds"}
    assert set(doc["counts"]) == {"critical", "high", "medium", "low", "info", "suppressed"}
    for finding in doc["findings"]:
        assert set(finding) == {
            "id",
            "rule",
            "severity",
            "principal_kind",
            "principal_arn",
            "principal_name",
            "key",
            "summary",
            "evidence",
            "actions",
            "practice",
            "suppressed",
        }
        assert finding["key"] is None or set(finding["key"]) == {"slot", "key_id"}
        assert set(finding["practice"]) == {"name", "description"}
        assert finding["suppressed"] is None or set(finding["suppressed"]) == {"reason", "expires"}
    assert all(set(s) == {"rule", "title", "reason"} for s in doc["not_evaluated"])
    assert all(set(c) == {"rule", "covered", "total", "unit"} for c in doc["coverage"])
    assert all(
        set(s) == {"rule", "principal", "reason", "expires"} for s in doc["expired_suppressions"]
    )


def test_json_values(result: Evaluation, snap: AccountSnapshot) -> None:
    doc = json.loads(json.dumps(to_json(result, snap, NOW)))  # JSON-serialisable as is
    assert doc["account"] == {"id": ACCOUNT, "alias": "acme-prod"}
    assert doc["generated_at"] == "2026-06-01T12:00:00Z"
    assert doc["credential_report"] == {
        "generated_at": "2026-06-01T09:00:00Z",
        "age_seconds": 3 * 3600,
    }
    assert doc["caller_arn"] == f"arn:aws:iam::{ACCOUNT}:user/auditor"
    assert doc["counts"] == {
        "critical": 1,
        "high": 0,
        "medium": 3,
        "low": 0,
        "info": 1,
        "suppressed": 1,
    }
    unused = next(f for f in doc["findings"] if f["rule"] == "access-key.unused")
    assert unused["id"] == f"access-key.unused:{ALICE.arn}:1"
    assert unused["key"] == {"slot": 1, "key_id": "AKIAALICE1"}
    assert unused["actions"] == ["key.deactivate", "key.delete"]
    assert unused["severity"] == "medium"
    assert unused["evidence"]["last_used"] == "2025-11-13T12:00:00Z"
    suppressed = next(f for f in doc["findings"] if f["suppressed"])
    assert suppressed["suppressed"] == {
        "reason": "service user, migration planned",
        "expires": "2026-09-30",
    }
    assert doc["not_evaluated"][0]["rule"] == "permissions.unused-services"
    assert doc["expired_suppressions"] == [
        {"rule": "role.unused", "principal": "*", "reason": "old", "expires": "2026-01-01"}
    ]
    assert doc["findings"][0]["severity"] == "critical"


def test_csv_one_row_per_finding(result: Evaluation) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(result.findings)
    unused = next(r for r in rows if r["rule"] == "access-key.unused")
    assert (unused["key_slot"], unused["key_id"], unused["actions"]) == (
        "1",
        "AKIAALICE1",
        "key.deactivate key.delete",
    )
    assert json.loads(unused["evidence"])["threshold_days"] == 90
    bob = next(r for r in rows if r["suppressed_reason"])
    assert (bob["principal_name"], bob["suppressed_expires"]) == ("bob", "2026-09-30")


def test_exceeds_ignores_suppressed_findings(result: Evaluation) -> None:
    assert exceeds(result, Severity.CRITICAL)
    assert exceeds(result, Severity.INFO)
    suppressed_only = Evaluation(now=NOW, findings=result.suppressed)
    assert [f.severity for f in suppressed_only.findings] == [Severity.INFO]
    assert not exceeds(suppressed_only, Severity.INFO)
    assert not exceeds(Evaluation(now=NOW), Severity.INFO)


def test_table_groups_by_severity_and_explains_everything(
    result: Evaluation, snap: AccountSnapshot
) -> None:
    console = Console(record=True, width=200, color_system=None)
    render_table(result, snap, console)
    text = console.export_text()
    assert "IAM findings for acme-prod (123456789012)" in text
    assert text.index("critical") < text.index("medium") < text.index("info")
    assert "user alice key 1 (AKIAALICE1)" in text
    assert "suppressed until 2026-09-30: service user, migration planned" in text
    assert "Not evaluated:\n  permissions.unused-services: last-accessed data not loaded" in text
    assert "Suppression expired on 2026-01-01 and no longer applies: role.unused / *" in text
    assert text.rstrip().endswith(
        "1 critical, 0 high, 3 medium, 0 low, 1 info · 1 suppressed · 1 rules not evaluated · "
        "credential report 3 hours old"
    )


def test_table_with_no_findings() -> None:
    empty = snapshot(report=False)
    console = Console(record=True, width=120, color_system=None)
    render_table(Evaluation(now=NOW), empty, console)
    text = console.export_text()
    assert "No findings for acme-prod (123456789012)." in text
    assert "no credential report" in text
