"""Root sessions: short sts:AssumeRoot credentials for a member account, in memory only.

In an AWS Organization with centralized root access, the management account (or the IAM
delegated administrator) may act as a member account's root for one task, for at most 900 s.
Plans say *that* a step runs so (:class:`~iamtui.core.plan.AssumeRoot`); this module asks
STS for the session right before it is needed and hands out an IAM client signed with it. The
credentials never leave this object: not in a plan, the journal, a log line or an exception
(their values are registered with the redactor, which scrubs them from anything written).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from iamtui.core.plan import AssumeRoot
from iamtui.core.secrets import SEEN
from iamtui.core.session import (
    DEFAULT_REGION,
    Connection,
    RequestCounter,
    new_client,
    open_session,
)

#: A session this close to expiry is replaced before a step uses it.
RENEW_MARGIN = timedelta(seconds=60)
#: AWS's global STS endpoint: AssumeRoot must go to a regional one instead.
GLOBAL_STS_HOST = "sts.amazonaws.com"
#: How calls signed as root are counted: ``root@iam:DeleteAccessKey`` (not the caller's policy).
ROOT_PREFIX = "root@"


class _RootCounter:
    """Counts root-signed sends on the connection's counter, under their own names."""

    def __init__(self, counter: RequestCounter) -> None:
        self.counter = counter

    def __call__(self, event_name: str = "", **_: Any) -> None:
        self.counter(event_name=event_name.replace("before-send.", f"before-send.{ROOT_PREFIX}", 1))


def regional_sts(conn: Connection) -> Any:
    """The connection's STS client, or a regional one when it is set to the global endpoint."""
    sts = conn.sts
    if urlparse(str(sts.meta.endpoint_url)).hostname != GLOBAL_STS_HOST:
        return sts
    region = str(sts.meta.region_name or "us-east-1")
    return new_client(
        open_session(conn.settings),
        "sts",
        region=region,
        endpoint_url=f"https://sts.{region}.amazonaws.com",
        count=conn.counter,
    )


def root_caller(conn: Connection) -> Connection:
    """The connection that calls sts:AssumeRoot for ``conn``'s account: the management
    account's when ``conn`` was reached by role from it (``Connection.root_caller``), else
    ``conn`` itself."""
    return getattr(conn, "root_caller", None) or conn


class RootSessions:
    """IAM clients signed as member accounts' root, one session per (account, task policy)."""

    def __init__(self, conn: Connection) -> None:
        """``conn`` acts in the account (root-signed sends count on its counter); its
        :func:`root_caller` calls AssumeRoot."""
        self.conn = conn
        self.caller = root_caller(conn)
        self._clients: dict[AssumeRoot, tuple[Any, datetime]] = {}
        self._lock = threading.Lock()

    def iam(self, context: AssumeRoot) -> Any:
        """An IAM client acting as ``context.account``'s root; ClientError when STS refuses."""
        with self._lock:
            cached = self._clients.get(context)
            if cached is not None and cached[1] - datetime.now(UTC) > RENEW_MARGIN:
                return cached[0]
            response = regional_sts(self.caller).assume_root(
                TargetPrincipal=context.account,
                TaskPolicyArn={"arn": context.task_policy_arn},
                DurationSeconds=context.duration_seconds,
            )
            credentials = response["Credentials"]
            SEEN.add(str(credentials["SecretAccessKey"]))
            SEEN.add(str(credentials["SessionToken"]))
            session = open_session(
                self.caller.settings,
                aws_access_key_id=str(credentials["AccessKeyId"]),
                aws_secret_access_key=str(credentials["SecretAccessKey"]),
                aws_session_token=str(credentials["SessionToken"]),
            )
            client = new_client(
                session,
                "iam",
                region=str(self.conn.iam.meta.region_name or DEFAULT_REGION),
                endpoint_url=self.caller.settings.endpoint_url,
                count=_RootCounter(self.conn.counter),
            )
            expiration = credentials["Expiration"]
            if expiration.tzinfo is None:
                expiration = expiration.replace(tzinfo=UTC)
            self._clients[context] = (client, expiration)
            return client

    def forget(self) -> None:
        """Drop every session (a finished run keeps none)."""
        with self._lock:
            self._clients.clear()
