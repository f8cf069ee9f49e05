"""IAM Access Analyzer as a second opinion on iamtui's unused-access verdicts.

A pure comparison: the snapshot's unused-access analyzer findings (``snapshot.analyzer_findings``)
against iamtui's own findings of the rules that judge the same thing, resource by resource:

==========================  ===============================================
Access Analyzer type        iamtui rules
==========================  ===============================================
``UnusedIAMRole``           ``role.unused``
``UnusedIAMUserAccessKey``  ``access-key.unused``, ``access-key.never-used``
``UnusedIAMUserPassword``   ``user.password-unused``
``UnusedPermission``        ``permissions.unused-services``
==========================  ===============================================

Each pair is *agrees* (both report it), *disagrees* (one reports it while the other's data says
otherwise: the analyzer calls a role unused that iamtui saw used within its threshold; unused
permissions only per namespace, from the finding's details, when iamtui saw that service used
inside the analyzer's own window), *analyzer only* or *iamtui only* (the other is silent; the
line says why when the windows differ: the analyzer's ``unusedAccessAge`` against iamtui's
thresholds). Without an ACTIVE unused-access analyzer, or when its findings could not be read,
the opinion is *unavailable* and says so: silence is never read as agreement. AWS: "Findings
for unused access" (IAM User Guide),
https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-findings.html
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from iamtui.core.account_resources import UnusedDetail
from iamtui.core.findings import Finding, part_missing
from iamtui.core.model import (
    AccountSnapshot,
    AnalyzerFinding,
    AnalyzerFindings,
    AnalyzerFindingType,
    CredentialReportRow,
    LastAccessed,
    Part,
    Role,
    User,
)
from iamtui.core.settings import Thresholds

#: The version of the ``access_analyzer`` field in ``iamtui scan`` JSON.
SCAN_FIELD_VERSION = 1

#: Access Analyzer finding type -> the iamtui rules that judge the same thing.
RULES_OF_TYPE: Mapping[str, tuple[str, ...]] = {
    AnalyzerFindingType.UNUSED_ROLE: ("role.unused",),
    AnalyzerFindingType.UNUSED_ACCESS_KEY: ("access-key.unused", "access-key.never-used"),
    AnalyzerFindingType.UNUSED_PASSWORD: ("user.password-unused",),
    AnalyzerFindingType.UNUSED_PERMISSION: ("permissions.unused-services",),
}
#: iamtui rule -> the Access Analyzer finding type it is compared with.
TYPE_OF_RULE: Mapping[str, str] = {
    rule: str(kind) for kind, rules in RULES_OF_TYPE.items() for rule in rules
}
NO_ANALYZER = "no unused-access analyzer: second opinion unavailable"
#: An UnusedPermission finding names its services only in its details (GetFindingV2), which
#: the overview does not read: without them there is nothing to compare, per namespace.
DETAILS_NOT_READ = "details not read (A in the review)"


class Verdict(enum.StrEnum):
    """How iamtui's verdict and Access Analyzer's compare for one resource and kind."""

    AGREES = "agrees"
    DISAGREES = "disagrees"
    ANALYZER_ONLY = "analyzer-only"
    IAMTUI_ONLY = "iamtui-only"
    #: No analyzer, or its findings could not be read: no opinion at all.
    UNAVAILABLE = "unavailable"
    #: The overview read only part of the findings: this resource's may be unread.
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Opinion:
    """Access Analyzer's view beside iamtui's for one resource and one kind of unused access."""

    verdict: Verdict
    resource_arn: str
    #: Access Analyzer's finding type (``UnusedIAMRole``...).
    finding_type: str
    #: iamtui's findings of the matching rules on this resource (ids: ``rule:arn[:slot]``).
    iamtui: tuple[str, ...] = ()
    analyzer: AnalyzerFinding | None = None
    #: Why, in one line (the window difference, the use iamtui saw, why no opinion).
    reason: str = ""

    def verdict_text(self) -> str:
        """``agrees (2026-11-20)`` or ``disagrees (2026-11-20): why``: the line without the type."""
        head = self.verdict.value
        if self.analyzer is not None:
            head += f" ({self.analyzer.updated_at:%Y-%m-%d})"
        return f"{head}: {self.reason}" if self.reason else head

    def line(self) -> str:
        """``Access Analyzer: agrees (UnusedIAMRole, 2026-11-20)`` and the like, one line."""
        if self.verdict is Verdict.UNAVAILABLE:
            return f"Access Analyzer: {self.reason}"
        what = self.finding_type
        if self.analyzer is not None:
            what += f", {self.analyzer.updated_at:%Y-%m-%d}"
        head = f"Access Analyzer: {self.verdict.value} ({what})"
        return f"{head}: {self.reason}" if self.reason else head

    def as_json(self) -> dict[str, object]:
        """The ``access_analyzer`` field of a finding in ``iamtui scan`` JSON (versioned)."""
        found = self.analyzer
        return {
            "version": SCAN_FIELD_VERSION,
            "verdict": self.verdict.value,
            "finding_type": self.finding_type,
            "finding_id": found.finding_id if found else None,
            "updated_at": found.updated_at.isoformat() if found else None,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class SecondOpinion:
    """Every comparison of one snapshot: per iamtui finding, and the analyzer's on their own."""

    #: Why there is no second opinion (None: there is one).
    unavailable: str | None
    #: iamtui finding id -> the opinion on it (only findings of compared rules).
    by_finding: Mapping[str, Opinion]
    #: Analyzer findings no iamtui finding matches (analyzer-only or disagrees), never hidden.
    analyzer_only: tuple[Opinion, ...] = ()
    #: ``unusedAccessAge`` of the analyzer (None: unknown).
    unused_access_age: int | None = None

    def for_resource(self, arn: str) -> tuple[Opinion, ...]:
        """Every opinion on one user or role, most important first (``RANK``: where the two
        disagree before where they agree)."""
        mine = [o for o in self.by_finding.values() if o.resource_arn == arn]
        unique = {
            (o.finding_type, o.analyzer.finding_id if o.analyzer else o.iamtui): o for o in mine
        }
        found = (*unique.values(), *(o for o in self.analyzer_only if o.resource_arn == arn))
        return tuple(sorted(found, key=lambda o: RANK[o.verdict]))


