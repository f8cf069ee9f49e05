"""The attack campaign, made permanent: HTTP faults under load, scan and every action kind.

A fault proxy (tests/faults.py) sits between iamtui and the emulator and throttles, fails (500,
503), resets, holds, cuts short, garbles or drops the answer to chosen requests. Every outcome
must be honest: retried and succeeded; or reported as that call failing (nothing changed), or
as in doubt (the call may have happened); and undo then restores the state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner
from test_actions_support import (  # noqa: F401
    S3_READ,
    TRUST_EC2,
    Env,
    env_fixture,
    full_user_fast,
)

from iamtui.cli import main
from iamtui.core.actions import ActionRefused, Executor, Request
from iamtui.core.loader import load_account
from iamtui.core.session import Connection, ConnectionSettings, connect
from tests.faults import FaultProxy

#: Faults a single request can meet, and that a resend gets past.
TRANSIENT = ["throttle", "error500", "error503", "reset", "slow", "hang", "truncate", "garbage"]
#: Faults after which the request did reach IAM (a resend of a write may then be refused).
FORWARDED = {"slow", "truncate", "garbage", "lost"}


@pytest.fixture(name="proxy")
def proxy_fixture(env: Env) -> Iterator[FaultProxy]:
    """A fault proxy in front of the test's emulator."""
    with FaultProxy(env.emulator.endpoint_url) as proxy:
        yield proxy


def through(proxy: FaultProxy, attempts: int = 4) -> Connection:
    """iamtui's connection to the emulator through the proxy."""
    settings = ConnectionSettings(
        endpoint_url=proxy.url, region="us-east-1", static_credentials=("testing", "testing")
    )
    return connect(settings, max_attempts=attempts)


def view(snapshot: Any) -> tuple[Any, ...]:
    """What a load found, for comparing two loads."""
    return (
        sorted(u.name for u in snapshot.users),
        sorted(r.name for r in snapshot.roles),
        snapshot.unavailable,
    )


# --- load ---------------------------------------------------------------------------------------

LOAD_CALLS = ["GetAccountAuthorizationDetails", "GetCredentialReport"]


@pytest.mark.parametrize("operation", LOAD_CALLS)
def test_a_load_gets_past_every_one_shot_fault(
    env: Env, iam: Any, proxy: FaultProxy, operation: str
) -> None:
    full_user_fast(env.emulator, "ana")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    clean = view(load_account(env.conn))
    conn = through(proxy)
    for kind in [*TRANSIENT, "lost"]:
        proxy.clear()
        fault = proxy.add(kind, operation, delay=0.2)
        assert view(load_account(conn)) == clean, kind
        assert fault.hits == 1, kind


@pytest.mark.parametrize("kind", [k for k in [*TRANSIENT, "lost"] if k != "slow"])
def test_a_load_that_cannot_read_a_part_says_so(env: Env, proxy: FaultProxy, kind: str) -> None:
    """Every send of the authorization details fails: no users shown as 'none', but 'unknown'."""
    full_user_fast(env.emulator, "ana")
    proxy.add(kind, "GetAccountAuthorizationDetails", times=100, delay=0.05)
    snapshot = load_account(through(proxy, attempts=2))
    [missing] = snapshot.unavailable
    assert missing.part.value == "authorization_details"
    assert "GetAccountAuthorizationDetails failed" in missing.reason


# --- scan ---------------------------------------------------------------------------------------


def scan(url: str) -> Any:
    """``iamtui scan --format json --fail-on high`` against an endpoint."""
    args = ["scan", "--endpoint-url", url, "--format", "json", "--fail-on", "high"]
    return CliRunner().invoke(main, args)


@pytest.fixture(name="aws_env")
def aws_env_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dummy credentials the emulator accepts, from the standard chain."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.mark.usefixtures("aws_env")
def test_scan_gets_past_one_shot_faults_and_never_gives_a_false_all_clear(
    env: Env, proxy: FaultProxy
) -> None:
    full_user_fast(env.emulator, "ana")
    clean = scan(env.emulator.endpoint_url)
    assert clean.exit_code in (0, 1), clean.output
    assert json.loads(clean.stdout)["findings"]  # ana has findings
    for kind in TRANSIENT:
        proxy.clear()
        proxy.add(kind, "GetAccountAuthorizationDetails", delay=0.2)
        faulted = scan(proxy.url)
        assert faulted.exit_code == clean.exit_code, (kind, faulted.output)
        assert json.loads(faulted.stdout)["findings"] == json.loads(clean.stdout)["findings"]
    proxy.clear()
    proxy.add("error503", "GetAccountAuthorizationDetails", times=100)
    broken = scan(proxy.url)
    assert broken.exit_code in (1, 3), broken.output  # findings or incomplete, never "clean"
    assert json.loads(broken.stdout)["complete"] is False
    assert "GetAccountAuthorizationDetails failed" in broken.stdout


# --- every action kind, with undo after each ----------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """An action of one kind: how to set its subject up, plan it, and read what it changes."""

    name: str
    write: str
    setup: Callable[[Any], None]
    request: Callable[[Any], Request]
    state: Callable[[Any], Any]


