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


# --- key tables: docs/tui.md and README.md against the app's bindings -------------------------

TUI_DOC = (Path(__file__).parent.parent / "docs" / "tui.md").read_text(encoding="utf-8")


def key_tables(markdown: str) -> list[list[dict[str, str]]]:
    """Every Markdown table with ``key``, ``id`` and ``label`` columns, as rows of cells."""
    tables: list[list[dict[str, str]]] = []
    lines = markdown.splitlines()
    for n, line in enumerate(lines):
        header = [c.strip() for c in line.strip().strip("|").split("|")]
        if not {"key", "id", "label"} <= set(header) or n + 1 >= len(lines):
            continue
        rows = []
        for row in lines[n + 2 :]:
            if not row.startswith("|"):
                break
            cells = [c.strip() for c in row.strip().strip("|").split("|")]
            rows.append(dict(zip(header, cells, strict=True)))
        tables.append(rows)
    return tables


def documented(row: dict[str, str]) -> tuple[str, tuple[str, ...], str]:
    """(id, keys, label) of one table row; keys are the backquoted words of the key cell."""
    ids = re.findall(r"`([^`]+)`", row["id"])
    assert len(ids) == 1, row
    return ids[0], tuple(re.findall(r"`([^`]+)`", row["key"])), row["label"]


def bound() -> dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]]:
    """id -> (keys as the docs write them, label, scope titles), from the app's bindings.

    The first key is written as the key bar shows it when the binding says so (``?`` for
    question_mark); one id has the same keys and label in every scope that binds it.
    """
    from iamtui.ui.app import binding_scopes
    from iamtui.ui.keymap import effective_keys

    out: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {}
    for title, bindings in binding_scopes():
        for binding in bindings:
            assert binding.id, binding
            keys = effective_keys(binding, {})
            if binding.key_display:
                keys[0] = binding.key_display
            seen = out.get(binding.id)
            if seen is not None:
                assert seen[:2] == (tuple(keys), binding.description), binding.id
                out[binding.id] = (seen[0], seen[1], (*seen[2], title))
            else:
                out[binding.id] = (tuple(keys), binding.description, (title,))
    return out


def compare(rows: list[dict[str, str]]) -> list[str]:
    """Each way a table's rows differ from the bindings (empty when they agree)."""
    app = bound()
    problems = []
    for row in rows:
        binding_id, keys, label = documented(row)
        if binding_id not in app:
            problems.append(f"{binding_id}: documented, but no binding has this id")
            continue
        want_keys, want_label, scopes = app[binding_id]
        if keys != want_keys:
            problems.append(f"{binding_id}: keys {keys} documented, bound to {want_keys}")
        if label != want_label:
            problems.append(f"{binding_id}: label {label!r} documented, bound as {want_label!r}")
        if "scope" in row and set(row["scope"].split(", ")) != set(scopes):
            problems.append(f"{binding_id}: scope {row['scope']!r}, bound in {', '.join(scopes)}")
    return problems


def test_docs_key_tables_list_every_binding_exactly_as_bound() -> None:
    tables = key_tables(TUI_DOC)
    assert len(tables) == 2, "docs/tui.md: the Actions table and the key reference"
    rows = [row for table in tables for row in table]
    assert compare(rows) == []
    ids = [documented(row)[0] for row in rows]
    missing = sorted(set(bound()) - set(ids))
    assert missing == [], f"bindings missing from docs/tui.md: {missing}"
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []


def test_readme_key_table_is_the_docs_actions_table_as_bound() -> None:
    (readme_rows,) = key_tables(README)
    actions_rows = key_tables(TUI_DOC)[0]
    assert compare(readme_rows) == []
    readme = [documented(row) for row in readme_rows]
    assert readme == [documented(row) for row in actions_rows]


def test_the_key_table_parser_sees_a_wrong_key_and_an_unknown_id() -> None:
    """The checks above would fail on the mistake issue 12 found (X documented, D bound)."""
    stale = [
        {"key": "`X`", "id": "`user-delete`", "label": "Delete user"},
        {"key": "`D`", "id": "`review-user-delete`", "label": "Delete user"},
    ]
    problems = compare(stale)
    assert problems[0].startswith("user-delete: keys ('X',) documented, bound to ('D',)")
    assert problems[1] == "review-user-delete: documented, but no binding has this id"
