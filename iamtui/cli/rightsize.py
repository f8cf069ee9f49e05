"""``iamtui rightsize NAME | --all``: drop from users' and roles' policies what they have not
used, headless, through the same plan, confirmation, executor and journal as the TUI.

It loads the account, then the last-accessed data of the principals named (one job each,
bounded concurrency, progress on stderr, Ctrl-C cancels), shows each plan with its diffs and,
unless ``--dry-run`` or ``--format json``, asks before running it. ``iamtui journal undo ID``
takes it back. ``--demo`` does it all on the embedded demo account, in a fresh journal.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import click

from iamtui.cli.common import UserError, connection_from, connection_options, one_line_errors
from iamtui.cli.journal import action_errors, journal_option, run_plan
from iamtui.core.rightsize import RightsizeOptions
from iamtui.core.settings import RIGHTSIZE_WINDOW_DAYS

#: Format version of ``--format json`` (docs/cli.md describes it).
JSON_VERSION = 1


def _principals(snap: Any, name: str | None, every: bool, kind: str | None) -> list[Any]:
    """The users and roles to right-size, as the loaded data has them (NAME xor --all)."""
    if every:
        users = list(snap.users) if kind in (None, "user") else []
        roles = [
            r
            for r in snap.roles
            if kind in (None, "role") and not (r.service_linked or r.sso_reserved)
        ]
        return [*users, *roles]
    user = snap.user(name) if kind in (None, "user") else None
    role = snap.role(name) if kind in (None, "role") else None
    if user is not None and role is not None:
        raise UserError(f"{name} is both a user and a role: pass --kind user or --kind role")
    found = user or role
    if found is None:
        what = kind or "user or role"
        raise UserError(f"no {what} named {name} in account {snap.account_id}")
    return [found]


def _last_accessed(conn: Any, arns: list[str], workers: int) -> Any:
    """Every principal's last-accessed data; Ctrl-C cancels the jobs still running."""
    from iamtui.core.loader import Cancelled, CancelToken, load_last_accessed_batch

    token = CancelToken()
    interactive = sys.stderr.isatty()
    outcome: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        if interactive:
            click.echo(f"\r\x1b[Klast-accessed data {done}/{total}", err=True, nl=False)

    def run() -> None:
        try:
            outcome["result"] = load_last_accessed_batch(
                conn, arns, workers=workers, cancel=token, progress=progress
            )
        except BaseException as exc:  # handed to the main thread, which raises it
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="rightsize-last-accessed", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        token.cancel()
        worker.join()
        raise Cancelled() from None
    finally:
        if interactive:
            click.echo("\r\x1b[K", err=True, nl=False)
    if "error" in outcome:
        raise outcome["error"]
    result = outcome["result"]
    if result.cancelled:
        raise Cancelled()
    for arn, reason in sorted(result.failures.items()):
        click.echo(f"iamtui: warning: no last-accessed data for {arn}: {reason}", err=True)
    return result


@click.command("rightsize")
@click.argument("name", required=False)
@click.option("--all", "every", is_flag=True, help="Every user and role (AWS-managed roles aside).")
@click.option(
    "--kind",
    type=click.Choice(["user", "role"]),
    help="Only users or only roles (a NAME both a user and a role needs it).",
)
@connection_options
@click.option(
    "--demo",
    "use_demo",
    is_flag=True,
    help="Right-size in the embedded demo account (try reporting-etl), journaled in a fresh "
    "journal of its own; the account is gone when the command ends.",
)
@click.option("--dry-run", is_flag=True, help="Show the plan; change nothing.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json prints the proposals (documents before and after) and changes nothing.",
)
@click.option(
    "--narrow-wildcards",
    is_flag=True,
    help="Replace a wildcard (s3:Get*) by the tracked actions it matches that were used.",
)
@click.option(
    "--window",
    "window_days",
    type=click.IntRange(RightsizeOptions().min_window_days, RIGHTSIZE_WINDOW_DAYS[1]),
    help=(
        "Days without use after which a service is dropped [default: 90, or the config's "
        f"[rightsize] window_days]; at least {RightsizeOptions().min_window_days} (less is too "
        f"little evidence), at most {RIGHTSIZE_WINDOW_DAYS[1]} (what AWS keeps)."
    ),
)
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    default=4,
    show_default=True,
    help="Last-accessed jobs run at once.",
)
@click.option("--yes", "-y", is_flag=True, help="Skip the yes/no question.")
@click.option("--confirm", "phrase", help="The typed confirmation phrase, if one is asked.")
@journal_option
@click.pass_context
@one_line_errors
@action_errors
def rightsize(
    ctx: click.Context,
    name: str | None,
    every: bool,
    kind: str | None,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    use_demo: bool,
    dry_run: bool,
    fmt: str,
    narrow_wildcards: bool,
    window_days: int | None,
    workers: int,
    yes: bool,
    phrase: str | None,
    journal_path: Path | None,
) -> None:
    """Right-size user or role NAME (or --all): drop from its policies what it has not used.

    Each policy's change is shown as a diff; a managed policy only it uses gets a new default
    version, a shared or AWS-managed one a right-sized copy, an inline one is replaced. Runs
    after a yes/no question, journaled: `iamtui journal undo ID` puts everything back.
    """
    from iamtui.core.session import connect

    if every and name is not None:
        raise UserError("pass NAME or --all, not both")
    if not every and name is None:
        raise UserError("name a user or role to right-size, or pass --all")
    root = ctx.find_root().params
    where = connection_from(ctx, profile=profile, region=region, endpoint_url=endpoint_url)
    if root.get("snapshot_file") is not None:
        raise UserError("--snapshot is offline: right-sizing reads and changes the live account")
    dry_run = dry_run or bool(root.get("dry_run"))
    if root.get("read_only") and not dry_run and fmt == "text":
        raise UserError("--read-only: right-sizing changes the account; add --dry-run to preview")
    options: dict[str, Any] = {
        "name": name,
        "every": every,
        "kind": kind,
        "dry_run": dry_run,
        "fmt": fmt,
        "narrow_wildcards": narrow_wildcards,
        "window_days": window_days,
        "workers": workers,
        "yes": yes,
        "phrase": phrase,
    }
    given = journal_path or root.get("journal_path")
    if not use_demo:
        _rightsize(connect(where.settings()), journal=given, **options)
        return
    if where.endpoint_url or where.profile:
        raise UserError("--demo and --profile/--endpoint-url are alternatives: pass one")
    from iamtui.cli.tui import demo_journal_line
    from iamtui.core.journal import demo_journal_path
    from iamtui.emulator.run import start_demo

    # As `iamtui demo`: the demo account is new at every run, so its journal is too.
    journal = given or demo_journal_path()
    env = start_demo(journal=None if given else journal)
    try:
        _rightsize(connect(env.settings()), journal=journal, demo=True, **options)
    finally:
        env.stop()
    if not dry_run and fmt == "text":
        click.echo(demo_journal_line(journal, dry_run=False, pruned=given is None), err=True)


