"""What every command shares: connection flags, the one-line error contract, the demo account."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from iamtui.core.session import ConnectionProblem, ConnectionSettings, check_endpoint_url

F = TypeVar("F", bound=Callable[..., Any])

#: Exit code for usage, configuration and connection errors (findings use 1 with --fail-on).
EXIT_ERROR = 2
#: Exit code when stdout was closed under us (``| head``): a shell's for a process SIGPIPE ended.
EXIT_CLOSED_PIPE = 128 + 13


def closed_stdout() -> NoReturn:
    """The reader of stdout went away (``iamtui journal list | head -3``): stop quietly.

    Nothing is said (there is no one to say it to on stdout, and stderr noise about a reader
    that had enough is wrong); stdout is pointed at /dev/null so the interpreter's final flush
    does not fail again, and the exit code is neither 1 (findings) nor 2 (errors).
    """
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (a test runner's buffer): nothing to flush
        pass
    sys.exit(EXIT_CLOSED_PIPE)


class UserError(click.ClickException):
    """An error the operator can fix; printed as one line, exit code 2."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        from iamtui.core.text import printable

        # Messages quote AWS error text, file contents and names: never raw to the terminal.
        click.echo(
            f"iamtui: error: {printable(mask_secrets(self.format_message()), backslashes=False)}",
            err=True,
        )


#: ``scheme://user:password@``: the password part of a URL's credentials.
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^/\s@]*@")


def mask_secrets(message: str) -> str:
    """``http://user:pass@host`` echoed in an error shows ``http://user:***@host``."""
    return _URL_PASSWORD.sub(r"\1:***@", message)


def _endpoint_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A malformed --endpoint-url (``localhost:4566``) is one line and exit 2, before connecting."""
    if value is None:
        return None
    try:
        return check_endpoint_url(value)
    except ConnectionProblem as exc:
        raise UserError(str(exc)) from exc


def connection_options(func: F, *, repeatable_profile: bool = False) -> F:
    """--profile/--region/--endpoint-url after any subcommand that talks to AWS.

    ``repeatable_profile``: ``--profile`` may be given more than once (a fleet of profiles: the
    command receives a tuple and reads :func:`one_profile`).
    """
    options = [
        click.option(
            "--profile",
            envvar="AWS_PROFILE",
            multiple=repeatable_profile,
            help="AWS named profile to use"
            + (
                "; repeat it to scan each profile's account (as --profiles)."
                if repeatable_profile
                else "."
            ),
        ),
        click.option("--region", help="Region for the IAM/STS clients (IAM is global)."),
        click.option(
            "--endpoint-url",
            callback=_endpoint_url,
            help="Send IAM and STS calls to this URL (AWS_ENDPOINT_URL is honoured too).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def repeatable_connection_options(func: F) -> F:
    """:func:`connection_options` with a repeatable ``--profile``."""
    return connection_options(func, repeatable_profile=True)


def one_profile(profiles: tuple[str, ...], fleet_flags: dict[str, Any]) -> str | None:
    """The single profile a repeatable ``--profile`` names; two or more join ``--profiles``
    in ``fleet_flags`` (one account each) and leave none for the connection."""
    if len(profiles) <= 1:
        return profiles[0] if profiles else None
    fleet_flags["profiles"] = (*profiles, *(fleet_flags.get("profiles") or ()))
    return None


#: Options the root group and its subcommands share: parameter name -> the flag as typed.
ROOT_CONNECTION_FLAGS = {
    "profile": "--profile",
    "region": "--region",
    "endpoint_url": "--endpoint-url",
    "snapshot_file": "--snapshot",
}


@dataclass(frozen=True, slots=True)
class Connection:
    """Where a subcommand reads the account from, merged from its own flags and the root's."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    snapshot_file: Path | None = None

    def settings(self) -> ConnectionSettings:
        """The connection flags as the core's settings object."""
        return settings_from(self.profile, self.region, self.endpoint_url)


