"""The emulator answers like AWS IAM where moto alone is lax: one test per reproduced behaviour.

Every test talks HTTP to the in-process emulator with a real boto3 client; seeding goes through
moto's backend objects (fast, any date) or the API.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.iam.models import AccessKeyLastUsed, AWSManagedPolicy, SigningCertificate

from iamtui.emulator.server import Emulator
from iamtui.emulator.state import ActionUsage, RootKey

ACCOUNT = "123456789012"
CERT_ID = "C" * 24
CERT_ID2 = "D" * 24
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def document(*actions: str, effect: str = "Allow", key: str = "Action") -> str:
    """A one-statement policy document."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": effect, key: list(actions), "Resource": "*"}],
        }
    )


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    """(code, HTTP status, message) of a boto3 error."""
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def policy_arn(iam: Any, name: str, *actions: str) -> str:
    """Create a customer-managed policy."""
    return str(
        iam.create_policy(PolicyName=name, PolicyDocument=document(*actions))["Policy"]["Arn"]
    )


def report_rows(iam: Any) -> dict[str, dict[str, str]]:
    """The credential report parsed by user."""
    content = iam.get_credential_report()["Content"].decode()
    return {row["user"]: row for row in csv.DictReader(io.StringIO(content))}


def complete_report(iam: Any) -> None:
    """Poll GenerateCredentialReport until COMPLETE, as clients must (generation takes time)."""
    for _ in range(100):
        if iam.generate_credential_report()["State"] == "COMPLETE":
            return
        time.sleep(0.05)
    raise AssertionError("report never completed")


def finish_job(iam: Any, job_id: str, **kwargs: Any) -> dict[str, Any]:
    """Poll GetServiceLastAccessedDetails until the job completes."""
    for _ in range(10):
        answer: dict[str, Any] = iam.get_service_last_accessed_details(JobId=job_id, **kwargs)
        if answer["JobStatus"] == "COMPLETED":
            return answer
    raise AssertionError("job never completed")


# ------------------------------------------------------------------------------- DeleteUser


def _login_profile(iam: Any, emulator: Emulator) -> Callable[[], None]:
    iam.create_login_profile(UserName="bob", Password="Passw0rd!x")
    return lambda: iam.delete_login_profile(UserName="bob")


def _access_key(iam: Any, emulator: Emulator) -> Callable[[], None]:
    key = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
    return lambda: iam.delete_access_key(UserName="bob", AccessKeyId=key)


def _mfa_device(iam: Any, emulator: Emulator) -> Callable[[], None]:
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob")["VirtualMFADevice"][
        "SerialNumber"
    ]
    iam.enable_mfa_device(
        UserName="bob",
        SerialNumber=serial,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )

    def undo() -> None:
        iam.deactivate_mfa_device(UserName="bob", SerialNumber=serial)
        iam.delete_virtual_mfa_device(SerialNumber=serial)

    return undo


def _ssh_key(iam: Any, emulator: Emulator) -> Callable[[], None]:
    key = iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody="ssh-rsa AAAAB3Nza bob")
    key_id = key["SSHPublicKey"]["SSHPublicKeyId"]
    return lambda: iam.delete_ssh_public_key(UserName="bob", SSHPublicKeyId=key_id)


def _signing_certificate(iam: Any, emulator: Emulator) -> Callable[[], None]:
    user = emulator.backend().users["bob"]
    user.signing_certificates[CERT_ID] = SigningCertificate(CERT_ID, "bob", "body")
    return lambda: iam.delete_signing_certificate(UserName="bob", CertificateId=CERT_ID)


def _service_credential(iam: Any, emulator: Emulator) -> Callable[[], None]:
    credential = iam.create_service_specific_credential(
        UserName="bob", ServiceName="codecommit.amazonaws.com"
    )["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
    return lambda: iam.delete_service_specific_credential(
        UserName="bob", ServiceSpecificCredentialId=credential
    )


def _group(iam: Any, emulator: Emulator) -> Callable[[], None]:
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="bob")
    return lambda: iam.remove_user_from_group(GroupName="devs", UserName="bob")


def _attached_policy(iam: Any, emulator: Emulator) -> Callable[[], None]:
    arn = policy_arn(iam, "p", "s3:*")
    iam.attach_user_policy(UserName="bob", PolicyArn=arn)
    return lambda: iam.detach_user_policy(UserName="bob", PolicyArn=arn)


def _inline_policy(iam: Any, emulator: Emulator) -> Callable[[], None]:
    iam.put_user_policy(UserName="bob", PolicyName="inline", PolicyDocument=document("s3:*"))
    return lambda: iam.delete_user_policy(UserName="bob", PolicyName="inline")


@pytest.mark.parametrize(
    ("attach", "message"),
    [
        (_login_profile, "must delete login profile first."),
        (_access_key, "must delete access keys first."),
        (_mfa_device, "must delete MFA device first."),
        (_ssh_key, "must delete SSH public keys first."),
        (_signing_certificate, "must delete signing certificates first."),
        (_service_credential, "must delete service specific credentials first."),
        (_group, "must remove users from group first."),
        (_attached_policy, "must detach all policies first."),
        (_inline_policy, "must delete policies first."),
    ],
    ids=lambda value: getattr(value, "__name__", "").lstrip("_") or None,
)
def test_delete_user_conflicts_until_every_attachment_is_removed(
    iam: Any,
    emulator: Emulator,
    attach: Callable[[Any, Emulator], Callable[[], None]],
    message: str,
) -> None:
    """AWS: DeleteUser fails with 409 DeleteConflict while anything still hangs on the user."""
    iam.create_user(UserName="bob")
    undo = attach(iam, emulator)
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName="bob")
    assert error_of(excinfo) == ("DeleteConflict", 409, f"Cannot delete entity, {message}")
    undo()
    iam.delete_user(UserName="bob")
    assert "bob" not in emulator.backend().users


def test_delete_user_is_not_blocked_by_a_permissions_boundary(iam: Any) -> None:
    """AWS: a permissions boundary does not block DeleteUser."""
    iam.create_user(UserName="bob")
    iam.put_user_permissions_boundary(
        UserName="bob", PermissionsBoundary=policy_arn(iam, "b", "s3:*")
    )
    iam.delete_user(UserName="bob")


def test_delete_missing_user_is_no_such_entity(iam: Any) -> None:
    """AWS: deleting an unknown user is 404 NoSuchEntity."""
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName="ghost")
    assert error_of(excinfo)[:2] == ("NoSuchEntity", 404)


def test_delete_group_conflicts_while_it_has_members(iam: Any) -> None:
    """AWS: DeleteGroup fails with DeleteConflict while users are members (moto drops it)."""
    iam.create_user(UserName="bob")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="bob")
    with pytest.raises(ClientError) as excinfo:
        iam.delete_group(GroupName="devs")
    assert error_of(excinfo)[:2] == ("DeleteConflict", 409)
    iam.remove_user_from_group(GroupName="devs", UserName="bob")
    iam.delete_group(GroupName="devs")


