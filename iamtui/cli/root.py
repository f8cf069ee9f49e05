"""``iamtui root``: the root-hardening screen in the TUI, or the checklist headless.

On a terminal, without ``--report`` or ``--format``, it opens the TUI's step-by-step root screen
(verify, export, fixes through the usual preview). With ``--report FILE``, ``--format`` or when
stdout is not a terminal it stays headless, for scripts and CI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import click

from iamtui.cli.common import UserError, connection_from, connection_options, one_line_errors
from iamtui.cli.tui import has_terminal, with_demo_action_options
from iamtui.core.files import write_private
from iamtui.core.model import AccountSnapshot
from iamtui.core.root import RootExtra
from iamtui.core.session import ConnectionSettings

NOT_IN_SNAPSHOT = "not in snapshot: a live call (run without --snapshot to check it)"


@contextmanager
def _load(
    settings: ConnectionSettings, use_demo: bool, snapshot_file: Path | None
) -> Iterator[tuple[AccountSnapshot, RootExtra]]:
    """The snapshot and the root extras, live (demo or AWS) or from a file (extras unknown)."""
    if snapshot_file is not None:
        from iamtui.core import snapshot as snapshot_io

        snap = snapshot_io.load(snapshot_file)
        yield snap, RootExtra.not_loaded(NOT_IN_SNAPSHOT, snap)
        return
    from iamtui.core.loader import load_account
    from iamtui.core.root import load_root_state
    from iamtui.core.session import connect

    env = None
    if use_demo:
        from iamtui.emulator.run import start_demo

        env = start_demo()
        settings = env.settings()
    try:
        conn = connect(settings)
        snap = load_account(conn)
        extra = load_root_state(conn, snap)
        yield (replace(snap, source="demo") if use_demo else snap), extra
    finally:
        if env is not None:
            env.stop()


@click.command()
@connection_options
@click.option("--demo", "use_demo", is_flag=True, help="Check the embedded demo account.")
@click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Check a saved snapshot offline (contact and organization checks become unknown).",
)
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the checklist as Markdown to this file.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="What to print on stdout (with --report, only when given explicitly).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (thresholds such as root_recent_days).",
)
@with_demo_action_options
@click.pass_context
@one_line_errors
def root(
    ctx: click.Context,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    use_demo: bool,
    snapshot_file: Path | None,
    report_file: Path | None,
    fmt: str,
    config_file: Path | None,
    read_only: bool,
    dry_run: bool,
    journal_path: Path | None,
) -> None:
    """Check the root user and account against AWS's root hardening steps.

    On a terminal this opens the TUI's root screen; --report FILE, --format or a redirected
    stdout keep it headless.
    """
    from iamtui.core.root import evaluate_root
    from iamtui.core.rules import load_settings

    where = connection_from(
        ctx, profile=profile, region=region, endpoint_url=endpoint_url, snapshot_file=snapshot_file
    )
    snapshot_file = where.snapshot_file
    if use_demo and snapshot_file is not None:
        raise UserError("--demo and --snapshot are alternatives: pass one")
    parent = ctx.find_root().params
    conn_settings = where.settings()
    explicit_format = ctx.get_parameter_source("fmt") is click.core.ParameterSource.COMMANDLINE
    if report_file is None and not explicit_format and has_terminal():
        from iamtui.cli.tui import run_tui

        run_tui(
            conn_settings,
            use_demo=use_demo,
            snapshot_file=snapshot_file,
            config_file=config_file or parent.get("config_file"),
            open_root=True,
            read_only=read_only or bool(parent.get("read_only")),
            dry_run=dry_run or bool(parent.get("dry_run")),
            journal_path=journal_path or parent.get("journal_path"),
        )
        return
    settings = load_settings(config_file)
    with _load(conn_settings, use_demo, snapshot_file) as (snap, extra):
        report = evaluate_root(snap, extra, now=datetime.now(UTC), settings=settings)
    if report_file is not None:
        write_private(report_file, report.to_markdown())
        counts = ", ".join(f"{n} {status.value}" for status, n in report.counts().items())
        click.echo(f"wrote {report_file}: {counts}", err=True)
        if not explicit_format:
            return
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2))
    elif fmt == "markdown":
        click.echo(report.to_markdown(), nl=False)
    else:
        click.echo(report.to_text(), nl=False)
