"""Tables and batches in the TUI: stable sorts, marks after a batch, skipped rows, whole documents.

Driven with the pilot against the emulated demo account (frozen NOW), through the real path:
marks, a key, a plan from fresh IAM reads, the preview, the run and the reload.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from textual.widgets import Button, Static
from ui_support import SIZE, demo_workspace, plain, settle

from iamtui.core.actions import (
    QUARANTINE_POLICY,
    ActionId,
    ApiCall,
    Plan,
    Step,
    Target,
    quarantine_document,
)
from iamtui.core.model import Role
from iamtui.core.views import KEY_COLUMNS, KeySlot, Pane
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.action import PlanScreen
from iamtui.ui.screens.main import MainScreen, PaneWidget


def key_status(iam: Any, user: str) -> dict[str, str]:
    """Key id -> status, straight from IAM."""
    keys = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    return {k["AccessKeyId"]: k["Status"] for k in keys}


def pane_of(app: IamtuiApp, pane: Pane) -> PaneWidget:
    """One pane of the main screen."""
    assert app.main_screen is not None
    return app.main_screen.pane_widget(pane)


async def mark(pilot: Any, pane: PaneWidget, row_key: str) -> None:
    """Put the cursor on a row and mark it with space."""
    pane.table.set_cursor(next(i for i, r in enumerate(pane.shown) if r.key == row_key))
    await pilot.press("space")
    await pilot.pause()


def key_row(pane: PaneWidget, user: str, active: bool) -> str:
    """The row key of a user's Active (or Inactive) key in the Keys pane."""
    return next(
        r.key
        for r in pane.view.rows
        if isinstance(r.data, KeySlot) and r.data.user.name == user and r.data.key.active is active
    )


def bar_text(app: IamtuiApp) -> str:
    """The key bar as text."""
    return str(app.screen.query_one("KeyBar").render())


async def preview(pilot: Any, *keys: str) -> PlanScreen:
    """Press keys, wait for the plan, return the preview modal."""
    await pilot.press(*keys)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PlanScreen), type(screen)
    assert screen.phase == "preview", screen.result_line
    return screen


async def run(pilot: Any, screen: PlanScreen) -> None:
    """Press Run, wait for the run and the reload, close the dialog."""
    screen.query_one("#plan-run", Button).press()
    await settle(pilot)
    assert screen.phase == "done", screen.result_line
    await pilot.press("escape")
    await settle(pilot)
    assert isinstance(pilot.app.screen, MainScreen)


