"""State the emulated account has beyond what moto models: root, last-accessed usage, report timing.

moto has no root user, no service last-accessed data and builds the credential report live. The
fidelity layer answers those calls from an :class:`AccountExtras` per account id, which seeding code
(the demo account, tests) fills in directly. Times are aware UTC datetimes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

DEFAULT_ACCOUNT_ID = "123456789012"


@dataclass
class RootKey:
    """One root access key, as the credential report's root row shows it."""

    active: bool
    last_rotated: datetime
    last_used: datetime | None = None
    last_used_region: str | None = None
    last_used_service: str | None = None


@dataclass
class RootState:
    """The root user's credentials, which moto does not model."""

    created: datetime = field(default_factory=lambda: datetime(2016, 3, 1, 9, 0, tzinfo=UTC))
    password_last_used: datetime | None = None
    password_last_changed: datetime | None = None
    mfa_enabled: bool = False
    #: Serial of root's virtual MFA device; None with mfa_enabled means a hardware device.
    mfa_virtual_serial: str | None = None
    keys: list[RootKey] = field(default_factory=list)
    #: Whether the account sits in an Organization with centralized root access enabled.
    centralized_root_access: bool = False


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
class AccountExtras:
    """Per-account emulator state outside moto, guarded by one lock (the server is threaded)."""

    account_id: str = DEFAULT_ACCOUNT_ID
    root: RootState = field(default_factory=RootState)
    #: principal ARN -> service namespace -> usage.
    usage: dict[str, dict[str, ServiceUsage]] = field(default_factory=dict)
    #: How long a generated credential report is reused (AWS: 4 hours).
    report_ttl: timedelta = timedelta(hours=4)
    #: GenerateCredentialReport calls answered STARTED/INPROGRESS before COMPLETE.
    report_generation_polls: int = 1
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

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


def reset_extras() -> None:
    """Forget all extra state (paired with moto's own reset)."""
    with _extras_lock:
        _extras.clear()
