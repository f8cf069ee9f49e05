"""Server certificates: real ids, upload dates and expirations (moto answers constants).

moto stores the certificate body but lists every certificate with the same id
(``ASCACKCEVSQ6C2EXAMPLE``), upload date (2010) and expiration (2012), which would make every
certificate look long expired. These rules answer from the body's NotAfter, like AWS.
"""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

from cryptography import x509
from moto.iam.models import Certificate

from iamtui.emulator.fidelity.paging import Listing, serve_pages
from iamtui.emulator.fidelity.registry import Call, rule
from iamtui.emulator.fidelity.wire import IamError, Response
from iamtui.emulator.state import AccountExtras, ServerCertificateMeta

_ID_ALPHABET = string.ascii_uppercase + string.digits


def new_certificate_id() -> str:
    """A server certificate id shaped like AWS's (``ASCA`` and 17 characters)."""
    return "ASCA" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(17))


def not_after(body: str) -> datetime | None:
    """The PEM certificate's NotAfter (aware UTC), or None when the body is not a certificate."""
    try:
        cert = x509.load_pem_x509_certificate(body.strip().encode())
    except ValueError:
        return None
    return cert.not_valid_after_utc.astimezone(UTC)


def meta_for(account: AccountExtras, cert: Certificate) -> ServerCertificateMeta:
    """The certificate's metadata, made on first sight for one seeded behind the API's back."""
    with account.lock:
        meta = account.server_certificates.get(cert.cert_name.lower())
        if meta is None:
            meta = ServerCertificateMeta(
                new_certificate_id(), account.now(), not_after(cert.cert_body or "")
            )
            account.server_certificates[cert.cert_name.lower()] = meta
        return meta


def metadata(account: AccountExtras, cert: Certificate) -> dict[str, object]:
    """ServerCertificateMetadata as AWS sends it."""
    meta = meta_for(account, cert)
    answer: dict[str, object] = {
        "Path": cert.path,
        "ServerCertificateName": cert.cert_name,
        "ServerCertificateId": meta.certificate_id,
        "Arn": cert.arn,
        "UploadDate": meta.uploaded,
    }
    if meta.expiration is not None:
        answer["Expiration"] = meta.expiration
    return answer


def _find(call: Call, name: str) -> Certificate | None:
    return next(
        (
            c
            for c in list(call.backend.certificates.values())
            if c.cert_name.lower() == name.lower()
        ),
        None,
    )


@rule("UploadServerCertificate")
def upload_server_certificate(call: Call) -> Response:
    """The body must be a PEM certificate; the name is unique (not distinguished by case).

    AWS: "UploadServerCertificate" (IAM API Reference: MalformedCertificate,
    EntityAlreadyExists; the answer's metadata carries the certificate's expiration),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadServerCertificate.html
    """
    name = call.require("ServerCertificateName")
    expiration = not_after(call.require("CertificateBody"))
    if expiration is None:
        raise IamError(
            "MalformedCertificate",
            "Unable to parse certificate. Please ensure the certificate is in PEM format.",
        )
    if _find(call, name) is not None:
        raise IamError(
            "EntityAlreadyExists", f"The Server Certificate with name {name} already exists."
        )
    response = call.forward()
    if not response.ok:
        return response
    account = call.extras
    meta = ServerCertificateMeta(new_certificate_id(), account.now(), expiration)
    with account.lock:
        account.server_certificates[name.lower()] = meta
    cert = _find(call, name)
    if cert is None:
        return response
    return call.respond({"ServerCertificateMetadata": metadata(account, cert)})


@rule("ListServerCertificates")
def list_server_certificates(call: Call) -> Response:
    """Each certificate's own id, upload date and expiration; PathPrefix; paged.

    AWS: "ListServerCertificates" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListServerCertificates.html
    """
    prefix = call.get("PathPrefix") or "/"
    account = call.extras
    rows = [
        metadata(account, cert)
        for cert in sorted(call.backend.certificates.values(), key=lambda c: c.cert_name.lower())
        if cert.path.startswith(prefix)
    ]
    return serve_pages(
        call,
        lambda: Listing.from_data(
            {"ServerCertificateMetadataList": rows}, ("ServerCertificateMetadataList",)
        ),
        cache=False,
    )


@rule("DeleteServerCertificate")
def delete_server_certificate(call: Call) -> Response:
    """A deleted certificate's id is never reused: a new upload under the name gets a new one.

    AWS: "DeleteServerCertificate" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteServerCertificate.html
    """
    name = call.require("ServerCertificateName")
    cert = _find(call, name)
    if cert is None:
        raise IamError("NoSuchEntity", f"The Server Certificate with name {name} cannot be found.")
    response = call.forward({**call.params, "ServerCertificateName": cert.cert_name})
    if response.ok:
        with call.extras.lock:
            call.extras.server_certificates.pop(name.lower(), None)
    return response
