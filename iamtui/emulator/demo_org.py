"""The demo organization: eight emulated accounts, each with its own problems, one AWS Organization.

``iamtui scan --demo --org`` (and the TUI's Accounts pane, next) run against it. The management
account holds the operator; every other account has ``OrganizationAccountAccessRole`` trusting
the management account, as AWS Organizations creates it, except ``legacy``: it joined by
invitation, and AWS creates that role only in accounts Organizations creates ("Accessing member
accounts in your organization", AWS Organizations User Guide,
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html),
so assuming it is AccessDenied. ``analytics`` is over its API rate: every IAM call answers
Throttling. The organization uses centralized root access, both features on ("Centrally manage
root access for member accounts", IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html): the
management account's operator can delete ``production``'s root access key through
sts:AssumeRoot. Seeding goes through moto's backend objects (milliseconds per account).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from iamtui.emulator.fidelity.organizations import (
    CREDENTIALS_MANAGEMENT,
    ROOT_SESSIONS,
    add_unit,
    seed_organization,
    sync_root_flags,
)
from iamtui.emulator.seed import KeySpec, RootKeySpec, Seeder, trust_aws
from iamtui.emulator.state import Organization

MANAGEMENT = "111111111111"
SECURITY = "222222222222"
PRODUCTION = "333333333333"
STAGING = "444444444444"
DEVELOPMENT = "555555555555"
SANDBOX = "666666666666"
#: Joined by invitation: no OrganizationAccountAccessRole (AssumeRole is AccessDenied).
LEGACY = "777777777777"
#: Over its API rate: every IAM call answers Throttling.
ANALYTICS = "888888888888"
NAMES: Mapping[str, str] = {
    MANAGEMENT: "management",
    SECURITY: "security",
    PRODUCTION: "production",
    STAGING: "staging",
    DEVELOPMENT: "development",
    SANDBOX: "sandbox",
    LEGACY: "legacy",
    ANALYTICS: "analytics",
}
ROLE_NAME = "OrganizationAccountAccessRole"
#: The operator in the management account that iamtui runs as.
OPERATOR_USER = "org-operator"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@dataclass(frozen=True)
class DemoOrganization:
    """What was seeded: the organization and the operator's key in the management account."""

    organization: Organization
    access_key_id: str
    secret_access_key: str


def _access_role(s: Seeder) -> None:
    """The role AWS Organizations creates in an account it creates, trusting the management."""
    s.role(
        ROLE_NAME,
        trust=trust_aws(f"arn:aws:iam::{MANAGEMENT}:root"),
        managed=[ADMIN],
        created=s.ago(900),
        last_used=s.ago(1),
    )


def _management(s: Seeder) -> tuple[str, str]:
    s.alias("acme-management")
    s.root(
        created=s.ago(2000),
        password_last_used=s.ago(3),
        keys=[RootKeySpec(created=s.ago(1500), last_used=s.ago(200))],
    )
    s.user(OPERATOR_USER, path="/ops/", created=s.ago(400), managed=[ADMIN], mfa="virtual")
    s.user(
        "billing-bot",
        created=s.ago(700),
        keys=[KeySpec(created=s.ago(650), last_used=s.ago(300))],
    )
    key = s.backend.create_access_key(OPERATOR_USER)
    return str(key.access_key_id), str(key.secret_access_key)


def _security(s: Seeder) -> None:
    s.alias("acme-security")
    s.root(created=s.ago(1800), mfa="hardware")
    _access_role(s)
    s.user(
        "auditor", created=s.ago(500), password=True, password_last_used=s.ago(2), managed=[ADMIN]
    )


def _production(s: Seeder) -> None:
    s.alias("acme-production")
    s.root(created=s.ago(1700), keys=[RootKeySpec(created=s.ago(1600), last_used=s.ago(40))])
    _access_role(s)
    s.user(
        "deploy",
        created=s.ago(900),
        keys=[KeySpec(created=s.ago(880), last_used=s.ago(1))],
        managed=[ADMIN],
    )
    s.user(
        "former-contractor",
        created=s.ago(600),
        password=True,
        password_last_used=s.ago(400),
        keys=[KeySpec(created=s.ago(590), last_used=s.ago(380))],
    )


