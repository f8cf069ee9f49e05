"""``iamtui scan``: load, evaluate the best-practice rules, print; exit codes for CI gates."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console

from iamtui.cli.common import UserError, connection_options, one_line_errors, settings_from

SEVERITIES = ("info", "low", "medium", "high", "critical")


@click.command()
@connection_options
@click.option("--demo", "use_demo", is_flag=True, help="Scan the embedded demo account.")
@click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Scan a saved snapshot offline instead of calling AWS.",
)
@click.option(
    "--last-accessed/--no-last-accessed",
    default=None,
    help="Fetch service last-accessed data for every principal: one job each, slow on big "
    "accounts. Default: on for --demo, off otherwise.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 when an unsuppressed finding at or above this severity exists.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (default: the user config dir's iamtui/config.toml).",
)
@one_line_errors
def scan(
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    use_demo: bool,
    snapshot_file: Path | None,
    last_accessed: bool | None,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    config_file: Path | None,
) -> None:
    """Report the account's IAM findings against the AWS best-practices checklist."""
    from iamtui.cli.loading import open_account
    from iamtui.core import output as render
    from iamtui.core.files import write_private
    from iamtui.core.findings import Severity, evaluate
    from iamtui.core.settings import load_settings

    if use_demo and snapshot_file is not None:
        raise UserError("--demo and --snapshot are alternatives: pass one")
    settings = load_settings(config_file)
    conn_settings = settings_from(profile, region, endpoint_url)
    fetch_last_accessed = use_demo if last_accessed is None else last_accessed
    with open_account(conn_settings, use_demo, fetch_last_accessed, snapshot_file) as snap:
        now = datetime.now(UTC)
        evaluation = evaluate(snap, now=now, settings=settings)
        if fmt == "json":
            text = json.dumps(render.to_json(evaluation, snap, now), indent=2) + "\n"
        elif fmt == "csv":
            text = render.to_csv(evaluation)
        else:
            text = ""
        if fmt == "table":
            if output is not None:
                buffer = io.StringIO()
                render.render_table(evaluation, snap, Console(file=buffer, width=160))
                write_private(output, buffer.getvalue())
            else:
                render.render_table(evaluation, snap, Console(file=sys.stdout))
        elif output is not None:
            write_private(output, text)
        else:
            click.echo(text, nl=False)
    if fail_on is not None and render.exceeds(evaluation, Severity.parse(fail_on)):
        sys.exit(1)
