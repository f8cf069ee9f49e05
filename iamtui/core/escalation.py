"""Privilege-escalation paths: how a principal that is not an administrator can become one.

Read from the policies the overview already loaded (authorization details), no extra calls.
Each known technique is one declarative :class:`Technique` in :data:`CATALOGUE` (Rhino Security
Labs' list, as Prowler's ``iam_policy_allows_privilege_escalation`` and nccgroup/PMapper use
it); :class:`Analysis` finds, for one principal, every technique whose actions its policies
allow on the target it needs, honouring resource scoping, ``NotAction``/``NotResource``,
explicit Deny (own and group policies), the principal's permissions boundary and conditions.

Assumptions (stated in docs/rules.md): no SCP or RCP restricts the account; resource policies
other than role trust policies are not read; session policies are ignored; a statement with any
condition may or may not hold, so a path that needs it is *conditional*, never dropped; chaining
is bounded to one step (assume or pass one role, act on one other principal).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from iamtui.core.model import AccountSnapshot, Group, ManagedPolicy, PolicyDocument, Role, User
from iamtui.core.policy import (
    ASSUME_ACTIONS,
    PASSED_TO_SERVICE,
    AdminReason,
    PolicySource,
    Statement,
    admin_condition_keys,
    as_list,
    effective_admin,
    group_policies,
    is_admin_document,
    own_policies,
    parse_statement,
    raw_statements,
    relevant_statements,
    resource_matches,
    statements,
    wildcard_match,
)

RHINO = "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/"
PROWLER = (
    "https://github.com/prowler-cloud/prowler/blob/master/prowler/providers/aws/services/iam/"
    "lib/privilege_escalation.py"
)
PMAPPER = "https://github.com/nccgroup/PMapper/tree/master/principalmapper/graphing"

#: The resource of an action whose resource the principal names itself (a new function, a new
#: instance...): any Allow of the action counts, only a Deny on every resource refuses it.
OWN_CHOICE = "*"


class Target(enum.StrEnum):
    """What a technique acts on, and so which principals or policies are its candidates."""

    SELF = "itself"
    OWN_GROUP = "a group it is in"
    ADMIN_GROUP = "a group that grants administrator access"
    OWN_POLICY = "a customer-managed policy that applies to it"
    ADMIN_USER = "another user who is an administrator"
    ASSUMABLE_ROLE = "a role it can assume"
    ASSUMABLE_ADMIN_ROLE = "an administrator role it can assume"
    ADMIN_ROLE = "an administrator role"
    SERVICE_ROLE = "an administrator role a service can assume"


@dataclass(frozen=True, slots=True)
class Technique:
    """One published escalation path: the actions it needs, on what, and what it gains."""

    name: str
    target: Target
    #: Actions on the target's ARN (a policy, group, user or role).
    on_target: tuple[str, ...] = ()
    #: Actions on a resource the principal creates or names itself (see :data:`OWN_CHOICE`).
    launch: tuple[str, ...] = ()
    #: The service principal the passed or reached role must trust (``SERVICE_ROLE``).
    service: str | None = None
    #: Which principals the technique applies to (``SELF`` acts on a user or a role).
    principal: Literal["user", "role", "any"] = "any"
    #: A prerequisite iamtui cannot see (an existing function, instance...): always conditional.
    caveat: str | None = None
    #: The role reached must have an instance profile (EC2 techniques).
    instance_profile: bool = False
    source: str = RHINO


_T = Technique

#: Why iam:CreateAccessKey on a user holding two keys (active or inactive) may fail: IAM allows
#: two per user and refuses a third, LimitExceeded (AWS IAM User Guide, *IAM and AWS STS
#: quotas*: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
KEY_LIMIT = "target already holds 2 access keys: AWS allows 2"
_PASS = ("iam:PassRole",)
_EXISTING = "needs an existing {} running with that role (not loaded: check it exists)"

#: The catalogue, one line per technique. Sources: Rhino Security Labs (RHINO), Prowler's
#: ``privilege_escalation_policies_combination`` (PROWLER), PMapper's edge checkers (PMAPPER).
CATALOGUE: tuple[Technique, ...] = (
    _T("iam:CreatePolicyVersion", Target.OWN_POLICY, ("iam:CreatePolicyVersion",)),
    _T(
        "iam:SetDefaultPolicyVersion",
        Target.OWN_POLICY,
        ("iam:SetDefaultPolicyVersion",),
        caveat="needs a non-default version of the policy that grants more (versions not loaded)",
    ),
    _T("iam:AttachUserPolicy", Target.SELF, ("iam:AttachUserPolicy",), principal="user"),
    _T("iam:PutUserPolicy", Target.SELF, ("iam:PutUserPolicy",), principal="user"),
    _T("iam:AttachRolePolicy", Target.SELF, ("iam:AttachRolePolicy",), principal="role"),
    _T("iam:PutRolePolicy", Target.SELF, ("iam:PutRolePolicy",), principal="role"),
    _T("iam:AttachGroupPolicy", Target.OWN_GROUP, ("iam:AttachGroupPolicy",)),
    _T("iam:PutGroupPolicy", Target.OWN_GROUP, ("iam:PutGroupPolicy",)),
    _T("iam:AddUserToGroup", Target.ADMIN_GROUP, ("iam:AddUserToGroup",)),
    _T("iam:CreateAccessKey", Target.ADMIN_USER, ("iam:CreateAccessKey",)),
    _T("iam:CreateLoginProfile", Target.ADMIN_USER, ("iam:CreateLoginProfile",)),
    _T("iam:UpdateLoginProfile", Target.ADMIN_USER, ("iam:UpdateLoginProfile",)),
    _T("iam:AttachRolePolicy + sts:AssumeRole", Target.ASSUMABLE_ROLE, ("iam:AttachRolePolicy",)),
    _T("iam:PutRolePolicy + sts:AssumeRole", Target.ASSUMABLE_ROLE, ("iam:PutRolePolicy",)),
    _T(
        "iam:UpdateAssumeRolePolicy + sts:AssumeRole",
        Target.ADMIN_ROLE,
        ("iam:UpdateAssumeRolePolicy",),
    ),
    _T("sts:AssumeRole", Target.ASSUMABLE_ADMIN_ROLE, source=PMAPPER),
    _T(
        "iam:PassRole + ec2:RunInstances",
        Target.SERVICE_ROLE,
        _PASS,
        ("ec2:RunInstances",),
        "ec2.amazonaws.com",
        instance_profile=True,
    ),
    _T(
        "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction",
        Target.SERVICE_ROLE,
        _PASS,
        ("lambda:CreateFunction", "lambda:InvokeFunction"),
        "lambda.amazonaws.com",
    ),
    _T(
        "iam:PassRole + lambda:CreateFunction + lambda:CreateEventSourceMapping",
        Target.SERVICE_ROLE,
        _PASS,
        ("lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
        "lambda.amazonaws.com",
    ),
    _T(
        "iam:PassRole + glue:CreateDevEndpoint",
        Target.SERVICE_ROLE,
        _PASS,
        ("glue:CreateDevEndpoint",),
        "glue.amazonaws.com",
    ),
    _T(
        "iam:PassRole + cloudformation:CreateStack",
        Target.SERVICE_ROLE,
        _PASS,
        ("cloudformation:CreateStack",),
        "cloudformation.amazonaws.com",
    ),
    _T(
        "iam:PassRole + datapipeline:CreatePipeline + PutPipelineDefinition",
        Target.SERVICE_ROLE,
        _PASS,
        ("datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"),
        "datapipeline.amazonaws.com",
    ),
    _T(
        "iam:PassRole + codebuild:CreateProject + StartBuild",
        Target.SERVICE_ROLE,
        _PASS,
        ("codebuild:CreateProject", "codebuild:StartBuild"),
        "codebuild.amazonaws.com",
        source=PROWLER,
    ),
    _T(
        "iam:PassRole + ecs:RegisterTaskDefinition + RunTask",
        Target.SERVICE_ROLE,
        _PASS,
        ("ecs:RegisterTaskDefinition", "ecs:RunTask"),
        "ecs-tasks.amazonaws.com",
        source=PROWLER,
    ),
    _T(
        "iam:PassRole + sagemaker:CreateNotebookInstance",
        Target.SERVICE_ROLE,
        _PASS,
        ("sagemaker:CreateNotebookInstance",),
        "sagemaker.amazonaws.com",
        source=PROWLER,
    ),
    _T(
        "iam:PassRole + sagemaker:CreateTrainingJob",
        Target.SERVICE_ROLE,
        _PASS,
        ("sagemaker:CreateTrainingJob",),
        "sagemaker.amazonaws.com",
        source=PROWLER,
    ),
    _T(
        "iam:PassRole + sagemaker:CreateProcessingJob",
        Target.SERVICE_ROLE,
        _PASS,
        ("sagemaker:CreateProcessingJob",),
        "sagemaker.amazonaws.com",
        source=PROWLER,
    ),
    _T(
        "lambda:UpdateFunctionCode",
        Target.SERVICE_ROLE,
        launch=("lambda:UpdateFunctionCode",),
        service="lambda.amazonaws.com",
        caveat=_EXISTING.format("Lambda function"),
    ),
    _T(
        "glue:UpdateDevEndpoint",
        Target.SERVICE_ROLE,
        launch=("glue:UpdateDevEndpoint",),
        service="glue.amazonaws.com",
        caveat=_EXISTING.format("Glue development endpoint"),
    ),
    _T(
        "ssm:SendCommand",
        Target.SERVICE_ROLE,
        launch=("ssm:SendCommand",),
        service="ec2.amazonaws.com",
        caveat=_EXISTING.format("EC2 instance with the SSM agent"),
        instance_profile=True,
        source=PROWLER,
    ),
    _T(
        "ssm:StartSession",
        Target.SERVICE_ROLE,
        launch=("ssm:StartSession",),
        service="ec2.amazonaws.com",
        caveat=_EXISTING.format("EC2 instance with the SSM agent"),
        instance_profile=True,
        source=PROWLER,
    ),
)

#: Every action the catalogue names, plus removing one's own boundary (lower case).
_BOUNDARY_REMOVAL = {
    "user": "iam:DeleteUserPermissionsBoundary",
    "role": "iam:DeleteRolePermissionsBoundary",
}
CATALOGUE_ACTIONS: tuple[str, ...] = tuple(
    sorted(
        {a.lower() for t in CATALOGUE for a in (*t.on_target, *t.launch)}
        | {a.lower() for a in _BOUNDARY_REMOVAL.values()}
        | {"sts:assumerole"}
    )
)


#: Each technique with the identity actions it needs (lower case): a quick first test.
_NEEDED: tuple[tuple[Technique, frozenset[str]], ...] = tuple(
    (t, frozenset(a.lower() for a in (*t.on_target, *t.launch))) for t in CATALOGUE
)


@lru_cache(maxsize=1 << 14)
def _covered(actions: tuple[str, ...], not_actions: tuple[str, ...] | None) -> frozenset[str]:
    """The catalogue actions (lower case) an Action/NotAction covers (cached: lists repeat)."""
    probe = Statement("Allow", actions=actions, not_actions=not_actions)
    return frozenset(a for a in CATALOGUE_ACTIONS if probe.matches_action(a))


@dataclass(frozen=True, slots=True)
class Grant:
    """One statement that bears on an escalation action, and where it comes from."""

    source: PolicySource
    #: The statement's Sid, else ``statement N`` (1-based).
    label: str
    statement: Statement
    covers: frozenset[str]


def policy_grants(source: PolicySource) -> tuple[Grant, ...]:
    """The statements of one policy that cover a catalogue action (compute once per policy).

    Statements are tested on their raw Action/NotAction before being parsed: thousands of
    documents are read per evaluation and few name these actions.
    """
    found = []
    for n, item in enumerate(raw_statements(source.document), 1):
        not_actions = as_list(item["NotAction"]) if "NotAction" in item else None
        covers = _covered(as_list(item.get("Action")), not_actions)
        if covers:
            s = parse_statement(item)
            found.append(Grant(source, s.sid or f"statement {n}", s, covers))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Step:
    """One action of a path: on what, and which statement of which policy grants it."""

    action: str
    resource: str
    #: ``PolicySource.path`` of the granting policy (``trust policy of ROLE`` for a trust).
    policy: str
    statement: str
    #: Why this step may not hold (condition keys, a conditional Deny); None: it holds.
    condition: str | None = None


@dataclass(frozen=True, slots=True)
class EscalationPath:
    """One way for a principal to become administrator, step by step."""

    technique: Technique
    #: The ARN of what it acts on (a policy, group, user or role).
    target: str
    #: What it gains, in words ("administrator: it can attach any policy to itself").
    gains: str
    steps: tuple[Step, ...]
    #: Reasons the path may not work (conditions, a prerequisite not loaded); empty: it works.
    conditions: tuple[str, ...]
    #: The policies granting its steps (the principal's own or its groups'): removing one breaks
    #: the path.
    sources: tuple[PolicySource, ...]

    @property
    def conditional(self) -> bool:
        """Something iamtui cannot prove stands in the way."""
        return bool(self.conditions)


# --- deciding one action ---------------------------------------------------------------------


def _conditions_text(s: Statement) -> str:
    keys = sorted({key for _, key, _ in s.condition_keys()})
    return ", ".join(keys) or "a condition"


@dataclass(frozen=True, slots=True)
class _Decision:
    """The statement allowing an action, and why it may not hold (None: it holds)."""

    grant: Grant
    condition: str | None


def _matches(s: Statement, resource: str, variables: Mapping[str, str]) -> bool:
    if resource == OWN_CHOICE:  # the principal picks the name: a Deny must cover everything
        return s.allows or (s.not_resources is None and "*" in s.resources)
    return resource_matches(s, resource, variables)


def _provable(s: Statement, known: Mapping[str, str]) -> bool | None:
    """A condition iamtui can decide: every test is a ``StringEquals``/``StringLike`` on a key
    whose value the path fixes (``iam:PassedToService``). None: it cannot tell.
    An ``...IfExists`` test holds when the value matches; otherwise it depends on whether the
    key is sent at all, which iamtui cannot tell (None)."""
    if not known:
        return None
    verdict, unsure = True, False
    for operator, key, values in s.condition_keys():
        op = operator.removeprefix("foranyvalue:").removesuffix("ifexists")
        if key not in known or op not in ("stringequals", "stringlike"):
            return None
        value = known[key]
        like = op == "stringlike"
        matched = any(
            wildcard_match(value, v.lower()) if like else v.lower() == value for v in values
        )
        if matched:
            continue
        if operator.endswith("ifexists"):
            unsure = True
        else:
            verdict = False
    return None if verdict and unsure else verdict


def decide(
    grants: Sequence[Grant],
    action: str,
    resource: str,
    variables: Mapping[str, str],
    known: Mapping[str, str] | None = None,
) -> _Decision | None:
    """Whether ``grants`` allow ``action`` on ``resource``: the granting statement and why it may
    not hold, or None (no Allow, or an unconditional Deny). ``known`` are condition values
    the path fixes (lower case), so conditions on them are decided rather than doubted."""
    wanted = action.lower()
    allow: Grant | None = None
    conditional_allow: Grant | None = None
    doubt: str | None = None
    for g in grants:
        if wanted not in g.covers or not _matches(g.statement, resource, variables):
            continue
        s = g.statement
        proven = _provable(s, known or {}) if s.conditions else True
        if proven is False:
            continue  # its condition is false on this path: it neither allows nor denies
        if not s.allows:
            if proven:
                return None
            doubt = f"a Deny when {_conditions_text(s)} ({g.source.path}: {g.label})"
        elif proven:
            allow = allow or g
        else:
            conditional_allow = conditional_allow or g
    if allow is not None:
        return _Decision(allow, doubt)
    if conditional_allow is not None:
        why = f"allowed only when {_conditions_text(conditional_allow.statement)}"
        return _Decision(conditional_allow, "; ".join(w for w in (why, doubt) if w))
    return None


# --- the account: admins, trust --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Trust:
    """A role's trust policy reduced to who may call sts:AssumeRole, conditional or not."""

    #: Principal ARN -> condition text (None: unconditional).
    principals: Mapping[str, str | None]
    #: Whole account (``ACCOUNT``, ``arn:...:root`` or ``*``) -> condition text, or absent.
    account: tuple[bool, str | None]
    #: Service principal -> condition text.
    services: Mapping[str, str | None]
    #: An unconditional Deny of sts:AssumeRole to everyone.
    denied: bool
    #: The trust policy read (the next snapshot's analysis reuses it while it is the same).
    document: PolicyDocument


