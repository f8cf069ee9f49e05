"""The emulator does not flatter iamtui: AWS's strict answers, one test per AWS behaviour.

Each test talks HTTP to an emulator with a real boto3 client, like ``test_emulator_fidelity``.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
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


def test_credential_report_generate_wait_get_works_on_demo_serve(
    real_polling: None,  # AWS's generation time, set before the demo starts: the get right
    demo: Any,  # after STARTED must still find the report generating
) -> None:
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


# ---------------------------------------------------------------- signatures and control API


def raw_call(
    endpoint: str,
    params: dict[str, str],
    *,
    signer: tuple[str, str] | None = None,
    service: str = "iam",
    when: datetime | None = None,
    tamper: Any = None,
    path: str = "/",
    host: str | None = None,
) -> tuple[int, str]:
    """(HTTP status, body) of a raw query-protocol POST, SigV4-signed by botocore's signer with
    ``signer`` (key id, secret) at ``when`` (default: now), then optionally edited by ``tamper``
    (request -> None) before it is sent."""
    request = AWSRequest(
        method="POST",
        url=f"{endpoint}{path}",
        data=urlencode(params).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    if signer is not None:
        auth = SigV4Auth(Credentials(*signer), service, "us-east-1")
        if when is None:
            auth.add_auth(request)
        else:
            stamp = when.strftime("%Y%m%dT%H%M%SZ")
            request.context["timestamp"] = stamp
            request.headers["X-Amz-Date"] = stamp
            canonical = auth.canonical_request(request)
            signature = auth.signature(auth.string_to_sign(request, canonical), request)
            request.headers["Authorization"] = (
                f"AWS4-HMAC-SHA256 Credential={auth.scope(request)}, "
                f"SignedHeaders={auth.signed_headers(auth.headers_to_sign(request))}, "
                f"Signature={signature}"
            )
    if tamper is not None:
        tamper(request)
    headers = dict(request.headers)
    if host is not None:
        headers["Host"] = host
    sent = urllib.request.Request(
        request.url, data=request.body, headers=headers, method=request.method
    )
    try:
        with urllib.request.urlopen(sent, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def garbage_signature(request: AWSRequest) -> None:
    """Keep the key id and scope, replace the signature with nonsense (the attack)."""
    header = str(request.headers["Authorization"])
    del request.headers["Authorization"]
    request.headers["Authorization"] = header[: header.index("Signature=")] + "Signature=00"


def user_names(demo: Any) -> list[str]:
    """The demo account's user names, read in-process (no request can fake them)."""
    return sorted(demo.emulator.backend().users)


@pytest.mark.parametrize(
    ("method", "path", "host"),
    [
        ("GET", "/moto-api/data.json", None),
        ("POST", "/moto-api/reset", None),
        ("POST", "/moto-api/reset-auth", None),
        ("GET", "/moto-api/", None),
        ("GET", "//moto-api/data.json", None),
        ("GET", "/Moto-API/data.json", None),
        ("GET", "/moto-api/data.json", "motoapi.amazonaws.com"),
    ],
)
@pytest.mark.parametrize("fidelity", [True, False])
def test_unauthenticated_requests_cannot_read_or_reset_the_demo_account(
    emulator: Emulator, method: str, path: str, host: str | None, fidelity: bool
) -> None:
    """AWS: nothing unauthenticated reads or changes an account ("Common Errors",
    AccessDenied, HTTP 403): the demo endpoint refuses every moto control request (state dump
    with secrets, reset, auth switch), with or without the fidelity layer."""
    env = start_demo(now=NOW, fidelity=fidelity)
    try:
        before = user_names(env)
        headers = {"Host": host} if host else {}
        request = urllib.request.Request(
            f"{env.endpoint_url}{path}", data=b"0" if method == "POST" else None, method=method
        )
        for name, value in headers.items():
            request.add_header(name, value)
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(request, timeout=10)
        body = excinfo.value.read().decode()
        assert excinfo.value.code == 403
        assert "<Code>AccessDenied</Code>" in body
        assert env.secret_access_key not in body
        assert user_names(env) == before
        operator = client_for(env.endpoint_url, env.access_key_id, env.secret_access_key)
        assert operator.get_user()["User"]["UserName"] == "ops-operator"
    finally:
        env.stop()


