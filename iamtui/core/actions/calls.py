"""Which API actions each action needs, gathered from the tables next to the code that sends them.

``builders.PRINCIPAL_ACTION_CALLS`` and ``account.ACCOUNT_ACTION_CALLS`` declare, per action, the
plan-time reads, the checks (probe names, whose reads the probe registry declares), the steps'
calls and the undo's calls. ``iamtui policy`` turns these into IAM policy documents, and tests run
every action and its undo on the emulator to prove nothing else is sent.
"""

from __future__ import annotations

from collections.abc import Mapping

from iamtui.core.actions import probes
from iamtui.core.actions.account import ACCOUNT_ACTION_CALLS
from iamtui.core.actions.builders import PRINCIPAL_ACTION_CALLS
from iamtui.core.actions.plan import Calls
from iamtui.core.ids import ActionId

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

#: Every action iamtui can plan, with what it sends.
ACTION_CALLS: Mapping[ActionId, Calls] = {**PRINCIPAL_ACTION_CALLS, **ACCOUNT_ACTION_CALLS}


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
