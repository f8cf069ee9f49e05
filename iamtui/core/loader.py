"""Loading an account: the overview in a constant number of calls, per-principal data on demand.

The overview (`load_account`) costs a fixed handful of requests plus about one per 1,000
principals: caller identity, credential report, paged authorization details, account summary,
alias, password policy, the virtual MFA list, every user's service-specific credentials, server
certificates, the region's IAM Access Analyzer analyzers, instance profiles and the OIDC and SAML
providers. Nothing here calls IAM once per user; key ids, MFA devices, SSH keys, signing
certificates and last-accessed data are fetched for the principals the operator looks at. Each
part that is denied or unsupported is recorded as :class:`Unavailable` and the rest loads.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from iamtui.core import credreport
from iamtui.core.account_resources import (
    ACCESS_ANALYZER_ACTIONS,
    ANALYZER_FINDINGS_ACTIONS,
    SERVER_CERTIFICATE_ACTIONS,
    read_access_analyzer,
    read_analyzer_findings,
    read_server_certificates,
)
from iamtui.core.errors import error_code, error_text
from iamtui.core.model import (
    AccessKey,
    AccountSnapshot,
    AccountSummary,
    AttachedPolicy,
    CallerIdentity,
    Group,
    IdentityProvider,
    IdentityProviderKind,
    InlinePolicy,
    InstanceProfile,
    LastAccessed,
    ManagedPolicy,
    MfaDevice,
    Part,
    PasswordPolicy,
    PolicyDocument,
    PrincipalDetail,
    Role,
    ServiceAccess,
    SigningCertificate,
    SshPublicKey,
    Tag,
    TrackedAction,
    Unavailable,
    User,
    VirtualMfaDevice,
)
from iamtui.core.organization import ORGANIZATION_ACTIONS, read_organization
from iamtui.core.service_credentials import SERVICE_CREDENTIAL_ACTIONS, read_service_credentials
from iamtui.core.session import POLICY_ACTION, Connection, ConnectionProblem, hang_summary

#: Authorization details page size: AWS's maximum, so 1,000 principals cost one request.
DETAILS_PAGE_SIZE = 1000
#: Error codes that mean "you may not", as opposed to "it broke".
DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}
)
T = TypeVar("T")

THROTTLE_CODES = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded"})
#: What reading a response shaped unlike AWS's raises (a field absent, a wrong type).
MALFORMED: tuple[type[Exception], ...] = (KeyError, TypeError, ValueError, AttributeError)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The default clock; rules and tests inject their own."""
    return datetime.now(UTC)


class Cancelled(Exception):
    """The operator cancelled a load; whatever finished is kept by the caller."""


class CancelToken:
    """A flag shared with worker threads, which cannot be killed and must check it between calls."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask every loader holding this token to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancel() was called."""
        return self._event.is_set()

    def check(self) -> None:
        """Raise Cancelled if the operator asked to stop."""
        if self._event.is_set():
            raise Cancelled()

    def wait(self, seconds: float) -> None:
        """Sleep, but wake and raise as soon as cancelled."""
        if self._event.wait(seconds):
            raise Cancelled()


@dataclass(frozen=True, slots=True)
class StepUpdate:
    """Progress of one named load step, for progress bars and the TUI's loading view."""

    step: str
    state: str  # "running" | "done" | "unavailable" | "waiting"
    detail: str = ""
    requests: int = 0


Progress = Callable[[StepUpdate], None]

#: The actions each part of the overview calls. The read-only policy iamtui prints is built
#: from these tables, and a test checks that a load sends exactly these, so they cannot drift.
OVERVIEW_ACTIONS: Mapping[Part, tuple[str, ...]] = {
    Part.CALLER: ("sts:GetCallerIdentity",),
    Part.AUTHORIZATION_DETAILS: ("iam:GetAccountAuthorizationDetails",),
    Part.CREDENTIAL_REPORT: ("iam:GenerateCredentialReport", "iam:GetCredentialReport"),
    Part.ACCOUNT_SUMMARY: ("iam:GetAccountSummary",),
    Part.ALIASES: ("iam:ListAccountAliases",),
    Part.PASSWORD_POLICY: ("iam:GetAccountPasswordPolicy",),
    Part.VIRTUAL_MFA: ("iam:ListVirtualMFADevices",),
    Part.ORGANIZATION: ORGANIZATION_ACTIONS,
    Part.SERVICE_CREDENTIALS: SERVICE_CREDENTIAL_ACTIONS,
    Part.SERVER_CERTIFICATES: SERVER_CERTIFICATE_ACTIONS,
    Part.ACCESS_ANALYZER: ACCESS_ANALYZER_ACTIONS,
    Part.ANALYZER_FINDINGS: ANALYZER_FINDINGS_ACTIONS,
    Part.INSTANCE_PROFILES: ("iam:ListInstanceProfiles",),
    Part.IDENTITY_PROVIDERS: ("iam:ListOpenIDConnectProviders", "iam:ListSAMLProviders"),
}
#: What opening one user's review costs (load_user_detail).
USER_DETAIL_ACTIONS = (
    "iam:ListAccessKeys",
    "iam:GetAccessKeyLastUsed",
    "iam:ListMFADevices",
    "iam:ListSSHPublicKeys",
    "iam:ListSigningCertificates",
)
#: What one principal's service last-accessed data costs (load_last_accessed).
LAST_ACCESSED_ACTIONS = (
    "iam:GenerateServiceLastAccessedDetails",
    "iam:GetServiceLastAccessedDetails",
)

