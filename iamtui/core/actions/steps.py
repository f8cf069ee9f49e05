"""Step factories shared by several actions: detach, inline, group, key steps, user teardown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from iamtui.core.actions.checks import (
    OP_KIND,
    PARAM,
    attached_is,
    boundary_is,
    check,
    credential_is,
    in_group,
    inline_is,
    key_is,
    key_unused_since,
    login_profile_is,
    mfa_is,
    policy_name,
    uploaded_copy,
    uploaded_is,
    user_exists,
    virtual_mfa_is,
)
from iamtui.core.actions.reads import UserState
from iamtui.core.model import AccessKey, ServiceCredential
from iamtui.core.plan import JSON, ApiCall, Check, InverseStep, Step
from iamtui.core.subjects import UploadedKind

#: Placeholders the executor fills in at call time (never stored resolved in a plan).
GENERATED_PASSWORD: JSON = {"$generate": "password"}
NOW: JSON = {"$now": "iso"}

KEY_GONE = "AWS returns a key's secret only when the key is created: a deleted key cannot come back"


def deactivate_key_step(user: str, key: AccessKey) -> Step:
    """Deactivate an access key; undo reactivates it."""
    kid = key.key_id
    return Step(
        call=ApiCall(
            "UpdateAccessKey", {"UserName": user, "AccessKeyId": kid, "Status": "Inactive"}
        ),
        description=f"Deactivate access key {kid} of user {user}",
        preconditions=(key_is(user, kid, "Active"), key_unused_since(kid, key.last_used)),
        effect=key_is(user, kid, "Inactive"),
        inverse=(
            InverseStep(
                ApiCall(
                    "UpdateAccessKey",
                    {"UserName": user, "AccessKeyId": kid, "Status": "Active"},
                ),
                f"Reactivate access key {kid} of user {user}",
                preconditions=(key_is(user, kid, "Inactive"),),
                effect=key_is(user, kid, "Active"),
            ),
        ),
    )


#: Why deleting a service-specific credential cannot be undone.
SERVICE_CREDENTIAL_GONE = (
    "AWS shows the password or API key only when it is created (or reset); a new credential "
    "has a new one"
)


def service_credential_status_step(credential: ServiceCredential, status: str) -> Step:
    """Set a service-specific credential Active or Inactive; undo sets it back."""
    user, cid = credential.user, credential.credential_id
    other = "Active" if status == "Inactive" else "Inactive"
    verb = {"Active": "Reactivate", "Inactive": "Deactivate"}
    what = f"{credential.noun} {cid} of user {user}"

    def call(to: str) -> ApiCall:
        params = {"UserName": user, "ServiceSpecificCredentialId": cid, "Status": to}
        return ApiCall("UpdateServiceSpecificCredential", params)

    return Step(
        call=call(status),
        description=f"{verb[status]} {what}",
        preconditions=(credential_is(user, cid, other),),
        effect=credential_is(user, cid, status),
        inverse=(
            InverseStep(
                call(other),
                f"{verb[other]} {what}",
                preconditions=(credential_is(user, cid, status),),
                effect=credential_is(user, cid, other),
            ),
        ),
    )


def delete_service_credential_step(credential: ServiceCredential) -> Step:
    """Delete a service-specific credential: irreversible (its secret is never shown again)."""
    user, cid = credential.user, credential.credential_id
    return Step(
        call=ApiCall(
            "DeleteServiceSpecificCredential",
            {"UserName": user, "ServiceSpecificCredentialId": cid},
        ),
        description=(f"Delete {credential.status.lower()} {credential.noun} {cid} of user {user}"),
        preconditions=(credential_is(user, cid, credential.status),),
        effect=credential_is(user, cid, None),
        irreversible_reason=SERVICE_CREDENTIAL_GONE,
    )


def delete_key_step(user: str, key: AccessKey) -> Step:
    """Delete an access key: irreversible (AWS never returns its secret again)."""
    kid = key.key_id
    return Step(
        call=ApiCall("DeleteAccessKey", {"UserName": user, "AccessKeyId": kid}),
        description=f"Delete {key.status.lower()} access key {kid} of user {user}",
        preconditions=(key_is(user, kid, key.status), key_unused_since(kid, key.last_used)),
        effect=key_is(user, kid, None),
        irreversible_reason=KEY_GONE,
    )


def detach_step(
    kind: str, name: str, arn: str, target: int, *, first: tuple[Check, ...] = ()
) -> Step:
    """Detach a managed policy; undo attaches it again."""
    param, op = PARAM[kind], OP_KIND[kind]
    policy = policy_name(arn)
    return Step(
        call=ApiCall(f"Detach{op}Policy", {param: name, "PolicyArn": arn}),
        description=f"Detach managed policy {policy} from {kind} {name}",
        target=target,
        preconditions=(*first, attached_is(kind, name, arn, True)),
        effect=attached_is(kind, name, arn, False),
        inverse=(
            InverseStep(
                ApiCall(f"Attach{op}Policy", {param: name, "PolicyArn": arn}),
                f"Attach managed policy {policy} to {kind} {name} again",
                preconditions=(attached_is(kind, name, arn, False),),
                effect=attached_is(kind, name, arn, True),
            ),
        ),
        # AWS-managed policies (the ``aws`` pseudo-account) cannot be deleted by anyone here.
        loss=""
        if arn.split(":")[4] == "aws"
        else "the undo fails if the policy itself is deleted meanwhile",
    )


def inline_step(
    kind: str, name: str, policy: str, document: JSON, target: int, *, first: tuple[Check, ...] = ()
) -> Step:
    """Delete an inline policy; its document is saved in the plan and put back by undo."""
    param, op = PARAM[kind], OP_KIND[kind]
    return Step(
        call=ApiCall(f"Delete{op}Policy", {param: name, "PolicyName": policy}),
        description=f"Delete inline policy {policy} of {kind} {name} (document saved)",
        target=target,
        preconditions=(*first, inline_is(kind, name, policy, document)),
        effect=inline_is(kind, name, policy, None),
        inverse=(
            InverseStep(
                ApiCall(
                    f"Put{op}Policy",
                    {param: name, "PolicyName": policy, "PolicyDocument": document},
                ),
                f"Put inline policy {policy} back on {kind} {name} from the saved document",
                preconditions=(inline_is(kind, name, policy, None),),
                effect=inline_is(kind, name, policy, document),
            ),
        ),
    )


def group_step(user: str, group: str, target: int, *, first: tuple[Check, ...] = ()) -> Step:
    """Remove a user from a group; undo adds it back."""
    return Step(
        call=ApiCall("RemoveUserFromGroup", {"GroupName": group, "UserName": user}),
        description=f"Remove user {user} from group {group}",
        target=target,
        preconditions=(*first, in_group(user, group, True)),
        effect=in_group(user, group, False),
        inverse=(
            InverseStep(
                ApiCall("AddUserToGroup", {"GroupName": group, "UserName": user}),
                f"Add user {user} to group {group} again",
                preconditions=(in_group(user, group, False),),
                effect=in_group(user, group, True),
            ),
        ),
    )


def quarantine_document() -> JSON:
    """Deny everything, and (AWS's "revoke active sessions") deny sessions issued before now."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "IamtuiQuarantineDenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"},
            {
                "Sid": "IamtuiRevokeOlderSessions",
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": NOW}},
            },
        ],
    }


