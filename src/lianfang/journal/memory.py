"""A journal held in the process: for tests, demos and desks that need no history."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from types import TracebackType

from lianfang.errors import ConcurrencyError
from lianfang.journal._records import (
    EventRecord,
    StoredEvent,
    _checked_after,
    _checked_batch,
    _closed_error,
)

__all__ = ["MemoryJournal"]


class MemoryJournal:
    """A journal in a list, with the same rules as the file journals.

    A stale ``expected_version`` raises :class:`~lianfang.errors.ConcurrencyError`,
    bad records raise :class:`~lianfang.errors.ValidationError`, and a failed append
    changes nothing, so code tested against it behaves the same on disk. Safe to share
    between threads. Everything is lost when the object goes.
    """

    def __init__(self) -> None:
        self._events: list[StoredEvent] = []
        self._lock = threading.Lock()
        self._closed = False

    @property
    def version(self) -> int:
        """How many events the journal holds."""
        with self._lock:
            self._ensure_open()
            return len(self._events)

    def append(self, records: Sequence[EventRecord], *, expected_version: int) -> int:
        """Append ``records`` as one batch if the journal is at ``expected_version``;
        return the new version."""
        batch = _checked_batch(records, expected_version)
        with self._lock:
            self._ensure_open()
            actual = len(self._events)
            if actual != expected_version:
                raise ConcurrencyError(expected_version, actual)
            self._events.extend(
                StoredEvent(position, record.type, record.data)
                for position, record in enumerate(batch, start=actual + 1)
            )
            return len(self._events)

    def read(self, *, after: int = 0) -> Iterator[StoredEvent]:
        """The events after position ``after``, in order, as they are at this call."""
        after = _checked_after(after)
        with self._lock:
            self._ensure_open()
            return iter(self._events[after:])

    def close(self) -> None:
        """Drop the events; later use raises JournalError."""
        with self._lock:
            self._closed = True
            self._events = []

    def __enter__(self) -> MemoryJournal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MemoryJournal(<{len(self._events)} events>)"

    def _ensure_open(self) -> None:
        if self._closed:
            raise _closed_error("this MemoryJournal")
