"""AWS error messages, read one way: the code, the message and the one line the operator sees."""

from __future__ import annotations

import re

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

#: The code iamtui gives a 200 answer it could not read (empty, cut short, an HTML page).
UNREADABLE_RESPONSE = "UnreadableResponse"
#: The code iamtui gives an endpoint's HTTP 500 HTML page in place of an XML answer: what moto
#: as shipped sends for an API it lacks (AWS itself answers ``NotImplemented``, HTTP 501).
NOT_SERVED = "NotImplemented"
#: Codes meaning the endpoint does not serve the call at all.
NOT_SUPPORTED_CODES = frozenset({NOT_SERVED, "InvalidAction"})
#: What the operator can do about an answer that could not be read.
UNREADABLE_ADVICE = "retry; if it persists, check --endpoint-url and any proxy in between"
#: Codes whose message already says everything (no "Code: " prefix in front of it).
_SELF_EXPLAINING = frozenset({UNREADABLE_RESPONSE})


def error_code(exc: BaseException) -> str | None:
    """AWS's error code for a ClientError, else None."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def error_message(exc: BaseException) -> str:
    """AWS's error message for a ClientError ("" when it sent none), else the exception's text."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", "") or "")
    return str(exc)


def error_text(exc: BaseException) -> str:
    """One line for the operator: ``Code: message`` (either may be missing), never a traceback."""
    if not isinstance(exc, ClientError):
        return str(exc) or type(exc).__name__
    code, message = error_code(exc), error_message(exc)
    if message.lstrip()[:20].lower().startswith(("<!doctype html", "<html")):
        # An emulator's or proxy's error page (moto has no Access Analyzer): not AWS's words.
        message = "the endpoint answered with an HTML error page"
    if code in _SELF_EXPLAINING and message:
        return message
    return ": ".join(part for part in (code, message) if part) or "ClientError"


def unreadable(name: str, exc: BaseException) -> str | None:
    """``NAME failed: the endpoint returned an unreadable response (...): what to do`` for an
    answer that could not be read (garbled, cut short, an HTML page in place of a 200), never
    "not supported": the call exists, its answer was broken. None for any other failure."""
    if isinstance(exc, ResponseParserError):
        text = str(exc).partition("\n")[0]
        found = re.search(r"\((.*)\), invalid (\w+) received", text)
        why = f"invalid {found[2]}: {found[1]}" if found else text
        message = f"the endpoint returned an unreadable response ({why})"
    elif error_code(exc) == UNREADABLE_RESPONSE:
        message = error_message(exc)
    else:
        return None
    return f"{name} failed: {message}: {UNREADABLE_ADVICE}"
