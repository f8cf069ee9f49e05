"""Privilege-escalation paths (core/escalation.py) and the permissions.privilege-escalation rule,
on hand-written policy documents."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from builders import (
    ACCOUNT,
    ADMIN_ARN,
    arn,
    group,
    key,
    managed,
    role,
    row,
    run,
    snapshot,
    trust,
    user,
)
from conftest import NOW

from iamtui.core.escalation import CATALOGUE, Analysis, EscalationPath
from iamtui.core.findings import Severity
from iamtui.core.ids import ActionId
from iamtui.core.model import AccountSnapshot, Role, User
from iamtui.core.rules import evaluate, evaluate_changes

RULE = "permissions.privilege-escalation"
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def doc(*stmts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def admin_role(name: str = "admin", service: str | None = None, **kw: Any) -> Role:
    principal = {"Service": service} if service else {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    found = role(name, trust_policy=trust(principal), attached=[ADMIN_ARN])
    return replace(found, **kw)


def paths(principal: User | Role, **kw: Any) -> tuple[EscalationPath, ...]:
    kind = "users" if isinstance(principal, User) else "roles"
    others = kw.pop(kind, [])
    snap = snapshot(**{kind: [principal, *others]}, **kw)
    return Analysis(snap).paths(principal)


def techniques(found: tuple[EscalationPath, ...]) -> set[str]:
    return {p.technique.name for p in found}


LAMBDA = "lambda.amazonaws.com"
PASS_LAMBDA = [allow("iam:PassRole"), allow(["lambda:CreateFunction", "lambda:InvokeFunction"])]


# --- each path fires ---------------------------------------------------------------------------

SERVICE_CASES = [
    ("iam:PassRole + ec2:RunInstances", "ec2.amazonaws.com", ["ec2:RunInstances"]),
    (
        "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction",
        LAMBDA,
        ["lambda:CreateFunction", "lambda:InvokeFunction"],
    ),
    (
        "iam:PassRole + lambda:CreateFunction + lambda:CreateEventSourceMapping",
        LAMBDA,
        ["lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
    ),
    ("iam:PassRole + glue:CreateDevEndpoint", "glue.amazonaws.com", ["glue:CreateDevEndpoint"]),
    (
        "iam:PassRole + cloudformation:CreateStack",
        "cloudformation.amazonaws.com",
        ["cloudformation:CreateStack"],
    ),
    (
        "iam:PassRole + datapipeline:CreatePipeline + PutPipelineDefinition",
        "datapipeline.amazonaws.com",
        ["datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"],
    ),
    (
        "iam:PassRole + codebuild:CreateProject + StartBuild",
        "codebuild.amazonaws.com",
        ["codebuild:CreateProject", "codebuild:StartBuild"],
    ),
    (
        "iam:PassRole + ecs:RegisterTaskDefinition + RunTask",
        "ecs-tasks.amazonaws.com",
        ["ecs:RegisterTaskDefinition", "ecs:RunTask"],
    ),
    *(
        (f"iam:PassRole + sagemaker:{a}", "sagemaker.amazonaws.com", [f"sagemaker:{a}"])
        for a in ("CreateNotebookInstance", "CreateTrainingJob", "CreateProcessingJob")
    ),
]


@pytest.mark.parametrize(
    ("technique", "service", "actions"), SERVICE_CASES, ids=[c[0] for c in SERVICE_CASES]
)
def test_passrole_to_a_service_it_can_launch(
    technique: str, service: str, actions: list[str]
) -> None:
    target = admin_role("power", service, instance_profiles=("power",))
    dev = user("dev", inline={"p": doc(allow("iam:PassRole", target.arn), allow(actions))})
    found = [p for p in paths(dev, roles=[target]) if p.technique.name == technique]
    assert len(found) == 1
    path = found[0]
    assert not path.conditional
    assert path.target == target.arn
    assert [s.action for s in path.steps] == ["iam:PassRole", *actions]
    assert path.steps[0].resource == target.arn
    assert path.steps[0].policy == "inline p" and path.steps[0].statement == "statement 1"


@pytest.mark.parametrize(
    ("action", "service", "profile"),
    [
        ("lambda:UpdateFunctionCode", LAMBDA, False),
        ("glue:UpdateDevEndpoint", "glue.amazonaws.com", False),
        ("ssm:SendCommand", "ec2.amazonaws.com", True),
        ("ssm:StartSession", "ec2.amazonaws.com", True),
    ],
)
def test_existing_resources_are_conditional_on_what_is_not_loaded(
    action: str, service: str, profile: bool
) -> None:
    target = admin_role("worker", service, instance_profiles=("worker",) if profile else ())
    dev = user("dev", inline={"p": doc(allow(action))})
    (path,) = [p for p in paths(dev, roles=[target]) if p.technique.name == action]
    assert path.conditional
    assert any("not loaded" in c for c in path.conditions)
    (finding,) = run(_snap(dev, target), RULE)
    assert finding.severity is Severity.MEDIUM


def test_ssm_needs_an_instance_profile_holding_the_role() -> None:
    target = admin_role("worker", "ec2.amazonaws.com")
    dev = user("dev", inline={"p": doc(allow("ssm:SendCommand"))})
    assert not paths(dev, roles=[target])


def test_credentials_of_an_admin_user() -> None:
    boss = user("boss", attached=[ADMIN_ARN])
    actions = ["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"]
    dev = user("dev", inline={"p": doc(allow(actions, arn("user", "*")))})
    found = paths(dev, users=[boss])
    assert techniques(found) == set(actions)
    assert {p.target for p in found} == {boss.arn}
    assert all(p.gains == "the administrator user boss" for p in found)


def test_update_assume_role_policy_and_assume() -> None:
    target = admin_role("admin", LAMBDA)  # its trust does not admit dev today
    dev = user("dev", inline={"p": doc(allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"]))})
    found = paths(dev, roles=[target])
    assert techniques(found) == {"iam:UpdateAssumeRolePolicy + sts:AssumeRole"}


def test_update_assume_role_policy_alone_is_enough() -> None:
    """The rewritten trust names the principal's ARN: it grants the AssumeRole itself."""
    target = admin_role("admin", LAMBDA)
    dev = user("dev", inline={"p": doc(allow("iam:UpdateAssumeRolePolicy", target.arn))})
    (path,) = paths(dev, roles=[target])
    assert path.technique.name == "iam:UpdateAssumeRolePolicy + sts:AssumeRole"
    assert not path.conditional
    assert [s.action for s in path.steps] == ["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"]
    assert path.steps[1].policy == "trust policy of admin, rewritten"
    # An explicit Deny of sts:AssumeRole still refuses the rewritten trust's grant.
    denied = user("dev", inline={"p": doc(allow("iam:*"), deny("sts:AssumeRole"))})
    assert not paths(denied, roles=[target])
    fence = deny("sts:AssumeRole", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})
    fenced = user("dev", inline={"p": doc(allow("iam:UpdateAssumeRolePolicy"), fence)})
    (doubted,) = paths(fenced, roles=[target])
    assert "a Deny when aws:multifactorauthpresent" in " ".join(doubted.conditions)


