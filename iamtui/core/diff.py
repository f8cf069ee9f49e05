"""Progress between two snapshots of one account: findings fixed, new and unchanged, principals
added and removed, and the journal entries recorded in between.

Pure: the caller loads the snapshots and the journal and evaluates the rules; this module
compares what it is given and renders it (readable text, versioned JSON). The TUI can call
:func:`compare` with evaluations it already holds.

Findings are matched by identity, never by text (summaries hold ages that change every day):
the rule id, the principal's kind and ARN, and for key findings the credential-report slot, with
the key ids compared too when both sides know them (a key replaced in the same slot is another
key). A rule that was not evaluated on either side cannot say what was fixed or new: its
findings are left out of the three lists and the rule is listed as not compared instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from iamtui.core.durations import duration
from iamtui.core.findings import AccountIndex, Evaluation, Finding, iso
from iamtui.core.journal import Entry
from iamtui.core.model import AccountSnapshot, Missing, Organization
from iamtui.core.output import account_label, finding_json, principal_label
from iamtui.core.text import printable

SCHEMA = "iamtui.diff/1"

#: The kinds of principal compared, in the order they are listed.
PRINCIPAL_KINDS = ("user", "role", "group", "policy", "access-key")

_EPOCH = datetime.fromtimestamp(0, UTC)

#: (rule, principal kind, principal ARN, key slot or 0): a finding's identity across snapshots.
FindingIdentity = tuple[str, str, str, int, str]


class DiffRefused(ValueError):
    """Two snapshots that cannot be compared (another account, or given in the wrong order)."""


@dataclass(frozen=True, slots=True)
class PrincipalRef:
    """A principal (or an access key) present in only one of the two snapshots."""

    kind: str
    name: str
    arn: str
    #: Access keys: the key id when known (``ListAccessKeys`` loaded), else None.
    key_id: str | None = None
    #: Access keys: when the key was created (the credential report's ``last_rotated``).
    created: datetime | None = None

    @property
    def label(self) -> str:
        """``user alice``, ``access-key alice AKIA... (created 2026-05-01T...)``."""
        if self.kind != "access-key":
            return f"{self.kind} {self.name}"
        which = self.key_id or (f"created {iso(self.created)}" if self.created else "?")
        return f"access-key of user {self.name} {which}"


@dataclass(frozen=True, slots=True)
class NotCompared:
    """A rule whose findings are not compared: it did not run on one side (or either)."""

    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class JournalChange:
    """A journal entry recorded between the two captures, for the snapshots' account."""

    id: str
    time: datetime
    action: str
    status: str
    summary: str


@dataclass(frozen=True, slots=True)
class Diff:
    """What changed between ``old`` and ``new`` (both of one account, ``old`` captured first)."""

    old: AccountSnapshot
    new: AccountSnapshot
    fixed: tuple[Finding, ...]
    new_findings: tuple[Finding, ...]
    unchanged: tuple[Finding, ...]
    not_compared: tuple[NotCompared, ...]
    added: tuple[PrincipalRef, ...]
    removed: tuple[PrincipalRef, ...]
    #: Why access keys were not compared (a side with neither a report nor key lists), or None.
    keys_not_compared: str | None
    journal: tuple[JournalChange, ...]

    @property
    def elapsed(self) -> timedelta:
        """Time between the two captures."""
        return self.new.loaded_at - self.old.loaded_at


def check_comparable(old: AccountSnapshot, new: AccountSnapshot) -> None:
    """Refuse (DiffRefused, one line) snapshots of two accounts or given newest first.

    Across accounts every principal would read as added and removed, which says nothing;
    backwards, every fix would read as a new finding.
    """
    if old.account_id != new.account_id:
        raise DiffRefused(
            f"the snapshots are of different accounts ({printable(old.account_id)} and "
            f"{printable(new.account_id)}): compare two snapshots of one account"
        )
    if old.loaded_at > new.loaded_at:
        raise DiffRefused(
            f"OLD was captured after NEW ({iso(old.loaded_at)} > {iso(new.loaded_at)}): "
            "give the older snapshot first"
        )


