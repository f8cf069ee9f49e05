"""Policy-document analysis: normalisation, admin detection, trust analysis, effective policies."""

from __future__ import annotations

from typing import Any

import pytest
from builders import (
    ACCOUNT,
    ADMIN_ARN,
    ADMIN_DOCUMENT,
    OTHER_ACCOUNT,
    READONLY_ARN,
    group,
    managed,
    trust,
    user,
)

from iamtui.core import policy
from iamtui.core.policy import (
    PolicySource,
    account_of,
    analyse_trust,
    is_admin_document,
    is_administrator_access,
    restricts,
    statements,
    user_policies,
)
from iamtui.core.protected import protection_reason
from iamtui.core.rules import parse_settings
from iamtui.core.settings import ConfigError, Settings


def test_statements_normalise_strings_to_lists() -> None:
    (s,) = statements(
        {
            "Statement": {
                "Sid": "One",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
                "Condition": {"Bool": {"aws:SecureTransport": True}},
            }
        }
    )
    assert s.sid == "One" and s.allows
    assert s.actions == ("s3:GetObject",)
    assert s.resources == ("arn:aws:s3:::b/*",)
    assert s.not_actions is None
    assert s.conditions == {"Bool": {"aws:SecureTransport": ("true",)}}


def test_statements_tolerate_malformed_documents() -> None:
    assert statements(None) == ()
    assert statements({"Statement": "nonsense"}) == ()
    assert len(statements({"Statement": [42, {"Effect": "Deny", "NotAction": ["iam:*"]}]})) == 1


def test_actions_match_case_insensitively_and_not_action_inverts() -> None:
    (s,) = statements({"Statement": [{"Effect": "Allow", "Action": "STS:Assume*"}]})
    assert s.matches_action("sts:AssumeRole")
    (n,) = statements({"Statement": [{"Effect": "Allow", "NotAction": "iam:*"}]})
    assert n.matches_action("sts:AssumeRole") and not n.matches_action("iam:CreateUser")


@pytest.mark.parametrize(
    ("statement", "admin"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": ["s3:*", "*:*"], "Resource": ["*"]}, True),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::x"}, False),
        ({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::x"}, False),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, False),
        (
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            },
            False,
        ),
    ],
)
def test_admin_is_allow_star_on_star_without_condition(
    statement: dict[str, Any], admin: bool
) -> None:
    assert is_admin_document({"Statement": [statement]}) is admin


