"""A journal in an SQLite database (stdlib ``sqlite3``): the embedded default.

One table, ``events(position INTEGER PRIMARY KEY, type TEXT, data TEXT)``, in WAL
mode. An append runs in ``BEGIN IMMEDIATE``, which takes the database's write lock
before the version check, so the check and the insert are one atomic step for every
connection and process using the file; a writer that finds the lock held waits up to
``busy_timeout`` seconds. Each process opens its own journal object (SQLite
connections must not cross a ``fork``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from itertools import chain, starmap
from types import TracebackType
from typing import Literal

from lianfang.errors import ConcurrencyError, CorruptJournalError, JournalError, ValidationError
from lianfang.journal._records import (
    EventRecord,
    StoredEvent,
    _checked_after,
    _checked_batch,
    _closed_error,
)

__all__ = ["SQLiteJournal"]

_FORMAT = 1  # stored in PRAGMA user_version; a newer file is refused, not misread
_READ_CHUNK = 1000  # rows fetched per query while reading; no statement stays open between

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    data TEXT NOT NULL
)
"""
_VERSION = "SELECT coalesce(max(position), 0) FROM events"
_INSERT = "INSERT INTO events (position, type, data) VALUES (?, ?, ?)"
_SELECT = (
    "SELECT position, type, data FROM events"
    " WHERE position > ? AND position <= ? ORDER BY position LIMIT ?"
)


class SQLiteJournal:
    """A journal in the SQLite database at ``path`` (created if missing).

    ``synchronous`` chooses what "durable" means when :meth:`append` returns:

    - ``"full"`` (default): the commit is synced to disk, so it survives a crash of the
      process, the operating system or the power;
    - ``"normal"``: it survives a crash of the process; an operating-system crash or a
      power cut may lose the last few appends (never part of one), in exchange for
      much faster small appends.

    Several journal objects and processes may use one file; see the module docstring.
    Safe to share between threads.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: Literal["full", "normal"] = "full",
        busy_timeout: float = 10.0,
    ) -> None:
        if synchronous not in ("full", "normal"):
            raise ValidationError([f"synchronous: must be 'full' or 'normal', not {synchronous!r}"])
        if isinstance(busy_timeout, bool) or not isinstance(busy_timeout, int | float):
            raise ValidationError(
                [f"busy_timeout: must be a number of seconds, not {busy_timeout!r}"]
            )
        if not busy_timeout >= 0:
            raise ValidationError([f"busy_timeout: must not be negative, got {busy_timeout}"])
        self._path = os.fspath(path)
        self._lock = threading.Lock()
        try:
            # isolation_level=None: no implicit transactions; append runs its own.
            connection = sqlite3.connect(
                self._path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as e:
            raise JournalError(f"cannot open SQLite journal {self._path}: {e}") from e
        try:
            self._prepare(connection, synchronous)
        except BaseException as e:
            connection.close()
            if isinstance(e, sqlite3.Error):
                raise JournalError(f"cannot open SQLite journal {self._path}: {e}") from e
            raise
        self._connection: sqlite3.Connection | None = connection

    @property
    def version(self) -> int:
        """How many events the database holds now, including other writers' appends."""
        with self._lock:
            connection = self._open_connection()
            try:
                return int(connection.execute(_VERSION).fetchone()[0])
            except sqlite3.Error as e:
                raise self._error("read the version of", e) from e

    def append(self, records: Sequence[EventRecord], *, expected_version: int) -> int:
        """Append ``records`` in one transaction if the journal is at ``expected_version``;
        return the new version. Durable on return as ``synchronous`` says."""
        batch = _checked_batch(records, expected_version)
        with self._lock:
            connection = self._open_connection()
            try:
                if not batch:
                    actual = int(connection.execute(_VERSION).fetchone()[0])
                    if actual != expected_version:
                        raise ConcurrencyError(expected_version, actual)
                    return actual
                connection.execute("BEGIN IMMEDIATE")
                try:
                    actual = int(connection.execute(_VERSION).fetchone()[0])
                    if actual != expected_version:
                        raise ConcurrencyError(expected_version, actual)
                    connection.executemany(
                        _INSERT,
                        [
                            (position, record.type, record.data)
                            for position, record in enumerate(batch, start=actual + 1)
                        ],
                    )
                    connection.execute("COMMIT")
                except BaseException:
                    if connection.in_transaction:
                        with contextlib.suppress(sqlite3.Error):
                            connection.execute("ROLLBACK")
                    raise
            except sqlite3.Error as e:
                raise self._error("append to", e) from e
            return actual + len(batch)

    def read(self, *, after: int = 0) -> Iterator[StoredEvent]:
        """The events after position ``after``, in order, up to the version at this call.

        Rows are fetched in chunks by position, so no read transaction stays open while
        the caller works through them and writers are never held up.
        """
        after = _checked_after(after)
        upto = self.version
        # Chained per chunk, so each event costs no generator step in Python.
        return chain.from_iterable(self._chunks_between(after, upto))

    def close(self) -> None:
        """Close the database connection; later use raises JournalError."""
        with self._lock:
            connection, self._connection = self._connection, None
            if connection is not None:
                try:
                    connection.close()
                except sqlite3.Error as e:
                    raise self._error("close", e) from e

    def __enter__(self) -> SQLiteJournal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteJournal({self._path!r})"

    def _prepare(self, connection: sqlite3.Connection, synchronous: str) -> None:
        mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise JournalError(f"cannot use WAL mode for SQLite journal {self._path} (got {mode})")
        connection.execute(f"PRAGMA synchronous={synchronous.upper()}")
        connection.execute("BEGIN IMMEDIATE")
        try:
            found = int(connection.execute("PRAGMA user_version").fetchone()[0])
            if found not in (0, _FORMAT):
                raise JournalError(
                    f"SQLite journal {self._path} has format {found}; this lianfang reads "
                    f"format {_FORMAT} (was it written by a newer version?)"
                )
            connection.execute(_SCHEMA)
            connection.execute(f"PRAGMA user_version={_FORMAT}")
            connection.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise

    def _chunks_between(self, after: int, upto: int) -> Iterator[Iterator[StoredEvent]]:
        while after < upto:
            with self._lock:
                connection = self._open_connection()
                try:
                    rows = connection.execute(_SELECT, (after, upto, _READ_CHUNK)).fetchall()
                except sqlite3.Error as e:
                    raise self._error("read", e) from e
            # Positions are consecutive by construction; a gap means the table was edited.
            if not rows or rows[0][0] != after + 1 or rows[-1][0] != after + len(rows):
                raise CorruptJournalError(_first_gap(rows, after), f"missing from {self._path}")
            yield starmap(StoredEvent, rows)
            after = rows[-1][0]

    def _open_connection(self) -> sqlite3.Connection:
        if self._connection is None:
            raise _closed_error(f"SQLite journal {self._path}")
        return self._connection

    def _error(self, action: str, error: sqlite3.Error) -> JournalError:
        return JournalError(f"cannot {action} SQLite journal {self._path}: {error}")


def _first_gap(rows: list[tuple[int, str, str]], after: int) -> int:
    """The first position after ``after`` that ``rows`` (sorted by position) lacks."""
    for expected, (position, _type, _data) in enumerate(rows, start=after + 1):
        if position != expected:
            return expected
    return after + len(rows) + 1
