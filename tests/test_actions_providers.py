"""instance-profile.delete and identity-provider.delete on the emulator: planned from fresh reads,
refused while a role holds or trusts the thing, run, and undone from what the journal saved."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from test_actions_support import Env, env_fixture  # noqa: F401

from iamtui.core.actions import ActionId, ActionRefused, Request
from iamtui.core.actions.catalog import identity_provider_delete, mfa_delete_virtual
from iamtui.core.actions.catalog.instance_profile_delete import RUNNING_INSTANCES
from iamtui.core.actions.registry import SPECS
from iamtui.core.subjects import IdentityProviderSubject, InstanceProfileSubject
from iamtui.emulator.demo import saml_metadata

ACCOUNT = "123456789012"
GITHUB = "token.actions.githubusercontent.com"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"
SAML_ARN = f"arn:aws:iam::{ACCOUNT}:saml-provider/OneLogin"
TAGS = [{"Key": "Team", "Value": "Platform"}]


def trust(principal: dict[str, Any], action: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": action}],
        }
    )


def oidc(iam: Any, env: Env | None = None) -> str:
    """GitHub's OIDC provider; with ``env``, made a year ago (past the grace period)."""
    arn = str(
        iam.create_open_id_connect_provider(
            Url=f"https://{GITHUB}",
            ClientIDList=["sts.amazonaws.com"],
            ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
            Tags=TAGS,
        )["OpenIDConnectProviderArn"]
    )
    if env is not None:  # moto keeps naive UTC dates
        env.emulator.backend().open_id_providers[arn].create_date = datetime(2025, 12, 1)
    return arn


def saml(iam: Any) -> str:
    return str(
        iam.create_saml_provider(
            Name="OneLogin",
            SAMLMetadataDocument=saml_metadata("https://northwind.onelogin.com/saml"),
            Tags=TAGS,
        )["SAMLProviderArn"]
    )


# --- instance-profile.delete ------------------------------------------------------------------


def test_delete_instance_profile_saves_name_path_tags_and_undo_recreates_it(
    env: Env, iam: Any
) -> None:
    iam.create_instance_profile(InstanceProfileName="jenkins-agent", Path="/ci/", Tags=TAGS)
    old_id = iam.get_instance_profile(InstanceProfileName="jenkins-agent")["InstanceProfile"][
        "InstanceProfileId"
    ]
    plan = env.planner().plan(Request.delete_instance_profile("jenkins-agent"))
    assert [s.call.operation for s in plan.steps] == ["DeleteInstanceProfile"]
    saved = next(iter(plan.before.values()))
    assert (saved["path"], saved["tags"], saved["instance_profile_id"]) == ("/ci/", TAGS, old_id)
    assert not plan.irreversible and any("new instance profile id" in n for n in plan.notes)
    assert plan.warnings == (RUNNING_INSTANCES,)
    assert "EC2 instances running with this instance profile lose" in RUNNING_INSTANCES
    report = env.run(plan)
    assert report.status == "completed", report.message()
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_instance_profile(InstanceProfileName="jenkins-agent")

    undo = env.undo(report)
    assert undo.status == "completed", undo.message()
    back = iam.get_instance_profile(InstanceProfileName="jenkins-agent")["InstanceProfile"]
    assert (back["Path"], back["Tags"], back["Roles"]) == ("/ci/", TAGS, [])
    assert back["InstanceProfileId"] != old_id  # what the plan's note says


def test_delete_instance_profile_refuses_one_that_holds_a_role(env: Env, iam: Any) -> None:
    iam.create_role(
        RoleName="web",
        AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"}, "sts:AssumeRole"),
    )
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web")
    with pytest.raises(ActionRefused, match="holds role web"):
        env.planner().plan(Request.delete_instance_profile("web"))


def test_delete_instance_profile_stops_when_a_role_was_added_after_planning(
    env: Env, iam: Any
) -> None:
    iam.create_instance_profile(InstanceProfileName="batch")
    plan = env.planner().plan(Request.delete_instance_profile("batch"))
    iam.create_role(
        RoleName="batch",
        AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"}, "sts:AssumeRole"),
    )
    iam.add_role_to_instance_profile(InstanceProfileName="batch", RoleName="batch")
    report = env.run(plan)
    assert report.status != "completed"
    assert "holds no role: now [batch]" in report.message()
    assert iam.get_instance_profile(InstanceProfileName="batch")["InstanceProfile"]["Roles"]


