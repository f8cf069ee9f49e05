"""Starting the TUI: ``iamtui``, ``iamtui demo``, ``iamtui --snapshot FILE``, ``iamtui user NAME``.

Textual is imported here only when the TUI actually starts, so the headless commands (and
``iamtui --help``) never load it.
"""

from __future__ import annotations

import difflib
import functools
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from iamtui.cli.common import (
    UserError,
    connection_from,
    connection_options,
    one_line_errors,
)
from iamtui.cli.fleet import FleetRequest, fleet_request, org_options
from iamtui.core.model import AccountSnapshot
from iamtui.core.session import ConnectionSettings
from iamtui.core.text import printable

if TYPE_CHECKING:
    from iamtui.core.settings import Settings
    from iamtui.core.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])


#: ``--journal``'s help on ``iamtui demo``, which never uses the user's journal by default.
DEMO_JOURNAL_HELP = (
    "Journal file [default: a fresh one per run, under ~/.local/state/iamtui/demo/: "
    "the demo account is new every run]."
)


#: ``--journal``'s help on a command that also takes ``--demo``.
WITH_DEMO_JOURNAL_HELP = (
    "Journal file [default: ~/.local/state/iamtui/journal.jsonl; with --demo, a fresh one per run]."
)


def demo_action_options(func: F) -> F:
    """:func:`action_options` whose --journal help says the demo's default."""
    return action_options(func, journal_help=DEMO_JOURNAL_HELP)


def with_demo_action_options(func: F) -> F:
    """:func:`action_options` for a command with ``--demo``: both defaults said."""
    return action_options(func, journal_help=WITH_DEMO_JOURNAL_HELP)