#: The overview's steps in the order they run, with the label shown to the operator.
STEPS: tuple[tuple[Part, str], ...] = (
    (Part.CALLER, "Caller identity"),
    (Part.AUTHORIZATION_DETAILS, "Users, groups, roles and policies"),
    (Part.CREDENTIAL_REPORT, "Credential report"),
    (Part.ACCOUNT_SUMMARY, "Account summary"),
    (Part.ALIASES, "Account alias"),
    (Part.PASSWORD_POLICY, "Password policy"),
    (Part.VIRTUAL_MFA, "Virtual MFA devices"),
    (Part.ORGANIZATION, "Organization"),
    (Part.SERVICE_CREDENTIALS, "Service-specific credentials"),
    (Part.SERVER_CERTIFICATES, "Server certificates"),
    (Part.ACCESS_ANALYZER, "IAM Access Analyzer"),
    (Part.ANALYZER_FINDINGS, "Access Analyzer unused-access findings"),
    (Part.INSTANCE_PROFILES, "Instance profiles"),
    (Part.IDENTITY_PROVIDERS, "OIDC and SAML identity providers"),
)


def describe_failure(action: str, exc: BaseException) -> Unavailable:
    """Turn an exception into the one-line reason the operator sees, naming the IAM action."""
    code = error_code(exc)
    service, _, operation = action.partition(":")
    # The failing call may be a later one of the step (GetCredentialReport after Generate...).
    operation = getattr(exc, "operation_name", None) or operation
    if code in DENIED_CODES:
        # Named as policies name it (GetFindingV2 is authorized as access-analyzer:GetFinding).
        wanted = POLICY_ACTION.get(f"{service}:{operation}", f"{service}:{operation}")
        return Unavailable(action, f"denied: the caller lacks {wanted}", code)
    if isinstance(exc, ResponseParserError) or code in ("NotImplemented", "InvalidAction"):
        return Unavailable(action, f"{operation} is not supported by this endpoint", "Unsupported")
    return Unavailable(action, f"{operation} failed: {error_text(exc)}", code or type(exc).__name__)


def _is_fatal(exc: BaseException) -> bool:
    """Unreachable or hung endpoint, or refused credentials: every other call would fail too."""
    fatal = EndpointConnectionError | ReadTimeoutError | NoCredentialsError
    return isinstance(exc, fatal) or error_code(exc) in {
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "UnrecognizedClientException",
    }


def _connection_problem(conn: Connection, exc: BaseException) -> ConnectionProblem:
    if isinstance(exc, EndpointConnectionError):
        return ConnectionProblem(f"cannot reach {conn.endpoint}: check --endpoint-url or network")
    if isinstance(exc, ReadTimeoutError):
        return ConnectionProblem(
            f"{conn.endpoint} did not answer in {hang_summary()}: "
            "check --endpoint-url, network or proxy"
        )
    if isinstance(exc, NoCredentialsError):
        return ConnectionProblem("no AWS credentials found: set AWS_PROFILE or pass --profile")
    return ConnectionProblem(
        f"AWS rejected the credentials ({error_code(exc)}): refresh them, e.g. 'aws sso login'"
    )


# --- parsing helpers -----------------------------------------------------------------------


