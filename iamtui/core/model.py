"""Typed, immutable model of one AWS account's IAM state as iamtui loaded it.

Everything here is plain data: loaders build it, rules read it, snapshots serialise it, the UI
renders it. Times are timezone-aware UTC datetimes. Values the credential report leaves out are
:class:`Missing` members, never magic strings.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from iamtui.core.codec import OMIT_DEFAULT

SERVICE_LINKED_PATH = "/aws-service-role/"


def same_name(a: object, b: object) -> bool:
    """IAM user, group, role and policy names are not distinguished by case ("IAM object
    quotas and names"): ``OPS-OPERATOR`` is ``ops-operator``."""
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


SSO_RESERVED_PATH_PREFIX = "/aws-reserved/sso.amazonaws.com/"
ROOT_REPORT_USER = "<root_account>"

#: An IAM policy document as parsed JSON.
PolicyDocument = Mapping[str, Any]


class Missing(enum.Enum):
    """Why the credential report has no value, so rules can tell "never" from "unknown"."""

    #: Saved as ``{"missing": "N/A"}`` so a file tells the reason from a real value.
    __codec_tag__ = "missing"

    NOT_APPLICABLE = "N/A"
    NO_INFORMATION = "no_information"
    NOT_SUPPORTED = "not_supported"


#: A credential-report date: a real time or the reason there is none.
ReportDate = datetime | Missing
#: A credential-report string (region, service): a value or the reason there is none.
ReportText = str | Missing
#: A credential-report flag (``password_enabled`` is ``not_supported`` for root).
ReportFlag = bool | Missing


@dataclass(frozen=True, slots=True)
class Tag:
    """One resource tag; kept ordered as IAM returns them."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class InlinePolicy:
    """A policy embedded in one principal; deleting it loses the document unless saved."""

    name: str
    document: PolicyDocument


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    """A reference from a principal to a managed policy."""

    arn: str
    name: str


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    """A managed policy with its default version's document (AWS- or customer-managed)."""

    arn: str
    name: str
    policy_id: str
    path: str
    default_version_id: str
    attachment_count: int
    permissions_boundary_usage_count: int
    is_attachable: bool
    create_date: datetime
    update_date: datetime
    document: PolicyDocument | None
    description: str = ""

    @property
    def aws_managed(self) -> bool:
        """AWS-managed policies live in the ``aws`` pseudo-account and cannot be edited."""
        return self.arn.split(":")[4] == "aws"


@dataclass(frozen=True, slots=True)
class Group:
    """An IAM group: the recommended carrier of user permissions."""

    name: str
    arn: str
    group_id: str
    path: str
    create_date: datetime
    inline_policies: tuple[InlinePolicy, ...] = ()
    attached_policies: tuple[AttachedPolicy, ...] = ()


@dataclass(frozen=True, slots=True)
class User:
    """An IAM user as authorization details describe it (no key ids: see PrincipalDetail)."""

    name: str
    arn: str
    user_id: str
    path: str
    create_date: datetime
    groups: tuple[str, ...] = ()
    inline_policies: tuple[InlinePolicy, ...] = ()
    attached_policies: tuple[AttachedPolicy, ...] = ()
    permissions_boundary: str | None = None
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True, slots=True)
class Role:
    """An IAM role with its trust policy and last use."""

    name: str
    arn: str
    role_id: str
    path: str
    create_date: datetime
    trust_policy: PolicyDocument
    description: str = ""
    max_session_duration: int = 3600
    inline_policies: tuple[InlinePolicy, ...] = ()
    attached_policies: tuple[AttachedPolicy, ...] = ()
    permissions_boundary: str | None = None
    tags: tuple[Tag, ...] = ()
    last_used: datetime | None = None
    last_used_region: str | None = None
    instance_profiles: tuple[str, ...] = ()

    @property
    def service_linked(self) -> bool:
        """Service-linked roles are owned by an AWS service and only it may delete them."""
        return self.path.startswith(SERVICE_LINKED_PATH)

    @property
    def sso_reserved(self) -> bool:
        """IAM Identity Center manages these roles; hand edits are undone or break SSO."""
        return self.path.startswith(SSO_RESERVED_PATH_PREFIX)


