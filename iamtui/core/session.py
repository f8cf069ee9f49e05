"""Connecting to IAM: one place builds boto3 clients with the same retries, agent and endpoint."""

from __future__ import annotations

import logging
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.loaders
import botocore.session

from iamtui import __version__
from iamtui.core.errors import NOT_SERVED, UNREADABLE_RESPONSE

#: IAM is global; its API lives in us-east-1 whatever region the operator works in.
DEFAULT_REGION = "us-east-1"
#: Sends per call, first try included (botocore's ``total_max_attempts``): room for throttling.
TOTAL_MAX_ATTEMPTS = 8
#: The caller-identity probe gives up sooner: it is the reachability check.
STS_MAX_ATTEMPTS = 3
#: The Account API (alternate contacts) is global, served from us-east-1 in the aws partition.
ACCOUNT_REGION = "us-east-1"
#: Sends per CloudTrail call: LookupEvents is paced client-side (2 requests/s), so a retry is
#: for a transient error; a missing endpoint (HTTP 500) is reported in seconds, not a minute.
CLOUDTRAIL_MAX_ATTEMPTS = 4
#: Seconds to open a TCP/TLS connection (AWS answers in well under one).
CONNECT_TIMEOUT = 5
#: Seconds of silence on an open connection before a send is abandoned. AWS streams even a large
#: GetAccountAuthorizationDetails page within a few seconds; only a hung endpoint or proxy waits.
READ_TIMEOUT = 15
#: Sends per call when they time out: a hang is retried once, not TOTAL_MAX_ATTEMPTS times, so it
#: is reported after about TIMEOUT_ATTEMPTS x READ_TIMEOUT = 30 s (not 8 x 60 s).
TIMEOUT_ATTEMPTS = 2


def hang_summary() -> str:
    """How long a hung call was waited for, in the words error messages use."""
    return f"{TIMEOUT_ATTEMPTS} tries of {READ_TIMEOUT} s each"


class ConnectionProblem(RuntimeError):
    """Credentials or endpoint are unusable; the message is one line for the operator."""


#: Client event names that differ from the service prefix IAM policies use for the same calls.
POLICY_PREFIX = {"accessanalyzer": "access-analyzer"}
#: Operations AWS authorizes as another action (Access Analyzer API Reference: "ListFindings and
#: ListFindingsV2 both use access-analyzer:ListFindings"; GetFindingV2 uses GetFinding).
POLICY_ACTION = {
    "access-analyzer:ListFindingsV2": "access-analyzer:ListFindings",
    "access-analyzer:GetFindingV2": "access-analyzer:GetFinding",
}


@dataclass
class RequestCounter:
    """Counts HTTP sends per operation, retries included, so loads can prove their cost."""

    total: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, event_name: str = "", **_: Any) -> None:
        # "before-send.iam.ListUsers" -> "iam:ListUsers", the form IAM policies use.
        parts = event_name.split(".")
        prefix = POLICY_PREFIX.get(parts[1], parts[1]) if len(parts) >= 3 else ""
        name = f"{prefix}:{parts[2]}" if len(parts) >= 3 else "unknown"
        name = POLICY_ACTION.get(name, name)
        with self._lock:
            self.total += 1
            self.by_operation[name] = self.by_operation.get(name, 0) + 1

    def snapshot(self) -> int:
        """The count so far (callers diff two values to cost one step)."""
        with self._lock:
            return self.total


@dataclass(frozen=True)
class ConnectionSettings:
    """How the operator asked to connect; the same flags for every command."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    #: Explicit (access key id, secret) instead of the credential chain: the embedded demo only.
    static_credentials: tuple[str, str] | None = field(default=None, repr=False)


@dataclass
class Connection:
    """Thread-safe clients created up front (sessions are not thread-safe)."""

    settings: ConnectionSettings
    iam: Any
    sts: Any
    counter: RequestCounter
    access_key_id: str | None
    #: The Account API (alternate contacts); None only for connections built by hand.
    account: Any = None
    #: AWS Organizations (the account's organization); None only for connections built by hand.
    organizations: Any = None
    #: CloudTrail in the session's region (event history is regional: ``--region`` picks it),
    #: read only on demand ("who uses this credential"); None for connections built by hand.
    cloudtrail: Any = None
    #: IAM Access Analyzer in the session's region (it is regional); None only when built by hand.
    accessanalyzer: Any = None
    #: The role ARNs assumed to reach this account, in order (``fleet.reach``); empty with the
    #: account's own credentials. The journal records it, so undo knows to assume it again.
    role_chain: tuple[str, ...] = ()
    #: The connection allowed to call sts:AssumeRoot for this account: the management
    #: account's, when this account was reached from an organization session (``fleet.reach``);
    #: None: this connection itself.
    root_caller: Connection | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        """Where requests go, for headers and error messages."""
        return str(self.iam.meta.endpoint_url)


def client_config(
    max_pool: int = 10, max_attempts: int = TOTAL_MAX_ATTEMPTS
) -> botocore.config.Config:
    """Adaptive retries absorb IAM's token-bucket throttling; the agent names us in CloudTrail."""
    return botocore.config.Config(
        retries={"mode": "adaptive", "total_max_attempts": max_attempts},
        user_agent_extra=f"iamtui/{__version__}",
        max_pool_connections=max_pool,
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
    )