def as_utc(value: datetime) -> datetime:
    """boto3 returns aware datetimes; emulators sometimes do not. Normalise to aware UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def policy_document(raw: Any) -> PolicyDocument:
    """Policy documents arrive as dicts (botocore decodes them) or URL-encoded JSON strings."""
    if isinstance(raw, Mapping):
        return raw
    if isinstance(raw, str):
        decoded: PolicyDocument = json.loads(urllib.parse.unquote(raw))
        return decoded
    return {}


#: Stand-in for an absent CreateDate: older than IAM itself, so age-based rules judge the
#: entity as old; a missing date must never hide a finding as "too new to judge".
UNKNOWN_CREATE_DATE = datetime(2010, 1, 1, tzinfo=UTC)


class DegradedData:
    """Fields AWS documents as always present that a response left out: counted, warned once.

    AWS always sends them; moto (and LocalStack, built on it) does not always. Each absence is
    derived or defaulted where it is read, and becomes one data warning per field and kind.
    """

    def __init__(self) -> None:
        self._absent: dict[tuple[str, str, str], int] = {}

    def note(self, where: str, field: str, outcome: str) -> None:
        """``where`` lacked ``field``; ``outcome`` says what was done instead."""
        key = (where, field, outcome)
        self._absent[key] = self._absent.get(key, 0) + 1

    def warnings(self) -> tuple[str, ...]:
        """One line per absent field, naming how many entries lacked it and what was done."""
        return tuple(
            f"{where} without {field}: {count} ({outcome}); the endpoint does not answer "
            "as AWS documents"
            for (where, field, outcome), count in self._absent.items()
        )


class MissingIdentity(ValueError):
    """An entry with no ARN: nothing can refer to it, so it is left out (and warned about)."""


def name_from_arn(arn: str) -> str:
    """The last path segment of an IAM ARN: ``arn:aws:iam::1:policy/a/B`` gives ``B``."""
    resource = arn.split(":", 5)[-1]
    return resource.rsplit("/", 1)[-1]


def _fresh(degraded: DegradedData | None) -> DegradedData:
    return degraded if degraded is not None else DegradedData()


def _text(raw: Mapping[str, Any], field: str) -> str | None:
    value = raw.get(field)
    return value if isinstance(value, str) and value else None


def _identity(
    raw: Mapping[str, Any], where: str, name_field: str, degraded: DegradedData
) -> tuple[str, str]:
    """(name, ARN) of an entry: the name derived from the ARN when absent; no ARN, no entry."""
    arn = _text(raw, "Arn")
    if arn is None:
        degraded.note(where, "Arn", "left out")
        raise MissingIdentity(where)
    name = _text(raw, name_field)
    if name is None:
        degraded.note(where, name_field, "name derived from the ARN")
        name = name_from_arn(arn)
    return name, arn


def _id(raw: Mapping[str, Any], where: str, field: str, degraded: DegradedData) -> str:
    value = _text(raw, field)
    if value is None:
        degraded.note(where, field, "left empty")
    return value or ""


def _created(raw: Mapping[str, Any], where: str, degraded: DegradedData) -> datetime:
    value = raw.get("CreateDate")
    if isinstance(value, datetime):
        return as_utc(value)
    degraded.note(where, "CreateDate", f"treated as created {UNKNOWN_CREATE_DATE.date()}")
    return UNKNOWN_CREATE_DATE


def _tags(raw: Iterable[Mapping[str, str]] | None, degraded: DegradedData) -> tuple[Tag, ...]:
    tags: list[Tag] = []
    for t in raw or ():
        if "Key" not in t:
            degraded.note("tags", "Key", "left out")
            continue
        if "Value" not in t:
            degraded.note("tags", "Value", "left empty")
        tags.append(Tag(t["Key"], t.get("Value", "")))
    return tuple(tags)


def _inline(
    raw: Iterable[Mapping[str, Any]] | None, degraded: DegradedData
) -> tuple[InlinePolicy, ...]:
    policies: list[InlinePolicy] = []
    for p in raw or ():
        name = _text(p, "PolicyName")
        if name is None:
            degraded.note("inline policies", "PolicyName", "left empty")
        policies.append(InlinePolicy(name or "", policy_document(p.get("PolicyDocument"))))
    return tuple(policies)


def _attached(
    raw: Iterable[Mapping[str, str]] | None, degraded: DegradedData
) -> tuple[AttachedPolicy, ...]:
    attached: list[AttachedPolicy] = []
    for p in raw or ():
        arn = _text(p, "PolicyArn")
        if arn is None:
            degraded.note("policy attachments", "PolicyArn", "left out")
            continue
        name = _text(p, "PolicyName")
        if name is None:
            degraded.note("policy attachments", "PolicyName", "name derived from the ARN")
        attached.append(AttachedPolicy(arn, name or name_from_arn(arn)))
    return tuple(attached)


def _boundary(raw: Mapping[str, str] | None) -> str | None:
    return raw.get("PermissionsBoundaryArn") if raw else None


def parse_user(raw: Mapping[str, Any], degraded: DegradedData | None = None) -> User:
    """A UserDetail from authorization details."""
    degraded = _fresh(degraded)
    name, arn = _identity(raw, "users", "UserName", degraded)
    return User(
        name=name,
        arn=arn,
        user_id=_id(raw, "users", "UserId", degraded),
        path=raw.get("Path", "/"),
        create_date=_created(raw, "users", degraded),
        groups=tuple(raw.get("GroupList", ())),
        inline_policies=_inline(raw.get("UserPolicyList"), degraded),
        attached_policies=_attached(raw.get("AttachedManagedPolicies"), degraded),
        permissions_boundary=_boundary(raw.get("PermissionsBoundary")),
        tags=_tags(raw.get("Tags"), degraded),
    )


def parse_group(raw: Mapping[str, Any], degraded: DegradedData | None = None) -> Group:
    """A GroupDetail from authorization details."""
    degraded = _fresh(degraded)
    name, arn = _identity(raw, "groups", "GroupName", degraded)
    return Group(
        name=name,
        arn=arn,
        group_id=_id(raw, "groups", "GroupId", degraded),
        path=raw.get("Path", "/"),
        create_date=_created(raw, "groups", degraded),
        inline_policies=_inline(raw.get("GroupPolicyList"), degraded),
        attached_policies=_attached(raw.get("AttachedManagedPolicies"), degraded),
    )


def _instance_profiles(raw: Iterable[Mapping[str, Any]], degraded: DegradedData) -> tuple[str, ...]:
    names: list[str] = []
    for profile in raw:
        name = _text(profile, "InstanceProfileName")
        arn = _text(profile, "Arn")
        if name is None and arn is None:
            degraded.note("instance profiles", "InstanceProfileName", "left out")
            continue
        if name is None:
            degraded.note("instance profiles", "InstanceProfileName", "name derived from the ARN")
        names.append(name or name_from_arn(arn or ""))
    return tuple(names)


def parse_role(raw: Mapping[str, Any], degraded: DegradedData | None = None) -> Role:
    """A RoleDetail from authorization details (RoleLastUsed included, no extra call)."""
    degraded = _fresh(degraded)
    name, arn = _identity(raw, "roles", "RoleName", degraded)
    last_used = raw.get("RoleLastUsed") or {}
    used_at = last_used.get("LastUsedDate")
    return Role(
        name=name,
        arn=arn,
        role_id=_id(raw, "roles", "RoleId", degraded),
        path=raw.get("Path", "/"),
        create_date=_created(raw, "roles", degraded),
        trust_policy=policy_document(raw.get("AssumeRolePolicyDocument")),
        description=raw.get("Description", "") or "",
        max_session_duration=int(raw.get("MaxSessionDuration", 3600) or 3600),
        inline_policies=_inline(raw.get("RolePolicyList"), degraded),
        attached_policies=_attached(raw.get("AttachedManagedPolicies"), degraded),
        permissions_boundary=_boundary(raw.get("PermissionsBoundary")),
        tags=_tags(raw.get("Tags"), degraded),
        last_used=as_utc(used_at) if used_at else None,
        last_used_region=last_used.get("Region"),
        instance_profiles=_instance_profiles(raw.get("InstanceProfileList", ()), degraded),
    )


def parse_policy(raw: Mapping[str, Any], degraded: DegradedData | None = None) -> ManagedPolicy:
    """A ManagedPolicyDetail with its default version's document."""
    degraded = _fresh(degraded)
    name, arn = _identity(raw, "policies", "PolicyName", degraded)
    versions = raw.get("PolicyVersionList") or ()
    default = next((v for v in versions if v.get("IsDefaultVersion")), None)
    if default is not None and "Document" not in default:
        degraded.note("policy versions", "Document", "document unknown")
    created = _created(raw, "policies", degraded)
    updated = raw.get("UpdateDate")
    return ManagedPolicy(
        arn=arn,
        name=name,
        policy_id=_id(raw, "policies", "PolicyId", degraded),
        path=raw.get("Path", "/"),
        default_version_id=raw.get("DefaultVersionId", ""),
        attachment_count=int(raw.get("AttachmentCount", 0)),
        permissions_boundary_usage_count=int(raw.get("PermissionsBoundaryUsageCount", 0)),
        is_attachable=bool(raw.get("IsAttachable", True)),
        create_date=created,
        update_date=as_utc(updated) if isinstance(updated, datetime) else created,
        document=(
            policy_document(default["Document"])
            if default is not None and "Document" in default
            else None
        ),
        description=raw.get("Description", "") or "",
    )


