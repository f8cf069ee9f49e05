"""Plans: what an action will do, call by call, as plain data the UI previews and the journal keeps.

A :class:`Plan` is an ordered list of :class:`Step` objects. Each step is exactly one IAM API call
with the checks that must hold right before it (:class:`Check`), the check that tells afterwards
whether it took effect, and the calls that undo it (:class:`InverseStep`) or the reason it cannot
be undone. Plans serialise to JSON through :mod:`iamtui.core.codec` (``to_json``/``from_json``)
and never contain a secret: values that are secret or only known at run time are placeholders the
executor fills in.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeAlias

from botocore import xform_name

from iamtui.core import codec
from iamtui.core.ids import ActionId
from iamtui.core.subjects import FollowUpSubject

#: JSON-able data (params, expected values, saved state).
JSON: TypeAlias = Any

#: Plan format version, stored with every serialised plan.
PLAN_VERSION = 1

#: Operations that delete a whole principal: always confirmed by typing, even when undoable.
PRINCIPAL_DELETIONS = frozenset({"DeleteUser", "DeleteRole", "DeleteServiceLinkedRole"})


class RotateStage(enum.StrEnum):
    """AWS's rotation is several steps over time: create, switch workloads, deactivate, delete."""

    CREATE = "create"
    DEACTIVATE_OLD = "deactivate-old"
    DELETE_OLD = "delete-old"


