"""What the journal promises under stress: one writer, a torn write repaired, no head rollback.

Each test drives real processes or a real resource limit (RLIMIT_FSIZE), not a patched call.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_journal import tiny_plan, write_entry

from iamtui.cli import main
from iamtui.core.actions import Plan
from iamtui.core.journal import GENESIS, Journal, JournalDamaged, canonical

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"

HOLD = """
import sys
from iamtui.core.journal import Journal
with Journal(sys.argv[1]).writer():
    print("ready", flush=True)
    sys.stdin.readline()
"""

TRY = """
import sys
from iamtui.core.journal import Journal, JournalBusy
try:
    with Journal(sys.argv[1]).writer():
        print("got it")
except JournalBusy as exc:
    print("busy:", exc)
"""


def python(code: str, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    store = Journal(tmp_path / "state" / "journal.jsonl")
    with store.writer() as writer:
        write_entry(writer)
    return store


@pytest.fixture
def holder(journal: Journal) -> Iterator[subprocess.Popen[str]]:
    """Another iamtui process holding the writer lock until the test ends."""
    proc = python(HOLD, str(journal.path))
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    yield proc
    proc.communicate("\n", timeout=30)


def attempt(path: Path) -> str:
    out, err = python(TRY, str(path)).communicate(timeout=60)
    assert not err, err
    return out.strip()


def test_deleting_the_lock_file_does_not_let_a_second_writer_in(
    journal: Journal, holder: subprocess.Popen[str]
) -> None:
    journal.path.with_name("journal.jsonl.lock").unlink()
    assert attempt(journal.path).startswith("busy: ")


@pytest.mark.parametrize("kind", ["hard link", "symlink"])
def test_another_name_of_the_journal_shares_its_lock(
    journal: Journal, holder: subprocess.Popen[str], kind: str
) -> None:
    other = journal.path.parent.parent / "other.jsonl"
    if kind == "hard link":
        os.link(journal.path, other)
    else:
        other.symlink_to(journal.path)
    # Through a hard link the pid note beside the journal's own name is not found: still busy.
    who = f"pid {holder.pid}" if kind == "symlink" else "unknown pid"
    assert attempt(other) == f"busy: journal {other.resolve()} is in use by another iamtui ({who})"


def test_the_lock_is_free_again_once_the_holder_exits(journal: Journal) -> None:
    proc = python(HOLD, str(journal.path))
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    proc.communicate("\n", timeout=30)
    assert attempt(journal.path) == "got it"


# --- a torn write and its repair -----------------------------------------------------------

TEAR = """
import resource, signal, sys
sys.path.insert(0, sys.argv[2])
from test_journal import tiny_plan
from iamtui.core.journal import Journal, JournalError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a full disk: writes fail instead of killing us
with Journal(sys.argv[1]).writer() as writer:
    plan = tiny_plan()
    entry = writer.begin(plan)
    writer.intent(entry, 0, plan.steps[0].call.to_json())
    size = writer.path.stat().st_size
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + 80, resource.RLIM_INFINITY))
    try:
        writer.result(entry, 0, ok=True, outputs={"note": "x" * 100})
    except JournalError as exc:
        print(entry, exc, sep="\\n")
