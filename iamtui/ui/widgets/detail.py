"""Rendering of the core's ``Detail``/``Field`` structures as rich renderables in theme colours."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.style import Style
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import Vertical
from textual.markup import escape
from textual.widgets import Static

from iamtui.core.model import PolicyDocument
from iamtui.core.text import printable
from iamtui.core.views import Detail, Field, Section, pretty_json

#: Tone -> theme variable; resolved against the current theme at render time.
TONE_VARIABLES: Mapping[str, str] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "primary",
    "info": "text-muted",
    "ok": "success",
    "warn": "warning",
    "bad": "error",
    "muted": "text-muted",
    "label": "text-muted",
    "text": "text",
    "accent": "text-accent",
    "primary": "text-primary",
}
BOLD_TONES = frozenset({"critical", "high", "bad", "accent"})


def lines(value: str) -> str:
    """A field value made safe line by line: the view's own line breaks stay breaks (a journal
    step is description, call, outcome), every other control character is shown escaped."""
    return "\n".join(printable(line) for line in value.split("\n"))


def theme_color(variables: Mapping[str, str], name: str, background: str = "surface") -> str:
    """A theme variable as an opaque hex colour (``auto 60%`` and alpha blended on the bg)."""
    bg = Color.parse(variables.get(background, "#000000"))
    value = variables.get(name, "").strip()
    try:
        if value.startswith("auto"):
            parts = value.split()
            alpha = float(parts[1].rstrip("%")) / 100 if len(parts) > 1 else 0.95
            return (bg + bg.get_contrast_text(alpha)).hex
        return (bg + Color.parse(value)).hex
    except Exception:  # an unexpected theme value: fall back to the contrast colour
        return bg.get_contrast_text(0.87).with_alpha(1).hex


def tone_styles(app: App[Any], background: str = "surface") -> dict[str, Style]:
    """Rich styles for tones in the app's current theme."""
    variables = app.get_css_variables()
    return {
        tone: Style(color=theme_color(variables, variable, background), bold=tone in BOLD_TONES)
        for tone, variable in TONE_VARIABLES.items()
    }


def fields_table(
    fields: Iterable[Field], styles: Mapping[str, Style], label_width: int | None = None
) -> Table:
    """Label/value pairs in two columns; values wrap, labels stay as narrow as they can."""
    items = list(fields)
    if label_width is None:
        label_width = min(20, max((len(f.label) for f in items), default=0))
    grid = Table.grid(padding=(0, 1), expand=True)
    if label_width:
        grid.add_column(width=label_width, no_wrap=True, overflow="ellipsis")
    grid.add_column(ratio=1, overflow="fold")
    for f in items:
        value = Text(lines(f.value), style=styles.get(f.tone, styles["text"]))
        if label_width:
            grid.add_row(Text(printable(f.label), style=styles["label"]), value)
        else:
            grid.add_row(value)
    return grid


def section_block(section: Section, styles: Mapping[str, Style]) -> RenderableType:
    """A section heading and its fields (fields without labels read as paragraphs)."""
    body: RenderableType
    if all(not f.label for f in section.fields):
        body = Group(
            *(
                Text(lines(f.value), style=styles.get(f.tone, styles["text"]))
                for f in section.fields
            )
        )
    else:
        body = fields_table(section.fields, styles)
    return Group(Text(printable(section.title).upper(), style=styles["accent"]), body)


def render_sections(
    sections: Sequence[Section], styles: Mapping[str, Style], columns: int = 1
) -> RenderableType:
    """Sections stacked (columns=1) or side by side; extra sections stack in the last column."""
    if columns <= 1 or len(sections) <= 1:
        parts: list[RenderableType] = []
        for n, section in enumerate(sections):
            if n:
                parts.append(Text(""))
            parts.append(section_block(section, styles))
        return Group(*parts)
    count = min(columns, len(sections))
    grid = Table.grid(padding=(0, 3), expand=True)
    for n in range(count):
        grid.add_column(ratio=3 if n == 0 else 2)
    cells: list[RenderableType] = [section_block(s, styles) for s in sections[: count - 1]]
    rest = sections[count - 1 :]
    cells.append(render_sections(rest, styles, 1))
    grid.add_row(*cells)
    return grid


def render_detail(detail: Detail, styles: Mapping[str, Style], columns: int = 1) -> RenderableType:
    """A detail: its title, then its sections."""
    title = Text(
        printable(detail.title), style=styles.get(detail.tone, styles["text"]) + Style(bold=True)
    )
    return Group(title, Text(""), render_sections(detail.sections, styles, columns))


class DetailPanel(Vertical):
    """The panel under each table describing the highlighted row, sections side by side."""

    DEFAULT_CSS = """
    DetailPanel {
        height: 13;
        padding: 0 1;
        border: round $panel-lighten-2;
        border-title-color: $text-accent;
        border-title-style: bold;
        background: $surface;
    }
    DetailPanel > Static { width: 100%; height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._body = Static("", markup=False)
        self._detail: Detail | None = None

    def compose(self) -> ComposeResult:
        """One Static holds the rendered detail."""
        yield self._body

    def show(self, detail: Detail | None) -> None:
        """Render a detail (None clears the panel)."""
        self._detail = detail
        self.rerender()

    def rerender(self) -> None:
        """Render again (the theme changed)."""
        detail = self._detail
        if detail is None:
            self.border_title = "Details"
            self._body.update("", layout=False)
            return
        styles = tone_styles(self.app)
        self.border_title = escape(printable(detail.title))
        columns = max(1, min(4, (self.size.width or 120) // 34))
        # Fixed height: no layout pass per cursor move.
        self._body.update(render_sections(detail.sections, styles, columns), layout=False)

    def on_resize(self) -> None:
        """The number of side-by-side sections depends on the width."""
        self.rerender()


def json_syntax(document: PolicyDocument | None, app: App[Any]) -> Syntax:
    """A policy document as pretty, highlighted JSON in the app's theme colours."""
    dark = app.current_theme.dark
    background = app.get_css_variables().get("surface", "default")
    return Syntax(
        pretty_json(document),
        "json",
        theme="github-dark" if dark else "default",
        background_color=background,
        word_wrap=True,
        indent_guides=True,
    )
