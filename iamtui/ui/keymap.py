"""Every binding the TUI defines, by scope: the help screen and keymap validation read this."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode


def binding_scopes() -> list[tuple[str, list[Binding]]]:
    """(scope title, bindings) for every class that defines bindings, in help-screen order."""
    from iamtui.ui.app import IamtuiApp
    from iamtui.ui.screens.action import AskPath, ChoiceMenu, PlanScreen, SecretScreen
    from iamtui.ui.screens.error import ErrorScreen
    from iamtui.ui.screens.help import HelpScreen
    from iamtui.ui.screens.loading import LoadingScreen
    from iamtui.ui.screens.main import MainScreen
    from iamtui.ui.screens.policy import PolicyScreen
    from iamtui.ui.screens.review import ReviewScreen
    from iamtui.ui.screens.root import ContactForm, RootScreen
    from iamtui.ui.widgets.table import RowTable

    scopes: list[tuple[str, type[DOMNode]]] = [
        ("Everywhere", IamtuiApp),
        ("Main screen", MainScreen),
        ("Tables", RowTable),
        ("Review screen", ReviewScreen),
        ("Root hardening", RootScreen),
        ("Contact form", ContactForm),
        ("Plan preview", PlanScreen),
        ("Secret (shown once)", SecretScreen),
        ("Action menu", ChoiceMenu),
        ("File name", AskPath),
        ("Dialogs", PolicyScreen),
        ("Loading", LoadingScreen),
        ("Load error", ErrorScreen),
        ("Help", HelpScreen),
    ]
    return [(title, [b for b in cls.BINDINGS if isinstance(b, Binding)]) for title, cls in scopes]


def all_bindings() -> Iterator[Binding]:
    """Every binding of every scope."""
    for _title, bindings in binding_scopes():
        yield from bindings


def binding_ids() -> frozenset[str]:
    """The ids a config file's ``[keymap]`` may name."""
    return frozenset(b.id for b in all_bindings() if b.id)


def unknown_ids(keymap: Mapping[str, str]) -> list[str]:
    """Keymap entries naming no binding (a typo would silently do nothing)."""
    known = binding_ids()
    return sorted(k for k in keymap if k not in known)


def effective_keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    """The keys a binding answers to once the keymap is applied."""
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return [k.strip() for k in keys.split(",") if k.strip()]


def key_for(app: App[Any], binding_id: str) -> str:
    """How the first key of a binding id is shown (keymap applied), for hints on screen."""
    keymap: Mapping[str, str] = getattr(app, "keymap", {})
    for binding in all_bindings():
        if binding.id == binding_id:
            keys = effective_keys(binding, keymap)
            if not keys:
                return ""
            if keys[0] == binding.key.split(",")[0] and binding.key_display:
                return binding.key_display
            return app.get_key_display(Binding(keys[0], binding.action))
    return ""
