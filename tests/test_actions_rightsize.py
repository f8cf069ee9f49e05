"""principal.rightsize on the emulator, with the real engine on emulated last-accessed data:
every rewrite method planned, run and undone, the state compared before and after (documents,
default versions, attachments)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rightsize_support import (
    DEAD,
    MIXED,
    allow,
    arn_of,
    principal_state,
    seed_principal,
    with_data,
)
from test_actions_support import Env, env_fixture  # noqa: F401

from iamtui.core import rightsize
from iamtui.core.actions import ActionId, ActionRefused, Request
from iamtui.core.actions.catalog.principal_rightsize import COPY_TAG
from iamtui.core.actions.registry import SPECS
from iamtui.core.subjects import PrincipalSubject


def planner_for(env: Env, *principals: tuple[str, str]) -> Any:
    """A planner whose snapshot holds these principals' last-accessed data."""
    env.emulator.extras().last_accessed_polls = 0  # jobs complete at once
    snap = with_data(env.conn, env.snapshot(), *(arn_of(k, n) for k, n in principals))
    return env.planner(snap)


def operations(plan: Any) -> list[str]:
    return [s.call.operation for s in plan.steps]


def test_every_method_on_a_role_with_five_versions_runs_and_undo_restores_it(
    env: Env, iam: Any
) -> None:
    seed_principal(env.emulator, "role", "app", versions=5, shared_with="other")
    before = principal_state(iam, "role", "app")
    plan = planner_for(env, ("role", "app")).plan(Request.rightsize("role", "app"))
    assert set(operations(plan)[:2]) == {
        "DeleteRolePolicy",  # Dead: nothing used
        "PutRolePolicy",  # Mixed: kms dropped
    }
    assert operations(plan)[2:] == [
        "DeletePolicyVersion",  # app-own has 5 versions: the oldest non-default one goes
        "CreatePolicyVersion",
        "CreatePolicy",  # rs-shared is also attached to role other
        "AttachRolePolicy",
        "DetachRolePolicy",
        "DetachRolePolicy",  # rs-unused: nothing used
    ]
    assert plan.summary == "Right-size role app: 5 policies, drop dynamodb, kms, sns, sqs"
    by_op = {s.call.operation: s for s in plan.steps}
    assert by_op["DeletePolicyVersion"].call.params["VersionId"] == "v1"
    assert by_op["CreatePolicyVersion"].call.params["SetAsDefault"] is True
    # what changes permissions shows its diff: the inline ones, the new version, the copy
    # (against the shared original) and the detach of the unused policy
    shown = [s.call.operation for s in plan.steps if s.changes]
    assert sorted(shown) == sorted(
        [
            "DeleteRolePolicy",
            "PutRolePolicy",
            "CreatePolicyVersion",
            "CreatePolicy",
            "DetachRolePolicy",
        ]
    )
    assert any(
        '"kms:Decrypt"' in line and line[0] == "-" for line in by_op["PutRolePolicy"].changes
    )
    create = by_op["CreatePolicy"].call.params
    assert create["PolicyName"] == rightsize.copy_name("role", "app", "rs-shared")
    assert create["Tags"] == [{"Key": COPY_TAG, "Value": arn_of("policy", "rs-shared")}]
    # the copy is attached before the shared one is detached: never fewer permissions
    ops = operations(plan)
    assert ops.index("AttachRolePolicy") < ops.index("DetachRolePolicy")
    assert any("also attached to" in w and "other" in w for w in plan.warnings)
    saved = plan.before[arn_of("role", "app")]["rightsize"]
    assert saved["inline:Mixed"] == MIXED and saved["inline:Dead"] == DEAD
    assert saved[f"managed:{arn_of('policy', 'app-own')}"]["deleted_version"]["version_id"] == "v1"
    assert not plan.irreversible and plan.confirmation_phrase is None

    report = env.run(plan)
    assert report.status == "completed", report.message()
    after = principal_state(iam, "role", "app")
    copy = arn_of("policy", rightsize.copy_name("role", "app", "rs-shared"))
    assert after["attached"] == sorted([arn_of("policy", "app-own"), copy])
    assert set(after["inline"]) == {"Mixed"}
    own = after["policies"][arn_of("policy", "app-own")]
    assert own["count"] == 5 and "sqs" not in own["default"]
    assert "sns" not in after["policies"][copy]["default"]
    assert iam.list_policy_tags(PolicyArn=copy)["Tags"][0]["Key"] == COPY_TAG
    attached_other = iam.list_attached_role_policies(RoleName="other")["AttachedPolicies"]
    assert [a["PolicyName"] for a in attached_other] == ["rs-shared"]  # untouched for them

    undo = env.undo(report)
    assert undo.status == "completed", undo.message()
    assert principal_state(iam, "role", "app") == before