@dataclass(frozen=True, slots=True)
class ReportKey:
    """One access-key slot (1 or 2) of a credential-report row; the report has no key ids."""

    active: bool
    last_rotated: ReportDate
    last_used: ReportDate
    last_used_region: ReportText
    last_used_service: ReportText

    @property
    def held(self) -> bool:
        """A key is in the slot, active or not (an empty slot has no rotation date)."""
        return self.active or isinstance(self.last_rotated, datetime)


@dataclass(frozen=True, slots=True)
class ReportCert:
    """One signing-certificate slot of a credential-report row."""

    active: bool
    last_rotated: ReportDate


@dataclass(frozen=True, slots=True)
class CredentialReportRow:
    """All 22 columns of one credential-report line, typed."""

    user: str
    arn: str
    user_creation_time: ReportDate
    password_enabled: ReportFlag
    password_last_used: ReportDate
    password_last_changed: ReportDate
    password_next_rotation: ReportDate
    mfa_active: bool
    access_key_1: ReportKey
    access_key_2: ReportKey
    cert_1: ReportCert
    cert_2: ReportCert

    @property
    def is_root(self) -> bool:
        """The root user has its own row and its own rules."""
        return self.user == ROOT_REPORT_USER

    @property
    def keys(self) -> tuple[ReportKey, ReportKey]:
        """Both key slots, index 0 is key 1."""
        return (self.access_key_1, self.access_key_2)


@dataclass(frozen=True, slots=True)
class CredentialReport:
    """A parsed credential report; ``generated_at`` says how stale it may be."""

    generated_at: datetime
    rows: tuple[CredentialReportRow, ...]
    root: CredentialReportRow | None = None

    def row_for(self, user_name: str) -> CredentialReportRow | None:
        """The row of one IAM user, or None when the report predates the user."""
        for row in self.rows:
            if row.user == user_name:
                return row
        return None

    def by_user(self) -> dict[str, CredentialReportRow]:
        """Rows keyed by user name, for rules that walk every user."""
        return {row.user: row for row in self.rows}


@dataclass(frozen=True, slots=True)
class AccessKey:
    """One access key of a user (or root) as IAM reports it: the review's and the actions' type.

    Times are aware UTC datetimes (``loader.read_access_keys`` normalises them).
    """

    key_id: str
    status: str
    create_date: datetime
    last_used: datetime | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None

    @property
    def active(self) -> bool:
        """Only active keys authenticate."""
        return self.status == "Active"

    def to_json(self) -> dict[str, str | None]:
        """The shape plans save as before-state and journals keep (ISO times, no region)."""
        used = self.last_used
        return {
            "key_id": self.key_id,
            "status": self.status,
            "created": self.create_date.isoformat(),
            "last_used": used.isoformat() if used is not None else None,
            "last_used_service": self.last_used_service,
        }


@dataclass(frozen=True, slots=True)
class MfaDevice:
    """An MFA device bound to a user."""

    serial: str
    enable_date: datetime | None
    virtual: bool


@dataclass(frozen=True, slots=True)
class VirtualMfaDevice:
    """A virtual MFA device in the account, assigned or not (root's shows here as ``root``)."""

    serial: str
    user_arn: str | None = None
    enable_date: datetime | None = None

    @property
    def for_root(self) -> bool:
        """Root's virtual device is the only way to tell virtual from hardware root MFA."""
        return self.user_arn is not None and self.user_arn.endswith(":root")


@dataclass(frozen=True, slots=True)
class InstanceProfile:
    """An instance profile (``ListInstanceProfiles``): authorization details list only those
    attached to a role, so one without a role is seen only here."""

    name: str
    arn: str
    instance_profile_id: str
    path: str
    create_date: datetime
    roles: tuple[str, ...] = ()
    tags: tuple[Tag, ...] = ()


class IdentityProviderKind(enum.StrEnum):
    """The two kinds of IAM identity provider a role's trust policy names as ``Federated``."""

    OIDC = "oidc"
    SAML = "saml"


