"""Fresh reads of one principal's full state, the before-state plans save and preconditions compare.

Plans are built from these reads, not from the snapshot alone: the snapshot says what the
operator reviewed, these say what is there now. Everything returned is JSON-able and secret-free
(public SSH keys and certificate bodies are public material).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from iamtui.core.errors import error_code
from iamtui.core.loader import (
    DETAILS_PAGE_SIZE,
    as_utc,
    parse_password_policy,
    policy_document,
    read_access_keys,
)
from iamtui.core.model import (
    AccessKey,
    IdentityProvider,
    IdentityProviderKind,
    PasswordPolicy,
    ServiceCredential,
)
from iamtui.core.plan import JSON
from iamtui.core.root import password_policy_params
from iamtui.core.rules.providers import federated_trust
from iamtui.core.service_credentials import read_service_credentials
from iamtui.core.subjects import UploadedKind


class NotFound(LookupError):
    """The principal or item does not exist (NoSuchEntity)."""


def canonical(data: JSON) -> str:
    """The one JSON text of a value: sorted keys, no spaces (hashes and comparisons use it)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(data: JSON) -> str:
    """A short SHA-256 of a value's canonical JSON."""
    return hashlib.sha256(canonical(data).encode()).hexdigest()[:16]


def iso(value: datetime | None) -> str | None:
    """An aware UTC ISO time, or None."""
    return as_utc(value).isoformat() if value is not None else None


def when(value: str | None) -> datetime | None:
    """An ISO time saved by ``iso`` back as an aware datetime (None stays None)."""
    return as_utc(datetime.fromisoformat(value)) if value else None


def pages(iam: Any, method: str, key: str, **kwargs: Any) -> Iterator[Any]:
    """Every item of a paged list (IAM pages even short lists)."""
    for page in iam.get_paginator(method).paginate(**kwargs):
        yield from page.get(key, ())


def missing(exc: ClientError) -> bool:
    """Whether an error means the thing is not there."""
    return error_code(exc) == "NoSuchEntity"


# --- keys -------------------------------------------------------------------------------


def key_last_used(iam: Any, key_id: str) -> tuple[str | None, str | None]:
    """(ISO last use or None, service or None) of one key."""
    last = iam.get_access_key_last_used(AccessKeyId=key_id).get("AccessKeyLastUsed", {})
    when = last.get("LastUsedDate")
    service = last.get("ServiceName")
    return iso(when) if when else None, None if service in (None, "N/A") else service


def root_keys(iam: Any, *, last_used: bool = True) -> tuple[AccessKey, ...]:
    """Root's own access keys, oldest first: ListAccessKeys with no UserName, signed as root."""
    return read_access_keys(iam, None, last_used=last_used)


# --- account settings ---------------------------------------------------------------------


def policy_params(policy: PasswordPolicy) -> dict[str, JSON]:
    """UpdateAccountPasswordPolicy arguments that set exactly this policy.

    A zero age or reuse count is AWS's "not set", so both are left out: the same policy then
    always reads back as the same arguments, which is what checks and undo compare.
    """
    params: dict[str, JSON] = dict(password_policy_params(policy))
    for name in ("MaxPasswordAge", "PasswordReusePrevention"):
        if not params.get(name):
            params.pop(name, None)
    return params


def password_policy(iam: Any) -> dict[str, JSON] | None:
    """The account password policy as UpdateAccountPasswordPolicy arguments; None when unset."""
    try:
        raw = iam.get_account_password_policy()["PasswordPolicy"]
    except ClientError as exc:
        if missing(exc):
            return None
        raise
    return policy_params(parse_password_policy(raw))


#: PutAlternateContact's fields, in the order the API lists them.
CONTACT_FIELDS = ("Name", "Title", "EmailAddress", "PhoneNumber")


def security_contact(account: Any) -> dict[str, JSON] | None:
    """The SECURITY alternate contact's fields; None when it is not set."""
    try:
        raw = account.get_alternate_contact(AlternateContactType="SECURITY")["AlternateContact"]
    except ClientError as exc:
        if (error_code(exc) or "").removesuffix("Exception") == "ResourceNotFound":
            return None
        raise
    return {name: str(raw.get(name, "")) for name in CONTACT_FIELDS}