def test_several_principals_right_size_in_one_batch_plan(env: Env, iam: Any) -> None:
    """A role and a user (the user's calls: Put/Delete/Attach/DetachUserPolicy), one plan."""
    seed_principal(env.emulator, "role", "app", shared_with="other")
    seed_principal(env.emulator, "user", "ana")
    before = (principal_state(iam, "role", "app"), principal_state(iam, "user", "ana"))
    planner = planner_for(env, ("role", "app"), ("user", "ana"))
    plan = planner.batch([Request.rightsize("role", "app"), Request.rightsize("user", "ana")])
    assert plan.action is ActionId.BATCH
    assert {t.name for t in plan.principals} == {"app", "ana"}
    user_ops = {s.call.operation for s in plan.steps if plan.targets[s.target].kind == "user"}
    assert {"PutUserPolicy", "DeleteUserPolicy", "CreatePolicy", "AttachUserPolicy"} <= user_ops
    assert {"DetachUserPolicy"} <= user_ops and "DeletePolicyVersion" not in user_ops
    report = env.run(plan)
    assert report.status == "completed", report.message()
    assert iam.list_role_policies(RoleName="app")["PolicyNames"] == ["Mixed"]
    assert iam.list_user_policies(UserName="ana")["PolicyNames"] == ["Mixed"]
    undo = env.undo(report)
    assert undo.status == "completed", undo.message()
    assert (principal_state(iam, "role", "app"), principal_state(iam, "user", "ana")) == before


def test_policies_changed_since_the_reviewed_data_are_refused(env: Env, iam: Any) -> None:
    seed_principal(env.emulator, "role", "app")
    planner = planner_for(env, ("role", "app"))
    iam.put_role_policy(
        RoleName="app",
        PolicyName="Mixed",
        PolicyDocument='{"Version":'
        '"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",'
        '"Resource":"*"}]}',
    )
    with pytest.raises(ActionRefused, match=r"changed since the data you reviewed.*Mixed"):
        planner.plan(Request.rightsize("role", "app"))


def test_a_change_between_plan_and_run_stops_the_plan(env: Env, iam: Any) -> None:
    seed_principal(env.emulator, "role", "app")
    plan = planner_for(env, ("role", "app")).plan(Request.rightsize("role", "app"))
    iam.delete_role_policy(RoleName="app", PolicyName="Mixed")
    report = env.run(plan)
    assert report.status == "stopped" and "Mixed" in report.reason
    assert iam.list_role_policies(RoleName="app")["PolicyNames"] == ["Dead"]


def test_without_last_accessed_data_it_is_refused_with_the_guards_reason(env: Env) -> None:
    seed_principal(env.emulator, "role", "app")
    with pytest.raises(ActionRefused, match="cannot right-size role app: fetch last-accessed"):
        env.planner().plan(Request.rightsize("role", "app"))


def test_an_opted_out_principal_is_refused(env: Env, iam: Any) -> None:
    seed_principal(env.emulator, "role", "app")
    iam.tag_role(RoleName="app", Tags=[{"Key": "iamtui:rightsize", "Value": "off"}])
    with pytest.raises(ActionRefused, match="opted out by its tag iamtui:rightsize=off"):
        planner_for(env, ("role", "app")).plan(Request.rightsize("role", "app"))


