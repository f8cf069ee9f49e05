"""State the emulated account has beyond what moto models: root, last-accessed usage, report timing.

moto has no root user, no service last-accessed data and builds the credential report live. The
fidelity layer answers those calls from an :class:`AccountExtras` per account id, which seeding code
(the demo account, tests) fills in directly. Times are aware UTC datetimes.
"""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

DEFAULT_ACCOUNT_ID = "123456789012"
#: One poll of ``report_generation_polls``: the first wait of a client polling with backoff.
REPORT_POLL = timedelta(seconds=0.5)
_KEY_ALPHABET = string.ascii_uppercase + string.digits


def new_key_id(prefix: str = "AKIA") -> str:
    """An access key id shaped like AWS's (AKIA long-term, ASIA temporary)."""
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


def new_secret() -> str:
    """A 40-character secret access key."""
    return secrets.token_urlsafe(30)[:40]


@dataclass
class RootKey:
    """One root access key, as the credential report's root row shows it."""

    active: bool
    last_rotated: datetime
    last_used: datetime | None = None
    last_used_region: str | None = None
    last_used_service: str | None = None
    #: Root's keys can sign requests in the emulator: such requests act as root.
    key_id: str = field(default_factory=new_key_id)
    secret: str = field(default_factory=new_secret, repr=False)


@dataclass
class RootState:
    """The root user's credentials, which moto does not model."""

    created: datetime = field(default_factory=lambda: datetime(2016, 3, 1, 9, 0, tzinfo=UTC))
    password_last_used: datetime | None = None
    password_last_changed: datetime | None = None
    mfa_enabled: bool = False
    #: Serial of root's virtual MFA device; None with mfa_enabled means a hardware device.
    mfa_virtual_serial: str | None = None
    #: When root's MFA device was enabled (shown on its virtual device); None means ``created``.
    mfa_enable_date: datetime | None = None
    keys: list[RootKey] = field(default_factory=list)
    #: Whether the account sits in an Organization with centralized root access enabled.
    centralized_root_access: bool = False


@dataclass
class Organization:
    """An AWS Organization as centralized root access sees it; shared by its accounts' extras."""

    organization_id: str
    management_account_id: str
    member_account_ids: set[str] = field(default_factory=set)
    all_features: bool = True
    #: Trusted access for IAM (``organizations enable-aws-service-access iam.amazonaws.com``).
    iam_trusted_access: bool = True
    #: The member account registered as IAM delegated administrator, if any.
    iam_delegated_admin: str | None = None
    #: Centralized root access features: ``RootCredentialsManagement``, ``RootSessions``.
    root_features: set[str] = field(default_factory=set)
    #: Account id -> name, for ListAccounts (unnamed accounts get a generated name).
    account_names: dict[str, str] = field(default_factory=dict)
    #: Account id -> state (ACTIVE unless listed: SUSPENDED, PENDING_CLOSURE), for ListAccounts.
    account_states: dict[str, str] = field(default_factory=dict)


