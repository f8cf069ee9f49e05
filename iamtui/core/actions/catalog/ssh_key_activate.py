"""ssh-key.activate: UpdateSSHPublicKey Status=Active, bringing an Inactive SSH key back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions.calls import NOT_LOADED
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.uploaded import SSH_KEY_READS, status_draft
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import UploadedCredentialSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Reactivate one Inactive SSH key; undo sets it back."""
    return status_draft(planner, request, "Active")


SPEC = ActionSpec(
    id=ActionId.SSH_KEY_ACTIVATE,
    calls=Calls(
        plan=SSH_KEY_READS,
        probes=("ssh_key.status",),
        run=("iam:UpdateSSHPublicKey",),
        undo=("iam:UpdateSSHPublicKey",),
        conditional={"iam:GetUser": NOT_LOADED},
    ),
    group="IamtuiActionsUsers",
    verb="Activate",
    help="UpdateSSHPublicKey Status=Active · undoable",
    subject=UploadedCredentialSubject,
    build=build,
    # The access-key keys: a finding offers one kind of credential at a time, so none clash.
    binding="key-activate",
)
