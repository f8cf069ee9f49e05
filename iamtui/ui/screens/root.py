"""Root hardening, one step at a time: the steps on the left, the selected step on the right.

Each step shows its status with the evidence and how old it is, why it matters, what iamtui can
do itself (the remedies, planned and previewed like any other action), and what the operator
must do elsewhere (the exact console path). ``v`` re-reads the account in a worker and marks
the steps whose status changed; ``e`` writes the Markdown summary to a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from iamtui.core.files import write_private
from iamtui.core.ids import ActionId
from iamtui.core.root import CONTACT_FORM, Remedy, RootReport, Status, Step, contact_problems
from iamtui.core.text import printable
from iamtui.core.views import (
    STEP_STATUS_TEXT,
    STEP_STATUS_TONE,
    Column,
    Field,
    Row,
    RowKind,
    Section,
    age_text,
    evidence_lines,
    exact,
    natural_widths,
)
from iamtui.ui.messages import StateChanged
from iamtui.ui.widgets.detail import fields_table, tone_styles
from iamtui.ui.widgets.header import AccountHeader
from iamtui.ui.widgets.keybar import KeyBar
from iamtui.ui.widgets.table import RowTable

if TYPE_CHECKING:
    from iamtui.ui.app import IamtuiApp

DEFAULT_REPORT = "iamtui-root-report.md"
STEP_COLUMNS = (
    Column("status", "Status", max_width=9, min_width=9),
    Column("step", "Step", max_width=60, flex=True),
)


class RootLoaded(Message):
    """A root report arrived (``verified``: after a re-read of the account)."""

    def __init__(self, report: RootReport, *, verified: bool) -> None:
        super().__init__()
        self.report = report
        self.verified = verified


class RootFailed(Message):
    """The report could not be built: one line."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


def remedy_supported(remedy: Remedy) -> bool:
    """Whether the remedy is an action iamtui plans (the action registry has it)."""
    from iamtui.core.actions import ActionId
    from iamtui.core.actions.registry import SPECS

    try:
        return ActionId(remedy.action.value) in SPECS
    except ValueError:
        return False