def test_a_bounded_role_rewriting_a_trust_still_needs_its_boundary_to_allow_assume() -> None:
    target = admin_role("admin", LAMBDA)
    cap = managed("Cap", document=doc(allow(["iam:*", "s3:*"])), boundary_uses=1)
    rewrite = {"p": doc(allow("iam:UpdateAssumeRolePolicy", target.arn))}
    ops = role("ops", trust_policy=trust({"Service": LAMBDA}), inline=rewrite)
    bounded = replace(ops, permissions_boundary=cap.arn)
    assert not paths(bounded, roles=[target], policies=[cap])
    wide = managed("Wide", document=doc(allow(["iam:*", "sts:AssumeRole"])), boundary_uses=1)
    (path,) = paths(replace(ops, permissions_boundary=wide.arn), roles=[target], policies=[wide])
    assert not path.conditional


def test_create_access_key_on_a_user_holding_two_keys_is_conditional() -> None:
    boss = user("boss", attached=[ADMIN_ARN])
    dev = user("dev", inline={"p": doc(allow("iam:CreateAccessKey", boss.arn))})
    (free,) = paths(dev, users=[boss])
    assert not free.conditional
    for second in (key(), key(active=False)):  # an inactive key counts toward the two as well
        rows = [row(dev), row(boss, key1=key(), key2=second)]
        (path,) = paths(dev, users=[boss], rows=rows)
        assert path.conditions == ("target already holds 2 access keys: AWS allows 2",)
    login = user("dev", inline={"p": doc(allow("iam:CreateLoginProfile", boss.arn))})
    rows = [row(login), row(boss, key1=key(), key2=key())]
    assert not [p for p in paths(login, users=[boss], rows=rows) if p.conditional]


