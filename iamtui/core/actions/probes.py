"""Probes: the read calls behind a precondition, named so a check is plain data in a plan.

A :class:`~iamtui.core.plan.Check` names a probe, its parameters and the value the plan
expects. Evaluating it runs the probe's read calls against IAM now and compares. The same probes
tell afterwards whether a crashed step took effect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from iamtui.core.actions import reads
from iamtui.core.loader import policy_document, read_access_keys
from iamtui.core.plan import JSON, ApiCall, Check, Op

Probe = Callable[[Any, Mapping[str, JSON]], JSON]

#: probe name -> (function, the read actions it sends). A probe is called with the client of
#: its actions' service (IAM unless they say ``account:...``).
PROBES: dict[str, tuple[Probe, tuple[str, ...]]] = {}


def probe(name: str, *actions: str) -> Callable[[Probe], Probe]:
    """Register a probe under a name that plans refer to (bare action names are IAM's)."""

    def register(func: Probe) -> Probe:
        PROBES[name] = (func, tuple(a if ":" in a else f"iam:{a}" for a in actions))
        return func

    return register


def service_of(probe_name: str) -> str:
    """The service whose client a probe reads with."""
    entry = PROBES.get(probe_name)
    return entry[1][0].split(":", 1)[0] if entry and entry[1] else "iam"


def _absent_is(default: JSON, func: Callable[[], JSON]) -> JSON:
    """Run a read; NoSuchEntity means ``default``."""
    try:
        return func()
    except ClientError as exc:
        if reads.missing(exc):
            return default
        raise


def _p(params: Mapping[str, JSON], name: str) -> str:
    return str(params[name])


@probe("key.status", "ListAccessKeys")
def key_status(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Active, Inactive, or None when the key is gone."""

    def read() -> JSON:
        for key in read_access_keys(iam, _p(p, "UserName"), last_used=False):
            if key.key_id == p["AccessKeyId"]:
                return key.status
        return None

    return _absent_is(None, read)


@probe("key.last_used", "GetAccessKeyLastUsed")
def key_last_used(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """ISO time of the key's last use, or None (never used, or gone)."""
    return _absent_is(None, lambda: reads.key_last_used(iam, _p(p, "AccessKeyId"))[0])


@probe("key.ids", "ListAccessKeys")
def key_ids(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """The user's key ids, sorted."""
    return _absent_is(
        [],
        lambda: sorted(k.key_id for k in read_access_keys(iam, _p(p, "UserName"), last_used=False)),
    )


@probe("user.exists", "GetUser")
def user_exists(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Whether the user exists."""
    return _absent_is(False, lambda: bool(iam.get_user(UserName=_p(p, "UserName"))))


@probe(
    "user.state",
    "GetUser",
    "ListUserTags",
    "ListGroupsForUser",
    "ListAttachedUserPolicies",
    "ListUserPolicies",
    "GetUserPolicy",
    "GetLoginProfile",
    "ListAccessKeys",
    "ListMFADevices",
    "ListSSHPublicKeys",
    "ListSigningCertificates",
    "ListServiceSpecificCredentials",
)
def user_state(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """The user's fingerprint (groups, policies, credentials), or None when gone."""
    try:
        user = reads.read_user(iam, _p(p, "UserName"), last_used=False, bodies=False)
        return user.fingerprint()
    except reads.NotFound:
        return None


@probe("user.groups", "ListGroupsForUser")
def user_groups(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """The user's groups, sorted."""
    return _absent_is([], lambda: list(reads.user_groups(iam, _p(p, "UserName"))))


@probe("user.in_group", "ListGroupsForUser")
def user_in_group(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Whether the user is a member of the group."""
    return _absent_is(False, lambda: p["GroupName"] in reads.user_groups(iam, _p(p, "UserName")))


@probe("user.boundary", "GetUser")
def user_boundary(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """The user's permissions boundary ARN, or None."""

    def read() -> JSON:
        raw = iam.get_user(UserName=_p(p, "UserName"))["User"]
        return (raw.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")

    return _absent_is(None, read)


@probe("login_profile.exists", "GetLoginProfile")
def login_profile_exists(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Whether the user has a console password."""
    return reads.login_profile(iam, _p(p, "UserName")) is not None


@probe("mfa.enabled", "ListMFADevices")
def mfa_enabled(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Whether this MFA device is enabled for the user."""

    def read() -> JSON:
        devices = reads.pages(iam, "list_mfa_devices", "MFADevices", UserName=_p(p, "UserName"))
        return any(d["SerialNumber"] == p["SerialNumber"] for d in devices)

    return _absent_is(False, read)


@probe("virtual_mfa.unassigned", "ListVirtualMFADevices")
def virtual_mfa_unassigned(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Whether the virtual MFA device exists and is assigned to nobody (deletable)."""
    devices = reads.pages(
        iam, "list_virtual_mfa_devices", "VirtualMFADevices", AssignmentStatus="Unassigned"
    )
    return any(d["SerialNumber"] == p["SerialNumber"] for d in devices)


def _listed_status(iam: Any, method: str, key: str, user: str, id_field: str, wanted: JSON) -> JSON:
    def read() -> JSON:
        for item in reads.pages(iam, method, key, UserName=user):
            if item[id_field] == wanted:
                return item["Status"]
        return None

    return _absent_is(None, read)


@probe("ssh_key.status", "ListSSHPublicKeys")
def ssh_key_status(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Active, Inactive, or None when the SSH key is gone."""
    return _listed_status(
        iam,
        "list_ssh_public_keys",
        "SSHPublicKeys",
        _p(p, "UserName"),
        "SSHPublicKeyId",
        p["SSHPublicKeyId"],
    )


def _ssh_key_with_body(iam: Any, user: str, wanted: JSON) -> JSON:
    """The listing entry (id, status) of the user's SSH key with this body, or None."""

    def read() -> JSON:
        for meta in reads.pages(iam, "list_ssh_public_keys", "SSHPublicKeys", UserName=user):
            body = iam.get_ssh_public_key(
                UserName=user, SSHPublicKeyId=meta["SSHPublicKeyId"], Encoding="SSH"
            )["SSHPublicKey"]["SSHPublicKeyBody"]
            if body.strip() == str(wanted).strip():
                return meta
        return None

    return _absent_is(None, read)


@probe("ssh_key.by_body", "ListSSHPublicKeys", "GetSSHPublicKey")
def ssh_key_by_body(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Status of the user's SSH key with this public key body, or None."""
    meta = _ssh_key_with_body(iam, _p(p, "UserName"), p["Body"])
    return meta["Status"] if meta else None


@probe("certificate.status", "ListSigningCertificates")
def certificate_status(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Active, Inactive, or None when the signing certificate is gone."""
    return _listed_status(
        iam,
        "list_signing_certificates",
        "Certificates",
        _p(p, "UserName"),
        "CertificateId",
        p["CertificateId"],
    )


def _certificate_with_body(iam: Any, user: str, wanted: JSON) -> JSON:
    """The listing entry (id, status) of the user's signing certificate with this body, or None."""

    def read() -> JSON:
        for cert in reads.pages(iam, "list_signing_certificates", "Certificates", UserName=user):
            if cert["CertificateBody"].strip() == str(wanted).strip():
                return cert
        return None

    return _absent_is(None, read)


@probe("certificate.by_body", "ListSigningCertificates")
def certificate_by_body(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Status of the user's signing certificate with this body, or None."""
    cert = _certificate_with_body(iam, _p(p, "UserName"), p["Body"])
    return cert["Status"] if cert else None


# --- outputs found again in live state --------------------------------------------------------

#: What a finder says a call created: the one thing's id (None when live state does not single
#: one out) and every id that matched (several: ambiguous, for the operator to look at).
Found = tuple[str | None, tuple[str, ...]]


def _one(entry: JSON, id_field: str) -> Found:
    """A listing entry (or None) as a finder's answer."""
    if not isinstance(entry, Mapping):
        return None, ()
    found = str(entry[id_field])
    return found, (found,)


def _version_number(version_id: str) -> int | None:
    """``v6`` -> 6: IAM numbers a policy's versions up and never reuses a number."""
    digits = version_id[1:]
    return int(digits) if version_id[:1] == "v" and digits.isdigit() else None


def _created_version(iam: Any, p: Mapping[str, JSON]) -> Found:
    """The version a ``CreatePolicyVersion`` made: the one version with its document, and
    the newest of the policy (just created: a version made since by someone else, or an older
    one with the same document, makes it ambiguous)."""
    arn = _p(p, "PolicyArn")

    def read() -> JSON:
        ids = [
            str(v["VersionId"])
            for v in reads.pages(iam, "list_policy_versions", "Versions", PolicyArn=arn)
        ]
        return {
            "ids": ids,
            "matching": [
                version
                for version in ids
                if policy_document(
                    iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"][
                        "Document"
                    ]
                )
                == p["PolicyDocument"]
            ],
        }

    listed = _absent_is(None, read)
    if not isinstance(listed, Mapping):
        return None, ()
    ids, matching = list(listed["ids"] or []), [str(v) for v in listed["matching"] or []]
    numbers = [_version_number(str(v)) for v in ids]
    if len(matching) != 1 or None in numbers:
        return None, tuple(matching)
    newest = max(zip(numbers, ids, strict=True))[1]
    return (matching[0] if matching[0] == newest else None), tuple(matching)


#: Calls whose outputs a later call reads (``{"$prev": NAME}``, or undo's ``{"$result": NAME}``),
#: with how to find what they created in live state when their answer was never recorded (a
#: crash, a lost response, a resumed undo that skips them): (output name, finder).
RECOVERABLE: dict[str, tuple[str, Callable[[Any, Mapping[str, JSON]], Found]]] = {
    "UploadSSHPublicKey": (
        "SSHPublicKeyId",
        lambda iam, p: _one(
            _ssh_key_with_body(iam, _p(p, "UserName"), p["SSHPublicKeyBody"]), "SSHPublicKeyId"
        ),
    ),
    "UploadSigningCertificate": (
        "CertificateId",
        lambda iam, p: _one(
            _certificate_with_body(iam, _p(p, "UserName"), p["CertificateBody"]), "CertificateId"
        ),
    ),
    "CreatePolicyVersion": ("VersionId", _created_version),
}


def recover(iam: Any, call: ApiCall) -> tuple[str, Found] | None:
    """(output name, what live state says the call created); None for a call not recoverable.

    Read errors propagate: the caller decides whether "cannot tell" stops it.
    """
    known = RECOVERABLE.get(call.operation)
    if known is None:
        return None
    name, find = known
    return name, find(iam, call.params)


def recover_outputs(iam: Any, call: ApiCall) -> dict[str, JSON]:
    """The outputs a call would have returned, read from what it created (empty: not found,
    or not singled out)."""
    recovered = recover(iam, call)
    if recovered is None or recovered[1][0] is None:
        return {}
    name, (found, _) = recovered
    return {name: found}


@probe("service_credential.status", "ListServiceSpecificCredentials")
def service_credential_status(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Active, Inactive, or None when the service-specific credential is gone."""

    def read() -> JSON:
        for cred in reads.service_credentials(iam, _p(p, "UserName")):
            if cred["id"] == p["ServiceSpecificCredentialId"]:
                return cred["status"]
        return None

    return _absent_is(None, read)


_ATTACHED = {
    "user": ("list_attached_user_policies", "UserName"),
    "group": ("list_attached_group_policies", "GroupName"),
    "role": ("list_attached_role_policies", "RoleName"),
}


@probe(
    "policy.attached",
    "ListAttachedUserPolicies",
    "ListAttachedGroupPolicies",
    "ListAttachedRolePolicies",
)
def policy_attached(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Whether a managed policy is attached to the user, group or role."""
    method, param = _ATTACHED[str(p["Kind"])]

    def read() -> JSON:
        listed = reads.pages(iam, method, "AttachedPolicies", **{param: p["Name"]})
        return any(a["PolicyArn"] == p["PolicyArn"] for a in listed)

    return _absent_is(False, read)


_INLINE = {
    "user": ("get_user_policy", "UserName"),
    "group": ("get_group_policy", "GroupName"),
    "role": ("get_role_policy", "RoleName"),
}


@probe("inline.document", "GetUserPolicy", "GetGroupPolicy", "GetRolePolicy")
def inline_document(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """An inline policy's document, or None when there is no such policy."""
    method, param = _INLINE[str(p["Kind"])]
    return _absent_is(
        None,
        lambda: policy_document(
            getattr(iam, method)(**{param: p["Name"], "PolicyName": p["PolicyName"]})[
                "PolicyDocument"
            ]
        ),
    )


@probe("role.exists", "GetRole")
def role_exists(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Whether the role exists."""
    return _absent_is(False, lambda: bool(iam.get_role(RoleName=_p(p, "RoleName"))))


@probe("role.trust", "GetRole")
def role_trust(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """The digest of the role's trust policy (canonical JSON), or None when the role is gone."""

    def read() -> JSON:
        raw = iam.get_role(RoleName=_p(p, "RoleName"))["Role"]
        return reads.digest(policy_document(raw.get("AssumeRolePolicyDocument")))

    return _absent_is(None, read)


@probe(
    "role.state",
    "GetRole",
    "ListRoleTags",
    "ListAttachedRolePolicies",
    "ListRolePolicies",
    "GetRolePolicy",
    "ListInstanceProfilesForRole",
)
def role_state(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """The role's fingerprint, or None when gone."""
    try:
        return reads.read_role(iam, _p(p, "RoleName")).fingerprint()
    except reads.NotFound:
        return None


@probe("instance_profile.has_role", "GetInstanceProfile")
def instance_profile_has_role(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Whether the instance profile holds the role."""

    def read() -> JSON:
        profile = iam.get_instance_profile(InstanceProfileName=p["InstanceProfileName"])
        return any(r["RoleName"] == p["RoleName"] for r in profile["InstanceProfile"]["Roles"])

    return _absent_is(False, read)


# --- account and root ---------------------------------------------------------------------


@probe("account.password_policy", "GetAccountPasswordPolicy")
def account_password_policy(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """The password policy as UpdateAccountPasswordPolicy arguments, or None when none is set."""
    return _absent_is(None, lambda: reads.password_policy(iam))


@probe("account.security_contact", "account:GetAlternateContact")
def account_security_contact(account: Any, p: Mapping[str, JSON]) -> JSON:
    """The SECURITY alternate contact (Name, Title, EmailAddress, PhoneNumber), or None."""
    return reads.security_contact(account)


@probe("root_key.status", "ListAccessKeys")
def root_key_status(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Active, Inactive, or None: one of root's keys (signed as root, no UserName)."""
    for key in reads.root_keys(iam, last_used=False):
        if key.key_id == p["AccessKeyId"]:
            return key.status
    return None


# --- evaluation ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What a check found: whether it holds, the value read, and a one-line reason if not."""

    check: Check
    ok: bool
    observed: JSON
    reason: str = ""


def compare(op: Op, observed: JSON, expect: JSON) -> bool:
    """Apply a check's comparison."""
    if op is Op.EQ:
        return bool(observed == expect)
    if op is Op.NE:
        return bool(observed != expect)
    if observed is None:
        return True
    if expect is None:
        return False
    return datetime.fromisoformat(str(observed)) <= datetime.fromisoformat(str(expect))


def show(value: JSON) -> str:
    """A short rendering of an observed or expected value."""
    if value is None:
        return "none"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, dict):
        text = reads.canonical(value)
        return text if len(text) <= 80 else text[:79] + "…"
    return str(value)


def difference(expect: JSON, observed: JSON) -> str:
    """The fields of two fingerprints that differ, as ``name now X (plan saw Y)``."""
    if not isinstance(expect, dict) or not isinstance(observed, dict):
        return f"now {show(observed)} (plan saw {show(expect)})"
    parts = [
        f"{name} now {show(observed.get(name))} (plan saw {show(expect.get(name))})"
        for name in sorted(set(expect) | set(observed))
        if expect.get(name) != observed.get(name)
    ]
    return "; ".join(parts)


def evaluate(iam: Any, check: Check, *, account: Any = None) -> CheckResult:
    """Run a check's reads now and compare; read errors propagate to the caller.

    ``account`` is the Account API client, for the checks that read alternate contacts.
    """
    entry = PROBES.get(check.probe)
    if entry is None:
        raise KeyError(f"unknown probe {check.probe!r}")
    client = iam
    if service_of(check.probe) == "account":
        if account is None:
            raise ValueError(f"check {check.probe!r} needs an Account API client")
        client = account
    observed = entry[0](client, check.params)
    ok = compare(check.op, observed, check.expect)
    reason = ""
    if not ok:
        if check.op is Op.NOT_AFTER or check.op is Op.NE:
            reason = f"{check.description}: found {show(observed)}"
        else:
            reason = f"{check.description}: {difference(check.expect, observed)}"
    return CheckResult(check, ok, observed, reason)


def read_actions(probe_name: str) -> tuple[str, ...]:
    """The read actions a probe sends (for the permissions a plan needs)."""
    entry = PROBES.get(probe_name)
    return entry[1] if entry else ()


# --- customer-managed policies --------------------------------------------------------------


@probe("policy.attachments", "GetPolicy")
def policy_attachments(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """How many users, groups and roles the policy is attached to; None when it is gone."""
    return _absent_is(
        None, lambda: int(iam.get_policy(PolicyArn=_p(p, "PolicyArn"))["Policy"]["AttachmentCount"])
    )


@probe("policy.version_document", "GetPolicyVersion")
def policy_version_document(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """One version's document, or None when the version (or the policy) is gone."""
    return _absent_is(
        None,
        lambda: policy_document(
            iam.get_policy_version(PolicyArn=_p(p, "PolicyArn"), VersionId=_p(p, "VersionId"))[
                "PolicyVersion"
            ]["Document"]
        ),
    )


@probe("policy.default_version", "GetPolicy")
def policy_default_version(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """The policy's default version id; None when the policy is gone."""
    return _absent_is(
        None,
        lambda: str(iam.get_policy(PolicyArn=_p(p, "PolicyArn"))["Policy"]["DefaultVersionId"]),
    )


@probe("policy.default_document", "GetPolicy", "GetPolicyVersion")
def policy_default_document(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """The document of the policy's default version; None when the policy is gone."""
    arn = _p(p, "PolicyArn")

    def read() -> JSON:
        default = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        found = iam.get_policy_version(PolicyArn=arn, VersionId=default)["PolicyVersion"]
        return policy_document(found["Document"])

    return _absent_is(None, read)


@probe("policy.has_document", "ListPolicyVersions", "GetPolicyVersion")
def policy_has_document(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Whether some version of the policy has this document (False when the policy is gone)."""
    arn = _p(p, "PolicyArn")

    def read() -> JSON:
        for version in reads.pages(iam, "list_policy_versions", "Versions", PolicyArn=arn):
            found = iam.get_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
            if policy_document(found["PolicyVersion"]["Document"]) == p["Document"]:
                return True
        return False

    return _absent_is(False, read)


@probe("group.members", "GetGroup")
def group_members(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """The group's member user names, sorted; None when the group is gone."""
    return _absent_is(
        None,
        lambda: sorted(
            str(u["UserName"])
            for u in reads.pages(iam, "get_group", "Users", GroupName=_p(p, "GroupName"))
        ),
    )


@probe("virtual_mfa.assignment", "ListVirtualMFADevices")
def virtual_mfa_assignment(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """``Assigned`` or ``Unassigned``; None when the virtual MFA device is gone."""
    for device in reads.pages(iam, "list_virtual_mfa_devices", "VirtualMFADevices"):
        if device["SerialNumber"] == p["SerialNumber"]:
            return "Assigned" if device.get("User") else "Unassigned"
    return None


@probe("server_certificate.id", "ListServerCertificates")
def server_certificate_id(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """The id of the server certificate of that name; None when there is none."""
    for meta in reads.pages(iam, "list_server_certificates", "ServerCertificateMetadataList"):
        if str(meta["ServerCertificateName"]).lower() == str(p["ServerCertificateName"]).lower():
            return str(meta["ServerCertificateId"])
    return None


# --- instance profiles and identity providers -----------------------------------------------


@probe("instance_profile.roles", "GetInstanceProfile")
def instance_profile_roles(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """The profile's role names, sorted; None when the profile is gone."""
    try:
        profile = reads.instance_profile(iam, _p(p, "InstanceProfileName"))
    except reads.NotFound:
        return None
    return sorted(str(r["RoleName"]) for r in profile.get("Roles") or ())


@probe("identity_provider.exists", "GetOpenIDConnectProvider", "GetSAMLProvider")
def identity_provider_exists(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """Whether the OIDC or SAML provider exists."""
    try:
        reads.identity_provider(iam, _p(p, "ProviderArn"))
    except reads.NotFound:
        return False
    return True


@probe("identity_provider.trusted_by", "GetAccountAuthorizationDetails")
def identity_provider_trusted_by(iam: Any, p: Mapping[str, JSON]) -> JSON:
    """The roles whose trust may let the provider's users in, sorted (empty: none)."""
    trusting, _ = reads.roles_trusting(iam, _p(p, "ProviderArn"))
    return list(trusting)
