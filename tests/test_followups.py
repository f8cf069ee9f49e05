"""Follow-ups (scream tests): plans offer "delete later if still unused", the journal keeps them,
``journal due`` re-checks the evidence on the live account and plans a ready one normally."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from faults import inject
from moto.iam.models import AccessKeyLastUsed
from test_actions_keys import key_of
from test_actions_support import TRUST_EC2, Env, env_fixture  # noqa: F401

from iamtui.cli import main
from iamtui.core.actions import ActionRefused, Executor, Plan, Request
from iamtui.core.actions.followups import (
    RECHECK_READS,
    due_items,
    plan_follow_up,
    recheck,
)
from iamtui.core.actions.offers import offered
from iamtui.core.ids import ActionId
from iamtui.core.journal import FollowUpState, Journal, JournalWriter
from iamtui.core.permissions import read_only_features
from iamtui.core.plan import Evidence, FollowUp
from iamtui.core.settings import FollowUpSettings, Settings, parse_settings
from iamtui.core.subjects import KeySubject, PrincipalSubject, UploadedCredentialSubject
from iamtui.core.usage import Pacer

FAST = Pacer(0)
#: When the deactivation ran (journal and planner clocks); the emulator keeps real time.
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=40)


def clock(at: datetime) -> Callable[[], datetime]:
    return lambda: at


def run_at(env: Env, plan: Plan, at: datetime) -> str:
    """Execute a plan with the journal's clock at ``at``; returns the entry id."""
    with JournalWriter(env.journal, clock=clock(at)) as writer:
        report = Executor(env.conn, writer, sleep=lambda _: None).run(
            plan.confirm(plan.confirmation_phrase)
        )
    assert report.ok, report.message()
    assert report.entry_id is not None
    return report.entry_id


def deactivated(env: Env, iam: Any, user: str = "alice") -> tuple[str, str]:
    """A key deactivated at T0 through iamtui (journaled); returns (key id, entry id)."""
    key = key_of(iam, user)
    planner = env.planner(clock=clock(T0))
    plan = planner.plan(Request.deactivate_key(user, key))
    return key, run_at(env, plan, T0)


# --- plans carry follow-ups ------------------------------------------------------------------


def test_key_deactivate_offers_delete_in_30_days_if_it_stays_inactive_and_unused(
    env: Env, iam: Any
) -> None:
    key = key_of(iam, "alice")
    plan = env.planner(clock=clock(T0)).plan(Request.deactivate_key("alice", key))
    (follow_up,) = plan.follow_ups
    assert follow_up.action is ActionId.KEY_DELETE
    assert follow_up.subject == KeySubject("alice", key)
    assert follow_up.due_at == T0 + timedelta(days=30)
    assert follow_up.evidence == (
        Evidence.KEY_INACTIVE,
        Evidence.KEY_UNUSED,
        Evidence.NO_CLOUDTRAIL_USE,
    )
    shown = "\n".join(plan.lines())
    assert f"follow-up: delete access key {key} of alice from" in shown
    # Only what is checked: an inactive key cannot authenticate, CloudTrail is one region's.
    assert (
        "if it stays inactive and it is not reactivated and used meanwhile (an inactive key "
        "cannot authenticate) and CloudTrail shows no management events of it in the session's "
        "region (where readable)"
    ) in shown


