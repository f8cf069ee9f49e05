"""The Journal pane and journal entry details: what every action did, newest first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from iamtui.core.actions.followups import Recheck
from iamtui.core.journal import Entry, FollowUpItem, FollowUpState, follow_up_items
from iamtui.core.views.details import Detail, Field, Section
from iamtui.core.views.format import exact
from iamtui.core.views.table import Cell, Column, Pane, PaneView, Row, RowKind, cells

if TYPE_CHECKING:
    from iamtui.core.views.panes import Views


@dataclass(frozen=True, slots=True)
class JournalData:
    """What the Journal pane shows: the journal's path, its entries, and any problem with it."""

    path: str
    entries: tuple[Entry, ...]
    #: Why the journal could not be read (the pane says so instead of showing entries).
    read_error: str | None = None
    #: Why this session cannot write to it (busy, damaged): actions are read-only.
    problem: str | None = None
    #: Follow-ups still open (due or pending), soonest first.
    follow_ups: tuple[FollowUpItem, ...] = ()
    #: Their evidence as last re-checked on the live account, by ``ENTRY#N`` (IAM reads only).
    checks: Mapping[str, Recheck] = field(default_factory=dict)
    #: Why the evidence was not re-checked ("" when it was, or nothing was open).
    unchecked: str = ""


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    """A follow-up row of the Journal pane: the follow-up and its evidence as last re-checked."""

    item: FollowUpItem
    check: Recheck | None
    #: Why it was not re-checked (offline, not loaded yet).
    unchecked: str = ""

    def evidence(self) -> tuple[str, str]:
        """(text, tone): ``ready``, ``not ready: key used …`` or why it is unknown."""
        if self.check is None:
            return f"evidence not checked{': ' + self.unchecked if self.unchecked else ''}", "muted"
        if self.check.problems:
            return self.check.verdict(), "bad"
        if self.item.state is FollowUpState.DUE:
            return "ready (IAM evidence holds)", "ok"
        return "evidence holds so far", "low"

    def status(self) -> str:
        """``due · ready`` / ``pending until 2026-07-01 · evidence holds so far``."""
        if self.item.state is FollowUpState.DUE:
            head = "due"
        else:
            head = f"pending until {self.item.follow_up.due_at:%Y-%m-%d}"
        return f"{head} · {self.evidence()[0]}"

    @property
    def due(self) -> bool:
        """It may be planned now (its evidence is re-checked again when it is)."""
        return self.item.state is FollowUpState.DUE


#: The entry id starts with its UTC time (``20260601-120000-k3f9``): no separate time column.
JOURNAL_COLUMNS = (
    Column(
        "id", "Entry (UTC time-id)", max_width=20, min_width=20,
        get=lambda e: Cell(e.id, e.id),
    ),
    Column("action", "Action", max_width=20, min_width=14, get=lambda e: Cell(e.action, e.action)),
    Column(
        "status", "Status", max_width=44, min_width=24,
        get=lambda e: Cell(e.status_line(), e.status_line(), entry_tone(e)),
    ),
    Column(
        "summary", "Summary", max_width=120, min_width=30, flex=True,
        get=lambda e: Cell(e.summary, e.summary.lower()),
    ),
)  # fmt: skip


#: Follow-up rows share the Journal pane's columns: ref, action to plan, status, description.
FOLLOW_UP_COLUMNS = (
    # The entry's id (the column's width); the row's key and details give ENTRY#N.
    Column("id", "", get=lambda f: Cell(f.item.entry.id, f.item.ref)),
    Column(
        "action", "", get=lambda f: Cell(f"↻ {f.item.follow_up.action}", f.item.follow_up.action)
    ),
    Column("status", "", get=lambda f: Cell(f.status(), f.status(), f.evidence()[1])),
    Column(
        "summary", "",
        get=lambda f: Cell(
            f"follow-up: {f.item.follow_up.description}, if {f.item.follow_up.condition()}",
            f.item.follow_up.description.lower(),
        ),
    ),
)  # fmt: skip


