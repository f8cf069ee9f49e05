"""``iamtui journal list/show/verify/undo`` against the emulator over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from test_actions_support import Env, env_fixture  # noqa: F401

from iamtui.cli import main
from iamtui.core.actions import Request


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dummy credentials the emulator accepts, from the standard chain."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("IAMTUI_JOURNAL", raising=False)


def cli(env: Env, *args: str, input: str | None = None, endpoint: bool = False) -> Result:
    """Run ``iamtui journal ...`` on the test journal."""
    extra = ["--endpoint-url", env.emulator.endpoint_url] if endpoint else []
    return CliRunner().invoke(
        main, ["journal", *args, "--journal", str(env.journal.path), *extra], input=input
    )


def deactivated(env: Env, iam: Any) -> tuple[str, str]:
    """alice's key, deactivated through iamtui; returns (entry id, key id)."""
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    report = env.run(env.planner().plan(Request.deactivate_key("alice", key)))
    return report.entry_id or "", key


def test_list_show_and_verify(env: Env, iam: Any) -> None:
    entry, key = deactivated(env, iam)
    listed = cli(env, "list")
    assert listed.exit_code == 0, listed.output
    assert (
        entry in listed.stdout
        and "completed" in listed.stdout
        and "key.deactivate" in listed.stdout
    )
    data = json.loads(cli(env, "list", "--format", "json").stdout)
    assert data["verified"] and data["entries"][0]["id"] == entry
    shown = cli(env, "show", entry[:-2])  # a unique prefix is enough
    assert shown.exit_code == 0
    assert "[ok      ] ↺ Deactivate access key" in shown.stdout and key in shown.stdout
    assert json.loads(cli(env, "show", entry, "--format", "json").stdout)["status"] == "completed"
    verified = cli(env, "verify")
    assert verified.exit_code == 0 and "chain intact" in verified.stdout


def test_verify_exits_1_naming_the_first_bad_record(env: Env, iam: Any) -> None:
    deactivated(env, iam)
    lines = env.journal.path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b"alice", b"alicf", 1)
    env.journal.path.write_bytes(b"".join(lines))
    result = cli(env, "verify")
    assert result.exit_code == 1
    assert "record 2 was changed or replaced" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    listed = cli(env, "list")
    assert "warning" in listed.stderr
    refused = cli(env, "undo", "x", "--yes", endpoint=True)
    assert refused.exit_code == 2 and "refusing to undo from it" in refused.stderr


def test_undo_with_yes_reverts_a_reversible_entry(env: Env, iam: Any) -> None:
    entry, key = deactivated(env, iam)
    result = cli(env, "undo", entry, "--yes", endpoint=True)
    assert key in result.stdout
    assert result.exit_code == 0, result.output
    assert "Reactivate access key" in result.stdout and "done: Undo" in result.stdout
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["Status"] == "Active"
    assert "undone by" in cli(env, "list").stdout
    undo_id = json.loads(cli(env, "list", "--format", "json").stdout)["entries"][-1]["id"]
    shown = cli(env, "show", undo_id).stdout
    # An undo is not itself undone: its steps carry no ↺ promising otherwise.
    assert "[ok      ] Reactivate access key" in shown and "↺" not in shown
    again = cli(env, "undo", entry, "--yes", endpoint=True)
    assert again.exit_code == 2 and again.stderr.startswith("iamtui: error: entry")
    assert "already undone" in again.stderr


def test_list_columns_line_up_after_an_undo(env: Env, iam: Any) -> None:
    """``completed, undone by ...`` is longer than ``completed``: later columns still align."""
    entry, _key = deactivated(env, iam)
    assert cli(env, "undo", entry, "--yes", endpoint=True).exit_code == 0
    iam.create_user(UserName="bob")
    bob_key = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
    env.run(env.planner().plan(Request.deactivate_key("bob", bob_key)))
    entries = json.loads(cli(env, "list", "--format", "json").stdout)["entries"]
    lines = cli(env, "list").stdout.splitlines()
    assert len(lines) == len(entries) == 3
    assert "undone by" in lines[0]
    for column in ("action", "status_line", "summary"):
        starts = {line.index(e[column], 40) for line, e in zip(lines, entries, strict=True)}
        assert len(starts) == 1, (column, lines)


def test_undo_without_yes_asks_and_a_no_changes_nothing(env: Env, iam: Any) -> None:
    entry, _ = deactivated(env, iam)
    result = cli(env, "undo", entry, input="n\n", endpoint=True)
    assert result.exit_code == 2 and "undo cancelled" in result.stderr
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    dry = CliRunner().invoke(  # the root's connection flags work too
        main,
        [
            *("--endpoint-url", env.emulator.endpoint_url),
            *("journal", "undo", entry, "--dry-run", "--journal", str(env.journal.path)),
        ],
    )
    assert dry.exit_code == 0 and "nothing was changed" in dry.stdout, dry.output


