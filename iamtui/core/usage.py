"""Who uses this credential: CloudTrail event history for an access key, a user or a role.

Read on demand only (a review's ``u``, the plan preview's ``u``, ``iamtui usage``), never in the
overview load. ``cloudtrail:LookupEvents`` (AWS CloudTrail API Reference, *LookupEvents*:
<https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html>) returns
management events of the last 90 days in **one region** (the connection's), 50 a page, filtered
by one attribute, at most 2 requests per second per account and region: iamtui waits
:data:`MIN_INTERVAL` between pages and reads at most :data:`MAX_PAGES` pages.

What each target is looked up by:

* an access key: ``AccessKeyId`` (every call signed with it);
* a user: ``Username`` (calls by the IAM user; role sessions that happen to carry the same
  session name match too and are left out);
* a role: ``ResourceName`` = the role's ARN. LookupEvents cannot filter on
  ``userIdentity.sessionContext.sessionIssuer.arn`` (a session's calls are recorded under its
  session name and temporary key), but every ``AssumeRole*`` event names the role ARN as a
  resource: the role's sessions are found through who started them (caller, session name, IP).
  Other events naming the role (changes to it) are counted apart, not as use.

The summary states its window and region. When CloudTrail cannot be read (denied, not served
by the endpoint), the report says why and carries the IAM last-used data instead, which is read
in every case (it is global, where event history is regional): never "unused" for unknown.
"""

from __future__ import annotations

import enum
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from iamtui.core.errors import NOT_SUPPORTED_CODES, error_code, error_text, unreadable
from iamtui.core.ids import ActionId
from iamtui.core.loader import DENIED_CODES, CancelToken, as_utc, utcnow
from iamtui.core.plan import Plan
from iamtui.core.session import Connection
from iamtui.core.text import plural

#: How far back CloudTrail event history goes (and the default window).
HISTORY_DAYS = 90
#: LookupEvents' page size limit.
PAGE_SIZE = 50
#: Pages read at most per lookup (1,000 events, about 10 s at the rate limit): more is
#: "truncated", the newest events kept.
MAX_PAGES = 20
#: LookupEvents is limited to 2 requests per second per account and region.
REQUESTS_PER_SECOND = 2.0
MIN_INTERVAL = 1.0 / REQUESTS_PER_SECOND
#: Values listed per tally (the rest are counted in "and N more").
TOP = 5
#: The calls a lookup sends: CloudTrail, then the IAM last-used reads (by target kind).
USAGE_ACTIONS = (
    "cloudtrail:LookupEvents",
    "sts:GetCallerIdentity",
    "iam:GetAccessKeyLastUsed",
    "iam:ListAccessKeys",
    "iam:GetUser",
    "iam:GetRole",
)
#: STS events that start a session of a role.
ASSUME_EVENTS = frozenset({"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"})
KEY_ID = re.compile(r"(AKIA|ASIA)[A-Z0-9]{12,124}")


class TargetKind(enum.StrEnum):
    """What is looked up."""

    KEY = "key"
    USER = "user"
    ROLE = "role"


@dataclass(frozen=True, slots=True)
class UsageTarget:
    """An access key (by id), a user (by name) or a role (by name and ARN)."""

    kind: TargetKind
    name: str
    #: The role's ARN (the lookup value for a role); a user's ARN when known.
    arn: str | None = None
    #: The user a key belongs to, when known.
    user: str | None = None

    @classmethod
    def key(cls, key_id: str, user: str | None = None) -> UsageTarget:
        """An access key."""
        return cls(TargetKind.KEY, key_id, user=user)

    @classmethod
    def of_user(cls, name: str, arn: str | None = None) -> UsageTarget:
        """An IAM user."""
        return cls(TargetKind.USER, name, arn)

    @classmethod
    def role(cls, name: str, arn: str) -> UsageTarget:
        """An IAM role (its ARN is what the events name)."""
        return cls(TargetKind.ROLE, name, arn)

    @property
    def attribute(self) -> tuple[str, str]:
        """The LookupEvents attribute (key, value) this target is found by."""
        if self.kind is TargetKind.KEY:
            return "AccessKeyId", self.name
        if self.kind is TargetKind.USER:
            return "Username", self.name
        return "ResourceName", self.arn or self.name

    @property
    def label(self) -> str:
        """``access key AKIA…``, ``user alice``, ``role app``."""
        if self.kind is TargetKind.KEY:
            return f"access key {self.name}" + (f" of {self.user}" if self.user else "")
        return f"{self.kind.value} {self.name}"


