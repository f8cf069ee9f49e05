"""Operator rough edges of the CLI (issue 12): what a first session trips over, one test each."""

from __future__ import annotations

import re
from pathlib import Path

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
