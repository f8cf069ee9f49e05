"""End to end: the real ``iamtui demo`` in a pseudo-terminal, quit with ``q``, nothing leaked."""

from __future__ import annotations

import os
import re
import sys

import pexpect
import pytest

ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]|\x1b\][^\x07]*\x07")
#: Text that would mean the emulator, werkzeug or a traceback wrote to the terminal.
LEAKS = ("werkzeug", "127.0.0.1 - -", '"GET /', '"POST /', "Traceback", "moto", "Running on")


@pytest.mark.slow
def test_demo_opens_on_findings_and_quits_cleanly() -> None:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "140", "LINES": "42"}
    env.pop("TEXTUAL", None)
    child = pexpect.spawn(
        sys.executable,
        ["-c", "import sys; from iamtui.cli import main; sys.argv[0] = 'iamtui'; main()", "demo"],
        dimensions=(42, 140),
        env=env,
        encoding="utf-8",
        codec_errors="replace",
        timeout=60,
    )
    try:
        child.expect("Findings")
        child.expect("CRITICAL")  # the table is filled, not just the tab bar
        screen = child.before + child.after
        child.send("q")
        child.expect(pexpect.EOF)
        screen += child.before
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, (child.exitstatus, child.signalstatus)
    text = ANSI.sub("", screen)
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} reached the terminal"
