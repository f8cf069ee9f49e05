"""The emulator serves several accounts of one organization as AWS does: the OU tree, AssumeRole
into a member (its role and trust required), and an account over its API rate."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import NOW

from iamtui.emulator.fidelity.organizations import add_unit, seed_organization
from iamtui.emulator.seed import Seeder, trust_aws
from iamtui.emulator.server import Emulator

MGMT = "111111111111"
MEMBER = "222222222222"
OTHER = "333333333333"
ROLE = "OrganizationAccountAccessRole"


def _role(emulator: Emulator, account: str, **trust: Any) -> None:
    Seeder(emulator.backend(account), emulator.extras(account), NOW).role(
        ROLE, trust=trust_aws(f"arn:aws:iam::{MGMT}:root", **trust)
    )


def _assume(emulator: Emulator, account: str, **kwargs: Any) -> Any:
    sts = emulator.client("sts", account_id=MGMT)
    return sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="iamtui-test", **kwargs
    )["Credentials"]


def _as(emulator: Emulator, credentials: Any, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=emulator.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def test_the_ou_tree_answers_as_organizations_does(emulator: Emulator) -> None:
    """AWS: ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent, ListParents."""
    org = seed_organization(MGMT, [MEMBER, OTHER])
    workloads = add_unit(org, "Workloads")
    prod = add_unit(org, "Prod", workloads)
    org.account_parents[MEMBER] = prod
    client = emulator.client("organizations", account_id=MGMT)
    (root,) = client.list_roots()["Roots"]
    assert root["Id"] == org.root_id and root["Id"].startswith("r-")
    top = client.list_organizational_units_for_parent(ParentId=root["Id"])
    assert [u["Name"] for u in top["OrganizationalUnits"]] == ["Workloads"]
    below = client.list_organizational_units_for_parent(ParentId=workloads)
    assert [(u["Id"], u["Name"]) for u in below["OrganizationalUnits"]] == [(prod, "Prod")]
    at_root = client.list_accounts_for_parent(ParentId=root["Id"])["Accounts"]
    assert sorted(a["Id"] for a in at_root) == [MGMT, OTHER]
    assert [a["Id"] for a in client.list_accounts_for_parent(ParentId=prod)["Accounts"]] == [MEMBER]
    assert client.list_parents(ChildId=MEMBER)["Parents"] == [
        {"Id": prod, "Type": "ORGANIZATIONAL_UNIT"}
    ]
    assert client.list_parents(ChildId=workloads)["Parents"] == [{"Id": root["Id"], "Type": "ROOT"}]
    with pytest.raises(ClientError) as unknown:
        client.list_accounts_for_parent(ParentId="ou-nope-12345678")
    assert unknown.value.response["Error"]["Code"] == "ParentNotFoundException"


def test_the_tree_is_for_the_management_account_only(emulator: Emulator) -> None:
    """AWS: a member that is no delegated administrator is denied the organization's structure."""
    seed_organization(MGMT, [MEMBER])
    member = emulator.client("organizations", account_id=MEMBER)
    for call in (member.list_roots, member.list_accounts):
        with pytest.raises(ClientError) as denied:
            call()
        assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def test_list_calls_page_twenty_at_most(emulator: Emulator) -> None:
    """AWS: MaxResults is 1-20; NextToken continues."""
    members = [f"{300000000000 + i:012d}" for i in range(25)]
    org = seed_organization(MGMT, members)
    client = emulator.client("organizations", account_id=MGMT)
    first = client.list_accounts_for_parent(ParentId=org.root_id)
    assert len(first["Accounts"]) == 20 and "NextToken" in first
    rest = client.list_accounts_for_parent(ParentId=org.root_id, NextToken=first["NextToken"])
    assert len(rest["Accounts"]) == 6 and "NextToken" not in rest


