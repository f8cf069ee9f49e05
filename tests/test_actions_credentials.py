"""SSH public keys and signing certificates on the emulator: (de)activate, delete, and undo.

Undo of a delete uploads the saved public body again: the credential comes back with a new id,
and with its old status (a re-upload is Active, so an Inactive one is deactivated again).
"""

from __future__ import annotations

from typing import Any

import pytest
from test_actions_support import Env, certificate, env_fixture, ssh_public_key  # noqa: F401

from iamtui.core.actions import ActionRefused, Request
from iamtui.core.ids import ActionId
from iamtui.core.subjects import UploadedCredentialSubject


def ssh_key_of(iam: Any, user: str, status: str = "Active") -> str:
    """A user with one SSH public key in ``status``; returns its id."""
    iam.create_user(UserName=user)
    sid = iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=ssh_public_key())[
        "SSHPublicKey"
    ]["SSHPublicKeyId"]
    if status != "Active":
        iam.update_ssh_public_key(UserName=user, SSHPublicKeyId=sid, Status=status)
    return str(sid)


def cert_of(iam: Any, user: str, status: str = "Active") -> tuple[str, str]:
    """A user with one signing certificate in ``status``; returns its id and body."""
    iam.create_user(UserName=user)
    body = certificate(user)
    cid = iam.upload_signing_certificate(UserName=user, CertificateBody=body)["Certificate"][
        "CertificateId"
    ]
    if status != "Active":
        iam.update_signing_certificate(UserName=user, CertificateId=cid, Status=status)
    return str(cid), body


def ssh_keys(iam: Any, user: str) -> dict[str, str]:
    """SSH key id -> status, read with plain boto3."""
    listed = iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"]
    return {k["SSHPublicKeyId"]: k["Status"] for k in listed}


def certs(iam: Any, user: str) -> dict[str, tuple[str, str]]:
    """Certificate id -> (status, body), read with plain boto3."""
    listed = iam.list_signing_certificates(UserName=user)["Certificates"]
    return {c["CertificateId"]: (c["Status"], c["CertificateBody"].strip()) for c in listed}


# --- ssh-key ----------------------------------------------------------------------------------


def test_ssh_key_deactivate_then_undo_reactivates(env: Env, iam: Any) -> None:
    sid = ssh_key_of(iam, "dev")
    plan = env.planner().plan(Request.ssh_key(ActionId.SSH_KEY_DEACTIVATE, "dev", sid))
    assert not plan.irreversible and plan.confirmation_phrase is None
    assert [row.call for row in plan.preview()] == [
        f"iam:UpdateSSHPublicKey UserName=dev SSHPublicKeyId={sid} Status=Inactive"
    ]
    report = env.run(plan)
    assert report.status == "completed", report.message()
    assert ssh_keys(iam, "dev") == {sid: "Inactive"}
    assert env.undo(report).status == "completed"
    assert ssh_keys(iam, "dev") == {sid: "Active"}
    assert env.journal.verify().ok


def test_ssh_key_activate_then_undo_deactivates(env: Env, iam: Any) -> None:
    sid = ssh_key_of(iam, "dev", "Inactive")
    report = env.run(env.planner().plan(Request.ssh_key(ActionId.SSH_KEY_ACTIVATE, "dev", sid)))
    assert ssh_keys(iam, "dev") == {sid: "Active"}
    env.undo(report)
    assert ssh_keys(iam, "dev") == {sid: "Inactive"}


def test_ssh_key_status_actions_refuse_a_key_already_there(env: Env, iam: Any) -> None:
    sid = ssh_key_of(iam, "dev")
    with pytest.raises(ActionRefused, match=f"SSH public key {sid} of dev is already Active"):
        env.planner().plan(Request.ssh_key(ActionId.SSH_KEY_ACTIVATE, "dev", sid))
    with pytest.raises(ActionRefused, match="user dev has no SSH public key APKANOSUCHKEY"):
        env.planner().plan(Request.ssh_key(ActionId.SSH_KEY_DEACTIVATE, "dev", "APKANOSUCHKEY"))


