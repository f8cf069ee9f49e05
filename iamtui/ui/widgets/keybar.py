"""A one-widget footer of the keys that apply now, redrawn (not recomposed) when they change.

Textual's Footer rebuilds a widget per key on every focus or binding change, which was the
largest cost of switching panes; this draws the same information as one line of text. Action
keys are greyed out while actions are disabled (read-only, snapshot, journal in use): they
still answer, with the one-line reason. When the line is too narrow, the keys of lowest rank
go first (``RANK``); help never goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.markup import escape
from textual.screen import Screen
from textual.widget import Widget

from iamtui.ui.widgets.detail import theme_color

#: Never dropped from the bar.
HELP_RANK = 0
#: The palette key: kept while there is any room beside help.
PALETTE_RANK = 1
#: Keys that move the operator on (open, back, close, the actions of this row).
HIGH_RANK = 2
#: Keys worth showing while there is room (quit, filter, select, refresh…).
MEDIUM_RANK = 3
#: Keys dropped first on a narrow terminal: sort, severity floor, reload, clear filter.
LOW_RANK = 4

#: How important each binding id is in the key bar (ids not listed are MEDIUM_RANK; action
#: bindings are HIGH_RANK). Lower ranks stay longest.
RANK: dict[str, int] = {
    "help": HELP_RANK,
    "palette": PALETTE_RANK,
    "table-open": HIGH_RANK,
    "review-back": HIGH_RANK,
    "root-back": HIGH_RANK,
    "root-harden": HIGH_RANK,
    "root-verify": HIGH_RANK,
    "journal-verify": HIGH_RANK,
    "menu-close": HIGH_RANK,
    "ask-cancel": HIGH_RANK,
    "plan-cancel": HIGH_RANK,
    "secret-done": HIGH_RANK,
    "help-close": HIGH_RANK,
    "modal-close": HIGH_RANK,
    "contact-cancel": HIGH_RANK,
    "loading-cancel": HIGH_RANK,
    "error-retry": HIGH_RANK,
    "error-quit": HIGH_RANK,
    "org-back": HIGH_RANK,
    "org-scan-cancel": HIGH_RANK,
    "quit": MEDIUM_RANK,
    "filter": MEDIUM_RANK,
    "select": MEDIUM_RANK,
    "sort": LOW_RANK,
    "severity": LOW_RANK,
    "reload": LOW_RANK,
    "org-rescan": LOW_RANK,
    "filter-clear": LOW_RANK,
}

#: Cells between two keys, and at least between the left keys and the palette key.
SEPARATOR = 2


def rank_of(binding_id: str | None) -> int:
    """A binding's rank in the bar (action keys are as important as open and back)."""
    from iamtui.ui.choices import ACTION_BINDINGS

    if binding_id is None:
        return MEDIUM_RANK
    if binding_id in RANK:
        return RANK[binding_id]
    return HIGH_RANK if binding_id in ACTION_BINDINGS else MEDIUM_RANK


@dataclass(frozen=True, slots=True)
class KeyItem:
    """One key as the bar shows it: ``display label``, greyed out when not enabled."""

    #: The key to simulate on a click (as Textual names it).
    key: str
    display: str
    label: str
    enabled: bool
    rank: int
    binding_id: str = ""

    @property
    def width(self) -> int:
        """Cells it takes: key, one space, label."""
        return cell_len(self.display) + 1 + cell_len(self.label)


def fit_items(
    items: Sequence[KeyItem], palette: KeyItem | None, width: int
) -> tuple[list[KeyItem], KeyItem | None]:
    """The items (and palette key) that fit ``width`` cells: highest rank first out, then the
    rightmost of a rank; help is never dropped."""
    shown = list(items)
    right = palette

    def needed() -> int:
        left = 1 + sum(i.width for i in shown) + SEPARATOR * max(0, len(shown) - 1)
        return left + (SEPARATOR + right.width + 1 if right is not None else 0)

    while needed() > width:
        options = [(item.rank, n) for n, item in enumerate(shown) if item.rank > HELP_RANK]
        if right is not None:
            options.append((right.rank, len(shown)))  # the rightmost of its rank
        if not options:
            break
        _rank, index = max(options)
        if index == len(shown):
            right = None
        else:
            del shown[index]
    return shown, right


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

    def __init__(self) -> None:
        super().__init__()
        #: What the last render showed (left keys, then the palette key if shown).
        self.shown: tuple[KeyItem, ...] = ()
        self._hits: list[tuple[int, int, KeyItem]] = []

    def on_mount(self) -> None:
        """Redraw when the screen's bindings change."""
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        """Stop listening."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def items(self) -> tuple[list[KeyItem], KeyItem | None]:
        """Every key the screen shows now, in binding order, and the palette key."""
        from iamtui.ui.choices import ACTION_BINDINGS

        app = self.app
        open_account = getattr(app, "in_account", True)  # the organization screen: none open
        workspace = getattr(app, "workspace", None) if open_account else None
        blocked = workspace is not None and workspace.block_reason is not None
        seen: set[str] = set()
        out: list[KeyItem] = []
        palette: KeyItem | None = None
        for key, (_node, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            display = app.get_key_display(binding)
            if binding.action in ("command_palette", "app.command_palette"):
                palette = KeyItem(key, display, "Commands", True, PALETTE_RANK, "palette")
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            if blocked and binding.id in ACTION_BINDINGS:
                enabled = False
            rank = rank_of(binding.id)
            out.append(KeyItem(key, display, binding.description, enabled, rank, binding.id or ""))
        return out, palette

    def render(self) -> Content:
        """``key Description`` pairs that fit, in binding order; the palette key on the right."""
        width = self.size.width
        items, palette = self.items()
        shown, right = fit_items(items, palette, width)
        # Greyed out as an opaque colour: the theme's is "auto NN%", which a span cannot blend.
        grey = theme_color(
            self.app.theme_variables or self.app.get_css_variables(), "text-disabled", "panel"
        )
        self._hits = []
        parts: list[Content] = [Content(" ")]
        x = 1
        for n, item in enumerate(shown):
            if n:
                parts.append(Content(" " * SEPARATOR))
                x += SEPARATOR
            parts.append(_item_content(item, grey))
            self._hits.append((x, x + item.width, item))
            x += item.width
        self.shown = tuple(shown)
        if right is not None:
            gap = max(SEPARATOR, width - x - right.width - 1)
            parts += [Content(" " * gap), _item_content(right, grey), Content(" ")]
            self._hits.append((x + gap, x + gap + right.width, right))
            self.shown += (right,)
        return Content.assemble(*parts)

    def on_click(self, event: events.Click) -> None:
        """A click on a key does what the key does (a greyed action key says why)."""
        for start, end, item in self._hits:
            if start <= event.x < end:
                event.stop()
                if item.binding_id == "palette":
                    self.app.action_command_palette()
                else:
                    self.app.simulate_key(item.key)
                return


def _item_content(item: KeyItem, grey: str) -> Content:
    """A key in the accent colour and its label; both greyed out when disabled."""
    if item.enabled:
        markup = f"[b $text-accent]{escape(item.display)}[/] {escape(item.label)}"
    else:
        markup = f"[{grey}]{escape(item.display)} {escape(item.label)}[/]"
    return Content.from_markup(markup)
