"""The verified root-hardening steps: each one's verdict, evidence, why and how to fix it.

Each :class:`Step` says pass, fail or unknown (never pass without data), with the exact values
behind it and when they were true, the AWS best practice it serves, what iamtui can do itself
(action ids the Actions framework implements) and what the operator must do in the console.

The verdicts for root MFA, root keys, root use and the password policy come from the findings
rules in :mod:`iamtui.core.rules.root`, so ``iamtui scan`` and this screen agree; the extra live
facts come from :mod:`.load`. :func:`evaluate_root` is pure; :func:`verify` reloads first.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from iamtui.core.findings import (
    Evaluation,
    Evidence,
    EvidenceValue,
    Finding,
    Rule,
    evaluate,
    iso,
    part_missing,
    report_value,
)
from iamtui.core.ids import ActionId
from iamtui.core.loader import Clock, load_account, utcnow
from iamtui.core.model import (
    SSO_RESERVED_PATH_PREFIX,
    AccessKey,
    AccountSnapshot,
    CredentialReportRow,
    Organization,
    Part,
    PasswordPolicy,
    User,
)
from iamtui.core.policy import TrustGrant, analyse_trust, role_policies, user_policies
from iamtui.core.root import render
from iamtui.core.root.load import ROOT_TASK_DELETE_CREDENTIALS, RootExtra, load_root_state
from iamtui.core.rules import root as root_rules
from iamtui.core.rules._common import text_value
from iamtui.core.session import Connection
from iamtui.core.settings import Settings, Thresholds


class Status(enum.StrEnum):
    """A step's verdict; unknown always carries a reason and is never counted as a pass.

    An informational step is never judged: it reads INFO (or UNKNOWN when it could not be read),
    never PASS or FAIL, and is not counted.
    """

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    INFO = "info"

    @property
    def marker(self) -> str:
        """The text marker reports use (``[PASS]``), readable without colour or emoji."""
        return f"[{self.name}]"


#: The verdicts a counted step can have (INFO is for informational steps only).
COUNTED = (Status.PASS, Status.FAIL, Status.UNKNOWN)


class StepId(enum.StrEnum):
    """Stable ids of the hardening steps (TUI rows, JSON, tests)."""

    MFA = "root.mfa"
    ACCESS_KEYS = "root.no-access-keys"
    RECENT_USE = "root.not-used-recently"
    PASSWORD_POLICY = "account.password-policy"
    SECURITY_CONTACT = "account.security-contact"
    BREAK_GLASS = "account.break-glass"
    CENTRALIZED_ROOT_ACCESS = "org.centralized-root-access"


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Remedy:
    """A fix iamtui can perform, the condition under which it applies, and whether it does now."""

    action: ActionId
    summary: str
    #: When it applies, e.g. "when running as root".
    when: str
    #: Whether that condition holds for this connection (IAM permissions aside: only the call
    #: itself can tell those).
    available: bool
    #: What the action needs (key id, API parameters of the proposed policy...).
    params: Evidence = field(default_factory=dict)
    reversible: bool = True


@dataclass(frozen=True, slots=True)
class Step:
    """One hardening step: verdict, exact evidence and its time, why, and how to fix it."""

    id: StepId
    title: str
    status: Status
    #: One line: what was found.
    summary: str
    #: The AWS best practice it serves, in one sentence.
    why: str
    evidence: Evidence = field(default_factory=dict)
    #: When the evidence was true (credential report time, or the live call's time).
    as_of: datetime | None = None
    #: Where the evidence came from (an API call or the credential report).
    source: str = ""
    #: Why the status is unknown.
    reason: str | None = None
    remedies: tuple[Remedy, ...] = ()
    #: What the operator must do outside iamtui: exact console paths.
    manual: tuple[str, ...] = ()
    #: Shown for context (which fix path applies); not counted as hardened or not.
    informational: bool = False


@dataclass(frozen=True, slots=True)
class RootReport:
    """The root-hardening state of one account at one time."""

    account_id: str
    alias: str | None
    evaluated_at: datetime
    loaded_at: datetime
    source: str
    caller_arn: str | None
    steps: tuple[Step, ...]

    def step(self, step_id: StepId | str) -> Step:
        """One step by id."""
        return next(s for s in self.steps if s.id == step_id)

    def counts(self) -> dict[Status, int]:
        """Non-informational steps per verdict (pass, fail, unknown)."""
        counts = dict.fromkeys(COUNTED, 0)
        for s in self.steps:
            if not s.informational:
                counts[s.status] += 1
        return counts

    @property
    def hardened(self) -> bool:
        """Every counted step passes."""
        return all(s.status is Status.PASS for s in self.steps if not s.informational)

    def changed_since(self, before: RootReport) -> tuple[tuple[Step, Step], ...]:
        """(before, after) for steps whose status changed: what a verify proves."""
        old = {s.id: s for s in before.steps}
        return tuple(
            (old[s.id], s) for s in self.steps if s.id in old and old[s.id].status != s.status
        )

    def to_markdown(self) -> str:
        """A Markdown summary for a ticket or an audit file."""
        return render.report_text(self, markdown=True)

    def to_text(self) -> str:
        """The same summary as plain text for a terminal."""
        return render.report_text(self, markdown=False)

    def to_json(self) -> dict[str, Any]:
        """JSON-able data (dates ISO 8601 UTC)."""
        return render.report_json(self)


# --- evaluation ------------------------------------------------------------------------------

WHY = {
    StepId.MFA: "Root cannot be restricted by IAM policies, so MFA is the only guard on its "
    "password (AWS root user best practices; CIS AWS Foundations 1.5/1.6).",
    StepId.ACCESS_KEYS: "A root access key is a never-expiring secret with unrestricted power "
    "over the account; AWS says root should have none (CIS 1.4).",
    StepId.RECENT_USE: "Daily work as root leaves no least-privilege boundary to contain a "
    "mistake or a stolen session; AWS reserves root for the few tasks that need it (CIS 1.7).",
    StepId.PASSWORD_POLICY: "IAM passwords that are short or reused are guessed or replayed from "
    "breaches; CIS asks for at least 14 characters and 24 remembered passwords (CIS 1.8/1.9).",
    StepId.SECURITY_CONTACT: "AWS sends security notifications (abuse reports, compromised keys) "
    "to the security alternate contact, so a team rather than one inbox receives them (CIS 1.2).",
    StepId.BREAK_GLASS: "With an MFA-protected administrator besides root, root stays locked "
    "away and the account can still be recovered when single sign-on fails.",
    StepId.CENTRALIZED_ROOT_ACCESS: "In an AWS Organization, centralized root access lets the "
    "management account remove member root credentials and run short, task-scoped root sessions.",
}

TITLES = {
    StepId.MFA: "Root user has MFA",
    StepId.ACCESS_KEYS: "Root user has no access keys",
    StepId.RECENT_USE: "Root user not used recently",
    StepId.PASSWORD_POLICY: "Password policy at least as strict as CIS",
    StepId.SECURITY_CONTACT: "Security alternate contact is set",
    StepId.BREAK_GLASS: "Break-glass administrator with MFA exists besides root",
    StepId.CENTRALIZED_ROOT_ACCESS: "Centralized root access (AWS Organizations)",
}

#: The findings rule behind a step's verdict, so ``iamtui scan`` and the checklist agree.
STEP_RULES: Mapping[StepId, Rule] = {
    StepId.MFA: root_rules.no_mfa,
    StepId.ACCESS_KEYS: root_rules.access_keys,
    StepId.RECENT_USE: root_rules.recently_used,
    StepId.PASSWORD_POLICY: root_rules.password_policy,
}

SIGN_IN_AS_ROOT = "Sign in as root (https://console.aws.amazon.com/, 'Root user', account email)"
SECURITY_CREDENTIALS = f"{SIGN_IN_AS_ROOT} → account menu (top right) → Security credentials"
AS_ROOT = "when running as root (signed with root's credentials)"
VIA_ASSUME_ROOT = (
    "from the management account (or IAM delegated administrator) of this account's "
    "organization, with centralized root access (RootSessions) enabled: sts:AssumeRoot into this "
    "member account with task policy IAMDeleteRootUserCredentials (that session can delete a root "
    "key but not deactivate it)"
)


def evaluate_root(
    snapshot: AccountSnapshot,
    extra: RootExtra,
    *,
    now: datetime,
    settings: Settings | None = None,
) -> RootReport:
    """Judge every step from a snapshot and its extras at an injected ``now`` (pure)."""
    settings = settings if settings is not None else Settings()
    evaluation = evaluate(snapshot, now=now, settings=settings, rules=tuple(STEP_RULES.values()))
    ctx = _Ctx(snapshot, extra, evaluation, now, settings.thresholds)
    steps = (
        _mfa(ctx),
        _access_keys(ctx),
        _recent_use(ctx),
        _password_policy(ctx),
        _security_contact_step(ctx),
        _break_glass(ctx),
        _centralized(ctx),
    )
    return RootReport(
        account_id=snapshot.account_id,
        alias=snapshot.alias,
        evaluated_at=now,
        loaded_at=snapshot.loaded_at,
        source=snapshot.source,
        caller_arn=snapshot.caller.arn if snapshot.caller else None,
        steps=steps,
    )


def verify(
    conn: Connection, *, settings: Settings | None = None, clock: Clock = utcnow
) -> RootReport:
    """Re-read the account and judge again: how a fix is proven (the summary is live)."""
    snapshot = load_account(conn, clock=clock)
    extra = load_root_state(conn, snapshot, clock=clock)
    return evaluate_root(snapshot, extra, now=clock(), settings=settings)


@dataclass(frozen=True, slots=True)
class _Ctx:
    snapshot: AccountSnapshot
    extra: RootExtra
    evaluation: Evaluation
    now: datetime
    thresholds: Thresholds

    def verdict(self, rule: Rule) -> tuple[Status, Finding | None, str | None]:
        """The findings rule's answer: finding → fail, not evaluated → unknown, else pass."""
        for skipped in self.evaluation.not_evaluated:
            if skipped.rule is rule:
                return Status.UNKNOWN, None, skipped.reason
        finding = next((f for f in self.evaluation.findings if f.rule == rule.id), None)
        return (Status.FAIL, finding, None) if finding else (Status.PASS, None, None)

    @property
    def root_row(self) -> CredentialReportRow | None:
        report = self.snapshot.credential_report
        if report is None or part_missing(self.snapshot, Part.CREDENTIAL_REPORT):
            return None
        return report.root or next((r for r in report.rows if r.is_root), None)

    @property
    def summary_loaded(self) -> bool:
        return self.snapshot.summary is not None and not part_missing(
            self.snapshot, Part.ACCOUNT_SUMMARY
        )

    @property
    def report_time(self) -> datetime | None:
        report = self.snapshot.credential_report
        return report.generated_at if report is not None and self.root_row else None

    @property
    def is_root(self) -> bool:
        return self.snapshot.caller is not None and self.snapshot.caller.is_root

    def summary_or_report(self) -> tuple[datetime | None, str]:
        """Root facts prefer the live summary (time of the load) over the report row."""
        if self.summary_loaded:
            return self.snapshot.loaded_at, "GetAccountSummary"
        return self.report_time, "credential report"


