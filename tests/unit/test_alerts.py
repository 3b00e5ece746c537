"""Volunteer alerts: only for suitable, safe incidents; the nearest volunteers; answers."""

from __future__ import annotations

import datetime as dt

import pytest

import lianfang as lf
from lianfang.alerts import Neighbourhood, alert_suitability, nearest_volunteers
from lianfang.network_policy import NetworkPolicy
from lianfang.testing import make_directory

CST = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2021, 3, 1, 9, 0, tzinfo=CST)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def directory() -> lf.Directory:
    return make_directory(volunteers_per_community=4)


@pytest.fixture
def desk(directory: lf.Directory) -> lf.Desk:
    return lf.Desk(directory, network_policy=NetworkPolicy(alert_max_volunteers=6))


def _incident(desk: lf.Desk, text: str, n: int = 1, **fields: object) -> lf.Incident:
    fields.setdefault("community_id", "C-1")
    return desk.receive(lf.Report(id=f"R-{n}", received_at=T0, text=text, **fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    ["我家老人走失了，穿蓝色外套", "孩子在公园走丢了", "钱包丢了，黑色的", "我的狗走丢了"],
)
def test_missing_people_and_lost_things_are_suitable(desk: lf.Desk, text: str) -> None:
    check = desk.alert_check(_incident(desk, text).id)
    assert check.suitable, check.reasons
    assert check.explain("zh") and check.explain("en")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("有人拿刀追着我的孩子", "alert.danger"),
        ("楼下着火了，老人走失", "alert.danger"),
        ("有人打架，孩子不见了", "alert.danger"),
        ("3号楼有人聚众赌博", "alert.clue"),
        ("路灯坏了", "alert.not_suitable"),
    ],
)
def test_dangerous_scenes_clues_and_other_matters_never_alert_volunteers(
    desk: lf.Desk, text: str, why: str
) -> None:
    incident = _incident(desk, text)
    check = desk.alert_check(incident.id)
    assert not check.suitable and check.reasons[0].startswith(why)
    version = desk.version
    with pytest.raises(lf.IllegalTransitionError):
        desk.alert_volunteers(incident.id, by=incident.owner_id, at=T0 + MIN)
    assert desk.version == version


def test_a_resolved_incident_is_not_suitable(desk: lf.Desk) -> None:
    incident = _incident(desk, "钱包丢了")
    done = desk.resolve(incident.id, by=incident.owner_id, at=T0 + MIN, outcome="已找到")
    assert alert_suitability(done, desk.network_policy).reasons == ("alert.resolved",)


