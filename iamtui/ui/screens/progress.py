"""Progress since the last saved snapshot: the ``iamtui diff`` report for the live account."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Static

from iamtui.ui.widgets.keybar import KeyBar


class ProgressScreen(ModalScreen[None]):
    """Cleanup is weeks of work: what moved since the operator last saved this account."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="progress-close"),
    ]

    def __init__(self, report: str, saved: str) -> None:
        """``report``: the diff as text; ``saved``: the snapshot file it compares with."""
        super().__init__(classes="modal")
        self.report = report
        self.saved = saved

    def compose(self) -> ComposeResult:
        """The report, scrollable."""
        with Vertical(classes="dialog", id="progress-dialog") as dialog:
            dialog.border_title = "Progress since the last saved snapshot"
            dialog.border_subtitle = escape(f"{self.saved} · esc to close")
            with VerticalScroll(classes="dialog-body"):
                yield Static(Text(self.report), id="progress-body")
        yield KeyBar()
