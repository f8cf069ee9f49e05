"""The benchmark scripts start: they print figures and are never timed here, but a script that
cannot even import (a module in bench/ shadowing a stdlib probe, a renamed API) is caught."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("*.py")))
def test_bench_script_imports_and_shows_help(script: str) -> None:
    """``python bench/X.py --help`` as the docs run it: bench/ first on the path."""
    env = {**os.environ, "PYTHONPATH": str(BENCH.parent)}
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout
