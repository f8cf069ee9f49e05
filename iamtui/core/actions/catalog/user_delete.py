"""user.delete: the teardown AWS requires (credentials, policies, groups), then DeleteUser."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions import reads
from iamtui.core.actions.calls import TAGS_ON_CREATE, USER_READS
from iamtui.core.actions.reads import when
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import user_teardown
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls, Target
from iamtui.core.subjects import PrincipalSubject
from iamtui.core.text import plural

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Remove everything DeleteUser needs gone, then the user; undo recreates what it can."""
    state = reads.read_user(planner.iam, planner.subject(request, PrincipalSubject).name)
    target = Target("user", state.name, state.arn, state.user_id)
    unverified = [
        warning
        for key in state.keys
        if (warning := planner.refuse_if_used_since_data(target, key, request)) is not None
    ]
    planner.refuse_if_signed_in_since_data(target, when(state.password_last_used))
    steps = user_teardown(state)
    gone = []
    if state.login_profile is not None:
        gone.append("the console password")
    if state.keys:
        gone.append(plural(len(state.keys), "access key"))
    if state.mfa:
        gone.append(plural(len(state.mfa), "MFA device"))
    if state.service_credentials:
        gone.append(plural(len(state.service_credentials), "service-specific credential"))
    notes = [
        "undo recreates the user with its path, tags, groups, managed and inline policies, "
        "boundary, SSH public keys and signing certificates; the user gets a new user id"
    ]
    if gone:
        notes.append(f"gone for good: {', '.join(gone)}")
    draft = Draft(
        ActionId.USER_DELETE,
        f"Delete user {state.name} ({len(steps) - 1} dependencies removed first)",
        [target],
        steps,
        before={target.arn: state.to_json()},
        notes=notes,
        warnings=unverified,
    )
    if unverified:
        draft.options["accept_unverified_use"] = True
    for key in state.keys:
        if warning := planner.recent_use_warning(
            f"key {key.key_id}", key.last_used, key.last_used_service
        ):
            draft.warnings.append(warning)
    if warning := planner.recent_use_warning(
        "the console password", when(state.password_last_used)
    ):
        draft.warnings.append(warning)
    return draft


SPEC = ActionSpec(
    id=ActionId.USER_DELETE,
    calls=Calls(
        plan=USER_READS,
        probes=(
            "user.state",
            "login_profile.exists",
            "key.status",
            "key.last_used",
            "certificate.status",
            "certificate.by_body",
            "ssh_key.status",
            "ssh_key.by_body",
            "service_credential.status",
            "mfa.enabled",
            "virtual_mfa.unassigned",
            "inline.document",
            "policy.attached",
            "user.in_group",
            "user.boundary",
            "user.exists",
        ),
        run=(
            "iam:DeleteLoginProfile",
            "iam:DeleteAccessKey",
            "iam:DeleteSigningCertificate",
            "iam:DeleteSSHPublicKey",
            "iam:DeleteServiceSpecificCredential",
            "iam:DeactivateMFADevice",
            "iam:DeleteVirtualMFADevice",
            "iam:DeleteUserPolicy",
            "iam:DetachUserPolicy",
            "iam:RemoveUserFromGroup",
            "iam:DeleteUserPermissionsBoundary",
            "iam:DeleteUser",
        ),
        undo=(
            "iam:CreateUser",
            "iam:PutUserPermissionsBoundary",
            "iam:AddUserToGroup",
            "iam:AttachUserPolicy",
            "iam:PutUserPolicy",
            "iam:UploadSSHPublicKey",
            "iam:UpdateSSHPublicKey",
            "iam:UploadSigningCertificate",
            "iam:UpdateSigningCertificate",
        ),
        implied=("iam:TagUser",),
        conditional={"iam:TagUser": TAGS_ON_CREATE},
    ),
    group="IamtuiActionsUsers",
    verb="Delete",
    help="removes credentials, policies, groups, then the user",
    subject=PrincipalSubject,
    build=build,
    binding="user-delete",
)
