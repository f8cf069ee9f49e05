"""Settings: defaults, a full file, and one clear line for every kind of mistake."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from iamtui.core import settings as settings_module
from iamtui.core.rules import load_settings, parse_settings
from iamtui.core.settings import (
    ConfigError,
    RightsizeSettings,
    Settings,
    Suppression,
    Thresholds,
    default_config_path,
)

FULL = """
[thresholds]
key_unused_days = 45
grace_days = 3
password_min_length = 16

[[suppressions]]
rule = "access-key.*"
principal = "arn:aws:iam::*:user/ci-*"
reason = "CI keeps keys until the OIDC migration"
expires = 2026-12-31

[[suppressions]]
rule = "role.unused"
principal = "dr-*"
reason = "disaster recovery"

[keymap]
quit = "ctrl+q"
"deactivate" = "d"
"""


#: A valid suppression to append one more line to.
SUPPRESSION = '[[suppressions]]\nrule = "role.unused"\nprincipal = "x"\nreason = "r"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_default_file_means_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_module, "default_config_path", lambda: tmp_path / "absent.toml")
    assert load_settings() == Settings()
    assert Settings().thresholds.key_unused_days == 90


def test_default_path_is_the_platform_config_dir() -> None:
    assert default_config_path().parts[-2:] == ("iamtui", "config.toml")


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: file not found$"):
        load_settings(tmp_path / "nope.toml")


def test_full_file(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    loaded = load_settings(path)
    assert loaded.thresholds == Thresholds(key_unused_days=45, grace_days=3, password_min_length=16)
    assert loaded.suppressions == (
        Suppression(
            "access-key.*",
            "arn:aws:iam::*:user/ci-*",
            "CI keeps keys until the OIDC migration",
            date(2026, 12, 31),
        ),
        Suppression("role.unused", "dr-*", "disaster recovery"),
    )
    assert loaded.keymap == {"quit": "ctrl+q", "deactivate": "d"}
    assert loaded.source == path


def test_expires_may_be_a_quoted_date(tmp_path: Path) -> None:
    text = SUPPRESSION + 'expires = "2027-01-15"\n'
    assert load_settings(write(tmp_path, text)).suppressions[0].expires == date(2027, 1, 15)


def test_suppression_matching_and_expiry() -> None:
    s = Suppression("access-key.*", "arn:aws:iam::*:user/ci-*", "r", date(2026, 6, 1))
    assert s.matches("access-key.unused", "arn:aws:iam::1:user/ci-build", "ci-build")
    assert not s.matches("user.inactive", "arn:aws:iam::1:user/ci-build", "ci-build")
    assert not s.matches("access-key.unused", "arn:aws:iam::1:user/CI-build", "CI-build")
    assert Suppression("*", "ci-*", "r").matches("role.unused", "arn:aws:iam::1:role/ci-x", "ci-x")
    assert not s.expired(date(2026, 6, 1)) and s.expired(date(2026, 6, 2))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[thresholds]\nkey_unused_days = "ninety"\n',
            'thresholds.key_unused_days: expected a positive integer, got "ninety"',
        ),
        (
            "[thresholds]\nkey_unused_days = 0\n",
            "thresholds.key_unused_days: expected a positive integer, got 0",
        ),
        (
            "[thresholds]\ngrace_days = true\n",
            "thresholds.grace_days: expected a positive integer, got true",
        ),
        (
            "[thresholds]\nkey_unused_day = 30\n",
            "thresholds.key_unused_day: unknown key (expected one of: ",
        ),
        (
            "[threshold]\n",
            "threshold: unknown key (expected one of: "
            "followups, keymap, protected, rightsize, suppressions, thresholds, trust)",
        ),
        ("thresholds = 3\n", "thresholds: expected a table, got 3"),
        (
            '[[suppressions]]\nrule = "role.unused"\nprincipal = "x"\n',
            "suppressions[0].reason: required: ",
        ),
        (
            '[[suppressions]]\nrule = "role.unused"\nprincipal = "x"\nreason = "  "\n',
            'suppressions[0].reason: expected a reason (why this risk is accepted), got "  "',
        ),
        (
            '[[suppressions]]\nrule = "acess-key.*"\nprincipal = "x"\nreason = "r"\n',
            'suppressions[0].rule: expected a rule id or a glob matching one, got "acess-key.*"',
        ),
        (
            SUPPRESSION + 'expires = "soon"\n',
            'suppressions[0].expires: expected a date like 2026-12-31, got "soon"',
        ),
        (
            SUPPRESSION + "expires = 2026-12-31T10:00:00\n",
            "suppressions[0].expires: expected a date like 2026-12-31, got 2026-12-31 10:00:00",
        ),
        (
            SUPPRESSION + 'why = "typo"\n',
            "suppressions[0].why: unknown key "
            "(expected one of: account, expires, principal, reason, rule)",
        ),
        (
            'suppressions = "none"\n',
            'suppressions: expected an array of tables ([[suppressions]]), got "none"',
        ),
        ("[keymap]\nquit = 3\n", 'keymap.quit: expected a key string such as "ctrl+q", got 3'),
        ("[thresholds\n", "invalid TOML: "),
        (
            "[rightsize]\nwindow_days = 401\n",
            "rightsize.window_days: expected 90 to 400 days, got 401",
        ),
        (
            "[rightsize]\nwindow_days = 30\n",
            "rightsize.window_days: expected 90 to 400 days, got 30",
        ),
        (
            '[rightsize]\nnarrow_wildcards = "yes"\n',
            'rightsize.narrow_wildcards: expected true or false, got "yes"',
        ),
        (
            "[rightsize]\nwindow = 90\n",
            "rightsize.window: unknown key (expected one of: narrow_wildcards, window_days)",
        ),
    ],
    ids=[
        "word-for-number",
        "zero",
        "bool",
        "threshold-typo",
        "section-typo",
        "not-a-table",
        "missing-reason",
        "blank-reason",
        "unknown-rule",
        "bad-date",
        "datetime",
        "suppression-typo",
        "suppressions-not-array",
        "keymap-value",
        "syntax",
        "rightsize-window-past-400",
        "rightsize-window-under-90",
        "rightsize-narrow-not-bool",
        "rightsize-typo",
    ],
)
def test_errors_are_one_line_naming_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    error = str(caught.value)
    assert "\n" not in error
    assert error.startswith(f"{path}: {message}")


def test_parse_without_a_file_names_config_toml() -> None:
    with pytest.raises(
        ConfigError, match=r"^config\.toml: thresholds\.key_unused_days: expected a positive"
    ):
        parse_settings('[thresholds]\nkey_unused_days = "ninety"\n')


def test_known_rules_can_be_given() -> None:
    text = '[[suppressions]]\nrule = "custom.*"\nprincipal = "x"\nreason = "r"\n'
    custom = settings_module.parse_settings(text, known_rules={"custom.rule"})
    assert custom.suppressions[0].rule == "custom.*"


def test_settings_do_not_import_the_rules() -> None:
    """The rules import the findings engine, which imports settings: never the other way."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(settings_module))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not {
        name for name in imported if name.startswith(("iamtui.core.rules", "iamtui.core.findings"))
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"[thresholds]\nkey_unused_days = {10**30}\n", "expected 1 to 36500 days, got 1000000"),
        ("[thresholds]\nrole_unused_days = 36501\n", "expected 1 to 36500 days, got 36501"),
        ("[thresholds]\ngrace_days = -3\n", "expected a positive integer, got -3"),
        ("[thresholds]\npassword_min_length = 200\n", "expected 6 to 128, got 200"),
        ("[thresholds]\npassword_reuse_prevention = 25\n", "expected 1 to 24, got 25"),
        ('[thresholds]\ngrace_days = "\\u001b]0;x\\u0007\\n"\n', 'got "\\x1b]0;x\\x07\\x0a"'),
        ('[thresholds]\ngrace_days = "' + "9" * 500 + '"\n', 'got "' + "9" * 60 + '..."'),
    ],
    ids=["overflow", "over-a-century", "negative", "length", "reuse", "escapes", "long"],
)
def test_hostile_values_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    error = str(caught.value)
    assert "\n" not in error and "\x1b" not in error
    assert message in error and error.startswith(f"{path}: thresholds.")


def test_a_century_is_accepted_and_evaluates(tmp_path: Path) -> None:
    from conftest import NOW

    from iamtui.core.model import AccountSnapshot
    from iamtui.core.rules import evaluate

    text = "[thresholds]\n" + "".join(
        f"{name} = 36500\n" for name in ("key_unused_days", "grace_days", "root_recent_days")
    )
    settings = load_settings(write(tmp_path, text))
    assert settings.thresholds.key_unused_days == 36500
    evaluate(AccountSnapshot(account_id="1", loaded_at=NOW), now=NOW, settings=settings)


def test_non_utf8_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"[thresholds]\n# caf\xe9\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: not UTF-8 text (byte 0xe9 at offset 18): TOML files must be UTF-8"
    )


def test_rightsize_section_sets_window_and_wildcards(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, "")).rightsize == RightsizeSettings(90, False)
    text = "[rightsize]\nwindow_days = 180\nnarrow_wildcards = true\n"
    assert load_settings(write(tmp_path, text)).rightsize == RightsizeSettings(180, True)