def _suppression(finding: Finding | None) -> Evidence:
    if finding is None or finding.suppressed is None:
        return {}
    s = finding.suppressed
    until = f" until {s.expires.isoformat()}" if s.expires else ""
    return {"accepted_risk": f"{s.reason}{until}"}


def _step(
    ctx: _Ctx,
    step_id: StepId,
    status: Status,
    summary: str,
    *,
    reason: str | None = None,
    **kwargs: Any,
) -> Step:
    if status is Status.UNKNOWN and reason:
        summary = f"{summary}: {reason}" if summary else reason
    elif kwargs.get("informational"):
        status = Status.INFO  # context, not a verdict: never PASS or FAIL
    return Step(step_id, TITLES[step_id], status, summary, WHY[step_id], reason=reason, **kwargs)


def _organization(ctx: _Ctx) -> Organization | None:
    """The organization as last read live (None: unknown), else as the snapshot loaded it."""
    probe = ctx.extra.organization
    return probe.value if probe.ok else ctx.snapshot.organization


def _mfa(ctx: _Ctx) -> Step:
    status, finding, reason = ctx.verdict(root_rules.no_mfa)
    row = ctx.root_row
    summary_mfa = (
        ctx.snapshot.summary.mfa_enabled if ctx.summary_loaded and ctx.snapshot.summary else None
    )
    evidence: dict[str, EvidenceValue] = {
        "account_summary_mfa_enabled": summary_mfa,
        "credential_report_mfa_active": row.mfa_active if row else None,
    }
    as_of, source = ctx.summary_or_report()
    text = "root user has no MFA"
    org = _organization(ctx)
    has_mfa = summary_mfa if summary_mfa is not None else (row.mfa_active if row else None)
    unproven = root_rules.member_root_unproven(ctx.snapshot, org)
    if has_mfa is False and unproven is not None:
        # Looks like centralized root access removed root's credentials: the data cannot prove it.
        status, finding, reason = Status.UNKNOWN, None, unproven
    elif has_mfa is False and status is Status.UNKNOWN:
        # The snapshot's organization left it unproven; the live one says root keeps its password.
        status, reason = Status.FAIL, None
    elif status is Status.PASS and has_mfa:
        kind, device = _mfa_kind(ctx)
        evidence["mfa_type"] = kind
        if device:
            evidence["virtual_mfa_device"] = device
        text = f"root MFA enabled ({kind})"
        if kind == "virtual":
            text += "; CIS 1.6 (level 2) recommends a hardware device for root"
    manual = (
        f"{SECURITY_CREDENTIALS} → Multi-factor authentication (MFA) → Assign MFA device "
        "(prefer a hardware key or passkey; register a second device as backup)",
    )
    return _step(
        ctx,
        StepId.MFA,
        status,
        "" if status is Status.UNKNOWN else text,
        reason=reason,
        evidence={**evidence, **_suppression(finding)},
        as_of=as_of,
        source=source,
        manual=manual if status is not Status.PASS else (),
    )