def test_administrator_access_in_any_partition() -> None:
    assert is_administrator_access(ADMIN_ARN)
    assert is_administrator_access("arn:aws-us-gov:iam::aws:policy/AdministratorAccess")
    assert not is_administrator_access(f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess")
    assert not is_administrator_access(READONLY_ARN)


def test_account_of_principals() -> None:
    assert account_of(OTHER_ACCOUNT) == OTHER_ACCOUNT
    assert account_of(f"arn:aws:iam::{OTHER_ACCOUNT}:role/x") == OTHER_ACCOUNT
    assert account_of(f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/x/s") == OTHER_ACCOUNT
    assert account_of("AROAJQABLZS4A3QDU576Q") is None
    assert account_of("*") is None


GH_SUB = "token.actions.githubusercontent.com:sub"


@pytest.mark.parametrize(
    ("operator", "key", "values", "expected"),
    [
        ("StringEquals", "aws:PrincipalOrgID", ["o-abc"], True),
        ("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", ["o-abc/*"], True),
        ("StringEqualsIfExists", "aws:PrincipalOrgID", ["o-abc"], False),
        ("ForAllValues:StringEquals", "aws:PrincipalOrgID", ["o-abc"], False),
        ("StringLike", "sts:ExternalId", ["*"], False),
        ("StringLike", GH_SUB, ["repo:*"], False),
        ("IpAddress", "aws:SourceIp", ["0.0.0.0/0"], False),
        ("IpAddress", "aws:SourceIp", ["0.0.0.0/1", "128.0.0.0/1"], False),
        ("IpAddress", "aws:SourceIp", ["::/0"], False),
        ("IpAddress", "aws:SourceIp", ["::/1", "8000::/1", "203.0.113.0/24"], False),
        ("IpAddress", "aws:SourceIp", ["0.0.0.0/1", "203.0.113.0/24"], True),
        ("IpAddress", "aws:SourceIp", ["203.0.113.0/24"], True),
        ("StringNotEquals", "aws:PrincipalOrgID", ["o-abc"], False),
        ("Null", "aws:PrincipalOrgID", ["false"], False),
        # Wildcards in the part that names the caller pin nothing (issue 10, item 3).
        ("StringLike", "aws:PrincipalOrgID", ["o-*"], False),
        ("StringLike", "aws:PrincipalOrgPaths", ["o-*/*"], False),
        ("ArnLike", "aws:PrincipalArn", ["arn:aws:iam::*:role/*"], False),
        ("ArnEquals", "aws:PrincipalArn", ["arn:aws:iam::*:role/deploy"], False),
        ("ArnLike", "aws:PrincipalArn", ["arn:aws:iam::123456789012:role/*"], True),
        ("StringLike", "aws:PrincipalAccount", ["1234*"], False),
        ("ArnLike", "aws:SourceArn", ["arn:aws:s3:::*"], False),
        ("ArnLike", "aws:SourceArn", ["arn:aws:s3:::my-bucket"], True),
        ("StringLike", "aws:userid", ["AROAEXAMPLE:*"], True),
        ("StringLike", "aws:userid", ["*:alice"], False),
        ("StringLike", GH_SUB, ["repo:*/*"], False),
        ("StringLike", GH_SUB, ["*:*"], False),
        ("StringLike", GH_SUB, ["repo:acme*/app:*"], False),
        ("StringLike", GH_SUB, ["repo:acme/*"], True),
        ("StringLike", GH_SUB, ["repo:acme/app:ref:refs/heads/main"], True),
        ("StringLike", "agent.buildkite.com:sub", ["organization:acme:pipeline:*"], True),
        ("StringLike", "agent.buildkite.com:sub", ["organization:*"], False),
        # Values are ORed: one match-all value lets everyone in.
        ("StringLike", GH_SUB, ["repo:acme/app:*", "repo:*"], False),
        # StringEquals has no wildcards: "o-*" is a literal that matches no organization.
        ("StringEquals", "aws:PrincipalOrgID", ["o-*"], True),
    ],
)
def test_restricting_operators(operator: str, key: str, values: list[str], expected: bool) -> None:
    assert restricts(operator, key, values) is expected


def test_trust_analysis_classifies_each_principal() -> None:
    doc = {
        "Statement": [
            {
                "Sid": "Partners",
                "Effect": "Allow",
                "Principal": {
                    "AWS": [f"arn:aws:iam::{OTHER_ACCOUNT}:root", f"arn:aws:iam::{ACCOUNT}:root"],
                    "Service": "ec2.amazonaws.com",
                },
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": "999999999999"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "abc"}},
            },
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:TagSession"},
        ]
    }
    analysis = analyse_trust(doc)
    assert analysis.principals() == (
        f"arn:aws:iam::{OTHER_ACCOUNT}:root",
        f"arn:aws:iam::{ACCOUNT}:root",
        "ec2.amazonaws.com",
        "999999999999",
    )
    (unrestricted,) = analysis.other_accounts(ACCOUNT)
    assert (unrestricted.account, unrestricted.sid, unrestricted.restricted) == (
        OTHER_ACCOUNT,
        "Partners",
        False,
    )
    assert analysis.public() == ()


def test_trust_restricting_keys_are_reported() -> None:
    doc = trust(
        {"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-abc", "sts:ExternalId": "x"}}
    )
    (grant,) = analyse_trust(doc).grants
    assert grant.public and grant.restricting_keys == ("aws:principalorgid",)


def test_effective_policies_of_a_user() -> None:
    custom = managed("Deploy", document={"Statement": []})
    u = user("ops", groups=["Admins", "Missing"], attached=[custom.arn], inline={"own": {}})
    groups = {"Admins": group("Admins", attached=[ADMIN_ARN], inline={"extra": ADMIN_DOCUMENT})}
    found = user_policies(u, groups, {custom.arn: custom})
    assert [s.path for s in found] == [
        "inline own",
        "Deploy",
        "via group Admins: inline extra",
        "via group Admins: AdministratorAccess",
    ]
    assert [s.grants_admin for s in found] == [False, False, True, True]
    assert found[1].document == {"Statement": []}
    assert found[3].document is None  # not loaded: still admin by ARN


def test_policy_source_path_and_kind() -> None:
    source = PolicySource("AdministratorAccess", ADMIN_ARN, None, via_group="Admins")
    assert source.path == "via group Admins: AdministratorAccess"
    assert not source.inline
    assert policy.PolicySource("p", None, {}).inline


# --- issue 10: trust semantics, protected roles ------------------------------------------------


def test_unique_ids_are_stale_trust_not_accounts() -> None:
    doc = trust({"AWS": ["AROAJQABLZS4A3QDU576Q", f"arn:aws:iam::{OTHER_ACCOUNT}:root"]})
    analysis = analyse_trust(doc)
    assert [g.principal for g in analysis.stale()] == ["AROAJQABLZS4A3QDU576Q"]
    assert policy.is_unique_id("AIDAJQABLZS4A3QDU576Q")
    assert not policy.is_unique_id(OTHER_ACCOUNT)


def test_unconditional_deny_leaves_out_the_grant_it_cancels() -> None:
    doc = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "Principal": "*", "Action": "sts:Assume*"},
        ]
    }
    assert analyse_trust(doc).grants == ()


