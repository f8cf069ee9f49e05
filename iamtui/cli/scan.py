"""``iamtui scan``: load, evaluate the best-practice rules, print; exit codes for CI gates.

Exit codes with ``--fail-on``: 0 clean, 1 an unsuppressed finding at or above the threshold,
2 usage/config/connection error, 3 incomplete (a rule the scan meant to run could not be
evaluated, and nothing reached the threshold). ``--allow-incomplete`` turns 3 into 0.
Without ``--fail-on`` the scan only reports (0), but an incomplete scan says so on stderr too.
"""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from iamtui.cli.common import (
    UserError,
    connection_from,
    one_line_errors,
    one_profile,
    refuse_overwriting_inputs,
    repeatable_connection_options,
)
from iamtui.cli.fleet import fleet_options, fleet_request, run_fleet

if TYPE_CHECKING:
    from iamtui.core.fleet import Fleet

SEVERITIES = ("info", "low", "medium", "high", "critical")

#: ``--fail-on``: nothing at or above the threshold, and every rule ran.
EXIT_CLEAN = 0
#: ``--fail-on``: an unsuppressed finding at or above the threshold (wins over incomplete).
EXIT_FINDINGS = 1
#: ``--fail-on``: no finding reached the threshold, but some rules could not be evaluated.
EXIT_INCOMPLETE = 3


#: Table width when the table goes to a pipe or a file: wider than any line, so nothing wraps
#: and each finding's cells stay on one line for grep, cut and less -S.
UNWRAPPED_WIDTH = 100_000


class _StdoutConsole(Console):
    """Rich's console on stdout, leaving a closed pipe to the CLI's one way of ending
    (:func:`~iamtui.cli.common.closed_stdout`): Rich's own exits 1, the findings' code."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError()


def _stdout_console() -> Console:
    """Fit a terminal's width; elsewhere (Rich would assume 80 columns) never wrap."""
    if sys.stdout.isatty():
        return _StdoutConsole(file=sys.stdout)
    return _StdoutConsole(file=sys.stdout, width=UNWRAPPED_WIDTH)


