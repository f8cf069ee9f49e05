"""The ``iamtui`` command line: the TUI by default, headless subcommands for scripts and CI."""

from __future__ import annotations

import contextlib
import logging
import shlex
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from iamtui import __version__
from iamtui.cli.common import (
    UserError,
    closed_stdout,
    connection_from,
    connection_options,
    one_line_errors,
    one_profile,
    refuse_overwriting_inputs,
    refuse_root_flags,
    repeatable_connection_options,
    settings_from,
)
from iamtui.cli.fleet import fleet_options
from iamtui.cli.tui import action_options, demo_action_options
from iamtui.core.journal import demo_journal_path


class _Main(click.Group):
    """The root group: every usage error is one ``iamtui: error:`` line, exit 2.

    Click's usage block (``Usage: ...`` / ``Try ...`` / ``Error: ...``) buries what went wrong,
    and scripts expect one line; the line names what failed and the ``--help`` to read. A bad
    file path (``-o DIR``) is a mistake about a file, not the syntax: no ``--help`` hint there.
    Help itself (``--help``, a group called without its subcommand) is printed as Click does.
    """

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with _usage_errors_one_line():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _usage_errors_one_line():
                return super().invoke(ctx)
        except BrokenPipeError:  # stdout's reader left; click would exit 1, the findings' code
            closed_stdout()


@contextlib.contextmanager
def _usage_errors_one_line() -> Iterator[None]:
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        raise
    except click.UsageError as exc:
        raise UserError(usage_error_line(exc)) from None


def usage_error_line(exc: click.UsageError) -> str:
    """``no such option '--frobnicate'; see 'iamtui scan --help'``: what failed, where to look."""
    text = " ".join(exc.format_message().split())
    if text[:1].isupper() and text[1:2].islower():
        text = text[0].lower() + text[1:]
    text = text.replace(". Did you mean ", " (did you mean ").rstrip(".")
    if "(did you mean " in text:
        text += ")"
    if (
        isinstance(exc, click.BadParameter)
        and not isinstance(exc, click.MissingParameter)
        and exc.param is not None
        and isinstance(exc.param.type, click.Path)
    ):
        return text  # a file problem, not the command's syntax: --help would not help
    if exc.ctx is None:
        return text
    names = [c.info_name for c in reversed(list(_context_chain(exc.ctx))) if c.parent]
    return f"{text}; see '{' '.join(['iamtui', *filter(None, names)])} --help'"


def _context_chain(ctx: click.Context) -> Iterator[click.Context]:
    current: click.Context | None = ctx
    while current is not None:
        yield current
        current = current.parent


@click.group(
    cls=_Main,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="iamtui")
@click.option(
    "--debug", is_flag=True, help="Show tracebacks and log messages instead of one-line errors."
)
@connection_options
@click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Open a saved snapshot offline, read-only, instead of calling AWS.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (default: the user config dir's iamtui/config.toml).",
)
@action_options
@click.pass_context
def main(
    ctx: click.Context,
    debug: bool,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    snapshot_file: Path | None,
    config_file: Path | None,
    read_only: bool,
    dry_run: bool,
    journal_path: Path | None,
) -> None:
    """Review and safely clean up AWS IAM credentials.

    With no command, opens the interactive TUI on the account the connection flags name
    (the standard AWS credential chain by default), or on --snapshot FILE offline.
    Actions are previewed before they run and journaled for undo; --read-only disables
    them, --dry-run shows plans without changing anything (snapshots are always read-only).
    """
    _route_logs(debug)
    if config_file is not None:
        _check_config(config_file)
        ctx.default_map = {**(ctx.default_map or {}), **_config_defaults(main, config_file)}
    if ctx.invoked_subcommand is None:
        _open_tui(
            profile,
            region,
            endpoint_url,
            snapshot_file,
            config_file,
            read_only=read_only,
            dry_run=dry_run,
            journal_path=journal_path,
        )


