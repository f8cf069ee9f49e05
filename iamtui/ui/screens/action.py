"""Acting on the account: the action menu, the plan preview, running with progress, secrets.

Every change goes through :class:`PlanScreen`: the plan is built in a worker (it reads IAM),
previewed call by call with how each step is undone or why it cannot be, then run in a worker
only after the operator pressed Run — which stays disabled until the typed phrase matches when
the plan needs one. Focus starts on Cancel. Progress is shown per step; the result is one line
(also a notification) and the affected data is reloaded.

Secrets (a new access key's secret, a generated console password) are shown by
:class:`SecretScreen` once, masked until revealed, never logged or notified, and dropped when
it closes. The app refuses screenshots while one is on screen.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from iamtui.core.actions import AccessKeySecret, ActionRefused, ExecutionReport, Plan, Secret
from iamtui.core.loader import CancelToken
from iamtui.core.plan import FollowUp
from iamtui.core.text import printable
from iamtui.core.usage import UsageTarget, plan_targets
from iamtui.core.views import Field
from iamtui.core.views.usage import lookup_fields
from iamtui.core.workspace import PlannedAction, Workspace
from iamtui.ui.choices import Choice
from iamtui.ui.messages import StateChanged, UsageLooked, look_up_usage, one_line
from iamtui.ui.widgets.detail import fields_table, tone_styles
from iamtui.ui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from iamtui.ui.app import IamtuiApp

#: What the step column shows per executor outcome.
STEP_MARKS = {
    "pending": ("·", "muted"),
    "running": ("▸", "accent"),
    "ok": ("✓", "ok"),
    "error": ("✗", "bad"),
    "stopped": ("■", "bad"),
    "not-run": ("·", "muted"),
    "dry-run": ("○", "muted"),
}


# --- messages from the workers -----------------------------------------------------------------


class Planned(Message):
    """The plan is ready for the preview."""

    def __init__(self, planned: PlannedAction) -> None:
        super().__init__()
        self.planned = planned


class PlanRefused(Message):
    """Planning refused or failed: one line."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class StepStarted(Message):
    """A step's intent is journaled: its call is being sent."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index


class StepFinished(Message):
    """A step ended (ok, error, stopped, dry-run)."""

    def __init__(self, index: int, status: str, message: str) -> None:
        super().__init__()
        self.index = index
        self.status = status
        self.message = message


class RunFinished(Message):
    """The plan ran (the report holds secrets to show once)."""

    def __init__(self, report: ExecutionReport) -> None:
        super().__init__()
        self.report = report


class RunRefused(Message):
    """The executor refused to start (lockout, account, journal), or an error cut it short."""

    def __init__(self, reason: str, *, error: bool = False) -> None:
        super().__init__()
        self.reason = reason
        #: An unexpected error, not a refusal: some steps may have run (see the journal).
        self.error = error


class Reloaded(Message):
    """The data the plan changed was reloaded (or could not be)."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error


def _post(screen: ModalScreen[bool], message: Message) -> None:
    """Post from a worker thread (thread-safe, never blocks)."""
    screen.post_message(message)


# --- the action menu ---------------------------------------------------------------------------


