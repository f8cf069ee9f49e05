"""What a newcomer tripped over on a fresh clone: a key that did nothing silently, a
confirmation whose enter only moved the focus, wording that said less than it meant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import NOW
from test_ui_actions import key_status, plan_with
from test_ui_keys import bar_of, messages, text_of
from test_ui_texts import shown
from textual.geometry import Region
from textual.widgets import Button, Input, Static
from ui_support import SIZE, SharedDemo, demo_workspace, seed_demo, settle

from iamtui.core.ids import ActionId
from iamtui.core.journal import Journal
from iamtui.core.model import Role
from iamtui.core.second_opinion import Verdict
from iamtui.core.views import Pane
from iamtui.core.workspace import Workspace
from iamtui.emulator.demo import FOLLOW_UP_KEY_USER, RIGHTSIZE_ROLE, seed_demo_journal
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.action import ChoiceMenu, PlanScreen

WAITS = "right-sizing needs last-accessed data: L fetches everyone's, enter fetches this one's"


async def test_right_size_is_offered_without_data_and_its_key_says_what_is_missing(
    emulator: Emulator,
) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        main = app.main_screen
        assert main is not None
        pane = main.pane_widget(Pane.ROLES)
        pane.table.set_cursor(
            next(
                n
                for n, r in enumerate(pane.shown)
                if isinstance(r.data, Role) and r.data.name == RIGHTSIZE_ROLE
            )
        )
        await pilot.pause()
        row = pane.table.cursor_row
        assert row is not None and isinstance(row.data, Role)
        assert row.data.arn not in ws.snapshot.last_accessed  # type: ignore[union-attr]
        assert "Right-size" in text_of(bar_of(app))
        await pilot.press("R")
        await pilot.pause()
        assert messages(app)[-1] == WAITS
        assert not isinstance(app.screen, PlanScreen)
        # The menu lists it, greyed, with the same line; picking it plans nothing either.
        await pilot.press("x")
        await pilot.pause()
        menu = app.screen
        assert isinstance(menu, ChoiceMenu)
        (index,) = [n for n, (title, _) in enumerate(menu.items) if title.startswith("Right-size")]
        assert index in menu.greyed and menu.items[index][1] == WAITS
        menu.dismiss(index)
        await pilot.pause()
        assert messages(app)[-1] == WAITS
        assert not isinstance(app.screen, PlanScreen | ChoiceMenu)


async def test_enter_in_the_typed_confirmation_runs_and_tab_goes_to_run_not_cancel(
    emulator: Emulator, iam: Any
) -> None:
    """Enter after the right name only moved the focus (nothing said so) and tab went to
    Cancel, where enter cancelled silently: enter now runs once both fields match, says what
    is still to type otherwise, and tab goes field → Run → Cancel."""
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("user", demo.stale_key_user))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.screen.query_one("#keys").focus()
        await pilot.pause()
        (key_id,) = key_status(iam, demo.stale_key_user)
        screen = await plan_with(pilot, "X")
        run = screen.query_one("#plan-run", Button)
        cancel = screen.query_one("#plan-cancel-button", Button)
        override = screen.query_one("#plan-override", Input)
        phrase = screen.query_one("#plan-phrase", Input)
        phrase.focus()
        phrase.value = demo.stale_key_user
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is override and screen.phase == "preview"
        assert shown(screen.query_one("#plan-override-status", Static)) == (
            f"still to type: {key_id}"
        )
        override.value = key_id
        phrase.focus()
        await pilot.press("tab")
        assert app.focused is run and not run.disabled
        await pilot.press("tab")
        assert app.focused is cancel
        await pilot.press("shift+tab")
        assert app.focused is run
        override.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.phase == "done", screen.result_line
    assert key_status(iam, demo.stale_key_user) == {}


async def test_cancelling_a_preview_says_nothing_was_changed(emulator: Emulator, iam: Any) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("user", demo.stale_key_user))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.screen.query_one("#keys").focus()
        await pilot.pause()
        screen = await plan_with(pilot, "X")
        assert app.focused is screen.query_one("#plan-cancel-button")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, PlanScreen)
        assert messages(app)[-1] == "cancelled: nothing was changed"
    assert len(key_status(iam, demo.stale_key_user)) == 1


async def test_the_roles_detail_shows_the_analyzers_disagreement_whole(
    emulator: Emulator,
) -> None:
    """The disagrees line came last, under the findings, and the fixed-height panel cut it."""
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        main = app.main_screen
        assert main is not None
        pane = main.pane_widget(Pane.ROLES)
        second = ws.state.views.second_opinion
        (index,) = [
            n
            for n, r in enumerate(pane.shown)
            if isinstance(r.data, Role)
            and any(o.verdict is Verdict.DISAGREES for o in second.for_resource(r.data.arn))
        ]
        pane.table.set_cursor(index)
        await pilot.pause()
        body = pane.detail._body
        strips = body.render_lines(Region(0, 0, body.size.width, body.size.height))
        words = " ".join("".join(s.text for s in strip) for strip in strips).split()
        # Its first and last words are on screen (side-by-side columns interleave the lines).
        assert "disagrees" in words and "threshold" in words


def test_the_seeded_demo_deactivation_was_checked_against_the_keys_use(
    emulator: Emulator, tmp_path: Path
) -> None:
    """Its note said it was confirmed without the use check, as if the demo operator had
    skipped a safety check: the seeding now plans on the key's reviewed use."""
    _demo, settings = seed_demo(emulator)
    path = tmp_path / "journal.jsonl"
    seed_demo_journal(settings, emulator.backend(), path, NOW)
    entries = Journal(path).entries()
    (deactivation,) = [e for e in entries if e.action == ActionId.KEY_DEACTIVATE]
    assert deactivation.status == "completed"
    plan = deactivation.plan
    assert not [n for n in (*plan.notes, *plan.warnings) if "without that check" in n]
    assert plan.follow_ups and plan.follow_ups[0].subject.user == FOLLOW_UP_KEY_USER


async def test_the_journal_tab_and_title_count_the_same_entries(
    emulator: Emulator, tmp_path: Path
) -> None:
    """The tab said 2 (entries) while the title said 4 (entries and follow-up rows)."""
    _demo, settings = seed_demo(emulator)
    path = tmp_path / "journal.jsonl"
    seed_demo_journal(settings, emulator.backend(), path, NOW)
    ws = Workspace.demo(lambda: SharedDemo(settings), clock=lambda: NOW, journal_path=path)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        main = app.main_screen
        assert main is not None
        assert (Pane.JOURNAL, "6 Journal 2") in main.tabs.labels()
        title = main.pane_widget(Pane.JOURNAL).table.border_title
        assert str(title) == "Journal · 2 entries · 2 open follow-ups"