def _mfa_kind(ctx: _Ctx) -> tuple[str, str | None]:
    """Virtual when a virtual device is assigned to root, else hardware/passkey."""
    missing = part_missing(ctx.snapshot, Part.VIRTUAL_MFA)
    if missing:
        return f"type unknown: {missing}", None
    for device in root_rules.root_virtual_devices(ctx.snapshot):
        return "virtual", device.serial
    return "hardware or passkey", None


def _key_slots(row: CredentialReportRow | None) -> Evidence:
    if row is None:
        return {}
    return {
        f"key_{n}": {
            "active": k.active,
            "last_rotated": report_value(k.last_rotated),
            "last_used": report_value(k.last_used),
            "last_used_region": text_value(k.last_used_region),
            "last_used_service": text_value(k.last_used_service),
        }
        for n, k in enumerate(row.keys, 1)
        if k.active or isinstance(k.last_rotated, datetime)
    }


def _key_json(key: AccessKey) -> Evidence:
    return {
        "key_id": key.key_id,
        "status": key.status,
        "created": iso(key.create_date),
        "last_used": iso(key.last_used) if key.last_used else None,
        "last_used_service": key.last_used_service,
        "last_used_region": key.last_used_region,
    }


def _access_keys(ctx: _Ctx) -> Step:
    status, finding, reason = ctx.verdict(root_rules.access_keys)
    row = ctx.root_row
    summary = ctx.snapshot.summary if ctx.summary_loaded else None
    evidence: dict[str, EvidenceValue] = {
        "account_summary_access_keys_present": summary.access_keys_present if summary else None,
        **_key_slots(row),
    }
    if ctx.report_time:
        evidence["credential_report_generated_at"] = iso(ctx.report_time)
    keys = ctx.extra.root_keys.value if ctx.extra.root_keys.ok else None
    if keys is not None:
        evidence["root_keys"] = tuple(_key_json(k) for k in keys)
    as_of, source = ctx.summary_or_report()
    text = "root user has no access keys"
    if status is Status.FAIL:
        slots = [e for k, e in evidence.items() if k.startswith("key_")]
        active = sum(1 for e in slots if isinstance(e, Mapping) and e.get("active"))
        text = f"root user has access keys ({active} active in the credential report)"
        if summary is not None and row is not None and not slots:
            text = "root user has access keys (the credential report predates them)"
    elif status is Status.PASS and row is not None and any(k.startswith("key_") for k in evidence):
        text += " (the credential report, older, still lists keys deleted since)"
    remedies = _key_remedies(ctx, keys, row) if status is Status.FAIL else ()
    manual = (
        f"{SECURITY_CREDENTIALS} → Access keys → for each key: Actions → Deactivate; once "
        "nothing breaks, Actions → Delete",
        "Before deactivating: find what uses the key (last used service and region above) and "
        "move that workload to an IAM role",
    )
    return _step(
        ctx,
        StepId.ACCESS_KEYS,
        status,
        "" if status is Status.UNKNOWN else text,
        reason=reason,
        evidence={**evidence, **_suppression(finding)},
        as_of=as_of,
        source=source,
        remedies=remedies,
        manual=manual if status is Status.FAIL else (),
    )


