"""The principal review screen: everything about one user or role, with on-demand AWS data.

Key ids, key last use and MFA devices (users) and service last-accessed data are fetched in
thread workers when the screen opens, then kept in the snapshot; until they arrive the sections
show a loading indicator, and in snapshot mode they say why they are missing.

Action keys act on the focused row (a key, a policy, a finding) or on the principal itself; the
Actions box lists what applies, and ``x`` opens the menu of every choice. ``u`` asks CloudTrail
who used the focused key (or the principal) in the last 90 days, in a worker, on demand only.
``A`` reads IAM Access Analyzer's findings on the principal with their details and
recommendations (a second press generates missing recommendations), on demand only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from iamtui.core.account_resources import NOT_GENERATED, AnalyzerReview
from iamtui.core.findings import Finding
from iamtui.core.loader import CancelToken
from iamtui.core.model import AccessKey, Role, User
from iamtui.core.text import plural, printable
from iamtui.core.usage import UsageTarget
from iamtui.core.views import (
    Column,
    Field,
    KeySlot,
    PolicyLine,
    Review,
    Row,
    natural_widths,
)
from iamtui.core.views.analyzer import read_fields
from iamtui.core.views.usage import lookup_fields
from iamtui.core.workspace import State
from iamtui.ui.choices import (
    Choice,
    action_bindings,
    finding_choices,
    first_for,
    for_binding,
    key_choices,
    policy_choices,
    role_choices,
    service_credential_choices,
    slot_choices,
    user_choices,
)
from iamtui.ui.messages import UsageLooked, look_up_usage, one_line
from iamtui.ui.widgets.detail import fields_table, json_syntax, tone_styles
from iamtui.ui.widgets.header import AccountHeader
from iamtui.ui.widgets.keybar import KeyBar
from iamtui.ui.widgets.table import RowTable

if TYPE_CHECKING:
    from iamtui.ui.app import IamtuiApp


#: Review tables grow with their rows up to this many lines, then scroll.
MAX_TABLE_LINES = 14
#: What the usage box says before ``u`` was pressed.
USAGE_HINT = (
    "Not read yet: {key} asks CloudTrail who used {what} in the last 90 days "
    "(LookupEvents: source IPs, user agents, calls; about 2 requests a second)."
)


#: What the Access Analyzer box adds before ``A`` was pressed.
ANALYZER_HINT = "{key} reads the analyzer's findings on it, their details and recommendations."
#: ... and once read, when an unused-permission finding has no recommendation yet.
GENERATE_HINT = (
    "{key} again asks Access Analyzer to generate the missing recommendations "
    "(GenerateFindingRecommendation: Write level, in the --remediate policy)."
)


class AnalyzerRead(Message):
    """The review's Access Analyzer read ended: what it read, or why it failed (one line)."""

    def __init__(self, review: AnalyzerReview | None, error: str = "") -> None:
        super().__init__()
        self.review = review
        self.error = error


class Box(Vertical):
    """A titled, bordered section of the review screen."""

    def __init__(self, title: str, *children: object, id: str | None = None) -> None:
        super().__init__(*children, id=id, classes="box")  # type: ignore[arg-type]
        self.border_title = escape(printable(title))


class DiffView(VerticalScroll):
    """A policy document diff that scrolls on its own (focus it with tab, then arrows)."""

    DEFAULT_CSS = """
    DiffView {
        height: auto;
        max-height: 16;
        margin-top: 1;
        background: $surface;
    }
    """


