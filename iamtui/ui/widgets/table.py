"""A virtualized, keyed table over core rows: only visible lines are rendered.

Textual's DataTable needs about 1.5 s to refill 10,000 rows (measured here with 8.2.8), so a
filter keystroke could not redraw in under 100 ms. This table keeps the core's ``Row`` list as
its model and renders lines on demand (the Line API), so refilling costs one list assignment.
It keeps what a DataTable offers that we use: stable row keys, a row cursor that follows its
key across refills, a sortable header (click or key), per-cell tones, marked rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from iamtui.core.text import printable
from iamtui.core.views import Column, Row

GAP = 2
MARK_WIDTH = 2
TONES = ("critical", "high", "medium", "low", "info", "ok", "warn", "bad", "muted")


def fit(text: str, width: int) -> str:
    """Pad or cut ``text`` to exactly ``width`` cells, with an ellipsis when cut."""
    if width <= 0:
        return ""
    text = printable(text)  # values come from AWS or a file: never let them drive the terminal
    size = cell_len(text) if not text.isascii() else len(text)
    if size <= width:
        return text + " " * (width - size)
    return set_cell_size(text, width - 1) + "…"


def layout_widths(
    columns: Sequence[Column], natural: Sequence[int], available: int, gap: int = GAP
) -> list[int]:
    """Fit natural widths into ``available`` cells: flex columns take what is left over."""
    widths = list(natural) if natural else [len(c.label) + 2 for c in columns]
    if not columns:
        return []
    total = sum(widths) + gap * (len(columns) - 1)
    flex = [i for i, c in enumerate(columns) if c.flex] or [len(columns) - 1]
    if total < available:
        extra = available - total
        for n, i in enumerate(flex):
            share = extra // len(flex) + (1 if n < extra % len(flex) else 0)
            widths[i] += share
        return widths
    over = total - available
    # Take one cell at a time from the column with the most room above its minimum, so
    # truncation is spread instead of wiping out one column.
    while over > 0:
        i = max(range(len(widths)), key=lambda j: widths[j] - columns[j].min_width)
        if widths[i] <= columns[i].min_width:
            break
        widths[i] -= 1
        over -= 1
    return widths


class RowTable(ScrollView, can_focus=True):
    """A keyboard-first table of core rows with a sticky header and a row cursor."""

    COMPONENT_CLASSES = {
        "rowtable--header",
        "rowtable--header-sorted",
        "rowtable--cursor",
        "rowtable--cursor-blurred",
        "rowtable--group",
        "rowtable--dim",
        "rowtable--marked",
        "rowtable--empty",
        "rowtable--odd",
        *(f"rowtable--{tone}" for tone in TONES),
    }

    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        color: $text;
        scrollbar-gutter: stable;
        overflow-x: hidden;
        & > .rowtable--header { text-style: bold; color: $text-accent; }
        & > .rowtable--header-sorted { text-style: bold underline; color: $accent; }
        & > .rowtable--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
        & > .rowtable--cursor-blurred { background: $panel; }
        & > .rowtable--group { text-style: bold; background: $panel 45%; }
        & > .rowtable--dim { color: $foreground 45%; }
        & > .rowtable--marked { background: $accent 25%; }
        & > .rowtable--empty { color: $foreground 65%; text-style: italic; }
        & > .rowtable--odd { background: $boost; }
        & > .rowtable--critical { color: $error; text-style: bold reverse; }
        & > .rowtable--high { color: $error; text-style: bold; }
        & > .rowtable--medium { color: $warning; }
        & > .rowtable--low { color: $primary; }
        & > .rowtable--info { color: $foreground 65%; }
        & > .rowtable--ok { color: $success; }
        & > .rowtable--warn { color: $warning; }
        & > .rowtable--bad { color: $error; text-style: bold; }
        & > .rowtable--muted { color: $foreground 65%; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="table-up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table-down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="table-page-up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="table-page-down"),
        Binding("home,g", "first", "First row", show=False, id="table-first"),
        Binding("end,G", "last", "Last row", show=False, id="table-last"),
        Binding("enter", "select", "Open", id="table-open"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        """The cursor moved to another row (or the rows changed under it)."""

        def __init__(self, table: RowTable, row: Row | None) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> RowTable:
            """The table that sent this."""
            return self.table

    class Selected(Message):
        """``enter`` or a double click on a row."""

        def __init__(self, table: RowTable, row: Row) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> RowTable:
            """The table that sent this."""
            return self.table

    class HeaderClicked(Message):
        """A click on a column header (to sort by it)."""

        def __init__(self, table: RowTable, column: int) -> None:
            super().__init__()
            self.table = table
            self.column = column

        @property
        def control(self) -> RowTable:
            """The table that sent this."""
            return self.table

    def __init__(
        self,
        columns: Sequence[Column] = (),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        show_marks: bool = True,
        zebra: bool = False,
        gap: int = GAP,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns: tuple[Column, ...] = tuple(columns)
        self.rows: Sequence[Row] = ()
        self.natural: tuple[int, ...] = ()
        self.widths: list[int] = []
        self.marked: Collection[str] = frozenset()
        self.sort_column: int | None = None
        self.sort_reverse = False
        self.empty_text = ""
        self.show_marks = show_marks
        self.zebra = zebra
        self.gap = gap
        self._index: dict[str, int] = {}
        self._last_highlight: object = object()

    # -- model ----------------------------------------------------------------------------

    def set_rows(
        self,
        rows: Sequence[Row],
        *,
        columns: Sequence[Column] | None = None,
        natural: Sequence[int] | None = None,
        keep: str | None = None,
        empty_text: str | None = None,
        filtered: bool = False,
    ) -> None:
        """Replace the rows; the cursor stays on the row with key ``keep`` (default: current).

        When that row is gone, the cursor stays at its place (a deleted role: the next row
        took it), or, ``filtered`` (the rows are a new filter's matches), goes to the first.
        """
        current = keep if keep is not None else self.cursor_key
        was_at = self.cursor
        if columns is not None:
            self.columns = tuple(columns)
        if natural is not None:
            self.natural = tuple(natural)
        if empty_text is not None:
            self.empty_text = empty_text
        self.rows = rows
        self._index = {}
        self._relayout()
        if (
            current is not None
            and 0 <= self.cursor < len(rows)
            and rows[self.cursor].key == current
        ):
            target: int | None = self.cursor  # a patch left the cursor's row where it was
        else:
            target = self.index_of(current) if current is not None else None
        if target is None and current is not None and rows and not filtered:
            # The row went (a deleted role): stay at its place, on the row that took it.
            place = min(was_at, len(rows) - 1)
            target = self._first_selectable(place, 1)
            if target is None:
                target = self._first_selectable(place, -1)
        if target is None:
            target = self._first_selectable(0, 1)
        self.set_cursor(target if target is not None else 0, scroll="center")

    def index_of(self, key: str) -> int | None:
        """The row index of a key (built lazily: most refills never need it)."""
        if not self._index and self.rows:
            self._index = {r.key: i for i, r in enumerate(self.rows)}
        return self._index.get(key)

    @property
    def cursor_row(self) -> Row | None:
        """The row under the cursor, or None when empty."""
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor."""
        row = self.cursor_row
        return row.key if row is not None else None

    def set_marked(self, marked: Collection[str]) -> None:
        """Which row keys are marked (selected for batch actions)."""
        self.marked = marked
        self.refresh()

    def set_sort(self, column: int | None, reverse: bool) -> None:
        """Show which column the rows are sorted by (the caller sorts)."""
        self.sort_column, self.sort_reverse = column, reverse
        self.refresh(self._header_region())

    # -- cursor ---------------------------------------------------------------------------

    @property
    def body_height(self) -> int:
        """Visible row lines (the header takes one)."""
        return max(1, self.scrollable_content_region.height - 1)

    def set_cursor(self, index: int, *, scroll: str = "nearest") -> None:
        """Move the cursor and keep it visible."""
        count = len(self.rows)
        index = max(0, min(index, count - 1)) if count else 0
        self.cursor = index
        self._scroll_to_cursor(center=scroll == "center")

    def _scroll_to_cursor(self, center: bool = False) -> None:
        height = self.body_height
        top = round(self.scroll_y)
        if center and not (top <= self.cursor < top + height):
            self.scroll_to(y=max(0, self.cursor - height // 2), animate=False, immediate=True)
        elif self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def watch_cursor(self, old: int, new: int) -> None:
        """Redraw the two affected lines and tell the pane what is highlighted."""
        self.refresh()
        row = self.cursor_row
        marker = (row.key if row else None, id(self.rows))
        if marker != self._last_highlight:
            self._last_highlight = marker
            self.post_message(self.Highlighted(self, row))

    def _first_selectable(self, start: int, step: int) -> int | None:
        i = start
        while 0 <= i < len(self.rows):
            if not self.rows[i].span:
                return i
            i += step
        return None

    def _move(self, delta: int) -> None:
        if not self.rows:
            return
        target = max(0, min(len(self.rows) - 1, self.cursor + delta))
        step = 1 if delta > 0 else -1
        found = self._first_selectable(target, step)
        if found is None:
            found = self._first_selectable(target, -step)
        self.set_cursor(found if found is not None else target)

    def action_cursor_up(self) -> None:
        """One row up (section headers are skipped)."""
        self._move(-1)

    def action_cursor_down(self) -> None:
        """One row down."""
        self._move(1)

    def action_page_up(self) -> None:
        """One screen up."""
        self._move(-self.body_height)

    def action_page_down(self) -> None:
        """One screen down."""
        self._move(self.body_height)

    def action_first(self) -> None:
        """The first row."""
        self._move(-len(self.rows))

    def action_last(self) -> None:
        """The last row."""
        self._move(len(self.rows))

    def action_select(self) -> None:
        """Open the row under the cursor."""
        row = self.cursor_row
        if row is not None:
            self.post_message(self.Selected(self, row))

    # -- mouse ----------------------------------------------------------------------------

    # A click puts the cursor on the row (a section header: the first row under it), a double
    # click opens it like enter; a single click never opens, so clicking into a table to focus
    # it is safe. The wheel scrolls the view (ScrollView) and leaves the cursor where it is.

    def on_click(self, event: events.Click) -> None:
        """Header: sort by that column; row: cursor there; double click: open it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            column = self._column_at(offset.x)
            if column is not None:
                self.post_message(self.HeaderClicked(self, column))
            return
        index = round(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self.rows):
            self.focus()
            if self.rows[index].span:
                found = self._first_selectable(index, 1)
                if found is None:
                    return
                self.set_cursor(found)
                return  # a header opens nothing
            self.set_cursor(index)
            if event.chain >= 2:
                self.action_select()

    def _column_at(self, x: int) -> int | None:
        pos = MARK_WIDTH if self.show_marks else 1
        for i, width in enumerate(self.widths):
            if pos <= x < pos + width + self.gap:
                return i
            pos += width + self.gap
        return None

    # -- layout and rendering --------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        """Refit the columns to the new width."""
        self._relayout()

    def _relayout(self) -> None:
        available = self.scrollable_content_region.width or self.size.width
        lead = (MARK_WIDTH if self.show_marks else 1) + 1  # one cell of air on the right
        self.widths = layout_widths(self.columns, self.natural, max(10, available - lead), self.gap)
        total = lead + sum(self.widths) + self.gap * max(0, len(self.widths) - 1)
        self.virtual_size = Size(min(total, available or total), len(self.rows) + 1)
        self.refresh()

    def _header_region(self) -> Region:
        return Region(0, 0, self.size.width, 1)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"rowtable--{name}", partial=True)

    def render_line(self, y: int) -> Strip:
        """Line 0 is the header; the rest are rows from the scroll position down."""
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return self._render_header(width, base)
        index = round(self.scroll_y) + y - 1
        if not self.rows:
            if y == 2 and self.empty_text:
                text = fit("  " + self.empty_text, width)
                return Strip([Segment(text, base + self._style("empty"))], width)
            return Strip.blank(width, base)
        if index >= len(self.rows):
            return Strip.blank(width, base)
        return self._render_row(self.rows[index], index, width, base)

    def _render_header(self, width: int, base: Style) -> Strip:
        header = base + self._style("header")
        sorted_style = base + self._style("header-sorted")
        lead = MARK_WIDTH if self.show_marks else 1
        segments = [Segment(" " * lead, header)]
        for i, (column, w) in enumerate(zip(self.columns, self.widths, strict=False)):
            label = column.label
            if i == self.sort_column:
                label += " ▼" if self.sort_reverse else " ▲"
            style = sorted_style if i == self.sort_column else header
            segments.append(Segment(fit(label, w), style))
            segments.append(Segment(" " * self.gap, header))
        return Strip(segments).adjust_cell_length(width, header)

    def _render_row(self, row: Row, index: int, width: int, base: Style) -> Strip:
        is_cursor = index == self.cursor
        row_style = base
        if self.zebra and index % 2:
            row_style += self._style("odd")
        if row.span:
            row_style += self._style("group")
        marked = row.key in self.marked
        if marked:
            row_style += self._style("marked")
        if row.dim:
            row_style += self._style("dim")
        cursor_style: Style | None = None
        if is_cursor:
            cursor_style = self._style("cursor" if self.has_focus else "cursor-blurred")
        lead = MARK_WIDTH if self.show_marks else 1
        mark = ("●" if marked else " ") + " " * (lead - 1)
        segments = [Segment(mark, row_style + self._style("ok") if marked else row_style)]
        if row.span:
            tone = row.tones[0] if row.tones else ""
            tone = "high" if tone == "critical" else tone
            style = row_style + (self._style(tone) if tone in TONES else Style())
            text = fit(row.cells[0] if row.cells else "", width - lead)
            segments.append(Segment(text, style + cursor_style if cursor_style else style))
            return Strip(segments).adjust_cell_length(width, row_style)
        tones = row.tones
        for i, w in enumerate(self.widths):
            cell = row.cells[i] if i < len(row.cells) else ""
            tone = tones[i] if i < len(tones) else ""
            if tone == "critical" and cursor_style is not None:
                tone = "high"
            style = row_style
            if tone in TONES and not row.dim:
                style = style + self._style(tone)
            if cursor_style is not None:
                style = style + cursor_style
            text = fit(cell, w)
            word = cell.strip()
            previous = segments[-1]
            if (
                tone == "critical"
                and not row.dim
                and len(word) + 1 <= w
                and previous.text.endswith(" ")
                and not previous.text.strip()
            ):
                # A reversed badge as wide as the word plus a space each side; the left space
                # is taken from the gap before it, so the word stays aligned with the column.
                segments[-1] = Segment(previous.text[:-1], previous.style)
                segments.append(Segment(f" {word} ", style))
                segments.append(Segment(" " * max(0, w - len(word) - 1), row_style))
            else:
                segments.append(Segment(text, style))
            gap_style = row_style + cursor_style if cursor_style is not None else row_style
            segments.append(Segment(" " * self.gap, gap_style))
        fill = row_style + cursor_style if cursor_style is not None else row_style
        return Strip(segments).adjust_cell_length(width, fill)

    def on_focus(self) -> None:
        """The cursor colour shows which table has focus."""
        self.refresh()

    def on_blur(self) -> None:
        """Dim the cursor when focus leaves."""
        self.refresh()