def test_deny_of_another_action_leaves_the_grant_open() -> None:
    doc = {
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}},
            },
        ]
    }
    (grant,) = analyse_trust(doc).public()
    assert grant.restricting_keys == ()


@pytest.mark.parametrize(
    ("operator", "credited"),
    [
        ("StringNotEquals", True),
        ("StringNotEqualsIfExists", True),
        ("ForAnyValue:StringNotEquals", False),
        ("ForAllValues:StringNotEquals", False),
    ],
)
def test_deny_unless_in_org_is_credited_only_when_it_applies_to_org_less_callers(
    operator: str, credited: bool
) -> None:
    """A caller in no organization has no aws:PrincipalOrgID: ForAnyValue is then false."""
    doc = {
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Condition": {operator: {"aws:PrincipalOrgID": "o-abc1234567"}},
            },
        ]
    }
    assert bool(analyse_trust(doc).public()) is not credited


@pytest.mark.parametrize(
    ("principal", "condition", "restricted"),
    [
        (OTHER_ACCOUNT, {"StringEquals": {"aws:PrincipalAccount": OTHER_ACCOUNT}}, False),
        (OTHER_ACCOUNT, {"StringEquals": {"aws:PrincipalOrgID": "o-vendororg1"}}, False),
        (
            OTHER_ACCOUNT,
            {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER_ACCOUNT}:*"}},
            False,
        ),
        (
            OTHER_ACCOUNT,
            {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER_ACCOUNT}:role/*"}},
            True,
        ),
        (f"arn:aws:iam::{OTHER_ACCOUNT}:root", {"StringEquals": {"sts:ExternalId": "x"}}, True),
        # A named principal is judged as before: the brief (issue 10 review) is about accounts.
        (
            f"arn:aws:iam::{OTHER_ACCOUNT}:role/ci",
            {"StringEquals": {"aws:PrincipalOrgID": "o-vendororg1"}},
            True,
        ),
    ],
    ids=["account", "org-id", "arn-of-account", "arn-of-roles", "external-id", "role-org-id"],
)
def test_account_constant_keys_do_not_restrict_a_named_account(
    principal: str, condition: dict[str, Any], restricted: bool
) -> None:
    (grant,) = analyse_trust(trust({"AWS": principal}, condition)).grants
    assert grant.account == OTHER_ACCOUNT
    assert grant.restricted is restricted


def test_anyone_pinned_to_an_account_is_a_grant_of_that_account() -> None:
    doc = trust("*", {"StringEquals": {"aws:PrincipalAccount": OTHER_ACCOUNT}})
    analysis = analyse_trust(doc)
    assert analysis.public() == ()
    (grant,) = analysis.other_accounts(ACCOUNT)
    assert (grant.kind, grant.account, grant.public) == ("*", OTHER_ACCOUNT, False)


def test_admin_condition_keys() -> None:
    conditional = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ]
    }
    assert policy.admin_condition_keys(conditional) == ("aws:multifactorauthpresent",)
    assert policy.admin_condition_keys(ADMIN_DOCUMENT) == ()
    empty = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {}}]}
    assert is_admin_document(empty)
    assert policy.admin_condition_keys(empty) == ()


def test_service_grants_are_restricted_by_source_keys_only() -> None:
    pinned = trust(
        {"Service": "glue.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    )
    assert analyse_trust(pinned).unpinned_services() == ()
    by_ip = trust({"Service": "glue.amazonaws.com"}, {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    assert len(analyse_trust(by_ip).unpinned_services()) == 1


@pytest.mark.parametrize(
    ("role", "protected"),
    [
        ("OrganizationAccountAccessRole", True),
        (f"arn:aws:iam::{ACCOUNT}:role/organizationaccountaccessrole", True),
        ("AWSControlTowerExecution", True),
        ("aws-controltower-AdministratorExecutionRole", True),
        (
            f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0a1b",
            True,
        ),
        ("stacksets-exec-0123456789abcdef", True),
        ("cdk-hnb659fds-deploy-role-123456789012-eu-west-1", True),
        ("AWSCloudFormationStackSetExecutionRole", True),
        ("app", False),
        ("cdk-other-deploy-role", False),
    ],
)
def test_protection_reason_built_in(role: str, protected: bool) -> None:
    assert (protection_reason(role, Settings()) is not None) is protected


def test_protection_reason_from_settings_by_name_or_arn() -> None:
    settings = Settings(protected_roles=("platform-*", "arn:aws:iam::*:role/ops/break-glass"))
    assert protection_reason("Platform-CI", settings) == (
        "protected role (config [protected] roles: platform-*)"
    )
    assert protection_reason(f"arn:aws:iam::{ACCOUNT}:role/ops/break-glass", settings)
    # Role names are case-insensitive in IAM, in an ARN as on their own.
    assert protection_reason(f"arn:aws:iam::{ACCOUNT}:role/ops/Break-Glass", settings)
    assert protection_reason("break-glass", settings) is None
    assert "built-in pattern OrganizationAccountAccessRole" in str(
        protection_reason("OrganizationAccountAccessRole", settings)
    )


def test_trust_and_protected_settings_parse_and_validate() -> None:
    settings = parse_settings(
        '[trust]\ntrusted_accounts = ["111122223333"]\n'
        '[protected]\nroles = ["platform-*"]\n'
        '[[suppressions]]\nrule = "role.cross-account-trust"\naccount = "2109*"\nreason = "CI"\n'
    )
    assert settings.trusted_accounts == frozenset({"111122223333"})
    assert settings.protected_roles == ("platform-*",)
    (s,) = settings.suppressions
    assert (s.account, s.principal) == ("2109*", "*")
    assert s.matches("role.cross-account-trust", "arn:r", "r", ("210987654321",))
    assert not s.matches("role.cross-account-trust", "arn:r", "r", ("210987654321", "333"))
    with pytest.raises(ConfigError, match=r"trust\.trusted_accounts: expected 12-digit"):
        parse_settings('[trust]\ntrusted_accounts = ["1234"]\n')
    with pytest.raises(ConfigError, match=r"protected\.roles: expected an array"):
        parse_settings('[protected]\nroles = "x"\n')


def test_deny_to_aws_star_is_not_credited_against_federated_grants() -> None:
    github = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    doc = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": github},
                "Action": "sts:AssumeRoleWithWebIdentity",
            },
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:*"},
        ]
    }
    assert len(analyse_trust(doc).public()) == 1
    everyone = {
        **doc,
        "Statement": [doc["Statement"][0], {**doc["Statement"][1], "Principal": "*"}],
    }
    assert analyse_trust(everyone).grants == ()


def test_iam_wildcards_are_only_star_and_question_mark() -> None:
    """IAM reads `[a-z]` literally (fnmatch would read a character class)."""
    from iamtui.core.policy import wildcard_match

    assert not wildcard_match("arn:aws:iam::1:role/b", "arn:aws:iam::1:role/[a-z]")
    assert wildcard_match("arn:aws:iam::1:role/[a-z]", "arn:aws:iam::1:role/[a-z]")
    assert wildcard_match("arn:aws:iam::1:role/app-1", "arn:aws:iam::1:role/app-?")
    assert wildcard_match("arn:aws:iam::1:role/a/b", "arn:aws:iam::1:role/*")


def test_wildcard_match_agrees_with_the_iam_glob_on_every_small_case() -> None:
    """The linear matcher says what the regular-expression glob it replaced said."""
    import itertools
    import re

    from iamtui.core.policy import wildcard_match

    def reference(value: str, pattern: str) -> bool:
        parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        return re.fullmatch("".join(parts), value, re.DOTALL) is not None

    values = ["".join(v) for n in range(5) for v in itertools.product("ab/", repeat=n)]
    patterns = ["".join(p) for n in range(5) for p in itertools.product("a*?/", repeat=n)]
    for value in values:
        for pattern in patterns:
            assert wildcard_match(value, pattern) == reference(value, pattern), (value, pattern)


def test_a_hostile_wildcard_pattern_is_matched_in_linear_time() -> None:
    """A policy's ``*a*a*a...*Z`` against a long ARN backtracked exponentially in the regex glob
    (hours at 13 stars): the scan of an account holding it never finished."""
    import threading

    from iamtui.core.policy import wildcard_match

    arn = "arn:aws:iam::123456789012:role/" + "a" * 60
    pattern = "arn:aws:iam::123456789012:role/" + "*a" * 30 + "*Z"
    answer: list[bool] = []
    worker = threading.Thread(target=lambda: answer.append(wildcard_match(arn, pattern)))
    worker.start()
    worker.join(timeout=30)  # liveness, not a benchmark: linear takes microseconds
    assert answer == [False]
    assert wildcard_match(arn, "arn:aws:iam::123456789012:role/" + "*a" * 30)


def test_document_diff_keeps_an_element_whose_comma_alone_changed_as_context() -> None:
    """Before: ``-"s3:GetObject",`` then ``+"s3:GetObject"``: a kept action read as dropped."""
    from iamtui.core.policy import document_diff

    def doc(*actions: str) -> dict[str, object]:
        statement = {"Effect": "Allow", "Action": list(actions), "Resource": "*"}
        return {"Version": "2012-10-17", "Statement": [statement]}

    lines = document_diff(doc("s3:GetObject", "kms:Decrypt"), doc("s3:GetObject"), "a", "b")
    assert '         "s3:GetObject"' in lines  # context, as the new document has it
    assert not [line for line in lines if line[:1] in "+-" and "s3:GetObject" in line]
    assert '-        "kms:Decrypt"' in lines
    assert lines[:3] == ("--- a", "+++ b", "@@ -6,5 +6,4 @@")


def _statements(count: int) -> dict[str, Any]:
    """A generated document: ``count`` statements, every third one on sqs."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"S{n}",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage" if n % 3 == 0 else "s3:GetObject"],
                "Resource": f"arn:aws:s3:::bucket-{n}/*",
            }
            for n in range(count)
        ],
    }


def test_a_huge_document_diff_is_a_summary_made_in_linear_time() -> None:
    """difflib is quadratic (10,000 statements took tens of seconds on the UI thread): over the
    line budget the diff is a summary counted without difflib."""
    old = _statements(10_000)
    new = {**old, "Statement": [s for s in old["Statement"] if s["Action"] != ["sqs:SendMessage"]]}
    diff = policy.document_diff(old, new, "policy now", "policy right-sized")
    assert diff == (
        "--- policy now",
        "+++ policy right-sized",
        "document of 80,005 lines: diff not shown (too large); 3,334 statements removed",
    )
    rewritten = {**new, "Statement": [*new["Statement"][1:], {**new["Statement"][0], "Sid": "X"}]}
    assert policy.document_diff(old, rewritten, "a", "b")[-1].endswith(
        "3,335 statements removed, 1 added or rewritten"
    )
    # Within the budget, the diff itself.
    small = _statements(200)
    fewer = {**small, "Statement": small["Statement"][1:]}
    lines = policy.document_diff(small, fewer, "a", "b")
    assert lines[:2] == ("--- a", "+++ b") and lines[2].startswith("@@")
    assert '-      "Sid": "S0",' in lines
