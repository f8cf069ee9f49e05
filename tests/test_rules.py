"""Every rule: when it fires, when it must not (the traps), and when it cannot be evaluated."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from builders import (
    ACCOUNT,
    ADMIN_ARN,
    ADMIN_DOCUMENT,
    NO_KEY,
    OTHER_ACCOUNT,
    READONLY_ARN,
    ago,
    arn,
    evaluate_rule,
    group,
    key,
    keys_detail,
    managed,
    not_evaluated,
    role,
    root_row,
    row,
    run,
    services,
    snapshot,
    trust,
    user,
    without_root_row,
)
from conftest import NOW

from iamtui.core import findings as engine
from iamtui.core.findings import (
    Finding,
    KeyRef,
    PrincipalKind,
    Severity,
    report_value,
    rule,
)
from iamtui.core.ids import ActionId
from iamtui.core.model import (
    AccountSummary,
    IdentityProvider,
    IdentityProviderKind,
    InstanceProfile,
    Missing,
    Organization,
    Part,
    PasswordPolicy,
    PrincipalDetail,
    ReportCert,
    Role,
    SshPublicKey,
    Unavailable,
    VirtualMfaDevice,
)
from iamtui.core.rules import ALL_RULES, RULE_IDS, evaluate
from iamtui.core.settings import Settings, Suppression, Thresholds
from iamtui.core.subjects import (
    AccountSubject,
    AttachmentSubject,
    Fix,
    IdentityProviderSubject,
    InlinePolicySubject,
    InstanceProfileSubject,
    KeySubject,
    MembershipSubject,
    PolicySubject,
    PrincipalSubject,
    RootKeySubject,
    TrustEdit,
    TrustSubject,
    UploadedCredentialSubject,
)

ALICE = user("alice")


def one(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [f.summary for f in findings]
    return findings[0]


def with_keys(*, key1: Any = NO_KEY, key2: Any = NO_KEY, of: Any = ALICE, **kw: Any) -> Any:
    return snapshot(users=[of], rows=[row(of, key1=key1, key2=key2, **kw)])


# --- registry & engine -----------------------------------------------------------------------


def test_rule_ids_are_unique() -> None:
    """Ids are a public interface, kept equal to README's list by tests/test_docs.py."""
    assert len(ALL_RULES) == len(RULE_IDS)


def test_every_rule_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).parent.parent / "docs" / "rules.md").read_text()
    for r in ALL_RULES:
        assert f"`{r.id}`" in doc
        assert r.practice.name and r.practice.description.endswith(".")


def test_severity_is_ordered_and_named() -> None:
    assert Severity.INFO < Severity.LOW < Severity.MEDIUM < Severity.HIGH < Severity.CRITICAL
    assert str(Severity.HIGH) == "high"
    assert Severity.parse(" Critical ") is Severity.CRITICAL
    with pytest.raises(ValueError, match="expected one of: info, low"):
        Severity.parse("severe")


def test_healthy_account_has_only_informational_findings() -> None:
    """No false positives on a well-run account: the base every trap test builds on."""
    bob = user("bob", groups=["Developers"])
    snap = snapshot(
        users=[bob],
        rows=[
            row(
                bob,
                password=True,
                password_used=1,
                password_changed=200,
                mfa=True,
                key1=key(rotated=30, used=1),
            )
        ],
        groups=[group("Developers", attached=[READONLY_ARN])],
        roles=[
            role("app", last_used=2),
            role("AWSServiceRoleForSupport", path="/aws-service-role/"),
            # CIS 1.17: a well-run account has a role that may open support cases
            role("support", attached=["arn:aws:iam::aws:policy/AWSSupportAccess"]),
        ],
        policies=[managed("ReadOnlyAccess", aws=True, attachments=1)],
    )
    result = evaluate(snap, now=NOW)
    assert [f.rule for f in result.findings] == ["user.long-term-credentials"]
    # Both need per-principal data the overview never loads (they say so, not "all clear").
    assert [s.rule.id for s in result.not_evaluated] == [
        "permissions.unused-services",
        "ssh-key.rotation-due",
    ]
    assert all(c.complete for c in result.coverage)


def test_findings_sorted_by_severity_then_rule_and_carry_rule_metadata() -> None:
    snap = snapshot(
        users=[ALICE],
        rows=[row(ALICE, password=True, password_used=1, key1=key(used=200, rotated=300))],
        summary=AccountSummary(mfa_enabled=False, access_keys_present=False),
    )
    findings = evaluate(snap, now=NOW).findings
    severities = [f.severity for f in findings]
    assert severities == sorted(severities, reverse=True)
    assert findings[0].rule == "root.no-mfa"
    unused = next(f for f in findings if f.rule == "access-key.unused")
    assert unused.practice.name == "Remove unused credentials"
    assert unused.severity is Severity.MEDIUM


def test_finding_id_is_rule_principal_and_key_slot() -> None:
    finding = one(run(with_keys(key2=key(used=200, rotated=300)), "access-key.unused"))
    assert finding.id == f"access-key.unused:{ALICE.arn}:2"
    policy = one(run(snapshot(policies=[managed("Orphan", attachments=0)]), "policy.unattached"))
    assert policy.id == f"policy.unattached:arn:aws:iam::{ACCOUNT}:policy/Orphan"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(snapshot(), now=NOW.replace(tzinfo=None))


def test_a_failing_rule_is_not_evaluated_and_others_still_run() -> None:
    @rule("test.broken", "Broken", practice=ALL_RULES[0].practice, severity=Severity.LOW)
    def broken(ctx: Any) -> Any:
        raise KeyError("surprise")

    result = engine.evaluate(snapshot(), now=NOW, rules=[broken, *ALL_RULES[:1]])
    assert [s.rule.id for s in result.not_evaluated] == ["test.broken"]
    assert "rule failed: KeyError" in result.not_evaluated[0].reason
    assert [r.id for r in result.evaluated] == [ALL_RULES[0].id]


# --- not evaluated ---------------------------------------------------------------------------

REPORT_RULES = [
    "access-key.unused",
    "access-key.never-used",
    "access-key.rotation-due",
    "access-key.two-active",
    "access-key.inactive",
    "user.console-without-mfa",
    "user.password-unused",
    "user.inactive",
    "user.long-term-credentials",
    "root.recently-used",
]


@pytest.mark.parametrize("rule_id", REPORT_RULES)
def test_report_rules_not_evaluated_when_report_unavailable(rule_id: str) -> None:
    gone = Unavailable(Part.CREDENTIAL_REPORT, "report is being generated", "ReportInProgress")
    snap = replace(snapshot(users=[ALICE], report=False), unavailable=(gone,))
    reason = not_evaluated(snap, rule_id)
    assert reason == "credential report unavailable (ReportInProgress): report is being generated"


@pytest.mark.parametrize("rule_id", REPORT_RULES)
def test_report_rules_not_evaluated_when_no_report_loaded(rule_id: str) -> None:
    assert (
        not_evaluated(snapshot(users=[ALICE], report=False), rule_id)
        == "credential report not loaded"
    )


@pytest.mark.parametrize(
    "rule_id",
    [
        "access-key.unused",
        "user.direct-policies",
        "role.unused",
        "role.cross-account-trust",
        "role.public-trust",
        "policy.admin-access",
        "policy.unattached",
    ],
)
def test_rules_not_evaluated_without_authorization_details(rule_id: str) -> None:
    gone = Unavailable(Part.AUTHORIZATION_DETAILS, "not authorized", "AccessDenied")
    snap = snapshot(users=[ALICE], unavailable=[gone])
    assert not_evaluated(snap, rule_id).startswith(
        "authorization details unavailable (AccessDenied)"
    )


def test_evaluation_lists_every_rule_once() -> None:
    result = evaluate(snapshot(users=[ALICE]), now=NOW)
    ids = [r.id for r in result.evaluated] + [s.rule.id for s in result.not_evaluated]
    assert sorted(ids) == sorted(RULE_IDS)


# --- report rows that no longer describe a live user -----------------------------------------


def test_report_row_of_deleted_user_is_skipped() -> None:
    ghost = user("ghost")
    snap = snapshot(users=[ALICE], rows=[row(ALICE), row(ghost, key1=key(used=300, rotated=400))])
    for rule_id in ("access-key.unused", "access-key.rotation-due", "user.inactive"):
        assert all(f.principal_name != "ghost" for f in run(snap, rule_id))


def test_report_row_of_user_recreated_since_is_skipped() -> None:
    reborn = user("bob", created=1)
    old_row = row(reborn, key1=key(used=300, rotated=400), created=ago(900))
    assert run(snapshot(users=[reborn], rows=[old_row]), "access-key.unused") == []


def test_coverage_counts_users_created_after_the_report() -> None:
    newcomer = user("newcomer", created=0.01)
    result = evaluate_rule(
        snapshot(users=[ALICE, newcomer], rows=[row(ALICE)]), "access-key.unused"
    )
    (seen,) = result.coverage
    assert (seen.covered, seen.total, seen.complete) == (1, 2, False)
    assert str(seen) == "1 of 2 users in the credential report"


# --- access keys -----------------------------------------------------------------------------


def test_unused_key_fires_with_evidence_and_actions() -> None:
    finding = one(
        run(with_keys(key1=key(used=213, rotated=400, region="eu-west-1")), "access-key.unused")
    )
    assert finding.summary == "access key 1 unused for 7 months"
    assert finding.principal_kind is PrincipalKind.USER
    assert (finding.principal_arn, finding.principal_name) == (ALICE.arn, "alice")
    assert finding.key == KeyRef(1, None)
    assert finding.actions == (ActionId.KEY_DEACTIVATE, ActionId.KEY_DELETE)
    slot_1 = KeySubject("alice", None, 1)
    assert finding.fixes == (
        Fix(ActionId.KEY_DEACTIVATE, slot_1),
        Fix(ActionId.KEY_DELETE, slot_1),
    )
    assert finding.evidence["last_used"] == "2025-10-31T12:00:00Z"
    assert finding.evidence["last_used_region"] == "eu-west-1"
    assert finding.evidence["threshold_days"] == 90


@pytest.mark.parametrize(
    ("slot", "why"),
    [
        (key(used=10, rotated=400), "recently used"),
        (key(used=None, rotated=400), "never used: access-key.never-used reports it"),
        (key(active=False, used=300, rotated=400), "inactive"),
        (key(used=Missing.NO_INFORMATION, rotated=400), "no_information is not a date"),
        (key(used=Missing.NOT_SUPPORTED, rotated=400), "not_supported is not a date"),
    ],
)
def test_unused_key_does_not_fire(slot: Any, why: str) -> None:
    assert run(with_keys(key1=slot), "access-key.unused") == [], why


def test_unused_key_threshold_is_a_setting() -> None:
    snap = with_keys(key1=key(used=50, rotated=400))
    assert run(snap, "access-key.unused") == []
    strict = Settings(thresholds=Thresholds(key_unused_days=45))
    assert one(run(snap, "access-key.unused", strict)).evidence["threshold_days"] == 45


