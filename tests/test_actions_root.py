"""Root-hardening actions on the emulator: each one, its undo, the AssumeRoot path and refusals.

State is read back with plain boto3 calls and compared field by field; the root report
(``evaluate_root`` through ``verify``) must flip from fail to pass once the fix ran.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_actions_support import Env, connection, env_fixture  # noqa: F401

from iamtui.core.actions import (
    ActionId,
    ActionRefused,
    Executor,
    Plan,
    Request,
    SelfLockout,
)
from iamtui.core.journal import Journal
from iamtui.core.root import Status, StepId, verify
from iamtui.core.session import Connection
from iamtui.core.subjects import RootKeySubject
from iamtui.emulator.fidelity.organizations import seed_organization
from iamtui.emulator.fidelity.root import give_root_key
from iamtui.emulator.server import Emulator
from iamtui.emulator.state import RootKey

ACCOUNT = "123456789012"
MEMBER = "222222222222"
CONTACT = {
    "Name": "Security Team",
    "Title": "SecOps",
    "EmailAddress": "security@acme.example",
    "PhoneNumber": "+1 555 0100",
}
WEAK_POLICY = {
    "MinimumPasswordLength": 10,
    "RequireSymbols": True,
    "RequireNumbers": False,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": False,
    "AllowUsersToChangePassword": True,
    "MaxPasswordAge": 90,
    "PasswordReusePrevention": 5,
    "HardExpiry": False,
}


def raw_policy(iam: Any) -> dict[str, Any] | None:
    """GetAccountPasswordPolicy as IAM answers it (None: no policy)."""
    try:
        return dict(iam.get_account_password_policy()["PasswordPolicy"])
    except iam.exceptions.NoSuchEntityException:
        return None


def raw_contact(account: Any) -> dict[str, Any] | None:
    """GetAlternateContact SECURITY as the Account API answers it (None: not set)."""
    try:
        return dict(
            account.get_alternate_contact(AlternateContactType="SECURITY")["AlternateContact"]
        )
    except account.exceptions.ResourceNotFoundException:
        return None


def step_status(conn: Connection, step: StepId) -> Status:
    """One step of the root report, re-read live."""
    return verify(conn).step(step).status


def root_keys(emulator: Emulator, account: str = ACCOUNT) -> dict[str, bool]:
    """Root key id -> active, from the emulator's root state."""
    return {k.key_id: k.active for k in emulator.extras(account).root.keys}


def as_root(env: Env, key: RootKey) -> Env:
    """An Env whose connection is signed with one of root's keys."""
    return Env(env.emulator, connection(env.emulator, (key.key_id, key.secret)), env.journal)


def member_user(emulator: Emulator) -> Connection:
    """A connection into the member account (an IAM user there), to verify its root report."""
    backend = emulator.backend(MEMBER)
    backend.create_user(region_name="us-east-1", user_name="auditor")
    key = backend.create_access_key("auditor")
    emulator.extras(MEMBER).report_generation_polls = 0
    return connection(emulator, (key.access_key_id, key.secret_access_key))


# --- account.set-password-policy ---------------------------------------------------------------


def test_password_policy_from_none_flips_the_report_and_undo_removes_it(env: Env, iam: Any) -> None:
    assert step_status(env.conn, StepId.PASSWORD_POLICY) is Status.FAIL
    plan = env.planner().plan(Request.set_password_policy())
    assert plan.action is ActionId.ACCOUNT_SET_PASSWORD_POLICY
    assert not plan.irreversible and plan.confirmation_phrase is None
    (row,) = plan.preview()
    assert row.call.startswith("iam:UpdateAccountPasswordPolicy MinimumPasswordLength=14")
    assert plan.before[f"arn:aws:iam::{ACCOUNT}:root"] == {"password_policy": None}
    report = env.run(plan)
    assert report.status == "completed", report.message()
    policy = raw_policy(iam)
    assert policy is not None
    assert (policy["MinimumPasswordLength"], policy["PasswordReusePrevention"]) == (14, 24)
    assert step_status(env.conn, StepId.PASSWORD_POLICY) is Status.PASS
    undo = env.undo(report)
    assert undo.status == "completed", undo.message()
    assert [s.call.operation for s in undo.plan.steps] == ["DeleteAccountPasswordPolicy"]
    assert raw_policy(iam) is None
    assert step_status(env.conn, StepId.PASSWORD_POLICY) is Status.FAIL


