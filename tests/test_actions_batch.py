"""Batches: all findings of one rule (or selected rows) as one plan, on the demo account."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW
from test_actions_support import Env, connection, env_fixture  # noqa: F401

from iamtui.core.actions import (
    ActionId,
    ActionRefused,
    Executor,
    Planner,
    Request,
    Selection,
    Skipped,
)
from iamtui.core.actions.applies import console_refusal, key_status_refusal, managed_role_refusal
from iamtui.core.actions.findings import request_for_fix
from iamtui.core.actions.registry import SPECS
from iamtui.core.actions.request import principal_of
from iamtui.core.findings import Finding
from iamtui.core.journal import Journal
from iamtui.core.loader import load_account
from iamtui.core.rules import evaluate
from iamtui.core.subjects import AttachmentSubject, InlinePolicySubject, KeySubject
from iamtui.emulator.demo import ALIAS, DemoAccount, seed_demo_account
from iamtui.emulator.run import _operator_key
from iamtui.emulator.server import Emulator


@pytest.fixture
def demo(emulator: Emulator, tmp_path: Path) -> tuple[DemoAccount, Planner, Journal]:
    """The demo account, iamtui signed in as its operator user, and a journal."""
    emulator.extras().report_generation_polls = 0
    account = seed_demo_account(emulator.backend(), emulator.extras(), NOW)
    conn = connection(emulator, _operator_key(emulator.backend()))
    return account, Planner(conn, load_account(conn)), Journal(tmp_path / "journal.jsonl")


def keys(iam: Any, user: str) -> dict[str, str]:
    return {
        k["AccessKeyId"]: k["Status"]
        for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    }


def test_every_finding_of_a_rule_becomes_one_plan_and_one_undo(
    demo: tuple[DemoAccount, Planner, Journal], iam: Any
) -> None:
    _, planner, journal = demo
    findings = [
        f
        for f in evaluate(planner.snapshot, now=NOW).active
        if f.rule == "access-key.unused" and ActionId.KEY_DEACTIVATE in f.actions
    ]
    assert len(findings) >= 2
    requests = [r for f in findings for r in planner.requests_for(f, ActionId.KEY_DEACTIVATE)]
    subjects = [r.subject for r in requests]
    assert all(isinstance(k, KeySubject) and (k.key_id or "").startswith("AKIA") for k in subjects)
    plan = planner.batch(requests, summary="Deactivate unused access keys")
    assert plan.action is ActionId.BATCH and len(plan.steps) == len(requests)
    assert len(plan.principals) == len({f.principal_name for f in findings})
    assert plan.confirmation_phrase is None  # reversible: a simple yes
    users = sorted({f.principal_name for f in findings})
    before = {u: keys(iam, u) for u in users}
    report = Executor(planner.conn, journal).run(plan.confirm())
    assert report.status == "completed", report.message()
    for subject in subjects:
        assert isinstance(subject, KeySubject)
        assert keys(iam, subject.user)[subject.key_id or ""] == "Inactive"
    undo = Executor(planner.conn, journal).run(
        planner.undo(journal.entry(report.entry_id or "")).confirm()
    )
    assert undo.status == "completed"
    assert {u: keys(iam, u) for u in users} == before


def test_an_irreversible_batch_over_several_users_is_confirmed_with_the_alias(
    demo: tuple[DemoAccount, Planner, Journal], iam: Any
) -> None:
    account, planner, _ = demo
    findings = [
        f for f in evaluate(planner.snapshot, now=NOW).active if f.rule == "access-key.inactive"
    ]
    requests = [r for f in findings for r in planner.requests_for(f, ActionId.KEY_DELETE)]
    assert requests
    other = next(iter(keys(iam, account.two_keys_user)))
    requests.append(Request.delete_key(account.two_keys_user, other, allow_active=True))
    plan = planner.batch(requests)
    assert len(plan.principals) >= 2
    assert plan.irreversible and plan.confirmation_phrase == ALIAS
    assert not plan.check_confirmation(account.two_keys_user)
    assert plan.check_confirmation(f" {ALIAS} ")


def test_a_batch_lists_what_it_skipped_and_why(demo: tuple[DemoAccount, Planner, Journal]) -> None:
    account, planner, _ = demo
    plan = planner.batch(
        [
            Request.delete_role(account.sso_roles[0]),
            Request.quarantine_role(account.unused_role),
            Request.delete_user(account.ex_employee),
            Request.disable_console(account.ex_employee),
        ]
    )
    skipped = {s.target: s.reason for s in plan.skipped}
    assert "managed by IAM Identity Center" in skipped[f"role.delete role {account.sso_roles[0]}"]
    assert "superseded" in skipped[f"user.disable-console user {account.ex_employee}"]
    assert {t.name for t in plan.principals} == {account.unused_role, account.ex_employee}
    assert plan.confirmation_phrase == ALIAS  # deletes a user, over two principals
    assert any("skipped" in line for line in plan.lines())


def test_a_batch_names_the_members_it_cannot_apply_to_with_the_core_reason(
    demo: tuple[DemoAccount, Planner, Journal], iam: Any
) -> None:
    account, planner, _ = demo
    inactive = next(k for k, s in keys(iam, account.inactive_key_user).items() if s == "Inactive")
    active = next(iter(keys(iam, account.stale_key_user)))
    known = Skipped("user bob", "Deactivate does not apply to a user")
    plan = planner.batch(
        [
            Request.deactivate_key(account.stale_key_user, active),
            Request.deactivate_key(account.inactive_key_user, inactive),
        ],
        skipped=[known],
        selection=Selection(3, "selected rows"),  # counted after planning, against these
    )
    assert len(plan.steps) == 1
    # Before: the journal kept "2 of 3" although one of the two was refused at planning.
    assert plan.summary == "key.deactivate for 1 of 3 selected rows"
    reason = key_status_refusal(
        ActionId.KEY_DEACTIVATE, f"access key {inactive}", account.inactive_key_user, "Inactive"
    )
    assert reason == f"access key {inactive} of {account.inactive_key_user} is already Inactive"
    assert plan.skipped == (
        known,  # what the caller knew from the loaded data comes first
        Skipped(f"key.deactivate user {account.inactive_key_user} {inactive}", reason),
    )
    # One request alone is refused with the very same words.
    with pytest.raises(ActionRefused) as refused:
        planner.plan(Request.deactivate_key(account.inactive_key_user, inactive))
    assert str(refused.value) == reason


def test_the_ui_applicability_checks_and_the_planner_refusals_share_their_words(
    demo: tuple[DemoAccount, Planner, Journal],
) -> None:
    account, planner, _ = demo
    role = planner.snapshot.role(account.sso_roles[0])
    assert role is not None
    with pytest.raises(ActionRefused) as refused:
        planner.plan(Request.quarantine_role(role.name))
    assert str(refused.value) == managed_role_refusal(role.name, role.path)
    assert managed_role_refusal("app", "/service-role/") is None  # a customer path
    assert "service-linked" in (managed_role_refusal("x", "/aws-service-role/s3/") or "")
    assert console_refusal("bob", has_password=True) is None
    assert console_refusal("bob", has_password=False) == "user bob has no console password"
    assert key_status_refusal(ActionId.KEY_ACTIVATE, "key 1", "bob", "Inactive") is None
    assert key_status_refusal(ActionId.KEY_DELETE, "key 1", "bob", "Inactive") is None


def test_a_batch_with_nothing_plannable_is_refused(
    demo: tuple[DemoAccount, Planner, Journal],
) -> None:
    account, planner, _ = demo
    with pytest.raises(ActionRefused, match=r"nothing to do: .*Identity Center"):
        planner.batch([Request.delete_role(account.sso_roles[0])])


def test_finding_key_slots_resolve_to_the_right_key_ids(
    demo: tuple[DemoAccount, Planner, Journal], iam: Any
) -> None:
    account, planner, _ = demo
    [finding] = [
        f
        for f in evaluate(planner.snapshot, now=NOW).active
        if f.rule == "access-key.two-active" and f.principal_name == account.two_keys_user
    ]
    [request] = planner.requests_for(finding, ActionId.KEY_DEACTIVATE)
    listed = sorted(
        iam.list_access_keys(UserName=account.two_keys_user)["AccessKeyMetadata"],
        key=lambda k: k["CreateDate"],
    )
    [fix] = finding.fixes  # the less recently used key, by slot: no key ids were loaded
    assert isinstance(fix.subject, KeySubject) and fix.subject.key_id is None
    slot = fix.subject.slot
    assert slot is not None and slot == finding.evidence["less_recently_used_slot"]
    key_id = listed[slot - 1]["AccessKeyId"]
    assert request.subject == KeySubject(account.two_keys_user, key_id, slot)


def test_policy_findings_become_detach_and_inline_deletes(
    demo: tuple[DemoAccount, Planner, Journal],
) -> None:
    account, planner, _ = demo
    [finding] = [
        f
        for f in evaluate(planner.snapshot, now=NOW).active
        if f.rule == "user.direct-policies" and f.principal_name == account.direct_policy_user
    ]
    assert set(finding.actions) <= {ActionId.POLICY_DETACH, ActionId.POLICY_DELETE_INLINE}
    requests = tuple(r for action in finding.actions for r in planner.requests_for(finding, action))
    who = ("user", account.direct_policy_user)
    assert requests and all(principal_of(r.subject) == who for r in requests)
    # one request per fix, each the fix's own action on the exact policy the fix names
    assert requests == tuple(request_for_fix(fix) for fix in finding.fixes)
    assert [r.action for r in requests] == [fix.action for fix in finding.fixes]
    for fix, request in zip(finding.fixes, requests, strict=True):
        match fix.subject:
            case AttachmentSubject(policy_arn=arn):
                assert request.action is ActionId.POLICY_DETACH
                assert request.subject == fix.subject and fix.subject.policy_arn == arn
            case InlinePolicySubject(policy_name=name):
                assert request.action is ActionId.POLICY_DELETE_INLINE
                assert request.subject == fix.subject and fix.subject.policy_name == name
            case _:
                pytest.fail(f"unexpected fix {fix}")
    plan = planner.batch(requests)
    assert not plan.irreversible


def test_every_action_a_finding_offers_is_registered(
    demo: tuple[DemoAccount, Planner, Journal],
) -> None:
    """A rule can only offer what the registry can plan (root.harden is guidance, not a plan)."""
    _, planner, _ = demo
    offered = {a for f in evaluate(planner.snapshot, now=NOW).findings for a in f.actions}
    assert offered - {ActionId.ROOT_HARDEN}
    assert offered - {ActionId.ROOT_HARDEN} <= set(SPECS)


def test_requests_come_from_fixes_never_from_evidence(
    demo: tuple[DemoAccount, Planner, Journal],
) -> None:
    """Every finding of the demo plans the same with its evidence emptied."""
    _, planner, _ = demo

    def outcome(finding: Finding, action: ActionId) -> object:
        try:
            return planner.requests_for(finding, action)
        except ActionRefused as exc:
            return str(exc)

    findings = [f for f in evaluate(planner.snapshot, now=NOW).findings if f.fixes]
    assert {f.rule for f in findings} >= {
        "access-key.two-active",
        "user.direct-policies",
        "policy.admin-access",
        "user.inactive",
    }
    requests = 0
    for finding in findings:
        bare = replace(finding, evidence={})
        for action in finding.actions:
            planned = outcome(finding, action)
            assert planned == outcome(bare, action), (finding.id, action)
            if isinstance(planned, tuple):
                assert len(planned) == len([f for f in finding.fixes if f.action is action])
                requests += len(planned)
    assert requests >= len(findings)


def test_root_harden_stays_guidance(demo: tuple[DemoAccount, Planner, Journal]) -> None:
    _, planner, _ = demo
    root = [f for f in evaluate(planner.snapshot, now=NOW).findings if f.rule.startswith("root.")]
    assert root
    for finding in root:
        with pytest.raises(ActionRefused, match=r"^root.harden is done as root \(console\)"):
            planner.requests_for(finding, ActionId.ROOT_HARDEN)
