"""Loading an account for a headless command: live, from the demo, or from a snapshot file."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from iamtui.core.loader import StepUpdate, load_account, load_last_accessed_batch
from iamtui.core.model import AccountSnapshot
from iamtui.core.session import ConnectionSettings, connect
from iamtui.core.text import printable


def progress_to_stderr() -> Callable[[StepUpdate], None] | None:
    """Load steps on one rewritten stderr line, only when stderr is a terminal (else None)."""
    interactive = sys.stderr.isatty()

    def show(update: StepUpdate) -> None:
        if interactive and update.state in ("running", "waiting", "unavailable"):
            detail = f": {printable(update.detail)}" if update.detail else ""
            click.echo(f"\r\x1b[K{update.step} {update.state}{detail}", err=True, nl=False)

    return show if interactive else None


def clear_progress() -> None:
    """Erase the progress line (call once the load is over, when progress was shown)."""
    click.echo("\r\x1b[K", err=True, nl=False)


@contextmanager
def open_account(
    settings: ConnectionSettings,
    use_demo: bool = False,
    last_accessed: bool = False,
    snapshot_file: Path | None = None,
) -> Iterator[AccountSnapshot]:
    """Yield a loaded account; the demo endpoint (if any) lives for the duration of the block."""
    if snapshot_file is not None:
        from iamtui.core import snapshot as snapshot_io

        yield snapshot_io.load(snapshot_file)
        return
    env = None
    if use_demo:
        from iamtui.emulator.run import start_demo

        env = start_demo()
        settings = env.settings()
    try:
        conn = connect(settings)
        progress = progress_to_stderr()
        snap = load_account(conn, progress=progress)
        if last_accessed:
            arns = [u.arn for u in snap.users] + [r.arn for r in snap.roles]
            batch = load_last_accessed_batch(conn, arns)
            snap = replace(
                snap.with_last_accessed(*batch.results.values()),
                request_count=conn.counter.snapshot(),
            )
        if progress is not None:
            clear_progress()
        if use_demo:
            snap = replace(snap, source="demo")
        yield snap
    finally:
        if env is not None:
            env.stop()
