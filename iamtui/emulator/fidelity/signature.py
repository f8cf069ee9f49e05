"""SigV4 on the way in: a request counts only if its signature verifies with the key's secret.

AWS: "Signature Version 4 signing process" (AWS General Reference / IAM User Guide,
"Create a signed AWS API request"), https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
and "Common Errors" (IAM API Reference: SignatureDoesNotMatch, MissingAuthenticationToken,
HTTP 403), https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html

The signature is recomputed with botocore's own signer over the request rebuilt from the WSGI
environ (method, raw path, query string, exactly the headers the client signed, body), so
whatever botocore signs verifies here. Not verified: query-string (presigned) signatures and
streaming ``aws-chunked`` bodies (they answer MissingAuthenticationToken / are hashed whole),
and session tokens are not matched to their key (the signature already proves the secret).
"""

from __future__ import annotations

import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials
from werkzeug.datastructures import EnvironHeaders

from iamtui.emulator.fidelity.wire import IamError, Response, WSGIEnviron, error_response

AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request,\s*SignedHeaders=(?P<headers>[^,\s]+),\s*"
    r"Signature=(?P<signature>[0-9a-fA-F]+)\s*$"
)
#: How far a request's X-Amz-Date may be from the real clock. AWS allows 5 minutes (signatures
#: expire after 15); generous here so a slow test machine never trips it. Test clocks frozen
#: with ``AccountExtras.clock`` do not matter: boto3 signs with the real clock.
MAX_SKEW = timedelta(minutes=15)
SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"


#: The names rest-json services (Organizations, Account) give these errors.
JSON_CODES = {
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "MissingAuthenticationToken": "MissingAuthenticationTokenException",
}


class _SignedHeadersAuth(SigV4Auth):  # type: ignore[misc]  # botocore is untyped
    """botocore's SigV4 signer restricted to the headers the client said it signed."""

    def __init__(self, credentials: Credentials, service: str, region: str, names: list[str]):
        super().__init__(credentials, service, region)
        self._names = names

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        """Exactly the signed headers, in the client's list (botocore would pick its own)."""
        headers = HTTPHeaders()
        for name in self._names:
            for value in request.headers.get_all(name) or [""]:
                headers[name] = value
        return headers


class _S3SignedHeadersAuth(_SignedHeadersAuth, S3SigV4Auth):  # type: ignore[misc]
    """The same for S3, whose canonical path is not normalised."""


def signature_error(environ: WSGIEnviron, request_id: str, code: str, message: str) -> Response:
    """An authentication failure (HTTP 403) in the protocol the client reads."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/json") and not environ.get(
        "HTTP_X_AMZ_TARGET"
    ):
        return error_response(IamError(code, message, 403), request_id)
    name = JSON_CODES.get(code, code)
    body = json.dumps({"__type": name, "message": message}).encode()
    headers = (
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("x-amzn-ErrorType", name),
        ("x-amzn-RequestId", request_id),
    )
    return Response(403, body, headers)


def signature_problem(environ: WSGIEnviron, body: bytes, secret: str) -> str | None:
    """Why AWS would refuse this SigV4 signature made with ``secret``, or None if it verifies."""
    match = AUTHORIZATION.match(environ.get("HTTP_AUTHORIZATION", "").strip())
    if match is None:
        return "Authorization header requires SignedHeaders and Signature parameters."
    headers = EnvironHeaders(environ)
    timestamp = headers.get("X-Amz-Date", "")
    try:
        signed_at = datetime.strptime(timestamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC)
    except ValueError:
        return "Authorization header requires an X-Amz-Date header in ISO 8601 basic format."
    now = datetime.now(UTC)
    if abs(now - signed_at) > MAX_SKEW:
        return (
            f"Signature expired: {timestamp} is now earlier than "
            f"{(now - MAX_SKEW).strftime(SIGV4_TIMESTAMP)}"
            if signed_at < now
            else f"Signature not yet current: {timestamp} is still later than "
            f"{(now + MAX_SKEW).strftime(SIGV4_TIMESTAMP)}"
        )
    names = match["headers"].lower().split(";")
    host = headers.get("Host", "localhost")
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    path = urlsplit(str(raw)).path or "/"
    query = environ.get("QUERY_STRING", "")
    request = AWSRequest(
        method=environ.get("REQUEST_METHOD", "GET"),
        url=f"http://{host}{path}" + (f"?{query}" if query else ""),
        data=body,
        headers={name: headers.get(name, "") for name in names},
    )
    request.context["timestamp"] = timestamp
    service, region = match["service"], match["region"]
    signer_class = _S3SignedHeadersAuth if service == "s3" else _SignedHeadersAuth
    signer = signer_class(Credentials(match["key"], secret), service, region, names)
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    expected = signer.signature(string_to_sign, request)
    if match["date"] == timestamp[:8] and hmac.compare_digest(expected, match["signature"].lower()):
        return None
    return (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service "
        "documentation for details."
    )
