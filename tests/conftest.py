"""Shared fixtures: one emulated IAM endpoint per test process, reset before every test."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

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