def _trust(role: Role, account_id: str) -> _Trust:
    principals: dict[str, str | None] = {}
    services: dict[str, str | None] = {}
    account: tuple[bool, str | None] = (False, None)
    denied = False
    for s in statements(role.trust_policy):
        if not s.matches_action(ASSUME_ACTIONS[0]) or s.not_principals is not None:
            continue
        cond = _conditions_text(s) if s.conditions else None
        if not s.allows:
            everyone = s.principals.get("*") == ("*",) or s.principals.get("AWS") == ("*",)
            denied = denied or (everyone and cond is None)
            continue
        for kind, values in s.principals.items():
            for value in values:
                if kind == "Service":
                    # A service acting for a resource launched in this account: a source-account
                    # pin to this account holds (confused-deputy conditions do not stop it).
                    pinned = _provable(s, {"aws:sourceaccount": account_id}) if cond else True
                    if pinned is not False:
                        why = None if pinned else cond
                        services[value.lower()] = _stronger(services, value.lower(), why)
                elif kind in ("AWS", "*"):
                    if value in ("*", account_id) or value.endswith(f":iam::{account_id}:root"):
                        if not account[0] or account[1] is not None:
                            account = (True, cond)
                    else:
                        principals[value] = _stronger(principals, value, cond)
    return _Trust(principals, account, services, denied, role.trust_policy)


