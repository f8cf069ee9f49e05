"""Policy-document analysis shared by rules: statements, admin grants, trust, effective policies.

IAM documents are loose JSON (a string or a list almost everywhere, ``Statement`` a dict or a
list, condition values of any scalar type). :func:`statements` normalises them once so the
analyses below read as the IAM semantics they implement.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from iamtui.core.model import (
    AttachedPolicy,
    Group,
    InlinePolicy,
    ManagedPolicy,
    PolicyDocument,
    Role,
    User,
)

ADMINISTRATOR_ACCESS_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
ASSUME_ACTIONS = ("sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml")

#: Condition keys that pin who may assume a role trusted by ``*`` (lower case).
PUBLIC_RESTRICTING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
    }
)
#: For a named other account, an ExternalId also defeats the confused deputy. It is not a
#: secret (AWS says so), so it does not make a ``*`` trust private.
CROSS_ACCOUNT_RESTRICTING_KEYS = PUBLIC_RESTRICTING_KEYS | {"sts:externalid"}

#: Identity providers anyone can get a token from, and the claims that pin the caller. Without
#: such a condition, trusting them trusts the whole internet (e.g. any GitHub repository).
MULTI_TENANT_ISSUERS: Mapping[str, tuple[str, ...]] = {
    "token.actions.githubusercontent.com": ("sub",),
    "gitlab.com": ("sub",),
    "app.terraform.io": ("sub",),
    "agent.buildkite.com": ("sub",),
    "cognito-identity.amazonaws.com": ("aud",),
    "accounts.google.com": ("aud", "sub", "oaud"),
    "graph.facebook.com": ("app_id", "id"),
    "www.amazon.com": ("app_id", "user_id"),
}

_POSITIVE_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)
_NEGATED_OPERATORS = frozenset(
    {
        "stringnotequals",
        "stringnotequalsignorecase",
        "stringnotlike",
        "arnnotequals",
        "arnnotlike",
        "notipaddress",
    }
)
#: Values that match anything: ``*``, ``repo:*`` (a GitHub ``sub`` for every repository), /0 CIDRs.
_MATCH_ALL = re.compile(r"^([A-Za-z_]+:)?[*?]+$|^0\.0\.0\.0/0$|^::/0$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")


def as_list(value: Any) -> tuple[str, ...]:
    """IAM allows a single string where it means a list; booleans and numbers become strings."""
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else [value]
    return tuple(str(item).lower() if isinstance(item, bool) else str(item) for item in items)


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement with every list-or-string field normalised to a tuple."""

    effect: str
    sid: str | None = None
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] | None = None
    #: Principal type (``AWS``, ``Service``, ``Federated``, ``CanonicalUser``, or ``*``) -> values.
    principals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    not_principals: Mapping[str, tuple[str, ...]] | None = None
    #: Operator -> condition key -> values, as written.
    conditions: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def allows(self) -> bool:
        """Only Allow statements grant anything."""
        return self.effect.lower() == "allow"

    def matches_action(self, action: str) -> bool:
        """Action names and patterns are case-insensitive; NotAction matches everything else."""
        if self.not_actions is not None:
            return not _any_pattern(self.not_actions, action)
        return _any_pattern(self.actions, action)

    def condition_keys(self) -> Iterable[tuple[str, str, tuple[str, ...]]]:
        """(operator, key, values) triples, operator and key lower-cased."""
        for operator, block in self.conditions.items():
            for key, values in block.items():
                yield operator.lower(), key.lower(), values


@lru_cache(maxsize=1 << 14)
def wildcard_match(value: str, pattern: str) -> bool:
    """``value`` matches an IAM wildcard ``pattern`` (case-sensitive: callers fold case).

    Only ``*`` and ``?`` are special (``[a-z]`` is literal, unlike fnmatch): AWS IAM User Guide,
    *IAM JSON policy elements: Resource* (wildcards). Linear, not a regular expression: a
    policy's ``*a*a*a...`` must not make matching exponential (policies are input we do not
    control).
    """
    v = p = 0
    star = -1  # the last ``*`` seen in the pattern, and where in value it started matching
    mark = 0
    while v < len(value):
        if p < len(pattern) and (pattern[p] == "?" or pattern[p] == value[v]):
            v += 1
            p += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark = p, v
            p += 1
        elif star >= 0:  # let the last ``*`` take one more character
            mark += 1
            v, p = mark, star + 1
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def _any_pattern(patterns: Iterable[str], action: str) -> bool:
    action = action.lower()
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern == action or (
            ("*" in pattern or "?" in pattern) and wildcard_match(action, pattern)
        ):
            return True
    return False


def _principals(value: Any) -> dict[str, tuple[str, ...]]:
    if value == "*":
        return {"*": ("*",)}
    if isinstance(value, Mapping):
        return {str(kind): as_list(items) for kind, items in value.items()}
    return {}


def _conditions(value: Any) -> dict[str, dict[str, tuple[str, ...]]]:
    if not isinstance(value, Mapping):
        return {}
    return {
        str(op): {str(key): as_list(vals) for key, vals in block.items()}
        for op, block in value.items()
        if isinstance(block, Mapping)
    }


