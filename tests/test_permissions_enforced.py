"""The policies ``iamtui policy`` prints are enough, and each read-only permission is needed:
proven with moto's permission enforcement (``POST /moto-api/reset-auth``).

What moto's checks cannot prove here is listed in ``NOT_PROVEN_BY_MOTO`` with the reason.
Enforcement is switched on only inside ``enforced()`` and always off again: the emulator is
shared by the whole test process.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner
from permission_scenarios import Actor, everything, seed_targets
from test_actions_support import S3_READ, TRUST_EC2, connection

from iamtui.cli import main
from iamtui.core import permissions
from iamtui.core.account_resources import (
    ANALYZER_REVIEW_ACTIONS,
    read_principal_findings,
    read_recommendation,
)
from iamtui.core.actions.followups import RECHECK_READS, recheck
from iamtui.core.ids import ActionId
from iamtui.core.journal import Entry, FollowUpItem, FollowUpState, Journal
from iamtui.core.loader import (
    LAST_ACCESSED_ACTIONS,
    OVERVIEW_ACTIONS,
    USER_DETAIL_ACTIONS,
    describe_failure,
    load_account,
    load_last_accessed,
    load_user_detail,
)
from iamtui.core.model import User
from iamtui.core.plan import Evidence, FollowUp, Plan
from iamtui.core.root import (
    ROOT_ONLY_PARTS,
    ROOT_STATE_ACTIONS,
    Status,
    evaluate_root,
    load_root_state,
)
from iamtui.core.rules import evaluate
from iamtui.core.session import Connection
from iamtui.core.subjects import (
    KeySubject,
    PrincipalSubject,
    ServiceCredentialSubject,
    UploadedCredentialSubject,
)
from iamtui.core.usage import USAGE_ACTIONS, Pacer, UsageTarget, lookup_usage
from iamtui.emulator.fidelity.organizations import seed_organization
from iamtui.emulator.seed import KeySpec, Seeder
from iamtui.emulator.server import Emulator
from iamtui.emulator.state import DEFAULT_ACCOUNT_ID, RecommendationState

#: What moto's enforcement cannot prove here, and why (the policy is still derived from code).
NOT_PROVEN_BY_MOTO = {
    "sts:GetCallerIdentity": "AWS never denies it (moto neither): it is left out of the policies",
    "root.deactivate-key / root.delete-key signed as root": "AWS applies no IAM policy to root, "
    "and moto's checks do not know the emulator's root keys: run without enforcement in "
    "test_actions_root.py",
    "calls inside an sts:AssumeRoot session": "governed by the task policy, which the emulator "
    "enforces itself (fidelity/root.py check_task_policy), not by the caller's policy",
    "the remediate policy's Deny on the holder's own user": "moto evaluates IAM actions against "
    "the resource *, never the user's ARN, so a Deny on arn:aws:iam::*:user/${aws:username} "
    "never matches there; test_permissions.py checks its shape",
    "iam:TagUser / iam:TagRole / iam:TagPolicy": "AWS authorizes tags passed to "
    "CreateUser/CreateRole/CreatePolicy as Tag* too; moto does not, so undo of a tagged "
    "principal or policy is not proven to need them",
}
ACCOUNT = "123456789012"


def grant(emulator: Emulator, user: str, document: dict[str, Any]) -> None:
    """Make ``document`` the user's only policy (a managed one: up to 6,144 characters)."""
    backend = emulator.backend()
    for arn in list(backend.users[user].managed_policies):
        backend.detach_user_policy(arn, user)
    policy = backend.create_policy(
        description="",
        path="/",
        policy_document=json.dumps(document),
        policy_name=f"iamtui-{uuid.uuid4().hex[:8]}",
        tags=[],
    )
    backend.attach_user_policy(policy.arn, user)


def user_key(emulator: Emulator, name: str) -> tuple[str, str]:
    backend = emulator.backend()
    backend.create_user(region_name="us-east-1", user_name=name)
    key = backend.create_access_key(name)
    return key.access_key_id, key.secret_access_key


