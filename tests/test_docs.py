"""The README's examples must stay true: its config parses and its rule list is the real one."""

from __future__ import annotations

import re
from pathlib import Path

from iamtui.core.rules import RULE_IDS, parse_settings

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_config_example_is_valid() -> None:
    block = re.search(r"```toml\n(.*?)```", README, re.S)
    assert block is not None
    settings = parse_settings(block.group(1))
    assert settings.suppressions[0].rule == "user.password-unused"


def test_readme_lists_exactly_the_rule_ids() -> None:
    section = README.split("## Findings", 1)[1].split("###", 1)[0]
    listed = set(re.findall(r"`([a-z-]+\.[a-z-]+)`", section))
    assert listed == set(RULE_IDS)


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    command = re.search(r"```sh\n(python3 -m venv .venv && .*\[test\].*)\n```", README)
    assert command is not None
    assert command.group(1) in ci
