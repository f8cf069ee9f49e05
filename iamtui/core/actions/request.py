"""What the operator asks for: one action on one typed subject, plus the action's options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from iamtui.core.actions.guards import ActionRefused
from iamtui.core.ids import ActionId
from iamtui.core.plan import JSON, RotateStage
from iamtui.core.subjects import (
    AccountSubject,
    AttachmentSubject,
    GroupSubject,
    IdentityProviderSubject,
    InlinePolicySubject,
    InstanceProfileSubject,
    KeySubject,
    MembershipSubject,
    PolicySubject,
    PrincipalSubject,
    PrincipalType,
    RootKeySubject,
    ServerCertificateSubject,
    ServiceCredentialSubject,
    Subject,
    TrustEdit,
    TrustSubject,
    UploadedCredentialSubject,
    VirtualMfaSubject,
)


def principal_type(kind: str) -> PrincipalType:
    """``user``, ``group`` or ``role``; anything else is refused with one line."""
    if kind == "user":
        return "user"
    if kind == "group":
        return "group"
    if kind == "role":
        return "role"
    raise ActionRefused(f"unknown principal kind {kind!r} (user, group or role)")


def describe(subject: Subject) -> str:
    """``user alice AKIA...``: the subject in a skip list or a log line."""
    match subject:
        case KeySubject(user, key_id, slot):
            which = key_id or (f"key {slot}" if slot is not None else "")
            return f"user {user} {which}".rstrip()
        case UploadedCredentialSubject(user, kind, cid):
            return f"user {user} {kind} {cid or 'active'}"
        case PrincipalSubject(kind, name):
            return f"{kind} {name}"
        case AttachmentSubject(kind, name, arn):
            return f"{kind} {name} {arn}"
        case InlinePolicySubject(kind, name, policy):
            return f"{kind} {name} {policy}"
        case MembershipSubject(user, group):
            return f"user {user} {group}"
        case PolicySubject(arn):
            return f"policy {arn}"
        case RootKeySubject(key_id, account):
            return " ".join(p for p in ("root", account, key_id) if p)
        case ServiceCredentialSubject(user, credential_id):
            return f"user {user} {credential_id}"
        case TrustSubject(role, edit):
            return f"role {role} trust: {edit.text()}"
        case GroupSubject(group):
            return f"group {group}"
        case VirtualMfaSubject(serial):
            return f"MFA device {serial}"
        case ServerCertificateSubject(name, _):
            return f"server certificate {name}"
        case InstanceProfileSubject(name):
            return f"instance profile {name}"
        case IdentityProviderSubject(arn):
            return f"identity provider {arn}"
    return "account"


def principal_of(subject: Subject) -> tuple[str, str] | None:
    """(kind, name) of the user, group or role the subject belongs to, if any."""
    match subject:
        case (
            KeySubject(user)
            | MembershipSubject(user)
            | ServiceCredentialSubject(user)
            | UploadedCredentialSubject(user)
        ):
            return ("user", user)
        case GroupSubject(group):
            return ("group", group)
        case (
            PrincipalSubject(kind, name)
            | AttachmentSubject(kind, name)
            | InlinePolicySubject(kind, name)
        ):
            return (kind, name)
        case TrustSubject(role):
            return ("role", role)
    return None


@dataclass(frozen=True, slots=True)
class Request:
    """An action on one subject; options say how (rotation stage, active-key override, params)."""

    action: ActionId
    subject: Subject
    #: key.rotate: the stage to plan; None lets the planner pick it from the live keys.
    stage: RotateStage | None = None
    #: key.delete on an Active key: only with this explicit override (typed in the UI).
    allow_active: bool = False
    #: Act on a key whose use the reviewed data cannot show (no report, or one older than the
    #: key): only with this explicit override (typed in the UI).
    accept_unverified_use: bool = False
    #: What an account-level action sets, as sorted (name, value) pairs: API parameter names.
    params: tuple[tuple[str, JSON], ...] = ()

    @property
    def label(self) -> str:
        """``key.delete user alice AKIA...`` for batch skip lists."""
        return f"{self.action.value} {describe(self.subject)}"

    @classmethod
    def deactivate_key(cls, user: str, key_id: str) -> Request:
        """key.deactivate."""
        return cls(ActionId.KEY_DEACTIVATE, KeySubject(user, key_id))

    @classmethod
    def activate_key(cls, user: str, key_id: str) -> Request:
        """key.activate."""
        return cls(ActionId.KEY_ACTIVATE, KeySubject(user, key_id))

    @classmethod
    def delete_key(cls, user: str, key_id: str, *, allow_active: bool = False) -> Request:
        """key.delete (an Active key only with ``allow_active``)."""
        return cls(ActionId.KEY_DELETE, KeySubject(user, key_id), allow_active=allow_active)

    @classmethod
    def deactivate_service_credential(cls, user: str, credential_id: str) -> Request:
        """service-credential.deactivate."""
        subject = ServiceCredentialSubject(user, credential_id)
        return cls(ActionId.SERVICE_CREDENTIAL_DEACTIVATE, subject)

    @classmethod
    def activate_service_credential(cls, user: str, credential_id: str) -> Request:
        """service-credential.activate."""
        subject = ServiceCredentialSubject(user, credential_id)
        return cls(ActionId.SERVICE_CREDENTIAL_ACTIVATE, subject)

    @classmethod
    def delete_service_credential(cls, user: str, credential_id: str) -> Request:
        """service-credential.delete (irreversible: typed confirmation)."""
        subject = ServiceCredentialSubject(user, credential_id)
        return cls(ActionId.SERVICE_CREDENTIAL_DELETE, subject)

    @classmethod
    def rotate_key(
        cls, user: str, key_id: str | None = None, stage: RotateStage | None = None
    ) -> Request:
        """key.rotate; ``key_id`` is the OLD key; no stage: the planner picks the next one."""
        return cls(ActionId.KEY_ROTATE, KeySubject(user, key_id), stage=stage)

    @classmethod
    def ssh_key(cls, action: ActionId, user: str, key_id: str) -> Request:
        """ssh-key.deactivate / activate / delete of one SSH public key."""
        return cls(action, UploadedCredentialSubject(user, "ssh-key", key_id))

    @classmethod
    def certificate(cls, action: ActionId, user: str, certificate_id: str) -> Request:
        """cert.deactivate / activate / delete of one signing certificate."""
        return cls(action, UploadedCredentialSubject(user, "certificate", certificate_id))

    @classmethod
    def disable_console(cls, user: str) -> Request:
        """user.disable-console."""
        return cls(ActionId.USER_DISABLE_CONSOLE, PrincipalSubject("user", user))

    @classmethod
    def delete_user(cls, user: str) -> Request:
        """user.delete."""
        return cls(ActionId.USER_DELETE, PrincipalSubject("user", user))

    @classmethod
    def quarantine_role(cls, role: str) -> Request:
        """role.quarantine."""
        return cls(ActionId.ROLE_QUARANTINE, PrincipalSubject("role", role))

    @classmethod
    def delete_role(cls, role: str) -> Request:
        """role.delete."""
        return cls(ActionId.ROLE_DELETE, PrincipalSubject("role", role))

    @classmethod
    def detach_policy(cls, kind: str, name: str, policy_arn: str) -> Request:
        """policy.detach from a user, group or role."""
        return cls(
            ActionId.POLICY_DETACH, AttachmentSubject(principal_type(kind), name, policy_arn)
        )

    @classmethod
    def delete_inline(cls, kind: str, name: str, policy_name: str) -> Request:
        """policy.delete-inline of a user, group or role."""
        return cls(
            ActionId.POLICY_DELETE_INLINE,
            InlinePolicySubject(principal_type(kind), name, policy_name),
        )

    @classmethod
    def remove_from_group(cls, user: str, group: str) -> Request:
        """group.remove-user."""
        return cls(ActionId.GROUP_REMOVE_USER, MembershipSubject(user, group))

    @classmethod
    def delete_unattached_policy(cls, arn: str) -> Request:
        """policy.delete-unattached: a customer-managed policy nothing uses, every version saved."""
        return cls(ActionId.POLICY_DELETE_UNATTACHED, PolicySubject(arn))

    @classmethod
    def update_trust(cls, role: str, edit: TrustEdit) -> Request:
        """role.update-trust: one typed edit of the role's trust policy."""
        return cls(ActionId.ROLE_UPDATE_TRUST, TrustSubject(role, edit))

    @classmethod
    def rightsize(
        cls,
        kind: str,
        name: str,
        *,
        window_days: int | None = None,
        narrow_wildcards: bool = False,
    ) -> Request:
        """principal.rightsize: drop from a user's or role's policies what it has not used."""
        params: dict[str, JSON] = {}
        if window_days is not None:
            params["window_days"] = int(window_days)
        if narrow_wildcards:
            params["narrow_wildcards"] = True
        return cls(
            ActionId.PRINCIPAL_RIGHTSIZE,
            PrincipalSubject(principal_type(kind), name),
            params=tuple(sorted(params.items())),
        )

    @classmethod
    def delete_group(cls, group: str) -> Request:
        """group.delete: an empty group, its policies saved for undo."""
        return cls(ActionId.GROUP_DELETE, GroupSubject(group))

    @classmethod
    def delete_virtual_mfa(cls, serial: str) -> Request:
        """mfa.delete-virtual: a virtual MFA device assigned to nobody (irreversible)."""
        return cls(ActionId.MFA_DELETE_VIRTUAL, VirtualMfaSubject(serial))

    @classmethod
    def delete_server_certificate(cls, name: str, certificate_id: str | None = None) -> Request:
        """server-cert.delete (irreversible: IAM never returns the private key)."""
        return cls(ActionId.SERVER_CERT_DELETE, ServerCertificateSubject(name, certificate_id))

    @classmethod
    def delete_instance_profile(cls, name: str) -> Request:
        """instance-profile.delete: an instance profile that holds no role."""
        return cls(ActionId.INSTANCE_PROFILE_DELETE, InstanceProfileSubject(name))

    @classmethod
    def delete_identity_provider(cls, arn: str) -> Request:
        """identity-provider.delete: an OIDC or SAML provider no role trusts."""
        return cls(ActionId.IDENTITY_PROVIDER_DELETE, IdentityProviderSubject(arn))

    @classmethod
    def set_password_policy(cls, params: Mapping[str, JSON] | None = None) -> Request:
        """account.set-password-policy: the CIS proposal, or exactly these API arguments."""
        return cls(
            ActionId.ACCOUNT_SET_PASSWORD_POLICY,
            AccountSubject(),
            params=tuple(sorted((params or {}).items())),
        )

    @classmethod
    def set_security_contact(cls, name: str, title: str, email: str, phone: str) -> Request:
        """account.set-security-contact (AWS requires all four fields)."""
        fields = {"Name": name, "Title": title, "EmailAddress": email, "PhoneNumber": phone}
        return cls(
            ActionId.ACCOUNT_SET_SECURITY_CONTACT,
            AccountSubject(),
            params=tuple(sorted(fields.items())),
        )

    @classmethod
    def deactivate_root_key(cls, key_id: str | None = None) -> Request:
        """root.deactivate-key (signed as root; None: every active root key but the session's)."""
        return cls(ActionId.ROOT_DEACTIVATE_KEY, RootKeySubject(key_id))

    @classmethod
    def delete_root_key(cls, key_id: str | None = None, *, account: str | None = None) -> Request:
        """root.delete-key of this account's root, or of member ``account`` via AssumeRoot."""
        return cls(ActionId.ROOT_DELETE_KEY, RootKeySubject(key_id, account or None))

    @classmethod
    def from_remedy(cls, remedy: Any, **values: JSON) -> Request:
        """The request a root-report ``Remedy`` stands for; ``values`` adds what the operator
        typed (the security contact's Name, Title, EmailAddress and PhoneNumber)."""
        action = ActionId(str(remedy.action))
        params: dict[str, JSON] = {**dict(remedy.params), **values}
        key_id = params.get("key_id")
        key = str(key_id) if key_id else None
        if action is ActionId.ROOT_DEACTIVATE_KEY:
            return cls.deactivate_root_key(key)
        if action is ActionId.ROOT_DELETE_KEY:
            account = params.get("target_account") if params.get("task_policy_arn") else None
            return cls.delete_root_key(key, account=str(account) if account else None)
        if action is ActionId.ACCOUNT_SET_PASSWORD_POLICY:
            return cls.set_password_policy(params)
        if action is ActionId.ACCOUNT_SET_SECURITY_CONTACT:
            params.pop("AlternateContactType", None)
            return cls(action, AccountSubject(), params=tuple(sorted(params.items())))
        raise ActionRefused(f"{action.value} is not a root-report remedy")