def test_ssh_key_delete_saves_the_public_key_and_undo_uploads_it_with_a_new_id(
    env: Env, iam: Any
) -> None:
    sid = ssh_key_of(iam, "dev")
    plan = env.planner().plan(Request.ssh_key(ActionId.SSH_KEY_DELETE, "dev", sid))
    assert not plan.irreversible and plan.confirmation_phrase is None
    (row,) = plan.preview()
    assert row.call == f"iam:DeleteSSHPublicKey UserName=dev SSHPublicKeyId={sid}"
    assert "new key id" in row.note
    assert any("ACTIVE" in w for w in plan.warnings)
    assert any("new id" in n for n in plan.notes)
    report = env.run(plan)
    assert report.status == "completed", report.message()
    assert ssh_keys(iam, "dev") == {}
    assert env.undo(report).status == "completed"
    (new_id, new_status), *rest = ssh_keys(iam, "dev").items()
    assert not rest and new_id != sid and new_status == "Active"
    body = iam.get_ssh_public_key(UserName="dev", SSHPublicKeyId=new_id, Encoding="SSH")
    assert body["SSHPublicKey"]["SSHPublicKeyBody"].split()[:2] == ssh_public_key().split()[:2]


def test_undo_of_deleting_an_inactive_ssh_key_reuploads_then_deactivates(
    env: Env, iam: Any
) -> None:
    sid = ssh_key_of(iam, "dev", "Inactive")
    plan = env.planner().plan(Request.ssh_key(ActionId.SSH_KEY_DELETE, "dev", sid))
    assert not plan.warnings
    assert any("set it Inactive again" in n for n in plan.notes)
    report = env.run(plan)
    undo = env.planner().undo(env.journal.entry(report.entry_id or ""))
    assert [r.call.split()[0] for r in undo.preview()] == [
        "iam:UploadSSHPublicKey",
        "iam:UpdateSSHPublicKey",
    ]
    assert env.run(undo).status == "completed"
    assert list(ssh_keys(iam, "dev").values()) == ["Inactive"]


# --- cert -------------------------------------------------------------------------------------


def test_cert_deactivate_then_undo_reactivates(env: Env, iam: Any) -> None:
    cid, _ = cert_of(iam, "soap")
    plan = env.planner().plan(Request.certificate(ActionId.CERT_DEACTIVATE, "soap", cid))
    assert [row.call for row in plan.preview()] == [
        f"iam:UpdateSigningCertificate UserName=soap CertificateId={cid} Status=Inactive"
    ]
    report = env.run(plan)
    assert certs(iam, "soap")[cid][0] == "Inactive"
    env.undo(report)
    assert certs(iam, "soap")[cid][0] == "Active"


def test_cert_activate_then_undo_deactivates(env: Env, iam: Any) -> None:
    cid, _ = cert_of(iam, "soap", "Inactive")
    report = env.run(env.planner().plan(Request.certificate(ActionId.CERT_ACTIVATE, "soap", cid)))
    assert certs(iam, "soap")[cid][0] == "Active"
    env.undo(report)
    assert certs(iam, "soap")[cid][0] == "Inactive"


def test_cert_delete_then_undo_uploads_the_body_again_with_its_status(env: Env, iam: Any) -> None:
    cid, body = cert_of(iam, "soap", "Inactive")
    plan = env.planner().plan(Request.certificate(ActionId.CERT_DELETE, "soap", cid))
    assert not plan.irreversible
    assert "new certificate id" in plan.preview()[0].note
    report = env.run(plan)
    assert certs(iam, "soap") == {}
    assert env.undo(report).status == "completed"
    ((new_id, (status, again)),) = certs(iam, "soap").items()
    assert new_id != cid and status == "Inactive" and again == body.strip()


def test_a_cert_fix_without_an_id_acts_on_the_one_active_certificate(env: Env, iam: Any) -> None:
    cid, _ = cert_of(iam, "soap")
    planner = env.planner()
    request = Request(ActionId.CERT_DEACTIVATE, UploadedCredentialSubject("soap", "certificate"))
    assert f"CertificateId={cid}" in planner.plan(request).preview()[0].call
    iam.update_signing_certificate(UserName="soap", CertificateId=cid, Status="Inactive")
    with pytest.raises(ActionRefused, match="has 0 active signing certificates: fetch"):
        planner.plan(request)
