"""``iamtui diff OLD NEW``: progress between two saved snapshots of one account.

Each snapshot's findings come from the rules evaluated at that snapshot's own capture time
(``loaded_at``), with the same settings file for both, so the result depends only on the two
files (and the journal), never on when the command runs. Exit 0 after a report; 2 for files
that cannot be read or compared.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from iamtui.cli.common import UserError, one_line_errors, refuse_root_flags
from iamtui.cli.journal import journal_option


@click.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@journal_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (thresholds, suppressions) used for both snapshots.",
)
@click.pass_context
@one_line_errors
def diff(
    ctx: click.Context,
    old: Path,
    new: Path,
    journal_path: Path | None,
    fmt: str,
    config_file: Path | None,
) -> None:
    """Compare two snapshots (iamtui snapshot save) of one account: findings fixed, new and
    unchanged, principals added and removed, and journal entries recorded in between."""
    from iamtui.core import diff as compare
    from iamtui.core import snapshot as snapshot_io
    from iamtui.core.journal import Journal, JournalError
    from iamtui.core.rules import evaluate, load_settings
    from iamtui.core.text import printable

    refuse_root_flags(ctx, "diff")
    settings = load_settings(config_file)
    before = snapshot_io.load(old)
    after = snapshot_io.load(new)
    try:
        compare.check_comparable(before, after)
    except compare.DiffRefused as exc:
        raise UserError(str(exc)) from None
    journal_path = journal_path or ctx.find_root().params.get("journal_path")
    store = Journal(journal_path)
    try:
        verification = store.verify()
        entries = store.entries() if verification.exists else []
    except JournalError as exc:
        raise UserError(str(exc)) from exc
    result = compare.compare(
        before,
        after,
        evaluate(before, now=before.loaded_at, settings=settings),
        evaluate(after, now=after.loaded_at, settings=settings),
        entries,
    )
    if fmt == "json":
        journal_info = {
            "path": str(store.path),
            "exists": verification.exists,
            "verified": verification.ok,
        }
        document = compare.to_json(
            result, old_name=str(old), new_name=str(new), journal=journal_info
        )
        click.echo(json.dumps(document, indent=2))
    else:
        shown = str(store.path) if verification.exists else f"{store.path}, none yet"
        click.echo(
            compare.render_text(result, old_name=str(old), new_name=str(new), journal_name=shown),
            nl=False,
        )
    if not verification.ok:  # entries past a damaged record are missing: say so
        click.echo(f"iamtui: warning: {printable(verification.message())}", err=True)