def raw_statements(document: PolicyDocument | None) -> list[Mapping[str, Any]]:
    """The document's statements as written (a lone statement object is a list of one)."""
    if not isinstance(document, Mapping):
        return []
    raw = document.get("Statement", ())
    items = [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []
    return [item for item in items if isinstance(item, Mapping)]


def parse_statement(item: Mapping[str, Any]) -> Statement:
    """One written statement as a typed ``Statement`` (the escalation analysis shares it)."""
    return Statement(
        effect=str(item.get("Effect", "")),
        sid=str(item["Sid"]) if "Sid" in item else None,
        actions=as_list(item.get("Action")),
        not_actions=as_list(item["NotAction"]) if "NotAction" in item else None,
        resources=as_list(item.get("Resource")),
        not_resources=as_list(item["NotResource"]) if "NotResource" in item else None,
        principals=_principals(item.get("Principal")),
        not_principals=_principals(item["NotPrincipal"]) if "NotPrincipal" in item else None,
        conditions=_conditions(item.get("Condition")),
    )


def statements(document: PolicyDocument | None) -> tuple[Statement, ...]:
    """The document's statements, normalised; malformed entries are skipped, not fatal."""
    return tuple(parse_statement(item) for item in raw_statements(document))


# --- administrator access --------------------------------------------------------------------


def is_admin_statement(statement: Statement) -> bool:
    """Allow of ``*`` (or ``*:*``) on Resource ``*`` with no condition: full administrator."""
    return (
        statement.allows
        and statement.not_actions is None
        and any(action in ("*", "*:*") for action in statement.actions)
        and statement.not_resources is None
        and "*" in statement.resources
        and not statement.conditions
    )


def is_admin_document(document: PolicyDocument | None) -> bool:
    """Whether any statement of the document grants full administrator access."""
    return any(
        is_admin_statement(parse_statement(item))
        for item in raw_statements(document)
        if not {"*", "*:*"}.isdisjoint(as_list(item.get("Action")))  # cheap pre-filter
    )


def admin_condition_keys(document: PolicyDocument | None) -> tuple[str, ...]:
    """Condition keys of the document's conditional ``*`` on ``*`` Allows (empty: none).

    Such a grant makes the principal a full administrator whenever the condition holds (an
    MFA'd session, a given source IP...): not literal admin, but far from least privilege.
    """
    keys: set[str] = set()
    for item in raw_statements(document):
        if not item.get("Condition") or {"*", "*:*"}.isdisjoint(as_list(item.get("Action"))):
            continue
        s = parse_statement(item)
        if is_admin_statement(replace(s, conditions={})):
            keys.update(key for _, key, _ in s.condition_keys())
    return tuple(sorted(keys))


def is_administrator_access(arn: str) -> bool:
    """The AWS managed AdministratorAccess policy, in any partition."""
    parts = arn.split(":")
    return len(parts) == 6 and parts[4] == "aws" and parts[5] == "policy/AdministratorAccess"


# --- effective policies ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicySource:
    """One policy that applies to a principal, and the path by which it applies."""

    name: str
    #: The managed policy ARN, or None for an inline policy.
    arn: str | None
    document: PolicyDocument | None
    #: The group it comes through, or None when attached to the principal itself.
    via_group: str | None = None

    @property
    def inline(self) -> bool:
        """Inline policies are deleted, managed ones detached."""
        return self.arn is None

    @property
    def path(self) -> str:
        """How a human would say where the grant comes from."""
        label = f"inline {self.name}" if self.inline else self.name
        return f"via group {self.via_group}: {label}" if self.via_group else label

    @property
    def grants_admin(self) -> bool:
        """AdministratorAccess by ARN (even when its document was not loaded) or by content."""
        return (self.arn is not None and is_administrator_access(self.arn)) or is_admin_document(
            self.document
        )


def _sources(
    inline: Sequence[InlinePolicy],
    attached: Sequence[AttachedPolicy],
    policies: Mapping[str, ManagedPolicy],
    via_group: str | None = None,
) -> list[PolicySource]:
    found = [PolicySource(p.name, None, p.document, via_group) for p in inline]
    for ref in attached:
        managed = policies.get(ref.arn)
        found.append(
            PolicySource(ref.name, ref.arn, managed.document if managed else None, via_group)
        )
    return found


def own_policies(
    principal: User | Role, policies: Mapping[str, ManagedPolicy]
) -> list[PolicySource]:
    """Inline + attached policies of the principal itself (for a role, all it has)."""
    return _sources(principal.inline_policies, principal.attached_policies, policies)


def group_policies(group: Group, policies: Mapping[str, ManagedPolicy]) -> list[PolicySource]:
    """Inline + attached policies of a group, as its members receive them."""
    return _sources(group.inline_policies, group.attached_policies, policies, group.name)


def user_policies(
    user: User, groups: Mapping[str, Group], policies: Mapping[str, ManagedPolicy]
) -> list[PolicySource]:
    """Effective policies: inline + attached + each group's inline + attached.

    Permissions boundaries, SCPs and resource policies are not applied: this lists grants.
    """
    found = own_policies(user, policies)
    for name in user.groups:
        group = groups.get(name)
        if group is not None:
            found += group_policies(group, policies)
    return found


def role_policies(role: Role, policies: Mapping[str, ManagedPolicy]) -> list[PolicySource]:
    """Effective policies of a role: roles have no groups."""
    return own_policies(role, policies)


# --- effective administrators ----------------------------------------------------------------

IAM_FULL_ACCESS = "policy/IAMFullAccess"
#: IAM actions that let a principal raise its own permissions to anything (lower case).
ESCALATION_ACTIONS = (
    "iam:putuserpolicy",
    "iam:attachuserpolicy",
    "iam:putrolepolicy",
    "iam:attachrolepolicy",
    "iam:putgrouppolicy",
    "iam:attachgrouppolicy",
    "iam:createpolicyversion",
    "iam:addusertogroup",
)


def is_aws_managed(arn: str, name: str) -> bool:
    """An AWS managed policy ``name`` (``policy/...``) in any partition."""
    parts = arn.split(":")
    return len(parts) == 6 and parts[4] == "aws" and parts[5] == name


def resource_matches(
    statement: Statement, resource: str, variables: Mapping[str, str] | None = None
) -> bool:
    """ARNs are matched case-sensitively; NotResource matches everything it does not list.

    ``variables`` resolves policy variables such as ``${aws:username}`` for the caller; their
    names are case-insensitive (``${aws:UserName}`` is the same variable).
    """

    def resolved(pattern: str) -> str:
        for name, value in (variables or {}).items():
            pattern = _variable(name).sub(value.replace("\\", "\\\\"), pattern)
        return pattern

    if statement.not_resources is not None:
        return not any(wildcard_match(resource, resolved(p)) for p in statement.not_resources)
    return any(p == "*" or wildcard_match(resource, resolved(p)) for p in statement.resources)


@lru_cache(maxsize=64)
def _variable(name: str) -> re.Pattern[str]:
    """A policy variable's name matches in any case, as IAM condition and variable keys do."""
    return re.compile(re.escape(name), re.IGNORECASE)


def relevant_statements(source: PolicySource) -> tuple[Statement, ...]:
    """Unconditional statements of a policy that bear on admin or escalation.

    Conditional Allows are not counted (a condition may never hold) and conditional Denies
    are not credited (it may not apply): both choices report rather than hide.
    """
    if source.arn is not None and is_aws_managed(source.arn, IAM_FULL_ACCESS):
        return (Statement("Allow", "IAMFullAccess", ("iam:*",), resources=("*",)),)
    found = []
    for item in raw_statements(source.document):
        if item.get("Condition"):  # "Condition": {} restricts nothing
            continue
        wide = "NotAction" in item or "NotResource" in item
        if not wide and not any(_may_be_iam(a) for a in as_list(item.get("Action"))):
            continue  # cheap pre-filter: most statements never name IAM
        s = parse_statement(item)
        if s.not_resources is not None or _escalations(s.actions, s.not_actions):
            found.append(s)
    return tuple(found)


@lru_cache(maxsize=1 << 14)
def _escalations(actions: tuple[str, ...], not_actions: tuple[str, ...] | None) -> frozenset[str]:
    """The escalation actions (lower case) a statement's Action/NotAction covers (cached)."""
    if not_actions is not None:
        return frozenset(a for a in ESCALATION_ACTIONS if not _any_pattern(not_actions, a))
    return frozenset(a for a in ESCALATION_ACTIONS if _any_pattern(actions, a))


def _may_be_iam(action: str) -> bool:
    """Whether an action pattern can match an IAM action (``iam:...``, ``*``, ``i*:...``)."""
    service = action.split(":", 1)[0].lower()
    return service == "iam" or "*" in service or "?" in service


# --- wildcard grants (iam:PassRole on every role, Security Hub IAM.21) --------------------------

PASS_ROLE = "iam:PassRole"
PASSED_TO_SERVICE = "iam:passedtoservice"


def _is_full_admin_shaped(statement: Statement) -> bool:
    """``*`` (or ``*:*``) on Resource ``*``: policy.admin-access reports it, conditional or not.

    ``*`` on narrower resources (``arn:aws:iam::*:role/*``) is no admin grant: it is judged
    here like any other statement (it passes every role).
    """
    return (
        statement.not_actions is None
        and statement.not_resources is None
        and "*" in statement.resources
        and any(a in ("*", "*:*") for a in statement.actions)
    )


def _pins_passed_service(operator: str, values: Sequence[str]) -> bool:
    """A positive test naming services: ``StringEquals``, or ``StringLike`` whose service
    part (before the first dot) has no wildcard; IfExists/ForAllValues pass when absent."""
    op, lenient = _operator(operator)
    if lenient or op not in _POSITIVE_OPERATORS or not values:
        return False
    if not op.endswith("like"):
        return True
    return all(v and not _wild(v.split(".", 1)[0]) for v in values)


def limits_passed_service(statement: Statement) -> bool:
    """An ``iam:PassedToService`` condition that names the services a role may be passed to."""
    return any(
        key == PASSED_TO_SERVICE and _pins_passed_service(op, values)
        for op, key, values in statement.condition_keys()
    )


def _covers_every_role(statement: Statement, probe_role: str) -> bool:
    """Resource ``*``, or a pattern (or NotResource) covering ``probe_role`` (a role of an
    unlikely name at path ``/``) and the same name under a path: ``role/*-role``, ``role/i*``
    or ``role/*/*`` cover some roles, never every one."""
    base, _, name = probe_role.rpartition("/")
    nested = f"{base}/{name}/{name}"
    return resource_matches(statement, probe_role) and resource_matches(statement, nested)


def passes_any_role(statement: Statement, probe_role: str) -> bool:
    """Allows or denies ``iam:PassRole`` on every role (see :func:`_covers_every_role`)."""
    return statement.matches_action(PASS_ROLE) and _covers_every_role(statement, probe_role)


def service_wildcards(statement: Statement) -> tuple[str, ...]:
    """Services an Allow grants ``<service>:*`` (lower case): Security Hub IAM.21's test."""
    if not statement.allows or statement.not_actions is not None:
        return ()
    found = []
    for action in statement.actions:
        service, _, verb = action.lower().partition(":")
        if verb == "*" and service and not _wild(service):
            found.append(service)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class WildcardGrants:
    """What one policy document grants by wildcard, computed once per document."""

    #: Statement labels (Sid, else ``statement N``) allowing iam:PassRole on every role
    #: without an iam:PassedToService condition, none cancelled by an unconditional Deny.
    pass_role: tuple[str, ...] = ()
    #: Services granted ``<service>:*`` (lower case, sorted, once each).
    services: tuple[str, ...] = ()


NO_WILDCARDS = WildcardGrants()


@lru_cache(maxsize=1 << 14)
def _action_wildcards(
    actions: tuple[str, ...], not_actions: tuple[str, ...] | None
) -> tuple[bool, tuple[str, ...]]:
    """(covers iam:PassRole, ``<service>:*`` services) of an Action/NotAction (cached: policies
    repeat the same action lists)."""
    if not_actions is not None:
        return not _any_pattern(not_actions, PASS_ROLE), ()
    if any(a in ("*", "*:*") for a in actions):
        return True, ()  # full admin: only a Deny of it matters here
    probe = Statement("Allow", actions=actions)
    return _any_pattern(actions, PASS_ROLE), service_wildcards(probe)


def wildcard_grants(document: PolicyDocument | None, probe_role: str) -> WildcardGrants:
    """The document's PassRole-on-every-role statements and ``<service>:*`` grants.

    ``probe_role`` is a role ARN of this account no policy names on purpose. Full ``*``
    statements are left to the administrator rules. Statements whose actions cannot matter
    are skipped before being parsed: thousands of documents are read per evaluation.
    """
    candidates: list[tuple[int, Statement, bool]] = []
    services: set[str] = set()
    for n, item in enumerate(raw_statements(document), 1):
        not_actions = as_list(item["NotAction"]) if "NotAction" in item else None
        passes, found = _action_wildcards(as_list(item.get("Action")), not_actions)
        if passes or found:
            s = parse_statement(item)
            if s.allows and not _is_full_admin_shaped(s):
                services.update(found)
            candidates.append((n, s, passes))
    denied = any(
        not s.allows and not s.conditions and passes_any_role(s, probe_role)
        for _, s, _ in candidates
    )
    pass_role = [
        s.sid or f"statement {n}"
        for n, s, passes in candidates
        if passes
        and not denied
        and s.allows
        and not _is_full_admin_shaped(s)
        and _covers_every_role(s, probe_role)
        and not limits_passed_service(s)
    ]
    if not pass_role and not services:
        return NO_WILDCARDS
    return WildcardGrants(tuple(pass_role), tuple(sorted(services)))


@dataclass(frozen=True, slots=True)
class AdminReason:
    """Why a principal is effectively an administrator, and through which policy."""

    source: PolicySource
    reason: str

    def __str__(self) -> str:
        return f"{self.source.path}: {self.reason}"


_Covering = Sequence[tuple[PolicySource, Statement, frozenset[str]]]


def _allowed_by(
    covering: _Covering,
    action: str,
    resource: str,
    variables: Mapping[str, str] | None = None,
) -> PolicySource | None:
    """The policy allowing ``action`` on ``resource``, unless an unconditional Deny refuses it."""
    granted = None
    wanted = action.lower()
    for source, s, covered in covering:
        if wanted in covered and resource_matches(s, resource, variables):
            if not s.allows:
                return None
            granted = granted or source
    return granted


def _all_of_iam(statement: Statement) -> bool:
    return (
        statement.allows
        and statement.not_actions is None
        and _any_pattern(statement.actions, "iam:*")
        and statement.not_resources is None
        and "*" in statement.resources
    )


def _all_but_resources(statement: Statement) -> bool:
    return (
        statement.allows
        and statement.not_actions is None
        and any(action in ("*", "*:*") for action in statement.actions)
        and statement.not_resources is not None
    )


def effective_admin(
    principal: User | Role,
    relevant: Sequence[tuple[PolicySource, tuple[Statement, ...]]],
    *,
    managed_arns: Collection[str] = (),
    group_arns: Mapping[str, str] | None = None,
    admin_groups: Collection[str] = (),
) -> tuple[AdminReason, ...]:
    """Ways the principal can make itself an administrator, from its unconditional grants.

    ``relevant`` pairs each effective policy with :func:`relevant_statements`;
    ``managed_arns`` are the customer-managed policies that apply to the principal (its own and
    its groups'); ``group_arns`` maps group names to ARNs and ``admin_groups`` names the groups
    granting full admin.
    Literal ``*`` on ``*`` is :func:`is_admin_statement`'s business, not repeated here.
    """
    reasons: list[AdminReason] = []
    own = principal.arn
    attach = "iam:AttachUserPolicy" if isinstance(principal, User) else "iam:AttachRolePolicy"
    variables = {"${aws:username}": principal.name} if isinstance(principal, User) else {}
    covering = [
        (source, s, found)
        for source, stmts in relevant
        for s in stmts
        if (found := _escalations(s.actions, s.not_actions))
    ]
    if _allowed_by(covering, attach, own, variables) is None:
        relevant_for_wide: Sequence[tuple[PolicySource, tuple[Statement, ...]]] = ()
    else:
        relevant_for_wide = relevant  # a Deny of attaching to itself defuses wide grants too
    for source, stmts in relevant_for_wide:
        for s in stmts:
            if _all_of_iam(s):
                reasons.append(AdminReason(source, "iam:* on * (can grant itself anything)"))
            elif _all_but_resources(s):
                except_ = ", ".join(s.not_resources or ())
                reasons.append(AdminReason(source, f"every action on every resource but {except_}"))
    if isinstance(principal, User):
        checks = [
            ("iam:PutUserPolicy", own, "can put an inline policy on itself"),
            ("iam:AttachUserPolicy", own, "can attach any policy to itself"),
        ]
        arns = group_arns or {}
        for name in principal.groups:
            group_arn = arns.get(name)
            if group_arn is None:
                continue
            checks += [
                ("iam:PutGroupPolicy", group_arn, f"can put a policy on its group {name}"),
                ("iam:AttachGroupPolicy", group_arn, f"can attach any policy to its group {name}"),
            ]
        for name in sorted(admin_groups):
            group_arn = arns.get(name)
            if group_arn is not None and name not in principal.groups:
                reason = f"can add itself to the administrators group {name}"
                checks.append(("iam:AddUserToGroup", group_arn, reason))
    else:
        checks = [
            ("iam:PutRolePolicy", own, "can put an inline policy on itself"),
            ("iam:AttachRolePolicy", own, "can attach any policy to itself"),
        ]
    for arn in sorted(managed_arns):
        reason = f"can rewrite its policy {arn.rsplit('/', 1)[-1]} (iam:CreatePolicyVersion)"
        checks.append(("iam:CreatePolicyVersion", arn, reason))
    explained = {r.source.path for r in reasons}
    for action, resource, reason in checks:
        granted = _allowed_by(covering, action, resource, variables)
        if granted is not None and granted.path not in explained:
            if not reason.endswith(")"):
                reason = f"{reason} ({action})"
            reasons.append(AdminReason(granted, reason))
    unique: dict[str, AdminReason] = {}  # documents are dicts: reasons are not hashable
    for r in reasons:
        unique.setdefault(str(r), r)
    return tuple(unique.values())


# --- trust policies --------------------------------------------------------------------------

_WILDCARD_OPERATORS = frozenset(
    {"stringlike", "stringnotlike", "arnlike", "arnnotlike", "arnequals", "arnnotequals"}
)
_ORG_KEYS = frozenset({"aws:principalorgid", "aws:sourceorgid"})
_ORG_PATH_KEYS = frozenset({"aws:principalorgpaths", "aws:sourceorgpaths"})
_ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})
_CIDR_KEYS = frozenset({"aws:sourceip"})
#: Issuers whose ``sub`` is ``<claim>:<tenant>[/...]:...`` (GitHub ``repo:OWNER/REPO:...``,
#: GitLab ``project_path:GROUP/PROJECT:...``, Terraform Cloud and Buildkite
#: ``organization:ORG:...``): the tenant must be pinned, not merely the string.
_TENANT_SUB_KEYS = frozenset(
    f"{issuer}:sub"
    for issuer in (
        "token.actions.githubusercontent.com",
        "gitlab.com",
        "app.terraform.io",
        "agent.buildkite.com",
    )
)