def _stronger(found: Mapping[str, str | None], key: str, cond: str | None) -> str | None:
    """An unconditional grant beats a conditional one of the same principal."""
    return None if key in found and found[key] is None else cond


_DocKey = tuple[str, str | None, str | None, int]
#: A managed policy's ARN (None: inline) and its document's id: one document's verdicts.
_AdminKey = tuple[str | None, int]


@dataclass(frozen=True, slots=True)
class _Verdict:
    """One principal's administrator verdict, kept with the principal object it judged."""

    principal: User | Role
    #: Its own policies, then (users) each group's.
    sources: tuple[PolicySource, ...]
    #: The sources granting ``*`` on ``*`` (or AdministratorAccess), in that order.
    literal: tuple[PolicySource, ...]


class Administrators:
    """Who is an administrator, judged per principal from its own and its groups' policies.

    One set per groups and policies: the policy rules (``policy.admin-access``,
    ``policy.effective-admin``, ``user.admin-virtual-mfa``) and the escalation analysis read the
    same verdicts, computed once. They hold for any snapshot with the very same groups and
    policies (a patch's scoped snapshot shares them), since a verdict reads nothing else; each
    is kept with its principal object, so a changed principal is judged again.
    """

    def __init__(self, snapshot: AccountSnapshot, previous: Administrators | None = None) -> None:
        self.groups_seen = snapshot.groups
        self.policies_seen = snapshot.policies
        self.policies: dict[str, ManagedPolicy] = {p.arn: p for p in snapshot.policies}
        self.groups: dict[str, Group] = {g.name: g for g in snapshot.groups}
        # Per document, pinned by the entry so its id cannot be recycled; carried to the next
        # set while they could not outnumber the live documents.
        live = len(snapshot.policies) + len(snapshot.users) + len(snapshot.roles)
        if previous is not None and len(previous._admin_policy) > 4 * live + 1024:
            previous = None
        self._admin_policy: dict[_AdminKey, tuple[PolicyDocument | None, bool]] = (
            dict(previous._admin_policy) if previous else {}
        )
        self._relevant: dict[_AdminKey, tuple[PolicyDocument | None, tuple[Statement, ...]]] = (
            dict(previous._relevant) if previous else {}
        )
        self._conditions: dict[_AdminKey, tuple[PolicyDocument | None, tuple[str, ...]]] = (
            dict(previous._conditions) if previous else {}
        )
        self._group_sources = {
            g.name: tuple(group_policies(g, self.policies)) for g in snapshot.groups
        }
        self.admin_groups: tuple[Group, ...] = tuple(
            g for g in snapshot.groups if any(map(self.grants_admin, self._group_sources[g.name]))
        )
        self._admin_group_names = tuple(g.name for g in self.admin_groups)
        self.group_arns: dict[str, str] = {g.name: g.arn for g in snapshot.groups}
        self._verdicts: dict[str, _Verdict] = {}
        self._reasons: dict[str, tuple[User | Role, tuple[AdminReason, ...]]] = {}

    def fits(self, snapshot: AccountSnapshot) -> bool:
        """The snapshot has these very groups and policies: every verdict holds for it."""
        return snapshot.groups is self.groups_seen and snapshot.policies is self.policies_seen

    # -- per document --

    def grants_admin(self, source: PolicySource) -> bool:
        """``*`` on ``*`` or AdministratorAccess (once per document)."""
        key = (source.arn, id(source.document))
        entry = self._admin_policy.get(key)
        if entry is None or entry[0] is not source.document:
            entry = self._admin_policy[key] = (source.document, source.grants_admin)
        return entry[1]

    def relevant(self, source: PolicySource) -> tuple[Statement, ...]:
        """The policy's statements that bear on admin or escalation (once per document)."""
        key = (source.arn, id(source.document))
        entry = self._relevant.get(key)
        if entry is None or entry[0] is not source.document:
            entry = self._relevant[key] = (source.document, relevant_statements(source))
        return entry[1]

    def condition_keys(self, source: PolicySource) -> tuple[str, ...]:
        """Condition keys of the policy's conditional ``*`` on ``*`` (once per document)."""
        key = (source.arn, id(source.document))
        entry = self._conditions.get(key)
        if entry is None or entry[0] is not source.document:
            entry = (source.document, admin_condition_keys(source.document))
            self._conditions[key] = entry
        return entry[1]

    # -- per principal --

    def _verdict(self, principal: User | Role) -> _Verdict:
        found = self._verdicts.get(principal.arn)
        if found is None or found.principal is not principal:
            sources = own_policies(principal, self.policies)
            for name in principal.groups if isinstance(principal, User) else ():
                sources += self._group_sources.get(name, ())
            literal = tuple(s for s in sources if self.grants_admin(s))
            found = self._verdicts[principal.arn] = _Verdict(principal, tuple(sources), literal)
        return found

    def sources(self, principal: User | Role) -> tuple[PolicySource, ...]:
        """Own policies, then (users) each group's."""
        return self._verdict(principal).sources

    def literal(self, principal: User | Role) -> tuple[PolicySource, ...]:
        """The policies that make it a literal administrator, own first (boundary aside)."""
        return self._verdict(principal).literal

    def reasons(self, principal: User | Role) -> tuple[AdminReason, ...]:
        """How it can rewrite its own permissions (``policy.effective_admin``), literal
        ``*`` on ``*`` aside."""
        found = self._reasons.get(principal.arn)
        if found is not None and found[0] is principal:
            return found[1]
        relevant = tuple((s, self.relevant(s)) for s in self.sources(principal))
        reasons: tuple[AdminReason, ...] = ()
        if any(stmts for _, stmts in relevant):
            managed = {
                s.arn for s, _ in relevant if s.arn is not None and s.arn.split(":")[4:5] != ["aws"]
            }
            reasons = effective_admin(
                principal,
                relevant,
                managed_arns=managed,
                group_arns=self.group_arns,
                admin_groups=self._admin_group_names,
            )
        self._reasons[principal.arn] = (principal, reasons)
        return reasons


