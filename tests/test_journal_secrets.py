"""No secret access key or password iamtui handles is ever written: journal, logs, snapshots."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_actions_support import Env, env_fixture  # noqa: F401

from iamtui.core import snapshot as snapshot_io
from iamtui.core.actions import AccessKeySecret, Request


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Everything logged in the process at DEBUG (iamtui, botocore, ...), as an operator might."""
    path = tmp_path / "iamtui.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s"))
    logger = logging.getLogger()
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        handler.close()


def test_no_secret_reaches_any_file(env: Env, iam: Any, tmp_path: Path, log_file: Path) -> None:
    iam.create_user(UserName="ci-bot")
    iam.create_access_key(UserName="ci-bot")
    iam.create_login_profile(UserName="ci-bot", Password="Very-long-passw0rd!")

    rotated = env.run(env.planner().plan(Request.rotate_key("ci-bot")))
    [key] = rotated.secrets
    assert isinstance(key, AccessKeySecret)
    disabled = env.run(env.planner().plan(Request.disable_console("ci-bot")))
    restored = env.undo(disabled)
    [password] = restored.secrets
    secrets = {key.reveal(), password.reveal()}
    assert all(len(s) >= 24 for s in secrets)

    snapshot_io.save(env.snapshot(), tmp_path / "snapshot.json")
    texts = {
        "report json": str([rotated.to_json(), restored.to_json()]),
        "report repr": repr(rotated) + repr(restored),
        "plans": str([e.plan.to_json() for e in env.journal.entries()]),
    }
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {
        "journal.jsonl",
        "journal.jsonl.head",
        "journal.jsonl.lock",
        "iamtui.log",
        "snapshot.json",
    }
    assert log_file.read_text()  # the executor did log its steps
    for path in files:
        texts[str(path)] = path.read_bytes().decode(errors="replace")
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {where}"
    assert "SecretAccessKey" not in texts[str(env.journal.path)]
    key.drop()
    password.drop()
