"""Shared fixtures: one emulated IAM endpoint per test process, reset before every test."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from iamtui.core import credreport, loader
from iamtui.emulator import state
from iamtui.emulator.server import Emulator

#: Frozen "now" for rules, seeds and snapshots: stable results across days.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


# Session- and module-scoped fixtures run before the per-test one below: they too get a state
# directory of their own (a module fixture's `snapshot save` once wrote the user's index).
os.environ["XDG_STATE_HOME"] = _SESSION_STATE = tempfile.mkdtemp(prefix="iamtui-test-state-")
atexit.register(shutil.rmtree, _SESSION_STATE, ignore_errors=True)


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: Any) -> None:
    """The default journal (user state dir) of every test is its own, never the user's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


#: The polling waits of the suite, in seconds: a fortieth of AWS's (credreport.FIRST_POLL,
#: loader.LAST_ACCESSED_FIRST_POLL), the emulator's report generation time scaled with them, so
#: every client sees the same answers in the same order (STARTED, then COMPLETE) without the
#: half-second sleeps. A test that times keys against the polling sets AWS's back (real_polling).
FAST_POLL = 0.0125
_AWS_POLLING = credreport.FIRST_POLL, loader.LAST_ACCESSED_FIRST_POLL, state.REPORT_POLL


@pytest.fixture(autouse=True, scope="session")
def _fast_polling() -> Iterator[None]:
    """Short polling waits for every test (see FAST_POLL)."""
    credreport.FIRST_POLL = loader.LAST_ACCESSED_FIRST_POLL = FAST_POLL
    state.REPORT_POLL = timedelta(seconds=FAST_POLL)
    try:
        yield
    finally:
        credreport.FIRST_POLL, loader.LAST_ACCESSED_FIRST_POLL, state.REPORT_POLL = _AWS_POLLING


@pytest.fixture
def real_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS's polling waits, for a test that needs time between two polls (to press a key)."""
    report, last_accessed, generation = _AWS_POLLING
    monkeypatch.setattr(credreport, "FIRST_POLL", report)
    monkeypatch.setattr(loader, "LAST_ACCESSED_FIRST_POLL", last_accessed)
    monkeypatch.setattr(state, "REPORT_POLL", generation)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    """The loopback moto server with iamtui's fidelity layer, started once per process; its
    control API is on (tests switch moto's permission checks with ``/moto-api/reset-auth``)."""
    logging.getLogger("werkzeug").disabled = True
    emu = Emulator(control_api=True).start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def emulator(emulator_server: Emulator) -> Iterator[Emulator]:
    """A clean emulated account for one test."""
    emulator_server.reset()
    yield emulator_server


@pytest.fixture
def now() -> datetime:
    """The frozen current time tests evaluate against."""
    return NOW


@pytest.fixture
def iam(emulator: Emulator) -> Any:
    """A real boto3 IAM client talking HTTP to the emulator."""
    return boto3.client(
        "iam",
        endpoint_url=emulator.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
