"""The main screen: the overview, then six table panes (findings, users, roles, access keys, root,
journal), each a table + details.

A pane keeps the core's rows for its data, sorts them once per sort change and filters them per
keystroke with ``views.filter_rows``; the virtual table redraws only what is visible.

Action keys apply to the highlighted row, or to the marked rows (space) as one batch plan; a
key is shown only where its action applies, and greyed out when actions are disabled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Input

from iamtui.core.findings import Finding, PrincipalKind, Severity
from iamtui.core.journal import Entry
from iamtui.core.loader import CancelToken
from iamtui.core.model import Role, User
from iamtui.core.output import principal_label
from iamtui.core.text import plural, printable
from iamtui.core.views import (
    TABLE_PANES,
    Column,
    KeySlot,
    Pane,
    PaneView,
    Row,
    RowKind,
    arrange,
    empty_message,
)
from iamtui.core.views.journal import FollowUpRow
from iamtui.core.workspace import FetchedAll, State, Workspace
from iamtui.ui.choices import (
    Choice,
    action_bindings,
    batch_choices,
    finding_choices,
    first_for,
    for_binding,
    role_choices,
    service_credential_choices,
    slot_choices,
    user_choices,
)
from iamtui.ui.messages import StateChanged
from iamtui.ui.widgets.detail import DetailPanel, render_sections, tone_styles
from iamtui.ui.widgets.filtered import FilteredPane, FilterSortKeys
from iamtui.ui.widgets.header import AccountHeader
from iamtui.ui.widgets.keybar import KeyBar
from iamtui.ui.widgets.overview import OverviewPane
from iamtui.ui.widgets.table import RowTable
from iamtui.ui.widgets.tabs import PaneTabs

if TYPE_CHECKING:
    from iamtui.core.workspace import PlannedAction
    from iamtui.ui.app import IamtuiApp

#: Panes sorted by their first column by default; the others keep the core's order.
DEFAULT_SORT: dict[Pane, int | None] = {
    Pane.FINDINGS: None,
    Pane.USERS: 0,
    Pane.ROLES: 0,
    Pane.KEYS: 0,
    Pane.ROOT: None,
    Pane.JOURNAL: None,
}
UNCOUNTED = (RowKind.GROUP, RowKind.NOT_EVALUATED, RowKind.FACT)
#: The Journal pane's title counts entries, as its tab does; its follow-ups are named apart.
JOURNAL_UNCOUNTED = (*UNCOUNTED, RowKind.FOLLOW_UP)
#: Main-screen actions on a table pane's rows: none applies while the overview is shown.
TABLE_ACTIONS = frozenset(
    {"filter", "clear_filter", "sort", "reverse_sort", "mark", "floor", "act", "actions", "undo"}
    | {"harden_root", "verify_journal", "plan_follow_up", "dismiss_follow_up"}
)
FLOORS = (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)


class PaneWidget(FilteredPane):
    """One pane: optional filter input, the table, and the detail panel of the highlighted row."""

    def __init__(self, pane: Pane, state: State) -> None:
        super().__init__(id=f"pane-{pane.value}", sort_column=DEFAULT_SORT[pane])
        self.pane = pane
        self.state = state
        self.view: PaneView = state.views.pane(pane)
        self.floor = Severity.INFO
        #: Marked row keys: the selection batch actions will act on.
        self.marked: set[str] = set()

    def compose(self) -> ComposeResult:
        """Filter input (hidden until ``/``), table, details."""
        yield Input(
            placeholder="filter: name, ARN, tag, rule…  (enter: keep · esc: clear)",
            id=f"filter-{self.pane.value}",
            classes="filter",
        )
        yield RowTable(self.view.columns, id=f"table-{self.pane.value}")
        if self.pane is Pane.JOURNAL:
            yield JournalDetail(id=f"detail-{self.pane.value}")
        else:
            yield DetailPanel(id=f"detail-{self.pane.value}")

    def on_mount(self) -> None:
        """Fill the table."""
        super().on_mount()
        self._resort()
        self.refill()

    def pane_columns(self) -> Sequence[Column]:
        """The pane's column spec."""
        return self.view.columns

    def pane_rows(self) -> Sequence[Row]:
        """The pane's rows before filtering."""
        return self.view.rows

    @property
    def detail(self) -> DetailPanel:
        """This pane's detail panel."""
        return self.query_one(DetailPanel)

    # -- data -----------------------------------------------------------------------------

    def apply_state(self, state: State) -> None:
        """New data: rebuild from the core rows, keeping filter, sort, marks and cursor."""
        before = len(self.view.rows)
        self.state = state
        view = state.views.pane(self.pane)
        if view is self.view:
            if self.pane is Pane.FINDINGS:
                self._update_titles()  # last-accessed data may have arrived without a finding
            return  # a patch that did not touch this pane hands over the very same rows
        self.view = view
        live = {r.key for r in self.view.rows}
        self.marked &= live
        self._resort()
        newest = self.view.rows[0].key if self.view.rows else None
        grew = self.pane is Pane.JOURNAL and len(self.view.rows) > before
        self.refill(keep=newest if grew else None)

    def refill(self, keep: str | None = None, *, filtered: bool = False) -> None:
        """Filter the sorted rows and hand them to the table (no widget per row).

        ``filtered``: the filter changed, so a highlighted row that no longer matches gives
        way to the first match (not to whichever row now sits at its place).
        """
        floor = self.floor if self.pane is Pane.FINDINGS else None
        self.shown = arrange(self.view, self._sorted, self.query_text, floor=floor)
        self.table.set_sort(self.sort_column, self.sort_reverse)
        self.table.set_marked(self.marked)
        self.table.set_rows(
            self.shown,
            columns=self.view.columns,
            natural=self.view.widths,
            keep=keep,
            empty_text=empty_message(self.view, self.query_text, floor),
            filtered=filtered,
        )
        self._update_titles()

    def _update_titles(self) -> None:
        journal = self.pane is Pane.JOURNAL
        uncounted = JOURNAL_UNCOUNTED if journal else UNCOUNTED
        items = sum(1 for r in self.shown if r.kind not in uncounted)
        total = sum(1 for r in self.view.rows if r.kind not in uncounted)
        title = (
            f"{self.pane.label} · {items}"
            if items == total
            else (f"{self.pane.label} · {items} of {total}")
        )
        if journal:
            title += " entries" if total != 1 else " entry"
            if follow_ups := sum(1 for r in self.shown if r.kind is RowKind.FOLLOW_UP):
                title += f" · {follow_ups} open follow-up{'s' if follow_ups != 1 else ''}"
        if self.pane is Pane.FINDINGS:
            title += f" · {self.state.views.overview.freshness.last_accessed_text}"
        self.table.border_title = Content(title)  # plain text: names and typing are not markup
        bits = self.filter_and_sort_bits()
        if self.pane is Pane.FINDINGS and self.floor > Severity.INFO:
            bits.insert(1 if self.query_text else 0, f"{self.floor.label} and above")
        if self.marked:
            bits.append(f"{len(self.marked)} selected")
        self.table.border_subtitle = Content(" · ".join(bits))

    # -- operations ------------------------------------------------------------------------

    def cycle_floor(self) -> None:
        """Findings: hide those below the next severity."""
        self.floor = FLOORS[(FLOORS.index(self.floor) + 1) % len(FLOORS)]
        self.refill(filtered=True)

    def toggle_mark(self) -> None:
        """Mark or unmark the row under the cursor, then move down."""
        row = self.table.cursor_row
        if row is None or not row.selectable:
            return
        if row.key in self.marked:
            self.marked.discard(row.key)
        else:
            self.marked.add(row.key)
        self.table.set_marked(self.marked)
        self.table.action_cursor_down()
        self._update_titles()
        self.screen.refresh_bindings()

    def unmark(self, keys: Iterable[str] | None = None) -> None:
        """Clear the marks of ``keys`` (every mark for None)."""
        if keys is None:
            self.marked.clear()
        else:
            self.marked.difference_update(keys)
        self.table.set_marked(self.marked)
        self._update_titles()
        self.screen.refresh_bindings()

    def marked_rows(self) -> list[Row]:
        """The marked rows, in the pane's order."""
        return [r for r in self.view.rows if r.key in self.marked]

    @on(RowTable.Highlighted)
    def _highlighted(self, event: RowTable.Highlighted) -> None:
        event.stop()
        self.detail.show(self.state.views.describe(event.row) if event.row else None)
        self.screen.refresh_bindings()  # the action keys follow the row


