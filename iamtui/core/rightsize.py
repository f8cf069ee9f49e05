"""Right-sizing: the policies a user or role would keep once what it has not used is dropped.

Pure: documents and last-accessed data in, a ``Proposal`` out. The action
(``actions/catalog/principal_rightsize.py``) reads the documents fresh and turns a proposal
into a plan; the review screen and ``iamtui rightsize`` show the same proposal.

Interface agreed for this session (the engine fills in ``guard``, ``rewrite_document`` and
``propose``; the action and the UI build on the types below).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from iamtui.core.model import AccountSnapshot, LastAccessed, Role, User

JSON = Any

#: Tag key that opts a principal out (value ``off``), as Repokid's opt-out tag does.
OPT_OUT_TAG = "iamtui:rightsize"

#: AWS IAM quotas (IAM and AWS STS quotas page): characters, whitespace not counted.
MANAGED_POLICY_MAX_CHARS = 6_144
USER_INLINE_MAX_CHARS = 2_048
ROLE_INLINE_MAX_CHARS = 10_240
GROUP_INLINE_MAX_CHARS = 5_120
MANAGED_POLICIES_PER_PRINCIPAL = 10
POLICY_VERSIONS_MAX = 5


class Method(enum.StrEnum):
    """How one policy's rewrite is applied."""

    #: Customer-managed, attached to this principal only: a new default version.
    NEW_VERSION = "new-version"
    #: Inline: the document is replaced (the old one saved for undo).
    REPLACE_INLINE = "replace-inline"
    #: Inline with nothing left to grant: deleted (the old one saved for undo).
    DELETE_INLINE = "delete-inline"
    #: AWS-managed or attached elsewhere too: a new customer-managed policy for this principal,
    #: then the shared one detached from it.
    COPY_AND_DETACH = "copy-and-detach"
    #: Managed with nothing left to grant: detached from this principal only.
    DETACH = "detach"
    #: Nothing to drop.
    KEEP = "keep"
    #: Something to drop, but it cannot be applied (``reason`` says why: size, quota, group).
    CANNOT = "cannot"


@dataclass(frozen=True, slots=True)
class Grant:
    """One policy that grants the principal permissions, as read when proposing."""

    kind: Literal["inline", "managed"]
    name: str
    document: JSON
    #: Managed policies only.
    arn: str | None = None
    aws_managed: bool = False
    #: Every user, group and role ARN the managed policy is attached to (this principal included).
    attached_to: tuple[str, ...] = ()
    default_version_id: str | None = None
    #: Every version id of the managed policy (the five-version limit).
    version_ids: tuple[str, ...] = ()
    #: Granted through this group (a user's group policy): reported, never rewritten.
    via_group: str | None = None


@dataclass(frozen=True, slots=True)
class Rewrite:
    """What right-sizing does to one grant."""

    grant: Grant
    method: Method
    #: The proposed document (NEW_VERSION, REPLACE_INLINE, COPY_AND_DETACH), else None.
    document: JSON | None
    dropped_services: tuple[str, ...] = ()
    #: ``service:Action`` names (or patterns) dropped inside services still in use.
    dropped_actions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: Why CANNOT or why KEEP, in one line.
    reason: str = ""

    @property
    def changes(self) -> bool:
        """True when applying it changes anything."""
        return self.method not in (Method.KEEP, Method.CANNOT)


@dataclass(frozen=True, slots=True)
class RightsizeOptions:
    """Guards and limits; defaults follow Repokid and AWS's unused-access analyzer."""

    #: A service (or tracked action) unused this long is dropped.
    window_days: int = 90
    #: The window may not be shorter than this (too little evidence).
    min_window_days: int = 90
    #: Last-accessed data older than this must be fetched again first.
    max_data_age_days: int = 7
    #: Replace a wildcard (``s3:Get*``) by the used tracked actions it matches. Off by default:
    #: AWS tracks only some actions (S3: management actions, not object reads), so the
    #: untracked actions behind the wildcard may be in use.
    narrow_wildcards: bool = False


@dataclass(frozen=True, slots=True)
class Proposal:
    """The right-sized policies of one principal, or why it is not right-sized."""

    principal_arn: str
    principal_name: str
    kind: Literal["user", "role"]
    options: RightsizeOptions
    #: When the last-accessed data used was completed (None when there was none).
    data_completed_at: datetime | None
    unused_services: tuple[str, ...] = ()
    unused_actions: tuple[str, ...] = ()
    rewrites: tuple[Rewrite, ...] = ()
    #: A guard refused right-sizing (too young, opted out, service-linked, no data): why.
    refused: str = ""
    #: Limits the result does not fit (managed policies per principal, sizes): one line each.
    problems: tuple[str, ...] = ()

    @property
    def changes(self) -> tuple[Rewrite, ...]:
        """The rewrites that change something."""
        return tuple(r for r in self.rewrites if r.changes)


def grants_of(principal: User | Role, snapshot: AccountSnapshot) -> tuple[Grant, ...]:
    """The principal's grants as the snapshot has them (the action re-reads them fresh)."""
    raise NotImplementedError


def guard(
    principal: User | Role,
    data: LastAccessed | None,
    *,
    now: datetime,
    options: RightsizeOptions,
) -> str:
    """Why this principal must not be right-sized now ("" when it may)."""
    raise NotImplementedError


def rewrite_document(
    document: JSON, data: LastAccessed, *, now: datetime, options: RightsizeOptions
) -> tuple[JSON | None, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(document without what went unused or None when nothing is left to grant,
    dropped services, dropped actions, notes). Never adds a permission."""
    raise NotImplementedError


def propose(
    principal: User | Role,
    grants: Sequence[Grant],
    data: LastAccessed | None,
    *,
    now: datetime,
    options: RightsizeOptions,
) -> Proposal:
    """The proposal for one principal: guards first, then one rewrite per grant."""
    raise NotImplementedError
