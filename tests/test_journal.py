"""The journal file: hash chain and head, tamper detection, the writer lock, entry statuses."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from iamtui.core.actions import ActionId, ApiCall, InverseStep, Plan, Step, Target
from iamtui.core.journal import (
    MAX_RECORD,
    Journal,
    JournalBusy,
    JournalDamaged,
    JournalError,
    JournalWriter,
    RecordTooLarge,
    default_path,
)
from iamtui.core.secrets import REDACTED, Secret, redact

ALICE = Target("user", "alice", "arn:aws:iam::123456789012:user/alice")


def tiny_plan(steps: int = 2) -> Plan:
    """A plan with ``steps`` reversible key updates (no AWS needed to journal it)."""
    step = Step(
        call=ApiCall(
            "UpdateAccessKey", {"UserName": "alice", "AccessKeyId": "AKIA1", "Status": "Inactive"}
        ),
        description="Deactivate access key AKIA1 of user alice",
        inverse=(
            InverseStep(
                ApiCall(
                    "UpdateAccessKey",
                    {"UserName": "alice", "AccessKeyId": "AKIA1", "Status": "Active"},
                ),
                "Reactivate",
            ),
        ),
    )
    return Plan(
        action=ActionId.KEY_DEACTIVATE,
        summary="Deactivate access key AKIA1 of user alice",
        account_id="123456789012",
        targets=(ALICE,),
        steps=(step,) * steps,
        built_at=datetime(2026, 6, 1, tzinfo=UTC),
        caller_arn="arn:aws:iam::123456789012:user/ops",
    )


def write_entry(writer: JournalWriter, *, finish: bool = True, steps: int = 2) -> str:
    """One entry: begin, intent/result per step, end."""
    plan = tiny_plan(steps)
    entry = writer.begin(plan)
    for index, step in enumerate(plan.steps):
        writer.intent(entry, index, step.call.to_json())
        writer.result(entry, index, ok=True)
    if finish:
        writer.end(entry, "completed")
    return entry


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    """A journal with two complete entries (12 records)."""
    store = Journal(tmp_path / "state" / "journal.jsonl")
    with store.writer() as writer:
        write_entry(writer)
        write_entry(writer)
    yield store


def lines(store: Journal) -> list[bytes]:
    return store.path.read_bytes().splitlines(keepends=True)


def test_default_location_is_the_user_state_directory() -> None:
    assert default_path().name == "journal.jsonl" and "iamtui" in str(default_path())


def test_an_untouched_journal_verifies(journal: Journal) -> None:
    result = journal.verify()
    assert result.ok and result.records == 12
    assert result.message().endswith("12 records, chain intact")
    assert oct(journal.path.stat().st_mode & 0o777) == "0o600"
    first = json.loads(lines(journal)[0])
    assert first["prev"] == "0" * 64 and first["seq"] == 1 and first["kind"] == "begin"


def test_an_edited_byte_names_the_edited_record(journal: Journal) -> None:
    data = lines(journal)
    data[1] = data[1].replace(b"AKIA1", b"AKIA2", 1)
    journal.path.write_bytes(b"".join(data))
    result = journal.verify()
    assert not result.ok and result.bad_record == 2
    assert "record 2 was changed or replaced: record 3 no longer links to it" in result.message()


def test_an_edited_last_record_is_caught_by_the_head(journal: Journal) -> None:
    data = lines(journal)
    data[-1] = data[-1].replace(b"completed", b"completes", 1)
    journal.path.write_bytes(b"".join(data))
    result = journal.verify()
    assert result.bad_record == 12 and "record 12 was changed" in (result.problem or "")


def test_a_dropped_line_is_detected(journal: Journal) -> None:
    data = lines(journal)
    del data[4]
    journal.path.write_bytes(b"".join(data))
    result = journal.verify()
    assert result.bad_record == 5 and "dropped, inserted or reordered" in (result.problem or "")


def test_reordered_lines_are_detected(journal: Journal) -> None:
    data = lines(journal)
    data[2], data[3] = data[3], data[2]
    journal.path.write_bytes(b"".join(data))
    assert journal.verify().bad_record == 3


def test_a_cut_off_end_is_detected(journal: Journal) -> None:
    journal.path.write_bytes(b"".join(lines(journal)[:-2]))
    result = journal.verify()
    assert "records were cut off the end" in (result.problem or "")


def test_a_torn_write_and_a_reformatted_record_are_detected(journal: Journal) -> None:
    data = lines(journal)
    journal.path.write_bytes(b"".join(data) + b'{"kind":"inte')
    assert "record 13 is incomplete" in (journal.verify().problem or "")
    spaced = json.dumps(json.loads(data[0])).encode() + b"\n"
    journal.path.write_bytes(spaced + b"".join(data[1:]))
    assert "record 1 was edited" in (journal.verify().problem or "")


def test_a_missing_head_is_a_problem(journal: Journal) -> None:
    journal.path.with_name("journal.jsonl.head").unlink()
    assert "is missing" in (journal.verify().problem or "")


def test_nothing_is_appended_to_a_damaged_journal(journal: Journal) -> None:
    data = lines(journal)
    del data[4]
    journal.path.write_bytes(b"".join(data))
    with pytest.raises(JournalDamaged, match=r"is damaged .*run 'iamtui journal verify'"):
        journal.writer()
    assert journal.path.read_bytes() == b"".join(data)


def test_a_head_behind_the_chain_is_tolerated_and_repaired(journal: Journal) -> None:
    head = journal.path.with_name("journal.jsonl.head")
    saved = head.read_text()
    with journal.writer() as writer:
        writer.begin(tiny_plan())
    head.write_text(saved)  # as if the process died between the line and its head
    result = journal.verify()
    assert result.ok and result.head_lags and "interrupted write" in result.message()
    with journal.writer():
        pass
    assert not journal.verify().head_lags


def test_statuses_interrupted_and_in_doubt(journal: Journal) -> None:
    with journal.writer() as writer:
        entry = writer.begin(tiny_plan())
        writer.intent(entry, 0, {"operation": "UpdateAccessKey"})
    [*_, last] = journal.entries()
    assert last.id == entry and last.status == "interrupted" and last.in_doubt == 0
    assert last.status_line() == "interrupted at step 1 (in doubt)"
    with journal.writer() as writer:
        running = writer.begin(tiny_plan())
        assert journal.entry(running).status == "running"
    assert journal.entry(running[:-1]).id == running


def test_a_second_writer_in_this_process_is_refused(journal: Journal) -> None:
    with journal.writer(), pytest.raises(JournalBusy) as info:
        journal.writer()
    assert str(info.value) == f"journal {journal.path} is already open for writing in this iamtui"


def _hold(
    path: str, ready: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event
) -> None:
    with Journal(path).writer():
        ready.set()
        release.wait(10)


def test_a_second_iamtui_gets_a_clear_message_naming_the_holder(journal: Journal) -> None:
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_hold, args=(str(journal.path), ready, release))
    other.start()
    try:
        assert ready.wait(10)
        with pytest.raises(JournalBusy) as info:
            journal.writer()
        assert str(info.value) == (
            f"journal {journal.path} is in use by another iamtui (pid {other.pid})"
        )
        assert journal.holder() == other.pid
    finally:
        release.set()
        other.join(10)
    with journal.writer():
        assert journal.holder() is None


def test_redaction_scrubs_secret_fields_and_known_values_but_keeps_placeholders() -> None:
    secret = Secret("access_key", "alice", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    data = {
        "SecretAccessKey": "x" * 40,
        "Password": "hunter2-hunter2",
        "nested": [{"note": "the key is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}],
        "NewPassword": {"$generate": "password"},
    }
    assert redact(data) == {
        "SecretAccessKey": REDACTED,
        "Password": REDACTED,
        "nested": [{"note": f"the key is {REDACTED}"}],
        "NewPassword": {"$generate": "password"},
    }
    assert "EXAMPLEKEY" not in repr(secret)


def test_records_pass_through_redaction(tmp_path: Path) -> None:
    store = Journal(tmp_path / "j.jsonl")
    with store.writer() as writer:
        entry = writer.begin(tiny_plan(1))
        writer.intent(
            entry, 0, {"operation": "CreateLoginProfile", "params": {"Password": "S3cret-pass!"}}
        )
    assert "S3cret-pass!" not in store.path.read_text()


def test_two_spellings_of_one_journal_share_one_lock(journal: Journal, tmp_path: Path) -> None:
    """Another iamtui reaching the journal through a symlink must not write beside the first."""
    link = tmp_path / "link.jsonl"
    link.symlink_to(journal.path)
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_hold, args=(str(link), ready, release))
    other.start()
    try:
        assert ready.wait(10)
        with pytest.raises(JournalBusy, match=f"pid {other.pid}"):
            journal.writer()
    finally:
        release.set()
        other.join(10)


def test_a_failed_write_closes_the_writer_and_leaves_the_chain_intact(journal: Journal) -> None:
    """After an I/O error nothing more is appended, so the records written so far still verify."""
    with journal.writer() as writer:
        entry = writer.begin(tiny_plan())
        os.close(writer._fd)  # the disk goes away under the writer
        with pytest.raises(JournalError, match=r"write failed .* closed for writing"):
            writer.intent(entry, 0, {"operation": "UpdateAccessKey"})
        writer._fd = os.open(os.devnull, os.O_WRONLY)  # let close() release something real
        with pytest.raises(JournalError, match="closed for writing"):
            writer.intent(entry, 0, {"operation": "UpdateAccessKey"})
    assert journal.verify().ok


def test_a_record_over_the_readers_limit_is_refused_before_it_is_written(
    journal: Journal,
) -> None:
    """Written, a record over MAX_RECORD would make the journal read as corrupted (and every
    later entry impossible to undo): the writer refuses it, writes nothing and stays usable."""
    size, entries = journal.path.stat().st_size, len(journal.entries())
    step = tiny_plan(1).steps[0]
    huge = ApiCall("PutRolePolicy", {"RoleName": "app", "PolicyDocument": "x" * MAX_RECORD})
    plan = replace(tiny_plan(1), steps=(replace(step, call=huge),))
    with journal.writer() as writer:
        with pytest.raises(RecordTooLarge, match=r"this plan's record would be 16\.0 MiB, over"):
            writer.begin(plan)
        write_entry(writer)  # nothing half-written: the chain goes on
    assert journal.path.stat().st_size > size
    assert journal.verify().ok and len(journal.entries()) == entries + 1
    assert all(e.status == "completed" for e in journal.entries())
