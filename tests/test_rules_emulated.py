"""Every rule against accounts seeded on the emulator, loaded over HTTP like the product does.

Each rule gets a minimal account with a principal that must make it fire and principals that
must not (same account, so one load proves both). The known false-positive traps each have their
own test below, with the AWS behaviour they rely on. Unit tests on hand-built snapshots live in
``test_rules.py``; here the data goes seed -> moto + fidelity layer -> boto3 -> loader -> rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import NOW

from iamtui.core.findings import (
    ActionId,
    Evaluation,
    EvidenceValue,
    Finding,
    KeyRef,
    PrincipalKind,
    iso,
)
from iamtui.core.loader import load_account, load_last_accessed_batch, load_user_detail
from iamtui.core.model import AccountSnapshot, Missing, Part
from iamtui.core.rules import ALL_RULES, RULE_IDS, evaluate
from iamtui.core.session import Connection, ConnectionSettings, connect
from iamtui.core.subjects import (
    AccountSubject,
    AttachmentSubject,
    Fix,
    GroupSubject,
    IdentityProviderSubject,
    InlinePolicySubject,
    InstanceProfileSubject,
    KeySubject,
    MembershipSubject,
    PolicySubject,
    PrincipalSubject,
    RootKeySubject,
    ServerCertificateSubject,
    ServiceCredentialSubject,
    TrustSubject,
    UploadedCredentialSubject,
    VirtualMfaSubject,
)
from iamtui.emulator.seed import (
    KeySpec,
    RootKeySpec,
    Seeder,
    allow,
    trust_aws,
    trust_oidc,
    trust_saml,
    trust_service,
)
from iamtui.emulator.server import Emulator
from tests.faults import inject

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "999988887777"
ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
GITHUB = "token.actions.githubusercontent.com"
REPORT_RULES = frozenset(r.id for r in ALL_RULES if Part.CREDENTIAL_REPORT in r.needs)


def z(days: float) -> str:
    """Evidence form of a date ``days`` before NOW."""
    return iso(NOW - timedelta(days=days))


# --- seeding and loading ---------------------------------------------------------------------


@pytest.fixture
def seed(emulator: Emulator, now: datetime) -> Seeder:
    """A Seeder on a clean account whose emulator clock is frozen at ``now``.

    No generation or job polling: the loader would sleep between polls, and every test loads.
    """
    extras = emulator.extras()
    extras.clock = lambda: now
    extras.report_generation_polls = 0
    extras.last_accessed_polls = 0
    return Seeder(emulator.backend(), extras, now)


def connection(emulator: Emulator) -> Connection:
    """The product's own connection (adaptive retries, request counter) to the emulator."""
    return connect(
        ConnectionSettings(
            endpoint_url=emulator.endpoint_url,
            region="us-east-1",
            static_credentials=("testing", "testing"),
        )
    )


@dataclass(frozen=True)
class Loaded:
    """One load and its evaluation, with lookups by rule."""

    snapshot: AccountSnapshot
    evaluation: Evaluation

    def fired(self, rule_id: str) -> dict[str, Finding]:
        """The rule's findings by principal name (one per principal in these accounts)."""
        found: dict[str, Finding] = {}
        for f in self.evaluation.findings:
            if f.rule == rule_id:
                assert f.principal_name not in found, f"two {rule_id} findings on one principal"
                found[f.principal_name] = f
        return found

    def skipped(self, rule_id: str) -> str | None:
        """Why the rule was not evaluated, or None when it ran."""
        return next((n.reason for n in self.evaluation.not_evaluated if n.rule.id == rule_id), None)


def load_and_evaluate(
    emulator: Emulator,
    now: datetime,
    *,
    conn: Connection | None = None,
    last_accessed: bool = False,
) -> Loaded:
    """Load the account over HTTP as the product does, key ids and optionally last-accessed
    data included, and run every rule at ``now``."""
    conn = conn or connection(emulator)
    snapshot = load_account(conn, clock=lambda: now)
    snapshot = snapshot.with_details(
        *(load_user_detail(conn, user, clock=lambda: now) for user in snapshot.users)
    )
    if last_accessed:
        arns = [u.arn for u in snapshot.users] + [r.arn for r in snapshot.roles]
        batch = load_last_accessed_batch(conn, arns, workers=4)
        assert not batch.failures
        snapshot = snapshot.with_last_accessed(*batch.results.values())
    return Loaded(snapshot, evaluate(snapshot, now=now))


def key_id(emulator: Emulator, user_name: str, slot: int) -> str:
    """The id of the key the credential report shows in ``slot`` (slots follow creation order)."""
    keys = sorted(emulator.backend().users[user_name].access_keys, key=lambda k: k.create_date)
    return str(keys[slot - 1].access_key_id)


def principal(snapshot: AccountSnapshot, name: str) -> tuple[PrincipalKind, str]:
    """The kind and ARN a finding about ``name`` must carry (also proves it was loaded)."""
    if name == "root":
        return PrincipalKind.ROOT, ROOT_ARN
    if name == snapshot.account_id:
        return PrincipalKind.ACCOUNT, ROOT_ARN
    found = [
        *((PrincipalKind.USER, u.arn) for u in snapshot.users if u.name == name),
        *((PrincipalKind.ROLE, r.arn) for r in snapshot.roles if r.name == name),
        *((PrincipalKind.POLICY, p.arn) for p in snapshot.policies if p.name == name),
        *((PrincipalKind.GROUP, g.arn) for g in snapshot.groups if g.name == name),
        # Findings name only unassigned devices (an assigned one shares its user's name).
        *(
            (PrincipalKind.MFA_DEVICE, d.serial)
            for d in snapshot.virtual_mfa_devices
            if d.user_arn is None and d.serial.rsplit("/", 1)[-1] == name
        ),
        *(
            (PrincipalKind.SERVER_CERTIFICATE, c.arn)
            for c in snapshot.server_certificates or ()
            if c.name == name
        ),
    ]
    if not found:  # a role's instance profile often shares its name: principals come first
        found = [
            *(
                (PrincipalKind.INSTANCE_PROFILE, p.arn)
                for p in snapshot.instance_profiles or ()
                if p.name == name
            ),
            *(
                (PrincipalKind.IDENTITY_PROVIDER, p.arn)
                for p in snapshot.identity_providers or ()
                if p.name == name
            ),
        ]
    assert len(found) == 1, f"expected one principal named {name}, loaded {found}"
    return found[0]


# --- one table: each rule, who makes it fire, who must not ------------------------------------

Seed = Callable[[Seeder], Any]


@dataclass(frozen=True)
class Case:
    """A rule, an account, the principals it fires on (with evidence) and those it must not."""

    rule: str
    seed: Seed
    fires: Mapping[str, Mapping[str, EvidenceValue]] = field(default_factory=dict)
    quiet: tuple[str, ...] = ()
    #: The key slot a per-key finding names (its key id is checked against the emulator).
    slot: int | None = None
    last_accessed: bool = False
    name: str = ""
    #: The exact fixes a finding offers, by principal (others: each fix names the principal).
    fixes: Mapping[str, tuple[Fix, ...]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.name}" if self.name else self.rule