class RootScreen(Screen[None]):
    """The root-hardening steps of ``RootReport``, verified live and exportable."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="root-back"),
        Binding("x,f", "fix", "Fix…", key_display="x", id="root-fix"),
        Binding("v", "verify", "Verify", id="root-verify"),
        Binding("e", "export", "Export report", id="root-export"),
        Binding("tab", "app.focus_next", "Next", show=False, id="root-next"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.report: RootReport | None = None
        self.previous: RootReport | None = None
        #: Step ids whose status changed at the last verify, with the status before.
        self.changed: dict[str, Status] = {}
        self.verified_at: datetime | None = None
        self.busy = False
        self.error: str | None = None
        #: The security contact last typed: a refused or cancelled plan never costs the typing.
        self.contact_draft: dict[str, str] | None = None

    @property
    def iamtui(self) -> IamtuiApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        """Header, title line, steps | detail, key bar."""
        yield AccountHeader()
        yield Static(id="root-title")
        with Horizontal(id="root-columns"):
            yield RowTable(STEP_COLUMNS, show_marks=True, gap=1, id="root-steps")
            with VerticalScroll(id="root-right", can_focus=False):
                yield Static(id="root-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        """Build the report in a worker (a few live calls); focus the steps."""
        self.query_one("#root-steps", RowTable).focus()
        self.query_one("#root-steps", RowTable).empty_text = "Reading the account…"
        self._render_title()
        self._load(verify=False)

    # -- data ----------------------------------------------------------------------------------

    def _load(self, *, verify: bool) -> None:
        self.busy = True
        self._render_title()
        self._root_job(self.iamtui, verify)  # the app from the UI thread: the screen may close

    @work(thread=True, exclusive=True, exit_on_error=False, group="root")
    def _root_job(self, app: IamtuiApp, verify: bool) -> None:
        ws = app.workspace
        try:
            report = ws.root_report(reload=verify)
        except Exception as exc:
            from iamtui.ui.messages import one_line

            self.post_message(RootFailed(one_line(exc)))
            return
        if verify and ws.state is not None:
            app.post_message(StateChanged(ws.state, "verify", source=ws))
        self.post_message(RootLoaded(report, verified=verify))

    def on_root_loaded(self, message: RootLoaded) -> None:
        """Show the report; after a verify, mark what changed and say so."""
        self.busy = False
        self.error = None
        before = self.report
        self.report = message.report
        if message.verified and before is not None:
            self.previous = before
            self.verified_at = message.report.evaluated_at
            self.changed = {
                old.id.value: old.status for old, _new in message.report.changed_since(before)
            }
            if self.changed:
                moves = ", ".join(
                    f"{step_id}: {old.value} → {message.report.step(step_id).status.value}"
                    for step_id, old in self.changed.items()
                )
                self.app.notify(f"Verified: {moves}")
            else:
                self.app.notify("Verified: no step changed status.")
        self._render_all()

    def on_root_failed(self, message: RootFailed) -> None:
        """Say why, keep what was shown."""
        self.busy = False
        self.error = message.reason
        self.app.notify(f"Root check failed: {message.reason}", severity="error")
        self._render_all()

    # -- rendering -----------------------------------------------------------------------------

    def _render_all(self) -> None:
        with self.app.batch_update():
            self._render_title()
            self._render_steps()
            self._render_detail()
        self.refresh_bindings()

    def _render_title(self) -> None:
        styles = tone_styles(self.app)
        title = Text.assemble((" ROOT ", styles["accent"] + Style(reverse=True)), " ")
        title.append("Harden root", styles["text"] + Style(bold=True))
        report = self.report
        if report is not None:
            counts = report.counts()
            title.append("   ")
            title.append(f"{counts[Status.FAIL]} fail", styles["high"])
            title.append(f" · {counts[Status.UNKNOWN]} unknown", styles["warn"])
            title.append(f" · {counts[Status.PASS]} pass", styles["ok"])
            verdict = "hardened" if report.hardened else "not hardened yet"
            title.append(f"  ({verdict})", styles["muted"])
            if self.verified_at is not None:
                title.append(
                    f"   verified {exact(self.verified_at)}", styles["muted"] + Style(italic=True)
                )
        if self.busy:
            title.append("   reading the account…", styles["muted"] + Style(italic=True))
        self.query_one("#root-title", Static).update(title)

    def _rows(self) -> list[Row]:
        report = self.report
        if report is None:
            return []
        rows = []
        for step in report.steps:
            info = " (info)" if step.informational and step.status is not Status.INFO else ""
            rows.append(
                Row(
                    key=step.id.value,
                    kind=RowKind.CHECK,
                    cells=(STEP_STATUS_TEXT[step.status], step.title + info),
                    tones=(STEP_STATUS_TONE[step.status], "muted" if step.informational else ""),
                    data=step,
                )
            )
        return rows

    def _render_steps(self) -> None:
        table = self.query_one("#root-steps", RowTable)
        rows = self._rows()
        table.set_marked(frozenset(self.changed))
        table.set_rows(
            rows,
            natural=natural_widths(STEP_COLUMNS, rows, sortable=False),
            empty_text=self.error or "Reading the account…",
        )
        table.border_title = "Steps"
        table.border_subtitle = "● changed at the last verify" if self.changed else ""

    def selected(self) -> Step | None:
        """The step under the cursor."""
        row = self.query_one("#root-steps", RowTable).cursor_row
        return row.data if row is not None and isinstance(row.data, Step) else None

    def _render_detail(self) -> None:
        step = self.selected()
        body = self.query_one("#root-detail", Static)
        report = self.report
        if step is None or report is None:
            body.update("")
            return
        styles = tone_styles(self.app)
        parts: list[RenderableType] = []
        for n, section in enumerate(self.sections(step, report.evaluated_at)):
            if n:
                parts.append(Text(""))
            parts.append(Text(section.title.upper(), style=styles["accent"]))
            if section.title == "Evidence":
                parts.extend(self._evidence(section.fields, styles))
                continue
            labels = [f.label for f in section.fields]
            if any(labels):
                width = min(28, max(len(label) for label in labels))
                parts.append(fields_table(section.fields, styles, label_width=width))
            else:
                parts.extend(
                    Text(f.value, style=styles.get(f.tone, styles["text"])) for f in section.fields
                )
        body.update(Group(*parts))
        self.query_one("#root-right", VerticalScroll).border_title = escape(printable(step.title))

    def _evidence(self, fields: tuple[Field, ...], styles: dict[str, Style]) -> list[Text]:
        """Label: value lines, nested fields indented, long values wrapped (never cut)."""
        lines = []
        for f in fields:
            label = f.label.lstrip(" ")
            text = Text(f.label[: len(f.label) - len(label)])
            text.append(printable(label) + (": " if f.value else ""), styles["label"])
            text.append(printable(f.value), styles.get(f.tone, styles["text"]))
            lines.append(text)
        return lines

    def sections(self, step: Step, now: datetime) -> list[Section]:
        """The selected step: status, evidence with its age, why, what iamtui and you can do."""
        tone = STEP_STATUS_TONE[step.status]
        status = [Field("Status", f"{STEP_STATUS_TEXT[step.status]}  {step.summary}", tone)]
        if step.id.value in self.changed:
            before = self.changed[step.id.value]
            status.append(
                Field("Changed", f"was {before.value.upper()} before the last verify", "accent")
            )
        if step.reason:
            status.append(Field("Unknown because", step.reason, "warn"))
        if step.informational:
            status.append(Field("", "informational: not counted as hardened or not", "muted"))
        if step.as_of is not None:
            age = age_text(now - step.as_of)
            when = f"{exact(step.as_of)} ({age} old) · {step.source}"
        else:
            when = f"no data · {step.source}" if step.source else "no data"
        evidence = [Field("As of", when, "muted")]
        evidence += [
            Field("  " * line.depth + line.label, line.value)
            for line in evidence_lines(step.evidence)
        ]
        sections = [
            Section("Status", tuple(status)),
            Section("Evidence", tuple(evidence)),
            Section("Why it matters", (Field("", step.why),)),
        ]
        manual = tuple(Field(f"{n}.", m) for n, m in enumerate(step.manual, 1))
        if not step.remedies and not manual:
            # Nothing anywhere: say it once, with the reason.
            sections.append(Section("What to do", (Field("", _nothing(step), "muted"),)))
            return sections
        sections.append(Section("What iamtui can do", self._remedy_fields(step)))
        sections.append(
            Section(
                "What you must do in AWS",
                manual or (Field("", "nothing outside iamtui", "muted"),),
            )
        )
        return sections

    def _remedy_fields(self, step: Step) -> tuple[Field, ...]:
        if not step.remedies:
            return (Field("", "nothing: this step is done in AWS (below)", "muted"),)
        ws = self.iamtui.workspace
        fields: list[Field] = []
        for remedy in step.remedies:
            fields.append(Field("•", f"{remedy.summary} · {remedy.action.value}"))
            if not remedy_supported(remedy):
                fields.append(Field("", "not yet available in this version of iamtui", "muted"))
            elif not remedy.available:
                fields.append(
                    Field("", f"not from this connection: applies {remedy.when}", "muted")
                )
            elif ws.block_reason is not None:
                fields.append(Field("", f"read-only: {ws.block_reason}", "warn"))
            else:
                fields.append(Field("", f"f: plan and preview it ({remedy.when})", "ok"))
        return tuple(fields)

    @on(RowTable.Highlighted, "#root-steps")
    def _step_highlighted(self, event: RowTable.Highlighted) -> None:
        event.stop()
        self._render_detail()
        self.refresh_bindings()

    @on(RowTable.Selected, "#root-steps")
    def _step_selected(self, event: RowTable.Selected) -> None:
        event.stop()
        self.action_fix()

    # -- keys -----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Fix only for steps with a remedy this connection can run; export with a report."""
        if action == "fix":
            step = self.selected()
            return step is not None and any(
                r.available and remedy_supported(r) for r in step.remedies
            )
        if action in ("export", "verify"):
            return self.report is not None or action == "verify"
        return True

    def action_back(self) -> None:
        """Back to where it was opened from."""
        self.dismiss()

    def action_verify(self) -> None:
        """Re-read the account (a worker) and judge again; changed steps are marked."""
        if self.busy:
            return
        self._load(verify=True)

    def action_export(self) -> None:
        """Ask for a path (full path shown, home folder by default), write the Markdown summary."""
        if self.report is None:
            return
        self.app.push_screen(_ask_path("Export the root report (Markdown)"), self._export_to)

    def _export_to(self, path: Path | None) -> None:
        report = self.report
        if path is None or report is None:
            return
        try:
            write_private(path, report.to_markdown())
        except OSError as exc:
            self.app.notify(f"Not written: {path}: {exc.strerror or exc}", severity="error")
            return
        counts = ", ".join(f"{n} {status.value}" for status, n in report.counts().items())
        self.app.notify(f"Wrote the root report to {printable(path)} (mode 0600): {counts}")

    def action_fix(self) -> None:
        """Plan a remedy of the selected step (a menu when it has several)."""
        from iamtui.ui.screens.action import ChoiceMenu

        app = self.iamtui
        step = self.selected()
        if step is None:
            return
        remedies = [r for r in step.remedies if r.available and remedy_supported(r)]
        if not remedies:
            if step.remedies:
                app.notify("No fix for this step from this connection: see below.")
            return
        if app.refuse_if_blocked():
            return

        def plan(index: int | None) -> None:
            if index is None:
                return
            remedy = remedies[index]
            if remedy.action is ActionId.ACCOUNT_SET_SECURITY_CONTACT:
                app.push_screen(
                    ContactForm(self.contact_draft), lambda values: self._contact(remedy, values)
                )
            else:
                self._plan(remedy, {})

        if len(remedies) == 1:
            plan(0)
        else:
            app.push_screen(
                ChoiceMenu(
                    f"Fix · {step.title}",
                    [(r.summary, f"{r.action.value} · {r.when}") for r in remedies],
                ),
                plan,
            )

    def _contact(self, remedy: Remedy, values: dict[str, str] | None) -> None:
        if values is not None:
            self.contact_draft = values
        self._plan(remedy, values)

    def _plan(self, remedy: Remedy, values: dict[str, str] | None) -> None:
        if values is None:
            return
        app = self.iamtui

        def done(ran: bool | None) -> None:
            if ran:
                if remedy.action is ActionId.ACCOUNT_SET_SECURITY_CONTACT:
                    self.contact_draft = None
                self.action_verify()

        app.start_action(
            remedy.summary, lambda ws: ws.plan_root_remedy(remedy, **values), on_close=done
        )


