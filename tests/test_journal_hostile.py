"""A hostile or damaged journal file: nonsense records, terminal escapes, symlinks, FIFOs, deep
nesting and a record lacking only its newline are reported as damage, never a traceback."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hostile import (
    BIDI_ATTACK,
    BIDI_ATTACK_SHOWN,
    TERMINAL_ATTACK,
    TERMINAL_ATTACK_SHOWN,
    assert_inert,
)
from test_actions_support import Env, env_fixture  # noqa: F401
from test_journal import tiny_plan, write_entry
from ui_support import demo_workspace

from iamtui.cli import main
from iamtui.core import journal as journal_module
from iamtui.core.actions import Request
from iamtui.core.journal import (
    GENESIS,
    Journal,
    JournalBusy,
    JournalDamaged,
    JournalWriter,
    canonical,
    line_hash,
)
from iamtui.emulator.server import Emulator

Records = list[dict[str, Any]]


def rechain(path: Path, edit: Callable[[Records], None], *, head: bool = True) -> None:
    """Rewrite the journal after ``edit`` with a valid chain and head: only sense catches it."""
    records = [json.loads(line) for line in path.read_bytes().splitlines()]
    edit(records)
    prev, out = GENESIS, []
    for number, record in enumerate(records, 1):
        record.update(seq=number, prev=prev)
        line = canonical(record).encode()
        out.append(line + b"\n")
        prev = line_hash(line)
    path.write_bytes(b"".join(out))
    if head:
        path.with_name(path.name + ".head").write_text(
            canonical({"records": len(records), "hash": prev})
        )


def cli(path: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["journal", *args, "--journal", str(path)])


def assert_one_line_refusal(result: Result) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    """Two entries: a two-step plan (records 1-6) and a one-step plan (records 7-10)."""
    store = Journal(tmp_path / "state" / "journal.jsonl")
    with store.writer() as writer:
        write_entry(writer)
        write_entry(writer, steps=1)
    return store


def _set(index: int, **values: Any) -> Callable[[Records], None]:
    def edit(records: Records) -> None:
        records[index].update(values)

    return edit


def _undo_of_first(undoes: Any) -> Callable[[Records], None]:
    def edit(records: Records) -> None:
        records[6]["undoes"] = undoes

    return edit


def _bad_plan(records: Records) -> None:
    records[6]["plan"] = {"version": 1, "steps": "nope"}


NONSENSE = {
    "step is a string": (_set(1, step="x"), 2),
    "step is null": (_set(1, step=None), 2),
    "step is a list": (_set(1, step=[1]), 2),
    "step is negative": (_set(7, step=-1), 8),
    "step past the plan": (_set(8, step=7), 9),
    "end step is a string": (_set(5, step="x", reason="r", code="C"), 6),
    "undoes is a list": (_undo_of_first(["x"]), 7),
    "undoes is an object": (_undo_of_first({}), 7),
    "plan does not decode": (_bad_plan, 7),
    "time is a number": (_set(0, time=5), 1),
    "entry is a list": (_set(2, entry=["x"]), 3),
    "unknown kind": (_set(3, kind="boom"), 4),
}


@pytest.mark.parametrize("case", list(NONSENSE))
def test_a_record_that_makes_no_sense_is_damage(journal: Journal, case: str) -> None:
    edit, bad = NONSENSE[case]
    first, second = (e.id for e in journal.entries())
    rechain(journal.path, edit)

    verification = journal.verify()
    assert not verification.ok and verification.bad_record == bad
    assert f"record {bad} makes no sense" in (verification.problem or "")
    verified = cli(journal.path, "verify")
    assert verified.exit_code == 1 and f"record {bad} makes no sense" in verified.stderr

    listed = cli(journal.path, "list")  # what can be shown is shown, with a warning
    assert listed.exit_code == 0 and listed.exception is None, listed.output
    assert "iamtui: warning:" in listed.stderr and "makes no sense" in listed.stderr
    assert (first in listed.stdout) == (bad > 1)
    assert (second in listed.stdout) == (bad > 7)
    as_json = cli(journal.path, "list", "--format", "json")
    assert as_json.exit_code == 0 and not json.loads(as_json.stdout)["verified"]
    if bad > 6:
        shown = cli(journal.path, "show", first)
        assert shown.exit_code == 0 and "warning" in shown.stderr, shown.output
    with pytest.raises(JournalDamaged):
        journal.writer()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dummy credentials the emulator accepts, set before the emulator's session is made."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_undo_from_a_journal_with_a_nonsense_record_refuses_in_one_line(
    aws_env: None, env: Env, iam: Any
) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    entry = env.run(env.planner().plan(Request.deactivate_key("alice", key))).entry_id or ""
    rechain(env.journal.path, _set(2, step="x"))
    result = CliRunner().invoke(
        main,
        [
            *("journal", "undo", entry, "--yes", "--journal", str(env.journal.path)),
            *("--endpoint-url", env.emulator.endpoint_url),
        ],
    )
    assert_one_line_refusal(result)
    assert "refusing to undo from it" in result.stderr and "makes no sense" in result.stderr


def test_the_tui_opens_read_only_on_a_damaged_journal(emulator: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    store = Journal(path)
    with store.writer() as writer:
        entry = write_entry(writer)
    rechain(path, _set(3, step="x"))
    _demo, ws = demo_workspace(emulator, journal_path=path)
    try:
        state = ws.load()  # used to fail: "Cannot load the account"
        assert state.snapshot.users
        assert "makes no sense" in (ws.journal_problem or "")
        assert ws.read_only
        assert [e.id for e in state.views.journal.entries] == [entry]
    finally:
        ws.close()


def test_the_tui_opens_when_the_journal_is_not_a_file(emulator: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    os.mkfifo(path)
    _demo, ws = demo_workspace(emulator, journal_path=path)
    try:
        state = ws.load()
        assert state.snapshot.users
        assert "not a regular file" in (ws.journal_problem or "")
        assert "not a regular file" in (state.views.journal.read_error or "")
    finally:
        ws.close()


# --- terminal escapes ----------------------------------------------------------------------


def test_list_show_and_repair_print_journal_text_inert(tmp_path: Path) -> None:
    store = Journal(tmp_path / "journal.jsonl")
    plan = tiny_plan(1)
    step = dataclasses.replace(plan.steps[0], description=f"step {TERMINAL_ATTACK}")
    plan = dataclasses.replace(
        plan,
        summary=f"sum {TERMINAL_ATTACK}",
        caller_arn=f"arn {BIDI_ATTACK}",
        notes=(f"note {TERMINAL_ATTACK}",),
        steps=(step,),
    )
    with store.writer() as writer:
        entry = writer.begin(plan)
        writer.intent(entry, 0, step.call.to_json())
        writer.result(entry, 0, ok=False, code=f"C{BIDI_ATTACK}", message=f"m {TERMINAL_ATTACK}")
        writer.end(entry, "failed", step=0, reason=f"why {TERMINAL_ATTACK}", code=BIDI_ATTACK)
    listed = cli(store.path, "list")
    assert listed.exit_code == 0, listed.output
    assert_inert(listed.output)
    assert f"sum {TERMINAL_ATTACK_SHOWN}" in listed.stdout and BIDI_ATTACK_SHOWN in listed.stdout
    shown = cli(store.path, "show", entry)
    assert shown.exit_code == 0, shown.output
    assert_inert(shown.output)
    for text in (
        f"step {TERMINAL_ATTACK_SHOWN}",
        f"arn {BIDI_ATTACK_SHOWN}",
        f"note {TERMINAL_ATTACK_SHOWN}",
        f"m {TERMINAL_ATTACK_SHOWN}",
        f"why {TERMINAL_ATTACK_SHOWN}",
    ):
        assert text in shown.stdout

    with store.path.open("ab") as f:  # a torn record holding an attack
        f.write(f'{{"kind":"result","message":"{TERMINAL_ATTACK}'.encode())
    repaired = cli(store.path, "repair")
    assert repaired.exit_code == 0, repaired.output
    assert_inert(repaired.output)
    assert TERMINAL_ATTACK_SHOWN in repaired.stdout


# --- lock and head files -------------------------------------------------------------------


@pytest.mark.parametrize("name", [".lock", ".head.tmp"])
def test_a_symlink_planted_beside_the_journal_is_never_written_through(
    journal: Journal, tmp_path: Path, name: str
) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    planted = journal.path.with_name(journal.path.name + name)
    planted.unlink(missing_ok=True)
    planted.symlink_to(victim)
    with journal.writer() as writer:
        write_entry(writer)
    assert victim.read_text() == "precious"
    assert journal.verify().ok


def test_a_symlinked_head_is_damage_and_never_written_through(
    journal: Journal, tmp_path: Path
) -> None:
    head = journal.path.with_name(journal.path.name + ".head")
    victim = tmp_path / "victim"
    victim.write_bytes(head.read_bytes())
    head.unlink()
    head.symlink_to(victim)
    before = victim.read_bytes()
    assert "head" in (journal.verify().problem or "")  # a symlink is not a head iamtui wrote
    with pytest.raises(JournalDamaged):
        journal.writer()
    assert victim.read_bytes() == before


def test_a_hard_linked_lock_file_is_not_truncated(journal: Journal, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    lock = journal.path.with_name(journal.path.name + ".lock")
    lock.unlink()
    os.link(victim, lock)
    with journal.writer() as writer:
        write_entry(writer)
    assert victim.read_text() == "precious"


# --- repair --------------------------------------------------------------------------------


def test_a_last_record_lacking_only_its_newline_is_completed_not_cut(journal: Journal) -> None:
    data = journal.path.read_bytes()
    journal.path.write_bytes(data[:-1])
    verification = journal.verify()
    assert verification.torn and "lacks its final newline" in (verification.problem or "")
    repaired = cli(journal.path, "repair")
    assert repaired.exit_code == 0, repaired.output
    assert "lacked its final newline: added it" in repaired.stdout
    assert repaired.stdout.strip().endswith("10 records, chain intact")
    assert journal.path.read_bytes() == data
    [copy] = journal.path.parent.glob("journal.jsonl.torn-*")
    assert copy.read_bytes() == data[:-1]
    with journal.writer() as writer:
        write_entry(writer)
    assert journal.verify().ok


def test_a_repair_that_would_not_verify_changes_nothing(journal: Journal) -> None:
    head = journal.path.with_name(journal.path.name + ".head")
    head_data = json.loads(head.read_text())
    head.write_text(canonical({"records": head_data["records"] + 1, "hash": "f" * 64}))
    torn = journal.path.read_bytes() + b'{"kind":"inte'
    journal.path.write_bytes(torn)
    result = cli(journal.path, "repair")
    assert_one_line_refusal(result)
    assert "the repair would leave it damaged" in result.stderr
    assert journal.path.read_bytes() == torn
    assert not list(journal.path.parent.glob("journal.jsonl.torn-*"))
    assert not list(journal.path.parent.glob(".journal.jsonl.*"))


def test_the_repaired_journal_stays_locked_until_the_writer_closes(journal: Journal) -> None:
    journal.path.write_bytes(journal.path.read_bytes() + b'{"kind":"inte')
    with JournalWriter(journal, repair=True) as writer:
        assert writer.repaired is not None and writer.repaired.record == 11
        with pytest.raises(JournalBusy):
            Journal(journal.path).writer()
        write_entry(writer)
    assert journal.verify().ok and journal.verify().records == 11 + 6
    with journal.writer():  # released
        pass


# --- deep nesting, huge lines, FIFOs, devices ----------------------------------------------


def test_a_deeply_nested_record_is_damage_not_a_recursion_error(journal: Journal) -> None:
    data = journal.path.read_bytes()
    journal.path.write_bytes(data + b"[" * 200_000 + b"\n")
    verification = journal.verify()
    assert verification.bad_record == 11 and "not valid JSON" in (verification.problem or "")
    listed = cli(journal.path, "list")
    assert listed.exit_code == 0 and "warning" in listed.stderr, listed.output
    journal.path.write_bytes(data + b"[" * 200_000)  # the same as a torn tail
    repaired = cli(journal.path, "repair")
    assert repaired.exit_code == 0 and "chain intact" in repaired.stdout, repaired.output


def test_a_deeply_nested_head_is_unreadable(journal: Journal) -> None:
    journal.path.with_name(journal.path.name + ".head").write_text("[" * 200_000)
    verified = cli(journal.path, "verify")
    assert verified.exit_code == 1 and "head is unreadable" in verified.stderr


def test_a_record_longer_than_the_limit_is_damage(
    journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "MAX_RECORD", 1000)
    journal.path.write_bytes(journal.path.read_bytes() + b"x" * 5000 + b"\n")
    verification = journal.verify()
    assert verification.bad_record is not None and "longer than" in (verification.problem or "")


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_journal_that_is_not_a_regular_file_is_refused_in_one_line(
    tmp_path: Path, kind: str
) -> None:
    path = Path("/dev/zero") if kind == "device" else tmp_path / "journal.jsonl"
    if kind == "fifo":
        os.mkfifo(path)
    results: list[Result] = []

    def run() -> None:
        for command in (["verify"], ["list"], ["show", "x"], ["repair"]):
            results.append(
                CliRunner().invoke(main, ["journal", *command], env={"IAMTUI_JOURNAL": str(path)})
            )

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "reading the journal hung"
    for result in results:
        assert_one_line_refusal(result)
        assert "not a regular file" in result.stderr


def test_a_fifo_head_does_not_hang_verify(journal: Journal) -> None:
    head = journal.path.with_name(journal.path.name + ".head")
    head.unlink()
    os.mkfifo(head)
    done: list[str] = []
    worker = threading.Thread(target=lambda: done.append(journal.verify().message()), daemon=True)
    worker.start()
    worker.join(30)
    assert done and "head is unreadable" in done[0]
