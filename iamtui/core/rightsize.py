"""Right-sizing: the policies a user or role would keep once what it has not used is dropped.

Pure: documents and last-accessed data in, a ``Proposal`` out. The action
(``actions/catalog/principal_rightsize.py``) reads the documents fresh and turns a proposal
into a plan; the review screen and ``iamtui rightsize`` show the same proposal.

How it decides (guards, what "unused" means, the rewriting rules, size limits) is the contract
in ``docs/rightsize.md``; its one promise is that a rewrite never adds a permission.
"""

from __future__ import annotations

import copy
import enum
import hashlib
import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from iamtui.core.model import (
    AccountSnapshot,
    AttachedPolicy,
    Group,
    InlinePolicy,
    LastAccessed,
    Role,
    ServiceAccess,
    User,
)
from iamtui.core.policy import as_list, wildcard_match
from iamtui.core.protected import protection_reason
from iamtui.core.settings import RIGHTSIZE_WINDOW_DAYS, Settings

JSON = Any

#: Tag key that opts a principal out (value ``off``), as Repokid's opt-out tag does.
OPT_OUT_TAG = "iamtui:rightsize"

#: AWS IAM quotas (IAM and AWS STS quotas page): characters, whitespace not counted.
MANAGED_POLICY_MAX_CHARS = 6_144
USER_INLINE_MAX_CHARS = 2_048
ROLE_INLINE_MAX_CHARS = 10_240
GROUP_INLINE_MAX_CHARS = 5_120
MANAGED_POLICIES_PER_PRINCIPAL = 10
POLICY_VERSIONS_MAX = 5


class Method(enum.StrEnum):
    """How one policy's rewrite is applied."""

    #: Customer-managed, attached to this principal only: a new default version.
    NEW_VERSION = "new-version"
    #: Inline: the document is replaced (the old one saved for undo).
    REPLACE_INLINE = "replace-inline"
    #: Inline with nothing left to grant: deleted (the old one saved for undo).
    DELETE_INLINE = "delete-inline"
    #: AWS-managed or attached elsewhere too: a new customer-managed policy for this principal,
    #: then the shared one detached from it.
    COPY_AND_DETACH = "copy-and-detach"
    #: Managed with nothing left to grant: detached from this principal only.
    DETACH = "detach"
    #: Nothing to drop.
    KEEP = "keep"
    #: Something to drop, but it cannot be applied (``reason`` says why: size, quota, group).
    CANNOT = "cannot"


@dataclass(frozen=True, slots=True)
class Grant:
    """One policy that grants the principal permissions, as read when proposing."""

    kind: Literal["inline", "managed"]
    name: str
    document: JSON
    #: Managed policies only.
    arn: str | None = None
    aws_managed: bool = False
    #: Every user, group and role ARN the managed policy is attached to (this principal included).
    attached_to: tuple[str, ...] = ()
    default_version_id: str | None = None
    #: Every version id of the managed policy (the five-version limit).
    version_ids: tuple[str, ...] = ()
    #: Granted through this group (a user's group policy): reported, never rewritten.
    via_group: str | None = None
    #: How many users and roles have the managed policy as their permissions boundary
    #: (``PermissionsBoundaryUsageCount``): a new version would change their boundaries too.
    boundary_count: int = 0


@dataclass(frozen=True, slots=True)
class Rewrite:
    """What right-sizing does to one grant."""

    grant: Grant
    method: Method
    #: The proposed document (NEW_VERSION, REPLACE_INLINE, COPY_AND_DETACH), else None.
    document: JSON | None
    dropped_services: tuple[str, ...] = ()
    #: ``service:Action`` names (or patterns) dropped inside services still in use.
    dropped_actions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: Why CANNOT or why KEEP, in one line.
    reason: str = ""
    #: COPY_AND_DETACH: the name of the new customer-managed policy (``copy_name``).
    new_policy_name: str | None = None

    @property
    def changes(self) -> bool:
        """True when applying it changes anything."""
        return self.method not in (Method.KEEP, Method.CANNOT)


