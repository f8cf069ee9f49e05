"""A policy document larger than AWS allows (an endpoint that is not AWS) never reaches the
journal: right-sizing refuses it with its size, and the journal refuses any record longer than
its readers accept before anything is sent (one such record made the whole journal read as
corrupted, and every later entry impossible to undo)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from rightsize_support import arn_of
from test_actions_rightsize import planner_for
from test_actions_support import ACCOUNT, TRUST_EC2, Env, env_fixture  # noqa: F401

from iamtui.core.actions import ActionId, ActionRefused, ApiCall, Plan, Request, Step, Target
from iamtui.core.journal import MAX_RECORD, RecordTooLarge
from iamtui.emulator.seed import Seeder

SMALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def test_an_inline_policy_larger_than_aws_allows_is_refused_with_its_size(env: Env) -> None:
    now = datetime.now(UTC)
    big = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": "arn:aws:s3:::" + "b" * 3_500_000,
            }
        ],
    }
    Seeder(env.emulator.backend(), env.emulator.extras(), now).role(
        "huge",
        trust=TRUST_EC2,
        created=now - timedelta(days=200),
        inline={"Big": big, "Small": SMALL},
    )
    env.emulator.extras().record_usage(arn_of("role", "huge"), "s3", now - timedelta(days=1))
    planner = planner_for(env, ("role", "huge"))
    with pytest.raises(ActionRefused) as refused:
        planner.plan(Request.rightsize("role", "huge"))
    message = str(refused.value)
    assert message.startswith("nothing to right-size for role huge that can be applied")
    assert re.search(
        r"inline policy Big is not right-sized: its current document is 3,500,\d{3} ", message
    )
    assert "over AWS's limit of 10,240 for all of a role's inline policies together" in message
    assert not env.journal.path.exists()  # nothing ran


def test_a_plan_too_large_to_journal_is_refused_before_anything_is_sent(env: Env, iam: Any) -> None:
    Seeder(env.emulator.backend(), env.emulator.extras(), datetime.now(UTC)).role(
        "app", trust=TRUST_EC2, created=datetime.now(UTC) - timedelta(days=200)
    )
    put = ApiCall(
        "PutRolePolicy",
        {"RoleName": "app", "PolicyName": "Big", "PolicyDocument": "x" * (MAX_RECORD + 1)},
    )
    plan = Plan(
        action=ActionId.PRINCIPAL_RIGHTSIZE,
        summary="An oversized plan",
        account_id=ACCOUNT,
        targets=(Target("role", "app", arn_of("role", "app")),),
        steps=(Step(call=put, description="Put a policy no AWS account could hold"),),
        built_at=datetime.now(UTC),
        caller_arn=f"arn:aws:sts::{ACCOUNT}:user/moto",
    )
    with pytest.raises(RecordTooLarge, match=r"this plan's record would be 16\.0 MiB"):
        env.run(plan)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role_policy(RoleName="app", PolicyName="Big")  # never sent
    verification = env.journal.verify()
    assert verification.ok, verification.message()
    assert env.journal.entries() == []
