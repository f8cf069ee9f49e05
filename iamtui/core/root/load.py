"""Reading root state: the live facts the overview snapshot lacks, each with its time or failure.

The security alternate contact, centralized root access (``ListOrganizationsFeatures``) and, when
signed in as root, root's own key ids. :func:`load_root_state` makes only those calls; a denied or
unsupported one becomes an :class:`~iamtui.core.model.Unavailable`, never a crash. Clients come
from :mod:`iamtui.core.session`, the one place they are built.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from iamtui.core.errors import UNREADABLE_RESPONSE, error_code, error_text, unreadable
from iamtui.core.loader import DENIED_CODES, Clock, read_access_keys, utcnow
from iamtui.core.model import (
    AccessKey,
    AccountSnapshot,
    Organization,
    Unavailable,
)
from iamtui.core.organization import FEATURE_ANSWERS, NOT_IN_ORGANIZATION
from iamtui.core.session import (
    DEFAULT_REGION,
    Connection,
    account_region,
    new_client,
    open_session,
)

T = TypeVar("T")

ROOT_TASK_DELETE_CREDENTIALS = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
#: Error codes that answer a question rather than fail (the SDK model's names end in Exception).
_NOT_SUPPORTED = frozenset({"NotImplemented", "UnknownOperation", "InvalidAction"})


class ExtraPart(enum.StrEnum):
    """The live lookups :func:`load_root_state` adds to a snapshot."""

    SECURITY_CONTACT = "security_contact"
    ORGANIZATION = "organizations_features"
    ROOT_KEYS = "root_access_keys"


#: The calls each lookup of :func:`load_root_state` sends. The read-only policy iamtui prints is
#: built from this table, and a test checks a load sends nothing else.
ROOT_STATE_ACTIONS: Mapping[ExtraPart, tuple[str, ...]] = {
    ExtraPart.SECURITY_CONTACT: ("account:GetAlternateContact",),
    ExtraPart.ORGANIZATION: ("iam:ListOrganizationsFeatures",),
    ExtraPart.ROOT_KEYS: ("iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"),
}
#: Lookups made only when signed in as root, whom no IAM policy restricts (not in the policy).
ROOT_ONLY_PARTS = frozenset({ExtraPart.ROOT_KEYS})


# --- what the extra calls found --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Probe(Generic[T]):
    """One live lookup: its answer (None: AWS said there is none) and when, or why it failed."""

    value: T | None = None
    checked_at: datetime | None = None
    unavailable: Unavailable | None = None

    @property
    def ok(self) -> bool:
        """AWS answered (possibly "none")."""
        return self.unavailable is None


@dataclass(frozen=True, slots=True)
class SecurityContact:
    """The account's SECURITY alternate contact: where AWS sends security notices."""

    name: str
    title: str
    email: str
    phone: str


@dataclass(frozen=True, slots=True)
class RootExtra:
    """The live facts the overview snapshot lacks, each with its own time or failure."""

    security_contact: Probe[SecurityContact]
    organization: Probe[Organization]
    #: Root's access keys with ids: only root itself can list them.
    root_keys: Probe[tuple[AccessKey, ...]]

    @classmethod
    def not_loaded(cls, reason: str, snapshot: AccountSnapshot | None = None) -> RootExtra:
        """No live calls (a snapshot file, the Root pane): each extra unavailable for ``reason``,
        except the organization when ``snapshot`` loaded it (every load reads it)."""

        def gone(part: ExtraPart) -> Probe[Any]:
            return Probe(unavailable=Unavailable(part, reason, "NotLoaded"))

        known = snapshot.organization if snapshot is not None else None
        org: Probe[Organization] = (
            Probe(known, snapshot.loaded_at)
            if known is not None and snapshot is not None
            else gone(ExtraPart.ORGANIZATION)
        )
        return cls(gone(ExtraPart.SECURITY_CONTACT), org, gone(ExtraPart.ROOT_KEYS))


# --- loading the extras ----------------------------------------------------------------------


def _normal(code: str) -> str:
    return code.removesuffix("Exception")