def test_a_principal_that_used_everything_has_nothing_to_right_size(env: Env) -> None:
    seed_principal(env.emulator, "role", "app")
    extras = env.emulator.extras()
    for service in ("sqs", "sns", "dynamodb", "kms"):
        extras.record_usage(arn_of("role", "app"), service, extras.now())
    with pytest.raises(ActionRefused, match="nothing to right-size for role app"):
        planner_for(env, ("role", "app")).plan(Request.rightsize("role", "app"))


def test_a_group_is_not_right_sized(env: Env) -> None:
    with pytest.raises(ActionRefused, match="user or a role"):
        env.planner().plan(
            Request(ActionId.PRINCIPAL_RIGHTSIZE, PrincipalSubject("group", "Developers"))
        )


def test_the_registry_declares_the_action() -> None:
    spec = SPECS[ActionId.PRINCIPAL_RIGHTSIZE]
    assert spec.subject is PrincipalSubject and spec.binding == "principal-rightsize"
    assert {"iam:CreatePolicyVersion", "iam:CreatePolicy", "iam:PutRolePolicy"} <= set(
        spec.calls.run
    )
    assert {"iam:SetDefaultPolicyVersion", "iam:DeletePolicy"} <= set(spec.calls.undo)
    assert spec.calls.implied == ("iam:TagPolicy",)


def test_the_options_travel_in_the_request() -> None:
    request = Request.rightsize("role", "app", window_days=120, narrow_wildcards=True)
    assert dict(request.params) == {"window_days": 120, "narrow_wildcards": True}


def test_a_policy_that_is_another_roles_boundary_is_copied_not_versioned(
    env: Env, iam: Any
) -> None:
    """GetPolicy's PermissionsBoundaryUsageCount, read fresh: app-own is attached to app only,
    but it is role edge's permissions boundary, so a new version would narrow edge's boundary."""
    seed_principal(env.emulator, "role", "app")
    own = arn_of("policy", "app-own")
    iam.create_role(RoleName="edge", AssumeRolePolicyDocument="{}", PermissionsBoundary=own)
    plan = planner_for(env, ("role", "app")).plan(Request.rightsize("role", "app"))
    versioned = [s.call.params["PolicyArn"] for s in plan.steps if "Version" in s.call.operation]
    assert own not in versioned
    created = [
        s.call.params["PolicyName"] for s in plan.steps if s.call.operation == "CreatePolicy"
    ]
    assert rightsize.copy_name("role", "app", "app-own") in created
    assert any("permissions boundary of 1 other principal:" in n for n in plan.notes)
    before = iam.get_policy_version(PolicyArn=own, VersionId="v1")["PolicyVersion"]["Document"]
    report = env.run(plan)
    assert report.status == "completed", report.message()
    after = iam.get_policy(PolicyArn=own)["Policy"]
    assert after["DefaultVersionId"] == "v1"
    assert (
        iam.get_policy_version(PolicyArn=own, VersionId="v1")["PolicyVersion"]["Document"] == before
    )


def test_at_the_managed_policy_quota_the_shared_one_is_detached_before_the_copy_is_attached(
    env: Env, iam: Any
) -> None:
    """AWS refuses an eleventh managed policy (LimitExceeded): a role holding ten detaches the
    shared policy before attaching its copy, says so, and undo still restores it."""
    seed_principal(env.emulator, "role", "app", shared_with="other")
    for n in range(7):  # app-own, rs-shared, rs-unused and these: ten
        arn = iam.create_policy(PolicyName=f"used-{n}", PolicyDocument=json.dumps(allow("s3:*")))
        iam.attach_role_policy(RoleName="app", PolicyArn=arn["Policy"]["Arn"])
    before = principal_state(iam, "role", "app")
    plan = planner_for(env, ("role", "app")).plan(Request.rightsize("role", "app"))
    copy = [s.call.operation for s in plan.steps if "Policy" in s.call.operation]
    start = copy.index("CreatePolicy")
    assert copy[start : start + 3] == ["CreatePolicy", "DetachRolePolicy", "AttachRolePolicy"]
    detach = plan.steps[[s.call.operation for s in plan.steps].index("CreatePolicy") + 1]
    assert detach.call.params["PolicyArn"] == arn_of("policy", "rs-shared")
    assert "at the quota of 10 managed policies" in detach.description
    assert any("fewer permissions" in w and "rs-shared" in w for w in plan.warnings)
    report = env.run(plan)
    assert report.status == "completed", report.message()
    attached = iam.list_attached_role_policies(RoleName="app")["AttachedPolicies"]
    assert rightsize.copy_name("role", "app", "rs-shared") in {a["PolicyName"] for a in attached}
    undo = env.undo(report)
    assert undo.status == "completed", undo.message()
    assert principal_state(iam, "role", "app") == before