def _key_remedies(
    ctx: _Ctx, keys: Sequence[AccessKey] | None, row: CredentialReportRow | None
) -> tuple[Remedy, ...]:
    targets: list[tuple[str, Evidence]] = []
    if keys:
        targets = [(k.key_id, {"key_id": k.key_id}) for k in keys]
    elif row is not None:
        targets = [
            (f"in slot {n} (its id is listed only to root)", {"slot": n})
            for n, k in enumerate(row.keys, 1)
            if k.active or isinstance(k.last_rotated, datetime)
        ]
    if not targets:
        targets = [("(each one)", {})]
    org = ctx.extra.organization.value if ctx.extra.organization.ok else None
    # AWS "AssumeRoot": a member account's root only (the management account's root never).
    may_assume_root = org is None or org.is_member(ctx.snapshot.account_id) is not False
    remedies: list[Remedy] = []
    for label, params in targets:
        remedies.append(
            Remedy(
                ActionId.ROOT_DEACTIVATE_KEY,
                f"Deactivate root access key {label} (reversible)",
                AS_ROOT,
                ctx.is_root,
                params,
            )
        )
        remedies.append(
            Remedy(
                ActionId.ROOT_DELETE_KEY,
                f"Delete root access key {label} (cannot be undone)",
                AS_ROOT,
                ctx.is_root,
                params,
                reversible=False,
            )
        )
        if may_assume_root:
            remedies.append(
                Remedy(
                    ActionId.ROOT_DELETE_KEY,
                    f"Delete root access key {label} via sts:AssumeRoot (cannot be undone)",
                    VIA_ASSUME_ROOT,
                    False,
                    {
                        **params,
                        "target_account": ctx.snapshot.account_id,
                        "task_policy_arn": ROOT_TASK_DELETE_CREDENTIALS,
                    },
                    reversible=False,
                )
            )
    return tuple(remedies)