def _route_logs(debug: bool) -> None:
    """Log records reach stderr only with --debug; without it, what matters is said in one line.

    (Python's last-resort handler would otherwise print warnings and tracebacks raw, under the
    TUI too; data warnings are shown by the commands themselves.)
    """
    logger = logging.getLogger("iamtui")
    if debug:
        logging.basicConfig(format="iamtui: %(levelname)s: %(name)s: %(message)s")
    elif not logger.handlers:
        logger.addHandler(logging.NullHandler())


@one_line_errors
def _check_config(config_file: Path) -> None:
    """``iamtui --config FILE CMD``: a broken file stops every command before it starts."""
    from iamtui.core.rules import load_settings

    load_settings(config_file)


def _config_defaults(group: click.Group, config_file: Path) -> dict[str, Any]:
    """Click default map giving every subcommand's own ``--config`` the root's value.

    So ``iamtui --config FILE scan`` and ``iamtui scan --config FILE`` mean the same, and a
    command added later with a ``--config`` option honours the root one without extra code.
    """
    defaults: dict[str, Any] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            nested = _config_defaults(command, config_file)
            if nested:
                defaults[name] = nested
        elif any(p.name == "config_file" for p in command.params):
            defaults[name] = {"config_file": str(config_file)}
    return defaults


@one_line_errors
def _open_tui(
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    snapshot_file: Path | None,
    config_file: Path | None,
    *,
    read_only: bool,
    dry_run: bool,
    journal_path: Path | None,
) -> None:
    """The TUI on a live account or a snapshot file."""
    from iamtui.cli.tui import run_tui

    run_tui(
        settings_from(profile, region, endpoint_url),
        snapshot_file=snapshot_file,
        config_file=config_file,
        read_only=read_only,
        dry_run=dry_run,
        journal_path=journal_path,
    )