def used(days: float, *, created: float = 400, **kw: Any) -> KeySpec:
    """An active key created ``created`` days ago and last used ``days`` ago."""
    return KeySpec(
        created=NOW - timedelta(days=created), last_used=NOW - timedelta(days=days), **kw
    )


def never(created: float, **kw: Any) -> KeySpec:
    """A key created ``created`` days ago and never used."""
    return KeySpec(created=NOW - timedelta(days=created), **kw)


def seed_last_accessed(s: Seeder) -> None:
    """Principals granted services, some used lately, some long ago or never."""
    s.user("wide", created=s.ago(400), inline={"p": allow("s3:GetObject", "dynamodb:*")})
    s.usage(s.arn("user", "wide"), "s3", s.ago(5), "eu-west-1")
    s.user("tight", created=s.ago(400), inline={"p": allow("s3:GetObject")})
    s.usage(s.arn("user", "tight"), "s3", s.ago(1))
    # 10 days old: it has not had 90 days to use what it was granted
    s.user("young", created=s.ago(10), inline={"p": allow("sqs:*")})
    s.role(
        "batch",
        trust=trust_service("ec2.amazonaws.com"),
        created=s.ago(400),
        last_used=s.ago(1),
        inline={"p": allow("s3:GetObject", "sqs:SendMessage")},
    )
    s.usage(s.arn("role", "batch"), "s3", s.ago(200))
    s.usage(s.arn("role", "batch"), "sqs", s.ago(1))


CLOUDSHELL_ARN = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
SUPPORT_ARN = "arn:aws:iam::aws:policy/AWSSupportAccess"


def seed_pass_role(s: Seeder) -> None:
    """PassRole on every role (managed and inline), next to pinned and scoped grants."""
    pinned: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PassToEc2",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
            }
        ],
    }
    s.managed_policy("PassAny", allow("iam:PassRole", sid="Deploy"))
    s.managed_policy("PassPinned", pinned)
    s.user("deployer", managed=[s.arn("policy", "PassAny"), s.arn("policy", "PassPinned")])
    s.user("inline-pass", inline={"p": allow("iam:Pass*", "ec2:RunInstances")})
    s.user("scoped", inline={"p": allow("iam:PassRole", resource=s.arn("role", "app"))})
    for name, excluded in (("all-but-s3", "s3:*"), ("all-but-iam", "iam:*")):
        statement = {"Effect": "Allow", "NotAction": excluded, "Resource": "*"}
        s.user(name, inline={"p": {"Version": "2012-10-17", "Statement": [statement]}})
    s.group("Builders", inline={"b": allow("iam:*")})


def seed_instance_profiles(s: Seeder) -> None:
    """A profile holding its role, one holding none for months, one made yesterday."""
    s.role("web-role", trust=trust_service("ec2.amazonaws.com"), instance_profile="web")
    for name, days in (("empty", 300), ("fresh", 1)):
        profile = s.backend.create_instance_profile(name, path="/ci/", role_names=[])
        profile.create_date = (NOW - timedelta(days=days)).replace(tzinfo=None)


def seed_identity_providers(s: Seeder) -> None:
    """GitHub and Okta trusted by a role each; an OIDC and a SAML provider nobody trusts."""
    host = "token.actions.githubusercontent.com"
    github = s.oidc_provider(f"https://{host}", created=s.ago(300))
    s.oidc_provider("https://unused.example.com", created=s.ago(300))
    okta = s.saml_provider("Okta", created=s.ago(300))
    s.saml_provider("OneLogin", created=s.ago(300))
    s.role(
        "deploy",
        trust=trust_oidc(github, host, audience="sts.amazonaws.com", subject="repo:acme/*"),
    )
    s.role("okta-admins", trust=trust_saml(okta))


def seed_signing_certificates(s: Seeder) -> None:
    """An old active certificate, a recent one, an inactive one (uploads parse, as on AWS)."""
    from iamtui.emulator.demo import LEGACY_SIGNING_CERTIFICATE

    for name, days, status in (("soap", 400, "Active"), ("fresh-cert", 20, "Active"),
                               ("retired-cert", 400, "Inactive")):  # fmt: skip
        s.user(name, created=s.ago(900))
        cert = s.backend.upload_signing_certificate(name, LEGACY_SIGNING_CERTIFICATE)
        cert.upload_date = (NOW - timedelta(days=days)).replace(tzinfo=None)
        cert.status = status
    s.user("no-cert", created=s.ago(900))


def seed_escalation(s: Seeder) -> None:
    """An admin role Lambda may assume; who can pass it to a new function, who only half."""
    s.role("power", trust=trust_service("lambda.amazonaws.com"), managed=[ADMIN_ARN])
    launch = ("lambda:CreateFunction", "lambda:InvokeFunction")
    s.user("builder", inline={"p": allow("iam:PassRole", *launch)})
    s.user("half", inline={"p": allow("iam:PassRole", "lambda:CreateFunction")})
    s.user("elsewhere", inline={"p": allow("iam:PassRole", *launch, resource="arn:aws:*:*:*:x")})
    s.user("root-of-it", managed=[ADMIN_ARN])


def seed_credential(
    s: Seeder,
    user: str,
    service: str,
    created: float,
    *,
    status: str = "Active",
    expires: float | None = None,
) -> None:
    """A service-specific credential ``created`` days ago (``expires``: days from now)."""
    from iamtui.emulator.state import ServiceCredential as EmulatedCredential

    if user not in s.backend.users:
        s.user(user, created=s.ago(900))
    held = s.extras.service_credentials.setdefault(user, [])
    held.append(
        EmulatedCredential(
            credential_id=f"ACCA{user.upper().replace('-', '')}{len(held)}".ljust(21, "0"),
            user_name=user,
            service_name=f"{service}.amazonaws.com",
            service_user_name=f"{user}-at-{ACCOUNT}",
            created=s.ago(created),
            status=status,
            expiration=None if expires is None else NOW + timedelta(days=expires),
        )
    )


def seed_service_credentials(s: Seeder) -> None:
    """Old and new, active and not, expiring and not: Git, Keyspaces and Bedrock credentials."""
    seed_credential(s, "git-old", "codecommit", 200)
    seed_credential(s, "git-old", "codecommit", 10)
    seed_credential(s, "cassandra-old", "cassandra", 120)
    seed_credential(s, "git-new", "codecommit", 10)
    seed_credential(s, "git-off", "codecommit", 400, status="Inactive")
    seed_credential(s, "bedrock-gone", "bedrock", 200, expires=-10)
    seed_credential(s, "bedrock-forever", "bedrock", 5)
    seed_credential(s, "bedrock-far", "bedrock", 5, expires=365)
    seed_credential(s, "bedrock-short", "bedrock", 5, expires=30)
    s.user("no-credential", created=s.ago(900))


