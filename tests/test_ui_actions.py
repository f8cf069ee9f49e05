"""Actions in the TUI, driven with the pilot against the emulated demo account (frozen NOW).

Each test goes through the real path: a key on a row, a plan built in a worker from fresh IAM
reads, the preview modal, the typed confirmation, the executor journaling every call, the
reload, and the Journal pane's undo. IAM state is read back with plain boto3.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Input
from ui_support import SIZE, demo_workspace, settle

from iamtui.core.findings import Finding
from iamtui.core.journal import Journal
from iamtui.core.root import Status
from iamtui.core.views import Pane
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp, SecretOnScreen
from iamtui.ui.screens.action import PlanScreen, SecretScreen
from iamtui.ui.screens.main import MainScreen
from iamtui.ui.screens.review import ReviewScreen
from iamtui.ui.screens.root import RootScreen


def key_status(iam: Any, user: str) -> dict[str, str]:
    """Key id -> status, straight from IAM."""
    keys = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    return {k["AccessKeyId"]: k["Status"] for k in keys}


def messages(app: IamtuiApp) -> list[str]:
    """Every notification shown so far."""
    return [n.message for n in app._notifications]


async def focus_finding(pilot: Any, rule: str, principal: str) -> Finding:
    """Put the Findings cursor on one finding."""
    app: IamtuiApp = pilot.app
    assert app.main_screen is not None
    pane = app.main_screen.pane_widget(Pane.FINDINGS)
    row = next(
        r
        for r in pane.shown
        if isinstance(r.data, Finding)
        and r.data.rule == rule
        and r.data.principal_name == principal
    )
    pane.table.set_cursor(pane.shown.index(row))
    await pilot.pause()
    assert isinstance(row.data, Finding)
    return row.data


async def plan_with(pilot: Any, *keys: str) -> PlanScreen:
    """Press keys, wait for the plan, return the preview modal."""
    await pilot.press(*keys)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PlanScreen), type(screen)
    assert screen.phase == "preview", screen.result_line
    return screen


async def run_plan(pilot: Any, screen: PlanScreen) -> None:
    """Press Run (it must be enabled) and wait for the run and the reload."""
    run = screen.query_one("#plan-run", Button)
    assert not run.disabled
    run.press()
    await settle(pilot)
    assert screen.phase == "done", screen.result_line


async def test_preview_focuses_cancel_and_runs_only_once_both_phrases_are_typed(
    emulator: Emulator, iam: Any
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("user", demo.stale_key_user))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        review.query_one("#keys").focus()
        await pilot.pause()
        (key_id,) = key_status(iam, demo.stale_key_user)
        screen = await plan_with(pilot, "X")
        assert app.focused is screen.query_one("#plan-cancel-button")
        plan = screen.planned.plan  # type: ignore[union-attr]
        assert plan.irreversible and plan.confirmation_phrase == demo.stale_key_user
        assert screen.planned.active_keys == (key_id,)  # type: ignore[union-attr]
        run = screen.query_one("#plan-run", Button)
        override = screen.query_one("#plan-override", Input)
        phrase = screen.query_one("#plan-phrase", Input)
        assert run.disabled and override.display and phrase.display
        phrase.value = demo.stale_key_user
        await pilot.pause()
        assert run.disabled  # the active-key override is still missing
        override.value = key_id[:-1]
        await pilot.pause()
        assert run.disabled
        override.value = key_id
        await pilot.pause()
        assert not run.disabled
        phrase.value = demo.stale_key_user + "x"
        await pilot.pause()
        assert run.disabled
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is review
    assert key_status(iam, demo.stale_key_user) == {key_id: "Active"}
    assert Journal(ws.journal.path).entries() == []


async def test_deactivate_a_stale_key_from_a_finding_then_undo_it_from_the_journal(
    emulator: Emulator, iam: Any
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        user = demo.stale_key_user
        (key_id,) = key_status(iam, user)
        await focus_finding(pilot, "access-key.unused", user)
        screen = await plan_with(pilot, "d")
        assert screen.planned.plan.confirmation_phrase is None  # type: ignore[union-attr]
        await run_plan(pilot, screen)
        assert key_status(iam, user) == {key_id: "Inactive"}
        assert any(m.startswith("done: Deactivate access key") for m in messages(app))
        # The reload: the finding is gone, the key shows as inactive (live, not the old report).
        rules = {f.rule for f in ws.evaluation.findings if f.principal_name == user}  # type: ignore[union-attr]
        assert "access-key.unused" not in rules and "access-key.inactive" in rules
        await pilot.press("escape", "6")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        journal = app.main_screen.pane_widget(Pane.JOURNAL)  # type: ignore[union-attr]
        entry = journal.shown[0].data
        assert entry.action == "key.deactivate" and entry.status == "completed"
        undo = await plan_with(pilot, "u")
        assert undo.planned.undoes == entry.id  # type: ignore[union-attr]
        await run_plan(pilot, undo)
        await pilot.press("escape")
        await settle(pilot)
        assert key_status(iam, user) == {key_id: "Active"}
        statuses = {r.data.id: r.cells[2] for r in journal.shown}
        assert statuses[entry.id] == f"completed, undone by {undo.report.entry_id}"  # type: ignore[union-attr]
        rules = {f.rule for f in ws.evaluation.findings if f.principal_name == user}  # type: ignore[union-attr]
        assert "access-key.unused" in rules


async def test_rotate_shows_the_secret_once_and_never_in_a_screenshot(
    emulator: Emulator, iam: Any
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        user = demo.stale_key_user
        await pilot.press("4")
        keys = app.main_screen.pane_widget(Pane.KEYS)  # type: ignore[union-attr]
        keys.table.set_cursor(next(i for i, r in enumerate(keys.shown) if r.cells[0] == user))
        await pilot.pause()
        screen = await plan_with(pilot, "o")
        assert "stage 1 of 3" in screen.planned.plan.summary  # type: ignore[union-attr]
        screen.query_one("#plan-run", Button).press()
        await settle(pilot)
        secret_screen = app.screen
        assert isinstance(secret_screen, SecretScreen)
        secret = secret_screen.secret.reveal()
        assert len(key_status(iam, user)) == 2
        with pytest.raises(SecretOnScreen):
            app.export_screenshot()
        await pilot.press("r")  # reveal, then copy (OSC 52)
        await pilot.press("c")
        await pilot.press("escape")
        await settle(pilot)
        assert secret_screen.secret.dropped
        assert app.clipboard == ""
        assert isinstance(app.screen, PlanScreen)
        svg = app.export_screenshot()
        await pilot.press("escape")
        await settle(pilot)
        svg += app.export_screenshot()
    assert secret not in svg
    assert not any(secret in m for m in messages(app))
    journal = ws.journal.path
    assert secret not in journal.read_text(encoding="utf-8")


async def test_read_only_refuses_every_action_with_one_line(emulator: Emulator, iam: Any) -> None:
    demo, ws = demo_workspace(emulator, read_only=True)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await focus_finding(pilot, "access-key.unused", demo.stale_key_user)
        assert "READ-ONLY" in str(app.screen.query_one("AccountHeader").render())
        bar = app.screen.query_one("KeyBar").render()
        assert "Deactivate" in str(bar)  # shown, greyed out
        for key in ("d", "x", "X"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
        # Three greyed keys pressed: one notification saying why (not three stacked copies).
        assert messages(app) == ["read-only session: actions are off (started with --read-only)"]
    assert set(key_status(iam, demo.stale_key_user).values()) == {"Active"}
    assert not ws.journal.path.exists()


async def test_dry_run_shows_the_plan_and_journals_nothing(emulator: Emulator, iam: Any) -> None:
    demo, ws = demo_workspace(emulator, dry_run=True)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert "DRY RUN" in str(app.screen.query_one("AccountHeader").render())
        await focus_finding(pilot, "access-key.unused", demo.stale_key_user)
        screen = await plan_with(pilot, "d")
        assert str(screen.query_one("#plan-run", Button).label) == "Dry run (1 call)"
        await run_plan(pilot, screen)
        assert screen.report is not None and screen.report.status == "dry-run"
        assert screen.step_status == ["dry-run"]
    assert set(key_status(iam, demo.stale_key_user).values()) == {"Active"}
    assert not ws.journal.path.exists()


async def test_a_batch_of_two_selected_keys_is_one_plan(emulator: Emulator, iam: Any) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        users = [demo.stale_key_user, demo.never_used_key_user]
        await pilot.press("4")
        keys = app.main_screen.pane_widget(Pane.KEYS)  # type: ignore[union-attr]
        for user in users:
            keys.table.set_cursor(next(i for i, r in enumerate(keys.shown) if r.cells[0] == user))
            await pilot.press("space")
        assert len(keys.marked) == 2
        screen = await plan_with(pilot, "d")
        plan = screen.planned.plan  # type: ignore[union-attr]
        assert plan.action.value == "batch" and len(plan.steps) == 2
        assert {t.name for t in plan.targets} == set(users)
        await run_plan(pilot, screen)
    for user in users:
        assert set(key_status(iam, user).values()) == {"Inactive"}
    (entry,) = Journal(ws.journal.path).entries()
    assert entry.action == "batch" and entry.status == "completed"


async def test_a_second_iamtui_on_the_same_journal_is_read_only(
    emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "journal.jsonl"
    demo, ws = demo_workspace(emulator, journal_path=path)
    hold = (
        "import sys; from iamtui.core.journal import Journal\n"
        "with Journal(sys.argv[1]).writer():\n    print('held', flush=True); sys.stdin.read()"
    )
    other = subprocess.Popen(  # the other iamtui, holding the journal's writer lock
        [sys.executable, "-c", hold, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None and other.stdout.readline().strip() == "held"
    try:
        app = IamtuiApp(ws)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            busy = [m for m in messages(app) if "in use by another iamtui" in m]
            assert len(busy) == 1 and "\n" not in busy[0]
            assert "read-only" in busy[0]
            assert "READ-ONLY (journal)" in str(app.screen.query_one("AccountHeader").render())
            await focus_finding(pilot, "access-key.unused", demo.stale_key_user)
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
            await pilot.press("2")  # reading still works
            assert app.main_screen.active is Pane.USERS  # type: ignore[union-attr]
    finally:
        other.communicate("", timeout=10)


async def test_root_screen_steps_verify_and_export(emulator: Emulator, tmp_path: Path) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_root=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RootScreen) and screen.report is not None
        steps = screen.query_one("#root-steps").rows  # type: ignore[attr-defined]
        assert [r.key for r in steps][:2] == ["root.mfa", "root.no-access-keys"]
        await pilot.press("down")
        assert screen.selected().id.value == "root.no-access-keys"  # type: ignore[union-attr]
        await pilot.press("v")
        await settle(pilot)
        assert screen.verified_at is not None
        assert "Verified: no step changed status." in messages(app)
        target = tmp_path / "root.md"
        await pilot.press("e")
        await pilot.pause()
        field = app.screen.query_one(Input)
        assert field.value == str(Path.home() / "iamtui-root-report.md")
        field.value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert target.read_text(encoding="utf-8") == screen.report.to_markdown()
        # Fix the password policy through the usual preview; closing it verifies again.
        await pilot.press("down", "down")
        assert screen.selected().id.value == "account.password-policy"  # type: ignore[union-attr]
        preview = await plan_with(pilot, "f")
        await run_plan(pilot, preview)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert screen.changed == {"account.password-policy": Status.FAIL}
        assert screen.report.step("account.password-policy").status is Status.PASS
        assert "Verified: account.password-policy: fail → pass" in messages(app)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


class Crash(BaseException):
    """Stands in for the process dying right after a call returned."""


async def test_an_interrupted_entry_offers_roll_back_of_what_was_done(
    emulator: Emulator, iam: Any, tmp_path: Path
) -> None:
    from ui_support import NOW, SharedDemo, seed_demo

    from iamtui.core.actions import Executor, Hooks, Planner, Request
    from iamtui.core.loader import load_account
    from iamtui.core.session import connect
    from iamtui.core.workspace import Workspace

    demo, connection = seed_demo(emulator)
    path = tmp_path / "journal.jsonl"
    user = demo.stale_key_user
    (key_id,) = key_status(iam, user)
    conn = connect(connection)
    plan = Planner(conn, load_account(conn)).plan(Request.deactivate_key(user, key_id))

    def die(_index: int) -> None:
        raise Crash

    with pytest.raises(Crash):
        Executor(conn, Journal(path), hooks=Hooks(after_call=die)).run(plan.confirm())
    assert key_status(iam, user) == {key_id: "Inactive"}

    ws = Workspace.demo(lambda: SharedDemo(connection), clock=lambda: NOW, journal_path=path)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        journal = app.main_screen.pane_widget(Pane.JOURNAL)  # type: ignore[union-attr]
        assert journal.shown[0].cells[2] == "interrupted at step 1 (in doubt)"
        assert "Roll back" in str(app.screen.query_one("KeyBar").render())
        screen = await plan_with(pilot, "u")
        assert screen.title_text.startswith("Roll back ")
        warnings = screen.planned.plan.warnings  # type: ignore[union-attr]
        assert any("cut off mid-call" in w and "it happened" in w for w in warnings)
        await run_plan(pilot, screen)
    assert key_status(iam, user) == {key_id: "Active"}


async def test_the_reload_reaches_the_main_screen_when_the_dialog_closed_first(
    emulator: Emulator, iam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo, ws = demo_workspace(emulator)
    release = threading.Event()
    refresh_after = ws.refresh_after

    def slow_reload(plan: Any) -> Any:
        release.wait(10)
        return refresh_after(plan)

    monkeypatch.setattr(ws, "refresh_after", slow_reload)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        user = demo.stale_key_user
        await focus_finding(pilot, "access-key.unused", user)
        screen = await plan_with(pilot, "d")
        screen.query_one("#plan-run", Button).press()
        for _ in range(200):
            if screen.phase == "done":
                break
            await pilot.pause(0.05)
        assert screen.phase == "done" and screen.reloading
        await pilot.press("escape")  # closed while the reload is still on its way
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        release.set()
        await settle(pilot)
        assert set(key_status(iam, user).values()) == {"Inactive"}
        pane = app.main_screen.pane_widget(Pane.FINDINGS)  # type: ignore[union-attr]

        def stale() -> list[Any]:
            return [
                r
                for r in pane.shown
                if isinstance(r.data, Finding)
                and r.data.rule == "access-key.unused"
                and r.data.principal_name == user
            ]

        # The reload's thread outlives the dialog that started it: on a busy machine its
        # result can land after the workers the app still tracks have settled.
        for _ in range(100):
            if not stale():
                break
            await pilot.pause(0.1)
        assert stale() == []


async def test_go_to_pane_and_quit_never_pass_an_open_secret_or_a_running_plan(
    emulator: Emulator, iam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo, ws = demo_workspace(emulator)
    release = threading.Event()
    execute = ws.execute

    def slow_execute(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return execute(*args, **kwargs)

    monkeypatch.setattr(ws, "execute", slow_execute)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        user = demo.stale_key_user
        await pilot.press("4")
        keys = app.main_screen.pane_widget(Pane.KEYS)  # type: ignore[union-attr]
        keys.table.set_cursor(next(i for i, r in enumerate(keys.shown) if r.cells[0] == user))
        await pilot.pause()
        plan = await plan_with(pilot, "o")
        plan.query_one("#plan-run", Button).press()
        await pilot.pause()
        assert plan.phase == "running"
        app.goto_pane(Pane.USERS)  # what the palette's "Go to Users" does
        await pilot.pause()
        assert app.screen is plan
        assert messages(app)[-1] == "Cannot go to Users: a plan is running."
        release.set()
        await settle(pilot)
        secret = app.screen
        assert isinstance(secret, SecretScreen)
        app.goto_pane(Pane.USERS)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and app.screen is secret and not secret.secret.dropped
        assert messages(app)[-2:] == [
            "Cannot go to Users: close the secret dialog first.",
            "Cannot quit: close the secret dialog first.",
        ]
        await pilot.press("escape", "escape")  # the secret's own guard, then it is gone
        await settle(pilot)
        assert app.screen is plan
        app.goto_pane(Pane.USERS)
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.main_screen.active is Pane.USERS  # type: ignore[union-attr]


async def test_typing_while_cancel_has_the_focus_goes_to_the_field_still_to_type(
    emulator: Emulator, iam: Any
) -> None:
    """A newcomer typed the name with focus on Cancel and the letters were silently dropped:
    they now go to the first field still to type; focus still starts on Cancel."""
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("user", demo.stale_key_user))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#keys").focus()
        await pilot.pause()
        (key_id,) = key_status(iam, demo.stale_key_user)
        screen = await plan_with(pilot, "X")
        assert app.focused is screen.query_one("#plan-cancel-button")
        await pilot.press(*key_id[:3])
        override = screen.query_one("#plan-override", Input)
        assert override.value == key_id[:3] and app.focused is override
        assert screen.query_one("#plan-run", Button).disabled
