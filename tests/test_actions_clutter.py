"""group.delete, mfa.delete-virtual and server-cert.delete on the emulator: plan, run, undo."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_actions_support import S3_READ, Env, env_fixture  # noqa: F401

from iamtui.core.actions import ActionId, ActionRefused, Request
from iamtui.core.actions.registry import SPECS
from iamtui.core.subjects import GroupSubject, ServerCertificateSubject, VirtualMfaSubject
from iamtui.emulator.seed import self_signed_certificate

READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def leftover_group(iam: Any, env: Env, name: str = "Leftover") -> str:
    """An empty group under a path, with one inline and one attached policy."""
    iam.create_group(GroupName=name, Path="/team/")
    iam.put_group_policy(GroupName=name, PolicyName="s3", PolicyDocument=json.dumps(S3_READ))
    policy = iam.create_policy(PolicyName=f"{name}Policy", PolicyDocument=json.dumps(S3_READ))
    arn = str(policy["Policy"]["Arn"])
    iam.attach_group_policy(GroupName=name, PolicyArn=arn)
    return arn


# --- group.delete ----------------------------------------------------------------------------


def test_group_delete_saves_policies_and_undo_recreates_the_group(env: Env, iam: Any) -> None:
    arn = leftover_group(iam, env)
    plan = env.planner().plan(Request.delete_group("Leftover"))
    assert [s.call.operation for s in plan.steps] == [
        "DeleteGroupPolicy",
        "DetachGroupPolicy",
        "DeleteGroup",
    ]
    saved = plan.before[plan.targets[0].arn]
    assert saved["path"] == "/team/" and saved["members"] == []
    assert saved["inline_policies"] == {"s3": S3_READ}
    assert saved["attached_policies"] == [arn]
    assert not plan.irreversible and plan.confirmation_phrase is None
    report = env.run(plan)
    assert report.status == "completed", report.message()
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_group(GroupName="Leftover")

    undo = env.undo(report)
    assert undo.status == "completed", undo.message()
    group = iam.get_group(GroupName="Leftover")
    assert group["Group"]["Path"] == "/team/" and group["Users"] == []
    document = iam.get_group_policy(GroupName="Leftover", PolicyName="s3")["PolicyDocument"]
    assert (json.loads(document) if isinstance(document, str) else document) == S3_READ
    attached = iam.list_attached_group_policies(GroupName="Leftover")["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == [arn]


def test_group_delete_refuses_a_group_with_members(env: Env, iam: Any) -> None:
    leftover_group(iam, env)
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="Leftover", UserName="alice")
    with pytest.raises(ActionRefused, match=r"1 member now \(alice\).*group\.remove-user"):
        env.planner().plan(Request.delete_group("Leftover"))


def test_group_delete_stops_when_a_member_joined_after_planning(env: Env, iam: Any) -> None:
    leftover_group(iam, env)
    plan = env.planner().plan(Request.delete_group("Leftover"))
    iam.create_user(UserName="bob")
    iam.add_user_to_group(GroupName="Leftover", UserName="bob")
    report = env.run(plan)
    assert report.status != "completed"
    # Nothing was touched: the policies are still on the group.
    assert iam.list_group_policies(GroupName="Leftover")["PolicyNames"] == ["s3"]


def test_group_delete_of_a_bare_group_is_one_call(env: Env, iam: Any) -> None:
    iam.create_group(GroupName="Bare")
    plan = env.planner().plan(Request.delete_group("bare"))  # names are not case-sensitive
    assert [s.call.operation for s in plan.steps] == ["DeleteGroup"]
    assert plan.steps[0].preconditions[0].probe == "group.members"
    assert env.run(plan).status == "completed"


# --- mfa.delete-virtual ----------------------------------------------------------------------


def test_delete_virtual_mfa_is_irreversible_and_typed(env: Env, iam: Any) -> None:
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="left-behind")["VirtualMFADevice"][
        "SerialNumber"
    ]
    plan = env.planner().plan(Request.delete_virtual_mfa(serial))
    assert [s.call.operation for s in plan.steps] == ["DeleteVirtualMFADevice"]
    assert plan.irreversible and plan.confirmation_phrase == "left-behind"
    assert "seed" in plan.steps[0].irreversible_reason
    with pytest.raises(Exception, match="type 'left-behind'"):
        env.run(plan, typed="yes")
    report = env.run(plan)
    assert report.status == "completed", report.message()
    devices = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert serial not in {d["SerialNumber"] for d in devices}


def test_delete_virtual_mfa_refuses_an_assigned_device(env: Env, iam: Any) -> None:
    iam.create_user(UserName="carol")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="carol")["VirtualMFADevice"][
        "SerialNumber"
    ]
    iam.enable_mfa_device(
        UserName="carol", SerialNumber=serial, AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )  # fmt: skip
    with pytest.raises(ActionRefused, match="assigned to carol"):
        env.planner().plan(Request.delete_virtual_mfa(serial))


def test_delete_virtual_mfa_stops_when_the_device_was_assigned_after_planning(
    env: Env, iam: Any
) -> None:
    iam.create_user(UserName="dave")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="dave")["VirtualMFADevice"][
        "SerialNumber"
    ]
    plan = env.planner().plan(Request.delete_virtual_mfa(serial))
    iam.enable_mfa_device(
        UserName="dave", SerialNumber=serial, AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )  # fmt: skip
    assert env.run(plan).status != "completed"
    assert iam.list_mfa_devices(UserName="dave")["MFADevices"][0]["SerialNumber"] == serial


# --- server-cert.delete ----------------------------------------------------------------------


def upload(iam: Any, name: str, *, expired_days: float) -> str:
    """A real self-signed certificate that expired ``expired_days`` ago; its id."""
    now = datetime.now(UTC)
    body, key = self_signed_certificate(
        name, now - timedelta(days=400), now - timedelta(days=expired_days)
    )
    meta = iam.upload_server_certificate(
        ServerCertificateName=name, CertificateBody=body, PrivateKey=key, Path="/cloudfront/"
    )["ServerCertificateMetadata"]
    return str(meta["ServerCertificateId"])


def test_server_certificate_delete_is_irreversible_and_pinned_to_its_id(env: Env, iam: Any) -> None:
    cert_id = upload(iam, "old-shop", expired_days=30)
    plan = env.planner().plan(Request.delete_server_certificate("old-shop", cert_id))
    [step] = plan.steps
    assert step.call.operation == "DeleteServerCertificate"
    assert step.preconditions[0].expect == cert_id
    assert "private key" in step.irreversible_reason
    assert plan.irreversible and plan.confirmation_phrase == "old-shop"
    assert plan.before[plan.targets[0].arn]["path"] == "/cloudfront/"
    assert any("load balancer" in w for w in plan.warnings)
    report = env.run(plan)
    assert report.status == "completed", report.message()
    assert iam.list_server_certificates()["ServerCertificateMetadataList"] == []


def test_server_certificate_delete_refuses_another_certificate_of_the_same_name(
    env: Env, iam: Any
) -> None:
    upload(iam, "old-shop", expired_days=30)
    with pytest.raises(ActionRefused, match="another certificate now"):
        env.planner().plan(Request.delete_server_certificate("old-shop", "ASCAOTHER000000000000"))


def test_server_certificate_delete_stops_when_it_was_replaced_after_planning(
    env: Env, iam: Any
) -> None:
    cert_id = upload(iam, "old-shop", expired_days=30)
    plan = env.planner().plan(Request.delete_server_certificate("old-shop", cert_id))
    iam.delete_server_certificate(ServerCertificateName="old-shop")
    new_id = upload(iam, "old-shop", expired_days=-300)  # a renewed one, same name
    assert new_id != cert_id
    assert env.run(plan).status != "completed"
    [kept] = iam.list_server_certificates()["ServerCertificateMetadataList"]
    assert kept["ServerCertificateId"] == new_id


def test_the_registry_declares_the_three_actions() -> None:
    subjects = {
        ActionId.GROUP_DELETE: GroupSubject,
        ActionId.MFA_DELETE_VIRTUAL: VirtualMfaSubject,
        ActionId.SERVER_CERT_DELETE: ServerCertificateSubject,
    }
    for action, subject in subjects.items():
        spec = SPECS[action]
        assert spec.subject is subject
        assert spec.calls.run and spec.calls.probes
    assert SPECS[ActionId.GROUP_DELETE].calls.undo == (
        "iam:CreateGroup",
        "iam:PutGroupPolicy",
        "iam:AttachGroupPolicy",
    )


def test_iamtui_policy_lists_the_new_reads_and_calls() -> None:
    from iamtui.core import permissions

    reads = permissions.actions_of(permissions.read_only_policy())
    assert {"iam:ListServerCertificates", "access-analyzer:ListAnalyzers"} <= set(reads)
    acting = set(permissions.actions_of(permissions.remediate_policy()))
    assert {
        "iam:DeleteGroup",
        "iam:DeleteVirtualMFADevice",
        "iam:DeleteServerCertificate",
    } <= acting
    assert "iam:CreateGroup" not in acting  # undo only: with --with-undo
    assert "iam:CreateGroup" in permissions.actions_of(permissions.remediate_policy(with_undo=True))


def test_the_journal_says_an_irreversible_deletion_cannot_be_undone(env: Env, iam: Any) -> None:
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")["VirtualMFADevice"][
        "SerialNumber"
    ]
    report = env.run(env.planner().plan(Request.delete_virtual_mfa(serial)))
    assert report.status == "completed" and report.entry_id is not None
    with pytest.raises(ActionRefused, match="cannot be undone: AWS never returns"):
        env.planner().undo(env.journal.entry(report.entry_id))
