"""Role actions on the emulator: quarantine, delete (ordinary, service-linked, Identity Center)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import NOW
from test_actions_support import (  # noqa: F401
    S3_READ,
    SQS_SEND,
    TRUST_EC2,
    Env,
    env_fixture,
    policy,
    role_fields,
)

from iamtui.core.actions import (
    QUARANTINE_POLICY,
    ActionRefused,
    Caller,
    Executor,
    Planner,
    Request,
    SelfLockout,
)
from iamtui.core.model import CallerIdentity
from iamtui.emulator.seed import Seeder

ASSUMED = CallerIdentity(
    "123456789012", "arn:aws:sts::123456789012:assumed-role/app/ops-session", "AROAEXAMPLE:ops"
)


def full_role(iam: Any, name: str = "app") -> None:
    """A role with every restorable property and every dependency DeleteRole needs gone."""
    boundary = policy(iam, "Boundary")
    iam.create_role(
        RoleName=name,
        Path="/service-role/",
        AssumeRolePolicyDocument=json.dumps(TRUST_EC2),
        Description="the app servers",
        MaxSessionDuration=7200,
        PermissionsBoundary=boundary,
        Tags=[{"Key": "Team", "Value": "platform"}],
    )
    iam.attach_role_policy(RoleName=name, PolicyArn=policy(iam, "ReadBuckets"))
    iam.attach_role_policy(RoleName=name, PolicyArn=policy(iam, "Queues", SQS_SEND))
    iam.put_role_policy(RoleName=name, PolicyName="extra", PolicyDocument=json.dumps(S3_READ))
    iam.create_instance_profile(InstanceProfileName=f"{name}-profile", Path="/service-role/")
    iam.add_role_to_instance_profile(InstanceProfileName=f"{name}-profile", RoleName=name)


def test_role_delete_then_undo_recreates_everything_restorable(env: Env, iam: Any) -> None:
    full_role(iam)
    original = role_fields(iam, "app")
    old_id = iam.get_role(RoleName="app")["Role"]["RoleId"]
    plan = env.planner().plan(Request.delete_role("app"))
    assert [s.call.operation for s in plan.steps] == [
        "RemoveRoleFromInstanceProfile",
        "DetachRolePolicy",
        "DetachRolePolicy",
        "DeleteRolePolicy",
        "DeleteRole",
    ]
    assert not plan.irreversible and plan.confirmation_phrase == "app"  # a principal deletion
    assert any("new role id" in n for n in plan.notes)
    assert plan.steps[0].preconditions[0].probe == "role.state"
    report = env.run(plan)
    assert report.status == "completed", report.message()
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="app")
    undo = env.undo(report)
    assert undo.status == "completed", undo.message()
    assert role_fields(iam, "app") == original
    assert iam.get_role(RoleName="app")["Role"]["RoleId"] != old_id


def test_a_policy_attached_after_planning_stops_the_role_deletion(env: Env, iam: Any) -> None:
    full_role(iam)
    plan = env.planner().plan(Request.delete_role("app"))
    iam.attach_role_policy(RoleName="app", PolicyArn=policy(iam, "Late"))
    report = env.run(plan)
    assert report.status == "stopped" and "role app is unchanged since the plan" in report.reason
    assert iam.list_instance_profiles_for_role(RoleName="app")["InstanceProfiles"]


def test_quarantine_denies_everything_and_revokes_older_sessions_until_undone(
    env: Env, iam: Any
) -> None:
    full_role(iam)
    plan = env.planner().plan(Request.quarantine_role("app"))
    assert not plan.irreversible and plan.confirmation_phrase is None
    before = datetime.now(UTC).replace(microsecond=0)
    report = env.run(plan)
    document = iam.get_role_policy(RoleName="app", PolicyName=QUARANTINE_POLICY)["PolicyDocument"]
    deny_all, revoke = document["Statement"]
    assert deny_all == {
        "Sid": "IamtuiQuarantineDenyAll",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
    }
    issued = revoke["Condition"]["DateLessThan"]["aws:TokenIssueTime"]
    when = datetime.strptime(issued, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before - timedelta(seconds=1) <= when <= datetime.now(UTC)
    with pytest.raises(ActionRefused, match="already quarantined"):
        env.planner().plan(Request.quarantine_role("app"))
    env.undo(report)
    assert QUARANTINE_POLICY not in iam.list_role_policies(RoleName="app")["PolicyNames"]


def test_service_linked_roles_go_through_delete_service_linked_role(env: Env, iam: Any) -> None:
    seeder = Seeder(env.emulator.backend(), env.emulator.extras(), NOW)
    seeder.service_linked_role(
        "AWSServiceRoleForElasticBeanstalk", "elasticbeanstalk.amazonaws.com", created=NOW
    )
    name = "AWSServiceRoleForElasticBeanstalk"
    planner = env.planner()
    plan = planner.plan(Request.delete_role(name))
    [step] = plan.steps
    assert step.call.operation == "DeleteServiceLinkedRole" and not step.reversible
    assert plan.operations() == (
        "iam:DeleteServiceLinkedRole",
        "iam:GetServiceLinkedRoleDeletionStatus",
    )
    for request in (
        Request.quarantine_role(name),
        Request.detach_policy("role", name, "arn:aws:iam::aws:policy/x"),
    ):
        with pytest.raises(ActionRefused, match="service-linked role: only its AWS service"):
            planner.plan(request)
    report = env.run(plan)
    assert report.status == "completed", report.message()
    assert report.outcomes[0].outputs["DeletionTaskId"].startswith("task/")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=name)


def test_a_service_linked_role_in_use_fails_with_the_resources_named(env: Env, iam: Any) -> None:
    seeder = Seeder(env.emulator.backend(), env.emulator.extras(), NOW)
    name = "AWSServiceRoleForECS"
    seeder.service_linked_role(name, "ecs.amazonaws.com", created=NOW)
    env.emulator.extras().service_linked_roles_in_use[name] = [
        "arn:aws:ecs:us-east-1:123456789012:cluster/prod"
    ]
    report = env.run(env.planner().plan(Request.delete_role(name)))
    assert report.status == "failed" and report.code == "DeletionFailed"
    assert "cluster/prod" in report.reason
    assert iam.get_role(RoleName=name)


def test_identity_center_roles_are_refused(env: Env, iam: Any) -> None:
    seeder = Seeder(env.emulator.backend(), env.emulator.extras(), NOW)
    provider = seeder.sso_provider(created=NOW)
    role = seeder.sso_role(
        "AdministratorAccess", "1a2b3c4d5e6f7a8b", provider_arn=provider, created=NOW
    )
    planner = env.planner()
    for request in (Request.delete_role(role.name), Request.quarantine_role(role.name)):
        with pytest.raises(ActionRefused, match="managed by IAM Identity Center") as info:
            planner.plan(request)
        assert "\n" not in str(info.value)


def test_the_caller_role_cannot_be_deleted_quarantined_or_stripped(env: Env, iam: Any) -> None:
    full_role(iam)
    arn = iam.list_attached_role_policies(RoleName="app")["AttachedPolicies"][0]["PolicyArn"]
    planner = Planner(env.conn, env.snapshot(), caller=Caller(ASSUMED))
    for request in (
        Request.delete_role("app"),
        Request.quarantine_role("app"),
        Request.detach_policy("role", "app", arn),
        Request.delete_inline("role", "app", "extra"),
    ):
        with pytest.raises(SelfLockout, match="role app is the role this iamtui session runs as"):
            planner.plan(request)


def test_the_executor_rechecks_the_caller_role(env: Env, iam: Any) -> None:
    full_role(iam)
    plan = env.planner().plan(Request.quarantine_role("app"))
    with pytest.raises(SelfLockout):
        Executor(env.conn, env.journal).run(plan.confirm(), caller=Caller(ASSUMED))
    assert iam.list_role_policies(RoleName="app")["PolicyNames"] == ["extra"]
