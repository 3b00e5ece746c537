"""The incident desk: lifecycle, guards, duplicates, agencies, clues, feedback, outbox, restore."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

import lianfang as lf
from lianfang.builders import trusted
from lianfang.testing import make_directory, make_report

CST = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2021, 1, 12, 10, 0, tzinfo=CST)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def directory() -> lf.Directory:
    return make_directory()


@pytest.fixture
def desk(directory: lf.Directory) -> lf.Desk:
    return lf.Desk(directory)


def _report(n: int = 1, **fields: object) -> lf.Report:
    fields.setdefault("text", "小区门口有人占道摆摊")
    fields.setdefault("community_id", "C-1")
    return make_report(id=f"R-{n}", received_at=fields.pop("at", T0), **fields)  # type: ignore[arg-type]


def test_a_received_report_opens_an_incident_owned_by_the_decision_owner(desk: lf.Desk) -> None:
    incident = desk.receive(_report())
    assert incident.state is lf.IncidentState.OPEN
    assert incident.owner_id == incident.decision.owner_id
    assert incident.due_at == incident.decision.due_at
    assert desk.open_incidents() == (incident,)


def test_acknowledge_then_resolve(desk: lf.Desk) -> None:
    incident = desk.receive(_report())
    acked = desk.acknowledge(incident.id, by=incident.owner_id, at=T0 + MIN)
    assert acked.state is lf.IncidentState.ACKNOWLEDGED
    done = desk.resolve(incident.id, by=incident.owner_id, at=T0 + 2 * MIN, outcome="劝离")
    assert done.state is lf.IncidentState.RESOLVED
    assert desk.open_incidents() == ()


@pytest.mark.parametrize("second", ["acknowledge", "resolve"])
def test_illegal_moves_raise_and_record_nothing(desk: lf.Desk, second: str) -> None:
    incident = desk.receive(_report())
    desk.resolve(incident.id, by=incident.owner_id, at=T0 + MIN, outcome="已处理")
    version = desk.version
    later = T0 + 2 * MIN
    if second == "acknowledge":
        with pytest.raises(lf.IllegalTransitionError):
            desk.acknowledge(incident.id, by=incident.owner_id, at=later)
    else:
        with pytest.raises(lf.IllegalTransitionError):
            desk.resolve(incident.id, by=incident.owner_id, at=later, outcome="again")
    assert desk.version == version == desk.journal.version


def test_someone_not_on_the_ladder_cannot_act(desk: lf.Desk, directory: lf.Directory) -> None:
    incident = desk.receive(_report())
    stranger = next(
        o.id
        for o in directory.officers
        if o.id != incident.owner_id
        and o.id not in {s.assignee_id for s in incident.decision.escalation}
    )
    with pytest.raises(lf.IllegalTransitionError):
        desk.acknowledge(incident.id, by=stranger, at=T0 + MIN)
    assert desk.incident(incident.id) == incident


def test_naive_times_and_unknown_ids_are_rejected(desk: lf.Desk) -> None:
    incident = desk.receive(_report())
    with pytest.raises(lf.LianfangError):
        desk.acknowledge(incident.id, by=incident.owner_id, at=dt.datetime(2021, 1, 12, 10, 1))
    with pytest.raises(lf.UnknownIdError):
        desk.acknowledge("nope", by=incident.owner_id, at=T0)
    with pytest.raises(KeyError):
        desk.incident("nope")


def test_receiving_the_same_report_twice_records_nothing_new(desk: lf.Desk) -> None:
    first = desk.receive(_report())
    version = desk.version
    assert desk.receive(_report()) == first
    assert desk.version == version


def test_tick_escalates_an_unacknowledged_incident_up_the_ladder_and_is_idempotent(
    desk: lf.Desk,
) -> None:
    incident = desk.receive(_report())
    ladder = incident.decision.escalation
    late = incident.due_at + dt.timedelta(seconds=1)  # type: ignore[operator]
    events = desk.tick(late)
    assert [type(e) for e in events] == [lf.IncidentEscalated]
    now = desk.incident(incident.id)
    assert now.state is lf.IncidentState.ESCALATED
    assert now.owner_id == ladder[0].assignee_id
    assert now.due_at == incident.due_at + incident.decision.ack_within  # type: ignore[operator]
    assert desk.tick(late) == []
    # far overdue: climbs to the top of the ladder, never beyond
    desk.tick(late + dt.timedelta(days=3))
    assert desk.incident(incident.id).owner_id == ladder[-1].assignee_id == "CC-110"
    assert desk.tick(late + dt.timedelta(days=30)) == []


def test_an_acknowledged_incident_does_not_escalate(desk: lf.Desk) -> None:
    incident = desk.receive(_report())
    desk.acknowledge(incident.id, by=incident.owner_id, at=T0 + dt.timedelta(seconds=10))
    assert desk.tick(T0 + dt.timedelta(days=1)) == []


def test_a_supervisor_on_the_ladder_may_acknowledge_and_then_owns_it(desk: lf.Desk) -> None:
    incident = desk.receive(_report())
    boss = incident.decision.escalation[-2].assignee_id
    acked = desk.acknowledge(incident.id, by=boss, at=T0 + MIN)
    assert acked.owner_id == boss


def test_reports_of_the_same_matter_are_linked_not_opened_again(desk: lf.Desk) -> None:
    first = desk.receive(_report(1, text="菜市场门口两个人打架", category="200100"))
    second = desk.receive(_report(2, text="菜市场门口有人打架", category="200100", at=T0 + 5 * MIN))
    third = desk.receive(_report(3, text="菜市场有人打架", category="200100", at=T0 + 10 * MIN))
    assert second.id == third.id == first.id
    assert desk.incident(first.id).report_count == 3
    assert len(desk.open_incidents()) == 1
    later = desk.receive(_report(4, text="菜市场有人打架", category="200100", at=T0 + 3 * 60 * MIN))
    assert later.id != first.id


def test_reports_close_together_by_coordinates_are_linked(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    here = lf.GeoPoint(119.79, 25.50)
    near = lf.GeoPoint(119.7910, 25.5005)  # about 115 m away
    a = desk.receive(
        _report(1, text="有人打架", community_id=None, location=here, category="200100")
    )
    b = desk.receive(
        _report(
            2, text="有人打架", community_id=None, location=near, category="200100", at=T0 + MIN
        )
    )
    assert a.id == b.id


def test_a_matter_handed_to_an_agency_comes_back_when_it_declines(desk: lf.Desk) -> None:
    incident = desk.receive(_report(text="邻居家空调外机滴水", category=None))
    owner = incident.owner_id
    if incident.agency_id is None:
        handed = desk.hand_to_agency(incident.id, agency_id="A-12345", by=owner, at=T0 + MIN)
        assert handed.owner_id == "A-12345"
        back = desk.agency_declined(
            incident.id, by="A-12345", at=T0 + 2 * MIN, reason="不属于本单位"
        )
        assert back.owner_id == owner
        assert back.state is lf.IncidentState.OPEN


def test_emergencies_cannot_be_handed_to_an_agency(desk: lf.Desk) -> None:
    incident = desk.receive(_report(text="有人持刀伤人", category=None))
    assert incident.kind is lf.Kind.EMERGENCY
    with pytest.raises(lf.IllegalTransitionError):
        desk.hand_to_agency(incident.id, agency_id="A-12345", by="CC-110", at=T0 + MIN)


def test_a_clue_is_followed_up_and_resolved_with_figures_and_its_reporter_is_hidden(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    incident = desk.receive(
        _report(text="3号楼有人聚众赌博", reporter_id="V-1", channel=lf.Channel.VOLUNTEER)
    )
    assert incident.kind is lf.Kind.CLUE
    owner = incident.owner_id
    for step in (
        lf.FollowUpStep.VERIFICATION,
        lf.FollowUpStep.STAKE_OUT,
        lf.FollowUpStep.JOINT_OPERATION,
    ):
        desk.record_follow_up(incident.id, step=step, by=owner, at=T0 + dt.timedelta(hours=24))
    done = desk.resolve(
        incident.id,
        by=owner,
        at=T0 + dt.timedelta(hours=30),
        outcome="联合查处",
        figures=lf.Outcome(20, 50_000),
    )
    assert [f.step for f in done.follow_ups] == ["verification", "stake_out", "joint_operation"]
    assert done.figures == lf.Outcome(20, 50_000)
    leader = directory.leader_of("C-1").id
    assert desk.reporter_of(incident.id, viewer_id=owner) == "V-1"
    assert desk.reporter_of(incident.id, viewer_id=leader) == "V-1"
    with pytest.raises(lf.AccessDeniedError):
        desk.reporter_of(incident.id, viewer_id="V-2")
    assert desk.incident_for(incident.id, viewer_id="V-2").report.reporter_id is None


def test_feedback_after_resolution_and_the_call_back_list(desk: lf.Desk) -> None:
    incident = desk.receive(_report(reporter_id="V-2"))
    with pytest.raises(lf.IllegalTransitionError):
        desk.record_feedback(incident.id, satisfaction=5, by="O-1", at=T0 + MIN)
    desk.resolve(incident.id, by=incident.owner_id, at=T0 + MIN, outcome="已劝离")
    assert [i.id for i in desk.due_for_callback()] == [incident.id]
    with pytest.raises(lf.InvalidValueError):
        desk.record_feedback(incident.id, satisfaction=9, by="O-1", at=T0 + 2 * MIN)
    desk.record_feedback(incident.id, satisfaction=4, by="O-1", at=T0 + 2 * MIN)
    assert desk.due_for_callback() == ()


def test_retriage_upgrades_and_a_downgrade_needs_a_reason(desk: lf.Desk) -> None:
    incident = desk.receive(_report(text="邻居在吵架"))
    up = desk.retriage(incident.id, kind=lf.Kind.EMERGENCY, by=incident.owner_id, at=T0 + MIN)
    assert up.kind is lf.Kind.EMERGENCY and up.owner_id == "CC-110"
    with pytest.raises(lf.InvalidValueError):
        desk.retriage(incident.id, kind=lf.Kind.NON_EMERGENCY, by="CC-110", at=T0 + 2 * MIN)
    down = desk.retriage(
        incident.id, kind=lf.Kind.NON_EMERGENCY, by="CC-110", at=T0 + 2 * MIN, reason="已平息"
    )
    assert down.kind is lf.Kind.NON_EMERGENCY


def test_the_outbox_lists_undelivered_notifications_with_retry_counts(desk: lf.Desk) -> None:
    incident = desk.receive(_report())
    entries = desk.outbox()
    assert entries and entries[0].recipient_id == incident.owner_id
    assert entries[0].topic is lf.Topic.ASSIGNED
    desk.mark_failed(entries[0].id, at=T0 + MIN, error="timeout")
    assert desk.outbox()[0].attempts == 1
    for entry in desk.outbox():
        desk.mark_delivered(entry.id, at=T0 + 2 * MIN)
    assert desk.outbox() == ()
    desk.tick(T0 + dt.timedelta(hours=2))
    assert any(e.topic is lf.Topic.ESCALATED for e in desk.outbox())


def test_restore_rebuilds_exactly_the_same_state(desk: lf.Desk, directory: lf.Directory) -> None:
    for n in range(6):
        desk.receive(
            _report(
                n,
                text=["有人打架", "路灯坏了", "有人赌博", "请问怎么办居住证"][n % 4],
                community_id=f"C-{n % 4 + 1}",
                at=T0 + n * MIN,
            )
        )
    first = desk.open_incidents()[0]
    desk.acknowledge(first.id, by=first.owner_id, at=T0 + 10 * MIN)
    desk.tick(T0 + dt.timedelta(hours=1))
    again = lf.Desk.restore(directory, desk.journal)
    assert again.incidents() == desk.incidents()
    assert again.outbox() == desk.outbox()
    assert again.load() == desk.load()


def test_a_stale_desk_gets_a_concurrency_error_and_keeps_its_state(
    directory: lf.Directory, tmp_path: object
) -> None:
    import pathlib

    path = pathlib.Path(str(tmp_path)) / "ops.sqlite"
    one = lf.Desk(directory, lf.SQLiteJournal(path))
    two = lf.Desk(directory, lf.SQLiteJournal(path))
    one.receive(_report(1))
    with pytest.raises(lf.ConcurrencyError):
        two.receive(_report(2, community_id="C-2", text="有人赌博"))
    assert two.incidents() == ()
    assert two.refresh() == 2
    two.receive(_report(2, community_id="C-2", text="有人赌博"))
    assert one.refresh() == 2
    assert one.incidents() == two.incidents()


@pytest.mark.parametrize("journal_kind", ["memory", "jsonl", "sqlite"])
def test_a_report_that_cannot_be_stored_is_refused_and_changes_nothing(
    directory: lf.Directory, tmp_path: object, journal_kind: str
) -> None:
    import pathlib

    folder = pathlib.Path(str(tmp_path))
    journal: lf.Journal = {
        "memory": lambda: lf.MemoryJournal(),
        "jsonl": lambda: lf.JSONLinesJournal(folder / "ops.jsonl"),
        "sqlite": lambda: lf.SQLiteJournal(folder / "ops.sqlite"),
    }[journal_kind]()
    desk = lf.Desk(directory, journal)
    desk.receive(_report(1))
    before = (desk.version, desk.incidents(), desk.outbox(), desk.load())
    # A lone surrogate (text decoded with errors="surrogateescape") has no UTF-8 form: a
    # report refuses it, naming the field ...
    with pytest.raises(lf.InvalidValueError, match=r"text: holds a lone surrogate at index 4"):
        _report(2, community_id="C-2", text="有人赌博\udcff")
    # ... and a report built without its checks is still refused by the journal.
    fine = _report(2, community_id="C-2", text="有人赌博")
    fields = [getattr(fine, field.name) for field in attrs.fields(lf.Report)]
    bad = trusted(lf.Report)(*[v + "\udcff" if v == "有人赌博" else v for v in fields])
    # The journal refuses the batch: the third record, the bad report's ReportReceived.
    with pytest.raises(lf.ValidationError, match=r"records\[2\]\.data: holds a lone surrogate"):
        desk.receive_many([_report(3, community_id="C-3", text="路灯坏了"), bad])
    assert (desk.version, desk.incidents(), desk.outbox(), desk.load()) == before
    assert journal.version == before[0]
    desk.receive(_report(3, community_id="C-3", text="路灯坏了"))
    assert lf.Desk.restore(directory, journal).incidents() == desk.incidents()


def test_a_suspended_or_retired_cadre_is_routed_nothing_from_then_on(
    directory: lf.Directory, desk: lf.Desk
) -> None:
    cadre = directory.community("C-1").cadre_ids[0]
    hour = 60 * MIN  # reports far enough apart not to be duplicates

    def told(n: int, on: lf.Desk | None = None) -> set[str]:
        incident = (on or desk).receive(_report(n, at=T0 + 2 * n * hour))  # the cadre's told
        return {a.assignee_id for a in incident.decision.assignments}

    assert cadre in told(1)
    desk.suspend_volunteer(cadre, by="O-1", at=T0 + 3 * hour, reason="停职")
    assert cadre not in told(2)
    # a desk restored from the journal routes the same way
    assert cadre not in told(3, lf.Desk.restore(directory, desk.journal))
    desk.refresh()
    desk.reinstate_volunteer(cadre, by="O-1", at=T0 + 7 * hour)
    assert cadre in told(4)
    desk.retire_volunteer(cadre, by=cadre, at=T0 + 9 * hour)
    assert cadre not in told(5)
    assert cadre in {a.assignee_id for a in desk.router.route(_report(6)).assignments}
