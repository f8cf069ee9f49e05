"""Saving a loaded account as versioned JSON and loading it back offline.

The codec (:mod:`iamtui.core.codec`) walks the model's type hints, so a new model field is saved
and loaded without touching this file. A snapshot file comes from outside and is read as hostile:
a file that is not JSON, too deeply nested, not an iamtui snapshot, of another version, missing a
section or holding a value of the wrong type (a naive time, an unknown ``missing`` reason) fails
with :class:`SnapshotError`: one line naming the file and the problem. Files are written 0600:
they map the whole account.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import platformdirs

from iamtui import __version__
from iamtui.core import codec
from iamtui.core.files import (
    MAX_SNAPSHOT_BYTES,
    FileTooLargeError,
    NotAFileError,
    read_bounded,
    write_private,
)
from iamtui.core.model import AccountSnapshot
from iamtui.core.text import printable

FORMAT = "iamtui.snapshot"
VERSION = 1
#: Deepest nesting a snapshot may hold: the model needs about 15 levels (policy conditions).
MAX_DEPTH = 64
#: AWS account aliases are at most 63 characters.
MAX_ALIAS = 63


class SnapshotError(ValueError):
    """A snapshot file cannot be used; the message is one line for the operator."""


def dumps(snapshot: AccountSnapshot) -> str:
    """The file's text: a small header, then the snapshot (SnapshotError if it cannot be saved)."""
    try:
        data = codec.encode(snapshot, "snapshot")
    except codec.CodecError as exc:
        raise SnapshotError(f"cannot save the snapshot: {exc}") from None
    document = {
        "format": FORMAT,
        "version": VERSION,
        "written_by": f"iamtui {__version__}",
        "snapshot": data,
    }
    return json.dumps(document, indent=1, sort_keys=False)


def loads(text: str, where: str = "snapshot") -> AccountSnapshot:
    """Parse a snapshot file's text, checking it is ours, of a version we read, and complete."""
    document = _parse(text, where)
    if not isinstance(document, dict):
        raise SnapshotError(
            f"{where}: not an iamtui snapshot (the top level is {_kind(document)}, not an object)"
        )
    if document.get("format") != FORMAT:
        raise SnapshotError(f'{where}: not an iamtui snapshot (no "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise SnapshotError(
            f"{where}: snapshot version {_version(document.get('version'))} is not supported "
            f"(this iamtui reads version {VERSION}); re-save it with this version"
        )
    if "snapshot" not in document:
        raise SnapshotError(f'{where}: no "snapshot" section')
    try:
        # complete: a left-out section ("users") is damage, not an account without users.
        snapshot = codec.decode(AccountSnapshot, document["snapshot"], "snapshot", complete=True)
    except codec.CodecError as exc:
        raise SnapshotError(f"{where}: {exc}") from None
    if snapshot.alias is not None and not 0 < len(snapshot.alias) <= MAX_ALIAS:
        # AWS allows 3-63 characters; a huge one is hostile and makes every title slow to draw.
        raise SnapshotError(
            f"{where}: snapshot.alias: {len(snapshot.alias)} characters (AWS allows {MAX_ALIAS})"
        )
    return snapshot


def _parse(text: str, where: str) -> Any:
    """JSON text to data, with hostile input (huge numbers, deep nesting) as one-line errors."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{where}: not JSON (line {exc.lineno}): {exc.msg}") from None
    except RecursionError:
        raise SnapshotError(f"{where}: nested too deeply to be a snapshot") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        problem = str(exc).split(";")[0].split("\n")[0]
        raise SnapshotError(f"{where}: not a usable JSON value: {problem}") from None
    if _depth_exceeds(document, MAX_DEPTH):
        raise SnapshotError(f"{where}: nested deeper than {MAX_DEPTH} levels")
    return document


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Whether containers nest deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def _version(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 20 else text[:19] + "…"


def save(snapshot: AccountSnapshot, path: Path) -> None:
    """Write atomically and owner-only (0600): a crash never leaves half a snapshot."""
    write_private(path, dumps(snapshot))


def load(path: Path) -> AccountSnapshot:
    """Read a snapshot file; every failure is a one-line SnapshotError."""
    path = Path(path)
    where = printable(path)
    try:
        text = read_bounded(path, MAX_SNAPSHOT_BYTES).decode("utf-8")
    except FileNotFoundError as exc:
        raise SnapshotError(f"{where}: no such file") from exc
    except NotAFileError:
        # /dev/zero would be read forever and a FIFO would block: only regular files.
        raise SnapshotError(f"{where}: not a regular file: give a snapshot file") from None
    except FileTooLargeError as exc:
        raise SnapshotError(f"{where}: {exc}: not a snapshot iamtui wrote") from None
    except UnicodeDecodeError as exc:
        raise SnapshotError(f"{where}: not UTF-8 text (at offset {exc.start})") from None
    except OSError as exc:
        raise SnapshotError(f"{where}: cannot read: {exc.strerror or exc}") from exc
    return loads(text, where=where)


# --- where each account was last saved --------------------------------------------------------

#: Account id -> the absolute path of its last ``snapshot save``, for "progress since" in the TUI.
SAVED_INDEX_NAME = "saved-snapshots.json"
#: An index larger than this is not ours (thousands of accounts fit in far less).
MAX_INDEX_BYTES = 1 << 20


def saved_index_path() -> Path:
    """The index of last saves, in the state directory beside the journal."""
    return Path(platformdirs.user_state_path("iamtui")) / SAVED_INDEX_NAME


def _read_index(index: Path) -> dict[str, str]:
    """The index, or empty when absent or unreadable: a convenience, never a source of truth."""
    try:
        data = json.loads(read_bounded(index, MAX_INDEX_BYTES).decode("utf-8"))
    except (OSError, ValueError, FileTooLargeError, NotAFileError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def remember_saved(snapshot: AccountSnapshot, path: Path, *, index: Path | None = None) -> None:
    """Record that ``path`` is the account's latest saved snapshot (0600, atomic)."""
    index = index or saved_index_path()
    entries = _read_index(index)
    entries[snapshot.account_id] = str(Path(path).resolve())
    index.parent.mkdir(parents=True, exist_ok=True)
    write_private(index, json.dumps(entries, indent=2, sort_keys=True) + "\n")


def last_saved(account_id: str, *, index: Path | None = None) -> Path | None:
    """Where this account was last saved with ``iamtui snapshot save`` (None: never, or moved)."""
    found = _read_index(index or saved_index_path()).get(account_id)
    return Path(found) if found and Path(found).is_file() else None
