"""Root hardening: each step's pass/fail/unknown, its evidence and fixes, the report and the CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from builders import (
    ACCOUNT,
    ADMIN_ARN,
    OTHER_ACCOUNT,
    ago,
    arn,
    group,
    key,
    role,
    root_row,
    row,
    snapshot,
    trust,
    user,
    without_root_row,
)
from click.testing import CliRunner
from conftest import NOW
from faults import _Body, inject

from iamtui.cli import main
from iamtui.core import snapshot as snapshot_io
from iamtui.core.ids import ActionId
from iamtui.core.loader import load_account
from iamtui.core.model import (
    AccessKey,
    AccountSnapshot,
    AccountSummary,
    CallerIdentity,
    Organization,
    Part,
    PasswordPolicy,
    Unavailable,
    VirtualMfaDevice,
)
from iamtui.core.root import (
    Probe,
    RootExtra,
    RootReport,
    SecurityContact,
    Status,
    Step,
    StepId,
    evaluate_root,
    load_root_state,
    proposed_password_policy,
    verify,
)
from iamtui.core.rules import evaluate as evaluate_rules
from iamtui.core.session import ConnectionSettings, connect
from iamtui.core.settings import Settings, Thresholds
from iamtui.core.views import Check, Pane, Views, evidence_lines
from iamtui.emulator.fidelity.organizations import seed_organization
from iamtui.emulator.fidelity.root import give_root_key
from iamtui.emulator.seed import RootKeySpec, Seeder
from iamtui.emulator.server import Emulator

CONTACT = SecurityContact("Security Team", "SecOps", "security@acme.example", "+1 555 0100")
NOT_IN_ORG = Organization(False, note="not in an AWS Organization")
ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"


def extra(
    contact: SecurityContact | Unavailable | None = CONTACT,
    org: Organization | Unavailable = NOT_IN_ORG,
    keys: tuple[AccessKey, ...] | None = None,
) -> RootExtra:
    """Extras as load_root_state would return them; an Unavailable means that call failed."""

    def probe(value: Any) -> Probe[Any]:
        if isinstance(value, Unavailable):
            return Probe(checked_at=NOW, unavailable=value)
        return Probe(value, NOW)

    root_keys: Probe[tuple[AccessKey, ...]] = (
        Probe(keys, NOW)
        if keys is not None
        else Probe(unavailable=Unavailable("root_access_keys", "listed only to root", "NotRoot"))
    )
    return RootExtra(probe(contact), probe(org), root_keys)


def hardened_snapshot(**kwargs: Any) -> AccountSnapshot:
    """Root with hardware MFA, no keys, unused for 200 days; CIS policy; an MFA admin user."""
    admin = user("breakglass", attached=[ADMIN_ARN])
    kwargs.setdefault("users", [admin])
    kwargs.setdefault("rows", [row(admin, password=True, mfa=True)])
    return snapshot(**kwargs)


def evaluate(snap: AccountSnapshot, ext: RootExtra | None = None, **kwargs: Any) -> RootReport:
    return evaluate_root(snap, ext or extra(), now=NOW, **kwargs)


def step(snap: AccountSnapshot, step_id: StepId, ext: RootExtra | None = None) -> Step:
    return evaluate(snap, ext).step(step_id)


def denied(part: str, operation: str) -> Unavailable:
    return Unavailable(part, f"denied: the caller lacks iam:{operation}", "AccessDenied")


# --- the whole checklist ---------------------------------------------------------------------


def test_a_hardened_account_passes_every_counted_step() -> None:
    report = evaluate(hardened_snapshot())
    assert [s.id for s in report.steps] == list(StepId)
    assert {s.id: s.status for s in report.steps if not s.informational} == dict.fromkeys(
        [s for s in StepId if s is not StepId.CENTRALIZED_ROOT_ACCESS], Status.PASS
    )
    assert report.hardened
    assert report.counts() == {Status.PASS: 6, Status.FAIL: 0, Status.UNKNOWN: 0}


def test_nothing_passes_without_data() -> None:
    """Every part denied, no extras: every step is unknown with a reason, none passes."""
    parts = [Part.CREDENTIAL_REPORT, Part.ACCOUNT_SUMMARY, Part.PASSWORD_POLICY]
    parts += [Part.AUTHORIZATION_DETAILS, Part.VIRTUAL_MFA]
    snap = snapshot(report=False, password_policy=None, unavailable=[denied(p, "X") for p in parts])
    report = evaluate(snap, RootExtra.not_loaded("not in snapshot"))
    for s in report.steps:
        assert s.status is Status.UNKNOWN, s
        assert s.reason and s.reason in s.summary
    assert not report.hardened


# --- (a) MFA ---------------------------------------------------------------------------------


def test_mfa_virtual_when_a_virtual_device_is_assigned_to_root() -> None:
    device = VirtualMfaDevice(f"arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device", ROOT_ARN, NOW)
    s = step(replace(hardened_snapshot(), virtual_mfa_devices=(device,)), StepId.MFA)
    assert s.status is Status.PASS
    assert s.evidence["mfa_type"] == "virtual"
    assert s.evidence["virtual_mfa_device"] == device.serial
    assert "hardware" in s.summary  # CIS level 2 advice


def test_mfa_hardware_when_mfa_is_on_and_root_has_no_virtual_device() -> None:
    other = VirtualMfaDevice("arn:aws:iam::123456789012:mfa/alice", arn("user", "alice"), NOW)
    s = step(replace(hardened_snapshot(), virtual_mfa_devices=(other,)), StepId.MFA)
    assert s.status is Status.PASS
    assert s.evidence["mfa_type"] == "hardware or passkey"
    assert s.source == "GetAccountSummary" and s.as_of == NOW


def test_mfa_type_unknown_when_the_virtual_device_list_is_denied() -> None:
    snap = hardened_snapshot(unavailable=[denied(Part.VIRTUAL_MFA, "ListVirtualMFADevices")])
    s = step(snap, StepId.MFA)
    assert s.status is Status.PASS
    assert "type unknown" in str(s.evidence["mfa_type"])


def test_mfa_fails_without_mfa_and_points_to_the_console() -> None:
    s = step(hardened_snapshot(summary=AccountSummary(False, False)), StepId.MFA)
    assert s.status is Status.FAIL
    assert s.evidence["account_summary_mfa_enabled"] is False
    assert (
        "Security credentials → Multi-factor authentication (MFA) → Assign MFA device"
        in (s.manual[0])
    )


def test_mfa_falls_back_to_the_report_row_with_its_time() -> None:
    snap = hardened_snapshot(unavailable=[denied(Part.ACCOUNT_SUMMARY, "GetAccountSummary")])
    s = step(snap, StepId.MFA)
    assert s.status is Status.PASS
    assert s.source == "credential report"
    assert s.as_of == ago(0.125)


def test_mfa_unknown_without_summary_and_root_row() -> None:
    snap = without_root_row(
        hardened_snapshot(unavailable=[denied(Part.ACCOUNT_SUMMARY, "GetAccountSummary")])
    )
    s = step(snap, StepId.MFA)
    assert s.status is Status.UNKNOWN
    assert "<root_account>" in (s.reason or "")


def credentialless_root(**kwargs: Any) -> AccountSnapshot:
    """A member root as centralized root access leaves it: no password use, no keys, no MFA."""
    return hardened_snapshot(
        root=root_row(mfa=False, password_used=None), summary=AccountSummary(False, False), **kwargs
    )


MANAGEMENT = "999999999999"
MEMBER = Organization(True, "o-abc1234567", MANAGEMENT, root_features=None, note="a member")
MANAGED = Organization(
    True, "o-abc1234567", MANAGEMENT, root_features=("RootCredentialsManagement",)
)


def test_a_member_root_without_credentials_in_use_is_unknown_even_with_the_feature_on() -> None:
    """RootCredentialsManagement removes root credentials from accounts created after it was
    enabled, or on request; an older member's unused random password looks the same as none.

    Before: PASS ("root credentials presumed deleted"), a false all-clear for such a root.
    """
    s = step(credentialless_root(), StepId.MFA, extra(org=MANAGED))
    assert s.status is Status.UNKNOWN, s
    reason = s.reason or ""
    assert "only from accounts created after it was enabled" in reason
    assert "Root access management" in reason
    assert "id_root-user-access-management" in reason
    assert s.manual  # assigning root MFA stays a way out


def test_the_management_account_root_is_judged_even_when_the_org_manages_roots() -> None:
    """Centralized root access does not cover the management account (nor an unknown one)."""
    mine = Organization(True, "o-abc1234567", ACCOUNT, root_features=("RootCredentialsManagement",))
    unknown = Organization(True, root_features=("RootCredentialsManagement",))
    for org in (mine, unknown):
        assert step(credentialless_root(), StepId.MFA, extra(org=org)).status is Status.FAIL


def test_no_mfa_never_reads_as_mfa_enabled() -> None:
    """The snapshot's org left root.no-mfa unknown; the live answer says the feature is off."""
    snap = replace(credentialless_root(), organization=MANAGED)
    off = Organization(True, "o-abc1234567", MANAGEMENT, root_features=())
    s = step(snap, StepId.MFA, extra(org=off))
    assert s.status is Status.FAIL
    assert "MFA enabled" not in s.summary


