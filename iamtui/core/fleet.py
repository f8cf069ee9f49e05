"""A fleet: every account one run covers, loaded and evaluated side by side.

The accounts come from AWS Organizations (run as the management account or a delegated
administrator: :func:`list_organization`) or from named profiles, one account each
(:func:`profile_targets`). Each account is read with the same few requests as a single-account
load (:func:`~iamtui.core.loader.load_account`), through a role assumed in it
(``OrganizationAccountAccessRole`` by default; the caller's own account is read directly),
and evaluated with the same rules. Accounts run with bounded concurrency; an account that
throttles is backed off and tried again; one that cannot be reached is recorded with why, and
the others carry on. What is kept per account is compact: its evaluation, a few figures
(:class:`AccountFacts`) and the snapshot stripped of principal data (:func:`compact`); the full
snapshot goes to ``on_account`` (``iamtui snapshot save --org`` writes it to disk) and is
dropped, so memory does not grow with the accounts' size.

AWS pages followed: "AssumeRole" (AWS STS API Reference,
<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>: RoleSessionName
2-64 characters of ``[\\w+=,.@-]``, ExternalId), "Accessing member accounts in your
organization" (AWS Organizations User Guide: ``OrganizationAccountAccessRole``,
<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html>),
"ListAccounts", "ListRoots", "ListOrganizationalUnitsForParent" and "ListAccountsForParent"
(AWS Organizations API Reference).
"""

from __future__ import annotations

import fnmatch
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from iamtui.core.errors import error_code, error_text
from iamtui.core.findings import Evaluation
from iamtui.core.loader import (
    DENIED_CODES,
    THROTTLE_CODES,
    Cancelled,
    CancelToken,
    load_account,
    utcnow,
)
from iamtui.core.model import AccountSnapshot, CallerIdentity, CredentialReport
from iamtui.core.organization import NOT_IN_USE
from iamtui.core.rules import evaluate
from iamtui.core.secrets import SEEN
from iamtui.core.session import Connection, ConnectionProblem, ConnectionSettings, connect
from iamtui.core.settings import Settings

#: The role AWS Organizations creates in every account it creates.
DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
DEFAULT_CONCURRENCY = 8
#: The calls listing a fleet sends from the caller's account (the read-only policy lists them).
LISTING_ACTIONS = (
    "sts:GetCallerIdentity",
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListRoots",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListAccountsForParent",
    "iam:ListOrganizationsFeatures",
)
#: What reaching one account costs the caller: the role in it (the rest runs as that role).
REACH_ACTIONS = ("sts:AssumeRole",)
#: RoleSessionName: 2-64 characters of word characters and ``+=,.@-`` (AWS STS API Reference).
SESSION_NAME_LIMIT = 64
_SESSION_NAME_BAD = re.compile(r"[^\w+=,.@-]")
#: More pages than any organization has; an endpoint that keeps paging is cut off here.
MAX_PAGES = 1000
#: Deepest OU nesting AWS allows is 5 below the root; deeper answers are not followed.
MAX_OU_DEPTH = 5


log = logging.getLogger(__name__)


class Reason(StrEnum):
    """Why an account could not be read: the first word of "not reachable: why"."""

    ACCESS_DENIED = "access denied"
    THROTTLED = "throttled"
    TIMEOUT = "timeout"
    CREDENTIALS = "credentials refused"
    NETWORK = "endpoint unreachable"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Unreachable:
    """Why one account of the fleet was not read; the rest of the fleet is not affected."""

    reason: Reason
    detail: str

    def __str__(self) -> str:
        return f"not reachable: {self.reason}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Target:
    """One account to read: from Organizations (id known) or a profile (id known once read)."""

    account_id: str | None
    name: str
    #: The OU path under the root (``Workloads/Prod``); "" directly under the root; None unknown.
    ou: str | None = None
    #: The named profile that reaches it (``--profile``); None: through the assumed role.
    profile: str | None = None
    #: The caller's own account: read with the caller's credentials, no role assumed.
    direct: bool = False

    @property
    def label(self) -> str:
        """``name (id)`` for messages."""
        return f"{self.name} ({self.account_id})" if self.account_id else self.name


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """The figures an account row shows, taken before the snapshot is compacted."""

    users: int
    roles: int
    #: Root MFA on (GetAccountSummary); None when the summary did not load.
    root_mfa: bool | None
    #: Root holds access keys; None when the summary did not load.
    root_keys: bool | None
    #: Creation time of the oldest active user access key (credential report); None: none.
    oldest_active_key: datetime | None
    #: When the credential report was generated: the account's data is at least this old.
    report_generated_at: datetime | None
    requests: int


