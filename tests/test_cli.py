"""The real CLI end to end: demo --serve, scan exit codes, snapshot save, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from iamtui.cli import main
from iamtui.core.findings import Severity
from iamtui.core.ids import ActionId
from iamtui.core.rules import RULE_IDS

#: How many built-in rules a scan reports on.
ALL = len(RULE_IDS)
IAMTUI = [sys.executable, "-c", "from iamtui.cli import main; main()"]


def run(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(kwargs.pop("env", {}))
    return subprocess.run(
        [*IAMTUI, *args], capture_output=True, text=True, timeout=120, env=env, **kwargs
    )


@pytest.fixture(scope="module")
def demo_scan() -> dict[str, Any]:
    result = run("scan", "--demo", "--format", "json")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def exported_by_a_shell(lines: list[str]) -> dict[str, str]:
    """What a POSIX shell has in its environment after the lines are pasted into it."""
    script = "\n".join([*lines, "env"])
    out = subprocess.run(
        ["sh"], input=script, capture_output=True, text=True, check=True, env={}
    ).stdout
    return dict(
        line.split("=", 1) for line in out.splitlines() if line.startswith(("AWS_", "IAMTUI_"))
    )


def test_demo_serve_lines_work_pasted_into_a_shell() -> None:
    """Each line is an ``export``: pasted as printed, the next command in that shell sees them."""
    from types import SimpleNamespace

    from iamtui.emulator.run import DemoEnvironment

    emulator = SimpleNamespace(endpoint_url="http://127.0.0.1:4566")
    secret = "wJalr/XUtnFEMI+K7MDENG$HOME 'x'"  # characters a shell would otherwise act on
    env = DemoEnvironment(emulator, None, "AKIAIOSFODNN7EXAMPLE", secret)
    lines = env.shell_exports()
    assert lines[0] == "export AWS_ENDPOINT_URL=http://127.0.0.1:4566"
    assert all(line.startswith("export AWS_") for line in lines)
    assert exported_by_a_shell(lines) == {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
    }


@pytest.mark.slow
def test_demo_serve_speaks_aws_over_http() -> None:
    """`demo --serve` prints the endpoint first, then serves the seeded account until stopped."""
    proc = subprocess.Popen(
        [*IAMTUI, "demo", "--serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith("export AWS_ENDPOINT_URL=http://127.0.0.1:")
        lines = [first] + [proc.stdout.readline().strip() for _ in range(4)]
        exports = exported_by_a_shell(lines)
        assert exports["AWS_DEFAULT_REGION"] == "us-east-1"
        # The pasting shell journals into this demo's own journal, never the real accounts' one.
        assert "/demo/" in exports["IAMTUI_JOURNAL"] and exports["IAMTUI_JOURNAL"].endswith(
            ".jsonl"
        )
        client = boto3.client(
            "iam",
            endpoint_url=exports["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
        )
        users = [u for p in client.get_paginator("list_users").paginate() for u in p["Users"]]
        assert 35 <= len(users) <= 45
        while client.generate_credential_report()["State"] != "COMPLETE":
            time.sleep(0.1)
        report = client.get_credential_report()["Content"].decode()
        assert report.splitlines()[1].startswith("<root_account>,")
        arn = next(u["Arn"] for u in users if u["UserName"] == "marcus.chen")
        job = client.generate_service_last_accessed_details(Arn=arn)["JobId"]
        details = client.get_service_last_accessed_details(JobId=job)
        while details["JobStatus"] != "COMPLETED":
            details = client.get_service_last_accessed_details(JobId=job)
        assert any("LastAuthenticated" in s for s in details["ServicesLastAccessed"])
        with pytest.raises(client.exceptions.DeleteConflictException):
            client.delete_user(UserName="daniel.okafor")  # still has keys and a password
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read()


@pytest.mark.slow
def test_scan_demo_reports_every_rule(demo_scan: dict[str, Any]) -> None:
    from iamtui.core.rules import ALL_RULES

    assert demo_scan["schema"] == "iamtui.scan/2"
    from iamtui.emulator.demo import ROOT_VARIANT_RULES

    # Every rule but the one reading SSH keys, which a scan never fetches (tests/
    # test_demo_account.py opens the user and sees it fire): not requested, not a failure; and
    # one root shows no MFA or a virtual one, not both.
    on_demand = {r.id for r in ALL_RULES if r.needs_user_details}
    shown = {r.id for r in ALL_RULES} - on_demand - set(ROOT_VARIANT_RULES)
    assert {f["rule"] for f in demo_scan["findings"]} == shown
    assert [n["rule"] for n in demo_scan["not_evaluated"]] == sorted(on_demand)
    assert demo_scan["complete"] is True
    assert demo_scan["account"]["alias"] == "northwind-prod"
    known = {a.value for a in ActionId}
    assert all(set(f["actions"]) <= known for f in demo_scan["findings"])


@pytest.mark.slow
def test_scan_demo_keeps_the_traps_out(demo_scan: dict[str, Any]) -> None:
    flagged = {(f["rule"], f["principal_name"]) for f in demo_scan["findings"]}
    assert ("access-key.never-used", "li.wei") not in flagged  # rotated 2 days ago
    unused_roles = {name for rule, name in flagged if rule == "role.unused"}
    assert "invoice-renderer-lambda" not in unused_roles  # used 3 days ago in eu-west-1
    assert not any(n.startswith(("AWSServiceRole", "AWSReservedSSO")) for n in unused_roles)


def test_snapshot_save_then_scan_offline(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    saved = run("snapshot", "save", str(path), "--demo")
    assert saved.returncode == 0, saved.stderr
    assert re.search(r"saved .*demo.json: \d+ users, \d+ roles", saved.stderr)
    offline = run("scan", "--snapshot", str(path), "--format", "csv")
    assert offline.returncode == 0, offline.stderr
    assert offline.stdout.splitlines()[0].startswith("id,severity,rule")
    assert len(offline.stdout.splitlines()) > 20


def test_fail_on_sets_the_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    assert run("snapshot", "save", str(path), "--demo").returncode == 0
    assert run("scan", "--snapshot", str(path), "--fail-on", "critical").returncode == 1
    config = tmp_path / "quiet.toml"
    config.write_text('[[suppressions]]\nrule = "*"\nprincipal = "*"\nreason = "accepted risk"\n')
    quiet = run("scan", "--snapshot", str(path), "--config", str(config), "--fail-on", "info")
    assert quiet.returncode == 0, quiet.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "--snapshot", "/nonexistent/x.json"], "no such file"),
        (["scan", "--endpoint-url", "http://127.0.0.1:9"], "cannot reach http://127.0.0.1:9"),
        (["scan", "--profile", "no-such-profile-xyz"], "profile 'no-such-profile-xyz' not found"),
        (["scan", "--demo", "--snapshot", "x.json"], "alternatives"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(args: list[str], message: str) -> None:
    env = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}
    result = run(*args, env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("iamtui: error: ") and message in lines[0]


def test_bad_config_names_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[thresholds]\nkey_unused_days = "ninety"\n')
    result = CliRunner().invoke(main, ["scan", "--snapshot", "x.json", "--config", str(config)])
    assert result.exit_code == 2
    assert str(config) in result.output or "bad.toml" in result.output
    assert "key_unused_days" in result.output


def test_severity_names_match_the_cli_choices() -> None:
    from iamtui.cli.scan import SEVERITIES

    assert tuple(s.label for s in sorted(Severity)) == SEVERITIES


def test_demo_without_moto_says_what_to_install() -> None:
    """Without the demo extra, `iamtui demo` fails in one line naming the pip command."""
    code = (
        "import sys; sys.modules['moto'] = None; sys.modules['moto.server'] = None;"
        "from iamtui.cli import main; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "demo", "--serve"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "iamtui: error: the emulated account needs moto: pip install 'iamtui[demo]'"
    )


def _save(path: Path, snap: Any) -> Path:
    from iamtui.core import snapshot as snapshot_io

    snapshot_io.save(snap, path)
    return path


def _unreadable_account(tmp_path: Path) -> Path:
    """A snapshot where every read failed: no rule can be evaluated."""
    from dataclasses import replace

    from builders import snapshot

    from iamtui.core.model import Part, Unavailable

    denied = tuple(
        Unavailable(part, "denied: the caller lacks it", "AccessDenied") for part in Part
    )
    snap = replace(snapshot(report=False), unavailable=denied, summary=None, caller=None)
    return _save(tmp_path / "denied.json", snap)


def test_a_scan_that_evaluated_nothing_fails_the_gate_with_exit_3(tmp_path: Path) -> None:
    path = _unreadable_account(tmp_path)
    table = run("scan", "--snapshot", str(path), "--fail-on", "critical")
    assert table.returncode == 3, table.stderr
    assert "No findings for acme-prod (123456789012)." not in table.stdout
    assert f"scan INCOMPLETE: {ALL} of {ALL} rules not evaluated" in table.stdout
    as_json = run("scan", "--snapshot", str(path), "--format", "json", "--fail-on", "low")
    assert as_json.returncode == 3
    assert json.loads(as_json.stdout)["complete"] is False
    assert f"iamtui: warning: scan INCOMPLETE: {ALL} of {ALL} rules" in as_json.stderr
    accepted = run("scan", "--snapshot", str(path), "--fail-on", "low", "--allow-incomplete")
    assert accepted.returncode == 0, accepted.stderr
    assert "scan INCOMPLETE" in accepted.stdout  # accepted, still said
    report_only = run("scan", "--snapshot", str(path), "--format", "csv")
    assert report_only.returncode == 0  # without --fail-on a scan only reports


def test_findings_at_the_threshold_win_over_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    assert run("snapshot", "save", str(path), "--demo").returncode == 0
    # --last-accessed asked for but not in the file: incomplete, and findings too.
    both = run("scan", "--snapshot", str(path), "--last-accessed", "--fail-on", "critical")
    assert both.returncode == 1, both.stderr
    assert f"scan INCOMPLETE: 1 of {ALL} rules not evaluated" in both.stdout
    config = tmp_path / "quiet.toml"
    config.write_text('[[suppressions]]\nrule = "*"\nprincipal = "*"\nreason = "accepted risk"\n')
    quiet = ["--config", str(config), "--fail-on", "info", "--last-accessed"]
    assert run("scan", "--snapshot", str(path), *quiet).returncode == 3


def test_config_before_the_subcommand_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    assert run("snapshot", "save", str(path), "--demo").returncode == 0
    config = tmp_path / "quiet.toml"
    config.write_text('[[suppressions]]\nrule = "*"\nprincipal = "*"\nreason = "accepted risk"\n')
    quiet = run("--config", str(config), "scan", "--snapshot", str(path), "--fail-on", "info")
    assert quiet.returncode == 0, quiet.stdout[-500:]
    # Headless root takes root_recent_days from the file in either position.
    counts = {}
    for days in (1, 36500):
        threshold = tmp_path / f"root-{days}.toml"
        threshold.write_text(f"[thresholds]\nroot_recent_days = {days}\n")
        before = run(
            "--config", str(threshold), "root", "--snapshot", str(path), "--format", "json"
        )
        after = run("root", "--snapshot", str(path), "--format", "json", "--config", str(threshold))
        assert before.returncode == after.returncode == 0, before.stderr
        counts[days] = json.loads(before.stdout)["counts"]
        assert counts[days] == json.loads(after.stdout)["counts"]
    assert counts[1] != counts[36500]


@pytest.mark.parametrize(
    "command",
    [["scan", "--snapshot", "x.json"], ["root", "--snapshot", "x.json"], ["journal", "list"]],
)
def test_a_broken_config_before_any_subcommand_is_one_line_exit_2(
    tmp_path: Path, command: list[str]
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[thresholds]\nkey_unused_days = -5\n")
    result = run("--config", str(config), *command)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0] == (
        f"iamtui: error: {config}: thresholds.key_unused_days: expected a positive integer, got -5"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[thresholds]\nkey_unused_days = 45 # \xe9t\xe9\n", "not UTF-8 text (byte 0xe9"),
        (b"[thresholds]\nkey_unused_days = " + str(10**30).encode() + b"\n", "expected 1 to"),
        (b"[thresholds]\nkey_unused_days = 0\n", "expected a positive integer, got 0"),
        (b'[thresholds]\ngrace_days = "\\u001b[2J"\n', 'got "\\x1b[2J"'),
    ],
    ids=["latin-1", "huge", "zero", "escape"],
)
def test_hostile_config_is_one_line_exit_2(tmp_path: Path, content: bytes, message: str) -> None:
    config = tmp_path / "hostile.toml"
    config.write_bytes(content)
    for args in (["scan", "--demo", "--config", str(config)], ["--config", str(config), "scan"]):
        result = run(*args)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1, result.stderr
        assert lines[0].startswith(f"iamtui: error: {config}: ") and message in lines[0]
        assert "\x1b" not in result.stderr


def test_scan_output_is_inert_and_spreadsheet_safe(tmp_path: Path) -> None:
    from builders import key, row, snapshot, user
    from hostile import FORMULA_NAMES, TERMINAL_ATTACK, TERMINAL_ATTACK_SHOWN, assert_inert

    users = [user(n) for n in (TERMINAL_ATTACK, *FORMULA_NAMES)]
    rows = [row(u, key1=key(used=200, rotated=300)) for u in users]
    path = _save(tmp_path / "hostile.json", snapshot(users=users, rows=rows, alias=TERMINAL_ATTACK))
    table = run("scan", "--snapshot", str(path))
    assert table.returncode == 0, table.stderr
    assert_inert(table.stdout)
    assert f"IAM findings for {TERMINAL_ATTACK_SHOWN} (123456789012)" in table.stdout
    as_csv = run("scan", "--snapshot", str(path), "--format", "csv")
    assert_inert(as_csv.stdout)
    names = {r["principal_name"] for r in csv.DictReader(io.StringIO(as_csv.stdout))}
    assert {f"'{n}" for n in FORMULA_NAMES} <= names
    as_json = run("scan", "--snapshot", str(path), "--format", "json")
    assert_inert(as_json.stdout)
    assert json.loads(as_json.stdout)["account"]["alias"] == TERMINAL_ATTACK  # exact, escaped


def test_user_not_in_the_snapshot_is_one_line_with_close_matches(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    assert run("snapshot", "save", str(path), "--demo").returncode == 0
    result = run("user", "marcus.chem", "--snapshot", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        'iamtui: error: user "marcus.chem" not found in account northwind-prod (123456789012); '
        "did you mean: marcus.chen?"
    )
    nothing_close = run("--snapshot", str(path), "role", "zzzzzz")
    assert nothing_close.returncode == 2
    assert nothing_close.stderr.strip() == (
        'iamtui: error: role "zzzzzz" not found in account northwind-prod (123456789012)'
    )


@pytest.fixture(scope="module")
def stock_moto() -> Iterator[str]:
    """moto exactly as shipped (no iamtui fidelity layer): what LocalStack users point at."""
    code = (
        "import logging, sys\n"
        "from moto.server import ThreadedMotoServer\n"
        "logging.getLogger('werkzeug').disabled = True\n"
        "server = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)\n"
        "server.start()\n"
        "host, port = server.get_host_and_port()\n"
        "print(f'http://{host}:{port}', flush=True)\n"
        "sys.stdin.read()\n"
        "server.stop()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_scan_against_stock_moto_degrades_instead_of_crashing(stock_moto: str) -> None:
    creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    iam = boto3.client("iam", endpoint_url=stock_moto, region_name="us-east-1", **creds)
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    )
    policy = iam.create_policy(PolicyName="EverythingEverywhere", PolicyDocument=document)
    for name in ("alice", "bob"):
        iam.create_user(UserName=name)
        iam.create_access_key(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn=policy["Policy"]["Arn"])
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName="open-door", AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName="open-door", PolicyArn=policy["Policy"]["Arn"])
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    result = run("scan", "--endpoint-url", stock_moto, "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "KeyError" not in result.stderr
    doc = json.loads(result.stdout)
    assert any(
        w.startswith("policies without PolicyName: 1 (name derived from the ARN)")
        for w in doc["data_warnings"]
    )
    assert result.stderr.count("policies without PolicyName") == 1  # warned once per field
    flagged = {(f["rule"], f["principal_name"]) for f in doc["findings"]}
    assert {("role.public-trust", "open-door"), ("policy.admin-access", "alice")} <= flagged
    admin = next(f for f in doc["findings"] if f["rule"] == "policy.admin-access")
    assert "EverythingEverywhere" in admin["summary"]  # the name derived from the ARN
    table = run("scan", "--endpoint-url", stock_moto, env=env)
    assert table.returncode == 0, table.stderr
    assert "Data warning:" in table.stdout and "open-door" in table.stdout


def test_error_lines_show_control_characters_as_escapes(tmp_path: Path) -> None:
    from hostile import TERMINAL_ATTACK, TERMINAL_ATTACK_SHOWN, assert_inert

    result = run("scan", "--snapshot", str(tmp_path / f"{TERMINAL_ATTACK}.json"))
    assert result.returncode == 2
    assert_inert(result.stderr.rstrip("\n"))
    assert TERMINAL_ATTACK_SHOWN in result.stderr


def test_a_closed_stdout_ends_quietly_not_with_a_broken_pipe_error(tmp_path: Path) -> None:
    """``iamtui journal list | head -3``: the reader went away; no error line, exit 141."""
    reader, writer = os.pipe()
    os.close(reader)  # every write to the pipe now fails with EPIPE
    try:
        args = ("journal", "list", "--journal", str(tmp_path / "j.jsonl"))
        result = subprocess.run(
            [*IAMTUI, *args], stdout=writer, stderr=subprocess.PIPE, text=True, timeout=60
        )
        assert result.returncode == 141, result.stderr
        assert result.stderr == ""
    finally:
        os.close(writer)
