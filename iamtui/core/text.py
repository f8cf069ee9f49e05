"""Making untrusted text safe to show: one sanitizer for every value from AWS or a file.

Names, aliases, tags, descriptions, error messages and snapshot files are data an attacker
may control. Written raw to a terminal, ``ESC ] 0 ; ... BEL`` retitles it, ``ESC [ 2 J`` clears
it and a bidi override makes ``evil`` read as ``live``. :func:`printable` turns every such
character into a visible escape (``\\x1b``, ``\\u202e``) so what is shown is exactly what is
there, and nothing the data says is executed by the terminal. Invisible format characters
(zero-width space, word joiner, BOM, soft hyphen, tag characters) are escaped too, since they
make two different names look the same; and a literal backslash before ``x``/``u``/``U`` is
doubled, so data spelling ``\\x1b`` can never pass for an escaped ESC.
"""

from __future__ import annotations

import re

#: Bidirectional formatting characters (embeddings, overrides, isolates, marks): they reorder
#: what the reader sees (CVE-2021-42574, "Trojan Source").
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

#: Invisible format characters (Unicode category Cf) that hide in names: soft hyphen, Mongolian
#: vowel separator, zero-width space/joiners, word joiner and invisible operators, deprecated
#: format characters, BOM / zero-width no-break space, interlinear annotations, tag characters.
INVISIBLE_FORMAT = (
    "\u00ad\u0600-\u0605\u06dd\u070f\u180e\u200b-\u200d\u2060-\u2064\u206a-\u206f\ufeff"
    "\ufff9-\ufffb\U000110bd\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e007f"
)

#: C0 controls (NUL..US, ESC among them), DEL, C1 controls (0x80..0x9f, CSI is 0x9b), the
#: Unicode line/paragraph separators, the bidi controls and the invisible format characters
#: above, and a backslash that would otherwise start something reading like an escape.
_CONTROLS = (
    "[\x00-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI_CONTROLS)) + INVISIBLE_FORMAT + "]"
)
_UNSAFE = re.compile(_CONTROLS + "|\\\\(?=[xuU])")
#: The same without the backslash rule, for text that was already through :func:`printable`.
_UNSAFE_CONTROLS = re.compile(_CONTROLS)


def _escape(match: re.Match[str]) -> str:
    found = match.group()
    if found == "\\":
        return "\\\\"
    code = ord(found)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(value: object, *, backslashes: bool = True) -> str:
    """``str(value)`` with control, escape, bidi and invisible characters shown as escapes.

    ``backslashes=False`` leaves backslashes alone: for a message that may embed values already
    shown through printable (an error line), so their escapes are not doubled a second time.
    """
    text = value if isinstance(value, str) else str(value)
    if not backslashes:
        return text if text.isprintable() else _UNSAFE_CONTROLS.sub(_escape, text)
    # Fast path (C): every unsafe character is non-printable, and a backslash is rare.
    if text.isprintable() and "\\" not in text:
        return text
    return _UNSAFE.sub(_escape, text)


def is_printable(value: str) -> bool:
    """True when ``printable(value)`` would not change it (nothing to neutralize)."""
    return (value.isprintable() and "\\" not in value) or _UNSAFE.search(value) is None


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """``1 rule``, ``2 rules``: a count with its noun, never ``1 rules`` or ``rule(s)``."""
    word = noun if count == 1 else (plural_noun if plural_noun is not None else noun + "s")
    return f"{count} {word}"
