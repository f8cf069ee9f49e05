"""A new key's secret reaches the operator even when the journal cannot record the call.

The rotation's CreateAccessKey succeeds; right after it the child process's file-size limit
(RLIMIT_FSIZE) is lowered so the result record is cut short by the file system, as on a full
disk. The secret must already be in the caller's hands, and the error must say to repair.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import signal
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from test_actions_support import Env, connection, env_fixture  # noqa: F401

from iamtui.cli import main
from iamtui.core.actions import Executor, Hooks, Plan, Request
from iamtui.core.actions.executor import JOURNAL_WRITE_FAILED
from iamtui.core.journal import Journal
from iamtui.core.secrets import AccessKeySecret, Secret
from iamtui.core.session import Connection


def _child(conn: Connection, plan_file: str, journal_file: str, pipe: Pipe) -> None:
    """Run the rotation; once CreateAccessKey returned, the journal file may grow 10 bytes."""
    plan = Plan.from_json(json.loads(Path(plan_file).read_text()))
    create = [s.call.operation for s in plan.steps].index("CreateAccessKey")
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill

    def full_disk(index: int) -> None:
        if index == create:
            size = Path(journal_file).stat().st_size + 10
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    def shown(secret: Secret) -> None:
        assert isinstance(secret, AccessKeySecret)
        pipe.send(("hook", secret.access_key_id, secret.reveal()))

    hooks = Hooks(after_call=full_disk, on_secret=shown)
    report = Executor(conn, Journal(journal_file), hooks=hooks).run(plan.confirm())
    pipe.send(
        (
            "report",
            report.status,
            report.code,
            report.message(),
            [(getattr(s, "access_key_id", ""), s.reveal()) for s in report.secrets],
        )
    )
    pipe.close()


def test_the_secret_survives_a_journal_write_failure_and_repair_settles_it(
    env: Env, iam: Any, tmp_path: Path
) -> None:
    iam.create_user(UserName="frank")
    old = iam.create_access_key(UserName="frank")["AccessKey"]["AccessKeyId"]
    plan = env.planner().plan(Request.rotate_key("frank", old))
    assert "CreateAccessKey" in [s.call.operation for s in plan.steps]
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan.to_json()))
    journal = Journal(tmp_path / "journal.jsonl")

    ctx = multiprocessing.get_context("fork")
    ours, theirs = ctx.Pipe()
    child = ctx.Process(
        target=_child, args=(connection(env.emulator), str(plan_file), str(journal.path), theirs)
    )
    child.start()
    messages = [ours.recv(), ours.recv()]
    child.join(60)
    assert child.exitcode == 0

    [hook, report] = messages
    keys = iam.list_access_keys(UserName="frank")["AccessKeyMetadata"]
    new = next(k["AccessKeyId"] for k in keys if k["AccessKeyId"] != old)
    assert hook[0] == "hook" and hook[1] == new and len(hook[2]) == 40  # before the write
    _, status, code, message, secrets = report
    assert (status, code) == ("failed", JOURNAL_WRITE_FAILED)
    assert secrets == [(hook[1], hook[2])]  # the report carries it too (UI, CLI)
    assert "CreateAccessKey took effect" in message
    assert "run 'iamtui journal repair'" in message
    assert hook[2] not in journal.path.read_text()

    assert journal.verify().torn
    repaired = CliRunner().invoke(main, ["journal", "repair", "--journal", str(journal.path)])
    assert repaired.exit_code == 0, repaired.output
    assert journal.verify().ok
    [entry] = journal.entries()
    assert entry.in_doubt == [s.call.operation for s in plan.steps].index("CreateAccessKey")