def test_member_with_unreadable_features_is_not_proof_of_centralized_root_access() -> None:
    """Organizations gives a new member a random root password the root e-mail owner can reset.

    A member may not read ListOrganizationsFeatures: without RootCredentialsManagement known
    enabled, a root that never signed in may still have that password, so MFA is not proven moot.
    """
    s = step(credentialless_root(), StepId.MFA, extra(org=MEMBER))
    assert s.status is Status.UNKNOWN, s
    assert "no_mfa_by_design" not in s.evidence
    assert "random root password" in (s.reason or "")
    assert "RootCredentialsManagement" in (s.reason or "")
    assert s.manual  # assigning root MFA stays the way out


@pytest.mark.parametrize(
    ("snap", "org"),
    [
        (credentialless_root(), NOT_IN_ORG),
        (credentialless_root(), Organization(True, note="trusted access is not enabled")),
        (hardened_snapshot(root=root_row(mfa=False), summary=AccountSummary(False, False)), MEMBER),
        (
            hardened_snapshot(
                root=root_row(mfa=False, password_used=None, key1=key(rotated=10, used=None)),
                summary=AccountSummary(False, True),
            ),
            MEMBER,
        ),
        (credentialless_root(report=False), MEMBER),
    ],
    ids=["not-in-org", "org-without-feature", "password-used", "has-a-key", "no-root-row"],
)
def test_mfa_still_fails_when_root_may_have_credentials(
    snap: AccountSnapshot, org: Organization
) -> None:
    s = step(snap, StepId.MFA, extra(org=org))
    assert s.status is Status.FAIL
    assert "no_mfa_by_design" not in s.evidence