def _wild(text: str) -> bool:
    return "*" in text or "?" in text


def _claim_pins(value: str) -> bool:
    """``repo:OWNER/...``, ``project_path:GROUP/...``, ``organization:ORG:...``: the tenant part.

    Every multi-tenant issuer's ``sub`` starts with a claim name and the tenant (GitHub owner,
    GitLab group, Terraform Cloud or Buildkite organization); both must be free of wildcards.
    """
    parts = value.split(":")
    if len(parts) < 2:
        return False
    head, owner = parts[0], parts[1].split("/", 1)[0]
    return bool(head and owner) and not _wild(head) and not _wild(owner)


def pins(key: str, value: str, *, wildcards: bool = True) -> bool:
    """Whether one condition value names a specific org, account, ARN, repository owner...

    ``wildcards`` is False for ``StringEquals``-like operators, where ``*`` is a literal (it
    then matches nobody, which is restrictive). With wildcards, the part that identifies the
    caller (org id, account, owner) must contain none: ``o-*`` or ``arn:aws:iam::*:role/*``
    pin nothing.
    """
    key = key.lower()
    if key in _CIDR_KEYS:
        return not _MATCH_ALL.match(value)
    if not value:
        return False
    if not wildcards:
        return True
    if key in _ORG_PATH_KEYS:
        org = value.split("/", 1)[0]
        return org.startswith("o-") and not _wild(org)
    if key in _ARN_KEYS:
        parts = value.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            return False
        account, resource = parts[4], parts[5]
        if account:
            return not _wild(account)
        return bool(resource) and not _wild(resource.split("/", 1)[0]) and not _wild(parts[2])
    if key == "aws:userid":
        unique = value.split(":", 1)[0]
        return bool(unique) and not _wild(unique)
    if key in _TENANT_SUB_KEYS:
        return _claim_pins(value)
    return not _wild(value)


