"""The least-privilege IAM policies iamtui needs, built from the code that makes the calls.

Nothing here lists an action by hand. The loader declares what each overview part, a user's
review and a last-accessed job send (``loader.OVERVIEW_ACTIONS`` and friends); the root checks
declare their lookups (``root.ROOT_STATE_ACTIONS``); every action declares its plan reads, checks,
calls and undo (its ``ActionSpec.calls``, gathered in ``actions.registry.ACTION_CALLS``) and its
statement (``ActionSpec.group``). Tests run each of them on the emulator and check that nothing
outside its table is sent, then prove the documents with moto's permission
enforcement. ``iamtui policy --read-only`` / ``--remediate`` print what this module builds.

The remediate policy is an administrator's policy: it may change any principal's permissions
and credentials. Calls only an undo sends (re-creating users, roles and policies, attaching
policies again) are left out unless asked for (``with_undo``), and a Deny stops an IAM user
holding it from changing its own permissions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from iamtui.core.account_resources import ANALYZER_GENERATE_ACTIONS, ANALYZER_REVIEW_ACTIONS
from iamtui.core.actions import registry
from iamtui.core.actions.calls import COMMON_CALLS, needed
from iamtui.core.actions.followups import RECHECK_READS
from iamtui.core.actions.registry import ACTION_CALLS
from iamtui.core.ids import ActionId
from iamtui.core.loader import LAST_ACCESSED_ACTIONS, OVERVIEW_ACTIONS, USER_DETAIL_ACTIONS
from iamtui.core.plan import Calls
from iamtui.core.root import (
    ROOT_ONLY_PARTS,
    ROOT_STATE_ACTIONS,
    ROOT_TASK_DELETE_CREDENTIALS,
)
from iamtui.core.usage import USAGE_ACTIONS

POLICY_VERSION = "2012-10-17"

#: Actions AWS never denies, so no policy needs to (or can usefully) grant them.
NO_PERMISSION_NEEDED: Mapping[str, str] = {
    "sts:GetCallerIdentity": "AWS answers it for any valid credentials, even under an explicit "
    "deny",
}

#: Conditions that narrow an action in the documents: AssumeRoot only with the delete task.
CONDITIONS: Mapping[str, Mapping[str, Any]] = {
    "sts:AssumeRoot": {"StringEquals": {"sts:TaskPolicyArn": ROOT_TASK_DELETE_CREDENTIALS}},
}
#: Resources narrower than "*". None yet: sts:AssumeRoot's resource is the member's root user
#: (``arn:aws:iam::MEMBER:root``), which only the operator knows; the condition narrows it.
RESOURCES: Mapping[str, str] = {}

#: What an IAM user holding the remediate policy may not do to itself: change its own
#: permissions (policies, groups, boundary), adding or removing. The undo-only calls among them
#: are only granted with ``--with-undo``; the Deny covers them either way.
SELF_DENIED: tuple[str, ...] = (
    "iam:AddUserToGroup",
    "iam:AttachUserPolicy",
    "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteUserPolicy",
    "iam:DetachUserPolicy",
    "iam:PutUserPermissionsBoundary",
    "iam:PutUserPolicy",
    "iam:RemoveUserFromGroup",
)
#: The holder's own user, with or without a path (``${aws:username}`` is only set for IAM users).
SELF_RESOURCES: tuple[str, ...] = (
    "arn:aws:iam::*:user/${aws:username}",
    "arn:aws:iam::*:user/*/${aws:username}",
)
SELF_DENY_SID = "IamtuiDenyChangingItself"

#: Remediate statements: which actions each groups, in the order they are printed (each
#: action's ``ActionSpec.group`` in the registry decides).
ACTION_GROUPS: Mapping[str, tuple[ActionId, ...]] = registry.groups()


@dataclass(frozen=True, slots=True)
class Feature:
    """One part of iamtui and the API actions its calls need: one statement of a policy."""

    sid: str
    title: str
    actions: tuple[str, ...]
    #: For per-action statements: the loader part or action id it covers.
    covers: tuple[str, ...] = field(default_factory=tuple)


def _clean(actions: Iterable[str]) -> tuple[str, ...]:
    """Sorted, without duplicates and without actions AWS never denies."""
    return tuple(sorted({a for a in actions if a not in NO_PERMISSION_NEEDED}))


def _sid(text: str) -> str:
    """``key.rotate`` -> ``KeyRotate``; ``credential_report`` -> ``CredentialReport``."""
    words = text.replace(".", " ").replace("-", " ").replace("_", " ").split()
    return "".join(w[:1].upper() + w[1:] for w in words)


#: The statement for "who uses this credential" (``iamtui usage``, the review's and preview's u).
USAGE_FEATURE = Feature(
    "IamtuiUsage",
    "who uses a credential: CloudTrail event history and IAM last-used data",
    _clean(USAGE_ACTIONS),
)


#: The statement for re-checking follow-ups (``iamtui journal due``, the Follow-ups view).
FOLLOW_UPS_FEATURE = Feature(
    "IamtuiFollowUps",
    "re-checking due follow-ups: still inactive or quarantined, not used since",
    _clean(RECHECK_READS),
)


#: The statement for Access Analyzer's second opinion in a review: one principal's findings,
#: their details and a recommendation already generated (all Read or List access level).
ANALYZER_FEATURE = Feature(
    "IamtuiAccessAnalyzer",
    "Access Analyzer's unused-access findings of one user or role, their details and "
    "recommendations (the review)",
    _clean(ANALYZER_REVIEW_ACTIONS),
)
#: GenerateFindingRecommendation is Write level in the Service Authorization Reference (it
#: starts a job in Access Analyzer): in the remediate policy, never the read-only one.
ANALYZER_GENERATE_FEATURE = Feature(
    "IamtuiAccessAnalyzerRecommend",
    "ask Access Analyzer to generate a recommendation for an unused-permission finding",
    _clean(ANALYZER_GENERATE_ACTIONS),
)


def read_only_features(*, per_part: bool = False) -> tuple[Feature, ...]:
    """What viewing needs: the overview (scan), a user's review, last-accessed, who uses a
    credential, follow-up re-checks, root checks."""
    root_parts = [p for p in ROOT_STATE_ACTIONS if p not in ROOT_ONLY_PARTS]
    if per_part:
        features = [
            Feature(f"IamtuiOverview{_sid(part)}", f"overview: {part}", _clean(actions), (part,))
            for part, actions in OVERVIEW_ACTIONS.items()
        ]
        features += [
            Feature("IamtuiReview", "a user's keys and MFA devices", _clean(USER_DETAIL_ACTIONS)),
            Feature(
                "IamtuiLastAccessed",
                "service last-accessed data",
                _clean(LAST_ACCESSED_ACTIONS),
            ),
            USAGE_FEATURE,
            FOLLOW_UPS_FEATURE,
            ANALYZER_FEATURE,
        ]
        features += [
            Feature(f"IamtuiRoot{_sid(p)}", f"root check: {p}", _clean(ROOT_STATE_ACTIONS[p]), (p,))
            for p in root_parts
        ]
        return tuple(f for f in features if f.actions)
    return (
        Feature(
            "IamtuiOverview",
            "the account overview and findings (iamtui scan)",
            _clean(a for actions in OVERVIEW_ACTIONS.values() for a in actions),
            tuple(OVERVIEW_ACTIONS),
        ),
        Feature(
            "IamtuiReview",
            "a user's access keys, their last use, and MFA devices",
            _clean(USER_DETAIL_ACTIONS),
        ),
        Feature(
            "IamtuiLastAccessed",
            "service last-accessed data of a user or role",
            _clean(LAST_ACCESSED_ACTIONS),
        ),
        USAGE_FEATURE,
        FOLLOW_UPS_FEATURE,
        ANALYZER_FEATURE,
        Feature(
            "IamtuiRoot",
            "root-hardening checks (security contact, centralized root access)",
            _clean(a for p in root_parts for a in ROOT_STATE_ACTIONS[p]),
            tuple(root_parts),
        ),
    )


def _run_calls(calls: Calls) -> Calls:
    """The calls an action sends to plan, check and run: its undo out, and the implied
    permissions that come with a call only its undo sends (tags and PassRole on re-creating a
    user, role or policy); a run that creates a tagged policy keeps ``iam:TagPolicy``."""
    kept = tuple(
        a
        for a in calls.implied
        if a.startswith("iam:Tag") and f"iam:Create{a.removeprefix('iam:Tag')}" in calls.run
    )
    return replace(calls, undo=(), implied=kept)


def undo_only_actions() -> frozenset[str]:
    """What only undo plans send: granted only with ``with_undo`` (no run, check or read needs
    them)."""
    everything = set().union(*(needed(c) for c in ACTION_CALLS.values()))
    running = set().union(*(needed(_run_calls(c)) for c in ACTION_CALLS.values()))
    return frozenset(everything - running - needed(COMMON_CALLS))


def action_features(*, per_action: bool = False, with_undo: bool = False) -> tuple[Feature, ...]:
    """What acting needs: every action and its checks, grouped by kind of action; and with
    ``with_undo`` what their undo sends (a separate statement)."""
    common = needed(COMMON_CALLS)
    undo_only = undo_only_actions()

    def calls_of(action: ActionId) -> frozenset[str]:
        return needed(ACTION_CALLS[action]) - undo_only

    if per_action:
        features = []
        for actions in ACTION_GROUPS.values():
            for action in actions:
                sid = f"IamtuiAction{_sid(action.value)}"
                features.append(
                    Feature(sid, action.value, _clean(calls_of(action) | common), (action.value,))
                )
                undo = needed(ACTION_CALLS[action]) & undo_only
                if with_undo and undo:
                    features.append(
                        Feature(f"{sid}Undo", f"undo of {action.value}", _clean(undo), ())
                    )
        return tuple(features)
    grouped = []
    for sid, actions in ACTION_GROUPS.items():
        union = set().union(*(calls_of(a) for a in actions))
        if sid == "IamtuiActionsKeys":
            union |= common
        grouped.append(
            Feature(sid, ", ".join(a.value for a in actions), _clean(union), tuple(actions))
        )
    if with_undo:
        grouped.append(Feature("IamtuiUndo", "what undo plans send", _clean(undo_only)))
    return tuple(grouped)


def self_deny() -> dict[str, Any]:
    """The Deny that keeps an IAM user holding the remediate policy from escalating itself."""
    return {
        "Sid": SELF_DENY_SID,
        "Effect": "Deny",
        "Action": list(SELF_DENIED),
        "Resource": list(SELF_RESOURCES),
    }


def _statements(features: Sequence[Feature], *, dedupe: bool) -> list[dict[str, Any]]:
    """One Allow statement per feature; conditioned actions get their own statement."""
    seen: set[str] = set()
    statements: list[dict[str, Any]] = []
    for feature in features:
        actions = [a for a in feature.actions if not (dedupe and a in seen)]
        seen.update(actions)
        plain = [a for a in actions if a not in CONDITIONS and a not in RESOURCES]
        if plain:
            statements.append(
                {"Sid": feature.sid, "Effect": "Allow", "Action": plain, "Resource": "*"}
            )
        for action in actions:
            if action in CONDITIONS or action in RESOURCES:
                statement: dict[str, Any] = {
                    "Sid": feature.sid + _sid(action.split(":", 1)[1]),
                    "Effect": "Allow",
                    "Action": action,
                    "Resource": RESOURCES.get(action, "*"),
                }
                if action in CONDITIONS:
                    statement["Condition"] = dict(CONDITIONS[action])
                statements.append(statement)
    return statements


def policy_document(features: Sequence[Feature], *, dedupe: bool = True) -> dict[str, Any]:
    """An IAM policy document allowing what the features need (each action once by default)."""
    return {"Version": POLICY_VERSION, "Statement": _statements(features, dedupe=dedupe)}


def read_only_policy(*, per_part: bool = False) -> dict[str, Any]:
    """The policy for viewing: scan, review data, last-accessed, root checks."""
    return policy_document(read_only_features(per_part=per_part), dedupe=not per_part)


def remediate_policy(*, per_action: bool = False, with_undo: bool = False) -> dict[str, Any]:
    """The policy for viewing and acting: read-only plus every action, and with ``with_undo``
    what undo sends; an IAM user holding it may not change its own permissions or credentials.
    """
    features = (
        *read_only_features(per_part=per_action),
        ANALYZER_GENERATE_FEATURE,
        *action_features(per_action=per_action, with_undo=with_undo),
    )
    document = policy_document(features, dedupe=not per_action)
    document["Statement"].append(self_deny())
    return document


def actions_of(document: Mapping[str, Any]) -> frozenset[str]:
    """Every action a policy document allows (tests and the README check use it)."""
    found: set[str] = set()
    for statement in document.get("Statement", ()):
        if statement.get("Effect") != "Allow":
            continue
        listed = statement.get("Action", ())
        found.update([listed] if isinstance(listed, str) else listed)
    return frozenset(found)


def without(document: Mapping[str, Any], action: str) -> dict[str, Any]:
    """The same document minus one action (statements left empty are dropped)."""
    statements = []
    for statement in document.get("Statement", ()):
        listed = statement.get("Action", ())
        kept = [a for a in ([listed] if isinstance(listed, str) else listed) if a != action]
        if kept:
            statements.append(
                {**statement, "Action": kept if isinstance(listed, list) else kept[0]}
            )
    return {**document, "Statement": statements}
