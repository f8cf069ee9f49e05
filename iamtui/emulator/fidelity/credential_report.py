"""The credential report: generated on AWS's clock, frozen until regenerated, with root."""

from __future__ import annotations

import base64
import csv
import io
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from moto.iam.models import AccessKeyLastUsed, User

from iamtui.emulator.fidelity.entities import PASSWORD_CHANGED_ATTR, naive_utc
from iamtui.emulator.fidelity.registry import Call, rule
from iamtui.emulator.fidelity.wire import IamError, Response
from iamtui.emulator.state import AccountExtras, FrozenReport, RootState

# ---------------------------------------------------------------------------- credential report

#: Written out here on purpose, not imported from iamtui.core: the emulator stands in for AWS,
#: so sharing the product's column list would hide a product mistake instead of catching it.
REPORT_COLUMNS = (
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
NA = "N/A"


def report_date(value: datetime | None, missing: str = NA) -> str:
    """The credential report's date format (``+00:00``, not ``Z``)."""
    if value is None:
        return missing
    return naive_utc(value).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def flag(value: bool) -> str:
    """The report's booleans."""
    return "true" if value else "false"


#: One key slot: active, last rotated, last used, region, service.
KeySlot = tuple[bool, datetime, datetime | None, str | None, str | None]


def key_columns(slots: Sequence[KeySlot]) -> list[str]:
    """Columns for key 1 and key 2, oldest key first, ``N/A`` for an empty slot."""
    columns: list[str] = []
    for index in range(2):
        if index < len(slots):
            active, rotated, used, region, service = slots[index]
            columns += [
                flag(active),
                report_date(rotated),
                report_date(used),
                region if used and region else NA,
                service if used and service else NA,
            ]
        else:
            columns += ["false", NA, NA, NA, NA]
    return columns


def root_row(account_id: str, root: RootState) -> list[str]:
    """The ``<root_account>`` line, from the root state moto does not have."""
    slots = sorted(
        (
            (k.active, k.last_rotated, k.last_used, k.last_used_region, k.last_used_service)
            for k in root.keys
        ),
        key=lambda slot: naive_utc(slot[1]),
    )
    return [
        "<root_account>",
        f"arn:aws:iam::{account_id}:root",
        report_date(root.created),
        "not_supported",
        report_date(root.password_last_used, "no_information"),
        "not_supported",
        "not_supported",
        flag(root.mfa_enabled),
        *key_columns(slots),
        "false",
        NA,
        "false",
        NA,
    ]


def user_row(user: User, max_password_age: int | None) -> list[str]:
    """One IAM user's line, from moto's objects."""
    slots: list[KeySlot] = []
    for key in sorted(user.access_keys, key=lambda k: naive_utc(k.create_date)):
        used: datetime | None = None
        region = service = None
        if isinstance(key.last_used, AccessKeyLastUsed):
            used, region, service = (
                key.last_used.timestamp,
                key.last_used.region,
                key.last_used.service,
            )
        elif isinstance(key.last_used, datetime):
            used = key.last_used
        slots.append((key.status == "Active", key.create_date, used, region, service))
    has_password = bool(user.password)
    changed: datetime | None = None
    next_rotation: datetime | None = None
    if has_password:
        changed = getattr(user, PASSWORD_CHANGED_ATTR, None) or user.create_date
        if max_password_age:
            next_rotation = naive_utc(changed) + timedelta(days=max_password_age)
    password_used = NA
    if has_password:
        password_used = report_date(user.password_last_used, "no_information")
    certs = sorted(user.signing_certificates.values(), key=lambda c: naive_utc(c.upload_date))
    cert_columns: list[str] = []
    for index in range(2):
        if index < len(certs):
            cert_columns += [
                flag(certs[index].status == "Active"),
                report_date(certs[index].upload_date),
            ]
        else:
            cert_columns += ["false", NA]
    return [
        user.name,
        user.arn,
        report_date(user.create_date),
        flag(has_password),
        password_used,
        report_date(changed),
        report_date(next_rotation),
        flag(bool(user.mfa_devices)),
        *key_columns(slots),
        *cert_columns,
    ]


def build_report(call: Call) -> str:
    """The CSV as AWS writes it: header, root, then every IAM user."""
    policy = call.backend.account_password_policy
    max_age = policy.max_password_age if policy is not None and policy.max_password_age else None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    writer.writerow(root_row(call.account_id, call.extras.root))
    for user in list(call.backend.users.values()):
        writer.writerow(user_row(user, max_age))
    return out.getvalue().rstrip("\n")


def report_expired(account: AccountExtras, report: FrozenReport) -> bool:
    """A report is served for ``report_ttl`` after generation (AWS: 4 hours)."""
    return account.now() - report.generated_at > account.report_ttl


def finish_generation(call: Call) -> None:
    """Complete a running generation whose time is up (caller holds the account lock)."""
    account = call.extras
    if account.report_ready_at is not None and time.monotonic() >= account.report_ready_at:
        account.report_ready_at = None
        account.report = FrozenReport(build_report(call), account.now())


@rule("GenerateCredentialReport")
def generate_credential_report(call: Call) -> Response:
    """STARTED, INPROGRESS until the generation time has passed, then COMPLETE; a report is
    reused for 4 hours.

    AWS: "Generate credential reports for your AWS account" (IAM User Guide),
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html and
    "GenerateCredentialReport" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GenerateCredentialReport.html
    """
    account = call.extras
    with account.lock:
        finish_generation(call)
        if account.report_ready_at is not None:
            return call.respond({"State": "INPROGRESS"})
        if account.report is not None and not report_expired(account, account.report):
            return call.respond({"State": "COMPLETE"})
        seconds = account.report_generation_time.total_seconds()
        if seconds <= 0:
            account.report = FrozenReport(build_report(call), account.now())
            return call.respond({"State": "COMPLETE"})
        account.report_ready_at = time.monotonic() + seconds
        return call.respond(
            {
                "State": "STARTED",
                "Description": "No report exists. Starting a new report generation task",
            }
        )


@rule("GetCredentialReport")
def get_credential_report(call: Call) -> Response:
    """The frozen report: users deleted since still appear, GeneratedTime says how old it is;
    a generation completes on its own time, so generate, wait, get works without polling.

    AWS: "GetCredentialReport" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetCredentialReport.html
    """
    account = call.extras
    with account.lock:
        finish_generation(call)
        report = account.report
        if account.report_ready_at is not None:
            raise IamError(
                "ReportInProgress",
                "Report generation is in progress. Wait for the task to complete.",
            )
        if report is None:
            raise IamError(
                "ReportNotPresent",
                "Credential report not present. Call GenerateCredentialReport first.",
            )
        if report_expired(account, report):
            raise IamError(
                "ReportExpired",
                "The credential report has expired. Call GenerateCredentialReport for a new one.",
            )
        content = base64.b64encode(report.content.encode()).decode()
        return call.respond(
            {"Content": content, "ReportFormat": "text/csv", "GeneratedTime": report.generated_at}
        )
