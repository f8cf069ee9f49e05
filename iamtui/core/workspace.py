"""The TUI's headless working state: where the account comes from, what is loaded, what it means.

A :class:`Workspace` owns the source of the account (live credentials, the embedded demo, or an
offline snapshot file), the current :class:`AccountSnapshot`, the settings and the
:class:`Evaluation`, re-evaluated whenever data changes. Its blocking methods are called from
the UI's thread workers; every change produces a new immutable :class:`State` (with a rising
``generation``), so the UI can ignore results that arrive out of order.

It also owns what the TUI needs to change the account: the action mode (``--read-only``,
``--dry-run``), the journal and its writer lock (held for the whole session, so a second iamtui
on the same journal is read-only), planning from what the operator selected, running a
confirmed plan, and reloading what the plan changed.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from iamtui.core import loader
from iamtui.core.changes import difference
from iamtui.core.findings import Evaluation
from iamtui.core.journal import (
    Entry,
    FollowUpItem,
    Journal,
    JournalError,
    JournalWriter,
    Verification,
    follow_up_items,
)
from iamtui.core.loader import STEPS, CancelToken, Clock, Progress, StepUpdate, utcnow
from iamtui.core.model import (
    AccessKey,
    AccountSnapshot,
    CredentialReport,
    CredentialReportRow,
    LastAccessed,
    Missing,
    PrincipalDetail,
    ReportKey,
    User,
)
from iamtui.core.rules import evaluate, evaluate_changes
from iamtui.core.session import Connection, ConnectionSettings, connect
from iamtui.core.settings import Settings
from iamtui.core.views import JournalData, Views

if TYPE_CHECKING:
    from iamtui.core.account_resources import AnalyzerReview
    from iamtui.core.actions import (
        ExecutionReport,
        Plan,
        Planner,
        Request,
        Selection,
        Skipped,
        StepOutcome,
    )
    from iamtui.core.actions.followups import Recheck
    from iamtui.core.diff import Diff
    from iamtui.core.root import RootReport
    from iamtui.core.usage import UsageReport, UsageTarget

#: The pseudo-step reported while the embedded demo endpoint starts.
DEMO_STEP = "demo"
#: The pseudo-step reported while a snapshot file is read.
FILE_STEP = "file"

OFFLINE_MESSAGE = "snapshot mode is offline and read-only: no action can run"
READ_ONLY_FLAG_MESSAGE = "read-only mode (--read-only): no action can run"


class SourceKind(enum.StrEnum):
    """Where the account data comes from."""

    LIVE = "live"
    DEMO = "demo"
    SNAPSHOT = "snapshot"


class Offline(RuntimeError):
    """Asked for data that only a live connection can fetch, in offline snapshot mode."""


class DemoHandle(Protocol):
    """A running embedded demo (``iamtui.emulator.run.DemoEnvironment``), injected by the CLI."""

    def settings(self) -> ConnectionSettings:
        """Connection settings that reach the demo endpoint."""
        ...

    def stop(self) -> None:
        """Shut the endpoint down."""
        ...


@dataclass(frozen=True, slots=True)
class State:
    """One consistent view of the account: snapshot, its evaluation and pane rows."""

    snapshot: AccountSnapshot
    evaluation: Evaluation
    views: Views
    generation: int
    #: ARNs of the users and roles whose rows this state patched into the previous one; None
    #: when it was built afresh. Panes it did not touch are the previous state's objects.
    patched: frozenset[str] | None = None


#: How long a patched state may keep the evaluation's ``now``: past it, rules run in full.
PATCH_WINDOW = timedelta(minutes=5)

#: Last-accessed jobs running at once when fetching for everyone: a small pool, so one screen
#: cannot drain IAM's token bucket (throttled calls back off: adaptive retries, then the batch's).
LAST_ACCESSED_WORKERS = 4
#: Seconds between merges while fetching for everyone: findings update as data arrives, without
#: one re-evaluation per principal on large accounts.
MERGE_EVERY = 0.5


@dataclass(frozen=True, slots=True)
class FetchedAll:
    """How a fetch of last-accessed data for everyone ended."""

    state: State
    fetched: int
    #: Why a principal's job failed, by ARN.
    failures: Mapping[str, str]
    cancelled: bool


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """A plan ready for the preview, and what the operator must type before it may run."""

    plan: Plan
    #: Active access keys a ``key.delete`` or ``user.delete`` would delete: the UI asks for a
    #: typed override.
    active_keys: tuple[str, ...] = ()
    #: Journal entry this plan undoes (None for ordinary actions).
    undoes: str | None = None
    #: Used keys the plan acts on though the reviewed data cannot show they were idle (no
    #: credential report, or one older than the key): the same typed override.
    unverified_keys: tuple[str, ...] = ()

    @property
    def override_keys(self) -> tuple[str, ...]:
        """Every key the typed override stands for (active, then unverified)."""
        return tuple(dict.fromkeys((*self.active_keys, *self.unverified_keys)))

    @property
    def override_phrase(self) -> str | None:
        """What to type to act on those keys (the key id, or a phrase for several)."""
        keys = self.override_keys
        if not keys:
            return None
        if len(keys) == 1:
            return keys[0]
        if not self.unverified_keys:
            return f"delete {len(keys)} active keys"
        return f"act on {len(keys)} keys"

    @property
    def override_reason(self) -> str:
        """What the override is for, in the refusal when it was not typed."""
        if self.unverified_keys and not self.active_keys:
            return "to act on access keys whose use the reviewed data cannot show"
        return "to delete an active access key"

    def check_override(self, typed: str | None) -> bool:
        """Whether ``typed`` is the override (always true when none is needed)."""
        phrase = self.override_phrase
        return phrase is None or (typed or "").strip() == phrase


@dataclass(frozen=True, slots=True)
class _LiveCredentials:
    """A user's credentials read after an action: they stand in for the stale report row."""

    user: str
    at: datetime
    keys: tuple[AccessKey, ...]
    password: bool
    mfa: bool