@dataclass(frozen=True, slots=True)
class RightsizeOptions:
    """Guards and limits; defaults follow Repokid and AWS's unused-access analyzer."""

    #: A service (or tracked action) unused this long is dropped.
    window_days: int = 90
    #: The window may not be shorter than this (too little evidence).
    min_window_days: int = RIGHTSIZE_WINDOW_DAYS[0]
    #: Last-accessed data older than this must be fetched again first.
    max_data_age_days: int = 7
    #: Replace a wildcard (``s3:Get*``) by the used tracked actions it matches. Off by default:
    #: AWS tracks only some actions (S3: management actions, not object reads), so the
    #: untracked actions behind the wildcard may be in use.
    narrow_wildcards: bool = False


@dataclass(frozen=True, slots=True)
class Proposal:
    """The right-sized policies of one principal, or why it is not right-sized."""

    principal_arn: str
    principal_name: str
    kind: Literal["user", "role"]
    options: RightsizeOptions
    #: When the last-accessed data used was completed (None when there was none).
    data_completed_at: datetime | None
    unused_services: tuple[str, ...] = ()
    unused_actions: tuple[str, ...] = ()
    rewrites: tuple[Rewrite, ...] = ()
    #: A guard refused right-sizing (too young, opted out, service-linked, no data): why.
    refused: str = ""
    #: Limits the result does not fit (managed policies per principal, sizes): one line each.
    problems: tuple[str, ...] = ()

    @property
    def changes(self) -> tuple[Rewrite, ...]:
        """The rewrites that change something."""
        return tuple(r for r in self.rewrites if r.changes)


#: The guard's line when there is no last-accessed data: what to do in the TUI, and what it
#: means headless (``iamtui rightsize`` fetches the data itself, so there the fetch failed).
FETCH_HINT = (
    "fetch last-accessed data first (L in the TUI; `iamtui rightsize` fetches its own: "
    "its warning says why it could not)"
)
#: Prefix of the customer-managed copy that replaces a shared or AWS-managed policy.
COPY_PREFIX = "iamtui-rightsized"
#: IAM policy names: ``[\w+=,.@-]+``, at most 128 characters (IAM quotas and names page).
POLICY_NAME_MAX = 128
_NOT_NAME_CHAR = re.compile(r"[^\w+=,.@-]", re.ASCII)
#: Action patterns that grant every action of every service.
_EVERYTHING = ("*", "*:*")
#: How many other principals a note names before "and N more".
_SHOWN = 5


def policy_size(document: JSON) -> int:
    """Characters IAM counts against its size quotas: whitespace outside strings is not counted."""
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))


def arn_partition(arn: str) -> str:
    """``aws``, ``aws-cn`` or ``aws-us-gov``: the ARNs iamtui builds stay in the principal's."""
    parts = arn.split(":")
    return parts[1] if len(parts) > 1 and parts[0] == "arn" and parts[1] else "aws"


def _fitted(name: str, room: int) -> str:
    """The name cut to ``room`` characters, a short hash of the whole keeping it unique."""
    if len(name) <= room:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{name[: room - len(digest) - 1]}-{digest}"


def copy_name(kind: str, principal_name: str, policy_name: str, taken: Collection[str] = ()) -> str:
    """The customer-managed copy's name: deterministic, IAM's charset, at most 128 characters.

    The kind is in it because a user and a role may share a name while policy names are unique
    in the account; a name in ``taken`` (compared as IAM does, ignoring case) gets the first
    free ``-2``, ``-3``... suffix."""
    name = _NOT_NAME_CHAR.sub("-", f"{COPY_PREFIX}-{kind}-{principal_name}-{policy_name}")
    used = {t.lower() for t in taken}
    candidate = _fitted(name, POLICY_NAME_MAX)
    number = 1
    while candidate.lower() in used:
        number += 1
        candidate = _fitted(name, POLICY_NAME_MAX - len(f"-{number}")) + f"-{number}"
    return candidate


def customer_policy_names(snapshot: AccountSnapshot) -> frozenset[str]:
    """Names a new customer-managed policy may not take (unique per account, any case)."""
    return frozenset(p.name.lower() for p in snapshot.policies if not _is_aws_managed(p.arn))


# --- grants ----------------------------------------------------------------------------------


def _attachments(snapshot: AccountSnapshot) -> dict[str, list[str]]:
    """Managed policy ARN -> ARNs of every user, group and role attaching it."""
    found: dict[str, list[str]] = {}
    holders: Iterable[User | Group | Role] = (*snapshot.users, *snapshot.groups, *snapshot.roles)
    for holder in holders:
        for ref in holder.attached_policies:
            found.setdefault(ref.arn, []).append(holder.arn)
    return found


