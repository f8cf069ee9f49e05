"""cert.delete: DeleteSigningCertificate, the body saved so undo re-uploads it (new id)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions.calls import NOT_LOADED
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.uploaded import CERTIFICATE_READS, RESTORE_STATUS, delete_draft
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import UploadedCredentialSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Delete one certificate; undo uploads the saved body and restores its status."""
    return delete_draft(planner, request)


SPEC = ActionSpec(
    id=ActionId.CERT_DELETE,
    calls=Calls(
        plan=CERTIFICATE_READS,
        probes=("certificate.status", "certificate.by_body"),
        run=("iam:DeleteSigningCertificate",),
        undo=("iam:UploadSigningCertificate", "iam:UpdateSigningCertificate"),
        conditional={"iam:GetUser": NOT_LOADED, "iam:UpdateSigningCertificate": RESTORE_STATUS},
    ),
    group="IamtuiActionsUsers",
    verb="Delete",
    help="DeleteSigningCertificate · undo re-uploads it (new id)",
    subject=UploadedCredentialSubject,
    build=build,
    # The access-key keys: a finding offers one kind of credential at a time, so none clash.
    binding="key-delete",
)
