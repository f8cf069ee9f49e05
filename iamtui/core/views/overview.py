"""The Overview pane's figures: the account's state at a glance, computed here, drawn by the UI.

Every figure is counted from the same data the other panes show, the same way they count it
(active key slots as the Access keys pane lists them, console and MFA as the Users pane's
columns, unused roles and root checks as the findings and Root pane), so the numbers agree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import compress
from operator import attrgetter, methodcaller, not_

from iamtui.core.findings import AccountIndex, Evaluation, PrincipalKind, Severity
from iamtui.core.model import AccountSnapshot
from iamtui.core.output import data_age
from iamtui.core.root import STEP_RULES

#: Key age buckets: (label, upper bound in days, exclusive); the last has no bound.
KEY_AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("under 90 days", 90),
    ("90-180 days", 180),
    ("180-365 days", 365),
    ("over a year", None),
)
NEVER_USED = "never used"
#: The rule whose findings are the unused roles.
UNUSED_ROLE_RULE = "role.unused"


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of a chart: what it counts, how many, and its tone (ok, warn, bad, a severity)."""

    label: str
    count: int
    tone: str = ""


@dataclass(frozen=True, slots=True)
class RootStatus:
    """Root as the account summary says (what the Root pane's facts show); None when unknown."""

    mfa: bool | None
    access_keys: bool | None
    #: Root and account checks that fail (the Root tab's count).
    failing_checks: int


