"""User actions on the emulator: delete with every dependency, console, policies, groups."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from faults import inject
from test_actions_support import (  # noqa: F401
    S3_READ,
    SQS_SEND,
    Env,
    connection,
    credentials,
    env_fixture,
    full_user,
    policy,
    user_fields,
)

from iamtui.core.actions import ActionRefused, Planner, Request, SelfLockout
from iamtui.core.loader import load_account


def test_user_delete_tears_down_every_dependency_in_aws_order(env: Env, iam: Any) -> None:
    full_user(iam, "ana")
    plan = env.planner().plan(Request.delete_user("ana"))
    operations = [s.call.operation for s in plan.steps]
    assert operations == [
        "DeleteLoginProfile",
        "DeleteAccessKey",
        "DeleteAccessKey",
        "DeleteSigningCertificate",
        "DeleteSSHPublicKey",
        "DeleteServiceSpecificCredential",
        "DeactivateMFADevice",
        "DeleteVirtualMFADevice",
        "DeleteUserPolicy",
        "DetachUserPolicy",
        "RemoveUserFromGroup",
        "RemoveUserFromGroup",
        "DeleteUserPermissionsBoundary",
        "DeleteUser",
    ]
    assert plan.irreversible and plan.confirmation_phrase == "ana"
    assert plan.steps[0].preconditions[0].probe == "user.state"
    assert any("gone for good" in n and "2 access keys" in n for n in plan.notes)
    before = plan.before[plan.targets[0].arn]
    assert before["inline"] == {"AdHoc": SQS_SEND} and before["login_profile"] is not None


def test_user_delete_then_undo_restores_everything_restorable(env: Env, iam: Any) -> None:
    full_user(iam, "ana")
    original = user_fields(iam, "ana")
    old_id = iam.get_user(UserName="ana")["User"]["UserId"]
    report = env.run(env.planner().plan(Request.delete_user("ana")))
    assert report.status == "completed", report.message()
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName="ana")
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []

    undo_plan = env.planner().undo(env.journal.entry(report.entry_id or ""))
    assert undo_plan.confirmation_phrase is None  # only restores: a simple yes
    assert [s.call.operation for s in undo_plan.steps][:2] == [
        "CreateUser",
        "PutUserPermissionsBoundary",
    ]
    assert any("cannot be undone" in n and "MFA" in n for n in undo_plan.notes)
    # Before: loss notes were numbered by the deleted user's plan (step 9 of 10), not by the
    # undo preview's own steps; the entry's steps that stay undone name the entry.
    numbered = [m for n in undo_plan.notes if (m := re.match(r"steps? (\d+)(?:-(\d+))?: ", n))]
    assert len(numbered) >= 3
    for match in numbered:
        first, last = int(match[1]), int(match[2] or match[1])
        assert last <= len(undo_plan.steps), match.string
        for step in undo_plan.steps[first - 1 : last]:
            assert step.loss and match.string.endswith(step.loss), match.string
    entry = report.entry_id or ""
    assert all(f" of {entry} (" in n for n in undo_plan.notes if "cannot be undone" in n)
    undo = env.run(undo_plan)
    assert undo.status == "completed", undo.message()
    assert user_fields(iam, "ana") == original
    assert credentials(iam, "ana") == {"password": False, "keys": 0, "mfa": 0, "service": 0}
    assert iam.get_user(UserName="ana")["User"]["UserId"] != old_id


def test_a_group_added_after_planning_stops_the_deletion(env: Env, iam: Any) -> None:
    full_user(iam, "ana")
    plan = env.planner().plan(Request.delete_user("ana"))
    iam.create_group(GroupName="Admins")
    iam.add_user_to_group(GroupName="Admins", UserName="ana")
    report = env.run(plan)
    assert report.status == "stopped" and report.failed_step == 0
    assert "user ana is unchanged since the plan" in report.reason
    assert "groups now [Admins, Developers, Readers] (plan saw [Developers, Readers])" in (
        report.reason
    )
    assert credentials(iam, "ana")["password"]  # nothing was deleted


def test_a_console_sign_in_after_loading_refuses_the_plan(env: Env, iam: Any) -> None:
    iam.create_user(UserName="ana")
    iam.create_login_profile(UserName="ana", Password="Very-long-passw0rd!")
    snapshot = env.snapshot()
    user: Any = env.emulator.backend().users["ana"]
    user.password_last_used = datetime.now(UTC).replace(tzinfo=None)
    with pytest.raises(ActionRefused, match=r"signed in to the console at .* after the data"):
        env.planner(snapshot).plan(Request.disable_console("ana"))


def test_disable_console_then_undo_issues_a_new_password_that_must_be_changed(
    env: Env, iam: Any
) -> None:
    iam.create_user(UserName="ana")
    iam.create_login_profile(UserName="ana", Password="Very-long-passw0rd!")
    plan = env.planner().plan(Request.disable_console("ana"))
    assert not plan.irreversible and plan.confirmation_phrase is None
    assert "old password cannot come back" in plan.preview()[0].note
    assert plan.before[plan.targets[0].arn]["login_profile"] == {"reset_required": False}
    report = env.run(plan)
    assert credentials(iam, "ana")["password"] is False

    undo = env.undo(report)
    [secret] = undo.secrets
    assert secret.kind == "password" and secret.label == "ana"
    password = secret.reveal()
    assert len(password) >= 24 and password not in env.journal.path.read_text()
    profile = iam.get_login_profile(UserName="ana")["LoginProfile"]
    assert profile["PasswordResetRequired"] is True
    assert "<redacted>" in env.journal.path.read_text()  # the intent record's Password


def test_disable_console_of_the_caller_is_allowed_with_a_warning(env: Env, iam: Any) -> None:
    iam.create_user(UserName="ops")
    iam.create_login_profile(UserName="ops", Password="Very-long-passw0rd!")
    key = iam.create_access_key(UserName="ops")["AccessKey"]
    ops = connection(env.emulator, (key["AccessKeyId"], key["SecretAccessKey"]))
    plan = Planner(ops, load_account(ops)).plan(Request.disable_console("ops"))
    assert any("this session keeps working" in w for w in plan.warnings)


def test_policy_detach_inline_delete_and_group_removal_round_trip(env: Env, iam: Any) -> None:
    full_user(iam, "ana")
    original = user_fields(iam, "ana")
    managed = original["attached"][0]
    planner = env.planner()
    plan = planner.batch(
        [
            Request.detach_policy("user", "ana", managed),
            Request.delete_inline("user", "ana", "AdHoc"),
            Request.remove_from_group("ana", "Developers"),
        ]
    )
    assert len(plan.steps) == 3 and not plan.irreversible
    assert plan.confirmation_phrase is None
    report = env.run(plan)
    assert report.status == "completed"
    after = user_fields(iam, "ana")
    assert after["attached"] == [] and after["inline"] == {} and after["groups"] == ["Readers"]
    env.undo(report)
    assert user_fields(iam, "ana") == original


def test_group_and_role_policies_are_detached_and_put_back(env: Env, iam: Any) -> None:
    arn = policy(iam, "ReadBuckets")
    iam.create_group(GroupName="Developers")
    iam.attach_group_policy(GroupName="Developers", PolicyArn=arn)
    iam.put_group_policy(
        GroupName="Developers", PolicyName="s3", PolicyDocument=json.dumps(S3_READ)
    )
    planner = env.planner()
    report = env.run(
        planner.batch(
            [
                Request.detach_policy("group", "Developers", arn),
                Request.delete_inline("group", "Developers", "s3"),
            ]
        )
    )
    assert iam.list_attached_group_policies(GroupName="Developers")["AttachedPolicies"] == []
    assert iam.list_group_policies(GroupName="Developers")["PolicyNames"] == []
    env.undo(report)
    assert (
        iam.list_attached_group_policies(GroupName="Developers")["AttachedPolicies"][0]["PolicyArn"]
        == arn
    )
    assert (
        iam.get_group_policy(GroupName="Developers", PolicyName="s3")["PolicyDocument"] == S3_READ
    )


def test_an_inline_policy_edited_after_planning_is_not_deleted(env: Env, iam: Any) -> None:
    iam.create_user(UserName="ana")
    iam.put_user_policy(UserName="ana", PolicyName="AdHoc", PolicyDocument=json.dumps(SQS_SEND))
    plan = env.planner().plan(Request.delete_inline("user", "ana", "AdHoc"))
    iam.put_user_policy(UserName="ana", PolicyName="AdHoc", PolicyDocument=json.dumps(S3_READ))
    report = env.run(plan)
    assert report.status == "stopped"
    assert "inline policy AdHoc of user ana is unchanged" in report.reason
    assert iam.get_user_policy(UserName="ana", PolicyName="AdHoc")["PolicyDocument"] == S3_READ


def test_the_caller_user_cannot_be_deleted_or_stripped(env: Env, iam: Any) -> None:
    arn = policy(iam, "Admin")
    iam.create_group(GroupName="Ops")
    iam.create_user(UserName="ops")
    iam.add_user_to_group(GroupName="Ops", UserName="ops")
    iam.attach_user_policy(UserName="ops", PolicyArn=arn)
    iam.attach_group_policy(GroupName="Ops", PolicyArn=arn)
    key = iam.create_access_key(UserName="ops")["AccessKey"]
    ops = connection(env.emulator, (key["AccessKeyId"], key["SecretAccessKey"]))
    planner = Planner(ops, load_account(ops))
    refused = {
        "user.delete": Request.delete_user("ops"),
        "detach": Request.detach_policy("user", "ops", arn),
        "group": Request.remove_from_group("ops", "Ops"),
        "group policy": Request.detach_policy("group", "Ops", arn),
        # IAM names are not distinguished by case: OPS is the session's own user and group.
        "user.delete in capitals": Request.delete_user("OPS"),
        "group policy in capitals": Request.detach_policy("group", "OPS", arn),
    }
    for label, request in refused.items():
        with pytest.raises(SelfLockout, match="this iamtui session runs as") as info:
            planner.plan(request)
        assert "\n" not in str(info.value), label


def test_disabling_the_callers_own_console_warns_whatever_the_case(env: Env, iam: Any) -> None:
    """IAM names are not distinguished by case: OPS's console is the session user's console."""
    iam.create_user(UserName="ops")
    iam.create_login_profile(UserName="ops", Password="Very-long-passw0rd!")
    key = iam.create_access_key(UserName="ops")["AccessKey"]
    ops = connection(env.emulator, (key["AccessKeyId"], key["SecretAccessKey"]))
    planner = Planner(ops, load_account(ops))
    for name in ("ops", "OPS"):
        plan = planner.plan(Request.disable_console(name))
        assert any("is the user iamtui runs as" in w for w in plan.warnings), name


def test_unknown_targets_and_missing_things_are_one_line_refusals(env: Env, iam: Any) -> None:
    iam.create_user(UserName="ana")
    planner = env.planner()
    cases = {
        Request.delete_user("nobody"): "user nobody does not exist",
        Request.disable_console("ana"): "user ana has no console password",
        Request.remove_from_group("ana", "Admins"): "user ana is not in group Admins",
        Request.delete_inline("user", "ana", "x"): "user ana has no inline policy x",
    }
    for request, message in cases.items():
        with pytest.raises(ActionRefused, match=message) as info:
            planner.plan(request)
        assert "\n" not in str(info.value)


def test_an_undo_that_failed_half_way_can_be_resumed(env: Env, iam: Any) -> None:
    full_user(iam, "ana")
    original = user_fields(iam, "ana")
    report = env.run(env.planner().plan(Request.delete_user("ana")))
    entry = env.journal.entry(report.entry_id or "")
    hits = inject(env.conn.iam, "AttachUserPolicy", "AccessDenied", times=1, status=403)
    first = env.run(env.planner().undo(entry))
    assert first.status == "failed" and first.code == "AccessDenied" and hits() == 1
    entry = env.journal.entry(report.entry_id or "")
    assert "partly undone by" in entry.status_line()
    resumed = env.planner().undo(entry)
    assert resumed.steps[0].call.operation == "AttachUserPolicy"  # the rest was done already
    assert env.run(resumed).status == "completed"
    assert user_fields(iam, "ana") == original
    assert env.journal.entry(report.entry_id or "").undone


def test_undo_of_disable_console_meets_a_strict_password_policy(env: Env, iam: Any) -> None:
    """AWS refuses CreateLoginProfile below the account's minimum length (here 40)."""
    iam.update_account_password_policy(MinimumPasswordLength=40)
    iam.create_user(UserName="ana")
    iam.create_login_profile(UserName="ana", Password="A-very-long-passw0rd-that-is-40-chars!!x")
    report = env.run(env.planner().plan(Request.disable_console("ana")))
    undo = env.undo(report)
    [secret] = undo.secrets
    assert len(secret.reveal()) >= 40
    assert iam.get_login_profile(UserName="ana")["LoginProfile"]["PasswordResetRequired"]
