"""Notices and relays: audiences, deliveries through the outbox, reading, relaying, stats."""

from __future__ import annotations

import datetime as dt

import pytest

import lianfang as lf
from lianfang.bulletins import audience_of
from lianfang.events import Audience, Bulletin, BulletinTopic
from lianfang.testing import make_directory

CST = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2021, 3, 1, 9, 0, tzinfo=CST)
H = dt.timedelta(hours=1)
ALL = Audience()


@pytest.fixture
def directory() -> lf.Directory:
    return make_directory()


@pytest.fixture
def desk(directory: lf.Directory) -> lf.Desk:
    return lf.Desk(directory)


def _bulletin(
    bulletin_id: str = "B-1", audience: Audience = ALL, hours: int = 48, **fields: object
) -> Bulletin:
    return Bulletin(
        id=bulletin_id,
        topic=fields.pop("topic", BulletinTopic.ANTI_FRAUD),  # type: ignore[arg-type]
        title=str(fields.pop("title", "警惕“客服退款”诈骗")),
        text=str(fields.pop("text", "凡自称客服要求转账退款的，一律是诈骗。")),
        issued_at=T0,
        expires_at=T0 + hours * H,
        audience=audience,
    )


def _deliveries(desk: lf.Desk, bulletin_id: str) -> list[lf.Notification]:
    return [n for n in desk.outbox() if n.subject_id == bulletin_id]


