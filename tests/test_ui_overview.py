"""The Overview pane and the last-accessed fetch for everyone, driven with Textual's pilot."""

from __future__ import annotations

from conftest import NOW
from faults import inject
from textual.pilot import Pilot
from ui_support import SIZE, SharedDemo, seed_demo, settle

from iamtui.cli.loading import open_account
from iamtui.core.rules import evaluate
from iamtui.core.session import Connection, ConnectionSettings, connect
from iamtui.core.views import Pane
from iamtui.core.workspace import SourceKind, Workspace
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.main import MainScreen
from iamtui.ui.widgets.header import AccountHeader
from iamtui.ui.widgets.overview import Card, OverviewPane
from iamtui.ui.widgets.tabs import PaneTabs


def main_of(app: IamtuiApp) -> MainScreen:
    """The main screen, asserting it is up."""
    assert app.main_screen is not None
    return app.main_screen


def card_text(app: IamtuiApp, card_id: str) -> str:
    """What one overview card shows (title, then its lines)."""
    card = main_of(app).query_one(f"#{card_id}", Card)
    return f"{card.border_title}\n{card.render().plain}"


def findings_title(app: IamtuiApp) -> str:
    """The Findings table's title."""
    return str(main_of(app).pane_widget(Pane.FINDINGS).table.border_title)


async def wait_for_fetch(pilot: Pilot[object], app: IamtuiApp) -> None:
    """Until the fetch for everyone ended (its worker and the messages it posted)."""
    for _ in range(200):
        await settle(pilot)
        if main_of(app).fetch_progress is None:
            return
        await pilot.pause(0.05)
    raise AssertionError("the last-accessed fetch did not end")


async def test_overview_is_key_0_first_in_the_bar_and_the_app_still_opens_on_findings(
    emulator: Emulator,
) -> None:
    _demo, conn = seed_demo(emulator)
    ws = Workspace.demo(lambda: SharedDemo(conn), clock=lambda: NOW)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_of(app)
        assert main.active is Pane.FINDINGS
        tabs = main.query_one(PaneTabs).render().plain
        assert tabs.split()[:4] == ["0", "Overview", "1", "Findings"]
        await pilot.press("0")
        assert main.active is Pane.OVERVIEW
        assert main.query_one(OverviewPane).display
        o = ws.state.views.overview  # type: ignore[union-attr]
        keys = card_text(app, "overview-keys")
        assert f"Access keys · {o.active_keys} active, by age" in keys
        for bar in o.key_ages:
            assert bar.label in keys
        severity = card_text(app, "overview-severity")
        assert f"Findings · {o.findings}, by severity" in severity
        assert f"{o.findings}" in main.query_one(PaneTabs).render().plain
        root = card_text(app, "overview-root")
        assert "MFA" in root and "4 failing" in root
        data = card_text(app, "overview-data")
        assert f"0 of {o.freshness.principals} principals" in data
        assert "L: fetch it for every principal" in data
        # Table keys do not apply here; the fetch key does.
        assert main.check_action("sort", ()) is False
        assert main.check_action("filter", ()) is False
        assert main.check_action("last_accessed_all", ()) is True
        await pilot.press("s", "slash", "space")  # nothing happens, nothing breaks
        assert main.active is Pane.OVERVIEW
        await pilot.press("2")
        assert main.active is Pane.USERS


async def test_fetch_for_everyone_makes_the_tui_count_what_scan_counts(emulator: Emulator) -> None:
    """95 in the TUI and 141 in ``scan --demo`` came from last-accessed data: L closes the gap."""
    _demo, conn = seed_demo(emulator)
    with open_account(conn, last_accessed=True) as scanned:
        scan = evaluate(scanned, now=NOW)
    ws = Workspace.demo(lambda: SharedDemo(conn), clock=lambda: NOW)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        state = ws.state
        assert state is not None
        principals = len(state.snapshot.users) + len(state.snapshot.roles)
        before = state.views.counts()[Pane.FINDINGS]
        assert f"last-accessed: 0 of {principals} principals" in findings_title(app)
        assert before < len(scan.active)
        await pilot.press("L")
        await wait_for_fetch(pilot, app)
        state = ws.state
        assert state is not None
        assert len(state.snapshot.last_accessed) == principals
        assert state.patched is not None  # merged into the last state, not rebuilt
        assert state.views.counts()[Pane.FINDINGS] == len(scan.active)
        assert sorted(f.id for f in state.evaluation.findings) == sorted(
            f.id for f in scan.findings
        )
        assert f"{len(scan.active)} · last-accessed: {principals} of {principals}" in (
            findings_title(app)
        )
        await pilot.press("0")
        assert f"{principals} of {principals} principals" in card_text(app, "overview-data")
        assert f"Findings · {len(scan.active)}, by severity" in card_text(app, "overview-severity")
        # Nothing left to fetch: the key is hidden.
        assert main_of(app).check_action("last_accessed_all", ()) is False


