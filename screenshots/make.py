"""Regenerate the PNG screenshots of the TUI from the demo account, frozen in time.

    .venv/bin/python screenshots/make.py            # writes screenshots/*.png

The demo is seeded in-process with moto's random ids seeded and every date (and the
emulator's clock) pinned to NOW, the app runs headless at 140x42 via ``App.run_test``, each
screen is saved as SVG with ``save_screenshot`` and converted with ``cairosvg.svg2png``.
The SVG asks for Fira Code; the conversion swaps in DejaVu Sans Mono, so install it if text
renders badly: ``apt-get install -y fonts-dejavu-core``. The last stops act on the demo (a
key deactivated then undone, a role quarantined) to show the plan preview, the Journal pane
and the root hardening screen; the journal is a temporary file. Secrets are never on screen
in a screenshot: the app refuses to export one while a secret dialog is open.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cairosvg
from moto.moto_api._internal import mock_random

from iamtui.core import snapshot as snapshot_io
from iamtui.core.workspace import Workspace
from iamtui.emulator.run import DemoEnvironment, start_demo
from iamtui.ui.app import IamtuiApp

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SIZE = (140, 42)
OUT = Path(__file__).resolve().parent
FONT = "DejaVu Sans Mono"


def frozen_demo() -> DemoEnvironment:
    """The demo with fixed ids and every clock at NOW."""
    mock_random.seed(42)
    env = start_demo(now=NOW)
    extras = env.emulator.extras()
    extras.clock = lambda: NOW
    extras.report_generation_polls = 0
    extras.last_accessed_polls = 0
    backend = env.emulator.backend()
    operator = backend.users["ops-operator"]
    created = (NOW - timedelta(days=30)).replace(tzinfo=None)
    operator.create_date = created
    for key in operator.access_keys:
        key.create_date = created
    return env


def to_png(svg_path: Path, png_path: Path) -> None:
    """SVG -> PNG with a monospace font cairosvg can find (no web font download)."""
    svg = svg_path.read_text(encoding="utf-8")
    svg = re.sub(r"@font-face \{.*?\}", "", svg, flags=re.S)
    svg = svg.replace("font-family: Fira Code, monospace;", f"font-family: {FONT};")
    cairosvg.svg2png(bytestring=svg.encode("utf-8"), write_to=str(png_path))


async def shoot(app: IamtuiApp, workdir: Path, names: list[str]) -> None:
    """Walk the screens a new user would, saving one SVG per stop."""

    async with app.run_test(size=SIZE) as pilot:

        async def settle() -> None:
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()

        async def save(name: str) -> None:
            await settle()
            await pilot.pause()
            app.save_screenshot(f"{name}.svg", path=str(workdir))
            names.append(name)

        await settle()
        state = app.workspace.state
        assert state is not None, "the demo did not load"
        await save("findings")
        # Saved as `iamtui snapshot save` would, so P later shows the progress since.
        saved = workdir / "before.json"
        snapshot_io.save(state.snapshot, saved)
        snapshot_io.remember_saved(state.snapshot, saved)
        for key, name in (
            ("0", "overview"),
            ("2", "users"),
            ("3", "roles"),
            ("4", "keys"),
            ("5", "root"),
        ):
            await pilot.press(key)
            await save(name)
        await pilot.press("1")
        demo_user = state.snapshot.user("marcus.chen")
        assert demo_user is not None
        app.open_review(demo_user)
        await save("user-review")
        policies = app.screen.query_one("#policies")
        policies.focus()
        await pilot.press("down", "enter")
        await save("policy")
        await pilot.press("escape", "escape")
        role = state.snapshot.role("partner-data-exchange")
        assert role is not None
        app.open_review(role)
        await save("role-review")
        await pilot.press("escape", "question_mark")
        await save("help")
        await pilot.press("escape")

        # Actions: the preview of deleting an ex-employee (cancelled), then a key deactivated
        # from its finding and undone, and a role quarantined: the Journal pane shows them.
        await pilot.press("2", "slash", *"kevin.walsh", "enter", "D")
        await save("preview")
        await pilot.press("escape", "escape", "escape", "1")
        await run_first(pilot, "d", lambda r: r.cells[1].startswith("daniel.okafor"))
        await pilot.press("6")
        await settle()
        await pilot.press("u")
        await settle()
        await press_run(pilot)
        await pilot.press("3", "slash", *"legacy-batch", "enter")
        await settle()
        await pilot.press("Q")
        await settle()
        await press_run(pilot)
        await pilot.press("escape", "6")
        await settle()
        await pilot.press("down", "down")
        await save("journal")
        await pilot.press("P")
        await save("progress")
        await pilot.press("escape")
        await pilot.press("5", "h")
        await settle()
        await pilot.press("down")
        await save("root-hardening")


async def press_run(pilot: Any) -> None:
    """Press the preview's Run button and wait for the run, then close the dialog."""
    app = pilot.app
    app.screen.query_one("#plan-run").press()
    for _ in range(4):
        await app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.press("escape")
    await pilot.pause()


async def run_first(pilot: Any, key: str, match: Any) -> None:
    """Findings: put the cursor on the first matching row, press ``key``, run the plan."""
    from iamtui.core.views import Pane

    app = pilot.app
    pane = app.main_screen.pane_widget(Pane.FINDINGS)
    pane.table.set_cursor(next(i for i, r in enumerate(pane.shown) if not r.span and match(r)))
    await pilot.press(key)
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()
    await press_run(pilot)


def frozen_org() -> Any:
    """The demo organization with fixed ids and every account's clock at NOW."""
    from iamtui.emulator.demo_org import NAMES, start_demo_organization

    mock_random.seed(42)
    env = start_demo_organization(now=NOW)
    for account in NAMES:
        extras = env.emulator.extras(account)
        extras.clock = lambda: NOW
        extras.report_generation_polls = 0
    return env


async def shoot_org(app: IamtuiApp, workdir: Path, names: list[str]) -> None:
    """The organization screen once its scan finished: the Accounts pane, then Findings."""
    async with app.run_test(size=SIZE) as pilot:
        for name, key in (("org-accounts", None), ("org-findings", "2")):
            if key is not None:
                await pilot.press(key)
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            app.save_screenshot(f"{name}.svg", path=str(workdir))
            names.append(name)


def main() -> None:
    logging.getLogger("werkzeug").disabled = True
    env = frozen_demo()
    names: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        os.environ["XDG_STATE_HOME"] = str(workdir / "state")  # the saved-snapshot index too
        ws = Workspace.demo(lambda: env, clock=lambda: NOW, journal_path=workdir / "journal.jsonl")
        app = IamtuiApp(ws)
        try:
            asyncio.run(shoot(app, workdir, names))
        finally:
            ws.close()
        from iamtui.core.fleet import FleetOptions
        from iamtui.core.org_session import OrgSession

        org_env = frozen_org()
        org = OrgSession(
            org_env.settings(),
            # The throttled account gives up in a fraction of a second, as in `demo --org`.
            FleetOptions(backoff=0.05, call_attempts=1),
            clock=lambda: NOW,
            journal_path=workdir / "org-journal.jsonl",
        )
        try:
            asyncio.run(shoot_org(IamtuiApp(org=org), workdir, names))
        finally:
            org.close()
            org_env.stop()
        for name in names:
            to_png(workdir / f"{name}.svg", OUT / f"{name}.png")
    for name in names:
        print(OUT / f"{name}.png")
    sys.exit(0)


if __name__ == "__main__":
    main()