#: The order opinions are listed in: what iamtui's own findings do not already say first.
RANK: Mapping[Verdict, int] = {
    Verdict.DISAGREES: 0,
    Verdict.ANALYZER_ONLY: 1,
    Verdict.AGREES: 2,
    Verdict.IAMTUI_ONLY: 3,
    Verdict.UNKNOWN: 4,
    Verdict.UNAVAILABLE: 5,
}


def unavailable_reason(snapshot: AccountSnapshot) -> str | None:
    """Why Access Analyzer cannot give a second opinion here (None: it can)."""
    missing = part_missing(snapshot, Part.ACCESS_ANALYZER)
    if missing is not None:
        return f"second opinion unavailable: {missing}"
    state = snapshot.access_analyzer
    if state is None or state.unused_access is None:
        region = f" in {state.region}" if state is not None else ""
        return f"no unused-access analyzer{region}: second opinion unavailable"
    gone = snapshot.unavailable_part(Part.ANALYZER_FINDINGS)
    if gone is not None:
        return f"second opinion unavailable: findings not read: {gone.reason}"
    if snapshot.analyzer_findings is None:
        return "second opinion unavailable: the analyzer's findings were not loaded"
    return None


def _days(now: datetime, when: datetime | None) -> int | None:
    return None if when is None else max(0, (now - when).days)


def _days_ago(days: int) -> str:
    return "today" if days == 0 else "1 day ago" if days == 1 else f"{days} days ago"


def _windows(age: int | None, threshold: int) -> str:
    """The two windows side by side, for lines that depend on them."""
    analyzer = f"{age} days" if age is not None else "an unknown number of days"
    return f"the analyzer reports after {analyzer} unused, iamtui after {threshold}"


