"""IAM Access Analyzer beside iamtui's verdicts: the lines the finding detail and the review
screen show (the comparison itself is ``core.second_opinion``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from iamtui.core.account_resources import (
    PRINCIPAL_FINDINGS_PAGES,
    AnalyzerReview,
    FindingRecommendation,
    UnusedDetail,
)
from iamtui.core.model import AccountSnapshot, AnalyzerFindingType, ManagedPolicy
from iamtui.core.second_opinion import SecondOpinion, permission_verdict
from iamtui.core.text import plural
from iamtui.core.views.details import VERDICT_TONES, Field
from iamtui.core.views.format import ago, exact


def review_fields(
    second: SecondOpinion, arn: str, *, hint: str = "", offline: bool = False
) -> tuple[Field, ...]:
    """The review's Access Analyzer lines before anything was read on demand: one per opinion
    on this principal, or why there is none."""
    if second.unavailable is not None:
        return (Field("", f"Access Analyzer: {second.unavailable}", "muted"),)
    opinions = second.for_resource(arn)
    lines = [Field(o.finding_type, o.verdict_text(), VERDICT_TONES[o.verdict]) for o in opinions]
    if not lines:
        age = f" ({second.unused_access_age}-day window)" if second.unused_access_age else ""
        lines.append(Field("", f"no ACTIVE unused-access finding{age}", "muted"))
    if hint and not offline:
        lines.append(Field("", hint, "muted"))
    return tuple(lines)


def _detail_line(detail: UnusedDetail, now: datetime) -> Field:
    when = (
        f"last accessed {exact(detail.last_accessed)} ({ago(detail.last_accessed, now)})"
        if detail.last_accessed
        else "never accessed in the window"
    )
    if detail.kind == "permission":
        actions = f"; actions: {', '.join(detail.actions)}" if detail.actions else ""
        return Field(f"  {detail.service or '?'}", f"unused service, {when}{actions}")
    if detail.kind == "access_key":
        return Field("  key", f"{detail.access_key_id or '?'}: {when}")
    return Field(f"  {detail.kind}", when)


#: A recommendation generated before its policy's last change no longer fits that policy.
OUTDATED = "outdated: the policy changed after it was generated (regenerate with A)"


def _recommendation_lines(
    found: FindingRecommendation | str, policies: Sequence[ManagedPolicy]
) -> Iterable[Field]:
    if isinstance(found, str):
        yield Field("  recommend", found, "warn")
        return
    if found.status != "SUCCEEDED":
        yield Field("  recommend", f"{found.status}" + (f": {found.error}" if found.error else ""))
        return
    if found.completed_at is not None:
        yield Field("  generated", exact(found.completed_at))
    changed = found.outdated_by(policies)
    if changed is not None:
        yield Field("  recommend", f"{OUTDATED}; policy updated {exact(changed)}", "warn")
    for step in found.steps:
        policy = step.existing_policy_id or "?"
        what = (
            f"DETACH_POLICY {policy}"
            if step.action == "DETACH_POLICY"
            else f"{step.action} (to replace {policy})"
            if step.existing_policy_id
            else step.action
        )
        yield Field("  recommend", what, "accent")
        if step.policy:
            try:
                text = json.dumps(json.loads(step.policy), indent=1)
            except ValueError:
                text = step.policy
            yield from (Field("", line) for line in text.splitlines())


def read_fields(
    review: AnalyzerReview, now: datetime, snapshot: AccountSnapshot | None = None
) -> tuple[Field, ...]:
    """What was read on demand: each finding with its details, an unused-permission finding
    compared per namespace with the ``snapshot``'s last-accessed data and, once asked, the
    recommendation's steps with the recommended policy."""
    found = review.principal.findings.findings
    if not found:
        none = Field("", "Access Analyzer has no ACTIVE finding on this principal", "muted")
        return (*_gaps(review), none)
    lines: list[Field] = list(_gaps(review))
    for finding in found:
        lines.append(
            Field(
                finding.finding_type,
                f"{finding.finding_id} · updated {exact(finding.updated_at)}",
                "warn",
            )
        )
        details = review.principal.details.get(finding.finding_id, ())
        lines.extend(_detail_line(d, now) for d in details)
        if snapshot is not None and finding.finding_type == AnalyzerFindingType.UNUSED_PERMISSION:
            verdict, why = permission_verdict(
                finding,
                details,
                snapshot.last_accessed.get(finding.resource_arn),
                review.principal.findings.unused_access_age,
                now,
            )
            lines.append(Field("  iamtui", f"{verdict.value}: {why}", VERDICT_TONES[verdict]))
        recommendation = review.recommendations.get(finding.finding_id)
        if recommendation is not None:
            policies = snapshot.policies if snapshot is not None else ()
            lines.extend(_recommendation_lines(recommendation, policies))
    return tuple(lines)


def _gaps(review: AnalyzerReview) -> tuple[Field, ...]:
    """What the findings read could not show: never a silent "no finding"."""
    findings = review.principal.findings
    lines: list[Field] = []
    if findings.unreadable:
        n = findings.unreadable
        lines.append(
            Field("", f"{plural(n, 'finding')} unreadable (a required field was missing)", "warn")
        )
    if not findings.complete:
        lines.append(
            Field(
                "",
                "findings read incomplete: Access Analyzer's pages did not end "
                f"(a repeated page token, or over {PRINCIPAL_FINDINGS_PAGES} pages)",
                "warn",
            )
        )
    return tuple(lines)
