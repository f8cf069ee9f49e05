"""Making untrusted text safe to show: one sanitizer for every value from AWS or a file.

Names, aliases, tags, descriptions, error messages and snapshot files are data an attacker
may control. Written raw to a terminal, ``ESC ] 0 ; ... BEL`` retitles it, ``ESC [ 2 J`` clears
it and a bidi override makes ``evil`` read as ``live``. :func:`printable` turns every such
character into a visible escape (``\\x1b``, ``\\u202e``) so what is shown is exactly what is
there, and nothing the data says is executed by the terminal.
"""

from __future__ import annotations

import re

#: Bidirectional formatting characters (embeddings, overrides, isolates, marks): they reorder
#: what the reader sees (CVE-2021-42574, "Trojan Source").
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

#: C0 controls (NUL..US, ESC among them), DEL, C1 controls (0x80..0x9f, CSI is 0x9b), the
#: Unicode line/paragraph separators, and the bidi controls above.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI_CONTROLS)) + "]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(value: object) -> str:
    """``str(value)`` with control, escape and bidi characters shown as ``\\xNN``/``\\uNNNN``."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():  # fast path (C): every unsafe character is non-printable
        return text
    return _UNSAFE.sub(_escape, text)


def is_printable(value: str) -> bool:
    """True when ``printable(value)`` would not change it (nothing to neutralize)."""
    return value.isprintable() or _UNSAFE.search(value) is None