@dataclass(frozen=True, slots=True)
class Tally:
    """One value seen in the events and how often."""

    value: str
    count: int


@dataclass(frozen=True, slots=True)
class LastUse:
    """IAM's own last-used record of one credential (global, no CloudTrail needed)."""

    what: str
    when: datetime | None
    service: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class UsageReport:
    """Who used a credential in a window, summarised from CloudTrail, and IAM's last use."""

    target: UsageTarget
    #: The region whose event history was read.
    region: str
    start: datetime
    end: datetime
    #: ``AccessKeyId = AKIA…``: what LookupEvents was asked.
    lookup: str
    #: Why CloudTrail could not be read ("" when it answered).
    unavailable: str = ""
    #: Events that count as use (role: sessions started).
    events: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    calls: tuple[Tally, ...] = ()
    source_ips: tuple[Tally, ...] = ()
    user_agents: tuple[Tally, ...] = ()
    regions: tuple[Tally, ...] = ()
    #: Who made the calls (role: who assumed it).
    callers: tuple[Tally, ...] = ()
    #: Role: session names; user: access keys used; key: empty.
    sessions: tuple[Tally, ...] = ()
    #: Events the lookup returned that are not use of the target, and what they were.
    other_events: int = 0
    other_note: str = ""
    pages: int = 0
    #: The page cap was hit: older events in the window were not read.
    truncated: bool = False
    #: Why paging stopped early after a first page ("" when it did not).
    stopped: str = ""
    last_used: tuple[LastUse, ...] = ()
    #: Why the IAM last-used data is missing ("" when it was read).
    last_used_note: str = ""
    requests: int = 0

    @property
    def available(self) -> bool:
        """CloudTrail answered."""
        return not self.unavailable

    @property
    def days(self) -> int:
        """The window's length in whole days."""
        return round((self.end - self.start) / timedelta(days=1))


# --- pacing -------------------------------------------------------------------------------------


class Pacer:
    """Spaces sends at least ``interval`` seconds apart per (endpoint, region), across threads:
    a review and a plan preview looking up at once share LookupEvents' 2 requests/s."""

    def __init__(self, interval: float = MIN_INTERVAL) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, where: str, cancel: CancelToken | None = None) -> None:
        """Block until a send to ``where`` is allowed (cancellable), and book that slot."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(where, 0.0))
            self._next[where] = slot + self.interval
        delay = slot - now
        if delay <= 0:
            return
        if cancel is not None:
            cancel.wait(delay)
        else:
            time.sleep(delay)


PACER = Pacer()


# --- reading -----------------------------------------------------------------------------------


def _why(exc: BaseException) -> str:
    """Why CloudTrail could not be read, in one line."""
    code = error_code(exc)
    if code in DENIED_CODES:
        return "denied: the caller lacks cloudtrail:LookupEvents"
    garbled = unreadable("LookupEvents", exc)
    if garbled is not None:
        return garbled
    if code in NOT_SUPPORTED_CODES:
        return "this endpoint does not serve CloudTrail LookupEvents"
    if isinstance(exc, ClientError) and (code or "").isdigit():
        return f"this endpoint does not serve CloudTrail LookupEvents (HTTP {code})"
    return f"LookupEvents failed: {error_text(exc)}"


def _record(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event's full record (``CloudTrailEvent``), {} when unreadable."""
    try:
        record = json.loads(str(event.get("CloudTrailEvent") or "{}"))
    except (ValueError, RecursionError):  # a hostile or garbled record: counted, not read
        return {}
    return record if isinstance(record, dict) else {}


def _caller(identity: Mapping[str, Any]) -> str:
    """Who a ``userIdentity`` is, in one value: an ARN, a service, an account, a federated id."""
    kind = identity.get("type")
    if kind == "AWSService":
        return str(identity.get("invokedBy") or "an AWS service")
    if kind == "WebIdentityUser":
        provider = identity.get("identityProvider") or "web identity"
        return f"{provider}: {identity.get('userName') or identity.get('principalId')}"
    if identity.get("arn"):
        return str(identity["arn"])
    if identity.get("accountId"):
        return f"account {identity['accountId']}"
    return str(identity.get("principalId") or kind or "unknown")