def test_password_policy_undo_restores_the_previous_policy_field_by_field(
    env: Env, iam: Any
) -> None:
    iam.update_account_password_policy(**WEAK_POLICY)
    before = raw_policy(iam)
    plan = env.planner().plan(Request.set_password_policy())
    wanted = dict(plan.steps[0].call.params)
    # Never weaker: the stricter current settings are kept, length and reuse are raised.
    assert wanted["MaxPasswordAge"] == 90 and wanted["RequireSymbols"] is True
    assert (wanted["MinimumPasswordLength"], wanted["PasswordReusePrevention"]) == (14, 24)
    assert not plan.warnings
    report = env.run(plan)
    after = raw_policy(iam)
    assert after is not None and after != before and after["MinimumPasswordLength"] == 14
    env.undo(report)
    assert raw_policy(iam) == before


def test_password_policy_with_given_settings_warns_when_weaker(env: Env, iam: Any) -> None:
    iam.update_account_password_policy(**WEAK_POLICY)
    given = {"MinimumPasswordLength": 16, "PasswordReusePrevention": 24}
    plan = env.planner().plan(Request.set_password_policy(given))
    assert dict(plan.steps[0].call.params) == {
        "MinimumPasswordLength": 16,
        "PasswordReusePrevention": 24,
        "RequireSymbols": False,
        "RequireNumbers": False,
        "RequireUppercaseCharacters": False,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False,
        "HardExpiry": False,
    }
    (warning,) = plan.warnings
    assert "WEAKER" in warning and "RequireSymbols true -> false" in warning
    with pytest.raises(ActionRefused, match="unknown password policy setting Length"):
        env.planner().plan(Request.set_password_policy({"Length": 3}))


def test_dropping_password_expiry_is_flagged_as_weaker(env: Env, iam: Any) -> None:
    iam.update_account_password_policy(MinimumPasswordLength=14, MaxPasswordAge=90)
    plan = env.planner().plan(Request.set_password_policy({"MinimumPasswordLength": 16}))
    (warning,) = plan.warnings
    assert "MaxPasswordAge 90 -> none" in warning


def test_password_policy_changed_after_planning_stops_the_run(env: Env, iam: Any) -> None:
    plan = env.planner().plan(Request.set_password_policy())
    iam.update_account_password_policy(MinimumPasswordLength=20)
    report = env.run(plan)
    assert report.status == "stopped"
    assert report.reason.startswith("precondition failed: the password policy is unchanged")
    assert raw_policy(iam) is not None and raw_policy(iam)["MinimumPasswordLength"] == 20  # type: ignore[index]


def test_the_same_policy_again_is_refused(env: Env) -> None:
    env.run(env.planner().plan(Request.set_password_policy()))
    with pytest.raises(ActionRefused, match="already is that policy"):
        env.planner().plan(Request.set_password_policy())


# --- account.set-security-contact --------------------------------------------------------------


def test_security_contact_set_flips_the_report_and_undo_deletes_it(env: Env) -> None:
    account = env.emulator.client("account")
    assert step_status(env.conn, StepId.SECURITY_CONTACT) is Status.FAIL
    plan = env.planner().plan(Request.set_security_contact(*CONTACT.values()))
    assert plan.confirmation_phrase is None and not plan.irreversible
    (row,) = plan.preview()
    assert row.call.startswith("account:PutAlternateContact AlternateContactType=SECURITY")
    report = env.run(plan)
    assert report.status == "completed", report.message()
    got = raw_contact(account)
    assert got is not None
    assert {k: got[k] for k in CONTACT} == CONTACT
    assert step_status(env.conn, StepId.SECURITY_CONTACT) is Status.PASS
    undo = env.undo(report)
    assert [s.call.action for s in undo.plan.steps] == ["account:DeleteAlternateContact"]
    assert raw_contact(account) is None
    assert step_status(env.conn, StepId.SECURITY_CONTACT) is Status.FAIL


def test_security_contact_undo_puts_the_previous_one_back(env: Env) -> None:
    account = env.emulator.client("account")
    account.put_alternate_contact(
        AlternateContactType="SECURITY",
        Name="Old Owner",
        Title="CTO",
        EmailAddress="cto@acme.example",
        PhoneNumber="+1 555 0199",
    )
    before = raw_contact(account)
    report = env.run(env.planner().plan(Request.set_security_contact(*CONTACT.values())))
    assert raw_contact(account) != before
    env.undo(report)
    assert raw_contact(account) == before


