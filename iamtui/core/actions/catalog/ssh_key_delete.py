"""ssh-key.delete: DeleteSSHPublicKey, the public key saved so undo re-uploads it (a new key id)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions.calls import NOT_LOADED
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.uploaded import (
    RESTORE_STATUS,
    SSH_KEY_BODY_READ,
    SSH_KEY_READS,
    delete_draft,
)
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import UploadedCredentialSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Delete one SSH key; undo uploads the saved body and restores its status."""
    return delete_draft(planner, request)


SPEC = ActionSpec(
    id=ActionId.SSH_KEY_DELETE,
    calls=Calls(
        plan=(*SSH_KEY_READS, SSH_KEY_BODY_READ),
        probes=("ssh_key.status", "ssh_key.by_body"),
        run=("iam:DeleteSSHPublicKey",),
        undo=("iam:UploadSSHPublicKey", "iam:UpdateSSHPublicKey"),
        conditional={"iam:GetUser": NOT_LOADED, "iam:UpdateSSHPublicKey": RESTORE_STATUS},
    ),
    group="IamtuiActionsUsers",
    verb="Delete",
    help="DeleteSSHPublicKey · undo re-uploads it (new key id)",
    subject=UploadedCredentialSubject,
    build=build,
    # The access-key keys: a finding offers one kind of credential at a time, so none clash.
    binding="key-delete",
)
