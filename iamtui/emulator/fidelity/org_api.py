"""The AWS Organizations API for the emulated organization (moto keeps its own, unrelated one).

Only what iamtui reads: ``DescribeOrganization`` from any account of the organization;
``ListAccounts`` and the tree (``ListRoots``, ``ListOrganizationalUnitsForParent``,
``ListAccountsForParent``, ``ListParents``) from the management account or a delegated
administrator. Accounts in no
emulated organization go to moto, which answers ``AWSOrganizationsNotInUseException``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from moto.iam.access_control import CreateAccessKeyFailure

from iamtui.emulator.fidelity.auth import account_for, principal_may, read_body
from iamtui.emulator.fidelity.registry import ROUTES, enforcement_active
from iamtui.emulator.fidelity.root import find_root_caller
from iamtui.emulator.fidelity.wire import Response, WSGIEnviron, json_error, json_response
from iamtui.emulator.state import Organization, extras

TARGET_PREFIX = "AWSOrganizationsV20161128."
#: The JSON protocol version Organizations speaks.
JSON_11 = "application/x-amz-json-1.1"
#: ListAccounts' page size limit (MaxResults 1..20).
MAX_RESULTS = 20


class OrgError(Exception):
    """An Organizations error answer: its ``__type`` code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _arn(org: Organization, account_id: str) -> str:
    organization = f"{org.management_account_id}:account/{org.organization_id}"
    return f"arn:aws:organizations::{organization}/{account_id}"


def describe_organization(org: Organization, account_id: str, body: Mapping[str, Any]) -> Any:
    """Any account of the organization may describe it.

    AWS: "DescribeOrganization" (AWS Organizations API Reference),
    https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeOrganization.html
    """
    management = org.management_account_id
    return {
        "Organization": {
            "Id": org.organization_id,
            "Arn": f"arn:aws:organizations::{management}:organization/{org.organization_id}",
            "FeatureSet": "ALL" if org.all_features else "CONSOLIDATED_BILLING",
            "MasterAccountArn": _arn(org, management),
            "MasterAccountId": management,
            "MasterAccountEmail": f"aws+{management}@example.com",
            "AvailablePolicyTypes": [],
        }
    }


def _managing(org: Organization, account_id: str) -> None:
    """Listing the organization's structure is for the management account or a delegate."""
    if account_id not in (org.management_account_id, org.iam_delegated_admin):
        raise OrgError(
            "AccessDeniedException", "You don't have permissions to access this resource."
        )


def _page(items: list[Any], body: Mapping[str, Any], key: str) -> dict[str, Any]:
    """One page of a list (MaxResults 1-20, NextToken an offset), as every List call pages."""
    try:
        size = int(body.get("MaxResults") or MAX_RESULTS)
        start = int(body.get("NextToken") or 0)
    except (TypeError, ValueError):
        raise OrgError("InvalidInputException", "You provided an invalid value.") from None
    if not 1 <= size <= MAX_RESULTS:
        raise OrgError("InvalidInputException", "MaxResults must be between 1 and 20.")
    if not 0 <= start <= len(items):
        raise OrgError("InvalidInputException", "The NextToken is not valid.")
    answer: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        answer["NextToken"] = str(start + size)
    return answer


def _account(org: Organization, account_id: str) -> dict[str, Any]:
    """The ``Account`` shape of ListAccounts and ListAccountsForParent."""
    state = org.account_states.get(account_id, "ACTIVE")
    return {
        "Id": account_id,
        "Arn": _arn(org, account_id),
        "Email": f"aws+{account_id}@example.com",
        "Name": org.account_names.get(account_id, f"account-{account_id}"),
        "Status": state,
        "State": state,
        "JoinedMethod": "CREATED",
        "JoinedTimestamp": 1_577_836_800.0,
    }


def _all_accounts(org: Organization) -> list[str]:
    return sorted({org.management_account_id, *org.member_account_ids})


def list_accounts(org: Organization, account_id: str, body: Mapping[str, Any]) -> Any:
    """Only the management account or a delegated administrator may list the accounts.

    AWS: "ListAccounts" (AWS Organizations API Reference; MaxResults 1-20, NextToken),
    https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html
    """
    _managing(org, account_id)
    return _page([_account(org, each) for each in _all_accounts(org)], body, "Accounts")


def _unit_arn(org: Organization, unit_id: str) -> str:
    management, organization = org.management_account_id, org.organization_id
    return f"arn:aws:organizations::{management}:ou/{organization}/{unit_id}"


def _known_parent(org: Organization, parent_id: str) -> None:
    if parent_id != org.root_id and parent_id not in org.units:
        raise OrgError(
            "ParentNotFoundException",
            "We can't find a root or OU with the ParentId that you specified.",
        )


