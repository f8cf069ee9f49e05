"""Hand-built AccountSnapshots for rule tests: every date is relative to the frozen NOW."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from conftest import NOW

from iamtui.core import findings
from iamtui.core.findings import Evaluation, Finding
from iamtui.core.model import (
    AccessAnalyzerState,
    AccessKey,
    AccountSnapshot,
    AccountSummary,
    Analyzer,
    AttachedPolicy,
    CallerIdentity,
    CredentialReport,
    CredentialReportRow,
    Group,
    IdentityProvider,
    InlinePolicy,
    InstanceProfile,
    LastAccessed,
    ManagedPolicy,
    Missing,
    PasswordPolicy,
    PolicyDocument,
    PrincipalDetail,
    ReportCert,
    ReportDate,
    ReportKey,
    Role,
    ServerCertificate,
    ServiceAccess,
    ServiceCredential,
    Unavailable,
    User,
)
from iamtui.core.rules import RULES_BY_ID
from iamtui.core.settings import Settings

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
NA = Missing.NOT_APPLICABLE
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
STRONG_PASSWORD_POLICY = PasswordPolicy(minimum_password_length=14, password_reuse_prevention=24)
ADMIN_DOCUMENT: PolicyDocument = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}

#: A well-run account's Access Analyzer: one active account analyzer in the session's region.
ACTIVE_ANALYZER = AccessAnalyzerState(
    "us-east-1",
    (
        Analyzer(
            "external", f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/external",
            "ACCOUNT", "ACTIVE",
        ),
    ),
)  # fmt: skip

#: A number of days ago, a report word (Missing), or None for "never".
When = float | Missing | None


def ago(days: float) -> datetime:
    """A moment ``days`` before NOW."""
    return NOW - timedelta(days=days)


def when(value: When) -> ReportDate:
    """Days ago -> datetime; Missing stays; None is the report's ``N/A``."""
    if value is None:
        return NA
    return value if isinstance(value, Missing) else ago(value)


def arn(kind: str, name: str, path: str = "/") -> str:
    """An IAM ARN in the test account."""
    return f"arn:aws:iam::{ACCOUNT}:{kind}{path}{name}"


def user(
    name: str = "alice",
    *,
    created: float = 400,
    groups: Sequence[str] = (),
    attached: Sequence[str] = (),
    inline: Mapping[str, PolicyDocument] | None = None,
) -> User:
    """An IAM user; ``attached`` are managed policy ARNs."""
    return User(
        name=name,
        arn=arn("user", name),
        user_id=f"AIDA{name.upper()}",
        path="/",
        create_date=ago(created),
        groups=tuple(groups),
        attached_policies=tuple(AttachedPolicy(a, a.rsplit("/", 1)[-1]) for a in attached),
        inline_policies=tuple(InlinePolicy(n, d) for n, d in (inline or {}).items()),
    )


NO_KEY = ReportKey(False, NA, NA, NA, NA)
NO_CERT = ReportCert(False, NA)


def key(
    *, active: bool = True, rotated: When = 30, used: When = 1, region: str = "us-east-1"
) -> ReportKey:
    """A credential-report key slot; ``used=None`` is never used (``N/A``)."""
    last_used = when(used)
    seen = isinstance(last_used, datetime)
    return ReportKey(
        active=active,
        last_rotated=when(rotated),
        last_used=last_used,
        last_used_region=region if seen else NA,
        last_used_service="s3" if seen else NA,
    )


def row(
    of: User,
    *,
    password: bool | Missing = False,
    password_used: When = None,
    password_changed: When = None,
    mfa: bool = False,
    key1: ReportKey = NO_KEY,
    key2: ReportKey = NO_KEY,
    created: ReportDate | None = None,
) -> CredentialReportRow:
    """The credential-report row of a user (created at the user's create date by default)."""
    return CredentialReportRow(
        user=of.name,
        arn=of.arn,
        user_creation_time=created if created is not None else of.create_date,
        password_enabled=password,
        password_last_used=when(password_used),
        password_last_changed=when(password_changed if password is True else None),
        password_next_rotation=NA,
        mfa_active=mfa,
        access_key_1=key1,
        access_key_2=key2,
        cert_1=NO_CERT,
        cert_2=NO_CERT,
    )


