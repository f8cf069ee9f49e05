"""A fleet scan: every account of an organization (or one per profile) read through an assumed
role, on the emulator; the demo organization from the CLI."""

from __future__ import annotations

import csv
import io
import json
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import NOW

from iamtui.cli import fleet as fleet_cli
from iamtui.cli import main
from iamtui.core import permissions
from iamtui.core import snapshot as snapshot_io
from iamtui.core.actions import ActionRefused, Executor, Planner, Request
from iamtui.core.fleet import (
    DEFAULT_ROLE_NAME,
    Fleet,
    FleetListing,
    FleetOptions,
    FleetProblem,
    FleetProgress,
    Reason,
    Target,
    choose,
    external_id_problem,
    list_organization,
    profile_targets,
    reach,
    role_arn,
    scan_fleet,
    session_name,
    split_list,
)
from iamtui.core.fleet.listing import SESSION_NAME
from iamtui.core.fleet.render import fleet_complete, fleet_headline, fleet_to_csv
from iamtui.core.journal import Journal
from iamtui.core.loader import CancelToken, load_account
from iamtui.core.session import ConnectionSettings, connect
from iamtui.emulator.demo_org import ANALYTICS, LEGACY, NAMES
from iamtui.emulator.fidelity.organizations import add_unit, seed_organization
from iamtui.emulator.seed import KeySpec, Seeder, trust_aws
from iamtui.emulator.server import Emulator
from iamtui.emulator.state import Organization

MGMT = "111111111111"
PROD = "222222222222"
GONE = "333333333333"  # no OrganizationAccountAccessRole: AssumeRole is AccessDenied
SLOW = "444444444444"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
#: Fast pacing for tests: no botocore retries, a 10 ms account backoff.
FAST = FleetOptions(call_attempts=1, backoff=0.01)


def _member(
    emulator: Emulator, account: str, *, policy: dict[str, Any] | None = None, **trust: Any
) -> None:
    s = Seeder(emulator.backend(account), emulator.extras(account), NOW)
    s.extras.report_generation_time = s.extras.report_generation_time * 0
    inline = {"iamtui": policy} if policy is not None else None
    s.role(
        DEFAULT_ROLE_NAME,
        trust=trust_aws(f"arn:aws:iam::{MGMT}:root", **trust),
        managed=[] if policy is not None else [ADMIN],
        inline=inline,
    )
    s.user("old-key", created=s.ago(500), keys=[KeySpec(created=s.ago(490), last_used=s.ago(300))])


def _org(
    emulator: Emulator,
    members: Iterable[str] = (PROD, GONE),
    *,
    with_role: Iterable[str] = (PROD,),
    operator_policy: dict[str, Any] | None = None,
    member_policy: dict[str, Any] | None = None,
    **trust: Any,
) -> tuple[Organization, ConnectionSettings]:
    """An organization on the shared emulator: the management account's operator, members."""
    members = tuple(members)
    org = seed_organization(MGMT, members, organization_id="o-testfleet1")
    org.account_names.update({MGMT: "mgmt", PROD: "prod-main", GONE: "gone", SLOW: "slow"})
    unit = add_unit(org, "Workloads")
    org.account_parents[PROD] = add_unit(org, "Prod", unit)
    s = Seeder(emulator.backend(MGMT), emulator.extras(MGMT), NOW)
    s.extras.report_generation_time = s.extras.report_generation_time * 0
    inline = {"iamtui": operator_policy} if operator_policy is not None else None
    s.user("operator", managed=[] if inline else [ADMIN], inline=inline)
    key = emulator.backend(MGMT).create_access_key("operator")
    for account in with_role:
        _member(emulator, account, policy=member_policy, **trust)
    for account in set(members) - set(with_role):
        extras = emulator.extras(account)
        extras.report_generation_time = extras.report_generation_time * 0
    settings = ConnectionSettings(
        endpoint_url=emulator.endpoint_url,
        region="us-east-1",
        static_credentials=(str(key.access_key_id), str(key.secret_access_key)),
    )
    return org, settings


def _scan(settings: ConnectionSettings, options: FleetOptions = FAST, **kwargs: Any) -> Any:
    conn = connect(settings)
    listing = list_organization(conn, options)
    return scan_fleet(
        listing, settings, caller_conn=conn, options=options, clock=lambda: NOW, **kwargs
    )