def test_never_used_key_fires_after_grace_and_not_twice() -> None:
    snap = with_keys(key1=key(used=None, rotated=30))
    finding = one(run(snap, "access-key.never-used"))
    assert finding.summary == "access key 1 never used, created a month ago"
    assert finding.evidence["last_used"] == "N/A"
    assert run(snap, "access-key.unused") == []


def test_fresh_never_used_key_is_not_flagged() -> None:
    assert run(with_keys(key1=key(used=None, rotated=2)), "access-key.never-used") == []


def test_freshly_rotated_key_next_to_old_used_key_is_not_flagged() -> None:
    snap = with_keys(key1=key(used=1, rotated=400), key2=key(used=None, rotated=1))
    assert run(snap, "access-key.never-used") == []


@pytest.mark.parametrize("used", [Missing.NO_INFORMATION, Missing.NOT_SUPPORTED])
def test_never_used_needs_the_reports_na(used: Missing) -> None:
    assert run(with_keys(key1=key(used=used, rotated=400)), "access-key.never-used") == []


def test_never_used_key_older_than_tracking_says_so() -> None:
    finding = one(run(with_keys(key1=key(used=None, rotated=4100)), "access-key.never-used"))
    assert "before 2015-04-22" in finding.summary


def test_rotation_due() -> None:
    finding = one(run(with_keys(key1=key(rotated=120, used=1)), "access-key.rotation-due"))
    assert finding.summary == "access key 1 not rotated for 4 months"
    assert finding.actions == (ActionId.KEY_ROTATE,)
    assert finding.fixes == (Fix(ActionId.KEY_ROTATE, KeySubject("alice", None, 1)),)
    assert finding.evidence["last_rotated"] == "2026-02-01T12:00:00Z"


@pytest.mark.parametrize(
    "slot",
    [key(rotated=60), key(active=False, rotated=400), key(rotated=Missing.NOT_SUPPORTED)],
)
def test_rotation_not_due(slot: Any) -> None:
    assert run(with_keys(key1=slot), "access-key.rotation-due") == []


def test_two_active_keys_names_the_less_recently_used() -> None:
    snap = with_keys(key1=key(used=1, rotated=100), key2=key(used=None, rotated=20))
    finding = one(run(snap, "access-key.two-active"))
    assert finding.key is None
    assert finding.evidence["less_recently_used_slot"] == 2
    assert finding.summary == "2 active access keys; key 2 is the less recently used (never used)"
    assert finding.actions == (ActionId.KEY_DEACTIVATE,)
    assert finding.fixes == (Fix(ActionId.KEY_DEACTIVATE, KeySubject("alice", None, 2)),)


def test_two_active_keys_fix_names_the_key_id_when_matched() -> None:
    snap = replace(
        with_keys(key1=key(used=1, rotated=100), key2=key(used=None, rotated=20)),
        details={ALICE.arn: keys_detail(ALICE, 100, 20)},
    )
    finding = one(run(snap, "access-key.two-active"))
    assert finding.fixes == (Fix(ActionId.KEY_DEACTIVATE, KeySubject("alice", "AKIAALICE2", 2)),)


def test_one_active_one_inactive_key_is_not_two_active() -> None:
    snap = with_keys(key1=key(used=1), key2=key(active=False, rotated=200))
    assert run(snap, "access-key.two-active") == []


def test_inactive_key_present() -> None:
    finding = one(
        run(with_keys(key2=key(active=False, rotated=150, used=140)), "access-key.inactive")
    )
    assert finding.key == KeyRef(2, None)
    assert finding.actions == (ActionId.KEY_DELETE,)
    assert finding.fixes == (Fix(ActionId.KEY_DELETE, KeySubject("alice", None, 2)),)
    assert finding.summary == "inactive access key 2 still present (created 5 months ago)"


def test_empty_key_slot_is_not_an_inactive_key() -> None:
    assert run(with_keys(key1=key(used=1)), "access-key.inactive") == []


def test_key_id_matched_by_creation_date() -> None:
    detail = keys_detail(ALICE, 400, 200)
    snap = replace(
        with_keys(key1=key(rotated=400, used=300), key2=key(rotated=200, used=150)),
        details={ALICE.arn: detail},
    )
    findings = run(snap, "access-key.unused")
    found = {f.key.slot: f.key.key_id for f in findings if f.key}
    assert found == {1: "AKIAALICE1", 2: "AKIAALICE2"}
    assert {fix.subject for f in findings for fix in f.fixes} == {
        KeySubject("alice", "AKIAALICE1", 1),
        KeySubject("alice", "AKIAALICE2", 2),
    }


def test_key_id_falls_back_to_creation_order_only_when_counts_agree() -> None:
    # Dates do not match exactly (say, a report rounded differently): rank decides.
    slots = {"key1": key(rotated=400.5, used=300), "key2": key(rotated=200.5, used=150)}
    agree = replace(with_keys(**slots), details={ALICE.arn: keys_detail(ALICE, 400, 200)})
    assert [f.key for f in run(agree, "access-key.unused")] == [
        KeyRef(1, "AKIAALICE1"),
        KeyRef(2, "AKIAALICE2"),
    ]
    # One key deleted since the report: the rank is ambiguous, so no id rather than a wrong one.
    differ = replace(with_keys(**slots), details={ALICE.arn: keys_detail(ALICE, 200)})
    assert [f.key for f in run(differ, "access-key.unused")] == [KeyRef(1, None), KeyRef(2, None)]


def test_key_in_slot_two_alone_matches_the_only_key() -> None:
    snap = replace(
        with_keys(key2=key(rotated=300.5, used=200)), details={ALICE.arn: keys_detail(ALICE, 300)}
    )
    assert one(run(snap, "access-key.unused")).key == KeyRef(2, "AKIAALICE1")


# --- users -----------------------------------------------------------------------------------


def test_console_without_mfa() -> None:
    snap = with_keys(password=True, password_used=3, mfa=False)
    finding = one(run(snap, "user.console-without-mfa"))
    assert finding.severity is Severity.HIGH
    assert finding.actions == (ActionId.USER_DISABLE_CONSOLE,)
    assert finding.fixes == (Fix(ActionId.USER_DISABLE_CONSOLE, PrincipalSubject("user", "alice")),)
    assert finding.evidence["password_last_used"] == "2026-05-29T12:00:00Z"


@pytest.mark.parametrize(
    "kw",
    [
        {"password": True, "password_used": 3, "mfa": True},
        {"password": False, "mfa": False},
        {"password": Missing.NOT_SUPPORTED, "mfa": False},
    ],
)
def test_console_with_mfa_or_without_password_is_fine(kw: dict[str, Any]) -> None:
    assert run(with_keys(**kw), "user.console-without-mfa") == []


def test_password_unused() -> None:
    finding = one(
        run(with_keys(password=True, password_used=100, mfa=True), "user.password-unused")
    )
    assert finding.summary == "console password unused for 3 months"


def test_password_never_used_on_old_enough_user() -> None:
    older = user("older", created=120)
    snap = snapshot(
        users=[older], rows=[row(older, password=True, password_used=Missing.NO_INFORMATION)]
    )
    finding = one(run(snap, "user.password-unused"))
    assert finding.summary == "console password never used, set 4 months ago"
    assert finding.evidence["password_last_used"] == "no_information"


def test_password_not_flagged_for_new_user_or_new_password() -> None:
    new = user("new", created=2)
    old = user("old", created=900)
    rows = [
        row(new, password=True, password_used=Missing.NO_INFORMATION),
        row(old, password=True, password_used=Missing.NO_INFORMATION, password_changed=2),
        row(user("recent", created=900), password=True, password_used=10),
    ]
    snap = snapshot(users=[new, old, user("recent", created=900)], rows=rows)
    assert run(snap, "user.password-unused") == []


def test_user_inactive_when_nothing_used_for_long() -> None:
    snap = with_keys(password=True, password_used=200, key1=key(used=150, rotated=300))
    finding = one(run(snap, "user.inactive"))
    assert finding.summary == "no password or access key used for 5 months"
    assert finding.actions == (
        ActionId.USER_DISABLE_CONSOLE,
        ActionId.KEY_DEACTIVATE,
        ActionId.USER_DELETE,
    )
    assert finding.fixes == (
        Fix(ActionId.USER_DISABLE_CONSOLE, PrincipalSubject("user", "alice")),
        Fix(ActionId.KEY_DEACTIVATE, KeySubject("alice", None, 1)),
        Fix(ActionId.USER_DELETE, PrincipalSubject("user", "alice")),
    )
    assert finding.evidence["last_activity"] == "2026-01-02T12:00:00Z"


def test_user_inactive_offers_each_active_key() -> None:
    snap = replace(
        with_keys(
            key1=key(used=150, rotated=300),
            key2=key(used=200, rotated=250),
        ),
        details={ALICE.arn: keys_detail(ALICE, 300, 250)},
    )
    finding = one(run(snap, "user.inactive"))
    keys = [f.subject for f in finding.fixes if f.action is ActionId.KEY_DEACTIVATE]
    assert keys == [KeySubject("alice", "AKIAALICE1", 1), KeySubject("alice", "AKIAALICE2", 2)]


def test_user_without_any_credential_is_inactive() -> None:
    finding = one(run(snapshot(users=[user("bare", created=120)]), "user.inactive"))
    assert finding.summary == "never signed in or used an access key (created 4 months ago)"
    assert finding.actions == (ActionId.USER_DELETE,)


@pytest.mark.parametrize("slot", ["cert_1", "cert_2"])
def test_user_inactive_with_an_active_signing_certificate_is_not_offered_delete(
    slot: str,
) -> None:
    """The credential report has no last use for certificates: "unused" cannot be concluded."""
    legacy = user("legacy-soap", created=800)
    reported = replace(row(legacy), **{slot: ReportCert(True, ago(30))})
    finding = one(run(snapshot(users=[legacy], rows=[reported]), "user.inactive"))
    assert ActionId.USER_DELETE not in finding.actions
    assert finding.evidence["active_signing_certificates"] == 1
    assert "no last use for certificates" in str(finding.evidence["delete_withheld"])


def test_user_inactive_with_an_inactive_signing_certificate_is_offered_delete() -> None:
    legacy = user("legacy-soap", created=800)
    reported = replace(row(legacy), cert_1=ReportCert(False, ago(30)))
    finding = one(run(snapshot(users=[legacy], rows=[reported]), "user.inactive"))
    assert finding.actions == (ActionId.USER_DELETE,)
    assert "delete_withheld" not in finding.evidence


@pytest.mark.parametrize(
    ("of", "kw"),
    [
        (ALICE, {"password": True, "password_used": 200, "key1": key(used=5, rotated=300)}),
        (user("new", created=2), {}),
        (ALICE, {"key1": key(used=None, rotated=2)}),
    ],
    ids=["key-used-recently", "new-user", "credential-being-set-up"],
)
def test_user_not_inactive(of: Any, kw: dict[str, Any]) -> None:
    assert run(snapshot(users=[of], rows=[row(of, **kw)]), "user.inactive") == []