def _recent_use(ctx: _Ctx) -> Step:
    status, finding, reason = ctx.verdict(root_rules.recently_used)
    row = ctx.root_row
    days = ctx.thresholds.root_recent_days
    evidence: dict[str, EvidenceValue] = {"threshold_days": days}
    text = f"root not used in the last {days} days"
    if row is not None:
        evidence["password_last_used"] = report_value(row.password_last_used)
        for n, k in enumerate(row.keys, 1):
            evidence[f"key_{n}_last_used"] = report_value(k.last_used)
        uses = [row.password_last_used, *(k.last_used for k in row.keys)]
        latest = max((u for u in uses if isinstance(u, datetime)), default=None)
        if latest is not None:
            evidence["last_used"] = iso(latest)
            text += f" (last use {render.ago(ctx.now, latest)} ago)"
        else:
            text += " (no recorded use)"
    if finding is not None:
        text = finding.summary
    manual = (
        "Do daily work as IAM Identity Center users or IAM roles; keep root for the tasks only "
        "root can do (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html)",
        "Review what root did: CloudTrail console → Event history → Lookup attributes: User name "
        "= root",
    )
    return _step(
        ctx,
        StepId.RECENT_USE,
        status,
        "" if status is Status.UNKNOWN else text,
        reason=reason,
        evidence={**evidence, **_suppression(finding)},
        as_of=ctx.report_time,
        source="credential report",
        manual=manual if status is Status.FAIL else (),
    )


#: UpdateAccountPasswordPolicy parameter name -> PasswordPolicy attribute.
PASSWORD_POLICY_PARAMS: Mapping[str, str] = {
    "MinimumPasswordLength": "minimum_password_length",
    "RequireSymbols": "require_symbols",
    "RequireNumbers": "require_numbers",
    "RequireUppercaseCharacters": "require_uppercase_characters",
    "RequireLowercaseCharacters": "require_lowercase_characters",
    "AllowUsersToChangePassword": "allow_users_to_change_password",
    "MaxPasswordAge": "max_password_age",
    "PasswordReusePrevention": "password_reuse_prevention",
    "HardExpiry": "hard_expiry",
}


