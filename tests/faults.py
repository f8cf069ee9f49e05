"""Fault injection: botocore event hooks, and an HTTP proxy in front of the emulator.

Both make answers take botocore's normal parsing and retries; nothing patches boto3.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import os
import signal
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
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


def json_response(body: dict[str, Any]) -> AWSResponse:
    """A JSON-protocol answer (Access Analyzer's), for a ``before-send`` handler to return."""
    return AWSResponse(
        "https://access-analyzer.us-east-1.amazonaws.com/",
        200,
        {"Content-Type": "application/json"},
        _Body(json.dumps(body).encode()),
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


# --- an HTTP proxy in front of the emulator ----------------------------------------------------

#: Verbs of IAM operations that change something (the rest read).
WRITE_VERBS = (
    "Add",
    "Attach",
    "Change",
    "Create",
    "Deactivate",
    "Delete",
    "Detach",
    "Enable",
    "Put",
    "Remove",
    "Reset",
    "Resync",
    "Set",
    "Tag",
    "Untag",
    "Update",
    "Upload",
)

#: What a fault does to a request:
#: throttle/error500/error503 answer an AWS error without forwarding; reset closes the connection
#: (TCP RST) without forwarding; slow waits ``delay`` seconds then forwards; hang waits ``delay``
#: seconds then closes without an answer; truncate/garbage forward and then send a cut-off or
#: non-XML 200 body; lost forwards (the call takes effect) and drops the answer; kill-before and
#: kill-after SIGKILL ``Fault.pid`` before forwarding ("not sent") or after it ("sent, never
#: recorded").
KINDS = (
    "throttle",
    "error500",
    "error503",
    "reset",
    "slow",
    "hang",
    "truncate",
    "garbage",
    "lost",
    "kill-before",
    "kill-after",
)


@dataclass
class Fault:
    """One rule: the ``nth`` matching request (1-based) and the ``times - 1`` after it fail."""

    kind: str
    operation: str | None = None  # an operation name, "write", or None for any request
    nth: int = 1
    times: int = 1
    delay: float = 0.3
    pid: int | None = None
    seen: int = 0
    hits: int = 0

    def matches(self, operation: str) -> bool:
        """Whether this request is one the rule fires on (counting the matches)."""
        if self.operation == "write":
            if not is_write(operation):
                return False
        elif self.operation is not None and self.operation != operation:
            return False
        self.seen += 1
        if self.nth <= self.seen < self.nth + self.times:
            self.hits += 1
            return True
        return False


def is_write(operation: str) -> bool:
    """An IAM operation that changes state (by its verb)."""
    return operation.startswith(WRITE_VERBS)


def operation_of(path: str, body: bytes) -> str:
    """The operation a request names: ``Action=`` of a query call, else the REST path."""
    for part in body.split(b"&"):
        if part.startswith(b"Action="):
            return urllib.parse.unquote_plus(part[7:].decode())
    return path.split("?", 1)[0].strip("/") or "?"


class FaultProxy:
    """A loopback HTTP proxy in front of the emulator that breaks chosen requests.

    Every request is logged as (operation, fault kind or None). Rules fire in the order added;
    the first that matches a request decides its fate.
    """

    def __init__(self, upstream: str) -> None:
        """``upstream`` is the emulator's endpoint URL (http://127.0.0.1:PORT)."""
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                return

            def do_GET(self) -> None:
                proxy._handle(self)

            do_POST = do_PUT = do_DELETE = do_GET

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The endpoint to give iamtui instead of the emulator's."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, kind: str, operation: str | None = None, **kwargs: Any) -> Fault:
        """Add a rule (see KINDS); returns it so a test can read its hits."""
        assert kind in KINDS, kind
        fault = Fault(kind, operation, **kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Drop every rule (requests then pass through)."""
        with self._lock:
            self.faults.clear()

    def operations(self, *, writes: bool = False) -> list[str]:
        """The operations requested so far (only the writes, if asked)."""
        return [op for op, _ in self.log if not writes or is_write(op)]

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- one request ---------------------------------------------------------------------

    def _handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        operation = operation_of(handler.path, body)
        with self._lock:
            fault = next((f for f in self.faults if f.matches(operation)), None)
            self.log.append((operation, fault.kind if fault else None))
        kind = fault.kind if fault else None
        if kind in ("throttle", "error500", "error503"):
            code, status = {
                "throttle": ("Throttling", 400),
                "error500": ("InternalFailure", 500),
                "error503": ("ServiceUnavailable", 503),
            }[kind]
            self._answer(handler, status, _error_xml(code))
            return
        if kind == "reset":
            self._reset(handler)
            return
        if kind == "hang":
            time.sleep(fault.delay if fault else 0)
            self._reset(handler)
            return
        if kind == "slow":
            time.sleep(fault.delay if fault else 0)
        if kind == "kill-before":
            self._kill(fault)
            self._reset(handler)
            return
        status, headers, answer = self._forward(handler, body)
        if kind == "kill-after":
            self._kill(fault)
            self._reset(handler)
            return
        if kind == "lost":
            self._reset(handler)
            return
        if kind == "truncate":
            # Claim the whole length, send half, close: the client sees a short read.
            handler.send_response(status)
            handler.send_header("Content-Type", "text/xml")
            handler.send_header("Content-Length", str(len(answer)))
            handler.end_headers()
            handler.wfile.write(answer[: len(answer) // 2])
            handler.wfile.flush()
            self._reset(handler)
            return
        if kind == "garbage":
            self._answer(handler, 200, b"\x00\xffnot xml at all\x00")
            return
        self._answer(handler, status, answer, headers)

    def _forward(
        self, handler: http.server.BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() != "connection"}
            conn.request(handler.command, handler.path, body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            kept = [
                (k, v)
                for k, v in response.getheaders()
                if k.lower() not in ("content-length", "connection", "transfer-encoding")
            ]
            return response.status, kept, answer
        finally:
            conn.close()

    @staticmethod
    def _answer(
        handler: http.server.BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        handler.send_response(status)
        for name, value in headers or [("Content-Type", "text/xml")]:
            if name.lower() not in ("server", "date"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()

    @staticmethod
    def _reset(handler: http.server.BaseHTTPRequestHandler) -> None:
        """Close with a TCP RST: no answer at all."""
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            handler.connection.close()

    @staticmethod
    def _kill(fault: Fault | None) -> None:
        if fault is not None and fault.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(fault.pid, signal.SIGKILL)
            # Wait until it is gone, so nothing it would have done next slips through.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(fault.pid, 0)
                except ProcessLookupError:
                    return
                if _reaped_or_zombie(fault.pid):
                    return
                time.sleep(0.005)


def _reaped_or_zombie(pid: int) -> bool:
    """A killed child stays a zombie until its parent waits: that counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _error_xml(code: str) -> bytes:
    return (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>injected</Message></Error>"
        "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    ).encode()
