r"""A journal in a JSON-lines file: one event per line, readable with ``jq`` or an editor.

Each line is one JSON object in UTF-8, ended by ``\n``::

    {"c":"9b1f0c2e","p":7,"e":9,"t":"ReportReceived","d":{"incident_id":"I-1"}}

``p``
    the event's position; line *n* of the file holds position *n*.
``e``
    the position of the last event of the same append. An append is whole once its
    line with ``p == e`` is in the file; that is how a crash in the middle of a batch
    is told apart from a committed batch.
``t``
    the event type, as a JSON string.
``d`` or ``s``
    the data: ``d`` embeds it as it is when it is one JSON text without line breaks
    (what the desk writes), else ``s`` holds it as a JSON string. Either way
    :meth:`JSONLinesJournal.read` gives back exactly the string appended.
``c``
    CRC-32 (8 lowercase hex digits) of the UTF-8 bytes after ``"c":"…",`` up to and
    including the closing ``}``: the compact serialisation of p, e, t and d as written.

**Durable when.** :meth:`~JSONLinesJournal.append` writes every line of the batch
with one ``os.write`` (there is no user-space buffer to flush) and returns only after
``os.fsync`` (``F_FULLFSYNC`` on macOS) has returned, so a returned append survives a
crash of the process, the operating system or the power. A new file's directory entry
is synced when the file is created.

**Several writers.** Appends hold an exclusive ``fcntl.flock`` on the file from the
version check to the end of the sync, so journal objects in any number of processes
(or in one) cannot interleave or lose an update: a stale writer gets
:class:`~lianfang.errors.ConcurrencyError`. Finding the end of the committed events
takes a shared lock; committed bytes never change afterwards, so reading them needs
no lock. Each process opens its own journal object: one inherited through ``fork``
shares its lock with the parent's.

**Crash recovery.** A crash mid-append leaves a torn tail: a last line without its
``\n``, a last line that is not a journal line, or whole lines of a batch whose
``p == e`` line is missing. The journal then reads up to the last whole append and
warns with :class:`~lianfang.journal.JournalRecoveryWarning`; the next append
truncates the torn tail before writing. Damage anywhere else (a checksum mismatch, a
line that does not decode, a position out of order) is never skipped: it raises
:class:`~lianfang.errors.CorruptJournalError` naming the position (the line number).
Opening checks the end of the file; :meth:`~JSONLinesJournal.read` checks every line.

Needs POSIX file locks, so not available on Windows (use the SQLite journal there).
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import re
import sys
import threading
import warnings
import weakref
import zlib
from collections.abc import Iterator, Sequence
from itertools import chain, repeat, starmap
from types import TracebackType
from typing import NamedTuple

from lianfang.errors import ConcurrencyError, CorruptJournalError, JournalError
from lianfang.journal._records import (
    EventRecord,
    JournalRecoveryWarning,
    StoredEvent,
    _checked_after,
    _checked_batch,
    _closed_error,
)

if sys.platform != "win32":
    import fcntl

__all__ = ["JSONLinesJournal"]

_READ_CHUNK = 1 << 17  # bytes decoded at a time while reading (small enough to stay in cache)
_TAIL_BLOCK = 1 << 16  # bytes read at a time while looking backwards for the last whole append
_MARKS_KEPT = 32  # recent (version, offset) pairs, so read(after=recent) need not scan the file
_TYPE_CACHE_LIMIT = 4096

_STRING = rb'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'


def _line_pattern(batch_end: bytes) -> bytes:
    return (
        rb'\{"c":"([0-9a-f]{8})",'
        rb'("p":([1-9][0-9]*),"e":' + batch_end + rb',"t":(' + _STRING + rb"),"
        rb'(?:"d":([^\n]*)|"s":(' + _STRING + rb"))\})"
    )


# One line, every field captured; and every line of a chunk, without the batch end
# (reading has no use for it, and each group captured costs an allocation per line).
_ONE_LINE = re.compile(_line_pattern(rb"([1-9][0-9]*)"))
_LINES = re.compile(rb"^" + _line_pattern(rb"[1-9][0-9]*") + rb"\n", re.MULTILINE)

_encode_string = json.JSONEncoder(ensure_ascii=False).encode


class _Line(NamedTuple):
    position: int
    batch_end: int
    type: str
    data: str


class _BadLine(Exception):
    def __init__(self, detail: str, *, torn_like: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        # True when the bytes are not even JSON, which is what a write cut short looks
        # like; False when they are JSON (or a journal line) but damaged.
        self.torn_like = torn_like


class JSONLinesJournal:
    """A journal in the JSON-lines file at ``path`` (created if missing).

    See the module docstring for the line format, what is durable when, locking and
    crash recovery. Opening a file whose last append was torn by a crash warns with
    :class:`~lianfang.journal.JournalRecoveryWarning`. Safe to share between threads.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = os.fspath(path)
        if sys.platform == "win32":
            raise JournalError("JSONLinesJournal needs POSIX file locks; use SQLiteJournal")
        self._lock = threading.Lock()
        self._end = 0  # byte offset just after the last whole append we know of
        self._version = 0  # events before _end
        self._torn = 0  # bytes after _end left by a crashed append
        self._warned_about: tuple[int, int] | None = None
        self._marks: list[tuple[int, int]] = [(0, 0)]
        try:
            existed = os.path.exists(self._path)
            self._fd = os.open(
                self._path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644
            )
        except OSError as e:
            raise JournalError(f"cannot open journal file {self._path}: {e}") from e
        # Closes the file if the journal is dropped without close().
        self._close_file = weakref.finalize(self, os.close, self._fd)
        try:
            with self._os_errors("open"):
                if not existed:
                    _sync_directory_of(self._path)
                with self._file_lock(fcntl.LOCK_SH):
                    self._catch_up()
        except BaseException:
            self._close_file()
            raise

    @property
    def version(self) -> int:
        """How many events the file holds now, including other writers' appends."""
        with self._lock, self._os_errors("read"):
            self._ensure_open()
            if os.fstat(self._fd).st_size != self._end:
                with self._file_lock(fcntl.LOCK_SH):
                    self._catch_up()
            return self._version

    def append(self, records: Sequence[EventRecord], *, expected_version: int) -> int:
        """Append ``records`` as one batch if the file is at ``expected_version``; return
        the new version once the batch is synced to disk."""
        batch = _checked_batch(records, expected_version)
        new_version = expected_version + len(batch)
        lines = b"".join(
            _encode_line(position, new_version, record)
            for position, record in enumerate(batch, start=expected_version + 1)
        )
        with self._lock, self._os_errors("append to"):
            self._ensure_open()
            with self._file_lock(fcntl.LOCK_EX):
                self._catch_up()
                if self._version != expected_version:
                    raise ConcurrencyError(expected_version, self._version)
                if not batch:
                    return self._version
                if self._torn:
                    os.ftruncate(self._fd, self._end)
                    _sync(self._fd)
                    self._torn = 0
                self._write_batch(lines)
                self._end += len(lines)
                self._version = new_version
                self._remember(new_version, self._end)
        return new_version

    def read(self, *, after: int = 0) -> Iterator[StoredEvent]:
        """The events after position ``after``, in order, up to the version at this call.

        Every line read is checked; a damaged one raises
        :class:`~lianfang.errors.CorruptJournalError` naming its position.
        """
        after = _checked_after(after)
        with self._lock, self._os_errors("read"):
            self._ensure_open()
            with self._file_lock(fcntl.LOCK_SH):
                self._catch_up()
            if after >= self._version:
                return iter(())
            versions = [version for version, _offset in self._marks]
            mark = self._marks[bisect.bisect_right(versions, after) - 1]
            # Chained per chunk, so each event costs no generator step in Python.
            return chain.from_iterable(self._chunks_between(after, self._end, mark))

    def close(self) -> None:
        """Close the file; later use raises JournalError."""
        with self._lock:
            self._fd = -1
            if self._close_file.alive:
                try:
                    self._close_file()
                except OSError as e:
                    raise JournalError(f"cannot close journal file {self._path}: {e}") from e

    def __enter__(self) -> JSONLinesJournal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"JSONLinesJournal({self._path!r})"

    # -- finding the end of the committed events ------------------------------------

    def _catch_up(self) -> None:
        """Move ``_end``/``_version`` to the last whole append in the file.

        The caller holds a file lock, so no append is half-way through: bytes after
        the last whole append were left by a crash.
        """
        size = os.fstat(self._fd).st_size
        if size < self._end:
            raise JournalError(
                f"journal file {self._path} shrank to {size} bytes, below its "
                f"{self._version} committed events; was it edited or replaced?"
            )
        if size > self._end:
            end, version = self._last_whole_append(size)
            if end > self._end:
                self._end, self._version = end, version
                self._remember(version, end)
        self._torn = size - self._end
        if self._torn and self._warned_about != (self._end, size):
            self._warned_about = (self._end, size)
            warnings.warn(
                JournalRecoveryWarning(
                    f"journal file {self._path} ends in a torn write of {self._torn} bytes "
                    f"(a crash during an append that never returned); reading the "
                    f"{self._version} events before it. The next append removes it."
                ),
                stacklevel=3,
            )

    def _last_whole_append(self, size: int) -> tuple[int, int]:
        """(byte offset, version) just after the last whole append between ``_end`` and
        ``size``; raises CorruptJournalError if what lies there is damaged, not torn."""
        start, start_version = self._end, self._version
        unfinished: list[_Line] = []  # lines of a batch whose p == e line is missing, last first
        last_line = True
        for offset, segment in _segments_backward(self._fd, start, size):
            if not segment.endswith(b"\n"):
                continue  # only the final segment can lack its newline: torn
            try:
                line = _parse_line(segment[:-1])
            except _BadLine as bad:
                if bad.torn_like and last_line:
                    last_line = False
                    continue
                position = self._line_number(start, start_version, offset)
                raise CorruptJournalError(position, bad.detail) from None
            last_line = False
            if line.position == line.batch_end:
                if line.position <= start_version:
                    position = self._line_number(start, start_version, offset)
                    raise CorruptJournalError(position, f"repeats position {line.position}")
                _check_unfinished(unfinished, line.position)
                return offset + len(segment), line.position
            if unfinished and (
                line.batch_end != unfinished[-1].batch_end
                or line.position != unfinished[-1].position - 1
            ):
                position = self._line_number(start, start_version, offset)
                raise CorruptJournalError(position, "belongs to no whole append")
            unfinished.append(line)
        _check_unfinished(unfinished, start_version)
        return start, start_version

    def _line_number(self, start: int, start_version: int, offset: int) -> int:
        """The line number (so the position) of the line starting at ``offset``."""
        newlines = 0
        while start < offset:
            block = os.pread(self._fd, min(_READ_CHUNK, offset - start), start)
            if not block:
                break
            newlines += block.count(b"\n")
            start += len(block)
        return start_version + newlines + 1

    def _remember(self, version: int, offset: int) -> None:
        if version > self._marks[-1][0]:
            self._marks.append((version, offset))
            if len(self._marks) > _MARKS_KEPT:
                del self._marks[1]  # keep (0, 0)

    # -- writing and reading --------------------------------------------------------

    def _write_batch(self, lines: bytes) -> None:
        try:
            view = memoryview(lines)
            written = 0
            while written < len(lines):
                written += os.write(self._fd, view[written:])
            _sync(self._fd)
        except BaseException:  # an I/O error, or an interrupt before the sync returned
            # Take back whatever part reached the file: a batch that was reported as
            # failed must not turn up later.
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._end)
                _sync(self._fd)
            raise

    def _chunks_between(
        self, after: int, end: int, mark: tuple[int, int]
    ) -> Iterator[Iterator[StoredEvent]]:
        with self._lock, self._os_errors("read"):
            self._ensure_open()
            # A private descriptor: reading goes on safely if the journal is closed.
            fd = os.dup(self._fd)
        try:
            with self._os_errors("read"):
                mark_version, mark_offset = mark
                offset = _skip_lines(fd, mark_offset, after - mark_version)
                yield from _decoded_chunks(fd, offset, end, after + 1)
        finally:
            os.close(fd)

    # -- plumbing ---------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self._fd < 0:
            raise _closed_error(f"journal file {self._path}")

    @contextlib.contextmanager
    def _file_lock(self, kind: int) -> Iterator[None]:
        fcntl.flock(self._fd, kind)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _os_errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except JournalError:  # already ours (it is an OSError too)
            raise
        except OSError as e:
            raise JournalError(f"cannot {action} journal file {self._path}: {e}") from e