def parse_instance_profile(
    raw: Mapping[str, Any], degraded: DegradedData | None = None
) -> InstanceProfile:
    """An InstanceProfile from ListInstanceProfiles (its roles by name, its tags)."""
    degraded = _fresh(degraded)
    name, arn = _identity(raw, "instance profiles", "InstanceProfileName", degraded)
    roles: list[str] = []
    for role in raw.get("Roles") or ():
        role_name = _text(role, "RoleName") or (
            name_from_arn(role["Arn"]) if _text(role, "Arn") else None
        )
        if role_name is None:
            degraded.note("instance profile roles", "RoleName", "left out")
            continue
        roles.append(role_name)
    return InstanceProfile(
        name=name,
        arn=arn,
        instance_profile_id=_id(raw, "instance profiles", "InstanceProfileId", degraded),
        path=raw.get("Path", "/") or "/",
        create_date=_created(raw, "instance profiles", degraded),
        roles=tuple(roles),
        tags=_tags(raw.get("Tags"), degraded),
    )


def parse_identity_provider(
    raw: Mapping[str, Any], kind: IdentityProviderKind, degraded: DegradedData | None = None
) -> IdentityProvider:
    """One entry of ListOpenIDConnectProviders (ARN only) or ListSAMLProviders."""
    degraded = _fresh(degraded)
    where = f"{kind.upper()} providers"
    arn = _text(raw, "Arn")
    if arn is None:
        degraded.note(where, "Arn", "left out")
        raise MissingIdentity(where)
    created = raw.get("CreateDate")
    valid = raw.get("ValidUntil")
    return IdentityProvider(
        arn=arn,
        kind=kind,
        create_date=as_utc(created) if isinstance(created, datetime) else None,
        valid_until=as_utc(valid) if isinstance(valid, datetime) else None,
    )


def _parse_each(
    parse: Callable[[Mapping[str, Any], DegradedData], Any],
    entries: Iterable[Mapping[str, Any]],
    degraded: DegradedData,
) -> Iterator[Any]:
    """Parse every entry; one without an ARN is skipped (already noted), not fatal."""
    for entry in entries:
        try:
            yield parse(entry, degraded)
        except MissingIdentity:
            continue