def seed_ssh_keys(s: Seeder) -> None:
    """An old active SSH key, a recent one, an old inactive one (moto stores naive UTC)."""
    from test_actions_support import ssh_public_key

    for name, days, status in (("git-old", 200, "Active"), ("git-new", 10, "Active"),
                               ("git-off", 400, "Inactive")):  # fmt: skip
        s.user(name, created=s.ago(900))
        key = s.backend.users[name].upload_ssh_public_key(ssh_public_key())
        key.upload_date = (NOW - timedelta(days=days)).replace(tzinfo=None)
        key.status = status
    s.user("no-ssh", created=s.ago(900))


COVERAGE_CASES: tuple[Case, ...] = (
    Case(
        "permissions.privilege-escalation",
        seed_escalation,
        fires={"builder": {"paths_total": 1, "conditional": False}},
        quiet=("half", "elsewhere", "root-of-it", "power"),
        fixes={
            "builder": (
                Fix(ActionId.POLICY_DELETE_INLINE, InlinePolicySubject("user", "builder", "p")),
            )
        },
    ),
    Case(
        "service-credential.rotation-due",
        seed_service_credentials,
        fires={
            "git-old": {"threshold_days": 90},
            "cassandra-old": {"threshold_days": 90},
        },
        quiet=("git-new", "git-off", "bedrock-gone", "bedrock-forever", "no-credential"),
        fixes={
            "git-old": (
                Fix(
                    ActionId.SERVICE_CREDENTIAL_DEACTIVATE,
                    ServiceCredentialSubject("git-old", "ACCAGITOLD00000000000"),
                ),
            )
        },
    ),
    Case(
        "service-credential.bedrock-long-lived",
        seed_service_credentials,
        fires={
            "bedrock-forever": {"max_days_to_expiry": 90},
            "bedrock-far": {"max_days_to_expiry": 90},
        },
        quiet=("bedrock-short", "bedrock-gone", "git-old", "no-credential"),
    ),
    Case(
        "policy.passrole-wildcard",
        seed_pass_role,
        fires={
            "PassAny": {"statements": ("Deploy",), "attachment_count": 1},
            "inline-pass": {"statements": ("inline p: statement 1",)},
            "all-but-s3": {"statements": ("inline p: statement 1",)},
            "Builders": {"statements": ("inline b: statement 1",)},
        },
        quiet=("PassPinned", "scoped", "deployer", "all-but-iam"),
    ),
    Case(
        "policy.service-wildcard",
        lambda s: (
            s.managed_policy("KmsAll", allow("kms:*")),
            s.managed_policy("S3Read", allow("s3:Get*", "s3:List*")),
            s.managed_policy("Boundary", allow("s3:*", "logs:*")),
            s.user("keys", managed=[s.arn("policy", "KmsAll"), s.arn("policy", "S3Read")]),
            s.user("bucket-admin", inline={"p": allow("s3:*", "sqs:SendMessage")}),
            s.role(
                "bounded",
                trust=trust_service("lambda.amazonaws.com"),
                boundary=s.arn("policy", "Boundary"),
            ),
        ),
        fires={
            "KmsAll": {"services": ("kms",), "sensitive": ("kms",), "attachment_count": 1},
            "bucket-admin": {"services": ("s3",), "sensitive": (), "inline_policies": ("p",)},
        },
        quiet=("S3Read", "Boundary", "keys", "bounded"),
    ),
    Case(
        "policy.cloudshell-full-access",
        lambda s: (
            s.group("Shell", managed=[CLOUDSHELL_ARN]),
            s.user("shell-user", managed=[CLOUDSHELL_ARN]),
            s.user("member", groups=["Shell"]),
            s.user("reader", managed=["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
        ),
        fires={"Shell": {"policy_arn": CLOUDSHELL_ARN}, "shell-user": {}},
        quiet=("member", "reader"),
        fixes={
            "Shell": (
                Fix(ActionId.POLICY_DETACH, AttachmentSubject("group", "Shell", CLOUDSHELL_ARN)),
            ),
            "shell-user": (
                Fix(
                    ActionId.POLICY_DETACH,
                    AttachmentSubject("user", "shell-user", CLOUDSHELL_ARN),
                ),
            ),
        },
    ),
    Case(
        "account.no-support-role",
        lambda s: s.user("helpdesk", managed=[SUPPORT_ARN]),
        fires={ACCOUNT: {"users": ("helpdesk",), "groups": ()}},
        name="fires",
    ),
    Case(
        "account.no-support-role",
        lambda s: s.role(
            "support", trust=trust_aws(f"arn:aws:iam::{ACCOUNT}:root"), managed=[SUPPORT_ARN]
        ),
        quiet=(ACCOUNT,),
        name="quiet",
    ),
    Case(
        "user.keys-at-setup",
        lambda s: (
            s.user("setup", created=s.ago(100), password=True, keys=[never(100)]),
            s.user("rotated", created=s.ago(400), password=True, keys=[never(30)]),
            s.user("used", created=s.ago(100), password=True, keys=[used(5, created=100)]),
            s.user("machine", created=s.ago(100), keys=[never(100)]),
        ),
        fires={"setup": {"password_enabled": True, "last_used": "N/A", "user_created": z(100)}},
        quiet=("rotated", "used", "machine"),
        slot=1,
    ),
    Case(
        "cert.signing-active",
        seed_signing_certificates,
        fires={
            "soap": {"older_than_threshold": (1,), "threshold_days": 90},
            "fresh-cert": {"older_than_threshold": ()},
        },
        quiet=("retired-cert", "no-cert"),
    ),
    Case(
        "ssh-key.rotation-due",
        seed_ssh_keys,
        fires={"git-old": {"threshold_days": 90}},
        quiet=("git-new", "git-off", "no-ssh"),
    ),
    Case(
        "mfa.unassigned-virtual",
        lambda s: (
            s.backend.create_virtual_mfa_device(device_name="abandoned", path="/"),
            s.user("enrolled", mfa="virtual"),
        ),
        fires={"abandoned": {"serial": f"arn:aws:iam::{ACCOUNT}:mfa/abandoned"}},
        quiet=("enrolled",),
    ),
    # root MFA type: one root per account, so the negative is its own account
    Case(
        "root.virtual-mfa",
        lambda s: s.root(created=s.ago(3000), mfa="virtual", mfa_enabled_at=s.ago(100)),
        fires={
            "root": {
                "account_summary": True,
                "virtual_mfa_devices": (f"arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device",),
                "enabled": (z(100),),
            }
        },
        fixes={"root": (Fix(ActionId.ROOT_HARDEN, AccountSubject()),)},
        name="fires",
    ),
    Case(
        "root.virtual-mfa",
        lambda s: (
            s.root(created=s.ago(3000), mfa="hardware", mfa_enabled_at=s.ago(100)),
            s.user("enrolled", mfa="virtual"),  # a user's virtual device is not root's
        ),
        quiet=("root", "enrolled"),
        name="quiet",
    ),
    Case(
        "user.admin-virtual-mfa",
        lambda s: (
            s.user("admin-app", managed=[ADMIN_ARN], mfa="virtual"),
            s.user("admin-key", managed=[ADMIN_ARN], mfa="hardware"),
            s.user("dev-app", mfa="virtual"),
        ),
        fires={"admin-app": {"virtual_mfa_devices": (f"arn:aws:iam::{ACCOUNT}:mfa/admin-app",)}},
        quiet=("admin-key", "dev-app"),
        fixes={"admin-app": ()},
    ),
    Case(
        "user.no-mfa",
        lambda s: (
            s.user("bot", keys=[used(1)]),
            s.user("bot-with-mfa", keys=[used(1)], mfa="virtual"),
            s.user("console", password=True, password_last_used=s.ago(5), keys=[used(1)]),
            s.user("parked", keys=[used(200, status="Inactive")]),
        ),
        fires={"bot": {"password_enabled": False, "mfa_active": False, "active_key_slots": (1,)}},
        quiet=("bot-with-mfa", "console", "parked"),
        fixes={"bot": ()},
    ),
    Case(
        "user.no-group",
        lambda s: (
            s.user("orphan", created=s.ago(300)),
            s.user("orphan-with-key", created=s.ago(300), keys=[used(1)]),
            s.group("Readers", created=s.ago(300)),
            s.user("member", created=s.ago(300), groups=["Readers"]),
            s.user("direct", created=s.ago(300), inline={"p": allow("s3:GetObject")}),
            s.user("new-hire", created=s.ago(2)),
        ),
        fires={
            "orphan": {
                "credentials": {
                    "password_enabled": False,
                    "active_keys": 0,
                    "active_signing_certificates": 0,
                }
            },
            "orphan-with-key": {"user_created": z(300)},
        },
        quiet=("member", "direct", "new-hire"),
        fixes={
            "orphan": (Fix(ActionId.USER_DELETE, PrincipalSubject("user", "orphan")),),
            "orphan-with-key": (),
        },
    ),
    Case(
        "group.empty",
        lambda s: (
            s.group("Empty", created=s.ago(300)),
            s.group("Staffed", created=s.ago(300)),
            s.group("Fresh", created=s.ago(1)),
            s.user("member", groups=["Staffed"]),
        ),
        fires={"Empty": {"created": z(300), "attached_policies": (), "inline_policies": ()}},
        quiet=("Staffed", "Fresh"),
    ),
    # server certificates (real PEM bodies: the emulator reads NotAfter like AWS)
    Case(
        "server-cert.expired",
        lambda s: (
            s.server_certificate("old-shop", uploaded=s.ago(400), expires=s.ago(20)),
            s.server_certificate("soon", uploaded=s.ago(340), expires=s.ago(-10)),
            s.server_certificate("current", uploaded=s.ago(30), expires=s.ago(-300)),
        ),
        fires={"old-shop": {"uploaded": z(400), "expires": z(20), "path": "/"}},
        quiet=("soon", "current"),
    ),
    Case(
        "server-cert.expiring",
        lambda s: (
            s.server_certificate("soon", uploaded=s.ago(340), expires=s.ago(-10)),
            s.server_certificate("old-shop", uploaded=s.ago(400), expires=s.ago(20)),
            s.server_certificate("current", uploaded=s.ago(30), expires=s.ago(-300)),
        ),
        fires={"soon": {"expires": z(-10)}},
        quiet=("old-shop", "current"),
    ),
    # IAM Access Analyzer (regional: the connection's us-east-1)
    Case(
        "account.access-analyzer-disabled",
        lambda s: (
            s.analyzer("unused", type="ACCOUNT_UNUSED_ACCESS"),
            s.analyzer("elsewhere", type="ACCOUNT", region="eu-west-1"),
        ),
        fires={
            ACCOUNT: {
                "region": "us-east-1",
                "other_analyzers": ("unused (ACCOUNT_UNUSED_ACCESS, ACTIVE)",),
            }
        },
        name="fires",
    ),
    Case(
        "account.access-analyzer-disabled",
        lambda s: s.analyzer("external", type="ORGANIZATION"),
        quiet=(ACCOUNT,),
        name="quiet",
    ),
    Case(
        "instance-profile.no-role",
        seed_instance_profiles,
        fires={"empty": {"created": z(300), "path": "/ci/"}},
        quiet=("web", "fresh"),
    ),
    Case(
        "identity-provider.unused",
        seed_identity_providers,
        fires={
            "unused.example.com": {"kind": "OIDC"},
            "OneLogin": {"kind": "SAML", "created": z(300)},
        },
        quiet=("token.actions.githubusercontent.com", "Okta"),
    ),
)


CASES: tuple[Case, ...] = (
    # root and account: one root per account, so the negative is its own account
    Case(
        "root.no-mfa",
        lambda s: s.root(created=s.ago(3000)),
        fires={"root": {"account_summary": False, "credential_report": False}},
        name="fires",
    ),
    Case(
        "root.no-mfa",
        lambda s: s.root(created=s.ago(3000), mfa="virtual", mfa_enabled_at=s.ago(100)),
        quiet=("root",),
        name="quiet",
    ),
    Case(
        "root.access-keys",
        lambda s: s.root(created=s.ago(3000), keys=[RootKeySpec(created=s.ago(900))]),
        fires={
            "root": {
                "account_summary": True,
                "credential_report": True,
                "key_1": {"active": True, "last_rotated": z(900), "last_used": "N/A"},
            }
        },
        name="fires",
    ),
    Case(
        "root.access-keys",
        lambda s: s.root(created=s.ago(3000), mfa="hardware"),
        quiet=("root",),
        name="quiet",
    ),
    Case(
        "root.recently-used",
        lambda s: s.root(created=s.ago(3000), password_last_used=s.ago(3)),
        fires={"root": {"password_last_used": z(3), "key_1_last_used": "N/A"}},
        name="fires",
    ),
    Case(
        "root.recently-used",
        lambda s: s.root(created=s.ago(3000), password_last_used=s.ago(100)),
        quiet=("root",),
        name="quiet",
    ),
    Case(
        "account.password-policy",
        lambda s: s.password_policy(minimum_length=8),
        fires={ACCOUNT: {"minimum_password_length": 8, "password_reuse_prevention": None}},
        name="weak",
    ),
    Case(
        "account.password-policy",
        lambda s: None,
        fires={ACCOUNT: {"policy_present": False}},
        name="absent",
    ),
    Case(
        "account.password-policy",
        lambda s: s.password_policy(minimum_length=14, reuse_prevention=24),
        quiet=(ACCOUNT,),
        name="cis",
    ),
    # access keys
    Case(
        "access-key.unused",
        lambda s: (
            # slot 2 is the stale one: the finding must name that slot and that key id
            s.user("stale", keys=[used(1), used(200, created=300, region="eu-west-1")]),
            s.user("recent", keys=[used(10)]),
            s.user("never", keys=[never(300)]),
            s.user("inactive-stale", keys=[used(200, status="Inactive")]),
        ),
        fires={
            "stale": {
                "last_used": z(200),
                "last_used_region": "eu-west-1",
                "last_used_service": "s3",
                "active": True,
                "threshold_days": 90,
            }
        },
        quiet=("recent", "never", "inactive-stale"),
        slot=2,
    ),
    Case(
        "access-key.never-used",
        lambda s: (
            s.user("forgotten", keys=[never(30)]),
            s.user("in-use", keys=[used(5)]),
            s.user("parked", keys=[never(30, status="Inactive")]),
        ),
        fires={"forgotten": {"last_used": "N/A", "last_rotated": z(30), "grace_days": 7}},
        quiet=("in-use", "parked"),
        slot=1,
    ),
    Case(
        "access-key.rotation-due",
        lambda s: (
            s.user("old-key", keys=[used(1, created=200)]),
            s.user("rotated", keys=[used(1, created=30)]),
            s.user("old-inactive", keys=[used(150, created=200, status="Inactive")]),
        ),
        fires={"old-key": {"last_rotated": z(200), "last_used": z(1), "threshold_days": 90}},
        quiet=("rotated", "old-inactive"),
        slot=1,
    ),
    Case(
        "access-key.two-active",
        lambda s: (
            s.user("both", keys=[used(1, created=200), never(20)]),
            s.user("one-parked", keys=[used(1, created=200), never(20, status="Inactive")]),
        ),
        fires={"both": {"less_recently_used_slot": 2, "less_recently_used_last_used": "N/A"}},
        quiet=("one-parked",),
    ),
    Case(
        "access-key.inactive",
        lambda s: (
            s.user("deactivated", keys=[never(300, status="Inactive"), used(1, created=10)]),
            s.user("one-key", keys=[used(1, created=10)]),
        ),
        fires={"deactivated": {"active": False, "last_rotated": z(300), "last_used": "N/A"}},
        quiet=("one-key",),
        slot=1,
    ),
    # users
    Case(
        "user.console-without-mfa",
        lambda s: (
            s.user("no-mfa", password=True, password_last_used=s.ago(5)),
            s.user("virtual", password=True, password_last_used=s.ago(5), mfa="virtual"),
            s.user("hardware", password=True, password_last_used=s.ago(5), mfa="hardware"),
            s.user("keys-only", keys=[used(1)]),
        ),
        fires={"no-mfa": {"password_enabled": True, "password_last_used": z(5)}},
        quiet=("virtual", "hardware", "keys-only"),
    ),
    Case(
        "user.password-unused",
        lambda s: (
            s.user("stale", created=s.ago(400), password=True, password_last_used=s.ago(120)),
            s.user("never-signed-in", created=s.ago(120), password=True, mfa="virtual"),
            s.user("active", created=s.ago(400), password=True, password_last_used=s.ago(10)),
            s.user("new-hire", created=s.ago(2), password=True, mfa="virtual"),
            # 8 days old: past the 7-day grace, still younger than the 90-day threshold
            s.user("week-old-hire", created=s.ago(8), password=True, mfa="virtual"),
            # an old user given a console password two days ago: the password is new
            s.user(
                "new-password",
                created=s.ago(400),
                password=True,
                password_last_changed=s.ago(2),
                keys=[used(1)],
            ),
        ),
        fires={
            "stale": {"password_last_used": z(120), "threshold_days": 90},
            "never-signed-in": {"password_last_used": "no_information", "user_created": z(120)},
        },
        quiet=("active", "new-hire", "week-old-hire", "new-password"),
    ),
    Case(
        "user.inactive",
        lambda s: (
            s.user(
                "dormant",
                created=s.ago(400),
                password=True,
                password_last_used=s.ago(200),
                keys=[used(150)],
            ),
            s.user("empty", created=s.ago(100)),
            s.user("busy", created=s.ago(400), keys=[used(10)]),
            s.user("just-created", created=s.ago(3)),
            s.user("week-old-hire", created=s.ago(8), password=True, mfa="virtual"),
            s.user("being-set-up", created=s.ago(400), keys=[never(2)]),
        ),
        fires={
            "dormant": {
                "last_activity": z(150),
                "password_enabled": True,
                "active_keys": 1,
                "user_created": z(400),
            },
            "empty": {"last_activity": None, "password_enabled": False, "active_keys": 0},
        },
        quiet=("busy", "just-created", "week-old-hire", "being-set-up"),
    ),
    Case(
        "user.long-term-credentials",
        lambda s: (
            s.user("machine", keys=[used(1, service="sqs"), used(3, created=100, service="sns")]),
            s.user("parked", keys=[used(50, status="Inactive")]),
            s.user("human", password=True, mfa="virtual"),
        ),
        fires={"machine": {"active_key_slots": (1, 2), "last_used_services": ("sns", "sqs")}},
        quiet=("parked", "human"),
    ),
    Case(
        "user.direct-policies",
        lambda s: (
            s.managed_policy("ReadBuckets", allow("s3:GetObject")),
            s.group("Readers", managed=[s.arn("policy", "ReadBuckets")]),
            s.user(
                "direct",
                managed=[s.arn("policy", "ReadBuckets")],
                inline={"adhoc": allow("sqs:SendMessage")},
            ),
            s.user("grouped", groups=["Readers"]),
        ),
        fires={
            "direct": {
                "attached_policies": (f"arn:aws:iam::{ACCOUNT}:policy/ReadBuckets",),
                "inline_policies": ("adhoc",),
            }
        },
        quiet=("grouped",),
        fixes={
            "direct": (
                Fix(
                    ActionId.POLICY_DETACH,
                    AttachmentSubject(
                        "user", "direct", f"arn:aws:iam::{ACCOUNT}:policy/ReadBuckets"
                    ),
                ),
                Fix(ActionId.POLICY_DELETE_INLINE, InlinePolicySubject("user", "direct", "adhoc")),
            )
        },
    ),
    # roles
    Case(
        "role.unused",
        lambda s: (
            s.role(
                "stale",
                trust=trust_service("ec2.amazonaws.com"),
                created=s.ago(400),
                last_used=s.ago(200),
                last_used_region="us-west-2",
                instance_profile=True,
            ),
            # /service-role/ is an ordinary customer path, not an AWS-managed role
            s.role(
                "never",
                trust=trust_service("lambda.amazonaws.com"),
                path="/service-role/",
                created=s.ago(120),
            ),
            s.role("busy", trust=trust_service("ecs-tasks.amazonaws.com"), last_used=s.ago(1)),
            s.role("brand-new", trust=trust_service("lambda.amazonaws.com"), created=s.ago(2)),
            s.role("week-old", trust=trust_service("lambda.amazonaws.com"), created=s.ago(8)),
            s.role(
                "OrganizationAccountAccessRole",
                trust=trust_aws(f"arn:aws:iam::{OTHER_ACCOUNT}:root"),
                created=s.ago(900),
                last_used=s.ago(300),
            ),
        ),
        fires={
            "stale": {
                "last_used": z(200),
                "last_used_region": "us-west-2",
                "instance_profiles": ("stale",),
            },
            "never": {"last_used": None, "created": z(120)},
            "OrganizationAccountAccessRole": {
                "protected": "organization-critical role (AWS Organizations access from the "
                "management account; built-in pattern OrganizationAccountAccessRole)"
            },
        },
        quiet=("busy", "brand-new", "week-old"),
    ),
    Case(
        "role.cross-account-trust",
        lambda s: (
            s.role("vendor", trust=trust_aws(f"arn:aws:iam::{OTHER_ACCOUNT}:root")),
            s.role("vendor-pinned", trust=trust_aws(OTHER_ACCOUNT, external_id="n0nce")),
            s.role(
                "org-only",
                trust=trust_aws(
                    f"arn:aws:iam::{OTHER_ACCOUNT}:role/deployer",
                    condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
                ),
            ),
            # The org of a whole account is fixed: aws:PrincipalOrgID restricts nothing there.
            s.role(
                "account-org-id",
                trust=trust_aws(
                    OTHER_ACCOUNT, condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
                ),
            ),
            s.role(
                "arn-pinned",
                trust=trust_aws(
                    OTHER_ACCOUNT,
                    condition={
                        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/ci"}
                    },
                ),
            ),
            s.role("same-account", trust=trust_aws(ROOT_ARN)),
            s.role("service", trust=trust_service("lambda.amazonaws.com")),
            s.role(
                "any-org-role",
                trust=trust_aws(
                    f"arn:aws:iam::{OTHER_ACCOUNT}:role/deployer",
                    condition={"StringLike": {"aws:PrincipalOrgID": "o-*"}},
                ),
            ),
        ),
        fires={
            "vendor": {"accounts": (OTHER_ACCOUNT,)},
            "any-org-role": {"accounts": (OTHER_ACCOUNT,)},
            "account-org-id": {"accounts": (OTHER_ACCOUNT,)},
        },
        quiet=("vendor-pinned", "org-only", "arn-pinned", "same-account", "service"),
    ),
    Case(
        "role.public-trust",
        lambda s: (
            s.role("open", trust=trust_aws("*")),
            # an external id is not a secret: it does not make a public trust private
            s.role("open-with-external-id", trust=trust_aws("*", external_id="n0nce")),
            s.role(
                "any-github-repo",
                trust=trust_oidc(
                    s.oidc_provider(f"https://{GITHUB}"),
                    GITHUB,
                    audience="sts.amazonaws.com",
                    subject="repo:*",
                ),
            ),
            s.role(
                "org-only",
                trust=trust_aws("*", condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}),
            ),
            s.role(
                "one-github-repo",
                trust=trust_oidc(
                    f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}",
                    GITHUB,
                    audience="sts.amazonaws.com",
                    subject="repo:northwind/app:ref:refs/heads/main",
                ),
            ),
            s.role("vendor", trust=trust_aws(f"arn:aws:iam::{OTHER_ACCOUNT}:root")),
            s.role(
                "any-account-role",
                trust=trust_aws(
                    "*", condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}
                ),
            ),
            s.role(
                "any-owner",
                trust=trust_oidc(
                    f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}",
                    GITHUB,
                    audience="sts.amazonaws.com",
                    subject="repo:*/*",
                ),
            ),
        ),
        fires={
            "open": {"principals": ("AWS: *",)},
            "any-account-role": {"principals": ("AWS: *",)},
            "any-owner": {
                "principals": (f"Federated: arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}",)
            },
            "open-with-external-id": {"principals": ("AWS: *",)},
            "any-github-repo": {
                "principals": (f"Federated: arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}",)
            },
        },
        quiet=("org-only", "one-github-repo", "vendor"),
    ),
    Case(
        "role.confused-deputy",
        lambda s: (
            s.role("glue-job", trust=trust_service("glue.amazonaws.com")),
            s.role(
                "glue-pinned",
                trust={
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "glue.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                        }
                    ],
                },
            ),
            s.role("web", trust=trust_service("ec2.amazonaws.com")),
        ),
        fires={"glue-job": {"services": ("glue.amazonaws.com",)}},
        quiet=("glue-pinned", "web"),
    ),
    Case(
        "role.stale-trust",
        lambda s: (
            s.role("orphaned", trust=trust_aws("AROAJQABLZS4A3QDU576Q")),
            s.role("vendor", trust=trust_aws(f"arn:aws:iam::{OTHER_ACCOUNT}:root")),
        ),
        fires={"orphaned": {"unique_ids": ("AROAJQABLZS4A3QDU576Q",)}},
        quiet=("vendor",),
    ),
    # permissions
    Case(
        "policy.admin-access",
        lambda s: (
            s.group("Admins", managed=[ADMIN_ARN]),
            s.user("admin", groups=["Admins"]),
            s.user("everything", inline={"everything": allow("*")}),
            s.user("read-only", managed=["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
            s.user("scoped", inline={"scoped": allow("*", resource="arn:aws:s3:::bucket/*")}),
            s.role("deployer", trust=trust_service("codebuild.amazonaws.com"), managed=[ADMIN_ARN]),
            # AWS manages service-linked roles' permissions: not the account's grant to review
            s.service_linked_role(
                "AWSServiceRoleForSupport",
                "support.amazonaws.com",
                created=s.ago(900),
                managed=[ADMIN_ARN],
            ),
        ),
        fires={
            "admin": {"policy_arns": (ADMIN_ARN,), "groups": ("Admins",)},
            "everything": {"policy_arns": (), "groups": ()},
            "deployer": {"policy_arns": (ADMIN_ARN,), "permissions_boundary": None},
        },
        quiet=("read-only", "scoped", "AWSServiceRoleForSupport"),
        fixes={
            "admin": (Fix(ActionId.GROUP_REMOVE_USER, MembershipSubject("admin", "Admins")),),
            "everything": (
                Fix(
                    ActionId.POLICY_DELETE_INLINE,
                    InlinePolicySubject("user", "everything", "everything"),
                ),
            ),
            "deployer": (
                Fix(ActionId.POLICY_DETACH, AttachmentSubject("role", "deployer", ADMIN_ARN)),
            ),
        },
    ),
    Case(
        "policy.effective-admin",
        lambda s: (
            s.user("iam-admin", managed=["arn:aws:iam::aws:policy/IAMFullAccess"]),
            s.user(
                "self-granter",
                inline={"self": allow("iam:PutUserPolicy", resource=s.arn("user", "self-granter"))},
            ),
            s.user(
                "grants-others",
                inline={"others": allow("iam:PutUserPolicy", resource=s.arn("user", "intern"))},
            ),
            s.user("intern"),
            s.user("literal", managed=[ADMIN_ARN]),
        ),
        fires={
            "iam-admin": {"policy_arns": ("arn:aws:iam::aws:policy/IAMFullAccess",)},
            "self-granter": {
                "reasons": ("inline self: can put an inline policy on itself (iam:PutUserPolicy)",)
            },
        },
        quiet=("grants-others", "intern", "literal"),
    ),
    Case(
        "policy.unattached",
        lambda s: (
            s.managed_policy("Orphan", allow("sqs:*"), created=s.ago(300), updated=s.ago(100)),
            s.managed_policy("InUse", allow("s3:GetObject")),
            s.managed_policy("Boundary", allow("s3:*", "logs:*")),
            s.user("u", managed=[s.arn("policy", "InUse")]),
            s.role(
                "bounded",
                trust=trust_service("lambda.amazonaws.com"),
                boundary=s.arn("policy", "Boundary"),
            ),
            s.aws_managed("ReadOnlyAccess"),
        ),
        fires={"Orphan": {"created": z(300), "updated": z(100), "default_version": "v1"}},
        quiet=("InUse", "Boundary"),
    ),
    Case(
        "permissions.unused-services",
        seed_last_accessed,
        fires={
            "wide": {"never_used": ("dynamodb",), "last_used": {}, "services_granted": 2},
            "batch": {"never_used": (), "last_used": {"s3": z(200)}, "services_granted": 2},
        },
        quiet=("tight", "young"),
        last_accessed=True,
    ),
    *COVERAGE_CASES,
)


def test_the_table_covers_every_rule_both_ways() -> None:
    assert {c.rule for c in CASES} == RULE_IDS
    assert {c.rule for c in CASES if c.fires} == RULE_IDS
    assert {c.rule for c in CASES if c.quiet} == RULE_IDS


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_fires_exactly_on_its_positive_principals(
    case: Case, seed: Seeder, emulator: Emulator, now: datetime
) -> None:
    case.seed(seed)
    loaded = load_and_evaluate(emulator, now, last_accessed=case.last_accessed)
    assert loaded.snapshot.unavailable == ()
    assert loaded.skipped(case.rule) is None
    fired = loaded.fired(case.rule)
    for name in case.quiet:
        principal(loaded.snapshot, name)  # the negative was loaded: not a vacuous pass
    assert set(fired) == set(case.fires), {n: f.summary for n, f in fired.items()}
    for name, expected in case.fires.items():
        finding = fired[name]
        assert (finding.principal_kind, finding.principal_arn) == principal(loaded.snapshot, name)
        assert {k: finding.evidence.get(k) for k in expected} == dict(expected)
        if case.slot is not None:
            assert finding.key == KeyRef(case.slot, key_id(emulator, name, case.slot))
            assert finding.evidence["key_slot"] == case.slot
            assert finding.evidence["key_id"] == finding.key.key_id
        keys: Any = finding.evidence.get("keys", ())  # two-active: evidence of both slots
        assert [k["key_id"] for k in keys] == [key_id(emulator, name, k["key_slot"]) for k in keys]
        for fix in finding.fixes:
            assert fix_names_its_principal(fix, finding, emulator), fix
        if name in case.fixes:
            assert finding.fixes == case.fixes[name]


def fix_names_its_principal(fix: Fix, finding: Finding, emulator: Emulator) -> bool:
    """A fix acts on the finding's own principal (its key: the right slot and key id)."""
    name, kind = finding.principal_name, finding.principal_kind.value
    match fix.subject:
        case KeySubject(user=user, key_id=key, slot=int(slot)):
            same_key = finding.key is None or (finding.key.slot, finding.key.key_id) == (slot, key)
            return user == name and same_key and key == key_id(emulator, user, slot)
        case PrincipalSubject() | AttachmentSubject() | InlinePolicySubject():
            return (fix.subject.kind, fix.subject.name) == (kind, name)
        case MembershipSubject(user=user) | ServiceCredentialSubject(user=user):
            return (kind, user) == ("user", name)
        case UploadedCredentialSubject(user=user, kind="ssh-key", credential_id=held):
            keys = emulator.backend().users[user].ssh_public_keys
            return user == name and held in {k.ssh_public_key_id for k in keys}
        case UploadedCredentialSubject(user=user, kind="certificate", credential_id=held):
            return user == name and held in emulator.backend().users[user].signing_certificates
        case PolicySubject(arn=arn):
            return arn == finding.principal_arn
        case AccountSubject() | RootKeySubject():
            return finding.principal_kind is PrincipalKind.ROOT
        case TrustSubject(role=role):
            return (kind, role) == ("role", name)
        case GroupSubject(group=group):
            return (kind, group) == ("group", name)
        case VirtualMfaSubject(serial=serial):
            return serial == finding.principal_arn
        case ServerCertificateSubject(server_certificate=certificate, certificate_id=cert_id):
            snapshot_ids = cert_id is not None and cert_id.startswith("ASCA")
            return (kind, certificate) == ("server-certificate", name) and snapshot_ids
        case InstanceProfileSubject(name=profile):
            return (kind, profile) == ("instance-profile", name)
        case IdentityProviderSubject(arn=arn):
            return kind == "identity-provider" and arn == finding.principal_arn
    return False


# --- the false-positive traps ----------------------------------------------------------------


def test_freshly_rotated_unused_key_is_not_never_used(
    seed: Seeder, emulator: Emulator, iam: Any, now: datetime
) -> None:
    """AWS: a key that has not been used has no LastUsedDate (the report says ``N/A``), however
    old it is. A key created two days ago during a rotation (create new -> switch workloads ->
    deactivate old) has simply not been picked up yet: it is not a forgotten key."""
    seed.user("rotating", keys=[used(1, created=400), never(2)])
    seed.user("forgotten", keys=[never(30)])  # control: the rule is live in this account
    new_key = key_id(emulator, "rotating", 2)
    last = iam.get_access_key_last_used(AccessKeyId=new_key)["AccessKeyLastUsed"]
    assert "LastUsedDate" not in last and last["ServiceName"] == "N/A"

    loaded = load_and_evaluate(emulator, now)

    report = loaded.snapshot.credential_report
    assert report is not None
    row = report.row_for("rotating")
    assert row is not None and row.access_key_2.last_used is Missing.NOT_APPLICABLE
    assert set(loaded.fired("access-key.never-used")) == {"forgotten"}
    assert "rotating" not in loaded.fired("user.inactive")


def test_service_linked_and_identity_center_roles_are_never_unused(
    seed: Seeder, emulator: Emulator, now: datetime
) -> None:
    """AWS: service-linked roles (``/aws-service-role/``) belong to the service (DeleteRole is
    refused), and ``/aws-reserved/sso.amazonaws.com/`` roles are provisioned by IAM Identity
    Center from permission sets. Neither is the account owner's to prune, however long unused."""
    provider = seed.sso_provider(created=seed.ago(900))
    seed.service_linked_role(
        "AWSServiceRoleForElasticLoadBalancing",
        "elasticloadbalancing.amazonaws.com",
        created=seed.ago(900),
    )
    seed.service_linked_role(
        "AWSServiceRoleForSupport",
        "support.amazonaws.com",
        created=seed.ago(900),
        last_used=seed.ago(300),
    )
    seed.sso_role(
        "AdministratorAccess",
        "0123456789abcdef",
        provider_arn=provider,
        created=seed.ago(900),
        managed=[ADMIN_ARN],
    )
    seed.sso_role(
        "ReadOnly",
        "fedcba9876543210",
        provider_arn=provider,
        created=seed.ago(900),
        last_used=seed.ago(300),
        region="eu-west-1",
    )
    seed.role("app", trust=trust_service("ec2.amazonaws.com"), created=seed.ago(900))  # control

    loaded = load_and_evaluate(emulator, now)

    protected = [r for r in loaded.snapshot.roles if r.service_linked or r.sso_reserved]
    assert len(protected) == 4  # the paths survived the trip over HTTP
    assert set(loaded.fired("role.unused")) == {"app"}
    assert "AWSReservedSSO_AdministratorAccess_0123456789abcdef" not in loaded.fired(
        "policy.admin-access"
    )


def test_user_deleted_after_the_report_is_not_reported(
    seed: Seeder, emulator: Emulator, iam: Any, now: datetime
) -> None:
    """AWS: a credential report is reused for 4 hours, so users deleted since it was generated
    still have rows in it. Acting on such a row would target a user that no longer exists."""
    seed.group("Staff")
    seed.user(
        "leaver",
        created=seed.ago(600),
        groups=["Staff"],
        password=True,
        password_last_used=seed.ago(200),
        mfa="virtual",
        keys=[used(200, created=500)],
        inline={"adhoc": allow("s3:GetObject")},
    )
    seed.user("stayer", created=seed.ago(600), keys=[used(200, created=500)])
    conn = connection(emulator)
    before = load_and_evaluate(emulator, now, conn=conn)
    assert "leaver" in before.fired("access-key.unused")

    with pytest.raises(ClientError, match="DeleteConflict"):
        iam.delete_user(UserName="leaver")
    iam.delete_login_profile(UserName="leaver")
    for key in iam.list_access_keys(UserName="leaver")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="leaver", AccessKeyId=key["AccessKeyId"])
    for device in iam.list_mfa_devices(UserName="leaver")["MFADevices"]:
        iam.deactivate_mfa_device(UserName="leaver", SerialNumber=device["SerialNumber"])
        iam.delete_virtual_mfa_device(SerialNumber=device["SerialNumber"])
    iam.delete_user_policy(UserName="leaver", PolicyName="adhoc")
    iam.remove_user_from_group(GroupName="Staff", UserName="leaver")
    iam.delete_user(UserName="leaver")

    after = load_and_evaluate(emulator, now, conn=conn)

    report = after.snapshot.credential_report
    assert report is not None and before.snapshot.credential_report is not None
    assert report.generated_at == before.snapshot.credential_report.generated_at  # reused
    assert report.row_for("leaver") is not None  # the trap is armed
    assert after.snapshot.user("leaver") is None
    assert not [f for f in after.evaluation.findings if f.principal_name == "leaver"]
    assert "stayer" in after.fired("access-key.unused")
    coverage = {c.rule: c for c in after.evaluation.coverage}
    assert (coverage["access-key.unused"].covered, coverage["access-key.unused"].total) == (1, 1)


