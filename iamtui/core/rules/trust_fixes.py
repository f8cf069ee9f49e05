"""The role.update-trust fixes a trust finding offers: each the exact edit of one statement.

A fix names the statement by position and Sid and the principal as the policy spells it; the
planner checks both against the fresh document. Only edits the planner would accept are
offered: no statement is removed when it is the last one, and a condition is offered only on a
statement whose every principal sends its key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iamtui.core.ids import ActionId
from iamtui.core.model import AccountSnapshot, Role
from iamtui.core.policy import TrustGrant, is_unique_id, issuer_of
from iamtui.core.subjects import Fix, TrustEdit, TrustEditKind, TrustSubject

GITHUB = "token.actions.githubusercontent.com"


def _raw(document: Any) -> list[Any]:
    raw = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(raw, dict):
        return [raw]
    return list(raw) if isinstance(raw, list) else []


def _names(statement: Any, kind: str) -> list[str]:
    principal = statement.get("Principal") if isinstance(statement, dict) else None
    if kind == "*":
        return ["*"] if principal == "*" else []
    value = principal.get(kind) if isinstance(principal, dict) else None
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _types(statement: Any) -> set[str]:
    principal = statement.get("Principal") if isinstance(statement, dict) else None
    if principal == "*":
        return {"*"}
    return set(principal) if isinstance(principal, dict) else set()


def _locate(statements: list[Any], grant: TrustGrant) -> int | None:
    """The position of the statement the grant comes from (by Sid and principal)."""
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict) or (statement.get("Sid") or None) != grant.sid:
            continue
        if grant.kind == "NotPrincipal" and "NotPrincipal" in statement:
            return index
        if grant.principal in _names(statement, grant.kind):
            return index
    return None


class _Offer:
    """Builds the edits for one role, each once, in the order they are offered."""

    def __init__(self, role: Role) -> None:
        self.role = role
        self.statements = _raw(role.trust_policy)
        self.fixes: dict[Fix, None] = {}

    def add(self, kind: TrustEditKind, index: int, **fields: str) -> None:
        sid = self.statements[index].get("Sid") or None
        edit = TrustEdit(kind, index, str(sid) if sid else None, **fields)
        self.fixes[Fix(ActionId.ROLE_UPDATE_TRUST, TrustSubject(self.role.name, edit))] = None

    def remove(self, index: int, grant: TrustGrant) -> None:
        """Remove the principal, or its whole statement when it is the only principal there."""
        statement = self.statements[index]
        alone = grant.kind in ("*", "NotPrincipal") or (
            _types(statement) == {grant.kind} and _names(statement, grant.kind) == [grant.principal]
        )
        if not alone:
            self.add(
                "remove-principal", index, principal_type=grant.kind, principal=grant.principal
            )
        elif len(self.statements) > 1:
            self.add("remove-statement", index)

    def sends(self, index: int, allowed: set[str]) -> bool:
        """Every principal of the statement is of these types (so it sends the key)."""
        types = _types(self.statements[index])
        return bool(types) and types <= allowed


def trust_fixes(
    snapshot: AccountSnapshot, role: Role, grants: Iterable[TrustGrant], finding: str
) -> tuple[Fix, ...]:
    """The trust edits that fix ``finding`` (a role rule id) for these grants of ``role``."""
    if role.service_linked or role.sso_reserved:
        return ()
    offer = _Offer(role)
    org = snapshot.organization
    org_id = (org.organization_id or "") if org is not None and org.in_organization else ""
    for grant in grants:
        index = _locate(offer.statements, grant)
        if index is None:
            continue
        if finding == "role.public-trust":
            if grant.kind == "Federated":
                if issuer_of(grant.principal) == GITHUB:
                    offer.add("github-repo", index)
                offer.remove(index, grant)
                continue
            offer.remove(index, grant)
            # An ExternalId is a shared string, not an identity: it does not close a "*" trust
            # (core.policy credits it for a named other account only), so it is not offered.
            if offer.sends(index, {"AWS", "*"}):
                offer.add("org-id", index, value=org_id)
        elif finding == "role.cross-account-trust":
            offer.remove(index, grant)
            if offer.sends(index, {"AWS"}):
                offer.add("external-id", index)
        elif finding == "role.confused-deputy":
            if offer.sends(index, {"Service"}):
                offer.add("source-account", index, value=snapshot.account_id)
        elif finding == "role.stale-trust" and is_unique_id(grant.principal):
            offer.remove(index, grant)
    return tuple(offer.fixes)
