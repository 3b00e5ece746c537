"""Closed incidents a replay keeps sealed: the same state as folding every event, sooner."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lianfang as lf
from lianfang.events import decode
from lianfang.journal import StoredEvent
from lianfang.sealed import SealedIncident
from lianfang.testing import assert_same_desk_state, make_directory

CST = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2021, 1, 12, 10, 0, tzinfo=CST)
MIN = dt.timedelta(minutes=1)
DIRECTORY = make_directory()
TEXTS = ["有人打架，有人流血", "路灯坏了", "3号楼有人聚众赌博", "小区门口有人占道摆摊"]


def _live_desk(steps: list[tuple[str, int]], *, first_id: str = "R-") -> lf.Desk:
    """A desk that received one report per step and then, per step: left it open
    ("open"), acknowledged it ("ack"), resolved it ("resolve"), acknowledged and
    resolved it ("both"), or resolved it and recorded the reporter's feedback
    ("feedback"); ``n`` picks the text and community."""
    desk = lf.Desk(DIRECTORY)
    at = T0
    for k, (action, n) in enumerate(steps):
        at += MIN
        report = lf.Report(
            id=f"{first_id}{k}",
            received_at=at,
            text=TEXTS[n % len(TEXTS)],
            channel=lf.Channel.VOLUNTEER,
            reporter_id="V-1",
            community_id=f"C-{n % 4 + 1}",
        )
        incident = desk.receive(report)
        if incident.report.id != report.id or not incident.is_open:
            continue  # linked to an earlier one
        owner = incident.owner_id
        if action in ("ack", "both"):
            desk.acknowledge(incident.id, by=owner, at=at + MIN / 2)
        if action in ("resolve", "both", "feedback"):
            desk.resolve(incident.id, by=owner, at=at + MIN / 2, outcome="已处理")
        if action == "feedback":
            desk.record_feedback(incident.id, satisfaction=4, by="CC-110", at=at + MIN)
    return desk


def _eager(journal: lf.Journal) -> lf.Desk:
    """A desk that folded every record of ``journal`` one by one, as live commands do."""
    desk = lf.Desk(DIRECTORY)
    for stored in journal.read():
        desk._state.apply(stored.position, decode(stored))
    return desk


def _sealed_ids(desk: lf.Desk) -> set[str]:
    return {k for k, v in desk._state.incidents.items() if isinstance(v, SealedIncident)}


ACTIONS = st.sampled_from(["open", "ack", "resolve", "both", "feedback"])
STEPS = st.lists(st.tuples(ACTIONS, st.integers(0, 7)), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(steps=STEPS, data=st.data())
def test_a_journal_replayed_in_any_pieces_gives_the_state_of_folding_every_event(
    steps: list[tuple[str, int]], data: st.DataObject
) -> None:
    live = _live_desk(steps)
    records = list(live.journal.read())
    # Pieces may end anywhere: between a report's received and routed records too.
    cuts = sorted(data.draw(st.sets(st.integers(1, len(records)), max_size=4)))
    partial = lf.MemoryJournal()
    follower = lf.Desk(DIRECTORY, partial)
    start = 0
    for cut in [*cuts, len(records)]:
        partial.append(
            [lf.EventRecord(r.type, r.data) for r in records[start:cut]], expected_version=start
        )
        start = cut
        follower.refresh()
        # Some incidents read between pieces, in any order; the rest stay sealed.
        ids = [i.id for i in live.incidents()]
        for incident_id in data.draw(st.lists(st.sampled_from(ids), unique=True, max_size=3)):
            if incident_id in follower._state.incidents:
                follower.incident(incident_id)
    assert follower.open_incidents() == live.open_incidents()
    assert_same_desk_state(follower, _eager(live.journal))
    assert_same_desk_state(follower, live)


def test_a_restored_desk_keeps_closed_incidents_sealed_until_they_are_read() -> None:
    live = _live_desk([("both", 0), ("open", 1), ("resolve", 2), ("ack", 3), ("feedback", 1)])
    closed = {i.id for i in live.incidents() if not i.is_open}
    again = lf.Desk.restore(DIRECTORY, live.journal)
    # Feedback is not glanced: that incident was read in full.
    assert _sealed_ids(again) == closed - {"R-4"}
    assert again.open_incidents() == live.open_incidents()
    assert _sealed_ids(again) == closed - {"R-4"}  # listing the open ones reads nothing

    assert again.incident("R-0") == live.incident("R-0")
    assert _sealed_ids(again) == {"R-2"}
    assert again.incidents() == live.incidents()  # in the order they were opened
    assert _sealed_ids(again) == set()


def test_a_sealed_incident_takes_later_commands_like_any_other() -> None:
    live = _live_desk([("both", 0), ("resolve", 1)])
    again = lf.Desk.restore(DIRECTORY, live.journal)
    assert again.due_for_callback() == live.due_for_callback()
    assert [i.id for i in again.due_for_callback()] == ["R-0", "R-1"]

    restored = lf.Desk.restore(DIRECTORY, _copy(live))
    for desk in (live, restored):
        desk.record_feedback("R-1", satisfaction=5, by="CC-110", at=T0 + 10 * MIN)
    assert_same_desk_state(restored, live)
    assert [i.id for i in restored.due_for_callback()] == ["R-0"]
    assert restored.history("R-1") == live.history("R-1")


def test_a_restored_desk_takes_the_same_snapshot_as_the_live_one() -> None:
    live = _live_desk([("both", 0), ("open", 1), ("resolve", 2), ("feedback", 3)])
    again = lf.Desk.restore(DIRECTORY, live.journal)
    assert again.snapshot() == live.snapshot()


def _copy(live: lf.Desk, position: int = 0, damage: object = None) -> lf.MemoryJournal:
    """A copy of ``live``'s journal, its compact record at ``position`` (if any) with its
    fields changed by ``damage`` (a function of the field list)."""
    copy = lf.MemoryJournal()
    records = []
    for stored in live.journal.read():
        data = stored.data
        if stored.position == position:
            fields = json.loads(data)
            damage(fields)  # type: ignore[operator]
            data = json.dumps(fields, ensure_ascii=False)
        records.append(lf.EventRecord(stored.type, data))
    copy.append(records, expected_version=0)
    return copy


def _set(index: int, value: object) -> object:
    return lambda fields: fields.__setitem__(index, value)


def test_damage_in_a_sealed_record_is_found_when_its_incident_is_read() -> None:
    live = _live_desk([("both", 0), ("both", 1)])
    routed = next(s for s in live.journal.read() if s.type == "IncidentRouted")
    # The decision's kind: a field the replay does not need, so it is read with the incident.
    journal = _copy(live, routed.position, _set(6, "no such kind"))

    again = lf.Desk.restore(DIRECTORY, journal)
    assert again.incident("R-1") == live.incident("R-1")
    with pytest.raises(lf.CorruptJournalError) as caught:
        again.incident("R-0")
    assert caught.value.position == routed.position
    with pytest.raises(lf.CorruptJournalError):
        again.incidents()


@pytest.mark.parametrize(
    ("type_", "index", "value"),
    [
        ("ReportReceived", 1, 7),  # the incident id: a number
        ("ReportReceived", 5, "yesterday"),  # the report's time
        ("IncidentRouted", 12, [["O-1", "no such role", None]]),  # whom it tells
        ("IncidentResolved", 1, 7),
    ],
)
def test_damage_in_a_field_the_replay_needs_is_found_by_the_restore(
    type_: str, index: int, value: object
) -> None:
    live = _live_desk([("both", 0)])
    position = next(s.position for s in live.journal.read() if s.type == type_)
    journal = _copy(live, position, _set(index, value))
    with pytest.raises(lf.CorruptJournalError) as caught:
        lf.Desk.restore(DIRECTORY, journal)
    assert caught.value.position == position


def test_ids_that_json_escapes_are_read_like_any_other() -> None:
    live = _live_desk([("both", 0), ("resolve", 1), ("ack", 2)], first_id='R-"\\')
    again = lf.Desk.restore(DIRECTORY, live.journal)
    assert_same_desk_state(again, live)


def test_sealed_records_come_back_exactly() -> None:
    live = _live_desk([("both", 0), ("resolve", 1)])
    stored = list(live.journal.read())
    again = lf.Desk.restore(DIRECTORY, live.journal)
    for incident_id in ("R-0", "R-1"):
        sealed = again._state.incidents[incident_id]
        assert isinstance(sealed, SealedIncident)
        mine = [s for s in stored if json.loads(s.data)[1] == incident_id]
        assert sealed.records == [StoredEvent(s.position, s.type, s.data) for s in mine]


def test_records_the_desk_would_not_write_are_folded_in_full() -> None:
    # A second acknowledgement (a journal written by other means): folded like any record.
    live = _live_desk([("ack", 1)])  # a street light: not the command center's
    incident = live.incident("R-0")
    journal = _copy(live)
    later = [
        lf.IncidentAcknowledged("R-0", T0 + 5 * MIN, "CC-110"),
        lf.IncidentResolved("R-0", T0 + 6 * MIN, "CC-110", "已处理"),
    ]
    journal.append([lf.events.encode(e) for e in later], expected_version=journal.version)
    again = lf.Desk.restore(DIRECTORY, journal)
    assert_same_desk_state(again, _eager(journal))
    assert again.incident("R-0").acknowledged_by == "CC-110" != incident.acknowledged_by


def test_records_written_with_line_breaks_are_kept_whole() -> None:
    # JSON allows line breaks between values; records written by other means may have them.
    live = _live_desk([("both", 0), ("resolve", 1)])
    journal = lf.MemoryJournal()
    journal.append(
        [
            lf.EventRecord(s.type, json.dumps(json.loads(s.data), ensure_ascii=False, indent=1))
            for s in live.journal.read()
        ],
        expected_version=0,
    )
    assert all("\n" in s.data for s in journal.read())
    again = lf.Desk.restore(DIRECTORY, journal)
    assert _sealed_ids(again) == {"R-0", "R-1"}
    assert again.incidents() == live.incidents()
