"""Keys and mouse: the key bar (ranked, greyed out when read-only), one key per meaning, clicks.

The key bar is checked through what the widget renders (its strips: text and styles), never
through pixels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import NOW
from rich.style import Style
from textual import events
from textual.geometry import Region
from textual.widgets import Button
from ui_support import demo_workspace, settle

from iamtui.core import snapshot as snapshot_io
from iamtui.core.session import ConnectionProblem, ConnectionSettings
from iamtui.core.settings import Settings
from iamtui.core.views import Pane
from iamtui.core.workspace import SourceKind, Workspace
from iamtui.emulator.server import Emulator
from iamtui.ui.app import READ_ONLY_REFUSAL, SNAPSHOT_REFUSAL, IamtuiApp, binding_scopes
from iamtui.ui.keymap import canonical_keymap
from iamtui.ui.screens.action import AskPath, PlanScreen, SecretScreen
from iamtui.ui.screens.error import ErrorScreen
from iamtui.ui.screens.help import HelpScreen
from iamtui.ui.screens.main import MainScreen
from iamtui.ui.screens.review import ReviewScreen
from iamtui.ui.widgets.keybar import HELP_RANK, PALETTE_RANK, KeyBar, KeyItem, fit_items
from iamtui.ui.widgets.table import RowTable

WIDE = (200, 50)
NARROW = (100, 30)


def messages(app: IamtuiApp) -> list[str]:
    """Every notification shown so far."""
    return [n.message for n in app._notifications]


def bar_of(app: IamtuiApp) -> KeyBar:
    """The current screen's key bar."""
    return app.screen.query_one(KeyBar)


def rendered(bar: KeyBar) -> list[tuple[str, Style]]:
    """The bar's one line as drawn: (text, style) per segment."""
    (strip,) = bar.render_lines(Region(0, 0, bar.size.width, 1))
    return [(seg.text, seg.style or Style()) for seg in strip if seg.text]


def text_of(bar: KeyBar) -> str:
    """The bar's line as text."""
    return "".join(text for text, _ in rendered(bar))


def style_at(bar: KeyBar, needle: str) -> Style:
    """The style the bar draws the first character of ``needle`` with."""
    x = text_of(bar).index(needle)
    for text, style in rendered(bar):
        if x < len(text):
            return style
        x -= len(text)
    raise AssertionError(needle)


def shown(bar: KeyBar) -> dict[str, bool]:
    """``key label`` -> enabled, for every key the bar shows."""
    return {f"{item.display} {item.label}": item.enabled for item in bar.shown}


async def on_key_row(pilot: Any, user: str) -> RowTable:
    """The Access keys pane with the cursor on ``user``'s key."""
    app: IamtuiApp = pilot.app
    await pilot.press("4")
    await settle(pilot)
    assert app.main_screen is not None
    table = app.main_screen.pane_widget(Pane.KEYS).table
    table.set_cursor(next(i for i, r in enumerate(table.rows) if r.cells[0] == user))
    await settle(pilot)
    return table


def row_offset(table: RowTable, index: int, x: int = 4) -> tuple[int, int]:
    """Where row ``index`` is drawn, relative to the table (border and header included)."""
    return table.gutter.left + x, table.gutter.top + 1 + index - round(table.scroll_y)


ACTION_KEYS = {"x Actions…", "d Deactivate", "o Rotate", "X Delete key"}


# --- the key bar ------------------------------------------------------------------------------


