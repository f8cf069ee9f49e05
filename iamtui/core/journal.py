"""The undo journal: an append-only, hash-chained JSON Lines log of every executed plan.

Each executed plan is one *entry*: a ``begin`` record (the plan with its saved before-state), per
step an ``intent`` record written and fsynced before the call and a ``result`` record after it,
and an ``end`` record. Every record holds the SHA-256 of the previous line, and a sidecar
``.head`` file holds the count and hash of the last record, so ``verify`` detects an edited,
dropped, reordered or cut-off record. Record lines are fsynced one by one (an intent is on disk
before its call is sent); the head is fsynced at entry boundaries, so after a power cut it may lag
behind the chain, which ``verify`` reports as harmless and the next writer repairs. One writer
at a time holds an exclusive ``flock`` on a sidecar ``.lock`` file. Secrets never enter: every
record passes through ``redact``.

The chain makes tampering evident, not impossible: anyone who can rewrite the whole file and its
head can forge a consistent journal. Ship it off the machine for that guarantee.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import fcntl
import glob
import hashlib
import io
import json
import os
import re
import secrets
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import platformdirs

from iamtui.core import codec
from iamtui.core.files import write_private
from iamtui.core.plan import JSON, FollowUp, Plan
from iamtui.core.secrets import redact
from iamtui.core.text import printable

FORMAT_VERSION = 1
GENESIS = "0" * 64
#: Records after which the head is fsynced: a crash never leaves the head behind the last one.
BOUNDARIES = frozenset({"begin", "end", "repair", "dismiss"})
_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
#: Longest record read (iamtui writes a few KiB): a longer line is damage, not a memory hog.
MAX_RECORD = 16 * 1024 * 1024
#: Longest head or lock file read (a few dozen bytes when iamtui wrote them).
_MAX_SIDECAR = 4096
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

#: Journal files (device, inode) this process holds the writer lock of (flock conflicts inside
#: one process too).
_HELD: set[tuple[int, int]] = set()
#: Entries this process is executing right now (shown as running, not interrupted).
_ACTIVE: set[str] = set()


def default_path() -> Path:
    """``$XDG_STATE_HOME/iamtui/journal.jsonl`` (platformdirs' user state directory)."""
    return Path(platformdirs.user_state_path("iamtui")) / "journal.jsonl"


#: Journals of earlier ``iamtui demo`` runs kept (with the new one); older ones are removed.
DEMO_JOURNALS_KEPT = 5


def demo_journal_path(now: datetime | None = None, *, keep: int = DEMO_JOURNALS_KEPT) -> Path:
    """A fresh journal for one ``iamtui demo`` run: ``<state dir>/demo/<UTC time>-<pid>-<n>.jsonl``.

    The demo account is seeded anew at every run, so an earlier run's entries name keys that no
    longer exist: each run gets its own journal, never the real accounts' one. The newest
    ``keep`` are kept (counting this one) so a run can still be read back afterwards with
    ``iamtui journal list --journal PATH``; a journal another demo is writing is left alone.
    """
    directory = Path(platformdirs.user_state_path("iamtui")) / "demo"
    stamp = (now or utc_now()).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stamp}-{os.getpid()}-{secrets.token_hex(2)}.jsonl"
    prune_demo_journals(directory, keep=max(keep - 1, 0))
    return path