def _operator(operator: str) -> tuple[str, bool]:
    """(base operator, whether it passes when the key is absent) for a condition operator."""
    op = operator.lower()
    lenient = op.startswith("forallvalues:") or op.endswith("ifexists")
    op = op.removeprefix("forallvalues:").removeprefix("foranyvalue:").removesuffix("ifexists")
    return op, lenient


def _covers_everyone(cidrs: Sequence[str]) -> bool:
    """CIDRs that together cover all IPv4 or all IPv6 (``0.0.0.0/1`` + ``128.0.0.0/1``)."""
    v4: list[ipaddress.IPv4Network] = []
    v6: list[ipaddress.IPv6Network] = []
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            continue
        if isinstance(network, ipaddress.IPv4Network):
            v4.append(network)
        else:
            v6.append(network)
    all_v4 = [n.prefixlen for n in ipaddress.collapse_addresses(v4)] == [0]
    return all_v4 or [n.prefixlen for n in ipaddress.collapse_addresses(v6)] == [0]


def restricts(operator: str, key: str, values: Sequence[str]) -> bool:
    """A positive, non-IfExists, non-ForAllValues test whose every value pins the caller.

    ``IfExists`` and ``ForAllValues`` pass when the key is absent, values are ORed (one
    match-all value lets everyone in), and a value with a wildcard in the part that names the
    caller pins nothing, so none of them restrict who may assume the role.
    """
    op, lenient = _operator(operator)
    if lenient or op not in _POSITIVE_OPERATORS or not values:
        return False
    if key.lower() in _CIDR_KEYS and _covers_everyone(values):
        return False
    wildcards = op in _WILDCARD_OPERATORS
    return all(pins(key, v, wildcards=wildcards) for v in values)