def _failure(part: ExtraPart, service: str, operation: str, exc: BaseException) -> Unavailable:
    code = error_code(exc)
    name = f"{service}:{operation}"
    if code in DENIED_CODES:
        return Unavailable(part, f"denied: the caller lacks {name}", code)
    garbled = unreadable(name, exc)
    if garbled is not None:
        return Unavailable(part, garbled, UNREADABLE_RESPONSE)
    if code and _normal(code) in _NOT_SUPPORTED:
        return Unavailable(part, f"{name} is not supported by this endpoint", "Unsupported")
    return Unavailable(part, f"{name} failed: {error_text(exc)}", code or type(exc).__name__)


def _probe(
    part: ExtraPart,
    service: str,
    operation: str,
    fetch: Callable[[], T | None],
    clock: Clock,
    answers: Mapping[str, Callable[[], T | None]] | None = None,
) -> Probe[T]:
    """Run one call; codes in ``answers`` are facts (e.g. "not set"), other errors unavailable."""
    checked = clock()
    try:
        return Probe(fetch(), checked)
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        code = error_code(exc)
        answer = (answers or {}).get(_normal(code)) if code else None
        if answer is not None:
            return Probe(answer(), checked)
        return Probe(checked_at=checked, unavailable=_failure(part, service, operation, exc))


def account_client(conn: Connection) -> Any:
    """An Account API client with the connection's credentials, endpoint and request counter."""
    if conn.account is not None:
        return conn.account
    region = account_region(str(conn.iam.meta.region_name or DEFAULT_REGION))
    return new_client(
        open_session(conn.settings),
        "account",
        region=region,
        endpoint_url=conn.settings.endpoint_url,
        count=conn.counter,
    )


def _security_contact(client: Any) -> SecurityContact:
    raw = client.get_alternate_contact(AlternateContactType="SECURITY")["AlternateContact"]
    return SecurityContact(
        name=raw.get("Name", ""),
        title=raw.get("Title", ""),
        email=raw.get("EmailAddress", ""),
        phone=raw.get("PhoneNumber", ""),
    )


def _org_features(iam: Any, known: Organization | None) -> Organization:
    """The live features, on top of what the snapshot knew (management account, accounts)."""
    raw = iam.list_organizations_features()
    return replace(
        known or Organization(True),
        in_organization=True,
        organization_id=raw.get("OrganizationId") or (known.organization_id if known else None),
        root_features=tuple(sorted(raw.get("EnabledFeatures", ()))),
        note="",
    )


def org_answers(known: Organization | None) -> Mapping[str, Callable[[], Organization]]:
    """ListOrganizationsFeatures errors that are answers, not failures (on top of ``known``)."""

    def answer(features: tuple[str, ...] | None, note: str) -> Callable[[], Organization]:
        base = known if known is not None and known.in_organization else Organization(True)
        return lambda: replace(base, root_features=features, note=note)

    answers = {code: answer(*make()) for code, make in FEATURE_ANSWERS.items()}
    answers["OrganizationNotFound"] = lambda: NOT_IN_ORGANIZATION
    return answers


def load_root_state(
    conn: Connection,
    snapshot: AccountSnapshot,
    *,
    clock: Clock = utcnow,
    account: Any = None,
) -> RootExtra:
    """The extra calls the snapshot lacks; a denied or unsupported one becomes unknown."""
    account = account if account is not None else account_client(conn)
    contact: Probe[SecurityContact] = _probe(
        ExtraPart.SECURITY_CONTACT,
        "account",
        "GetAlternateContact",
        lambda: _security_contact(account),
        clock,
        {"ResourceNotFound": lambda: None},
    )
    known = snapshot.organization
    if known is not None and known.in_organization and known.root_features is not None:
        # The load already read the features: no second ListOrganizationsFeatures. Otherwise
        # it is asked again, for IAM's own answer (a member, not found, denied, unsupported).
        org: Probe[Organization] = Probe(known, snapshot.loaded_at)
    else:
        org = _probe(
            ExtraPart.ORGANIZATION,
            "iam",
            "ListOrganizationsFeatures",
            lambda: _org_features(conn.iam, known),
            clock,
            org_answers(known),
        )
    if snapshot.caller is not None and snapshot.caller.is_root:
        keys: Probe[tuple[AccessKey, ...]] = _probe(
            ExtraPart.ROOT_KEYS, "iam", "ListAccessKeys", lambda: read_access_keys(conn.iam), clock
        )
    else:
        keys = Probe(
            unavailable=Unavailable(
                ExtraPart.ROOT_KEYS, "root's key ids are listed only to root itself", "NotRoot"
            )
        )
    return RootExtra(contact, org, keys)
