"""Reading a fleet: each account through its role, bounded concurrency, backoff, why not."""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from iamtui.core.account_resources import read_access_analyzer, read_analyzer_findings
from iamtui.core.errors import error_code, error_text
from iamtui.core.findings import for_fleet
from iamtui.core.fleet.listing import role_arn, session_name
from iamtui.core.fleet.model import (
    DEFAULT_OPTIONS,
    AccountFacts,
    Fleet,
    FleetAccount,
    FleetListing,
    FleetOptions,
    FleetProblem,
    FleetProgress,
    FleetProgressCallback,
    OnAccount,
    Reason,
    Target,
    Unreachable,
)
from iamtui.core.loader import (
    DENIED_CODES,
    THROTTLE_CODES,
    Cancelled,
    CancelToken,
    load_account,
    utcnow,
)
from iamtui.core.model import (
    EXTERNAL_ACCESS_ANALYZER_TYPES,
    UNUSED_ACCESS_ANALYZER_TYPES,
    AccountSnapshot,
    Analyzer,
    CredentialReport,
    Part,
    Unavailable,
)
from iamtui.core.rightsize import arn_partition
from iamtui.core.rules import evaluate
from iamtui.core.rules.root import member_root_unproven
from iamtui.core.secrets import SEEN
from iamtui.core.session import (
    TOTAL_MAX_ATTEMPTS,
    Connection,
    ConnectionProblem,
    ConnectionSettings,
    connect,
)
from iamtui.core.settings import Settings
from iamtui.core.text import printable

log = logging.getLogger(__name__)

