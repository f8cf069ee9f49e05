"""The fleet's vocabulary: who is read (targets), what became of each account, the options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from iamtui.core.findings import Evaluation
from iamtui.core.model import AccountSnapshot, CallerIdentity
from iamtui.core.session import ConnectionProblem

#: The role AWS Organizations creates in every account it creates (not in invited ones).
DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
DEFAULT_CONCURRENCY = 8
#: The calls listing a fleet sends from the caller's account (the read-only policy lists them).
LISTING_ACTIONS = (
    "sts:GetCallerIdentity",
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListRoots",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListAccountsForParent",
    "iam:ListOrganizationsFeatures",
)
#: What reaching one account costs the caller: the role in it (the rest runs as that role).
REACH_ACTIONS = ("sts:AssumeRole",)


class Reason(StrEnum):
    """Why an account could not be read: the first word of "not reachable: why"."""

    ACCESS_DENIED = "access denied"
    THROTTLED = "throttled"
    TIMEOUT = "timeout"
    CREDENTIALS = "credentials refused"
    NETWORK = "endpoint unreachable"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Unreachable:
    """Why one account of the fleet was not read; the rest of the fleet is not affected."""

    reason: Reason
    detail: str

    def __str__(self) -> str:
        return f"not reachable: {self.reason}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Target:
    """One account to read: from Organizations (id known) or a profile (id known once read)."""

    account_id: str | None
    name: str
    #: The OU path under the root (``Workloads/Prod``); "" directly under the root; None unknown.
    ou: str | None = None
    #: The named profile that reaches it (``--profile``); None: through the assumed role.
    profile: str | None = None
    #: The caller's own account: read with the caller's credentials, no role assumed.
    direct: bool = False

    @property
    def label(self) -> str:
        """``name (id)`` for messages."""
        return f"{self.name} ({self.account_id})" if self.account_id else self.name


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """The figures an account row shows, taken before the snapshot is compacted."""

    users: int
    roles: int
    #: Root MFA on (GetAccountSummary); None when the summary did not load.
    root_mfa: bool | None
    #: Root holds access keys; None when the summary did not load.
    root_keys: bool | None
    #: Creation time of the oldest active user access key (credential report); None: none.
    oldest_active_key: datetime | None
    #: When the credential report was generated: the account's data is at least this old.
    report_generated_at: datetime | None
    requests: int
    #: Why root's missing MFA is no finding (a member root that may have no credentials at
    #: all under centralized root access: ``rules.root.member_root_unproven``); None: judged.
    root_mfa_unproven: str | None = None


@dataclass(frozen=True, slots=True)
class FleetAccount:
    """One account's outcome: evaluated (``evaluation`` set) or not reachable (``unreachable``)."""

    target: Target
    account_id: str
    name: str
    ou: str | None
    evaluation: Evaluation | None = None
    #: The snapshot without principal data (:func:`compact`): completeness, age, parts missing.
    snapshot: AccountSnapshot | None = None
    facts: AccountFacts | None = None
    unreachable: Unreachable | None = None
    attempts: int = 1
    #: The role ARNs assumed to reach it, in order (empty: the caller's own or a profile's).
    role_chain: tuple[str, ...] = ()

    @property
    def reachable(self) -> bool:
        """Loaded and evaluated."""
        return self.unreachable is None and self.evaluation is not None


@dataclass(frozen=True, slots=True)
class Skipped:
    """An account the fleet leaves out on purpose (filtered, or not ACTIVE in Organizations)."""

    account_id: str
    name: str
    why: str


@dataclass(frozen=True, slots=True)
class FleetListing:
    """Who the fleet covers, before any account is read."""

    targets: tuple[Target, ...]
    caller: CallerIdentity | None = None
    organization_id: str | None = None
    management_account_id: str | None = None
    skipped: tuple[Skipped, ...] = ()
    #: Why the OUs are unknown ("" when the tree was read).
    note: str = ""
    #: The organization's centralized root access features (None: the caller may not read them).
    root_features: tuple[str, ...] | None = None
    #: Requests the listing sent (the caller's account).
    requests: int = 0


@dataclass(frozen=True, slots=True)
class Fleet:
    """The whole run: every account's outcome, in the listing's order."""

    listing: FleetListing
    accounts: tuple[FleetAccount, ...]
    #: Every request sent: listing, AssumeRole calls and each account's load.
    requests: int
    started_at: datetime
    finished_at: datetime

    @property
    def reachable(self) -> tuple[FleetAccount, ...]:
        """Accounts read and evaluated."""
        return tuple(a for a in self.accounts if a.reachable)

    @property
    def unreachable(self) -> tuple[FleetAccount, ...]:
        """Accounts that could not be read (their findings are unknown)."""
        return tuple(a for a in self.accounts if not a.reachable)


@dataclass(frozen=True, slots=True)
class FleetProgress:
    """Counts for a progress view: accounts done, failed and running, of ``total``."""

    total: int
    done: int
    failed: int
    running: int
    #: The account whose state just changed, and that state ("running", "done", "failed",
    #: "waiting": backing off after throttling).
    account: str = ""
    state: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FleetOptions:
    """How to reach and pace the accounts (the CLI flags)."""

    role_name: str = DEFAULT_ROLE_NAME
    external_id: str | None = None
    #: RoleSessionName; None: ``iamtui-<caller name>`` (:func:`session_name`).
    session_name: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    #: ``--accounts``: ids or names, shell globs; empty means every account.
    include: tuple[str, ...] = ()
    #: ``--exclude``: ids or names, shell globs.
    exclude: tuple[str, ...] = ()
    #: Sends per call inside one account's load (botocore's adaptive retries): few, because
    #: the fleet backs the whole account off instead of one call waiting a minute.
    call_attempts: int = 3
    #: Loads of one account before it is reported throttled.
    account_attempts: int = 3
    #: Seconds before the second try of a throttled account; doubles each try, with jitter.
    backoff: float = 2.0
    #: Seconds one account may take (all tries) before it is reported as timed out.
    account_timeout: float = 600.0


#: The flags' defaults (a shared instance: FleetOptions is frozen).
DEFAULT_OPTIONS = FleetOptions()

FleetProgressCallback = Callable[[FleetProgress], None]
#: Called with each account's full snapshot before it is compacted (e.g. to save it to disk).
OnAccount = Callable[[FleetAccount, AccountSnapshot], None]


class FleetProblem(ConnectionProblem):
    """The fleet cannot be listed (not in an organization, not allowed): one line, exit 2."""


class AccountState:
    """Where one account is in the scan (the Accounts pane's status before the outcome)."""

    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class AccountLine:
    """One row of the Accounts pane: the target, where its scan is, and its outcome once known."""

    target: Target
    state: str = AccountState.PENDING
    #: What the state says more ("throttled: trying again in 2.1 s").
    detail: str = ""
    outcome: FleetAccount | None = None
    #: The outcome was taken from an account session (fresher than the scan).
    from_session: bool = False

    @property
    def key(self) -> str:
        """The row's key: the account id, else the profile (its id is known once read)."""
        return self.target.account_id or f"profile:{self.target.profile or self.target.name}"

    @property
    def account_id(self) -> str:
        """The account id, once known."""
        if self.outcome is not None and self.outcome.account_id:
            return self.outcome.account_id
        return self.target.account_id or ""
