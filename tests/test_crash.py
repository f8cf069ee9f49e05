"""SIGKILL a real iamtui process at every write of user.delete and of its undo; resume; compare.

Each run is a process forked from this one (botocore and iamtui already imported, so a run costs
milliseconds to start) that talks HTTP to the emulator through the fault proxy of
``tests/faults.py``. The proxy counts the write requests and SIGKILLs the process when the Nth
arrives: before forwarding it ("not sent") or after the emulator applied it ("sent, never
recorded"). Undo then runs as ``iamtui journal undo`` (the CLI, in a fresh process), and the user
is compared field by field with the original: everything restorable must be back, and what a
deletion loses for good (console password, access keys, MFA, the service credential) must be
exactly what the killed run had deleted.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from test_actions_support import (  # noqa: F401
    Env,
    certificate,
    connection,
    credentials,
    env_fixture,
    full_user_fast,
    user_fields,
)

from iamtui.cli import main
from iamtui.core.actions import Executor, Plan, Request
from iamtui.core.journal import Journal
from iamtui.core.session import Connection, ConnectionSettings, connect
from tests.faults import FaultProxy

pytestmark = pytest.mark.slow

#: Runs at once (each has its own proxy; the emulator answers them all).
PARALLEL = 4
#: Seconds a run may take before the test gives up on it.
RUN_TIMEOUT = 60
#: Exit status a forked run uses when nothing killed it.
NOT_KILLED = 99
#: What a killed forward run loses for good, per operation of the step (see credentials()).
LOSSES = {
    "DeleteLoginProfile": "password",
    "DeleteAccessKey": "keys",
    "DeactivateMFADevice": "mfa",
    "DeleteServiceSpecificCredential": "service",
}


@dataclass
class Case:
    """One kill point: the Nth write of a run, before or after it reached the emulator."""

    name: str
    write: int
    when: str  # before | after
    plan_file: Path
    journal: Journal
    entry: str = ""
    proxy: FaultProxy | None = None
    original: dict[str, Any] = field(default_factory=dict)
    keys: list[tuple[str, str]] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        """How many writes reached the emulator."""
        return self.write if self.when == "after" else self.write - 1


def crash_user(env: Env, name: str) -> None:
    """The full user, plus an Active SSH key and an Inactive certificate (both id-fed undos)."""
    full_user_fast(env.emulator, name)
    backend = env.emulator.backend()
    backend.users[name].upload_ssh_public_key(second_ssh_key(name))
    cert = backend.upload_signing_certificate(name, certificate(f"{name}-2"))
    cert.status = "Inactive"


def second_ssh_key(name: str) -> str:
    """Another OpenSSH key body per user (ssh-ed25519 is quick to make)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def key_statuses(iam: Any, name: str) -> list[tuple[str, str]]:
    """(key id, status) of the user's access keys."""
    return sorted(
        (k["AccessKeyId"], k["Status"])
        for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    )


# --- the processes ------------------------------------------------------------------------------


def _redirect(log: Path) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    # pytest's capture replaced sys.stdout/stderr: write to the file itself.
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)


def _executor_run(conn: Connection, plan_file: str, journal_file: str, log: str) -> None:
    """A forward run of a confirmed plan (what the TUI does when the operator confirms)."""
    _redirect(Path(log))
    plan = Plan.from_json(json.loads(Path(plan_file).read_text()))
    report = Executor(conn, Journal(journal_file)).run(plan.confirm(plan.confirmation_phrase))
    print(report.message(), flush=True)
    os._exit(NOT_KILLED)


