"""The real CLI end to end: demo --serve, scan exit codes, snapshot save, one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from iamtui.cli import main
from iamtui.core.findings import Severity
from iamtui.core.ids import ActionId

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


@pytest.mark.slow
def test_demo_serve_speaks_aws_over_http() -> None:
    """`demo --serve` prints the endpoint first, then serves the seeded account until stopped."""
    proc = subprocess.Popen(
        [*IAMTUI, "demo", "--serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith("AWS_ENDPOINT_URL=http://127.0.0.1:")
        exports = dict(proc.stdout.readline().strip().split("=", 1) for _ in range(3))
        client = boto3.client(
            "iam",
            endpoint_url=first.split("=", 1)[1],
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

    assert demo_scan["schema"] == "iamtui.scan/1"
    assert {f["rule"] for f in demo_scan["findings"]} == {r.id for r in ALL_RULES}
    assert demo_scan["not_evaluated"] == []
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
