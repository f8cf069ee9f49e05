"""Running a confirmed plan: step by step, preconditions first, journaled before every call.

For each step the executor re-reads the state the plan was built against (the step's checks),
writes an ``intent`` record and fsyncs it, sends the one call, and records the result. It stops
at the first failure and says where (step, AWS error code, message).
``EntityTemporarilyUnmodifiable`` and ``ConcurrentModification`` are retried with backoff.
Secrets a call returns (a new key's secret, a generated password) come back in the step outcome
only — never in the journal or a log.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from iamtui.core import journal as journal_store
from iamtui.core.actions import probes
from iamtui.core.actions.assume import RootSessions
from iamtui.core.actions.guards import (
    READ_ONLY_MESSAGE,
    ActionRefused,
    Caller,
    ReadOnlyMode,
    SelfLockout,
    check_lockout,
    load_caller,
    lockout,
)
from iamtui.core.errors import error_code
from iamtui.core.loader import utcnow
from iamtui.core.plan import JSON, ApiCall, Check, ConfirmedPlan, Plan, Step
from iamtui.core.secrets import (
    AccessKeySecret,
    Secret,
    generate_password,
    is_placeholder,
    redact,
)

if TYPE_CHECKING:
    from iamtui.core.journal import Journal, JournalWriter

log = logging.getLogger(__name__)

#: Errors AWS documents as transient for IAM writes: retried with backoff.
RETRYABLE = frozenset({"EntityTemporarilyUnmodifiable", "ConcurrentModification"})
#: Seconds between retries of a transient error (then the step fails).
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)
#: Policy-document parameters: plans hold them as data, IAM wants JSON text.
DOCUMENT_PARAMS = frozenset({"PolicyDocument", "AssumeRolePolicyDocument"})
#: The code of a step whose call took effect but whose result could not be journaled.
JOURNAL_WRITE_FAILED = "JournalWriteFailed"
#: Non-secret response values kept in the journal, per operation (an allow-list).
OUTPUTS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "CreateAccessKey": {
        "AccessKeyId": ("AccessKey", "AccessKeyId"),
        "Status": ("AccessKey", "Status"),
    },
    "CreateUser": {"UserId": ("User", "UserId"), "Arn": ("User", "Arn")},
    "CreateRole": {"RoleId": ("Role", "RoleId"), "Arn": ("Role", "Arn")},
    "DeleteServiceLinkedRole": {"DeletionTaskId": ("DeletionTaskId",)},
    "UploadSSHPublicKey": {"SSHPublicKeyId": ("SSHPublicKey", "SSHPublicKeyId")},
    "UploadSigningCertificate": {"CertificateId": ("Certificate", "CertificateId")},
    "CreatePolicyVersion": {"VersionId": ("PolicyVersion", "VersionId")},
    "CreateLoginProfile": {
        "PasswordResetRequired": ("LoginProfile", "PasswordResetRequired"),
    },
}


@dataclass
class StepOutcome:
    """How one step ended. ``secret`` is set for calls that return one, and is never serialised."""

    index: int
    status: str  # ok | error | stopped | not-run | dry-run
    code: str | None = None
    message: str = ""
    outputs: dict[str, JSON] = field(default_factory=dict)
    attempts: int = 0
    secret: Secret | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> JSON:
        """Plain data, without the secret."""
        return {
            "index": self.index,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "outputs": dict(self.outputs),
            "attempts": self.attempts,
            "secret": self.secret.kind if self.secret is not None else None,
        }


@dataclass
class ExecutionReport:
    """The outcome of running a plan: status, where it stopped and why, per-step outcomes."""

    plan: Plan
    status: str  # completed | failed | stopped | dry-run
    outcomes: list[StepOutcome]
    entry_id: str | None = None
    failed_step: int | None = None
    code: str | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Every step ran (or, in a dry run, would run)."""
        return self.status in ("completed", "dry-run")

    @property
    def secrets(self) -> list[Secret]:
        """Secrets produced by the run, to be shown once and dropped."""
        return [o.secret for o in self.outcomes if o.secret is not None]

    def message(self) -> str:
        """One line for the operator."""
        if self.status == "completed":
            ref = f" (journal {self.entry_id})" if self.entry_id else ""
            return f"done: {self.plan.summary}{ref}"
        if self.status == "dry-run":
            return f"dry run: {len(self.plan.steps)} call(s) would be sent, none were"
        where = f"step {self.failed_step + 1}" if self.failed_step is not None else "a step"
        return f"{self.status} at {where}: {self.reason}"

    def to_json(self) -> JSON:
        """Plain data (no secrets)."""
        return {
            "entry": self.entry_id,
            "status": self.status,
            "failed_step": self.failed_step,
            "code": self.code,
            "reason": self.reason,
            "outcomes": [o.to_json() for o in self.outcomes],
        }