def test_role_quarantine_offers_delete_in_14_days_and_settings_change_or_drop_it(
    env: Env, iam: Any
) -> None:
    iam.create_role(RoleName="old-app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    plan = env.planner(clock=clock(T0)).plan(Request.quarantine_role("old-app"))
    (follow_up,) = plan.follow_ups
    assert follow_up.action is ActionId.ROLE_DELETE
    assert follow_up.subject == PrincipalSubject("role", "old-app")
    assert follow_up.due_at == T0 + timedelta(days=14)
    later = env.planner(
        clock=clock(T0), settings=Settings(followups=FollowUpSettings(role_delete_days=3))
    ).plan(Request.quarantine_role("old-app"))
    assert later.follow_ups[0].due_at == T0 + timedelta(days=3)
    off = Settings(followups=FollowUpSettings(offer=False))
    assert env.planner(settings=off).plan(Request.quarantine_role("old-app")).follow_ups == ()


def test_followups_settings_are_validated_one_line() -> None:
    parsed = parse_settings(
        "[followups]\noffer = false\nkey_delete_days = 45\n", known_rules=()
    ).followups
    assert parsed == FollowUpSettings(offer=False, key_delete_days=45)
    with pytest.raises(ValueError, match=r"followups.key_delete_days: expected 1 to 36500 days"):
        parse_settings("[followups]\nkey_delete_days = 0\n", known_rules=())
    with pytest.raises(ValueError, match=r"followups.soon: unknown key"):
        parse_settings("[followups]\nsoon = 1\n", known_rules=())


def test_a_plan_with_follow_ups_round_trips_and_one_without_keeps_its_old_form(
    env: Env, iam: Any
) -> None:
    key = key_of(iam, "alice")
    plan = env.planner(clock=clock(T0)).plan(Request.deactivate_key("alice", key))
    assert Plan.from_json(json.loads(json.dumps(plan.to_json()))) == plan
    bare = replace(plan, follow_ups=())
    assert "follow_ups" not in bare.to_json() and "follows_up" not in bare.to_json()
    # Every subject kind a follow-up names decodes back as itself (the codec picks by fields).
    for subject in (
        PrincipalSubject("role", "r"),
        UploadedCredentialSubject("bob", "ssh-key", "APKA1"),
        UploadedCredentialSubject("bob", "certificate", "C1"),
    ):
        other = replace(plan, follow_ups=(replace(plan.follow_ups[0], subject=subject),))
        assert Plan.from_json(json.loads(json.dumps(other.to_json()))) == other


def test_an_ssh_key_deactivation_offers_its_delete(env: Env, iam: Any) -> None:
    from test_actions_support import ssh_public_key

    iam.create_user(UserName="bob")
    kid = iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody=ssh_public_key())[
        "SSHPublicKey"
    ]["SSHPublicKeyId"]
    plan = env.planner().plan(Request.ssh_key(ActionId.SSH_KEY_DEACTIVATE, "bob", kid))
    assert [(f.action, f.subject) for f in plan.follow_ups] == [
        (ActionId.SSH_KEY_DELETE, UploadedCredentialSubject("bob", "ssh-key", kid))
    ]


# --- the journal -----------------------------------------------------------------------------


def test_the_journal_keeps_follow_ups_pending_then_due_with_an_injected_now(
    env: Env, iam: Any
) -> None:
    key, entry = deactivated(env, iam)
    assert env.journal.verify().ok
    (item,) = env.journal.follow_ups(T0 + timedelta(days=29))
    assert item.state is FollowUpState.PENDING and item.ref == f"{entry}#0"
    assert item.follow_up.subject == KeySubject("alice", key)
    (item,) = env.journal.follow_ups(T0 + timedelta(days=30))
    assert item.state is FollowUpState.DUE
    assert due_items(env.journal, T0 + timedelta(days=29)) == []
    assert len(due_items(env.journal, T0 + timedelta(days=29), everything=True)) == 1


def test_dismissing_is_recorded_in_the_chain_and_is_final(env: Env, iam: Any) -> None:
    _, entry = deactivated(env, iam)
    with env.journal.writer() as writer:
        writer.dismiss(entry, 0, "the key is kept for the audit")
        with pytest.raises(Exception, match="has no follow-up #3"):
            writer.dismiss(entry, 3)
    assert env.journal.verify().ok
    (item,) = env.journal.follow_ups(T0 + timedelta(days=31))
    assert item.state is FollowUpState.DISMISSED
    assert item.note.endswith(": the key is kept for the audit")
    assert due_items(env.journal, T0 + timedelta(days=31), everything=True) == []


def test_undoing_the_entry_makes_its_follow_up_obsolete(env: Env, iam: Any) -> None:
    _, entry = deactivated(env, iam)
    env.run(env.planner().undo(env.journal.entry(entry)))
    (item,) = env.journal.follow_ups(T0 + timedelta(days=31))
    assert item.state is FollowUpState.OBSOLETE and "undone by" in item.note


