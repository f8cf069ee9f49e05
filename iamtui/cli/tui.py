"""Starting the TUI: ``iamtui``, ``iamtui demo``, ``iamtui --snapshot FILE``, ``iamtui user NAME``.

Textual is imported here only when the TUI actually starts, so the headless commands (and
``iamtui --help``) never load it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from iamtui.cli.common import (
    UserError,
    connection_from,
    connection_options,
    one_line_errors,
)
from iamtui.core.model import AccountSnapshot
from iamtui.core.session import ConnectionSettings
from iamtui.core.text import printable

F = TypeVar("F", bound=Callable[..., Any])


def action_options(func: F) -> F:
    """--read-only, --dry-run and --journal: how the TUI may change the account."""
    from iamtui.cli.journal import journal_option

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
    return journal_option(func)


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
    from iamtui.core.rules import load_settings
    from iamtui.core.workspace import Workspace

    if use_demo and snapshot_file is not None:
        raise UserError("--demo and --snapshot are alternatives: pass one")
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
    modes: dict[str, Any] = {
        "read_only": read_only,
        "dry_run": dry_run,
        "journal_path": journal_path,
    }
    if snapshot_file is not None:
        from iamtui.core import snapshot as snapshot_io

        snap = snapshot_io.load(snapshot_file)
        if open_principal is not None:
            problem = missing_principal(snap, *open_principal)
            if problem is not None:
                raise UserError(problem)
        workspace = Workspace.from_snapshot(
            snap, settings=settings, journal_path=journal_path, snapshot_file=snapshot_file
        )
    elif use_demo:
        from iamtui.emulator import require_moto
        from iamtui.emulator.run import start_demo

        require_moto()
        if journal_path is None:
            from iamtui.core.journal import demo_journal_path

            # The demo account is new at every run: its journal must not be the real one.
            modes["journal_path"] = demo_journal_path()
        workspace = Workspace.demo(start_demo, settings=settings, **modes)
    else:
        workspace = Workspace.live(connection, settings=settings, **modes)

    from iamtui.ui.app import IamtuiApp

    try:
        result = IamtuiApp(workspace, open_principal=open_principal, open_root=open_root).run()
    finally:
        workspace.close()
    if result:
        raise UserError(result)


def missing_principal(snapshot: AccountSnapshot, kind: str, name: str) -> str | None:
    """Why ``iamtui user|role NAME`` cannot open NAME (with close matches), or None if it can.

    Checked before the TUI starts where the account is already in hand (a snapshot file); a live
    account is only known once the TUI has loaded it, and the TUI says it there.
    """
    names = [p.name for p in (snapshot.users if kind == "user" else snapshot.roles)]
    if name in names:
        return None
    same_case = [n for n in names if n.casefold() == name.casefold()]
    close = same_case + [
        n for n in difflib.get_close_matches(name, names, n=3, cutoff=0.75) if n not in same_case
    ]
    hint = f" (did you mean: {', '.join(printable(n) for n in close[:3])}?)" if close else ""
    return f"no {kind} named '{printable(name)}' in this account{hint}"


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
    @action_options
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