def test_long_term_credentials_is_informational() -> None:
    finding = one(run(with_keys(key1=key(used=1), key2=key(used=3)), "user.long-term-credentials"))
    assert finding.severity is Severity.INFO
    assert finding.evidence["active_key_slots"] == (1, 2)
    assert finding.actions == ()
    assert run(with_keys(key1=key(active=False, rotated=9)), "user.long-term-credentials") == []


def test_direct_policies() -> None:
    carol = user("carol", attached=[ADMIN_ARN], inline={"s3-read": {}})
    dave = user("dave", groups=["Developers"])
    snap = snapshot(users=[carol, dave], groups=[group("Developers", attached=[READONLY_ARN])])
    finding = one(run(snap, "user.direct-policies"))
    assert finding.principal_name == "carol"
    assert finding.summary == "2 policies attached directly: AdministratorAccess, inline s3-read"
    assert finding.evidence["attached_policies"] == (ADMIN_ARN,)
    assert finding.actions == (ActionId.POLICY_DETACH, ActionId.POLICY_DELETE_INLINE)
    assert finding.fixes == (
        Fix(ActionId.POLICY_DETACH, AttachmentSubject("user", "carol", ADMIN_ARN)),
        Fix(ActionId.POLICY_DELETE_INLINE, InlinePolicySubject("user", "carol", "s3-read")),
    )


# --- roles -----------------------------------------------------------------------------------


def test_role_unused() -> None:
    finding = one(
        run(snapshot(roles=[role("batch", last_used=200, region="ap-south-1")]), "role.unused")
    )
    assert finding.summary == "role unused for 7 months (last in ap-south-1)"
    assert finding.principal_kind is PrincipalKind.ROLE
    assert finding.actions == (ActionId.ROLE_QUARANTINE, ActionId.ROLE_DELETE)
    assert {fix.subject for fix in finding.fixes} == {PrincipalSubject("role", "batch")}


def test_role_never_used_and_old_enough() -> None:
    finding = one(run(snapshot(roles=[role("idle", created=120, last_used=None)]), "role.unused"))
    assert finding.evidence["last_used"] is None
    assert "created 4 months ago" in finding.summary


@pytest.mark.parametrize(
    "r",
    [
        role("fresh", created=2, last_used=None),
        role("elsewhere", last_used=3, region="eu-west-3"),
        role("AWSServiceRoleForECS", path="/aws-service-role/ecs.amazonaws.com/", last_used=None),
        role("AWSReservedSSO_Admin_0123", path="/aws-reserved/sso.amazonaws.com/", last_used=500),
    ],
    ids=["fresh", "used-in-another-region", "service-linked", "identity-center"],
)
def test_role_not_unused(r: Any) -> None:
    assert run(snapshot(roles=[r]), "role.unused") == []


def test_service_role_path_is_an_ordinary_role() -> None:
    assert one(
        run(snapshot(roles=[role("x", path="/service-role/", last_used=300)]), "role.unused")
    )


def other(principal: str = f"arn:aws:iam::{OTHER_ACCOUNT}:root", **condition: Any) -> Any:
    return role("partner", trust_policy=trust({"AWS": principal}, condition or None))


def test_cross_account_trust_without_condition() -> None:
    finding = one(run(snapshot(roles=[other()]), "role.cross-account-trust"))
    assert finding.evidence["accounts"] == (OTHER_ACCOUNT,)
    assert finding.summary.startswith(f"account {OTHER_ACCOUNT} can assume this role without")
    # The only principal of the only statement: require an ExternalId (typed), or quarantine.
    assert finding.actions == (ActionId.ROLE_UPDATE_TRUST, ActionId.ROLE_QUARANTINE)
    assert finding.fixes == (
        Fix(ActionId.ROLE_UPDATE_TRUST, TrustSubject("partner", TrustEdit("external-id", 0))),
        Fix(ActionId.ROLE_QUARANTINE, PrincipalSubject("role", "partner")),
    )


def test_trust_findings_offer_edits_the_planner_accepts() -> None:
    """Remove a principal only where others stay, a statement only where others stay, and a
    condition only where every principal of the statement sends its key."""
    foreign = f"arn:aws:iam::{OTHER_ACCOUNT}:root"
    statements = [
        {"Effect": "Allow", "Principal": {"AWS": [foreign, ACCOUNT]}, "Action": "sts:AssumeRole"},
        {
            "Sid": "Anyone",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sts:AssumeRole",
        },
        {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/"
                          "token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
        },
        {"Effect": "Allow", "Principal": {"AWS": "AROA" + "Q" * 17}, "Action": "sts:AssumeRole"},
    ]  # fmt: skip
    roles = [role("mixed", trust_policy={"Version": "2012-10-17", "Statement": statements})]

    def edits(rule_id: str) -> list[TrustEdit]:
        finding = one(run(snapshot(roles=roles), rule_id))
        return [f.subject.edit for f in finding.fixes if isinstance(f.subject, TrustSubject)]

    assert edits("role.cross-account-trust") == [
        TrustEdit("remove-principal", 0, principal_type="AWS", principal=foreign),
        TrustEdit("external-id", 0),
    ]
    assert edits("role.public-trust") == [
        TrustEdit("remove-statement", 1, "Anyone"),
        TrustEdit("org-id", 1, "Anyone"),
        TrustEdit("github-repo", 2),
        TrustEdit("remove-statement", 2),
    ]
    assert edits("role.stale-trust") == [TrustEdit("remove-statement", 3)]
    protected = role("OrganizationAccountAccessRole", trust_policy=trust({"AWS": foreign}))
    finding = one(run(snapshot(roles=[protected]), "role.cross-account-trust"))
    assert finding.fixes == ()


@pytest.mark.parametrize(
    "r",
    [
        other(StringEquals={"sts:ExternalId": "7f3a9c"}),
        other(ArnLike={"aws:PrincipalArn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/deployer"}),
        other(f"arn:aws:iam::{ACCOUNT}:root"),
        other("AROAEXAMPLEDELETED"),
        role("svc", trust_policy=trust({"Service": "lambda.amazonaws.com"})),
    ],
    ids=["external-id", "principal-arn", "own-account", "deleted-principal", "service"],
)
def test_cross_account_trust_restricted_or_not_cross_account(r: Any) -> None:
    assert run(snapshot(roles=[r]), "role.cross-account-trust") == []


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEqualsIfExists": {"sts:ExternalId": "x"}},
        {"StringLike": {"sts:ExternalId": "*"}},
        {"Null": {"sts:ExternalId": "false"}},
        {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}},
        {"Bool": {"aws:MultiFactorAuthPresent": True}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        {"StringEquals": {"aws:PrincipalOrgPaths": "o-abc123/r-ab12/"}},
        {"StringEquals": {"aws:PrincipalAccount": OTHER_ACCOUNT}},
        {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER_ACCOUNT}:*"}},
    ],
    ids=[
        "if-exists",
        "wildcard",
        "null",
        "negated",
        "mfa-only",
        "org-id",
        "org-paths",
        "same-account",
        "arn-of-whole-account",
    ],
)
@pytest.mark.parametrize("principal", [OTHER_ACCOUNT, f"arn:aws:iam::{OTHER_ACCOUNT}:root"])
def test_conditions_that_do_not_restrict_the_caller(
    condition: dict[str, Any], principal: str
) -> None:
    """Org and account keys are the same for every principal of the trusted account.

    AWS, "The confused deputy problem": sts:ExternalId (or a narrower aws:PrincipalArn) is what
    tells one customer of the other account from another.
    """
    r = role("partner", trust_policy=trust({"AWS": principal}, condition))
    finding = one(run(snapshot(roles=[r]), "role.cross-account-trust"))
    assert finding.evidence["accounts"] == (OTHER_ACCOUNT,)


@pytest.mark.parametrize(
    ("condition", "account"),
    [
        ({"StringEquals": {"aws:PrincipalAccount": OTHER_ACCOUNT}}, OTHER_ACCOUNT),
        ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER_ACCOUNT}:*"}}, OTHER_ACCOUNT),
        ({"StringEquals": {"aws:PrincipalAccount": [OTHER_ACCOUNT, "111122223333"]}}, None),
    ],
    ids=["account", "arn-of-whole-account", "two-accounts"],
)
def test_anyone_pinned_to_another_account_is_cross_account_trust(
    condition: dict[str, Any], account: str | None
) -> None:
    """Principal "*" with aws:PrincipalAccount = OTHER is exactly "trust account OTHER"."""
    snap = snapshot(roles=[role("x", trust_policy=trust(ANYONE, condition))])
    finding = one(run(snap, "role.cross-account-trust"))
    expected = (account,) if account else tuple(sorted((OTHER_ACCOUNT, "111122223333")))
    assert finding.evidence["accounts"] == expected
    assert run(snap, "role.public-trust") == []


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
        {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/deployer"}},
        {"StringEquals": {"aws:PrincipalAccount": OTHER_ACCOUNT, "sts:ExternalId": "7f3a9c"}},
    ],
    ids=["own-account", "narrow-arn", "external-id"],
)
def test_anyone_pinned_to_own_account_or_a_narrow_principal_is_quiet(
    condition: dict[str, Any],
) -> None:
    snap = snapshot(roles=[role("x", trust_policy=trust(ANYONE, condition))])
    assert run(snap, "role.cross-account-trust") == []
    assert run(snap, "role.public-trust") == []


def test_public_trust_is_critical() -> None:
    for principal in ("*", {"AWS": "*"}):
        r = role("open", trust_policy=trust(principal))
        finding = one(run(snapshot(roles=[r]), "role.public-trust"))
        assert finding.severity is Severity.CRITICAL
        assert finding.summary == (
            'anyone can assume this role: Principal "*" without a restricting condition'
        )


@pytest.mark.parametrize(
    ("doc", "public"),
    [
        (trust({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}), False),
        (trust({"AWS": "*"}, {"StringEquals": {"sts:ExternalId": "not-a-secret"}}), True),
        (trust({"AWS": "*"}, {"StringLike": {"aws:PrincipalArn": "*"}}), True),
        (
            {
                "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}},
                    },
                ]
            },
            False,
        ),
        (
            {
                "Statement": {
                    "Effect": "Allow",
                    "NotPrincipal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
                    "Action": "sts:AssumeRole",
                }
            },
            True,
        ),
    ],
    ids=["org-id", "external-id-only", "wildcard-arn", "deny-outside-org", "not-principal"],
)
def test_public_trust_conditions(doc: Any, public: bool) -> None:
    findings = run(snapshot(roles=[role("r", trust_policy=doc)]), "role.public-trust")
    assert bool(findings) is public
    if public and "NotPrincipal" in str(doc):
        expected = f"NotPrincipal allows everyone but arn:aws:iam::{OTHER_ACCOUNT}:root"
        assert findings[0].summary == f"anyone can assume this role: {expected}"


GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def web_identity(provider: str, condition: dict[str, Any] | None = None) -> Any:
    return trust({"Federated": provider}, condition, Action="sts:AssumeRoleWithWebIdentity")


