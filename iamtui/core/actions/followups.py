"""Follow-ups (scream tests): a plan offers the action that finishes the job once it stayed unused.

AWS advises deactivate, wait, then delete. ``key.deactivate`` offers "delete this key in 30 days
if it stays inactive and nothing used it", ``role.quarantine`` "delete this role in 14 days",
deactivating a service-specific credential, SSH key or signing certificate its delete (days in
the config's ``[followups]``). The journal keeps the follow-up with the entry; once it is due,
:func:`recheck` reads the evidence again from the live account (read-only calls, listed in
:data:`RECHECK_READS`) and :func:`plan_follow_up` turns a ready one into a normal plan, previewed
and confirmed like any other. Nothing here runs a change.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from iamtui.core.actions import reads
from iamtui.core.actions.guards import QUARANTINE_POLICY, ActionRefused
from iamtui.core.actions.planner import Planner, stamp
from iamtui.core.actions.request import Request
from iamtui.core.errors import error_code, error_text
from iamtui.core.journal import FollowUpItem, FollowUpState, Journal
from iamtui.core.loader import DENIED_CODES, as_utc, read_access_keys
from iamtui.core.plan import Evidence, FollowUp, Plan
from iamtui.core.session import Connection
from iamtui.core.subjects import (
    KeySubject,
    PrincipalSubject,
    ServiceCredentialSubject,
    Subject,
    UploadedCredentialSubject,
)
from iamtui.core.usage import HISTORY_DAYS, PACER, Pacer, UsageTarget, lookup_usage

#: The read-only calls a re-check sends (``iamtui policy --read-only`` grants them).
RECHECK_READS = (
    "iam:ListAccessKeys",
    "iam:GetAccessKeyLastUsed",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:GetUser",
    "iam:ListServiceSpecificCredentials",
    "iam:ListSSHPublicKeys",
    "iam:ListSigningCertificates",
    "cloudtrail:LookupEvents",
)

_READ_ERRORS = (ClientError, BotoCoreError, ResponseParserError)


# --- re-checking ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recheck:
    """One follow-up's evidence read again from the live account: ready, or why not."""

    item: FollowUpItem
    #: Why it is not ready (empty: ready).
    problems: tuple[str, ...]
    #: What held, and what could not be read but does not block (CloudTrail unreadable).
    held: tuple[str, ...]
    #: When it was checked (UTC).
    at: datetime

    @property
    def ready(self) -> bool:
        """Due, and every piece of evidence still holds."""
        return self.item.state is FollowUpState.DUE and not self.problems

    def verdict(self) -> str:
        """``ready`` / ``not ready: key used 2026-11-30 … after deactivation``."""
        if self.problems:
            return "not ready: " + "; ".join(self.problems)
        if self.item.state is FollowUpState.PENDING:
            return f"evidence holds so far; due {stamp(self.item.follow_up.due_at)}"
        return "ready"

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``iamtui journal due --format json``."""
        follow_up = self.item.follow_up
        return {
            "ref": self.item.ref,
            "entry": self.item.entry.id,
            "action": follow_up.action.value,
            "description": follow_up.description,
            "since": self.item.entry.time,
            "due_at": follow_up.due_at.isoformat(),
            "state": self.item.state.value,
            "ready": self.ready,
            "verdict": self.verdict(),
            "problems": list(self.problems),
            "held": list(self.held),
            "checked_at": self.at.isoformat(),
        }


def since_of(item: FollowUpItem) -> datetime:
    """When the entry ran (the deactivation): use after it is what a follow-up looks for."""
    return as_utc(datetime.fromisoformat(item.entry.time))


def recheck(
    conn: Connection,
    item: FollowUpItem,
    *,
    now: datetime,
    cloudtrail: bool = True,
    pacer: Pacer = PACER,
) -> Recheck:
    """Read the follow-up's evidence from the live account (read-only); never raises for a read.

    A read that fails or is denied makes it not ready (unknown is never "unused"), except
    CloudTrail, which AWS keeps per region and which may be unreadable: then IAM's own
    last-used data decides and the result says CloudTrail was not read.
    """
    follow_up = item.follow_up
    since = since_of(item)
    try:
        other = _recreated(conn.iam, follow_up)
    except _READ_ERRORS as exc:
        other = _read_problem("it is the same principal", exc)
    except reads.NotFound as exc:
        other = f"{exc} (gone already)"
    if other:
        # The evidence would be about another principal under the same name: not read at all.
        return Recheck(item, (other,), (), now)
    problems: list[str] = []
    held: list[str] = []
    for evidence in follow_up.evidence:
        if evidence is Evidence.NO_CLOUDTRAIL_USE and not cloudtrail:
            continue
        try:
            problem, fine = _check(conn, evidence, follow_up.subject, since, now, pacer)
        except _READ_ERRORS as exc:
            problem, fine = _read_problem(evidence.value.replace("-", " "), exc), ""
        except reads.NotFound as exc:
            problem, fine = f"{exc} (gone already)", ""
        if problem:
            problems.append(problem)
        if fine:
            held.append(fine)
    return Recheck(item, tuple(dict.fromkeys(problems)), tuple(held), now)


def _recreated(iam: Any, follow_up: FollowUp) -> str:
    """Why the principal under the follow-up's name is not the one it was offered for, or ""."""
    expected = follow_up.principal_id
    subject = follow_up.subject
    if not expected:
        return ""  # an old journal's follow-up: the name is all it has
    if isinstance(subject, PrincipalSubject) and subject.kind == "role":
        kind, name, current = "role", subject.name, _get_role(iam, subject.name).get("RoleId")
    elif isinstance(subject, KeySubject | ServiceCredentialSubject | UploadedCredentialSubject):
        kind, name, current = "user", subject.user, _user_id(iam, subject.user)
    else:
        return ""
    if current == expected:
        return ""
    return f"{kind} {name} re-created since (id {expected} then, {current} now)"