@dataclass
class _Journaling:
    """The journal, the writer lock held for the session, and why actions are off if they are."""

    journal: Journal
    writer: JournalWriter | None = None
    problem: str | None = None
    entries: tuple[Entry, ...] = ()
    read_error: str | None = None
    opened: bool = False
    patches: dict[str, _LiveCredentials] = field(default_factory=dict)
    #: Open follow-ups, their evidence as last re-checked, and why it was not.
    follow_ups: tuple[FollowUpItem, ...] = ()
    checks: dict[str, Recheck] = field(default_factory=dict)
    unchecked: str = "shown once the Journal pane opens"


def regranted(before: AccountSnapshot, after: AccountSnapshot, plan: Plan) -> list[str]:
    """The plan's users and roles with last-accessed data whose grants it changed."""
    from iamtui.core.rightsize import grants_of

    def grants(snap: AccountSnapshot, kind: str, name: str) -> object:
        principal = snap.user(name) if kind == "user" else snap.role(name)
        if principal is None:
            return None
        found = grants_of(principal, snap)
        return [(g.kind, g.name, g.arn, g.via_group, g.document) for g in found]

    targets = {t.arn: t for t in plan.targets if t.kind in ("user", "role")}
    return [
        arn
        for arn, t in targets.items()
        if arn in before.last_accessed
        and grants(before, t.kind, t.name) != grants(after, t.kind, t.name)
    ]


