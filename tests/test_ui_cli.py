"""The TUI's entry points: flags, one-line errors before the TUI starts, lazy Textual import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import NOW

from iamtui.cli import main


def run(*args: str) -> tuple[int, str]:
    """Invoke the CLI in-process; (exit code, combined output)."""
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_help_lists_the_tui_entry_points() -> None:
    code, out = run("--help")
    assert code == 0
    for text in ("--snapshot", "--config", "--profile", "--endpoint-url", "demo", "user", "role"):
        assert text in out
    code, out = run("user", "--help")
    assert code == 0 and "--demo" in out and "--snapshot" in out


def test_demo_and_snapshot_are_alternatives(tmp_path: Path) -> None:
    code, out = run("user", "alice", "--demo", "--snapshot", str(tmp_path / "x.json"))
    assert code == 2
    assert out.strip() == "iamtui: error: --demo and --snapshot are alternatives: pass one"


def test_a_bad_snapshot_file_is_one_line_before_the_tui(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json", encoding="utf-8")
    code, out = run("--snapshot", str(bad))
    assert code == 2
    assert out.startswith("iamtui: error: ") and out.count("\n") == 1
    assert "bad.json" in out


def test_an_unknown_keymap_binding_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\npane-userz = "u"\n', encoding="utf-8")
    code, out = run("--config", str(config), "--snapshot", str(tmp_path / "none.json"))
    assert code == 2 and out.count("\n") == 1
    assert "keymap.pane-userz: unknown binding id" in out
    assert "pane-users" in out  # the valid ids are named


def test_the_tui_entry_points_do_not_import_textual_until_the_tui_starts() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from iamtui.cli import main;"
        "r = CliRunner().invoke(main, ['user', '--help']); assert r.exit_code == 0, r.output;"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert out == "False"


def test_action_flags_are_on_every_tui_entry_point() -> None:
    for args in ([], ["demo"], ["user"], ["role"], ["root"]):
        code, out = run(*args, "--help")
        assert code == 0
        for flag in ("--read-only", "--dry-run", "--journal"):
            assert flag in out, (args, flag)


def test_read_only_and_dry_run_are_alternatives(tmp_path: Path) -> None:
    code, out = run("user", "alice", "--read-only", "--dry-run", "--snapshot", str(tmp_path / "x"))
    assert code == 2
    assert out.strip() == "iamtui: error: --read-only and --dry-run are alternatives: pass one"


def test_root_without_a_terminal_stays_headless(tmp_path: Path) -> None:
    from iamtui.core import snapshot as snapshot_io
    from iamtui.core.model import AccountSnapshot

    path = tmp_path / "acct.json"
    snapshot_io.save(AccountSnapshot(account_id="123456789012", loaded_at=NOW), path)
    code, out = run("root", "--snapshot", str(path))
    assert code == 0 and "Root hardening" in out  # the text checklist, no TUI


def test_org_and_demo_org_refuse_without_a_terminal_in_one_line() -> None:
    for args in (["org"], ["demo", "--org"]):
        code, out = run(*args)
        assert code == 2, (args, out)
        assert out.startswith("iamtui: error: the TUI needs a terminal") and out.count("\n") == 1
    code, out = run("org", "--help")
    assert code == 0
    for flag in ("--role-name", "--accounts", "--exclude", "--profiles", "--read-only", "--demo"):
        assert flag in out, flag
    assert "--org" not in out  # the command is the organization: no --org, no "With --org"
