"""Pure row builders for the TUI's panes and review screen: the UI only draws what these return.

Everything a pane shows is computed here, once per data change and off the UI thread: display
text (humanized ages), raw sort values, a lower-case search text, a tone per cell (severity or
ok/warn/bad) and a stable key per row. Filtering and sorting work on these rows, never on
widgets, so 10,000 principals filter in milliseconds. No Textual import: this is the core.

Modules: ``table`` (rows, columns, filter and sort), ``format`` (dates, ages, evidence), one
module per pane (``overview``, ``findings``, ``users``, ``roles``, ``keys``, ``root``, ``journal``),
``details`` (the detail panel), ``review`` (the principal review) and ``panes`` (:class:`Views`,
all panes of one state, and their patches). Every public name is importable from here.
"""

from __future__ import annotations

from iamtui.core.views.details import Detail, Field, Section
from iamtui.core.views.findings import FINDING_COLUMNS, SEVERITY_GROUP_ORDER
from iamtui.core.views.format import (
    age_cell,
    age_text,
    ago,
    evidence_text,
    exact,
    finding_cell,
    pretty_json,
    report_ago,
    report_exact,
    report_text,
    severity_cell,
)
from iamtui.core.views.journal import (
    JOURNAL_COLUMNS,
    JournalData,
    describe_entry,
    entry_before,
    entry_steps,
    entry_time,
    entry_tone,
)
from iamtui.core.views.keys import KEY_COLUMNS, KeySlot
from iamtui.core.views.overview import Bar, Freshness, Overview, RootStatus
from iamtui.core.views.panes import HeaderInfo, Views, header_info
from iamtui.core.views.review import (
    REVIEW_ACCESS_COLUMNS,
    REVIEW_FINDING_COLUMNS,
    REVIEW_KEY_COLUMNS,
    REVIEW_POLICY_COLUMNS,
    PolicyLine,
    Review,
)
from iamtui.core.views.rightsize import DiffLine, RightsizeView
from iamtui.core.views.roles import ROLE_COLUMNS
from iamtui.core.views.root import (
    ROOT_COLUMNS,
    STEP_STATUS_TEXT,
    STEP_STATUS_TONE,
    Check,
    evidence_lines,
)
from iamtui.core.views.table import (
    TABLE_PANES,
    Cell,
    Column,
    GroupSpec,
    Pane,
    PaneView,
    Row,
    RowKind,
    SortValue,
    arrange,
    cells,
    empty_message,
    filter_rows,
    natural_widths,
    sort_rows,
)
from iamtui.core.views.users import USER_COLUMNS

__all__ = [
    "FINDING_COLUMNS",
    "JOURNAL_COLUMNS",
    "KEY_COLUMNS",
    "REVIEW_ACCESS_COLUMNS",
    "REVIEW_FINDING_COLUMNS",
    "REVIEW_KEY_COLUMNS",
    "REVIEW_POLICY_COLUMNS",
    "ROLE_COLUMNS",
    "ROOT_COLUMNS",
    "SEVERITY_GROUP_ORDER",
    "STEP_STATUS_TEXT",
    "STEP_STATUS_TONE",
    "TABLE_PANES",
    "USER_COLUMNS",
    "Bar",
    "Cell",
    "Check",
    "Column",
    "Detail",
    "DiffLine",
    "Field",
    "Freshness",
    "GroupSpec",
    "HeaderInfo",
    "JournalData",
    "KeySlot",
    "Overview",
    "Pane",
    "PaneView",
    "PolicyLine",
    "Review",
    "RightsizeView",
    "RootStatus",
    "Row",
    "RowKind",
    "Section",
    "SortValue",
    "Views",
    "age_cell",
    "age_text",
    "ago",
    "arrange",
    "cells",
    "describe_entry",
    "empty_message",
    "entry_before",
    "entry_steps",
    "entry_time",
    "entry_tone",
    "evidence_lines",
    "evidence_text",
    "exact",
    "filter_rows",
    "finding_cell",
    "header_info",
    "natural_widths",
    "pretty_json",
    "report_ago",
    "report_exact",
    "report_text",
    "severity_cell",
    "sort_rows",
]