def test_assume_role_credentials_act_in_the_role_account(emulator: Emulator) -> None:
    """AWS: AssumeRole into another account's role returns credentials of that account."""
    _role(emulator, MEMBER)
    credentials = _assume(emulator, MEMBER)
    identity = _as(emulator, credentials, "sts").get_caller_identity()
    assert identity["Account"] == MEMBER
    assert identity["Arn"] == f"arn:aws:sts::{MEMBER}:assumed-role/{ROLE}/iamtui-test"
    roles = _as(emulator, credentials, "iam").list_roles()["Roles"]
    assert [r["Arn"] for r in roles] == [f"arn:aws:iam::{MEMBER}:role/{ROLE}"]


def test_assume_role_into_a_missing_role_is_access_denied(emulator: Emulator) -> None:
    """AWS: "not authorized to perform: sts:AssumeRole" when the role does not exist."""
    with pytest.raises(ClientError) as denied:
        _assume(emulator, OTHER)
    error = denied.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert error["Message"].endswith(
        f"is not authorized to perform: sts:AssumeRole on resource: "
        f"arn:aws:iam::{OTHER}:role/{ROLE}"
    )


def test_assume_role_needs_a_trust_naming_the_caller_and_its_external_id(
    emulator: Emulator,
) -> None:
    """AWS: the trust policy must allow the caller; an sts:ExternalId condition must be met."""
    Seeder(emulator.backend(OTHER), emulator.extras(OTHER), NOW).role(
        ROLE, trust=trust_aws("arn:aws:iam::999999999999:root")
    )
    with pytest.raises(ClientError) as denied:
        _assume(emulator, OTHER)
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    _role(emulator, MEMBER, external_id="4711")
    with pytest.raises(ClientError):
        _assume(emulator, MEMBER)
    with pytest.raises(ClientError):
        _assume(emulator, MEMBER, ExternalId="4712")
    assert _assume(emulator, MEMBER, ExternalId="4711")["AccessKeyId"].startswith("ASIA")


def test_a_throttled_account_answers_throttling_on_its_iam_calls(emulator: Emulator) -> None:
    """AWS: IAM answers Throttling (HTTP 400, "Rate exceeded") when an account calls too fast."""
    emulator.extras(MEMBER).throttle_next = 1
    iam = emulator.client("iam", account_id=MEMBER, config=_no_retries())
    with pytest.raises(ClientError) as throttled:
        iam.list_users()
    error = throttled.value.response
    assert error["Error"]["Code"] == "Throttling" and error["Error"]["Message"] == "Rate exceeded"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert iam.list_users()["Users"] == []  # the burst is over
    emulator.extras(MEMBER).throttled = True
    with pytest.raises(ClientError):
        iam.list_users()
    other = emulator.client("iam", account_id=OTHER, config=_no_retries())
    assert other.list_users()["Users"] == []  # rates are per account
    sts = emulator.client("sts", account_id=MEMBER)
    assert sts.get_caller_identity()["Account"] == MEMBER  # only IAM throttles here


def _no_retries() -> Any:
    from botocore.config import Config

    return Config(retries={"total_max_attempts": 1})


@pytest.mark.parametrize(
    "role_arn",
    [f"arn:aws:iam::{MGMT}:role/\x1b]0;pwned\x07X\nY", f"arn:aws:iam::{MGMT}:role/" + "r" * 2048],
)
def test_assume_role_with_a_role_arn_outside_the_documented_pattern_is_a_validation_error(
    emulator: Emulator, role_arn: str
) -> None:
    """AWS: AssumeRole's RoleArn is 20-2048 characters of its documented pattern (STS API
    Reference, AssumeRole); the error answer parses, its message free of XML-invalid bytes."""
    sts = emulator.client("sts", account_id=MGMT)
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=role_arn, RoleSessionName="iamtui-test")
    assert info.value.response["Error"]["Code"] == "ValidationError"


def test_an_error_message_with_xml_invalid_characters_still_parses() -> None:
    from xml.etree import ElementTree

    from iamtui.emulator.fidelity.wire import IamError, error_response

    response = error_response(IamError("AccessDenied", "no\x1b]0;pwn\x07 & <x>\ufffe"), "r-1")
    root = ElementTree.fromstring(response.body)
    (message,) = [n.text for n in root.iter() if n.tag.endswith("Message")]
    assert message == "no]0;pwn & <x>"
