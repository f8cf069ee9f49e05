"""Who uses this credential: CloudTrail LookupEvents summarised per key, user and role, on the
emulator's event history; unavailable CloudTrail said as such, with IAM's last-used data."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from builders import ACCOUNT
from click.testing import CliRunner
from conftest import NOW
from faults import _Body
from test_actions_support import TRUST_EC2, connection
from ui_support import SIZE, demo_workspace, plain, settle

from iamtui.cli import main
from iamtui.core.loader import Cancelled, CancelToken
from iamtui.core.session import ConnectionSettings, connect
from iamtui.core.usage import (
    MAX_PAGES,
    Pacer,
    TargetKind,
    UsageTarget,
    lookup_usage,
    resolve_target,
)
from iamtui.core.views.usage import usage_text
from iamtui.emulator.seed import (
    KeySpec,
    Seeder,
    account_caller,
    role_session_caller,
    service_caller,
    user_caller,
)
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.action import PlanScreen
from iamtui.ui.screens.review import ReviewScreen

FAST = Pacer(0)


def seeder(emulator: Emulator) -> Seeder:
    """A seeder on the test account, with the emulator's clock frozen at NOW."""
    extras = emulator.extras()
    extras.clock = lambda: NOW
    return Seeder(emulator.backend(), extras, NOW)


def alice_with_key(s: Seeder) -> tuple[Any, str]:
    user = s.user(
        "alice",
        keys=[KeySpec(NOW - timedelta(days=200), last_used=NOW - timedelta(hours=2), service="s3")],
    )
    return user, str(user.access_keys[0].access_key_id)


# --- the summary ------------------------------------------------------------------------------


def test_a_key_lookup_summarises_its_events_in_the_window_and_region(emulator: Emulator) -> None:
    s = seeder(emulator)
    user, key_id = alice_with_key(s)
    caller = user_caller(user, key_id)
    s.trail_event(caller, "ListBuckets", s.ago(2), source="s3.amazonaws.com", ip="192.0.2.1")
    s.trail_event(caller, "ListUsers", s.ago(1), ip="192.0.2.1", agent="terraform")
    s.trail_event(caller, "ListUsers", s.ago(0, hours=2), ip="198.51.100.9", agent="terraform")
    s.trail_event(
        caller, "DescribeInstances", s.ago(1), source="ec2.amazonaws.com", region="eu-west-1"
    )
    s.trail_event(caller, "ListRoles", s.ago(40))  # outside a 30-day window
    s.trail_event(user_caller(user, "AKIAOTHERKEY00000000"), "ListUsers", s.ago(1))
    report = lookup_usage(
        connection(emulator), UsageTarget.key(key_id), days=30, now=NOW, pacer=FAST
    )
    assert report.available and report.region == "us-east-1"
    assert (report.start, report.end, report.days) == (NOW - timedelta(days=30), NOW, 30)
    assert report.lookup == f"AccessKeyId = {key_id}"
    assert report.events == 3 and not report.truncated and report.pages == 1
    assert (report.first_seen, report.last_seen) == (s.ago(2), s.ago(0, hours=2))
    assert [(t.value, t.count) for t in report.calls] == [
        ("iam:ListUsers", 2),
        ("s3:ListBuckets", 1),
    ]
    assert [(t.value, t.count) for t in report.source_ips] == [
        ("192.0.2.1", 2),
        ("198.51.100.9", 1),
    ]
    assert next(t.value for t in report.user_agents) == "terraform"
    assert [t.value for t in report.regions] == ["us-east-1"]
    assert [t.value for t in report.callers] == [user.arn]
    (last,) = report.last_used
    assert last.when == NOW - timedelta(hours=2) and last.service == "s3"
    text = usage_text(report, NOW)
    assert "last 30 days" in text and "management events in us-east-1" in text
    assert "Events: 3 events" in text