def parse_password_policy(raw: Mapping[str, Any]) -> PasswordPolicy:
    """GetAccountPasswordPolicy's PasswordPolicy (the overview and the password action share it)."""
    return PasswordPolicy(
        minimum_password_length=int(raw.get("MinimumPasswordLength", 8)),
        require_symbols=bool(raw.get("RequireSymbols", False)),
        require_numbers=bool(raw.get("RequireNumbers", False)),
        require_uppercase_characters=bool(raw.get("RequireUppercaseCharacters", False)),
        require_lowercase_characters=bool(raw.get("RequireLowercaseCharacters", False)),
        allow_users_to_change_password=bool(raw.get("AllowUsersToChangePassword", False)),
        expire_passwords=bool(raw.get("ExpirePasswords", False)),
        max_password_age=raw.get("MaxPasswordAge"),
        password_reuse_prevention=raw.get("PasswordReusePrevention"),
        hard_expiry=bool(raw.get("HardExpiry", False)),
    )


def _paginate(
    client: Any, operation: str, cancel: CancelToken | None, **kwargs: Any
) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        if cancel is not None:
            cancel.check()
        yield page


# --- the overview --------------------------------------------------------------------------


@dataclass
class _Load:
    """Mutable state of one overview load; becomes an immutable snapshot at the end."""

    conn: Connection
    progress: Progress | None
    cancel: CancelToken | None
    fields: dict[str, Any] = field(default_factory=dict)
    unavailable: list[Unavailable] = field(default_factory=list)
    ran: int = 0

    def report(self, step: str, state: str, detail: str = "", requests: int = 0) -> None:
        if self.progress is not None:
            self.progress(StepUpdate(step, state, detail, requests))

    def run(self, part: Part, loader: Callable[[], None]) -> None:
        """Run one step; a denial or unsupported call marks the part unavailable, not the load."""
        if self.cancel is not None:
            self.cancel.check()
        before = self.conn.counter.snapshot()
        self.ran += 1
        self.report(part, "running")
        try:
            loader()
        except Cancelled:
            raise
        except (
            ClientError,
            BotoCoreError,
            ResponseParserError,
            credreport.CredentialReportError,
        ) as exc:
            if _is_fatal(exc):
                raise _connection_problem(self.conn, exc) from exc
            if isinstance(exc, credreport.CredentialReportError):
                item = Unavailable(part, str(exc), exc.code)
            else:
                item = describe_failure(OVERVIEW_ACTIONS[part][0], exc)
                item = Unavailable(part, item.reason, item.code)
            self.unavailable.append(item)
            self.report(part, "unavailable", item.reason, self.conn.counter.snapshot() - before)
        except MALFORMED as exc:
            # An answer shaped unlike AWS's: this part is unknown, the rest still loads.
            log.warning("%s: %s: unreadable answer", self.conn.endpoint, part, exc_info=True)
            operation = OVERVIEW_ACTIONS[part][0].partition(":")[2]
            reason = (
                f"{operation} answered with data iamtui cannot read ({type(exc).__name__}: {exc})"
            )
            item = Unavailable(part, reason, "MalformedResponse")
            self.unavailable.append(item)
            self.report(part, "unavailable", item.reason, self.conn.counter.snapshot() - before)
        else:
            self.report(part, "done", "", self.conn.counter.snapshot() - before)