def _threshold(kind: str, thresholds: Thresholds) -> int:
    days: dict[str, int] = {
        AnalyzerFindingType.UNUSED_ROLE: thresholds.role_unused_days,
        AnalyzerFindingType.UNUSED_ACCESS_KEY: thresholds.key_unused_days,
        AnalyzerFindingType.UNUSED_PASSWORD: thresholds.password_unused_days,
        AnalyzerFindingType.UNUSED_PERMISSION: thresholds.service_unused_days,
    }
    return days.get(kind, thresholds.role_unused_days)


@dataclass(frozen=True, slots=True)
class _Lookup:
    """The snapshot's users, roles and report rows by ARN: built once per comparison."""

    roles: Mapping[str, Role]
    users: Mapping[str, User]
    rows: Mapping[str, CredentialReportRow]

    @classmethod
    def of(cls, snapshot: AccountSnapshot) -> _Lookup:
        report = snapshot.credential_report
        by_name = report.by_user() if report is not None else {}
        return cls(
            roles={r.arn: r for r in snapshot.roles},
            users={u.arn: u for u in snapshot.users},
            rows={u.arn: by_name[u.name] for u in snapshot.users if u.name in by_name},
        )


def _idle_days(lookup: _Lookup, kind: str, arn: str, now: datetime) -> int | None:
    """How long iamtui saw the resource unused in this kind (None: iamtui cannot tell)."""
    if kind == AnalyzerFindingType.UNUSED_ROLE:
        role = lookup.roles.get(arn)
        return None if role is None else _days(now, role.last_used or role.create_date)
    row = lookup.rows.get(arn)
    if row is None:
        return None
    if kind == AnalyzerFindingType.UNUSED_PASSWORD:
        used = row.password_last_used
        return _days(now, used) if isinstance(used, datetime) else None
    if kind == AnalyzerFindingType.UNUSED_ACCESS_KEY:
        # The stalest active key: iamtui's key findings are per key, the analyzer's per user.
        uses = [k.last_used for k in row.keys if k.active and isinstance(k.last_used, datetime)]
        return max((_days(now, u) or 0 for u in uses), default=None)
    return None


def _on(when: datetime) -> str:
    return f"{when:%Y-%m-%d}"


def _action_name(action: str) -> str:
    """``s3:GetObject`` and ``GetObject`` alike, compared as IAM compares actions (any case)."""
    return action.rsplit(":", 1)[-1].lower()


def _namespace_verdict(
    detail: UnusedDetail,
    last: LastAccessed,
    found: AnalyzerFinding,
    age: int | None,
    now: datetime,
) -> tuple[bool, str]:
    """(contrary evidence?, why) for one namespace the analyzer calls unused: contrary only
    when iamtui saw the same service (or the same action) used inside the analyzer's window."""
    ns = detail.service or "?"
    seen = {s.namespace.lower(): s for s in last.services}.get(ns.lower())
    if seen is None:
        return False, f"{ns}: not in iamtui's last-accessed data (granted since it was read?)"
    used = seen.last_authenticated
    window = f"the analyzer's {age}-day window" if age is not None else "the analyzer's window"

    def inside(when: datetime) -> bool:
        return age is not None and (now - when).days < age

    def late(when: datetime) -> str:
        behind = found.analyzed_at is not None and when > found.analyzed_at
        return ", after the analyzer's last analysis" if behind else ""

    if detail.actions:
        tracked = {_action_name(t.action): t for t in seen.tracked_actions}
        for action in detail.actions:
            mine = tracked.get(_action_name(action))
            if mine is not None and mine.last_accessed and inside(mine.last_accessed):
                return True, (
                    f"{ns}: the analyzer calls {action} unused, iamtui saw it used "
                    f"{_on(mine.last_accessed)} (inside {window}{late(mine.last_accessed)})"
                )
        shown = ", ".join(detail.actions[:3]) + ("…" if len(detail.actions) > 3 else "")
        service = f"a service iamtui saw used {_on(used)}" if used else "a service"
        return False, (
            f"{ns}: unused actions ({shown}) inside {service}; iamtui judges whole services"
        )
    if used is None:
        return False, f"{ns}: iamtui saw it unused too (below iamtui's threshold or suppressed?)"
    if inside(used):
        return True, (
            f"{ns}: the analyzer calls it unused, iamtui saw it used {_on(used)} "
            f"(inside {window}{late(used)})"
        )
    if age is None:
        return False, f"{ns}: iamtui saw it used {_on(used)}; the analyzer's window is unknown"
    return False, (
        f"{ns}: iamtui saw it last used {_on(used)}, {_days_ago(_days(now, used) or 0)}: "
        f"past {window}"
    )


