"""Command palette entries: panes, reload, theme, help, quit, open any user or role by name,
the actions that apply to the highlighted row (or selection), undo, root hardening."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from iamtui.core.views import Pane

if TYPE_CHECKING:
    from iamtui.ui.app import IamtuiApp

#: Fuzzy matching every principal is costly at 10,000: wait for this many characters.
MIN_PRINCIPAL_QUERY = 2
#: At most this many principal hits per query.
MAX_PRINCIPAL_HITS = 40


class IamtuiCommands(Provider):
    """The main commands, then users and roles matched fuzzily by name."""

    @property
    def iamtui(self) -> IamtuiApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def main_commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.iamtui
        if not app.in_account:  # the organization screen, no account open: no account commands
            return [
                (
                    "Toggle light/dark theme",
                    app.action_toggle_dark,
                    "Switch between dark and light",
                ),
                ("Switch theme…", app.action_change_theme, "Pick any Textual theme"),
                ("Help: keys", app.action_help, "Every key binding"),
                ("Quit", app.action_quit, "Leave iamtui"),
            ]
        commands: list[tuple[str, Callable[[], object], str]] = [
            (f"Go to {pane.label}", partial(app.goto_pane, pane), f"Show the {pane.label} pane")
            for pane in Pane
        ]
        commands += self.action_commands()
        if app.org is not None:
            commands.append(
                ("Back to accounts", app.back_to_org, "Close this account; show the organization")
            )
        commands += [
            ("Harden root…", app.action_harden_root, "Root hardening, step by step"),
            ("Verify journal", app.action_verify_journal, "Check the undo journal's hash chain"),
            (
                "Progress since the last saved snapshot",
                app.action_progress,
                "Findings fixed and new, principals added and removed, journal changes",
            ),
            ("Reload account", app.action_reload, "Load the whole account again"),
            ("Toggle light/dark theme", app.action_toggle_dark, "Switch between dark and light"),
            ("Switch theme…", app.action_change_theme, "Pick any Textual theme"),
            ("Help: keys", app.action_help, "Every key binding"),
            ("Quit", app.action_quit, "Leave iamtui"),
        ]
        return commands

    def action_commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """What can be done to the row (or selection) of the screen the palette opened on."""
        from iamtui.ui.screens.main import MainScreen
        from iamtui.ui.screens.review import ReviewScreen

        app = self.iamtui
        screen = self.screen
        if not isinstance(screen, MainScreen | ReviewScreen):
            return []
        try:
            choices = screen.choices()
        except Exception:
            return []
        commands: list[tuple[str, Callable[[], object], str]] = [
            (f"Action: {choice.title}", partial(app.run_choice, choice), choice.help)
            for choice in choices
        ]
        if isinstance(screen, MainScreen):
            entry = screen.current_entry()
            if entry is not None:
                verb = "Roll back" if entry.status == "interrupted" else "Undo"
                commands.append(
                    (
                        f"Action: {verb} journal entry {entry.id}",
                        partial(app.undo_entry, entry),
                        entry.summary,
                    )
                )
        return commands

    async def discover(self) -> Hits:
        """Shown before typing."""
        for name, callback, help_text in self.main_commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Commands, then principals, fuzzily."""
        matcher = self.matcher(query)
        for name, callback, help_text in self.main_commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
        state = self.iamtui.workspace.state if self.iamtui.in_account else None
        if state is None or len(query.strip()) < MIN_PRINCIPAL_QUERY:
            return
        words = query.lower().split()
        needle = words[-1] if words and words[0] in ("open", "user", "role") else query.lower()
        needle = needle.replace(" ", "")
        hits = 0
        for kind, name in state.views.principal_names():
            if not _subsequence(needle, name.lower()):
                continue
            text = f"Open {kind} {name}"
            score = matcher.match(text)
            if score <= 0:
                score = 0.1
            yield Hit(
                score,
                matcher.highlight(text),
                partial(self.iamtui.open_principal, kind, name),
                help=f"Review this {kind}",
            )
            hits += 1
            if hits >= MAX_PRINCIPAL_HITS:
                return


def _subsequence(needle: str, haystack: str) -> bool:
    """Cheap prefilter: every character of ``needle`` appears in order in ``haystack``."""
    it = iter(haystack)
    return all(ch in it for ch in needle)