def _encode_line(position: int, batch_end: int, record: EventRecord) -> bytes:
    if _is_one_line_json(record.data):
        data = '"d":' + record.data
    else:
        data = '"s":' + _encode_string(record.data)
    body = f'"p":{position},"e":{batch_end},"t":{_encode_string(record.type)},{data}}}'.encode()
    return b'{"c":"%08x",' % zlib.crc32(body) + body + b"\n"


def _is_one_line_json(text: str) -> bool:
    """Whether ``text`` can be embedded in a line as it is: one strict JSON text, no
    line breaks."""
    if "\n" in text or "\r" in text:
        return False
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return False
    return True


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")  # Python accepts NaN and Infinity; JSON does not


def _parse_line(line: bytes) -> _Line:
    """One line without its newline, checked and decoded; raises _BadLine."""
    match = _ONE_LINE.fullmatch(line)
    if match is None:
        # A write cut short is never valid JSON; JSON of the wrong shape is damage.
        raise _BadLine("not a journal line", torn_like=not _is_json(line))
    stored_crc, body, position, batch_end, type_, raw_data, string_data = match.groups()
    computed_crc = zlib.crc32(body)
    if computed_crc != int(stored_crc, 16):
        raise _BadLine(
            f"checksum mismatch (stored {stored_crc.decode()}, computed {computed_crc:08x})",
            torn_like=False,
        )
    try:
        event_type = json.loads(type_)
        data = raw_data.decode() if raw_data is not None else json.loads(string_data)
    except ValueError as e:
        raise _BadLine(f"cannot be decoded: {e}", torn_like=False) from None
    parsed = _Line(int(position), int(batch_end), event_type, data)
    if parsed.batch_end < parsed.position:
        raise _BadLine(f"its append ends at {parsed.batch_end}, before it", torn_like=False)
    return parsed