def test_the_old_journal_file_still_loads_with_no_follow_ups() -> None:
    journal = Journal(Path(__file__).parent / "data" / "journal-v1.jsonl")
    assert journal.verify().ok
    assert journal.entries() and journal.follow_ups(T0) == []


# --- re-checking the evidence on the emulator -----------------------------------------------


def test_an_unused_inactive_key_is_ready_and_plans_as_a_normal_key_delete(
    env: Env, iam: Any
) -> None:
    key, entry = deactivated(env, iam)
    now = T0 + timedelta(days=31)
    (item,) = due_items(env.journal, now)
    checked = recheck(env.conn, item, now=now, pacer=FAST)
    assert checked.ready and checked.verdict() == "ready", checked.problems
    assert f"key {key} is still Inactive" in checked.held
    # Only what was checked: an inactive key cannot authenticate; CloudTrail is one region's.
    assert checked.held[1:] == (
        f"key {key} not reactivated and used since the deactivation ({T0:%Y-%m-%d %H:%M} UTC; "
        "an inactive key cannot authenticate)",
        f"CloudTrail: no management events in us-east-1 for 31 days "
        f"(since {T0:%Y-%m-%d %H:%M} UTC)",
    )
    plan, _ = plan_follow_up(env.planner(), env.journal, f"{entry}#0", now=now, pacer=FAST)
    assert plan.action is ActionId.KEY_DELETE and plan.follows_up == f"{entry}#0"
    assert plan.needs_typed_confirmation and plan.follow_ups == ()
    later = env.run(plan)
    assert later.ok and iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == []
    (item,) = env.journal.follow_ups(now)
    assert item.state is FollowUpState.DONE and item.note == f"done by {later.entry_id}"
    assert env.journal.verify().ok


def test_a_key_used_after_its_deactivation_is_not_ready_and_is_not_planned(
    env: Env, iam: Any
) -> None:
    key, entry = deactivated(env, iam)
    used = T0 + timedelta(days=10)
    env.emulator.backend().access_keys[key].last_used = AccessKeyLastUsed(
        timestamp=used.replace(tzinfo=None), service="s3", region="eu-west-1"
    )
    now = T0 + timedelta(days=31)
    (item,) = due_items(env.journal, now)
    checked = recheck(env.conn, item, now=now, pacer=FAST)
    assert not checked.ready
    assert checked.verdict() == (
        f"not ready: key {key} used {used:%Y-%m-%d %H:%M} UTC (s3), after the deactivation"
    )
    with pytest.raises(ActionRefused, match=r"is not ready: key .* used"):
        plan_follow_up(env.planner(), env.journal, f"{entry}#0", now=now, pacer=FAST)


def test_a_key_active_again_is_not_ready(env: Env, iam: Any) -> None:
    key, _ = deactivated(env, iam)
    iam.update_access_key(UserName="alice", AccessKeyId=key, Status="Active")
    now = T0 + timedelta(days=31)
    (item,) = due_items(env.journal, now)
    assert recheck(env.conn, item, now=now, pacer=FAST).problems == (f"key {key} is Active again",)


def test_a_denied_read_is_not_ready_and_unreadable_cloudtrail_only_says_so(
    env: Env, iam: Any
) -> None:
    deactivated(env, iam)
    now = T0 + timedelta(days=31)
    (item,) = due_items(env.journal, now)
    env.conn.cloudtrail.meta.events.register(
        "before-send.cloudtrail.LookupEvents", _cloudtrail_denied
    )
    checked = recheck(env.conn, item, now=now, pacer=FAST)
    assert checked.ready
    assert any(h.startswith("CloudTrail not read (denied") for h in checked.held)
    inject(env.conn.iam, "GetAccessKeyLastUsed", "AccessDenied")
    checked = recheck(env.conn, item, now=now, pacer=FAST)
    assert checked.problems == (
        "could not check key unused: denied: the caller lacks iam:GetAccessKeyLastUsed",
    )