def _nothing(step: Step) -> str:
    """Why a step with no fix and no console steps needs nothing."""
    if step.status is Status.PASS:
        return "nothing: this step passes"
    if step.status is Status.INFO:
        return "nothing required: this step is context, not a check"
    if step.status is Status.UNKNOWN:
        return "nothing until iamtui can read it: see 'Unknown because' above"
    return "nothing iamtui knows of: see why it matters above"


def _ask_path(title: str) -> ModalScreen[Path | None]:
    from iamtui.ui.screens.action import AskPath

    # 0600: the report names root's keys, the administrators and the account's weak spots.
    return AskPath(
        title,
        DEFAULT_REPORT,
        note="Written with mode 0600 (readable by you only): it names root's keys and the "
        "account's administrators.",
    )


class ContactForm(ModalScreen[dict[str, str] | None]):
    """The security alternate contact: AWS requires name, title, email and phone.

    Values AWS would reject are named under their field (focus stays there) before anything is
    planned; ``values`` prefills the form, so a refused plan never costs the operator the typing.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="contact-cancel"),
    ]

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        super().__init__(classes="modal")
        self.values = dict(values or {})

    def compose(self) -> ComposeResult:
        """Four labelled inputs, each with its line for what is wrong."""
        with Vertical(classes="dialog", id="contact-dialog") as dialog:
            dialog.border_title = "Security alternate contact"
            dialog.border_subtitle = "enter: next / plan · esc: cancel"
            for field in CONTACT_FORM:
                yield Static(field.label, classes="contact-label")
                yield Input(
                    self.values.get(field.key, ""),
                    placeholder=field.example,
                    id=f"contact-{field.key}",
                    classes="contact-input",
                )
                yield Static("", id=f"contact-{field.key}-status", classes="contact-status")
        yield KeyBar()

    def on_mount(self) -> None:
        """Focus the first field (the first one AWS would reject, when prefilled)."""
        for field in self.query(Input):
            field.cursor_blink = not self.app.is_headless
        for status in self.query(".contact-status"):
            status.display = False
        problems = contact_problems(self.typed()) if self.values else {}
        first = next((f.key for f in CONTACT_FORM if f.key in problems), CONTACT_FORM[0].key)
        self._field(first).focus()

    def typed(self) -> dict[str, str]:
        """What the fields hold now, trimmed."""
        return {f.key: self._field(f.key).value.strip() for f in CONTACT_FORM}

    def _field(self, key: str) -> Input:
        return self.query_one(f"#contact-{key}", Input)

    def _say(self, key: str, line: str) -> None:
        status = self.query_one(f"#contact-{key}-status", Static)
        status.update(Text(line, style=tone_styles(self.app)["bad"]))
        status.display = bool(line)

    @on(Input.Changed, ".contact-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._say((event.input.id or "").removeprefix("contact-"), "")

    @on(Input.Submitted, ".contact-input")
    def _next(self, event: Input.Submitted) -> None:
        """A bad value is named and keeps the focus; else on to the next field to fill, or done."""
        event.stop()
        key = (event.input.id or "").removeprefix("contact-")
        values = self.typed()
        problems = contact_problems(values)
        if not problems:
            self.dismiss(values)
            return
        if key in problems and (values[key] or len(problems) == 1):
            self._say(key, problems[key])
            return
        self._say(key, "")
        keys = [f.key for f in CONTACT_FORM]
        start = keys.index(key) + 1 if key in keys else 0
        later = keys[start:] + keys[:start]
        bad = next(k for k in later if k in problems)
        if values[bad]:
            self._say(bad, problems[bad])
        self._field(bad).focus()

    def action_cancel(self) -> None:
        """No contact."""
        self.dismiss(None)
