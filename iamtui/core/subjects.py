"""What an action acts on (its subject): a finding's fix and an operator's request share them.

Nothing here is parsed back from evidence or display text: a rule that knows which key, policy
attachment, inline policy or group membership is at fault names it with one of these, and the
planner turns it into a plan from fresh reads. A key may be known only by its credential-report
slot (the report has no key ids); the planner resolves the slot by creation time.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    | PrincipalSubject
    | AttachmentSubject
    | InlinePolicySubject
    | MembershipSubject
    | PolicySubject
    | AccountSubject
    | RootKeySubject
    | InstanceProfileSubject
    | IdentityProviderSubject
)


@dataclass(frozen=True, slots=True)
class Fix:
    """One action on one subject that would fix a finding."""

    action: ActionId
    subject: Subject
