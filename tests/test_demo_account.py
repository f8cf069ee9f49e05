"""The Northwind demo account, seeded in-process and read back over HTTP with real boto3."""

from __future__ import annotations

import csv
import io
import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from iamtui.core.findings import Evaluation
from iamtui.core.loader import load_account, load_last_accessed_batch, load_user_detail
from iamtui.core.rules import RULE_IDS, evaluate
from iamtui.core.session import ConnectionSettings, connect
from iamtui.emulator.demo import (
    ALIAS,
    BOOTSTRAP_ROLE,
    CURRENT_SERVER_CERTIFICATE,
    EMPTY_GROUP,
    EMPTY_INSTANCE_PROFILE,
    ESCALATION_ROLE,
    EXPIRED_SERVER_CERTIFICATE,
    EXPIRING_SERVER_CERTIFICATE,
    GROUPLESS_USER,
    KEYS_AT_SETUP_USER,
    KMS_WILDCARD_POLICY,
    RIGHTSIZE_ROLE,
    ROOT_VARIANT_RULES,
    SIGNING_CERT_USER,
    SSH_KEY_USER,
    UNASSIGNED_MFA_DEVICE,
    UNUSED_OIDC_HOST,
    UNUSED_SAML_PROVIDER,
    DemoAccount,
    seed_demo_account,
)
from iamtui.emulator.seed import RootKeySpec, Seeder, seed_scale
from iamtui.emulator.server import Emulator

ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.fixture
def demo(emulator: Emulator, now: datetime) -> DemoAccount:
    """The demo seeded into the emulator's default account."""
    return seed_demo_account(emulator.backend(), emulator.extras(), now)


@pytest.fixture
def client(emulator: Emulator) -> Any:
    """boto3 IAM over HTTP, as iamtui's loader talks to the emulator."""
    return emulator.client("iam")


