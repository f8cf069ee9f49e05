"""Connecting to IAM: one place builds boto3 clients with the same retries, agent and endpoint."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from iamtui import __version__

#: IAM is global; its API lives in us-east-1 whatever region the operator works in.
DEFAULT_REGION = "us-east-1"
#: Sends per call, first try included (botocore's ``total_max_attempts``).
TOTAL_MAX_ATTEMPTS = 8
#: The caller-identity probe gives up sooner: it is the reachability check.
STS_MAX_ATTEMPTS = 3
#: The Account API (alternate contacts) is global, served from us-east-1 in the aws partition.
ACCOUNT_REGION = "us-east-1"


class ConnectionProblem(RuntimeError):
    """Credentials or endpoint are unusable; the message is one line for the operator."""


@dataclass
class RequestCounter:
    """Counts HTTP sends per operation, retries included, so loads can prove their cost."""

    total: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, event_name: str = "", **_: Any) -> None:
        # "before-send.iam.ListUsers" -> "iam:ListUsers", the form IAM policies use.
        parts = event_name.split(".")
        name = f"{parts[1]}:{parts[2]}" if len(parts) >= 3 else "unknown"
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
    """Thread-safe IAM, STS and Account clients created up front (sessions are not thread-safe)."""

    settings: ConnectionSettings
    iam: Any
    sts: Any
    counter: RequestCounter
    access_key_id: str | None
    #: The Account API (alternate contacts); None only for connections built by hand.
    account: Any = None

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
        connect_timeout=10,
        read_timeout=60,
    )


def _quiet_botocore() -> None:
    """botocore's DEBUG log holds request params and response bodies: new secrets and passwords.

    Pinned to INFO so that no root DEBUG logging (an operator's, an embedding app's) records them.
    """
    for name in ("botocore", "boto3", "urllib3"):
        logger = logging.getLogger(name)
        if logger.level in (logging.NOTSET, logging.DEBUG):
            logger.setLevel(logging.INFO)


def connect(
    settings: ConnectionSettings | None = None,
    *,
    max_pool: int = 10,
    max_attempts: int = TOTAL_MAX_ATTEMPTS,
) -> Connection:
    """Resolve credentials through the standard chain and build the clients iamtui uses."""
    settings = settings or ConnectionSettings()
    _quiet_botocore()
    try:
        if settings.static_credentials is not None:
            key_id, secret = settings.static_credentials
            session = boto3.session.Session(aws_access_key_id=key_id, aws_secret_access_key=secret)
        else:
            session = boto3.session.Session(profile_name=settings.profile)
    except botocore.exceptions.ProfileNotFound as exc:
        raise ConnectionProblem(
            f"AWS profile {settings.profile!r} not found: check ~/.aws/config or drop --profile"
        ) from exc
    region = settings.region or session.region_name or DEFAULT_REGION
    credentials = session.get_credentials()
    if credentials is None:
        raise ConnectionProblem(
            "no AWS credentials found: set AWS_PROFILE, run 'aws sso login', or pass --profile"
        )
    counter = RequestCounter()
    config = client_config(max_pool, max_attempts)
    # With no --endpoint-url, botocore itself honours AWS_ENDPOINT_URL(_IAM/_STS) and config files.
    iam = session.client(
        "iam", region_name=region, endpoint_url=settings.endpoint_url, config=config
    )
    # STS answers one cheap call first; few retries so a wrong endpoint fails in seconds.
    sts = session.client(
        "sts",
        region_name=region,
        endpoint_url=settings.endpoint_url,
        config=client_config(2, min(max_attempts, STS_MAX_ATTEMPTS)),
    )
    account = session.client(
        "account",
        region_name=account_region(region),
        endpoint_url=settings.endpoint_url,
        config=client_config(2, max_attempts),
    )
    for client in (iam, sts, account):
        client.meta.events.register("before-send", counter)
    return Connection(
        settings=settings,
        iam=iam,
        sts=sts,
        counter=counter,
        access_key_id=credentials.access_key,
        account=account,
    )


def account_region(region: str) -> str:
    """The Account API's home region: us-east-1, except in partitions with their own endpoint."""
    return region if region.startswith(("cn-", "us-gov-")) else ACCOUNT_REGION
