"""Parsing the credential report: every column typed, special values explicit, root kept apart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iamtui.core import credreport
from iamtui.core.model import Missing

HEADER = ",".join(credreport.COLUMNS)
ROOT = (
    "<root_account>,arn:aws:iam::123456789012:root,2016-03-01T09:00:00+00:00,not_supported,"
    "2026-05-20T08:00:00+00:00,not_supported,not_supported,false,true,2019-01-01T00:00:00+00:00,"
    "2026-05-10T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)
ALICE = (
    "alice,arn:aws:iam::123456789012:user/alice,2020-01-01T00:00:00+00:00,true,no_information,"
    "2020-01-02T00:00:00+00:00,N/A,true,true,2025-01-01T00:00:00+00:00,N/A,N/A,N/A,"
    "false,2021-01-01T00:00:00+00:00,2021-06-01T10:00:00+00:00,eu-west-1,iam,"
    "true,2022-02-02T00:00:00+00:00,false,N/A"
)
GENERATED = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)


def test_all_22_columns_are_typed() -> None:
    report = credreport.parse(f"{HEADER}\n{ROOT}\n{ALICE}\n", GENERATED)
    assert len(credreport.COLUMNS) == 22
    alice = report.row_for("alice")
    assert alice is not None
    assert alice.user_creation_time == datetime(2020, 1, 1, tzinfo=UTC)
    assert alice.password_enabled is True
    assert alice.password_last_used is Missing.NO_INFORMATION
    assert alice.password_next_rotation is Missing.NOT_APPLICABLE
    assert alice.mfa_active is True
    assert alice.access_key_1.active is True
    assert alice.access_key_1.last_used is Missing.NOT_APPLICABLE
    assert alice.access_key_2.last_used == datetime(2021, 6, 1, 10, tzinfo=UTC)
    assert alice.access_key_2.last_used_region == "eu-west-1"
    assert alice.access_key_2.last_used_service == "iam"
    assert alice.cert_1.active is True
    assert alice.cert_2.last_rotated is Missing.NOT_APPLICABLE


def test_root_row_is_kept_apart_with_not_supported_values() -> None:
    report = credreport.parse(f"{HEADER}\n{ROOT}\n{ALICE}\n", GENERATED)
    assert [r.user for r in report.rows] == ["alice"]
    assert report.root is not None and report.root.is_root
    assert report.root.password_enabled is Missing.NOT_SUPPORTED
    assert report.root.access_key_1.active is True
    assert report.generated_at == GENERATED


def test_a_report_without_root_row_still_parses() -> None:
    report = credreport.parse(f"{HEADER}\n{ALICE}\n".encode(), GENERATED)
    assert report.root is None and len(report.rows) == 1


def test_missing_columns_are_named() -> None:
    with pytest.raises(credreport.CredentialReportError, match="cert_2_last_rotated"):
        credreport.parse(HEADER.rsplit(",", 1)[0] + "\n", GENERATED)


def test_bad_value_names_the_row() -> None:
    bad = ALICE.replace(",true,no_information", ",maybe,no_information")
    with pytest.raises(ValueError, match="alice"):
        credreport.parse(f"{HEADER}\n{bad}\n", GENERATED)