# --- the organization ---------------------------------------------------------------------------


def test_every_account_is_read_and_one_without_its_role_is_not_reachable(
    emulator: Emulator,
) -> None:
    """AWS: AssumeRole into an account with no such role is AccessDenied; the others load."""
    _, settings = _org(emulator)
    updates: list[FleetProgress] = []
    fleet = _scan(settings, progress=updates.append)
    by_id = {a.account_id: a for a in fleet.accounts}
    assert set(by_id) == {MGMT, PROD, GONE}
    assert {a.account_id for a in fleet.reachable} == {MGMT, PROD}
    gone = by_id[GONE]
    assert gone.unreachable is not None and gone.unreachable.reason is Reason.ACCESS_DENIED
    assert str(gone.unreachable).startswith("not reachable: access denied: cannot assume ")
    assert f"arn:aws:iam::{GONE}:role/{DEFAULT_ROLE_NAME}" in str(gone.unreachable)
    prod = by_id[PROD]
    assert prod.name == "prod-main" and prod.ou == "Workloads/Prod" and by_id[MGMT].ou == ""
    assert prod.role_chain == (f"arn:aws:iam::{PROD}:role/{DEFAULT_ROLE_NAME}",)
    assert by_id[MGMT].role_chain == ()  # the caller's own account: no role assumed
    assert prod.snapshot is not None and prod.snapshot.caller is not None
    assert prod.snapshot.caller.arn.endswith(f"assumed-role/{DEFAULT_ROLE_NAME}/iamtui-operator")
    assert prod.snapshot.users == () and prod.facts is not None and prod.facts.users == 1
    assert prod.evaluation is not None
    assert any(f.rule == "access-key.unused" for f in prod.evaluation.findings)
    assert all(a in f.principal_arn for a in (PROD,) for f in prod.evaluation.findings)
    # The organization's root features, read once by the caller, complete each member's view.
    assert prod.snapshot.organization is not None
    assert prod.snapshot.organization.root_features == ()
    final = updates[-1]
    assert (final.total, final.done, final.failed, final.running) == (3, 2, 1, 0)
    rows = list(csv.DictReader(io.StringIO(fleet_to_csv(fleet))))
    assert {(r["account_id"], r["account_name"]) for r in rows} == {
        (MGMT, "mgmt"),
        (PROD, "prod-main"),
    }
    assert len(rows) == sum(len(a.evaluation.findings) for a in fleet.reachable if a.evaluation)
    # Every request is counted: listing, the caller's analyzers (read once), one AssumeRole
    # per member, each account's load.
    loads = sum(a.facts.requests for a in fleet.reachable if a.facts)
    assert fleet.requests == fleet.listing.requests + 1 + 2 + loads


def test_an_organization_analyzer_in_the_caller_covers_each_member(emulator: Emulator) -> None:
    """AWS ("Settings for IAM Access Analyzer"): an organization's analyzer lives in the
    management (or delegated-admin) account and a member's ListAnalyzers does not list it; its
    unused-access findings name each member's entities (resourceOwnerAccount)."""
    _, settings = _org(emulator, (PROD,))
    alone = {a.account_id: a for a in _scan(settings).accounts}[PROD]
    assert alone.evaluation is not None
    [flagged] = [
        f for f in alone.evaluation.findings if f.rule == "account.access-analyzer-disabled"
    ]
    assert "covered by an organization analyzer" in str(flagged.evidence["caveat"])
    s = Seeder(emulator.backend(MGMT), emulator.extras(MGMT), NOW)
    s.analyzer("org-external", type="ORGANIZATION")
    s.analyzer("org-unused", type="ORGANIZATION_UNUSED_ACCESS")
    member_role = f"arn:aws:iam::{PROD}:role/{DEFAULT_ROLE_NAME}"
    s.analyzer_finding("org-unused", member_role, "UnusedIAMRole")
    s.analyzer_finding("org-unused", f"arn:aws:iam::{MGMT}:user/operator", "UnusedIAMUserPassword")
    prod = {a.account_id: a for a in _scan(settings).accounts}[PROD]
    assert prod.evaluation is not None and prod.snapshot is not None
    rules = {f.rule for f in prod.evaluation.findings}
    assert "account.access-analyzer-disabled" not in rules
    state = prod.snapshot.access_analyzer
    assert state is not None and state.region == "us-east-1"
    org_arn = f"arn:aws:access-analyzer:us-east-1:{MGMT}:analyzer/org-external"
    assert f"covered by the organization analyzer {org_arn} (ORGANIZATION)" in state.note
    found = prod.snapshot.analyzer_findings
    assert found is not None and found.analyzer_arn.endswith(f"{MGMT}:analyzer/org-unused")
    assert [(f.resource_arn, f.finding_type) for f in found.findings] == [
        (member_role, "UnusedIAMRole")
    ]