def test_security_contact_needs_every_field(env: Env) -> None:
    with pytest.raises(ActionRefused, match="needs PhoneNumber"):
        env.planner().plan(Request.set_security_contact("Sec", "Ops", "sec@acme.example", " "))
    with pytest.raises(ActionRefused, match="is not an email address"):
        env.planner().plan(Request.set_security_contact("Sec", "Ops", "nobody", "+1"))


def test_remedies_of_the_report_become_requests(env: Env) -> None:
    report = verify(env.conn)
    (policy,) = report.step(StepId.PASSWORD_POLICY).remedies
    request = Request.from_remedy(policy)
    assert request.action is ActionId.ACCOUNT_SET_PASSWORD_POLICY
    assert dict(request.params)["MinimumPasswordLength"] == 14
    (contact,) = report.step(StepId.SECURITY_CONTACT).remedies
    request = Request.from_remedy(contact, **CONTACT)
    assert env.planner().plan(request).action is ActionId.ACCOUNT_SET_SECURITY_CONTACT


# --- root's keys, signed as root ---------------------------------------------------------------


@pytest.fixture
def root_env(env: Env) -> tuple[Env, RootKey, RootKey]:
    """Root has an old key (the target) and a spare one this session signs with."""
    now = datetime.now(UTC)
    target = give_root_key(ACCOUNT, now - timedelta(days=400))
    spare = give_root_key(ACCOUNT, now - timedelta(days=1))
    return as_root(env, spare), target, spare


def test_root_deactivate_then_undo_reactivates(root_env: tuple[Env, RootKey, RootKey]) -> None:
    env, target, spare = root_env
    plan = env.planner().plan(Request.deactivate_root_key(target.key_id))
    assert plan.action is ActionId.ROOT_DEACTIVATE_KEY and not plan.irreversible
    assert [r.call for r in plan.preview()] == [
        f"iam:UpdateAccessKey AccessKeyId={target.key_id} Status=Inactive"
    ]
    assert plan.targets[0].arn == f"arn:aws:iam::{ACCOUNT}:root"
    report = env.run(plan)
    assert report.status == "completed", report.message()
    assert root_keys(env.emulator) == {target.key_id: False, spare.key_id: True}
    undo = env.undo(report)
    assert undo.status == "completed", undo.message()
    assert root_keys(env.emulator) == {target.key_id: True, spare.key_id: True}


def test_root_delete_as_root_is_typed_and_final(root_env: tuple[Env, RootKey, RootKey]) -> None:
    env, target, spare = root_env
    plan = env.planner().plan(Request.delete_root_key(target.key_id))
    assert plan.irreversible and plan.confirmation_phrase == ACCOUNT
    assert "cannot come back" in plan.preview()[0].note
    assert any("ACTIVE" in w for w in plan.warnings)
    report = env.run(plan)
    assert report.status == "completed", report.message()
    assert root_keys(env.emulator) == {spare.key_id: True}
    with pytest.raises(ActionRefused, match="nothing to undo"):
        env.undo(report)


def test_the_root_key_in_use_is_never_touched(root_env: tuple[Env, RootKey, RootKey]) -> None:
    env, target, spare = root_env
    planner = env.planner()
    with pytest.raises(SelfLockout, match=f"access key {spare.key_id} is the one this iamtui"):
        planner.plan(Request.delete_root_key(spare.key_id))
    with pytest.raises(SelfLockout):
        planner.plan(Request.deactivate_root_key(spare.key_id))
    # No key named: every root key but the session's own.
    plan = planner.plan(Request.deactivate_root_key())
    assert [s.call.params["AccessKeyId"] for s in plan.steps] == [target.key_id]
    assert any(spare.key_id in n and "left in place" in n for n in plan.notes)


def test_root_keys_need_root_credentials(env: Env) -> None:
    give_root_key(ACCOUNT, datetime.now(UTC) - timedelta(days=400))
    planner = env.planner()
    for request in (Request.deactivate_root_key(), Request.delete_root_key()):
        with pytest.raises(ActionRefused, match="needs root's credentials") as info:
            planner.plan(request)
        # Not a member of an organization: AssumeRoot cannot reach this root, so not offered.
        assert "sts:AssumeRoot" not in str(info.value) and "\n" not in str(info.value)


# --- root.delete-key through sts:AssumeRoot ------------------------------------------------------


@pytest.fixture
def org(env: Env) -> RootKey:
    """This account manages an organization with centralized root access; the member's root
    has one active key."""
    seed_organization(ACCOUNT, [MEMBER], features=["RootCredentialsManagement", "RootSessions"])
    return give_root_key(MEMBER, datetime.now(UTC) - timedelta(days=400))


