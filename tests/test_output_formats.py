"""``scan --format ocsf`` (OCSF 1.1 Detection Finding) and ``--format markdown`` (tickets):
their shape, and ``--fail-on`` meaning the same whatever the format."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from builders import key, keys_detail, role, root_row, row, snapshot, trust, user
from click.testing import CliRunner
from conftest import NOW

from iamtui.cli import main
from iamtui.core import snapshot as snapshot_io
from iamtui.core.findings import Evaluation, Severity
from iamtui.core.model import AccountSnapshot, AccountSummary, InstanceProfile
from iamtui.core.output import (
    OCSF_CATEGORY_UID,
    OCSF_CLASS_UID,
    OCSF_TYPE_UID,
    to_markdown,
    to_ocsf,
)
from iamtui.core.rules import evaluate
from iamtui.core.settings import Settings, Suppression

ALICE = user("alice")
BOB = user("bob")

# Attributes OCSF 1.1.0 marks "required" for Detection Finding (class 2004), with the Cloud
# profile Prowler and Security Lake apply: https://schema.ocsf.io/1.1.0/classes/detection_finding
# (base event: activity_id, category_uid, class_uid, metadata, severity_id, time, type_uid;
# finding: finding_info; cloud profile: cloud), and inside the objects they hold.
REQUIRED = (
    "activity_id",
    "category_uid",
    "class_uid",
    "cloud",
    "finding_info",
    "metadata",
    "severity_id",
    "time",
    "type_uid",
)
REQUIRED_IN = {
    "metadata": ("product", "version"),  # metadata object
    "finding_info": ("title", "uid"),  # finding_info object
    "cloud": ("provider",),  # cloud object
}
REQUIRED_IN_PRODUCT = ("vendor_name",)  # product object
#: OCSF ``timestamp_t`` fields: integers, milliseconds since the epoch.
TIMESTAMPS = ("time", "finding_info.created_time")


@pytest.fixture
def snap() -> AccountSnapshot:
    return snapshot(
        users=[ALICE, BOB],
        rows=[
            row(ALICE, key1=key(used=200, rotated=300)),
            row(BOB, password=True, password_used=1, mfa=False),
        ],
        roles=[role("open", trust_policy=trust("*"))],
        root=root_row(mfa=False),
        summary=AccountSummary(mfa_enabled=False, access_keys_present=False),
        details=[keys_detail(ALICE, 300)],
    )


@pytest.fixture
def result(snap: AccountSnapshot) -> Evaluation:
    quiet = Suppression(rule="user.console-without-mfa", principal="bob", reason="kiosk")
    return evaluate(snap, now=NOW, settings=Settings(suppressions=(quiet,)))


def _ids(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every ``*_id`` attribute of an OCSF event, with its dotted path (not inside the free-form
    ``unmapped`` and resource ``data``, which hold iamtui's evidence as it is)."""
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for name, item in value.items():
            if name in ("unmapped", "data"):
                continue
            where = f"{path}.{name}" if path else name
            if name.endswith("_id"):
                found.append((where, item))
            found += _ids(item, where)
    elif isinstance(value, list):
        for item in value:
            found += _ids(item, path)
    return found