class Workspace:
    """Source, snapshot, settings and evaluation of one TUI session; thread-safe."""

    def __init__(
        self,
        kind: SourceKind,
        *,
        settings: Settings | None = None,
        clock: Clock = utcnow,
        connection_settings: ConnectionSettings | None = None,
        demo_starter: Callable[[], DemoHandle] | None = None,
        snapshot_file: Path | None = None,
        snapshot: AccountSnapshot | None = None,
        connector: Callable[[ConnectionSettings], Connection] = connect,
        read_only: bool = False,
        dry_run: bool = False,
        journal_path: Path | None = None,
        label: str | None = None,
        enrich: Callable[[AccountSnapshot], AccountSnapshot] | None = None,
    ) -> None:
        self.kind = kind
        self._label = label
        #: Adds what the account cannot read about itself (its organization's view of it).
        self._enrich = enrich
        self.settings = settings or Settings()
        self.clock = clock
        self.connection_settings = connection_settings or ConnectionSettings()
        self.snapshot_file = snapshot_file
        #: ``--read-only``: every action refused (reads still work).
        self.read_only_requested = read_only
        #: ``--dry-run``: plans are shown and "run" without a call or a journal record.
        self.dry_run = dry_run
        self._demo_starter = demo_starter
        self._connector = connector
        self._demo: DemoHandle | None = None
        self._conn: Connection | None = None
        self._preloaded = snapshot
        self._state: State | None = None
        self._generation = 0
        self._lock = threading.RLock()
        self._closed = False
        self._journaling = _Journaling(Journal(journal_path))

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def live(
        cls,
        connection_settings: ConnectionSettings,
        *,
        settings: Settings | None = None,
        clock: Clock = utcnow,
        read_only: bool = False,
        dry_run: bool = False,
        journal_path: Path | None = None,
    ) -> Workspace:
        """An account reached with the operator's credentials (or an --endpoint-url)."""
        return cls(
            SourceKind.LIVE,
            settings=settings,
            clock=clock,
            connection_settings=connection_settings,
            read_only=read_only,
            dry_run=dry_run,
            journal_path=journal_path,
        )

    @classmethod
    def reached(
        cls,
        conn: Connection,
        label: str,
        *,
        settings: Settings | None = None,
        clock: Clock = utcnow,
        read_only: bool = False,
        dry_run: bool = False,
        journal_path: Path | None = None,
        enrich: Callable[[AccountSnapshot], AccountSnapshot] | None = None,
    ) -> Workspace:
        """An account reached from an organization session: ``conn`` acts in it (an assumed
        role), ``label`` says how for the header, ``enrich`` adds what the caller read about it."""
        return cls(
            SourceKind.LIVE,
            settings=settings,
            clock=clock,
            connection_settings=conn.settings,
            connector=lambda _settings: conn,
            read_only=read_only,
            dry_run=dry_run,
            journal_path=journal_path,
            label=label,
            enrich=enrich,
        )

    @classmethod
    def demo(
        cls,
        starter: Callable[[], DemoHandle],
        *,
        settings: Settings | None = None,
        clock: Clock = utcnow,
        read_only: bool = False,
        dry_run: bool = False,
        journal_path: Path | None = None,
    ) -> Workspace:
        """The embedded demo: started on the first load, stopped by close()."""
        return cls(
            SourceKind.DEMO,
            settings=settings,
            clock=clock,
            demo_starter=starter,
            read_only=read_only,
            dry_run=dry_run,
            journal_path=journal_path,
        )

    @classmethod
    def offline(
        cls,
        path: Path,
        *,
        settings: Settings | None = None,
        clock: Clock = utcnow,
        journal_path: Path | None = None,
    ) -> Workspace:
        """A saved snapshot file, read now (so a bad file fails before the TUI starts)."""
        from iamtui.core import snapshot as snapshot_io

        return cls.from_snapshot(
            snapshot_io.load(path),
            settings=settings,
            clock=clock,
            journal_path=journal_path,
            snapshot_file=path,
        )

    @classmethod
    def from_snapshot(
        cls,
        snapshot: AccountSnapshot,
        *,
        settings: Settings | None = None,
        clock: Clock = utcnow,
        journal_path: Path | None = None,
        snapshot_file: Path | None = None,
    ) -> Workspace:
        """An in-memory snapshot, offline and read-only (tests, benchmarks, saved files)."""
        return cls(
            SourceKind.SNAPSHOT,
            settings=settings,
            clock=clock,
            snapshot_file=snapshot_file,
            snapshot=snapshot,
            journal_path=journal_path,
        )

    # -- what the UI reads ----------------------------------------------------------------

    @property
    def is_offline(self) -> bool:
        """Snapshot mode: no AWS call at all (no on-demand fetch, no action)."""
        return self.kind is SourceKind.SNAPSHOT

    @property
    def read_only(self) -> bool:
        """No action may run: snapshot mode, ``--read-only``, or the journal is unusable."""
        problem = self._journaling.problem is not None and not self.dry_run
        return self._static_block or problem

    @property
    def _static_block(self) -> bool:
        return self.is_offline or self.read_only_requested

    @property
    def block_reason(self) -> str | None:
        """Why actions are disabled right now (one line), or None when they may run."""
        if self.is_offline:
            return OFFLINE_MESSAGE
        if self.read_only_requested:
            return READ_ONLY_FLAG_MESSAGE
        problem = self._journaling.problem
        if problem is not None and not self.dry_run:
            return f"{problem}; actions are disabled (read-only)"
        if self._state is None:
            return "nothing is loaded yet"
        return None

    @property
    def mode_label(self) -> str | None:
        """The header badge: the mode when it is not the ordinary read-write one."""
        if self.is_offline:
            return "SNAPSHOT (read-only)"
        if self.read_only_requested:
            return "READ-ONLY"
        if self._journaling.problem is not None and not self.dry_run:
            return "READ-ONLY (journal)"
        if self.dry_run:
            return "DRY RUN"
        return None

    @property
    def journal(self) -> Journal:
        """The undo journal this session appends to (``--journal`` or the state directory)."""
        return self._journaling.journal

    @property
    def journal_problem(self) -> str | None:
        """Why the journal cannot be written (busy, damaged, unreadable), one line."""
        return self._journaling.problem

    @property
    def state(self) -> State | None:
        """The latest consistent state, or None before the first load."""
        return self._state

    @property
    def snapshot(self) -> AccountSnapshot | None:
        """The current snapshot, or None before the first load."""
        state = self._state
        return state.snapshot if state else None

    @property
    def evaluation(self) -> Evaluation | None:
        """The current evaluation, or None before the first load."""
        state = self._state
        return state.evaluation if state else None

    @property
    def source_label(self) -> str:
        """Where the data comes from, for the header and the loading screen."""
        if self.kind is SourceKind.SNAPSHOT:
            name = self.snapshot_file.name if self.snapshot_file else "in memory"
            return f"snapshot {name}"
        if self.kind is SourceKind.DEMO:
            return "embedded demo"
        if self._label is not None:
            return self._label
        cs = self.connection_settings
        if cs.endpoint_url:
            return cs.endpoint_url
        return f"profile {cs.profile}" if cs.profile else "default credentials"

    # -- blocking work (call from worker threads) -----------------------------------------

    def load(self, progress: Progress | None = None, cancel: CancelToken | None = None) -> State:
        """Load (or reload) the whole overview and evaluate it.

        Raises ConnectionProblem when nothing can load and loader.Cancelled when cancelled.
        Service last-accessed reports already fetched are kept: they are per-principal jobs
        the operator waited for, and each says when it completed.
        """
        snap = self._load_snapshot(progress, cancel)
        self._open_journal()
        self._read_journal()
        return self._publish(snap)

    def _load_snapshot(
        self, progress: Progress | None = None, cancel: CancelToken | None = None
    ) -> AccountSnapshot:
        report = progress or (lambda _update: None)
        if self.kind is SourceKind.SNAPSHOT:
            return self._read_snapshot(report)
        conn = self._connection(report)
        snap = loader.load_account(conn, clock=self.clock, progress=progress, cancel=cancel)
        if self.kind is SourceKind.DEMO:
            snap = replace(snap, source="demo")
        if self._enrich is not None:
            snap = self._enrich(snap)
        previous = self.snapshot
        if previous is not None and previous.last_accessed:
            arns = {u.arn for u in snap.users} | {r.arn for r in snap.roles}
            kept = [v for k, v in previous.last_accessed.items() if k in arns]
            snap = snap.with_last_accessed(*kept)
        return snap

    def load_user_detail(self, user: User) -> State:
        """Fetch a user's key ids, key last use and MFA devices; merge and re-evaluate."""
        if self.kind is SourceKind.SNAPSHOT:
            raise Offline("key ids and MFA devices are not in this snapshot (offline)")
        detail: PrincipalDetail = loader.load_user_detail(
            self._connection(), user, clock=self.clock
        )
        with self._lock:
            current = self._require_snapshot()
            return self._publish(current.with_details(detail))

    def load_last_accessed(self, arn: str, cancel: CancelToken | None = None) -> State:
        """Run a service last-accessed job for one principal; merge and re-evaluate."""
        if self.kind is SourceKind.SNAPSHOT:
            raise Offline("last-accessed data for this principal is not in this snapshot (offline)")
        report: LastAccessed = loader.load_last_accessed(self._connection(), arn, cancel=cancel)
        with self._lock:
            current = self._require_snapshot()
            return self._publish(current.with_last_accessed(report))

    def load_last_accessed_all(
        self,
        *,
        cancel: CancelToken | None = None,
        progress: Callable[[int, int], None] | None = None,
        merged: Callable[[State], None] | None = None,
    ) -> FetchedAll:
        """Last-accessed data for every user and role that has none yet; merged as it arrives.

        ``progress`` gets (done, total); ``merged`` each new state. A cancelled fetch keeps what
        finished, and a second fetch asks only for the principals still missing.
        """
        if self.kind is SourceKind.SNAPSHOT:
            raise Offline("last-accessed data is not in this snapshot (offline)")
        snap = self._require_snapshot()
        arns = [u.arn for u in snap.users] + [r.arn for r in snap.roles]
        wanted = [arn for arn in arns if arn not in snap.last_accessed]
        pending: list[LastAccessed] = []
        last_merge = time.monotonic()

        def merge() -> None:
            nonlocal last_merge
            with self._lock:
                state = self._publish(self._require_snapshot().with_last_accessed(*pending))
            pending.clear()
            last_merge = time.monotonic()
            if merged is not None:
                merged(state)

        def arrived(report: LastAccessed) -> None:
            pending.append(report)
            if time.monotonic() - last_merge >= MERGE_EVERY:
                merge()

        if progress is not None:
            progress(0, len(wanted))
        batch = loader.load_last_accessed_batch(
            self._connection(),
            wanted,
            workers=LAST_ACCESSED_WORKERS,
            cancel=cancel,
            progress=progress,
            on_result=arrived,
        )
        if pending:
            merge()
        state = self._state
        if state is None:
            raise RuntimeError("nothing loaded yet")
        return FetchedAll(state, len(batch.results), dict(batch.failures), batch.cancelled)

    def usage(
        self, targets: Sequence[UsageTarget], cancel: CancelToken | None = None
    ) -> tuple[UsageReport, ...]:
        """Who used these credentials: CloudTrail event history (90 days, the connection's
        region) and IAM's last-used data, one report each; read live, never kept."""
        from iamtui.core.usage import lookup_usage

        if self.kind is SourceKind.SNAPSHOT:
            raise Offline("CloudTrail is not in this snapshot (offline): run on the live account")
        conn = self._connection()
        return tuple(lookup_usage(conn, t, now=self.clock(), cancel=cancel) for t in targets)

    def analyzer_review(
        self, principal_arn: str, *, generate: bool = False, cancel: CancelToken | None = None
    ) -> AnalyzerReview:
        """Access Analyzer's findings on one user or role with their details and existing
        recommendations; ``generate`` asks for the missing ones. Read live, never kept."""
        from iamtui.core.account_resources import read_analyzer_review
        from iamtui.core.loader import describe_failure
        from iamtui.core.second_opinion import unavailable_reason

        if self.kind is SourceKind.SNAPSHOT:
            raise Offline("Access Analyzer is not in this snapshot (offline): run live")
        snap = self._require_snapshot()
        state = snap.access_analyzer
        analyzer = state.unused_access if state is not None else None
        if analyzer is None:
            raise Offline(unavailable_reason(snap) or "no unused-access analyzer")
        conn = self._connection()
        return read_analyzer_review(
            conn.accessanalyzer,
            analyzer,
            principal_arn,
            cancel.check if cancel is not None else lambda: None,
            generate=generate,
            describe=lambda exc: (
                describe_failure("access-analyzer:GenerateFindingRecommendation", exc).reason
            ),
            policies=snap.policies,
        )

    def close(self) -> None:
        """Stop the embedded demo and release the journal lock; safe to call twice."""
        with self._lock:
            demo, self._demo = self._demo, None
            writer, self._journaling.writer = self._journaling.writer, None
            self._closed = True
        if writer is not None:
            writer.close()
        if demo is not None:
            demo.stop()

    # -- actions (call from worker threads) -----------------------------------------------

    def planner(self) -> Planner:
        """A planner over the data the operator reviewed; refuses when actions are disabled."""
        from iamtui.core.actions import Planner, ReadOnlyMode

        reason = self.block_reason
        if reason is not None:
            raise ReadOnlyMode(reason)
        return Planner(
            self._connection(),
            self._require_snapshot(),
            read_only=False,
            clock=self.clock,
            settings=self.settings,
        )

    def plan_action(
        self,
        requests: Sequence[Request],
        *,
        selection: Selection | None = None,
        skipped: Sequence[Skipped] = (),
    ) -> PlannedAction:
        """Plan what the operator selected: one request, or one batch plan for several.

        Reads IAM. A key known only by its credential-report slot is resolved by the planner
        (by creation time); requests that cannot be planned in a batch are listed as skipped,
        after ``skipped`` (selected rows the loaded data already showed it does not apply to).
        """
        from iamtui.core.actions import ActionId, ActionRefused

        planner = self.planner()
        # The planner refuses these two without an explicit override; here the override is the
        # key ids the operator types in the preview (PlannedAction.override_phrase).
        wanted = list(
            dict.fromkeys(
                replace(
                    r,
                    allow_active=r.action is ActionId.KEY_DELETE or r.allow_active,
                    accept_unverified_use=True,
                )
                for r in requests
            )
        )
        if not wanted:
            raise ActionRefused("nothing to do")
        if len(wanted) == 1 and not skipped:
            plan = planner.plan(wanted[0])
        else:
            plan = planner.batch(wanted, selection=selection, skipped=skipped)
        acted_on = {s.call.params.get("AccessKeyId") for s in plan.steps}
        return PlannedAction(
            plan,
            active_keys=_active_key_deletes(plan, wanted),
            unverified_keys=tuple(
                dict.fromkeys(k for k in planner.unverified_keys if k in acted_on)
            ),
        )

    def plan_undo(self, entry_id: str) -> PlannedAction:
        """The inverse plan of a journal entry (verifies the journal first)."""
        from iamtui.core.actions import undo_entry

        plan = undo_entry(self.planner(), self.journal, entry_id)
        return PlannedAction(plan, undoes=entry_id)

    def plan_root_remedy(self, remedy: object, **values: str) -> PlannedAction:
        """The plan of a root-report remedy (``Request.from_remedy``)."""
        from iamtui.core.actions import Request

        return PlannedAction(self.planner().plan(Request.from_remedy(remedy, **values)))

    def execute(
        self,
        planned: PlannedAction,
        *,
        typed: str | None = None,
        override: str | None = None,
        progress: Callable[[int, StepOutcome], None] | None = None,
        started: Callable[[int], None] | None = None,
    ) -> ExecutionReport:
        """Run a previewed plan once the operator typed what it needs; journaled step by step."""
        from iamtui.core.actions import ActionRefused, Executor, Hooks, ReadOnlyMode

        reason = self.block_reason
        if reason is not None:
            raise ReadOnlyMode(reason)
        if not planned.check_override(override):
            raise ActionRefused(f"type {planned.override_phrase!r} {planned.override_reason}")
        confirmed = planned.plan.confirm(typed)
        journaling = self._journaling
        executor = Executor(
            self._connection(),
            journaling.writer if journaling.writer is not None else journaling.journal,
            dry_run=self.dry_run,
            clock=self.clock,
            hooks=Hooks(after_intent=started),
        )
        return executor.run(confirmed, progress=progress)

    def refresh_after(self, plan: Plan) -> State:
        """Reload the account after a plan ran, with live credentials for the users it touched.

        AWS regenerates the credential report at most every 4 hours, so the reloaded report
        still shows the keys and passwords as they were. The rows of the users the plan changed
        are replaced by what ``ListAccessKeys``, ``GetLoginProfile`` and ``ListMFADevices`` say
        now, until a newer report arrives; the user's details say so.
        """
        from iamtui.core.actions.reads import login_profile

        previous = self.snapshot
        snap = self._load_snapshot()
        conn = self._connection()
        users = {t.name for t in plan.targets if t.kind == "user"}
        details: list[PrincipalDetail] = []
        for name in sorted(users):
            user = snap.user(name)
            if user is None:
                with self._lock:
                    self._journaling.patches.pop(name, None)
                continue
            detail = loader.load_user_detail(conn, user, clock=self.clock)
            details.append(detail)
            live = _LiveCredentials(
                name,
                self.clock(),
                detail.access_keys,
                login_profile(conn.iam, name) is not None,
                bool(detail.mfa_devices),
            )
            with self._lock:
                self._journaling.patches[name] = live
        if details:
            snap = snap.with_details(*details)
        stale = regranted(previous, snap, plan) if previous is not None else []
        if stale:
            # AWS lists the services a principal's policies grant *now*: a plan that changed
            # them (right-sizing, its undo) made the loaded data wrong. A failed job keeps it.
            fresh = loader.load_last_accessed_batch(conn, stale, workers=LAST_ACCESSED_WORKERS)
            snap = snap.with_last_accessed(*fresh.results.values())
        self._read_journal()
        return self._publish(snap)

    def refresh_journal(self) -> State:
        """Read the journal again (another iamtui may have written to it) and re-check the
        evidence of its open follow-ups on the live account (IAM reads; CloudTrail when one is
        planned)."""
        self._read_journal()
        self._recheck_follow_ups()
        with self._lock:
            return self._publish(self._require_snapshot())

    def _recheck_follow_ups(self) -> None:
        from iamtui.core.actions.followups import recheck

        journaling = self._journaling
        items = journaling.follow_ups
        if not items:
            return
        if self.is_offline:
            journaling.unchecked = "offline (a snapshot): open the live account to re-check"
            return
        conn = self._connection()
        now = self.clock()
        checks = {i.ref: recheck(conn, i, now=now, cloudtrail=False) for i in items}
        with self._lock:
            journaling.checks = checks
            journaling.unchecked = ""

    def plan_follow_up(self, ref: str) -> PlannedAction:
        """A due follow-up as a normal plan, its evidence re-checked first (CloudTrail too)."""
        from iamtui.core.actions.followups import plan_follow_up

        plan, _ = plan_follow_up(self.planner(), self.journal, ref, now=self.clock())
        return PlannedAction(plan)

    def dismiss_follow_up(self, ref: str, reason: str = "") -> State:
        """Record in the journal that a follow-up will not be done; it is offered no more."""
        from iamtui.core.actions import ReadOnlyMode

        reason_blocked = self.block_reason
        writer = self._journaling.writer
        if reason_blocked is not None or writer is None:
            raise ReadOnlyMode(reason_blocked or "the journal is not open for writing")
        item = self.journal.follow_up(ref, self.clock())
        if not item.open:
            raise JournalError(f"follow-up {item.ref} is {item.note}: nothing to dismiss")
        writer.dismiss(item.entry.id, item.index, reason)
        return self.refresh_journal()

    def verify_journal(self) -> Verification:
        """Check the journal's hash chain and head."""
        return self.journal.verify()

    def progress_since_saved(self, *, index: Path | None = None) -> tuple[Diff, Path]:
        """What changed since this account's last ``iamtui snapshot save``: findings fixed and
        new, principals added and removed, and the journal's changes in between.

        Raises DiffRefused (one line) when the account was never saved or the file is newer.
        """
        from iamtui.core import diff as compare
        from iamtui.core import snapshot as snapshot_io

        state = self._state
        if state is None:
            raise RuntimeError("nothing loaded yet")
        snap = state.snapshot
        path = snapshot_io.last_saved(snap.account_id, index=index)
        if path is None:
            raise compare.DiffRefused(
                f"no saved snapshot of account {snap.account_id}: save one with "
                "'iamtui snapshot save FILE', then P shows the progress since"
            )
        old = snapshot_io.load(path)
        compare.check_comparable(old, snap)
        try:
            entries: Sequence[Entry] = self.journal.entries()
        except JournalError:
            entries = ()  # a damaged journal: the Journal pane says so; findings still compare
        old_evaluation = evaluate(old, now=old.loaded_at, settings=self.settings)
        return compare.compare(old, snap, old_evaluation, state.evaluation, entries), path

    def root_report(self, *, reload: bool = False) -> RootReport:
        """The root-hardening checklist; ``reload`` re-reads the whole account first (verify)."""
        from iamtui.core.root import RootExtra, evaluate_root, load_root_state

        if reload:
            self.load()
        snap = self._require_snapshot()
        if self.is_offline:
            extra = RootExtra.not_loaded(
                "not in snapshot: a live call (open the live account to check it)", snap
            )
        else:
            extra = load_root_state(self._connection(), snap, clock=self.clock)
        return evaluate_root(snap, extra, now=self.clock(), settings=self.settings)

    # -- internals ------------------------------------------------------------------------

    def _open_journal(self) -> None:
        """Take the journal's writer lock once; a busy or damaged journal means read-only."""
        journaling = self._journaling
        if journaling.opened or self._static_block or self.dry_run:
            return
        journaling.opened = True
        try:
            writer = JournalWriter(journaling.journal, clock=self.clock)
        except JournalError as exc:
            journaling.problem = str(exc)
            return
        except OSError as exc:
            journaling.problem = f"journal {journaling.journal.path}: {exc.strerror or exc}"
            return
        with self._lock:
            if self._closed:
                writer.close()
                return
            journaling.writer = writer

    def _read_journal(self) -> None:
        journaling = self._journaling
        try:
            journaling.entries = tuple(journaling.journal.entries())
            journaling.read_error = None
        except OSError as exc:
            journaling.entries = ()
            journaling.read_error = f"cannot read {journaling.journal.path}: {exc.strerror or exc}"
        except JournalError as exc:  # not a regular file: a warning, never a load failure
            journaling.entries = ()
            journaling.read_error = str(exc)
        items = follow_up_items(journaling.entries, self.clock())
        journaling.follow_ups = tuple(i for i in items if i.open)
        known = {i.ref for i in journaling.follow_ups}
        journaling.checks = {k: v for k, v in journaling.checks.items() if k in known}

    def _read_snapshot(self, report: Progress) -> AccountSnapshot:
        if self._preloaded is not None and self._state is None:
            snap = self._preloaded
        elif self.snapshot_file is not None:
            from iamtui.core import snapshot as snapshot_io

            report(StepUpdate(FILE_STEP, "running", str(self.snapshot_file)))
            snap = snapshot_io.load(self.snapshot_file)
        else:
            snap = self._require_snapshot()
        report(StepUpdate(FILE_STEP, "done", str(self.snapshot_file or "in memory")))
        for part, _label in STEPS:
            gone = snap.unavailable_part(part)
            if gone is not None:
                report(StepUpdate(part, "unavailable", gone.reason))
            else:
                report(StepUpdate(part, "done", "from the snapshot file"))
        return snap

    def _connection(self, report: Progress | None = None) -> Connection:
        with self._lock:
            if self._conn is not None:
                return self._conn
            settings = self.connection_settings
            if self.kind is SourceKind.DEMO:
                if self._closed:
                    raise RuntimeError("workspace closed")
                if self._demo is None:
                    if self._demo_starter is None:
                        raise RuntimeError("demo workspace without a demo starter")
                    if report is not None:
                        report(StepUpdate(DEMO_STEP, "running", "starting the embedded demo"))
                    self._demo = self._demo_starter()
                    if report is not None:
                        report(StepUpdate(DEMO_STEP, "done", "embedded demo running"))
                settings = self._demo.settings()
            self._conn = self._connector(settings)
            return self._conn

    def _require_snapshot(self) -> AccountSnapshot:
        snap = self.snapshot
        if snap is None:
            raise RuntimeError("nothing loaded yet")
        return snap

    def _publish(self, snap: AccountSnapshot) -> State:
        """Evaluate and build pane rows for a new snapshot, then make it current.

        When the snapshot differs from the current one in a few principals (a detail fetch,
        a reload after an action), only their rules run and only their rows are rebuilt: the
        result is what a full evaluation at the current state's ``now`` gives. Past
        ``PATCH_WINDOW`` since that ``now``, or after a wider change, everything is rebuilt.
        """
        now = self.clock()
        snap, live = self._apply_live_credentials(snap)
        journaling = self._journaling
        journal = JournalData(
            str(journaling.journal.path),
            journaling.entries,
            journaling.read_error,
            journaling.problem if not (self._static_block or self.dry_run) else None,
            journaling.follow_ups,
            dict(journaling.checks),
            journaling.unchecked,
        )
        while True:
            previous = self._state
            evaluation, views, patched = self._build(previous, snap, now, journal, live)
            with self._lock:
                if self._state is not previous:
                    continue  # another worker published meanwhile: patch onto that state
                self._generation += 1
                state = State(snap, evaluation, views, self._generation, patched)
                self._state = state
                return state

    def _build(
        self,
        previous: State | None,
        snap: AccountSnapshot,
        now: datetime,
        journal: JournalData,
        live: Mapping[str, datetime],
    ) -> tuple[Evaluation, Views, frozenset[str] | None]:
        """A patch of ``previous`` when only a few principals changed, else a fresh build."""
        change = None
        if previous is not None and now - previous.evaluation.now <= PATCH_WINDOW:
            change = difference(previous.snapshot, snap)
        if previous is None or change is None:
            evaluation = evaluate(snap, now=now, settings=self.settings)
            views = Views(snap, evaluation, now, self.settings, journal=journal, live=live)
            return evaluation, views.build_all(), None
        changed = change.principals | {
            user.arn
            for user in snap.users
            if previous.views.live.get(user.name) != live.get(user.name)
        }
        evaluation = evaluate_changes(
            previous.evaluation,
            snap,
            principals=changed,
            account_changed=change.account,
            settings=self.settings,
        )
        views = previous.views.patched(
            snap,
            evaluation,
            principals=changed,
            account_changed=change.account,
            journal=journal if journal != previous.views.journal else None,
            live=live,
        )
        return evaluation, views, changed

    def _apply_live_credentials(
        self, snap: AccountSnapshot
    ) -> tuple[AccountSnapshot, Mapping[str, datetime]]:
        """Report rows of users an action changed, from live reads, until a newer report."""
        report = snap.credential_report
        with self._lock:
            for name, patch in list(self._journaling.patches.items()):
                if report is not None and report.generated_at > patch.at:
                    del self._journaling.patches[name]  # a report generated after the live read
            patches = dict(self._journaling.patches)
        if not patches or report is None:
            return snap, {}
        rows = []
        live: dict[str, datetime] = {}
        for row in report.rows:
            found = patches.get(row.user)
            if found is not None and snap.user(row.user) is not None:
                rows.append(_patched_row(row, found))
                live[row.user] = found.at
            else:
                rows.append(row)
        if not live:
            return snap, {}
        patched = CredentialReport(report.generated_at, tuple(rows), report.root)
        return replace(snap, credential_report=patched), live

    def now(self) -> datetime:
        """The injected clock's current time."""
        return self.clock()