@dataclass(frozen=True, slots=True)
class IdentityProvider:
    """An IAM OIDC or SAML identity provider as its account-wide list shows it.

    ``ListOpenIDConnectProviders`` gives only the ARN (the issuer URL is in it);
    ``ListSAMLProviders`` adds the creation date and when the metadata's certificates expire.
    """

    arn: str
    kind: IdentityProviderKind
    create_date: datetime | None = None
    valid_until: datetime | None = None

    @property
    def name(self) -> str:
        """The issuer host and path (OIDC) or the provider name (SAML), as the ARN spells it."""
        return self.arn.split(f":{self.kind}-provider/", 1)[-1]


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """``GetAccountSummary``: root MFA and root keys come only from here and the report."""

    mfa_enabled: bool
    access_keys_present: bool
    values: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """The account password policy (absent means AWS defaults, which are weak)."""

    minimum_password_length: int = 8
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase_characters: bool = False
    require_lowercase_characters: bool = False
    allow_users_to_change_password: bool = False
    expire_passwords: bool = False
    max_password_age: int | None = None
    password_reuse_prevention: int | None = None
    hard_expiry: bool = False


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    """Who iamtui runs as: needed so it never cuts off its own credentials."""

    account: str
    arn: str
    user_id: str
    access_key_id: str | None = None

    @property
    def is_root(self) -> bool:
        """Root's ARN is ``arn:aws:iam::ACCOUNT:root``."""
        return self.arn.endswith(":root")

    @property
    def user_name(self) -> str | None:
        """The IAM user name when running as an IAM user, else None."""
        resource = self.arn.split(":", 5)[-1]
        if resource.startswith("user/"):
            return resource.rsplit("/", 1)[-1]
        return None

    @property
    def role_name(self) -> str | None:
        """The role name when running under an assumed role, else None."""
        resource = self.arn.split(":", 5)[-1]
        if resource.startswith("assumed-role/"):
            return resource.split("/")[1]
        return None


@dataclass(frozen=True, slots=True)
class TrackedAction:
    """Action-level last access (only some services, e.g. S3, EC2, IAM, Lambda)."""

    action: str
    last_accessed: datetime | None = None
    entity: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceAccess:
    """One service a principal is granted, and when (if ever) it was last used."""

    service_name: str
    namespace: str
    last_authenticated: datetime | None = None
    entity: str | None = None
    region: str | None = None
    total_authenticated_entities: int = 0
    tracked_actions: tuple[TrackedAction, ...] = ()


@dataclass(frozen=True, slots=True)
class LastAccessed:
    """Service last-accessed data for one principal, from one completed job."""

    principal_arn: str
    granularity: str
    completed_at: datetime
    services: tuple[ServiceAccess, ...]


@dataclass(frozen=True, slots=True)
class SshPublicKey:
    """A user's SSH public key for CodeCommit: its id and status, never its body."""

    key_id: str
    status: str
    upload_date: datetime

    @property
    def active(self) -> bool:
        """Only active keys authenticate to CodeCommit."""
        return self.status == "Active"


@dataclass(frozen=True, slots=True)
class SigningCertificate:
    """A user's X.509 signing certificate: its id and status, never its body."""

    certificate_id: str
    status: str
    upload_date: datetime

    @property
    def active(self) -> bool:
        """Only active certificates sign requests."""
        return self.status == "Active"


@dataclass(frozen=True, slots=True)
class PrincipalDetail:
    """Per-user data that needs per-user calls, so it is fetched on demand.

    ``ssh_public_keys`` / ``signing_certificates`` are None when not read (a detail saved before
    they were fetched, or a call that was denied: ``unavailable`` says why), never "none".
    """

    principal_arn: str
    fetched_at: datetime
    access_keys: tuple[AccessKey, ...] = ()
    mfa_devices: tuple[MfaDevice, ...] = ()
    ssh_public_keys: tuple[SshPublicKey, ...] | None = field(default=None, metadata=OMIT_DEFAULT)
    signing_certificates: tuple[SigningCertificate, ...] | None = field(
        default=None, metadata=OMIT_DEFAULT
    )
    unavailable: tuple[Unavailable, ...] = field(default=(), metadata=OMIT_DEFAULT)


#: AWS's service names for the three kinds of service-specific credential.
CODECOMMIT_SERVICE = "codecommit.amazonaws.com"
KEYSPACES_SERVICE = "cassandra.amazonaws.com"
BEDROCK_SERVICE = "bedrock.amazonaws.com"


