"""Undo: the inverse plan of a journal entry, built from what actually happened.

Only steps that took effect are reverted, newest first, each by the inverse calls its plan
recorded. A step that crashed mid-call (an intent with no result) is checked against live state:
its effect check decides whether it happened. Steps already reverted by an earlier undo are
skipped. The resulting plan passes the same guards as any other and is journaled with
``undoes: ID``. An undo entry is not itself undone: to redo, plan the action again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from iamtui.core import journal as journal_store
from iamtui.core.actions import probes, reads
from iamtui.core.actions.checks import check
from iamtui.core.actions.guards import READ_ONLY_MESSAGE, ActionRefused, ReadOnlyMode, check_lockout
from iamtui.core.errors import error_code
from iamtui.core.ids import ActionId
from iamtui.core.loader import policy_document
from iamtui.core.plan import JSON, ApiCall, Check, InverseStep, Plan, Step
from iamtui.core.secrets import is_placeholder

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


def _needed(value: JSON) -> set[str]:
    """The ``{"$result": NAME}`` names a value holds."""
    if is_placeholder(value) and "$result" in value:
        return {str(value["$result"])}
    if isinstance(value, Mapping) and not is_placeholder(value):
        return set().union(*(_needed(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_needed(v) for v in value))
    return set()


def _check_needs(check: Check) -> set[str]:
    """The original step's outputs a check reads."""
    return _needed(dict(check.params)) | _needed(check.expect)


def _needed_by(inverse: InverseStep) -> set[str]:
    """The original step's outputs an inverse call, its checks or its effect read."""
    checks = (*inverse.preconditions, *((inverse.effect,) if inverse.effect else ()))
    return _needed(dict(inverse.call.params)).union(*(_check_needs(c) for c in checks))


def _recover_results(
    reader: Any, step: Step, outputs: Mapping[str, JSON]
) -> tuple[dict[str, JSON], str]:
    """The step's outputs, with those its inverses need and the journal lacks (iamtui stopped
    after the call, before its result was written) found again in live state by what the call
    created (``probes.RECOVERABLE``); and, when not found, what live state showed instead."""
    missing = set().union(*(_needed_by(i) for i in step.inverse)) - outputs.keys()
    if not missing:
        return dict(outputs), ""
    try:
        recovered = probes.recover(reader, step.call)
    except (ClientError, BotoCoreError) as exc:
        return dict(outputs), f"reading it back failed ({error_code(exc) or type(exc).__name__})"
    if recovered is None:
        return dict(outputs), ""
    name, (found, candidates) = recovered
    if found is not None:
        return {**outputs, name: found}, ""
    shown = ", ".join(candidates)
    why = f"live state does not single it out (candidates: {shown})" if candidates else ""
    return dict(outputs), why or "live state shows nothing it could be"


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


def _done_by_earlier_undo(
    reader: Any, entry: Entry, step: Step, outputs: Mapping[str, JSON], where: str, planner: Planner
) -> int:
    """How far an earlier, cut-off undo got through a step's inverse calls (-1: not started).

    The inverse calls of a step form a chain (upload a key, then set it Inactive): the last one
    whose effect holds in live state says every call before it took effect too.
    """
    if not entry.undo_attempts:
        return -1
    for number in reversed(range(len(step.inverse))):
        effect = step.inverse[number].effect
        if effect is None or _check_needs(effect) - outputs.keys():
            continue  # what it acts on was never recorded nor found: it cannot be done yet
        if _holds(reader, _fill_check(effect, outputs, where), planner):
            return number
    return -1


def _recover(
    reader: Any,
    inverse: InverseStep,
    outputs: Mapping[str, JSON],
    where: str,
    entry: Entry,
    index: int,
) -> dict[str, JSON]:
    """The outputs of an inverse call skipped on resume, found again in live state."""
    if inverse.call.operation not in probes.RECOVERABLE:
        return {}
    params = _fill(dict(inverse.call.params), outputs, where)
    try:
        return probes.recover_outputs(
            reader, type(inverse.call)(inverse.call.operation, params, inverse.call.service)
        )
    except (ClientError, BotoCoreError) as exc:
        raise ActionRefused(
            f"cannot find what step {index + 1} of {entry.id} re-created: "
            f"{error_code(exc) or type(exc).__name__}"
        ) from exc


