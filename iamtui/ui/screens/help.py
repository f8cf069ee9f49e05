"""The help screen: every binding, generated from the bindings (with the keymap applied)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Static

from iamtui.ui.keymap import effective_keys
from iamtui.ui.widgets.detail import tone_styles
from iamtui.ui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from iamtui.ui.app import IamtuiApp


class HelpScreen(ModalScreen[None]):
    """Keys by scope, with the binding id to remap each in the config file's ``[keymap]``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="help-close"),
    ]

    def __init__(self, scopes: Sequence[tuple[str, Sequence[Binding]]]) -> None:
        """``scopes``: (title, bindings) of every screen, from the app that knows them all."""
        super().__init__(classes="modal")
        self.scopes = scopes

    def compose(self) -> ComposeResult:
        """A scrollable table per scope."""
        with Vertical(classes="dialog", id="help-dialog") as dialog:
            dialog.border_title = "Keys"
            dialog.border_subtitle = escape(
                'esc to close · remap in config.toml under [keymap] as id = "key"'
            )
            with VerticalScroll(classes="dialog-body"):
                yield Static(self._render_bindings(), id="help-body")
        yield KeyBar()

    def _render_bindings(self) -> RenderableType:
        app: IamtuiApp = self.app  # type: ignore[assignment]
        styles = tone_styles(app)
        parts: list[RenderableType] = []
        for title, bindings in self.scopes:
            table = Table.grid(padding=(0, 2))
            table.add_column(width=18, no_wrap=True)
            table.add_column(width=26)
            table.add_column(style=styles["muted"])
            for binding in bindings:
                keys = effective_keys(binding, app.keymap)
                shown = " ".join(
                    app.get_key_display(
                        Binding(
                            k,
                            binding.action,
                            key_display=binding.key_display
                            if len(keys) == 1 and k == binding.key
                            else None,
                        )
                    )
                    for k in keys
                )
                table.add_row(
                    Text(shown, style=styles["accent"]),
                    Text(binding.description or binding.action),
                    Text(binding.id or ""),
                )
            parts.append(Text(title.upper(), style="bold"))
            parts.append(table)
            parts.append(Text(""))
        parts.append(
            Text(
                "Command palette (ctrl+p): go to a pane, open a user or role by name, reload, "
                "switch theme.",
                style=styles["muted"],
            )
        )
        return Group(*parts)

    async def action_dismiss(self, result: None = None) -> None:
        """Close help."""
        self.dismiss(result)
