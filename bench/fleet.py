"""Benchmark: a fleet scan of an emulated organization, fanned out against one after another.

    python bench/fleet.py --accounts 50 --users 200 --roles 100 --latency-ms 50

Seeds the management account and ``accounts - 1`` members in-process (each ``seed_scale`` with
the given users and roles, plus ``OrganizationAccountAccessRole``), measures one member's
overview load alone (the single-account constant), then scans the organization with
``--concurrency`` accounts at once and again with one at a time. Each request waits
``--latency-ms`` in the server first (AWS is a network round trip away; the in-process emulator
is not), so the comparison shows what bounds a fleet scan. Prints figures, asserts nothing:
docs/performance.md keeps them.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
from datetime import UTC, datetime
from typing import Any

from iamtui.core.fleet import FleetOptions, list_organization, role_arn, scan_fleet
from iamtui.core.loader import load_account
from iamtui.core.session import ConnectionSettings, connect
from iamtui.emulator.fidelity.organizations import add_unit, seed_organization
from iamtui.emulator.seed import Seeder, seed_scale, trust_aws
from iamtui.emulator.server import Emulator

MANAGEMENT = "100000000000"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


class Latency:
    """WSGI wrapper: each request waits first, as a round trip to AWS would (the thread sleeps,
    so waiting requests cost no CPU)."""

    def __init__(self, app: Any, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    def __call__(self, environ: Any, start_response: Any) -> Any:
        time.sleep(self.seconds)
        return self.app(environ, start_response)


def cold(emulator: Emulator, accounts: list[str]) -> None:
    """Forget every account's credential report, so each scan generates them as a first load
    does (a report younger than 4 hours would be reused: fewer requests, no wait)."""
    for account in accounts:
        extras = emulator.extras(account)
        with extras.lock:
            extras.report = None
            extras.report_ready_at = None


def rss_mib() -> float:
    """Peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--roles", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    logging.getLogger("werkzeug").disabled = True
    now = datetime.now(UTC)
    members = [f"{200000000000 + i:012d}" for i in range(1, args.accounts)]
    with Emulator() as emulator:
        t0 = time.perf_counter()
        org = seed_organization(MANAGEMENT, members, organization_id="o-benchorg01")
        units = [add_unit(org, name) for name in ("Prod", "NonProd", "Sandbox")]
        for i, account in enumerate(members):
            org.account_parents[account] = units[i % len(units)]
        for account in (MANAGEMENT, *members):
            seeder = seed_scale(
                emulator.backend(account),
                emulator.extras(account),
                users=args.users,
                roles=args.roles,
                now=now,
            )
            if account != MANAGEMENT:
                seeder.role(
                    "OrganizationAccountAccessRole",
                    trust=trust_aws(f"arn:aws:iam::{MANAGEMENT}:root"),
                    managed=[ADMIN],
                )
        operator = Seeder(emulator.backend(MANAGEMENT), emulator.extras(MANAGEMENT), now)
        operator.user("bench-operator", managed=[ADMIN])
        key = emulator.backend(MANAGEMENT).create_access_key("bench-operator")
        seed_s = time.perf_counter() - t0
        rss_seeded = rss_mib()
        emulator._server.app = Latency(emulator._server.app, args.latency_ms / 1000)
        settings = ConnectionSettings(
            endpoint_url=emulator.endpoint_url,
            region="us-east-1",
            static_credentials=(str(key.access_key_id), str(key.secret_access_key)),
        )

        # The single-account constant: one member's overview, read alone through its role.
        caller = connect(settings)
        answer = caller.sts.assume_role(
            RoleArn=role_arn(members[0], "OrganizationAccountAccessRole"),
            RoleSessionName="iamtui-bench",
        )["Credentials"]
        member = connect(
            settings,
            credentials={
                "aws_access_key_id": answer["AccessKeyId"],
                "aws_secret_access_key": answer["SecretAccessKey"],
                "aws_session_token": answer["SessionToken"],
            },
        )
        t0 = time.perf_counter()
        load_account(member)
        single_s = time.perf_counter() - t0
        constant = member.counter.total
        # The management account's own overview pages ListAccounts too (20 accounts a page).
        own = connect(settings)
        load_account(own)
        own_constant = own.counter.total

        results = {}
        for label, concurrency in (("fanned out", args.concurrency), ("one after another", 1)):
            cold(emulator, [MANAGEMENT, *members])
            conn = connect(settings)
            options = FleetOptions(concurrency=concurrency)
            t0 = time.perf_counter()
            listing = list_organization(conn, options)
            fleet = scan_fleet(listing, settings, caller_conn=conn, options=options)
            results[label] = (time.perf_counter() - t0, fleet, rss_mib())

    fleet = results["fanned out"][1]
    reached = len(fleet.reachable)
    assumed = len([a for a in fleet.accounts if a.role_chain])
    expected = (reached - 1) * constant + own_constant + fleet.listing.requests + assumed
    findings = sum(len(a.evaluation.findings) for a in fleet.reachable if a.evaluation)
    print(f"organization     {args.accounts} accounts x {args.users} users / {args.roles} roles")
    print(f"seeded in        {seed_s:.1f} s (peak RSS after seeding {rss_seeded:.0f} MiB)")
    print(f"latency          {args.latency_ms:g} ms per request (in the server)")
    print(f"one account      {constant} requests, {single_s:.2f} s (management: {own_constant})")
    print(f"reached          {reached} of {len(fleet.accounts)}, {findings} findings")
    print(
        f"requests         {fleet.requests} measured; expected {expected} = "
        f"{reached - 1} x {constant} + {own_constant} (management) + "
        f"{fleet.listing.requests} listing + {assumed} AssumeRole"
    )
    for label, (seconds, each, peak) in results.items():
        print(
            f"{label:<16} {seconds:.1f} s ({seconds / len(each.accounts):.2f} s per account), "
            f"peak RSS {peak:.0f} MiB"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
