"""AWS error messages, read one way: the code, the message and the one line the operator sees."""

from __future__ import annotations

from botocore.exceptions import ClientError

#: The code iamtui gives a 200 answer it could not read (empty, cut short, an HTML page).
UNREADABLE_RESPONSE = "UnreadableResponse"
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
