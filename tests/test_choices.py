"""Finding choices come from the finding's typed fixes: never from its evidence or summary."""

from __future__ import annotations

from dataclasses import replace

from builders import (
    ADMIN_ARN,
    ago,
    group,
    key,
    keys_detail,
    managed,
    row,
    run,
    snapshot,
    user,
)
from conftest import NOW

from iamtui.core.actions import ActionId, Request
from iamtui.core.findings import Finding
from iamtui.core.model import (
    AccountSummary,
    PrincipalDetail,
    ReportCert,
    SigningCertificate,
    SshPublicKey,
)
from iamtui.core.subjects import (
    AttachmentSubject,
    KeySubject,
    MembershipSubject,
    UserCredentialSubject,
)
from iamtui.ui.choices import finding_choices, finding_subjects, plannable, user_choices

ALICE = user("alice")


def one(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [f.summary for f in findings]
    return findings[0]


def inactive_alice(*, detail: bool) -> Finding:
    snap = snapshot(
        users=[ALICE],
        rows=[row(ALICE, key1=key(used=150, rotated=300), key2=key(used=200, rotated=250))],
    )
    if detail:
        snap = replace(snap, details={ALICE.arn: keys_detail(ALICE, 300, 250)})
    return one(run(snap, "user.inactive"))


def test_a_user_findings_key_fix_is_one_request_per_key_by_slot() -> None:
    finding = inactive_alice(detail=False)
    requests = finding_subjects(finding, ActionId.KEY_DEACTIVATE)
    assert [r.subject for r in requests] == [
        KeySubject("alice", slot=1),
        KeySubject("alice", slot=2),
    ]
    assert [r.label for r in requests] == [
        "key.deactivate user alice key 1",
        "key.deactivate user alice key 2",
    ]


def test_a_key_fix_with_its_key_id_is_a_request() -> None:
    requests = finding_subjects(inactive_alice(detail=True), ActionId.KEY_DEACTIVATE)
    assert [r.subject for r in requests] == [
        KeySubject("alice", "AKIAALICE1", 1),
        KeySubject("alice", "AKIAALICE2", 2),
    ]
    assert all(isinstance(r, Request) for r in requests)


def test_two_active_keys_offers_only_the_less_recently_used() -> None:
    snap = snapshot(
        users=[ALICE],
        rows=[row(ALICE, key1=key(used=1, rotated=100), key2=key(used=None, rotated=20))],
    )
    [request] = finding_subjects(one(run(snap, "access-key.two-active")), ActionId.KEY_DEACTIVATE)
    assert request.subject == KeySubject("alice", slot=2)


def test_a_policy_finding_is_planned_from_the_finding() -> None:
    carol = user("carol", attached=[ADMIN_ARN], groups=["Ops"])
    snap = snapshot(users=[carol], groups=[group("Ops", attached=[ADMIN_ARN])])
    finding = one(run(snap, "policy.admin-access"))
    requests = finding_subjects(finding, ActionId.POLICY_DETACH)
    assert [(r.action, r.subject) for r in requests] == [
        (ActionId.POLICY_DETACH, AttachmentSubject("user", "carol", ADMIN_ARN)),
        (ActionId.GROUP_REMOVE_USER, MembershipSubject("carol", "Ops")),
    ]
    assert finding_subjects(finding, ActionId.KEY_DEACTIVATE) == []


def test_plannable_actions_are_the_bound_ones_of_the_fixes() -> None:
    finding = inactive_alice(detail=False)
    assert plannable(finding) == [
        ActionId.KEY_DEACTIVATE,
        ActionId.USER_DELETE,
    ]  # no console password in the report row: no user.disable-console fix
    root = one(
        run(
            snapshot(summary=AccountSummary(mfa_enabled=False, access_keys_present=False)),
            "root.no-mfa",
        )
    )
    assert root.actions == (ActionId.ROOT_HARDEN,) and plannable(root) == []


def test_choices_are_the_same_without_evidence() -> None:
    findings = [
        inactive_alice(detail=False),
        one(run(snapshot(policies=[managed("Orphan", attachments=0)]), "policy.unattached")),
        one(run(snapshot(users=[user("dan", attached=[ADMIN_ARN])]), "user.direct-policies")),
    ]
    offered = 0
    for finding in findings:
        bare = replace(finding, evidence={})
        choices = finding_choices(finding, [finding])
        offered += len(choices)
        stripped = finding_choices(bare, [bare])
        assert [(c.action, c.title) for c in choices] == [(c.action, c.title) for c in stripped]
        assert [r for c in choices for r in c.requests] == [r for c in stripped for r in c.requests]
    assert offered >= 3


def test_a_grant_fix_is_titled_by_what_it_runs() -> None:
    """An admin grant through a group is removed by leaving the group: the menu says so."""
    carol = user("carol", groups=["Ops"])
    snap = snapshot(users=[carol], groups=[group("Ops", attached=[ADMIN_ARN])])
    [choice] = finding_choices(one(run(snap, "policy.admin-access")), [])
    assert choice.title.startswith("Remove from group · carol")
    assert choice.help == "RemoveUserFromGroup · undoable"
    assert [r.action for r in choice.requests] == [ActionId.GROUP_REMOVE_USER]
    dan = user("dan", attached=[ADMIN_ARN], groups=["Ops"])
    snap = snapshot(users=[dan], groups=[group("Ops", attached=[ADMIN_ARN])])
    [both] = finding_choices(one(run(snap, "policy.admin-access")), [])
    assert both.title.startswith("Detach / Remove from group · dan")


def test_a_fetched_users_ssh_keys_and_certificates_are_choices_on_the_user() -> None:
    detail = PrincipalDetail(
        ALICE.arn,
        NOW,
        ssh_public_keys=(SshPublicKey("APKAON", "Active", NOW),),
        signing_certificates=(SigningCertificate("CERTOFF", "Inactive", NOW),),
    )
    before = [c.action for c in user_choices(ALICE, None)]
    assert before == [ActionId.USER_DISABLE_CONSOLE, ActionId.USER_DELETE]
    choices = user_choices(ALICE, None, detail=detail)
    assert [(c.action, c.requests[0].subject) for c in choices[1:-1]] == [
        (ActionId.SSH_KEY_DEACTIVATE, UserCredentialSubject("alice", "ssh-key", "APKAON")),
        (ActionId.SSH_KEY_DELETE, UserCredentialSubject("alice", "ssh-key", "APKAON")),
        (ActionId.CERT_ACTIVATE, UserCredentialSubject("alice", "certificate", "CERTOFF")),
        (ActionId.CERT_DELETE, UserCredentialSubject("alice", "certificate", "CERTOFF")),
    ]
    assert (
        choices[4].title
        == "Delete inactive signing certificate CERTOFF (undo re-uploads it, new id)"
    )
    assert all(c.help for c in choices)
    assert {c.binding for c in choices[1:-1]} == {""}  # several may be held: menu only


def test_a_certificate_finding_offers_its_fixes_on_the_access_key_keys() -> None:
    snap = snapshot(users=[ALICE], rows=[replace(row(ALICE), cert_1=ReportCert(True, ago(10)))])
    choices = finding_choices(one(run(snap, "cert.signing-active")), [])
    assert [(c.action, c.binding) for c in choices] == [
        (ActionId.CERT_DEACTIVATE, "key-deactivate"),
        (ActionId.CERT_DELETE, "key-delete"),
    ]
    assert choices[0].title == "Deactivate · alice (cert.signing-active)"
