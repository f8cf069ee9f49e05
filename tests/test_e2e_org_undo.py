"""A change made in a member account of the demo organization, reached through its role from the
management account: ``iamtui journal undo`` assumes the role chain again by itself; a member's
root key goes through sts:AssumeRoot sent by the management account (issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import NOW

from iamtui.cli import main
from iamtui.core.actions import (
    ActionId,
    ActionRefused,
    Executor,
    Planner,
    Request,
    context_snapshot,
)
from iamtui.core.actions.findings import requests_for
from iamtui.core.fleet import (
    FleetProblem,
    RoleNotAssumed,
    Target,
    reach,
    reach_chain,
    role_arn,
)
from iamtui.core.fleet import scan as fleet_scan
from iamtui.core.journal import Journal
from iamtui.core.loader import load_account
from iamtui.core.root import StepId, verify
from iamtui.core.rules import evaluate
from iamtui.core.session import Connection, ConnectionSettings, connect
from iamtui.emulator.demo_org import (
    LEGACY,
    MANAGEMENT,
    OPERATOR_USER,
    PRODUCTION,
    ROLE_NAME,
    SANDBOX,
    STAGING,
    DemoOrganization,
    seed_demo_organization,
)
from iamtui.emulator.seed import Seeder, trust_aws
from iamtui.emulator.server import Emulator

PRODUCTION_ROLE = role_arn(PRODUCTION, ROLE_NAME)


@pytest.fixture
def demo(emulator: Emulator) -> DemoOrganization:
    """The demo organization on the shared emulator (analytics throttles, legacy has no role)."""
    return seed_demo_organization(emulator, NOW)


@pytest.fixture
def operator(emulator: Emulator, demo: DemoOrganization) -> ConnectionSettings:
    """The management account's operator, as iamtui connects with it."""
    return ConnectionSettings(
        endpoint_url=emulator.endpoint_url,
        region="us-east-1",
        static_credentials=(demo.access_key_id, demo.secret_access_key),
    )


