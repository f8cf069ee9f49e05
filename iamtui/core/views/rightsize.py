"""The review screen's "Right-sizing" section: what ``rightsize.propose`` would do, in words
and as a document diff, computed from the snapshot so the screen only draws it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from iamtui.core.model import AccountSnapshot, LastAccessed, Role, User
from iamtui.core.policy import document_diff
from iamtui.core.rightsize import (
    Method,
    Proposal,
    Rewrite,
    customer_policy_names,
    grants_of,
    options_from,
    propose,
)
from iamtui.core.settings import Settings
from iamtui.core.views.details import Field
from iamtui.core.views.format import exact

#: How each method reads on screen (the action's plan names the calls).
METHOD_TEXT: dict[Method, str] = {
    Method.NEW_VERSION: "new version",
    Method.REPLACE_INLINE: "replace inline",
    Method.DELETE_INLINE: "delete inline (nothing left to grant)",
    Method.COPY_AND_DETACH: "copy and detach",
    Method.DETACH: "detach (nothing left to grant)",
    Method.KEEP: "keep",
    Method.CANNOT: "cannot",
}
METHOD_TONE: dict[Method, str] = {
    Method.KEEP: "muted",
    Method.CANNOT: "warn",
}


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a unified diff, with the tone it is drawn in (added, removed, header)."""

    text: str
    tone: str


@dataclass(frozen=True, slots=True)
class RightsizeView:
    """The proposal for the reviewed principal, as lines to draw."""

    proposal: Proposal
    #: One line per policy (method, dropped services and actions, notes), then the limits.
    fields: tuple[Field, ...]
    #: Each changed policy's current document against the proposed one.
    diff: tuple[DiffLine, ...]
    #: Service namespaces a rewrite that changes something drops (the access table marks them).
    dropped: frozenset[str]
    #: The section title's word when it does not apply: "refused", "nothing to apply" (each
    #: policy says why not), "nothing to drop"; "" when it applies.
    verdict: str = ""

    @property
    def applies(self) -> bool:
        """True when applying it changes anything (not refused, something to drop)."""
        return not self.proposal.refused and bool(self.proposal.changes)


def build(
    principal: User | Role,
    snapshot: AccountSnapshot,
    data: LastAccessed,
    *,
    now: datetime,
    settings: Settings,
) -> RightsizeView:
    """Propose from the snapshot's policies and last-accessed data, then describe it."""
    grants = grants_of(principal, snapshot)
    proposal = propose(
        principal,
        grants,
        data,
        now=now,
        options=options_from(settings),
        settings=settings,
        taken_names=customer_policy_names(snapshot),
    )
    return describe(proposal)


def describe(proposal: Proposal) -> RightsizeView:
    """A proposal in words (the refusal plainly, else each policy's method) and its diff."""
    lines: list[Field] = []
    window = proposal.options.window_days
    if proposal.data_completed_at is not None:
        lines.append(
            Field(
                "Evidence",
                f"last-accessed data from {exact(proposal.data_completed_at)}, "
                f"unused for {window} days is dropped",
                "muted",
            )
        )
    if proposal.refused:
        lines.append(Field("Refused", proposal.refused, "bad"))
        return RightsizeView(proposal, tuple(lines), (), frozenset(), "refused")
    if proposal.unused_services:
        lines.append(Field("Unused", ", ".join(proposal.unused_services), "warn"))
    for rewrite in proposal.rewrites:
        lines.extend(_rewrite_fields(rewrite))
    for problem in proposal.problems:
        lines.append(Field("Limit", problem, "bad"))
    verdict = ""
    if any(r.method is Method.CANNOT for r in proposal.rewrites) and not proposal.changes:
        verdict = "nothing to apply"
        lines.append(Field("", "Nothing iamtui can apply: each policy above says why.", "warn"))
    elif not proposal.changes:
        verdict = "nothing to drop"
        lines.append(Field("", "Nothing to drop: every granted service was used.", "ok"))
    diff = tuple(line for rewrite in proposal.changes for line in rewrite_diff(rewrite))
    dropped = frozenset(s for r in proposal.changes for s in r.dropped_services)
    return RightsizeView(proposal, tuple(lines), diff, dropped, verdict)


def _rewrite_fields(rewrite: Rewrite) -> list[Field]:
    """``inline  EtlPipeline: replace inline``, then what it drops and the engine's notes."""
    grant = rewrite.grant
    method = METHOD_TEXT[rewrite.method]
    if rewrite.reason and rewrite.method in (Method.CANNOT, Method.KEEP):
        method += f": {rewrite.reason}"
    elif rewrite.method is Method.COPY_AND_DETACH and not grant.aws_managed:
        method += _shared(rewrite)
    where = f" (via group {grant.via_group})" if grant.via_group else ""
    kind = "AWS managed" if grant.aws_managed else grant.kind
    value = f"{grant.name}{where}: {method}"
    out = [Field(kind, value, METHOD_TONE.get(rewrite.method, "accent"))]
    if rewrite.dropped_services:
        out.append(Field("  drops", ", ".join(rewrite.dropped_services), "warn"))
    if rewrite.dropped_actions:
        out.append(Field("  drops actions", ", ".join(rewrite.dropped_actions), "warn"))
    out.extend(Field("  note", note, "muted") for note in rewrite.notes)
    return out


def _shared(rewrite: Rewrite) -> str:
    """Who else a shared policy's attachment reaches (it is left as it is for them)."""
    others = len(rewrite.grant.attached_to) - 1
    return f" (attached to {others} other{'s' if others != 1 else ''})" if others > 0 else ""


def _policy_label(rewrite: Rewrite) -> str:
    grant = rewrite.grant
    where = f" via {grant.via_group}" if grant.via_group else ""
    return f"{grant.kind} {grant.name}{where}"


def rewrite_diff(rewrite: Rewrite) -> list[DiffLine]:
    """The rewrite as a unified diff of indented JSON (removed whole when nothing is left)."""
    label = _policy_label(rewrite)
    if rewrite.method is Method.COPY_AND_DETACH:
        target = f"copy {rewrite.new_policy_name}" if rewrite.new_policy_name else "copy"
    elif rewrite.document is None:
        target = "removed"
    else:
        target = "proposed"
    out: list[DiffLine] = []
    for text in document_diff(
        rewrite.grant.document or {},
        rewrite.document,
        f"{label} (current)",
        f"{label} ({target})",
        context=3,
    ):
        if text.startswith(("---", "+++")):
            tone = "accent"
        elif text.startswith("@@"):
            tone = "primary"
        elif text.startswith("+"):
            tone = "ok"
        elif text.startswith("-"):
            tone = "bad"
        else:
            tone = "muted"
        out.append(DiffLine(text, tone))
    return out