def _policy_grants(
    inline: Sequence[InlinePolicy],
    attached: Sequence[AttachedPolicy],
    snapshot: AccountSnapshot,
    attachments: Mapping[str, list[str]],
    via_group: str | None,
) -> list[Grant]:
    found = [Grant("inline", p.name, p.document, via_group=via_group) for p in inline]
    for ref in attached:
        managed = snapshot.policy(ref.arn)
        found.append(
            Grant(
                "managed",
                ref.name,
                managed.document if managed is not None else None,
                arn=ref.arn,
                aws_managed=_is_aws_managed(ref.arn),
                attached_to=tuple(attachments.get(ref.arn, ())),
                default_version_id=managed.default_version_id if managed is not None else None,
                via_group=via_group,
                boundary_count=(
                    managed.permissions_boundary_usage_count if managed is not None else 0
                ),
            )
        )
    return found


def _is_aws_managed(arn: str) -> bool:
    """AWS-managed policies live in the ``aws`` pseudo-account (any partition)."""
    parts = arn.split(":")
    return len(parts) > 4 and parts[4] == "aws"


def options_from(settings: Settings) -> RightsizeOptions:
    """The options the config's ``[rightsize]`` section sets (the rest keep their defaults)."""
    return RightsizeOptions(
        window_days=settings.rightsize.window_days,
        narrow_wildcards=settings.rightsize.narrow_wildcards,
    )


def grants_of(principal: User | Role, snapshot: AccountSnapshot) -> tuple[Grant, ...]:
    """The principal's grants as the snapshot has them (the action re-reads them fresh)."""
    attachments = _attachments(snapshot)
    found = _policy_grants(
        principal.inline_policies, principal.attached_policies, snapshot, attachments, None
    )
    if isinstance(principal, User):
        for name in principal.groups:
            group = snapshot.group(name)
            if group is not None:
                found += _policy_grants(
                    group.inline_policies,
                    group.attached_policies,
                    snapshot,
                    attachments,
                    group.name,
                )
    return tuple(found)


# --- guards ----------------------------------------------------------------------------------


def reference_time(data: LastAccessed, now: datetime) -> datetime:
    """The end of the tracking window: the data says nothing about use after it was completed."""
    return min(now, data.completed_at)


def _opted_out(principal: User | Role) -> bool:
    return any(
        tag.key.lower() == OPT_OUT_TAG and tag.value.strip().lower() == "off"
        for tag in principal.tags
    )


def guard(
    principal: User | Role,
    data: LastAccessed | None,
    *,
    now: datetime,
    options: RightsizeOptions,
    settings: Settings | None = None,
) -> str:
    """Why this principal must not be right-sized now ("" when it may)."""
    if isinstance(principal, Role):
        if principal.service_linked:
            return "service-linked role: only its AWS service may change its permissions"
        if principal.sso_reserved:
            return "IAM Identity Center role: its permission set manages it, not IAM"
        protected = protection_reason(principal.arn, settings or Settings())
        if protected:
            return protected
    if _opted_out(principal):
        return f"opted out by its tag {OPT_OUT_TAG}=off"
    if options.window_days < options.min_window_days:
        return (
            f"a {options.window_days}-day window is too short: at least "
            f"{options.min_window_days} days of data are needed"
        )
    if data is None:
        return FETCH_HINT
    if data.principal_arn.lower() != principal.arn.lower():
        return f"the last-accessed data is for {data.principal_arn}, not this principal"
    age = now - data.completed_at
    if age > timedelta(days=options.max_data_age_days):
        return (
            f"last-accessed data is {age.days} days old (more than "
            f"{options.max_data_age_days}): {FETCH_HINT}"
        )
    end = reference_time(data, now)
    if end - principal.create_date < timedelta(days=options.window_days):
        return (
            f"created {principal.create_date.date().isoformat()}, less than "
            f"{options.window_days} days before the data: too new to call anything unused"
        )
    return ""


# --- rewriting one document ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tracked:
    """One tracked action of a used service, named as ``service:Action``."""

    name: str
    used: bool