@pytest.fixture
def operator_env(monkeypatch: pytest.MonkeyPatch, demo: DemoOrganization, tmp_path: Path) -> None:
    """The operator's key from the standard credential chain, as a shell would give it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", demo.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", demo.secret_access_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "IAMTUI_JOURNAL"):
        monkeypatch.delenv(name, raising=False)


def _reach(settings: ConnectionSettings, account: str) -> tuple[Connection, Connection]:
    """(the operator's connection, one acting in ``account`` through its role)."""
    caller = connect(settings)
    member, _ = reach(Target(account, account), settings, caller_conn=caller)
    return caller, member


def _undo(emulator: Emulator, journal: Journal, entry_id: str, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        [
            *("journal", "undo", entry_id, "--yes", "--journal", str(journal.path)),
            *("--endpoint-url", emulator.endpoint_url),
            *args,
        ],
    )


def _one_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def _deactivate_stale_key(
    emulator: Emulator, settings: ConnectionSettings, journal: Journal, account: str, user: str
) -> tuple[str, str, Connection]:
    """Fix the member's finding on ``user``'s key the normal way (Planner, Executor); returns
    (entry id, key id, the member connection)."""
    _, member = _reach(settings, account)
    planner = Planner(member, load_account(member))
    finding = next(
        f
        for f in evaluate(planner.snapshot, now=NOW).findings
        if f.principal_name == user and ActionId.KEY_DEACTIVATE in f.actions
    )
    (request,) = requests_for(planner, finding, ActionId.KEY_DEACTIVATE.value)
    report = Executor(member, journal, sleep=lambda _: None).run(
        planner.plan(request).confirm(None), caller=planner.caller
    )
    assert report.status == "completed", report.message()
    (key,) = emulator.backend(account).users[user].access_keys
    assert key.status == "Inactive"
    return report.entry_id or "", str(key.access_key_id), member


# --- reach_chain ----------------------------------------------------------------------------------


def test_reach_chain_assumes_each_role_in_order(
    emulator: Emulator, operator: ConnectionSettings
) -> None:
    """Management → production's OrganizationAccountAccessRole → a role in sandbox trusting
    production: each next role is assumed by the one before; AssumeRoot would go from the
    management account."""
    hop = Seeder(emulator.backend(SANDBOX), emulator.extras(SANDBOX), NOW)
    hop.role("from-production", trust=trust_aws(f"arn:aws:iam::{PRODUCTION}:root"))
    caller = connect(operator)
    chain = (PRODUCTION_ROLE, role_arn(SANDBOX, "from-production"))
    conn = reach_chain(chain, operator, caller_conn=caller, session="iamtui-chain-test")
    identity = conn.sts.get_caller_identity()
    assert identity["Account"] == SANDBOX
    assert identity["Arn"].endswith(":assumed-role/from-production/iamtui-chain-test")
    assert conn.role_chain == chain and conn.root_caller is caller
    # reach sets the same: the TUI's enter on an account.
    _, member = _reach(operator, PRODUCTION)
    assert member.role_chain == (PRODUCTION_ROLE,) and member.root_caller is not None
    assert member.root_caller.sts.get_caller_identity()["Account"] == MANAGEMENT


def test_a_role_that_cannot_be_assumed_is_named_with_aws_answer(
    operator: ConnectionSettings,
) -> None:
    """AWS: AssumeRole of a role that does not exist is AccessDenied (legacy joined by
    invitation: AWS created no OrganizationAccountAccessRole there)."""
    missing = role_arn(LEGACY, ROLE_NAME)
    with pytest.raises(RoleNotAssumed) as info:
        reach_chain((PRODUCTION_ROLE, missing), operator, caller_conn=connect(operator))
    message = str(info.value)
    assert message.startswith(f"cannot assume {missing}: AccessDenied")
    assert "the role is missing" in message and "\n" not in message
    assert info.value.role_arn == missing


# --- a member's root key through sts:AssumeRoot from the management account -----------------------


def test_a_reached_member_deletes_its_root_key_through_the_management_account(
    emulator: Emulator, operator: ConnectionSettings, tmp_path: Path
) -> None:
    """The root report of production (reached through its role) offers "Delete root access key
    via sts:AssumeRoot"; it runs, AssumeRoot sent by the management account's operator (AWS:
    only the management account or the IAM delegated administrator may call it)."""
    (root_key,) = emulator.extras(PRODUCTION).root.keys
    caller, member = _reach(operator, PRODUCTION)
    before = verify(member, clock=lambda: NOW).step(StepId.ACCESS_KEYS)
    (remedy,) = [r for r in before.remedies if "sts:AssumeRoot" in r.summary]
    plan = Planner(member, load_account(member)).plan(Request.from_remedy(remedy))
    (step,) = plan.steps
    assert plan.account_id == PRODUCTION and step.as_root is not None
    assert step.as_root.account == PRODUCTION and step.call.params["AccessKeyId"] == root_key.key_id
    journal = Journal(tmp_path / "journal.jsonl")
    report = Executor(member, journal, sleep=lambda _: None).run(plan.confirm(PRODUCTION))
    assert report.status == "completed", report.message()
    assert emulator.extras(PRODUCTION).root.keys == []
    sessions = list(emulator.extras(PRODUCTION).root_sessions.values())
    assert sessions and all(s.issued_to.endswith(f":user/ops/{OPERATOR_USER}") for s in sessions)
    entry = journal.entry(report.entry_id or "")
    assert entry.account == PRODUCTION and entry.role_chain == (PRODUCTION_ROLE,)
    # AssumeRoot went from the management account's connection, never the member's.
    assert caller.counter.by_operation.get("sts:AssumeRoot", 0) >= 1
    assert "sts:AssumeRoot" not in member.counter.by_operation
    # The same member session with no management account behind it is refused as before.
    member.root_caller = None
    with pytest.raises(ActionRefused, match="needs root's credentials"):
        Planner(member, context_snapshot(member)).plan(Request.from_remedy(remedy))


def test_assume_root_is_offered_for_a_member_root_never_the_management_accounts(
    emulator: Emulator, operator: ConnectionSettings
) -> None:
    """AWS "AssumeRoot" (STS API Reference): the target is a member account; the management
    account's own root is reached only by signing in as it."""
    caller, member = _reach(operator, PRODUCTION)
    management = verify(caller, clock=lambda: NOW).step(StepId.ACCESS_KEYS)
    assert management.remedies  # root keys there: deactivate/delete as root are offered
    assert not [r for r in management.remedies if "sts:AssumeRoot" in r.summary]
    production = verify(member, clock=lambda: NOW).step(StepId.ACCESS_KEYS)
    assert [r for r in production.remedies if "sts:AssumeRoot" in r.summary]


def test_a_member_session_never_acts_on_another_accounts_root(
    emulator: Emulator, operator: ConnectionSettings
) -> None:
    """The management account may AssumeRoot into any member: a session opened on staging
    asking for production's root is refused, so no plan or journal names the wrong account."""
    keys_before = list(emulator.extras(PRODUCTION).root.keys)
    _, member = _reach(operator, STAGING)
    planner = Planner(member, load_account(member))
    with pytest.raises(ActionRefused, match=f"opened on account {STAGING}"):
        planner.plan(Request.delete_root_key(account=PRODUCTION))
    assert emulator.extras(PRODUCTION).root.keys == keys_before


# --- journal undo assumes the role chain again -------------------------------------------------


def test_journal_undo_assumes_the_member_role_again_and_reactivates_the_key(
    emulator: Emulator, operator: ConnectionSettings, operator_env: None, tmp_path: Path
) -> None:
    """Acceptance: a stale key deactivated in production through its role; `iamtui journal
    undo ID --yes` with the management operator's credentials reactivates it there."""
    journal = Journal(tmp_path / "journal.jsonl")
    entry_id, key_id, _ = _deactivate_stale_key(
        emulator, operator, journal, PRODUCTION, "former-contractor"
    )
    entry = journal.entry(entry_id)
    assert entry.account == PRODUCTION and entry.role_chain == (PRODUCTION_ROLE,)
    # Planned from the management account itself, the undo is refused naming the command.
    own = connect(operator)
    with pytest.raises(ActionRefused) as refused:
        Planner(own, load_account(own)).undo(entry)
    assert f"`iamtui journal undo {entry_id}`" in str(refused.value)
    assert "\n" not in str(refused.value)
    result = _undo(emulator, journal, entry_id, "--session-name", "undo-by-ops")
    assert result.exit_code == 0, result.output
    assert f"assumed {PRODUCTION_ROLE} to undo {entry_id}" in result.stderr
    assert f"Reactivate access key {key_id}" in result.stdout
    (key,) = emulator.backend(PRODUCTION).users["former-contractor"].access_keys
    assert key.status == "Active"
    (undo,) = [e for e in journal.entries() if e.undoes == entry_id]
    assert undo.status == "completed" and undo.account == PRODUCTION
    assert undo.role_chain == (PRODUCTION_ROLE,)
    assert (undo.plan.caller_arn or "").endswith(f":assumed-role/{ROLE_NAME}/undo-by-ops")
    assert journal.verify().ok


def test_journal_undo_when_the_role_is_gone_is_one_line_exit_2(
    emulator: Emulator, operator: ConnectionSettings, operator_env: None, tmp_path: Path
) -> None:
    """The role the entry went through was deleted since (as legacy never had one): AWS answers
    AssumeRole with AccessDenied; the line names the role, nothing is changed."""
    journal = Journal(tmp_path / "journal.jsonl")
    entry_id, _, _ = _deactivate_stale_key(emulator, operator, journal, STAGING, "qa")
    backend = emulator.backend(STAGING)
    backend.detach_role_policy("arn:aws:iam::aws:policy/AdministratorAccess", ROLE_NAME)
    backend.delete_role(ROLE_NAME)
    line = _one_line(_undo(emulator, journal, entry_id))
    staging_role = role_arn(STAGING, ROLE_NAME)
    assert line.startswith(f"iamtui: error: cannot assume {staging_role}: AccessDenied"), line
    (key,) = backend.users["qa"].access_keys
    assert key.status == "Inactive"
    assert [e.id for e in journal.entries()] == [entry_id]


def test_journal_undo_role_flags_are_checked(
    emulator: Emulator, operator: ConnectionSettings, operator_env: None, tmp_path: Path
) -> None:
    """--external-id is held to STS's rules before any call; on an entry that needs no role
    assumed, the flags are refused rather than ignored."""
    journal = Journal(tmp_path / "journal.jsonl")
    entry_id, _, _ = _deactivate_stale_key(
        emulator, operator, journal, PRODUCTION, "former-contractor"
    )
    bad = _one_line(_undo(emulator, journal, entry_id, "--external-id", "x"))
    assert "--external-id must be 2-1,224 characters" in bad
    # The trust ignores an ExternalId it does not ask for (AWS): the undo runs.
    sent = _undo(emulator, journal, entry_id, "--external-id", "ops-4711")
    assert sent.exit_code == 0, sent.output
    management = Seeder(emulator.backend(MANAGEMENT), emulator.extras(MANAGEMENT), NOW)
    management.user("spare")
    spare = str(emulator.backend(MANAGEMENT).create_access_key("spare").access_key_id)
    own = connect(operator)
    report = Executor(own, journal, sleep=lambda _: None).run(
        Planner(own, load_account(own)).plan(Request.deactivate_key("spare", spare)).confirm(None)
    )
    line = _one_line(_undo(emulator, journal, report.entry_id or "", "--session-name", "x-y"))
    assert line.startswith("iamtui: error: --session-name: entry ") and "no role is" in line


def test_journal_undo_refuses_a_role_that_acts_in_another_account(
    emulator: Emulator, operator: ConnectionSettings, operator_env: None, tmp_path: Path
) -> None:
    """The chain must lead to the entry's account: an entry made in staging whose recorded chain
    leads to production (a role re-pointed since) is refused, nothing changed there."""
    _, member = _reach(operator, STAGING)
    member.role_chain = (PRODUCTION_ROLE,)
    (qa_key,) = emulator.backend(STAGING).users["qa"].access_keys
    journal = Journal(tmp_path / "journal.jsonl")
    plan = Planner(member, context_snapshot(member)).plan(
        Request.deactivate_key("qa", str(qa_key.access_key_id))
    )
    report = Executor(member, journal, sleep=lambda _: None).run(plan.confirm(None))
    assert report.status == "completed", report.message()
    line = _one_line(_undo(emulator, journal, report.entry_id or ""))
    assert f"assumed {PRODUCTION_ROLE}, but it acts in account {PRODUCTION}, not {STAGING}" in line
    assert qa_key.status == "Inactive" and len(journal.entries()) == 1


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::333333333333:role/\x1b]0;pwned\x07X",
        "arn:aws-cn:iam::333333333333:role/OrganizationAccountAccessRole",
        "arn:aws:iam::3333:role/short-account",
        "arn:aws:iam::333333333333:user/not-a-role",
    ],
)
def test_a_recorded_chain_that_is_not_role_arns_of_the_callers_partition_sends_nothing(
    operator: ConnectionSettings, arn: str
) -> None:
    caller = connect(operator)
    before = caller.counter.snapshot()
    with pytest.raises(FleetProblem, match="not a role ARN") as info:
        reach_chain((arn,), operator, caller_conn=caller, partition="aws")
    assert caller.counter.snapshot() == before  # refused before any call
    assert "\x1b" not in str(info.value) and "\n" not in str(info.value)


