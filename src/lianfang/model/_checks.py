"""Validators shared by the model classes.

Each raises :class:`~lianfang.errors.InvalidValueError` whose single problem starts
with the field name, so a caller that knows where the object sits in a document can
prefix its own path (``$.volunteers[3]`` + ``.id: must not be empty``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs

from lianfang.errors import InvalidValueError


def non_empty(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidValueError([f"{attribute.name}: must be a string, not {type(value).__name__}"])
    if not value.strip():
        raise InvalidValueError([f"{attribute.name}: must not be empty"])


def optional_non_empty(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        non_empty(instance, attribute, value)


def non_empty_items(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    items: Iterable[object] = value  # type: ignore[assignment]  # the converter made it a tuple
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise InvalidValueError([f"{attribute.name}[{i}]: must be a non-empty string"])


def aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.datetime):
        raise InvalidValueError(
            [f"{attribute.name}: must be a datetime, not {type(value).__name__}"]
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValueError(
            [f"{attribute.name}: must be timezone-aware (got naive {value.isoformat()})"]
        )


def number_between(low: float, high: float) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidValueError([f"{attribute.name}: must be a number, not {value!r}"])
        if not low <= value <= high:  # also false for NaN
            raise InvalidValueError([f"{attribute.name}: {value!r} is outside [{low}, {high}]"])

    return check


def positive(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
    ):
        raise InvalidValueError([f"{attribute.name}: must be a positive number, not {value!r}"])


def one_of(*allowed: object) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in allowed:
            choices = ", ".join(repr(a) for a in allowed)
            raise InvalidValueError([f"{attribute.name}: {value!r} is not one of {choices}"])

    return check


def instance_of(cls: type) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, cls):
            raise InvalidValueError(
                [f"{attribute.name}: must be {cls.__name__}, not {type(value).__name__}"]
            )

    return check
