"""A usage report ("who uses this credential") as labelled lines: the review, the plan preview
and ``iamtui usage`` all show these, so the window and the caveats read the same everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from iamtui.core.text import plural, printable
from iamtui.core.usage import TOP, LastUse, Tally, TargetKind, UsageReport
from iamtui.core.views.details import Field
from iamtui.core.views.format import ago, exact

#: What "sessions" are for each kind of target.
SESSION_LABELS = {
    TargetKind.ROLE: "Session names",
    TargetKind.USER: "Access keys used",
    TargetKind.KEY: "Sessions",
}


def _window(report: UsageReport) -> str:
    return (
        f"last {plural(report.days, 'day')} ({report.start:%Y-%m-%d %H:%M} to "
        f"{report.end:%Y-%m-%d %H:%M} UTC), management events in {report.region} "
        f"(CloudTrail event history is regional; --region picks it)"
    )


def _tally(items: Sequence[Tally]) -> str:
    shown = ", ".join(f"{t.value} ({t.count})" for t in items[:TOP])
    more = len(items) - TOP
    return shown + (f" and {more} more" if more > 0 else "")


def _use(item: LastUse, now: datetime) -> str:
    if item.when is None:  # GetUser tells no password and a password never used apart
        return f"{item.what}: none recorded"
    where = " · ".join(p for p in (item.service, item.region) if p)
    return f"{item.what}: {exact(item.when)} ({ago(item.when, now)})" + (
        f" · {where}" if where else ""
    )


def usage_fields(report: UsageReport, now: datetime) -> tuple[Field, ...]:
    """The report as label / value / tone lines (tones: warn for unknowns, bad for none)."""
    lines = [
        Field("Who uses", report.target.label),
        Field("Window", _window(report), "muted"),
        Field("Looked up", f"LookupEvents {report.lookup}", "muted"),
    ]
    if not report.available:
        lines.append(Field("CloudTrail", f"unavailable: {report.unavailable}", "warn"))
        lines.append(
            Field("", "Unknown, not unused: the IAM last-used data below is all there is.", "warn")
        )
    elif report.events == 0:
        what = "sessions started" if report.target.kind is TargetKind.ROLE else "events"
        lines.append(
            Field(
                "Events",
                f"no {what} in this window and region: not proof of no use (other regions, "
                "data events and calls older than the window are not in it)",
                "warn",
            )
        )
    else:
        count = plural(report.events, "event")
        if report.target.kind is TargetKind.ROLE:
            count = f"{plural(report.events, 'session')} started"
        if report.truncated:
            count += (
                f" in the newest {plural(report.pages, 'page')} (truncated: older ones not read)"
            )
        lines.append(Field("Events", count, "warn" if report.truncated else ""))
        lines.append(
            Field(
                "First seen", f"{exact(report.first_seen)} ({ago(report.first_seen, report.end)})"
            )
        )
        lines.append(
            Field("Last seen", f"{exact(report.last_seen)} ({ago(report.last_seen, report.end)})")
        )
        callers = "Assumed by" if report.target.kind is TargetKind.ROLE else "Callers"
        for label, items in (
            ("Calls", report.calls),
            (callers, report.callers),
            (SESSION_LABELS[report.target.kind], report.sessions),
            ("Source IPs", report.source_ips),
            ("User agents", report.user_agents),
            ("Regions", report.regions),
        ):
            if items:
                lines.append(Field(label, _tally(items)))
    if report.stopped:
        lines.append(Field("Paging", report.stopped, "warn"))
    if report.other_note:
        lines.append(Field("Left out", report.other_note, "muted"))
    if report.last_used:
        for n, item in enumerate(report.last_used):
            lines.append(Field("Last used (IAM)" if n == 0 else "", _use(item, now)))
    else:
        note = report.last_used_note or "not read"
        lines.append(Field("Last used (IAM)", f"unavailable: {note}", "warn"))
    lines.append(
        Field(
            "Cost",
            f"{plural(report.requests, 'request')} ({plural(report.pages, 'LookupEvents page')})",
            "muted",
        )
    )
    return tuple(lines)


def lookup_fields(reports: Sequence[UsageReport], error: str, now: datetime) -> tuple[Field, ...]:
    """What a review or a plan preview shows once a lookup ends: the reports' lines, or why it
    failed."""
    if error:
        return (Field("", f"Could not read usage: {error}", "bad"),)
    return tuple(f for r in reports for f in usage_fields(r, now))


def usage_text(report: UsageReport, now: datetime) -> str:
    """The report as plain ``label: value`` lines (``iamtui usage``)."""
    out = []
    for line in usage_fields(report, now):
        # CloudTrail values (user agents, addresses) are chosen by whoever used the credential.
        label, value = printable(line.label), printable(line.value)
        out.append(f"{label}: {value}" if label else f"  {value}")
    return "\n".join(out) + "\n"