@pytest.mark.parametrize(
    ("doc", "public"),
    [
        (
            web_identity(
                GITHUB,
                {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
            ),
            True,
        ),
        (
            web_identity(
                GITHUB, {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}
            ),
            True,
        ),
        (
            web_identity(
                GITHUB,
                {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}},
            ),
            False,
        ),
        (web_identity("cognito-identity.amazonaws.com"), True),
        (
            web_identity(
                f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
            ),
            False,
        ),
        (
            trust(
                {"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"},
                Action="sts:AssumeRoleWithSAML",
            ),
            False,
        ),
    ],
    ids=["github-aud-only", "github-any-repo", "github-one-repo", "cognito-no-aud", "eks", "saml"],
)
def test_public_trust_through_multi_tenant_identity_providers(doc: Any, public: bool) -> None:
    findings = run(snapshot(roles=[role("ci", trust_policy=doc)]), "role.public-trust")
    assert bool(findings) is public
    if public and "github" in str(doc):
        assert (
            "any token.actions.githubusercontent.com identity (no condition on sub)"
            in findings[0].summary
        )


# --- policies --------------------------------------------------------------------------------


def test_admin_access_via_group_names_the_path() -> None:
    ops = user("ops", groups=["Admins"])
    snap = snapshot(users=[ops], groups=[group("Admins", attached=[ADMIN_ARN])])
    finding = one(run(snap, "policy.admin-access"))
    assert finding.summary == "administrator access via group Admins: AdministratorAccess"
    assert finding.evidence["paths"] == ("via group Admins: AdministratorAccess",)
    assert finding.evidence["groups"] == ("Admins",)
    assert finding.actions == (ActionId.GROUP_REMOVE_USER,)
    assert finding.fixes == (Fix(ActionId.GROUP_REMOVE_USER, MembershipSubject("ops", "Admins")),)


def test_admin_access_inline_and_customer_managed_by_content() -> None:
    god = managed(
        "God", document={"Statement": [{"Effect": "Allow", "Action": ["*:*"], "Resource": ["*"]}]}
    )
    snap = snapshot(
        users=[user("root-like", inline={"everything": ADMIN_DOCUMENT})],
        roles=[role("deployer", attached=[god.arn])],
        policies=[god],
    )
    found = {f.principal_name: f for f in run(snap, "policy.admin-access")}
    assert found["root-like"].summary == "administrator access through inline everything"
    assert found["deployer"].evidence["policy_arns"] == (god.arn,)
    assert found["deployer"].principal_kind is PrincipalKind.ROLE
    assert found["root-like"].fixes == (
        Fix(ActionId.POLICY_DELETE_INLINE, InlinePolicySubject("user", "root-like", "everything")),
    )
    assert found["deployer"].fixes == (
        Fix(ActionId.POLICY_DETACH, AttachmentSubject("role", "deployer", god.arn)),
    )


def test_admin_access_multiple_paths() -> None:
    ops = user("ops", groups=["Admins"], attached=[ADMIN_ARN])
    snap = snapshot(users=[ops], groups=[group("Admins", inline={"all": ADMIN_DOCUMENT})])
    finding = one(run(snap, "policy.admin-access"))
    assert finding.evidence["paths"] == ("AdministratorAccess", "via group Admins: inline all")
    assert finding.summary.endswith("(+1 more)")


def test_admin_access_fixes_name_each_source_exactly() -> None:
    """One fix per source: the attachment's ARN, the inline policy's name, the group (once)."""
    ops = user(
        "ops",
        groups=["Admins", "Readers"],
        attached=[ADMIN_ARN, READONLY_ARN],
        inline={"all": ADMIN_DOCUMENT, "harmless": {"Statement": []}},
    )
    admins = group("Admins", attached=[ADMIN_ARN], inline={"star": ADMIN_DOCUMENT})
    readers = group("Readers", attached=[READONLY_ARN])
    finding = one(run(snapshot(users=[ops], groups=[admins, readers]), "policy.admin-access"))
    assert finding.fixes == (
        Fix(ActionId.POLICY_DETACH, AttachmentSubject("user", "ops", ADMIN_ARN)),
        Fix(ActionId.POLICY_DELETE_INLINE, InlinePolicySubject("user", "ops", "all")),
        Fix(ActionId.GROUP_REMOVE_USER, MembershipSubject("ops", "Admins")),
    )
    assert finding.actions == (
        ActionId.POLICY_DETACH,
        ActionId.POLICY_DELETE_INLINE,
        ActionId.GROUP_REMOVE_USER,
    )


