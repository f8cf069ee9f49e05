"""The emulator does not flatter iamtui: AWS's strict answers, one test per AWS behaviour.

Each test talks HTTP to an emulator with a real boto3 client, like ``test_emulator_fidelity``.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from iamtui.emulator.fidelity import CALL_HOOKS, ROUTES, RULES
from iamtui.emulator.fidelity.root import give_root_key
from iamtui.emulator.run import start_demo
from iamtui.emulator.server import Emulator
from iamtui.emulator.state import RootState

ACCOUNT = "123456789012"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SSH_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDUi2ONe5A7UnZvKHGY0nLDyIXqEdW1Yp8cVbnfHBbhtQ8sG1dYAoPp"
    "emulated-test-key ops@example.com"
)
AWS_DOCS = "https://docs.aws.amazon.com/"


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    """(code, HTTP status, message) of a boto3 error."""
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def trust(principal: dict[str, str]) -> str:
    """A trust policy letting ``principal`` assume the role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


def allow(*actions: str) -> str:
    """A one-statement Allow policy document on every resource."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
        }
    )


def certificate_pem(name: str) -> str:
    """A self-signed X.509 certificate (moto checks that uploads parse)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def set_auth(emulator: Emulator, count: str) -> None:
    """moto's switch: "0" checks signatures and IAM policies from now on, "inf" never."""
    request = urllib.request.Request(
        f"{emulator.endpoint_url}/moto-api/reset-auth",
        data=count.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    urllib.request.urlopen(request).read()


@contextmanager
def enforced(emulator: Emulator) -> Iterator[None]:
    """Permission checks on for the block; always off afterwards (the emulator is shared)."""
    set_auth(emulator, "0")
    try:
        yield
    finally:
        set_auth(emulator, "inf")


def client_for(endpoint: str, key_id: str, secret: str, service: str = "iam", **kw: Any) -> Any:
    """A boto3 client signing with the given credentials."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        **kw,
    )


# ------------------------------------------------------------------------- the demo endpoint


@pytest.fixture
def demo(emulator: Emulator) -> Iterator[Any]:
    """``iamtui demo --serve``'s endpoint: its own server, the demo account, no harness key."""
    env = start_demo(now=NOW)
    try:
        yield env
    finally:
        env.stop()


def test_credential_report_generate_wait_get_works_on_demo_serve(demo: Any) -> None:
    """AWS: after one GenerateCredentialReport, a client may wait and call only
    GetCredentialReport (the AWS CLI habit): the report completes on AWS's clock."""
    iam = client_for(demo.endpoint_url, demo.access_key_id, demo.secret_access_key)
    assert iam.generate_credential_report()["State"] == "STARTED"
    with pytest.raises(ClientError) as excinfo:
        iam.get_credential_report()
    assert error_of(excinfo)[:2] == ("ReportInProgress", 404)
    time.sleep(demo.emulator.extras().report_generation_time.total_seconds() + 0.1)
    content = iam.get_credential_report()["Content"].decode()
    assert content.splitlines()[1].startswith("<root_account>,")


def test_unknown_access_key_is_invalid_client_token_id(demo: Any) -> None:
    """AWS: a request signed with an access key no account issued fails InvalidClientTokenId
    (HTTP 403), on IAM and STS alike; the demo's own key works."""
    for service in ("iam", "sts"):
        stranger = client_for(demo.endpoint_url, "AKIAIAMTUINOSUCHKEY1", "secret", service)
        call = stranger.list_users if service == "iam" else stranger.get_caller_identity
        with pytest.raises(ClientError) as excinfo:
            call()
        code, status, message = error_of(excinfo)
        assert (code, status) == ("InvalidClientTokenId", 403)
        assert message == "The security token included in the request is invalid."
    operator = client_for(demo.endpoint_url, demo.access_key_id, demo.secret_access_key)
    assert operator.get_user()["User"]["UserName"] == "ops-operator"


def test_issued_credentials_sign_requests(demo: Any) -> None:
    """AWS: keys created through the API and AssumeRole session credentials are accepted."""
    operator = client_for(demo.endpoint_url, demo.access_key_id, demo.secret_access_key)
    operator.create_user(UserName="fresh")
    key = operator.create_access_key(UserName="fresh")["AccessKey"]
    fresh = client_for(demo.endpoint_url, key["AccessKeyId"], key["SecretAccessKey"], "sts")
    assert fresh.get_caller_identity()["Arn"].endswith(":user/fresh")
    operator.create_role(
        RoleName="assumable",
        AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
    )
    sts = client_for(demo.endpoint_url, demo.access_key_id, demo.secret_access_key, "sts")
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/assumable", RoleSessionName="undo"
    )["Credentials"]
    session = client_for(
        demo.endpoint_url,
        creds["AccessKeyId"],
        creds["SecretAccessKey"],
        "sts",
        aws_session_token=creds["SessionToken"],
    )
    assert "assumed-role/assumable/undo" in session.get_caller_identity()["Arn"]


