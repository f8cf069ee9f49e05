"""Shared setup for the TUI tests: the demo account, seeded deterministically into the emulator.

moto's ids come from its seedable random, dates are relative to the frozen NOW and the
emulator's own clock (credential report, last-accessed jobs) is NOW too, so every run of the
app over this account renders the same screens.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from conftest import NOW
from moto.moto_api._internal import mock_random
from rich.console import Console
from textual.widgets import Static
from textual.worker import WorkerCancelled

from iamtui.core.session import ConnectionSettings
from iamtui.core.settings import Settings
from iamtui.core.workspace import Workspace
from iamtui.emulator.demo import DemoAccount, seed_demo_account
from iamtui.emulator.server import Emulator

OPERATOR = "ops-operator"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
SIZE = (140, 42)


def seed_demo(emulator: Emulator, now: datetime = NOW) -> tuple[DemoAccount, ConnectionSettings]:
    """Seed the demo with fixed ids and a frozen emulator clock; connect as the operator."""
    mock_random.seed(42)
    extras = emulator.extras()
    extras.clock = lambda: now
    extras.report_generation_polls = 0  # no polling sleeps in tests
    extras.last_accessed_polls = 0
    backend = emulator.backend()
    demo = seed_demo_account(backend, extras, now)
    operator = backend.create_user(region_name="us-east-1", user_name=OPERATOR, path="/ops/")
    if ADMIN_ARN in backend.managed_policies:
        backend.attach_user_policy(ADMIN_ARN, OPERATOR)
    key = backend.create_access_key(OPERATOR)
    # moto stamps these with the wall clock; pin them so screens do not change by the day.
    created = (now - timedelta(days=30)).replace(tzinfo=None)
    operator.create_date = created
    key.create_date = created
    settings = ConnectionSettings(
        endpoint_url=emulator.endpoint_url,
        region="us-east-1",
        static_credentials=(str(key.access_key_id), str(key.secret_access_key)),
    )
    return demo, settings


class SharedDemo:
    """The test process's emulator as an already running demo (close() leaves it running)."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self._settings = settings

    def settings(self) -> ConnectionSettings:
        """Where the seeded demo answers, as the operator."""
        return self._settings

    def stop(self) -> None:
        """The emulator fixture owns the server."""


def demo_workspace(
    emulator: Emulator, settings: Settings | None = None, **modes: Any
) -> tuple[DemoAccount, Workspace]:
    """A demo-mode workspace on the seeded emulator, with the frozen clock.

    Demo mode, not a live endpoint, so the header names no random port. ``modes`` are the
    action flags (``read_only``, ``dry_run``, ``journal_path``); the default journal is the
    test's own state directory (conftest).
    """
    demo, connection = seed_demo(emulator)
    workspace = Workspace.demo(
        lambda: SharedDemo(connection), settings=settings, clock=lambda: NOW, **modes
    )
    return demo, workspace


async def settle(pilot: object) -> None:
    """Wait for every worker and the messages they posted (thread results arrive async)."""
    app = pilot.app  # type: ignore[attr-defined]
    pause: Callable[..., Awaitable[None]] = pilot.pause  # type: ignore[attr-defined]
    for _ in range(3):
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pause()
    await pause()


def plain(widget: Static) -> str:
    """The text a Static shows (its rich renderable printed without styles)."""
    console = Console(width=160, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()
