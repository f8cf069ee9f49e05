"""The Findings pane: every finding, grouped by severity and rule, then rules not run."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection
from dataclasses import replace
from itertools import compress
from operator import attrgetter, is_, not_
from typing import TYPE_CHECKING

from iamtui.core.findings import (
    Finding,
    FindingOrder,
    NotEvaluated,
    PrincipalKind,
    Severity,
    finding_order,
)
from iamtui.core.model import Role, User
from iamtui.core.rules import ALL_RULES
from iamtui.core.views.format import severity_cell, tags_text
from iamtui.core.views.table import Cell, Column, GroupSpec, Pane, PaneView, Row, RowKind, cells

if TYPE_CHECKING:
    from iamtui.core.views.panes import Views

SEVERITY_GROUP_ORDER = {s: 10 - int(s) for s in Severity}
_RULE_ORDER = {r.id: i for i, r in enumerate(ALL_RULES)}
_TITLES = {r.id: r.title for r in ALL_RULES}
_KIND_LABEL = {
    PrincipalKind.USER: "user",
    PrincipalKind.ROLE: "role",
    PrincipalKind.GROUP: "group",
    PrincipalKind.POLICY: "policy",
    PrincipalKind.ROOT: "root",
    PrincipalKind.ACCOUNT: "account",
    PrincipalKind.MFA_DEVICE: "MFA",
    PrincipalKind.SERVER_CERTIFICATE: "cert",
    PrincipalKind.INSTANCE_PROFILE: "profile",
    PrincipalKind.IDENTITY_PROVIDER: "IdP",
}


def _principal(f: Finding) -> Cell:
    text = f.principal_name if f.key is None else f"{f.principal_name} · key {f.key.slot}"
    return Cell(text, f.principal_name.lower())


def _summary(f: Finding) -> Cell:
    summary = f.summary
    if f.suppressed is not None:
        until = f" until {f.suppressed.expires}" if f.suppressed.expires else ""
        summary = f"suppressed{until}: {f.suppressed.reason} — {summary}"
    return Cell(summary, f.summary.lower())


FINDING_COLUMNS = (
    Column(
        "severity", "Severity", max_width=10,
        get=lambda f: Cell(severity_cell(f.severity), float(f.severity), f.severity.label),
    ),
    Column("principal", "Principal", max_width=34, get=_principal),
    Column(
        "kind", "Type", max_width=7,
        get=lambda f: Cell(_KIND_LABEL[f.principal_kind], _KIND_LABEL[f.principal_kind], "muted"),
    ),
    Column("summary", "Finding", max_width=120, min_width=20, flex=True, get=_summary),
)  # fmt: skip

#: The same columns for a rule that could not run (a note row at the end of the pane).
_NOT_EVALUATED_COLUMNS = tuple(
    replace(column, get=get)
    for column, get in zip(
        FINDING_COLUMNS,
        (
            lambda n: Cell("—", None, "muted"),
            lambda n: Cell(n.rule.title, n.rule.title.lower(), "muted"),
            lambda n: Cell("rule", "rule", "muted"),
            lambda n: Cell(f"not evaluated: {n.reason}", n.reason.lower(), "muted"),
        ),
        strict=True,
    )
)

_NOT_EVALUATED_GROUP = GroupSpec(
    "not-evaluated", (99, 0), "NOT EVALUATED  rules that could not run", "muted", unit="rule"
)


def _group(f: Finding) -> GroupSpec:
    gkey = f"{f.severity.label}:{f.rule}"
    return GroupSpec(
        gkey,
        (SEVERITY_GROUP_ORDER[f.severity], _RULE_ORDER.get(f.rule, 999)),
        f"{severity_cell(f.severity)}  {f.rule} — {_TITLES.get(f.rule, f.rule)}",
        f.severity.label,
    )


def _tags(v: Views, arn: str) -> str:
    p = v.by_arn.get(arn)
    return tags_text(p.tags) if isinstance(p, User | Role) else ""


def finding_row(f: Finding, tags: str) -> Row:
    """One finding's row; ``tags`` (the principal's) make it findable by tag."""
    texts, sort, tones = cells(FINDING_COLUMNS, f)
    search = " ".join(
        (
            f.severity.label,
            f.rule,
            _TITLES.get(f.rule, ""),
            f.principal_name,
            f.principal_arn,
            texts[2],
            f.summary,
            tags,
            f.key.key_id or "" if f.key else "",
            "suppressed" if f.suppressed else "",
        )
    ).lower()
    return Row(
        key=f"finding:{f.id}",
        ident=f"{f.principal_name.lower()}\0{f.principal_arn}\0{f.rule}\0{f.id}",
        kind=RowKind.FINDING,
        cells=texts,
        sort=sort,
        search=search,
        tones=tones,
        dim=f.suppressed is not None,
        group=f"{f.severity.label}:{f.rule}",
        data=f,
    )


def not_evaluated_row(skipped: NotEvaluated) -> Row:
    """A rule that could not run, with why, in the pane's last section."""
    texts, sort, tones = cells(_NOT_EVALUATED_COLUMNS, skipped)
    return Row(
        key=f"not-evaluated:{skipped.rule.id}",
        kind=RowKind.NOT_EVALUATED,
        cells=texts,
        sort=sort,
        search=f"{skipped.rule.id} {skipped.rule.title} not evaluated {skipped.reason}".lower(),
        tones=tones,
        dim=True,
        group="not-evaluated",
        data=skipped,
    )


