"""Pure row builders for the TUI's panes and review screen: the UI only draws what these return.

Everything a pane shows is computed here, once per data change and off the UI thread: display
text (humanized ages), raw sort values, a lower-case search text, a tone per cell (severity or
ok/warn/bad) and a stable key per row. Filtering and sorting work on these rows, never on
widgets, so 10,000 principals filter in milliseconds. No Textual import: this is the core.
"""

from __future__ import annotations

import enum
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property, lru_cache

import humanize

from iamtui.core.findings import (
    AccountIndex,
    Evaluation,
    EvidenceValue,
    Finding,
    NotEvaluated,
    PrincipalKind,
    Rule,
    Severity,
)
from iamtui.core.journal import Entry
from iamtui.core.model import (
    AccessKey,
    AccountSnapshot,
    AttachedPolicy,
    CredentialReportRow,
    Group,
    InlinePolicy,
    LastAccessed,
    Missing,
    Part,
    PolicyDocument,
    ReportDate,
    ReportKey,
    ReportText,
    Role,
    Tag,
    User,
)
from iamtui.core.output import data_age
from iamtui.core.policy import analyse_trust, is_admin_document, is_administrator_access
from iamtui.core.rules import ALL_RULES, RULES_BY_ID
from iamtui.core.rules._common import match_key_id
from iamtui.core.settings import Settings

#: A raw value to sort a column by; None (no value) always sorts last.
SortValue = str | float | None


class Pane(enum.StrEnum):
    """The main screen's panes, in the order number keys 1-5 select them."""

    FINDINGS = "findings"
    USERS = "users"
    ROLES = "roles"
    KEYS = "keys"
    ROOT = "root"
    JOURNAL = "journal"

    @property
    def label(self) -> str:
        """The tab label."""
        return _PANE_TITLES[self]

    @property
    def noun(self) -> str:
        """What one pane counts, for empty states ("No users match 'foo'")."""
        return _PANE_NOUNS[self]


_PANE_TITLES = {
    Pane.FINDINGS: "Findings",
    Pane.USERS: "Users",
    Pane.ROLES: "Roles",
    Pane.KEYS: "Access keys",
    Pane.ROOT: "Root",
    Pane.JOURNAL: "Journal",
}
_PANE_NOUNS = {
    Pane.FINDINGS: "findings",
    Pane.USERS: "users",
    Pane.ROLES: "roles",
    Pane.KEYS: "access keys",
    Pane.ROOT: "root checks",
    Pane.JOURNAL: "journal entries",
}


class RowKind(enum.StrEnum):
    """What a row stands for, so the UI knows what ``enter`` opens."""

    GROUP = "group"
    FINDING = "finding"
    NOT_EVALUATED = "not-evaluated"
    USER = "user"
    ROLE = "role"
    KEY = "key"
    CHECK = "check"
    FACT = "fact"
    ENTRY = "entry"


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its label and how wide it may grow; ``flex`` columns absorb the rest."""

    key: str
    label: str
    max_width: int = 40
    min_width: int = 4
    flex: bool = False
    right: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Row:
    """One table row: display cells, sort values, search text, tones and what it stands for."""

    key: str
    kind: RowKind
    cells: tuple[str, ...]
    sort: tuple[SortValue, ...] = ()
    search: str = ""
    #: Per-cell tone: a severity label, "ok", "warn", "bad", "muted" or "" (plain).
    tones: tuple[str, ...] = ()
    #: Suppressed findings and similar: shown, but dimmed.
    dim: bool = False
    #: Group key (panes with sections); "" for ungrouped rows.
    group: str = ""
    #: One cell spanning the whole width (section headers).
    span: bool = False
    #: The model object behind the row (Finding, User, Role, KeySlot, NotEvaluated, Check...).
    data: object = None

    @property
    def selectable(self) -> bool:
        """Section headers cannot be marked for batch actions."""
        return self.kind is not RowKind.GROUP


@dataclass(frozen=True, slots=True)
class GroupSpec:
    """A section of a grouped pane: its order, title and tone."""

    key: str
    order: tuple[int, int]
    title: str
    tone: str = ""
    #: Count the section's rows in its header ("· 3 findings").
    counted: bool = True
    unit: str = "finding"


@dataclass(frozen=True, slots=True)
class PaneView:
    """Everything one pane shows before filtering: columns, rows in default order, sections."""

    pane: Pane
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    groups: Mapping[str, GroupSpec] = field(default_factory=dict)
    #: Why the pane's data is missing (part unavailable), or None.
    unavailable: str | None = None
    #: Natural column widths over all rows (stable while filtering).
    widths: tuple[int, ...] = ()
    #: What the pane says when it has no rows at all (None: the generic text).
    empty: str | None = None

    @property
    def total(self) -> int:
        """Rows that are items, not section headers or notes."""
        return sum(1 for r in self.rows if r.kind not in (RowKind.GROUP, RowKind.NOT_EVALUATED))


# --- formatting --------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _days(days: int) -> str:
    return humanize.naturaldelta(timedelta(days=days))


def ago(when: datetime | None, now: datetime, never: str = "never") -> str:
    """ "3 months ago"; ``never`` for None; clock skew reads as "just now"."""
    if when is None:
        return never
    delta = now - when
    if delta < timedelta(minutes=1):
        return "just now"
    if delta.days >= 1:
        return f"{_days(delta.days)} ago"
    return f"{humanize.naturaldelta(delta)} ago"


def age_cell(when: datetime | None, now: datetime, never: str = "never") -> str:
    """A table cell's age: "3 months" (the column header says it is a time ago)."""
    return ago(when, now, never).removesuffix(" ago")


def age_text(delta: timedelta | None) -> str:
    """ "2 hours" for a duration (how old the data is), or "unknown"."""
    if delta is None:
        return "unknown"
    if delta < timedelta(minutes=1):
        return "under a minute"
    return _days(delta.days) if delta.days >= 1 else humanize.naturaldelta(delta)


def exact(when: datetime | None) -> str:
    """Detail panels show exact UTC times: ``2026-05-21 09:00:00 UTC``."""
    if when is None:
        return "never"
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


_REPORT_WORDS = {
    Missing.NOT_APPLICABLE: "n/a",
    Missing.NO_INFORMATION: "no information",
    Missing.NOT_SUPPORTED: "not supported",
}


def report_ago(value: ReportDate, now: datetime, *, na: str = "never", suffix: bool = True) -> str:
    """A credential-report date, humanized; N/A (no credential / never used) reads as ``na``."""
    if isinstance(value, datetime):
        return ago(value, now) if suffix else age_cell(value, now)
    if value is Missing.NOT_APPLICABLE:
        return na
    if value is Missing.NO_INFORMATION:
        return "never"
    return _REPORT_WORDS[value]


def report_exact(value: ReportDate) -> str:
    """A credential-report date as exact text, or the report's own word for its absence."""
    return exact(value) if isinstance(value, datetime) else f"{value.value} (credential report)"


def report_text(value: ReportText) -> str:
    """A credential-report region or service."""
    return _REPORT_WORDS[value] if isinstance(value, Missing) else value


def _ts(value: ReportDate | datetime | None) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


def _tags_text(tags: Iterable[Tag]) -> str:
    return " ".join(f"{t.key}={t.value}" for t in tags)


