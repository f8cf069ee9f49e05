"""Benchmark: the overview load's request count, wall time and peak RSS on a seeded emulator.

    python bench/load.py --users 1000 --roles 500
    python bench/load.py --users 1000 --roles 500 --last-accessed --workers 4

Seeds the emulated account in-process (fast), then loads it over HTTP exactly as the product
does and prints figures. No assertions: targets live in docs/performance.md.
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import sys
import time
from datetime import UTC, datetime

from iamtui.core.loader import load_account, load_last_accessed_batch
from iamtui.core.session import ConnectionSettings, connect
from iamtui.emulator.seed import seed_scale
from iamtui.emulator.server import Emulator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--roles", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="loads to time (median reported)")
    parser.add_argument(
        "--last-accessed",
        action="store_true",
        help="then fetch every user's and role's last-accessed data (one job each)",
    )
    parser.add_argument("--workers", type=int, default=4, help="last-accessed jobs at once")
    args = parser.parse_args()
    logging.getLogger("werkzeug").disabled = True

    now = datetime.now(UTC)
    with Emulator() as emulator:
        t0 = time.perf_counter()
        seed_scale(
            emulator.backend(), emulator.extras(), users=args.users, roles=args.roles, now=now
        )
        seed_s = time.perf_counter() - t0
        settings = ConnectionSettings(
            endpoint_url=emulator.endpoint_url,
            region="us-east-1",
            static_credentials=("testing", "testing"),
        )
        times: list[float] = []
        requests: list[int] = []
        by_op: dict[str, int] = {}
        for _ in range(args.repeat):
            conn = connect(settings)
            t0 = time.perf_counter()
            snap = load_account(conn)
            times.append(time.perf_counter() - t0)
            requests.append(conn.counter.total)
            if len(requests) == 1:
                by_op = dict(conn.counter.by_operation)
        if args.last_accessed:
            conn = connect(settings)
            arns = [u.arn for u in snap.users] + [r.arn for r in snap.roles]
            t0 = time.perf_counter()
            batch = load_last_accessed_batch(conn, arns, workers=args.workers)
            la_s = time.perf_counter() - t0
            la_by_op = dict(conn.counter.by_operation)
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    print(
        f"principals     {args.users} users, {args.roles} roles "
        f"(loaded {len(snap.users)} users, {len(snap.roles)} roles, {len(snap.policies)} policies)"
    )
    print(f"seed           {seed_s:.2f} s (in-process, not part of the load)")
    print(f"requests       first load {requests[0]} (report generated), later loads {requests[1:]}")
    print("               " + ", ".join(f"{k}={v}" for k, v in sorted(by_op.items())))
    print(
        f"load wall time first {times[0]:.2f} s (report generated: one 0.5 s poll), "
        f"later median {statistics.median(times[1:] or times):.2f} s; "
        "emulator and client share this process and its 2 cores"
    )
    if args.last_accessed:
        print(
            f"last-accessed  {len(batch.results)} of {len(arns)} principals "
            f"({len(batch.failures)} failed), {args.workers} at once: "
            f"{sum(la_by_op.values())} requests in {la_s:.1f} s"
        )
        print("               " + ", ".join(f"{k}={v}" for k, v in sorted(la_by_op.items())))
    print(f"peak RSS       {peak_kib / 1024:.0f} MiB (emulator + seeded state + client)")
    print(f"python         {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
