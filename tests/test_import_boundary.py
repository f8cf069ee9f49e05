"""The core must stay headless: importing every core module must not pull in Textual."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import importlib, pkgutil, sys
import iamtui.core as core
for info in pkgutil.walk_packages(core.__path__, "iamtui.core."):
    importlib.import_module(info.name)
banned = {"textual", "moto"}
bad = sorted(m for m in sys.modules if m.split(".")[0] in banned or m.startswith("iamtui.ui"))
print(",".join(bad))
"""


def test_core_imports_neither_textual_nor_moto() -> None:
    """A fresh interpreter that imports all of iamtui.core has no textual/moto/ui module loaded."""
    out = subprocess.run(
        [sys.executable, "-c", CHECK], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert out == ""


def test_headless_cli_does_not_import_textual() -> None:
    """`iamtui --help` and the headless commands start without loading the UI."""
    code = (
        "import sys; from click.testing import CliRunner; from iamtui.cli import main;"
        "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output;"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert out == "False"
