"""The findings engine: rules turn an AccountSnapshot into Findings, or say why they could not.

A rule that lacks its data is reported as :class:`NotEvaluated`, never as a silent pass: an
empty list of findings must mean "checked and clean". Rules never read the clock; ``now`` is
injected so results are reproducible and testable.
"""

from __future__ import annotations

import bisect
import contextlib
import enum
import gc
import heapq
import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property, lru_cache
from itertools import compress
from operator import attrgetter, not_
from typing import TypeAlias, TypeGuard

from iamtui.core.durations import duration
from iamtui.core.ids import ActionId
from iamtui.core.model import (
    AccountSnapshot,
    CredentialReport,
    CredentialReportRow,
    Group,
    ManagedPolicy,
    Missing,
    Part,
    PolicyDocument,
    ReportDate,
    Role,
    User,
)
from iamtui.core.policy import (
    TrustAnalysis,
    WildcardGrants,
    analyse_trust,
    wildcard_grants,
)
from iamtui.core.settings import Settings, Suppression, Thresholds
from iamtui.core.subjects import Fix

log = logging.getLogger(__name__)

#: Exact values behind a finding: ISO dates, regions, services, policy names, counts.
EvidenceValue: TypeAlias = (
    "str | int | bool | tuple[EvidenceValue, ...] | Mapping[str, EvidenceValue] | None"
)
Evidence: TypeAlias = Mapping[str, EvidenceValue]


