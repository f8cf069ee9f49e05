"""root.deactivate-key: UpdateAccessKey on root's keys, signed as root (``actions.account``)."""

from __future__ import annotations

from iamtui.core.actions.account import root_key_action
from iamtui.core.actions.spec import ActionSpec
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import RootKeySubject

SPEC = ActionSpec(
    id=ActionId.ROOT_DEACTIVATE_KEY,
    calls=Calls(
        plan=("iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"),
        probes=("root_key.status", "key.last_used"),
        run=("iam:UpdateAccessKey",),
        undo=("iam:UpdateAccessKey",),
        root_only=("iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:UpdateAccessKey"),
    ),
    group="IamtuiActionsRoot",
    verb="Deactivate root key",
    help="UpdateAccessKey signed as root · undoable",
    subject=RootKeySubject,
    build=root_key_action,
)
