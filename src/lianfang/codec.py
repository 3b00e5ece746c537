"""The one place that converts lianfang values to and from JSON-able data.

A single :data:`converter` (``cattrs.preconf.json``) owns every conversion: strict
(unknown keys are errors, a string is never silently turned into a list of
characters), enums by value, datetimes as ISO 8601 with their offset, phones as
their plain digits (the host owns its data). Conversion errors are flattened into
``"$.path.to.field: what is wrong"`` problems and raised as the caller's
:class:`~lianfang.errors.ValidationError` subclass, all problems at once.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable
from typing import Any, TypeVar

import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.preconf.json import make_converter

from lianfang.errors import ValidationError
from lianfang.model import Geometry, Phone

__all__ = [
    "converter",
    "format_duration",
    "parse_duration",
    "problems_of",
    "structure",
    "unstructure",
]

T = TypeVar("T")

converter = make_converter(forbid_extra_keys=True)


# --- simple types first: every composite hook builds on these -----------------------------


def _strict(kind: type, name: str) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        if type(value) is not kind:
            raise ValueError(f"must be {name}, not {_describe(value)}")
        return value

    return hook


def _describe(value: object) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) < 40 else text[:37] + '...'}"


def _structure_float(value: Any, _: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, not {_describe(value)}")
    return float(value)


def _structure_int(value: Any, _: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number, not {_describe(value)}")
    return value


def _structure_datetime(value: Any, _: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(f"must be an ISO 8601 date-time string, not {_describe(value)}")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.utcoffset() is None:
        raise ValueError(f"{value!r} has no UTC offset (write e.g. {value}+08:00)")
    return parsed


def _structure_time(value: Any, _: Any) -> dt.time:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{2}:[0-9]{2}", value):
        raise ValueError(f"must be a time of day as 'HH:MM', not {_describe(value)}")
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid time of day") from None


def _unstructure_time(value: dt.time) -> str:
    return value.strftime("%H:%M")


_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)\s*", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> dt.timedelta:
    """``"90s"``, ``"5m"``, ``"24h"``, ``"1d"`` or a number of seconds → a ``timedelta``."""
    if isinstance(value, bool):
        raise ValueError(f"must be a duration such as '30m', not {_describe(value)}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.fullmatch(value)):
        seconds = float(match[1]) * _UNIT_SECONDS[match[2].lower()]
    else:
        raise ValueError(f"must be a duration such as '90s', '30m', '24h', not {_describe(value)}")
    if seconds < 0:
        raise ValueError(f"must not be negative, got {value!r}")
    return dt.timedelta(seconds=seconds)


def format_duration(value: dt.timedelta) -> str:
    """The shortest exact form of :func:`parse_duration`'s syntax (``"30m"``, ``"1d"``)."""
    seconds = value.total_seconds()
    for unit in ("d", "h", "m"):
        amount = seconds / _UNIT_SECONDS[unit]
        if amount == int(amount) and amount:
            return f"{int(amount)}{unit}"
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{seconds:f}".rstrip("0") + "s"


def _structure_str_tuple(value: Any, _: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"must be an array of strings, not {_describe(value)}")
    bad = [i for i, item in enumerate(value) if not isinstance(item, str)]
    if bad:
        raise ValueError(f"item [{bad[0]}] must be a string, not {_describe(value[bad[0]])}")
    return tuple(value)


def _structure_int_tuple(value: Any, _: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"must be an array of whole numbers, not {_describe(value)}")
    problems = []
    for index, item in enumerate(value):
        try:
            _structure_int(item, int)
        except ValueError as exc:
            problems.append(f"[{index}]: {exc}")
    if problems:
        raise ValidationError(problems)
    return tuple(value)


def _structure_phone(value: Any, _: Any) -> Phone:
    if not isinstance(value, str):
        raise ValueError(f"must be a phone number string, not {_describe(value)}")
    return Phone(value)