def test_paging_reads_every_page_and_the_cap_keeps_the_newest_and_says_truncated(
    emulator: Emulator,
) -> None:
    s = seeder(emulator)
    user, key_id = alice_with_key(s)
    for n in range(120):
        s.trail_event(user_caller(user, key_id), "GetUser", s.ago(0, hours=n + 1))
    conn = connection(emulator)
    before = conn.counter.by_operation.get("cloudtrail:LookupEvents", 0)
    full = lookup_usage(conn, UsageTarget.key(key_id), now=NOW, pacer=FAST)
    assert (full.events, full.pages, full.truncated) == (120, 3, False)
    assert conn.counter.by_operation["cloudtrail:LookupEvents"] - before == 3
    capped = lookup_usage(conn, UsageTarget.key(key_id), now=NOW, max_pages=2, pacer=FAST)
    assert (capped.events, capped.pages, capped.truncated) == (100, 2, True)
    assert capped.last_seen == s.ago(0, hours=1)  # newest first: the cap drops the oldest
    assert "truncated" in usage_text(capped, NOW)
    assert MAX_PAGES * 50 >= 1000


def test_lookups_are_paced_two_a_second_and_cancellable(emulator: Emulator) -> None:
    pacer = Pacer(0.2)
    started = time.monotonic()
    for _ in range(3):
        pacer.wait("endpoint|us-east-1")
    assert time.monotonic() - started >= 0.39
    pacer.wait("endpoint|eu-west-1")  # another region has its own budget: no wait
    assert Pacer().interval == 0.5
    cancel = CancelToken()
    cancel.cancel()
    s = seeder(emulator)
    _, key_id = alice_with_key(s)
    with pytest.raises(Cancelled):
        lookup_usage(connection(emulator), UsageTarget.key(key_id), now=NOW, cancel=cancel)


def test_a_role_is_found_through_the_assume_role_events_that_name_it(emulator: Emulator) -> None:
    s = seeder(emulator)
    role = s.role("app", trust=TRUST_EC2, last_used=s.ago(1))
    user, key_id = alice_with_key(s)
    s.assume_role_event(user_caller(user, key_id), role, "alice-debug", s.ago(3), ip="192.0.2.7")
    s.assume_role_event(service_caller("ec2.amazonaws.com"), role, "i-0abc", s.ago(1))
    s.assume_role_event(
        account_caller("999988887777", "arn:aws:iam::999988887777:root"), role, "x", s.ago(2)
    )
    s.trail_event(
        user_caller(user, key_id),
        "PutRolePolicy",
        s.ago(5),
        resources=[("AWS::IAM::Role", role.arn)],
    )
    # A call made inside a session names neither the role ARN as a resource nor is looked up.
    s.trail_event(
        role_session_caller(role, "i-0abc", "ASIAEXAMPLE000000000"), "ListBuckets", s.ago(1)
    )
    target = resolve_target(connection(emulator), "app")
    assert target == UsageTarget.role("app", role.arn)
    report = lookup_usage(connection(emulator), target, now=NOW, pacer=FAST)
    assert report.lookup == f"ResourceName = {role.arn}"
    assert report.events == 3 and report.other_events == 1
    assert {t.value for t in report.sessions} == {"alice-debug", "i-0abc", "x"}
    assert {t.value for t in report.callers} == {
        user.arn, "ec2.amazonaws.com", "arn:aws:iam::999988887777:root"}  # fmt: skip
    assert "PutRolePolicy" in report.other_note
    (last,) = report.last_used
    assert last.what == "role" and last.when == s.ago(1)
    assert "3 sessions started" in usage_text(report, NOW)


