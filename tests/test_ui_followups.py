"""Follow-ups in the TUI: the Journal pane lists them with their evidence, ``p`` turns a due one
into a normal previewed plan, ``d`` dismisses one, and the preview's ``f`` drops an offer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import NOW
from test_ui_actions import focus_finding, key_status, plan_with, run_plan
from textual.widgets import Input
from ui_support import SIZE, SharedDemo, seed_demo, settle

from iamtui.core.ids import ActionId
from iamtui.core.journal import FollowUpState, Journal
from iamtui.core.views import Pane
from iamtui.core.views.journal import FollowUpRow
from iamtui.core.workspace import Workspace
from iamtui.emulator.demo import (
    FOLLOW_UP_KEY_USER,
    FOLLOW_UP_ROLE,
    seed_demo_journal,
)
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.action import AskValue, PlanScreen


def follow_up_rows(app: IamtuiApp) -> list[FollowUpRow]:
    assert app.main_screen is not None
    pane = app.main_screen.pane_widget(Pane.JOURNAL)
    return [r.data for r in pane.shown if isinstance(r.data, FollowUpRow)]


async def cursor_on(app: IamtuiApp, pilot: Any, ref: str) -> None:
    assert app.main_screen is not None
    pane = app.main_screen.pane_widget(Pane.JOURNAL)
    index = next(
        i
        for i, r in enumerate(pane.shown)
        if isinstance(r.data, FollowUpRow) and r.data.item.ref == ref
    )
    pane.table.set_cursor(index)
    await pilot.pause()


async def test_the_demo_journal_follow_ups_plan_dismiss_and_drop(
    emulator: Emulator, iam: Any, tmp_path: Path
) -> None:
    demo, settings = seed_demo(emulator)
    path = tmp_path / "journal.jsonl"
    seed_demo_journal(settings, emulator.backend(), path, NOW)
    ws = Workspace.demo(lambda: SharedDemo(settings), clock=lambda: NOW, journal_path=path)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        due, pending = follow_up_rows(app)
        assert due.due and due.status() == "due · ready (IAM evidence holds)"
        assert due.item.follow_up.action is ActionId.KEY_DELETE
        assert pending.item.state is FollowUpState.PENDING
        assert pending.status().startswith("pending until ")
        assert FOLLOW_UP_ROLE in pending.item.follow_up.description
        # p on the due row: the evidence re-checked (CloudTrail too), a normal key.delete preview.
        await cursor_on(app, pilot, due.item.ref)
        (key_id,) = [k for k, s in key_status(iam, FOLLOW_UP_KEY_USER).items() if s == "Inactive"]
        screen = await plan_with(pilot, "p")
        plan = screen.planned.plan  # type: ignore[union-attr]
        assert plan.action is ActionId.KEY_DELETE and plan.follows_up == due.item.ref
        screen.query_one("#plan-phrase", Input).value = FOLLOW_UP_KEY_USER
        await pilot.pause()
        await run_plan(pilot, screen)
        await pilot.press("escape")
        await settle(pilot)
        assert key_id not in key_status(iam, FOLLOW_UP_KEY_USER)
        (left,) = follow_up_rows(app)
        assert left.item.ref == pending.item.ref
        # p does nothing on a pending row; d dismisses it, with a reason the journal keeps.
        await cursor_on(app, pilot, pending.item.ref)
        await pilot.press("p")
        await pilot.pause()
        assert not isinstance(app.screen, PlanScreen)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, AskValue)
        app.screen.query_one(Input).value = "the batch job moves to ECS"
        await pilot.press("enter")
        await settle(pilot)
        assert follow_up_rows(app) == []
        states = {i.ref: i.state for i in Journal(path).follow_ups(NOW)}
        assert states == {
            due.item.ref: FollowUpState.DONE,
            pending.item.ref: FollowUpState.DISMISSED,
        }
        assert Journal(path).verify().ok
        # The preview of a deactivation shows its follow-up; f drops it and offers it again.
        await pilot.press("1")
        await settle(pilot)
        await focus_finding(pilot, "access-key.unused", demo.stale_key_user)
        screen = await plan_with(pilot, "d")
        assert screen.planned.plan.follow_ups  # type: ignore[union-attr]
        await pilot.press("f")
        await pilot.pause()
        assert screen.planned.plan.follow_ups == ()  # type: ignore[union-attr]
        assert screen.dropped_follow_ups
        await pilot.press("f")
        await pilot.pause()
        assert len(screen.planned.plan.follow_ups) == 1  # type: ignore[union-attr]
        await pilot.press("escape")