def action_options(func: F, *, journal_help: str | None = None) -> F:
    """--read-only, --dry-run and --journal: how the TUI may change the account."""
    from iamtui.cli.journal import JOURNAL_HELP, journal_option

    options = [
        click.option(
            "--read-only",
            is_flag=True,
            help="Disable every action (reads and reviews still work).",
        ),
        click.option(
            "--dry-run",
            is_flag=True,
            help="Build and show plans, but send no change and journal nothing.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return journal_option(func, help=journal_help or JOURNAL_HELP)


def run_tui(
    connection: ConnectionSettings,
    *,
    use_demo: bool = False,
    snapshot_file: Path | None = None,
    config_file: Path | None = None,
    open_principal: tuple[str, str] | None = None,
    open_root: bool = False,
    read_only: bool = False,
    dry_run: bool = False,
    journal_path: Path | None = None,
) -> None:
    """Build the workspace, run the app, stop the demo; a fatal load error is one line, exit 2.

    Snapshot mode is always read-only; ``read_only`` disables actions on a live account too,
    ``dry_run`` shows plans without sending or journaling anything, ``journal_path`` picks the
    undo journal (default: the user state directory; for the demo, a fresh one per run).
    """
    from iamtui.core.workspace import Workspace

    if use_demo and snapshot_file is not None:
        raise UserError("--demo and --snapshot are alternatives: pass one")
    settings = tui_settings(config_file, read_only=read_only, dry_run=dry_run)
    modes: dict[str, Any] = {
        "read_only": read_only,
        "dry_run": dry_run,
        "journal_path": journal_path,
    }
    if snapshot_file is not None:
        from iamtui.core import snapshot as snapshot_io

        snap = snapshot_io.load(snapshot_file)
        if open_principal is not None:
            open_principal = (open_principal[0], principal_name(snap, *open_principal))
        workspace = Workspace.from_snapshot(
            snap, settings=settings, journal_path=journal_path, snapshot_file=snapshot_file
        )
    elif use_demo:
        from iamtui.emulator import require_moto
        from iamtui.emulator.run import start_demo

        require_moto()
        starter = start_demo
        if journal_path is None:
            from iamtui.core.journal import demo_journal_path

            # The demo account is new at every run: its journal must not be the real one. It
            # starts with the demo's earlier changes, whose follow-ups are due and pending.
            modes["journal_path"] = fresh = demo_journal_path()
            starter = functools.partial(start_demo, journal=fresh)
        workspace = Workspace.demo(starter, settings=settings, **modes)
    else:
        workspace = Workspace.live(connection, settings=settings, **modes)

    from iamtui.ui.app import IamtuiApp

    try:
        require_terminal()
        if open_principal is not None and not workspace.is_offline:
            open_principal = (open_principal[0], _preload(workspace, *open_principal))
        app = IamtuiApp(workspace, open_principal=open_principal, open_root=open_root)
        result = app.run()
    finally:
        workspace.close()
    if use_demo:
        click.echo(demo_journal_line(workspace.journal.path, dry_run=dry_run,
                                     pruned=journal_path is None))  # fmt: skip
    if result:
        raise UserError(result)
    if app.return_code:  # the app crashed (Textual printed why): never exit 0
        raise SystemExit(app.return_code)


def tui_settings(config_file: Path | None, *, read_only: bool, dry_run: bool) -> Settings:
    """The settings file, its keymap checked against the bindings, and the modes checked."""
    from iamtui.core.rules import load_settings

    if read_only and dry_run:
        raise UserError("--read-only and --dry-run are alternatives: pass one")
    settings = load_settings(config_file)
    from iamtui.ui.app import binding_ids, unknown_ids

    bad = unknown_ids(settings.keymap)
    if bad:
        where = settings.source or "config"
        raise UserError(
            f"{where}: keymap.{bad[0]}: unknown binding id "
            f"(expected one of: {', '.join(sorted(binding_ids()))})"
        )
    return settings


def run_org(
    connection: ConnectionSettings,
    request: FleetRequest,
    *,
    use_demo: bool = False,
    config_file: Path | None = None,
    read_only: bool = False,
    dry_run: bool = False,
    journal_path: Path | None = None,
) -> None:
    """The organization screen (``iamtui org``, ``iamtui demo --org``): every account scanned,
    each opened in turn; a listing failure the operator gives up on is one line, exit 2."""
    from iamtui.core.org_session import OrgSession

    settings = tui_settings(config_file, read_only=read_only, dry_run=dry_run)
    starter = None
    fresh = journal_path is None
    if use_demo:
        if request.profiles:
            raise UserError("--demo covers the organization only: the demo has no named profiles")
        from iamtui.emulator import require_moto
        from iamtui.emulator.demo_org import start_demo_organization

        require_moto()
        starter = start_demo_organization
        if journal_path is None:
            from iamtui.core.journal import demo_journal_path

            # The demo organization is new at every run: its journal must not be the real one.
            journal_path = demo_journal_path()
    require_terminal()
    org = OrgSession(
        connection,
        request.options,
        profiles=request.profiles,
        rules_settings=settings,
        demo_starter=starter,
        read_only=read_only,
        dry_run=dry_run,
        journal_path=journal_path,
    )
    from iamtui.ui.app import IamtuiApp

    try:
        app = IamtuiApp(org=org)
        result = app.run()
    finally:
        org.close()
    if use_demo and journal_path is not None:
        click.echo(demo_journal_line(journal_path, dry_run=dry_run, pruned=fresh))
    if result:
        raise UserError(result)
    if app.return_code:  # the app crashed (Textual printed why): never exit 0
        raise SystemExit(app.return_code)


@click.command("org")
@connection_options
@click.option("--demo", "use_demo", is_flag=True, help="Use the embedded demo organization.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (default: the user config dir's iamtui/config.toml).",
)
@with_demo_action_options
@org_options
@click.pass_context
@one_line_errors
def org(
    ctx: click.Context,
    /,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    use_demo: bool,
    config_file: Path | None,
    read_only: bool,
    dry_run: bool,
    journal_path: Path | None,
    **fleet_flags: Any,
) -> None:
    """Open the TUI on every account of the AWS Organization (or each --profiles account).

    Accounts and Findings panes fill in as each account is read through its role; enter opens
    one account's full session (panes, review, actions, undo), b comes back.
    """
    if ctx.find_root().params.get("snapshot_file") is not None:
        raise UserError("--snapshot before 'org' does not apply to it: leave it out")
    where = connection_from(ctx, profile=profile, region=region, endpoint_url=endpoint_url)
    request = fleet_request({**fleet_flags, "org": not fleet_flags.get("profiles")})
    assert request is not None
    parent = ctx.find_root().params
    run_org(
        where.settings(),
        request,
        use_demo=use_demo,
        config_file=config_file or parent.get("config_file"),
        read_only=read_only or bool(parent.get("read_only")),
        dry_run=dry_run or bool(parent.get("dry_run")),
        journal_path=journal_path or parent.get("journal_path"),
    )


def demo_journal_line(path: Path, *, dry_run: bool, pruned: bool) -> str:
    """Where a finished demo's journal is: the emulated account is gone, its record stays."""
    if dry_run or not path.exists():
        why = "a dry run journals nothing" if dry_run else "nothing was changed"
        return f"journal: none written ({why})"
    from iamtui.core.journal import DEMO_JOURNALS_KEPT

    kept = f"; the newest {DEMO_JOURNALS_KEPT} demo journals are kept" if pruned else ""
    read = f"iamtui journal list --journal {shlex.quote(str(path))}"
    return f"journal: {printable(str(path))} (read it with: {printable(read)}{kept})"


#: Why the TUI does not start without a terminal (a pipe, cron, CI): one line, exit 2.
NO_TERMINAL = (
    "the TUI needs a terminal (stdin and stdout are not both one): for scripts use "
    "'iamtui scan', 'iamtui root --format text' or 'iamtui snapshot save'"
)


def has_terminal() -> bool:
    """Both ends are a terminal: the TUI can run (a pipe would get escape codes, not a UI)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def require_terminal() -> None:
    """``iamtui``, ``demo``, ``user`` and ``role`` refuse to draw the TUI into a pipe or file."""
    if not has_terminal():
        raise UserError(NO_TERMINAL)


def _preload(workspace: Workspace, kind: str, name: str) -> str:
    """Load a live or demo account before the TUI, so a wrong name is one line, not a TUI.

    The TUI then starts on the loaded data (it does not load again); progress goes to stderr
    as for the headless commands. Returns the name as the account spells it.
    """
    from iamtui.cli.loading import clear_progress, progress_to_stderr

    progress = progress_to_stderr()
    try:
        state = workspace.load(progress=progress)
    finally:
        if progress is not None:
            clear_progress()
    return principal_name(state.snapshot, kind, name)


def principal_name(snapshot: AccountSnapshot, kind: str, name: str) -> str:
    """NAME as the account spells it, compared as IAM does (not by case); else a UserError.

    The error names the account, up to three close matches of the same kind, and the other
    kind when it has that name (``iamtui user deploy`` for a role named deploy).
    """
    from iamtui.core.output import account_label

    found = snapshot.user(name) if kind == "user" else snapshot.role(name)
    if found is not None:
        return found.name
    names = {p.name.lower(): p.name for p in (snapshot.users if kind == "user" else snapshot.roles)}
    close = [names[n] for n in difflib.get_close_matches(name.lower(), list(names), n=3)]
    message = f'{kind} "{printable(name)}" not found in account {account_label(snapshot)}'
    if close:
        message += f"; did you mean: {', '.join(printable(n) for n in close)}?"
    other = "role" if kind == "user" else "user"
    if (snapshot.role(name) if kind == "user" else snapshot.user(name)) is not None:
        message += f"; a {other} has that name: iamtui {other} {printable(name)}"
    raise UserError(message)


def _principal_command(kind: str) -> click.Command:
    """``iamtui user NAME`` / ``iamtui role NAME``: open straight on that principal's review."""

    @click.command(kind, help=f"Open the TUI on one {kind}'s review screen.")
    @click.argument("name")
    @connection_options
    @click.option("--demo", "use_demo", is_flag=True, help="Use the embedded demo account.")
    @click.option(
        "--snapshot",
        "snapshot_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Open a saved snapshot offline (read-only).",
    )
    @click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Settings file (default: the user config dir's iamtui/config.toml).",
    )
    @with_demo_action_options
    @click.pass_context
    @one_line_errors
    def command(
        ctx: click.Context,
        name: str,
        profile: str | None,
        region: str | None,
        endpoint_url: str | None,
        use_demo: bool,
        snapshot_file: Path | None,
        config_file: Path | None,
        read_only: bool,
        dry_run: bool,
        journal_path: Path | None,
    ) -> None:
        parent = ctx.find_root().params
        where = connection_from(
            ctx,
            profile=profile,
            region=region,
            endpoint_url=endpoint_url,
            snapshot_file=snapshot_file,
        )
        run_tui(
            where.settings(),
            use_demo=use_demo,
            snapshot_file=where.snapshot_file,
            config_file=config_file or parent.get("config_file"),
            open_principal=(kind, name),
            read_only=read_only or bool(parent.get("read_only")),
            dry_run=dry_run or bool(parent.get("dry_run")),
            journal_path=journal_path or parent.get("journal_path"),
        )

    return command


user = _principal_command("user")
role = _principal_command("role")
