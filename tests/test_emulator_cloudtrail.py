"""The emulator's CloudTrail event history answers LookupEvents as the AWS API Reference says:
one lookup attribute, 50 events a page at most, NextToken tied to its query, a valid time range,
newest first, one region per endpoint, and IAM policies deciding who may look."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import NOW

from iamtui.emulator.seed import KeySpec, Seeder, user_caller
from iamtui.emulator.server import Emulator


def seeded(emulator: Emulator, events: int = 3) -> tuple[Seeder, str]:
    extras = emulator.extras()
    extras.clock = lambda: NOW
    s = Seeder(emulator.backend(), extras, NOW)
    user = s.user("alice", keys=[KeySpec(NOW - timedelta(days=10))])
    key_id = str(user.access_keys[0].access_key_id)
    for n in range(events):
        s.trail_event(user_caller(user, key_id), "ListUsers", s.ago(0, hours=n + 1))
    return s, key_id


def code_of(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def by_key(key_id: str) -> list[dict[str, str]]:
    return [{"AttributeKey": "AccessKeyId", "AttributeValue": key_id}]


def test_lookup_events_returns_newest_first_with_the_record_as_json(emulator: Emulator) -> None:
    _, key_id = seeded(emulator)
    client = emulator.client("cloudtrail")
    events = client.lookup_events(LookupAttributes=by_key(key_id))["Events"]
    assert [e["EventTime"] for e in events] == sorted(
        (e["EventTime"] for e in events), reverse=True
    )
    assert events[0]["Username"] == "alice" and events[0]["AccessKeyId"] == key_id
    assert '"sourceIPAddress"' in events[0]["CloudTrailEvent"]


def test_lookup_events_accepts_one_attribute_and_at_most_50_results(emulator: Emulator) -> None:
    _, key_id = seeded(emulator)
    client = emulator.client("cloudtrail")
    two = [*by_key(key_id), {"AttributeKey": "Username", "AttributeValue": "alice"}]
    assert code_of(lambda: client.lookup_events(LookupAttributes=two)) == (
        "InvalidLookupAttributesException"
    )
    assert code_of(lambda: client.lookup_events(MaxResults=51)) == "InvalidMaxResultsException"
    assert code_of(
        lambda: client.lookup_events(StartTime=NOW, EndTime=NOW - timedelta(days=1))
    ) == ("InvalidTimeRangeException")


def test_lookup_events_pages_with_a_next_token_tied_to_its_query(emulator: Emulator) -> None:
    _, key_id = seeded(emulator, events=5)
    client = emulator.client("cloudtrail")
    first = client.lookup_events(LookupAttributes=by_key(key_id), MaxResults=2)
    second = client.lookup_events(
        LookupAttributes=by_key(key_id), MaxResults=2, NextToken=first["NextToken"]
    )
    assert len(first["Events"]) == len(second["Events"]) == 2
    assert {e["EventId"] for e in first["Events"]}.isdisjoint(
        e["EventId"] for e in second["Events"]
    )
    assert code_of(lambda: client.lookup_events(MaxResults=3, NextToken=first["NextToken"])) == (
        "InvalidNextTokenException"
    )


def test_lookup_events_answers_for_the_region_the_request_is_signed_for(emulator: Emulator) -> None:
    s, key_id = seeded(emulator, events=0)
    user = emulator.backend().get_user("alice")
    s.trail_event(user_caller(user, key_id), "DescribeInstances", s.ago(1), region="eu-west-1")
    home = emulator.client("cloudtrail").lookup_events(LookupAttributes=by_key(key_id))
    ireland = emulator.client("cloudtrail", region_name="eu-west-1").lookup_events(
        LookupAttributes=by_key(key_id)
    )
    assert home["Events"] == [] and len(ireland["Events"]) == 1


def test_lookup_events_keeps_90_days(emulator: Emulator) -> None:
    s, key_id = seeded(emulator, events=0)
    user = emulator.backend().get_user("alice")
    s.trail_event(user_caller(user, key_id), "ListUsers", s.ago(91))
    client = emulator.client("cloudtrail")
    old = client.lookup_events(LookupAttributes=by_key(key_id), StartTime=NOW - timedelta(days=100))
    assert old["Events"] == []