class _Summary:
    """Counts over the events that are use of the target."""

    def __init__(self) -> None:
        self.count = 0
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.calls: Counter[str] = Counter()
        self.ips: Counter[str] = Counter()
        self.agents: Counter[str] = Counter()
        self.regions: Counter[str] = Counter()
        self.callers: Counter[str] = Counter()
        self.sessions: Counter[str] = Counter()
        self.other: Counter[str] = Counter()

    def add(self, target: UsageTarget, event: Mapping[str, Any]) -> None:
        record = _record(event)
        identity = record.get("userIdentity")
        identity = identity if isinstance(identity, dict) else {}
        name = str(event.get("EventName") or record.get("eventName") or "?")
        if not self._is_use(target, name, identity):
            self.other[name] += 1
            return
        when = event.get("EventTime")
        if isinstance(when, datetime):
            when = as_utc(when)
            self.first = when if self.first is None else min(self.first, when)
            self.last = when if self.last is None else max(self.last, when)
        self.count += 1
        source = str(event.get("EventSource") or record.get("eventSource") or "")
        self.calls[f"{source.split('.', 1)[0]}:{name}" if source else name] += 1
        for counter, key in (
            (self.ips, "sourceIPAddress"),
            (self.agents, "userAgent"),
            (self.regions, "awsRegion"),
        ):
            if record.get(key):
                counter[str(record[key])] += 1
        self.callers[_caller(identity)] += 1
        if target.kind is TargetKind.ROLE:
            request = record.get("requestParameters")
            session = request.get("roleSessionName") if isinstance(request, dict) else None
            if session:
                self.sessions[str(session)] += 1
        elif target.kind is TargetKind.USER and identity.get("accessKeyId"):
            self.sessions[str(identity["accessKeyId"])] += 1

    @staticmethod
    def _is_use(target: UsageTarget, name: str, identity: Mapping[str, Any]) -> bool:
        if target.kind is TargetKind.ROLE:
            return name in ASSUME_EVENTS
        if target.kind is TargetKind.USER:
            # Username also matches role sessions named like the user.
            return identity.get("type") in (None, "IAMUser")
        return True


def _tallies(counter: Counter[str]) -> tuple[Tally, ...]:
    return tuple(Tally(v, n) for v, n in sorted(counter.items(), key=lambda i: (-i[1], i[0])))


def _other_note(target: UsageTarget, other: Counter[str]) -> str:
    if not other:
        return ""
    count = sum(other.values())
    if target.kind is TargetKind.ROLE:
        what = f"{plural(count, 'event')} naming the role that started no session (changes to it)"
    else:
        what = f"{plural(count, 'event')} by role sessions carrying the same name"
    return f"{what}: " + ", ".join(f"{t.value} ({t.count})" for t in _tallies(other)[:TOP])


def lookup_usage(
    conn: Connection,
    target: UsageTarget,
    *,
    days: int = HISTORY_DAYS,
    now: datetime | None = None,
    max_pages: int = MAX_PAGES,
    cancel: CancelToken | None = None,
    pacer: Pacer = PACER,
) -> UsageReport:
    """Read CloudTrail for ``target`` over the last ``days`` (1-90) and IAM's last-used data.

    Never raises for an unreadable CloudTrail or IAM (the report says why); raises
    ``loader.Cancelled`` when ``cancel`` is set between pages, ValueError for ``days``.
    """
    if not 1 <= days <= HISTORY_DAYS:
        raise ValueError(f"--days must be 1 to {HISTORY_DAYS}: CloudTrail keeps 90 days")
    end = as_utc(now) if now is not None else utcnow()
    start = end - timedelta(days=days)
    before = conn.counter.snapshot()
    client = conn.cloudtrail
    key, value = target.attribute
    region = str(client.meta.region_name) if client is not None else "?"
    summary = _Summary()
    pages, truncated, stopped, unavailable = 0, False, "", ""
    if client is None:
        unavailable = "no CloudTrail client on this connection"
    else:
        where = f"{client.meta.endpoint_url}|{region}"
        params: dict[str, Any] = {
            "LookupAttributes": [{"AttributeKey": key, "AttributeValue": value}],
            "StartTime": start,
            "EndTime": end,
            "MaxResults": PAGE_SIZE,
        }
        while True:
            if cancel is not None:
                cancel.check()
            if pages >= max_pages:
                truncated = True
                break
            pacer.wait(where, cancel)
            try:
                page = client.lookup_events(**params)
            except (ClientError, BotoCoreError, ResponseParserError) as exc:
                if pages == 0:
                    unavailable = _why(exc)
                else:
                    stopped = f"stopped after {plural(pages, 'page')}: {_why(exc)}"
                    truncated = True
                break
            pages += 1
            for event in page.get("Events") or ():
                if isinstance(event, dict):
                    summary.add(target, event)
            token = page.get("NextToken")
            if not token:
                break
            params["NextToken"] = token
    last_used, note = _last_used(conn, target)
    return UsageReport(
        target=target,
        region=region,
        start=start,
        end=end,
        lookup=f"{key} = {value}",
        unavailable=unavailable,
        events=summary.count,
        first_seen=summary.first,
        last_seen=summary.last,
        calls=_tallies(summary.calls),
        source_ips=_tallies(summary.ips),
        user_agents=_tallies(summary.agents),
        regions=_tallies(summary.regions),
        callers=_tallies(summary.callers),
        sessions=_tallies(summary.sessions),
        other_events=sum(summary.other.values()),
        other_note=_other_note(target, summary.other),
        pages=pages,
        truncated=truncated,
        stopped=stopped,
        last_used=last_used,
        last_used_note=note,
        requests=conn.counter.snapshot() - before,
    )


