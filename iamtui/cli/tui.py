"""Starting the TUI: ``iamtui``, ``iamtui demo``, ``iamtui --snapshot FILE``, ``iamtui user NAME``.

Textual is imported here only when the TUI actually starts, so the headless commands (and
``iamtui --help``) never load it.
"""

from __future__ import annotations

from pathlib import Path

import click

from iamtui.cli.common import UserError, connection_options, one_line_errors, settings_from
from iamtui.core.session import ConnectionSettings


def run_tui(
    connection: ConnectionSettings,
    *,
    use_demo: bool = False,
    snapshot_file: Path | None = None,
    config_file: Path | None = None,
    open_principal: tuple[str, str] | None = None,
) -> None:
    """Build the workspace, run the app, stop the demo; a fatal load error is one line, exit 2."""
    from iamtui.core.settings import load_settings
    from iamtui.core.workspace import Workspace

    if use_demo and snapshot_file is not None:
        raise UserError("--demo and --snapshot are alternatives: pass one")
    settings = load_settings(config_file)
    from iamtui.ui.keymap import binding_ids, unknown_ids

    bad = unknown_ids(settings.keymap)
    if bad:
        where = settings.source or "config"
        raise UserError(
            f"{where}: keymap.{bad[0]}: unknown binding id "
            f"(expected one of: {', '.join(sorted(binding_ids()))})"
        )
    if snapshot_file is not None:
        workspace = Workspace.offline(snapshot_file, settings=settings)
    elif use_demo:
        from iamtui.emulator import require_moto
        from iamtui.emulator.run import start_demo

        require_moto()
        workspace = Workspace.demo(start_demo, settings=settings)
    else:
        workspace = Workspace.live(connection, settings=settings)

    from iamtui.ui.app import IamtuiApp

    try:
        result = IamtuiApp(workspace, open_principal=open_principal).run()
    finally:
        workspace.close()
    if result:
        raise UserError(result)


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
    ) -> None:
        parent = ctx.find_root().params
        run_tui(
            settings_from(
                profile or parent.get("profile"),
                region or parent.get("region"),
                endpoint_url or parent.get("endpoint_url"),
            ),
            use_demo=use_demo,
            snapshot_file=snapshot_file or parent.get("snapshot_file"),
            config_file=config_file or parent.get("config_file"),
            open_principal=(kind, name),
        )

    return command


user = _principal_command("user")
role = _principal_command("role")