_admins: Administrators | None = None


def administrators(snapshot: AccountSnapshot) -> Administrators:
    """The verdicts for the snapshot's groups and policies: the last ones while they are the
    very same objects (the policy rules, the escalation analysis and a patch share them)."""
    global _admins
    found = _admins
    if found is None or not found.fits(snapshot):
        found = _admins = Administrators(snapshot, found)
    return found


class Analysis:
    """Escalation paths of every principal of one snapshot; account facts computed once."""

    def __init__(self, snapshot: AccountSnapshot, previous: Analysis | None = None) -> None:
        self.snapshot = snapshot
        self.account_id = snapshot.account_id
        #: Who is an administrator: shared with the policy rules (see :class:`Administrators`).
        self.admins = administrators(snapshot)
        self.policies = self.admins.policies
        self.groups = self.admins.groups
        # Per document, pinned by the entry so its id cannot be recycled: the analysis of the
        # next snapshot (after an action changed one principal) reuses what did not change.
        # Entries of documents since replaced are dropped once they could outnumber the live.
        live = len(snapshot.policies) + len(snapshot.users) + len(snapshot.roles)
        if previous is not None and len(previous._grants) > 4 * live + 1024:
            previous = None
        self._grants: dict[_DocKey, tuple[PolicyDocument | None, tuple[Grant, ...]]] = (
            dict(previous._grants) if previous else {}
        )
        self.admin_groups = self.admins.admin_groups
        owned = [r for r in snapshot.roles if not r.service_linked]
        before: dict[str, _Trust] = previous.trusts if previous else {}
        self.trusts: dict[str, _Trust] = {
            r.arn: kept
            if (kept := before.get(r.arn)) and kept.document is r.trust_policy
            else _trust(r, self.account_id)
            for r in owned
        }
        #: Principal ARN -> roles whose trust names it; roles trusting the whole account.
        self.trusted_by: dict[str, list[Role]] = {}
        self.account_trusting: list[Role] = []
        for role in owned:
            trust = self.trusts[role.arn]
            if trust.denied:
                continue
            for arn in trust.principals:
                self.trusted_by.setdefault(arn, []).append(role)
            if trust.account[0]:
                self.account_trusting.append(role)
        self.admin_roles = tuple(r for r in owned if self._is_admin(r))
        self.admin_set = frozenset(r.arn for r in self.admin_roles)
        self.admin_users = tuple(u for u in snapshot.users if self._is_admin(u))
        report = snapshot.credential_report
        admins = {u.name for u in self.admin_users}
        #: Administrator users the credential report shows holding two keys (see KEY_LIMIT).
        self.full_key_users = frozenset(
            row.user
            for row in (report.rows if report else ())
            if row.user in admins and all(k.held for k in row.keys)
        )
        self._world = (
            snapshot.policies,
            snapshot.groups,
            self.admin_set,
            frozenset(u.arn for u in self.admin_users),
            self.full_key_users,
            frozenset((r.arn, r.permissions_boundary, r.instance_profiles) for r in owned),
        )
        #: Paths per principal ARN, with the principal object they were found for.
        self._paths: dict[str, tuple[User | Role, tuple[EscalationPath, ...]]] = {}
        # What the previous analysis found still holds for a principal that is the very same
        # object, when no policy, group, administrator or trust changed around it.
        same = previous is not None and self._same_world(previous)
        self._reuse = previous._paths if previous is not None and same else {}

    def _same_world(self, previous: Analysis) -> bool:
        mine, theirs = self._world, previous._world
        return (
            mine[0] is theirs[0]
            and mine[1] is theirs[1]
            and mine[2:] == theirs[2:]
            and len(self.trusts) == len(previous.trusts)
            and all(t is previous.trusts.get(arn) for arn, t in self.trusts.items())
        )

    # -- policies, once each --

    def _policy_grants(self, source: PolicySource) -> tuple[Grant, ...]:
        key = (source.name, source.arn, source.via_group, id(source.document))
        entry = self._grants.get(key)
        if entry is None or entry[0] is not source.document:
            entry = self._grants[key] = (source.document, policy_grants(source))
        return entry[1]

    def sources(self, principal: User | Role) -> tuple[PolicySource, ...]:
        """Own policies, then (users) each group's (computed once per principal)."""
        return self.admins.sources(principal)

    def literal_admin(self, principal: User | Role) -> bool:
        """A policy of its own or of its groups grants ``*`` on ``*`` (boundary aside)."""
        return bool(self.admins.literal(principal))

    def boundary(self, principal: User | Role) -> tuple[Grant, ...] | None:
        """The boundary's statements as grants; None: no boundary, or one that caps nothing."""
        arn = principal.permissions_boundary
        if arn is None:
            return None
        managed = self.policies.get(arn)
        document = managed.document if managed else None
        source = PolicySource(arn.rsplit("/", 1)[-1], arn, document)
        if document is not None and is_admin_document(document):
            return None
        return self._policy_grants(source) if document is not None else ()

    def boundary_loaded(self, principal: User | Role) -> bool:
        """The boundary's document is in the snapshot (else iamtui cannot tell what it caps)."""
        arn = principal.permissions_boundary
        managed = self.policies.get(arn) if arn else None
        return arn is None or (managed is not None and managed.document is not None)

    def _is_admin(self, principal: User | Role) -> bool:
        """Literal administrator (``*`` on ``*`` or AdministratorAccess), not capped."""
        if principal.permissions_boundary and self.boundary(principal) is not None:
            return False  # capped by a boundary: not the administrator a path would reach
        return self.literal_admin(principal)

    def is_admin(self, principal: User | Role) -> bool:
        """Already an administrator: literally, or by rewriting its own permissions (the
        ``policy.admin-access`` and ``policy.effective-admin`` rules report those)."""
        return self.literal_admin(principal) or bool(self.admins.reasons(principal))

    # -- paths --

    def paths(self, principal: User | Role) -> tuple[EscalationPath, ...]:
        """Every catalogued way for a non-administrator to become one (empty for admins)."""
        found = self._paths.get(principal.arn) or self._reuse.get(principal.arn)
        if found is not None and found[0] is principal:
            self._paths[principal.arn] = found
            return found[1]
        result = self._find(principal)
        self._paths[principal.arn] = (principal, result)
        return result

    def _find(self, principal: User | Role) -> tuple[EscalationPath, ...]:
        if self.literal_admin(principal):
            return ()  # an administrator already: policy.admin-access reports it
        grants = tuple(g for s in self.sources(principal) for g in self._policy_grants(s))
        allowed = {a for g in grants if g.statement.allows for a in g.covers}
        named = principal.arn in self.trusted_by  # a trust naming it needs no grant
        if not allowed and not named:
            return ()
        walk = _Walk(self, principal, grants, allowed)
        found = tuple(
            p for t, needed in _NEEDED if needed <= allowed for p in walk.technique(t, needed)
        )
        return () if not found or self.is_admin(principal) else found


