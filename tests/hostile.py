"""Hostile values for output-safety tests, and the check that none reaches a terminal raw.

Reusable by any test that renders names from AWS or a file (CLI table, TUI cells): put a
hostile name in a snapshot, render, then ``assert_inert(text)`` and ``assert SHOWN in text``.
"""

from __future__ import annotations

import re

#: Retitles the terminal (OSC 0 ... BEL), then clears the screen (CSI 2 J).
TERMINAL_ATTACK = "\x1b]0;pwned\x07\x1b[2J"
#: What :func:`iamtui.core.text.printable` shows instead.
TERMINAL_ATTACK_SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J"
#: A right-to-left override that makes "gnp.exe" read as "exe.png".
BIDI_ATTACK = "report\u202egnp.exe"
BIDI_ATTACK_SHOWN = "report\\u202egnp.exe"
#: The single-byte C1 form of CSI, understood by some terminals.
C1_ATTACK = "\x9b2J"
#: Invisible characters that make two names look alike: zero-width space, word joiner, BOM,
#: soft hyphen, Mongolian vowel separator and a tag character.
INVISIBLE_ATTACK = "ad\u200bmin\u2060\ufeff\u00ad\u180e\U000e0041"
INVISIBLE_ATTACK_SHOWN = "ad\\u200bmin\\u2060\\ufeff\\xad\\u180e\\U000e0041"
#: Data that spells an escape literally: shown with its backslash doubled, never as "\x1b".
FAKE_ESCAPE = "\\x1b[2J"
FAKE_ESCAPE_SHOWN = "\\\\x1b[2J"
#: Valid IAM names that a spreadsheet would run as formulas (OWASP CSV injection).
FORMULA_NAMES = ("=1+2", "@SUM(A1:A2)", '=HYPERLINK("http://example.invalid","x")', "+1", "-1")

_RAW = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069"
    "\ufeff\U000e0000-\U000e007f]"
)


def assert_inert(text: str) -> None:
    """Nothing in ``text`` a terminal would act on or hide (controls but newline, bidi, ...)."""
    found = _RAW.search(text)
    assert found is None, f"raw control character {found.group()!r} in output: {text!r}"
