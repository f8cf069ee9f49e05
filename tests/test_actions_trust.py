"""role.update-trust on the emulator: each typed edit planned, previewed as a diff, run, undone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_actions_support import ACCOUNT, Env, env_fixture  # noqa: F401

from iamtui.core.actions import ActionId, ActionRefused, Request
from iamtui.core.actions.catalog.role_update_trust import apply_edit, value_problem
from iamtui.core.rules import evaluate
from iamtui.core.subjects import TrustEdit, TrustSubject

FOREIGN = "arn:aws:iam::111122223333:root"
OWN = f"arn:aws:iam::{ACCOUNT}:root"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def allow(principal: Any, sid: str | None = None, **extra: Any) -> dict[str, Any]:
    """One Allow statement of a trust policy."""
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal}
    if sid:
        statement["Sid"] = sid
    statement["Action"] = extra.pop("Action", "sts:AssumeRole")
    return {**statement, **extra}


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def make_role(iam: Any, name: str, trust: dict[str, Any]) -> None:
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))


def trust_of(iam: Any, name: str) -> Any:
    raw = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    return json.loads(raw) if isinstance(raw, str) else raw


def edit_and_undo(env: Env, iam: Any, role: str, edit: TrustEdit) -> tuple[Any, Any]:
    """Plan, run and undo one edit; returns (the plan, the trust after the run)."""
    before = trust_of(iam, role)
    plan = env.planner().plan(Request.update_trust(role, edit))
    assert plan.action is ActionId.ROLE_UPDATE_TRUST
    assert [s.call.operation for s in plan.steps] == ["UpdateAssumeRolePolicy"]
    assert plan.before[plan.targets[0].arn] == {"trust": before}
    assert not plan.irreversible and plan.confirmation_phrase is None
    report = env.run(plan)
    assert report.status == "completed", report.message()
    after = trust_of(iam, role)
    assert after == plan.steps[0].call.params["PolicyDocument"]
    undo = env.undo(report)
    assert undo.status == "completed", undo.message()
    assert trust_of(iam, role) == before
    return plan, after


def test_remove_principal_keeps_a_list_and_the_diff_shows_it(env: Env, iam: Any) -> None:
    make_role(iam, "partner", document(allow({"AWS": [FOREIGN, OWN]}, "Partners")))
    edit = TrustEdit("remove-principal", 0, "Partners", principal_type="AWS", principal=FOREIGN)
    plan, after = edit_and_undo(env, iam, "partner", edit)
    assert after == document(allow({"AWS": [OWN]}, "Partners"))  # one item may stay a list
    changes = plan.steps[0].changes
    assert f'-          "{FOREIGN}",' in changes
    assert changes[0].startswith("--- trust policy now")
    lines = plan.lines()
    assert any(FOREIGN in line and line.strip().startswith("-") for line in lines)
    assert plan.preview()[0].changes == changes


def test_remove_statement(env: Env, iam: Any) -> None:
    trust = document(allow({"Service": "ec2.amazonaws.com"}), allow({"AWS": "*"}, "Anyone"))
    make_role(iam, "open", trust)
    _, after = edit_and_undo(env, iam, "open", TrustEdit("remove-statement", 1, "Anyone"))
    assert after == document(allow({"Service": "ec2.amazonaws.com"}))


def test_external_id_condition(env: Env, iam: Any) -> None:
    make_role(iam, "vendor", document(allow({"AWS": FOREIGN})))
    edit = TrustEdit("external-id", 0, value="vendor-7f3a")
    plan, after = edit_and_undo(env, iam, "vendor", edit)
    assert after["Statement"][0]["Condition"] == {"StringEquals": {"sts:ExternalId": "vendor-7f3a"}}
    assert '+      "Condition": {' in plan.steps[0].changes


def test_organization_condition(env: Env, iam: Any) -> None:
    make_role(iam, "public", document(allow({"AWS": "*"})))
    edit = TrustEdit("org-id", 0, value="o-abcdef1234")
    _, after = edit_and_undo(env, iam, "public", edit)
    assert after["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": "o-abcdef1234"}
    }


def test_source_account_condition_for_a_service(env: Env, iam: Any) -> None:
    make_role(iam, "sns-logs", document(allow({"Service": "sns.amazonaws.com"})))
    edit = TrustEdit("source-account", 0, value=ACCOUNT)
    plan, after = edit_and_undo(env, iam, "sns-logs", edit)
    # IfExists: a service that does not send the key is not locked out of its role.
    assert after["Statement"][0]["Condition"] == {
        "StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}
    }
    (warning,) = [w for w in plan.warnings if "aws:SourceAccount" in w]
    assert "cannot lock the service out" in warning
    assert "never sends it gets no protection" in warning
    # A plain StringEquals the operator wrote is replaced, not doubled.
    pinned = document(
        allow(
            {"Service": "sns.amazonaws.com"}, Condition={"StringEquals": {"aws:SourceAccount": "1"}}
        )
    )
    assert apply_edit(pinned, edit)["Statement"][0]["Condition"] == {
        "StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}
    }


def test_github_sub_pinned_to_a_repository_with_audience(env: Env, iam: Any) -> None:
    make_role(
        iam,
        "deploy",
        document(allow({"Federated": GITHUB}, Action="sts:AssumeRoleWithWebIdentity")),
    )
    edit = TrustEdit("github-repo", 0, value="acme/web")
    _, after = edit_and_undo(env, iam, "deploy", edit)
    assert after["Statement"][0]["Condition"] == {
        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/web:*"},
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
    }


def test_a_trust_changed_after_planning_stops_the_step(env: Env, iam: Any) -> None:
    make_role(iam, "partner", document(allow({"AWS": [FOREIGN, OWN]})))
    edit = TrustEdit("remove-principal", 0, principal_type="AWS", principal=FOREIGN)
    plan = env.planner().plan(Request.update_trust("partner", edit))
    theirs = document(allow({"AWS": FOREIGN}))
    iam.update_assume_role_policy(RoleName="partner", PolicyDocument=json.dumps(theirs))
    report = env.run(plan)
    assert report.status != "completed"
    assert "trust policy of role partner not changed since the plan" in report.message()
    assert trust_of(iam, "partner") == theirs


def test_a_trust_changed_since_the_reviewed_data_is_refused(env: Env, iam: Any) -> None:
    make_role(iam, "partner", document(allow({"AWS": [FOREIGN, OWN]})))
    snapshot = env.snapshot()
    iam.update_assume_role_policy(
        RoleName="partner", PolicyDocument=json.dumps(document(allow({"AWS": OWN})))
    )
    edit = TrustEdit("remove-principal", 0, principal_type="AWS", principal=FOREIGN)
    with pytest.raises(ActionRefused, match="changed since the data you reviewed"):
        env.planner(snapshot).plan(Request.update_trust("partner", edit))


def test_undo_refuses_when_the_trust_changed_after_the_edit(env: Env, iam: Any) -> None:
    make_role(iam, "vendor", document(allow({"AWS": FOREIGN})))
    plan = env.planner().plan(
        Request.update_trust("vendor", TrustEdit("external-id", 0, value="abc-123"))
    )
    report = env.run(plan)
    assert report.status == "completed", report.message()
    later = document(allow({"AWS": OWN}))
    iam.update_assume_role_policy(RoleName="vendor", PolicyDocument=json.dumps(later))
    undo = env.undo(report)
    assert undo.status != "completed"
    assert "is the one iamtui set" in undo.message()
    assert trust_of(iam, "vendor") == later


def test_an_edit_that_empties_the_policy_is_refused(env: Env, iam: Any) -> None:
    make_role(iam, "open", document(allow({"AWS": "*"})))
    with pytest.raises(ActionRefused, match=r"no statement.*role\.quarantine, role\.delete"):
        env.planner().plan(Request.update_trust("open", TrustEdit("remove-statement", 0)))
    with pytest.raises(ActionRefused, match="only principal: remove the statement instead"):
        env.planner().plan(
            Request.update_trust(
                "open", TrustEdit("remove-principal", 0, principal_type="AWS", principal="*")
            )
        )
    assert trust_of(iam, "open") == document(allow({"AWS": "*"}))


def test_undo_cannot_restore_a_deleted_principal_and_says_so(env: Env, iam: Any) -> None:
    """A trust naming a deleted principal (shown by unique id) cannot be saved again: the edit
    drops it, and the undo puts back everything else, saying what it cannot restore."""
    gone = "AROA" + "X" * 17
    trust = document(allow({"AWS": [FOREIGN, gone]}, "Old"), allow({"AWS": OWN}, "Own"))
    iam.create_role(RoleName="legacy", AssumeRolePolicyDocument=json.dumps(document(allow(
        {"AWS": OWN}))))  # fmt: skip
    # The emulator refuses to save a unique id no principal has (as AWS does): seed it directly.
    env.emulator.backend().roles[
        next(r.id for r in env.emulator.backend().roles.values() if r.name == "legacy")
    ].assume_role_policy_document = json.dumps(trust)
    plan = env.planner().plan(
        Request.update_trust("legacy", TrustEdit("external-id", 0, "Old", value="x-1234"))
    )
    sent = plan.steps[0].call.params["PolicyDocument"]
    assert gone not in json.dumps(sent)
    assert any(gone in note and "undo cannot restore" in note for note in plan.notes)
    report = env.run(plan)
    assert report.status == "completed", report.message()
    undo_plan = env.planner().undo(env.journal.entry(report.entry_id or ""))
    assert any(gone in line and "cannot restore" in line for line in undo_plan.lines())
    removed = [line for line in undo_plan.steps[0].changes if line.startswith("-  ")]
    assert any('"sts:ExternalId": "x-1234"' in line for line in removed)  # the undo's diff
    restored = undo_plan.steps[0].call.params["PolicyDocument"]
    assert restored == document(allow({"AWS": [FOREIGN]}, "Old"), allow({"AWS": OWN}, "Own"))
    result = env.run(undo_plan)
    assert result.status == "completed", result.message()
    assert trust_of(iam, "legacy") == restored


def test_service_linked_and_protected_roles_are_refused(env: Env, iam: Any) -> None:
    name = iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")["Role"][
        "RoleName"
    ]
    with pytest.raises(ActionRefused, match="service-linked"):
        env.planner().plan(Request.update_trust(name, TrustEdit("remove-statement", 0)))
    make_role(iam, "OrganizationAccountAccessRole", document(allow({"AWS": FOREIGN})))
    with pytest.raises(ActionRefused, match="not changed by iamtui"):
        env.planner().plan(
            Request.update_trust(
                "OrganizationAccountAccessRole", TrustEdit("external-id", 0, value="abc-123")
            )
        )


def test_condition_edits_refuse_principals_that_do_not_send_the_key() -> None:
    mixed = document(allow({"AWS": FOREIGN, "Service": "sns.amazonaws.com"}))
    with pytest.raises(ActionRefused, match="aws:SourceAccount is sent by AWS services only"):
        apply_edit(mixed, TrustEdit("source-account", 0, value=ACCOUNT))
    with pytest.raises(ActionRefused, match="sts:ExternalId is sent by AWS principals only"):
        apply_edit(mixed, TrustEdit("external-id", 0, value="abc-123"))
    with pytest.raises(ActionRefused, match="does not trust GitHub"):
        apply_edit(mixed, TrustEdit("github-repo", 0, value="acme/web"))
    with pytest.raises(ActionRefused, match="another statement now"):
        apply_edit(mixed, TrustEdit("external-id", 0, "Renamed", value="abc-123"))
    with pytest.raises(ActionRefused, match="no value given"):
        apply_edit(document(allow({"AWS": FOREIGN})), TrustEdit("external-id", 0))


def test_values_are_checked_before_planning() -> None:
    assert value_problem("github-repo", "acme/web") is None
    assert value_problem("github-repo", "acme/*") is not None
    assert value_problem("org-id", "o-abcdef1234") is None
    assert value_problem("org-id", "123") is not None
    assert value_problem("source-account", "12345") is not None
    assert value_problem("external-id", "x") is not None


def test_trust_findings_offer_the_exact_edits(env: Env, iam: Any, now: Any) -> None:
    make_role(iam, "partner", document(allow({"AWS": [FOREIGN, OWN]}, "Partners")))
    make_role(iam, "sns-logs", document(allow({"Service": "sns.amazonaws.com"})))
    make_role(
        iam,
        "deploy",
        document(allow({"Federated": GITHUB}, Action="sts:AssumeRoleWithWebIdentity")),
    )
    snapshot = env.snapshot()
    found = evaluate(snapshot, now=now).findings

    def edits(rule: str, role: str) -> list[TrustEdit]:
        (finding,) = [f for f in found if f.rule == rule and f.principal_name == role]
        return [
            fix.subject.edit
            for fix in finding.fixes
            if fix.action is ActionId.ROLE_UPDATE_TRUST and isinstance(fix.subject, TrustSubject)
        ]

    assert edits("role.cross-account-trust", "partner") == [
        TrustEdit("remove-principal", 0, "Partners", principal_type="AWS", principal=FOREIGN),
        TrustEdit("external-id", 0, "Partners"),
    ]
    assert edits("role.confused-deputy", "sns-logs") == [
        TrustEdit("source-account", 0, value=ACCOUNT)
    ]
    assert edits("role.public-trust", "deploy") == [TrustEdit("github-repo", 0)]
    # The offered fix plans and runs as is (the value-less one once the value is given).
    planner = env.planner(snapshot)
    (request,) = [
        r
        for r in planner.requests_for(
            next(f for f in found if f.rule == "role.confused-deputy"), "role.update-trust"
        )
    ]
    report = env.run(planner.plan(request))
    assert report.status == "completed", report.message()
    assert "aws:SourceAccount" in json.dumps(trust_of(iam, "sns-logs"))
    after = evaluate(env.snapshot(), now=now).findings
    assert not [f for f in after if f.rule == "role.confused-deputy"]  # the fix fixes it


def test_the_role_this_session_runs_as_is_refused(env: Env, iam: Any) -> None:
    from iamtui.core.actions import Caller, SelfLockout
    from iamtui.core.model import CallerIdentity

    make_role(iam, "app", document(allow({"AWS": [FOREIGN, OWN]})))
    assumed = CallerIdentity(ACCOUNT, f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s", "AROAX:s")
    planner = env.planner(caller=Caller(assumed))
    edit = TrustEdit("remove-principal", 0, principal_type="AWS", principal=FOREIGN)
    with pytest.raises(SelfLockout, match="role app is the role this iamtui session runs as"):
        planner.plan(Request.update_trust("app", edit))


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("source-account", "١٢٣٤٥٦٧٨٩٠١٢"),  # Arabic-Indic digits: \d in Python, not to IAM
        ("source-account", "".join(chr(0xFF10 + int(d)) for d in "123456789012")),  # full-width
        ("external-id", "café-partner"),  # STS takes ASCII only
        ("external-id", "\ua4f3" * 3),  # Lisu letter O, looks like O
    ],
)
def test_a_condition_value_outside_what_aws_accepts_is_refused(kind: str, value: str) -> None:
    """A value AWS never sends would lock the service or partner out of the role."""
    assert value_problem(kind, value) is not None