def _denied_unless(statement: Statement) -> str | None:
    """The key of a Deny whose only condition is a negated pinning test ("deny unless in o-x").

    Only operators true on a missing key count (``StringNotEquals``, not ``ForAnyValue:...``).
    Conditions of one statement are ANDed: with a second test the Deny may not apply, so only
    a Deny with exactly one condition key is credited.
    """
    tests = list(statement.condition_keys())
    if len(tests) != 1:
        return None
    operator, key, values = tests[0]
    # The Deny must apply when the key is absent (a caller in no organization): plain and
    # IfExists negated tests do, ForAnyValue does not. ForAllValues (a multivalued-key
    # operator) is not credited either: reporting beats hiding.
    op = operator.removesuffix("ifexists")
    if op not in _NEGATED_OPERATORS or not values:
        return None
    wildcards = op in _WILDCARD_OPERATORS
    return key if all(pins(key, v, wildcards=wildcards) for v in values) else None


@dataclass(frozen=True, slots=True)
class _Deny:
    """A Deny to everyone in a trust policy, and what it does to the Allows it covers."""

    statement: Statement
    #: No condition: every caller is refused the actions it covers.
    cancels: bool
    #: The key of a "deny unless" test, when that is its only condition.
    unless: str | None
    #: ``Principal: "*"``; ``{"AWS": "*"}`` is not credited against federated grants.
    everyone: bool