def test_reach_opens_a_connection_acting_in_one_account(emulator: Emulator) -> None:
    """What the TUI's enter on an account does: the role assumed again, a full connection."""
    _, settings = _org(emulator, (PROD,))
    caller = connect(settings)
    (prod,) = [t for t in list_organization(caller).targets if t.account_id == PROD]
    conn, chain = reach(prod, settings, caller_conn=caller)
    identity = conn.sts.get_caller_identity()
    assert identity["Account"] == PROD and chain == (role_arn(PROD, DEFAULT_ROLE_NAME),)
    assert [r["RoleName"] for r in conn.iam.list_roles()["Roles"]] == [DEFAULT_ROLE_NAME]


def test_an_account_that_throttles_is_backed_off_and_then_read(emulator: Emulator) -> None:
    """AWS: IAM answers Throttling when an account calls too fast; the account is tried again."""
    _, settings = _org(emulator, (PROD,))
    emulator.extras(PROD).throttle_next = 1
    updates: list[FleetProgress] = []
    fleet = _scan(settings, progress=updates.append)
    (prod,) = [a for a in fleet.accounts if a.account_id == PROD]
    assert prod.reachable and prod.attempts == 2
    assert prod.snapshot is not None and not prod.snapshot.unavailable
    assert any(u.state == "waiting" and u.account.startswith("prod-main") for u in updates)


def test_an_account_that_keeps_throttling_is_reported_and_the_rest_load(emulator: Emulator) -> None:
    _, settings = _org(emulator, (PROD, SLOW), with_role=(PROD, SLOW))
    emulator.extras(SLOW).throttled = True
    fleet = _scan(settings, FleetOptions(call_attempts=1, backoff=0.01, account_attempts=2))
    by_id = {a.account_id: a for a in fleet.accounts}
    slow = by_id[SLOW]
    assert slow.unreachable is not None and slow.unreachable.reason is Reason.THROTTLED
    assert slow.attempts == 2 and by_id[PROD].reachable and by_id[MGMT].reachable


def test_accounts_and_exclude_filter_by_id_or_name(emulator: Emulator) -> None:
    _, settings = _org(emulator, (PROD, GONE, SLOW))
    conn = connect(settings)
    listing = list_organization(conn, FleetOptions(include=("prod-*", GONE, "MGMT")))
    assert [t.account_id for t in listing.targets] == [MGMT, PROD, GONE]
    assert {s.account_id: s.why for s in listing.skipped} == {SLOW: "not in --accounts"}
    listing = list_organization(conn, FleetOptions(exclude=("3*",)))
    assert [t.account_id for t in listing.targets] == [MGMT, PROD, SLOW]
    targets = [Target("1", "a"), Target("2", "b")]
    assert choose(targets, ["*"], ["b"]) == ((targets[0],), (choose([targets[1]], [], ["2"])[1]))
    assert split_list(["a,b", " c ", ""]) == ("a", "b", "c")


def test_a_suspended_account_is_skipped_not_unreachable(emulator: Emulator) -> None:
    org, settings = _org(emulator, (PROD, GONE))
    org.account_states[GONE] = "SUSPENDED"
    fleet = _scan(settings)
    assert not fleet.unreachable
    assert [(s.account_id, s.why) for s in fleet.listing.skipped] == [
        (GONE, "SUSPENDED in AWS Organizations")
    ]