#: What an AccessDenied on AssumeRole can mean: AWS answers the same for each (IAM User Guide,
#: "Troubleshoot IAM roles" and "How to use an external ID").
ASSUME_DENIED_CAUSES = (
    "the role is missing, its trust policy does not allow this caller, the caller's own "
    "policy, permissions boundary or an SCP does not allow sts:AssumeRole on it, or the "
    "ExternalId is wrong or missing"
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
        root_mfa_unproven=member_root_unproven(snapshot, snapshot.organization),
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
    #: The caller's ACTIVE organization analyzers (a member's ListAnalyzers cannot list them).
    org_analyzers: tuple[Analyzer, ...] = ()
    #: The caller's partition (``aws``, ``aws-cn``, ``aws-us-gov``): the roles' ARNs are in it.
    partition: str = "aws"
    #: Told every account's outcome as soon as it is known, reachable or not.
    on_result: Callable[[FleetAccount], None] | None = None


#: Seconds an assumed role's credentials last: AWS's default, and the most a chained role may
#: ask for ("AssumeRole", STS API Reference: DurationSeconds; IAM User Guide, "Role chaining").
ROLE_SESSION_SECONDS = 3600


def assume_role(
    caller_conn: Connection,
    arn: str,
    settings: ConnectionSettings,
    *,
    session: str,
    external_id: str | None = None,
    max_attempts: int,
) -> Connection:
    """A connection signed with role ``arn``'s credentials, assumed by ``caller_conn``
    (ClientError when STS refuses): the one place a role's secrets are handled. They go to the
    redactor (``SEEN``) at once and into no log line; ``role_chain`` and ``root_caller`` are
    left to the caller."""
    kwargs: dict[str, Any] = {
        "RoleArn": arn,
        "RoleSessionName": session,
        "DurationSeconds": ROLE_SESSION_SECONDS,
    }
    if external_id:
        kwargs["ExternalId"] = external_id

    def fetch() -> dict[str, str]:
        answer = caller_conn.sts.assume_role(**kwargs)
        credentials = answer.get("Credentials") or {}
        if not all(credentials.get(k) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")):
            raise ConnectionProblem(f"STS answered AssumeRole on {arn} without credentials")
        SEEN.add(str(credentials["SecretAccessKey"]))
        SEEN.add(str(credentials["SessionToken"]))
        expiry = credentials.get("Expiration")
        if not isinstance(expiry, datetime):
            raise ConnectionProblem(f"STS answered AssumeRole on {arn} without an expiry")
        return {
            "access_key": str(credentials["AccessKeyId"]),
            "secret_key": str(credentials["SecretAccessKey"]),
            "token": str(credentials["SessionToken"]),
            "expiry_time": (expiry if expiry.tzinfo else expiry.replace(tzinfo=UTC)).isoformat(),
        }

    region = str(caller_conn.iam.meta.region_name or "") or None
    assumed = replace(settings, static_credentials=None, region=settings.region or region)
    # Assumed again (from the same caller) before they expire: a session outlives its hour.
    return connect(assumed, max_attempts=max_attempts, refresh=fetch)


def reach(
    target: Target,
    settings: ConnectionSettings,
    *,
    caller_conn: Connection | None,
    options: FleetOptions = DEFAULT_OPTIONS,
    session: str | None = None,
    max_attempts: int | None = None,
    partition: str = "aws",
) -> tuple[Connection, tuple[str, ...]]:
    """A connection acting in ``target`` and the role ARNs assumed to get it: the caller's own
    account (its settings), a profile, or the role ``options.role_name`` assumed by
    ``caller_conn`` (ClientError when STS refuses; ``root_caller`` is then ``caller_conn``),
    in the caller's ``partition``. The TUI's ``enter`` on an account uses it.
    """
    attempts = max_attempts if max_attempts is not None else options.call_attempts
    if target.profile is not None:
        own = replace(settings, profile=target.profile, static_credentials=None)
        return connect(own, max_attempts=attempts), ()
    if target.direct or caller_conn is None:
        return connect(settings, max_attempts=attempts), ()
    assert target.account_id is not None
    arn = role_arn(target.account_id, options.role_name, partition)
    conn = assume_role(
        caller_conn,
        arn,
        settings,
        session=session or session_name(None, options.session_name),
        external_id=options.external_id,
        max_attempts=attempts,
    )
    conn.role_chain = (arn,)
    conn.root_caller = caller_conn
    return conn, conn.role_chain


class RoleNotAssumed(FleetProblem):
    """One role of a chain could not be assumed: the message names it and AWS's answer."""

    def __init__(self, arn: str, cause: Exception) -> None:
        why = error_text(cause)
        if error_code(cause) in DENIED_CODES:
            why = f"{why} ({ASSUME_DENIED_CAUSES})"
        super().__init__(printable(f"cannot assume {arn}: {why}"))
        self.role_arn = arn


#: A role ARN as STS accepts it ("AssumeRole", STS API Reference: RoleArn), account id and all.
ROLE_ARN = re.compile(r"arn:(aws[a-z-]*):iam::\d{12}:role/[\w+=,.@/-]{1,512}")


def check_role_chain(role_chain: Sequence[str], partition: str | None) -> None:
    """Refuse, before any call, a recorded chain that is not role ARNs of one partition (a
    journal is verified, but its chain is still data: never send STS what it cannot be)."""
    for arn in role_chain:
        found = ROLE_ARN.fullmatch(arn)
        if found is None or (partition is not None and found.group(1) != partition):
            where = f" of partition {partition}" if partition else ""
            raise FleetProblem(printable(f"not a role ARN{where}: {arn!r}: nothing was assumed"))


def reach_chain(
    role_chain: Sequence[str],
    settings: ConnectionSettings,
    *,
    caller_conn: Connection,
    external_id: str | None = None,
    session: str | None = None,
    max_attempts: int | None = None,
    partition: str | None = None,
) -> Connection:
    """A connection acting in the last role's account, each role of ``role_chain`` assumed in
    order (the first by ``caller_conn``, each next by the one before): what a journal entry
    recorded, assumed again to undo it. ``external_id`` goes with each AssumeRole (a trust
    without the condition ignores it); ``max_attempts`` defaults to a full session's. The
    connection's ``root_caller`` is ``caller_conn``. :class:`RoleNotAssumed` names the role STS
    refused."""
    if not role_chain:
        raise ValueError("reach_chain needs at least one role ARN")
    check_role_chain(role_chain, partition)
    name = session or session_name(None)
    attempts = max_attempts if max_attempts is not None else TOTAL_MAX_ATTEMPTS
    conn = caller_conn
    for arn in role_chain:
        try:
            conn = assume_role(
                conn,
                arn,
                settings,
                session=name,
                external_id=external_id,
                max_attempts=attempts,
            )
        except (ClientError, BotoCoreError, ResponseParserError, ConnectionProblem) as exc:
            raise RoleNotAssumed(arn, exc) from exc
    conn.role_chain = tuple(role_chain)
    conn.root_caller = caller_conn
    return conn


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
        partition=scan.partition,
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


#: Organization analyzers that cover a member: external access, and unused access.
_ORG_ANALYZER_TYPES = frozenset(
    t for t in EXTERNAL_ACCESS_ANALYZER_TYPES | UNUSED_ACCESS_ANALYZER_TYPES if "ORGANIZATION" in t
)


def organization_analyzers(caller_conn: Connection | None) -> tuple[Analyzer, ...]:
    """The caller's ACTIVE organization analyzers, read once: an ORGANIZATION analyzer lives in
    the management or delegated-admin account, and a member's ListAnalyzers does not list it
    (IAM User Guide, "Settings for IAM Access Analyzer"). None readable: ()."""
    client = caller_conn.accessanalyzer if caller_conn is not None else None
    if client is None:
        return ()
    try:
        state = read_access_analyzer(client, lambda: None)
    except Exception:  # the members are judged on their own, as without an organization analyzer
        log.info("fleet: the caller's analyzers could not be read", exc_info=True)
        return ()
    return tuple(
        a for a in state.analyzers if a.status == "ACTIVE" and a.type in _ORG_ANALYZER_TYPES
    )


def _never() -> None:
    """The organization's findings of one member: at most two pages, read to the end."""


def as_member(
    snapshot: AccountSnapshot,
    *,
    caller_conn: Connection | None,
    root_features: tuple[str, ...] | None,
    org_analyzers: Sequence[Analyzer],
) -> AccountSnapshot:
    """A member's snapshot with what only the caller can read about it: the organization's
    centralized root access and the organization analyzers that cover it (the scan and an
    account session opened from the organization view both use it)."""
    snapshot = _with_org_features(snapshot, root_features)
    return _with_org_analyzers(snapshot, caller_conn, org_analyzers)


def _with_org_analyzers(
    snapshot: AccountSnapshot, caller_conn: Connection | None, org_analyzers: Sequence[Analyzer]
) -> AccountSnapshot:
    """A member's snapshot with the organization analyzers that cover it and, without its own
    unused-access analyzer, the organization's unused-access findings on its entities
    (``resourceOwnerAccount``), read through the caller."""
    state = snapshot.access_analyzer
    if state is None or caller_conn is None or not org_analyzers:
        return snapshot
    own = {a.arn for a in state.analyzers}
    added = tuple(
        a for a in org_analyzers if a.arn not in own and a.arn.split(":")[3] == state.region
    )
    if not added:
        return snapshot  # the caller's own account lists them itself
    note = "; ".join(
        f"covered by the organization analyzer {a.arn} ({a.type}), read from the caller's account"
        for a in added
    )
    merged = replace(state, analyzers=(*state.analyzers, *added), note=note)
    snapshot = replace(snapshot, access_analyzer=merged)
    unused = merged.unused_access
    if state.unused_access is not None or unused is None or unused.arn in own:
        return snapshot
    others = tuple(u for u in snapshot.unavailable if u.part != Part.ANALYZER_FINDINGS)
    try:
        found = read_analyzer_findings(
            caller_conn.accessanalyzer, unused, _never, account_id=snapshot.account_id
        )
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        why = f"the organization analyzer's findings: {error_text(exc)}"
        gone = Unavailable(Part.ANALYZER_FINDINGS, why, error_code(exc))
        return replace(snapshot, unavailable=(*others, gone))
    return replace(snapshot, analyzer_findings=found, unavailable=others)


def _read(scan: _Scan, target: Target) -> FleetAccount:
    """One account, whatever happens to it: a failure of any kind (a bug, a full disk in
    ``on_account``) is this account's "failed", never the end of the fleet's scan."""
    try:
        result = _read_account(scan, target)
    except Exception as exc:
        log.warning("fleet: %s failed", target.label, exc_info=True)
        why = Unreachable(Reason.FAILED, f"{type(exc).__name__}: {exc}")
        result = _failed(scan.run, target, why, 1, ())
    if scan.on_result is not None:
        scan.on_result(result)
    return result


def _wait_to_retry(
    scan: _Scan, target: Target, token: _AccountToken, attempt: int
) -> Unreachable | None:
    """Back off (exponential, jittered) before a throttled account is read again: one wait for
    throttling however it surfaced; the reason to give up when cancelled meanwhile."""
    delay = scan.options.backoff * 2 ** (attempt - 1) * (0.5 + random.random() / 2)
    scan.run.tell(target.label, "waiting", f"throttled: trying again in {delay:.1f} s")
    try:
        token.wait(delay)
    except Cancelled as stop:
        return _stopped(stop, scan.options)
    return None


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
            stopped = _wait_to_retry(scan, target, token, attempt)
            if stopped is not None:
                return _failed(run, target, stopped, attempt, chain)
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
                stopped = _wait_to_retry(scan, target, token, attempt)
                if stopped is not None:
                    return _failed(run, target, stopped, attempt, chain)
                continue
            why = _classify(exc, target, options)
            if (
                error_code(exc) in DENIED_CODES
                and getattr(exc, "operation_name", "") == "AssumeRole"
            ):
                why = Unreachable(
                    Reason.ACCESS_DENIED,
                    f"cannot assume {options.role_name}: {ASSUME_DENIED_CAUSES} "
                    f"({error_text(exc)})",
                )
            elif error_code(exc) in DENIED_CODES:
                why = Unreachable(Reason.ACCESS_DENIED, error_text(exc))
            return _failed(run, target, why, attempt, chain)
        except (ConnectionProblem, BotoCoreError, ResponseParserError) as exc:
            _count(run, target, conn)
            return _failed(run, target, _classify(exc, target, options), attempt, chain)
        break
    snapshot = as_member(
        snapshot,
        caller_conn=scan.caller_conn,
        root_features=scan.root_features,
        org_analyzers=scan.org_analyzers,
    )
    evaluation = for_fleet(evaluate(snapshot, now=scan.clock(), settings=scan.rules_settings))
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
    options: FleetOptions = DEFAULT_OPTIONS,
    rules_settings: Settings | None = None,
    clock: Callable[[], datetime] = utcnow,
    progress: FleetProgressCallback | None = None,
    cancel: CancelToken | None = None,
    on_account: OnAccount | None = None,
    on_result: Callable[[FleetAccount], None] | None = None,
) -> Fleet:
    """Read and evaluate every target, ``options.concurrency`` at a time.

    ``caller_conn`` assumes the role into each account (None: profile targets only). An account
    that fails is a :class:`FleetAccount` with ``unreachable`` set; nothing here raises for one
    account. Cancelling marks the accounts not yet finished as cancelled and returns.
    ``on_result`` hears each account's outcome as it is known (the Accounts pane fills in).
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
        org_analyzers=organization_analyzers(caller_conn),
        on_result=on_result,
        partition=arn_partition(caller.arn) if caller else "aws",
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


def by_account(fleet: Fleet) -> Mapping[str, FleetAccount]:
    """Accounts by id (the TUI's Accounts pane keys rows so)."""
    return {a.account_id: a for a in fleet.accounts}