def _quiet_botocore() -> None:
    """botocore's DEBUG log holds request params and response bodies: new secrets and passwords.

    Pinned to INFO so that no root DEBUG logging (an operator's, an embedding app's) records them.
    """
    for name in ("botocore", "boto3", "urllib3"):
        logger = logging.getLogger(name)
        if logger.level in (logging.NOTSET, logging.DEBUG):
            logger.setLevel(logging.INFO)


def check_endpoint_url(url: str) -> str:
    """The URL when botocore can use it (``http(s)://host[:port]``), else a one-line problem."""
    parsed = urllib.parse.urlsplit(url.strip())
    try:
        parsed.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        parsed = urllib.parse.urlsplit("")
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConnectionProblem(
            f"invalid endpoint URL {url!r}: expected http(s)://host[:port], "
            "e.g. http://localhost:4566"
        )
    return url.strip()


#: botocore's loaders (service models, endpoint rules) by data path, shared by every session of
#: the process: a new session otherwise parses the same JSON again (0.14 s of CPU per connect,
#: 0.03 s shared). Loaders only read files and cache what they read.
_loaders: dict[str | None, Any] = {}
_loaders_lock = threading.Lock()


def _session(
    profile_name: str | None = None,
    refreshing: botocore.credentials.Credentials | None = None,
    **credentials: str,
) -> boto3.session.Session:
    """A boto3 session on a botocore session whose loader is the process's shared one (for
    the data path the profile names, as botocore would pick it). ``refreshing`` credentials
    are set on the botocore session as its credential resolver would (boto3 has no argument
    for them)."""
    core = botocore.session.Session(profile=profile_name)
    if refreshing is not None:
        core._credentials = refreshing
    data_path = core.get_config_variable("data_path")
    with _loaders_lock:
        loader = _loaders.get(data_path)
        if loader is None:
            loader = _loaders[data_path] = botocore.loaders.create_loader(data_path)
    core.register_component("data_loader", loader)
    session = boto3.session.Session(botocore_session=core, profile_name=profile_name, **credentials)
    with _loaders_lock:  # boto3 appends its own data directory to the loader each time: once
        loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    return session


def open_session(settings: ConnectionSettings, **credentials: str) -> boto3.session.Session:
    """The one place a boto3 session is built: explicit credentials, the demo's, or the profile's.

    ``credentials`` are boto3's keyword names (``aws_access_key_id``, ``aws_secret_access_key``,
    ``aws_session_token``): an sts:AssumeRoot session. ProfileNotFound becomes ConnectionProblem.
    """
    _quiet_botocore()
    try:
        if credentials:
            return _session(**credentials)
        if settings.static_credentials is not None:
            key_id, secret = settings.static_credentials
            return _session(aws_access_key_id=key_id, aws_secret_access_key=secret)
        return _session(profile_name=settings.profile)
    except botocore.exceptions.ProfileNotFound as exc:
        raise ConnectionProblem(
            f"AWS profile {settings.profile!r} not found: check ~/.aws/config or drop --profile"
        ) from exc


