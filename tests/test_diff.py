"""``iamtui diff``: findings matched by identity, principals and keys, the journal in between."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from builders import (
    ACCOUNT,
    OTHER_ACCOUNT,
    READONLY_ARN,
    ago,
    key,
    keys_detail,
    managed,
    role,
    row,
    snapshot,
    trust,
    user,
)
from click.testing import CliRunner
from conftest import NOW

from iamtui.cli import main
from iamtui.core import snapshot as snapshot_io
from iamtui.core.actions import ActionId, ApiCall, Plan, Step, Target
from iamtui.core.diff import (
    SCHEMA,
    Diff,
    DiffRefused,
    compare,
    compare_findings,
    finding_identity,
    to_json,
)
from iamtui.core.findings import Evaluation, Finding, KeyRef
from iamtui.core.journal import Journal, JournalWriter
from iamtui.core.model import AccountSnapshot, Part, Unavailable
from iamtui.core.rules import evaluate

#: OLD is captured a month before NEW (NOW): its dates are shifted by this many days.
MONTH = 30
OLD_AT = NOW - timedelta(days=MONTH)

ALICE = user("alice", created=900)
BOB = user("bob", created=900)
EVE = user("eve", created=900)
DAVE = user("dave", created=900)
CAROL = user("carol", created=3)
ACCOUNT_ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def old_snapshot() -> AccountSnapshot:
    """A month ago: alice's old key unused, bob without MFA, eve's key unused, dave, old-ci."""
    snap = snapshot(
        users=[ALICE, BOB, EVE, DAVE],
        rows=[
            row(ALICE, key1=key(rotated=300 + MONTH, used=200 + MONTH)),
            row(BOB, password=True, password_used=1 + MONTH, mfa=False),
            row(EVE, key1=key(rotated=400 + MONTH, used=200 + MONTH)),
            row(DAVE),
        ],
        roles=[
            role("open", trust_policy=trust("*"), last_used=1 + MONTH),
            role("old-ci", last_used=1 + MONTH),
        ],
        policies=[managed("Legacy"), managed("ReadOnlyAccess", aws=True)],
    )
    return replace(snap, loaded_at=OLD_AT)


def new_snapshot() -> AccountSnapshot:
    """Now: alice rotated (old key gone, a new one), carol added, dave and old-ci removed."""
    return snapshot(
        users=[ALICE, BOB, EVE, CAROL],
        rows=[
            row(ALICE, key2=key(rotated=5, used=1)),
            row(BOB, password=True, password_used=1, mfa=False),
            row(EVE, key1=key(rotated=400 + MONTH, used=200 + MONTH)),
            row(CAROL, password=True, password_used=1, mfa=False),
        ],
        roles=[role("open", trust_policy=trust("*"), last_used=1)],
        policies=[managed("Fresh")],
    )


def _diff(old: AccountSnapshot, new: AccountSnapshot, journal: Any = ()) -> Diff:
    return compare(
        old,
        new,
        evaluate(old, now=old.loaded_at),
        evaluate(new, now=new.loaded_at),
        journal,
    )


def _ids(findings: tuple[Finding, ...]) -> set[tuple[str, str]]:
    return {(f.rule, f.principal_name) for f in findings}


def test_findings_fixed_new_and_unchanged_are_matched_by_identity_not_text() -> None:
    diff = _diff(old_snapshot(), new_snapshot())
    assert ("access-key.unused", "alice") in _ids(diff.fixed)
    assert ("user.console-without-mfa", "carol") in _ids(diff.new_findings)
    assert {("user.console-without-mfa", "bob"), ("access-key.unused", "eve")} <= _ids(
        diff.unchanged
    )
    assert ("role.public-trust", "open") in _ids(diff.unchanged)
    # eve's finding reads differently a month later and is still the same finding.
    eve_then = next(
        f
        for f in evaluate(old_snapshot(), now=OLD_AT).findings
        if (f.rule, f.principal_name) == ("access-key.unused", "eve")
    )
    eve_now = next(
        f for f in diff.unchanged if (f.rule, f.principal_name) == ("access-key.unused", "eve")
    )
    assert eve_then.summary != eve_now.summary
    # Every finding is in exactly one list.
    every = [finding_identity(f) for f in (*diff.fixed, *diff.new_findings, *diff.unchanged)]
    assert len(every) == len(set(every))
    # Only the rules that need last-accessed data or fetched SSH keys (in neither snapshot) are
    # not compared.
    assert [n.rule for n in diff.not_compared] == [
        "permissions.unused-services",
        "ssh-key.rotation-due",
    ]


def test_a_key_replaced_in_the_same_slot_is_a_fix_and_a_new_finding() -> None:
    evaluation = evaluate(old_snapshot(), now=OLD_AT)
    eve = next(f for f in evaluation.findings if f.principal_name == "eve" and f.key)
    old = Evaluation(now=OLD_AT, findings=(replace(eve, key=KeyRef(1, "AKIAOLD")),))
    replaced = Evaluation(now=NOW, findings=(replace(eve, key=KeyRef(1, "AKIANEW")),))
    unknown = Evaluation(now=NOW, findings=(replace(eve, key=KeyRef(1, None)),))
    fixed, new, unchanged, _ = compare_findings(old, replaced)
    assert (len(fixed), len(new), len(unchanged)) == (1, 1, 0)
    fixed, new, unchanged, _ = compare_findings(old, unknown)
    assert (len(fixed), len(new), len(unchanged)) == (0, 0, 1)


def test_rules_not_evaluated_on_a_side_are_not_compared_never_fixed() -> None:
    denied = Unavailable(Part.CREDENTIAL_REPORT, "denied", "AccessDenied")
    new = replace(new_snapshot(), credential_report=None, unavailable=(denied,))
    diff = _diff(old_snapshot(), new)
    skipped = {n.rule: n.reason for n in diff.not_compared}
    assert "access-key.unused" in skipped
    assert skipped["access-key.unused"].startswith("not evaluated in NEW: credential report")
    assert not any(f.rule in skipped for f in (*diff.fixed, *diff.new_findings))
    assert ("role.public-trust", "open") in _ids(diff.unchanged)  # other rules still compare


def test_principals_and_access_keys_added_and_removed() -> None:
    diff = _diff(old_snapshot(), new_snapshot())
    added = {(r.kind, r.name) for r in diff.added}
    removed = {(r.kind, r.name) for r in diff.removed}
    assert added == {("user", "carol"), ("policy", "Fresh"), ("access-key", "alice")}
    assert removed == {
        ("user", "dave"),
        ("role", "old-ci"),
        ("policy", "Legacy"),
        ("access-key", "alice"),
    }  # the AWS-managed ReadOnlyAccess (only listed while attached) is not a removal
    assert READONLY_ARN not in {r.arn for r in diff.removed}
    new_key = next(r for r in diff.added if r.kind == "access-key")
    assert new_key.created == ago(5) and new_key.key_id is None
    assert diff.keys_not_compared is None


def test_key_ids_from_key_lists_and_report_slots_are_one_key() -> None:
    """A key known by id in one snapshot and only by its report slot in the other matches."""
    old = replace(old_snapshot(), details={})
    old = old.with_details(keys_detail(EVE, 400 + MONTH))
    diff = _diff(old, new_snapshot())
    assert not any(r.name == "eve" for r in (*diff.added, *diff.removed))
    without_report = replace(new_snapshot(), credential_report=None)
    assert _diff(old, without_report).keys_not_compared == (
        "NEW has no credential report and no key lists"
    )


def _plan(account: str) -> Plan:
    target = Target("user", "alice", f"arn:aws:iam::{account}:user/alice")
    call = ApiCall("UpdateAccessKey", {"UserName": "alice", "AccessKeyId": "AKIA1"})
    return Plan(
        action=ActionId.KEY_DEACTIVATE,
        summary=f"Deactivate access key AKIA1 of user alice in {account}",
        account_id=account,
        targets=(target,),
        steps=(Step(call=call, description="Deactivate"),),
        built_at=OLD_AT,
        caller_arn=f"arn:aws:iam::{account}:user/ops",
    )


def _journal(path: Path, entries: list[tuple[datetime, str]]) -> Journal:
    store = Journal(path)
    for when, account in entries:
        with JournalWriter(store, clock=lambda when=when: when) as writer:
            entry = writer.begin(_plan(account))
            writer.end(entry, "completed")
    return store


def test_journal_entries_between_the_captures_of_the_same_account(tmp_path: Path) -> None:
    store = _journal(
        tmp_path / "journal.jsonl",
        [
            (OLD_AT - timedelta(days=1), ACCOUNT),  # before OLD
            (OLD_AT + timedelta(days=3), ACCOUNT),
            (OLD_AT + timedelta(days=9), OTHER_ACCOUNT),  # another account
            (NOW - timedelta(days=1), ACCOUNT),
            (NOW + timedelta(days=1), ACCOUNT),  # after NEW
        ],
    )
    diff = _diff(old_snapshot(), new_snapshot(), store.entries())
    assert [c.time for c in diff.journal] == [OLD_AT + timedelta(days=3), NOW - timedelta(days=1)]
    assert {c.action for c in diff.journal} == {"key.deactivate"}
    assert all(ACCOUNT in c.summary for c in diff.journal)


def test_snapshots_of_two_accounts_or_in_the_wrong_order_are_refused() -> None:
    other = replace(new_snapshot(), account_id=OTHER_ACCOUNT)
    with pytest.raises(DiffRefused, match="different accounts"):
        _diff(old_snapshot(), other)
    with pytest.raises(DiffRefused, match="give the older snapshot first"):
        _diff(new_snapshot(), old_snapshot())


# --- the command -----------------------------------------------------------------------------


def _files(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    snapshot_io.save(old_snapshot(), old)
    snapshot_io.save(new_snapshot(), new)
    return old, new


def _run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_cli_text_has_sections_with_counts_and_one_line_per_item(tmp_path: Path) -> None:
    old, new = _files(tmp_path)
    store = _journal(tmp_path / "j.jsonl", [(OLD_AT + timedelta(days=2), ACCOUNT)])
    result = _run("diff", str(old), str(new), "--journal", str(store.path))
    assert result.exit_code == 0, result.output
    out = result.stdout
    diff = _diff(old_snapshot(), new_snapshot())
    assert out.startswith("Changes in acme-prod (123456789012) over a month\n")
    counts = f"{len(diff.fixed)} fixed, {len(diff.new_findings)} new"
    assert f"Findings: {counts}, {len(diff.unchanged)} unchanged\n" in out
    assert f"Fixed ({len(diff.fixed)})\n" in out and f"New ({len(diff.new_findings)})\n" in out
    assert sum(line.startswith("  = ") for line in out.splitlines()) == len(diff.unchanged)
    assert "Principals: 3 added, 4 removed\n" in out
    assert "  + user carol  arn:aws:iam::123456789012:user/carol\n" in out
    assert "  - role old-ci  arn:aws:iam::123456789012:role/old-ci\n" in out
    assert f"Journal: 1 entry between the snapshots (journal {store.path})\n" in out
    (entry,) = store.entries()
    assert out.endswith(
        f"\n  {entry.id}  2026-05-04T12:00:00Z  key.deactivate  completed  {entry.summary}\n"
    )
    # The result depends on the files only: run again, same bytes.
    assert _run("diff", str(old), str(new), "--journal", str(store.path)).stdout == out


def test_cli_json_is_versioned_and_uses_each_capture_time(tmp_path: Path) -> None:
    old, new = _files(tmp_path)
    result = _run("diff", str(old), str(new), "--format", "json", "--journal", str(tmp_path / "j"))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["schema"] == SCHEMA
    assert document["old"] == {
        "file": str(old),
        "loaded_at": "2026-05-02T12:00:00Z",
        "source": "aws",
    }
    assert document["journal"]["exists"] is False and document["journal"]["entries"] == []
    expected = to_json(_diff(old_snapshot(), new_snapshot()), old_name=str(old), new_name=str(new))
    assert document["findings"] == expected["findings"]
    assert document["principals"] == expected["principals"]


def test_cli_refuses_another_account_in_one_line_exit_2(tmp_path: Path) -> None:
    old, _ = _files(tmp_path)
    other = tmp_path / "other.json"
    snapshot_io.save(replace(new_snapshot(), account_id=OTHER_ACCOUNT), other)
    result = _run("diff", str(old), str(other))
    assert result.exit_code == 2
    assert result.stderr == (
        f"iamtui: error: the snapshots are of different accounts ({ACCOUNT} and "
        f"{OTHER_ACCOUNT}): compare two snapshots of one account\n"
    )
    backwards = _run("diff", str(tmp_path / "new.json"), str(old))
    assert backwards.exit_code == 2 and "give the older snapshot first" in backwards.stderr
    missing = _run("diff", str(old), str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and missing.stderr.endswith("nope.json: no such file\n")


def test_cli_root_journal_flag_is_honoured(tmp_path: Path) -> None:
    old, new = _files(tmp_path)
    store = _journal(tmp_path / "j.jsonl", [(OLD_AT + timedelta(days=2), ACCOUNT)])
    result = _run("--journal", str(store.path), "diff", str(old), str(new), "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["journal"]["entries"]) == 1


def test_documented_example_has_exactly_the_real_keys(tmp_path: Path) -> None:
    """docs/diff.md's example is what consumers read: it must not drift from the real shape."""
    docs = (Path(__file__).parent.parent / "docs" / "diff.md").read_text(encoding="utf-8")
    example = json.loads(docs.split("```json\n", 1)[1].split("```", 1)[0])
    real = to_json(
        _diff(old_snapshot(), new_snapshot()),
        journal={"path": "", "exists": True, "verified": True},
    )
    assert example["schema"] == SCHEMA
    assert set(example) == set(real)
    for section in ("old", "findings", "principals", "journal"):
        assert set(example[section]) == set(real[section]), section
    assert set(example["principals"]["added"][0]) == set(real["principals"]["added"][0])
    assert set(example["journal"]["entries"][0]) == {"id", "time", "action", "status", "summary"}
    assert set(example["findings"]["fixed"][0]) == set(real["findings"]["fixed"][0])


