"""One codec between frozen dataclasses and JSON data: snapshots, plans and journal records use it.

The type hints of a dataclass are its schema, so a new field is saved and loaded without a
hand-written ``to_json``/``from_json`` pair to keep in step. Decoding is strict: every value must
have its hinted type (an int is not a bool, a date is an ISO string with a UTC offset), unknown
fields are refused, and every failure is one :class:`CodecError` line naming the field's path.
Datetimes are timezone-aware both ways. Only ``Any`` fields (policy documents, plan parameters)
take JSON data as it is.

Two field-level choices keep old formats byte-for-byte: ``field(metadata=OMIT_DEFAULT)`` leaves
a field out while it holds its default, and an enum class carrying ``__codec_tag__ = "name"`` is
written ``{"name": value}`` (the credential report's :class:`~iamtui.core.model.Missing`).
"""

from __future__ import annotations

import dataclasses
import enum
import math
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")

#: Field metadata: leave the field out of the data while it equals its default.
OMITTED = "omit_default"
OMIT_DEFAULT: Mapping[str, bool] = types.MappingProxyType({OMITTED: True})

#: How much of an offending value an error message shows.
_SHOWN = 60


class CodecError(ValueError):
    """Data that does not fit its type; the message is one line naming the field's path."""


def _show(data: Any) -> str:
    """A bounded repr: a hostile 30 MB string must not become a 30 MB error line."""
    if isinstance(data, str) and len(data) > 4 * _SHOWN:
        return f"a {len(data)}-character string"
    if isinstance(data, dict | list) and len(data) > _SHOWN:
        return f"{'an object' if isinstance(data, dict) else 'a list'} of {len(data)} items"
    try:
        text = " ".join(repr(data).split())
    except (ValueError, RecursionError):  # an integer too long to print, a too-deep structure
        return f"a {type(data).__name__} too large to show"
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _key(key: str) -> str:
    """A mapping key as it appears in a path: bounded, so a 3 MB key stays a short line."""
    return key if len(key) <= _SHOWN else key[: _SHOWN - 1] + "…"


# --- encoding ------------------------------------------------------------------------------