def test_the_external_id_the_trust_requires_is_sent(emulator: Emulator) -> None:
    """AWS: a trust with an sts:ExternalId condition refuses AssumeRole without that id."""
    _, settings = _org(emulator, (PROD,), external_id="iamtui-4711")
    without = _scan(settings)
    (prod,) = [a for a in without.accounts if a.account_id == PROD]
    assert prod.unreachable is not None and prod.unreachable.reason is Reason.ACCESS_DENIED
    # AWS answers AccessDenied alike for every cause: the line names them all.
    why = str(prod.unreachable)
    assert "ExternalId is wrong or missing" in why and "an SCP does not allow sts:AssumeRole" in why
    assert "the role is missing, its trust policy does not allow this caller" in why
    with_id = _scan(settings, FleetOptions(call_attempts=1, external_id="iamtui-4711"))
    assert all(a.reachable for a in with_id.accounts)


def test_outside_an_organization_org_is_a_one_line_problem(emulator: Emulator) -> None:
    """AWS: DescribeOrganization answers AWSOrganizationsNotInUseException outside one."""
    backend = emulator.backend(MGMT)
    backend.create_user(region_name="us-east-1", user_name="solo")
    key = backend.create_access_key("solo")
    settings = ConnectionSettings(
        endpoint_url=emulator.endpoint_url,
        region="us-east-1",
        static_credentials=(str(key.access_key_id), str(key.secret_access_key)),
    )
    with pytest.raises(FleetProblem, match="in no AWS Organization"):
        list_organization(connect(settings))


def test_a_member_may_not_list_the_organization(emulator: Emulator) -> None:
    """AWS: ListAccounts from a member account (not a delegated administrator) is denied."""
    _org(emulator, (PROD,))
    backend = emulator.backend(PROD)
    backend.create_user(region_name="us-east-1", user_name="member-user")
    key = backend.create_access_key("member-user")
    settings = ConnectionSettings(
        endpoint_url=emulator.endpoint_url,
        region="us-east-1",
        static_credentials=(str(key.access_key_id), str(key.secret_access_key)),
    )
    with pytest.raises(FleetProblem, match="management account or a delegated administrator"):
        list_organization(connect(settings))


def test_a_cancelled_scan_reports_every_account_cancelled(emulator: Emulator) -> None:
    _, settings = _org(emulator, (PROD,))
    cancel = CancelToken()
    cancel.cancel()
    conn = connect(settings)
    listing = list_organization(conn)
    fleet = scan_fleet(listing, settings, caller_conn=conn, options=FAST, cancel=cancel)
    assert {a.unreachable.reason for a in fleet.accounts if a.unreachable} == {Reason.CANCELLED}
    assert not fleet.reachable


def test_session_names_say_iamtui_within_sts_limits() -> None:
    """AWS STS: RoleSessionName is 2-64 characters of [\\w+=,.@-]."""
    assert session_name("arn:aws:iam::111111111111:user/ops/alice") == "iamtui-alice"
    assert session_name("arn:aws:sts::1:assumed-role/Admin/bob@example.com") == (
        "iamtui-bob@example.com"
    )
    assert session_name(None) == "iamtui-session"
    long = session_name("arn:aws:iam::1:user/" + "x" * 100)
    assert len(long) == 64 and long.startswith("iamtui-x")
    assert session_name(None, "my name!") == "my-name-"
    # STS takes ASCII only: Python's \w alone would let "é" and "ñ" through.
    assert session_name(None, "tést-ñame") == "t-st--ame"
    assert SESSION_NAME.fullmatch(session_name("arn:aws:sts::1:assumed-role/R/josé"))


def test_a_bad_external_id_is_one_line_exit_2_before_any_call() -> None:
    """AWS STS: ExternalId is 2-1,224 characters of [\\w+=,.@:/-]."""
    assert external_id_problem("iamtui-4711") is None
    assert external_id_problem("arn:aws:x/y@z.com") is None
    for bad, said in (
        ("x", "2-1,224 characters, not 1"),
        ("a" * 1225, "not 1,225"),
        ("my id", "not ' '"),
        ("clé-4711", "not 'é'"),
    ):
        result = CliRunner().invoke(main, ["scan", "--org", "--external-id", bad])
        assert result.exit_code == 2, result.output
        assert said in result.output and len(result.output.strip().splitlines()) == 1


