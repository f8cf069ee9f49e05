"""The former home of the root and organization rules, kept so existing imports still work."""

from __future__ import annotations

from iamtui.emulator.fidelity.organizations import seed_organization
from iamtui.emulator.fidelity.root import give_root_key

__all__ = ["give_root_key", "seed_organization"]