@dataclass(frozen=True, slots=True)
class _Candidate:
    arn: str
    gains: str
    #: Extra steps the target implies (assuming the role), already decided.
    steps: tuple[Step, ...] = ()
    conditions: tuple[str, ...] = ()


class _Walk:
    """One principal's search through the catalogue."""

    def __init__(
        self,
        analysis: Analysis,
        principal: User | Role,
        grants: tuple[Grant, ...],
        allowed: set[str],
    ) -> None:
        self.a = analysis
        self.principal = principal
        self.kind = "user" if isinstance(principal, User) else "role"
        self.grants = grants
        self.allowed = allowed
        self.variables = {"${aws:username}": principal.name} if self.kind == "user" else {}
        self.boundary = analysis.boundary(principal)
        self.boundary_loaded = analysis.boundary_loaded(principal)

    def _possible(self, t: Technique, needed: frozenset[str]) -> bool:
        if not needed <= self.allowed:
            return False
        if t.principal != "any" and t.principal != self.kind:
            return False
        return self.kind == "user" or t.target not in (Target.OWN_GROUP, Target.ADMIN_GROUP)

    def step(
        self, action: str, resource: str, known: Mapping[str, str] | None = None
    ) -> Step | None:
        """One action decided against the identity policies and the boundary."""
        decision = decide(self.grants, action, resource, self.variables, known)
        if decision is None:
            return None
        capped = self.bounded(action, resource, known)
        if capped is None:
            return None
        doubts = [decision.condition] if decision.condition else []
        g = decision.grant
        return Step(action, resource, g.source.path, g.label, "; ".join(doubts + capped) or None)

    def bounded(
        self, action: str, resource: str, known: Mapping[str, str] | None = None
    ) -> list[str] | None:
        """Why the boundary may refuse the action (empty: it allows it), None: it refuses."""
        if self.boundary is None:
            return []
        if not self.boundary_loaded:
            return ["its permissions boundary is not loaded"]
        capped = decide(self.boundary, action, resource, self.variables, known)
        if capped is None:
            return None
        return [f"boundary: {capped.condition}"] if capped.condition else []

    def by_trust(self, role: Role, label: str, cond: str | None) -> Step | None:
        """sts:AssumeRole granted by a same-account trust naming the principal's ARN: no
        identity Allow is needed, an explicit Deny still refuses; for a role (not a user) the
        permissions boundary still caps it (AWS IAM User Guide, *Permissions boundaries*,
        resource-based policies:
        https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html)."""
        if self._denied_outright(role.arn):
            return None
        doubts = [f"trust only when {cond}"] if cond else []
        doubts += [
            f"a Deny when {_conditions_text(g.statement)} ({g.source.path}: {g.label})"
            for g in self.grants
            if "sts:assumerole" in g.covers
            and not g.statement.allows
            and g.statement.conditions
            and resource_matches(g.statement, role.arn, self.variables)
        ][:1]
        if self.kind == "role":
            capped = self.bounded("sts:AssumeRole", role.arn)
            if capped is None:
                return None
            doubts += capped
        return Step("sts:AssumeRole", role.arn, label, "names it", "; ".join(doubts) or None)

    def technique(self, t: Technique, needed: frozenset[str]) -> Iterator[EscalationPath]:
        """The technique's paths for this principal (none when it lacks an action)."""
        if not self._possible(t, needed):
            return
        known = {PASSED_TO_SERVICE: t.service} if t.service else {}
        launch: list[Step] = []
        for action in t.launch:
            found = self.step(action, OWN_CHOICE)
            if found is None:
                return
            launch.append(found)
        for candidate in self._candidates(t):
            steps: list[Step] = []
            for action in t.on_target:
                found = self.step(action, candidate.arn, known)
                if found is None:
                    break
                steps.append(found)
            else:
                yield self._path(t, candidate, [*steps, *candidate.steps, *launch])

    def _path(self, t: Technique, c: _Candidate, steps: list[Step]) -> EscalationPath:
        doubts = [f"{s.action}: {s.condition}" for s in steps if s.condition]
        doubts += c.conditions
        if t.caveat:
            doubts.append(t.caveat)
        sources = {
            g.source.path: g.source
            for s in steps
            for g in self.grants
            if g.source.path == s.policy and g.label == s.statement
        }
        return EscalationPath(
            t, c.arn, c.gains, tuple(steps), tuple(dict.fromkeys(doubts)), tuple(sources.values())
        )

    # -- candidates per target --

    def _self_rewrite(self, arn: str, gains: str) -> _Candidate | None:
        """Rewriting its own permissions is capped by its boundary unless it can remove it."""
        if self.principal.permissions_boundary is None or self.boundary is None:
            return _Candidate(arn, gains)
        removal = _BOUNDARY_REMOVAL[self.kind]
        found = self.step(removal, self.principal.arn)
        if found is None:
            return None
        return _Candidate(arn, f"{gains}, after removing its permissions boundary", (found,))

    def _candidates(self, t: Technique) -> Iterator[_Candidate]:
        p = self.principal
        a = self.a
        if t.target is Target.SELF:
            c = self._self_rewrite(p.arn, "administrator: it can grant itself any policy")
            if c:
                yield c
        elif t.target is Target.OWN_GROUP and isinstance(p, User):
            for name in p.groups:
                group = a.groups.get(name)
                if group is not None:
                    gains = f"administrator: it can grant any policy to its group {name}"
                    if c := self._self_rewrite(group.arn, gains):
                        yield c
        elif t.target is Target.ADMIN_GROUP and isinstance(p, User):
            for group in a.admin_groups:
                if group.name not in p.groups:
                    gains = f"administrator: membership of {group.name}"
                    if c := self._self_rewrite(group.arn, gains):
                        yield c
        elif t.target is Target.OWN_POLICY:
            for source in a.sources(p):
                if source.arn and source.arn.split(":")[4:5] != ["aws"]:
                    name = source.arn.rsplit("/", 1)[-1]
                    gains = f"administrator: it can rewrite its policy {name}"
                    if c := self._self_rewrite(source.arn, gains):
                        yield c
        elif t.target is Target.ADMIN_USER:
            full = a.full_key_users if t.on_target == ("iam:CreateAccessKey",) else frozenset()
            for user in a.admin_users:
                if user.arn != p.arn:
                    why = (KEY_LIMIT,) if user.name in full else ()
                    yield _Candidate(user.arn, f"the administrator user {user.name}", (), why)
        elif t.target is Target.ADMIN_ROLE:
            # The rewritten trust names the principal's ARN: it then grants the AssumeRole.
            for role in a.admin_roles:
                label = f"trust policy of {role.name}, rewritten"
                if role.arn != p.arn and (step := self.by_trust(role, label, None)):
                    yield _Candidate(role.arn, f"the administrator role {role.name}", (step,))
        elif t.target is Target.ASSUMABLE_ADMIN_ROLE:
            yield from self._assumable(True, "the administrator role {}")
        elif t.target is Target.ASSUMABLE_ROLE:
            yield from self._assumable(False, "administrator: it can grant role {} anything")
        elif t.target is Target.SERVICE_ROLE:
            yield from self._service_roles(t)

    def _assumable(self, admin_only: bool, gains: str) -> Iterator[_Candidate]:
        """Roles whose trust admits the principal, with the sts:AssumeRole step it takes."""
        a, p = self.a, self.principal
        named = a.trusted_by.get(p.arn, ())
        wide = a.account_trusting if "sts:assumerole" in self.allowed else ()
        unique = {r.arn: r for r in (*named, *wide)}
        for role in unique.values():
            if role.arn == p.arn or (admin_only and role.arn not in a.admin_set):
                continue
            if not admin_only and role.permissions_boundary is not None:
                continue  # what it is given stays capped by its boundary
            trust = a.trusts[role.arn]
            label = f"trust policy of {role.name}"
            if p.arn in trust.principals:
                step = self.by_trust(role, label, trust.principals[p.arn])
                if step is not None:
                    yield _Candidate(role.arn, gains.format(role.name), (step,))
                continue
            found = self.step("sts:AssumeRole", role.arn)
            if found is None:
                continue
            cond = trust.account[1]
            extra = (f"trust of {role.name} only when {cond}",) if cond else ()
            yield _Candidate(role.arn, gains.format(role.name), (found,), extra)

    def _denied_outright(self, resource: str) -> bool:
        return any(
            "sts:assumerole" in g.covers
            and not g.statement.allows
            and not g.statement.conditions
            and resource_matches(g.statement, resource, self.variables)
            for g in self.grants
        )

    def _service_roles(self, t: Technique) -> Iterator[_Candidate]:
        assert t.service is not None
        for role in self.a.admin_roles:
            trust = self.a.trusts.get(role.arn)
            if trust is None or trust.denied or t.service not in trust.services:
                continue
            if t.instance_profile and not role.instance_profiles:
                continue  # EC2 runs a role through an instance profile that holds it
            cond = trust.services[t.service]
            extra = (f"trust of {role.name} only when {cond}",) if cond else ()
            gains = f"the administrator role {role.name} (through {t.service.split('.')[0]})"
            yield _Candidate(role.arn, gains, (), extra)


