"""The iamtui Textual application: owns the workspace, runs every AWS call in thread workers.

Workers never touch widgets: they call the workspace's blocking methods and post messages.
The app applies each new :class:`State` to the screens on the UI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Static

from iamtui.core.loader import Cancelled, CancelToken, StepUpdate
from iamtui.core.model import Role, User
from iamtui.core.session import ConnectionProblem
from iamtui.core.text import printable
from iamtui.core.views import Pane
from iamtui.core.workspace import Offline, State, Workspace
from iamtui.ui.commands import IamtuiCommands
from iamtui.ui.keymap import ALIASES, canonical_keymap, key_for
from iamtui.ui.messages import FetchFailed, LoadFailed, LoadProgress, StateChanged
from iamtui.ui.widgets.header import AccountHeader

if TYPE_CHECKING:
    from iamtui.core.journal import Entry
    from iamtui.core.org_session import OrgSession
    from iamtui.core.subjects import TrustEdit
    from iamtui.core.workspace import PlannedAction
    from iamtui.ui.choices import Choice
    from iamtui.ui.screens.loading import LoadingScreen
    from iamtui.ui.screens.main import MainScreen
    from iamtui.ui.screens.org import OrgScreen

#: A second quit within this many seconds leaves even while an action runs.
QUIT_AGAIN_SECONDS = 3.0
#: What an action key answers in a session started with --read-only, and in snapshot mode.
READ_ONLY_REFUSAL = "read-only session: actions are off (started with --read-only)"
SNAPSHOT_REFUSAL = "snapshot: no live account to change"


class SecretOnScreen(RuntimeError):
    """A screenshot was asked for while a secret is on screen: refused."""


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
        workspace: Workspace | None = None,
        *,
        org: OrgSession | None = None,
        open_principal: tuple[str, str] | None = None,
        theme: str | None = None,
        open_root: bool = False,
    ) -> None:
        super().__init__()
        self._workspace = workspace
        #: The organization session (``iamtui org``): its screen is the base; None for one account.
        self.org = org
        self.org_screen: OrgScreen | None = None
        #: A plan is executing (quit asks twice; a second action waits).
        self.action_running = False
        self._quit_asked_at: float | None = None
        #: The last refusal notified, and when (a second press does not stack a copy).
        self._refused: tuple[str, float] | None = None
        self._initial_theme = theme or DEFAULT_THEME
        #: Seconds from the data being in memory to the main screen's first paint.
        self.first_paint_seconds: float | None = None
        self.open_principal_on_load: tuple[str, str] | None = None
        self._reset_account_session()
        self.open_principal_on_load = open_principal  # the CLI's request: the first account
        self.open_root_on_load = open_root
        if workspace is not None:
            settings = workspace.settings
        elif org is not None:
            settings = org.rules_settings
        else:
            raise ValueError("pass a workspace or an organization session")
        self.keymap: dict[str, str] = canonical_keymap(settings.keymap)

    def _reset_account_session(self) -> None:
        """Every field that belongs to one account session, as before its first load (the one
        place they are set: an organization session opens one account after another)."""
        self._journal_problem_shown = False
        self._cancel: CancelToken | None = None
        self.loading_account = False
        #: (what, arn) of on-demand fetches in flight: "detail" or "last-accessed".
        self.fetching: set[tuple[str, str]] = set()
        #: Why an on-demand fetch failed, by (what, arn).
        self.fetch_errors: dict[tuple[str, str], str] = {}
        self.main_screen: MainScreen | None = None
        self._loaded_at: float | None = None
        self.open_principal_on_load = None
        self.open_root_on_load = False

    @property
    def workspace(self) -> Workspace:
        """The account session's workspace (in an organization session: the open account's)."""
        if self._workspace is None:
            raise RuntimeError("no account is open")
        return self._workspace

    @property
    def in_account(self) -> bool:
        """An account session is open (always, outside an organization session)."""
        return self._workspace is not None

    def _current(self, source: Workspace | None) -> bool:
        """A worker's message belongs to the account session open now."""
        return source is None or source is self._workspace

    def get_default_screen(self) -> Screen[None]:
        """The organization screen, or a blank screen with the header under the loading screen."""
        if self.org is not None:
            from iamtui.ui.screens.org import OrgScreen

            self.org_screen = OrgScreen(self.org)
            return self.org_screen
        return BlankScreen()

    def on_mount(self) -> None:
        """Theme, keymap, then the first load (unless the CLI loaded the workspace already)."""
        self.theme = self._initial_theme
        if self.keymap:
            self.set_keymap(self.keymap)
        if self._workspace is None:
            return  # the organization screen starts its scan once mounted
        state = self.workspace.state
        if state is not None:  # ``iamtui user NAME`` loads first, to check NAME before the TUI
            self.post_message(StateChanged(state, "load"))
            return
        self.start_load()

    # -- loading --------------------------------------------------------------------------

    def start_load(self) -> None:
        """Show the loading screen and load the account in a worker."""
        from iamtui.ui.screens.loading import LoadingScreen

        if self._workspace is None:
            if self.org_screen is not None:  # the error screen's retry: scan again
                self.org_screen.rescan()
            return
        if self.loading_account:
            return
        self.loading_account = True
        self._cancel = CancelToken()
        self.push_screen(LoadingScreen(self.workspace.source_label))
        self._load_worker(self._cancel, self.workspace)

    def cancel_load(self) -> None:
        """Ask the running load to stop at its next check."""
        if self._cancel is not None:
            self._cancel.cancel()

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def _load_worker(self, token: CancelToken, ws: Workspace) -> None:
        """The overview load: every boto3 call of it runs on this thread."""

        def progress(update: StepUpdate) -> None:
            self.post_message(LoadProgress(update))

        try:
            state = ws.load(progress=progress, cancel=token)
        except Cancelled:
            self.post_message(LoadFailed("load cancelled", cancelled=True, source=ws))
        except ConnectionProblem as exc:
            self.post_message(LoadFailed(str(exc), source=ws))
        except Exception as exc:  # anything else must still reach the operator as one line
            self.post_message(LoadFailed(_one_line(exc), source=ws))
        else:
            self.post_message(StateChanged(state, "load", source=ws))

    def on_load_progress(self, message: LoadProgress) -> None:
        """Forward load progress to the loading screen."""
        loading = self._loading_screen()
        if loading is not None:  # also under the command palette or help
            loading.update_step(message.update)

    def _loading_screen(self) -> LoadingScreen | None:
        from iamtui.ui.screens.loading import LoadingScreen

        return next((s for s in self.screen_stack if isinstance(s, LoadingScreen)), None)

    def _close_loading(self) -> None:
        """Pop the loading screen wherever it is, with what was opened over it (the palette)."""
        while len(self.screen_stack) > 1 and self._loading_screen() is not None:
            self.pop_screen()

    def on_load_failed(self, message: LoadFailed) -> None:
        """Nothing loaded: error screen with retry/quit; a failed reload keeps the old data."""
        from iamtui.ui.screens.error import ErrorScreen

        if not self._current(message.source) or self._workspace is None:
            return  # from an account session the operator has left
        self.loading_account = False
        self._close_loading()
        if self.workspace.state is not None:
            text = "Reload cancelled" if message.cancelled else f"Reload failed: {message.message}"
            self.notify(f"{text}; showing the data loaded before.", severity="warning")
            return
        if self.org is not None:  # one account of the organization: back to the others
            label = self.workspace.source_label.split(" via ", 1)[0]
            text = "cancelled" if message.cancelled else message.message
            self.back_to_org()
            self.notify(f"{label}: not opened: {text}", severity="warning", timeout=10)
            return
        self.push_screen(ErrorScreen(message.message, cancelled=message.cancelled))

    def on_state_changed(self, message: StateChanged) -> None:
        """Apply new data to every screen (stale results from slower workers are ignored)."""
        from iamtui.ui.screens.main import MainScreen
        from iamtui.ui.screens.review import ReviewScreen

        if not self._current(message.source) or self._workspace is None:
            return  # from an account session the operator has left
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
            self._close_loading()
        if self.main_screen is None:
            self.main_screen = MainScreen(state, self.workspace)
            self.push_screen(self.main_screen)  # it opens a requested principal once mounted
        else:
            self.main_screen.apply_state(state)
        for screen in self.screen_stack:
            if isinstance(screen, ReviewScreen):
                screen.apply_state(state)
            for header in screen.query(AccountHeader):
                header.refresh()
            screen.refresh_bindings()
        problem = self.workspace.journal_problem
        if problem is not None and not self._journal_problem_shown and message.reason == "load":
            self._journal_problem_shown = True
            self.notify(f"{problem}; this session is read-only.", severity="warning", timeout=12)

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
        if self.open_root_on_load:
            self.open_root_on_load = False
            self.action_harden_root()
            return
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
        ws = self.workspace
        self.run_worker(
            lambda: self._detail_job(ws, user),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group=f"detail:{user.arn}",
            name=f"detail {user.name}",
        )

    def _detail_job(self, ws: Workspace, user: User) -> None:
        try:
            state = ws.load_user_detail(user)
        except Offline as exc:
            self.post_message(FetchFailed("detail", user.arn, str(exc), source=ws))
        except Exception as exc:
            self.post_message(FetchFailed("detail", user.arn, _one_line(exc), source=ws))
        else:
            self.post_message(StateChanged(state, "detail", user.arn, source=ws))

    def fetch_last_accessed(self, arn: str, *, force: bool = False) -> None:
        """Service last-accessed data for one principal (a job AWS runs), in a worker."""
        key = ("last-accessed", arn)
        snap = self.workspace.snapshot
        if key in self.fetching or (not force and snap is not None and arn in snap.last_accessed):
            return
        self.fetching.add(key)
        self.fetch_errors.pop(key, None)
        ws = self.workspace
        self.run_worker(
            lambda: self._last_accessed_job(ws, arn),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group=f"last-accessed:{arn}",
            name=f"last accessed {arn}",
        )

    def _last_accessed_job(self, ws: Workspace, arn: str) -> None:
        try:
            state = ws.load_last_accessed(arn)
        except Exception as exc:
            self.post_message(FetchFailed("last-accessed", arn, _one_line(exc), source=ws))
        else:
            self.post_message(StateChanged(state, "last-accessed", arn, source=ws))

    def on_fetch_failed(self, message: FetchFailed) -> None:
        """Record why, and let review screens show it."""
        from iamtui.ui.screens.review import ReviewScreen

        if not self._current(message.source):
            return
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

    def _pinned_dialog(self) -> str | None:
        """Why no screen may be popped wholesale now: an open secret or a running plan."""
        from iamtui.ui.screens.action import PlanScreen, SecretScreen

        for screen in self.screen_stack:
            if isinstance(screen, SecretScreen):
                return "close the secret dialog first"
            if isinstance(screen, PlanScreen) and screen.phase == "running":
                return "a plan is running"
        return None

    def enter_account(self, workspace: Workspace, open_principal: tuple[str, str] | None) -> None:
        """Organization session: make one account's workspace the app's and load it."""
        self._reset_account_session()
        self._workspace = workspace
        self.open_principal_on_load = open_principal
        self.start_load()

    def back_to_org(self) -> None:
        """Organization session: close the open account and show the organization screen.

        Refused while a plan runs or a secret is shown; the account's row then shows its state
        as the session left it (a fix made there changes its counts).
        """
        if self.org is None or self._workspace is None:
            return
        reason = self._pinned_dialog()
        if reason is None and self.action_running:
            reason = "an action is running"
        if reason is not None:
            self.notify(f"Cannot go back to the accounts: {reason}.", severity="warning")
            return
        if self._cancel is not None:
            self._cancel.cancel()  # a load still running stops at its next check
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self._workspace = None
        self._reset_account_session()
        line = self.org.close_account()
        if self.org_screen is not None:
            self.org_screen.account_closed(line)

    def goto_pane(self, pane: Pane) -> None:
        """Back to the main screen, on one pane (never past an open secret or a running plan)."""
        if self.main_screen is None:
            return
        reason = self._pinned_dialog()
        if reason is not None:
            self.notify(f"Cannot go to {pane.label}: {reason}.", severity="warning")
            return
        while self.screen is not self.main_screen and len(self.screen_stack) > 1:
            self.pop_screen()
        self.main_screen.show_pane(pane)

    def notify(self, message: str, *, title: str = "", **options: Any) -> None:
        """Notifications quote names from AWS, a file or the operator's typing: shown inert, never
        as terminal escapes or Textual markup (a ``[/x]`` in a name would crash the app)."""
        super().notify(escape(printable(message)), title=escape(printable(title)), **options)

    def key_for(self, binding_id: str) -> str:
        """How the first key of a binding id is shown here (keymap applied), for hints."""
        return key_for(self, binding_id, all_bindings())

    def action_help(self) -> None:
        """Every binding, generated from the bindings themselves."""
        from iamtui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(binding_scopes()))

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

    # -- actions ----------------------------------------------------------------------------

    def refusal(self) -> str | None:
        """What a greyed-out action key answers: why actions are off, in one line (or None)."""
        workspace = self.workspace
        if workspace.is_offline:
            return SNAPSHOT_REFUSAL
        if workspace.read_only_requested:
            return READ_ONLY_REFUSAL
        reason = workspace.block_reason
        return None if reason is None else f"Refused: {reason}."

    def refuse_if_blocked(self) -> bool:
        """Actions are disabled (read-only, snapshot, journal busy): say why in one line.

        Pressing greyed keys again while the line is on screen adds no second copy of it.
        """
        text = self.refusal()
        if text is None:
            return False
        now = time.monotonic()
        last = self._refused
        if last is None or last[0] != text or now - last[1] > self.NOTIFICATION_TIMEOUT:
            self._refused = (text, now)
            self.notify(text, severity="warning")
        return True

    def start_action(
        self,
        title: str,
        job: Callable[[Workspace], PlannedAction],
        *,
        undo: bool = False,
        on_close: Callable[[bool | None], None] | None = None,
    ) -> None:
        """Plan in a worker, then the preview modal; nothing runs before the operator says so.

        ``on_close`` gets True when the plan ran to completion.
        """
        from iamtui.ui.screens.action import PlanScreen

        if self.refuse_if_blocked():
            return
        if self.action_running or any(isinstance(s, PlanScreen) for s in self.screen_stack):
            self.notify("Another action is open: finish it first.", severity="warning")
            return
        self.push_screen(PlanScreen(title, job, undo=undo), on_close)

    def run_choice(
        self, choice: Choice, *, on_done: Callable[[PlannedAction], None] | None = None
    ) -> None:
        """Plan one choice (one subject or a batch) and preview it.

        ``on_done`` gets the plan once it ran to completion (a batch unmarks its rows).
        """
        from iamtui.ui.choices import trust_value_edit

        if choice.needs:
            self.notify(self.needs_line(choice, self.screen), severity="warning")
            return
        edit = trust_value_edit(choice)
        if edit is not None:
            self._ask_trust_value(choice, edit, on_done)
            return
        requests, selection, skipped = choice.requests, choice.selection, choice.skipped
        planned: list[PlannedAction] = []

        def job(ws: Workspace) -> PlannedAction:
            result = ws.plan_action(requests, selection=selection, skipped=skipped)
            planned.append(result)
            return result

        def closed(ok: bool | None) -> None:
            if ok and planned and on_done is not None:
                on_done(planned[0])

        self.start_action(choice.title, job, on_close=closed)

    def _ask_trust_value(
        self,
        choice: Choice,
        edit: TrustEdit,
        on_done: Callable[[PlannedAction], None] | None,
    ) -> None:
        """A trust edit that needs a value (ExternalId, GitHub repository): ask, then plan."""
        from iamtui.core.actions.catalog.role_update_trust import value_problem, value_prompt
        from iamtui.ui.choices import with_trust_value
        from iamtui.ui.screens.action import AskValue

        def typed(value: str | None) -> None:
            if value:
                self.run_choice(with_trust_value(choice, value), on_done=on_done)

        title, note = value_prompt(edit)
        self.push_screen(AskValue(title, note, lambda v: value_problem(edit.kind, v)), typed)

    def choose(
        self,
        title: str,
        choices: list[Choice],
        *,
        on_done: Callable[[Choice, PlannedAction], None] | None = None,
    ) -> None:
        """The action menu: pick one of the choices that apply here."""
        from iamtui.ui.screens.action import ChoiceMenu

        if self.refuse_if_blocked():
            return
        if not choices:
            self.notify("No action applies here.", severity="warning")
            return

        screen = self.screen
        waits = {n: self.needs_line(c, screen) for n, c in enumerate(choices) if c.needs}

        def picked(index: int | None) -> None:
            if index is not None and index in waits:
                self.notify(waits[index], severity="warning")
            elif index is not None:
                choice = choices[index]
                done = None if on_done is None else (lambda p: on_done(choice, p))
                self.run_choice(choice, on_done=done)

        self.push_screen(ChoiceMenu.of(title, choices, waits), picked)

    def needs_line(self, choice: Choice, screen: Screen[Any]) -> str:
        """One line: what a choice waits for (last-accessed data) and the key that loads it
        from ``screen``, so a key that cannot act yet is never silent."""
        from iamtui.ui.screens.review import ReviewScreen

        if self.workspace.is_offline:
            how = "this snapshot has none for it (`iamtui snapshot save --last-accessed`)"
        elif isinstance(screen, ReviewScreen):
            if ("last-accessed", screen.principal.arn) in self.fetching:
                how = "it is being fetched for this review"
            else:
                how = f"{self.key_for('review-refresh')} fetches it"
        else:
            everyone = self.key_for("last-accessed-all")
            one = self.key_for("table-open").replace("⏎", "enter")  # a word in a sentence
            how = f"{everyone} fetches everyone's, {one} fetches this one's"
        return f"{choice.needs}: {how}"

    def undo_entry(self, entry: Entry) -> None:
        """Build the undo (or, for an interrupted entry, the roll-back) plan and preview it."""
        entry_id = entry.id
        verb = "Roll back" if entry.status == "interrupted" else "Undo"
        self.start_action(
            f"{verb} {entry_id}: {entry.summary}",
            lambda ws: ws.plan_undo(entry_id),
            undo=True,
        )

    def dismiss_follow_up(self, ref: str, reason: str) -> None:
        """Record a follow-up's dismissal in a worker; the Journal pane shows it gone."""

        ws = self.workspace

        def job() -> None:
            try:
                state = ws.dismiss_follow_up(ref, reason)
            except Exception as exc:
                self.call_from_thread(self.notify, f"Journal: {_one_line(exc)}", severity="error")
                return
            self.post_message(StateChanged(state, "journal", source=ws))
            self.call_from_thread(self.notify, f"Dismissed follow-up {ref}.")

        self.run_worker(job, thread=True, exclusive=True, exit_on_error=False, group="journal")

    def action_verify_journal(self) -> None:
        """Check the journal's hash chain in a worker; one line."""
        self.run_worker(
            self._verify_job, thread=True, exclusive=True, exit_on_error=False, group="verify"
        )

    def _verify_job(self) -> None:
        try:
            result = self.workspace.verify_journal()
        except Exception as exc:
            self.call_from_thread(self.notify, f"Journal: {_one_line(exc)}", severity="error")
            return
        severity = "information" if result.ok else "error"
        self.call_from_thread(self.notify, result.message(), severity=severity)

    def action_progress(self) -> None:
        """Compare the live account with its last saved snapshot, in a worker (P)."""
        if self.workspace.state is None:
            return
        self.run_worker(
            self._progress_job, thread=True, exclusive=True, exit_on_error=False, group="progress"
        )

    def _progress_job(self) -> None:
        from iamtui.core.diff import render_text
        from iamtui.ui.screens.progress import ProgressScreen

        try:
            result, path = self.workspace.progress_since_saved()
        except Exception as exc:  # no save yet, an unreadable file, another account: one line
            self.call_from_thread(self.notify, f"Progress: {_one_line(exc)}", severity="warning")
            return
        text = render_text(result, old_name=str(path), new_name="the live account")
        self.call_from_thread(self.push_screen, ProgressScreen(text, str(path)))

    def refresh_journal(self) -> None:
        """Read the journal again (the Journal pane is shown), in a worker."""
        ws = self.workspace
        if ws.state is None:
            return
        self.run_worker(
            lambda: self._journal_job(ws),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group="journal",
        )

    def _journal_job(self, ws: Workspace) -> None:
        try:
            state = ws.refresh_journal()
        except Exception as exc:
            self.call_from_thread(self.notify, f"Journal: {_one_line(exc)}", severity="error")
            return
        self.post_message(StateChanged(state, "journal", source=ws))

    def action_harden_root(self) -> None:
        """The step-by-step root hardening screen."""
        from iamtui.ui.screens.root import RootScreen

        if self.workspace.state is None:
            return
        if isinstance(self.screen, RootScreen):
            return
        self.push_screen(RootScreen())

    async def action_quit(self) -> None:
        """Quit; never from an open secret; while a plan runs, only when asked twice."""
        from iamtui.ui.screens.action import SecretScreen

        if any(isinstance(screen, SecretScreen) for screen in self.screen_stack):
            self.notify("Cannot quit: close the secret dialog first.", severity="warning")
            return
        if self.action_running:
            now = time.monotonic()
            if self._quit_asked_at is None or now - self._quit_asked_at > QUIT_AGAIN_SECONDS:
                self._quit_asked_at = now
                self.notify(
                    "A plan is running: quit again now to leave anyway (its journal entry will "
                    "show as interrupted, and can be rolled back).",
                    severity="warning",
                )
                return
        self.exit()

    # -- secrets and screenshots ----------------------------------------------------------

    def forget_clipboard(self) -> None:
        """Drop what copy_to_clipboard kept in the app (a secret must not outlive its dialog)."""
        self._clipboard = ""

    @property
    def secret_on_screen(self) -> bool:
        """A secret dialog is open (screenshots are refused meanwhile)."""
        from iamtui.ui.screens.action import SecretScreen

        return any(isinstance(s, SecretScreen) for s in self.screen_stack)

    def export_screenshot(self, *, title: str | None = None, simplify: bool = False) -> str:
        """An SVG of the screen, refused while a secret is on screen."""
        if self.secret_on_screen:
            raise SecretOnScreen("no screenshot while a secret is on screen")
        return super().export_screenshot(title=title, simplify=simplify)

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        """The palette's "Save screenshot": refused (one line) while a secret is on screen."""
        if self.secret_on_screen:
            self.notify("No screenshot while a secret is on screen.", severity="warning")
            return None
        return super().deliver_screenshot(filename, path, time_format)

    def save_svg(self, path: Path) -> Path:
        """An SVG screenshot (for screenshots/make.py)."""
        return Path(self.save_screenshot(filename=path.name, path=str(path.parent)))