@dataclass(frozen=True, slots=True)
class _Usage:
    """The last-accessed data judged against the window, keyed by lower-case namespace."""

    known: frozenset[str]
    unused: frozenset[str]
    #: Used namespaces, in the data's order.
    used: tuple[str, ...]
    #: Used namespace -> lower-case ``service:action`` -> the tracked action.
    tracked: Mapping[str, Mapping[str, _Tracked]]


def _stale(when: datetime | None, end: datetime, days: int) -> bool:
    return when is None or end - when > timedelta(days=days)


def _tracked_name(namespace: str, action: str) -> str:
    """AWS names tracked actions without their prefix (``GetObject``); accept both forms."""
    return action if ":" in action else f"{namespace}:{action}"


def _usage(data: LastAccessed, now: datetime, days: int) -> _Usage:
    end = reference_time(data, now)
    by_ns: dict[str, list[ServiceAccess]] = {}
    for service in data.services:
        by_ns.setdefault(service.namespace.lower(), []).append(service)
    unused = frozenset(
        ns
        for ns, entries in by_ns.items()
        if all(_stale(s.last_authenticated, end, days) for s in entries)
    )
    used = tuple(ns for ns in by_ns if ns not in unused)
    tracked: dict[str, dict[str, _Tracked]] = {}
    for ns in used:
        for service in by_ns[ns]:
            for action in service.tracked_actions:
                name = _tracked_name(ns, action.action)
                was_used = not _stale(action.last_accessed, end, days)
                old = tracked.setdefault(ns, {}).get(name.lower())
                tracked[ns][name.lower()] = _Tracked(name, was_used or bool(old and old.used))
    return _Usage(frozenset(by_ns), unused, used, tracked)


def _wild(text: str) -> bool:
    return "*" in text or "?" in text


class _Found:
    """What rewriting one document dropped, and the notes it made (each once, in order)."""

    def __init__(self) -> None:
        self.services: set[str] = set()
        self.actions: set[str] = set()
        self.notes: dict[str, None] = {}

    def note(self, text: str) -> None:
        self.notes.setdefault(text, None)


def _unique(items: Iterable[str]) -> list[str]:
    """Once each, compared as IAM compares actions (case-insensitively), first spelling kept."""
    seen: set[str] = set()
    found = []
    for item in items:
        if item.lower() not in seen:
            seen.add(item.lower())
            found.append(item)
    return found


def _everything(usage: _Usage, options: RightsizeOptions, found: _Found, written: str) -> list[str]:
    """``*``: kept, or (narrow_wildcards) replaced by ``ns:*`` of each used service."""
    if not options.narrow_wildcards:
        if usage.unused:
            found.note(
                f"Action {written} kept: it grants every service, the {len(usage.unused)} "
                "unused ones included (narrow_wildcards replaces it with the services used)"
            )
        return [written]
    found.services.update(usage.unused)
    found.actions.add(written)
    found.note(
        f"Action {written} narrowed to the {len(usage.used)} services used in the window: "
        "services the last-accessed data does not list are no longer granted either"
    )
    return [f"{ns}:*" for ns in usage.used]


def _narrowable(tracked: Mapping[str, _Tracked], pattern: str) -> list[_Tracked]:
    low = pattern.lower()
    return [t for key, t in tracked.items() if wildcard_match(key, low)]


def _rewrite_pattern(
    pattern: str, usage: _Usage, options: RightsizeOptions, found: _Found
) -> list[str]:
    """What one Allow action (or pattern) becomes: itself, nothing, or narrower actions."""
    if pattern.lower() in _EVERYTHING:
        return _everything(usage, options, found, pattern)
    service, colon, verb = pattern.partition(":")
    ns = service.lower()
    if not colon or not ns or _wild(ns):
        found.note(f"{pattern} kept: its service is not one name, so it is not judged")
        return [pattern]
    if ns in usage.unused:
        found.services.add(ns)
        return []
    if ns not in usage.known:
        found.note(f"{ns}: not in the last-accessed data, kept (unknown, not unused)")
        return [pattern]
    tracked = usage.tracked.get(ns)
    if not tracked:
        return [pattern]
    if not _wild(verb):
        entry = tracked.get(pattern.lower())
        if entry is not None and not entry.used:
            found.actions.add(entry.name)
            return []
        return [pattern]
    matching = _narrowable(tracked, pattern)
    used = [t.name for t in matching if t.used]
    if not options.narrow_wildcards:
        shown = ", ".join(used) or "none"
        found.note(
            f"{pattern} kept: AWS tracks only some {ns} actions, so the untracked ones behind "
            f"the wildcard may be in use (tracked actions it matches used: {shown}; "
            "narrow_wildcards replaces it with those)"
        )
        return [pattern]
    found.actions.add(pattern)
    what = f"replaced by {', '.join(used)}" if used else "dropped"
    found.note(
        f"{pattern} {what}: the used tracked actions it matches. AWS tracks only some actions "
        "(S3: management actions, not object-level ones), so untracked actions behind the "
        "wildcard are dropped too"
    )
    return used


