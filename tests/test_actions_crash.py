"""A crash at every step boundary of user.delete: the journal stays sound and undo recovers.

Each run executes the plan in a forked child talking HTTP to the in-process emulator. The child
SIGKILLs itself either right after a step's intent record is fsynced (the call was not sent) or
right after the call returned (the call happened, its result was never written). The parent then
verifies the journal, finds the entry interrupted with that step in doubt, and undoes it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from pathlib import Path
from typing import Any

from test_actions_support import (  # noqa: F401
    Env,
    connection,
    credentials,
    env_fixture,
    full_user_fast,
    user_fields,
)

from iamtui.core.actions import ActionRefused, Executor, Hooks, Plan, Request
from iamtui.core.journal import Journal
from iamtui.core.session import Connection

STEPS = 14  # the full user's teardown (see test_actions_users)
PARALLEL = 4


def _child(conn: Connection, plan_file: str, journal_file: str, step: int, where: str) -> None:
    """Run the plan and die with SIGKILL at ``step`` (after its intent, or after its call)."""
    plan = Plan.from_json(json.loads(Path(plan_file).read_text()))

    def die(index: int) -> None:
        if index == step:
            os.kill(os.getpid(), signal.SIGKILL)

    hooks = Hooks(after_intent=die) if where == "intent" else Hooks(after_call=die)
    Executor(conn, Journal(journal_file), hooks=hooks).run(plan.confirm(plan.confirmation_phrase))
    os._exit(3)  # the hook should have killed us


def test_a_crash_at_every_step_boundary_of_user_delete_is_recoverable(
    env: Env, iam: Any, tmp_path: Path
) -> None:
    cases = [(step, where) for where in ("intent", "call") for step in range(STEPS)]
    names = {case: f"u{case[0]:02d}-{case[1]}" for case in cases}
    for name in names.values():
        full_user_fast(env.emulator, name)
    original = user_fields(iam, names[cases[0]])
    planner = env.planner()
    jobs = []
    for case, name in names.items():
        plan = planner.plan(Request.delete_user(name))
        assert len(plan.steps) == STEPS
        plan_file = tmp_path / f"{name}.plan.json"
        plan_file.write_text(json.dumps(plan.to_json()))
        jobs.append((case, name, plan_file, tmp_path / f"{name}.jsonl"))

    ctx = multiprocessing.get_context("fork")
    # Made here, never used here: each forked child opens its own sockets but skips loading
    # botocore's models again.
    unused = connection(env.emulator)
    for start in range(0, len(jobs), PARALLEL):
        running = []
        for (step, where), _, plan_file, journal_file in jobs[start : start + PARALLEL]:
            child = ctx.Process(
                target=_child,
                args=(unused, str(plan_file), str(journal_file), step, where),
            )
            child.start()
            running.append(child)
        for child in running:
            child.join(60)
            assert child.exitcode == -signal.SIGKILL

    for (step, where), name, _, journal_file in jobs:
        journal = Journal(journal_file)
        assert journal.verify().ok, journal.verify().message()
        [entry] = journal.entries()
        assert entry.status == "interrupted" and entry.in_doubt == step, (name, entry.status_line())
        undo = Executor(env.conn, journal, sleep=lambda _: None)
        happened = step if where == "call" else step - 1  # the last step that took effect
        try:
            plan = planner.undo(entry)
        except ActionRefused as refused:
            # Nothing reversible happened yet (password, keys, ... are gone for good).
            assert happened < 3, (name, str(refused))
            assert "nothing to undo" in str(refused)
        else:
            assert happened >= 3, name
            doubt = [w for w in plan.warnings if "cut off mid-call" in w]
            assert doubt and ("it happened" in doubt[0]) == (where == "call")
            report = undo.run(plan.confirm(plan.confirmation_phrase))
            assert report.status == "completed", (name, report.message())
            assert journal.entry(entry.id).undone_by == [report.entry_id]
        fields = user_fields(iam, name)
        assert len(fields["certificates"]) == 1  # each user has its own certificate
        assert fields == {**original, "certificates": fields["certificates"]}
        assert journal.verify().ok
        gone = credentials(iam, name)
        assert gone["password"] == (happened < 0)