def _denies(stmts: Sequence[Statement]) -> tuple[_Deny, ...]:
    found = []
    for s in stmts:
        everyone = s.principals.get("*") == ("*",)
        any_aws = everyone or s.principals.get("AWS") == ("*",)
        if s.effect.lower() != "deny" or not any_aws or s.not_principals is not None:
            continue
        found.append(_Deny(s, not s.conditions, _denied_unless(s), everyone))
    return tuple(found)


def _assumes(statement: Statement) -> bool:
    return any(statement.matches_action(action) for action in ASSUME_ACTIONS)


#: A trusted principal given as a unique id (``AROA...`` role, ``AIDA...`` user): IAM shows
#: the id instead of the ARN once the principal is deleted.
_UNIQUE_ID = re.compile(r"^A(ROA|IDA)[A-Z0-9]{12,}$")


def is_unique_id(principal: str) -> bool:
    """A role or user unique id in a trust policy: the principal it named was deleted."""
    return bool(_UNIQUE_ID.match(principal))


def account_of(principal: str) -> str | None:
    """The account of an AWS principal (``123456789012`` or an IAM/STS ARN), else None.

    Unique ids (``AROA...``) mean the trusted principal was deleted; their account is unknown.
    """
    if _ACCOUNT_ID.match(principal):
        return principal
    parts = principal.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[2] in ("iam", "sts"):
        return parts[4] if _ACCOUNT_ID.match(parts[4]) else None
    return None


def issuer_of(federated: str) -> str:
    """``arn:...:oidc-provider/token.actions.githubusercontent.com`` -> the issuer host."""
    return federated.split(":oidc-provider/", 1)[-1].lower()


@dataclass(frozen=True, slots=True)
class TrustGrant:
    """One principal an Allow statement of a trust policy lets assume the role."""

    #: ``AWS``, ``Service``, ``Federated``, ``CanonicalUser``, ``*``, or ``NotPrincipal`` (then
    #: ``principal`` lists the excluded principals).
    kind: str
    principal: str
    sid: str | None
    #: The principal's account for AWS principals, when it can be told.
    account: str | None
    #: Anyone on the internet could obtain this principal.
    public: bool
    #: Condition keys (lower case) that pin who may assume through this grant, for every
    #: assume action it allows; empty when at least one action is left unpinned.
    restricting_keys: tuple[str, ...]

    @property
    def restricted(self) -> bool:
        """Whether a condition limits the grant to specific callers."""
        return bool(self.restricting_keys)

    @property
    def stale(self) -> bool:
        """An AWS principal given as a unique id: it was deleted since the policy was written."""
        return self.kind == "AWS" and is_unique_id(self.principal)


