"""Shared helpers for the action tests: connections, a fully loaded user, field-by-field state.

State is read back here with plain boto3 calls, independently of the product's own readers, so
an undo is compared against what IAM really holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from iamtui.core.actions import ExecutionReport, Executor, Plan, Planner
from iamtui.core.journal import Journal
from iamtui.core.loader import load_account
from iamtui.core.model import AccountSnapshot
from iamtui.core.session import Connection, ConnectionSettings, connect
from iamtui.emulator.seed import self_signed_certificate
from iamtui.emulator.server import Emulator

ACCOUNT = "123456789012"
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
SQS_SEND = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
}


def connection(emulator: Emulator, key: tuple[str, str] = ("testing", "testing")) -> Connection:
    """iamtui's connection to the emulator (dummy credentials unless a user's key is given)."""
    return connect(
        ConnectionSettings(
            endpoint_url=emulator.endpoint_url, region="us-east-1", static_credentials=key
        ),
        max_attempts=2,
    )


@dataclass
class Env:
    """What most action tests need: a connection, a fresh snapshot, a planner and a journal."""

    emulator: Emulator
    conn: Connection
    journal: Journal

    def snapshot(self) -> AccountSnapshot:
        """Load the account as the operator would have."""
        return load_account(self.conn)

    def planner(self, snapshot: AccountSnapshot | None = None, **kwargs: Any) -> Planner:
        """A planner over a fresh snapshot."""
        return Planner(self.conn, snapshot or self.snapshot(), **kwargs)

    def run(self, plan: Plan, typed: str | None = None, **kwargs: Any) -> ExecutionReport:
        """Confirm (typing the phrase when one is needed) and execute."""
        phrase = typed if typed is not None else plan.confirmation_phrase
        return Executor(self.conn, self.journal, sleep=lambda _: None, **kwargs).run(
            plan.confirm(phrase)
        )

    def undo(self, report: ExecutionReport, planner: Planner | None = None) -> ExecutionReport:
        """Build the undo plan of an executed entry and run it."""
        assert report.entry_id is not None
        plan = (planner or self.planner()).undo(self.journal.entry(report.entry_id))
        return self.run(plan)


@pytest.fixture(name="env")
def env_fixture(emulator: Emulator, tmp_path: Path) -> Iterator[Env]:
    """A clean account, iamtui connected to it, and an empty journal."""
    emulator.extras().report_generation_polls = 0  # no report wait: loads stay fast
    yield Env(emulator, connection(emulator), Journal(tmp_path / "journal.jsonl"))


# --- credentials material ---------------------------------------------------------------------


@cache
def ssh_public_key() -> str:
    """An OpenSSH RSA public key (IAM accepts ssh-rsa)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def certificate(name: str) -> str:
    """A self-signed X.509 certificate body (public material)."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return self_signed_certificate(name, start, start + timedelta(days=3650))[0]


def policy(iam: Any, name: str, document: dict[str, Any] = S3_READ) -> str:
    """A customer-managed policy; returns its ARN."""
    return str(
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    )


def full_user(
    iam: Any, name: str, *, groups: tuple[str, ...] = ("Developers", "Readers")
) -> dict[str, Any]:
    """A user with every kind of dependency DeleteUser needs removed first."""
    arns = {p["PolicyName"]: p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]}
    for group in groups:
        if not any(g["GroupName"] == group for g in iam.list_groups()["Groups"]):
            iam.create_group(GroupName=group)
    managed = arns.get("ReadBuckets") or policy(iam, "ReadBuckets")
    boundary = arns.get("Boundary") or policy(iam, "Boundary")
    iam.create_user(
        UserName=name,
        Path="/engineering/",
        Tags=[{"Key": "Team", "Value": "data"}, {"Key": "Owner", "Value": "ana@example.com"}],
    )
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
    for group in groups:
        iam.add_user_to_group(GroupName=group, UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=managed)
    iam.put_user_policy(UserName=name, PolicyName="AdHoc", PolicyDocument=json.dumps(SQS_SEND))
    iam.create_login_profile(UserName=name, Password="Very-long-passw0rd!")
    keys = [iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"] for _ in range(2)]
    iam.update_access_key(UserName=name, AccessKeyId=keys[0], Status="Inactive")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"][
        "SerialNumber"
    ]
    iam.enable_mfa_device(
        UserName=name,
        SerialNumber=serial,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    ssh = iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=ssh_public_key())
    ssh_id = ssh["SSHPublicKey"]["SSHPublicKeyId"]
    iam.update_ssh_public_key(UserName=name, SSHPublicKeyId=ssh_id, Status="Inactive")
    iam.upload_signing_certificate(UserName=name, CertificateBody=certificate(name))
    iam.create_service_specific_credential(UserName=name, ServiceName="codecommit.amazonaws.com")
    return {"keys": keys, "mfa": serial, "ssh": ssh_id, "managed": managed, "boundary": boundary}


def full_user_fast(emulator: Emulator, name: str) -> None:
    """The same user as full_user, written straight into moto's objects (milliseconds)."""
    from iamtui.emulator.seed import KeySpec, Seeder
    from iamtui.emulator.state import ServiceCredential

    backend, extras = emulator.backend(), emulator.extras()
    seeder = Seeder(backend, extras, datetime.now(UTC))
    arns = {p.name: p.arn for p in backend.managed_policies.values()}
    for group in ("Developers", "Readers"):
        if group not in backend.groups:
            seeder.group(group)
    for policy_name in ("ReadBuckets", "Boundary"):
        if policy_name not in arns:
            arns[policy_name] = seeder.managed_policy(policy_name, S3_READ).arn
    now = datetime.now(UTC) - timedelta(days=1)
    user = seeder.user(
        name,
        path="/engineering/",
        tags={"Team": "data", "Owner": "ana@example.com"},
        groups=("Developers", "Readers"),
        password=True,
        mfa="virtual",
        keys=(KeySpec(now, status="Inactive"), KeySpec(now)),
        managed=(arns["ReadBuckets"],),
        inline={"AdHoc": SQS_SEND},
        boundary=arns["Boundary"],
    )
    ssh = user.upload_ssh_public_key(ssh_public_key())
    ssh.status = "Inactive"
    backend.upload_signing_certificate(name, certificate(name))
    extras.service_credentials.setdefault(name, []).append(
        ServiceCredential(
            f"ACCA{abs(hash(name)) % 10**17:017d}",
            name,
            "codecommit.amazonaws.com",
            f"{name}-at-1",
            now,
        )
    )


