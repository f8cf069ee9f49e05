"""Service-specific credentials (CodeCommit Git credentials, Keyspaces, Bedrock API keys).

moto has none of these calls (HTTP 500); they are answered here from the account extras, per
user. The password or API key is returned by Create and Reset only, never listed, as on AWS.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from iamtui.emulator.fidelity.credentials import check_status
from iamtui.emulator.fidelity.paging import Listing, serve_pages
from iamtui.emulator.fidelity.registry import Call, access_key_id, rule
from iamtui.emulator.fidelity.wire import IamError, Response, validation_error
from iamtui.emulator.state import ServiceCredential

BEDROCK = "bedrock.amazonaws.com"
SPECIFIC_CREDENTIAL_SERVICES = frozenset(
    {"codecommit.amazonaws.com", "cassandra.amazonaws.com", BEDROCK}
)
#: CreateServiceSpecificCredential's CredentialAgeDays range (IAM API Reference).
MAX_AGE_DAYS = 36600


def caller_user_name(call: Call) -> str | None:
    """The IAM user that signed the call, when it is one (calls without UserName act on it)."""
    key_id = access_key_id(call.environ)
    user = call.backend.get_user_from_access_key_id(key_id) if key_id else None
    return user.name if user is not None else None


def credential_metadata(call: Call, credential: ServiceCredential) -> dict[str, object]:
    """ServiceSpecificCredentialMetadata: Bedrock keys carry an alias and maybe an expiry."""
    bedrock = credential.service_name == BEDROCK
    return {
        "UserName": credential.user_name,
        "Status": credential.status_at(call.now),
        "ServiceUserName": None if bedrock else credential.service_user_name,
        "ServiceCredentialAlias": credential.service_user_name if bedrock else None,
        "CreateDate": credential.created,
        "ExpirationDate": credential.expiration,
        "ServiceSpecificCredentialId": credential.credential_id,
        "ServiceName": credential.service_name,
    }


def with_secret(call: Call, credential: ServiceCredential) -> dict[str, object]:
    """ServiceSpecificCredential: the metadata plus the one-time password or API key."""
    if credential.service_name == BEDROCK:
        secret = {"ServiceCredentialSecret": "ABSK" + secrets.token_urlsafe(96)}
    else:
        secret = {"ServicePassword": secrets.token_urlsafe(33)}
    return {"ServiceSpecificCredential": credential_metadata(call, credential) | secret}


def find_credential(call: Call) -> tuple[list[ServiceCredential], ServiceCredential]:
    """The credential a call names, with the list holding it."""
    name = call.get("UserName") or caller_user_name(call)
    credential_id = call.require("ServiceSpecificCredentialId")
    if name is not None:
        call.backend.get_user(name)
    held = call.extras.service_credentials.get(name or "", [])
    for credential in held:
        if credential.credential_id == credential_id:
            return held, credential
    raise IamError(
        "NoSuchEntity",
        f"No such credential {credential_id} exists for user {name}.",
    )


def age_days(call: Call, service: str) -> int | None:
    """CredentialAgeDays: Bedrock API keys only, 1 to 36600 days; absent: never expires."""
    raw = call.get("CredentialAgeDays")
    if raw is None:
        return None
    if service != BEDROCK:
        raise validation_error("CredentialAgeDays is only valid for Bedrock API keys.")
    days = int(raw) if raw.isdigit() else 0
    if not 1 <= days <= MAX_AGE_DAYS:
        raise validation_error(
            f"1 validation error detected: Value '{raw}' at 'credentialAgeDays' failed to "
            f"satisfy constraint: Member must have value between 1 and {MAX_AGE_DAYS}"
        )
    return days


@rule("CreateServiceSpecificCredential")
def create_service_specific_credential(call: Call) -> Response:
    """Create a credential for one service: two per user and service; Bedrock keys may expire.

    AWS: "CreateServiceSpecificCredential" (IAM API Reference: CredentialAgeDays is only valid
    for Bedrock API keys; without it the credential does not expire),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceSpecificCredential.html
    """
    user = call.backend.get_user(call.require("UserName"))
    service = call.require("ServiceName")
    if service not in SPECIFIC_CREDENTIAL_SERVICES:
        raise IamError("NotSupportedService", f"Service {service} is not supported.")
    days = age_days(call, service)
    account = call.extras
    with account.lock:
        held = account.service_credentials.setdefault(user.name, [])
        if sum(c.service_name == service for c in held) >= 2:
            raise IamError(
                "LimitExceeded",
                "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2",
            )
        created = account.now()
        credential = ServiceCredential(
            credential_id="ACCA" + uuid.uuid4().hex[:17].upper(),
            user_name=user.name,
            service_name=service,
            service_user_name=f"{user.name}-at-{call.account_id}",
            created=created,
            expiration=created + timedelta(days=days) if days is not None else None,
        )
        held.append(credential)
    return call.respond(with_secret(call, credential))


@rule("ListServiceSpecificCredentials")
def list_service_specific_credentials(call: Call) -> Response:
    """A user's (or, with AllUsers, every user's) credentials, paged, never their secrets.

    AWS: "ListServiceSpecificCredentials" (IAM API Reference: AllUsers "cannot be specified
    together with UserName"; ServiceName filters),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListServiceSpecificCredentials.html
    """
    account = call.extras
    if call.flag("AllUsers"):
        if call.get("UserName"):
            raise validation_error("AllUsers cannot be specified together with UserName.")
        with account.lock:
            held = [c for creds in account.service_credentials.values() for c in creds]
    else:
        name = call.get("UserName") or caller_user_name(call)
        if name is not None:
            call.backend.get_user(name)
        with account.lock:
            held = list(account.service_credentials.get(name or "", []))
    service = call.get("ServiceName")
    rows = [
        credential_metadata(call, c) for c in held if service is None or c.service_name == service
    ]
    return serve_pages(
        call,
        lambda: Listing.from_data(
            {"ServiceSpecificCredentials": rows}, ("ServiceSpecificCredentials",)
        ),
        cache=False,
    )


@rule("UpdateServiceSpecificCredential")
def update_service_specific_credential(call: Call) -> Response:
    """Activate or deactivate a credential (Status is Active or Inactive).

    AWS: "UpdateServiceSpecificCredential" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateServiceSpecificCredential.html
    """
    status = call.require("Status")
    check_status(status)
    _, credential = find_credential(call)
    with call.extras.lock:
        credential.status = status
    return call.respond()


@rule("ResetServiceSpecificCredential")
def reset_service_specific_credential(call: Call) -> Response:
    """A new password for the same credential: the old one stops working, the new is shown once.

    AWS: "ResetServiceSpecificCredential" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ResetServiceSpecificCredential.html
    """
    _, credential = find_credential(call)
    return call.respond(with_secret(call, credential))


@rule("DeleteServiceSpecificCredential")
def delete_service_specific_credential(call: Call) -> Response:
    """Delete a credential for good (DeleteUser requires it gone first).

    AWS: "DeleteServiceSpecificCredential" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteServiceSpecificCredential.html
    """
    held, credential = find_credential(call)
    with call.extras.lock:
        held.remove(credential)
    return call.respond()
