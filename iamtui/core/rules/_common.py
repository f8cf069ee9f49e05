"""What several rule modules share: practices they cite, credential-report key slots, fixes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from iamtui.core.findings import (
    Context,
    Coverage,
    Evidence,
    EvidenceValue,
    Finding,
    KeyRef,
    Practice,
    report_value,
)
from iamtui.core.ids import ActionId
from iamtui.core.model import (
    CredentialReportRow,
    Missing,
    PrincipalDetail,
    ReportKey,
    ReportText,
    Role,
    User,
)
from iamtui.core.policy import PolicySource
from iamtui.core.subjects import (
    AttachmentSubject,
    Fix,
    InlinePolicySubject,
    KeySubject,
    MembershipSubject,
    PrincipalSubject,
    PrincipalType,
)

REMOVE_UNUSED = Practice(
    "Remove unused credentials",
    "Regularly review and remove unused users, roles, permissions, policies and credentials: "
    "what nobody uses can only be abused.",
)
ROTATE_KEYS = Practice(
    "Rotate access keys regularly",
    "Where long-term keys are unavoidable, rotating them limits how long a leaked key works.",
)
TEMPORARY_CREDENTIALS = Practice(
    "Use temporary credentials",
    "Workloads should use IAM roles and humans federation, so no long-lived secret can leak.",
)
REQUIRE_MFA = Practice(
    "Require MFA",
    "A password alone is one phishing email away from an account takeover.",
)
USE_GROUPS = Practice(
    "Grant permissions through groups and roles",
    "Group and role permissions are reviewed once and apply uniformly; per-user grants drift.",
)
LEAST_PRIVILEGE = Practice(
    "Apply least-privilege permissions",
    "Grant only what a task needs, so a compromised principal can do little.",
)
VERIFY_EXTERNAL_ACCESS = Practice(
    "Verify public and cross-account access",
    "Every outside principal that can assume a role must be intended and pinned by a condition.",
)
PROTECT_ROOT = Practice(
    "Protect the root user",
    "Root can do everything and IAM cannot restrict it: give it MFA, no access keys, and do not "
    "use it for daily work.",
)
PASSWORD_POLICY = Practice(
    "Configure a strong password policy",
    "CIS AWS Foundations asks for at least 14 characters and no reuse of the last 24 passwords.",
)

PREPARE_INCIDENTS = Practice(
    "Prepare for incidents",
    "CIS asks for a role that may open AWS Support cases, so an incident never waits on "
    "someone with root or administrator access.",
)


def report_coverage(ctx: Context) -> Coverage:
    """Users created after the credential report have no row: say how many were checked."""
    return Coverage(
        ctx.rule.id,
        len(ctx.index.live_rows),
        len(ctx.snapshot.users),
        "users in the credential report",
    )


def text_value(value: ReportText) -> str:
    """A credential-report region/service as evidence."""
    return value.value if isinstance(value, Missing) else value


@dataclass(frozen=True, slots=True)
class Slot:
    """One existing access key of a live user, as its credential-report slot describes it."""

    user: User
    row: CredentialReportRow
    number: int
    key: ReportKey


def key_slots(ctx: Context) -> Iterator[Slot]:
    """Slots holding a key (active, or inactive with a creation date) of users that still exist."""
    for row, user in ctx.index.live_rows:
        for number, key in enumerate(row.keys, start=1):
            if key.active or isinstance(key.last_rotated, datetime):
                yield Slot(user, row, number, key)


def match_key_id(detail: PrincipalDetail | None, row: CredentialReportRow, slot: int) -> str | None:
    """The access key id behind a report slot, when ListAccessKeys data says so unambiguously.

    Matching assumption: a slot's ``last_rotated`` is its key's CreateDate, and the report fills
    slots in creation order (slot 1 holds the older key). So we first take the one key whose
    CreateDate equals ``last_rotated`` (to the second); failing that, the N-th key by CreateDate
    where N is the slot's rank among the slots in use, but only when the user has exactly that
    many keys. A key created or deleted after the report therefore yields None, not a wrong id.
    """
    if detail is None:
        return None
    rotated = row.keys[slot - 1].last_rotated
    if isinstance(rotated, datetime):
        same = [
            k for k in detail.access_keys if abs(k.create_date - rotated) < timedelta(seconds=1)
        ]
        if len(same) == 1:
            return same[0].key_id
    in_use = [
        n for n, k in enumerate(row.keys, 1) if k.active or isinstance(k.last_rotated, datetime)
    ]
    keys = sorted(detail.access_keys, key=lambda k: k.create_date)
    if slot in in_use and len(keys) == len(in_use):
        return keys[in_use.index(slot)].key_id
    return None


def key_ref(ctx: Context, slot: Slot) -> KeyRef:
    """The finding's key: report slot plus the matched key id, if any."""
    detail = ctx.snapshot.details.get(slot.user.arn)
    return KeyRef(slot.number, match_key_id(detail, slot.row, slot.number))