def _all(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item of a paged List* call (moto and AWS both page at 100)."""
    return [
        item for page in client.get_paginator(operation).paginate(**kwargs) for item in page[key]
    ]


def test_users_live_under_team_paths(demo: DemoAccount, client: Any) -> None:
    users = _all(client, "list_users", "Users")
    # 40 + the issue-13 users (demo._seed_coverage: two, demo._seed_groupless: one)
    assert len(users) == 43
    paths = {user["Path"] for user in users}
    assert {"/engineering/", "/data/", "/finance/", "/contractors/", "/automation/"} <= paths
    by_name = {user["UserName"]: user for user in users}
    assert by_name[demo.ci_bot]["Path"] == "/automation/"
    assert by_name[demo.break_glass]["Path"] == "/"


def test_roles_include_protected_service_and_sso_roles(demo: DemoAccount, client: Any) -> None:
    roles = {role["RoleName"]: role for role in _all(client, "list_roles", "Roles")}
    # 30 + the two issue-13 escalation roles (demo._seed_escalation) + the issue-14 role to
    # right-size (demo._seed_rightsize)
    assert len(roles) == 33
    for name in demo.service_linked_roles:
        assert roles[name]["Path"].startswith("/aws-service-role/")
    for name in demo.sso_roles:
        assert roles[name]["Path"].startswith("/aws-reserved/sso.amazonaws.com/")
    assert roles[demo.lambda_role]["Path"] == "/service-role/"


def test_alias_and_weak_password_policy(demo: DemoAccount, client: Any) -> None:
    assert client.list_account_aliases()["AccountAliases"] == [ALIAS]
    policy = client.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 8
    assert policy["RequireSymbols"] is False
    assert "PasswordReusePrevention" not in policy


def test_exactly_one_group_grants_administrator_access(demo: DemoAccount, client: Any) -> None:
    groups = _all(client, "list_groups", "Groups")
    with_admin = [
        group["GroupName"]
        for group in groups
        if ADMIN_ARN
        in {
            policy["PolicyArn"]
            for policy in client.list_attached_group_policies(GroupName=group["GroupName"])[
                "AttachedPolicies"
            ]
        }
    ]
    assert with_admin == [demo.admin_group]
    attached = client.list_attached_user_policies(UserName=demo.break_glass)["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [ADMIN_ARN]


def test_fresh_rotated_key_has_no_last_used_date(
    demo: DemoAccount, client: Any, now: datetime
) -> None:
    (key,) = client.list_access_keys(UserName=demo.fresh_rotation_user)["AccessKeyMetadata"]
    assert key["Status"] == "Active"
    assert now - key["CreateDate"] == timedelta(days=2)
    last_used = client.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert "LastUsedDate" not in last_used["AccessKeyLastUsed"]
    assert last_used["AccessKeyLastUsed"]["ServiceName"] == "N/A"


def test_key_states_read_back(demo: DemoAccount, client: Any) -> None:
    statuses = [
        key["Status"]
        for key in client.list_access_keys(UserName=demo.inactive_key_user)["AccessKeyMetadata"]
    ]
    assert sorted(statuses) == ["Active", "Inactive"]
    two = client.list_access_keys(UserName=demo.two_keys_user)["AccessKeyMetadata"]
    assert [key["Status"] for key in two] == ["Active", "Active"]


def test_role_used_in_another_region_reports_that_region(
    demo: DemoAccount, client: Any, now: datetime
) -> None:
    last = client.get_role(RoleName=demo.other_region_role)["Role"]["RoleLastUsed"]
    assert last["Region"] == "eu-west-1"
    assert now - last["LastUsedDate"] == timedelta(days=3)
    assert "LastUsedDate" not in client.get_role(RoleName=demo.never_used_role)["Role"].get(
        "RoleLastUsed", {}
    )


def test_vendor_trusts_differ_only_by_external_id(demo: DemoAccount, client: Any) -> None:
    bare = client.get_role(RoleName=demo.vendor_role)["Role"]["AssumeRolePolicyDocument"]
    guarded = client.get_role(RoleName=demo.vendor_role_external_id)["Role"][
        "AssumeRolePolicyDocument"
    ]
    assert bare["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{demo.vendor_account}:root"}
    assert "Condition" not in bare["Statement"][0]
    assert "sts:ExternalId" in guarded["Statement"][0]["Condition"]["StringEquals"]


def test_root_has_active_key_and_no_mfa(demo: DemoAccount, client: Any) -> None:
    summary = client.get_account_summary()["SummaryMap"]
    assert summary["AccountMFAEnabled"] == 0
    assert summary["AccountAccessKeysPresent"] == 1


def test_credential_report_has_root_row(demo: DemoAccount, client: Any, now: datetime) -> None:
    for _ in range(100):  # generation takes time, as on AWS
        if client.generate_credential_report()["State"] == "COMPLETE":
            break
        time.sleep(0.05)
    rows = {
        row["user"]: row
        for row in csv.DictReader(io.StringIO(client.get_credential_report()["Content"].decode()))
    }
    root = rows["<root_account>"]
    assert root["mfa_active"] == "false"
    assert root["access_key_1_active"] == "true"
    assert rows[demo.fresh_rotation_user]["access_key_1_last_used_date"] == "N/A"
    assert len(rows) == 44


def test_seeding_is_deterministic(emulator: Emulator, now: datetime) -> None:
    """Two seeds give the same account (its speed is measured by bench/, not asserted here)."""

    def shape(account_id: str) -> list[tuple[Any, ...]]:
        backend = emulator.backend(account_id)
        seed_demo_account(backend, emulator.extras(account_id), now)
        return sorted(
            (u.name, u.path, u.create_date, tuple((k.status, k.create_date) for k in u.access_keys))
            for u in backend.users.values()
        ) + sorted((r.name, r.path, r.create_date, r.last_used) for r in backend.roles.values())

    assert shape("111111111111") == shape("222222222222")


def test_scale_seed_counts_and_key_limits(emulator: Emulator, client: Any, now: datetime) -> None:
    seed_scale(emulator.backend(), emulator.extras(), users=150, roles=120, now=now)
    users = _all(client, "list_users", "Users")
    assert len(users) == 150
    assert len(_all(client, "list_roles", "Roles")) == 120
    backend = emulator.backend()
    assert all(len(user.access_keys) <= 2 for user in backend.users.values())
    assert any(len(user.access_keys) == 2 for user in backend.users.values())
    assert any(user.password for user in backend.users.values())


def _evaluate(emulator: Emulator, now: datetime) -> Evaluation:
    """Load the account like the product does (with last-accessed data) and run every rule."""
    emulator.extras().last_accessed_polls = 0
    conn = connect(
        ConnectionSettings(
            endpoint_url=emulator.endpoint_url,
            region="us-east-1",
            static_credentials=("testing", "testing"),
        )
    )
    snapshot = load_account(conn, clock=lambda: now)
    arns = [user.arn for user in snapshot.users] + [role.arn for role in snapshot.roles]
    batch = load_last_accessed_batch(conn, arns, workers=8)
    assert not batch.failures
    # The operator opens the SSH key holder: its SSH keys are read on demand, not in the load.
    opened = snapshot.user(SSH_KEY_USER)
    assert opened is not None
    snapshot = snapshot.with_details(load_user_detail(conn, opened, clock=lambda: now))
    return evaluate(snapshot.with_last_accessed(*batch.results.values()), now=now)


def test_demo_variant_with_a_virtual_root_device_shows_root_virtual_mfa(
    demo: DemoAccount, emulator: Emulator, now: datetime
) -> None:
    """The demo with its root given a virtual MFA device (nothing else changed) shows the rules
    of ``ROOT_VARIANT_RULES``, and only their partners go away."""
    before = {(f.rule, f.principal_name) for f in _evaluate(emulator, now).active}
    assert set(ROOT_VARIANT_RULES.values()) <= {rule for rule, _ in before}
    state = emulator.extras().root
    assert state is not None
    Seeder(emulator.backend(), emulator.extras(), now).root(
        created=state.created,
        password_last_used=state.password_last_used,
        password_last_changed=state.password_last_changed,
        mfa="virtual",
        mfa_enabled_at=now - timedelta(days=400),
        keys=[
            RootKeySpec(
                k.last_rotated, k.active, k.last_used, k.last_used_service, k.last_used_region
            )
            for k in state.keys
        ],
    )
    after = {(f.rule, f.principal_name) for f in _evaluate(emulator, now).active}
    assert after - before == {(rule, "root") for rule in ROOT_VARIANT_RULES}
    assert before - after == {(rule, "root") for rule in ROOT_VARIANT_RULES.values()}


def test_demo_triggers_every_rule_and_springs_no_trap(
    demo: DemoAccount, emulator: Emulator, now: datetime
) -> None:
    evaluation = _evaluate(emulator, now)
    flagged = {(f.rule, f.principal_name) for f in evaluation.active}
    assert {rule for rule, _ in flagged} == RULE_IDS - set(ROOT_VARIANT_RULES)
    expected = {
        ("access-key.unused", demo.stale_key_user),
        ("access-key.never-used", demo.never_used_key_user),
        ("access-key.never-used", demo.never_used_bot),
        ("access-key.rotation-due", demo.ci_bot),
        ("access-key.two-active", demo.two_keys_user),
        ("access-key.inactive", demo.inactive_key_user),
        ("user.console-without-mfa", demo.contractor_no_mfa),
        ("user.password-unused", demo.never_logged_in_user),
        ("user.password-unused", demo.password_unused_user),
        ("user.inactive", demo.ex_employee),
        ("user.long-term-credentials", demo.ci_bot),
        ("user.direct-policies", demo.direct_policy_user),
        ("user.direct-policies", demo.inline_admin_user),
        ("role.unused", demo.unused_role),
        ("role.unused", demo.never_used_role),
        ("role.cross-account-trust", demo.vendor_role),
        ("role.public-trust", demo.public_trust_role),
        ("role.stale-trust", demo.unused_role),
        ("role.confused-deputy", demo.never_used_role),
        ("policy.admin-access", demo.break_glass),
        ("policy.admin-access", demo.inline_admin_user),
        ("policy.effective-admin", demo.ci_bot),
        ("policy.effective-admin", demo.oidc_role),
        ("policy.unattached", demo.unattached_policy),
        ("permissions.unused-services", demo.partial_usage_user),
        ("permissions.unused-services", demo.lambda_role),
        # issue 13: rules read from the overview load (demo._seed_coverage, plus what was there)
        ("policy.passrole-wildcard", "NorthwindDeployPolicy"),
        ("policy.service-wildcard", KMS_WILDCARD_POLICY),
        ("policy.service-wildcard", "NorthwindDeveloperAccess"),
        ("policy.service-wildcard", "Finance"),
        ("policy.cloudshell-full-access", EMPTY_GROUP),
        ("account.no-support-role", ALIAS),
        ("user.keys-at-setup", KEYS_AT_SETUP_USER),
        ("cert.signing-active", SIGNING_CERT_USER),
        ("mfa.unassigned-virtual", UNASSIGNED_MFA_DEVICE),
        ("group.empty", EMPTY_GROUP),
        # issue 13: privilege escalation (demo._seed_escalation)
        ("permissions.privilege-escalation", ESCALATION_ROLE),
        ("policy.admin-access", BOOTSTRAP_ROLE),
        # users without MFA: keys-only machine users (console users are console-without-mfa's)
        ("user.no-mfa", demo.ci_bot),
        ("user.no-mfa", demo.admin_bot),
        ("user.no-mfa", demo.never_used_bot),
        ("user.no-group", GROUPLESS_USER),
        ("user.no-group", SIGNING_CERT_USER),
        ("server-cert.expired", EXPIRED_SERVER_CERTIFICATE),
        ("server-cert.expiring", EXPIRING_SERVER_CERTIFICATE),
        ("account.access-analyzer-disabled", ALIAS),
        ("ssh-key.rotation-due", SSH_KEY_USER),
        ("instance-profile.no-role", EMPTY_INSTANCE_PROFILE),
        ("identity-provider.unused", UNUSED_OIDC_HOST),
        ("identity-provider.unused", UNUSED_SAML_PROVIDER),
        # issue 14: the role right-sizing drops unused services from (demo._seed_rightsize)
        ("permissions.unused-services", RIGHTSIZE_ROLE),
    }
    assert expected <= flagged
    traps = {
        ("access-key.never-used", demo.fresh_rotation_user),
        ("user.password-unused", demo.new_hire),
        ("role.unused", demo.other_region_role),
        ("role.unused", demo.new_role),
        ("role.confused-deputy", demo.active_role),
        ("role.confused-deputy", demo.lambda_role),
        ("role.cross-account-trust", demo.vendor_role_external_id),
        ("role.cross-account-trust", demo.org_conditioned_role),
        ("role.cross-account-trust", demo.boundary_role),
        # a policy used only as a permissions boundary grants nothing
        ("policy.service-wildcard", demo.boundary_policy),
        # a key made with the user and used, or made later, is not "at setup"
        ("user.keys-at-setup", demo.never_used_key_user),
        ("user.keys-at-setup", demo.fresh_rotation_user),
        *(("group.empty", name) for name in demo.groups),
        # administrators are policy.admin-access's and policy.effective-admin's, not escalation's
        ("permissions.privilege-escalation", demo.break_glass),
        ("permissions.privilege-escalation", demo.ci_bot),
        ("permissions.privilege-escalation", BOOTSTRAP_ROLE),
        # a console user without MFA gets one MFA finding, not two
        ("user.no-mfa", demo.contractor_no_mfa),
        ("server-cert.expired", CURRENT_SERVER_CERTIFICATE),
        ("server-cert.expiring", CURRENT_SERVER_CERTIFICATE),
        ("server-cert.expiring", EXPIRED_SERVER_CERTIFICATE),
        ("server-cert.expired", EXPIRING_SERVER_CERTIFICATE),
        # trusted by github-actions-deploy, okta-data-scientists and the SSO roles
        ("identity-provider.unused", "token.actions.githubusercontent.com"),
        ("identity-provider.unused", "Okta"),
        # the web tier's profile holds its role
        ("instance-profile.no-role", demo.instance_profile_role),
        *(("role.unused", name) for name in demo.service_linked_roles + demo.sso_roles),
    }
    assert not traps & flagged
    assert not {name for _, name in flagged} & set(demo.clean_users)