def _covers_service(patterns: Sequence[str], ns: str) -> bool:
    """A NotAction pattern already excludes every action of service ``ns``."""
    for pattern in patterns:
        low = pattern.lower()
        if low == "*":
            return True
        service, colon, verb = low.partition(":")
        if colon and verb and set(verb) == {"*"} and wildcard_match(ns, service):
            return True
    return False


def _as_written(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _rewrite_statement(
    item: Mapping[str, Any], usage: _Usage, options: RightsizeOptions, found: _Found
) -> Mapping[str, Any] | None:
    """One statement narrowed, as written otherwise; None when it grants nothing any more."""
    if str(item.get("Effect", "")).lower() != "allow":
        return item  # Deny (and anything malformed) verbatim: removing it would add access
    has_action, has_not = "Action" in item, "NotAction" in item
    if has_not and not has_action:
        excluded = as_list(item["NotAction"])
        added = [f"{ns}:*" for ns in sorted(usage.unused) if not _covers_service(excluded, ns)]
        if not added:
            return item
        found.services.update(a.split(":", 1)[0] for a in added)
        return {**item, "NotAction": [*_as_written(item["NotAction"]), *added]}
    if not has_action or has_not:
        return item  # not a statement IAM accepts: nothing to judge
    written = as_list(item["Action"])
    each = [_rewrite_pattern(pattern, usage, options, found) for pattern in written]
    if all(result == [pattern] for result, pattern in zip(each, written, strict=True)):
        return item
    kept = _unique(action for result in each for action in result)
    if not kept:
        return None
    single = not isinstance(item["Action"], list) and len(kept) == 1
    return {**item, "Action": kept[0] if single else kept}


def rewrite_document(
    document: JSON, data: LastAccessed, *, now: datetime, options: RightsizeOptions
) -> tuple[JSON | None, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(document without what went unused or None when nothing is left to grant,
    dropped services, dropped actions, notes). Never adds a permission."""
    raw = document.get("Statement") if isinstance(document, Mapping) else None
    if not isinstance(raw, Mapping | list):
        return copy.deepcopy(document), (), (), ("no statements to read: kept as it is",)
    usage = _usage(data, now, options.window_days)
    found = _Found()
    items = [raw] if isinstance(raw, Mapping) else raw
    left = []
    for item in items:
        if not isinstance(item, Mapping):
            left.append(item)
            continue
        rewritten = _rewrite_statement(item, usage, options, found)
        if rewritten is not None:
            left.append(rewritten)
    result: JSON | None
    if not left:
        result = None
    elif isinstance(raw, Mapping):
        result = copy.deepcopy({**document, "Statement": left[0]})
    else:
        result = copy.deepcopy({**document, "Statement": left})
    return (
        result,
        tuple(sorted(found.services)),
        tuple(sorted(found.actions, key=str.lower)),
        tuple(found.notes),
    )


# --- proposing -------------------------------------------------------------------------------


def _who(arn: str) -> str:
    """``role/app`` for a principal or group ARN (its path left out)."""
    resource = arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    return f"{kind}/{rest.rsplit('/', 1)[-1]}" if rest else resource


def _named(arns: Sequence[str]) -> str:
    shown = ", ".join(_who(a) for a in arns[:_SHOWN])
    more = len(arns) - _SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _limit(n: int) -> str:
    return f"{n:,}"


def _over_aws_limit(principal: User | Role, grant: Grant) -> str:
    """Why a grant's current document is larger than AWS lets one be ("" when it is not): it
    came from an endpoint that is not AWS, and rewriting (and journaling) it is refused."""
    if grant.document is None or grant.aws_managed:
        return ""  # AWS managed policies are not held to the customer limits
    if grant.kind == "managed":
        limit, what = MANAGED_POLICY_MAX_CHARS, "a managed policy"
    elif isinstance(principal, Role):
        limit, what = ROLE_INLINE_MAX_CHARS, "all of a role's inline policies together"
    else:
        limit, what = USER_INLINE_MAX_CHARS, "all of a user's inline policies together"
    size = policy_size(grant.document)
    if size <= limit:
        return ""
    return (
        f"its current document is {_limit(size)} characters, over AWS's limit of "
        f"{_limit(limit)} for {what}: AWS could not hold it (is this endpoint AWS?)"
    )


def _rewrite_grant(
    principal: User | Role,
    grant: Grant,
    data: LastAccessed,
    *,
    now: datetime,
    options: RightsizeOptions,
    managed_count: int,
    taken: set[str],
) -> Rewrite:
    """One grant's rewrite, before the principal-wide inline size check."""
    if grant.document is None:
        return Rewrite(grant, Method.KEEP, None, reason="its document was not read: not judged")
    new, services, actions, notes = rewrite_document(grant.document, data, now=now, options=options)
    if new == grant.document:
        return Rewrite(grant, Method.KEEP, None, (), (), notes, reason="nothing unused to drop")
    rewrite = Rewrite(grant, Method.KEEP, new, services, actions, notes)
    if grant.via_group is not None:
        return replace(
            rewrite,
            method=Method.CANNOT,
            document=None,
            reason=(
                f"granted through group {grant.via_group} shared with its members: iamtui does "
                "not rewrite group policies; edit the group's policy or remove the user from "
                "the group"
            ),
        )
    if too_large := _over_aws_limit(principal, grant):
        return replace(rewrite, method=Method.CANNOT, document=None, reason=too_large)
    if grant.kind == "inline":
        method = Method.DELETE_INLINE if new is None else Method.REPLACE_INLINE
        return replace(rewrite, method=method)
    if new is not None and (size := policy_size(new)) > MANAGED_POLICY_MAX_CHARS:
        return replace(
            rewrite,
            method=Method.CANNOT,
            document=None,
            reason=(
                f"the rewritten policy is {_limit(size)} characters, over the managed policy "
                f"limit of {_limit(MANAGED_POLICY_MAX_CHARS)}"
            ),
        )
    others = [a for a in grant.attached_to if a.lower() != principal.arn.lower()]
    own_boundary = (principal.permissions_boundary or "").lower() == (grant.arn or "").lower()
    bounded = max(0, grant.boundary_count - int(own_boundary))
    if not grant.aws_managed and not others and not bounded:
        if new is None:
            return replace(rewrite, method=Method.DETACH)
        extra: tuple[str, ...] = ()
        if len(grant.version_ids) >= POLICY_VERSIONS_MAX:
            extra = (
                f"the policy has {len(grant.version_ids)} versions (IAM keeps "
                f"{POLICY_VERSIONS_MAX}): the oldest non-default version is deleted first; "
                "it is saved in the journal",
            )
        return replace(rewrite, method=Method.NEW_VERSION, notes=(*notes, *extra))
    why = []
    if grant.aws_managed:
        why.append(
            "AWS-managed: it cannot be edited, and the copy no longer gets AWS's updates to it "
            "(new actions for new features): review the copy when the service changes"
        )
    if others:
        why.append(
            f"also attached to {_named(others)}: the shared policy itself is not changed, "
            "they keep it as it is"
        )
    if bounded:
        why.append(
            f"the permissions boundary of {bounded} other principal{'s' if bounded > 1 else ''}: "
            "a new version would narrow their boundary too, so the policy itself is not changed"
        )
    if new is None:
        return replace(rewrite, method=Method.DETACH, notes=(*notes, *why))
    kind = "role" if isinstance(principal, Role) else "user"
    name = copy_name(kind, principal.name, grant.name, taken)
    taken.add(name.lower())  # an AWS-managed and a customer policy may share a name
    why.append(f"a customer-managed copy {name} replaces it for this principal only")
    if managed_count >= MANAGED_POLICIES_PER_PRINCIPAL:
        why.append(
            f"{managed_count} managed policies attached (the default quota is "
            f"{MANAGED_POLICIES_PER_PRINCIPAL}): detach the shared one before attaching the copy"
        )
    return replace(
        rewrite, method=Method.COPY_AND_DETACH, notes=(*notes, *why), new_policy_name=name
    )


def _inline_total(rewrites: Sequence[Rewrite], *, after: bool) -> int:
    total = 0
    for r in rewrites:
        if r.grant.kind != "inline" or r.grant.via_group is not None:
            continue
        if after and r.method is Method.DELETE_INLINE:
            continue
        document = r.document if after and r.method is Method.REPLACE_INLINE else r.grant.document
        total += policy_size(document) if document is not None else 0
    return total


def _check_inline(
    principal: User | Role, rewrites: list[Rewrite], problems: list[str]
) -> list[Rewrite]:
    """Inline replacements must fit the principal's aggregate inline quota once applied."""
    role = isinstance(principal, Role)
    limit = ROLE_INLINE_MAX_CHARS if role else USER_INLINE_MAX_CHARS
    after = _inline_total(rewrites, after=True)
    if after <= limit or not any(r.method is Method.REPLACE_INLINE for r in rewrites):
        return rewrites
    before = _inline_total(rewrites, after=False)
    kind = "role" if role else "user"
    cause = (
        f"already {_limit(before)} before the rewrite, which only shrinks them"
        if before > limit
        else "the narrowed wildcards grow them"
    )
    reason = (
        f"inline policies total {_limit(after)} characters after the rewrite, over the "
        f"{kind} limit of {_limit(limit)} ({cause})"
    )
    problems.append(reason)
    return [
        replace(r, method=Method.CANNOT, document=None, reason=reason)
        if r.method is Method.REPLACE_INLINE
        else r
        for r in rewrites
    ]


def _unused(
    data: LastAccessed, now: datetime, days: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Unused services, and unused tracked actions of services still used, for the principal."""
    usage = _usage(data, now, days)
    actions = sorted(
        (t.name for ns in usage.used for t in usage.tracked.get(ns, {}).values() if not t.used),
        key=str.lower,
    )
    return tuple(sorted(usage.unused)), tuple(actions)


def propose(
    principal: User | Role,
    grants: Sequence[Grant],
    data: LastAccessed | None,
    *,
    now: datetime,
    options: RightsizeOptions,
    settings: Settings | None = None,
    taken_names: Collection[str] = (),
) -> Proposal:
    """The proposal for one principal: guards first, then one rewrite per grant.

    ``taken_names``: the account's customer-managed policy names, which a copy may not take."""
    proposal = Proposal(
        principal_arn=principal.arn,
        principal_name=principal.name,
        kind="role" if isinstance(principal, Role) else "user",
        options=options,
        data_completed_at=data.completed_at if data is not None else None,
    )
    refused = guard(principal, data, now=now, options=options, settings=settings)
    if refused or data is None:
        return replace(proposal, refused=refused or FETCH_HINT)
    managed = [g for g in grants if g.kind == "managed" and g.via_group is None]
    taken = {name.lower() for name in taken_names}
    rewrites = [
        _rewrite_grant(
            principal,
            g,
            data,
            now=now,
            options=options,
            managed_count=len(managed),
            taken=taken,
        )
        for g in grants
    ]
    problems: list[str] = []
    rewrites = _check_inline(principal, rewrites, problems)
    problems += [
        f"{r.grant.name}: {r.reason}"
        for r in rewrites
        if r.method is Method.CANNOT and r.grant.kind == "managed" and r.grant.via_group is None
    ]
    attached = len(managed) - sum(r.method is Method.DETACH for r in rewrites)
    if attached > MANAGED_POLICIES_PER_PRINCIPAL:
        problems.append(
            f"{attached} managed policies stay attached, over the default quota of "
            f"{MANAGED_POLICIES_PER_PRINCIPAL} per {proposal.kind}"
        )
    services, actions = _unused(data, now, options.window_days)
    return replace(
        proposal,
        unused_services=services,
        unused_actions=actions,
        rewrites=tuple(rewrites),
        problems=tuple(problems),
    )
