"""Organization-critical roles: reported like any role, never deleted or quarantined by iamtui.

These roles are how an AWS Organization, Control Tower, IAM Identity Center, CloudFormation
StackSets and CDK reach into the account. They often look unused from inside it (the management
account uses them rarely) and removing one locks the organization out or breaks every deploy.
The built-in list extends with ``[protected] roles = [...]`` in the config file; it cannot be
shortened from there.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import lru_cache

from iamtui.core.settings import Settings

#: (glob on the role name, who relies on it). Role names are case-insensitive in IAM.
DEFAULT_PROTECTED_ROLES: tuple[tuple[str, str], ...] = (
    ("OrganizationAccountAccessRole", "AWS Organizations access from the management account"),
    ("AWSControlTowerExecution", "AWS Control Tower"),
    ("AWSControlTower*", "AWS Control Tower"),
    ("aws-controltower-*", "AWS Control Tower"),
    ("AWSAFTExecution", "Control Tower Account Factory for Terraform"),
    ("AWSAFTService", "Control Tower Account Factory for Terraform"),
    ("AWSReservedSSO_*", "IAM Identity Center permission sets"),
    ("AWSCloudFormationStackSetExecutionRole", "CloudFormation StackSets (self-managed)"),
    ("AWSCloudFormationStackSetAdministrationRole", "CloudFormation StackSets (self-managed)"),
    ("stacksets-exec-*", "CloudFormation StackSets (service-managed)"),
    ("cdk-hnb659fds-*", "the AWS CDK bootstrap stack"),
)


def _name_of(role: str) -> str:
    """A role ARN's last path segment is its name; a bare name is returned as is."""
    return role.rsplit("/", 1)[-1] if role.startswith("arn:") else role


def _match(pattern: str, role: str, name: str) -> bool:
    """ARN globs match the ARN, name globs the name; both ignoring case as IAM role names do."""
    target = role if pattern.lower().startswith("arn:") else name
    return fnmatchcase(target.lower(), pattern.lower())


def protection_reason(role: str, settings: Settings) -> str | None:
    """Why a role (name or ARN) must not be deleted or quarantined, or None when it may be.

    The built-in list comes first, then the config's ``[protected] roles`` globs.
    """
    return _reason(role, settings.protected_roles)


@lru_cache(maxsize=1 << 15)
def _reason(role: str, configured: tuple[str, ...]) -> str | None:
    """``protection_reason``, once per role and list: three rules ask for each of 5,000 roles."""
    name = _name_of(role)
    for pattern, owner in DEFAULT_PROTECTED_ROLES:
        if _match(pattern, role, name):
            return f"organization-critical role ({owner}; built-in pattern {pattern})"
    for pattern in configured:
        if _match(pattern, role, name):
            return f"protected role (config [protected] roles: {pattern})"
    return None
