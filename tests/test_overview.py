"""The Overview's figures (core): bucket edges, and agreement with the other panes' rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import builders as b
import pytest
from conftest import NOW
from faults import inject
from ui_support import demo_workspace, seed_demo

from iamtui.core import workspace
from iamtui.core.findings import Severity
from iamtui.core.model import AccountSnapshot, AccountSummary
from iamtui.core.rules import evaluate
from iamtui.core.session import Connection, ConnectionSettings, connect
from iamtui.core.views import Check, KeySlot, Pane, Views
from iamtui.core.views.overview import UNUSED_ROLE_RULE, bar_text, compute
from iamtui.core.workspace import Offline, SourceKind, Workspace
from iamtui.emulator.server import Emulator

OPERATION = "GenerateServiceLastAccessedDetails"


def figures(snap: AccountSnapshot, now: datetime = NOW) -> dict[str, int]:
    """Key-age bars by label."""
    return {bar.label: bar.count for bar in compute(snap, evaluate(snap, now=now), now).key_ages}


def test_active_keys_fall_in_one_age_bucket_each_and_never_used_keys_apart() -> None:
    alice, bob = b.user("alice"), b.user("bob")
    rows = [
        b.row(alice, key1=b.key(rotated=89.9), key2=b.key(rotated=90)),
        b.row(bob, key1=b.key(rotated=364, used=3), key2=b.key(rotated=365)),
    ]
    carol = b.user("carol")
    rows.append(b.row(carol, key1=b.key(rotated=500, used=None), key2=b.key(active=False)))
    snap = b.snapshot(users=[alice, bob, carol], rows=rows)
    assert figures(snap) == {
        "under 90 days": 1,
        "90-180 days": 1,
        "180-365 days": 1,
        "over a year": 1,
        "never used": 1,  # a year and a half old, but never used: that says more
    }


def test_console_users_unused_roles_root_and_freshness() -> None:
    alice, bob, carol = b.user("alice"), b.user("bob"), b.user("carol")
    rows = [
        b.row(alice, password=True, password_used=2, mfa=True),
        b.row(bob, password=True, password_used=2),
        b.row(carol),
    ]
    idle, busy = b.role("idle", last_used=300), b.role("busy")
    summary = AccountSummary(mfa_enabled=False, access_keys_present=True)
    snap = b.snapshot(
        users=[alice, bob, carol],
        rows=rows,
        roles=[idle, busy],
        summary=summary,
        last_accessed=[b.services(alice.arn, s3=3)],
    )
    evaluation = evaluate(snap, now=NOW)
    o = compute(snap, evaluation, NOW)
    assert [(bar.label, bar.count) for bar in o.console_mfa] == [
        ("with MFA", 1),
        ("without MFA", 1),
    ]
    assert (o.console_users, o.users, o.roles) == (2, 3, 2)
    unused = {f.principal_arn for f in evaluation.active if f.rule == UNUSED_ROLE_RULE}
    assert o.unused_roles == len(unused) == 1
    assert (o.root.mfa, o.root.access_keys) == (False, True)
    assert o.root.failing_checks >= 2  # root.no-mfa and root.access-keys at least
    fresh = o.freshness
    assert fresh.report_generated_at == NOW - timedelta(days=0.125)
    assert fresh.report_age == timedelta(hours=3)
    assert fresh.snapshot_age == timedelta(0)
    assert (fresh.last_accessed, fresh.principals) == (1, 5)
    assert fresh.last_accessed_text == "last-accessed: 1 of 5 principals"


def test_findings_by_severity_and_by_practice_count_every_active_finding_once() -> None:
    alice = b.user("alice")
    snap = b.snapshot(
        users=[alice],
        rows=[b.row(alice, password=True, password_used=200, key1=b.key(rotated=400, used=300))],
    )
    evaluation = evaluate(snap, now=NOW)
    o = compute(snap, evaluation, NOW)
    assert o.findings == len(evaluation.active) > 0
    assert [bar.label for bar in o.severities] == [s.label for s in sorted(Severity, reverse=True)]
    assert sum(bar.count for bar in o.severities) == o.findings
    assert sum(bar.count for bar in o.practices) == o.findings
    counts = [bar.count for bar in o.practices]
    assert counts == sorted(counts, reverse=True)
    assert {bar.label for bar in o.practices} == {f.practice.name for f in evaluation.active}


def test_without_report_or_summary_the_overview_says_unknown() -> None:
    snap = b.snapshot(users=[b.user("alice")], report=False)
    snap = replace(snap, summary=None)
    o = compute(snap, evaluate(snap, now=NOW), NOW)
    assert o.active_keys == 0 and o.console_users == 0
    assert (o.root.mfa, o.root.access_keys) == (None, None)
    assert o.freshness.report_generated_at is None and o.freshness.report_age is None


@pytest.mark.parametrize(
    ("count", "top", "width", "expected"),
    [
        (0, 10, 10, ""),
        (10, 10, 10, "█" * 10),
        (5, 10, 10, "█" * 5),
        (1, 1000, 10, "▏"),  # a sliver: non-zero never looks like zero
        (3, 8, 1, "▍"),
        (20, 10, 4, "████"),  # never past the width
    ],
)
def test_bar_text_in_eighths(count: int, top: int, width: int, expected: str) -> None:
    assert bar_text(count, top, width) == expected


def test_figures_agree_with_the_keys_users_roles_and_root_panes(emulator: Emulator) -> None:
    """The demo account: each overview number recounted from the rows the other panes show."""
    _demo, ws = demo_workspace(emulator)
    state = ws.load()
    views = Views(state.snapshot, state.evaluation, NOW).build_all()
    o = views.overview
    assert o == compute(state.snapshot, state.evaluation, NOW)

    slots = [r.data for r in views.pane(Pane.KEYS).rows if isinstance(r.data, KeySlot)]
    active = [s for s in slots if s.key.active]
    assert o.active_keys == len(active) > 0
    never = [s for s in active if not isinstance(s.key.last_used, datetime)]
    by_label = {bar.label: bar.count for bar in o.key_ages}
    assert by_label["never used"] == len(never) > 0
    used = [s for s in active if s not in never]
    ages = [NOW - s.key.last_rotated for s in used if isinstance(s.key.last_rotated, datetime)]
    assert by_label["under 90 days"] == sum(1 for a in ages if a < timedelta(days=90))
    assert by_label["over a year"] == sum(1 for a in ages if a >= timedelta(days=365))

    users = views.pane(Pane.USERS)
    console, mfa = (users.columns.index(c) for c in users.columns if c.key in ("console", "mfa"))
    on_console = [r for r in users.rows if r.cells[console] == "yes"]
    with_mfa = [r for r in on_console if r.cells[mfa] == "yes"]
    assert o.console_users == len(on_console) > 0
    assert [bar.count for bar in o.console_mfa] == [len(with_mfa), len(on_console) - len(with_mfa)]
    assert o.users == len(users.rows) and o.roles == len(views.pane(Pane.ROLES).rows)

    findings = [r.data for r in views.pane(Pane.FINDINGS).rows if r.kind.value == "finding"]
    unused = {f.principal_arn for f in findings if f.rule == UNUSED_ROLE_RULE and f.active}
    assert o.unused_roles == len(unused) > 0
    counts = views.counts()
    assert o.findings == counts[Pane.FINDINGS]
    assert o.root.failing_checks == counts[Pane.ROOT]
    facts = {
        r.data.name: r.data.status
        for r in views.pane(Pane.ROOT).rows
        if isinstance(r.data, Check) and r.data.rule is None
    }
    assert facts["Root MFA (account summary)"] == ("yes" if o.root.mfa else "no")
    assert facts["Root access keys (account summary)"] == (
        "present" if o.root.access_keys else "none"
    )


def _live(emulator: Emulator, faults: Callable[[Any], object]) -> Workspace:
    """The seeded demo as a live account, with ``faults`` injected into its IAM client."""
    _demo, settings = seed_demo(emulator)

    def connector(cs: ConnectionSettings) -> Connection:
        conn = connect(cs)
        faults(conn.iam)
        return conn

    return Workspace(
        SourceKind.LIVE, connection_settings=settings, connector=connector, clock=lambda: NOW
    )


def test_fetch_all_merges_as_reports_arrive_and_backs_off_on_throttling(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workspace, "MERGE_EVERY", 0.0)  # merge every report: count each merge
    hits: list[Callable[[], int]] = []
    ws = _live(emulator, lambda iam: hits.append(inject(iam, OPERATION, "Throttling", times=6)))
    state = ws.load()
    principals = len(state.snapshot.users) + len(state.snapshot.roles)
    ticks: list[tuple[int, int]] = []
    merged: list[int] = []
    result = ws.load_last_accessed_all(
        progress=lambda done, total: ticks.append((done, total)),
        merged=lambda s: merged.append(len(s.snapshot.last_accessed)),
    )
    assert hits[0]() == 6  # throttled six times, retried (adaptive retries, then the batch)
    assert (result.fetched, result.failures, result.cancelled) == (principals, {}, False)
    assert ticks[0] == (0, principals) and ticks[-1] == (principals, principals)
    assert merged == list(range(1, principals + 1))  # one principal more with each merge
    assert result.state is ws.state and result.state.patched is not None
    assert result.state.views.overview.freshness.last_accessed == principals
    again = ws.load_last_accessed_all()
    assert again.fetched == 0  # nothing left to ask for


def test_fetch_all_reports_failures_and_keeps_the_data_it_had(emulator: Emulator) -> None:
    ws = _live(emulator, lambda iam: inject(iam, OPERATION, "AccessDenied"))
    before = ws.load()
    result = ws.load_last_accessed_all()
    assert result.fetched == 0 and not result.cancelled
    assert len(result.failures) == len(before.snapshot.users) + len(before.snapshot.roles)
    assert set(result.failures.values()) == {
        "denied: the caller lacks iam:GenerateServiceLastAccessedDetails"
    }
    assert ws.state is before


def test_fetch_all_is_refused_offline() -> None:
    snap = b.snapshot(users=[b.user("alice")])
    ws = Workspace.from_snapshot(snap, clock=lambda: NOW)
    ws.load()
    with pytest.raises(Offline):
        ws.load_last_accessed_all()