@dataclass(frozen=True, slots=True)
class FleetAccount:
    """One account's outcome: evaluated (``evaluation`` set) or not reachable (``unreachable``)."""

    target: Target
    account_id: str
    name: str
    ou: str | None
    evaluation: Evaluation | None = None
    #: The snapshot without principal data (:func:`compact`): completeness, age, parts missing.
    snapshot: AccountSnapshot | None = None
    facts: AccountFacts | None = None
    unreachable: Unreachable | None = None
    attempts: int = 1
    #: The role ARNs assumed to reach it, in order (empty: the caller's own or a profile's).
    role_chain: tuple[str, ...] = ()

    @property
    def reachable(self) -> bool:
        """Loaded and evaluated."""
        return self.unreachable is None and self.evaluation is not None


@dataclass(frozen=True, slots=True)
class Skipped:
    """An account the fleet leaves out on purpose (filtered, or not ACTIVE in Organizations)."""

    account_id: str
    name: str
    why: str


@dataclass(frozen=True, slots=True)
class FleetListing:
    """Who the fleet covers, before any account is read."""

    targets: tuple[Target, ...]
    caller: CallerIdentity | None = None
    organization_id: str | None = None
    management_account_id: str | None = None
    skipped: tuple[Skipped, ...] = ()
    #: Why the OUs are unknown ("" when the tree was read).
    note: str = ""
    #: The organization's centralized root access features (None: the caller may not read them).
    root_features: tuple[str, ...] | None = None
    #: Requests the listing sent (the caller's account).
    requests: int = 0


@dataclass(frozen=True, slots=True)
class Fleet:
    """The whole run: every account's outcome, in the listing's order."""

    listing: FleetListing
    accounts: tuple[FleetAccount, ...]
    #: Every request sent: listing, AssumeRole calls and each account's load.
    requests: int
    started_at: datetime
    finished_at: datetime

    @property
    def reachable(self) -> tuple[FleetAccount, ...]:
        """Accounts read and evaluated."""
        return tuple(a for a in self.accounts if a.reachable)

    @property
    def unreachable(self) -> tuple[FleetAccount, ...]:
        """Accounts that could not be read (their findings are unknown)."""
        return tuple(a for a in self.accounts if not a.reachable)


@dataclass(frozen=True, slots=True)
class FleetProgress:
    """Counts for a progress view: accounts done, failed and running, of ``total``."""

    total: int
    done: int
    failed: int
    running: int
    #: The account whose state just changed, and that state ("running", "done", "failed",
    #: "waiting": backing off after throttling).
    account: str = ""
    state: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FleetOptions:
    """How to reach and pace the accounts (the CLI flags)."""

    role_name: str = DEFAULT_ROLE_NAME
    external_id: str | None = None
    #: RoleSessionName; None: ``iamtui-<caller name>`` (:func:`session_name`).
    session_name: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    #: ``--accounts``: ids or names, shell globs; empty means every account.
    include: tuple[str, ...] = ()
    #: ``--exclude``: ids or names, shell globs.
    exclude: tuple[str, ...] = ()
    #: Sends per call inside one account's load (botocore's adaptive retries): few, because
    #: the fleet backs the whole account off instead of one call waiting a minute.
    call_attempts: int = 3
    #: Loads of one account before it is reported throttled.
    account_attempts: int = 3
    #: Seconds before the second try of a throttled account; doubles each try, with jitter.
    backoff: float = 2.0
    #: Seconds one account may take (all tries) before it is reported as timed out.
    account_timeout: float = 600.0


