"""One contract for every journal adapter, and what the file journals promise besides.

:class:`JournalContract` holds the tests; each ``Test…Journal`` subclass says how to
open its adapter and inherits them all, so memory, JSON-lines and SQLite journals
pass the same tests.
"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Protocol, overload

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianfang.errors import (
    ConcurrencyError,
    CorruptJournalError,
    InvalidValueError,
    JournalError,
    ValidationError,
)
from lianfang.journal import (
    EventRecord,
    JournalRecoveryWarning,
    JSONLinesJournal,
    MemoryJournal,
    SQLiteJournal,
    StoredEvent,
)
from lianfang.journal import Journal as JournalPort


class Journal(JournalPort, Protocol):
    """The port plus the context manager every adapter here provides."""

    def __enter__(self) -> Journal: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


def report(number: int, text: str = "楼下垃圾很多") -> EventRecord:
    data = {"report": f"R-{number}", "text": text}
    return EventRecord(
        "ReportReceived", json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    )


def stored(records: Sequence[EventRecord], first: int = 1) -> list[StoredEvent]:
    return [StoredEvent(p, r.type, r.data) for p, r in enumerate(records, start=first)]


def unchecked_record(type_: object, data: object) -> EventRecord:
    """An EventRecord that skipped its validators, as a careless caller could build."""
    with attrs.validators.disabled():
        return EventRecord(type_, data)  # type: ignore[arg-type]


# Texts that stress a storage format: line breaks, quotes, the JSON-lines field
# markers, NUL, non-BMP and non-ASCII characters, JSON and not-quite-JSON.
TRICKY_DATA = [
    "",
    " ",
    "\n",
    "\r\n",
    "{}",
    " [1, 2] ",
    '{"a":"line\\nbreak"}',
    '{\n  "pretty": true\n}',
    "NaN",
    "Infinity",
    "1e999",
    '"just a string"',
    'not json at all, "c":"00000000"}',
    '{"c":"deadbeef","p":1,"e":1,"t":"x","d":1}',
    "\x00\x01\x1f",
    "\u2028\u2029\x85",
    "联防 🚓 ",
    '{"text":"楼下\\"垃圾\\"很多"}',
    "\\",
    "}",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
data_texts = st.one_of(
    json_values.map(lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))),
    st.text(max_size=30),
    st.sampled_from(TRICKY_DATA),
)
type_names = st.one_of(
    st.sampled_from(["ReportReceived", "IncidentAcknowledged", "Escalated"]),
    st.text(min_size=1, max_size=12).filter(str.strip),
)
records = st.builds(EventRecord, type_names, data_texts)


class JournalContract:
    """What every journal does. Subclasses implement :meth:`open` and set the flags."""

    persistent: ClassVar[bool] = True  # reopening the same path finds the events again
    suffix: ClassVar[str] = ""

    def open(self, path: Path) -> Journal:
        raise NotImplementedError

    @pytest.fixture
    def path(self, tmp_path: Path) -> Path:
        return tmp_path / f"journal{self.suffix}"

    @pytest.fixture
    def journal(self, path: Path) -> Iterator[Journal]:
        with self.open(path) as journal:
            yield journal

    # -- appending and reading ---------------------------------------------------------

    def test_a_new_journal_is_empty_at_version_zero(self, journal: Journal) -> None:
        assert journal.version == 0
        assert list(journal.read()) == []

    def test_appended_events_come_back_in_order_with_positions_counting_from_one(
        self, journal: Journal
    ) -> None:
        first, second = [report(1), report(2)], [report(3)]

        assert journal.append(first, expected_version=0) == 2
        assert journal.append(second, expected_version=2) == 3

        assert journal.version == 3
        assert list(journal.read()) == stored(first + second)

    def test_each_position_equals_the_version_right_after_its_event(self, journal: Journal) -> None:
        versions = [journal.append([report(n)], expected_version=n - 1) for n in range(1, 6)]

        assert [event.position for event in journal.read()] == versions

    @pytest.mark.parametrize(
        ("after", "expected_positions"),
        [(0, [1, 2, 3, 4]), (1, [2, 3, 4]), (3, [4]), (4, []), (99, [])],
    )
    def test_read_after_a_position_gives_only_the_later_events(
        self, journal: Journal, after: int, expected_positions: list[int]
    ) -> None:
        journal.append([report(1), report(2)], expected_version=0)
        journal.append([report(3), report(4)], expected_version=2)

        assert [event.position for event in journal.read(after=after)] == expected_positions

    def test_read_gives_the_events_there_were_when_it_was_called(self, journal: Journal) -> None:
        journal.append([report(1)], expected_version=0)
        events = journal.read()
        journal.append([report(2)], expected_version=1)

        assert list(events) == stored([report(1)])

    def test_data_comes_back_exactly_whatever_text_it_holds(self, journal: Journal) -> None:
        batch = [EventRecord("Odd", text) for text in TRICKY_DATA]
        batch.append(EventRecord('Type "with" \\ quotes\nand a line break', "{}"))

        journal.append(batch, expected_version=0)

        assert list(journal.read()) == stored(batch)

    # -- optimistic concurrency ----------------------------------------------------------

    @pytest.mark.parametrize("stale", [0, 1, 3, 7])
    def test_a_wrong_expected_version_raises_concurrency_error_and_writes_nothing(
        self, journal: Journal, stale: int
    ) -> None:
        journal.append([report(1), report(2)], expected_version=0)

        with pytest.raises(ConcurrencyError) as raised:
            journal.append([report(3)], expected_version=stale)

        assert (raised.value.expected, raised.value.actual) == (stale, 2)
        assert journal.version == 2
        assert list(journal.read()) == stored([report(1), report(2)])

    def test_an_empty_batch_writes_nothing_and_returns_the_version(self, journal: Journal) -> None:
        journal.append([report(1)], expected_version=0)

        assert journal.append([], expected_version=1) == 1
        assert list(journal.read()) == stored([report(1)])

    def test_an_empty_batch_still_checks_the_expected_version(self, journal: Journal) -> None:
        journal.append([report(1)], expected_version=0)

        with pytest.raises(ConcurrencyError):
            journal.append([], expected_version=0)

    # -- all or nothing ----------------------------------------------------------------

    def test_a_batch_with_one_bad_record_writes_none_of_its_records(self, journal: Journal) -> None:
        batch = [report(1), unchecked_record("", "{}"), report(3)]

        with pytest.raises(ValidationError):
            journal.append(batch, expected_version=0)

        assert journal.version == 0
        assert list(journal.read()) == []

    def test_a_batch_that_fails_part_way_through_being_read_writes_nothing(
        self, journal: Journal
    ) -> None:
        journal.append([report(1)], expected_version=0)

        with pytest.raises(RuntimeError, match="source failed"):
            journal.append(FailingBatch([report(2), report(3)]), expected_version=1)

        assert journal.version == 1
        assert journal.append([report(2)], expected_version=1) == 2

    @pytest.mark.parametrize(
        ("bad", "problem"),
        [
            (unchecked_record("", "{}"), "records[1].type: must not be empty"),
            (unchecked_record("   ", "{}"), "records[1].type: must not be empty"),
            (unchecked_record(None, "{}"), "records[1].type: must be a string, not NoneType"),
            (unchecked_record("A", b"{}"), "records[1].data: must be a string of JSON text"),
            (unchecked_record("A", None), "records[1].data: must be a string of JSON text"),
            (unchecked_record("A", {"a": 1}), "records[1].data: must be a string of JSON text"),
            (unchecked_record("A", "\ud800"), "records[1].data: holds a lone surrogate"),
            (unchecked_record("\udfff", "{}"), "records[1].type: holds a lone surrogate"),
            (("A", "{}"), "records[1]: must be an EventRecord, not tuple"),
            (None, "records[1]: must be an EventRecord, not NoneType"),
        ],
    )
    def test_bad_records_are_refused_by_path_and_nothing_is_written(
        self, journal: Journal, bad: Any, problem: str
    ) -> None:
        with pytest.raises(ValidationError) as raised:
            journal.append([report(0), bad], expected_version=0)

        assert any(p.startswith(problem) for p in raised.value.problems), raised.value.problems
        assert journal.version == 0

    def test_every_bad_record_in_a_batch_is_named_at_once(self, journal: Journal) -> None:
        batch = [unchecked_record("", "{}"), report(1), unchecked_record("A", 5)]

        with pytest.raises(ValidationError) as raised:
            journal.append(batch, expected_version=0)

        assert [p.split(":")[0] for p in raised.value.problems] == [
            "records[0].type",
            "records[2].data",
        ]

    @pytest.mark.parametrize("records", ["ReportReceived", report(1), None, 42])
    def test_records_that_are_not_a_sequence_are_refused(
        self, journal: Journal, records: Any
    ) -> None:
        with pytest.raises(ValidationError, match="records: must be a sequence of EventRecord"):
            journal.append(records, expected_version=0)
        assert journal.version == 0

    @pytest.mark.parametrize("expected_version", [-1, True, 1.0, "0", None])
    def test_a_malformed_expected_version_is_refused(
        self, journal: Journal, expected_version: Any
    ) -> None:
        with pytest.raises(ValidationError, match="expected_version"):
            journal.append([report(1)], expected_version=expected_version)
        assert journal.version == 0

    @pytest.mark.parametrize("after", [-1, False, 0.5, "1"])
    def test_a_malformed_after_is_refused(self, journal: Journal, after: Any) -> None:
        with pytest.raises(ValidationError, match="after"):
            journal.read(after=after)

    # -- lifecycle ---------------------------------------------------------------------

    def test_a_closed_journal_refuses_every_use_and_closing_twice_is_harmless(
        self, path: Path
    ) -> None:
        journal = self.open(path)
        journal.close()
        journal.close()

        with pytest.raises(JournalError, match="closed"):
            journal.append([report(1)], expected_version=0)
        with pytest.raises(JournalError, match="closed"):
            _ = journal.version
        with pytest.raises(JournalError, match="closed"):
            list(journal.read())

    def test_leaving_the_with_block_closes_the_journal(self, path: Path) -> None:
        with self.open(path) as journal:
            journal.append([report(1)], expected_version=0)

        with pytest.raises(JournalError):
            _ = journal.version

    # -- persistence and several journal objects on one store --------------------------

    def test_reopening_the_journal_keeps_every_event(self, path: Path) -> None:
        self.skip_unless_persistent()
        batches = [[report(1), report(2)], [report(3)], [report(4), report(5), report(6)]]
        with self.open(path) as journal:
            for batch in batches:
                journal.append(batch, expected_version=journal.version)

        with self.open(path) as reopened:
            assert reopened.version == 6
            assert list(reopened.read()) == stored([r for batch in batches for r in batch])
            assert reopened.append([report(7)], expected_version=6) == 7

        with self.open(path) as again:
            assert [e.position for e in again.read(after=5)] == [6, 7]

    def test_a_second_journal_on_the_same_store_sees_the_first_ones_appends(
        self, path: Path
    ) -> None:
        self.skip_unless_persistent()
        with self.open(path) as first, self.open(path) as second:
            first.append([report(1), report(2)], expected_version=0)

            assert second.version == 2
            assert list(second.read()) == stored([report(1), report(2)])
            assert list(second.read(after=1)) == stored([report(2)], first=2)

    def test_a_stale_writer_gets_concurrency_error_never_a_lost_update(self, path: Path) -> None:
        self.skip_unless_persistent()
        with self.open(path) as first, self.open(path) as second:
            assert (first.version, second.version) == (0, 0)
            first.append([report(1)], expected_version=0)

            with pytest.raises(ConcurrencyError) as raised:
                second.append([report(2)], expected_version=0)
            assert (raised.value.expected, raised.value.actual) == (0, 1)

            assert second.append([report(2)], expected_version=second.version) == 2
            assert list(first.read()) == stored([report(1), report(2)])

    @pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
    def test_writer_processes_racing_on_one_store_lose_no_update(self, path: Path) -> None:
        self.skip_unless_persistent()
        per_writer = 100
        self.open(path).close()  # create the store before the race
        context = multiprocessing.get_context("fork")
        start_together = context.Barrier(2)
        writers = [
            context.Process(
                target=append_one_at_a_time,
                args=(type(self), path, writer, per_writer, start_together),
            )
            for writer in (0, 1)
        ]
        for process in writers:
            process.start()
        for process in writers:
            process.join(timeout=120)
        assert [process.exitcode for process in writers] == [0, 0]

        with self.open(path) as journal:
            events = list(journal.read())
        assert [e.position for e in events] == list(range(1, 2 * per_writer + 1))
        written = sorted((d["writer"], d["n"]) for d in (json.loads(e.data) for e in events))
        assert written == [(w, n) for w in (0, 1) for n in range(per_writer)]

    # -- the property ------------------------------------------------------------------

    # Every subclass runs this one test function; an example saved by one adapter is
    # a fair example for the others, which is what differing_executors warns about.
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
    )
    @given(batches=st.lists(st.lists(records, max_size=6), max_size=6), data=st.data())
    def test_any_batches_read_back_as_their_concatenation(
        self, batches: list[list[EventRecord]], data: st.DataObject
    ) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / f"journal{self.suffix}"
            with self.open(path) as journal:
                version = 0
                for batch in batches:
                    version = journal.append(batch, expected_version=version)
                everything = stored([record for batch in batches for record in batch])

                assert journal.version == version == len(everything)
                assert list(journal.read()) == everything
                after = data.draw(st.integers(0, len(everything) + 1), label="after")
                assert list(journal.read(after=after)) == everything[after:]
            if self.persistent:
                with self.open(path) as reopened:
                    assert list(reopened.read()) == everything

    def skip_unless_persistent(self) -> None:
        if not self.persistent:
            pytest.skip("this journal keeps nothing outside the object")


def append_one_at_a_time(
    contract: type[JournalContract],
    path: Path,
    writer: int,
    count: int,
    start_together: threading.Barrier,
) -> None:
    """Append ``count`` events one per batch, retrying on conflicts.

    Runs in a separate process, racing another one doing the same.
    """
    with contract().open(path) as journal:
        start_together.wait()
        for n in range(count):
            record = EventRecord("Written", json.dumps({"writer": writer, "n": n}))
            while True:
                try:
                    journal.append([record], expected_version=journal.version)
                    break
                except ConcurrencyError:
                    pass


class FailingBatch(Sequence[EventRecord]):
    """A batch whose source breaks after its first record."""

    def __init__(self, records: list[EventRecord]) -> None:
        self._records = records

    @overload
    def __getitem__(self, index: int) -> EventRecord: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[EventRecord]: ...
    def __getitem__(self, index: int | slice) -> EventRecord | Sequence[EventRecord]:
        if isinstance(index, int) and index > 0:
            raise RuntimeError("source failed")
        return self._records[index]

    def __len__(self) -> int:
        return len(self._records)


# -- the adapters ------------------------------------------------------------------------


class TestMemoryJournal(JournalContract):
    persistent = False

    def open(self, path: Path) -> Journal:
        return MemoryJournal()


class TestSQLiteJournal(JournalContract):
    suffix = ".sqlite"

    def open(self, path: Path) -> Journal:
        return SQLiteJournal(path)

    def test_synchronous_normal_keeps_the_same_contract(self, path: Path) -> None:
        with SQLiteJournal(path, synchronous="normal") as journal:
            journal.append([report(1)], expected_version=0)
        with SQLiteJournal(path) as reopened:
            assert list(reopened.read()) == stored([report(1)])

    @pytest.mark.parametrize("synchronous", ["off", "FULL", ""])
    def test_an_unknown_synchronous_setting_is_refused(self, path: Path, synchronous: Any) -> None:
        with pytest.raises(ValidationError, match="synchronous"):
            SQLiteJournal(path, synchronous=synchronous)

    def test_the_database_uses_write_ahead_logging(self, path: Path) -> None:
        with SQLiteJournal(path):
            pass
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    def test_a_database_written_by_a_newer_format_is_refused(self, path: Path) -> None:
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA user_version = 2")

        with pytest.raises(JournalError, match="format 2"):
            SQLiteJournal(path)

    def test_a_file_that_is_not_a_database_raises_journal_error(self, path: Path) -> None:
        path.write_bytes(b"this is not SQLite" * 100)

        with pytest.raises(JournalError):
            SQLiteJournal(path)

    def test_a_missing_row_is_reported_with_its_position(self, path: Path) -> None:
        with SQLiteJournal(path) as journal:
            journal.append([report(n) for n in range(1, 6)], expected_version=0)
        with sqlite3.connect(path) as connection:
            connection.execute("DELETE FROM events WHERE position = 3")

        with SQLiteJournal(path) as journal, pytest.raises(CorruptJournalError) as raised:
            list(journal.read())
        assert raised.value.position == 3


@pytest.mark.skipif(sys.platform == "win32", reason="JSONLinesJournal needs POSIX file locks")
class TestJSONLinesJournal(JournalContract):
    suffix = ".jsonl"

    def open(self, path: Path) -> Journal:
        return JSONLinesJournal(path)

    def write_events(self, path: Path, *batches: list[EventRecord]) -> list[StoredEvent]:
        with JSONLinesJournal(path) as journal:
            for batch in batches:
                journal.append(batch, expected_version=journal.version)
            return list(journal.read())

    def test_each_line_is_a_json_object_with_json_data_embedded_as_it_is(self, path: Path) -> None:
        self.write_events(path, [report(1)], [EventRecord("Note", "free text, not JSON")])

        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

        assert [(line["p"], line["e"], line["t"]) for line in lines] == [
            (1, 1, "ReportReceived"),
            (2, 2, "Note"),
        ]
        assert lines[0]["d"] == json.loads(report(1).data)
        assert lines[1]["s"] == "free text, not JSON"
        assert "楼下垃圾很多" in path.read_text(encoding="utf-8")

    def test_a_torn_last_line_is_skipped_with_a_warning_and_removed_by_the_next_append(
        self, path: Path
    ) -> None:
        committed = self.write_events(path, [report(1), report(2)], [report(3)])
        with path.open("ab") as file:
            file.write(b'{"c":"0badf00d","p":4,"e":4,"t":"Torn')

        with pytest.warns(JournalRecoveryWarning, match="torn write"):
            journal = JSONLinesJournal(path)
        with journal:
            assert journal.version == 3
            assert list(journal.read()) == committed
            assert journal.append([report(4)], expected_version=3) == 4

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with JSONLinesJournal(path) as reopened:
                assert list(reopened.read()) == [*committed, *stored([report(4)], first=4)]
        assert b"Torn" not in path.read_bytes()

    @pytest.mark.parametrize("torn", [b"\x00\x00\x00\x00", b'{"c":"12', b"garbage\n", b"{}x\n"])
    def test_whatever_a_crash_left_after_the_last_line_is_recovered(
        self, path: Path, torn: bytes
    ) -> None:
        committed = self.write_events(path, [report(1)], [report(2)])
        with path.open("ab") as file:
            file.write(torn)

        with pytest.warns(JournalRecoveryWarning):
            journal = JSONLinesJournal(path)
        with journal:
            assert list(journal.read()) == committed
            assert journal.append([report(3)], expected_version=2) == 3
            assert [e.position for e in journal.read()] == [1, 2, 3]

    def test_a_crash_anywhere_inside_an_append_leaves_exactly_the_earlier_appends(
        self, path: Path
    ) -> None:
        committed = self.write_events(path, [report(1), report(2)])
        before = path.read_bytes()
        self.write_events(path, [report(3), EventRecord("Note", "two\nlines"), report(5)])
        after = path.read_bytes()

        for cut in range(len(before), len(after)):
            path.write_bytes(after[:cut])
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with JSONLinesJournal(path) as journal:
                    assert list(journal.read()) == committed, cut
                    assert journal.version == 2
            torn = cut > len(before)
            assert [w.category for w in caught] == [JournalRecoveryWarning] * torn, cut

    def test_the_writer_that_finds_a_torn_tail_truncates_it_before_writing(
        self, path: Path
    ) -> None:
        self.write_events(path, [report(1)])
        with JSONLinesJournal(path) as other:  # opened before the crash
            with path.open("ab") as file:
                file.write(b'{"c":"')
            with pytest.warns(JournalRecoveryWarning), JSONLinesJournal(path) as journal:
                assert journal.append([report(2)], expected_version=1) == 2

            with warnings.catch_warnings():
                warnings.simplefilter("error")  # the torn tail is gone: nothing to warn about
                assert other.append([report(3)], expected_version=2) == 3
                assert [e.position for e in other.read()] == [1, 2, 3]

    def test_a_last_line_that_is_json_but_not_an_event_is_reported_not_dropped(
        self, path: Path
    ) -> None:
        self.write_events(path, [report(1)], [report(2)])
        with path.open("ab") as file:
            file.write(b'{"p":3,"t":"ReportReceived"}\n')

        with pytest.raises(CorruptJournalError, match="not a journal line") as raised:
            JSONLinesJournal(path)
        assert raised.value.position == 3

    def test_a_flipped_bit_anywhere_in_a_middle_line_is_reported_with_its_position(
        self, path: Path
    ) -> None:
        self.write_events(path, *([report(n)] for n in range(1, 6)))
        original = path.read_bytes()
        start = original.index(b"\n") + 1  # line 2, position 2
        end = original.index(b"\n", start) + 1

        for offset in range(start, end):
            for bit in range(8):
                damaged = bytearray(original)
                damaged[offset] ^= 1 << bit
                path.write_bytes(bytes(damaged))
                with (
                    pytest.raises(CorruptJournalError) as raised,
                    JSONLinesJournal(path) as journal,
                ):
                    list(journal.read())
                assert raised.value.position == 2, (offset, bit)

    def test_a_damaged_last_event_is_reported_not_dropped(self, path: Path) -> None:
        self.write_events(path, [report(1)], [report(2, text="abc")])
        path.write_bytes(path.read_bytes().replace(b'"abc"', b'"abd"'))

        with pytest.raises(CorruptJournalError, match="checksum") as raised:
            JSONLinesJournal(path)
        assert raised.value.position == 2

    def test_a_repeated_line_is_reported_where_the_order_breaks(self, path: Path) -> None:
        self.write_events(path, *([report(n)] for n in range(1, 5)))
        lines = path.read_bytes().splitlines(keepends=True)
        path.write_bytes(b"".join([lines[0], lines[1], lines[1], lines[2], lines[3]]))

        with pytest.raises(CorruptJournalError) as raised, JSONLinesJournal(path) as journal:
            list(journal.read())
        assert raised.value.position == 3

    def test_reading_a_large_journal_in_chunks_keeps_every_event(self, path: Path) -> None:
        long_text = "很长的描述" * 60_000  # one event larger than a read chunk
        batches = [[report(n) for n in range(k * 1000, (k + 1) * 1000)] for k in range(8)]
        batches.insert(3, [report(-1, text=long_text)])
        expected = self.write_events(path, *batches)

        with JSONLinesJournal(path) as journal:
            assert list(journal.read()) == expected
            assert list(journal.read(after=4321)) == expected[4321:]
        assert len(expected) == 8001

    def test_a_file_that_shrank_below_its_events_raises_journal_error(self, path: Path) -> None:
        self.write_events(path, [report(1)], [report(2)])
        with JSONLinesJournal(path) as journal:
            path.write_bytes(path.read_bytes()[:10])
            with pytest.raises(JournalError, match="shrank"):
                journal.append([report(3)], expected_version=2)

    def test_a_path_in_a_missing_directory_raises_journal_error(self, tmp_path: Path) -> None:
        with pytest.raises(JournalError):
            JSONLinesJournal(tmp_path / "missing" / "journal.jsonl")


def test_an_event_record_checks_its_fields_when_built() -> None:
    with pytest.raises(InvalidValueError, match="type: must not be empty"):
        EventRecord("", "{}")
    with pytest.raises(InvalidValueError, match="data: must be a string"):
        EventRecord("ReportReceived", b"{}")  # type: ignore[arg-type]