def test_assume_an_admin_role_that_trusts_the_account() -> None:
    target = admin_role("admin")
    dev = user("dev", inline={"p": doc(allow("sts:AssumeRole", target.arn))})
    (path,) = paths(dev, roles=[target])
    assert path.technique.name == "sts:AssumeRole"
    assert path.steps[0].policy == "inline p"


def test_a_trust_naming_the_principal_needs_no_identity_grant() -> None:
    dev = user("dev", inline={"p": doc(allow("s3:GetObject"))})
    target = role("admin", trust_policy=trust({"AWS": dev.arn}), attached=[ADMIN_ARN])
    (path,) = paths(dev, roles=[target])
    assert path.steps[0].policy == "trust policy of admin"


def test_a_trust_naming_a_role_is_still_capped_by_its_boundary() -> None:
    """A trust naming a role's ARN is limited by the role's boundary; naming a user's is not."""
    cap = managed("Cap", document=doc(allow("s3:*")), boundary_uses=1)
    reader = {"p": doc(allow("s3:GetObject"))}
    ops = role("ops", trust_policy=trust({"Service": LAMBDA}), inline=reader)
    ops = replace(ops, permissions_boundary=cap.arn)
    dev = replace(user("dev", inline=reader), permissions_boundary=cap.arn)
    target = role("admin", trust_policy=trust({"AWS": [ops.arn, dev.arn]}), attached=[ADMIN_ARN])
    assert not paths(ops, roles=[target], policies=[cap])
    (path,) = paths(dev, roles=[target], policies=[cap])
    assert path.steps[0].policy == "trust policy of admin"
    unknown = replace(ops, permissions_boundary=arn("policy", "NotLoaded"))
    (doubted,) = paths(unknown, roles=[target])
    assert "boundary is not loaded" in " ".join(doubted.conditions)


