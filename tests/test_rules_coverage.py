"""The issue-13 rules that read only what the overview load has, on hand-built snapshots.

Each rule: it fires on its case, with its evidence and fixes, and not on the traps named in
docs/rules.md. The same rules against the emulator: the table in ``test_rules_emulated.py``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from builders import (
    ADMIN_DOCUMENT,
    ago,
    arn,
    group,
    key,
    keys_detail,
    managed,
    role,
    row,
    run,
    snapshot,
    user,
)
from conftest import NOW

from iamtui.core.findings import PrincipalKind, Severity
from iamtui.core.ids import ActionId
from iamtui.core.model import (
    AttachedPolicy,
    Part,
    PrincipalDetail,
    ReportCert,
    SigningCertificate,
    Unavailable,
    VirtualMfaDevice,
)
from iamtui.core.policy import wildcard_grants
from iamtui.core.rules import evaluate, evaluate_changes
from iamtui.core.rules.grants import SENSITIVE_SERVICES
from iamtui.core.subjects import (
    AttachmentSubject,
    Fix,
    GroupSubject,
    KeySubject,
    UploadedCredentialSubject,
    VirtualMfaSubject,
)

PROBE = arn("role", "+=,.@-_iamtui-probe_-@.,=+")
CLOUDSHELL = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
SUPPORT = "arn:aws:iam::aws:policy/AWSSupportAccess"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    """A policy document of these statements."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    """One Allow statement."""
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def passes(*statements: dict[str, Any]) -> tuple[str, ...]:
    """The PassRole-on-every-role statement labels of a document."""
    return wildcard_grants(doc(*statements), PROBE).pass_role


# --- policy.passrole-wildcard ----------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        allow("iam:PassRole"),
        allow("IAM:passrole"),  # actions are case-insensitive
        allow("iam:*"),
        allow("iam:Pass*"),
        allow(["s3:GetObject", "iam:PassRole"], ["arn:aws:s3:::b/*", "*"]),
        allow("iam:PassRole", "arn:aws:iam::*:role/*"),
        allow("iam:PassRole", "arn:aws:iam::123456789012:role/*"),
        {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "NotResource": arn("role", "admin")},
        allow("iam:PassRole", Condition={"StringNotEquals": {"iam:PassedToService": "x"}}),
        allow("iam:PassRole", Condition={"StringEqualsIfExists": {"iam:PassedToService": "x"}}),
        allow("iam:PassRole", Condition={"StringLike": {"iam:PassedToService": "*"}}),
        allow("iam:PassRole", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}),
    ],
)
def test_passrole_on_every_role_without_service_condition(statement: dict[str, Any]) -> None:
    assert passes(statement) == ("statement 1",)


@pytest.mark.parametrize(
    "statement",
    [
        allow("iam:PassRole", arn("role", "app")),
        allow("iam:PassRole", "arn:aws:iam::*:role/service-role/*"),
        allow("iam:GetRole"),
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::*:role/*"},
        allow(
            "iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
        ),
        allow("iam:PassRole", Condition={"StringLike": {"IAM:PassedToService": "lambda.*"}}),
        {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"},
        allow("*"),  # full admin: policy.admin-access's
        allow("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
    ],
)
def test_passrole_scoped_pinned_or_admin_is_not_reported(statement: dict[str, Any]) -> None:
    assert passes(statement) == ()


def test_an_unconditional_deny_in_the_same_policy_cancels_passrole() -> None:
    deny = {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}
    assert passes(allow("iam:*"), deny) == ()
    conditional = {**deny, "Condition": {"Bool": {"aws:ViaAWSService": "false"}}}
    assert passes(allow("iam:*", Sid="Iam"), conditional) == ("Iam",)


def test_action_star_on_narrower_resources_passes_every_role() -> None:
    """Before: `*` on `arn:aws:iam::*:role/*` was left to policy.admin-access, which reports
    only Resource `*`: nobody reported it."""
    assert passes(allow("*", "arn:aws:iam::*:role/*")) == ("statement 1",)


@pytest.mark.parametrize(
    "pattern", ["role/*-role", "role/i*", "role/*/*", "role/[a-z]*", "role/a?c"]
)
def test_a_pattern_covering_some_roles_is_not_every_role(pattern: str) -> None:
    """Before: the probe `role/iamtui-probe/any-role` happened to match these."""
    assert passes(allow("iam:PassRole", f"arn:aws:iam::123456789012:{pattern}")) == ()
    # ...and a Deny of only some roles does not cancel a grant of every role.
    deny = {"Effect": "Deny", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::*:{pattern}"}
    assert passes(allow("iam:PassRole"), deny) == ("statement 1",)


def test_passrole_reports_managed_policies_and_inline_holders() -> None:
    attached = managed("Deploy", document=doc(allow("iam:PassRole", Sid="Pass")))
    orphan = managed("Old", document=doc(allow("iam:PassRole")), attachments=0)
    aws = managed("AWSDeploy", document=doc(allow("iam:PassRole")), aws=True)
    boundary = managed("Cap", document=doc(allow("iam:*")), attachments=0, boundary_uses=2)
    ci = user("ci", inline={"a": doc(allow("iam:PassRole")), "b": doc(allow("iam:Pass*"))})
    builders = group("Builders", inline={"g": doc(allow("iam:*"))})
    linked = replace(
        role("AWSServiceRoleForX", path="/aws-service-role/x.amazonaws.com/"),
        inline_policies=role("t", inline={"p": doc(allow("iam:PassRole"))}).inline_policies,
    )
    snap = snapshot(
        users=[ci], groups=[builders], roles=[linked], policies=[attached, orphan, aws, boundary]
    )
    found = {f.principal_name: f for f in run(snap, "policy.passrole-wildcard")}
    assert set(found) == {"Deploy", "Old", "ci", "Builders"}
    assert found["Deploy"].severity is Severity.MEDIUM
    assert found["Deploy"].evidence == {"statements": ("Pass",), "attachment_count": 1}
    assert found["Old"].severity is Severity.LOW  # attached to nothing: one step lower
    assert found["ci"].evidence["statements"] == ("inline a: statement 1", "inline b: statement 1")
    assert found["ci"].summary.endswith("inline a: statement 1 (+1 more)")
    assert found["Builders"].principal_kind is PrincipalKind.GROUP
    assert all(f.fixes == () for f in found.values())  # the fix is editing the document


# --- policy.service-wildcard -----------------------------------------------------------------


def test_service_wildcards_are_the_security_hub_iam21_pattern() -> None:
    grants = wildcard_grants(
        doc(
            allow(["S3:*", "kms:*", "s3:Get*", "ec2:Describe*"], "arn:aws:s3:::b"),
            allow("sqs:*", Condition={"Bool": {"aws:SecureTransport": "true"}}),
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"},
            allow("*"),
            allow("*:*"),
            allow("s*:*"),
        ),
        PROBE,
    )
    assert grants.services == ("kms", "s3", "sqs")


def test_service_wildcard_severity_follows_the_sensitive_services() -> None:
    assert {"iam", "kms", "cloudtrail", "sts", "organizations"} <= SENSITIVE_SERVICES
    assert "s3" not in SENSITIVE_SERVICES
    s3 = managed("S3All", document=doc(allow("s3:*")))
    kms = managed("KmsAll", document=doc(allow(["kms:*", "s3:*"])))
    unused = managed("OldKms", document=doc(allow("kms:*")), attachments=0)
    unused_s3 = managed("OldS3", document=doc(allow("s3:*")), attachments=0)
    dev = role("dev", inline={"a": doc(allow("logs:*")), "b": doc(allow("cloudtrail:*"))})
    snap = snapshot(roles=[dev], policies=[s3, kms, unused, unused_s3])
    found = {f.principal_name: f for f in run(snap, "policy.service-wildcard")}
    assert {n: f.severity for n, f in found.items()} == {
        "S3All": Severity.LOW,
        "KmsAll": Severity.MEDIUM,
        "OldKms": Severity.LOW,
        "OldS3": Severity.INFO,
        "dev": Severity.MEDIUM,
    }
    assert found["KmsAll"].evidence["services"] == ("kms", "s3")
    assert found["KmsAll"].evidence["sensitive"] == ("kms",)
    assert found["KmsAll"].summary == "allows every action of 2 services: kms:*, s3:*"
    assert found["dev"].evidence["inline_policies"] == ("a", "b")
    assert found["dev"].evidence["services"] == ("cloudtrail", "logs")


@pytest.mark.parametrize(
    "service",
    ["identitystore", "sso-directory", "account", "securityhub", "access-analyzer", "ssm"],
)
def test_identity_center_audit_and_ssm_wildcards_are_sensitive(service: str) -> None:
    """Identity Center users, audit switches and SSM (secrets, remote commands) rewrite or hide
    permissions like iam:* does: one severity higher than an ordinary service."""
    found = run(
        snapshot(policies=[managed("Wide", document=doc(allow(f"{service}:*")))]),
        "policy.service-wildcard",
    )
    assert [(f.severity, f.evidence["sensitive"]) for f in found] == [(Severity.MEDIUM, (service,))]


def test_service_wildcard_skips_aws_managed_and_boundary_only_policies() -> None:
    aws = managed("AmazonS3FullAccess", document=doc(allow("s3:*")), aws=True)
    cap = managed("Cap", document=doc(allow("s3:*")), attachments=0, boundary_uses=1)
    both = managed("CapAndGrant", document=doc(allow("s3:*")), attachments=1, boundary_uses=1)
    admin = managed("Everything", document=ADMIN_DOCUMENT)
    found = run(snapshot(policies=[aws, cap, both, admin]), "policy.service-wildcard")
    assert [f.principal_name for f in found] == ["CapAndGrant"]


# --- policy.cloudshell-full-access and account.no-support-role ------------------------------


def test_cloudshell_full_access_is_reported_per_holder_with_its_detach() -> None:
    dev = user("dev", attached=[CLOUDSHELL])
    ops = role("ops", attached=[CLOUDSHELL])
    shell = group("Shell", attached=[CLOUDSHELL, "arn:aws:iam::aws:policy/ReadOnlyAccess"])
    sso = role("AWSReservedSSO_Dev", path="/aws-reserved/sso.amazonaws.com/", attached=[CLOUDSHELL])
    reader = user("reader", attached=["arn:aws:iam::aws:policy/AWSCloudShellReadOnly"])
    snap = snapshot(users=[dev, reader], roles=[ops, sso], groups=[shell])
    found = {f.principal_name: f for f in run(snap, "policy.cloudshell-full-access")}
    assert set(found) == {"dev", "ops", "Shell", "AWSReservedSSO_Dev"}
    # CIS 1.22 lists the Identity Center role too; its fix is in the permission set, not here.
    assert found["AWSReservedSSO_Dev"].fixes == ()
    assert "permission set" in found["AWSReservedSSO_Dev"].summary
    assert found["Shell"].fixes == (
        Fix(ActionId.POLICY_DETACH, AttachmentSubject("group", "Shell", CLOUDSHELL)),
    )
    assert found["ops"].fixes == (
        Fix(ActionId.POLICY_DETACH, AttachmentSubject("role", "ops", CLOUDSHELL)),
    )
    assert found["dev"].severity is Severity.MEDIUM


def test_cloudshell_detach_says_when_an_admin_policy_keeps_cloudshell_open() -> None:
    """Before: the detach read as closing CloudShell for an administrator; it does not."""
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    adm = user("adm", attached=[CLOUDSHELL, admin])
    via = user("via", attached=[CLOUDSHELL], groups=["Admins"])
    admins = group("Admins", attached=[admin])
    snap = snapshot(users=[adm, via], groups=[admins])
    found = {f.principal_name: f for f in run(snap, "policy.cloudshell-full-access")}
    for name in ("adm", "via"):
        assert "CloudShell stays available through AdministratorAccess" in found[name].summary
        assert found[name].evidence["cloudshell_also_through"] == ("AdministratorAccess",)
        assert found[name].fixes  # CIS 1.22 still asks for the detach


def test_cloudshell_matches_the_policy_in_any_partition() -> None:
    gov = "arn:aws-us-gov:iam::aws:policy/AWSCloudShellFullAccess"
    found = run(snapshot(users=[user("dev", attached=[gov])]), "policy.cloudshell-full-access")
    assert [f.evidence["policy_arn"] for f in found] == [gov]


def test_no_support_role_fires_until_a_role_holds_aws_support_access() -> None:
    none = run(snapshot(users=[user("alice")]), "account.no-support-role")
    assert [(f.principal_kind, f.summary) for f in none] == [
        (PrincipalKind.ACCOUNT, "no role has AWSSupportAccess attached")
    ]
    helpdesk = user("helpdesk", attached=[SUPPORT])
    agents = group("Agents", attached=[SUPPORT])
    elsewhere = run(snapshot(users=[helpdesk], groups=[agents]), "account.no-support-role")
    assert [f.evidence["users"] for f in elsewhere] == [("helpdesk",)]
    assert elsewhere[0].evidence["groups"] == ("Agents",)
    assert elsewhere[0].summary.endswith("(attached to 2 user(s) or group(s))")
    support = role("support", attached=[SUPPORT])
    assert run(snapshot(users=[helpdesk], roles=[support]), "account.no-support-role") == []


# --- user.keys-at-setup ----------------------------------------------------------------------


def test_console_user_with_a_key_from_setup_never_used() -> None:
    hire = user("hire", created=100)
    snap = snapshot(
        users=[hire],
        rows=[row(hire, password=True, password_used=1, key1=key(rotated=100, used=None))],
        details=[keys_detail(hire, 100)],
    )
    [found] = run(snap, "user.keys-at-setup")
    assert found.key is not None and found.key.slot == 1
    assert found.fixes == (Fix(ActionId.KEY_DEACTIVATE, KeySubject("hire", "AKIAHIRE1", 1)),)
    assert found.evidence["last_used"] == "N/A"
    assert found.evidence["user_created"] == "2026-02-21T12:00:00Z"
    assert found.severity is Severity.LOW
    assert found.summary == "access key 1 created with this console user and never used"


def test_key_at_setup_fires_from_day_one_and_names_the_slot_without_an_id() -> None:
    hire = user("hire", created=1)
    snap = snapshot(users=[hire], rows=[row(hire, password=True, key2=key(rotated=0.5, used=None))])
    [found] = run(snap, "user.keys-at-setup")
    assert found.fixes == (Fix(ActionId.KEY_DEACTIVATE, KeySubject("hire", None, 2)),)


@pytest.mark.parametrize(
    ("password", "slot", "created"),
    [
        (True, key(rotated=30, used=None), 400),  # made long after setup: a rotation
        (True, key(rotated=100, used=3), 100),  # used
        (True, key(active=False, rotated=100, used=None), 100),  # inactive
        (False, key(rotated=100, used=None), 100),  # no console: access-key.never-used's
    ],
)
def test_keys_at_setup_traps(password: bool, slot: Any, created: float) -> None:
    u = user("u", created=created)
    snap = snapshot(users=[u], rows=[row(u, password=password, key1=slot)])
    assert run(snap, "user.keys-at-setup") == []


# --- cert.signing-active ---------------------------------------------------------------------


def _certs(first: ReportCert, second: ReportCert | None = None) -> Any:
    u = user("soap", created=900)
    base = row(u)
    return snapshot(users=[u], rows=[replace(base, cert_1=first, cert_2=second or base.cert_2)])


def test_active_signing_certificates_older_than_rotation_are_medium() -> None:
    [old] = run(
        _certs(ReportCert(True, ago(400)), ReportCert(True, ago(10))), "cert.signing-active"
    )
    assert old.severity is Severity.MEDIUM
    assert old.evidence["older_than_threshold"] == (1,)
    assert [c["slot"] for c in old.evidence["certificates"]] == [1, 2]  # type: ignore[index]
    assert old.summary.startswith("2 active X.509 signing certificates, oldest uploaded 1 year")
    [new] = run(_certs(ReportCert(True, ago(10))), "cert.signing-active")
    assert new.severity is Severity.LOW
    assert new.summary == "1 active X.509 signing certificate (use is never reported)"
    # Not fetched: the fixes name no id (the planner acts on the user's one active certificate).
    unnamed = UploadedCredentialSubject("soap", "certificate")
    assert new.fixes == (
        Fix(ActionId.CERT_DEACTIVATE, unnamed),
        Fix(ActionId.CERT_DELETE, unnamed),
    )


def test_fetched_signing_certificates_give_fixes_by_id() -> None:
    snap = _certs(ReportCert(True, ago(400)))
    (soap,) = snap.users
    held = (
        SigningCertificate("CERTON", "Active", ago(400)),
        SigningCertificate("CERTOFF", "Inactive", ago(900)),
    )
    fetched = snap.with_details(PrincipalDetail(soap.arn, NOW, signing_certificates=held))
    [finding] = run(fetched, "cert.signing-active")
    named = UploadedCredentialSubject("soap", "certificate", "CERTON")
    assert finding.fixes == (
        Fix(ActionId.CERT_DEACTIVATE, named),
        Fix(ActionId.CERT_DELETE, named),
    )
    assert finding.evidence["certificate_ids"] == ("CERTON",)


def test_inactive_certificates_and_deleted_users_are_not_reported() -> None:
    assert run(_certs(ReportCert(False, ago(400))), "cert.signing-active") == []
    gone = _certs(ReportCert(True, ago(400)))
    assert run(replace(gone, users=()), "cert.signing-active") == []


# --- mfa.unassigned-virtual ------------------------------------------------------------------


def test_unassigned_virtual_devices_only() -> None:
    devices = (
        VirtualMfaDevice(f"arn:aws:iam::123456789012:mfa/{n}", u, ago(5) if u else None)
        for n, u in (
            ("abandoned", None),
            ("alice", arn("user", "alice")),
            ("root-account-mfa-device", "arn:aws:iam::123456789012:root"),
        )
    )
    snap = replace(snapshot(), virtual_mfa_devices=tuple(devices))
    [found] = run(snap, "mfa.unassigned-virtual")
    assert (found.principal_kind, found.principal_name, found.severity) == (
        PrincipalKind.MFA_DEVICE,
        "abandoned",
        Severity.INFO,
    )
    assert found.principal_arn == "arn:aws:iam::123456789012:mfa/abandoned"
    # mfa.delete-virtual (issue 13) on exactly this device.
    assert [(f.action.value, f.subject) for f in found.fixes] == [
        ("mfa.delete-virtual", VirtualMfaSubject(found.principal_arn))
    ]


def test_unassigned_virtual_needs_the_device_list() -> None:
    gone = Unavailable(Part.VIRTUAL_MFA, "not authorized", "AccessDenied")
    result = evaluate(snapshot(unavailable=[gone]), now=NOW)
    skipped = {n.rule.id: n.reason for n in result.not_evaluated}
    assert skipped["mfa.unassigned-virtual"].startswith("virtual MFA devices unavailable")


# --- group.empty -----------------------------------------------------------------------------


def test_group_without_members_once_past_the_grace() -> None:
    old = group("Old", attached=[CLOUDSHELL])
    staffed = group("Staffed")
    fresh = replace(group("Fresh"), create_date=ago(2))
    snap = snapshot(users=[user("u", groups=["Staffed"])], groups=[old, staffed, fresh])
    [found] = run(snap, "group.empty")
    assert found.principal_name == "Old" and found.principal_kind is PrincipalKind.GROUP
    assert found.evidence["attached_policies"] == (CLOUDSHELL,)
    assert found.summary == "group has no members (created 3 years ago, holding 1 policy)"
    # group.delete (issue 13) on exactly this group.
    assert [(f.action.value, f.subject) for f in found.fixes] == [
        ("group.delete", GroupSubject("Old"))
    ]


def test_rules_reading_every_principal_rerun_when_one_changes() -> None:
    """A user joining the empty group changes only that user, yet the group's finding goes."""
    joiner = user("joiner")
    helpdesk = user("helpdesk")
    snap = snapshot(users=[joiner, helpdesk], groups=[group("Empty")])
    before = evaluate(snap, now=NOW)
    assert "group.empty" in {f.rule for f in before.findings}
    joined = replace(
        snap,
        users=(
            replace(joiner, groups=("Empty",)),
            replace(helpdesk, attached_policies=(AttachedPolicy(SUPPORT, "AWSSupportAccess"),)),
        ),
    )
    after = evaluate_changes(before, joined, principals=[joiner.arn, helpdesk.arn])
    assert after.findings == evaluate(joined, now=NOW).findings
    assert "group.empty" not in {f.rule for f in after.findings}
    support = [f for f in after.findings if f.rule == "account.no-support-role"]
    assert [f.evidence["users"] for f in support] == [("helpdesk",)]


