"""The emulator answers root and centralized-root-access calls like AWS (over HTTP, via boto3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.config
import pytest
from botocore.exceptions import ClientError
from conftest import NOW

from iamtui.emulator.fidelity.organizations import seed_organization
from iamtui.emulator.fidelity.root import give_root_key
from iamtui.emulator.server import Emulator
from iamtui.emulator.state import RootKey

MANAGEMENT = "111111111111"
MEMBER = "222222222222"
OUTSIDER = "333333333333"
DELETE_TASK = {"arn": "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"}
AUDIT_TASK = {"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}


def code_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    error = excinfo.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]


def signed_as(emulator: Emulator, service: str, creds: dict[str, str] | RootKey) -> Any:
    """A client signing with temporary credentials (AssumeRoot) or one of root's keys."""
    if isinstance(creds, RootKey):
        return emulator.client(
            service, aws_access_key_id=creds.key_id, aws_secret_access_key=creds.secret
        )
    return emulator.client(
        service,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


@pytest.fixture
def org(emulator: Emulator) -> Iterator[None]:
    """Management and member accounts in one organization; the member's root has one key."""
    seed_organization(MANAGEMENT, [MEMBER])
    give_root_key(MEMBER, NOW - timedelta(days=400))
    yield


def enable_centralized_root_access(emulator: Emulator) -> None:
    iam = emulator.client("iam", account_id=MANAGEMENT)
    iam.enable_organizations_root_credentials_management()
    iam.enable_organizations_root_sessions()


def assume_root(emulator: Emulator, account: str = MANAGEMENT, **kwargs: Any) -> dict[str, str]:
    sts = emulator.client("sts", account_id=account)
    params: dict[str, Any] = {"TargetPrincipal": MEMBER, "TaskPolicyArn": DELETE_TASK}
    credentials: dict[str, str] = sts.assume_root(**(params | kwargs))["Credentials"]
    return credentials


# --- Account API: alternate contacts ---------------------------------------------------------


def test_get_alternate_contact_unset_is_resource_not_found(emulator: Emulator) -> None:
    """AWS: GetAlternateContact for a type never set fails with ResourceNotFoundException."""
    account = emulator.client("account")
    with pytest.raises(account.exceptions.ResourceNotFoundException):
        account.get_alternate_contact(AlternateContactType="SECURITY")


def test_alternate_contact_is_per_account_and_round_trips(emulator: Emulator) -> None:
    """AWS: PutAlternateContact sets one account's contact; GetAlternateContact returns it."""
    mine = emulator.client("account")
    mine.put_alternate_contact(
        AlternateContactType="SECURITY",
        Name="Sec Team",
        Title="SecOps",
        EmailAddress="sec@example.com",
        PhoneNumber="+1 555 0100",
    )
    got = mine.get_alternate_contact(AlternateContactType="SECURITY")["AlternateContact"]
    assert got["EmailAddress"] == "sec@example.com" and got["AlternateContactType"] == "SECURITY"
    other = emulator.client("account", account_id=OUTSIDER)
    with pytest.raises(other.exceptions.ResourceNotFoundException):
        other.get_alternate_contact(AlternateContactType="SECURITY")


# --- IAM: organizations features -------------------------------------------------------------


def test_features_outside_an_organization_is_organization_not_found(emulator: Emulator) -> None:
    """AWS: ListOrganizationsFeatures with no organization -> OrganizationNotFoundException."""
    iam = emulator.client("iam")
    with pytest.raises(iam.exceptions.OrganizationNotFoundException):
        iam.list_organizations_features()


def test_member_account_may_not_read_or_change_features(emulator: Emulator, org: None) -> None:
    """AWS: only the management account or IAM delegated admin manages centralized root access."""
    iam = emulator.client("iam", account_id=MEMBER)
    with pytest.raises(iam.exceptions.AccountNotManagementOrDelegatedAdministratorException):
        iam.list_organizations_features()
    with pytest.raises(iam.exceptions.AccountNotManagementOrDelegatedAdministratorException):
        iam.enable_organizations_root_sessions()


def test_features_need_iam_trusted_access_and_all_features(emulator: Emulator) -> None:
    """AWS: without IAM trusted access -> ServiceAccessNotEnabledException; consolidated-billing
    organizations -> OrganizationNotInAllFeaturesModeException."""
    seed_organization(MANAGEMENT, [MEMBER], iam_trusted_access=False)
    iam = emulator.client("iam", account_id=MANAGEMENT)
    with pytest.raises(iam.exceptions.ServiceAccessNotEnabledException):
        iam.enable_organizations_root_credentials_management()
    seed_organization(MANAGEMENT, [MEMBER], all_features=False)
    with pytest.raises(iam.exceptions.OrganizationNotInAllFeaturesModeException):
        iam.list_organizations_features()


def test_only_the_management_account_enables_the_delegated_admin_may_disable(
    emulator: Emulator,
) -> None:
    """AWS: Enable* from the delegated admin -> CallerIsNotManagementAccountException; List and
    Disable are allowed to it."""
    seed_organization(MANAGEMENT, [MEMBER], delegated_admin=MEMBER, features=["RootSessions"])
    delegate = emulator.client("iam", account_id=MEMBER)
    with pytest.raises(delegate.exceptions.CallerIsNotManagementAccountException):
        delegate.enable_organizations_root_credentials_management()
    assert delegate.list_organizations_features()["EnabledFeatures"] == ["RootSessions"]
    assert delegate.disable_organizations_root_sessions()["EnabledFeatures"] == []


def test_enable_and_disable_round_trip_and_mirror_root_state(emulator: Emulator, org: None) -> None:
    """AWS: Enable/Disable return the org id and the features now enabled."""
    iam = emulator.client("iam", account_id=MANAGEMENT)
    first = iam.list_organizations_features()
    assert first["OrganizationId"].startswith("o-") and first["EnabledFeatures"] == []
    assert iam.enable_organizations_root_credentials_management()["EnabledFeatures"] == [
        "RootCredentialsManagement"
    ]
    assert iam.enable_organizations_root_sessions()["EnabledFeatures"] == [
        "RootCredentialsManagement",
        "RootSessions",
    ]
    assert emulator.extras(MEMBER).root.centralized_root_access
    assert iam.disable_organizations_root_credentials_management()["EnabledFeatures"] == [
        "RootSessions"
    ]
    assert not emulator.extras(MEMBER).root.centralized_root_access


# --- STS AssumeRoot, end to end --------------------------------------------------------------


def test_assume_root_deletes_a_member_root_key_end_to_end(emulator: Emulator, org: None) -> None:
    """AWS: the management account enables centralized root access, assumes the member's root
    with IAMDeleteRootUserCredentials (<= 900 s), lists and deletes root's key (no UserName: IAM
    infers root from the signing key); deactivating is outside that task policy; the member's
    account summary then shows no root keys."""
    enable_centralized_root_access(emulator)
    before = datetime.now(UTC)
    creds = assume_root(emulator, DurationSeconds=900)
    assert creds["AccessKeyId"].startswith("ASIA")
    expiration: Any = creds["Expiration"]
    assert before + timedelta(seconds=880) < expiration <= before + timedelta(seconds=910)
    who = signed_as(emulator, "sts", creds).get_caller_identity()
    assert (who["Arn"], who["Account"]) == (f"arn:aws:iam::{MEMBER}:root", MEMBER)
    root_iam = signed_as(emulator, "iam", creds)
    (listed,) = root_iam.list_access_keys()["AccessKeyMetadata"]
    assert listed["Status"] == "Active" and "UserName" not in listed
    key_id = listed["AccessKeyId"]
    with pytest.raises(ClientError) as denied:
        root_iam.update_access_key(AccessKeyId=key_id, Status="Inactive")
    assert code_of(denied) == ("AccessDenied", 403)
    member = emulator.client("iam", account_id=MEMBER)
    assert member.get_account_summary()["SummaryMap"]["AccountAccessKeysPresent"] == 1
    root_iam.delete_access_key(AccessKeyId=key_id)
    assert root_iam.list_access_keys()["AccessKeyMetadata"] == []
    assert member.get_account_summary()["SummaryMap"]["AccountAccessKeysPresent"] == 0
    emulator.extras(MEMBER).report_generation_polls = 0
    member.generate_credential_report()
    report = member.get_credential_report()["Content"].decode().splitlines()
    root_row = next(line for line in report if line.startswith("<root_account>")).split(",")
    assert root_row[8:10] == ["false", "N/A"]  # access_key_1_active, last_rotated


def test_assume_root_session_is_limited_to_its_task_policy(emulator: Emulator, org: None) -> None:
    """AWS: a root session may only call the task policy's actions, and only on root itself."""
    enable_centralized_root_access(emulator)
    audit = signed_as(emulator, "iam", assume_root(emulator, TaskPolicyArn=AUDIT_TASK))
    assert audit.get_account_summary()["SummaryMap"]["AccountAccessKeysPresent"] == 1
    (key,) = audit.list_access_keys()["AccessKeyMetadata"]
    with pytest.raises(ClientError) as denied:
        audit.delete_access_key(AccessKeyId=key["AccessKeyId"])
    assert code_of(denied) == ("AccessDenied", 403)
    emulator.backend(MEMBER).create_user(region_name="us-east-1", user_name="bob")
    delete = signed_as(emulator, "iam", assume_root(emulator))
    with pytest.raises(ClientError) as other_user:
        delete.list_access_keys(UserName="bob")
    assert code_of(other_user)[0] == "AccessDenied"
    assert "user/bob" in other_user.value.response["Error"]["Message"]


def test_assume_root_session_expires(emulator: Emulator, org: None) -> None:
    """AWS: requests with expired temporary credentials fail with ExpiredToken."""
    enable_centralized_root_access(emulator)
    root_iam = signed_as(emulator, "iam", assume_root(emulator, DurationSeconds=60))
    root_iam.list_access_keys()
    emulator.extras(MEMBER).clock = lambda: datetime.now(UTC) + timedelta(seconds=61)
    with pytest.raises(ClientError) as expired:
        root_iam.list_access_keys()
    assert code_of(expired) == ("ExpiredToken", 403)


@pytest.mark.parametrize(
    ("setup", "caller", "kwargs", "expected"),
    [
        ("no-sessions", MANAGEMENT, {}, "AccessDenied"),
        ("enabled", MEMBER, {}, "AccessDenied"),  # a member may not assume another's root
        ("enabled", OUTSIDER, {}, "AccessDenied"),  # not in the organization
        ("enabled", MANAGEMENT, {"TargetPrincipal": OUTSIDER}, "AccessDenied"),
        ("enabled", MANAGEMENT, {"TargetPrincipal": MANAGEMENT}, "AccessDenied"),
        (
            "enabled",
            MANAGEMENT,
            {"TaskPolicyArn": {"arn": "arn:aws:iam::aws:policy/AdministratorAccess"}},
            "ValidationError",
        ),
        ("enabled", MANAGEMENT, {"DurationSeconds": 3600}, "ValidationError"),
    ],
)
def test_assume_root_refusals(
    emulator: Emulator,
    org: None,
    setup: str,
    caller: str,
    kwargs: dict[str, Any],
    expected: str,
) -> None:
    """AWS: AssumeRoot needs root sessions enabled, a management (or delegated admin) caller,
    a member target, a root-task policy and at most 900 seconds."""
    iam = emulator.client("iam", account_id=MANAGEMENT)
    iam.enable_organizations_root_credentials_management()
    if setup == "enabled":
        iam.enable_organizations_root_sessions()
    sts = emulator.client(
        "sts",
        account_id=caller,
        config=botocore.config.Config(parameter_validation=False),
    )
    params: dict[str, Any] = {"TargetPrincipal": MEMBER, "TaskPolicyArn": DELETE_TASK}
    with pytest.raises(ClientError) as refused:
        sts.assume_root(**(params | kwargs))
    assert code_of(refused)[0] == expected


def test_root_credentials_may_not_call_assume_root(emulator: Emulator, org: None) -> None:
    """AWS: AssumeRoot cannot be called with root user credentials."""
    enable_centralized_root_access(emulator)
    own = give_root_key(MANAGEMENT, NOW)
    with pytest.raises(ClientError) as refused:
        signed_as(emulator, "sts", own).assume_root(
            TargetPrincipal=MEMBER, TaskPolicyArn=DELETE_TASK
        )
    assert code_of(refused) == ("AccessDenied", 403)


# --- calls signed with root's own keys -------------------------------------------------------


def test_root_key_acts_as_root_on_its_own_keys(emulator: Emulator) -> None:
    """AWS: signed with a root key, GetCallerIdentity names root and ListAccessKeys /
    UpdateAccessKey / DeleteAccessKey without UserName act on root's keys; an inactive or
    deleted key stops authenticating."""
    old = give_root_key(MEMBER, NOW - timedelta(days=900))
    new = give_root_key(MEMBER, NOW - timedelta(days=1))
    sts = signed_as(emulator, "sts", new)
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{MEMBER}:root"
    iam = signed_as(emulator, "iam", new)
    listed = iam.list_access_keys()["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [old.key_id, new.key_id]
    iam.update_access_key(AccessKeyId=old.key_id, Status="Inactive")
    assert [k["Status"] for k in iam.list_access_keys()["AccessKeyMetadata"]] == [
        "Inactive",
        "Active",
    ]
    with pytest.raises(ClientError) as rejected:
        signed_as(emulator, "iam", old).list_access_keys()
    assert code_of(rejected) == ("InvalidClientTokenId", 403)
    with pytest.raises(ClientError) as missing:
        iam.delete_access_key(AccessKeyId="AKIANOTAROOTKEY00000")
    assert code_of(missing)[0] == "NoSuchEntity"
    iam.delete_access_key(AccessKeyId=old.key_id)
    with pytest.raises(ClientError) as deleted:
        signed_as(emulator, "iam", old).list_access_keys()
    assert code_of(deleted) == ("InvalidClientTokenId", 403)
    summary = emulator.client("iam", account_id=MEMBER).get_account_summary()["SummaryMap"]
    assert summary["AccountAccessKeysPresent"] == 1


def test_root_key_use_is_tracked_like_aws(emulator: Emulator) -> None:
    """AWS: GetAccessKeyLastUsed (and the report's root row) show a root key's last use."""
    key = give_root_key(MEMBER, NOW - timedelta(days=30))
    viewer = emulator.client("iam", account_id=MEMBER)
    never = viewer.get_access_key_last_used(AccessKeyId=key.key_id)["AccessKeyLastUsed"]
    assert never == {"ServiceName": "N/A", "Region": "N/A"}
    signed_as(emulator, "sts", key).get_caller_identity()
    used = viewer.get_access_key_last_used(AccessKeyId=key.key_id)["AccessKeyLastUsed"]
    assert (used["ServiceName"], used["Region"]) == ("sts", "us-east-1")
    assert "LastUsedDate" in used


def test_root_calls_with_user_name_still_reach_iam_users(emulator: Emulator) -> None:
    """AWS: root may manage IAM users; naming a user acts on that user, not on root."""
    key = give_root_key(MEMBER, NOW)
    emulator.backend(MEMBER).create_user(region_name="us-east-1", user_name="bob")
    iam = signed_as(emulator, "iam", key)
    created = iam.create_access_key(UserName="bob")["AccessKey"]
    listed = iam.list_access_keys(UserName="bob")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [created["AccessKeyId"]]
    assert [k["AccessKeyId"] for k in iam.list_access_keys()["AccessKeyMetadata"]] == [key.key_id]