def test_cli_text_shows_hostile_names_as_escapes(tmp_path: Path) -> None:
    old, _ = _files(tmp_path)
    evil = user("x\x1b[2Jy", created=3)
    new = tmp_path / "evil.json"
    base = new_snapshot()
    snapshot_io.save(replace(base, users=(*base.users, evil), alias="a\x1b]0;t\x07"), new)
    result = _run("diff", str(old), str(new))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "  + user x\\x1b[2Jy  " in result.stdout


def test_a_trust_moved_to_another_account_is_a_new_finding_not_unchanged() -> None:
    """Same rule, same role, another trusted account: the old problem fixed, a new one found."""
    from dataclasses import replace as _replace

    from iamtui.core import diff as compare
    from iamtui.core.rules import evaluate
    from tests.builders import NOW, role, snapshot, trust

    def trusting(account: str) -> Any:
        return role("partner", trust_policy=trust({"AWS": f"arn:aws:iam::{account}:root"}))

    old = snapshot(roles=[trusting("111111111111")])
    new = _replace(snapshot(roles=[trusting("222222222222")]), loaded_at=NOW)
    result = compare.compare(old, new, evaluate(old, now=NOW), evaluate(new, now=NOW))
    assert [f.accounts for f in result.fixed if f.rule == "role.cross-account-trust"] == [
        ("111111111111",)
    ]
    assert [f.accounts for f in result.new_findings if f.rule == "role.cross-account-trust"] == [
        ("222222222222",)
    ]