def list_roots(org: Organization, account_id: str, body: Mapping[str, Any]) -> Any:
    """The organization's one root, for the management account or a delegated administrator.

    AWS: "ListRoots" (AWS Organizations API Reference),
    https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListRoots.html
    """
    _managing(org, account_id)
    management, organization = org.management_account_id, org.organization_id
    root = {
        "Id": org.root_id,
        "Arn": f"arn:aws:organizations::{management}:root/{organization}/{org.root_id}",
        "Name": "Root",
        "PolicyTypes": [],
    }
    return _page([root], body, "Roots")


def list_units_for_parent(org: Organization, account_id: str, body: Mapping[str, Any]) -> Any:
    """The OUs directly under a root or an OU (not their children).

    AWS: "ListOrganizationalUnitsForParent" (AWS Organizations API Reference),
    https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListOrganizationalUnitsForParent.html
    """
    _managing(org, account_id)
    parent = str(body.get("ParentId") or "")
    _known_parent(org, parent)
    units = sorted(
        (u for u in org.units.values() if u.parent_id == parent), key=lambda u: u.unit_id
    )
    shapes = [{"Id": u.unit_id, "Arn": _unit_arn(org, u.unit_id), "Name": u.name} for u in units]
    return _page(shapes, body, "OrganizationalUnits")


def list_accounts_for_parent(org: Organization, account_id: str, body: Mapping[str, Any]) -> Any:
    """The accounts directly under a root or an OU.

    AWS: "ListAccountsForParent" (AWS Organizations API Reference),
    https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccountsForParent.html
    """
    _managing(org, account_id)
    parent = str(body.get("ParentId") or "")
    _known_parent(org, parent)
    ids = [each for each in _all_accounts(org) if org.parent_of(each) == parent]
    return _page([_account(org, each) for each in ids], body, "Accounts")


def list_parents(org: Organization, account_id: str, body: Mapping[str, Any]) -> Any:
    """The one parent (root or OU) of an account or an OU.

    AWS: "ListParents" (AWS Organizations API Reference: "In the current release, a child can
    have only a single parent"),
    https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListParents.html
    """
    _managing(org, account_id)
    child = str(body.get("ChildId") or "")
    if child not in org.units and child not in _all_accounts(org):
        raise OrgError(
            "ChildNotFoundException",
            "We can't find an organizational unit (OU) or AWS account "
            "with the ChildId that you specified.",
        )
    parent = org.parent_of(child)
    kind = "ROOT" if parent == org.root_id else "ORGANIZATIONAL_UNIT"
    return _page([{"Id": parent, "Type": kind}], body, "Parents")


Handler = Callable[[Organization, str, Mapping[str, Any]], Any]
OPERATIONS: Mapping[str, Handler] = {
    "DescribeOrganization": describe_organization,
    "ListAccounts": list_accounts,
    "ListRoots": list_roots,
    "ListOrganizationalUnitsForParent": list_units_for_parent,
    "ListAccountsForParent": list_accounts_for_parent,
    "ListParents": list_parents,
}


def _may(environ: WSGIEnviron, key_id: str, account_id: str, operation: str) -> bool:
    """IAM policies allow the call; root and harness keys answer to none."""
    if find_root_caller(key_id) is not None:
        return True
    try:
        return principal_may(environ, account_id, f"organizations:{operation}", "*")
    except CreateAccessKeyFailure:  # a harness key: no IAM principal behind it
        return True


def route_organizations(environ: WSGIEnviron, key_id: str, service: str) -> Response | None:
    """Organizations calls of an account in an emulated organization; the rest to moto.

    AWS: "Permissions reference for AWS Organizations" (AWS Organizations User Guide: each call
    is authorized by the caller's IAM policies, as an ``organizations:`` action),
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_permissions_overview.html
    """
    if service != "organizations":
        return None
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    operation = target.removeprefix(TARGET_PREFIX)
    handler = OPERATIONS.get(operation)
    account_id = account_for(environ, key_id)
    org = extras(account_id).organization
    if handler is None or org is None:
        return None
    request_id = str(uuid.uuid4())
    try:
        if enforcement_active() and not _may(environ, key_id, account_id, operation):
            raise OrgError(
                "AccessDeniedException",
                f"not authorized to perform: organizations:{operation}",
            )
        raw = read_body(environ)
        body = json.loads(raw) if raw.strip() else {}
        answer = handler(org, account_id, body if isinstance(body, dict) else {})
        return json_response(200, answer, request_id, content_type=JSON_11)
    except OrgError as error:
        return json_error(400, error.code, error.message, request_id)


ROUTES.append(route_organizations)
