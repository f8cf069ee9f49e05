"""The error screen: nothing could be loaded; say why in one line and offer retry or quit."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from iamtui.ui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from iamtui.ui.app import IamtuiApp


class ErrorScreen(ModalScreen[None]):
    """A fatal load error with a retry/quit choice."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retry", "Retry", id="error-retry"),
        Binding("q", "give_up", "Quit", id="error-quit"),
        Binding("escape", "give_up", "Quit", show=False, id="error-escape"),
    ]

    def __init__(self, message: str, *, cancelled: bool = False, title: str | None = None) -> None:
        super().__init__(classes="modal")
        self.message = message
        self.cancelled = cancelled
        self.title_text = title

    def compose(self) -> ComposeResult:
        """Message and two buttons."""
        with Vertical(classes="dialog", id="error-dialog") as dialog:
            dialog.border_title = self.title_text or (
                "Load cancelled" if self.cancelled else "Cannot load the account"
            )
            yield Static(self.message, id="error-message", markup=False)
            with Horizontal(id="error-buttons"):
                yield Button("Retry  r", id="retry", variant="primary")
                yield Button("Quit  q", id="quit", variant="error")
        yield KeyBar()

    @on(Button.Pressed, "#retry")
    def action_retry(self) -> None:
        """Load again."""
        app: IamtuiApp = self.app  # type: ignore[assignment]
        self.dismiss()
        app.start_load()

    @on(Button.Pressed, "#quit")
    def action_give_up(self) -> None:
        """Quit; the CLI prints the message as the one-line error."""
        self.app.exit(result=self.message, return_code=2)
