"""Dialog wording and feedback (issue 12): typed confirmations, the contact form, secrets, files.

Each test drives the app as an operator would (Pilot) over the seeded demo account.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Button, Input, Static
from ui_support import SIZE, demo_workspace, settle

from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.action import PlanScreen
from iamtui.ui.screens.review import ReviewScreen


def shown(widget: Static) -> str:
    """The plain text a Static shows."""
    return str(widget.render())


async def test_a_wrong_typed_confirmation_says_so_under_the_input_and_keeps_the_focus(
    emulator: Emulator, iam: Any
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("user", demo.stale_key_user))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        review.query_one("#keys").focus()
        await pilot.press("X")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlanScreen) and screen.phase == "preview"
        phrase = screen.query_one("#plan-phrase", Input)
        status = screen.query_one("#plan-phrase-status", Static)
        assert not status.display
        phrase.focus()
        phrase.value = demo.stale_key_user + "x"
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is phrase
        assert status.display
        assert shown(status) == f"does not match: type {demo.stale_key_user}"
        # Typing again clears the line; the right phrase moves on to the override field.
        phrase.value = demo.stale_key_user
        await pilot.pause()
        assert not status.display
        await pilot.press("enter")
        await pilot.pause()
        override = screen.query_one("#plan-override", Input)
        assert app.focused is override
        override.value = "AKIA-wrong"
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is override
        (key_id,) = [k["AccessKeyId"] for k in iam.list_access_keys(
            UserName=demo.stale_key_user)["AccessKeyMetadata"]]  # fmt: skip
        assert shown(screen.query_one("#plan-override-status", Static)) == (
            f"does not match: type {key_id}"
        )
        assert screen.query_one("#plan-run", Button).disabled
