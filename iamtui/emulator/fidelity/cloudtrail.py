"""CloudTrail event history (``LookupEvents``), which moto does not implement (HTTP 500).

Event history needs no trail: every account has 90 days of management events per region. The
emulator answers from the events seeded in :attr:`AccountExtras.trail_events` (the demo's,
tests'); it records none of the calls it serves. Other CloudTrail calls go to moto.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.iam.access_control import CreateAccessKeyFailure

from iamtui.emulator.fidelity.auth import account_for, principal_may, read_body
from iamtui.emulator.fidelity.registry import ROUTES, credential_scope, enforcement_active
from iamtui.emulator.fidelity.root import find_root_caller
from iamtui.emulator.fidelity.wire import Response, WSGIEnviron, json_error, json_response
from iamtui.emulator.state import TrailEvent, extras

TARGET_PREFIX = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
JSON_11 = "application/x-amz-json-1.1"
#: LookupEvents' page size: default and maximum 50.
MAX_RESULTS = 50
#: How far back event history goes.
HISTORY = timedelta(days=90)
#: The attribute keys LookupAttributes accepts (AWS API Reference, *LookupAttribute*).
ATTRIBUTE_KEYS = frozenset(
    {
        "EventId",
        "EventName",
        "ReadOnly",
        "Username",
        "ResourceType",
        "ResourceName",
        "EventSource",
        "AccessKeyId",
    }
)


class TrailError(Exception):
    """A CloudTrail error answer: its ``__type`` code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _matches(event: TrailEvent, key: str, value: str) -> bool:
    """Whether one event matches one lookup attribute (exact values, as AWS compares them)."""
    if key == "EventId":
        return event.event_id == value
    if key == "EventName":
        return event.event_name == value
    if key == "EventSource":
        return event.event_source == value
    if key == "ReadOnly":
        return str(event.read_only).lower() == value.lower()
    if key == "Username":
        return event.username == value
    if key == "AccessKeyId":
        return event.access_key_id == value
    if key == "ResourceType":
        return any(kind == value for kind, _ in event.resources)
    return any(name == value for _, name in event.resources)  # ResourceName


def _time(body: Mapping[str, Any], name: str, default: datetime) -> datetime:
    value = body.get(name)
    if value is None:
        return default
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError):
        raise TrailError("InvalidTimeRangeException", f"{name} is not a valid time.") from None


def _token(query: str, offset: int) -> str:
    text = json.dumps({"q": query, "o": offset})
    return base64.urlsafe_b64encode(text.encode()).decode()


def _offset(token: Any, query: str) -> int:
    """Where a NextToken resumes; AWS refuses one minted for other parameters."""
    try:
        data = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        if data["q"] == query and isinstance(data["o"], int) and data["o"] >= 0:
            return int(data["o"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        pass
    raise TrailError("InvalidNextTokenException", "Invalid NextToken.")


def _event(event: TrailEvent) -> dict[str, Any]:
    """One event as LookupEvents sends it (the full record as a JSON string)."""
    answer: dict[str, Any] = {
        "EventId": event.event_id,
        "EventName": event.event_name,
        "ReadOnly": str(event.read_only).lower(),
        "EventTime": event.event_time.timestamp(),
        "EventSource": event.event_source,
        "Resources": [{"ResourceType": t, "ResourceName": n} for t, n in event.resources],
        "CloudTrailEvent": json.dumps(event.record),
    }
    if event.access_key_id:
        answer["AccessKeyId"] = event.access_key_id
    if event.username:
        answer["Username"] = event.username
    return answer


def lookup_events(
    events: Sequence[TrailEvent], region: str, now: datetime, body: Mapping[str, Any]
) -> Any:
    """Management events of one region, newest first, filtered by at most one attribute and a
    time range (default and limit: the last 90 days), 50 a page at most, with NextToken.

    AWS: "LookupEvents" (AWS CloudTrail API Reference: one lookup attribute; MaxResults 1-50;
    InvalidLookupAttributesException, InvalidMaxResultsException, InvalidNextTokenException,
    InvalidTimeRangeException), and "LookupAttribute" (the attribute keys),
    https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
    """
    attributes = body.get("LookupAttributes") or []
    if not isinstance(attributes, list) or len(attributes) > 1:
        raise TrailError(
            "InvalidLookupAttributesException", "You can specify only one lookup attribute."
        )
    wanted: tuple[str, str] | None = None
    if attributes:
        item = attributes[0] if isinstance(attributes[0], dict) else {}
        key, value = item.get("AttributeKey"), item.get("AttributeValue")
        if key not in ATTRIBUTE_KEYS or not isinstance(value, str) or not value:
            raise TrailError("InvalidLookupAttributesException", f"Invalid lookup attribute {key}.")
        wanted = (str(key), value)
    start = _time(body, "StartTime", now - HISTORY)
    end = _time(body, "EndTime", now)
    if start > end:
        raise TrailError("InvalidTimeRangeException", "StartTime must be before EndTime.")
    try:
        size = int(body.get("MaxResults") or MAX_RESULTS)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= MAX_RESULTS:
        raise TrailError("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
    query = hashlib.sha256(
        json.dumps([region, wanted, start.timestamp(), end.timestamp(), size]).encode()
    ).hexdigest()[:16]
    offset = _offset(body["NextToken"], query) if body.get("NextToken") else 0
    if body.get("EventCategory") == "insight":
        return {"Events": []}
    oldest = max(start, now - HISTORY)
    found = [
        e
        for e in events
        if e.region == region
        and oldest <= e.event_time <= end
        and (wanted is None or _matches(e, *wanted))
    ]
    found.sort(key=lambda e: (e.event_time, e.event_id), reverse=True)
    answer: dict[str, Any] = {"Events": [_event(e) for e in found[offset : offset + size]]}
    if offset + size < len(found):
        answer["NextToken"] = _token(query, offset + size)
    return answer


def _may(environ: WSGIEnviron, key_id: str, account_id: str) -> bool:
    """IAM policies allow the call; root and harness keys answer to none."""
    if find_root_caller(key_id) is not None:
        return True
    try:
        return principal_may(environ, account_id, "cloudtrail:LookupEvents", "*")
    except CreateAccessKeyFailure:  # a harness key: no IAM principal behind it
        return True


def route_cloudtrail(environ: WSGIEnviron, key_id: str, service: str) -> Response | None:
    """``LookupEvents`` answered from the account's seeded event history; the rest to moto.

    AWS: "Identity-based policy examples for AWS CloudTrail" (AWS CloudTrail User Guide:
    looking up events needs ``cloudtrail:LookupEvents``, resource ``*``),
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/security_iam_id-based-policy-examples.html
    """
    if service != "cloudtrail":
        return None
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.removeprefix(TARGET_PREFIX) != "LookupEvents":
        return None
    account_id = account_for(environ, key_id)
    scope = credential_scope(environ)
    region = scope[1] if scope is not None else "us-east-1"
    request_id = str(uuid.uuid4())
    try:
        if enforcement_active() and not _may(environ, key_id, account_id):
            raise TrailError(
                "AccessDeniedException",
                f"User is not authorized to perform: cloudtrail:LookupEvents (key {key_id})",
            )
        raw = read_body(environ)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise TrailError("SerializationException", "The request body is not JSON.") from None
        account = extras(account_id)
        with account.lock:
            events = list(account.trail_events)
        answer = lookup_events(
            events, region, account.now(), body if isinstance(body, dict) else {}
        )
        return json_response(200, answer, request_id, content_type=JSON_11)
    except TrailError as error:
        return json_error(400, error.code, error.message, request_id)


ROUTES.append(route_cloudtrail)