@dataclass
class Seeded:
    """One seeded account: a reviewed user, the reader's key, and alice as the loader saw her."""

    emulator: Emulator
    reader: tuple[str, str]
    alice: User


def seed(emulator: Emulator) -> Seeded:
    emulator.reset()
    emulator.extras().report_generation_polls = 0
    now = datetime.now(UTC)
    seeder = Seeder(emulator.backend(), emulator.extras(), now)
    managed = seeder.managed_policy("ReadBuckets", S3_READ).arn
    seeder.group("Developers", managed=(managed,))
    seeder.user(
        "alice",
        groups=("Developers",),
        password=True,
        mfa="virtual",
        keys=(KeySpec(now - timedelta(days=100), last_used=now - timedelta(days=3)),),
    )
    seeder.role("app", trust=TRUST_EC2, managed=(managed,), instance_profile=True)
    emulator.backend().create_account_alias("northwind-test")
    # The management account of an organization: every Organizations read is then sent.
    seed_organization(DEFAULT_ACCOUNT_ID, ["210987654321"], features=["RootCredentialsManagement"])
    # An unused-access analyzer with a finding on alice whose recommendation exists already:
    # every Access Analyzer read is then sent (GetFindingRecommendation without generating).
    seeder.analyzer("unused", type="ACCOUNT_UNUSED_ACCESS")
    finding = seeder.analyzer_finding(
        "unused",
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        "UnusedPermission",
        details=[{"unusedPermissionDetails": {"serviceNamespace": "s3"}}],
        recommended_steps=[
            {"unusedPermissionsRecommendedStep": {"recommendedAction": "DETACH_POLICY"}}
        ],
    )
    seeder.analyzer_finding("unused", f"arn:aws:iam::{ACCOUNT}:user/alice", "UnusedIAMUserPassword")
    [state] = emulator.extras().analyzers["us-east-1"]
    [done] = [f for f in state.findings if f.id == finding]
    done.recommendation = RecommendationState(started=now, polls_left=0)
    reader = user_key(emulator, "reader")
    grant(emulator, "reader", permissions.read_only_policy())
    alice = load_account(connection(emulator)).user("alice")
    assert alice is not None
    return Seeded(emulator, reader, alice)


@pytest.fixture(scope="module")
def module_account(emulator_server: Emulator) -> Seeded:
    return seed(emulator_server)


@pytest.fixture
def account(module_account: Seeded) -> Seeded:
    """The module's account, seeded again if another test module reset the emulator since."""
    if "reader" not in module_account.emulator.backend().users:
        return seed(module_account.emulator)
    grant(module_account.emulator, "reader", permissions.read_only_policy())
    return module_account


def read_everything(conn: Connection, alice: User) -> dict[str, str]:
    """Run every read part iamtui has; returns part -> why it is unavailable (empty: all loaded)."""
    failures: dict[str, str] = {}
    snap = load_account(conn)
    failures.update({str(u.part): u.reason for u in snap.unavailable})
    if snap.organization is not None and snap.organization.note:
        # A denied ListAccounts or ListOrganizationsFeatures leaves the rest of the org known.
        failures["organization"] = snap.organization.note
    try:
        # A denied SSH key or certificate listing leaves the rest of the review loaded.
        for denied in load_user_detail(conn, alice).unavailable:
            failures["review"] = denied.reason
    except Exception as exc:
        failures["review"] = describe_failure("iam:unknown", exc).reason
    try:
        load_last_accessed(conn, alice.arn, timeout=10)
    except Exception as exc:
        failures["last-accessed"] = describe_failure("iam:unknown", exc).reason
    # Who uses alice and the role app: CloudTrail, then IAM's last-used reads of each kind.
    for target in (
        UsageTarget.of_user("alice", alice.arn),
        UsageTarget.role("app", f"arn:aws:iam::{ACCOUNT}:role/app"),
    ):
        report = lookup_usage(conn, target, days=1, pacer=Pacer(0))
        why = report.unavailable or report.last_used_note
        if why:
            failures["usage"] = why
    # Due follow-ups re-checked (iamtui journal due): every read a re-check sends, once.
    app = snap.role("app")
    for item in due_follow_ups(alice.user_id, app.role_id if app is not None else None):
        checked = recheck(conn, item, now=datetime.now(UTC), pacer=Pacer(0))
        for line in (*checked.problems, *checked.held):
            if denied := re.search(r"denied: the caller lacks ([\w:]+)", line):
                failures["follow-ups"] = denied.group(0)
    # The review's Access Analyzer section: alice's findings, their details, a recommendation
    # (without ListAnalyzers there is no analyzer to ask: the overview part says why).
    analyzer = snap.access_analyzer.unused_access if snap.access_analyzer else None
    try:
        if analyzer is not None:
            review = read_principal_findings(conn.accessanalyzer, analyzer, alice.arn, lambda: None)
            assert len(review.details) == 2
            for found in review.findings.findings:
                if found.finding_type == "UnusedPermission":
                    assert read_recommendation(
                        conn.accessanalyzer, analyzer.arn, found.finding_id, generate=False
                    )
    except Exception as exc:
        failures["analyzer-review"] = describe_failure("access-analyzer:unknown", exc).reason
    extra = load_root_state(conn, snap)
    for name, probe in (
        ("security_contact", extra.security_contact),
        ("organizations_features", extra.organization),
    ):
        if probe.unavailable is not None:
            failures[name] = probe.unavailable.reason
    return failures