class ChoiceMenu(ModalScreen[int | None]):
    """A list of things to do here (title and one line of help): pick one, get its index."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_menu", "Close", id="menu-close"),
    ]

    def __init__(
        self, title: str, items: list[tuple[str, str]], greyed: frozenset[int] = frozenset()
    ) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.items = items
        #: Items that cannot be planned yet: shown dim, their help line says what is missing.
        self.greyed = greyed

    @classmethod
    def of(
        cls, title: str, choices: list[Choice], waits: dict[int, str] | None = None
    ) -> ChoiceMenu:
        """The menu of action choices; ``waits`` replaces the help of those that wait for data."""
        waits = waits or {}
        items = [(c.title, waits.get(n, c.help)) for n, c in enumerate(choices)]
        return cls(title, items, frozenset(waits))

    def compose(self) -> ComposeResult:
        """The choices as a list; enter plans the highlighted one."""
        with Vertical(classes="dialog", id="menu-dialog") as dialog:
            dialog.border_title = Content(printable(self.title_text))  # a Sid or name: not markup
            dialog.border_subtitle = "enter: preview the plan · esc: close"
            options = [
                Option(
                    Text.assemble((title, "dim" if n in self.greyed else "bold"), "\n",
                                  (f"  {help_text}", "dim"))
                    if help_text
                    else Text(title, style="bold"),
                    id=str(n),
                )
                for n, (title, help_text) in enumerate(self.items)
            ]  # fmt: skip
            yield OptionList(*options, id="menu-options")
        yield KeyBar()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def action_dismiss_menu(self) -> None:
        """Nothing chosen."""
        self.dismiss(None)


# --- asking for a file name ----------------------------------------------------------------------


class AskPath(ModalScreen[Path | None]):
    """One line: a file path, prefilled in a folder (home by default), the absolute path shown.

    A relative path is taken inside ``folder``; the line under the input always says the full
    path that will be written, so nothing lands in a folder the operator did not see. Enter
    accepts; an existing file needs a second enter (``replace``) or is refused.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="ask-cancel"),
    ]

    def __init__(
        self,
        title: str,
        default: str,
        *,
        note: str = "",
        folder: Path | None = None,
        replace: bool = True,
    ) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.folder = folder if folder is not None else Path.home()
        self.default = str(self.target(default))
        self.note = note
        self.replace = replace
        self._replace: Path | None = None

    def target(self, text: str) -> Path:
        """The absolute path ``text`` names (``~`` expanded, relative to ``folder``).

        Raises ValueError (one line) for what names no path: ``~nosuchuser``, a NUL byte.
        """
        try:
            path = Path(text.strip()).expanduser()
            return (self.folder.expanduser() / path).resolve()
        except (RuntimeError, ValueError, OSError) as exc:  # "Could not determine home directory"
            raise ValueError(f"cannot use {printable(text.strip())}: {exc}") from None

    def compose(self) -> ComposeResult:
        """Label, input, the full path, status."""
        with Vertical(classes="dialog", id="ask-dialog") as dialog:
            dialog.border_title = Content(printable(self.title_text))  # a Sid or name: not markup
            dialog.border_subtitle = "enter: save · esc: cancel"
            if self.note:
                yield Static(self.note, classes="ask-note", markup=False)
            yield Input(self.default, id="ask-input")
            yield Static("", id="ask-target", classes="ask-note", markup=False)
            yield Static("", id="ask-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        """Focus the input with the default selected."""
        field = self.query_one(Input)
        field.cursor_blink = not self.app.is_headless
        field.focus()
        self._show_target(field.value)

    def _show_target(self, text: str) -> None:
        try:
            line = f"writes {printable(self.target(text))}" if text.strip() else "type a file name"
        except ValueError as exc:
            line = str(exc)
        self.query_one("#ask-target", Static).update(line)

    @on(Input.Changed, "#ask-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show_target(event.value)
        self.query_one("#ask-status", Static).update("")

    @on(Input.Submitted, "#ask-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        status = self.query_one("#ask-status", Static)
        try:
            path = self.target(text)
        except ValueError as exc:
            status.update(str(exc))
            return
        if not path.parent.is_dir():
            status.update(f"no such folder: {printable(path.parent)}")
            return
        if path.is_dir():
            status.update(f"{printable(path)} is a folder: add a file name")
            return
        if path.exists() and not self.replace:
            status.update(f"{printable(path)} exists and is never replaced: choose another name")
            return
        if path.exists() and self._replace != path:
            self._replace = path
            status.update(f"{printable(path)} exists: press enter again to replace it")
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        """No file."""
        self.dismiss(None)


# --- asking for a value an edit needs -------------------------------------------------------


class AskValue(ModalScreen[str | None]):
    """One line the plan needs typed first (an ExternalId, a GitHub repository), checked by the
    core as it is typed; enter accepts a valid value, esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="ask-cancel"),
    ]

    def __init__(
        self,
        title: str,
        note: str,
        check: Callable[[str], str | None],
        *,
        enter: str = "preview the plan",
    ) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.note = note
        self.check = check
        #: What enter does, for the border ("preview the plan", "dismiss").
        self.enter = enter

    def compose(self) -> ComposeResult:
        """Label, input, status."""
        with Vertical(classes="dialog", id="ask-dialog") as dialog:
            dialog.border_title = Content(printable(self.title_text))  # a Sid or name: not markup
            dialog.border_subtitle = f"enter: {self.enter} · esc: cancel"
            yield Static(self.note, classes="ask-note", markup=False)
            yield Input("", id="ask-value")
            yield Static("", id="ask-status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        """Focus the input."""
        field = self.query_one(Input)
        field.cursor_blink = not self.app.is_headless
        field.focus()

    @on(Input.Changed, "#ask-value")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_one("#ask-status", Static).update("")

    @on(Input.Submitted, "#ask-value")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self.check(event.value)
        if problem:
            self.query_one("#ask-status", Static).update(problem)
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        """No value: nothing is planned."""
        self.dismiss(None)


# --- the preview and run modal ---------------------------------------------------------------


class PlanScreen(ModalScreen[bool]):
    """Plan in a worker, preview, confirm (typed when needed), run with progress, result.

    Phases: ``planning`` → ``preview`` → ``running`` → ``done`` (or ``refused``).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="plan-cancel"),
        Binding("pageup", "scroll_steps(-1)", "Scroll up", show=False, id="plan-scroll-up"),
        Binding("pagedown", "scroll_steps(1)", "Scroll down", show=False, id="plan-scroll-down"),
        Binding("u", "usage", "Who uses", id="plan-usage"),
        Binding("f", "toggle_follow_up", "Drop/offer follow-up", id="plan-follow-up"),
    ]

    def __init__(
        self,
        title: str,
        job: Callable[[Workspace], PlannedAction],
        *,
        undo: bool = False,
    ) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.job = job
        self.undo = undo
        self.phase = "planning"
        self.planned: PlannedAction | None = None
        self.report: ExecutionReport | None = None
        self.step_status: list[str] = []
        self.step_message: list[str] = []
        self.result_line = ""
        self.result_tone = ""
        self.reloading = False
        self._secrets: list[Secret] = []
        #: "Who uses it" lines from CloudTrail (None: not asked), and whether a lookup runs.
        self.usage_lines: tuple[Field, ...] | None = None
        self.usage_loading = False
        #: Stops a running lookup between pages when the dialog closes.
        self.usage_cancel = CancelToken()
        #: The follow-ups the plan offered, kept while the operator has dropped them (``f``).
        self.dropped_follow_ups: tuple[FollowUp, ...] = ()

    @property
    def iamtui(self) -> IamtuiApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Summary, steps, confirmation inputs and the two buttons."""
        ws = self.iamtui.workspace
        with Vertical(classes="dialog", id="plan-dialog") as dialog:
            dialog.border_title = Content(printable(self.title_text))  # a Sid or name: not markup
            mode = "DRY RUN: nothing will be sent or journaled · " if ws.dry_run else ""
            dialog.border_subtitle = f"{mode}esc: cancel · tab: next"
            yield Static("", id="plan-summary", markup=False)
            yield LoadingIndicator(id="plan-loading")
            with VerticalScroll(id="plan-steps", can_focus=False):
                yield Static("", id="plan-body", markup=False)
            yield Static("", id="plan-override-label", classes="plan-label", markup=False)
            yield Input(
                placeholder="type the key id shown above", id="plan-override", classes="plan-input"
            )
            yield Static("", id="plan-override-status", classes="plan-status", markup=False)
            yield Static("", id="plan-phrase-label", classes="plan-label", markup=False)
            yield Input(
                placeholder="type the name shown above", id="plan-phrase", classes="plan-input"
            )
            yield Static("", id="plan-phrase-status", classes="plan-status", markup=False)
            with Horizontal(id="plan-buttons"):
                yield Button("Cancel", id="plan-cancel-button", variant="default")
                yield Button("Run", id="plan-run", variant="error", disabled=True)
        yield KeyBar()

    def on_mount(self) -> None:
        """Start planning; Cancel has the focus from the start."""
        for field in self.query(Input):
            field.display = False
            field.cursor_blink = not self.app.is_headless
        for label in self.query(".plan-label, .plan-status"):
            label.display = False
        self.query_one("#plan-steps").display = False
        self.query_one("#plan-run", Button).display = False
        self.query_one("#plan-summary", Static).update(
            Text("Reading IAM to build the plan…", style="italic")
        )
        self.query_one("#plan-cancel-button", Button).focus()
        self._plan()

    # -- planning ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="action-plan")
    def _plan(self) -> None:
        try:
            planned = self.job(self.iamtui.workspace)
        except ActionRefused as exc:
            self.post_message(PlanRefused(str(exc)))
        except Exception as exc:  # any failure is one line in the modal, never a crash
            self.post_message(PlanRefused(one_line(exc)))
        else:
            self.post_message(Planned(planned))

    def on_plan_refused(self, message: PlanRefused) -> None:
        """Nothing to preview: say why (one line) and offer Close."""
        self.phase = "refused"
        self.query_one("#plan-loading").display = False
        self.result_line = f"refused: {message.reason}"
        self.result_tone = "bad"
        self.query_one("#plan-summary", Static).update(
            Text(self.result_line, style=self._style("bad"))
        )
        self.query_one("#plan-cancel-button", Button).label = "Close"
        self.query_one("#plan-cancel-button", Button).focus()
        self.iamtui.notify(self.result_line, severity="error")

    def on_planned(self, message: Planned) -> None:
        """Show the preview; the inputs needed; Cancel keeps the focus."""
        self.phase = "preview"
        planned = self.planned = message.planned
        plan = planned.plan
        self.step_status = ["pending"] * len(plan.steps)
        self.step_message = [""] * len(plan.steps)
        self.query_one("#plan-loading").display = False
        self.query_one("#plan-steps").display = True
        self._render_plan()
        if planned.override_phrase:
            label = self.query_one("#plan-override-label", Static)
            parts: list[str | tuple[str, str]] = []
            if planned.active_keys:
                keys = ", ".join(planned.active_keys)
                verb = "is" if len(planned.active_keys) == 1 else "are"
                parts += [
                    (f"{keys} {verb} ACTIVE: ", "bold"),
                    "deleting an active key breaks whatever uses it at once, for good. ",
                ]
            if planned.unverified_keys:
                keys = ", ".join(planned.unverified_keys)
                parts += [
                    (f"{keys}: ", "bold"),
                    "used, and the data you reviewed cannot show since when (see warnings). ",
                ]
            label.update(
                Text.assemble(
                    *parts,
                    "Type ",
                    (planned.override_phrase, "bold"),
                    " to override:",
                    style=self._style("warn"),
                )
            )
            label.display = True
            self.query_one("#plan-override", Input).display = True
        phrase = plan.confirmation_phrase
        if phrase:
            why = "has irreversible steps" if plan.irreversible else "deletes a principal"
            label = self.query_one("#plan-phrase-label", Static)
            label.update(
                Text.assemble(
                    f"This plan {why}. Type ",
                    (phrase, "bold"),
                    " to confirm:",
                )
            )
            label.display = True
            self.query_one("#plan-phrase", Input).display = True
        run = self.query_one("#plan-run", Button)
        run.display = True
        run.label = self._run_label()
        run.variant = "error" if phrase else "primary"
        self._update_run()
        self._fit_steps()
        self.query_one("#plan-cancel-button", Button).focus()
        self.refresh_bindings()

    def on_resize(self) -> None:
        """Keep the buttons on screen: the steps scroll within what is left."""
        self._fit_steps()

    def _fit_steps(self) -> None:
        """Give the steps every line the dialog has left (summary, inputs and buttons first)."""
        inputs = sum(1 for field in self.query(Input) if field.display)
        shown = sum(1 for status in self.query(".plan-status") if status.display)
        # border, summary, label+input each, a "does not match" line each, buttons
        reserved = 2 + 5 + 3 * inputs + shown + 4
        room = int(self.size.height * 0.92) - reserved
        self.query_one("#plan-steps").styles.max_height = max(4, room)

    def _run_label(self) -> str:
        assert self.planned is not None
        count = len(self.planned.plan.steps)
        calls = f"{count} call{'' if count == 1 else 's'}"
        if self.iamtui.workspace.dry_run:
            return f"Dry run ({calls})"
        return f"Run ({calls})"

    # -- confirmation ------------------------------------------------------------------------

    def confirmed(self) -> bool:
        """Both typed answers match (or none is needed)."""
        planned = self.planned
        if planned is None or self.phase != "preview":
            return False
        override = self.query_one("#plan-override", Input).value
        phrase = self.query_one("#plan-phrase", Input).value
        return planned.check_override(override) and planned.plan.check_confirmation(phrase)

    def _update_run(self) -> None:
        self.query_one("#plan-run", Button).disabled = not self.confirmed()

    def expected(self, field_id: str) -> str:
        """What the typed field ``plan-override`` or ``plan-phrase`` must hold."""
        planned = self.planned
        if planned is None:
            return ""
        if field_id == "plan-override":
            return planned.override_phrase or ""
        return planned.plan.confirmation_phrase or ""

    def _matches(self, field_id: str, value: str) -> bool:
        assert self.planned is not None
        if field_id == "plan-override":
            return self.planned.check_override(value)
        return self.planned.plan.check_confirmation(value)

    def _say_mismatch(self, field_id: str, line: str) -> None:
        """The line under a typed field (empty: hide it)."""
        status = self.query_one(f"#{field_id}-status", Static)
        status.update(Text(line, style=self._style("bad")))
        if status.display != bool(line):
            status.display = bool(line)
            self._fit_steps()

    @on(Input.Changed, ".plan-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.id:
            self._say_mismatch(event.input.id, "")
        self._update_run()

    @on(Input.Submitted, ".plan-input")
    def _typed_enter(self, event: Input.Submitted) -> None:
        """Enter in a phrase field: a mismatch is said under it (focus stays), else move on."""
        event.stop()
        field_id = event.input.id or ""
        if self.planned is None or self.phase != "preview":
            return
        if not self._matches(field_id, event.value):
            expected = self.expected(field_id)
            shown = printable(expected)
            line = f"does not match: type {shown}" if event.value else f"type {shown}"
            self._say_mismatch(field_id, line)
            event.input.focus()
            return
        self._say_mismatch(field_id, "")
        if self.confirmed():
            self.run_plan()  # the name typed is the confirmation: enter runs, as Run would
            return
        for field in self.query(".plan-input").results(Input):
            other = field.id or ""
            if field.display and not self._matches(other, field.value):
                self._say_mismatch(other, f"still to type: {printable(self.expected(other))}")
                field.focus()
                return

    def on_key(self, event: events.Key) -> None:
        """Typing while a button has the focus goes to the first field still to type: focus
        starts on Cancel (enter cancels), yet a typed name is never silently dropped."""
        if self.phase != "preview" or isinstance(self.focused, Input):
            return
        own_keys = self._bindings.key_to_bindings  # this screen's keys (the keymap applied)
        if not (event.is_printable and event.character) or event.key in own_keys:
            return  # `u` and the other keys of this screen keep their meaning
        for field in self.query(".plan-input").results(Input):
            if field.display and not self._matches(field.id or "", field.value):
                event.stop()
                field.select_on_focus = (
                    False  # else the focus selects the letter, the next replaces it
                )
                field.focus()
                field.insert_text_at_cursor(event.character)
                return

    # -- running -----------------------------------------------------------------------------

    @property
    def focus_chain(self) -> list[Widget]:
        """Tab goes from the typed fields to Run, then Cancel (the buttons are drawn Cancel
        first): a tab after typing the name never lands on Cancel, where enter cancels."""
        chain = list(super().focus_chain)
        run = next((w for w in chain if w.id == "plan-run"), None)
        cancel = next((w for w in chain if w.id == "plan-cancel-button"), None)
        if (
            run is not None
            and cancel is not None
            and cancel in chain
            and chain.index(cancel) < chain.index(run)
        ):
            chain.remove(run)
            chain.insert(chain.index(cancel), run)
        return chain

    @on(Button.Pressed, "#plan-run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.run_plan()

    def run_plan(self) -> None:
        """Run the confirmed plan (Run, or enter in a typed field once both match)."""
        if not self.confirmed() or self.planned is None:
            return
        self.phase = "running"
        self.refresh_bindings()
        self.iamtui.action_running = True
        for field in self.query(Input):
            field.disabled = True
        run = self.query_one("#plan-run", Button)
        run.disabled = True
        cancel = self.query_one("#plan-cancel-button", Button)
        cancel.disabled = True
        self.query_one("#plan-dialog").border_subtitle = "running: stops at the first failure"
        override = self.query_one("#plan-override", Input).value
        phrase = self.query_one("#plan-phrase", Input).value
        self._render_plan()
        # The app, taken here on the UI thread: once this dialog is closed the worker can no
        # longer reach it through ``self.app``, and the reload must still reach the screens.
        self._execute(self.iamtui, self.planned, phrase or None, override or None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="action-run")
    def _execute(
        self, app: IamtuiApp, planned: PlannedAction, typed: str | None, override: str | None
    ) -> None:
        ws = app.workspace
        try:
            report = ws.execute(
                planned,
                typed=typed,
                override=override,
                progress=lambda i, o: _post(self, StepFinished(i, o.status, o.message)),
                started=lambda i: _post(self, StepStarted(i)),
            )
        except ActionRefused as exc:
            self.post_message(RunRefused(str(exc)))
            return
        except Exception as exc:  # e.g. the journal disk failed: what ran is in the journal
            self.post_message(RunRefused(one_line(exc), error=True))
            try:
                state = ws.refresh_after(planned.plan)
            except Exception:
                return
            app.post_message(StateChanged(state, "action", source=ws))
            return
        self.post_message(RunFinished(report))
        if report.status == "dry-run":
            return
        try:
            state = ws.refresh_after(report.plan)
        except Exception as exc:
            self.post_message(Reloaded(one_line(exc)))
            return
        app.post_message(StateChanged(state, "action", source=ws))
        self.post_message(Reloaded())

    def on_step_started(self, message: StepStarted) -> None:
        """The call is on its way."""
        if message.index < len(self.step_status):
            self.step_status[message.index] = "running"
            self._render_plan()

    def on_step_finished(self, message: StepFinished) -> None:
        """One step's outcome."""
        if message.index < len(self.step_status):
            self.step_status[message.index] = message.status
            self.step_message[message.index] = message.message
            self._render_plan()

    def on_run_refused(self, message: RunRefused) -> None:
        """The executor would not start (nothing was sent), or an error stopped it."""
        self.iamtui.action_running = False
        if message.error:
            line = f"error: {message.reason} (what ran is in the Journal pane)"
        else:
            line = f"refused: {message.reason}"
        self._finish(line, "bad")
        self.iamtui.notify(line, severity="error")

    def on_run_finished(self, message: RunFinished) -> None:
        """Result line, notification, then each secret once."""
        report = self.report = message.report
        self.iamtui.action_running = False
        for outcome in report.outcomes:
            if outcome.index < len(self.step_status):
                self.step_status[outcome.index] = outcome.status
                self.step_message[outcome.index] = outcome.message
        tone = "ok" if report.ok else "bad"
        self.reloading = report.status != "dry-run"
        self._finish(report.message(), tone)
        if report.ok:
            self.iamtui.notify(report.message())
        else:
            self.iamtui.notify(report.message(), severity="error")
        self._secrets = list(report.secrets)
        self._next_secret()

    def _next_secret(self) -> None:
        if self._secrets:
            secret = self._secrets.pop(0)
            self.app.push_screen(SecretScreen(secret), lambda _: self._next_secret())

    def on_reloaded(self, message: Reloaded) -> None:
        """The affected data is fresh (or says why not)."""
        self.reloading = False
        if message.error:
            self.iamtui.notify(
                f"Reload after the action failed: {message.error}", severity="warning"
            )
        self._render_plan()

    def _finish(self, line: str, tone: str) -> None:
        self.phase = "done"
        self.refresh_bindings()
        self.result_line = line
        self.result_tone = tone
        self.query_one("#plan-dialog").border_subtitle = "enter or esc: close"
        for field in self.query(Input):
            field.display = False
        for label in self.query(".plan-label, .plan-status"):
            label.display = False
        self.query_one("#plan-run", Button).display = False
        cancel = self.query_one("#plan-cancel-button", Button)
        cancel.label = "Close"
        cancel.disabled = False
        cancel.focus()
        self._render_plan()

    # -- closing -----------------------------------------------------------------------------

    @on(Button.Pressed, "#plan-cancel-button")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        """Cancel before running, close afterwards; a running plan is not abandoned."""
        if self.phase == "running":
            self.iamtui.notify(
                "The plan is running: it ends after its last step or at the first failure.",
                severity="warning",
            )
            return
        if self.phase in ("planning", "preview"):
            self.iamtui.notify("cancelled: nothing was changed")
        self.dismiss(self.phase == "done" and self.report is not None and self.report.ok)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``u`` only in the preview of a plan that cuts off a key, a user or a role; ``f`` only
        in the preview of a plan that offers a follow-up."""
        if action == "toggle_follow_up":
            planned = self.planned
            offers = planned is not None and bool(
                planned.plan.follow_ups or self.dropped_follow_ups
            )
            return self.phase == "preview" and offers
        if action == "usage":
            planned = self.planned
            return (
                self.phase == "preview" and planned is not None and bool(plan_targets(planned.plan))
            )
        return True

    def action_toggle_follow_up(self) -> None:
        """Drop the plan's follow-ups (the journal will not offer them), or offer them again."""
        planned = self.planned
        if planned is None or self.phase != "preview":
            return
        plan = planned.plan
        if plan.follow_ups:
            self.dropped_follow_ups = plan.follow_ups
            plan = replace(plan, follow_ups=())
        else:
            plan, self.dropped_follow_ups = replace(plan, follow_ups=self.dropped_follow_ups), ()
        self.planned = replace(planned, plan=plan)
        self._render_plan()

    def action_usage(self) -> None:
        """Ask CloudTrail who used what the plan would cut off, shown under the steps."""
        if self.planned is None or self.usage_loading:
            return
        targets = plan_targets(self.planned.plan)
        if not targets:
            return
        self.usage_loading = True
        self._render_plan()
        self._look_up_usage(targets)

    @work(thread=True, exclusive=True, exit_on_error=False, group="action-usage")
    def _look_up_usage(self, targets: tuple[UsageTarget, ...]) -> None:
        self.post_message(look_up_usage(self.iamtui.workspace, targets, self.usage_cancel))

    def on_usage_looked(self, message: UsageLooked) -> None:
        """The lines go under the steps; the preview scrolls to them."""
        self.usage_loading = False
        now = self.iamtui.workspace.now()
        self.usage_lines = lookup_fields(message.reports, message.error, now)
        self._render_plan()
        self.query_one("#plan-steps", VerticalScroll).scroll_end(animate=False)

    def on_unmount(self) -> None:
        """A lookup still paging stops at its next page (its answer has nowhere to go)."""
        self.usage_cancel.cancel()

    def action_scroll_steps(self, direction: int) -> None:
        """Page through a long plan."""
        scroll = self.query_one("#plan-steps", VerticalScroll)
        if direction < 0:
            scroll.scroll_page_up()
        else:
            scroll.scroll_page_down()

    # -- rendering ---------------------------------------------------------------------------

    def _style(self, tone: str) -> Style:
        return tone_styles(self.app).get(tone, Style())

    def _render_plan(self) -> None:
        planned = self.planned
        if planned is None:
            return
        styles = tone_styles(self.app)
        plan = planned.plan
        head = Text()
        if self.result_line:
            head.append(self.result_line, style=styles[self.result_tone or "text"])
            if self.reloading:
                head.append("  · reloading what it changed…", style=styles["muted"])
            head.append("\n")
        head.append(plan.summary, style=styles["text"] + Style(bold=True))
        account = (
            f"{plan.account_alias} ({plan.account_id})" if plan.account_alias else plan.account_id
        )
        built = plan.built_at.strftime("%H:%M:%S UTC")
        head.append(
            f"\naccount {account} · as {plan.caller_arn or 'unknown'} · planned {built} from "
            "fresh reads",
            style=styles["muted"],
        )
        self.query_one("#plan-summary", Static).update(head)
        self.query_one("#plan-body", Static).update(self._body(styles))

    def _body(self, styles: dict[str, Style]) -> RenderableType:
        assert self.planned is not None
        plan = self.planned.plan
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(width=2, no_wrap=True)
        table.add_column(width=3, justify="right", no_wrap=True)
        table.add_column(width=1, no_wrap=True)
        table.add_column(ratio=1)
        show_status = self.phase in ("running", "done")
        for row in plan.preview():
            step = plan.steps[row.index]
            status = self.step_status[row.index] if show_status else "pending"
            mark, tone = STEP_MARKS.get(status, ("·", "muted"))
            if plan.undoes is not None:  # an undo is not itself undone: no ↺ to promise it
                way = Text("")
            elif row.reversible:
                way = Text("↺", style=styles["ok"])
            else:
                way = Text("✗", style=styles["bad"])
            body = Text()
            body.append(row.description, style=styles["text"])
            body.append(f"\n{row.call}", style=styles["accent"])
            for line in row.changes:
                tone = "bad" if line.startswith("-") else "ok" if line.startswith("+") else "muted"
                body.append(f"\n{line}", style=styles[tone])
            for name, document in row.documents:
                # Whole, never cut: the preview is exactly what the call sends (it scrolls).
                body.append(f"\n{name}:", style=styles["muted"])
                body.append(f"\n{document}", style=styles["text"])
            if row.reversible and step.inverse:
                back = "; ".join(i.description for i in step.inverse)
                body.append(f"\nundo: {back}", style=styles["muted"])
                if step.loss:
                    body.append(f" ({step.loss})", style=styles["muted"])
            elif row.reversible:
                body.append(f"\n{row.note}", style=styles["muted"])
            else:
                body.append(f"\n{row.note}", style=styles["warn"])
            message = self.step_message[row.index] if show_status else ""
            if message:
                body.append(f"\n{message}", style=styles["bad"])
            table.add_row(
                Text(mark if show_status else "", style=styles[tone]),
                Text(f"{row.index + 1}.", style=styles["muted"]),
                way,
                body,
            )
        parts: list[RenderableType] = [table]
        if plan.warnings:
            parts.append(Text(""))
            parts.extend(Text(f"⚠ {w}", style=styles["warn"]) for w in plan.warnings)
        if plan.notes:
            parts.append(Text(""))
            parts.extend(Text(f"note: {n}", style=styles["muted"]) for n in plan.notes)
        if plan.skipped:
            parts.append(Text(""))
            parts.extend(
                Text(f"skipped {s.target}: {s.reason}", style=styles["muted"]) for s in plan.skipped
            )
        parts += self._follow_up_lines(plan, styles)
        if self.usage_loading or self.usage_lines is not None:
            parts.append(Text(""))
            parts.append(Text("Who uses it (CloudTrail)", style=styles["text"] + Style(bold=True)))
            if self.usage_lines is None:
                parts.append(Text("Reading CloudTrail event history…", style=styles["muted"]))
            else:
                parts.append(fields_table(self.usage_lines, styles))
        if self.phase == "preview":
            if plan.undoes:
                hint = "An undo is not itself undone: to redo, plan the action again."
            elif plan.irreversible:
                hint = "Steps marked ✗ cannot be undone; the others can, from the Journal pane (6)."
            else:
                hint = "Every step can be undone from the Journal pane (6)."
            if self.iamtui.workspace.dry_run:
                hint = "Dry run: nothing is sent and nothing is journaled."
            if plan_targets(plan) and self.usage_lines is None and not self.usage_loading:
                key = self.iamtui.key_for("plan-usage")
                hint += f" {key}: who used it in the last 90 days (CloudTrail), before you run it."
            parts.append(Text(""))
            parts.append(Text(hint, style=styles["muted"]))
        return Group(*parts)

    def _follow_up_lines(self, plan: Plan, styles: dict[str, Style]) -> list[RenderableType]:
        """What the plan offers to finish later, and the key that drops (or restores) it."""
        key = self.iamtui.key_for("plan-follow-up")
        if plan.follow_ups:
            lines: list[RenderableType] = [Text("")]
            lines += [
                Text(f"follow-up: {f.text()}", style=styles["accent"]) for f in plan.follow_ups
            ]
            lines.append(
                Text(
                    "The journal offers it when due (iamtui journal due, Journal pane); nothing "
                    f"runs unattended. {key}: drop it.",
                    style=styles["muted"],
                )
            )
            return lines
        if self.dropped_follow_ups:
            n = len(self.dropped_follow_ups)
            text = f"follow-up dropped ({n}): the journal will not offer it. {key}: offer it again."
            return [Text(""), Text(text, style=styles["muted"])]
        if plan.follows_up:
            text = f"carries out follow-up {plan.follows_up} (the journal marks it done)"
            return [Text(""), Text(text, style=styles["muted"])]
        return []