def test_mfa_by_design_needs_the_organization_answer() -> None:
    denied_org = Unavailable("organizations_features", "denied", "AccessDenied")
    assert step(credentialless_root(), StepId.MFA, extra(org=denied_org)).status is Status.FAIL
    offline = RootExtra.not_loaded("not in snapshot")
    assert step(credentialless_root(), StepId.MFA, offline).status is Status.FAIL


def test_member_root_without_credentials_in_the_emulator(emulator: Emulator) -> None:
    """The member's own view: ListOrganizationsFeatures says "member", root has no credentials.

    The member cannot see RootCredentialsManagement, so "no MFA by design" is unproven there.
    """
    seed_organization("999999999999", [ACCOUNT], features=["RootCredentialsManagement"])
    Seeder(emulator.backend(), emulator.extras(), NOW).root(
        created=ago(3000), centralized_root_access=True
    )
    report = verify(connect(operator(emulator)), clock=lambda: NOW)
    s = report.step(StepId.MFA)
    assert s.status is Status.UNKNOWN, s
    assert "no_mfa_by_design" not in s.evidence
    assert "RootCredentialsManagement" in (s.reason or "")


# --- (b) root keys ---------------------------------------------------------------------------


def keyed_snapshot(**kwargs: Any) -> AccountSnapshot:
    """Root with one active key used 20 days ago (report) and the live summary agreeing."""
    return hardened_snapshot(
        root=root_row(key1=key(rotated=2400, used=20)), summary=AccountSummary(True, True), **kwargs
    )


def test_root_keys_fail_lists_the_slots_and_who_can_fix_it() -> None:
    s = step(keyed_snapshot(), StepId.ACCESS_KEYS)
    assert s.status is Status.FAIL
    slot = s.evidence["key_1"]
    assert isinstance(slot, dict)
    assert slot["active"] is True and slot["last_used"] == "2026-05-12T12:00:00Z"
    assert "key_2" not in s.evidence
    assert {r.action for r in s.remedies} == {
        ActionId.ROOT_DEACTIVATE_KEY,
        ActionId.ROOT_DELETE_KEY,
    }
    assert all(not r.available and "as root" in r.when for r in s.remedies)  # not root here
    assert "Security credentials → Access keys" in s.manual[0]


