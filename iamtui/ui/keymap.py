"""Keys once the config's ``[keymap]`` is applied (pure: the binding catalogue is the app's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from textual.app import App
from textual.binding import Binding


def effective_keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    """The keys a binding answers to once the keymap is applied."""
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return [k.strip() for k in keys.split(",") if k.strip()]


def key_for(app: App[Any], binding_id: str, bindings: Iterable[Binding]) -> str:
    """How the first key of a binding id is shown (keymap applied), for hints on screen."""
    keymap: Mapping[str, str] = getattr(app, "keymap", {})
    for binding in bindings:
        if binding.id == binding_id:
            keys = effective_keys(binding, keymap)
            if not keys:
                return ""
            if keys[0] == binding.key.split(",")[0] and binding.key_display:
                return binding.key_display
            return app.get_key_display(Binding(keys[0], binding.action))
    return ""