#: What a proposal starts from when the account has no custom password policy. AWS: "Set an
#: account password policy for IAM users", Default password policy: "Minimum password length of
#: 8 characters" and "Minimum of three of the following mix of character types: uppercase,
#: lowercase, numbers, and non-alphanumeric character" (IAM User Guide,
#: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html).
#: Requiring all four types is the weakest custom policy that is never weaker than that default.
AWS_DEFAULT_PASSWORD_POLICY = PasswordPolicy(
    minimum_password_length=8,
    require_symbols=True,
    require_numbers=True,
    require_uppercase_characters=True,
    require_lowercase_characters=True,
    allow_users_to_change_password=True,
)


def proposed_password_policy(
    current: PasswordPolicy | None, thresholds: Thresholds
) -> PasswordPolicy:
    """The current policy raised to CIS length and reuse; never weaker in any setting.

    With no custom policy the effective one is AWS's default (8 characters, three of the four
    character types); a custom policy can only require each type, so the proposal requires all
    four rather than dropping to none.
    """
    base = current or AWS_DEFAULT_PASSWORD_POLICY
    return replace(
        base,
        minimum_password_length=max(base.minimum_password_length, thresholds.password_min_length),
        password_reuse_prevention=max(
            base.password_reuse_prevention or 0, thresholds.password_reuse_prevention
        ),
    )


def password_policy_params(policy: PasswordPolicy) -> dict[str, EvidenceValue]:
    """UpdateAccountPasswordPolicy arguments: the call replaces the whole policy, so all of them."""
    params: dict[str, EvidenceValue] = {}
    for name, attr in PASSWORD_POLICY_PARAMS.items():
        value = getattr(policy, attr)
        if value is not None and not (name == "MaxPasswordAge" and not value):
            params[name] = value
    return params


def _policy_json(policy: PasswordPolicy | None) -> Evidence | None:
    return None if policy is None else password_policy_params(policy)


def _password_policy(ctx: _Ctx) -> Step:
    status, finding, reason = ctx.verdict(root_rules.password_policy)
    current = ctx.snapshot.password_policy
    evidence: dict[str, EvidenceValue] = {
        "required_minimum_length": ctx.thresholds.password_min_length,
        "required_reuse_prevention": ctx.thresholds.password_reuse_prevention,
    }
    remedies: tuple[Remedy, ...] = ()
    text = "password policy meets CIS length and reuse prevention"
    if status is not Status.UNKNOWN:
        evidence["current_policy"] = _policy_json(current)
    if finding is not None:
        evidence["weaknesses"] = finding.evidence.get("weaknesses", ())
        proposed = password_policy_params(proposed_password_policy(current, ctx.thresholds))
        evidence["proposed_policy"] = proposed
        text = finding.summary
        remedies = (
            Remedy(
                ActionId.ACCOUNT_SET_PASSWORD_POLICY,
                "Set the proposed password policy (the current one can be restored from the "
                "evidence)",
                "with iam:UpdateAccountPasswordPolicy (the call replaces the whole policy)",
                True,
                proposed,
            ),
        )
    return _step(
        ctx,
        StepId.PASSWORD_POLICY,
        status,
        "" if status is Status.UNKNOWN else text,
        reason=reason,
        evidence={**evidence, **_suppression(finding)},
        as_of=ctx.snapshot.loaded_at if status is not Status.UNKNOWN else None,
        source="GetAccountPasswordPolicy",
        remedies=remedies,
        manual=(
            (
                "IAM console → Account settings → Password policy → Edit → Custom → set the "
                "proposed values",
            )
            if status is Status.FAIL
            else ()
        ),
    )


def _security_contact_step(ctx: _Ctx) -> Step:
    probe = ctx.extra.security_contact
    manual = (
        "AWS console → account menu (top right) → Account → Alternate contacts → Edit → "
        "Security contact (use a team address, not a person's)",
    )
    remedy = Remedy(
        ActionId.ACCOUNT_SET_SECURITY_CONTACT,
        "Set the security alternate contact (name, title, email, phone from the operator)",
        "with account:PutAlternateContact",
        True,
        {"AlternateContactType": "SECURITY"},
    )
    common: dict[str, Any] = {"as_of": probe.checked_at, "source": "account:GetAlternateContact"}
    if probe.unavailable is not None:
        return _step(
            ctx,
            StepId.SECURITY_CONTACT,
            Status.UNKNOWN,
            "",
            reason=probe.unavailable.reason,
            **common,
        )
    contact = probe.value
    if contact is None:
        return _step(
            ctx,
            StepId.SECURITY_CONTACT,
            Status.FAIL,
            "no security alternate contact (GetAlternateContact: ResourceNotFoundException)",
            evidence={"security_contact": None},
            remedies=(remedy,),
            manual=manual,
            **common,
        )
    evidence: Evidence = {
        "name": contact.name,
        "title": contact.title,
        "email": contact.email,
        "phone": contact.phone,
    }
    return _step(
        ctx,
        StepId.SECURITY_CONTACT,
        Status.PASS,
        f"security contact: {contact.name} <{contact.email}>",
        evidence=evidence,
        **common,
    )


