"""P: progress since the account's last `snapshot save`, in the TUI (issue 12)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static
from ui_support import SIZE, demo_workspace, settle

from iamtui.core import snapshot as snapshot_io
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.progress import ProgressScreen


async def test_progress_without_a_save_says_how_to_make_one(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        assert not isinstance(app.screen, ProgressScreen)
        shown = [str(n.message) for n in app._notifications]
        assert any("no saved snapshot of account 123456789012" in m for m in shown), shown
        assert any("iamtui snapshot save FILE" in m for m in shown)


async def test_progress_shows_what_changed_since_the_save(
    emulator: Emulator, tmp_path: Path
) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        saved = tmp_path / "before.json"
        assert ws.snapshot is not None
        snapshot_io.save(ws.snapshot, saved)
        snapshot_io.remember_saved(ws.snapshot, saved)
        emulator.backend().create_user(region_name="us-east-1", user_name="progress-new-hire")
        await pilot.press("r")  # reload: the live account now has one more user
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, ProgressScreen)
        body = str(app.screen.query_one("#progress-body", Static).render())
        assert "Principals: 1 added, 0 removed" in body
        assert "progress-new-hire" in body
        assert str(saved) in body
        await pilot.press("escape")
        assert not isinstance(app.screen, ProgressScreen)


def test_the_saved_index_is_private_and_ignores_garbage(tmp_path: Path) -> None:
    from tests.builders import snapshot

    index = tmp_path / "saved.json"
    file = tmp_path / "a.json"
    snap = snapshot()
    snapshot_io.save(snap, file)
    snapshot_io.remember_saved(snap, file, index=index)
    assert index.stat().st_mode & 0o777 == 0o600
    assert snapshot_io.last_saved(snap.account_id, index=index) == file.resolve()
    file.unlink()  # moved away since: no progress to show, never a crash
    assert snapshot_io.last_saved(snap.account_id, index=index) is None
    index.write_text('["not", "a", "mapping"]')
    assert snapshot_io.last_saved(snap.account_id, index=index) is None
