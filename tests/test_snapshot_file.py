"""Snapshot files: a loaded account survives a round trip; bad files fail with one line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from iamtui.core import snapshot as snapshot_io
from iamtui.core.model import (
    AccessKey,
    AccountSnapshot,
    AccountSummary,
    AttachedPolicy,
    CallerIdentity,
    CredentialReport,
    CredentialReportRow,
    InlinePolicy,
    LastAccessed,
    Missing,
    Part,
    PrincipalDetail,
    ReportCert,
    ReportKey,
    Role,
    ServiceAccess,
    Tag,
    TrackedAction,
    Unavailable,
    User,
)

T = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)


def sample() -> AccountSnapshot:
    key = ReportKey(True, T, Missing.NOT_APPLICABLE, Missing.NOT_APPLICABLE, "s3")
    row = CredentialReportRow(
        user="alice",
        arn="arn:aws:iam::123456789012:user/alice",
        user_creation_time=T,
        password_enabled=True,
        password_last_used=Missing.NO_INFORMATION,
        password_last_changed=T,
        password_next_rotation=Missing.NOT_APPLICABLE,
        mfa_active=False,
        access_key_1=key,
        access_key_2=ReportKey(False, Missing.NOT_APPLICABLE, T, "eu-west-1", "iam"),
        cert_1=ReportCert(False, Missing.NOT_APPLICABLE),
        cert_2=ReportCert(True, T),
    )
    user = User(
        name="alice",
        arn=row.arn,
        user_id="AIDA1",
        path="/eng/",
        create_date=T,
        groups=("Developers",),
        inline_policies=(InlinePolicy("x", {"Version": "2012-10-17", "Statement": []}),),
        attached_policies=(AttachedPolicy("arn:aws:iam::aws:policy/ReadOnlyAccess", "RO"),),
        tags=(Tag("Team", "data"),),
    )
    role = Role(
        name="app",
        arn="arn:aws:iam::123456789012:role/app",
        role_id="AROA1",
        path="/",
        create_date=T,
        trust_policy={"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2"}}]},
        last_used=T,
        last_used_region="eu-west-1",
        instance_profiles=("app",),
    )
    la = LastAccessed(
        principal_arn=user.arn,
        granularity="ACTION_LEVEL",
        completed_at=T,
        services=(
            ServiceAccess(
                "Amazon S3", "s3", T, user.arn, "us-east-1", 1, (TrackedAction("GetObject", T),)
            ),
            ServiceAccess("Amazon EC2", "ec2"),
        ),
    )
    return AccountSnapshot(
        account_id="123456789012",
        loaded_at=T,
        caller=CallerIdentity("123456789012", "arn:aws:iam::123456789012:user/ops", "AIDA2"),
        alias="northwind",
        users=(user,),
        roles=(role,),
        credential_report=CredentialReport(T, (row,), None),
        summary=AccountSummary(False, True, {"Users": 1}),
        unavailable=(Unavailable(Part.PASSWORD_POLICY, "denied", "AccessDenied"),),
        last_accessed={user.arn: la},
        details={user.arn: PrincipalDetail(user.arn, T, (AccessKey("AKIA1", "Active", T),))},
        request_count=9,
    )


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    original = sample()
    path = tmp_path / "acct.json"
    snapshot_io.save(original, path)
    assert snapshot_io.load(path) == original


def test_missing_values_stay_explicit_states(tmp_path: Path) -> None:
    path = tmp_path / "acct.json"
    snapshot_io.save(sample(), path)
    loaded = snapshot_io.load(path)
    assert loaded.credential_report is not None
    row = loaded.credential_report.rows[0]
    assert row.password_last_used is Missing.NO_INFORMATION
    assert row.access_key_1.last_used is Missing.NOT_APPLICABLE
    assert row.access_key_2.last_used == T


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not JSON"),
        ('{"hello": 1}', "not an iamtui snapshot"),
        ('{"format": "iamtui.snapshot", "version": 99, "snapshot": {}}', "version 99"),
        (
            '{"format": "iamtui.snapshot", "version": 1, "snapshot": {"account_id": 1}}',
            "account_id",
        ),
    ],
)
def test_bad_files_fail_with_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(snapshot_io.SnapshotError, match=message) as info:
        snapshot_io.load(path)
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(snapshot_io.SnapshotError, match="no such file"):
        snapshot_io.load(tmp_path / "nope.json")


def test_a_loaded_account_with_last_accessed_round_trips(
    emulator: Any, tmp_path: Path, now: datetime
) -> None:
    """What the loader produced (report, policies, last-accessed data) is what a file gives back."""
    from iamtui.core.loader import load_account, load_last_accessed_batch
    from iamtui.core.session import ConnectionSettings, connect
    from iamtui.emulator.demo import seed_demo_account

    emulator.extras().clock = lambda: now
    seed_demo_account(emulator.backend(), emulator.extras(), now)
    conn = connect(
        ConnectionSettings(
            endpoint_url=emulator.endpoint_url, static_credentials=("testing", "testing")
        )
    )
    loaded = load_account(conn, clock=lambda: now)
    batch = load_last_accessed_batch(conn, [u.arn for u in loaded.users[:3]])
    loaded = loaded.with_last_accessed(*batch.results.values())
    path = tmp_path / "demo.json"
    snapshot_io.save(loaded, path)
    again = snapshot_io.load(path)
    assert again == loaded
    assert len(again.last_accessed) == 3
    assert again.credential_report is not None and again.credential_report.root is not None


def test_server_certificates_and_analyzers_round_trip_and_old_files_load(tmp_path: Path) -> None:
    """The issue-13 fields are saved when loaded; a file without them (tests/data, v1) still
    loads, as "not loaded" (None), so their rules say "not evaluated" instead of "fine"."""
    from dataclasses import replace

    from iamtui.core.model import AccessAnalyzerState, Analyzer, ServerCertificate

    cert = ServerCertificate(
        "shop", "ASCAEXAMPLE0000000001", "arn:aws:iam::123456789012:server-certificate/shop",
        "/cloudfront/", T, T,
    )  # fmt: skip
    analyzer = Analyzer(
        "ext", "arn:aws:access-analyzer:eu-west-1:1:analyzer/ext", "ACCOUNT", "ACTIVE"
    )
    loaded = replace(
        sample(),
        server_certificates=(cert,),
        access_analyzer=AccessAnalyzerState("eu-west-1", (analyzer,)),
    )
    path = tmp_path / "acct.json"
    snapshot_io.save(loaded, path)
    assert snapshot_io.load(path) == loaded
    old = snapshot_io.load(Path(__file__).parent / "data" / "snapshot-v1.json")
    assert old.server_certificates is None and old.access_analyzer is None