@dataclass(frozen=True, slots=True)
class Hooks:
    """Test and UI hooks: after the intent is fsynced, after the call returned, with a secret."""

    after_intent: Callable[[int], None] | None = None
    after_call: Callable[[int], None] | None = None
    #: Handed a one-time secret as soon as the call returns, before anything is written.
    on_secret: Callable[[Secret], None] | None = None


Progress = Callable[[int, StepOutcome], None]


class _StepFailed(Exception):
    def __init__(self, code: str, message: str, attempts: int, doubt: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.attempts = attempts
        self.doubt = doubt


class Executor:
    """Runs confirmed plans against one connection, journaling every call."""

    def __init__(
        self,
        conn: Any,
        journal: Journal | JournalWriter,
        *,
        dry_run: bool = False,
        read_only: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utcnow,
        hooks: Hooks | None = None,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        poll_interval: float = 1.0,
        poll_timeout: float = 300.0,
    ) -> None:
        """``conn`` is a session.Connection; ``dry_run`` sends nothing and journals nothing."""
        self.conn = conn
        self.iam: Any = conn.iam
        self.account: Any = getattr(conn, "account", None)
        self.root_sessions = RootSessions(conn)
        self.journal = journal
        self.dry_run = dry_run
        self.read_only = read_only
        self.sleep = sleep
        self.clock = clock
        self.hooks = hooks or Hooks()
        self.retry_delays = retry_delays
        self.poll_interval = poll_interval
        self.poll_timeout = poll_timeout

    def run(
        self,
        confirmed: ConfirmedPlan,
        *,
        progress: Progress | None = None,
        caller: Caller | None = None,
    ) -> ExecutionReport:
        """Run every step in order; stop at the first failure. Refusals raise ActionRefused."""
        if not isinstance(confirmed, ConfirmedPlan):
            raise ActionRefused("a plan must be confirmed (Plan.confirm) before it runs")
        plan = confirmed.plan
        if self.read_only:
            raise ReadOnlyMode(READ_ONLY_MESSAGE)
        if self.dry_run:
            outcomes = [StepOutcome(i, "dry-run") for i in range(len(plan.steps))]
            return ExecutionReport(plan, "dry-run", outcomes)
        if caller is None:
            try:
                caller = load_caller(self.conn)
            except (ClientError, BotoCoreError) as exc:
                code = error_code(exc) or type(exc).__name__
                raise ActionRefused(
                    f"could not read who is calling (for the lockout guard): {code}: "
                    f"{_message(exc)}; nothing was sent"
                ) from exc
        if caller.identity.account != plan.account_id:
            raise ActionRefused(
                f"these credentials are for account {caller.identity.account}, "
                f"the plan is for {plan.account_id}"
            )
        check_lockout(plan, caller)
        if unresolved := _unresolved(plan):
            raise ActionRefused(f"the plan still holds {unresolved}: it cannot run as is")
        with journal_store.open_writer(self.journal) as writer:
            entry = writer.begin(plan)
            try:
                return self._steps(plan, writer, entry, caller, progress)
            finally:
                journal_store._ACTIVE.discard(entry)
                self.root_sessions.forget()

    def _steps(
        self,
        plan: Plan,
        writer: JournalWriter,
        entry: str,
        caller: Caller,
        progress: Progress | None,
    ) -> ExecutionReport:
        outcomes = [StepOutcome(i, "not-run") for i in range(len(plan.steps))]
        previous: dict[str, JSON] = {}
        for index, step in enumerate(plan.steps):
            iam, report = self._credentials(plan, writer, entry, index, step, outcomes)
            if report is None:
                report = self._check(plan, writer, entry, index, step, outcomes, iam)
            if report is None:
                try:
                    params, secret = self._resolve(step, previous)
                except ActionRefused as exc:
                    report = self._stop(plan, writer, entry, index, outcomes, str(exc), "BadPlan")
            if report is not None:
                if progress is not None:
                    progress(index, outcomes[index])
                return report
            call = ApiCall(step.call.operation, params, step.call.service)
            if reason := lockout(call, caller):
                outcome = outcomes[index]
                outcome.status, outcome.message = "stopped", reason
                writer.end(entry, "stopped", step=index, reason=reason, code="SelfLockout")
                raise SelfLockout(f"refused at step {index + 1}: {reason}")
            writer.intent(entry, index, call.to_json())
            if self.hooks.after_intent is not None:
                self.hooks.after_intent(index)
            log.info("step %d/%d: %s", index + 1, len(plan.steps), step.description)
            try:
                client = self.account if call.service == "account" else iam
                response, attempts = self._send(call, client)
                if step.wait:
                    self._wait(step, response)
            except _StepFailed as failure:
                if self.hooks.after_call is not None:
                    self.hooks.after_call(index)
                writer.result(
                    entry,
                    index,
                    ok=False,
                    code=failure.code,
                    message=failure.message,
                    attempts=failure.attempts,
                    doubt=failure.doubt,
                )
                writer.end(entry, "failed", step=index, reason=failure.message, code=failure.code)
                outcome = outcomes[index]
                outcome.status, outcome.code = "error", failure.code
                outcome.message, outcome.attempts = failure.message, failure.attempts
                if secret is not None:
                    secret.drop()
                if progress is not None:
                    progress(index, outcome)
                return ExecutionReport(
                    plan,
                    "failed",
                    outcomes,
                    entry,
                    index,
                    failure.code,
                    f"{step.call.operation}: {failure.code}: {failure.message}",
                )
            if self.hooks.after_call is not None:
                self.hooks.after_call(index)
            outputs = _outputs(call.operation, response)
            if call.operation == "CreateAccessKey":
                key = response.get("AccessKey", {})
                secret = AccessKeySecret(
                    str(key.get("UserName", "")),
                    str(key.get("AccessKeyId", "")),
                    str(key.get("SecretAccessKey", "")),
                )
            # The call took effect: its outcome (and a one-time secret) reaches the caller
            # before the journal write, which can still fail (a full disk).
            outcome = outcomes[index]
            outcome.status, outcome.outputs, outcome.attempts = "ok", outputs, attempts
            outcome.secret = secret
            if secret is not None and self.hooks.on_secret is not None:
                self.hooks.on_secret(secret)
            try:
                writer.result(entry, index, ok=True, outputs=outputs, attempts=attempts)
            except journal_store.JournalError as exc:
                if progress is not None:
                    progress(index, outcome)
                return _unrecorded(plan, outcomes, entry, index, step, exc)
            previous = outputs
            if progress is not None:
                progress(index, outcome)
        writer.end(entry, "completed")
        return ExecutionReport(plan, "completed", outcomes, entry)

    def _credentials(
        self,
        plan: Plan,
        writer: JournalWriter,
        entry: str,
        index: int,
        step: Step,
        outcomes: list[StepOutcome],
    ) -> tuple[Any, ExecutionReport | None]:
        """The IAM client a step (and its checks) runs with: the session's, or an assumed root's.

        The AssumeRoot call is made right before the step; its credentials stay in memory.
        """
        if step.as_root is None:
            return self.iam, None
        try:
            return self.root_sessions.iam(step.as_root), None
        except (ClientError, BotoCoreError) as exc:
            code = error_code(exc) or type(exc).__name__
            reason = (
                f"could not act as the root of account {step.as_root.account} "
                f"(sts:AssumeRoot): {code}: {_message(exc)}"
            )
            return self.iam, self._stop(plan, writer, entry, index, outcomes, reason, code)

    def _check(
        self,
        plan: Plan,
        writer: JournalWriter,
        entry: str,
        index: int,
        step: Step,
        outcomes: list[StepOutcome],
        iam: Any,
    ) -> ExecutionReport | None:
        """Evaluate a step's preconditions; a failure (or a failed read) stops the plan."""
        for check in step.preconditions:
            try:
                result = probes.evaluate(iam, check, account=self.account)
            except (ClientError, BotoCoreError) as exc:
                code = error_code(exc) or type(exc).__name__
                reason = f"could not check '{check.description}': {code}: {_message(exc)}"
                return self._stop(plan, writer, entry, index, outcomes, reason, code)
            if not result.ok:
                reason = f"precondition failed: {result.reason}"
                return self._stop(
                    plan, writer, entry, index, outcomes, reason, "PreconditionFailed"
                )
        return None

    def _stop(
        self,
        plan: Plan,
        writer: JournalWriter,
        entry: str,
        index: int,
        outcomes: list[StepOutcome],
        reason: str,
        code: str,
    ) -> ExecutionReport:
        writer.end(entry, "stopped", step=index, reason=reason, code=code)
        outcome = outcomes[index]
        outcome.status, outcome.code, outcome.message = "stopped", code, reason
        return ExecutionReport(plan, "stopped", outcomes, entry, index, code, reason)

    def _resolve(
        self, step: Step, previous: Mapping[str, JSON]
    ) -> tuple[dict[str, JSON], Secret | None]:
        """Fill placeholders: generated passwords, now, and the previous step's outputs."""
        secret: Secret | None = None
        params: dict[str, JSON] = {}
        for name, value in step.call.params.items():
            if is_placeholder(value):
                kind, arg = next(iter(value.items()))
                if kind == "$generate":
                    password = generate_password(self._password_min_length())
                    user = str(step.call.params.get("UserName", ""))
                    secret = Secret("password", user, password)
                    value = password
                elif kind == "$prev":
                    if arg not in previous:
                        raise ActionRefused(
                            f"step needs {arg} from the previous step, which has none"
                        )
                    value = previous[arg]
                elif kind == "$result":
                    raise ActionRefused(
                        f"unresolved result placeholder {arg} in {step.call.operation}"
                    )
            params[name] = _fill_now(value, self.clock())
        return params, secret

    def _password_min_length(self) -> int:
        """The account's minimum password length, so a generated password always satisfies it."""
        try:
            policy = self.iam.get_account_password_policy()["PasswordPolicy"]
        except (ClientError, BotoCoreError):
            return 24  # no policy (NoSuchEntity) or unreadable: 24 passes AWS's default of 8
        return int(policy.get("MinimumPasswordLength", 8))

    def _send(self, call: ApiCall, client: Any) -> tuple[Mapping[str, Any], int]:
        """One call, retried on transient errors; raises _StepFailed."""
        method = getattr(client, call.method)
        kwargs = {
            k: json.dumps(v) if k in DOCUMENT_PARAMS and not isinstance(v, str) else v
            for k, v in call.params.items()
        }
        attempts = 0
        while True:
            attempts += 1
            try:
                return method(**kwargs), attempts
            except ClientError as exc:
                code = error_code(exc) or "ClientError"
                if code in RETRYABLE and attempts <= len(self.retry_delays):
                    log.info("%s: %s, retrying", call.operation, code)
                    self.sleep(self.retry_delays[attempts - 1])
                    continue
                # botocore may have resent a write whose first send took effect (a timeout or
                # 5xx, then NoSuchEntity/EntityAlreadyExists): that failure proves nothing.
                retried = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) > 0
                raise _StepFailed(code, _message(exc), attempts, doubt=retried) from exc
            except BotoCoreError as exc:
                # The request may or may not have reached AWS: the step is in doubt.
                raise _StepFailed(type(exc).__name__, str(exc), attempts, doubt=True) from exc

    def _wait(self, step: Step, response: Mapping[str, Any]) -> None:
        """Poll GetServiceLinkedRoleDeletionStatus until SUCCEEDED (FAILED names the users)."""
        task = response.get("DeletionTaskId")
        if not task:
            raise _StepFailed("NoDeletionTask", "AWS returned no deletion task id", 1)
        deadline = time.monotonic() + self.poll_timeout
        while True:
            try:
                status = self.iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
            except ClientError as exc:
                raise _StepFailed(error_code(exc) or "ClientError", _message(exc), 1) from exc
            except BotoCoreError as exc:
                # The deletion task was accepted; only its status is unknown.
                raise _StepFailed(type(exc).__name__, str(exc), 1, doubt=True) from exc
            state = status.get("Status")
            if state == "SUCCEEDED":
                return
            if state == "FAILED":
                reason = status.get("Reason") or {}
                users = [
                    r
                    for usage in reason.get("RoleUsageList") or ()
                    for r in usage.get("Resources") or ()
                ]
                text = reason.get("Reason") or "the deletion task failed"
                if users:
                    text += f" (in use by {', '.join(users[:3])})"
                raise _StepFailed("DeletionFailed", text, 1)
            if time.monotonic() > deadline:
                raise _StepFailed(
                    "DeletionTimeout", f"deletion task {task} still {state}", 1, doubt=True
                )
            self.sleep(self.poll_interval)