def permission_verdict(
    found: AnalyzerFinding,
    details: Sequence[UnusedDetail],
    last: LastAccessed | None,
    age: int | None,
    now: datetime,
) -> tuple[Verdict, str]:
    """An UnusedPermission finding iamtui has no finding for, namespace by namespace from its
    details (GetFindingV2): *disagrees* only when iamtui saw the same service (or action) used
    inside the analyzer's own window, never on silence or a different window."""
    if last is None:
        return Verdict.ANALYZER_ONLY, "iamtui has no last-accessed data for it yet"
    named = [d for d in details if d.kind == "permission"]
    if not named:
        return Verdict.UNKNOWN, DETAILS_NOT_READ
    judged = [_namespace_verdict(d, last, found, age, now) for d in named]
    contrary = [why for against, why in judged if against]
    if contrary:
        return Verdict.DISAGREES, "; ".join(contrary)
    return Verdict.ANALYZER_ONLY, "; ".join(why for _, why in judged)


def _iamtui_silent(
    snapshot: AccountSnapshot,
    lookup: _Lookup,
    found: AnalyzerFinding,
    thresholds: Thresholds,
    now: datetime,
    details: Mapping[str, Sequence[UnusedDetail]] | None = None,
    age: int | None = None,
) -> tuple[Verdict, str]:
    """An analyzer finding iamtui has no finding for: disagreement when iamtui saw use."""
    kind = found.finding_type
    if kind not in RULES_OF_TYPE:
        return Verdict.ANALYZER_ONLY, "iamtui has no rule for this finding type"
    if found.resource_arn not in lookup.roles and found.resource_arn not in lookup.users:
        return Verdict.ANALYZER_ONLY, "not in iamtui's snapshot (deleted or created since?)"
    threshold = _threshold(kind, thresholds)
    if kind == AnalyzerFindingType.UNUSED_PERMISSION:
        last = snapshot.last_accessed.get(found.resource_arn)
        read = details.get(found.finding_id) if details is not None else None
        if last is not None and read is None:
            return Verdict.UNKNOWN, DETAILS_NOT_READ
        return permission_verdict(found, read or (), last, age, now)
    idle = _idle_days(lookup, kind, found.resource_arn, now)
    if idle is None:
        return Verdict.ANALYZER_ONLY, "iamtui cannot tell from its data"
    if idle < threshold:
        nouns: dict[str, str] = {
            AnalyzerFindingType.UNUSED_ROLE: "the role (RoleLastUsed)",
            AnalyzerFindingType.UNUSED_PASSWORD: "the password",
        }
        noun = nouns.get(kind, "an active key")
        analyzed = _days(now, found.analyzed_at)
        since = (
            " (after the analyzer's last analysis)"
            if analyzed is not None and analyzed > idle
            else ""
        )
        return (
            Verdict.DISAGREES,
            f"iamtui saw {noun} used {_days_ago(idle)}{since}, within its {threshold}-day "
            "threshold",
        )
    return Verdict.ANALYZER_ONLY, f"unused {idle} days; iamtui's rule is quiet (suppressed?)"