def _rightsize(
    conn: Any,
    *,
    journal: Path | None,
    demo: bool = False,
    name: str | None,
    every: bool,
    kind: str | None,
    dry_run: bool,
    fmt: str,
    narrow_wildcards: bool,
    window_days: int | None,
    workers: int,
    yes: bool,
    phrase: str | None,
) -> None:
    """Load, fetch last-accessed data, plan and (after the question) run, on one connection."""
    from iamtui.cli.loading import clear_progress, progress_to_stderr
    from iamtui.core.actions import Planner, Request
    from iamtui.core.actions.catalog.principal_rightsize import proposal_json, propose_for
    from iamtui.core.actions.guards import ActionRefused
    from iamtui.core.journal import Journal
    from iamtui.core.loader import load_account
    from iamtui.core.model import User
    from iamtui.core.plan import Skipped, combine
    from iamtui.core.text import printable

    progress = progress_to_stderr()
    snap = load_account(conn, progress=progress)
    if progress is not None:
        clear_progress()
    principals = _principals(snap, name, every, kind)
    batch = _last_accessed(conn, [p.arn for p in principals], workers)
    snap = snap.with_last_accessed(*batch.results.values())
    planner = Planner(conn, snap)
    requests = [
        Request.rightsize(
            "user" if isinstance(p, User) else "role",
            p.name,
            window_days=window_days,
            narrow_wildcards=narrow_wildcards,
        )
        for p in principals
    ]
    if fmt == "json":
        proposals: list[Any] = []
        refused: list[Any] = []
        for request in requests:
            try:
                _, proposal = propose_for(planner, request)
            except (ActionRefused, LookupError) as exc:
                refused.append({"principal": request.label.split(" ", 1)[1], "reason": str(exc)})
                continue
            proposals.append(proposal_json(proposal))
        document = {
            "version": JSON_VERSION,
            "account_id": snap.account_id,
            "proposals": proposals,
            "refused": refused,
        }
        click.echo(json.dumps(document, indent=2))
        return
    plans = []
    skipped: list[Skipped] = []
    for request in requests:
        try:
            plans.append(planner.plan(request))
        except ActionRefused as exc:
            if not every:
                raise
            skipped.append(Skipped(request.label, str(exc)))
    if not plans:
        for item in skipped:
            click.echo(printable(f"  skipped {item.target}: {item.reason}"))
        click.echo(f"nothing to right-size among {len(requests)} principals")
        return
    plan = (
        plans[0]
        if len(plans) == 1 and not skipped
        else combine(
            plans,
            built_at=planner.clock(),
            skipped=skipped,
            summary=f"principal.rightsize for {len(plans)} of {len(requests)} principals",
        )
    )
    run_plan(
        conn,
        Journal(journal),
        planner,
        plan,
        dry_run=dry_run,
        yes=yes,
        phrase=phrase,
        cancelled="right-sizing cancelled: nothing was changed",
        undo_hint=not demo,  # the demo account is gone when the command ends
    )