class Severity(enum.IntEnum):
    """Ordered so thresholds like ``--fail-on high`` are a comparison."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        """The lower-case name used in config, JSON and on screen."""
        return self.name.lower()

    def __str__(self) -> str:
        return self.label

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Accept ``high``/``HIGH``; raise ValueError naming the choices otherwise."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {choices})") from None


class PrincipalKind(enum.StrEnum):
    """What a finding is about, so UIs can route it to the right view."""

    USER = "user"
    ROLE = "role"
    GROUP = "group"
    POLICY = "policy"
    ROOT = "root"
    ACCOUNT = "account"
    #: A virtual MFA device assigned to nobody: an account resource, not a principal.
    MFA_DEVICE = "mfa-device"
    #: A server certificate stored in IAM: an account resource, not a principal.
    SERVER_CERTIFICATE = "server-certificate"
    #: An instance profile: an account resource that carries a role onto EC2 instances.
    INSTANCE_PROFILE = "instance-profile"
    #: An OIDC or SAML identity provider that role trust policies name as ``Federated``.
    IDENTITY_PROVIDER = "identity-provider"


@dataclass(frozen=True, slots=True)
class Practice:
    """The AWS best practice a rule serves, so a finding explains itself."""

    name: str
    description: str


@dataclass(frozen=True, slots=True)
class KeyRef:
    """An access key as the credential report knows it (slot) and, when matched, its id."""

    slot: int
    key_id: str | None = None


@dataclass(frozen=True, slots=True)
class PrincipalRef:
    """Who a finding is about, independent of the model class."""

    kind: PrincipalKind
    arn: str
    name: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem with one principal (or key), with the evidence and the fixes.

    ``fixes`` name each action and the exact subject it would act on; code decides from them
    alone. ``evidence`` is for humans and JSON: nothing reads it back to choose an action.
    """

    rule: str
    severity: Severity
    principal_arn: str
    principal_name: str
    principal_kind: PrincipalKind
    summary: str
    practice: Practice
    evidence: Evidence = field(default_factory=dict)
    fixes: tuple[Fix, ...] = ()
    key: KeyRef | None = None
    #: Other AWS accounts the finding is about (cross-account trust): suppressions can name them.
    accounts: tuple[str, ...] = ()
    suppressed: Suppression | None = None

    @property
    def actions(self) -> tuple[ActionId, ...]:
        """The actions its fixes offer, each once, in order (what scans print)."""
        return tuple(dict.fromkeys(fix.action for fix in self.fixes))

    @property
    def id(self) -> str:
        """Stable across loads while the problem persists: ``rule:principal_arn[:key slot]``."""
        base = f"{self.rule}:{self.principal_arn}"
        return f"{base}:{self.key.slot}" if self.key else base

    @property
    def active(self) -> bool:
        """Not suppressed: counts toward totals and ``--fail-on``."""
        return self.suppressed is None


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of the account a rule could see, when that can be less than all of it."""

    rule: str
    covered: int
    total: int
    #: What was counted, e.g. "users in the credential report".
    unit: str

    @property
    def complete(self) -> bool:
        """Everything was checked."""
        return self.covered >= self.total

    def __str__(self) -> str:
        return f"{self.covered} of {self.total} {self.unit}"


class NotEvaluable(Exception):
    """Raised by a rule that finds, mid-way, that its data is missing."""


CheckFn: TypeAlias = Callable[["Context"], Iterable[Finding]]
CoverageFn: TypeAlias = Callable[["Context"], Coverage]


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    """A self-contained check: what it serves, what data it needs, and how it judges."""

    id: str
    title: str
    practice: Practice
    severity: Severity
    check: CheckFn
    #: Parts that must all be loaded.
    needs: frozenset[Part] = frozenset()
    #: Parts of which at least one must be loaded (rules with a fallback source).
    needs_any: frozenset[Part] = frozenset()
    #: Needs service last-accessed data for at least one principal.
    needs_last_accessed: bool = False
    #: Reads per-user data fetched on demand (opening a user), which no scan loads: without
    #: it the rule is not evaluated, as data not requested rather than data that failed.
    needs_user_details: bool = False
    coverage: CoverageFn | None = None
    #: Each finding depends only on its own principal (plus groups and policies), so a change
    #: to one user or role re-runs the rule for that principal alone (``evaluate_changes``).
    per_principal: bool = False
    #: Account-wide findings computed from every user's or role's data (group memberships,
    #: attachments): a change to any principal re-runs it in full (``evaluate_changes``).
    reads_principals: bool = False


def rule(
    id: str,
    title: str,
    *,
    practice: Practice,
    severity: Severity,
    needs: Collection[Part] = (),
    needs_any: Collection[Part] = (),
    needs_last_accessed: bool = False,
    needs_user_details: bool = False,
    coverage: CoverageFn | None = None,
    per_principal: bool = False,
    reads_principals: bool = False,
) -> Callable[[CheckFn], Rule]:
    """Decorator turning a check function into a :class:`Rule` with its metadata on top."""

    def wrap(check: CheckFn) -> Rule:
        return Rule(
            id=id,
            title=title,
            practice=practice,
            severity=severity,
            check=check,
            needs=frozenset(needs),
            needs_any=frozenset(needs_any),
            needs_last_accessed=needs_last_accessed,
            needs_user_details=needs_user_details,
            coverage=coverage,
            per_principal=per_principal,
            reads_principals=reads_principals,
        )

    return wrap


@dataclass(frozen=True, slots=True)
class NotEvaluated:
    """A rule that did not run, and why: the opposite of a pass."""

    rule: Rule
    reason: str


# --- what rules see --------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def iso(when: datetime) -> str:
    """Evidence dates: UTC, second precision, ``Z`` suffix (cached: rules share report dates)."""
    utc = when if when.tzinfo is UTC else when.astimezone(UTC)
    return utc.isoformat(timespec="seconds")[:19] + "Z"


def report_value(value: ReportDate) -> str:
    """A credential-report date as evidence: ISO, or the report's own word (``N/A``...)."""
    return value.value if isinstance(value, Missing) else iso(value)


def partition_of(snapshot: AccountSnapshot) -> str:
    """``aws``, ``aws-cn`` or ``aws-us-gov``, from any ARN the snapshot holds."""
    arn = snapshot.caller.arn if snapshot.caller else next((u.arn for u in snapshot.users), "")
    parts = arn.split(":")
    return parts[1] if len(parts) > 1 and parts[1] else "aws"