def test_running_as_root_makes_key_fixes_available_with_key_ids() -> None:
    snap = replace(keyed_snapshot(), caller=CallerIdentity(ACCOUNT, ROOT_ARN, ACCOUNT))
    keys = (AccessKey("AKIAROOTKEY000000001", "Active", ago(2400), ago(20), "s3", "us-east-1"),)
    s = step(snap, StepId.ACCESS_KEYS, extra(keys=keys))
    assert [(r.action, r.params, r.available) for r in s.remedies] == [
        (ActionId.ROOT_DEACTIVATE_KEY, {"key_id": "AKIAROOTKEY000000001"}, True),
        (ActionId.ROOT_DELETE_KEY, {"key_id": "AKIAROOTKEY000000001"}, True),
    ]
    assert not s.remedies[1].reversible
    listed: Any = s.evidence["root_keys"]
    assert listed[0]["last_used_service"] == "s3"


def test_assume_root_path_is_offered_only_inside_an_organization() -> None:
    member = Organization(True, root_features=None, note="member account")
    s = step(keyed_snapshot(), StepId.ACCESS_KEYS, extra(org=member))
    via = [r for r in s.remedies if "AssumeRoot" in r.summary]
    assert len(via) == 1 and via[0].action is ActionId.ROOT_DELETE_KEY
    assert via[0].params["task_policy_arn"] == (
        "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
    )
    assert "management account" in via[0].when and "not deactivate" in via[0].when
    assert not any(
        "AssumeRoot" in r.summary for r in step(keyed_snapshot(), StepId.ACCESS_KEYS).remedies
    )


def test_live_summary_beats_a_stale_report_after_the_key_was_deleted() -> None:
    snap = hardened_snapshot(root=root_row(key1=key(rotated=2400, used=20)))
    s = step(snap, StepId.ACCESS_KEYS)
    assert s.status is Status.PASS
    assert "older" in s.summary and s.evidence["account_summary_access_keys_present"] is False
    assert s.evidence["credential_report_generated_at"] == "2026-06-01T09:00:00Z"


def test_root_keys_unknown_without_summary_or_report() -> None:
    snap = hardened_snapshot(
        report=False, unavailable=[denied(Part.ACCOUNT_SUMMARY, "GetAccountSummary")]
    )
    s = step(snap, StepId.ACCESS_KEYS)
    assert s.status is Status.UNKNOWN and "account summary unavailable" in (s.reason or "")
    assert not s.remedies


# --- (c) recent use --------------------------------------------------------------------------


def test_recent_root_password_use_fails_with_the_report_time() -> None:
    s = step(hardened_snapshot(root=root_row(password_used=10)), StepId.RECENT_USE)
    assert s.status is Status.FAIL
    assert s.summary == "root password used 10 days ago"
    assert s.evidence["password_last_used"] == "2026-05-22T12:00:00Z"
    assert s.as_of == ago(0.125) and s.source == "credential report"


def test_recent_use_threshold_comes_from_settings() -> None:
    snap = hardened_snapshot(root=root_row(password_used=10))
    settings = Settings(thresholds=Thresholds(root_recent_days=5))
    s = evaluate(snap, settings=settings).step(StepId.RECENT_USE)
    assert s.status is Status.PASS and s.evidence["threshold_days"] == 5
    assert "last use 10 days ago" in s.summary


def test_recent_use_unknown_without_a_root_row() -> None:
    s = step(without_root_row(hardened_snapshot()), StepId.RECENT_USE)
    assert s.status is Status.UNKNOWN and "<root_account>" in (s.reason or "")


# --- (d) password policy ---------------------------------------------------------------------


def test_weak_password_policy_lists_each_weakness_and_a_proposal() -> None:
    weak = PasswordPolicy(minimum_password_length=8, require_numbers=True)
    s = step(hardened_snapshot(password_policy=weak), StepId.PASSWORD_POLICY)
    assert s.status is Status.FAIL
    assert s.evidence["weaknesses"] == ("minimum length 8 < 14", "reuse prevention off < 24")
    proposed = s.evidence["proposed_policy"]
    assert isinstance(proposed, dict)
    assert proposed["MinimumPasswordLength"] == 14 and proposed["PasswordReusePrevention"] == 24
    assert proposed["RequireNumbers"] is True  # kept, never weakened
    (remedy,) = s.remedies
    assert remedy.action is ActionId.ACCOUNT_SET_PASSWORD_POLICY and remedy.params == proposed


def test_missing_password_policy_fails() -> None:
    s = step(hardened_snapshot(password_policy=None), StepId.PASSWORD_POLICY)
    assert s.status is Status.FAIL and s.evidence["current_policy"] is None
    assert "no password policy" in s.summary


def test_proposed_policy_keeps_stricter_values() -> None:
    strict = PasswordPolicy(minimum_password_length=20, password_reuse_prevention=3)
    proposed = proposed_password_policy(strict, Thresholds())
    assert (proposed.minimum_password_length, proposed.password_reuse_prevention) == (20, 24)