def test_delete_policy_conflicts_while_attached(iam: Any) -> None:
    """AWS: DeletePolicy fails with DeleteConflict while the policy is attached."""
    iam.create_user(UserName="bob")
    arn = policy_arn(iam, "p", "s3:*")
    iam.attach_user_policy(UserName="bob", PolicyArn=arn)
    with pytest.raises(ClientError) as excinfo:
        iam.delete_policy(PolicyArn=arn)
    assert error_of(excinfo)[:2] == ("DeleteConflict", 409)
    iam.detach_user_policy(UserName="bob", PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)


def test_delete_policy_conflicts_while_it_has_non_default_versions(iam: Any) -> None:
    """AWS: DeletePolicy needs the policy's non-default versions deleted first."""
    arn = policy_arn(iam, "p", "s3:*")
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=document("sqs:*"))
    with pytest.raises(ClientError) as excinfo:
        iam.delete_policy(PolicyArn=arn)
    assert error_of(excinfo)[:2] == ("DeleteConflict", 409)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    iam.delete_policy(PolicyArn=arn)


@pytest.mark.parametrize(
    ("kind", "quota"), [("User", "PoliciesPerUser"), ("Role", "PoliciesPerRole")]
)
def test_an_eleventh_managed_policy_exceeds_the_principals_quota(
    iam: Any, kind: str, quota: str
) -> None:
    """AWS: 10 managed policies per user and per role by default; the eleventh is LimitExceeded."""
    if kind == "User":
        iam.create_user(UserName="app")
    else:
        iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    attach = getattr(iam, f"attach_{kind.lower()}_policy")
    arns = [policy_arn(iam, f"p{n}", "s3:*") for n in range(11)]
    for arn in arns[:10]:
        attach(**{f"{kind}Name": "app"}, PolicyArn=arn)
    attach(**{f"{kind}Name": "app"}, PolicyArn=arns[0])  # already attached: not one more
    with pytest.raises(ClientError) as excinfo:
        attach(**{f"{kind}Name": "app"}, PolicyArn=arns[10])
    assert error_of(excinfo) == ("LimitExceeded", 409, f"Cannot exceed quota for {quota}: 10")


def _boundary_of_a_user_and_a_role(iam: Any) -> str:
    """A policy attached to role att and the permissions boundary of user bu and role br."""
    arn = policy_arn(iam, "edge", "s3:*")
    iam.create_user(UserName="bu")
    iam.put_user_permissions_boundary(UserName="bu", PermissionsBoundary=arn)
    iam.create_role(RoleName="br", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=arn)
    iam.create_role(RoleName="att", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="att", PolicyArn=arn)
    return arn


def test_get_policy_counts_the_principals_it_is_the_permissions_boundary_of(iam: Any) -> None:
    """AWS: GetPolicy's Policy has PermissionsBoundaryUsageCount beside AttachmentCount."""
    arn = _boundary_of_a_user_and_a_role(iam)
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert (policy["AttachmentCount"], policy["PermissionsBoundaryUsageCount"]) == (1, 2)
    other = iam.get_policy(PolicyArn=policy_arn(iam, "plain", "s3:*"))["Policy"]
    assert other["PermissionsBoundaryUsageCount"] == 0


def test_list_entities_for_policy_lists_boundary_holders_unless_filtered(iam: Any) -> None:
    """AWS: without PolicyUsageFilter every use is listed, boundaries included."""
    arn = _boundary_of_a_user_and_a_role(iam)

    def listed(**kwargs: Any) -> tuple[list[str], list[str]]:
        page = iam.list_entities_for_policy(PolicyArn=arn, **kwargs)
        return (
            sorted(u["UserName"] for u in page["PolicyUsers"]),
            sorted(r["RoleName"] for r in page["PolicyRoles"]),
        )

    assert listed() == (["bu"], ["att", "br"])
    assert listed(PolicyUsageFilter="PermissionsPolicy") == ([], ["att"])
    assert listed(PolicyUsageFilter="PermissionsBoundary") == (["bu"], ["br"])
    assert listed(EntityFilter="Role") == ([], ["att", "br"])


def test_delete_virtual_mfa_device_conflicts_while_assigned(iam: Any, emulator: Emulator) -> None:
    """AWS: an assigned virtual MFA device must be deactivated before it can be deleted."""
    iam.create_user(UserName="bob")
    undo = _mfa_device(iam, emulator)
    serial = next(iter(emulator.backend().virtual_mfa_devices))
    with pytest.raises(ClientError) as excinfo:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert error_of(excinfo)[:2] == ("DeleteConflict", 409)
    undo()


# ------------------------------------------------------------------- service-linked roles


def _service_linked_role(iam: Any) -> str:
    role = iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")["Role"]
    return str(role["RoleName"])


@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        ("delete_role", {}),
        ("put_role_policy", {"PolicyName": "x", "PolicyDocument": document("s3:*")}),
        ("delete_role_policy", {"PolicyName": "x"}),
        ("attach_role_policy", {"PolicyArn": "arn:aws:iam::123456789012:policy/p"}),
        ("detach_role_policy", {"PolicyArn": "arn:aws:iam::123456789012:policy/p"}),
        ("update_assume_role_policy", {"PolicyDocument": TRUST}),
        (
            "put_role_permissions_boundary",
            {"PermissionsBoundary": "arn:aws:iam::123456789012:policy/p"},
        ),
        ("delete_role_permissions_boundary", {}),
        ("update_role", {"Description": "mine now"}),
        ("update_role_description", {"Description": "mine now"}),
        ("tag_role", {"Tags": [{"Key": "owner", "Value": "me"}]}),
    ],
)
def test_service_linked_roles_are_unmodifiable(
    iam: Any, operation: str, kwargs: dict[str, Any]
) -> None:
    """AWS: a service-linked role cannot be changed or deleted by you (400 UnmodifiableEntity)."""
    name = _service_linked_role(iam)
    with pytest.raises(ClientError) as excinfo:
        getattr(iam, operation)(RoleName=name, **kwargs)
    code, status, message = error_of(excinfo)
    assert (code, status) == ("UnmodifiableEntity", 400)
    assert f"protected role '{name}'" in message


def test_ordinary_roles_stay_modifiable(iam: Any) -> None:
    """AWS: /service-role/ is an ordinary customer path; only /aws-service-role/ is protected."""
    iam.create_role(RoleName="svc", Path="/service-role/", AssumeRolePolicyDocument=TRUST)
    iam.update_role_description(RoleName="svc", Description="fine")
    iam.delete_role(RoleName="svc")


