"""Network events in the journal: every type round-trips, and incident readers can skip them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import lianfang as lf
from lianfang import events as ev
from lianfang.journal import StoredEvent
from lianfang.testing import make_directory

CST = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2021, 3, 1, 9, 0, tzinfo=CST)
BULLETIN = ev.Bulletin(
    "B-1",
    ev.BulletinTopic.ROAD_CLOSURE,
    "环岛路封闭",
    "今晚八点起封闭施工",
    T0,
    T0 + dt.timedelta(days=1),
    ev.Audience(zone_ids=("Z-1",), roles=(lf.VolunteerRole.SHOP_OWNER,)),
)
SAMPLES: list[ev.Event | ev.NetworkEvent] = [
    ev.VolunteerApplied(
        T0,
        "V-9",
        "V-9",
        "林小梅",
        lf.VolunteerRole.SHOP_OWNER,
        "C-1",
        lf.Phone("13900000009"),
        "V-1",
        lf.GeoPoint(119.7, 25.4),
    ),
    ev.ScreeningApproved(T0, "V-1", "V-9", ev.ScreeningSide.CADRE),
    ev.ScreeningRejected(T0, "O-2", "V-9", ev.ScreeningSide.LIAISON, "不合适"),
    ev.VolunteerSuspended(T0, "O-2", "V-9", "停职"),
    ev.VolunteerReinstated(T0, "O-2", "V-9", "恢复"),
    ev.VolunteerRetired(T0, "V-9", "V-9"),
    ev.CredentialRecorded(T0, "O-2", "V-9", "security_licence", T0 + dt.timedelta(days=9)),
    ev.BulletinPublished(T0, "O-1", BULLETIN, ("V-1", "V-2")),
    ev.BulletinRead(T0, "V-1", "B-1"),
    ev.BulletinRelayed(T0, "V-1", "B-1", 30, "业主群"),
    ev.BulletinWithdrawn(T0, "O-1", "B-1", "有误"),
    ev.CheckInsStarted(T0, "O-1", ("S-1", "S-2")),
    ev.CheckInRecorded(T0, "V-1", "S-1", ev.CheckInStatus.TO_REPORT, "有情况", "CHK-S-1-1"),
    ev.CheckInReminded(T0, ev.SYSTEM, "S-1", T0, 2, ("O-2",)),
    ev.MessageDelivered(T0, ev.SYSTEM, "N4.0", "V-1", "B-1"),
    ev.MessageFailed(T0, ev.SYSTEM, "N4.1", "timeout"),
    ev.VolunteersAlerted("R-1", T0, "O-2", ("V-1", "V-2"), "寻找走失老人"),
    ev.AlertAccepted("R-1", T0, "V-1", "马上到"),
    ev.AlertDeclined("R-1", T0, "V-2", "在外地"),
]


def test_every_new_event_type_is_registered_and_round_trips() -> None:
    new_types = {type(e) for e in SAMPLES}
    assert new_types <= set(ev.EVENT_TYPES.values())
    network_types = {t for t in ev.EVENT_TYPES.values() if issubclass(t, ev.NetworkEvent)}
    assert network_types <= new_types
    for position, event in enumerate(SAMPLES, start=1):
        record = ev.encode(event)
        back = ev.decode(StoredEvent(position, record.type, record.data))
        assert back == event
        assert isinstance(back, ev.NetworkEvent) != isinstance(back, ev.Event)


def test_a_network_record_that_cannot_be_read_is_corrupt() -> None:
    record = ev.encode(SAMPLES[0])
    with pytest.raises(lf.CorruptJournalError):
        ev.decode(StoredEvent(7, record.type, record.data.replace('"role"', '"rank"')))


def test_a_mixed_journal_on_disk_restores_and_an_incidents_history_leaves_the_network_out(
    tmp_path: Path,
) -> None:
    directory = make_directory()
    journal = lf.JSONLinesJournal(tmp_path / "ops.jsonl")
    desk = lf.Desk(directory, journal)
    incident = desk.receive(
        lf.Report(id="R-1", received_at=T0, text="孩子在公园走丢了", community_id="C-1")
    )
    desk.publish_bulletin(BULLETIN, by="O-1")
    desk.alert_volunteers(incident.id, by=incident.owner_id, at=T0)
    desk.suspend_volunteer("V-2", by="O-1", at=T0, reason="停职")
    history = desk.history(incident.id)
    assert [type(e).__name__ for _, e in history] == [
        "ReportReceived",
        "IncidentRouted",
        "VolunteersAlerted",
    ]
    journal.close()
    with lf.JSONLinesJournal(tmp_path / "ops.jsonl") as reopened:
        again = lf.Desk.restore(directory, reopened)
        assert again.network == desk.network
        assert again.incidents() == desk.incidents()
        assert again.outbox() == desk.outbox()
