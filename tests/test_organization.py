"""The account's organization: same-organization trust is expected, a member root without
credentials is judged as AWS's centralized root access makes it (issue 10, items 6 and 7)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from iamtui.core.loader import load_account
from iamtui.core.model import AccountSnapshot, AccountSummary, Organization, Part
from iamtui.core.rules import parse_settings
from iamtui.core.rules import root as root_rules
from iamtui.core.session import ConnectionSettings, connect
from iamtui.core.settings import Settings
from iamtui.emulator.fidelity.organizations import seed_organization
from iamtui.emulator.server import Emulator
from iamtui.emulator.state import DEFAULT_ACCOUNT_ID
from tests.builders import (
    ACCOUNT,
    OTHER_ACCOUNT,
    evaluate_rule,
    role,
    root_row,
    run,
    snapshot,
    trust,
)

MANAGEMENT = "999999999999"
RCM = ("RootCredentialsManagement",)


def partner(account: str) -> Any:
    return role("partner", trust_policy=trust({"AWS": f"arn:aws:iam::{account}:root"}))


def in_org(snap: AccountSnapshot, org: Organization) -> AccountSnapshot:
    return replace(snap, organization=org)


# --- role.cross-account-trust ---------------------------------------------------------------


def test_an_account_of_the_same_organization_is_expected_trust() -> None:
    """Scanned from a delegated administrator (a member that may list the accounts)."""
    org = Organization(True, "o-abc1234567", MANAGEMENT, account_ids=(ACCOUNT, OTHER_ACCOUNT))
    snap = in_org(snapshot(roles=[partner(OTHER_ACCOUNT)]), org)
    assert run(snap, "role.cross-account-trust") == []
    # Without the organization loaded the same trust is a finding (the rule did not change).
    assert run(snapshot(roles=[partner(OTHER_ACCOUNT)]), "role.cross-account-trust")


def test_members_trusted_by_the_management_account_are_reported() -> None:
    """SCPs do not apply to the management account: a member trusted there can escalate."""
    org = Organization(True, "o-abc1234567", ACCOUNT, account_ids=(ACCOUNT, OTHER_ACCOUNT))
    snap = in_org(snapshot(roles=[partner(OTHER_ACCOUNT)]), org)
    (finding,) = run(snap, "role.cross-account-trust")
    assert finding.accounts == (OTHER_ACCOUNT,)


def test_trust_organization_false_reports_same_organization_trust() -> None:
    org = Organization(True, "o-abc1234567", MANAGEMENT, account_ids=(ACCOUNT, OTHER_ACCOUNT))
    snap = in_org(snapshot(roles=[partner(OTHER_ACCOUNT)]), org)
    settings = parse_settings("[trust]\norganization = false\n")
    (finding,) = run(snap, "role.cross-account-trust", settings)
    assert finding.accounts == (OTHER_ACCOUNT,)


def test_a_member_knows_its_management_account_but_not_the_others() -> None:
    """A member may describe its organization (management account) but not list the accounts."""
    org = Organization(True, "o-abc1234567", MANAGEMENT, account_ids=None, root_features=None)
    assert run(in_org(snapshot(roles=[partner(MANAGEMENT)]), org), "role.cross-account-trust") == []
    (finding,) = run(
        in_org(snapshot(roles=[partner(OTHER_ACCOUNT)]), org), "role.cross-account-trust"
    )
    assert finding.accounts == (OTHER_ACCOUNT,)


def test_not_in_an_organization_expects_nothing() -> None:
    org = Organization(False, note="not in an AWS Organization")
    assert run(in_org(snapshot(roles=[partner(OTHER_ACCOUNT)]), org), "role.cross-account-trust")


def test_trust_organization_must_be_a_boolean() -> None:
    with pytest.raises(ValueError, match=r"trust\.organization: expected true or false"):
        parse_settings('[trust]\norganization = "yes"\n')
    assert Settings().trust_organization is True


# --- root.no-mfa ------------------------------------------------------------------------------


def credentialless(org: Organization | None) -> AccountSnapshot:
    """Root with no password in use, no keys and no MFA: what centralized root access leaves."""
    snap = snapshot(
        root=root_row(mfa=False, password_used=None), summary=AccountSummary(False, False)
    )
    return replace(snap, organization=org)


def test_member_root_with_the_feature_on_is_unknown_not_a_pass() -> None:
    """The feature does not remove existing roots' passwords: the data cannot prove this one."""
    org = Organization(True, "o-abc1234567", MANAGEMENT, root_features=RCM)
    result = evaluate_rule(credentialless(org), "root.no-mfa")
    assert not result.findings
    (skipped,) = result.not_evaluated
    assert skipped.reason == root_rules.CENTRAL_ROOT_UNPROVEN