def build(v: Views) -> PaneView:
    """Due follow-ups first (they wait for the operator), then the entries, newest first, each
    with its pending follow-up right below it."""
    data = v.journal
    rows_of = {
        i.ref: _follow_up_row(FollowUpRow(i, data.checks.get(i.ref), data.unchecked))
        for i in data.follow_ups
    }
    due = sorted((i for i in data.follow_ups if _is_due(i)), key=lambda i: i.follow_up.due_at)
    rows = [rows_of[i.ref] for i in due]
    pending: dict[str, list[Row]] = {}
    for item in data.follow_ups:
        if not _is_due(item):
            pending.setdefault(item.entry.id, []).append(rows_of[item.ref])
    for entry in reversed(data.entries):
        rows.append(_entry_row(entry))
        rows += pending.get(entry.id, ())
    where = data.path or "the journal"
    empty = f"No entries in {where} yet: every action you run is recorded here"
    return PaneView(
        Pane.JOURNAL, JOURNAL_COLUMNS, tuple(rows), unavailable=data.read_error, empty=empty
    )


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


def _is_due(item: FollowUpItem) -> bool:
    return item.state is FollowUpState.DUE


def _follow_up_row(row: FollowUpRow) -> Row:
    texts, sort, tones = cells(FOLLOW_UP_COLUMNS, row)
    return Row(
        key=f"follow-up:{row.item.ref}",
        kind=RowKind.FOLLOW_UP,
        cells=texts,
        sort=sort,
        search=" ".join(("follow-up", *texts)).lower(),
        tones=tones,
        data=row,
    )


def describe_follow_up(row: FollowUpRow) -> Detail:
    """A follow-up: what it will plan, when, the evidence it re-checks and how it stood."""
    item, follow_up = row.item, row.item.follow_up
    text, tone = row.evidence()
    about = [
        Field("Follow-up", item.ref),
        Field("Plans", f"{follow_up.action}: {follow_up.description}"),
        Field("Of entry", f"{item.entry.id}: {item.entry.summary}"),
        Field("Since", entry_time(item.entry) + " UTC"),
        Field("Due", exact(follow_up.due_at)),
        Field("State", item.state.value, "ok" if row.due else "low"),
        Field("Evidence", text, tone),
    ]
    held = tuple(Field("", h, "muted") for h in row.check.held) if row.check else ()
    checks = (Field("If", follow_up.condition()), *held)
    return Detail(
        f"follow-up: {follow_up.description}",
        tone,
        (Section("Follow-up", tuple(about)), Section("Evidence", checks)),
    )


def _entry_row(entry: Entry) -> Row:
    texts, sort, tones = cells(JOURNAL_COLUMNS, entry)
    status = texts[2]
    return Row(
        key=f"entry:{entry.id}",
        kind=RowKind.ENTRY,
        cells=texts,
        sort=sort,
        search=" ".join(
            (entry.id, entry.action, status, entry.summary, entry.caller, entry.account)
        ).lower(),
        tones=tones,
        dim=tones[2] == "muted",
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


def follow_up_state(item: FollowUpItem) -> tuple[str, str]:
    """(text, tone) of where a follow-up stands: ``pending until …``, ``due since …``,
    ``done by ENTRY``, ``dismissed …: reason``, ``obsolete: …`` (docs/followups.md)."""
    when = exact(item.follow_up.due_at)
    if item.state is FollowUpState.PENDING:
        return f"pending until {when}", "low"
    if item.state is FollowUpState.DUE:
        return f"due since {when}", "warn"
    tone = "ok" if item.state is FollowUpState.DONE else "muted"
    return item.note or item.state.value, tone


def entry_follow_ups(entries: tuple[Entry, ...], entry: Entry, now: datetime) -> tuple[Field, ...]:
    """Each follow-up the entry offered with its state, the closed ones too: a row that left
    the pane (planned, dismissed) still says here what became of it."""
    items = [i for i in follow_up_items(entries, now) if i.entry.id == entry.id]
    out = []
    for item in items:
        text, tone = follow_up_state(item)
        follow_up = item.follow_up
        out.append(Field(item.ref, f"{follow_up.action}: {follow_up.description}\n{text}", tone))
    return tuple(out)


def describe_entry(
    entry: Entry, entries: tuple[Entry, ...] = (), now: datetime | None = None
) -> Detail:
    """A journal entry: who, when, status, each step's record, the before-state, the notes,
    and the follow-ups it offered with what became of each (``entries`` link them to the
    entries that carried them out; ``now`` tells pending from due)."""
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
    if entry.plan.follow_ups and now is not None:
        follow_ups = entry_follow_ups(entries or (entry,), entry, now)
        sections.append(Section("Follow-ups", follow_ups))
    return Detail(entry.summary, entry_tone(entry), tuple(sections))
