"""Access-key actions on the emulator: deactivate/activate, delete, rotation, and their guards."""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from faults import inject
from moto.iam.models import AccessKeyLastUsed
from test_actions_support import Env, connection, env_fixture  # noqa: F401

from iamtui.core.actions import (
    AccessKeySecret,
    ActionRefused,
    ConfirmationMismatch,
    Executor,
    Plan,
    Planner,
    ReadOnlyMode,
    Request,
    RotateStage,
    SelfLockout,
)
from iamtui.core.actions.guards import Caller
from iamtui.core.loader import load_account
from iamtui.core.model import CallerIdentity


def key_of(iam: Any, user: str, status: str = "Active") -> str:
    """Create a user (if needed) with one key in ``status``; returns the key id."""
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    if status != "Active":
        iam.update_access_key(UserName=user, AccessKeyId=key, Status=status)
    return str(key)


def status(iam: Any, user: str) -> dict[str, str]:
    """Key id -> status."""
    return {
        k["AccessKeyId"]: k["Status"]
        for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    }


def use_key(env: Env, key_id: str) -> None:
    """Record a use of the key now, as AWS does when a request is signed with it."""
    env.emulator.backend().access_keys[key_id].last_used = AccessKeyLastUsed(
        timestamp=datetime.now(UTC).replace(tzinfo=None), service="s3", region="eu-west-1"
    )