def test_the_nearest_volunteers_of_the_community_come_first_then_the_neighbours(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    incident = _incident(desk, "我家老人走失了")
    alerted = desk.alert_volunteers(incident.id, by=incident.owner_id, at=T0 + MIN)
    own = [v.id for v in directory.volunteers_in("C-1")]
    assert alerted.alerted_ids[: len(own)] == tuple(sorted(own))
    assert len(alerted.alerted_ids) == 6
    communities = {directory.volunteer(v).community_id for v in alerted.alerted_ids}
    neighbours = dict(desk._neighbours().neighbours("C-1"))
    assert communities <= set(neighbours)
    alerts = [n for n in desk.outbox() if n.topic is lf.Topic.VOLUNTEER_ALERT]
    assert sorted(n.recipient_id for n in alerts) == sorted(alerted.alerted_ids)
    assert "走失" in alerts[0].message()


def test_never_more_than_the_policy_allows_and_never_the_same_volunteer_twice(
    desk: lf.Desk,
) -> None:
    incident = _incident(desk, "孩子走丢了")
    first = desk.alert_volunteers(incident.id, by=incident.owner_id, at=T0 + MIN, limit=2)
    assert len(first.alerted_ids) == 2
    second = desk.alert_volunteers(incident.id, by=incident.owner_id, at=T0 + 2 * MIN)
    assert len(second.alerted_ids) == 6 == len(set(second.alerted_ids))
    with pytest.raises(lf.IllegalTransitionError, match="most"):
        desk.alert_volunteers(incident.id, by=incident.owner_id, at=T0 + 3 * MIN)


def test_suspended_volunteers_and_the_reporter_are_not_alerted(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    desk.suspend_volunteer("V-2", by="O-1", at=T0 - MIN, reason="停职")
    incident = _incident(desk, "钱包丢了", reporter_id="V-3")
    alerted = desk.alert_volunteers(incident.id, by=incident.owner_id, at=T0 + MIN)
    assert "V-2" not in alerted.alerted_ids and "V-3" not in alerted.alerted_ids


def test_only_the_owner_or_someone_above_may_alert(desk: lf.Desk) -> None:
    incident = _incident(desk, "钱包丢了")
    with pytest.raises(lf.IllegalTransitionError):
        desk.alert_volunteers(incident.id, by="V-9", at=T0 + MIN)


def test_volunteers_accept_or_decline_and_the_owner_sees_who_is_helping(desk: lf.Desk) -> None:
    incident = _incident(desk, "我家老人走失了，穿蓝色外套")
    alerted = desk.alert_volunteers(
        incident.id, by=incident.owner_id, at=T0 + MIN, message="寻找走失老人，蓝色外套"
    )
    helper, busy, *_ = alerted.alerted_ids
    desk.answer_alert(incident.id, by=helper, at=T0 + 2 * MIN, accept=True)
    now = desk.answer_alert(incident.id, by=busy, at=T0 + 2 * MIN, accept=False, note="在外地")
    assert now.helper_ids == (helper,) and now.declined_ids == (busy,)
    told = [n for n in desk.outbox() if n.topic is lf.Topic.HELPER_JOINED]
    assert [n.recipient_id for n in told] == [incident.owner_id]
    assert helper in told[0].message()
    with pytest.raises(lf.IllegalTransitionError):
        desk.answer_alert(incident.id, by=helper, at=T0 + 3 * MIN, accept=False)
    with pytest.raises(lf.IllegalTransitionError):
        desk.answer_alert(incident.id, by="V-99", at=T0 + 3 * MIN, accept=True)


def test_alerts_survive_a_restore(desk: lf.Desk, directory: lf.Directory) -> None:
    incident = _incident(desk, "孩子走丢了")
    alerted = desk.alert_volunteers(incident.id, by=incident.owner_id, at=T0 + MIN)
    desk.answer_alert(incident.id, by=alerted.alerted_ids[0], at=T0 + 2 * MIN, accept=True)
    again = lf.Desk.restore(directory, desk.journal, network_policy=desk.network_policy)
    assert again.incidents() == desk.incidents()
    assert again.outbox() == desk.outbox()


def test_member_locations_order_volunteers_by_distance(directory: lf.Directory) -> None:
    desk = lf.Desk(directory)
    incident_at = lf.GeoPoint(119.7012, 25.4012)  # near a corner of C-1, 400 m from its centre
    far = lf.GeoPoint(119.7030, 25.4030)  # 260 m away
    near = lf.GeoPoint(119.7015, 25.4015)  # 45 m away
    for n, where in ((100, far), (101, near)):
        desk.record_application(
            volunteer_id=f"V-{n}",
            name="志愿者",
            role="shop_owner",
            community_id="C-1",
            at=T0,
            location=where,
        )
        desk.approve_volunteer(f"V-{n}", by="V-1", at=T0)
        desk.approve_volunteer(
            f"V-{n}", by=directory.community("C-1").liaison_officer_ids[0], at=T0
        )
    hood = Neighbourhood(directory, adjacency_m=100, radius_m=0)
    chosen = nearest_volunteers(
        desk.roster, hood, community_id="C-1", at=T0, limit=3, location=incident_at
    )
    assert chosen == ("V-101", "V-100", "V-1")  # V-1 has no location: at the centre, 400 m


def test_without_geometry_the_neighbours_are_the_communities_of_the_same_group() -> None:
    directory = make_directory(with_geometry=False)
    hood = Neighbourhood(directory, adjacency_m=100, radius_m=3000)
    group = directory.community("C-1").group_id
    same = {c.id for c in directory.communities_of(group)}
    assert {c for c, _ in hood.neighbours("C-1")} == same
