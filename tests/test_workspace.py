"""The headless workspace against the emulated demo account: load, on-demand data, modes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import NOW
from ui_support import demo_workspace, seed_demo

from iamtui.core import snapshot as snapshot_io
from iamtui.core.loader import StepUpdate
from iamtui.core.model import Part
from iamtui.core.session import ConnectionProblem, ConnectionSettings
from iamtui.core.views import Pane
from iamtui.core.workspace import DEMO_STEP, Offline, SourceKind, Workspace
from iamtui.emulator.server import Emulator


def test_live_load_evaluates_and_builds_views(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator)
    seen: list[StepUpdate] = []
    state = ws.load(progress=seen.append)
    assert state.snapshot.alias == demo.alias
    assert state.evaluation.now == NOW
    assert state.generation == 1
    assert {u.step for u in seen if u.state == "done"} >= {p for p in Part}
    assert state.views.pane(Pane.USERS).total == len(state.snapshot.users)
    assert not ws.read_only and ws.kind is SourceKind.DEMO


def test_user_detail_is_merged_and_reevaluated(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator)
    first = ws.load()
    user = first.snapshot.user(demo.stale_key_user)
    assert user is not None
    state = ws.load_user_detail(user)
    assert state.generation == first.generation + 1
    detail = state.snapshot.details[user.arn]
    assert detail.access_keys and detail.access_keys[0].key_id.startswith("AKIA")
    # Findings now name the key id, so the keys pane shows it.
    keyed = [f for f in state.evaluation.for_principal(user.arn) if f.key is not None]
    assert (
        keyed and keyed[0].key is not None and keyed[0].key.key_id == detail.access_keys[0].key_id
    )
    assert ws.snapshot is state.snapshot


def test_last_accessed_is_kept_and_rules_that_need_it_run(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator)
    first = ws.load()
    assert "permissions.unused-services" in {n.rule.id for n in first.evaluation.not_evaluated}
    user = first.snapshot.user(demo.partial_usage_user)
    assert user is not None
    state = ws.load_last_accessed(user.arn)
    assert user.arn in state.snapshot.last_accessed
    assert "permissions.unused-services" not in {n.rule.id for n in state.evaluation.not_evaluated}
    # A reload keeps the last-accessed report the operator waited for.
    again = ws.load()
    assert user.arn in again.snapshot.last_accessed


def test_offline_snapshot_is_read_only_and_has_no_network(
    emulator: Emulator, tmp_path: Path
) -> None:
    _demo, ws = demo_workspace(emulator)
    path = tmp_path / "acct.json"
    snapshot_io.save(ws.load().snapshot, path)
    offline = Workspace.offline(path, clock=lambda: NOW)
    assert offline.read_only and offline.kind is SourceKind.SNAPSHOT
    assert offline.source_label == "snapshot acct.json"
    seen: list[StepUpdate] = []
    state = offline.load(progress=seen.append)
    assert state.snapshot.alias == "northwind-prod"
    assert any(u.step == "file" and u.state == "done" for u in seen)
    user = state.snapshot.users[0]
    with pytest.raises(Offline, match="offline"):
        offline.load_user_detail(user)
    with pytest.raises(Offline, match="offline"):
        offline.load_last_accessed(user.arn)


class FakeDemo:
    """Stands in for the emulator's DemoEnvironment."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self._settings = settings
        self.stopped = 0

    def settings(self) -> ConnectionSettings:
        return self._settings

    def stop(self) -> None:
        self.stopped += 1


def test_demo_is_started_on_first_load_and_stopped_on_close(emulator: Emulator) -> None:
    _demo, connection = seed_demo(emulator)
    started: list[FakeDemo] = []

    def starter() -> FakeDemo:
        started.append(FakeDemo(connection))
        return started[-1]

    ws = Workspace.demo(starter, clock=lambda: NOW)
    assert started == []
    seen: list[StepUpdate] = []
    state = ws.load(progress=seen.append)
    ws.load()
    assert len(started) == 1
    assert state.snapshot.source == "demo"
    assert [u.state for u in seen if u.step == DEMO_STEP] == ["running", "done"]
    ws.close()
    ws.close()
    assert started[0].stopped == 1


def test_connection_problems_propagate_as_one_line(emulator: Emulator) -> None:
    def broken(_settings: ConnectionSettings) -> object:
        raise ConnectionProblem("no AWS credentials found: set AWS_PROFILE or pass --profile")

    ws = Workspace(SourceKind.LIVE, connector=broken)  # type: ignore[arg-type]
    with pytest.raises(ConnectionProblem, match="no AWS credentials"):
        ws.load()
    assert ws.state is None


def test_a_detail_fetch_patches_the_state_like_a_full_rebuild(emulator: Emulator) -> None:
    from iamtui.core.rules import evaluate
    from iamtui.core.views import Views

    demo, ws = demo_workspace(emulator)
    first = ws.load()
    user = first.snapshot.user(demo.stale_key_user)
    assert user is not None
    state = ws.load_user_detail(user)
    assert state.patched == {user.arn}
    full = evaluate(state.snapshot, now=state.evaluation.now, settings=ws.settings)
    assert state.evaluation.findings == full.findings
    assert state.evaluation.coverage == full.coverage
    rebuilt = Views(state.snapshot, full, state.evaluation.now, ws.settings).build_all()
    for pane in (Pane.FINDINGS, Pane.USERS, Pane.KEYS):
        assert [r.cells for r in state.views.pane(pane).rows] == [
            r.cells for r in rebuilt.pane(pane).rows
        ]
    # Panes the user is not on are handed over as they were: the UI skips them.
    assert state.views.pane(Pane.ROLES) is first.views.pane(Pane.ROLES)
    assert state.views.pane(Pane.ROOT) is first.views.pane(Pane.ROOT)
    # A reload drops fetched key ids (ListAccessKeys is per user): only that user is patched.
    again = ws.load()
    assert again.patched == {user.arn}
    assert user.arn not in again.snapshot.details
    assert again.views.pane(Pane.ROLES) is first.views.pane(Pane.ROLES)