class ReviewScreen(Screen[None]):
    """Identity, credentials, keys, policies, trust, last-accessed services and findings."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="review-back"),
        Binding("r", "refetch", "Refresh", id="review-refresh"),
        Binding("tab", "app.focus_next", "Next section", show=False, id="review-next"),
        Binding(
            "shift+tab", "app.focus_previous", "Previous section", show=False, id="review-previous"
        ),
        Binding("x", "actions", "Actions…", id="actions"),
        Binding("u", "usage", "Who uses", id="review-usage"),
        Binding("A", "analyzer", "Access Analyzer", id="review-analyzer"),
        *action_bindings(
            "key-deactivate",
            "key-activate",
            "key-rotate",
            "user-disable-console",
            "role-quarantine",
            "role-update-trust",
            "principal-rightsize",
            "key-delete",
            "policy-remove",
            # D deletes the reviewed principal itself, as on a Users or Roles row; X the
            # focused row's key or policy (the old ids review-*-delete are keymap aliases).
            "user-delete",
            "role-delete",
        ),
    ]

    #: Choice bindings whose key on this screen is another binding's (see BINDINGS).
    OWN_KEYS: ClassVar[dict[str, str]] = {
        "user-delete": "review-user-delete",
        "role-delete": "review-role-delete",
    }

    def __init__(self, principal: User | Role, state: State) -> None:
        super().__init__()
        self.principal = principal
        self.state = state
        self.review: Review = state.views.review(principal)
        self.is_user = isinstance(principal, User)
        #: The principal no longer exists (deleted by an action, or gone on reload).
        self.gone = False
        #: The last usage lookup's lines (None: not asked yet), and whether one is running.
        self.usage_lines: tuple[Field, ...] | None = None
        self.usage_loading = False
        #: Stops a running lookup between pages when the review closes.
        self.usage_cancel = CancelToken()
        #: What ``A`` read (None: not asked yet), whether a read runs, and its failure.
        self.analyzer_read: AnalyzerReview | None = None
        self.analyzer_loading = False
        self.analyzer_error = ""

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Two columns of boxes under a title line."""
        yield AccountHeader()
        yield Static(id="review-title")
        with Horizontal(id="review-columns"):
            with VerticalScroll(id="review-left", can_focus=False):
                yield Box("Identity", Static(id="identity"))
                if self.is_user:
                    yield Box("Console and MFA", Static(id="console"))
                    yield Box(
                        "Access keys",
                        RowTable(show_marks=False, gap=1, id="keys"),
                        Static(id="keys-note", classes="note"),
                        id="keys-box",
                    )
                else:
                    yield Box("Trust policy", Static(id="trust-summary"), Static(id="trust"))
                yield Box(
                    "Policies · enter to read",
                    RowTable(show_marks=False, gap=1, id="policies"),
                    Static(id="policies-note", classes="note"),
                )
                yield Box("Tags", Static(id="tags"))
            with VerticalScroll(id="review-right", can_focus=False):
                yield Box(
                    "Findings · enter for evidence",
                    RowTable(show_marks=False, gap=1, id="findings"),
                    Static(id="findings-note", classes="note"),
                )
                yield Box(
                    "Can become administrator via",
                    Static(id="escalation"),
                    id="escalation-box",
                )
                yield Box(
                    "Last-accessed services",
                    RowTable(show_marks=False, gap=1, id="access"),
                    Static(id="access-note", classes="note"),
                    id="access-box",
                )
                yield Box(
                    "Right-sizing",
                    Static(id="rightsize"),
                    DiffView(Static(id="rightsize-diff-text"), id="rightsize-diff"),
                    id="rightsize-box",
                )
                yield Box(
                    "Who uses it · CloudTrail", Static(id="usage", classes="note"), id="usage-box"
                )
                yield Box(
                    "Access Analyzer · second opinion",
                    Static(id="analyzer", classes="note"),
                    id="analyzer-box",
                )
                yield Box("Actions", Static(id="actions"), id="actions-box")
        yield KeyBar()

    def on_mount(self) -> None:
        """Render what is loaded, then fetch what is not."""
        self.render_all()
        self.query_one("#findings", RowTable).focus()
        self._fetch(force=False)

    @property
    def iamtui(self) -> IamtuiApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    # -- data -----------------------------------------------------------------------------

    def apply_state(self, state: State) -> None:
        """New data (a fetch arrived or the account reloaded)."""
        principal = state.views.by_arn.get(self.principal.arn)
        self.state = state
        if isinstance(principal, User | Role):
            self.principal = principal
        self.gone = principal is None
        self.review = state.views.review(self.principal)
        if self.is_mounted:
            self.render_all()
            self.refresh_bindings()

    def refresh_fetches(self) -> None:
        """A fetch failed or started: update loading indicators and notes."""
        if not self.is_mounted:
            return
        self._render_keys()
        self._render_access()

    def _fetch(self, *, force: bool) -> None:
        app = self.iamtui
        if app.workspace.is_offline:
            self.refresh_fetches()
            return
        if isinstance(self.principal, User):
            app.fetch_user_detail(self.principal, force=force)
        app.fetch_last_accessed(self.principal.arn, force=force)
        self.refresh_fetches()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Nothing to refresh offline; action keys only where they apply."""
        if action in ("refetch", "usage", "analyzer"):
            return not self.iamtui.workspace.is_offline and not self.gone
        if action == "act":
            return first_for(self.choices(), str(parameters[0])) is not None
        if action == "actions":
            return bool(self.choices())
        return True

    # -- actions ----------------------------------------------------------------------------

    def focused_row(self) -> tuple[str, Row] | None:
        """(table id, row) of the focused table's cursor row."""
        focused = self.focused
        if isinstance(focused, RowTable) and focused.cursor_row is not None and focused.id:
            return focused.id, focused.cursor_row
        return None

    def row_choices(self) -> list[Choice]:
        """The actions the focused row takes (a key, a policy line, a finding)."""
        found = self.focused_row()
        if found is None or self.gone:
            return []
        table, row = found
        data = row.data
        principal = self.principal
        if table == "keys" and isinstance(principal, User):
            detail = self.state.snapshot.details.get(principal.arn)
            if isinstance(data, AccessKey):
                return key_choices(
                    principal, key_id=data.key_id, slot=None, active=data.active, detail=detail
                )
            if isinstance(data, KeySlot):
                return slot_choices(data, detail)
        if table == "policies" and isinstance(data, PolicyLine):
            return policy_choices(principal, data)
        if table == "findings" and isinstance(data, Finding):
            same = [f for f in self.state.evaluation.findings if f.rule == data.rule]
            return finding_choices(data, same)
        return []

    def principal_choices(self) -> list[Choice]:
        """What applies to the principal itself."""
        if self.gone:
            return []
        principal = self.principal
        data = self.state.snapshot.last_accessed.get(principal.arn)
        if isinstance(principal, User):
            held = self.state.snapshot.credentials_of(principal.name)
            return [
                *user_choices(
                    principal,
                    self.state.views.report_rows.get(principal.name),
                    detail=self.state.snapshot.details.get(principal.arn),
                    last_accessed=data,
                ),
                *service_credential_choices(held),
            ]
        return role_choices(principal, last_accessed=data)

    def choices(self) -> list[Choice]:
        """The focused row's actions first, then the principal's."""
        return [*self.row_choices(), *self.principal_choices()]

    def action_actions(self) -> None:
        """The action menu."""
        self.iamtui.choose(f"Actions · {self.principal.name}", self.choices())

    def action_act(self, binding: str) -> None:
        """An action key: plan and preview its choice."""
        app = self.iamtui
        if app.refuse_if_blocked():
            return
        found = for_binding(self.choices(), binding)
        if len(found) > 1:
            app.choose(f"Actions · {self.principal.name}", found)
        elif found:
            app.run_choice(found[0])

    def action_refetch(self) -> None:
        """Fetch key details and last-accessed data again."""
        if self.iamtui.workspace.is_offline:
            self.notify("Snapshot mode is offline: nothing to refresh.", severity="warning")
            return
        self._fetch(force=True)

    def action_back(self) -> None:
        """Back to where the review was opened from."""
        self.dismiss()

    def on_unmount(self) -> None:
        """A lookup still paging stops at its next page (its answer has nowhere to go)."""
        self.usage_cancel.cancel()

    def action_analyzer(self) -> None:
        """Read Access Analyzer's findings on the principal (a worker); once read, generate
        the recommendations still missing."""
        if self.analyzer_loading:
            return
        generate = self.analyzer_read is not None and self.analyzer_read.wants_generation(
            self.state.snapshot.policies
        )
        self.analyzer_loading = True
        self._render_analyzer()
        self._read_analyzer(generate)

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-analyzer")
    def _read_analyzer(self, generate: bool) -> None:
        try:
            found = self.iamtui.workspace.analyzer_review(
                self.principal.arn, generate=generate, cancel=self.usage_cancel
            )
        except Exception as exc:  # one line in the box, never a crash
            self.post_message(AnalyzerRead(None, one_line(exc)))
        else:
            self.post_message(AnalyzerRead(found))

    def on_analyzer_read(self, message: AnalyzerRead) -> None:
        """Show what Access Analyzer said."""
        self.analyzer_loading = False
        self.analyzer_error = message.error
        if message.review is not None:
            self.analyzer_read = message.review
        self._render_analyzer()

    def _render_analyzer(self) -> None:
        styles = tone_styles(self.app)
        box = self.query_one("#analyzer-box", Box)
        box.loading = self.analyzer_loading
        key = self.iamtui.key_for("review-analyzer")
        lines = list(self.review.access_analyzer)
        if self.analyzer_read is not None:
            lines += read_fields(
                self.analyzer_read, self.iamtui.workspace.now(), self.state.snapshot
            )
            if NOT_GENERATED in self.analyzer_read.recommendations.values():
                lines.append(Field("", GENERATE_HINT.format(key=key), "muted"))
        elif not self.iamtui.workspace.is_offline and self.state.snapshot.analyzer_findings:
            lines.append(Field("", ANALYZER_HINT.format(key=key), "muted"))
        if self.analyzer_error:
            lines.append(Field("", self.analyzer_error, "bad"))
        self.query_one("#analyzer", Static).update(fields_table(lines, styles))

    def usage_targets(self) -> tuple[UsageTarget, ...]:
        """The focused access key, else the reviewed user or role."""
        found = self.focused_row()
        principal = self.principal
        if found is not None and found[0] == "keys":
            data = found[1].data
            key_id = data.key_id if isinstance(data, AccessKey | KeySlot) else None
            if key_id:
                return (UsageTarget.key(key_id, principal.name),)
        if isinstance(principal, User):
            return (UsageTarget.of_user(principal.name, principal.arn),)
        return (UsageTarget.role(principal.name, principal.arn),)

    def action_usage(self) -> None:
        """Ask CloudTrail who used the focused key or the principal (a worker; paced)."""
        if self.usage_loading:
            return
        self.usage_loading = True
        self._render_usage()
        self._read_usage(self.usage_targets())

    @work(thread=True, exclusive=True, exit_on_error=False, group="review-usage")
    def _read_usage(self, targets: tuple[UsageTarget, ...]) -> None:
        self.post_message(look_up_usage(self.iamtui.workspace, targets, self.usage_cancel))

    def on_usage_looked(self, message: UsageLooked) -> None:
        """Show what CloudTrail said (the window and region are in the lines)."""
        self.usage_loading = False
        now = self.iamtui.workspace.now()
        self.usage_lines = lookup_fields(message.reports, message.error, now)
        self._render_usage()

    # -- rendering ------------------------------------------------------------------------

    def render_all(self) -> None:
        """Every section from the current review (one batch: no half-drawn frames)."""
        with self.app.batch_update():
            self._render_sections()

    def _render_sections(self) -> None:
        styles = tone_styles(self.app)
        r = self.review
        kind = "USER" if self.is_user else "ROLE"
        active = [f for f in r.findings if f.active]
        worst = max((f.severity for f in active), default=None)
        title = Text.assemble(
            (f" {kind} ", styles["accent"] + Style(reverse=True)),
            " ",
            (r.name, styles["text"] + Style(bold=True)),
            ("  " + self.principal.path, styles["muted"]),
            "   ",
        )
        if self.gone:
            title.append("no longer exists (deleted, or gone on reload)", styles["bad"])
        elif worst is not None:
            noun = "finding" if len(active) == 1 else "findings"
            title.append(f"{len(active)} open {noun}, worst: ", styles["muted"])
            title.append(worst.label, styles[worst.label])
        else:
            title.append("no open findings", styles["ok"])
        self.query_one("#review-title", Static).update(title)
        self.query_one("#identity", Static).update(fields_table(r.identity, styles))
        tags = [Field(t.key, t.value) for t in r.tags] or [Field("", "no tags", "muted")]
        self.query_one("#tags", Static).update(fields_table(tags, styles))
        if self.is_user:
            groups = ", ".join(r.groups) if r.groups else "none"
            console = [*r.console, Field("Groups", groups)]
            console += [Field(f"MFA device {f.label}".strip(), f.value, f.tone) for f in r.mfa]
            console += r.credentials
            self.query_one("#console", Static).update(fields_table(console, styles))
            self._render_keys()
        else:
            summary = list(r.trust_summary) or [Field("", "nobody can assume it", "muted")]
            self.query_one("#trust-summary", Static).update(fields_table(summary, styles))
            self.query_one("#trust", Static).update(json_syntax(r.trust, self.app))
        self._fill(
            "#policies",
            r.policy_rows,
            r.policy_columns,
            "#policies-note",
            "" if r.policy_rows else "No policies attached, inline or inherited.",
        )
        self._fill(
            "#findings",
            r.finding_rows,
            r.finding_columns,
            "#findings-note",
            "" if r.finding_rows else "No findings for this principal.",
        )
        box = self.query_one("#escalation-box", Box)
        box.display = bool(r.escalation)
        self.query_one("#escalation", Static).update(fields_table(r.escalation, styles))
        self._render_access()
        self._render_usage()
        self._render_analyzer()
        self._render_actions()

    def _render_usage(self) -> None:
        styles = tone_styles(self.app)
        box = self.query_one("#usage-box", Box)
        box.loading = self.usage_loading
        widget = self.query_one("#usage", Static)
        if self.usage_lines is not None:
            widget.update(fields_table(self.usage_lines, styles))
            return
        what = f"this {'user' if self.is_user else 'role'} (or the focused key)"
        if self.iamtui.workspace.is_offline:
            line = "Not in a snapshot: CloudTrail is read from the live account."
        else:
            line = USAGE_HINT.format(key=self.iamtui.key_for("review-usage"), what=what)
        widget.update(Text(line, style=styles["muted"]))

    def _fill(
        self,
        table_id: str,
        rows: tuple[Row, ...],
        columns: tuple[Column, ...],
        note_id: str,
        note: str,
    ) -> None:
        table = self.query_one(table_id, RowTable)
        table.display = bool(rows)
        table.styles.height = min(len(rows) + 1, MAX_TABLE_LINES)
        table.set_rows(rows, columns=columns, natural=natural_widths(columns, rows, sortable=False))
        note_widget = self.query_one(note_id, Static)
        note_widget.display = bool(note)
        note_widget.update(note)

    def _render_keys(self) -> None:
        if not self.is_user:
            return
        r = self.review
        app = self.iamtui
        key = ("detail", self.principal.arn)
        loading = key in app.fetching
        error = app.fetch_errors.get(key)
        if r.keys_detailed:
            note = "" if r.key_rows else "No access keys."
        elif app.workspace.is_offline:
            note = (
                "Key ids are not in this snapshot (offline): showing the credential report's "
                "key slots."
                if r.key_rows
                else "No access keys in the credential report (key ids: offline snapshot)."
            )
        elif error:
            note = f"Key ids not loaded: {error}. Showing the credential report's key slots."
        elif loading:
            note = "Loading key ids and last use (ListAccessKeys, GetAccessKeyLastUsed)…"
        else:
            note = "" if r.key_rows else "No access keys."
        self._fill("#keys", r.key_rows, r.key_columns, "#keys-note", note)
        self.query_one("#keys-box", Box).loading = loading and not r.key_rows

    def _render_access(self) -> None:
        r = self.review
        app = self.iamtui
        key = ("last-accessed", self.principal.arn)
        loading = key in app.fetching
        error = app.fetch_errors.get(key)
        days = app.workspace.settings.thresholds.service_unused_days
        box = self.query_one("#access-box", Box)
        # The counts belong to loaded data only: with none, the title has none either.
        box.border_title = "Last-accessed services"
        if r.last_accessed is not None:
            column = [c.key for c in r.access_columns].index("unused")
            unused = sum(1 for row in r.access_rows if row.cells[column])
            granted = len(r.access_rows)
            note = (
                f"{plural(granted, 'service')} granted · {unused} not used in "
                f"{days} days · data from {r.last_accessed.completed_at:%Y-%m-%d %H:%M} UTC"
            )
            box.border_title = f"Last-accessed services · {unused} unused"
        elif self.gone:
            note = f"Nothing to load: the {'user' if self.is_user else 'role'} no longer exists."
        elif error:
            note = f"Not available: {error}"
        elif app.workspace.is_offline:
            note = (
                "Not in this snapshot (offline); save one with "
                "`iamtui snapshot save --last-accessed`."
            )
        elif loading:
            note = "Running a last-accessed job (GenerateServiceLastAccessedDetails)…"
        else:
            note = "Not loaded."
        self._fill("#access", r.access_rows, r.access_columns, "#access-note", note)
        box.loading = loading
        self._render_rightsize(note if r.last_accessed is None else "")

    def _render_rightsize(self, missing: str) -> None:
        """The proposal (or the refusal, plainly) and its diff; without data, why not yet."""
        styles = tone_styles(self.app)
        proposal = self.review.rightsize
        box = self.query_one("#rightsize-box", Box)
        diff = self.query_one("#rightsize-diff", DiffView)
        key = self.iamtui.key_for("principal-rightsize")
        if proposal is None:
            box.border_title = "Right-sizing"
            lines = [Field("", f"Needs last-accessed data. {missing}".strip(), "muted")]
            diff.display = False
        else:
            lines = list(proposal.fields)
            if proposal.applies:
                box.border_title = f"Right-sizing · {key} to apply"
                lines.append(
                    Field(
                        key,
                        "plan it: the preview shows every call; undo from the Journal pane",
                        "muted",
                    )
                )
            else:
                box.border_title = f"Right-sizing · {proposal.verdict}"
            diff.display = bool(proposal.diff)
            text = Text()
            for n, line in enumerate(proposal.diff):
                if n:
                    text.append("\n")
                text.append(printable(line.text), styles.get(line.tone, styles["text"]))
            self.query_one("#rightsize-diff-text", Static).update(text)
        self.query_one("#rightsize", Static).update(fields_table(lines, styles))

    def _key(self, binding: str) -> str:
        """The key a choice's binding has on this screen (keymap applied)."""
        return self.iamtui.key_for(self.OWN_KEYS.get(binding, binding))

    def _render_actions(self) -> None:
        styles = tone_styles(self.app)
        r = self.review
        app = self.iamtui
        reason = app.workspace.block_reason
        lines: list[Field] = []
        if reason is not None:
            lines.append(Field("", f"Read-only: {reason}.", "warn"))
        if self.gone:
            lines.append(Field("", "Nothing to act on: the principal is gone.", "muted"))
            self.query_one("#actions", Static).update(fields_table(lines, styles))
            return
        suggested: list[Choice] = []
        for finding in r.findings:
            if finding.active:
                suggested += finding_choices(finding, [finding])
        if suggested:
            lines.append(
                Field("", "Fixes the findings suggest (focus the finding, then):", "muted")
            )
            seen: set[str] = set()
            for choice in suggested:
                if choice.title in seen:
                    continue
                seen.add(choice.title)
                lines.append(Field(self._key(choice.binding), choice.title))
        elif any(f.active for f in r.findings):
            lines.append(Field("", "The open findings suggest no automated fix.", "muted"))
        else:
            lines.append(Field("", "No fixes suggested: no open findings.", "muted"))
        lines.append(Field("", f"On this {'user' if self.is_user else 'role'}:", "muted"))
        lines.extend(
            Field(self._key(c.binding), f"{c.title}: {c.needs}" if c.needs else c.title,
                  "muted" if c.needs else "")
            for c in self.principal_choices()
        )  # fmt: skip
        policies = f"{self.iamtui.key_for('policy-remove')} (policies)"
        if self.is_user:
            row_keys = " ".join(
                self.iamtui.key_for(b)
                for b in ("key-deactivate", "key-activate", "key-rotate", "key-delete")
            )
            on_row = f"On the focused row: {row_keys} (keys, finding fixes), {policies}"
        else:  # a role has no access keys: only its policies and findings have row actions
            on_row = f"On the focused row: {policies}, the fix keys above (findings)"
        lines.append(Field("", on_row, "muted"))
        lines.append(
            Field(
                self.iamtui.key_for("actions"),
                "menu: the focused row's actions, then these",
                "muted",
            )
        )
        self.query_one("#actions", Static).update(fields_table(lines, styles, label_width=3))

    # -- events ---------------------------------------------------------------------------

    @on(RowTable.Selected, "#policies")
    def _open_policy(self, event: RowTable.Selected) -> None:
        from iamtui.ui.screens.policy import PolicyScreen

        event.stop()
        line = event.row.data
        if isinstance(line, PolicyLine):
            self.app.push_screen(PolicyScreen(line))

    @on(RowTable.Selected, "#findings")
    def _open_finding(self, event: RowTable.Selected) -> None:
        from iamtui.ui.screens.policy import DetailScreen

        event.stop()
        finding = event.row.data
        if isinstance(finding, Finding):
            self.app.push_screen(DetailScreen(self.state.views.describe(event.row)))

    @on(RowTable.Selected)
    def _ignore_other(self, event: RowTable.Selected) -> None:
        event.stop()

    @on(RowTable.Highlighted)
    def _ignore_highlight(self, event: RowTable.Highlighted) -> None:
        event.stop()
        self.refresh_bindings()  # the action keys follow the row
