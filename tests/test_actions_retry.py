"""A write botocore resent after its first send took effect is in doubt, and undo settles it."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from test_actions_support import S3_READ, Env, env_fixture  # noqa: F401

from iamtui.core.actions import Request
from tests.faults import error_response


def lost_response(client: Any, operation: str) -> None:
    """The first send reaches IAM and takes effect, but its answer is lost as a 500."""
    sent = False

    def handler(request: Any, **_: Any) -> Any:
        nonlocal sent
        if sent:
            return None
        sent = True
        body = request.body.encode() if isinstance(request.body, str) else request.body
        real = urllib.request.Request(
            request.url, data=body, headers=dict(request.headers), method=request.method
        )
        with urllib.request.urlopen(real, timeout=10) as answer:
            assert answer.status == 200
        return error_response("InternalFailure", status=500)

    client.meta.events.register(f"before-send.iam.{operation}", handler)


def test_a_retried_write_is_journaled_in_doubt_and_undo_restores_it(env: Env, iam: Any) -> None:
    """AWS: a 5xx does not mean the write failed; the resend then fails with NoSuchEntity."""
    iam.create_user(UserName="carol")
    arn = iam.create_policy(PolicyName="ReadBuckets", PolicyDocument=json.dumps(S3_READ))["Policy"][
        "Arn"
    ]
    iam.attach_user_policy(UserName="carol", PolicyArn=arn)
    plan = env.planner().plan(Request.detach_policy("user", "carol", arn))
    lost_response(env.conn.iam, "DetachUserPolicy")
    report = env.run(plan)
    assert not report.ok and report.code == "NoSuchEntity"
    assert iam.list_attached_user_policies(UserName="carol")["AttachedPolicies"] == []
    entry = env.journal.entry(report.entry_id or "")
    assert entry.in_doubt == 0  # not "failed cleanly": the detach may have happened
    undo = env.planner().undo(entry)
    assert env.run(undo).ok
    attached = iam.list_attached_user_policies(UserName="carol")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [arn]


def test_an_undo_cut_off_after_recreating_the_user_can_be_resumed(env: Env, iam: Any) -> None:
    """The resumed undo skips CreateUser (live state shows it done) and re-adds the group."""
    iam.create_group(GroupName="devs")
    iam.create_user(UserName="bob")
    iam.add_user_to_group(GroupName="devs", UserName="bob")
    deleted = env.run(env.planner().plan(Request.delete_user("bob")))
    assert deleted.ok
    entry = env.journal.entry(deleted.entry_id or "")
    lost_response(env.conn.iam, "CreateUser")  # first undo: CreateUser happens, answer lost
    first = env.run(env.planner().undo(entry))
    assert not first.ok
    assert iam.get_user(UserName="bob")["User"]["UserName"] == "bob"
    resumed = env.planner().undo(env.journal.entry(entry.id))
    assert [s.call.operation for s in resumed.steps] == ["AddUserToGroup"]
    assert any("already done by an earlier undo" in w for w in resumed.warnings)
    assert env.run(resumed).ok
    groups = iam.list_groups_for_user(UserName="bob")["Groups"]
    assert [g["GroupName"] for g in groups] == ["devs"]