def test_password_policy_unknown_when_denied() -> None:
    snap = hardened_snapshot(
        password_policy=None,
        unavailable=[denied(Part.PASSWORD_POLICY, "GetAccountPasswordPolicy")],
    )
    s = step(snap, StepId.PASSWORD_POLICY)
    assert s.status is Status.UNKNOWN and "GetAccountPasswordPolicy" in (s.reason or "")


# --- (e) security contact --------------------------------------------------------------------


def test_security_contact_pass_fail_unknown() -> None:
    snap = hardened_snapshot()
    ok = step(snap, StepId.SECURITY_CONTACT)
    assert ok.status is Status.PASS and ok.evidence["email"] == "security@acme.example"
    assert ok.as_of == NOW and not ok.remedies
    unset = step(snap, StepId.SECURITY_CONTACT, extra(contact=None))
    assert unset.status is Status.FAIL
    assert [r.action for r in unset.remedies] == [ActionId.ACCOUNT_SET_SECURITY_CONTACT]
    assert "Alternate contacts → Edit → Security contact" in unset.manual[0]
    gone = Unavailable("security_contact", "denied: the caller lacks account:GetAlternateContact")
    unknown = step(snap, StepId.SECURITY_CONTACT, extra(contact=gone))
    assert unknown.status is Status.UNKNOWN and unknown.reason == gone.reason


# --- (f) break glass -------------------------------------------------------------------------


def test_break_glass_passes_with_an_mfa_admin_user() -> None:
    s = step(hardened_snapshot(), StepId.BREAK_GLASS)
    assert s.status is Status.PASS
    admins: Any = s.evidence["admin_users"]
    (admin,) = admins
    assert admin["name"] == "breakglass" and admin["mfa"] is True


def test_break_glass_fails_when_admin_users_lack_mfa() -> None:
    admin = user("ops", attached=[ADMIN_ARN])
    s = step(hardened_snapshot(users=[admin], rows=[row(admin)]), StepId.BREAK_GLASS)
    assert s.status is Status.FAIL and "have no MFA: ops" in s.summary


def test_break_glass_fails_without_any_admin() -> None:
    plain = user("reader")
    s = step(hardened_snapshot(users=[plain], rows=[row(plain, mfa=True)]), StepId.BREAK_GLASS)
    assert s.status is Status.FAIL and s.summary.startswith("no IAM user or role")
    assert "AdministratorAccess" in s.manual[0]


def test_break_glass_admin_through_a_group_and_a_person_assumable_role() -> None:
    admins = group("Admins", attached=[ADMIN_ARN])
    member = user("ann", groups=["Admins"])
    snap = hardened_snapshot(users=[member], rows=[row(member, mfa=True)], groups=[admins])
    assert step(snap, StepId.BREAK_GLASS).status is Status.PASS
    human = role("Admin", attached=[ADMIN_ARN], trust_policy=trust({"AWS": ROOT_ARN}))
    snap = hardened_snapshot(users=[], rows=[], roles=[human])
    assert step(snap, StepId.BREAK_GLASS).status is Status.PASS


def test_break_glass_ignores_admin_roles_only_services_assume() -> None:
    machine = role("Builder", attached=[ADMIN_ARN])  # trusted by ec2.amazonaws.com
    s = step(hardened_snapshot(users=[], rows=[], roles=[machine]), StepId.BREAK_GLASS)
    assert s.status is Status.FAIL and s.evidence["admin_roles_only_services_assume"] == 1


def test_break_glass_unknown_when_admin_mfa_is_unknown_or_details_denied() -> None:
    admin = user("late", attached=[ADMIN_ARN])
    snap = hardened_snapshot(users=[admin], rows=[])  # created after the report
    s = step(snap, StepId.BREAK_GLASS)
    assert s.status is Status.UNKNOWN and "newer than the credential report" in (s.reason or "")
    snap = hardened_snapshot(
        unavailable=[denied(Part.AUTHORIZATION_DETAILS, "GetAccountAuthorizationDetails")]
    )
    assert step(snap, StepId.BREAK_GLASS).status is Status.UNKNOWN


