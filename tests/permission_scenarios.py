"""Every action and its undo, run on one seeded account, recording what each one sends.

Shared by the drift test (the declared tables cover what is sent, and everything declared is
exercised) and the enforcement test (a user holding exactly the remediate policy can do it all).
Targets are seeded straight into moto's objects, so seeding needs no permission.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.account.models import account_backends
from rightsize_support import arn_of, seed_principal
from test_actions_support import (
    S3_READ,
    SQS_SEND,
    TRUST_EC2,
    certificate,
    full_user_fast,
    ssh_public_key,
)

from iamtui.core.actions import (
    ActionId,
    ExecutionReport,
    Executor,
    Plan,
    Planner,
    Request,
    RotateStage,
    context_snapshot,
)
from iamtui.core.actions.assume import ROOT_PREFIX
from iamtui.core.journal import Journal
from iamtui.core.loader import load_account, load_last_accessed
from iamtui.core.model import AccountSnapshot
from iamtui.core.session import Connection
from iamtui.core.subjects import TrustEdit
from iamtui.emulator.demo import saml_metadata
from iamtui.emulator.fidelity.organizations import seed_organization
from iamtui.emulator.fidelity.root import give_root_key
from iamtui.emulator.seed import KeySpec, Seeder
from iamtui.emulator.server import Emulator
from iamtui.emulator.state import RootKey, ServiceCredential

ACCOUNT = "123456789012"
MEMBER = "222222222222"
#: A partner account trusted without a condition, next to EC2 (role.update-trust's target).
TRUST_PARTNER = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "sts:AssumeRole",
        },
        *TRUST_EC2["Statement"],
    ],
}

TEAM_TAG = {"Key": "Team", "Value": "data"}
CONTACT = ("Security Team", "SecOps", "security@acme.example", "+1 555 0100")


@dataclass
class Actor:
    """Plans, runs and undoes requests as one connection, recording what each action sent."""

    conn: Connection
    journal: Journal
    snapshot: AccountSnapshot
    #: Action -> the operations sent with the session's credentials / as an assumed root.
    sent: dict[ActionId, set[str]] = field(default_factory=lambda: defaultdict(set))
    as_root: dict[ActionId, set[str]] = field(default_factory=lambda: defaultdict(set))
    plans: dict[ActionId, list[Plan]] = field(default_factory=lambda: defaultdict(list))

    def _record(self, action: ActionId) -> None:
        for name in self.conn.counter.by_operation:
            if name.startswith(ROOT_PREFIX):
                self.as_root[action].add(name.removeprefix(ROOT_PREFIX))
            else:
                self.sent[action].add(name)
        self.conn.counter.by_operation.clear()

    def run(self, plan: Plan) -> ExecutionReport:
        """Confirm (typing the phrase when needed) and execute; the run must complete."""
        report = Executor(self.conn, self.journal, sleep=lambda _: None, poll_interval=0).run(
            plan.confirm(plan.confirmation_phrase)
        )
        assert report.status == "completed", f"{plan.summary}: {report.message()}"
        return report

    def act(self, request: Request, *, undo: bool = True) -> ExecutionReport:
        """Plan, run and (by default) undo one request, attributing every send to its action."""
        self.conn.counter.by_operation.clear()
        plan = Planner(self.conn, self.snapshot).plan(request)
        self.plans[request.action].append(plan)
        report = self.run(plan)
        if undo:
            assert report.entry_id is not None
            back = Planner(self.conn, self.snapshot).undo(self.journal.entry(report.entry_id))
            self.plans[request.action].append(back)
            self.run(back)
        self._record(request.action)
        return report


def seed_targets(emulator: Emulator) -> None:
    """One principal (or more) for every action, with every kind of dependency."""
    now = datetime.now(UTC)
    seeder = Seeder(emulator.backend(), emulator.extras(), now)
    old = now - timedelta(days=200)
    managed = seeder.managed_policy("Scenario", S3_READ).arn
    leftover = seeder.managed_policy("ScenarioLeftover", S3_READ, tags={"Owner": "data"}).arn
    emulator.backend().create_policy_version(leftover, json.dumps(SQS_SEND), set_as_default=True)
    for name, status in (("s-deact", "Active"), ("s-act", "Inactive"), ("s-del", "Inactive")):
        seeder.user(name, keys=(KeySpec(old, status=status),))  # type: ignore[arg-type]
    seeder.user("s-rot", keys=(KeySpec(old),))
    seeder.user("s-console", password=True)
    seeder.group("s-team", managed=(managed,), inline={"GroupInline": SQS_SEND})
    seeder.user("s-member", groups=("s-team",), managed=(managed,), inline={"Own": SQS_SEND})
    full_user_fast(emulator, "s-gone")
    for cert in emulator.backend().users["s-gone"].signing_certificates.values():
        cert.status = "Inactive"  # undo re-uploads it, then sets it Inactive again
    for name, status in (("s-cred-on", "Active"), ("s-cred-off", "Inactive")):
        seeder.user(name)
        emulator.backend().users[name].upload_ssh_public_key(ssh_public_key()).status = status
        emulator.backend().upload_signing_certificate(name, certificate(name)).status = status
    seeder.role(
        "s-app",
        trust=TRUST_EC2,
        managed=(managed,),
        inline={"RoleInline": SQS_SEND},
        instance_profile=True,
        tags={"Team": "data"},
        description="scenario role",
    )
    seeder.role("s-quar", trust=TRUST_EC2)
    seeder.role("s-trust", trust=TRUST_PARTNER)
    seeder.role("s-pol", trust=TRUST_EC2, managed=(managed,), inline={"RoleInline": SQS_SEND})
    seeder.service_linked_role(
        "AWSServiceRoleForScenario", "elasticbeanstalk.amazonaws.com", created=old
    )
    for name, credential_id, status in (
        ("s-svc-deact", "ACCASVCDEACT000000001", "Active"),
        ("s-svc-act", "ACCASVCACT00000000001", "Inactive"),
        ("s-svc-del", "ACCASVCDEL00000000001", "Inactive"),
    ):
        seeder.user(name)
        seed_service_credential(emulator, name, credential_id, status)
    # clutter: an empty group holding policies, a spare virtual MFA device, an expired certificate
    seeder.group("s-empty", managed=(managed,), inline={"EmptyInline": SQS_SEND})
    emulator.backend().create_virtual_mfa_device(device_name="s-spare", path="/")
    seeder.server_certificate("s-expired", uploaded=old, expires=now - timedelta(days=5))
    backend = emulator.backend()
    backend.create_instance_profile("s-profile", path="/ci/", role_names=[], tags=[TEAM_TAG])
    backend.create_open_id_connect_provider(
        url="https://s-oidc.example.com",
        thumbprint_list=["6938fd4d98bab03faadb97b34396831e3780aea1"],
        client_id_list=["sts.amazonaws.com"],
        tags=[TEAM_TAG],
    ).create_date = datetime(2025, 12, 1)  # past the grace period (moto keeps naive UTC dates)
    backend.create_saml_provider("s-saml", saml_metadata("https://s-saml.example.com"))
    # right-sizing: a role whose own policy has AWS's five versions, a user, a policy shared
    # with a third principal; each holds one policy per rewrite method
    seed_principal(emulator, "role", "s-rs", versions=5, now=now, shared_with="s-rs-peer")
    seed_principal(emulator, "user", "s-rs-user", now=now)
    emulator.extras().report_generation_polls = 0


def seed_service_credential(
    emulator: Emulator, user: str, credential_id: str, status: str = "Active"
) -> None:
    """A CodeCommit Git credential, straight into the emulator's state (no permission needed)."""
    extras = emulator.extras()
    with extras.lock:
        extras.service_credentials.setdefault(user, []).append(
            ServiceCredential(
                credential_id=credential_id,
                user_name=user,
                service_name="codecommit.amazonaws.com",
                service_user_name=f"{user}-at-{ACCOUNT}",
                created=datetime.now(UTC) - timedelta(days=200),
                status=status,
            )
        )


