"""Modal readers: a policy document as highlighted JSON, and a finding's full detail."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Static

from iamtui.core.text import printable
from iamtui.core.views import Detail, Field, PolicyLine
from iamtui.ui.widgets.detail import fields_table, json_syntax, render_detail, tone_styles
from iamtui.ui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from iamtui.ui.app import IamtuiApp


class PolicyScreen(ModalScreen[None]):
    """One policy's document, pretty-printed and syntax-highlighted."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="modal-close"),
    ]

    def __init__(self, line: PolicyLine) -> None:
        super().__init__(classes="modal")
        self.line = line

    def compose(self) -> ComposeResult:
        """Title, facts, document."""

        app: IamtuiApp = self.app  # type: ignore[assignment]
        styles = tone_styles(app)
        line = self.line
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = escape(printable(f"{line.kind} policy · {line.name}"))
            dialog.border_subtitle = "esc to close"
            facts = [Field("Attached", line.via)]
            if line.arn:
                facts.append(Field("ARN", line.arn))
                facts.append(
                    Field("Managed by", "AWS" if line.aws_managed else "this account", "muted")
                )
            yield Static(fields_table(facts, styles), classes="dialog-facts")
            with VerticalScroll(classes="dialog-body"):
                if line.document is None:
                    yield Static(
                        Text(
                            "The document was not loaded (AWS-managed policies are not "
                            "included unless attached).",
                            style=styles["muted"],
                        )
                    )
                else:
                    yield Static(json_syntax(line.document, app))
        yield KeyBar()

    async def action_dismiss(self, result: None = None) -> None:
        """Close the reader."""
        self.dismiss(result)


class DetailScreen(ModalScreen[None]):
    """A finding (or any row's) full detail: evidence, practice, suggested fixes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="modal-close"),
    ]

    def __init__(self, detail: Detail) -> None:
        super().__init__(classes="modal")
        self.detail = detail

    def compose(self) -> ComposeResult:
        """The detail, scrollable."""
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = escape(printable(self.detail.title))
            dialog.border_subtitle = "esc to close"
            with VerticalScroll(classes="dialog-body"):
                yield Static(render_detail(self.detail, tone_styles(self.app)))
        yield KeyBar()

    async def action_dismiss(self, result: None = None) -> None:
        """Close the reader."""
        self.dismiss(result)
