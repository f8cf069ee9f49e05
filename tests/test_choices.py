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
    UploadedCredentialSubject,
)
from iamtui.core.views.table import Row, RowKind
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


def test_menu_only_actions_are_offered_by_their_findings() -> None:
    """group.delete, mfa.delete-virtual and server-cert.delete have no key: the finding's
    menu (x) offers them all the same."""
    from builders import group, server_certificate

    from iamtui.core.subjects import GroupSubject, ServerCertificateSubject

    cert = server_certificate("shop", expires=10)
    snap = snapshot(groups=[group("Old")], server_certificates=[cert])
    expired = one(run(snap, "server-cert.expired"))
    [choice] = finding_choices(expired, [expired])
    assert choice.binding == "" and choice.action is ActionId.SERVER_CERT_DELETE
    assert [r.subject for r in choice.requests] == [
        ServerCertificateSubject("shop", cert.certificate_id)
    ]
    assert "irreversible" in choice.help
    empty = one(run(snap, "group.empty"))
    [choice] = finding_choices(empty, [empty])
    assert (choice.action, choice.requests[0].subject) == (
        ActionId.GROUP_DELETE,
        GroupSubject("Old"),
    )


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


def test_trust_edits_are_alternatives_a_key_offers_as_a_menu() -> None:
    """Each trust edit a finding offers is its own choice (never one batch of all of them), T
    picks among them, and a value-less edit gets its typed value before planning."""
    from builders import role, trust

    from iamtui.core.subjects import TrustEdit, TrustSubject
    from iamtui.ui.choices import (
        batch_choices,
        for_binding,
        trust_value_edit,
        with_trust_value,
    )

    foreign = "arn:aws:iam::111122223333:root"
    partner = role("partner", trust_policy=trust({"AWS": [foreign, "123456789012"]}))
    other = role("other", trust_policy=trust({"AWS": foreign}))
    findings = run(snapshot(roles=[partner, other]), "role.cross-account-trust")
    finding = next(f for f in findings if f.principal_name == "partner")
    choices = finding_choices(finding, findings)
    trust_choices = [c for c in choices if c.action is ActionId.ROLE_UPDATE_TRUST]
    assert [c.title.split(" · ")[0] for c in trust_choices] == [
        f"Edit trust: remove principal {foreign} from statement 1",
        "Edit trust: require sts:ExternalId = … in statement 1",
    ]
    assert all(len(c.requests) == 1 and c.selection is None for c in trust_choices)
    assert for_binding(choices, "role-update-trust") == trust_choices
    assert for_binding(choices, "role-quarantine") == [
        next(c for c in choices if c.action is ActionId.ROLE_QUARANTINE)
    ]
    assert trust_value_edit(trust_choices[0]) is None
    edit = trust_value_edit(trust_choices[1])
    assert edit == TrustEdit("external-id", 0)
    filled = with_trust_value(trust_choices[1], " partner-1 ")
    assert trust_value_edit(filled) is None
    assert filled.requests == (
        Request.update_trust("partner", TrustEdit("external-id", 0, value="partner-1")),
    )
    assert isinstance(filled.requests[0].subject, TrustSubject)
    # Marked trust findings batch no trust edit: each needs its own pick (and maybe a value).
    rows = [(row_of(f), finding_choices(f, [])) for f in findings]
    assert all(c.action is not ActionId.ROLE_UPDATE_TRUST for c in batch_choices(rows))


def row_of(finding: Finding) -> Row:
    """A findings-pane row for a finding (what batch_choices reads of it)."""
    return Row(finding.id, RowKind.FINDING, (finding.principal_name,), data=finding)


def test_a_fetched_users_ssh_keys_and_certificates_are_choices_on_the_user() -> None:
    detail = PrincipalDetail(
        ALICE.arn,
        NOW,
        ssh_public_keys=(SshPublicKey("APKAON", "Active", NOW),),
        signing_certificates=(SigningCertificate("CERTOFF", "Inactive", NOW),),
    )
    before = [c.action for c in user_choices(ALICE, None)]
    # Right-sizing is offered without last-accessed data too: its key says what is missing.
    assert before == [
        ActionId.USER_DISABLE_CONSOLE,
        ActionId.PRINCIPAL_RIGHTSIZE,
        ActionId.USER_DELETE,
    ]
    (rightsize,) = [c for c in user_choices(ALICE, None) if c.needs]
    assert rightsize.action is ActionId.PRINCIPAL_RIGHTSIZE and not rightsize.refused
    assert rightsize.needs == "right-sizing needs last-accessed data"
    choices = user_choices(ALICE, None, detail=detail)
    assert [(c.action, c.requests[0].subject) for c in choices[1:-2]] == [
        (ActionId.SSH_KEY_DEACTIVATE, UploadedCredentialSubject("alice", "ssh-key", "APKAON")),
        (ActionId.SSH_KEY_DELETE, UploadedCredentialSubject("alice", "ssh-key", "APKAON")),
        (ActionId.CERT_ACTIVATE, UploadedCredentialSubject("alice", "certificate", "CERTOFF")),
        (ActionId.CERT_DELETE, UploadedCredentialSubject("alice", "certificate", "CERTOFF")),
    ]
    assert (
        choices[4].title
        == "Delete inactive signing certificate CERTOFF (undo re-uploads it, new id)"
    )
    assert all(c.help for c in choices)
    assert {c.binding for c in choices[1:-2]} == {""}  # several may be held: menu only


def test_a_certificate_finding_offers_its_fixes_on_the_access_key_keys() -> None:
    snap = snapshot(users=[ALICE], rows=[replace(row(ALICE), cert_1=ReportCert(True, ago(10)))])
    choices = finding_choices(one(run(snap, "cert.signing-active")), [])
    assert [(c.action, c.binding) for c in choices] == [
        (ActionId.CERT_DEACTIVATE, "key-deactivate"),
        (ActionId.CERT_DELETE, "key-delete"),
    ]
    assert choices[0].title == "Deactivate · alice (cert.signing-active)"


def test_a_grant_finding_offers_one_choice_running_each_fix_own_action() -> None:
    """The fixes name what runs (detach, delete inline, leave the group); the menu still offers
    them as one choice, so ``X`` removes every source of the grant in one plan."""
    from builders import ADMIN_DOCUMENT

    from iamtui.core.subjects import InlinePolicySubject

    carol = user("carol", attached=[ADMIN_ARN], inline={"all": ADMIN_DOCUMENT}, groups=["Ops"])
    snap = snapshot(users=[carol], groups=[group("Ops", attached=[ADMIN_ARN])])
    finding = one(run(snap, "policy.admin-access"))
    assert finding.actions == (
        ActionId.POLICY_DETACH,
        ActionId.POLICY_DELETE_INLINE,
        ActionId.GROUP_REMOVE_USER,
    )
    [choice] = finding_choices(finding, [finding])
    assert choice.binding == "policy-remove"
    assert [(r.action, r.subject) for r in choice.requests] == [
        (ActionId.POLICY_DETACH, AttachmentSubject("user", "carol", ADMIN_ARN)),
        (ActionId.POLICY_DELETE_INLINE, InlinePolicySubject("user", "carol", "all")),
        (ActionId.GROUP_REMOVE_USER, MembershipSubject("carol", "Ops")),
    ]
    assert choice.title.startswith("Detach / Delete inline / Remove from group · carol")