def key_evidence(slot: Slot, ref: KeyRef) -> Evidence:
    """The report's exact values for one key."""
    return {
        "key_slot": slot.number,
        "key_id": ref.key_id,
        "active": slot.key.active,
        "last_rotated": report_value(slot.key.last_rotated),
        "last_used": report_value(slot.key.last_used),
        "last_used_region": text_value(slot.key.last_used_region),
        "last_used_service": text_value(slot.key.last_used_service),
    }


# --- fixes -----------------------------------------------------------------------------------


def principal_type(principal: User | Role) -> PrincipalType:
    """The subject kind of a user or role."""
    return "user" if isinstance(principal, User) else "role"


def key_fixes(user: User, ref: KeyRef, *actions: ActionId) -> tuple[Fix, ...]:
    """Each action on one key: its report slot, and its id when matched."""
    return tuple(Fix(a, KeySubject(user.name, ref.key_id, ref.slot)) for a in actions)


def key_finding(
    ctx: Context, slot: Slot, summary: str, *actions: ActionId, **extra: EvidenceValue
) -> Finding:
    """A finding about one key: its reference, the key's evidence plus ``extra``, its fixes."""
    ref = key_ref(ctx, slot)
    evidence: Evidence = {**key_evidence(slot, ref), **extra}
    fixes = key_fixes(slot.user, ref, *actions)
    return ctx.finding(slot.user, summary, evidence=evidence, fixes=fixes, key=ref)


def principal_fixes(principal: User | Role, *actions: ActionId) -> tuple[Fix, ...]:
    """Each action on a whole user or role."""
    kind = principal_type(principal)
    return tuple(Fix(a, PrincipalSubject(kind, principal.name)) for a in actions)


def grant_fixes(principal: User | Role, sources: Iterable[PolicySource]) -> tuple[Fix, ...]:
    """The action that removes each grant where it comes from, named as it runs.

    A managed policy is detached (``policy.detach``), an inline one deleted
    (``policy.delete-inline``), a group's grant removed by leaving the group
    (``group.remove-user``, once per group). Order: attachments, inline policies, then groups
    by name.
    """
    kind = principal_type(principal)
    attached: list[Fix] = []
    inline: list[Fix] = []
    groups: set[str] = set()
    for source in sources:
        if source.via_group:
            groups.add(source.via_group)
        elif source.arn is not None:
            subject = AttachmentSubject(kind, principal.name, source.arn)
            attached.append(Fix(ActionId.POLICY_DETACH, subject))
        else:
            named = InlinePolicySubject(kind, principal.name, source.name)
            inline.append(Fix(ActionId.POLICY_DELETE_INLINE, named))
    members = [
        Fix(ActionId.GROUP_REMOVE_USER, MembershipSubject(principal.name, group))
        for group in sorted(groups)
    ]
    return tuple(dict.fromkeys([*attached, *inline, *members]))
