"""The ``iamtui`` command line: the TUI by default, headless subcommands for scripts and CI."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import click

from iamtui import __version__
from iamtui.cli.common import (
    UserError,
    connection_options,
    one_line_errors,
    settings_from,
)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iamtui")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Review and safely clean up AWS IAM credentials."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@main.command()
@click.option("--serve", is_flag=True, help="Only serve the emulated endpoint (no TUI).")
@click.option("--port", type=int, default=0, show_default="a free port", help="Port for --serve.")
@one_line_errors
def demo(serve: bool, port: int) -> None:
    """Start the embedded demo account (an emulated IAM endpoint on 127.0.0.1)."""
    from iamtui.emulator.run import start_demo

    if not serve:
        raise UserError("the interactive demo needs the TUI; use 'iamtui demo --serve' for now")
    env = start_demo(port=port)
    click.echo(f"AWS_ENDPOINT_URL={env.endpoint_url}")
    click.echo(f"AWS_ACCESS_KEY_ID={env.access_key_id}")
    click.echo(f"AWS_SECRET_ACCESS_KEY={env.secret_access_key}")
    click.echo("AWS_DEFAULT_REGION=us-east-1")
    click.echo(
        "# demo account 123456789012 (northwind-prod); export the lines above; ctrl+c stops",
        err=True,
    )
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        env.stop()


@main.group()
def snapshot() -> None:
    """Save an account to a JSON file for offline review."""


@snapshot.command("save")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@connection_options
@click.option("--demo", "use_demo", is_flag=True, help="Use the embedded demo account.")
@click.option(
    "--last-accessed",
    is_flag=True,
    help="Also fetch service last-accessed data for every user and role (one job each).",
)
@one_line_errors
def snapshot_save(
    file: Path,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    use_demo: bool,
    last_accessed: bool,
) -> None:
    """Load the account and write it to FILE."""
    from iamtui.cli.loading import open_account
    from iamtui.core import snapshot as snapshot_io

    with open_account(
        settings_from(profile, region, endpoint_url), use_demo, last_accessed
    ) as snap:
        snapshot_io.save(snap, file)
    click.echo(
        f"saved {file}: {len(snap.users)} users, {len(snap.roles)} roles, "
        f"{len(snap.last_accessed)} last-accessed reports, {snap.request_count} requests",
        err=True,
    )


def _register() -> None:
    """Subcommands that live in their own modules."""
    from iamtui.cli.scan import scan

    main.add_command(scan)


_register()
