"""The real CLI against an attacker's inputs: root flags, markup, degraded data, hostile files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from builders import key, row, snapshot, user
from hostile import assert_inert

from iamtui.core import snapshot as snapshot_io
from iamtui.core.model import AccountSnapshot

IAMTUI = [sys.executable, "-c", "from iamtui.cli import main; main()"]
#: Credentials that reach nothing: a live load fails fast instead of finding a real account.
FAKE_AWS = {"AWS_ACCESS_KEY_ID": "AKIAFAKE", "AWS_SECRET_ACCESS_KEY": "fake"}


def run(
    *args: str, env: dict[str, str] | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    clean.update(env or {})
    kwargs.setdefault("timeout", 120)
    return subprocess.run([*IAMTUI, *args], capture_output=True, text=True, env=clean, **kwargs)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single ``iamtui: error:`` line of a failed command (exit 2)."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, (result.returncode, result.stderr[-2000:])
    assert lines[0].startswith("iamtui: error: ") and len(lines[0]) < 600, lines[0][:600]
    return lines[0]


def saved(path: Path, snap: AccountSnapshot) -> Path:
    snapshot_io.save(snap, path)
    return path


@pytest.fixture
def account(tmp_path: Path) -> Path:
    users = [user("alice"), user("bob")]
    rows = [row(u, key1=key(used=200, rotated=300)) for u in users]
    return saved(tmp_path / "acct.json", snapshot(users=users, rows=rows))


# --- 1. connection flags before the subcommand --------------------------------------------


def test_root_snapshot_flag_is_honoured_by_scan_and_root(account: Path, tmp_path: Path) -> None:
    scan = run("--snapshot", str(account), "scan", "--format", "json", env=FAKE_AWS)
    assert scan.returncode == 0, scan.stderr
    # Offline from the file: a live load would fail on the fake credentials.
    assert json.loads(scan.stdout)["account"]["alias"] == "acme-prod"
    root = run("--snapshot", str(account), "root", "--format", "json", env=FAKE_AWS)
    assert root.returncode == 0, root.stderr
    assert json.loads(root.stdout)["counts"]
    same = run("--snapshot", str(account), "scan", "--snapshot", str(account), "--format", "json")
    assert same.returncode == 0, same.stderr
    other = saved(tmp_path / "other.json", snapshot())
    conflict = run("--snapshot", str(account), "scan", "--snapshot", str(other))
    assert "--snapshot given before and after the subcommand" in one_error_line(conflict)


def test_root_connection_flags_are_honoured_or_refused(account: Path, tmp_path: Path) -> None:
    env = {**FAKE_AWS, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    endpoint = run("--endpoint-url", "http://127.0.0.1:1", "scan", env=env)
    assert "http://127.0.0.1:1" in one_error_line(endpoint)
    profile = run("--profile", "doesnotexist", "scan", env=FAKE_AWS)
    assert "profile 'doesnotexist' not found" in one_error_line(profile)
    saved_live = run("--profile", "doesnotexist", "snapshot", "save", str(tmp_path / "s.json"))
    assert "profile 'doesnotexist' not found" in one_error_line(saved_live)
    assert not (tmp_path / "s.json").exists()
    refused = run("--snapshot", str(account), "snapshot", "save", str(tmp_path / "s.json"))
    assert "--snapshot before 'snapshot save' does not apply" in one_error_line(refused)
    demo = run("--snapshot", str(account), "demo")
    assert "--snapshot before 'demo' does not apply" in one_error_line(demo)
    twice = run(
        "--region", "eu-west-1", "scan", "--region", "us-east-1", "--snapshot", str(account)
    )
    assert "--region given before and after" in one_error_line(twice)


# --- 2. markup in the alias ---------------------------------------------------------------


@pytest.mark.parametrize("alias", ["[/]", "[link=https://evil.example/x]x[/link]", "[bold]b"])
def test_markup_in_the_alias_is_shown_as_text(tmp_path: Path, alias: str) -> None:
    users = [user("alice")]
    snap = snapshot(users=users, rows=[row(users[0], key1=key(used=200))], alias=alias)
    path = saved(tmp_path / "alias.json", snap)
    result = run("scan", "--snapshot", str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"IAM findings for {alias} (123456789012)" in result.stdout
    assert "\x1b]8" not in result.stdout
    out = tmp_path / "table.txt"
    written = run("scan", "--snapshot", str(path), "-o", str(out))
    assert written.returncode == 0, written.stderr[-2000:]
    assert alias in out.read_text() and "\x1b]8" not in out.read_text()


# --- 3. degraded data and catch-all suppressions ------------------------------------------


def test_data_warnings_make_the_scan_incomplete(account: Path, tmp_path: Path) -> None:
    snap = snapshot_io.load(account)
    warned = saved(
        tmp_path / "warned.json",
        replace(snap, data_warnings=("12 users without CreateDate (rules skipped them)",)),
    )
    quiet = tmp_path / "quiet.toml"
    quiet.write_text('[[suppressions]]\nrule = "*"\nprincipal = "*"\nreason = "accepted"\n')
    gate = ["--fail-on", "critical", "--config", str(quiet)]
    result = run("scan", "--snapshot", str(warned), "--format", "json", *gate)
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    assert document["complete"] is False and document["data_warnings"]
    assert "iamtui: warning: scan INCOMPLETE: 1 data warning" in result.stderr
    assert "suppressions hide all" in result.stderr
    table = run("scan", "--snapshot", str(warned), *gate)
    assert table.returncode == 3 and "scan INCOMPLETE: 1 data warning" in table.stdout
    allowed = run("scan", "--snapshot", str(warned), *gate, "--allow-incomplete")
    assert allowed.returncode == 0, allowed.stderr
    clean = run("scan", "--snapshot", str(account), *gate)
    assert clean.returncode == 0 and "suppressions hide all" in clean.stderr


# --- 4. hostile config files --------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a = " + "[" * 100_000, "nested too deeply"),
        ("a = " + "{b = " * 10_000, "invalid TOML"),
        ("[thresholds]\nkey_unused_days = " + "9" * 5000, "invalid TOML"),
        ("[thresholds]\n" + "k" * 900_000 + " = 1", "unknown key"),
    ],
    ids=["deep-array", "deep-inline-table", "5000-digits", "huge-key"],
)
def test_hostile_config_is_one_short_line(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "hostile.toml"
    config.write_text(content + "\n")
    line = one_error_line(run("scan", "--snapshot", "x.json", "--config", str(config)))
    assert message in line


# --- 5. unbounded reads -------------------------------------------------------------------


def test_devices_fifos_and_huge_keys_are_refused_in_one_line(account: Path, tmp_path: Path) -> None:
    assert "not a regular file" in one_error_line(run("scan", "--snapshot", "/dev/zero"))
    assert "not a regular file" in one_error_line(
        run("scan", "--snapshot", str(account), "--config", "/dev/zero")
    )
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "not a regular file" in one_error_line(run("scan", "--snapshot", str(fifo), timeout=30))
    document = json.loads(account.read_text())
    document["snapshot"]["summary"]["values"] = {"K" * 3_000_000: "x"}
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps(document))
    assert "snapshot.summary.values.KKK" in one_error_line(run("scan", "--snapshot", str(huge)))


# --- 6. CSV in semicolon locales ----------------------------------------------------------


def test_csv_quotes_separators_and_neutralises_formulas_after_them(tmp_path: Path) -> None:
    import csv
    import io

    name = "x;=1+cmd|calc!A0"
    users = [user(name)]
    path = saved(
        tmp_path / "semi.json", snapshot(users=users, rows=[row(users[0], key1=key(used=200))])
    )
    result = run("scan", "--snapshot", str(path), "--format", "csv")
    assert result.returncode == 0, result.stderr
    shown = "x;'=1+cmd|calc!A0"
    assert f'"{shown}"' in result.stdout and name not in result.stdout
    names = {r["principal_name"] for r in csv.DictReader(io.StringIO(result.stdout))}
    assert shown in names
    for delimiter in (",", ";"):  # a spreadsheet in either locale sees no formula
        for cells in csv.reader(io.StringIO(result.stdout), delimiter=delimiter):
            assert not any(c.lstrip().startswith(("=", "+", "-", "@")) for c in cells), cells


# --- 7. output paths and secrets in errors -----------------------------------------------


def test_output_paths_and_url_passwords(account: Path, tmp_path: Path) -> None:
    dash = run("scan", "--snapshot", str(account), "--format", "json", "-o", "-", cwd=tmp_path)
    assert dash.returncode == 0 and json.loads(dash.stdout)["schema"]
    assert not (tmp_path / "-").exists()
    nodir = run("scan", "--snapshot", str(account), "-o", "nodir/x.csv", cwd=tmp_path)
    line = one_error_line(nodir)
    assert "nodir/x.csv" in line and ".tmp" not in line
    (tmp_path / "d").mkdir()
    assert "is a directory" in one_error_line(
        run("scan", "--snapshot", str(account), "-o", "d", cwd=tmp_path)
    )
    assert "is a directory" in one_error_line(
        run("--journal", "d", "root", "--snapshot", str(account), cwd=tmp_path)
    )
    url = "http://admin:hunter2@127.0.0.1:1"
    masked = one_error_line(run("--endpoint-url", url, "scan", env=FAKE_AWS))
    assert "hunter2" not in masked and "http://admin:***@127.0.0.1:1" in masked


# --- 8. invisible characters and literal escapes ------------------------------------------


def test_invisible_characters_and_fake_escapes_are_shown(tmp_path: Path) -> None:
    from hostile import FAKE_ESCAPE, FAKE_ESCAPE_SHOWN, INVISIBLE_ATTACK, INVISIBLE_ATTACK_SHOWN

    users = [user(INVISIBLE_ATTACK), user(FAKE_ESCAPE)]
    rows = [row(u, key1=key(used=200)) for u in users]
    path = saved(tmp_path / "inv.json", snapshot(users=users, rows=rows))
    for fmt in ("table", "csv"):
        result = run("scan", "--snapshot", str(path), "--format", fmt, env={"COLUMNS": "300"})
        assert result.returncode == 0, result.stderr
        assert_inert(result.stdout)
        assert f"{INVISIBLE_ATTACK_SHOWN}" in result.stdout
        assert FAKE_ESCAPE_SHOWN in result.stdout
