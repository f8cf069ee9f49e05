"""The TUI's headless working state: where the account comes from, what is loaded, what it means.

A :class:`Workspace` owns the source of the account (live credentials, the embedded demo, or an
offline snapshot file), the current :class:`AccountSnapshot`, the settings and the
:class:`Evaluation`, re-evaluated whenever data changes. Its blocking methods are called from
the UI's thread workers; every change produces a new immutable :class:`State` (with a rising
``generation``), so the UI can ignore results that arrive out of order.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from iamtui.core import loader
from iamtui.core.findings import Evaluation, evaluate
from iamtui.core.loader import STEPS, CancelToken, Clock, Progress, StepUpdate, utcnow
from iamtui.core.model import AccountSnapshot, LastAccessed, PrincipalDetail, User
from iamtui.core.session import Connection, ConnectionSettings, connect
from iamtui.core.settings import Settings
from iamtui.core.views import Views

#: The pseudo-step reported while the embedded demo endpoint starts.
DEMO_STEP = "demo"
#: The pseudo-step reported while a snapshot file is read.
FILE_STEP = "file"


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
    ) -> None:
        self.kind = kind
        self.settings = settings or Settings()
        self.clock = clock
        self.connection_settings = connection_settings or ConnectionSettings()
        self.snapshot_file = snapshot_file
        self._demo_starter = demo_starter
        self._connector = connector
        self._demo: DemoHandle | None = None
        self._conn: Connection | None = None
        self._preloaded = snapshot
        self._state: State | None = None
        self._generation = 0
        self._lock = threading.RLock()
        self._closed = False

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def live(
        cls,
        connection_settings: ConnectionSettings,
        *,
        settings: Settings | None = None,
        clock: Clock = utcnow,
    ) -> Workspace:
        """An account reached with the operator's credentials (or an --endpoint-url)."""
        return cls(
            SourceKind.LIVE,
            settings=settings,
            clock=clock,
            connection_settings=connection_settings,
        )

    @classmethod
    def demo(
        cls,
        starter: Callable[[], DemoHandle],
        *,
        settings: Settings | None = None,
        clock: Clock = utcnow,
    ) -> Workspace:
        """The embedded demo: started on the first load, stopped by close()."""
        return cls(SourceKind.DEMO, settings=settings, clock=clock, demo_starter=starter)

    @classmethod
    def offline(
        cls,
        path: Path,
        *,
        settings: Settings | None = None,
        clock: Clock = utcnow,
    ) -> Workspace:
        """A saved snapshot file, read now (so a bad file fails before the TUI starts)."""
        from iamtui.core import snapshot as snapshot_io

        return cls(
            SourceKind.SNAPSHOT,
            settings=settings,
            clock=clock,
            snapshot_file=path,
            snapshot=snapshot_io.load(path),
        )

    @classmethod
    def from_snapshot(
        cls,
        snapshot: AccountSnapshot,
        *,
        settings: Settings | None = None,
        clock: Clock = utcnow,
    ) -> Workspace:
        """An in-memory snapshot, offline and read-only (tests, benchmarks)."""
        return cls(SourceKind.SNAPSHOT, settings=settings, clock=clock, snapshot=snapshot)

    # -- what the UI reads ----------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """Snapshot mode can never change the account."""
        return self.kind is SourceKind.SNAPSHOT

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
        report = progress or (lambda _update: None)
        if self.kind is SourceKind.SNAPSHOT:
            snap = self._read_snapshot(report)
        else:
            conn = self._connection(report)
            snap = loader.load_account(conn, clock=self.clock, progress=progress, cancel=cancel)
            if self.kind is SourceKind.DEMO:
                snap = replace(snap, source="demo")
            previous = self.snapshot
            if previous is not None and previous.last_accessed:
                arns = {u.arn for u in snap.users} | {r.arn for r in snap.roles}
                kept = [v for k, v in previous.last_accessed.items() if k in arns]
                snap = snap.with_last_accessed(*kept)
        return self._publish(snap)

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

    def close(self) -> None:
        """Stop the embedded demo, if one was started; safe to call twice."""
        with self._lock:
            demo, self._demo = self._demo, None
            self._closed = True
        if demo is not None:
            demo.stop()

    # -- internals ------------------------------------------------------------------------

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
        """Evaluate and build pane rows for a new snapshot, then make it current."""
        now = self.clock()
        evaluation = evaluate(snap, now=now, settings=self.settings)
        views = Views(snap, evaluation, now, self.settings).build_all()
        with self._lock:
            self._generation += 1
            state = State(snap, evaluation, views, self._generation)
            self._state = state
        return state

    def now(self) -> datetime:
        """The injected clock's current time."""
        return self.clock()
