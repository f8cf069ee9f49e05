"""Who a fleet covers: the organization's accounts (filtered, with their OUs) or profiles."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from iamtui.core.errors import error_code, error_text
from iamtui.core.fleet.model import (
    DEFAULT_OPTIONS,
    FleetListing,
    FleetOptions,
    FleetProblem,
    Skipped,
    Target,
)
from iamtui.core.loader import DENIED_CODES, CancelToken
from iamtui.core.model import CallerIdentity
from iamtui.core.organization import NOT_IN_USE
from iamtui.core.session import Connection
from iamtui.core.text import plural, printable

#: RoleSessionName: 2-64 characters of word characters and ``+=,.@-`` (AWS STS API Reference).
SESSION_NAME_LIMIT = 64
#: ASCII only: Python's ``\w`` also matches ``é`` or ``ñ``, which STS refuses.
_SESSION_NAME_BAD = re.compile(r"[^\w+=,.@-]", re.ASCII)
#: The whole of a valid RoleSessionName (AWS STS API Reference, *AssumeRole*).
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
#: ExternalId: 2-1,224 ASCII characters of word characters and ``+=,.@:/-`` (*AssumeRole*).
EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
#: More pages than any organization has; an endpoint that keeps paging is cut off here.
MAX_PAGES = 1000
#: Deepest OU nesting AWS allows is 5 below the root; deeper answers are not followed.
MAX_OU_DEPTH = 5


# --- choosing the accounts --------------------------------------------------------------------


def matches(target: Target, patterns: Iterable[str]) -> bool:
    """Whether a pattern (id or name, shell glob; names compared case-insensitively) names it."""
    for pattern in patterns:
        if target.account_id is not None and fnmatch.fnmatchcase(target.account_id, pattern):
            return True
        if fnmatch.fnmatchcase(target.name.lower(), pattern.lower()):
            return True
    return False


def choose(
    targets: Iterable[Target], include: Sequence[str], exclude: Sequence[str]
) -> tuple[tuple[Target, ...], tuple[Skipped, ...]]:
    """The targets ``--accounts`` keeps and ``--exclude`` leaves (exclude wins)."""
    kept: list[Target] = []
    skipped: list[Skipped] = []
    for target in targets:
        if include and not matches(target, include):
            skipped.append(Skipped(target.account_id or "", target.name, "not in --accounts"))
        elif matches(target, exclude):
            skipped.append(Skipped(target.account_id or "", target.name, "--exclude"))
        else:
            kept.append(target)
    return tuple(kept), tuple(skipped)


def split_list(values: Iterable[str]) -> tuple[str, ...]:
    """Repeated flags and comma lists alike: ``--accounts a,b --accounts c`` is a, b, c."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def profile_targets(profiles: Iterable[str]) -> tuple[Target, ...]:
    """One target per named profile (operators without Organizations access)."""
    return tuple(Target(None, name, profile=name) for name in dict.fromkeys(profiles))


def session_name(caller_arn: str | None, override: str | None = None) -> str:
    """``iamtui-<caller name>``, cut to STS's 64 characters of ``[\\w+=,.@-]``: CloudTrail in
    each account then says iamtui did it, and for whom."""
    if override:
        name = override
    else:
        who = (caller_arn or "").rsplit("/", 1)[-1].rsplit(":", 1)[-1] or "session"
        name = f"iamtui-{who}"
    name = _SESSION_NAME_BAD.sub("-", name)[:SESSION_NAME_LIMIT]
    return name if len(name) >= 2 else "iamtui"


def external_id_problem(value: str) -> str | None:
    """Why STS would refuse this ExternalId (None: it would not): caught before any call."""
    if EXTERNAL_ID.fullmatch(value):
        return None
    if not 2 <= len(value) <= 1224:
        return f"--external-id must be 2-1,224 characters, not {len(value):,}"
    bad = sorted({c for c in value if not EXTERNAL_ID.fullmatch(c * 2)})
    shown = " ".join(repr(c) for c in bad[:5])
    return f"--external-id may hold only ASCII letters, digits and _+=,.@:/- (not {shown})"


def role_arn(account_id: str, role_name: str, partition: str = "aws") -> str:
    """The role to assume in one account."""
    return f"arn:{partition}:iam::{account_id}:role/{role_name.strip('/')}"