def test_an_assume_role_answer_without_credentials_is_one_line(
    operator: ConnectionSettings,
) -> None:
    """A 200 without Credentials (a broken proxy or endpoint), injected after parsing."""
    caller = connect(operator)

    def strip(parsed: dict[str, Any], **_: Any) -> None:
        parsed.pop("Credentials", None)

    caller.sts.meta.events.register("after-call.sts.AssumeRole", strip)
    with pytest.raises(RoleNotAssumed, match="without credentials") as info:
        reach_chain((PRODUCTION_ROLE,), operator, caller_conn=caller, partition="aws")
    assert "\n" not in str(info.value)


def test_an_account_reached_by_role_assumes_it_again_before_its_credentials_expire(
    operator: ConnectionSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AssumeRole credentials last an hour at most when chained ("Role chaining", IAM User
    Guide): a session left open longer must not die with ExpiredToken. With 900 s credentials
    (the least AWS issues) botocore's 15-minute advisory window is always open, so each call
    assumes the role again first: the refresh path, exercised against the emulator."""
    monkeypatch.setattr(fleet_scan, "ROLE_SESSION_SECONDS", 900)
    caller = connect(operator)
    member = reach_chain((PRODUCTION_ROLE,), operator, caller_conn=caller, partition="aws")
    assumed = caller.counter.by_operation.get("sts:AssumeRole", 0)
    for _ in range(2):
        member.iam.list_account_aliases()
    assert caller.counter.by_operation["sts:AssumeRole"] > assumed  # assumed again
    assert member.sts.get_caller_identity()["Account"] == PRODUCTION  # still in production
