"""Benchmark: evaluate every rule on a quota-sized account (5,000 users, 5,000 roles).

Run: ``.venv/bin/python bench/rules.py``. Prints figures only; the target is < 1 s.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from iamtui.core.model import (
    AccessAnalyzerState,
    AccessKey,
    AccountSnapshot,
    AccountSummary,
    AttachedPolicy,
    CallerIdentity,
    CredentialReport,
    CredentialReportRow,
    Group,
    InlinePolicy,
    LastAccessed,
    ManagedPolicy,
    Missing,
    PasswordPolicy,
    PolicyDocument,
    PrincipalDetail,
    ReportCert,
    ReportKey,
    Role,
    ServiceAccess,
    User,
)
from iamtui.core.rules import evaluate

ACCOUNT = "123456789012"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
NA = Missing.NOT_APPLICABLE
SERVICES = [
    "s3", "ec2", "iam", "lambda", "dynamodb", "sqs", "sns", "kms", "logs", "cloudwatch",
    "sts", "ecr", "ecs", "rds", "secretsmanager", "ssm", "kinesis", "glue", "athena", "events",
]  # fmt: skip
GITHUB = "token.actions.githubusercontent.com"
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"]


def days_ago(rng: random.Random, low: float, high: float) -> datetime:
    return NOW - timedelta(days=rng.uniform(low, high))


def document(rng: random.Random, admin: bool = False) -> PolicyDocument:
    statements: list[dict[str, Any]] = [
        {
            "Sid": f"S{i}",
            "Effect": rng.choice(["Allow", "Allow", "Deny"]),
            "Action": [f"{rng.choice(SERVICES)}:{verb}*" for verb in ("Get", "List", "Put")],
            "Resource": f"arn:aws:s3:::bucket-{i}/*",
        }
        for i in range(rng.randint(3, 12))
    ]
    if admin:
        statements.append({"Effect": "Allow", "Action": "*", "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


def policies(rng: random.Random) -> list[ManagedPolicy]:
    found = []
    for i in range(300):
        aws = i < 100
        name = "AdministratorAccess" if i == 0 else f"{'Aws' if aws else 'Team'}Policy{i}"
        found.append(
            ManagedPolicy(
                arn=f"arn:aws:iam::{'aws' if aws else ACCOUNT}:policy/{name}",
                name=name,
                policy_id=f"ANPA{i:016d}",
                path="/",
                default_version_id="v1",
                attachment_count=0 if i % 17 == 0 else rng.randint(1, 50),
                permissions_boundary_usage_count=0,
                is_attachable=True,
                create_date=days_ago(rng, 300, 2000),
                update_date=days_ago(rng, 10, 300),
                document=document(rng, admin=i == 0 or i % 97 == 0),
            )
        )
    return found


def attach(
    rng: random.Random, pool: list[ManagedPolicy], low: int, high: int
) -> tuple[AttachedPolicy, ...]:
    return tuple(AttachedPolicy(p.arn, p.name) for p in rng.sample(pool, rng.randint(low, high)))


def report_key(rng: random.Random) -> ReportKey:
    if rng.random() < 0.4:
        return ReportKey(False, NA, NA, NA, NA)
    used = days_ago(rng, 0, 400) if rng.random() < 0.8 else None
    return ReportKey(
        active=rng.random() < 0.85,
        last_rotated=days_ago(rng, 1, 900),
        last_used=used or NA,
        last_used_region=rng.choice(REGIONS) if used else NA,
        last_used_service=rng.choice(SERVICES) if used else NA,
    )


def root_row() -> CredentialReportRow:
    return CredentialReportRow(
        user="<root_account>",
        arn=f"arn:aws:iam::{ACCOUNT}:root",
        user_creation_time=NOW - timedelta(days=3000),
        password_enabled=Missing.NOT_SUPPORTED,
        password_last_used=NOW - timedelta(days=12),
        password_last_changed=Missing.NOT_SUPPORTED,
        password_next_rotation=Missing.NOT_SUPPORTED,
        mfa_active=True,
        access_key_1=ReportKey(False, NA, NA, NA, NA),
        access_key_2=ReportKey(False, NA, NA, NA, NA),
        cert_1=ReportCert(False, NA),
        cert_2=ReportCert(False, NA),
    )


def build() -> AccountSnapshot:
    rng = random.Random(42)
    managed = policies(rng)
    groups = [
        Group(
            name=f"group-{i}",
            arn=f"arn:aws:iam::{ACCOUNT}:group/group-{i}",
            group_id=f"AGPA{i:016d}",
            path="/",
            create_date=days_ago(rng, 500, 2000),
            attached_policies=attach(rng, managed, 1, 3),
            inline_policies=(InlinePolicy("inline", document(rng)),) if i % 5 == 0 else (),
        )
        for i in range(50)
    ]
    users, rows, details = [], [], []
    no_cert = ReportCert(False, NA)
    for i in range(5000):
        name = f"user-{i:04d}"
        user = User(
            name=name,
            arn=f"arn:aws:iam::{ACCOUNT}:user/{name}",
            user_id=f"AIDA{i:016d}",
            path="/",
            create_date=days_ago(rng, 1, 2000),
            groups=tuple(g.name for g in rng.sample(groups, rng.randint(0, 3))),
            attached_policies=attach(rng, managed, 0, 2) if rng.random() < 0.2 else (),
            inline_policies=(InlinePolicy("own", document(rng)),) if rng.random() < 0.1 else (),
        )
        users.append(user)
        password = rng.random() < 0.3
        keys = (report_key(rng), report_key(rng))
        rows.append(
            CredentialReportRow(
                user=name,
                arn=user.arn,
                user_creation_time=user.create_date,
                password_enabled=password,
                password_last_used=days_ago(rng, 0, 300) if password else NA,
                password_last_changed=days_ago(rng, 0, 600) if password else NA,
                password_next_rotation=NA,
                mfa_active=password and rng.random() < 0.7,
                access_key_1=keys[0],
                access_key_2=keys[1],
                cert_1=no_cert,
                cert_2=no_cert,
            )
        )
        if i % 10 == 0:
            access_keys = tuple(
                AccessKey(f"AKIA{i:012d}{n}", "Active", k.last_rotated)
                for n, k in enumerate(keys)
                if isinstance(k.last_rotated, datetime)
            )
            details.append(PrincipalDetail(user.arn, NOW, access_keys=access_keys))
    roles = []
    for i in range(5000):
        kind = rng.random()
        if kind < 0.5:
            principal: dict[str, Any] = {"Service": f"{rng.choice(SERVICES)}.amazonaws.com"}
        elif kind < 0.9:
            principal = {"AWS": f"arn:aws:iam::{rng.randint(10**11, 10**12 - 1)}:root"}
        else:
            principal = {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"}
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": principal,
            "Action": "sts:AssumeRole",
        }
        if rng.random() < 0.5:
            statement["Condition"] = {"StringEquals": {"sts:ExternalId": f"ext-{i}"}}
        path = "/aws-service-role/" if i % 10 == 0 else "/"
        used = rng.random() < 0.8
        roles.append(
            Role(
                name=f"role-{i:04d}",
                arn=f"arn:aws:iam::{ACCOUNT}:role{path}role-{i:04d}",
                role_id=f"AROA{i:016d}",
                path=path,
                create_date=days_ago(rng, 1, 2000),
                trust_policy={"Version": "2012-10-17", "Statement": [statement]},
                attached_policies=attach(rng, managed, 1, 3),
                inline_policies=(InlinePolicy("inline", document(rng)),)
                if rng.random() < 0.3
                else (),
                last_used=days_ago(rng, 0, 400) if used else None,
                last_used_region=rng.choice(REGIONS) if used else None,
            )
        )
    principals: list[User | Role] = [*users, *roles]
    last_accessed = [
        LastAccessed(
            principal_arn=p.arn,
            granularity="SERVICE_LEVEL",
            completed_at=NOW,
            services=tuple(
                ServiceAccess(s, s, days_ago(rng, 0, 400) if rng.random() < 0.6 else None)
                for s in SERVICES
            ),
        )
        for p in rng.sample(principals, 1000)
    ]
    return AccountSnapshot(
        account_id=ACCOUNT,
        loaded_at=NOW,
        caller=CallerIdentity(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/auditor", "AIDAAUDITOR"),
        alias="bench",
        users=tuple(users),
        groups=tuple(groups),
        roles=tuple(roles),
        policies=tuple(managed),
        credential_report=CredentialReport(NOW - timedelta(hours=2), tuple(rows), root=root_row()),
        summary=AccountSummary(mfa_enabled=True, access_keys_present=False),
        password_policy=PasswordPolicy(minimum_password_length=12),
        last_accessed={la.principal_arn: la for la in last_accessed},
        details={d.principal_arn: d for d in details},
        # The account-wide parts issue 13 reads, loaded and empty, so their rules run too.
        service_credentials=(),
        server_certificates=(),
        access_analyzer=AccessAnalyzerState("us-east-1"),
        instance_profiles=(),
        identity_providers=(),
    )


def seeded() -> AccountSnapshot:
    """The Foundation benchmark's account: seed_scale on the emulator, loaded over HTTP."""
    import logging

    from iamtui.core.loader import load_account
    from iamtui.core.session import ConnectionSettings, connect
    from iamtui.emulator.seed import seed_scale
    from iamtui.emulator.server import Emulator

    logging.getLogger("werkzeug").disabled = True
    with Emulator() as emulator:
        seed_scale(emulator.backend(), emulator.extras(), users=5000, roles=5000, now=NOW)
        settings = ConnectionSettings(
            endpoint_url=emulator.endpoint_url, static_credentials=("testing", "testing")
        )
        return load_account(connect(settings))


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Time rule evaluation on 5,000 + 5,000.")
    parser.add_argument(
        "--seeded",
        action="store_true",
        help="evaluate the emulator account seeded by bench/load.py's seed_scale "
        "(default: a hand-built, deliberately dirtier snapshot)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    snapshot = seeded() if args.seeded else build()
    built = time.perf_counter() - started
    s = snapshot
    print(
        f"built snapshot in {built:.2f} s: {len(s.users)} users, {len(s.roles)} roles, "
        f"{len(s.groups)} groups, {len(s.policies)} policies"
    )
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        result = evaluate(snapshot, now=NOW)
        timings.append(time.perf_counter() - started)
    median, first, low, high = statistics.median(timings), timings[0], min(timings), max(timings)
    print(
        f"evaluate(): median {median:.3f} s of 5 "
        f"(first, with cold caches, {first:.3f} s; min {low:.3f} s, max {high:.3f} s)"
    )
    print(f"{len(result.findings)} findings, {len(result.not_evaluated)} rules not evaluated")
    by_rule: dict[str, int] = {}
    for finding in result.findings:
        by_rule[finding.rule] = by_rule.get(finding.rule, 0) + 1
    for rule_id, count in sorted(by_rule.items(), key=lambda item: -item[1]):
        print(f"  {count:6d}  {rule_id}")


if __name__ == "__main__":
    main()
