"""The Overview pane's figures: the account's state at a glance, computed here, drawn by the UI.

Every figure is counted from the same data the other panes show, the same way they count it
(active key slots as the Access keys pane lists them, console and MFA as the Users pane's
columns, unused roles and root checks as the findings and Root pane), so the numbers agree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from iamtui.core.findings import AccountIndex, Evaluation, PrincipalKind
from iamtui.core.model import AccountSnapshot
from iamtui.core.output import data_age

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


def _age_bucket(age: timedelta) -> int:
    for n, (_label, bound) in enumerate(KEY_AGE_BUCKETS):
        if bound is None or age < timedelta(days=bound):
            return n
    return len(KEY_AGE_BUCKETS) - 1


def _key_ages(snapshot: AccountSnapshot, index: AccountIndex, now: datetime) -> tuple[Bar, ...]:
    """Active key slots of live users (the Access keys pane's Active rows), bucketed."""
    counts = [0] * (len(KEY_AGE_BUCKETS) + 1)
    unknown = 0
    for row, _user in index.live_rows:
        for key in row.keys:
            if not key.active:
                continue
            if not isinstance(key.last_used, datetime):
                counts[-1] += 1
            elif isinstance(key.last_rotated, datetime):
                counts[_age_bucket(now - key.last_rotated)] += 1
            else:
                unknown += 1
    tones = ("ok", "", "warn", "bad", "bad")
    labels = [label for label, _bound in KEY_AGE_BUCKETS] + [NEVER_USED]
    bars = [Bar(label, n, tone) for label, n, tone in zip(labels, counts, tones, strict=True)]
    if unknown:
        bars.append(Bar("age unknown", unknown, "muted"))
    return tuple(bars)


def _root(snapshot: AccountSnapshot, evaluation: Evaluation) -> RootStatus:
    summary = snapshot.summary
    skipped = {n.rule.id for n in evaluation.not_evaluated}
    failing = {
        f.rule
        for f in evaluation.findings
        if f.active
        and f.principal_kind in (PrincipalKind.ROOT, PrincipalKind.ACCOUNT)
        and f.rule.startswith(("root.", "account."))
        and f.rule not in skipped
    }
    return RootStatus(
        summary.mfa_enabled if summary is not None else None,
        summary.access_keys_present if summary is not None else None,
        len(failing),
    )


def compute(
    snapshot: AccountSnapshot,
    evaluation: Evaluation,
    now: datetime,
    *,
    index: AccountIndex | None = None,
) -> Overview:
    """The overview of one snapshot and its evaluation at ``now`` (pure; milliseconds)."""
    index = index or AccountIndex(snapshot)
    key_ages = _key_ages(snapshot, index, now)
    active = evaluation.active
    severities = tuple(Bar(sev.label, n, sev.label) for sev, n in evaluation.counts().items())
    by_practice = Counter(f.practice.name for f in active)
    practices = tuple(
        Bar(name, n) for name, n in sorted(by_practice.items(), key=lambda i: (-i[1], i[0]))
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
    unused = {f.principal_arn for f in active if f.rule == UNUSED_ROLE_RULE}
    principals = {u.arn for u in snapshot.users} | {r.arn for r in snapshot.roles}
    freshness = Freshness(
        report.generated_at if report is not None else None,
        data_age(snapshot, now),
        snapshot.loaded_at,
        max(now - snapshot.loaded_at, timedelta(0)),
        sum(1 for arn in snapshot.last_accessed if arn in principals),
        len(principals),
    )
    return Overview(
        key_ages=key_ages,
        active_keys=sum(b.count for b in key_ages),
        severities=severities,
        findings=len(active),
        suppressed=len(evaluation.findings) - len(active),
        practices=practices,
        console_mfa=(Bar("with MFA", with_mfa, "ok"), Bar("without MFA", without, "bad")),
        users=len(snapshot.users),
        unused_roles=len(unused),
        roles=len(snapshot.roles),
        root=_root(snapshot, evaluation),
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