class Op(enum.StrEnum):
    """How a check compares what it read with what the plan expects."""

    EQ = "eq"
    NE = "ne"
    #: An ISO time (or null) that is not later than the expected ISO time.
    NOT_AFTER = "not_after"


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One API call: the operation name as AWS spells it, its parameters, and its service."""

    operation: str
    params: Mapping[str, JSON] = field(default_factory=dict)
    #: The boto3 service (``iam``, ``account``); IAM unless said otherwise (and then not saved).
    service: str = field(default="iam", metadata=codec.OMIT_DEFAULT)

    @property
    def action(self) -> str:
        """``iam:UpdateAccessKey``: the name IAM policies use."""
        return f"{self.service}:{self.operation}"

    @property
    def method(self) -> str:
        """The boto3 client method (``UpdateAccessKey`` -> ``update_access_key``)."""
        return snake_case(self.operation)

    def text(self, limit: int = 60, *, apart: bool = False) -> str:
        """``iam:UpdateAccessKey UserName=alice ...`` for previews; long values are shortened.

        ``apart``: documents (policies) read "(below)", for a preview that shows them whole.
        """
        parts = [self.action]
        for name, value in self.params.items():
            shown = "(below)" if apart and _is_document(value) else _short(value, limit)
            parts.append(f"{name}={shown}")
        return " ".join(parts)

    def documents(self) -> tuple[tuple[str, str], ...]:
        """(parameter, indented JSON) of each document the call sends, whole: what will change.

        Values filled in at run time say so: ``<now:iso, filled in when the step runs>``.
        """
        return tuple(
            (name, json.dumps(_readable(value), indent=2))
            for name, value in self.params.items()
            if _is_document(value)
        )

    def to_json(self) -> JSON:
        """Plain data (``service`` only when it is not IAM, so older plans read the same)."""
        return codec.encode(self, "call")

    @classmethod
    def from_json(cls, data: JSON) -> ApiCall:
        """Back from plain data (CodecError, a ValueError, when it does not fit)."""
        return codec.decode(cls, data, "call")


def _placeholder(value: JSON) -> str | None:
    if isinstance(value, dict) and len(value) == 1 and str(next(iter(value))).startswith("$"):
        key = next(iter(value))
        return f"<{key[1:]}:{value[key]}>"
    return None


def _is_document(value: JSON) -> bool:
    """A policy or similar JSON structure (not a run-time placeholder)."""
    return isinstance(value, dict | list) and _placeholder(value) is None


def _readable(value: JSON) -> JSON:
    """A document with its run-time placeholders as readable text."""
    shown = _placeholder(value)
    if shown is not None:
        return f"{shown[:-1]}, filled in when the step runs>"
    if isinstance(value, dict):
        return {k: _readable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_readable(v) for v in value]
    return value


def _short(value: JSON, limit: int) -> str:
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith("$"):
        key = next(iter(value))
        return f"<{key[1:]}:{value[key]}>"
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Check:
    """A precondition or effect: read calls (a named probe) and a comparison with ``expect``."""

    probe: str
    params: Mapping[str, JSON]
    expect: JSON
    description: str
    op: Op = Op.EQ


@dataclass(frozen=True, slots=True)
class InverseStep:
    """One call that undoes (part of) a step, with its own precondition and effect."""

    call: ApiCall
    description: str
    preconditions: tuple[Check, ...] = ()
    effect: Check | None = None
    #: Whether this undo call can itself be taken back (deleting a new key cannot).
    reversible: bool = True
    irreversible_reason: str = ""
    #: What the call changes in a document, as diff lines, for the undo's preview.
    changes: tuple[str, ...] = field(default=(), metadata=codec.OMIT_DEFAULT)


@dataclass(frozen=True, slots=True)
class Target:
    """A principal a plan acts on (``kind`` is user, role or group)."""

    kind: str
    name: str
    arn: str
    #: IAM's unique id (``AIDA...``, ``AROA...``) when known: a principal deleted and re-created
    #: under the same name has another, so undo can tell it is not the one the plan changed.
    principal_id: str | None = field(default=None, metadata=codec.OMIT_DEFAULT)


@dataclass(frozen=True, slots=True)
class AssumeRoot:
    """Whose credentials a step runs with: a member account's root, through sts:AssumeRoot.

    The executor asks for the short session right before the step (and its checks) and keeps the
    credentials in memory only: the plan and the journal hold this description, never a key.
    """

    account: str
    task_policy_arn: str
    duration_seconds: int = 900


@dataclass(frozen=True, slots=True)
class Step:
    """One API call of a plan, with its guards and its way back."""

    call: ApiCall
    description: str
    #: Index into ``Plan.targets`` of the principal this step changes.
    target: int = 0
    preconditions: tuple[Check, ...] = ()
    #: Holds once the call took effect: decides a crashed step's fate.
    effect: Check | None = None
    #: Calls that undo this step, in order; empty when irreversible.
    inverse: tuple[InverseStep, ...] = ()
    #: Why this step cannot be undone ("" when it can).
    irreversible_reason: str = ""
    #: What an undo does not bring back even though the step is undoable ("" when nothing).
    loss: str = ""
    #: For undo plans: the index of the original step this call undoes.
    undoes_step: int | None = None
    #: Poll this operation after the call until it reports completion (service-linked roles).
    wait: str | None = None
    #: Run the call and its checks as another account's root (None: the session's credentials).
    as_root: AssumeRoot | None = field(default=None, metadata=codec.OMIT_DEFAULT)
    #: What the call changes in a document, as diff lines (``-``/``+``), for the preview.
    changes: tuple[str, ...] = field(default=(), metadata=codec.OMIT_DEFAULT)

    @property
    def reversible(self) -> bool:
        """It can be taken back: it has an inverse (or, in an undo plan, is not one-way)."""
        return not self.irreversible_reason

    @property
    def severe(self) -> bool:
        """Deletes a whole principal: confirmed by typing even when undoable."""
        return self.call.operation in PRINCIPAL_DELETIONS


class Evidence(enum.StrEnum):
    """What a follow-up re-checks before it is offered as a plan (AWS: deactivate, wait, delete)."""

    #: The access key is still Inactive (ListAccessKeys).
    KEY_INACTIVE = "key-inactive"
    #: The access key was not reactivated and used since the deactivation (GetAccessKeyLastUsed:
    #: an Inactive key cannot authenticate, so this is all it can show).
    KEY_UNUSED = "key-unused"
    #: The deny-all inline policy iamtui put on the role is still there (GetRolePolicy).
    ROLE_QUARANTINED = "role-quarantined"
    #: The role was not used since the quarantine (RoleLastUsed in GetRole).
    ROLE_UNUSED = "role-unused"
    #: The service-specific credential, SSH key or signing certificate is still Inactive.
    CREDENTIAL_INACTIVE = "credential-inactive"
    #: CloudTrail event history shows no management events since, in the session's region only
    #: (only where it can be read).
    NO_CLOUDTRAIL_USE = "no-cloudtrail-use"


@dataclass(frozen=True, slots=True)
class FollowUp:
    """An action a plan offers to plan later, once its evidence still holds: never run unattended.

    ``key.deactivate`` offers "delete this key in 30 days if it stays inactive and nothing used
    it": the journal keeps it with the entry, ``iamtui journal due`` re-checks the evidence and
    turns it into a normal previewed plan.
    """

    #: The action to plan later, on ``subject``.
    action: ActionId
    subject: FollowUpSubject
    #: From when it may be planned (UTC).
    due_at: datetime
    #: What must still hold then, each checked against the live account.
    evidence: tuple[Evidence, ...]
    #: ``delete access key AKIA… of alice``: what it will do, for previews and lists.
    description: str
    #: IAM's unique id of the principal it acts on (the role, or the user owning the credential)
    #: when the plan knew it: a role deleted and re-created under the same name has another, so
    #: the re-check never lets an old follow-up delete the new one. Old journals have none.
    principal_id: str | None = field(default=None, metadata=codec.OMIT_DEFAULT)

    def text(self) -> str:
        """``delete access key AKIA… of alice on 2026-07-01 if it stays inactive ...``."""
        return f"{self.description} from {self.due_at:%Y-%m-%d %H:%M} UTC, if {self.condition()}"

    def condition(self) -> str:
        """The evidence in words."""
        return " and ".join(EVIDENCE_TEXT[e] for e in self.evidence)


#: Each piece of evidence in words ("... if it stays inactive and nothing used it").
EVIDENCE_TEXT: Mapping[Evidence, str] = {
    Evidence.KEY_INACTIVE: "it stays inactive",
    Evidence.KEY_UNUSED: (
        "it is not reactivated and used meanwhile (an inactive key cannot authenticate)"
    ),
    Evidence.ROLE_QUARANTINED: "it stays quarantined",
    Evidence.ROLE_UNUSED: "nothing used it since",
    Evidence.CREDENTIAL_INACTIVE: "it stays inactive",
    Evidence.NO_CLOUDTRAIL_USE: (
        "CloudTrail shows no management events of it in the session's region (where readable)"
    ),
}


@dataclass(frozen=True, slots=True)
class Skipped:
    """A batch member that could not be planned, and why (one line)."""

    target: str
    reason: str


@dataclass(frozen=True, slots=True)
class Selection:
    """What a batch was chosen from, so its summary counts what will run against it
    (``key.deactivate for 5 of 7 selected rows``, ``... for 3 of 4 findings of RULE``)."""

    total: int
    noun: str


@dataclass(frozen=True, slots=True)
class PreviewStep:
    """One row of a plan preview: the call, what it does, and whether it can be taken back."""

    index: int
    call: str
    description: str
    reversible: bool
    note: str
    #: (parameter, indented JSON) of each document the call sends, whole (``call`` says below).
    documents: tuple[tuple[str, str], ...] = ()
    #: What the call changes in a document, as unified-diff lines (empty when not shown so).
    changes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    """What one action (or a batch, or an undo) will do; data for preview, dry run and journal."""

    action: ActionId
    summary: str
    account_id: str
    targets: tuple[Target, ...]
    steps: tuple[Step, ...]
    built_at: datetime
    #: When the data the operator reviewed was loaded (``AccountSnapshot.loaded_at``).
    data_time: datetime | None = None
    account_alias: str | None = None
    caller_arn: str | None = None
    #: Saved state needed to undo, keyed by target ARN (no secrets).
    before: Mapping[str, JSON] = field(default_factory=dict)
    #: Things the operator should know before confirming (non-blocking).
    warnings: tuple[str, ...] = ()
    #: What cannot be undone or restored, stated plainly.
    notes: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    #: For undo plans: the journal entry this plan undoes.
    undoes: str | None = None
    #: Action-specific options (rotation stage, override flags), for the record.
    options: Mapping[str, JSON] = field(default_factory=dict)
    #: What the plan offers to plan later (deactivate now, delete once it stayed unused).
    follow_ups: tuple[FollowUp, ...] = field(default=(), metadata=codec.OMIT_DEFAULT)
    #: The follow-up this plan carries out (``ENTRY#N``), so the journal marks it done.
    follows_up: str | None = field(default=None, metadata=codec.OMIT_DEFAULT)

    @property
    def irreversible(self) -> bool:
        """Some step cannot be undone."""
        return any(not s.reversible for s in self.steps)

    @property
    def needs_typed_confirmation(self) -> bool:
        """Irreversible steps and principal deletions are confirmed by typing a name."""
        return self.irreversible or any(s.severe for s in self.steps)

    @property
    def principals(self) -> tuple[Target, ...]:
        """The distinct principals the steps change."""
        used = sorted({s.target for s in self.steps})
        return tuple(self.targets[i] for i in used if i < len(self.targets)) or self.targets

    @property
    def confirmation_phrase(self) -> str | None:
        """What the operator must type, or None when a simple yes is enough."""
        if not self.needs_typed_confirmation:
            return None
        principals = self.principals
        if len(principals) == 1:
            return principals[0].name
        return self.account_alias or self.account_id

    def check_confirmation(self, typed: str | None) -> bool:
        """Whether ``typed`` confirms this plan (any answer does when no phrase is needed)."""
        phrase = self.confirmation_phrase
        return phrase is None or (typed is not None and typed.strip() == phrase)

    def confirm(self, typed: str | None = None) -> ConfirmedPlan:
        """A plan the executor may run; raises ConfirmationMismatch naming what to type."""
        if not self.check_confirmation(typed):
            raise ConfirmationMismatch(
                f"type {self.confirmation_phrase!r} to confirm: {self.summary}"
            )
        return ConfirmedPlan(self)

    def preview(self) -> tuple[PreviewStep, ...]:
        """Rows for the preview modal: each call, what it does, and whether it can be undone."""
        rows = []
        for index, step in enumerate(self.steps):
            if not step.reversible:
                note = f"irreversible: {step.irreversible_reason}"
            elif step.undoes_step is not None:
                note = f"reverts step {step.undoes_step + 1} of the original plan"
                note += f"; {step.loss}" if step.loss else ""
            elif step.loss:
                note = f"undoable, but {step.loss}"
            else:
                note = "undoable"
            rows.append(
                PreviewStep(
                    index,
                    step.call.text(apart=True),
                    step.description,
                    step.reversible,
                    note,
                    step.call.documents(),
                    step.changes,
                )
            )
        return tuple(rows)

    def lines(self) -> list[str]:
        """The preview as plain text lines (CLI, logs)."""
        out = [self.summary]
        for row in self.preview():
            # An undo is not itself undone: its steps carry no ↺ (nor ✗) to promise otherwise.
            mark = "" if self.undoes is not None else "↺ " if row.reversible else "✗ "
            out.append(f"  {row.index + 1:>2}. {mark}{row.description}")
            out.append(f"        {row.call}")
            out += [f"        {line}" for line in row.changes]
            for name, document in row.documents:
                if row.changes and name == DIFFED_DOCUMENT:  # the diff above is the change
                    out.append(f"        {name}: {DIFFED_NOTE}")
                    continue
                out.append(f"        {name}:")
                out += [f"          {line}" for line in document.splitlines()]
            out.append(f"        {row.note}")
        out += [f"  ! {w}" for w in self.warnings]
        out += [f"  note: {n}" for n in self.notes]
        out += [f"  skipped {s.target}: {s.reason}" for s in self.skipped]
        out += [f"  follow-up: {f.text()}" for f in self.follow_ups]
        if self.follows_up:
            out.append(f"  carries out follow-up {self.follows_up}")
        if self.confirmation_phrase:
            out.append(f"  confirm by typing: {self.confirmation_phrase}")
        return out

    def operations(self) -> tuple[str, ...]:
        """The write actions the plan sends with the session's own credentials (its policy).

        A step run as another account's root needs ``sts:AssumeRoot`` here; its own call is
        governed by the AssumeRoot task policy, not by the caller's policy.
        """
        names = {s.call.action for s in self.steps if s.as_root is None}
        names |= {"sts:AssumeRoot" for s in self.steps if s.as_root is not None}
        names |= {f"{s.call.service}:{s.wait}" for s in self.steps if s.wait}
        return tuple(sorted(names))

    def to_json(self) -> JSON:
        """Plain, secret-free data for the journal and for handing a plan to another process."""
        return {"version": PLAN_VERSION, **codec.encode(self, "plan")}

    @classmethod
    def from_json(cls, data: JSON) -> Plan:
        """Back from plain data; ValueError (CodecError) on another version or a bad field."""
        if not isinstance(data, dict) or data.get("version") != PLAN_VERSION:
            version = data.get("version") if isinstance(data, dict) else None
            raise codec.CodecError(f"unsupported plan version {version!r}")
        return codec.decode(cls, {k: v for k, v in data.items() if k != "version"}, "plan")


#: The parameter a step's diff (``Step.changes``) describes: the text preview shows the diff,
#: not the whole document a second time below it.
DIFFED_DOCUMENT = "PolicyDocument"
DIFFED_NOTE = "as the diff above leaves it (whole: iamtui journal show ENTRY --format json)"


@dataclass(frozen=True, slots=True)
class Calls:
    """The API actions one action sends, phase by phase: what an IAM policy must allow for it.

    Declared next to the code that sends them; the policy ``iamtui policy`` prints is built from
    these, and a test runs every action and its undo to check nothing else is sent.
    ``probes`` name the checks its steps carry (their reads come from the probe registry).
    ``conditional`` says when a listed action is sent at all.
    """

    #: Fresh reads while planning.
    plan: tuple[str, ...] = ()
    #: Probe names of the steps' checks (preconditions and effects).
    probes: tuple[str, ...] = ()
    #: What the steps send.
    run: tuple[str, ...] = ()
    #: What the undo plan's steps send.
    undo: tuple[str, ...] = ()
    #: Sent signed as a member account's root (sts:AssumeRoot): its task policy governs them.
    assumed_root: tuple[str, ...] = ()
    #: Of the above, sent only when this session *is* root, whom no IAM policy restricts.
    root_only: tuple[str, ...] = ()
    #: Permissions AWS checks besides the call's own action, though no extra call is sent.
    implied: tuple[str, ...] = ()
    conditional: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ConfirmedPlan:
    """A plan the operator confirmed (with the typed phrase when one was needed)."""

    plan: Plan


class ConfirmationMismatch(ValueError):
    """The typed phrase does not match; the message says what to type."""


def combine(
    plans: Sequence[Plan],
    *,
    built_at: datetime,
    skipped: Iterable[Skipped] = (),
    summary: str | None = None,
) -> Plan:
    """Several plans as one batch: targets merged, steps in order, each step re-pointed."""
    if len(plans) == 1 and not tuple(skipped):
        return plans[0]
    first = plans[0]
    targets: list[Target] = []
    steps: list[Step] = []
    before: dict[str, JSON] = {}
    warnings: list[str] = []
    notes: list[str] = []
    follow_ups: list[FollowUp] = []
    for plan in plans:
        mapping: dict[int, int] = {}
        for index, target in enumerate(plan.targets):
            if target not in targets:
                targets.append(target)
            mapping[index] = targets.index(target)
        steps += [replace(s, target=mapping.get(s.target, 0)) for s in plan.steps]
        for arn, saved in plan.before.items():
            both = isinstance(before.get(arn), dict) and isinstance(saved, dict)
            before[arn] = {**before[arn], **saved} if both else saved
        warnings += [w for w in plan.warnings if w not in warnings]
        notes += [n for n in plan.notes if n not in notes]
        follow_ups += [f for f in plan.follow_ups if f not in follow_ups]
    names = ", ".join(t.name for t in targets[:5]) + ("…" if len(targets) > 5 else "")
    return Plan(
        action=ActionId.BATCH,
        summary=summary or f"{len(plans)} actions on {len(targets)} principals: {names}",
        account_id=first.account_id,
        account_alias=first.account_alias,
        caller_arn=first.caller_arn,
        targets=tuple(targets),
        steps=tuple(steps),
        built_at=built_at,
        data_time=first.data_time,
        before=before,
        warnings=tuple(warnings),
        notes=tuple(notes),
        skipped=tuple(skipped),
        options={"actions": [p.action.value for p in plans]},
        follow_ups=tuple(follow_ups),
    )


def snake_case(name: str) -> str:
    """AWS operation name to boto3 method (``ListSSHPublicKeys`` -> ``list_ssh_public_keys``)."""
    return str(xform_name(name))