def test_a_user_lookup_leaves_out_role_sessions_that_carry_the_same_name(
    emulator: Emulator,
) -> None:
    s = seeder(emulator)
    user, key_id = alice_with_key(s)
    role = s.role("app", trust=TRUST_EC2)
    s.trail_event(user_caller(user, key_id), "ListUsers", s.ago(1))
    s.trail_event(user_caller(user), "ConsoleLogin", s.ago(2), source="signin.amazonaws.com")
    s.trail_event(role_session_caller(role, "alice", "ASIAEXAMPLE000000000"), "ListRoles", s.ago(1))
    target = resolve_target(connection(emulator), "alice")
    assert target.kind is TargetKind.USER
    report = lookup_usage(connection(emulator), target, now=NOW, pacer=FAST)
    assert report.lookup == "Username = alice"
    assert (report.events, report.other_events) == (2, 1)
    assert [(t.value, t.count) for t in report.sessions] == [(key_id, 1)]
    assert [u.what for u in report.last_used] == ["console sign-in", f"access key {key_id}"]


def test_no_events_is_not_reported_as_unused(emulator: Emulator) -> None:
    s = seeder(emulator)
    _, key_id = alice_with_key(s)
    report = lookup_usage(connection(emulator), UsageTarget.key(key_id), now=NOW, pacer=FAST)
    assert report.available and report.events == 0
    assert "not proof of no use" in usage_text(report, NOW)


# --- CloudTrail not readable ----------------------------------------------------------------


def _json_error(code: str) -> AWSResponse:
    body = json.dumps({"__type": code, "message": "injected"}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code}
    return AWSResponse("https://cloudtrail.us-east-1.amazonaws.com/", 400, headers, _Body(body))


def test_access_denied_is_unavailable_and_falls_back_to_iam_last_used(emulator: Emulator) -> None:
    s = seeder(emulator)
    _, key_id = alice_with_key(s)
    conn = connection(emulator)
    conn.cloudtrail.meta.events.register(
        "before-send.cloudtrail.LookupEvents", lambda **_: _json_error("AccessDeniedException")
    )
    report = lookup_usage(conn, UsageTarget.key(key_id), now=NOW, pacer=FAST)
    assert report.unavailable == "denied: the caller lacks cloudtrail:LookupEvents"
    assert report.events == 0 and report.last_used[0].when == NOW - timedelta(hours=2)
    text = usage_text(report, NOW)
    assert "unavailable: denied" in text and "Unknown, not unused" in text
    assert "no events" not in text


def test_enforcement_denies_lookup_events_to_a_caller_without_the_permission(
    emulator: Emulator,
) -> None:
    s = seeder(emulator)
    _, key_id = alice_with_key(s)
    backend = emulator.backend()
    backend.create_user(region_name="us-east-1", user_name="reader")
    reader = backend.create_access_key("reader")
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:GetAccessKeyLastUsed", "Resource": "*"}]}  # fmt: skip
    backend.put_user_policy("reader", "only-last-used", json.dumps(document))
    conn = connection(emulator, (reader.access_key_id, reader.secret_access_key))
    with emulator.enforced():
        denied = lookup_usage(conn, UsageTarget.key(key_id), now=NOW, pacer=FAST)
        document["Statement"].append(
            {"Effect": "Allow", "Action": "cloudtrail:LookupEvents", "Resource": "*"}
        )
        backend.put_user_policy("reader", "only-last-used", json.dumps(document))
        allowed = lookup_usage(conn, UsageTarget.key(key_id), now=NOW, pacer=FAST)
    assert denied.unavailable == "denied: the caller lacks cloudtrail:LookupEvents"
    assert denied.last_used and not denied.last_used_note
    assert allowed.available


def test_moto_as_shipped_answers_500_which_is_unavailable_not_a_crash() -> None:
    with Emulator(fidelity=False) as bare:
        conn = connect(
            ConnectionSettings(
                endpoint_url=bare.endpoint_url,
                region="us-east-1",
                static_credentials=("testing", "testing"),
            ),
            max_attempts=2,
        )
        bare.backend().create_user(region_name="us-east-1", user_name="bob")
        key = bare.backend().create_access_key("bob")
        report = lookup_usage(conn, UsageTarget.key(key.access_key_id), now=NOW, pacer=FAST)
    assert report.unavailable.startswith("this endpoint does not serve CloudTrail LookupEvents")
    assert report.last_used and report.last_used[0].when is None
    assert "Unknown, not unused" in usage_text(report, NOW)