def test_harness_keeps_moto_control_api(emulator: Emulator, iam: Any) -> None:
    """The shared test emulator serves ``/moto-api`` (the harness switches moto's permission
    checks with it); an emulator started without ``control_api`` refuses it."""
    iam.create_user(UserName="kept")
    with urllib.request.urlopen(f"{emulator.endpoint_url}/moto-api/data.json") as answer:
        assert answer.status == 200
    plain = Emulator().start()
    try:
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(f"{plain.endpoint_url}/moto-api/data.json", timeout=10)
        assert excinfo.value.code == 403
    finally:
        plain.stop()


def test_garbage_signature_is_signature_does_not_match(demo: Any) -> None:
    """AWS: a request whose SigV4 signature does not verify with the key's secret fails
    SignatureDoesNotMatch (HTTP 403) and changes nothing ("Signature Version 4 signing
    process"; "Common Errors"): a garbage signature, a wrong secret, a body edited after
    signing; the same request signed properly works."""
    before = user_names(demo)
    operator = (demo.access_key_id, demo.secret_access_key)
    create = {"Action": "CreateUser", "UserName": "intruder", "Version": "2010-05-08"}
    status, body = raw_call(demo.endpoint_url, create, signer=operator, tamper=garbage_signature)
    assert status == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in body
    assert "The request signature we calculated does not match" in body

    def edit_body(request: AWSRequest) -> None:
        request.data = urlencode({**create, "UserName": "other"}).encode()

    status, body = raw_call(demo.endpoint_url, create, signer=operator, tamper=edit_body)
    assert (status, "<Code>SignatureDoesNotMatch</Code>" in body) == (403, True)
    wrong_secret = client_for(demo.endpoint_url, demo.access_key_id, "not-the-secret")
    for call in (wrong_secret.list_users, lambda: wrong_secret.create_user(UserName="x")):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo)[:2] == ("SignatureDoesNotMatch", 403)
    sts = client_for(demo.endpoint_url, demo.access_key_id, "not-the-secret", "sts")
    with pytest.raises(ClientError) as excinfo:
        sts.get_caller_identity()
    assert error_of(excinfo)[:2] == ("SignatureDoesNotMatch", 403)
    assert user_names(demo) == before
    status, body = raw_call(demo.endpoint_url, create, signer=operator)
    assert status == 200
    assert user_names(demo) == sorted([*before, "intruder"])


def test_expired_signature_is_signature_does_not_match(demo: Any) -> None:
    """AWS: a request signed long ago (a replay) fails SignatureDoesNotMatch "Signature
    expired" (HTTP 403); the emulator allows 15 minutes of clock skew ("Signature Version 4
    signing process": the timestamp must be close to the service's clock)."""
    operator = (demo.access_key_id, demo.secret_access_key)
    listing = {"Action": "ListUsers", "Version": "2010-05-08"}
    now = datetime.now(UTC)
    status, body = raw_call(
        demo.endpoint_url, listing, signer=operator, when=now - timedelta(hours=1)
    )
    assert status == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in body
    assert "Signature expired" in body
    recent = now - timedelta(minutes=2)
    status, _ = raw_call(demo.endpoint_url, listing, signer=operator, when=recent)
    assert status == 200


def test_unsigned_request_is_missing_authentication_token(demo: Any) -> None:
    """AWS: a request without a signature fails MissingAuthenticationToken (HTTP 403,
    "Common Errors"), whatever the Host header claims."""
    before = user_names(demo)
    create = {"Action": "CreateUser", "UserName": "intruder", "Version": "2010-05-08"}
    for host in (None, "iam.amazonaws.com"):
        status, body = raw_call(demo.endpoint_url, create, host=host)
        assert status == 403
        assert "<Code>MissingAuthenticationToken</Code>" in body
    assert user_names(demo) == before


def test_harness_key_signature_is_verified_too(emulator: Emulator) -> None:
    """AWS: every key's signature is verified: the harness's trusted dummy key ``testing``
    signs only with its secret ``testing`` ("Common Errors": SignatureDoesNotMatch)."""
    forged = emulator.client(aws_secret_access_key="forged")
    with pytest.raises(ClientError) as excinfo:
        forged.create_user(UserName="intruder")
    assert error_of(excinfo)[:2] == ("SignatureDoesNotMatch", 403)
    assert emulator.client().list_users()["Users"] == []