def test_publishing_puts_one_delivery_per_active_volunteer_of_the_audience_in_the_outbox(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    desk.suspend_volunteer("V-2", by="O-1", at=T0 - H, reason="停职")
    record = desk.publish_bulletin(_bulletin(), by="O-1")
    active = {v.id for v in directory.volunteers} - {"V-2"}
    assert set(record.recipient_ids) == active
    deliveries = _deliveries(desk, "B-1")
    assert sorted(n.recipient_id for n in deliveries) == sorted(record.recipient_ids)
    assert all(n.topic is lf.Topic.BULLETIN and n.incident_id is None for n in deliveries)
    assert "【防诈骗】警惕“客服退款”诈骗" in deliveries[0].message()
    assert deliveries[0].message("en").startswith("Network notice B-1:")


def test_an_audience_is_the_intersection_of_zones_communities_and_roles(
    directory: lf.Directory,
) -> None:
    roster = lf.Desk(directory).roster
    zone_2 = {c.id for c in directory.communities if directory.zone_of(c.id).id == "Z-2"}
    shop_owners_in_zone_2 = {
        v.id
        for v in directory.volunteers
        if v.community_id in zone_2 and v.role is lf.VolunteerRole.SHOP_OWNER
    }
    audience = Audience(zone_ids=("Z-2",), roles=(lf.VolunteerRole.SHOP_OWNER,))
    assert shop_owners_in_zone_2 and set(audience_of(audience, roster)) == shop_owners_in_zone_2
    assert audience_of(Audience(zone_ids="Z-1", community_ids=("C-8",)), roster) == ()
    in_c1 = audience_of(Audience(community_ids=("C-1",)), roster)
    assert {roster.member(v).community_id for v in in_c1} == {"C-1"}


def test_bulletin_values_reject_bad_input_naming_the_field() -> None:
    with pytest.raises(lf.InvalidValueError, match="expires_at"):
        _bulletin(hours=0)
    with pytest.raises(lf.InvalidValueError, match="topic"):
        _bulletin(topic="gossip")
    with pytest.raises(lf.InvalidValueError, match="title"):
        _bulletin(title=" ")
    with pytest.raises(lf.InvalidValueError, match="roles"):
        Audience(roles=("pilot",))


@pytest.mark.parametrize(
    ("bulletin", "by"),
    [
        (_bulletin(), "V-1"),  # only officers publish
        (_bulletin(audience=Audience(zone_ids=("Z-9",))), "O-1"),  # unknown zone
        (_bulletin(audience=Audience(community_ids=("C-1",), zone_ids=("Z-2",))), "O-1"),  # nobody
    ],
)
def test_a_refused_publication_records_nothing(desk: lf.Desk, bulletin: Bulletin, by: str) -> None:
    with pytest.raises(lf.LianfangError):
        desk.publish_bulletin(bulletin, by=by)
    assert desk.version == 0 and desk.outbox() == () and desk.bulletins() == ()


def test_the_same_bulletin_cannot_be_published_twice(desk: lf.Desk) -> None:
    desk.publish_bulletin(_bulletin(), by="O-1")
    with pytest.raises(lf.IllegalTransitionError):
        desk.publish_bulletin(_bulletin(), by="O-2")


def test_reads_relays_and_the_stats(desk: lf.Desk, directory: lf.Directory) -> None:
    audience = Audience(community_ids=("C-1", "C-2"))
    record = desk.publish_bulletin(_bulletin(audience=audience), by="O-1")
    assert len(record.recipient_ids) == 6
    deliveries = _deliveries(desk, "B-1")
    desk.mark_delivered(deliveries[0].id, at=T0 + H)
    desk.mark_failed(deliveries[1].id, at=T0 + H, error="号码停机")
    desk.record_read("B-1", by="V-1", at=T0 + H)
    desk.record_relay("B-1", by="V-1", at=T0 + 2 * H, estimated_reach=120, note="业主群")
    desk.record_relay("B-1", by="V-1", at=T0 + 3 * H, estimated_reach=30)
    desk.record_relay("B-1", by="V-4", at=T0 + 3 * H)  # relaying counts as reading
    stats = desk.bulletin_stats("B-1")
    assert (stats.recipients, stats.read, stats.relayed, stats.relays) == (6, 2, 2, 3)
    assert stats.estimated_reach == 150
    delivered = {deliveries[0].recipient_id, "V-1", "V-4"}
    assert stats.delivered == len(delivered)
    by_community = {c.community_id: c for c in stats.communities}
    assert by_community["C-1"].share == pytest.approx(1 / 3)
    assert by_community["C-2"].share == pytest.approx(1 / 3)
    assert stats.read_share == pytest.approx(2 / 6)
    assert next(n for n in desk.outbox() if n.id == deliveries[1].id).attempts == 1


@pytest.mark.parametrize(
    ("by", "at"),
    [
        ("V-7", T0 + H),  # not a recipient
        ("V-1", T0 - H),  # before it was issued
        ("V-1", T0 + 49 * H),  # after it expired
    ],
)
def test_reading_or_relaying_is_refused_outside_the_audience_or_the_bulletins_time(
    desk: lf.Desk, by: str, at: dt.datetime
) -> None:
    desk.publish_bulletin(_bulletin(audience=Audience(community_ids=("C-1",))), by="O-1")
    version = desk.version
    with pytest.raises(lf.IllegalTransitionError):
        desk.record_read("B-1", by=by, at=at)
    with pytest.raises(lf.IllegalTransitionError):
        desk.record_relay("B-1", by=by, at=at)
    assert desk.version == version


def test_reading_twice_and_a_negative_reach_are_refused(desk: lf.Desk) -> None:
    desk.publish_bulletin(_bulletin(), by="O-1")
    desk.record_read("B-1", by="V-1", at=T0 + H)
    with pytest.raises(lf.IllegalTransitionError):
        desk.record_read("B-1", by="V-1", at=T0 + 2 * H)
    with pytest.raises(lf.InvalidValueError, match="estimated_reach"):
        desk.record_relay("B-1", by="V-1", at=T0 + 2 * H, estimated_reach=-5)


def test_a_withdrawn_bulletin_drops_its_pending_deliveries_and_cannot_be_relayed(
    desk: lf.Desk,
) -> None:
    desk.publish_bulletin(_bulletin(), by="O-1")
    first = _deliveries(desk, "B-1")[0]
    desk.mark_delivered(first.id, at=T0 + H)
    desk.record_read("B-1", by=first.recipient_id, at=T0 + H)
    with pytest.raises(lf.InvalidValueError):
        desk.withdraw_bulletin("B-1", by="O-1", at=T0 + 2 * H, reason="")
    withdrawn = desk.withdraw_bulletin("B-1", by="O-1", at=T0 + 2 * H, reason="信息有误")
    assert withdrawn.is_withdrawn and withdrawn.withdrawal_reason == "信息有误"
    assert _deliveries(desk, "B-1") == []
    assert desk.bulletins(live_at=T0 + 3 * H) == ()
    with pytest.raises(lf.IllegalTransitionError, match="withdrawn"):
        desk.record_relay("B-1", by=first.recipient_id, at=T0 + 3 * H)
    with pytest.raises(lf.IllegalTransitionError):
        desk.withdraw_bulletin("B-1", by="O-1", at=T0 + 3 * H, reason="again")
    stats = desk.bulletin_stats("B-1")
    assert stats.withdrawn and stats.read == 1


def test_suspending_a_volunteer_drops_the_deliveries_still_waiting_for_them(
    desk: lf.Desk,
) -> None:
    desk.publish_bulletin(_bulletin(), by="O-1")
    assert any(n.recipient_id == "V-3" for n in _deliveries(desk, "B-1"))
    desk.suspend_volunteer("V-3", by="O-1", at=T0 + H, reason="停职")
    assert all(n.recipient_id != "V-3" for n in desk.outbox())
    desk.reinstate_volunteer("V-3", by="O-1", at=T0 + 2 * H)
    desk.publish_bulletin(_bulletin("B-2"), by="O-1")
    assert any(n.recipient_id == "V-3" for n in _deliveries(desk, "B-2"))


def test_bulletins_survive_a_restore_exactly(desk: lf.Desk, directory: lf.Directory) -> None:
    desk.publish_bulletin(_bulletin(), by="O-1")
    notes = _deliveries(desk, "B-1")
    desk.mark_delivered(notes[0].id, at=T0 + H)
    desk.mark_failed(notes[1].id, at=T0 + H, error="timeout")
    desk.record_relay("B-1", by="V-5", at=T0 + H, estimated_reach=8)
    desk.withdraw_bulletin("B-1", by="O-1", at=T0 + 2 * H, reason="过期")
    again = lf.Desk.restore(directory, desk.journal)
    assert again.network == desk.network
    assert again.outbox() == desk.outbox()
    assert again.bulletin_stats("B-1") == desk.bulletin_stats("B-1")