def encode(value: Any, where: str = "value") -> Any:
    """A dataclass (or any supported value) as JSON data; CodecError for what JSON cannot hold."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if f.metadata.get(OMITTED) and item == _default(f):
                continue
            data[f.name] = encode(item, f"{where}.{f.name}")
        return data
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise CodecError(f"{where}: naive datetime {value.isoformat()} (times are UTC-aware)")
        return value.isoformat()
    if isinstance(value, enum.Enum):
        tag = getattr(type(value), "__codec_tag__", None)
        return {tag: value.value} if tag else value.value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise CodecError(f"{where}: key {_show(key)} is not a string")
            out[key] = encode(item, f"{where}.{_key(key)}")
        return out
    if isinstance(value, tuple | list):
        return [encode(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        raise CodecError(f"{where}: {value} has no JSON form")
    if value is None or isinstance(value, str | int | float):
        return value
    raise CodecError(f"{where}: cannot encode {type(value).__name__}")


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


# --- decoding ------------------------------------------------------------------------------


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode(tp: type[T], data: Any, where: str = "value", *, complete: bool = False) -> T:
    """JSON data as an instance of ``tp``; ``complete`` also refuses a field left out."""
    result: T = _decode(tp, data, where, complete)
    return result


def _decode(tp: Any, data: Any, where: str, complete: bool) -> Any:
    if tp is Any:
        return data
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        allowed = typing.get_args(tp)
        if not any(data == a and type(data) is type(a) for a in allowed):
            shown = ", ".join(repr(a) for a in allowed)
            raise CodecError(f"{where}: unknown value {_show(data)} (expected one of {shown})")
        return data
    if origin in (typing.Union, types.UnionType):
        return _union(typing.get_args(tp), data, where, complete)
    if origin is tuple:
        args = typing.get_args(tp)
        _expect(data, list, where)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v, f"{where}[{i}]", complete) for i, v in enumerate(data))
        if len(args) != len(data):
            raise CodecError(f"{where}: expected {len(args)} items, got {len(data)}")
        return tuple(
            _decode(a, v, f"{where}[{i}]", complete)
            for i, (a, v) in enumerate(zip(args, data, strict=True))
        )
    if origin in (Mapping, dict) or tp in (Mapping, dict):
        value_type = (typing.get_args(tp) or (str, Any))[1]
        _expect(data, dict, where)
        return {k: _decode(value_type, v, f"{where}.{_key(k)}", complete) for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass(tp, data, where, complete)
    if tp is datetime:
        return _datetime(data, where)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum(tp, data, where)
    if tp is float:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return float(data)
        raise CodecError(f"{where}: expected a number, got {_kind(data)}")
    if tp is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        raise CodecError(f"{where}: expected an integer, got {_kind(data)}")
    if tp in (str, bool, type(None)):
        _expect(data, tp, where)
        return data
    raise CodecError(f"{where}: the codec cannot decode {tp!r}")


def _union(options: tuple[Any, ...], data: Any, where: str, complete: bool) -> Any:
    if data is None:
        if type(None) in options:
            return None
        raise CodecError(f"{where}: a value is required, got null")
    for option in options:
        tag = getattr(option, "__codec_tag__", None)
        if tag and isinstance(data, dict) and tag in data:
            if len(data) != 1:
                raise CodecError(f"{where}: {_show(data)} has fields besides {tag!r}")
            return _enum(option, data[tag], f"{where}.{tag}")
    problems = []
    for option in options:
        if option is type(None) or getattr(option, "__codec_tag__", None):
            continue
        try:
            return _decode(option, data, where, complete)
        except CodecError as exc:
            problems.append(str(exc))
    if len(problems) == 1:
        raise CodecError(problems[0])
    raise CodecError(f"{where}: unexpected value {_show(data)}")


def _dataclass(tp: type, data: Any, where: str, complete: bool) -> Any:
    _expect(data, dict, where)
    hints = _hints(tp)
    fields = {f.name: f for f in dataclasses.fields(tp)}
    unknown = [k for k in data if k not in fields]
    if unknown:
        raise CodecError(f"{where}: unknown field {_show(unknown[0])}")
    kwargs = {}
    for name, f in fields.items():
        if name in data:
            kwargs[name] = _decode(hints[name], data[name], f"{where}.{name}", complete)
        elif _default(f) is dataclasses.MISSING or (complete and not f.metadata.get(OMITTED)):
            # An omitted-when-default field is absent by design (and from files older than it).
            raise CodecError(f"{where}: missing field {name!r}")
    return tp(**kwargs)


def _datetime(data: Any, where: str) -> datetime:
    _expect(data, str, where)
    try:
        value = datetime.fromisoformat(data)
    except ValueError:
        raise CodecError(f"{where}: not a date: {_show(data)}") from None
    if value.utcoffset() is None:
        raise CodecError(f"{where}: {_show(data)} has no UTC offset (times are UTC-aware)")
    return value


def _enum(tp: type[enum.Enum], data: Any, where: str) -> enum.Enum:
    try:
        return tp(data)
    except (ValueError, TypeError):
        known = ", ".join(repr(m.value) for m in tp)
        raise CodecError(
            f"{where}: unknown value {_show(data)} (expected one of {known})"
        ) from None


def _kind(data: Any) -> str:
    return "null" if data is None else type(data).__name__


def _expect(data: Any, kind: type, where: str) -> None:
    if not isinstance(data, kind) or (kind is not bool and isinstance(data, bool)):
        name = {dict: "an object", list: "a list", str: "a string", bool: "true or false"}.get(
            kind, kind.__name__
        )
        raise CodecError(f"{where}: expected {name}, got {_kind(data)}")
