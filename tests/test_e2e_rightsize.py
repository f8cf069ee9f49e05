"""Acceptance (issue 14): the demo's reporting-etl role right-sized from the TUI, then undone
from the Journal pane, with the emulator's IAM state read through boto3 before, after the
change and after the undo (policies, default versions, inline documents, attachments)."""

from __future__ import annotations

from typing import Any

from test_ui_actions import plan_with, run_plan
from textual.widgets import Input
from ui_support import SIZE, demo_workspace, settle

from iamtui.core.journal import Journal
from iamtui.core.views import Pane
from iamtui.emulator.demo import (
    RIGHTSIZE_AWS_POLICY,
    RIGHTSIZE_INLINE,
    RIGHTSIZE_POLICY,
    RIGHTSIZE_ROLE,
)
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.action import PlanScreen
from iamtui.ui.screens.main import MainScreen
from iamtui.ui.screens.review import ReviewScreen


def iam_state(iam: Any, role: str) -> dict[str, Any]:
    """What right-sizing may change, as IAM answers it: the role's inline documents and
    attachments, and every customer-managed policy's versions, default and documents."""
    inline = {
        name: iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    }
    attached = sorted(
        p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    )
    policies: dict[str, Any] = {}
    for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
        for policy in page["Policies"]:
            arn = policy["Arn"]
            versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
            policies[arn] = {
                "default": policy["DefaultVersionId"],
                "versions": {
                    v["VersionId"]: iam.get_policy_version(PolicyArn=arn, VersionId=v["VersionId"])[
                        "PolicyVersion"
                    ]["Document"]
                    for v in versions
                },
            }
    return {"inline": inline, "attached": attached, "policies": policies}


def services(document: Any) -> set[str]:
    """The service prefixes a document's statements name."""
    found: set[str] = set()
    for statement in document["Statement"]:
        actions = statement.get("Action", [])
        for action in [actions] if isinstance(actions, str) else actions:
            found.add(action.split(":")[0])
    return found


def services_granted(ws: Any, arn: str) -> set[str]:
    """The services the workspace's last-accessed data lists for a principal."""
    return {s.namespace for s in ws.snapshot.last_accessed[arn].services}


def unused_finding(ws: Any, name: str) -> Any:
    """The principal's open permissions.unused-services finding, if any."""
    return next(
        (
            f
            for f in ws.evaluation.active
            if f.rule == "permissions.unused-services" and f.principal_name == name
        ),
        None,
    )


async def confirm(pilot: Any, screen: PlanScreen) -> None:
    """Type the confirmation phrase when the planner asks for one, then run."""
    phrase = screen.planned.plan.confirmation_phrase  # type: ignore[union-attr]
    if phrase:
        screen.query_one("#plan-phrase", Input).value = phrase
        await pilot.pause()
    await run_plan(pilot, screen)