def due_follow_ups(user_id: str, role_id: str | None) -> list[FollowUpItem]:
    """One due follow-up of each kind, on alice and the role app (credential ids need not exist:
    the reads are sent all the same, and a denial is what this counts). The principals' unique
    ids are theirs, so the re-check reads them (GetUser, GetRole) and then every piece of
    evidence."""
    then = datetime.now(UTC) - timedelta(days=40)
    every = tuple(Evidence)
    subjects = (
        (ActionId.KEY_DELETE, KeySubject("alice", "AKIAEXAMPLEFOLLOWUP1")),
        (ActionId.ROLE_DELETE, PrincipalSubject("role", "app")),
        (ActionId.SERVICE_CREDENTIAL_DELETE, ServiceCredentialSubject("alice", "ACCAEXAMPLE")),
        (ActionId.SSH_KEY_DELETE, UploadedCredentialSubject("alice", "ssh-key", "APKAEXAMPLE")),
        (ActionId.CERT_DELETE, UploadedCredentialSubject("alice", "certificate", "CERTEXAMPLE")),
    )
    follow_ups = tuple(
        FollowUp(
            action,
            subject,
            then,
            tuple(e for e in every if _fits(e, subject)),
            "",
            role_id if isinstance(subject, PrincipalSubject) else user_id,
        )
        for action, subject in subjects
    )
    plan = Plan(ActionId.BATCH, "", ACCOUNT, (), (), then, follow_ups=follow_ups)
    entry = Entry("e", then.isoformat(), ACCOUNT, "", "batch", "", plan, end={"status": "x"})
    return [FollowUpItem(entry, i, f, FollowUpState.DUE) for i, f in enumerate(follow_ups)]


def _fits(evidence: Evidence, subject: object) -> bool:
    if isinstance(subject, KeySubject):
        return evidence in (Evidence.KEY_INACTIVE, Evidence.KEY_UNUSED, Evidence.NO_CLOUDTRAIL_USE)
    if isinstance(subject, PrincipalSubject):
        return evidence in (
            Evidence.ROLE_QUARANTINED,
            Evidence.ROLE_UNUSED,
            Evidence.NO_CLOUDTRAIL_USE,
        )
    return evidence is Evidence.CREDENTIAL_INACTIVE


def owners(action: str) -> set[str]:
    """The parts that send ``action``, from the same tables the policy is built from."""
    parts = {str(part) for part, actions in OVERVIEW_ACTIONS.items() if action in actions}
    parts |= {"review"} if action in USER_DETAIL_ACTIONS else set()
    parts |= {"last-accessed"} if action in LAST_ACCESSED_ACTIONS else set()
    parts |= {"usage"} if action in USAGE_ACTIONS else set()
    parts |= {"follow-ups"} if action in RECHECK_READS else set()
    parts |= {"analyzer-review"} if action in ANALYZER_REVIEW_ACTIONS else set()
    parts |= {
        str(part)
        for part, actions in ROOT_STATE_ACTIONS.items()
        if part not in ROOT_ONLY_PARTS and action in actions
    }
    return parts