def prune_demo_journals(directory: Path, *, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` demo journals (and their sidecars); returns them.

    Names start with their UTC time, so name order is age order. A journal whose writer lock
    is held (a demo still running) is never removed.
    """
    try:
        journals = sorted(
            p
            for p in directory.glob("*.jsonl")
            if DEMO_JOURNAL_NAME.fullmatch(p.name) and stat.S_ISREG(p.lstat().st_mode)
        )
    except OSError:
        return []
    removed: list[Path] = []
    for path in journals[: max(len(journals) - keep, 0)]:
        if _in_use(path) or _writer_alive(path):
            continue
        torn = directory.glob(f"{glob.escape(path.name)}.torn-*")
        sidecars = [_head_path(path), _lock_path(path), *torn]
        for name in (path, *sidecars):
            with contextlib.suppress(FileNotFoundError):
                name.unlink()
        removed.append(path)
    return removed


#: Only what :func:`demo_journal_path` names is ever pruned: ``<UTC time>-<pid>-<4 hex>.jsonl``.
DEMO_JOURNAL_NAME = re.compile(r"\d{8}T\d{6}Z-(\d+)-[0-9a-f]{4}\.jsonl")


def _writer_alive(path: Path) -> bool:
    """The process that named the journal still runs (``demo --serve`` whose shell writes it)."""
    match = DEMO_JOURNAL_NAME.fullmatch(path.name)
    if match is None:
        return False
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process (or an odd pid): keep the journal
    return True


def _in_use(path: Path) -> bool:
    """Another process, or this one, holds the journal's writer lock."""
    if Journal(path).holder() is not None:
        return True
    try:
        return _identity(path.stat()) in _HELD
    except OSError:
        return False


def canonical(record: Mapping[str, Any]) -> str:
    """The one JSON text of a record: sorted keys, no spaces, UTF-8."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def line_hash(line: bytes) -> str:
    """SHA-256 of one record's line (without its newline)."""
    return hashlib.sha256(line).hexdigest()


def utc_now() -> datetime:
    """The journal's clock."""
    return datetime.now(UTC)


class JournalError(Exception):
    """A journal problem; the message is one line for the operator."""


class JournalBusy(JournalError):
    """Another iamtui holds the writer lock."""


class JournalDamaged(JournalError):
    """The journal fails verification; nothing is appended to it or undone from it."""


class NotAJournalFile(JournalError):
    """The path names a device, pipe or directory: reading it could hang or never end."""


class RecordTooLarge(JournalError):
    """A record longer than readers accept (``MAX_RECORD``): refused before it is written."""


class EntryNotFound(JournalError):
    """No entry has that id (or the prefix is ambiguous)."""


# --- verification --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verification:
    """What ``verify`` found: the record count and the first problem, if any."""

    path: Path
    records: int
    problem: str | None = None
    #: Number (1-based) of the first bad record.
    bad_record: int | None = None
    #: The head is behind the last records (a write or the machine was interrupted): harmless,
    #: the chain still covers them, and the next writer repairs it.
    head_lags: bool = False
    #: The problem is only an incomplete last line (``iamtui journal repair`` cuts it off).
    torn: bool = False
    #: Whether the journal file exists (a missing file is no journal, not an empty chain).
    exists: bool = True
    #: The torn "record" is complete and chained and lacks only its newline (repair adds it).
    unterminated: bool = False

    @property
    def ok(self) -> bool:
        """No problem found."""
        return self.problem is None

    def message(self) -> str:
        """One line for the operator."""
        if self.problem is None and not self.exists:
            return f"journal {self.path}: no journal here (the file does not exist)"
        if self.problem is None:
            lag = " (head was behind: an interrupted write)" if self.head_lags else ""
            return f"journal {self.path}: {self.records} records, chain intact{lag}"
        return f"journal {self.path}: {self.problem}"


@dataclass(frozen=True, slots=True)
class _Scan:
    records: list[dict[str, Any]]
    hashes: list[str]
    verification: Verification
    #: The decoded plan of each entry begun in ``records``.
    plans: dict[str, Plan] = field(default_factory=dict)


def _head_path(path: Path) -> Path:
    return path.with_name(path.name + ".head")


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _open_regular(path: Path, flags: int = 0) -> int:
    """Open a journal file for reading, refusing what is not a regular file (a FIFO would hang)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | flags, 0o600)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotAJournalFile(f"journal {path} is not a regular file: give a journal file path")
    return fd


def _read_sidecar(path: Path) -> str | None:
    """A head or lock file's text: None when missing, "" when not a small regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | _NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError:  # a symlink (ELOOP), no permission: unreadable
        return ""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        data = os.read(fd, _MAX_SIDECAR + 1)
    except OSError:
        return ""
    finally:
        os.close(fd)
    if len(data) > _MAX_SIDECAR:
        return ""
    return data.decode("utf-8", errors="replace")


def _scan(path: Path) -> _Scan:
    """Parse every line, checking form, sequence, chain, sense and head as it goes."""
    # The head first: a writer appends a line before moving the head, so a head read before the
    # lines never runs ahead of them, whatever another iamtui appends meanwhile.
    head_text = _read_sidecar(_head_path(path))
    try:
        fd = _open_regular(path)
    except FileNotFoundError:
        return _parse(path, io.BytesIO(b""), head_text, exists=False)
    with os.fdopen(fd, "rb") as stream:
        return _parse(path, stream, head_text)


def _parse(path: Path, stream: IO[bytes], head_text: str | None, *, exists: bool = True) -> _Scan:
    """The scan of one journal's bytes (a file, or a repair's candidate in memory)."""
    records: list[dict[str, Any]] = []
    hashes: list[str] = []
    plans: dict[str, Plan] = {}

    def bad(number: int, problem: str) -> _Scan:
        return _Scan(records, hashes, Verification(path, len(records), problem, number), plans)

    prev = GENESIS
    number = 0
    while raw := stream.readline(MAX_RECORD + 1):
        number += 1
        line = raw[:-1] if raw.endswith(b"\n") else raw
        if line is raw and len(raw) > MAX_RECORD:
            return bad(number, f"record {number} is longer than {MAX_RECORD >> 20} MiB (corrupted)")
        record, problem, where = _parse_line(line, number, prev, plans)
        if line is raw:  # after the last newline: a torn write, or a record lacking its newline
            if record is None and problem.endswith("is not valid JSON (edited or corrupted)"):
                problem = (
                    f"record {number} is incomplete (a torn write; 'iamtui journal repair' cuts it)"
                )
                verification = Verification(path, len(records), problem, number, torn=True)
                return _Scan(records, hashes, verification, plans)
            if record is not None:
                records.append(record)
                hashes.append(line_hash(line))
                verification = _check_head(path, records, hashes, head_text)
                if verification.ok:
                    problem = (
                        f"record {number} lacks its final newline ('iamtui journal repair' adds it)"
                    )
                    verification = Verification(
                        path, len(records), problem, number, torn=True, unterminated=True
                    )
                return _Scan(records, hashes, verification, plans)
        if record is None:
            return bad(where, problem)
        records.append(record)
        prev = line_hash(line)
        hashes.append(prev)
    verification = _check_head(path, records, hashes, head_text)
    if not exists:
        verification = dataclasses.replace(verification, exists=False)
    return _Scan(records, hashes, verification, plans)


def _parse_line(
    raw: bytes, number: int, prev: str, plans: dict[str, Plan]
) -> tuple[dict[str, Any] | None, str, int]:
    """One line as a record, or None with the problem and the number of the bad record."""
    try:
        record = json.loads(raw)
        same = isinstance(record, dict) and canonical(record).encode() == raw
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested past the stack
        return None, f"record {number} is not valid JSON (edited or corrupted)", number
    if not same:
        return None, f"record {number} was edited (not in the form iamtui writes)", number
    if record.get("seq") != number:
        return (
            None,
            f"record {number} carries sequence number {_shown(record.get('seq'))}: "
            "records were dropped, inserted or reordered",
            number,
        )
    if record.get("prev") != prev:
        link = max(1, number - 1)
        return (
            None,
            f"record {link} was changed or replaced: record {number} no longer links to it",
            link,
        )
    problem = _nonsense(record, plans)
    if problem is not None:
        return None, f"record {number} makes no sense ({problem}): edited or corrupted", number
    return record, "", number


def _shown(value: object, limit: int = 60) -> str:
    """A value from a record, bounded and with control characters escaped, for a message."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an integer too long to print, a too-deep structure
        text = f"a {type(value).__name__} too large to show"
    return printable(text if len(text) <= limit else text[: limit - 1] + "…")


#: Fields each kind of record must hold, with their types (``time`` and ``v`` are common).
_FIELDS: dict[str, dict[str, Any]] = {
    "begin": {
        "entry": str,
        "account": str,
        "caller": str,
        "action": str,
        "summary": str,
        "undoes": str | None,
        "role_chain": tuple[str, ...] | None,
    },
    "intent": {"entry": str, "step": int, "call": Mapping[str, Any]},
    "result": {
        "entry": str,
        "step": int,
        "ok": bool,
        "attempts": int | None,
        "outputs": Mapping[str, Any] | None,
        "code": str | None,
        "message": str | None,
        "doubt": bool | None,
    },
    "end": {
        "entry": str,
        "status": str,
        "step": int | None,
        "reason": str | None,
        "code": str | None,
    },
    "repair": {"cut_record": int, "cut_bytes": int, "cut_text": str, "copy": str},
    #: The operator dismissed one of an entry's follow-ups (it is never offered again).
    "dismiss": {"entry": str, "follow_up": int, "reason": str},
}


def _nonsense(record: Mapping[str, Any], plans: dict[str, Plan]) -> str | None:
    """Why a well-formed, chained record cannot be what iamtui wrote (None: it can).

    Learns the plan of each ``begin`` into ``plans``, so later records are checked against it.
    """
    kind = record.get("kind")
    fields = _FIELDS.get(kind) if isinstance(kind, str) else None
    if fields is None:
        return f"unknown kind {_shown(kind)}"
    try:
        codec.decode(str, record.get("time"), "time")
        for name, tp in fields.items():
            codec.decode(tp, record.get(name), name)
    except codec.CodecError as exc:
        return printable(str(exc))
    if kind == "repair":
        return None
    entry = record["entry"]
    if kind == "begin":
        if entry in plans:
            return f"entry {_shown(entry)} begins twice"
        try:
            plans[entry] = Plan.from_json(record.get("plan"))
        except (ValueError, TypeError, KeyError, RecursionError):
            return "its plan does not decode"
        return None
    plan = plans.get(entry)
    if plan is None:
        return f"entry {_shown(entry)} was never begun"
    if kind == "dismiss" and not 0 <= record["follow_up"] < len(plan.follow_ups):
        return f"entry {entry} has no follow-up {_shown(record['follow_up'])}"
    step = record.get("step")
    if step is not None and not 0 <= step < len(plan.steps):
        return f"step {_shown(step)} is not a step of entry {entry}'s plan of {len(plan.steps)}"
    return None


def _check_head(
    path: Path, records: Sequence[Mapping[str, Any]], hashes: Sequence[str], head_text: str | None
) -> Verification:
    count = len(hashes)
    try:
        if head_text is None:
            raise FileNotFoundError
        head = json.loads(head_text)
        head_count, head_hash = head["records"], head["hash"]
        if type(head_count) is not int or head_count < 0 or not isinstance(head_hash, str):
            raise TypeError
    except FileNotFoundError:
        if count == 0:
            return Verification(path, 0)
        return Verification(
            path,
            count,
            f"{_head_path(path).name} is missing: cannot tell whether records were cut off",
            count,
        )
    except (ValueError, KeyError, TypeError, RecursionError):
        return Verification(path, count, f"{_head_path(path).name} is unreadable", count)
    if head_count > count:
        return Verification(
            path,
            count,
            f"the journal ends at record {count} but its head records {head_count}: "
            "records were cut off the end",
            count + 1,
        )
    # The head is fsynced at every boundary record, so a crash leaves it at worst at the last
    # boundary before the final record: further back, records were cut and the head rewritten.
    floor = max((n for n in range(1, count) if records[n - 1].get("kind") in BOUNDARIES), default=0)
    if head_count < floor:
        return Verification(
            path,
            count,
            f"the journal head was rolled back to record {head_count} of {count} (an interrupted "
            f"write leaves it at record {floor} or later): records were cut off or it was "
            "rewritten",
            head_count + 1,
        )
    expected = hashes[head_count - 1] if head_count else GENESIS
    if head_hash != expected:
        return Verification(
            path,
            count,
            f"record {head_count} was changed (its hash does not match the journal head)",
            max(1, head_count),
        )
    return Verification(path, count, head_lags=head_count < count)


# --- entries -------------------------------------------------------------------------------


@dataclass
class StepLog:
    """The intent and result records of one step of one entry."""

    index: int
    intent: Mapping[str, JSON] | None = None
    result: Mapping[str, JSON] | None = None

    @property
    def state(self) -> str:
        """``ok``, ``error``, ``in-doubt`` (intent, no result: a crash mid-call) or ``pending``."""
        if self.result is not None:
            if self.result.get("ok"):
                return "ok"
            return "in-doubt" if self.result.get("doubt") else "error"
        return "in-doubt" if self.intent is not None else "pending"

    @property
    def outputs(self) -> Mapping[str, JSON]:
        """Non-secret values the call returned (new key id, deletion task id...)."""
        if self.result is None:
            return {}
        return dict(self.result.get("outputs") or {})


@dataclass
class Entry:
    """One executed plan as the journal recorded it, with its derived status."""

    id: str
    time: str
    account: str
    caller: str
    action: str
    summary: str
    plan: Plan
    undoes: str | None = None
    #: The role ARNs assumed to reach ``account`` (a fleet's member account), in order; empty
    #: when iamtui ran with the account's own credentials. Undo must assume them again.
    role_chain: tuple[str, ...] = ()
    steps: dict[int, StepLog] = field(default_factory=dict)
    end: Mapping[str, JSON] | None = None
    running: bool = False
    #: Undo entries that reverted some of this entry's steps.
    undone_by: list[str] = field(default_factory=list)
    #: Indices of this entry's steps already reverted by undo entries.
    undone_steps: set[int] = field(default_factory=set)
    #: Every undo entry made for this one, whatever became of it (a resumed undo checks more).
    undo_attempts: list[str] = field(default_factory=list)
    #: Follow-ups the operator dismissed: index -> the ``dismiss`` record.
    dismissed: dict[int, Mapping[str, JSON]] = field(default_factory=dict)
    #: Follow-ups later entries carried out: index -> those entries' ids, in journal order.
    followed_by: dict[int, list[str]] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """completed, failed, stopped, interrupted or running."""
        if self.end is not None:
            return str(self.end.get("status", "completed"))
        return "running" if self.running else "interrupted"

    def log(self, index: int) -> StepLog:
        """The records of one step (empty when it never started)."""
        return self.steps.get(index) or StepLog(index)

    @property
    def done_steps(self) -> list[int]:
        """Steps whose call succeeded."""
        return sorted(i for i, s in self.steps.items() if s.state == "ok")

    @property
    def in_doubt(self) -> int | None:
        """The step that had an intent but no clean result, if any."""
        return next((i for i, s in sorted(self.steps.items()) if s.state == "in-doubt"), None)

    @property
    def undone(self) -> bool:
        """Every completed, reversible step has been reverted."""
        reversible = {i for i in self.done_steps if self.plan.steps[i].reversible}
        return bool(reversible) and reversible <= self.undone_steps

    def status_line(self) -> str:
        """Status with its detail, e.g. ``failed at step 3 (DeleteConflict)``, ``undone by X``."""
        status = self.status
        end = self.end or {}
        step = end.get("step")
        if status in ("failed", "stopped") and step is not None:
            code = end.get("code")
            status = f"{status} at step {int(step) + 1}" + (f" ({code})" if code else "")
        elif status == "interrupted" and self.in_doubt is not None:
            status = f"interrupted at step {self.in_doubt + 1} (in doubt)"
        if self.undone_by:
            which = "undone" if self.undone else "partly undone"
            status += f", {which} by {', '.join(self.undone_by)}"
        return status

    def to_json(self) -> JSON:
        """Plain data for ``journal list/show --format json``."""
        data = self._json()
        if self.plan.follow_ups:
            data["follow_ups"] = [
                {
                    "ref": follow_up_ref(self.id, i),
                    "action": f.action.value,
                    "due_at": f.due_at.isoformat(),
                    "description": f.description,
                    "dismissed": i in self.dismissed,
                    "followed_by": list(self.followed_by.get(i, ())),
                }
                for i, f in enumerate(self.plan.follow_ups)
            ]
        return data

    def _json(self) -> dict[str, JSON]:
        return {
            "id": self.id,
            "time": self.time,
            "account": self.account,
            "caller": self.caller,
            "role_chain": list(self.role_chain),
            "action": self.action,
            "summary": self.summary,
            "status": self.status,
            "status_line": self.status_line(),
            "undoes": self.undoes,
            "undone_by": list(self.undone_by),
            "in_doubt": self.in_doubt,
            "steps": [
                {
                    "index": i,
                    "description": step.description,
                    "call": step.call.text(),
                    "reversible": step.reversible,
                    "state": self.log(i).state,
                    "error": (
                        {
                            "code": (self.log(i).result or {}).get("code"),
                            "message": (self.log(i).result or {}).get("message"),
                        }
                        if self.log(i).state in ("error", "in-doubt") and self.log(i).result
                        else None
                    ),
                }
                for i, step in enumerate(self.plan.steps)
            ],
            "plan": self.plan.to_json(),
            "end": dict(self.end) if self.end else None,
        }


# --- follow-ups ----------------------------------------------------------------------------


def follow_up_ref(entry_id: str, index: int) -> str:
    """``20260601-120000-k3f9#0``: one follow-up of one entry, as the operator names it."""
    return f"{entry_id}#{index}"


def parse_follow_up_ref(ref: str) -> tuple[str, int] | None:
    """(entry id, index) of ``ENTRY#N``; None when it is not one."""
    entry_id, sep, index = ref.partition("#")
    if not sep or not entry_id or not index.isdigit() or len(index) > 6:
        return None
    return entry_id, int(index)


class FollowUpState(enum.StrEnum):
    """Where a follow-up stands: only ``due`` ones are offered as plans."""

    PENDING = "pending"
    DUE = "due"
    #: A later plan carried it out (the journal links that entry to it).
    DONE = "done"
    DISMISSED = "dismissed"
    #: Its entry was undone, or never completed: there is nothing to finish.
    OBSOLETE = "obsolete"


@dataclass(frozen=True, slots=True)
class FollowUpItem:
    """One follow-up of one journal entry, with its state at ``now`` and why."""

    entry: Entry
    index: int
    follow_up: FollowUp
    state: FollowUpState
    #: ``done by 2026…``, ``dismissed: reason``, ``obsolete: undone by …`` ("" for pending, due).
    note: str = ""

    @property
    def ref(self) -> str:
        """``ENTRY#N``."""
        return follow_up_ref(self.entry.id, self.index)

    @property
    def open(self) -> bool:
        """Still to be done or dismissed (pending or due)."""
        return self.state in (FollowUpState.PENDING, FollowUpState.DUE)


def follow_up_items(entries: Sequence[Entry], now: datetime) -> list[FollowUpItem]:
    """Every follow-up of every entry with its state at ``now`` (an aware UTC time)."""
    by_id = {e.id: e for e in entries}
    items: list[FollowUpItem] = []
    for entry in entries:
        for index, follow_up in enumerate(entry.plan.follow_ups):
            items.append(_item(entry, index, follow_up, now, by_id))
    return items


def _item(
    entry: Entry, index: int, follow_up: FollowUp, now: datetime, by_id: Mapping[str, Entry]
) -> FollowUpItem:
    def item(state: FollowUpState, note: str = "") -> FollowUpItem:
        return FollowUpItem(entry, index, follow_up, state, note)

    dismissed = entry.dismissed.get(index)
    if dismissed is not None:
        reason = str(dismissed.get("reason") or "")
        when = str(dismissed.get("time", ""))[:16].replace("T", " ")
        return item(
            FollowUpState.DISMISSED, f"dismissed {when}" + (f": {reason}" if reason else "")
        )
    done = [e for e in entry.followed_by.get(index, ()) if by_id[e].status == "completed"]
    if done:
        return item(FollowUpState.DONE, f"done by {done[-1]}")
    if entry.undone_by:
        return item(FollowUpState.OBSOLETE, f"obsolete: undone by {', '.join(entry.undone_by)}")
    if entry.status != "completed":
        return item(FollowUpState.OBSOLETE, f"obsolete: its plan {entry.status_line()}")
    if now >= follow_up.due_at:
        return item(FollowUpState.DUE)
    return item(FollowUpState.PENDING)


def _entries(records: Sequence[Mapping[str, Any]], plans: Mapping[str, Plan]) -> list[Entry]:
    """Group checked records (see ``_nonsense``) into entries, with the plans the scan decoded."""
    found: dict[str, Entry] = {}
    for record in records:
        kind = record.get("kind")
        entry_id = str(record.get("entry", ""))
        if kind == "begin":
            found[entry_id] = Entry(
                id=entry_id,
                time=str(record.get("time", "")),
                account=str(record.get("account", "")),
                caller=str(record.get("caller", "")),
                action=str(record.get("action", "")),
                summary=str(record.get("summary", "")),
                plan=plans[entry_id],
                undoes=record.get("undoes"),
                role_chain=tuple(str(r) for r in record.get("role_chain") or ()),
            )
            continue
        entry = found.get(entry_id)
        if entry is None:
            continue
        if kind in ("intent", "result"):
            index = int(record["step"])
            log = entry.steps.setdefault(index, StepLog(index))
            if kind == "intent":
                log.intent = record
            else:
                log.result = record
        elif kind == "end":
            entry.end = record
        elif kind == "dismiss":
            entry.dismissed[int(record["follow_up"])] = record
    entries = list(found.values())
    by_id = {e.id: e for e in entries}
    for entry in entries:
        ref = parse_follow_up_ref(entry.plan.follows_up or "")
        origin = by_id.get(ref[0]) if ref is not None else None
        if ref is not None and origin is not None:
            origin.followed_by.setdefault(ref[1], []).append(entry.id)
        target = by_id.get(entry.undoes or "")
        if target is None:
            continue
        target.undo_attempts.append(entry.id)
        reverted = {
            step.undoes_step
            for i, step in enumerate(entry.plan.steps)
            if step.undoes_step is not None and entry.log(i).state == "ok"
        }
        # An original step counts as undone when every inverse call for it succeeded.
        planned: dict[int, int] = {}
        ok: dict[int, int] = {}
        for i, step in enumerate(entry.plan.steps):
            if step.undoes_step is None:
                continue
            planned[step.undoes_step] = planned.get(step.undoes_step, 0) + 1
            if entry.log(i).state == "ok":
                ok[step.undoes_step] = ok.get(step.undoes_step, 0) + 1
        fully = {s for s in reverted if s is not None and ok.get(s) == planned.get(s)}
        if fully:
            target.undone_steps |= fully
            target.undone_by.append(entry.id)
    return entries


# --- the journal ---------------------------------------------------------------------------


class Journal:
    """One journal file: read, verify, and (one process at a time) append."""

    def __init__(self, path: Path | str | None = None) -> None:
        """``path`` defaults to the user state directory (``--journal`` overrides)."""
        # Resolved, so the lock and head beside it are the same whatever the path's spelling.
        self.path = (Path(path) if path is not None else default_path()).resolve()

    def verify(self) -> Verification:
        """Check form, sequence, hash chain and head; the first problem is reported."""
        return _scan(self.path).verification

    def records(self) -> list[dict[str, Any]]:
        """Every record up to the first damaged one."""
        return _scan(self.path).records

    def entries(self) -> list[Entry]:
        """Every entry in journal order, with statuses (running, interrupted, undone)."""
        scan = _scan(self.path)
        entries = _entries(scan.records, scan.plans)
        unfinished = [e for e in entries if e.end is None]
        if unfinished:
            busy = self.holder() is not None
            last = entries[-1]
            for entry in unfinished:
                entry.running = entry.id in _ACTIVE or (busy and entry is last)
        return entries

    def entry(self, ref: str) -> Entry:
        """The entry with this id (or unique id prefix)."""
        entries = self.entries()
        exact = [e for e in entries if e.id == ref]
        matches = exact or [e for e in entries if e.id.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise EntryNotFound(f"no entry {ref!r} in journal {self.path}")
        raise EntryNotFound(f"{ref!r} matches {len(matches)} entries: give more of the id")

    def follow_ups(self, now: datetime) -> list[FollowUpItem]:
        """Every entry's follow-ups with their state at ``now``."""
        return follow_up_items(self.entries(), now)

    def follow_up(self, ref: str, now: datetime) -> FollowUpItem:
        """The follow-up ``ENTRY#N`` (the entry id may be a unique prefix)."""
        parsed = parse_follow_up_ref(ref.strip())
        if parsed is None:
            raise EntryNotFound(f"{ref!r} is not a follow-up: give ENTRY#N (iamtui journal due)")
        entry = self.entry(parsed[0])
        if not 0 <= parsed[1] < len(entry.plan.follow_ups):
            raise EntryNotFound(f"entry {entry.id} has no follow-up #{parsed[1]}")
        items = follow_up_items(self.entries(), now)
        return next(i for i in items if i.entry.id == entry.id and i.index == parsed[1])

    def holder(self) -> int | None:
        """The pid of another process holding the writer lock, or None when free (or ours)."""
        try:
            fd = _open_regular(self.path)
        except FileNotFoundError:
            return None
        try:
            if _identity(os.fstat(fd)) in _HELD:
                return None
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _read_pid(_lock_path(self.path)) or -1
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def writer(self) -> JournalWriter:
        """Take the writer lock (refused with JournalBusy when another iamtui holds it)."""
        return JournalWriter(self)

    def repair(self, *, clock: Any = utc_now) -> Repair | None:
        """Cut a torn last record off, keeping a 0600 copy of the file, and record the repair.

        None when there is nothing to repair; JournalDamaged when the damage is more than a torn
        tail (an edited or dropped record is evidence, and is never "repaired" away).
        """
        if not self.path.exists():
            raise JournalError(f"no journal at {self.path}: nothing to repair")
        with JournalWriter(self, clock=clock, repair=True) as writer:
            return writer.repaired


@dataclass(frozen=True, slots=True)
class Repair:
    """What ``journal repair`` cut off: the torn record's bytes and where the original is kept."""

    path: Path
    #: Number (1-based) the torn record would have had; the repair record takes it.
    record: int
    torn: bytes
    copy: Path
    #: The record was complete and only lacked its newline: nothing was cut, the newline added.
    unterminated: bool = False

    def describe(self) -> str:
        """What the torn bytes were, as far as they tell (kind, entry, step)."""
        text = self.torn.decode("utf-8", errors="replace")
        kind = re.search(r'"kind":"(\w+)"', text)
        entry = re.search(r'"entry":"([0-9a-z-]+)"', text)
        step = re.search(r'"step":(\d+)', text)
        what = f"a {kind.group(1)} record" if kind else "a record"
        if entry:
            what += f" of entry {entry.group(1)}"
        if step:
            what += f", step {int(step.group(1)) + 1}"
        return f"{what} ({len(self.torn)} bytes written of it)"

    def shown(self, limit: int = 200) -> str:
        """The torn bytes as text, shortened for one line (raw: escape it before printing)."""
        text = self.torn.decode("utf-8", errors="replace")
        return text if len(text) <= limit else text[: limit - 1] + "…"


def _repair_tail(path: Path, clock: Any, lock_fd: int) -> tuple[Repair | None, int]:
    """Cut an incomplete last line, or end a complete one with its newline (the caller holds
    the lock on ``lock_fd``); returns what was done and the lock of the journal now in place.

    The repaired journal is built and verified in memory first: a repair that would not leave
    a sound journal changes nothing. The original is kept as a 0600 copy, and the repaired one
    replaces it by rename (locked before it takes the name, so no writer slips in between).
    """
    verification = _scan(path).verification
    if not verification.torn:
        return None, lock_fd
    fd = _open_regular(path)
    with os.fdopen(fd, "rb") as stream:
        data = stream.read()
    keep = data.rfind(b"\n") + 1
    candidate = data + b"\n" if verification.unterminated else data[:keep]
    check = _parse(path, io.BytesIO(candidate), _read_sidecar(_head_path(path))).verification
    if not check.ok:
        raise JournalDamaged(
            f"journal {path}: the repair would leave it damaged ({check.problem}); "
            "nothing was changed: run 'iamtui journal verify'"
        )
    stamp = f"{clock().astimezone(UTC):%Y%m%dT%H%M%SZ}"
    copy = path.with_name(f"{path.name}.torn-{stamp}")
    n = 1
    while copy.exists():
        n += 1
        copy = path.with_name(f"{path.name}.torn-{stamp}-{n}")
    write_private(copy, data)
    new_fd = _replace_locked(path, candidate)
    _release(lock_fd)
    record = verification.records if verification.unterminated else verification.records + 1
    torn = b"" if verification.unterminated else data[keep:]
    return Repair(path, record, torn, copy, unterminated=verification.unterminated), new_fd


def _replace_locked(path: Path, data: bytes) -> int:
    """Atomically replace the journal with ``data``; returns the new file's locked descriptor."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW | os.O_CLOEXEC, 0o600)
    key = _identity(os.fstat(fd))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody else knows this file yet
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        _HELD.add(key)
        tmp.replace(path)
    except BaseException:
        _HELD.discard(key)
        os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _sync_dir(path.parent)
    return fd


def _read_pid(lock: Path) -> int | None:
    try:
        return int((_read_sidecar(lock) or "").strip() or 0) or None
    except ValueError:
        return None


def new_entry_id(now: datetime, taken: set[str]) -> str:
    """Short, unique, sortable: ``20260601-120000-k3f9`` (UTC time + 4 random characters)."""
    while True:
        suffix = "".join(secrets.choice(_ID_ALPHABET) for _ in range(4))
        entry_id = f"{now.astimezone(UTC):%Y%m%d-%H%M%S}-{suffix}"
        if entry_id not in taken:
            return entry_id


class JournalWriter:
    """The single writer of a journal: holds the lock, appends fsynced, chained records."""

    def __init__(self, journal: Journal, *, clock: Any = utc_now, repair: bool = False) -> None:
        """Lock, verify the tail and repair a lagging head; refuses a damaged journal.

        ``repair`` first cuts a torn last record off (see :meth:`Journal.repair`) and then
        appends a ``repair`` record saying what was cut, so the chain stays verifiable.
        """
        self.journal = journal
        self.path = journal.path
        self.clock = clock
        #: What a repair cut off (None: nothing).
        self.repaired: Repair | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock_fd = _acquire(self.path)
        try:
            if repair:
                self.repaired, self._lock_fd = _repair_tail(self.path, clock, self._lock_fd)
            self._file = _identity(os.fstat(self._lock_fd))
            scan = _scan(self.path)
            if not scan.verification.ok:
                hint = "repair" if scan.verification.torn else "verify"
                raise JournalDamaged(
                    f"journal {self.path} is damaged ({scan.verification.problem}): "
                    f"run 'iamtui journal {hint}'; nothing was written"
                )
            self._seq = len(scan.records)
            self._prev = scan.hashes[-1] if scan.hashes else GENESIS
            self._ids = {str(r.get("entry")) for r in scan.records if r.get("kind") == "begin"}
            if scan.verification.head_lags:
                self._write_head()
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except BaseException:
            _release(self._lock_fd)
            raise
        self._closed = False
        #: Why nothing more may be written (a failed write): the lock is still ours until close().
        self._broken: str | None = None
        #: Entries begun here and not ended: interrupted once this writer closes.
        self._open: set[str] = set()
        if self.repaired is not None and not self.repaired.unterminated:
            cut = self.repaired
            self._append(
                {
                    "kind": "repair",
                    "cut_record": cut.record,
                    "cut_bytes": len(cut.torn),
                    "cut_sha256": hashlib.sha256(cut.torn).hexdigest(),
                    "cut_text": cut.shown(4000),
                    "copy": cut.copy.name,
                }
            )

    # --- records ---------------------------------------------------------------------------

    def begin(
        self, plan: Plan, *, undoes: str | None = None, role_chain: Sequence[str] = ()
    ) -> str:
        """Open an entry for a plan about to run; returns its id. ``role_chain``: the roles
        assumed to reach the account (recorded only when there are any)."""
        now = self.clock()
        entry_id = new_entry_id(now, self._ids)
        self._ids.add(entry_id)
        self._open.add(entry_id)
        _ACTIVE.add(entry_id)
        record: dict[str, JSON] = {
            "kind": "begin",
            "entry": entry_id,
            "time": now.isoformat(),
            "account": plan.account_id,
            "caller": plan.caller_arn,
            "action": plan.action.value,
            "summary": plan.summary,
            "undoes": undoes if undoes is not None else plan.undoes,
            **({"role_chain": list(role_chain)} if role_chain else {}),
            "plan": plan.to_json(),
        }
        try:
            self._append(record)
        except RecordTooLarge:  # nothing was written: the entry never existed
            self._ids.discard(entry_id)
            self._open.discard(entry_id)
            _ACTIVE.discard(entry_id)
            raise
        return entry_id

    def intent(self, entry_id: str, step: int, call: Mapping[str, JSON]) -> None:
        """Record that a call is about to be sent (fsynced before it is)."""
        self._append({"kind": "intent", "entry": entry_id, "step": step, "call": dict(call)})

    def result(
        self,
        entry_id: str,
        step: int,
        *,
        ok: bool,
        code: str | None = None,
        message: str | None = None,
        outputs: Mapping[str, JSON] | None = None,
        attempts: int = 1,
        doubt: bool = False,
    ) -> None:
        """Record how a call ended."""
        record: dict[str, JSON] = {
            "kind": "result",
            "entry": entry_id,
            "step": step,
            "ok": ok,
            "attempts": attempts,
        }
        if outputs:
            record["outputs"] = dict(outputs)
        if not ok:
            record.update(code=code, message=message, doubt=doubt)
        self._append(record)

    def end(
        self,
        entry_id: str,
        status: str,
        *,
        step: int | None = None,
        reason: str | None = None,
        code: str | None = None,
    ) -> None:
        """Close an entry: completed, failed or stopped (with the step and one-line reason)."""
        record: dict[str, JSON] = {"kind": "end", "entry": entry_id, "status": status}
        if step is not None:
            record.update(step=step, reason=reason, code=code)
        self._append(record)
        self._open.discard(entry_id)
        _ACTIVE.discard(entry_id)

    def dismiss(self, entry_id: str, index: int, reason: str = "") -> None:
        """Record that the operator dismissed follow-up ``index`` of an entry (never offered
        again); the journal refuses an entry or index it does not hold."""
        scan = _scan(self.path)
        plan = scan.plans.get(entry_id)
        if plan is None:
            raise EntryNotFound(f"no entry {entry_id!r} in journal {self.path}")
        if not 0 <= index < len(plan.follow_ups):
            raise EntryNotFound(f"entry {entry_id} has no follow-up #{index}")
        self._append(
            {
                "kind": "dismiss",
                "entry": entry_id,
                "follow_up": index,
                "reason": printable(reason.strip())[:200],
            }
        )

    def _append(self, record: dict[str, JSON]) -> None:
        if self._closed:
            raise JournalError(f"journal {self.path} writer is closed")
        if self._broken is not None:
            raise JournalError(self._broken)
        try:
            still = _identity(self.path.stat()) == self._file
        except OSError:
            still = False
        if not still:
            self._broken = (
                f"journal {self.path} was deleted or replaced while iamtui was writing it; "
                "nothing more is written"
            )
            raise JournalError(self._broken)
        record = redact(record)
        record.update(v=FORMAT_VERSION, seq=self._seq + 1, prev=self._prev)
        record.setdefault("time", self.clock().isoformat())
        line = canonical(record).encode()
        if len(line) > MAX_RECORD:
            # Written, it would make the journal unreadable (verify: corrupted) and every
            # later entry impossible to undo.
            kind = record.get("kind")
            what = "this plan's record" if kind == "begin" else f"the {kind} record"
            raise RecordTooLarge(
                f"journal {self.path}: {what} would be {len(line) / 2**20:.1f} MiB, over the "
                f"{MAX_RECORD >> 20} MiB a journal record may hold: refused, nothing was "
                "written" + (" or sent" if kind == "begin" else "")
            )
        data = memoryview(line + b"\n")
        try:
            while data:  # os.write may write less than asked (a full disk, a signal)
                data = data[os.write(self._fd, data) :]
            os.fsync(self._fd)
        except OSError as exc:
            # The file may now end in a torn line: appending more would bury it in the chain.
            self._broken = (
                f"journal {self.path}: write failed ({exc.strerror or exc}); the journal is "
                "closed for writing: run 'iamtui journal repair' before acting again"
            )
            raise JournalError(self._broken) from exc
        self._seq += 1
        self._prev = line_hash(line)
        try:
            self._write_head(durable=record.get("kind") in BOUNDARIES)
        except OSError as exc:  # the record is on disk; a head left behind is only a lag
            self._broken = (
                f"journal {self.path}: could not update its head ({exc.strerror or exc}); "
                "the journal is closed for writing"
            )
            raise JournalError(self._broken) from exc

    def _write_head(self, *, durable: bool = True) -> None:
        """Atomically replace the head; fsynced at entry boundaries (a lag is only a lag).

        The temporary file has a fresh name and is created, never opened: a symlink or file
        planted at a fixed name is never written through.
        """
        head = _head_path(self.path)
        tmp = head.with_name(f".{head.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            try:
                os.write(fd, canonical({"records": self._seq, "hash": self._prev}).encode())
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            tmp.replace(head)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        if durable:
            _sync_dir(self.path.parent)

    # --- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Release the lock (safe to call twice)."""
        if self._closed:
            return
        self._closed = True
        _ACTIVE.difference_update(self._open)
        os.close(self._fd)
        _release(self._lock_fd)

    def __enter__(self) -> JournalWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _acquire(path: Path) -> int:
    """The exclusive, non-blocking writer lock on the journal file itself.

    Locking the file (not a sidecar a user can delete) means every name of it (a symlink, a
    hard link) shares the one lock; after locking, the name must still lead to the locked file,
    or the journal was replaced meanwhile and the lock is taken again on the new one.
    """
    for _ in range(5):
        fd = _open_regular(path, os.O_CREAT)
        key = _identity(os.fstat(fd))
        if key in _HELD:
            os.close(fd)
            raise JournalBusy(f"journal {path} is already open for writing in this iamtui")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid = _read_pid(_lock_path(path))
            holder = f"pid {pid}" if pid else "unknown pid"
            raise JournalBusy(f"journal {path} is in use by another iamtui ({holder})") from None
        try:
            same = _identity(path.stat()) == key
        except FileNotFoundError:
            same = False
        if not same:  # deleted or replaced between open and lock: lock the new file instead
            os.close(fd)
            continue
        _HELD.add(key)
        _write_pid(_lock_path(path))
        return fd
    raise JournalBusy(f"journal {path} keeps being replaced while iamtui tries to lock it")


def _write_pid(lock: Path) -> None:
    """Say who holds the lock, for the busy message only; never through a link or into a
    file that is not our own (a symlink or hard link planted there is left alone)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | os.O_CLOEXEC | _NOFOLLOW
    with contextlib.suppress(OSError):
        fd = os.open(lock, flags, 0o600)
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and st.st_nlink == 1:
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)


def _sync_dir(directory: Path) -> None:
    """Make a rename durable (best effort: some filesystems refuse a directory fsync)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _identity(st: os.stat_result) -> tuple[int, int]:
    """Which file this is, whatever its name: device and inode."""
    return (st.st_dev, st.st_ino)


def _release(fd: int) -> None:
    with contextlib.suppress(OSError):
        _HELD.discard(_identity(os.fstat(fd)))
        fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


@contextlib.contextmanager
def open_writer(journal: Journal | JournalWriter) -> Iterator[JournalWriter]:
    """A writer for the duration of a block: the given one, or a fresh one closed afterwards."""
    if isinstance(journal, JournalWriter):
        yield journal
        return
    with journal.writer() as writer:
        yield writer