def _user_id(iam: Any, user: str) -> str | None:
    try:
        return iam.get_user(UserName=user)["User"].get("UserId")  # type: ignore[no-any-return]
    except ClientError as exc:
        if reads.missing(exc):
            raise reads.NotFound(f"user {user} does not exist") from exc
        raise


def _read_problem(what: str, exc: BaseException) -> str:
    """One line; a denial names the IAM action the caller lacks (every direct read is IAM's)."""
    if error_code(exc) in DENIED_CODES:
        operation = getattr(exc, "operation_name", "")
        lacks = f"denied: the caller lacks iam:{operation}" if operation else "access denied"
        return f"could not check {what}: {lacks}"
    return f"could not check {what}: {error_text(exc)}"


def _check(
    conn: Connection,
    evidence: Evidence,
    subject: Subject,
    since: datetime,
    now: datetime,
    pacer: Pacer,
) -> tuple[str, str]:
    """(why not ready or "", what held or "") for one piece of evidence."""
    iam: Any = conn.iam
    match evidence, subject:
        case Evidence.KEY_INACTIVE, KeySubject(user, str(kid)):
            keys = read_access_keys(iam, user, last_used=False)
            key = next((k for k in keys if k.key_id == kid), None)
            if key is None:
                raise reads.NotFound(f"user {user} has no access key {kid}")
            if key.status != "Inactive":
                return f"key {kid} is {key.status} again", ""
            return "", f"key {kid} is still Inactive"
        case Evidence.KEY_UNUSED, KeySubject(_, str(kid)):
            used, service = reads.key_last_used(iam, kid)
            last = reads.when(used)
            if last is not None and last > since:
                via = f" ({service})" if service else ""
                return f"key {kid} used {stamp(last)}{via}, after the deactivation", ""
            # GetAccessKeyLastUsed can only show the key was reactivated and used: an
            # Inactive key cannot authenticate, so "not used" would claim more than was read.
            return "", (
                f"key {kid} not reactivated and used since the deactivation ({stamp(since)}; "
                "an inactive key cannot authenticate)"
            )
        case Evidence.ROLE_QUARANTINED, PrincipalSubject("role", role):
            return _quarantined(iam, role)
        case Evidence.ROLE_UNUSED, PrincipalSubject("role", role):
            raw = _get_role(iam, role)
            used = (raw.get("RoleLastUsed") or {}).get("LastUsedDate")
            if isinstance(used, datetime) and as_utc(used) > since:
                return f"role {role} used {stamp(as_utc(used))}, after the quarantine", ""
            return "", f"role {role} not used since {stamp(since)} (RoleLastUsed)"
        case Evidence.CREDENTIAL_INACTIVE, ServiceCredentialSubject(user, cid):
            status = reads.service_credential(iam, user, cid).status
            return _inactive(f"service-specific credential {cid}", status)
        case Evidence.CREDENTIAL_INACTIVE, UploadedCredentialSubject(user, kind, str(cid)):
            found = reads.uploaded_credentials(iam, user, kind, bodies=False)
            item = next((i for i in found if i["id"] == cid), None)
            noun = "SSH key" if kind == "ssh-key" else "signing certificate"
            if item is None:
                raise reads.NotFound(f"user {user} has no {noun} {cid}")
            return _inactive(f"{noun} {cid}", str(item["status"]))
        case Evidence.NO_CLOUDTRAIL_USE, _:
            return _cloudtrail(conn, subject, since, now, pacer)
    return f"cannot check {evidence.value} of {type(subject).__name__}", ""


def _inactive(what: str, status: str) -> tuple[str, str]:
    if status != "Inactive":
        return f"{what} is {status} again", ""
    return "", f"{what} is still Inactive"


def _get_role(iam: Any, role: str) -> Mapping[str, Any]:
    try:
        return dict(iam.get_role(RoleName=role)["Role"])
    except ClientError as exc:
        if reads.missing(exc):
            raise reads.NotFound(f"role {role} does not exist") from exc
        raise


