"""What AWS accepts for an alternate contact: checked before planning, so a form names the field.

The limits and patterns are AWS's (Account Management API, ``AlternateContact``): a value AWS
would reject is caught while the operator still has the form, not after a round trip.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContactField:
    """One field of an alternate contact: its API name, words, AWS's limits."""

    key: str
    label: str
    example: str
    max_length: int
    pattern: re.Pattern[str] | None = None
    #: What the pattern allows, in words (shown when a value does not match it).
    allowed: str = ""


#: The SECURITY alternate contact's fields, in the order a form asks for them.
CONTACT_FORM = (
    ContactField("Name", "Name", "Security team", 64),
    ContactField("Title", "Title", "Security", 50),
    ContactField(
        "EmailAddress",
        "Email",
        "security@example.com",
        254,
        re.compile(r"[\s]*[\w+=.#|!&-]+@[\w.-]+\.[\w]+[\s]*"),
        "an email address such as security@example.com",
    ),
    ContactField(
        "PhoneNumber",
        "Phone",
        "+1 555 0100",
        25,
        re.compile(r"[\s0-9()+-]+"),
        "digits, spaces and ( ) + - only",
    ),
)


def contact_problems(values: Mapping[str, str]) -> dict[str, str]:
    """Field key -> one line on what AWS would reject in it (empty: every field is accepted)."""
    problems: dict[str, str] = {}
    for field in CONTACT_FORM:
        value = values.get(field.key, "").strip()
        if not value:
            problems[field.key] = f"{field.label} is required"
        elif len(value) > field.max_length:
            problems[field.key] = (
                f"{field.label} is {len(value)} characters: AWS accepts at most {field.max_length}"
            )
        elif field.pattern is not None and not field.pattern.fullmatch(value):
            problems[field.key] = f"{field.label} must be {field.allowed}"
    return problems
