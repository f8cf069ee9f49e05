"""``iamtui usage KEY_ID|USER|ROLE``: who used a credential, from CloudTrail event history.

Headless and read-only: one LookupEvents page per 50 events (2 a second at most, 20 pages at
most), then IAM's last-used data. CloudTrail that cannot be read is said in the output (exit 0:
the answer is "unknown", with the last-used data); a target that does not exist is one line,
exit 2.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from iamtui.cli.common import UserError, connection_from, connection_options, one_line_errors
from iamtui.core.usage import HISTORY_DAYS


@click.command()
@click.argument("target")
@connection_options
@click.option("--demo", "use_demo", is_flag=True, help="Look in the embedded demo account.")
@click.option(
    "--days",
    type=click.IntRange(1, HISTORY_DAYS),
    default=HISTORY_DAYS,
    show_default=True,
    help="How far back to look (CloudTrail event history keeps 90 days).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Labelled lines, or the report as JSON.",
)
@click.pass_context
@one_line_errors
def usage(
    ctx: click.Context,
    target: str,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    use_demo: bool,
    days: int,
    fmt: str,
) -> None:
    """Who used an access key, a user or a role: source IPs, user agents, calls, regions.

    TARGET is an access key id (AKIA...), a user or role name, or its ARN. Event history is
    regional: --region picks the region looked in (IAM calls are recorded in us-east-1).
    """
    from iamtui.core import codec
    from iamtui.core.session import connect
    from iamtui.core.usage import lookup_usage, resolve_target
    from iamtui.core.views.usage import usage_text

    where = connection_from(ctx, profile=profile, region=region, endpoint_url=endpoint_url)
    if ctx.find_root().params.get("snapshot_file") is not None:
        raise UserError("--snapshot before 'usage' does not apply to it: CloudTrail is read live")
    if use_demo and (where.endpoint_url or where.profile):
        raise UserError("--demo and --profile/--endpoint-url are alternatives: pass one")
    env = None
    settings = where.settings()
    if use_demo:
        from iamtui.emulator.run import start_demo

        env = start_demo()
        settings = env.settings()
    try:
        conn = connect(settings)
        try:
            resolved = resolve_target(conn, target)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        report = lookup_usage(conn, resolved, days=days)
    finally:
        if env is not None:
            env.stop()
    if fmt == "json":
        click.echo(json.dumps(codec.encode(report), indent=2))
    else:
        click.echo(usage_text(report, datetime.now(UTC)), nl=False)
