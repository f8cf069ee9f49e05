"""Undo: the inverse plan of a journal entry, built from what actually happened.

Only steps that took effect are reverted, newest first, each by the inverse calls its plan
recorded. A step that crashed mid-call (an intent with no result) is checked against live state:
its effect check decides whether it happened. Steps already reverted by an earlier undo are
skipped. The resulting plan passes the same guards as any other and is journaled with
``undoes: ID``. An undo entry is not itself undone: to redo, plan the action again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from iamtui.core import journal as journal_store
from iamtui.core.actions import probes
from iamtui.core.actions.guards import READ_ONLY_MESSAGE, ActionRefused, ReadOnlyMode, check_lockout
from iamtui.core.actions.plan import JSON, Check, Plan, Step
from iamtui.core.actions.secrets import is_placeholder
from iamtui.core.errors import error_code
from iamtui.core.ids import ActionId

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.journal import Entry, Journal


def _fill(value: JSON, outputs: Mapping[str, JSON], where: str) -> JSON:
    """Replace ``{"$result": NAME}`` with the original step's recorded output NAME."""
    if is_placeholder(value) and "$result" in value:
        name = str(value["$result"])
        if name not in outputs:
            raise ActionRefused(
                f"{where} created something whose {name} was not recorded (iamtui stopped "
                "mid-call): find it in the console and remove it by hand"
            )
        return outputs[name]
    if isinstance(value, Mapping) and not is_placeholder(value):
        return {k: _fill(v, outputs, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, outputs, where) for v in value]
    return value


def _fill_check(check: Check, outputs: Mapping[str, JSON], where: str) -> Check:
    return Check(
        check.probe,
        _fill(dict(check.params), outputs, where),
        _fill(check.expect, outputs, where),
        check.description,
        check.op,
    )


def step_took_effect(iam: Any, entry: Entry, index: int, *, account: Any = None) -> bool:
    """Whether a step of an entry happened: its result, or for a step in doubt, live state.

    ``account`` is the Account API client, for steps that changed an alternate contact.
    """
    log = entry.log(index)
    if log.state == "ok":
        return True
    if log.state != "in-doubt":
        return False
    effect = entry.plan.steps[index].effect
    if effect is None:
        raise ActionRefused(
            f"step {index + 1} of {entry.id} was cut off mid-call and has no check to tell "
            "whether it happened: inspect it in the console"
        )
    try:
        return probes.evaluate(iam, effect, account=account).ok
    except (ClientError, BotoCoreError) as exc:
        raise ActionRefused(
            f"cannot tell whether step {index + 1} of {entry.id} happened: "
            f"{error_code(exc) or type(exc).__name__}"
        ) from exc


def _holds(iam: Any, check: Check, planner: Planner) -> bool:
    """Whether a check is true in live state; unreadable counts as not (the step then runs)."""
    try:
        return probes.evaluate(iam, check, account=planner.account).ok
    except (ClientError, BotoCoreError):
        return False


def _reader(planner: Planner, entry: Entry, index: int) -> Any:
    """The IAM client that can see what a step changed (an assumed root's, for root steps)."""
    context = entry.plan.steps[index].as_root
    if context is None or entry.log(index).state != "in-doubt":
        return planner.iam
    try:
        return planner.root_sessions.iam(context)
    except (ClientError, BotoCoreError) as exc:
        raise ActionRefused(
            f"cannot tell whether step {index + 1} of {entry.id} happened: sts:AssumeRoot into "
            f"{context.account} failed ({error_code(exc) or type(exc).__name__})"
        ) from exc


def build_undo(planner: Planner, entry: Entry) -> Plan:
    """The plan that reverts an entry's completed steps; ActionRefused when there is none."""
    if planner.read_only:
        raise ReadOnlyMode(READ_ONLY_MESSAGE)
    if entry.undoes:
        raise ActionRefused(
            f"entry {entry.id} is itself an undo (of {entry.undoes}): "
            "to redo, plan the action again"
        )
    if entry.status == "running":
        raise ActionRefused(f"entry {entry.id} is still running in another iamtui")
    if entry.account != planner.snapshot.account_id:
        raise ActionRefused(
            f"entry {entry.id} was made in account {entry.account}; these credentials are for "
            f"{planner.snapshot.account_id}"
        )
    original = entry.plan
    steps: list[Step] = []
    warnings: list[str] = []
    notes: list[str] = []
    doubt = entry.in_doubt
    for index in reversed(range(len(original.steps))):
        step = original.steps[index]
        reader = _reader(planner, entry, index)
        if not step_took_effect(reader, entry, index, account=planner.account):
            if index == doubt:
                warnings.append(
                    f"step {index + 1} ({step.description}) was cut off mid-call; live state "
                    "shows it did not happen"
                )
            continue
        if index == doubt:
            warnings.append(
                f"step {index + 1} ({step.description}) was cut off mid-call; live state shows "
                "it happened, so it is reverted too"
            )
        if index in entry.undone_steps:
            continue
        if not step.reversible or not step.inverse:
            reason = step.irreversible_reason or "it has no inverse"
            notes.append(f"step {index + 1} ({step.description}) cannot be undone: {reason}")
            continue
        where = f"step {index + 1} of {entry.id}"
        outputs = entry.log(index).outputs
        for inverse in step.inverse:
            effect = _fill_check(inverse.effect, outputs, where) if inverse.effect else None
            if entry.undo_attempts and effect is not None and _holds(reader, effect, planner):
                # An earlier undo was cut off after this call took effect (in doubt): resume
                # after it instead of stopping at its precondition for ever.
                warnings.append(
                    f"{inverse.description}: already done by an earlier undo (live state), skipped"
                )
                continue
            steps.append(
                Step(
                    call=type(inverse.call)(
                        inverse.call.operation,
                        _fill(dict(inverse.call.params), outputs, where),
                        inverse.call.service,
                    ),
                    description=inverse.description,
                    target=step.target,
                    preconditions=tuple(
                        _fill_check(c, outputs, where) for c in inverse.preconditions
                    ),
                    effect=effect,
                    irreversible_reason="" if inverse.reversible else inverse.irreversible_reason,
                    loss=step.loss,
                    undoes_step=index,
                    as_root=step.as_root,
                )
            )
        if step.loss:
            notes.append(f"step {index + 1}: {step.loss}")
    if not steps:
        if entry.undone_by:
            raise ActionRefused(
                f"entry {entry.id} was already undone by {', '.join(entry.undone_by)}"
            )
        detail = "; ".join(notes) if notes else "no step of it took effect"
        raise ActionRefused(f"nothing to undo in {entry.id}: {detail}")
    plan = Plan(
        action=ActionId.UNDO,
        summary=f"Undo {entry.id}: {original.summary}",
        account_id=original.account_id,
        account_alias=planner.snapshot.alias or original.account_alias,
        caller_arn=planner.caller.arn,
        targets=original.targets,
        steps=tuple(steps),
        built_at=planner.clock(),
        data_time=planner.snapshot.loaded_at,
        before=original.before,
        warnings=tuple(warnings),
        notes=tuple(notes),
        undoes=entry.id,
        options={"undone_action": original.action.value},
    )
    check_lockout(plan, planner.caller)
    return plan


def undo_entry(planner: Planner, journal: Journal, ref: str) -> Plan:
    """Verify the journal, find the entry, and build its undo plan."""
    verification = journal.verify()
    if not verification.ok:
        raise journal_store.JournalDamaged(
            f"journal {journal.path} fails verification ({verification.problem}): "
            "refusing to undo from it"
        )
    return build_undo(planner, journal.entry(ref))