async def test_the_key_bar_at_200x50_shows_every_key_enabled_and_nothing_underlined(
    emulator: Emulator,
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await on_key_row(pilot, demo.stale_key_user)
        bar = bar_of(app)
        keys = shown(bar)
        assert ACTION_KEYS | {"s Sort", "r Reload", "q Quit", "? Help", "^p Commands"} <= set(keys)
        assert all(keys.values())
        assert text_of(bar).rstrip().endswith("^p Commands")
        assert not any(style.underline for _, style in rendered(bar))
        # Keys are drawn in the accent colour, their labels in the text colour.
        assert style_at(bar, "d Deactivate").color != style_at(bar, "Deactivate").color


async def test_read_only_greys_out_the_action_keys_and_says_why_once(
    emulator: Emulator, iam: Any
) -> None:
    demo, ws = demo_workspace(emulator, read_only=True)
    app = IamtuiApp(ws)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await on_key_row(pilot, demo.stale_key_user)
        bar = bar_of(app)
        keys = shown(bar)
        assert {k for k, enabled in keys.items() if not enabled} == ACTION_KEYS
        assert keys["/ Filter"] and keys["? Help"] and keys["r Reload"]
        dim = style_at(bar, "d Deactivate")
        assert dim == style_at(bar, "Deactivate")  # key and label greyed alike
        assert dim.color != style_at(bar, "/ Filter").color
        assert not dim.bold
        for key in ("d", "X", "x", "o", "d"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
        assert messages(app) == [READ_ONLY_REFUSAL]
    keys = iam.list_access_keys(UserName=demo.stale_key_user)["AccessKeyMetadata"]
    assert [k["Status"] for k in keys] == ["Active"]


async def test_snapshot_mode_greys_out_the_action_keys_and_says_there_is_no_account(
    emulator: Emulator, tmp_path: Path
) -> None:
    demo, live = demo_workspace(emulator)
    path = tmp_path / "northwind.json"
    snapshot_io.save(live.load().snapshot, path)
    ws = Workspace.offline(path, clock=lambda: NOW)
    app = IamtuiApp(ws)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await on_key_row(pilot, demo.stale_key_user)
        keys = shown(bar_of(app))
        assert {k for k, enabled in keys.items() if not enabled} == ACTION_KEYS
        await pilot.press("d")
        await pilot.pause()
        assert messages(app) == [SNAPSHOT_REFUSAL]
        assert isinstance(app.screen, MainScreen)


async def test_at_100x30_low_rank_keys_go_first_and_help_and_the_palette_stay(
    emulator: Emulator,
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        bar = bar_of(app)
        for _ in range(2):  # the Findings pane, then a key row (more keys)
            keys = shown(bar)
            text = text_of(bar)
            assert "? Help" in keys and "^p Commands" in keys and "⏎ Open" in keys
            assert len(text) <= NARROW[0]
            assert text.rstrip().endswith("^p Commands")
            await on_key_row(pilot, demo.stale_key_user)
        assert set(keys) >= ACTION_KEYS
        assert "s Sort" not in keys and "r Reload" not in keys  # lowest rank: first out
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        keys = shown(bar_of(app))
        assert {"esc Back", "? Help", "^p Commands"} <= set(keys)
        assert len(text_of(bar_of(app))) <= NARROW[0]
        await pilot.press("escape")
        await pilot.resize_terminal(*WIDE)
        await settle(pilot)
        assert {"s Sort", "r Reload", "q Quit"} <= set(shown(bar))  # room again: all back


def test_fit_drops_the_highest_rank_rightmost_first_and_never_help() -> None:
    def item(label: str, rank: int) -> KeyItem:
        return KeyItem(label.lower(), label[0].lower(), label, True, rank)

    items = [item("Open", 2), item("Sort", 4), item("Quit", 3), item("Reload", 4)]
    items.append(item("Help", HELP_RANK))
    palette = KeyItem("ctrl+p", "^p", "Commands", True, PALETTE_RANK, "palette")
    labels = lambda got: [i.label for i in got[0]] + ([got[1].label] if got[1] else [])  # noqa: E731
    assert labels(fit_items(items, palette, 200)) == [
        "Open", "Sort", "Quit", "Reload", "Help", "Commands"]  # fmt: skip
    assert labels(fit_items(items, palette, 40)) == ["Open", "Quit", "Help", "Commands"]
    assert labels(fit_items(items, palette, 34)) == ["Open", "Help", "Commands"]
    assert labels(fit_items(items, palette, 21)) == ["Help", "Commands"]
    assert labels(fit_items(items, palette, 20)) == ["Help"]
    assert labels(fit_items(items, palette, 3)) == ["Help"]


async def test_a_click_on_a_key_in_the_bar_presses_it(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        bar = bar_of(app)
        await pilot.click(bar, offset=(text_of(bar).index("? Help") + 1, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


# --- one key, one meaning ---------------------------------------------------------------------


def test_one_key_means_one_thing_on_the_main_screen_in_reviews_and_on_root_steps() -> None:
    """D deletes the principal, X or delete the focused row's key, policy or account resource
    (an instance profile, an identity provider), x its actions."""
    by_scope = {title: bindings for title, bindings in binding_scopes()}

    def ids(scope: str, key: str) -> set[str]:
        return {b.id or "" for b in by_scope[scope] if key in b.key.split(",")}

    for scope in ("Main screen", "Review screen"):
        assert ids(scope, "D") <= {"user-delete", "role-delete"}
        assert ids(scope, "D") == {"user-delete", "role-delete"}
        assert ids(scope, "X") <= {"key-delete", "policy-remove", "resource-delete"}
        assert ids(scope, "delete") == ids(scope, "X")
        assert ids(scope, "x") == {"actions"}
    assert ids("Root hardening", "x") == {"root-fix"}


def test_the_review_delete_ids_still_remap_as_aliases() -> None:
    from iamtui.ui.app import binding_ids, unknown_ids

    assert unknown_ids({"review-user-delete": "ctrl+d", "review-role-delete": "K"}) == []
    assert {"review-user-delete", "user-delete"} <= binding_ids()
    assert canonical_keymap({"review-user-delete": "ctrl+d", "quit": "Q"}) == {
        "user-delete": "ctrl+d", "quit": "Q"}  # fmt: skip
    both = {"review-role-delete": "K", "role-delete": "L"}
    assert canonical_keymap(both) == {"role-delete": "L"}  # the new id wins


async def test_d_deletes_a_user_from_its_row_and_x_does_not(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator, Settings(keymap={"review-user-delete": "ctrl+d"}))
    app = IamtuiApp(ws)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        assert app.main_screen is not None
        users = app.main_screen.pane_widget(Pane.USERS)
        users.table.set_cursor(
            next(i for i, r in enumerate(users.table.rows) if r.cells[0] == demo.stale_key_user)
        )
        await settle(pilot)
        assert "ctrl+d" not in shown(bar_of(app))  # remapped by its old id: the key bar says so
        assert any(k.endswith("Delete user") and k[0] == "^" for k in shown(bar_of(app)))
        await pilot.press("X")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)  # X deletes keys and policies, not users
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert isinstance(app.screen, PlanScreen)
        assert app.screen.planned is not None
        assert app.screen.planned.plan.action.value == "user.delete"


# --- mouse ------------------------------------------------------------------------------------


async def test_a_click_on_a_pane_label_shows_that_pane(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        assert app.main_screen is not None
        tabs = app.main_screen.tabs
        for start, _end, pane in reversed(tabs.spans()):
            await pilot.click(tabs, offset=(tabs.gutter.left + start + 2, 0))
            await pilot.pause()
            assert tabs.active is pane
            if pane.tabular:  # the overview has no table to focus
                assert app.main_screen.pane_widget(pane).table.has_focus
        assert not any(style.underline for style in _tab_styles(tabs))


def _tab_styles(tabs: Any) -> list[Style]:
    (strip,) = tabs.render_lines(Region(0, 0, tabs.size.width, 1))
    return [seg.style for seg in strip if seg.text.strip() and seg.style is not None]


async def test_a_click_moves_the_cursor_and_a_double_click_opens_the_review(
    emulator: Emulator,
) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert app.main_screen is not None
        table = app.main_screen.pane_widget(Pane.USERS).table
        assert table.cursor == 0
        await pilot.click(table, offset=row_offset(table, 3))
        await pilot.pause()
        assert table.cursor == 3 and isinstance(app.screen, MainScreen)
        await pilot.click(table, offset=row_offset(table, 3))  # a click on the cursor row
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        user = table.rows[5].data
        await pilot.double_click(table, offset=row_offset(table, 5))
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.principal == user


async def test_a_click_on_a_section_header_puts_the_cursor_on_its_first_row(
    emulator: Emulator,
) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        assert app.main_screen is not None
        table = app.main_screen.pane_widget(Pane.FINDINGS).table
        header = next(i for i, r in enumerate(table.rows) if r.span and i > table.cursor)
        await pilot.double_click(table, offset=row_offset(table, header))
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)  # a header opens nothing
        assert table.cursor == header + 1 and not table.rows[table.cursor].span


async def test_the_wheel_scrolls_a_table_and_leaves_the_cursor(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert app.main_screen is not None
        table = app.main_screen.pane_widget(Pane.USERS).table
        assert len(table.rows) > table.body_height and table.scroll_y == 0
        await pilot._post_mouse_events([events.MouseScrollDown], table, (5, 3), times=4)
        assert table.scroll_y > 0 and table.cursor == 0
        top = round(table.scroll_y)
        await pilot.click(table, offset=row_offset(table, top))  # rows drawn where they are
        await pilot.pause()
        assert table.cursor == top
        await pilot._post_mouse_events([events.MouseScrollUp], table, (5, 3), times=10)
        assert table.scroll_y == 0 and table.cursor == top


async def test_the_plan_preview_buttons_answer_clicks(emulator: Emulator, iam: Any) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await on_key_row(pilot, demo.stale_key_user)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, PlanScreen)
        await pilot.click("#plan-cancel-button")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("d")
        await settle(pilot)
        preview = app.screen
        assert isinstance(preview, PlanScreen) and preview.phase == "preview"
        assert not preview.query_one("#plan-run", Button).disabled
        await pilot.click("#plan-run")
        await settle(pilot)
        assert preview.phase == "done", preview.result_line
        await pilot.click("#plan-cancel-button")  # Close, once done
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    statuses = [k["Status"] for k in iam.list_access_keys(UserName=demo.stale_key_user)[
        "AccessKeyMetadata"]]  # fmt: skip
    assert statuses == ["Inactive"]


async def test_the_load_error_buttons_answer_clicks() -> None:
    calls: list[int] = []

    def broken(_settings: ConnectionSettings) -> object:
        calls.append(1)
        raise ConnectionProblem("no AWS credentials found: set AWS_PROFILE or pass --profile")

    ws = Workspace(SourceKind.LIVE, connector=broken, clock=lambda: NOW)  # type: ignore[arg-type]
    app = IamtuiApp(ws)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        await pilot.click("#retry")
        await settle(pilot)
        assert len(calls) == 2 and isinstance(app.screen, ErrorScreen)
        await pilot.click("#quit")
        await pilot.pause()
    assert app.return_code == 2


async def test_the_secret_dialog_buttons_answer_clicks(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await settle(pilot)
        await on_key_row(pilot, demo.stale_key_user)
        await pilot.press("o")  # rotate, stage 1: a new key, its secret shown once
        await settle(pilot)
        assert isinstance(app.screen, PlanScreen)
        await pilot.click("#plan-run")
        await settle(pilot)
        secret = app.screen
        assert isinstance(secret, SecretScreen) and not secret.revealed
        await pilot.click("#secret-reveal-button")
        await pilot.pause()
        assert secret.revealed
        await pilot.click("#secret-copy-button")
        await pilot.pause()
        assert secret.kept and app.clipboard == secret.secret.reveal()
        await pilot.click("#secret-save-button")
        await pilot.pause()
        assert isinstance(app.screen, AskPath)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.click("#secret-done-button")
        await settle(pilot)
        assert secret.secret.dropped and not isinstance(app.screen, SecretScreen)