def evidence_text(value: EvidenceValue) -> str:
    """Evidence values as one readable string (tuples joined, mappings as compact JSON)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(evidence_text(v) for v in value) or "none"
    if isinstance(value, Mapping):
        return json.dumps(_jsonable(value), sort_keys=True)
    return str(value)


def _jsonable(value: EvidenceValue) -> object:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def pretty_json(document: PolicyDocument | None) -> str:
    """Policy documents as indented JSON for the document viewer."""
    return json.dumps(document or {}, indent=2, sort_keys=False, default=str)


def severity_cell(severity: Severity) -> str:
    """A severity as the tables show it."""
    return severity.label.upper()


# --- filtering and ordering ----------------------------------------------------------------------


def filter_rows(rows: Sequence[Row], query: str) -> list[Row]:
    """Rows whose search text contains every whitespace-separated word of ``query``."""
    words = query.lower().split()
    if not words:
        return list(rows)
    if len(words) == 1:
        word = words[0]
        return [r for r in rows if word in r.search]
    return [r for r in rows if all(w in r.search for w in words)]


def sort_rows(rows: Sequence[Row], column: int | None, reverse: bool = False) -> list[Row]:
    """Stable sort by one column's raw value; rows without a value go last either way."""
    if column is None:
        return list(rows)
    present = [r for r in rows if column < len(r.sort) and r.sort[column] is not None]
    missing = [r for r in rows if not (column < len(r.sort) and r.sort[column] is not None)]
    present.sort(key=lambda r: r.sort[column], reverse=reverse)  # type: ignore[arg-type, return-value]
    return present + missing


def arrange(
    view: PaneView,
    rows: Sequence[Row],
    query: str = "",
    *,
    floor: Severity | None = None,
) -> list[Row]:
    """Filter rows (already sorted) and, for grouped panes, insert section headers with counts.

    ``floor`` hides findings below a severity; rules that were not evaluated always show.
    """
    if floor is not None and floor > Severity.INFO:
        rows = [
            r
            for r in rows
            if not (isinstance(r.data, Finding) and r.data.severity < floor)
            and r.kind is not RowKind.GROUP
        ]
    matched = filter_rows(rows, query)
    if not view.groups:
        return matched
    order = {key: spec.order for key, spec in view.groups.items()}
    matched.sort(key=lambda r: order.get(r.group, (99, 0)))
    out: list[Row] = []
    current: str | None = None
    counts: dict[str, int] = defaultdict(int)
    for r in matched:
        counts[r.group] += 1
    for r in matched:
        if r.group != current:
            current = r.group
            spec = view.groups.get(r.group)
            if spec is not None:
                out.append(_group_row(spec, counts[r.group]))
        out.append(r)
    return out


def _group_row(spec: GroupSpec, count: int) -> Row:
    title = spec.title
    if spec.counted:
        title += f"  · {count} {spec.unit}{'' if count == 1 else 's'}"
    return Row(
        key=f"group:{spec.key}",
        kind=RowKind.GROUP,
        cells=(title,),
        tones=(spec.tone,),
        group=spec.key,
        span=True,
        data=spec,
    )


def empty_message(view: PaneView, query: str = "", floor: Severity | None = None) -> str:
    """What an empty pane says, so an empty table is never ambiguous."""
    if view.unavailable:
        return f"{view.pane.label} not available: {view.unavailable}"
    if not query.strip() and view.empty and not view.rows:
        return view.empty
    if query.strip():
        return f"No {view.pane.noun} match '{query.strip()}'"
    if view.pane is Pane.FINDINGS:
        if floor is not None and floor > Severity.INFO:
            return f"No findings at {floor.label} or above"
        return "No findings: every evaluated rule passed"
    return f"No {view.pane.noun} in this account"


def natural_widths(
    columns: Sequence[Column], rows: Iterable[Row], *, sortable: bool = True
) -> tuple[int, ...]:
    """Each column's widest cell (capped at its max), so widths stay put while filtering.

    Sortable tables leave room after each label for the sort arrow.
    """
    slack = 2 if sortable else 0
    widths = [len(c.label) + slack for c in columns]
    n = len(columns)
    for r in rows:
        if r.span:
            continue
        for i, cell in enumerate(r.cells[:n]):
            size = len(cell)
            if size > widths[i]:
                widths[i] = size
    return tuple(
        max(c.min_width, min(w, c.max_width)) for c, w in zip(columns, widths, strict=True)
    )


# --- the data behind rows --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeySlot:
    """One credential-report access-key slot of a user, with its key id when details say so."""

    user: User
    row: CredentialReportRow
    slot: int
    key: ReportKey
    key_id: str | None
    detail_key: AccessKey | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """One root or account-level check: a rule's outcome (or a fact shown next to the checks)."""

    name: str
    status: str
    detail: str
    rule: Rule | None = None
    findings: tuple[Finding, ...] = ()
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Field:
    """A label and a value in a detail panel; ``tone`` colours the value."""

    label: str
    value: str
    tone: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A titled block of fields in a detail panel."""

    title: str
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Detail:
    """What the detail panel shows for the selected row."""

    title: str
    tone: str
    sections: tuple[Section, ...]


@dataclass(frozen=True, slots=True)
class PolicyLine:
    """A policy that applies to a principal: where it comes from and its document."""

    kind: str  # "managed", "inline", "boundary"
    name: str
    via: str  # "direct", "group Developers", "boundary"
    arn: str | None
    document: PolicyDocument | None
    aws_managed: bool = False
    #: The group it comes through (None: the principal's own or its boundary).
    group: str | None = None


@dataclass(frozen=True, slots=True)
class JournalData:
    """What the Journal pane shows: the journal's path, its entries, and any problem with it."""

    path: str
    entries: tuple[Entry, ...]
    #: Why the journal could not be read (the pane says so instead of showing entries).
    read_error: str | None = None
    #: Why this session cannot write to it (busy, damaged): actions are read-only.
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Review:
    """Everything the principal review screen shows for one user or role."""

    kind: PrincipalKind
    name: str
    arn: str
    identity: tuple[Field, ...]
    tags: tuple[Tag, ...]
    console: tuple[Field, ...]
    #: Access keys: one row per key (from ListAccessKeys) or per report slot until loaded.
    key_rows: tuple[Row, ...]
    key_columns: tuple[Column, ...]
    #: True when key ids and last use come from ListAccessKeys, not only the report.
    keys_detailed: bool
    mfa: tuple[Field, ...]
    groups: tuple[str, ...]
    policies: tuple[PolicyLine, ...]
    policy_rows: tuple[Row, ...]
    policy_columns: tuple[Column, ...]
    boundary: PolicyLine | None
    trust: PolicyDocument | None
    trust_summary: tuple[Field, ...]
    #: None until last-accessed data was fetched for this principal.
    last_accessed: LastAccessed | None
    access_rows: tuple[Row, ...]
    access_columns: tuple[Column, ...]
    findings: tuple[Finding, ...]
    finding_rows: tuple[Row, ...]
    finding_columns: tuple[Column, ...]
    actions: tuple[str, ...]


# --- columns -------------------------------------------------------------------------------------