ROLE_LOSS = (
    "the new role gets a new role id: trust and resource policies elsewhere that named the old "
    "role must be saved again, its sessions are gone and its last-used history is lost"
)


def user_teardown(state: UserState) -> list[Step]:
    """Every step DeleteUser needs, in the order AWS requires, with inverses where they exist."""
    user = state.name
    steps: list[Step] = []
    first = (
        check(
            "user.state",
            state.fingerprint(),
            f"user {user} is unchanged since the plan",
            UserName=user,
        ),
    )

    def pre() -> tuple[Check, ...]:
        return first if not steps else ()

    if state.login_profile is not None:
        steps.append(
            Step(
                call=ApiCall("DeleteLoginProfile", {"UserName": user}),
                description=f"Delete the console password of user {user}",
                preconditions=(*pre(), login_profile_is(user, True)),
                effect=login_profile_is(user, False),
                irreversible_reason="a password cannot be read back; undo of the user does not "
                "restore console access (give a new password if needed)",
            )
        )
    for key in state.keys:
        kid = key.key_id
        steps.append(
            Step(
                call=ApiCall("DeleteAccessKey", {"UserName": user, "AccessKeyId": kid}),
                description=f"Delete {key.status.lower()} access key {kid} of user {user}",
                preconditions=(
                    *pre(),
                    key_is(user, kid, key.status),
                    key_unused_since(kid, key.last_used),
                ),
                effect=key_is(user, kid, None),
                irreversible_reason=KEY_GONE,
            )
        )
    for cert in state.certificates:
        steps.append(uploaded_delete_step("certificate", user, cert, pre()))
    for ssh in state.ssh_keys:
        steps.append(uploaded_delete_step("ssh-key", user, ssh, pre()))
    for cred in state.service_credentials:
        cid = cred["id"]
        steps.append(
            Step(
                call=ApiCall(
                    "DeleteServiceSpecificCredential",
                    {"UserName": user, "ServiceSpecificCredentialId": cid},
                ),
                description=f"Delete {cred['service']} credential {cid} of user {user}",
                preconditions=(*pre(), credential_is(user, cid, cred["status"])),
                effect=credential_is(user, cid, None),
                irreversible_reason="AWS generates the service password; "
                "a new credential has a new one",
            )
        )
    for serial, virtual in state.mfa:
        steps.append(
            Step(
                call=ApiCall("DeactivateMFADevice", {"UserName": user, "SerialNumber": serial}),
                description=f"Deactivate MFA device {serial} of user {user}",
                preconditions=(*pre(), mfa_is(user, serial, True)),
                effect=mfa_is(user, serial, False),
                irreversible_reason="re-enabling an MFA device needs two codes "
                "from the device itself",
            )
        )
        if virtual:
            steps.append(
                Step(
                    call=ApiCall("DeleteVirtualMFADevice", {"SerialNumber": serial}),
                    description=f"Delete virtual MFA device {serial}",
                    preconditions=(virtual_mfa_is(serial, True),),
                    effect=virtual_mfa_is(serial, False),
                    irreversible_reason="the device's secret seed is gone; "
                    "a new device must be enrolled",
                )
            )
    for name, document in state.inline.items():
        steps.append(inline_step("user", user, name, document, 0, first=pre()))
    for arn, _ in state.attached:
        steps.append(detach_step("user", user, arn, 0, first=pre()))
    for group in state.groups:
        steps.append(group_step(user, group, 0, first=pre()))
    if state.boundary:
        boundary = policy_name(state.boundary)
        steps.append(
            Step(
                call=ApiCall("DeleteUserPermissionsBoundary", {"UserName": user}),
                description=f"Remove the permissions boundary {boundary} of user {user}",
                preconditions=(*pre(), boundary_is(user, state.boundary)),
                effect=boundary_is(user, None),
                inverse=(
                    InverseStep(
                        ApiCall(
                            "PutUserPermissionsBoundary",
                            {"UserName": user, "PermissionsBoundary": state.boundary},
                        ),
                        f"Put the permissions boundary {boundary} back on user {user}",
                        preconditions=(boundary_is(user, None),),
                        effect=boundary_is(user, state.boundary),
                    ),
                ),
            )
        )
    create: dict[str, JSON] = {"UserName": user, "Path": state.path}
    if state.tags:
        create["Tags"] = [{"Key": k, "Value": v} for k, v in state.tags]
    steps.append(
        Step(
            call=ApiCall("DeleteUser", {"UserName": user}),
            description=f"Delete user {user}",
            preconditions=(*pre(), user_exists(user, True)),
            effect=user_exists(user, False),
            inverse=(
                InverseStep(
                    ApiCall("CreateUser", create),
                    f"Recreate user {user} with its path and tags",
                    preconditions=(user_exists(user, False),),
                    effect=user_exists(user, True),
                ),
            ),
            loss="the recreated user has a new user id; policies that named the old user must be "
            "saved again",
        )
    )
    return steps


