"""A pane of core rows with a filter input and a sortable table: what every pane shares.

The main screen's panes and the organization screen's subclass it with their own data, rows
and titles; the filter and sort keys behave the same everywhere because they live here once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.containers import Vertical
from textual.widgets import Input

from iamtui.core.text import printable
from iamtui.core.views import Column, Row, sort_rows
from iamtui.ui.widgets.table import RowTable


class FilteredPane(Vertical):
    """Filter text, sort column and order over one RowTable; subclasses say what is shown."""

    def __init__(self, *, id: str, sort_column: int | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.query_text = ""
        self.sort_column = sort_column
        self.sort_reverse = False
        self._sorted: list[Row] = []
        self.shown: list[Row] = []

    # -- what a subclass provides -----------------------------------------------------------

    def pane_columns(self) -> Sequence[Column]:
        """The columns the rows are sorted by."""
        raise NotImplementedError

    def pane_rows(self) -> Sequence[Row]:
        """Every row, in default order, before filtering."""
        raise NotImplementedError

    def refill(self, keep: str | None = None, *, filtered: bool = False) -> None:
        """Filter the sorted rows and hand them to the table."""
        raise NotImplementedError

    # -- shared -------------------------------------------------------------------------------

    @property
    def table(self) -> RowTable:
        """This pane's table."""
        return self.query_one(RowTable)

    @property
    def filter_input(self) -> Input:
        """This pane's filter input."""
        return self.query_one(Input)

    def on_mount(self) -> None:
        """The filter shows on ``/``."""
        self.filter_input.display = False
        self.filter_input.cursor_blink = not self.app.is_headless

    def _resort(self) -> None:
        self._sorted = sort_rows(self.pane_rows(), self.sort_column, self.sort_reverse)

    def filter_and_sort_bits(self) -> list[str]:
        """The subtitle's words for the filter and the sort (a subclass adds its own)."""
        bits: list[str] = []
        if self.query_text:
            bits.append(f"filter '{printable(self.query_text)}'")
        if self.sort_column is not None:
            arrow = "▼" if self.sort_reverse else "▲"
            bits.append(f"sort {self.pane_columns()[self.sort_column].label} {arrow}")
        return bits

    def open_filter(self) -> None:
        """Show the filter input and focus it."""
        self.filter_input.display = True
        self.filter_input.focus()

    def clear_filter(self) -> bool:
        """Clear and hide the filter; False when there was nothing to clear."""
        had = bool(self.query_text) or self.filter_input.display
        self.query_text = ""
        self.filter_input.value = ""
        self.filter_input.display = False
        self.refill()
        self.table.focus()
        return had

    def set_query(self, query: str) -> None:
        """Filter to ``query`` (shown in the input)."""
        self.query_text = query
        if self.filter_input.value != query:
            self.filter_input.value = query
        if query:
            self.filter_input.display = True
        self.refill(filtered=True)

    @on(Input.Changed, ".filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_text = event.value
        self.refill(filtered=True)

    @on(Input.Submitted, ".filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            self.filter_input.display = False
        self.table.focus()

    def cycle_sort(self, column: int | None = None) -> None:
        """Next sort column (or the given one; the same one again reverses)."""
        if column is None:
            count = len(self.pane_columns()) or 1
            self.sort_column = 0 if self.sort_column is None else (self.sort_column + 1) % count
            self.sort_reverse = False
        elif column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        self._resort()
        self.refill()

    def reverse_sort(self) -> None:
        """Flip the sort order."""
        if self.sort_column is None:
            self.sort_column = 0
        else:
            self.sort_reverse = not self.sort_reverse
        self._resort()
        self.refill()

    @on(RowTable.HeaderClicked)
    def _header_clicked(self, event: RowTable.HeaderClicked) -> None:
        event.stop()
        self.cycle_sort(event.column)


class FilterSortKeys:
    """A screen's filter and sort key actions on its current :class:`FilteredPane`."""

    if TYPE_CHECKING:

        @property
        def current_pane(self) -> FilteredPane:
            """The pane the keys act on."""

        def refresh_bindings(self) -> None:
            """Screen's: the key bar follows the filter."""

    def action_filter(self) -> None:
        """Open the current pane's filter."""
        self.current_pane.open_filter()
        self.refresh_bindings()

    def action_clear_filter(self) -> None:
        """Clear the current pane's filter."""
        self.current_pane.clear_filter()
        self.refresh_bindings()

    def action_sort(self) -> None:
        """Cycle the sort column."""
        self.current_pane.cycle_sort()

    def action_reverse_sort(self) -> None:
        """Reverse the sort order."""
        self.current_pane.reverse_sort()