FINDING_COLUMNS = (
    Column("severity", "Severity", max_width=10),
    Column("principal", "Principal", max_width=34),
    Column("kind", "Type", max_width=7),
    Column("summary", "Finding", max_width=120, min_width=20, flex=True),
)
USER_COLUMNS = (
    Column("name", "User", max_width=28),
    Column("path", "Path", max_width=16),
    Column("console", "Console", max_width=8),
    Column("password_used", "Password used", max_width=18),
    Column("mfa", "MFA", max_width=5),
    Column("keys", "Keys", max_width=20),
    Column("key_used", "Key used", max_width=18),
    Column("created", "Created", max_width=18),
    Column("findings", "Findings", max_width=14, flex=True),
)
ROLE_COLUMNS = (
    Column("name", "Role", max_width=36),
    Column("path", "Path", max_width=22),
    Column("trust", "Trusted by", max_width=34, flex=True),
    Column("last_used", "Last used", max_width=18),
    Column("region", "Region", max_width=14),
    Column("created", "Created", max_width=18),
    Column("findings", "Findings", max_width=14),
)
KEY_COLUMNS = (
    Column("user", "User", max_width=28),
    Column("key", "Key", max_width=26),
    Column("status", "Status", max_width=8),
    Column("age", "Age", max_width=18),
    Column("last_used", "Last used", max_width=18),
    Column("service", "Service", max_width=14),
    Column("region", "Region", max_width=14),
    Column("findings", "Findings", max_width=14, flex=True),
)
ROOT_COLUMNS = (
    Column("status", "Status", max_width=14),
    Column("check", "Check", max_width=36),
    Column("severity", "Severity", max_width=10),
    Column("detail", "Detail", max_width=120, flex=True),
)
REVIEW_KEY_COLUMNS = (
    Column("key", "Key", max_width=22, min_width=20),
    Column("status", "Status", max_width=8, min_width=8),
    Column("created", "Created", max_width=16),
    Column("last_used", "Last used", max_width=16),
    Column("service", "Service", max_width=12),
    Column("region", "Region", max_width=12, flex=True),
)
REVIEW_POLICY_COLUMNS = (
    Column("kind", "Type", max_width=8),
    Column("name", "Policy", max_width=36, flex=True),
    Column("via", "Via", max_width=22),
)
REVIEW_ACCESS_COLUMNS = (
    Column("service", "Service", max_width=30, flex=True),
    Column("namespace", "Namespace", max_width=14),
    Column("last", "Last accessed", max_width=16),
    Column("region", "Region", max_width=14),
    Column("unused", "Unused", max_width=6, min_width=6),
)
REVIEW_FINDING_COLUMNS = (
    Column("severity", "Severity", max_width=10),
    Column("rule", "Rule", max_width=28),
    Column("summary", "Finding", max_width=80, flex=True),
)

#: The entry id starts with its UTC time (``20260601-120000-k3f9``): no separate time column.
JOURNAL_COLUMNS = (
    Column("id", "Entry (UTC time-id)", max_width=20, min_width=20),
    Column("action", "Action", max_width=20, min_width=14),
    Column("status", "Status", max_width=44, min_width=24),
    Column("summary", "Summary", max_width=120, min_width=30, flex=True),
)

SEVERITY_GROUP_ORDER = {s: 10 - int(s) for s in Severity}
_RULE_ORDER = {r.id: i for i, r in enumerate(ALL_RULES)}
_KIND_LABEL = {
    PrincipalKind.USER: "user",
    PrincipalKind.ROLE: "role",
    PrincipalKind.GROUP: "group",
    PrincipalKind.POLICY: "policy",
    PrincipalKind.ROOT: "root",
    PrincipalKind.ACCOUNT: "account",
}


def _finding_cell(findings: Sequence[Finding]) -> tuple[str, str, float | None]:
    """The "Findings" column of a principal: count and worst severity, tone, sort value."""
    active = [f for f in findings if f.active]
    if not active:
        suppressed = len(findings)
        return ("✓ none" if not suppressed else f"✓ {suppressed} suppressed", "ok", 0.0)
    worst = max(f.severity for f in active)
    return (f"{len(active)} · {worst.label}", worst.label, int(worst) * 100000 + len(active))