#: One scenario: a name and what it does with an Actor (and the emulator, for late seeding).
Scenario = Callable[[Actor, Emulator], None]


def key_ids(emulator: Emulator, user: str) -> list[str]:
    """A user's access key ids, oldest first."""
    keys = emulator.backend().users[user].access_keys
    return [k.access_key_id for k in sorted(keys, key=lambda k: k.create_date)]


def ssh_key_id(emulator: Emulator, user: str) -> str:
    """The user's one SSH public key id (a new one after an undone delete)."""
    (key,) = emulator.backend().users[user].ssh_public_keys
    return str(key.ssh_public_key_id)


def certificate_id(emulator: Emulator, user: str) -> str:
    """The user's one signing certificate id (a new one after an undone delete)."""
    (cid,) = emulator.backend().users[user].signing_certificates
    return str(cid)


def principal_scenarios() -> Iterator[tuple[str, Scenario]]:
    """Every principal action with its undo, including the branches each one can take."""
    managed = f"arn:aws:iam::{ACCOUNT}:policy/Scenario"

    def keys(actor: Actor, emulator: Emulator) -> None:
        actor.act(Request.deactivate_key("s-deact", key_ids(emulator, "s-deact")[0]))
        actor.act(Request.activate_key("s-act", key_ids(emulator, "s-act")[0]))
        actor.act(Request.delete_key("s-del", key_ids(emulator, "s-del")[0]), undo=False)

    def rotate(actor: Actor, emulator: Emulator) -> None:
        (old,) = key_ids(emulator, "s-rot")
        actor.act(Request.rotate_key("s-rot", old))  # undo deletes the new key
        actor.act(Request.rotate_key("s-rot", old), undo=False)
        actor.act(Request.rotate_key("s-rot", old, RotateStage.DEACTIVATE_OLD))
        actor.act(Request.rotate_key("s-rot", old, RotateStage.DEACTIVATE_OLD), undo=False)
        actor.act(Request.rotate_key("s-rot", old, RotateStage.DELETE_OLD), undo=False)

    def users(actor: Actor, emulator: Emulator) -> None:
        actor.act(Request.disable_console("s-console"))
        actor.act(Request.remove_from_group("s-member", "s-team"))
        actor.act(Request.delete_user("s-gone"))

    def credentials(actor: Actor, emulator: Emulator) -> None:
        """SSH keys and certificates: (de)activate and delete, each undone (an Inactive one's
        undone delete re-uploads it, then deactivates it)."""
        for action, user in (
            (ActionId.SSH_KEY_DEACTIVATE, "s-cred-on"),
            (ActionId.SSH_KEY_ACTIVATE, "s-cred-off"),
            (ActionId.SSH_KEY_DELETE, "s-cred-off"),
        ):
            actor.act(Request.ssh_key(action, user, ssh_key_id(emulator, user)))
        for action, user in (
            (ActionId.CERT_DEACTIVATE, "s-cred-on"),
            (ActionId.CERT_ACTIVATE, "s-cred-off"),
            (ActionId.CERT_DELETE, "s-cred-off"),
        ):
            actor.act(Request.certificate(action, user, certificate_id(emulator, user)))

    def policies(actor: Actor, emulator: Emulator) -> None:
        for kind, name in (("user", "s-member"), ("group", "s-team"), ("role", "s-pol")):
            actor.act(Request.detach_policy(kind, name, managed))
        inline = {"user": "Own", "group": "GroupInline", "role": "RoleInline"}
        for kind, name in (("user", "s-member"), ("group", "s-team"), ("role", "s-pol")):
            actor.act(Request.delete_inline(kind, name, inline[kind]))
        actor.act(
            Request.delete_unattached_policy(f"arn:aws:iam::{ACCOUNT}:policy/ScenarioLeftover")
        )

    def roles(actor: Actor, emulator: Emulator) -> None:
        actor.act(Request.quarantine_role("s-quar"))
        actor.act(Request.update_trust("s-trust", TrustEdit("external-id", 0, value="partner-1")))
        actor.act(Request.update_trust("s-trust", TrustEdit("remove-statement", 0)))
        actor.act(Request.delete_role("s-app"))
        actor.act(Request.delete_role("AWSServiceRoleForScenario"), undo=False)

    def providers(actor: Actor, emulator: Emulator) -> None:
        actor.act(Request.delete_instance_profile("s-profile"))
        actor.act(
            Request.delete_identity_provider(
                f"arn:aws:iam::{ACCOUNT}:oidc-provider/s-oidc.example.com"
            )
        )
        actor.act(Request.delete_identity_provider(f"arn:aws:iam::{ACCOUNT}:saml-provider/s-saml"))

    def not_loaded(actor: Actor, emulator: Emulator) -> None:
        """A user created after the data was loaded: the planner looks it up (GetUser)."""
        seeder = Seeder(emulator.backend(), emulator.extras(), datetime.now(UTC))
        seeder.user(
            "s-late",
            keys=(KeySpec(datetime.now(UTC) - timedelta(days=90)),),
            groups=("s-team",),
            managed=(managed,),
            inline={"Own": SQS_SEND},
        )
        (key,) = key_ids(emulator, "s-late")
        actor.act(Request.deactivate_key("s-late", key))
        actor.act(Request.rotate_key("s-late", key))
        actor.act(Request.deactivate_key("s-late", key), undo=False)
        actor.act(Request.activate_key("s-late", key), undo=False)
        actor.act(Request.deactivate_key("s-late", key), undo=False)
        actor.act(Request.delete_key("s-late", key), undo=False)
        actor.act(Request.detach_policy("user", "s-late", managed), undo=False)
        actor.act(Request.delete_inline("user", "s-late", "Own"), undo=False)
        actor.act(Request.remove_from_group("s-late", "s-team"), undo=False)

    def service_credentials(actor: Actor, emulator: Emulator) -> None:
        actor.act(Request.deactivate_service_credential("s-svc-deact", "ACCASVCDEACT000000001"))
        actor.act(Request.activate_service_credential("s-svc-act", "ACCASVCACT00000000001"))
        actor.act(
            Request.delete_service_credential("s-svc-del", "ACCASVCDEL00000000001"), undo=False
        )
        # A user created after the data was loaded: the planner looks it up (GetUser).
        Seeder(emulator.backend(), emulator.extras(), datetime.now(UTC)).user("s-svc-late")
        seed_service_credential(emulator, "s-svc-late", "ACCASVCLATE0000000001")
        actor.act(Request.deactivate_service_credential("s-svc-late", "ACCASVCLATE0000000001"))

    def account(actor: Actor, emulator: Emulator) -> None:
        actor.act(Request.set_password_policy())  # none before: undo deletes it
        emulator.backend().update_account_password_policy(
            allow_change_password=True,
            hard_expiry=False,
            max_password_age=90,
            minimum_password_length=8,
            password_reuse_prevention=3,
            require_lowercase_characters=True,
            require_numbers=False,
            require_symbols=False,
            require_uppercase_characters=False,
        )
        actor.act(Request.set_password_policy())  # undo restores the previous one
        actor.act(Request.set_security_contact(*CONTACT))  # none before: undo deletes it
        account_backends[ACCOUNT]["aws"].put_alternate_contact(
            alternate_contact_type="SECURITY",
            name="Old",
            title="CTO",
            email_address="cto@acme.example",
            phone_number="+1 555 0199",
        )
        actor.act(Request.set_security_contact(*CONTACT))  # undo puts the old one back

    def assume_root(actor: Actor, emulator: Emulator) -> None:
        seed_organization(ACCOUNT, [MEMBER], features=["RootCredentialsManagement", "RootSessions"])
        give_root_key(MEMBER, datetime.now(UTC) - timedelta(days=400))
        actor.act(Request.delete_root_key(account=MEMBER), undo=False)

    def clutter(actor: Actor, emulator: Emulator) -> None:
        actor.act(Request.delete_group("s-empty"))  # undo recreates it, policies put back
        actor.act(Request.delete_virtual_mfa(f"arn:aws:iam::{ACCOUNT}:mfa/s-spare"), undo=False)
        cert_id = emulator.extras().server_certificates["s-expired"].certificate_id
        actor.act(Request.delete_server_certificate("s-expired", cert_id), undo=False)

    def rightsizing(actor: Actor, emulator: Emulator) -> None:
        """Every rewrite method on a role and a user (their last-accessed data loaded first)."""
        emulator.extras().last_accessed_polls = 0
        arns = (arn_of("role", "s-rs"), arn_of("user", "s-rs-user"))
        reports = [load_last_accessed(actor.conn, arn) for arn in arns]
        actor.snapshot = actor.snapshot.with_last_accessed(*reports)
        actor.act(Request.rightsize("role", "s-rs"))
        actor.act(Request.rightsize("user", "s-rs-user"))

    yield "keys", keys
    yield "rotate", rotate
    yield "users", users
    yield "credentials", credentials
    yield "policies", policies
    yield "roles", roles
    yield "providers", providers
    yield "not-loaded", not_loaded
    yield "service-credentials", service_credentials
    yield "account", account
    yield "assume-root", assume_root
    yield "clutter", clutter
    yield "rightsizing", rightsizing