def test_the_read_only_policy_loads_every_part(account: Seeded) -> None:
    emulator = account.emulator
    conn = connection(emulator, account.reader)
    with emulator.enforced():
        assert read_everything(conn, account.alice) == {}
        snap = load_account(conn)
        detail = load_user_detail(conn, account.alice)
        extra = load_root_state(conn, snap)
    assert detail.access_keys and detail.mfa_devices
    report = evaluate_root(snap, extra, now=datetime.now(UTC))
    assert not [s.id for s in report.steps if s.status is Status.UNKNOWN and "denied" in s.summary]
    assert not [
        s for s in evaluate(snap, now=datetime.now(UTC)).not_evaluated if "denied" in s.reason
    ]


def test_iamtui_scan_runs_with_exactly_the_read_only_policy(account: Seeded) -> None:
    emulator = account.emulator
    key_id, secret = account.reader
    env = {
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_PROFILE": None,
    }
    args = ["scan", "--endpoint-url", emulator.endpoint_url, "--format", "json", "--last-accessed"]
    with emulator.enforced():
        result = CliRunner(env=env).invoke(main, args)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["caller_arn"].endswith(":user/reader")
    assert not [n for n in document["not_evaluated"] if "denied" in n["reason"]]


READ_ONLY = sorted(permissions.actions_of(permissions.read_only_policy()))


@pytest.mark.parametrize("missing", READ_ONLY)
def test_without_one_permission_exactly_its_part_degrades(account: Seeded, missing: str) -> None:
    emulator = account.emulator
    grant(emulator, "reader", permissions.without(permissions.read_only_policy(), missing))
    conn = connection(emulator, account.reader)
    with emulator.enforced():
        failures = read_everything(conn, account.alice)
    reason = f"denied: the caller lacks {missing}"
    assert failures == dict.fromkeys(owners(missing), reason)


def test_the_remediate_policy_with_undo_runs_every_action_and_its_undo(
    emulator_server: Emulator, tmp_path: Path
) -> None:
    emulator = emulator_server
    emulator.reset()
    seed_targets(emulator)
    fixer = user_key(emulator, "fixer")
    grant(emulator, "fixer", permissions.remediate_policy(with_undo=True))
    conn = connection(emulator, fixer)
    with emulator.enforced():
        actor = Actor(conn, Journal(tmp_path / "journal.jsonl"), load_account(conn))
        assert actor.snapshot.unavailable == ()
        everything(actor, emulator)
    assert actor.snapshot.caller is not None
    assert actor.snapshot.caller.arn.endswith(":user/fixer")
    assert {a.value for a in actor.sent} == {
        a.value for actions in permissions.ACTION_GROUPS.values() for a in actions
    } - {"root.deactivate-key"}  # signed as root: see NOT_PROVEN_BY_MOTO