def load_account(
    conn: Connection,
    *,
    clock: Clock = utcnow,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    report_timeout: float = 120.0,
) -> AccountSnapshot:
    """Load the whole overview; raises ConnectionProblem only when nothing can load."""
    start_count = conn.counter.snapshot()
    load = _Load(conn, progress, cancel)
    f = load.fields
    degraded = DegradedData()
    check_cancel = cancel.check if cancel is not None else lambda: None

    def caller() -> None:
        ident = conn.sts.get_caller_identity()
        f["caller"] = CallerIdentity(
            account=ident["Account"],
            arn=ident["Arn"],
            user_id=ident["UserId"],
            access_key_id=conn.access_key_id,
        )

    def details() -> None:
        users: list[User] = []
        groups: list[Group] = []
        roles: list[Role] = []
        policies: list[ManagedPolicy] = []
        for pages, page in enumerate(
            _paginate(
                conn.iam,
                "get_account_authorization_details",
                cancel,
                PaginationConfig={"PageSize": DETAILS_PAGE_SIZE},
            ),
            start=1,
        ):
            users.extend(_parse_each(parse_user, page.get("UserDetailList", ()), degraded))
            groups.extend(_parse_each(parse_group, page.get("GroupDetailList", ()), degraded))
            roles.extend(_parse_each(parse_role, page.get("RoleDetailList", ()), degraded))
            policies.extend(_parse_each(parse_policy, page.get("Policies", ()), degraded))
            load.report(
                Part.AUTHORIZATION_DETAILS,
                "running",
                f"{len(users)} users, {len(roles)} roles (page {pages})",
            )
        f.update(users=tuple(users), groups=tuple(groups), roles=tuple(roles))
        f["policies"] = tuple(policies)

    def report() -> None:
        f["credential_report"] = credreport.fetch(
            conn.iam,
            timeout=report_timeout,
            sleep=cancel.wait if cancel is not None else time.sleep,
            on_wait=lambda state: load.report(Part.CREDENTIAL_REPORT, "waiting", state.lower()),
        )

    def summary() -> None:
        values = conn.iam.get_account_summary()["SummaryMap"]
        f["summary"] = AccountSummary(
            mfa_enabled=bool(values.get("AccountMFAEnabled", 0)),
            access_keys_present=bool(values.get("AccountAccessKeysPresent", 0)),
            values={str(k): int(v) for k, v in values.items()},
        )

    def aliases() -> None:
        names = conn.iam.list_account_aliases().get("AccountAliases", [])
        f["alias"] = names[0] if names else None

    def password_policy() -> None:
        try:
            raw = conn.iam.get_account_password_policy()["PasswordPolicy"]
        except ClientError as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
            f["password_policy"] = None  # no policy: AWS defaults apply
            return
        f["password_policy"] = parse_password_policy(raw)

    def virtual_mfa() -> None:
        devices: list[VirtualMfaDevice] = []
        for page in _paginate(
            conn.iam, "list_virtual_mfa_devices", cancel, PaginationConfig={"PageSize": 1000}
        ):
            for d in page.get("VirtualMFADevices", ()):
                serial = _text(d, "SerialNumber")
                if serial is None:
                    degraded.note("virtual MFA devices", "SerialNumber", "left out")
                    continue
                enabled = d.get("EnableDate")
                devices.append(
                    VirtualMfaDevice(
                        serial=serial,
                        user_arn=(d.get("User") or {}).get("Arn"),
                        enable_date=as_utc(enabled) if enabled else None,
                    )
                )
        f["virtual_mfa_devices"] = tuple(devices)

    def organization() -> None:
        f["organization"] = read_organization(
            conn.organizations,
            conn.iam,
            lambda action, exc: describe_failure(action, exc).reason,
            cancel.check if cancel is not None else lambda: None,
        )

    def service_credentials() -> None:
        f["service_credentials"] = read_service_credentials(
            conn.iam, check=cancel.check if cancel is not None else None
        )

    def server_certificates() -> None:
        f["server_certificates"] = read_server_certificates(conn.iam, check_cancel)

    def access_analyzer() -> None:
        f["access_analyzer"] = read_access_analyzer(conn.accessanalyzer, check_cancel)

    def analyzer_findings() -> None:
        # Only with an ACTIVE unused-access analyzer (checked before running this step).
        analyzer = f["access_analyzer"].unused_access
        # An organization's analyzer reports every member account's entities: only ours.
        caller = f.get("caller")
        owner = caller.account if caller is not None and analyzer.type.startswith("ORG") else None
        f["analyzer_findings"] = read_analyzer_findings(
            conn.accessanalyzer, analyzer, check_cancel, account_id=owner
        )

    def instance_profiles() -> None:
        profiles: list[InstanceProfile] = []
        for page in _paginate(
            conn.iam, "list_instance_profiles", cancel, PaginationConfig={"PageSize": 1000}
        ):
            entries = page.get("InstanceProfiles", ())
            profiles.extend(_parse_each(parse_instance_profile, entries, degraded))
        f["instance_profiles"] = tuple(profiles)

    def identity_providers() -> None:
        # Neither list pages; the OIDC list has ARNs only (the issuer is in the ARN), so no
        # GetOpenIDConnectProvider per provider here: that is read when one is acted on.
        oidc = conn.iam.list_open_id_connect_providers().get("OpenIDConnectProviderList", ())
        saml = conn.iam.list_saml_providers().get("SAMLProviderList", ())
        f["identity_providers"] = (
            *_parse_each(_kind(IdentityProviderKind.OIDC), oidc, degraded),
            *_parse_each(_kind(IdentityProviderKind.SAML), saml, degraded),
        )

    load.run(Part.CALLER, caller)
    load.run(Part.AUTHORIZATION_DETAILS, details)
    load.run(Part.CREDENTIAL_REPORT, report)
    load.run(Part.ACCOUNT_SUMMARY, summary)
    load.run(Part.ALIASES, aliases)
    load.run(Part.PASSWORD_POLICY, password_policy)
    load.run(Part.VIRTUAL_MFA, virtual_mfa)
    if conn.organizations is not None:
        load.run(Part.ORGANIZATION, organization)
    load.run(Part.SERVICE_CREDENTIALS, service_credentials)
    load.run(Part.SERVER_CERTIFICATES, server_certificates)
    if conn.accessanalyzer is not None:
        load.run(Part.ACCESS_ANALYZER, access_analyzer)
        state = f.get("access_analyzer")
        if state is not None and state.unused_access is not None:
            load.run(Part.ANALYZER_FINDINGS, analyzer_findings)
        else:
            load.report(Part.ANALYZER_FINDINGS, "done", "no unused-access analyzer")
    load.run(Part.INSTANCE_PROFILES, instance_profiles)
    load.run(Part.IDENTITY_PROVIDERS, identity_providers)

    if len(load.unavailable) == load.ran:
        reasons = "; ".join(u.reason for u in load.unavailable[:2])
        raise ConnectionProblem(f"nothing could be loaded from {conn.endpoint}: {reasons}")

    caller_identity: CallerIdentity | None = f.get("caller")
    account_id = caller_identity.account if caller_identity else _account_from(f)
    warnings = degraded.warnings()
    for warning in warnings:
        log.warning("%s: %s", conn.endpoint, warning)
    return AccountSnapshot(
        account_id=account_id,
        loaded_at=clock(),
        unavailable=tuple(load.unavailable),
        data_warnings=warnings,
        source=conn.endpoint,
        request_count=conn.counter.snapshot() - start_count,
        **f,
    )