_KINDS: Mapping[type, PrincipalKind] = {
    User: PrincipalKind.USER,
    Role: PrincipalKind.ROLE,
    Group: PrincipalKind.GROUP,
    ManagedPolicy: PrincipalKind.POLICY,
}


def subject(principal: User | Role | Group | ManagedPolicy) -> PrincipalRef:
    """The PrincipalRef of a model object."""
    return PrincipalRef(_KINDS[type(principal)], principal.arn, principal.name)


_SECOND = timedelta(seconds=1)


LiveRows: TypeAlias = tuple[tuple[CredentialReportRow, User], ...]
#: The last ``live_rows`` with the report and users it came from: a patch re-evaluating a few
#: principals of an unchanged report reuses it instead of walking thousands of rows again.
_last_live_rows: tuple[CredentialReport, tuple[User, ...], LiveRows] | None = None


def _remember_live_rows(report: CredentialReport, users: tuple[User, ...], rows: LiveRows) -> None:
    global _last_live_rows
    _last_live_rows = (report, users, rows)


_Wildcards: TypeAlias = dict[str, tuple[PolicyDocument | None, str, WildcardGrants]]
#: The wildcard analyses of the last evaluation that made any: a patch re-evaluating a few
#: principals reuses those whose document is the very same object instead of parsing thousands.
_last_wildcards: _Wildcards = {}


_Trusts: TypeAlias = dict[str, tuple[PolicyDocument | None, TrustAnalysis]]
#: The trust analyses of the last evaluation: the next one (the same snapshot again, or a patch)
#: reuses those whose trust policy is the very same object instead of parsing thousands.
_last_trusts: _Trusts = {}


