"""Benchmark: a live session on a quota-sized account, one principal at a time.

    .venv/bin/python bench/live.py [--users 5000] [--roles 5000] [--samples 5]

Seeds the emulator in-process (``seed_scale``), opens a live workspace on it over HTTP and
prints, each against the raw API calls it makes measured in the same run:

* one user's detail fetch (ListAccessKeys, GetAccessKeyLastUsed, ListMFADevices) to the new
  state: evaluation and pane rows patched for that user only;
* the reload after a single-key action (UpdateAccessKey Inactive through the planner and
  executor): the overview reloaded, live credentials for the user, the difference patched;
* in the app (``run_test``): how long the UI thread spends applying a patched state, and the
  longest the event loop went without running a 5 ms heartbeat while a fetch was in flight.

Figures only, no assertions. Targets: fetch-to-state within 3x its raw calls; the UI thread
never blocked over 50 ms.
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
from typing import Any

from iamtui.core import loader
from iamtui.core.actions import Request
from iamtui.core.actions.reads import login_profile
from iamtui.core.model import User
from iamtui.core.rules import evaluate
from iamtui.core.session import ConnectionSettings, connect
from iamtui.core.views import Views
from iamtui.core.workspace import PlannedAction, Workspace
from iamtui.emulator.seed import seed_scale
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def ms(seconds: float) -> str:
    """Milliseconds, one decimal."""
    return f"{seconds * 1000:.1f} ms"


def median(values: list[float]) -> float:
    """The median of a few timings."""
    return statistics.median(values)


def key_users(ws: Workspace, count: int) -> list[User]:
    """Users with an access key in the report, spread over the account."""
    state = ws.state
    assert state is not None
    rows = state.views.report_rows
    found = [u for u in state.snapshot.users if (r := rows.get(u.name)) and r.access_key_1.active]
    step = max(1, len(found) // (count + 1))
    return found[step::step][:count]


def core(ws: Workspace, settings: ConnectionSettings, samples: int) -> None:
    """Detail fetch and post-action reload in the headless workspace."""
    conn = connect(settings)
    users = key_users(ws, samples * 2 + 1)
    raw, fetch, evaluated, built = [], [], [], []
    for user in users[:samples]:
        start = time.perf_counter()
        loader.load_user_detail(conn, user, clock=ws.clock)
        raw.append(time.perf_counter() - start)
    for user in users[samples : samples * 2]:
        start = time.perf_counter()
        state = ws.load_user_detail(user)
        fetch.append(time.perf_counter() - start)
        assert state.patched is not None
    state = ws.state
    assert state is not None
    for _ in range(2):
        start = time.perf_counter()
        full = evaluate(state.snapshot, now=state.evaluation.now, settings=ws.settings)
        evaluated.append(time.perf_counter() - start)
        start = time.perf_counter()
        Views(state.snapshot, full, state.evaluation.now, ws.settings).build_all()
        built.append(time.perf_counter() - start)
    print(
        f"detail raw      median {ms(median(raw))} "
        "(ListAccessKeys, last used, MFA devices, SSH keys, certificates)"
    )
    print(
        f"detail -> state median {ms(median(fetch))} ({median(fetch) / median(raw):.1f}x raw; "
        f"max {ms(max(fetch))}) over {len(fetch)} users"
    )
    print(
        f"full rebuild    evaluate {ms(median(evaluated))} + pane rows {ms(median(built))} "
        "(what each fetch cost before patching)"
    )

    user = users[-1]
    detail = loader.load_user_detail(conn, user, clock=ws.clock)
    key_id = detail.access_keys[0].key_id
    plan = ws.planner().plan(Request.deactivate_key(user.name, key_id))
    ws.execute(PlannedAction(plan), typed=plan.confirmation_phrase)
    start = time.perf_counter()
    loader.load_account(conn, clock=ws.clock)
    overview = time.perf_counter() - start
    start = time.perf_counter()
    loader.load_user_detail(conn, user, clock=ws.clock)
    login_profile(conn.iam, user.name)
    per_user = time.perf_counter() - start
    start = time.perf_counter()
    state = ws.refresh_after(plan)
    reload = time.perf_counter() - start
    patched = len(state.patched) if state.patched is not None else "all"
    print(
        f"action reload   {ms(reload)} to state; raw calls {ms(overview + per_user)} "
        f"(overview {ms(overview)} + user {ms(per_user)}): {reload / (overview + per_user):.2f}x; "
        f"{patched} principal(s) patched"
    )


async def ui(ws: Workspace, samples: int) -> None:
    """The app on the loaded workspace: UI-thread cost of a patched state, heartbeat gaps."""
    app = IamtuiApp(ws)
    applied: list[tuple[str, float]] = []
    original = IamtuiApp.on_state_changed

    def timed(self: IamtuiApp, message: Any) -> None:
        start = time.perf_counter()
        original(self, message)
        applied.append((message.reason, time.perf_counter() - start))

    IamtuiApp.on_state_changed = timed  # type: ignore[method-assign]
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    async with app.run_test(size=(140, 42)) as pilot:
        while app.main_screen is None or ws.state is None:
            await pilot.pause(0.05)
        await pilot.pause(0.5)
        applied.clear()
        app.set_interval(0.005, beat)
        users = key_users(ws, samples * 4)[samples * 3 :]
        for user in users:
            await pilot.pause(0.05)
            last[0] = time.perf_counter()
            gaps.clear()
            app.fetch_user_detail(user)
            while not any(reason == "detail" for reason, _ in applied):
                await pilot.pause(0.002)
            await pilot.pause(0.05)
            applied_ms = [t for reason, t in applied if reason == "detail"]
            print(
                f"ui apply        {ms(applied_ms[0])} on the UI thread for {user.name}; "
                f"longest heartbeat gap {ms(max(gaps) if gaps else 0.0)}"
            )
            applied.clear()
    IamtuiApp.on_state_changed = original  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("werkzeug").disabled = True
    with Emulator() as emulator:
        emulator.reset()
        extras = emulator.extras()
        extras.clock = lambda: NOW
        extras.report_generation_polls = 0
        seed_scale(emulator.backend(), extras, users=args.users, roles=args.roles, now=NOW)
        settings = ConnectionSettings(
            endpoint_url=emulator.endpoint_url,
            region="us-east-1",
            static_credentials=("testing", "testing"),
        )
        journal = Path(tempfile.mkdtemp()) / "journal.jsonl"
        ws = Workspace.live(settings, clock=lambda: NOW, journal_path=journal)
        start = time.perf_counter()
        state = ws.load()
        loaded = time.perf_counter() - start
        print(
            f"account         {len(state.snapshot.users)} users, {len(state.snapshot.roles)} "
            f"roles, {len(state.evaluation.findings)} findings; first load {loaded:.2f} s"
        )
        core(ws, settings, args.samples)
        ws.close()
        app_ws = Workspace.live(
            settings, clock=lambda: NOW, journal_path=journal.with_name("ui.jsonl")
        )
        asyncio.run(ui(app_ws, args.samples))
        app_ws.close()
    print(f"python          {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
