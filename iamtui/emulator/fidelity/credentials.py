"""Credentials: access key status values and deleted keys, SSH keys and signing certificates
(service-specific credentials: ``service_credentials``)."""

from __future__ import annotations

from iamtui.emulator.fidelity.registry import Call, rule
from iamtui.emulator.fidelity.wire import IamError, Response, validation_error


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