class JournalDetail(DetailPanel):
    """The Journal pane's detail: an entry's steps and before-state, stacked and scrollable."""

    DEFAULT_CSS = """
    JournalDetail { height: 1fr; }
    JournalDetail > VerticalScroll { height: 1fr; }
    JournalDetail > VerticalScroll > Static { height: auto; }
    """

    def compose(self) -> ComposeResult:
        """The rendered entry in a scroll view."""
        with VerticalScroll(can_focus=False):
            yield self._body

    def rerender(self) -> None:
        """Sections one under the other: steps need the width."""
        detail = self._detail
        if detail is None:
            self.border_title = "Entry"
            self._body.update("")
            return
        self.border_title = escape(printable(detail.title))
        self._body.update(render_sections(detail.sections, tone_styles(self.app), 1))


class FetchAllProgress(Message):
    """Last-accessed jobs for everyone: ``done`` of ``total`` finished."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class FetchAllDone(Message):
    """The fetch for everyone ended: its result, or the one line that stopped it."""

    def __init__(self, result: FetchedAll | None, error: str | None = None) -> None:
        super().__init__()
        self.result = result
        self.error = error


class MainScreen(FilterSortKeys, Screen[None]):
    """Tabs of panes with the header on top and the footer's applicable keys below."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("0", "pane('overview')", "Overview", show=False, id="pane-overview"),
        Binding("1", "pane('findings')", "Findings", show=False, id="pane-findings"),
        Binding("2", "pane('users')", "Users", show=False, id="pane-users"),
        Binding("3", "pane('roles')", "Roles", show=False, id="pane-roles"),
        Binding("4", "pane('keys')", "Access keys", show=False, id="pane-keys"),
        Binding("5", "pane('root')", "Root", show=False, id="pane-root"),
        Binding("6", "pane('journal')", "Journal", show=False, id="pane-journal"),
        Binding("slash", "filter", "Filter", key_display="/", id="filter"),
        Binding("escape", "clear_filter", "Clear filter", id="filter-clear"),
        Binding("escape", "stop_last_accessed", "Stop fetching", id="last-accessed-stop"),
        Binding("s", "sort", "Sort", id="sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="sort-reverse"),
        Binding("space", "mark", "Select", id="select"),
        Binding("U", "clear_marks", "Clear selection", id="select-clear"),
        Binding("m", "floor", "Min severity", id="severity"),
        Binding("r", "app.reload", "Reload", id="reload"),
        Binding("x", "actions", "Actions…", id="actions"),
        *action_bindings(
            "key-deactivate",
            "key-activate",
            "key-rotate",
            "user-disable-console",
            "role-quarantine",
            "role-update-trust",
            "principal-rightsize",
            "key-delete",
            "user-delete",
            "role-delete",
            "resource-delete",
        ),
        Binding("u", "undo('undo')", "Undo", id="journal-undo"),
        Binding("u", "undo('rollback')", "Roll back", id="journal-rollback"),
        Binding("v", "verify_journal", "Verify chain", id="journal-verify"),
        Binding("p", "plan_follow_up", "Plan follow-up", id="follow-up-plan"),
        Binding("d", "dismiss_follow_up", "Dismiss follow-up", id="follow-up-dismiss"),
        Binding("h", "harden_root", "Harden root", id="root-harden"),
        Binding("L", "last_accessed_all", "Last-accessed for all", id="last-accessed-all"),
        Binding("P", "app.progress", "Progress", id="progress"),
        Binding("b", "back_to_org", "Back to accounts", id="org-back"),
    ]

    def __init__(self, state: State, workspace: Workspace) -> None:
        super().__init__()
        self.state = state
        #: The account session this screen shows (its workers' results are tagged with it).
        self.workspace = workspace
        self._choices: tuple[object, list[Choice]] | None = None
        #: The running fetch of last-accessed data for everyone (``L``), and its progress.
        self._fetch_all: CancelToken | None = None
        self.fetch_progress: tuple[int, int] | None = None

    def compose(self) -> ComposeResult:
        """Header, tabbed panes, footer."""
        yield AccountHeader()
        yield PaneTabs(self.state.views.counts(), id="pane-tabs")
        with ContentSwitcher(id="panes", initial=f"pane-{Pane.FINDINGS.value}"):
            yield OverviewPane(self.state.views.overview, id=f"pane-{Pane.OVERVIEW.value}")
            for pane in TABLE_PANES:
                yield PaneWidget(pane, self.state)
        yield KeyBar()

    def on_mount(self) -> None:
        """Focus the first table; report the first paint to the app (for the benchmark)."""
        self.current_pane.table.focus()
        self.overview.show(self.state.views.overview, fetch_hint=self._fetch_hint())
        app: IamtuiApp = self.app  # type: ignore[assignment]
        self.call_after_refresh(app.main_painted)
        app.main_ready()

    @property
    def tabs(self) -> PaneTabs:
        """The pane bar."""
        return self.query_one(PaneTabs)

    @property
    def active(self) -> Pane:
        """The pane shown."""
        return self.tabs.active

    @property
    def current_pane(self) -> PaneWidget:
        """The table pane shown (raises on the overview, where no table action applies)."""
        return self.pane_widget(self.tabs.active)

    @property
    def overview(self) -> OverviewPane:
        """The Overview pane."""
        return self.query_one(OverviewPane)

    def pane_widget(self, pane: Pane) -> PaneWidget:
        """A pane by name."""
        return self.query_one(f"#pane-{pane.value}", PaneWidget)

    def apply_state(self, state: State) -> None:
        """New data for every pane and tab label."""
        self.state = state
        self._choices = None
        with self.app.batch_update():
            for pane in TABLE_PANES:
                self.pane_widget(pane).apply_state(state)
            self.overview.show(state.views.overview)
            self.tabs.set_counts(state.views.counts())

    def show_pane(self, pane: Pane, query: str | None = None) -> None:
        """Switch to a pane (and optionally filter it)."""
        self.tabs.active = pane
        self.query_one(ContentSwitcher).current = f"pane-{pane.value}"
        if not pane.tabular:
            self.overview.focus()
            self.refresh_bindings()
            return
        widget = self.pane_widget(pane)
        if query is not None:
            widget.set_query(query)
        widget.table.focus()  # a focus change refreshes the bindings
        self.refresh_bindings()
        if pane is Pane.JOURNAL:
            app: IamtuiApp = self.app  # type: ignore[assignment]
            app.refresh_journal()  # another iamtui may have written to it

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys only where they apply: the severity floor on Findings, actions on rows."""
        if action == "back_to_org":
            app: IamtuiApp = self.app  # type: ignore[assignment]
            return app.org is not None
        if action in ("last_accessed_all", "stop_last_accessed"):
            return self._fetch_applies(action)
        if action in TABLE_ACTIONS:
            try:
                if not self.active.tabular:
                    return False
            except Exception:
                return False
        if action in ("act", "actions", "undo", "harden_root", "verify_journal"):
            try:
                return self._applies(action, parameters)
            except Exception:
                return False
        if action in ("plan_follow_up", "dismiss_follow_up"):
            try:
                row = self.current_follow_up()
            except Exception:
                return False
            return row is not None and (row.due or action == "dismiss_follow_up")
        if action == "clear_marks":
            try:
                return bool(self.current_pane.marked)
            except Exception:
                return False
        if action == "floor":
            try:
                return self.current_pane.pane is Pane.FINDINGS
            except Exception:
                return False
        if action == "clear_filter":
            try:
                pane = self.current_pane
            except Exception:
                return False
            return bool(pane.query_text) or pane.filter_input.display
        return True

    # -- last-accessed data for everyone ----------------------------------------------------

    def _fetch_applies(self, action: str) -> bool:
        """``L`` while some principal lacks last-accessed data (or to stop); escape to stop."""
        if action == "stop_last_accessed":
            return self._fetch_all is not None
        if self._fetch_all is not None:
            return True
        app: IamtuiApp = self.app  # type: ignore[assignment]
        if app.workspace.is_offline:
            return False
        fresh = self.state.views.overview.freshness
        return fresh.last_accessed < fresh.principals

    def _fetch_hint(self) -> str:
        app: IamtuiApp = self.app  # type: ignore[assignment]
        if app.workspace.is_offline:
            return ""
        return f"{app.key_for('last-accessed-all')}: fetch it for every principal"

    def action_last_accessed_all(self) -> None:
        """Last-accessed data for every user and role without it, a few jobs at a time.

        The same key again stops it; what finished is kept and a later fetch resumes.
        """
        if self._fetch_all is not None:
            self.action_stop_last_accessed()
            return
        token = CancelToken()
        self._fetch_all = token
        self.fetch_progress = (0, 0)
        self._refresh_progress()
        self.run_worker(
            lambda: self._fetch_all_job(token),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group="last-accessed-all",
            name="last accessed for all",
        )

    def action_stop_last_accessed(self) -> None:
        """Stop the fetch for everyone at its next check (jobs in flight finish)."""
        if self._fetch_all is not None:
            self._fetch_all.cancel()
            self.notify("Stopping the last-accessed fetch…")

    def _fetch_all_job(self, token: CancelToken) -> None:
        """Worker thread: every AWS call of the fetch runs here (and in its small pool)."""
        app: IamtuiApp = self.app  # type: ignore[assignment]
        ws = self.workspace

        def progress(done: int, total: int) -> None:
            self.post_message(FetchAllProgress(done, total))

        def merged(state: State) -> None:
            app.post_message(StateChanged(state, "last-accessed-all", source=ws))

        try:
            result = ws.load_last_accessed_all(cancel=token, progress=progress, merged=merged)
        except Exception as exc:
            text = str(exc).strip()
            self.post_message(
                FetchAllDone(None, text.splitlines()[0] if text else type(exc).__name__)
            )
        else:
            self.post_message(FetchAllDone(result))

    def on_fetch_all_progress(self, message: FetchAllProgress) -> None:
        """n of m in the header."""
        if self._fetch_all is not None:
            self.fetch_progress = (message.done, message.total)
            self._refresh_progress()

    def on_fetch_all_done(self, message: FetchAllDone) -> None:
        """Say how it ended, in one line."""
        self._fetch_all = None
        self.fetch_progress = None
        self._refresh_progress()
        self.refresh_bindings()
        result = message.result
        if result is None:
            self.notify(f"Last-accessed fetch failed: {message.error}", severity="error")
            return
        coverage = result.state.views.overview.freshness.last_accessed_text
        text = f"Fetched last-accessed data for {plural(result.fetched, 'principal')}"
        if result.cancelled:
            text += ", stopped"
        if result.failures:
            first = next(iter(result.failures.values()))
            text += f", {len(result.failures)} failed ({first})"
        warn = bool(result.failures) or result.cancelled
        self.notify(f"{text}; now {coverage}.", severity="warning" if warn else "information")

    def _refresh_progress(self) -> None:
        for screen in self.app.screen_stack:
            for header in screen.query(AccountHeader):
                header.refresh()

    def on_unmount(self) -> None:
        """Leaving: the fetch's threads stop at their next check."""
        if self._fetch_all is not None:
            self._fetch_all.cancel()

    # -- actions --------------------------------------------------------------------------

    def _applies(self, action: str, parameters: tuple[object, ...]) -> bool:
        pane = self.current_pane
        if action == "act":
            return first_for(self.choices(), str(parameters[0])) is not None
        if action == "actions":
            return pane.pane is not Pane.JOURNAL and bool(self.choices())
        if action == "harden_root":
            if pane.pane is Pane.ROOT:
                return True
            row = pane.table.cursor_row
            data = row.data if row is not None else None
            return isinstance(data, Finding) and "root.harden" in {str(a) for a in data.actions}
        if action == "verify_journal":
            return pane.pane is Pane.JOURNAL
        entry = self.current_entry()
        if entry is None:
            return False
        # Two bindings share the undo key: "Roll back" for interrupted entries, else "Undo".
        rollback = entry.status == "interrupted"
        return rollback if parameters == ("rollback",) else not rollback

    def current_follow_up(self) -> FollowUpRow | None:
        """The follow-up under the cursor (Journal pane only)."""
        pane = self.current_pane
        if pane.pane is not Pane.JOURNAL:
            return None
        row = pane.table.cursor_row
        return row.data if row is not None and isinstance(row.data, FollowUpRow) else None

    def action_plan_follow_up(self) -> None:
        """Plan the due follow-up under the cursor: its evidence re-checked, a normal preview."""
        app: IamtuiApp = self.app  # type: ignore[assignment]
        row = self.current_follow_up()
        if row is None or not row.due:
            return
        ref = row.item.ref
        app.start_action(
            f"Follow-up {ref}: {row.item.follow_up.description}",
            lambda ws: ws.plan_follow_up(ref),
        )

    def action_dismiss_follow_up(self) -> None:
        """Dismiss the follow-up under the cursor (asked first; the journal records it)."""
        from iamtui.ui.screens.action import AskValue

        app: IamtuiApp = self.app  # type: ignore[assignment]
        row = self.current_follow_up()
        if row is None or app.refuse_if_blocked():
            return
        ref = row.item.ref

        def answered(reason: str | None) -> None:
            if reason is not None:
                app.dismiss_follow_up(ref, reason)

        app.push_screen(
            AskValue(
                f"Dismiss follow-up {ref}",
                f"The follow-up ({row.item.follow_up.description}) will not be offered again; "
                "the journal keeps why. Reason (optional):",
                lambda _value: None,
                enter="dismiss",
            ),
            answered,
        )

    def current_entry(self) -> Entry | None:
        """The journal entry under the cursor (Journal pane only)."""
        pane = self.current_pane
        if pane.pane is not Pane.JOURNAL:
            return None
        row = pane.table.cursor_row
        return row.data if row is not None and isinstance(row.data, Entry) else None

    def choices(self) -> list[Choice]:
        """What can be done to the highlighted row, or to the marked rows as a batch."""
        pane = self.current_pane
        row = pane.table.cursor_row
        key = (pane.pane, row.key if row else None, frozenset(pane.marked), self.state.generation)
        if self._choices is not None and self._choices[0] == key:
            return self._choices[1]
        if pane.marked:
            rows = pane.marked_rows()
            found = batch_choices([(r, self.row_choices(r, include_refused=True)) for r in rows])
        else:
            found = self.row_choices(row) if row is not None else []
        self._choices = (key, found)
        return found

    def row_choices(self, row: Row, include_refused: bool = False) -> list[Choice]:
        """The actions one row's subject takes (and, for batches, those it refuses, with why)."""
        views = self.state.views
        data = row.data
        if isinstance(data, Finding):
            same = [f for f in self.state.evaluation.findings if f.rule == data.rule]
            return finding_choices(data, same)
        last_accessed = self.state.snapshot.last_accessed
        if isinstance(data, User):
            detail = self.state.snapshot.details.get(data.arn)
            found = user_choices(
                data,
                views.report_rows.get(data.name),
                include_refused,
                detail,
                last_accessed=last_accessed.get(data.arn),
            )
            if include_refused:  # a batch: one choice per action and row, not per credential
                return found
            held = self.state.snapshot.credentials_of(data.name)
            return [*found, *service_credential_choices(held)]
        if isinstance(data, Role):
            return role_choices(data, include_refused, last_accessed=last_accessed.get(data.arn))
        if isinstance(data, KeySlot):
            detail = self.state.snapshot.details.get(data.user.arn)
            return slot_choices(data, detail, include_refused)
        return []

    def _subject_title(self) -> str:
        pane = self.current_pane
        if pane.marked:
            return f"Actions · {len(pane.marked)} selected rows"
        row = pane.table.cursor_row
        data = row.data if row is not None else None
        if isinstance(data, Finding):  # its first cell is the severity: name who it is about
            return f"Actions · {principal_label(data)}"
        return f"Actions · {row.cells[0] if row and row.cells else ''}".rstrip(" ·")

    def action_actions(self) -> None:
        """The action menu for the row or the selection."""
        app: IamtuiApp = self.app  # type: ignore[assignment]
        pane = self.current_pane
        app.choose(
            self._subject_title(),
            self.choices(),
            on_done=lambda choice, planned: self._batch_done(pane, choice, planned),
        )

    def _batch_done(self, pane: PaneWidget, choice: Choice, planned: PlannedAction) -> None:
        """A batch ran to completion: unmark the rows it acted on.

        Rows it skipped (the preview said why) stay marked, so what is left is in view. A run
        that failed part-way, or a dry run, changes no mark.
        """
        app: IamtuiApp = self.app  # type: ignore[assignment]
        if not choice.sources or app.workspace.dry_run:
            return
        skipped = {s.target for s in planned.plan.skipped}
        left = {
            key
            for key, request in zip(choice.sources, choice.requests, strict=True)
            if request.label in skipped
        }
        pane.unmark(set(choice.sources) - left)

    def action_clear_marks(self) -> None:
        """Unmark every row of the pane."""
        self.current_pane.unmark()

    def action_act(self, binding: str) -> None:
        """An action key: plan and preview its choice here."""
        app: IamtuiApp = self.app  # type: ignore[assignment]
        if app.refuse_if_blocked():
            return
        found = for_binding(self.choices(), binding)
        if len(found) > 1:
            app.choose(self._subject_title(), found)
        elif found:
            choice, pane = found[0], self.current_pane
            app.run_choice(choice, on_done=lambda planned: self._batch_done(pane, choice, planned))

    def action_harden_root(self) -> None:
        """The root hardening screen (Root pane)."""
        app: IamtuiApp = self.app  # type: ignore[assignment]
        app.action_harden_root()

    def action_verify_journal(self) -> None:
        """Check the journal's hash chain (Journal pane)."""
        app: IamtuiApp = self.app  # type: ignore[assignment]
        app.action_verify_journal()

    def action_undo(self, _kind: str = "undo") -> None:
        """Undo (or roll back) the journal entry under the cursor."""
        app: IamtuiApp = self.app  # type: ignore[assignment]
        entry = self.current_entry()
        if entry is not None:
            app.undo_entry(entry)

    def action_back_to_org(self) -> None:
        """Organization session: close this account and show the accounts (its row updated)."""
        app: IamtuiApp = self.app  # type: ignore[assignment]
        app.back_to_org()

    def action_pane(self, name: str) -> None:
        """Number keys: switch panes."""
        self.show_pane(Pane(name))

    def action_mark(self) -> None:
        """Toggle the row's selection."""
        self.current_pane.toggle_mark()

    def action_floor(self) -> None:
        """Cycle the minimum severity shown."""
        self.current_pane.cycle_floor()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        self.refresh_bindings()

    @on(RowTable.Selected)
    def _row_selected(self, event: RowTable.Selected) -> None:
        """``enter``: open the principal behind the row."""
        app: IamtuiApp = self.app  # type: ignore[assignment]
        data = event.row.data
        if isinstance(data, User | Role):
            app.open_review(data)
        elif isinstance(data, KeySlot):
            app.open_review(data.user)
        elif isinstance(data, Finding):
            self._open_finding(data)

    def _open_finding(self, finding: Finding) -> None:
        app: IamtuiApp = self.app  # type: ignore[assignment]
        views = self.state.views
        if finding.principal_kind in (PrincipalKind.USER, PrincipalKind.ROLE):
            principal = views.by_arn.get(finding.principal_arn)
            if isinstance(principal, User | Role):
                app.open_review(principal)
                return
        if finding.principal_kind in (PrincipalKind.ROOT, PrincipalKind.ACCOUNT):
            self.show_pane(Pane.ROOT)
            return
        if finding.principal_kind is PrincipalKind.POLICY:
            from iamtui.core.views import PolicyLine
            from iamtui.ui.screens.policy import PolicyScreen

            policy = self.state.snapshot.policy(finding.principal_arn)
            if policy is not None:
                line = PolicyLine(
                    "managed",
                    policy.name,
                    "account",
                    policy.arn,
                    policy.document,
                    policy.aws_managed,
                )
                app.push_screen(PolicyScreen(line))
                return
        app.notify(
            f"{finding.principal_kind} {finding.principal_name}: no review screen for this "
            "kind yet; the details panel has the evidence."
        )