def root_row(
    *,
    mfa: bool = True,
    password_used: When = 200,
    key1: ReportKey = NO_KEY,
    key2: ReportKey = NO_KEY,
) -> CredentialReportRow:
    """The ``<root_account>`` row."""
    return CredentialReportRow(
        user="<root_account>",
        arn=f"arn:aws:iam::{ACCOUNT}:root",
        user_creation_time=ago(3000),
        password_enabled=Missing.NOT_SUPPORTED,
        password_last_used=when(password_used),
        password_last_changed=Missing.NOT_SUPPORTED,
        password_next_rotation=Missing.NOT_SUPPORTED,
        mfa_active=mfa,
        access_key_1=key1,
        access_key_2=key2,
        cert_1=NO_CERT,
        cert_2=NO_CERT,
    )


def trust(
    principal: Any, condition: Mapping[str, Any] | None = None, **extra: Any
) -> PolicyDocument:
    """A one-statement trust policy allowing sts:AssumeRole."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    statement.update(extra)
    return {"Version": "2012-10-17", "Statement": [statement]}


EC2_TRUST = trust({"Service": "ec2.amazonaws.com"})


def role(
    name: str = "app",
    *,
    path: str = "/",
    created: float = 400,
    last_used: float | None = 1,
    region: str | None = "us-east-1",
    trust_policy: PolicyDocument = EC2_TRUST,
    attached: Sequence[str] = (),
    inline: Mapping[str, PolicyDocument] | None = None,
) -> Role:
    """An IAM role; ``last_used=None`` means no RoleLastUsed."""
    return Role(
        name=name,
        arn=arn("role", name, path),
        role_id=f"AROA{name.upper()}",
        path=path,
        create_date=ago(created),
        trust_policy=trust_policy,
        attached_policies=tuple(AttachedPolicy(a, a.rsplit("/", 1)[-1]) for a in attached),
        inline_policies=tuple(InlinePolicy(n, d) for n, d in (inline or {}).items()),
        last_used=ago(last_used) if last_used is not None else None,
        last_used_region=region if last_used is not None else None,
    )


def group(
    name: str, *, attached: Sequence[str] = (), inline: Mapping[str, PolicyDocument] | None = None
) -> Group:
    """An IAM group with policies."""
    return Group(
        name=name,
        arn=arn("group", name),
        group_id=f"AGPA{name.upper()}",
        path="/",
        create_date=ago(1000),
        attached_policies=tuple(AttachedPolicy(a, a.rsplit("/", 1)[-1]) for a in attached),
        inline_policies=tuple(InlinePolicy(n, d) for n, d in (inline or {}).items()),
    )


def managed(
    name: str,
    *,
    document: PolicyDocument | None = None,
    attachments: int = 1,
    boundary_uses: int = 0,
    aws: bool = False,
) -> ManagedPolicy:
    """A managed policy (customer-managed unless ``aws``)."""
    owner = "aws" if aws else ACCOUNT
    return ManagedPolicy(
        arn=f"arn:aws:iam::{owner}:policy/{name}",
        name=name,
        policy_id=f"ANPA{name.upper()}",
        path="/",
        default_version_id="v1",
        attachment_count=attachments,
        permissions_boundary_usage_count=boundary_uses,
        is_attachable=True,
        create_date=ago(500),
        update_date=ago(200),
        document=document,
    )


def services(principal_arn: str, **last_used: float | None) -> LastAccessed:
    """Last-accessed data: namespace -> days since last use (None: never)."""
    return LastAccessed(
        principal_arn=principal_arn,
        granularity="SERVICE_LEVEL",
        completed_at=ago(0.1),
        services=tuple(
            ServiceAccess(
                service_name=ns.upper(),
                namespace=ns,
                last_authenticated=ago(days) if days is not None else None,
            )
            for ns, days in last_used.items()
        ),
    )


def keys_detail(of: User, *created: float) -> PrincipalDetail:
    """ListAccessKeys data: one active key per creation age, ids AKIA<name><n>."""
    return PrincipalDetail(
        principal_arn=of.arn,
        fetched_at=NOW,
        access_keys=tuple(
            AccessKey(f"AKIA{of.name.upper()}{n}", "Active", ago(days))
            for n, days in enumerate(created, 1)
        ),
    )


def snapshot(
    *,
    users: Sequence[User] = (),
    rows: Sequence[CredentialReportRow] | None = None,
    roles: Sequence[Role] = (),
    groups: Sequence[Group] = (),
    policies: Sequence[ManagedPolicy] = (),
    root: CredentialReportRow | None = None,
    report: bool = True,
    summary: AccountSummary | None = None,
    password_policy: PasswordPolicy | None = STRONG_PASSWORD_POLICY,
    unavailable: Sequence[Unavailable] = (),
    last_accessed: Iterable[LastAccessed] = (),
    details: Iterable[PrincipalDetail] = (),
    alias: str | None = "acme-prod",
    service_credentials: Sequence[ServiceCredential] | None = (),
    server_certificates: Sequence[ServerCertificate] | None = (),
    access_analyzer: AccessAnalyzerState | None = ACTIVE_ANALYZER,
    instance_profiles: Sequence[InstanceProfile] | None = (),
    identity_providers: Sequence[IdentityProvider] | None = (),
) -> AccountSnapshot:
    """A snapshot; ``rows`` default to one credential-free row per user, root is healthy.

    Instance profiles and identity providers are loaded (none) unless None is passed."""
    credential_report = (
        CredentialReport(
            generated_at=ago(0.125),
            rows=tuple(rows if rows is not None else [row(u) for u in users]),
            root=root if root is not None else root_row(),
        )
        if report
        else None
    )
    return AccountSnapshot(
        account_id=ACCOUNT,
        loaded_at=NOW,
        caller=CallerIdentity(ACCOUNT, arn("user", "auditor"), "AIDAAUDITOR"),
        alias=alias,
        users=tuple(users),
        groups=tuple(groups),
        roles=tuple(roles),
        policies=tuple(policies),
        credential_report=credential_report,
        summary=summary if summary is not None else AccountSummary(True, False),
        password_policy=password_policy,
        unavailable=tuple(unavailable),
        last_accessed={la.principal_arn: la for la in last_accessed},
        details={d.principal_arn: d for d in details},
        service_credentials=None if service_credentials is None else tuple(service_credentials),
        server_certificates=None if server_certificates is None else tuple(server_certificates),
        access_analyzer=access_analyzer,
        instance_profiles=None if instance_profiles is None else tuple(instance_profiles),
        identity_providers=None if identity_providers is None else tuple(identity_providers),
    )


def server_certificate(
    name: str, *, expires: float | None, uploaded: float = 400
) -> ServerCertificate:
    """A server certificate that expired ``expires`` days ago (negative: expires in that many)."""
    return ServerCertificate(
        name=name,
        certificate_id=f"ASCA{name.upper():X<17}"[:21],
        arn=arn("server-certificate", name),
        path="/",
        upload_date=ago(uploaded),
        expiration=None if expires is None else ago(expires),
    )


def without_root_row(snap: AccountSnapshot) -> AccountSnapshot:
    """The same snapshot with a credential report lacking the ``<root_account>`` row."""
    assert snap.credential_report is not None
    return replace(snap, credential_report=replace(snap.credential_report, root=None))


def evaluate_rule(
    snap: AccountSnapshot, rule_id: str, settings: Settings | None = None
) -> Evaluation:
    """Evaluate a single rule at NOW."""
    return findings.evaluate(snap, now=NOW, settings=settings, rules=[RULES_BY_ID[rule_id]])


def run(snap: AccountSnapshot, rule_id: str, settings: Settings | None = None) -> list[Finding]:
    """Findings of one rule, asserting it was evaluated."""
    result = evaluate_rule(snap, rule_id, settings)
    assert not result.not_evaluated, result.not_evaluated[0].reason
    return list(result.findings)


def not_evaluated(snap: AccountSnapshot, rule_id: str) -> str:
    """The reason one rule was not evaluated, asserting it was not."""
    result = evaluate_rule(snap, rule_id)
    assert not result.findings
    assert [s.rule.id for s in result.not_evaluated] == [rule_id]
    return result.not_evaluated[0].reason