def test_the_demo_keys_newest_event_is_their_iam_last_use(emulator: Emulator) -> None:
    demo, _ = demo_workspace(emulator)
    conn = connection(emulator)
    target = resolve_target(conn, demo.ci_bot)
    report = lookup_usage(conn, target, now=NOW, pacer=FAST)
    assert report.events == 64 and report.pages == 2
    used = [u for u in report.last_used if u.what.startswith("access key") and u.when]
    assert report.last_seen == max(u.when for u in used if u.when)


# --- the command line -------------------------------------------------------------------------


def test_cli_usage_prints_the_summary_as_json_and_one_line_errors(emulator: Emulator) -> None:
    s = seeder(emulator)
    user, key_id = alice_with_key(s)
    s.trail_event(user_caller(user, key_id), "ListUsers", s.ago(0, hours=3), ip="192.0.2.1")
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_PROFILE": None}  # fmt: skip
    base = ["usage", "--endpoint-url", emulator.endpoint_url]
    result = CliRunner(env=env).invoke(main, [*base, key_id, "--format", "json", "--days", "90"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["target"] == {"kind": "key", "name": key_id, "arn": None, "user": "alice"}
    assert document["lookup"] == f"AccessKeyId = {key_id}"
    # The emulator's clock is NOW and the CLI's the wall clock: the window is the CLI's.
    assert document["unavailable"] == "" and document["region"] == "us-east-1"
    text = CliRunner(env=env).invoke(main, [*base, "alice"])
    assert text.exit_code == 0 and "Looked up: LookupEvents Username = alice" in text.stdout
    missing = CliRunner(env=env).invoke(main, [*base, "nobody"])
    assert missing.exit_code == 2
    assert missing.stderr.strip() == (
        "iamtui: error: no access key id, user or role named 'nobody' in this account"
    )
    days = CliRunner(env=env).invoke(main, [*base, key_id, "--days", "91"])
    assert days.exit_code == 2 and len(days.stderr.strip().splitlines()) == 1
    ghost = CliRunner(env=env).invoke(main, [*base, f"arn:aws:iam::{ACCOUNT}:user/ghost"])
    assert (ghost.exit_code, ghost.stderr.strip()) == (
        2,
        f"iamtui: error: no user arn:aws:iam::{ACCOUNT}:user/ghost in this account",
    )


def test_a_key_or_arn_that_is_not_in_the_account_is_refused_not_looked_up(
    emulator: Emulator,
) -> None:
    """Before: a ghost ARN or an unknown key id got a report of no events and "unavailable"
    last use, exit 0: an answer about nothing."""
    s = seeder(emulator)
    alice_with_key(s)
    s.role("app", trust=TRUST_EC2)
    conn = connection(emulator)
    for text, said in (
        ("AKIAZZZZZZZZZZZZZZZZ", "no access key AKIAZZZZZZZZZZZZZZZZ in this account"),
        (f"arn:aws:iam::{ACCOUNT}:role/ghost", f"no role arn:aws:iam::{ACCOUNT}:role/ghost in"),
        (f"arn:aws:iam::{ACCOUNT}:user/ops/alice", "(user alice is arn:aws:iam::"),
    ):
        with pytest.raises(ValueError, match=re.escape(said)):
            resolve_target(conn, text)
    role = resolve_target(conn, f"arn:aws:iam::{ACCOUNT}:role/app")
    assert role == UsageTarget.role("app", f"arn:aws:iam::{ACCOUNT}:role/app")
    # Another account's role: this account's history records calls into it (AssumeRole).
    elsewhere = "arn:aws:iam::210987654321:role/partner"
    assert resolve_target(conn, elsewhere) == UsageTarget.role("partner", elsewhere)


def test_iamtui_policy_lists_lookup_events_in_the_read_only_policy() -> None:
    result = CliRunner().invoke(main, ["policy", "--read-only"])
    assert result.exit_code == 0, result.output
    (statement,) = [s for s in json.loads(result.stdout)["Statement"] if s["Sid"] == "IamtuiUsage"]
    assert "cloudtrail:LookupEvents" in statement["Action"]


# --- the TUI ---------------------------------------------------------------------------------


async def test_u_in_a_review_shows_who_used_the_focused_key_then_the_user(
    emulator: Emulator,
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("user", demo.ci_bot))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert "Not read yet: u asks CloudTrail" in plain(review.query_one("#usage"))
        await pilot.press("u")
        await settle(pilot)
        shown = plain(review.query_one("#usage"))
        assert "user jenkins-deploy" in shown
        assert "64 events" in shown and "last 90 days" in shown and "203.0.113.45" in shown
        keys = review.query_one("#keys")
        keys.focus()
        await pilot.pause()
        await pilot.press("u")
        await settle(pilot)
        shown = plain(review.query_one("#usage"))
        assert "AccessKeyId = AKIA" in shown


async def test_u_in_the_preview_of_a_quarantine_shows_who_assumes_the_role(
    emulator: Emulator,
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("role", demo.vendor_role))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("Q")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlanScreen) and screen.phase == "preview"
        assert "u: who used it in the last 90 days" in plain(screen.query_one("#plan-body"))
        await pilot.press("u")
        await settle(pilot)
        body = plain(screen.query_one("#plan-body"))
        assert "Who uses it (CloudTrail)" in body
        assert "sessions started" in body and "999988887777" in body
        assert screen.phase == "preview"  # nothing ran


def test_the_overview_load_sends_no_cloudtrail_call(emulator: Emulator) -> None:
    from iamtui.core.loader import load_account

    seeder(emulator)
    conn = connection(emulator)
    load_account(conn)
    assert not [op for op in conn.counter.by_operation if op.startswith("cloudtrail:")]


def test_the_preview_looks_up_what_the_plan_cuts_off(emulator: Emulator) -> None:
    from iamtui.core.actions import Request
    from iamtui.core.usage import plan_targets

    demo, ws = demo_workspace(emulator)
    ws.load()
    key_id = str(emulator.backend().list_access_keys(demo.ci_bot)[0].access_key_id)
    key = ws.plan_action([Request.deactivate_key(demo.ci_bot, key_id)]).plan
    assert plan_targets(key) == (UsageTarget.key(key_id, demo.ci_bot),)
    (user,) = plan_targets(ws.plan_action([Request.delete_user(demo.ex_employee)]).plan)
    assert (user.kind, user.name) == (TargetKind.USER, demo.ex_employee)
    (role,) = plan_targets(ws.plan_action([Request.delete_role(demo.vendor_role)]).plan)
    assert role.attribute == ("ResourceName", emulator.backend().get_role(demo.vendor_role).arn)
    console = ws.plan_action([Request.disable_console(demo.ex_employee)]).plan
    assert plan_targets(console) == ()
    ws.close()


def test_cloudtrail_values_print_inert_and_a_hostile_record_is_counted_not_read(
    emulator: Emulator,
) -> None:
    """Whoever holds a key picks its user agent: `iamtui usage` must not print terminal escapes;
    a record nested past Python's recursion limit is an event with nothing readable in it."""
    from hostile import BIDI_ATTACK, TERMINAL_ATTACK, assert_inert

    s = seeder(emulator)
    user, key_id = alice_with_key(s)
    caller = user_caller(user, key_id)
    s.trail_event(caller, "ListUsers" + TERMINAL_ATTACK, s.ago(1), ip="1.2.3.4" + BIDI_ATTACK,
                  agent="aws-cli/2" + TERMINAL_ATTACK)  # fmt: skip
    report = lookup_usage(connection(emulator), UsageTarget.key(key_id), now=NOW, pacer=FAST)
    text = usage_text(report, NOW)
    assert_inert(text)
    assert "aws-cli/2\\x1b]0;pwned" in text

    from iamtui.core.usage import _record

    hostile = {"CloudTrailEvent": "[" * 200_000 + "]" * 200_000}
    assert _record(hostile) == {}