"""


def tear(journal: Journal) -> tuple[str, str]:
    out, err = python(TEAR, str(journal.path), str(Path(__file__).parent)).communicate(timeout=60)
    assert not err, err
    entry, message = out.strip().split("\n")
    return entry, message


def test_a_write_cut_by_a_full_disk_is_repaired_and_the_chain_verifies(journal: Journal) -> None:
    entry, message = tear(journal)
    assert "write failed" in message and "iamtui journal repair" in message
    torn = journal.path.read_bytes()
    assert not torn.endswith(b"\n")
    verification = journal.verify()
    assert verification.torn and "iamtui journal repair" in verification.message()
    with pytest.raises(JournalDamaged, match="run 'iamtui journal repair'"):
        journal.writer()

    result = CliRunner().invoke(main, ["journal", "repair", "--journal", str(journal.path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"journal {journal.path}: record 9 was torn: a result record")
    assert lines[1].startswith('  it held: {"attempts":1,"entry":"')
    [copy] = journal.path.parent.glob("journal.jsonl.torn-*")
    assert copy.read_bytes() == torn and stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert lines[-1].endswith("9 records, chain intact")

    records = journal.records()
    assert records[-1]["kind"] == "repair" and records[-1]["cut_bytes"] == 80
    assert journal.entry(entry).in_doubt == 0  # the call was sent; its result is unknown
    with journal.writer() as writer:  # actions work again
        write_entry(writer)
    assert journal.verify().ok


def test_repair_leaves_evidence_of_tampering_alone(journal: Journal) -> None:
    data = journal.path.read_bytes().replace(b"AKIA1", b"AKIA2", 1)
    journal.path.write_bytes(data + b'{"kind":"inte')
    result = CliRunner().invoke(main, ["journal", "repair", "--journal", str(journal.path)])
    assert result.exit_code == 2 and "record 1 was changed" in result.stderr
    assert journal.path.read_bytes() == data + b'{"kind":"inte'


def test_repair_of_a_healthy_journal_changes_nothing(journal: Journal) -> None:
    before = journal.path.read_bytes()
    result = CliRunner().invoke(main, ["journal", "repair", "--journal", str(journal.path)])
    assert result.exit_code == 0 and "nothing to repair" in result.stdout
    assert journal.path.read_bytes() == before


# --- the head cannot be rolled back --------------------------------------------------------


def head(journal: Journal) -> Path:
    return journal.path.with_name("journal.jsonl.head")


@pytest.mark.parametrize("count", [0, -1, 3, 6])
def test_a_head_rolled_back_past_the_last_boundary_is_tampering(
    journal: Journal, count: int
) -> None:
    """Cut the second entry's last records and rewrite the head further back than a crash can."""
    with journal.writer() as writer:
        write_entry(writer)  # 12 records: two complete entries; record 7 begins the second
    lines = journal.path.read_bytes().splitlines(keepends=True)
    journal.path.write_bytes(b"".join(lines[:9]))  # the file still chains; only the head can tell
    digest = hashlib.sha256(lines[count - 1].rstrip(b"\n")).hexdigest() if count > 0 else GENESIS
    head(journal).write_text(canonical({"records": count, "hash": digest}))
    result = journal.verify()
    assert not result.ok
    if count >= 0:
        assert f"head was rolled back to record {count} of 9" in (result.problem or "")
        assert "record 7 or later" in (result.problem or "")
    else:
        assert "journal.jsonl.head is unreadable" in (result.problem or "")


def test_a_real_lag_back_to_the_last_boundary_is_still_tolerated(journal: Journal) -> None:
    with journal.writer() as writer:
        entry = writer.begin(tiny_plan())
        after_begin = head(journal).read_text()  # fsynced: the begin is a boundary
        writer.intent(entry, 0, {"operation": "UpdateAccessKey"})
        writer.result(entry, 0, ok=True)
    head(journal).write_text(after_begin)  # power cut: the later head writes never reached disk
    assert journal.verify().ok and journal.verify().head_lags


# --- the CLI on missing and damaged journals -----------------------------------------------


def test_verify_on_a_missing_journal_says_there_is_none(tmp_path: Path) -> None:
    path = tmp_path / "nope.jsonl"
    result = CliRunner().invoke(main, ["journal", "verify", "--journal", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"iamtui: error: no journal at {path}: nothing to verify"


def test_show_on_a_damaged_journal_warns(journal: Journal) -> None:
    [entry] = [e.id for e in journal.entries()]
    lines = journal.path.read_bytes().splitlines(keepends=True)
    journal.path.write_bytes(b"".join(lines[:-1]))
    for fmt in ("text", "json"):
        result = CliRunner().invoke(
            main, ["journal", "show", entry, "--journal", str(journal.path), "--format", fmt]
        )
        assert result.exit_code == 0
        assert result.stderr.startswith("iamtui: warning: ") and "cut off" in result.stderr


# --- today's journals still read ------------------------------------------------------------


def test_a_journal_written_before_the_codec_reads_and_its_plans_reencode_identically(
    tmp_path: Path,
) -> None:
    for name in ("journal-v1.jsonl", "journal-v1.jsonl.head"):
        shutil.copy(DATA / name, tmp_path / name)
    store = Journal(tmp_path / "journal-v1.jsonl")
    assert store.verify().ok and store.verify().records == 12
    begins = [r for r in store.records() if r["kind"] == "begin"]
    for record in begins:
        assert canonical(Plan.from_json(record["plan"]).to_json()) == canonical(record["plan"])
    first, second = store.entries()
    assert first.status_line() == "completed"
    assert second.status_line() == "failed at step 2 (AccessDenied)"
    assert second.plan.steps[0].as_root is not None
    assert second.plan.steps[1].call.service == "account"
    with store.writer() as writer:  # and it can be appended to
        write_entry(writer)
    assert store.verify().ok


TEAR_THEN_RETRY = (
    TEAR
    + """
from iamtui.core.journal import JournalBusy
try:
    Journal(sys.argv[1]).writer()
except JournalBusy as exc:
    print("busy:", exc)
except JournalError as exc:
    print("free, damaged:", exc)
"""
)


def test_a_failed_write_still_releases_the_lock_on_close(journal: Journal) -> None:
    """The long-running TUI must not lock itself out after a failed write: close() frees it."""
    proc = python(TEAR_THEN_RETRY, str(journal.path), str(Path(__file__).parent))
    out, err = proc.communicate(timeout=60)
    assert not err, err
    last = out.strip().splitlines()[-1]
    assert last.startswith("free, damaged:") and "iamtui journal repair" in last, out