def _quarantined(iam: Any, role: str) -> tuple[str, str]:
    """The deny-all statement iamtui put is still in the role's quarantine policy."""
    try:
        answer = iam.get_role_policy(RoleName=role, PolicyName=QUARANTINE_POLICY)
    except ClientError as exc:
        if reads.missing(exc):
            _get_role(iam, role)  # NotFound when the role itself is gone
            return f"role {role} is no longer quarantined ({QUARANTINE_POLICY} removed)", ""
        raise
    document = answer.get("PolicyDocument")
    if isinstance(document, str):
        document = json.loads(document)
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    deny_all = any(
        isinstance(s, dict)
        and s.get("Effect") == "Deny"
        and s.get("Action") in ("*", ["*"])
        and s.get("Resource") in ("*", ["*"])
        and not s.get("Condition")
        for s in statements or ()
    )
    if not deny_all:
        return f"role {role}'s {QUARANTINE_POLICY} no longer denies everything", ""
    return "", f"role {role} is still quarantined"


def _cloudtrail(
    conn: Connection, subject: Subject, since: datetime, now: datetime, pacer: Pacer
) -> tuple[str, str]:
    if isinstance(subject, KeySubject) and subject.key_id:
        target = UsageTarget.key(subject.key_id, subject.user)
    elif isinstance(subject, PrincipalSubject) and subject.kind == "role":
        target = UsageTarget.role(subject.name, str(_get_role(conn.iam, subject.name)["Arn"]))
    else:
        return "", ""
    days = max(1, min(HISTORY_DAYS, math.ceil((now - since) / timedelta(days=1))))
    report = lookup_usage(conn, target, days=days, now=now, pacer=pacer)
    if not report.available:
        return "", f"CloudTrail not read ({report.unavailable}): IAM's last-used data decides"
    if report.last_seen is not None and report.last_seen > since:
        callers = ", ".join(t.value for t in report.callers[:2])
        who = f" by {callers}" if callers else ""
        return (
            f"CloudTrail shows {target.label} used {stamp(report.last_seen)}{who}, "
            "after the deactivation",
            "",
        )
    # Event history holds management events of one region only: say exactly that, not "no use".
    return "", (
        f"CloudTrail: no management events in {report.region} for {report.days} days "
        f"(since {stamp(since)})"
    )


# --- planning ------------------------------------------------------------------------------


def due_items(journal: Journal, now: datetime, *, everything: bool = False) -> list[FollowUpItem]:
    """Due follow-ups (with ``everything``, pending ones too), soonest first."""
    items = [i for i in journal.follow_ups(now) if i.open]
    if not everything:
        items = [i for i in items if i.state is FollowUpState.DUE]
    return sorted(items, key=lambda i: (i.follow_up.due_at, i.ref))


def plan_follow_up(
    planner: Planner,
    journal: Journal,
    ref: str,
    *,
    now: datetime,
    pacer: Pacer = PACER,
) -> tuple[Plan, Recheck]:
    """A due, ready follow-up as a normal plan (same planner, same guards); refuses otherwise."""
    item = journal.follow_up(ref, now)
    if item.state is FollowUpState.PENDING:
        raise ActionRefused(
            f"follow-up {item.ref} is not due before {stamp(item.follow_up.due_at)}: "
            f"{item.follow_up.description} waits until then"
        )
    if item.state is not FollowUpState.DUE:
        raise ActionRefused(f"follow-up {item.ref} is {item.note}: nothing to plan")
    checked = recheck(planner.conn, item, now=now, pacer=pacer)
    if not checked.ready:
        raise ActionRefused(
            f"follow-up {item.ref} ({item.follow_up.description}) is {checked.verdict()}; "
            "dismiss it or act on it yourself"
        )
    follow_up = item.follow_up
    # The re-check just showed the key unused since its deactivation: that is the verification
    # the planner otherwise asks the reviewed data (or a typed override) for.
    request = Request(follow_up.action, follow_up.subject, accept_unverified_use=True)
    plan = planner.plan(request)
    planner.unverified_keys.clear()
    changed = {t.principal_id for t in plan.principals if t.principal_id}
    if follow_up.principal_id and changed - {follow_up.principal_id}:
        # Re-created between the re-check and the plan: the plan would act on another principal.
        raise ActionRefused(
            f"follow-up {item.ref} ({follow_up.description}) is not ready: its principal was "
            f"re-created since (id {follow_up.principal_id} then, "
            f"{', '.join(sorted(changed))} now); dismiss it or act on it yourself"
        )
    warnings = tuple(w for w in plan.warnings if not w.endswith("without that check"))
    notes = (f"follow-up {item.ref} of {item.entry.id}: {'; '.join(checked.held)}",)
    plan = replace(
        plan,
        follows_up=item.ref,
        follow_ups=(),
        warnings=warnings,
        notes=(*plan.notes, *notes),
        options={**plan.options, "follows_up": item.ref},
    )
    return plan, checked
