"""Plan-time guards on the emulator: protected roles, stale data, active keys in user.delete."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.iam.models import AccessKeyLastUsed
from test_actions_support import (  # noqa: F401
    S3_READ,
    TRUST_EC2,
    Env,
    env_fixture,
    policy,
)
from ui_support import demo_workspace

from iamtui.core.actions import ActionRefused, Request, UnverifiedUse
from iamtui.core.model import AccountSnapshot, Missing
from iamtui.core.settings import Settings
from iamtui.emulator.server import Emulator


def _role(iam: Any, name: str) -> str:
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    arn = policy(iam, f"{name}-read", S3_READ)
    iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    iam.put_role_policy(RoleName=name, PolicyName="extra", PolicyDocument=json.dumps(S3_READ))
    return arn


def _changes(name: str, arn: str) -> tuple[Request, ...]:
    return (
        Request.delete_role(name),
        Request.quarantine_role(name),
        Request.detach_policy("role", name, arn),
        Request.delete_inline("role", name, "extra"),
    )


def test_organization_critical_roles_are_never_changed(env: Env, iam: Any) -> None:
    arn = _role(iam, "OrganizationAccountAccessRole")
    planner = env.planner()
    for request in _changes("OrganizationAccountAccessRole", arn):
        with pytest.raises(ActionRefused, match="AWS Organizations access") as info:
            planner.plan(request)
        message = str(info.value)
        assert "\n" not in message and "[protected] roles" in message
    assert iam.get_role(RoleName="OrganizationAccountAccessRole")  # still there
    assert planner.snapshot.role("OrganizationAccountAccessRole") is not None  # still reported


def test_roles_the_config_protects_are_refused_and_say_how_to_lift_it(env: Env, iam: Any) -> None:
    arn = _role(iam, "payments-deployer")
    settings = Settings(protected_roles=("payments-*",))
    planner = env.planner(settings=settings)
    for request in _changes("payments-deployer", arn):
        with pytest.raises(ActionRefused, match=r"config \[protected\] roles: payments-\*") as info:
            planner.plan(request)
        assert "remove that pattern from [protected] roles" in str(info.value)
    # Without the setting the same role is an ordinary one.
    assert env.planner().plan(Request.quarantine_role("payments-deployer")).steps


def _signed_in(env: Env, name: str, when: datetime) -> None:
    user: Any = env.emulator.backend().users[name]
    user.password_last_used = when.astimezone(UTC).replace(tzinfo=None)


def test_disable_console_then_reload_then_delete_is_not_blocked(env: Env, iam: Any) -> None:
    iam.create_user(UserName="ana")
    iam.create_login_profile(UserName="ana", Password="Very-long-passw0rd!")
    _signed_in(env, "ana", datetime.now(UTC) - timedelta(days=40))
    report = env.run(env.planner().plan(Request.disable_console("ana")))
    assert report.status == "completed", report.message()
    env.emulator.extras().expire_report()  # the reload gets a report generated after the change
    snapshot = env.snapshot()
    row = snapshot.credential_report.row_for("ana") if snapshot.credential_report else None
    assert row is not None and row.password_last_used is Missing.NOT_APPLICABLE
    assert iam.get_user(UserName="ana")["User"].get("PasswordLastUsed")  # GetUser keeps it
    deleted = env.run(env.planner(snapshot).plan(Request.delete_user("ana")))
    assert deleted.status == "completed", deleted.message()


def test_a_sign_in_after_the_report_that_showed_no_password_refuses(env: Env, iam: Any) -> None:
    iam.create_user(UserName="ana")
    snapshot = env.snapshot()  # the report: no password (N/A)
    iam.create_login_profile(UserName="ana", Password="Very-long-passw0rd!")
    _signed_in(env, "ana", datetime.now(UTC) + timedelta(minutes=1))
    with pytest.raises(ActionRefused, match=r"signed in to the console at .* after the data"):
        env.planner(snapshot).plan(Request.delete_user("ana"))


def test_user_delete_of_active_keys_needs_their_ids_typed(emulator: Emulator, iam: Any) -> None:
    demo, ws = demo_workspace(emulator)
    ws.load()
    user = demo.stale_key_user
    active = tuple(
        k["AccessKeyId"]
        for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
        if k["Status"] == "Active"
    )
    assert active
    planned = ws.plan_action([Request.delete_user(user)])
    assert planned.active_keys == active
    assert not planned.check_override(None) and not planned.check_override(user)
    assert planned.check_override(planned.override_phrase)
    with pytest.raises(ActionRefused, match="to delete an active access key"):
        ws.execute(planned, typed=user)
    assert iam.get_user(UserName=user)  # nothing ran


def _used_key_after_report(env: Env, iam: Any) -> tuple[AccountSnapshot, str]:
    """A user whose key was created (and used) after the credential report the data holds."""
    iam.create_user(UserName="bo")
    snapshot = env.snapshot()
    key_id = iam.create_access_key(UserName="bo")["AccessKey"]["AccessKeyId"]
    key: Any = env.emulator.backend().access_keys[key_id]
    key.last_used = AccessKeyLastUsed(
        timestamp=(datetime.now(UTC) - timedelta(hours=1)).replace(tzinfo=None),
        service="s3",
        region="us-east-1",
    )
    return snapshot, key_id


def test_a_used_key_the_data_cannot_vouch_for_is_refused_unless_accepted(
    env: Env, iam: Any
) -> None:
    snapshot, key_id = _used_key_after_report(env, iam)
    planner = env.planner(snapshot)
    for request in (
        Request.deactivate_key("bo", key_id),
        Request.delete_key("bo", key_id, allow_active=True),
        Request.delete_user("bo"),
    ):
        with pytest.raises(UnverifiedUse, match="predates the key") as info:
            planner.plan(request)
        assert "\n" not in str(info.value) and "confirm acting on unverified use" in str(info.value)
        plan = planner.plan(replace(request, accept_unverified_use=True))
        assert any("confirmed without that check" in w for w in plan.warnings)
        assert plan.options["accept_unverified_use"] is True
    without_report = replace(snapshot, credential_report=None)
    with pytest.raises(UnverifiedUse, match="no credential report was loaded"):
        env.planner(without_report).plan(Request.deactivate_key("bo", key_id))


def test_with_no_password_policy_the_proposal_keeps_aws_default_character_types(
    env: Env, iam: Any
) -> None:
    plan = env.planner().plan(Request.set_password_policy())
    wanted = dict(plan.steps[0].call.params)
    # AWS's default asks for three of the four types; a custom policy can only require each.
    for name in (
        "RequireSymbols",
        "RequireNumbers",
        "RequireUppercaseCharacters",
        "RequireLowercaseCharacters",
    ):
        assert wanted[name] is True, name
    assert wanted["MinimumPasswordLength"] >= 14 and not plan.warnings
    assert any("AWS's default: 8 characters" in n for n in plan.notes)


def test_given_settings_weaker_than_aws_default_warn(env: Env, iam: Any) -> None:
    plan = env.planner().plan(Request.set_password_policy({"MinimumPasswordLength": 6}))
    (warning,) = plan.warnings
    assert "WEAKER than AWS's default" in warning
    assert "MinimumPasswordLength 8 (AWS default) -> 6" in warning
    assert "AWS default asks for 3 of 4 -> 0 required" in warning


def test_the_preview_asks_for_the_ids_of_keys_the_data_cannot_vouch_for(
    emulator: Emulator, iam: Any
) -> None:
    demo, ws = demo_workspace(emulator)
    ws.load()
    user = demo.stale_key_user
    for old in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=user, AccessKeyId=old["AccessKeyId"])
    key_id = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]  # after the report
    key: Any = emulator.backend().access_keys[key_id]
    key.last_used = AccessKeyLastUsed(
        timestamp=datetime(2026, 5, 30, tzinfo=UTC).replace(tzinfo=None),
        service="s3",
        region="us-east-1",
    )
    planned = ws.plan_action([Request.deactivate_key(user, key_id)])
    assert planned.unverified_keys == (key_id,) and planned.active_keys == ()
    assert planned.override_phrase == key_id
    assert any("confirmed without that check" in w for w in planned.plan.warnings)
    with pytest.raises(ActionRefused, match="whose use the reviewed data cannot show"):
        ws.execute(planned, override="yes")
    report = ws.execute(planned, override=key_id)
    assert report.status == "completed", report.message()


def test_a_recent_use_warning_names_whose_password_it_is(env: Env, iam: Any) -> None:
    """Before: a batch over six users said "the console password was used ..." six times."""
    iam.create_user(UserName="ana")
    iam.create_login_profile(UserName="ana", Password="Very-long-passw0rd!")
    _signed_in(env, "ana", datetime.now(UTC) - timedelta(days=1))
    plan = env.planner().plan(Request.disable_console("ana"))
    assert any(w.startswith("the console password of ana was used") for w in plan.warnings)