def test_break_glass_does_not_count_identity_center_or_outside_assumable_roles() -> None:
    sso = role(
        "AWSReservedSSO_AdministratorAccess_1a2b3c4d5e6f7a8b",
        path="/aws-reserved/sso.amazonaws.com/",
        attached=[ADMIN_ARN],
        trust_policy=trust(
            {"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/AWSSSO_1a2b_DO_NOT_DELETE"},
            Action="sts:AssumeRoleWithSAML",
        ),
    )
    vendor = role("VendorAdmin", attached=[ADMIN_ARN], trust_policy=trust({"AWS": OTHER_ACCOUNT}))
    anyone = role("OpenAdmin", attached=[ADMIN_ARN], trust_policy=trust({"AWS": "*"}))
    snap = hardened_snapshot(users=[], rows=[], roles=[sso, vendor, anyone])
    s = step(snap, StepId.BREAK_GLASS)
    assert s.status is Status.FAIL and s.summary.startswith("no IAM user or role")
    rejected: Any = s.evidence["admin_roles_not_break_glass"]
    why = {r["name"]: r["why"] for r in rejected}
    assert why[sso.name] == "managed by IAM Identity Center"
    assert why["VendorAdmin"] == f"assumable from account {OTHER_ACCOUNT}"
    assert why["OpenAdmin"].startswith("assumable from outside the account")
    # The same account's principals still make a role a break-glass administrator.
    own = role("Admin", attached=[ADMIN_ARN], trust_policy=trust({"AWS": ACCOUNT}))
    snap = hardened_snapshot(users=[], rows=[], roles=[sso, vendor, own])
    assert step(snap, StepId.BREAK_GLASS).status is Status.PASS


# --- (g) centralized root access -------------------------------------------------------------


def test_centralized_root_access_is_informational() -> None:
    snap = hardened_snapshot()
    outside = evaluate(snap)
    s = outside.step(StepId.CENTRALIZED_ROOT_ACCESS)
    assert s.informational and s.status is Status.INFO  # context, never FAIL or PASS
    assert "signing in as root" in s.summary
    assert outside.hardened  # informational steps do not count
    on = Organization(True, "o-abc1234567", root_features=("RootCredentialsManagement",))
    s = step(snap, StepId.CENTRALIZED_ROOT_ACCESS, extra(org=on))
    assert s.status is Status.INFO and s.evidence["organization_id"] == "o-abc1234567"
    assert s.summary.startswith("centralized root access enabled")
    off = Organization(True, note="trusted access for IAM is not enabled in AWS Organizations")
    s = step(snap, StepId.CENTRALIZED_ROOT_ACCESS, extra(org=off))
    assert s.status is Status.INFO and "trusted access" in s.summary
    assert "Root access management" in s.manual[0]
    member = Organization(True, root_features=None, note="this is a member account")
    s = step(snap, StepId.CENTRALIZED_ROOT_ACCESS, extra(org=member))
    assert s.status is Status.UNKNOWN and s.reason == "this is a member account"


# --- rendering -------------------------------------------------------------------------------


def test_markdown_report_has_every_step_with_marker_evidence_why_and_fix() -> None:
    snap = keyed_snapshot(password_policy=PasswordPolicy())
    text = evaluate(snap, extra(contact=None)).to_markdown()
    assert text.startswith("# Root hardening\n")
    assert f"acme-prod ({ACCOUNT})" in text
    for s in StepId:
        assert f"`{s}`" in text
    assert "## [FAIL] Root user has no access keys" in text
    assert "## [PASS] Root user has MFA" in text
    assert "## [INFO] Centralized root access (AWS Organizations)\n" in text
    assert "- key_1: `{active: yes, last_rotated: 2019-11-05T12:00:00Z" in text
    assert "**Why:** A root access key" in text
    assert "as of 2026-06-01T09:00:00Z (3 hours old), from credential report" in text
    assert "- `root.delete-key`: Delete root access key in slot 1" in text
    assert "**Do in AWS:**" in text and "1. Sign in as root" in text
    assert "as of 2026-06-01T12:00:00Z (just now), from GetAccountSummary" in text
    assert "🔴" not in text and "✅" not in text


def test_text_and_json_renderings() -> None:
    report = evaluate(keyed_snapshot(), extra(contact=None))
    text = report.to_text()
    assert "[FAIL] Security alternate contact is set  (account.security-contact)" in text
    data = json.loads(json.dumps(report.to_json()))
    assert data["counts"] == {"pass": 3, "fail": 3, "unknown": 0}  # the key was used 20 days ago
    keys = next(s for s in data["steps"] if s["id"] == "root.no-access-keys")
    assert keys["remedies"][0]["action"] == "root.deactivate-key"
    assert keys["evidence"]["key_1"]["last_used_service"] == "s3"


def test_changed_since_names_the_steps_a_fix_changed() -> None:
    before = evaluate(keyed_snapshot())
    after = evaluate(hardened_snapshot())
    assert [(b.id, b.status, a.status) for b, a in after.changed_since(before)] == [
        (StepId.ACCESS_KEYS, Status.FAIL, Status.PASS),
        (StepId.RECENT_USE, Status.FAIL, Status.PASS),
    ]


