"""Secrets an action produces (a new key's secret, a generated password): shown once, never kept.

A :class:`Secret` holds its value privately; ``repr``/``str`` never show it, it is not part of
any ``to_json``, and :func:`redact` scrubs every known secret value and every secret-named field
from data bound for the journal or a log. The UI reveals it once in a modal and calls ``drop()``.
"""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Mapping
from typing import Any

REDACTED = "<redacted>"
#: Parameter and response fields that carry secrets in IAM/STS (compared case-insensitively).
SECRET_FIELDS = frozenset(
    {
        "secretaccesskey",
        "password",
        "newpassword",
        "oldpassword",
        "servicepassword",
        "sessiontoken",
        "privatekey",
        "authenticationcode1",
        "authenticationcode2",
        "base32stringseed",
        "qrcodepng",
    }
)
#: Symbols AWS accepts in IAM passwords.
PASSWORD_SYMBOLS = "!@#$%^&*()_+-=[]{}|"


class Secret:
    """A value shown to the operator once; its repr never reveals it."""

    __slots__ = ("_value", "kind", "label")

    def __init__(self, kind: str, label: str, value: str) -> None:
        """``kind`` is ``access_key`` or ``password``; ``label`` says whose it is."""
        self.kind = kind
        self.label = label
        self._value: str | None = value
        SEEN.add(value)

    def reveal(self) -> str:
        """The value, for the one screen that shows it; raises once dropped."""
        if self._value is None:
            raise ValueError(f"the {self.kind} secret for {self.label} was already dropped")
        return self._value

    @property
    def dropped(self) -> bool:
        """Whether drop() was called."""
        return self._value is None

    def drop(self) -> None:
        """Forget the value (the UI calls this when the modal closes)."""
        self._value = None

    def __repr__(self) -> str:
        state = "dropped" if self._value is None else REDACTED
        return f"Secret({self.kind}, {self.label}, {state})"

    __str__ = __repr__


class AccessKeySecret(Secret):
    """A new access key: the id is public, the secret is returned by AWS this one time."""

    __slots__ = ("access_key_id",)

    def __init__(self, label: str, access_key_id: str, secret_access_key: str) -> None:
        """Bind the secret to its key id."""
        super().__init__("access_key", label, secret_access_key)
        self.access_key_id = access_key_id


class _SeenSecrets:
    """Every secret value this process has handled, so redact() can scrub it anywhere."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        if value:
            with self._lock:
                self._values.add(value)

    def scrub(self, text: str) -> str:
        with self._lock:
            values = list(self._values)
        for value in values:
            if value in text:
                text = text.replace(value, REDACTED)
        return text


SEEN = _SeenSecrets()


def redact(data: Any) -> Any:
    """A copy of JSON-able data with secret fields and every known secret value replaced."""
    if isinstance(data, Mapping):
        return {
            str(k): (
                REDACTED
                if str(k).lower() in SECRET_FIELDS and v and not is_placeholder(v)
                else redact(v)
            )
            for k, v in data.items()
        }
    if isinstance(data, list | tuple):
        return [redact(v) for v in data]
    if isinstance(data, str):
        return SEEN.scrub(data)
    return data


def is_placeholder(value: Any) -> bool:
    """``{"$generate": "password"}`` and friends: filled in at call time, safe to store."""
    return isinstance(value, Mapping) and len(value) == 1 and str(next(iter(value))).startswith("$")


def generate_password(min_length: int = 24) -> str:
    """A strong IAM password meeting any account policy (all four character classes)."""
    length = max(24, min(128, min_length))
    classes = (string.ascii_uppercase, string.ascii_lowercase, string.digits, PASSWORD_SYMBOLS)
    alphabet = "".join(classes)
    while True:
        chars = [secrets.choice(c) for c in classes]
        chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        if all(any(ch in c for ch in password) for c in classes):
            SEEN.add(password)
            return password