def test_a_root_signing_certificate_is_a_credential() -> None:
    org = Organization(True, "o-abc1234567", MANAGEMENT, root_features=RCM)
    snap = credentialless(org)
    assert snap.credential_report is not None and snap.credential_report.root is not None
    root = snap.credential_report.root
    with_cert = replace(root, cert_1=replace(root.cert_1, active=True))
    snap = replace(snap, credential_report=replace(snap.credential_report, root=with_cert))
    assert run(snap, "root.no-mfa")


def test_member_that_cannot_read_the_features_is_unknown_not_critical() -> None:
    """Before: a critical finding on every member account of an org using central root access."""
    org = Organization(True, "o-abc1234567", MANAGEMENT, root_features=None)
    result = evaluate_rule(credentialless(org), "root.no-mfa")
    assert not result.findings
    (skipped,) = result.not_evaluated
    assert skipped.reason == root_rules.MEMBER_ROOT_UNPROVEN


def test_the_management_account_root_is_not_covered_by_centralized_root_access() -> None:
    """AWS: centralized root access manages member accounts' root users only."""
    org = Organization(True, "o-abc1234567", ACCOUNT, root_features=RCM)
    (finding,) = run(credentialless(org), "root.no-mfa")
    assert finding.rule == "root.no-mfa"


@pytest.mark.parametrize(
    "org",
    [
        None,
        Organization(False, note="not in an AWS Organization"),
        Organization(True, "o-abc1234567", MANAGEMENT, root_features=()),
    ],
    ids=["not-loaded", "not-in-org", "feature-off"],
)
def test_root_without_mfa_still_fires(org: Organization | None) -> None:
    assert run(credentialless(org), "root.no-mfa")


def test_a_member_root_with_a_password_in_use_still_fires() -> None:
    org = Organization(True, "o-abc1234567", MANAGEMENT, root_features=RCM)
    snap = replace(
        snapshot(root=root_row(mfa=False, password_used=3), summary=AccountSummary(False, False)),
        organization=org,
    )
    assert run(snap, "root.no-mfa")


# --- loading it through the emulator ---------------------------------------------------------


def conn_for(emulator: Emulator) -> Any:
    settings = ConnectionSettings(
        region="us-east-1",
        endpoint_url=emulator.endpoint_url,
        static_credentials=("testing", "testing"),
    )
    return connect(settings, max_attempts=2)


def test_the_management_account_reads_every_account_and_the_features(emulator: Emulator) -> None:
    members = [f"{n:012d}" for n in range(210987654300, 210987654325)]  # 26 accounts: 2 pages
    seed_organization(DEFAULT_ACCOUNT_ID, members, organization_id="o-abc1234567", features=RCM)
    snap = load_account(conn_for(emulator))
    org = snap.organization
    assert org is not None and snap.unavailable_part(Part.ORGANIZATION) is None
    assert org.organization_id == "o-abc1234567"
    assert org.management_account_id == DEFAULT_ACCOUNT_ID
    assert org.account_ids == tuple(sorted([DEFAULT_ACCOUNT_ID, *members]))
    assert org.root_features == RCM and org.note == ""


def test_suspended_accounts_are_not_expected_trust(emulator: Emulator) -> None:
    """ListAccounts lists suspended and closing accounts for a while: their trust is dead."""
    from iamtui.emulator.state import extras

    members = ["210987654321", "210987654322"]
    org = seed_organization(DEFAULT_ACCOUNT_ID, members, features=RCM)
    org.account_states = {"210987654322": "SUSPENDED"}
    snap = load_account(conn_for(emulator))
    assert snap.organization is not None
    assert snap.organization.account_ids == tuple(sorted([DEFAULT_ACCOUNT_ID, members[0]]))
    assert extras(DEFAULT_ACCOUNT_ID).organization is org


