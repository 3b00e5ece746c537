"""A day at the desk: reports arrive, some owners miss their deadline, the ladder climbs.

Run it with ``python examples/desk_day.py``; it prints the day's figures and the audit
trail of one escalated incident. The journal is an SQLite file in a temporary folder; a
snapshot taken at midday restores the same state without replaying the morning.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path

import lianfang as lf

directory = lf.sample_directory()
start = dt.datetime(2021, 1, 12, 8, 0, tzinfo=directory.tz)
texts = [
    "菜市场门口有人打架，有人受伤",
    "小区门口有人占道摆摊",
    "楼上装修噪音太大",
    "3号楼有人聚众赌博",
    "请问居住证怎么办理",
    "电瓶车电瓶被偷了",
    "路灯坏了好几天",
]

with tempfile.TemporaryDirectory() as folder:
    journal = lf.SQLiteJournal(Path(folder) / "day.sqlite")
    desk = lf.Desk(directory, journal)
    snapshot_path = Path(folder) / "day.snapshot"
    for n in range(60):
        if n == 30:  # midday: keep a snapshot, so a restart folds only the afternoon
            snapshot_path.write_text(desk.snapshot(), encoding="utf-8")
        community = directory.communities[n % len(directory.communities)]
        report = lf.Report(
            id=f"R-{n + 1:03d}",
            received_at=start + dt.timedelta(minutes=13 * n),
            text=f"{community.name}{texts[n % len(texts)]}",
            channel=lf.Channel.VOLUNTEER if n % 2 else lf.Channel.PHONE_110,
            reporter_id=directory.volunteers[n].id if n % 2 else None,
        )
        incident = desk.receive(report)
        desk.tick(report.received_at)
        if n % 4:  # three owners in four acknowledge within a minute; the fourth forgets
            current = desk.incident(incident.id)
            if current.state is lf.IncidentState.OPEN:
                desk.acknowledge(
                    current.id, by=current.owner_id, at=report.received_at + dt.timedelta(minutes=1)
                )

    evening = start + dt.timedelta(hours=14)
    desk.tick(evening)
    incidents = desk.incidents()
    print("incidents by kind:", dict(Counter(i.kind.value for i in incidents)))
    print("reports linked as duplicates:", sum(i.report_count - 1 for i in incidents))
    print("escalations:", sum(i.escalations for i in incidents))
    print("notifications waiting for the host:", len(desk.outbox()))

    climbed = max(incidents, key=lambda i: i.escalations)
    print(f"\naudit trail of {climbed.id} ({climbed.report.text}):")
    for position, event in desk.history(climbed.id):
        detail = f" -> {event.to_id}" if isinstance(event, lf.IncidentEscalated) else ""
        print(f"  #{position:<4} {event.at:%H:%M} {type(event).__name__:<22} by {event.by}{detail}")
    print("\n" + climbed.decision.explain("en"))

    restored = lf.Desk.restore(directory, journal)
    print("\nrestored from the journal, same state:", restored.incidents() == desk.incidents())
    midday = snapshot_path.read_text(encoding="utf-8")
    resumed = lf.Desk.restore(directory, journal, snapshot=midday)
    print(
        "restored from the midday snapshot + the afternoon's events, same state:",
        resumed.incidents() == desk.incidents() and resumed.outbox() == desk.outbox(),
    )
    journal.close()
