"""server-cert.delete: DeleteServerCertificate; irreversible (IAM never returns the private key).

AWS: *DeleteServerCertificate* (IAM API Reference),
<https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteServerCertificate.html>: a
certificate still used by an Elastic Load Balancer or CloudFront keeps being served until that
resource drops it, and may break it. Re-uploading needs the private key, which IAM never returns
(*GetServerCertificate* gives the body and chain only), so there is no undo: the plan saves the
metadata for the record and the operator confirms by typing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from iamtui.core.actions import reads
from iamtui.core.actions.checks import check
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.ids import ActionId
from iamtui.core.loader import as_utc
from iamtui.core.plan import JSON, ApiCall, Calls, Check, Step, Target
from iamtui.core.subjects import ServerCertificateSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request

#: Why the deletion cannot be undone.
KEY_GONE = (
    "IAM never returns a server certificate's private key: re-uploading needs the key from "
    "wherever it was issued"
)


def certificate_is(name: str, certificate_id: JSON) -> Check:
    """The certificate called ``name`` is the one with this id (None: there is none)."""
    text = (
        f"server certificate {name} is gone"
        if certificate_id is None
        else f"server certificate {name} is the planned one ({certificate_id})"
    )
    return check("server_certificate.id", certificate_id, text, ServerCertificateName=name)


def _iso(value: Any) -> str | None:
    return as_utc(value).isoformat() if hasattr(value, "tzinfo") else None


def build(planner: Planner, request: Request) -> Draft:
    """Find the certificate by name, check it is the one the finding saw, delete it."""
    subject = planner.subject(request, ServerCertificateSubject)
    wanted = subject.server_certificate.lower()
    meta = next(
        (
            m
            for m in reads.pages(
                planner.iam, "list_server_certificates", "ServerCertificateMetadataList"
            )
            if str(m["ServerCertificateName"]).lower() == wanted
        ),
        None,
    )
    if meta is None:
        raise reads.NotFound(f"server certificate {subject.server_certificate} does not exist")
    name, cert_id = str(meta["ServerCertificateName"]), str(meta["ServerCertificateId"])
    if subject.certificate_id is not None and subject.certificate_id != cert_id:
        raise ActionRefused(
            f"server certificate {name} is another certificate now (id {cert_id}, the reviewed "
            f"data showed {subject.certificate_id}): reload and review it first"
        )
    expires = _iso(meta.get("Expiration"))
    step = Step(
        call=ApiCall("DeleteServerCertificate", {"ServerCertificateName": name}),
        description=f"Delete server certificate {name} ({cert_id}, expires {expires or '?'})",
        preconditions=(certificate_is(name, cert_id),),
        effect=certificate_is(name, None),
        irreversible_reason=KEY_GONE,
    )
    draft = Draft(
        ActionId.SERVER_CERT_DELETE,
        f"Delete server certificate {name} (irreversible)",
        [Target("server-certificate", name, str(meta["Arn"]))],
        [step],
        before={
            str(meta["Arn"]): {
                "name": name,
                "certificate_id": cert_id,
                "path": str(meta.get("Path") or "/"),
                "upload_date": _iso(meta.get("UploadDate")),
                "expiration": expires,
            }
        },
        notes=[f"the certificate cannot be restored: {KEY_GONE}"],
    )
    draft.warnings.append(
        "a load balancer or CloudFront distribution still using it loses its certificate: "
        "check none does before confirming"
    )
    return draft


SPEC = ActionSpec(
    id=ActionId.SERVER_CERT_DELETE,
    calls=Calls(
        plan=("iam:ListServerCertificates",),
        probes=("server_certificate.id",),
        run=("iam:DeleteServerCertificate",),
    ),
    group="IamtuiActionsAccount",
    verb="Delete server certificate",
    help="DeleteServerCertificate · irreversible (typed confirmation)",
    subject=ServerCertificateSubject,
    build=build,
)
