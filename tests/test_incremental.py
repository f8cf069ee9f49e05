"""Incremental evaluation and pane patches equal a full rebuild, on randomly changed principals."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from builders import keys_detail, services
from conftest import NOW
from ui_support import demo_workspace

from iamtui.core.findings import Evaluation
from iamtui.core.model import AccountSnapshot, CredentialReport, Role, User
from iamtui.core.rules import evaluate, evaluate_changes
from iamtui.core.settings import Settings, Suppression
from iamtui.core.views import TABLE_PANES, PaneView, Views
from iamtui.emulator.server import Emulator

TRIALS = 40


@pytest.fixture
def demo_snapshot(emulator: Emulator) -> AccountSnapshot:
    """The demo account as loaded: every rule has something to say about it."""
    _demo, ws = demo_workspace(emulator)
    return ws.load().snapshot


def _mutate_user(snap: AccountSnapshot, user: User, rng: random.Random) -> AccountSnapshot:
    """Give a user another user's report row, groups, policies or keys (a plausible change)."""
    other = rng.choice(snap.users)
    report = snap.credential_report
    change = rng.randrange(5)
    if change == 0 and report is not None:
        rows = report.by_user()
        source, mine = rows.get(other.name), rows.get(user.name)
        if source is not None and mine is not None:
            swapped = replace(
                source, user=mine.user, arn=mine.arn, user_creation_time=mine.user_creation_time
            )
            new_rows = tuple(swapped if r.user == user.name else r for r in report.rows)
            return replace(
                snap, credential_report=CredentialReport(report.generated_at, new_rows, report.root)
            )
    if change == 1:
        return snap.with_details(keys_detail(user, *rng.sample([1, 30, 200, 400, 900], 2)))
    if change == 2:
        return snap.with_last_accessed(services(user.arn, s3=rng.choice([None, 5, 500]), ec2=None))
    changed = (
        replace(user, groups=other.groups)
        if change == 3
        else replace(user, attached_policies=other.attached_policies, tags=other.tags)
    )
    return replace(snap, users=tuple(changed if u is user else u for u in snap.users))


def _mutate_role(snap: AccountSnapshot, role: Role, rng: random.Random) -> AccountSnapshot:
    """Give a role another role's trust policy, last use or policies."""
    other = rng.choice(snap.roles)
    change = rng.randrange(4)
    if change == 3:
        return snap.with_last_accessed(services(role.arn, iam=rng.choice([None, 2, 800])))
    changed = (
        replace(role, trust_policy=other.trust_policy)
        if change == 0
        else replace(role, last_used=other.last_used, last_used_region=other.last_used_region)
        if change == 1
        else replace(role, attached_policies=other.attached_policies)
    )
    return replace(snap, roles=tuple(changed if r is role else r for r in snap.roles))


def _rows(view: PaneView) -> list[tuple[object, ...]]:
    return [(r.key, r.cells, r.sort, r.search, r.tones, r.dim, r.group, r.data) for r in view.rows]


def _same(incremental: Evaluation, full: Evaluation) -> None:
    assert incremental.findings == full.findings
    assert [(n.rule.id, n.reason) for n in incremental.not_evaluated] == [
        (n.rule.id, n.reason) for n in full.not_evaluated
    ]
    assert [r.id for r in incremental.evaluated] == [r.id for r in full.evaluated]
    assert incremental.coverage == full.coverage
    assert incremental.expired_suppressions == full.expired_suppressions


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_changing_random_principals_evaluates_like_a_full_run(
    demo_snapshot: AccountSnapshot, seed: int
) -> None:
    rng = random.Random(seed)
    settings = Settings(
        suppressions=(Suppression("key.unused", "*", "accepted in the test", None),)
    )
    snap = demo_snapshot
    current = evaluate(snap, now=NOW, settings=settings)
    views = Views(snap, current, NOW, settings).build_all()
    for _ in range(TRIALS):
        arns: set[str] = set()
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.6:
                user = rng.choice(snap.users)
                snap = _mutate_user(snap, user, rng)
                arns.add(user.arn)
            else:
                role = rng.choice(snap.roles)
                snap = _mutate_role(snap, role, rng)
                arns.add(role.arn)
        current = evaluate_changes(current, snap, principals=arns, settings=settings)
        full = evaluate(snap, now=NOW, settings=settings)
        _same(current, full)
        views = views.patched(snap, current, principals=arns)
        rebuilt = Views(snap, full, NOW, settings).build_all()
        for pane in TABLE_PANES:
            got, want = views.pane(pane), rebuilt.pane(pane)
            assert _rows(got) == _rows(want), pane
            assert (got.widths, got.groups, got.unavailable) == (
                want.widths,
                want.groups,
                want.unavailable,
            ), pane


def test_account_changes_rerun_account_rules(demo_snapshot: AccountSnapshot) -> None:
    current = evaluate(demo_snapshot, now=NOW)
    summary = demo_snapshot.summary
    assert summary is not None
    changed = replace(demo_snapshot, password_policy=None, alias="renamed")
    incremental = evaluate_changes(current, changed, principals=(), account_changed=True)
    _same(incremental, evaluate(changed, now=NOW))


def test_rules_whose_data_arrives_run_in_full(demo_snapshot: AccountSnapshot) -> None:
    current = evaluate(demo_snapshot, now=NOW)
    assert "permissions.unused-services" in {n.rule.id for n in current.not_evaluated}
    role = demo_snapshot.roles[0]
    changed = demo_snapshot.with_last_accessed(services(role.arn, s3=None, iam=900))
    incremental = evaluate_changes(current, changed, principals=[role.arn])
    assert "permissions.unused-services" in {r.id for r in incremental.evaluated}
    _same(incremental, evaluate(changed, now=NOW))