def _kind(
    kind: IdentityProviderKind,
) -> Callable[[Mapping[str, Any], DegradedData], IdentityProvider]:
    """parse_identity_provider for one kind, shaped for _parse_each."""
    return lambda raw, degraded: parse_identity_provider(raw, kind, degraded)


def _account_from(fields: Mapping[str, Any]) -> str:
    for key in ("users", "roles", "groups"):
        for item in fields.get(key, ()):
            return str(item.arn.split(":")[4])
    return "unknown"


# --- on demand: one principal --------------------------------------------------------------


def read_access_keys(
    iam: Any, user_name: str | None = None, *, last_used: bool = True
) -> tuple[AccessKey, ...]:
    """A user's keys, oldest first (the credential report's key 1 is the oldest).

    No user name means the signer's own keys (root's, signed as root). ``last_used=False``
    skips GetAccessKeyLastUsed where only ids and status matter (checks, slot matching).
    """
    kwargs = {"UserName": user_name} if user_name is not None else {}
    keys: list[AccessKey] = []
    for page in _paginate(iam, "list_access_keys", None, **kwargs):
        for meta in page.get("AccessKeyMetadata", ()):
            last: dict[str, Any] = {}
            if last_used:
                used = iam.get_access_key_last_used(AccessKeyId=meta["AccessKeyId"])
                last = used.get("AccessKeyLastUsed", {})
            when = last.get("LastUsedDate")
            keys.append(
                AccessKey(
                    key_id=meta["AccessKeyId"],
                    status=meta["Status"],
                    create_date=as_utc(meta["CreateDate"]),
                    last_used=as_utc(when) if when else None,
                    last_used_service=_na(last.get("ServiceName")),
                    last_used_region=_na(last.get("Region")),
                )
            )
    return tuple(sorted(keys, key=lambda k: k.create_date))


def load_user_detail(conn: Connection, user: User, *, clock: Clock = utcnow) -> PrincipalDetail:
    """Key ids with last use, MFA devices, SSH keys and signing certificates: per-user calls."""
    keys = read_access_keys(conn.iam, user.name)
    devices: list[MfaDevice] = []
    for page in _paginate(conn.iam, "list_mfa_devices", None, UserName=user.name):
        for d in page.get("MFADevices", ()):
            serial = d["SerialNumber"]
            enabled = d.get("EnableDate")
            devices.append(
                MfaDevice(
                    serial=serial,
                    enable_date=as_utc(enabled) if enabled else None,
                    virtual=serial.startswith("arn:") and ":mfa/" in serial,
                )
            )
    unavailable: list[Unavailable] = []
    ssh = _optional(unavailable, "iam:ListSSHPublicKeys", read_ssh_public_keys, conn, user.name)
    certs = _optional(
        unavailable, "iam:ListSigningCertificates", read_signing_certificates, conn, user.name
    )
    return PrincipalDetail(user.arn, clock(), keys, tuple(devices), ssh, certs, tuple(unavailable))


def _optional(
    unavailable: list[Unavailable],
    action: str,
    read: Callable[[Any, str], tuple[T, ...]],
    conn: Connection,
    user_name: str,
) -> tuple[T, ...] | None:
    """One credential list of a user; denied or unsupported leaves it None with the reason."""
    try:
        return read(conn.iam, user_name)
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        if _is_fatal(exc):
            raise _connection_problem(conn, exc) from exc
        unavailable.append(describe_failure(action, exc))
        return None


def read_ssh_public_keys(iam: Any, user_name: str) -> tuple[SshPublicKey, ...]:
    """A user's SSH public keys (CodeCommit), oldest first: ids and status, never the bodies."""
    keys = [
        SshPublicKey(k["SSHPublicKeyId"], k["Status"], as_utc(k["UploadDate"]))
        for page in _paginate(iam, "list_ssh_public_keys", None, UserName=user_name)
        for k in page.get("SSHPublicKeys", ())
    ]
    return tuple(sorted(keys, key=lambda k: k.upload_date))


def read_signing_certificates(iam: Any, user_name: str) -> tuple[SigningCertificate, ...]:
    """A user's X.509 signing certificates, oldest first: ids and status, never the bodies."""
    certs = [
        SigningCertificate(c["CertificateId"], c["Status"], as_utc(c["UploadDate"]))
        for page in _paginate(iam, "list_signing_certificates", None, UserName=user_name)
        for c in page.get("Certificates", ())
    ]
    return tuple(sorted(certs, key=lambda c: c.upload_date))