def _fill_prev(value: JSON, recovered: Mapping[str, JSON], where: str) -> JSON:
    """Replace ``{"$prev": NAME}`` with an output recovered from live state."""
    if is_placeholder(value) and "$prev" in value:
        name = str(value["$prev"])
        if name not in recovered:
            raise ActionRefused(
                f"{where}: the {name} it needs could not be found in live state; "
                "inspect the user in the console"
            )
        return recovered[name]
    if isinstance(value, Mapping) and not is_placeholder(value):
        return {k: _fill_prev(v, recovered, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_prev(v, recovered, where) for v in value]
    return value


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


def _versions_first(
    reader: Any,
    params: Mapping[str, JSON],
    preconditions: tuple[Check, ...],
    target: int,
    index: int,
) -> list[Step]:
    """AWS deletes a managed policy only once its non-default versions are gone (DeletePolicy,
    IAM API Reference): versions added since the plan (a later right-size, a hand edit) are
    deleted first, each under the delete's own preconditions, its document kept in this plan
    (so in the journal) by the check that it is unchanged."""
    arn = str(params.get("PolicyArn", ""))
    name = arn.rsplit("/", 1)[-1]
    try:
        listed = list(reads.pages(reader, "list_policy_versions", "Versions", PolicyArn=arn))
        found = [
            (
                str(v["VersionId"]),
                policy_document(
                    reader.get_policy_version(PolicyArn=arn, VersionId=v["VersionId"])[
                        "PolicyVersion"
                    ]["Document"]
                ),
            )
            for v in listed
            if not v.get("IsDefaultVersion")
        ]
    except ClientError as exc:
        if reads.missing(exc):
            return []  # already gone: the delete's own effect check says so
        raise ActionRefused(
            f"cannot list the versions of policy {name} to delete it: "
            f"{error_code(exc) or type(exc).__name__}"
        ) from exc
    return [
        Step(
            call=ApiCall("DeletePolicyVersion", {"PolicyArn": arn, "VersionId": version}),
            description=f"Delete version {version} of policy {name}, added since the plan: AWS "
            "deletes a policy only without its non-default versions (document saved here)",
            target=target,
            preconditions=(
                *preconditions,
                check(
                    "policy.version_document",
                    document,
                    f"version {version} of policy {name} is as read when the undo was planned",
                    PolicyArn=arn,
                    VersionId=version,
                ),
            ),
            effect=check(
                "policy.version_document",
                None,
                f"version {version} of policy {name} is gone",
                PolicyArn=arn,
                VersionId=version,
            ),
            undoes_step=index,
        )
        for version, document in found
    ]


#: What each undo call acts on that must still exist for it to make sense, by parameter. Only
#: reads every action with that undo already declares are used (GetUser, GetRole, GetGroup,
#: GetPolicy, ListAccessKeys): a group a user is added back to, or a policy attached again, is
#: left to the call itself.
_NEEDS: Mapping[str, tuple[str, ...]] = {
    "UpdateAccessKey": ("user", "access key"),
    "DeleteAccessKey": ("user", "access key"),
    "CreateLoginProfile": ("user",),
    "AddUserToGroup": ("user",),
    "PutUserPermissionsBoundary": ("user",),
    "UploadSSHPublicKey": ("user",),
    "UpdateSSHPublicKey": ("user",),
    "UploadSigningCertificate": ("user",),
    "UpdateSigningCertificate": ("user",),
    "AttachUserPolicy": ("user",),
    "PutUserPolicy": ("user",),
    "AttachGroupPolicy": ("group",),
    "PutGroupPolicy": ("group",),
    "AttachRolePolicy": ("role",),
    "PutRolePolicy": ("role",),
    "DeleteRolePolicy": ("role",),
    "AddRoleToInstanceProfile": ("role",),
    "UpdateAssumeRolePolicy": ("role",),
    "CreatePolicyVersion": ("policy",),
}
#: Undo calls that re-create their subject: later calls on it need nothing to exist.
_CREATES: Mapping[str, str] = {
    "CreateUser": "user",
    "CreateRole": "role",
    "CreatePolicy": "policy",
    "CreateGroup": "group",
}


def _subject(
    kind: str, params: Mapping[str, JSON], account: str, partition: str = "aws"
) -> tuple[str, str] | None:
    """(identity, how the operator reads it) of one subject a call names; None if it names none."""
    user, role = params.get("UserName"), params.get("RoleName")
    if kind == "user" and isinstance(user, str):
        return user.casefold(), f"user {user}"
    if (
        kind == "access key"
        and isinstance(user, str)
        and isinstance(params.get("AccessKeyId"), str)
    ):
        kid = str(params["AccessKeyId"])
        return kid, f"access key {kid} of user {user}"
    if kind == "role" and isinstance(role, str):
        return role.casefold(), f"role {role}"
    if kind == "group" and isinstance(params.get("GroupName"), str):
        group = str(params["GroupName"])
        return group.casefold(), f"group {group}"
    if kind == "policy":
        arn = params.get("PolicyArn")
        if isinstance(arn, str):
            return arn, f"managed policy {arn}"
        name = params.get("PolicyName")
        if isinstance(name, str):  # CreatePolicy: the ARN it will have
            arn = f"arn:{partition}:iam::{account}:policy{params.get('Path') or '/'}{name}"
            return arn, f"managed policy {arn}"
    return None


def _read(iam: Any, kind: str, params: Mapping[str, JSON]) -> tuple[bool, str | None]:
    """(whether a subject exists, its unique id for a user or role); a read that fails
    otherwise than NoSuchEntity says "exists, id unknown"."""
    try:
        if kind == "access key":
            return probes.key_status(iam, params) is not None, None
        if kind == "user":
            return True, iam.get_user(UserName=params["UserName"])["User"].get("UserId")
        if kind == "role":
            return True, iam.get_role(RoleName=params["RoleName"])["Role"].get("RoleId")
        if kind == "group":
            iam.get_group(GroupName=params["GroupName"], MaxItems=1)
        elif kind == "policy":
            iam.get_policy(PolicyArn=params["PolicyArn"])
    except ClientError as exc:
        return error_code(exc) != "NoSuchEntity", None
    except (BotoCoreError, KeyError, TypeError):
        return True, None  # unreadable: the steps' own preconditions decide when they run
    return True, None


@dataclass(frozen=True, slots=True)
class Missing:
    """Something an undo would act on that no longer exists."""

    kind: str
    #: How it is compared (a casefolded name, a key id, a policy ARN).
    identity: str
    #: How the operator reads it (``access key AKIA... of user bob``).
    label: str


#: The calls that delete each kind of subject (to name the journal entry that deleted it).
_DELETES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "access key": (("DeleteAccessKey", "AccessKeyId"),),
    "user": (("DeleteUser", "UserName"),),
    "role": (("DeleteRole", "RoleName"), ("DeleteServiceLinkedRole", "RoleName")),
    "group": (("DeleteGroup", "GroupName"),),
    "policy": (("DeletePolicy", "PolicyArn"),),
}