@click.command()
@repeatable_connection_options
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
    type=click.Choice(["table", "json", "csv", "ocsf", "markdown"]),
    default="table",
    show_default=True,
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write here ('-' is stdout).",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 when an unsuppressed finding at or above this severity exists, else 3 when "
    "a rule could not be evaluated (see --allow-incomplete), else 0.",
)
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help="With --fail-on: pass (exit 0) even when some rules could not be evaluated.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (default: the user config dir's iamtui/config.toml).",
)
@fleet_options
@click.pass_context
@one_line_errors
def scan(
    ctx: click.Context,
    /,
    profile: tuple[str, ...],
    region: str | None,
    endpoint_url: str | None,
    use_demo: bool,
    snapshot_file: Path | None,
    last_accessed: bool | None,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    allow_incomplete: bool,
    config_file: Path | None,
    **fleet_flags: Any,
) -> None:
    """Report the account's IAM findings against the AWS best-practices checklist.

    With --org, every account of the AWS Organization (or, with --profiles, each profile's
    account): one role assumed in each, findings with an account column.
    """
    from iamtui import __version__
    from iamtui.cli.loading import open_account
    from iamtui.core import output as render
    from iamtui.core.files import write_private
    from iamtui.core.findings import Severity
    from iamtui.core.rules import evaluate, load_settings
    from iamtui.core.text import plural, printable

    where = connection_from(
        ctx,
        profile=one_profile(profile, fleet_flags),
        region=region,
        endpoint_url=endpoint_url,
        snapshot_file=snapshot_file,
    )
    snapshot_file = where.snapshot_file
    if use_demo and snapshot_file is not None:
        raise UserError("--demo and --snapshot are alternatives: pass one")
    if output is not None and str(output) == "-":
        output = None  # the usual spelling of stdout, not a file named "-"
    if output is not None:
        refuse_overwriting_inputs(ctx, output, snapshot_file, config_file)
    settings = load_settings(config_file)
    conn_settings = where.settings()
    request = fleet_request(fleet_flags)
    if request is not None:
        if snapshot_file is not None:
            raise UserError("--snapshot and --org/--profiles are alternatives: pass one")
        if fmt not in ("table", "json", "csv"):
            raise UserError(f"--format {fmt} does not cover a fleet yet: use table, json or csv")
        if last_accessed:
            raise UserError("--last-accessed is not read across a fleet: scan one account")
        fleet = run_fleet(request, conn_settings, use_demo, settings)
        _report_fleet(fleet, fmt, output, fail_on, allow_incomplete)
        return
    fetch_last_accessed = use_demo if last_accessed is None else last_accessed
    # A snapshot holds what was saved: its last-accessed data counts as asked for only when
    # --last-accessed is given explicitly.
    requested = bool(last_accessed) if snapshot_file is not None else fetch_last_accessed
    with open_account(conn_settings, use_demo, fetch_last_accessed, snapshot_file) as snap:
        now = datetime.now(UTC)
        evaluation = evaluate(snap, now=now, settings=settings)
        seen = render.completeness(evaluation, snap, last_accessed_requested=requested)
        if fmt == "json":
            document = render.to_json(
                evaluation,
                snap,
                now,
                last_accessed_requested=requested,
                thresholds=settings.thresholds,
            )
            text = json.dumps(document, indent=2) + "\n"
        elif fmt == "csv":
            text = render.to_csv(evaluation)
        elif fmt == "ocsf":
            text = (
                json.dumps(render.to_ocsf(evaluation, snap, version=__version__), indent=2) + "\n"
            )
        elif fmt == "markdown":
            text = render.to_markdown(evaluation, snap)
        else:
            text = ""
        if fmt == "table":
            buffer = io.StringIO() if output is not None else None
            console = (
                Console(file=buffer, width=UNWRAPPED_WIDTH)
                if buffer is not None
                else _stdout_console()
            )
            render.render_table(
                evaluation,
                snap,
                console,
                last_accessed_requested=requested,
                thresholds=settings.thresholds,
            )
            if output is not None and buffer is not None:
                write_private(output, buffer.getvalue())
        elif output is not None:
            write_private(output, text)
        else:
            click.echo(text, nl=False)
    if fmt != "table" or output is not None:
        # The table on stdout already says these; other formats are read by programs.
        for warning in snap.data_warnings:
            click.echo(f"iamtui: warning: {printable(warning)}", err=True)
        if not seen.complete:
            click.echo(f"iamtui: warning: {seen.headline()}", err=True)
    if evaluation.findings and not evaluation.active:
        # A catch-all suppression (rule = "*", principal = "*") turns every gate green: say so.
        click.echo(
            "iamtui: warning: suppressions hide all findings of this scan "
            f"({plural(len(evaluation.findings), 'finding')}); check [[suppressions]] in the "
            "settings file",
            err=True,
        )
    if fail_on is None:
        return
    if render.exceeds(evaluation, Severity.parse(fail_on)):
        sys.exit(EXIT_FINDINGS)
    if not seen.complete and not allow_incomplete:
        sys.exit(EXIT_INCOMPLETE)


def _report_fleet(
    fleet: Fleet, fmt: str, output: Path | None, fail_on: str | None, allow_incomplete: bool
) -> None:
    """Print a fleet's table, JSON or CSV; the exit status covers every account."""
    from iamtui.cli.fleet import describe
    from iamtui.core.files import write_private
    from iamtui.core.findings import Severity
    from iamtui.core.fleet import render
    from iamtui.core.text import printable

    now = datetime.now(UTC)
    if fmt in ("json", "csv"):
        text = (
            json.dumps(render.fleet_to_json(fleet, now), indent=2) + "\n"
            if fmt == "json"
            else render.fleet_to_csv(fleet)
        )
        if output is not None:
            write_private(output, text)
        else:
            click.echo(text, nl=False)
    elif output is not None:
        buffer = io.StringIO()
        render.render_fleet_table(fleet, Console(file=buffer, width=UNWRAPPED_WIDTH))
        write_private(output, buffer.getvalue())
    else:
        render.render_fleet_table(fleet, _stdout_console())
    complete = render.fleet_complete(fleet)
    if fmt != "table" or output is not None:
        for account in fleet.unreachable:
            why = printable(str(account.unreachable))
            click.echo(f"iamtui: warning: {describe(account)}: {why}", err=True)
        if not complete:
            click.echo(f"iamtui: warning: {render.fleet_headline(fleet)}", err=True)
    if fail_on is None:
        return
    if render.fleet_exceeds(fleet, Severity.parse(fail_on)):
        sys.exit(EXIT_FINDINGS)
    # No account read is nothing scanned, never an all-clear, whatever --allow-incomplete says.
    if not complete and (not allow_incomplete or not fleet.reachable):
        sys.exit(EXIT_INCOMPLETE)
