"""account.set-security-contact: the SECURITY alternate contact (``actions.account``)."""

from __future__ import annotations

from iamtui.core.actions.account import set_security_contact
from iamtui.core.actions.spec import ActionSpec
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls
from iamtui.core.subjects import AccountSubject

SPEC = ActionSpec(
    id=ActionId.ACCOUNT_SET_SECURITY_CONTACT,
    calls=Calls(
        plan=("account:GetAlternateContact",),
        probes=("account.security_contact",),
        run=("account:PutAlternateContact",),
        undo=("account:PutAlternateContact", "account:DeleteAlternateContact"),
        conditional={
            "account:DeleteAlternateContact": "undo, when no security contact was set before",
        },
    ),
    group="IamtuiActionsAccount",
    verb="Set security contact",
    help="PutAlternateContact SECURITY · undoable (old contact saved)",
    subject=AccountSubject,
    build=set_security_contact,
)
