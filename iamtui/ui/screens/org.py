"""The organization screen: every account as the scan reads it, and the way into one account.

The base screen of ``iamtui org`` and ``iamtui demo --org``. The scan runs in a thread worker
that only posts messages (one per account update); the screen rebuilds its two panes, Accounts
and Findings, from the core's org tables, filtered and sorted as the main screen's panes are.
``enter`` opens the account's full session (the app's workspace becomes that account's, see
:meth:`IamtuiApp.enter_account`); ``b`` on its main screen comes back here.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Static

from iamtui.core.findings import PrincipalKind
from iamtui.core.fleet import AccountLine, AccountState, FleetAccount, FleetProgress
from iamtui.core.loader import Cancelled, CancelToken
from iamtui.core.org_session import OrgSession
from iamtui.core.session import ConnectionProblem
from iamtui.core.text import plural, printable
from iamtui.core.views.fleet import OrgFinding, OrgTable, accounts_table, findings_table
from iamtui.core.views.table import Column, Row, filter_rows
from iamtui.ui.messages import one_line
from iamtui.ui.widgets.filtered import FilteredPane, FilterSortKeys
from iamtui.ui.widgets.keybar import KeyBar
from iamtui.ui.widgets.table import RowTable

if TYPE_CHECKING:
    from iamtui.core.workspace import Workspace
    from iamtui.ui.app import IamtuiApp

#: The two panes: (id, label).
ORG_PANES = (("accounts", "Accounts"), ("findings", "Findings"))


class OrgUpdated(Message):
    """The scan moved: an account's state or outcome changed (the lines hold what)."""

    def __init__(self, progress: FleetProgress | None = None) -> None:
        super().__init__()
        self.progress = progress


class OrgScanEnded(Message):
    """The scan ended: read through, cancelled, or the organization could not be listed."""

    def __init__(self, *, error: str | None = None, cancelled: bool = False) -> None:
        super().__init__()
        self.error = error
        self.cancelled = cancelled


class AccountOpened(Message):
    """The role in one account was assumed: its workspace, ready to load."""

    def __init__(self, workspace: Workspace, principal: tuple[str, str] | None) -> None:
        super().__init__()
        self.workspace = workspace
        self.principal = principal


class AccountRefused(Message):
    """One account could not be opened (the role refused): one line."""

    def __init__(self, label: str, reason: str) -> None:
        super().__init__()
        self.label = label
        self.reason = reason


class Tally:
    """How far the scan is: accounts read, not reachable, being read, of all."""

    def __init__(self, lines: tuple[AccountLine, ...]) -> None:
        self.total = len(lines)
        self.read = sum(1 for li in lines if li.outcome is not None and li.outcome.reachable)
        self.failed = sum(1 for li in lines if li.outcome is not None and not li.outcome.reachable)
        running = (AccountState.RUNNING, AccountState.WAITING)
        self.running = sum(1 for li in lines if li.outcome is None and li.state in running)

    def text(self) -> str:
        """``N of M accounts read, F not reachable, R running``."""
        return (
            f"{self.read} of {plural(self.total, 'account')} read, {self.failed} not reachable, "
            f"{self.running} running"
        )


class OrgHeader(Widget):
    """Which organization, as whom, and how much of it is read (never an all-clear when not)."""

    DEFAULT_CSS = """
    OrgHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $text;
    }
    """

    def render(self) -> Content:
        """Built from the session's lines at each refresh."""
        screen = self.screen
        assert isinstance(screen, OrgScreen)
        org = screen.org
        listing = org.listing
        if org.profiles:
            who = f"profiles {', '.join(org.profiles)}"
        elif listing is not None and listing.organization_id:
            who = f"organization {listing.organization_id}"
        else:
            who = "organization"
        parts = [f" [b]{escape(printable(who))}[/]"]
        tally = Tally(org.lines())
        if listing is not None:
            parts.append(f"[$text-accent]{escape(tally.text())}[/]")
        if listing is not None and listing.caller is not None:
            parts.append(escape(printable(listing.caller.arn)))
        left = Content.from_markup(" [$text-muted]·[/] ".join(parts))
        if screen.scanning:
            badge = "[b $text-warning] scanning… [/]"
        elif tally.failed or screen.cancelled or (listing is not None and tally.read < tally.total):
            badge = "[b $text-error on $error 30%] scan INCOMPLETE [/]"
        elif listing is not None:
            badge = "[$text-success] scan complete [/]"
        else:
            badge = ""
        modes = [m for m, on in (("read-only", org.read_only), ("dry run", org.dry_run)) if on]
        if modes:
            badge += f"[b $text-warning on $warning 30%] {' · '.join(modes)} [/]"
        right = Content.from_markup(badge)
        room = max(10, self.size.width - right.cell_length - 1)
        content = left.truncate(room, ellipsis=True)
        gap = max(1, self.size.width - content.cell_length - right.cell_length)
        return Content.assemble(content, " " * gap, right)