def _cloudtrail_denied(**_: Any) -> Any:
    from test_usage import _json_error

    return _json_error("AccessDeniedException")


def test_a_pending_follow_up_is_refused_with_its_due_date(env: Env, iam: Any) -> None:
    _, entry = deactivated(env, iam)
    with pytest.raises(ActionRefused, match="is not due before"):
        plan_follow_up(env.planner(), env.journal, f"{entry}#0", now=T0 + timedelta(days=2))


def test_a_role_whose_quarantine_was_removed_is_not_ready(env: Env, iam: Any) -> None:
    iam.create_role(RoleName="old-app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    plan = env.planner(clock=clock(T0)).plan(Request.quarantine_role("old-app"))
    entry = run_at(env, plan, T0)
    now = T0 + timedelta(days=15)
    (item,) = due_items(env.journal, now)
    checked = recheck(env.conn, item, now=now, pacer=FAST)
    assert checked.ready, checked.problems
    assert "role old-app is still quarantined" in checked.held
    iam.delete_role_policy(RoleName="old-app", PolicyName="iamtui-quarantine")
    checked = recheck(env.conn, item, now=now, pacer=FAST)
    assert checked.problems == (
        "role old-app is no longer quarantined (iamtui-quarantine removed)",
    )
    assert item.ref == f"{entry}#0"


def test_the_read_only_policy_grants_every_recheck_read() -> None:
    granted = {a for f in read_only_features() for a in f.actions}
    assert set(RECHECK_READS) <= granted


def test_offered_leaves_other_actions_alone(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice", "Inactive")
    plan = env.planner().plan(Request.delete_key("alice", key))
    assert plan.follow_ups == () and offered(plan, FollowUpSettings()) == plan
    assert isinstance(FollowUp, type)


# --- the command -----------------------------------------------------------------------------


def test_cli_journal_due_lists_rechecks_plans_and_dismisses(env: Env, iam: Any) -> None:
    # Real time here: the command's clock is the journal's.
    past = datetime.now(UTC) - timedelta(days=31)
    key = key_of(iam, "alice")
    plan = env.planner(clock=clock(past)).plan(Request.deactivate_key("alice", key))
    entry = run_at(env, plan, past)
    args = ["journal", "due", "--journal", str(env.journal.path)]
    where = ["--endpoint-url", env.emulator.endpoint_url, "--region", "us-east-1"]
    environ = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    runner = CliRunner()
    result = runner.invoke(main, [*args, *where, "--format", "json"], env=environ)
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)["follow_ups"]
    assert row["ref"] == f"{entry}#0" and row["ready"] is True and row["state"] == "due"
    result = runner.invoke(main, [*args, *where], env=environ)
    assert f"{entry}#0  due" in result.output and "    ready" in result.output
    result = runner.invoke(main, [*args, *where, "--plan", f"{entry}#0", "--dry-run"], env=environ)
    assert result.exit_code == 0, result.output
    assert f"carries out follow-up {entry}#0" in result.output
    assert "dry run: nothing was changed" in result.output
    result = runner.invoke(main, [*args, *where, "--plan", "nope"], env=environ)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "iamtui: error: 'nope' is not a follow-up: give ENTRY#N (iamtui journal due)"
    ]
    result = runner.invoke(main, [*args, "--dismiss", f"{entry}#0", "--reason", "kept"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, [*args, *where], env=environ)
    assert result.output.strip() == f"no follow-ups are due in {env.journal.path}"
    # --all lists every state: the dismissed one says so, with its reason.
    result = runner.invoke(main, [*args, *where, "--all"], env=environ)
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"{entry}#0  dismissed ") and line.split("  ")[1].endswith(": kept")
    result = runner.invoke(main, [*args, *where, "--all", "--format", "json"], env=environ)
    (closed,) = json.loads(result.output)["closed"]
    assert closed["ref"] == f"{entry}#0" and closed["state"] == "dismissed"