@pytest.mark.parametrize(
    "principal",
    [
        user("reader", attached=[READONLY_ARN]),
        user(
            "scoped",
            inline={
                "p": {
                    "Statement": [
                        {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bucket/*"}
                    ]
                }
            },
        ),
        user(
            "notaction",
            inline={
                "p": {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
            },
        ),
        role(
            "AWSReservedSSO_AdministratorAccess_1",
            path="/aws-reserved/sso.amazonaws.com/",
            attached=[ADMIN_ARN],
        ),
    ],
    ids=["read-only", "scoped-resource", "not-action", "identity-center"],
)
def test_not_admin_access(principal: Any) -> None:
    snap = (
        snapshot(roles=[principal]) if isinstance(principal, Role) else snapshot(users=[principal])
    )
    assert run(snap, "policy.admin-access") == []


MFA_ONLY = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


@pytest.mark.parametrize(
    ("condition", "keys"),
    [
        (MFA_ONLY, ("aws:multifactorauthpresent",)),
        ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, ("aws:multifactorauthpresent",)),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, ("aws:sourceip",)),
    ],
    ids=["mfa", "mfa-if-exists", "source-ip"],
)
def test_conditional_admin_access_is_reported_one_step_lower(
    condition: dict[str, Any], keys: tuple[str, ...]
) -> None:
    """Every session meeting the condition (any MFA'd sign-in) is a full administrator."""
    u = user("alice", inline={"admin": allow("*", Condition=condition)})
    finding = one(run(snapshot(users=[u]), "policy.admin-access"))
    assert finding.severity is Severity.MEDIUM
    assert finding.evidence["conditional"] is True
    assert finding.evidence["condition_keys"] == keys
    assert finding.summary == f"administrator access when {keys[0]} holds through inline admin"
    assert finding.fixes == (
        Fix(ActionId.POLICY_DELETE_INLINE, InlinePolicySubject("user", "alice", "admin")),
    )


def test_conditional_admin_through_a_group_and_literal_admin_wins() -> None:
    admins = group("MfaAdmins", inline={"admin": allow("*", Condition=MFA_ONLY)})
    u = user("bob", groups=["MfaAdmins"])
    finding = one(run(snapshot(users=[u], groups=[admins]), "policy.admin-access"))
    assert finding.evidence["groups"] == ("MfaAdmins",)
    both = user("carol", attached=[ADMIN_ARN], inline={"mfa": allow("*", Condition=MFA_ONLY)})
    literal = one(run(snapshot(users=[both]), "policy.admin-access"))
    assert literal.severity is Severity.HIGH
    assert "conditional" not in literal.evidence


def test_unattached_customer_policy() -> None:
    policies = [
        managed("Orphan", attachments=0),
        managed("Boundary", attachments=0, boundary_uses=3),
        managed("Used", attachments=2),
        managed("ViewOnlyAccess", attachments=0, aws=True),
    ]
    finding = one(run(snapshot(policies=policies), "policy.unattached"))
    assert finding.principal_name == "Orphan"
    assert finding.principal_kind is PrincipalKind.POLICY
    assert finding.severity is Severity.LOW
    assert finding.fixes == (
        Fix(ActionId.POLICY_DELETE_UNATTACHED, PolicySubject(policies[0].arn)),
    )
    assert finding.actions == (ActionId.POLICY_DELETE_UNATTACHED,)


def test_unused_services_not_evaluated_without_last_accessed_data() -> None:
    reason = not_evaluated(snapshot(users=[ALICE], roles=[role()]), "permissions.unused-services")
    assert reason.startswith("last-accessed data not loaded (0 of 2 users and roles)")
    assert "--last-accessed" in reason


def test_unused_services_not_evaluated_when_only_deleted_principals_have_data() -> None:
    snap = snapshot(users=[ALICE], last_accessed=[services(user("gone").arn, s3=1)])
    assert "for any of the 1 users and roles" in not_evaluated(snap, "permissions.unused-services")


def test_unused_services_fires_and_reports_coverage() -> None:
    snap = snapshot(
        users=[ALICE, user("bob")],
        roles=[role("app"), role("AWSServiceRoleForX", path="/aws-service-role/")],
        last_accessed=[services(ALICE.arn, s3=1, ec2=200, iam=None)],
    )
    result = evaluate_rule(snap, "permissions.unused-services")
    finding = one(list(result.findings))
    assert finding.summary == "2 of 3 granted services unused for 90 days: ec2, iam"
    assert finding.evidence["never_used"] == ("iam",)
    assert finding.evidence["last_used"] == {"ec2": "2025-11-13T12:00:00Z"}
    (seen,) = result.coverage
    assert (seen.covered, seen.total) == (1, 3)


def test_services_of_a_young_principal_are_not_unused_yet() -> None:
    young = role("young", created=30)
    snap = snapshot(roles=[young], last_accessed=[services(young.arn, s3=None, sqs=None)])
    assert run(snap, "permissions.unused-services") == []


# --- root and account ------------------------------------------------------------------------


def test_root_without_mfa() -> None:
    snap = snapshot(summary=AccountSummary(mfa_enabled=False, access_keys_present=False))
    finding = one(run(snap, "root.no-mfa"))
    assert finding.principal_kind is PrincipalKind.ROOT
    assert finding.principal_arn == f"arn:aws:iam::{ACCOUNT}:root"
    assert finding.severity is Severity.CRITICAL
    assert finding.actions == (ActionId.ROOT_HARDEN,)
    assert finding.fixes == (Fix(ActionId.ROOT_HARDEN, AccountSubject()),)
    assert finding.evidence == {"account_summary": False, "credential_report": True}


def test_root_mfa_from_live_summary_beats_older_report() -> None:
    snap = snapshot(root=root_row(mfa=False), summary=AccountSummary(True, False))
    assert run(snap, "root.no-mfa") == []


def test_root_mfa_from_report_when_summary_unavailable() -> None:
    gone = Unavailable(Part.ACCOUNT_SUMMARY, "denied", "AccessDenied")
    snap = snapshot(root=root_row(mfa=False), unavailable=[gone])
    assert one(run(snap, "root.no-mfa")).evidence == {
        "account_summary": None,
        "credential_report": False,
    }


def test_root_rules_not_evaluated_without_any_source() -> None:
    gone = Unavailable(Part.ACCOUNT_SUMMARY, "denied", "AccessDenied")
    no_report = snapshot(report=False, unavailable=[gone])
    assert "credential report not loaded" in not_evaluated(no_report, "root.no-mfa")
    no_root_row = without_root_row(snapshot(unavailable=[gone]))
    assert not_evaluated(no_root_row, "root.access-keys") == (
        "account summary unavailable and the credential report has no <root_account> row"
    )


def test_root_access_keys() -> None:
    snap = snapshot(
        summary=AccountSummary(True, True), root=root_row(key1=key(used=40, rotated=900))
    )
    finding = one(run(snap, "root.access-keys"))
    assert finding.fixes == (Fix(ActionId.ROOT_HARDEN, RootKeySubject()),)
    assert finding.evidence["key_1"] == {
        "active": True,
        "last_rotated": (NOW - timedelta(days=900)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "last_used": "2026-04-22T12:00:00Z",
    }


def test_root_access_keys_from_summary_when_report_has_no_root_row() -> None:
    base = snapshot(summary=AccountSummary(True, False))
    no_root = without_root_row(base)
    assert run(no_root, "root.access-keys") == []
    keys = replace(no_root, summary=AccountSummary(True, True))
    assert one(run(keys, "root.access-keys")).evidence["credential_report"] is None


def test_root_recently_used() -> None:
    finding = one(run(snapshot(root=root_row(password_used=3)), "root.recently-used"))
    assert finding.summary == "root password used 3 days ago"
    by_key = snapshot(root=root_row(password_used=100, key1=key(used=0.25, rotated=900)))
    assert one(run(by_key, "root.recently-used")).summary == "root access key 1 used 6 hours ago"


def test_root_not_recently_used() -> None:
    assert run(snapshot(root=root_row(password_used=45)), "root.recently-used") == []
    assert (
        run(snapshot(root=root_row(password_used=Missing.NO_INFORMATION)), "root.recently-used")
        == []
    )


def test_root_recently_used_needs_the_root_row() -> None:
    no_root = without_root_row(snapshot())
    assert (
        not_evaluated(no_root, "root.recently-used")
        == "the credential report has no <root_account> row"
    )


def test_password_policy_missing_or_weak() -> None:
    missing = one(run(snapshot(password_policy=None), "account.password-policy"))
    assert missing.principal_kind is PrincipalKind.ACCOUNT
    assert missing.principal_name == "acme-prod"
    assert missing.evidence["policy_present"] is False
    weak = one(
        run(
            snapshot(password_policy=PasswordPolicy(minimum_password_length=8)),
            "account.password-policy",
        )
    )
    assert weak.evidence["weaknesses"] == ("minimum length 8 < 14", "reuse prevention off < 24")
    assert (
        weak.summary
        == "password policy weaker than CIS: minimum length 8 < 14; reuse prevention off < 24"
    )


def test_cis_password_policy_passes_and_unavailable_is_not_evaluated() -> None:
    assert run(snapshot(), "account.password-policy") == []
    gone = Unavailable(Part.PASSWORD_POLICY, "throttled", "Throttling")
    assert "password policy unavailable" in not_evaluated(
        snapshot(unavailable=[gone]), "account.password-policy"
    )


# --- suppressions ----------------------------------------------------------------------------

STALE = {"key1": key(used=200, rotated=300)}


def suppress(**kw: Any) -> Settings:
    defaults: dict[str, Any] = {
        "rule": "access-key.*",
        "principal": "alice",
        "reason": "break-glass",
    }
    return Settings(suppressions=(Suppression(**{**defaults, **kw}),))


def test_suppressed_finding_stays_visible_but_is_not_counted() -> None:
    result = evaluate_rule(with_keys(**STALE), "access-key.unused", suppress())
    finding = one(list(result.findings))
    assert finding.suppressed is not None and finding.suppressed.reason == "break-glass"
    assert result.active == () and result.suppressed == (finding,)
    assert result.counts()[Severity.MEDIUM] == 0


def test_suppression_matches_arn_glob_and_not_other_rules() -> None:
    settings = suppress(rule="user.*", principal="arn:aws:iam::*:user/al*")
    finding = one(run(with_keys(**STALE), "access-key.unused", settings))
    assert finding.suppressed is None
    inactive = one(run(snapshot(users=[ALICE]), "user.inactive", settings))
    assert inactive.suppressed is settings.suppressions[0]


def test_expired_suppression_no_longer_applies_and_is_reported() -> None:
    settings = suppress(expires=date(2026, 5, 31))
    result = evaluate_rule(with_keys(**STALE), "access-key.unused", settings)
    assert one(list(result.findings)).suppressed is None
    assert result.expired_suppressions == settings.suppressions


def test_suppression_applies_through_its_expiry_day() -> None:
    settings = suppress(expires=NOW.date())
    result = evaluate_rule(with_keys(**STALE), "access-key.unused", settings)
    assert one(list(result.findings)).suppressed is not None
    assert result.expired_suppressions == ()


# --- issue 10: findings that hold on real AWS -------------------------------------------------


def test_role_younger_than_the_unused_threshold_is_new_not_unused() -> None:
    """A role created 8 days ago and never used was once offered role.delete."""
    assert run(snapshot(roles=[role("new-role", created=8, last_used=None)]), "role.unused") == []
    assert run(snapshot(roles=[role("older", created=91, last_used=None)]), "role.unused")


def test_unused_age_follows_the_configured_threshold() -> None:
    settings = Settings(thresholds=Thresholds(role_unused_days=5))
    finding = one(
        run(snapshot(roles=[role("r", created=8, last_used=None)]), "role.unused", settings)
    )
    assert finding.evidence["threshold_days"] == 5


def test_new_hire_with_mfa_is_neither_inactive_nor_unused() -> None:
    """Created 8 days ago with a password and MFA, not signed in yet: nothing to clean up."""
    hire = user("new-hire", created=8)
    snap = snapshot(
        users=[hire],
        rows=[row(hire, password=True, password_used=Missing.NO_INFORMATION, mfa=True)],
    )
    assert run(snap, "user.password-unused") == []
    assert run(snap, "user.inactive") == []


def test_protected_role_findings_say_so_in_evidence() -> None:
    org = role("OrganizationAccountAccessRole", last_used=200)
    finding = one(run(snapshot(roles=[org]), "role.unused"))
    assert "AWS Organizations" in str(finding.evidence["protected"])
    plain = one(run(snapshot(roles=[role("batch", last_used=200)]), "role.unused"))
    assert "protected" not in plain.evidence


ORG_TRUST = trust({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"})


@pytest.mark.parametrize(
    "rule_id", ["role.unused", "role.cross-account-trust", "role.public-trust"]
)
def test_protected_role_findings_offer_no_delete_or_quarantine(rule_id: str) -> None:
    """Deleting OrganizationAccountAccessRole locks the management account out of this one."""
    document = trust("*") if rule_id == "role.public-trust" else ORG_TRUST
    org = role("OrganizationAccountAccessRole", last_used=None, created=800, trust_policy=document)
    finding = one(run(snapshot(roles=[org]), rule_id))
    assert "AWS Organizations" in str(finding.evidence["protected"])
    assert finding.fixes == ()
    plain = role("batch", last_used=None, created=800, trust_policy=document)
    assert one(run(snapshot(roles=[plain]), rule_id)).fixes


def test_roles_protected_from_settings_offer_no_fix() -> None:
    settings = Settings(protected_roles=("platform-*",))
    found = one(run(snapshot(roles=[role("platform-ci", last_used=200)]), "role.unused", settings))
    assert found.fixes == ()


def test_protected_roles_extend_from_settings() -> None:
    settings = Settings(protected_roles=("platform-*",))
    finding = one(
        run(snapshot(roles=[role("platform-ci", last_used=200)]), "role.unused", settings)
    )
    assert finding.evidence["protected"] == "protected role (config [protected] roles: platform-*)"


ANYONE = "*"


@pytest.mark.parametrize(
    "doc",
    [
        trust(ANYONE, {"StringLike": {"aws:PrincipalOrgID": "o-*"}}),
        trust({"AWS": "*"}, {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}),
        web_identity(
            GITHUB, {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*/*"}}
        ),
        web_identity(GITHUB, {"StringLike": {"token.actions.githubusercontent.com:sub": "*:*"}}),
        web_identity(
            GITHUB,
            {
                "StringLike": {
                    "token.actions.githubusercontent.com:sub": ["repo:acme/app:*", "repo:*"]
                }
            },
        ),
    ],
    ids=[
        "org-id-wildcard",
        "principal-arn-any-account",
        "github-any-owner",
        "github-star-star",
        "or-ed-any",
    ],
)
def test_wildcards_in_the_pinning_part_restrict_nothing(doc: Any) -> None:
    assert one(run(snapshot(roles=[role("r", trust_policy=doc)]), "role.public-trust"))


def test_github_trust_pinned_to_one_owner_is_not_public() -> None:
    doc = web_identity(
        GITHUB, {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}
    )
    assert run(snapshot(roles=[role("r", trust_policy=doc)]), "role.public-trust") == []


def open_with_deny(deny: dict[str, Any]) -> Any:
    allow = {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
    return {"Statement": [allow, {"Effect": "Deny", "Principal": "*", **deny}]}


@pytest.mark.parametrize(
    ("deny", "public"),
    [
        (
            {
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringNotEquals": {"aws:PrincipalOrgID": "o-abc"},
                    "Bool": {"aws:MultiFactorAuthPresent": "false"},
                },
            },
            True,
        ),
        (
            {
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}},
            },
            True,
        ),
        ({"Action": "sts:AssumeRoleWithSAML"}, True),
        (
            {
                "Action": "sts:AssumeRole",
                "Condition": {"StringNotLike": {"aws:PrincipalOrgID": "o-*"}},
            },
            True,
        ),
        ({"Action": "sts:AssumeRole"}, False),
        (
            {
                "Action": "sts:*",
                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}},
            },
            False,
        ),
    ],
    ids=[
        "deny-anded-with-mfa",
        "deny-covers-saml-only",
        "unconditional-deny-of-saml-only",
        "deny-unless-wildcard-org",
        "unconditional-deny",
        "deny-unless-org",
    ],
)
def test_deny_cancels_only_what_it_covers_and_surely_applies(
    deny: dict[str, Any], public: bool
) -> None:
    findings = run(
        snapshot(roles=[role("r", trust_policy=open_with_deny(deny))]), "role.public-trust"
    )
    assert bool(findings) is public


BUILDKITE = f"arn:aws:iam::{ACCOUNT}:oidc-provider/agent.buildkite.com"


@pytest.mark.parametrize(
    ("doc", "public"),
    [
        (
            web_identity(
                BUILDKITE, {"StringEquals": {"agent.buildkite.com:aud": "sts.amazonaws.com"}}
            ),
            True,
        ),
        (
            web_identity(
                BUILDKITE, {"StringLike": {"agent.buildkite.com:sub": "organization:acme:*"}}
            ),
            False,
        ),
        (web_identity(f"arn:aws:iam::{ACCOUNT}:oidc-provider/app.terraform.io"), True),
        (web_identity(f"arn:aws:iam::{ACCOUNT}:oidc-provider/gitlab.com"), True),
    ],
    ids=["buildkite-aud-only", "buildkite-one-org", "terraform-cloud", "gitlab"],
)
def test_multi_tenant_ci_issuers(doc: Any, public: bool) -> None:
    assert bool(run(snapshot(roles=[role("ci", trust_policy=doc)]), "role.public-trust")) is public


