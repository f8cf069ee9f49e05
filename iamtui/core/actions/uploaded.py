"""SSH public keys and signing certificates: what their six actions share, per credential kind.

Both are public material a user uploads, each with an id and a status; deleting one saves the
body in the plan (the journal) so undo can upload it again. The catalog modules
``ssh_key_*`` and ``cert_*`` each pick a kind and a status or delete.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from iamtui.core.actions import reads
from iamtui.core.actions.applies import key_status_refusal
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import Draft
from iamtui.core.actions.steps import UPLOADED, uploaded_delete_step, uploaded_status_step
from iamtui.core.plan import JSON, Target
from iamtui.core.subjects import UploadedCredentialSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request

#: The reads every plan of an SSH key or certificate sends (GetUser only for an unloaded user).
SSH_KEY_READS = ("iam:GetUser", "iam:ListSSHPublicKeys")
CERTIFICATE_READS = ("iam:GetUser", "iam:ListSigningCertificates")
#: ssh-key.delete reads the public key it saves for undo.
SSH_KEY_BODY_READ = "iam:GetSSHPublicKey"
#: Why undo of a delete may send an Update call.
RESTORE_STATUS = "undo of an Inactive one's delete (a re-uploaded credential is Active)"


def credential(
    planner: Planner, request: Request
) -> tuple[Target, UploadedCredentialSubject, Mapping[str, JSON]]:
    """The user and the credential the request names, from a fresh listing (no body yet).

    No id (a finding made before the user's credentials were fetched): the user's one active
    credential of that kind, else a refusal asking to fetch and pick.
    """
    subject = planner.subject(request, UploadedCredentialSubject)
    noun = UPLOADED[subject.kind].noun
    target = planner.user_target(subject.user)
    found = reads.uploaded_credentials(planner.iam, subject.user, subject.kind, bodies=False)
    if subject.credential_id is not None:
        item = next((i for i in found if i["id"] == subject.credential_id), None)
        if item is None:
            raise ActionRefused(f"user {subject.user} has no {noun} {subject.credential_id}")
        return target, subject, item
    active = [i for i in found if i["status"] == "Active"]
    if len(active) != 1:
        raise ActionRefused(
            f"user {subject.user} has {len(active)} active {noun}s: fetch the user's "
            "credentials (open the user) and pick one"
        )
    return target, subject, active[0]


def status_draft(planner: Planner, request: Request, status: str) -> Draft:
    """Set one SSH key's or certificate's status (Active / Inactive); undo sets it back."""
    target, subject, item = credential(planner, request)
    spec, cid = UPLOADED[subject.kind], str(item["id"])
    refusal = key_status_refusal(
        request.action, f"{spec.noun} {cid}", target.name, str(item["status"])
    )
    if refusal:
        raise ActionRefused(refusal)
    verb = "Reactivate" if status == "Active" else "Deactivate"
    return Draft(
        request.action,
        f"{verb} {spec.noun} {cid} of user {target.name}",
        [target],
        [uploaded_status_step(subject.kind, target.name, cid, status)],
        before={target.arn: {subject.kind: {"id": cid, "status": item["status"]}}},
    )


def delete_draft(planner: Planner, request: Request) -> Draft:
    """Delete one SSH key or certificate, its public body saved so undo can upload it again."""
    target, subject, item = credential(planner, request)
    spec, cid, status = UPLOADED[subject.kind], str(item["id"]), str(item["status"])
    body = item["body"]
    if subject.kind == "ssh-key":
        body = planner.iam.get_ssh_public_key(
            UserName=target.name, SSHPublicKeyId=cid, Encoding="SSH"
        )["SSHPublicKey"]["SSHPublicKeyBody"]
    step = uploaded_delete_step(subject.kind, target.name, {**item, "body": body})
    restore = f", then set it {status} again" if status != "Active" else ""
    notes = [f"undo uploads the saved {spec.saved} again{restore}: {spec.loss}"]
    if subject.kind == "ssh-key":
        notes.append(
            "Git clients name the SSH key id (the User line of ~/.ssh/config for CodeCommit): "
            "after an undo they need the new id"
        )
    draft = Draft(
        request.action,
        f"Delete {status.lower()} {spec.noun} {cid} of user {target.name} (undo re-uploads it)",
        [target],
        [step],
        before={target.arn: {subject.kind: {"id": cid, "status": status}}},
        notes=notes,
    )
    if status == "Active":
        draft.warnings.append(
            f"{spec.noun} {cid} is ACTIVE: whatever uses it fails at once "
            "(deactivating first is the reversible test)"
        )
    return draft
