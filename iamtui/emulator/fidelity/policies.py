"""Managed policies and the account authorization details that list every entity."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from moto.iam.models import Group, IAMBackend, ManagedPolicy, Role, User

from iamtui.emulator.fidelity.entities import (
    boundary_holders,
    find_role,
    find_user,
    groups_by_user,
    is_aws_managed,
    user_boundary,
)
from iamtui.emulator.fidelity.paging import Listing, serve_pages
from iamtui.emulator.fidelity.registry import Call, rule
from iamtui.emulator.fidelity.roles import refuse_service_linked
from iamtui.emulator.fidelity.wire import Fragment, IamError, Response, to_xml, validation_error


@rule("DeletePolicy")
def delete_policy(call: Call) -> Response:
    """AWS refuses to delete an attached policy or one with non-default versions.

    AWS: "DeletePolicy" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicy.html
    """
    policy = call.backend.managed_policies.get(call.require("PolicyArn"))
    if policy is not None:
        if policy.attachment_count > 0:
            raise IamError("DeleteConflict", "Cannot delete a policy attached to entities.")
        if len(policy.versions) > 1:
            raise IamError(
                "DeleteConflict",
                "This policy has more than one version. Before you delete a policy, you must "
                "delete the policy's versions. The default version is deleted with the policy.",
            )
    return call.forward()


#: Managed policies attached to one user or role, by default (IAM and AWS STS quotas).
MANAGED_POLICIES_PER_PRINCIPAL = 10


@rule("AttachUserPolicy", "AttachRolePolicy")
def attach_within_quota(call: Call) -> Response:
    """AWS refuses an eleventh managed policy on a user or role (LimitExceeded); a
    service-linked role refuses any (its service owns it).

    AWS: "IAM and AWS STS quotas" (IAM User Guide: managed policies per user, per role: 10),
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
    """
    arn = call.require("PolicyArn")
    if call.action == "AttachRolePolicy":
        refuse_service_linked(call)
        holder: Any = find_role(call.backend, call.require("RoleName"))
        quota = "PoliciesPerRole"
    else:
        holder = find_user(call.backend, call.require("UserName"))
        quota = "PoliciesPerUser"
    if (
        holder is not None
        and arn not in holder.managed_policies
        and len(holder.managed_policies) >= MANAGED_POLICIES_PER_PRINCIPAL
    ):
        raise IamError(
            "LimitExceeded", f"Cannot exceed quota for {quota}: {MANAGED_POLICIES_PER_PRINCIPAL}"
        )
    return call.forward()


@rule("GetPolicy")
def get_policy(call: Call) -> Response:
    """GetPolicy counts the users and roles holding the policy as their permissions boundary
    (PermissionsBoundaryUsageCount), which moto leaves out.

    AWS: "GetPolicy" and its "Policy" data type (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_Policy.html
    """
    users, roles = boundary_holders(call.backend, call.require("PolicyArn"))

    def edit(result: ET.Element) -> None:
        policy = result.find("Policy")
        if policy is None:
            return
        for old in policy.findall("PermissionsBoundaryUsageCount"):
            policy.remove(old)
        ET.SubElement(policy, "PermissionsBoundaryUsageCount").text = str(len(users) + len(roles))

    return call.rewrite(call.forward(), edit)


# ------------------------------------------------------------------- authorization details

ENTITY_TYPES = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")
DETAIL_SECTIONS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def attached(policies: Mapping[str, ManagedPolicy]) -> list[dict[str, str]]:
    """AttachedManagedPolicies."""
    return [{"PolicyName": p.name, "PolicyArn": p.arn} for p in policies.values()]


def inline(policies: Mapping[str, str]) -> list[dict[str, str]]:
    """Inline policy lists: documents are URL-encoded in authorization details."""
    return [{"PolicyName": name, "PolicyDocument": quote(doc)} for name, doc in policies.items()]


def role_summary(role: Role) -> dict[str, object]:
    """A role as nested in an instance profile."""
    return {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.id,
        "Arn": role.arn,
        "CreateDate": role.create_date,
        "AssumeRolePolicyDocument": quote(role.assume_role_policy_document or ""),
    }


def user_detail(backend: IAMBackend, user: User, groups: Sequence[Group]) -> dict[str, object]:
    """UserDetail."""
    tags = backend.tagger.list_tags_for_resource(user.arn)["Tags"]
    return {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.id,
        "Arn": user.arn,
        "CreateDate": user.create_date,
        "UserPolicyList": inline(user.policies),
        "GroupList": [g.name for g in groups],
        "AttachedManagedPolicies": attached(user.managed_policies),
        "PermissionsBoundary": user_boundary(user),
        "Tags": tags or None,
    }


def group_detail(group: Group) -> dict[str, object]:
    """GroupDetail."""
    return {
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.id,
        "Arn": group.arn,
        "CreateDate": group.create_date,
        "GroupPolicyList": inline(group.policies),
        "AttachedManagedPolicies": attached(group.managed_policies),
    }


def role_detail(role: Role, profiles: Sequence[Any]) -> dict[str, object]:
    """RoleDetail, with its instance profiles and last use."""
    return {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.id,
        "Arn": role.arn,
        "CreateDate": role.create_date,
        "AssumeRolePolicyDocument": quote(role.assume_role_policy_document or ""),
        "InstanceProfileList": [
            {
                "Path": profile.path,
                "InstanceProfileName": profile.name,
                "InstanceProfileId": profile.id,
                "Arn": profile.arn,
                "CreateDate": profile.create_date,
                "Roles": [role_summary(r) for r in profile.roles],
            }
            for profile in profiles
        ],
        "RolePolicyList": inline(role.policies),
        "AttachedManagedPolicies": attached(role.managed_policies),
        "PermissionsBoundary": role.permissions_boundary,
        "Tags": list(role.tags) or None,
        "RoleLastUsed": {"LastUsedDate": role.last_used, "Region": role.last_used_region},
    }


def policy_detail(policy: ManagedPolicy, boundary_uses: int) -> dict[str, object]:
    """ManagedPolicyDetail, with every version's document (URL-encoded)."""
    return {
        "PolicyName": policy.name,
        "PolicyId": policy.id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": policy.attachment_count,
        "PermissionsBoundaryUsageCount": boundary_uses,
        "IsAttachable": True,
        "Description": policy.description or None,
        "CreateDate": policy.create_date,
        "UpdateDate": policy.update_date,
        "PolicyVersionList": [
            {
                "Document": quote(version.document),
                "VersionId": version.version_id,
                "IsDefaultVersion": version.is_default,
                "CreateDate": version.create_date,
            }
            for version in policy.versions
        ],
    }


def authorization_details(backend: IAMBackend, wanted: set[str]) -> Listing:
    """All four lists as one pageable sequence, built from moto's objects in one pass."""
    items: list[tuple[str, Fragment]] = []

    def add(section: str, data: Mapping[str, object]) -> None:
        items.append((section, Fragment(f"<member>{to_xml(data)}</member>")))

    users = list(backend.users.values())
    roles = list(backend.roles.values())
    if "User" in wanted:
        memberships = groups_by_user(backend)
        for user in users:
            add("UserDetailList", user_detail(backend, user, memberships.get(user.name, [])))
    if "Group" in wanted:
        for group in list(backend.groups.values()):
            add("GroupDetailList", group_detail(group))
    if "Role" in wanted:
        profiles_by_role: dict[str, list[Any]] = defaultdict(list)
        for profile in list(backend.instance_profiles.values()):
            for member in profile.roles:
                profiles_by_role[member.id].append(profile)
        for role in roles:
            add("RoleDetailList", role_detail(role, profiles_by_role.get(role.id, [])))
    boundary_uses: dict[str, int] = defaultdict(int)
    for user in users:
        if boundary := user_boundary(user):
            boundary_uses[boundary["PermissionsBoundaryArn"]] += 1
    for role in roles:
        if role.permissions_boundary_arn:
            boundary_uses[role.permissions_boundary_arn] += 1
    for policy in list(backend.managed_policies.values()):
        aws_managed = is_aws_managed(policy.arn)
        kind = "AWSManagedPolicy" if aws_managed else "LocalManagedPolicy"
        in_use = policy.attachment_count > 0 or boundary_uses.get(policy.arn, 0) > 0
        if kind in wanted and (in_use or not aws_managed):
            add("Policies", policy_detail(policy, boundary_uses.get(policy.arn, 0)))
    return Listing([(name, None) for name in DETAIL_SECTIONS], items)


@rule("GetAccountAuthorizationDetails")
def get_account_authorization_details(call: Call) -> Response:
    """Paged like AWS, URL-encoded documents, policy names, user boundaries; AWS-managed
    policies only when in use.

    AWS: "GetAccountAuthorizationDetails" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
    """
    wanted = set(call.members("Filter")) or set(ENTITY_TYPES)
    if unknown := wanted - set(ENTITY_TYPES):
        raise validation_error(
            f"1 validation error detected: Value '{sorted(unknown)}' at 'filter' failed to "
            f"satisfy constraint: Member must satisfy enum value set: [{', '.join(ENTITY_TYPES)}]"
        )
    return serve_pages(call, lambda: authorization_details(call.backend, wanted))