def test_rules_that_depend_on_the_organization_are_not_compared_when_it_was_read_differently() -> (
    None
):
    """Before: same-org trust read as "fixed" when only the newer snapshot had the organization."""
    from dataclasses import replace as _replace

    from iamtui.core import diff as compare
    from iamtui.core.model import Organization
    from iamtui.core.rules import evaluate
    from tests.builders import ACCOUNT, NOW, OTHER_ACCOUNT, role, snapshot, trust

    r = role("sibling", trust_policy=trust({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}))
    old = snapshot(roles=[r])
    org = Organization(True, "o-abc1234567", "999999999999", account_ids=(ACCOUNT, OTHER_ACCOUNT))
    new = _replace(snapshot(roles=[r]), organization=org)
    result = compare.compare(old, new, evaluate(old, now=NOW), evaluate(new, now=NOW))
    assert not [f for f in result.fixed if f.rule == "role.cross-account-trust"]
    assert "role.cross-account-trust" in {n.rule for n in result.not_compared}
    # Not in an organization reads the same as not loaded: nothing to leave out.
    plain = _replace(snapshot(roles=[r]), organization=Organization(False))
    same = compare.compare(old, plain, evaluate(old, now=NOW), evaluate(plain, now=NOW))
    assert "role.cross-account-trust" not in {n.rule for n in same.not_compared}


