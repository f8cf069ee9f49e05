"""Every ``iamtui demo`` run writes its own journal, never the one real accounts use.

The demo account is seeded anew at each run: an earlier run's entries name keys that no longer
exist. The TUI itself is replaced by a stand-in that records the workspace it was given (the
journal is chosen before the TUI starts); ``--journal``/``IAMTUI_JOURNAL`` still win.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import platformdirs
import pytest
from click.testing import CliRunner

from iamtui.cli import main
from iamtui.core.journal import (
    DEMO_JOURNALS_KEPT,
    Journal,
    JournalWriter,
    default_path,
    demo_journal_path,
)
from iamtui.ui.app import IamtuiApp


@pytest.fixture
def journals(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The journal path of each TUI the CLI starts (the TUI itself does not run)."""
    seen: list[Path] = []

    def run(self: IamtuiApp, *args: Any, **kwargs: Any) -> None:
        seen.append(self.workspace.journal.path)

    monkeypatch.setattr(IamtuiApp, "run", run)
    # CliRunner is no terminal, and the TUI refuses to draw into a pipe: pretend, as it is not run.
    monkeypatch.setattr("iamtui.cli.tui.has_terminal", lambda: True)
    monkeypatch.delenv("IAMTUI_JOURNAL", raising=False)
    return seen


def demo_dir() -> Path:
    """Where demo journals live: the user state directory's ``demo/``."""
    return (Path(platformdirs.user_state_path("iamtui")) / "demo").resolve()


def invoke(*args: str, env: dict[str, str] | None = None) -> None:
    """Run the CLI in-process; it must succeed."""
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output


def test_each_demo_run_gets_a_fresh_journal_of_its_own(journals: list[Path]) -> None:
    invoke("demo")
    invoke("demo")
    invoke("user", "daniel.okafor", "--demo")
    assert len(set(journals)) == 3
    for path in journals:
        assert path.parent == demo_dir()
        assert path.suffix == ".jsonl"
        assert path != default_path().resolve()
    assert not default_path().exists()


def test_journal_flag_and_environment_still_win(journals: list[Path], tmp_path: Path) -> None:
    invoke("demo", "--journal", str(tmp_path / "mine.jsonl"))
    invoke("--journal", str(tmp_path / "root.jsonl"), "demo")
    invoke("demo", env={"IAMTUI_JOURNAL": str(tmp_path / "env.jsonl")})
    assert [p.name for p in journals] == ["mine.jsonl", "root.jsonl", "env.jsonl"]


def test_a_live_account_keeps_the_default_journal(journals: list[Path]) -> None:
    invoke("--endpoint-url", "http://127.0.0.1:9")
    assert journals == [default_path().resolve()]


def fake_journal(directory: Path, when: datetime, pid: int) -> Path:
    """A journal an earlier demo left behind, with its lock sidecar and a torn copy."""
    path = directory / f"{when.strftime('%Y%m%dT%H%M%SZ')}-{pid}-{pid % 65536:04x}.jsonl"
    path.write_text("", encoding="utf-8")
    for suffix in (".lock", ".torn-20260101T000000Z"):
        path.with_name(path.name + suffix).write_text("", encoding="utf-8")
    return path


DEAD = 999_999_000


def test_old_demo_journals_are_removed_but_the_newest_and_held_ones_stay() -> None:
    directory = demo_dir()
    directory.mkdir(parents=True)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    # pids no process has (above any pid_max): their demos are over
    old = [fake_journal(directory, now - timedelta(hours=h), DEAD + h) for h in range(8, 0, -1)]
    with JournalWriter(Journal(old[0])):  # a demo still running on the oldest journal
        path = demo_journal_path(now)
    kept = sorted(p for p in directory.glob("*.jsonl"))
    newest = old[-(DEMO_JOURNALS_KEPT - 1) :]
    assert kept == sorted([old[0], *newest])
    assert path.parent == directory and path.name.startswith(f"20260601T120000Z-{os.getpid()}-")
    assert not path.exists()  # created by the writer when the TUI opens it
    leftovers = {p.name for p in directory.iterdir()} - {p.name for p in kept}
    assert all(name.startswith(tuple(p.name for p in kept)) for name in leftovers)


def test_no_demo_directory_yet_is_fine() -> None:
    path = demo_journal_path()
    assert path.parent == demo_dir()
    assert not path.parent.exists()


def test_pruning_touches_only_demo_journals_of_finished_demos() -> None:
    """Before: any *.jsonl was pruned (0-notes.jsonl went), and a running `demo --serve`'s
    journal (written by the shell it serves, so unlocked between commands) went too."""
    directory = demo_dir()
    directory.mkdir(parents=True)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    mine = [directory / "0-notes.jsonl", directory / "zzz-mine.jsonl"]
    for path in mine:
        path.write_text("keep me", encoding="utf-8")
    serving = fake_journal(directory, now - timedelta(days=30), os.getpid())  # alive
    finished = [
        fake_journal(directory, now - timedelta(hours=h), DEAD + h) for h in range(9, 0, -1)
    ]
    demo_journal_path(now)
    assert all(p.read_text(encoding="utf-8") == "keep me" for p in mine)
    assert serving.exists()
    assert [p for p in finished if p.exists()] == finished[-(DEMO_JOURNALS_KEPT - 1) :]


def test_the_demo_says_where_its_journal_is_on_exit(
    journals: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the demo exited without a word, its journal's name a timestamp nobody saw."""
    runner = CliRunner()
    quiet = runner.invoke(main, ["demo"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.output.splitlines()[-1] == "journal: none written (nothing was changed)"

    def act(self: IamtuiApp, *args: Any, **kwargs: Any) -> None:
        path = self.workspace.journal.path  # an action journaled, as far as the exit can tell
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")

    monkeypatch.setattr(IamtuiApp, "run", act)
    result = runner.invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    [path] = [p for p in demo_dir().glob("*.jsonl") if p.stat().st_size == 0]
    assert result.output.splitlines()[-1] == (
        f"journal: {path} (read it with: iamtui journal list --journal {path}; the newest "
        f"{DEMO_JOURNALS_KEPT} demo journals are kept)"
    )
    dry = runner.invoke(main, ["demo", "--dry-run"])
    assert dry.output.splitlines()[-1] == "journal: none written (a dry run journals nothing)"
