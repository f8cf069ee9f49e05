"""Credentials: access key status values and deleted keys, SSH keys and signing certificates,
service-specific credentials."""

from __future__ import annotations

import uuid

from iamtui.emulator.fidelity.paging import Listing, serve_pages
from iamtui.emulator.fidelity.registry import Call, access_key_id, rule
from iamtui.emulator.fidelity.wire import IamError, Response, validation_error
from iamtui.emulator.state import ServiceCredential


@rule("DeleteAccessKey")
def delete_access_key(call: Call) -> Response:
    """Remember deleted key ids: AWS rejects requests signed with them afterwards.

    AWS: "Manage access keys for IAM users" (IAM User Guide),
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
    """
    response = call.forward()
    if response.ok:
        with call.extras.lock:
            call.extras.deleted_access_keys.add(call.require("AccessKeyId"))
    return response


# ----------------------------------------------------------- SSH keys and signing certificates


def same_key_material(left: str, right: str) -> bool:
    """Two uploads of the same key or certificate (surrounding whitespace does not count)."""
    return " ".join(left.split()) == " ".join(right.split())


@rule("UploadSSHPublicKey")
def upload_ssh_public_key(call: Call) -> Response:
    """Uploading an SSH public key the user already has fails DuplicateSSHPublicKey.

    AWS: "UploadSSHPublicKey" (IAM API Reference, error DuplicateSSHPublicKey),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSSHPublicKey.html
    """
    user = call.backend.get_user(call.require("UserName"))
    body = call.require("SSHPublicKeyBody")
    if any(same_key_material(k.ssh_public_key_body, body) for k in user.ssh_public_keys):
        raise IamError(
            "DuplicateSSHPublicKey",
            "The request was rejected because the SSH public key is already associated "
            "with the specified IAM user.",
        )
    return call.forward()


@rule("UploadSigningCertificate")
def upload_signing_certificate(call: Call) -> Response:
    """Uploading a certificate some user of the account already has fails DuplicateCertificate.

    AWS: "UploadSigningCertificate" (IAM API Reference, error DuplicateCertificate),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSigningCertificate.html
    """
    body = call.require("CertificateBody")
    for user in list(call.backend.users.values()):
        if any(same_key_material(c.body, body) for c in user.signing_certificates.values()):
            raise IamError(
                "DuplicateCertificate",
                "The request was rejected because the same certificate is associated with an "
                "IAM user in the account.",
            )
    return call.forward()


# ------------------------------------------------------------------------------ status values


@rule(
    "UpdateAccessKey",
    "UpdateSigningCertificate",
    "UpdateSSHPublicKey",
)
def validate_status(call: Call) -> Response:
    """AWS accepts only Active or Inactive here; moto stores any string.

    AWS: "UpdateAccessKey" (IAM API Reference: Status is Active or Inactive),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccessKey.html; the same
    for "UpdateSSHPublicKey" and "UpdateSigningCertificate",
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateSSHPublicKey.html,
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateSigningCertificate.html
    """
    check_status(call.require("Status"))
    return call.forward()


def check_status(status: str) -> None:
    """Reject a credential status other than Active/Inactive like AWS does."""
    if status not in ("Active", "Inactive"):
        raise validation_error(
            f"1 validation error detected: Value '{status}' at 'status' failed to satisfy "
            "constraint: Member must satisfy enum value set: [Active, Inactive]"
        )


# ------------------------------------------------------------- service-specific credentials

SPECIFIC_CREDENTIAL_SERVICES = frozenset(
    {"codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com"}
)


def caller_user_name(call: Call) -> str | None:
    """The IAM user that signed the call, when it is one (calls without UserName act on it)."""
    key_id = access_key_id(call.environ)
    user = call.backend.get_user_from_access_key_id(key_id) if key_id else None
    return user.name if user is not None else None


def credential_metadata(credential: ServiceCredential) -> dict[str, object]:
    """ServiceSpecificCredentialMetadata."""
    return {
        "UserName": credential.user_name,
        "Status": credential.status,
        "ServiceUserName": credential.service_user_name,
        "CreateDate": credential.created,
        "ServiceSpecificCredentialId": credential.credential_id,
        "ServiceName": credential.service_name,
    }


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


@rule("CreateServiceSpecificCredential")
def create_service_specific_credential(call: Call) -> Response:
    """moto lacks service-specific credentials; keep them per user in the account extras.

    AWS: "CreateServiceSpecificCredential" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceSpecificCredential.html
    """
    user = call.backend.get_user(call.require("UserName"))
    service = call.require("ServiceName")
    if service not in SPECIFIC_CREDENTIAL_SERVICES:
        raise IamError("NotSupportedService", f"Service {service} is not supported.")
    account = call.extras
    with account.lock:
        held = account.service_credentials.setdefault(user.name, [])
        if sum(c.service_name == service for c in held) >= 2:
            raise IamError(
                "LimitExceeded",
                "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2",
            )
        credential = ServiceCredential(
            credential_id="ACCA" + uuid.uuid4().hex[:17].upper(),
            user_name=user.name,
            service_name=service,
            service_user_name=f"{user.name}-at-{call.account_id}",
            created=account.now(),
        )
        held.append(credential)
    result = credential_metadata(credential) | {"ServicePassword": uuid.uuid4().hex}
    return call.respond({"ServiceSpecificCredential": result})


@rule("ListServiceSpecificCredentials")
def list_service_specific_credentials(call: Call) -> Response:
    """A user's (or, with AllUsers, everyone's) service-specific credentials, no secrets.

    AWS: "ListServiceSpecificCredentials" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListServiceSpecificCredentials.html
    """
    account = call.extras
    if call.flag("AllUsers"):
        held = [c for creds in account.service_credentials.values() for c in creds]
    else:
        name = call.get("UserName") or caller_user_name(call)
        if name is not None:
            call.backend.get_user(name)
        held = list(account.service_credentials.get(name or "", []))
    service = call.get("ServiceName")
    rows = [credential_metadata(c) for c in held if service is None or c.service_name == service]
    return serve_pages(
        call,
        lambda: Listing.from_data(
            {"ServiceSpecificCredentials": rows}, ("ServiceSpecificCredentials",)
        ),
        cache=False,
    )


@rule("UpdateServiceSpecificCredential")
def update_service_specific_credential(call: Call) -> Response:
    """Activate or deactivate a service-specific credential.

    AWS: "UpdateServiceSpecificCredential" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateServiceSpecificCredential.html
    """
    status = call.require("Status")
    check_status(status)
    _, credential = find_credential(call)
    credential.status = status
    return call.respond()


@rule("DeleteServiceSpecificCredential")
def delete_service_specific_credential(call: Call) -> Response:
    """Delete a service-specific credential (a precondition of DeleteUser).

    AWS: "DeleteServiceSpecificCredential" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteServiceSpecificCredential.html
    """
    held, credential = find_credential(call)
    with call.extras.lock:
        held.remove(credential)
    return call.respond()