def test_two_snapshots_on_one_credential_report_say_so() -> None:
    """Before: a cleanup made between two saves read "0 fixed", with nothing saying why."""
    from dataclasses import replace as _replace

    from iamtui.core import diff as compare
    from iamtui.core.rules import evaluate
    from tests.builders import NOW, snapshot

    old = snapshot()
    new = _replace(snapshot(), loaded_at=NOW)
    result = compare.compare(old, new, evaluate(old, now=NOW), evaluate(new, now=NOW))
    (warning,) = result.warnings
    assert "both snapshots use the credential report generated" in warning
    assert f"  warning: {warning}" in compare.render_text(result)
    assert compare.to_json(result)["warnings"] == [warning]


def test_a_user_re_created_under_the_same_name_is_removed_and_added() -> None:
    """IAM gives a re-created principal a new unique id: it is not the same user."""
    from dataclasses import replace as _replace

    from iamtui.core import diff as compare
    from iamtui.core.rules import evaluate
    from tests.builders import NOW, snapshot, user

    before = user("bob")
    after = _replace(before, user_id="AIDANEWBOB0000000000")
    old = snapshot(users=[before])
    new = _replace(snapshot(users=[after]), loaded_at=NOW)
    result = compare.compare(old, new, evaluate(old, now=NOW), evaluate(new, now=NOW))
    assert [r.name for r in result.added] == ["bob"]
    assert [r.name for r in result.removed] == ["bob"]