async def test_fetch_shows_progress_and_stops_on_escape_then_resumes(
    emulator: Emulator,
    real_polling: None,  # AWS's waits between the polls: time to press escape
) -> None:
    _demo, conn = seed_demo(emulator)
    extras = emulator.extras()
    extras.last_accessed_polls = 2  # each job answers IN_PROGRESS twice: time to press escape
    ws = Workspace.demo(lambda: SharedDemo(conn), clock=lambda: NOW)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        main = main_of(app)
        state = ws.state
        assert state is not None
        principals = len(state.snapshot.users) + len(state.snapshot.roles)
        await pilot.press("L")
        for _ in range(100):
            await pilot.pause(0.05)
            progress = main.fetch_progress
            if progress is not None and progress[0] >= 1:
                break
        progress = main.fetch_progress
        assert progress is not None and progress[1] == principals
        header = str(main.query_one(AccountHeader).render())
        assert f"last-accessed {progress[0]} of {principals}…" in header
        assert main.check_action("stop_last_accessed", ()) is True
        await pilot.press("escape")
        await wait_for_fetch(pilot, app)
        got = len(ws.snapshot.last_accessed)  # type: ignore[union-attr]
        assert 0 < got < principals
        assert f"last-accessed: {got} of {principals} principals" in findings_title(app)
        assert "last-accessed" not in str(main.query_one(AccountHeader).render())
        assert any("stopped" in n.message for n in app._notifications)
        # The same key again fetches only what is still missing.
        extras.last_accessed_polls = 0
        await pilot.press("L")
        await wait_for_fetch(pilot, app)
        assert len(ws.snapshot.last_accessed) == principals  # type: ignore[union-attr]
        fetched = f"Fetched last-accessed data for {principals - got} principals"
        assert any(fetched in n.message for n in app._notifications)


async def test_fetch_for_everyone_is_refused_offline(emulator: Emulator) -> None:
    _demo, conn = seed_demo(emulator)
    with open_account(conn) as snap:
        pass
    ws = Workspace.from_snapshot(snap, clock=lambda: NOW)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_of(app)
        assert main.check_action("last_accessed_all", ()) is False
        await pilot.press("L")
        await settle(pilot)
        assert main.fetch_progress is None
        await pilot.press("0")
        await settle(pilot)
        data = card_text(app, "overview-data")
        assert "fetch it for every principal" not in data
        # Before: every card was an empty box for a snapshot (nothing changed, so nothing drawn).
        for card in ("overview-keys", "overview-severity", "overview-root", "overview-data"):
            title, _, body = card_text(app, card).partition("\n")
            assert title.strip() and title != "None" and body.strip(), card


async def test_a_failed_fetch_says_why_in_one_line(emulator: Emulator) -> None:
    _demo, conn = seed_demo(emulator)

    def connector(cs: ConnectionSettings) -> Connection:
        made = connect(cs)
        inject(made.iam, "GenerateServiceLastAccessedDetails", "AccessDenied")
        return made

    ws = Workspace(
        SourceKind.DEMO,
        demo_starter=lambda: SharedDemo(conn),
        connector=connector,
        clock=lambda: NOW,
    )
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("L")
        await wait_for_fetch(pilot, app)
        state = ws.state
        assert state is not None
        principals = len(state.snapshot.users) + len(state.snapshot.roles)
        messages = [n.message for n in app._notifications]
        assert (
            f"Fetched last-accessed data for 0 principals, {principals} failed (denied: the "
            f"caller lacks iam:GenerateServiceLastAccessedDetails); now last-accessed: 0 of "
            f"{principals} principals." in messages
        )
        assert main_of(app).check_action("last_accessed_all", ()) is True  # may be tried again