@dataclass(frozen=True, slots=True)
class Replaced:
    """A user or role an undo would act on that is another principal now: deleted and
    re-created under the same name, so IAM gave it a new unique id (AWS IAM User Guide,
    *Unique identifiers*:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids).
    """

    kind: str
    name: str
    then: str
    now: str


def _recorded_ids(entry: Entry) -> dict[tuple[str, str], str]:
    """The unique ids the plan recorded, by (kind, casefolded name), except for principals the
    entry itself deleted: the undo's own CreateUser (or an earlier, cut-off run of this undo)
    gives those a new id."""
    deleted = {
        (kind, str(step.call.params.get(param, "")).casefold())
        for step in entry.plan.steps
        for kind in ("user", "role")
        for op, param in _DELETES[kind]
        if step.call.operation == op
    }
    return {
        (t.kind, t.name.casefold()): t.principal_id
        for t in entry.plan.targets
        if t.kind in ("user", "role")
        and t.principal_id
        and (t.kind, t.name.casefold()) not in deleted
    }


def subject_problem(planner: Planner, entry: Entry, steps: list[Step]) -> Missing | Replaced | None:
    """The first thing an undo acts on that is gone (``access key AKIA… of user bob``) or is
    another principal of the same name now; None when every one is there. Each is read once.

    Judged per call: re-creating a deleted user needs nothing, reactivating a key needs the key
    (and its user). What an earlier call of the same undo re-creates counts as there.
    """
    created: set[tuple[str, str]] = set()
    read: dict[tuple[str, str], tuple[bool, str | None]] = {}
    recorded = _recorded_ids(entry)
    # aws-cn and aws-us-gov ARNs: a re-created policy's ARN is built in the entry's partition.
    partition = next(
        (t.arn.split(":")[1] for t in entry.plan.targets if t.arn.startswith("arn:")), "aws"
    )
    for step in steps:
        call = step.call
        if step.as_root is not None or call.service != "iam":
            continue  # root keys: only root (or an assumed root) can see or remove them
        made = _CREATES.get(call.operation)
        if made is not None:
            subject = _subject(made, call.params, entry.account, partition)
            if subject is not None:
                created.add((made, subject[0]))
            continue
        for kind in _NEEDS.get(call.operation, ()):
            subject = _subject(kind, call.params, entry.account, partition)
            if subject is None or (kind, subject[0]) in created:
                continue
            key = (kind, subject[0])
            if key not in read:
                read[key] = _read(planner.iam, kind, call.params)
            exists, live = read[key]
            if not exists:
                return Missing(kind, *subject)
            then = recorded.get(key)
            if then and live and live != then:
                name = str(call.params["UserName" if kind == "user" else "RoleName"])
                return Replaced(kind, name, then, live)
    return None


