"""Privilege escalation: principals that are not administrators but can make themselves one
(``core/escalation.py`` finds the paths; no calls beyond authorization details)."""

from __future__ import annotations

from collections.abc import Iterator

from iamtui.core.escalation import EscalationPath, analysis, path_lines
from iamtui.core.findings import Context, Evidence, EvidenceValue, Finding, Rule, Severity, rule
from iamtui.core.model import AccountSnapshot, Part, Role, User
from iamtui.core.rules._common import LEAST_PRIVILEGE, grant_fixes

#: Paths listed in a finding's evidence; the rest are counted (``paths_total``).
SHOWN_PATHS = 10


def path_evidence(path: EscalationPath) -> Evidence:
    """One path as evidence: the technique, what it gains, each step and what may block it."""
    steps: tuple[EvidenceValue, ...] = tuple(
        {
            "action": s.action,
            "resource": s.resource,
            "policy": s.policy,
            "statement": s.statement,
            "condition": s.condition,
        }
        for s in path.steps
    )
    return {
        "technique": path.technique.name,
        "target": path.target,
        "gains": path.gains,
        "conditional": path.conditional,
        "conditions": path.conditions,
        "steps": steps,
        "source": path.technique.source,
    }


def _owned(ctx: Context) -> list[User | Role]:
    """Service-linked and Identity Center roles are AWS's to manage."""
    return _owned_in(ctx.snapshot)


def _owned_in(snapshot: AccountSnapshot) -> list[User | Role]:
    roles = [r for r in snapshot.roles if not (r.service_linked or r.sso_reserved)]
    return [*snapshot.users, *roles]


@rule(
    "permissions.privilege-escalation",
    "Can become administrator",
    practice=LEAST_PRIVILEGE,
    severity=Severity.HIGH,
    needs=[Part.AUTHORIZATION_DETAILS],
    reads_principals=True,
)
def privilege_escalation(ctx: Context) -> Iterator[Finding]:
    """A principal one known step away from administrator is an administrator in waiting.

    Paths go through other principals (an admin role it may assume or pass, an admin user's
    keys), so a change to any principal re-runs the rule (``reads_principals``). Only
    principals that are not administrators already are reported (``policy.admin-access`` and
    ``policy.effective-admin`` cover those); a path that needs a condition iamtui cannot prove
    is reported one severity lower, with the conditions in its evidence.
    """
    found = analysis(ctx.snapshot)
    for principal in _owned(ctx):
        paths = found.paths(principal)
        if not paths:
            continue
        ordered = sorted(paths, key=lambda p: p.conditional)  # stable: catalogue order within
        first = ordered[0]
        unconditional = not first.conditional
        more = f" (+{len(ordered) - 1} more)" if len(ordered) > 1 else ""
        when = "" if unconditional else " if conditions hold"
        summary = f"can become administrator{when} via {first.technique.name}: {first.gains}{more}"
        evidence: Evidence = {
            "paths": tuple(path_evidence(p) for p in ordered[:SHOWN_PATHS]),
            "paths_total": len(ordered),
            "conditional": not unconditional,
            "permissions_boundary": principal.permissions_boundary,
        }
        fixes = grant_fixes(principal, (s for p in ordered for s in p.sources))
        severity = None if unconditional else Severity.MEDIUM
        yield ctx.finding(principal, summary, evidence=evidence, fixes=fixes, severity=severity)


RULES: tuple[Rule, ...] = (privilege_escalation,)


def readable_paths(snapshot: AccountSnapshot, finding: Finding) -> tuple[tuple[str, str, str], ...]:
    """An escalation finding's paths as numbered steps (``escalation.path_lines``), from the
    snapshot it was found in, for the detail pane and markdown (its ``paths`` evidence is JSON
    for machines); empty for other findings or a principal no longer in the snapshot."""
    if finding.rule != privilege_escalation.id:
        return ()
    principal = next(
        (p for p in _owned_in(snapshot) if p.arn == finding.principal_arn),
        None,
    )
    return path_lines(analysis(snapshot).paths(principal)) if principal is not None else ()