# --- identity-provider.delete -----------------------------------------------------------------


def test_delete_oidc_provider_saves_url_audiences_thumbprints_tags_and_undo_recreates_it(
    env: Env, iam: Any
) -> None:
    arn = oidc(iam, env)
    plan = env.planner().plan(Request.delete_identity_provider(arn))
    assert [s.call.operation for s in plan.steps] == ["DeleteOpenIDConnectProvider"]
    create = plan.steps[0].inverse[0].call
    assert create.operation == "CreateOpenIDConnectProvider"
    assert create.params["Url"] == f"https://{GITHUB}"  # Get answers without the scheme
    assert create.params["ClientIDList"] == ["sts.amazonaws.com"]
    assert create.params["Tags"] == TAGS
    report = env.run(plan)
    assert report.status == "completed", report.message()
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []

    undo = env.undo(report)
    assert undo.status == "completed", undo.message()
    back = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert back["Url"] == GITHUB and back["ClientIDList"] == ["sts.amazonaws.com"]
    assert back["ThumbprintList"] == ["6938fd4d98bab03faadb97b34396831e3780aea1"]
    assert back["Tags"] == TAGS


def test_delete_saml_provider_saves_the_metadata_once_and_undo_recreates_the_same_arn(
    env: Env, iam: Any
) -> None:
    arn = saml(iam)
    document = iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"]
    plan = env.planner().plan(Request.delete_identity_provider(arn))
    assert [s.call.operation for s in plan.steps] == ["DeleteSAMLProvider"]
    assert plan.steps[0].inverse[0].call.params["SAMLMetadataDocument"] == document
    assert plan.before[arn]["metadata_bytes"] == len(document.encode())
    assert document not in json.dumps(plan.before)  # saved once: in the undo call
    report = env.run(plan)
    assert report.status == "completed", report.message()
    assert iam.list_saml_providers()["SAMLProviderList"] == []

    undo = env.undo(report)
    assert undo.status == "completed", undo.message()
    back = iam.get_saml_provider(SAMLProviderArn=arn)
    assert back["SAMLMetadataDocument"] == document


@pytest.mark.parametrize("kind", ["oidc", "saml"])
def test_delete_provider_refuses_one_a_role_trusts(env: Env, iam: Any, kind: str) -> None:
    arn = oidc(iam, env) if kind == "oidc" else saml(iam)
    action = "sts:AssumeRoleWithWebIdentity" if kind == "oidc" else "sts:AssumeRoleWithSAML"
    # Spelled in another case: still counted as a use (no false "unused").
    iam.create_role(
        RoleName="deploy", AssumeRolePolicyDocument=trust({"Federated": arn.upper()}, action)
    )
    with pytest.raises(ActionRefused, match="role deploy trusts identity provider"):
        env.planner().plan(Request.delete_identity_provider(arn))


def test_delete_provider_stops_when_a_role_trusts_it_after_planning(env: Env, iam: Any) -> None:
    arn = oidc(iam, env)
    plan = env.planner().plan(Request.delete_identity_provider(arn))
    iam.create_role(
        RoleName="deploy",
        AssumeRolePolicyDocument=trust({"Federated": arn}, "sts:AssumeRoleWithWebIdentity"),
    )
    report = env.run(plan)
    assert report.status != "completed"
    assert "no role's trust policy names" in report.message()
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["Url"] == GITHUB


def test_delete_provider_refuses_identity_centers_own(env: Env, iam: Any) -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:saml-provider/AWSSSO_0123abcd_DO_NOT_DELETE"
    with pytest.raises(ActionRefused, match="IAM Identity Center"):
        env.planner().plan(Request.delete_identity_provider(arn))


def test_delete_provider_warns_when_cognito_identity_pools_may_use_it(env: Env, iam: Any) -> None:
    arn = oidc(iam, env)
    iam.create_role(
        RoleName="app-users",
        AssumeRolePolicyDocument=trust(
            {"Federated": "cognito-identity.amazonaws.com"}, "sts:AssumeRoleWithWebIdentity"
        ),
    )
    plan = env.planner().plan(Request.delete_identity_provider(arn))
    assert any("Cognito identity pools" in w for w in plan.warnings)