FleetProgressCallback = Callable[[FleetProgress], None]
#: Called with each account's full snapshot before it is compacted (e.g. to save it to disk).
OnAccount = Callable[[FleetAccount, AccountSnapshot], None]


class FleetProblem(ConnectionProblem):
    """The fleet cannot be listed (not in an organization, not allowed): one line, exit 2."""


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
    conn: Connection, options: FleetOptions = FleetOptions(), cancel: CancelToken | None = None
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


# --- reading one account ----------------------------------------------------------------------


class Throttled(Cancelled):
    """One account's load gave up on throttling: back the account off and try it again."""


class TimedOut(Cancelled):
    """One account took longer than ``account_timeout``."""


class _ThrottleMeter:
    """Sees each call's last answer (botocore's ``needs-retry``): a throttle on the last send."""

    def __init__(self, max_attempts: int) -> None:
        self.max_attempts = max_attempts
        self.exhausted = False

    def __call__(self, response: Any = None, attempts: int = 0, **_: Any) -> None:
        if response is None or attempts < self.max_attempts:
            return
        code = (response[1] or {}).get("Error", {}).get("Code")
        if code in THROTTLE_CODES:
            self.exhausted = True


class _AccountToken(CancelToken):
    """The run's cancel token, plus this account's throttling and deadline."""

    def __init__(self, parent: CancelToken, meter: _ThrottleMeter, deadline: float) -> None:
        super().__init__()
        self.parent = parent
        self.meter = meter
        self.deadline = deadline

    @property
    def cancelled(self) -> bool:
        """The run was cancelled."""
        return self.parent.cancelled

    def check(self) -> None:
        """Raise Cancelled (the run), Throttled or TimedOut (this account)."""
        self.parent.check()
        if self.meter.exhausted:
            raise Throttled()
        if time.monotonic() > self.deadline:
            raise TimedOut()

    def wait(self, seconds: float) -> None:
        """Sleep, waking for the run's cancel; never past the deadline."""
        self.parent.wait(max(0.0, min(seconds, self.deadline - time.monotonic())))
        if time.monotonic() > self.deadline:
            raise TimedOut()


def _watch(conn: Connection, meter: _ThrottleMeter) -> None:
    for client in (conn.iam, conn.sts, conn.organizations, conn.accessanalyzer, conn.account):
        if client is not None:
            name = client.meta.service_model.service_id.hyphenize()
            client.meta.events.register(f"needs-retry.{name}", meter)


def compact(snapshot: AccountSnapshot) -> AccountSnapshot:
    """The snapshot without principal data: what completeness, data age and the account row
    read (parts missing, warnings, caller, alias, report time), not users, roles or policies."""
    report = snapshot.credential_report
    return replace(
        snapshot,
        users=(),
        groups=(),
        roles=(),
        policies=(),
        credential_report=CredentialReport(report.generated_at, ()) if report else None,
        virtual_mfa_devices=(),
        service_credentials=() if snapshot.service_credentials is not None else None,
        server_certificates=() if snapshot.server_certificates is not None else None,
        instance_profiles=() if snapshot.instance_profiles is not None else None,
        identity_providers=() if snapshot.identity_providers is not None else None,
        last_accessed={},
        details={},
    )


def facts_of(snapshot: AccountSnapshot) -> AccountFacts:
    """The account row's figures from the full snapshot."""
    report = snapshot.credential_report
    oldest: datetime | None = None
    if report is not None:
        for row in report.rows:
            for key in row.keys:
                rotated = key.last_rotated
                if key.active and isinstance(rotated, datetime):
                    oldest = rotated if oldest is None or rotated < oldest else oldest
    summary = snapshot.summary
    return AccountFacts(
        users=len(snapshot.users),
        roles=len(snapshot.roles),
        root_mfa=summary.mfa_enabled if summary is not None else None,
        root_keys=summary.access_keys_present if summary is not None else None,
        oldest_active_key=oldest,
        report_generated_at=report.generated_at if report is not None else None,
        requests=snapshot.request_count,
    )


