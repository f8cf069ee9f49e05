"""``iamtui root``: the root-hardening checklist, headless (a TUI screen will share the core)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import click

from iamtui.cli.common import UserError, connection_options, one_line_errors, settings_from
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

        yield snapshot_io.load(snapshot_file), RootExtra.not_loaded(NOT_IN_SNAPSHOT)
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
) -> None:
    """Check the root user and account against AWS's root hardening steps."""
    from iamtui.core.root import evaluate_root
    from iamtui.core.settings import load_settings

    if use_demo and snapshot_file is not None:
        raise UserError("--demo and --snapshot are alternatives: pass one")
    settings = load_settings(config_file)
    conn_settings = settings_from(profile, region, endpoint_url)
    with _load(conn_settings, use_demo, snapshot_file) as (snap, extra):
        report = evaluate_root(snap, extra, now=datetime.now(UTC), settings=settings)
    if report_file is not None:
        report_file.write_text(report.to_markdown(), encoding="utf-8")
        counts = ", ".join(f"{n} {status.value}" for status, n in report.counts().items())
        click.echo(f"wrote {report_file}: {counts}", err=True)
        if ctx.get_parameter_source("fmt") is not click.core.ParameterSource.COMMANDLINE:
            return
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2))
    elif fmt == "markdown":
        click.echo(report.to_markdown(), nl=False)
    else:
        click.echo(report.to_text(), nl=False)
