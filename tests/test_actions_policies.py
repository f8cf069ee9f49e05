"""policy.delete-unattached on the emulator: every version saved, deleted in AWS's order, undone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_actions_support import S3_READ, SQS_SEND, Env, env_fixture  # noqa: F401

from iamtui.core.actions import ActionId, ActionRefused, Request
from iamtui.core.actions.registry import SPECS
from iamtui.core.subjects import PolicySubject

THIRD = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}],
}


def versioned(iam: Any, name: str = "Leftover") -> str:
    """A customer policy: three versions (the middle one default), a path, a description, tags."""
    arn = str(
        iam.create_policy(
            PolicyName=name,
            Path="/team/",
            Description="left behind",
            PolicyDocument=json.dumps(S3_READ),
            Tags=[{"Key": "Owner", "Value": "data"}],
        )["Policy"]["Arn"]
    )
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(SQS_SEND), SetAsDefault=True)
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(THIRD), SetAsDefault=False)
    return arn


def documents(iam: Any, arn: str) -> tuple[Any, list[Any]]:
    """(the default version's document, every version's document in creation order)."""
    versions = sorted(
        iam.list_policy_versions(PolicyArn=arn)["Versions"], key=lambda v: v["CreateDate"]
    )
    docs = []
    default = None
    for version in versions:
        body = iam.get_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
        document = body["PolicyVersion"]["Document"]
        document = json.loads(document) if isinstance(document, str) else document
        docs.append(document)
        if version["IsDefaultVersion"]:
            default = document
    return default, docs


def test_delete_unattached_saves_every_version_and_undo_restores_them(env: Env, iam: Any) -> None:
    arn = versioned(iam)
    plan = env.planner().plan(Request.delete_unattached_policy(arn))
    assert [s.call.operation for s in plan.steps] == [
        "DeletePolicyVersion",
        "DeletePolicyVersion",
        "DeletePolicy",
    ]
    assert [s.call.params.get("VersionId") for s in plan.steps[:2]] == ["v1", "v3"]
    saved = plan.before[arn]
    assert [v["document"] for v in saved["versions"]] == [S3_READ, SQS_SEND, THIRD]
    assert saved["default_version"] == "v2" and saved["tags"] == [{"Key": "Owner", "Value": "data"}]
    assert not plan.irreversible and plan.confirmation_phrase is None  # fully undoable
    assert any("new version ids" in note for note in plan.notes)
    report = env.run(plan)
    assert report.status == "completed", report.message()
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_policy(PolicyArn=arn)

    undo = env.undo(report)
    assert undo.status == "completed", undo.message()
    restored = iam.get_policy(PolicyArn=arn)["Policy"]
    assert (restored["Path"], restored["Description"]) == ("/team/", "left behind")
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "Owner", "Value": "data"}]
    default, docs = documents(iam, arn)
    assert default == SQS_SEND
    assert sorted(json.dumps(d, sort_keys=True) for d in docs) == sorted(
        json.dumps(d, sort_keys=True) for d in (S3_READ, SQS_SEND, THIRD)
    )


def test_delete_unattached_refuses_an_attached_policy(env: Env, iam: Any) -> None:
    arn = versioned(iam)
    iam.create_user(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    with pytest.raises(ActionRefused, match=r"attached to 1 .*policy\.detach"):
        env.planner().plan(Request.delete_unattached_policy(arn))


def test_delete_unattached_refuses_an_aws_managed_policy(env: Env) -> None:
    with pytest.raises(ActionRefused, match="AWS managed policy"):
        env.planner().plan(
            Request.delete_unattached_policy("arn:aws:iam::aws:policy/ReadOnlyAccess")
        )


def test_delete_unattached_stops_when_the_policy_was_attached_after_planning(
    env: Env, iam: Any
) -> None:
    arn = versioned(iam)
    plan = env.planner().plan(Request.delete_unattached_policy(arn))
    iam.create_user(UserName="bob")
    iam.attach_user_policy(UserName="bob", PolicyArn=arn)
    report = env.run(plan)
    assert report.status != "completed"
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 3  # nothing deleted


def test_registry_declares_the_action_in_one_place() -> None:
    spec = SPECS[ActionId.POLICY_DELETE_UNATTACHED]
    assert spec.subject is PolicySubject and spec.group == "IamtuiActionsPolicies"
    assert {"iam:DeletePolicyVersion", "iam:DeletePolicy"} <= set(spec.calls.run)
    assert {"iam:CreatePolicy", "iam:CreatePolicyVersion"} <= set(spec.calls.undo)


def test_deleting_the_last_inline_policy_warns_the_principal_keeps_nothing(
    env: Env, iam: Any
) -> None:
    """Before: a grant fix deleted a user's only policy (all of it) without a word."""
    doc = json.dumps(S3_READ)
    for user in ("solo", "grouped", "two"):
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="only", PolicyDocument=doc)
    iam.put_user_policy(UserName="two", PolicyName="other", PolicyDocument=doc)
    iam.create_group(GroupName="Readers")
    iam.add_user_to_group(GroupName="Readers", UserName="grouped")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "ec2.amazonaws.com"}}]}  # fmt: skip
    for role in ("lonely", "managed"):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(RoleName=role, PolicyName="only", PolicyDocument=doc)
    arn = iam.create_policy(PolicyName="Kept", PolicyDocument=doc)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="managed", PolicyArn=arn)
    planner = env.planner()

    def warned(kind: str, name: str) -> tuple[str, ...]:
        return planner.plan(Request.delete_inline(kind, name, "only")).warnings

    assert warned("user", "solo") == (
        "only is the last policy of user solo: deleting it leaves solo with no permissions of "
        "its own (no other inline or managed policy, no group)",
    )
    assert warned("role", "lonely") == (
        "only is the last policy of role lonely: deleting it leaves lonely with no permissions "
        "of its own (no other inline or managed policy)",
    )
    assert warned("user", "grouped") == warned("user", "two") == warned("role", "managed") == ()
