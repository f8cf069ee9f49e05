"""All panes of one state: built once in a worker, patched row by row after a change.

:class:`Views` holds the lookups every pane shares (findings per principal and per key slot,
report rows by user) and builds each pane once. :meth:`Views.patched` makes the Views of a state
that differs from this one only in a few principals: it rebuilds their rows, reuses every
other row object, and keeps the panes nothing touched as the very same objects, so the UI can
skip them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from itertools import compress
from operator import attrgetter
from typing import TypeAlias

from iamtui.core.findings import AccountIndex, Evaluation, Finding, NotEvaluated
from iamtui.core.journal import Entry
from iamtui.core.model import AccountSnapshot, CredentialReportRow, Group, Role, User
from iamtui.core.output import data_age
from iamtui.core.second_opinion import SecondOpinion, compare
from iamtui.core.settings import Settings
from iamtui.core.views import details, findings, journal, keys, overview, review, roles, root, users
from iamtui.core.views.details import Detail
from iamtui.core.views.format import age_text
from iamtui.core.views.journal import (
    FollowUpRow,
    JournalData,
    describe_entry,
    describe_follow_up,
)
from iamtui.core.views.keys import KeySlot
from iamtui.core.views.overview import Overview
from iamtui.core.views.review import Review
from iamtui.core.views.root import Check
from iamtui.core.views.table import (
    TABLE_PANES,
    GroupSpec,
    Pane,
    PaneView,
    Row,
    natural_widths,
    patch_widths,
)

_Lookups: TypeAlias = tuple[
    dict[str, User],
    dict[str, Role],
    dict[str, User | Role],
    defaultdict[str, list[Finding]],
    defaultdict[tuple[str, int], list[Finding]],
]

_ARN = attrgetter("principal_arn")
#: Active findings are those without a suppression (``Evaluation.active``), counted at C speed.
_SUPPRESSED = attrgetter("suppressed")

_BUILDERS = {
    Pane.FINDINGS: findings.build,
    Pane.USERS: users.build,
    Pane.ROLES: roles.build,
    Pane.KEYS: keys.build,
    Pane.ROOT: root.build,
    Pane.JOURNAL: journal.build,
}


class Views:
    """Row builders over one snapshot and its evaluation, each pane built once on first use."""

    def __init__(
        self,
        snapshot: AccountSnapshot,
        evaluation: Evaluation,
        now: datetime,
        settings: Settings | None = None,
        *,
        journal: JournalData | None = None,
        live: Mapping[str, datetime] | None = None,
        _lookups: _Lookups | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.evaluation = evaluation
        self.now = now
        self.settings = settings or Settings()
        self.journal = journal or JournalData("", ())
        #: Users whose report row was replaced by live reads after an action, and when.
        self.live: Mapping[str, datetime] = live or {}
        self._panes: dict[Pane, PaneView] = {}
        self._positions: dict[str, int] | None = None
        self._counts: dict[Pane, int] | None = None
        if _lookups is not None:
            (self.users, self.roles, self.by_arn, self.by_principal, self.by_key) = _lookups
        else:
            self.users = {u.name: u for u in snapshot.users}
            self.roles = {r.name: r for r in snapshot.roles}
            self.by_arn = {u.arn: u for u in snapshot.users}
            self.by_arn.update((r.arn, r) for r in snapshot.roles)
            self.by_principal = defaultdict(list)
            self.by_key = defaultdict(list)
            self._add_findings(evaluation.findings)
        report = snapshot.credential_report
        self.report_rows: dict[str, CredentialReportRow] = report.by_user() if report else {}

    def _add_findings(self, found: Iterable[Finding]) -> None:
        for f in found:
            self.by_principal[f.principal_arn].append(f)
            if f.key is not None:
                self.by_key[(f.principal_arn, f.key.slot)].append(f)

    def position(self, arn: str) -> int:
        """Where a user or role is in the snapshot's users or roles: its Users or Roles row."""
        if self._positions is None:
            found = {u.arn: i for i, u in enumerate(self.snapshot.users)}
            found.update((r.arn, i) for i, r in enumerate(self.snapshot.roles))
            self._positions = found
        return self._positions[arn]

    @cached_property
    def second_opinion(self) -> SecondOpinion:
        """Access Analyzer's view beside this evaluation's findings (computed on first use)."""
        return compare(self.snapshot, self.evaluation.findings, self.settings.thresholds, self.now)

    @cached_property
    def index(self) -> AccountIndex:
        """The rules' lookups (live report rows) over this snapshot, built when first needed."""
        return AccountIndex(self.snapshot)

    # -- panes ------------------------------------------------------------------------------

    def pane(self, pane: Pane) -> PaneView:
        """The pane's rows, built on first use and kept (table panes: not the overview)."""
        found = self._panes.get(pane)
        if found is None:
            built = _BUILDERS[pane](self)
            found = self._panes[pane] = PaneView(
                built.pane,
                built.columns,
                built.rows,
                built.groups,
                built.unavailable,
                natural_widths(built.columns, built.rows),
                built.empty,
            )
        return found

    def build_all(self) -> Views:
        """Build every pane now (in a worker), so switching panes costs the UI nothing."""
        for pane in TABLE_PANES:
            self.pane(pane)
        self.counts()
        _ = self.overview
        return self

    @cached_property
    def overview(self) -> Overview:
        """The Overview pane's figures, computed once per state (in the worker that built it)."""
        return overview.compute(self.snapshot, self.evaluation, self.now, index=self.index)

    def counts(self) -> dict[Pane, int]:
        """Item counts for the tab labels (counted once, in the worker that built the panes)."""
        if self._counts is None:
            self._counts = self._count()
        return dict(self._counts)

    def _count(self) -> dict[Pane, int]:
        return {
            Pane.FINDINGS: list(map(_SUPPRESSED, self.evaluation.findings)).count(None),
            Pane.USERS: len(self.snapshot.users),
            Pane.ROLES: len(self.snapshot.roles),
            Pane.KEYS: self.pane(Pane.KEYS).total,
            Pane.ROOT: sum(
                1
                for r in self.pane(Pane.ROOT).rows
                if isinstance(r.data, Check) and r.data.status == "FAIL"
            ),
            Pane.JOURNAL: len(self.journal.entries),
        }

    def missing(self, part: str) -> str | None:
        """Why a part of the snapshot is unavailable (the pane says so), or None."""
        gone = self.snapshot.unavailable_part(part)
        return gone.reason if gone is not None else None

    # -- patches ----------------------------------------------------------------------------

    def patched(
        self,
        snapshot: AccountSnapshot,
        evaluation: Evaluation,
        *,
        principals: Collection[str],
        account_changed: bool = False,
        journal: JournalData | None = None,
        live: Mapping[str, datetime] | None = None,
    ) -> Views:
        """The Views of a state that differs from this one only in ``principals`` (ARNs).

        Equal, row for row, to building every pane afresh; the rows of other principals are
        reused and untouched panes are the same objects (``pane(p) is old.pane(p)``). A change
        that adds or removes principals, or to account data, builds every pane afresh.
        """
        scope = frozenset(principals)
        journal = journal or self.journal
        live = self.live if live is None else live
        same_people = len(snapshot.users) == len(self.snapshot.users) and len(
            snapshot.roles
        ) == len(self.snapshot.roles)
        if account_changed or not same_people or not scope <= self.by_arn.keys():
            fresh = Views(snapshot, evaluation, self.now, self.settings, journal=journal, live=live)
            return fresh.build_all()
        new = Views(
            snapshot, evaluation, self.now, self.settings, journal=journal, live=live,
            _lookups=self._patched_lookups(snapshot, evaluation, scope),
        )  # fmt: skip
        if scope:
            self.position(next(iter(scope)))  # built once, shared: the same people in order
        new._positions = self._positions
        try:
            new._patch_panes(self, scope)
        except findings.Unpatchable:
            fresh = Views(snapshot, evaluation, self.now, self.settings, journal=journal, live=live)
            return fresh.build_all()
        new.counts()
        _ = new.overview
        return new

    def _patch_panes(self, base: Views, scope: frozenset[str]) -> None:
        """Each pane of ``base`` with the rows of ``scope`` rebuilt (or ``base``'s own view)."""
        changed_users = {u.name for u in self.users.values() if u.arn in scope}
        changed_users |= set(base.live) ^ set(self.live)
        for pane in TABLE_PANES:
            old = base._panes.get(pane)
            if old is None:
                self.pane(pane)
            elif pane is Pane.JOURNAL:
                self._panes[pane] = old if self.journal is base.journal else self.pane(pane)
            elif pane is Pane.ROOT:
                if root.unchanged_by(base, self, scope):
                    self._panes[pane] = old
                else:
                    self.pane(pane)  # an administrator changed: break-glass may have too
            elif pane is Pane.FINDINGS:
                self._set(pane, old, findings.patch(self, old, scope))
            elif pane is Pane.USERS:
                self._set(pane, old, users.patch(self, old, changed_users))
            elif pane is Pane.ROLES:
                self._set(pane, old, roles.patch(self, old, scope))
            else:
                self._set(pane, old, keys.patch(self, old, changed_users))

    def _patched_lookups(
        self, snapshot: AccountSnapshot, evaluation: Evaluation, scope: frozenset[str]
    ) -> _Lookups:
        """This Views' lookups with the entries of ``scope`` replaced (no pass over everyone)."""
        users, roles, by_arn = dict(self.users), dict(self.roles), dict(self.by_arn)
        if snapshot.users is not self.snapshot.users:
            for u in snapshot.users:
                if u.arn in scope:
                    users[u.name] = by_arn[u.arn] = u
        if snapshot.roles is not self.snapshot.roles:
            for r in snapshot.roles:
                if r.arn in scope:
                    roles[r.name] = by_arn[r.arn] = r
        by_principal = defaultdict(list, self.by_principal)
        by_key = defaultdict(list, self.by_key)
        for arn in scope:
            by_principal.pop(arn, None)
            for slot in (1, 2):
                by_key.pop((arn, slot), None)
        findings = evaluation.findings
        for f in compress(findings, map(scope.__contains__, map(_ARN, findings))):
            by_principal[f.principal_arn].append(f)
            if f.key is not None:
                by_key[(f.principal_arn, f.key.slot)].append(f)
        return users, roles, by_arn, by_principal, by_key

    def _set(
        self, pane: Pane, old: PaneView, patch: tuple[PaneView, list[Row], list[Row]] | None
    ) -> None:
        """Keep ``old`` when nothing changed; else the new view with widths patched."""
        if patch is None:
            self._panes[pane] = old
            return
        view, removed, added = patch
        widths = patch_widths(old, view.rows, removed, added)
        self._panes[pane] = PaneView(
            view.pane, view.columns, view.rows, view.groups, view.unavailable, widths, view.empty
        )

    # -- details and review -----------------------------------------------------------------

    def describe(self, row: Row) -> Detail:
        """The detail panel of a row: exact dates, evidence, ARN, tags, practice."""
        data = row.data
        if isinstance(data, Finding):
            return details.describe_finding(self, data)
        if isinstance(data, User):
            return details.describe_user(self, data)
        if isinstance(data, Role):
            return details.describe_role(self, data)
        if isinstance(data, KeySlot):
            return details.describe_key(self, data)
        if isinstance(data, NotEvaluated):
            return details.describe_not_evaluated(data)
        if isinstance(data, Check):
            return details.describe_check(self, data)
        if isinstance(data, Entry):
            return describe_entry(data, self.journal.entries, self.now)
        if isinstance(data, FollowUpRow):
            return describe_follow_up(data)
        if isinstance(data, GroupSpec):
            return details.describe_group(data)
        return Detail(row.cells[0] if row.cells else "", "", ())

    def review(self, principal: User | Role) -> Review:
        """The review screen's content for one user or role."""
        return review.build(self, principal)

    def key_slots(self) -> list[KeySlot]:
        """Slots holding a key (active or inactive) of users that still exist."""
        return keys.key_slots(self)

    def find_principal(self, kind: str, name: str) -> User | Role | None:
        """A user or role by name (the CLI's ``iamtui user NAME``)."""
        if kind == "user":
            return self.users.get(name)
        if kind == "role":
            return self.roles.get(name)
        return None

    def principal_names(self) -> list[tuple[str, str]]:
        """(kind, name) of every user and role, for the command palette."""
        return [("user", u.name) for u in self.snapshot.users] + [
            ("role", r.name) for r in self.snapshot.roles
        ]

    @cached_property
    def groups(self) -> dict[str, Group]:
        """Groups by name, for the review's policies inherited through groups."""
        return {g.name: g for g in self.snapshot.groups}


@dataclass(frozen=True, slots=True)
class HeaderInfo:
    """What the app header says: which account, as whom, how old the data is, which mode."""

    account: str
    caller: str
    age: str
    source: str
    read_only: bool
    #: The mode badge ("SNAPSHOT (read-only)", "READ-ONLY", "DRY RUN"), None when read-write.
    mode: str | None = None


def header_info(
    snapshot: AccountSnapshot | None,
    now: datetime,
    source: str,
    read_only: bool,
    mode: str | None = None,
) -> HeaderInfo:
    """The header's text pieces (before or after a load)."""
    if mode is None and read_only:
        mode = "SNAPSHOT (read-only)"
    if snapshot is None:
        return HeaderInfo("loading…", "", "", source, read_only, mode)
    account = f"{snapshot.alias} ({snapshot.account_id})" if snapshot.alias else snapshot.account_id
    caller = snapshot.caller.arn if snapshot.caller else "caller unknown"
    delta = data_age(snapshot, now)
    if delta is None:
        age = "no credential report"
    elif delta < timedelta(minutes=1):
        age = "credential report just generated"
    else:
        age = f"credential report {age_text(delta)} old"
    return HeaderInfo(account, caller, age, source, read_only, mode)