def test_delete_oidc_provider_refuses_one_younger_than_the_grace_period(env: Env, iam: Any) -> None:
    # ListOpenIDConnectProviders gives no date: only the plan's GetOpenIDConnectProvider can tell.
    arn = oidc(iam)
    with pytest.raises(ActionRefused, match="within the 7-day grace period") as refused:
        env.planner().plan(Request.delete_identity_provider(arn))
    assert "\n" not in str(refused.value)
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["Url"] == GITHUB


def test_delete_saml_provider_warns_that_a_client_vpn_endpoint_may_use_it(
    env: Env, iam: Any
) -> None:
    plan = env.planner().plan(Request.delete_identity_provider(saml(iam)))
    assert any("AWS Client VPN endpoint" in w and "EC2" in w for w in plan.warnings)


def _saml_encryption(iam: Any, **fields: Any) -> None:
    """GetSAMLProvider answers with the encryption fields AWS returns and moto does not
    (AWS: GetSAMLProvider, Response Elements: AssertionEncryptionMode, PrivateKeyList,
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetSAMLProvider.html)."""

    def add(parsed: dict[str, Any], **_: Any) -> None:
        parsed.update(fields)

    iam.meta.events.register("after-call.iam.GetSAMLProvider", add)


def test_delete_saml_provider_saves_the_assertion_encryption_mode_for_undo(
    env: Env, iam: Any
) -> None:
    arn = saml(iam)
    _saml_encryption(env.conn.iam, AssertionEncryptionMode="Required", PrivateKeyList=[])
    plan = env.planner().plan(Request.delete_identity_provider(arn))
    assert plan.steps[0].inverse[0].call.params["AssertionEncryptionMode"] == "Required"
    assert plan.before[arn]["AssertionEncryptionMode"] == "Required"
    assert not plan.irreversible


def test_delete_saml_provider_with_private_keys_is_irreversible(env: Env, iam: Any) -> None:
    arn = saml(iam)
    key = {"KeyId": "KEY1234567890ABCDEF", "Timestamp": datetime(2025, 12, 1)}
    _saml_encryption(env.conn.iam, AssertionEncryptionMode="Allowed", PrivateKeyList=[key])
    plan = env.planner().plan(Request.delete_identity_provider(arn))
    (step,) = plan.steps
    assert step.irreversible_reason == identity_provider_delete.KEYS_GONE
    assert not step.inverse and plan.needs_typed_confirmation
    assert "private keys for encrypted assertions cannot be read back" in step.irreversible_reason


def test_delete_virtual_mfa_warns_an_enrolment_in_progress_looks_the_same(
    env: Env, iam: Any
) -> None:
    iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")
    serial = iam.list_virtual_mfa_devices()["VirtualMFADevices"][0]["SerialNumber"]
    plan = env.planner().plan(Request.delete_virtual_mfa(serial))
    assert plan.warnings == (mfa_delete_virtual.ENROLMENT_IN_PROGRESS,)
    assert "enrolment in progress" in plan.warnings[0] and "no creation date" in plan.warnings[0]


def test_delete_saml_provider_refuses_metadata_the_journal_cannot_hold(
    env: Env, iam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = saml(iam)
    monkeypatch.setattr(identity_provider_delete, "MAX_METADATA", 1000)
    with pytest.raises(ActionRefused, match="larger than"):
        env.planner().plan(Request.delete_identity_provider(arn))


def test_registry_declares_both_actions_in_one_place() -> None:
    profile = SPECS[ActionId.INSTANCE_PROFILE_DELETE]
    provider = SPECS[ActionId.IDENTITY_PROVIDER_DELETE]
    assert profile.subject is InstanceProfileSubject
    assert provider.subject is IdentityProviderSubject
    assert profile.calls.undo == ("iam:CreateInstanceProfile",)
    assert set(provider.calls.run) == {
        "iam:DeleteOpenIDConnectProvider",
        "iam:DeleteSAMLProvider",
    }
