"""The loading screen: the load's named steps with live state, cancellable with escape."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from iamtui.core.loader import STEPS, StepUpdate
from iamtui.core.workspace import DEMO_STEP, FILE_STEP
from iamtui.ui.widgets.detail import tone_styles
from iamtui.ui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from iamtui.ui.app import IamtuiApp

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
EXTRA_LABELS = {DEMO_STEP: "Embedded demo account", FILE_STEP: "Snapshot file"}
ICONS = {"pending": "·", "done": "✓", "unavailable": "✗", "waiting": "…"}


class LoadingScreen(ModalScreen[None]):
    """Steps of ``loader.STEPS`` (plus demo start / file read) as they run."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="loading-cancel"),
    ]

    def __init__(self, source: str) -> None:
        super().__init__(classes="modal")
        self.source = source
        self.steps: dict[str, list[str]] = {
            str(part): [label, "pending", ""] for part, label in STEPS
        }
        self._frame = 0
        self.cancelling = False

    def compose(self) -> ComposeResult:
        """A centred box of steps."""
        with Vertical(classes="dialog", id="loading-dialog") as dialog:
            dialog.border_title = "Loading the account"
            dialog.border_subtitle = "esc to cancel"
            yield Static(Text(f"from {self.source}", style="italic"), id="loading-source")
            yield Static(id="loading-steps")
        yield KeyBar()

    def on_mount(self) -> None:
        """Animate the running step."""
        self._render_steps()
        self.set_interval(0.1, self._tick)

    def _tick(self) -> None:
        self._frame += 1
        if any(state in ("running", "waiting") for _, state, _ in self.steps.values()):
            self._render_steps()

    def update_step(self, update: StepUpdate) -> None:
        """A progress message from the load worker."""
        step = str(update.step)
        if step not in self.steps:
            label = EXTRA_LABELS.get(step, step)
            self.steps = {step: [label, "pending", ""], **self.steps}
        entry = self.steps[step]
        entry[1] = update.state
        entry[2] = update.detail
        self._render_steps()

    def _render_steps(self) -> None:
        styles = tone_styles(self.app)
        table = Table.grid(padding=(0, 1))
        table.add_column(width=1)
        table.add_column(no_wrap=True)
        table.add_column(overflow="fold", ratio=1)
        spin = SPINNER[self._frame % len(SPINNER)]
        for label, state, detail in self.steps.values():
            if state in ("running", "waiting"):
                icon, style, label_style = spin, styles["accent"], ""
            elif state == "done":
                icon, style, label_style = ICONS["done"], styles["ok"], ""
            elif state == "unavailable":
                icon, style, label_style = ICONS["unavailable"], styles["warn"], ""
            else:
                icon, style, label_style = ICONS["pending"], styles["muted"], "dim"
            shown = detail
            if state == "waiting":
                shown = f"waiting: {detail}" if detail else "waiting"
            elif state == "unavailable":
                shown = f"unavailable: {detail}"
            table.add_row(
                Text(icon, style=style),
                Text(label, style=label_style),
                Text(shown, style=styles["warn"] if state == "unavailable" else styles["muted"]),
            )
        if self.cancelling:
            table.add_row(Text(""), Text("Cancelling…", style=styles["warn"]), Text(""))
        self.query_one("#loading-steps", Static).update(table)

    def action_cancel(self) -> None:
        """Stop the load at its next check (threads cannot be killed)."""
        app: IamtuiApp = self.app  # type: ignore[assignment]
        self.cancelling = True
        app.cancel_load()
        self._render_steps()