def test_unknown_access_key_is_refused_beside_the_harness_key(emulator: Emulator) -> None:
    """AWS: InvalidClientTokenId for unknown keys; the test harness's own dummy key is the one
    exception the shared test emulator makes."""
    stranger = emulator.client(aws_access_key_id="AKIAIAMTUINOSUCHKEY2")
    with pytest.raises(ClientError) as excinfo:
        stranger.list_users()
    assert error_of(excinfo)[:2] == ("InvalidClientTokenId", 403)
    assert emulator.client().list_users()["Users"] == []


# ---------------------------------------------------------------------- names ignore case


def test_user_names_are_case_insensitive(iam: Any) -> None:
    """AWS: IAM names are not distinguished by case: OPS-OPERATOR is ops-operator."""
    iam.create_user(UserName="ops-operator")
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(UserName="OPS-OPERATOR")
    code, status, message = error_of(excinfo)
    assert (code, status) == ("EntityAlreadyExists", 409)
    assert message == "User with name OPS-OPERATOR already exists."
    assert iam.get_user(UserName="OPS-Operator")["User"]["UserName"] == "ops-operator"
    iam.create_user(UserName="other")
    with pytest.raises(ClientError) as excinfo:
        iam.update_user(UserName="other", NewUserName="Ops-Operator")
    assert error_of(excinfo)[0] == "EntityAlreadyExists"
    iam.delete_user(UserName="OPS-OPERATOR")
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["other"]


def test_role_group_and_policy_names_are_case_insensitive(iam: Any) -> None:
    """AWS: roles, groups and managed policies are found by any case and cannot be created
    twice in two cases."""
    iam.create_role(
        RoleName="Deployer", AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"})
    )
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(
            RoleName="deployer", AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"})
        )
    assert error_of(excinfo)[:3] == (
        "EntityAlreadyExists",
        409,
        "Role with name deployer already exists.",
    )
    assert iam.get_role(RoleName="DEPLOYER")["Role"]["RoleName"] == "Deployer"
    iam.create_group(GroupName="admins")
    with pytest.raises(ClientError) as excinfo:
        iam.create_group(GroupName="Admins")
    assert error_of(excinfo)[0] == "EntityAlreadyExists"
    assert iam.get_group(GroupName="ADMINS")["Group"]["GroupName"] == "admins"
    arn = iam.create_policy(PolicyName="ReadOnly", PolicyDocument=allow("iam:Get*"))["Policy"][
        "Arn"
    ]
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy(PolicyName="readonly", PolicyDocument=allow("iam:Get*"))
    assert error_of(excinfo)[0] == "EntityAlreadyExists"
    upper = arn.replace("ReadOnly", "READONLY")
    assert iam.get_policy(PolicyArn=upper)["Policy"]["PolicyName"] == "ReadOnly"
    iam.attach_group_policy(GroupName="Admins", PolicyArn=upper)
    attached = iam.list_attached_group_policies(GroupName="admins")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [arn]
    iam.delete_role(RoleName="deployer")
    assert iam.list_roles()["Roles"] == []


# ------------------------------------------------------------------ duplicate key material


def test_reuploading_an_ssh_public_key_is_duplicate_ssh_public_key(iam: Any) -> None:
    """AWS: UploadSSHPublicKey of a key the user already has fails DuplicateSSHPublicKey."""
    iam.create_user(UserName="dev")
    iam.upload_ssh_public_key(UserName="dev", SSHPublicKeyBody=SSH_KEY)
    with pytest.raises(ClientError) as excinfo:
        iam.upload_ssh_public_key(UserName="dev", SSHPublicKeyBody=SSH_KEY + "\n")
    assert error_of(excinfo)[:2] == ("DuplicateSSHPublicKey", 400)
    assert len(iam.list_ssh_public_keys(UserName="dev")["SSHPublicKeys"]) == 1


def test_reuploading_a_signing_certificate_is_duplicate_certificate(iam: Any) -> None:
    """AWS: UploadSigningCertificate of a certificate a user of the account already has fails
    DuplicateCertificate; another certificate uploads."""
    iam.create_user(UserName="dev")
    iam.create_user(UserName="ops")
    pem = certificate_pem("dev")
    iam.upload_signing_certificate(UserName="dev", CertificateBody=pem)
    for user in ("dev", "ops"):
        with pytest.raises(ClientError) as excinfo:
            iam.upload_signing_certificate(UserName=user, CertificateBody=pem)
        assert error_of(excinfo)[:2] == ("DuplicateCertificate", 409)
    iam.upload_signing_certificate(UserName="ops", CertificateBody=certificate_pem("ops"))
    assert len(iam.list_signing_certificates(UserName="ops")["Certificates"]) == 1


# ----------------------------------------------------------------------------- undo rules


