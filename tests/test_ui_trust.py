"""role.update-trust in the TUI: T on a trust finding, the value dialog, the diff preview, run."""

from __future__ import annotations

import json
from typing import Any

from test_ui_actions import focus_finding, run_plan
from textual.widgets import Input, Static
from ui_support import SIZE, demo_workspace, plain, settle

from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.action import AskValue, PlanScreen

ROLE = "partner-data-exchange"


async def test_t_asks_the_organization_id_previews_the_diff_and_runs(
    emulator: Emulator, iam: Any
) -> None:
    _, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await focus_finding(pilot, "role.public-trust", ROLE)
        await pilot.press("T")
        await settle(pilot)
        ask = app.screen
        assert isinstance(ask, AskValue)  # the only edit offered needs a value: no menu
        field = ask.query_one(Input)
        field.value = "not-an-org"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is ask
        assert "is not an organization id" in plain(ask.query_one("#ask-status", Static))
        field.value = "o-abcdef1234"
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlanScreen) and screen.phase == "preview"
        plan = screen.planned.plan  # type: ignore[union-attr]
        changes = plan.steps[0].changes
        assert any(line.startswith("+") and "aws:PrincipalOrgID" in line for line in changes)
        await run_plan(pilot, screen)
    raw = iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(raw) if isinstance(raw, str) else raw
    assert trust["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": "o-abcdef1234"}
    }
    rules = {f.rule for f in ws.evaluation.findings if f.principal_name == ROLE}  # type: ignore[union-attr]
    assert "role.public-trust" not in rules
