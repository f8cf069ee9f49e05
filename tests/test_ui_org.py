"""The organization screen, driven with the pilot against the demo organization (frozen NOW).

The demo organization is seeded into the test process's emulator: eight accounts, ``legacy``
without the role (AccessDenied) and ``analytics`` throttling every IAM call. One app run per
test: the scan fills the Accounts pane, ``enter`` opens a member account's full session through
its role, ``b`` comes back and the row shows the session's changes.
"""

from __future__ import annotations

from typing import Any

from conftest import NOW
from moto.moto_api._internal import mock_random
from test_ui_actions import focus_finding, messages, plan_with, run_plan
from ui_support import SIZE, SharedDemo, settle

from iamtui.core.fleet import AccountLine, FleetOptions
from iamtui.core.org_session import OrgSession
from iamtui.core.session import ConnectionSettings
from iamtui.core.views import Pane
from iamtui.core.views.fleet import OrgFinding
from iamtui.emulator.demo_org import ANALYTICS, LEGACY, NAMES, PRODUCTION, seed_demo_organization
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.messages import StateChanged
from iamtui.ui.screens.error import ErrorScreen
from iamtui.ui.screens.main import MainScreen
from iamtui.ui.screens.org import OrgScreen
from iamtui.ui.screens.review import ReviewScreen
from iamtui.ui.widgets.header import AccountHeader
from iamtui.ui.widgets.keybar import KeyBar


def demo_org(emulator: Emulator, options: FleetOptions | None = None, **modes: Any) -> OrgSession:
    """An organization session on the demo organization seeded into the shared emulator."""
    mock_random.seed(42)
    for account in NAMES:
        extras = emulator.extras(account)
        extras.clock = lambda: NOW
        extras.report_generation_time = extras.report_generation_time * 0
    seeded = seed_demo_organization(emulator, NOW)
    settings = ConnectionSettings(
        endpoint_url=emulator.endpoint_url,
        region="us-east-1",
        static_credentials=(seeded.access_key_id, seeded.secret_access_key),
    )
    return OrgSession(
        settings,
        options or FleetOptions(),
        clock=lambda: NOW,
        demo_starter=lambda: SharedDemo(settings),
        **modes,
    )


def org_screen(app: IamtuiApp) -> OrgScreen:
    """The app's organization screen."""
    assert app.org_screen is not None
    return app.org_screen


def status_of(screen: OrgScreen) -> dict[str, str]:
    """Account name -> the Accounts pane's status cell."""
    pane = screen.pane_widget("accounts")
    assert pane.table_data is not None
    status = [c.label for c in pane.table_data.columns].index("Status")
    return {r.cells[0]: r.cells[status] for r in pane.shown}


async def put_cursor(screen: OrgScreen, pilot: Any, pane: str, key: str) -> None:
    """The cursor on one row of a pane."""
    widget = screen.pane_widget(pane)
    widget.table.set_cursor(next(i for i, r in enumerate(widget.shown) if r.key == key))
    await pilot.pause()


async def test_the_scan_fills_both_panes_an_unreachable_account_says_why_a_finding_opens(
    emulator: Emulator,
) -> None:
    org = demo_org(emulator)
    app = IamtuiApp(org=org)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = org_screen(app)
        assert not screen.scanning
        status = status_of(screen)
        assert set(status) == set(NAMES.values())
        assert status[NAMES[LEGACY]].startswith("not reachable: access denied")
        assert status[NAMES[ANALYTICS]].startswith("not reachable: throttled")
        reached = {n for n in NAMES.values() if n not in (NAMES[LEGACY], NAMES[ANALYTICS])}
        assert all(status[n] == "complete" for n in reached), status
        counts = screen.pane_widget("accounts")
        crit_to_low = {r.cells[0]: r.cells[3:7] for r in counts.shown}
        assert all(cells != ("·",) * 4 for n, cells in crit_to_low.items() if n in reached)
        assert crit_to_low[NAMES[LEGACY]] == ("·",) * 4
        header = str(screen.query_one("OrgHeader").render())
        assert "6 of 8 accounts read, 2 not reachable, 0 running" in header
        assert "scan INCOMPLETE" in header
        # The Findings pane: an account column, filterable like every pane.
        await pilot.press("2")
        findings = screen.pane_widget("findings")
        assert findings.table_data is not None
        assert [c.label for c in findings.table_data.columns][1] == "Account"
        accounts = {r.cells[1] for r in findings.shown}
        assert accounts <= reached and {"production", "development"} <= accounts
        await pilot.press("slash", *"production")
        await pilot.pause()
        assert findings.shown and all(r.cells[1] == "production" for r in findings.shown)
        assert len(findings.shown) < len(findings.table_data.rows)
        # enter on an account that was not reached: why, in one line; the others stay usable.
        await pilot.press("escape", "1")
        await put_cursor(screen, pilot, "accounts", f"account:{LEGACY}")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and not app.in_account
        (said,) = [m for m in messages(app) if m.startswith("legacy")]
        assert said.startswith("legacy (777777777777): not reachable: access denied")
        assert "\n" not in said
        # enter on a finding: its account opens on that principal's review.
        await pilot.press("2", "escape")
        row = next(
            r
            for r in findings.shown
            if isinstance(r.data, OrgFinding) and r.data.finding.principal_name == "dev-alice"
        )
        await put_cursor(screen, pilot, "findings", row.key)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen) and app.screen.principal.name == "dev-alice"
        first = app.workspace
        assert first.state is not None
        await pilot.press("escape", "b")
        await settle(pilot)
        assert app.screen is screen and not app.in_account
        # A state from the account just left arrives late: it must not open its main screen.
        app.post_message(StateChanged(first.state, "detail", source=first))
        await settle(pilot)
        assert app.screen is screen and app.main_screen is None