# --- IAM's last-used data ------------------------------------------------------------------------

_READ_ERRORS = (ClientError, BotoCoreError, ResponseParserError, KeyError, TypeError)


def _when(value: Any) -> datetime | None:
    return as_utc(value) if isinstance(value, datetime) else None


def _key_use(iam: Any, key_id: str) -> LastUse:
    answer = iam.get_access_key_last_used(AccessKeyId=key_id)
    used = answer.get("AccessKeyLastUsed") or {}
    service, region = used.get("ServiceName"), used.get("Region")
    return LastUse(
        f"access key {key_id}",
        _when(used.get("LastUsedDate")),
        None if service in (None, "N/A") else str(service),
        None if region in (None, "N/A") else str(region),
    )


def _last_used(conn: Connection, target: UsageTarget) -> tuple[tuple[LastUse, ...], str]:
    """IAM's last-used records for the target, or () and why they could not be read."""
    iam = conn.iam
    action = "iam:GetAccessKeyLastUsed"
    try:
        if target.kind is TargetKind.KEY:
            return (_key_use(iam, target.name),), ""
        if target.kind is TargetKind.ROLE:
            action = "iam:GetRole"
            role = iam.get_role(RoleName=target.name)["Role"]
            used = role.get("RoleLastUsed") or {}
            region = used.get("Region")
            return (LastUse("role", _when(used.get("LastUsedDate")), None, region),), ""
        action = "iam:GetUser"
        user = iam.get_user(UserName=target.name)["User"]
        out = [LastUse("console sign-in", _when(user.get("PasswordLastUsed")))]
        action = "iam:ListAccessKeys"
        keys = iam.list_access_keys(UserName=target.name).get("AccessKeyMetadata") or ()
        action = "iam:GetAccessKeyLastUsed"
        out += [_key_use(iam, str(k["AccessKeyId"])) for k in keys]
        return tuple(out), ""
    except _READ_ERRORS as exc:
        if error_code(exc) in DENIED_CODES:
            return (), f"denied: the caller lacks {action}"
        return (), f"{action.partition(':')[2]} failed: {error_text(exc)}"


# --- naming a target -----------------------------------------------------------------------------


def resolve_target(conn: Connection, text: str) -> UsageTarget:
    """``AKIA…`` is a key, ``arn:…:user/…`` / ``arn:…:role/…`` are what they say; a plain name is
    the user or the role of that name (GetUser, GetRole). ValueError (one line) otherwise, and
    for a key or an ARN of this account that is not there: a lookup of nothing is no answer.
    """
    text = text.strip()
    if KEY_ID.fullmatch(text):
        return _read_key(conn.iam, text)
    match = re.fullmatch(r"arn:[\w-]+:iam::(\d{12}):(user|role)/(?:.*/)?([\w+=,.@-]+)", text)
    if match:
        account, kind, name = match.groups()
        make = UsageTarget.of_user if kind == "user" else UsageTarget.role
        return _existing(conn, make(name, text), account)
    found: list[UsageTarget] = []
    for read in (_read_user, _read_role):
        try:
            found.append(read(conn.iam, text))
        except ClientError as exc:
            if error_code(exc) != "NoSuchEntity":
                raise ValueError(f"cannot tell what {text!r} is: {error_text(exc)}") from exc
        except (BotoCoreError, ResponseParserError) as exc:
            raise ValueError(f"cannot tell what {text!r} is: {error_text(exc)}") from exc
    if not found:
        raise ValueError(f"no access key id, user or role named {text!r} in this account")
    if len(found) > 1:
        raise ValueError(f"{text!r} is both a user and a role: pass its ARN")
    return found[0]


