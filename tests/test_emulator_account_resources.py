"""Server certificates and IAM Access Analyzer on the emulator, as AWS answers them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from iamtui.core.loader import load_account
from iamtui.core.model import Part
from iamtui.core.second_opinion import unavailable_reason
from iamtui.core.session import ConnectionSettings, connect
from iamtui.emulator.seed import Seeder, self_signed_certificate
from iamtui.emulator.server import Emulator


def pem(days_left: float) -> tuple[str, str]:
    """A self-signed certificate (and key) expiring ``days_left`` days from now."""
    now = datetime.now(UTC).replace(microsecond=0)
    return self_signed_certificate(
        "www.example.com", now - timedelta(days=300), now + timedelta(days=days_left)
    )


def test_upload_server_certificate_reports_the_bodys_not_after(
    emulator: Emulator, iam: Any
) -> None:
    """AWS: UploadServerCertificate answers with metadata whose Expiration is the certificate's
    NotAfter, and a ServerCertificateId of its own (moto answers 2012 and one id for all)."""
    body, key = pem(45)
    first = iam.upload_server_certificate(
        ServerCertificateName="www", CertificateBody=body, PrivateKey=key
    )
    body2, key2 = pem(-3)
    iam.upload_server_certificate(
        ServerCertificateName="old", CertificateBody=body2, PrivateKey=key2
    )
    meta = first["ServerCertificateMetadata"]
    left = meta["Expiration"] - datetime.now(UTC)
    assert timedelta(days=44) < left <= timedelta(days=45)
    listed = {
        m["ServerCertificateName"]: m
        for m in iam.list_server_certificates()["ServerCertificateMetadataList"]
    }
    assert listed["www"]["ServerCertificateId"] == meta["ServerCertificateId"]
    assert listed["www"]["ServerCertificateId"] != listed["old"]["ServerCertificateId"]
    assert listed["old"]["Expiration"] < datetime.now(UTC)


def test_upload_server_certificate_refuses_a_body_that_is_not_a_certificate(iam: Any) -> None:
    """AWS: UploadServerCertificate fails MalformedCertificate on an unreadable body."""
    with pytest.raises(ClientError) as excinfo:
        iam.upload_server_certificate(
            ServerCertificateName="bad", CertificateBody="not a cert", PrivateKey="k"
        )
    assert excinfo.value.response["Error"]["Code"] == "MalformedCertificate"


def test_server_certificate_names_are_not_distinguished_by_case(iam: Any) -> None:
    """AWS: a second certificate named like one that exists fails EntityAlreadyExists."""
    body, key = pem(100)
    iam.upload_server_certificate(ServerCertificateName="Www", CertificateBody=body, PrivateKey=key)
    with pytest.raises(ClientError) as excinfo:
        iam.upload_server_certificate(
            ServerCertificateName="www", CertificateBody=body, PrivateKey=key
        )
    assert excinfo.value.response["Error"]["Code"] == "EntityAlreadyExists"


def test_list_server_certificates_pages(iam: Any, emulator: Emulator, now: datetime) -> None:
    """AWS: ListServerCertificates pages with MaxItems and Marker like every IAM list."""
    seeder = Seeder(emulator.backend(), emulator.extras(), now)
    for i in range(3):
        seeder.server_certificate(f"c{i}", uploaded=seeder.ago(10), expires=seeder.ago(-10))
    first = iam.list_server_certificates(MaxItems=2)
    assert first["IsTruncated"] and len(first["ServerCertificateMetadataList"]) == 2
    rest = iam.list_server_certificates(MaxItems=2, Marker=first["Marker"])
    assert [m["ServerCertificateName"] for m in rest["ServerCertificateMetadataList"]] == ["c2"]


def test_list_analyzers_answers_the_signing_region_and_filters_by_type(
    emulator: Emulator, now: datetime
) -> None:
    """AWS: ListAnalyzers (GET /analyzer) lists the analyzers of the region the request is
    signed for; ``type`` keeps one analyzer type."""
    seeder = Seeder(emulator.backend(), emulator.extras(), now)
    seeder.analyzer("external", type="ACCOUNT")
    seeder.analyzer("unused", type="ACCOUNT_UNUSED_ACCESS")
    seeder.analyzer("ireland", type="ORGANIZATION", region="eu-west-1")
    here = emulator.client("accessanalyzer")
    assert sorted(a["name"] for a in here.list_analyzers()["analyzers"]) == ["external", "unused"]
    [only] = here.list_analyzers(type="ACCOUNT")["analyzers"]
    assert (only["name"], only["status"]) == ("external", "ACTIVE")
    assert only["arn"] == "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/external"
    ireland = emulator.client("accessanalyzer", region_name="eu-west-1")
    assert [a["name"] for a in ireland.list_analyzers()["analyzers"]] == ["ireland"]
    with pytest.raises(ClientError) as excinfo:
        here.list_analyzers(type="SOMETHING")
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"


def test_the_loader_reads_certificates_and_the_sessions_region(
    emulator: Emulator, now: datetime
) -> None:
    seeder = Seeder(emulator.backend(), emulator.extras(), now)
    cert_id = seeder.server_certificate("old", uploaded=seeder.ago(400), expires=seeder.ago(5))
    seeder.analyzer("ireland", type="ACCOUNT", region="eu-west-1")
    emulator.extras().report_generation_polls = 0
    conn = connect(
        ConnectionSettings(
            endpoint_url=emulator.endpoint_url,
            region="us-west-2",
            static_credentials=("testing", "testing"),
        )
    )
    snap = load_account(conn)
    assert snap.unavailable == ()
    [cert] = snap.server_certificates or ()
    assert (cert.name, cert.certificate_id) == ("old", cert_id)
    assert cert.expiration is not None and abs(cert.expiration - seeder.ago(5)) < timedelta(
        seconds=1
    )
    assert snap.access_analyzer is not None
    assert (snap.access_analyzer.region, snap.access_analyzer.analyzers) == ("us-west-2", ())
    assert conn.counter.by_operation["iam:ListServerCertificates"] == 1
    assert conn.counter.by_operation["access-analyzer:ListAnalyzers"] == 1


def test_moto_as_shipped_has_no_access_analyzer_and_the_load_survives() -> None:
    """moto has no Access Analyzer: that part is unavailable in one line, the rest loads."""
    plain = Emulator(fidelity=False).start()
    try:
        conn = connect(
            ConnectionSettings(
                endpoint_url=plain.endpoint_url,
                region="us-east-1",
                static_credentials=("testing", "testing"),
            ),
            max_attempts=2,
        )
        snap = load_account(conn)
    finally:
        plain.stop()
    missing = snap.unavailable_part(Part.ACCESS_ANALYZER)
    assert missing is not None and "\n" not in missing.reason
    assert "<" not in missing.reason
    assert snap.access_analyzer is None
    # No analyzer read: no findings step, and the second opinion says why (never "agrees").
    assert snap.analyzer_findings is None
    assert snap.unavailable_part(Part.ANALYZER_FINDINGS) is None
    reason = unavailable_reason(snap) or ""
    assert reason.startswith("second opinion unavailable: IAM Access Analyzer unavailable")
    assert snap.server_certificates is not None  # moto lists them (with its constant dates)