class AccountIndex:
    """Lookups built once per evaluation: rules walk thousands of principals."""

    def __init__(self, snapshot: AccountSnapshot) -> None:
        self.snapshot = snapshot
        self.users: dict[str, User] = {u.name: u for u in snapshot.users}
        self.groups: dict[str, Group] = {g.name: g for g in snapshot.groups}
        self.roles: dict[str, Role] = {r.name: r for r in snapshot.roles}
        self.policies: dict[str, ManagedPolicy] = {p.arn: p for p in snapshot.policies}
        self._trust: _Trusts = {}
        self._previous_trusts: _Trusts | None = None
        self._wildcards: _Wildcards = {}
        self._previous_wildcards: _Wildcards | None = None

    def trust(self, role: Role) -> TrustAnalysis:
        """The role's trust analysis, computed once for the trust rules (reused from the previous
        evaluation while the role's trust policy is the very same object, held by the entry)."""
        global _last_trusts
        document = role.trust_policy
        entry = self._trust.get(role.arn)
        if entry is None or entry[0] is not document:
            if self._previous_trusts is None:  # the first use publishes this index's entries
                self._previous_trusts = _last_trusts
                if len(self.snapshot.roles) > 64:  # not the few roles of a patch's scope
                    _last_trusts = self._trust
            entry = self._previous_trusts.get(role.arn)
            if entry is None or entry[0] is not document:
                entry = (document, analyse_trust(document))
            self._trust[role.arn] = entry
        return entry[1]

    @cached_property
    def probe_role(self) -> str:
        """A role ARN of this account that no policy names on purpose: a grant covering it
        covers every role."""
        partition = partition_of(self.snapshot)
        # Only characters a role name may hold, in an order no policy pattern names.
        return f"arn:{partition}:iam::{self.snapshot.account_id}:role/+=,.@-_iamtui-probe_-@.,=+"

    def wildcards(self, key: str, document: PolicyDocument | None) -> WildcardGrants:
        """The document's wildcard grants, computed once; ``key`` names the document (a managed
        policy's ARN, or ``principal ARN#inline name``).

        Entries of the previous evaluation are reused when they hold this very document object
        (held by the entry, so its identity cannot be recycled) and the same probe role.
        """
        global _last_wildcards
        probe = self.probe_role
        if self._previous_wildcards is None:  # the first use publishes this index's entries
            self._previous_wildcards, _last_wildcards = _last_wildcards, self._wildcards
        entry = self._wildcards.get(key)
        if entry is None or entry[0] is not document:
            entry = self._previous_wildcards.get(key)
            if entry is None or entry[0] is not document or entry[1] != probe:
                entry = (document, probe, wildcard_grants(document, probe))
            self._wildcards[key] = entry
        return entry[2]

    @cached_property
    def group_members(self) -> dict[str, int]:
        """Members per group name, from the users' group lists (groups list no members)."""
        counts: dict[str, int] = {}
        for user in self.snapshot.users:
            for name in user.groups:
                counts[name] = counts.get(name, 0) + 1
        return counts

    @cached_property
    def live_rows(self) -> LiveRows:
        """Report rows of users that still exist, paired with the user.

        A report can be hours old: a row whose user is gone was deleted since, and a row whose
        creation time differs from the user's is a previous user of the same name. Both are
        skipped: acting on them would target something that no longer exists.
        """
        report = self.snapshot.credential_report
        if report is None:
            return ()
        last = _last_live_rows
        if last is not None and last[0] is report and last[1] is self.snapshot.users:
            return last[2]  # the same report and users as the last evaluation (a patch)
        pairs = []
        for row in report.rows:
            user = self.users.get(row.user)
            if row.is_root or user is None:
                continue
            created = row.user_creation_time
            same = not isinstance(created, datetime) or abs(created - user.create_date) < _SECOND
            if same:
                pairs.append((row, user))
        found = tuple(pairs)
        if len(found) > 64:  # not the one-principal snapshots of a patch
            _remember_live_rows(report, self.snapshot.users, found)
        return found

    @staticmethod
    def is_live(row: CredentialReportRow, user: User) -> bool:
        """The report row is about this user, not root or a deleted user of the same name.

        The test ``live_rows`` applies to every row (inlined there: it walks thousands).
        """
        created = row.user_creation_time
        if row.is_root or row.user != user.name:
            return False
        return not isinstance(created, datetime) or abs(created - user.create_date) < _SECOND

    @cached_property
    def account_arn(self) -> str:
        """The account root ARN: the principal of root and account-wide findings."""
        return f"arn:{partition_of(self.snapshot)}:iam::{self.snapshot.account_id}:root"


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a rule may read: the snapshot, the injected ``now``, settings and lookups."""

    rule: Rule
    snapshot: AccountSnapshot
    now: datetime
    settings: Settings
    index: AccountIndex

    @property
    def thresholds(self) -> Thresholds:
        """Shortcut: rules read thresholds constantly."""
        return self.settings.thresholds

    def older_than(self, when: ReportDate | datetime | None, days: int) -> TypeGuard[datetime]:
        """A real date more than ``days`` before now; Missing and None are never "old"."""
        return isinstance(when, datetime) and self.now - when > timedelta(days=days)

    def within(self, when: ReportDate | datetime | None, days: int) -> TypeGuard[datetime]:
        """A real date no more than ``days`` before now."""
        return isinstance(when, datetime) and self.now - when <= timedelta(days=days)

    def ago(self, when: datetime) -> str:
        """Humanized age for summaries ("7 months"); clock skew reads as "a moment"."""
        return duration(max(self.now - when, timedelta(0)))

    def root(self) -> PrincipalRef:
        """The root user as a finding subject."""
        return PrincipalRef(PrincipalKind.ROOT, self.index.account_arn, "root")

    def account(self) -> PrincipalRef:
        """The account itself (password policy and other account-wide settings)."""
        name = self.snapshot.alias or self.snapshot.account_id
        return PrincipalRef(PrincipalKind.ACCOUNT, self.index.account_arn, name)

    def finding(
        self,
        about: PrincipalRef | User | Role | Group | ManagedPolicy,
        summary: str,
        *,
        evidence: Evidence | None = None,
        fixes: Iterable[Fix] = (),
        key: KeyRef | None = None,
        severity: Severity | None = None,
        accounts: Iterable[str] = (),
    ) -> Finding:
        """A finding of the running rule, with its id, severity and practice filled in."""
        ref = about if isinstance(about, PrincipalRef) else subject(about)
        return Finding(
            rule=self.rule.id,
            severity=severity if severity is not None else self.rule.severity,
            principal_arn=ref.arn,
            principal_name=ref.name,
            principal_kind=ref.kind,
            summary=summary,
            practice=self.rule.practice,
            evidence=evidence or {},
            fixes=tuple(fixes),
            key=key,
            accounts=tuple(accounts),
        )


# --- evaluation ------------------------------------------------------------------------------

_PART_LABELS: Mapping[Part, str] = {
    Part.CALLER: "caller identity",
    Part.CREDENTIAL_REPORT: "credential report",
    Part.AUTHORIZATION_DETAILS: "authorization details",
    Part.ACCOUNT_SUMMARY: "account summary",
    Part.ALIASES: "account aliases",
    Part.PASSWORD_POLICY: "password policy",
    Part.VIRTUAL_MFA: "virtual MFA devices",
    Part.SERVICE_CREDENTIALS: "service-specific credentials",
    Part.SERVER_CERTIFICATES: "server certificates",
    Part.ACCESS_ANALYZER: "IAM Access Analyzer",
    Part.ANALYZER_FINDINGS: "Access Analyzer unused-access findings",
    Part.INSTANCE_PROFILES: "instance profiles",
    Part.IDENTITY_PROVIDERS: "identity providers",
}

LAST_ACCESSED_HINT = "load it in the TUI or run `iamtui scan --last-accessed`"
#: The same hint in a fleet scan, which refuses --last-accessed (one job per principal per account).
FLEET_LAST_ACCESSED_HINT = "scan that account alone with `iamtui scan --last-accessed`"


def for_fleet(evaluation: Evaluation) -> Evaluation:
    """An account's evaluation as a fleet scan reports it: its hints name what works there."""
    return replace(
        evaluation,
        not_evaluated=tuple(
            replace(n, reason=n.reason.replace(LAST_ACCESSED_HINT, FLEET_LAST_ACCESSED_HINT))
            for n in evaluation.not_evaluated
        ),
    )


