"""Service-specific credentials (CodeCommit Git credentials, Keyspaces, Bedrock API keys).

The account-wide read in the overview, the emulated IAM calls (named for the AWS behaviour
each follows), the two rules on hand-built snapshots, and the three actions planned, run and
undone on the emulator.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from builders import ACCOUNT, NOW, evaluate_rule, not_evaluated, run, snapshot, user
from faults import inject
from test_actions_support import Env, connection, env_fixture  # noqa: F401

from iamtui.core.actions import ActionRefused, ConfirmationMismatch, Request
from iamtui.core.findings import Severity
from iamtui.core.ids import ActionId
from iamtui.core.loader import load_account
from iamtui.core.model import (
    BEDROCK_SERVICE,
    CODECOMMIT_SERVICE,
    Part,
    ServiceCredential,
    Unavailable,
)
from iamtui.core.rules import evaluate
from iamtui.core.subjects import Fix, ServiceCredentialSubject
from iamtui.core.views import Views
from iamtui.core.views.details import describe_user
from iamtui.core.views.review import build as build_review
from iamtui.emulator.server import Emulator
from iamtui.emulator.state import ServiceCredential as EmulatedCredential
from iamtui.ui.choices import service_credential_choices

ROTATION = "service-credential.rotation-due"
BEDROCK = "service-credential.bedrock-long-lived"


def credential(
    name: str,
    service: str = CODECOMMIT_SERVICE,
    *,
    days: float,
    status: str = "Active",
    expires: float | None = None,
    cid: str = "ACCAAAAAAAAAAAAAAAAA1",
) -> ServiceCredential:
    """A credential of user ``name`` created ``days`` before NOW (``expires``: days after)."""
    return ServiceCredential(
        credential_id=cid,
        user=name,
        service=service,
        status=status,
        create_date=NOW - timedelta(days=days),
        service_user_name=f"{name}-at-{ACCOUNT}",
        expiration=None if expires is None else NOW + timedelta(days=expires),
    )


# --- rules on hand-built snapshots --------------------------------------------------------------


def test_rotation_due_fires_on_an_old_active_credential_only() -> None:
    old, new, off = user("old"), user("new"), user("off")
    snap = snapshot(
        users=[old, new, off],
        service_credentials=[
            credential("old", days=200, cid="ACCAOLD00000000000001"),
            credential("old", days=5, cid="ACCAOLD00000000000002"),
            credential("new", days=30),
            credential("off", days=400, status="Inactive"),
        ],
    )
    (finding,) = run(snap, ROTATION)
    assert finding.principal_name == "old" and finding.severity is Severity.MEDIUM
    assert finding.summary == "1 active CodeCommit credential, oldest created 7 months ago"
    assert [c["credential_id"] for c in finding.evidence["credentials"]] == [
        "ACCAOLD00000000000001"
    ]
    assert finding.fixes == (
        Fix(
            ActionId.SERVICE_CREDENTIAL_DEACTIVATE,
            ServiceCredentialSubject("old", "ACCAOLD00000000000001"),
        ),
    )


def test_the_rotation_threshold_is_the_access_key_setting() -> None:
    from iamtui.core.settings import Settings, Thresholds

    snap = snapshot(users=[user("dev")], service_credentials=[credential("dev", days=40)])
    assert run(snap, ROTATION) == []
    strict = Settings(thresholds=Thresholds(key_rotation_days=30))
    assert len(run(snap, ROTATION, strict)) == 1


def test_expired_credentials_are_not_due_but_named_in_the_evidence() -> None:
    """An expired Bedrock key no longer works: not due, but still there to delete."""
    snap = snapshot(
        users=[user("ml")],
        service_credentials=[
            credential("ml", BEDROCK_SERVICE, days=300, expires=-1, cid="ACCAEXPIRED0000000001"),
            credential("ml", BEDROCK_SERVICE, days=200, status="Expired", cid="ACCAEXPIRED02"),
            credential("ml", days=200, cid="ACCAGIT00000000000001"),
        ],
    )
    (finding,) = run(snap, ROTATION)
    assert finding.evidence["expired_still_present"] == ("ACCAEXPIRED0000000001", "ACCAEXPIRED02")
    assert run(snap, BEDROCK) == []


def test_a_bedrock_key_that_never_expires_is_medium_and_one_far_out_is_low() -> None:
    snap = snapshot(
        users=[user("forever"), user("far"), user("short"), user("git")],
        service_credentials=[
            credential("forever", BEDROCK_SERVICE, days=3),
            credential("far", BEDROCK_SERVICE, days=3, expires=365),
            credential("short", BEDROCK_SERVICE, days=3, expires=30),
            credential("git", days=3),
        ],
    )
    found = {f.principal_name: f for f in run(snap, BEDROCK)}
    assert set(found) == {"forever", "far"}
    assert found["forever"].severity is Severity.MEDIUM
    assert found["forever"].summary == "1 active Bedrock API key never expires"
    assert found["far"].severity is Severity.LOW
    assert found["far"].summary == "1 active Bedrock API key expires more than 90 days out"
    (evidence,) = found["forever"].evidence["credentials"]
    assert evidence["expires"] == "never"


def test_an_unavailable_part_is_not_evaluated_never_no_credentials() -> None:
    gone = Unavailable(Part.SERVICE_CREDENTIALS, "denied: the caller lacks iam:X", "AccessDenied")
    snap = snapshot(users=[user("dev")], service_credentials=None, unavailable=[gone])
    reason = not_evaluated(snap, ROTATION)
    assert reason.startswith("service-specific credentials unavailable (AccessDenied)")
    assert not_evaluated(snap, BEDROCK) == reason


def test_a_snapshot_saved_before_the_part_existed_is_not_evaluated() -> None:
    snap = snapshot(users=[user("dev")], service_credentials=None)
    assert not_evaluated(snap, ROTATION) == "service-specific credentials not loaded"


# --- the overview load --------------------------------------------------------------------------


def test_the_overview_reads_every_users_credentials_in_one_request(
    emulator: Emulator, iam: Any
) -> None:
    iam.create_user(UserName="ana")
    iam.create_user(UserName="bo")
    iam.create_service_specific_credential(UserName="ana", ServiceName=CODECOMMIT_SERVICE)
    iam.create_service_specific_credential(
        UserName="bo", ServiceName=BEDROCK_SERVICE, CredentialAgeDays=30
    )
    conn = connection(emulator)
    snap = load_account(conn)
    assert conn.counter.by_operation["iam:ListServiceSpecificCredentials"] == 1
    assert snap.unavailable_part(Part.SERVICE_CREDENTIALS) is None
    assert snap.service_credentials is not None
    git, bedrock = snap.service_credentials
    assert (git.user, git.service, git.service_user_name) == (
        "ana",
        CODECOMMIT_SERVICE,
        f"ana-at-{ACCOUNT}",
    )
    assert git.expiration is None and git.create_date.tzinfo is not None
    assert bedrock.service_user_name == f"bo-at-{ACCOUNT}"  # ServiceCredentialAlias
    assert bedrock.expiration == bedrock.create_date + timedelta(days=30)
    assert snap.credentials_of("BO") == (bedrock,)  # names are not distinguished by case


def test_more_credentials_than_a_page_are_followed_by_marker(emulator: Emulator) -> None:
    backend, extras = emulator.backend(), emulator.extras()
    for i in range(525):
        name = f"dev{i:03}"
        backend.create_user(region_name="us-east-1", user_name=name)
        extras.service_credentials[name] = [
            EmulatedCredential(f"ACCA{i:03}{n}".ljust(21, "0"), name, CODECOMMIT_SERVICE, name, NOW)
            for n in range(2)
        ]
    conn = connection(emulator)
    snap = load_account(conn)
    assert snap.service_credentials is not None and len(snap.service_credentials) == 1050
    assert conn.counter.by_operation["iam:ListServiceSpecificCredentials"] == 2


def test_moto_as_shipped_leaves_the_part_unavailable_and_the_rules_unevaluated(
    emulator: Emulator,
) -> None:
    """moto has no ListServiceSpecificCredentials (HTTP 500): unknown, never "none".

    (``emulator``: a clean account; the plain server shares moto's in-process state.)"""
    plain = Emulator(fidelity=False).start()
    try:
        plain.client().create_user(UserName="dev")
        snap = load_account(connection(plain))
    finally:
        plain.stop()
    gone = snap.unavailable_part(Part.SERVICE_CREDENTIALS)
    assert gone is not None and gone.code == "Unsupported"
    assert gone.reason == "ListServiceSpecificCredentials is not supported by this endpoint"
    assert snap.service_credentials is None and len(snap.users) == 1
    skipped = {s.rule.id: s.reason for s in evaluate(snap, now=NOW).not_evaluated}
    assert skipped[ROTATION].startswith("service-specific credentials unavailable (Unsupported)")
    assert BEDROCK in skipped


def test_a_denied_listing_names_the_missing_permission(emulator: Emulator, iam: Any) -> None:
    iam.create_user(UserName="dev")
    conn = connection(emulator)
    inject(conn.iam, "ListServiceSpecificCredentials", "AccessDenied", status=403)
    snap = load_account(conn)
    gone = snap.unavailable_part(Part.SERVICE_CREDENTIALS)
    assert gone is not None and gone.code == "AccessDenied"
    assert gone.reason == "denied: the caller lacks iam:ListServiceSpecificCredentials"
    assert len(snap.users) == 1


# --- the emulated calls, named for the AWS behaviour they follow -------------------------------


def test_the_password_is_shown_on_create_and_reset_and_never_listed(iam: Any) -> None:
    iam.create_user(UserName="dev")
    created = iam.create_service_specific_credential(
        UserName="dev", ServiceName=CODECOMMIT_SERVICE
    )["ServiceSpecificCredential"]
    cid = created["ServiceSpecificCredentialId"]
    assert created["ServicePassword"] and created["ServiceUserName"] == f"dev-at-{ACCOUNT}"
    (listed,) = iam.list_service_specific_credentials(UserName="dev")["ServiceSpecificCredentials"]
    assert "ServicePassword" not in json.dumps(listed, default=str)
    reset = iam.reset_service_specific_credential(UserName="dev", ServiceSpecificCredentialId=cid)
    assert reset["ServiceSpecificCredential"]["ServicePassword"] != created["ServicePassword"]
    assert reset["ServiceSpecificCredential"]["ServiceSpecificCredentialId"] == cid


def test_a_bedrock_api_key_has_an_alias_a_secret_and_expires_after_its_age_days(
    emulator: Emulator, iam: Any
) -> None:
    emulator.extras().clock = lambda: NOW
    iam.create_user(UserName="ml")
    created = iam.create_service_specific_credential(
        UserName="ml", ServiceName=BEDROCK_SERVICE, CredentialAgeDays=7
    )["ServiceSpecificCredential"]
    assert created["ServiceCredentialAlias"] == f"ml-at-{ACCOUNT}"
    assert created["ServiceCredentialSecret"] and "ServicePassword" not in created
    assert created["ExpirationDate"] == NOW.replace(microsecond=0) + timedelta(days=7)
    emulator.extras().clock = lambda: NOW + timedelta(days=8)
    (listed,) = iam.list_service_specific_credentials(UserName="ml")["ServiceSpecificCredentials"]
    assert listed["Status"] == "Expired"


def test_credential_age_days_is_only_for_bedrock_keys(iam: Any) -> None:
    iam.create_user(UserName="dev")
    with pytest.raises(ClientError, match="only valid for Bedrock"):
        iam.create_service_specific_credential(
            UserName="dev", ServiceName=CODECOMMIT_SERVICE, CredentialAgeDays=7
        )


def test_all_users_lists_everyone_filtered_by_service_and_excludes_user_name(iam: Any) -> None:
    for name, service in (("a", CODECOMMIT_SERVICE), ("b", BEDROCK_SERVICE)):
        iam.create_user(UserName=name)
        iam.create_service_specific_credential(UserName=name, ServiceName=service)
    everyone = iam.list_service_specific_credentials(AllUsers=True)["ServiceSpecificCredentials"]
    assert sorted(c["UserName"] for c in everyone) == ["a", "b"]
    bedrock = iam.list_service_specific_credentials(AllUsers=True, ServiceName=BEDROCK_SERVICE)
    assert [c["UserName"] for c in bedrock["ServiceSpecificCredentials"]] == ["b"]
    with pytest.raises(ClientError, match="cannot be specified together with UserName"):
        iam.list_service_specific_credentials(AllUsers=True, UserName="a")


def test_the_listing_pages_with_max_items_and_marker(iam: Any) -> None:
    for name in ("a", "b", "c"):
        iam.create_user(UserName=name)
        iam.create_service_specific_credential(UserName=name, ServiceName=CODECOMMIT_SERVICE)
    first = iam.list_service_specific_credentials(AllUsers=True, MaxItems=2)
    assert first["IsTruncated"] and len(first["ServiceSpecificCredentials"]) == 2
    rest = iam.list_service_specific_credentials(AllUsers=True, MaxItems=2, Marker=first["Marker"])
    assert not rest["IsTruncated"] and len(rest["ServiceSpecificCredentials"]) == 1


def test_update_accepts_only_active_or_inactive(iam: Any) -> None:
    iam.create_user(UserName="dev")
    cid = iam.create_service_specific_credential(UserName="dev", ServiceName=CODECOMMIT_SERVICE)[
        "ServiceSpecificCredential"
    ]["ServiceSpecificCredentialId"]
    with pytest.raises(ClientError, match="enum value set"):
        iam.update_service_specific_credential(
            UserName="dev", ServiceSpecificCredentialId=cid, Status="Expired"
        )


def test_the_calls_are_authorized_like_every_iam_call(emulator: Emulator, iam: Any) -> None:
    iam.create_user(UserName="auditor")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:ListServiceSpecificCredentials", "Resource": "*"}
        ],
    }
    iam.put_user_policy(UserName="auditor", PolicyName="read", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    auditor = emulator.client(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    with emulator.enforced():
        assert (
            auditor.list_service_specific_credentials(AllUsers=True)["ServiceSpecificCredentials"]
            == []
        )
        with pytest.raises(ClientError, match=r"AccessDenied|not authorized"):
            auditor.create_service_specific_credential(
                UserName="auditor", ServiceName=CODECOMMIT_SERVICE
            )


# --- the actions --------------------------------------------------------------------------------


def new_credential(iam: Any, name: str, status: str = "Active") -> str:
    """A CodeCommit credential of a (new) user, in ``status``; its id."""
    with contextlib.suppress(ClientError):  # a second credential of the same user
        iam.create_user(UserName=name)
    cid: str = iam.create_service_specific_credential(
        UserName=name, ServiceName=CODECOMMIT_SERVICE
    )["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
    if status != "Active":
        iam.update_service_specific_credential(
            UserName=name, ServiceSpecificCredentialId=cid, Status=status
        )
    return cid


def statuses(iam: Any, name: str) -> dict[str, str]:
    """Credential id -> status of one user's credentials."""
    held = iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"]
    return {c["ServiceSpecificCredentialId"]: c["Status"] for c in held}


def test_deactivate_is_undone_by_reactivating(env: Env, iam: Any) -> None:
    cid = new_credential(iam, "dev")
    plan = env.planner().plan(Request.deactivate_service_credential("dev", cid))
    assert not plan.irreversible and plan.confirmation_phrase is None
    assert [row.call for row in plan.preview()] == [
        f"iam:UpdateServiceSpecificCredential UserName=dev ServiceSpecificCredentialId={cid} "
        "Status=Inactive"
    ]
    assert "password" not in json.dumps(plan.before).lower()
    report = env.run(plan)
    assert report.status == "completed", report.message()
    assert statuses(iam, "dev") == {cid: "Inactive"}
    undo = env.undo(report)
    assert undo.status == "completed", undo.message()
    assert statuses(iam, "dev") == {cid: "Active"}


def test_activate_is_the_inverse_of_deactivate(env: Env, iam: Any) -> None:
    cid = new_credential(iam, "dev", "Inactive")
    report = env.run(env.planner().plan(Request.activate_service_credential("dev", cid)))
    assert statuses(iam, "dev") == {cid: "Active"}
    env.undo(report)
    assert statuses(iam, "dev") == {cid: "Inactive"}


def test_an_action_that_does_not_apply_is_refused_in_one_line(env: Env, iam: Any) -> None:
    cid = new_credential(iam, "dev", "Inactive")
    planner = env.planner()
    with pytest.raises(ActionRefused, match="is Inactive, not Active: nothing to deactivate"):
        planner.plan(Request.deactivate_service_credential("dev", cid))
    with pytest.raises(ActionRefused, match="has no service-specific credential ACCANOSUCH"):
        planner.plan(Request.activate_service_credential("dev", "ACCANOSUCH00000000000"))


def test_deleting_is_irreversible_typed_and_refused_while_active(env: Env, iam: Any) -> None:
    cid = new_credential(iam, "dev")
    planner = env.planner()
    with pytest.raises(ActionRefused, match="is Active: deactivate it first") as info:
        planner.plan(Request.delete_service_credential("dev", cid))
    assert "\n" not in str(info.value)
    iam.update_service_specific_credential(
        UserName="dev", ServiceSpecificCredentialId=cid, Status="Inactive"
    )
    plan = env.planner().plan(Request.delete_service_credential("dev", cid))
    assert plan.irreversible and plan.confirmation_phrase == "dev"
    assert "only when it is created" in plan.preview()[0].note
    assert any("cannot be restored" in note for note in plan.notes)
    with pytest.raises(ConfirmationMismatch):
        plan.confirm("yes")
    report = env.run(plan, typed="dev")
    assert report.status == "completed", report.message()
    assert statuses(iam, "dev") == {}
    with pytest.raises(ActionRefused, match="cannot be undone"):
        env.undo(report)


def test_deleting_an_active_credential_with_the_override_warns(env: Env, iam: Any) -> None:
    cid = new_credential(iam, "dev")
    request = replace(Request.delete_service_credential("dev", cid), allow_active=True)
    plan = env.planner().plan(request)
    assert any("ACTIVE" in w for w in plan.warnings)


def test_a_credential_changed_between_plan_and_run_stops_before_the_call(
    env: Env, iam: Any
) -> None:
    cid = new_credential(iam, "dev")
    plan = env.planner().plan(Request.deactivate_service_credential("dev", cid))
    iam.update_service_specific_credential(
        UserName="dev", ServiceSpecificCredentialId=cid, Status="Inactive"
    )
    report = env.run(plan)
    assert report.status != "completed"
    assert statuses(iam, "dev") == {cid: "Inactive"}


def test_user_delete_removes_the_users_service_credentials_first(env: Env, iam: Any) -> None:
    """DeleteUser fails DeleteConflict while credentials remain: the plan deletes them first."""
    new_credential(iam, "leaver")
    iam.create_service_specific_credential(
        UserName="leaver", ServiceName=BEDROCK_SERVICE, CredentialAgeDays=3
    )
    plan = env.planner().plan(Request.delete_user("leaver"))
    operations = [s.call.operation for s in plan.steps]
    assert operations.count("DeleteServiceSpecificCredential") == 2
    assert operations[-1] == "DeleteUser"
    assert any("2 service-specific credentials" in n for n in plan.notes)
    report = env.run(plan)
    assert report.status == "completed", report.message()
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_user(UserName="leaver")


def test_the_findings_fix_plans_and_clears_the_finding(env: Env, iam: Any) -> None:
    cid = new_credential(iam, "dev")
    snap = env.snapshot()
    old = snap.loaded_at + timedelta(days=200)  # the credential, created now, is then old
    (finding,) = [f for f in evaluate(snap, now=old).active if f.rule == ROTATION]
    (fix,) = finding.fixes
    env.run(env.planner(snap).plan(Request(fix.action, fix.subject)))
    after = evaluate(env.snapshot(), now=old)
    assert [f for f in after.active if f.rule == ROTATION] == []
    assert statuses(iam, "dev") == {cid: "Inactive"}


# --- what the operator sees ---------------------------------------------------------------------


def test_the_user_menu_offers_what_each_status_allows() -> None:
    held = [
        credential("dev", days=10, cid="ACCAACTIVE00000000001"),
        credential("dev", days=10, status="Inactive", cid="ACCAINACTIVE000000001"),
        credential("dev", BEDROCK_SERVICE, days=10, status="Expired", cid="ACCAEXPIRED0000000001"),
    ]
    titles = [c.title for c in service_credential_choices(held)]
    assert titles == [
        "Deactivate CodeCommit credential ACCAACTIVE00000000001 of dev",
        "Activate CodeCommit credential ACCAINACTIVE000000001 of dev",
        "Delete CodeCommit credential ACCAINACTIVE000000001 of dev",
        "Delete Bedrock API key ACCAEXPIRED0000000001 of dev",
    ]


def test_the_user_detail_and_review_list_credentials_without_secrets() -> None:
    dev = user("dev")
    held = [
        credential("dev", days=200, cid="ACCAGIT00000000000001"),
        credential("dev", BEDROCK_SERVICE, days=5, cid="ACCABEDROCK0000000001"),
    ]
    snap = snapshot(users=[dev], service_credentials=held)
    views = Views(snap, evaluate(snap, now=NOW), NOW, None)
    detail = describe_user(views, dev)
    (section,) = [s for s in detail.sections if s.title == "Service-specific credentials"]
    labels = [f.label for f in section.fields]
    assert labels == ["CodeCommit", "Bedrock API key"]
    assert section.fields[0].value.startswith("ACCAGIT00000000000001 · Active · created ")
    assert "never expires" in section.fields[1].value and section.fields[1].tone == "warn"
    review = build_review(views, dev)
    assert [f.label for f in review.console][-2:] == labels


def test_the_review_says_when_the_credentials_are_unknown() -> None:
    dev = user("dev")
    gone = Unavailable(Part.SERVICE_CREDENTIALS, "ListX is not supported", "Unsupported")
    snap = snapshot(users=[dev], service_credentials=None, unavailable=[gone])
    views = Views(snap, evaluate_rule(snap, ROTATION), NOW, None)
    review = build_review(views, dev)
    (field,) = [f for f in review.console if f.label == "Service credentials"]
    assert field.value == "unavailable: ListX is not supported"


# --- the rest of the product --------------------------------------------------------------------


def test_a_snapshot_keeps_its_credentials_and_an_older_file_loads_without_them() -> None:
    from iamtui.core import snapshot as snapshot_file

    held = [credential("dev", BEDROCK_SERVICE, days=5, expires=30)]
    snap = snapshot(users=[user("dev")], service_credentials=held)
    back = snapshot_file.loads(snapshot_file.dumps(snap))
    assert back.service_credentials == tuple(held)
    older = snapshot_file.dumps(replace(snap, service_credentials=None))
    assert "service_credentials" not in older  # byte-for-byte the format before the part
    assert snapshot_file.loads(older).service_credentials is None


def test_a_changed_credential_re_evaluates_only_its_user() -> None:
    from iamtui.core.changes import difference

    dev, ops = user("dev"), user("ops")
    before = snapshot(users=[dev, ops], service_credentials=[credential("dev", days=200)])
    after = replace(before, service_credentials=(credential("dev", days=200, status="Inactive"),))
    change = difference(before, after)
    assert change is not None and change.principals == {dev.arn}


def test_iamtui_policy_grants_the_read_and_the_three_actions() -> None:
    from iamtui.core import permissions

    read = permissions.actions_of(permissions.read_only_policy())
    assert "iam:ListServiceSpecificCredentials" in read
    remediate = permissions.actions_of(permissions.remediate_policy())
    assert {
        "iam:UpdateServiceSpecificCredential",
        "iam:DeleteServiceSpecificCredential",
    } <= remediate
