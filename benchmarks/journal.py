"""Journal throughput: appends per second and reads per second for each adapter.

    python benchmarks/journal.py [--events 1000000] [--dir DIR] [--runs 5]

Prints events/s appended to SQLite and JSON lines with 1,000 events per transaction
and with one per transaction (``synchronous="full"``: every append synced to disk),
and events/s read back from a journal of ``--events`` events for the memory, JSON-lines
and SQLite adapters (reading only: the events are not decoded or kept). Each figure is
the median of ``--runs`` timed runs after a warm-up run. The files go to a temporary
folder unless ``--dir`` names one (put it on the disk you care about).
Target: reading well over 500,000 events/s, so that a desk restores >= 200,000 events/s
including its own decoding.
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from lianfang.journal import EventRecord, JSONLinesJournal, MemoryJournal, SQLiteJournal

Journal = MemoryJournal | JSONLinesJournal | SQLiteJournal

TEXTS = ["有人打架，有人流血", "小区门口有人占道摆摊", "楼上装修噪音太大", "路灯坏了好几天"]
TYPES = ["ReportReceived", "IncidentRouted", "IncidentAcknowledged", "IncidentResolved"]


def sample_records(count: int) -> list[EventRecord]:
    """Desk-like events: about 200 bytes of compact JSON each, with Chinese text."""
    records = []
    for n in range(count):
        payload = {
            "incident_id": f"I-2024-{n:06d}",
            "at": f"2024-05-01T{n % 24:02d}:{n % 60:02d}:00+08:00",
            "by": f"O-{n % 97}",
            "category": "600300",
            "community_id": f"C-{n % 311}",
            "text": TEXTS[n % len(TEXTS)],
        }
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        records.append(EventRecord(TYPES[n % len(TYPES)], data))
    return records


def median_rate(events: int, run: Callable[[], None], runs: int) -> float:
    """Events per second: the median over ``runs`` timed calls of ``run``, after a warm-up."""
    run()
    seconds = []
    for _ in range(runs):
        begin = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - begin)
    return events / statistics.median(seconds)


def append_rate(journal: Journal, batch: list[EventRecord], transactions: int, runs: int) -> float:
    def append_some() -> None:
        for _ in range(transactions):
            journal.append(batch, expected_version=journal.version)

    return median_rate(len(batch) * transactions, append_some, runs)


def bench_appends(folder: Path, runs: int) -> None:
    records = sample_records(1000)
    openers: list[tuple[str, Callable[[Path], Journal]]] = [
        ("SQLite", lambda path: SQLiteJournal(path, synchronous="full")),
        ("JSON lines", JSONLinesJournal),
    ]
    print("append, synchronous full (events/s, median)")
    for name, open_journal in openers:
        for per_transaction, transactions in ((1000, 20), (1, 300)):
            path = folder / f"append-{per_transaction}-{name.replace(' ', '')}"
            with open_journal(path) as journal:
                rate = append_rate(journal, records[:per_transaction], transactions, runs)
            label = f"{per_transaction:,} per transaction"
            print(f"  {name:<11} {label:<22} {rate:>12,.0f}")


def filled(journal: Journal, total: int, records: list[EventRecord]) -> Journal:
    batch = 10_000
    version = journal.version
    while version < total:
        size = min(batch, total - version)
        chunk = [records[(version + i) % len(records)] for i in range(size)]
        version = journal.append(chunk, expected_version=version)
    return journal


def consume(events: Iterator[object]) -> None:
    collections.deque(events, maxlen=0)


def read_rate(open_journal: Callable[[], Journal], total: int, runs: int) -> tuple[float, float]:
    """Events/s reading through one open journal, and opening a new one for each read."""
    with open_journal() as journal:
        warm = median_rate(total, lambda: consume(journal.read()), runs)

    def open_and_read() -> None:
        with open_journal() as journal:
            consume(journal.read())

    return warm, median_rate(total, open_and_read, runs)


def bench_reads(folder: Path, total: int, runs: int) -> None:
    records = sample_records(10_000)
    print(f"read {total:,} events (events/s, median)")
    with filled(MemoryJournal(), total, records) as memory:
        rate = median_rate(total, lambda: consume(memory.read()), runs)
    print(f"  {'memory':<11} {'read()':<22} {rate:>12,.0f}")
    files: list[tuple[str, Path, Callable[[Path], Journal]]] = [
        ("JSON lines", folder / "read.jsonl", JSONLinesJournal),
        ("SQLite", folder / "read.sqlite", SQLiteJournal),
    ]
    for name, path, open_journal in files:
        with open_journal(path) as journal:
            filled(journal, total, records)
        rate, reopened = read_rate(functools.partial(open_journal, path), total, runs)
        per_event = path.stat().st_size / total
        print(f"  {name:<11} {'read()':<22} {rate:>12,.0f}")
        print(f"  {name:<11} {'open, then read()':<22} {reopened:>12,.0f}", end="")
        print(f"   ({per_event:.0f} bytes/event on disk)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the read test")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure")
    parser.add_argument(
        "--dir", type=Path, help="folder for the journal files (default: temporary)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        bench_appends(Path(folder), args.runs)
        bench_reads(Path(folder), args.events, args.runs)


if __name__ == "__main__":
    main()