def part_missing(snapshot: AccountSnapshot, part: Part) -> str | None:
    """Why a part cannot be used, or None when it loaded."""
    label = _PART_LABELS.get(part, str(part))
    gone = snapshot.unavailable_part(part)
    if gone is not None:
        code = f" ({gone.code})" if gone.code else ""
        return f"{label} unavailable{code}: {gone.reason}"
    absent = {
        Part.CREDENTIAL_REPORT: snapshot.credential_report is None,
        Part.ACCOUNT_SUMMARY: snapshot.summary is None,
        Part.CALLER: snapshot.caller is None,
        Part.SERVICE_CREDENTIALS: snapshot.service_credentials is None,
        Part.SERVER_CERTIFICATES: snapshot.server_certificates is None,
        Part.ACCESS_ANALYZER: snapshot.access_analyzer is None,
        Part.INSTANCE_PROFILES: snapshot.instance_profiles is None,
        Part.IDENTITY_PROVIDERS: snapshot.identity_providers is None,
    }
    return f"{label} not loaded" if absent.get(part, False) else None


def _missing_data(rule: Rule, snapshot: AccountSnapshot) -> str | None:
    for part in sorted(rule.needs):
        reason = part_missing(snapshot, part)
        if reason:
            return reason
    if rule.needs_any:
        reasons = [part_missing(snapshot, part) for part in sorted(rule.needs_any)]
        if all(reasons):
            return "; ".join(r for r in reasons if r)
    if rule.needs_last_accessed and not snapshot.last_accessed:
        total = len(snapshot.users) + len(snapshot.roles)
        return f"last-accessed data not loaded (0 of {total} users and roles); {LAST_ACCESSED_HINT}"
    return None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of one evaluation: findings (suppressed ones included) and rules not run."""

    now: datetime
    findings: tuple[Finding, ...] = ()
    not_evaluated: tuple[NotEvaluated, ...] = ()
    evaluated: tuple[Rule, ...] = ()
    coverage: tuple[Coverage, ...] = ()
    #: Configured suppressions past their date: they no longer hide anything.
    expired_suppressions: tuple[Suppression, ...] = ()

    @property
    def active(self) -> tuple[Finding, ...]:
        """Findings nobody accepted."""
        return tuple(f for f in self.findings if f.suppressed is None)

    @property
    def suppressed(self) -> tuple[Finding, ...]:
        """Findings under a current suppression, kept visible with its reason."""
        return tuple(f for f in self.findings if f.suppressed is not None)

    def counts(self) -> dict[Severity, int]:
        """Unsuppressed findings per severity, every severity present, critical first."""
        counts = dict.fromkeys(sorted(Severity, reverse=True), 0)
        for f in self.active:
            counts[f.severity] += 1
        return counts

    def finding(self, finding_id: str) -> Finding | None:
        """Look a finding up by its stable id."""
        return next((f for f in self.findings if f.id == finding_id), None)

    def for_principal(self, arn: str) -> tuple[Finding, ...]:
        """Every finding about one principal (for detail views)."""
        return tuple(f for f in self.findings if f.principal_arn == arn)


def _suppress(finding: Finding, suppressions: Sequence[Suppression]) -> Finding:
    for s in suppressions:
        rule, arn, name = finding.rule, finding.principal_arn, finding.principal_name
        if s.matches(rule, arn, name, finding.accounts):
            return replace(finding, suppressed=s)
    return finding


#: Tie-break between principals of one name (a user and a role): the order rules walk them.
_KIND_ORDER: Mapping[PrincipalKind, int] = {k: i for i, k in enumerate(PrincipalKind)}

FindingOrder: TypeAlias = tuple[int, int, str, int, int, str]


def finding_order(rules: Sequence[Rule]) -> Callable[[Finding], FindingOrder]:
    """The sort key of ``Evaluation.findings`` when these rules were evaluated."""
    return _order_key({r.id: i for i, r in enumerate(rules)})


def _order_key(order: Mapping[str, int]) -> Callable[[Finding], FindingOrder]:
    """How findings are listed: worst first, then rule order, principal name and key slot."""

    def key(f: Finding) -> FindingOrder:
        return (
            -f.severity,
            order[f.rule],
            f.principal_name,
            f.key.slot if f.key else 0,
            _KIND_ORDER[f.principal_kind],
            f.principal_arn,
        )

    return key


_RuleResult: TypeAlias = "tuple[list[Finding], Coverage | None] | NotEvaluated"


@contextlib.contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """The cyclic collector paused: an evaluation allocates tens of thousands of findings that
    form no cycles, and each collection they trigger walks the whole snapshot (a third of the
    time at 5,000 + 5,000). Left as it was when something else had paused it."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _run(rule: Rule, ctx: Context, coverage_ctx: Context | None = None) -> _RuleResult:
    """One rule's findings and coverage, or why it could not run (a broken rule never raises)."""
    try:
        produced = list(rule.check(ctx))
        seen = rule.coverage(coverage_ctx or ctx) if rule.coverage else None
    except NotEvaluable as exc:
        return NotEvaluated(rule, str(exc))
    except Exception as exc:  # one broken rule must not hide the others' findings
        log.exception("rule %s failed", rule.id)
        return NotEvaluated(rule, f"rule failed: {type(exc).__name__}: {exc}")
    return produced, seen


