"""The demo account "Northwind Analytics" (``northwind-prod``), seeded in-process for demos/tests.

A realistic mid-size account (40 users, 30 roles) where every finding iamtui reports fires at
least once, next to the traps a careless tool gets wrong (a freshly rotated key, a role used in
another region, service-linked and Identity Center roles, a vendor trust with an ExternalId).
Every date is relative to the injected ``now``, so findings are stable across days.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from iamtui.core.session import ConnectionSettings
from iamtui.emulator.seed import (
    TRACKING_PERIOD,
    Document,
    KeySpec,
    RootKeySpec,
    Seeder,
    allow,
    trust_aws,
    trust_oidc,
    trust_saml,
    trust_service,
)
from iamtui.emulator.state import AccountExtras, ServiceCredential

ALIAS = "northwind-prod"
COMPANY = "Northwind Analytics"
#: A SaaS vendor trusted WITHOUT an ExternalId (confused-deputy risk).
VENDOR_ACCOUNT = "999988887777"
#: A monitoring vendor trusted WITH an ExternalId (the right way).
VENDOR_ACCOUNT_WITH_EXTERNAL_ID = "444455556666"
#: The organisation's security tooling account (trusted with an org condition).
SECURITY_ACCOUNT = "210987654321"
ORG_ID = "o-nw4k2x9q1z"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """Names of the demo principals that tests and docs refer to, grouped by what they show."""

    account_id: str
    alias: str
    # Users: access keys.
    stale_key_user: str
    never_used_key_user: str
    fresh_rotation_user: str
    two_keys_user: str
    inactive_key_user: str
    # Users: console and lifecycle.
    ex_employee: str
    ex_employees: tuple[str, ...]
    contractor_no_mfa: str
    never_logged_in_user: str
    password_unused_user: str
    new_hire: str
    virtual_mfa_user: str
    good_standing_users: tuple[str, ...]
    #: Users with no finding at all (everything granted is used, no keys, MFA on).
    clean_users: tuple[str, ...]
    partial_usage_user: str
    # Users: policies.
    direct_policy_user: str
    inline_admin_user: str
    # Machine users.
    ci_bot: str
    admin_bot: str
    never_used_bot: str
    break_glass: str
    # Groups and policies.
    admin_group: str
    developers_group: str
    groups: tuple[str, ...]
    unattached_policy: str
    boundary_policy: str
    # Roles.
    active_role: str
    other_region_role: str
    unused_role: str
    never_used_role: str
    new_role: str
    instance_profile_role: str
    lambda_role: str
    vendor_role: str
    vendor_role_external_id: str
    org_conditioned_role: str
    public_trust_role: str
    boundary_role: str
    oidc_role: str
    saml_role: str
    service_linked_roles: tuple[str, ...]
    sso_roles: tuple[str, ...]
    vendor_account: str


@dataclass(frozen=True, slots=True)
class _Team:
    """Where a team's users live and what they are billed to."""

    path: str
    name: str
    cost_center: str


def _tags(team: str, owner: str, cost_center: str, **extra: str) -> dict[str, str]:
    """Northwind's tagging standard: every principal names a team, an owner and a cost center."""
    return {"Team": team, "Owner": owner, "CostCenter": cost_center, **extra}


def _email(name: str) -> str:
    """Owners are tagged by email address."""
    return f"{name}@northwind-analytics.com"


class _Usage:
    """Records last-accessed data per principal and rolls it up to their groups, as AWS does.

    A key's last use is a use of its service by its user: the user's last-accessed entry for
    that service is never older than the key's last use (within the tracking period), and a
    record of an older use never moves an entry back in time.
    """

    def __init__(self, seeder: Seeder) -> None:
        """Collect per-user usage so group reports can name the most recent member."""
        self.seeder = seeder
        self.user_groups: dict[str, Sequence[str]] = {}
        self.group_latest: dict[str, dict[str, tuple[datetime, str, str]]] = {}
        #: (principal ARN, namespace) -> (latest use, its region, tracked actions' latest use).
        self.latest: dict[tuple[str, str], tuple[datetime, str, dict[str, datetime]]] = {}

    def record(
        self,
        principal: Any,
        namespace: str,
        days: float,
        region: str = "us-east-1",
        actions: Mapping[str, float] | None = None,
    ) -> None:
        """One service used ``days`` ago (fractions are hours) with optional tracked actions."""
        s = self.seeder
        tracked = {action: s.ago(ago) for action, ago in (actions or {}).items()}
        self.record_at(principal, namespace, s.ago(days), region, tracked)

    def record_keys(self, principal: Any, keys: Sequence[KeySpec]) -> None:
        """Each key's last use, as a use of its service by the user (as AWS records both)."""
        window_start = self.seeder.now - TRACKING_PERIOD
        for key in keys:
            if key.last_used is not None and key.last_used >= window_start:
                self.record_at(principal, key.service, key.last_used, key.region, {})

    def record_at(
        self,
        principal: Any,
        namespace: str,
        when: datetime,
        region: str,
        actions: Mapping[str, datetime],
    ) -> None:
        """Merge one use into the principal's entry for the service: the latest use wins."""
        seen = self.latest.get((principal.arn, namespace))
        tracked = dict(seen[2]) if seen is not None else {}
        for action, at in actions.items():
            tracked[action] = max(at, tracked.get(action, at))
        if seen is not None and seen[0] >= when:
            when, region = seen[0], seen[1]
        self.latest[(principal.arn, namespace)] = (when, region, tracked)
        self.seeder.usage(principal.arn, namespace, when, region, actions=tracked)
        for group_name in self.user_groups.get(principal.arn, ()):
            latest = self.group_latest.setdefault(group_name, {})
            if namespace not in latest or latest[namespace][0] < when:
                latest[namespace] = (when, region, principal.arn)

    def flush_groups(self, groups: Mapping[str, Any]) -> None:
        """Write each group's per-service latest use, naming the member that made it."""
        for group_name, services in self.group_latest.items():
            group_arn = groups[group_name].arn
            for namespace, (when, region, entity) in services.items():
                self.seeder.usage(group_arn, namespace, when, region, entity=entity)


