"""The policies ``iamtui policy`` prints cannot drift from the code: every load and every action
(with its checks and its undo) sends only what its table declares, and everything declared is
exercised here or says when it is sent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from permission_scenarios import (
    Actor,
    everything,
    journal_undo_context,
    root_actor,
    root_scenario,
    seed_targets,
)
from test_actions_support import Env, connection, env_fixture  # noqa: F401

from iamtui.cli import main
from iamtui.core import permissions
from iamtui.core.account_resources import ANALYZER_GENERATE_ACTIONS, ANALYZER_REVIEW_ACTIONS
from iamtui.core.actions import ActionId, Plan
from iamtui.core.actions.calls import COMMON_CALLS, needed, sent
from iamtui.core.actions.followups import RECHECK_READS
from iamtui.core.actions.probes import PROBES
from iamtui.core.actions.registry import ACTION_CALLS
from iamtui.core.journal import Journal
from iamtui.core.loader import LAST_ACCESSED_ACTIONS, OVERVIEW_ACTIONS, USER_DETAIL_ACTIONS
from iamtui.core.root import ROOT_ONLY_PARTS, ROOT_STATE_ACTIONS, ExtraPart, load_root_state
from iamtui.core.usage import USAGE_ACTIONS
from iamtui.emulator.fidelity.root import give_root_key

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
NOT_PLANNABLE = {ActionId.ROOT_HARDEN, ActionId.BATCH, ActionId.UNDO}


def declared_root_state(*parts: ExtraPart) -> set[str]:
    return {a for part in parts for a in ROOT_STATE_ACTIONS[part]}


def test_root_checks_send_exactly_the_declared_actions(env: Env) -> None:
    snap = env.snapshot()
    env.conn.counter.by_operation.clear()
    load_root_state(env.conn, snap)
    assert set(env.conn.counter.by_operation) == declared_root_state(
        ExtraPart.SECURITY_CONTACT, ExtraPart.ORGANIZATION
    )
    key = give_root_key("123456789012", snap.loaded_at)
    root = connection(env.emulator, (key.key_id, key.secret))
    snap = Env(env.emulator, root, env.journal).snapshot()
    root.counter.by_operation.clear()
    load_root_state(root, snap)
    assert set(root.counter.by_operation) == declared_root_state(*ExtraPart)


def _extra(found: set[str], allowed: set[str]) -> list[str]:
    return sorted(found - allowed)


def _plan_calls(plan: Plan) -> tuple[set[str], set[str], set[str]]:
    """(step calls, inverse calls, probes) a plan carries."""
    steps = {s.call.action for s in plan.steps} | {f"iam:{s.wait}" for s in plan.steps if s.wait}
    steps |= {"sts:AssumeRoot" for s in plan.steps if s.as_root}
    inverses = {i.call.action for s in plan.steps for i in s.inverse}
    checks = [c for s in plan.steps for c in (*s.preconditions, s.effect) if c is not None]
    checks += [c for s in plan.steps for i in s.inverse for c in (*i.preconditions, i.effect) if c]
    return steps, inverses, {c.probe for c in checks}


def test_every_action_and_its_undo_sends_only_what_it_declares(env: Env, tmp_path: Path) -> None:
    seed_targets(env.emulator)
    actor = Actor(env.conn, env.journal, env.snapshot())
    everything(actor, env.emulator)
    as_root = root_actor(env.emulator, Journal(tmp_path / "root.jsonl"), connection)
    root_scenario(as_root, env.emulator)
    common = journal_undo_context(actor)
    assert common <= sent(COMMON_CALLS)

    records: list[tuple[ActionId, set[str], set[str], list[Plan]]] = []
    for source in (actor, as_root):
        for action in set(source.sent) | set(source.plans):
            records.append(
                (action, source.sent[action], source.as_root[action], source.plans[action])
            )
    exercised: dict[ActionId, set[str]] = {}
    for action, found, rooted, plans in records:
        calls = ACTION_CALLS[action]
        allowed = set(sent(calls) | sent(COMMON_CALLS))
        assert not _extra(found, allowed), f"{action}: sends undeclared {_extra(found, allowed)}"
        assert not _extra(rooted, set(calls.assumed_root)), f"{action}: as root {rooted}"
        for plan in plans:
            steps, inverses, probes = _plan_calls(plan)
            undoing = plan.action is ActionId.UNDO
            assert steps <= set(calls.undo if undoing else (*calls.run, *calls.undo)), action
            assert inverses <= set(calls.undo), (action, inverses)
            assert probes <= set(calls.probes), (action, probes - set(calls.probes))
        exercised.setdefault(action, set()).update(found | rooted)

    assert set(exercised) == set(ACTION_CALLS) == set(ActionId) - NOT_PLANNABLE
    for action, calls in ACTION_CALLS.items():
        own = {*calls.plan, *calls.run, *calls.undo, *calls.assumed_root}
        unexercised = own - exercised[action] - set(calls.conditional)
        assert not unexercised, f"{action} declares {sorted(unexercised)}, never sent here"
        assert set(calls.implied) <= set(calls.conditional), f"{action}: say why it is implied"
    # A probe declares the reads of every principal kind it serves; each is sent by some action.
    everything_sent = set().union(*exercised.values()) | common
    probe_reads = {a for calls in ACTION_CALLS.values() for a in sent(calls) - {*calls.plan}}
    assert probe_reads - everything_sent - set(COMMON_CALLS.conditional) == set()
    assert set(COMMON_CALLS.plan) <= everything_sent


def test_every_probe_a_table_names_exists() -> None:
    for action, calls in ACTION_CALLS.items():
        unknown = set(calls.probes) - set(PROBES)
        assert not unknown, f"{action} names unknown probes {unknown}"


# --- the documents ------------------------------------------------------------------------------


def table_reads() -> set[str]:
    reads = {a for actions in OVERVIEW_ACTIONS.values() for a in actions}
    reads |= set(USER_DETAIL_ACTIONS) | set(LAST_ACCESSED_ACTIONS) | set(USAGE_ACTIONS)
    reads |= set(RECHECK_READS)
    reads |= set(ANALYZER_REVIEW_ACTIONS)
    reads |= {a for p, acts in ROOT_STATE_ACTIONS.items() if p not in ROOT_ONLY_PARTS for a in acts}
    return reads - set(permissions.NO_PERMISSION_NEEDED)


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(document["Statement"])


def test_the_read_only_policy_is_exactly_the_loader_and_root_tables() -> None:
    document = permissions.read_only_policy()
    assert document["Version"] == "2012-10-17"
    assert permissions.actions_of(document) == table_reads()
    assert [s["Sid"] for s in statements(document)] == [
        "IamtuiOverview",
        "IamtuiReview",
        "IamtuiLastAccessed",
        "IamtuiUsage",
        "IamtuiFollowUps",
        "IamtuiAccessAnalyzer",
        "IamtuiRoot",
    ]
    for statement in statements(document):
        assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
        assert not any(
            a.split(":")[1].startswith(("Create", "Delete", "Update", "Put"))
            for a in statement["Action"]
        )
    assert "sts:GetCallerIdentity" not in permissions.actions_of(document)


def test_the_remediate_policy_is_read_only_plus_every_action_and_undo() -> None:
    document = permissions.remediate_policy(with_undo=True)
    allowed = permissions.actions_of(document)
    assert table_reads() <= allowed
    every = set().union(*(needed(c) for c in ACTION_CALLS.values())) | needed(COMMON_CALLS)
    generate = set(ANALYZER_GENERATE_ACTIONS)
    assert allowed == (table_reads() | every | generate) - set(permissions.NO_PERMISSION_NEEDED)
    # Without --with-undo exactly the undo-only grants go (re-creating, re-attaching).
    base = permissions.actions_of(permissions.remediate_policy())
    undo_only = permissions.undo_only_actions()
    assert base == allowed - undo_only and not base & undo_only
    assert {"iam:AttachGroupPolicy", "iam:PutGroupPolicy", "iam:CreateLoginProfile"} <= undo_only
    # principal.rightsize attaches, puts and creates a tagged policy when it runs
    assert {"iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:TagPolicy"} <= base
    assert {"iam:CreateRole", "iam:CreateUser", "iam:PassRole"} <= undo_only
    for calls in ACTION_CALLS.values():
        sent = {*calls.plan, *calls.run} - set(calls.root_only)
        assert not sent & undo_only, "a call the action itself sends is never undo-only"
    (undo,) = [s for s in statements(document) if s["Sid"] == "IamtuiUndo"]
    assert set(undo["Action"]) <= undo_only
    sids = [s["Sid"] for s in statements(document)]
    assert len(sids) == len(set(sids))
    listed = [
        a
        for s in statements(document)
        if s["Effect"] == "Allow"
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert len(listed) == len(set(listed)), "each action is allowed once"
    (assume,) = [s for s in statements(document) if s["Action"] == "sts:AssumeRoot"]
    assert assume["Resource"] == "*" and assume["Sid"] == "IamtuiActionsRootAssumeRoot"
    assert assume["Condition"] == {
        "StringEquals": {
            "sts:TaskPolicyArn": "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
        }
    }
    # Root's own calls need no policy: root is not restricted by IAM policies.
    assert "iam:UpdateAccessKey" in allowed  # from key.deactivate, not from root.deactivate-key
    assert needed(ACTION_CALLS[ActionId.ROOT_DEACTIVATE_KEY]) == set()
    # A managed policy holds at most 6,144 characters, whitespace not counted.
    assert len(json.dumps(document, separators=(",", ":"))) < 6144


def test_per_feature_statements_are_each_complete() -> None:
    document = permissions.remediate_policy(per_action=True, with_undo=True)
    by_sid = {s["Sid"]: s for s in statements(document)}
    for action, calls in ACTION_CALLS.items():
        sid = "IamtuiAction" + "".join(
            w.capitalize() for w in action.value.replace(".", "-").split("-")
        )
        granted: set[str] = set()
        for name, statement in by_sid.items():
            if name.startswith(sid):
                listed = statement["Action"]
                granted |= {listed} if isinstance(listed, str) else set(listed)
        expected = (needed(calls) | needed(COMMON_CALLS)) - set(permissions.NO_PERMISSION_NEEDED)
        assert granted == expected, action


def test_the_holder_may_not_change_its_own_permissions() -> None:
    for document in (
        permissions.remediate_policy(),
        permissions.remediate_policy(with_undo=True),
        permissions.remediate_policy(per_action=True),
    ):
        (deny,) = [s for s in statements(document) if s["Effect"] == "Deny"]
        assert deny == {
            "Sid": "IamtuiDenyChangingItself",
            "Effect": "Deny",
            "Action": list(permissions.SELF_DENIED),
            "Resource": [
                "arn:aws:iam::*:user/${aws:username}",
                "arn:aws:iam::*:user/*/${aws:username}",
            ],
        }
    # It denies writes only: the reads the lockout guard makes about the caller stay allowed.
    assert all(not a.split(":")[1].startswith(("Get", "List")) for a in permissions.SELF_DENIED)
    assert {"iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:AddUserToGroup"} <= set(
        permissions.SELF_DENIED
    )
    assert set(permissions.SELF_DENIED) <= permissions.actions_of(
        permissions.remediate_policy(with_undo=True)
    )


# --- the command ----------------------------------------------------------------------------------


def test_cli_prints_each_policy_as_json() -> None:
    runner = CliRunner()
    read_only = runner.invoke(main, ["policy", "--read-only"])
    assert read_only.exit_code == 0, read_only.output
    assert json.loads(read_only.output) == permissions.read_only_policy()
    remediate = runner.invoke(main, ["policy", "--remediate", "--format", "json"])
    assert json.loads(remediate.output) == permissions.remediate_policy()
    fine = runner.invoke(main, ["policy", "--read-only", "--sid-per-feature"])
    assert json.loads(fine.output) == permissions.read_only_policy(per_part=True)
    undo = runner.invoke(main, ["policy", "--remediate", "--with-undo"])
    assert json.loads(undo.output) == permissions.remediate_policy(with_undo=True)
    wrong = runner.invoke(main, ["policy", "--read-only", "--with-undo"])
    assert wrong.exit_code == 2 and "--with-undo goes with --remediate" in wrong.output


@pytest.mark.parametrize("args", [[], ["--read-only", "--remediate"]])
def test_cli_needs_exactly_one_kind(args: list[str]) -> None:
    result = CliRunner().invoke(main, ["policy", *args])
    assert result.exit_code == 2
    assert "exactly one of --read-only and --remediate" in result.output


def test_readme_policy_excerpts_are_in_the_real_output() -> None:
    section = README.split("## Permissions", 1)[1].split("\n## ", 1)[0]
    blocks = [json.loads(b) for b in section.split("```json\n")[1:] for b in [b.split("```")[0]]]
    assert blocks, "the README shows an excerpt of each policy"
    real = {
        s["Sid"]: s
        for doc in (permissions.read_only_policy(), permissions.remediate_policy())
        for s in statements(doc)
    }
    for block in blocks:
        for statement in block["Statement"]:
            actual = real[statement["Sid"]]
            shown = statement["Action"]
            assert set([shown] if isinstance(shown, str) else shown) <= set(
                [actual["Action"]] if isinstance(actual["Action"], str) else actual["Action"]
            )
            assert {k: v for k, v in statement.items() if k != "Action"} == {
                k: v for k, v in actual.items() if k != "Action"
            }
