"""Check constructors: the probes a step re-reads right before its call and after it."""

from __future__ import annotations

from datetime import datetime

from iamtui.core.plan import JSON, Check, Op
from iamtui.core.subjects import UploadedKind


def check(probe: str, expect: JSON, description: str, op: Op = Op.EQ, **params: JSON) -> Check:
    """A Check with keyword params."""
    return Check(probe, params, expect, description, op)


def key_is(user: str, key_id: JSON, status: str | None, *, op: Op = Op.EQ) -> Check:
    """The key's status is (or, with NE, is not) ``status``."""
    if status is None:
        text = f"access key {key_label(key_id)} is gone" if op is Op.EQ else "access key exists"
    else:
        text = f"access key {key_label(key_id)} is {status}"
    return check("key.status", status, text, op, UserName=user, AccessKeyId=key_id)


def key_unused_since(key_id: str, last_used: datetime | None) -> Check:
    """The key's last use is what the plan saw (it was not used in between)."""
    seen = last_used.isoformat() if last_used is not None else None
    return check(
        "key.last_used",
        seen,
        f"access key {key_id} not used since the plan was made (last use: {seen or 'never'})",
        AccessKeyId=key_id,
    )


def key_label(value: JSON) -> str:
    return "(new key)" if isinstance(value, dict) else str(value)


PARAM = {"user": "UserName", "group": "GroupName", "role": "RoleName"}
OP_KIND = {"user": "User", "group": "Group", "role": "Role"}


def attached_is(kind: str, name: str, arn: str, value: bool) -> Check:
    """Whether the managed policy is attached."""
    state = "attached to" if value else "not attached to"
    return check(
        "policy.attached",
        value,
        f"{policy_name(arn)} is {state} {kind} {name}",
        Kind=kind,
        Name=name,
        PolicyArn=arn,
    )


def inline_is(kind: str, name: str, policy: str, document: JSON, *, op: Op = Op.EQ) -> Check:
    """The inline policy's document is ``document`` (None: no such policy)."""
    if document is None:
        text = f"{kind} {name} has {'no' if op is Op.EQ else 'an'} inline policy {policy}"
    else:
        text = f"inline policy {policy} of {kind} {name} is unchanged"
    return check("inline.document", document, text, op, Kind=kind, Name=name, PolicyName=policy)


def in_group(user: str, group: str, value: bool) -> Check:
    """Whether the user is in the group."""
    state = "in" if value else "not in"
    return check(
        "user.in_group",
        value,
        f"user {user} is {state} group {group}",
        UserName=user,
        GroupName=group,
    )


def login_profile_is(user: str, value: bool) -> Check:
    """Whether the user has a console password."""
    state = "has" if value else "has no"
    return check(
        "login_profile.exists", value, f"user {user} {state} a console password", UserName=user
    )


def profile_has(profile: str, role: str, value: bool) -> Check:
    """Whether the instance profile holds the role."""
    state = "holds" if value else "does not hold"
    return check(
        "instance_profile.has_role",
        value,
        f"instance profile {profile} {state} role {role}",
        InstanceProfileName=profile,
        RoleName=role,
    )


def role_exists(role: str, value: bool) -> Check:
    """Whether the role exists."""
    state = "exists" if value else "does not exist"
    return check("role.exists", value, f"role {role} {state}", RoleName=role)


def user_exists(user: str, value: bool) -> Check:
    """Whether the user exists."""
    state = "exists" if value else "does not exist"
    return check("user.exists", value, f"user {user} {state}", UserName=user)


def credential_is(user: str, cid: JSON, value: JSON) -> Check:
    """A service-specific credential's status (None: gone)."""
    return check(
        "service_credential.status",
        value,
        f"service-specific credential {cid} is {value or 'gone'}",
        UserName=user,
        ServiceSpecificCredentialId=cid,
    )


def mfa_is(user: str, serial: str, value: bool) -> Check:
    """Whether the MFA device is enabled for the user."""
    state = "enabled" if value else "not enabled"
    return check(
        "mfa.enabled",
        value,
        f"MFA device {serial} is {state} for {user}",
        UserName=user,
        SerialNumber=serial,
    )


def virtual_mfa_is(serial: str, value: bool) -> Check:
    """Whether the virtual MFA device exists, unassigned."""
    state = "exists, assigned to nobody" if value else "is gone"
    return check(
        "virtual_mfa.unassigned",
        value,
        f"virtual MFA device {serial} {state}",
        SerialNumber=serial,
    )


def boundary_is(user: str, value: str | None) -> Check:
    """The user's permissions boundary (None: none)."""
    return check(
        "user.boundary",
        value,
        f"user {user}'s permissions boundary is {value or 'none'}",
        UserName=user,
    )


#: Per uploaded credential kind: probe prefix, noun, id parameter.
_UPLOADED: dict[str, tuple[str, str, str]] = {
    "certificate": ("certificate", "signing certificate", "CertificateId"),
    "ssh-key": ("ssh_key", "SSH public key", "SSHPublicKeyId"),
}


def uploaded_is(kind: UploadedKind, user: str, cid: JSON, value: str | None) -> Check:
    """An SSH public key's or signing certificate's status (None: gone)."""
    probe, noun, id_param = _UPLOADED[kind]
    return check(
        f"{probe}.status",
        value,
        f"{noun} {cid} is {value or 'gone'}",
        UserName=user,
        **{id_param: cid},
    )


def uploaded_copy(kind: UploadedKind, user: str, cid: JSON, body: JSON, value: str | None) -> Check:
    """The status of the user's SSH key or certificate with this body (None: no such one)."""
    probe, noun, _ = _UPLOADED[kind]
    state = "has no" if value is None else f"has an {value}"
    return check(
        f"{probe}.by_body",
        value,
        f"user {user} {state} copy of {noun} {cid}",
        UserName=user,
        Body=body,
    )


def policy_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def profile_roles(profile: str, roles: JSON) -> Check:
    """The instance profile's roles are ``roles`` (None: the profile is gone)."""
    if roles is None:
        text = f"instance profile {profile} is gone"
    elif roles == []:
        text = f"instance profile {profile} exists and holds no role"
    else:
        text = f"instance profile {profile} holds roles {roles}"
    return check("instance_profile.roles", roles, text, InstanceProfileName=profile)


def provider_exists(arn: str, value: bool) -> Check:
    """Whether the OIDC or SAML provider exists."""
    name = arn.split("-provider/", 1)[-1]
    state = "exists" if value else "does not exist"
    return check(
        "identity_provider.exists", value, f"identity provider {name} {state}", ProviderArn=arn
    )


def provider_untrusted(arn: str) -> Check:
    """No role's trust policy lets the provider's users in."""
    name = arn.split("-provider/", 1)[-1]
    return check(
        "identity_provider.trusted_by",
        [],
        f"no role's trust policy names identity provider {name}",
        ProviderArn=arn,
    )
