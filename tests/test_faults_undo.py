"""An undo cut off between re-uploading an SSH key or certificate and setting it back resumes.

The second call of the pair reads the first one's id (``{"$prev": ...}``). On resume the upload is
skipped (its effect holds), so the id must come from live state: found by the key's body.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_actions_support import (  # noqa: F401
    Env,
    certificate,
    env_fixture,
    ssh_public_key,
)

from iamtui.core.actions import Hooks, Request
from iamtui.core.session import Connection, ConnectionSettings, connect
from tests.faults import FaultProxy


class Crash(BaseException):
    """Stands in for a SIGKILL: nothing after it runs, the journal entry stays open."""


@pytest.fixture(name="proxy")
def proxy_fixture(env: Env) -> Iterator[FaultProxy]:
    """A fault proxy in front of the test's emulator."""
    with FaultProxy(env.emulator.endpoint_url) as proxy:
        yield proxy


def inactive_credentials(iam: Any, name: str) -> dict[str, str]:
    """A user with an Inactive SSH key and an Inactive signing certificate; their bodies."""
    iam.create_user(UserName=name)
    ssh_body = ssh_public_key()
    sid = iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=ssh_body)["SSHPublicKey"][
        "SSHPublicKeyId"
    ]
    iam.update_ssh_public_key(UserName=name, SSHPublicKeyId=sid, Status="Inactive")
    cert_body = certificate(name)
    cid = iam.upload_signing_certificate(UserName=name, CertificateBody=cert_body)["Certificate"][
        "CertificateId"
    ]
    iam.update_signing_certificate(UserName=name, CertificateId=cid, Status="Inactive")
    return {"ssh": ssh_body, "cert": cert_body}


def statuses(iam: Any, name: str) -> tuple[list[str], list[str]]:
    """The statuses of the user's SSH keys and certificates."""
    ssh = iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"]
    certs = iam.list_signing_certificates(UserName=name)["Certificates"]
    return [k["Status"] for k in ssh], [c["Status"] for c in certs]


@pytest.mark.parametrize("upload", ["UploadSSHPublicKey", "UploadSigningCertificate"])
def test_an_undo_cut_off_after_the_upload_resumes_and_restores_the_status(
    env: Env, iam: Any, upload: str
) -> None:
    inactive_credentials(iam, "dora")
    deleted = env.run(env.planner().plan(Request.delete_user("dora")))
    assert deleted.ok, deleted.message()
    entry = env.journal.entry(deleted.entry_id or "")
    undo = env.planner().undo(entry)
    index = [s.call.operation for s in undo.steps].index(upload)

    def die(step: int) -> None:
        if step == index:
            raise Crash

    with pytest.raises(Crash):
        env.run(undo, hooks=Hooks(after_call=die))
    assert statuses(iam, "dora")[0 if upload == "UploadSSHPublicKey" else 1] == ["Active"]

    resumed = env.planner().undo(env.journal.entry(entry.id))
    operations = [s.call.operation for s in resumed.steps]
    assert upload not in operations  # done: skipped, its id read back from live state
    report = env.run(resumed)
    assert report.ok, report.message()
    assert statuses(iam, "dora") == (["Inactive"], ["Inactive"])
    assert env.journal.verify().ok


def test_a_lost_answer_to_the_upload_is_settled_by_the_next_undo(
    env: Env, iam: Any, proxy: FaultProxy
) -> None:
    """AWS answers the resent upload DuplicateSSHPublicKey: in doubt, then resumed."""
    inactive_credentials(iam, "erin")
    deleted = env.run(env.planner().plan(Request.delete_user("erin")))
    assert deleted.ok
    entry = env.journal.entry(deleted.entry_id or "")
    through = Env(env.emulator, connection_via(proxy, env), env.journal)
    lost = proxy.add("lost", "UploadSSHPublicKey")
    first = through.run(through.planner().undo(entry))
    assert lost.hits == 1
    assert not first.ok and first.code == "DuplicateSSHPublicKey", first.message()
    undo_entry = env.journal.entry(first.entry_id or "")
    assert undo_entry.in_doubt is not None  # not "failed cleanly": the first send took effect
    resumed = through.planner().undo(env.journal.entry(entry.id))
    report = through.run(resumed)
    assert report.ok, report.message()
    assert statuses(iam, "erin") == (["Inactive"], ["Inactive"])


def connection_via(proxy: FaultProxy, env: Env) -> Connection:
    """iamtui's connection to the emulator through the fault proxy (one resend per call)."""
    settings = ConnectionSettings(
        endpoint_url=proxy.url, region="us-east-1", static_credentials=("testing", "testing")
    )
    return connect(settings, max_attempts=2)