def _classify(exc: BaseException, target: Target, options: FleetOptions) -> Unreachable:
    """An exception that ended an account, as "not reachable: why"."""
    cause = exc.__cause__ or exc
    if isinstance(exc, TimedOut) or isinstance(cause, ReadTimeoutError | ConnectTimeoutError):
        return Unreachable(Reason.TIMEOUT, f"no answer within {options.account_timeout:g} s")
    if isinstance(exc, Throttled) or error_code(exc) in THROTTLE_CODES:
        return Unreachable(
            Reason.THROTTLED,
            f"AWS kept throttling its calls after {options.account_attempts} tries",
        )
    if isinstance(cause, EndpointConnectionError):
        return Unreachable(Reason.NETWORK, str(exc))
    if isinstance(exc, ConnectionProblem):
        return Unreachable(Reason.CREDENTIALS, str(exc))
    return Unreachable(Reason.FAILED, error_text(exc))


@dataclass
class _Run:
    """Shared state of one fleet run (threads update the counts under the lock)."""

    total: int
    progress: FleetProgressCallback | None
    done: int = 0
    failed: int = 0
    running: int = 0
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, requests: int) -> None:
        with self.lock:
            self.requests += requests

    def tell(self, account: str, state: str, detail: str = "") -> None:
        with self.lock:
            if state == "running":
                self.running += 1
            elif state in ("done", "failed"):
                self.running -= 1
                self.done += state == "done"
                self.failed += state == "failed"
            update = FleetProgress(
                self.total, self.done, self.failed, self.running, account, state, detail
            )
        if self.progress is not None:
            self.progress(update)


@dataclass(frozen=True)
class _Scan:
    """What every account's read shares."""

    caller_conn: Connection | None
    settings: ConnectionSettings
    options: FleetOptions
    session: str
    rules_settings: Settings | None
    clock: Callable[[], datetime]
    cancel: CancelToken
    on_account: OnAccount | None
    #: The organization's root features, read once from the caller's account.
    root_features: tuple[str, ...] | None
    run: _Run


def reach(
    target: Target,
    settings: ConnectionSettings,
    *,
    caller_conn: Connection | None,
    options: FleetOptions = FleetOptions(),
    session: str | None = None,
    max_attempts: int | None = None,
) -> tuple[Connection, tuple[str, ...]]:
    """A connection acting in ``target`` and the role ARNs assumed to get it: the caller's own
    account (its settings), a profile, or the role ``options.role_name`` assumed by
    ``caller_conn`` (ClientError when STS refuses). The TUI's ``enter`` on an account uses it.
    """
    attempts = max_attempts if max_attempts is not None else options.call_attempts
    if target.profile is not None:
        own = replace(settings, profile=target.profile, static_credentials=None)
        return connect(own, max_attempts=attempts), ()
    if target.direct or caller_conn is None:
        return connect(settings, max_attempts=attempts), ()
    assert target.account_id is not None
    arn = role_arn(target.account_id, options.role_name)
    name = session or session_name(None, options.session_name)
    kwargs: dict[str, Any] = {"RoleArn": arn, "RoleSessionName": name}
    if options.external_id:
        kwargs["ExternalId"] = options.external_id
    answer = caller_conn.sts.assume_role(**kwargs)
    credentials = answer["Credentials"]
    SEEN.add(str(credentials["SecretAccessKey"]))
    SEEN.add(str(credentials["SessionToken"]))
    region = str(caller_conn.iam.meta.region_name or "") or None
    assumed = replace(settings, static_credentials=None, region=settings.region or region)
    conn = connect(
        assumed,
        max_attempts=attempts,
        credentials={
            "aws_access_key_id": str(credentials["AccessKeyId"]),
            "aws_secret_access_key": str(credentials["SecretAccessKey"]),
            "aws_session_token": str(credentials["SessionToken"]),
        },
    )
    conn.role_chain = (arn,)
    return conn, conn.role_chain