@dataclass(frozen=True, slots=True)
class _Admin:
    kind: str
    name: str
    arn: str
    via: tuple[str, ...]
    mfa: bool | None = None


def is_admin(snapshot: AccountSnapshot, arn: str) -> bool:
    """Whether the user or role at ``arn`` has administrator access (a break-glass candidate)."""
    policies = {p.arn: p for p in snapshot.policies}
    for user in snapshot.users:
        if user.arn == arn:
            groups = {g.name: g for g in snapshot.groups}
            return any(s.grants_admin for s in user_policies(user, groups, policies))
    for role in snapshot.roles:
        if role.arn == arn:
            return any(s.grants_admin for s in role_policies(role, policies))
    return False


def _admin_users(ctx: _Ctx) -> list[_Admin]:
    snap = ctx.snapshot
    groups = {g.name: g for g in snap.groups}
    policies = {p.arn: p for p in snap.policies}
    report = snap.credential_report if not part_missing(snap, Part.CREDENTIAL_REPORT) else None
    rows = report.by_user() if report is not None else {}
    admins = []
    for user in snap.users:
        via = tuple(s.path for s in user_policies(user, groups, policies) if s.grants_admin)
        if via:
            admins.append(_Admin("user", user.name, user.arn, via, _user_mfa(ctx, user, rows)))
    return admins


def _user_mfa(ctx: _Ctx, user: User, rows: Mapping[str, CredentialReportRow]) -> bool | None:
    detail = ctx.snapshot.details.get(user.arn)
    if detail is not None and detail.mfa_devices:
        return True
    row = rows.get(user.name)
    if row is None:
        return False if detail is not None else None
    return row.mfa_active


def _admin_roles(ctx: _Ctx) -> tuple[list[_Admin], int, list[dict[str, EvidenceValue]]]:
    """Admin roles that can stand in for root, those only services assume, and the rejected.

    A break-glass principal must hold when everything outside the account is gone: a role
    managed by IAM Identity Center, or one assumable from another account, a federated
    identity provider or anyone, does not count.
    """
    policies = {p.arn: p for p in ctx.snapshot.policies}
    humans: list[_Admin] = []
    rejected: list[dict[str, EvidenceValue]] = []
    services_only = 0
    for role in ctx.snapshot.roles:
        if role.service_linked:
            continue
        via = tuple(s.path for s in role_policies(role, policies) if s.grants_admin)
        if not via:
            continue
        grants = analyse_trust(role.trust_policy).grants
        if all(g.kind == "Service" for g in grants):
            services_only += 1
            continue
        why = _not_break_glass(role.name, role.path, grants, ctx.snapshot.account_id)
        if why is not None:
            rejected.append({"name": role.name, "arn": role.arn, "why": why})
            continue
        humans.append(_Admin("role", role.name, role.arn, via))
    return humans, services_only, rejected


def _not_break_glass(
    name: str, path: str, grants: tuple[TrustGrant, ...], account: str
) -> str | None:
    """Why an admin role cannot be the break-glass administrator, or None when it can."""
    if path.startswith(SSO_RESERVED_PATH_PREFIX) or name.lower().startswith("awsreservedsso_"):
        return "managed by IAM Identity Center"
    for grant in grants:
        if grant.kind == "Service":
            continue
        if grant.kind != "AWS" or grant.public:
            return f"assumable from outside the account ({grant.kind} {grant.principal})"
        if grant.account != account:
            return f"assumable from account {grant.account or grant.principal}"
    return None


