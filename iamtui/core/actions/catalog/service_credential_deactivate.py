"""service-credential.deactivate: UpdateServiceSpecificCredential Status=Inactive, undoable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions.applies import service_credential_refusal
from iamtui.core.actions.calls import NOT_LOADED, SERVICE_CREDENTIAL_READS
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import service_credential_status_step
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import ServiceCredentialSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Deactivate one Active credential: whatever uses it fails until it is reactivated."""
    target, credential = planner.need_service_credential(request)
    if refusal := service_credential_refusal(ActionId.SERVICE_CREDENTIAL_DEACTIVATE, credential):
        raise ActionRefused(refusal)
    return Draft(
        ActionId.SERVICE_CREDENTIAL_DEACTIVATE,
        f"Deactivate {credential.noun} {credential.credential_id} of user {target.name}",
        [target],
        [service_credential_status_step(credential, "Inactive")],
        before={target.arn: {"credential": credential.to_json()}},
        notes=["AWS records no last use of service-specific credentials: watch for breakage"],
    )


SPEC = ActionSpec(
    id=ActionId.SERVICE_CREDENTIAL_DEACTIVATE,
    calls=Calls(
        plan=SERVICE_CREDENTIAL_READS,
        probes=("service_credential.status",),
        run=("iam:UpdateServiceSpecificCredential",),
        undo=("iam:UpdateServiceSpecificCredential",),
        conditional={"iam:GetUser": NOT_LOADED},
    ),
    group="IamtuiActionsServiceCredentials",
    verb="Deactivate",
    help="UpdateServiceSpecificCredential Status=Inactive · undoable",
    subject=ServiceCredentialSubject,
    build=build,
)