def test_deactivate_then_undo_brings_the_key_back(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice")
    plan = env.planner().plan(Request.deactivate_key("alice", key))
    assert not plan.irreversible and plan.confirmation_phrase is None
    assert [row.call for row in plan.preview()] == [
        f"iam:UpdateAccessKey UserName=alice AccessKeyId={key} Status=Inactive"
    ]
    report = env.run(plan)
    assert report.status == "completed", report.message()
    assert status(iam, "alice") == {key: "Inactive"}
    undo = env.undo(report)
    assert undo.status == "completed"
    assert status(iam, "alice") == {key: "Active"}
    entry = env.journal.entry(report.entry_id or "")
    assert entry.undone and entry.undone_by == [undo.entry_id]
    assert env.journal.entry(undo.entry_id or "").undoes == report.entry_id
    assert env.journal.verify().ok


def test_activate_is_the_inverse_of_deactivate(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice", "Inactive")
    report = env.run(env.planner().plan(Request.activate_key("alice", key)))
    assert status(iam, "alice") == {key: "Active"}
    env.undo(report)
    assert status(iam, "alice") == {key: "Inactive"}


def test_an_undone_entry_cannot_be_undone_twice(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice")
    report = env.run(env.planner().plan(Request.deactivate_key("alice", key)))
    undo = env.undo(report)
    with pytest.raises(ActionRefused, match=f"already undone by {undo.entry_id}"):
        env.undo(report)
    with pytest.raises(ActionRefused, match="is itself an undo"):
        env.undo(undo)


def test_deleting_an_active_key_needs_the_override(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice")
    planner = env.planner()
    with pytest.raises(ActionRefused, match=r"is Active: deactivate it first") as info:
        planner.plan(Request.delete_key("alice", key))
    assert "\n" not in str(info.value)
    plan = planner.plan(Request.delete_key("alice", key, allow_active=True))
    assert plan.irreversible and plan.confirmation_phrase == "alice"
    assert any("ACTIVE" in w for w in plan.warnings)
    with pytest.raises(ConfirmationMismatch, match="type 'alice'"):
        plan.confirm("yes")
    report = env.run(plan, typed="alice")
    assert report.status == "completed"
    assert status(iam, "alice") == {}
    with pytest.raises(ActionRefused, match=r"nothing to undo.*cannot be undone"):
        env.undo(report)


def test_deleting_an_inactive_key_is_typed_and_final(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice", "Inactive")
    plan = env.planner().plan(Request.delete_key("alice", key))
    assert plan.irreversible and not plan.warnings
    assert "cannot come back" in plan.preview()[0].note
    assert env.run(plan).status == "completed"
    assert status(iam, "alice") == {}


def test_rotation_runs_in_three_stages_and_the_secret_is_only_returned(env: Env, iam: Any) -> None:
    old = key_of(iam, "ci-bot")
    plan = env.planner().plan(Request.rotate_key("ci-bot", old))
    assert not plan.irreversible and "stage 1 of 3" in plan.summary
    report = env.run(plan)
    [secret] = report.secrets
    assert isinstance(secret, AccessKeySecret)
    value = secret.reveal()
    assert len(value) == 40 and value not in repr(secret) and value not in str(report.to_json())
    new = secret.access_key_id
    assert status(iam, "ci-bot") == {old: "Active", new: "Active"}
    assert value not in env.journal.path.read_text()
    secret.drop()
    with pytest.raises(ValueError, match="dropped"):
        secret.reveal()

    with pytest.raises(ActionRefused, match="already has two access keys") as info:
        env.planner().plan(Request.rotate_key("ci-bot", old, RotateStage.CREATE))
    assert "key.delete" in str(info.value)
    # Without a stage the planner decides from the live keys: the old key is at stage 2.
    decided = env.planner().plan(Request.rotate_key("ci-bot", old))
    assert decided.options["stage"] == RotateStage.DEACTIVATE_OLD.value

    with pytest.raises(ActionRefused, match=r"still Active: run key\.rotate deactivate-old"):
        env.planner().plan(Request.rotate_key("ci-bot", old, RotateStage.DELETE_OLD))
    stage2 = env.planner().plan(Request.rotate_key("ci-bot", old, RotateStage.DEACTIVATE_OLD))
    assert any("has not been used yet" in w for w in stage2.warnings)
    env.run(stage2)
    assert status(iam, "ci-bot") == {old: "Inactive", new: "Active"}
    assert env.planner().plan(Request.rotate_key("ci-bot", old)).options["stage"] == "delete-old"
    stage3 = env.planner().plan(Request.rotate_key("ci-bot", old, RotateStage.DELETE_OLD))
    assert stage3.irreversible and stage3.confirmation_phrase == "ci-bot"
    env.run(stage3)
    assert status(iam, "ci-bot") == {new: "Active"}


def test_undoing_stage_one_deletes_the_new_key_after_a_typed_confirmation(
    env: Env, iam: Any
) -> None:
    old = key_of(iam, "ci-bot")
    report = env.run(env.planner().plan(Request.rotate_key("ci-bot")))
    new = report.secrets[0]
    assert isinstance(new, AccessKeySecret)
    undo_plan = env.planner().undo(env.journal.entry(report.entry_id or ""))
    assert undo_plan.irreversible and undo_plan.confirmation_phrase == "ci-bot"
    assert undo_plan.steps[0].call.params["AccessKeyId"] == new.access_key_id
    env.run(undo_plan)
    assert status(iam, "ci-bot") == {old: "Active"}


def test_a_key_used_after_the_data_was_loaded_is_left_alone(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice")
    snapshot = env.snapshot()  # the report says: never used
    use_key(env, key)
    with pytest.raises(ActionRefused, match=r"was used at .* \(s3\), after the data you reviewed"):
        env.planner(snapshot).plan(Request.deactivate_key("alice", key))


def test_a_key_reactivated_between_plan_and_run_stops_before_the_call(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice", "Inactive")
    plan = env.planner().plan(Request.delete_key("alice", key))
    iam.update_access_key(UserName="alice", AccessKeyId=key, Status="Active")
    report = env.run(plan)
    assert report.status == "stopped" and report.failed_step == 0
    assert report.reason == (
        f"precondition failed: access key {key} is Inactive: now Active (plan saw Inactive)"
    )
    assert status(iam, "alice") == {key: "Active"}
    entry = env.journal.entry(report.entry_id or "")
    assert entry.status_line() == "stopped at step 1 (PreconditionFailed)"
    assert entry.log(0).intent is None


def test_a_key_used_between_plan_and_run_stops_before_the_call(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice")
    plan = env.planner().plan(Request.deactivate_key("alice", key))
    use_key(env, key)
    report = env.run(plan)
    assert report.status == "stopped"
    assert f"access key {key} not used since the plan was made" in report.reason
    assert status(iam, "alice") == {key: "Active"}


def test_the_session_key_cannot_be_deactivated_or_deleted(env: Env, iam: Any) -> None:
    iam.create_user(UserName="ops")
    created = iam.create_access_key(UserName="ops")["AccessKey"]
    other = key_of(iam, "ops")
    ops = connection(env.emulator, (created["AccessKeyId"], created["SecretAccessKey"]))
    planner = Planner(ops, load_account(ops))
    assert planner.caller.identity.user_name == "ops"
    for request in (
        Request.deactivate_key("ops", created["AccessKeyId"]),
        Request.delete_key("ops", created["AccessKeyId"], allow_active=True),
    ):
        with pytest.raises(SelfLockout, match="is the one this iamtui session uses") as info:
            planner.plan(request)
        assert "\n" not in str(info.value)
    # Its other key is fair game (rotating one's own key is normal).
    assert planner.plan(Request.deactivate_key("ops", other)).steps


def test_the_executor_rechecks_the_session_key(env: Env, iam: Any) -> None:
    iam.create_user(UserName="ops")
    created = iam.create_access_key(UserName="ops")["AccessKey"]
    elsewhere = Caller(CallerIdentity("123456789012", "arn:aws:iam::123456789012:user/other", "X"))
    plan = Planner(env.conn, env.snapshot(), caller=elsewhere).plan(
        Request.deactivate_key("ops", created["AccessKeyId"])
    )
    ops = connection(env.emulator, (created["AccessKeyId"], created["SecretAccessKey"]))
    with pytest.raises(SelfLockout):
        Executor(ops, env.journal).run(plan.confirm())
    assert status(iam, "ops") == {created["AccessKeyId"]: "Active"}
    assert not env.journal.path.exists()


def test_entity_temporarily_unmodifiable_is_retried_with_backoff(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice")
    plan = env.planner().plan(Request.deactivate_key("alice", key))
    hits = inject(
        env.conn.iam, "UpdateAccessKey", "EntityTemporarilyUnmodifiable", times=2, status=409
    )
    slept: list[float] = []
    report = Executor(env.conn, env.journal, sleep=slept.append).run(plan.confirm())
    assert report.status == "completed" and hits() == 2
    assert report.outcomes[0].attempts == 3 and slept == [1.0, 2.0]
    assert status(iam, "alice") == {key: "Inactive"}


def test_a_failed_call_stops_the_plan_and_says_where(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice")
    plan = env.planner().plan(Request.deactivate_key("alice", key))
    inject(env.conn.iam, "UpdateAccessKey", "AccessDenied", status=403)
    report = env.run(plan)
    assert report.status == "failed" and report.failed_step == 0 and report.code == "AccessDenied"
    assert report.message() == "failed at step 1: UpdateAccessKey: AccessDenied: injected"
    entry = env.journal.entry(report.entry_id or "")
    assert entry.log(0).state == "error" and entry.status == "failed"
    with pytest.raises(ActionRefused, match="no step of it took effect"):
        env.planner().undo(entry)


def test_dry_run_sends_nothing_and_journals_nothing(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice")
    plan = env.planner().plan(Request.deactivate_key("alice", key))
    before = dict(env.conn.counter.by_operation)
    report = Executor(env.conn, env.journal, dry_run=True).run(plan.confirm())
    assert report.status == "dry-run" and report.ok
    assert env.conn.counter.by_operation == before
    assert not env.journal.path.exists()
    assert status(iam, "alice") == {key: "Active"}


def test_read_only_refuses_to_plan_or_run(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice")
    with pytest.raises(ReadOnlyMode, match="read-only mode"):
        env.planner(read_only=True).plan(Request.deactivate_key("alice", key))
    plan = env.planner().plan(Request.deactivate_key("alice", key))
    with pytest.raises(ReadOnlyMode):
        Executor(env.conn, env.journal, read_only=True).run(plan.confirm())


def test_a_plan_survives_json_and_says_what_it_needs(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice")
    plan = env.planner().plan(Request.deactivate_key("alice", key))
    again = Plan.from_json(json.loads(json.dumps(plan.to_json())))
    assert again == plan
    assert plan.operations() == ("iam:UpdateAccessKey",)


def test_a_plan_with_an_unfilled_result_placeholder_never_runs(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice")
    plan = env.planner().plan(Request.deactivate_key("alice", key))
    step = plan.steps[0]
    params = {**step.call.params, "AccessKeyId": {"$result": "AccessKeyId"}}
    broken = replace(plan, steps=(replace(step, call=replace(step.call, params=params)),))
    with pytest.raises(ActionRefused, match="result placeholder AccessKeyId"):
        Executor(env.conn, env.journal).run(broken.confirm())
    assert not env.journal.path.exists()
