"""Undo refuses up front, in one line, when what it would act on is gone or the account differs.

What must exist is judged per call: reactivating a key needs the key (and its user), removing a
quarantine needs the role, while undoing a user's deletion re-creates the user and needs nothing.
Tested over HTTP on the emulator; the other account is reached with moto's account header, set
in a botocore ``before-sign`` hook.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import NOW
from test_actions_support import TRUST_EC2, Env, connection, env_fixture  # noqa: F401
from textual.widgets import Button
from ui_support import SIZE, SharedDemo, seed_demo, settle

from iamtui.cli import main
from iamtui.core.actions import ActionRefused, Executor, Planner, Request, undo_entry
from iamtui.core.loader import load_account
from iamtui.core.session import Connection, connect
from iamtui.core.workspace import Workspace
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.action import PlanScreen

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"


def sent_operations(conn: Connection) -> list[str]:
    """Record every IAM operation the connection sends from now on."""
    sent: list[str] = []
    conn.iam.meta.events.register(
        "before-send.iam", lambda event_name, **_: sent.append(event_name.rsplit(".", 1)[-1])
    )
    return sent


def refused(env: Env, entry_id: str) -> str:
    """Plan the undo of an entry; it must be refused: the one-line reason."""
    with pytest.raises(ActionRefused) as caught:
        env.planner().undo(env.journal.entry(entry_id))
    message = str(caught.value)
    assert "\n" not in message
    return message


def deactivated_key(env: Env, iam: Any, user: str) -> tuple[str, str]:
    """A user's key deactivated through iamtui; (entry id, key id)."""
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    report = env.run(env.planner().plan(Request.deactivate_key(user, key)))
    assert report.ok, report.message()
    return report.entry_id or "", key


def test_undo_of_a_deactivation_whose_key_was_deleted_outside_is_refused_up_front(
    env: Env, iam: Any
) -> None:
    entry_id, key = deactivated_key(env, iam, "alice")
    iam.delete_access_key(UserName="alice", AccessKeyId=key)
    records = len(env.journal.records())
    assert refused(env, entry_id) == (
        f"cannot undo {entry_id}: access key {key} of user alice no longer exists in account "
        f"{ACCOUNT} (deleted outside this journal?); nothing was changed"
    )
    assert len(env.journal.records()) == records  # nothing journaled, nothing sent


def test_a_key_deleted_by_a_later_entry_is_named_as_such(env: Env, iam: Any) -> None:
    entry_id, key = deactivated_key(env, iam, "alice")
    deleted = env.run(env.planner().plan(Request.delete_key("alice", key)), typed="alice")
    assert deleted.ok, deleted.message()
    with pytest.raises(ActionRefused) as caught:
        undo_entry(env.planner(), env.journal, entry_id)
    assert str(caught.value) == (
        f"cannot undo {entry_id}: access key {key} of user alice no longer exists in account "
        f"{ACCOUNT} (deleted by entry {deleted.entry_id}); nothing was changed"
    )


def test_a_refused_undo_sends_no_change(env: Env, iam: Any) -> None:
    entry_id, key = deactivated_key(env, iam, "alice")
    iam.delete_access_key(UserName="alice", AccessKeyId=key)
    sent = sent_operations(env.conn)
    planner = Planner(env.conn, load_account(env.conn))
    with pytest.raises(ActionRefused, match="no longer exists"):
        planner.undo(env.journal.entry(entry_id))
    assert "UpdateAccessKey" not in sent
    assert set(sent) >= {"GetUser", "ListAccessKeys"}  # the reads the action declares


def test_undo_names_the_user_when_the_whole_user_is_gone(env: Env, iam: Any) -> None:
    entry_id, key = deactivated_key(env, iam, "bob")
    iam.delete_access_key(UserName="bob", AccessKeyId=key)
    iam.delete_user(UserName="bob")
    assert f": user bob no longer exists in account {ACCOUNT}" in refused(env, entry_id)