def test_not_supported_and_na_report_values_are_never_dates(
    seed: Seeder, emulator: Emulator, now: datetime
) -> None:
    """AWS: the report writes ``not_supported`` (root's password_enabled, password_last_changed,
    password_next_rotation), ``no_information`` (a password never used) and ``N/A`` (an empty key
    slot, a key never used, no password) instead of dates. None of them is a date to compare."""
    seed.root(created=seed.ago(3000), mfa="hardware")
    seed.user("one-key", created=seed.ago(400), keys=[used(1)])
    seed.user("no-password", created=seed.ago(400), keys=[used(2, created=30)])

    loaded = load_and_evaluate(emulator, now)

    report = loaded.snapshot.credential_report
    assert report is not None and report.root is not None
    root = report.root
    assert root.password_enabled is Missing.NOT_SUPPORTED
    assert root.password_last_changed is Missing.NOT_SUPPORTED
    assert root.password_last_used is Missing.NO_INFORMATION
    assert root.access_key_1.last_rotated is Missing.NOT_APPLICABLE
    assert root.access_key_2.last_used is Missing.NOT_APPLICABLE
    row = report.row_for("one-key")
    assert row is not None and row.access_key_2.last_rotated is Missing.NOT_APPLICABLE
    assert row.password_last_used is Missing.NOT_APPLICABLE
    assert not [n for n in loaded.evaluation.not_evaluated if "failed" in n.reason]
    assert {r.id for r in loaded.evaluation.evaluated} == RULE_IDS - {"permissions.unused-services"}
    quiet = {
        "root.no-mfa",
        "root.access-keys",
        "root.recently-used",
        "access-key.unused",
        "access-key.never-used",
        "access-key.two-active",
        "access-key.inactive",
        "user.password-unused",
        "user.console-without-mfa",
        "user.inactive",
    }
    assert not [f.summary for f in loaded.evaluation.findings if f.rule in quiet]


