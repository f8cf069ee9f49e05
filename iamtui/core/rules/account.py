"""Account-wide services that watch IAM: IAM Access Analyzer (CIS 1.20)."""

from __future__ import annotations

from collections.abc import Iterator

from iamtui.core.findings import Context, Evidence, Finding, Rule, Severity, rule
from iamtui.core.model import Part
from iamtui.core.rules._common import VERIFY_EXTERNAL_ACCESS

#: An ORGANIZATION analyzer lives in the management or delegated-admin account, and a member's
#: ListAnalyzers does not list it (IAM User Guide, "Settings for IAM Access Analyzer").
ORGANIZATION_CAVEAT = (
    "a member account may be covered by an organization analyzer in its management or "
    "delegated-administrator account, which the member's ListAnalyzers does not list: "
    "`iamtui scan --org` from that account sees it"
)


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
    org = ctx.snapshot.organization
    caveat = {"caveat": ORGANIZATION_CAVEAT} if org is None or org.in_organization else {}
    evidence: Evidence = {"region": state.region, "other_analyzers": others, **caveat}
    summary = f"no active account or organization analyzer in {state.region}"
    yield ctx.finding(ctx.account(), summary, evidence=evidence)


RULES: tuple[Rule, ...] = (access_analyzer_disabled,)
