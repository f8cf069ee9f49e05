"""The session factory under a broken endpoint: unreadable answers, hangs, malformed URLs.

Faults come from the HTTP layer (a loopback socket that never answers) or from botocore's
``before-send`` event (an ``AWSResponse`` with the bad body), never from patching boto3.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ReadTimeoutError
from faults import _Body, error_response

from iamtui.core import session as session_module
from iamtui.core.errors import UNREADABLE_RESPONSE, error_code, error_text
from iamtui.core.loader import load_account
from iamtui.core.model import Part
from iamtui.core.root import ExtraPart, load_root_state
from iamtui.core.session import (
    ConnectionProblem,
    ConnectionSettings,
    check_endpoint_url,
    connect,
)
from iamtui.emulator.server import Emulator

IAMTUI = [sys.executable, "-c", "from iamtui.cli import main; main()"]
KEYS = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
#: Sends per call in these tests (fewer than the default, to keep the backoff short).
ATTEMPTS = 3


def settings(endpoint: str) -> ConnectionSettings:
    return ConnectionSettings(endpoint_url=endpoint, region="us-east-1", static_credentials=KEYS)


def answer(body: bytes, content_type: str = "text/xml") -> Any:
    """A before-send handler answering 200 with ``body``; it records each send."""
    sends: list[int] = []

    def handler(**_: Any) -> AWSResponse:
        sends.append(1)
        return AWSResponse(
            "https://iam.amazonaws.com/", 200, {"Content-Type": content_type}, _Body(body)
        )

    handler.sends = sends  # type: ignore[attr-defined]
    return handler


UNREADABLE = [
    (b"", "an empty body"),
    (b"<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsRes", "cut short"),
    (b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "an HTML page"),
]


@pytest.mark.parametrize(("body", "why"), UNREADABLE)
def test_unreadable_200_is_retried_then_named_as_that_call_failing(
    emulator: Emulator, body: bytes, why: str
) -> None:
    conn = connect(settings(emulator.endpoint_url), max_attempts=ATTEMPTS)
    handler = answer(body)
    conn.iam.meta.events.register("before-send.iam.GetAccountAuthorizationDetails", handler)
    snap = load_account(conn)
    missing = snap.unavailable_part(Part.AUTHORIZATION_DETAILS)
    assert missing is not None
    assert missing.reason.startswith(
        "GetAccountAuthorizationDetails failed: the endpoint returned an unreadable response ("
    )
    assert why in missing.reason
    assert missing.code == UNREADABLE_RESPONSE
    assert len(handler.sends) == ATTEMPTS  # retried, not given up at once
    assert snap.unavailable_part(Part.ACCOUNT_SUMMARY) is None  # the other calls went on


def test_a_garbled_200_is_an_unreadable_response_not_an_unsupported_call(
    emulator: Emulator,
) -> None:
    """Before: a 200 whose XML is broken inside (it passes the guard's cheap checks: a control
    character, as moto wrote for a name it should have refused) read "not supported"."""
    conn = connect(settings(emulator.endpoint_url), max_attempts=ATTEMPTS)
    garbled = (
        b"<GetAccountAuthorizationDetailsResponse>\x01</GetAccountAuthorizationDetailsResponse>"
    )
    handler = answer(garbled)
    conn.iam.meta.events.register("before-send.iam.GetAccountAuthorizationDetails", handler)
    missing = load_account(conn).unavailable_part(Part.AUTHORIZATION_DETAILS)
    assert missing is not None and missing.code == UNREADABLE_RESPONSE
    assert missing.reason.startswith(
        "GetAccountAuthorizationDetails failed: the endpoint returned an unreadable response "
        "(invalid XML: "
    )
    assert missing.reason.endswith("check --endpoint-url and any proxy in between")
    assert "not supported" not in missing.reason


def test_an_http_500_html_page_is_an_unsupported_call_sent_once(emulator: Emulator) -> None:
    """What moto as shipped answers for an API it lacks: "not supported", not retried."""
    conn = connect(settings(emulator.endpoint_url), max_attempts=ATTEMPTS)
    sends: list[int] = []

    def page(**_: Any) -> AWSResponse:
        sends.append(1)
        body = b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>"
        return AWSResponse("https://iam.amazonaws.com/", 500, {"Content-Type": "text/html"},
                           _Body(body))  # fmt: skip

    conn.iam.meta.events.register("before-send.iam.ListServiceSpecificCredentials", page)
    missing = load_account(conn).unavailable_part(Part.SERVICE_CREDENTIALS)
    assert missing is not None and missing.code == "Unsupported"
    assert missing.reason == "ListServiceSpecificCredentials is not supported by this endpoint"
    assert sends == [1]


def test_unreadable_answer_that_recovers_is_not_a_failure(emulator: Emulator) -> None:
    conn = connect(settings(emulator.endpoint_url), max_attempts=ATTEMPTS)
    handler = answer(b"")
    calls: list[int] = []

    def once(**kwargs: Any) -> AWSResponse | None:
        calls.append(1)
        return handler(**kwargs) if len(calls) == 1 else None

    conn.iam.meta.events.register("before-send.iam.ListAccountAliases", once)
    assert conn.iam.list_account_aliases()["AccountAliases"] == []
    assert len(calls) == 2


def test_unreadable_json_answer_on_the_account_api_is_named(emulator: Emulator) -> None:
    conn = connect(settings(emulator.endpoint_url), max_attempts=ATTEMPTS)
    snap = load_account(conn)
    handler = answer(b"<html><body>Sign in to the proxy</body></html>", "text/html")
    conn.account.meta.events.register("before-send.account.GetAlternateContact", handler)
    state = load_root_state(conn, snap)
    missing = state.security_contact.unavailable
    assert missing is not None and missing.part == ExtraPart.SECURITY_CONTACT
    assert missing.reason == (
        "account:GetAlternateContact failed: the endpoint returned an unreadable response "
        "(an HTML page): retry; if it persists, check --endpoint-url and any proxy in between"
    )
    assert len(handler.sends) == ATTEMPTS


def test_error_answers_are_not_touched(emulator: Emulator) -> None:
    """A real 4xx/5xx body is AWS's own error: the guard only looks at 200s."""
    conn = connect(settings(emulator.endpoint_url), max_attempts=ATTEMPTS)
    conn.iam.meta.events.register(
        "before-send.iam.ListUsers", lambda **_: error_response("AccessDenied", status=403)
    )
    with pytest.raises(ClientError) as caught:
        conn.iam.list_users()
    assert error_code(caught.value) == "AccessDenied"
    assert error_text(caught.value) == "AccessDenied: injected"