def _na(value: str | None) -> str | None:
    """GetAccessKeyLastUsed says ``N/A`` for a key never used."""
    return None if value in (None, "N/A") else value


def load_last_accessed(
    conn: Connection,
    principal_arn: str,
    *,
    granularity: str = "ACTION_LEVEL",
    cancel: CancelToken | None = None,
    timeout: float = 300.0,
) -> LastAccessed:
    """Generate a last-accessed job, poll it with backoff, and read every page of the result."""
    job = conn.iam.generate_service_last_accessed_details(
        Arn=principal_arn, Granularity=granularity
    )["JobId"]
    sleeper = cancel.wait if cancel is not None else time.sleep
    deadline = time.monotonic() + timeout
    delay = 0.25
    while True:
        page = conn.iam.get_service_last_accessed_details(JobId=job, MaxItems=1000)
        status = page["JobStatus"]
        if status == "COMPLETED":
            break
        if status == "FAILED":
            message = (page.get("Error") or {}).get("Message", "job failed")
            raise RuntimeError(f"last-accessed job for {principal_arn} failed: {message}")
        if time.monotonic() + delay > deadline:
            raise TimeoutError(f"last-accessed job for {principal_arn} still running")
        sleeper(delay)
        delay = min(delay * 2, 5.0)
    services = [_service(s) for s in page.get("ServicesLastAccessed", ())]
    while page.get("IsTruncated"):
        if cancel is not None:
            cancel.check()
        page = conn.iam.get_service_last_accessed_details(
            JobId=job, MaxItems=1000, Marker=page["Marker"]
        )
        services.extend(_service(s) for s in page.get("ServicesLastAccessed", ()))
    completed = page.get("JobCompletionDate")
    return LastAccessed(
        principal_arn=principal_arn,
        granularity=granularity,
        completed_at=as_utc(completed) if completed else utcnow(),
        services=tuple(services),
    )


def _service(raw: Mapping[str, Any]) -> ServiceAccess:
    when = raw.get("LastAuthenticated")
    return ServiceAccess(
        service_name=raw.get("ServiceName", raw["ServiceNamespace"]),
        namespace=raw["ServiceNamespace"],
        last_authenticated=as_utc(when) if when else None,
        entity=raw.get("LastAuthenticatedEntity"),
        region=raw.get("LastAuthenticatedRegion"),
        total_authenticated_entities=int(raw.get("TotalAuthenticatedEntities", 0) or 0),
        tracked_actions=tuple(
            TrackedAction(
                action=a["ActionName"],
                last_accessed=as_utc(a["LastAccessedTime"]) if a.get("LastAccessedTime") else None,
                entity=a.get("LastAccessedEntity"),
                region=a.get("LastAccessedRegion"),
            )
            for a in raw.get("TrackedActionsLastAccessed", ())
        ),
    )


@dataclass
class BatchResult:
    """What a batch of last-accessed jobs produced: results, failures, whether it was cut short."""

    results: dict[str, LastAccessed] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    cancelled: bool = False


def load_last_accessed_batch(
    conn: Connection,
    principal_arns: Iterable[str],
    *,
    workers: int = 4,
    granularity: str = "ACTION_LEVEL",
    cancel: CancelToken | None = None,
    progress: Callable[[int, int], None] | None = None,
    throttle_retries: int = 4,
    sleep: Callable[[float], None] = time.sleep,
    on_result: Callable[[LastAccessed], None] | None = None,
) -> BatchResult:
    """Many principals with bounded concurrency, so one screen cannot drain the token bucket.

    ``on_result`` gets each report as it completes, on the calling thread (the TUI merges them
    while the rest still run).
    """
    arns = list(dict.fromkeys(principal_arns))
    cancel = cancel or CancelToken()
    result = BatchResult()
    done = 0

    def one(arn: str) -> LastAccessed:
        delay = 1.0
        for attempt in range(throttle_retries + 1):
            cancel.check()
            try:
                return load_last_accessed(conn, arn, granularity=granularity, cancel=cancel)
            except ClientError as exc:
                if error_code(exc) not in THROTTLE_CODES or attempt == throttle_retries:
                    raise
            sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    with ThreadPoolExecutor(
        max_workers=max(1, workers), thread_name_prefix="last-accessed"
    ) as pool:
        pending: dict[Future[LastAccessed], str] = {}
        queue = iter(arns)

        def submit_next() -> None:
            arn = next(queue, None)
            if arn is not None and not cancel.cancelled:
                pending[pool.submit(one, arn)] = arn

        for _ in range(max(1, workers)):
            submit_next()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                arn = pending.pop(fut)
                try:
                    result.results[arn] = fut.result()
                except Cancelled:
                    result.cancelled = True
                except (
                    ClientError,
                    BotoCoreError,
                    ResponseParserError,
                    RuntimeError,
                    TimeoutError,
                ) as exc:
                    result.failures[arn] = describe_failure(LAST_ACCESSED_ACTIONS[0], exc).reason
                else:
                    if on_result is not None:
                        on_result(result.results[arn])
                done += 1
                if progress is not None:
                    progress(done, len(arns))
                submit_next()
    result.cancelled = result.cancelled or (cancel.cancelled and done < len(arns))
    return result
