"""The table model every pane and screen draws: rows, columns, sections, filter and sort."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple

from iamtui.core.findings import (
    Finding,
    Severity,
)

SortValue = str | float | None


class Pane(enum.StrEnum):
    """The main screen's panes, in the order number keys 0-6 select them."""

    OVERVIEW = "overview"
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

    @property
    def tabular(self) -> bool:
        """A pane of rows (every pane but the overview, which draws pictures)."""
        return self is not Pane.OVERVIEW


_PANE_TITLES = {
    Pane.OVERVIEW: "Overview",
    Pane.FINDINGS: "Findings",
    Pane.USERS: "Users",
    Pane.ROLES: "Roles",
    Pane.KEYS: "Access keys",
    Pane.ROOT: "Root",
    Pane.JOURNAL: "Journal",
}
_PANE_NOUNS = {
    Pane.OVERVIEW: "figures",
    Pane.FINDINGS: "findings",
    Pane.USERS: "users",
    Pane.ROLES: "roles",
    Pane.KEYS: "access keys",
    Pane.ROOT: "root checks",
    Pane.JOURNAL: "journal entries",
}


#: The panes made of rows (a PaneView each), in pane-bar order.
TABLE_PANES: tuple[Pane, ...] = tuple(p for p in Pane if p.tabular)


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
    FOLLOW_UP = "follow-up"
    #: An account of the organization view.
    ACCOUNT = "account"


class Cell(NamedTuple):
    """One cell of a row: what it shows, the raw value it sorts by, and its tone."""

    text: str
    sort: SortValue = None
    #: A severity label, "ok", "warn", "bad", "muted" or "" (plain).
    tone: str = ""


_BLANK = Cell("")


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: label, how wide it may grow, and how a row's item fills its cell.

    ``get`` turns the pane's item (a user, a key slot, a finding...) into the cell's text, sort
    value and tone at once, so a pane's columns are one declarative list and the three can
    never fall out of step. ``flex`` columns absorb the spare width.
    """

    key: str
    label: str
    max_width: int = 40
    min_width: int = 4
    flex: bool = False
    right: bool = False
    get: Callable[[Any], Cell] | None = field(default=None, compare=False, repr=False)


def cells(
    columns: Sequence[Column], item: object
) -> tuple[tuple[str, ...], tuple[SortValue, ...], tuple[str, ...]]:
    """Display texts, sort values and tones of one item under a pane's column spec."""
    texts, sort, tones = zip(*[c.get(item) if c.get else _BLANK for c in columns], strict=True)
    return texts, sort, tones


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
    #: Who the row is (name, then ARN or key id): the order of rows whose sort values tie.
    #: "" falls back to ``key``.
    ident: str = ""

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
        kinds = list(map(_KIND, self.rows))  # counted at C speed: panes hold 20,000 rows
        return len(kinds) - kinds.count(RowKind.GROUP) - kinds.count(RowKind.NOT_EVALUATED)


# --- formatting --------------------------------------------------------------------------------


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
    """Sort by one column's raw value, ties in identity order; rows without a value go last.

    Ties keep ascending identity order in both directions, so rows with equal values never
    trade places when the data reloads (in another order) or the direction flips.
    """
    if column is None:
        return list(rows)
    ordered = sorted(rows, key=row_ident)
    present = [r for r in ordered if column < len(r.sort) and r.sort[column] is not None]
    missing = [r for r in ordered if not (column < len(r.sort) and r.sort[column] is not None)]
    # list.sort is stable in both directions: ties stay in the identity order above.
    present.sort(key=lambda r: r.sort[column], reverse=reverse)  # type: ignore[arg-type, return-value]
    return present + missing


def row_ident(row: Row) -> str:
    """The row's identity for tie-breaks: its ``ident``, else its key."""
    return row.ident or row.key


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
    # Rows arrive mostly grouped (the core builds them section by section): bucket whole runs
    # at C speed, then lay the sections out in their order with a counted header each.
    buckets: dict[str, list[Row]] = {}
    for key, run in groupby(matched, key=_GROUP):
        buckets.setdefault(key, []).extend(run)
    out: list[Row] = []
    for key in sorted(buckets, key=lambda k: _group_order(view, k)):
        spec = view.groups.get(key)
        if spec is not None:
            out.append(_group_row(spec, len(buckets[key])))
        out.extend(buckets[key])
    return out


_GROUP = attrgetter("group")
_KIND = attrgetter("kind")


def _group_order(view: PaneView, key: str) -> tuple[int, int]:
    spec = view.groups.get(key)
    return spec.order if spec is not None else (99, 0)


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


def patch_widths(
    old: PaneView, rows: Sequence[Row], removed: Iterable[Row], added: Iterable[Row]
) -> tuple[int, ...]:
    """``natural_widths`` of ``rows`` after some rows were replaced, without a full pass.

    Added cells can only widen a column; a removed cell as wide as its column might have been
    the widest, and then the column is measured again over every row.
    """
    columns = old.columns
    n = len(columns)
    fresh = natural_widths(columns, added)
    widths = [max(a, b) for a, b in zip(old.widths, fresh, strict=True)]
    for r in removed:
        if r.span:
            continue
        for i, cell in enumerate(r.cells[:n]):
            if min(len(cell), columns[i].max_width) >= old.widths[i]:
                return natural_widths(columns, rows)
    return tuple(widths)