def finding_identity(finding: Finding) -> FindingIdentity:
    """Rule, subject kind and ARN, key slot, the other accounts it names: the same problem with
    the same thing (a role that trusts another account now is a new finding, not "unchanged")."""
    slot = finding.key.slot if finding.key else 0
    accounts = ",".join(sorted(finding.accounts))
    return (finding.rule, str(finding.principal_kind), finding.principal_arn, slot, accounts)


def _same_key(old: Finding, new: Finding) -> bool:
    """Key ids differ only when both are known: then the slot holds another key."""
    old_id = old.key.key_id if old.key else None
    new_id = new.key.key_id if new.key else None
    return old_id is None or new_id is None or old_id == new_id


def _not_evaluated(evaluation: Evaluation) -> dict[str, str]:
    return {n.rule.id: n.reason for n in evaluation.not_evaluated}


def _not_compared(old: Evaluation, new: Evaluation) -> tuple[NotCompared, ...]:
    """Rules that did not run on a side, in rule order (OLD's reason first)."""
    old_skipped, new_skipped = _not_evaluated(old), _not_evaluated(new)
    order = [n.rule.id for n in (*old.not_evaluated, *new.not_evaluated)]
    found: list[NotCompared] = []
    for rule in dict.fromkeys(order):
        if rule in old_skipped and rule in new_skipped:
            reason = f"not evaluated in either snapshot: {new_skipped[rule]}"
        elif rule in old_skipped:
            reason = f"not evaluated in OLD: {old_skipped[rule]}"
        else:
            reason = f"not evaluated in NEW: {new_skipped[rule]}"
        found.append(NotCompared(rule, reason))
    return tuple(found)


#: Rules whose verdict depends on the account's organization as it was read, not only on IAM.
ORGANIZATION_RULES = ("role.cross-account-trust", "root.no-mfa")


def _organization_changed(old: AccountSnapshot, new: AccountSnapshot) -> str | None:
    """Why findings that depend on the organization cannot be compared (None: they can)."""

    def effective(org: Organization | None) -> Organization | None:
        return org if org is not None and org.in_organization else None  # both mean "none"

    if effective(old.organization) == effective(new.organization):
        return None
    return (
        "the organization was read differently in the two snapshots (loaded, readable or changed), "
        "which alone changes this rule's verdict"
    )


def compare_findings(
    old: Evaluation,
    new: Evaluation,
    organization_changed: str | None = None,
) -> tuple[tuple[Finding, ...], tuple[Finding, ...], tuple[Finding, ...], tuple[NotCompared, ...]]:
    """(fixed, new, unchanged, not compared): fixed are OLD's findings, the others NEW's."""
    skipped = _not_compared(old, new)
    if organization_changed is not None:
        named = {n.rule for n in skipped}
        skipped += tuple(
            NotCompared(rule, organization_changed)
            for rule in ORGANIZATION_RULES
            if rule not in named
        )
    left_out = {n.rule for n in skipped}
    before = {finding_identity(f): f for f in old.findings if f.rule not in left_out}
    after = {finding_identity(f): f for f in new.findings if f.rule not in left_out}
    matched = {
        ident for ident, f in after.items() if ident in before and _same_key(before[ident], f)
    }
    fixed = tuple(f for ident, f in before.items() if ident not in matched)
    added = tuple(f for ident, f in after.items() if ident not in matched)
    unchanged = tuple(f for ident, f in after.items() if ident in matched)
    return fixed, added, unchanged, skipped


def _second(when: datetime) -> datetime:
    return when.replace(microsecond=0)


def access_keys(snapshot: AccountSnapshot) -> dict[tuple[str, datetime], PrincipalRef] | None:
    """Every access key the snapshot knows, by (user ARN, creation second); None: unknown.

    Key lists (``ListAccessKeys``, loaded per user) give ids; the credential report gives, per
    user, the creation time of each key slot in use, which identifies a key without its id.
    """
    report = snapshot.credential_report
    if report is None and not snapshot.details:
        return None
    found: dict[tuple[str, datetime], PrincipalRef] = {}
    users = {u.name: u for u in snapshot.users}
    if report is not None:
        for row in report.rows:
            user = users.get(row.user)
            if user is None or not AccountIndex.is_live(row, user):
                continue
            for key in row.keys:
                created = key.last_rotated
                if isinstance(created, Missing):
                    continue  # an empty slot
                ident = (user.arn, _second(created))
                found[ident] = PrincipalRef("access-key", user.name, user.arn, None, created)
    by_arn = {u.arn: u for u in snapshot.users}
    for detail in snapshot.details.values():
        user = by_arn.get(detail.principal_arn)
        if user is None:
            continue
        for access_key in detail.access_keys:
            ident = (user.arn, _second(access_key.create_date))
            found[ident] = PrincipalRef(
                "access-key", user.name, user.arn, access_key.key_id, access_key.create_date
            )
    return found


