"""The second opinion in the TUI: the review's Access Analyzer box (A reads the findings, their
details and recommendations; again generates the missing ones) and the finding detail."""

from __future__ import annotations

from textual.widgets import Static
from ui_support import SIZE, demo_workspace, plain, settle

from iamtui.core.views import Pane
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.review import ReviewScreen


async def test_a_reads_findings_then_generates_the_recommendation_with_its_policy(
    emulator: Emulator,
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("user", demo.partial_usage_user))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        box = lambda: " ".join(plain(review.query_one("#analyzer", Static)).split())  # noqa: E731
        assert "UnusedPermission agrees" in box()
        assert "A reads the analyzer's findings" in box()
        await pilot.press("A")
        await settle(pilot)
        assert "ec2 unused service, never accessed in the window" in box()
        assert "no recommendation generated yet" in box()
        assert "A again asks Access Analyzer to generate" in box()
        await pilot.press("A")
        await settle(pilot)
        text = box()
        assert "CREATE_POLICY (to replace" in text and '"s3:GetObject"' in text
        assert "DETACH_POLICY" in text and "generated yet" not in text
        # The Findings pane's detail of a compared finding says the same opinion.
        state = ws.state
        assert state is not None
        views = state.views
        row = next(
            r
            for r in views.pane(Pane.FINDINGS).rows
            if getattr(r.data, "rule", None) == "role.unused"
            and r.data.principal_name == demo.unused_role
        )
        [section] = [s for s in views.describe(row).sections if s.title == "Access Analyzer"]
        assert section.fields[0].value.startswith("Access Analyzer: agrees (UnusedIAMRole, ")