def evaluate(
    snapshot: AccountSnapshot,
    *,
    now: datetime,
    rules: Sequence[Rule],
    settings: Settings | None = None,
) -> Evaluation:
    """Run ``rules`` against a snapshot at an injected, aware ``now`` (the built-in rules:
    ``iamtui.core.rules.evaluate``)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    with _without_cyclic_gc():
        return _evaluate(snapshot, now, rules, settings)


def _evaluate(
    snapshot: AccountSnapshot, now: datetime, rules: Sequence[Rule], settings: Settings | None
) -> Evaluation:
    settings = settings if settings is not None else Settings()
    today = now.astimezone(UTC).date()
    current = [s for s in settings.suppressions if not s.expired(today)]
    index = AccountIndex(snapshot)
    findings: list[Finding] = []
    skipped: list[NotEvaluated] = []
    ran: list[Rule] = []
    coverage: list[Coverage] = []
    for r in rules:
        reason = _missing_data(r, snapshot)
        if reason is not None:
            skipped.append(NotEvaluated(r, reason))
            continue
        result = _run(r, Context(r, snapshot, now, settings, index))
        if isinstance(result, NotEvaluated):
            skipped.append(result)
            continue
        produced, seen = result
        ran.append(r)
        if seen is not None:
            coverage.append(seen)
        findings.extend(_suppress(f, current) for f in produced)
    findings.sort(key=_order_key({r.id: i for i, r in enumerate(rules)}))
    return Evaluation(
        now=now,
        findings=tuple(findings),
        not_evaluated=tuple(skipped),
        evaluated=tuple(ran),
        coverage=tuple(coverage),
        expired_suppressions=tuple(s for s in settings.suppressions if s.expired(today)),
    )


def scoped_snapshot(snapshot: AccountSnapshot, principals: Collection[str]) -> AccountSnapshot:
    """The snapshot with only these users and roles (ARNs) and their report rows.

    Groups, policies, details and last-accessed data stay whole: per-principal rules look
    their principal's groups and policies up, never another user or role.
    """
    users = tuple(u for u in snapshot.users if u.arn in principals)
    roles = tuple(r for r in snapshot.roles if r.arn in principals)
    report = snapshot.credential_report
    if report is not None:
        names = {u.name for u in users}
        rows = tuple(row for row in report.rows if row.user in names)
        report = CredentialReport(report.generated_at, rows, report.root)
    return replace(snapshot, users=users, roles=roles, credential_report=report)


_BISECT_LIMIT = 64
_ARN = attrgetter("principal_arn")


def _kept(
    previous: Evaluation, scope: frozenset[str], keep_all: set[str], keep_others: set[str]
) -> list[Finding]:
    """Previous findings that stand: all of ``keep_all`` rules, others' outside ``scope``."""
    findings = previous.findings
    inside = list(map(scope.__contains__, map(_ARN, findings)))
    ran = {r.id for r in previous.evaluated}
    if ran <= keep_all | keep_others and not any(
        f.rule in keep_all for f in compress(findings, inside)
    ):
        return list(compress(findings, map(not_, inside)))  # the common case, at C speed
    return [
        f
        for f, about in zip(findings, inside, strict=True)
        if f.rule in keep_all or (f.rule in keep_others and not about)
    ]