@pytest.mark.parametrize(
    "missing",
    ["iam:UpdateAccessKey", "account:PutAlternateContact", "sts:AssumeRoot"],
)
def test_without_a_write_permission_the_action_is_refused_naming_it(
    emulator_server: Emulator, tmp_path: Path, missing: str
) -> None:
    """The proof above is not vacuous: enforcement refuses what the policy lacks, and iamtui
    says which permission (at plan time for AssumeRoot, at the step for the others)."""
    from iamtui.core.actions import ActionRefused, Executor, Planner, Request
    from iamtui.emulator.fidelity.organizations import seed_organization
    from iamtui.emulator.fidelity.root import give_root_key

    emulator = emulator_server
    emulator.reset()
    emulator.extras().report_generation_polls = 0
    seeder = Seeder(emulator.backend(), emulator.extras(), datetime.now(UTC))
    seeder.user("bob", keys=(KeySpec(datetime.now(UTC) - timedelta(days=90)),))
    seed_organization(ACCOUNT, ["222222222222"], features=["RootSessions"])
    give_root_key("222222222222", datetime.now(UTC))
    fixer = user_key(emulator, "fixer")
    grant(emulator, "fixer", permissions.without(permissions.remediate_policy(), missing))
    conn = connection(emulator, fixer)
    (key,) = [k.access_key_id for k in emulator.backend().users["bob"].access_keys]
    request = {
        "iam:UpdateAccessKey": Request.deactivate_key("bob", key),
        "account:PutAlternateContact": Request.set_security_contact(
            "Sec", "Ops", "sec@acme.example", "+1 555 0100"
        ),
        "sts:AssumeRoot": Request.delete_root_key(account="222222222222"),
    }[missing]
    with emulator.enforced():
        planner = Planner(conn, load_account(conn))
        if missing == "sts:AssumeRoot":
            with pytest.raises(ActionRefused, match=r"AccessDenied.*sts:AssumeRoot"):
                planner.plan(request)
            return
        plan = planner.plan(request)
        report = Executor(conn, Journal(tmp_path / "j.jsonl"), sleep=lambda _: None).run(
            plan.confirm()
        )
    assert report.status == "failed" and report.code in ("AccessDenied", "AccessDeniedException")
    assert missing in report.reason


def test_generating_a_recommendation_needs_the_remediate_policy(account: Seeded) -> None:
    """GenerateFindingRecommendation is Write level: the read-only policy is refused it (and
    says so), the remediate policy allows it."""
    emulator = account.emulator
    [state] = emulator.extras().analyzers["us-east-1"]
    fresh = Seeder(emulator.backend(), emulator.extras(), datetime.now(UTC)).analyzer_finding(
        "unused",
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        "UnusedPermission",
        recommended_steps=[
            {"unusedPermissionsRecommendedStep": {"recommendedAction": "DETACH_POLICY"}}
        ],
    )
    conn = connection(emulator, account.reader)
    arn = f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/{state.name}"
    try:
        with emulator.enforced():
            with pytest.raises(ClientError) as denied:
                read_recommendation(conn.accessanalyzer, arn, fresh, sleep=lambda _: None)
            assert describe_failure(
                "access-analyzer:GenerateFindingRecommendation", denied.value
            ).reason == ("denied: the caller lacks access-analyzer:GenerateFindingRecommendation")
            grant(emulator, "reader", permissions.remediate_policy())
            got = read_recommendation(conn.accessanalyzer, arn, fresh, sleep=lambda _: None)
    finally:
        grant(emulator, "reader", permissions.read_only_policy())
        state.findings = [f for f in state.findings if f.id != fresh]
    assert got is not None and got.status == "SUCCEEDED"


def test_the_limits_are_stated() -> None:
    assert all(reason for reason in NOT_PROVEN_BY_MOTO.values())
    assert set(permissions.NO_PERMISSION_NEEDED) <= set(NOT_PROVEN_BY_MOTO)


def test_without_undo_the_remediate_policy_acts_but_cannot_undo(
    emulator_server: Emulator, tmp_path: Path
) -> None:
    """Undo-only grants (here AddUserToGroup) come only with --with-undo."""
    from iamtui.core.actions import Executor, Planner, Request

    emulator = emulator_server
    emulator.reset()
    emulator.extras().report_generation_polls = 0
    seeder = Seeder(emulator.backend(), emulator.extras(), datetime.now(UTC))
    seeder.group("Team")
    seeder.user("bob", groups=("Team",))
    fixer = user_key(emulator, "fixer")
    grant(emulator, "fixer", permissions.remediate_policy())
    conn = connection(emulator, fixer)
    journal = Journal(tmp_path / "j.jsonl")
    with emulator.enforced():
        planner = Planner(conn, load_account(conn))
        executor = Executor(conn, journal, sleep=lambda _: None)
        report = executor.run(planner.plan(Request.remove_from_group("bob", "Team")).confirm())
        assert report.status == "completed", report.message()
        assert report.entry_id is not None
        undo = executor.run(planner.undo(journal.entry(report.entry_id)).confirm())
    assert undo.status == "failed" and "iam:AddUserToGroup" in undo.reason
