"""The TUI driven with Textual's pilot against the emulated demo account (frozen NOW)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW
from textual.command import CommandPalette
from textual.widgets import Input, Static
from ui_support import SIZE, demo_workspace, plain, settle

from iamtui.core import snapshot as snapshot_io
from iamtui.core.findings import Finding, PrincipalKind
from iamtui.core.model import User
from iamtui.core.session import ConnectionProblem, ConnectionSettings
from iamtui.core.settings import Settings
from iamtui.core.views import Pane, RowKind
from iamtui.core.workspace import SourceKind, Workspace
from iamtui.emulator.demo import BOOTSTRAP_ROLE, ESCALATION_ROLE
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.error import ErrorScreen
from iamtui.ui.screens.help import HelpScreen
from iamtui.ui.screens.loading import LoadingScreen
from iamtui.ui.screens.main import MainScreen, PaneWidget
from iamtui.ui.screens.policy import PolicyScreen
from iamtui.ui.screens.review import ReviewScreen
from iamtui.ui.widgets.header import AccountHeader
from iamtui.ui.widgets.table import RowTable


def main_of(app: IamtuiApp) -> MainScreen:
    """The main screen, asserting it is up."""
    assert app.main_screen is not None
    return app.main_screen


def pane(app: IamtuiApp, which: Pane) -> PaneWidget:
    """One pane of the main screen."""
    return main_of(app).pane_widget(which)


def header_text(app: IamtuiApp) -> str:
    """What the current screen's header says."""
    return str(app.screen.query_one(AccountHeader).render())