def test_role_used_recently_in_another_region_is_not_unused(
    seed: Seeder, emulator: Emulator, now: datetime
) -> None:
    """AWS: IAM is global and RoleLastUsed records the most recent use in any region (with that
    region). A role used three days ago in eu-west-1 is in use, whatever region one looks from."""
    trust = trust_service("ec2.amazonaws.com")
    seed.role(
        "eu-worker",
        trust=trust,
        created=seed.ago(400),
        last_used=seed.ago(3),
        last_used_region="eu-west-1",
    )
    seed.role("idle", trust=trust, created=seed.ago(400), last_used=seed.ago(200))  # control

    loaded = load_and_evaluate(emulator, now)

    role = loaded.snapshot.role("eu-worker")
    assert role is not None
    assert (role.last_used, role.last_used_region) == (now - timedelta(days=3), "eu-west-1")
    assert set(loaded.fired("role.unused")) == {"idle"}


@pytest.mark.parametrize("operation", ["GenerateCredentialReport", "GetCredentialReport"])
def test_denied_credential_report_is_not_evaluated_never_a_pass(
    operation: str, seed: Seeder, emulator: Emulator, now: datetime
) -> None:
    """AWS: without iam:GenerateCredentialReport / iam:GetCredentialReport the call fails with
    AccessDenied. The rules that read the report then know nothing: an empty result would claim
    "checked and clean", so they must say they were not evaluated, and why."""
    seed.user("no-mfa", password=True, keys=[used(200)], managed=[ADMIN_ARN])
    conn = connection(emulator)
    hits = inject(conn.iam, operation, "AccessDenied", status=403)

    loaded = load_and_evaluate(emulator, now, conn=conn)

    assert hits() >= 1
    gone = loaded.snapshot.unavailable_part(Part.CREDENTIAL_REPORT)
    assert gone is not None and gone.code == "AccessDenied"
    skipped = {n.rule.id: n.reason for n in loaded.evaluation.not_evaluated}
    assert set(skipped) == REPORT_RULES | {"permissions.unused-services"}  # no last-accessed load
    reason = (
        f"credential report unavailable (AccessDenied): denied: the caller lacks iam:{operation}"
    )
    assert {skipped[rule_id] for rule_id in REPORT_RULES} == {reason}
    assert not [f for f in loaded.evaluation.findings if f.rule in REPORT_RULES]
    # the rest of the account still loaded and was judged
    assert "no-mfa" in loaded.fired("policy.admin-access")
    assert "root" in loaded.fired("root.no-mfa")  # from the live account summary
