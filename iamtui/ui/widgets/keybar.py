"""A one-widget footer of the keys that apply now, redrawn (not recomposed) when they change.

Textual's Footer rebuilds a widget per key on every focus or binding change, which was the
largest cost of switching panes; this draws the same information as one line of text. Action
keys are greyed out while actions are disabled (read-only, snapshot, journal in use): they
still answer, with the one-line reason.
"""

from __future__ import annotations

from textual.content import Content
from textual.markup import escape
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    """The active screen's shown bindings, each clickable; the palette key on the right."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $panel;
        color: $text;
    }
    """

    def on_mount(self) -> None:
        """Redraw when the screen's bindings change."""
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        """Stop listening."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def render(self) -> Content:
        """``key Description`` pairs, one per action, in binding order."""
        from iamtui.ui.choices import ACTION_BINDINGS

        app = self.app
        workspace = getattr(app, "workspace", None)
        blocked = workspace is not None and workspace.block_reason is not None
        seen: set[str] = set()
        parts: list[str] = []
        palette = ""
        for key, (_node, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            if binding.action in ("command_palette", "app.command_palette"):
                display = escape(app.get_key_display(binding))
                palette = f"[@click=app.command_palette][b $text-accent]{display}[/] Commands[/]"
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            display = escape(app.get_key_display(binding))
            if blocked and binding.id in ACTION_BINDINGS:
                enabled = False
            style = "$text-accent" if enabled else "$text-disabled"
            click = f"@click=app.simulate_key('{escape(key)}')"
            parts.append(f"[{click}][b {style}]{display}[/] {escape(binding.description)}[/]")
        left = Content.from_markup(" " + "  ".join(parts))
        right = Content.from_markup(palette + " ") if palette else Content("")
        gap = max(1, self.size.width - left.cell_length - right.cell_length)
        return Content.assemble(left, " " * gap, right)