def _reused(fresh: list[Finding], before: Mapping[str, Finding]) -> list[Finding]:
    """A full re-run's findings, each replaced by its previous object when equal: views patch
    by identity, and an unchanged finding must not look new."""
    return [old if (old := before.get(f.id)) == f else f for f in fresh]


def evaluate_changes(
    previous: Evaluation,
    snapshot: AccountSnapshot,
    *,
    principals: Collection[str],
    rules: Sequence[Rule],
    account_changed: bool = False,
    settings: Settings | None = None,
) -> Evaluation:
    """Re-evaluate after a change to a few principals, equal to ``evaluate`` at ``previous.now``.

    ``principals`` are the ARNs of the users and roles whose data changed; ``account_changed``
    says anything else changed too (report root row, summary, policies, password policy...).
    Per-principal rules re-run for those principals only and keep everyone else's findings;
    account-wide rules are kept unless account data changed (or, for rules that read every
    principal, any principal changed); a rule whose data became
    (un)available or that could not run before runs in full. The result, ordering and
    not-evaluated reasons included, is what a full evaluation of ``snapshot`` would give.
    """
    with _without_cyclic_gc():
        return _evaluate_changes(
            previous,
            snapshot,
            principals,
            rules,
            account_changed=account_changed,
            settings=settings,
        )


