"""cert.deactivate: UpdateSigningCertificate Status=Inactive, reversible retirement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions.calls import NOT_LOADED
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.uploaded import CERTIFICATE_READS, status_draft
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import UploadedCredentialSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Deactivate one Active certificate; undo sets it back."""
    return status_draft(planner, request, "Inactive")


SPEC = ActionSpec(
    id=ActionId.CERT_DEACTIVATE,
    calls=Calls(
        plan=CERTIFICATE_READS,
        probes=("certificate.status",),
        run=("iam:UpdateSigningCertificate",),
        undo=("iam:UpdateSigningCertificate",),
        conditional={"iam:GetUser": NOT_LOADED},
    ),
    group="IamtuiActionsUsers",
    verb="Deactivate",
    help="UpdateSigningCertificate Status=Inactive · undoable",
    subject=UploadedCredentialSubject,
    build=build,
    # The access-key keys: a finding offers one kind of credential at a time, so none clash.
    binding="key-deactivate",
)
