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
)


@dataclass(frozen=True, slots=True)
class Fix:
    """One action on one subject that would fix a finding."""

    action: ActionId
    subject: Subject
