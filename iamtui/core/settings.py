"""User settings from one TOML file: rule thresholds, suppressions and the TUI keymap.

The file lives at ``platformdirs.user_config_path("iamtui") / "config.toml"`` unless ``--config``
names another one. A missing default file means defaults; anything malformed or unknown is a
:class:`ConfigError` whose message is one line naming the file, the key and what was expected,
because a typo that silently disables a threshold or a suppression is a security bug.

Example::

    [thresholds]
    key_unused_days = 45          # CIS AWS Foundations 1.12 says 45

    [[suppressions]]
    rule = "access-key.*"
    principal = "arn:aws:iam::*:user/ci-*"
    reason = "CI users keep keys until the OIDC migration (JIRA SEC-123)"
    expires = 2026-12-31

    [[suppressions]]
    rule = "role.cross-account-trust"
    account = "210987654321"      # matches the trusted account, whichever role trusts it
    reason = "our CI account"

    [trust]
    trusted_accounts = ["111122223333"]   # cross-account trust in these is expected
    organization = true                   # and in the accounts of this account's organization

    [protected]
    roles = ["platform-*"]        # added to the built-in organization-critical roles

    [rightsize]
    window_days = 90              # unused this long is dropped (under 90: refused)
    narrow_wildcards = false      # s3:Get* -> the tracked s3:Get actions that were used

    [keymap]
    quit = "ctrl+q"

    [followups]
    offer = true                  # plans offer "delete later if still unused" (docs/followups.md)
    key_delete_days = 30          # key.deactivate -> key.delete
    role_delete_days = 14         # role.quarantine -> role.delete
    credential_delete_days = 30   # service credential, SSH key, signing certificate
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import platformdirs

from iamtui.core.files import MAX_CONFIG_BYTES, FileTooLargeError, NotAFileError, read_bounded
from iamtui.core.text import printable

CONFIG_FILE_NAME = "config.toml"


class ConfigError(ValueError):
    """The settings file cannot be used; the message is one line fit for the terminal."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Rule limits (days unless named otherwise); defaults follow AWS guidance and CIS."""

    #: access-key.unused: an active key last used longer ago than this.
    key_unused_days: int = 90
    #: access-key.rotation-due: an active key created longer ago than this.
    key_rotation_days: int = 90
    #: access-key.never-used: a new key is not called unused before this many days (users,
    #: passwords and roles need their own unused threshold of age instead).
    grace_days: int = 7
    #: user.password-unused: console password last used longer ago than this.
    password_unused_days: int = 90
    #: user.inactive: no password or key use for this long.
    user_inactive_days: int = 90
    #: role.unused: RoleLastUsed older than this.
    role_unused_days: int = 90
    #: permissions.unused-services: a granted service not accessed for this long.
    service_unused_days: int = 90
    #: root.recently-used: root password or key used within this many days.
    root_recent_days: int = 30
    #: account.password-policy: CIS AWS Foundations minimum password length.
    password_min_length: int = 14
    #: account.password-policy: CIS AWS Foundations password reuse prevention.
    password_reuse_prevention: int = 24


@dataclass(frozen=True, slots=True)
class FollowUpSettings:
    """When a plan's follow-up falls due: AWS advises deactivate, wait, then delete."""

    #: Plans offer their follow-up by default (the preview can drop it).
    offer: bool = True
    #: key.deactivate offers key.delete after this many days.
    key_delete_days: int = 30
    #: role.quarantine offers role.delete after this many days.
    role_delete_days: int = 14
    #: Deactivating a service-specific credential, SSH key or signing certificate offers its
    #: delete after this many days.
    credential_delete_days: int = 30


