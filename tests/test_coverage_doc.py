"""docs/coverage.md stays true: it names every rule, only rules that exist, and says why not."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from iamtui.core.rules import RULE_IDS

DOC = Path(__file__).parent.parent / "docs" / "coverage.md"
HEADER = "| source | control | title | iamtui rule(s) | note |"
NONE = "—"
NOT_COVERED = "not covered: "
RULE_ID = re.compile(r"`([a-z0-9-]+\.[a-z0-9-]+)`")

#: Every control each benchmark source has, so none can be left out of the page.
CIS_CONTROLS = {f"1.{n}" for n in range(1, 23)}
EXPECTED_CONTROLS = {
    "CIS v3.0.0": CIS_CONTROLS,
    "CIS v4.0.x": CIS_CONTROLS,
    "Security Hub": {f"IAM.{n}" for n in range(1, 29)},
}
#: Check folders under prowler/providers/aws/services/iam/ (commit 3e000faa, 2026-08-21).
PROWLER_CHECKS = 48


@dataclass(frozen=True)
class Row:
    """One mapped control."""

    source: str
    control: str
    title: str
    rules: tuple[str, ...]
    note: str


def rows() -> list[Row]:
    """Every row of every table with the coverage header (the page's only table shape)."""
    found: list[Row] = []
    in_table = False
    for line in DOC.read_text().splitlines():
        if line == HEADER:
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False
            continue
        if not in_table or set(line) <= set("|-"):
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == 5, line
        source, control, title, rule_cell, note = cells
        named = tuple(RULE_ID.findall(rule_cell))
        # the rule cell holds nothing but backticked ids, comma-separated, or the dash
        expected_cell = ", ".join(f"`{r}`" for r in named) if named else NONE
        assert rule_cell == expected_cell, line
        found.append(Row(source, control, title, named, note))
    return found


def test_the_page_has_tables_of_the_one_shape() -> None:
    text = DOC.read_text()
    assert text.count(HEADER) == 5
    assert all(line == HEADER for line in text.splitlines() if line.startswith("| source"))
    assert len(rows()) == 22 + 22 + 28 + PROWLER_CHECKS + len(
        [r for r in rows() if r.source == "iamtui"]
    )


def test_every_rule_in_the_registry_is_on_the_page() -> None:
    named = {rule for row in rows() for rule in row.rules}
    assert sorted(RULE_IDS - named) == []


def test_every_rule_the_page_names_exists() -> None:
    named = {rule for row in rows() for rule in row.rules}
    assert sorted(named - RULE_IDS) == []


def test_each_row_names_a_rule_or_says_why_not() -> None:
    for row in rows():
        assert row.title and row.title != NONE, row
        if row.rules:
            assert not row.note.startswith("not covered"), row
        else:
            assert row.note.startswith(NOT_COVERED), row
            assert len(row.note) > len(NOT_COVERED) + 10, row  # a reason, not a stub


@pytest.mark.parametrize("source", sorted(EXPECTED_CONTROLS))
def test_every_control_of_a_benchmark_is_listed_once(source: str) -> None:
    controls = [row.control for row in rows() if row.source == source]
    assert Counter(controls).most_common(1)[0][1] == 1
    assert set(controls) == EXPECTED_CONTROLS[source]


def test_every_prowler_check_is_listed_once() -> None:
    checks = [row.control for row in rows() if row.source == "Prowler"]
    assert len(checks) == len(set(checks)) == PROWLER_CHECKS
    assert all(re.fullmatch(r"`iam_[a-z0-9_]+`", check) for check in checks)


def test_rules_beyond_the_sources_name_one_rule_each() -> None:
    beyond = [row for row in rows() if row.source == "iamtui"]
    assert beyond
    assert all(row.control == NONE and len(row.rules) == 1 for row in beyond)
    assert {row.source for row in rows()} == {*EXPECTED_CONTROLS, "Prowler", "iamtui"}


def test_the_access_analyzer_rows_say_only_the_sessions_region_is_read() -> None:
    """CIS 1.20 asks for every region; ListAnalyzers reads one, so the page must not claim more."""
    analyzer = [row for row in rows() if "account.access-analyzer-disabled" in row.rules]
    assert len(analyzer) == 3
    assert all("region" in row.note for row in analyzer)