def test_moto_session_key_must_be_issued_and_signed(demo: Any) -> None:
    """AWS: GetSessionToken credentials sign requests only once issued, and only with their
    secret (moto answers every GetSessionToken with the fixed AKIAIOSFODNN7EXAMPLE, which the
    emulator treats like any other key: "Common Errors", InvalidClientTokenId /
    SignatureDoesNotMatch)."""
    moto_key, moto_secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
    unissued = client_for(demo.endpoint_url, moto_key, moto_secret)
    with pytest.raises(ClientError) as excinfo:
        unissued.create_user(UserName="intruder")
    assert error_of(excinfo)[:2] == ("InvalidClientTokenId", 403)
    sts = client_for(demo.endpoint_url, demo.access_key_id, demo.secret_access_key, "sts")
    creds = sts.get_session_token()["Credentials"]
    assert creds["AccessKeyId"] == moto_key
    session = client_for(
        demo.endpoint_url,
        creds["AccessKeyId"],
        creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    assert isinstance(session.list_users()["Users"], list)
    listing = {"Action": "ListUsers", "Version": "2010-05-08"}
    status, body = raw_call(
        demo.endpoint_url, listing, signer=(moto_key, moto_secret), tamper=garbage_signature
    )
    assert (status, "<Code>SignatureDoesNotMatch</Code>" in body) == (403, True)
    assert "intruder" not in user_names(demo)


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


@pytest.mark.parametrize(
    ("call", "params", "member"),
    [
        ("create_user", {"UserName": "bad\x01name"}, "userName"),
        ("create_user", {"UserName": "u" * 65}, "userName"),
        ("create_user", {"UserName": "ok", "Path": "/a\x1bb/"}, "path"),
        ("create_role", {"RoleName": "r\x07", "AssumeRolePolicyDocument": "{}"}, "roleName"),
        ("create_group", {"GroupName": "g\u202e"}, "groupName"),
        ("create_policy", {"PolicyName": "p\x00", "PolicyDocument": "{}"}, "policyName"),
    ],
)
def test_names_outside_aws_pattern_or_length_are_validation_error(
    iam: Any, call: str, params: dict[str, str], member: str
) -> None:
    """AWS: UserName/RoleName are 1-64 and GroupName/PolicyName 1-128 of ``[\\w+=,.@-]+``, a
    Path is ``/`` or ``/printable ASCII/`` (IAM API Reference, CreateUser, CreateRole, ...):
    moto stored them and then wrote XML with control characters no client could parse."""
    with pytest.raises(ClientError) as excinfo:
        getattr(iam, call)(**params)
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationError", 400)
    assert f"Value at '{member}' failed to satisfy constraint" in message
    assert iam.list_users()["Users"] == [] or call != "create_user"


def test_a_policy_document_with_control_characters_is_validation_error(iam: Any) -> None:
    """AWS: PolicyDocument is ``[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+`` (IAM API
    Reference, PutUserPolicy); tabs and newlines are fine, other control characters are not."""
    iam.create_user(UserName="ana")
    good = (
        '{\n\t"Version": "2012-10-17",\r\n "Statement": [{"Effect": "Allow", '
        '"Action": "s3:GetObject", "Resource": "*"}]}'
    )
    iam.put_user_policy(UserName="ana", PolicyName="fine", PolicyDocument=good)
    with pytest.raises(ClientError) as excinfo:
        iam.put_user_policy(UserName="ana", PolicyName="bad", PolicyDocument=good + "\x0b")
    assert error_of(excinfo)[:2] == ("ValidationError", 400)
    assert iam.list_user_policies(UserName="ana")["PolicyNames"] == ["fine"]


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


def test_update_assume_role_policy_naming_a_deleted_principal_is_invalid_principal(
    iam: Any,
) -> None:
    """AWS: UpdateAssumeRolePolicy with a document naming a deleted principal by its unique id
    fails MalformedPolicyDocument "Invalid principal in policy" and leaves the trust as it was;
    a live principal's id is fine."""
    before = trust({"Service": "ec2.amazonaws.com"})
    live = iam.create_role(RoleName="app", AssumeRolePolicyDocument=before)["Role"]["RoleId"]
    gone = "AIDA" + "Z" * 17
    with pytest.raises(ClientError) as excinfo:
        iam.update_assume_role_policy(RoleName="app", PolicyDocument=trust({"AWS": gone}))
    code, status, message = error_of(excinfo)
    assert (code, status) == ("MalformedPolicyDocument", 400)
    assert message == f'Invalid principal in policy: "AWS":"{gone}"'
    kept = iam.get_role(RoleName="app")["Role"]["AssumeRolePolicyDocument"]
    assert kept == json.loads(before)
    iam.update_assume_role_policy(RoleName="app", PolicyDocument=trust({"AWS": live}))


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
    with emulator.enforced():
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
    with emulator.enforced():
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