# --- loading the extras from an endpoint -----------------------------------------------------


def operator(emulator: Emulator) -> ConnectionSettings:
    """An IAM user's key in the emulated account; the credential report comes at once."""
    emulator.extras().report_generation_polls = 0
    backend = emulator.backend()
    backend.create_user(region_name="us-east-1", user_name="ops")
    created = backend.create_access_key("ops")
    return ConnectionSettings(
        endpoint_url=emulator.endpoint_url,
        region="us-east-1",
        static_credentials=(created.access_key_id, created.secret_access_key),
    )


def json_error(code: str, status: int = 403) -> AWSResponse:
    """A rest-json error as the Account API sends it."""
    body = json.dumps({"__type": code, "message": "injected"}).encode()
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code}
    return AWSResponse("https://account.us-east-1.amazonaws.com/", status, headers, _Body(body))


def test_load_root_state_contact_unset_then_set_and_not_in_an_organization(
    emulator: Emulator,
) -> None:
    conn = connect(operator(emulator))
    snap = load_account(conn, clock=lambda: NOW)
    state = load_root_state(conn, snap, clock=lambda: NOW)
    assert state.security_contact.ok and state.security_contact.value is None
    assert state.organization.value == NOT_IN_ORG
    assert state.root_keys.unavailable is not None  # not running as root
    account = emulator.client("account")
    account.put_alternate_contact(
        AlternateContactType="SECURITY",
        Name=CONTACT.name,
        Title=CONTACT.title,
        EmailAddress=CONTACT.email,
        PhoneNumber=CONTACT.phone,
    )
    assert load_root_state(conn, snap).security_contact.value == CONTACT


def test_denied_extra_calls_make_their_steps_unknown(emulator: Emulator) -> None:
    conn = connect(operator(emulator))
    snap = load_account(conn)
    inject(conn.iam, "ListOrganizationsFeatures", "AccessDenied", status=403)
    from iamtui.core.root import account_client

    account = account_client(conn)
    account.meta.events.register(
        "before-send.account.GetAlternateContact", lambda **_: json_error("AccessDeniedException")
    )
    state = load_root_state(conn, snap, account=account)
    assert state.organization.unavailable is not None
    assert state.organization.unavailable.reason == (
        "denied: the caller lacks iam:ListOrganizationsFeatures"
    )
    assert state.security_contact.unavailable is not None
    assert state.security_contact.unavailable.reason == (
        "denied: the caller lacks account:GetAlternateContact"
    )
    report = evaluate_root(snap, state, now=NOW)
    assert report.step(StepId.SECURITY_CONTACT).status is Status.UNKNOWN
    assert report.step(StepId.CENTRALIZED_ROOT_ACCESS).status is Status.UNKNOWN


def test_unsupported_extra_call_is_unknown_not_a_crash(emulator: Emulator) -> None:
    conn = connect(operator(emulator))
    inject(conn.iam, "ListOrganizationsFeatures", "NotImplemented", status=501)
    state = load_root_state(conn, load_account(conn))
    assert state.organization.unavailable is not None
    assert "not supported by this endpoint" in state.organization.unavailable.reason


def test_organization_answers_for_management_and_member_accounts(emulator: Emulator) -> None:
    seed_organization(ACCOUNT, ["210987654321"], features=["RootCredentialsManagement"])
    conn = connect(operator(emulator))
    state = load_root_state(conn, load_account(conn))
    org = state.organization.value
    assert org is not None and org.credentials_management and not org.root_sessions
    seed_organization("999999999999", [ACCOUNT], features=["RootCredentialsManagement"])
    member = load_root_state(conn, load_account(conn)).organization.value
    assert member is not None and member.in_organization and member.root_features is None


