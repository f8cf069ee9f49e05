"""An organization session: the fleet as it is scanned, and one account session opened from it.

``iamtui org`` and ``iamtui demo --org`` hold one :class:`OrgSession`. Its :meth:`scan` (a
worker thread) lists the accounts and reads them as :func:`scan_fleet` does, recording each
account's state as it changes, so the Accounts pane fills in while the scan runs and an account
that cannot be reached shows why without holding up the rest. :meth:`open_account` assumes the
role in one account again (the same session name and external id) and returns an ordinary
:class:`~iamtui.core.workspace.Workspace` on it: the single-account session, with its panes,
review, actions and journal; the journal records the role chain. Only one account session is
open at a time, because each holds the journal's writer lock; :meth:`close_account` takes its
latest state back into the account's row (a fix made there shows in the Accounts pane).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from iamtui.core.findings import for_fleet
from iamtui.core.fleet.listing import (
    empty_selection,
    list_organization,
    profile_targets,
    session_name,
)
from iamtui.core.fleet.model import (
    DEFAULT_OPTIONS,
    AccountLine,
    AccountState,
    Fleet,
    FleetAccount,
    FleetListing,
    FleetOptions,
    FleetProblem,
    FleetProgress,
    FleetProgressCallback,
    OnAccount,
)
from iamtui.core.fleet.scan import (
    as_member,
    compact,
    facts_of,
    organization_analyzers,
    reach,
    scan_fleet,
)
from iamtui.core.loader import CancelToken, Clock, utcnow
from iamtui.core.rightsize import arn_partition
from iamtui.core.session import TOTAL_MAX_ATTEMPTS, Connection, ConnectionSettings, connect
from iamtui.core.settings import Settings

if TYPE_CHECKING:
    from iamtui.core.model import AccountSnapshot, Analyzer
    from iamtui.core.workspace import DemoHandle, Workspace


class OrgSession:
    """One organization run: listing, scan, each account's line, and the open account session.

    Thread-safe: the scan's worker threads update lines under the lock; the UI reads
    :meth:`lines` and gets an immutable tuple.
    """

    def __init__(
        self,
        settings: ConnectionSettings,
        options: FleetOptions = DEFAULT_OPTIONS,
        *,
        profiles: tuple[str, ...] = (),
        rules_settings: Settings | None = None,
        clock: Clock = utcnow,
        demo_starter: Callable[[], DemoHandle] | None = None,
        read_only: bool = False,
        dry_run: bool = False,
        journal_path: Path | None = None,
        connector: Callable[..., Connection] = connect,
    ) -> None:
        self.settings = settings
        self.options = options
        self.profiles = profiles
        self.rules_settings = rules_settings or Settings()
        self.clock = clock
        self.read_only = read_only
        self.dry_run = dry_run
        self.journal_path = journal_path
        self._demo_starter = demo_starter
        self._connector = connector
        self._demo: DemoHandle | None = None
        self._caller: Connection | None = None
        self._lock = threading.RLock()
        self._lines: dict[str, AccountLine] = {}
        self._by_label: dict[str, str] = {}
        self._org_analyzers: tuple[Analyzer, ...] = ()
        self.listing: FleetListing | None = None
        self.fleet: Fleet | None = None
        self._open: tuple[str, Workspace, tuple[str, ...]] | None = None
        #: Held while an account session opens or closes (network calls): one at a time.
        self._switching = threading.RLock()
        self._closed = False

    # -- the scan (worker thread) ----------------------------------------------------------

    @property
    def is_demo(self) -> bool:
        """The embedded demo organization (started by the first scan)."""
        return self._demo_starter is not None

    def _connect(self) -> Connection | None:
        """The caller's connection (None with profiles only: each profile reaches its own)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("organization session closed")
            if self._demo_starter is not None and self._demo is None:
                self._demo = self._demo_starter()
                self.settings = self._demo.settings()
                # The demo's throttled account gives up in seconds, not AWS's minute of backoff.
                self.options = replace(self.options, backoff=0.2, call_attempts=1)
            if self.profiles:
                return None
            if self._caller is None:
                # One pooled connection per account read at once (AssumeRole is sent from it).
                self._caller = self._connector(
                    self.settings, max_pool=max(10, self.options.concurrency)
                )
            return self._caller

    def list(self, cancel: CancelToken | None = None) -> FleetListing:
        """Who the run covers (the organization's accounts, or the profiles); blocking.

        Raises :class:`~iamtui.core.fleet.FleetProblem` when the organization cannot be listed
        or the filters leave no account.
        """
        conn = self._connect()
        if conn is None:
            listing = FleetListing(targets=profile_targets(self.profiles))
        else:
            listing = list_organization(conn, self.options, cancel or CancelToken())
        problem = empty_selection(listing, self.options)
        if problem is not None:
            raise FleetProblem(problem)
        with self._lock:
            self.listing = listing
            self.fleet = None
            self._lines = {}
            self._by_label = {}
            for target in listing.targets:
                line = AccountLine(target)
                self._lines[line.key] = line
                self._by_label[target.label] = line.key
        return listing

    def scan(
        self,
        *,
        progress: FleetProgressCallback | None = None,
        on_result: Callable[[FleetAccount], None] | None = None,
        on_account: OnAccount | None = None,
        cancel: CancelToken | None = None,
    ) -> Fleet:
        """Read every account (listing them first, or again after a scan); blocking.

        Raises what :meth:`list` raises; one account failing is that account's line, never an
        exception here. ``on_account`` gets each full snapshot before it is compacted.
        """
        cancel = cancel or CancelToken()
        listing = self.listing
        if listing is None or self.fleet is not None:
            listing = self.list(cancel)
        conn = self._connect()
        self._org_analyzers = organization_analyzers(conn)

        def heard(update: FleetProgress) -> None:
            key = self._by_label.get(update.account)
            with self._lock:
                line = self._lines.get(key) if key is not None else None
                if line is not None and line.outcome is None:
                    self._lines[line.key] = replace(line, state=update.state, detail=update.detail)
            if progress is not None:
                progress(update)

        def arrived(account: FleetAccount) -> None:
            key = self._by_label.get(account.target.label)
            with self._lock:
                line = self._lines.get(key) if key is not None else None
                if line is not None:
                    state = AccountState.DONE if account.reachable else AccountState.FAILED
                    detail = "" if account.reachable else str(account.unreachable)
                    self._lines[line.key] = replace(
                        line, state=state, detail=detail, outcome=account
                    )
            if on_result is not None:
                on_result(account)

        fleet = scan_fleet(
            listing,
            self.settings,
            caller_conn=conn,
            options=self.options,
            rules_settings=self.rules_settings,
            clock=self.clock,
            progress=heard,
            cancel=cancel,
            on_account=on_account,
            on_result=arrived,
        )
        with self._lock:
            self.fleet = fleet
        return fleet

    def lines(self) -> tuple[AccountLine, ...]:
        """Every account's line, in the listing's order."""
        with self._lock:
            return tuple(self._lines.values())

    def line(self, key: str) -> AccountLine | None:
        """One account's line by its key (:attr:`AccountLine.key`)."""
        with self._lock:
            return self._lines.get(key)

    # -- one account session (worker thread) -----------------------------------------------

    def open_account(self, key: str) -> Workspace:
        """A workspace on one account: the caller's own directly, a member through its role.

        Raises botocore's ClientError when STS refuses the role (the UI says it in one line)
        and KeyError for an unknown key. Opening a second account closes the first (one journal
        writer at a time).
        """
        with self._switching:
            return self._open_account(key)

    def _open_account(self, key: str) -> Workspace:
        from iamtui.core.workspace import Workspace

        line = self.line(key)
        if line is None:
            raise KeyError(key)
        with self._lock:
            if self._open is not None and self._open[0] == key:
                return self._open[1]
        self.close_account()
        conn = self._connect()
        target = line.target
        account_conn, chain = reach(
            target,
            self.settings,
            caller_conn=conn,
            options=self.options,
            session=self._session_name(),
            partition=self._partition(),
            max_attempts=TOTAL_MAX_ATTEMPTS,
        )
        features = self.listing.root_features if self.listing is not None else None
        caller = conn if not target.direct else None
        analyzers = self._org_analyzers

        def enrich(snapshot: AccountSnapshot) -> AccountSnapshot:
            return as_member(
                snapshot, caller_conn=caller, root_features=features, org_analyzers=analyzers
            )

        how = f" via {' then '.join(chain)}" if chain else ""
        workspace = Workspace.reached(
            account_conn,
            f"{target.label}{how}",
            settings=self.rules_settings,
            clock=self.clock,
            read_only=self.read_only,
            dry_run=self.dry_run,
            journal_path=self.journal_path,
            enrich=enrich,
        )
        with self._lock:
            self._open = (key, workspace, chain)
        return workspace

    def _partition(self) -> str:
        caller = self.listing.caller if self.listing is not None else None
        return arn_partition(caller.arn) if caller else "aws"

    def _session_name(self) -> str:
        caller = self.listing.caller if self.listing is not None else None
        return session_name(caller.arn if caller else None, self.options.session_name)

    @property
    def open_key(self) -> str | None:
        """The key of the account whose session is open, if any."""
        with self._lock:
            return self._open[0] if self._open is not None else None

    def close_account(self) -> AccountLine | None:
        """Close the open account session; its latest state becomes the account's line."""
        with self._switching:
            return self._close_account()

    def _close_account(self) -> AccountLine | None:
        with self._lock:
            opened, self._open = self._open, None
        if opened is None:
            return None
        key, workspace, chain = opened
        state = workspace.state
        workspace.close()
        with self._lock:
            line = self._lines.get(key)
            if line is None or state is None:
                return line
            snapshot = state.snapshot
            before = line.outcome
            outcome = FleetAccount(
                target=line.target,
                account_id=snapshot.account_id or line.account_id,
                name=line.target.name,
                ou=line.target.ou,
                evaluation=for_fleet(state.evaluation),
                snapshot=compact(snapshot),
                facts=facts_of(snapshot),
                attempts=before.attempts if before is not None else 1,
                role_chain=chain,
            )
            fresh = replace(
                line, state=AccountState.DONE, detail="", outcome=outcome, from_session=True
            )
            self._lines[key] = fresh
            return fresh

    def close(self) -> None:
        """Close the account session and stop the demo; safe to call twice."""
        self.close_account()
        with self._lock:
            demo, self._demo = self._demo, None
            self._closed = True
        if demo is not None:
            demo.stop()

    def now(self) -> datetime:
        """The session's clock (data ages in the Accounts pane)."""
        return self.clock()