GLUE = trust({"Service": "glue.amazonaws.com"})


def test_confused_deputy_service_trust_without_source_condition() -> None:
    finding = one(run(snapshot(roles=[role("etl", trust_policy=GLUE)]), "role.confused-deputy"))
    assert finding.severity is Severity.LOW
    assert finding.evidence["services"] == ("glue.amazonaws.com",)
    edit = TrustEdit("source-account", 0, value=ACCOUNT)
    assert finding.fixes == (Fix(ActionId.ROLE_UPDATE_TRUST, TrustSubject("etl", edit)),)


@pytest.mark.parametrize(
    "r",
    [
        role(
            "etl",
            trust_policy=trust(
                {"Service": "glue.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
            ),
        ),
        role(
            "etl",
            trust_policy=trust(
                {"Service": "glue.amazonaws.com"},
                {"ArnLike": {"aws:SourceArn": f"arn:aws:glue:eu-west-1:{ACCOUNT}:job/*"}},
            ),
        ),
        role(
            "etl",
            trust_policy=trust(
                {"Service": "glue.amazonaws.com"},
                {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}},
            ),
        ),
        role(
            "etl",
            trust_policy=trust(
                {"Service": "glue.amazonaws.com"},
                {"ArnLikeIfExists": {"aws:SourceArn": f"arn:aws:glue:eu-west-1:{ACCOUNT}:job/*"}},
            ),
        ),
        role("web", trust_policy=trust({"Service": "ec2.amazonaws.com"})),
        role("fn", trust_policy=trust({"Service": "lambda.amazonaws.com"})),
        role(
            "AWSServiceRoleForSupport",
            path="/aws-service-role/support.amazonaws.com/",
            trust_policy=trust({"Service": "support.amazonaws.com"}),
        ),
    ],
    ids=[
        "source-account",
        "source-arn",
        "source-account-if-exists",
        "source-arn-if-exists",
        "ec2",
        "lambda",
        "service-linked",
    ],
)
def test_no_confused_deputy(r: Any) -> None:
    assert run(snapshot(roles=[r]), "role.confused-deputy") == []


def test_source_keys_if_exists_pin_a_service_only() -> None:
    """IfExists narrows a service (it sends the key when acting for a resource); any other
    caller may simply omit the key, so the same test leaves ``*`` public."""
    if_exists = {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}
    anyone = role("open", trust_policy=trust({"AWS": "*"}, if_exists))
    assert one(run(snapshot(roles=[anyone]), "role.public-trust"))
    any_account = {"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:glue:*:*:job/*"}}
    glue = role("etl", trust_policy=trust({"Service": "glue.amazonaws.com"}, any_account))
    assert one(run(snapshot(roles=[glue]), "role.confused-deputy"))


def test_confused_deputy_source_arn_with_any_account_is_not_a_pin() -> None:
    doc = trust(
        {"Service": "glue.amazonaws.com"}, {"ArnLike": {"aws:SourceArn": "arn:aws:glue:*:*:job/*"}}
    )
    assert one(run(snapshot(roles=[role("etl", trust_policy=doc)]), "role.confused-deputy"))


def test_trust_in_a_deleted_principal_is_stale_trust() -> None:
    """A unique id used to be dropped silently by every trust rule."""
    finding = one(run(snapshot(roles=[other("AROAJQABLZS4A3QDU576Q")]), "role.stale-trust"))
    assert finding.evidence["unique_ids"] == ("AROAJQABLZS4A3QDU576Q",)
    assert "1 deleted principal" in finding.summary
    assert run(snapshot(roles=[other()]), "role.stale-trust") == []


def test_trusted_accounts_are_expected_trust() -> None:
    settings = Settings(trusted_accounts=frozenset({OTHER_ACCOUNT}))
    assert run(snapshot(roles=[other()]), "role.cross-account-trust", settings) == []
    third = other("arn:aws:iam::555555555555:root")
    assert one(run(snapshot(roles=[third]), "role.cross-account-trust", settings))


def test_suppression_can_match_the_trusted_account() -> None:
    settings = suppress(rule="role.cross-account-trust", principal="*", account=OTHER_ACCOUNT)
    assert one(run(snapshot(roles=[other()]), "role.cross-account-trust", settings)).suppressed
    # The accounts are a typed field of the finding, not read back from its evidence.
    plain = one(run(snapshot(roles=[other()]), "role.cross-account-trust"))
    assert plain.accounts == (OTHER_ACCOUNT,)
    third = other("arn:aws:iam::555555555555:root")
    assert (
        one(run(snapshot(roles=[third]), "role.cross-account-trust", settings)).suppressed is None
    )
    # An account suppression never matches findings that name no account.
    assert (
        one(
            run(
                snapshot(roles=[role("x", last_used=200)]),
                "role.unused",
                suppress(rule="role.*", principal="*", account="*"),
            )
        ).suppressed
        is None
    )


IAM_FULL_ARN = "arn:aws:iam::aws:policy/IAMFullAccess"


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **extra}]}


def admin_reasons(principal: Any, **kw: Any) -> tuple[str, ...]:
    snap = snapshot(
        **{
            "users" if principal.arn.split(":")[5].startswith("user") else "roles": [principal],
            **kw,
        }
    )
    found = run(snap, "policy.effective-admin")
    return tuple(str(r) for f in found for r in f.evidence["reasons"])  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("principal", "kw", "reason"),
    [
        (user("u", inline={"iam": allow("iam:*")}), {}, "inline iam: iam:* on *"),
        (user("u", attached=[IAM_FULL_ARN]), {}, "IAMFullAccess: iam:* on *"),
        (
            user(
                "u",
                inline={
                    "most": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "*",
                                "NotResource": "arn:aws:s3:::vault/*",
                            }
                        ]
                    }
                },
            ),
            {},
            "every action on every resource but",
        ),
        (
            user("u", inline={"self": allow("iam:PutUserPolicy", arn("user", "u"))}),
            {},
            "can put an inline policy on itself (iam:PutUserPolicy)",
        ),
        (
            user(
                "u",
                inline={"own": allow("iam:PutUserPolicy", "arn:aws:iam::*:user/${aws:username}")},
            ),
            {},
            "can put an inline policy on itself (iam:PutUserPolicy)",
        ),
        (
            user("u", inline={"self": allow("iam:Attach*", "*")}),
            {},
            "can attach any policy to itself (iam:AttachUserPolicy)",
        ),
        (
            role("r", inline={"self": allow("iam:PutRolePolicy", arn("role", "r"))}),
            {},
            "can put an inline policy on itself (iam:PutRolePolicy)",
        ),
        (
            user(
                "u",
                attached=[f"arn:aws:iam::{ACCOUNT}:policy/Deploy"],
                inline={
                    "v": allow("iam:CreatePolicyVersion", f"arn:aws:iam::{ACCOUNT}:policy/Deploy")
                },
            ),
            {"policies": [managed("Deploy", document=allow("s3:GetObject"))]},
            "can rewrite its policy Deploy (iam:CreatePolicyVersion)",
        ),
        (
            user("u", inline={"g": allow("iam:AddUserToGroup", arn("group", "Admins"))}),
            {"groups": [group("Admins", attached=[ADMIN_ARN])]},
            "can add itself to the administrators group Admins",
        ),
        (
            user(
                "u",
                inline={
                    "ops": {
                        "Statement": [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}]
                    }
                },
            ),
            {},
            "can put an inline policy on itself",
        ),
    ],
    ids=[
        "iam-star",
        "iam-full-access",
        "not-resource",
        "put-user-policy-self",
        "policy-variable",
        "attach-star",
        "put-role-policy-self",
        "create-policy-version",
        "add-to-admin-group",
        "not-action",
    ],
)
def test_effective_admin(principal: Any, kw: dict[str, Any], reason: str) -> None:
    reasons = admin_reasons(principal, **kw)
    assert any(reason in r for r in reasons), reasons


@pytest.mark.parametrize("variable", ["${aws:UserName}", "${AWS:USERNAME}", "${aws:username}"])
def test_policy_variable_names_are_case_insensitive(variable: str) -> None:
    """AWS: condition key (and policy variable) names are case-insensitive."""
    u = user("alice", inline={"self": allow("iam:AttachUserPolicy", arn("user", variable))})
    assert admin_reasons(u) == (
        "inline self: can attach any policy to itself (iam:AttachUserPolicy)",
    )


def test_empty_condition_block_is_no_condition() -> None:
    u = user("alice", inline={"p": allow("iam:*", Condition={})})
    assert admin_reasons(u) == ("inline p: iam:* on * (can grant itself anything)",)