def _given(ctx: click.Context, name: str) -> bool:
    """The flag was typed (an AWS_PROFILE in the environment reaches both commands alike)."""
    from click.core import ParameterSource

    return ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE


def root_flags_given(ctx: click.Context) -> list[str]:
    """The connection flags typed before the subcommand (``iamtui --profile prod demo``)."""
    root = ctx.find_root()
    return [flag for name, flag in ROOT_CONNECTION_FLAGS.items() if _given(root, name)]


def refuse_root_flags(ctx: click.Context, command: str) -> None:
    """A subcommand that cannot honour the root's connection flags says so instead of ignoring."""
    given = root_flags_given(ctx)
    if given:
        raise UserError(f"{' '.join(given)} before '{command}' does not apply to it: leave it out")


def connection_from(ctx: click.Context, **own: Any) -> Connection:
    """The subcommand's connection flags, taking the root's where given before the subcommand.

    ``iamtui --profile prod scan`` must scan prod, not the environment's account; the same flag
    given before and after the subcommand with different values is an error, not a guess.
    """
    root = ctx.find_root()
    merged: dict[str, Any] = {}
    for name, value in own.items():
        if root is ctx or name not in root.params or not _given(root, name):
            merged[name] = value
            continue
        parent = root.params[name]
        if _given(ctx, name) and value != parent:
            flag = ROOT_CONNECTION_FLAGS[name]
            raise UserError(
                f"{flag} given before and after the subcommand with different values: pass it once"
            )
        merged[name] = parent
    return Connection(**merged)


def settings_from(
    profile: str | None, region: str | None, endpoint_url: str | None
) -> ConnectionSettings:
    """The connection flags as the core's settings object."""
    return ConnectionSettings(profile=profile, region=region, endpoint_url=endpoint_url)


def one_line_errors(func: F) -> F:
    """Known failures become one clear line; --debug (on the root group) shows the traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from iamtui.core.loader import Cancelled
        from iamtui.core.session import ConnectionProblem
        from iamtui.core.snapshot import SnapshotError

        known: tuple[type[BaseException], ...] = (ConnectionProblem, SnapshotError, OSError)
        try:
            from iamtui.core.settings import ConfigError

            known += (ConfigError,)
        except ImportError:  # pragma: no cover - settings arrive with the findings engine
            pass
        try:
            from iamtui.emulator import EmulatorUnavailable

            known += (EmulatorUnavailable,)
        except ImportError:  # pragma: no cover
            pass
        try:
            return func(*args, **kwargs)
        except (Cancelled, KeyboardInterrupt):  # Ctrl-C: the project's line, not click's Aborted!
            click.echo("iamtui: cancelled", err=True)
            sys.exit(130)
        except BrokenPipeError:
            closed_stdout()
        except known as exc:
            ctx = click.get_current_context(silent=True)
            if ctx is not None and ctx.find_root().params.get("debug"):
                raise
            raise UserError(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def refuse_overwriting_inputs(ctx: click.Context, output: Path, *inputs: Path | None) -> None:
    """``-o`` must not replace what iamtui reads or keeps: a journal (any in the state
    directory, or the one in effect, with its sidecars), the snapshot or config file read."""
    import os

    import platformdirs

    from iamtui.core.journal import default_path

    target = output.expanduser().resolve()
    root = ctx.find_root().params
    journal = (
        Path(root.get("journal_path") or os.environ.get("IAMTUI_JOURNAL") or default_path())
        .expanduser()
        .resolve()
    )
    state = Path(platformdirs.user_state_path("iamtui")).resolve()
    if target == journal or (
        target.parent == journal.parent and target.name.startswith(journal.name + ".")
    ):
        raise UserError(f"{output} is the journal (or its sidecar): write elsewhere")
    if target.is_relative_to(state):
        raise UserError(f"{output} is in iamtui's state directory ({state}): write elsewhere")
    for read in (*inputs, root.get("snapshot_file"), root.get("config_file")):
        if read is not None and Path(read).expanduser().resolve() == target:
            raise UserError(f"{output} is a file this command reads: write elsewhere")