@dataclass(frozen=True, slots=True)
class TrustAnalysis:
    """Who may assume a role, per its trust policy."""

    grants: tuple[TrustGrant, ...]

    def public(self) -> tuple[TrustGrant, ...]:
        """Grants open to anyone and not pinned by a condition."""
        return tuple(g for g in self.grants if g.public and not g.restricted)

    def other_accounts(self, own_account: str) -> tuple[TrustGrant, ...]:
        """Grants to a named other AWS account that no condition restricts."""
        return tuple(
            g
            for g in self.grants
            if g.account is not None and g.account != own_account and not g.restricted
        )

    def unpinned_services(self) -> tuple[TrustGrant, ...]:
        """Service principals with no ``aws:SourceAccount``/``SourceArn``-like condition."""
        return tuple(g for g in self.grants if g.kind == "Service" and not g.restricted)

    def stale(self) -> tuple[TrustGrant, ...]:
        """Grants to principals deleted since (shown as unique ids)."""
        return tuple(g for g in self.grants if g.stale)

    def principals(self) -> tuple[str, ...]:
        """Every principal value, for display."""
        return tuple(g.principal for g in self.grants)


def analyse_trust(document: PolicyDocument | None) -> TrustAnalysis:
    """Classify every principal an Allow statement of a trust policy admits.

    A Deny to everyone cancels the actions it covers when unconditional; with a single
    "deny unless" test it pins those actions to that key. Grants whose every action is
    cancelled are left out: nobody can use them.
    """
    stmts = statements(document)
    denies = _denies(stmts)
    grants: list[TrustGrant] = []
    for s in stmts:
        if not s.allows or not _assumes(s):
            continue
        pinned = {key for op, key, values in s.condition_keys() if restricts(op, key, values)}
        if s.not_principals is not None:  # Allow + NotPrincipal: everyone but a few
            excluded = ", ".join(v for values in s.not_principals.values() for v in values)
            found = _grant("NotPrincipal", excluded, s, pinned, denies)
            grants.extend(found)
            continue
        for kind, values in s.principals.items():
            for value in values:
                grants.extend(_grant(kind, value, s, pinned, denies))
    return TrustAnalysis(tuple(grants))


def _actions_for(kind: str, value: str, s: Statement) -> tuple[str, ...]:
    """The assume actions that matter for this principal kind, among those the Allow grants."""
    allowed = tuple(a for a in ASSUME_ACTIONS if s.matches_action(a))
    if kind == "Federated":
        wanted = (
            "sts:assumerolewithsaml"
            if ":saml-provider/" in value
            else ("sts:assumerolewithwebidentity")
        )
    elif kind in ("AWS", "Service", "CanonicalUser"):
        wanted = "sts:assumerole"
    else:
        return allowed
    return (wanted,) if wanted in allowed else allowed


#: Keys that tie a service principal to the caller's resource (confused-deputy prevention).
SOURCE_KEYS = frozenset(
    {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}
)


def _source_pinned(statement: Statement) -> set[str]:
    """Source keys an ``...IfExists`` test pins: they restrict a *service* principal only.

    A service sends aws:SourceArn/SourceAccount when it acts on behalf of a resource, which is
    the cross-service confused deputy, so the IfExists form stops that case and cannot lock out
    a service that omits the key (AWS IAM User Guide, *The confused deputy problem*:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html). For AWS principals
    and ``*`` the caller could omit the key, so :func:`restricts` keeps refusing IfExists there.
    """
    found = set()
    for operator, key, values in statement.condition_keys():
        if key not in SOURCE_KEYS or ":" in operator or not operator.endswith("ifexists"):
            continue
        if restricts(operator.removesuffix("ifexists"), key, values):
            found.add(key)
    return found


#: Keys equal for every principal of one account: they cannot narrow a grant to that account.
ACCOUNT_CONSTANT_KEYS = frozenset(
    {"aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths"}
)
_ALL_WILD = re.compile(r"^[*?]+$")


def _whole_account(principal: str) -> bool:
    """``123456789012`` or ``arn:aws:iam::123456789012:root``: every principal of the account."""
    if _ACCOUNT_ID.match(principal):
        return True
    return account_of(principal) is not None and principal.split(":")[5:] == ["root"]


def _narrows_account(statement: Statement) -> bool:
    """Every ``aws:PrincipalArn`` value names less than a whole account (not ``arn:...:ID:*``)."""
    values = [
        v
        for _, key, found in statement.condition_keys()
        if key == "aws:principalarn"
        for v in found
    ]
    return bool(values) and all(
        len(parts := v.split(":", 5)) == 6 and bool(parts[5]) and not _ALL_WILD.match(parts[5])
        for v in values
    )


def _pinned_accounts(statement: Statement) -> tuple[str, ...]:
    """The accounts a ``*`` grant is pinned to by ``aws:PrincipalAccount`` or ``aws:PrincipalArn``.

    Empty when neither key pins it, or a value's account cannot be told.
    """
    for wanted in ("aws:principalaccount", "aws:principalarn"):
        for op, key, values in statement.condition_keys():
            if key != wanted or not restricts(op, key, values):
                continue
            accounts = {account_of(v) if wanted == "aws:principalarn" else v for v in values}
            if all(a is not None and _ACCOUNT_ID.match(a) for a in accounts):
                return tuple(sorted(a for a in accounts if a is not None))
    return ()


def _admitted(allowed: frozenset[str], whole: bool, statement: Statement) -> frozenset[str]:
    """For a whole-account grant, ``aws:PrincipalArn`` restricts only when narrower than it."""
    if whole and "aws:principalarn" in allowed and not _narrows_account(statement):
        return allowed - {"aws:principalarn"}
    return allowed


