"""principal.rightsize killed right after its CreatePolicyVersion returned, before the new
version's id was journaled: undo finds the version again in live state (or, when live state
does not single it out, leaves only its deletion to the operator) and undoes everything else.

Each run executes the plan in a forked child that SIGKILLs itself right after the call (as
tests/test_actions_crash.py does for user.delete).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from pathlib import Path
from typing import Any

from rightsize_support import arn_of, principal_state, seed_principal
from test_actions_rightsize import planner_for
from test_actions_support import Env, env_fixture  # noqa: F401

from iamtui.core.actions import Executor, Hooks, Plan, Request
from iamtui.core.journal import Entry, Journal
from iamtui.core.session import Connection


def _child(conn: Connection, plan_file: str, journal_file: str, step: int) -> None:
    """Run the plan and die with SIGKILL right after ``step``'s call returned."""
    plan = Plan.from_json(json.loads(Path(plan_file).read_text()))

    def die(index: int) -> None:
        if index == step:
            os.kill(os.getpid(), signal.SIGKILL)

    Executor(conn, Journal(journal_file), hooks=Hooks(after_call=die)).run(
        plan.confirm(plan.confirmation_phrase)
    )
    os._exit(3)  # the hook should have killed us


def killed_after_new_version(env: Env, tmp_path: Path, name: str) -> tuple[Journal, Entry]:
    """Right-size role ``name`` in a child killed after its new default version was made."""
    plan = planner_for(env, ("role", name)).plan(Request.rightsize("role", name))
    step = next(
        i
        for i, s in enumerate(plan.steps)
        if s.call.operation == "CreatePolicyVersion" and s.call.params["SetAsDefault"]
    )
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan.to_json()))
    journal = Journal(tmp_path / "killed.jsonl")
    child = multiprocessing.get_context("fork").Process(
        target=_child, args=(env.conn, str(plan_file), str(journal.path), step)
    )
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    [entry] = journal.entries()
    assert entry.in_doubt == step and not entry.log(step).outputs
    return journal, entry


def test_undo_finds_the_unrecorded_new_version_and_restores_everything(
    env: Env, iam: Any, tmp_path: Path
) -> None:
    seed_principal(env.emulator, "role", "app", versions=5, shared_with="other")
    before = principal_state(iam, "role", "app")
    journal, entry = killed_after_new_version(env, tmp_path, "app")

    undo = env.planner().undo(entry)
    deletes = [s for s in undo.steps if s.call.operation == "DeletePolicyVersion"]
    assert [s.call.params["VersionId"] for s in deletes] == ["v6"]  # found again, not guessed
    assert not [n for n in undo.notes if "left to you" in n]
    report = Executor(env.conn, journal, sleep=lambda _: None).run(
        undo.confirm(undo.confirmation_phrase)
    )
    assert report.status == "completed", report.message()
    assert principal_state(iam, "role", "app") == before


def test_a_version_live_state_cannot_single_out_is_left_to_the_operator_and_the_rest_undone(
    env: Env, iam: Any, tmp_path: Path
) -> None:
    seed_principal(env.emulator, "role", "web", shared_with="other")
    before = principal_state(iam, "role", "web")
    own = arn_of("policy", "web-own")
    journal, entry = killed_after_new_version(env, tmp_path, "web")
    # Someone else made a version with the same document since: which one is iamtui's?
    made = next(s for s in entry.plan.steps if s.call.operation == "CreatePolicyVersion")
    document = made.call.params["PolicyDocument"]
    iam.create_policy_version(PolicyArn=own, PolicyDocument=json.dumps(document))

    undo = env.planner().undo(entry)
    operations = [s.call.operation for s in undo.steps]
    assert "SetDefaultPolicyVersion" in operations and "DeletePolicyVersion" not in operations
    [note] = [n for n in undo.notes if "left to you" in n]
    assert "Delete the right-sized version iamtui made of policy web-own" in note
    assert "candidates: v2, v3" in note
    report = Executor(env.conn, journal, sleep=lambda _: None).run(
        undo.confirm(undo.confirmation_phrase)
    )
    assert report.status == "completed", report.message()
    after = principal_state(iam, "role", "web")
    own_after, own_before = after["policies"].pop(own), before["policies"].pop(own)
    assert after == before  # every other policy, attachment and inline document is back
    assert own_after["default"] == own_before["default"]
    right_sized = json.dumps(document, sort_keys=True)  # both stay: neither is deleted
    assert own_after["versions"] == sorted([*own_before["versions"], right_sized, right_sized])
