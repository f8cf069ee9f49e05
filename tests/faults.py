"""Fault injection through botocore's event hooks: answers take the normal parsing and retries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore.awsrequest import AWSResponse


class _Body:
    """The minimal raw-response object botocore reads a body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def error_response(code: str, message: str = "injected", status: int = 400) -> AWSResponse:
    """An IAM/STS query-protocol error, as AWS would send it."""
    body = (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    ).encode()
    return AWSResponse(
        "https://iam.amazonaws.com/", status, {"Content-Type": "text/xml"}, _Body(body)
    )


def inject(
    client: Any, operation: str, code: str, *, times: int | None = None, status: int = 400
) -> Callable[[], int]:
    """Make ``operation`` fail with ``code`` (first ``times`` sends, or always); returns hits."""
    hits = 0

    def handler(**_: Any) -> AWSResponse | None:
        nonlocal hits
        if times is not None and hits >= times:
            return None
        hits += 1
        return error_response(code, status=status)

    service = client.meta.service_model.endpoint_prefix
    client.meta.events.register(f"before-send.{service}.{operation}", handler)
    return lambda: hits
