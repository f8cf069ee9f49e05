"""The fresh reads ``principal.rightsize`` plans from: the user or role, its inline documents
and its attached managed policies (default document, versions, who else holds each), and the
refusals that compare them with the data the operator reviewed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from iamtui.core import rightsize
from iamtui.core.actions import reads
from iamtui.core.actions.checks import OP_KIND, PARAM, policy_name
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.loader import as_utc, policy_document
from iamtui.core.model import AttachedPolicy, InlinePolicy, Role, Tag, User, same_name
from iamtui.core.plan import JSON, Target
from iamtui.core.rightsize import Grant

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner


@dataclass(frozen=True, slots=True)
class ManagedRead:
    """One attached managed policy as read now."""

    arn: str
    name: str
    default_version: str
    document: JSON
    attachment_count: int
    #: (version id, create date), oldest first (customer-managed policies only).
    versions: tuple[tuple[str, datetime], ...]
    attached_to: tuple[str, ...]
    #: At AWS's five versions: (id, document) of the oldest non-default one, which a new
    #: version replaces.
    oldest: tuple[str, JSON] | None = None
    #: Users and roles holding it as their permissions boundary (GetPolicy's
    #: PermissionsBoundaryUsageCount): a new version would change their boundaries too.
    boundary_count: int = 0

    @property
    def aws_managed(self) -> bool:
        """AWS-managed policies live in the ``aws`` pseudo-account."""
        return self.arn.split(":")[4] == "aws"


@dataclass(frozen=True, slots=True)
class Fresh:
    """The principal and its own policies as IAM has them now."""

    principal: User | Role
    target: Target
    inline: Mapping[str, JSON]
    managed: tuple[ManagedRead, ...]


def _entities(planner: Planner, arn: str, me: tuple[str, str, str]) -> tuple[str, ...]:
    """Every user, group and role ARN the policy is attached to (ListEntitiesForPolicy; without
    its PermissionsPolicy filter AWS lists the principals holding it as a boundary too)."""
    account = planner.snapshot.account_id
    partition = rightsize.arn_partition(me[2])
    found: list[str] = []
    for page in planner.iam.get_paginator("list_entities_for_policy").paginate(
        PolicyArn=arn, PolicyUsageFilter="PermissionsPolicy"
    ):
        for kind, key, field in (
            ("user", "PolicyUsers", "UserName"),
            ("group", "PolicyGroups", "GroupName"),
            ("role", "PolicyRoles", "RoleName"),
        ):
            for entity in page.get(key, ()):
                name = str(entity[field])
                if kind == me[0] and same_name(name, me[1]):
                    found.append(me[2])
                    continue
                known: Any = getattr(planner.snapshot, kind)(name)
                found.append(
                    known.arn
                    if known is not None
                    else f"arn:{partition}:iam::{account}:{kind}/{name}"
                )
    return tuple(found)


def _managed(planner: Planner, arn: str, me: tuple[str, str, str]) -> ManagedRead:
    iam = planner.iam
    try:
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
    except ClientError as exc:
        if reads.missing(exc):
            raise reads.NotFound(f"policy {arn} does not exist") from exc
        raise
    default = str(policy["DefaultVersionId"])
    raw = iam.get_policy_version(PolicyArn=arn, VersionId=default)["PolicyVersion"]
    versions: tuple[tuple[str, datetime], ...] = ()
    if arn.split(":")[4] != "aws":
        listed = reads.pages(iam, "list_policy_versions", "Versions", PolicyArn=arn)
        versions = tuple(
            sorted(
                ((str(v["VersionId"]), as_utc(v["CreateDate"])) for v in listed),
                key=lambda v: (v[1], int(v[0].lstrip("v") or 0) if v[0][1:].isdigit() else 0),
            )
        )
    oldest: tuple[str, JSON] | None = None
    if len(versions) >= rightsize.POLICY_VERSIONS_MAX:
        vid = next(v for v, _ in versions if v != default)
        body = iam.get_policy_version(PolicyArn=arn, VersionId=vid)["PolicyVersion"]
        oldest = (vid, policy_document(body["Document"]))
    return ManagedRead(
        arn=arn,
        name=str(policy["PolicyName"]),
        default_version=default,
        document=policy_document(raw["Document"]),
        attachment_count=int(policy.get("AttachmentCount", 0)),
        boundary_count=int(policy.get("PermissionsBoundaryUsageCount") or 0),
        versions=versions,
        attached_to=_entities(planner, arn, me),
        oldest=oldest,
    )


def read_fresh(planner: Planner, kind: str, name: str) -> Fresh:
    """The principal (with tags), its inline documents and its attached policies, read now."""
    iam = planner.iam
    reviewed = planner.snapshot.user(name) if kind == "user" else planner.snapshot.role(name)
    try:
        raw = (
            iam.get_user(UserName=name)["User"]
            if kind == "user"
            else iam.get_role(RoleName=name)["Role"]
        )
    except ClientError as exc:
        if reads.missing(exc):
            raise reads.NotFound(f"{kind} {name} does not exist") from exc
        raise
    tags = tuple(Tag(str(t["Key"]), str(t["Value"])) for t in raw.get("Tags") or ())
    boundary = (raw.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    inline = reads.user_inline(iam, name) if kind == "user" else reads.role_inline(iam, name)
    method = "list_attached_user_policies" if kind == "user" else "list_attached_role_policies"
    attached = tuple(
        AttachedPolicy(str(p["PolicyArn"]), str(p["PolicyName"]))
        for p in reads.pages(iam, method, "AttachedPolicies", **{PARAM[kind]: name})
    )
    me = (kind, str(raw[f"{OP_KIND[kind]}Name"]), str(raw["Arn"]))
    managed = tuple(_managed(planner, a.arn, me) for a in attached)
    created = as_utc(raw["CreateDate"])
    inline_policies = tuple(InlinePolicy(n, d) for n, d in inline.items())
    principal: User | Role
    if kind == "user":
        principal = User(
            name=me[1],
            arn=me[2],
            user_id=str(raw["UserId"]),
            path=str(raw.get("Path", "/")),
            create_date=created,
            groups=reviewed.groups if isinstance(reviewed, User) else (),
            inline_policies=inline_policies,
            attached_policies=attached,
            permissions_boundary=boundary,
            tags=tags,
        )
        target = Target("user", me[1], me[2], str(raw["UserId"]))
    else:
        used = (raw.get("RoleLastUsed") or {}).get("LastUsedDate")
        principal = Role(
            name=me[1],
            arn=me[2],
            role_id=str(raw["RoleId"]),
            path=str(raw.get("Path", "/")),
            create_date=created,
            trust_policy=policy_document(raw.get("AssumeRolePolicyDocument")),
            inline_policies=inline_policies,
            attached_policies=attached,
            permissions_boundary=boundary,
            tags=tags,
            last_used=as_utc(used) if used else None,
        )
        target = Target("role", me[1], me[2], str(raw["RoleId"]))
    return Fresh(principal, target, inline, managed)


def grants(planner: Planner, fresh: Fresh) -> tuple[Grant, ...]:
    """The grants ``propose`` weighs: own policies read now, a user's group policies as the
    reviewed data has them (reported, never rewritten)."""
    out = [Grant("inline", name, document) for name, document in fresh.inline.items()]
    out += [
        Grant(
            "managed",
            m.name,
            m.document,
            arn=m.arn,
            aws_managed=m.aws_managed,
            attached_to=m.attached_to,
            default_version_id=m.default_version,
            version_ids=tuple(v for v, _ in m.versions),
            boundary_count=m.boundary_count,
        )
        for m in fresh.managed
    ]
    if isinstance(fresh.principal, User):
        for group_name in fresh.principal.groups:
            group = planner.snapshot.group(group_name)
            if group is None:
                continue
            out += [
                Grant("inline", p.name, p.document, via_group=group.name)
                for p in group.inline_policies
            ]
            for attachment in group.attached_policies:
                policy = planner.snapshot.policy(attachment.arn)
                if policy is not None and policy.document is not None:
                    out.append(
                        Grant(
                            "managed",
                            policy.name,
                            policy.document,
                            arn=policy.arn,
                            aws_managed=policy.aws_managed,
                            via_group=group.name,
                        )
                    )
    return tuple(out)


def refuse_if_changed(planner: Planner, fresh: Fresh) -> None:
    """The operator reviewed the policies as loaded: a change since voids the proposal."""
    kind, name = fresh.target.kind, fresh.target.name
    reviewed = planner.snapshot.user(name) if kind == "user" else planner.snapshot.role(name)
    if reviewed is None:
        raise ActionRefused(
            f"{kind} {name} is not in the data you reviewed (loaded {planner.data_time()}): "
            "reload and review before acting"
        )
    was = {p.name: reads.canonical(p.document) for p in reviewed.inline_policies}
    now = {n: reads.canonical(d) for n, d in fresh.inline.items()}
    changed: list[str] = [
        f"inline policy {n}" for n in sorted(set(was) | set(now)) if was.get(n) != now.get(n)
    ]
    was_attached = {p.arn for p in reviewed.attached_policies}
    now_attached = {m.arn for m in fresh.managed}
    changed += [f"attachment of {policy_name(a)}" for a in sorted(was_attached ^ now_attached)]
    for managed in fresh.managed:
        known = planner.snapshot.policy(managed.arn)
        if (
            known is not None
            and known.document is not None
            and reads.canonical(known.document) != reads.canonical(managed.document)
        ):
            changed.append(f"managed policy {managed.name}")
    if changed:
        raise ActionRefused(
            f"the policies of {kind} {name} changed since the data you reviewed (loaded "
            f"{planner.data_time()}): {', '.join(changed)}: reload and review before acting"
        )


def refuse_self(planner: Planner, target: Target) -> None:
    """Right-sizing the session's own principal could take away what iamtui needs next."""
    ident = planner.caller.identity
    mine = ident.user_name if target.kind == "user" else ident.role_name
    if mine is not None and same_name(mine, target.name):
        raise ActionRefused(
            f"{target.kind} {target.name} is who this iamtui session runs as ({ident.arn}): "
            "right-sizing it could lock the session out; act on it from other credentials"
        )
