"""The demo account agrees with itself: what a key says about its last use, last-accessed says too.

Read back over HTTP with real boto3, as iamtui reads it: for every key last used with service S
at time t (inside the 400-day tracking period), the owning user's last-accessed entry for S, and
that of each of the user's groups, is at least t.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from iamtui.emulator.demo import DemoAccount, seed_demo_account
from iamtui.emulator.seed import TRACKING_PERIOD
from iamtui.emulator.server import Emulator


@pytest.fixture
def demo(emulator: Emulator, now: datetime) -> DemoAccount:
    """The demo seeded into the emulator's default account; last-accessed jobs finish at once."""
    emulator.extras().last_accessed_polls = 0
    return seed_demo_account(emulator.backend(), emulator.extras(), now)


def to_minute(when: datetime) -> datetime:
    """Compared to the minute: two separate AWS reports promise no closer agreement."""
    return when.replace(second=0, microsecond=0)


def last_accessed(iam: Any, arn: str) -> dict[str, datetime]:
    """Service namespace -> LastAuthenticated of one principal (services never used left out)."""
    job = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    found: dict[str, datetime] = {}
    page: dict[str, Any] = {"JobId": job}
    while True:  # pages like every IAM list (no boto3 paginator for this one)
        details = iam.get_service_last_accessed_details(**page)
        assert details["JobStatus"] == "COMPLETED"
        for service in details["ServicesLastAccessed"]:
            if "LastAuthenticated" in service:
                found[service["ServiceNamespace"]] = service["LastAuthenticated"]
        if not details.get("IsTruncated"):
            return found
        page["Marker"] = details["Marker"]


def key_uses(iam: Any, now: datetime) -> list[tuple[str, str, str, datetime]]:
    """(user, key id, service, last used) of every key used inside the tracking period."""
    uses = []
    for page in iam.get_paginator("list_users").paginate():
        for user in page["Users"]:
            name = user["UserName"]
            for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
                kid = key["AccessKeyId"]
                used = iam.get_access_key_last_used(AccessKeyId=kid)["AccessKeyLastUsed"]
                when = used.get("LastUsedDate")
                if when is not None and when >= now - TRACKING_PERIOD:
                    uses.append((name, kid, used["ServiceName"], when))
    return uses


def test_last_accessed_is_never_older_than_a_keys_last_use(
    demo: DemoAccount, iam: Any, now: datetime
) -> None:
    uses = key_uses(iam, now)
    # The ones the first session saw disagree: marcus's Lambda key, s3-sync-legacy's S3 key.
    assert {(u, s) for u, _, s, _ in uses} >= {
        (demo.partial_usage_user, "lambda"),
        ("s3-sync-legacy", "s3"),
    }
    problems = []
    arns = {u: iam.get_user(UserName=u)["User"]["Arn"] for u, *_ in uses}
    cache: dict[str, dict[str, datetime]] = {}
    for user, kid, service, when in uses:
        principals = [(f"user {user}", arns[user])] + [
            (f"group {g['GroupName']} (member {user})", g["Arn"])
            for g in iam.list_groups_for_user(UserName=user)["Groups"]
        ]
        for label, arn in principals:
            if arn not in cache:
                cache[arn] = last_accessed(iam, arn)
            seen = cache[arn].get(service)
            if seen is None or to_minute(seen) < to_minute(when):
                problems.append(f"{label}: key {kid} used {service} at {when}, seen {seen}")
    assert problems == []


def test_a_key_used_before_the_tracking_period_leaves_no_last_accessed_entry(
    demo: DemoAccount, iam: Any, now: datetime
) -> None:
    """AWS keeps 400 days: kevin.walsh's key (S3, 450 days ago) is outside, as AWS shows it."""
    keys = iam.list_access_keys(UserName=demo.ex_employee)["AccessKeyMetadata"]
    used = iam.get_access_key_last_used(AccessKeyId=keys[0]["AccessKeyId"])["AccessKeyLastUsed"]
    assert used["ServiceName"] == "s3"
    assert used["LastUsedDate"] < now - TRACKING_PERIOD - timedelta(days=1)
    arn = iam.get_user(UserName=demo.ex_employee)["User"]["Arn"]
    assert "s3" not in last_accessed(iam, arn)
