"""The built-in rules, in display order; their ids are a stable public interface."""

from __future__ import annotations

from iamtui.core.findings import Rule
from iamtui.core.rules import keys, policies, roles, root, users

ALL_RULES: tuple[Rule, ...] = (
    *root.RULES,
    *keys.RULES,
    *users.RULES,
    *roles.RULES,
    *policies.RULES,
)
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in ALL_RULES}
RULE_IDS: frozenset[str] = frozenset(RULES_BY_ID)

__all__ = ["ALL_RULES", "RULES_BY_ID", "RULE_IDS"]