def _cli_run(args: list[str], log: str) -> None:
    """``iamtui ARGS`` in this (forked) process, with the emulator's dummy credentials."""
    _redirect(Path(log))
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    for name in ("AWS_PROFILE", "IAMTUI_JOURNAL"):
        os.environ.pop(name, None)
    code = 0
    try:
        main.main(args=args, prog_name="iamtui")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_all(
    cases: list[Case], target: Callable[[Case], tuple[Any, ...]], *, kill: bool
) -> dict[str, int]:
    """Start a process per case, PARALLEL at a time; their exit codes, by case name."""
    ctx = multiprocessing.get_context("fork")
    codes: dict[str, int] = {}
    for start in range(0, len(cases), PARALLEL):
        running = []
        for case in cases[start : start + PARALLEL]:
            assert case.proxy is not None
            case.proxy.clear()
            fault = None
            if kill:
                fault = case.proxy.add(f"kill-{case.when}", "write", nth=case.write)
            func, *args = target(case)
            process = ctx.Process(target=func, args=tuple(args))
            process.start()
            if fault is not None:
                fault.pid = process.pid
            running.append((case, process))
        for case, process in running:
            process.join(RUN_TIMEOUT)
            assert process.exitcode is not None, f"{case.name}: still running"
            codes[case.name] = process.exitcode
    return codes


@pytest.fixture(name="proxies")
def proxies_fixture(env: Env) -> Iterator[list[FaultProxy]]:
    """PARALLEL fault proxies in front of the emulator (a case uses one at a time)."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(FaultProxy(env.emulator.endpoint_url)) for _ in range(PARALLEL)]


def through(proxy: FaultProxy) -> Connection:
    """A connection to the emulator through a proxy, made here (forked runs reuse its models)."""
    settings = ConnectionSettings(
        endpoint_url=proxy.url, region="us-east-1", static_credentials=("testing", "testing")
    )
    return connect(settings, max_attempts=2)


def cases_for(
    env: Env, iam: Any, tmp_path: Path, prefix: str, writes: int, when: str, proxies: list[Any]
) -> list[Case]:
    """One freshly seeded user per kill point; its original fields recorded."""
    cases = []
    for write in range(1, writes + 1):
        name = f"{prefix}{write:02d}{when[0]}"
        crash_user(env, name)
        case = Case(
            name,
            write,
            when,
            tmp_path / f"{name}.plan.json",
            Journal(tmp_path / f"{name}.jsonl"),
            proxy=proxies[(write - 1) % len(proxies)],
        )
        case.original = user_fields(iam, name)
        case.keys = key_statuses(iam, name)
        cases.append(case)
    return cases


def undo_args(case: Case, ref: str) -> list[str]:
    """``iamtui journal undo REF --yes`` through the case's proxy."""
    assert case.proxy is not None
    return [
        "journal",
        "undo",
        ref,
        "--yes",
        "--confirm",
        case.name,
        "--journal",
        str(case.journal.path),
        "--endpoint-url",
        case.proxy.url,
    ]


def assert_restored(iam: Any, case: Case, losses: set[str], keys_deleted: int) -> None:
    """Every restorable field is back; exactly ``losses`` are gone for good."""
    fields = user_fields(iam, case.name)
    assert fields == case.original, case.name
    held = credentials(iam, case.name)
    assert held["password"] == ("password" not in losses), case.name
    assert held["mfa"] == (0 if "mfa" in losses else 1), case.name
    assert held["service"] == (0 if "service" in losses else 1), case.name
    kept = key_statuses(iam, case.name)
    assert set(kept) <= set(case.keys), case.name  # never a key that was not there
    assert len(kept) == len(case.keys) - keys_deleted, case.name
    assert case.journal.verify().ok, case.name


# --- the tests ----------------------------------------------------------------------------------

STEPS = 16  # the writes of the crash user's deletion (see crash_user)
WHEN = ["before", "after"]