def test_an_irreversible_undo_needs_the_typed_phrase_even_with_yes(env: Env, iam: Any) -> None:
    iam.create_user(UserName="ci-bot")
    iam.create_access_key(UserName="ci-bot")
    entry = env.run(env.planner().plan(Request.rotate_key("ci-bot"))).entry_id or ""
    wrong = cli(env, "undo", entry, "--yes", input="yes\n", endpoint=True)
    assert wrong.exit_code == 2 and "type 'ci-bot' to confirm" in wrong.stderr
    assert len(iam.list_access_keys(UserName="ci-bot")["AccessKeyMetadata"]) == 2
    typed = cli(env, "undo", entry, "--yes", input="ci-bot\n", endpoint=True)
    assert typed.exit_code == 0, typed.output
    assert len(iam.list_access_keys(UserName="ci-bot")["AccessKeyMetadata"]) == 1


NO_TERMINAL = (
    "iamtui: error: no terminal to confirm on: pass --yes (and --confirm PHRASE for "
    "irreversible steps)"
)


def test_undo_without_a_terminal_or_yes_is_one_line_exit_2_not_aborted(env: Env, iam: Any) -> None:
    entry, _ = deactivated(env, iam)
    result = cli(env, "undo", entry, endpoint=True)  # stdin is empty and not a terminal
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [NO_TERMINAL]
    assert "Aborted" not in result.output
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    iam.create_user(UserName="ci-bot")
    iam.create_access_key(UserName="ci-bot")
    rotated = env.run(env.planner().plan(Request.rotate_key("ci-bot"))).entry_id or ""
    typed = cli(env, "undo", rotated, "--yes", endpoint=True)  # the phrase is still asked
    assert typed.exit_code == 2 and typed.stderr.strip().splitlines() == [NO_TERMINAL]
    assert len(iam.list_access_keys(UserName="ci-bot")["AccessKeyMetadata"]) == 2


def test_undo_of_disable_console_shows_the_new_password_once(env: Env, iam: Any) -> None:
    iam.create_user(UserName="ana")
    iam.create_login_profile(UserName="ana", Password="Very-long-passw0rd!")
    entry = env.run(env.planner().plan(Request.disable_console("ana"))).entry_id or ""
    result = cli(env, "undo", entry, "--yes", endpoint=True)
    assert result.exit_code == 0, result.output
    [line] = [x for x in result.stdout.splitlines() if x.startswith("password for ana")]
    password = line.rsplit(": ", 1)[1]
    assert len(password) >= 24 and password not in env.journal.path.read_text()


def test_errors_are_one_line(env: Env, iam: Any) -> None:
    deactivated(env, iam)
    missing = cli(env, "show", "nope")
    assert missing.exit_code == 2
    assert missing.stderr == f"iamtui: error: no entry 'nope' in journal {env.journal.path}\n"
    with env.journal.writer():
        busy = cli(env, "undo", env.journal.entries()[0].id, "--yes", endpoint=True)
    assert busy.exit_code == 2
    assert "is already open for writing in this iamtui" in busy.stderr  # same process here
    assert len(busy.stderr.strip().splitlines()) == 1


def test_root_flags_apply_to_journal_commands(env: Env, iam: Any) -> None:
    """`iamtui --dry-run|--read-only|--journal ... journal ...` means what it says."""
    entry, _key = deactivated(env, iam)
    endpoint = ["--endpoint-url", env.emulator.endpoint_url]
    dry = CliRunner().invoke(
        main,
        [
            "--dry-run",
            "journal",
            "undo",
            entry,
            "--yes",
            "--journal",
            str(env.journal.path),
            *endpoint,
        ],
    )
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing was changed" in dry.stdout
    status = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["Status"]
    assert status == "Inactive"
    refused = CliRunner().invoke(
        main,
        [
            "--read-only",
            "journal",
            "undo",
            entry,
            "--yes",
            "--journal",
            str(env.journal.path),
            *endpoint,
        ],
    )
    assert refused.exit_code == 2
    assert refused.stderr.startswith("iamtui: error: --read-only")
    listed = CliRunner().invoke(main, ["--journal", str(env.journal.path), "journal", "list"])
    assert listed.exit_code == 0 and entry in listed.stdout


def test_list_of_a_journal_damaged_from_its_first_record_is_not_called_empty(
    tmp_path: Path,
) -> None:
    """Before: `journal list` said "has no entries" for a journal overwritten by markdown."""
    damaged = tmp_path / "j.jsonl"
    damaged.write_text("# IAM findings\n| a | b |\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["journal", "list", "--journal", str(damaged)])
    assert "has no readable entries" in result.output
    assert "has no entries" not in result.output
