"""root.delete-key: as root, or for a member via sts:AssumeRoot (``actions.account``)."""

from __future__ import annotations

from iamtui.core.actions.account import root_key_action
from iamtui.core.actions.spec import ActionSpec
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import RootKeySubject

SPEC = ActionSpec(
    id=ActionId.ROOT_DELETE_KEY,
    calls=Calls(
        plan=(
            "iam:ListAccessKeys",
            "iam:GetAccessKeyLastUsed",
            "iam:ListOrganizationsFeatures",
            "sts:AssumeRoot",
        ),
        probes=("root_key.status", "key.last_used"),
        run=("iam:DeleteAccessKey", "sts:AssumeRoot"),
        assumed_root=("iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:DeleteAccessKey"),
        root_only=("iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:DeleteAccessKey"),
        conditional={
            "iam:ListOrganizationsFeatures": "for a member account's root (the AssumeRoot path)",
            "sts:AssumeRoot": "for a member account's root (the AssumeRoot path)",
        },
    ),
    group="IamtuiActionsRoot",
    verb="Delete root key",
    help="DeleteAccessKey as root or via sts:AssumeRoot · irreversible",
    subject=RootKeySubject,
    build=root_key_action,
)