def _key_setup(iam: Any) -> None:
    iam.create_user(UserName="kim")
    iam.create_access_key(UserName="kim")


def _key_id(iam: Any) -> str:
    return str(iam.list_access_keys(UserName="kim")["AccessKeyMetadata"][0]["AccessKeyId"])


def _user_setup(iam: Any) -> None:
    iam.create_user(UserName="uma")
    iam.create_group(GroupName="ops")
    iam.add_user_to_group(GroupName="ops", UserName="uma")


def _role_setup(iam: Any) -> None:
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))


def _policy_setup(iam: Any) -> None:
    iam.create_user(UserName="pia")
    arn = iam.create_policy(PolicyName="Read", PolicyDocument=json.dumps(S3_READ))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="pia", PolicyArn=arn)


def _policy_arn(iam: Any) -> str:
    return str(iam.list_policies(Scope="Local")["Policies"][0]["Arn"])


def _password_policy(iam: Any) -> Any:
    try:
        return iam.get_account_password_policy()["PasswordPolicy"]
    except iam.exceptions.NoSuchEntityException:
        return None


KINDS = [
    Kind(
        "keys",
        "UpdateAccessKey",
        _key_setup,
        lambda iam: Request.deactivate_key("kim", _key_id(iam)),
        lambda iam: iam.list_access_keys(UserName="kim")["AccessKeyMetadata"][0]["Status"],
    ),
    Kind(
        "users",
        "RemoveUserFromGroup",
        _user_setup,
        lambda iam: Request.remove_from_group("uma", "ops"),
        lambda iam: [g["GroupName"] for g in iam.list_groups_for_user(UserName="uma")["Groups"]],
    ),
    Kind(
        "roles",
        "PutRolePolicy",
        _role_setup,
        lambda iam: Request.quarantine_role("app"),
        lambda iam: iam.list_role_policies(RoleName="app")["PolicyNames"],
    ),
    Kind(
        "policies",
        "DetachUserPolicy",
        _policy_setup,
        lambda iam: Request.detach_policy("user", "pia", _policy_arn(iam)),
        lambda iam: [
            p["PolicyArn"]
            for p in iam.list_attached_user_policies(UserName="pia")["AttachedPolicies"]
        ],
    ),
    Kind(
        "account",
        "UpdateAccountPasswordPolicy",
        lambda iam: None,
        lambda iam: Request.set_password_policy(),
        _password_policy,
    ),
]

#: Faults on an action's write, one send or every send ("always").
WRITE_FAULTS = [*TRANSIENT, "lost", "error503-always", "reset-always", "read-2-always"]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_action_kind_is_honest_under_faults_and_undo_restores(
    env: Env, iam: Any, proxy: FaultProxy, kind: Kind
) -> None:
    kind.setup(iam)
    original = kind.state(iam)
    conn = through(proxy, attempts=3)
    for fault_name in WRITE_FAULTS:
        proxy.clear()
        fault_kind = fault_name.removesuffix("-always")
        times = 100 if fault_name.endswith("-always") else 1
        if fault_kind == "read-2":
            # Every read after the first fails: the plan's checks (a page N) cannot be made.
            fault = proxy.add("error500", None, nth=2, times=100)
        else:
            fault = proxy.add(fault_kind, kind.write, times=times, delay=0.2)
        planner = env.planner()
        plan = planner.plan(kind.request(iam))
        report = Executor(conn, env.journal, sleep=lambda _: None).run(
            plan.confirm(plan.confirmation_phrase), caller=planner.caller
        )
        proxy.clear()
        entry = env.journal.entry(report.entry_id or "")
        changed = kind.state(iam) != original
        label = (kind.name, fault_name, report.message())
        assert fault.hits >= 1, label
        if report.ok:
            assert changed, label  # "done" means done
            assert entry.in_doubt is None, label
        elif entry.in_doubt is not None:
            assert report.code is not None, label  # reported as that call, in doubt
        else:
            assert not changed, label  # failed cleanly: nothing happened
            assert kind.write in report.message() or "could not check" in report.message()
        try:
            undo = env.planner().undo(entry)
        except ActionRefused as refused:
            assert not changed, (label, str(refused))
            assert "nothing to undo" in str(refused)
        else:
            assert env.run(undo).ok, label
        assert kind.state(iam) == original, label
        assert env.journal.verify().ok


def test_an_unreadable_caller_refuses_the_run_in_one_line_before_anything_is_sent(
    env: Env, iam: Any, proxy: FaultProxy
) -> None:
    """The lockout guard reads the caller's groups first; failing that is a refusal, not a trace."""
    _key_setup(iam)
    plan = env.planner().plan(Request.deactivate_key("kim", _key_id(iam)))
    proxy.add("error503", "ListGroupsForUser", times=100)
    with pytest.raises(ActionRefused, match=r"could not read who is calling.*nothing was sent"):
        Executor(through(proxy, attempts=2), env.journal).run(plan.confirm())
    assert proxy.operations(writes=True) == []
    assert env.journal.entries() == []