def test_a_member_account_reads_its_organization_as_aws_lets_it(emulator: Emulator) -> None:
    seed_organization(MANAGEMENT, [DEFAULT_ACCOUNT_ID], features=RCM)
    snap = load_account(conn_for(emulator))
    org = snap.organization
    assert org is not None and org.in_organization
    assert org.management_account_id == MANAGEMENT
    assert org.account_ids is None and org.root_features is None
    assert "ListAccounts" in org.note and "member account" in org.note


def test_an_account_in_no_organization(emulator: Emulator) -> None:
    snap = load_account(conn_for(emulator))
    assert snap.organization == Organization(
        False, root_features=(), note="not in an AWS Organization"
    )


def test_offline_root_checks_use_the_organization_the_snapshot_loaded() -> None:
    """The Root pane and `root --snapshot` make no live calls, but every load read the org."""
    from iamtui.core.root import RootExtra, StepId, evaluate_root

    org = Organization(True, "o-abc1234567", MANAGEMENT, root_features=RCM)
    snap = credentialless(org)
    report = evaluate_root(snap, RootExtra.not_loaded("offline", snap), now=snap.loaded_at)
    steps = {s.id: s for s in report.steps}
    assert steps[StepId.MFA].status.value == "unknown"
    assert steps[StepId.MFA].reason == root_rules.CENTRAL_ROOT_UNPROVEN
    assert "o-abc1234567" in steps[StepId.CENTRALIZED_ROOT_ACCESS].summary
    without = evaluate_root(snap, RootExtra.not_loaded("offline"), now=snap.loaded_at)
    assert {s.id: s for s in without.steps}[
        StepId.CENTRALIZED_ROOT_ACCESS
    ].status.value == "unknown"


def _answer(client: Any, operation: str, body: dict[str, Any], *, repeat: bool = True) -> None:
    """Make the endpoint answer ``operation`` with ``body`` (a botocore event, not a patch)."""
    import json

    from botocore.awsrequest import AWSResponse

    class Raw:
        def __init__(self, data: bytes) -> None:
            self.data = data

        def stream(self, **_: Any) -> Any:
            yield self.data

    counter = {"n": 0}

    def reply(**_: Any) -> AWSResponse:
        counter["n"] += 1
        data = dict(body)
        if repeat and "NextToken" in data:
            data["NextToken"] = f"t{counter['n']}"
        raw = json.dumps(data).encode()
        headers = {"content-type": "application/x-amz-json-1.1"}
        return AWSResponse("https://x", 200, headers, Raw(raw))

    client.meta.events.register(f"before-send.organizations.{operation}", reply)


def test_an_endless_account_list_is_cut_off_not_followed_forever(emulator: Emulator) -> None:
    """Before: an endpoint always sending a new NextToken hung the load, past any cancel."""
    from iamtui.core.organization import MAX_ACCOUNT_PAGES

    seed_organization(DEFAULT_ACCOUNT_ID, ["210987654321"], features=RCM)
    conn = conn_for(emulator)
    _answer(conn.organizations, "ListAccounts", {"Accounts": [], "NextToken": "x"})
    snap = load_account(conn)
    assert snap.organization is not None and snap.organization.account_ids is None
    assert f"more than {MAX_ACCOUNT_PAGES} pages" in snap.organization.note


def test_an_organization_answer_of_the_wrong_shape_is_unavailable_not_saved(
    emulator: Emulator,
) -> None:
    """Before: an int organization id was kept, saved, and the snapshot then refused to load."""
    seed_organization(DEFAULT_ACCOUNT_ID, ["210987654321"], features=RCM)
    conn = conn_for(emulator)
    _answer(conn.organizations, "DescribeOrganization", {"Organization": {"Id": 123}})
    snap = load_account(conn)
    assert snap.organization is None
    missing = snap.unavailable_part(Part.ORGANIZATION)
    assert missing is not None and missing.code == "MalformedResponse"


def test_iamtui_root_does_not_read_the_features_the_load_already_read(emulator: Emulator) -> None:
    """Every load reads ListOrganizationsFeatures now: the root checks reuse it."""
    from iamtui.core.root import load_root_state

    seed_organization(DEFAULT_ACCOUNT_ID, ["210987654321"], features=RCM)
    conn = conn_for(emulator)
    snap = load_account(conn)
    before = conn.counter.by_operation.get("iam:ListOrganizationsFeatures", 0)
    state = load_root_state(conn, snap)
    assert conn.counter.by_operation.get("iam:ListOrganizationsFeatures", 0) == before == 1
    assert state.organization.value == snap.organization