def _grant(
    kind: str, value: str, s: Statement, pinned: set[str], denies: Sequence[_Deny]
) -> list[TrustGrant]:
    account = None
    public = False
    whole = False
    allowed: frozenset[str] = frozenset()
    if kind in ("*", "NotPrincipal") or (kind == "AWS" and value == "*"):
        accounts = _pinned_accounts(s) if kind != "NotPrincipal" else ()
        if accounts:
            # "*" pinned to other accounts trusts those whole accounts: judge it as such.
            keys = CROSS_ACCOUNT_RESTRICTING_KEYS - ACCOUNT_CONSTANT_KEYS
            return [
                g
                for pinned_to in accounts
                for g in _judge(kind, value, s, pinned, denies, pinned_to, False, True, keys)
            ]
        public, allowed = True, PUBLIC_RESTRICTING_KEYS
    elif kind == "AWS":
        account, allowed = account_of(value), CROSS_ACCOUNT_RESTRICTING_KEYS
        if _whole_account(value):  # org and account keys are the same for all its principals
            whole, allowed = True, allowed - ACCOUNT_CONSTANT_KEYS
    elif kind == "Service":
        allowed = SOURCE_KEYS
        pinned = pinned | _source_pinned(s)
    elif kind == "Federated" and ":saml-provider/" not in value:
        issuer = issuer_of(value)
        claims = MULTI_TENANT_ISSUERS.get(issuer)
        public = claims is not None
        allowed = frozenset(f"{issuer}:{claim}" for claim in claims or ())
    return _judge(kind, value, s, pinned, denies, account, public, whole, allowed)


def _judge(
    kind: str,
    value: str,
    s: Statement,
    pinned: set[str],
    denies: Sequence[_Deny],
    account: str | None,
    public: bool,
    whole: bool,
    allowed: frozenset[str],
) -> list[TrustGrant]:
    """The grant with the keys that restrict it for every live assume action (none if denied)."""
    own = {k for k in pinned if k in _admitted(allowed, whole, s)}
    keys: set[str] = set()
    open_actions = 0
    live_actions = 0
    for action in _actions_for(kind, value, s):
        covering = [
            d
            for d in denies
            if d.statement.matches_action(action) and (d.everyone or kind != "Federated")
        ]
        if any(d.cancels for d in covering):
            continue
        live_actions += 1
        denied = {
            d.unless
            for d in covering
            if d.unless is not None and d.unless in _admitted(allowed, whole, d.statement)
        }
        found = own | denied
        if not found:
            open_actions += 1
        keys |= found
    if live_actions == 0:
        return []
    restricting = () if open_actions else tuple(sorted(keys))
    return [TrustGrant(kind, value, s.sid, account, public, restricting)]


#: Lines of indented JSON a document diff compares at most on either side: difflib is
#: quadratic (10,000 statements took tens of seconds, on the UI thread for the review), and a
#: diff that long is not read line by line anyway.
DIFF_MAX_LINES = 2_000


def document_diff(
    old: Any, new: Any | None, before: str, after: str, *, context: int = 2
) -> tuple[str, ...]:
    """A unified diff of two policy documents as indented JSON (``new`` None: every line
    removed): what a plan preview and the review show as a document's change. Over
    ``DIFF_MAX_LINES`` on either side, a one-line summary instead of the diff."""
    old_lines = json.dumps(old, indent=2, default=str).splitlines()
    new_lines = json.dumps(new, indent=2, default=str).splitlines() if new is not None else []
    if max(len(old_lines), len(new_lines)) > DIFF_MAX_LINES:
        return (f"--- {before}", f"+++ {after}", _diff_summary(old, new, old_lines, new_lines))
    # Lines are compared without their trailing comma: a kept element that became the last of
    # its list is context, not "removed and added again" (which reads as dropped).
    matcher = difflib.SequenceMatcher(
        None, [line.removesuffix(",") for line in old_lines],
        [line.removesuffix(",") for line in new_lines], autojunk=False,
    )  # fmt: skip
    out: list[str] = []
    for group in matcher.get_grouped_opcodes(context):
        if not out:
            out += [f"--- {before}", f"+++ {after}"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_hunk(first[1], last[2])} +{_hunk(first[3], last[4])} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [f" {line}" for line in new_lines[j1:j2]]  # as the new document has it
                continue
            out += [f"-{line}" for line in old_lines[i1:i2]]
            out += [f"+{line}" for line in new_lines[j1:j2]]
    return tuple(out)


def _hunk(start: int, stop: int) -> str:
    """A unified diff's hunk range (difflib's format: 1-based start, ``,count`` unless 1)."""
    length = stop - start
    first = start + 1 if length else start
    return str(first) if length == 1 else f"{first},{length}"


def _diff_summary(old: Any, new: Any | None, old_lines: list[str], new_lines: list[str]) -> str:
    """``document of N lines: diff not shown (too large); M statements removed``, counted in
    linear time (statements compared as written)."""

    def written(document: Any) -> Counter[str]:
        return Counter(json.dumps(s, sort_keys=True, default=str) for s in raw_statements(document))

    was, now = written(old), written(new)
    removed, added = sum((was - now).values()), sum((now - was).values())
    lines = max(len(old_lines), len(new_lines))
    text = (
        f"document of {lines:,} lines: diff not shown (too large); {removed:,} "
        f"statement{'' if removed == 1 else 's'} removed"
    )
    return text + (f", {added:,} added or rewritten" if added else "")