def test_a_taken_copy_name_gets_a_suffix_or_refuses_the_plan(env: Env, iam: Any) -> None:
    """Policy names are unique in the account: a policy already named like the copy (in the
    reviewed data) moves the copy to ``-2``; one made since the review refuses the plan."""
    seed_principal(env.emulator, "role", "app", shared_with="other")
    taken = rightsize.copy_name("role", "app", "rs-shared")
    iam.create_policy(PolicyName=taken.upper(), PolicyDocument=json.dumps(allow("s3:*")))
    plan = planner_for(env, ("role", "app")).plan(Request.rightsize("role", "app"))
    create = next(s for s in plan.steps if s.call.operation == "CreatePolicy")
    assert create.call.params["PolicyName"] == f"{taken}-2"
    planner = planner_for(env, ("role", "app"))
    iam.create_policy(PolicyName=f"{taken}-2", PolicyDocument=json.dumps(allow("s3:*")))
    with pytest.raises(ActionRefused, match=f"a policy named {taken}-2 already exists"):
        planner.plan(Request.rightsize("role", "app"))


def _copy_run(env: Env, iam: Any) -> tuple[Any, str, dict[str, Any]]:
    """role app right-sized (its rs-shared copied), and its state before."""
    seed_principal(env.emulator, "role", "app", shared_with="other")
    before = principal_state(iam, "role", "app")
    report = env.run(planner_for(env, ("role", "app")).plan(Request.rightsize("role", "app")))
    assert report.status == "completed", report.message()
    return report, arn_of("policy", rightsize.copy_name("role", "app", "rs-shared")), before


def test_undo_deletes_versions_added_to_the_copy_before_deleting_it(env: Env, iam: Any) -> None:
    """AWS DeletePolicy: "you must delete all the policy's versions" first; the undo lists the
    copy's non-default versions when planned and deletes each (document kept in the plan)."""
    report, copy, before = _copy_run(env, iam)
    extra = json.dumps(allow("s3:GetObject"))
    iam.create_policy_version(PolicyArn=copy, PolicyDocument=extra, SetAsDefault=False)
    plan = env.planner().undo(env.journal.entry(report.entry_id or ""))
    ops = [(s.call.operation, s.call.params.get("PolicyArn")) for s in plan.steps]
    at = ops.index(("DeletePolicy", copy))
    assert ops[at - 1] == ("DeletePolicyVersion", copy)
    saved = plan.steps[at - 1].preconditions[-1]
    assert saved.expect == allow("s3:GetObject")
    undo = env.run(plan)
    assert undo.status == "completed", undo.message()
    assert principal_state(iam, "role", "app") == before


def test_undo_keeps_a_copy_changed_since_and_says_so(env: Env, iam: Any) -> None:
    """A new default version on the copy: the undo puts the shared policy back and stops
    before deleting anything of the copy."""
    report, copy, _ = _copy_run(env, iam)
    changed = json.dumps(allow("s3:GetObject"))
    iam.create_policy_version(PolicyArn=copy, PolicyDocument=changed, SetAsDefault=True)
    undo = env.undo(report)
    assert undo.status == "stopped"
    assert "the copy was changed since" in undo.reason
    assert len(iam.list_policy_versions(PolicyArn=copy)["Versions"]) == 2
    attached = iam.list_attached_role_policies(RoleName="app")["AttachedPolicies"]
    assert arn_of("policy", "rs-shared") in {a["PolicyArn"] for a in attached}
