"""Which actions apply to what the operator is looking at, as choices the screens offer.

A :class:`Choice` is an action on one or more subjects (rows) with the binding id that triggers
it and a title for the menu, the palette and the preview. Screens ask for the choices of the
highlighted row (or of the marked rows: a batch) and enable a binding only when a choice uses
it, so the key bar shows exactly what can be done here. Nothing here calls AWS: requests are
planned, with IAM reads, in a worker (``Workspace.plan_action``). Which actions exist, their
bindings, verbs and help come from the action registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from textual.binding import Binding

from iamtui.core.actions import ActionId, Request, Selection, Skipped
from iamtui.core.actions.applies import (
    console_refusal,
    key_status_refusal,
    managed_role_refusal,
    service_credential_refusal,
)
from iamtui.core.actions.catalog.key_rotate import STAGE_TITLES, next_stage
from iamtui.core.actions.findings import request_for_fix
from iamtui.core.actions.registry import ACTIONS, SPECS
from iamtui.core.actions.request import describe
from iamtui.core.findings import Finding
from iamtui.core.model import (
    CredentialReportRow,
    LastAccessed,
    PrincipalDetail,
    Role,
    ServiceCredential,
    User,
)
from iamtui.core.subjects import (
    KeySubject,
    ServiceCredentialSubject,
    TrustEdit,
    TrustSubject,
    UploadedCredentialSubject,
    UploadedKind,
)
from iamtui.core.views import KeySlot, PolicyLine, Row

#: The binding id that triggers each action (X deletes the focused row's key or policy
#: attachment, D the user or role itself, on every screen).
BINDING_FOR: dict[ActionId, str] = {spec.id: spec.binding for spec in ACTIONS if spec.binding}
#: Binding ids of actions that change the account (greyed out when actions are disabled).
ACTION_BINDINGS = frozenset(
    {*BINDING_FOR.values(), "actions", "journal-undo", "journal-rollback", "root-fix"}
)
#: Menu verbs and help lines, from the registry.
VERBS: dict[ActionId, str] = {spec.id: spec.verb for spec in ACTIONS}
HELP: dict[ActionId, str] = {spec.id: spec.help for spec in ACTIONS}
KEY_ACTIONS = tuple(spec.id for spec in ACTIONS if spec.subject is KeySubject)
SERVICE_CREDENTIAL_ACTIONS = tuple(
    spec.id for spec in ACTIONS if spec.subject is ServiceCredentialSubject
)
#: Actions whose fixes on one finding are alternatives (each its own menu entry, never batched):
#: a trust finding may offer removing a principal or requiring a condition.
ALTERNATIVES = frozenset({ActionId.ROLE_UPDATE_TRUST})

#: The ways a grant is removed where it comes from (detach, delete the inline policy, leave the
#: group): one finding's are one choice under the first, so ``X`` removes every source at once.
GRANT_REMOVALS = (ActionId.POLICY_DETACH, ActionId.POLICY_DELETE_INLINE, ActionId.GROUP_REMOVE_USER)

#: The default keys and footer label of each action binding id (the keymap remaps them by id).
ACTION_KEYS: dict[str, tuple[str, str]] = {
    "key-deactivate": ("d", "Deactivate"),
    "key-activate": ("a", "Activate"),
    "key-rotate": ("o", "Rotate"),
    "user-disable-console": ("c", "Disable console"),
    "role-quarantine": ("Q", "Quarantine"),
    "role-update-trust": ("T", "Edit trust"),
    "principal-rightsize": ("R", "Right-size"),
    "key-delete": ("X,delete", "Delete key"),
    "user-delete": ("D", "Delete user"),
    "role-delete": ("D", "Delete role"),
    "policy-remove": ("X,delete", "Remove policy"),
    # Instance profiles and identity providers: offered by their findings' menus (x) only.
    "resource-delete": ("X,delete", "Delete"),
}


def action_bindings(*binding_ids: str) -> list[Binding]:
    """The screen bindings that trigger these action binding ids (``act(id)``), in this order."""
    out = []
    for binding_id in binding_ids:
        keys, label = ACTION_KEYS[binding_id]
        shown = keys.split(",")[0] if "," in keys else None
        out.append(Binding(keys, f"act('{binding_id}')", label, key_display=shown, id=binding_id))
    return out


@dataclass(frozen=True, slots=True)
class Choice:
    """An action the operator can ask for here, on one subject or a batch of them."""

    action: ActionId
    title: str
    requests: tuple[Request, ...]
    #: The binding id that triggers it directly ("" for menu-only choices).
    binding: str = ""
    #: One line under the title in the menu (what it does, how far it is undoable).
    help: str = ""
    #: What a batch was chosen from (the planner counts its summary against it); None for one
    #: subject.
    selection: Selection | None = None
    #: Why the action does not apply to this subject ("" when it does): such choices are never
    #: offered; a batch names them in its plan as skipped.
    refused: str = ""
    #: A batch's marked rows it does not apply to, with why (listed in the plan's preview).
    skipped: tuple[Skipped, ...] = ()
    #: A batch's row key behind each request, in order (to unmark the rows it applied to).
    sources: tuple[str, ...] = ()
    #: What must be loaded before it can be planned ("" when nothing): unlike a refusal it
    #: applies here, so it is offered (greyed in the menu) and its key says what is missing.
    needs: str = ""

    @property
    def batch(self) -> bool:
        """More than one request: planned as one batch plan."""
        return len(self.requests) > 1


def _choice(
    action: ActionId,
    title: str,
    requests: Sequence[Request],
    selection: Selection | None = None,
    refused: str | None = None,
) -> Choice:
    spec = SPECS.get(action)
    binding = spec.binding if spec is not None else ""
    help_line = _help(action, requests)
    return Choice(action, title, tuple(requests), binding, help_line, selection, refused or "")


def _offered(choices: list[Choice], include_refused: bool) -> list[Choice]:
    return choices if include_refused else [c for c in choices if not c.refused]


def _planned(action: ActionId, requests: Sequence[Request]) -> list[ActionId]:
    """The actions the requests really run: a grant removal may also leave a group or delete
    an inline policy (``GRANT_REMOVALS``)."""
    return list(dict.fromkeys(r.action for r in requests)) or [action]


def _verb(action: ActionId, requests: Sequence[Request]) -> str:
    """What the choice does, named after the actions it runs ("Detach / Remove from group")."""
    return " / ".join(VERBS.get(a, a.value) for a in _planned(action, requests))


def _help(action: ActionId, requests: Sequence[Request]) -> str:
    return " · ".join(
        spec.help for a in _planned(action, requests) if (spec := SPECS.get(a)) is not None
    )


# --- keys ------------------------------------------------------------------------------------


def key_choices(
    user: User,
    *,
    key_id: str | None,
    slot: int | None,
    active: bool,
    detail: PrincipalDetail | None,
    include_refused: bool = False,
) -> list[Choice]:
    """Deactivate or activate, rotate and delete one access key.

    ``include_refused`` adds the key actions that do not apply (deactivating an Inactive key),
    each with the core's reason: a batch names them as skipped.
    """
    if key_id is None and slot is None:
        return []
    which = f"access key {key_id}" if key_id else f"key {slot}"
    label = f"{which} of {user.name}"
    keys = detail.access_keys if detail is not None else ()
    subject = KeySubject(user.name, key_id, None if key_id else slot)
    status = "Active" if active else "Inactive"
    out: list[Choice] = []
    for action in KEY_ACTIONS:
        refused = key_status_refusal(action, which, user.name, status)
        title = f"{VERBS[action]} {label}"
        if action is ActionId.KEY_ROTATE:
            # The planner decides the stage from the live keys; the title says what it will be.
            title += f" ({STAGE_TITLES[next_stage(key_id, keys)]})"
        out.append(_choice(action, title, [Request(action, subject)], refused=refused))
    return _offered(out, include_refused)


def slot_choices(
    slot: KeySlot, detail: PrincipalDetail | None, include_refused: bool = False
) -> list[Choice]:
    """Key choices for a Keys-pane row (the key id once the user's details were fetched)."""
    active = slot.detail_key.active if slot.detail_key is not None else slot.key.active
    return key_choices(
        slot.user,
        key_id=slot.key_id,
        slot=slot.slot,
        active=active,
        detail=detail,
        include_refused=include_refused,
    )


# --- principals -------------------------------------------------------------------------------


#: What right-sizing waits for until the principal's last-accessed data is loaded.
NO_LAST_ACCESSED = "right-sizing needs last-accessed data"


def rightsize_choice(kind: str, name: str, data: LastAccessed | None) -> Choice:
    """Right-size a user or role: always offered; without last-accessed data its key says so."""
    request = Request.rightsize(kind, name)
    choice = _choice(
        request.action, f"Right-size {kind} {name} (drop what it has not used)", [request]
    )
    return replace(choice, needs=NO_LAST_ACCESSED) if data is None else choice


def user_choices(
    user: User,
    row: CredentialReportRow | None,
    include_refused: bool = False,
    detail: PrincipalDetail | None = None,
    *,
    last_accessed: LastAccessed | None = None,
) -> list[Choice]:
    """Disable the console password (when the report says there is one), act on each fetched
    SSH key and signing certificate, right-size (with last-accessed data), delete the user."""
    has_password = row is None or row.password_enabled is True
    request = Request.disable_console(user.name)
    out = [
        _choice(
            request.action,
            f"Disable console access of user {user.name}",
            [request],
            refused=console_refusal(user.name, has_password),
        )
    ]
    out += credential_choices(user, detail)
    out.append(rightsize_choice("user", user.name, last_accessed))
    request = Request.delete_user(user.name)
    out.append(_choice(request.action, f"Delete user {user.name}", [request]))
    return _offered(out, include_refused)


def service_credential_choices(credentials: Sequence[ServiceCredential]) -> list[Choice]:
    """Deactivate, reactivate or delete each of a user's service-specific credentials (those
    that apply to its status: an Active one is deactivated before it may be deleted)."""
    out: list[Choice] = []
    for credential in credentials:
        subject = ServiceCredentialSubject(credential.user, credential.credential_id)
        label = f"{credential.noun} {credential.credential_id} of {credential.user}"
        for action in SERVICE_CREDENTIAL_ACTIONS:
            if service_credential_refusal(action, credential) is None:
                request = Request(action, subject)
                out.append(_choice(action, f"{VERBS[action]} {label}", [request]))
    return out


#: (De)activate by current status, then delete: per credential kind.
_CREDENTIAL_ACTIONS: dict[str, tuple[ActionId, ActionId, ActionId]] = {
    "ssh-key": (ActionId.SSH_KEY_DEACTIVATE, ActionId.SSH_KEY_ACTIVATE, ActionId.SSH_KEY_DELETE),
    "certificate": (ActionId.CERT_DEACTIVATE, ActionId.CERT_ACTIVATE, ActionId.CERT_DELETE),
}


def credential_choices(user: User, detail: PrincipalDetail | None) -> list[Choice]:
    """Deactivate (or reactivate) and delete each SSH key and certificate the fetch found."""
    if detail is None:
        return []
    held: list[tuple[UploadedKind, str, str, str]] = [
        ("ssh-key", "SSH key", k.key_id, k.status) for k in detail.ssh_public_keys or ()
    ]
    held += [
        ("certificate", "signing certificate", c.certificate_id, c.status)
        for c in detail.signing_certificates or ()
    ]
    out = []
    for kind, noun, cid, status in held:
        deactivate, activate, delete = _CREDENTIAL_ACTIONS[kind]
        subject = UploadedCredentialSubject(user.name, kind, cid)
        toggle = deactivate if status == "Active" else activate
        verb = "Deactivate" if toggle is deactivate else "Reactivate"
        out.append(_choice(toggle, f"{verb} {noun} {cid}", [Request(toggle, subject)]))
        title = f"Delete {status.lower()} {noun} {cid} (undo re-uploads it, new id)"
        out.append(_choice(delete, title, [Request(delete, subject)]))
    # Menu only: a user may hold several, and a key press must not pick one of them for you.
    return [replace(choice, binding="") for choice in out]


def role_choices(
    role: Role, include_refused: bool = False, *, last_accessed: LastAccessed | None = None
) -> list[Choice]:
    """Quarantine, right-size (with last-accessed data) and delete a role (Identity Center
    roles: none; service-linked: delete)."""
    managed = managed_role_refusal(role.name, role.path)
    request = Request.quarantine_role(role.name)
    out = [
        _choice(
            request.action,
            f"Quarantine role {role.name} (deny all)",
            [request],
            refused=managed,
        )
    ]
    choice = rightsize_choice("role", role.name, last_accessed)
    out.append(replace(choice, refused=managed or choice.refused) if managed else choice)
    request = Request.delete_role(role.name)
    out.append(
        _choice(
            request.action,
            f"Delete role {role.name}",
            [request],
            refused=managed if role.sso_reserved else None,
        )
    )
    return _offered(out, include_refused)


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
        return [_choice(action, title, [request])]
    if kind == "user" and line.group:
        group = line.group
        action = ActionId.GROUP_REMOVE_USER
        request = Request.remove_from_group(name, group)
        title = f"Remove user {name} from group {group} (grants {line.name})"
        return [_choice(action, title, [request])]
    return []


# --- findings ---------------------------------------------------------------------------------


def finding_subjects(finding: Finding, action: ActionId) -> list[Request]:
    """What one finding's action acts on: one request per fix (a slot-only key is resolved by
    the planner, from fresh reads); a grant removal brings the finding's other ones."""
    wanted = GRANT_REMOVALS if action in GRANT_REMOVALS else (action,)
    return [request_for_fix(fix) for fix in finding.fixes if fix.action in wanted]


def plannable(finding: Finding) -> list[ActionId]:
    """The finding's actions iamtui plans itself, with a key or in the menu only (root
    hardening has its own screen)."""
    return [action for action in finding.actions if action in SPECS]


def _offered_actions(finding: Finding) -> list[ActionId]:
    """``plannable``, the grant removals folded into one (``GRANT_REMOVALS[0]``)."""
    folded = [GRANT_REMOVALS[0] if a in GRANT_REMOVALS else a for a in plannable(finding)]
    return list(dict.fromkeys(folded))


def finding_choices(finding: Finding, same_rule: Sequence[Finding]) -> list[Choice]:
    """Each action the finding suggests, then the same for every open finding of its rule."""
    out: list[Choice] = []
    who = finding.principal_name + (f" key {finding.key.slot}" if finding.key else "")
    for action in _offered_actions(finding):
        subjects = finding_subjects(finding, action)
        if action in ALTERNATIVES:
            out += [
                _choice(action, f"{_alternative(request)} · {who} ({finding.rule})", [request])
                for request in subjects
            ]
        elif subjects:
            verb = _verb(action, subjects)
            out.append(_choice(action, f"{verb} · {who} ({finding.rule})", subjects))
    peers = [f for f in same_rule if f.active]
    if len(peers) > 1:
        for action in _offered_actions(finding):
            if action in ALTERNATIVES:
                continue  # each finding's edit is its own choice (some need a typed value)
            subjects = [s for f in peers for s in finding_subjects(f, action)]
            if not subjects:
                continue
            choice = _choice(
                action,
                f"{_verb(action, subjects)} · all {len(peers)} open findings of {finding.rule}",
                subjects,
                Selection(len(peers), f"findings of {finding.rule}"),
            )
            out.append(Choice(choice.action, choice.title, choice.requests, "", choice.help,
                              choice.selection))  # fmt: skip
    return out


def _alternative(request: Request) -> str:
    """``Edit trust: remove principal X from statement 1``: one alternative's menu title."""
    subject = request.subject
    if isinstance(subject, TrustSubject):
        return f"Edit trust: {subject.edit.text()}"
    return VERBS.get(request.action, request.action.value)


def for_binding(choices: Sequence[Choice], binding: str) -> list[Choice]:
    """What a key triggers here: its first choice, or every alternative (a menu to pick from)."""
    first = first_for(choices, binding)
    if first is None:
        return []
    if first.action not in ALTERNATIVES:
        return [first]
    return [c for c in choices if c.binding == binding and c.action is first.action]


def trust_value_edit(choice: Choice) -> TrustEdit | None:
    """The trust edit of a one-request choice that still needs a value typed, else None."""
    if len(choice.requests) != 1:
        return None
    subject = choice.requests[0].subject
    if isinstance(subject, TrustSubject) and subject.edit.needs_value:
        return subject.edit
    return None


def with_trust_value(choice: Choice, value: str) -> Choice:
    """The choice with the typed value in its trust edit (title and request)."""
    (request,) = choice.requests
    subject = request.subject
    assert isinstance(subject, TrustSubject)
    edit = subject.edit.with_value(value.strip())
    filled = replace(request, subject=TrustSubject(subject.role, edit))
    return replace(choice, title=f"Edit trust of role {subject.role}: {edit.text()}",
                   requests=(filled,))  # fmt: skip


# --- batches ----------------------------------------------------------------------------------


def batch_choices(per_row: Sequence[tuple[Row, list[Choice]]]) -> list[Choice]:
    """The marked rows' choices merged per action: one batch plan each.

    Each row's choices include the refused ones (``include_refused``): a batch names every
    marked row it does not act on, with the reason, instead of dropping it silently.
    """
    count = len(per_row)
    by_action: dict[ActionId, list[tuple[str, Request]]] = {}
    refusals: dict[tuple[str, ActionId], Skipped] = {}
    for row, choices in per_row:
        seen: set[ActionId] = set()
        for choice in choices:
            if choice.selection is not None or choice.action in seen | ALTERNATIVES:
                continue  # rule-wide choices, a second stage, and one-of-several edits
            seen.add(choice.action)
            if choice.refused or choice.needs:
                label = choice.requests[0].label if choice.requests else _row_label(row)
                refusals[(row.key, choice.action)] = Skipped(label, choice.refused or choice.needs)
                by_action.setdefault(choice.action, [])
                continue
            by_action.setdefault(choice.action, []).extend((row.key, r) for r in choice.requests)
    out: list[Choice] = []
    for action, members in by_action.items():
        if not members:
            continue  # applies to none of the marked rows: no key, no menu entry
        verb = VERBS.get(action, action.value)
        used = {key for key, _ in members}
        skipped = tuple(
            refusals.get((row.key, action))
            or Skipped(_row_label(row), f"{verb} does not apply to {_noun(row)}")
            for row, _ in per_row
            if row.key not in used
        )
        requests = [r for _, r in members]
        selection = Selection(count, "selected rows")
        title = f"{verb} · {len(requests)} selected" + (
            f" (of {count})" if len(requests) != count else ""
        )
        choice = _choice(action, title, requests, selection)
        out.append(replace(choice, skipped=skipped, sources=tuple(k for k, _ in members)))
    return out


def _row_label(row: Row) -> str:
    """A marked row in a skip list, worded like the planner's (``user alice AKIA...``)."""
    data = row.data
    if isinstance(data, KeySlot):
        key_id = data.key_id
        return describe(KeySubject(data.user.name, key_id, None if key_id else data.slot))
    if isinstance(data, User):
        return f"user {data.name}"
    if isinstance(data, Role):
        return f"role {data.name}"
    if isinstance(data, Finding):
        return f"{data.rule} {data.principal_name}"
    return row.cells[0] if row.cells else row.key


def _noun(row: Row) -> str:
    data = row.data
    if isinstance(data, KeySlot):
        return "an access key"
    if isinstance(data, User):
        return "a user"
    if isinstance(data, Role):
        return "a role"
    if isinstance(data, Finding):
        return f"a finding of {data.rule}"
    return f"a {row.kind.value} row"


def first_for(choices: Sequence[Choice], binding: str) -> Choice | None:
    """The choice a binding triggers here (the first one using it), or None."""
    return next((c for c in choices if c.binding == binding), None)