def _check_unfinished(unfinished: list[_Line], committed: int) -> None:
    """The lines of a torn batch must follow the last whole append directly."""
    if unfinished and unfinished[-1].position != committed + 1:
        raise CorruptJournalError(
            committed + 1, f"holds position {unfinished[-1].position} after a torn append"
        )


def _decoded_chunks(
    fd: int, offset: int, end: int, position: int
) -> Iterator[Iterator[StoredEvent]]:
    """The events in whole lines from byte ``offset`` to ``end``, the first at
    ``position``, a chunk at a time."""
    types: dict[bytes, str] = {}
    carry = b""
    while offset < end:
        block = os.pread(fd, min(max(_READ_CHUNK, 2 * len(carry)), end - offset), offset)
        if not block:
            raise CorruptJournalError(position, "the file ends before the journal said it does")
        offset += len(block)
        buffer = carry + block if carry else block
        cut = buffer.rfind(b"\n") + 1
        if cut == 0:
            carry = buffer  # a line longer than the chunk: read on
            continue
        carry = buffer[cut:]
        count, events = _decode_chunk(buffer[:cut] if carry else buffer, position, types)
        position += count
        yield events
    if carry:
        raise CorruptJournalError(position, "the line has no end")


def _decode_chunk(
    chunk: bytes, first: int, types: dict[bytes, str]
) -> tuple[int, Iterator[StoredEvent]]:
    """Decode whole lines holding positions ``first``, ``first + 1``, ...

    The checks run over the whole chunk at C speed; only if one fails is the chunk
    gone through line by line to name the damaged position.
    """
    found = _LINES.findall(chunk)
    count = chunk.count(b"\n")
    positions = range(first, first + count)
    if len(found) == count:
        stored_crcs, bodies, stored_positions, type_texts, raw_data, string_data = zip(
            *found, strict=True
        )
        if list(map(zlib.crc32, bodies)) == list(map(int, stored_crcs, repeat(16))) and list(
            map(int, stored_positions)
        ) == list(positions):
            try:
                if len(types) > _TYPE_CACHE_LIMIT:
                    types.clear()
                try:
                    event_types = list(map(types.__getitem__, type_texts))
                except KeyError:  # a type name not seen yet in this read
                    for text in set(type_texts).difference(types):
                        types[text] = json.loads(text)
                    event_types = list(map(types.__getitem__, type_texts))
                if any(string_data):
                    data = [
                        json.loads(string) if string else raw.decode()
                        for raw, string in zip(raw_data, string_data, strict=True)
                    ]
                else:
                    data = list(map(bytes.decode, raw_data))
            except ValueError:
                pass
            else:
                return count, starmap(StoredEvent, zip(positions, event_types, data, strict=True))
    raise _first_damage(chunk, first)