def _analyzer_silent(
    lookup: _Lookup,
    kind: str,
    arn: str,
    state: AnalyzerFindings,
    thresholds: Thresholds,
    now: datetime,
) -> tuple[Verdict, str]:
    """An iamtui finding the analyzer has no ACTIVE finding for: the windows explain most."""
    if not state.complete:
        return (
            Verdict.UNKNOWN,
            "only the first page(s) of the analyzer's findings were read; open the review to "
            "read this principal's",
        )
    age = state.unused_access_age
    threshold = _threshold(kind, thresholds)
    idle = _idle_days(lookup, kind, arn, now)
    if age is not None and idle is not None and idle < age:
        return (
            Verdict.IAMTUI_ONLY,
            f"unused {idle} days: inside the analyzer's {age}-day window "
            f"(iamtui's threshold is {threshold})",
        )
    if age is None:
        windows = f"the analyzer's window is unknown, iamtui's is {threshold} days"
    elif age == threshold:
        windows = f"the same {age}-day window"
    else:
        windows = f"the analyzer's window is {age} days, iamtui's {threshold}"
    unused = f"; unused {idle} days" if idle is not None else ""
    return (
        Verdict.IAMTUI_ONLY,
        f"no ACTIVE analyzer finding ({windows}{unused}): archived, excluded by an analysis "
        "rule, or not analyzed yet (iamtui cannot tell which)",
    )


def compare(
    snapshot: AccountSnapshot,
    findings: Sequence[Finding],
    thresholds: Thresholds,
    now: datetime,
    details: Mapping[str, Sequence[UnusedDetail]] | None = None,
) -> SecondOpinion:
    """Compare iamtui's findings with the analyzer's, resource by resource (pure); ``details``
    (finding id -> GetFindingV2 details, where read) lets unused permissions be compared per
    namespace."""
    compared = [f for f in findings if f.rule in TYPE_OF_RULE]
    reason = unavailable_reason(snapshot)
    state = snapshot.analyzer_findings
    if reason is not None or state is None:
        why = reason or NO_ANALYZER
        by_finding = {
            f.id: Opinion(
                Verdict.UNAVAILABLE, f.principal_arn, TYPE_OF_RULE[f.rule], (f.id,), reason=why
            )
            for f in compared
        }
        return SecondOpinion(why, by_finding)
    lookup = _Lookup.of(snapshot)
    mine: dict[tuple[str, str], list[Finding]] = {}
    for f in compared:
        mine.setdefault((f.principal_arn, TYPE_OF_RULE[f.rule]), []).append(f)
    theirs: dict[tuple[str, str], AnalyzerFinding] = {}
    for found in state.findings:
        theirs.setdefault((found.resource_arn, found.finding_type), found)
    by: dict[str, Opinion] = {}
    for (arn, kind), ours in mine.items():
        ids = tuple(f.id for f in ours)
        match = theirs.get((arn, kind))
        if match is not None:
            opinion = Opinion(Verdict.AGREES, arn, kind, ids, match)
        else:
            verdict, why = _analyzer_silent(lookup, kind, arn, state, thresholds, now)
            opinion = Opinion(verdict, arn, kind, ids, reason=why)
        by.update(dict.fromkeys(ids, opinion))
    alone = []
    for (arn, kind), found in sorted(theirs.items()):
        if (arn, kind) in mine:
            continue
        verdict, why = _iamtui_silent(
            snapshot, lookup, found, thresholds, now, details, state.unused_access_age
        )
        alone.append(Opinion(verdict, arn, kind, (), found, why))
    return SecondOpinion(None, by, tuple(alone), state.unused_access_age)


def summary_lines(opinion: SecondOpinion) -> Iterable[str]:
    """What a text report prints: the counts, then every analyzer-only finding."""
    if opinion.unavailable is not None:
        yield f"Access Analyzer: {opinion.unavailable}"
        return
    counts: dict[Verdict, int] = {}
    for o in {id(o): o for o in opinion.by_finding.values()}.values():
        counts[o.verdict] = counts.get(o.verdict, 0) + 1
    for o in opinion.analyzer_only:
        counts[o.verdict] = counts.get(o.verdict, 0) + 1
    age = f", unusedAccessAge {opinion.unused_access_age} days" if opinion.unused_access_age else ""
    shown = ", ".join(f"{n} {v.value}" for v, n in sorted(counts.items())) or "nothing to compare"
    yield f"Access Analyzer second opinion{age}: {shown}"
    for o in opinion.analyzer_only:
        yield f"  {o.resource_arn}: {o.line()}"
