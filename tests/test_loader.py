"""The account loader against the emulated IAM endpoint over HTTP, with faults injected by hooks."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from iamtui.core import loader
from iamtui.core import snapshot as snapshot_io
from iamtui.core.loader import Cancelled, CancelToken, StepUpdate, load_account
from iamtui.core.model import Missing, Part
from iamtui.core.session import Connection, ConnectionProblem, ConnectionSettings, connect
from iamtui.emulator.fidelity.organizations import seed_organization
from iamtui.emulator.server import Emulator
from iamtui.emulator.state import DEFAULT_ACCOUNT_ID, AnalyzerState
from tests.faults import inject

TRUST_EC2 = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
S3_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}],
}


def connection(emulator: Emulator, **kwargs: Any) -> Connection:
    return connect(
        ConnectionSettings(
            endpoint_url=emulator.endpoint_url,
            region="us-east-1",
            static_credentials=("testing", "testing"),
        ),
        **kwargs,
    )


def seed_small(iam: Any) -> None:
    iam.create_group(GroupName="Developers")
    iam.put_group_policy(
        GroupName="Developers", PolicyName="s3", PolicyDocument=json.dumps(S3_READ)
    )
    iam.create_user(UserName="alice", Path="/eng/", Tags=[{"Key": "Team", "Value": "data"}])
    iam.add_user_to_group(GroupName="Developers", UserName="alice")
    iam.create_access_key(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Very-long-passw0rd!")
    policy = iam.create_policy(PolicyName="ReadBuckets", PolicyDocument=json.dumps(S3_READ))
    iam.attach_user_policy(UserName="alice", PolicyArn=policy["Policy"]["Arn"])
    iam.create_user(UserName="bob")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    iam.create_instance_profile(InstanceProfileName="app")
    iam.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
    iam.create_account_alias(AccountAlias="northwind-test")


def test_overview_loads_every_part(emulator: Emulator, iam: Any) -> None:
    seed_small(iam)
    snap = load_account(connection(emulator))
    assert snap.unavailable == ()
    assert snap.account_id == "123456789012"
    assert snap.alias == "northwind-test"
    assert {u.name for u in snap.users} == {"alice", "bob"}
    alice = snap.user("alice")
    assert alice is not None
    assert alice.path == "/eng/" and alice.groups == ("Developers",)
    assert [t.key for t in alice.tags] == ["Team"]
    assert [p.name for p in alice.attached_policies] == ["ReadBuckets"]
    group = snap.group("Developers")
    assert group is not None and group.inline_policies[0].document == S3_READ
    role = snap.role("app")
    assert role is not None and role.instance_profiles == ("app",)
    assert role.trust_policy["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    policy = next(p for p in snap.policies if p.name == "ReadBuckets")
    assert policy.document == S3_READ and not policy.aws_managed
    assert snap.credential_report is not None
    row = snap.credential_report.row_for("alice")
    assert row is not None and row.password_enabled is True
    assert row.password_last_used is Missing.NO_INFORMATION
    assert row.access_key_1.active and row.access_key_1.last_used is Missing.NOT_APPLICABLE
    assert snap.summary is not None
    assert snap.password_policy is None  # none set: AWS defaults
    assert snap.caller is not None and snap.caller.account == "123456789012"


def test_the_report_age_is_kept(emulator: Emulator, iam: Any) -> None:
    seed_small(iam)
    snap = load_account(connection(emulator))
    assert snap.credential_report is not None
    assert snap.credential_report.generated_at.tzinfo is not None
    assert abs(snap.loaded_at - snap.credential_report.generated_at) < timedelta(minutes=5)


def test_overview_cost_is_constant_plus_one_request_per_thousand_principals(
    emulator: Emulator,
) -> None:
    backend = emulator.backend()
    for i in range(2300):
        backend.create_user(region_name="us-east-1", user_name=f"user{i:04}")
    conn = connection(emulator)
    snap = load_account(conn)
    assert len(snap.users) == 2300
    assert conn.counter.by_operation["iam:GetAccountAuthorizationDetails"] == 3
    assert "iam:ListAccessKeys" not in conn.counter.by_operation
    assert snap.request_count == conn.counter.total
    # 12 before issue 13, +6 on purpose: service-specific credentials, ListServerCertificates,
    # ListAnalyzers, ListInstanceProfiles, ListOpenIDConnectProviders + ListSAMLProviders.
    assert snap.request_count <= 18


def test_a_denied_part_is_unavailable_and_the_rest_loads(emulator: Emulator, iam: Any) -> None:
    seed_small(iam)
    conn = connection(emulator)
    inject(conn.iam, "GetAccountSummary", "AccessDenied", status=403)
    snap = load_account(conn)
    missing = snap.unavailable_part(Part.ACCOUNT_SUMMARY)
    assert missing is not None and missing.code == "AccessDenied"
    assert "iam:GetAccountSummary" in missing.reason
    assert snap.summary is None
    assert len(snap.users) == 2


def test_throttling_is_retried(emulator: Emulator, iam: Any) -> None:
    seed_small(iam)
    conn = connection(emulator)
    hits = inject(conn.iam, "ListAccountAliases", "Throttling", times=2)
    snap = load_account(conn)
    assert hits() == 2
    assert snap.alias == "northwind-test"
    assert conn.counter.by_operation["iam:ListAccountAliases"] == 3


def test_bad_credentials_stop_the_load_with_one_line(emulator: Emulator) -> None:
    conn = connection(emulator)
    inject(conn.sts, "GetCallerIdentity", "InvalidClientTokenId", status=403)
    with pytest.raises(ConnectionProblem, match="rejected the credentials") as info:
        load_account(conn)
    assert "\n" not in str(info.value)


def test_progress_names_every_step_and_cancel_stops(emulator: Emulator, iam: Any) -> None:
    seed_small(iam)
    token = CancelToken()
    seen: list[StepUpdate] = []

    def progress(update: StepUpdate) -> None:
        seen.append(update)
        if update.step == Part.CREDENTIAL_REPORT and update.state == "done":
            token.cancel()

    with pytest.raises(Cancelled):
        load_account(connection(emulator), progress=progress, cancel=token)
    done = [u.step for u in seen if u.state == "done"]
    assert done == [Part.CALLER, Part.AUTHORIZATION_DETAILS, Part.CREDENTIAL_REPORT]


def test_credential_report_generation_is_polled(emulator: Emulator, iam: Any) -> None:
    seed_small(iam)
    emulator.extras().report_generation_polls = 2
    seen: list[StepUpdate] = []
    snap = load_account(connection(emulator), progress=seen.append)
    assert snap.credential_report is not None
    waits = [u for u in seen if u.step == Part.CREDENTIAL_REPORT and u.state == "waiting"]
    assert len(waits) == 2


def test_user_detail_has_key_ids_last_use_and_mfa(emulator: Emulator, iam: Any) -> None:
    seed_small(iam)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    conn = connection(emulator)
    snap = load_account(conn)
    alice = snap.user("alice")
    assert alice is not None
    detail = loader.load_user_detail(conn, alice)
    assert len(detail.access_keys) == 1
    key = detail.access_keys[0]
    assert key.key_id.startswith("AKIA") and key.active and key.last_used is None
    assert [d.serial for d in detail.mfa_devices] == [device["SerialNumber"]]
    assert detail.mfa_devices[0].virtual


def test_user_detail_lists_ssh_keys_and_signing_certificates_without_bodies(
    emulator: Emulator, iam: Any
) -> None:
    from test_actions_support import certificate, ssh_public_key

    seed_small(iam)
    sid = iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=ssh_public_key())[
        "SSHPublicKey"
    ]["SSHPublicKeyId"]
    iam.update_ssh_public_key(UserName="alice", SSHPublicKeyId=sid, Status="Inactive")
    cid = iam.upload_signing_certificate(UserName="alice", CertificateBody=certificate("alice"))[
        "Certificate"
    ]["CertificateId"]
    conn = connection(emulator)
    alice = load_account(conn).user("alice")
    assert alice is not None
    detail = loader.load_user_detail(conn, alice)
    assert [(k.key_id, k.status) for k in detail.ssh_public_keys or ()] == [(sid, "Inactive")]
    assert [(c.certificate_id, c.active) for c in detail.signing_certificates or ()] == [
        (cid, True)
    ]
    assert detail.unavailable == ()
    # Saved with a snapshot and read back: ids, status and dates only, never a public body.
    text = snapshot_io.dumps(load_account(conn).with_details(detail))
    assert "ssh-rsa" not in text and "BEGIN CERTIFICATE" not in text
    assert snapshot_io.loads(text).details[alice.arn] == detail


def test_a_denied_ssh_key_listing_leaves_the_rest_of_the_user_detail(
    emulator: Emulator, iam: Any
) -> None:
    seed_small(iam)
    conn = connection(emulator)
    alice = load_account(conn).user("alice")
    assert alice is not None
    inject(conn.iam, "ListSSHPublicKeys", "AccessDenied")
    detail = loader.load_user_detail(conn, alice)
    assert detail.ssh_public_keys is None  # unknown, not "none"
    assert detail.signing_certificates == () and len(detail.access_keys) == 1
    [denied] = detail.unavailable
    assert denied.reason == "denied: the caller lacks iam:ListSSHPublicKeys"


def test_last_accessed_lists_granted_services_with_usage(
    emulator: Emulator, iam: Any, now: Any
) -> None:
    seed_small(iam)
    arn = iam.get_user(UserName="alice")["User"]["Arn"]
    emulator.extras().record_usage(arn, "s3", now - timedelta(days=3), "eu-west-1")
    conn = connection(emulator)
    report = loader.load_last_accessed(conn, arn)
    assert report.principal_arn == arn
    s3 = next(s for s in report.services if s.namespace == "s3")
    assert s3.last_authenticated == now - timedelta(days=3)
    assert s3.region == "eu-west-1"


def test_last_accessed_batch_retries_throttling_and_reports_progress(
    emulator: Emulator, iam: Any
) -> None:
    seed_small(iam)
    arns = [iam.get_user(UserName=n)["User"]["Arn"] for n in ("alice", "bob")]
    conn = connection(emulator, max_attempts=2)
    # More throttles than botocore's own retries absorb: the batch loader backs off and retries.
    hits = inject(conn.iam, "GenerateServiceLastAccessedDetails", "Throttling", times=3)
    ticks: list[tuple[int, int]] = []
    result = loader.load_last_accessed_batch(
        conn, arns, workers=1, progress=lambda d, t: ticks.append((d, t)), sleep=lambda _: None
    )
    assert hits() == 3
    assert set(result.results) == set(arns) and result.failures == {}
    assert ticks[-1] == (2, 2)


def test_last_accessed_batch_cancel_keeps_what_finished(emulator: Emulator, iam: Any) -> None:
    seed_small(iam)
    arns = [iam.get_user(UserName=n)["User"]["Arn"] for n in ("alice", "bob")]
    token = CancelToken()
    result = loader.load_last_accessed_batch(
        connection(emulator), arns, workers=1, cancel=token, progress=lambda d, t: token.cancel()
    )
    assert result.cancelled
    assert len(result.results) == 1


def test_a_load_sends_exactly_the_declared_actions(emulator: Emulator, iam: Any) -> None:
    """The read-only policy is derived from these tables; they must match what is really sent."""
    seed_small(iam)
    seed_organization(DEFAULT_ACCOUNT_ID, ["210987654321"])  # else Organizations stops at "none"
    # An unused-access analyzer: else its findings are not asked for.
    emulator.extras().analyzers["us-east-1"] = [AnalyzerState("unused", "ACCOUNT_UNUSED_ACCESS")]
    conn = connection(emulator)
    snap = load_account(conn)
    declared = {a for actions in loader.OVERVIEW_ACTIONS.values() for a in actions}
    assert set(conn.counter.by_operation) == declared
    alice = snap.user("alice")
    assert alice is not None
    conn = connection(emulator)
    loader.load_user_detail(conn, alice)
    assert set(conn.counter.by_operation) == set(loader.USER_DETAIL_ACTIONS)
    conn = connection(emulator)
    loader.load_last_accessed(conn, alice.arn)
    assert set(conn.counter.by_operation) == set(loader.LAST_ACCESSED_ACTIONS)


def test_a_denial_later_in_a_step_names_the_call_that_failed(emulator: Emulator, iam: Any) -> None:
    seed_small(iam)
    conn = connection(emulator)
    inject(conn.iam, "GetCredentialReport", "AccessDenied", status=403)
    snap = load_account(conn)
    missing = snap.unavailable_part(Part.CREDENTIAL_REPORT)
    assert missing is not None
    assert missing.reason == "denied: the caller lacks iam:GetCredentialReport"


def _answer(client: Any, operation: str, body: str) -> None:
    """Make ``operation`` succeed with this XML body (shaped by the test, parsed by botocore)."""
    from botocore.awsrequest import AWSResponse

    from tests.faults import _Body

    def handler(**_: Any) -> AWSResponse:
        headers = {"Content-Type": "text/xml"}
        return AWSResponse("https://iam.amazonaws.com/", 200, headers, _Body(body.encode()))

    service = client.meta.service_model.endpoint_prefix
    client.meta.events.register(f"before-send.{service}.{operation}", handler)


#: Authorization details as moto 5.2.5 and worse endpoints send them: a policy without
#: PolicyName/PolicyId, a user without UserId/CreateDate, a role without an Arn at all.
SPARSE_DETAILS = """
<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
 <GetAccountAuthorizationDetailsResult>
  <IsTruncated>false</IsTruncated>
  <UserDetailList><member>
   <UserName>alice</UserName><Arn>arn:aws:iam::123456789012:user/alice</Arn><Path>/</Path>
   <AttachedManagedPolicies><member>
    <PolicyArn>arn:aws:iam::123456789012:policy/team/ReadBuckets</PolicyArn>
   </member></AttachedManagedPolicies>
  </member><member>
   <Arn>arn:aws:iam::123456789012:user/eng/bob</Arn><UserId>AIDABOB</UserId>
   <CreateDate>2024-01-01T00:00:00Z</CreateDate>
  </member></UserDetailList>
  <RoleDetailList><member><RoleName>ghost</RoleName></member></RoleDetailList>
  <Policies><member>
   <Arn>arn:aws:iam::123456789012:policy/team/ReadBuckets</Arn>
   <CreateDate>2024-01-01T00:00:00Z</CreateDate>
   <PolicyVersionList><member><IsDefaultVersion>true</IsDefaultVersion><VersionId>v1</VersionId>
   </member></PolicyVersionList>
  </member></Policies>
 </GetAccountAuthorizationDetailsResult>
 <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</GetAccountAuthorizationDetailsResponse>