# --- secrets ------------------------------------------------------------------------------------

MASK = "•" * 24


def secret_note(secret: Secret) -> str:
    """Where the value came from and why it is shown only now: the wording follows the origin."""
    if isinstance(secret, AccessKeySecret):
        origin = (
            "AWS returns a new access key's secret only now, when the key is created, and "
            "iamtui keeps no copy"
        )
    else:
        origin = (
            "iamtui generated this password and set it in AWS, which never shows it again; "
            "iamtui keeps no copy"
        )
    return (
        f"{origin}: closing this dialog drops it. Copy it or save it to a file, then store it "
        "where it belongs."
    )


class SecretScreen(ModalScreen[None]):
    """A secret shown once: masked until revealed, copied (OSC 52) or saved 0600, then dropped."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reveal", "Reveal / hide", id="secret-reveal"),
        Binding("c", "copy", "Copy (OSC 52)", id="secret-copy"),
        Binding("w", "save", "Save to file", id="secret-save"),
        Binding("escape", "close", "Done", id="secret-done"),
    ]

    def __init__(self, secret: Secret) -> None:
        super().__init__(classes="modal")
        self.secret = secret
        self.revealed = False
        self.kept = False
        self._warned = False

    @property
    def what(self) -> str:
        """A name for the secret that is not the secret."""
        if isinstance(self.secret, AccessKeySecret):
            return f"secret access key of {self.secret.access_key_id} ({self.secret.label})"
        return f"console password of {self.secret.label}"

    def compose(self) -> ComposeResult:
        """What it is, the value (masked), what to do, the buttons."""
        with Vertical(classes="dialog", id="secret-dialog") as dialog:
            dialog.border_title = "Shown once"
            dialog.border_subtitle = "r: reveal · c: copy · w: save · esc: done"
            yield Static("", id="secret-facts", markup=False)
            yield Static(secret_note(self.secret), id="secret-note", markup=False)
            with Horizontal(id="secret-buttons"):
                yield Button("Copy  c", id="secret-copy-button")
                yield Button("Save to file…  w", id="secret-save-button")
                yield Button("Reveal  r", id="secret-reveal-button")
                yield Button("Done  esc", id="secret-done-button", variant="primary")
        yield KeyBar()

    def on_mount(self) -> None:
        """Masked at first."""
        self._render_secret()
        self.query_one("#secret-copy-button", Button).focus()

    def _render_secret(self) -> None:
        styles = tone_styles(self.app)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style=styles["label"], no_wrap=True)
        grid.add_column()
        value = self.secret.reveal() if self.revealed and not self.secret.dropped else MASK
        if isinstance(self.secret, AccessKeySecret):
            grid.add_row("User", Text(self.secret.label))
            grid.add_row("Access key id", Text(self.secret.access_key_id))
            grid.add_row("Secret access key", Text(value, style=styles["accent"]))
        else:
            grid.add_row("User", Text(self.secret.label))
            grid.add_row("Console password", Text(value, style=styles["accent"]))
            grid.add_row("", Text("must be changed at the next sign-in", style=styles["muted"]))
        self.query_one("#secret-facts", Static).update(grid)
        self.query_one("#secret-reveal-button", Button).label = (
            "Hide  r" if self.revealed else "Reveal  r"
        )

    def action_reveal(self) -> None:
        """Show or mask the value."""
        self.revealed = not self.revealed
        self._render_secret()

    @on(Button.Pressed, "#secret-reveal-button")
    def _reveal_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_reveal()

    def action_copy(self) -> None:
        """To the terminal's clipboard with OSC 52 (terminals without it ignore the request)."""
        self.app.copy_to_clipboard(self.secret.reveal())
        self.kept = True
        self.app.notify(
            f"Sent the {self.what} to the terminal clipboard (OSC 52). If pasting gives "
            "nothing, your terminal does not support it: save it to a file instead (w).",
            timeout=8,
        )

    @on(Button.Pressed, "#secret-copy-button")
    def _copy_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_copy()

    def action_save(self) -> None:
        """Ask for a file name, then write it readable by you only (0600, never replaced)."""
        if isinstance(self.secret, AccessKeySecret):
            default = f"iamtui-{self.secret.label}-{self.secret.access_key_id}.csv"
        else:
            default = f"iamtui-{self.secret.label}-console-password.txt"
        self.app.push_screen(
            AskPath(
                f"Save the {self.what}",
                default,
                note="Written with mode 0600 (readable by you only); an existing file is never "
                "replaced.",
                replace=False,
            ),
            self._save_to,
        )

    @on(Button.Pressed, "#secret-save-button")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    def _save_to(self, path: Path | None) -> None:
        if path is None or self.secret.dropped:
            return
        secret = self.secret
        if isinstance(secret, AccessKeySecret):
            text = (
                "User name,Access key ID,Secret access key\n"
                f"{secret.label},{secret.access_key_id},{secret.reveal()}\n"
            )
        else:
            text = f"User name,Console password\n{secret.label},{secret.reveal()}\n"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            self.app.notify(f"Not saved: {path}: {exc.strerror or exc}", severity="error")
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:  # a full disk: no half secret left behind, the dialog stays up
            with contextlib.suppress(OSError):
                path.unlink()
            self.app.notify(f"Not saved: {path}: {exc.strerror or exc}", severity="error")
            return
        self.kept = True
        self.app.notify(f"Saved the {self.what} to {path} (mode 0600).")

    def action_close(self) -> None:
        """Drop the secret; ask once more when it was neither copied nor saved."""
        if not self.kept and not self._warned:
            self._warned = True
            self.app.notify(
                "The secret was neither copied nor saved: press esc again to drop it for good.",
                severity="warning",
            )
            return
        self._drop()
        self.dismiss(None)

    @on(Button.Pressed, "#secret-done-button")
    def _done_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_close()

    def _drop(self) -> None:
        self.revealed = False
        self.secret.drop()
        app: IamtuiApp = self.app  # type: ignore[assignment]
        app.forget_clipboard()

    def on_unmount(self) -> None:
        """However the dialog goes away, the value goes with it."""
        if not self.secret.dropped:
            self.secret.drop()
