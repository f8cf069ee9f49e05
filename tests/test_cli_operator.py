"""Operator rough edges of the CLI (issue 12): what a first session trips over, one test each."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamtui.cli import main
from iamtui.core.text import plural


def test_plural_reads_as_english() -> None:
    assert [plural(n, "rule") for n in (0, 1, 2)] == ["0 rules", "1 rule", "2 rules"]
    assert plural(1, "policy", "policies") == "1 policy"
    assert plural(3, "policy", "policies") == "3 policies"


def test_snapshot_save_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "prod.json"
    path.write_text("last week's snapshot", encoding="utf-8")
    refused = CliRunner().invoke(main, ["snapshot", "save", str(path), "--demo"])
    assert refused.exit_code == 2
    assert refused.output == (
        f"iamtui: error: {path} exists: pass --force to overwrite it, or choose another name\n"
    )
    assert path.read_text(encoding="utf-8") == "last week's snapshot"
    forced = CliRunner().invoke(main, ["snapshot", "save", str(path), "--demo", "--force"])
    assert forced.exit_code == 0, forced.output
    assert path.read_text(encoding="utf-8").startswith("{")
    saved = r": \d+ users, \d+ roles, 0 last-accessed reports, \d+ requests$"
    assert re.search(saved, forced.stderr), forced.stderr


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["scan", "--frobnicate"],
            "no such option '--frobnicate' (did you mean '--format'?); see 'iamtui scan --help'",
        ),
        (["--frobnicate"], "no such option '--frobnicate'; see 'iamtui --help'"),
        (["frob"], "no such command 'frob'; see 'iamtui --help'"),
        (["journal", "undo"], "missing argument 'ENTRY_ID'; see 'iamtui journal undo --help'"),
        (["snapshot", "save"], "missing argument 'FILE'; see 'iamtui snapshot save --help'"),
        (
            ["scan", "--format", "xml"],
            "invalid value for '--format': 'xml' is not one of 'table', 'json', 'csv', 'ocsf', "
            "'markdown'; see 'iamtui scan --help'",
        ),
        (["scan", "extra"], "got unexpected extra argument (extra); see 'iamtui scan --help'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args: list[str], line: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"iamtui: error: {line}\n"


def test_help_is_still_clicks_help() -> None:
    shown = CliRunner().invoke(main, ["scan", "--help"], prog_name="iamtui")
    assert shown.exit_code == 0
    assert shown.output.startswith("Usage: iamtui scan [OPTIONS]\n\n  Report the account's")
    group = CliRunner().invoke(
        main, ["snapshot"], prog_name="iamtui"
    )  # a group without its subcommand: its help
    assert group.output.startswith("Usage: iamtui snapshot [OPTIONS] COMMAND [ARGS]...")
    assert "save" in group.output


def test_a_piped_scan_keeps_each_finding_on_one_line(tmp_path: Path) -> None:
    """Rich assumes 80 columns off a terminal; piped or written, the table never wraps."""
    from builders import key, row, snapshot, user

    from iamtui.core import snapshot as snapshot_io

    name = "svc-" + "reporting-pipeline-" * 5 + "eu-west-1"  # 108 characters
    users = [user(name)]
    path = tmp_path / "long.json"
    snapshot_io.save(snapshot(users=users, rows=[row(users[0], key1=key(used=400))]), path)
    as_json = CliRunner().invoke(main, ["scan", "--snapshot", str(path), "--format", "json"])
    findings = json.loads(as_json.stdout)["findings"]
    assert findings
    written = tmp_path / "scan.txt"
    piped = CliRunner().invoke(main, ["scan", "--snapshot", str(path)])
    assert piped.exit_code == 0, piped.output
    to_file = CliRunner().invoke(main, ["scan", "--snapshot", str(path), "-o", str(written)])
    assert to_file.exit_code == 0, to_file.output
    for text in (piped.stdout, written.read_text(encoding="utf-8")):
        lines = text.splitlines()
        for finding in findings:
            cells = (finding["rule"], finding["principal_name"], finding["summary"])
            assert any(all(cell in line for cell in cells) for line in lines), cells


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.json"
    saved = CliRunner().invoke(main, ["snapshot", "save", str(path), "--demo"])
    assert saved.exit_code == 0, saved.output
    return path


@pytest.mark.parametrize(
    "args",
    [[], ["demo"], ["user", "marcus.chen", "--demo"], ["role", "orders-api-lambda", "--demo"]],
    ids=["iamtui", "demo", "user", "role"],
)
def test_the_tui_is_not_drawn_into_a_pipe(args: list[str], demo_file: Path) -> None:
    """Off a terminal every TUI entry point says so in one line (root stays headless)."""
    from iamtui.cli.tui import NO_TERMINAL

    for command in (args, ["--snapshot", str(demo_file), *args[:2]]):
        if command[-1:] == ["demo"] and len(command) > 1:
            continue  # --snapshot before demo is refused for its own reason
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, command
        assert result.stdout == ""
        assert result.stderr == f"iamtui: error: {NO_TERMINAL}\n", command


def test_a_principal_name_is_compared_as_iam_does(demo_file: Path) -> None:
    """``MARCUS.CHEN`` is marcus.chen: it passes the name check (and stops at the pipe)."""
    from iamtui.cli.tui import NO_TERMINAL

    result = CliRunner().invoke(main, ["user", "MARCUS.CHEN", "--snapshot", str(demo_file)])
    assert result.stderr == f"iamtui: error: {NO_TERMINAL}\n"


def test_a_principal_not_in_the_live_account_is_one_line_before_the_tui(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The demo (or a live account) is loaded first; a wrong name never starts the TUI."""
    import iamtui.cli.tui

    monkeypatch.setattr(iamtui.cli.tui, "has_terminal", lambda: True)
    monkeypatch.setattr("iamtui.ui.app.IamtuiApp.run", lambda self: pytest.fail("TUI started"))
    result = CliRunner().invoke(main, ["user", "marcus.chn", "--demo"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        'iamtui: error: user "marcus.chn" not found in account northwind-prod (123456789012); '
        "did you mean: marcus.chen?\n"
    )
    wrong_kind = CliRunner().invoke(main, ["role", "marcus.chen", "--demo"])
    assert wrong_kind.exit_code == 2
    assert wrong_kind.stderr.endswith("; a user has that name: iamtui user marcus.chen\n"), (
        wrong_kind.stderr
    )


@pytest.mark.slow
def test_a_principal_named_in_another_case_opens_its_review_in_a_terminal() -> None:
    """In a real terminal: loaded once before the TUI, then straight onto marcus.chen's review."""
    import os
    import sys

    import pexpect

    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "140", "LINES": "42"}
    env.pop("TEXTUAL", None)
    code = "import sys; from iamtui.cli import main; sys.argv[0] = 'iamtui'; main()"
    child = pexpect.spawn(
        sys.executable,
        ["-c", code, "user", "MARCUS.CHEN", "--demo"],
        dimensions=(42, 140),
        env=env,
        encoding="utf-8",
        codec_errors="replace",
        timeout=60,
    )
    try:
        child.expect("marcus.chen")
        child.expect("Identity")  # the review screen, not the users pane
        child.send("\x11")  # ctrl+q
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, (child.exitstatus, child.signalstatus)


def test_scan_output_never_replaces_the_journal_or_what_it_reads(tmp_path: Path) -> None:
    """Before: `scan -o JOURNAL` replaced a running TUI's journal; `-o` the scanned snapshot."""
    import platformdirs

    from iamtui.core.journal import demo_journal_path

    snapshot = tmp_path / "s.json"
    saved = CliRunner().invoke(main, ["snapshot", "save", str(snapshot), "--demo"])
    assert saved.exit_code == 0, saved.output
    journal = tmp_path / "j.jsonl"
    journal.write_text("")
    demo = demo_journal_path()
    demo.parent.mkdir(parents=True, exist_ok=True)
    cases = {
        str(journal): ["--journal", str(journal)],
        str(journal) + ".head": ["--journal", str(journal)],
        str(demo): [],
        str(snapshot): [],
    }
    for target, flags in cases.items():
        args = [*flags, "--snapshot", str(snapshot), "scan", "--format", "markdown", "-o", target]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (target, result.output)
        assert "write elsewhere" in result.output and "\n" not in result.output.strip()
    assert journal.read_text() == ""
    assert Path(platformdirs.user_state_path("iamtui")).is_dir()