def root_actor(emulator: Emulator, journal: Journal, connect: Callable[..., Connection]) -> Actor:
    """An Actor signed with one of root's keys (root has a second, older key to act on)."""
    now = datetime.now(UTC)
    give_root_key(ACCOUNT, now - timedelta(days=300))
    spare: RootKey = give_root_key(ACCOUNT, now - timedelta(days=1))
    conn = connect(emulator, (spare.key_id, spare.secret))
    return Actor(conn, journal, load_account(conn))


def root_scenario(actor: Actor, emulator: Emulator) -> None:
    """Signed as root: deactivate (and undo) root's other key, then delete it."""
    target = min(emulator.extras().root.keys, key=lambda k: k.last_rotated).key_id
    actor.act(Request.deactivate_root_key(target))
    actor.act(Request.delete_root_key(target), undo=False)


def journal_undo_context(actor: Actor) -> set[str]:
    """What ``iamtui journal undo`` reads before planning (no account is loaded there)."""
    actor.conn.counter.by_operation.clear()
    context_snapshot(actor.conn)
    sent = set(actor.conn.counter.by_operation)
    actor.conn.counter.by_operation.clear()
    return sent


def everything(actor: Actor, emulator: Emulator) -> dict[str, Any]:
    """Run every principal and account scenario; returns the actor's records by action."""
    for _, scenario in principal_scenarios():
        scenario(actor, emulator)
    return {"sent": actor.sent, "as_root": actor.as_root, "plans": actor.plans}
