"""The emulated AWS endpoint: moto's WSGI app behind the fidelity layer, served on loopback.

It runs in the same process as the TUI and the tests, so seeding can go straight to moto's
backend objects, and it must never write to the terminal the TUI draws on.
"""

from __future__ import annotations

import logging
import socket
import threading
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any

from iamtui.emulator import require_moto
from iamtui.emulator.state import DEFAULT_ACCOUNT_ID, AccountExtras, extras, reset_extras

if TYPE_CHECKING:
    from moto.iam.models import IAMBackend

    from iamtui.emulator.fidelity import FidelityMiddleware

DUMMY_CREDENTIAL = "testing"
#: Keys the harness accepts though no account issued them, with their secrets: its dummy key,
#: and the example pair from AWS's documentation (tests sign with it as a "real-looking" key).
HARNESS_KEYS = {
    DUMMY_CREDENTIAL: DUMMY_CREDENTIAL,
    "AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}
REGION = "us-east-1"


def _quiet_classes() -> tuple[type[Any], type[Any]]:
    """Server and handler classes that log nothing (werkzeug logs every request to stderr)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import ThreadedWSGIServer

    class QuietHandler(MotoRequestHandler):
        """moto's request handler without request or error logging."""

        def log(self, type: str, message: str, *args: Any) -> None:
            """Drop werkzeug's log line."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Drop the access log."""

        def log_error(self, format: str, *args: Any) -> None:
            """Drop error lines."""

        def log_message(self, format: str, *args: Any) -> None:
            """Drop http.server's stderr lines."""

    class QuietServer(ThreadedWSGIServer):
        """werkzeug's threaded server that keeps errors off the terminal."""

        def log(self, type: str, message: str, *args: Any) -> None:
            """Drop werkzeug's log line."""

        def handle_error(self, request: Any, client_address: Any) -> None:
            """socketserver prints tracebacks to stderr; a dropped client is not news."""

    return QuietServer, QuietHandler


def _silence_loggers() -> None:
    """Keep moto's and werkzeug's log records off stderr unless the app configured logging.

    With no handler anywhere, Python's last-resort handler (and Flask's default one) would
    print warnings to stderr, under the TUI.
    """
    for name in ("moto", "werkzeug"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


class Emulator:
    """moto's IAM (and friends) on ``http://127.0.0.1:PORT``, answering like AWS where it counts."""

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        *,
        fidelity: bool = True,
        trusted_keys: Mapping[str, str] | None = None,
        control_api: bool = False,
    ) -> None:
        """``fidelity=False`` serves moto as shipped (no fidelity layer), for tests that prove
        the product copes with a lax endpoint. ``trusted_keys`` maps access key ids accepted
        though no account issued them to their secret (default: :data:`HARNESS_KEYS`; the demo
        trusts none); signatures are verified either way.
        ``control_api`` serves moto's ``/moto-api`` (state dump, reset, auth switch): only the
        test harness turns it on; off, every such request is refused."""
        self._host = host
        self._requested_port = port
        self.fidelity = fidelity
        self._trusted_keys = dict(HARNESS_KEYS if trusted_keys is None else trusted_keys)
        self.control_api = control_api
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._app: FidelityMiddleware | None = None
        self._lock = threading.Lock()

    def start(self) -> Emulator:
        """Serve in a daemon thread (port 0 picks a free port); a second call does nothing."""
        with self._lock:
            if self._server is not None:
                return self
            require_moto()
            _silence_loggers()
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                create_backend_app,
            )

            from iamtui.emulator.fidelity import FidelityMiddleware
            from iamtui.emulator.fidelity.control import ControlGuard

            server_class, handler_class = _quiet_classes()
            moto_app = DomainDispatcherApplication(create_backend_app)
            app = (
                FidelityMiddleware(moto_app, trusted_keys=self._trusted_keys)
                if self.fidelity
                else None
            )
            served: Any = app or moto_app
            if not self.control_api:
                served = ControlGuard(served)
            # Bind here so a busy port raises OSError to the caller; werkzeug would print and exit.
            with socket.create_server((self._host, self._requested_port)) as listener:
                server = server_class(
                    self._host,
                    self._requested_port,
                    served,
                    handler=handler_class,
                    fd=listener.fileno(),
                )
            thread = threading.Thread(
                target=server.serve_forever, name="iamtui-emulator", daemon=True
            )
            thread.start()
            self._server, self._thread, self._app = server, thread, app
            return self

    def stop(self) -> None:
        """Stop serving; safe to call twice."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._server is None:
            raise RuntimeError("the emulator is not running: call start() first")
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        """What boto3 clients pass as ``endpoint_url``."""
        return f"http://{self._host}:{self.port}"

    def reset(self) -> None:
        """Forget every account: moto's state, iamtui's extras and cached pages."""
        require_moto()
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
        reset_extras()
        if self._app is not None:
            self._app.clear()

    @contextmanager
    def enforced(self) -> Iterator[None]:
        """moto's permission checks (signatures and IAM policies) on for the block, always off
        afterwards (the emulator is shared). Needs ``control_api=True``: it uses ``reset-auth``."""
        self._set_auth("0")
        try:
            yield
        finally:
            self._set_auth("inf")

    def _set_auth(self, count: str) -> None:
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset-auth",
            data=count.encode(),
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request) as answer:
            answer.read()

    def backend(self, account_id: str = DEFAULT_ACCOUNT_ID) -> IAMBackend:
        """moto's IAM backend of one account, for fast in-process seeding."""
        require_moto()
        from moto.iam.models import iam_backends

        return iam_backends[account_id]["aws"]

    def extras(self, account_id: str = DEFAULT_ACCOUNT_ID) -> AccountExtras:
        """The account's state beyond moto (root, usage, report timing)."""
        return extras(account_id)

    def client(self, service: str = "iam", *, account_id: str | None = None, **kwargs: Any) -> Any:
        """A real boto3 client for this endpoint with dummy credentials.

        ``account_id`` selects another emulated account (moto's ``x-moto-account-id`` header).
        """
        import boto3

        options: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "region_name": REGION,
            "aws_access_key_id": DUMMY_CREDENTIAL,
            "aws_secret_access_key": DUMMY_CREDENTIAL,
        }
        options.update(kwargs)
        client = boto3.client(service, **options)
        if account_id is not None:

            def add_account_header(request: Any, **_: Any) -> None:
                request.headers["x-moto-account-id"] = account_id

            client.meta.events.register("before-sign", add_account_header)
        return client

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
