"""The organization session behind ``iamtui org``: lines as the scan runs, one account session
opened through its role, and its changes taken back into the Accounts pane."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from conftest import NOW

from iamtui.core.actions import ActionId
from iamtui.core.actions.findings import request_for_fix
from iamtui.core.fleet import (
    AccountFacts,
    AccountLine,
    AccountState,
    FleetAccount,
    FleetOptions,
    FleetProblem,
    FleetProgress,
    Target,
)
from iamtui.core.loader import CancelToken
from iamtui.core.org_session import OrgSession
from iamtui.core.session import ConnectionSettings
from iamtui.core.views.fleet import accounts_table, findings_table
from iamtui.emulator.demo_org import (
    ANALYTICS,
    LEGACY,
    MANAGEMENT,
    NAMES,
    PRODUCTION,
    ROLE_NAME,
    seed_demo_organization,
)
from iamtui.emulator.server import Emulator

FAST = FleetOptions(call_attempts=1, backoff=0.01)


def _session(emulator: Emulator, tmp: Any, options: FleetOptions = FAST) -> OrgSession:
    seeded = seed_demo_organization(emulator, NOW)
    settings = ConnectionSettings(
        endpoint_url=emulator.endpoint_url,
        region="us-east-1",
        static_credentials=(seeded.access_key_id, seeded.secret_access_key),
    )
    return OrgSession(settings, options, clock=lambda: NOW, journal_path=tmp / "journal.jsonl")


def test_lines_fill_in_as_accounts_finish_and_unreachable_ones_say_why(
    emulator: Emulator, tmp_path: Any
) -> None:
    org = _session(emulator, tmp_path)
    heard: list[FleetAccount] = []
    updates: list[FleetProgress] = []
    try:
        listing = org.list()
        assert [line.state for line in org.lines()] == [AccountState.PENDING] * len(NAMES)
        fleet = org.scan(progress=updates.append, on_result=heard.append)
    finally:
        org.close()
    assert fleet.listing is listing  # the scan reads the accounts list() showed
    assert {a.account_id for a in heard} == set(NAMES)  # every outcome, reachable or not
    lines = {line.account_id: line for line in org.lines()}
    assert lines[LEGACY].state == AccountState.FAILED
    assert "access denied" in lines[LEGACY].detail
    assert lines[ANALYTICS].state == AccountState.FAILED
    assert "throttled" in lines[ANALYTICS].detail
    assert all(
        line.state == AccountState.DONE for k, line in lines.items() if k not in (LEGACY, ANALYTICS)
    )
    assert updates[-1].done + updates[-1].failed == len(NAMES)

    table = accounts_table(org.lines(), NOW)
    labels = [c.label for c in table.columns]
    assert labels[:3] == ["Account", "Id", "OU"]
    rows = {r.data.account_id: r for r in table.rows}  # type: ignore[attr-defined]
    status = labels.index("Status")
    assert rows[LEGACY].cells[status].startswith("not reachable: access denied")
    assert rows[LEGACY].dim
    # Unknown is never clean: an unread account has no counts, not zeros.
    assert rows[LEGACY].cells[labels.index("Crit")] == "·"
    assert rows[PRODUCTION].cells[labels.index("OU")] == "Workloads/Prod"
    assert rows[PRODUCTION].cells[labels.index("Root")] == "no MFA, access keys"

    found = findings_table(org.lines())
    assert [c.label for c in found.columns][:2] == ["Severity", "Account"]
    accounts = {r.cells[1] for r in found.rows}
    assert NAMES[PRODUCTION] in accounts and NAMES[LEGACY] not in accounts
    severities = [float(r.sort[0] or 0) for r in found.rows]
    assert severities == sorted(severities, reverse=True)  # worst first


def test_an_account_session_acts_through_the_role_and_its_changes_reach_the_row(
    emulator: Emulator, tmp_path: Any
) -> None:
    org = _session(emulator, tmp_path)
    try:
        org.scan()
        before = org.line(PRODUCTION)
        assert before is not None and before.outcome is not None
        workspace = org.open_account(PRODUCTION)
        assert org.open_account(PRODUCTION) is workspace  # opened once
        assert f"role/{ROLE_NAME}" in workspace.source_label
        state = workspace.load()
        assert state.snapshot.account_id == PRODUCTION
        # The member cannot read its organization's centralized root access: the caller did.
        org_seen = state.snapshot.organization
        assert org_seen is not None and org_seen.root_features is not None
        unused = next(f for f in state.evaluation.findings if f.rule == "access-key.unused")
        fix = next(x for x in unused.fixes if x.action is ActionId.KEY_DEACTIVATE)
        planned = workspace.plan_action([request_for_fix(fix)])  # the slot resolves to its key
        report = workspace.execute(planned)
        assert report.entry_id
        entry = next(e for e in workspace.journal.entries() if e.id == report.entry_id)
        assert entry.account == PRODUCTION
        assert entry.role_chain == (f"arn:aws:iam::{PRODUCTION}:role/{ROLE_NAME}",)
        workspace.refresh_after(planned.plan)
        line = org.close_account()
    finally:
        org.close()
    assert line is not None and line.from_session
    assert line.outcome is not None and line.outcome.role_chain == entry.role_chain
    row = next(r for r in accounts_table(org.lines(), NOW).rows if r.data is line)
    assert row.cells[-1].endswith("(after your changes)")


def test_a_second_account_closes_the_first_and_a_refused_role_raises(
    emulator: Emulator, tmp_path: Any
) -> None:
    org = _session(emulator, tmp_path)
    try:
        org.scan()
        first = org.open_account(MANAGEMENT)
        assert "via" not in first.source_label  # the caller's own account: no role
        first.load()
        org.open_account(PRODUCTION)
        assert org.open_key == PRODUCTION
        assert org.line(MANAGEMENT).from_session  # type: ignore[union-attr]
        with pytest.raises(Exception, match="AccessDenied"):
            org.open_account(LEGACY)
    finally:
        org.close()


def test_cancel_marks_unfinished_accounts_and_filters_that_keep_nothing_refuse(
    emulator: Emulator, tmp_path: Any
) -> None:
    org = _session(emulator, tmp_path)
    cancel = CancelToken()
    cancel.cancel()
    try:
        org.list()
        fleet = org.scan(cancel=cancel)
    finally:
        org.close()
    assert not fleet.reachable
    assert all("cancelled" in line.detail for line in org.lines())
    emulator.reset()
    empty = _session(emulator, tmp_path, FleetOptions(include=("nomatch*",)))
    try:
        with pytest.raises(FleetProblem, match="no account matches --accounts/--exclude"):
            empty.scan()
    finally:
        empty.close()


def _line_with(facts: AccountFacts) -> AccountLine:
    target = Target("999999999999", "member", ou="")
    outcome = FleetAccount(target, "999999999999", "member", "", facts=facts)
    return AccountLine(target, AccountState.DONE, outcome=outcome)


def _cells(line: AccountLine) -> dict[str, tuple[str, str]]:
    table = accounts_table((line,), NOW)
    (row,) = table.rows
    return {
        c.label: (text, tone)
        for c, text, tone in zip(table.columns, row.cells, row.tones, strict=True)
    }


def test_a_member_root_that_may_have_no_credentials_is_unproven_not_no_mfa() -> None:
    """AWS: under centralized root access a member's root may have no credentials at all
    (IAM User Guide, "Centralize root access for member accounts"): no MFA is then unknown."""
    facts = AccountFacts(
        users=1, roles=1, root_mfa=False, root_keys=False, oldest_active_key=None,
        report_generated_at=NOW, requests=17, root_mfa_unproven="unproven",
    )  # fmt: skip
    assert _cells(_line_with(facts))["Root"] == ("no credentials?", "warn")
    judged = replace(facts, root_mfa_unproven=None)
    assert _cells(_line_with(judged))["Root"] == ("no MFA", "bad")


def test_without_a_credential_report_the_oldest_key_is_unknown_not_none() -> None:
    facts = AccountFacts(
        users=1, roles=1, root_mfa=True, root_keys=False, oldest_active_key=None,
        report_generated_at=None, requests=17,
    )  # fmt: skip
    cells = _cells(_line_with(facts))
    assert cells["Oldest key"] == ("unknown", "warn")
    assert cells["Data age"] == ("unknown", "warn")
    read = _cells(_line_with(replace(facts, report_generated_at=NOW)))
    assert read["Oldest key"][0] == "none"


def test_two_threads_opening_accounts_leave_one_session_open_and_the_journal_free(
    emulator: Emulator, tmp_path: Any
) -> None:
    import threading

    org = _session(emulator, tmp_path)
    try:
        org.scan()
        opened: list[Any] = []
        threads = [
            threading.Thread(target=lambda k=k: opened.append(org.open_account(k)))
            for k in (PRODUCTION, MANAGEMENT)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert org.open_key in (PRODUCTION, MANAGEMENT)
        survivor = next(w for w in opened if w is org.open_account(org.open_key or ""))
        survivor.load()
        assert survivor.journal_problem is None  # it took the journal's writer: none leaked
    finally:
        org.close()


def test_roles_are_assumed_in_the_callers_partition() -> None:
    """GovCloud and China callers reach roles of their own partition (ARNs say it)."""
    from iamtui.core.fleet import role_arn
    from iamtui.core.rightsize import arn_partition

    caller = "arn:aws-us-gov:iam::111111111111:user/ops"
    assert role_arn("222222222222", "Audit", arn_partition(caller)) == (
        "arn:aws-us-gov:iam::222222222222:role/Audit"
    )