def _break_glass(ctx: _Ctx) -> Step:
    missing = part_missing(ctx.snapshot, Part.AUTHORIZATION_DETAILS)
    common: dict[str, Any] = {"as_of": ctx.snapshot.loaded_at, "source": "authorization details"}
    if missing:
        return _step(ctx, StepId.BREAK_GLASS, Status.UNKNOWN, "", reason=missing, **common)
    users = _admin_users(ctx)
    roles, service_roles, rejected = _admin_roles(ctx)
    evidence: dict[str, EvidenceValue] = {
        "admin_users": tuple(
            {"name": a.name, "arn": a.arn, "mfa": a.mfa, "via": a.via} for a in users
        ),
        "admin_roles": tuple({"name": a.name, "arn": a.arn, "via": a.via} for a in roles),
        "admin_roles_only_services_assume": service_roles,
        "admin_roles_not_break_glass": tuple(rejected),
    }
    if ctx.report_time:
        evidence["credential_report_generated_at"] = iso(ctx.report_time)
    with_mfa = [a for a in users if a.mfa]
    unknown_mfa = [a for a in users if a.mfa is None]
    manual = (
        "IAM console → Users → Create user (e.g. breakglass-admin) → Attach policies directly → "
        "AdministratorAccess; then Security credentials → Assign MFA device (hardware); seal the "
        "credentials offline and alarm on its sign-in",
        "Or IAM Identity Center → Permission sets → AdministratorAccess, assigned to a small "
        "group with MFA enforced",
    )
    if roles or with_mfa:
        names = [f"user {a.name} (MFA)" for a in with_mfa] + [f"role {a.name}" for a in roles]
        return _step(
            ctx,
            StepId.BREAK_GLASS,
            Status.PASS,
            "administrator besides root: "
            + ", ".join(names[:3])
            + (" …" if len(names) > 3 else ""),
            evidence=evidence,
            **common,
        )
    if unknown_mfa:
        reason = "admin users exist but their MFA is unknown: " + (
            part_missing(ctx.snapshot, Part.CREDENTIAL_REPORT)
            or "they are newer than the credential report"
        )
        return _step(
            ctx, StepId.BREAK_GLASS, Status.UNKNOWN, "", reason=reason, evidence=evidence, **common
        )
    text = (
        "no IAM user or role with administrator access besides root"
        if not users
        else "administrator users have no MFA: " + ", ".join(a.name for a in users)
    )
    return _step(
        ctx, StepId.BREAK_GLASS, Status.FAIL, text, evidence=evidence, manual=manual, **common
    )


def _centralized(ctx: _Ctx) -> Step:
    probe = ctx.extra.organization
    common: dict[str, Any] = {
        "as_of": probe.checked_at,
        "source": "iam:ListOrganizationsFeatures",
        "informational": True,
    }
    enable = (
        "Management account: AWS Organizations console → Services → AWS Identity and Access "
        "Management → Enable trusted access; then IAM console → Root access management → Enable "
        "(Root credentials management and Privileged root actions in member accounts)",
    )
    if probe.unavailable is not None:
        return _step(
            ctx,
            StepId.CENTRALIZED_ROOT_ACCESS,
            Status.UNKNOWN,
            "",
            reason=probe.unavailable.reason,
            **common,
        )
    org = probe.value
    assert org is not None
    evidence: dict[str, EvidenceValue] = {
        "in_organization": org.in_organization,
        "organization_id": org.organization_id,
        "enabled_features": org.root_features,
    }
    if org.root_features is None:
        return _step(
            ctx,
            StepId.CENTRALIZED_ROOT_ACCESS,
            Status.UNKNOWN,
            "in an organization",
            reason=org.note,
            evidence=evidence,
            **common,
        )
    if org.credentials_management:
        sessions = "with" if org.root_sessions else "without"
        return _step(
            ctx,
            StepId.CENTRALIZED_ROOT_ACCESS,
            Status.PASS,
            f"centralized root access enabled for {org.organization_id} ({sessions} root "
            "sessions): member root keys can be deleted from here via sts:AssumeRoot",
            evidence=evidence,
            **common,
        )
    text = (
        "not in an AWS Organization: root keys can only be removed by signing in as root"
        if not org.in_organization
        else f"centralized root access not enabled ({org.note or 'no features enabled'})"
    )
    return _step(
        ctx,
        StepId.CENTRALIZED_ROOT_ACCESS,
        Status.FAIL,
        text,
        evidence=evidence,
        manual=enable if org.in_organization else (),
        **common,
    )
