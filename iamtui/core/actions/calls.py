"""Which API actions an action needs: the shared read tables and the sums over a ``Calls``.

Each action's ``ActionSpec.calls`` (its ``actions.catalog`` module) declares the plan-time reads,
the checks (probe names, whose reads the probe registry declares), the steps' calls and the
undo's calls; ``registry.ACTION_CALLS`` gathers them. ``iamtui policy`` turns these into IAM
policy documents, and tests run every action and its undo on the emulator to prove nothing else
is sent.
"""

from __future__ import annotations

from iamtui.core.actions import probes
from iamtui.core.plan import Calls

#: Every plan: who we are (when planning and again before running), the caller's groups (the
#: lockout guard), and the alias when ``iamtui journal undo`` plans without a loaded account.
COMMON_CALLS = Calls(
    plan=("sts:GetCallerIdentity", "iam:ListGroupsForUser", "iam:ListAccountAliases"),
    conditional={
        "iam:ListGroupsForUser": "when iamtui runs as an IAM user (its groups guard against "
        "lockout)",
        "iam:ListAccountAliases": "iamtui journal undo, which loads no account first",
    },
)

NOT_LOADED = "when the principal is not in the loaded data"
#: What every key action reads when planning.
KEY_READS = ("iam:GetUser", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed")
#: What every service-specific credential action reads when planning.
SERVICE_CREDENTIAL_READS = ("iam:GetUser", "iam:ListServiceSpecificCredentials")
#: What read_role sends (role.quarantine, role.delete, and policies of roles).
ROLE_READS = (
    "iam:GetRole",
    "iam:ListRoleTags",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListInstanceProfilesForRole",
)
#: What read_user sends (user.delete's saved state).
USER_READS = (
    "iam:GetUser",
    "iam:ListUserTags",
    "iam:ListAttachedUserPolicies",
    "iam:ListSSHPublicKeys",
    "iam:GetSSHPublicKey",
    "iam:ListSigningCertificates",
    "iam:ListMFADevices",
    "iam:ListGroupsForUser",
    "iam:ListUserPolicies",
    "iam:GetUserPolicy",
    "iam:GetLoginProfile",
    "iam:ListAccessKeys",
    "iam:GetAccessKeyLastUsed",
    "iam:ListServiceSpecificCredentials",
)
TAGS_ON_CREATE = "AWS authorizes the tags passed to Create{User,Role} as Tag{User,Role} too"


def probe_reads(calls: Calls) -> frozenset[str]:
    """The reads behind an action's checks (from the probe registry)."""
    return frozenset(a for name in calls.probes for a in probes.read_actions(name))


def sent(calls: Calls) -> frozenset[str]:
    """Everything sent with the session's own credentials: plan reads, checks, steps and undo."""
    return frozenset({*calls.plan, *probe_reads(calls), *calls.run, *calls.undo})


def needed(calls: Calls) -> frozenset[str]:
    """What the caller's IAM policy must allow: what it sends (unless only as root), plus the
    permissions AWS checks on top of a call."""
    return frozenset((sent(calls) - set(calls.root_only)) | set(calls.implied))