def seed_demo_account(backend: Any, extras: AccountExtras, now: datetime) -> DemoAccount:
    """Fill one emulated account (moto backend + extras) with the Northwind Analytics demo."""
    s = Seeder(backend, extras, now)
    d = s.ago
    usage = _Usage(s)

    # --- account level -------------------------------------------------------------------
    s.alias(ALIAS)
    # Weaker than CIS: length 8 (CIS: 14), no symbols, no reuse prevention, no expiry.
    s.password_policy(
        minimum_length=8,
        require_symbols=False,
        require_numbers=True,
        require_uppercase=True,
        require_lowercase=True,
        allow_users_to_change=True,
        reuse_prevention=None,
    )
    # Root: old account, an active access key used 20 days ago, console used 10 days ago, no MFA.
    s.root(
        created=d(3300),
        password_last_used=d(10, hours=3),
        password_last_changed=d(2900),
        mfa=None,
        keys=[RootKeySpec(created=d(2400), last_used=d(20, hours=6), service="s3")],
    )

    # --- managed policies ------------------------------------------------------------------
    admin = s.aws_managed("AdministratorAccess").arn
    power_user = s.aws_managed("PowerUserAccess").arn
    read_only = s.aws_managed("ReadOnlyAccess").arn
    security_audit = s.aws_managed("SecurityAudit").arn
    s3_read = s.aws_managed("AmazonS3ReadOnlyAccess").arn
    athena_full = s.aws_managed("AmazonAthenaFullAccess").arn
    billing_read = s.aws_managed("AWSBillingReadOnlyAccess").arn
    lambda_basic = s.aws_managed("AWSLambdaBasicExecutionRole").arn
    glue_service = s.aws_managed("AWSGlueServiceRole").arn
    ssm_core = s.aws_managed("AmazonSSMManagedInstanceCore").arn
    cw_agent = s.aws_managed("CloudWatchAgentServerPolicy").arn
    rds_monitoring = s.aws_managed("AmazonRDSEnhancedMonitoringRole").arn

    developer_access = s.managed_policy(
        "NorthwindDeveloperAccess",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "BuildAndRun",
                    "Effect": "Allow",
                    "Action": ["s3:*", "ec2:*", "lambda:*", "dynamodb:*"],
                    "Resource": "*",
                },
                {
                    "Sid": "Observe",
                    "Effect": "Allow",
                    "Action": ["logs:*", "cloudwatch:Get*", "cloudwatch:List*"],
                    "Resource": "*",
                },
            ],
        },
        description="Day-to-day access for product engineers",
        created=d(1450),
        updated=d(210),
        tags=_tags("Platform", _email("nina.petrov"), "CC-1100"),
    ).arn
    athena_query = s.managed_policy(
        "NorthwindAthenaQuery",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["athena:*", "glue:GetTable", "glue:GetDatabase"],
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Action": ["s3:PutObject", "s3:GetObject"],
                    "Resource": "arn:aws:s3:::northwind-athena-results/*",
                },
            ],
        },
        description="Query the data lake from Athena",
        created=d(1100),
        tags=_tags("Data", _email("grace.liu"), "CC-1200"),
    ).arn
    contractor_access = s.managed_policy(
        "NorthwindContractorAccess",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                    "Resource": [
                        "arn:aws:s3:::northwind-contractor-drop",
                        "arn:aws:s3:::northwind-contractor-drop/*",
                    ],
                },
                {
                    "Effect": "Allow",
                    "Action": ["codecommit:GitPull", "codecommit:GitPush"],
                    "Resource": "arn:aws:codecommit:us-east-1:*:northwind-web",
                },
            ],
        },
        description="Scoped access for external contractors",
        created=d(700),
        tags=_tags("Engineering", _email("omar.haddad"), "CC-1100"),
    ).arn
    deploy_policy = s.managed_policy(
        "NorthwindDeployPolicy",
        allow(
            "cloudformation:*",
            "s3:*",
            "lambda:*",
            "ecr:*",
            "iam:PassRole",
            # lets CI rewrite this very policy: whoever holds it is effectively an administrator
            "iam:CreatePolicyVersion",
            sid="DeployStacks",
        ),
        description="What CI needs to deploy the application stacks",
        created=d(1400),
        updated=d(95),
        tags=_tags("Platform", _email("alex.morgan"), "CC-1100"),
    ).arn
    vendor_cost_read = s.managed_policy(
        "NorthwindVendorCostRead",
        allow("ce:Get*", "ce:Describe*", "cur:DescribeReportDefinitions", "organizations:List*"),
        description="CloudCost Insights: read cost data",
        created=d(520),
        tags=_tags("Finance", _email("laura.meyer"), "CC-1300"),
    ).arn
    boundary_policy = s.managed_policy(
        "NorthwindDeveloperBoundary",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:*", "lambda:*", "dynamodb:*", "logs:*", "sqs:*"],
                    "Resource": "*",
                },
                {"Effect": "Deny", "Action": ["iam:*", "organizations:*"], "Resource": "*"},
            ],
        },
        description="Permissions boundary for developer sandboxes (used only as a boundary)",
        created=d(600),
        tags=_tags("Security", _email("sam.taylor"), "CC-1600"),
    )
    unattached_policy = s.managed_policy(
        "NorthwindLegacyS3Access",
        allow(
            "s3:*",
            resource=["arn:aws:s3:::northwind-legacy", "arn:aws:s3:::northwind-legacy/*"],
        ),
        description="Pre-2023 bucket access, superseded by NorthwindDeveloperAccess",
        created=d(1200),
        tags=_tags("Platform", _email("kevin.walsh"), "CC-1100"),
    )

    # --- groups ------------------------------------------------------------------------------
    self_service: Document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ManageOwnCredentials",
                "Effect": "Allow",
                "Action": [
                    "iam:ChangePassword",
                    "iam:CreateAccessKey",
                    "iam:DeleteAccessKey",
                    "iam:UpdateAccessKey",
                    "iam:ListAccessKeys",
                    "iam:CreateVirtualMFADevice",
                    "iam:EnableMFADevice",
                    "iam:ListMFADevices",
                ],
                "Resource": [
                    "arn:aws:iam::*:user/*/${aws:username}",
                    "arn:aws:iam::*:mfa/${aws:username}",
                ],
            }
        ],
    }
    groups = {
        "Admins": s.group("Admins", created=d(2900), managed=[admin]),
        "Platform": s.group(
            "Platform", path="/engineering/", created=d(1500), managed=[power_user]
        ),
        "Developers": s.group(
            "Developers",
            path="/engineering/",
            created=d(1500),
            managed=[developer_access],
            inline={"SelfServiceCredentials": self_service},
        ),
        "DataAnalysts": s.group(
            "DataAnalysts",
            path="/data/",
            created=d(1150),
            managed=[s3_read, athena_query],
            inline={
                "RedshiftQueryEditor": allow(
                    "redshift-data:ExecuteStatement",
                    "redshift-data:GetStatementResult",
                    "redshift:GetClusterCredentials",
                )
            },
        ),
        "Finance": s.group(
            "Finance",
            path="/finance/",
            created=d(1300),
            managed=[billing_read],
            inline={"CostExplorerReports": allow("ce:*", "budgets:ViewBudget", "cur:Describe*")},
        ),
        "ReadOnly": s.group("ReadOnly", created=d(2000), managed=[read_only, security_audit]),
        "Contractors": s.group(
            "Contractors", path="/contractors/", created=d(700), managed=[contractor_access]
        ),
    }

    def user(
        name: str,
        team: _Team,
        *,
        owner: str,
        groups_: Sequence[str] = (),
        extra_tags: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A demo user; group memberships are remembered so usage rolls up to groups."""
        created = s.user(
            name,
            path=team.path,
            tags=_tags(team.name, owner, team.cost_center, **(extra_tags or {})),
            groups=groups_,
            **kwargs,
        )
        usage.user_groups[created.arn] = tuple(groups_)
        usage.record_keys(created, kwargs.get("keys", ()))
        return created

    eng = _Team("/engineering/", "Engineering", "CC-1100")
    plat = _Team("/engineering/platform/", "Platform", "CC-1100")
    data = _Team("/data/", "Data", "CC-1200")
    fin = _Team("/finance/", "Finance", "CC-1300")
    sec = _Team("/security/", "Security", "CC-1600")
    sales = _Team("/sales/", "Sales", "CC-1400")
    ctr = _Team("/contractors/", "Contractors", "CC-1100")
    bots = _Team("/automation/", "Platform", "CC-1100")
    root_team = _Team("/", "Security", "CC-1600")
    dev = ["Developers"]
    eng_lead = _email("omar.haddad")
    plat_lead = _email("nina.petrov")

    # --- engineering -----------------------------------------------------------------------
    priya = user(
        "priya.shah", eng, owner=eng_lead, groups_=dev, created=d(900),
        password=True, password_last_used=d(0, hours=3), mfa="virtual", mfa_enabled_at=d(890),
        keys=[KeySpec(created=d(30), last_used=d(0, hours=2), service="s3")],
    )  # fmt: skip
    marcus = user(
        "marcus.chen", eng, owner=eng_lead, groups_=dev, created=d(700),
        password=True, password_last_used=d(1), mfa="virtual", mfa_enabled_at=d(695),
        keys=[KeySpec(created=d(45), last_used=d(0, hours=5), service="lambda")],
    )  # fmt: skip
    sofia = user(
        "sofia.rossi", eng, owner=eng_lead, groups_=dev, created=d(800),
        password=True, password_last_used=d(0, hours=6), mfa="virtual", mfa_enabled_at=d(790),
        keys=[
            KeySpec(created=d(120), last_used=d(3), service="s3", region="us-west-2"),
            KeySpec(created=d(10), last_used=d(0, hours=1), service="dynamodb"),
        ],
    )  # fmt: skip
    tom = user(
        "tom.becker", eng, owner=eng_lead, groups_=dev, created=d(1100),
        password=True, password_last_used=d(2), mfa="hardware", mfa_enabled_at=d(1000),
        keys=[
            KeySpec(created=d(400), status="Inactive", last_used=d(200), service="ec2"),
            KeySpec(created=d(60), last_used=d(1), service="ec2"),
        ],
    )  # fmt: skip
    li = user(
        "li.wei", eng, owner=eng_lead, groups_=dev, created=d(600),
        password=True, password_last_used=d(1), mfa="virtual", mfa_enabled_at=d(590),
        keys=[KeySpec(created=d(2))],  # rotated two days ago, not deployed yet
    )  # fmt: skip
    daniel = user(
        "daniel.okafor", eng, owner=eng_lead, groups_=dev, created=d(1300),
        password=True, password_last_used=d(5), mfa="virtual", mfa_enabled_at=d(1250),
        keys=[KeySpec(created=d(700), last_used=d(150), service="ec2", region="eu-west-1")],
    )  # fmt: skip
    hannah = user(
        "hannah.kim", eng, owner=eng_lead, groups_=dev, created=d(400),
        password=True, password_last_used=d(3), mfa="virtual", mfa_enabled_at=d(398),
        keys=[KeySpec(created=d(200))],
    )  # fmt: skip
    raj = user(
        "raj.patel", eng, owner=eng_lead, groups_=dev, created=d(1000),
        password=True, password_last_used=d(0, hours=8), mfa="virtual", mfa_enabled_at=d(990),
        inline={"TempDebugAccess": allow("*", sid="IncidentINC2231")},
        extra_tags={"Note": "temp access for INC-2231, remove after"},
    )  # fmt: skip
    emma = user(
        "emma.johansson", eng, owner=eng_lead, groups_=dev, created=d(300),
        password=True, password_last_used=d(0, hours=4), mfa="hardware", mfa_enabled_at=d(299),
    )  # fmt: skip
    omar = user(
        "omar.haddad", eng, owner=plat_lead, groups_=dev, created=d(500),
        password=True, password_last_used=d(4), mfa="virtual", mfa_enabled_at=d(499),
        keys=[KeySpec(created=d(20), last_used=d(0, hours=7), service="sts")],
    )  # fmt: skip
    user(
        "julia.santos", eng, owner=eng_lead, groups_=dev, created=d(250),
        password=True, password_last_used=d(40), mfa="virtual", mfa_enabled_at=d(249),
    )  # fmt: skip
    kevin = user(
        "kevin.walsh", eng, owner=eng_lead, groups_=dev, created=d(1400),
        password=True, password_last_used=d(200), mfa="virtual", mfa_enabled_at=d(1300),
        keys=[KeySpec(created=d(1100), last_used=d(450), service="s3")],
    )  # fmt: skip

    # --- platform ----------------------------------------------------------------------------
    nina = user(
        "nina.petrov", plat, owner=_email("cto"), groups_=["Admins", "Platform"],
        created=d(1600), password=True, password_last_used=d(0, hours=1),
        mfa="hardware", mfa_enabled_at=d(1590),
    )  # fmt: skip
    alex = user(
        "alex.morgan", plat, owner=plat_lead, groups_=["Admins", "Platform"], created=d(1200),
        password=True, password_last_used=d(1), mfa="virtual", mfa_enabled_at=d(1190),
        keys=[KeySpec(created=d(300), last_used=d(0, hours=2), service="iam")],
    )  # fmt: skip
    user(
        "diego.fernandez", plat, owner=plat_lead, groups_=["Platform"], created=d(350),
        password=True, password_last_used=d(6), mfa="virtual", mfa_enabled_at=d(349),
        keys=[KeySpec(created=d(15), last_used=d(0, hours=9), service="cloudformation")],
    )  # fmt: skip

    # --- data ---------------------------------------------------------------------------------
    data_lead = _email("grace.liu")
    grace = user(
        "grace.liu", data, owner=_email("cto"), groups_=["DataAnalysts"], created=d(1100),
        password=True, password_last_used=d(0, hours=5), mfa="virtual", mfa_enabled_at=d(1090),
    )  # fmt: skip
    mateo = user(
        "mateo.garcia", data, owner=data_lead, groups_=["DataAnalysts"], created=d(900),
        password=True, password_last_used=d(120), mfa="virtual", mfa_enabled_at=d(880),
        keys=[KeySpec(created=d(60), last_used=d(0, hours=3), service="athena")],
    )  # fmt: skip
    user(
        "ben.carter", data, owner=data_lead, groups_=["DataAnalysts"], created=d(120),
        password=True, password_last_used=None,
    )  # fmt: skip
    kenji = user(
        "kenji.watanabe", data, owner=data_lead, groups_=["DataAnalysts"], created=d(700),
        password=True, password_last_used=d(2), mfa="virtual", mfa_enabled_at=d(690),
        keys=[KeySpec(created=d(80), last_used=d(0, hours=1), service="glue", region="eu-west-1")],
        managed=[athena_full],
    )  # fmt: skip
    user(
        "aisha.bello", data, owner=data_lead, groups_=["DataAnalysts"], created=d(420),
        password=True, password_last_used=d(1), mfa="virtual", mfa_enabled_at=d(419),
    )  # fmt: skip
    user(
        "rachel.green", data, owner=data_lead, groups_=["DataAnalysts"], created=d(1600),
        password=True, password_last_used=d(380),
        keys=[KeySpec(created=d(1500), last_used=d(500), service="s3", region="us-west-2")],
    )  # fmt: skip

    # --- finance ------------------------------------------------------------------------------
    fin_lead = _email("laura.meyer")
    laura = user(
        "laura.meyer", fin, owner=_email("cfo"), groups_=["Finance"], created=d(1300),
        password=True, password_last_used=d(3), mfa="virtual", mfa_enabled_at=d(1290),
    )  # fmt: skip
    user(
        "david.brown", fin, owner=fin_lead, groups_=["Finance"], created=d(1000),
        password=True, password_last_used=d(60), mfa="hardware", mfa_enabled_at=d(990),
    )  # fmt: skip
    user(
        "chloe.martin", fin, owner=fin_lead, groups_=["Finance"], created=d(3),
        password=True, password_last_used=None,
    )  # fmt: skip
    user(
        "peter.novak", fin, owner=fin_lead, groups_=["Finance"], created=d(2000),
        password=True, password_last_used=d(300), mfa="virtual", mfa_enabled_at=d(1900),
    )  # fmt: skip
    user(
        "sarah.oconnor", fin, owner=fin_lead, groups_=["Finance"], created=d(640),
        password=True, password_last_used=d(8), mfa="virtual", mfa_enabled_at=d(639),
    )  # fmt: skip

    # --- security and sales ------------------------------------------------------------------
    sam = user(
        "sam.taylor", sec, owner=_email("ciso"), groups_=["ReadOnly"], created=d(950),
        password=True, password_last_used=d(0, hours=2), mfa="hardware", mfa_enabled_at=d(949),
        keys=[KeySpec(created=d(25), last_used=d(0, hours=4), service="access-analyzer")],
    )  # fmt: skip
    user(
        "fatima.zahra", sec, owner=_email("sam.taylor"), groups_=["ReadOnly"], created=d(380),
        password=True, password_last_used=d(12), mfa="virtual", mfa_enabled_at=d(379),
    )  # fmt: skip
    user(
        "olivia.wright", sales, owner=_email("vp.sales"), groups_=["ReadOnly"], created=d(520),
        password=True, password_last_used=d(2), mfa="virtual", mfa_enabled_at=d(519),
    )  # fmt: skip
    user(
        "lucas.moreau", sales, owner=_email("olivia.wright"), groups_=["ReadOnly"],
        created=d(480), password=True, password_last_used=d(100),
    )  # fmt: skip

    # --- contractors ---------------------------------------------------------------------------
    ctr_tags = {"Contract": "ACME-Consulting-2026", "Expires": "2026-12-31"}
    mkowalski = user(
        "ext-mkowalski", ctr, owner=eng_lead, groups_=["Contractors"], created=d(90),
        password=True, password_last_used=d(5), extra_tags=ctr_tags,
    )  # fmt: skip
    jalvarez = user(
        "ext-jalvarez", ctr, owner=eng_lead, groups_=["Contractors"], created=d(200),
        password=True, password_last_used=d(20), extra_tags=ctr_tags,
        keys=[KeySpec(created=d(190), last_used=d(95), service="codecommit")],
    )  # fmt: skip
    user(
        "ext-tnguyen", ctr, owner=eng_lead, groups_=["Contractors"], created=d(60),
        password=True, password_last_used=d(1), mfa="virtual", mfa_enabled_at=d(59),
        extra_tags=ctr_tags,
    )  # fmt: skip

    # --- automation (machine users) --------------------------------------------------------------
    jenkins = user(
        "jenkins-deploy", bots, owner=plat_lead, created=d(1400),
        keys=[
            KeySpec(created=d(1300), last_used=d(0, hours=1), service="cloudformation"),
            KeySpec(created=d(550), last_used=d(200), service="s3"),
        ],
        managed=[deploy_policy], extra_tags={"System": "jenkins.northwind.internal"},
    )  # fmt: skip
    terraform = user(
        "terraform-ci", bots, owner=plat_lead, created=d(1500),
        keys=[KeySpec(created=d(1200), last_used=d(0, hours=2), service="iam")],
        managed=[admin], extra_tags={"System": "terraform-cloud"},
    )  # fmt: skip
    user(
        "backup-exporter", bots, owner=plat_lead, created=d(1150),
        keys=[KeySpec(created=d(1150))],
        inline={
            "BackupBucketWrite": allow(
                "s3:PutObject", resource="arn:aws:s3:::northwind-backups/*"
            )
        },
        extra_tags={"System": "nightly-backup"},
    )  # fmt: skip
    datadog = user(
        "datadog-metrics", bots, owner=_email("sre"), created=d(1000),
        keys=[KeySpec(created=d(1000), last_used=d(0, hours=0.2), service="cloudwatch")],
        inline={"ReadMetrics": allow("cloudwatch:Get*", "cloudwatch:List*", "tag:GetResources")},
        extra_tags={"System": "datadog-legacy-integration"},
    )  # fmt: skip
    user(
        "s3-sync-legacy", bots, owner=_email("kevin.walsh"), created=d(1300),
        keys=[KeySpec(created=d(1250), last_used=d(399), service="s3")],
        inline={"SyncBucket": allow("s3:*", resource="arn:aws:s3:::northwind-legacy/*")},
    )  # fmt: skip
    ses = user(
        "ses-smtp-sender", bots, owner=_email("sre"), created=d(800),
        keys=[KeySpec(created=d(800), last_used=d(0, hours=0.5), service="ses",
                      region="eu-west-1")],
        inline={"SendEmail": allow("ses:SendRawEmail")},
    )  # fmt: skip

    # --- break glass -----------------------------------------------------------------------------
    breakglass = user(
        "breakglass-admin", root_team, owner=_email("ciso"), created=d(1800),
        password=True, password_last_used=d(180),
        mfa="hardware", mfa_enabled_at=d(1800), managed=[admin],
        extra_tags={"Purpose": "break-glass", "Vault": "safe-2/envelope-7"},
    )  # fmt: skip

    # --- identity providers -------------------------------------------------------------------
    github = s.oidc_provider(
        f"https://{GITHUB_OIDC_HOST}", created=d(500), tags={"Team": "Platform"}
    )
    okta = s.saml_provider("Okta", entity_id="http://www.okta.com/exk1northwind", created=d(1000))
    sso_provider = s.sso_provider(created=d(500))

    # --- roles ------------------------------------------------------------------------------
    web_ec2 = s.role(
        "northwind-web-ec2", trust=trust_service("ec2.amazonaws.com"), created=d(1200),
        last_used=d(1), last_used_region="us-east-1", managed=[ssm_core, cw_agent],
        inline={"AssetsRead": allow("s3:GetObject", resource="arn:aws:s3:::northwind-assets/*")},
        instance_profile=True, tags=_tags("Platform", plat_lead, "CC-1100"),
        description="Web tier instances",
    )  # fmt: skip
    orders = s.role(
        "orders-api-lambda", trust=trust_service("lambda.amazonaws.com"), path="/service-role/",
        created=d(900), last_used=d(0, hours=1), last_used_region="us-east-1",
        managed=[lambda_basic],
        inline={"OrdersTable": allow("dynamodb:*", "sqs:SendMessage")},
        tags=_tags("Engineering", eng_lead, "CC-1100"),
    )  # fmt: skip
    invoices = s.role(
        "invoice-renderer-lambda", trust=trust_service("lambda.amazonaws.com"),
        path="/service-role/", created=d(650), last_used=d(3), last_used_region="eu-west-1",
        managed=[lambda_basic],
        inline={"InvoiceBucket": allow("s3:PutObject",
                                       resource="arn:aws:s3:::northwind-invoices-eu/*")},
        tags=_tags("Finance", fin_lead, "CC-1300"),
    )  # fmt: skip
    glue = s.role(
        "etl-glue-job", trust=trust_service("glue.amazonaws.com"), path="/service-role/",
        created=d(1000), last_used=d(1), last_used_region="eu-central-1", managed=[glue_service],
        inline={"Lake": allow("s3:GetObject", "s3:PutObject",
                              resource="arn:aws:s3:::northwind-lake/*")},
        tags=_tags("Data", data_lead, "CC-1200"),
    )  # fmt: skip
    ecs = s.role(
        "reporting-ecs-task", trust=trust_service("ecs-tasks.amazonaws.com"), created=d(450),
        last_used=d(2), last_used_region="ap-southeast-2",
        inline={"Reports": allow("s3:PutObject", "secretsmanager:GetSecretValue")},
        tags=_tags("Data", data_lead, "CC-1200"),
    )  # fmt: skip
    s.role(
        "rds-enhanced-monitoring", trust=trust_service("monitoring.rds.amazonaws.com"),
        created=d(1300), last_used=d(0, hours=0.1), last_used_region="us-east-1",
        managed=[rds_monitoring], tags=_tags("Platform", plat_lead, "CC-1100"),
    )  # fmt: skip
    s.role(
        "cloudtrail-to-cloudwatch", trust=trust_service("cloudtrail.amazonaws.com"),
        path="/service-role/", created=d(1700), last_used=d(0, hours=0.1),
        last_used_region="us-east-1",
        inline={"Logs": allow("logs:CreateLogStream", "logs:PutLogEvents")},
        tags=_tags("Security", _email("sam.taylor"), "CC-1600"),
    )  # fmt: skip
    s.role(
        "step-functions-orchestrator", trust=trust_service("states.amazonaws.com"),
        path="/service-role/", created=d(380), last_used=d(0, hours=6),
        last_used_region="us-west-2", inline={"Invoke": allow("lambda:InvokeFunction")},
        tags=_tags("Engineering", eng_lead, "CC-1100"),
    )  # fmt: skip
    s.role(
        "redshift-spectrum", trust=trust_service("redshift.amazonaws.com"), created=d(800),
        last_used=d(14), last_used_region="eu-west-1", managed=[s3_read],
        inline={"Catalog": allow("glue:GetTable", "glue:GetDatabase", "glue:GetPartitions")},
        tags=_tags("Data", data_lead, "CC-1200"),
    )  # fmt: skip
    s.role(
        "cost-anomaly-notifier", trust=trust_service("lambda.amazonaws.com"),
        path="/service-role/", created=d(300), last_used=d(1), last_used_region="us-west-2",
        managed=[lambda_basic], inline={"Publish": allow("sns:Publish", "ce:GetAnomalies")},
        tags=_tags("Finance", fin_lead, "CC-1300"),
    )  # fmt: skip
    s.role(
        "s3-replication-artifacts", trust=trust_service("s3.amazonaws.com"),
        path="/service-role/", created=d(760), last_used=d(0, hours=3),
        last_used_region="us-west-2",
        inline={"Replicate": allow("s3:GetObjectVersionForReplication", "s3:ReplicateObject")},
        tags=_tags("Platform", plat_lead, "CC-1100"),
    )  # fmt: skip
    legacy_trust = trust_service("ec2.amazonaws.com")
    # The old scheduler role it also trusted was deleted: IAM now shows its unique id.
    legacy_trust["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "AROA3XFRBF23QWERTY123"},
            "Action": "sts:AssumeRole",
        }
    )
    legacy = s.role(
        "legacy-batch-processor", trust=legacy_trust, created=d(1500),
        last_used=d(400), last_used_region="us-east-1",
        inline={"Batch": allow("s3:*", "sqs:*")}, instance_profile="legacy-batch-profile",
        tags=_tags("Engineering", _email("kevin.walsh"), "CC-1100"),
        description="Nightly batch on the old EC2 fleet (migrated to Glue in 2025)",
    )  # fmt: skip
    emr = s.role(
        "emr-legacy-cluster", trust=trust_service("elasticmapreduce.amazonaws.com"),
        created=d(730), inline={"Cluster": allow("ec2:*", "s3:*")},
        tags=_tags("Data", _email("rachel.green"), "CC-1200"),
    )  # fmt: skip
    sagemaker = s.role(
        "sagemaker-experiments", trust=trust_service("sagemaker.amazonaws.com"),
        path="/service-role/", created=d(500), last_used=d(120), last_used_region="us-east-1",
        inline={"Experiments": allow("sagemaker:*", "s3:GetObject", "s3:PutObject")},
        tags=_tags("Data", data_lead, "CC-1200"),
    )  # fmt: skip
    quicksight = s.role(
        "quicksight-analytics", trust=trust_service("quicksight.amazonaws.com"),
        path="/service-role/", created=d(3), managed=[s3_read],
        tags=_tags("Sales", _email("olivia.wright"), "CC-1400"),
    )  # fmt: skip
    vendor = s.role(
        "cloudcost-readonly", trust=trust_aws(f"arn:aws:iam::{VENDOR_ACCOUNT}:root"),
        created=d(520), last_used=d(1), last_used_region="us-east-1", managed=[vendor_cost_read],
        tags=_tags("Finance", fin_lead, "CC-1300", Vendor="CloudCost Insights"),
        description="CloudCost Insights SaaS reads cost data",
    )  # fmt: skip
    observability = s.role(
        "observability-vendor",
        trust=trust_aws(f"arn:aws:iam::{VENDOR_ACCOUNT_WITH_EXTERNAL_ID}:root",
                        external_id="nw-7f3a9c2e41b8"),
        created=d(400), last_used=d(0, hours=0.3), last_used_region="us-east-1",
        inline={"Metrics": allow("cloudwatch:Get*", "cloudwatch:List*", "tag:GetResources")},
        tags=_tags("Platform", _email("sre"), "CC-1100", Vendor="Observability Co"),
    )  # fmt: skip
    secops = s.role(
        "secops-audit",
        trust=trust_aws(f"arn:aws:iam::{SECURITY_ACCOUNT}:role/SecurityAuditor",
                        condition={"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}),
        created=d(900), last_used=d(6), last_used_region="us-east-1", managed=[security_audit],
        tags=_tags("Security", _email("sam.taylor"), "CC-1600"),
    )  # fmt: skip
    public = s.role(
        "partner-data-exchange", trust=trust_aws("*"), created=d(340), last_used=d(10),
        last_used_region="us-east-1",
        inline={"PartnerRead": allow("s3:GetObject",
                                     resource="arn:aws:s3:::northwind-partner-exchange/*")},
        tags=_tags("Sales", _email("olivia.wright"), "CC-1400", Partner="Contoso Retail"),
        description="Partner pulls weekly extracts",
    )  # fmt: skip
    sandbox = s.role(
        "developer-sandbox",
        trust=trust_aws(f"arn:aws:iam::{s.account_id}:root",
                        condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        created=d(600), last_used=d(0, hours=4), last_used_region="us-east-1",
        managed=[power_user], boundary=boundary_policy.arn,
        tags=_tags("Engineering", eng_lead, "CC-1100"),
    )  # fmt: skip
    gha = s.role(
        "github-actions-deploy",
        trust=trust_oidc(github, GITHUB_OIDC_HOST, audience="sts.amazonaws.com",
                         subject="repo:northwind-analytics/platform:ref:refs/heads/main"),
        created=d(480), last_used=d(0, hours=1), last_used_region="us-east-1",
        managed=[deploy_policy], tags=_tags("Platform", plat_lead, "CC-1100"),
        max_session_duration=3600,
    )  # fmt: skip
    okta_role = s.role(
        "okta-data-scientists", trust=trust_saml(okta), created=d(950), last_used=d(1),
        last_used_region="us-east-1", managed=[athena_full, s3_read],
        tags=_tags("Data", data_lead, "CC-1200"), max_session_duration=28800,
    )  # fmt: skip

    service_linked = (
        s.service_linked_role(
            "AWSServiceRoleForSupport", "support.amazonaws.com", created=d(2900),
            managed=[s.aws_managed("AWSSupportServiceRolePolicy").arn],
            description="Enables resource access for AWS to provide billing, administrative "
            "and support services",
        ),
        s.service_linked_role(
            "AWSServiceRoleForTrustedAdvisor", "trustedadvisor.amazonaws.com", created=d(2900),
            managed=[s.aws_managed("AWSTrustedAdvisorServiceRolePolicy").arn],
            description="Access for the AWS Trusted Advisor Service to help reduce cost, "
            "increase performance, and improve security of your AWS environment.",
        ),
        s.service_linked_role(
            "AWSServiceRoleForOrganizations", "organizations.amazonaws.com", created=d(1900),
            last_used=d(500), last_used_region="us-east-1",
            managed=[s.aws_managed("AWSOrganizationsServiceTrustPolicy").arn],
            description="Service-linked role used by AWS Organizations to enable integration "
            "of other AWS services with Organizations.",
        ),
        s.service_linked_role(
            "AWSServiceRoleForElasticLoadBalancing", "elasticloadbalancing.amazonaws.com",
            created=d(1200), last_used=d(0, hours=0.5), last_used_region="us-east-1",
            managed=[s.aws_managed("AWSElasticLoadBalancingServiceRolePolicy").arn],
            description="Allows ELB to call AWS services on your behalf.",
        ),
        s.service_linked_role(
            "AWSServiceRoleForAutoScaling", "autoscaling.amazonaws.com", created=d(1200),
            last_used=d(0, hours=0.2), last_used_region="us-east-1",
            managed=[s.aws_managed("AutoScalingServiceRolePolicy").arn],
            description="Default Service-Linked Role enables access to AWS Services and "
            "Resources used or managed by Auto Scaling",
        ),
    )  # fmt: skip
    sso_roles = (
        s.sso_role("AdministratorAccess", "1a2b3c4d5e6f7a8b", provider_arn=sso_provider,
                   created=d(500), managed=[admin]),
        s.sso_role("ReadOnlyAccess", "9f8e7d6c5b4a3210", provider_arn=sso_provider,
                   created=d(500), last_used=d(200), last_used_region="us-east-1",
                   managed=[read_only]),
        s.sso_role("DataScientist", "0a1b2c3d4e5f6a7b", provider_arn=sso_provider,
                   created=d(300), last_used=d(0, hours=2), last_used_region="eu-west-1",
                   region="eu-west-1",
                   inline={"Lake": allow("athena:*", "glue:Get*", "s3:GetObject")}),
    )  # fmt: skip

    # --- last-accessed data ---------------------------------------------------------------------
    u = usage.record
    # Developers: policy grants s3, ec2, lambda, dynamodb, logs, cloudwatch (+ iam self-service).
    for svc, ago in (("s3", 0.1), ("ec2", 1), ("lambda", 0.2), ("dynamodb", 2), ("logs", 0.3),
                     ("cloudwatch", 4)):  # fmt: skip
        u(priya, svc, ago)
    u(priya, "iam", 30, actions={"CreateAccessKey": 30, "ListAccessKeys": 30})
    # Granted s3/ec2/lambda/dynamodb, uses only s3 and lambda: ec2 and dynamodb are unused.
    u(marcus, "s3", 0.2, actions={"GetObject": 0.2, "PutObject": 1, "ListBucket": 0.2})
    u(marcus, "lambda", 1)
    u(marcus, "logs", 1)
    u(sofia, "s3", 3, "us-west-2", actions={"GetObject": 3})
    u(sofia, "dynamodb", 0.05)
    u(sofia, "iam", 10, actions={"CreateAccessKey": 10})
    u(tom, "ec2", 1, actions={"DescribeInstances": 1, "RunInstances": 12})
    u(tom, "s3", 20)
    u(li, "iam", 2, actions={"CreateAccessKey": 2, "DeleteAccessKey": 2, "ListAccessKeys": 2})
    u(li, "lambda", 1)
    u(li, "s3", 1)
    u(daniel, "ec2", 150, "eu-west-1")
    u(daniel, "s3", 5)
    u(hannah, "s3", 3)
    u(hannah, "lambda", 3)
    u(raj, "logs", 0.3)
    u(raj, "ssm", 0.3)
    u(raj, "s3", 1)
    # Emma and Grace use everything they are granted: no finding at all.
    for svc, ago in (("s3", 0.2), ("lambda", 0.2), ("dynamodb", 1), ("ec2", 2), ("logs", 0.2),
                     ("cloudwatch", 6), ("iam", 45)):  # fmt: skip
        u(emma, svc, ago)
    for svc, ago in (("s3", 0.3), ("sts", 0.3), ("lambda", 1), ("dynamodb", 1), ("ec2", 3),
                     ("logs", 0.3), ("cloudwatch", 9)):  # fmt: skip
        u(omar, svc, ago)
    u(nina, "iam", 0.1, actions={"GetAccountAuthorizationDetails": 0.1, "ListRoles": 0.1})
    u(nina, "organizations", 5)
    u(nina, "ec2", 0.1)
    u(alex, "iam", 0.1, actions={"ListUsers": 0.1, "AttachRolePolicy": 8})
    u(alex, "cloudformation", 0.2)
    u(alex, "ec2", 1)
    u(grace, "athena", 0.2)
    u(grace, "glue", 0.3)
    u(grace, "s3", 0.2, actions={"GetObject": 0.2, "ListBucket": 0.2})
    u(grace, "redshift", 1)
    u(grace, "redshift-data", 1)
    u(grace, "s3-object-lambda", 30)
    u(mateo, "athena", 0.1)
    u(mateo, "s3", 0.1, actions={"GetObject": 0.1})
    u(kenji, "glue", 0.05, "eu-west-1")
    u(kenji, "athena", 1)
    u(kenji, "s3", 0.1)
    u(laura, "ce", 3)
    u(laura, "aws-portal", 3)
    u(laura, "budgets", 10)
    u(sam, "access-analyzer", 0.2)
    u(sam, "iam", 0.1, actions={"GenerateCredentialReport": 0.1, "GetCredentialReport": 0.1})
    u(sam, "cloudtrail", 0.5)
    u(sam, "guardduty", 3)
    u(sam, "config", 2)
    u(mkowalski, "s3", 5, actions={"PutObject": 5, "ListBucket": 5})
    u(mkowalski, "codecommit", 5)
    u(jalvarez, "codecommit", 95)
    u(jalvarez, "s3", 120)
    u(jenkins, "cloudformation", 0.05)
    u(jenkins, "s3", 0.05, actions={"PutObject": 0.05, "GetObject": 0.05})
    u(jenkins, "lambda", 0.05, actions={"UpdateFunctionCode": 0.05})
    u(jenkins, "ecr", 1)
    u(jenkins, "iam", 0.05, actions={"PassRole": 0.05})
    u(terraform, "iam", 0.1, actions={"CreateRole": 3, "AttachRolePolicy": 3, "PassRole": 0.1})
    u(terraform, "s3", 0.1, actions={"CreateBucket": 40, "PutBucketPolicy": 3})
    u(terraform, "ec2", 0.1, actions={"RunInstances": 6, "DescribeInstances": 0.1})
    for svc, ago in (("rds", 3), ("lambda", 1), ("dynamodb", 0.1), ("route53", 12),
                     ("cloudfront", 12), ("kms", 0.1), ("sts", 0.1)):  # fmt: skip
        u(terraform, svc, ago)
    u(datadog, "cloudwatch", 0.01)
    u(datadog, "tag", 0.01)
    u(ses, "ses", 0.02, "eu-west-1")
    u(breakglass, "iam", 180, actions={"ListUsers": 180, "GetAccountSummary": 180})
    u(breakglass, "organizations", 180)
    usage.flush_groups(groups)

    for role, services, ago, region in (
        (web_ec2, ("s3", "ssm", "ec2messages", "ssmmessages", "logs", "cloudwatch"), 1,
         "us-east-1"),
        (orders, ("dynamodb", "logs"), 0.05, "us-east-1"),  # sqs granted, never used
        (invoices, ("s3", "logs"), 3, "eu-west-1"),
        (glue, ("glue", "s3", "logs"), 1, "eu-central-1"),
        (ecs, ("s3", "secretsmanager"), 2, "ap-southeast-2"),
        (vendor, ("ce", "cur"), 1, "us-east-1"),  # organizations granted, unused
        (observability, ("cloudwatch", "tag"), 0.02, "us-east-1"),
        (secops, ("iam", "config", "cloudtrail", "guardduty", "s3"), 6, "us-east-1"),
        (public, ("s3",), 10, "us-east-1"),
        (sandbox, ("s3", "lambda", "dynamodb"), 0.2, "us-east-1"),
        (gha, ("cloudformation", "s3", "lambda", "ecr", "iam"), 0.05, "us-east-1"),
        (okta_role, ("athena", "s3", "glue"), 1, "us-east-1"),
        (sagemaker, ("sagemaker", "s3"), 120, "us-east-1"),
        (sso_roles[2], ("athena", "glue", "s3"), 0.1, "eu-west-1"),
        (sso_roles[1], ("ec2", "s3", "iam"), 200, "us-east-1"),
    ):  # fmt: skip
        for svc in services:
            u(role, svc, ago, region)
    _seed_coverage(s)
    seed_trail_history(s)
    _seed_escalation(s)
    _seed_service_credentials(s)
    _seed_groupless(s)
    _seed_server_certificates(s)
    _seed_ssh_keys(s)
    _seed_providers(s)
    _seed_rightsize(s)
    _seed_analyzer_findings(s, legacy.name, orders.name, daniel.name, mateo.name, marcus.name)

    return DemoAccount(
        account_id=s.account_id,
        alias=ALIAS,
        stale_key_user=daniel.name,
        never_used_key_user=hannah.name,
        fresh_rotation_user=li.name,
        two_keys_user=sofia.name,
        inactive_key_user=tom.name,
        ex_employee=kevin.name,
        ex_employees=("kevin.walsh", "rachel.green", "peter.novak"),
        contractor_no_mfa=mkowalski.name,
        never_logged_in_user="ben.carter",
        password_unused_user=mateo.name,
        new_hire="chloe.martin",
        virtual_mfa_user=priya.name,
        good_standing_users=(priya.name, emma.name, omar.name, grace.name, laura.name, sam.name),
        clean_users=(emma.name, grace.name),
        partial_usage_user=marcus.name,
        direct_policy_user=kenji.name,
        inline_admin_user=raj.name,
        ci_bot=jenkins.name,
        admin_bot=terraform.name,
        never_used_bot="backup-exporter",
        break_glass=breakglass.name,
        admin_group="Admins",
        developers_group="Developers",
        groups=tuple(groups),
        unattached_policy=unattached_policy.name,
        boundary_policy=boundary_policy.name,
        active_role=orders.name,
        other_region_role=invoices.name,
        unused_role=legacy.name,
        never_used_role=emr.name,
        new_role=quicksight.name,
        instance_profile_role=web_ec2.name,
        lambda_role=orders.name,
        vendor_role=vendor.name,
        vendor_role_external_id=observability.name,
        org_conditioned_role=secops.name,
        public_trust_role=public.name,
        boundary_role=sandbox.name,
        oidc_role=gha.name,
        saml_role=okta_role.name,
        service_linked_roles=tuple(role.name for role in service_linked),
        sso_roles=tuple(role.name for role in sso_roles),
        vendor_account=VENDOR_ACCOUNT,
    )


# --- issue 13 coverage rules -----------------------------------------------------------------

#: A console user whose access key was created with the user and never used (CIS 1.11).
KEYS_AT_SETUP_USER = "lucas.silva"
#: A legacy SOAP client that still holds an active X.509 signing certificate.
SIGNING_CERT_USER = "legacy-soap-client"
#: An empty group holding AWSCloudShellFullAccess and a ``kms:*`` policy.
EMPTY_GROUP = "KeyCustodians"
KMS_WILDCARD_POLICY = "NorthwindKeyCustodian"
#: ben.carter never finished enrolling this virtual MFA device: it is assigned to nobody.
UNASSIGNED_MFA_DEVICE = "ben.carter-phone"
#: Public material only (a self-signed certificate, its key discarded): uploads must parse.
LEGACY_SIGNING_CERTIFICATE = """-----BEGIN CERTIFICATE-----
MIIBOTCB4KADAgECAhQWG6tw6+B6Y67dtzxM7pc6ms/G6TAKBggqhkjOPQQDAjAd
MRswGQYDVQQDDBJsZWdhY3ktc29hcC1jbGllbnQwHhcNMjQwMTAxMDAwMDAwWhcN
MzMxMjI5MDAwMDAwWjAdMRswGQYDVQQDDBJsZWdhY3ktc29hcC1jbGllbnQwWTAT
BgcqhkjOPQIBBggqhkjOPQMBBwNCAARjdHPYBXSb39vaTehEIPXZY2QhW04gIGP+
WCoFd4iYYA0zQ/UvV3WRyJpRfYvYur6arAFfHIVSGmlj610EdlxSMAoGCCqGSM49
BAMCA0gAMEUCIQCVYH/SrPYOatpxStVzLvVL7BJJUT8Hym0pXIhuHn0frwIgLU2N
Bg1bw+/vkxPocQZLvr/q/PdWjDfv9bYFllygPuk=
-----END CERTIFICATE-----
"""


def _seed_coverage(s: Seeder) -> None:
    """What the issue-13 rules report, each once (the account has no support role already)."""
    d = s.ago
    # user.keys-at-setup: an analyst set up three days ago with a key "just in case".
    s.user(
        KEYS_AT_SETUP_USER, path="/data/", created=d(3),
        tags=_tags("Data", _email("grace.liu"), "CC-1200"), groups=["DataAnalysts"],
        password=True, password_last_used=d(0, hours=6), mfa="virtual", mfa_enabled_at=d(3),
        keys=[KeySpec(created=d(3))],
    )  # fmt: skip
    # cert.signing-active: a SOAP-era client nobody migrated, its certificate years old.
    legacy = s.user(
        SIGNING_CERT_USER, path="/automation/", created=d(1600),
        tags=_tags("Platform", _email("nina.petrov"), "CC-1100"),
    )  # fmt: skip
    cert = s.backend.upload_signing_certificate(legacy.name, LEGACY_SIGNING_CERTIFICATE)
    cert.upload_date = d(1590).replace(tzinfo=None)
    # group.empty + policy.cloudshell-full-access + policy.service-wildcard (kms:*, sensitive).
    custodian = s.managed_policy(
        KMS_WILDCARD_POLICY,
        allow("kms:*", sid="ManageKeys"),
        description="Key custodians: manage every KMS key",
        created=d(800),
        tags=_tags("Security", _email("sam.taylor"), "CC-1600"),
    ).arn
    cloudshell = s.aws_managed("AWSCloudShellFullAccess").arn
    s.group(EMPTY_GROUP, path="/security/", created=d(800), managed=[custodian, cloudshell])
    # mfa.unassigned-virtual: an enrolment started and never finished.
    s.backend.create_virtual_mfa_device(device_name=UNASSIGNED_MFA_DEVICE, path="/")


# --- issue 13: who uses this credential (CloudTrail event history) ---------------------------

#: Where Northwind's CI runners and offices call from (documentation address ranges).
CI_RUNNER_IP = "203.0.113.45"
TERRAFORM_IP = "198.51.100.7"
OFFICE_IP = "192.0.2.10"
VENDOR_IP = "192.0.2.80"
JENKINS_AGENT = "Boto3/1.34.140 md/Botocore#1.34.140 ua/2.0 os/linux#5.15.0 Python/3.11.9 jenkins"
TERRAFORM_AGENT = "APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io)"
#: The calls each seeded key makes (management events only: no S3 object reads).
KEY_CALLS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "jenkins-deploy": (
        ("cloudformation.amazonaws.com", "DescribeStacks"),
        ("cloudformation.amazonaws.com", "CreateChangeSet"),
        ("cloudformation.amazonaws.com", "ExecuteChangeSet"),
        ("ecr.amazonaws.com", "GetAuthorizationToken"),
        ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2"),
    ),
    "terraform-ci": (
        ("iam.amazonaws.com", "GetRole"),
        ("iam.amazonaws.com", "ListAttachedRolePolicies"),
        ("iam.amazonaws.com", "GetPolicyVersion"),
        ("iam.amazonaws.com", "PutRolePolicy"),
    ),
    "sofia.rossi": (
        ("dynamodb.amazonaws.com", "DescribeTable"),
        ("dynamodb.amazonaws.com", "ListTables"),
        ("s3.amazonaws.com", "ListBuckets"),
    ),
}
#: Events per seeded key: jenkins' busy key needs two LookupEvents pages (50 a page).
KEY_EVENTS = {"jenkins-deploy": 64, "terraform-ci": 24, "sofia.rossi": 9}
#: Days of events seeded (CloudTrail event history keeps 90).
HISTORY = 89


def _spread(first: datetime, last: datetime, count: int) -> list[datetime]:
    """``count`` times from ``first`` to ``last`` (the last exactly ``last``), evenly spaced."""
    if count <= 1 or last <= first:
        return [last] * max(count, 1)
    step = (last - first) / (count - 1)
    return [first + step * n for n in range(count)]


def seed_trail_history(s: Seeder) -> None:
    """CloudTrail events for the demo's busy keys and roles, consistent with their last use.

    A key's newest event is its IAM last-used time, in its last-used region; keys last used
    more than 90 days ago have none (event history is shorter than IAM's memory), which the
    review shows as "no events: not proof of no use". Roles get the AssumeRole* events that
    started their sessions (Lambda, a vendor account, GitHub Actions) and one change to a role
    that is not use.
    """
    from iamtui.emulator.seed import (
        account_caller,
        service_caller,
        user_caller,
        web_identity_caller,
    )

    agents = {"jenkins-deploy": JENKINS_AGENT, "terraform-ci": TERRAFORM_AGENT}
    ips = {"jenkins-deploy": CI_RUNNER_IP, "terraform-ci": TERRAFORM_IP}
    window_start = s.ago(HISTORY)
    for name, calls in KEY_CALLS.items():
        user = s.backend.get_user(name)
        for key in s.backend.list_access_keys(name):
            used = getattr(key.last_used, "timestamp", None)
            if used is None:
                continue
            last = used.replace(tzinfo=UTC)
            if last < window_start:
                continue  # older than event history: IAM remembers it, CloudTrail does not
            region = key.last_used.region or "us-east-1"
            first = max(window_start, key.create_date.replace(tzinfo=UTC))
            caller = user_caller(user, key.access_key_id)
            times = _spread(first, last, KEY_EVENTS[name])
            for n, when in enumerate(times):
                source, event = calls[n % len(calls)]
                s.trail_event(
                    caller, event, when, source=source, region=region,
                    ip=ips.get(name, OFFICE_IP if n % 3 else "192.0.2.11"),
                    agent=agents.get(name, "aws-cli/2.17.20 md/Botocore#1.34.140 ua/2.0"),
                )  # fmt: skip
    orders = s.backend.get_role("orders-api-lambda")
    for when in _spread(s.ago(HISTORY), s.ago(0, hours=1), 30):
        s.assume_role_event(
            service_caller("lambda.amazonaws.com"), orders, "orders-api-handler", when,
            ip="lambda.amazonaws.com", agent="lambda.amazonaws.com",
        )  # fmt: skip
    vendor = s.backend.get_role("cloudcost-readonly")
    collector = account_caller(
        VENDOR_ACCOUNT, f"arn:aws:iam::{VENDOR_ACCOUNT}:role/CloudCostCollector"
    )
    for n, when in enumerate(_spread(s.ago(HISTORY), s.ago(1), 12)):
        s.assume_role_event(
            collector, vendor, f"cloudcost-sync-{n:03d}", when, ip=VENDOR_IP,
            agent="aws-sdk-java/2.25.60 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.10",
        )  # fmt: skip
    terraform = s.backend.get_user("terraform-ci")
    s.trail_event(
        user_caller(terraform, terraform.access_keys[0].access_key_id),
        "UpdateAssumeRolePolicy", s.ago(40), ip=TERRAFORM_IP, agent=TERRAFORM_AGENT,
        resources=[("AWS::IAM::Role", vendor.arn)], request={"roleName": vendor.name},
    )  # fmt: skip
    gha = s.backend.get_role("github-actions-deploy")
    for when in _spread(s.ago(60), s.ago(0, hours=1), 8):
        s.assume_role_event(
            web_identity_caller(GITHUB_OIDC_HOST, "repo:northwind/web:ref:refs/heads/main"),
            gha, "GitHubActions", when, event_name="AssumeRoleWithWebIdentity",
            ip="20.42.10.7", agent="aws-sdk-js/3.600.0 ua/2.0 os/linux lang/js md/nodejs#20.14.0",
        )  # fmt: skip


# --- issue 13: privilege escalation ----------------------------------------------------------

#: A CodeBuild release role that may pass an administrator role to a new CloudFormation stack:
#: administrator in one call (``permissions.privilege-escalation``).
ESCALATION_ROLE = "release-pipeline-codebuild"
#: The administrator role CloudFormation may assume, left over from the account's bootstrap.
BOOTSTRAP_ROLE = "platform-bootstrap-cfn"


def _seed_escalation(s: Seeder) -> None:
    """One escalation path: iam:PassRole on an admin role + cloudformation:CreateStack."""
    d = s.ago
    plat_lead = _email("nina.petrov")
    bootstrap_trust = trust_service("cloudformation.amazonaws.com")
    bootstrap_trust["Statement"][0]["Condition"] = {
        "StringEquals": {"aws:SourceAccount": s.account_id}
    }
    s.role(
        BOOTSTRAP_ROLE, trust=bootstrap_trust, created=d(40),
        last_used=d(2), last_used_region="us-east-1",
        managed=[s.aws_managed("AdministratorAccess").arn],
        tags=_tags("Platform", plat_lead, "CC-1100"),
        description="Account bootstrap stacks (one-off, never removed)",
    )  # fmt: skip
    release_trust = trust_service("codebuild.amazonaws.com")
    release_trust["Statement"][0]["Condition"] = {
        "StringEquals": {"aws:SourceAccount": s.account_id}
    }
    release = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PassBootstrap",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": s.arn("role", BOOTSTRAP_ROLE),
            },
            {
                "Sid": "Stacks",
                "Effect": "Allow",
                "Action": ["cloudformation:CreateStack", "cloudformation:DescribeStacks"],
                "Resource": "*",
            },
        ],
    }
    s.role(
        ESCALATION_ROLE, trust=release_trust, created=d(30), last_used=d(0, hours=2),
        last_used_region="us-east-1", inline={"Release": release},
        tags=_tags("Platform", plat_lead, "CC-1100"), description="Release pipeline builds",
    )  # fmt: skip


# --- service-specific credentials ------------------------------------------------------------

#: A data scientist who tried Bedrock and set up CodeCommit over HTTPS long ago.
SERVICE_CREDENTIAL_USER = "kenji.watanabe"
#: Stable ids, so docs and tests can name them.
CODECOMMIT_CREDENTIAL_ID = "ACCAKENJIGITHTTPS0001"
BEDROCK_CREDENTIAL_ID = "ACCAKENJIBEDROCKKEY01"


def _seed_service_credentials(s: Seeder) -> None:
    """service-credential.rotation-due (a 400-day-old Git credential) and
    service-credential.bedrock-long-lived (a Bedrock API key created without an expiry)."""
    d = s.ago
    user = SERVICE_CREDENTIAL_USER
    held = [
        ServiceCredential(
            credential_id=CODECOMMIT_CREDENTIAL_ID,
            user_name=user,
            service_name="codecommit.amazonaws.com",
            service_user_name=f"{user}-at-{s.account_id}",
            created=d(400),
        ),
        ServiceCredential(
            credential_id=BEDROCK_CREDENTIAL_ID,
            user_name=user,
            service_name="bedrock.amazonaws.com",
            service_user_name=f"{user}-at-{s.account_id}",
            created=d(20),
        ),
    ]
    with s.extras.lock:
        s.extras.service_credentials.setdefault(user, []).extend(held)


# --- issue 13: users in no group (user.no-mfa fires on the machine users above) ----------------

#: Rules the demo shows only once its root is given a virtual MFA device, with the rule that
#: goes away then: the demo's root has no MFA (root.no-mfa), and one root cannot show both.
ROOT_VARIANT_RULES: Mapping[str, str] = {"root.virtual-mfa": "root.no-mfa"}
#: A migration helper whose group was removed when the migration ended: no group, no policy,
#: no credential left (user.no-group offers user.delete; it is also user.inactive).
GROUPLESS_USER = "dms-migration-2023"


def _seed_groupless(s: Seeder) -> None:
    """A user nobody cleaned up after its project: no group, no policy, no credential."""
    s.user(
        GROUPLESS_USER, path="/automation/", created=s.ago(700),
        tags=_tags("Data", _email("marcus.chen"), "CC-1200", Project="dms-migration"),
    )  # fmt: skip


# --- issue 13: server certificates and IAM Access Analyzer -----------------------------------

#: server-cert.expired: the old shop's certificate, expired and never removed (CIS 1.19).
EXPIRED_SERVER_CERTIFICATE = "shop-northwind-2024"
#: server-cert.expiring: the API's certificate, expiring in under 30 days.
EXPIRING_SERVER_CERTIFICATE = "api-northwind-2025"
#: A current certificate: neither rule fires on it.
CURRENT_SERVER_CERTIFICATE = "www-northwind-2026"
#: account.access-analyzer-disabled: the demo's region has only an unused-access analyzer,
#: which does not analyze external access (CIS 1.20 asks for an account or organization one).
UNUSED_ACCESS_ANALYZER = "unused-access"


def _seed_server_certificates(s: Seeder) -> None:
    """Server certificates (one expired, one expiring, one current) and no external analyzer."""
    d = s.ago
    s.server_certificate(
        EXPIRED_SERVER_CERTIFICATE, path="/cloudfront/", uploaded=d(420), expires=d(55)
    )
    s.server_certificate(EXPIRING_SERVER_CERTIFICATE, uploaded=d(353), expires=d(-12))
    s.server_certificate(CURRENT_SERVER_CERTIFICATE, uploaded=d(20), expires=d(-345))
    s.analyzer(UNUSED_ACCESS_ANALYZER, type="ACCOUNT_UNUSED_ACCESS", created=d(200))


# --- issue 13: SSH public keys (ssh-key.rotation-due; fetched per user) ----------------------

#: Public material only (an RSA public key, its private half discarded): uploads must parse.
LEGACY_SSH_PUBLIC_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDZkndWjK7SQgohn2ZpkhJoT+FJt5ZZxzopb6HndLibL1yhCifXUtj2"
    "a+iv1+SrdnLzlR3VcCYiDzAYr94xfiBk0ApWuW0CdT29PDUcqbMU3aDv/0yKm04s1pMcBqzonl0TyBMbMbqJc3/ik9yy"
    "zS3vrGhTso1yowABGeb/axaC1exbHirIku2ty11YPIuZWMcuwI+ryTPB085K86EjJ2mQW38HoiquqYQtb6xNGSQE1wQN"
    "MP75q1bz4sqqDhJkH4+Tq1roGqp6ROhZLuz0PDwFD70zecKEmu8ro804pRAPkyt5wbpK/nYFSqZ5fzPuDhqvBny/fc73"
    "TtD4235GoDi9 legacy-soap-client@codecommit"
)
#: The SOAP client also mirrors a CodeCommit repository over SSH with a key two years old.
SSH_KEY_USER = SIGNING_CERT_USER


def _seed_ssh_keys(s: Seeder) -> None:
    """ssh-key.rotation-due once the user is opened: an old active key beside its old cert."""
    key = s.backend.users[SSH_KEY_USER].upload_ssh_public_key(LEGACY_SSH_PUBLIC_KEY)
    key.upload_date = s.ago(730).replace(tzinfo=None)


# --- instance profiles and identity providers (issue 13) -------------------------------------

#: The Jenkins agents' role was deleted; its instance profile stayed behind, empty.
EMPTY_INSTANCE_PROFILE = "jenkins-agent-profile"
#: The OIDC provider of an EKS cluster torn down last year: no role trusts it any more.
UNUSED_OIDC_HOST = "oidc.eks.eu-west-1.amazonaws.com/id/5C2F0A1B9D7E4C3A8B6F1E2D0C9B8A7F"
#: The SAML provider of the IdP the company left for Okta.
UNUSED_SAML_PROVIDER = "OneLogin"


def saml_metadata(entity_id: str) -> str:
    """IdP metadata as an IdP exports it (signing certificate, SSO endpoints): over the 1,000
    characters CreateSAMLProvider requires, so undoing its deletion can send it back."""
    certificate = "".join(LEGACY_SIGNING_CERTIFICATE.strip().splitlines()[1:-1])
    binding = "urn:oasis:names:tc:SAML:2.0:bindings"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">'
        '<md:IDPSSODescriptor WantAuthnRequestsSigned="false" '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        "<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
        "</md:NameIDFormat>"
        f'<md:SingleSignOnService Binding="{binding}:HTTP-Redirect" '
        f'Location="{entity_id}/sso/redirect"/>'
        f'<md:SingleSignOnService Binding="{binding}:HTTP-POST" Location="{entity_id}/sso/post"/>'
        f'<md:SingleLogoutService Binding="{binding}:HTTP-Redirect" '
        f'Location="{entity_id}/slo/redirect"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def _seed_providers(s: Seeder) -> None:
    """What instance-profile.no-role and identity-provider.unused report, each once (the GitHub
    OIDC provider, Okta and IAM Identity Center's provider are trusted by roles already)."""
    d = s.ago
    profile = s.backend.create_instance_profile(
        EMPTY_INSTANCE_PROFILE,
        path="/ci/",
        role_names=[],
        tags=[{"Key": "Team", "Value": "Platform"}],
    )
    profile.create_date = d(900).replace(tzinfo=None)
    s.oidc_provider(f"https://{UNUSED_OIDC_HOST}", created=d(420), tags={"Team": "Platform"})
    onelogin = s.backend.create_saml_provider(
        UNUSED_SAML_PROVIDER, saml_metadata("https://northwind.onelogin.com/saml")
    )
    onelogin.create_date = d(1400).replace(tzinfo=None)


# --- issue 14: right-sizing from last-accessed data ------------------------------------------

#: The reporting pipeline's role: granted more services than it uses (permissions.unused-services,
#: right-sized by ``principal.rightsize``): an inline policy, a customer-managed policy attached
#: to it alone, and an AWS-managed policy, each granting something it never or long ago used.
RIGHTSIZE_ROLE = "reporting-etl"
#: Its customer-managed policy (attached to no one else: right-sizing gives it a new version).
RIGHTSIZE_POLICY = "NorthwindReportingEtl"
#: Its inline policy (right-sizing replaces the document, the old one saved).
RIGHTSIZE_INLINE = "EtlPipeline"
#: Its AWS-managed policy (not editable: right-sizing copies what is used and detaches it).
RIGHTSIZE_AWS_POLICY = "AmazonSNSReadOnlyAccess"


def _seed_rightsize(s: Seeder) -> None:
    """A two-year-old role that uses S3, Glue, Athena, Redshift Data and SNS, and was also granted
    SQS, DynamoDB, Kinesis (the clickstream job moved to Firehose before it ever ran) and SMS
    Voice, none of them used."""
    d = s.ago
    lake = "arn:aws:s3:::northwind-lake"
    pipeline: Document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Lake",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                "Resource": [lake, f"{lake}/reports/*"],
            },
            {"Sid": "KeepRaw", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
            {
                "Sid": "Jobs",
                "Effect": "Allow",
                "Action": ["glue:StartJobRun", "glue:GetJobRun", "glue:GetTable"],
                "Resource": "*",
            },
            {
                "Sid": "Handoff",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
                "Resource": f"arn:aws:sqs:us-east-1:{s.account_id}:reporting-handoff",
            },
            {
                "Sid": "Clickstream",
                "Effect": "Allow",
                "Action": ["kinesis:GetRecords", "kinesis:GetShardIterator"],
                "Resource": f"arn:aws:kinesis:us-east-1:{s.account_id}:stream/clickstream",
            },
        ],
    }
    queries = s.managed_policy(
        RIGHTSIZE_POLICY,
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Query",
                    "Effect": "Allow",
                    "Action": [
                        "athena:StartQueryExecution",
                        "athena:GetQueryResults",
                        "redshift-data:ExecuteStatement",
                        "redshift-data:GetStatementResult",
                    ],
                    "Resource": "*",
                },
                {
                    "Sid": "Lookups",
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                    "Resource": f"arn:aws:dynamodb:us-east-1:{s.account_id}:table/report-runs",
                },
                {
                    "Sid": "Notify",
                    "Effect": "Allow",
                    "Action": "sns:Publish",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
                },
            ],
        },
        description="Queries and notifications of the nightly reporting pipeline",
        created=d(700),
        updated=d(400),
        tags=_tags("Data", _email("li.wei"), "CC-1200"),
    )
    trust = trust_service("glue.amazonaws.com")
    trust["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceAccount": s.account_id}}
    role = s.role(
        RIGHTSIZE_ROLE, trust=trust, path="/service-role/",
        created=d(720), last_used=d(0, hours=4), last_used_region="us-east-1",
        managed=[queries.arn, s.aws_managed(RIGHTSIZE_AWS_POLICY).arn],
        inline={RIGHTSIZE_INLINE: pipeline}, tags=_tags("Data", _email("li.wei"), "CC-1200"),
        description="Nightly reporting ETL (Glue job)",
    )  # fmt: skip
    arn = role.arn
    s.usage(arn, "s3", d(0, hours=4), actions={"GetObject": d(0, hours=4), "PutObject": d(1)})
    s.usage(arn, "glue", d(0, hours=4))
    s.usage(arn, "athena", d(1))
    s.usage(arn, "redshift-data", d(1))
    s.usage(arn, "sns", d(6))


# --- issue 14: follow-ups (scream tests) in the demo's journal ------------------------------

#: The due follow-up: tom.becker's old key, deactivated through iamtui 31 days ago, unused since
#: (its last use was 200 days ago): `iamtui journal due` says ready, delete it?
FOLLOW_UP_KEY_USER = "tom.becker"
FOLLOW_UP_KEY_DAYS_AGO = 31
#: The pending one: a role nobody used for 400 days, quarantined 5 days ago (delete in 14).
FOLLOW_UP_ROLE = "legacy-batch-processor"
FOLLOW_UP_ROLE_DAYS_AGO = 5


def seed_demo_journal(
    settings: ConnectionSettings, backend: Any, journal_path: Path, now: datetime
) -> None:
    """A fresh demo journal holding the two changes an operator made earlier, through iamtui's
    own planner and executor on the demo account with the clock set back: the key deactivation
    (its follow-up due) and the role quarantine (its follow-up pending)."""
    from datetime import timedelta

    from iamtui.core.actions import Executor, Planner, Request, context_snapshot
    from iamtui.core.journal import Journal, JournalWriter
    from iamtui.core.loader import read_access_keys
    from iamtui.core.model import PrincipalDetail
    from iamtui.core.session import connect

    journal = Journal(journal_path)
    if journal.path.exists() and journal.entries():
        return  # not the fresh journal of this run: leave it alone
    conn = connect(settings)
    user = backend.users[FOLLOW_UP_KEY_USER]
    key = next(k for k in user.access_keys if k.status == "Inactive")
    key.status = "Active"  # as it was before the operator deactivated it
    changes = (
        (FOLLOW_UP_KEY_DAYS_AGO, Request.deactivate_key(FOLLOW_UP_KEY_USER, key.access_key_id)),
        (FOLLOW_UP_ROLE_DAYS_AGO, Request.quarantine_role(FOLLOW_UP_ROLE)),
    )
    for days, request in changes:
        then = now - timedelta(days=days)

        def clock(at: datetime = then) -> datetime:
            return at

        # What the operator reviewed then: the user's keys with their last use (the detail
        # opening the user reads), so the plan knows the key's use and carries no note that it
        # was acted on unchecked.
        context = context_snapshot(conn, now=then)
        keys = read_access_keys(conn.iam, FOLLOW_UP_KEY_USER)
        detail = PrincipalDetail(user.arn, then, access_keys=keys)
        context = replace(context, details={user.arn: detail})
        planner = Planner(conn, context, clock=clock)
        plan = planner.plan(request)
        with JournalWriter(journal, clock=clock) as writer:
            Executor(conn, writer, clock=clock).run(plan.confirm(plan.confirmation_phrase))


# --- issue 14: IAM Access Analyzer as a second opinion -----------------------------------------

#: The unused-access analyzer's findings on the demo: it agrees with iamtui on the unused role,
#: the stale key, the unused password and marcus.chen's unused services (with a recommendation:
#: a narrower policy, and detaching the developer policy), and disagrees on the orders role,
#: which it last analyzed before the role was used again.
ANALYZER_DISAGREES_ROLE = "orders-api-lambda"


def _seed_analyzer_findings(
    s: Seeder, unused_role: str, busy_role: str, stale_key_user: str, idle_password: str,
    partial_user: str,
) -> None:  # fmt: skip
    """ACTIVE unused-access findings (and one RESOLVED) of the demo's unused-access analyzer."""
    d = s.ago
    roles, users = s.backend.roles, s.backend.users
    role_arn = {r.name: r.arn for r in roles.values()}
    analyzer = UNUSED_ACCESS_ANALYZER
    s.analyzer_finding(
        analyzer, role_arn[unused_role], "UnusedIAMRole", updated=d(2),
        details=[{"unusedIamRoleDetails": {"lastAccessed": d(200)}}],
    )  # fmt: skip
    s.analyzer_finding(
        analyzer, role_arn[busy_role], "UnusedIAMRole", updated=d(40),
        details=[{"unusedIamRoleDetails": {"lastAccessed": d(130)}}],
    )  # fmt: skip
    daniel = users[stale_key_user]
    s.analyzer_finding(
        analyzer, daniel.arn, "UnusedIAMUserAccessKey", updated=d(3),
        details=[
            {"unusedIamUserAccessKeyDetails": {"accessKeyId": k.access_key_id,
                                               "lastAccessed": d(140)}}
            for k in daniel.access_keys
        ],
    )  # fmt: skip
    s.analyzer_finding(
        analyzer, users[idle_password].arn, "UnusedIAMUserPassword", updated=d(3),
        details=[{"unusedIamUserPasswordDetails": {"lastAccessed": d(120)}}],
    )  # fmt: skip
    developer = next(
        p for p in s.backend.managed_policies.values() if p.name == "NorthwindDeveloperAccess"
    )
    narrower = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject", "lambda:*", "logs:*"],
                "Resource": "*",
            }
        ],
    }
    s.analyzer_finding(
        analyzer, users[partial_user].arn, "UnusedPermission", updated=d(1),
        details=[
            {"unusedPermissionDetails": {"serviceNamespace": name}}
            for name in ("cloudwatch", "dynamodb", "ec2")
        ],
        recommended_steps=[
            {"unusedPermissionsRecommendedStep": {
                "recommendedAction": "CREATE_POLICY", "existingPolicyId": developer.id,
                "recommendedPolicy": json.dumps(narrower), "policyUpdatedAt": d(210)}},
            {"unusedPermissionsRecommendedStep": {
                "recommendedAction": "DETACH_POLICY", "existingPolicyId": developer.id,
                "policyUpdatedAt": d(210)}},
        ],
    )  # fmt: skip
    s.analyzer_finding(
        analyzer, users[partial_user].arn, "UnusedIAMUserPassword", status="RESOLVED",
        updated=d(60),
    )  # fmt: skip
