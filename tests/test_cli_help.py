"""Every command's --help, read as a newcomer reads it: what it says must be what happens."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from iamtui.cli import main


def commands(group: click.Group = main, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command's words after ``iamtui``, the root included."""
    yield path
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name)


def help_of(*words: str) -> str:
    result = CliRunner().invoke(main, [*words, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_help_names_its_own_fresh_journal_not_the_users() -> None:
    text = " ".join(help_of("demo").split())
    assert "~/.local/state/iamtui/journal.jsonl" not in text
    assert "a fresh one per run" in text
    for words in (("root",), ("user", "x")):
        assert "with --demo, a fresh one per run" in " ".join(help_of(*words).split())


def test_rightsize_window_accepts_what_the_engine_accepts_and_says_why() -> None:
    from iamtui.core.rightsize import RightsizeOptions

    low = RightsizeOptions().min_window_days
    text = " ".join(help_of("rightsize").split())
    assert f"[{low}<=x<=400]" in text and "too little evidence" in text
    short = CliRunner().invoke(main, ["rightsize", "app", "--window", str(low - 1)])
    assert short.exit_code == 2
    assert f"{low - 1} is not in the range {low}<=x<=400" in short.stderr


def test_the_fetch_hint_says_what_each_front_end_does() -> None:
    from iamtui.core.rightsize import FETCH_HINT

    assert "--last-accessed" not in FETCH_HINT  # no such flag on `iamtui rightsize`
    assert "L in the TUI" in FETCH_HINT and "`iamtui rightsize` fetches its own" in FETCH_HINT


@pytest.mark.parametrize("words", list(commands()), ids=lambda w: " ".join(w) or "iamtui")
def test_no_help_shows_rst_double_backticks(words: tuple[str, ...]) -> None:
    """Click prints docstrings as written: ``--plan`` would reach the reader with its quotes."""
    assert "``" not in help_of(*words)