# --- one analysis per snapshot ---------------------------------------------------------------

_last: tuple[AccountSnapshot, Analysis] | None = None


def _same_grants(a: AccountSnapshot, b: AccountSnapshot) -> bool:
    """Nothing a path is read from differs: the very same users, roles, groups and policies."""
    return (
        a.users is b.users
        and a.roles is b.roles
        and a.groups is b.groups
        and a.policies is b.policies
        and a.credential_report is b.credential_report
        and a.account_id == b.account_id
    )


def analysis(snapshot: AccountSnapshot) -> Analysis:
    """The snapshot's analysis, reused while the snapshot is the same object (the rule and the
    review screen ask for the same one)."""
    global _last
    if _last is not None and _same_grants(_last[0], snapshot):
        return _last[1]  # e.g. a fetch of one user's keys: no policy, group or trust changed
    found = Analysis(snapshot, _last[1] if _last is not None else None)
    _last = (snapshot, found)
    return found


def path_lines(paths: Iterable[EscalationPath]) -> tuple[tuple[str, str, str], ...]:
    """Each path as readable lines (label, text, tone): a headline (technique, what it gains),
    its numbered steps with the policy statement granting each, and what may stop it. The
    review's "Can become administrator via", the finding's detail and markdown all show these.
    """
    found: list[tuple[str, str, str]] = []
    for path in sorted(paths, key=lambda p: p.conditional):
        tone = "warn" if path.conditional else "bad"
        found.append(("via", f"{path.technique.name} → {path.gains}", tone))
        for n, step in enumerate(path.steps, 1):
            on = "a resource it names" if step.resource == "*" else step.resource
            found.append(
                (f"  {n}.", f"{step.action} on {on} ({step.policy}: {step.statement})", "")
            )
        found += [("  caveat", condition, "warn") for condition in path.conditions]
    return tuple(found)


def paths_of(snapshot: AccountSnapshot, principal: User | Role) -> tuple[EscalationPath, ...]:
    """The principal's escalation paths (the review screen's "Can become administrator via")."""
    return analysis(snapshot).paths(principal)
