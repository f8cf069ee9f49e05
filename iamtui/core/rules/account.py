"""Account-wide services that watch IAM: IAM Access Analyzer (CIS 1.20)."""

from __future__ import annotations

from collections.abc import Iterator

from iamtui.core.findings import Context, Evidence, Finding, Rule, Severity, rule
from iamtui.core.model import Part
from iamtui.core.rules._common import VERIFY_EXTERNAL_ACCESS


@rule(
    "account.access-analyzer-disabled",
    "IAM Access Analyzer not enabled in the region",
    practice=VERIFY_EXTERNAL_ACCESS,
    severity=Severity.LOW,
    needs=[Part.ACCESS_ANALYZER],
)
def access_analyzer_disabled(ctx: Context) -> Iterator[Finding]:
    """Without an external-access analyzer nobody is told when a resource is shared outside."""
    state = ctx.snapshot.access_analyzer
    if state is None or any(a.watches_external_access for a in state.analyzers):
        return
    others = tuple(sorted(f"{a.name} ({a.type}, {a.status})" for a in state.analyzers))
    evidence: Evidence = {"region": state.region, "other_analyzers": others}
    summary = f"no active account or organization analyzer in {state.region}"
    yield ctx.finding(ctx.account(), summary, evidence=evidence)


RULES: tuple[Rule, ...] = (access_analyzer_disabled,)
