"""The journal codec: every hot event survives encode → decode, and older records still read."""

from __future__ import annotations

import datetime as dt
import json

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lianfang as lf
from lianfang import codec
from lianfang import events as ev
from lianfang.journal import StoredEvent
from lianfang.testing import directories, reports

CST = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2021, 1, 1, tzinfo=CST)

ids = st.text(min_size=1, max_size=6).filter(str.strip)
instants = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2040, 1, 1),
    timezones=st.sampled_from([dt.UTC, CST, dt.timezone(dt.timedelta(hours=-3, minutes=-30))]),
)
durations = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=30))
outcomes = st.none() | st.builds(
    ev.Outcome,
    st.integers(0, 10_000),
    st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False),
)


def stored(record: lf.EventRecord, position: int = 1) -> StoredEvent:
    return StoredEvent(position, record.type, record.data)


def old_format(event: ev.Event) -> StoredEvent:
    """The record as lianfang wrote it before the compact format: one JSON object."""
    data = json.dumps(codec.converter.unstructure(event), ensure_ascii=False)
    return StoredEvent(1, type(event).__name__, data)


@st.composite
def hot_events(draw: st.DrawFn) -> list[ev.Event]:
    """A routed report's events, as the desk records them, plus every later hot event."""
    directory = draw(directories())
    report = draw(reports(directory))
    decision = lf.Router(directory).route(report)
    if draw(st.booleans()):  # a ladder and deadline no policy would give: odd durations
        decision = attrs.evolve(
            decision,
            ack_within=draw(durations),
            escalation=tuple(
                attrs.evolve(step, after=draw(durations)) for step in decision.escalation
            ),
        )
    at, by = draw(instants), draw(ids)
    incident_id = report.id
    return [
        ev.ReportReceived(incident_id, report.received_at, report.reporter_id or "system", report),
        ev.IncidentRouted(incident_id, report.received_at, ev.SYSTEM, decision),
        ev.IncidentLinked(draw(ids), at, by, report),
        ev.IncidentAcknowledged(incident_id, at, by),
        ev.IncidentEscalated(
            incident_id,
            at,
            ev.SYSTEM,
            draw(ids),
            draw(ids),
            draw(st.integers(0, 5)),
            draw(instants),
        ),
        ev.IncidentResolved(incident_id, at, by, draw(st.text(max_size=20)), draw(outcomes)),
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hot_events())
def test_every_hot_event_reads_back_as_itself_from_its_compact_record(
    events: list[ev.Event],
) -> None:
    for event in events:
        record = ev.encode(event)
        assert record.data.startswith("[")
        back = ev.decode(stored(record))
        assert back == event
        assert type(back) is type(event)
        assert ev.encode(back) == record  # the same instants with the same offsets


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hot_events())
def test_records_written_before_the_compact_format_still_read(events: list[ev.Event]) -> None:
    for event in events:
        assert ev.decode(old_format(event)) == event


def test_a_routed_record_written_by_an_earlier_version_reads() -> None:
    data = (
        '{"incident_id":"R-0","at":"2021-01-01T00:00:00+08:00","by":"system","decision":'
        '{"report_id":"R-0","received_at":"2021-01-01T00:00:00+08:00","kind":"emergency",'
        '"priority":"P1","category":"200100","community_id":"C-01","group_id":"G-1",'
        '"zone_id":"Z-1","assignments":[{"assignee_id":"CC-110","role":"owner",'
        '"due_at":"2021-01-01T00:01:00+08:00"},{"assignee_id":"O-7","role":"notified",'
        '"due_at":null}],"escalation":[{"assignee_id":"O-1","after":"1m"},'
        '{"assignee_id":"CC-110","after":"2m"}],"ack_within":"1m","reasons":'
        '["danger.violence","route.emergency"],"needs_review":false,"reporter_withheld":false,'
        '"evidence":["打架"],"locate_method":"text"}}'
    )
    event = ev.decode(StoredEvent(2, "IncidentRouted", data))
    assert isinstance(event, ev.IncidentRouted)
    assert event.decision.owner_id == "CC-110"
    assert event.decision.escalation[1] == lf.EscalationStep("CC-110", dt.timedelta(minutes=2))
    assert event.decision.due_at == T0 + dt.timedelta(minutes=1)
    assert ev.decode(stored(ev.encode(event))) == event


def test_an_acknowledgement_written_by_an_earlier_version_reads() -> None:
    data = '{"incident_id":"R-0","at":"2021-01-01T00:00:20+08:00","by":"O-1"}'
    event = ev.decode(StoredEvent(3, "IncidentAcknowledged", data))
    assert event == ev.IncidentAcknowledged("R-0", T0 + dt.timedelta(seconds=20), "O-1")


@pytest.mark.parametrize(
    ("type_", "data"),
    [
        ("IncidentAcknowledged", '[1,"R-1","2021-01-01T00:00:00+08:00"]'),  # a field short
        ("IncidentAcknowledged", '[2,"R-1","2021-01-01T00:00:00+08:00","O-1"]'),  # unknown version
        ("IncidentAcknowledged", '[1,"R-1","2021-01-01T00:00:00","O-1"]'),  # no UTC offset
        ("IncidentAcknowledged", '[1,"R-1","2021-01-01T00:00:00+08:00",7]'),  # a number as id
        ("IncidentAcknowledged", '[1,"R-1","2021-01-01T00:00:00+08:00","O-1"] x'),  # trailing
        ("IncidentResolved", '[1,"R-1","2021-01-01T00:00:00+08:00","O-1","ok",[1]]'),
        ("IncidentEscalated", '[1,"R-1","2021-01-01T00:00:00+08:00","system","a","b",1.5,null]'),
        ("ReportReceived", '[1,"R-1","2021-01-01T00:00:00+08:00","system"]'),
    ],
)
def test_a_damaged_compact_record_is_reported_as_corrupt_at_its_position(
    type_: str, data: str
) -> None:
    with pytest.raises(lf.CorruptJournalError) as caught:
        ev.decode(StoredEvent(9, type_, data))
    assert caught.value.position == 9


def test_other_events_keep_their_json_object_records() -> None:
    event = ev.FeedbackRecorded("R-1", T0, "V-1", 5, "很好")
    record = ev.encode(event)
    assert json.loads(record.data)["satisfaction"] == 5
    assert ev.decode(stored(record)) == event


def test_a_desk_restores_a_journal_mixing_old_and_compact_records() -> None:
    directory = lf.sample_directory()
    report = lf.Report("R-1", T0, "有人打架，有人流血", reporter_id=directory.volunteers[0].id)
    writer = lf.Desk(directory)
    incident = writer.receive(report)
    writer.acknowledge(incident.id, by=incident.owner_id, at=T0 + dt.timedelta(minutes=1))
    old = lf.MemoryJournal()
    for position, event in writer.history(incident.id):
        record = old_format(event) if position % 2 else stored(ev.encode(event))
        old.append([lf.EventRecord(record.type, record.data)], expected_version=position - 1)
    restored = lf.Desk.restore(directory, old)
    assert restored.incidents() == writer.incidents()
    assert restored.outbox() == writer.outbox()
    assert restored.load() == writer.load()
