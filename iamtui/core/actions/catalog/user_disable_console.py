"""user.disable-console: DeleteLoginProfile; undo issues a new generated password."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from iamtui.core.actions import reads
from iamtui.core.actions.applies import console_refusal
from iamtui.core.actions.checks import login_profile_is
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import GENERATED_PASSWORD
from iamtui.core.ids import ActionId
from iamtui.core.loader import as_utc
from iamtui.core.model import same_name
from iamtui.core.plan import ApiCall, Calls, InverseStep, Step
from iamtui.core.subjects import PrincipalSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Remove the user's console password unless they signed in after the reviewed data."""
    target = planner.user_target(planner.subject(request, PrincipalSubject).name)
    user = target.name
    profile = reads.login_profile(planner.iam, user)
    if profile is None:
        raise ActionRefused(console_refusal(user, has_password=False) or "")
    raw = planner.iam.get_user(UserName=user)["User"]
    used: datetime | None = as_utc(raw["PasswordLastUsed"]) if raw.get("PasswordLastUsed") else None
    planner.refuse_if_signed_in_since_data(target, used)
    step = Step(
        call=ApiCall("DeleteLoginProfile", {"UserName": user}),
        description=f"Delete the console password (login profile) of user {user}",
        preconditions=(login_profile_is(user, True),),
        effect=login_profile_is(user, False),
        inverse=(
            InverseStep(
                ApiCall(
                    "CreateLoginProfile",
                    {
                        "UserName": user,
                        "Password": GENERATED_PASSWORD,
                        "PasswordResetRequired": True,
                    },
                ),
                f"Give user {user} a new generated console password (shown once, must be changed)",
                preconditions=(login_profile_is(user, False),),
                effect=login_profile_is(user, True),
            ),
        ),
        loss="the old password cannot come back: undo sets a new generated one, shown once, "
        "that must be changed at the next sign-in",
    )
    draft = Draft(
        ActionId.USER_DISABLE_CONSOLE,
        f"Disable console access of user {user}",
        [target],
        [step],
        before={
            target.arn: {"login_profile": dict(profile), "password_last_used": reads.iso(used)}
        },
        notes=["the current password cannot be restored; undo issues a new one"],
    )
    if planner.caller.identity.user_name and same_name(planner.caller.identity.user_name, user):
        draft.warnings.append(
            f"{user} is the user iamtui runs as: this session keeps working (it uses an access "
            "key), but that user loses console sign-in"
        )
    if warning := planner.recent_use_warning("the console password", used):
        draft.warnings.append(warning)
    return draft


SPEC = ActionSpec(
    id=ActionId.USER_DISABLE_CONSOLE,
    calls=Calls(
        plan=("iam:GetUser", "iam:GetLoginProfile"),
        probes=("login_profile.exists",),
        run=("iam:DeleteLoginProfile",),
        # The undo reads the minimum length so its generated password always fits the policy.
        undo=("iam:GetAccountPasswordPolicy", "iam:CreateLoginProfile"),
    ),
    group="IamtuiActionsUsers",
    verb="Disable console of",
    help="DeleteLoginProfile · undo issues a new password",
    subject=PrincipalSubject,
    build=build,
    binding="user-disable-console",
)