def _assume(
    scan: _Scan, target: Target, meter: _ThrottleMeter
) -> tuple[Connection, tuple[str, ...]]:
    """:func:`reach`, with this account's throttle meter watching its clients."""
    conn, chain = reach(
        target,
        scan.settings,
        caller_conn=scan.caller_conn,
        options=scan.options,
        session=scan.session,
    )
    _watch(conn, meter)
    return conn, chain


def _with_org_features(
    snapshot: AccountSnapshot, features: tuple[str, ...] | None
) -> AccountSnapshot:
    """A member may not read its organization's centralized root access; the caller read it."""
    org = snapshot.organization
    if features is None or org is None or org.root_features is not None:
        return snapshot
    note = "; ".join(
        n for n in (org.note, "centralized root access read from the caller's account") if n
    )
    return replace(snapshot, organization=replace(org, root_features=features, note=note))


def _read(scan: _Scan, target: Target) -> FleetAccount:
    """One account, whatever happens to it: a failure of any kind (a bug, a full disk in
    ``on_account``) is this account's "failed", never the end of the fleet's scan."""
    try:
        return _read_account(scan, target)
    except Exception as exc:
        log.warning("fleet: %s failed", target.label, exc_info=True)
        why = Unreachable(Reason.FAILED, f"{type(exc).__name__}: {exc}")
        return _failed(scan.run, target, why, 1, ())


def _read_account(scan: _Scan, target: Target) -> FleetAccount:
    """One account: assume, load, evaluate, compact; throttling backs off and tries again."""
    options, run = scan.options, scan.run
    deadline = time.monotonic() + options.account_timeout
    account_id, name = target.account_id or "", target.name
    run.tell(target.label, "running")
    attempt = 0
    chain: tuple[str, ...] = ()
    while True:
        attempt += 1
        meter = _ThrottleMeter(options.call_attempts)
        token = _AccountToken(scan.cancel, meter, deadline)
        conn: Connection | None = None
        try:
            token.check()
            conn, chain = _assume(scan, target, meter)
            snapshot = load_account(conn, clock=scan.clock, cancel=token)
            run.add(conn.counter.snapshot())
            conn = None
            if any(u.code in THROTTLE_CODES for u in snapshot.unavailable) or meter.exhausted:
                raise Throttled()
        except Throttled as exc:
            if conn is not None:
                run.add(conn.counter.snapshot())
            if attempt >= options.account_attempts:
                return _failed(run, target, _classify(exc, target, options), attempt, chain)
            delay = options.backoff * 2 ** (attempt - 1) * (0.5 + random.random() / 2)
            run.tell(target.label, "waiting", f"throttled: trying again in {delay:.1f} s")
            try:
                token.wait(delay)
            except Cancelled as stop:
                return _failed(run, target, _stopped(stop, options), attempt, chain)
            continue
        except TimedOut as exc:
            _count(run, target, conn)
            return _failed(run, target, _classify(exc, target, options), attempt, chain)
        except Cancelled as exc:
            _count(run, target, conn)
            return _failed(run, target, _stopped(exc, options), attempt, chain)
        except ClientError as exc:
            _count(run, target, conn)
            if error_code(exc) in THROTTLE_CODES and attempt < options.account_attempts:
                token_wait = options.backoff * 2 ** (attempt - 1)
                run.tell(target.label, "waiting", f"throttled: trying again in {token_wait:.1f} s")
                try:
                    token.wait(token_wait)
                except Cancelled as stop:
                    return _failed(run, target, _stopped(stop, options), attempt, chain)
                continue
            why = _classify(exc, target, options)
            if (
                error_code(exc) in DENIED_CODES
                and getattr(exc, "operation_name", "") == "AssumeRole"
            ):
                why = Unreachable(
                    Reason.ACCESS_DENIED,
                    f"cannot assume {options.role_name}: the role is missing or its trust "
                    f"policy does not allow this caller ({error_text(exc)})",
                )
            elif error_code(exc) in DENIED_CODES:
                why = Unreachable(Reason.ACCESS_DENIED, error_text(exc))
            return _failed(run, target, why, attempt, chain)
        except (ConnectionProblem, BotoCoreError, ResponseParserError) as exc:
            _count(run, target, conn)
            return _failed(run, target, _classify(exc, target, options), attempt, chain)
        break
    snapshot = _with_org_features(snapshot, scan.root_features)
    evaluation = evaluate(snapshot, now=scan.clock(), settings=scan.rules_settings)
    account_id = snapshot.account_id or account_id
    result = FleetAccount(
        target=target,
        account_id=account_id,
        name=name,
        ou=target.ou,
        evaluation=evaluation,
        snapshot=compact(snapshot),
        facts=facts_of(snapshot),
        attempts=attempt,
        role_chain=chain,
    )
    if scan.on_account is not None:
        scan.on_account(result, snapshot)
    run.tell(target.label, "done")
    return result


