"""An account over its API rate: its IAM calls answer ``Throttling`` (seeded per account)."""

from __future__ import annotations

from iamtui.emulator.fidelity.registry import CALL_HOOKS, Call
from iamtui.emulator.fidelity.wire import IamError


def throttle(call: Call) -> None:
    """IAM answers ``Throttling: Rate exceeded`` (HTTP 400) when an account calls too fast.

    AWS: "Common Errors" (IAM API Reference: ThrottlingException, "The request was denied due
    to request throttling", HTTP 400; IAM sends the code ``Throttling``),
    https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
    """
    account = call.extras
    with account.lock:
        if account.throttle_next > 0:
            account.throttle_next -= 1
        elif not account.throttled:
            return
    raise IamError("Throttling", "Rate exceeded", 400)


# First: AWS throttles a call before it looks at it.
CALL_HOOKS.insert(0, throttle)
