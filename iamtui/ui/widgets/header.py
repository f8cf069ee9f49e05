"""The one-line header every screen shows: account, caller, data age, mode, fetch progress."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual.content import Content
from textual.markup import escape
from textual.widget import Widget

from iamtui.core.text import printable
from iamtui.core.views import header_info

if TYPE_CHECKING:
    from iamtui.ui.app import IamtuiApp


class AccountHeader(Widget):
    """Which account, as whom, how old the credential report is, and the mode (read-only...)."""

    DEFAULT_CSS = """
    AccountHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $text;
    }
    """

    def render(self) -> Content:
        """Built from the workspace at each refresh (the app refreshes it on every change)."""
        app: IamtuiApp = self.app  # type: ignore[assignment]
        ws = app.workspace
        info = header_info(ws.snapshot, ws.now(), ws.source_label, ws.is_offline, ws.mode_label)
        if ws.snapshot is None and not app.loading_account:
            info = replace(info, account="no account loaded")
        parts = [f" [b]{escape(printable(info.account))}[/]"]
        if info.age:
            parts.append(f"[$text-accent]{escape(info.age)}[/]")
        if info.caller:
            parts.append(escape(printable(info.caller)))
        main = app.main_screen
        progress = main.fetch_progress if main is not None else None
        if progress is not None:
            done, total = progress
            counted = f"{done} of {total}" if total else "starting"
            parts.insert(1, f"[b $text-warning]last-accessed {counted}…[/]")
        left = " [$text-muted]·[/] ".join(parts)
        if info.mode:
            badge = f"[b $text-warning on $warning 30%] {escape(info.mode)} [/]"
        else:
            badge = f"[$text-muted]{escape(printable(info.source))}[/] "
        right = Content.from_markup(badge)
        # The mode badge always shows; the left part gives way (ellipsis) on narrow terminals.
        room = max(10, self.size.width - right.cell_length - 1)
        content = Content.from_markup(left).truncate(room, ellipsis=True)
        gap = max(1, self.size.width - content.cell_length - right.cell_length)
        return Content.assemble(content, " " * gap, right)