def _count(run: _Run, target: Target, conn: Connection | None) -> None:
    if conn is not None:
        run.add(conn.counter.snapshot())


def _stopped(exc: Cancelled, options: FleetOptions) -> Unreachable:
    if isinstance(exc, TimedOut):
        return Unreachable(Reason.TIMEOUT, f"no answer within {options.account_timeout:g} s")
    return Unreachable(Reason.CANCELLED, "the scan was cancelled before this account finished")


def _failed(
    run: _Run, target: Target, why: Unreachable, attempts: int, chain: tuple[str, ...]
) -> FleetAccount:
    run.tell(target.label, "failed", str(why))
    return FleetAccount(
        target=target,
        account_id=target.account_id or "",
        name=target.name,
        ou=target.ou,
        unreachable=why,
        attempts=attempts,
        role_chain=chain,
    )


def scan_fleet(
    listing: FleetListing,
    settings: ConnectionSettings,
    *,
    caller_conn: Connection | None = None,
    options: FleetOptions = FleetOptions(),
    rules_settings: Settings | None = None,
    clock: Callable[[], datetime] = utcnow,
    progress: FleetProgressCallback | None = None,
    cancel: CancelToken | None = None,
    on_account: OnAccount | None = None,
) -> Fleet:
    """Read and evaluate every target, ``options.concurrency`` at a time.

    ``caller_conn`` assumes the role into each account (None: profile targets only). An account
    that fails is a :class:`FleetAccount` with ``unreachable`` set; nothing here raises for one
    account. Cancelling marks the accounts not yet finished as cancelled and returns.
    """
    cancel = cancel or CancelToken()
    started = clock()
    run = _Run(total=len(listing.targets), progress=progress)
    caller_before = caller_conn.counter.snapshot() if caller_conn is not None else 0
    caller = listing.caller
    scan = _Scan(
        caller_conn=caller_conn,
        settings=settings,
        options=options,
        session=session_name(caller.arn if caller else None, options.session_name),
        rules_settings=rules_settings,
        clock=clock,
        cancel=cancel,
        on_account=on_account,
        root_features=listing.root_features,
        run=run,
    )
    workers = max(1, min(options.concurrency, len(listing.targets) or 1))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="iamtui-fleet")
    try:
        futures = [pool.submit(_read, scan, target) for target in listing.targets]
        results = [future.result() for future in futures]
    except BaseException:
        # Ctrl-C in the waiting thread: the workers stop at their next check, not after
        # every account has finished.
        cancel.cancel()
        raise
    finally:
        pool.shutdown(wait=True)
    assumed = caller_conn.counter.snapshot() - caller_before if caller_conn is not None else 0
    return Fleet(
        listing=listing,
        accounts=tuple(results),
        requests=listing.requests + assumed + run.requests,
        started_at=started,
        finished_at=clock(),
    )


def organization_features(conn: Connection) -> tuple[str, ...] | None:
    """The organization's centralized root access features, read once (None: not readable)."""
    try:
        raw = conn.iam.list_organizations_features()
    except (ClientError, BotoCoreError, ResponseParserError):
        return None
    return tuple(sorted(raw.get("EnabledFeatures", ())))


def by_account(fleet: Fleet) -> Mapping[str, FleetAccount]:
    """Accounts by id (the TUI's Accounts pane keys rows so)."""
    return {a.account_id: a for a in fleet.accounts}
