"""The Roles pane: one row per IAM role with who may assume it and its last use."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from iamtui.core.actions.applies import quarantined
from iamtui.core.findings import Finding
from iamtui.core.model import Part, Role
from iamtui.core.policy import analyse_trust
from iamtui.core.views.format import age_cell, finding_cell, last_use, tags_text
from iamtui.core.views.table import Cell, Column, Pane, PaneView, Row, RowKind, cells

if TYPE_CHECKING:
    from iamtui.core.views.panes import Views


class RoleItem(NamedTuple):
    """What one Roles row is made of: the role, who it trusts, its findings."""

    role: Role
    trust: str
    findings: Sequence[Finding]
    now: datetime


def _last_used(r: RoleItem) -> Cell:
    role = r.role
    protected = role.service_linked or role.sso_reserved
    tone = "muted" if protected else ("warn" if role.last_used is None else "")
    return Cell(age_cell(role.last_used, r.now), last_use(role.last_used), tone)


#: The tag a quarantined role's name carries in the pane (and its search text).
QUARANTINED = "quarantined"


def _name(r: RoleItem) -> Cell:
    role = r.role
    if is_quarantined(role):
        # First, so a long name cut at the column's width never hides it.
        return Cell(f"{QUARANTINED} · {role.name}", role.name.lower(), "warn")
    return Cell(role.name, role.name.lower())


def is_quarantined(role: Role) -> bool:
    """The role carries iamtui's deny-all quarantine policy (role.quarantine put it there)."""
    return quarantined(p.name for p in role.inline_policies)


ROLE_COLUMNS = (
    Column("name", "Role", max_width=36, get=_name),
    Column(
        "path", "Path", max_width=22,
        get=lambda r: Cell(r.role.path, r.role.path.lower(), "muted"),
    ),
    Column(
        "trust", "Trusted by", max_width=34, flex=True,
        get=lambda r: Cell(r.trust, r.trust.lower()),
    ),
    Column("last_used", "Last used", max_width=18, get=_last_used),
    Column(
        "region", "Region", max_width=14,
        get=lambda r: Cell(r.role.last_used_region or "—", r.role.last_used_region, "muted"),
    ),
    Column(
        "created", "Created", max_width=18,
        get=lambda r: Cell(age_cell(r.role.create_date, r.now), r.role.create_date.timestamp()),
    ),
    Column("findings", "Findings", max_width=14, get=lambda r: finding_cell(r.findings)),
)  # fmt: skip


def _trust_label(role: Role, account_id: str) -> str:
    analysis = analyse_trust(role.trust_policy)
    labels: list[str] = []
    for grant in analysis.grants:
        if grant.public and not grant.restricted:
            labels.append("anyone (*)")
        elif grant.kind == "Service":
            labels.append(grant.principal.removesuffix(".amazonaws.com"))
        elif grant.kind == "AWS":
            if grant.account == account_id:
                labels.append("this account")
            else:
                labels.append(f"account {grant.account or grant.principal}")
        elif grant.kind == "Federated":
            value = grant.principal.rsplit("/", 1)[-1]
            labels.append(f"federated {value}")
        else:
            labels.append(grant.principal)
    unique = list(dict.fromkeys(labels))
    return ", ".join(unique) if unique else "nobody"


def role_row(v: Views, role: Role) -> Row:
    """One role's row."""
    findings = v.by_principal.get(role.arn, ())
    trust = _trust_label(role, v.snapshot.account_id)
    texts, sort, tones = cells(ROLE_COLUMNS, RoleItem(role, trust, findings, v.now))
    search = " ".join(
        (
            role.name,
            role.arn,
            role.role_id,
            trust,
            role.description,
            tags_text(role.tags),
            " ".join(f.rule for f in findings),
            "service-linked" if role.service_linked else "",
            "sso" if role.sso_reserved else "",
            QUARANTINED if is_quarantined(role) else "",
        )
    ).lower()
    return Row(
        key=f"role:{role.arn}",
        ident=f"{role.name.lower()}\0{role.arn}",
        kind=RowKind.ROLE,
        cells=texts,
        sort=sort,
        search=search,
        tones=tones,
        data=role,
    )


def build(v: Views) -> PaneView:
    """Every role, in the order authorization details list them."""
    rows = tuple(role_row(v, role) for role in v.snapshot.roles)
    return PaneView(
        Pane.ROLES, ROLE_COLUMNS, rows, unavailable=v.missing(Part.AUTHORIZATION_DETAILS)
    )


def patch(
    v: Views, old: PaneView, arns: Collection[str]
) -> tuple[PaneView, list[Row], list[Row]] | None:
    """The pane with the rows of roles ``arns`` rebuilt, every other row object kept."""
    rows = list(old.rows)
    removed: list[Row] = []
    added: list[Row] = []
    for arn in arns:
        role = v.by_arn.get(arn)
        if not isinstance(role, Role):
            continue
        i = v.position(arn)
        removed.append(rows[i])
        rows[i] = role_row(v, role)
        added.append(rows[i])
    if not added:
        return None
    view = PaneView(
        Pane.ROLES, ROLE_COLUMNS, tuple(rows), unavailable=v.missing(Part.AUTHORIZATION_DETAILS)
    )
    return view, removed, added
