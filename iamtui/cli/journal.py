"""``iamtui journal``: list, show and verify the undo journal, and undo an entry.

``list``, ``show`` and ``verify`` only read the journal file. ``undo`` talks to AWS (connection
flags; ``--endpoint-url`` reaches ``iamtui demo --serve``) and asks before it changes anything:
a yes/no question, or — when the undo has an irreversible step (deleting a key made by a
rotation) — the typed phrase. ``--yes`` skips only the yes/no question; a typed phrase is still
read from stdin or given with ``--confirm``. A question that meets the end of a stdin that is
not a terminal (cron, ``</dev/null``) is one line, exit 2.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from iamtui.cli.common import UserError, connection_options, one_line_errors, settings_from
from iamtui.core.text import printable

F = TypeVar("F", bound=Callable[..., Any])

#: Exit code of ``verify`` for a broken chain, and of ``undo`` when the undo stopped or failed.
EXIT_PROBLEM = 1


#: ``--journal``'s help where the default is the user's journal.
JOURNAL_HELP = "Journal file [default: ~/.local/state/iamtui/journal.jsonl]."


def journal_option(func: F, *, help: str = JOURNAL_HELP) -> F:
    """--journal PATH (default: the user state directory)."""
    option = click.option(
        "--journal",
        "journal_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="IAMTUI_JOURNAL",
        help=help,
    )
    return option(func)


def action_errors(func: F) -> F:
    """Refusals and journal problems become one line (exit 2), like every other known error."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from iamtui.core.actions import ActionRefused, ConfirmationMismatch
        from iamtui.core.journal import JournalError

        try:
            return func(*args, **kwargs)
        except (ActionRefused, ConfirmationMismatch, JournalError) as exc:
            ctx = click.get_current_context(silent=True)
            if ctx is not None and ctx.find_root().params.get("debug"):
                raise
            raise UserError(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def _root_flags() -> dict[str, Any]:
    """The root group's flags: `iamtui --dry-run journal undo ID` must mean what it says."""
    ctx = click.get_current_context(silent=True)
    return dict(ctx.find_root().params) if ctx is not None else {}


def _journal(path: Path | None) -> Any:
    from iamtui.core.journal import Journal

    return Journal(path or _root_flags().get("journal_path"))


@click.group("journal")
def journal() -> None:
    """The undo journal: what iamtui changed, and how to take it back."""


@journal.command("list")
@journal_option
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@one_line_errors
@action_errors
def list_entries(journal_path: Path | None, fmt: str) -> None:
    """List journal entries, oldest first, with their status."""
    store = _journal(journal_path)
    verification = store.verify()
    entries = store.entries()
    if fmt == "json":
        rows = []
        for entry in entries:
            data = entry.to_json()
            data.pop("plan", None)
            data.pop("steps", None)
            rows.append(data)
        payload = {
            "journal": str(store.path),
            "verified": verification.ok,
            "problem": verification.problem,
            "entries": rows,
        }
        click.echo(json.dumps(payload, indent=2))
    elif not entries and verification.ok:
        click.echo(f"journal {store.path} has no entries")
    elif not entries:  # damaged before its first entry: not "empty"
        click.echo(f"journal {store.path} has no readable entries")
    else:
        for line in _aligned(
            [
                (entry.id, entry.time[:19].replace("T", " "), entry.action, entry.status_line())
                for entry in entries
            ],
            [entry.summary for entry in entries],
        ):
            click.echo(line)
    if not verification.ok:
        click.echo(f"iamtui: warning: {printable(verification.message())}", err=True)


def _aligned(rows: list[tuple[str, ...]], last: list[str]) -> list[str]:
    """Rows whose columns start at the same offsets: each as wide as its widest cell.

    A status such as ``completed, undone by 20260102-...`` is far longer than ``completed``:
    fixed widths would push the summaries of those rows out of line. Cells are made printable
    before they are measured, so an escaped control character counts as what is shown.
    """
    shown = [[printable(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in shown) for i in range(len(shown[0]))] if shown else []
    return [
        "  ".join(
            [*(cell.ljust(width) for cell, width in zip(row, widths, strict=True)), printable(tail)]
        )
        for row, tail in zip(shown, last, strict=True)
    ]


@journal.command("show")
@click.argument("entry_id")
@journal_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@one_line_errors
@action_errors
def show(entry_id: str, journal_path: Path | None, fmt: str) -> None:
    """Show one entry: its plan, each step's outcome, and what cannot be undone."""
    store = _journal(journal_path)
    verification = store.verify()
    if not verification.ok:  # what follows may be incomplete or forged: say so first
        click.echo(f"iamtui: warning: {printable(verification.message())}", err=True)
    entry = store.entry(entry_id)
    if fmt == "json":  # JSON escapes every control character itself
        click.echo(json.dumps(entry.to_json(), indent=2))
        return

    def say(line: str) -> None:
        click.echo(printable(line))  # every value below comes from the journal file

    say(f"{entry.id}  {entry.summary}")
    say(f"  time     {entry.time}")
    say(f"  account  {entry.account}   caller {entry.caller}")
    if entry.role_chain:
        say(f"  through  {' then '.join(entry.role_chain)}")
    say(f"  status   {entry.status_line()}")
    if entry.undoes:
        say(f"  undoes   {entry.undoes}")
    for index, step in enumerate(entry.plan.steps):
        log = entry.log(index)
        # An undo is not itself undone: its steps carry no mark that promises otherwise.
        mark = "" if entry.undoes else "↺ " if step.reversible else "✗ "
        say(f"  {index + 1:>2}. [{log.state:<8}] {mark}{step.description}")
        say(f"        {step.call.text()}")
        if log.result is not None and not log.result.get("ok"):
            say(f"        {log.result.get('code')}: {log.result.get('message')}")
    end = entry.end or {}
    if end.get("reason"):
        say(f"  stopped: {end['reason']}")
    for note in entry.plan.notes:
        say(f"  note: {note}")
    if entry.plan.follows_up:
        say(f"  carries out follow-up {entry.plan.follows_up}")
    from iamtui.core.journal import follow_up_items, utc_now

    for item in follow_up_items(store.entries(), utc_now()):
        if item.entry.id == entry.id:
            state = item.note or item.state.value
            say(f"  follow-up {item.ref} [{state}]: {item.follow_up.text()}")


@journal.command("verify")
@journal_option
@one_line_errors
@action_errors
def verify(journal_path: Path | None) -> None:
    """Check the hash chain; exit 1 naming the first bad record (2 when there is no journal)."""
    verification = _journal(journal_path).verify()
    if verification.ok and not verification.exists:
        raise UserError(f"no journal at {verification.path}: nothing to verify")
    click.echo(printable(verification.message()), err=not verification.ok)
    if not verification.ok:
        sys.exit(EXIT_PROBLEM)


@journal.command("repair")
@journal_option
@one_line_errors
@action_errors
def repair(journal_path: Path | None) -> None:
    """Cut off a torn last record (a full disk, a crash mid-write), keeping a copy of the file.

    Only an incomplete last line is cut (a complete one lacking its newline gets it); an edited,
    dropped or reordered record is evidence and is left for you to look at. A record saying what
    was cut is appended, so the chain verifies. The repaired journal is verified before the
    original is replaced: a repair that would not verify changes nothing.
    """
    store = _journal(journal_path)
    done = store.repair()
    if done is None:
        click.echo(printable(f"{store.verify().message()}: nothing to repair"))
        return
    if done.unterminated:
        click.echo(
            printable(
                f"journal {done.path}: record {done.record} was complete but lacked its final "
                "newline: added it"
            )
        )
        click.echo(printable(f"  the original file is kept as {done.copy} (owner-only)"))
    else:
        click.echo(
            printable(f"journal {done.path}: record {done.record} was torn: {done.describe()}")
        )
        click.echo(f"  it held: {printable(done.shown())}")
        click.echo(printable(f"  the original file is kept as {done.copy} (owner-only)"))
        click.echo(f"  cut it off and appended record {done.record} saying so")
    click.echo(printable(store.verify().message()))


@journal.command("undo")
@click.argument("entry_id")
@journal_option
@connection_options
@click.option("--yes", "-y", is_flag=True, help="Skip the yes/no question (not a typed phrase).")
@click.option("--confirm", "phrase", help="The typed confirmation phrase, for scripts.")
@click.option("--dry-run", is_flag=True, help="Show the undo plan; change nothing.")
@click.option(
    "--external-id",
    help="The ExternalId the trust of the entry's role requires (an entry made through a role).",
)
@click.option(
    "--session-name",
    help="The role session name CloudTrail shows when the entry's role is assumed again "
    "(default iamtui-<you>).",
)
@one_line_errors
@action_errors
def undo(
    entry_id: str,
    journal_path: Path | None,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    yes: bool,
    phrase: str | None,
    dry_run: bool,
    external_id: str | None,
    session_name: str | None,
) -> None:
    """Revert the completed steps of entry ENTRY_ID (checked against live state first).

    An entry made in another account through a role (the TUI's Accounts pane) is undone
    there: its role chain is assumed again from these credentials (the management account's)."""
    from iamtui.core.actions import Planner, build_undo, context_snapshot, entry_to_undo
    from iamtui.core.fleet import external_id_problem
    from iamtui.core.session import connect

    if external_id is not None and (problem := external_id_problem(external_id)):
        raise UserError(problem)
    store = _journal(journal_path)
    # `iamtui --endpoint-url X journal undo ID` works too: fall back to the root's flags.
    root = _root_flags()
    if root.get("read_only"):
        raise UserError("--read-only: undo changes the account; drop --read-only to run it")
    dry_run = dry_run or bool(root.get("dry_run"))
    settings = settings_from(
        profile or root.get("profile"),
        region or root.get("region"),
        endpoint_url or root.get("endpoint_url"),
    )
    conn = connect(settings)
    planner = Planner(conn, context_snapshot(conn))
    entry, later = entry_to_undo(store, entry_id)
    if entry.account != planner.snapshot.account_id and entry.role_chain:
        conn, planner = _assume_again(entry, settings, conn, planner, external_id, session_name)
    elif entry.account == planner.snapshot.account_id and (
        external_id is not None or session_name is not None
    ):
        flag = "--external-id" if external_id is not None else "--session-name"
        raise UserError(
            f"{flag}: entry {entry.id} was made in this account ({entry.account}), no role is "
            f"assumed to undo it; drop {flag}"
        )
    plan = build_undo(planner, entry, later=later)
    run_plan(
        conn,
        store,
        planner,
        plan,
        dry_run=dry_run,
        yes=yes,
        phrase=phrase,
        question="Run this undo?",
        cancelled="undo cancelled: nothing was changed",
    )


def _assume_again(
    entry: Any,
    settings: Any,
    conn: Any,
    planner: Any,
    external_id: str | None,
    session_name: str | None,
) -> tuple[Any, Any]:
    """(connection, planner) in the entry's account, its role chain assumed again from
    ``conn``; one line on stderr names the role."""
    from iamtui.core.actions import Planner, context_snapshot
    from iamtui.core.fleet import reach_chain
    from iamtui.core.fleet import session_name as role_session_name
    from iamtui.core.rightsize import arn_partition

    reached = reach_chain(
        entry.role_chain,
        settings,
        caller_conn=conn,
        external_id=external_id,
        session=role_session_name(planner.caller.arn, session_name),
        partition=arn_partition(planner.caller.arn),
    )
    there = Planner(reached, context_snapshot(reached))
    chain = " then ".join(entry.role_chain)
    if there.snapshot.account_id != entry.account:
        raise UserError(
            f"assumed {chain}, but it acts in account {there.snapshot.account_id}, not "
            f"{entry.account} where {entry.id} was made: nothing was changed"
        )
    click.echo(printable(f"assumed {chain} to undo {entry.id}"), err=True)
    return reached, there


@journal.command("due")
@journal_option
@connection_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--all", "everything", is_flag=True, help="Pending follow-ups too, with due dates.")
@click.option("--plan", "plan_ref", metavar="ENTRY#N", help="Plan this due follow-up (previewed).")
@click.option("--dismiss", "dismiss_ref", metavar="ENTRY#N", help="Dismiss this follow-up.")
@click.option("--reason", default="", help="Why it is dismissed (kept in the journal).")
@click.option("--yes", "-y", is_flag=True, help="Skip the yes/no question (not a typed phrase).")
@click.option("--confirm", "phrase", help="The typed confirmation phrase, for scripts.")
@click.option("--dry-run", is_flag=True, help="With --plan: show the plan; change nothing.")
@one_line_errors
@action_errors
def due(
    journal_path: Path | None,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    fmt: str,
    everything: bool,
    plan_ref: str | None,
    dismiss_ref: str | None,
    reason: str,
    yes: bool,
    phrase: str | None,
    dry_run: bool,
) -> None:
    """Follow-ups that are due (deactivated 30 days ago: delete?), re-checked on the account.

    Each is re-checked with fresh read-only calls (still inactive or quarantined, not used since,
    no CloudTrail use where readable) and said ready or not ready and why. '--plan ENTRY#N'
    turns a ready one into a normal plan, previewed and confirmed like any other; nothing runs
    unattended. '--dismiss ENTRY#N' records that it will not be done.
    """
    from iamtui.core.journal import utc_now

    store = _journal(journal_path)
    now = utc_now()
    verification = store.verify()
    if not verification.ok:  # a follow-up's due date or dismissal may be forged: say so first
        click.echo(f"iamtui: warning: {printable(verification.message())}", err=True)
    if plan_ref is not None and dismiss_ref is not None:
        raise UserError("--plan and --dismiss are alternatives: pass one")
    if dismiss_ref is not None:
        item = store.follow_up(dismiss_ref, now)
        if not item.open:
            raise UserError(f"follow-up {item.ref} is {item.note}: nothing to dismiss")
        with store.writer() as writer:
            writer.dismiss(item.entry.id, item.index, reason)
        click.echo(printable(f"dismissed follow-up {item.ref}: {item.follow_up.description}"))
        return
    root = _root_flags()
    settings = settings_from(
        profile or root.get("profile"),
        region or root.get("region"),
        endpoint_url or root.get("endpoint_url"),
    )
    if plan_ref is not None:
        _plan_due(store, settings, plan_ref, now, yes=yes, phrase=phrase, dry_run=dry_run)
        return
    _list_due(store, settings, now, everything=everything, fmt=fmt)


def _list_due(store: Any, settings: Any, now: Any, *, everything: bool, fmt: str) -> None:
    """Re-check each due (or open) follow-up on the live account and say ready or why not."""
    from iamtui.core.actions.followups import due_items, recheck
    from iamtui.core.journal import FollowUpState
    from iamtui.core.session import connect

    items = due_items(store, now, everything=everything)
    # --all: the closed ones too (done, dismissed, obsolete), with what became of each.
    closed = [i for i in store.follow_ups(now) if not i.open] if everything else []
    checks = []
    if items:
        conn = connect(settings)
        checks = [recheck(conn, i, now=now, cloudtrail=i.state is FollowUpState.DUE) for i in items]
    if fmt == "json":
        payload: dict[str, Any] = {
            "journal": str(store.path),
            "now": now.isoformat(),
            "follow_ups": [c.to_json() for c in checks],
        }
        if everything:
            payload["closed"] = [
                {"ref": i.ref, "state": i.state.value, "note": i.note,
                 "description": i.follow_up.description}
                for i in closed
            ]  # fmt: skip
        click.echo(json.dumps(payload, indent=2))
        return
    if not checks and not closed:
        pending = sum(1 for i in store.follow_ups(now) if i.open)
        more = f" ({pending} pending: iamtui journal due --all)" if pending else ""
        click.echo(printable(f"no follow-ups are due in {store.path}{more}"))
        return
    for check in checks:
        item = check.item
        when = f"{item.follow_up.due_at:%Y-%m-%d %H:%M} UTC"
        click.echo(
            printable(f"{item.ref}  {item.state.value} {when}  {item.follow_up.description}")
        )
        click.echo(printable(f"    {check.verdict()}"))
        for held in check.held:
            click.echo(printable(f"      - {held}"))
        if check.ready:
            click.echo(printable(f"    plan it: iamtui journal due --plan {item.ref}"))
    for item in closed:
        click.echo(printable(f"{item.ref}  {item.note}  {item.follow_up.description}"))


def _plan_due(
    store: Any,
    settings: Any,
    ref: str,
    now: Any,
    *,
    yes: bool,
    phrase: str | None,
    dry_run: bool,
) -> None:
    """A ready follow-up as a normal plan: preview, confirmation, journaled run."""
    from iamtui.core.actions import Planner, context_snapshot
    from iamtui.core.actions.followups import plan_follow_up
    from iamtui.core.session import connect

    root = _root_flags()
    if root.get("read_only"):
        raise UserError("--read-only: a follow-up changes the account; drop --read-only")
    dry_run = dry_run or bool(root.get("dry_run"))
    conn = connect(settings)
    planner = Planner(conn, context_snapshot(conn))
    plan, _ = plan_follow_up(planner, store, ref, now=now)
    run_plan(conn, store, planner, plan, dry_run=dry_run, yes=yes, phrase=phrase)


#: Why a headless plan stopped: its question met the end of a stdin that is not a terminal.
NO_TERMINAL = "no terminal to confirm on: pass --yes (and --confirm PHRASE for irreversible steps)"


def _asked(ask: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A prompt's answer; an answer piped in is one, but stdin ending without one (cron,
    ``</dev/null``) is a usage error, not click's "Aborted!" with the findings' exit code 1."""
    try:
        return ask(*args, **kwargs)
    except click.Abort:
        if sys.stdin is not None and sys.stdin.isatty():
            raise  # Ctrl-C or Ctrl-D at the prompt: the operator's own answer
        click.echo("")  # end the question's line (the prompt went to stdout)
        raise UserError(NO_TERMINAL) from None


def run_plan(
    conn: Any,
    journal: Any,
    planner: Any,
    plan: Any,
    *,
    dry_run: bool,
    yes: bool,
    phrase: str | None,
    question: str = "Run this plan?",
    cancelled: str = "cancelled: nothing was changed",
    undo_hint: bool = False,
) -> None:
    """Preview, confirm (the typed phrase when a step is irreversible) and run a plan headless:
    the one flow ``journal undo``, ``journal due --plan`` and ``rightsize`` share."""
    from iamtui.core.actions import Executor

    for line in plan.lines():
        click.echo(printable(line))
    if dry_run:
        click.echo("dry run: nothing was changed")
        return
    needed = plan.confirmation_phrase
    if needed is not None:
        typed = phrase if phrase is not None else _asked(click.prompt, f"Type {needed} to confirm")
        confirmed = plan.confirm(typed)
    else:
        if not yes and not _asked(click.confirm, question, default=False):
            raise UserError(cancelled)
        confirmed = plan.confirm()
    report = Executor(conn, journal).run(confirmed, caller=planner.caller)
    for secret in report.secrets:
        click.echo(f"{secret.kind} for {secret.label} (shown once): {secret.reveal()}")
        secret.drop()
    click.echo(report.message(), err=not report.ok)
    if undo_hint and report.entry_id:
        click.echo(f"undo with: iamtui journal undo {report.entry_id}", err=True)
    if not report.ok:
        sys.exit(EXIT_PROBLEM)