def new_client(
    session: boto3.session.Session,
    service: str,
    *,
    region: str,
    endpoint_url: str | None,
    count: Callable[..., None] | None = None,
    max_pool: int = 2,
    max_attempts: int = TOTAL_MAX_ATTEMPTS,
) -> Any:
    """The one place a client is built: retries, timeouts, agent, the guards below, a counter.

    ``count`` is registered on ``before-send`` (usually the connection's RequestCounter).
    """
    if endpoint_url is not None:
        endpoint_url = check_endpoint_url(endpoint_url)
    try:
        client = session.client(
            service,
            region_name=region,
            endpoint_url=endpoint_url,
            config=client_config(max_pool, max_attempts),
        )
    except ValueError as exc:  # AWS_ENDPOINT_URL(_<SERVICE>) or a config file's endpoint_url
        raise ConnectionProblem(
            f"{exc}: expected http(s)://host[:port] (check AWS_ENDPOINT_URL and ~/.aws/config)"
        ) from exc
    events = client.meta.events
    events.register("before-parse", _reject_unreadable)
    # Before botocore's own retry handler (same event): it must see the 502 and no hang retries.
    name = client.meta.service_model.service_id.hyphenize()
    events.register_first(f"needs-retry.{name}", _stop_retrying_hangs)
    events.register_first(f"needs-retry.{name}", _mark_unreadable_failed)
    if count is not None:
        events.register("before-send", count)
    return client


# --- guards against a broken endpoint ---------------------------------------------------------

#: The first bytes of an HTML page (a captive portal, a proxy's error page, a load balancer).
_HTML_STARTS = (b"<!doctype html", b"<html")
#: Protocols whose every answer, even to a call without output, is an XML document.
_XML_PROTOCOLS = frozenset({"query", "ec2"})
#: The HTTP status an unreadable 200 is turned into: botocore retries 502 as a transient error.
_UNREADABLE_STATUS = 502
#: The status of an API the endpoint lacks (AWS's NotImplemented): never retried, as the 500
#: page's parser error never was.
_NOT_SERVED_STATUS = 501


def _html(body: bytes) -> bool:
    return body.strip()[:20].lower().startswith(_HTML_STARTS)


def _json_object(text: bytes) -> bool:
    return text.startswith(b"{") and text.endswith(b"}")


def _unreadable(protocol: str, has_output: bool, body: bytes) -> str | None:
    """Why a 200 body cannot be the answer (cheap checks: no second parse), or None."""
    text = body.strip()
    if _html(text):
        return "an HTML page"
    if protocol in _XML_PROTOCOLS:
        if not text:
            return "an empty body"
        if not text.startswith(b"<") or not text.endswith(b"Response>"):
            return "a body cut short or not XML"
    elif has_output and protocol in ("json", "rest-json") and text and not _json_object(text):
        return "a body cut short or not JSON"
    return None


