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


def _account_ids(client: Any, describe: Describe) -> tuple[tuple[str, ...] | None, str]:
    """Every account id of the organization, or None with why (a member may not list them)."""
    try:
        ids = {
            str(account["Id"])
            for page in client.get_paginator("list_accounts").paginate()
            for account in page.get("Accounts", ())
            if _active(account)
        }
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        # AWS answers a member that is no delegated administrator AccessDenied too.
        return None, describe("organizations:ListAccounts", exc)
    return tuple(sorted(ids)), ""


def _plain(action: str, exc: BaseException) -> str:
    return f"{action} failed: {error_text(exc)}"


def read_organization(organizations: Any, iam: Any, describe: Describe = _plain) -> Organization:
    """The organization as this account may see it; raises only when DescribeOrganization fails."""
    try:
        raw = organizations.describe_organization()["Organization"]
    except ClientError as exc:
        if error_code(exc) != NOT_IN_USE:
            raise
        return NOT_IN_ORGANIZATION
    accounts, accounts_note = _account_ids(organizations, describe)
    features, features_note = _features(iam, describe)
    return Organization(
        True,
        organization_id=raw.get("Id"),
        management_account_id=raw.get("MasterAccountId"),
        account_ids=accounts,
        root_features=features,
        note="; ".join(n for n in (accounts_note, features_note) if n),
    )