async def test_a_batch_names_the_rows_it_skips_and_unmarks_only_those_it_applied_to(
    emulator: Emulator, iam: Any
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        keys = pane_of(app, Pane.KEYS)
        stale = key_row(keys, demo.stale_key_user, active=True)
        inactive = key_row(keys, demo.inactive_key_user, active=False)
        assert "Clear selection" not in bar_text(app)  # no marks: no key to clear them
        await mark(pilot, keys, stale)
        await mark(pilot, keys, inactive)
        assert "U Clear selection" in bar_text(app)
        screen = await preview(pilot, "d")
        plan = screen.planned.plan  # type: ignore[union-attr]
        assert len(plan.steps) == 1
        (skipped,) = plan.skipped
        assert demo.inactive_key_user in skipped.target
        assert skipped.reason.endswith(f"of {demo.inactive_key_user} is already Inactive")
        body = plain(screen.query_one("#plan-body", Static))
        assert f"skipped {skipped.target}: {skipped.reason}" in " ".join(body.split())
        await run(pilot, screen)
        # The batch applied to the stale key: unmarked. The skipped one stays marked.
        assert keys.marked == {inactive}
        assert "1 selected" in str(keys.table.border_subtitle)
        await pilot.press("U")
        await pilot.pause()
        assert keys.marked == set()
        assert "Clear selection" not in bar_text(app)
    assert set(key_status(iam, demo.stale_key_user).values()) == {"Inactive"}


async def test_a_dry_run_batch_keeps_every_mark(emulator: Emulator) -> None:
    demo, ws = demo_workspace(emulator, dry_run=True)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        keys = pane_of(app, Pane.KEYS)
        rows = {
            key_row(keys, demo.stale_key_user, active=True),
            key_row(keys, demo.never_used_key_user, active=True),
        }
        for row in rows:
            await mark(pilot, keys, row)
        await run(pilot, await preview(pilot, "d"))
        assert keys.marked == rows  # nothing changed in AWS: the selection is still to do


async def test_sorting_by_last_use_puts_never_used_keys_first_in_the_ui(
    emulator: Emulator,
) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        keys = pane_of(app, Pane.KEYS)
        used = [c.key for c in KEY_COLUMNS].index("last_used")
        while keys.sort_column != used:
            await pilot.press("s")
        await pilot.pause()
        cells = [r.cells[used] for r in keys.shown]
        never = [i for i, c in enumerate(cells) if c == "never"]
        assert never and never == list(range(len(never)))  # never-used first: the stalest
        assert cells[-1] != "never"
        first = [r.key for r in keys.shown]
        await pilot.press("S", "S")  # reversed and back: the same order, ties included
        await pilot.pause()
        assert [r.key for r in keys.shown] == first


async def test_the_quarantine_preview_shows_the_whole_policy_and_the_role_is_tagged_after(
    emulator: Emulator, iam: Any
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        roles = pane_of(app, Pane.ROLES)
        row = next(r for r in roles.shown if isinstance(r.data, Role) and r.key.endswith(
            f"/{demo.unused_role}"))  # fmt: skip
        roles.table.set_cursor(roles.shown.index(row))
        await pilot.pause()
        screen = await preview(pilot, "Q")
        body = plain(screen.query_one("#plan-body", Static))
        assert "PolicyDocument=(below)" in body
        for whole in (
            '"IamtuiRevokeOlderSessions"',
            '"aws:TokenIssueTime": "<now:iso, filled in when the step runs>"',
            "]",
        ):
            assert whole in body, whole
        assert "…" not in body  # nothing of the document is cut
        await run(pilot, screen)
        tagged = next(r for r in roles.view.rows if r.key == row.key)
        assert tagged.cells[0] == f"quarantined · {demo.unused_role}"
        assert tagged.tones[0] == "warn"
        roles.set_query("quarantined")
        await pilot.pause()
        assert [r.key for r in roles.shown] == [row.key]
    names = iam.list_role_policies(RoleName=demo.unused_role)["PolicyNames"]
    assert QUARANTINE_POLICY in names


def test_plan_lines_carry_each_document_whole() -> None:
    document = quarantine_document()
    step = Step(
        call=ApiCall(
            "PutRolePolicy",
            {"RoleName": "app", "PolicyName": QUARANTINE_POLICY, "PolicyDocument": document},
        ),
        description="Attach deny-all",
        irreversible_reason="test",
    )
    plan = Plan(
        action=ActionId.ROLE_QUARANTINE,
        summary="Quarantine role app",
        account_id="123456789012",
        targets=(Target("role", "app", "arn:aws:iam::123456789012:role/app"),),
        steps=(step,),
        built_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    (row,) = plan.preview()
    assert row.call == f"iam:PutRolePolicy RoleName=app PolicyName={QUARANTINE_POLICY} " + (
        "PolicyDocument=(below)"
    )
    ((name, text),) = row.documents
    assert name == "PolicyDocument" and text.count("IamtuiQuarantineDenyAll") == 1
    assert text.splitlines()[-1] == "}" and '"<now:iso, filled in when the step runs>"' in text
    lines = "\n".join(plan.lines())
    assert "IamtuiRevokeOlderSessions" in lines and "…" not in lines
    assert step.call.text().endswith("…")  # the journal's one-line form stays short


async def test_the_cursor_keeps_its_place_when_its_row_goes() -> None:
    """Before: after deleting a role the cursor jumped to the first row, losing the operator's
    place in a cleanup; now it lands on the row that took the deleted one's place."""
    from textual.app import App, ComposeResult

    from iamtui.core.views.table import Column, Row, RowKind
    from iamtui.ui.widgets.table import RowTable

    def rows(*names: str) -> list[Row]:
        return [Row(n, RowKind.ROLE, (n,)) for n in names]

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield RowTable([Column("name", "Name")])

    app = One()
    async with app.run_test() as pilot:
        table = app.query_one(RowTable)
        table.set_rows(rows("a", "b", "c", "d", "e"))
        table.set_cursor(2)
        await pilot.pause()
        table.set_rows(rows("a", "b", "d", "e"))  # "c" deleted
        assert table.cursor_key == "d"
        table.set_rows(rows("a", "b"))  # the cursor's row and all after it gone
        assert table.cursor_key == "b"


async def test_a_new_filter_keeps_the_highlighted_row_or_goes_to_the_first_match(
    emulator: Emulator,
) -> None:
    """Before: a filter hiding the highlighted row left the cursor on whichever match now sat
    at its place (a later row), not on the first match."""
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        users = pane_of(app, Pane.USERS)
        names = [r.cells[0] for r in users.shown]
        legacy = names.index("s3-sync-legacy")
        users.table.set_cursor(legacy)
        await pilot.press("slash", *"kevin")  # kevin.walsh by name, s3-sync-legacy by its tag
        await pilot.pause()
        assert [r.cells[0] for r in users.shown] == [demo.ex_employee, "s3-sync-legacy"]
        assert users.table.cursor_row is not None
        assert users.table.cursor_row.cells[0] == "s3-sync-legacy"  # still matches: kept
        await pilot.press("escape")
        await pilot.pause()
        hidden = max(i for i, n in enumerate(names) if "kevin" not in n and i != legacy)
        users.table.set_cursor(hidden)  # a late row the filter hides
        users.set_query("kevin")  # as the CLI's ``iamtui user NAME`` fallback does
        assert users.table.cursor_row is not None
        assert users.table.cursor_row.cells[0] == demo.ex_employee  # the first match