def _reject_unreadable(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """A 200 that is empty, cut short or an HTML page becomes a retryable 502 error; an HTTP
    500 HTML page in place of an XML error becomes ``NotImplemented``.

    botocore would raise a bare parser error (never retried, shown as a traceback); as a 502 it
    is retried, then reported as that call failing, in one line. moto as shipped answers an API
    it lacks with a 500 HTML page: said as "not supported", a parser error left for a body that
    was garbled in a way these cheap checks cannot see ("unreadable response").
    """
    body = response_dict.get("body")
    status = response_dict.get("status_code")
    if not isinstance(body, bytes) or operation_model.has_streaming_output:
        return
    protocol = str(operation_model.service_model.resolved_protocol)
    if status == 500 and protocol in _XML_PROTOCOLS and _html(body):
        response_dict["status_code"] = _NOT_SERVED_STATUS
        response_dict["body"] = (
            f"<ErrorResponse><Error><Type>Receiver</Type><Code>{NOT_SERVED}</Code>"
            f"<Message>the endpoint answered {operation_model.name} with an HTTP 500 HTML page"
            "</Message></Error></ErrorResponse>"
        ).encode()
        return
    if status != 200:
        return
    why = _unreadable(protocol, operation_model.output_shape is not None, body)
    if why is None:
        return
    message = f"the endpoint returned an unreadable response ({why})"
    response_dict["status_code"] = _UNREADABLE_STATUS
    if protocol in _XML_PROTOCOLS:
        response_dict["body"] = (
            "<ErrorResponse><Error><Type>Receiver</Type>"
            f"<Code>{UNREADABLE_RESPONSE}</Code><Message>{message}</Message>"
            "</Error></ErrorResponse>"
        ).encode()
    else:
        response_dict["headers"] = {
            **response_dict.get("headers", {}),
            "x-amzn-errortype": UNREADABLE_RESPONSE,
        }
        response_dict["body"] = (
            f'{{"__type": "{UNREADABLE_RESPONSE}", "message": "{message}"}}'
        ).encode()


def _mark_unreadable_failed(response: Any = None, **_: Any) -> None:
    """The HTTP status follows the rewritten body: botocore retries, then raises, on it."""
    if response is None:
        return
    http, parsed = response
    code = parsed.get("Error", {}).get("Code")
    if code == UNREADABLE_RESPONSE:
        http.status_code = _UNREADABLE_STATUS
    elif code == NOT_SERVED and http.status_code == 500:
        http.status_code = _NOT_SERVED_STATUS


def _stop_retrying_hangs(
    attempts: int = 0, caught_exception: BaseException | None = None, **_: Any
) -> None:
    """A timed-out send is retried TIMEOUT_ATTEMPTS - 1 times, not TOTAL_MAX_ATTEMPTS - 1.

    A ``needs-retry`` answer can only ask for a retry, never veto one: raising the timeout
    here ends the call (botocore's own handler, registered after this one, would retry it).
    """
    timeout = botocore.exceptions.ReadTimeoutError | botocore.exceptions.ConnectTimeoutError
    if isinstance(caught_exception, timeout) and attempts >= TIMEOUT_ATTEMPTS:
        raise caught_exception


def connect(
    settings: ConnectionSettings | None = None,
    *,
    max_pool: int = 10,
    max_attempts: int = TOTAL_MAX_ATTEMPTS,
    credentials: Mapping[str, str] | None = None,
    refresh: Callable[[], Mapping[str, str]] | None = None,
) -> Connection:
    """Resolve credentials through the standard chain and build the clients iamtui uses.

    ``credentials`` (boto3's keyword names) sign instead. ``refresh`` returns an assumed
    role's credentials (botocore's metadata: ``access_key``, ``secret_key``, ``token``,
    ``expiry_time``) and is called again before they expire, so an account session reached
    through a role outlives its one-hour credentials (:mod:`iamtui.core.fleet`).
    """
    settings = settings or ConnectionSettings()
    if refresh is not None:
        _quiet_botocore()
        session = _session(
            refreshing=botocore.credentials.RefreshableCredentials.create_from_metadata(
                metadata=refresh(), refresh_using=refresh, method="sts-assume-role"
            )
        )
    else:
        session = open_session(settings, **(credentials or {}))
    region = settings.region or session.region_name or DEFAULT_REGION
    resolved = session.get_credentials()
    if resolved is None:
        raise ConnectionProblem(
            "no AWS credentials found: set AWS_PROFILE, run 'aws sso login', or pass --profile"
        )
    counter = RequestCounter()
    # With no --endpoint-url, botocore itself honours AWS_ENDPOINT_URL(_IAM/_STS) and config files.
    endpoint = settings.endpoint_url
    iam = new_client(
        session,
        "iam",
        region=region,
        endpoint_url=endpoint,
        count=counter,
        max_pool=max_pool,
        max_attempts=max_attempts,
    )
    # STS answers one cheap call first; few retries so a wrong endpoint fails in seconds.
    sts = new_client(
        session,
        "sts",
        region=region,
        endpoint_url=endpoint,
        count=counter,
        max_attempts=min(max_attempts, STS_MAX_ATTEMPTS),
    )
    account = new_client(
        session,
        "account",
        region=account_region(region),
        endpoint_url=endpoint,
        count=counter,
        max_attempts=max_attempts,
    )
    # Organizations answers from one home region per partition: botocore's endpoint rules map
    # any region of a partition to it (us-east-1, cn-northwest-1, us-gov-west-1, the ISO ones).
    organizations = new_client(
        session,
        "organizations",
        region=region,
        endpoint_url=endpoint,
        count=counter,
        max_attempts=max_attempts,
    )
    # CloudTrail event history is regional: the session's region, never us-east-1 by default.
    cloudtrail = new_client(
        session,
        "cloudtrail",
        region=region,
        endpoint_url=endpoint,
        count=counter,
        max_attempts=min(max_attempts, CLOUDTRAIL_MAX_ATTEMPTS),
    )
    # Access Analyzer is regional: iamtui reads the analyzers of the session's region only.
    accessanalyzer = new_client(
        session,
        "accessanalyzer",
        region=region,
        endpoint_url=endpoint,
        count=counter,
        max_attempts=max_attempts,
    )
    return Connection(
        settings=settings,
        iam=iam,
        sts=sts,
        counter=counter,
        access_key_id=resolved.access_key,
        account=account,
        organizations=organizations,
        cloudtrail=cloudtrail,
        accessanalyzer=accessanalyzer,
    )


def account_region(region: str) -> str:
    """The Account API's home region: us-east-1, except in partitions with their own endpoint."""
    return region if region.startswith(("cn-", "us-gov-")) else ACCOUNT_REGION