def _structure_geometry(value: Any, _: Any) -> Geometry:
    if not isinstance(value, dict):
        raise ValueError(f"must be a GeoJSON geometry object, not {_describe(value)}")
    extra = sorted(set(value) - {"type", "coordinates", "bbox"})
    if extra or "type" not in value or "coordinates" not in value:
        raise ValueError(
            "must be a GeoJSON Polygon or MultiPolygon with exactly 'type' and 'coordinates'"
            + (f" (unknown keys: {', '.join(extra)})" if extra else "")
        )
    return Geometry(type=value["type"], coordinates=value["coordinates"])


def _unstructure_geometry(value: Geometry) -> dict[str, Any]:
    def thaw(part: object) -> object:
        return [thaw(p) for p in part] if isinstance(part, tuple) else part

    return {"type": value.type, "coordinates": thaw(value.coordinates)}


def _enum_hook(cls: type[enum.Enum]) -> Callable[[Any, Any], enum.Enum]:
    values = {member.value: member for member in cls}
    choices = ", ".join(repr(v) for v in values)

    def hook(value: Any, _: Any) -> enum.Enum:
        try:
            return values[value]
        except (KeyError, TypeError):
            raise ValueError(f"{value!r} is not one of {choices}") from None

    return hook


converter.register_structure_hook(str, _strict(str, "a string"))
converter.register_structure_hook(bool, _strict(bool, "true or false"))
converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(float, _structure_float)
converter.register_structure_hook(dt.datetime, _structure_datetime)
converter.register_unstructure_hook(dt.datetime, lambda v: v.isoformat())
converter.register_structure_hook(dt.time, _structure_time)
converter.register_unstructure_hook(dt.time, _unstructure_time)
converter.register_structure_hook(dt.timedelta, lambda v, _: parse_duration(v))
converter.register_unstructure_hook(dt.timedelta, format_duration)
converter.register_structure_hook_func(lambda t: t == tuple[str, ...], _structure_str_tuple)
converter.register_structure_hook_func(lambda t: t == tuple[int, ...], _structure_int_tuple)
converter.register_structure_hook(Phone, _structure_phone)
converter.register_unstructure_hook(Phone, Phone.reveal)
converter.register_structure_hook(Geometry, _structure_geometry)
converter.register_unstructure_hook(Geometry, _unstructure_geometry)
converter.register_structure_hook_factory(
    lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _enum_hook
)
converter.register_unstructure_hook_factory(
    lambda t: isinstance(t, type) and issubclass(t, enum.Enum), lambda _: lambda e: e.value
)


# --- errors --------------------------------------------------------------------------------


def problems_of(exc: BaseException, path: str = "$") -> list[str]:
    """Flatten a (possibly nested) conversion error into ``"path: message"`` lines."""
    if isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        out = [p for e, note in with_notes for p in problems_of(e, f"{path}.{note.name}")]
        return out + [p for e in without for p in problems_of(e, path)]
    if isinstance(exc, IterableValidationError):
        items, rest = exc.group_exceptions()
        out = [p for e, note in items for p in problems_of(e, f"{path}[{note.index}]")]
        return out + [p for e in rest for p in problems_of(e, path)]
    if isinstance(exc, ForbiddenExtraKeysError):
        return [f"{path}.{key}: unknown field" for key in sorted(exc.extra_fields)]
    if isinstance(exc, ValidationError):  # a model validator: problems start with the field
        return [_join(path, problem) for problem in exc.problems]
    if isinstance(exc, KeyError):  # cattrs' note already put the field name on the path
        return [f"{path}: required field is missing"]
    return [f"{path}: {exc}"]


def _join(path: str, problem: str) -> str:
    return f"{path}.{problem}" if problem[:1] not in ("[", ":") else f"{path}{problem}"


def structure(
    data: Any, cls: type[T], *, error: type[ValidationError] = ValidationError, path: str = "$"
) -> T:
    """Build a ``cls`` from JSON-able ``data`` or raise ``error`` listing every problem."""
    if isinstance(data, dict) is False and _is_attrs(cls):
        raise error([f"{path}: must be an object, not {_describe(data)}"])
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, ForbiddenExtraKeysError, ValueError, TypeError) as exc:
        raise error(problems_of(exc, path)) from None


def unstructure(value: Any) -> Any:
    """The JSON-able form of any lianfang value."""
    return converter.unstructure(value)


def _is_attrs(cls: type) -> bool:
    return hasattr(cls, "__attrs_attrs__")
