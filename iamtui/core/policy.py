"""Policy-document analysis shared by rules: statements, admin grants, trust, effective policies.

IAM documents are loose JSON (a string or a list almost everywhere, ``Statement`` a dict or a
list, condition values of any scalar type). :func:`statements` normalises them once so the
analyses below read as the IAM semantics they implement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
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


def _any_pattern(patterns: Iterable[str], action: str) -> bool:
    action = action.lower()
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern == action or (
            ("*" in pattern or "?" in pattern) and fnmatchcase(action, pattern)
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


def _raw_statements(document: PolicyDocument | None) -> list[Mapping[str, Any]]:
    if not isinstance(document, Mapping):
        return []
    raw = document.get("Statement", ())
    items = [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []
    return [item for item in items if isinstance(item, Mapping)]


def _statement(item: Mapping[str, Any]) -> Statement:
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
    return tuple(_statement(item) for item in _raw_statements(document))


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
        is_admin_statement(_statement(item))
        for item in _raw_statements(document)
        if not {"*", "*:*"}.isdisjoint(as_list(item.get("Action")))  # cheap pre-filter
    )


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


# --- trust policies --------------------------------------------------------------------------


def restricts(operator: str, values: Sequence[str]) -> bool:
    """A positive, non-IfExists, non-ForAllValues test against at least one specific value.

    ``IfExists`` and ``ForAllValues`` pass when the key is absent, and a match-all value pins
    nothing, so none of them restrict who may assume the role.
    """
    op = operator.lower()
    if op.startswith("forallvalues:") or op.endswith("ifexists"):
        return False
    op = op.removeprefix("foranyvalue:")
    return op in _POSITIVE_OPERATORS and any(not _MATCH_ALL.match(v) for v in values)


def _deny_restrictions(stmts: Sequence[Statement]) -> tuple[str, ...]:
    """Keys a ``Deny *`` statement enforces with a negated test (``Deny unless OrgID is o-x``)."""
    keys = []
    for s in stmts:
        everyone = s.principals.get("*") == ("*",) or s.principals.get("AWS") == ("*",)
        if s.effect.lower() != "deny" or not everyone or not _assumes(s):
            continue
        for operator, key, values in s.condition_keys():
            op = operator.removeprefix("foranyvalue:").removesuffix("ifexists")
            if op in _NEGATED_OPERATORS and any(not _MATCH_ALL.match(v) for v in values):
                keys.append(key)
    return tuple(keys)


def _assumes(statement: Statement) -> bool:
    return any(statement.matches_action(action) for action in ASSUME_ACTIONS)


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
    #: Condition keys (lower case) that pin who may assume through this grant.
    restricting_keys: tuple[str, ...]

    @property
    def restricted(self) -> bool:
        """Whether a condition limits the grant to specific callers."""
        return bool(self.restricting_keys)


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

    def principals(self) -> tuple[str, ...]:
        """Every principal value, for display."""
        return tuple(g.principal for g in self.grants)


def analyse_trust(document: PolicyDocument | None) -> TrustAnalysis:
    """Classify every principal an Allow statement of a trust policy admits."""
    stmts = statements(document)
    denied = _deny_restrictions(stmts)
    grants: list[TrustGrant] = []
    for s in stmts:
        if not s.allows or not _assumes(s):
            continue
        pinned = {key for op, key, values in s.condition_keys() if restricts(op, values)}
        if s.not_principals is not None:  # Allow + NotPrincipal: everyone but a few
            excluded = ", ".join(v for values in s.not_principals.values() for v in values)
            grants.append(_grant("NotPrincipal", excluded, s, pinned, denied))
            continue
        for kind, values in s.principals.items():
            for value in values:
                grants.append(_grant(kind, value, s, pinned, denied))
    return TrustAnalysis(tuple(grants))


def _grant(
    kind: str, value: str, s: Statement, pinned: set[str], denied: tuple[str, ...]
) -> TrustGrant:
    account = None
    public = False
    allowed: Iterable[str] = ()
    if kind in ("*", "NotPrincipal") or (kind == "AWS" and value == "*"):
        public, allowed = True, PUBLIC_RESTRICTING_KEYS
    elif kind == "AWS":
        account, allowed = account_of(value), CROSS_ACCOUNT_RESTRICTING_KEYS
    elif kind == "Federated" and ":saml-provider/" not in value:
        issuer = issuer_of(value)
        claims = MULTI_TENANT_ISSUERS.get(issuer)
        public = claims is not None
        allowed = {f"{issuer}:{claim}" for claim in claims or ()}
    keys = tuple(sorted({k for k in (*pinned, *denied) if k in allowed}))
    return TrustGrant(kind, value, s.sid, account, public, keys)