# --- users ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserState:
    """Everything a user has that deletion removes: what undo restores and what it cannot."""

    name: str
    arn: str
    user_id: str
    path: str
    tags: tuple[tuple[str, str], ...] = ()
    boundary: str | None = None
    groups: tuple[str, ...] = ()
    attached: tuple[tuple[str, str], ...] = ()
    inline: Mapping[str, JSON] = field(default_factory=dict)
    #: None: no console password; else {"reset_required": bool}.
    login_profile: Mapping[str, JSON] | None = None
    password_last_used: str | None = None
    keys: tuple[AccessKey, ...] = ()
    mfa: tuple[tuple[str, bool], ...] = ()
    ssh_keys: tuple[Mapping[str, JSON], ...] = ()
    certificates: tuple[Mapping[str, JSON], ...] = ()
    service_credentials: tuple[Mapping[str, JSON], ...] = ()

    def to_json(self) -> JSON:
        """Plain data (the plan's saved before-state)."""
        return {
            "name": self.name,
            "arn": self.arn,
            "user_id": self.user_id,
            "path": self.path,
            "tags": [list(t) for t in self.tags],
            "boundary": self.boundary,
            "groups": list(self.groups),
            "attached": [list(a) for a in self.attached],
            "inline": dict(self.inline),
            "login_profile": dict(self.login_profile) if self.login_profile else None,
            "password_last_used": self.password_last_used,
            "keys": [k.to_json() for k in self.keys],
            "mfa": [{"serial": s, "virtual": v} for s, v in self.mfa],
            "ssh_keys": [dict(s) for s in self.ssh_keys],
            "certificates": [dict(c) for c in self.certificates],
            "service_credentials": [dict(c) for c in self.service_credentials],
        }

    def fingerprint(self) -> JSON:
        """What must not change between planning and acting (no last-use times)."""
        return {
            "path": self.path,
            "tags": [list(t) for t in self.tags],
            "boundary": self.boundary,
            "groups": list(self.groups),
            "attached": sorted(a[0] for a in self.attached),
            "inline": {name: digest(doc) for name, doc in sorted(self.inline.items())},
            "login_profile": self.login_profile is not None,
            "keys": {k.key_id: k.status for k in self.keys},
            "mfa": sorted(s for s, _ in self.mfa),
            "ssh_keys": {str(s["id"]): s["status"] for s in self.ssh_keys},
            "certificates": {str(c["id"]): c["status"] for c in self.certificates},
            "service_credentials": {str(c["id"]): c["status"] for c in self.service_credentials},
        }


def login_profile(iam: Any, user: str) -> Mapping[str, JSON] | None:
    """{"reset_required": bool} when the user has a console password, else None."""
    try:
        profile = iam.get_login_profile(UserName=user)["LoginProfile"]
    except ClientError as exc:
        if missing(exc):
            return None
        raise
    return {"reset_required": bool(profile.get("PasswordResetRequired", False))}


def user_inline(iam: Any, user: str) -> dict[str, JSON]:
    """Inline policy name -> document."""
    return {
        name: policy_document(iam.get_user_policy(UserName=user, PolicyName=name)["PolicyDocument"])
        for name in pages(iam, "list_user_policies", "PolicyNames", UserName=user)
    }


def user_groups(iam: Any, user: str) -> tuple[str, ...]:
    """The user's group names, sorted."""
    return tuple(
        sorted(g["GroupName"] for g in pages(iam, "list_groups_for_user", "Groups", UserName=user))
    )


def service_credentials(iam: Any, user: str) -> tuple[Mapping[str, JSON], ...]:
    """Service-specific credentials (CodeCommit, Keyspaces, Bedrock): ids and status only."""
    return tuple(
        {"id": c.credential_id, "service": c.service, "status": c.status}
        for c in read_service_credentials(iam, user=user)
    )


def service_credential(iam: Any, user: str, credential_id: str) -> ServiceCredential:
    """One service-specific credential of a user, read now; NotFound when it is gone."""
    try:
        held = read_service_credentials(iam, user=user)
    except ClientError as exc:
        if missing(exc):
            raise NotFound(f"user {user} does not exist") from exc
        raise
    for credential in held:
        if credential.credential_id == credential_id:
            return credential
    raise NotFound(f"user {user} has no service-specific credential {credential_id}")