@dataclass(frozen=True, slots=True)
class Suppression:
    """An accepted risk: matching findings stay visible but marked, until ``expires`` passes."""

    rule: str
    principal: str
    reason: str
    expires: date | None = None
    #: Glob on the other account(s) a finding is about (``role.cross-account-trust``): every
    #: account the finding names must match. None: any.
    account: str | None = None

    def matches(
        self,
        rule_id: str,
        principal_arn: str,
        principal_name: str,
        accounts: Collection[str] = (),
    ) -> bool:
        """Case-sensitive globs, as ARNs are; the principal pattern may match the ARN or name."""
        if self.account is not None and not (
            accounts and all(fnmatchcase(a, self.account) for a in accounts)
        ):
            return False
        return fnmatchcase(rule_id, self.rule) and (
            fnmatchcase(principal_arn, self.principal)
            or fnmatchcase(principal_name, self.principal)
        )

    def expired(self, today: date) -> bool:
        """``expires`` is the last day the suppression applies."""
        return self.expires is not None and self.expires < today


@dataclass(frozen=True, slots=True)
class RightsizeSettings:
    """``[rightsize]``: how right-sizing judges last-accessed data (``core/rightsize.py``)."""

    #: A service (or tracked action) not used for this many days is dropped.
    window_days: int = 90
    #: Replace a wildcard (``s3:Get*``) by the tracked actions it matches that were used.
    narrow_wildcards: bool = False


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the config file can set; ``Settings()`` is the built-in default."""

    thresholds: Thresholds = field(default_factory=Thresholds)
    suppressions: tuple[Suppression, ...] = ()
    #: Binding id -> key string, interpreted by the TUI.
    keymap: Mapping[str, str] = field(default_factory=dict)
    #: Other accounts whose trust is expected (``[trust] trusted_accounts``).
    trusted_accounts: frozenset[str] = frozenset()
    #: Trust in accounts of the same organization is expected (``[trust] organization``).
    trust_organization: bool = True
    #: Role name or ARN globs protected on top of the built-in list (``[protected] roles``).
    protected_roles: tuple[str, ...] = ()
    #: Right-sizing's window and wildcard narrowing (``[rightsize]``).
    rightsize: RightsizeSettings = field(default_factory=RightsizeSettings)
    #: When follow-ups fall due (``[followups]``).
    followups: FollowUpSettings = field(default_factory=FollowUpSettings)
    #: The file these settings came from, or None for defaults.
    source: Path | None = None


def default_config_path() -> Path:
    """Where iamtui looks when ``--config`` is not given."""
    return platformdirs.user_config_path("iamtui") / CONFIG_FILE_NAME


def load_settings(path: Path | None, *, known_rules: Collection[str]) -> Settings:
    """Read settings; an explicit path must exist, the default one may be absent.

    ``known_rules`` are the rule ids suppressions may name: the rule registry passes them
    (``iamtui.core.rules.load_settings``), so settings never import the rules.
    """
    explicit = path is not None
    target = path if path is not None else default_config_path()
    try:
        text = read_bounded(target, MAX_CONFIG_BYTES).decode("utf-8")
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{printable(target)}: file not found") from None
        return Settings()
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{printable(target)}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
            f"at offset {exc.start}): TOML files must be UTF-8"
        ) from None
    except NotAFileError:
        raise ConfigError(f"{printable(target)}: not a regular file: give a TOML file") from None
    except FileTooLargeError as exc:
        raise ConfigError(f"{printable(target)}: {exc}: not a settings file") from None
    except OSError as exc:
        raise ConfigError(f"{printable(target)}: cannot read: {exc.strerror or exc}") from None
    return parse_settings(text, source=target, known_rules=known_rules)


def parse_settings(
    text: str, *, known_rules: Collection[str], source: Path | None = None
) -> Settings:
    """Validate TOML text into Settings; ``source`` only names the file in errors."""
    where = printable(source) if source is not None else CONFIG_FILE_NAME
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {_short(printable(exc), 200)}") from None
    except RecursionError:
        raise ConfigError(f"{where}: invalid TOML: nested too deeply") from None
    except ValueError as exc:  # an integer of more than 4300 digits
        problem = str(exc).split(";")[0].split("\n")[0]
        raise ConfigError(f"{where}: invalid TOML: {_short(printable(problem))}") from None
    rules = frozenset(known_rules)
    reader = _Reader(where)
    reader.only_keys(
        data,
        "",
        {"thresholds", "suppressions", "keymap", "trust", "protected", "rightsize", "followups"},
    )
    return Settings(
        thresholds=reader.thresholds(data.get("thresholds", {})),
        suppressions=reader.suppressions(data.get("suppressions", []), rules),
        keymap=reader.keymap(data.get("keymap", {})),
        trusted_accounts=reader.trusted_accounts(data.get("trust", {})),
        trust_organization=reader.trust_organization(data.get("trust", {})),
        protected_roles=reader.protected_roles(data.get("protected", {})),
        rightsize=reader.rightsize(data.get("rightsize", {})),
        followups=reader.followups(data.get("followups", {})),
        source=source,
    )


#: Largest day threshold accepted: a century. Larger ones overflow date arithmetic
#: (``now - timedelta(days=10**30)``) and can never mean anything for IAM data.
MAX_DAYS = 36_500
#: Thresholds that are not day counts, with the range IAM itself accepts for them.
THRESHOLD_RANGES: Mapping[str, tuple[int, int]] = {
    "password_min_length": (6, 128),
    "password_reuse_prevention": (1, 24),
}
#: ``[rightsize] window_days``: at least 90 days of evidence (as Repokid and AWS's unused-access
#: analyzer default), at most the 400 days AWS keeps last-accessed data.
RIGHTSIZE_WINDOW_DAYS = (90, 400)
#: How much of an offending value an error shows: a line, not a screenful.
MAX_SHOWN = 60


def _short(text: str, limit: int = MAX_SHOWN) -> str:
    """At most ``limit`` characters of already-printable text: a hostile 2 MB key stays a line."""
    return text if len(text) <= limit else text[:limit] + "..."


def _show(value: Any) -> str:
    """Render an offending value the way it was probably written in TOML, safe and short."""
    if isinstance(value, str):
        text = value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "..."
        return f'"{printable(text)}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    try:
        text = printable(value)
    except ValueError:  # an integer too long to print
        return "a number too large to show"
    return _short(text)


@dataclass(frozen=True, slots=True)
class _Reader:
    """Validation with one error format: ``file: dotted.key: expected X, got Y``."""

    where: str

    def fail(self, key: str, expected: str, value: Any = None, *, got: bool = True) -> ConfigError:
        suffix = f", got {_show(value)}" if got else ""
        return ConfigError(f"{self.where}: {_short(printable(key))}: {expected}{suffix}")

    def only_keys(self, table: Mapping[str, Any], prefix: str, allowed: Collection[str]) -> None:
        for key in table:
            if key not in allowed:
                choices = ", ".join(sorted(allowed))
                raise self.fail(
                    f"{prefix}{key}", f"unknown key (expected one of: {choices})", got=False
                )

    def table(self, value: Any, key: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "expected a table", value)
        return value

    def thresholds(self, value: Any) -> Thresholds:
        table = self.table(value, "thresholds")
        names = {f.name for f in fields(Thresholds)}
        self.only_keys(table, "thresholds.", names)
        for key, number in table.items():
            if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
                raise self.fail(f"thresholds.{key}", "expected a positive integer", number)
            low, high = THRESHOLD_RANGES.get(key, (1, MAX_DAYS))
            if not low <= number <= high:
                unit = "" if key in THRESHOLD_RANGES else " days"
                raise self.fail(f"thresholds.{key}", f"expected {low} to {high}{unit}", number)
        return Thresholds(**table)

    def suppressions(self, value: Any, rules: frozenset[str]) -> tuple[Suppression, ...]:
        if not isinstance(value, list):
            raise self.fail("suppressions", "expected an array of tables ([[suppressions]])", value)
        return tuple(
            self.suppression(item, f"suppressions[{i}]", rules) for i, item in enumerate(value)
        )

    def suppression(self, value: Any, key: str, rules: frozenset[str]) -> Suppression:
        table = self.table(value, key)
        allowed = {"rule", "principal", "reason", "expires", "account"}
        self.only_keys(table, f"{key}.", allowed)
        rule = self.text(table, key, "rule", "a rule id or glob such as access-key.*")
        if not any(fnmatchcase(rule_id, rule) for rule_id in rules):
            raise self.fail(f"{key}.rule", "expected a rule id or a glob matching one", rule)
        account = None
        if "account" in table:
            account = self.text(table, key, "account", "an account id or glob")
        principal = (
            self.text(table, key, "principal", "an ARN or name pattern")
            if account is None or "principal" in table
            else "*"
        )
        reason = self.text(table, key, "reason", "a reason (why this risk is accepted)")
        expires = self.expires(table.get("expires"), key)
        return Suppression(rule, principal, reason, expires, account)

    def trusted_accounts(self, value: Any) -> frozenset[str]:
        table = self.table(value, "trust")
        self.only_keys(table, "trust.", {"trusted_accounts", "organization"})
        found = table.get("trusted_accounts", [])
        if not isinstance(found, list):
            raise self.fail("trust.trusted_accounts", "expected an array of account ids", found)
        for item in found:
            if not isinstance(item, str) or not (len(item) == 12 and item.isdigit()):
                raise self.fail(
                    "trust.trusted_accounts",
                    'expected 12-digit account ids such as "123456789012"',
                    item,
                )
        return frozenset(found)

    def trust_organization(self, value: Any) -> bool:
        found = self.table(value, "trust").get("organization", True)
        if not isinstance(found, bool):
            raise self.fail("trust.organization", "expected true or false", found)
        return found

    def protected_roles(self, value: Any) -> tuple[str, ...]:
        table = self.table(value, "protected")
        self.only_keys(table, "protected.", {"roles"})
        found = table.get("roles", [])
        if not isinstance(found, list):
            raise self.fail("protected.roles", "expected an array of role name or ARN globs", found)
        for item in found:
            if not isinstance(item, str) or not item.strip():
                raise self.fail("protected.roles", "expected role name or ARN globs", item)
        return tuple(item.strip() for item in found)

    def rightsize(self, value: Any) -> RightsizeSettings:
        table = self.table(value, "rightsize")
        self.only_keys(table, "rightsize.", {"window_days", "narrow_wildcards"})
        default = RightsizeSettings()
        days = table.get("window_days", default.window_days)
        low, high = RIGHTSIZE_WINDOW_DAYS
        if not isinstance(days, int) or isinstance(days, bool) or not low <= days <= high:
            raise self.fail("rightsize.window_days", f"expected {low} to {high} days", days)
        narrow = table.get("narrow_wildcards", default.narrow_wildcards)
        if not isinstance(narrow, bool):
            raise self.fail("rightsize.narrow_wildcards", "expected true or false", narrow)
        return RightsizeSettings(window_days=days, narrow_wildcards=narrow)

    def followups(self, value: Any) -> FollowUpSettings:
        table = self.table(value, "followups")
        names = {f.name for f in fields(FollowUpSettings)}
        self.only_keys(table, "followups.", names)
        for key, item in table.items():
            if key == "offer":
                if not isinstance(item, bool):
                    raise self.fail("followups.offer", "expected true or false", item)
                continue
            if not isinstance(item, int) or isinstance(item, bool) or not 1 <= item <= MAX_DAYS:
                raise self.fail(f"followups.{key}", f"expected 1 to {MAX_DAYS} days", item)
        return FollowUpSettings(**table)

    def text(self, table: Mapping[str, Any], key: str, name: str, expected: str) -> str:
        value = table.get(name)
        if value is None:
            raise self.fail(f"{key}.{name}", f"required: {expected}", got=False)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key}.{name}", f"expected {expected}", value)
        return value.strip()

    def expires(self, value: Any, key: str) -> date | None:
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        elif isinstance(value, date) and not isinstance(value, datetime):
            return value
        raise self.fail(f"{key}.expires", "expected a date like 2026-12-31", value)

    def keymap(self, value: Any) -> dict[str, str]:
        table = self.table(value, "keymap")
        for binding, keys in table.items():
            if not isinstance(keys, str) or not keys.strip():
                raise self.fail(f"keymap.{binding}", 'expected a key string such as "ctrl+q"', keys)
        return dict(table)