def test_as_root_the_key_ids_are_loaded_and_verify_proves_the_deletion(
    emulator: Emulator,
) -> None:
    emulator.extras().report_generation_polls = 0
    Seeder(emulator.backend(), emulator.extras(), NOW).root(
        created=ago(3000), keys=[RootKeySpec(created=ago(2400), last_used=ago(20))]
    )
    (root_key,) = emulator.extras().root.keys
    spare = give_root_key(ACCOUNT, NOW - timedelta(days=1))
    settings = ConnectionSettings(
        endpoint_url=emulator.endpoint_url,
        region="us-east-1",
        static_credentials=(spare.key_id, spare.secret),
    )
    conn = connect(settings)
    before = verify(conn)
    keys = before.step(StepId.ACCESS_KEYS)
    assert before.caller_arn == ROOT_ARN and keys.status is Status.FAIL
    ids = [r.params.get("key_id") for r in keys.remedies if r.available]
    assert ids == [root_key.key_id, root_key.key_id, spare.key_id, spare.key_id]
    iam = emulator.client("iam", aws_access_key_id=spare.key_id, aws_secret_access_key=spare.secret)
    iam.delete_access_key(AccessKeyId=root_key.key_id)
    emulator.extras().root.keys.remove(spare)  # as if deleted from the console
    after = verify(connect(operator(emulator)))
    assert [(a.id, a.status) for _, a in after.changed_since(before)] == [
        (StepId.ACCESS_KEYS, Status.PASS)
    ]


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_demo_report_file_has_every_step(tmp_path: Path) -> None:
    path = tmp_path / "root.md"
    result = CliRunner().invoke(main, ["root", "--demo", "--report", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"wrote {path}" in result.stderr
    text = path.read_text()
    for s in StepId:
        assert f"`{s}`" in text
    assert "## [FAIL] Root user has MFA" in text
    assert "## [FAIL] Security alternate contact is set" in text
    assert "not in an AWS Organization" in text


def test_cli_snapshot_makes_live_only_steps_unknown(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    snapshot_io.save(hardened_snapshot(), path)
    result = CliRunner().invoke(main, ["root", "--snapshot", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    steps = {s["id"]: s for s in json.loads(result.stdout)["steps"]}
    for live in ("account.security-contact", "org.centralized-root-access"):
        assert steps[live]["status"] == "unknown"
        assert "not in snapshot" in steps[live]["reason"]
    assert steps["root.mfa"]["status"] == "pass"


def test_cli_prints_text_by_default_and_markdown_on_request(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    snapshot_io.save(hardened_snapshot(), path)
    text = CliRunner().invoke(main, ["root", "--snapshot", str(path)])
    assert text.exit_code == 0 and text.stdout.startswith("Root hardening\n")
    md = tmp_path / "r.md"
    both = CliRunner().invoke(
        main, ["root", "--snapshot", str(path), "--report", str(md), "--format", "markdown"]
    )
    assert both.stdout == md.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["root", "--snapshot", "/nonexistent/x.json"], "no such file"),
        (["root", "--demo", "--snapshot", "x.json"], "alternatives"),
        (["root", "--endpoint-url", "http://127.0.0.1:9"], "cannot reach http://127.0.0.1:9"),
    ],
)
def test_cli_errors_are_one_line(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("iamtui: error: ") and message in lines[0]


def test_report_time_fields_are_utc_isoformat() -> None:
    data = evaluate(hardened_snapshot()).to_json()
    assert data["evaluated_at"] == "2026-06-01T12:00:00Z"
    assert all(
        s["as_of"] is None or datetime.fromisoformat(s["as_of"].replace("Z", "+00:00"))
        for s in data["steps"]
    )


# --- the same steps, in words, everywhere ------------------------------------------------------


def test_evidence_reads_as_labelled_lines_with_nested_fields_indented() -> None:
    report = evaluate(keyed_snapshot())
    lines = evidence_lines(report.step(StepId.ACCESS_KEYS).evidence)
    top = {line.label: line.value for line in lines if line.depth == 0}
    assert top["Access keys present (account summary)"] == "yes"
    assert top["Access key 1 (credential report)"] == ""  # its fields follow, indented
    nested = {line.label: line.value for line in lines if line.depth == 1}
    assert nested["Last used service"] == "s3"
    assert nested["Active"] == "yes"
    assert all("_" not in line.label for line in lines)  # no raw evidence keys
    recent = evidence_lines(evaluate(hardened_snapshot()).step(StepId.RECENT_USE).evidence)
    words = {line.label: line.value for line in recent}
    assert words["Access key 1 last used"] == "not applicable"  # the report's N/A, in words


def test_the_root_pane_lists_the_hardening_steps_with_the_same_verdicts() -> None:
    snap = keyed_snapshot()
    report = evaluate_root(snap, RootExtra.not_loaded("x"), now=NOW)
    pane = Views(snap, evaluate_rules(snap, now=NOW), NOW).pane(Pane.ROOT)
    checks = [r.data for r in pane.rows if isinstance(r.data, Check) and r.data.step is not None]
    assert [c.name for c in checks] == [s.title for s in report.steps]
    assert [c.status for c in checks] == [s.status.name for s in report.steps]
    assert [c.status for c in checks][:2] == ["PASS", "FAIL"]  # MFA on; a root key
