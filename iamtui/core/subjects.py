"""What an action acts on (its subject): a finding's fix and an operator's request share them.

Nothing here is parsed back from evidence or display text: a rule that knows which key, policy
attachment, inline policy or group membership is at fault names it with one of these, and the
planner turns it into a plan from fresh reads. A key may be known only by its credential-report
slot (the report has no key ids); the planner resolves the slot by creation time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, TypeAlias

from iamtui.core.ids import ActionId

#: The principals an action can name (``group`` for policies attached to a group).
PrincipalType: TypeAlias = Literal["user", "role", "group"]


@dataclass(frozen=True, slots=True)
class KeySubject:
    """An IAM user's access key: by id, or by credential-report slot (1 or 2) until resolved."""

    user: str
    key_id: str | None = None
    slot: int | None = None


#: The user credentials AWS lets a user upload (public material, each with an id and a status).
CredentialKind: TypeAlias = Literal["ssh-key", "certificate"]


@dataclass(frozen=True, slots=True)
class UserCredentialSubject:
    """A user's SSH public key or X.509 signing certificate; no id: the user's one active one."""

    user: str
    kind: CredentialKind
    credential_id: str | None = None


@dataclass(frozen=True, slots=True)
class PrincipalSubject:
    """A whole user or role (delete, quarantine, disable console)."""

    kind: PrincipalType
    name: str


@dataclass(frozen=True, slots=True)
class AttachmentSubject:
    """A managed policy attached to a user, group or role."""

    kind: PrincipalType
    name: str
    policy_arn: str


@dataclass(frozen=True, slots=True)
class InlinePolicySubject:
    """An inline policy of a user, group or role."""

    kind: PrincipalType
    name: str
    policy_name: str


@dataclass(frozen=True, slots=True)
class MembershipSubject:
    """A user's membership of a group."""

    user: str
    group: str


@dataclass(frozen=True, slots=True)
class PolicySubject:
    """A customer-managed policy itself (not one attachment of it)."""

    arn: str


@dataclass(frozen=True, slots=True)
class AccountSubject:
    """The account's own settings (password policy, security contact)."""


@dataclass(frozen=True, slots=True)
class RootKeySubject:
    """A root access key (None: every active one), of this account or of member ``account``."""

    key_id: str | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceCredentialSubject:
    """A user's service-specific credential (CodeCommit, Keyspaces, Bedrock API key), by id."""

    user: str
    credential_id: str


#: The typed edits ``role.update-trust`` makes to one statement of a trust policy.
TrustEditKind: TypeAlias = Literal[
    "remove-principal",
    "remove-statement",
    "external-id",
    "org-id",
    "source-account",
    "github-repo",
]

#: Edits that add a condition whose value the operator may have to give.
VALUE_EDITS: dict[str, str] = {
    "external-id": "sts:ExternalId",
    "org-id": "aws:PrincipalOrgID",
    "source-account": "aws:SourceAccount",
    "github-repo": "GitHub repository (OWNER/REPO)",
}


@dataclass(frozen=True, slots=True)
class TrustEdit:
    """One change to one statement of a role's trust policy: typed, so nothing is parsed back.

    ``statement`` is the statement's position (0-based) and ``sid`` its Sid when it has one: the
    planner checks both against the fresh document. ``value`` is the condition's value
    (ExternalId, organization id, account id, ``OWNER/REPO``); "" means the operator is asked.
    """

    kind: TrustEditKind
    statement: int
    sid: str | None = None
    #: remove-principal: the principal's type (``AWS``, ``Service``, ``Federated``, ``*``).
    principal_type: str = ""
    #: remove-principal: the principal's value as the policy spells it.
    principal: str = ""
    value: str = ""

    @property
    def needs_value(self) -> bool:
        """A condition edit whose value is still to be typed by the operator."""
        return self.kind in VALUE_EDITS and not self.value

    def with_value(self, value: str) -> TrustEdit:
        """The same edit with the operator's value."""
        return replace(self, value=value)

    def text(self) -> str:
        """``remove principal arn:... from statement 1 (Sid)``: the edit for menus and logs."""
        where = f"statement {self.statement + 1}" + (f" ({self.sid})" if self.sid else "")
        shown = self.value or "…"
        match self.kind:
            case "remove-principal":
                return f"remove principal {self.principal} from {where}"
            case "remove-statement":
                return f"remove {where}"
            case "external-id":
                return f"require sts:ExternalId = {shown} in {where}"
            case "org-id":
                return f"require aws:PrincipalOrgID = {shown} in {where}"
            case "source-account":
                return f"require aws:SourceAccount = {shown} in {where}"
        return f"pin GitHub OIDC sub to repo:{shown}:* in {where}"


@dataclass(frozen=True, slots=True)
class TrustSubject:
    """A role's trust policy, and the one edit to make to it."""

    role: str
    edit: TrustEdit


@dataclass(frozen=True, slots=True)
class GroupSubject:
    """A whole IAM group (delete an empty one)."""

    group: str


@dataclass(frozen=True, slots=True)
class VirtualMfaSubject:
    """A virtual MFA device of the account, by serial (its ARN)."""

    serial: str


@dataclass(frozen=True, slots=True)
class ServerCertificateSubject:
    """A server certificate stored in IAM: by name, pinned to the id the finding saw."""

    server_certificate: str
    certificate_id: str | None = None


@dataclass(frozen=True, slots=True)
class InstanceProfileSubject:
    """An instance profile, by name (IAM names are unique per account)."""

    name: str


@dataclass(frozen=True, slots=True)
class IdentityProviderSubject:
    """An OIDC or SAML identity provider, by ARN (the kind is in the ARN)."""

    arn: str

    @property
    def saml(self) -> bool:
        """SAML providers are ``saml-provider/NAME``; OIDC ones ``oidc-provider/HOST/PATH``."""
        return ":saml-provider/" in self.arn

    @property
    def name(self) -> str:
        """The SAML provider name or the OIDC issuer host and path."""
        return self.arn.split("-provider/", 1)[-1]


Subject: TypeAlias = (
    KeySubject
    | UserCredentialSubject
    | PrincipalSubject
    | AttachmentSubject
    | InlinePolicySubject
    | MembershipSubject
    | PolicySubject
    | AccountSubject
    | RootKeySubject
    | ServiceCredentialSubject
    | TrustSubject
    | GroupSubject
    | VirtualMfaSubject
    | ServerCertificateSubject
    | InstanceProfileSubject
    | IdentityProviderSubject
)


@dataclass(frozen=True, slots=True)
class Fix:
    """One action on one subject that would fix a finding."""

    action: ActionId
    subject: Subject