# --- profiles -----------------------------------------------------------------------------------


def test_each_profile_is_one_account(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Operators without Organizations access name one profile per account."""
    lines = []
    for profile, account in (("alpha", PROD), ("beta", SLOW)):
        s = Seeder(emulator.backend(account), emulator.extras(account), NOW)
        s.extras.report_generation_time = s.extras.report_generation_time * 0
        s.user("reader", managed=[ADMIN])
        key = emulator.backend(account).create_access_key("reader")
        lines += [
            f"[{profile}]",
            f"aws_access_key_id = {key.access_key_id}",
            f"aws_secret_access_key = {key.secret_access_key}",
        ]
    credentials = tmp_path / "credentials"
    credentials.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    settings = ConnectionSettings(endpoint_url=emulator.endpoint_url, region="us-east-1")
    listing = FleetListing(targets=profile_targets(["alpha", "beta", "alpha", "nosuch"]))
    fleet = scan_fleet(listing, settings, options=FAST, clock=lambda: NOW)
    assert [(a.name, a.account_id) for a in fleet.reachable] == [("alpha", PROD), ("beta", SLOW)]
    (missing,) = fleet.unreachable
    assert missing.unreachable is not None and missing.unreachable.reason is Reason.CREDENTIALS
    assert "'nosuch' not found" in str(missing.unreachable)
    # From the CLI: --profile repeated is the same as --profiles.
    result = CliRunner().invoke(
        main,
        [
            "scan",
            "--profile",
            "alpha",
            "--profile",
            "beta",
            "--endpoint-url",
            emulator.endpoint_url,
            "--region",
            "us-east-1",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [(a["name"], a["id"]) for a in document["accounts"]] == [("alpha", PROD), ("beta", SLOW)]
    assert document["organization"] is None and document["unreachable"] == []


# --- permissions --------------------------------------------------------------------------------


def test_the_org_policy_is_enough_and_assume_role_is_needed(emulator: Emulator) -> None:
    """Under moto's permission checks: the caller holding the read-only policy with --org, each
    member's role the read-only policy, reads the organization; without the fleet statements
    the member cannot be reached (AccessDenied on sts:AssumeRole)."""
    read_only = permissions.read_only_policy()
    with_org = permissions.read_only_policy(org_role=DEFAULT_ROLE_NAME)
    (assume,) = [s for s in with_org["Statement"] if s["Sid"] == "IamtuiFleetAssumeRole"]
    assert assume["Resource"] == f"arn:aws:iam::*:role/{DEFAULT_ROLE_NAME}"
    assert {"organizations:ListAccounts", "organizations:ListRoots", "sts:AssumeRole"} <= (
        permissions.actions_of(with_org)
    )
    _, settings = _org(emulator, (PROD,), operator_policy=with_org, member_policy=read_only)
    with emulator.enforced():
        fleet = _scan(settings)
    assert {a.account_id for a in fleet.reachable} == {MGMT, PROD}
    assert fleet.listing.note == ""
    (prod,) = [a for a in fleet.reachable if a.account_id == PROD]
    assert prod.snapshot is not None
    assert not [u for u in prod.snapshot.unavailable if u.code and "Denied" in u.code]


def test_without_the_fleet_statements_the_member_is_denied(emulator: Emulator) -> None:
    read_only = permissions.read_only_policy()
    _, settings = _org(emulator, (PROD,), operator_policy=read_only, member_policy=read_only)
    with emulator.enforced():
        fleet = _scan(settings)
    (prod,) = [a for a in fleet.accounts if a.account_id == PROD]
    assert prod.unreachable is not None and prod.unreachable.reason is Reason.ACCESS_DENIED
    assert fleet.listing.note.startswith("OUs unknown")


def test_policy_org_prints_the_fleet_statements() -> None:
    result = CliRunner().invoke(main, ["policy", "--read-only", "--org", "--role-name", "Audit"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document == permissions.read_only_policy(org_role="Audit")
    (assume,) = [s for s in document["Statement"] if s["Action"] == "sts:AssumeRole"]
    assert assume["Resource"] == "arn:aws:iam::*:role/Audit"
    plain = json.loads(CliRunner().invoke(main, ["policy", "--read-only"]).output)
    assert "sts:AssumeRole" not in permissions.actions_of(plain)


# --- the demo organization from the CLI ----------------------------------------------------------


def test_scan_demo_org_json_names_each_account_and_the_unreachable() -> None:
    result = CliRunner().invoke(
        main, ["scan", "--demo", "--org", "--format", "json", "--fail-on", "critical"]
    )
    assert result.exit_code == 1, result.output  # production's root keys: critical
    document = json.loads(result.stdout)
    assert document["schema"] == "iamtui.scan/2" and document["complete"] is False
    assert document["organization"]["id"] == "o-acmedemo01"
    assert document["account"] == {"id": "111111111111", "alias": "acme-management"}
    assert [a["name"] for a in document["accounts"]] == list(NAMES.values())
    why = {u["id"]: u["why"] for u in document["unreachable"]}
    assert set(why) == {LEGACY, ANALYTICS}
    assert why[LEGACY].startswith("not reachable: access denied: cannot assume")
    assert why[ANALYTICS].startswith("not reachable: throttled")
    names = {f["account_id"]: f["account_name"] for f in document["findings"]}
    reached = {a["id"] for a in document["accounts"] if a["reachable"]}
    assert set(names) == reached and len(reached) == 6
    assert all(names[a] == NAMES[a] for a in names)
    assert sum(document["counts"][s] for s in ("critical", "high")) > 0
    assert "not reachable: access denied" in result.stderr
    # --last-accessed is refused with --org: the hint names what works in a fleet.
    for account in (a for a in document["accounts"] if a["reachable"]):
        reasons = {n["rule"]: n["reason"] for n in account["not_evaluated"]}
        hint = reasons["permissions.unused-services"]
        assert "scan that account alone with `iamtui scan --last-accessed`" in hint, hint
        assert "load it in the TUI" not in hint


def test_scan_demo_org_table_has_an_account_column_and_says_incomplete() -> None:
    result = CliRunner().invoke(
        main,
        ["scan", "--demo", "--org", "--accounts", "legacy,sandbox", "--fail-on", "critical"],
    )
    assert result.exit_code == 3, result.output  # nothing critical, but legacy is unknown
    text = result.stdout
    assert "IAM findings across the organization" in text and "sandbox (666666666666)" in text
    assert "legacy" in text and "not reachable: access denied" in text
    assert "scan INCOMPLETE: 1 of 2 accounts scanned; 1 not reachable" in text
    assert "Skipped production (333333333333): not in --accounts" in text
    assert "Not evaluated (data not requested):" in text
    assert "permissions.unused-services in sandbox: last-accessed data not loaded" in text
    assert "scan that account alone with `iamtui scan --last-accessed`" in text


def test_snapshot_save_org_writes_one_private_file_per_account(tmp_path: Path) -> None:
    target = tmp_path / "org"
    result = CliRunner().invoke(
        main,
        ["snapshot", "save", str(target), "--demo", "--org", "--accounts", "production,legacy"],
    )
    assert result.exit_code == 3, result.output  # legacy could not be saved
    index = json.loads((target / "index.json").read_text())
    assert index["format"] == "iamtui.fleet-index" and index["version"] == 1
    files = {a["id"]: a["file"] for a in index["accounts"]}
    assert files == {"333333333333": "333333333333.json", LEGACY: None}
    (legacy,) = [a for a in index["accounts"] if a["id"] == LEGACY]
    assert legacy["why"].startswith("not reachable: access denied")
    assert {s["name"] for s in index["skipped"]} >= {"management", "sandbox"}
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    for name in ("333333333333.json", "index.json"):
        assert stat.S_IMODE((target / name).stat().st_mode) == 0o600
    production = snapshot_io.load(target / "333333333333.json")
    assert production.account_id == "333333333333" and production.users
    assert snapshot_io.last_saved("333333333333") == (target / "333333333333.json").resolve()
    again = CliRunner().invoke(main, ["snapshot", "save", str(target), "--demo", "--org"])
    assert again.exit_code == 2 and "pass --force" in again.output


@pytest.mark.parametrize(
    "command",
    [
        ["scan", "--accounts", "nomatch*", "--fail-on", "critical"],
        ["scan", "--exclude", "*", "--fail-on", "critical", "--allow-incomplete"],
        ["snapshot", "save", "DIR", "--accounts", "nomatch"],
    ],
)
def test_filters_that_keep_no_account_are_a_usage_error(tmp_path: Path, command: list[str]) -> None:
    target = tmp_path / "org"
    args = [str(target) if a == "DIR" else a for a in command]
    result = CliRunner().invoke(main, [*args, "--demo", "--org"])
    assert result.exit_code == 2, result.output
    flag = (
        "--exclude *" if "--exclude" in args else f"--accounts {args[args.index('--accounts') + 1]}"
    )
    assert result.output.splitlines() == [
        f"iamtui: error: no account matches --accounts/--exclude: {flag} left out all "
        "8 active accounts of the organization"
    ]
    assert not target.exists()  # snapshot save left no empty directory behind


def test_no_account_reached_is_never_clean_even_when_incomplete_is_allowed(
    tmp_path: Path,
) -> None:
    gate = ["scan", "--demo", "--org", "--accounts", "legacy", "--fail-on", "critical"]
    result = CliRunner().invoke(main, [*gate, "--allow-incomplete"])
    assert result.exit_code == 3, result.output  # nothing was scanned: no all-clear
    assert "scan INCOMPLETE: 0 of 1 account scanned; 1 not reachable" in result.stdout
    empty = Fleet(FleetListing(targets=()), (), 0, NOW, NOW)
    assert not fleet_complete(empty) and fleet_headline(empty).startswith("scan INCOMPLETE: 0 of")


def test_fleet_flags_without_org_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["scan", "--demo", "--accounts", "x"])
    assert result.exit_code == 2 and "--accounts needs --org" in result.output
    assert fleet_cli.DEFAULT_ROLE == DEFAULT_ROLE_NAME  # the CLI's copy of the core's default
    named = CliRunner().invoke(main, ["scan", "--profiles", "a", "--exclude", "b"])
    assert named.exit_code == 2 and "--exclude: for an organization's accounts, not --profiles" in (
        named.output
    )
    role = CliRunner().invoke(main, ["scan", "--profiles", "a", "--role-name", "R"])
    assert role.exit_code == 2 and "--role-name: for an organization's" in role.output
    org_profiles = CliRunner().invoke(main, ["org", "--profiles", "a", "--accounts", "x"])
    assert org_profiles.exit_code == 2 and "not --profiles" in org_profiles.output
    both = CliRunner().invoke(main, ["scan", "--org", "--profiles", "a"])
    assert both.exit_code == 2 and "alternatives" in both.output
    folder = CliRunner().invoke(main, ["snapshot", "save", str(tmp_path), "--demo"])
    assert folder.exit_code == 2 and "is a directory: name a file" in folder.output
    formats = CliRunner().invoke(main, ["scan", "--org", "--format", "ocsf"])
    assert formats.exit_code == 2 and "use table, json or csv" in formats.output


# --- the journal: the account and the role chain --------------------------------------------------


def test_the_journal_records_the_role_chain_and_undo_assumes_it_again(
    emulator: Emulator, tmp_path: Path
) -> None:
    """An action in a member account (reached through its role) is journaled with the role
    chain; undo from the management account's own credentials is refused naming the role, and
    works once the role is assumed again."""
    _, settings = _org(emulator, (PROD,))
    caller = connect(settings)
    (prod,) = [t for t in list_organization(caller).targets if t.account_id == PROD]
    member, chain = reach(prod, settings, caller_conn=caller)
    key_id = str(emulator.backend(PROD).users["old-key"].access_keys[0].access_key_id)
    journal = Journal(tmp_path / "journal.jsonl")
    plan = Planner(member, load_account(member)).plan(Request.deactivate_key("old-key", key_id))
    report = Executor(member, journal, sleep=lambda _: None).run(plan.confirm(None))
    assert report.status == "completed", report.message()
    entry = journal.entry(report.entry_id or "")
    assert entry.account == PROD and entry.role_chain == chain
    assert entry.to_json()["role_chain"] == list(chain) and journal.verify().ok
    own = connect(settings)
    with pytest.raises(ActionRefused, match=f"reached through {chain[0]}"):
        Planner(own, load_account(own)).undo(entry)
    again, _ = reach(prod, settings, caller_conn=caller)
    undo = Planner(again, load_account(again)).undo(entry)
    undone = Executor(again, journal, sleep=lambda _: None).run(undo.confirm(None))
    assert undone.status == "completed"
    assert journal.entry(undone.entry_id or "").role_chain == chain
    key = emulator.backend(PROD).users["old-key"].access_keys[0]
    assert key.status == "Active"


def test_an_entry_made_with_the_account_own_credentials_records_no_chain(
    emulator: Emulator, tmp_path: Path
) -> None:
    _, settings = _org(emulator, (PROD,))
    own = connect(settings)
    emulator.backend(MGMT).create_user(region_name="us-east-1", user_name="spare")
    spare = str(emulator.backend(MGMT).create_access_key("spare").access_key_id)
    journal = Journal(tmp_path / "journal.jsonl")
    plan = Planner(own, load_account(own)).plan(Request.deactivate_key("spare", spare))
    report = Executor(own, journal, sleep=lambda _: None).run(plan.confirm(None))
    assert report.status == "completed", report.message()
    assert journal.entry(report.entry_id or "").role_chain == ()
    assert '"role_chain"' not in (tmp_path / "journal.jsonl").read_text()


def test_a_failure_in_one_account_does_not_end_the_scan(emulator: Emulator) -> None:
    """Anything going wrong with one account (here: saving it) is that account's "failed"."""
    _, settings = _org(emulator, (PROD,))

    def full_disk(account: Any, snapshot: Any) -> None:
        if account.account_id == PROD:
            raise OSError(28, "No space left on device")

    fleet = _scan(settings, on_account=full_disk)
    by_id = {a.account_id: a for a in fleet.accounts}
    assert by_id[MGMT].reachable
    why = by_id[PROD].unreachable
    assert why is not None and why.reason is Reason.FAILED and "No space left" in why.detail


def test_ctrl_c_in_an_org_save_is_cancelled_exit_130_and_says_the_save_is_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C reaches the scan as KeyboardInterrupt (here raised by the second account's load):
    the accounts stop, the command says so in iamtui's words, not click's "Aborted!"."""
    from iamtui.core.fleet import scan as fleet_scan

    real = load_account
    loads: list[str] = []

    def interrupted(conn: Any, **kwargs: Any) -> Any:
        loads.append("load")
        if len(loads) == 2:
            raise KeyboardInterrupt
        return real(conn, **kwargs)

    monkeypatch.setattr(fleet_scan, "load_account", interrupted)
    target = tmp_path / "org"
    args = ["snapshot", "save", str(target), "--org", "--demo", "--concurrency", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 130, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "iamtui: cancelled"
    assert "account file(s) written" in lines[-2] and "this save is incomplete" in lines[-2]
    assert not (target / "index.json").exists()


def test_ctrl_c_in_any_command_is_the_cancelled_line_and_exit_130() -> None:
    """Single-account ``scan`` loads in the waiting thread: KeyboardInterrupt there is the same
    line as a cancelled load, not click's ``Aborted!`` exit 1."""
    import click

    from iamtui.cli.common import one_line_errors

    @click.command()
    @one_line_errors
    def interrupted() -> None:
        raise KeyboardInterrupt

    result = CliRunner().invoke(interrupted, [])
    assert result.exit_code == 130
    assert result.stderr == "iamtui: cancelled\n"


def test_a_5000_character_account_name_is_capped_in_the_table(emulator: Emulator) -> None:
    """An organization's account names are free text: a table cell shows 60 characters."""
    from rich.console import Console

    from iamtui.core.fleet.render import NAME_CELL, render_fleet_table

    org, settings = _org(emulator)
    org.account_names[PROD] = "p" * 5000
    fleet = _scan(settings)
    assert next(a for a in fleet.accounts if a.account_id == PROD).name == "p" * 5000
    out = io.StringIO()
    render_fleet_table(fleet, Console(file=out, width=400, color_system=None))
    text = out.getvalue()
    assert "p" * (NAME_CELL - 1) + "…" in text
    assert "p" * NAME_CELL not in text
