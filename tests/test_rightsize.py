"""Right-sizing on hand-written documents: what is dropped, what is kept, and what is refused."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest
from builders import ACCOUNT, ago, arn, group, managed, role, snapshot, user
from conftest import NOW

from iamtui.core.model import LastAccessed, Role, ServiceAccess, Tag, TrackedAction, User
from iamtui.core.policy import parse_statement, raw_statements, resource_matches
from iamtui.core.rightsize import (
    FETCH_HINT,
    MANAGED_POLICY_MAX_CHARS,
    Grant,
    Method,
    Proposal,
    RightsizeOptions,
    copy_name,
    grants_of,
    guard,
    policy_size,
    propose,
    rewrite_document,
)
from iamtui.core.settings import Settings

OPTS = RightsizeOptions()
NARROW = RightsizeOptions(narrow_wildcards=True)
APP = role("app")
BUCKET = "arn:aws:s3:::reports/*"


def data(
    of: User | Role = APP,
    *,
    completed: float = 0.1,
    actions: Mapping[str, Mapping[str, float | None]] | None = None,
    **services: float | None,
) -> LastAccessed:
    """Last-accessed data: namespace -> days since last use (None: never); ``actions`` per
    namespace: action name (as AWS spells it, no prefix) -> days since last use."""
    tracked = actions or {}
    return LastAccessed(
        principal_arn=of.arn,
        granularity="ACTION_LEVEL" if tracked else "SERVICE_LEVEL",
        completed_at=ago(completed),
        services=tuple(
            ServiceAccess(
                service_name=ns.upper(),
                namespace=ns,
                last_authenticated=ago(days) if days is not None else None,
                tracked_actions=tuple(
                    TrackedAction(name, ago(used) if used is not None else None)
                    for name, used in tracked.get(ns, {}).items()
                ),
            )
            for ns, days in services.items()
        ),
    )


def doc(*statements: Mapping[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def rewrite(document: Any, la: LastAccessed, options: RightsizeOptions = OPTS) -> Any:
    return rewrite_document(document, la, now=NOW, options=options)


# --- rewrite_document ------------------------------------------------------------------------


def test_unused_service_dropped_and_deny_kept_verbatim() -> None:
    deny = {"Sid": "NoDelete", "Effect": "Deny", "Action": ["s3:Delete*", "ec2:*"], "Resource": "*"}
    original = doc(allow(["s3:GetObject", "ec2:RunInstances"]), deny)
    new, services, actions, _ = rewrite(original, data(s3=2, ec2=200))
    assert new == doc(allow(["s3:GetObject"]), deny)
    assert services == ("ec2",)
    assert actions == ()


def test_sid_condition_and_resource_scoping_kept() -> None:
    condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    original = doc(
        allow(["s3:GetObject", "kms:Decrypt"], [BUCKET, "arn:aws:kms:*:1:key/k"], Sid="Read")
        | {"Condition": condition},
        {"Effect": "Allow", "Action": "sqs:*", "NotResource": "arn:aws:sqs:*:*:secret"},
    )
    new, services, _, _ = rewrite(original, data(s3=1, kms=None, sqs=3))
    first, second = new["Statement"]
    assert first == {
        "Sid": "Read",
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": [BUCKET, "arn:aws:kms:*:1:key/k"],
        "Condition": condition,
    }
    assert second == original["Statement"][1]
    assert services == ("kms",)


def test_not_action_gets_unused_services_added_and_loses_nothing() -> None:
    original = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    new, services, _, _ = rewrite(original, data(iam=400, ec2=None, s3=1, kms=150))
    # iam is already excluded: not added twice; ec2 and kms unused: excluded too.
    assert new["Statement"][0]["NotAction"] == ["iam:*", "ec2:*", "kms:*"]
    assert services == ("ec2", "kms")


def test_not_action_left_alone_when_every_unused_service_is_excluded() -> None:
    original = doc({"Effect": "Allow", "NotAction": ["E*:*", "iam:*"], "Resource": "*"})
    new, services, _, _ = rewrite(original, data(ec2=None, iam=None, s3=1))
    assert new == original
    assert services == ()


def test_unknown_service_kept_with_a_note() -> None:
    original = doc(allow(["dynamodb:GetItem", "s3:GetObject"]))
    new, services, _, notes = rewrite(original, data(s3=1))
    assert new == original
    assert services == ()
    assert any("dynamodb: not in the last-accessed data" in n for n in notes)


S3_GET = doc(allow("s3:Get*", BUCKET))
S3_ACTIONS = {"s3": {"GetObject": 3, "GetBucketPolicy": None, "PutObject": 300}}


def test_wildcard_kept_without_narrowing_with_a_note() -> None:
    new, _, actions, notes = rewrite(S3_GET, data(s3=3, actions=S3_ACTIONS))
    assert new == S3_GET
    assert actions == ()
    assert any("s3:Get* kept" in n and "s3:GetObject" in n for n in notes)


def test_wildcard_narrowed_to_the_used_tracked_actions_it_matches() -> None:
    new, _, actions, notes = rewrite(S3_GET, data(s3=3, actions=S3_ACTIONS), NARROW)
    assert new == doc(allow("s3:GetObject", BUCKET))  # a lone string stays a string
    assert actions == ("s3:Get*",)
    assert any("untracked actions behind the wildcard are dropped too" in n for n in notes)


def test_narrowed_wildcard_matching_no_used_action_is_dropped() -> None:
    original = doc(allow(["s3:Put*", "s3:GetObject"]))
    new, _, actions, _ = rewrite(original, data(s3=3, actions=S3_ACTIONS), NARROW)
    assert new == doc(allow(["s3:GetObject"]))
    assert actions == ("s3:Put*",)


def test_explicit_tracked_unused_action_dropped_untracked_one_kept() -> None:
    original = doc(allow(["s3:GetObject", "s3:PutObject", "s3:GetBucketPolicy", "s3:ListBucket"]))
    new, services, actions, _ = rewrite(original, data(s3=3, actions=S3_ACTIONS))
    assert new == doc(allow(["s3:GetObject", "s3:ListBucket"]))
    assert services == ()
    assert actions == ("s3:GetBucketPolicy", "s3:PutObject")


def test_tracked_action_names_with_their_prefix_are_accepted() -> None:
    la = data(s3=3, actions={"s3": {"s3:PutObject": None, "GetObject": 1}})
    new, _, actions, _ = rewrite(doc(allow(["s3:PutObject", "s3:GetObject"])), la)
    assert new == doc(allow(["s3:GetObject"]))
    assert actions == ("s3:PutObject",)


@pytest.mark.parametrize("star", ["*", "*:*"])
def test_star_is_kept_unless_narrowing_then_each_used_service(star: str) -> None:
    original = doc(allow(star))
    la = data(s3=2, ec2=None, iam=100, lambda_=None, sqs=30)
    new, services, _, notes = rewrite(original, la)
    assert new == original
    assert services == ()
    assert any(f"Action {star} kept" in n for n in notes)
    new, services, actions, notes = rewrite(original, la, NARROW)
    assert new == doc(allow(["s3:*", "sqs:*"]))
    assert services == ("ec2", "iam", "lambda_")
    assert actions == (star,)
    assert any("narrowed to the 2 services used" in n for n in notes)


def test_actions_and_services_compared_case_insensitively() -> None:
    original = doc(allow(["S3:getobject", "S3:PUTOBJECT", "EC2:Describe*", "IAM:ListUsers"]))
    la = data(s3=1, ec2=None, IAM=5, actions={"s3": {"PutObject": None}})
    new, services, actions, _ = rewrite(original, la)
    assert new == doc(allow(["S3:getobject", "IAM:ListUsers"]))
    assert services == ("ec2",)
    assert actions == ("s3:PutObject",)


def test_emptied_statement_is_removed_and_an_emptied_document_is_none() -> None:
    both = doc(allow("ec2:*"), allow("s3:GetObject", BUCKET))
    new, _, _, _ = rewrite(both, data(s3=1, ec2=None))
    assert new == doc(allow("s3:GetObject", BUCKET))
    new, services, _, _ = rewrite(both, data(s3=None, ec2=None))
    assert new is None
    assert services == ("ec2", "s3")


def test_only_deny_statements_left_are_returned() -> None:
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"x": "1"}}}
    new, _, _, _ = rewrite(doc(allow("ec2:*"), deny), data(ec2=None))
    assert new == doc(deny)


def test_single_statement_shape_and_version_kept() -> None:
    original = {"Version": "2008-10-17", "Id": "x", "Statement": allow(["s3:GetObject", "ec2:*"])}
    new, _, _, _ = rewrite(original, data(s3=1, ec2=None))
    assert new == {"Version": "2008-10-17", "Id": "x", "Statement": allow(["s3:GetObject"])}
    assert rewrite(original, data(s3=None, ec2=None))[0] is None


def test_the_input_document_is_not_changed() -> None:
    original = doc(allow(["s3:GetObject", "ec2:*"]), {"Effect": "Allow", "NotAction": "iam:*"})
    frozen = json.dumps(original)
    new, _, _, _ = rewrite(original, data(s3=1, ec2=None))
    assert json.dumps(original) == frozen
    assert new != original


def test_the_window_ends_when_the_data_was_completed() -> None:
    """Used 85 days before the data was completed, 6 days ago: used within the window."""
    la = data(completed=6, s3=91)
    assert rewrite(doc(allow("s3:GetObject")), la)[0] == doc(allow("s3:GetObject"))
    assert rewrite(doc(allow("s3:GetObject")), data(completed=6, s3=97))[0] is None


def test_a_document_without_statements_is_kept() -> None:
    new, services, actions, notes = rewrite({"Version": "2012-10-17"}, data(s3=None))
    assert (new, services, actions) == ({"Version": "2012-10-17"}, (), ())
    assert notes == ("no statements to read: kept as it is",)


# --- never adds a permission -----------------------------------------------------------------

PROBE_ACTIONS = (
    "s3:GetObject",
    "s3:getobject",
    "s3:PutObject",
    "s3:GetBucketPolicy",
    "s3:ListBucket",
    "ec2:DescribeInstances",
    "ec2:RunInstances",
    "iam:CreateUser",
    "iam:PassRole",
    "dynamodb:GetItem",
    "kms:Decrypt",
    "sqs:SendMessage",
    "lambda:InvokeFunction",
    "newservice:DoThing",
)
PROBE_RESOURCES = (
    "arn:aws:s3:::reports/q1.csv",
    "arn:aws:s3:::secret/key",
    "arn:aws:ec2:us-east-1:1:instance/i-1",
    f"arn:aws:iam::{ACCOUNT}:role/app",
    "arn:aws:kms:us-east-1:1:key/k",
)
DOCUMENTS = (
    doc(allow("*")),
    doc(allow("*:*"), {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}),
    doc(allow(["s3:Get*", "s3:PutObject", "ec2:*", "kms:Decrypt"], BUCKET)),
    doc({"Effect": "Allow", "NotAction": ["iam:*", "s3:Delete*"], "Resource": "*"}),
    doc({"Effect": "Allow", "NotAction": "sqs:*", "NotResource": "arn:aws:s3:::secret/*"}),
    {"Statement": allow(["S3:GETOBJECT", "Lambda:Invoke*", "dynamodb:*", "iam:PassRole"])},
    doc(
        allow(["s3:*", "ec2:Describe*"], "*", Condition={"Bool": {"aws:SecureTransport": "true"}}),
        {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"},
        allow(["iam:CreateUser", "iam:PassRole", "s*:*"]),
    ),
)


def with_lambda(la: LastAccessed, days: float) -> LastAccessed:
    """``lambda`` is a keyword in Python: add its service by hand."""
    used = ServiceAccess("AWS Lambda", "lambda", ago(days))
    return replace(la, services=(*la.services, used))


VARIANTS = (
    data(),
    with_lambda(data(s3=1, ec2=1, iam=1, kms=1, sqs=1, dynamodb=1), 1),
    data(s3=None, ec2=None, iam=None, kms=None, sqs=None, dynamodb=None),
    data(s3=3, ec2=300, iam=None, kms=2, actions=S3_ACTIONS),
    data(
        s3=1, iam=5, actions={"s3": {"GetObject": None}, "iam": {"PassRole": 3, "CreateUser": None}}
    ),
    with_lambda(data(sqs=1, dynamodb=500), 2),
)


def allowed(document: Any, action: str, resource: str, *, conditions_hold: bool) -> bool:
    """A small evaluator: an explicit Deny wins, else any Allow; conditional statements apply
    only when ``conditions_hold``."""
    verdict = False
    for item in raw_statements(document):
        s = parse_statement(item)
        if s.conditions and not conditions_hold:
            continue
        if s.matches_action(action) and resource_matches(s, resource):
            if not s.allows:
                return False
            verdict = True
    return verdict


def test_never_adds_a_permission() -> None:
    narrowed = 0
    for document, la, options in itertools.product(DOCUMENTS, VARIANTS, (OPTS, NARROW)):
        new, _, _, _ = rewrite(document, la, options)
        for action, resource, holds in itertools.product(
            PROBE_ACTIONS, PROBE_RESOURCES, (True, False)
        ):
            after = new is not None and allowed(new, action, resource, conditions_hold=holds)
            before = allowed(document, action, resource, conditions_hold=holds)
            assert before or not after, (document, la, options, action, resource)
            narrowed += before and not after
    assert narrowed > 100  # the property is not vacuous: most cases do drop something


def test_the_evaluator_sees_deny_and_not_action() -> None:
    document = DOCUMENTS[6]
    assert allowed(document, "iam:PassRole", "x", conditions_hold=False) is False  # Deny NotAction
    assert allowed(document, "s3:GetObject", "x", conditions_hold=True) is True
    assert allowed(document, "sqs:SendMessage", "x", conditions_hold=False) is False


# --- guards ----------------------------------------------------------------------------------


def check(principal: User | Role, la: LastAccessed | None, **kw: Any) -> str:
    settings = kw.pop("settings", None)
    return guard(principal, la, now=NOW, options=RightsizeOptions(**kw), settings=settings)


def test_guard_passes_an_old_principal_with_fresh_data() -> None:
    assert check(APP, data(s3=1)) == ""
    assert check(user("alice"), data(user("alice"), s3=1)) == ""


@pytest.mark.parametrize(
    ("principal", "la", "kw", "expected"),
    [
        (APP, None, {}, FETCH_HINT),
        (APP, data(completed=8, s3=1), {}, "last-accessed data is 8 days old (more than 7)"),
        (APP, data(s3=1), {"window_days": 30}, "a 30-day window is too short"),
        (role("new", created=60), None, {}, FETCH_HINT),
        (APP, data(user("alice"), s3=1), {}, "data is for arn:aws:iam::"),
        (role("aws-svc", path="/aws-service-role/"), data(s3=1), {}, "service-linked role"),
        (
            role("AWSReservedSSO_x", path="/aws-reserved/sso.amazonaws.com/"),
            data(s3=1),
            {},
            "IAM Identity Center role",
        ),
        (role("OrganizationAccountAccessRole"), data(s3=1), {}, "organization-critical role"),
    ],
)
def test_guard_refuses(principal: Role, la: Any, kw: dict[str, Any], expected: str) -> None:
    if la is not None and la.principal_arn == APP.arn:
        la = replace(la, principal_arn=principal.arn)
    assert expected in check(principal, la, **kw)


def test_guard_refuses_a_principal_younger_than_the_window() -> None:
    young = role("young", created=60)
    assert "less than 90 days before the data" in check(young, data(young, s3=1))
    assert check(young, data(young, s3=1), window_days=30, min_window_days=30) == ""


@pytest.mark.parametrize(
    ("key", "value"), [("iamtui:rightsize", "off"), ("IAMTUI:RightSize", "OFF")]
)
def test_guard_honours_the_opt_out_tag_in_any_case(key: str, value: str) -> None:
    tagged = replace(APP, tags=(Tag(key, value),))
    assert check(tagged, data(s3=1)) == "opted out by its tag iamtui:rightsize=off"
    assert check(replace(APP, tags=(Tag(key, "on"),)), data(s3=1)) == ""


def test_guard_refuses_roles_protected_by_the_config() -> None:
    settings = Settings(protected_roles=("app",))
    assert "config [protected] roles: app" in check(APP, data(s3=1), settings=settings)


def test_propose_refused_has_no_rewrites() -> None:
    got = propose(APP, (), None, now=NOW, options=OPTS)
    assert got.refused == FETCH_HINT
    assert got.rewrites == ()
    assert got.data_completed_at is None


# --- propose ---------------------------------------------------------------------------------


def inline(name: str, document: Any, via_group: str | None = None) -> Grant:
    return Grant("inline", name, document, via_group=via_group)


def policy(
    name: str,
    document: Any,
    *,
    attached_to: tuple[str, ...] = (APP.arn,),
    aws: bool = False,
    versions: int = 1,
) -> Grant:
    owner = "aws" if aws else ACCOUNT
    return Grant(
        "managed",
        name,
        document,
        arn=f"arn:aws:iam::{owner}:policy/{name}",
        aws_managed=aws,
        attached_to=attached_to,
        default_version_id=f"v{versions}",
        version_ids=tuple(f"v{n}" for n in range(1, versions + 1)),
    )


def run(grants: list[Grant], la: LastAccessed | None = None, of: User | Role = APP) -> Proposal:
    la = la if la is not None else data(of, s3=1, ec2=None, iam=120)
    return propose(of, grants, la, now=NOW, options=OPTS)


MIXED = doc(allow(["s3:GetObject", "ec2:*"], BUCKET))
UNUSED = doc(allow("ec2:*"))
USED = doc(allow("s3:GetObject"))


def test_inline_policies_replaced_deleted_or_kept() -> None:
    got = run([inline("mixed", MIXED), inline("unused", UNUSED), inline("used", USED)])
    methods = [(r.grant.name, r.method) for r in got.rewrites]
    assert methods == [
        ("mixed", Method.REPLACE_INLINE),
        ("unused", Method.DELETE_INLINE),
        ("used", Method.KEEP),
    ]
    assert got.rewrites[0].document == doc(allow(["s3:GetObject"], BUCKET))
    assert got.rewrites[1].document is None
    assert got.rewrites[2].reason == "nothing unused to drop"
    assert [r.grant.name for r in got.changes] == ["mixed", "unused"]
    assert got.unused_services == ("ec2", "iam")
    assert got.refused == ""
    assert got.problems == ()


def test_unused_actions_of_the_whole_principal() -> None:
    la = data(s3=1, ec2=None, actions={"s3": {"GetObject": 1, "PutObject": None}})
    got = run([inline("used", USED)], la)
    assert got.unused_services == ("ec2",)
    assert got.unused_actions == ("s3:PutObject",)


def test_own_customer_managed_policy_gets_a_new_version_or_is_detached() -> None:
    got = run([policy("mixed", MIXED), policy("unused", UNUSED)])
    assert [r.method for r in got.rewrites] == [Method.NEW_VERSION, Method.DETACH]
    assert got.rewrites[0].document == doc(allow(["s3:GetObject"], BUCKET))
    assert not any("versions" in n for n in got.rewrites[0].notes)


def test_five_versions_note_the_oldest_non_default_is_deleted_first() -> None:
    (rw,) = run([policy("mixed", MIXED, versions=5)]).rewrites
    assert rw.method is Method.NEW_VERSION
    assert any("oldest non-default version is deleted first" in n for n in rw.notes)
    assert any("saved in the journal" in n for n in rw.notes)


def test_shared_policy_is_copied_and_detached_naming_who_else_has_it() -> None:
    others = (APP.arn, arn("role", "batch", "/jobs/"), arn("group", "devs"))
    (rw,) = run([policy("mixed", MIXED, attached_to=others)]).rewrites
    assert rw.method is Method.COPY_AND_DETACH
    assert rw.document == doc(allow(["s3:GetObject"], BUCKET))
    assert rw.new_policy_name == "iamtui-rightsized-role-app-mixed"
    note = next(n for n in rw.notes if "also attached to" in n)
    assert "role/batch, group/devs" in note
    assert "the shared policy itself is not changed" in note


def test_aws_managed_policy_is_copied_or_detached() -> None:
    aws_arn = "arn:aws:iam::aws:policy/"
    mixed, unused = policy("Mixed", MIXED, aws=True), policy("Unused", UNUSED, aws=True)
    got = run([mixed, unused])
    assert [r.method for r in got.rewrites] == [Method.COPY_AND_DETACH, Method.DETACH]
    assert got.rewrites[0].grant.arn == f"{aws_arn}Mixed"
    assert any("AWS-managed: it cannot be edited" in n for n in got.rewrites[0].notes)
    # A copy is frozen: AWS's later additions to the managed policy do not reach it.
    assert any("no longer gets AWS's updates" in n for n in got.rewrites[0].notes)


def test_a_policy_that_is_another_principals_boundary_is_copied_not_versioned() -> None:
    """Only this role attaches it, but two others have it as their permissions boundary: a new
    version would narrow their boundaries too."""
    edge = managed("edge", document=MIXED, boundary_uses=2)
    app = role("app", attached=[edge.arn])
    (grant,) = grants_of(app, snapshot(roles=[app], policies=[edge]))
    assert grant.boundary_count == 2
    (rw,) = run([grant], data(app, s3=1, ec2=None), app).rewrites
    assert rw.method is Method.COPY_AND_DETACH
    assert rw.new_policy_name is not None
    assert any("the permissions boundary of 2 other principals" in n for n in rw.notes)
    # its own boundary is not someone else's: a new version narrows only this role
    bounded = replace(app, permissions_boundary=edge.arn)
    (own,) = run(
        [replace(grant, boundary_count=1)], data(bounded, s3=1, ec2=None), bounded
    ).rewrites
    assert own.method is Method.NEW_VERSION


def test_group_grant_cannot_be_rewritten_for_one_member() -> None:
    alice = user("alice", groups=["devs"])
    got = run(
        [inline("g", MIXED, via_group="devs"), inline("ok", USED, via_group="devs")],
        data(alice, s3=1, ec2=None),
        alice,
    )
    cannot, keep = got.rewrites
    assert cannot.method is Method.CANNOT
    assert cannot.reason == (
        "granted through group devs shared with its members: iamtui does not rewrite group "
        "policies; edit the group's policy or remove the user from the group"
    )
    assert cannot.dropped_services == ("ec2",)
    assert cannot.document is None
    assert keep.method is Method.KEEP
    assert got.changes == ()


def big(services: int, filler: int) -> dict[str, Any]:
    """An Allow of s3 on a long resource list, plus ec2 (unused in ``data``)."""
    resources = [f"arn:aws:s3:::bucket-{n:04d}/*" for n in range(filler)]
    return doc(allow(["s3:GetObject", "ec2:*"][:services], resources))


def test_managed_policy_over_6144_characters_cannot_be_applied() -> None:
    # AWS managed policies may be larger than a customer one: their copy would not fit.
    document = big(2, 260)
    (rw,) = (got := run([policy("huge", document, aws=True)])).rewrites
    size = policy_size(rw.grant.document) - len(',"ec2:*"')
    assert size > MANAGED_POLICY_MAX_CHARS
    assert rw.method is Method.CANNOT
    assert rw.reason == (
        f"the rewritten policy is {size:,} characters, over the managed policy limit of 6,144"
    )
    assert got.problems == (f"huge: {rw.reason}",)


def test_user_inline_aggregate_over_2048_cannot_be_replaced() -> None:
    alice = user("alice")
    grants = [inline("a", big(2, 40)), inline("b", big(1, 30)), inline("c", UNUSED)]
    got = run(grants, data(alice, s3=1, ec2=None), alice)
    assert [r.method for r in got.rewrites] == [Method.CANNOT, Method.KEEP, Method.DELETE_INLINE]
    reason = got.rewrites[0].reason
    assert "over the user limit of 2,048" in reason
    assert "before the rewrite, which only shrinks them" in reason
    assert got.problems == (reason,)
    # A role's limit is 10,240: the same policies fit.
    got = run(grants, data(APP, s3=1, ec2=None))
    assert got.rewrites[0].method is Method.REPLACE_INLINE


def test_a_current_document_larger_than_aws_allows_is_not_right_sized() -> None:
    """Only an endpoint that is not AWS serves such a document: rewriting it would put a
    document of that size (several times over) in the journal."""
    huge_inline = doc(allow("ec2:RunInstances", "arn:aws:s3:::" + "b" * 20_000))
    alice = user("alice")
    got = run([inline("big", huge_inline), inline("c", UNUSED)], data(alice, s3=1, ec2=None), alice)
    big_one, small = got.rewrites
    size = policy_size(huge_inline)
    assert big_one.method is Method.CANNOT and big_one.document is None
    assert big_one.reason == (
        f"its current document is {size:,} characters, over AWS's limit of 2,048 for all of "
        "a user's inline policies together: AWS could not hold it (is this endpoint AWS?)"
    )
    assert small.method is Method.DELETE_INLINE  # the others are judged as ever
    (role_one,) = run([inline("big", huge_inline)]).rewrites
    assert role_one.method is Method.CANNOT and "limit of 10,240 for all of a role's" in (
        role_one.reason
    )
    (managed_one,) = run([policy("huge", big(2, 260))]).rewrites
    assert managed_one.method is Method.CANNOT
    assert "over AWS's limit of 6,144 for a managed policy" in managed_one.reason
    # Within the limits, the same kinds are right-sized.
    assert run([inline("ok", MIXED)]).rewrites[0].method is Method.REPLACE_INLINE
    assert run([policy("ok", MIXED)]).rewrites[0].method is Method.NEW_VERSION


def test_more_than_ten_managed_policies_is_a_problem() -> None:
    grants = [policy(f"p{n}", USED) for n in range(12)]
    assert run(grants).problems == (
        "12 managed policies stay attached, over the default quota of 10 per role",
    )
    grants[0] = policy("p0", UNUSED)
    grants[1] = policy("p1", UNUSED)
    assert run(grants).problems == ()


def test_copy_at_the_quota_says_detach_first() -> None:
    grants = [policy(f"p{n}", USED) for n in range(9)] + [policy("x", MIXED, aws=True)]
    rw = run(grants).rewrites[-1]
    assert any("detach the shared one before attaching the copy" in n for n in rw.notes)


def test_a_grant_without_its_document_is_not_judged() -> None:
    (rw,) = run([policy("gone", None)]).rewrites
    assert (rw.method, rw.reason) == (Method.KEEP, "its document was not read: not judged")


def test_copy_name_is_an_iam_policy_name() -> None:
    assert copy_name("role", "app", "ReadOnlyAccess") == "iamtui-rightsized-role-app-ReadOnlyAccess"
    assert copy_name("user", "a b", "c/d") == "iamtui-rightsized-user-a-b-c-d"
    long = copy_name("role", "p" * 64, "q" * 128)
    assert len(long) == 128
    assert long == copy_name("role", "p" * 64, "q" * 128)
    assert long != copy_name("role", "p" * 64, "q" * 127 + "r")
    assert long[-9] == "-"


def test_copy_names_of_a_user_and_a_role_of_one_name_differ() -> None:
    """Policy names are unique per account: user app's copy and role app's copy may not clash."""
    assert copy_name("user", "app", "ReadOnlyAccess") != copy_name("role", "app", "ReadOnlyAccess")


def test_a_taken_copy_name_gets_the_first_free_suffix() -> None:
    base = copy_name("role", "app", "x")
    assert copy_name("role", "app", "x", {base.upper()}) == f"{base}-2"
    assert copy_name("role", "app", "x", {base, f"{base}-2"}) == f"{base}-3"
    long = copy_name("role", "p" * 64, "q" * 128)
    suffixed = copy_name("role", "p" * 64, "q" * 128, {long})
    assert len(suffixed) == 128 and suffixed.endswith("-2") and suffixed != long


def test_copies_in_one_proposal_never_share_a_name() -> None:
    """An AWS-managed and a customer policy both named ReadOnly, and a name already taken."""
    shared = (APP.arn, arn("role", "batch"))
    grants = [policy("ReadOnly", MIXED, aws=True), policy("ReadOnly", MIXED, attached_to=shared)]
    taken = {copy_name("role", "app", "ReadOnly")}
    got = propose(APP, grants, data(s3=1, ec2=None), now=NOW, options=OPTS, taken_names=taken)
    names = [r.new_policy_name for r in got.rewrites]
    base = copy_name("role", "app", "ReadOnly")
    assert names == [f"{base}-2", f"{base}-3"]


# --- grants_of -------------------------------------------------------------------------------


def test_grants_of_a_user_lists_own_and_group_policies() -> None:
    shared = managed("shared", document=USED, attachments=3)
    aws = managed("ReadOnlyAccess", document=MIXED, aws=True)
    alice = user("alice", groups=["Devs"], attached=[shared.arn, aws.arn], inline={"own": USED})
    bob = user("bob", attached=[shared.arn])
    devs = group("devs", attached=[shared.arn], inline={"team": MIXED})
    snap = snapshot(users=[alice, bob], groups=[devs], policies=[shared, aws])
    got = grants_of(alice, snap)
    assert [(g.kind, g.name, g.via_group) for g in got] == [
        ("inline", "own", None),
        ("managed", "shared", None),
        ("managed", "ReadOnlyAccess", None),
        ("inline", "team", "devs"),
        ("managed", "shared", "devs"),
    ]
    own_shared = got[1]
    assert own_shared.attached_to == (alice.arn, bob.arn, devs.arn)
    assert own_shared.document == USED
    assert own_shared.default_version_id == "v1"
    assert own_shared.version_ids == ()
    assert not own_shared.aws_managed
    assert got[2].aws_managed
    assert got[2].attached_to == (alice.arn,)


def test_grants_of_a_role_and_a_policy_missing_from_the_snapshot() -> None:
    app = role("app", attached=["arn:aws:iam::123456789012:policy/gone"], inline={"i": USED})
    got = grants_of(app, snapshot(roles=[app]))
    assert [(g.kind, g.name) for g in got] == [("inline", "i"), ("managed", "gone")]
    assert got[1].document is None
    assert got[1].attached_to == (app.arn,)
