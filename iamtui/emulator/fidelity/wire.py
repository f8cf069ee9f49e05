"""The IAM query protocol on the wire: error codes, XML answers and whole HTTP responses."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"

WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[WSGIEnviron, StartResponse], Iterable[bytes]]


# --------------------------------------------------------------------------------------- errors

#: HTTP status of the IAM error codes this layer raises (from botocore's IAM service model).
ERROR_STATUS = {
    "AccessDenied": 403,
    "ConcurrentModification": 409,
    "DeleteConflict": 409,
    "DuplicateCertificate": 409,
    "DuplicateSSHPublicKey": 400,
    "EntityAlreadyExists": 409,
    "EntityTemporarilyUnmodifiable": 409,
    "InvalidClientTokenId": 403,
    "InvalidInput": 400,
    "LimitExceeded": 409,
    "MalformedPolicyDocument": 400,
    "NoSuchEntity": 404,
    "NotImplemented": 501,
    "NotSupportedService": 404,
    "PolicyNotAttachable": 400,
    "ReportExpired": 410,
    "ReportInProgress": 404,
    "ReportNotPresent": 410,
    "ServiceFailure": 500,
    "UnmodifiableEntity": 400,
    "ValidationError": 400,
}


class IamError(Exception):
    """An IAM error answer; raised by rules, rendered as AWS's XML error document."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status or ERROR_STATUS.get(code, 400)


def validation_error(message: str) -> IamError:
    """AWS's wording for a parameter that fails its constraints."""
    return IamError("ValidationError", message)


# ------------------------------------------------------------------------------------------ XML


class Fragment(str):
    """One or more complete, already-serialised XML elements, emitted verbatim."""

    __slots__ = ()


def iso(value: datetime) -> str:
    """IAM's XML timestamp; moto keeps naive datetimes that mean UTC."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")


def to_xml(value: object) -> str:
    """Serialise plain data the query-protocol way: dicts as elements, lists as ``<member>``."""
    if isinstance(value, Fragment):
        return value
    if isinstance(value, Mapping):
        return "".join(element(name, item) for name, item in value.items() if item is not None)
    if isinstance(value, list | tuple):
        return "".join(
            item if isinstance(item, Fragment) else f"<member>{to_xml(item)}</member>"
            for item in value
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value)
    return escape(str(value))


def element(name: str, value: object) -> str:
    """One named element (a Fragment stands for itself)."""
    if isinstance(value, Fragment):
        return value
    inner = to_xml(value)
    return f"<{name}>{inner}</{name}>" if inner else f"<{name}/>"


@dataclass(frozen=True, slots=True)
class Response:
    """A complete HTTP answer, from moto or from a rule."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """A 2xx answer: the forwarded call took effect."""
        return 200 <= self.status < 300


def xml_response(status: int, body: str, request_id: str) -> Response:
    """Wrap an XML document with the headers AWS sends."""
    data = body.encode()
    return Response(
        status,
        data,
        (
            ("Content-Type", "text/xml"),
            ("Content-Length", str(len(data))),
            ("x-amzn-RequestId", request_id),
        ),
    )


def json_response(
    status: int,
    payload: object,
    request_id: str,
    *,
    error: str | None = None,
    content_type: str = "application/json",
) -> Response:
    """A JSON-protocol answer; ``error`` names the error type (``x-amzn-ErrorType``)."""
    data = json.dumps(payload, default=str).encode()
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(data))),
        ("x-amzn-RequestId", request_id),
    ]
    if error is not None:
        headers.insert(2, ("x-amzn-ErrorType", error))
    return Response(status, data, tuple(headers))


def json_error(status: int, code: str, message: str, request_id: str) -> Response:
    """AWS's JSON error shape: ``{"__type": code, "message": ...}``."""
    return json_response(status, {"__type": code, "message": message}, request_id, error=code)


def result_document(action: str, result_xml: str | None, request_id: str) -> str:
    """The query-protocol envelope: ``<XResponse><XResult>...</XResult><ResponseMetadata>``."""
    result = f"<{action}Result>{result_xml}</{action}Result>" if result_xml is not None else ""
    return (
        f'<{action}Response xmlns="{IAM_NS}">{result}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )


#: Characters outside XML 1.0's ``Char`` production (https://www.w3.org/TR/xml/#charsets).
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """Escaped text with XML-invalid characters dropped: an answer must always parse."""
    return escape(XML_INVALID.sub("", value))


def error_response(error: IamError, request_id: str) -> Response:
    """AWS's ``<ErrorResponse>`` with the code's HTTP status."""
    fault = "Sender" if error.status < 500 else "Receiver"
    body = (
        f'<ErrorResponse xmlns="{IAM_NS}"><Error><Type>{fault}</Type>'
        f"<Code>{xml_text(error.code)}</Code><Message>{xml_text(error.message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return xml_response(error.status, body, request_id)


def parse_result(body: bytes) -> ET.Element:
    """The ``<XResult>`` element of a moto answer, with namespaces stripped for easy editing."""
    root = ET.fromstring(body)
    for node in root.iter():
        node.tag = node.tag.rpartition("}")[2]
        node.tail = None
    for child in root:
        if child.tag.endswith("Result"):
            return child
    return ET.Element("Result")


def fragment(node: ET.Element) -> Fragment:
    """Serialise one parsed element back to XML text."""
    return Fragment(ET.tostring(node, encoding="unicode"))