async def test_right_size_the_demo_role_from_its_review_then_undo_it_from_the_journal(
    emulator: Emulator, iam: Any
) -> None:
    demo, ws = demo_workspace(emulator)
    arn = f"arn:aws:iam::{demo.account_id}:role/service-role/{RIGHTSIZE_ROLE}"
    before = iam_state(iam, RIGHTSIZE_ROLE)
    managed = next(a for a in before["policies"] if a.endswith(f"/{RIGHTSIZE_POLICY}"))
    aws_managed = f"arn:aws:iam::aws:policy/{RIGHTSIZE_AWS_POLICY}"
    assert aws_managed in before["attached"]
    app = IamtuiApp(ws, open_principal=("role", RIGHTSIZE_ROLE))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the review opened and fetched the role's last-accessed data
        review = app.screen
        assert isinstance(review, ReviewScreen)
        proposal = review.review.rightsize
        assert proposal is not None and proposal.applies
        assert {"sqs", "kinesis", "dynamodb"} <= proposal.dropped
        screen = await plan_with(pilot, "R")
        plan = screen.planned.plan  # type: ignore[union-attr]
        assert plan.action.value == "principal.rightsize"
        assert {t.name for t in plan.targets} >= {RIGHTSIZE_ROLE}
        await confirm(pilot, screen)

        after = iam_state(iam, RIGHTSIZE_ROLE)
        assert services(after["inline"][RIGHTSIZE_INLINE]) == {"s3", "glue"}
        changed = after["policies"][managed]
        assert changed["default"] != before["policies"][managed]["default"]
        assert "dynamodb" not in services(changed["versions"][changed["default"]])
        assert aws_managed not in after["attached"]
        (copy,) = set(after["attached"]) - set(before["attached"])
        assert services(after["policies"][copy]["versions"]["v1"]) == {"sns"}
        # Its grants changed, so its last-accessed data was read again: the finding is gone.
        assert services_granted(ws, arn) == {"s3", "glue", "athena", "redshift-data", "sns"}
        assert unused_finding(ws, RIGHTSIZE_ROLE) is None
        assert review.review.rightsize is not None and not review.review.rightsize.applies

        await pilot.press("escape")  # the finished plan's dialog
        await settle(pilot)
        assert app.screen is review
        await pilot.press("escape", "6")  # the review, then the Journal pane
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        journal = app.main_screen.pane_widget(Pane.JOURNAL)  # type: ignore[union-attr]
        entry = journal.shown[0].data
        assert entry.action == "principal.rightsize" and entry.status == "completed"
        undo = await plan_with(pilot, "u")
        assert undo.planned.undoes == entry.id  # type: ignore[union-attr]
        await confirm(pilot, undo)
        await pilot.press("escape")
        await settle(pilot)
        statuses = {r.data.id: r.cells[2] for r in journal.shown}
        assert statuses[entry.id] == f"completed, undone by {undo.report.entry_id}"  # type: ignore[union-attr]

        assert unused_finding(ws, RIGHTSIZE_ROLE) is not None  # granted again, still unused

    assert iam_state(iam, RIGHTSIZE_ROLE) == before
    actions = [e.action for e in Journal(ws.journal.path).entries()]
    assert actions == ["principal.rightsize", "undo"]


async def mark(pilot: Any, pane: Any, rows: list[Any]) -> None:
    """Mark rows with space, as the operator does."""
    for row in rows:
        pane.table.set_cursor(pane.shown.index(row))
        await pilot.press("space")
    assert len(pane.marked) == len(rows)


async def test_marked_roles_or_marked_unused_services_findings_are_one_batch_plan(
    emulator: Emulator,
) -> None:
    demo, ws = demo_workspace(emulator)
    names = {RIGHTSIZE_ROLE, demo.lambda_role}
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for role in ws.snapshot.roles:  # type: ignore[union-attr]
            if role.name in names:
                app.fetch_last_accessed(role.arn)
        await settle(pilot)
        main = app.main_screen
        assert main is not None

        await pilot.press("3")
        roles = main.pane_widget(Pane.ROLES)
        chosen = [r for r in roles.shown if r.cells[0] in names | {demo.unused_role}]
        await mark(pilot, roles, chosen)
        screen = await plan_with(pilot, "R")
        plan = screen.planned.plan  # type: ignore[union-attr]
        assert plan.action.value == "batch"
        assert {t.name for t in plan.targets} == names
        # The third role's last-accessed data was never fetched: named, with why.
        (skipped,) = plan.skipped
        assert skipped.target.endswith(f"role {demo.unused_role}")
        assert skipped.reason == "right-sizing needs last-accessed data"
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("1")
        findings = main.pane_widget(Pane.FINDINGS)
        unused = [
            r
            for r in findings.shown
            if getattr(r.data, "rule", None) == "permissions.unused-services"
        ]
        assert {r.data.principal_name for r in unused} == names
        await mark(pilot, findings, unused)
        screen = await plan_with(pilot, "R")
        plan = screen.planned.plan  # type: ignore[union-attr]
        assert plan.action.value == "batch"
        assert {t.name for t in plan.targets} == names