def _active_key_deletes(plan: Plan, requests: Sequence[Request]) -> tuple[str, ...]:
    """Key ids a ``key.delete`` or ``user.delete`` request deletes while the plan saw them Active.

    Deleting a user deletes its keys: an Active one needs the same typed key id as key.delete.
    """
    from iamtui.core.actions import ActionId
    from iamtui.core.subjects import KeySubject, PrincipalSubject

    keys = [
        r.subject
        for r in requests
        if r.action is ActionId.KEY_DELETE and isinstance(r.subject, KeySubject)
    ]
    wanted = {k.key_id for k in keys if k.key_id}
    #: Users whose keys are known once planned (named by report slot, or the user is deleted).
    by_user = {k.user for k in keys if not k.key_id} | {
        r.subject.name
        for r in requests
        if r.action is ActionId.USER_DELETE and isinstance(r.subject, PrincipalSubject)
    }
    found: list[str] = []
    for step in plan.steps:
        key_id = step.call.params.get("AccessKeyId")
        if step.call.operation != "DeleteAccessKey":
            continue
        if key_id not in wanted and step.call.params.get("UserName") not in by_user:
            continue
        if any(c.probe == "key.status" and c.expect == "Active" for c in step.preconditions):
            found.append(str(key_id))
    return tuple(dict.fromkeys(found))


