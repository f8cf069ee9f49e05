"""Scan output: the pinned JSON schema, CSV, the rich table and --fail-on."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date

import pytest
from builders import ACCOUNT, key, keys_detail, role, row, snapshot, trust, user
from conftest import NOW
from hostile import (
    BIDI_ATTACK,
    BIDI_ATTACK_SHOWN,
    C1_ATTACK,
    FORMULA_NAMES,
    TERMINAL_ATTACK,
    TERMINAL_ATTACK_SHOWN,
    assert_inert,
)
from rich.console import Console

from iamtui.core.findings import Evaluation, Severity
from iamtui.core.model import AccountSnapshot, AccountSummary, Part, Unavailable
from iamtui.core.output import (
    CSV_COLUMNS,
    SCHEMA,
    completeness,
    csv_cell,
    exceeds,
    render_table,
    to_csv,
    to_json,
)
from iamtui.core.rules import ALL_RULES, evaluate
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
        "complete",
        "rules",
        "counts",
        "findings",
        "not_evaluated",
        "coverage",
        "data_warnings",
        "expired_suppressions",
        "access_analyzer",
    }
    assert doc["schema"] == SCHEMA == "iamtui.scan/1"
    assert set(doc["account"]) == {"id", "alias"}
    assert set(doc["credential_report"]) == {"generated_at", "age_seconds"}
    assert set(doc["rules"]) == {"total", "evaluated", "missing", "not_requested"}
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
            "access_analyzer",
        }
        assert finding["key"] is None or set(finding["key"]) == {"slot", "key_id"}
        assert set(finding["practice"]) == {"name", "description"}
        assert finding["suppressed"] is None or set(finding["suppressed"]) == {"reason", "expires"}
    assert all(set(s) == {"rule", "title", "reason", "requested"} for s in doc["not_evaluated"])
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
        # account.no-support-role (the fixture has no support role, CIS 1.17); user.no-group
        # for alice and bob (no group, no policy); user.no-mfa for alice (a key, no MFA)
        "low": 4,
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
    assert (
        "Not evaluated (data not requested):\n"
        "  permissions.unused-services: last-accessed data not loaded"
    ) in text
    assert "  ssh-key.rotation-due: SSH public keys not fetched for any of" in text
    assert "INCOMPLETE" not in text
    assert "Suppression expired on 2026-01-01 and no longer applies: role.unused / *" in text
    assert text.rstrip().endswith(
        "1 critical, 0 high, 3 medium, 4 low, 1 info · 1 suppressed · 2 rules not evaluated · "
        "credential report 3 hours old"
    )


def test_table_with_no_findings() -> None:
    empty = snapshot(report=False)
    console = Console(record=True, width=120, color_system=None)
    render_table(Evaluation(now=NOW), empty, console)
    text = console.export_text()
    assert "No findings for acme-prod (123456789012)." in text
    assert "no credential report" in text


def _all_parts_denied() -> AccountSnapshot:
    """Every read failed: 20 of 20 rules cannot run."""
    denied = [Unavailable(part, "denied", "AccessDenied") for part in Part]
    return replace(snapshot(report=False), unavailable=tuple(denied), summary=None, caller=None)


def test_an_all_failed_scan_is_not_an_all_clear() -> None:
    snap = _all_parts_denied()
    evaluation = evaluate(snap, now=NOW)
    assert evaluation.findings == () and len(evaluation.not_evaluated) == len(ALL_RULES)
    console = Console(record=True, width=200, color_system=None)
    render_table(evaluation, snap, console)
    text = console.export_text()
    assert f"No findings for acme-prod ({ACCOUNT})." not in text
    assert "that is NOT a clean result" in text
    assert "Rules NOT evaluated for acme-prod (123456789012): findings unknown" in text
    total = len(ALL_RULES)
    assert f"scan INCOMPLETE: {total} of {total} rules not evaluated" in text
    doc = to_json(evaluation, snap, NOW)
    assert doc["complete"] is False
    assert doc["rules"] == {"total": total, "evaluated": 0, "missing": total, "not_requested": 0}
    assert all(s["requested"] for s in doc["not_evaluated"])


def test_last_accessed_not_asked_for_does_not_make_a_scan_incomplete(
    result: Evaluation, snap: AccountSnapshot
) -> None:
    assert [s.rule.id for s in result.not_evaluated] == [
        "permissions.unused-services",
        "ssh-key.rotation-due",  # per-user SSH keys: no scan fetches them, never "missing"
    ]
    assert completeness(result, snap, last_accessed_requested=False).complete
    asked = completeness(result, snap, last_accessed_requested=True)
    assert not asked.complete and [s.rule.id for s in asked.missing] == [
        "permissions.unused-services"
    ]
    doc = to_json(result, snap, NOW, last_accessed_requested=True)
    assert doc["complete"] is False and doc["not_evaluated"][0]["requested"] is True


def test_data_warnings_are_shown_and_in_json(result: Evaluation, snap: AccountSnapshot) -> None:
    warned = replace(snap, data_warnings=("2 policies without PolicyName (derived)",))
    console = Console(record=True, width=200, color_system=None)
    render_table(result, warned, console)
    assert "Data warning: 2 policies without PolicyName (derived)" in console.export_text()
    assert to_json(result, warned, NOW)["data_warnings"] == [
        "2 policies without PolicyName (derived)"
    ]


def _hostile_evaluation(*names: str) -> tuple[Evaluation, AccountSnapshot]:
    users = [user(n) for n in names]
    snap = snapshot(
        users=users,
        rows=[row(u, key1=key(used=200, rotated=300)) for u in users],
        alias=TERMINAL_ATTACK,
    )
    settings = Settings(suppressions=(Suppression("role.unused", "*", BIDI_ATTACK),))
    return evaluate(snap, now=NOW, settings=settings), snap


def test_table_shows_control_characters_as_escapes() -> None:
    evaluation, snap = _hostile_evaluation(TERMINAL_ATTACK, BIDI_ATTACK, C1_ATTACK)
    console = Console(record=True, width=300, color_system=None)
    render_table(evaluation, snap, console)
    text = console.export_text()
    assert_inert(text)
    assert f"IAM findings for {TERMINAL_ATTACK_SHOWN} ({ACCOUNT})" in text
    assert f"user {TERMINAL_ATTACK_SHOWN}" in text
    assert f"user {BIDI_ATTACK_SHOWN}" in text and "user \\x9b2J" in text


def test_csv_neutralizes_formulas_and_control_characters() -> None:
    evaluation, _ = _hostile_evaluation(*FORMULA_NAMES, "\tx", TERMINAL_ATTACK, "plain")
    text = to_csv(evaluation)
    assert_inert(text)
    names = {r["principal_name"] for r in csv.DictReader(io.StringIO(text))}
    assert {f"'{n}" for n in FORMULA_NAMES} | {"'\\x09x", TERMINAL_ATTACK_SHOWN, "plain"} == names
    cells = [c for r in csv.reader(io.StringIO(text)) for c in r]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert csv_cell("-x") == "'-x" and csv_cell("a=b") == "a=b" and csv_cell(None) == ""
    assert csv_cell("x;=1+cmd|calc!A0") == "x;'=1+cmd|calc!A0"
    assert csv_cell("a, @SUM(1)") == "a, '@SUM(1)" and csv_cell("a;b") == "a;b"


def test_the_documented_example_has_exactly_the_real_keys(
    result: Evaluation, snap: AccountSnapshot
) -> None:
    """docs/scan-json.md's example is the schema consumers read: it must not drift from it."""
    from pathlib import Path

    docs = (Path(__file__).parent.parent / "docs" / "scan-json.md").read_text(encoding="utf-8")
    block = docs.split("```json\n", 1)[1].split("```", 1)[0]
    example = json.loads(block)
    real = to_json(result, snap, NOW)
    assert example["schema"] == SCHEMA and f"`{SCHEMA}`" in docs.splitlines()[0]
    assert set(example) == set(real)
    assert set(example["rules"]) == set(real["rules"])
    assert set(example["findings"][0]) == set(real["findings"][0])
    assert set(example["not_evaluated"][0]) == set(real["not_evaluated"][0])


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (TERMINAL_ATTACK, TERMINAL_ATTACK_SHOWN),
        (BIDI_ATTACK, BIDI_ATTACK_SHOWN),
        (C1_ATTACK, "\\x9b2J"),
        ("a\nb\tc\rd\x00e\x7f", "a\\x0ab\\x09c\\x0dd\\x00e\\x7f"),
        ("line\u2028sep\u2066iso\u2069", "line\\u2028sep\\u2066iso\\u2069"),
        ("café 日本 ñ e\u0301 \u00a0nbsp", "café 日本 ñ e\u0301 \u00a0nbsp"),
        ("arn:aws:iam::1:user/a+b=c,d.e@f-g_h", "arn:aws:iam::1:user/a+b=c,d.e@f-g_h"),
        ("a\u200bb\u2060c\ufeffd\u00ade\u180ef", "a\\u200bb\\u2060c\\ufeffd\\xade\\u180ef"),
        ("tag\U000e0041\U000e007f", "tag\\U000e0041\\U000e007f"),
        ("\\x1b[2J \\u202e \\U000e0041", "\\\\x1b[2J \\\\u202e \\\\U000e0041"),
        ("C:\\dir\\n", "C:\\dir\\n"),
    ],
    ids=[
        "osc-csi",
        "bidi",
        "c1",
        "c0-del",
        "separators-isolates",
        "unicode-kept",
        "iam-chars",
        "zero-width",
        "tags",
        "literal-escapes",
        "other-backslashes",
    ],
)
def test_printable(raw: str, shown: str) -> None:
    from iamtui.core.text import is_printable, printable

    assert printable(raw) == shown
    assert_inert(printable(raw))
    assert is_printable(raw) == (raw == shown)
    assert printable(3) == "3"


def test_root_is_named_once_in_labels() -> None:
    """Before: `root root` in the scan table and in markdown headings."""
    from iamtui.core.output import principal_label
    from iamtui.core.rules import evaluate
    from tests.builders import NOW, AccountSummary, snapshot

    snap = snapshot(summary=AccountSummary(False, False))
    (finding,) = [f for f in evaluate(snap, now=NOW).findings if f.rule == "root.no-mfa"]
    assert principal_label(finding) == "root"
