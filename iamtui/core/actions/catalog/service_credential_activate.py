"""service-credential.activate: UpdateServiceSpecificCredential Status=Active, bringing one back."""

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
    """Reactivate one Inactive credential; undo deactivates it again."""
    target, credential = planner.need_service_credential(request)
    if refusal := service_credential_refusal(ActionId.SERVICE_CREDENTIAL_ACTIVATE, credential):
        raise ActionRefused(refusal)
    return Draft(
        ActionId.SERVICE_CREDENTIAL_ACTIVATE,
        f"Reactivate {credential.noun} {credential.credential_id} of user {target.name}",
        [target],
        [service_credential_status_step(credential, "Active")],
        before={target.arn: {"credential": credential.to_json()}},
    )


SPEC = ActionSpec(
    id=ActionId.SERVICE_CREDENTIAL_ACTIVATE,
    calls=Calls(
        plan=SERVICE_CREDENTIAL_READS,
        probes=("service_credential.status",),
        run=("iam:UpdateServiceSpecificCredential",),
        undo=("iam:UpdateServiceSpecificCredential",),
        conditional={"iam:GetUser": NOT_LOADED},
    ),
    group="IamtuiActionsServiceCredentials",
    verb="Activate",
    help="UpdateServiceSpecificCredential Status=Active · undoable",
    subject=ServiceCredentialSubject,
    build=build,
)
