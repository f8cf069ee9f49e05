"""``iamtui policy``: print the least-privilege IAM policy iamtui needs to view, or to act too."""

from __future__ import annotations

import json

import click

from iamtui.cli.common import UserError, one_line_errors


@click.command()
@click.option(
    "--read-only",
    is_flag=True,
    help="What viewing needs: scan, user review, last-accessed data, root checks.",
)
@click.option(
    "--remediate",
    is_flag=True,
    help="Read-only plus every action and its checks. An administrator's policy: it can change "
    "any principal's permissions (see docs/permissions.md).",
)
@click.option(
    "--with-undo",
    is_flag=True,
    help="With --remediate: also what undo sends (re-creating users, roles and policies, "
    "attaching policies again), in a separate statement IamtuiUndo.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json"]),
    default="json",
    show_default=True,
    help="Output format (an IAM policy document).",
)
@click.option(
    "--sid-per-feature",
    is_flag=True,
    help="One complete statement per overview part and per action, to cut out what you do not "
    "want to allow (larger: may exceed the 6,144-character managed-policy limit).",
)
@click.option(
    "--org",
    "org",
    is_flag=True,
    help="Also what 'scan --org' needs from the caller: listing the organization and "
    "sts:AssumeRole on --role-name in every account (that role needs this policy too).",
)
@click.option(
    "--role-name",
    default="OrganizationAccountAccessRole",
    show_default=True,
    help="With --org: the role name sts:AssumeRole is limited to.",
)
@one_line_errors
def policy(
    read_only: bool,
    remediate: bool,
    with_undo: bool,
    fmt: str,
    sid_per_feature: bool,
    org: bool,
    role_name: str,
) -> None:
    """Print the IAM policy iamtui needs (built from the calls its code declares)."""
    from iamtui.core import permissions

    if read_only == remediate:
        raise UserError("pass exactly one of --read-only and --remediate")
    if with_undo and not remediate:
        raise UserError("--with-undo goes with --remediate")
    org_role = role_name if org else None
    if read_only:
        document = permissions.read_only_policy(per_part=sid_per_feature, org_role=org_role)
    else:
        document = permissions.remediate_policy(
            per_action=sid_per_feature, with_undo=with_undo, org_role=org_role
        )
    click.echo(json.dumps(document, indent=2))
