"""A one-line pane bar ("0 Overview 1 Findings 95 …"): no animation, clickable, numbered."""

from __future__ import annotations

from collections.abc import Mapping

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.markup import escape
from textual.reactive import reactive
from textual.widget import Widget

from iamtui.core.views import Pane
from iamtui.ui.widgets.detail import theme_color


class PaneTabs(Widget):
    """Which pane is shown, with item counts; a click on a label shows its pane."""

    DEFAULT_CSS = """
    PaneTabs {
        height: 1;
        background: $background;
        padding: 0 1;
    }
    """

    active: reactive[Pane] = reactive(Pane.FINDINGS)

    def __init__(self, counts: Mapping[Pane, int], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.counts: dict[Pane, int] = dict(counts)

    def set_counts(self, counts: Mapping[Pane, int]) -> None:
        """New item counts after a reload."""
        self.counts = dict(counts)
        self.refresh()

    def labels(self) -> list[tuple[Pane, str]]:
        """Each pane with its label as shown ("1 Findings 95"; the overview has no count)."""
        out: list[tuple[Pane, str]] = []
        for n, pane in enumerate(Pane):
            label = f"{n} {pane.label}"
            if pane.tabular:
                label += f" {self.counts.get(pane, 0)}"
            out.append((pane, label))
        return out

    def spans(self) -> list[tuple[int, int, Pane]]:
        """(first cell, cell after the last, pane) of each label, in content cells."""
        out: list[tuple[int, int, Pane]] = []
        x = 0
        for pane, label in self.labels():
            width = cell_len(label) + 2  # a space each side
            out.append((x, x + width, pane))
            x += width + 1
        return out

    def render(self) -> Content:
        """Numbered labels; the active one highlighted (no link underline: a click still works)."""
        # An opaque colour: the theme's muted text is "auto NN%", which a span cannot blend.
        muted = theme_color(
            self.app.theme_variables or self.app.get_css_variables(), "text-muted", "background"
        )
        parts: list[str] = []
        for pane, label in self.labels():
            if pane is self.active:
                parts.append(f"[b $text-primary on $primary 25%] {escape(label)} [/]")
            else:
                parts.append(f"[{muted}] {escape(label)} [/]")
        return Content.from_markup(" ".join(parts))

    async def on_click(self, event: events.Click) -> None:
        """Show the clicked label's pane (the same as its number key)."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for start, end, pane in self.spans():
            if start <= offset.x < end:
                event.stop()
                await self.run_action(f"screen.pane('{pane.value}')")
                return
