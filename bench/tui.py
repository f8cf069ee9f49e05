"""Benchmark: the TUI on a quota-sized account (5,000 users, 5,000 roles) in snapshot mode.

    .venv/bin/python bench/tui.py [--users 5000] [--roles 5000] [--keystrokes 20]

Builds the account once (seeded emulator + the real loader, saved as a snapshot file in the
temp dir and reused), opens the app on it headless with ``run_test`` and prints:

* load work in the worker: reading the file, evaluating the rules, building the pane rows;
* first paint: from the data being in memory (the worker's result handled on the UI thread)
  to the main screen's first refresh;
* filter: from a keystroke in the Users filter to the redrawn table (median, p90, max).

Figures only, no assertions. Targets: first paint < 1 s, filter < 100 ms median.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from iamtui.core import snapshot as snapshot_io
from iamtui.core.loader import load_account
from iamtui.core.session import ConnectionSettings, connect
from iamtui.core.views import Pane
from iamtui.core.workspace import Workspace
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.main import PaneWidget

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
#: Typed one key at a time into a filter: broad matches first, then narrowing.
QUERIES = {"users": "developers-user-0123", "findings": "unused devel user-01"}


def build_snapshot(users: int, roles: int) -> Path:
    """Seed the emulator, load it like the product does, save; reuse a previous file."""
    path = Path(tempfile.gettempdir()) / f"iamtui-bench-{users}u-{roles}r.json"
    if path.exists():
        return path
    from iamtui.emulator.seed import seed_scale
    from iamtui.emulator.server import Emulator

    logging.getLogger("werkzeug").disabled = True
    start = time.perf_counter()
    with Emulator() as emulator:
        emulator.reset()
        extras = emulator.extras()
        extras.clock = lambda: NOW
        extras.report_generation_polls = 0
        seed_scale(emulator.backend(), extras, users=users, roles=roles, now=NOW)
        conn = connect(
            ConnectionSettings(
                endpoint_url=emulator.endpoint_url,
                region="us-east-1",
                static_credentials=("testing", "testing"),
            )
        )
        snap = load_account(conn, clock=lambda: NOW)
    snapshot_io.save(snap, path)
    print(f"built snapshot  {path} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return path


async def measure(path: Path, keystrokes: int, pane: Pane) -> None:
    """Open the app on the snapshot and time first paint and filter keystrokes."""
    ws = Workspace.offline(path, clock=lambda: NOW)
    snap = ws.snapshot if ws.snapshot is not None else None
    app = IamtuiApp(ws)
    painted: list[float] = []
    original_refill = PaneWidget.refill

    def refill(self: PaneWidget, keep: str | None = None) -> None:
        original_refill(self, keep)
        self.app.call_after_refresh(lambda: painted.append(time.perf_counter()))

    PaneWidget.refill = refill  # type: ignore[method-assign]
    load_started = time.perf_counter()
    async with app.run_test(size=(140, 42)) as pilot:
        while app.first_paint_seconds is None:
            await pilot.pause(0.01)
        loaded = time.perf_counter() - load_started
        state = ws.state
        assert state is not None
        print(
            f"account         {len(state.snapshot.users)} users, {len(state.snapshot.roles)} "
            f"roles, {len(state.evaluation.findings)} findings"
        )
        print(f"open to paint   {loaded:.2f} s (file read, rules, pane rows, first paint)")
        print(
            f"first paint     {app.first_paint_seconds * 1000:.0f} ms after the data was in memory"
        )
        query = QUERIES[pane.value]
        await pilot.press(str(list(Pane).index(pane) + 1), "slash")
        await pilot.pause()
        times: list[float] = []
        widget = app.main_screen.pane_widget(pane) if app.main_screen else None
        total = len(widget.view.rows) if widget else 0
        for ch in (query * 2)[:keystrokes]:
            painted.clear()
            start = time.perf_counter()
            await pilot.press(ch)
            while not painted:
                await pilot.pause(0.001)
            times.append(painted[0] - start)
        shown = len(widget.shown) if widget else 0
        ms = sorted(t * 1000 for t in times)
        print(
            f"filter          median {statistics.median(ms):.1f} ms, p90 "
            f"{ms[int(len(ms) * 0.9) - 1]:.1f} ms, max {ms[-1]:.1f} ms over {len(ms)} "
            f"keystrokes in {pane.label} ({total} rows; {query[:keystrokes]!r} -> {shown} rows)"
        )
        print(f"first keystroke {times[0] * 1000:.1f} ms (matches nearly every row)")
    del snap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--keystrokes", type=int, default=20)
    parser.add_argument("--pane", choices=sorted(QUERIES), default="users")
    args = parser.parse_args()
    path = build_snapshot(args.users, args.roles)
    asyncio.run(measure(path, args.keystrokes, Pane(args.pane)))
    print(f"python          {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
