"""Which actions apply to what the operator is looking at, as choices the screens offer.

A :class:`Choice` is an action on one or more subjects (rows) with the binding id that triggers
it and a title for the menu, the palette and the preview. Screens ask for the choices of the
highlighted row (or of the marked rows: a batch) and enable a binding only when a choice uses
it, so the key bar shows exactly what can be done here. Nothing here calls AWS: subjects are
turned into requests, with IAM reads, in a worker (``Workspace.plan_action``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from iamtui.core.actions import ActionId, Request, RotateStage
from iamtui.core.actions.findings import request_for_fix
from iamtui.core.findings import Finding
from iamtui.core.model import AccessKey, CredentialReportRow, PrincipalDetail, Role, User
from iamtui.core.subjects import Fix, KeySubject
from iamtui.core.views import KeySlot, PolicyLine
from iamtui.core.workspace import ActionSubject

#: The binding id that triggers each action (several actions share the "delete" key X).
BINDING_FOR: dict[ActionId, str] = {
    ActionId.KEY_DEACTIVATE: "key-deactivate",
    ActionId.KEY_ACTIVATE: "key-activate",
    ActionId.KEY_ROTATE: "key-rotate",
    ActionId.KEY_DELETE: "key-delete",
    ActionId.USER_DISABLE_CONSOLE: "user-disable-console",
    ActionId.USER_DELETE: "user-delete",
    ActionId.ROLE_QUARANTINE: "role-quarantine",
    ActionId.ROLE_DELETE: "role-delete",
    ActionId.POLICY_DETACH: "policy-remove",
    ActionId.POLICY_DELETE_INLINE: "policy-remove",
    ActionId.GROUP_REMOVE_USER: "policy-remove",
}
#: Binding ids of actions that change the account (greyed out when actions are disabled).
ACTION_BINDINGS = frozenset(
    {*BINDING_FOR.values(), "actions", "journal-undo", "journal-rollback", "root-fix"}
)

VERBS: dict[ActionId, str] = {
    ActionId.KEY_DEACTIVATE: "Deactivate",
    ActionId.KEY_ACTIVATE: "Activate",
    ActionId.KEY_ROTATE: "Rotate",
    ActionId.KEY_DELETE: "Delete",
    ActionId.USER_DISABLE_CONSOLE: "Disable console of",
    ActionId.USER_DELETE: "Delete",
    ActionId.ROLE_QUARANTINE: "Quarantine",
    ActionId.ROLE_DELETE: "Delete",
}
KEY_ACTIONS = (
    ActionId.KEY_DEACTIVATE,
    ActionId.KEY_ACTIVATE,
    ActionId.KEY_ROTATE,
    ActionId.KEY_DELETE,
)


@dataclass(frozen=True, slots=True)
class Choice:
    """An action the operator can ask for here, on one subject or a batch of them."""

    action: ActionId
    title: str
    subjects: tuple[ActionSubject, ...]
    #: The binding id that triggers it directly ("" for menu-only choices).
    binding: str = ""
    #: One line under the title in the menu (what it does, how far it is undoable).
    help: str = ""
    #: Batch summary for the plan (None for one subject).
    summary: str | None = None

    @property
    def batch(self) -> bool:
        """More than one subject: planned as one batch plan."""
        return len(self.subjects) > 1


HELP: dict[ActionId, str] = {
    ActionId.KEY_DEACTIVATE: "UpdateAccessKey Status=Inactive · undoable",
    ActionId.KEY_ACTIVATE: "UpdateAccessKey Status=Active · undoable",
    ActionId.KEY_ROTATE: "create new → switch workloads → deactivate old → delete old",
    ActionId.KEY_DELETE: "DeleteAccessKey · irreversible (typed confirmation)",
    ActionId.USER_DISABLE_CONSOLE: "DeleteLoginProfile · undo issues a new password",
    ActionId.USER_DELETE: "removes credentials, policies, groups, then the user",
    ActionId.ROLE_QUARANTINE: "deny-all inline policy, revokes sessions · undoable",
    ActionId.ROLE_DELETE: "instance profiles, policies, then the role",
    ActionId.POLICY_DETACH: "Detach*Policy · undoable",
    ActionId.POLICY_DELETE_INLINE: "Delete*Policy, document saved · undoable",
    ActionId.GROUP_REMOVE_USER: "RemoveUserFromGroup · undoable",
}


def _choice(
    action: ActionId,
    title: str,
    subjects: Sequence[ActionSubject],
    summary: str | None = None,
) -> Choice:
    return Choice(
        action, title, tuple(subjects), BINDING_FOR.get(action, ""), HELP.get(action, ""), summary
    )


# --- keys ------------------------------------------------------------------------------------


def rotate_stage(key_id: str, keys: Sequence[AccessKey]) -> RotateStage:
    """The rotation stage a key is at, from the user's live keys.

    One key: create its successor. Two keys and this one the older, both Active: deactivate it.
    This one Inactive beside an Active one: delete it. Otherwise stage 1, which the planner
    refuses with what to do first (two keys is the AWS maximum).
    """
    this = next((k for k in keys if k.key_id == key_id), None)
    others = [k for k in keys if k.key_id != key_id]
    if this is None or len(others) != 1:
        return RotateStage.CREATE
    other = others[0]
    if this.active and other.active and this.create_date < other.create_date:
        return RotateStage.DEACTIVATE_OLD
    if not this.active and other.active and this.create_date < other.create_date:
        return RotateStage.DELETE_OLD
    return RotateStage.CREATE


STAGE_TITLES = {
    RotateStage.CREATE: "stage 1/3: create a new key",
    RotateStage.DEACTIVATE_OLD: "stage 2/3: deactivate this old key",
    RotateStage.DELETE_OLD: "stage 3/3: delete this old key",
}


def key_choices(
    user: User,
    *,
    key_id: str | None,
    slot: int | None,
    active: bool,
    detail: PrincipalDetail | None,
) -> list[Choice]:
    """Deactivate or activate, rotate and delete one access key."""
    label = f"access key {key_id} of {user.name}" if key_id else f"key {slot} of {user.name}"
    keys = detail.access_keys if detail is not None else ()
    out: list[Choice] = []
    for action in KEY_ACTIONS:
        if action is ActionId.KEY_DEACTIVATE and not active:
            continue
        if action is ActionId.KEY_ACTIVATE and active:
            continue
        stage = rotate_stage(key_id, keys) if key_id else RotateStage.CREATE
        if key_id is not None:
            if action is ActionId.KEY_ROTATE:
                request = Request.rotate_key(user.name, key_id, stage)
            else:
                request = Request(action, user.name, key_id=key_id)
            subject = ActionSubject(action, f"{action.value} {label}", request=request)
        elif slot is not None:
            subject = ActionSubject(action, f"{action.value} {label}", slot=(user.name, slot))
        else:
            continue
        title = f"{VERBS[action]} {label}"
        if action is ActionId.KEY_ROTATE:
            title += f" ({STAGE_TITLES[stage]})"
        out.append(_choice(action, title, [subject]))
    return out


def slot_choices(slot: KeySlot, detail: PrincipalDetail | None) -> list[Choice]:
    """Key choices for a Keys-pane row (the key id once the user's details were fetched)."""
    active = slot.detail_key.active if slot.detail_key is not None else slot.key.active
    return key_choices(slot.user, key_id=slot.key_id, slot=slot.slot, active=active, detail=detail)


# --- principals -------------------------------------------------------------------------------


def user_choices(user: User, row: CredentialReportRow | None) -> list[Choice]:
    """Disable the console password (when the report says there is one) and delete the user."""
    out: list[Choice] = []
    if row is None or row.password_enabled is True:
        action = ActionId.USER_DISABLE_CONSOLE
        subject = ActionSubject(
            action, f"{action.value} user {user.name}", request=Request.disable_console(user.name)
        )
        out.append(_choice(action, f"Disable console access of user {user.name}", [subject]))
    action = ActionId.USER_DELETE
    subject = ActionSubject(
        action, f"{action.value} user {user.name}", request=Request.delete_user(user.name)
    )
    out.append(_choice(action, f"Delete user {user.name}", [subject]))
    return out


def role_choices(role: Role) -> list[Choice]:
    """Quarantine and delete a role (Identity Center roles: neither; service-linked: delete)."""
    if role.sso_reserved:
        return []
    out: list[Choice] = []
    if not role.service_linked:
        action = ActionId.ROLE_QUARANTINE
        subject = ActionSubject(
            action, f"{action.value} role {role.name}", request=Request.quarantine_role(role.name)
        )
        out.append(_choice(action, f"Quarantine role {role.name} (deny all)", [subject]))
    action = ActionId.ROLE_DELETE
    subject = ActionSubject(
        action, f"{action.value} role {role.name}", request=Request.delete_role(role.name)
    )
    out.append(_choice(action, f"Delete role {role.name}", [subject]))
    return out


def policy_choices(principal: User | Role, line: PolicyLine) -> list[Choice]:
    """Detach a managed policy, delete an inline one, or leave the group that grants it."""
    kind = "user" if isinstance(principal, User) else "role"
    name = principal.name
    if line.kind == "boundary":
        return []
    if line.group is None:
        if line.kind == "managed" and line.arn:
            action = ActionId.POLICY_DETACH
            request = Request.detach_policy(kind, name, line.arn)
            title = f"Detach managed policy {line.name} from {kind} {name}"
        elif line.kind == "inline":
            action = ActionId.POLICY_DELETE_INLINE
            request = Request.delete_inline(kind, name, line.name)
            title = f"Delete inline policy {line.name} of {kind} {name} (document saved)"
        else:
            return []
        return [_choice(action, title, [ActionSubject(action, request.label, request=request)])]
    if kind == "user" and line.group:
        group = line.group
        action = ActionId.GROUP_REMOVE_USER
        request = Request.remove_from_group(name, group)
        title = f"Remove user {name} from group {group} (grants {line.name})"
        return [_choice(action, title, [ActionSubject(action, request.label, request=request)])]
    return []


# --- findings ---------------------------------------------------------------------------------


def finding_subjects(finding: Finding, action: ActionId) -> list[ActionSubject]:
    """What one finding's action acts on, from its fixes (a user finding's keys: each key)."""
    label = f"{action.value} for {finding.principal_name} ({finding.rule})"
    fixes = [fix for fix in finding.fixes if fix.action is action]
    keys = [fix.subject for fix in fixes if isinstance(fix.subject, KeySubject)]
    if finding.key is None and keys and len(keys) == len(fixes):
        return [_key_subject(action, f"{label} key {key.slot}", key) for key in keys]
    return [ActionSubject(action, label, finding=finding)] if fixes else []


def _key_subject(action: ActionId, label: str, key: KeySubject) -> ActionSubject:
    """A key fix as a subject: its request when the key id is known, else its report slot."""
    if key.key_id is not None:
        return ActionSubject(action, label, request=request_for_fix(Fix(action, key)))
    return ActionSubject(action, label, slot=(key.user, key.slot) if key.slot else None)


def plannable(finding: Finding) -> list[ActionId]:
    """The finding's actions iamtui plans itself (root hardening has its own screen)."""
    return [action for action in finding.actions if action in BINDING_FOR]


def finding_choices(finding: Finding, same_rule: Sequence[Finding]) -> list[Choice]:
    """Each action the finding suggests, then the same for every open finding of its rule."""
    out: list[Choice] = []
    who = finding.principal_name + (f" key {finding.key.slot}" if finding.key else "")
    for action in plannable(finding):
        subjects = finding_subjects(finding, action)
        if subjects:
            verb = VERBS.get(action, action.value)
            out.append(_choice(action, f"{verb} · {who} ({finding.rule})", subjects))
    peers = [f for f in same_rule if f.active]
    if len(peers) > 1:
        for action in plannable(finding):
            subjects = [s for f in peers for s in finding_subjects(f, action)]
            if not subjects:
                continue
            summary = f"{action.value} for {len(peers)} findings of {finding.rule}"
            choice = _choice(
                action,
                f"{VERBS.get(action, action.value)} · all {len(peers)} open findings of "
                f"{finding.rule}",
                subjects,
                summary,
            )
            out.append(Choice(choice.action, choice.title, choice.subjects, "", choice.help,
                              choice.summary))  # fmt: skip
    return out


# --- batches ----------------------------------------------------------------------------------


def batch_choices(per_row: Iterable[list[Choice]], count: int) -> list[Choice]:
    """The marked rows' choices merged per action: one batch plan each."""
    by_action: dict[ActionId, list[ActionSubject]] = {}
    for choices in per_row:
        seen: set[ActionId] = set()
        for choice in choices:
            if choice.summary is not None or choice.action in seen:
                continue  # rule-wide choices and a second stage of the same action
            seen.add(choice.action)
            by_action.setdefault(choice.action, []).extend(choice.subjects)
    out: list[Choice] = []
    for action, subjects in by_action.items():
        verb = VERBS.get(action, action.value)
        summary = f"{action.value} for {len(subjects)} of {count} selected rows"
        title = f"{verb} · {len(subjects)} selected" + (
            f" (of {count})" if len(subjects) != count else ""
        )
        out.append(_choice(action, title, subjects, summary))
    return out


def first_for(choices: Sequence[Choice], binding: str) -> Choice | None:
    """The choice a binding triggers here (the first one using it), or None."""
    return next((c for c in choices if c.binding == binding), None)