@dataclass
class RootSession:
    """Credentials ``sts:AssumeRoot`` issued: root of ``account_id``, limited by a task policy."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    account_id: str
    task_policy_arn: str
    expiration: datetime
    #: The management-account principal that asked for it.
    issued_to: str


@dataclass
class ActionUsage:
    """Last use of one tracked action (action-level last-accessed data)."""

    action: str
    when: datetime
    region: str = "us-east-1"


@dataclass
class ServiceUsage:
    """Last authenticated use of one service by one principal."""

    namespace: str
    when: datetime
    region: str = "us-east-1"
    #: The entity that made the call (for a group: the member's ARN); defaults to the principal.
    entity: str | None = None
    actions: list[ActionUsage] = field(default_factory=list)


@dataclass
class ServiceCredential:
    """A service-specific credential (CodeCommit, Keyspaces, Bedrock), which moto does not model."""

    credential_id: str
    user_name: str
    service_name: str
    service_user_name: str
    created: datetime
    status: str = "Active"
    #: Bedrock API keys only (``CredentialAgeDays``); None: it never expires.
    expiration: datetime | None = None

    def status_at(self, now: datetime) -> str:
        """AWS reports a Bedrock API key past its expiry as Expired."""
        if self.expiration is not None and self.expiration <= now:
            return "Expired"
        return self.status


@dataclass
class TrailEvent:
    """One CloudTrail management event as event history keeps it (LookupEvents answers these).

    ``record`` is the event's full JSON record (``userIdentity``, ``sourceIPAddress``...), sent
    as the ``CloudTrailEvent`` string; the other fields are what LookupAttributes match on.
    """

    event_id: str
    event_name: str
    event_source: str
    event_time: datetime
    #: The region whose event history holds it (LookupEvents answers per region).
    region: str
    record: dict[str, Any]
    username: str | None = None
    access_key_id: str | None = None
    #: (ResourceType, ResourceName) pairs, e.g. ("AWS::IAM::Role", role ARN).
    resources: list[tuple[str, str]] = field(default_factory=list)
    read_only: bool = False


@dataclass
class ServerCertificateMeta:
    """What AWS says of a stored server certificate that moto answers with constants."""

    certificate_id: str
    uploaded: datetime
    #: The certificate body's NotAfter (None: the body could not be read).
    expiration: datetime | None


@dataclass
class RecommendationState:
    """One GenerateFindingRecommendation job of an unused-permission finding."""

    started: datetime
    #: GetFindingRecommendation calls answered IN_PROGRESS before it SUCCEEDS.
    polls_left: int = 1
    completed: datetime | None = None
    #: RecommendedStep entries, shaped like the API's (``unusedPermissionsRecommendedStep``).
    steps: list[dict[str, Any]] = field(default_factory=list)
    #: Set when the job FAILED: (code, message).
    error: tuple[str, str] | None = None


@dataclass
class AnalyzerFindingState:
    """One unused-access finding of an analyzer (shapes as ListFindingsV2 / GetFindingV2 send)."""

    id: str
    finding_type: str
    resource: str
    resource_type: str
    status: str
    created: datetime
    updated: datetime
    analyzed: datetime
    #: FindingDetails entries, each a one-key union (``unusedIamRoleDetails``: {...}).
    details: list[dict[str, Any]] = field(default_factory=list)
    #: What GenerateFindingRecommendation will answer (UnusedPermission findings only).
    recommended_steps: list[dict[str, Any]] = field(default_factory=list)
    recommendation: RecommendationState | None = None


@dataclass
class AnalyzerState:
    """One IAM Access Analyzer analyzer (moto has no Access Analyzer)."""

    name: str
    type: str = "ACCOUNT"
    status: str = "ACTIVE"
    created: datetime = field(default_factory=lambda: datetime(2024, 1, 15, 9, 0, tzinfo=UTC))
    #: Unused-access analyzers: ``configuration.unusedAccess.unusedAccessAge`` in days.
    unused_access_age: int = 90
    findings: list[AnalyzerFindingState] = field(default_factory=list)


@dataclass
class FrozenReport:
    """A generated credential report: AWS serves this same CSV until a newer one is generated."""

    content: str
    generated_at: datetime


@dataclass
class AccessJob:
    """One GenerateServiceLastAccessedDetails job; results are computed when it completes."""

    job_id: str
    arn: str
    granularity: str
    created: datetime
    polls_left: int
    completed: datetime | None = None
    #: ServiceLastAccessed entries, shaped like the IAM API response members.
    services: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RoleDeletion:
    """One DeleteServiceLinkedRole task and how it ended (AWS answers it asynchronously)."""

    task_id: str
    role_name: str
    status: str
    #: Resource ARNs that still use the role when the deletion FAILED.
    blocking_resources: list[str] = field(default_factory=list)


@dataclass
class AccountExtras:
    """Per-account emulator state outside moto, guarded by one lock (the server is threaded)."""

    account_id: str = DEFAULT_ACCOUNT_ID
    root: RootState = field(default_factory=RootState)
    #: principal ARN -> service namespace -> usage.
    usage: dict[str, dict[str, ServiceUsage]] = field(default_factory=dict)
    #: How long a generated credential report is reused (AWS: 4 hours).
    report_ttl: timedelta = timedelta(hours=4)
    #: How long a credential report takes to generate, on the real clock (a frozen ``clock``
    #: must not stall it). Zero: the first GenerateCredentialReport answers COMPLETE at once.
    report_generation_time: timedelta = timedelta(seconds=0.5)
    #: GetServiceLastAccessedDetails calls answered IN_PROGRESS before a job completes.
    last_accessed_polls: int = 1
    #: Service-linked role name -> resource ARNs using it: DeleteServiceLinkedRole then FAILS.
    service_linked_roles_in_use: dict[str, list[str]] = field(default_factory=dict)
    #: Where "now" comes from for emulator-made times (report, jobs); None means the real clock.
    clock: Callable[[], datetime] | None = field(default=None, repr=False)
    # State the fidelity layer keeps between calls (tests may read it; seeding rarely needs to).
    report: FrozenReport | None = None
    #: ``time.monotonic()`` at which the running report generation completes (None: none runs).
    report_ready_at: float | None = None
    access_jobs: dict[str, AccessJob] = field(default_factory=dict)
    role_deletions: dict[str, RoleDeletion] = field(default_factory=dict)
    #: user name -> its service-specific credentials.
    service_credentials: dict[str, list[ServiceCredential]] = field(default_factory=dict)
    #: Server certificate name (lower case) -> its id, upload date and expiration.
    server_certificates: dict[str, ServerCertificateMeta] = field(default_factory=dict)
    #: Region -> its IAM Access Analyzer analyzers (Access Analyzer is regional).
    analyzers: dict[str, list[AnalyzerState]] = field(default_factory=dict)
    #: Deleted access key ids: a request signed with one fails like on AWS.
    deleted_access_keys: set[str] = field(default_factory=set)
    #: The Organization this account belongs to (the same object for all its accounts).
    organization: Organization | None = None
    #: Access key id -> root session issued by sts:AssumeRoot for this account.
    root_sessions: dict[str, RootSession] = field(default_factory=dict)
    #: Access key id -> secret of credentials sts:GetSessionToken / GetFederationToken issued.
    session_keys: dict[str, str] = field(default_factory=dict)
    #: CloudTrail event history (management events, any order): seeded, never recorded live.
    trail_events: list[TrailEvent] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def report_generation_polls(self) -> int:
        """The generation time in half-second polls (older tests and scripts set this)."""
        return round(self.report_generation_time / REPORT_POLL)

    @report_generation_polls.setter
    def report_generation_polls(self, polls: int) -> None:
        self.report_generation_time = polls * REPORT_POLL

    def now(self) -> datetime:
        """The emulated account's current time (aware UTC), so tests can freeze it."""
        return self.clock() if self.clock is not None else datetime.now(UTC)

    def expire_report(self) -> None:
        """Age the current credential report past ``report_ttl`` (GetCredentialReport: expired)."""
        with self.lock:
            if self.report is not None:
                self.report.generated_at = self.now() - self.report_ttl - timedelta(seconds=1)

    def record_usage(
        self,
        principal_arn: str,
        namespace: str,
        when: datetime,
        region: str = "us-east-1",
        *,
        entity: str | None = None,
        actions: list[ActionUsage] | None = None,
    ) -> None:
        """Seed one service use for a principal (a later use of the same service replaces it)."""
        with self.lock:
            self.usage.setdefault(principal_arn, {})[namespace] = ServiceUsage(
                namespace=namespace, when=when, region=region, entity=entity, actions=actions or []
            )


_extras: dict[str, AccountExtras] = {}
_extras_lock = threading.Lock()


def extras(account_id: str = DEFAULT_ACCOUNT_ID) -> AccountExtras:
    """The extra state of one emulated account, created on first use."""
    with _extras_lock:
        if account_id not in _extras:
            _extras[account_id] = AccountExtras(account_id=account_id)
        return _extras[account_id]


def all_extras() -> list[AccountExtras]:
    """Every account with extra state (lookups by access key id span accounts)."""
    with _extras_lock:
        return list(_extras.values())


def reset_extras() -> None:
    """Forget all extra state (paired with moto's own reset)."""
    with _extras_lock:
        _extras.clear()