def _trust_label(role: Role, account_id: str) -> str:
    analysis = analyse_trust(role.trust_policy)
    labels: list[str] = []
    for grant in analysis.grants:
        if grant.public and not grant.restricted:
            labels.append("anyone (*)")
        elif grant.kind == "Service":
            labels.append(grant.principal.removesuffix(".amazonaws.com"))
        elif grant.kind == "AWS":
            if grant.account == account_id:
                labels.append("this account")
            else:
                labels.append(f"account {grant.account or grant.principal}")
        elif grant.kind == "Federated":
            value = grant.principal.rsplit("/", 1)[-1]
            labels.append(f"federated {value}")
        else:
            labels.append(grant.principal)
    unique = list(dict.fromkeys(labels))
    return ", ".join(unique) if unique else "nobody"


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
    ) -> None:
        self.snapshot = snapshot
        self.evaluation = evaluation
        self.now = now
        self.settings = settings or Settings()
        self.journal = journal or JournalData("", ())
        #: Users whose report row was replaced by live reads after an action, and when.
        self.live: Mapping[str, datetime] = live or {}
        self.index = AccountIndex(snapshot)
        self.users: dict[str, User] = {u.name: u for u in snapshot.users}
        self.roles: dict[str, Role] = {r.name: r for r in snapshot.roles}
        self.by_arn: dict[str, User | Role] = {u.arn: u for u in snapshot.users}
        self.by_arn.update((r.arn, r) for r in snapshot.roles)
        self.by_principal: dict[str, list[Finding]] = defaultdict(list)
        self.by_key: dict[tuple[str, int], list[Finding]] = defaultdict(list)
        for f in evaluation.findings:
            self.by_principal[f.principal_arn].append(f)
            if f.key is not None:
                self.by_key[(f.principal_arn, f.key.slot)].append(f)
        report = snapshot.credential_report
        self.report_rows: dict[str, CredentialReportRow] = report.by_user() if report else {}
        self._panes: dict[Pane, PaneView] = {}

    # -- panes ------------------------------------------------------------------------------

    def pane(self, pane: Pane) -> PaneView:
        """The pane's rows, built on first use and kept."""
        found = self._panes.get(pane)
        if found is None:
            builder = {
                Pane.FINDINGS: self._findings,
                Pane.USERS: self._users,
                Pane.ROLES: self._roles,
                Pane.KEYS: self._keys,
                Pane.ROOT: self._root,
                Pane.JOURNAL: self._journal,
            }[pane]
            built = builder()
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
        for pane in Pane:
            self.pane(pane)
        return self

    def counts(self) -> dict[Pane, int]:
        """Item counts for the tab labels."""
        return {
            Pane.FINDINGS: len(self.evaluation.active),
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

    def _principal_search(self, arn: str) -> str:
        p = self.by_arn.get(arn)
        if isinstance(p, User | Role):
            return _tags_text(p.tags)
        return ""

    def _findings(self) -> PaneView:
        groups: dict[str, GroupSpec] = {}
        rows: list[Row] = []
        titles = {r.id: r.title for r in ALL_RULES}
        tag_text: dict[str, str] = {}
        for f in self.evaluation.findings:
            gkey = f"{f.severity.label}:{f.rule}"
            if gkey not in groups:
                groups[gkey] = GroupSpec(
                    gkey,
                    (SEVERITY_GROUP_ORDER[f.severity], _RULE_ORDER.get(f.rule, 999)),
                    f"{severity_cell(f.severity)}  {f.rule} — {titles.get(f.rule, f.rule)}",
                    f.severity.label,
                )
            principal = f.principal_name
            if f.key is not None:
                principal += f" · key {f.key.slot}"
            summary = f.summary
            if f.suppressed is not None:
                until = f" until {f.suppressed.expires}" if f.suppressed.expires else ""
                summary = f"suppressed{until}: {f.suppressed.reason} — {summary}"
            tags = tag_text.get(f.principal_arn)
            if tags is None:
                tags = tag_text[f.principal_arn] = self._principal_search(f.principal_arn)
            kind = _KIND_LABEL[f.principal_kind]
            rows.append(
                Row(
                    key=f"finding:{f.id}",
                    kind=RowKind.FINDING,
                    cells=(severity_cell(f.severity), principal, kind, summary),
                    sort=(float(f.severity), f.principal_name.lower(), kind, f.summary.lower()),
                    search=" ".join(
                        (
                            f.severity.label,
                            f.rule,
                            titles.get(f.rule, ""),
                            f.principal_name,
                            f.principal_arn,
                            kind,
                            f.summary,
                            tags,
                            f.key.key_id or "" if f.key else "",
                            "suppressed" if f.suppressed else "",
                        )
                    ).lower(),
                    tones=(f.severity.label, "", "muted", ""),
                    dim=f.suppressed is not None,
                    group=gkey,
                    data=f,
                )
            )
        if self.evaluation.not_evaluated:
            groups["not-evaluated"] = GroupSpec(
                "not-evaluated",
                (99, 0),
                "NOT EVALUATED  rules that could not run",
                "muted",
                unit="rule",
            )
            for skipped in self.evaluation.not_evaluated:
                rows.append(_not_evaluated_row(skipped))
        return PaneView(Pane.FINDINGS, FINDING_COLUMNS, tuple(rows), groups)

    def _users(self) -> PaneView:
        rows: list[Row] = []
        now = self.now
        for user in self.snapshot.users:
            row = self.report_rows.get(user.name)
            findings = self.by_principal.get(user.arn, ())
            fcell, ftone, fsort = _finding_cell(findings)
            console: tuple[str, str, float | None]
            mfa: tuple[str, str, float | None]
            if row is None:
                console = ("?", "muted", None)
                pw_used: tuple[str, str, float | None] = ("not in report", "muted", None)
                mfa = ("?", "muted", None)
                keys: tuple[str, str, float | None] = ("?", "muted", None)
                key_used: tuple[str, str, float | None] = ("—", "muted", None)
            else:
                enabled = row.password_enabled is True
                console = ("yes" if enabled else "no", "" if enabled else "muted", float(enabled))
                pw_used = (
                    report_ago(row.password_last_used, now, na="—", suffix=False)
                    if enabled
                    else "—",
                    "" if enabled else "muted",
                    _ts(row.password_last_used) if enabled else None,
                )
                mfa_ok = row.mfa_active
                mfa = (
                    "yes" if mfa_ok else "no",
                    "ok" if mfa_ok else ("bad" if enabled else "muted"),
                    float(mfa_ok),
                )
                active = sum(1 for k in row.keys if k.active)
                inactive = sum(
                    1 for k in row.keys if not k.active and isinstance(k.last_rotated, datetime)
                )
                parts = []
                if active:
                    parts.append(f"{active} active")
                if inactive:
                    parts.append(f"{inactive} inactive")
                keys = (", ".join(parts) or "—", "" if active else "muted", float(active))
                used = [k.last_used for k in row.keys if isinstance(k.last_used, datetime)]
                if used:
                    latest = max(used)
                    key_used = (age_cell(latest, now), "", latest.timestamp())
                elif active or inactive:
                    key_used = ("never", "warn", None)
                else:
                    key_used = ("—", "muted", None)
            rule_ids = " ".join(f.rule for f in findings)
            rows.append(
                Row(
                    key=f"user:{user.arn}",
                    kind=RowKind.USER,
                    cells=(
                        user.name,
                        user.path,
                        console[0],
                        pw_used[0],
                        mfa[0],
                        keys[0],
                        key_used[0],
                        age_cell(user.create_date, now),
                        fcell,
                    ),
                    sort=(
                        user.name.lower(),
                        user.path.lower(),
                        console[2],
                        pw_used[2],
                        mfa[2],
                        keys[2],
                        key_used[2],
                        user.create_date.timestamp(),
                        fsort,
                    ),
                    search=" ".join(
                        (user.name, user.arn, user.user_id, _tags_text(user.tags), rule_ids)
                    ).lower(),
                    tones=(
                        "",
                        "muted",
                        console[1],
                        pw_used[1],
                        mfa[1],
                        keys[1],
                        key_used[1],
                        "",
                        ftone,
                    ),
                    data=user,
                )
            )
        missing = self._missing(Part.AUTHORIZATION_DETAILS)
        return PaneView(Pane.USERS, USER_COLUMNS, tuple(rows), unavailable=missing)

    def _roles(self) -> PaneView:
        rows: list[Row] = []
        now = self.now
        account = self.snapshot.account_id
        for role in self.snapshot.roles:
            findings = self.by_principal.get(role.arn, ())
            fcell, ftone, fsort = _finding_cell(findings)
            trust = _trust_label(role, account)
            protected = role.service_linked or role.sso_reserved
            used_tone = "warn" if role.last_used is None else ""
            rows.append(
                Row(
                    key=f"role:{role.arn}",
                    kind=RowKind.ROLE,
                    cells=(
                        role.name,
                        role.path,
                        trust,
                        age_cell(role.last_used, now),
                        role.last_used_region or "—",
                        age_cell(role.create_date, now),
                        fcell,
                    ),
                    sort=(
                        role.name.lower(),
                        role.path.lower(),
                        trust.lower(),
                        _ts(role.last_used),
                        role.last_used_region,
                        role.create_date.timestamp(),
                        fsort,
                    ),
                    search=" ".join(
                        (
                            role.name,
                            role.arn,
                            role.role_id,
                            trust,
                            role.description,
                            _tags_text(role.tags),
                            " ".join(f.rule for f in findings),
                            "service-linked" if role.service_linked else "",
                            "sso" if role.sso_reserved else "",
                        )
                    ).lower(),
                    tones=(
                        "",
                        "muted",
                        "",
                        "muted" if protected else used_tone,
                        "muted",
                        "",
                        ftone,
                    ),
                    data=role,
                )
            )
        missing = self._missing(Part.AUTHORIZATION_DETAILS)
        return PaneView(Pane.ROLES, ROLE_COLUMNS, tuple(rows), unavailable=missing)

    def key_slots(self) -> list[KeySlot]:
        """Slots holding a key (active or inactive) of users that still exist."""
        slots: list[KeySlot] = []
        for report_row, user in self.index.live_rows:
            detail = self.snapshot.details.get(user.arn)
            for number, key in enumerate(report_row.keys, start=1):
                if not (key.active or isinstance(key.last_rotated, datetime)):
                    continue
                key_id = match_key_id(detail, report_row, number)
                matched = None
                if detail is not None and key_id is not None:
                    matched = next((k for k in detail.access_keys if k.key_id == key_id), None)
                slots.append(KeySlot(user, report_row, number, key, key_id, matched))
        return slots

    def _keys(self) -> PaneView:
        rows: list[Row] = []
        now = self.now
        for slot in self.key_slots():
            key = slot.key
            findings = self.by_key.get((slot.user.arn, slot.slot), ())
            fcell, ftone, fsort = _finding_cell(findings)
            label = f"key {slot.slot}"
            if slot.key_id:
                label += f" · {slot.key_id}"
            status = "Active" if key.active else "Inactive"
            rotated = key.last_rotated
            stale = isinstance(rotated, datetime) and now - rotated > timedelta(
                days=self.settings.thresholds.key_rotation_days
            )
            never = not isinstance(key.last_used, datetime)
            rows.append(
                Row(
                    key=f"key:{slot.user.arn}:{slot.slot}",
                    kind=RowKind.KEY,
                    cells=(
                        slot.user.name,
                        label,
                        status,
                        report_ago(rotated, now, na="—", suffix=False),
                        report_ago(key.last_used, now, suffix=False),
                        report_text(key.last_used_service),
                        report_text(key.last_used_region),
                        fcell,
                    ),
                    sort=(
                        slot.user.name.lower(),
                        f"{slot.slot}:{slot.key_id or ''}",
                        status,
                        -(_ts(rotated) or 0) if isinstance(rotated, datetime) else None,
                        _ts(key.last_used),
                        report_text(key.last_used_service),
                        report_text(key.last_used_region),
                        fsort,
                    ),
                    search=" ".join(
                        (
                            slot.user.name,
                            slot.user.arn,
                            slot.key_id or "",
                            status,
                            report_text(key.last_used_service),
                            report_text(key.last_used_region),
                            _tags_text(slot.user.tags),
                            " ".join(f.rule for f in findings),
                        )
                    ).lower(),
                    tones=(
                        "",
                        "" if slot.key_id else "muted",
                        "ok" if key.active else "muted",
                        "warn" if stale and key.active else "",
                        "warn" if never and key.active else "",
                        "muted",
                        "muted",
                        ftone,
                    ),
                    dim=not key.active,
                    data=slot,
                )
            )
        missing = self._missing(Part.CREDENTIAL_REPORT)
        return PaneView(Pane.KEYS, KEY_COLUMNS, tuple(rows), unavailable=missing)

    def _root(self) -> PaneView:
        rows: list[Row] = []
        groups = {
            "checks": GroupSpec(
                "checks", (0, 0), "CHECKS  root user and account settings", counted=False
            ),
            "facts": GroupSpec("facts", (1, 0), "FACTS  as loaded", counted=False),
        }
        skipped = {n.rule.id: n for n in self.evaluation.not_evaluated}
        root_findings = [
            f
            for f in self.evaluation.findings
            if f.principal_kind in (PrincipalKind.ROOT, PrincipalKind.ACCOUNT)
        ]
        for rule in ALL_RULES:
            if not rule.id.startswith(("root.", "account.")):
                continue
            found = tuple(f for f in root_findings if f.rule == rule.id)
            active = [f for f in found if f.active]
            if rule.id in skipped:
                check = Check(
                    rule.title,
                    "NOT EVALUATED",
                    skipped[rule.id].reason,
                    rule,
                    reason=skipped[rule.id].reason,
                )
                tones = ("muted", "", "muted", "muted")
                severity = ""
            elif active:
                worst = max(f.severity for f in active)
                check = Check(rule.title, "FAIL", "; ".join(f.summary for f in active), rule, found)
                tones = (worst.label, "", worst.label, "")
                severity = severity_cell(worst)
            elif found:
                check = Check(rule.title, "SUPPRESSED", found[0].summary, rule, found)
                tones = ("muted", "", "muted", "muted")
                severity = severity_cell(found[0].severity)
            else:
                check = Check(rule.title, "OK", "passed", rule)
                tones = ("ok", "", "muted", "muted")
                severity = ""
            status_icon = {
                "FAIL": "✗ FAIL",
                "OK": "✓ OK",
                "NOT EVALUATED": "? NOT EVALUATED",
                "SUPPRESSED": "~ SUPPRESSED",
            }[check.status]
            rows.append(
                Row(
                    key=f"check:{rule.id}",
                    kind=RowKind.CHECK,
                    cells=(status_icon, rule.title, severity, check.detail),
                    sort=(check.status, rule.title.lower(), float(rule.severity), check.detail),
                    search=f"{rule.id} {rule.title} {check.status} {check.detail}".lower(),
                    tones=tones,
                    group="checks",
                    data=check,
                )
            )
        for name, value, tone, detail in self._root_facts():
            rows.append(
                Row(
                    key=f"fact:{name}",
                    kind=RowKind.FACT,
                    cells=(value, name, "", detail),
                    sort=(value.lower(), name.lower(), None, detail.lower()),
                    search=f"{name} {value} {detail}".lower(),
                    tones=(tone, "", "", "muted"),
                    group="facts",
                    data=Check(name, value, detail),
                )
            )
        unavailable = None
        if self._missing(Part.ACCOUNT_SUMMARY) and self._missing(Part.CREDENTIAL_REPORT):
            unavailable = self._missing(Part.ACCOUNT_SUMMARY)
        return PaneView(Pane.ROOT, ROOT_COLUMNS, tuple(rows), groups, unavailable)

    def _root_facts(self) -> list[tuple[str, str, str, str]]:
        """(name, value, tone, detail) facts about root and the account, as loaded."""
        snap, now = self.snapshot, self.now
        facts: list[tuple[str, str, str, str]] = []
        summary = snap.summary
        root = snap.credential_report.root if snap.credential_report else None
        if summary is not None:
            facts.append(
                (
                    "Root MFA (account summary)",
                    "yes" if summary.mfa_enabled else "no",
                    "ok" if summary.mfa_enabled else "bad",
                    "GetAccountSummary",
                )
            )
            present = summary.access_keys_present
            facts.append(
                (
                    "Root access keys (account summary)",
                    "present" if present else "none",
                    "bad" if present else "ok",
                    "GetAccountSummary",
                )
            )
        if root is not None:
            facts.append(
                (
                    "Root password last used",
                    report_ago(root.password_last_used, now, suffix=False),
                    "",
                    report_exact(root.password_last_used),
                )
            )
            for n, key in enumerate(root.keys, 1):
                if key.active or isinstance(key.last_rotated, datetime):
                    state = "active" if key.active else "inactive"
                    detail = (
                        f"last used {report_ago(key.last_used, now)} "
                        f"({report_text(key.last_used_service)}), "
                        f"created {report_exact(key.last_rotated)}"
                    )
                    facts.append(
                        (f"Root access key {n}", state, "bad" if key.active else "warn", detail)
                    )
        root_devices = [d for d in snap.virtual_mfa_devices if d.for_root]
        if root_devices:
            facts.append(("Root virtual MFA device", "virtual", "", root_devices[0].serial))
        policy = snap.password_policy
        if policy is not None:
            bits = [f"min length {policy.minimum_password_length}"]
            bits.append(
                f"reuse prevention {policy.password_reuse_prevention}"
                if policy.password_reuse_prevention
                else "no reuse prevention"
            )
            if policy.expire_passwords and policy.max_password_age:
                bits.append(f"expires after {policy.max_password_age} days")
            facts.append(("Password policy", "set", "", ", ".join(bits)))
        elif not snap.unavailable_part(Part.PASSWORD_POLICY):
            facts.append(("Password policy", "none", "warn", "AWS defaults apply"))
        facts.append(("Account alias", snap.alias or "none", "", snap.account_id))
        return facts

    def _journal(self) -> PaneView:
        """Journal entries, newest first, with their derived status (interrupted, undone)."""
        data = self.journal
        rows = [_entry_row(e) for e in reversed(data.entries)]
        where = data.path or "the journal"
        empty = f"No entries in {where} yet: every action you run is recorded here"
        return PaneView(
            Pane.JOURNAL, JOURNAL_COLUMNS, tuple(rows), unavailable=data.read_error, empty=empty
        )

    def _missing(self, part: Part) -> str | None:
        gone = self.snapshot.unavailable_part(part)
        return gone.reason if gone is not None else None

    # -- details ----------------------------------------------------------------------------

    def describe(self, row: Row) -> Detail:
        """The detail panel of a row: exact dates, evidence, ARN, tags, practice."""
        data = row.data
        if isinstance(data, Finding):
            return self._describe_finding(data)
        if isinstance(data, User):
            return self._describe_user(data)
        if isinstance(data, Role):
            return self._describe_role(data)
        if isinstance(data, KeySlot):
            return self._describe_key(data)
        if isinstance(data, NotEvaluated):
            return Detail(
                data.rule.title,
                "muted",
                (
                    Section(
                        "Not evaluated",
                        (
                            Field("Rule", data.rule.id),
                            Field("Reason", data.reason, "warn"),
                            Field("Practice", data.rule.practice.name),
                            Field("Why", data.rule.practice.description),
                        ),
                    ),
                ),
            )
        if isinstance(data, Check):
            return self._describe_check(data)
        if isinstance(data, Entry):
            return describe_entry(data)
        if isinstance(data, GroupSpec):
            rule_id = data.key.split(":", 1)[-1]
            found = RULES_BY_ID.get(rule_id)
            if found is None:
                return Detail(data.title, data.tone, ())
            return Detail(
                found.title,
                data.tone,
                (
                    Section(
                        "Rule",
                        (
                            Field("Id", found.id),
                            Field("Severity", found.severity.label, found.severity.label),
                            Field("Practice", found.practice.name),
                            Field("Why", found.practice.description),
                        ),
                    ),
                ),
            )
        return Detail(row.cells[0] if row.cells else "", "", ())

    def _findings_section(self, findings: Sequence[Finding], title: str = "Findings") -> Section:
        if not findings:
            return Section(title, (Field("", "none", "ok"),))
        return Section(
            title,
            tuple(
                Field(
                    f.severity.label,
                    f"{f.summary}" + (" (suppressed)" if f.suppressed else ""),
                    "muted" if f.suppressed else f.severity.label,
                )
                for f in findings
            ),
        )

    def _describe_finding(self, f: Finding) -> Detail:
        rule = RULES_BY_ID.get(f.rule)
        who = f.principal_name
        if str(f.principal_kind) != f.principal_name:
            who = f"{f.principal_kind} {f.principal_name}"
        about = [
            Field("Summary", f.summary),
            Field("Severity", f.severity.label, f.severity.label),
            Field("Rule", f.rule),
            Field("Principal", who),
            Field("ARN", f.principal_arn),
        ]
        if f.key is not None:
            about.append(
                Field(
                    "Key",
                    f"slot {f.key.slot}"
                    + (f" · {f.key.key_id}" if f.key.key_id else " (id not loaded)"),
                )
            )
        sections = [
            Section("Finding", tuple(about)),
            Section(
                "Evidence",
                tuple(Field(k, evidence_text(v)) for k, v in f.evidence.items())
                or (Field("", "none"),),
            ),
            Section(
                "Practice", (Field("", f.practice.name), Field("", f.practice.description, "muted"))
            ),
        ]
        if f.suppressed is not None:
            s = f.suppressed
            sections.insert(
                1,
                Section(
                    "Suppressed",
                    (
                        Field("Reason", s.reason, "warn"),
                        Field("Until", str(s.expires) if s.expires else "no expiry"),
                        Field("Rule glob", s.rule),
                        Field("Principal", s.principal),
                    ),
                ),
            )
        if f.actions:
            sections.append(
                Section(
                    "Suggested fixes",
                    (
                        *(Field("", str(a)) for a in f.actions),
                        Field(
                            "",
                            "h: step-by-step root hardening"
                            if all(str(a) == "root.harden" for a in f.actions)
                            else "x: choose one (preview first)",
                            "muted",
                        ),
                    ),
                )
            )
        title = rule.title if rule else f.rule
        return Detail(title, f.severity.label, tuple(sections))

    def _describe_user(self, user: User) -> Detail:
        row = self.report_rows.get(user.name)
        ident = [
            Field("ARN", user.arn),
            Field("User id", user.user_id),
            Field("Path", user.path),
            Field("Created", exact(user.create_date)),
            Field("Groups", ", ".join(user.groups) or "none"),
        ]
        if user.permissions_boundary:
            ident.append(Field("Boundary", user.permissions_boundary))
        sections = [Section("Identity", tuple(ident))]
        if user.tags:
            sections.append(Section("Tags", tuple(Field(t.key, t.value) for t in user.tags)))
        if row is not None:
            title = "Credentials (report)"
            live = self.live.get(user.name)
            fields_ = self._credential_fields(row)
            if live is not None:
                title = "Credentials (live)"
                fields_ = (
                    Field("Read", f"{exact(live)}: after an action (report not yet renewed)"),
                    *fields_,
                )
            sections.append(Section(title, fields_))
        else:
            sections.append(
                Section("Credentials", (Field("", "not in the credential report", "muted"),))
            )
        sections.append(self._findings_section(self.by_principal.get(user.arn, ())))
        return Detail(user.name, "", tuple(sections))

    def _credential_fields(self, row: CredentialReportRow) -> tuple[Field, ...]:
        fields_: list[Field] = []
        enabled = row.password_enabled is True
        fields_.append(Field("Console", "password enabled" if enabled else "no password"))
        if enabled:
            fields_.append(Field("Password used", report_exact(row.password_last_used)))
            fields_.append(Field("Password set", report_exact(row.password_last_changed)))
        fields_.append(
            Field(
                "MFA",
                "active" if row.mfa_active else "none",
                "ok" if row.mfa_active else ("bad" if enabled else "muted"),
            )
        )
        for n, key in enumerate(row.keys, 1):
            if not (key.active or isinstance(key.last_rotated, datetime)):
                continue
            state = "active" if key.active else "inactive"
            fields_.append(Field(f"Key {n}", f"{state}, created {report_exact(key.last_rotated)}"))
            fields_.append(
                Field(
                    f"Key {n} used",
                    f"{report_exact(key.last_used)} · {report_text(key.last_used_service)} · "
                    f"{report_text(key.last_used_region)}",
                )
            )
        return tuple(fields_)

    def _describe_role(self, role: Role) -> Detail:
        analysis = analyse_trust(role.trust_policy)
        ident = [
            Field("ARN", role.arn),
            Field("Role id", role.role_id),
            Field("Path", role.path),
            Field("Created", exact(role.create_date)),
            Field("Last used", exact(role.last_used), "" if role.last_used else "warn"),
            Field("Region", role.last_used_region or "—"),
            Field("Max session", f"{role.max_session_duration // 3600} h"),
        ]
        if role.description:
            ident.append(Field("Description", role.description))
        if role.instance_profiles:
            ident.append(Field("Instance profiles", ", ".join(role.instance_profiles)))
        if role.permissions_boundary:
            ident.append(Field("Boundary", role.permissions_boundary))
        if role.service_linked:
            ident.append(Field("Managed by", "AWS (service-linked role)", "muted"))
        if role.sso_reserved:
            ident.append(Field("Managed by", "IAM Identity Center", "muted"))
        sections = [Section("Identity", tuple(ident))]
        trust_fields = tuple(
            Field(
                g.kind,
                g.principal + (" (conditioned)" if g.restricted else ""),
                "bad" if g.public and not g.restricted else "",
            )
            for g in analysis.grants
        )
        sections.append(Section("Trusted by", trust_fields or (Field("", "nobody"),)))
        if role.tags:
            sections.append(Section("Tags", tuple(Field(t.key, t.value) for t in role.tags)))
        sections.append(self._findings_section(self.by_principal.get(role.arn, ())))
        return Detail(role.name, "", tuple(sections))

    def _describe_key(self, slot: KeySlot) -> Detail:
        key = slot.key
        fields_ = [
            Field("User", slot.user.name),
            Field("ARN", slot.user.arn),
            Field("Slot", str(slot.slot)),
            Field(
                "Key id",
                slot.key_id or "not loaded (open the user with enter)",
                "" if slot.key_id else "muted",
            ),
            Field(
                "Status", "Active" if key.active else "Inactive", "ok" if key.active else "muted"
            ),
            Field("Created", report_exact(key.last_rotated)),
            Field("Last used", report_exact(key.last_used)),
            Field("Service", report_text(key.last_used_service)),
            Field("Region", report_text(key.last_used_region)),
        ]
        findings = self.by_key.get((slot.user.arn, slot.slot), ())
        return Detail(
            f"{slot.user.name} key {slot.slot}",
            "",
            (Section("Access key", tuple(fields_)), self._findings_section(findings)),
        )

    def _describe_check(self, check: Check) -> Detail:
        fields_ = [Field("Status", check.status), Field("Detail", check.detail)]
        sections = [Section(check.name, tuple(fields_))]
        if check.rule is not None:
            sections.append(
                Section(
                    "Rule",
                    (
                        Field("Id", check.rule.id),
                        Field("Practice", check.rule.practice.name),
                        Field("Why", check.rule.practice.description, "muted"),
                    ),
                )
            )
        for f in check.findings:
            sections.append(
                Section(
                    "Evidence", tuple(Field(k, evidence_text(v)) for k, v in f.evidence.items())
                )
            )
        return Detail(check.name, "", tuple(sections))

    # -- review -----------------------------------------------------------------------------

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
    def _groups(self) -> dict[str, Group]:
        return {g.name: g for g in self.snapshot.groups}

    def review(self, principal: User | Role) -> Review:
        """The review screen's content for one user or role."""
        snap, now = self.snapshot, self.now
        is_user = isinstance(principal, User)
        findings = tuple(self.by_principal.get(principal.arn, ()))
        identity = [
            Field("ARN", principal.arn),
            Field("Id", principal.user_id if isinstance(principal, User) else principal.role_id),
            Field("Path", principal.path),
            Field("Created", f"{exact(principal.create_date)} ({ago(principal.create_date, now)})"),
        ]
        console: list[Field] = []
        mfa: list[Field] = []
        key_rows: list[Row] = []
        keys_detailed = False
        trust: PolicyDocument | None = None
        trust_summary: list[Field] = []
        if isinstance(principal, User):
            row = self.report_rows.get(principal.name)
            detail = snap.details.get(principal.arn)
            if row is not None:
                enabled = row.password_enabled is True
                console.append(
                    Field(
                        "Console access",
                        "password enabled" if enabled else "none",
                        "" if enabled else "muted",
                    )
                )
                if enabled:
                    console.append(
                        Field(
                            "Password last used",
                            f"{report_exact(row.password_last_used)} "
                            f"({report_ago(row.password_last_used, now)})",
                        )
                    )
                    console.append(
                        Field("Password changed", report_exact(row.password_last_changed))
                    )
                console.append(
                    Field(
                        "MFA",
                        "active" if row.mfa_active else "none",
                        "ok" if row.mfa_active else ("bad" if enabled else "muted"),
                    )
                )
                console.append(Field("Report generated", exact(snap.report_age_reference)))
            else:
                console.append(Field("Console access", "not in the credential report", "muted"))
            if detail is not None:
                keys_detailed = True
                for access_key in detail.access_keys:
                    key_rows.append(_detail_key_row(principal, access_key, now))
                for device in detail.mfa_devices:
                    mfa.append(
                        Field(
                            "virtual" if device.virtual else "hardware",
                            f"{device.serial} · enabled {exact(device.enable_date)}",
                        )
                    )
                if not detail.mfa_devices:
                    mfa.append(Field("", "no MFA device", "muted"))
            elif row is not None:
                for n, key in enumerate(row.keys, 1):
                    if key.active or isinstance(key.last_rotated, datetime):
                        slot = KeySlot(principal, row, n, key, None)
                        key_rows.append(_report_key_row(principal, n, key, now, slot))
            groups = principal.groups
        else:
            role = principal
            trust = role.trust_policy
            for g in analyse_trust(role.trust_policy).grants:
                trust_summary.append(
                    Field(
                        g.kind,
                        g.principal + ("  (conditioned)" if g.restricted else ""),
                        "bad" if g.public and not g.restricted else "",
                    )
                )
            identity.append(
                Field(
                    "Last used",
                    f"{exact(role.last_used)} ({ago(role.last_used, now)})"
                    if role.last_used
                    else "never (or before tracking)",
                    "" if role.last_used else "warn",
                )
            )
            identity.append(Field("Last region", role.last_used_region or "—"))
            identity.append(Field("Max session", f"{role.max_session_duration // 3600} h"))
            if role.description:
                identity.append(Field("Description", role.description))
            if role.instance_profiles:
                identity.append(Field("Instance profiles", ", ".join(role.instance_profiles)))
            if role.service_linked:
                identity.append(Field("Managed by", "AWS: service-linked role", "warn"))
            if role.sso_reserved:
                identity.append(Field("Managed by", "IAM Identity Center", "warn"))
            groups = ()
        policies = self._policy_lines(principal)
        boundary = None
        if principal.permissions_boundary:
            managed = snap.policy(principal.permissions_boundary)
            boundary = PolicyLine(
                "boundary",
                managed.name if managed else principal.permissions_boundary.rsplit("/", 1)[-1],
                "boundary",
                principal.permissions_boundary,
                managed.document if managed else None,
                managed.aws_managed if managed else False,
            )
        all_lines = (*policies, *((boundary,) if boundary else ()))
        policy_rows = tuple(
            Row(
                key=f"policy:{i}",
                kind=RowKind.FACT,
                cells=(line.kind, line.name, line.via),
                tones=("muted", "bad" if _admin(line) else "", "muted"),
                data=line,
            )
            for i, line in enumerate(all_lines)
        )
        data = snap.last_accessed.get(principal.arn)
        access_rows = tuple(self._access_rows(principal, data)) if data else ()
        actions = tuple(dict.fromkeys(str(a) for f in findings if f.active for a in f.actions))
        finding_rows = tuple(
            Row(
                key=f"finding:{f.id}",
                kind=RowKind.FINDING,
                cells=(
                    severity_cell(f.severity),
                    f.rule,
                    f.summary + (f" (suppressed: {f.suppressed.reason})" if f.suppressed else ""),
                ),
                tones=(f.severity.label, "", ""),
                dim=f.suppressed is not None,
                data=f,
            )
            for f in findings
        )
        return Review(
            kind=PrincipalKind.USER if is_user else PrincipalKind.ROLE,
            name=principal.name,
            arn=principal.arn,
            identity=tuple(identity),
            tags=principal.tags,
            console=tuple(console),
            key_rows=tuple(key_rows),
            key_columns=REVIEW_KEY_COLUMNS,
            keys_detailed=keys_detailed,
            mfa=tuple(mfa),
            groups=groups,
            policies=policies,
            policy_rows=policy_rows,
            policy_columns=REVIEW_POLICY_COLUMNS,
            boundary=boundary,
            trust=trust,
            trust_summary=tuple(trust_summary),
            last_accessed=data,
            access_rows=access_rows,
            access_columns=REVIEW_ACCESS_COLUMNS,
            findings=findings,
            finding_rows=finding_rows,
            finding_columns=REVIEW_FINDING_COLUMNS,
            actions=actions,
        )

    def _policy_lines(self, principal: User | Role) -> tuple[PolicyLine, ...]:
        snap = self.snapshot
        lines: list[PolicyLine] = []

        def add(
            inline: Iterable[InlinePolicy],
            attached: Iterable[AttachedPolicy],
            group: str | None = None,
        ) -> None:
            via = f"group {group}" if group else "direct"
            for p in inline:
                lines.append(PolicyLine("inline", p.name, via, None, p.document, group=group))
            for ref in attached:
                managed = snap.policy(ref.arn)
                lines.append(
                    PolicyLine(
                        "managed",
                        ref.name,
                        via,
                        ref.arn,
                        managed.document if managed else None,
                        managed.aws_managed if managed else ref.arn.split(":")[4] == "aws",
                        group,
                    )
                )

        add(principal.inline_policies, principal.attached_policies)
        if isinstance(principal, User):
            for name in principal.groups:
                group = self._groups.get(name)
                if group is not None:
                    add(group.inline_policies, group.attached_policies, name)
        return tuple(lines)

    def _access_rows(self, principal: User | Role, data: LastAccessed) -> Iterable[Row]:
        days = self.settings.thresholds.service_unused_days
        now = self.now
        old_enough = now - principal.create_date > timedelta(days=days)
        for s in sorted(
            data.services,
            key=lambda s: (s.last_authenticated is None, -(_ts(s.last_authenticated) or 0)),
        ):
            when = s.last_authenticated
            unused = old_enough if when is None else now - when > timedelta(days=days)
            yield Row(
                key=f"service:{s.namespace}",
                kind=RowKind.FACT,
                cells=(
                    s.service_name,
                    s.namespace,
                    age_cell(when, now),
                    s.region or "—",
                    "unused" if unused else "",
                ),
                sort=(s.service_name.lower(), s.namespace, _ts(when), s.region, float(unused)),
                tones=("", "muted", "warn" if when is None else "", "muted", "warn"),
                data=s,
            )


def _admin(line: PolicyLine) -> bool:
    return (line.arn is not None and is_administrator_access(line.arn)) or is_admin_document(
        line.document
    )


def _detail_key_row(user: User, key: AccessKey, now: datetime) -> Row:
    return Row(
        key=f"accesskey:{key.key_id}",
        kind=RowKind.KEY,
        cells=(
            key.key_id,
            key.status,
            age_cell(key.create_date, now),
            age_cell(key.last_used, now),
            key.last_used_service or "—",
            key.last_used_region or "—",
        ),
        tones=(
            "",
            "ok" if key.active else "muted",
            "",
            "warn" if key.last_used is None else "",
            "muted",
            "muted",
        ),
        data=key,
    )


def _report_key_row(
    user: User, slot: int, key: ReportKey, now: datetime, data: KeySlot | None = None
) -> Row:
    return Row(
        key=f"slot:{user.arn}:{slot}",
        kind=RowKind.KEY,
        cells=(
            f"key {slot} (id not loaded)",
            "Active" if key.active else "Inactive",
            report_ago(key.last_rotated, now, na="—", suffix=False),
            report_ago(key.last_used, now, suffix=False),
            report_text(key.last_used_service),
            report_text(key.last_used_region),
        ),
        tones=("muted", "ok" if key.active else "muted", "", "", "muted", "muted"),
        data=data if data is not None else key,
    )


def _not_evaluated_row(skipped: NotEvaluated) -> Row:
    return Row(
        key=f"not-evaluated:{skipped.rule.id}",
        kind=RowKind.NOT_EVALUATED,
        cells=("—", skipped.rule.title, "rule", f"not evaluated: {skipped.reason}"),
        sort=(None, skipped.rule.title.lower(), "rule", skipped.reason.lower()),
        search=f"{skipped.rule.id} {skipped.rule.title} not evaluated {skipped.reason}".lower(),
        tones=("muted", "muted", "muted", "muted"),
        dim=True,
        group="not-evaluated",
        data=skipped,
    )


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


# --- the journal ---------------------------------------------------------------------------------


def entry_tone(entry: Entry) -> str:
    """A status tone: completed ok, failed/stopped bad, interrupted warn, undone muted."""
    status = entry.status
    if entry.undone_by and entry.undone:
        return "muted"
    if status == "completed":
        return "ok"
    if status in ("failed", "stopped"):
        return "bad"
    if status == "interrupted":
        return "warn"
    return "low"


def entry_time(entry: Entry) -> str:
    """``2026-06-01 12:00:03`` from the entry's ISO time (UTC)."""
    try:
        return exact(datetime.fromisoformat(entry.time)).removesuffix(" UTC")
    except ValueError:
        return entry.time[:19].replace("T", " ")


def _entry_row(entry: Entry) -> Row:
    status = entry.status_line()
    tone = entry_tone(entry)
    return Row(
        key=f"entry:{entry.id}",
        kind=RowKind.ENTRY,
        cells=(entry.id, entry.action, status, entry.summary),
        sort=(entry.id, entry.action, status, entry.summary.lower()),
        search=" ".join(
            (entry.id, entry.action, status, entry.summary, entry.caller, entry.account)
        ).lower(),
        tones=("", "", tone, ""),
        dim=tone == "muted",
        data=entry,
    )


_STEP_MARK = {"ok": "✓", "error": "✗", "in-doubt": "?", "pending": "·"}


def entry_steps(entry: Entry) -> tuple[Field, ...]:
    """Each planned step: what the journal recorded (intent, result) and its way back."""
    fields_: list[Field] = []
    for index, step in enumerate(entry.plan.steps):
        log = entry.log(index)
        state = log.state
        if state == "pending":
            recorded = "not started"
        elif state == "in-doubt" and log.result is None:
            recorded = "intent written, no result: cut off mid-call (in doubt)"
        else:
            result = log.result or {}
            attempts = result.get("attempts")
            recorded = "intent, result " + ("ok" if result.get("ok") else "failed")
            if attempts and int(attempts) > 1:
                recorded += f" after {attempts} attempts"
            if not result.get("ok") and result.get("code"):
                recorded += f": {result.get('code')}: {result.get('message') or ''}".rstrip(": ")
            outputs = log.outputs
            if outputs:
                recorded += " · " + ", ".join(f"{k}={v}" for k, v in outputs.items())
        if index in entry.undone_steps:
            recorded += " · undone"
        if step.undoes_step is not None:
            way_back = f"reverts step {step.undoes_step + 1} of {entry.undoes or 'the entry'}"
        elif step.reversible:
            way_back = "undoable"
        else:
            way_back = f"irreversible: {step.irreversible_reason}"
        tone = {"ok": "", "error": "bad", "in-doubt": "warn", "pending": "muted"}[state]
        fields_.append(
            Field(
                f"{_STEP_MARK[state]} {index + 1}",
                f"{step.description}\n{step.call.text()}\n{recorded} · {way_back}",
                tone,
            )
        )
    return tuple(fields_) or (Field("", "no steps", "muted"),)


def _short_value(value: object, limit: int = 70) -> str:
    if isinstance(value, Mapping):
        if "key_id" in value:
            return f"{value['key_id']} {value.get('status', '')}".strip()
        text = ", ".join(str(k) for k in value)
    elif isinstance(value, list | tuple):
        names = [
            str(v.get("key_id") or v.get("name") or v.get("id") or v.get("arn") or "")
            if isinstance(v, Mapping)
            else str(v)
            for v in value
        ]
        text = ", ".join(n for n in names if n) or f"{len(value)} item(s)"
        text = text or "none"
    else:
        text = "—" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def entry_before(entry: Entry) -> tuple[Field, ...]:
    """The saved before-state, summarised per target (what undo restores from)."""
    names = {t.arn: f"{t.kind} {t.name}" for t in entry.plan.targets}
    fields_: list[Field] = []
    for arn, saved in entry.plan.before.items():
        who = names.get(arn, arn)
        if isinstance(saved, Mapping):
            parts = [f"{k}: {_short_value(v)}" for k, v in saved.items()]
            fields_.append(Field(who, "; ".join(parts) or "nothing saved"))
        else:
            fields_.append(Field(who, _short_value(saved)))
    return tuple(fields_) or (Field("", "nothing saved", "muted"),)


def describe_entry(entry: Entry) -> Detail:
    """A journal entry: who, when, status, each step's record, the before-state, the notes."""
    about = [
        Field("Entry", entry.id),
        Field("Time", entry_time(entry) + " UTC"),
        Field("Account", entry.account),
        Field("Caller", entry.caller),
        Field("Action", entry.action),
        Field("Status", entry.status_line(), entry_tone(entry)),
    ]
    if entry.undoes:
        about.append(Field("Undoes", entry.undoes))
    end = entry.end or {}
    if end.get("reason"):
        about.append(Field("Why", str(end["reason"]), "bad"))
    sections = [
        Section("Entry", tuple(about)),
        Section("Steps", entry_steps(entry)),
        Section("Before", entry_before(entry)),
    ]
    notes = [*entry.plan.notes, *(f"warning: {w}" for w in entry.plan.warnings)]
    if notes:
        sections.append(Section("Notes", tuple(Field("", n, "muted") for n in notes)))
    return Detail(entry.summary, entry_tone(entry), tuple(sections))