"""


def test_fields_aws_always_sends_are_derived_when_absent_and_warned_once(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    conn = connection(emulator)
    _answer(conn.iam, "GetAccountAuthorizationDetails", SPARSE_DETAILS)
    with caplog.at_level("WARNING", logger="iamtui.core.loader"):
        snap = load_account(conn)
    assert snap.unavailable_part(Part.AUTHORIZATION_DETAILS) is None
    policy = snap.policies[0]
    assert (policy.name, policy.policy_id, policy.document) == ("ReadBuckets", "", None)
    alice, bob = snap.users
    assert alice.user_id == "" and alice.create_date == loader.UNKNOWN_CREATE_DATE
    assert [p.name for p in alice.attached_policies] == ["ReadBuckets"]
    assert (bob.name, bob.path) == ("bob", "/")
    assert snap.roles == ()  # no ARN: nothing can refer to it
    expected = {
        "policies without PolicyName: 1 (name derived from the ARN)",
        "policies without PolicyId: 1 (left empty)",
        "policy versions without Document: 1 (document unknown)",
        "users without UserId: 1 (left empty)",
        "users without CreateDate: 1 (treated as created 2010-01-01)",
        "users without UserName: 1 (name derived from the ARN)",
        "policy attachments without PolicyName: 1 (name derived from the ARN)",
        "roles without Arn: 1 (left out)",
    }
    assert {w.split(";")[0] for w in snap.data_warnings} == expected
    logged = [r.getMessage() for r in caplog.records if "without" in r.getMessage()]
    assert len(logged) == len(expected)


def test_an_answer_missing_a_documented_field_makes_the_part_unavailable(
    emulator: Emulator, iam: Any
) -> None:
    seed_small(iam)
    conn = connection(emulator)
    _answer(
        conn.sts,
        "GetCallerIdentity",
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        "<GetCallerIdentityResult><UserId>AIDA</UserId></GetCallerIdentityResult>"
        "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
        "</GetCallerIdentityResponse>",
    )
    snap = load_account(conn)
    missing = snap.unavailable_part(Part.CALLER)
    assert missing is not None and missing.code == "MalformedResponse"
    assert missing.reason.startswith("GetCallerIdentity answered with data iamtui cannot read")
    assert snap.account_id == "123456789012" and len(snap.users) == 2


def test_name_from_arn() -> None:
    assert loader.name_from_arn("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess") == (
        "ViewOnlyAccess"
    )
    assert loader.name_from_arn("arn:aws:iam::123456789012:user/alice") == "alice"