def _one_line(exc: BaseException) -> str:
    """An exception as one line for the operator."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def binding_scopes() -> list[tuple[str, list[Binding]]]:
    """(scope title, bindings) for every class that defines bindings, in help-screen order.

    The app is the top of the UI: it alone imports every screen, so the catalogue lives here and
    screens get it from the app (no screen imports another's bindings).
    """
    from iamtui.ui.screens.action import AskPath, AskValue, ChoiceMenu, PlanScreen, SecretScreen
    from iamtui.ui.screens.error import ErrorScreen
    from iamtui.ui.screens.help import HelpScreen
    from iamtui.ui.screens.loading import LoadingScreen
    from iamtui.ui.screens.main import MainScreen
    from iamtui.ui.screens.org import OrgScreen
    from iamtui.ui.screens.policy import PolicyScreen
    from iamtui.ui.screens.progress import ProgressScreen
    from iamtui.ui.screens.review import ReviewScreen
    from iamtui.ui.screens.root import ContactForm, RootScreen
    from iamtui.ui.widgets.table import RowTable

    scopes: list[tuple[str, type[DOMNode]]] = [
        ("Everywhere", IamtuiApp),
        ("Organization screen", OrgScreen),
        ("Main screen", MainScreen),
        ("Tables", RowTable),
        ("Review screen", ReviewScreen),
        ("Root hardening", RootScreen),
        ("Contact form", ContactForm),
        ("Plan preview", PlanScreen),
        ("Secret (shown once)", SecretScreen),
        ("Action menu", ChoiceMenu),
        ("File name", AskPath),
        ("Value for a plan", AskValue),
        ("Dialogs", PolicyScreen),
        ("Loading", LoadingScreen),
        ("Load error", ErrorScreen),
        ("Help", HelpScreen),
        ("Progress", ProgressScreen),
    ]
    return [(title, [b for b in cls.BINDINGS if isinstance(b, Binding)]) for title, cls in scopes]


def all_bindings() -> Iterator[Binding]:
    """Every binding of every scope."""
    for _title, bindings in binding_scopes():
        yield from bindings


def binding_ids() -> frozenset[str]:
    """The ids a config file's ``[keymap]`` may name (renamed ids too, as aliases)."""
    return frozenset(b.id for b in all_bindings() if b.id) | frozenset(ALIASES)


def unknown_ids(keymap: Mapping[str, str]) -> list[str]:
    """Keymap entries naming no binding (a typo would silently do nothing)."""
    known = binding_ids()
    return sorted(k for k in keymap if k not in known)
