"""Instance profiles and identity providers in the overview load: three account-wide reads, a
role-less profile seen (authorization details list only profiles attached to roles), each part
unavailable on its own with the reason, old snapshots without them still loading."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from test_loader import TRUST_EC2, connection

from iamtui.core import snapshot as snapshot_io
from iamtui.core.findings import part_missing
from iamtui.core.loader import load_account
from iamtui.core.model import (
    AccountSnapshot,
    IdentityProvider,
    IdentityProviderKind,
    InstanceProfile,
    Part,
    Tag,
)
from iamtui.core.rules import evaluate
from iamtui.emulator.demo import saml_metadata
from iamtui.emulator.server import Emulator
from tests.faults import inject

ACCOUNT = "123456789012"
GITHUB = "token.actions.githubusercontent.com"


def seed(iam: Any) -> None:
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web")
    iam.create_instance_profile(
        InstanceProfileName="empty", Path="/ci/", Tags=[{"Key": "Team", "Value": "ci"}]
    )
    iam.create_open_id_connect_provider(
        Url=f"https://{GITHUB}",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )
    iam.create_saml_provider(
        Name="Okta", SAMLMetadataDocument=saml_metadata("https://okta.example")
    )


def test_role_less_profiles_and_both_provider_kinds_load_in_three_requests(
    emulator: Emulator, iam: Any
) -> None:
    seed(iam)
    conn = connection(emulator)
    snap = load_account(conn)
    # Authorization details know only the profile that holds a role.
    role = snap.role("web")
    assert role is not None and role.instance_profiles == ("web",)
    assert snap.instance_profiles is not None
    profiles = {p.name: p for p in snap.instance_profiles}
    assert profiles["web"].roles == ("web",)
    empty = profiles["empty"]
    assert (empty.roles, empty.path, empty.tags) == ((), "/ci/", (Tag("Team", "ci"),))
    assert empty.create_date.tzinfo is not None
    assert snap.identity_providers is not None
    kinds = {(p.kind, p.name) for p in snap.identity_providers}
    assert kinds == {(IdentityProviderKind.OIDC, GITHUB), (IdentityProviderKind.SAML, "Okta")}
    saml = next(p for p in snap.identity_providers if p.kind is IdentityProviderKind.SAML)
    assert saml.create_date is not None and saml.valid_until is not None
    # One request each: no GetOpenIDConnectProvider per provider in the overview.
    ops = conn.counter.by_operation
    assert ops["iam:ListInstanceProfiles"] == 1
    assert ops["iam:ListOpenIDConnectProviders"] == ops["iam:ListSAMLProviders"] == 1
    assert "iam:GetOpenIDConnectProvider" not in ops and "iam:GetSAMLProvider" not in ops


def test_instance_profiles_are_read_past_the_first_page(emulator: Emulator, iam: Any) -> None:
    """The emulator pages ListInstanceProfiles like AWS; the loader asks for 1,000 a page."""
    backend = emulator.backend()
    for i in range(1005):
        backend.create_instance_profile(f"p{i:04}", path="/", role_names=[])
    conn = connection(emulator)
    snap = load_account(conn)
    assert snap.instance_profiles is not None and len(snap.instance_profiles) == 1005
    assert conn.counter.by_operation["iam:ListInstanceProfiles"] == 2


@pytest.mark.parametrize(
    ("operation", "part", "action"),
    [
        ("ListInstanceProfiles", Part.INSTANCE_PROFILES, "iam:ListInstanceProfiles"),
        ("ListSAMLProviders", Part.IDENTITY_PROVIDERS, "iam:ListSAMLProviders"),
        ("ListOpenIDConnectProviders", Part.IDENTITY_PROVIDERS, "iam:ListOpenIDConnectProviders"),
    ],
)
def test_a_denied_read_makes_its_part_unavailable_and_its_rule_not_evaluated(
    emulator: Emulator, iam: Any, operation: str, part: Part, action: str
) -> None:
    seed(iam)
    conn = connection(emulator)
    inject(conn.iam, operation, "AccessDenied", status=403)
    snap = load_account(conn)
    missing = snap.unavailable_part(part)
    assert missing is not None and action in missing.reason
    field = "instance_profiles" if part is Part.INSTANCE_PROFILES else "identity_providers"
    assert getattr(snap, field) is None  # unknown, never "none"
    rule = (
        "instance-profile.no-role" if part is Part.INSTANCE_PROFILES else "identity-provider.unused"
    )
    evaluation = evaluate(snap, now=datetime.now(UTC))
    assert rule in {n.rule.id for n in evaluation.not_evaluated}
    assert snap.role("web") is not None  # the rest loaded


def test_moto_as_shipped_loads_them_too(emulator: Emulator) -> None:
    """Plain moto ignores MaxItems on ListInstanceProfiles (one page): the product copes."""
    plain = Emulator(fidelity=False).start()
    try:
        seed(plain.client())
        snap = load_account(connection(plain))
    finally:
        plain.stop()
    assert snap.unavailable_part(Part.INSTANCE_PROFILES) is None
    assert snap.instance_profiles is not None
    assert {p.name for p in snap.instance_profiles} == {"web", "empty"}
    assert snap.identity_providers is not None and len(snap.identity_providers) == 2


def test_an_older_snapshot_without_them_loads_and_says_not_loaded() -> None:
    old = AccountSnapshot(account_id=ACCOUNT, loaded_at=datetime(2026, 1, 1, tzinfo=UTC))
    text = snapshot_io.dumps(old)
    assert "instance_profiles" not in text and "identity_providers" not in text
    back = snapshot_io.loads(text)
    assert back.instance_profiles is None and back.identity_providers is None
    assert part_missing(back, Part.INSTANCE_PROFILES) == "instance profiles not loaded"
    assert part_missing(back, Part.IDENTITY_PROVIDERS) == "identity providers not loaded"


def test_a_snapshot_with_them_round_trips() -> None:
    when = datetime(2025, 1, 1, tzinfo=UTC)
    snap = AccountSnapshot(
        account_id=ACCOUNT,
        loaded_at=when,
        instance_profiles=(
            InstanceProfile(
                "empty", f"arn:aws:iam::{ACCOUNT}:instance-profile/empty", "AIPA1", "/", when
            ),
        ),
        identity_providers=(
            IdentityProvider(
                f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta", IdentityProviderKind.SAML, when, when
            ),
        ),
    )
    assert snapshot_io.loads(snapshot_io.dumps(snap)) == snap


def test_the_read_only_policy_lists_the_three_reads() -> None:
    from click.testing import CliRunner

    from iamtui.cli import main

    result = CliRunner().invoke(main, ["policy", "--read-only"])
    assert result.exit_code == 0, result.output
    actions = {a for s in json.loads(result.output)["Statement"] for a in s["Action"]}
    assert {
        "iam:ListInstanceProfiles",
        "iam:ListOpenIDConnectProviders",
        "iam:ListSAMLProviders",
    } <= actions
    assert "iam:GetOpenIDConnectProvider" not in actions  # not in the overview: on demand
