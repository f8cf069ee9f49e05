"""Reading service-specific credentials (CodeCommit Git credentials, Keyspaces, Bedrock API keys).

``ListServiceSpecificCredentials`` with ``AllUsers=true`` lists every user's credentials in one
paged call (IAM API Reference, *ListServiceSpecificCredentials*: "A flag indicating whether to
list service specific credentials for all users. This parameter cannot be specified together
with UserName",
<https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListServiceSpecificCredentials.html>).
botocore has no paginator for it, so the Marker is followed here. No secret is ever listed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from iamtui.core.model import ServiceCredential

#: What the overview's account-wide read sends.
SERVICE_CREDENTIAL_ACTIONS = ("iam:ListServiceSpecificCredentials",)
#: Items per page: IAM's maximum for MaxItems.
PAGE_SIZE = 1000


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_credential(raw: Mapping[str, Any]) -> ServiceCredential:
    """One ServiceSpecificCredentialMetadata (a Bedrock key has an alias, others a user name)."""
    expires = raw.get("ExpirationDate")
    return ServiceCredential(
        credential_id=raw["ServiceSpecificCredentialId"],
        user=raw["UserName"],
        service=raw["ServiceName"],
        status=raw.get("Status") or "Active",
        create_date=_utc(raw["CreateDate"]),
        service_user_name=raw.get("ServiceUserName") or raw.get("ServiceCredentialAlias") or "",
        expiration=_utc(expires) if isinstance(expires, datetime) else None,
    )


def read_service_credentials(
    iam: Any,
    *,
    user: str | None = None,
    check: Callable[[], None] | None = None,
) -> tuple[ServiceCredential, ...]:
    """Every user's credentials (``user`` None: ``AllUsers``) or one user's, oldest first.

    ``check`` runs between pages (the overview's cancel check).
    """
    params: dict[str, Any] = {"MaxItems": PAGE_SIZE}
    if user is None:
        params["AllUsers"] = True
    else:
        params["UserName"] = user
    found: list[ServiceCredential] = []
    while True:
        page = iam.list_service_specific_credentials(**params)
        found.extend(parse_credential(c) for c in page.get("ServiceSpecificCredentials", ()))
        if not page.get("IsTruncated"):
            break
        if check is not None:
            check()
        params["Marker"] = page["Marker"]
    return tuple(sorted(found, key=lambda c: (c.user.lower(), c.create_date, c.credential_id)))