@dataclass(frozen=True)
class Uploaded:
    """A credential whose public body is saved so undo can upload it again (a new id)."""

    noun: str  # "signing certificate", "SSH public key"
    upload: str
    body_param: str
    update: str
    delete: str
    id_param: str
    reset_text: str  # "certificate {id}" / "SSH key": what "Set the re-uploaded ..." names
    saved: str  # "public body" / "public key"
    loss: str


#: Each uploadable user credential, by the subject's kind.
UPLOADED: Mapping[UploadedKind, Uploaded] = {
    "certificate": Uploaded(
        "signing certificate",
        "UploadSigningCertificate",
        "CertificateBody",
        "UpdateSigningCertificate",
        "DeleteSigningCertificate",
        "CertificateId",
        "certificate {id}",
        "public body",
        loss="the re-uploaded certificate gets a new certificate id",
    ),
    "ssh-key": Uploaded(
        "SSH public key",
        "UploadSSHPublicKey",
        "SSHPublicKeyBody",
        "UpdateSSHPublicKey",
        "DeleteSSHPublicKey",
        "SSHPublicKeyId",
        "SSH key",
        "public key",
        loss="the re-uploaded SSH key gets a new key id",
    ),
}


def uploaded_status_step(kind: UploadedKind, user: str, cid: str, status: str) -> Step:
    """Set an SSH key's or certificate's status; undo sets the other one back."""
    spec = UPLOADED[kind]
    other = "Inactive" if status == "Active" else "Active"

    def update(value: str) -> ApiCall:
        return ApiCall(spec.update, {"UserName": user, spec.id_param: cid, "Status": value})

    verb = {"Active": "Reactivate", "Inactive": "Deactivate"}
    return Step(
        call=update(status),
        description=f"{verb[status]} {spec.noun} {cid} of user {user}",
        preconditions=(uploaded_is(kind, user, cid, other),),
        effect=uploaded_is(kind, user, cid, status),
        inverse=(
            InverseStep(
                update(other),
                f"{verb[other]} {spec.noun} {cid} of user {user}",
                preconditions=(uploaded_is(kind, user, cid, status),),
                effect=uploaded_is(kind, user, cid, other),
            ),
        ),
    )