def test_assume_root_deletes_a_member_root_key_end_to_end(
    env: Env, org: RootKey, tmp_path: Path
) -> None:
    member = member_user(env.emulator)
    handler = logging.FileHandler(tmp_path / "iamtui.log")
    logger = logging.getLogger("iamtui")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        _delete_through_assume_root(env, member, org)
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.setLevel(old_level)
    # The temporary credentials never reach the journal or iamtui's log.
    written = env.journal.path.read_text() + (tmp_path / "iamtui.log").read_text()
    sessions = env.emulator.extras(MEMBER).root_sessions.values()
    assert sessions and all(
        s.secret_access_key not in written and s.session_token not in written for s in sessions
    )


def _delete_through_assume_root(env: Env, member: Connection, org: RootKey) -> None:
    before = verify(member).step(StepId.ACCESS_KEYS)
    assert before.status is Status.FAIL
    plan = env.planner().plan(Request.delete_root_key(account=MEMBER))
    assert plan.action is ActionId.ROOT_DELETE_KEY
    assert plan.irreversible and plan.confirmation_phrase == MEMBER
    (step,) = plan.steps
    assert step.as_root is not None and step.as_root.account == MEMBER
    assert step.as_root.task_policy_arn.endswith("root-task/IAMDeleteRootUserCredentials")
    assert step.call.params == {"AccessKeyId": org.key_id}
    assert any("not deactivating" in n for n in plan.notes)
    assert plan.operations() == ("sts:AssumeRoot",)
    assert Plan.from_json(plan.to_json()) == plan
    report = env.run(plan, typed=MEMBER)
    assert report.status == "completed", report.message()
    assert root_keys(env.emulator, MEMBER) == {}
    assert verify(member).step(StepId.ACCESS_KEYS).status is Status.PASS
    with pytest.raises(ActionRefused, match="nothing to undo"):
        env.undo(report)
    assert env.journal.verify().ok
    counted = env.conn.counter.by_operation
    assert counted["sts:AssumeRoot"] >= 2  # at plan time, and again right before the step
    assert counted["root@iam:DeleteAccessKey"] == 1 and "iam:DeleteAccessKey" not in counted


def test_assume_root_deactivation_is_refused_delete_only(env: Env, org: RootKey) -> None:
    with pytest.raises(ActionRefused, match="not deactivating"):
        env.planner().plan(Request(ActionId.ROOT_DEACTIVATE_KEY, RootKeySubject(account=MEMBER)))


def test_assume_root_refused_outside_an_organization(env: Env) -> None:
    with pytest.raises(ActionRefused, match="is not in an AWS Organization"):
        env.planner().plan(Request.delete_root_key(account=MEMBER))


def test_assume_root_refused_without_root_sessions(env: Env) -> None:
    seed_organization(ACCOUNT, [MEMBER], features=["RootCredentialsManagement"])
    give_root_key(MEMBER, datetime.now(UTC))
    with pytest.raises(ActionRefused, match="does not allow root sessions"):
        env.planner().plan(Request.delete_root_key(account=MEMBER))


def test_assume_root_refused_from_a_member_account(env: Env) -> None:
    seed_organization("999999999999", [ACCOUNT, MEMBER], features=["RootSessions"])
    with pytest.raises(ActionRefused, match="is a member of its organization"):
        env.planner().plan(Request.delete_root_key(account=MEMBER))


def test_assume_root_refused_when_the_run_cannot_assume_root(env: Env, org: RootKey) -> None:
    plan = env.planner().plan(Request.delete_root_key(account=MEMBER))
    env.emulator.client("iam").disable_organizations_root_sessions()
    report = env.run(plan)
    assert report.status == "stopped"
    assert "could not act as the root of account 222222222222 (sts:AssumeRoot)" in report.reason
    assert root_keys(env.emulator, MEMBER) == {org.key_id: True}


def test_a_fresh_executor_and_journal_replay_the_assume_root_plan(
    env: Env, org: RootKey, tmp_path: Path
) -> None:
    """The plan is plain data: another process can run it (it assumes root itself)."""
    plan = Plan.from_json(env.planner().plan(Request.delete_root_key(account=MEMBER)).to_json())
    journal = Journal(tmp_path / "other.jsonl")
    report = Executor(env.conn, journal, sleep=lambda _: None).run(plan.confirm(MEMBER))
    assert report.status == "completed" and root_keys(env.emulator, MEMBER) == {}
    assert journal.entry(report.entry_id or "").plan.steps[0].as_root == plan.steps[0].as_root
