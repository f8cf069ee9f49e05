"""account.set-password-policy: the CIS policy or given values (``actions.account``)."""

from __future__ import annotations

from iamtui.core.actions.account import set_password_policy
from iamtui.core.actions.spec import ActionSpec
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import AccountSubject

SPEC = ActionSpec(
    id=ActionId.ACCOUNT_SET_PASSWORD_POLICY,
    calls=Calls(
        plan=("iam:GetAccountPasswordPolicy",),
        probes=("account.password_policy",),
        run=("iam:UpdateAccountPasswordPolicy",),
        undo=("iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy"),
        conditional={
            "iam:DeleteAccountPasswordPolicy": "undo, when the account had no password policy",
        },
    ),
    group="IamtuiActionsAccount",
    verb="Set password policy",
    help="UpdateAccountPasswordPolicy · undoable (old policy saved)",
    subject=AccountSubject,
    build=set_password_policy,
)
