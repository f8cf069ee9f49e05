"""What a newcomer tripped over on a fresh clone: a key that did nothing silently, a
confirmation whose enter only moved the focus, wording that said less than it meant."""

from __future__ import annotations

from test_ui_keys import bar_of, messages, text_of
from ui_support import demo_workspace, settle

from iamtui.core.model import Role
from iamtui.core.views import Pane
from iamtui.emulator.demo import RIGHTSIZE_ROLE
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

