"""The planner: turns a request into a plan from fresh reads, through the action registry.

The snapshot gives context (who we are, when the reviewed data was loaded, what it showed); the
plan is built from what IAM says now. A request that would surprise the operator — the key was
used after the data they reviewed, the target is AWS-managed, the session would lock itself out —
is refused with one line saying what to do instead. The guards shared by several actions live
here; each action's own logic lives in its ``actions.catalog`` module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from iamtui.core.actions import reads, registry
from iamtui.core.actions.applies import managed_role_refusal
from iamtui.core.actions.assume import RootSessions
from iamtui.core.actions.guards import (
    READ_ONLY_MESSAGE,
    ActionRefused,
    Caller,
    ReadOnlyMode,
    UnverifiedUse,
    caller_from,
    check_lockout,
    load_caller,
)
from iamtui.core.actions.offers import offered
from iamtui.core.actions.request import Request, principal_of
from iamtui.core.actions.spec import Draft
from iamtui.core.errors import error_text
from iamtui.core.ids import ActionId
from iamtui.core.loader import as_utc, read_access_keys, utcnow
from iamtui.core.model import (
    AccessKey,
    AccountSnapshot,
    Missing,
    ServiceCredential,
)
from iamtui.core.plan import Plan, Selection, Skipped, Target, combine
from iamtui.core.protected import protection_reason
from iamtui.core.session import Connection
from iamtui.core.settings import Settings, Thresholds
from iamtui.core.slots import key_in_slot
from iamtui.core.subjects import KeySubject, PrincipalType, ServiceCredentialSubject, Subject

if TYPE_CHECKING:
    from iamtui.core.journal import Entry

Clock = Callable[[], datetime]
S = TypeVar("S")

#: A key used this recently gets a warning before it is deactivated or deleted.
RECENT_USE = timedelta(days=30)

#: Actions that delete a whole principal: a batch drops other requests on that principal.
_WHOLE = (ActionId.USER_DELETE, ActionId.ROLE_DELETE)


def stamp(when: datetime) -> str:
    """``2026-01-02 03:04 UTC``: how refusals and warnings print a time."""
    return as_utc(when).strftime("%Y-%m-%d %H:%M UTC")


class Planner:
    """Builds plans for one account from fresh reads; refuses with one line when it must."""

    def __init__(
        self,
        conn: Connection,
        snapshot: AccountSnapshot,
        *,
        read_only: bool = False,
        clock: Clock = utcnow,
        caller: Caller | None = None,
        settings: Settings | None = None,
    ) -> None:
        """``snapshot`` is the data the operator reviewed.

        ``settings`` give the CIS values the password-policy proposal uses and the roles the
        config protects (``[protected] roles``).
        """
        self.conn = conn
        self.iam: Any = conn.iam
        #: The Account API client (alternate contacts), when the connection has one.
        self.account: Any = conn.account
        self.snapshot = snapshot
        self.read_only = read_only
        self.clock = clock
        self.settings = settings or Settings()
        self._caller = caller
        self._root_sessions: RootSessions | None = None
        #: Keys planned under ``accept_unverified_use`` whose use the data could not show: the
        #: UI asks for their ids typed before the plan may run.
        self.unverified_keys: list[str] = []

    @property
    def thresholds(self) -> Thresholds:
        """The settings' thresholds (CIS password length and reuse for the proposal)."""
        return self.settings.thresholds

    # --- public -----------------------------------------------------------------------------

    @property
    def caller(self) -> Caller:
        """Who the session runs as (from the snapshot, else asked once)."""
        if self._caller is None:
            ident = self.snapshot.caller
            if ident is not None and ident.access_key_id is None:
                ident = replace(ident, access_key_id=self.conn.access_key_id)
            self._caller = (
                caller_from(self.iam, ident) if ident is not None else load_caller(self.conn)
            )
        return self._caller

    @property
    def root_sessions(self) -> RootSessions:
        """AssumeRoot sessions for plan-time reads of a member account's root keys."""
        if self._root_sessions is None:
            self._root_sessions = RootSessions(self.conn)
        return self._root_sessions

    def plan(self, request: Request) -> Plan:
        """One action's plan; raises ActionRefused (one line) when it must not or cannot run."""
        if self.read_only:
            raise ReadOnlyMode(READ_ONLY_MESSAGE)
        spec = registry.SPECS.get(request.action)
        if spec is None:
            raise ActionRefused(f"{request.action.value} is not an action iamtui can plan")
        if not isinstance(request.subject, spec.subject):
            raise ActionRefused(
                f"{request.action.value} acts on a {spec.subject.__name__}, "
                f"not a {type(request.subject).__name__}"
            )
        try:
            draft = spec.build(self, request)
        except reads.NotFound as exc:
            raise ActionRefused(f"cannot plan {request.action.value}: {exc}") from exc
        except ClientError as exc:
            who = principal_of(request.subject)
            raise ActionRefused(
                f"cannot plan {request.action.value} for {who[1] if who else 'the account'}: "
                f"{error_text(exc)}"
            ) from exc
        except BotoCoreError as exc:
            raise ActionRefused(f"cannot plan {request.action.value}: {exc}") from exc
        plan = self._finish(draft)
        check_lockout(plan, self.caller)
        return offered(plan, self.settings.followups)

    def batch(
        self,
        requests: Iterable[Request],
        *,
        summary: str | None = None,
        selection: Selection | None = None,
        skipped: Iterable[Skipped] = (),
    ) -> Plan:
        """Several requests as one plan; ones that cannot be planned are listed as skipped.

        ``skipped`` are the selection's members the caller already knew do not apply (from the
        loaded data, with the same checks): the plan lists them first, so the preview names
        every member it will not act on.
        """
        if self.read_only:
            raise ReadOnlyMode(READ_ONLY_MESSAGE)
        wanted = list(dict.fromkeys(requests))
        deleted = {principal_of(r.subject) for r in wanted if r.action in _WHOLE}
        plans: list[Plan] = []
        skipped = list(skipped)
        for request in wanted:
            whole = principal_of(request.subject)
            if request.action not in _WHOLE and whole is not None and whole in deleted:
                skipped.append(
                    Skipped(request.label, f"superseded: the batch deletes {whole[0]} {whole[1]}")
                )
                continue
            try:
                plans.append(self.plan(request))
            except ActionRefused as exc:
                skipped.append(Skipped(request.label, str(exc)))
        if not plans:
            reasons = "; ".join(s.reason for s in skipped[:2])
            raise ActionRefused(f"nothing to do: {reasons}" if reasons else "nothing to do")
        actions = {p.action for p in plans}
        if summary is None and selection is not None and len(actions) == 1:
            # Counted after planning: what the journal keeps says what will run.
            (action,) = actions
            summary = f"{action.value} for {len(plans)} of {selection.total} {selection.noun}"
        return combine(plans, built_at=self.clock(), skipped=skipped, summary=summary)

    def undo(self, entry: Entry) -> Plan:
        """The plan that reverts a journal entry's completed steps (same guards as any plan)."""
        from iamtui.core.actions.undo import build_undo

        return build_undo(self, entry)

    def requests_for(self, finding: Any, action: str) -> tuple[Request, ...]:
        """The requests that carry out ``action`` for one finding (key slots resolved to ids)."""
        from iamtui.core.actions.findings import requests_for

        return requests_for(self, finding, action)

    # --- plumbing ---------------------------------------------------------------------------

    def _finish(self, draft: Draft) -> Plan:
        for step in draft.steps:
            if bool(step.inverse) == bool(step.irreversible_reason):
                raise AssertionError(f"step {step.description!r}: need an inverse xor a reason")
        return Plan(
            action=draft.action,
            summary=draft.summary,
            account_id=self.snapshot.account_id,
            account_alias=self.snapshot.alias,
            caller_arn=self.caller.arn,
            targets=tuple(draft.targets),
            steps=tuple(draft.steps),
            built_at=self.clock(),
            data_time=self.snapshot.loaded_at,
            before=draft.before,
            warnings=tuple(draft.warnings),
            notes=tuple(draft.notes),
            options=draft.options,
        )

    # --- shared reads and guards (the catalog's builders use them) ---------------------------

    @staticmethod
    def subject(request: Request, kind: type[S]) -> S:
        """The request's subject as the type its action takes (the registry checked it)."""
        subject: Subject = request.subject
        if not isinstance(subject, kind):
            raise ActionRefused(f"{request.action.value} cannot act on {type(subject).__name__}")
        return subject

    def user_target(self, name: str) -> Target:
        """The user as a plan target: from the loaded data, else GetUser."""
        known = self.snapshot.user(name)
        if known is not None:
            return Target("user", name, known.arn, known.user_id)
        try:
            raw = self.iam.get_user(UserName=name)["User"]
        except ClientError as exc:
            if reads.missing(exc):
                raise reads.NotFound(f"user {name} does not exist") from exc
            raise
        return Target("user", name, str(raw["Arn"]), raw.get("UserId"))

    def data_time(self) -> str:
        """When the reviewed data was loaded, for refusals."""
        return stamp(self.snapshot.loaded_at)

    def report_row_keys(self, user: str) -> tuple[Any, ...]:
        """The user's credential-report key slots (empty without a report row)."""
        report = self.snapshot.credential_report
        row = report.row_for(user) if report is not None else None
        return tuple(row.keys) if row is not None else ()

    def known_key_use(
        self, user_arn: str, user: str, key: AccessKey
    ) -> tuple[bool, datetime | None]:
        """(whether the reviewed data knew this key's last use, that last use)."""
        detail = self.snapshot.details.get(user_arn)
        if detail is not None:
            for known in detail.access_keys:
                if known.key_id == key.key_id:
                    return True, known.last_used
        for slot in self.report_row_keys(user):
            if key_in_slot(slot.last_rotated, (key,)) is not None:
                if isinstance(slot.last_used, datetime):
                    return True, slot.last_used
                if slot.last_used is Missing.NOT_APPLICABLE:
                    return True, None
        return False, None

    def refuse_if_used_since_data(
        self, target: Target, key: AccessKey, request: Request
    ) -> str | None:
        """The operator decided on data that says the key was idle: a newer use voids that.

        When the data cannot tell (no credential report, or one older than the key) a key with
        any recorded use is refused too, unless the request says ``accept_unverified_use``:
        then the returned warning says what was accepted.
        """
        if key.last_used is None or key.key_id == self.caller.identity.access_key_id:
            # This session's own key is used by every call we make; the lockout guard refuses it.
            return None
        known, last = self.known_key_use(target.arn, target.name, key)
        fresh = key.last_used
        service = f" ({key.last_used_service})" if key.last_used_service else ""
        if known and (last is None or fresh - as_utc(last) > timedelta(seconds=1)):
            raise ActionRefused(
                f"access key {key.key_id} of {target.name} was used at "
                f"{stamp(fresh)}{service}, after the data you reviewed "
                f"(loaded {self.data_time()}): reload and review before acting"
            )
        if known:
            return None
        why = self._unverified_reason(target.name)
        if not request.accept_unverified_use:
            raise UnverifiedUse(
                f"cannot check access key {key.key_id} of {target.name} against the data you "
                f"reviewed ({why}); it was last used at {stamp(fresh)}{service}: reload (or open "
                "the user) and review, or confirm acting on unverified use"
            )
        self.unverified_keys.append(key.key_id)
        return (
            f"key {key.key_id} was last used {stamp(fresh)}{service}; {why}: "
            "acting on it was confirmed without that check"
        )

    def _unverified_reason(self, user: str) -> str:
        """Why the reviewed data says nothing about a key's use."""
        report = self.snapshot.credential_report
        if report is None:
            return "no credential report was loaded"
        if report.row_for(user) is None:
            return f"the credential report has no row for {user}"
        return f"the credential report of {stamp(report.generated_at)} predates the key"

    def recent_use_warning(
        self, what: str, last_used: datetime | None, service: str | None = None
    ) -> str | None:
        """A warning when ``what`` was used within RECENT_USE: whatever uses it will fail."""
        if last_used is None:
            return None
        if self.clock() - last_used > RECENT_USE:
            return None
        via = f" ({service})" if service else ""
        return f"{what} was used {stamp(last_used)}{via}: whatever uses it will fail"

    def keys(self, request: Request) -> tuple[Target, tuple[AccessKey, ...], AccessKey | None]:
        """The user's live keys and the one the request names (by id, or by report slot)."""
        subject = self.subject(request, KeySubject)
        target = self.user_target(subject.user)
        keys = read_access_keys(self.iam, subject.user)
        key = None
        if subject.key_id is not None:
            key = next((k for k in keys if k.key_id == subject.key_id), None)
            if key is None:
                raise ActionRefused(f"user {subject.user} has no access key {subject.key_id}")
        elif subject.slot is not None:
            key = self.key_in_slot(subject.user, subject.slot, keys)
        return target, keys, key

    def key_in_slot(self, user: str, slot: int, keys: tuple[AccessKey, ...]) -> AccessKey:
        """The key in credential-report slot ``slot`` (1 or 2), matched by creation time."""
        slots = self.report_row_keys(user)
        found = key_in_slot(slots[slot - 1].last_rotated, keys) if 1 <= slot <= len(slots) else None
        if found is None:
            raise ActionRefused(
                f"cannot tell which access key is key {slot} of {user} (keys changed since the "
                "report): open the user's keys and pick one"
            )
        return found

    def need_service_credential(self, request: Request) -> tuple[Target, ServiceCredential]:
        """The user as a plan target and the service-specific credential named, read now."""
        subject = self.subject(request, ServiceCredentialSubject)
        target = self.user_target(subject.user)
        try:
            credential = reads.service_credential(self.iam, subject.user, subject.credential_id)
        except reads.NotFound as exc:
            raise ActionRefused(str(exc)) from exc
        return target, credential

    def need_key(self, request: Request) -> tuple[Target, tuple[AccessKey, ...], AccessKey]:
        """Like ``keys`` for actions that must name one key."""
        target, keys, key = self.keys(request)
        if key is None:
            raise ActionRefused(f"{request.action.value} needs an access key id")
        return target, keys, key

    def refuse_if_signed_in_since_data(
        self, target: Target, password_last_used: datetime | None
    ) -> None:
        """The operator decided on a report that showed no newer console sign-in.

        A dated report value is compared with the fresh one. ``N/A`` (no password) and
        ``no_information`` say nothing about a date, and GetUser keeps the last sign-in after
        the password is removed: those compare with when the report was generated.
        """
        report = self.snapshot.credential_report
        row = report.row_for(target.name) if report is not None else None
        if report is None or row is None or password_last_used is None:
            return
        known = row.password_last_used
        fresh = as_utc(password_last_used)
        if isinstance(known, datetime):
            newer = fresh - as_utc(known) > timedelta(seconds=1)
        else:
            # Both times have whole seconds on AWS: a sign-in in the report's second counts.
            newer = fresh.replace(microsecond=0) >= as_utc(report.generated_at).replace(
                microsecond=0
            )
        if newer:
            raise ActionRefused(
                f"user {target.name} signed in to the console at {stamp(fresh)}, after the data "
                f"you reviewed (loaded {self.data_time()}): reload and review before acting"
            )

    def principal(self, kind: PrincipalType, name: str) -> tuple[Target, reads.RoleState | None]:
        """A user, group or role as a target (AWS-managed roles refused)."""
        if kind == "user":
            return self.user_target(name), None
        if kind == "group":
            return Target("group", name, reads.group_arn(self.iam, name)), None
        if kind == "role":
            role = reads.read_role(self.iam, name)
            self.refuse_aws_managed_role(role)
            self.refuse_protected_role(role)
            return Target("role", name, role.arn, role.role_id), role
        raise ActionRefused(f"unknown principal kind {kind!r} (user, group or role)")

    def refuse_aws_managed_role(self, role: reads.RoleState) -> None:
        """Identity Center and service-linked roles are changed by AWS, not by iamtui."""
        refusal = managed_role_refusal(role.name, role.path)
        if refusal:
            raise ActionRefused(refusal)

    def refuse_protected_role(self, role: reads.RoleState) -> None:
        """Organization-critical roles stay: deleting or quarantining one locks the org out."""
        reason = protection_reason(role.arn, self.settings)
        if reason is None:
            return
        if "[protected] roles" in reason:
            how = "remove that pattern from [protected] roles in the config file to allow it"
        else:
            how = "the built-in list cannot be lifted ([protected] roles in the config only adds)"
        raise ActionRefused(f"role {role.name} is not changed by iamtui: {reason}; {how}")
