"""The IAM credential report: generate, wait, fetch, and parse all 22 columns into types."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from iamtui.core.errors import error_code
from iamtui.core.model import (
    ROOT_REPORT_USER,
    CredentialReport,
    CredentialReportRow,
    Missing,
    ReportCert,
    ReportDate,
    ReportFlag,
    ReportKey,
    ReportText,
)

COLUMNS: tuple[str, ...] = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
)

_MISSING = {m.value: m for m in Missing}


class CredentialReportError(RuntimeError):
    """The report could not be produced or read; ``code`` is AWS's error code when there is one."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def _date(value: str) -> ReportDate:
    if value in _MISSING:
        return _MISSING[value]
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _text(value: str) -> ReportText:
    return _MISSING.get(value, value)


def _flag(value: str) -> ReportFlag:
    if value in _MISSING:
        return _MISSING[value]
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(f"expected true/false, got {value!r}")


def _bool(value: str) -> bool:
    flag = _flag(value)
    return flag is True


def _key(row: Mapping[str, str], n: int) -> ReportKey:
    p = f"access_key_{n}_"
    return ReportKey(
        active=_bool(row[p + "active"]),
        last_rotated=_date(row[p + "last_rotated"]),
        last_used=_date(row[p + "last_used_date"]),
        last_used_region=_text(row[p + "last_used_region"]),
        last_used_service=_text(row[p + "last_used_service"]),
    )


def _cert(row: Mapping[str, str], n: int) -> ReportCert:
    return ReportCert(
        active=_bool(row[f"cert_{n}_active"]),
        last_rotated=_date(row[f"cert_{n}_last_rotated"]),
    )


def parse_row(row: Mapping[str, str]) -> CredentialReportRow:
    """One CSV line as a typed row; raises ValueError naming the bad column."""
    try:
        return CredentialReportRow(
            user=row["user"],
            arn=row["arn"],
            user_creation_time=_date(row["user_creation_time"]),
            password_enabled=_flag(row["password_enabled"]),
            password_last_used=_date(row["password_last_used"]),
            password_last_changed=_date(row["password_last_changed"]),
            password_next_rotation=_date(row["password_next_rotation"]),
            mfa_active=_bool(row["mfa_active"]),
            access_key_1=_key(row, 1),
            access_key_2=_key(row, 2),
            cert_1=_cert(row, 1),
            cert_2=_cert(row, 2),
        )
    except (KeyError, ValueError) as exc:
        raise ValueError(f"credential report row {row.get('user', '?')!r}: {exc}") from exc


def parse(content: str | bytes, generated_at: datetime) -> CredentialReport:
    """Parse the CSV; the root row is kept apart because its rules differ."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise CredentialReportError(f"credential report lacks columns: {', '.join(missing)}")
    rows: list[CredentialReportRow] = []
    root: CredentialReportRow | None = None
    for raw in reader:
        row = parse_row(raw)
        if row.is_root:
            root = row
        else:
            rows.append(row)
    return CredentialReport(generated_at=generated_at.astimezone(UTC), rows=tuple(rows), root=root)


#: Seconds before the first re-poll of a report being generated (then doubled, up to 8 s): AWS
#: takes seconds; the test suite shortens it, with the emulator's generation time to match.
FIRST_POLL = 0.5


def fetch(
    iam: object,
    *,
    timeout: float = 120.0,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Callable[[str], None] | None = None,
) -> CredentialReport:
    """Generate (AWS reuses a report for 4 hours), poll with backoff until complete, then parse."""
    deadline = time.monotonic() + timeout
    delay = FIRST_POLL
    while True:
        try:
            state = iam.generate_credential_report()["State"]  # type: ignore[attr-defined]
        except ClientError as exc:
            if error_code(exc) != "LimitExceeded":
                raise
            state = "INPROGRESS"
        if state == "COMPLETE":
            try:
                response = iam.get_credential_report()  # type: ignore[attr-defined]
            except ClientError as exc:
                if error_code(exc) not in ("ReportInProgress", "ReportNotPresent", "ReportExpired"):
                    raise
            else:
                generated = response["GeneratedTime"]
                if generated.tzinfo is None:
                    generated = generated.replace(tzinfo=UTC)
                return parse(response["Content"], generated)
        if on_wait is not None:
            on_wait(state)
        if time.monotonic() + delay > deadline:
            raise CredentialReportError(
                f"credential report not ready after {timeout:.0f}s: try again in a minute",
                code="ReportInProgress",
            )
        sleep(delay)
        delay = min(delay * 2, 8.0)


__all__ = ["COLUMNS", "ROOT_REPORT_USER", "CredentialReportError", "fetch", "parse", "parse_row"]