def describe(row: Row | None) -> str:
    """The highlighted row in full, under the table (its cells may be cut to fit)."""
    data = row.data if row is not None else None
    if isinstance(data, AccountLine):
        outcome = data.outcome
        what = row.cells[-1] if row is not None else ""
        if outcome is not None and outcome.unreachable is not None:
            what = str(outcome.unreachable)
        ou = f" · OU {data.target.ou or '(root)'}" if data.target.ou is not None else ""
        return f"{data.target.name} ({data.account_id or '?'}){ou} · {what}"
    if isinstance(data, OrgFinding):
        f = data.finding
        return (
            f"{data.line.target.name} ({data.line.account_id}) · {f.severity.label} · {f.rule} · "
            f"{f.principal_arn} · {f.summary}"
        )
    return ""


class OrgPane(FilteredPane):
    """One pane: filter input (hidden until ``/``) over a table of the core's rows, and the
    highlighted row in full."""

    DEFAULT_CSS = """
    OrgPane .org-detail {
        height: auto;
        max-height: 3;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def __init__(self, name: str, label: str) -> None:
        super().__init__(id=f"org-pane-{name}")
        self.pane_name = name
        self.label = label
        self.table_data: OrgTable | None = None

    def compose(self) -> ComposeResult:
        """Filter input and table."""
        yield Input(
            placeholder="filter: account, id, OU, rule, principal…  (enter: keep · esc: clear)",
            id=f"org-filter-{self.pane_name}",
            classes="filter",
        )
        yield RowTable(id=f"org-table-{self.pane_name}", show_marks=False)
        yield Static(id=f"org-detail-{self.pane_name}", classes="org-detail", markup=False)

    def pane_columns(self) -> Sequence[Column]:
        """The table's columns (none before the first rows)."""
        return self.table_data.columns if self.table_data is not None else ()

    def pane_rows(self) -> Sequence[Row]:
        """The table's rows before filtering."""
        return self.table_data.rows if self.table_data is not None else ()

    def set_table(self, data: OrgTable) -> None:
        """New rows (the scan moved, or an account session closed)."""
        self.table_data = data
        self._resort()
        self.refill()

    def refill(self, keep: str | None = None, *, filtered: bool = False) -> None:
        """Filter the sorted rows and hand them to the table."""
        data = self.table_data
        if data is None:
            return
        self.shown = filter_rows(self._sorted, self.query_text)
        query = self.query_text.strip()
        self.table.set_sort(self.sort_column, self.sort_reverse)
        self.table.set_rows(
            self.shown,
            columns=data.columns,
            natural=data.widths,
            keep=keep,
            empty_text=f"No {self.label.lower()} match '{query}'" if query else data.empty,
            filtered=filtered,
        )
        total = len(data.rows)
        count = str(total) if len(self.shown) == total else f"{len(self.shown)} of {total}"
        self.table.border_title = Content(f"{self.label} · {count}")
        self.table.border_subtitle = Content(" · ".join(self.filter_and_sort_bits()))

    @on(RowTable.Highlighted)
    def _highlighted(self, event: RowTable.Highlighted) -> None:
        event.stop()
        self.query_one(".org-detail", Static).update(Content(printable(describe(event.row))))