async def test_loads_the_demo_into_the_findings_pane(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        findings = pane(app, Pane.FINDINGS)
        assert findings.table.has_focus
        groups = [r for r in findings.shown if r.kind is RowKind.GROUP]
        assert groups[0].cells[0].startswith("CRITICAL  root.no-mfa")
        assert any(r.kind is RowKind.NOT_EVALUATED for r in findings.shown)
        text = header_text(app)
        assert f"{demo.alias} (123456789012)" in text
        assert "user/ops/ops-operator" in text
        assert "credential report just generated" in text
        tabs = str(main_of(app).tabs.render())
        assert f"2 Users {len(ws.snapshot.users)}" in tabs  # type: ignore[union-attr]


async def test_number_keys_switch_panes(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, which in (("2", Pane.USERS), ("3", Pane.ROLES), ("4", Pane.KEYS),
                           ("5", Pane.ROOT), ("1", Pane.FINDINGS)):  # fmt: skip
            await pilot.press(key)
            await pilot.pause()
            assert main_of(app).tabs.active == which.value
            assert pane(app, which).table.has_focus


async def test_filter_then_clear(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash")
        users = pane(app, Pane.USERS)
        assert users.filter_input.has_focus
        await pilot.press(*"kevin")
        await pilot.pause()
        # kevin.walsh by name, s3-sync-legacy by its Owner tag.
        assert [r.cells[0] for r in users.shown] == [demo.ex_employee, "s3-sync-legacy"]
        assert users.table.border_title == f"Users · 2 of {len(ws.snapshot.users)}"  # type: ignore[union-attr]
        await pilot.press("enter")
        assert users.table.has_focus and users.query_text == "kevin"
        await pilot.press("escape")
        await pilot.pause()
        assert users.query_text == "" and not users.filter_input.display
        assert len(users.shown) == len(ws.snapshot.users)  # type: ignore[union-attr]
        await pilot.press("slash", *"zzz")
        await pilot.pause()
        assert users.shown == []
        assert users.table.empty_text == "No users match 'zzz'"
        await pilot.press("escape")
        assert users.shown


async def test_sort_and_mark_rows(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        users = pane(app, Pane.USERS)
        names = [r.cells[0] for r in users.shown]
        assert names == sorted(names)
        await pilot.press("S")  # reverse
        assert [r.cells[0] for r in users.shown] == sorted(names, reverse=True)
        await pilot.press("s")  # next column: path
        assert users.sort_column == 1
        await pilot.press("space", "space")
        assert len(users.marked) == 2
        assert "2 selected" in str(users.table.border_subtitle)
        await pilot.press("up", "space")
        assert len(users.marked) == 1
        # Marks are kept per pane.
        await pilot.press("3")
        assert pane(app, Pane.ROLES).marked == set()


async def test_min_severity_floor_on_findings(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        findings = pane(app, Pane.FINDINGS)
        await pilot.press("m", "m", "m")  # info -> low -> medium -> high
        severities = {r.data.severity.label for r in findings.shown if isinstance(r.data, Finding)}
        assert severities == {"high", "critical"}
        assert "high and above" in str(findings.table.border_subtitle)


async def test_enter_on_a_user_opens_the_review_and_loads_key_ids(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash", *demo.stale_key_user, "enter", "enter")
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.principal.name == demo.stale_key_user
        assert review.review.keys_detailed
        keys = review.query_one("#keys", RowTable)
        assert keys.rows and keys.rows[0].cells[0].startswith("AKIA")
        await pilot.press("escape")
        assert app.screen is app.main_screen


async def test_enter_on_a_finding_opens_its_principal(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        findings = pane(app, Pane.FINDINGS)
        target = next(
            r
            for r in findings.shown
            if isinstance(r.data, Finding) and r.data.principal_kind is PrincipalKind.ROLE
        )
        findings.table.set_cursor(findings.shown.index(target))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert isinstance(target.data, Finding)
        assert app.screen.principal.arn == target.data.principal_arn
        assert app.screen.review.trust is not None


async def test_last_accessed_arrives_in_the_review(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        user = ws.snapshot.user(demo.partial_usage_user)  # type: ignore[union-attr]
        assert user is not None
        app.open_review(user)
        await pilot.pause()
        assert ("last-accessed", user.arn) in app.fetching or user.arn in ws.snapshot.last_accessed  # type: ignore[union-attr]
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.review.last_accessed is not None
        table = review.query_one("#access", RowTable)
        assert table.rows and any(r.cells[4] == "unused" for r in table.rows)
        assert any(r.cells[2] != "never" for r in table.rows)
        # Kept in the snapshot and re-evaluated: the rule that needed it now ran.
        assert user.arn in ws.snapshot.last_accessed  # type: ignore[union-attr]
        assert "permissions.unused-services" not in {
            n.rule.id
            for n in ws.evaluation.not_evaluated  # type: ignore[union-attr]
        }


async def test_the_review_shows_how_a_role_can_become_administrator(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("role", ESCALATION_ROLE))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.query_one("#escalation-box").display
        text = plain(review.query_one("#escalation", Static))
        assert "iam:PassRole + cloudformation:CreateStack" in text
        assert "1. iam:PassRole on" in text and BOOTSTRAP_ROLE in text
        app.pop_screen()
        app.open_review(ws.snapshot.user(demo.stale_key_user))  # type: ignore[union-attr,arg-type]
        await settle(pilot)
        assert not app.screen.query_one("#escalation-box").display  # no path: no box


async def test_policy_documents_open_from_the_review(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("user", demo.inline_admin_user))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        policies = app.screen.query_one("#policies", RowTable)
        policies.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PolicyScreen)
        assert app.screen.line.document is not None
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_unknown_principal_from_the_cli_filters_and_says_so(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("role", "no-such-role"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert main_of(app).tabs.active == Pane.ROLES.value
        assert pane(app, Pane.ROLES).query_text == "no-such-role"
        assert any("no-such-role" in n.message for n in app._notifications)


async def test_snapshot_mode_is_read_only_and_says_so(emulator: Emulator, tmp_path: Path) -> None:
    demo, live = demo_workspace(emulator)
    path = tmp_path / "northwind.json"
    snapshot_io.save(live.load().snapshot, path)
    ws = Workspace.offline(path, clock=lambda: NOW)
    app = IamtuiApp(ws, open_principal=("user", demo.stale_key_user))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert ws.kind is SourceKind.SNAPSHOT and ws.read_only
        assert "SNAPSHOT (read-only)" in header_text(app)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert app.fetching == set() and not app.workers._workers - {
            w for w in app.workers if w.group == "load"
        }
        assert "read-only" in plain(review.query_one("#actions", Static))
        assert "offline" in plain(review.query_one("#access-note", Static))
        assert "offline" in plain(review.query_one("#keys-note", Static))


async def test_help_lists_every_binding_with_its_id(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        body = plain(app.screen.query_one("#help-body", Static))
        for binding_id in ("pane-findings", "filter", "sort", "select", "reload", "quit",
                           "review-back", "table-open", "palette", "theme"):  # fmt: skip
            assert binding_id in body
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_command_palette_opens_a_principal(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*demo.ci_bot)
        await pilot.pause(0.3)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.principal.name == demo.ci_bot


async def test_keymap_from_settings_remaps_bindings(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator, Settings(keymap={"pane-users": "u", "filter": "f"}))
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        assert main_of(app).tabs.active == Pane.FINDINGS.value  # "2" no longer bound
        await pilot.press("u")
        assert main_of(app).tabs.active == Pane.USERS.value
        await pilot.press("f")
        assert isinstance(app.focused, Input)
        await pilot.press("escape", "question_mark")
        body = plain(app.screen.query_one("#help-body", Static))
        users_line = next(line for line in body.splitlines() if "pane-users" in line)
        assert users_line.split()[0] == "u"


async def test_reload_keeps_the_filter(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "slash", *"kevin.walsh", "enter", "r")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert ws.state is not None and ws.state.generation == 2
        assert pane(app, Pane.USERS).query_text == "kevin.walsh"
        assert len(pane(app, Pane.USERS).shown) == 2


async def test_fatal_connection_error_offers_retry_and_quit() -> None:
    calls: list[int] = []

    def broken(_settings: ConnectionSettings) -> object:
        calls.append(1)
        raise ConnectionProblem("no AWS credentials found: set AWS_PROFILE or pass --profile")

    ws = Workspace(SourceKind.LIVE, connector=broken, clock=lambda: NOW)  # type: ignore[arg-type]
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert "no AWS credentials" in plain(app.screen.query_one("#error-message", Static))
        await pilot.press("r")
        await settle(pilot)
        assert len(calls) == 2 and isinstance(app.screen, ErrorScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == "no AWS credentials found: set AWS_PROFILE or pass --profile"
    assert app.return_code == 2


async def test_escape_cancels_the_load(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator)
    emulator.extras().report_generation_polls = 1000  # the report never completes

    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.cancelled


def test_user_objects_are_what_the_review_expects(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator)
    state = ws.load()
    assert isinstance(state.views.find_principal("user", demo.ci_bot), User)


async def test_the_palette_opened_during_the_load_does_not_strand_the_loading_screen(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    _demo, ws = demo_workspace(emulator)
    release = threading.Event()
    load = ws.load

    def slow_load(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return load(*args, **kwargs)

    monkeypatch.setattr(ws, "load", slow_load)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoadingScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        release.set()
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert not any(isinstance(s, LoadingScreen) for s in app.screen_stack)
        await pilot.press("2")
        assert main_of(app).tabs.active == Pane.USERS.value


def test_the_contact_form_and_review_delete_bindings_are_remappable() -> None:
    from iamtui.ui.app import binding_ids

    assert {"contact-cancel", "review-user-delete", "review-role-delete"} <= binding_ids()


async def test_review_x_acts_on_the_focused_row_and_d_deletes_the_user(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("user", demo.stale_key_user))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        box = plain(review.query_one("#actions", Static))
        line = next(x for x in box.splitlines() if "Delete user" in x)
        assert line.split()[0] == "D", line
        await pilot.press("X")  # focus starts on the Findings table: its row's fix
        await settle(pilot)
        assert app.screen.planned.plan.action.value != "user.delete"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("D")
        await settle(pilot)
        assert app.screen.planned.plan.action.value == "user.delete"  # type: ignore[attr-defined]


async def test_hostile_names_reach_the_screen_inert(tmp_path: Path) -> None:
    """An alias or a user name holding terminal escapes is drawn escaped, never sent raw."""
    from dataclasses import replace as _replace

    from builders import snapshot, user
    from hostile import BIDI_ATTACK, TERMINAL_ATTACK, TERMINAL_ATTACK_SHOWN, assert_inert

    evil = user(f"eve{TERMINAL_ATTACK}")
    snap = _replace(snapshot(users=[evil, user(BIDI_ATTACK)]), alias=f"acme{TERMINAL_ATTACK}")
    ws = Workspace.from_snapshot(snap, clock=lambda: NOW, journal_path=tmp_path / "j.jsonl")
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await pilot.pause()
        rows = "\n".join(line for r in pane(app, Pane.USERS).shown for line in r.cells)
        table = pane(app, Pane.USERS).table
        drawn = "\n".join(table.render_line(y).text for y in range(table.size.height))
        assert TERMINAL_ATTACK in rows  # the data itself is untouched
        assert_inert(drawn)
        assert "eve\\x1b]0;pwned" in drawn
        assert_inert(header_text(app))
        assert TERMINAL_ATTACK_SHOWN[:8] in header_text(app)