@dataclass(frozen=True, slots=True)
class Freshness:
    """How old the data is and how much of it there is."""

    report_generated_at: datetime | None
    report_age: timedelta | None
    loaded_at: datetime
    snapshot_age: timedelta
    #: Users and roles with service last-accessed data loaded.
    last_accessed: int
    principals: int

    @property
    def last_accessed_text(self) -> str:
        """``last-accessed: 12 of 60 principals``: why rules that need it may be silent."""
        return f"last-accessed: {self.last_accessed} of {self.principals} principals"


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything the Overview pane draws."""

    #: Active access keys by age (since created or rotated); never-used keys in their own bar.
    key_ages: tuple[Bar, ...]
    active_keys: int
    #: Unsuppressed findings by severity, critical first (every severity present).
    severities: tuple[Bar, ...]
    findings: int
    suppressed: int
    #: Unsuppressed findings by the best practice their rule serves, most first.
    practices: tuple[Bar, ...]
    #: Console users (password enabled) with and without MFA.
    console_mfa: tuple[Bar, Bar]
    users: int
    unused_roles: int
    roles: int
    root: RootStatus
    freshness: Freshness
    not_evaluated: int

    @property
    def console_users(self) -> int:
        """Users who can sign in to the console."""
        return sum(b.count for b in self.console_mfa)


def _key_ages(index: AccountIndex, now: datetime) -> tuple[Bar, ...]:
    """Active key slots of live users (the Access keys pane's Active rows), bucketed."""
    #: A key rotated after since[n] is younger than bucket n's bound.
    since = [now - timedelta(days=bound) for _label, bound in KEY_AGE_BUCKETS if bound is not None]
    counts = [0] * (len(KEY_AGE_BUCKETS) + 1)
    unknown = 0
    for row, _user in index.live_rows:
        for key in row.keys:
            if not key.active:
                continue
            rotated = key.last_rotated
            if not isinstance(key.last_used, datetime):
                counts[-1] += 1
            elif isinstance(rotated, datetime):
                counts[next((n for n, t in enumerate(since) if rotated > t), len(since))] += 1
            else:
                unknown += 1
    tones = ("ok", "", "warn", "bad", "bad")
    labels = [label for label, _bound in KEY_AGE_BUCKETS] + [NEVER_USED]
    bars = [Bar(label, n, tone) for label, n, tone in zip(labels, counts, tones, strict=True)]
    if unknown:
        bars.append(Bar("age unknown", unknown, "muted"))
    return tuple(bars)


_ACCOUNT_KINDS = (PrincipalKind.ROOT, PrincipalKind.ACCOUNT)
#: The rules the Root pane lists (one check each).
_ACCOUNT_RULES = ("root.", "account.")
#: The rules the Root pane shows as hardening steps (account.no-support-role is not one): the
#: overview's failing count is the Root tab's.
_ROOT_PANE_RULES = frozenset(r.id for r in STEP_RULES.values())
_SUPPRESSED = attrgetter("suppressed")
_SEVERITY = attrgetter("severity")
_PRACTICE = attrgetter("practice.name")
_RULE = attrgetter("rule")
_ARN = attrgetter("principal_arn")


@dataclass(frozen=True, slots=True)
class _Tally:
    """Active findings counted (tens of thousands on a large account: at C speed, by ``map``)."""

    #: By severity value (an enum member hashes in Python, an int in C).
    severities: Counter[int]
    practices: Counter[str]
    unused_roles: frozenset[str]
    #: Root and account rules with an active finding: a failing Root pane check each.
    failing: frozenset[str]
    active: int
    suppressed: int


def _tally(evaluation: Evaluation) -> _Tally:
    found = evaluation.findings
    active = list(compress(found, map(not_, map(_SUPPRESSED, found))))
    rules = list(map(_RULE, active))
    unused = compress(map(_ARN, active), map(UNUSED_ROLE_RULE.__eq__, rules))
    # Few findings name root or the account: filter by rule id (C speed) before the kind.
    account = compress(active, map(methodcaller("startswith", _ACCOUNT_RULES), rules))
    return _Tally(
        Counter(map(int, map(_SEVERITY, active))),
        Counter(map(_PRACTICE, active)),
        frozenset(unused),
        frozenset(f.rule for f in account if f.principal_kind in _ACCOUNT_KINDS),
        len(active),
        len(found) - len(active),
    )


def compute(
    snapshot: AccountSnapshot,
    evaluation: Evaluation,
    now: datetime,
    *,
    index: AccountIndex | None = None,
) -> Overview:
    """The overview of one snapshot and its evaluation at ``now`` (pure; one pass over each)."""
    index = index or AccountIndex(snapshot)
    key_ages = _key_ages(index, now)
    tally = _tally(evaluation)
    severities = tuple(
        Bar(sev.label, tally.severities[int(sev)], sev.label)
        for sev in sorted(Severity, reverse=True)
    )
    practices = tuple(
        Bar(name, n) for name, n in sorted(tally.practices.items(), key=lambda i: (-i[1], i[0]))
    )
    report = snapshot.credential_report
    rows = report.by_user() if report is not None else {}
    with_mfa = without = 0
    for user in snapshot.users:
        row = rows.get(user.name)
        if row is None or row.password_enabled is not True:
            continue
        if row.mfa_active:
            with_mfa += 1
        else:
            without += 1
    principals = {u.arn for u in snapshot.users} | {r.arn for r in snapshot.roles}
    freshness = Freshness(
        report.generated_at if report is not None else None,
        data_age(snapshot, now),
        snapshot.loaded_at,
        max(now - snapshot.loaded_at, timedelta(0)),
        sum(1 for arn in snapshot.last_accessed if arn in principals),
        len(principals),
    )
    summary = snapshot.summary
    skipped = {n.rule.id for n in evaluation.not_evaluated}
    root = RootStatus(
        summary.mfa_enabled if summary is not None else None,
        summary.access_keys_present if summary is not None else None,
        len((tally.failing - skipped) & _ROOT_PANE_RULES),
    )
    return Overview(
        key_ages=key_ages,
        active_keys=sum(b.count for b in key_ages),
        severities=severities,
        findings=tally.active,
        suppressed=tally.suppressed,
        practices=practices,
        console_mfa=(Bar("with MFA", with_mfa, "ok"), Bar("without MFA", without, "bad")),
        users=len(snapshot.users),
        unused_roles=len(tally.unused_roles),
        roles=len(snapshot.roles),
        root=root,
        freshness=freshness,
        not_evaluated=len(evaluation.not_evaluated),
    )


#: Eighths of a cell, for bars finer than one character.
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar_text(count: int, top: int, width: int) -> str:
    """A bar ``width`` cells long at ``top``, in eighths of a cell; any non-zero count shows."""
    if count <= 0 or top <= 0 or width <= 0:
        return ""
    eighths = max(1, round(min(count, top) * width * 8 / top))
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")
