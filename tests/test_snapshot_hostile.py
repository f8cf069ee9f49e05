"""Hostile snapshot files: each is refused with one line naming the file, exit 2, in bounded time.

A snapshot comes from outside (a colleague, a ticket attachment): a file that would crash the
parser, scan as an account with no users, or take minutes to show must fail fast and clearly.
Files holding the whole inventory are written owner-only (0600).
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_snapshot_file import sample

from iamtui.cli import main
from iamtui.core import snapshot as snapshot_io
from iamtui.core.files import write_private

SAMPLE_V1 = Path(__file__).parent / "data" / "snapshot-v1.json"


def base() -> dict[str, Any]:
    """A valid snapshot document (today's format) to damage."""
    document: dict[str, Any] = json.loads(SAMPLE_V1.read_text())
    return document


def edit(change: Callable[[dict[str, Any]], None]) -> str:
    document = base()
    change(document["snapshot"])
    return json.dumps(document)


def _set_missing_reason(snap: dict[str, Any]) -> None:
    snap["credential_report"]["rows"][0]["password_last_used"] = {"missing": "bogus"}


HOSTILE = {
    "naive-datetime": (
        edit(lambda s: s.update(loaded_at="2026-05-01T08:30:00")),
        "snapshot.loaded_at: '2026-05-01T08:30:00' has no UTC offset",
    ),
    "5000-digit-integer": (
        json.dumps(base()).replace('"request_count": 9', '"request_count": ' + "7" * 5000),
        "Exceeds the limit",
    ),
    "200k-deep-nesting": (
        '{"format": "iamtui.snapshot", "version": 1, "snapshot": '
        + "[" * 200_000
        + "]" * 200_000
        + "}",
        "nested too deeply",
    ),
    "70-deep-nesting": (
        edit(lambda s: s.update(source=json.loads("[" * 70 + "]" * 70))),
        "nested deeper than 64 levels",
    ),
    "unknown-missing-value": (
        edit(_set_missing_reason),
        "password_last_used.missing: unknown value 'bogus'",
    ),
    "users-section-missing": (edit(lambda s: s.pop("users")), "missing field 'users'"),
    "non-object-top-level": ("[1, 2, 3]", "the top level is a list, not an object"),
    "string-top-level": ('"iamtui.snapshot"', "the top level is a string"),
    "unknown-field": (edit(lambda s: s.update(extra=1)), "unknown field 'extra'"),
    "bool-for-int": (edit(lambda s: s.update(request_count=True)), "request_count: expected"),
    "30MB-alias": (edit(lambda s: s.update(alias="a" * 30_000_000)), "30000000 characters"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_snapshot_is_one_line_exit_2(tmp_path: Path, name: str) -> None:
    text, expected = HOSTILE[name]
    path = tmp_path / f"{name}.json"
    path.write_text(text)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["scan", "--snapshot", str(path)])
    elapsed = time.monotonic() - started
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"iamtui: error: {path}: "), lines[:3]
    assert expected in lines[0]
    assert len(lines[0]) < 400
    assert elapsed < 15, f"{name} took {elapsed:.1f}s"


def test_todays_snapshot_files_still_load_byte_for_byte() -> None:
    """A file written before the codec loads, and saving it again gives the same bytes."""
    text = SAMPLE_V1.read_text()
    loaded = snapshot_io.loads(text)
    assert loaded == sample()
    assert snapshot_io.dumps(loaded) == text


def test_a_naive_time_is_refused_when_saving_too(tmp_path: Path) -> None:
    from dataclasses import replace
    from datetime import datetime

    naive = replace(sample(), loaded_at=datetime(2026, 5, 1, 8, 30))
    with pytest.raises(ValueError, match=r"snapshot.loaded_at: naive datetime"):
        snapshot_io.save(naive, tmp_path / "x.json")
    assert not list(tmp_path.iterdir())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_saved_snapshots_are_owner_only_even_over_a_wider_file(tmp_path: Path) -> None:
    path = tmp_path / "acct.json"
    path.write_text("old")
    path.chmod(0o644)
    snapshot_io.save(sample(), path)
    assert mode(path) == 0o600 and snapshot_io.load(path) == sample()


def test_write_private_replaces_a_link_instead_of_writing_through_it(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    target.chmod(0o644)
    link = tmp_path / "out.json"
    link.symlink_to(target)
    hard = tmp_path / "hard.json"
    os.link(target, hard)
    old_umask = os.umask(0)
    try:
        write_private(link, "inventory")
        write_private(hard, "inventory")
    finally:
        os.umask(old_umask)
    assert target.read_text() == "keep me" and mode(target) == 0o644
    assert not link.is_symlink() and link.read_text() == "inventory" and mode(link) == 0o600
    assert hard.read_text() == "inventory" and mode(hard) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere.txt", "hard.json", "out.json"]


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_scan_output_files_are_owner_only(tmp_path: Path, fmt: str) -> None:
    snap = tmp_path / "acct.json"
    snapshot_io.save(sample(), snap)
    out = tmp_path / f"report.{fmt}"
    out.write_text("")
    out.chmod(0o644)
    result = CliRunner().invoke(
        main, ["scan", "--snapshot", str(snap), "--format", fmt, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o600 and "alice" in out.read_text()
