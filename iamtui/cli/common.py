"""What every command shares: connection flags, the one-line error contract, the demo account."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from iamtui.core.session import ConnectionProblem, ConnectionSettings, check_endpoint_url

F = TypeVar("F", bound=Callable[..., Any])

#: Exit code for usage, configuration and connection errors (findings use 1 with --fail-on).
EXIT_ERROR = 2


class UserError(click.ClickException):
    """An error the operator can fix; printed as one line, exit code 2."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        from iamtui.core.text import printable

        # Messages quote AWS error text, file contents and names: never raw to the terminal.
        click.echo(f"iamtui: error: {printable(self.format_message())}", err=True)


def _endpoint_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A malformed --endpoint-url (``localhost:4566``) is one line and exit 2, before connecting."""
    if value is None:
        return None
    try:
        return check_endpoint_url(value)
    except ConnectionProblem as exc:
        raise UserError(str(exc)) from exc


def connection_options(func: F) -> F:
    """--profile/--region/--endpoint-url after any subcommand that talks to AWS."""
    options = [
        click.option("--profile", envvar="AWS_PROFILE", help="AWS named profile to use."),
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
        except Cancelled:
            click.echo("iamtui: cancelled", err=True)
            sys.exit(130)
        except known as exc:
            ctx = click.get_current_context(silent=True)
            if ctx is not None and ctx.find_root().params.get("debug"):
                raise
            raise UserError(str(exc)) from exc

    return wrapper  # type: ignore[return-value]