def _evaluate_changes(
    previous: Evaluation,
    snapshot: AccountSnapshot,
    principals: Collection[str],
    rules: Sequence[Rule],
    *,
    account_changed: bool,
    settings: Settings | None,
) -> Evaluation:
    now = previous.now
    settings = settings if settings is not None else Settings()
    today = now.astimezone(UTC).date()
    current = [s for s in settings.suppressions if not s.expired(today)]
    scope = frozenset(principals)
    ran_before = {r.id for r in previous.evaluated}
    old_coverage = {c.rule: c for c in previous.coverage}
    index = AccountIndex(snapshot)
    scoped: tuple[AccountSnapshot, AccountIndex] | None = None
    keep_all: set[str] = set()  # rules whose previous findings all stand
    keep_others: set[str] = set()  # rules whose findings stand except about ``scope``
    added: list[Finding] = []
    skipped: list[NotEvaluated] = []
    ran: list[Rule] = []
    coverage: list[Coverage] = []
    # Previous findings of the rules that re-run in full after any principal change, by id.
    reread: dict[str, dict[str, Finding]] = {
        r.id: {} for r in rules if r.reads_principals and r.id in ran_before
    }
    for f in previous.findings if reread else ():
        if f.rule in reread:
            reread[f.rule][f.id] = f
    for r in rules:
        reason = _missing_data(r, snapshot)
        if reason is not None:
            skipped.append(NotEvaluated(r, reason))
            continue
        ctx = Context(r, snapshot, now, settings, index)
        result: _RuleResult | None = None
        reads_scope = r.reads_principals and bool(scope)
        if r.id in ran_before and not r.per_principal and not account_changed and not reads_scope:
            keep_all.add(r.id)
            ran.append(r)
            if r.id in old_coverage:
                coverage.append(old_coverage[r.id])
            continue
        if r.id in ran_before and r.per_principal:
            if scoped is None:
                part = scoped_snapshot(snapshot, scope)
                scoped = part, AccountIndex(part)
            result = _run(r, Context(r, scoped[0], now, settings, scoped[1]), ctx)
            if isinstance(result, NotEvaluated) or any(
                f.principal_arn not in scope for f in result[0]
            ):
                result = None  # not per-principal after all here: run it in full
            else:
                keep_others.add(r.id)
        if result is None:
            result = _run(r, ctx)
        if isinstance(result, NotEvaluated):
            keep_others.discard(r.id)
            skipped.append(result)
            continue
        produced, seen = result
        ran.append(r)
        if seen is not None:
            coverage.append(seen)
        fresh = [_suppress(f, current) for f in produced]
        if r.id in reread:
            fresh = _reused(fresh, reread[r.id])
        added.extend(fresh)
    kept = _kept(previous, scope, keep_all, keep_others)
    key = _order_key({r.id: i for i, r in enumerate(rules)})
    added.sort(key=key)
    if len(added) > _BISECT_LIMIT:
        kept = list(heapq.merge(kept, added, key=key))
    else:  # a handful into thousands: bisect computes a few keys, not one per finding
        for f in added:
            kept.insert(bisect.bisect_right(kept, key(f), key=key), f)
    return Evaluation(
        now=now,
        findings=tuple(kept),
        not_evaluated=tuple(skipped),
        evaluated=tuple(ran),
        coverage=tuple(coverage),
        expired_suppressions=tuple(s for s in settings.suppressions if s.expired(today)),
    )
