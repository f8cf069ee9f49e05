"""The fleet flags ``scan`` and ``snapshot save`` share (``--org``, ``--profiles``...) and the run.

A fleet is every account one run covers: an AWS Organization's (``--org``), or one per named
profile (``--profiles a,b,c``). See :mod:`iamtui.core.fleet`.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from iamtui.cli.common import UserError

if TYPE_CHECKING:
    from iamtui.core.fleet import (
        Fleet,
        FleetAccount,
        FleetOptions,
        FleetProgress,
        OnAccount,
    )
    from iamtui.core.model import AccountSnapshot
    from iamtui.core.session import ConnectionSettings
    from iamtui.core.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
#: ``--role-name``'s default (core.fleet.DEFAULT_ROLE_NAME; not imported: the CLI starts fast).
DEFAULT_ROLE = "OrganizationAccountAccessRole"
#: The most accounts read at once: AWS rates are per account, but each thread holds clients.
MAX_CONCURRENCY = 64


def fleet_options(func: F) -> F:
    """--org, --role-name, --accounts, --exclude, --external-id, --session-name, --concurrency,
    --profiles."""
    return _apply(func, _fleet_options(with_org=True))


def org_options(func: F) -> F:
    """The fleet flags of ``iamtui org``: --org is what the command is, so it has none."""
    return _apply(func, _fleet_options(with_org=False))


def _apply(func: F, options: list[Callable[[Any], Any]]) -> F:
    for option in reversed(options):
        func = option(func)
    return func


def _fleet_options(*, with_org: bool) -> list[Callable[[Any], Any]]:
    """The fleet flags, --org first when the command has it (then the help says which flags
    need it)."""

    def org_only(text: str, flags: str = "--org") -> str:
        return f"With {flags}: {text}" if with_org else text[:1].upper() + text[1:]

    options = [
        click.option(
            "--org",
            "org",
            is_flag=True,
            help="Every account of the AWS Organization (run as the management account or a "
            "delegated administrator): a role is assumed in each.",
        ),
        click.option(
            "--role-name",
            default=DEFAULT_ROLE,
            show_default=True,
            help=org_only("the role to assume in each account."),
        ),
        click.option(
            "--accounts",
            "accounts",
            multiple=True,
            metavar="IDS",
            help=org_only("only these accounts (ids or names, shell globs, comma lists)."),
        ),
        click.option(
            "--exclude",
            "exclude",
            multiple=True,
            metavar="IDS",
            help=org_only("leave these accounts out (ids or names, shell globs)."),
        ),
        click.option("--external-id", help=org_only("the ExternalId the roles' trust requires.")),
        click.option(
            "--session-name",
            help=org_only("the role session name CloudTrail shows (default iamtui-<you>)."),
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(1, MAX_CONCURRENCY),
            default=8,
            show_default=True,
            help=org_only("accounts read at once.", "--org or --profiles"),
        ),
        click.option(
            "--profiles",
            "profiles",
            multiple=True,
            metavar="A,B,C",
            help="Scan each named profile's account (no Organizations access needed).",
        ),
    ]
    return options if with_org else options[1:]


@dataclass(frozen=True)
class FleetRequest:
    """What the fleet flags asked for."""

    options: FleetOptions
    profiles: tuple[str, ...] = ()


def fleet_request(flags: dict[str, Any]) -> FleetRequest | None:
    """The fleet the flags ask for, or None for a single-account run (fleet-only flags then
    are an error, never ignored)."""
    from iamtui.core.fleet import FleetOptions, external_id_problem, split_list

    profiles = split_list(flags.get("profiles") or ())
    org = bool(flags.get("org"))
    include = split_list(flags.get("accounts") or ())
    exclude = split_list(flags.get("exclude") or ())
    if org and profiles:
        raise UserError("--org and --profiles are alternatives: pass one")
    if not org:
        # Filters and the role belong to the organization; a profile names its account itself.
        given = [
            flag
            for flag, value in (
                ("--accounts", include),
                ("--exclude", exclude),
                ("--external-id", flags.get("external_id")),
                ("--session-name", flags.get("session_name")),
                ("--role-name", flags.get("role_name") not in (None, DEFAULT_ROLE)),
            )
            if value
        ]
        if given and profiles:
            raise UserError(
                f"{' '.join(given)}: for an organization's accounts, not --profiles "
                "(each profile names its own account): drop one or the other"
            )
        if given:
            raise UserError(f"{' '.join(given)} needs --org")
        if not profiles:
            return None
    external_id = flags.get("external_id") or None
    if external_id is not None and (problem := external_id_problem(external_id)):
        raise UserError(problem)
    options = FleetOptions(
        role_name=str(flags.get("role_name") or DEFAULT_ROLE),
        external_id=external_id,
        session_name=flags.get("session_name") or None,
        concurrency=int(flags.get("concurrency") or 8),
        include=include,
        exclude=exclude,
    )
    return FleetRequest(options, profiles)


def progress_line() -> Callable[[FleetProgress], None] | None:
    """Accounts done / failed / running on one rewritten stderr line, on a terminal only."""
    if not sys.stderr.isatty():
        return None

    def show(update: FleetProgress) -> None:
        from iamtui.core.text import printable

        click.echo(
            f"\r\x1b[KAccounts: {update.done} done, {update.failed} failed, "
            f"{update.running} running of {update.total} ({printable(update.account)} "
            f"{update.state})",
            err=True,
            nl=False,
        )

    return show


def run_fleet(
    request: FleetRequest,
    settings: ConnectionSettings,
    use_demo: bool,
    rules_settings: Settings | None,
    on_account: OnAccount | None = None,
) -> Fleet:
    """List and read the fleet (the demo organization with ``use_demo``); Ctrl-C stops every
    account at its next request and ends the command."""
    from iamtui.core.loader import Cancelled, CancelToken
    from iamtui.core.org_session import OrgSession

    if use_demo and request.profiles:
        raise UserError("--demo covers --org only: the demo has no named profiles")
    starter = None
    if use_demo:
        from iamtui.emulator.demo_org import start_demo_organization

        starter = start_demo_organization
    org = OrgSession(
        settings,
        request.options,
        profiles=request.profiles,
        rules_settings=rules_settings,
        demo_starter=starter,
    )
    progress = progress_line()
    try:
        fleet = org.scan(progress=progress, on_account=on_account, cancel=CancelToken())
        if progress is not None:
            click.echo("\r\x1b[K", err=True, nl=False)
        return fleet
    except KeyboardInterrupt:
        # The scan stopped every account at its next request before this arrives.
        raise Cancelled() from None
    finally:
        org.close()


def describe(account: FleetAccount) -> str:
    """``name (id)``, safe to print."""
    from iamtui.core.text import printable

    return printable(f"{account.name} ({account.account_id})")


#: The index ``snapshot save --org DIR`` writes beside the accounts' snapshot files.
INDEX_NAME = "index.json"
INDEX_FORMAT = "iamtui.fleet-index"
INDEX_VERSION = 1


def save_fleet(
    request: FleetRequest,
    settings: ConnectionSettings,
    use_demo: bool,
    directory: Path,
    force: bool,
) -> Fleet:
    """One snapshot file per account (``<id>.json``, 0600) and ``index.json`` in ``directory``
    (created 0700); each file is written as its account finishes, so memory stays flat."""
    import json

    from iamtui.core import snapshot as snapshot_io
    from iamtui.core.files import write_private
    from iamtui.core.fleet import FleetProblem
    from iamtui.core.loader import Cancelled
    from iamtui.core.text import printable

    if directory.exists() and not directory.is_dir():
        raise UserError(f"{directory} is not a directory: --org saves one file per account")
    index = directory / INDEX_NAME
    if not force and (index.exists() or index.is_symlink()):
        raise UserError(f"{index} exists: pass --force to overwrite, or choose another directory")
    created = not directory.exists()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    written: dict[str, str] = {}
    index_lock = threading.Lock()

    def save(account: FleetAccount, snapshot: AccountSnapshot) -> None:
        name = f"{snapshot.account_id}.json"
        snapshot_io.save(snapshot, directory / name)
        written[account.account_id] = name
        with index_lock:  # one writer at a time: the index is read, changed and rewritten
            try:  # the TUI's "progress since the last save" (P) on this account starts here
                snapshot_io.remember_saved(snapshot, directory / name)
            except OSError as exc:
                click.echo(f"iamtui: warning: could not record the save for P: {exc}", err=True)

    try:
        fleet = run_fleet(request, settings, use_demo, None, on_account=save)
    except (UserError, FleetProblem):
        if created and not any(directory.iterdir()):
            directory.rmdir()  # a usage error leaves nothing behind
        raise
    except Cancelled:
        if created and not any(directory.iterdir()):
            directory.rmdir()
        elif written:
            click.echo(
                printable(
                    f"iamtui: {len(written)} account file(s) written to {directory}, no "
                    f"{INDEX_NAME}: this save is incomplete"
                ),
                err=True,
            )
        raise
    listing = fleet.listing
    document = {
        "format": INDEX_FORMAT,
        "version": INDEX_VERSION,
        "organization": (
            {"id": listing.organization_id, "management_account_id": listing.management_account_id}
            if listing.organization_id
            else None
        ),
        "caller_arn": listing.caller.arn if listing.caller else None,
        "accounts": [
            {
                "id": a.account_id,
                "name": a.name,
                "ou": a.ou,
                "file": written.get(a.account_id),
                "why": None if a.unreachable is None else str(a.unreachable),
                "role_chain": list(a.role_chain),
            }
            for a in fleet.accounts
        ],
        "skipped": [{"id": s.account_id, "name": s.name, "why": s.why} for s in listing.skipped],
    }
    write_private(index, json.dumps(document, indent=2) + "\n")
    return fleet