def test_the_read_only_policy_is_enough_for_every_recheck_under_enforcement(
    env: Env, iam: Any
) -> None:
    from test_actions_support import connection
    from test_permissions_enforced import grant, user_key

    from iamtui.core import permissions

    deactivated(env, iam)
    iam.create_role(RoleName="old-app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    run_at(env, env.planner(clock=clock(T0)).plan(Request.quarantine_role("old-app")), T0)
    reader = user_key(env.emulator, "reader")
    grant(env.emulator, "reader", permissions.read_only_policy())
    conn = connection(env.emulator, reader)
    now = T0 + timedelta(days=31)
    items = due_items(env.journal, now)
    assert len(items) == 2
    with env.emulator.enforced():
        checks = [recheck(conn, i, now=now, pacer=FAST) for i in items]
    assert [c.problems for c in checks] == [(), ()]
    assert not [h for c in checks for h in c.held if "not read" in h]
    grant(
        env.emulator,
        "reader",
        permissions.without(permissions.read_only_policy(), "iam:GetRolePolicy"),
    )
    with env.emulator.enforced():
        role = next(i for i in items if i.follow_up.action is ActionId.ROLE_DELETE)
        assert recheck(conn, role, now=now, pacer=FAST).problems == (
            "could not check role quarantined: denied: the caller lacks iam:GetRolePolicy",
        )


def test_journal_show_names_the_follow_up_and_its_state(env: Env, iam: Any) -> None:
    _, entry = deactivated(env, iam)
    result = CliRunner().invoke(
        main, ["journal", "show", entry, "--journal", str(env.journal.path)]
    )
    assert result.exit_code == 0, result.output
    assert f"  follow-up {entry}#0 [due]: delete access key" in result.output


def test_the_demo_tui_and_serve_start_with_a_seeded_fresh_journal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from iamtui.ui.app import IamtuiApp

    starters: list[Any] = []
    monkeypatch.setattr(IamtuiApp, "run", lambda self, *a, **k: starters.append(self.workspace))
    monkeypatch.setattr("iamtui.cli.tui.has_terminal", lambda: True)
    monkeypatch.delenv("IAMTUI_JOURNAL", raising=False)
    assert CliRunner().invoke(main, ["demo"]).exit_code == 0
    assert (
        CliRunner().invoke(main, ["demo", "--journal", str(tmp_path / "mine.jsonl")]).exit_code == 0
    )
    fresh, mine = (ws._demo_starter for ws in starters)
    assert fresh.keywords == {"journal": starters[0].journal.path}
    assert mine.__name__ == "start_demo"  # a journal the operator names is never seeded


def test_a_batch_of_deactivations_offers_one_follow_up_per_key(env: Env, iam: Any) -> None:
    first, second = key_of(iam, "alice"), key_of(iam, "bob")
    plan = env.planner(clock=clock(T0)).batch(
        [Request.deactivate_key("alice", first), Request.deactivate_key("bob", second)]
    )
    assert [f.subject for f in plan.follow_ups] == [
        KeySubject("alice", first),
        KeySubject("bob", second),
    ]
    entry = run_at(env, plan, T0)
    refs = [i.ref for i in env.journal.follow_ups(T0 + timedelta(days=30))]
    assert refs == [f"{entry}#0", f"{entry}#1"]


def test_an_ssh_key_follow_up_is_ready_while_inactive_and_not_once_active_again(
    env: Env, iam: Any
) -> None:
    from test_actions_support import ssh_public_key

    iam.create_user(UserName="bob")
    kid = iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody=ssh_public_key())[
        "SSHPublicKey"
    ]["SSHPublicKeyId"]
    plan = env.planner(clock=clock(T0)).plan(
        Request.ssh_key(ActionId.SSH_KEY_DEACTIVATE, "bob", kid)
    )
    run_at(env, plan, T0)
    now = T0 + timedelta(days=30)
    (item,) = due_items(env.journal, now)
    assert recheck(env.conn, item, now=now, pacer=FAST).held == (
        f"SSH key {kid} is still Inactive",
    )
    iam.update_ssh_public_key(UserName="bob", SSHPublicKeyId=kid, Status="Active")
    assert recheck(env.conn, item, now=now, pacer=FAST).verdict() == (
        f"not ready: SSH key {kid} is Active again"
    )