def _first_damage(chunk: bytes, first: int) -> CorruptJournalError:
    """The error naming the first damaged line of ``chunk``."""
    for position, line in enumerate(chunk.split(b"\n")[:-1], start=first):
        try:
            parsed = _parse_line(line)
        except _BadLine as bad:
            return CorruptJournalError(position, bad.detail)
        if parsed.position != position:
            return CorruptJournalError(
                position,
                f"line {position} holds position {parsed.position}: a line is missing, "
                "repeated or moved",
            )
    return CorruptJournalError(first, "cannot be decoded")


def _segments_backward(fd: int, start: int, end: int) -> Iterator[tuple[int, bytes]]:
    """The lines between byte offsets ``start`` and ``end``, last first, as (offset,
    bytes with their newline); the last one may lack it. Reads backwards in blocks."""
    position = end
    pending = b""  # the end part of a line whose start is not read yet
    while position > start:
        size = min(max(_TAIL_BLOCK, len(pending)), position - start)
        position -= size
        data = os.pread(fd, size, position) + pending
        line_end = len(data)
        while (newline := data.rfind(b"\n", 0, line_end - 1)) >= 0:
            yield position + newline + 1, data[newline + 1 : line_end]
            line_end = newline + 1
        pending = data[:line_end]
    if pending:
        yield start, pending


def _skip_lines(fd: int, offset: int, count: int) -> int:
    """The byte offset just after the next ``count`` newlines from ``offset``."""
    while count > 0:
        block = os.pread(fd, _READ_CHUNK, offset)
        if not block:
            raise JournalError("the journal file ends before the position asked for")
        newlines = block.count(b"\n")
        if newlines < count:
            count -= newlines
            offset += len(block)
            continue
        cut = -1
        for _ in range(count):
            cut = block.index(b"\n", cut + 1)
        return offset + cut + 1
    return offset


def _sync(fd: int) -> None:
    full_sync = getattr(fcntl, "F_FULLFSYNC", None)  # macOS: fsync alone leaves the drive cache
    if full_sync is None:
        os.fsync(fd)
    else:
        fcntl.fcntl(fd, full_sync)


def _sync_directory_of(path: str) -> None:
    """Make a new file's directory entry durable, so a synced append cannot vanish with it."""
    directory = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some file systems refuse to sync directories
            os.fsync(directory)
    finally:
        os.close(directory)