def _at(event: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        event = event[part]
    return event


def test_ocsf_events_have_every_required_detection_finding_attribute(
    result: Evaluation, snap: AccountSnapshot
) -> None:
    events = to_ocsf(result, snap, version="9.9.9")
    assert isinstance(json.loads(json.dumps(events)), list)  # a JSON array
    assert len(events) == len(result.findings) > 3
    for event in events:
        assert not [name for name in REQUIRED if event.get(name) is None], event
        for obj, names in REQUIRED_IN.items():
            assert not [name for name in names if event[obj].get(name) is None], obj
        assert not [n for n in REQUIRED_IN_PRODUCT if event["metadata"]["product"].get(n) is None]
        assert (event["class_uid"], event["category_uid"]) == (OCSF_CLASS_UID, OCSF_CATEGORY_UID)
        assert (event["class_uid"], event["category_uid"], event["type_uid"]) == (2004, 2, 200401)
        assert event["activity_id"] == 1 and OCSF_TYPE_UID == 200401
        assert event["metadata"]["version"].startswith("1.")
        assert event["metadata"]["product"] == {
            "name": "iamtui",
            "vendor_name": "iamtui",
            "version": "9.9.9",
        }
        assert event["cloud"]["provider"] == "AWS"
        assert event["cloud"]["account"]["uid"] == snap.account_id
        ids = _ids(event)
        assert {"activity_id", "severity_id", "status_id", "cloud.account.type_id"} <= {
            where for where, _ in ids
        }
        for where, value in ids:
            assert type(value) is int, where
        for where in TIMESTAMPS:
            assert _at(event, where) == int(NOW.timestamp() * 1000), where
        resource = event["resources"][0]
        assert resource["uid"].startswith("arn:aws:iam::") and resource["cloud_partition"] == "aws"


def test_ocsf_maps_severity_status_and_subject(result: Evaluation, snap: AccountSnapshot) -> None:
    events = {e["finding_info"]["uid"]: e for e in to_ocsf(result, snap, version="1")}
    captions = ("Informational", "Low", "Medium", "High", "Critical")
    names = dict(zip(Severity, captions, strict=True))
    for finding in result.findings:
        event = events[finding.id]
        assert event["severity_id"] == int(finding.severity) + 1
        assert event["severity"] == names[finding.severity]
        assert event["metadata"]["event_code"] == finding.rule
        assert event["finding_info"]["desc"] == finding.summary
        assert event["resources"][0]["uid"] == finding.principal_arn
        assert event["remediation"]["references"]
        suppressed = finding.suppressed is not None
        assert (event["status_id"], event["status"]) == (
            (3, "Suppressed") if suppressed else (1, "New")
        )
    root = next(e for e in events.values() if e["metadata"]["event_code"] == "root.no-mfa")
    assert root["resources"][0]["type"] == "AwsAccount" and root["severity"] == "Critical"
    alice = next(e for e in events.values() if e["metadata"]["event_code"] == "access-key.unused")
    assert alice["resources"][0]["type"] == "AwsIamUser"
    assert alice["resources"][0]["data"]["access_key"] == {"slot": 1, "id": "AKIAALICE1"}


def _table_rows(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("| ") and not line.startswith("| Severity")]


def test_markdown_shape(result: Evaluation, snap: AccountSnapshot) -> None:
    text = to_markdown(result, snap)
    lines = text.splitlines()
    assert lines[0] == "# IAM findings for acme-prod (123456789012), 2026-06-01T12:00:00Z"
    assert len(_table_rows(lines)) == len(Severity)
    assert _table_rows(lines)[0] == f"| critical | {result.counts()[Severity.CRITICAL]} |"
    sections = [line for line in lines if line.startswith("## ")]
    assert len(sections) == len(result.findings)
    first = result.findings[0]
    assert sections[0] == f"## 1. CRITICAL: root root (`{first.rule}`)"
    body = text.split(sections[0], 1)[1].split("\n## ", 1)[0]
    assert "- **Severity:** critical" in body
    assert f"- **Practice:** {first.practice.name}: " in body
    assert "- **Subject:** root root, arn:aws:iam::123456789012:root" in body
    assert "**Evidence**\n\n- `" in body
    assert "**Fix with iamtui:** `root.harden`" in body
    assert "- **Suppressed:** kiosk" in text  # bob's suppressed finding says why


def test_markdown_escapes_pipes_and_formatting_in_values(snap: AccountSnapshot) -> None:
    hostile = replace(snap, alias="a|b*c")
    evaluation = evaluate(hostile, now=NOW)
    finding = evaluation.findings[0]
    odd = replace(
        finding,
        summary="x | y [z](http://e) <b>_i_</b>",
        evidence={"note": "p|q", "nested": ("r|s",)},
    )
    text = to_markdown(replace(evaluation, findings=(odd, *evaluation.findings[1:])), hostile)
    lines = text.splitlines()
    assert lines[0].startswith("# IAM findings for a\\|b\\*c (123456789012)")
    unescaped_pipe = re.compile(r"(?<!\\)\|")
    for line in lines:
        pipes = len(unescaped_pipe.findall(line))
        assert pipes == (3 if line.startswith("|") else 0), line
    assert "x \\| y \\[z\\](http://e) \\<b\\>\\_i\\_\\</b\\>" in text
    assert "- `note`: p\\|q" in text and '- `nested`: \\["r\\|s"\\]' in text


def test_markdown_says_which_rules_were_not_evaluated(snap: AccountSnapshot) -> None:
    evaluation = evaluate(snap, now=NOW)
    text = to_markdown(evaluation, snap)
    assert evaluation.not_evaluated  # last-accessed data is not in the snapshot
    assert "- `permissions.unused-services`: last-accessed data not loaded" in text


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "ocsf", "markdown"])
def test_fail_on_is_the_same_with_every_format(
    fmt: str, snap: AccountSnapshot, tmp_path: Path
) -> None:
    path = tmp_path / "snap.json"
    snapshot_io.save(snap, path)
    base = ["scan", "--snapshot", str(path), "--format", fmt]
    runner = CliRunner()
    assert runner.invoke(main, [*base, "--fail-on", "critical"]).exit_code == 1
    quiet = tmp_path / "quiet.toml"
    quiet.write_text(
        f'[[suppressions]]\nrule = "*"\nprincipal = "*"\nreason = "accepted"\n'
        f'expires = "{date(2099, 1, 1)}"\n'
    )
    accepted = runner.invoke(main, [*base, "--config", str(quiet), "--fail-on", "info"])
    assert accepted.exit_code == 0, accepted.output
    written = tmp_path / f"out.{fmt}"
    to_file = runner.invoke(main, [*base, "--fail-on", "high", "-o", str(written)])
    assert to_file.exit_code == 1 and written.stat().st_size > 0