def _principals(snapshot: AccountSnapshot) -> dict[tuple[str, str], PrincipalRef]:
    """Users, roles, groups and customer-managed policies by (kind, ARN).

    AWS-managed policies are left out: they appear in a snapshot only while attached, so
    attaching one is not "a policy was added".
    """
    found: dict[tuple[str, str], PrincipalRef] = {}
    for kind, items in (
        ("user", snapshot.users),
        ("role", snapshot.roles),
        ("group", snapshot.groups),
    ):
        for item in items:
            found[(kind, item.arn)] = PrincipalRef(kind, item.name, item.arn)
    for policy in snapshot.policies:
        if not policy.aws_managed:
            found[("policy", policy.arn)] = PrincipalRef("policy", policy.name, policy.arn)
    return found


def _ordered(refs: Iterable[PrincipalRef]) -> tuple[PrincipalRef, ...]:
    rank = {kind: i for i, kind in enumerate(PRINCIPAL_KINDS)}
    return tuple(
        sorted(refs, key=lambda r: (rank[r.kind], r.name.lower(), r.arn, r.created or _EPOCH))
    )


def compare_principals(
    old: AccountSnapshot, new: AccountSnapshot
) -> tuple[tuple[PrincipalRef, ...], tuple[PrincipalRef, ...], str | None]:
    """(added, removed, why keys were not compared or None), by ARN (keys: user and creation)."""
    before, after = _principals(old), _principals(new)
    added = [ref for ident, ref in after.items() if ident not in before]
    removed = [ref for ident, ref in before.items() if ident not in after]
    old_keys, new_keys = access_keys(old), access_keys(new)
    why: str | None = None
    if old_keys is None or new_keys is None:
        side = "OLD" if old_keys is None else "NEW"
        why = f"{side} has no credential report and no key lists"
    else:
        added += [ref for ident, ref in new_keys.items() if ident not in old_keys]
        removed += [ref for ident, ref in old_keys.items() if ident not in new_keys]
    return _ordered(added), _ordered(removed), why


def _entry_time(entry: Entry) -> datetime | None:
    try:
        when = datetime.fromisoformat(entry.time)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def journal_between(
    entries: Iterable[Entry], account_id: str, start: datetime, end: datetime
) -> tuple[JournalChange, ...]:
    """Entries of this account whose time is within [start, end], oldest first.

    An entry whose time cannot be read (a damaged or hand-edited record) is left out.
    """
    found: list[JournalChange] = []
    for entry in entries:
        when = _entry_time(entry)
        if entry.account != account_id or when is None or not start <= when <= end:
            continue
        found.append(
            JournalChange(entry.id, when, entry.action, entry.status_line(), entry.summary)
        )
    return tuple(sorted(found, key=lambda change: change.time))


def compare(
    old: AccountSnapshot,
    new: AccountSnapshot,
    old_evaluation: Evaluation,
    new_evaluation: Evaluation,
    journal: Iterable[Entry] = (),
) -> Diff:
    """Everything that changed from ``old`` to ``new`` (DiffRefused when not comparable).

    The evaluations are the rules run on each snapshot; the CLI evaluates each at its own
    capture time, so a diff of two files is the same whenever it is run.
    """
    check_comparable(old, new)
    fixed, added_findings, unchanged, skipped = compare_findings(
        old_evaluation, new_evaluation, _organization_changed(old, new)
    )
    added, removed, keys_why = compare_principals(old, new)
    return Diff(
        old=old,
        new=new,
        fixed=fixed,
        new_findings=added_findings,
        unchanged=unchanged,
        not_compared=skipped,
        added=added,
        removed=removed,
        keys_not_compared=keys_why,
        journal=journal_between(journal, old.account_id, old.loaded_at, new.loaded_at),
    )


# --- renderings ------------------------------------------------------------------------------


