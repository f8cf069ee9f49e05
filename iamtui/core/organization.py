"""Reading the account's AWS Organization: who manages it, its accounts, centralized root access.

Three calls, each answering what this account may know. ``DescribeOrganization`` works from any
account of an organization (AWS Organizations API Reference, *DescribeOrganization*:
<https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeOrganization.html>);
``ListAccounts`` only from the management account or a delegated administrator
(<https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html>);
``iam:ListOrganizationsFeatures`` only from the management account or the IAM delegated
administrator (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListOrganizationsFeatures.html>).
What a member may not read is ``None`` in :class:`~iamtui.core.model.Organization`, with a note;
only a failing ``DescribeOrganization`` makes the whole part unavailable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from iamtui.core.errors import error_code, error_text
from iamtui.core.model import Organization

#: The calls reading the organization sends (the read-only policy is built from this).
ORGANIZATION_ACTIONS = (
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "iam:ListOrganizationsFeatures",
)
#: DescribeOrganization's answer for an account in no organization.
NOT_IN_USE = "AWSOrganizationsNotInUseException"

NOT_IN_ORGANIZATION = Organization(False, root_features=(), note="not in an AWS Organization")


def _normal(code: str | None) -> str:
    return (code or "").removesuffix("Exception")


#: ListOrganizationsFeatures errors that are answers (what the features are), not failures.
FEATURE_ANSWERS: Mapping[str, Callable[[], tuple[tuple[str, ...] | None, str]]] = {
    "ServiceAccessNotEnabled": lambda: (
        (),
        "trusted access for IAM is not enabled in AWS Organizations",
    ),
    "OrganizationNotInAllFeaturesMode": lambda: (
        (),
        "the organization does not have all features enabled",
    ),
    "AccountNotManagementOrDelegatedAdministrator": lambda: (
        None,
        "this is a member account: only the management account or the IAM delegated "
        "administrator can read the centralized root access settings",
    ),
}


#: Why a call failed, in the loader's one-line wording (``denied: the caller lacks ...``).
Describe = Callable[[str, BaseException], str]


def _features(iam: Any, describe: Describe) -> tuple[tuple[str, ...] | None, str]:
    """The enabled features (None when unreadable) and a note, from IAM."""
    try:
        raw = iam.list_organizations_features()
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        code = _normal(error_code(exc))
        if code == "OrganizationNotFound":
            return None, "IAM says the account is in no organization"
        answer = FEATURE_ANSWERS.get(code)
        if answer is not None:
            return answer()
        return None, describe("iam:ListOrganizationsFeatures", exc)
    return tuple(sorted(raw.get("EnabledFeatures", ()))), ""


def _active(account: Mapping[str, Any]) -> bool:
    """ACTIVE (``State``, or the older ``Status``): a suspended or closing account's trust is dead,
    to be cleaned up, not expected. AWS Organizations API Reference, *Account*:
    <https://docs.aws.amazon.com/organizations/latest/APIReference/API_Account.html>."""
    state = account.get("State") or account.get("Status")
    return state is None or state == "ACTIVE"


#: More pages than any organization has (20 accounts a page; AWS's quota is in the thousands):
#: an endpoint that keeps sending NextToken is cut off here, not followed forever.
MAX_ACCOUNT_PAGES = 1000
ACCOUNT_ID = re.compile(r"\d{12}")
ORGANIZATION_ID = re.compile(r"o-[a-z0-9]{10,32}")


def _text(value: Any, pattern: re.Pattern[str], what: str) -> str:
    """A field AWS documents with a pattern; anything else is an unreadable answer."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise TypeError(f"{what} is not an AWS {what}: {value!r:.40}")
    return value


def _account_ids(
    client: Any, describe: Describe, cancel: Callable[[], None]
) -> tuple[tuple[str, ...] | None, str]:
    """Every account id of the organization, or None with why (a member may not list them)."""
    ids: set[str] = set()
    try:
        for number, page in enumerate(client.get_paginator("list_accounts").paginate(), 1):
            cancel()
            if number > MAX_ACCOUNT_PAGES:
                return None, f"ListAccounts sent more than {MAX_ACCOUNT_PAGES} pages: gave up"
            for account in page.get("Accounts", ()):
                if _active(account):
                    ids.add(_text(account.get("Id"), ACCOUNT_ID, "account id"))
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        # AWS answers a member that is no delegated administrator AccessDenied too.
        return None, describe("organizations:ListAccounts", exc)
    except (TypeError, AttributeError) as exc:
        return None, f"ListAccounts answered with data iamtui cannot read ({exc})"
    return tuple(sorted(ids)), ""


def _plain(action: str, exc: BaseException) -> str:
    return f"{action} failed: {error_text(exc)}"


def _never_cancelled() -> None:
    return None


def read_organization(
    organizations: Any,
    iam: Any,
    describe: Describe = _plain,
    cancel: Callable[[], None] = _never_cancelled,
) -> Organization:
    """The organization as this account may see it; raises only when DescribeOrganization fails
    (or answers unreadably: TypeError), or ``cancel`` raises between ListAccounts pages."""
    try:
        raw = organizations.describe_organization()["Organization"]
    except ClientError as exc:
        if error_code(exc) != NOT_IN_USE:
            raise
        return NOT_IN_ORGANIZATION
    organization_id = _text(raw.get("Id"), ORGANIZATION_ID, "organization id")
    management = _text(raw.get("MasterAccountId"), ACCOUNT_ID, "account id")
    accounts, accounts_note = _account_ids(organizations, describe, cancel)
    features, features_note = _features(iam, describe)
    return Organization(
        True,
        organization_id=organization_id,
        management_account_id=management,
        account_ids=accounts,
        root_features=features,
        note="; ".join(n for n in (accounts_note, features_note) if n),
    )