def test_ocsf_says_fail_and_names_the_organization_when_read() -> None:
    """Prowler's importers filter on status_code; cloud.org groups accounts of one org."""
    from dataclasses import replace

    from iamtui.core.model import Organization
    from iamtui.core.output import to_ocsf
    from iamtui.core.rules import evaluate
    from tests.builders import NOW, role, snapshot, trust

    r = role("partner", trust_policy=trust({"AWS": "arn:aws:iam::210987654321:root"}))
    snap = replace(snapshot(roles=[r]), organization=Organization(True, "o-abc1234567", "9" * 12))
    events = to_ocsf(evaluate(snap, now=NOW), snap, version="test")
    assert events and all(e["status_code"] == "FAIL" for e in events)
    assert all(e["cloud"]["org"] == {"uid": "o-abc1234567"} for e in events)
    plain = snapshot(roles=[r])
    unread = to_ocsf(evaluate(plain, now=NOW), plain, version="t")
    assert all("org" not in e["cloud"] for e in unread)


def test_ocsf_names_a_resource_type_for_every_kind_of_finding_subject() -> None:
    """`scan --demo --format ocsf` crashed on an MFA device finding: every kind needs a type."""
    from iamtui.core.findings import PrincipalKind
    from iamtui.core.output import OCSF_RESOURCE_TYPES

    assert set(OCSF_RESOURCE_TYPES) == set(PrincipalKind)
    runner = CliRunner()
    result = runner.invoke(main, ["scan", "--demo", "--format", "ocsf"])
    assert result.exit_code in (0, 1), result.output
    types = {event["resources"][0]["type"] for event in json.loads(result.output)}
    assert {"AwsIamUser", "AwsIamRole", "Other"} <= types


def test_ocsf_names_a_resource_type_for_every_finding_kind() -> None:
    """Account resources (an MFA device, an instance profile, an identity provider) are "Other",
    ASFF's catch-all: every kind a finding can name has a type."""
    from iamtui.core.findings import PrincipalKind
    from iamtui.core.output import OCSF_RESOURCE_TYPES

    assert set(OCSF_RESOURCE_TYPES) == {str(kind) for kind in PrincipalKind}
    profile = InstanceProfile(
        "empty",
        "arn:aws:iam::123456789012:instance-profile/empty",
        "AIPA1",
        "/",
        NOW.replace(year=2024),
    )
    account = snapshot(instance_profiles=[profile])
    events = to_ocsf(evaluate(account, now=NOW), account, version="9.9.9")
    types = {
        e["resources"][0]["type"]
        for e in events
        if e["finding_info"]["title"].startswith("Instance")
    }
    assert types == {"Other"}
