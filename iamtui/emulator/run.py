"""Starting the embedded demo account: emulator up, demo seeded, an operator key to run as."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from iamtui.core.session import ConnectionSettings
from iamtui.emulator import require_moto

#: The demo operator: iamtui runs as this user, so self-lockout guards have something to guard.
OPERATOR_USER = "ops-operator"
#: The region the demo's clients use (IAM is global; STS and botocore want one).
DEMO_REGION = "us-east-1"


@dataclass
class DemoEnvironment:
    """A running demo endpoint and the credentials of the operator iamtui acts as."""

    emulator: Any
    account: Any
    access_key_id: str
    secret_access_key: str

    @property
    def endpoint_url(self) -> str:
        """Where the emulated IAM and STS answer."""
        return str(self.emulator.endpoint_url)

    def settings(self) -> ConnectionSettings:
        """Connection settings that point the core at the demo as the operator."""
        return ConnectionSettings(
            endpoint_url=self.endpoint_url,
            region=DEMO_REGION,
            static_credentials=(self.access_key_id, self.secret_access_key),
        )

    def stop(self) -> None:
        """Shut the endpoint down."""
        self.emulator.stop()

    def shell_exports(self) -> list[str]:
        """``export NAME=value`` lines, endpoint first: pasted into a POSIX shell, they work."""
        values = {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_DEFAULT_REGION": DEMO_REGION,
        }
        return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def start_demo(
    *,
    now: datetime | None = None,
    port: int = 0,
    fidelity: bool = True,
    journal: Path | None = None,
) -> DemoEnvironment:
    """Start the emulator on loopback and seed the demo account with dates relative to ``now``.

    Only keys the account issued sign requests, and their signatures must verify (as on AWS);
    moto's control API (``/moto-api``) is refused. ``fidelity=False`` serves moto as shipped
    instead (control API still refused), for tests of how the product copes with a lax endpoint.
    ``journal`` (a fresh demo journal) gets the demo's earlier iamtui changes, whose follow-ups
    are one due and one pending.
    """
    require_moto()
    from iamtui.emulator.demo import seed_demo_account, seed_demo_journal
    from iamtui.emulator.server import Emulator

    now = now or datetime.now(UTC)
    emulator = Emulator(port=port, fidelity=fidelity, trusted_keys={}).start()
    try:
        emulator.reset()
        account = seed_demo_account(emulator.backend(), emulator.extras(), now)
        key_id, secret = _operator_key(emulator.backend())
        env = DemoEnvironment(emulator, account, key_id, secret)
        if journal is not None:
            seed_demo_journal(env.settings(), emulator.backend(), journal, now)
    except BaseException:
        emulator.stop()
        raise
    return env


def _operator_key(backend: Any) -> tuple[str, str]:
    """The operator user and its key: created here so the demo runs as a real IAM user."""
    if OPERATOR_USER not in backend.users:
        backend.create_user(region_name="us-east-1", user_name=OPERATOR_USER, path="/ops/")
    user = backend.users[OPERATOR_USER]
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    if admin in backend.managed_policies and admin not in user.managed_policies:
        backend.attach_user_policy(admin, OPERATOR_USER)
    key = backend.create_access_key(OPERATOR_USER)
    return str(key.access_key_id), str(key.secret_access_key)