# --- reading state back, field by field ------------------------------------------------------


def _all(iam: Any, method: str, key: str, **kwargs: Any) -> list[Any]:
    return [item for page in iam.get_paginator(method).paginate(**kwargs) for item in page[key]]


def user_fields(iam: Any, name: str) -> dict[str, Any]:
    """Everything undo restores about a user, as IAM reports it."""
    user = iam.get_user(UserName=name)["User"]
    ssh = []
    for meta in _all(iam, "list_ssh_public_keys", "SSHPublicKeys", UserName=name):
        body = iam.get_ssh_public_key(
            UserName=name, SSHPublicKeyId=meta["SSHPublicKeyId"], Encoding="SSH"
        )["SSHPublicKey"]["SSHPublicKeyBody"]
        ssh.append((body.strip(), meta["Status"]))
    return {
        "path": user["Path"],
        "tags": sorted(
            (t["Key"], t["Value"]) for t in _all(iam, "list_user_tags", "Tags", UserName=name)
        ),
        "boundary": (user.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "groups": sorted(
            g["GroupName"] for g in _all(iam, "list_groups_for_user", "Groups", UserName=name)
        ),
        "attached": sorted(
            p["PolicyArn"]
            for p in _all(iam, "list_attached_user_policies", "AttachedPolicies", UserName=name)
        ),
        "inline": {
            n: iam.get_user_policy(UserName=name, PolicyName=n)["PolicyDocument"]
            for n in _all(iam, "list_user_policies", "PolicyNames", UserName=name)
        },
        "ssh": sorted(ssh),
        "certificates": sorted(
            (c["CertificateBody"].strip(), c["Status"])
            for c in _all(iam, "list_signing_certificates", "Certificates", UserName=name)
        ),
    }


def credentials(iam: Any, name: str) -> dict[str, Any]:
    """The credentials a user holds (what deletion loses for good)."""
    try:
        iam.get_login_profile(UserName=name)
        password = True
    except iam.exceptions.NoSuchEntityException:
        password = False
    return {
        "password": password,
        "keys": len(_all(iam, "list_access_keys", "AccessKeyMetadata", UserName=name)),
        "mfa": len(_all(iam, "list_mfa_devices", "MFADevices", UserName=name)),
        "service": len(
            iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"]
        ),
    }


def role_fields(iam: Any, name: str) -> dict[str, Any]:
    """Everything undo restores about a role, as IAM reports it."""
    role = iam.get_role(RoleName=name)["Role"]
    return {
        "path": role["Path"],
        "trust": role["AssumeRolePolicyDocument"],
        "description": role.get("Description"),
        "max_session": role["MaxSessionDuration"],
        "tags": sorted(
            (t["Key"], t["Value"]) for t in _all(iam, "list_role_tags", "Tags", RoleName=name)
        ),
        "boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "attached": sorted(
            p["PolicyArn"]
            for p in _all(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
        ),
        "inline": {
            n: iam.get_role_policy(RoleName=name, PolicyName=n)["PolicyDocument"]
            for n in _all(iam, "list_role_policies", "PolicyNames", RoleName=name)
        },
        "instance_profiles": sorted(
            p["InstanceProfileName"]
            for p in _all(iam, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=name)
        ),
    }


def test_full_user_has_every_kind_of_dependency(emulator: Emulator, iam: Any) -> None:
    """The helpers really build the user the deletion tests need, through the API or not."""
    full_user(iam, "ana")
    full_user_fast(emulator, "bea")
    fields = user_fields(iam, "ana")
    assert fields["groups"] == ["Developers", "Readers"]
    assert fields["boundary"] and fields["attached"] and fields["inline"]
    assert fields["ssh"][0][1] == "Inactive" and fields["certificates"]
    assert credentials(iam, "ana") == {"password": True, "keys": 2, "mfa": 1, "service": 1}
    fast = user_fields(iam, "bea")
    assert {**fast, "certificates": None} == {**fields, "certificates": None}
    assert credentials(iam, "bea") == credentials(iam, "ana")
