"""Messages worker threads post to the app: the only way results reach the UI thread."""

from __future__ import annotations

from textual.message import Message

from iamtui.core.loader import CancelToken, StepUpdate
from iamtui.core.usage import UsageReport, UsageTarget
from iamtui.core.workspace import State, Workspace


class LoadProgress(Message):
    """One step of the account load changed state."""

    def __init__(self, update: StepUpdate) -> None:
        super().__init__()
        self.update = update


class StateChanged(Message):
    """New data: a load finished, or a principal's details or last-accessed data arrived.

    ``source`` is the workspace the state came from: in an organization session the app drops
    a late state from an account the operator has left (None: the app's workspace).
    """

    def __init__(
        self, state: State, reason: str, arn: str | None = None, *, source: Workspace | None = None
    ) -> None:
        super().__init__()
        self.state = state
        self.reason = reason
        self.arn = arn
        self.source = source


class LoadFailed(Message):
    """The overview load stopped: cancelled, or nothing could be loaded (one-line message)."""

    def __init__(
        self, message: str, *, cancelled: bool = False, source: Workspace | None = None
    ) -> None:
        super().__init__()
        self.message = message
        self.cancelled = cancelled
        self.source = source


class FetchFailed(Message):
    """An on-demand fetch for one principal failed; the review screen shows the reason."""

    def __init__(
        self, what: str, arn: str, reason: str, *, source: Workspace | None = None
    ) -> None:
        super().__init__()
        self.what = what
        self.arn = arn
        self.reason = reason
        self.source = source


class UsageLooked(Message):
    """A "who uses it" lookup ended: the reports, or why it failed (one line)."""

    def __init__(self, reports: tuple[UsageReport, ...], error: str = "") -> None:
        super().__init__()
        self.reports = reports
        self.error = error


def one_line(exc: BaseException) -> str:
    """An exception as one line for the operator."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def look_up_usage(
    workspace: Workspace, targets: tuple[UsageTarget, ...], cancel: CancelToken
) -> UsageLooked:
    """A "who uses it" lookup, run in a worker, as the message saying how it ended (the review
    and the plan preview share it): never raises, a failure is its one line."""
    try:
        reports = workspace.usage(targets, cancel=cancel)
    except Exception as exc:  # one line on the screen, never a crash
        return UsageLooked((), one_line(exc))
    return UsageLooked(reports)