def _staging(s: Seeder) -> None:
    s.alias("acme-staging")
    s.root(created=s.ago(1500), mfa="virtual")
    _access_role(s)
    s.role("old-batch-job", trust=trust_aws(f"arn:aws:iam::{STAGING}:root"), created=s.ago(800))
    s.user("qa", created=s.ago(300), keys=[KeySpec(created=s.ago(290))])


def _development(s: Seeder) -> None:
    s.alias("acme-development")
    s.root(created=s.ago(1400), mfa="virtual")
    _access_role(s)
    s.user(
        "dev-alice",
        created=s.ago(500),
        keys=[
            KeySpec(created=s.ago(480), last_used=s.ago(2)),
            KeySpec(created=s.ago(20), last_used=s.ago(1)),
        ],
        inline={
            "everything": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        },
    )


def _sandbox(s: Seeder) -> None:
    s.root(created=s.ago(300), mfa="virtual")
    _access_role(s)
    s.user("sandbox-user", created=s.ago(100), password=True, password_last_used=s.ago(5))


def _legacy(s: Seeder) -> None:
    s.alias("acme-legacy")
    s.root(created=s.ago(3000), password_last_used=s.ago(30))
    s.user(
        "ftp-upload", created=s.ago(2500), keys=[KeySpec(created=s.ago(2400), last_used=s.ago(900))]
    )


def _analytics(s: Seeder) -> None:
    s.alias("acme-analytics")
    s.root(created=s.ago(1000), mfa="hardware")
    _access_role(s)
    s.user("etl", created=s.ago(400), keys=[KeySpec(created=s.ago(390), last_used=s.ago(1))])
    s.extras.throttled = True


SEEDERS: Mapping[str, Callable[[Seeder], Any]] = {
    SECURITY: _security,
    PRODUCTION: _production,
    STAGING: _staging,
    DEVELOPMENT: _development,
    SANDBOX: _sandbox,
    LEGACY: _legacy,
    ANALYTICS: _analytics,
}


def seed_demo_organization(emulator: Any, now: datetime | None = None) -> DemoOrganization:
    """Seed every account of the demo organization; returns the operator's key."""
    now = now or datetime.now(UTC)
    org = seed_organization(
        MANAGEMENT,
        NAMES,
        organization_id="o-acmedemo01",
        features=(CREDENTIALS_MANAGEMENT, ROOT_SESSIONS),
    )
    org.account_names.update(NAMES)
    security = add_unit(org, "Security")
    workloads = add_unit(org, "Workloads")
    prod = add_unit(org, "Prod", workloads)
    nonprod = add_unit(org, "NonProd", workloads)
    sandbox = add_unit(org, "Sandbox")
    org.account_parents.update(
        {
            SECURITY: security,
            PRODUCTION: prod,
            ANALYTICS: prod,
            STAGING: nonprod,
            DEVELOPMENT: nonprod,
            SANDBOX: sandbox,
        }
    )
    key_id, secret = _management(
        Seeder(emulator.backend(MANAGEMENT), emulator.extras(MANAGEMENT), now)
    )
    for account_id, seed in SEEDERS.items():
        seed(Seeder(emulator.backend(account_id), emulator.extras(account_id), now))
    sync_root_flags(org)  # each account's root state was replaced by its seeder
    return DemoOrganization(org, key_id, secret)


def start_demo_organization(*, now: datetime | None = None, port: int = 0) -> Any:
    """The emulator on loopback with the demo organization; iamtui runs as the management
    account's operator (a :class:`~iamtui.emulator.run.DemoEnvironment`)."""
    from iamtui.emulator import require_moto

    require_moto()
    from iamtui.emulator.run import DemoEnvironment
    from iamtui.emulator.server import Emulator

    emulator = Emulator(port=port, trusted_keys={}).start()
    try:
        emulator.reset()
        seeded = seed_demo_organization(emulator, now)
    except BaseException:
        emulator.stop()
        raise
    return DemoEnvironment(emulator, seeded, seeded.access_key_id, seeded.secret_access_key)