def uploaded_credentials(
    iam: Any, name: str, kind: UploadedKind, *, bodies: bool = True
) -> tuple[Mapping[str, JSON], ...]:
    """The user's SSH keys or signing certificates: id, status and public body (undo's upload).

    A certificate's body comes with the listing; an SSH key's costs GetSSHPublicKey, skipped
    (None) without ``bodies``.
    """
    if kind == "certificate":
        return tuple(
            {"id": c["CertificateId"], "status": c["Status"], "body": c["CertificateBody"]}
            for c in pages(iam, "list_signing_certificates", "Certificates", UserName=name)
        )
    found = []
    for meta in pages(iam, "list_ssh_public_keys", "SSHPublicKeys", UserName=name):
        body = None
        if bodies:
            body = iam.get_ssh_public_key(
                UserName=name, SSHPublicKeyId=meta["SSHPublicKeyId"], Encoding="SSH"
            )["SSHPublicKey"]["SSHPublicKeyBody"]
        found.append({"id": meta["SSHPublicKeyId"], "status": meta["Status"], "body": body})
    return tuple(found)


def read_user(iam: Any, name: str, *, last_used: bool = True, bodies: bool = True) -> UserState:
    """The full state of one user; raises NotFound when it does not exist.

    ``last_used`` and ``bodies`` (SSH public key bodies) cost a call per key; fingerprints skip
    them.
    """
    try:
        raw = iam.get_user(UserName=name)["User"]
    except ClientError as exc:
        if missing(exc):
            raise NotFound(f"user {name} does not exist") from exc
        raise
    boundary = (raw.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    used = raw.get("PasswordLastUsed")
    tags = tuple(
        (t["Key"], t["Value"]) for t in pages(iam, "list_user_tags", "Tags", UserName=name)
    )
    attached = tuple(
        (p["PolicyArn"], p["PolicyName"])
        for p in pages(iam, "list_attached_user_policies", "AttachedPolicies", UserName=name)
    )
    mfa = tuple(
        (d["SerialNumber"], d["SerialNumber"].startswith("arn:") and ":mfa/" in d["SerialNumber"])
        for d in pages(iam, "list_mfa_devices", "MFADevices", UserName=name)
    )
    return UserState(
        name=raw["UserName"],
        arn=raw["Arn"],
        user_id=raw["UserId"],
        path=raw.get("Path", "/"),
        tags=tags,
        boundary=boundary,
        groups=user_groups(iam, name),
        attached=attached,
        inline=user_inline(iam, name),
        login_profile=login_profile(iam, name),
        password_last_used=iso(used) if used else None,
        keys=read_access_keys(iam, name, last_used=last_used),
        mfa=mfa,
        ssh_keys=uploaded_credentials(iam, name, "ssh-key", bodies=bodies),
        certificates=uploaded_credentials(iam, name, "certificate"),
        service_credentials=service_credentials(iam, name),
    )


# --- roles ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoleState:
    """Everything DeleteRole loses that CreateRole and friends can put back."""

    name: str
    arn: str
    role_id: str
    path: str
    trust: JSON
    description: str = ""
    max_session: int = 3600
    tags: tuple[tuple[str, str], ...] = ()
    boundary: str | None = None
    attached: tuple[tuple[str, str], ...] = ()
    inline: Mapping[str, JSON] = field(default_factory=dict)
    instance_profiles: tuple[str, ...] = ()
    last_used: str | None = None

    def to_json(self) -> JSON:
        """Plain data (the plan's saved before-state)."""
        return {
            "name": self.name,
            "arn": self.arn,
            "role_id": self.role_id,
            "path": self.path,
            "trust": self.trust,
            "description": self.description,
            "max_session": self.max_session,
            "tags": [list(t) for t in self.tags],
            "boundary": self.boundary,
            "attached": [list(a) for a in self.attached],
            "inline": dict(self.inline),
            "instance_profiles": list(self.instance_profiles),
            "last_used": self.last_used,
        }

    def fingerprint(self) -> JSON:
        """What must not change between planning and acting."""
        return {
            "path": self.path,
            "trust": digest(self.trust),
            "description": self.description,
            "max_session": self.max_session,
            "tags": [list(t) for t in self.tags],
            "boundary": self.boundary,
            "attached": sorted(a[0] for a in self.attached),
            "inline": {name: digest(doc) for name, doc in sorted(self.inline.items())},
            "instance_profiles": sorted(self.instance_profiles),
        }


def role_inline(iam: Any, role: str) -> dict[str, JSON]:
    """Inline policy name -> document."""
    return {
        name: policy_document(iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"])
        for name in pages(iam, "list_role_policies", "PolicyNames", RoleName=role)
    }


def read_role(iam: Any, name: str) -> RoleState:
    """The full state of one role; raises NotFound when it does not exist."""
    try:
        raw = iam.get_role(RoleName=name)["Role"]
    except ClientError as exc:
        if missing(exc):
            raise NotFound(f"role {name} does not exist") from exc
        raise
    used = (raw.get("RoleLastUsed") or {}).get("LastUsedDate")
    tags = tuple(
        (t["Key"], t["Value"]) for t in pages(iam, "list_role_tags", "Tags", RoleName=name)
    )
    attached = tuple(
        (p["PolicyArn"], p["PolicyName"])
        for p in pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
    )
    profiles = tuple(
        p["InstanceProfileName"]
        for p in pages(iam, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=name)
    )
    return RoleState(
        name=raw["RoleName"],
        arn=raw["Arn"],
        role_id=raw["RoleId"],
        path=raw.get("Path", "/"),
        trust=policy_document(raw.get("AssumeRolePolicyDocument")),
        description=raw.get("Description", "") or "",
        max_session=int(raw.get("MaxSessionDuration", 3600) or 3600),
        tags=tags,
        boundary=(raw.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        attached=attached,
        inline=role_inline(iam, name),
        instance_profiles=profiles,
        last_used=iso(used) if used else None,
    )


# --- groups -----------------------------------------------------------------------------


def group_attached(iam: Any, group: str) -> tuple[str, ...]:
    """ARNs of the managed policies attached to a group."""
    return tuple(
        p["PolicyArn"]
        for p in pages(iam, "list_attached_group_policies", "AttachedPolicies", GroupName=group)
    )


def group_arn(iam: Any, group: str) -> str:
    """A group's ARN; raises NotFound."""
    try:
        return str(iam.get_group(GroupName=group, MaxItems=1)["Group"]["Arn"])
    except ClientError as exc:
        if missing(exc):
            raise NotFound(f"group {group} does not exist") from exc
        raise


# --- instance profiles and identity providers --------------------------------------------------


def instance_profile(iam: Any, name: str) -> Mapping[str, Any]:
    """GetInstanceProfile's InstanceProfile (its roles and tags); NotFound when gone."""
    try:
        profile: Mapping[str, Any] = iam.get_instance_profile(InstanceProfileName=name)[
            "InstanceProfile"
        ]
    except ClientError as exc:
        if missing(exc):
            raise NotFound(f"instance profile {name} does not exist") from exc
        raise
    return profile


def identity_provider(iam: Any, arn: str) -> Mapping[str, Any]:
    """GetOpenIDConnectProvider or GetSAMLProvider (by the ARN's kind); NotFound when gone."""
    try:
        if ":saml-provider/" in arn:
            found: Mapping[str, Any] = iam.get_saml_provider(SAMLProviderArn=arn)
        else:
            found = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    except ClientError as exc:
        if missing(exc):
            raise NotFound(f"identity provider {arn} does not exist") from exc
        raise
    return found


def roles_trusting(iam: Any, provider_arn: str) -> tuple[list[str], list[str]]:
    """(roles whose trust may let this provider's users in, roles trusting Cognito identity
    pools), both sorted: one paged GetAccountAuthorizationDetails (Filter Role) read.

    Judged as ``identity-provider.unused`` judges the snapshot (``rules.providers``).
    """
    kind = (
        IdentityProviderKind.SAML
        if ":saml-provider/" in provider_arn
        else (IdentityProviderKind.OIDC)
    )
    provider = IdentityProvider(provider_arn, kind)
    trusting: list[str] = []
    cognito: list[str] = []
    for page in iam.get_paginator("get_account_authorization_details").paginate(
        Filter=["Role"], PaginationConfig={"PageSize": DETAILS_PAGE_SIZE}
    ):
        for role in page.get("RoleDetailList", ()):
            trust = federated_trust(policy_document(role.get("AssumeRolePolicyDocument")))
            name = str(role.get("RoleName", ""))
            if trust.uses(provider):
                trusting.append(name)
            if trust.cognito:
                cognito.append(name)
    return sorted(trusting), sorted(cognito)