class OrgScreen(FilterSortKeys, Screen[None]):
    """Accounts and Findings of every account, the scan's progress, and ``enter`` into one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "pane('accounts')", "Accounts", show=False, id="org-pane-accounts"),
        Binding("2", "pane('findings')", "Findings", show=False, id="org-pane-findings"),
        Binding("tab", "next_pane", "Next pane", show=False, id="org-pane-next"),
        Binding("slash", "filter", "Filter", key_display="/", id="filter"),
        Binding("escape", "clear_filter", "Clear filter", id="filter-clear"),
        Binding("escape", "cancel_scan", "Cancel scan", id="org-scan-cancel"),
        Binding("s", "sort", "Sort", id="sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="sort-reverse"),
        Binding("r", "rescan", "Scan again", id="org-rescan"),
    ]

    def __init__(self, org: OrgSession) -> None:
        super().__init__()
        self.org = org
        self.scanning = False
        self.cancelled = False
        self._cancel: CancelToken | None = None
        self._refresh_pending = False
        self._ui_context = contextvars.copy_context()
        self._opening: str | None = None
        self.active = ORG_PANES[0][0]

    def compose(self) -> ComposeResult:
        """Header, pane bar, progress line, the two panes, footer."""
        yield OrgHeader()
        yield Static(id="org-tabs")
        yield Static(id="org-progress")
        with ContentSwitcher(id="panes", initial=f"org-pane-{self.active}"):
            for name, label in ORG_PANES:
                yield OrgPane(name, label)
        yield KeyBar()

    def on_mount(self) -> None:
        """Start the scan."""
        self.pane_widget(self.active).table.focus()
        self._render_tabs()
        self.rescan()

    def on_unmount(self) -> None:
        """Quitting mid-scan: every account stops at its next request (threads cannot be
        killed, and a thousand accounts must not hold the process)."""
        if self._cancel is not None:
            self._cancel.cancel()

    def pane_widget(self, name: str) -> OrgPane:
        """A pane by name."""
        return self.query_one(f"#org-pane-{name}", OrgPane)

    @property
    def current_pane(self) -> OrgPane:
        """The pane shown."""
        return self.pane_widget(self.active)

    # -- the scan ---------------------------------------------------------------------------

    def rescan(self) -> None:
        """Scan every account again (``r``), in a worker; refused while a scan runs."""
        if self.scanning:
            self.notify("A scan is running: esc cancels it.", severity="warning")
            return
        self.scanning = True
        self.cancelled = False
        self._cancel = token = CancelToken()
        self._ui_context = contextvars.copy_context()  # the app, for the scan's threads to post
        self._show_progress()
        self.run_worker(
            lambda: self._scan_job(token),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group="org-scan",
            name="organization scan",
        )
        self.refresh_bindings()

    def _scan_job(self, token: CancelToken) -> None:
        """Worker thread: the listing and every account's read; results only as messages.

        The scan reads accounts on a thread pool of its own, outside Textual's context: each
        post runs in a copy of the UI thread's context (posting from a thread never blocks).
        """
        context = self._ui_context

        def post(message: Message) -> None:
            context.copy().run(self.post_message, message)

        def progress(update: FleetProgress) -> None:
            post(OrgUpdated(update))

        def arrived(_account: FleetAccount) -> None:
            post(OrgUpdated())

        try:
            self.org.scan(progress=progress, on_result=arrived, cancel=token)
        except Cancelled:
            self.post_message(OrgScanEnded(cancelled=True))
        except ConnectionProblem as exc:
            self.post_message(OrgScanEnded(error=str(exc)))
        except Exception as exc:  # anything else still reaches the operator as one line
            self.post_message(OrgScanEnded(error=one_line(exc)))
        else:
            self.post_message(OrgScanEnded(cancelled=token.cancelled))

    def on_org_updated(self, message: OrgUpdated) -> None:
        """Rows fill in as accounts finish (many updates in a row redraw once)."""
        if not self._refresh_pending:
            self._refresh_pending = True
            self.call_later(self._refresh_rows)

    def on_org_scan_ended(self, message: OrgScanEnded) -> None:
        """Say how the scan ended; a listing failure is the load error screen (retry or quit)."""
        from iamtui.ui.screens.error import ErrorScreen

        self.scanning = False
        self.cancelled = message.cancelled
        self._cancel = None
        self._refresh_rows()
        self.refresh_bindings()
        if message.error is not None:
            self.app.push_screen(
                ErrorScreen(message.error, title="Cannot list the organization's accounts")
            )

    def _refresh_rows(self) -> None:
        self._refresh_pending = False
        lines = self.org.lines()
        with self.app.batch_update():
            self.pane_widget("accounts").set_table(accounts_table(lines, self.org.now()))
            self.pane_widget("findings").set_table(findings_table(lines))
            self._render_tabs()
            self._show_progress()
            self.query_one(OrgHeader).refresh()

    def _show_progress(self) -> None:
        tally = Tally(self.org.lines())
        if self.scanning:
            if self.org.listing is None:
                text = "Listing the organization's accounts…  (esc cancels)"
            else:
                pending = tally.total - tally.read - tally.failed - tally.running
                text = (
                    f"Scanning: {tally.read} done, {tally.failed} failed, {tally.running} running, "
                    f"{pending} waiting, of {tally.total}"
                )
                text += (
                    "  (cancelling…)"
                    if self._cancel and self._cancel.cancelled
                    else "  (esc cancels)"
                )
        elif self.org.listing is None:
            text = "The organization was not listed."
        else:
            text = f"Scan {'cancelled' if self.cancelled else 'finished'}: {tally.text()}"
            if tally.failed or tally.read < tally.total:
                text += "; the findings of accounts not read are unknown (r scans again)"
        self.query_one("#org-progress", Static).update(Content(text))

    def _render_tabs(self) -> None:
        found = self.pane_widget("findings").table_data
        counts = {
            "accounts": len(self.org.lines()),
            "findings": len(found.rows) if found is not None else 0,
        }
        parts = []
        for n, (name, label) in enumerate(ORG_PANES, start=1):
            text = escape(f"{n} {label} {counts[name]}")
            if name == self.active:
                parts.append(f"[b $text-primary on $primary 25%] {text} [/]")
            else:
                parts.append(f"[$text-muted] {text} [/]")
        self.query_one("#org-tabs", Static).update(Content.from_markup(" ".join(parts)))

    # -- keys -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape clears an open filter, else cancels a running scan; ``r`` once it ended."""
        if action == "cancel_scan":
            return self.scanning
        if action == "clear_filter":
            try:
                pane = self.current_pane
            except Exception:
                return False
            return bool(pane.query_text) or pane.filter_input.display
        if action == "rescan":
            return not self.scanning
        return True

    def action_cancel_scan(self) -> None:
        """Stop the scan: accounts not finished show as cancelled, the rest stay."""
        if self._cancel is not None:
            self._cancel.cancel()
            self._show_progress()

    def action_pane(self, name: str) -> None:
        """``1`` / ``2``: show a pane."""
        self.active = name
        self.query_one(ContentSwitcher).current = f"org-pane-{name}"
        self.current_pane.table.focus()
        self._render_tabs()
        self.refresh_bindings()

    def action_next_pane(self) -> None:
        """``tab``: the other pane."""
        names = [name for name, _label in ORG_PANES]
        self.action_pane(names[(names.index(self.active) + 1) % len(names)])

    def action_rescan(self) -> None:
        """Read every account again."""
        self.rescan()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        self.refresh_bindings()

    # -- into one account -------------------------------------------------------------------

    @on(RowTable.Selected)
    def _row_selected(self, event: RowTable.Selected) -> None:
        """``enter``: open the account (a finding: its account, on that principal's review)."""
        data = event.row.data
        if isinstance(data, AccountLine):
            self.open_account(data.key)
        elif isinstance(data, OrgFinding):
            finding = data.finding
            principal = None
            if finding.principal_kind is PrincipalKind.USER:
                principal = ("user", finding.principal_name)
            elif finding.principal_kind is PrincipalKind.ROLE:
                principal = ("role", finding.principal_name)
            self.open_account(data.line.key, principal)

    def open_account(self, key: str, principal: tuple[str, str] | None = None) -> None:
        """Assume the account's role in a worker, then its full session (panes, actions, undo).

        An account the scan could not read, or not read yet, says so in one line.
        """
        app: IamtuiApp = self.app  # type: ignore[assignment]
        line = self.org.line(key)
        if line is None or app.in_account or self._opening is not None:
            return
        label = f"{line.target.name} ({line.account_id or '?'})"
        outcome = line.outcome
        if outcome is not None and outcome.unreachable is not None:
            again = "" if self.scanning else " (r scans again)"
            self.notify(f"{label}: {outcome.unreachable}{again}", severity="warning", timeout=10)
            return
        if outcome is None:
            self.notify(f"{label}: not read yet; enter again once its row is filled.")
            return
        self._opening = key
        self.notify(f"Opening {label}…", timeout=3)
        self.run_worker(
            lambda: self._open_job(key, label, principal),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group="org-open",
            name=f"open {key}",
        )

    def _open_job(self, key: str, label: str, principal: tuple[str, str] | None) -> None:
        """Worker thread: assume the role again (the same session name and external id)."""
        try:
            workspace = self.org.open_account(key)
        except Exception as exc:  # STS refused: one line, the organization screen stays
            self.post_message(AccountRefused(label, one_line(exc)))
        else:
            self.post_message(AccountOpened(workspace, principal))

    def on_account_opened(self, message: AccountOpened) -> None:
        """The account session starts: the usual load, then its main screen."""
        self._opening = None
        app: IamtuiApp = self.app  # type: ignore[assignment]
        app.enter_account(message.workspace, message.principal)

    def on_account_refused(self, message: AccountRefused) -> None:
        """Say why in one line."""
        self._opening = None
        self.notify(f"{message.label}: cannot open: {message.reason}", severity="error", timeout=10)

    def account_closed(self, line: AccountLine | None) -> None:
        """Back from an account session: its row shows the state the session left."""
        self._refresh_rows()
        pane = self.pane_widget("accounts")
        if line is not None:
            pane.refill(keep=f"account:{line.key}")
        self.current_pane.table.focus()
        self.refresh_bindings()