def uploaded_delete_step(
    kind: UploadedKind, user: str, item: Mapping[str, JSON], first: tuple[Check, ...] = ()
) -> Step:
    """Delete one certificate or SSH key; undo uploads the saved body and restores its status."""
    spec = UPLOADED[kind]
    iid, status, body = item["id"], str(item["status"]), item["body"]
    inverse = [
        InverseStep(
            ApiCall(spec.upload, {"UserName": user, spec.body_param: body}),
            f"Upload {spec.noun} {iid} to user {user} again",
            preconditions=(uploaded_copy(kind, user, iid, body, None),),
            effect=uploaded_copy(kind, user, iid, body, "Active"),
        )
    ]
    if status != "Active":
        inverse.append(
            InverseStep(
                ApiCall(
                    spec.update,
                    {"UserName": user, spec.id_param: {"$prev": spec.id_param}, "Status": status},
                ),
                f"Set the re-uploaded {spec.reset_text.format(id=iid)} to {status}",
                preconditions=(uploaded_copy(kind, user, iid, body, "Active"),),
                effect=uploaded_copy(kind, user, iid, body, status),
            )
        )
    return Step(
        call=ApiCall(spec.delete, {"UserName": user, spec.id_param: iid}),
        description=f"Delete {spec.noun} {iid} of user {user} ({spec.saved} saved)",
        preconditions=(*first, uploaded_is(kind, user, iid, status)),
        effect=uploaded_is(kind, user, iid, None),
        inverse=tuple(inverse),
        loss=spec.loss,
    )
