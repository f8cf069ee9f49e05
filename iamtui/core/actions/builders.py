"""Plan builders: turn an operator's request into a plan from fresh reads of IAM.

The snapshot gives context (who we are, when the reviewed data was loaded, what it showed); the
plan is built from what IAM says now. A request that would surprise the operator — the key was
used after the data they reviewed, the target is AWS-managed, the session would lock itself out —
is refused with one line saying what to do instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from iamtui.core.actions import reads
from iamtui.core.actions.assume import RootSessions
from iamtui.core.actions.guards import (
    QUARANTINE_POLICY,
    READ_ONLY_MESSAGE,
    ActionRefused,
    Caller,
    ReadOnlyMode,
    caller_from,
    check_lockout,
    load_caller,
)
from iamtui.core.actions.plan import (
    JSON,
    ApiCall,
    Calls,
    Check,
    InverseStep,
    Op,
    Plan,
    RotateStage,
    Skipped,
    Step,
    Target,
    combine,
)
from iamtui.core.actions.probes import inline_document
from iamtui.core.actions.reads import KeyState, RoleState, UserState
from iamtui.core.ids import ActionId
from iamtui.core.loader import as_utc, error_code, utcnow
from iamtui.core.model import (
    SERVICE_LINKED_PATH,
    SSO_RESERVED_PATH_PREFIX,
    AccountSnapshot,
    Missing,
)
from iamtui.core.settings import Thresholds

if TYPE_CHECKING:
    from iamtui.core.journal import Entry

Clock = Callable[[], datetime]

#: Placeholders the executor fills in at call time (never stored resolved in a plan).
GENERATED_PASSWORD: JSON = {"$generate": "password"}
NOW: JSON = {"$now": "iso"}

#: A key used this recently gets a warning before it is deactivated or deleted.
RECENT_USE = timedelta(days=30)

KEY_GONE = "AWS returns a key's secret only when the key is created: a deleted key cannot come back"

_NOT_LOADED = "when the principal is not in the loaded data"
_KEY_READS = ("iam:GetUser", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed")
#: What read_role sends (role.quarantine, role.delete, and policies of roles).
_ROLE_READS = (
    "iam:GetRole",
    "iam:ListRoleTags",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListInstanceProfilesForRole",
)
#: What read_user sends (user.delete's saved state).
_USER_READS = (
    "iam:GetUser",
    "iam:ListUserTags",
    "iam:ListAttachedUserPolicies",
    "iam:ListSSHPublicKeys",
    "iam:GetSSHPublicKey",
    "iam:ListSigningCertificates",
    "iam:ListMFADevices",
    "iam:ListGroupsForUser",
    "iam:ListUserPolicies",
    "iam:GetUserPolicy",
    "iam:GetLoginProfile",
    "iam:ListAccessKeys",
    "iam:GetAccessKeyLastUsed",
    "iam:ListServiceSpecificCredentials",
)
_TAGS_ON_CREATE = "AWS authorizes the tags passed to Create{User,Role} as Tag{User,Role} too"

#: What each principal action sends, phase by phase (account and root actions: ``account.py``).
#: The remediate policy iamtui prints is built from this; a test runs each action and its undo
#: on the emulator and checks nothing else is sent.
PRINCIPAL_ACTION_CALLS: Mapping[ActionId, Calls] = {
    ActionId.KEY_DEACTIVATE: Calls(
        plan=_KEY_READS,
        probes=("key.status", "key.last_used"),
        run=("iam:UpdateAccessKey",),
        undo=("iam:UpdateAccessKey",),
        conditional={"iam:GetUser": _NOT_LOADED},
    ),
    ActionId.KEY_ACTIVATE: Calls(
        plan=_KEY_READS,
        probes=("key.status",),
        run=("iam:UpdateAccessKey",),
        undo=("iam:UpdateAccessKey",),
        conditional={"iam:GetUser": _NOT_LOADED},
    ),
    ActionId.KEY_DELETE: Calls(
        plan=_KEY_READS,
        probes=("key.status", "key.last_used"),
        run=("iam:DeleteAccessKey",),
        conditional={"iam:GetUser": _NOT_LOADED},
    ),
    ActionId.KEY_ROTATE: Calls(
        plan=_KEY_READS,
        probes=("key.ids", "key.status", "key.last_used"),
        run=("iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey"),
        undo=("iam:DeleteAccessKey", "iam:UpdateAccessKey"),
        conditional={"iam:GetUser": _NOT_LOADED},
    ),
    ActionId.USER_DISABLE_CONSOLE: Calls(
        plan=("iam:GetUser", "iam:GetLoginProfile"),
        probes=("login_profile.exists",),
        run=("iam:DeleteLoginProfile",),
        # The undo reads the minimum length so its generated password always fits the policy.
        undo=("iam:GetAccountPasswordPolicy", "iam:CreateLoginProfile"),
    ),
    ActionId.USER_DELETE: Calls(
        plan=_USER_READS,
        probes=(
            "user.state",
            "login_profile.exists",
            "key.status",
            "key.last_used",
            "certificate.status",
            "certificate.by_body",
            "ssh_key.status",
            "ssh_key.by_body",
            "service_credential.status",
            "mfa.enabled",
            "virtual_mfa.unassigned",
            "inline.document",
            "policy.attached",
            "user.in_group",
            "user.boundary",
            "user.exists",
        ),
        run=(
            "iam:DeleteLoginProfile",
            "iam:DeleteAccessKey",
            "iam:DeleteSigningCertificate",
            "iam:DeleteSSHPublicKey",
            "iam:DeleteServiceSpecificCredential",
            "iam:DeactivateMFADevice",
            "iam:DeleteVirtualMFADevice",
            "iam:DeleteUserPolicy",
            "iam:DetachUserPolicy",
            "iam:RemoveUserFromGroup",
            "iam:DeleteUserPermissionsBoundary",
            "iam:DeleteUser",
        ),
        undo=(
            "iam:CreateUser",
            "iam:PutUserPermissionsBoundary",
            "iam:AddUserToGroup",
            "iam:AttachUserPolicy",
            "iam:PutUserPolicy",
            "iam:UploadSSHPublicKey",
            "iam:UpdateSSHPublicKey",
            "iam:UploadSigningCertificate",
            "iam:UpdateSigningCertificate",
        ),
        implied=("iam:TagUser",),
        conditional={"iam:TagUser": _TAGS_ON_CREATE},
    ),
    ActionId.ROLE_QUARANTINE: Calls(
        plan=_ROLE_READS,
        probes=("inline.document",),
        run=("iam:PutRolePolicy",),
        undo=("iam:DeleteRolePolicy",),
    ),
    ActionId.ROLE_DELETE: Calls(
        plan=_ROLE_READS,
        probes=(
            "role.state",
            "instance_profile.has_role",
            "policy.attached",
            "inline.document",
            "role.exists",
        ),
        run=(
            "iam:RemoveRoleFromInstanceProfile",
            "iam:DetachRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:DeleteRole",
            "iam:DeleteServiceLinkedRole",
            "iam:GetServiceLinkedRoleDeletionStatus",
        ),
        undo=(
            "iam:CreateRole",
            "iam:PutRolePolicy",
            "iam:AttachRolePolicy",
            "iam:AddRoleToInstanceProfile",
        ),
        implied=("iam:TagRole",),
        conditional={
            "iam:DeleteServiceLinkedRole": "for a service-linked role",
            "iam:GetServiceLinkedRoleDeletionStatus": "for a service-linked role",
            "iam:TagRole": _TAGS_ON_CREATE,
        },
    ),
    ActionId.POLICY_DETACH: Calls(
        plan=(
            "iam:GetUser",
            "iam:GetGroup",
            *_ROLE_READS,
            "iam:ListAttachedUserPolicies",
            "iam:ListAttachedGroupPolicies",
        ),
        probes=("policy.attached",),
        run=("iam:DetachUserPolicy", "iam:DetachGroupPolicy", "iam:DetachRolePolicy"),
        undo=("iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy"),
        conditional={"iam:GetUser": _NOT_LOADED},
    ),
    ActionId.POLICY_DELETE_INLINE: Calls(
        plan=(
            "iam:GetUser",
            "iam:GetGroup",
            *_ROLE_READS,
            "iam:GetUserPolicy",
            "iam:GetGroupPolicy",
        ),
        probes=("inline.document",),
        run=("iam:DeleteUserPolicy", "iam:DeleteGroupPolicy", "iam:DeleteRolePolicy"),
        undo=("iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy"),
        conditional={"iam:GetUser": _NOT_LOADED},
    ),
    ActionId.GROUP_REMOVE_USER: Calls(
        plan=("iam:GetUser", "iam:ListGroupsForUser"),
        probes=("user.in_group",),
        run=("iam:RemoveUserFromGroup",),
        undo=("iam:AddUserToGroup",),
        conditional={"iam:GetUser": _NOT_LOADED},
    ),
}


@dataclass(frozen=True, slots=True)
class Request:
    """What the operator asked for: an action on one principal (and key or policy)."""

    action: ActionId
    name: str
    kind: str = "user"
    key_id: str | None = None
    policy_arn: str | None = None
    policy_name: str | None = None
    group: str | None = None
    stage: RotateStage | None = None
    #: key.delete on an Active key: only with this explicit override (typed in the UI).
    allow_active: bool = False
    #: What an account-level action sets, as sorted (name, value) pairs: API parameter names.
    params: tuple[tuple[str, JSON], ...] = ()

    @property
    def label(self) -> str:
        """``key.delete user alice AKIA...`` for batch skip lists."""
        extra = self.key_id or self.policy_arn or self.policy_name or self.group or ""
        text = f"{self.action.value} {self.kind} {self.name}".rstrip()
        return text + (f" {extra}" if extra else "")

    @classmethod
    def deactivate_key(cls, user: str, key_id: str) -> Request:
        """key.deactivate."""
        return cls(ActionId.KEY_DEACTIVATE, user, key_id=key_id)

    @classmethod
    def activate_key(cls, user: str, key_id: str) -> Request:
        """key.activate."""
        return cls(ActionId.KEY_ACTIVATE, user, key_id=key_id)

    @classmethod
    def delete_key(cls, user: str, key_id: str, *, allow_active: bool = False) -> Request:
        """key.delete (an Active key only with ``allow_active``)."""
        return cls(ActionId.KEY_DELETE, user, key_id=key_id, allow_active=allow_active)

    @classmethod
    def rotate_key(
        cls, user: str, key_id: str | None = None, stage: RotateStage = RotateStage.CREATE
    ) -> Request:
        """key.rotate at one stage; ``key_id`` is the OLD key."""
        return cls(ActionId.KEY_ROTATE, user, key_id=key_id, stage=stage)

    @classmethod
    def disable_console(cls, user: str) -> Request:
        """user.disable-console."""
        return cls(ActionId.USER_DISABLE_CONSOLE, user)

    @classmethod
    def delete_user(cls, user: str) -> Request:
        """user.delete."""
        return cls(ActionId.USER_DELETE, user)

    @classmethod
    def quarantine_role(cls, role: str) -> Request:
        """role.quarantine."""
        return cls(ActionId.ROLE_QUARANTINE, role, kind="role")

    @classmethod
    def delete_role(cls, role: str) -> Request:
        """role.delete."""
        return cls(ActionId.ROLE_DELETE, role, kind="role")

    @classmethod
    def detach_policy(cls, kind: str, name: str, policy_arn: str) -> Request:
        """policy.detach from a user, group or role."""
        return cls(ActionId.POLICY_DETACH, name, kind=kind, policy_arn=policy_arn)

    @classmethod
    def delete_inline(cls, kind: str, name: str, policy_name: str) -> Request:
        """policy.delete-inline of a user, group or role."""
        return cls(ActionId.POLICY_DELETE_INLINE, name, kind=kind, policy_name=policy_name)

    @classmethod
    def remove_from_group(cls, user: str, group: str) -> Request:
        """group.remove-user."""
        return cls(ActionId.GROUP_REMOVE_USER, user, group=group)

    @classmethod
    def set_password_policy(cls, params: Mapping[str, JSON] | None = None) -> Request:
        """account.set-password-policy: the CIS proposal, or exactly these API arguments."""
        return cls(
            ActionId.ACCOUNT_SET_PASSWORD_POLICY,
            "",
            kind="account",
            params=tuple(sorted((params or {}).items())),
        )

    @classmethod
    def set_security_contact(cls, name: str, title: str, email: str, phone: str) -> Request:
        """account.set-security-contact (AWS requires all four fields)."""
        fields = {"Name": name, "Title": title, "EmailAddress": email, "PhoneNumber": phone}
        return cls(
            ActionId.ACCOUNT_SET_SECURITY_CONTACT,
            "",
            kind="account",
            params=tuple(sorted(fields.items())),
        )

    @classmethod
    def deactivate_root_key(cls, key_id: str | None = None) -> Request:
        """root.deactivate-key (signed as root; None: every active root key but the session's)."""
        return cls(ActionId.ROOT_DEACTIVATE_KEY, "", kind="root", key_id=key_id)

    @classmethod
    def delete_root_key(cls, key_id: str | None = None, *, account: str | None = None) -> Request:
        """root.delete-key of this account's root, or of member ``account`` via AssumeRoot."""
        return cls(ActionId.ROOT_DELETE_KEY, account or "", kind="root", key_id=key_id)

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
            return cls(action, "", kind="account", params=tuple(sorted(params.items())))
        raise ActionRefused(f"{action.value} is not a root-report remedy")


# --- check and step helpers ---------------------------------------------------------------


def check(probe: str, expect: JSON, description: str, op: Op = Op.EQ, **params: JSON) -> Check:
    """A Check with keyword params."""
    return Check(probe, params, expect, description, op)


def key_is(user: str, key_id: JSON, status: str | None, *, op: Op = Op.EQ) -> Check:
    """The key's status is (or, with NE, is not) ``status``."""
    if status is None:
        text = f"access key {_id(key_id)} is gone" if op is Op.EQ else "access key exists"
    else:
        text = f"access key {_id(key_id)} is {status}"
    return check("key.status", status, text, op, UserName=user, AccessKeyId=key_id)


def key_unused_since(key_id: str, last_used: str | None) -> Check:
    """The key's last use is what the plan saw (it was not used in between)."""
    seen = last_used or "never"
    return check(
        "key.last_used",
        last_used,
        f"access key {key_id} not used since the plan was made (last use: {seen})",
        AccessKeyId=key_id,
    )


def _id(value: JSON) -> str:
    return "(new key)" if isinstance(value, dict) else str(value)


_PARAM = {"user": "UserName", "group": "GroupName", "role": "RoleName"}
_OP_KIND = {"user": "User", "group": "Group", "role": "Role"}


def attached_is(kind: str, name: str, arn: str, value: bool) -> Check:
    """Whether the managed policy is attached."""
    state = "attached to" if value else "not attached to"
    return check(
        "policy.attached",
        value,
        f"{_policy_name(arn)} is {state} {kind} {name}",
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


def certificate_is(user: str, cid: JSON, value: str | None) -> Check:
    """A signing certificate's status (None: gone)."""
    return check(
        "certificate.status",
        value,
        f"signing certificate {cid} is {value or 'gone'}",
        UserName=user,
        CertificateId=cid,
    )


def certificate_copy(user: str, cid: JSON, body: JSON, value: str | None) -> Check:
    """The status of the user's certificate with this body (None: no such certificate)."""
    state = "has no" if value is None else f"has an {value}"
    return check(
        "certificate.by_body",
        value,
        f"user {user} {state} copy of signing certificate {cid}",
        UserName=user,
        Body=body,
    )


def ssh_key_is(user: str, sid: JSON, value: str | None) -> Check:
    """An SSH public key's status (None: gone)."""
    return check(
        "ssh_key.status",
        value,
        f"SSH public key {sid} is {value or 'gone'}",
        UserName=user,
        SSHPublicKeyId=sid,
    )


def ssh_key_copy(user: str, sid: JSON, body: JSON, value: str | None) -> Check:
    """The status of the user's SSH key with this body (None: no such key)."""
    state = "has no" if value is None else f"has an {value}"
    return check(
        "ssh_key.by_body",
        value,
        f"user {user} {state} copy of SSH public key {sid}",
        UserName=user,
        Body=body,
    )


def _policy_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def detach_step(
    kind: str, name: str, arn: str, target: int, *, first: tuple[Check, ...] = ()
) -> Step:
    """Detach a managed policy; undo attaches it again."""
    param, op = _PARAM[kind], _OP_KIND[kind]
    policy = _policy_name(arn)
    return Step(
        call=ApiCall(f"Detach{op}Policy", {param: name, "PolicyArn": arn}),
        description=f"Detach managed policy {policy} from {kind} {name}",
        target=target,
        preconditions=(*first, attached_is(kind, name, arn, True)),
        effect=attached_is(kind, name, arn, False),
        inverse=(
            InverseStep(
                ApiCall(f"Attach{op}Policy", {param: name, "PolicyArn": arn}),
                f"Attach managed policy {policy} to {kind} {name} again",
                preconditions=(attached_is(kind, name, arn, False),),
                effect=attached_is(kind, name, arn, True),
            ),
        ),
        loss="the undo fails if the policy itself is deleted meanwhile",
    )


def inline_step(
    kind: str, name: str, policy: str, document: JSON, target: int, *, first: tuple[Check, ...] = ()
) -> Step:
    """Delete an inline policy; its document is saved in the plan and put back by undo."""
    param, op = _PARAM[kind], _OP_KIND[kind]
    return Step(
        call=ApiCall(f"Delete{op}Policy", {param: name, "PolicyName": policy}),
        description=f"Delete inline policy {policy} of {kind} {name} (document saved)",
        target=target,
        preconditions=(*first, inline_is(kind, name, policy, document)),
        effect=inline_is(kind, name, policy, None),
        inverse=(
            InverseStep(
                ApiCall(
                    f"Put{op}Policy",
                    {param: name, "PolicyName": policy, "PolicyDocument": document},
                ),
                f"Put inline policy {policy} back on {kind} {name} from the saved document",
                preconditions=(inline_is(kind, name, policy, None),),
                effect=inline_is(kind, name, policy, document),
            ),
        ),
    )


def group_step(user: str, group: str, target: int, *, first: tuple[Check, ...] = ()) -> Step:
    """Remove a user from a group; undo adds it back."""
    return Step(
        call=ApiCall("RemoveUserFromGroup", {"GroupName": group, "UserName": user}),
        description=f"Remove user {user} from group {group}",
        target=target,
        preconditions=(*first, in_group(user, group, True)),
        effect=in_group(user, group, False),
        inverse=(
            InverseStep(
                ApiCall("AddUserToGroup", {"GroupName": group, "UserName": user}),
                f"Add user {user} to group {group} again",
                preconditions=(in_group(user, group, False),),
                effect=in_group(user, group, True),
            ),
        ),
    )


def quarantine_document() -> JSON:
    """Deny everything, and (AWS's "revoke active sessions") deny sessions issued before now."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "IamtuiQuarantineDenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"},
            {
                "Sid": "IamtuiRevokeOlderSessions",
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": NOW}},
            },
        ],
    }


@dataclass
class _Draft:
    """A plan under construction (account, caller and times are filled in by the planner)."""

    action: ActionId
    summary: str
    targets: list[Target]
    steps: list[Step] = field(default_factory=list)
    before: dict[str, JSON] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    options: dict[str, JSON] = field(default_factory=dict)


class Planner:
    """Builds plans for one account from fresh reads; refuses with one line when it must."""

    def __init__(
        self,
        conn: Any,
        snapshot: AccountSnapshot,
        *,
        read_only: bool = False,
        clock: Clock = utcnow,
        caller: Caller | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        """``conn`` is a session.Connection; ``snapshot`` the data the operator reviewed.

        ``thresholds`` are the settings' CIS values the password-policy proposal uses.
        """
        self.conn = conn
        self.iam: Any = conn.iam
        #: The Account API client (alternate contacts), when the connection has one.
        self.account: Any = getattr(conn, "account", None)
        self.snapshot = snapshot
        self.read_only = read_only
        self.clock = clock
        self.thresholds = thresholds or Thresholds()
        self._caller = caller
        self._root_sessions: RootSessions | None = None

    # --- public -----------------------------------------------------------------------------

    @property
    def caller(self) -> Caller:
        """Who the session runs as (from the snapshot, else asked once)."""
        if self._caller is None:
            ident = self.snapshot.caller
            if ident is not None and ident.access_key_id is None:
                ident = replace(ident, access_key_id=self.conn.access_key_id)
            self._caller = (
                caller_from(self.iam, ident) if ident is not None else load_caller(self.conn)
            )
        return self._caller

    @property
    def root_sessions(self) -> RootSessions:
        """AssumeRoot sessions for plan-time reads of a member account's root keys."""
        if self._root_sessions is None:
            self._root_sessions = RootSessions(self.conn)
        return self._root_sessions

    def plan(self, request: Request) -> Plan:
        """One action's plan; raises ActionRefused (one line) when it must not or cannot run."""
        if self.read_only:
            raise ReadOnlyMode(READ_ONLY_MESSAGE)
        builder = self._builders().get(request.action)
        if builder is None:
            raise ActionRefused(f"{request.action.value} is not an action iamtui can plan")
        try:
            draft = builder(request)
        except reads.NotFound as exc:
            raise ActionRefused(f"cannot plan {request.action.value}: {exc}") from exc
        except ClientError as exc:
            message = exc.response.get("Error", {}).get("Message", "")
            raise ActionRefused(
                f"cannot plan {request.action.value} for {request.name or 'the account'}: "
                f"{error_code(exc)}: {message}".rstrip(": ")
            ) from exc
        except BotoCoreError as exc:
            raise ActionRefused(f"cannot plan {request.action.value}: {exc}") from exc
        plan = self._finish(draft)
        check_lockout(plan, self.caller)
        return plan

    def batch(self, requests: Iterable[Request], *, summary: str | None = None) -> Plan:
        """Several requests as one plan; ones that cannot be planned are listed as skipped."""
        if self.read_only:
            raise ReadOnlyMode(READ_ONLY_MESSAGE)
        wanted = list(dict.fromkeys(requests))
        deleted = {
            (r.kind, r.name)
            for r in wanted
            if r.action in (ActionId.USER_DELETE, ActionId.ROLE_DELETE)
        }
        plans: list[Plan] = []
        skipped: list[Skipped] = []
        for request in wanted:
            whole = request.action in (ActionId.USER_DELETE, ActionId.ROLE_DELETE)
            if not whole and (request.kind, request.name) in deleted:
                skipped.append(
                    Skipped(
                        request.label,
                        f"superseded: the batch deletes {request.kind} {request.name}",
                    )
                )
                continue
            try:
                plans.append(self.plan(request))
            except ActionRefused as exc:
                skipped.append(Skipped(request.label, str(exc)))
        if not plans:
            reasons = "; ".join(s.reason for s in skipped[:2])
            raise ActionRefused(f"nothing to do: {reasons}" if reasons else "nothing to do")
        return combine(plans, built_at=self.clock(), skipped=skipped, summary=summary)

    # --- plumbing ---------------------------------------------------------------------------

    def _builders(self) -> Mapping[ActionId, Callable[[Request], _Draft]]:
        from iamtui.core.actions import account

        def bound(build: Callable[[Planner, Request], _Draft]) -> Callable[[Request], _Draft]:
            return lambda request: build(self, request)

        return {
            ActionId.ACCOUNT_SET_PASSWORD_POLICY: bound(account.set_password_policy),
            ActionId.ACCOUNT_SET_SECURITY_CONTACT: bound(account.set_security_contact),
            ActionId.ROOT_DEACTIVATE_KEY: bound(account.root_key_action),
            ActionId.ROOT_DELETE_KEY: bound(account.root_key_action),
            ActionId.KEY_DEACTIVATE: self._key_deactivate,
            ActionId.KEY_ACTIVATE: self._key_activate,
            ActionId.KEY_DELETE: self._key_delete,
            ActionId.KEY_ROTATE: self._key_rotate,
            ActionId.USER_DISABLE_CONSOLE: self._disable_console,
            ActionId.USER_DELETE: self._user_delete,
            ActionId.ROLE_QUARANTINE: self._role_quarantine,
            ActionId.ROLE_DELETE: self._role_delete,
            ActionId.POLICY_DETACH: self._policy_detach,
            ActionId.POLICY_DELETE_INLINE: self._inline_delete,
            ActionId.GROUP_REMOVE_USER: self._group_remove,
        }

    def _finish(self, draft: _Draft) -> Plan:
        for step in draft.steps:
            if bool(step.inverse) == bool(step.irreversible_reason):
                raise AssertionError(f"step {step.description!r}: need an inverse xor a reason")
        return Plan(
            action=draft.action,
            summary=draft.summary,
            account_id=self.snapshot.account_id,
            account_alias=self.snapshot.alias,
            caller_arn=self.caller.arn,
            targets=tuple(draft.targets),
            steps=tuple(draft.steps),
            built_at=self.clock(),
            data_time=self.snapshot.loaded_at,
            before=draft.before,
            warnings=tuple(draft.warnings),
            notes=tuple(draft.notes),
            options=draft.options,
        )

    def _user_target(self, name: str) -> Target:
        known = self.snapshot.user(name)
        if known is not None:
            return Target("user", name, known.arn)
        try:
            raw = self.iam.get_user(UserName=name)["User"]
        except ClientError as exc:
            if reads.missing(exc):
                raise reads.NotFound(f"user {name} does not exist") from exc
            raise
        return Target("user", name, str(raw["Arn"]))

    def _data_time(self) -> str:
        return as_utc(self.snapshot.loaded_at).strftime("%Y-%m-%d %H:%M UTC")

    def _known_key_use(
        self, user_arn: str, user: str, key: KeyState
    ) -> tuple[bool, datetime | None]:
        """(whether the reviewed data knew this key's last use, that last use)."""
        detail = self.snapshot.details.get(user_arn)
        if detail is not None:
            for known in detail.access_keys:
                if known.key_id == key.key_id:
                    return True, known.last_used
        report = self.snapshot.credential_report
        row = report.row_for(user) if report is not None else None
        if row is not None:
            created = datetime.fromisoformat(key.created)
            for slot in row.keys:
                rotated = slot.last_rotated
                if isinstance(rotated, datetime) and abs(rotated - created) < timedelta(seconds=2):
                    if isinstance(slot.last_used, datetime):
                        return True, slot.last_used
                    if slot.last_used is Missing.NOT_APPLICABLE:
                        return True, None
        return False, None

    def _refuse_if_used_since_data(self, target: Target, key: KeyState) -> None:
        """The operator decided on data that says the key was idle: a newer use voids that."""
        if key.last_used is None or key.key_id == self.caller.identity.access_key_id:
            # This session's own key is used by every call we make; the lockout guard refuses it.
            return
        known, last = self._known_key_use(target.arn, target.name, key)
        fresh = datetime.fromisoformat(key.last_used)
        if known and (last is None or fresh - as_utc(last) > timedelta(seconds=1)):
            service = f" ({key.last_used_service})" if key.last_used_service else ""
            raise ActionRefused(
                f"access key {key.key_id} of {target.name} was used at "
                f"{fresh.strftime('%Y-%m-%d %H:%M UTC')}{service}, after the data you reviewed "
                f"(loaded {self._data_time()}): reload and review before acting"
            )

    def _recent_use_warning(
        self, what: str, last_used: str | None, service: str | None = None
    ) -> str | None:
        if last_used is None:
            return None
        when = datetime.fromisoformat(last_used)
        if self.clock() - when > RECENT_USE:
            return None
        via = f" ({service})" if service else ""
        stamp = when.strftime("%Y-%m-%d %H:%M UTC")
        return f"{what} was used {stamp}{via}: whatever uses it will fail"

    def _keys(self, request: Request) -> tuple[Target, tuple[KeyState, ...], KeyState | None]:
        target = self._user_target(request.name)
        keys = reads.read_keys(self.iam, request.name)
        key = None
        if request.key_id is not None:
            key = next((k for k in keys if k.key_id == request.key_id), None)
            if key is None:
                raise ActionRefused(f"user {request.name} has no access key {request.key_id}")
        return target, keys, key

    def _need_key(self, request: Request) -> tuple[Target, tuple[KeyState, ...], KeyState]:
        if request.key_id is None:
            raise ActionRefused(f"{request.action.value} needs an access key id")
        target, keys, key = self._keys(request)
        assert key is not None
        return target, keys, key

    # --- keys -----------------------------------------------------------------------------

    def _deactivate_step(self, user: str, key: KeyState) -> Step:
        kid = key.key_id
        return Step(
            call=ApiCall(
                "UpdateAccessKey", {"UserName": user, "AccessKeyId": kid, "Status": "Inactive"}
            ),
            description=f"Deactivate access key {kid} of user {user}",
            preconditions=(key_is(user, kid, "Active"), key_unused_since(kid, key.last_used)),
            effect=key_is(user, kid, "Inactive"),
            inverse=(
                InverseStep(
                    ApiCall(
                        "UpdateAccessKey",
                        {"UserName": user, "AccessKeyId": kid, "Status": "Active"},
                    ),
                    f"Reactivate access key {kid} of user {user}",
                    preconditions=(key_is(user, kid, "Inactive"),),
                    effect=key_is(user, kid, "Active"),
                ),
            ),
        )

    def _key_deactivate(self, request: Request) -> _Draft:
        target, _, key = self._need_key(request)
        if key.status != "Active":
            raise ActionRefused(f"access key {key.key_id} of {target.name} is already {key.status}")
        self._refuse_if_used_since_data(target, key)
        draft = _Draft(
            ActionId.KEY_DEACTIVATE,
            f"Deactivate access key {key.key_id} of user {target.name}",
            [target],
            [self._deactivate_step(target.name, key)],
            before={target.arn: {"key": key.to_json()}},
        )
        if warning := self._recent_use_warning(
            f"key {key.key_id}", key.last_used, key.last_used_service
        ):
            draft.warnings.append(warning)
        return draft

    def _key_activate(self, request: Request) -> _Draft:
        target, _, key = self._need_key(request)
        user, kid = target.name, key.key_id
        if key.status != "Inactive":
            raise ActionRefused(f"access key {kid} of {user} is already {key.status}")
        step = Step(
            call=ApiCall(
                "UpdateAccessKey", {"UserName": user, "AccessKeyId": kid, "Status": "Active"}
            ),
            description=f"Reactivate access key {kid} of user {user}",
            preconditions=(key_is(user, kid, "Inactive"),),
            effect=key_is(user, kid, "Active"),
            inverse=(
                InverseStep(
                    ApiCall(
                        "UpdateAccessKey",
                        {"UserName": user, "AccessKeyId": kid, "Status": "Inactive"},
                    ),
                    f"Deactivate access key {kid} of user {user}",
                    preconditions=(key_is(user, kid, "Active"),),
                    effect=key_is(user, kid, "Inactive"),
                ),
            ),
        )
        return _Draft(
            ActionId.KEY_ACTIVATE,
            f"Reactivate access key {kid} of user {user}",
            [target],
            [step],
            before={target.arn: {"key": key.to_json()}},
        )

    def _delete_key_step(self, user: str, key: KeyState) -> Step:
        kid = key.key_id
        return Step(
            call=ApiCall("DeleteAccessKey", {"UserName": user, "AccessKeyId": kid}),
            description=f"Delete {key.status.lower()} access key {kid} of user {user}",
            preconditions=(key_is(user, kid, key.status), key_unused_since(kid, key.last_used)),
            effect=key_is(user, kid, None),
            irreversible_reason=KEY_GONE,
        )

    def _key_delete(self, request: Request) -> _Draft:
        target, _, key = self._need_key(request)
        if key.status == "Active" and not request.allow_active:
            raise ActionRefused(
                f"access key {key.key_id} of {target.name} is Active: deactivate it first "
                "(key.deactivate) and watch for breakage, or confirm deleting an active key"
            )
        self._refuse_if_used_since_data(target, key)
        draft = _Draft(
            ActionId.KEY_DELETE,
            f"Delete access key {key.key_id} of user {target.name} (irreversible)",
            [target],
            [self._delete_key_step(target.name, key)],
            before={target.arn: {"key": key.to_json()}},
            options={"allow_active": request.allow_active},
            notes=[f"the deleted key {key.key_id} cannot be restored"],
        )
        if key.status == "Active":
            draft.warnings.append(
                f"key {key.key_id} is ACTIVE: anything using it fails at once and for good"
            )
        return draft

    def _key_rotate(self, request: Request) -> _Draft:
        stage = request.stage or RotateStage.CREATE
        if stage is RotateStage.CREATE:
            return self._rotate_create(request)
        if stage is RotateStage.DEACTIVATE_OLD:
            return self._rotate_deactivate(request)
        return self._rotate_delete(request)

    def _rotate_create(self, request: Request) -> _Draft:
        target, keys, old = self._keys(request)
        user = target.name
        if len(keys) >= 2:
            listed = ", ".join(f"{k.key_id} {k.status}" for k in keys)
            raise ActionRefused(
                f"user {user} already has two access keys ({listed}), the AWS maximum: delete the "
                "unused or inactive one first (key.delete), then rotate"
            )
        if not keys:
            raise ActionRefused(f"user {user} has no access key to rotate")
        old = old or keys[0]
        ids = [k.key_id for k in keys]
        new_id: JSON = {"$result": "AccessKeyId"}
        step = Step(
            call=ApiCall("CreateAccessKey", {"UserName": user}),
            description=f"Create a new access key for user {user} (its secret is shown once)",
            preconditions=(
                check(
                    "key.ids",
                    ids,
                    f"user {user} still has exactly the keys the plan saw",
                    UserName=user,
                ),
            ),
            effect=check("key.ids", ids, f"user {user} has a new key", Op.NE, UserName=user),
            inverse=(
                InverseStep(
                    ApiCall("DeleteAccessKey", {"UserName": user, "AccessKeyId": new_id}),
                    f"Delete the new access key of user {user}",
                    preconditions=(key_is(user, new_id, None, op=Op.NE),),
                    effect=key_is(user, new_id, None),
                    reversible=False,
                    irreversible_reason="deleting the new key is final: anything switched to it "
                    "stops working",
                ),
            ),
        )
        return _Draft(
            ActionId.KEY_ROTATE,
            f"Rotate access key {old.key_id} of user {user}, stage 1 of 3: create a new key",
            [target],
            [step],
            before={target.arn: {"keys": [k.to_json() for k in keys]}},
            notes=[
                "the new secret access key is shown once: store it where the workload reads it",
                "next: switch workloads to the new key, then key.rotate "
                f"{RotateStage.DEACTIVATE_OLD.value} "
                f"for {old.key_id}, watch, then {RotateStage.DELETE_OLD.value}",
            ],
            options={"stage": RotateStage.CREATE.value, "old_key": old.key_id},
        )

    def _rotate_deactivate(self, request: Request) -> _Draft:
        target, keys, old = self._need_key(request)
        user = target.name
        others = [k for k in keys if k.key_id != old.key_id]
        if not others:
            raise ActionRefused(
                f"user {user} has no new access key yet: "
                f"run key.rotate {RotateStage.CREATE.value} first"
            )
        new = others[0]
        if old.status != "Active":
            raise ActionRefused(
                f"access key {old.key_id} is already Inactive: the next stage is "
                f"key.rotate {RotateStage.DELETE_OLD.value}"
            )
        if new.status != "Active":
            raise ActionRefused(
                f"the new access key {new.key_id} of {user} is Inactive: activate it first"
            )
        step = self._deactivate_step(user, old)
        step = replace(
            step, preconditions=(*step.preconditions, key_is(user, new.key_id, "Active"))
        )
        draft = _Draft(
            ActionId.KEY_ROTATE,
            f"Rotate access key {old.key_id} of user {user}, stage 2 of 3: deactivate the old key",
            [target],
            [step],
            before={target.arn: {"keys": [k.to_json() for k in keys]}},
            notes=[f"next: watch for failures, then key.rotate {RotateStage.DELETE_OLD.value}"],
            options={
                "stage": RotateStage.DEACTIVATE_OLD.value,
                "old_key": old.key_id,
                "new_key": new.key_id,
            },
        )
        if new.last_used is None:
            draft.warnings.append(
                f"the new key {new.key_id} has not been used yet: "
                "workloads may still use the old key"
            )
        if old.last_used is not None and old.last_used > new.created:
            draft.warnings.append(
                f"the old key {old.key_id} was used at {old.last_used}, "
                "after the new key was created"
            )
        return draft

    def _rotate_delete(self, request: Request) -> _Draft:
        target, keys, old = self._need_key(request)
        if old.status != "Inactive":
            raise ActionRefused(
                f"access key {old.key_id} is still Active: run key.rotate "
                f"{RotateStage.DEACTIVATE_OLD.value} first and watch for breakage"
            )
        return _Draft(
            ActionId.KEY_ROTATE,
            f"Rotate access key {old.key_id} of user {target.name}, "
            "stage 3 of 3: delete the old key",
            [target],
            [self._delete_key_step(target.name, old)],
            before={target.arn: {"keys": [k.to_json() for k in keys]}},
            notes=[f"the deleted key {old.key_id} cannot be restored"],
            options={"stage": RotateStage.DELETE_OLD.value, "old_key": old.key_id},
        )

    # --- console ----------------------------------------------------------------------------

    def _refuse_if_signed_in_since_data(
        self, target: Target, password_last_used: str | None
    ) -> None:
        report = self.snapshot.credential_report
        row = report.row_for(target.name) if report is not None else None
        if row is None or password_last_used is None:
            return
        known = row.password_last_used
        fresh = datetime.fromisoformat(password_last_used)
        if isinstance(known, datetime):
            newer = fresh - as_utc(known) > timedelta(seconds=1)
        else:
            newer = known in (Missing.NO_INFORMATION, Missing.NOT_APPLICABLE)
        if newer:
            raise ActionRefused(
                f"user {target.name} signed in to the console at "
                f"{fresh.strftime('%Y-%m-%d %H:%M UTC')}, after the data you reviewed "
                f"(loaded {self._data_time()}): reload and review before acting"
            )

    def _disable_console(self, request: Request) -> _Draft:
        target = self._user_target(request.name)
        user = target.name
        profile = reads.login_profile(self.iam, user)
        if profile is None:
            raise ActionRefused(f"user {user} has no console password")
        raw = self.iam.get_user(UserName=user)["User"]
        used = raw.get("PasswordLastUsed")
        used_iso = reads.iso(used) if used else None
        self._refuse_if_signed_in_since_data(target, used_iso)
        step = Step(
            call=ApiCall("DeleteLoginProfile", {"UserName": user}),
            description=f"Delete the console password (login profile) of user {user}",
            preconditions=(login_profile_is(user, True),),
            effect=login_profile_is(user, False),
            inverse=(
                InverseStep(
                    ApiCall(
                        "CreateLoginProfile",
                        {
                            "UserName": user,
                            "Password": GENERATED_PASSWORD,
                            "PasswordResetRequired": True,
                        },
                    ),
                    f"Give user {user} a new generated console password "
                    "(shown once, must be changed)",
                    preconditions=(login_profile_is(user, False),),
                    effect=login_profile_is(user, True),
                ),
            ),
            loss="the old password cannot come back: undo sets a new generated one, shown once, "
            "that must be changed at the next sign-in",
        )
        draft = _Draft(
            ActionId.USER_DISABLE_CONSOLE,
            f"Disable console access of user {user}",
            [target],
            [step],
            before={target.arn: {"login_profile": dict(profile), "password_last_used": used_iso}},
            notes=["the current password cannot be restored; undo issues a new one"],
        )
        if self.caller.identity.user_name == user:
            draft.warnings.append(
                f"{user} is the user iamtui runs as: this session keeps working (it uses an access "
                "key), but that user loses console sign-in"
            )
        if warning := self._recent_use_warning("the console password", used_iso):
            draft.warnings.append(warning)
        return draft

    # --- policies and groups ----------------------------------------------------------------

    def _principal(self, kind: str, name: str) -> tuple[Target, RoleState | None]:
        if kind == "user":
            return self._user_target(name), None
        if kind == "group":
            return Target("group", name, reads.group_arn(self.iam, name)), None
        if kind == "role":
            role = reads.read_role(self.iam, name)
            self._refuse_aws_managed_role(role)
            return Target("role", name, role.arn), role
        raise ActionRefused(f"unknown principal kind {kind!r} (user, group or role)")

    def _refuse_aws_managed_role(self, role: RoleState) -> None:
        if role.path.startswith(SSO_RESERVED_PATH_PREFIX):
            raise ActionRefused(
                f"role {role.name} is managed by IAM Identity Center: change its permission set "
                "in Identity Center instead"
            )
        if role.path.startswith(SERVICE_LINKED_PATH):
            raise ActionRefused(
                f"role {role.name} is a service-linked role: only its AWS service may change it"
            )

    def _policy_detach(self, request: Request) -> _Draft:
        arn = request.policy_arn
        if not arn:
            raise ActionRefused("policy.detach needs a policy ARN")
        target, _ = self._principal(request.kind, request.name)
        method = {
            "user": "list_attached_user_policies",
            "group": "list_attached_group_policies",
            "role": "list_attached_role_policies",
        }[request.kind]
        attached = [
            p["PolicyArn"]
            for p in reads.pages(
                self.iam, method, "AttachedPolicies", **{_PARAM[request.kind]: request.name}
            )
        ]
        if arn not in attached:
            raise ActionRefused(
                f"{_policy_name(arn)} is not attached to {request.kind} {request.name}"
            )
        return _Draft(
            ActionId.POLICY_DETACH,
            f"Detach {_policy_name(arn)} from {request.kind} {request.name}",
            [target],
            [detach_step(request.kind, request.name, arn, 0)],
            before={target.arn: {"attached": attached}},
        )

    def _inline_delete(self, request: Request) -> _Draft:
        policy = request.policy_name
        if not policy:
            raise ActionRefused("policy.delete-inline needs a policy name")
        target, _ = self._principal(request.kind, request.name)
        document = inline_document(
            self.iam, {"Kind": request.kind, "Name": request.name, "PolicyName": policy}
        )
        if document is None:
            raise ActionRefused(f"{request.kind} {request.name} has no inline policy {policy}")
        return _Draft(
            ActionId.POLICY_DELETE_INLINE,
            f"Delete inline policy {policy} of {request.kind} {request.name} "
            "(document saved for undo)",
            [target],
            [inline_step(request.kind, request.name, policy, document, 0)],
            before={target.arn: {"inline": {policy: document}}},
        )

    def _group_remove(self, request: Request) -> _Draft:
        group = request.group
        if not group:
            raise ActionRefused("group.remove-user needs a group name")
        target = self._user_target(request.name)
        groups = reads.user_groups(self.iam, request.name)
        if group not in groups:
            raise ActionRefused(f"user {request.name} is not in group {group}")
        return _Draft(
            ActionId.GROUP_REMOVE_USER,
            f"Remove user {request.name} from group {group}",
            [target],
            [group_step(request.name, group, 0)],
            before={target.arn: {"groups": list(groups)}},
        )

    # --- roles ------------------------------------------------------------------------------

    def _role_quarantine(self, request: Request) -> _Draft:
        role = reads.read_role(self.iam, request.name)
        self._refuse_aws_managed_role(role)
        if QUARANTINE_POLICY in role.inline:
            raise ActionRefused(f"role {role.name} is already quarantined ({QUARANTINE_POLICY})")
        name = role.name
        target = Target("role", name, role.arn)
        document = quarantine_document()
        step = Step(
            call=ApiCall(
                "PutRolePolicy",
                {"RoleName": name, "PolicyName": QUARANTINE_POLICY, "PolicyDocument": document},
            ),
            description=f"Attach deny-all inline policy {QUARANTINE_POLICY} to role {name} "
            "(also revokes sessions issued before now)",
            preconditions=(inline_is("role", name, QUARANTINE_POLICY, None),),
            effect=inline_is("role", name, QUARANTINE_POLICY, None, op=Op.NE),
            inverse=(
                InverseStep(
                    ApiCall(
                        "DeleteRolePolicy", {"RoleName": name, "PolicyName": QUARANTINE_POLICY}
                    ),
                    f"Remove the quarantine policy {QUARANTINE_POLICY} from role {name}",
                    preconditions=(inline_is("role", name, QUARANTINE_POLICY, None, op=Op.NE),),
                    effect=inline_is("role", name, QUARANTINE_POLICY, None),
                ),
            ),
        )
        draft = _Draft(
            ActionId.ROLE_QUARANTINE,
            f"Quarantine role {name}: deny everything, revoke existing sessions",
            [target],
            [step],
            before={target.arn: {"inline_names": sorted(role.inline)}},
            notes=[
                "every request made with the role is denied, existing sessions included, "
                "until the policy is removed (undo)"
            ],
        )
        if warning := self._recent_use_warning(f"role {name}", role.last_used):
            draft.warnings.append(warning)
        return draft

    def _role_delete(self, request: Request) -> _Draft:
        role = reads.read_role(self.iam, request.name)
        name = role.name
        target = Target("role", name, role.arn)
        if role.path.startswith(SSO_RESERVED_PATH_PREFIX):
            self._refuse_aws_managed_role(role)
        if role.path.startswith(SERVICE_LINKED_PATH):
            return self._service_linked_delete(role, target)
        first = (
            check(
                "role.state",
                role.fingerprint(),
                f"role {name} is unchanged since the plan",
                RoleName=name,
            ),
        )
        steps: list[Step] = []

        def pre() -> tuple[Check, ...]:
            return first if not steps else ()

        for profile in role.instance_profiles:
            steps.append(
                Step(
                    call=ApiCall(
                        "RemoveRoleFromInstanceProfile",
                        {"InstanceProfileName": profile, "RoleName": name},
                    ),
                    description=f"Remove role {name} from instance profile {profile}",
                    preconditions=(*pre(), profile_has(profile, name, True)),
                    effect=profile_has(profile, name, False),
                    inverse=(
                        InverseStep(
                            ApiCall(
                                "AddRoleToInstanceProfile",
                                {"InstanceProfileName": profile, "RoleName": name},
                            ),
                            f"Put role {name} back in instance profile {profile}",
                            preconditions=(profile_has(profile, name, False),),
                            effect=profile_has(profile, name, True),
                        ),
                    ),
                    loss="instances using the profile get no credentials until undone",
                )
            )
        for arn, _ in role.attached:
            steps.append(detach_step("role", name, arn, 0, first=pre()))
        for policy, document in role.inline.items():
            steps.append(inline_step("role", name, policy, document, 0, first=pre()))
        create: dict[str, JSON] = {
            "RoleName": name,
            "Path": role.path,
            "AssumeRolePolicyDocument": role.trust,
            "MaxSessionDuration": role.max_session,
        }
        if role.description:
            create["Description"] = role.description
        if role.boundary:
            create["PermissionsBoundary"] = role.boundary
        if role.tags:
            create["Tags"] = [{"Key": k, "Value": v} for k, v in role.tags]
        steps.append(
            Step(
                call=ApiCall("DeleteRole", {"RoleName": name}),
                description=f"Delete role {name}",
                preconditions=(*pre(), role_exists(name, True)),
                effect=role_exists(name, False),
                inverse=(
                    InverseStep(
                        ApiCall("CreateRole", create),
                        f"Recreate role {name} with its trust policy, path, description, "
                        "session duration, boundary and tags",
                        preconditions=(role_exists(name, False),),
                        effect=role_exists(name, True),
                    ),
                ),
                loss=ROLE_LOSS,
            )
        )
        draft = _Draft(
            ActionId.ROLE_DELETE,
            f"Delete role {name} ({len(steps) - 1} dependencies removed first)",
            [target],
            steps,
            before={target.arn: role.to_json()},
            notes=[f"undo recreates role {name}, but {ROLE_LOSS}"],
        )
        if warning := self._recent_use_warning(f"role {name}", role.last_used):
            draft.warnings.append(warning)
        return draft

    def _service_linked_delete(self, role: RoleState, target: Target) -> _Draft:
        name = role.name
        step = Step(
            call=ApiCall("DeleteServiceLinkedRole", {"RoleName": name}),
            description=f"Ask AWS to delete service-linked role {name} (polled until done)",
            preconditions=(check("role.exists", True, f"role {name} exists", RoleName=name),),
            effect=check("role.exists", False, f"role {name} does not exist", RoleName=name),
            irreversible_reason="a service-linked role is created by its AWS service; the service "
            "recreates it when needed, iamtui cannot",
            wait="GetServiceLinkedRoleDeletionStatus",
        )
        return _Draft(
            ActionId.ROLE_DELETE,
            f"Delete service-linked role {name} (through DeleteServiceLinkedRole)",
            [target],
            [step],
            before={target.arn: role.to_json()},
            notes=["AWS refuses (FAILED) while resources of the service still use the role"],
        )

    # --- users ------------------------------------------------------------------------------

    def _user_delete(self, request: Request) -> _Draft:
        state = reads.read_user(self.iam, request.name)
        target = Target("user", state.name, state.arn)
        for key in state.keys:
            self._refuse_if_used_since_data(target, key)
        self._refuse_if_signed_in_since_data(target, state.password_last_used)
        steps = user_teardown(state)
        gone = []
        if state.login_profile is not None:
            gone.append("the console password")
        if state.keys:
            gone.append(f"{len(state.keys)} access key(s)")
        if state.mfa:
            gone.append(f"{len(state.mfa)} MFA device(s)")
        if state.service_credentials:
            gone.append(f"{len(state.service_credentials)} service-specific credential(s)")
        notes = [
            "undo recreates the user with its path, tags, groups, managed and inline policies, "
            "boundary, SSH public keys and signing certificates; the user gets a new user id"
        ]
        if gone:
            notes.append(f"gone for good: {', '.join(gone)}")
        draft = _Draft(
            ActionId.USER_DELETE,
            f"Delete user {state.name} ({len(steps) - 1} dependencies removed first)",
            [target],
            steps,
            before={target.arn: state.to_json()},
            notes=notes,
        )
        for key in state.keys:
            if warning := self._recent_use_warning(
                f"key {key.key_id}", key.last_used, key.last_used_service
            ):
                draft.warnings.append(warning)
        if warning := self._recent_use_warning("the console password", state.password_last_used):
            draft.warnings.append(warning)
        return draft

    def undo(self, entry: Entry) -> Plan:
        """The plan that reverts a journal entry's completed steps (same guards as any plan)."""
        from iamtui.core.actions.undo import build_undo

        return build_undo(self, entry)

    # --- findings -> requests ---------------------------------------------------------------

    def requests_for(self, finding: Any, action: str) -> tuple[Request, ...]:
        """The requests that carry out ``action`` for one finding (key slots resolved to ids)."""
        from iamtui.core.actions.findings import requests_for

        return requests_for(self, finding, action)


ROLE_LOSS = (
    "the new role gets a new role id: trust and resource policies elsewhere that named the old "
    "role must be saved again, its sessions are gone and its last-used history is lost"
)


def user_teardown(state: UserState) -> list[Step]:
    """Every step DeleteUser needs, in the order AWS requires, with inverses where they exist."""
    user = state.name
    steps: list[Step] = []
    first = (
        check(
            "user.state",
            state.fingerprint(),
            f"user {user} is unchanged since the plan",
            UserName=user,
        ),
    )

    def pre() -> tuple[Check, ...]:
        return first if not steps else ()

    if state.login_profile is not None:
        steps.append(
            Step(
                call=ApiCall("DeleteLoginProfile", {"UserName": user}),
                description=f"Delete the console password of user {user}",
                preconditions=(*pre(), login_profile_is(user, True)),
                effect=login_profile_is(user, False),
                irreversible_reason="a password cannot be read back; undo of the user does not "
                "restore console access (give a new password if needed)",
            )
        )
    for key in state.keys:
        kid = key.key_id
        steps.append(
            Step(
                call=ApiCall("DeleteAccessKey", {"UserName": user, "AccessKeyId": kid}),
                description=f"Delete {key.status.lower()} access key {kid} of user {user}",
                preconditions=(
                    *pre(),
                    key_is(user, kid, key.status),
                    key_unused_since(kid, key.last_used),
                ),
                effect=key_is(user, kid, None),
                irreversible_reason=KEY_GONE,
            )
        )
    for cert in state.certificates:
        steps.append(_certificate_step(user, cert, pre()))
    for ssh in state.ssh_keys:
        steps.append(_ssh_step(user, ssh, pre()))
    for cred in state.service_credentials:
        cid = cred["id"]
        steps.append(
            Step(
                call=ApiCall(
                    "DeleteServiceSpecificCredential",
                    {"UserName": user, "ServiceSpecificCredentialId": cid},
                ),
                description=f"Delete {cred['service']} credential {cid} of user {user}",
                preconditions=(*pre(), credential_is(user, cid, cred["status"])),
                effect=credential_is(user, cid, None),
                irreversible_reason="AWS generates the service password; "
                "a new credential has a new one",
            )
        )
    for serial, virtual in state.mfa:
        steps.append(
            Step(
                call=ApiCall("DeactivateMFADevice", {"UserName": user, "SerialNumber": serial}),
                description=f"Deactivate MFA device {serial} of user {user}",
                preconditions=(*pre(), mfa_is(user, serial, True)),
                effect=mfa_is(user, serial, False),
                irreversible_reason="re-enabling an MFA device needs two codes "
                "from the device itself",
            )
        )
        if virtual:
            steps.append(
                Step(
                    call=ApiCall("DeleteVirtualMFADevice", {"SerialNumber": serial}),
                    description=f"Delete virtual MFA device {serial}",
                    preconditions=(virtual_mfa_is(serial, True),),
                    effect=virtual_mfa_is(serial, False),
                    irreversible_reason="the device's secret seed is gone; "
                    "a new device must be enrolled",
                )
            )
    for name, document in state.inline.items():
        steps.append(inline_step("user", user, name, document, 0, first=pre()))
    for arn, _ in state.attached:
        steps.append(detach_step("user", user, arn, 0, first=pre()))
    for group in state.groups:
        steps.append(group_step(user, group, 0, first=pre()))
    if state.boundary:
        boundary = _policy_name(state.boundary)
        steps.append(
            Step(
                call=ApiCall("DeleteUserPermissionsBoundary", {"UserName": user}),
                description=f"Remove the permissions boundary {boundary} of user {user}",
                preconditions=(*pre(), boundary_is(user, state.boundary)),
                effect=boundary_is(user, None),
                inverse=(
                    InverseStep(
                        ApiCall(
                            "PutUserPermissionsBoundary",
                            {"UserName": user, "PermissionsBoundary": state.boundary},
                        ),
                        f"Put the permissions boundary {boundary} back on user {user}",
                        preconditions=(boundary_is(user, None),),
                        effect=boundary_is(user, state.boundary),
                    ),
                ),
            )
        )
    create: dict[str, JSON] = {"UserName": user, "Path": state.path}
    if state.tags:
        create["Tags"] = [{"Key": k, "Value": v} for k, v in state.tags]
    steps.append(
        Step(
            call=ApiCall("DeleteUser", {"UserName": user}),
            description=f"Delete user {user}",
            preconditions=(*pre(), user_exists(user, True)),
            effect=user_exists(user, False),
            inverse=(
                InverseStep(
                    ApiCall("CreateUser", create),
                    f"Recreate user {user} with its path and tags",
                    preconditions=(user_exists(user, False),),
                    effect=user_exists(user, True),
                ),
            ),
            loss="the recreated user has a new user id; policies that named the old user must be "
            "saved again",
        )
    )
    return steps


def _certificate_step(user: str, cert: Mapping[str, JSON], first: tuple[Check, ...]) -> Step:
    cid, status, body = cert["id"], str(cert["status"]), cert["body"]
    inverse = [
        InverseStep(
            ApiCall("UploadSigningCertificate", {"UserName": user, "CertificateBody": body}),
            f"Upload signing certificate {cid} to user {user} again",
            preconditions=(certificate_copy(user, cid, body, None),),
            effect=certificate_copy(user, cid, body, "Active"),
        )
    ]
    if status != "Active":
        inverse.append(
            InverseStep(
                ApiCall(
                    "UpdateSigningCertificate",
                    {
                        "UserName": user,
                        "CertificateId": {"$prev": "CertificateId"},
                        "Status": status,
                    },
                ),
                f"Set the re-uploaded certificate {cid} to {status}",
                preconditions=(certificate_copy(user, cid, body, "Active"),),
                effect=certificate_copy(user, cid, body, status),
            )
        )
    return Step(
        call=ApiCall("DeleteSigningCertificate", {"UserName": user, "CertificateId": cid}),
        description=f"Delete signing certificate {cid} of user {user} (public body saved)",
        preconditions=(*first, certificate_is(user, cid, status)),
        effect=certificate_is(user, cid, None),
        inverse=tuple(inverse),
    )


def _ssh_step(user: str, ssh: Mapping[str, JSON], first: tuple[Check, ...]) -> Step:
    sid, status, body = ssh["id"], str(ssh["status"]), ssh["body"]
    inverse = [
        InverseStep(
            ApiCall("UploadSSHPublicKey", {"UserName": user, "SSHPublicKeyBody": body}),
            f"Upload SSH public key {sid} to user {user} again",
            preconditions=(ssh_key_copy(user, sid, body, None),),
            effect=ssh_key_copy(user, sid, body, "Active"),
        )
    ]
    if status != "Active":
        inverse.append(
            InverseStep(
                ApiCall(
                    "UpdateSSHPublicKey",
                    {
                        "UserName": user,
                        "SSHPublicKeyId": {"$prev": "SSHPublicKeyId"},
                        "Status": status,
                    },
                ),
                f"Set the re-uploaded SSH key to {status}",
                preconditions=(ssh_key_copy(user, sid, body, "Active"),),
                effect=ssh_key_copy(user, sid, body, status),
            )
        )
    return Step(
        call=ApiCall("DeleteSSHPublicKey", {"UserName": user, "SSHPublicKeyId": sid}),
        description=f"Delete SSH public key {sid} of user {user} (public key saved)",
        preconditions=(*first, ssh_key_is(user, sid, status)),
        effect=ssh_key_is(user, sid, None),
        inverse=tuple(inverse),
        loss="the re-uploaded SSH key gets a new key id",
    )