def test_delete_service_linked_role_succeeds_through_its_own_api(
    iam: Any, emulator: Emulator
) -> None:
    """AWS: DeleteServiceLinkedRole removes the role with its policies; the task SUCCEEDED."""
    name = _service_linked_role(iam)
    role = emulator.backend().get_role(name)
    role.put_policy("inline", document("s3:*"))
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    assert task.startswith(f"task/aws-service-role/elasticbeanstalk.amazonaws.com/{name}/")
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    with pytest.raises(ClientError):
        iam.get_role(RoleName=name)


def test_delete_service_linked_role_fails_while_the_service_uses_it(
    iam: Any, emulator: Emulator
) -> None:
    """AWS: the deletion task FAILS with the resources that still use the role, which stays."""
    name = _service_linked_role(iam)
    resource = "arn:aws:elasticbeanstalk:us-east-1:123456789012:environment/app/prod"
    emulator.extras().service_linked_roles_in_use[name] = [resource]
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert status["Status"] == "FAILED"
    assert status["Reason"]["RoleUsageList"][0]["Resources"] == [resource]
    iam.get_role(RoleName=name)


def test_unknown_deletion_task_is_no_such_entity(iam: Any) -> None:
    """AWS: an unknown DeletionTaskId is NoSuchEntity."""
    with pytest.raises(ClientError) as excinfo:
        iam.get_service_linked_role_deletion_status(
            DeletionTaskId="task/aws-service-role/x.amazonaws.com/AWSServiceRoleForX/nope"
        )
    assert error_of(excinfo)[0] == "NoSuchEntity"


# ---------------------------------------------------------------------------- access keys


def test_update_access_key_rejects_unknown_status(iam: Any) -> None:
    """AWS: UpdateAccessKey Status must be Active or Inactive (400 ValidationError)."""
    iam.create_user(UserName="bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
    for status in ("Disabled", "Expired"):
        with pytest.raises(ClientError) as excinfo:
            iam.update_access_key(UserName="bob", AccessKeyId=key, Status=status)
        assert error_of(excinfo)[:2] == ("ValidationError", 400)
    iam.update_access_key(UserName="bob", AccessKeyId=key, Status="Inactive")
    assert iam.list_access_keys(UserName="bob")["AccessKeyMetadata"][0]["Status"] == "Inactive"


def test_ssh_key_and_signing_certificate_status_is_active_or_inactive(iam: Any) -> None:
    """AWS: UpdateSSHPublicKey and UpdateSigningCertificate take Status Active or Inactive only
    (400 ValidationError); moto stores any string."""
    from test_actions_support import certificate, ssh_public_key

    iam.create_user(UserName="bob")
    sid = iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody=ssh_public_key())[
        "SSHPublicKey"
    ]["SSHPublicKeyId"]
    cid = iam.upload_signing_certificate(UserName="bob", CertificateBody=certificate("bob"))[
        "Certificate"
    ]["CertificateId"]
    with pytest.raises(ClientError) as excinfo:
        iam.update_ssh_public_key(UserName="bob", SSHPublicKeyId=sid, Status="Disabled")
    assert error_of(excinfo)[:2] == ("ValidationError", 400)
    with pytest.raises(ClientError) as excinfo:
        iam.update_signing_certificate(UserName="bob", CertificateId=cid, Status="Revoked")
    assert error_of(excinfo)[:2] == ("ValidationError", 400)
    assert iam.list_ssh_public_keys(UserName="bob")["SSHPublicKeys"][0]["Status"] == "Active"
    assert iam.list_signing_certificates(UserName="bob")["Certificates"][0]["Status"] == "Active"