def test_undo_of_a_quarantine_whose_role_was_deleted_is_refused(env: Env, iam: Any) -> None:
    iam.create_role(RoleName="batch", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    report = env.run(env.planner().plan(Request.quarantine_role("batch")))
    assert report.ok, report.message()
    for name in iam.list_role_policies(RoleName="batch")["PolicyNames"]:
        iam.delete_role_policy(RoleName="batch", PolicyName=name)
    iam.delete_role(RoleName="batch")
    assert f": role batch no longer exists in account {ACCOUNT}" in refused(
        env, report.entry_id or ""
    )


def test_undo_of_disable_console_needs_the_user(env: Env, iam: Any) -> None:
    iam.create_user(UserName="carol")
    iam.create_login_profile(UserName="carol", Password="Very-long-passw0rd!")
    report = env.run(env.planner().plan(Request.disable_console("carol")))
    assert report.ok, report.message()
    iam.delete_user(UserName="carol")
    assert ": user carol no longer exists" in refused(env, report.entry_id or "")


def test_undo_of_a_deleted_user_re_creates_it_and_is_not_refused(env: Env, iam: Any) -> None:
    """The subject is gone by design: the undo re-creates it, then puts its group back."""
    iam.create_group(GroupName="Team")
    iam.create_user(UserName="dora")
    iam.add_user_to_group(GroupName="Team", UserName="dora")
    report = env.run(env.planner().plan(Request.delete_user("dora")))
    assert report.ok, report.message()
    undo = env.planner().undo(env.journal.entry(report.entry_id or ""))
    assert [s.call.operation for s in undo.steps][:2] == ["CreateUser", "AddUserToGroup"]
    assert env.run(undo).ok
    assert iam.list_groups_for_user(UserName="dora")["Groups"][0]["GroupName"] == "Team"


def test_undo_in_another_account_is_refused_naming_both(
    env: Env, emulator: Emulator, iam: Any
) -> None:
    other = emulator.client(account_id=OTHER_ACCOUNT)
    other.create_user(UserName="erin")
    key = other.create_access_key(UserName="erin")["AccessKey"]["AccessKeyId"]
    there = connection(emulator)
    for client in (there.iam, there.sts):
        client.meta.events.register(
            "before-sign",
            lambda request, **_: request.headers.__setitem__("x-moto-account-id", OTHER_ACCOUNT),
        )
    planner = Planner(there, load_account(there))
    report = Executor(there, env.journal, sleep=lambda _: None).run(
        planner.plan(Request.deactivate_key("erin", key)).confirm()
    )
    assert report.ok, report.message()
    assert refused(env, report.entry_id or "") == (
        f"cannot undo {report.entry_id}: it was made in account {OTHER_ACCOUNT}, and these "
        f"credentials are for account {ACCOUNT}; nothing was changed"
    )


def test_journal_undo_cli_refuses_in_one_line_exit_2(
    env: Env, iam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    entry_id, key = deactivated_key(env, iam, "alice")
    iam.delete_access_key(UserName="alice", AccessKeyId=key)
    args = ["journal", "undo", entry_id, "--yes", "--journal", str(env.journal.path)]
    result = CliRunner().invoke(main, [*args, "--endpoint-url", env.emulator.endpoint_url])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"iamtui: error: cannot undo {entry_id}: access key {key} of user alice no longer "
        f"exists in account {ACCOUNT} (deleted outside this journal?); nothing was changed\n"
    )


async def test_tui_undo_of_an_entry_whose_key_is_gone_says_why_in_the_preview(
    emulator: Emulator, iam: Any
) -> None:
    """The first session's path: Journal pane, ``u`` on an entry whose key no longer exists."""
    demo, settings = seed_demo(emulator)
    ws = Workspace.demo(lambda: SharedDemo(settings), clock=lambda: NOW)
    user = demo.stale_key_user
    (key,) = [k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]]
    conn = connect(settings, max_attempts=2)
    report = Executor(conn, ws.journal, sleep=lambda _: None).run(
        Planner(conn, load_account(conn)).plan(Request.deactivate_key(user, key)).confirm()
    )
    assert report.ok, report.message()
    iam.delete_access_key(UserName=user, AccessKeyId=key)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlanScreen)
        assert screen.phase == "refused"
        assert screen.result_line == (
            f"refused: cannot undo {report.entry_id}: access key {key} of user {user} no longer "
            f"exists in account {ACCOUNT} (deleted outside this journal?); nothing was changed"
        )
        assert not screen.query_one("#plan-run", Button).display
    assert iam.list_access_keys(UserName=user)["AccessKeyMetadata"] == []


def test_undo_refuses_a_user_deleted_and_re_created_under_the_same_name(env: Env, iam: Any) -> None:
    """Before: bob removed from Admins, bob deleted and a new bob hired: undo put the new bob in
    Admins. IAM gives a re-created principal a new unique id; the plan recorded the old one."""
    iam.create_group(GroupName="Admins")
    iam.create_user(UserName="bob")
    iam.add_user_to_group(GroupName="Admins", UserName="bob")
    report = env.run(env.planner().plan(Request.remove_from_group("bob", "Admins")))
    assert report.ok, report.message()
    entry = env.journal.entry(report.entry_id or "")
    (target,) = [t for t in entry.plan.targets if t.kind == "user"]
    assert target.principal_id  # moto's ids are not AIDA-shaped; AWS's are
    iam.delete_user(UserName="bob")
    new_id = iam.create_user(UserName="bob")["User"]["UserId"]
    message = refused(env, report.entry_id or "")
    assert "user bob is not the user the plan changed" in message
    assert f"id {target.principal_id} then, {new_id} now" in message
    assert "nothing was changed" in message
    assert "bob" not in [
        u["UserName"] for u in iam.get_group(GroupName="Admins")["Users"]
    ]  # nothing sent


def test_undo_of_the_same_user_still_works(env: Env, iam: Any) -> None:
    iam.create_group(GroupName="Admins")
    iam.create_user(UserName="bob")
    iam.add_user_to_group(GroupName="Admins", UserName="bob")
    report = env.run(env.planner().plan(Request.remove_from_group("bob", "Admins")))
    undone = env.run(undo_entry(env.planner(), env.journal, report.entry_id or ""))
    assert undone.ok, undone.message()
    assert [u["UserName"] for u in iam.get_group(GroupName="Admins")["Users"]] == ["bob"]
