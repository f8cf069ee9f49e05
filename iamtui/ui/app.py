"""The iamtui Textual application: owns the workspace, runs every AWS call in thread workers.

Workers never touch widgets: they call the workspace's blocking methods and post messages.
The app applies each new :class:`State` to the screens on the UI thread.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from iamtui.core.loader import Cancelled, CancelToken, StepUpdate
from iamtui.core.model import Role, User
from iamtui.core.session import ConnectionProblem
from iamtui.core.views import Pane
from iamtui.core.workspace import Offline, State, Workspace
from iamtui.ui.commands import IamtuiCommands
from iamtui.ui.messages import FetchFailed, LoadFailed, LoadProgress, StateChanged
from iamtui.ui.widgets.header import AccountHeader

if TYPE_CHECKING:
    from iamtui.ui.screens.main import MainScreen

DEFAULT_THEME = "tokyo-night"
LIGHT_THEME = "textual-light"


class BlankScreen(Screen[None]):
    """What sits under the loading screen before anything is loaded."""

    def compose(self) -> ComposeResult:
        """Just the header."""
        yield AccountHeader()
        yield Static("")


class IamtuiApp(App[str | None]):
    """Review IAM credentials: panes of findings, users, roles, keys and root checks.

    The app's result is None on a normal quit, or the one-line error that ended it.
    """

    CSS_PATH = "app.tcss"
    TITLE = "iamtui"
    COMMANDS = App.COMMANDS | {IamtuiCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit-force"),
        Binding("ctrl+c", "help_quit", "Quit hint", show=False, system=True, id="quit-hint"),
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True, id="palette"),
        Binding("ctrl+t", "change_theme", "Theme", show=False, id="theme"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        *,
        open_principal: tuple[str, str] | None = None,
        theme: str | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.open_principal_on_load = open_principal
        self._initial_theme = theme or DEFAULT_THEME
        self._cancel: CancelToken | None = None
        self.loading_account = False
        #: (what, arn) of on-demand fetches in flight: "detail" or "last-accessed".
        self.fetching: set[tuple[str, str]] = set()
        #: Why an on-demand fetch failed, by (what, arn).
        self.fetch_errors: dict[tuple[str, str], str] = {}
        self.main_screen: MainScreen | None = None
        #: Seconds from the data being in memory to the main screen's first paint.
        self.first_paint_seconds: float | None = None
        self._loaded_at: float | None = None
        self.keymap: dict[str, str] = dict(workspace.settings.keymap)

    def get_default_screen(self) -> Screen[None]:
        """A blank screen with the header, under the loading screen."""
        return BlankScreen()

    def on_mount(self) -> None:
        """Theme, keymap, then the first load."""
        self.theme = self._initial_theme
        if self.keymap:
            self.set_keymap(self.keymap)
        self.start_load()

    # -- loading --------------------------------------------------------------------------

    def start_load(self) -> None:
        """Show the loading screen and load the account in a worker."""
        from iamtui.ui.screens.loading import LoadingScreen

        if self.loading_account:
            return
        self.loading_account = True
        self._cancel = CancelToken()
        self.push_screen(LoadingScreen(self.workspace.source_label))
        self._load_worker(self._cancel)

    def cancel_load(self) -> None:
        """Ask the running load to stop at its next check."""
        if self._cancel is not None:
            self._cancel.cancel()

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def _load_worker(self, token: CancelToken) -> None:
        """The overview load: every boto3 call of it runs on this thread."""

        def progress(update: StepUpdate) -> None:
            self.post_message(LoadProgress(update))

        try:
            state = self.workspace.load(progress=progress, cancel=token)
        except Cancelled:
            self.post_message(LoadFailed("load cancelled", cancelled=True))
        except ConnectionProblem as exc:
            self.post_message(LoadFailed(str(exc)))
        except Exception as exc:  # anything else must still reach the operator as one line
            self.post_message(LoadFailed(_one_line(exc)))
        else:
            self.post_message(StateChanged(state, "load"))

    def on_load_progress(self, message: LoadProgress) -> None:
        """Forward load progress to the loading screen."""
        from iamtui.ui.screens.loading import LoadingScreen

        if isinstance(self.screen, LoadingScreen):
            self.screen.update_step(message.update)

    def on_load_failed(self, message: LoadFailed) -> None:
        """Nothing loaded: error screen with retry/quit; a failed reload keeps the old data."""
        from iamtui.ui.screens.error import ErrorScreen
        from iamtui.ui.screens.loading import LoadingScreen

        self.loading_account = False
        if isinstance(self.screen, LoadingScreen):
            self.pop_screen()
        if self.workspace.state is not None:
            text = "Reload cancelled" if message.cancelled else f"Reload failed: {message.message}"
            self.notify(f"{text}; showing the data loaded before.", severity="warning")
            return
        self.push_screen(ErrorScreen(message.message, cancelled=message.cancelled))

    def on_state_changed(self, message: StateChanged) -> None:
        """Apply new data to every screen (stale results from slower workers are ignored)."""
        from iamtui.ui.screens.loading import LoadingScreen
        from iamtui.ui.screens.main import MainScreen
        from iamtui.ui.screens.review import ReviewScreen

        state = message.state
        current = self.workspace.state
        if current is not None and state.generation < current.generation:
            state = current
        if message.arn is not None:
            self.fetching.discard((message.reason, message.arn))
            self.fetch_errors.pop((message.reason, message.arn), None)
        if message.reason == "load":
            self.loading_account = False
            self._loaded_at = time.perf_counter()
            if isinstance(self.screen, LoadingScreen):
                self.pop_screen()
        if self.main_screen is None:
            self.main_screen = MainScreen(state)
            self.push_screen(self.main_screen)  # it opens a requested principal once mounted
        else:
            self.main_screen.apply_state(state)
        for screen in self.screen_stack:
            if isinstance(screen, ReviewScreen):
                screen.apply_state(state)
            for header in screen.query(AccountHeader):
                header.refresh()

    def main_painted(self) -> None:
        """Called after the main screen's first refresh: records time to first paint."""
        if self._loaded_at is not None and self.first_paint_seconds is None:
            self.first_paint_seconds = time.perf_counter() - self._loaded_at

    def main_ready(self) -> None:
        """The main screen is mounted: open the principal the CLI asked for, if any."""
        state = self.workspace.state
        if state is not None:
            self._open_requested_principal(state)

    def _open_requested_principal(self, state: State) -> None:
        request = self.open_principal_on_load
        if request is None:
            return
        self.open_principal_on_load = None
        kind, name = request
        principal = state.views.find_principal(kind, name)
        if principal is None:
            assert self.main_screen is not None
            pane = Pane.USERS if kind == "user" else Pane.ROLES
            self.main_screen.show_pane(pane, query=name)
            self.notify(f"No {kind} named {name!r} in this account.", severity="error")
            return
        self.open_review(principal)

    def action_reload(self) -> None:
        """Reload the whole account (the header's data age resets)."""
        self.start_load()

    # -- on-demand fetches ----------------------------------------------------------------

    def fetch_user_detail(self, user: User, *, force: bool = False) -> None:
        """Key ids, key last use and MFA devices for one user, in a worker."""
        key = ("detail", user.arn)
        snap = self.workspace.snapshot
        if key in self.fetching or (not force and snap is not None and user.arn in snap.details):
            return
        self.fetching.add(key)
        self.fetch_errors.pop(key, None)
        self.run_worker(
            lambda: self._detail_job(user),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group=f"detail:{user.arn}",
            name=f"detail {user.name}",
        )

    def _detail_job(self, user: User) -> None:
        try:
            state = self.workspace.load_user_detail(user)
        except Offline as exc:
            self.post_message(FetchFailed("detail", user.arn, str(exc)))
        except Exception as exc:
            self.post_message(FetchFailed("detail", user.arn, _one_line(exc)))
        else:
            self.post_message(StateChanged(state, "detail", user.arn))

    def fetch_last_accessed(self, arn: str, *, force: bool = False) -> None:
        """Service last-accessed data for one principal (a job AWS runs), in a worker."""
        key = ("last-accessed", arn)
        snap = self.workspace.snapshot
        if key in self.fetching or (not force and snap is not None and arn in snap.last_accessed):
            return
        self.fetching.add(key)
        self.fetch_errors.pop(key, None)
        self.run_worker(
            lambda: self._last_accessed_job(arn),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group=f"last-accessed:{arn}",
            name=f"last accessed {arn}",
        )

    def _last_accessed_job(self, arn: str) -> None:
        try:
            state = self.workspace.load_last_accessed(arn)
        except Exception as exc:
            self.post_message(FetchFailed("last-accessed", arn, _one_line(exc)))
        else:
            self.post_message(StateChanged(state, "last-accessed", arn))

    def on_fetch_failed(self, message: FetchFailed) -> None:
        """Record why, and let review screens show it."""
        from iamtui.ui.screens.review import ReviewScreen

        key = (message.what, message.arn)
        self.fetching.discard(key)
        self.fetch_errors[key] = message.reason
        for screen in self.screen_stack:
            if isinstance(screen, ReviewScreen):
                screen.refresh_fetches()

    # -- navigation -----------------------------------------------------------------------

    def open_review(self, principal: User | Role) -> None:
        """The principal review screen for a user or role."""
        from iamtui.ui.screens.review import ReviewScreen

        state = self.workspace.state
        if state is None:
            return
        self.push_screen(ReviewScreen(principal, state))

    def open_principal(self, kind: str, name: str) -> None:
        """Open a user or role by name (command palette)."""
        state = self.workspace.state
        if state is None:
            return
        principal = state.views.find_principal(kind, name)
        if principal is None:
            self.notify(f"No {kind} named {name!r}.", severity="error")
            return
        self.open_review(principal)

    def goto_pane(self, pane: Pane) -> None:
        """Back to the main screen, on one pane."""
        if self.main_screen is None:
            return
        while self.screen is not self.main_screen and len(self.screen_stack) > 1:
            self.pop_screen()
        self.main_screen.show_pane(pane)

    def action_help(self) -> None:
        """Every binding, generated from the bindings themselves."""
        from iamtui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_dark(self) -> None:
        """Between the default dark theme and a light one."""
        self.theme = LIGHT_THEME if self.current_theme.dark else DEFAULT_THEME

    def watch_theme(self, theme: str) -> None:
        """Detail panels and review screens render rich text in theme colours: redraw them."""
        from iamtui.ui.screens.review import ReviewScreen
        from iamtui.ui.widgets.detail import DetailPanel

        for screen in self.screen_stack:
            if isinstance(screen, ReviewScreen) and screen.is_mounted:
                screen.render_all()
            for panel in screen.query(DetailPanel):
                panel.rerender()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's system commands, minus the two our own palette entries replace."""
        for command in super().get_system_commands(screen):
            if command.title not in ("Quit", "Theme"):
                yield command

    def save_svg(self, path: Path) -> Path:
        """An SVG screenshot (for screenshots/make.py)."""
        return Path(self.save_screenshot(filename=path.name, path=str(path.parent)))


def _one_line(exc: BaseException) -> str:
    """An exception as one line for the operator."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
