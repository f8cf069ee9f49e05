"""The built-in rules, in display order; their ids are a stable public interface."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from pathlib import Path

from iamtui.core import findings
from iamtui.core import settings as settings_io
from iamtui.core.findings import Evaluation, Rule
from iamtui.core.model import AccountSnapshot
from iamtui.core.rules import (
    account,
    clutter,
    credentials,
    escalation,
    grants,
    keys,
    policies,
    providers,
    roles,
    root,
    server_certs,
    service_credentials,
    users,
)

ALL_RULES: tuple[Rule, ...] = (
    *root.RULES,
    *keys.RULES,
    *users.RULES,
    *roles.RULES,
    *policies.RULES,
    *escalation.RULES,
    *credentials.RULES,
    *service_credentials.RULES,
    *grants.RULES,
    *clutter.RULES,
    *server_certs.RULES,
    *account.RULES,
    *providers.RULES,
)
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in ALL_RULES}
RULE_IDS: frozenset[str] = frozenset(RULES_BY_ID)


def evaluate(
    snapshot: AccountSnapshot, *, now: datetime, settings: settings_io.Settings | None = None
) -> Evaluation:
    """Every built-in rule against ``snapshot`` at ``now`` (see ``findings.evaluate``)."""
    return findings.evaluate(snapshot, now=now, rules=ALL_RULES, settings=settings)


def evaluate_changes(
    previous: Evaluation,
    snapshot: AccountSnapshot,
    *,
    principals: Collection[str],
    account_changed: bool = False,
    settings: settings_io.Settings | None = None,
) -> Evaluation:
    """``previous`` brought up to date after a change to a few principals, with every built-in
    rule (see ``findings.evaluate_changes``)."""
    return findings.evaluate_changes(
        previous,
        snapshot,
        principals=principals,
        rules=ALL_RULES,
        account_changed=account_changed,
        settings=settings,
    )


def load_settings(path: Path | None = None) -> settings_io.Settings:
    """The config file (``path``, else the default one), its suppressions checked against these
    rules: the one place that knows every rule id."""
    return settings_io.load_settings(path, known_rules=RULE_IDS)


def parse_settings(text: str, *, source: Path | None = None) -> settings_io.Settings:
    """TOML text into settings, checked against these rules."""
    return settings_io.parse_settings(text, known_rules=RULE_IDS, source=source)


__all__ = [
    "ALL_RULES",
    "RULES_BY_ID",
    "RULE_IDS",
    "evaluate",
    "evaluate_changes",
    "load_settings",
    "parse_settings",
]
