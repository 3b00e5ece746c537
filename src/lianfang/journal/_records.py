"""The journal port's shared types: records, the protocol, validation helpers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import attrs

from lianfang.errors import InvalidValueError, JournalError, ValidationError

__all__ = ["EventRecord", "Journal", "JournalRecoveryWarning", "StoredEvent"]


class JournalRecoveryWarning(UserWarning):
    """A journal file ended in a torn write (a crash mid-append) and is read up to the
    last whole append. Nothing acknowledged is lost; the next append removes the torn
    bytes."""


def _utf8_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored as UTF-8 (a lone surrogate), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        return f"holds a lone surrogate at index {e.start}, which cannot be stored as UTF-8"
    return None


def _type_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, not {type(value).__name__}"
    if not value.strip():
        return "must not be empty"
    return _utf8_problem(value)


def _data_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be a string of JSON text, not {type(value).__name__}"
    return _utf8_problem(value)


def _check_type(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if (problem := _type_problem(value)) is not None:
        raise InvalidValueError([f"type: {problem}"])


def _check_data(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if (problem := _data_problem(value)) is not None:
        raise InvalidValueError([f"data: {problem}"])


@attrs.frozen
class EventRecord:
    """One event as a writer appends it.

    ``type`` names the event (``"ReportReceived"``); ``data`` is its payload as compact
    JSON text. The journal never interprets ``data``: any string comes back exactly.
    """

    type: str = attrs.field(validator=_check_type)
    data: str = attrs.field(validator=_check_data)


@attrs.frozen
class StoredEvent:
    """One event as a reader gets it back.

    ``position`` counts from 1 and equals the journal's version right after this
    event was appended.
    """

    position: int
    type: str
    data: str


class Journal(Protocol):
    """Where the desk keeps its events. Implementations must behave like the adapters
    here: pass ``tests/integration/test_journal_contract.py``."""

    @property
    def version(self) -> int:
        """How many events the store holds now, re-read from the store, so appends by
        other journal objects and processes count."""
        ...

    def append(self, records: Sequence[EventRecord], *, expected_version: int) -> int:
        """Append ``records`` as one batch, all or nothing, and return the new version.

        The batch is durable when this returns. Raises
        :class:`~lianfang.errors.ConcurrencyError` and writes nothing when the journal
        is not at ``expected_version`` (someone else appended first), and
        :class:`~lianfang.errors.ValidationError` when a record is malformed. An empty
        batch is allowed: it checks the version and returns it.
        """
        ...

    def read(self, *, after: int = 0) -> Iterator[StoredEvent]:
        """The events with ``position > after``, in order, up to the version at the call."""
        ...

    def close(self) -> None:
        """Release the store. Closing twice is harmless; any other use raises JournalError."""
        ...


def _checked_batch(
    records: Sequence[EventRecord], expected_version: int
) -> tuple[EventRecord, ...]:
    """``records`` as a tuple, after checking it and ``expected_version``.

    Raises :class:`ValidationError` listing every problem (``records[2].type: must not
    be empty``) so a bad batch is refused whole, before anything is written. Records
    are re-checked even though :class:`EventRecord` validates itself, because attrs
    validators can be switched off and callers may pass look-alikes.
    """
    problems = []
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        problems.append(f"expected_version: must be an integer, not {expected_version!r}")
    elif expected_version < 0:
        problems.append(f"expected_version: must not be negative, got {expected_version}")
    if isinstance(records, str | bytes | EventRecord) or not isinstance(records, Sequence):
        problems.append(f"records: must be a sequence of EventRecord, not {type(records).__name__}")
        raise ValidationError(problems)
    batch = tuple(records)
    for index, record in enumerate(batch):
        if not isinstance(record, EventRecord):
            problems.append(
                f"records[{index}]: must be an EventRecord, not {type(record).__name__}"
            )
            continue
        if (problem := _type_problem(record.type)) is not None:
            problems.append(f"records[{index}].type: {problem}")
        if (problem := _data_problem(record.data)) is not None:
            problems.append(f"records[{index}].data: {problem}")
    if problems:
        raise ValidationError(problems)
    return batch


def _checked_after(after: int) -> int:
    if isinstance(after, bool) or not isinstance(after, int):
        raise ValidationError([f"after: must be an integer, not {after!r}"])
    if after < 0:
        raise ValidationError([f"after: must not be negative, got {after}"])
    return after


def _closed_error(what: str) -> JournalError:
    return JournalError(f"{what} is closed")


# The adapters import the names above from this package, so they come last.