def deleted_by(missing: Missing, later: Sequence[Entry]) -> str | None:
    """The id of a later journal entry whose completed step deleted the subject, if any."""
    deletes = _DELETES.get(missing.kind, ())
    for other in later:
        for index, step in enumerate(other.plan.steps):
            value = next(
                (step.call.params.get(p) for op, p in deletes if step.call.operation == op), None
            )
            if not isinstance(value, str) or other.log(index).state != "ok":
                continue
            if missing.kind in ("access key", "policy"):
                same = value == missing.identity
            else:
                same = value.casefold() == missing.identity
            if same:
                return other.id
    return None


def build_undo(planner: Planner, entry: Entry, *, later: Sequence[Entry] = ()) -> Plan:
    """The plan that reverts an entry's completed steps; ActionRefused when there is none.

    ``later`` are the journal's entries after this one: a subject one of them deleted is named
    as such when the undo is refused for it.
    """
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
        through = (
            f" (it was reached through {' then '.join(entry.role_chain)}: "
            f"`iamtui journal undo {entry.id}` with credentials that may assume it, such as the "
            "management account's, assumes it again)"
            if entry.role_chain
            else ""
        )
        raise ActionRefused(
            f"cannot undo {entry.id}: it was made in account {entry.account}, and these "
            f"credentials are for account {planner.snapshot.account_id}; nothing was "
            f"changed{through}"
        )
    original = entry.plan
    steps: list[Step] = []
    warnings: list[str] = []
    notes: list[str] = []
    doubt = entry.in_doubt
    for index in reversed(range(len(original.steps))):
        step = original.steps[index]
        reader = _reader(planner, entry, index)
        # This plan numbers its own steps: the entry's are named with the entry.
        where = f"step {index + 1} of {entry.id}"
        if not step_took_effect(reader, entry, index, account=planner.account):
            if index == doubt:
                warnings.append(
                    f"{where} ({step.description}) was cut off mid-call; live state "
                    "shows it did not happen"
                )
            continue
        if index == doubt:
            warnings.append(
                f"{where} ({step.description}) was cut off mid-call; live state shows "
                "it happened, so it is reverted too"
            )
        if index in entry.undone_steps:
            continue
        if not step.reversible or not step.inverse:
            reason = step.irreversible_reason or "it has no inverse"
            notes.append(f"{where} ({step.description}) cannot be undone: {reason}")
            continue
        first = len(steps) + 1
        outputs, unfound = _recover_results(reader, step, entry.log(index).outputs)
        done = _done_by_earlier_undo(reader, entry, step, outputs, where, planner)
        recovered: dict[str, JSON] = {}
        for number, inverse in enumerate(step.inverse):
            if unknown := sorted(_needed_by(inverse) - outputs.keys()):
                # Only this step's remaining inverse calls are left to the operator: the
                # others act on what the plan named, never on something that might not be
                # iamtui's.
                rest = [i.description for i in step.inverse[number:]]
                notes.append(
                    f"{where} ({step.description}) is not fully undone: "
                    f"{'; '.join(rest)} is left to you: iamtui stopped before recording "
                    f"the {', '.join(unknown)} it created"
                    + (f", and {unfound}" if unfound else "")
                    + "; do it by hand in the console"
                )
                break
            effect = _fill_check(inverse.effect, outputs, where) if inverse.effect else None
            if number <= done:
                # An earlier undo was cut off after this call took effect (in doubt): resume
                # after it instead of stopping at its precondition for ever.
                warnings.append(
                    f"{inverse.description}: already done by an earlier undo (live state), skipped"
                )
                recovered = _recover(reader, inverse, outputs, where, entry, index)
                continue
            params = _fill(dict(inverse.call.params), outputs, where)
            if number > 0 and number - 1 <= done:
                # The call that fed this one ({"$prev": ...}) was skipped: its outputs come
                # from live state, found by what it created.
                params = _fill_prev(params, recovered, f"{inverse.description} ({where})")
            preconditions = tuple(_fill_check(c, outputs, where) for c in inverse.preconditions)
            if inverse.call.operation == "DeletePolicy":
                steps += _versions_first(reader, params, preconditions, step.target, index)
            steps.append(
                Step(
                    call=type(inverse.call)(inverse.call.operation, params, inverse.call.service),
                    description=inverse.description,
                    target=step.target,
                    preconditions=preconditions,
                    effect=effect,
                    irreversible_reason="" if inverse.reversible else inverse.irreversible_reason,
                    loss=step.loss,
                    undoes_step=index,
                    as_root=step.as_root,
                    changes=inverse.changes,
                )
            )
        if step.loss:
            notes.append(f"{_numbered(first, len(steps), where)}: {step.loss}")
    if not steps:
        if entry.undone_by:
            raise ActionRefused(
                f"entry {entry.id} was already undone by {', '.join(entry.undone_by)}"
            )
        detail = "; ".join(notes) if notes else "no step of it took effect"
        raise ActionRefused(f"nothing to undo in {entry.id}: {detail}")
    problem = subject_problem(planner, entry, steps)
    if isinstance(problem, Replaced):
        raise ActionRefused(
            f"cannot undo {entry.id}: {problem.kind} {problem.name} is not the {problem.kind} the "
            f"plan changed: it was deleted and re-created since (id {problem.then} then, "
            f"{problem.now} now) in account {planner.snapshot.account_id}, so the undo would "
            "change a principal the plan never touched; nothing was changed"
        )
    if problem is not None:
        by = deleted_by(problem, later)
        why = f"deleted by entry {by}" if by else "deleted outside this journal?"
        raise ActionRefused(
            f"cannot undo {entry.id}: {problem.label} no longer exists in account "
            f"{planner.snapshot.account_id} ({why}); nothing was changed"
        )
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


def _numbered(first: int, last: int, where: str) -> str:
    """``step 2`` / ``steps 2-3`` of the undo plan, or the entry's step when none reverts it
    here (an earlier undo already did)."""
    if last < first:
        return where
    return f"step {first}" if first == last else f"steps {first}-{last}"


def entry_to_undo(journal: Journal, ref: str) -> tuple[Entry, list[Entry]]:
    """The entry (from a journal that passes verification: nothing it says is acted on, not
    even a role to assume, otherwise) and the entries after it."""
    verification = journal.verify()
    if not verification.ok:
        raise journal_store.JournalDamaged(
            f"journal {journal.path} fails verification ({verification.problem}): "
            "refusing to undo from it"
        )
    entry = journal.entry(ref)
    entries = journal.entries()
    ids = [e.id for e in entries]
    return entry, entries[ids.index(entry.id) + 1 :] if entry.id in ids else []


def undo_entry(planner: Planner, journal: Journal, ref: str) -> Plan:
    """Verify the journal, find the entry, and build its undo plan."""
    entry, later = entry_to_undo(journal, ref)
    return build_undo(planner, entry, later=later)
