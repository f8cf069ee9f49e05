"""Actions: plans that fix the account, previewed, confirmed, run step by step and journaled.

Typical use (the TUI does the same in a worker thread)::

    planner = Planner(conn, snapshot, read_only=False)
    plan = planner.plan(Request.deactivate_key("alice", "AKIA..."))   # ActionRefused: one line
    plan.preview(), plan.warnings, plan.notes, plan.confirmation_phrase  # the modal
    confirmed = plan.confirm(typed)                                     # ConfirmationMismatch
    report = Executor(conn, Journal()).run(confirmed)                  # journaled, step by step
    for secret in report.secrets: show once, then secret.drop()
    undo_plan = planner.undo(journal.entry(report.entry_id))

Root hardening uses the same path: ``Request.from_remedy(remedy)`` (or
``Request.set_password_policy()``, ``set_security_contact(...)``, ``deactivate_root_key(...)``,
``delete_root_key(..., account=MEMBER)`` for sts:AssumeRoot). ``registry.ACTION_CALLS`` says what
each action sends; ``iamtui.core.permissions`` builds the IAM policy from it.
"""

from __future__ import annotations

from datetime import datetime

from iamtui.core.actions.executor import ExecutionReport, Executor, Hooks, StepOutcome
from iamtui.core.actions.guards import (
    QUARANTINE_POLICY,
    ActionRefused,
    Caller,
    ReadOnlyMode,
    SelfLockout,
    UnverifiedUse,
    load_caller,
)
from iamtui.core.actions.planner import Planner
from iamtui.core.actions.request import Request
from iamtui.core.actions.spec import ActionSpec
from iamtui.core.actions.steps import quarantine_document
from iamtui.core.actions.undo import build_undo, entry_to_undo, step_took_effect, undo_entry
from iamtui.core.ids import ActionId
from iamtui.core.loader import utcnow
from iamtui.core.model import AccountSnapshot
from iamtui.core.plan import (
    ApiCall,
    AssumeRoot,
    Calls,
    Check,
    ConfirmationMismatch,
    ConfirmedPlan,
    InverseStep,
    Plan,
    PreviewStep,
    RotateStage,
    Selection,
    Skipped,
    Step,
    Target,
)
from iamtui.core.secrets import AccessKeySecret, Secret
from iamtui.core.session import Connection


def context_snapshot(conn: Connection, *, now: datetime | None = None) -> AccountSnapshot:
    """The little a planner needs when no account was loaded (journal undo): caller and alias."""
    caller = load_caller(conn)
    aliases = conn.iam.list_account_aliases().get("AccountAliases", [])
    return AccountSnapshot(
        account_id=caller.identity.account,
        loaded_at=now or utcnow(),
        caller=caller.identity,
        alias=aliases[0] if aliases else None,
        source=conn.endpoint,
    )


__all__ = [
    "QUARANTINE_POLICY",
    "AccessKeySecret",
    "ActionId",
    "ActionRefused",
    "ActionSpec",
    "ApiCall",
    "AssumeRoot",
    "Caller",
    "Calls",
    "Check",
    "ConfirmationMismatch",
    "ConfirmedPlan",
    "ExecutionReport",
    "Executor",
    "Hooks",
    "InverseStep",
    "Plan",
    "Planner",
    "PreviewStep",
    "ReadOnlyMode",
    "Request",
    "RotateStage",
    "Secret",
    "Selection",
    "SelfLockout",
    "Skipped",
    "Step",
    "StepOutcome",
    "Target",
    "UnverifiedUse",
    "build_undo",
    "context_snapshot",
    "entry_to_undo",
    "load_caller",
    "quarantine_document",
    "step_took_effect",
    "undo_entry",
]