def test_create_role_trusting_a_deleted_principal_is_invalid_principal(iam: Any) -> None:
    """AWS: a trust policy naming a deleted principal by its unique id (AROA.../AIDA...) fails
    MalformedPolicyDocument "Invalid principal in policy"; a live principal's id is fine."""
    gone = "AROA" + "Q" * 17
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(RoleName="restored", AssumeRolePolicyDocument=trust({"AWS": gone}))
    code, status, message = error_of(excinfo)
    assert (code, status) == ("MalformedPolicyDocument", 400)
    assert message == f'Invalid principal in policy: "AWS":"{gone}"'
    assert iam.list_roles()["Roles"] == []
    live = iam.create_role(
        RoleName="live", AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"})
    )["Role"]["RoleId"]
    iam.create_role(RoleName="restored", AssumeRolePolicyDocument=trust({"AWS": live}))


def test_add_role_to_instance_profile_needs_pass_role(emulator: Emulator, iam: Any) -> None:
    """AWS: AddRoleToInstanceProfile also needs iam:PassRole on the role (permission checks on)."""
    iam.create_role(
        RoleName="app", AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"})
    )
    iam.create_instance_profile(InstanceProfileName="app")
    iam.create_user(UserName="undoer")
    iam.put_user_policy(
        UserName="undoer", PolicyName="p", PolicyDocument=allow("iam:AddRoleToInstanceProfile")
    )
    key = iam.create_access_key(UserName="undoer")["AccessKey"]
    undoer = emulator.client(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    with enforced(emulator):
        with pytest.raises(ClientError) as excinfo:
            undoer.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
        code, status, message = error_of(excinfo)
        assert (code, status) == ("AccessDenied", 403)
        assert f"iam:PassRole on resource: arn:aws:iam::{ACCOUNT}:role/app" in message
    iam.put_user_policy(
        UserName="undoer",
        PolicyName="p",
        PolicyDocument=allow("iam:AddRoleToInstanceProfile", "iam:PassRole"),
    )
    with enforced(emulator):
        undoer.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
    roles = iam.get_instance_profile(InstanceProfileName="app")["InstanceProfile"]["Roles"]
    assert [r["RoleName"] for r in roles] == ["app"]


# ----------------------------------------------------------------------------------- root


def test_root_get_user_without_user_name_describes_root(emulator: Emulator) -> None:
    """AWS: GetUser signed as root with no UserName answers root's ARN and the account id."""
    emulator.extras().root = RootState(created=NOW - timedelta(days=900))
    key = give_root_key(ACCOUNT, NOW - timedelta(days=10))
    root = emulator.client(aws_access_key_id=key.key_id, aws_secret_access_key=key.secret)
    user = root.get_user()["User"]
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert user["UserId"] == ACCOUNT
    assert user["CreateDate"] == NOW - timedelta(days=900)


def test_root_list_mfa_devices_lists_roots_device(emulator: Emulator) -> None:
    """AWS: ListMFADevices signed as root with no UserName lists root's own MFA device."""
    key = give_root_key(ACCOUNT, NOW - timedelta(days=10))
    root = emulator.client(aws_access_key_id=key.key_id, aws_secret_access_key=key.secret)
    assert root.list_mfa_devices()["MFADevices"] == []
    serial = f"arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device"
    state = emulator.extras().root
    state.mfa_enabled, state.mfa_virtual_serial, state.mfa_enable_date = True, serial, NOW
    devices = root.list_mfa_devices()["MFADevices"]
    assert [(d["SerialNumber"], d["EnableDate"]) for d in devices] == [(serial, NOW)]


# ------------------------------------------------------------------------ moto as shipped


def test_fidelity_off_serves_moto_as_shipped(emulator: Emulator) -> None:
    """``Emulator(fidelity=False)`` is plain moto: lax where AWS is strict (a user with keys is
    deleted, any key is accepted), for tests of how iamtui copes with such an endpoint."""
    plain = Emulator(fidelity=False).start()
    try:
        iam = plain.client(aws_access_key_id="AKIAIAMTUINOSUCHKEY3")
        iam.create_user(UserName="bob")
        iam.create_access_key(UserName="bob")
        iam.delete_user(UserName="bob")
        with pytest.raises(ClientError):
            iam.get_credential_report()
        assert iam.list_users()["Users"] == []
    finally:
        plain.stop()


# ------------------------------------------------------------------------- documentation


def test_every_behaviour_names_the_aws_page_it_follows() -> None:
    """Each fidelity rule and hook says, in its docstring, which AWS documentation page it
    follows (title and URL)."""
    handlers = {*RULES.values(), *ROUTES, *CALL_HOOKS}
    missing = sorted(
        f"{h.__module__}.{h.__qualname__}" for h in handlers if AWS_DOCS not in (h.__doc__ or "")
    )
    assert missing == []
