"""Right-sizing test material: principals holding one policy per rewrite method, their recorded
use, and the state undo must restore.

The seed is straight into moto's objects (no permission needed, dates set freely).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from test_actions_support import TRUST_EC2

from iamtui.core.loader import load_last_accessed
from iamtui.core.model import AccountSnapshot
from iamtui.core.session import Connection
from iamtui.emulator.seed import Seeder
from iamtui.emulator.server import Emulator

ACCOUNT = "123456789012"


def allow(*actions: str) -> dict[str, Any]:
    """One Allow statement per action (so a service can be dropped statement by statement)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": a, "Resource": "*"} for a in actions],
    }


#: Used: s3 (recently). Everything else below goes unused.
OWN = allow("s3:GetObject", "sqs:SendMessage")
SHARED = allow("s3:ListBucket", "sns:Publish")
UNUSED = allow("dynamodb:GetItem")
MIXED = allow("s3:PutObject", "kms:Decrypt")
DEAD = allow("sqs:ReceiveMessage")


def arn_of(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def seed_principal(
    emulator: Emulator,
    kind: str,
    name: str,
    *,
    versions: int = 1,
    now: datetime | None = None,
    shared_with: str = "",
) -> None:
    """A user or role, 200 days old, with: its own customer policy (``versions`` versions, the
    last but one default when there are several), a policy shared with ``shared_with`` (a role,
    created when missing), an unused managed policy, a half-used and an unused inline policy;
    s3 used a day ago."""
    now = now or datetime.now(UTC)
    seeder = Seeder(emulator.backend(), emulator.extras(), now)
    backend = emulator.backend()
    old = now - timedelta(days=200)
    own = seeder.managed_policy(f"{name}-own", OWN, created=old).arn
    for number in range(2, versions + 1):
        document = allow("s3:GetObject", "sqs:SendMessage", f"sqs:Tag{number}Queue")
        backend.create_policy_version(own, json.dumps(document), set_as_default=False)
    if versions >= 3:
        backend.set_default_policy_version(own, f"v{versions - 1}")
    shared_arn = arn_of("policy", "rs-shared")
    if shared_arn not in backend.managed_policies:
        seeder.managed_policy("rs-shared", SHARED, created=old)
    unused = arn_of("policy", "rs-unused")
    if unused not in backend.managed_policies:
        seeder.managed_policy("rs-unused", UNUSED, created=old)
    managed = (own, shared_arn, unused)
    inline = {"Mixed": MIXED, "Dead": DEAD}
    if kind == "user":
        seeder.user(name, created=old, managed=managed, inline=inline)
    else:
        seeder.role(name, trust=TRUST_EC2, created=old, managed=managed, inline=inline)
    if shared_with and shared_with not in {r.name for r in backend.roles.values()}:
        seeder.role(shared_with, trust=TRUST_EC2, created=old, managed=(shared_arn,))
    emulator.extras().record_usage(arn_of(kind, name), "s3", now - timedelta(days=1))


def with_data(conn: Connection, snapshot: AccountSnapshot, *arns: str) -> AccountSnapshot:
    """The snapshot with the principals' last-accessed data, as the operator would load it."""
    return snapshot.with_last_accessed(*(load_last_accessed(conn, arn) for arn in arns))


# --- state undo restores ------------------------------------------------------------------


def _document(raw: Any) -> Any:
    return json.loads(raw) if isinstance(raw, str) else raw


def _canon(document: Any) -> str:
    return json.dumps(_document(document), sort_keys=True)


def policy_state(iam: Any, arn: str) -> dict[str, Any]:
    """A customer policy's default document and every version's document (ids aside)."""
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    documents = []
    default = None
    for version in versions:
        body = iam.get_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
        document = _canon(body["PolicyVersion"]["Document"])
        documents.append(document)
        if version["IsDefaultVersion"]:
            default = document
    return {"default": default, "versions": sorted(documents), "count": len(versions)}


def principal_state(iam: Any, kind: str, name: str) -> dict[str, Any]:
    """Attachments, inline documents, and every customer policy in the account."""
    op = "user" if kind == "user" else "role"
    param = {"UserName": name} if kind == "user" else {"RoleName": name}
    attached = iam.get_paginator(f"list_attached_{op}_policies").paginate(**param)
    inline_names = [
        n
        for page in iam.get_paginator(f"list_{op}_policies").paginate(**param)
        for n in page["PolicyNames"]
    ]
    get_inline = getattr(iam, f"get_{op}_policy")
    policies = [
        p
        for page in iam.get_paginator("list_policies").paginate(Scope="Local")
        for p in page["Policies"]
    ]
    return {
        "attached": sorted(a["PolicyArn"] for page in attached for a in page["AttachedPolicies"]),
        "inline": {
            n: _canon(get_inline(**param, PolicyName=n)["PolicyDocument"]) for n in inline_names
        },
        "policies": {p["Arn"]: policy_state(iam, p["Arn"]) for p in policies},
    }
