"""SVG snapshots of the main panes and a review screen: the demo at 140x42, frozen at NOW.

Update after an intended change with ``pytest tests/test_ui_snapshots.py --snapshot-update``
and look at the report before committing the new SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from ui_support import SIZE, demo_workspace, settle

from iamtui.emulator.demo import RIGHTSIZE_ROLE
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp

SnapCompare = Callable[..., bool]


def after_load(*keys: str) -> Callable[[Any], Awaitable[None]]:
    """Wait for the load (and any fetch the keys start), then press keys and wait again."""

    async def run(pilot: Any) -> None:
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)

    return run


@pytest.mark.parametrize(
    ("keys", "name"),
    [
        ((), "findings"),
        (("2",), "users"),
        (("3",), "roles"),
        (("4",), "keys"),
        (("5",), "root"),
        (("0",), "overview"),
    ],
)
def test_main_panes(
    emulator: Emulator, snap_compare: SnapCompare, keys: tuple[str, ...], name: str
) -> None:
    _demo, ws = demo_workspace(emulator)
    assert snap_compare(IamtuiApp(ws), terminal_size=SIZE, run_before=after_load(*keys))


def test_user_review_with_keys_and_last_accessed(
    emulator: Emulator, snap_compare: SnapCompare
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("user", demo.partial_usage_user))
    assert snap_compare(app, terminal_size=SIZE, run_before=after_load())


def test_plan_preview_of_deleting_an_ex_employee(
    emulator: Emulator, snap_compare: SnapCompare
) -> None:
    """The preview modal: every call, how it is undone or why not, the typed confirmation."""
    demo, ws = demo_workspace(emulator)
    keys = ("2", "slash", *demo.ex_employee, "enter", "D")
    assert snap_compare(IamtuiApp(ws), terminal_size=SIZE, run_before=after_load(*keys))


def test_root_hardening_screen(emulator: Emulator, snap_compare: SnapCompare) -> None:
    """The root screen on its second step (root access keys): evidence, why, fixes, console."""
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_root=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=after_load("down"))


def test_role_review_with_its_right_sizing_proposal(
    emulator: Emulator, snap_compare: SnapCompare
) -> None:
    """reporting-etl's review: dropped services marked, each policy's method, the diff box."""
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("role", RIGHTSIZE_ROLE))
    assert snap_compare(app, terminal_size=SIZE, run_before=after_load())


def test_organization_accounts_pane(emulator: Emulator, snap_compare: SnapCompare) -> None:
    """The demo organization scanned: counts per account, one denied, one throttled."""
    from test_ui_org import demo_org

    app = IamtuiApp(org=demo_org(emulator))
    assert snap_compare(app, terminal_size=SIZE, run_before=after_load())