@dataclass(frozen=True, slots=True)
class ServiceCredential:
    """A service-specific credential (CodeCommit Git, Keyspaces, Bedrock API key), no secret.

    AWS shows the password or API key only when it is created or reset; iamtui never keeps it.
    """

    credential_id: str
    user: str
    service: str
    status: str
    create_date: datetime
    #: CodeCommit and Keyspaces: ``ServiceUserName``; Bedrock: ``ServiceCredentialAlias``.
    service_user_name: str = ""
    #: None: it never expires (only Bedrock API keys can have an expiry).
    expiration: datetime | None = None

    @property
    def active(self) -> bool:
        """Only an active credential authenticates (Expired and Inactive do not)."""
        return self.status == "Active"

    @property
    def bedrock(self) -> bool:
        """A long-term Amazon Bedrock API key."""
        return self.service == BEDROCK_SERVICE

    @property
    def label(self) -> str:
        """The service as people call it: ``CodeCommit``, ``Keyspaces``, ``Bedrock API key``."""
        return SERVICE_LABELS.get(self.service, self.service)

    @property
    def noun(self) -> str:
        """What it is, in a sentence: ``CodeCommit credential``, ``Bedrock API key``."""
        return self.label if self.bedrock else f"{self.label} credential"

    def to_json(self) -> dict[str, str | None]:
        """The shape plans save as before-state (never a secret: AWS lists none)."""
        expires = self.expiration
        return {
            "credential_id": self.credential_id,
            "service": self.service,
            "status": self.status,
            "created": self.create_date.isoformat(),
            "expires": expires.isoformat() if expires is not None else None,
        }

    def expired(self, now: datetime) -> bool:
        """AWS says Expired, or the expiry has passed (a listing may predate the flip)."""
        return self.status == "Expired" or (self.expiration is not None and self.expiration <= now)


SERVICE_LABELS: Mapping[str, str] = {
    CODECOMMIT_SERVICE: "CodeCommit",
    KEYSPACES_SERVICE: "Keyspaces",
    BEDROCK_SERVICE: "Bedrock API key",
}


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A part of the account that could not be loaded, and why (rules report "not evaluated")."""

    part: str
    reason: str
    code: str | None = None


class Part(enum.StrEnum):
    """The named parts of an account load; each may be unavailable on its own."""

    CALLER = "caller"
    CREDENTIAL_REPORT = "credential_report"
    AUTHORIZATION_DETAILS = "authorization_details"
    ACCOUNT_SUMMARY = "account_summary"
    ALIASES = "aliases"
    PASSWORD_POLICY = "password_policy"
    VIRTUAL_MFA = "virtual_mfa"
    ORGANIZATION = "organization"
    SERVICE_CREDENTIALS = "service_credentials"
    SERVER_CERTIFICATES = "server_certificates"
    ACCESS_ANALYZER = "access_analyzer"
    #: The ACTIVE findings of the region's unused-access analyzer (ListFindingsV2).
    ANALYZER_FINDINGS = "analyzer_findings"
    INSTANCE_PROFILES = "instance_profiles"
    IDENTITY_PROVIDERS = "identity_providers"


#: Centralized root access: the organization may remove its member accounts' root credentials.
ROOT_CREDENTIALS_MANAGEMENT = "RootCredentialsManagement"
#: Centralized root access: ``sts:AssumeRoot`` into member accounts is allowed.
ROOT_SESSIONS = "RootSessions"


@dataclass(frozen=True, slots=True)
class Organization:
    """The account's AWS Organization, as far as this account may read it.

    ``None`` in a field means AWS would not tell this account (a member may describe its
    organization but not list its accounts or read its centralized root access features).
    """

    in_organization: bool
    organization_id: str | None = None
    management_account_id: str | None = None
    #: Every account of the organization, sorted; None when this account may not list them.
    account_ids: tuple[str, ...] | None = None
    #: Centralized root access features, sorted; None when this account may not read them.
    root_features: tuple[str, ...] | None = ()
    #: Why something is empty or unknown, in AWS's terms.
    note: str = ""

    @property
    def credentials_management(self) -> bool | None:
        """RootCredentialsManagement is on (None: this account may not read the features)."""
        if self.root_features is None:
            return None
        return ROOT_CREDENTIALS_MANAGEMENT in self.root_features

    @property
    def root_sessions(self) -> bool | None:
        """RootSessions is on (None: this account may not read the features)."""
        return None if self.root_features is None else ROOT_SESSIONS in self.root_features

    def is_member(self, account_id: str) -> bool | None:
        """A member (not the management) account; None when the management account is unknown."""
        if not self.in_organization:
            return False
        if self.management_account_id is None:
            return None
        return account_id != self.management_account_id

    def includes(self, account_id: str) -> bool:
        """The account is known to be in this organization (the management account always is)."""
        if not self.in_organization:
            return False
        return account_id == self.management_account_id or (
            self.account_ids is not None and account_id in self.account_ids
        )


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    """An SSL/TLS certificate stored in IAM (``ListServerCertificates``): account-wide, no owner."""

    name: str
    certificate_id: str
    arn: str
    path: str
    upload_date: datetime
    #: The certificate's NotAfter; None when the endpoint did not say (AWS always does).
    expiration: datetime | None = None


#: The analyzer types that analyze access from outside the account or organization (CIS 1.20).
EXTERNAL_ACCESS_ANALYZER_TYPES = frozenset({"ACCOUNT", "ORGANIZATION"})
#: The analyzer types that report unused roles, keys, passwords and permissions.
UNUSED_ACCESS_ANALYZER_TYPES = frozenset({"ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS"})


@dataclass(frozen=True, slots=True)
class Analyzer:
    """One IAM Access Analyzer analyzer (``ListAnalyzers``) of one region."""

    name: str
    arn: str
    type: str
    status: str
    #: Unused-access analyzers: days without use before a finding (``unusedAccessAge``).
    unused_access_age: int | None = field(default=None, metadata=OMIT_DEFAULT)

    @property
    def watches_external_access(self) -> bool:
        """An ACTIVE account or organization analyzer (unused-access ones do not count)."""
        return self.status == "ACTIVE" and self.type in EXTERNAL_ACCESS_ANALYZER_TYPES

    @property
    def reports_unused_access(self) -> bool:
        """An ACTIVE unused-access analyzer: its findings are a second opinion on iamtui's."""
        return self.status == "ACTIVE" and self.type in UNUSED_ACCESS_ANALYZER_TYPES


