"""principal.rightsize's steps on hand-built reads and rewrites (no emulator): the ARNs they
build and the order of a copy's calls."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from builders import snapshot

from iamtui.core.actions.catalog.principal_rightsize import copy_steps
from iamtui.core.actions.rightsize_reads import ManagedRead, _entities
from iamtui.core.plan import Target
from iamtui.core.rightsize import Grant, Method, Rewrite

CN_ACCOUNT = "123456789012"
CN_ROLE = f"arn:aws-cn:iam::{CN_ACCOUNT}:role/app"
SHARED = f"arn:aws-cn:iam::{CN_ACCOUNT}:policy/shared"
OLD = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
NEW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}


def shared_read(arn: str = SHARED) -> ManagedRead:
    return ManagedRead(
        arn=arn,
        name=arn.rsplit("/", 1)[-1],
        default_version="v1",
        document=OLD,
        attachment_count=2,
        versions=(),
        attached_to=(CN_ROLE, f"arn:aws-cn:iam::{CN_ACCOUNT}:role/other"),
    )


def copy_rewrite(read: ManagedRead, **grant: Any) -> Rewrite:
    return Rewrite(
        Grant("managed", read.name, read.document, arn=read.arn, **grant),
        Method.COPY_AND_DETACH,
        NEW,
        new_policy_name="iamtui-rightsized-role-app-shared",
    )


def test_the_copy_of_a_china_partition_policy_is_an_aws_cn_arn() -> None:
    read = shared_read()
    steps = copy_steps(Target("role", "app", CN_ROLE), read, copy_rewrite(read), CN_ACCOUNT)
    attach = next(s for s in steps if s.call.operation == "AttachRolePolicy")
    assert attach.call.params["PolicyArn"] == (
        f"arn:aws-cn:iam::{CN_ACCOUNT}:policy/iamtui-rightsized-role-app-shared"
    )
    assert all("arn:aws:" not in repr(s) for s in steps)


class _Pages:
    def __init__(self, page: dict[str, Any]) -> None:
        self.page = page

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return [self.page]


def test_holders_missing_from_the_snapshot_get_arns_in_the_principals_partition() -> None:
    page = {"PolicyRoles": [{"RoleName": "app"}, {"RoleName": "gone"}], "PolicyUsers": []}
    planner = SimpleNamespace(
        snapshot=snapshot(), iam=SimpleNamespace(get_paginator=lambda _: _Pages(page))
    )
    found = _entities(planner, SHARED, ("role", "app", CN_ROLE))  # type: ignore[arg-type]
    assert found == (CN_ROLE, f"arn:aws-cn:iam::{CN_ACCOUNT}:role/gone")