def _read_key(iam: Any, key_id: str) -> UsageTarget:
    """The key with its user (GetAccessKeyLastUsed names it); ValueError when IAM says there is
    no such key.

    AWS documents only the common errors for GetAccessKeyLastUsed (IAM API Reference,
    *GetAccessKeyLastUsed*:
    <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccessKeyLastUsed.html>); moto
    answers NoSuchEntity for an unknown key id, and so iamtui reads that answer as "not in this
    account". Any other failure (denied, a key of another account answered some other way)
    leaves the key's existence unknown: the lookup goes on and its report says so.
    """
    try:
        owner = iam.get_access_key_last_used(AccessKeyId=key_id).get("UserName")
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            raise ValueError(f"no access key {key_id} in this account") from exc
        return UsageTarget.key(key_id)
    except (BotoCoreError, ResponseParserError):
        return UsageTarget.key(key_id)
    return UsageTarget.key(key_id, str(owner) if owner else None)


def _existing(conn: Connection, target: UsageTarget, account: str) -> UsageTarget:
    """The ARN's user or role when it is in the caller's account (GetUser/GetRole says so),
    ValueError when it is not; another account's ARN is looked up as given (this account's
    event history records calls into it, such as AssumeRole)."""
    try:
        if conn.sts.get_caller_identity()["Account"] != account:
            return target
        read = _read_user if target.kind is TargetKind.USER else _read_role
        found = read(conn.iam, target.name)
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            raise ValueError(f"no {target.kind.value} {target.arn} in this account") from exc
        raise ValueError(f"cannot tell whether {target.arn} exists: {error_text(exc)}") from exc
    except (BotoCoreError, ResponseParserError, KeyError) as exc:
        raise ValueError(f"cannot tell whether {target.arn} exists: {error_text(exc)}") from exc
    if found.arn != target.arn:
        raise ValueError(
            f"no {target.kind.value} {target.arn} in this account "
            f"({target.kind.value} {target.name} is {found.arn})"
        )
    return found


def _read_user(iam: Any, name: str) -> UsageTarget:
    user = iam.get_user(UserName=name)["User"]
    return UsageTarget.of_user(str(user["UserName"]), str(user["Arn"]))


def _read_role(iam: Any, name: str) -> UsageTarget:
    role = iam.get_role(RoleName=name)["Role"]
    return UsageTarget.role(str(role["RoleName"]), str(role["Arn"]))


# --- what a plan acts on -------------------------------------------------------------------------

#: Actions whose preview offers "who uses this" (they break what uses the credential).
PLAN_ACTIONS = frozenset(
    {
        ActionId.KEY_DEACTIVATE,
        ActionId.KEY_DELETE,
        ActionId.ROLE_QUARANTINE,
        ActionId.ROLE_DELETE,
        ActionId.USER_DELETE,
    }
)


def plan_targets(plan: Plan) -> tuple[UsageTarget, ...]:
    """The keys, user or role a plan would cut off (empty for other actions and batches)."""
    if plan.action not in PLAN_ACTIONS:
        return ()
    if plan.action in (ActionId.KEY_DEACTIVATE, ActionId.KEY_DELETE):
        keys: dict[str, UsageTarget] = {}
        for step in plan.steps:
            key_id = step.call.params.get("AccessKeyId")
            if isinstance(key_id, str):
                user = step.call.params.get("UserName")
                keys.setdefault(
                    key_id, UsageTarget.key(key_id, user if isinstance(user, str) else None)
                )
        return tuple(keys.values())
    kind = "role" if plan.action in (ActionId.ROLE_QUARANTINE, ActionId.ROLE_DELETE) else "user"
    return tuple(
        UsageTarget.role(t.name, t.arn) if kind == "role" else UsageTarget.of_user(t.name, t.arn)
        for t in plan.targets
        if t.kind == kind
    )
