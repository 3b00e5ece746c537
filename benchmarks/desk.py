"""Desk throughput: journal appends, receive() through SQLite, restore of a large journal.

    python benchmarks/desk.py [--reports 100000] [--restore-events 1000000]

Prints events/s appended to SQLite (batched and one per transaction), reports/s through
``Desk.receive_many`` (batches of 1,000) and ``Desk.receive`` (one transaction each), and
the time and events/s to restore a journal of ``--restore-events`` events: by a full
replay, and from a snapshot taken nine tenths of the way plus the events after it. A
replay keeps closed incidents sealed until they are read (see docs/desk.md), so it also
prints what listing every incident costs the first time after a restore.
Targets (issue 4): receive >= 20,000 reports/s batched; restore >= 200,000 events/s.
The journal it restores is written with today's record format (compact arrays for the
hot incident events; see docs/desk.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import lianfang as lf
from lianfang.events import encode

TEXTS = [
    "有人打架，有人流血",
    "小区门口有人占道摆摊",
    "楼上装修噪音太大",
    "3号楼有人聚众赌博",
    "请问身份证怎么补办",
    "电瓶车电瓶被偷了",
    "路灯坏了好几天",
    "开锁，钥匙锁家里了",
]


def make_reports(
    directory: lf.Directory, count: int, prefix: str = "R", *, first: int = 0
) -> list[lf.Report]:
    """``count`` reports numbered from ``first``, 37 s apart from 1 January 2021."""
    start = dt.datetime(2021, 1, 1, tzinfo=directory.tz)
    communities = directory.communities
    reports = []
    for n in range(first, first + count):
        community = communities[(n * 7919) % len(communities)]
        reports.append(
            lf.Report(
                id=f"{prefix}-{n}",
                received_at=start + dt.timedelta(seconds=37 * n),
                text=f"{community.name}{TEXTS[n % len(TEXTS)]}",
                channel=lf.Channel.VOLUNTEER,
                reporter_id=directory.volunteers[n % len(directory.volunteers)].id,
            )
        )
    return reports


def bench_appends(folder: Path) -> None:
    record = lf.EventRecord("Bench", '{"x":1}')
    for label, per_tx, total in (
        ("1,000 per transaction", 1000, 200_000),
        ("1 per transaction", 1, 3_000),
    ):
        with lf.SQLiteJournal(folder / f"append-{per_tx}.sqlite") as journal:
            batch = [record] * per_tx
            begin = time.perf_counter()
            version = 0
            while version < total:
                version = journal.append(batch, expected_version=version)
            elapsed = time.perf_counter() - begin
        print(f"SQLite append, {label:<22}: {total / elapsed:>12,.0f} events/s")


def bench_receive(directory: lf.Directory, folder: Path, count: int) -> None:
    reports = make_reports(directory, count)
    router = lf.Router(directory)
    rates = []
    for run in range(3):
        with lf.SQLiteJournal(folder / f"receive-{run}.sqlite") as journal:
            desk = lf.Desk(directory, journal, router=router)
            begin = time.perf_counter()
            for i in range(0, count, 1000):
                desk.receive_many(reports[i : i + 1000])
            rates.append(count / (time.perf_counter() - begin))
            events = journal.version
    print(
        f"Desk.receive_many, {count:,} reports via SQLite: "
        f"{statistics.median(rates):>10,.0f} reports/s "
        f"(median of {len(rates)}; {events:,} events, duplicates linked)"
    )
    single = reports[:2000]
    with lf.SQLiteJournal(folder / "receive-single.sqlite") as journal:
        desk = lf.Desk(directory, journal, router=router)
        begin = time.perf_counter()
        for report in single:
            desk.receive(report)
        rate = len(single) / (time.perf_counter() - begin)
    print(f"Desk.receive, one transaction each:        {rate:>10,.0f} reports/s")


def build_journal(directory: lf.Directory, path: Path, events: int, *, first: int = 0) -> int:
    """Append received, routed, acknowledged and resolved incidents (4 events each) to the
    journal at ``path``, numbering reports from ``first``; returns its version."""
    router = lf.Router(directory)
    journal = lf.SQLiteJournal(path, synchronous="normal")
    version = journal.version
    batch: list[lf.EventRecord] = []
    reports = make_reports(directory, events // 4, prefix="J", first=first)
    for report in reports:
        decision = router.route(report)
        owner = decision.owner_id
        t = report.received_at
        batch += [
            encode(lf.ReportReceived(report.id, t, report.reporter_id or "system", report)),
            encode(lf.IncidentRouted(report.id, t, "system", decision)),
            encode(lf.IncidentAcknowledged(report.id, t + dt.timedelta(seconds=20), owner)),
            encode(lf.IncidentResolved(report.id, t + dt.timedelta(minutes=40), owner, "已处理")),
        ]
        if len(batch) >= 20_000:
            version = journal.append(batch, expected_version=version)
            batch = []
    if batch:
        version = journal.append(batch, expected_version=version)
    journal.close()
    return version


def timed_restore(directory: lf.Directory, path: Path, snapshot: str | None = None) -> float:
    """The median of three restores, in seconds, each into a process holding no other desk
    (as a host restarting has)."""
    times = []
    for _ in range(3):
        gc.collect()
        with lf.SQLiteJournal(path) as journal:
            begin = time.perf_counter()
            desk = lf.Desk.restore(directory, journal, snapshot=snapshot)
            times.append(time.perf_counter() - begin)
            assert desk.version == journal.version
        del desk
    return statistics.median(times)


def timed_first_reading(directory: lf.Directory, path: Path) -> tuple[float, int]:
    """Seconds to list every incident of a freshly restored desk (which reads the ones the
    replay kept sealed), and how many there are."""
    gc.collect()
    with lf.SQLiteJournal(path) as journal:
        desk = lf.Desk.restore(directory, journal)
        begin = time.perf_counter()
        count = len(desk.incidents())
        return time.perf_counter() - begin, count


def bench_restore(directory: lf.Directory, folder: Path, events: int) -> None:
    path = folder / "restore.sqlite"
    print(f"building a journal of {events:,} events …", file=sys.stderr)
    # A snapshot nine tenths of the way, as a host taking one nightly has when it crashes;
    # and one at the very end, as a host taking one when it shuts down has on restarting.
    kept = events * 9 // 10 // 4 * 4
    build_journal(directory, path, kept)
    early, _ = take_snapshot(directory, path)
    total = build_journal(directory, path, events - kept, first=kept // 4)
    late, taking = take_snapshot(directory, path)

    full = timed_restore(directory, path)
    print(
        f"Desk.restore, {total:,} events, full replay: {full:.2f} s = {total / full:,.0f} events/s"
    )
    reading, count = timed_first_reading(directory, path)
    print(
        f"  then listing all {count:,} incidents the first time (reads the sealed ones): "
        f"{reading:.2f} s; restore and read together: {total / (full + reading):,.0f} events/s"
    )
    print(
        f"Desk.snapshot of it, freshly restored: {taking:.2f} s, "
        f"{len(late.encode()) / 2**20:,.0f} MiB of text"
    )
    for snapshot, label in (
        (late, "a snapshot taken at the end"),
        (early, f"a snapshot taken after {kept:,} events + the {total - kept:,} after it"),
    ):
        seconds = timed_restore(directory, path, snapshot)
        print(
            f"Desk.restore from {label}: {seconds:.2f} s = {total / seconds:,.0f} events/s restored"
        )
    tracemalloc.start()
    with lf.SQLiteJournal(path) as journal:
        desk = lf.Desk.restore(directory, journal)
        current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    incidents = len(desk.incidents())
    print(
        f"  memory held by the restored desk: {current / 2**20:,.0f} MiB "
        f"({incidents:,} incidents, {current / max(incidents, 1) / 1024:.1f} KiB each)"
    )


def take_snapshot(directory: lf.Directory, path: Path) -> tuple[str, float]:
    """A snapshot of the journal at ``path`` as it stands, and the seconds taking it took."""
    with lf.SQLiteJournal(path) as journal:
        desk = lf.Desk.restore(directory, journal)
        begin = time.perf_counter()
        snapshot = desk.snapshot()
        return snapshot, time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--restore-events", type=int, default=1_000_000)
    args = parser.parse_args()
    directory = lf.sample_directory()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        bench_appends(folder)
        bench_receive(directory, folder, args.reports)
        bench_restore(directory, folder, args.restore_events)


if __name__ == "__main__":
    main()