def test_wildcard_analyses_are_reused_only_for_the_very_same_document() -> None:
    """The analysis cache outlives one evaluation (patches reuse it): a policy of the same ARN
    with a new document is analysed afresh, never served the old verdict."""
    before = managed("Deploy", document=doc(allow("iam:PassRole")))
    after = replace(before, document=doc(allow("iam:PassRole", arn("role", "app"))))
    assert len(run(snapshot(policies=[before]), "policy.passrole-wildcard")) == 1
    assert run(snapshot(policies=[after]), "policy.passrole-wildcard") == []
    assert len(run(snapshot(policies=[before]), "policy.passrole-wildcard")) == 1


def test_unchanged_findings_of_rules_rerun_in_full_keep_their_objects() -> None:
    """Views patch a pane by finding identity: a full re-run must hand back the same objects."""
    bystander = user("bystander")
    snap = snapshot(
        users=[bystander],
        groups=[group("Empty")],
        policies=[managed("KmsAll", document=doc(allow("kms:*")))],
    )
    before = evaluate(snap, now=NOW)
    changed = replace(snap, users=(replace(bystander, groups=()),))
    after = evaluate_changes(before, changed, principals=[bystander.arn])
    rules = {"group.empty", "policy.service-wildcard", "account.no-support-role"}
    old = [f for f in before.findings if f.rule in rules]
    new = [f for f in after.findings if f.rule in rules]
    assert len(old) == 3 and all(a is b for a, b in zip(old, new, strict=True))