@pytest.mark.parametrize(
    ("principal", "kw"),
    [
        (user("u", inline={"other": allow("iam:PutUserPolicy", arn("user", "someone-else"))}), {}),
        (
            user(
                "u",
                inline={
                    "cond": allow(
                        "iam:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}
                    )
                },
            ),
            {},
        ),
        (
            user(
                "u",
                inline={
                    "both": {
                        "Statement": [
                            allow("iam:*")["Statement"][0],
                            {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
                        ]
                    }
                },
            ),
            {},
        ),
        (
            user("u", inline={"g": allow("iam:AddUserToGroup", arn("group", "Readers"))}),
            {"groups": [group("Readers", attached=[READONLY_ARN])]},
        ),
        (user("u", attached=[ADMIN_ARN], inline={"iam": allow("iam:*")}), {}),
        (user("u", inline={"read": allow("iam:Get*")}), {}),
    ],
    ids=[
        "other-users-policy",
        "conditional",
        "denied",
        "non-admin-group",
        "literal-admin-reported-elsewhere",
        "read-only",
    ],
)
def test_not_effective_admin(principal: Any, kw: dict[str, Any]) -> None:
    assert admin_reasons(principal, **kw) == ()


# --- issue 13: root virtual MFA, MFA for every user, users in no group -----------------------

ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"
ROOT_DEVICE = f"arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device"


def with_devices(snap: Any, *devices: VirtualMfaDevice) -> Any:
    return replace(snap, virtual_mfa_devices=devices)


def test_root_virtual_mfa_fires_on_a_virtual_device_assigned_to_root() -> None:
    device = VirtualMfaDevice(ROOT_DEVICE, ROOT_ARN, ago(100))
    finding = one(run(with_devices(snapshot(), device), "root.virtual-mfa"))
    assert finding.principal_kind is PrincipalKind.ROOT
    assert finding.severity is Severity.MEDIUM
    assert finding.fixes == (Fix(ActionId.ROOT_HARDEN, AccountSubject()),)
    assert finding.evidence["virtual_mfa_devices"] == (ROOT_DEVICE,)
    assert finding.evidence["account_summary"] is True


@pytest.mark.parametrize(
    "devices",
    [
        (),  # hardware TOTP, FIDO2 key or passkey: never listed as virtual
        (VirtualMfaDevice(arn("mfa", "alice"), arn("user", "alice"), ago(10)),),
        (VirtualMfaDevice(ROOT_DEVICE),),  # unassigned: mfa.unassigned-virtual's
        # another account's root (a device list is per account; the ARN must be this root's)
        (VirtualMfaDevice(ROOT_DEVICE, f"arn:aws:iam::{OTHER_ACCOUNT}:root", ago(10)),),
    ],
    ids=["hardware-or-passkey", "a-users-device", "unassigned", "other-account"],
)
def test_root_virtual_mfa_quiet(devices: tuple[VirtualMfaDevice, ...]) -> None:
    assert run(with_devices(snapshot(), *devices), "root.virtual-mfa") == []


def test_root_without_mfa_is_root_no_mfa_not_virtual_mfa() -> None:
    device = VirtualMfaDevice(ROOT_DEVICE, ROOT_ARN, ago(100))
    snap = with_devices(snapshot(summary=AccountSummary(False, False)), device)
    assert run(snap, "root.virtual-mfa") == []
    assert len(run(snap, "root.no-mfa")) == 1


def test_root_virtual_mfa_not_evaluated_without_the_device_list() -> None:
    gone = Unavailable(Part.VIRTUAL_MFA, "not authorized", "AccessDenied")
    reason = not_evaluated(snapshot(unavailable=[gone]), "root.virtual-mfa")
    assert "(AccessDenied): not authorized" in reason


def test_root_virtual_mfa_in_a_member_account_still_fires() -> None:
    """A device assigned to root proves credentials: centralized root access deletes MFA too."""
    org = Organization(
        True, "o-abc1234567", OTHER_ACCOUNT, root_features=("RootCredentialsManagement",)
    )
    device = VirtualMfaDevice(ROOT_DEVICE, ROOT_ARN, ago(100))
    snap = replace(
        with_devices(snapshot(root=root_row(password_used=None)), device), organization=org
    )
    assert len(run(snap, "root.virtual-mfa")) == 1


def test_user_no_mfa_fires_on_a_keys_only_user_without_mfa() -> None:
    snap = with_keys(key1=key(rotated=30, used=1))
    finding = one(run(snap, "user.no-mfa"))
    assert finding.severity is Severity.LOW
    assert finding.fixes == ()
    assert finding.evidence == {
        "password_enabled": False,
        "mfa_active": False,
        "active_key_slots": (1,),
    }


@pytest.mark.parametrize(
    "kw",
    [
        # a console user without MFA is user.console-without-mfa's: never two findings
        {"password": True, "key1": key()},
        {"mfa": True, "key1": key()},
        {"key1": key(active=False)},  # nothing active to guard
        {},  # no credential at all
    ],
    ids=["console-user", "has-mfa", "inactive-key", "no-credentials"],
)
def test_user_no_mfa_quiet(kw: dict[str, Any]) -> None:
    assert run(with_keys(**kw), "user.no-mfa") == []


def test_console_user_without_mfa_gets_exactly_one_mfa_finding() -> None:
    snap = with_keys(password=True, password_used=1, key1=key())
    rules = {f.rule for f in evaluate(snap, now=NOW).findings if "mfa" in f.rule}
    assert rules == {"user.console-without-mfa"}


def test_user_no_group_without_credentials_is_offered_delete() -> None:
    finding = one(run(snapshot(users=[ALICE]), "user.no-group"))
    assert finding.severity is Severity.LOW
    # A same-account resource policy naming the user may still grant it access.
    assert "no identity-based permissions" in finding.summary
    assert finding.fixes == (Fix(ActionId.USER_DELETE, PrincipalSubject("user", "alice")),)
    assert finding.evidence["credentials"] == {
        "password_enabled": False,
        "active_keys": 0,
        "active_signing_certificates": 0,
    }
    assert "delete_withheld" not in finding.evidence


@pytest.mark.parametrize(
    "kw",
    [{"password": True, "password_used": 5}, {"key1": key()}],
    ids=["console-password", "active-key"],
)
def test_user_no_group_that_can_authenticate_gets_no_delete(kw: dict[str, Any]) -> None:
    finding = one(run(with_keys(**kw), "user.no-group"))
    assert finding.fixes == ()
    assert "review before deleting" in str(finding.evidence["delete_withheld"])


def test_user_no_group_with_a_key_listed_after_the_report_gets_no_delete() -> None:
    snap = snapshot(users=[ALICE], details=[keys_detail(ALICE, 1)])
    finding = one(run(snap, "user.no-group"))
    assert finding.fixes == ()
    assert finding.evidence["credentials"] == {
        "password_enabled": False,
        "active_keys": 1,
        "active_signing_certificates": 0,
    }


def test_user_no_group_without_a_report_row_gets_no_delete() -> None:
    finding = one(run(snapshot(users=[ALICE], rows=[]), "user.no-group"))
    assert finding.fixes == ()
    assert finding.evidence["credentials"] is None
    assert "no row for this user" in str(finding.evidence["delete_withheld"])


@pytest.mark.parametrize(
    "principal",
    [
        user("member", groups=["Developers"]),
        user("direct", attached=[READONLY_ARN]),  # user.direct-policies' finding
        user("inline", inline={"p": allow("s3:GetObject")}),
        user("new-hire", created=2),  # being set up: groups come next
    ],
    ids=["in-a-group", "attached-policy", "inline-policy", "new-user"],
)
def test_user_no_group_quiet(principal: Any) -> None:
    assert run(snapshot(users=[principal]), "user.no-group") == []


def test_user_no_group_not_evaluated_without_authorization_details() -> None:
    gone = Unavailable(Part.AUTHORIZATION_DETAILS, "not authorized", "AccessDenied")
    reason = not_evaluated(snapshot(users=[ALICE], unavailable=[gone]), "user.no-group")
    assert reason.startswith("authorization details unavailable (AccessDenied)")


# --- server certificates and IAM Access Analyzer (issue 13) -----------------------------------


def test_expired_server_certificate_is_reported_with_its_delete_fix() -> None:
    from builders import server_certificate

    from iamtui.core.subjects import ServerCertificateSubject

    old = server_certificate("shop", expires=40)
    snap = snapshot(server_certificates=[old, server_certificate("www", expires=-200)])
    [found] = run(snap, "server-cert.expired")
    assert found.principal_name == "shop"
    assert found.principal_kind is PrincipalKind.SERVER_CERTIFICATE
    assert found.evidence["certificate_id"] == old.certificate_id
    assert [(f.action, f.subject) for f in found.fixes] == [
        (ActionId.SERVER_CERT_DELETE, ServerCertificateSubject("shop", old.certificate_id))
    ]
    assert "expired" in found.summary


def test_expiring_server_certificate_within_30_days_only() -> None:
    from builders import server_certificate

    snap = snapshot(
        server_certificates=[
            server_certificate("soon", expires=-12),
            server_certificate("later", expires=-31),
            server_certificate("gone", expires=3),
            server_certificate("unknown", expires=None),
        ]
    )
    assert [f.principal_name for f in run(snap, "server-cert.expiring")] == ["soon"]
    # An expired certificate is reported once, as expired; one without a date is not judged.
    assert [f.principal_name for f in run(snap, "server-cert.expired")] == ["gone"]


def test_server_certificate_rules_need_the_list() -> None:
    unread = snapshot(server_certificates=None)
    assert not_evaluated(unread, "server-cert.expired") == "server certificates not loaded"
    denied = snapshot(
        server_certificates=None,
        unavailable=[
            Unavailable(
                Part.SERVER_CERTIFICATES, "denied: the caller lacks iam:List", "AccessDenied"
            )
        ],
    )
    assert not_evaluated(denied, "server-cert.expiring").startswith(
        "server certificates unavailable (AccessDenied)"
    )


def test_access_analyzer_disabled_fires_without_an_active_external_analyzer() -> None:
    from iamtui.core.model import AccessAnalyzerState, Analyzer

    def analyzer(kind: str, status: str = "ACTIVE") -> Analyzer:
        return Analyzer(
            kind.lower(), f"arn:aws:access-analyzer:eu-west-1:{ACCOUNT}:analyzer/x", kind, status
        )

    unused_only = AccessAnalyzerState(
        "eu-west-1", (analyzer("ACCOUNT_UNUSED_ACCESS"), analyzer("ACCOUNT", "CREATING"))
    )
    [found] = run(snapshot(access_analyzer=unused_only), "account.access-analyzer-disabled")
    assert found.principal_kind is PrincipalKind.ACCOUNT
    assert found.evidence["region"] == "eu-west-1"
    assert "eu-west-1" in found.summary
    assert len(found.evidence["other_analyzers"]) == 2
    # A member cannot list its organization's analyzer: said, not a false all-clear.
    assert "covered by an organization analyzer" in str(found.evidence["caveat"])
    alone = replace(snapshot(access_analyzer=unused_only), organization=Organization(False))
    [outside] = run(alone, "account.access-analyzer-disabled")
    assert "caveat" not in outside.evidence
    none = AccessAnalyzerState("eu-west-1")
    assert len(run(snapshot(access_analyzer=none), "account.access-analyzer-disabled")) == 1
    for kind in ("ACCOUNT", "ORGANIZATION"):
        on = AccessAnalyzerState("eu-west-1", (analyzer(kind),))
        assert run(snapshot(access_analyzer=on), "account.access-analyzer-disabled") == []


def test_access_analyzer_rule_is_not_evaluated_when_unreadable() -> None:
    denied = snapshot(
        access_analyzer=None,
        unavailable=[
            Unavailable(
                Part.ACCESS_ANALYZER,
                "denied: the caller lacks access-analyzer:ListAnalyzers",
                "AccessDeniedException",
            )
        ],
    )
    reason = not_evaluated(denied, "account.access-analyzer-disabled")
    assert reason.startswith("IAM Access Analyzer unavailable (AccessDeniedException)")
    older = snapshot(access_analyzer=None)
    assert (
        not_evaluated(older, "account.access-analyzer-disabled") == "IAM Access Analyzer not loaded"
    )


def test_clutter_findings_offer_their_delete_actions() -> None:
    from iamtui.core.model import VirtualMfaDevice
    from iamtui.core.subjects import GroupSubject, VirtualMfaSubject

    serial = f"arn:aws:iam::{ACCOUNT}:mfa/left-behind"
    snap = replace(
        snapshot(groups=[group("Old")]),
        virtual_mfa_devices=(VirtualMfaDevice(serial),),
    )
    [device] = run(snap, "mfa.unassigned-virtual")
    assert [(f.action, f.subject) for f in device.fixes] == [
        (ActionId.MFA_DELETE_VIRTUAL, VirtualMfaSubject(serial))
    ]
    [empty] = run(snap, "group.empty")
    assert [(f.action, f.subject) for f in empty.fixes] == [
        (ActionId.GROUP_DELETE, GroupSubject("Old"))
    ]


# --- ssh-key.rotation-due --------------------------------------------------------------------


def _ssh(of: Any, *keys: tuple[str, str, float]) -> PrincipalDetail:
    """A fetched detail holding these SSH keys: (id, status, uploaded days ago)."""
    held = tuple(SshPublicKey(kid, status, ago(days)) for kid, status, days in keys)
    return PrincipalDetail(of.arn, NOW, ssh_public_keys=held, signing_certificates=())


def test_ssh_key_rotation_due_names_each_old_active_key_with_its_fixes() -> None:
    dev, ops = user("dev"), user("ops")
    snap = snapshot(users=[dev, ops]).with_details(
        _ssh(
            dev, ("APKAOLD", "Active", 200), ("APKANEW", "Active", 10), ("APKAOFF", "Inactive", 400)
        )
    )
    [finding] = run(snap, "ssh-key.rotation-due")
    assert finding.principal_name == "dev" and finding.summary.startswith("SSH public key not")
    assert finding.evidence["ssh_keys"] == (
        {"ssh_key_id": "APKAOLD", "uploaded": report_value(ago(200))},
    )
    subject = UploadedCredentialSubject("dev", "ssh-key", "APKAOLD")
    assert finding.fixes == (
        Fix(ActionId.SSH_KEY_DEACTIVATE, subject),
        Fix(ActionId.SSH_KEY_DELETE, subject),
    )
    coverage = evaluate_rule(snap, "ssh-key.rotation-due").coverage
    assert [str(c) for c in coverage] == ["1 of 2 users whose SSH keys were fetched"]


def test_ssh_key_rotation_follows_the_access_key_threshold() -> None:
    dev = user("dev")
    snap = snapshot(users=[dev]).with_details(_ssh(dev, ("APKAOLD", "Active", 200)))
    relaxed = Settings(thresholds=Thresholds(key_rotation_days=365))
    assert run(snap, "ssh-key.rotation-due", relaxed) == []
    assert len(run(snap, "ssh-key.rotation-due")) == 1


def test_ssh_key_rotation_is_not_evaluated_before_any_fetch() -> None:
    dev = user("dev")
    reason = not_evaluated(snapshot(users=[dev]), "ssh-key.rotation-due")
    assert "not fetched for any of the 1 users" in reason
    # A detail saved before SSH keys were fetched (or with a denied listing) is not "no keys".
    keys_only = snapshot(users=[dev]).with_details(keys_detail(dev, 10))
    assert "not fetched" in not_evaluated(keys_only, "ssh-key.rotation-due")


# --- instance-profile.no-role and identity-provider.unused ----------------------------------------


def _profile(name: str, *roles: str, created: float = 400) -> InstanceProfile:
    return InstanceProfile(
        name, arn("instance-profile", name), f"AIPA{name}", "/", ago(created), roles
    )


def test_instance_profile_without_a_role_is_clutter_offering_its_delete() -> None:
    snap = snapshot(
        instance_profiles=[_profile("web", "web"), _profile("empty"), _profile("new", created=2)]
    )
    (found,) = run(snap, "instance-profile.no-role")
    assert (found.principal_name, found.principal_kind) == ("empty", PrincipalKind.INSTANCE_PROFILE)
    assert found.severity is Severity.LOW
    assert found.fixes == (Fix(ActionId.INSTANCE_PROFILE_DELETE, InstanceProfileSubject("empty")),)


def test_instance_profiles_not_loaded_are_not_evaluated_never_none() -> None:
    result = evaluate_rule(snapshot(instance_profiles=None), "instance-profile.no-role")
    assert not result.findings
    assert "instance profiles not loaded" in result.not_evaluated[0].reason


OIDC = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
SAML = f"arn:aws:iam::{ACCOUNT}:saml-provider/OneLogin"
SSO = f"arn:aws:iam::{ACCOUNT}:saml-provider/AWSSSO_0123abcd_DO_NOT_DELETE"


def _providers(*arns: str) -> list[IdentityProvider]:
    return [
        IdentityProvider(
            a,
            IdentityProviderKind.SAML if ":saml-provider/" in a else IdentityProviderKind.OIDC,
            ago(400),
        )
        for a in arns
    ]


def _trust(principal: Any, action: str, effect: str = "Allow") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Principal": principal, "Action": action}],
    }


