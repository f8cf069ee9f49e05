"""Rendering a root report: Markdown for tickets, plain text for terminals, JSON for scripts.

Pure functions of a :class:`~iamtui.core.root.steps.RootReport`; the report's own ``to_text``,
``to_markdown`` and ``to_json`` call them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from iamtui.core.durations import duration
from iamtui.core.findings import Evidence, EvidenceValue, iso

if TYPE_CHECKING:  # the report types call back into this module: no runtime import
    from iamtui.core.root.steps import RootReport, Step


def ago(now: datetime, when: datetime) -> str:
    """How long before ``now`` (never negative), in words: "3 hours"."""
    delta = max(now - when, timedelta(0))
    return duration(delta)


def _age(now: datetime, when: datetime) -> str:
    """How old data is, for the report ("just now", "3 hours old")."""
    if now - when < timedelta(minutes=1):
        return "just now"
    return f"{ago(now, when)} old"


def _value(value: EvidenceValue) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(_value(v) for v in value) if value else "none"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _evidence_lines(evidence: Evidence) -> Iterable[tuple[str, str]]:
    for key, value in evidence.items():
        if isinstance(value, tuple) and value and all(isinstance(v, Mapping) for v in value):
            for i, item in enumerate(value, 1):
                yield f"{key}[{i}]", _value(item)
        else:
            yield key, _value(value)


def report_text(report: RootReport, *, markdown: bool) -> str:
    """The checklist as Markdown (a ticket, an audit file) or plain text (a terminal)."""
    counts = report.counts()
    name = f"{report.alias} ({report.account_id})" if report.alias else report.account_id
    tally = ", ".join(f"{n} {status.value}" for status, n in counts.items())
    verdict = "hardened" if report.hardened else "not hardened"
    head = [
        f"Account: {name}",
        f"Evaluated: {iso(report.evaluated_at)}; data loaded {iso(report.loaded_at)} "
        f"from {report.source}",
        f"Caller: {report.caller_arn or 'unknown'}",
        f"Result: {verdict}: {tally}",
    ]
    out: list[str] = []
    if markdown:
        out += ["# Root hardening", "", *(f"- {line}" for line in head), ""]
    else:
        out += ["Root hardening", *head, ""]
    for step in report.steps:
        out += _render_step(step, report.evaluated_at, markdown=markdown)
    return "\n".join(out).rstrip() + "\n"


def _render_step(step: Step, now: datetime, *, markdown: bool) -> list[str]:
    # INFO already says it is informational; an unknown one still needs saying.
    info = " (informational)" if step.informational and step.status != "info" else ""
    when = (
        f"as of {iso(step.as_of)} ({_age(now, step.as_of)}), from {step.source}"
        if step.as_of
        else f"no data ({step.source})"
    )
    lines: list[str] = []
    if markdown:
        lines += [
            f"## {step.status.marker} {step.title}{info}",
            "",
            f"`{step.id}`: {step.summary}",
            "",
        ]
        lines += [f"**Evidence** ({when}):", ""]
        lines += [f"- {k}: `{v}`" for k, v in _evidence_lines(step.evidence)] or ["- none"]
        lines += ["", f"**Why:** {step.why}", ""]
        if step.remedies:
            lines += ["**iamtui can:**", ""]
            for r in step.remedies:
                now_text = "available now" if r.available else "not available from this connection"
                lines.append(f"- `{r.action}`: {r.summary}. Applies {r.when}; {now_text}.")
            lines.append("")
        if step.manual:
            lines += ["**Do in AWS:**", ""]
            lines += [f"{i}. {m}" for i, m in enumerate(step.manual, 1)]
            lines.append("")
        return lines
    lines += [f"{step.status.marker} {step.title}{info}  ({step.id})", f"    {step.summary}"]
    lines.append(f"    evidence ({when}):")
    lines += [f"      {k}: {v}" for k, v in _evidence_lines(step.evidence)]
    lines.append(f"    why: {step.why}")
    for r in step.remedies:
        now_text = "available now" if r.available else "not available from this connection"
        lines.append(f"    iamtui can: {r.action}: {r.summary}; applies {r.when}; {now_text}")
    lines += [f"    do in AWS: {m}" for m in step.manual]
    lines.append("")
    return lines


def _json_value(value: EvidenceValue) -> Any:
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def _step_json(step: Step) -> dict[str, Any]:
    return {
        "id": step.id.value,
        "title": step.title,
        "status": step.status.value,
        "informational": step.informational,
        "summary": step.summary,
        "reason": step.reason,
        "why": step.why,
        "as_of": iso(step.as_of) if step.as_of else None,
        "source": step.source,
        "evidence": _json_value(step.evidence),
        "remedies": [
            {
                "action": r.action.value,
                "summary": r.summary,
                "when": r.when,
                "available": r.available,
                "reversible": r.reversible,
                "params": _json_value(r.params),
            }
            for r in step.remedies
        ],
        "manual": list(step.manual),
    }


def report_json(report: RootReport) -> dict[str, Any]:
    """JSON-able data (dates ISO 8601 UTC)."""
    return {
        "account_id": report.account_id,
        "alias": report.alias,
        "evaluated_at": iso(report.evaluated_at),
        "loaded_at": iso(report.loaded_at),
        "source": report.source,
        "caller_arn": report.caller_arn,
        "hardened": report.hardened,
        "counts": {status.value: n for status, n in report.counts().items()},
        "steps": [_step_json(s) for s in report.steps],
    }
