"""An emulated AWS IAM endpoint on loopback: moto's HTTP server plus iamtui's fidelity layer.

Only the demo, the tests and the benchmarks use it; it needs the ``demo`` extra (moto).
"""

from __future__ import annotations

from iamtui.emulator.state import DEFAULT_ACCOUNT_ID, AccountExtras, extras, reset_extras


class EmulatorUnavailable(RuntimeError):
    """moto is not installed, so the emulated account cannot start."""


def require_moto() -> None:
    """Fail with one clear line when the ``demo`` extra is missing."""
    try:
        import moto.server  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise EmulatorUnavailable(
            "the emulated account needs moto: pip install 'iamtui[demo]'"
        ) from exc


__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "AccountExtras",
    "EmulatorUnavailable",
    "extras",
    "require_moto",
    "reset_extras",
]
