"""The Overview pane: the core's :class:`Overview` figures drawn as text bar charts.

Nothing is counted here: :func:`iamtui.core.views.overview.compute` did that, from the same data
the other panes show. Each card sizes its bars to the width it gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.widget import Widget

from iamtui.core.text import printable
from iamtui.core.views import Bar, Overview, age_text, exact
from iamtui.core.views.overview import bar_text
from iamtui.ui.widgets.detail import TONE_VARIABLES

#: Widest label column of a chart; longer labels end in an ellipsis.
MAX_LABEL = 44
#: Narrowest bar a long label may leave.
MIN_BAR = 10


@dataclass(frozen=True, slots=True)
class Note:
    """A line of text in a card (a fact, or a hint), with its tone."""

    text: str
    tone: str = ""
    label: str = ""


Line = Bar | Note


def _styled(text: str, tone: str) -> str:
    safe = escape(printable(text))
    variable = TONE_VARIABLES.get(tone)
    return f"[${variable}]{safe}[/]" if variable and tone != "text" else safe


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def render_lines(lines: Sequence[Line], width: int) -> Content:
    """One card's lines at ``width`` cells: label, bar, count for bars; label, text for notes."""
    bars = [line for line in lines if isinstance(line, Bar)]
    top = max((b.count for b in bars), default=0)
    count_w = max((len(str(b.count)) for b in bars), default=1)
    longest = max((len(line.label) for line in lines), default=0)
    label_w = max(0, min(MAX_LABEL, longest, width - count_w - 2 - MIN_BAR))
    bar_w = max(1, width - label_w - count_w - 2)
    out: list[str] = []
    for line in lines:
        label = _fit(line.label, label_w).ljust(label_w) if label_w and line.label else ""
        head = _styled(label, "label") + " " if label else ""
        if isinstance(line, Bar):
            drawn = bar_text(line.count, top, bar_w)
            body = _styled(drawn.ljust(bar_w), line.tone or "primary")
            out.append(f"{head}{body} {str(line.count).rjust(count_w)}")
        else:
            room = width - len(label) - 1 if label else width
            out.append(head + _styled(_fit(line.text, room), line.tone))
    return Content.from_markup("\n".join(out))


class Card(Widget):
    """A bordered box of chart lines with a title."""

    DEFAULT_CSS = """
    Card {
        height: auto;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        border-title-style: bold;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.lines: tuple[Line, ...] = ()

    def set_lines(self, title: str, lines: Sequence[Line]) -> None:
        """New title and lines (relayout when the number of lines changed)."""
        self.border_title = escape(printable(title))
        grew = len(lines) != len(self.lines)
        self.lines = tuple(lines)
        self.refresh(layout=grew)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        """One row per line."""
        return max(1, len(self.lines))

    def render(self) -> Content:
        """The lines at the width this card got."""
        return render_lines(self.lines, self.content_size.width)


def _flag(label: str, value: bool | None, words: tuple[str, str], good: bool) -> Note:
    """A root fact: ``words`` is (when true, when false); unknown without an account summary."""
    if value is None:
        return Note("unknown (no account summary)", "muted", label)
    return Note(words[0] if value else words[1], "ok" if value is good else "bad", label)


def cards(o: Overview, fetch_hint: str) -> dict[str, tuple[str, list[Line]]]:
    """Each card's title and lines, by widget id."""
    sev = list(o.severities)
    tail = [f"{o.suppressed} suppressed"]
    if o.not_evaluated:
        rules = "rule" if o.not_evaluated == 1 else "rules"
        tail.append(f"{o.not_evaluated} {rules} not evaluated")
    practices: list[Line] = list(o.practices) or [Note("no findings", "ok")]
    unused = o.unused_roles
    root = o.root
    fresh = o.freshness
    if fresh.report_generated_at is None:
        report = Note("none loaded", "warn", "Credential report")
    else:
        age = age_text(fresh.report_age)
        report = Note(f"{exact(fresh.report_generated_at)} ({age} old)", "", "Credential report")
    coverage_tone = "ok" if fresh.last_accessed == fresh.principals else "warn"
    la_lines: list[Line] = [
        Note(
            f"{fresh.last_accessed} of {fresh.principals} principals",
            coverage_tone,
            "Last-accessed",
        )
    ]
    if fresh.last_accessed < fresh.principals and fetch_hint:
        la_lines.append(Note(fetch_hint, "muted", ""))
    return {
        "overview-keys": (
            f"Access keys · {o.active_keys} active, by age",
            list(o.key_ages),
        ),
        "overview-severity": (
            f"Findings · {o.findings}, by severity",
            [*sev, Note(" · ".join(tail), "muted")],
        ),
        "overview-practice": ("Findings by best practice", practices),
        "overview-console": (
            f"Console users · {o.console_users} of {o.users} users",
            list(o.console_mfa),
        ),
        "overview-roles": (
            f"Roles · {o.roles}",
            [Bar("unused", unused, "warn"), Bar("used or new", o.roles - unused, "ok")],
        ),
        "overview-root": (
            "Root",
            [
                _flag("MFA", root.mfa, ("yes", "no"), good=True),
                _flag("Access keys", root.access_keys, ("present", "none"), good=False),
                Note(
                    f"{root.failing_checks} failing (Root pane)",
                    "bad" if root.failing_checks else "ok",
                    "Checks",
                ),
            ],
        ),
        "overview-data": (
            "Data freshness",
            [
                report,
                Note(
                    f"loaded {age_text(fresh.snapshot_age)} ago ({exact(fresh.loaded_at)})",
                    "",
                    "Account data",
                ),
                *la_lines,
            ],
        ),
    }


#: The cards of each column, left then right (so tall and short cards balance).
COLUMNS = (
    ("overview-keys", "overview-practice", "overview-data"),
    ("overview-severity", "overview-console", "overview-roles", "overview-root"),
)


class OverviewPane(VerticalScroll):
    """The account at a glance: a grid of chart cards, redrawn when the figures change."""

    DEFAULT_CSS = """
    OverviewPane { height: 1fr; }
    OverviewPane > Horizontal { height: auto; }
    OverviewPane > Horizontal > Vertical { width: 1fr; height: auto; }
    OverviewPane > Horizontal > Vertical:first-of-type { margin-right: 1; }
    """

    def __init__(self, overview: Overview, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.overview = overview
        self.fetch_hint = ""

    def compose(self) -> ComposeResult:
        """Every card, empty until mounted."""
        with Horizontal():
            for column in COLUMNS:
                with Vertical():
                    for card_id in column:
                        yield Card(id=card_id)

    def on_mount(self) -> None:
        """Draw the first figures once the cards are up (``show`` skips unchanged figures)."""
        self.call_after_refresh(self._draw)

    def show(self, overview: Overview, fetch_hint: str | None = None) -> None:
        """New figures (nothing redrawn when they are the same)."""
        hint = self.fetch_hint if fetch_hint is None else fetch_hint
        if overview == self.overview and hint == self.fetch_hint:
            return
        self.overview, self.fetch_hint = overview, hint
        self._draw()

    def _draw(self) -> None:
        shown = {card.id: card for card in self.query(Card) if card.is_mounted}
        for card_id, (title, lines) in cards(self.overview, self.fetch_hint).items():
            if card_id in shown:
                shown[card_id].set_lines(title, lines)