WEB = "sts:AssumeRoleWithWebIdentity"


def test_a_provider_no_trust_names_is_unused_and_one_a_trust_names_is_not() -> None:
    snap = snapshot(
        roles=[role("deploy", trust_policy=_trust({"Federated": OIDC}, WEB))],
        identity_providers=_providers(OIDC, SAML, SSO),
    )
    (found,) = run(snap, "identity-provider.unused")
    assert (found.principal_name, found.principal_kind) == (
        "OneLogin",
        PrincipalKind.IDENTITY_PROVIDER,
    )
    assert found.evidence["kind"] == "SAML"
    assert found.fixes == (Fix(ActionId.IDENTITY_PROVIDER_DELETE, IdentityProviderSubject(SAML)),)


def test_an_unused_saml_provider_may_back_a_client_vpn_endpoint() -> None:
    # Client VPN names a SAML provider by ARN (SAMLProviderArn), through no role's trust.
    (found,) = run(snapshot(identity_providers=_providers(SAML)), "identity-provider.unused")
    assert found.severity is Severity.INFO and "Client VPN" in found.summary
    assert "may back an AWS Client VPN endpoint: iamtui does not read EC2" in str(
        found.evidence["caveat"]
    )
    (oidc,) = run(snapshot(identity_providers=_providers(OIDC)), "identity-provider.unused")
    assert oidc.severity is Severity.LOW and "caveat" not in oidc.evidence


def test_an_oidc_providers_age_is_unknown_from_the_listing() -> None:
    listed = [IdentityProvider(OIDC, IdentityProviderKind.OIDC)]  # ARNs only: no date
    (found,) = run(snapshot(identity_providers=listed), "identity-provider.unused")
    assert "created" not in found.evidence
    assert "unknown from the listing" in str(found.evidence["age"])


def test_provider_references_in_another_case_count_as_use() -> None:
    snap = snapshot(
        roles=[role("deploy", trust_policy=_trust({"Federated": [OIDC.upper()]}, WEB))],
        identity_providers=_providers(OIDC),
    )
    assert run(snap, "identity-provider.unused") == []


def test_a_trust_cancelled_by_deny_does_not_use_the_provider() -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Federated": OIDC}, "Action": WEB},
            {"Effect": "Deny", "Principal": "*", "Action": WEB},
        ],
    }
    snap = snapshot(roles=[role("dead", trust_policy=trust)], identity_providers=_providers(OIDC))
    assert [f.principal_arn for f in run(snap, "identity-provider.unused")] == [OIDC]


def test_a_trust_open_to_everyone_may_use_every_provider_of_its_kind() -> None:
    snap = snapshot(
        roles=[role("open", trust_policy=_trust("*", WEB))],
        identity_providers=_providers(OIDC, SAML),
    )
    # The wildcard admits web identities, not SAML: the SAML provider is still unused.
    assert [f.principal_arn for f in run(snap, "identity-provider.unused")] == [SAML]


def test_an_aws_wildcard_assume_role_trust_does_not_hide_unused_providers() -> None:
    snap = snapshot(
        roles=[role("public", trust_policy=_trust({"AWS": "*"}, "sts:AssumeRole"))],
        identity_providers=_providers(OIDC),
    )
    assert [f.principal_arn for f in run(snap, "identity-provider.unused")] == [OIDC]


def test_cognito_identity_pools_turn_the_finding_into_a_caveated_info() -> None:
    cognito = _trust({"Federated": "cognito-identity.amazonaws.com"}, WEB)
    snap = snapshot(
        roles=[role("app-users", trust_policy=cognito)], identity_providers=_providers(OIDC)
    )
    (found,) = run(snap, "identity-provider.unused")
    assert found.severity is Severity.INFO and "Cognito" in found.summary
    assert "identity pool" in str(found.evidence["caveat"])


def test_a_new_saml_provider_is_being_set_up() -> None:
    fresh = [IdentityProvider(SAML, IdentityProviderKind.SAML, ago(2))]
    assert run(snapshot(identity_providers=fresh), "identity-provider.unused") == []


@pytest.mark.parametrize("part", [Part.IDENTITY_PROVIDERS, Part.AUTHORIZATION_DETAILS])
def test_unused_providers_are_not_evaluated_without_trusts_or_the_provider_lists(
    part: Part,
) -> None:
    gone = Unavailable(part, "denied: the caller lacks iam:ListSAMLProviders", "AccessDenied")
    snap = snapshot(identity_providers=_providers(SAML), unavailable=[gone])
    result = evaluate_rule(snap, "identity-provider.unused")
    assert not result.findings and result.not_evaluated


# --- user.admin-virtual-mfa -------------------------------------------------------------------


def test_admin_virtual_mfa_fires_on_an_administrator_with_a_virtual_device() -> None:
    from iamtui.core.model import MfaDevice

    admin = user("ops", attached=[ADMIN_ARN])
    device = VirtualMfaDevice(arn("mfa", "ops"), admin.arn, ago(30))
    snap = replace(snapshot(users=[admin, ALICE]), virtual_mfa_devices=(device,))
    finding = one(run(snap, "user.admin-virtual-mfa"))
    assert finding.principal_name == "ops" and finding.fixes == ()
    assert finding.evidence["virtual_mfa_devices"] == (arn("mfa", "ops"),)
    assert "unknown" in str(finding.evidence["other_devices"])
    # Opened: every device virtual is said so; a security key or passkey as well keeps it quiet.
    only_virtual = PrincipalDetail(
        admin.arn, NOW, mfa_devices=(MfaDevice(device.serial, None, True),)
    )
    opened = replace(snap, details={admin.arn: only_virtual})
    assert "none" in str(one(run(opened, "user.admin-virtual-mfa")).evidence["other_devices"])
    fido = MfaDevice(f"arn:aws:iam::{ACCOUNT}:u2f/user/ops/key", None, False)
    both = PrincipalDetail(admin.arn, NOW, mfa_devices=(*only_virtual.mfa_devices, fido))
    assert run(replace(snap, details={admin.arn: both}), "user.admin-virtual-mfa") == []


def test_admin_virtual_mfa_is_quiet_for_non_admins_and_hardware() -> None:
    admin = user("ops", attached=[ADMIN_ARN])
    dev = user("dev", attached=[READONLY_ARN])
    device = VirtualMfaDevice(arn("mfa", "dev"), dev.arn, ago(30))
    snap = replace(snapshot(users=[admin, dev]), virtual_mfa_devices=(device,))
    assert run(snap, "user.admin-virtual-mfa") == []  # admin: hardware (not listed); dev: no admin


def test_admin_virtual_mfa_not_evaluated_without_the_device_list() -> None:
    gone = Unavailable(Part.VIRTUAL_MFA, "not authorized", "AccessDenied")
    reason = not_evaluated(snapshot(unavailable=[gone]), "user.admin-virtual-mfa")
    assert "(AccessDenied): not authorized" in reason