@pytest.mark.parametrize("when", WHEN)
def test_a_kill_at_every_write_of_user_delete_is_undone_by_the_cli(
    env: Env, iam: Any, tmp_path: Path, proxies: list[FaultProxy], when: str
) -> None:
    cases = cases_for(env, iam, tmp_path, "del", STEPS, when, proxies)
    planner = env.planner()
    conns = {id(p): through(p) for p in proxies}
    for case in cases:
        plan = planner.plan(Request.delete_user(case.name))
        case.operations = [s.call.operation for s in plan.steps]
        assert len(case.operations) == STEPS
        case.plan_file.write_text(json.dumps(plan.to_json()))

    def forward(case: Case) -> tuple[Any, ...]:
        assert case.proxy is not None
        log = str(case.plan_file.with_suffix(".run.log"))
        return (
            _executor_run,
            conns[id(case.proxy)],
            str(case.plan_file),
            str(case.journal.path),
            log,
        )

    codes = run_all(cases, forward, kill=True)
    for case in cases:
        assert codes[case.name] == -signal.SIGKILL, (case.name, codes[case.name])
        [entry] = case.journal.entries()
        assert entry.status == "interrupted" and entry.in_doubt == case.write - 1, case.name
        case.entry = entry.id

    def resume(case: Case) -> tuple[Any, ...]:
        return (_cli_run, undo_args(case, case.entry), str(case.plan_file.with_suffix(".undo.log")))

    codes = run_all(cases, resume, kill=False)
    for case in cases:
        happened = case.operations[: case.sent]
        log = case.plan_file.with_suffix(".undo.log").read_text()
        reversible = [op for op in happened if op not in LOSSES and op != "DeleteVirtualMFADevice"]
        if reversible:
            assert codes[case.name] == 0, (case.name, log)
            assert "done: Undo" in log
        else:  # only losses happened: the CLI says so in one line, exit 2
            assert codes[case.name] == 2 and "nothing to undo" in log, (case.name, log)
        losses = {LOSSES[op] for op in happened if op in LOSSES}
        assert_restored(iam, case, losses, happened.count("DeleteAccessKey"))


UNDO_STEPS = 12  # the writes of its undo: user, boundary, 2 groups, 2 policies, 3 SSH, 3 certs


@pytest.mark.parametrize("when", WHEN)
def test_a_kill_at_every_write_of_the_undo_is_resumed_by_the_cli(
    env: Env, iam: Any, tmp_path: Path, proxies: list[FaultProxy], when: str
) -> None:
    cases = cases_for(env, iam, tmp_path, "und", UNDO_STEPS, when, proxies)
    planner = env.planner()
    for case in cases:
        plan = planner.plan(Request.delete_user(case.name))
        case.operations = [s.call.operation for s in plan.steps]
        report = Executor(env.conn, case.journal, sleep=lambda _: None).run(
            plan.confirm(plan.confirmation_phrase)
        )
        assert report.ok, report.message()
        case.entry = report.entry_id or ""
    undo = env.planner().undo(cases[0].journal.entry(cases[0].entry))
    assert len(undo.steps) == UNDO_STEPS, [s.call.operation for s in undo.steps]

    def first(case: Case) -> tuple[Any, ...]:
        return (_cli_run, undo_args(case, case.entry), str(case.plan_file.with_suffix(".1.log")))

    codes = run_all(cases, first, kill=True)
    for case in cases:
        assert codes[case.name] == -signal.SIGKILL, (case.name, codes[case.name])
        entries = case.journal.entries()
        assert [e.status for e in entries] == ["completed", "interrupted"], case.name
        assert entries[1].in_doubt == case.write - 1 and entries[1].undoes == case.entry

    def resume(case: Case) -> tuple[Any, ...]:
        return (_cli_run, undo_args(case, case.entry), str(case.plan_file.with_suffix(".2.log")))

    codes = run_all(cases, resume, kill=False)
    for case in cases:
        log = case.plan_file.with_suffix(".2.log").read_text()
        if case.sent == UNDO_STEPS:  # the last write went through: nothing is left to do
            assert codes[case.name] == 2 and "already undone" in log, (case.name, log)
        else:
            assert codes[case.name] == 0, (case.name, log)
            assert "done: Undo" in log
        # Every forward write happened: what it lost is gone for good, the rest is back.
        assert_restored(iam, case, set(LOSSES.values()), len(case.keys))
