"""Centralized root access in an AWS Organization: the features and who may manage them."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping

from iamtui.emulator.fidelity.registry import Call, rule
from iamtui.emulator.fidelity.wire import IamError, Response
from iamtui.emulator.state import Organization, OrganizationalUnit, extras

CREDENTIALS_MANAGEMENT = "RootCredentialsManagement"
ROOT_SESSIONS = "RootSessions"
ROOT_FEATURES = (CREDENTIALS_MANAGEMENT, ROOT_SESSIONS)


# ----------------------------------------------------------------------------- organizations


def seed_organization(
    management: str,
    members: Iterable[str] = (),
    *,
    organization_id: str | None = None,
    features: Iterable[str] = (),
    iam_trusted_access: bool = True,
    all_features: bool = True,
    delegated_admin: str | None = None,
) -> Organization:
    """Put accounts in one organization (tests and demos; AWS does this in Organizations)."""
    org = Organization(
        organization_id=organization_id or "o-" + secrets.token_hex(5),
        management_account_id=management,
        member_account_ids=set(members) - {management},
        all_features=all_features,
        iam_trusted_access=iam_trusted_access,
        iam_delegated_admin=delegated_admin,
        root_features=set(features),
    )
    for account_id in {management, *org.member_account_ids}:
        extras(account_id).organization = org
    sync_root_flags(org)
    return org


def add_unit(org: Organization, name: str, parent_id: str | None = None) -> str:
    """Create an OU under the root (or ``parent_id``) and return its id, shaped as AWS's."""
    suffix = org.root_id.removeprefix("r-")
    unit_id = f"ou-{suffix}-{secrets.token_hex(4)}"
    org.units[unit_id] = OrganizationalUnit(unit_id, name, parent_id or org.root_id)
    return unit_id


def sync_root_flags(org: Organization) -> None:
    """Mirror the org's root-credentials feature into each member account's ``RootState``
    (the feature does not cover the management account: IAM User Guide, "Centralize root
    access for member accounts")."""
    enabled = CREDENTIALS_MANAGEMENT in org.root_features
    for account_id in set(org.member_account_ids) - {org.management_account_id}:
        account = extras(account_id)
        with account.lock:
            account.root.centralized_root_access = enabled


def org_error(code: str, message: str) -> IamError:
    """IAM's organization errors use the botocore shape name as their code."""
    return IamError(code, message, 400)


def managing_org(call: Call, *, enabling: bool = False) -> Organization:
    """The caller's organization, if the caller may manage centralized root access in it.

    AWS: "ListOrganizationsFeatures" and "EnableOrganizationsRootCredentialsManagement" (IAM
    API Reference, https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListOrganizationsFeatures.html):
    the errors OrganizationNotFound, OrganizationNotInAllFeaturesMode, ServiceAccessNotEnabled
    and AccountNotManagementOrDelegatedAdministrator.
    """
    org = call.extras.organization
    if org is None:
        raise org_error(
            "OrganizationNotFoundException",
            "The request was rejected because no organization is associated with your account.",
        )
    if not org.all_features:
        raise org_error(
            "OrganizationNotInAllFeaturesModeException",
            "The request was rejected because your organization does not have All features "
            "enabled.",
        )
    if call.account_id not in (org.management_account_id, org.iam_delegated_admin):
        raise org_error(
            "AccountNotManagementOrDelegatedAdministratorException",
            "The request was rejected because the account making the request is not the "
            "management account or delegated administrator account for centralized root access.",
        )
    if enabling and call.account_id != org.management_account_id:
        raise org_error(
            "CallerIsNotManagementAccountException",
            "The request was rejected because the account making the request is not the "
            "management account for the organization.",
        )
    if not org.iam_trusted_access:
        raise org_error(
            "ServiceAccessNotEnabledException",
            "The request was rejected because trusted access is not enabled for IAM in "
            "Organizations.",
        )
    return org


def features_answer(call: Call, org: Organization) -> Response:
    """ListOrganizationsFeatures' shape, shared by the Enable/Disable calls."""
    return call.respond(
        {"OrganizationId": org.organization_id, "EnabledFeatures": sorted(org.root_features)}
    )


@rule("ListOrganizationsFeatures")
def list_organizations_features(call: Call) -> Response:
    """The centralized root access features of the caller's organization (moto lacks it).

    AWS: "ListOrganizationsFeatures" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListOrganizationsFeatures.html
    """
    return features_answer(call, managing_org(call))


_TOGGLES: Mapping[str, tuple[str, bool]] = {
    "EnableOrganizationsRootCredentialsManagement": (CREDENTIALS_MANAGEMENT, True),
    "DisableOrganizationsRootCredentialsManagement": (CREDENTIALS_MANAGEMENT, False),
    "EnableOrganizationsRootSessions": (ROOT_SESSIONS, True),
    "DisableOrganizationsRootSessions": (ROOT_SESSIONS, False),
}


@rule(*_TOGGLES)
def toggle_root_feature(call: Call) -> Response:
    """Enabling needs the management account; disabling may come from the delegated admin.

    AWS: "Centrally manage root access for member accounts" (IAM User Guide),
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html
    """
    feature, enable = _TOGGLES[call.action]
    org = managing_org(call, enabling=enable)
    if enable:
        org.root_features.add(feature)
    else:
        org.root_features.discard(feature)
    sync_root_flags(org)
    return features_answer(call, org)
