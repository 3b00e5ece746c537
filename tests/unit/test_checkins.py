"""Scheduled check-ins: who is due, what a report becomes, reminders on tick."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

import lianfang as lf
from lianfang.checkins import overdue_check_ins
from lianfang.events import CheckInReminded, CheckInStatus, IncidentEscalated
from lianfang.testing import make_directory

CST = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2021, 3, 1, 8, 0, tzinfo=CST)
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def directory() -> lf.Directory:
    return make_directory()


@pytest.fixture
def desk(directory: lf.Directory) -> lf.Desk:
    return lf.Desk(directory)


def _site(directory: lf.Directory) -> lf.Site:
    return directory.sites[0]


def test_sites_are_watched_from_the_start_and_first_due_one_interval_later(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    watches = desk.start_check_ins(by="O-1", at=T0)
    assert {w.site_id for w in watches} == {s.id for s in directory.sites}
    site = _site(directory)
    assert desk.check_in_watch(site.id).due_at == T0 + 24 * H
    with pytest.raises(lf.IllegalTransitionError):
        desk.start_check_ins(by="O-1", at=T0)  # nothing left to start
    with pytest.raises(lf.IllegalTransitionError):
        desk.start_check_ins(by="O-1", at=T0, site_ids=[site.id])  # already watched


def test_only_officers_start_check_ins_and_only_scheduled_sites(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    with pytest.raises(lf.IllegalTransitionError):
        desk.start_check_ins(by="V-1", at=T0)
    with pytest.raises(lf.UnknownIdError):
        desk.start_check_ins(by="O-1", at=T0, site_ids=["S-99"])
    assert desk.version == 0


def test_a_normal_check_in_sets_the_next_due_time_and_opens_nothing(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    site = _site(directory)
    desk.start_check_ins(by="O-1", at=T0)
    result = desk.check_in(site.id, by=site.contact_id or "O-1", at=T0 + 20 * H)
    assert result.incident is None
    assert result.site.due_at == T0 + 44 * H
    assert result.site.last_status is CheckInStatus.NORMAL
    assert desk.incidents() == ()


def test_a_check_in_with_something_to_report_becomes_a_routed_report(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    site = _site(directory)
    contact = site.contact_id
    assert contact is not None
    result = desk.check_in(
        site.id,
        by=contact,
        at=T0 + 3 * H,
        status="to_report",
        text="码头有人聚众赌博",
    )
    incident = result.incident
    assert incident is not None
    assert incident.report.channel is lf.Channel.CHECK_IN
    assert incident.report.reporter_id == contact
    assert incident.decision.community_id == site.community_id
    assert incident.kind is lf.Kind.CLUE
    assert result.site.reports == 1 and result.site.check_ins == 1
    assert desk.outbox()[0].incident_id == incident.id  # the owner is told


def test_bad_check_ins_are_refused_and_record_nothing(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    site = _site(directory)
    contact = site.contact_id or "O-1"
    desk.check_in(site.id, by=contact, at=T0 + 5 * H)
    version = desk.version
    refused: list[Callable[[], object]] = [
        lambda: desk.check_in(site.id, by=contact, at=T0 + 6 * H, status="to_report"),
        lambda: desk.check_in(site.id, by=contact, at=T0 + 6 * H, status="fine"),
        lambda: desk.check_in(site.id, by="V-7", at=T0 + 6 * H),  # another community
        lambda: desk.check_in(site.id, by=contact, at=T0 + 4 * H),  # before the last one
        lambda: desk.check_in("S-99", by=contact, at=T0 + 6 * H),
        lambda: desk.check_in(site.id, by=contact, at=dt.datetime(2021, 3, 1, 9, 0)),
    ]
    for action in refused:
        with pytest.raises(lf.LianfangError):
            action()
    assert desk.version == version


def test_overdue_check_ins_lists_the_sites_that_missed_theirs(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    first, second = directory.sites[:2]
    desk.start_check_ins(by="O-1", at=T0)
    desk.check_in(second.id, by="O-1", at=T0 + 10 * H)
    grace = desk.network_policy.check_in_grace
    assert desk.overdue_check_ins(T0 + 24 * H) == ()
    late = desk.overdue_check_ins(T0 + 24 * H + grace)
    assert [o.site_id for o in late] == [first.id]
    assert late[0].late_by == grace
    everyone = overdue_check_ins(desk.network.book, T0 + 40 * H)
    assert [o.site_id for o in everyone] == [first.id, second.id]


def test_tick_reminds_the_contact_then_tells_the_liaison_officer_once_each(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    site = _site(directory)
    policy = desk.network_policy
    desk.start_check_ins(by="O-1", at=T0, site_ids=[site.id])
    due = T0 + 24 * H
    assert desk.tick(due) == []
    reminded = desk.tick(due + policy.check_in_grace)
    assert [(e.stage, e.recipient_ids) for e in reminded if isinstance(e, CheckInReminded)] == [
        (1, (site.contact_id,))
    ]
    assert desk.tick(due + policy.check_in_grace) == []
    told = desk.tick(due + policy.check_in_grace + policy.check_in_escalate_after)
    liaison = directory.community(site.community_id).liaison_officer_ids
    assert [(e.stage, e.recipient_ids) for e in told if isinstance(e, CheckInReminded)] == [
        (2, liaison)
    ]
    assert desk.tick(due + 3 * 24 * H) == []
    topics = [(n.recipient_id, n.topic) for n in desk.outbox()]
    assert topics == [
        (site.contact_id, lf.Topic.CHECK_IN_REMINDER),
        *((o, lf.Topic.CHECK_IN_MISSED) for o in liaison),
    ]
    assert "未按时报备" in desk.outbox()[0].message()
    # checking in ends it; the next missed check-in starts the reminders again
    desk.check_in(site.id, by="O-1", at=due + 5 * H)
    assert desk.check_in_watch(site.id).reminders == 0
    assert desk.tick(due + 29 * H + policy.check_in_grace)


def test_a_late_tick_sends_both_reminders_at_once_and_escalates_incidents_too(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    site = _site(directory)
    desk.start_check_ins(by="O-1", at=T0, site_ids=[site.id])
    desk.receive(
        lf.Report(id="R-1", received_at=T0, text="小区门口有人占道摆摊", community_id="C-2")
    )
    events = desk.tick(T0 + 30 * H)
    kinds = [type(e) for e in events]
    assert IncidentEscalated in kinds
    assert [e.stage for e in events if isinstance(e, CheckInReminded)] == [1, 2]


def test_a_site_without_a_contact_goes_straight_to_the_liaison_officer() -> None:
    base = make_directory()
    site = base.sites[0]
    directory = lf.Directory(
        name=base.name,
        command_center=base.command_center,
        officers=base.officers,
        zones=base.zones,
        groups=base.groups,
        communities=base.communities,
        volunteers=base.volunteers,
        sites=(lf.Site(site.id, site.name, site.community_id, None, 12),),
        agencies=base.agencies,
    )
    desk = lf.Desk(directory)
    desk.start_check_ins(by="O-1", at=T0)
    events = desk.tick(T0 + 13 * H)
    assert [e.stage for e in events if isinstance(e, CheckInReminded)] == [2]


def test_check_ins_survive_a_restore_exactly(desk: lf.Desk, directory: lf.Directory) -> None:
    site = _site(directory)
    desk.start_check_ins(by="O-1", at=T0)
    desk.check_in(site.id, by="O-1", at=T0 + H, status=CheckInStatus.TO_REPORT, text="渡口有人打架")
    desk.tick(T0 + 30 * H)
    for note in desk.outbox()[:2]:
        desk.mark_delivered(note.id, at=T0 + 31 * H)
    again = lf.Desk.restore(directory, desk.journal)
    assert again.network == desk.network
    assert again.outbox() == desk.outbox()
    assert again.incidents() == desk.incidents()
    assert again.tick(T0 + 30 * H) == []