def test_attach_policy_to_a_role_it_can_assume() -> None:
    ops = role("ops", trust_policy=trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    dev = user("dev", inline={"p": doc(allow(["iam:AttachRolePolicy", "sts:AssumeRole"], ops.arn))})
    (path,) = paths(dev, roles=[ops])
    assert path.technique.name == "iam:AttachRolePolicy + sts:AssumeRole"
    assert [s.action for s in path.steps] == ["iam:AttachRolePolicy", "sts:AssumeRole"]


@pytest.mark.parametrize(
    ("action", "technique", "kw"),
    [
        ("iam:PutUserPolicy", "iam:PutUserPolicy", {}),
        ("iam:AttachUserPolicy", "iam:AttachUserPolicy", {}),
        ("iam:PutGroupPolicy", "iam:PutGroupPolicy", {"groups": ["devs"]}),
        ("iam:AttachGroupPolicy", "iam:AttachGroupPolicy", {"groups": ["devs"]}),
        ("iam:AddUserToGroup", "iam:AddUserToGroup", {}),
        ("iam:CreatePolicyVersion", "iam:CreatePolicyVersion", {"attached": ["Team"]}),
        ("iam:SetDefaultPolicyVersion", "iam:SetDefaultPolicyVersion", {"attached": ["Team"]}),
    ],
)
def test_rewriting_its_own_permissions_behind_a_condition(
    action: str, technique: str, kw: dict[str, Any]
) -> None:
    """Unconditional self-rewrites are policy.effective-admin's; behind MFA they are ours."""
    team = managed("Team", document=doc(allow("s3:GetObject")))
    attached = [team.arn] if kw.pop("attached", None) else []
    dev = user("dev", inline={"p": doc(allow(action, Condition=MFA))}, attached=attached, **kw)
    found = [
        p
        for p in paths(
            dev, groups=[group("devs"), group("admins", attached=[ADMIN_ARN])], policies=[team]
        )
        if p.technique.name == technique
    ]
    assert found and all(p.conditional for p in found)
    assert "aws:multifactorauthpresent" in found[0].conditions[0]


def test_every_catalogued_technique_is_tested() -> None:
    tested = {c[0] for c in SERVICE_CASES} | {
        "lambda:UpdateFunctionCode",
        "glue:UpdateDevEndpoint",
        "ssm:SendCommand",
        "ssm:StartSession",
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
        "iam:UpdateAssumeRolePolicy + sts:AssumeRole",
        "sts:AssumeRole",
        "iam:AttachRolePolicy + sts:AssumeRole",
        "iam:PutRolePolicy + sts:AssumeRole",
        "iam:PutUserPolicy",
        "iam:AttachUserPolicy",
        "iam:PutGroupPolicy",
        "iam:AttachGroupPolicy",
        "iam:AddUserToGroup",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
    }
    assert {t.name for t in CATALOGUE} == tested


@pytest.mark.parametrize("action", ["iam:PutRolePolicy", "iam:AttachRolePolicy"])
def test_a_role_rewriting_itself_behind_a_condition(action: str) -> None:
    app = role("app", inline={"p": doc(allow(action, Condition=MFA))})
    (path,) = paths(app)
    assert path.technique.name == action and path.conditional


def test_put_role_policy_on_an_assumable_role() -> None:
    ops = role("ops", trust_policy=trust({"AWS": arn("user", "dev")}))
    dev = user("dev", inline={"p": doc(allow("iam:PutRolePolicy", ops.arn))})
    (path,) = paths(dev, roles=[ops])
    assert path.technique.name == "iam:PutRolePolicy + sts:AssumeRole"


# --- what blocks a path ------------------------------------------------------------------------


def test_scoped_to_itself_does_not_reach_another_user() -> None:
    boss = user("boss", attached=[ADMIN_ARN])
    own = arn("user", "${aws:username}")
    dev = user("dev", inline={"p": doc(allow("iam:CreateAccessKey", own))})
    assert not paths(dev, users=[boss])
    other = user("dev", inline={"p": doc(allow("iam:CreateAccessKey", boss.arn))})
    assert techniques(paths(other, users=[boss])) == {"iam:CreateAccessKey"}


def test_passrole_scoped_to_another_role_does_not_count() -> None:
    target = admin_role("power", LAMBDA)
    scoped = doc(allow("iam:PassRole", arn("role", "app-*")), *PASS_LAMBDA[1:])
    assert not paths(user("dev", inline={"p": scoped}), roles=[target])


def test_an_explicit_deny_through_a_group_blocks() -> None:
    target = admin_role("power", LAMBDA)
    dev = user("dev", inline={"p": doc(*PASS_LAMBDA)}, groups=["guarded"])
    guarded = group("guarded", inline={"d": doc(deny("iam:PassRole", target.arn))})
    assert not paths(dev, roles=[target], groups=[guarded])


def test_a_conditional_deny_makes_the_path_conditional() -> None:
    target = admin_role("power", LAMBDA)
    fence = deny(
        "iam:PassRole", Condition={"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}
    )
    dev = user("dev", inline={"p": doc(*PASS_LAMBDA, fence)})
    (path,) = [p for p in paths(dev, roles=[target]) if "InvokeFunction" in p.technique.name]
    assert path.conditional and "aws:requestedregion" in path.conditions[0]


def test_not_action_grants_and_denies() -> None:
    target = admin_role("power", LAMBDA)
    broad = {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    dev = user("dev", inline={"p": doc(broad, allow("iam:PassRole", target.arn))})
    assert "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction" in techniques(
        paths(dev, roles=[target])
    )
    fence = {"Effect": "Deny", "NotAction": ["s3:*", "iam:PassRole"], "Resource": "*"}
    fenced = user("dev", inline={"p": doc(broad, allow("iam:PassRole"), fence)})
    assert not paths(fenced, roles=[target])


def test_a_permissions_boundary_blocks_what_it_leaves_out() -> None:
    target = admin_role("power", LAMBDA)
    cap = managed("Cap", document=doc(allow(["lambda:*", "s3:*"])), boundary_uses=1)
    dev = replace(user("dev", inline={"p": doc(*PASS_LAMBDA)}), permissions_boundary=cap.arn)
    assert not paths(dev, roles=[target], policies=[cap])
    wide = managed("Wide", document=doc(allow(["lambda:*", "iam:PassRole"])), boundary_uses=1)
    loose = replace(dev, permissions_boundary=wide.arn)
    assert paths(loose, roles=[target], policies=[wide])


def test_a_boundary_that_is_not_loaded_makes_it_conditional() -> None:
    target = admin_role("power", LAMBDA)
    unknown = f"arn:aws:iam::{ACCOUNT}:policy/Elsewhere"
    dev = replace(user("dev", inline={"p": doc(*PASS_LAMBDA)}), permissions_boundary=unknown)
    found = paths(dev, roles=[target])
    assert found and all("boundary is not loaded" in " ".join(p.conditions) for p in found)


def test_a_bounded_principal_rewriting_itself_must_also_remove_its_boundary() -> None:
    cap = managed("Cap", document=doc(allow(["iam:*", "s3:*"])), boundary_uses=1)
    rewrite = allow("iam:PutUserPolicy", arn("user", "dev"), Condition=MFA)
    dev = replace(user("dev", inline={"p": doc(rewrite)}), permissions_boundary=cap.arn)
    assert not paths(dev, policies=[cap])
    remove = allow("iam:DeleteUserPermissionsBoundary", arn("user", "dev"))
    both = replace(
        dev, inline_policies=(replace(dev.inline_policies[0], document=doc(rewrite, remove)),)
    )
    (path,) = paths(both, policies=[cap])
    assert [s.action for s in path.steps] == [
        "iam:PutUserPolicy",
        "iam:DeleteUserPermissionsBoundary",
    ]


def test_passrole_without_launch_permission_does_not_fire() -> None:
    target = admin_role("power", LAMBDA)
    dev = user("dev", inline={"p": doc(allow("iam:PassRole"), allow("lambda:CreateFunction"))})
    assert not paths(dev, roles=[target])


def test_passrole_to_a_role_the_service_cannot_assume_does_not_fire() -> None:
    target = admin_role("power", "ec2.amazonaws.com", instance_profiles=("p",))
    dev = user("dev", inline={"p": doc(*PASS_LAMBDA)})
    assert not paths(dev, roles=[target])


def test_passrole_to_a_role_that_is_not_admin_does_not_fire() -> None:
    target = role("small", trust_policy=trust({"Service": LAMBDA}))
    dev = user("dev", inline={"p": doc(*PASS_LAMBDA)})
    assert not paths(dev, roles=[target])


def test_passed_to_service_condition_is_decided_not_doubted() -> None:
    target = admin_role("power", LAMBDA)
    pinned = allow("iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": LAMBDA}})
    launch = allow(["lambda:CreateFunction", "lambda:InvokeFunction"])
    (path,) = paths(user("dev", inline={"p": doc(pinned, launch)}), roles=[target])
    assert not path.conditional
    elsewhere = allow(
        "iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    )
    assert not paths(user("dev", inline={"p": doc(elsewhere, launch)}), roles=[target])


# --- the rule ----------------------------------------------------------------------------------


def _snap(*principals: User | Role, **kw: Any) -> AccountSnapshot:
    users = [p for p in principals if isinstance(p, User)]
    roles = [p for p in principals if isinstance(p, Role)]
    return snapshot(users=users, roles=roles, **kw)


def test_rule_names_the_path_step_by_step_and_offers_the_grant_fixes() -> None:
    target = admin_role("power", LAMBDA)
    dev = user("dev", inline={"p": doc(*PASS_LAMBDA)})
    (finding,) = [f for f in run(_snap(dev, target), RULE) if f.principal_name == "dev"]
    assert finding.severity is Severity.HIGH
    assert finding.summary.startswith("can become administrator via iam:PassRole + lambda")
    first = finding.evidence["paths"][0]  # type: ignore[index]
    assert first["steps"][0] == {  # type: ignore[index]
        "action": "iam:PassRole",
        "resource": target.arn,
        "policy": "inline p",
        "statement": "statement 1",
        "condition": None,
    }
    assert finding.actions == (ActionId.POLICY_DELETE_INLINE,)


def test_the_finding_detail_and_markdown_show_the_path_as_the_review_does() -> None:
    """Before: the Findings detail pane and markdown printed the ``paths`` evidence as raw JSON;
    now the numbered steps the review's "Can become administrator via" shows (one function)."""
    from iamtui.core.output import to_markdown
    from iamtui.core.views import Views
    from iamtui.core.views.table import Row, RowKind

    target = admin_role("power", LAMBDA)
    dev = user("dev", inline={"p": doc(*PASS_LAMBDA)})
    snap = _snap(dev, target)
    result = evaluate(snap, now=NOW)
    (finding,) = [f for f in result.findings if f.rule == RULE and f.principal_name == "dev"]
    views = Views(snap, result, NOW)
    detail = views.describe(Row("f", RowKind.FINDING, ("",), data=finding))
    evidence = next(s for s in detail.sections if s.title == "Evidence").fields
    review = views.review(dev).escalation
    assert review and [f for f in evidence if f in review] == list(review)
    assert [f.label for f in review[:2]] == ["via", "  1."]
    assert review[1].value == f"iam:PassRole on {target.arn} (inline p: statement 1)"
    assert not any('"action"' in f.value for f in evidence)  # no JSON left
    markdown = to_markdown(result, snap)
    assert f"    1. iam:PassRole on {target.arn} (inline p: statement 1)" in markdown.splitlines()
    assert '"action"' not in markdown


def test_rule_reports_a_conditional_path_one_severity_lower() -> None:
    target = admin_role("power", LAMBDA)
    passing = allow("iam:PassRole", Condition=MFA)
    dev = user("dev", inline={"p": doc(passing, *PASS_LAMBDA[1:])})
    (finding,) = [f for f in run(_snap(dev, target), RULE) if f.principal_name == "dev"]
    assert finding.severity is Severity.MEDIUM
    assert finding.evidence["conditional"] is True
    assert "if conditions hold" in finding.summary


@pytest.mark.parametrize(
    "principal",
    [
        user("boss", attached=[ADMIN_ARN]),
        user("selfish", inline={"p": doc(allow("iam:PutUserPolicy", arn("user", "selfish")))}),
        role("big", attached=[ADMIN_ARN], inline={"p": doc(*PASS_LAMBDA)}),
    ],
    ids=["admin", "effective-admin", "admin-with-passrole"],
)
def test_rule_skips_administrators(principal: User | Role) -> None:
    target = admin_role("power", LAMBDA)
    found = run(_snap(principal, target), RULE)
    assert principal.name not in {f.principal_name for f in found}
    assert paths(principal, roles=[target]) == ()


def test_rule_quiet_without_a_path() -> None:
    dev = user("dev", inline={"p": doc(allow(["s3:*", "lambda:Get*", "iam:PassRole"]))})
    assert run(_snap(dev, admin_role("power", LAMBDA)), RULE) == []


def test_a_source_account_pin_to_this_account_holds_for_a_launched_resource() -> None:
    def pinned(account: str) -> Role:
        condition = {"StringEquals": {"aws:SourceAccount": account}}
        service = {"Service": "cloudformation.amazonaws.com"}
        return role("power", trust_policy=trust(service, condition), attached=[ADMIN_ARN])

    stacks = doc(allow("iam:PassRole"), allow("cloudformation:CreateStack"))
    (path,) = paths(user("dev", inline={"p": stacks}), roles=[pinned(ACCOUNT)])
    assert not path.conditional
    assert not paths(user("dev", inline={"p": stacks}), roles=[pinned("999988887777")])


def test_a_source_account_if_exists_pin_holds_or_is_doubted() -> None:
    """The form role.update-trust writes: it holds for this account; for another it depends
    on whether the service sends the key, which iamtui cannot tell."""

    def pinned(account: str) -> Role:
        condition = {"StringEqualsIfExists": {"aws:SourceAccount": account}}
        service = {"Service": "cloudformation.amazonaws.com"}
        return role("power", trust_policy=trust(service, condition), attached=[ADMIN_ARN])

    stacks = doc(allow("iam:PassRole"), allow("cloudformation:CreateStack"))
    (path,) = paths(user("dev", inline={"p": stacks}), roles=[pinned(ACCOUNT)])
    assert not path.conditional
    (other,) = paths(user("dev", inline={"p": stacks}), roles=[pinned("999988887777")])
    assert "aws:sourceaccount" in " ".join(other.conditions)


def test_a_change_to_the_target_role_updates_the_finding_about_another_principal() -> None:
    """Paths go through other principals: the rule reads them (reads_principals)."""
    target = admin_role("power", LAMBDA)
    dev = user("dev", inline={"p": doc(*PASS_LAMBDA)})
    before = evaluate(_snap(dev, target), now=NOW)
    assert [f.principal_name for f in before.findings if f.rule == RULE] == ["dev"]
    tamed = replace(target, attached_policies=())
    after = evaluate_changes(before, _snap(dev, tamed), principals=[target.arn])
    assert [f.principal_name for f in after.findings if f.rule == RULE] == []


def test_paths_are_reused_only_for_the_very_same_principal_in_the_same_world() -> None:
    target = admin_role("power", LAMBDA)
    dev = user("dev", inline={"p": doc(*PASS_LAMBDA)})
    other = user("other", inline={"p": doc(*PASS_LAMBDA)})
    before = evaluate(_snap(dev, other, target), now=NOW)
    assert {f.principal_name for f in before.findings if f.rule == RULE} == {"dev", "other"}
    cleaned = replace(dev, inline_policies=())
    after = evaluate_changes(before, _snap(cleaned, other, target), principals=[dev.arn])
    assert {f.principal_name for f in after.findings if f.rule == RULE} == {"other"}
    grouped = replace(other, groups=("fenced",))
    fence = group("fenced", inline={"d": doc(deny("iam:PassRole"))})
    snap = _snap(cleaned, grouped, target, groups=[fence])
    final = evaluate_changes(after, snap, principals=[other.arn], account_changed=True)
    assert [f for f in final.findings if f.rule == RULE] == []
