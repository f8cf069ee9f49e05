"""The built-in rules, in display order; their ids are a stable public interface."""

from __future__ import annotations

from pathlib import Path

from iamtui.core import settings as settings_io
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


def load_settings(path: Path | None = None) -> settings_io.Settings:
    """The config file (``path``, else the default one), its suppressions checked against these
    rules: the one place that knows every rule id."""
    return settings_io.load_settings(path, known_rules=RULE_IDS)


def parse_settings(text: str, *, source: Path | None = None) -> settings_io.Settings:
    """TOML text into settings, checked against these rules."""
    return settings_io.parse_settings(text, known_rules=RULE_IDS, source=source)


__all__ = ["ALL_RULES", "RULES_BY_ID", "RULE_IDS", "load_settings", "parse_settings"]