async def test_fix_a_member_account_finding_undo_it_and_come_back(
    emulator: Emulator,
) -> None:
    """Acceptance: production entered from the organization, a stale key deactivated through
    the preview, checked in the member account, undone from the Journal pane, and its row says
    the counts come from the session."""
    org = demo_org(emulator)
    app = IamtuiApp(org=org)
    keys = emulator.backend(PRODUCTION).users["former-contractor"].access_keys
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = org_screen(app)
        await put_cursor(screen, pilot, "accounts", f"account:{PRODUCTION}")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen), messages(app)
        assert app.workspace.source_label.startswith("production (333333333333) via arn:aws:iam")
        header = str(app.screen.query_one(AccountHeader).render())
        assert "via arn:aws:iam::333333333333:role/OrganizationAccountAccessRole" in header
        shown, _palette = app.screen.query_one(KeyBar).items()
        assert "Back to accounts" in {item.label for item in shown}
        await focus_finding(pilot, "access-key.unused", "former-contractor")
        plan = await plan_with(pilot, "d")
        await run_plan(pilot, plan)
        assert [k.status for k in keys] == ["Inactive"]
        await pilot.press("escape", "6")
        await settle(pilot)
        journal = app.main_screen.pane_widget(Pane.JOURNAL)  # type: ignore[union-attr]
        entry = journal.shown[0].data
        assert entry.action == "key.deactivate" and entry.account == PRODUCTION
        assert entry.role_chain and "OrganizationAccountAccessRole" in entry.role_chain[0]
        undo = await plan_with(pilot, "u")
        await run_plan(pilot, undo)
        await pilot.press("escape")
        await settle(pilot)
        assert [k.status for k in keys] == ["Active"]
        await pilot.press("b")
        await settle(pilot)
        assert app.screen is screen and not app.in_account and org.open_key is None
        status = status_of(screen)
        assert status["production"] == "complete (after your changes)"
        line = org.line(PRODUCTION)
        assert isinstance(line, AccountLine) and line.from_session


async def test_cancel_during_the_scan_leaves_a_usable_screen(emulator: Emulator) -> None:
    org = demo_org(emulator, FleetOptions(concurrency=1))
    app = IamtuiApp(org=org)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = org_screen(app)
        while org.listing is None:  # the listing is in: the accounts are being read one by one
            await pilot.pause(0.01)
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.scanning and screen.cancelled
        status = status_of(screen)
        assert len(status) == len(NAMES)
        assert any(s.startswith("not reachable: cancelled") for s in status.values()), status
        header = str(screen.query_one("OrgHeader").render())
        assert "scan INCOMPLETE" in header
        progress = str(screen.query_one("#org-progress").render())
        assert progress.startswith("Scan cancelled")
        await pilot.press("2", "1", "s")
        assert screen.pane_widget("accounts").sort_column == 0


async def test_an_organization_that_cannot_be_listed_is_the_error_screen_then_one_line(
    emulator: Emulator,
) -> None:
    """Outside an organization the listing fails: retry or quit, and quit is one line, exit 2."""
    backend = emulator.backend()
    backend.create_user(region_name="us-east-1", user_name="loner", path="/")
    key = backend.create_access_key("loner")
    settings = ConnectionSettings(
        endpoint_url=emulator.endpoint_url,
        region="us-east-1",
        static_credentials=(str(key.access_key_id), str(key.secret_access_key)),
    )
    app = IamtuiApp(org=OrgSession(settings, FleetOptions(call_attempts=1), clock=lambda: NOW))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.title_text == "Cannot list the organization's accounts"
        await pilot.press("q")
        await settle(pilot)
    assert app.return_code == 2
    assert isinstance(app.return_value, str) and "\n" not in app.return_value
    assert "organization" in app.return_value.lower()