def test_a_follow_up_naming_an_unknown_principal_kind_does_not_decode(env: Env, iam: Any) -> None:
    from iamtui.core.codec import CodecError

    iam.create_role(RoleName="old-app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    data = env.planner().plan(Request.quarantine_role("old-app")).to_json()
    data["follow_ups"][0]["subject"]["kind"] = "robot"
    with pytest.raises(CodecError, match="follow_ups"):
        Plan.from_json(data)


# --- the thing, not the name -----------------------------------------------------------------


def test_a_follow_up_keeps_the_unique_id_of_what_it_was_offered_for(env: Env, iam: Any) -> None:
    key = key_of(iam, "alice")
    plan = env.planner(clock=clock(T0)).plan(Request.deactivate_key("alice", key))
    user_id = iam.get_user(UserName="alice")["User"]["UserId"]
    assert [f.principal_id for f in plan.follow_ups] == [user_id]
    # A follow-up saved before the id was kept (old journals) decodes with none, and stays so.
    data = plan.to_json()
    del data["follow_ups"][0]["principal_id"]
    old = Plan.from_json(json.loads(json.dumps(data)))
    assert old.follow_ups[0].principal_id is None
    assert "principal_id" not in old.to_json()["follow_ups"][0]


def test_an_old_follow_up_never_deletes_a_role_re_created_under_its_name(
    env: Env, iam: Any
) -> None:
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    old_entry = run_at(env, env.planner(clock=clock(T0)).plan(Request.quarantine_role("app")), T0)
    old_id = iam.get_role(RoleName="app")["Role"]["RoleId"]
    # Out of band: deleted, re-created under the same name, quarantined again 12 days later.
    iam.delete_role_policy(RoleName="app", PolicyName="iamtui-quarantine")
    iam.delete_role(RoleName="app")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    new_id = iam.get_role(RoleName="app")["Role"]["RoleId"]
    later = T0 + timedelta(days=12)
    run_at(env, env.planner(clock=clock(later)).plan(Request.quarantine_role("app")), later)
    now = T0 + timedelta(days=15)
    (item,) = due_items(env.journal, now)  # the new role's follow-up is due at T0 + 26 days
    assert item.ref == f"{old_entry}#0" and item.follow_up.principal_id == old_id
    checked = recheck(env.conn, item, now=now, pacer=FAST)
    recreated = f"role app re-created since (id {old_id} then, {new_id} now)"
    assert not checked.ready and checked.problems == (recreated,) and checked.held == ()
    with pytest.raises(ActionRefused, match=re.escape(f"is not ready: {recreated}")):
        plan_follow_up(env.planner(), env.journal, item.ref, now=now, pacer=FAST)


def test_an_old_follow_up_with_no_id_is_rechecked_by_name(env: Env, iam: Any) -> None:
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    plan = env.planner(clock=clock(T0)).plan(Request.quarantine_role("app"))
    plan = replace(plan, follow_ups=(replace(plan.follow_ups[0], principal_id=None),))
    run_at(env, plan, T0)
    (item,) = due_items(env.journal, T0 + timedelta(days=15))
    assert recheck(env.conn, item, now=T0 + timedelta(days=15), pacer=FAST).ready


def test_journal_due_warns_once_when_the_hash_chain_does_not_verify(env: Env, iam: Any) -> None:
    deactivated(env, iam)
    path = env.journal.path
    path.write_text(path.read_text().replace('"alice"', '"alicE"', 1))
    assert not env.journal.verify().ok
    args = ["journal", "due", "--journal", str(path), "--all"]
    where = ["--endpoint-url", env.emulator.endpoint_url, "--region", "us-east-1"]
    environ = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    result = CliRunner().invoke(main, [*args, *where], env=environ)
    problem = env.journal.verify().message()
    assert result.stderr.splitlines().count(f"iamtui: warning: {problem}") == 1, result.stderr