_EMPTY_KEY = ReportKey(
    False, Missing.NOT_APPLICABLE, Missing.NOT_APPLICABLE, Missing.NOT_APPLICABLE,
    Missing.NOT_APPLICABLE,
)  # fmt: skip


def _report_key(
    key: AccessKey, rotated: datetime | None = None, old: ReportKey | None = None
) -> ReportKey:
    """A report slot from a live key (its last use when known, else what the report said)."""
    if key.last_used is not None:
        return ReportKey(
            key.active,
            rotated or key.create_date,
            key.last_used,
            key.last_used_region or Missing.NOT_APPLICABLE,
            key.last_used_service or Missing.NOT_APPLICABLE,
        )
    if old is not None:
        return replace(old, active=key.active)
    return ReportKey(
        key.active,
        key.create_date,
        Missing.NOT_APPLICABLE,
        Missing.NOT_APPLICABLE,
        Missing.NOT_APPLICABLE,
    )


def _patched_row(row: CredentialReportRow, live: _LiveCredentials) -> CredentialReportRow:
    """The row with its key slots, password and MFA flags as read live."""
    remaining = list(live.keys)
    slots: list[ReportKey | None] = []
    for slot in row.keys:
        rotated = slot.last_rotated
        match = None
        if isinstance(rotated, datetime):
            match = next(
                (k for k in remaining if abs(k.create_date - rotated) < timedelta(seconds=1)),
                None,
            )
        if match is None:
            slots.append(None)
            continue
        remaining.remove(match)
        slots.append(_report_key(match, match.create_date, slot))
    filled = [s if s is not None else (_report_key(remaining.pop(0)) if remaining else _EMPTY_KEY)
              for s in slots]  # fmt: skip
    return replace(
        row,
        password_enabled=live.password,
        mfa_active=live.mfa,
        access_key_1=filled[0],
        access_key_2=filled[1],
    )
