"""service-credential.delete: DeleteServiceSpecificCredential, irreversible; deactivate first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions.applies import service_credential_refusal
from iamtui.core.actions.calls import NOT_LOADED, SERVICE_CREDENTIAL_READS
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import delete_service_credential_step
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import ServiceCredentialSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Delete one credential; an Active one only with the explicit override (deactivate first)."""
    target, credential = planner.need_service_credential(request)
    what = f"{credential.noun} {credential.credential_id}"
    refusal = service_credential_refusal(ActionId.SERVICE_CREDENTIAL_DELETE, credential)
    if refusal and not request.allow_active:
        raise ActionRefused(f"{refusal}, or confirm deleting an active credential")
    draft = Draft(
        ActionId.SERVICE_CREDENTIAL_DELETE,
        f"Delete {what} of user {target.name} (irreversible)",
        [target],
        [delete_service_credential_step(credential)],
        before={target.arn: {"credential": credential.to_json()}},
        options={"allow_active": request.allow_active},
        notes=[f"the deleted {what} cannot be restored; whatever uses it must get a new one"],
    )
    if credential.active:
        draft.warnings.append(f"{what} is ACTIVE: anything using it fails at once and for good")
    return draft


SPEC = ActionSpec(
    id=ActionId.SERVICE_CREDENTIAL_DELETE,
    calls=Calls(
        plan=SERVICE_CREDENTIAL_READS,
        probes=("service_credential.status",),
        run=("iam:DeleteServiceSpecificCredential",),
        conditional={"iam:GetUser": NOT_LOADED},
    ),
    group="IamtuiActionsServiceCredentials",
    verb="Delete",
    help="DeleteServiceSpecificCredential · irreversible (typed confirmation)",
    subject=ServiceCredentialSubject,
    build=build,
)