@pytest.fixture
def hung_endpoint() -> Iterator[tuple[str, list[int]]]:
    """A loopback HTTP endpoint that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[int] = []
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(1)
            held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()


def test_a_hung_call_gives_up_after_two_sends(
    hung_endpoint: tuple[str, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "READ_TIMEOUT", 0.5)
    endpoint, accepted = hung_endpoint
    conn = connect(settings(endpoint))
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        conn.iam.list_users()
    assert len(accepted) == session_module.TIMEOUT_ATTEMPTS  # not TOTAL_MAX_ATTEMPTS
    assert time.monotonic() - started < 5


def test_a_hung_endpoint_is_one_connection_problem(
    hung_endpoint: tuple[str, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "READ_TIMEOUT", 0.5)
    endpoint, _ = hung_endpoint
    started = time.monotonic()
    with pytest.raises(ConnectionProblem, match="did not answer"):
        load_account(connect(settings(endpoint)))
    assert time.monotonic() - started < 10


def test_timeouts_report_a_hang_well_under_a_minute() -> None:
    s = session_module
    assert s.TIMEOUT_ATTEMPTS * (s.CONNECT_TIMEOUT + s.READ_TIMEOUT) <= 40
    config = s.client_config()
    assert (config.connect_timeout, config.read_timeout) == (s.CONNECT_TIMEOUT, s.READ_TIMEOUT)


@pytest.mark.parametrize(
    "url", ["localhost:4566", "127.0.0.1:4566", "ftp://localhost", "http://", "http://h:port"]
)
def test_malformed_endpoint_urls_are_refused(url: str) -> None:
    with pytest.raises(ConnectionProblem, match="expected http"):
        check_endpoint_url(url)


def test_endpoint_urls_with_a_scheme_pass() -> None:
    assert check_endpoint_url(" http://localhost:4566 ") == "http://localhost:4566"
    assert check_endpoint_url("https://iam.amazonaws.com") == "https://iam.amazonaws.com"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.update({"AWS_ACCESS_KEY_ID": KEYS[0], "AWS_SECRET_ACCESS_KEY": KEYS[1]}, **(env or {}))
    return subprocess.run([*IAMTUI, *args], capture_output=True, text=True, timeout=60, env=base)


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["scan", "--endpoint-url", "localhost:4566"], {}),
        (["root", "--format", "text", "--endpoint-url", "localhost:4566"], {}),
        (["scan"], {"AWS_ENDPOINT_URL": "localhost:4566"}),
    ],
)
def test_cli_malformed_endpoint_is_one_line_exit_2(args: list[str], env: dict[str, str]) -> None:
    result = _cli(*args, env=env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("iamtui: error: ") and "localhost:4566" in lines[0]
    assert "expected http(s)://host[:port]" in lines[0]


def test_error_text_is_code_and_message() -> None:
    def client_error(code: str, message: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": message}}, "ListUsers")

    assert error_text(client_error("Throttling", "Rate exceeded")) == "Throttling: Rate exceeded"
    assert error_text(client_error("Throttling", "")) == "Throttling"
    assert error_text(client_error(UNREADABLE_RESPONSE, "unreadable")) == "unreadable"
    assert error_code(ValueError("x")) is None
    assert error_text(ValueError("boom")) == "boom"