def _pages(client: Any, operation: str, key: str, cancel: CancelToken, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    for number, page in enumerate(client.get_paginator(operation).paginate(**kwargs), 1):
        cancel.check()
        if number > MAX_PAGES:
            raise FleetProblem(f"{operation} sent more than {MAX_PAGES} pages: gave up")
        items.extend(page.get(key, ()))
    return items


def _units(client: Any, cancel: CancelToken) -> dict[str, str]:
    """Account id -> OU path, walking the tree from the root (2 requests per root or OU)."""
    paths: dict[str, str] = {}
    roots = _pages(client, "list_roots", "Roots", cancel)
    queue: list[tuple[str, str, int]] = [(str(r["Id"]), "", 0) for r in roots]
    while queue:
        parent, path, depth = queue.pop(0)
        for account in _pages(
            client, "list_accounts_for_parent", "Accounts", cancel, ParentId=parent
        ):
            paths[str(account["Id"])] = path
        if depth >= MAX_OU_DEPTH:
            continue
        units = _pages(
            client,
            "list_organizational_units_for_parent",
            "OrganizationalUnits",
            cancel,
            ParentId=parent,
        )
        for unit in units:
            name = str(unit.get("Name") or unit["Id"])
            queue.append((str(unit["Id"]), f"{path}/{name}" if path else name, depth + 1))
    return paths


def list_organization(
    conn: Connection, options: FleetOptions = DEFAULT_OPTIONS, cancel: CancelToken | None = None
) -> FleetListing:
    """The organization's ACTIVE accounts (filtered), each with its OU path.

    Raises :class:`FleetProblem` when the caller is in no organization or may not list its
    accounts (only the management account or a delegated administrator may). The OU walk is
    best effort: when it is denied, OUs are unknown and ``note`` says why.
    """
    cancel = cancel or CancelToken()
    before = conn.counter.snapshot()
    try:
        ident = conn.sts.get_caller_identity()
        caller = CallerIdentity(ident["Account"], ident["Arn"], ident["UserId"], conn.access_key_id)
        org = conn.organizations.describe_organization()["Organization"]
        raw_accounts = _pages(conn.organizations, "list_accounts", "Accounts", cancel)
    except ClientError as exc:
        code = error_code(exc)
        if code == NOT_IN_USE:
            raise FleetProblem(
                "this account is in no AWS Organization: use --profile/--profiles instead of --org"
            ) from exc
        if code in DENIED_CODES:
            raise FleetProblem(
                f"{error_text(exc)}: --org needs the management account or a delegated "
                "administrator with organizations:ListAccounts"
            ) from exc
        raise FleetProblem(f"cannot list the organization's accounts: {error_text(exc)}") from exc
    except (BotoCoreError, ResponseParserError) as exc:
        raise FleetProblem(f"cannot list the organization's accounts: {error_text(exc)}") from exc
    note = ""
    try:
        paths: dict[str, str] | None = _units(conn.organizations, cancel)
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        paths, note = None, f"OUs unknown: {error_text(exc)}"
    targets: list[Target] = []
    skipped: list[Skipped] = []
    for raw in sorted(raw_accounts, key=lambda a: str(a.get("Id"))):
        account_id, name = str(raw["Id"]), str(raw.get("Name") or raw["Id"])
        state = raw.get("State") or raw.get("Status") or "ACTIVE"
        if state != "ACTIVE":
            skipped.append(Skipped(account_id, name, f"{state} in AWS Organizations"))
            continue
        ou = paths.get(account_id) if paths is not None else None
        targets.append(Target(account_id, name, ou, direct=account_id == caller.account))
    kept, filtered = choose(targets, options.include, options.exclude)
    features = organization_features(conn)
    return FleetListing(
        targets=kept,
        caller=caller,
        organization_id=str(org.get("Id") or "") or None,
        management_account_id=str(org.get("MasterAccountId") or "") or None,
        skipped=(*skipped, *filtered),
        note=note,
        root_features=features,
        requests=conn.counter.snapshot() - before,
    )


def organization_features(conn: Connection) -> tuple[str, ...] | None:
    """The organization's centralized root access features, read once (None: not readable)."""
    try:
        raw = conn.iam.list_organizations_features()
    except (ClientError, BotoCoreError, ResponseParserError):
        return None
    return tuple(sorted(raw.get("EnabledFeatures", ())))


def empty_selection(listing: FleetListing, options: FleetOptions) -> str | None:
    """Why filters that keep no account are refused (a scan of nothing is no all-clear)."""
    if listing.targets or not (options.include or options.exclude):
        return None
    given = "; ".join(
        f"{flag} {','.join(patterns)}"
        for flag, patterns in (("--accounts", options.include), ("--exclude", options.exclude))
        if patterns
    )
    listed = sum(1 for s in listing.skipped if s.why in ("not in --accounts", "--exclude"))
    return printable(
        f"no account matches --accounts/--exclude: {given} left out all "
        f"{plural(listed, 'active account')} of the organization"
    )