def _finding_line(mark: str, finding: Finding) -> str:
    suppressed = " (suppressed)" if finding.suppressed is not None else ""
    return (
        f"  {mark} {finding.severity.label:<8} {finding.rule}  {principal_label(finding)}: "
        f"{printable(finding.summary)}{suppressed}"
    )


def _section(title: str, lines: Sequence[str]) -> list[str]:
    return [f"{title} ({len(lines)})", *lines] if lines else []


def render_text(
    diff: Diff, *, old_name: str = "OLD", new_name: str = "NEW", journal_name: str | None = None
) -> str:
    """The readable report: a header, then sections with counts and one line per item."""
    lines = [
        f"Changes in {account_label(diff.new)} over {duration(diff.elapsed)}",
        f"  OLD  {printable(old_name)}  captured {iso(diff.old.loaded_at)}",
        f"  NEW  {printable(new_name)}  captured {iso(diff.new.loaded_at)}",
        "",
        f"Findings: {len(diff.fixed)} fixed, {len(diff.new_findings)} new, "
        f"{len(diff.unchanged)} unchanged",
    ]
    lines += _section("Fixed", [_finding_line("-", f) for f in diff.fixed])
    lines += _section("New", [_finding_line("+", f) for f in diff.new_findings])
    lines += _section("Unchanged", [_finding_line("=", f) for f in diff.unchanged])
    lines += _section(
        "Not compared",
        [f"  ? {n.rule}: {printable(n.reason)}" for n in diff.not_compared],
    )
    lines += [
        "",
        f"Principals: {len(diff.added)} added, {len(diff.removed)} removed",
    ]
    lines += _section(
        "Added", [f"  + {printable(r.label)}  {printable(r.arn)}" for r in diff.added]
    )
    lines += _section(
        "Removed", [f"  - {printable(r.label)}  {printable(r.arn)}" for r in diff.removed]
    )
    if diff.keys_not_compared:
        lines.append(f"  access keys not compared: {diff.keys_not_compared}")
    where = f" (journal {printable(journal_name)})" if journal_name else ""
    count = len(diff.journal)
    noun = "entry" if count == 1 else "entries"
    lines += ["", f"Journal: {count} {noun} between the snapshots{where}"]
    lines += [
        printable(f"  {c.id}  {iso(c.time)}  {c.action}  {c.status}  {c.summary}")
        for c in diff.journal
    ]
    return "\n".join(lines) + "\n"


def _principal_json(ref: PrincipalRef) -> dict[str, Any]:
    return {
        "kind": ref.kind,
        "name": ref.name,
        "arn": ref.arn,
        "key_id": ref.key_id,
        "created": iso(ref.created) if ref.created else None,
    }


def _side(snapshot: AccountSnapshot, file: str | None) -> dict[str, Any]:
    return {"file": file, "loaded_at": iso(snapshot.loaded_at), "source": snapshot.source}


def to_json(
    diff: Diff,
    *,
    old_name: str | None = None,
    new_name: str | None = None,
    journal: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``iamtui.diff/1`` document (docs/diff.md); findings use the scan's shape."""
    return {
        "schema": SCHEMA,
        "account": {"id": diff.new.account_id, "alias": diff.new.alias},
        "old": _side(diff.old, old_name),
        "new": _side(diff.new, new_name),
        "elapsed_seconds": int(diff.elapsed.total_seconds()),
        "findings": {
            "counts": {
                "fixed": len(diff.fixed),
                "new": len(diff.new_findings),
                "unchanged": len(diff.unchanged),
            },
            "fixed": [finding_json(f) for f in diff.fixed],
            "new": [finding_json(f) for f in diff.new_findings],
            "unchanged": [finding_json(f) for f in diff.unchanged],
            "not_compared": [{"rule": n.rule, "reason": n.reason} for n in diff.not_compared],
        },
        "principals": {
            "counts": {"added": len(diff.added), "removed": len(diff.removed)},
            "added": [_principal_json(r) for r in diff.added],
            "removed": [_principal_json(r) for r in diff.removed],
            "keys_not_compared": diff.keys_not_compared,
        },
        "journal": {
            **(journal or {}),
            "entries": [
                {
                    "id": c.id,
                    "time": iso(c.time),
                    "action": c.action,
                    "status": c.status,
                    "summary": c.summary,
                }
                for c in diff.journal
            ],
        },
    }