def _unrecorded(
    plan: Plan,
    outcomes: list[StepOutcome],
    entry: str,
    index: int,
    step: Step,
    exc: journal_store.JournalError,
) -> ExecutionReport:
    """A call took effect but its result could not be journaled: stop, keep what it returned.

    The writer is closed by then (nothing more is appended after a possibly torn line), so the
    plan stops here; the step shows in doubt until ``iamtui journal repair`` settles the file.
    """
    secret = outcomes[index].secret
    kind = secret.kind.replace("_", " ") if secret is not None else ""
    shown = f" (the new {kind} secret is in this report, to show once)" if kind else ""
    cause = exc.__cause__
    why = (cause.strerror or str(cause)) if isinstance(cause, OSError) else str(exc)
    reason = (
        f"{step.call.operation} took effect{shown}, but the journal could not record it "
        f"({why}): run 'iamtui journal repair' before acting again"
    )
    return ExecutionReport(plan, "failed", outcomes, entry, index, JOURNAL_WRITE_FAILED, reason)


def _unresolved(plan: Plan) -> str | None:
    """A ``$result`` placeholder only undo can fill (a plan must not reach the executor so)."""

    def find(value: JSON) -> str | None:
        if is_placeholder(value) and "$result" in value:
            return f"the result placeholder {value['$result']}"
        if isinstance(value, Mapping):
            return next((f for v in value.values() if (f := find(v))), None)
        if isinstance(value, list):
            return next((f for v in value if (f := find(v))), None)
        return None

    return next((f for s in plan.steps if (f := find(dict(s.call.params)))), None)


def _message(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc)


def _fill_now(value: JSON, now: datetime) -> JSON:
    """Replace ``{"$now": ...}`` anywhere in a value with the current UTC time."""
    if is_placeholder(value) and "$now" in value:
        return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, Mapping):
        return {k: _fill_now(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_now(v, now) for v in value]
    return value


def _outputs(operation: str, response: Mapping[str, Any]) -> dict[str, JSON]:
    """The allow-listed, non-secret values of a response."""
    found: dict[str, JSON] = {}
    for name, path in OUTPUTS.get(operation, {}).items():
        value: Any = response
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None:
            found[name] = value if isinstance(value, str | bool | int) else str(value)
    return redact(found)  # type: ignore[no-any-return]


def evaluate_effect(iam: Any, check: Check | None, *, account: Any = None) -> bool | None:
    """Whether a step's effect holds now (None: the step has no effect check)."""
    if check is None:
        return None
    return probes.evaluate(iam, check, account=account).ok