def _assemble(v: Views, rows: list[Row], groups: dict[str, GroupSpec]) -> PaneView:
    if v.evaluation.not_evaluated:
        groups["not-evaluated"] = _NOT_EVALUATED_GROUP
        rows.extend(not_evaluated_row(n) for n in v.evaluation.not_evaluated)
    return PaneView(Pane.FINDINGS, FINDING_COLUMNS, tuple(rows), groups)


def build(v: Views) -> PaneView:
    """Every finding in evaluation order (worst first), each in its severity-and-rule section."""
    groups: dict[str, GroupSpec] = {}
    rows: list[Row] = []
    tag_text: dict[str, str] = {}
    for f in v.evaluation.findings:
        row = finding_row(f, _cached(v, tag_text, f))
        if row.group not in groups:
            groups[row.group] = _group(f)
        rows.append(row)
    return _assemble(v, rows, groups)


def _cached(v: Views, tag_text: dict[str, str], f: Finding) -> str:
    found = tag_text.get(f.principal_arn)
    if found is None:
        found = tag_text[f.principal_arn] = _tags(v, f.principal_arn)
    return found


class Unpatchable(Exception):
    """The evaluation changed beyond the given principals: the pane must be built afresh."""


def patch(
    v: Views, old: PaneView, scope: Collection[str]
) -> tuple[PaneView, list[Row], list[Row]] | None:
    """The pane after the findings about ``scope`` changed; every other row object is kept.

    Raises Unpatchable when findings about other principals changed too (a rule re-ran in
    full), which the rows kept would not show.
    """
    findings = v.evaluation.findings
    count = len(old.rows)
    while count and old.rows[count - 1].kind is RowKind.NOT_EVALUATED:
        count -= 1
    rows, notes = old.rows[:count], old.rows[count:]
    inside = list(map(scope.__contains__, map(_ROW_ARN, rows)))
    keep = list(compress(rows, map(not_, inside)))
    removed = list(compress(rows, inside))
    order = finding_order(ALL_RULES)
    fresh = sorted((f for arn in scope for f in v.by_principal.get(arn, ())), key=order)
    tag_text: dict[str, str] = {}
    added = [finding_row(f, _cached(v, tag_text, f)) for f in fresh]
    for f, row in zip(fresh, added, strict=True):
        keep.insert(bisect.bisect_right(keep, order(f), key=_order(order)), row)
    if len(keep) != len(findings) or not all(map(is_, map(_DATA, keep), findings)):
        raise Unpatchable("findings of other principals changed")
    same_notes = [(n.rule.id, n.reason) for n in v.evaluation.not_evaluated] == [
        (r.data.rule.id, r.data.reason) for r in notes if isinstance(r.data, NotEvaluated)
    ]
    if not added and not removed and same_notes:
        return None
    groups = dict(old.groups)
    groups.pop(_NOT_EVALUATED_GROUP.key, None)
    for f, row in zip(fresh, added, strict=True):
        if row.group not in groups:
            groups[row.group] = _group(f)
    gone = {r.group for r in removed} - {r.group for r in added}
    if gone:
        present = {r.group for r in keep}
        for key in gone - present:
            del groups[key]
    view = _assemble(v, keep, groups)
    if not same_notes:
        removed += notes
        added += [r for r in view.rows if r.kind is RowKind.NOT_EVALUATED]
    return view, removed, added


_ROW_ARN = attrgetter("data.principal_arn")
_DATA = attrgetter("data")


def _order(order: Callable[[Finding], FindingOrder]) -> Callable[[Row], FindingOrder]:
    return lambda row: order(row.data)  # type: ignore[arg-type]