@main.command()
@click.option("--serve", is_flag=True, help="Only serve the emulated endpoint (no TUI).")
@click.option("--port", type=int, default=0, show_default="a free port", help="Port for --serve.")
@click.option(
    "--org",
    "use_org",
    is_flag=True,
    help="The demo organization (eight accounts) on the organization screen instead.",
)
@demo_action_options
@click.pass_context
@one_line_errors
def demo(
    ctx: click.Context,
    serve: bool,
    port: int,
    use_org: bool,
    read_only: bool,
    dry_run: bool,
    journal_path: Path | None,
) -> None:
    """Open the TUI on the embedded demo account (or --serve its emulated endpoint)."""
    from iamtui.emulator.run import start_demo

    refuse_root_flags(ctx, "demo")
    if use_org:
        from iamtui.cli.fleet import fleet_request
        from iamtui.cli.tui import run_org

        if serve:
            raise UserError("--org and --serve are alternatives: pass one")
        root = ctx.find_root().params
        request = fleet_request({"org": True})
        assert request is not None
        run_org(
            settings_from(None, None, None),
            request,
            use_demo=True,
            config_file=root.get("config_file"),
            read_only=read_only or bool(root.get("read_only")),
            dry_run=dry_run or bool(root.get("dry_run")),
            journal_path=journal_path or root.get("journal_path"),
        )
        return
    if not serve:
        from iamtui.cli.tui import run_tui

        root = ctx.find_root().params
        run_tui(
            settings_from(None, None, None),
            use_demo=True,
            config_file=root.get("config_file"),
            read_only=read_only or bool(root.get("read_only")),
            dry_run=dry_run or bool(root.get("dry_run")),
            journal_path=journal_path or root.get("journal_path"),
        )
        return
    # The shell's iamtui records this demo's actions in a journal of its own, as `iamtui demo`;
    # a fresh one starts with the demo's earlier changes (follow-ups due and pending).
    given = journal_path or ctx.find_root().params.get("journal_path")
    journal = given or demo_journal_path()
    env = start_demo(port=port, journal=None if given else journal)
    for line in env.shell_exports():
        click.echo(line)
    click.echo(f"export IAMTUI_JOURNAL={shlex.quote(str(journal))}")
    click.echo(
        "# demo account 123456789012 (northwind-prod): paste the lines above into another "
        "shell, then run iamtui there; ctrl+c stops",
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
@click.argument("file", type=click.Path(path_type=Path))
@repeatable_connection_options
@click.option("--demo", "use_demo", is_flag=True, help="Use the embedded demo account.")
@click.option(
    "--last-accessed",
    is_flag=True,
    help="Also fetch service last-accessed data for every user and role (one job each).",
)
@click.option("--force", "-f", is_flag=True, help="Overwrite FILE if it exists.")
@fleet_options
@click.pass_context
@one_line_errors
def snapshot_save(
    ctx: click.Context,
    /,
    file: Path,
    profile: tuple[str, ...],
    region: str | None,
    endpoint_url: str | None,
    use_demo: bool,
    last_accessed: bool,
    force: bool,
    **fleet_flags: Any,
) -> None:
    """Load the account and write it to FILE (an existing FILE only with --force).

    With --org (or --profiles), FILE is a directory: one snapshot file per account and an
    index.json, all owner-only.
    """
    from iamtui.cli.fleet import describe, fleet_request, save_fleet
    from iamtui.cli.loading import open_account
    from iamtui.core import snapshot as snapshot_io
    from iamtui.core.text import plural

    where = connection_from(
        ctx, profile=one_profile(profile, fleet_flags), region=region, endpoint_url=endpoint_url
    )
    if ctx.find_root().params.get("snapshot_file") is not None:
        raise UserError("--snapshot before 'snapshot save' does not apply to it: leave it out")
    request = fleet_request(fleet_flags)
    if request is not None:
        if last_accessed:
            raise UserError("--last-accessed is not read across a fleet: save one account")
        fleet = save_fleet(request, where.settings(), use_demo, file, force)
        for account in fleet.unreachable:
            click.echo(f"iamtui: warning: {describe(account)}: {account.unreachable}", err=True)
        click.echo(
            f"saved {file}: {plural(len(fleet.reachable), 'account')} "
            f"({len(fleet.unreachable)} not reachable), {plural(fleet.requests, 'request')}",
            err=True,
        )
        if fleet.unreachable or not fleet.reachable:  # nothing saved is never a clean save
            sys.exit(3)
        return
    if file.is_dir():
        raise UserError(f"{file} is a directory: name a file (a directory is for --org)")
    # Checked before loading, so a long load is not wasted; a saved snapshot may be the only
    # record of an account's earlier state, so replacing it is never silent.
    refuse_overwriting_inputs(ctx, file)
    if not force and (file.exists() or file.is_symlink()):
        raise UserError(f"{file} exists: pass --force to overwrite it, or choose another name")
    with open_account(where.settings(), use_demo, last_accessed) as snap:
        snapshot_io.save(snap, file)
    try:  # the TUI's "progress since the last save" (P) starts from it
        snapshot_io.remember_saved(snap, file)
    except OSError as exc:
        click.echo(f"iamtui: warning: could not record the save for P (progress): {exc}", err=True)
    counts = (
        plural(len(snap.users), "user"),
        plural(len(snap.roles), "role"),
        plural(len(snap.last_accessed), "last-accessed report"),
        plural(snap.request_count, "request"),
    )
    click.echo(f"saved {file}: {', '.join(counts)}", err=True)


def _register() -> None:
    """Subcommands that live in their own modules."""
    from iamtui.cli.diff import diff
    from iamtui.cli.journal import journal
    from iamtui.cli.policy import policy
    from iamtui.cli.rightsize import rightsize
    from iamtui.cli.root import root
    from iamtui.cli.scan import scan
    from iamtui.cli.tui import org, role, user
    from iamtui.cli.usage import usage

    main.add_command(scan)
    main.add_command(root)
    main.add_command(user)
    main.add_command(role)
    main.add_command(org)
    main.add_command(journal)
    main.add_command(policy)
    main.add_command(rightsize)
    main.add_command(diff)
    main.add_command(usage)


_register()