@dataclass(frozen=True, slots=True)
class AccessAnalyzerState:
    """The analyzers of one region: Access Analyzer is regional, IAM is not."""

    region: str
    analyzers: tuple[Analyzer, ...] = ()
    #: Where organization analyzers the account's own ListAnalyzers cannot list came from
    #: (a fleet scan reads them in the management or delegated-admin account); "" when none.
    note: str = field(default="", metadata=OMIT_DEFAULT)

    @property
    def unused_access(self) -> Analyzer | None:
        """The ACTIVE unused-access analyzer whose findings iamtui reads (the first by name)."""
        found = sorted((a for a in self.analyzers if a.reports_unused_access), key=lambda a: a.name)
        return found[0] if found else None


class AnalyzerFindingType(enum.StrEnum):
    """Access Analyzer's unused-access finding types (``findingType``)."""

    UNUSED_ROLE = "UnusedIAMRole"
    UNUSED_ACCESS_KEY = "UnusedIAMUserAccessKey"
    UNUSED_PASSWORD = "UnusedIAMUserPassword"
    UNUSED_PERMISSION = "UnusedPermission"


@dataclass(frozen=True, slots=True)
class AnalyzerFinding:
    """One unused-access finding of IAM Access Analyzer (``FindingSummaryV2``) on a user or role.

    ``finding_type`` is AWS's string: a type iamtui does not know yet is kept, never dropped.
    """

    finding_id: str
    finding_type: str
    resource_arn: str
    status: str
    updated_at: datetime
    #: When the analyzer last analyzed the entity (``analyzedAt``).
    analyzed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AnalyzerFindings:
    """The ACTIVE findings of the region's unused-access analyzer (``ListFindingsV2``)."""

    analyzer_arn: str
    #: The analyzer's ``unusedAccessAge`` in days (None: it did not say).
    unused_access_age: int | None
    findings: tuple[AnalyzerFinding, ...] = ()
    #: False when the read stopped early (the overview's page budget, the review's page cap, or a
    #: page token AWS had already given): later findings were not read.
    complete: bool = True
    #: Findings skipped because a field AWS always sends (id, status, updatedAt) was absent.
    unreadable: int = field(default=0, metadata=OMIT_DEFAULT)

    def of(self, resource_arn: str) -> tuple[AnalyzerFinding, ...]:
        """The findings on one user or role."""
        return tuple(f for f in self.findings if f.resource_arn == resource_arn)


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """Everything loaded about one account at one time; replaced, never mutated."""

    account_id: str
    loaded_at: datetime
    caller: CallerIdentity | None = None
    alias: str | None = None
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    policies: tuple[ManagedPolicy, ...] = ()
    credential_report: CredentialReport | None = None
    summary: AccountSummary | None = None
    password_policy: PasswordPolicy | None = None
    virtual_mfa_devices: tuple[VirtualMfaDevice, ...] = ()
    #: None: not loaded (an older snapshot) or unavailable (see ``unavailable``).
    organization: Organization | None = field(default=None, metadata=OMIT_DEFAULT)
    #: Every user's service-specific credentials (``ListServiceSpecificCredentials AllUsers``);
    #: None: not loaded (an older snapshot) or unavailable (see ``unavailable``).
    service_credentials: tuple[ServiceCredential, ...] | None = field(
        default=None, metadata=OMIT_DEFAULT
    )
    #: None: not loaded (an older snapshot) or unavailable (see ``unavailable``).
    server_certificates: tuple[ServerCertificate, ...] | None = field(
        default=None, metadata=OMIT_DEFAULT
    )
    #: The analyzers of the session's region; None: not loaded or unavailable.
    access_analyzer: AccessAnalyzerState | None = field(default=None, metadata=OMIT_DEFAULT)
    #: The unused-access analyzer's ACTIVE findings; None: no such analyzer, not loaded or
    #: unavailable (see ``unavailable``).
    analyzer_findings: AnalyzerFindings | None = field(default=None, metadata=OMIT_DEFAULT)
    #: None: not loaded (an older snapshot) or unavailable (see ``unavailable``).
    instance_profiles: tuple[InstanceProfile, ...] | None = field(
        default=None, metadata=OMIT_DEFAULT
    )
    #: OIDC and SAML providers; None: not loaded (an older snapshot) or unavailable.
    identity_providers: tuple[IdentityProvider, ...] | None = field(
        default=None, metadata=OMIT_DEFAULT
    )
    unavailable: tuple[Unavailable, ...] = ()
    #: Loaded, but degraded: fields AWS always sends were absent and were derived or defaulted.
    data_warnings: tuple[str, ...] = field(default=(), metadata=OMIT_DEFAULT)
    last_accessed: Mapping[str, LastAccessed] = field(default_factory=dict)
    details: Mapping[str, PrincipalDetail] = field(default_factory=dict)
    source: str = "aws"
    request_count: int = 0

    def unavailable_part(self, part: str) -> Unavailable | None:
        """Why a part is missing, or None when it loaded."""
        for item in self.unavailable:
            if item.part == part:
                return item
        return None

    def user(self, name: str) -> User | None:
        """Look a user up by name, as IAM does (names are not distinguished by case)."""
        return next((u for u in self.users if same_name(u.name, name)), None)

    def role(self, name: str) -> Role | None:
        """Look a role up by name, as IAM does."""
        return next((r for r in self.roles if same_name(r.name, name)), None)

    def group(self, name: str) -> Group | None:
        """Look a group up by name, as IAM does."""
        return next((g for g in self.groups if same_name(g.name, name)), None)

    def policy(self, arn: str) -> ManagedPolicy | None:
        """Look a managed policy up by ARN."""
        return next((p for p in self.policies if p.arn == arn), None)

    def credentials_of(self, user: str) -> tuple[ServiceCredential, ...]:
        """One user's service-specific credentials, oldest first."""
        held = self.service_credentials or ()
        return tuple(c for c in held if same_name(c.user, user))

    def with_last_accessed(self, *reports: LastAccessed) -> AccountSnapshot:
        """A copy that also holds these last-accessed reports (newest wins)."""
        merged = dict(self.last_accessed)
        merged.update({r.principal_arn: r for r in reports})
        return replace(self, last_accessed=merged)

    def with_details(self, *details: PrincipalDetail) -> AccountSnapshot:
        """A copy that also holds these per-principal details."""
        merged = dict(self.details)
        merged.update({d.principal_arn: d for d in details})
        return replace(self, details=merged)

    @property
    def report_age_reference(self) -> datetime | None:
        """When the credential report was generated (how old the user data may be)."""
        return self.credential_report.generated_at if self.credential_report else None
