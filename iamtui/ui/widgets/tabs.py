"""A one-line pane bar ("0 Overview 1 Findings 95 …"): no animation, clickable, numbered."""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from iamtui.core.views import Pane


class PaneTabs(Widget):
    """Which pane is shown, with item counts; a click selects a pane."""

    DEFAULT_CSS = """
    PaneTabs {
        height: 1;
        background: $background;
        padding: 0 1;
    }
    """

    active: reactive[Pane] = reactive(Pane.FINDINGS)

    class Clicked(Message):
        """A pane label was clicked."""

        def __init__(self, pane: Pane) -> None:
            super().__init__()
            self.pane = pane

    def __init__(self, counts: Mapping[Pane, int], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.counts: dict[Pane, int] = dict(counts)

    def set_counts(self, counts: Mapping[Pane, int]) -> None:
        """New item counts after a reload."""
        self.counts = dict(counts)
        self.refresh()

    def render(self) -> Content:
        """Numbered labels; the active one highlighted."""
        parts: list[str] = []
        for n, pane in enumerate(Pane):
            label = f"{n} {escape(pane.label)}"
            if pane.tabular:
                label += f" {self.counts.get(pane, 0)}"
            action = f"[@click=screen.pane('{pane.value}')]"
            if pane is self.active:
                parts.append(f"{action}[b $text-primary on $primary 25%] {label} [/][/]")
            else:
                parts.append(f"{action}[$text-muted] {label} [/][/]")
        return Content.from_markup(" ".join(parts))
