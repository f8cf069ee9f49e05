"""Saving a loaded account as versioned JSON and loading it back offline.

The converter walks the model's type hints, so a new model field is saved and loaded without
touching this file. A file that is not JSON, not an iamtui snapshot, or of another version fails
with :class:`SnapshotError`: one line naming the file and the problem.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from iamtui import __version__
from iamtui.core import model
from iamtui.core.model import AccountSnapshot

FORMAT = "iamtui.snapshot"
VERSION = 1


class SnapshotError(ValueError):
    """A snapshot file cannot be used; the message is one line for the operator."""


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(model))


def to_data(value: Any) -> Any:
    """Model object -> JSON-able data (datetimes as ISO strings, Missing as its report text)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, model.Missing):
        return {"missing": value.value}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [to_data(v) for v in value]
    return value


def from_data(tp: Any, data: Any, where: str = "snapshot") -> Any:
    """JSON data -> an instance of the type hint ``tp``; raises SnapshotError naming the field."""
    origin = typing.get_origin(tp)
    if tp is Any:
        return data
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if data is None and type(None) in options:
            return None
        if isinstance(data, dict) and "missing" in data and model.Missing in options:
            return model.Missing(data["missing"])
        for option in options:
            if option in (type(None), model.Missing):
                continue
            try:
                return from_data(option, data, where)
            except SnapshotError:
                continue
        raise SnapshotError(f"{where}: unexpected value {data!r}")
    if origin is tuple:
        item = typing.get_args(tp)[0]
        _expect(data, list, where)
        return tuple(from_data(item, v, f"{where}[{i}]") for i, v in enumerate(data))
    if origin in (Mapping, dict, typing.Mapping) or tp in (Mapping, dict):
        args = typing.get_args(tp) or (str, Any)
        _expect(data, dict, where)
        return {k: from_data(args[1], v, f"{where}.{k}") for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        _expect(data, dict, where)
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in data:
                kwargs[f.name] = from_data(hints[f.name], data[f.name], f"{where}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise SnapshotError(f"{where}: missing field {f.name!r}")
        return tp(**kwargs)
    if tp is datetime:
        _expect(data, str, where)
        try:
            return datetime.fromisoformat(data)
        except ValueError as exc:
            raise SnapshotError(f"{where}: not a date: {data!r}") from exc
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError as exc:
            raise SnapshotError(f"{where}: unknown value {data!r}") from exc
    if tp is float and isinstance(data, int):
        return float(data)
    if isinstance(tp, type):
        _expect(data, tp, where)
        if tp is int and isinstance(data, bool):
            raise SnapshotError(f"{where}: expected int, got {data!r}")
    return data


def _expect(data: Any, kind: type, where: str) -> None:
    if not isinstance(data, kind):
        raise SnapshotError(f"{where}: expected {kind.__name__}, got {type(data).__name__}")


def dumps(snapshot: AccountSnapshot) -> str:
    """The file's text: a small header, then the snapshot."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "written_by": f"iamtui {__version__}",
        "snapshot": to_data(snapshot),
    }
    return json.dumps(document, indent=1, sort_keys=False)


def loads(text: str, where: str = "snapshot") -> AccountSnapshot:
    """Parse a snapshot file's text, checking it is ours and of a version we read."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{where}: not JSON (line {exc.lineno}): {exc.msg}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotError(f'{where}: not an iamtui snapshot (no "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise SnapshotError(
            f"{where}: snapshot version {document.get('version')!r} is not supported "
            f"(this iamtui reads version {VERSION}); re-save it with this version"
        )
    result: AccountSnapshot = from_data(AccountSnapshot, document.get("snapshot"), where)
    return result


def save(snapshot: AccountSnapshot, path: Path) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a snapshot."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(dumps(snapshot))
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def load(path: Path) -> AccountSnapshot:
    """Read a snapshot file; every failure is a one-line SnapshotError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SnapshotError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{path}: cannot read: {exc}") from exc
    return loads(text, where=str(path))
