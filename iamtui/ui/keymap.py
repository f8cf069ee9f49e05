"""Keys once the config's ``[keymap]`` is applied (pure: the binding catalogue is the app's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from textual.app import App
from textual.binding import Binding

#: Binding ids that were renamed, and the id they now mean: a config's ``[keymap]`` may still
#: name them. The review screen's own delete keys became the delete keys of every screen.
ALIASES: dict[str, str] = {
    "review-user-delete": "user-delete",
    "review-role-delete": "role-delete",
}


def canonical_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """The keymap with old ids under the ids they now mean (a new id given too wins)."""
    out = {k: v for k, v in keymap.items() if k not in ALIASES}
    for old, new in ALIASES.items():
        if old in keymap:
            out.setdefault(new, keymap[old])
    return out


def effective_keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    """The keys a binding answers to once the keymap is applied."""
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return [k.strip() for k in keys.split(",") if k.strip()]


def key_for(app: App[Any], binding_id: str, bindings: Iterable[Binding]) -> str:
    """How the first key of a binding id is shown (keymap applied), for hints on screen."""
    keymap: Mapping[str, str] = getattr(app, "keymap", {})
    binding_id = ALIASES.get(binding_id, binding_id)
    for binding in bindings:
        if binding.id == binding_id:
            keys = effective_keys(binding, keymap)
            if not keys:
                return ""
            if keys[0] == binding.key.split(",")[0] and binding.key_display:
                return binding.key_display
            return app.get_key_display(Binding(keys[0], binding.action))
    return ""
