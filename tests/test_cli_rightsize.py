"""``iamtui rightsize`` against the emulator over HTTP: dry run, JSON, a run undone with
``iamtui journal undo``, and one-line refusals."""

from __future__ import annotations

import _thread
import json
import threading
import time
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rightsize_support import arn_of, principal_state, seed_principal
from test_actions_support import TRUST_EC2, Env, env_fixture  # noqa: F401

from iamtui.cli import main


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dummy credentials the emulator accepts."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("IAMTUI_JOURNAL", raising=False)


def cli(env: Env, *args: str, input: str | None = None) -> Result:
    """``iamtui rightsize ...`` on the emulator and the test journal (jobs complete at once)."""
    env.emulator.extras().last_accessed_polls = 0
    return CliRunner().invoke(
        main,
        [
            "rightsize",
            *args,
            "--endpoint-url",
            env.emulator.endpoint_url,
            "--journal",
            str(env.journal.path),
        ],
        input=input,
    )


def test_dry_run_and_json_show_the_plan_and_the_proposals_and_change_nothing(
    env: Env, iam: Any
) -> None:
    seed_principal(env.emulator, "role", "app", shared_with="other")
    before = principal_state(iam, "role", "app")
    result = cli(env, "app", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Right-size role app" in result.stdout
    assert '-      "Action": "kms:Decrypt",' in result.stdout  # the diff of inline policy Mixed
    # What goes is said in words, and the diff is not followed by the whole document again.
    assert "with its right-sized document (drops: kms:*) (old one saved)" in result.stdout
    assert "PolicyDocument: as the diff above leaves it (whole: iamtui journal show" in (
        result.stdout
    )
    assert "        PolicyDocument:\n" not in result.stdout
    assert "Tags:\n" in result.stdout  # a document no diff describes is still shown whole
    assert result.stdout.rstrip().endswith("dry run: nothing was changed")
    assert principal_state(iam, "role", "app") == before
    assert not env.journal.entries()

    result = cli(env, "app", "--format", "json", "--window", "120")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["version"] == 1 and document["refused"] == []
    (proposal,) = document["proposals"]
    assert (proposal["kind"], proposal["principal_name"], proposal["window_days"]) == (
        "role",
        "app",
        120,
    )
    methods = {r["policy"]: r["method"] for r in proposal["rewrites"]}
    assert methods["Mixed"] == "replace-inline" and methods["rs-shared"] == "copy-and-detach"
    assert principal_state(iam, "role", "app") == before


def test_a_run_is_journaled_and_journal_undo_puts_everything_back(env: Env, iam: Any) -> None:
    seed_principal(env.emulator, "user", "ana", shared_with="other")
    before = principal_state(iam, "user", "ana")
    refused = cli(env, "ana", input="n\n")
    assert refused.exit_code == 2 and "nothing was changed" in refused.output
    unasked = cli(env, "ana")  # no terminal, no --yes: one line, exit 2 (not "Aborted!", 1)
    assert unasked.exit_code == 2, unasked.output
    assert (
        unasked.stderr.strip()
        .splitlines()[-1]
        .startswith("iamtui: error: no terminal to confirm on: pass --yes")
    )
    assert principal_state(iam, "user", "ana") == before
    result = cli(env, "ana", "--yes")
    assert result.exit_code == 0, result.output
    assert principal_state(iam, "user", "ana") != before
    (entry,) = env.journal.entries()
    assert f"iamtui journal undo {entry.id}" in result.output
    undo = CliRunner().invoke(
        main,
        [
            *("journal", "undo", entry.id, "--yes"),
            *("--journal", str(env.journal.path)),
            *("--endpoint-url", env.emulator.endpoint_url),
        ],
    )
    assert undo.exit_code == 0, undo.output
    assert principal_state(iam, "user", "ana") == before


def test_all_plans_every_principal_in_one_plan_naming_those_skipped(env: Env) -> None:
    seed_principal(env.emulator, "role", "app", shared_with="other")
    seed_principal(env.emulator, "user", "ana")
    extras = env.emulator.extras()
    for service in ("s3", "sns"):  # role other uses everything it holds
        extras.record_usage(arn_of("role", "other"), service, extras.now())
    result = cli(env, "--all", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "principal.rightsize for 2 of 3 principals" in result.stdout
    assert "skipped principal.rightsize role other: nothing to right-size" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody",), "no user or role named nobody"),
        (("app", "--all"), "pass NAME or --all, not both"),
        ((), "name a user or role to right-size, or pass --all"),
        (("OrganizationAccountAccessRole",), "role OrganizationAccountAccessRole is not changed"),
    ],
)
def test_errors_are_one_line_exit_2(env: Env, args: tuple[str, ...], message: str) -> None:
    seed_principal(env.emulator, "role", "app")
    env.emulator.backend().create_role(
        role_name="OrganizationAccountAccessRole",
        assume_role_policy_document=json.dumps(TRUST_EC2),
        path="/",
        permissions_boundary=None,
        description="",
        tags=[],
        max_session_duration="3600",
        linked_service=None,
    )
    result = cli(env, *args)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("iamtui: error: ") and message in line


def test_the_remediate_policy_lists_what_right_sizing_sends() -> None:
    result = CliRunner().invoke(main, ["policy", "--remediate", "--with-undo"])
    assert result.exit_code == 0, result.output
    actions = {
        a
        for s in json.loads(result.stdout)["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {
        "iam:ListEntitiesForPolicy",
        "iam:CreatePolicyVersion",
        "iam:DeletePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:TagPolicy",
    } <= actions


def test_ctrl_c_cancels_the_last_accessed_jobs_still_running(env: Env) -> None:
    """Ctrl-C (KeyboardInterrupt in the main thread) cancels the worker's polls at once."""
    from iamtui.cli.rightsize import _last_accessed
    from iamtui.core.loader import Cancelled

    seed_principal(env.emulator, "role", "app")
    env.emulator.extras().last_accessed_polls = 1_000  # the job never completes
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(Cancelled):
            _last_accessed(env.conn, [arn_of("role", "app")], workers=1)
    finally:
        timer.cancel()  # never interrupts pytest itself, whatever happened above
    assert time.monotonic() - started < 5


def test_demo_right_sizes_the_embedded_demo_account_into_its_own_journal(tmp_path: Any) -> None:
    from iamtui.core.journal import Journal
    from iamtui.emulator.demo import RIGHTSIZE_ROLE

    journal = tmp_path / "demo.jsonl"
    runner = CliRunner()
    both = runner.invoke(main, ["rightsize", "--demo", "x", "--endpoint-url", "http://h:1"])
    assert both.exit_code == 2
    assert "--demo and --profile/--endpoint-url are alternatives" in both.stderr
    result = runner.invoke(
        main, ["rightsize", "--demo", RIGHTSIZE_ROLE, "--yes", "--journal", str(journal)]
    )
    assert result.exit_code == 0, result.output
    assert f"Right-size role {RIGHTSIZE_ROLE}" in result.stdout
    (entry,) = Journal(journal).entries()
    assert entry.action == "principal.rightsize" and entry.status_line() == "completed"
    assert "iamtui journal undo" not in result.output  # the demo account is gone: no undo hint
    assert f"journal: {journal}" in result.stderr
