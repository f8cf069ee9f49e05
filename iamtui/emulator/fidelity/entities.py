"""Lookups on moto's IAM objects that several areas share."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from moto.iam.models import Group, IAMBackend, ManagedPolicy, Role, User

SERVICE_LINKED_PATH = "/aws-service-role/"
#: Attribute set on moto ``User`` objects: when the console password was last set.
PASSWORD_CHANGED_ATTR = "password_last_changed"
#: Attribute set on moto ``User`` objects; moto's serializer emits it as PermissionsBoundary.
BOUNDARY_ATTR = "permissions_boundary"


def naive_utc(value: datetime) -> datetime:
    """Aware or naive (moto) datetimes, compared as aware UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def find_user(backend: IAMBackend, name: str | None) -> User | None:
    """A moto user by name."""
    return backend.users.get(name) if name else None


def find_role(backend: IAMBackend, name: str | None) -> Role | None:
    """A moto role by name (moto keys roles by id)."""
    return next((r for r in list(backend.roles.values()) if r.name == name), None)


def groups_by_user(backend: IAMBackend) -> dict[str, list[Group]]:
    """User name -> its groups, computed once (moto scans every group per user)."""
    found: dict[str, list[Group]] = defaultdict(list)
    for group in list(backend.groups.values()):
        for member in group.users:
            found[member.name].append(group)
    return found


def default_document(policy: ManagedPolicy) -> str:
    """The default version's JSON text of a managed policy."""
    for version in policy.versions:
        if version.is_default:
            return version.document
    return policy.versions[0].document if policy.versions else ""


def is_aws_managed(arn: str) -> bool:
    """AWS-managed policies live in the ``aws`` pseudo-account."""
    return arn.split(":")[4] == "aws"


def user_boundary(user: User) -> dict[str, str] | None:
    """A user's permissions boundary (moto has none; PutUserPermissionsBoundary sets it here)."""
    value = getattr(user, BOUNDARY_ATTR, None)
    return value if isinstance(value, dict) and value else None


def service_linked(role: Role) -> bool:
    """Roles owned by an AWS service."""
    return role.path.startswith(SERVICE_LINKED_PATH)


def boundary_holders(backend: IAMBackend, arn: str) -> tuple[list[User], list[Role]]:
    """The users and roles whose permissions boundary is this policy."""
    users = [
        user
        for user in list(backend.users.values())
        if (user_boundary(user) or {}).get("PermissionsBoundaryArn") == arn
    ]
    roles = [role for role in list(backend.roles.values()) if role.permissions_boundary_arn == arn]
    return users, roles
