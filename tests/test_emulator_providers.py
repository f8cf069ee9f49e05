"""The emulator answers the instance-profile and identity-provider calls as AWS does where moto
is lax (each test is named for the AWS behaviour)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from iamtui.emulator.demo import saml_metadata

ACCOUNT = "123456789012"


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_a_saml_provider_name_is_taken_once(iam: Any) -> None:
    """AWS CreateSAMLProvider: EntityAlreadyExists (moto replaced the first provider)."""
    first = saml_metadata("https://first.example")
    iam.create_saml_provider(Name="Okta", SAMLMetadataDocument=first)
    with pytest.raises(ClientError) as exc:
        iam.create_saml_provider(
            Name="Okta", SAMLMetadataDocument=saml_metadata("https://second.example")
        )
    assert code(exc) == "EntityAlreadyExists"
    arn = f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"
    assert iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"] == first


def test_an_oidc_provider_url_is_taken_once(iam: Any) -> None:
    """AWS CreateOpenIDConnectProvider: EntityAlreadyExists (moto agrees)."""
    url = "https://token.actions.githubusercontent.com"
    iam.create_open_id_connect_provider(Url=url, ClientIDList=["sts.amazonaws.com"])
    with pytest.raises(ClientError) as exc:
        iam.create_open_id_connect_provider(Url=url, ClientIDList=["sts.amazonaws.com"])
    assert code(exc) == "EntityAlreadyExists"


@pytest.mark.parametrize(
    ("method", "param", "arn"),
    [
        ("delete_saml_provider", "SAMLProviderArn", f"arn:aws:iam::{ACCOUNT}:saml-provider/Gone"),
        (
            "delete_open_id_connect_provider",
            "OpenIDConnectProviderArn",
            f"arn:aws:iam::{ACCOUNT}:oidc-provider/gone.example.com",
        ),
    ],
)
def test_deleting_a_provider_that_is_not_there_fails_no_such_entity(
    iam: Any, method: str, param: str, arn: str
) -> None:
    """AWS DeleteSAMLProvider / DeleteOpenIDConnectProvider: NoSuchEntity (moto said OK)."""
    with pytest.raises(ClientError) as exc:
        getattr(iam, method)(**{param: arn})
    assert code(exc) == "NoSuchEntity"


def test_an_instance_profile_holding_a_role_cannot_be_deleted(iam: Any) -> None:
    """AWS DeleteInstanceProfile: DeleteConflict while a role is in it (moto agrees)."""
    iam.create_role(
        RoleName="web", AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}'
    )
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web")
    with pytest.raises(ClientError) as exc:
        iam.delete_instance_profile(InstanceProfileName="web")
    assert code(exc) == "DeleteConflict"


def test_list_instance_profiles_pages_at_max_items(iam: Any) -> None:
    """AWS ListInstanceProfiles: MaxItems, IsTruncated and Marker (moto returned everything)."""
    for i in range(3):
        iam.create_instance_profile(InstanceProfileName=f"p{i}")
    first = iam.list_instance_profiles(MaxItems=2)
    assert len(first["InstanceProfiles"]) == 2 and first["IsTruncated"]
    rest = iam.list_instance_profiles(MaxItems=2, Marker=first["Marker"])
    assert [p["InstanceProfileName"] for p in rest["InstanceProfiles"]] == ["p2"]
    assert not rest["IsTruncated"]