def test_inactive_and_deleted_keys_stop_authenticating(iam: Any, emulator: Emulator) -> None:
    """AWS: a deactivated or deleted access key no longer signs requests (InvalidClientTokenId)."""
    iam.create_user(UserName="bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    as_bob = emulator.client(
        "sts",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    assert as_bob.get_caller_identity()["Arn"].endswith(":user/bob")
    iam.update_access_key(UserName="bob", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as excinfo:
        as_bob.get_caller_identity()
    assert error_of(excinfo)[:2] == ("InvalidClientTokenId", 403)
    iam.update_access_key(UserName="bob", AccessKeyId=key["AccessKeyId"], Status="Active")
    as_bob.get_caller_identity()
    iam.delete_access_key(UserName="bob", AccessKeyId=key["AccessKeyId"])
    with pytest.raises(ClientError) as excinfo:
        as_bob.get_caller_identity()
    assert error_of(excinfo)[0] == "InvalidClientTokenId"


# ----------------------------------------------------------------------- credential report


@pytest.fixture
def clock(emulator: Emulator) -> Iterator[list[datetime]]:
    """A settable clock for the emulated account: clock[0] is "now"."""
    now = [datetime(2026, 6, 1, 12, 0, tzinfo=UTC)]
    emulator.extras().clock = lambda: now[0]
    yield now


def test_credential_report_not_present_before_generation(iam: Any) -> None:
    """AWS: GetCredentialReport before any generation is 410 ReportNotPresent."""
    with pytest.raises(ClientError) as excinfo:
        iam.get_credential_report()
    assert error_of(excinfo)[:2] == ("ReportNotPresent", 410)


def test_credential_report_generation_takes_time(iam: Any, emulator: Emulator) -> None:
    """AWS: generation answers STARTED, then INPROGRESS until done, then COMPLETE; get is 404
    meanwhile."""
    emulator.extras().report_generation_time = timedelta(seconds=0.3)
    assert iam.generate_credential_report()["State"] == "STARTED"
    with pytest.raises(ClientError) as excinfo:
        iam.get_credential_report()
    assert error_of(excinfo)[:2] == ("ReportInProgress", 404)
    assert iam.generate_credential_report()["State"] == "INPROGRESS"
    time.sleep(0.35)
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    assert iam.get_credential_report()["ReportFormat"] == "text/csv"


def test_credential_report_completes_on_its_own_after_generate_then_wait(
    iam: Any, emulator: Emulator
) -> None:
    """AWS: generate once, wait, then GetCredentialReport works without generating again (the
    AWS CLI habit); the report is built by AWS's clock, not by the client's polls."""
    emulator.extras().report_generation_time = timedelta(seconds=0.2)
    iam.create_user(UserName="bob")
    assert iam.generate_credential_report()["State"] == "STARTED"
    time.sleep(0.25)
    assert "bob" in report_rows(iam)


def test_credential_report_is_frozen_at_generation(
    iam: Any, emulator: Emulator, clock: list[datetime]
) -> None:
    """AWS: the report is a snapshot; users deleted later still appear until a new one is made."""
    iam.create_user(UserName="bob")
    complete_report(iam)
    generated = iam.get_credential_report()["GeneratedTime"]
    assert generated == clock[0]
    iam.delete_user(UserName="bob")
    clock[0] += timedelta(hours=1)
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    assert "bob" in report_rows(iam)
    assert iam.get_credential_report()["GeneratedTime"] == generated


def test_credential_report_regenerates_after_the_ttl(
    iam: Any, emulator: Emulator, clock: list[datetime]
) -> None:
    """AWS: a generate call more than 4 hours after the last report builds a new one."""
    iam.create_user(UserName="bob")
    complete_report(iam)
    iam.delete_user(UserName="bob")
    clock[0] += timedelta(hours=4, minutes=1)
    assert iam.generate_credential_report()["State"] == "STARTED"
    complete_report(iam)
    assert "bob" not in report_rows(iam)
    assert iam.get_credential_report()["GeneratedTime"] == clock[0]


def test_expired_credential_report(iam: Any, emulator: Emulator, clock: list[datetime]) -> None:
    """AWS: GetCredentialReport on a report past its lifetime is 410 ReportExpired."""
    complete_report(iam)
    emulator.extras().expire_report()
    with pytest.raises(ClientError) as excinfo:
        iam.get_credential_report()
    assert error_of(excinfo)[:2] == ("ReportExpired", 410)


def test_credential_report_columns_and_root_row(iam: Any, emulator: Emulator) -> None:
    """AWS: 22 columns in AWS order; the first row is <root_account> with root's own values."""
    root = emulator.extras().root
    root.password_last_used = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    root.mfa_enabled = True
    root.keys = [
        RootKey(active=True, last_rotated=datetime(2020, 1, 1, tzinfo=UTC)),
        RootKey(
            active=False,
            last_rotated=datetime(2019, 1, 1, tzinfo=UTC),
            last_used=datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC),
            last_used_region="eu-west-1",
            last_used_service="s3",
        ),
    ]
    complete_report(iam)
    content = iam.get_credential_report()["Content"].decode()
    header, first = content.splitlines()[:2]
    assert header == (
        "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
        "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
        "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
        "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
        "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
        "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
    )
    assert first.split(",") == [
        "<root_account>",
        f"arn:aws:iam::{ACCOUNT}:root",
        "2016-03-01T09:00:00+00:00",
        "not_supported",
        "2026-05-01T08:30:00+00:00",
        "not_supported",
        "not_supported",
        "true",
        # keys in creation order: the 2019 key is key 1
        "false",
        "2019-01-01T00:00:00+00:00",
        "2024-02-03T04:05:06+00:00",
        "eu-west-1",
        "s3",
        "true",
        "2020-01-01T00:00:00+00:00",
        "N/A",
        "N/A",
        "N/A",
        "false",
        "N/A",
        "false",
        "N/A",
    ]


def test_credential_report_user_rows(iam: Any, emulator: Emulator) -> None:
    """AWS: password N/A vs no_information vs a date, keys by age with last-used region/service."""
    backend = emulator.backend()
    created = datetime(2023, 1, 2, 3, 4, 5)
    for name in ("nopass", "unused", "active"):
        backend.create_user("us-east-1", name).create_date = created
    iam.create_login_profile(UserName="unused", Password="Passw0rd!x")
    iam.create_login_profile(UserName="active", Password="Passw0rd!x")
    iam.update_account_password_policy(MaxPasswordAge=90)
    active = backend.users["active"]
    active.password_last_used = datetime(2026, 5, 30, 10, 0)
    active.password_last_changed = datetime(2026, 3, 1, tzinfo=UTC)
    new_key = backend.create_access_key("active")
    old_key = backend.create_access_key("active")
    old_key.create_date = datetime(2022, 1, 1)
    old_key.status = "Inactive"
    old_key.last_used = AccessKeyLastUsed(
        timestamp=datetime(2022, 6, 1, 12, 0), service="ec2", region="us-west-2"
    )
    new_key.create_date = datetime(2025, 1, 1)
    active.signing_certificates[CERT_ID] = SigningCertificate(CERT_ID, "active", "body")
    active.signing_certificates[CERT_ID].upload_date = datetime(2021, 1, 1)
    complete_report(iam)
    rows = report_rows(iam)

    assert rows["nopass"]["password_enabled"] == "false"
    assert rows["nopass"]["password_last_used"] == "N/A"
    assert rows["nopass"]["password_last_changed"] == "N/A"
    assert rows["nopass"]["access_key_1_active"] == "false"
    assert rows["nopass"]["user_creation_time"] == "2023-01-02T03:04:05+00:00"
    assert rows["unused"]["password_enabled"] == "true"
    assert rows["unused"]["password_last_used"] == "no_information"

    row = rows["active"]
    assert row["password_last_used"] == "2026-05-30T10:00:00+00:00"
    assert row["password_last_changed"] == "2026-03-01T00:00:00+00:00"
    assert row["password_next_rotation"] == "2026-05-30T00:00:00+00:00"
    assert [row[f"access_key_1_{c}"] for c in ("active", "last_rotated", "last_used_date")] == [
        "false",
        "2022-01-01T00:00:00+00:00",
        "2022-06-01T12:00:00+00:00",
    ]
    assert (row["access_key_1_last_used_region"], row["access_key_1_last_used_service"]) == (
        "us-west-2",
        "ec2",
    )
    assert [row[f"access_key_2_{c}"] for c in ("active", "last_used_date", "last_used_region")] == [
        "true",
        "N/A",
        "N/A",
    ]
    assert (row["cert_1_active"], row["cert_1_last_rotated"]) == (
        "true",
        "2021-01-01T00:00:00+00:00",
    )
    assert (row["cert_2_active"], row["cert_2_last_rotated"]) == ("false", "N/A")


def test_password_last_changed_tracks_login_profile_changes(
    iam: Any, emulator: Emulator, clock: list[datetime]
) -> None:
    """AWS: password_last_changed is when the password was last set, not the user's creation."""
    iam.create_user(UserName="bob")
    iam.create_login_profile(UserName="bob", Password="Passw0rd!x")
    clock[0] += timedelta(days=3)
    iam.update_login_profile(UserName="bob", Password="N3wPassw0rd!")
    complete_report(iam)
    assert report_rows(iam)["bob"]["password_last_changed"] == "2026-06-04T12:00:00+00:00"


# ---------------------------------------------------------------------------- root user


def test_account_summary_reflects_root_mfa_and_keys(iam: Any, emulator: Emulator) -> None:
    """AWS: GetAccountSummary's AccountMFAEnabled / AccountAccessKeysPresent describe root."""
    summary = iam.get_account_summary()["SummaryMap"]
    assert (summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"]) == (0, 0)
    root = emulator.extras().root
    root.mfa_enabled = True
    root.keys.append(RootKey(active=False, last_rotated=datetime(2020, 1, 1, tzinfo=UTC)))
    summary = iam.get_account_summary()["SummaryMap"]
    assert (summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"]) == (1, 1)


def test_root_virtual_mfa_device_is_listed_as_assigned_to_root(
    iam: Any, emulator: Emulator
) -> None:
    """AWS: root's virtual MFA device shows in ListVirtualMFADevices with the root ARN as user."""
    root = emulator.extras().root
    root.mfa_enabled = True
    root.mfa_virtual_serial = f"arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device"
    root.mfa_enable_date = datetime(2021, 4, 5, tzinfo=UTC)
    devices = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert len(devices) == 1
    assert devices[0]["SerialNumber"] == root.mfa_virtual_serial
    assert devices[0]["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert devices[0]["User"]["UserId"] == ACCOUNT
    assert devices[0]["EnableDate"] == datetime(2021, 4, 5, tzinfo=UTC)
    assert iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert not iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    assert iam.get_account_summary()["SummaryMap"]["MFADevices"] == 1


# ------------------------------------------------------------------ service last accessed


def test_last_accessed_lists_every_allowed_service_and_marks_used_ones(
    iam: Any, emulator: Emulator
) -> None:
    """AWS: the report covers every service the policies allow; only used ones have a date."""
    iam.create_user(UserName="bob")
    iam.put_user_policy(
        UserName="bob", PolicyName="s3", PolicyDocument=document("s3:Get*", "sqs:*")
    )
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="bob")
    iam.attach_group_policy(GroupName="devs", PolicyArn=policy_arn(iam, "ddb", "dynamodb:Query"))
    arn = f"arn:aws:iam::{ACCOUNT}:user/bob"
    used = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
    emulator.extras().record_usage(arn, "s3", used, "eu-west-1")
    job = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    first = iam.get_service_last_accessed_details(JobId=job)
    assert first["JobStatus"] == "IN_PROGRESS"
    answer = finish_job(iam, job)
    assert answer["JobType"] == "SERVICE_LEVEL"
    services = {s["ServiceNamespace"]: s for s in answer["ServicesLastAccessed"]}
    assert set(services) == {"s3", "sqs", "dynamodb"}
    assert services["s3"]["ServiceName"] == "Amazon S3"
    assert services["s3"]["LastAuthenticated"] == used
    assert services["s3"]["LastAuthenticatedEntity"] == arn
    assert services["s3"]["LastAuthenticatedRegion"] == "eu-west-1"
    assert services["s3"]["TotalAuthenticatedEntities"] == 1
    assert "LastAuthenticated" not in services["sqs"]
    assert services["sqs"]["TotalAuthenticatedEntities"] == 0


def test_last_accessed_expands_wildcards_and_not_action(iam: Any, emulator: Emulator) -> None:
    """AWS: Action "*" grants every service; NotAction grants all but the excluded ones."""
    iam.create_role(RoleName="admin", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="admin", PolicyName="all", PolicyDocument=document("*"))
    iam.create_role(RoleName="poweruser", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(
        RoleName="poweruser", PolicyName="most", PolicyDocument=document("iam:*", key="NotAction")
    )

    def namespaces(role: str) -> set[str]:
        job = iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{ACCOUNT}:role/{role}")
        answer = finish_job(iam, job["JobId"], MaxItems=1000)
        return {s["ServiceNamespace"] for s in answer["ServicesLastAccessed"]}

    everything = namespaces("admin")
    assert {"s3", "ec2", "iam", "lambda", "kms", "sts", "organizations"} <= everything
    assert len(everything) >= 40
    assert namespaces("poweruser") == everything - {"iam"}


def test_last_accessed_action_level_reports_tracked_actions(iam: Any, emulator: Emulator) -> None:
    """AWS: ACTION_LEVEL adds TrackedActionsLastAccessed for tracked services such as S3."""
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="app", PolicyName="p", PolicyDocument=document("s3:*", "sns:*"))
    arn = f"arn:aws:iam::{ACCOUNT}:role/app"
    when = datetime(2026, 5, 1, tzinfo=UTC)
    emulator.extras().record_usage(
        arn, "s3", when, actions=[ActionUsage("GetObject", when, "us-east-2")]
    )
    emulator.extras().record_usage(arn, "sns", when)
    job = iam.generate_service_last_accessed_details(Arn=arn, Granularity="ACTION_LEVEL")
    answer = finish_job(iam, job["JobId"])
    assert answer["JobType"] == "ACTION_LEVEL"
    services = {s["ServiceNamespace"]: s for s in answer["ServicesLastAccessed"]}
    assert services["s3"]["TrackedActionsLastAccessed"] == [
        {
            "ActionName": "GetObject",
            "LastAccessedEntity": arn,
            "LastAccessedTime": when,
            "LastAccessedRegion": "us-east-2",
        }
    ]
    assert "TrackedActionsLastAccessed" not in services["sns"]


def test_last_accessed_for_groups_and_policies(iam: Any, emulator: Emulator) -> None:
    """AWS: groups and managed policies have last-accessed data too (entity = the member user)."""
    iam.create_group(GroupName="devs")
    iam.put_group_policy(GroupName="devs", PolicyName="p", PolicyDocument=document("lambda:*"))
    group_arn = f"arn:aws:iam::{ACCOUNT}:group/devs"
    emulator.extras().record_usage(
        group_arn,
        "lambda",
        datetime(2026, 1, 1, tzinfo=UTC),
        entity=f"arn:aws:iam::{ACCOUNT}:user/bob",
    )
    job = iam.generate_service_last_accessed_details(Arn=group_arn)["JobId"]
    (service,) = finish_job(iam, job)["ServicesLastAccessed"]
    assert service["LastAuthenticatedEntity"] == f"arn:aws:iam::{ACCOUNT}:user/bob"

    arn = policy_arn(iam, "kms-use", "kms:Decrypt", "kms:Encrypt")
    job = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    assert [s["ServiceNamespace"] for s in finish_job(iam, job)["ServicesLastAccessed"]] == ["kms"]


def test_last_accessed_pages_and_polls_are_configurable(iam: Any, emulator: Emulator) -> None:
    """AWS: ServicesLastAccessed pages with MaxItems/Marker; jobs may stay IN_PROGRESS a while."""
    emulator.extras().last_accessed_polls = 3
    iam.create_role(RoleName="admin", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="admin", PolicyName="all", PolicyDocument=document("*"))
    job = iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{ACCOUNT}:role/admin")
    statuses = [
        iam.get_service_last_accessed_details(JobId=job["JobId"])["JobStatus"] for _ in range(4)
    ]
    assert statuses == ["IN_PROGRESS"] * 3 + ["COMPLETED"]
    first = iam.get_service_last_accessed_details(JobId=job["JobId"], MaxItems=10)
    assert first["IsTruncated"] and len(first["ServicesLastAccessed"]) == 10
    rest = iam.get_service_last_accessed_details(
        JobId=job["JobId"], MaxItems=1000, Marker=first["Marker"]
    )
    names = [s["ServiceName"] for s in first["ServicesLastAccessed"] + rest["ServicesLastAccessed"]]
    assert not rest["IsTruncated"]
    assert len(names) == len(set(names)) >= 40


def test_last_accessed_unknown_arn_and_job(iam: Any) -> None:
    """AWS: an unknown principal ARN or JobId is NoSuchEntity."""
    with pytest.raises(ClientError) as excinfo:
        iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{ACCOUNT}:user/ghost")
    assert error_of(excinfo)[:2] == ("NoSuchEntity", 404)
    with pytest.raises(ClientError) as excinfo:
        iam.get_service_last_accessed_details(JobId="00000000-0000-0000-0000-000000000000")
    assert error_of(excinfo)[:2] == ("NoSuchEntity", 404)


# ------------------------------------------------------- boundaries, specific credentials


def test_user_permissions_boundary_round_trip(iam: Any) -> None:
    """AWS: Put/DeleteUserPermissionsBoundary work and GetUser shows the boundary (moto: 500)."""
    iam.create_user(UserName="bob")
    arn = policy_arn(iam, "boundary", "s3:*")
    iam.put_user_permissions_boundary(UserName="bob", PermissionsBoundary=arn)
    assert iam.get_user(UserName="bob")["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": arn,
    }
    assert "PermissionsBoundary" not in iam.list_users()["Users"][0]
    details = iam.get_account_authorization_details(Filter=["User", "LocalManagedPolicy"])
    assert details["UserDetailList"][0]["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn
    assert details["Policies"][0]["PermissionsBoundaryUsageCount"] == 1
    iam.delete_user_permissions_boundary(UserName="bob")
    assert "PermissionsBoundary" not in iam.get_user(UserName="bob")["User"]


def test_user_permissions_boundary_needs_an_existing_policy(iam: Any) -> None:
    """AWS: a boundary must name an existing managed policy (NoSuchEntity otherwise)."""
    iam.create_user(UserName="bob")
    with pytest.raises(ClientError) as excinfo:
        iam.put_user_permissions_boundary(
            UserName="bob", PermissionsBoundary=f"arn:aws:iam::{ACCOUNT}:policy/missing"
        )
    assert error_of(excinfo)[0] == "NoSuchEntity"


def test_service_specific_credentials_lifecycle(iam: Any) -> None:
    """AWS: list (empty at first), create, deactivate and delete service-specific credentials."""
    iam.create_user(UserName="bob")
    assert iam.list_service_specific_credentials(UserName="bob")["ServiceSpecificCredentials"] == []
    created = iam.create_service_specific_credential(
        UserName="bob", ServiceName="codecommit.amazonaws.com"
    )["ServiceSpecificCredential"]
    assert created["ServiceUserName"] == f"bob-at-{ACCOUNT}"
    assert created["ServicePassword"]
    credential_id = created["ServiceSpecificCredentialId"]
    iam.update_service_specific_credential(
        UserName="bob", ServiceSpecificCredentialId=credential_id, Status="Inactive"
    )
    (listed,) = iam.list_service_specific_credentials(UserName="bob")["ServiceSpecificCredentials"]
    assert listed["Status"] == "Inactive"
    assert "ServicePassword" not in listed
    iam.delete_service_specific_credential(
        UserName="bob", ServiceSpecificCredentialId=credential_id
    )
    assert iam.list_service_specific_credentials(UserName="bob")["ServiceSpecificCredentials"] == []
    with pytest.raises(ClientError) as excinfo:
        iam.create_service_specific_credential(UserName="bob", ServiceName="s3.amazonaws.com")
    assert error_of(excinfo)[0] == "NotSupportedService"


# --------------------------------------------------------------------------------- paging


def _two_users(iam: Any) -> dict[str, Any]:
    iam.create_user(UserName="a")
    iam.create_user(UserName="b")
    return {}


def _two_roles(iam: Any) -> dict[str, Any]:
    for name in ("a", "b"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    return {}


def _two_groups(iam: Any) -> dict[str, Any]:
    iam.create_group(GroupName="a")
    iam.create_group(GroupName="b")
    return {}


def _two_policies(iam: Any) -> dict[str, Any]:
    policy_arn(iam, "a", "s3:*")
    policy_arn(iam, "b", "s3:*")
    return {"Scope": "Local"}


def _two_keys(iam: Any) -> dict[str, Any]:
    iam.create_user(UserName="bob")
    iam.create_access_key(UserName="bob")
    iam.create_access_key(UserName="bob")
    return {"UserName": "bob"}


def _user_in_two_groups(iam: Any) -> dict[str, Any]:
    iam.create_user(UserName="bob")
    for group in ("a", "b"):
        iam.create_group(GroupName=group)
        iam.add_user_to_group(GroupName=group, UserName="bob")
    return {"UserName": "bob"}


def _attached(kind: str) -> Callable[[Any], dict[str, Any]]:
    def setup(iam: Any) -> dict[str, Any]:
        name = f"{kind}Name"
        if kind == "User":
            iam.create_user(UserName="x")
        elif kind == "Role":
            iam.create_role(RoleName="x", AssumeRolePolicyDocument=TRUST)
        else:
            iam.create_group(GroupName="x")
        for policy in ("a", "b"):
            getattr(iam, f"attach_{kind.lower()}_policy")(
                **{name: "x"}, PolicyArn=policy_arn(iam, policy, "s3:*")
            )
        return {name: "x"}

    return setup


def _inline(kind: str) -> Callable[[Any], dict[str, Any]]:
    def setup(iam: Any) -> dict[str, Any]:
        name = f"{kind}Name"
        if kind == "User":
            iam.create_user(UserName="x")
        elif kind == "Role":
            iam.create_role(RoleName="x", AssumeRolePolicyDocument=TRUST)
        else:
            iam.create_group(GroupName="x")
        for policy in ("a", "b"):
            getattr(iam, f"put_{kind.lower()}_policy")(
                **{name: "x"}, PolicyName=policy, PolicyDocument=document("s3:*")
            )
        return {name: "x"}

    return setup


def _policy_entities(iam: Any) -> dict[str, Any]:
    arn = policy_arn(iam, "p", "s3:*")
    iam.create_user(UserName="u")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    iam.attach_user_policy(UserName="u", PolicyArn=arn)
    iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    return {"PolicyArn": arn}


def _role_in_two_profiles(iam: Any) -> dict[str, Any]:
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    for profile in ("a", "b"):
        iam.create_instance_profile(InstanceProfileName=profile)
        iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName="r")
    return {"RoleName": "r"}


def _two_mfa_devices(iam: Any) -> dict[str, Any]:
    iam.create_user(UserName="bob")
    for name in ("a", "b"):
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"][
            "SerialNumber"
        ]
        iam.enable_mfa_device(
            UserName="bob",
            SerialNumber=serial,
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
    return {"UserName": "bob"}


def _two_virtual_devices(iam: Any) -> dict[str, Any]:
    iam.create_virtual_mfa_device(VirtualMFADeviceName="a")
    iam.create_virtual_mfa_device(VirtualMFADeviceName="b")
    return {}


def _two_ssh_keys(iam: Any) -> dict[str, Any]:
    iam.create_user(UserName="bob")
    iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody="ssh-rsa AAAA a")
    iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody="ssh-rsa BBBB b")
    return {"UserName": "bob"}


def _group_with_two_users(iam: Any) -> dict[str, Any]:
    iam.create_group(GroupName="devs")
    for user in ("a", "b"):
        iam.create_user(UserName=user)
        iam.add_user_to_group(GroupName="devs", UserName=user)
    return {"GroupName": "devs"}


@pytest.mark.parametrize(
    ("operation", "setup", "key"),
    [
        ("list_users", _two_users, "Users"),
        ("list_roles", _two_roles, "Roles"),
        ("list_groups", _two_groups, "Groups"),
        ("list_policies", _two_policies, "Policies"),
        ("list_access_keys", _two_keys, "AccessKeyMetadata"),
        ("list_groups_for_user", _user_in_two_groups, "Groups"),
        ("list_attached_user_policies", _attached("User"), "AttachedPolicies"),
        ("list_attached_role_policies", _attached("Role"), "AttachedPolicies"),
        ("list_attached_group_policies", _attached("Group"), "AttachedPolicies"),
        ("list_user_policies", _inline("User"), "PolicyNames"),
        ("list_role_policies", _inline("Role"), "PolicyNames"),
        ("list_group_policies", _inline("Group"), "PolicyNames"),
        ("list_entities_for_policy", _policy_entities, "PolicyUsers+PolicyRoles"),
        ("list_instance_profiles_for_role", _role_in_two_profiles, "InstanceProfiles"),
        ("list_mfa_devices", _two_mfa_devices, "MFADevices"),
        ("list_virtual_mfa_devices", _two_virtual_devices, "VirtualMFADevices"),
        ("list_ssh_public_keys", _two_ssh_keys, "SSHPublicKeys"),
        ("get_group", _group_with_two_users, "Users"),
    ],
)
def test_lists_page_with_max_items_and_marker(
    iam: Any, operation: str, setup: Callable[[Any], dict[str, Any]], key: str
) -> None:
    """AWS: List* calls honour MaxItems and answer IsTruncated plus an opaque Marker."""
    kwargs = setup(iam)
    keys = key.split("+")
    first = getattr(iam, operation)(MaxItems=1, **kwargs)
    assert first["IsTruncated"] is True
    assert sum(len(first[k]) for k in keys) == 1
    second = getattr(iam, operation)(MaxItems=1, Marker=first["Marker"], **kwargs)
    assert second["IsTruncated"] is False
    assert "Marker" not in second
    assert sum(len(second[k]) for k in keys) == 1
    assert first[keys[0]] != second[keys[-1]] or len(keys) > 1


def test_list_signing_certificates_pages(iam: Any, emulator: Emulator) -> None:
    """AWS: ListSigningCertificates pages like the other lists."""
    iam.create_user(UserName="bob")
    user = emulator.backend().users["bob"]
    for cert in (CERT_ID, CERT_ID2):
        user.signing_certificates[cert] = SigningCertificate(cert, "bob", "body")
    pages = list(
        iam.get_paginator("list_signing_certificates").paginate(
            UserName="bob", PaginationConfig={"PageSize": 1}
        )
    )
    assert [len(page["Certificates"]) for page in pages] == [1, 1]


def test_paged_list_passes_moto_errors_through(iam: Any) -> None:
    """AWS: listing the keys of an unknown user is NoSuchEntity, paged or not."""
    with pytest.raises(ClientError) as excinfo:
        iam.list_access_keys(UserName="ghost", MaxItems=1)
    assert error_of(excinfo)[:2] == ("NoSuchEntity", 404)


def test_renamed_user_keeps_service_specific_credentials(iam: Any) -> None:
    """AWS: credentials belong to the user, not to its name."""
    iam.create_user(UserName="bob")
    iam.create_service_specific_credential(UserName="bob", ServiceName="codecommit.amazonaws.com")
    iam.update_user(UserName="bob", NewUserName="robert")
    (listed,) = iam.list_service_specific_credentials(UserName="robert")[
        "ServiceSpecificCredentials"
    ]
    assert listed["UserName"] == "robert"


def test_lists_default_to_pages_of_100(iam: Any, emulator: Emulator) -> None:
    """AWS: without MaxItems a list answers at most 100 items; paginators get them all."""
    backend = emulator.backend()
    for index in range(150):
        backend.create_user("us-east-1", f"user{index:03d}")
        backend.create_role(f"role{index:03d}", TRUST, "/", None, "", [], "3600")
    first = iam.list_users()
    assert len(first["Users"]) == 100 and first["IsTruncated"]
    names = [
        u["UserName"] for page in iam.get_paginator("list_users").paginate() for u in page["Users"]
    ]
    assert names == [f"user{index:03d}" for index in range(150)]
    roles = [r for page in iam.get_paginator("list_roles").paginate() for r in page["Roles"]]
    assert len({r["RoleName"] for r in roles}) == 150


def test_max_items_bounds_and_bad_markers(iam: Any) -> None:
    """AWS: MaxItems must be 1..1000 and a Marker only works for the listing that issued it."""
    _two_users(iam)
    with pytest.raises(ClientError) as excinfo:
        iam.list_users(MaxItems=1001)
    assert error_of(excinfo)[:2] == ("ValidationError", 400)
    with pytest.raises(ClientError) as excinfo:
        iam.list_users(Marker="not-a-marker")
    assert error_of(excinfo)[0] == "ValidationError"
    marker = iam.list_users(MaxItems=1)["Marker"]
    with pytest.raises(ClientError) as excinfo:
        iam.list_users(Marker=marker, PathPrefix="/other/")
    assert error_of(excinfo)[0] == "ValidationError"


def test_authorization_details_pages_as_one_sequence(iam: Any, emulator: Emulator) -> None:
    """AWS: GetAccountAuthorizationDetails pages users, groups, roles and policies together."""
    backend = emulator.backend()
    for index in range(3):
        backend.create_user("us-east-1", f"u{index}")
        backend.create_group(f"g{index}")
        backend.create_role(f"r{index}", TRUST, "/", None, "", [], "3600")
    policy_arn(iam, "p", "s3:*")
    pages = list(
        iam.get_paginator("get_account_authorization_details").paginate(
            PaginationConfig={"PageSize": 4}
        )
    )
    sections = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
    assert [sum(len(page[s]) for s in sections) for page in pages] == [4, 4, 2]
    assert [len(pages[0][s]) for s in sections] == [3, 1, 0, 0]
    totals = [sum(len(page[s]) for page in pages) for s in sections]
    assert totals == [3, 3, 3, 1]


def test_authorization_details_content_matches_aws(iam: Any, emulator: Emulator) -> None:
    """AWS: details carry URL-encoded documents, groups, tags, boundaries, profiles, last use."""
    arn = policy_arn(iam, "reader", "s3:Get*")
    iam.create_user(UserName="bob", Tags=[{"Key": "team", "Value": "data"}])
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="bob")
    iam.attach_user_policy(UserName="bob", PolicyArn=arn)
    iam.put_user_policy(UserName="bob", PolicyName="inline", PolicyDocument=document("sqs:*"))
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=arn)
    iam.create_instance_profile(InstanceProfileName="app")
    iam.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
    role = emulator.backend().get_role("app")
    role.last_used = datetime(2026, 5, 5, 5, 5, 5)
    role.last_used_region = "eu-central-1"

    details = iam.get_account_authorization_details()
    (user,) = details["UserDetailList"]
    assert user["GroupList"] == ["devs"]
    assert user["Tags"] == [{"Key": "team", "Value": "data"}]
    assert user["AttachedManagedPolicies"] == [{"PolicyName": "reader", "PolicyArn": arn}]
    # botocore URL-decodes and parses policy documents itself (after-call handler)
    assert user["UserPolicyList"][0]["PolicyDocument"] == json.loads(document("sqs:*"))
    (detail,) = details["RoleDetailList"]
    assert detail["AssumeRolePolicyDocument"] == json.loads(TRUST)
    assert detail["InstanceProfileList"][0]["InstanceProfileName"] == "app"
    assert detail["RoleLastUsed"] == {
        "LastUsedDate": datetime(2026, 5, 5, 5, 5, 5, tzinfo=UTC),
        "Region": "eu-central-1",
    }
    assert detail["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn
    (policy,) = details["Policies"]
    assert policy["PolicyName"] == "reader" and policy["PolicyId"]
    assert (policy["AttachmentCount"], policy["PermissionsBoundaryUsageCount"]) == (1, 1)
    (version,) = policy["PolicyVersionList"]
    assert version["IsDefaultVersion"] and version["VersionId"] == "v1"
    assert version["Document"] == json.loads(document("s3:Get*"))


def test_authorization_details_include_aws_managed_policies_only_in_use(
    iam: Any, emulator: Emulator
) -> None:
    """AWS: AWS-managed policies appear in authorization details only when attached."""
    backend = emulator.backend()
    for name in ("ReadOnlyAccess", "AdministratorAccess"):
        policy = AWSManagedPolicy(
            name, account_id=ACCOUNT, region="us-east-1", document=document("*")
        )
        backend.managed_policies[policy.arn] = policy
    iam.create_user(UserName="bob")
    iam.attach_user_policy(UserName="bob", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    names = [p["PolicyName"] for p in iam.get_account_authorization_details()["Policies"]]
    assert names == ["ReadOnlyAccess"]


def test_invalid_authorization_details_filter(iam: Any) -> None:
    """AWS: an unknown Filter entity type is a ValidationError."""
    with pytest.raises(ClientError) as excinfo:
        iam.get_account_authorization_details(Filter=["Robot"])
    assert error_of(excinfo)[0] == "ValidationError"


# ---------------------------------------------------------------------- errors and quiet


def test_actions_moto_lacks_stay_errors(iam: Any) -> None:
    """A call moto does not implement is an error (501 NotImplemented), never a fake success."""
    with pytest.raises(ClientError) as excinfo:
        iam.generate_organizations_access_report(EntityPath="o-a1b2c3d4e5/r-ab12")
    code, status, message = error_of(excinfo)
    assert (code, status) == ("NotImplemented", 501)
    assert "GenerateOrganizationsAccessReport" in message


def test_unknown_service_answers_cleanly_and_prints_nothing(
    emulator: Emulator, capfd: pytest.CaptureFixture[str]
) -> None:
    """A service moto lacks gets a NotImplemented error; nothing reaches stdout or stderr."""
    # (Access Analyzer was the example until the emulator answered it: fidelity/access_analyzer.)
    with pytest.raises(ClientError) as excinfo:
        emulator.client("wellarchitected").list_workloads()
    assert error_of(excinfo)[0] == "NotImplemented"
    with pytest.raises(ClientError):
        emulator.client().delete_user(UserName="ghost")
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


# ------------------------------------------------------------------------------ emulator


def test_reset_clears_moto_and_extras(emulator: Emulator, iam: Any) -> None:
    """Each test starts from an empty account: reset forgets moto state and extras."""
    iam.create_user(UserName="bob")
    emulator.extras().root.mfa_enabled = True
    complete_report(iam)
    emulator.reset()
    assert iam.list_users()["Users"] == []
    assert emulator.extras().root.mfa_enabled is False
    with pytest.raises(ClientError):
        iam.get_credential_report()


def test_accounts_are_separate(emulator: Emulator) -> None:
    """moto's x-moto-account-id header selects another account, with its own extras."""
    other = emulator.client(account_id="210987654321")
    other.create_user(UserName="elsewhere")
    assert emulator.client().list_users()["Users"] == []
    assert [u["UserName"] for u in other.list_users()["Users"]] == ["elsewhere"]
    emulator.extras("210987654321").root.mfa_enabled = True
    assert other.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1
    assert emulator.client().get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0


def test_busy_port_raises_instead_of_printing(
    emulator: Emulator, capfd: pytest.CaptureFixture[str]
) -> None:
    """A second emulator on a taken port fails with OSError (werkzeug would print and exit)."""
    with pytest.raises(OSError):
        Emulator(port=emulator.port).start()
    assert capfd.readouterr() == ("", "")


def test_start_is_idempotent_and_endpoint_is_loopback(emulator: Emulator) -> None:
    """Starting twice keeps one server; the endpoint is loopback on the bound port."""
    port = emulator.port
    assert emulator.start() is emulator
    assert emulator.port == port
    assert emulator.endpoint_url == f"http://127.0.0.1:{port}"


def test_policy_enforcement_still_applies_to_rules(emulator: Emulator, iam: Any) -> None:
    """With moto's permission checks on, rule-answered calls are authorized and paging works."""
    iam.create_user(UserName="auditor")
    iam.create_user(UserName="other")
    iam.put_user_policy(
        UserName="auditor", PolicyName="read", PolicyDocument=document("iam:ListUsers")
    )
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    auditor = emulator.client(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    with emulator.enforced():
        pages = list(auditor.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 1}))
        assert len(pages) == 2
        with pytest.raises(ClientError) as excinfo:
            auditor.generate_credential_report()
        assert error_of(excinfo)[:2] == ("AccessDenied", 403)
