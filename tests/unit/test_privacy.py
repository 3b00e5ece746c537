"""Privacy and visibility: viewers, views, masked phones, exports and a redacted journal."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lianfang as lf
from lianfang.events import Audience, Bulletin, BulletinTopic, ReportReceived, VolunteerApplied
from lianfang.network import fold_network, read_journal
from lianfang.privacy import Viewer, ViewerRole, mask_text, redact
from lianfang.testing import make_directory

CST = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2021, 3, 1, 9, 0, tzinfo=CST)
MIN = dt.timedelta(minutes=1)
DIRECTORY = make_directory()
VOLUNTEERS = [v.id for v in DIRECTORY.volunteers]


@pytest.fixture
def desk() -> lf.Desk:
    return lf.Desk(DIRECTORY)


def _report(n: int, text: str, reporter: str | None = None, **fields: object) -> lf.Report:
    fields.setdefault("community_id", "C-1")
    return lf.Report(
        id=f"R-{n}",
        received_at=T0 + n * MIN,
        text=text,
        channel=lf.Channel.VOLUNTEER,
        reporter_id=reporter,
        **fields,  # type: ignore[arg-type]
    )


def test_the_desk_knows_who_a_viewer_is(desk: lf.Desk) -> None:
    leader = DIRECTORY.zones[0].leader_id
    assert desk.viewer(leader) == Viewer(leader, ViewerRole.ZONE_LEADER, None, ("Z-1",))
    assert desk.viewer("O-2").role is ViewerRole.OFFICER
    assert desk.viewer("CC-110").role is ViewerRole.OFFICER
    assert desk.viewer("A-12345").role is ViewerRole.AGENCY
    assert desk.viewer("V-1") == Viewer("V-1", ViewerRole.CADRE, "C-1")
    assert desk.viewer("V-2") == Viewer("V-2", ViewerRole.VOLUNTEER, "C-1")
    with pytest.raises(lf.UnknownIdError):
        desk.viewer("nobody")


def test_a_viewer_cannot_claim_more_than_they_are(desk: lf.Desk) -> None:
    with pytest.raises(lf.AccessDeniedError):
        desk.view(Viewer("V-2", ViewerRole.OFFICER))
    with pytest.raises(lf.AccessDeniedError):
        desk.incidents(viewer=Viewer("V-1", ViewerRole.ZONE_LEADER, zone_ids=("Z-1",)))
    assert desk.view(Viewer("V-2", ViewerRole.VOLUNTEER)).viewer.community_id == "C-1"


def test_a_volunteer_sees_its_own_reports_and_alerts_but_not_who_reported_a_clue(
    desk: lf.Desk,
) -> None:
    own = desk.receive(_report(1, "小区门口有人占道摆摊", "V-2"))
    clue = desk.receive(_report(2, "3号楼有人聚众赌博", "V-2", community_id="C-2"))
    other = desk.receive(_report(3, "路灯坏了", "V-3"))
    view = desk.view("V-2")
    seen = {i.id: i for i in view.incidents}
    assert set(seen) == {own.id, clue.id}
    assert seen[own.id].report.reporter_id == "V-2"
    assert seen[clue.id].kind is lf.Kind.CLUE and seen[clue.id].report.reporter_id is None
    assert other.id not in seen
    assert desk.incidents(viewer="V-2") == view.incidents
    assert desk.open_incidents(viewer="V-2") == view.incidents


def test_a_cadre_sees_its_communitys_matters_but_not_its_clues(desk: lf.Desk) -> None:
    matter = desk.receive(_report(1, "小区门口有人占道摆摊", "V-3"))
    clue = desk.receive(_report(2, "有人聚众赌博", "V-3"))
    elsewhere = desk.receive(_report(3, "路灯坏了", community_id="C-2"))
    seen = {i.id for i in desk.view("V-1").incidents}
    assert matter.id in seen
    assert clue.id not in seen and elsewhere.id not in seen


def test_an_agency_sees_only_what_is_with_it(desk: lf.Desk) -> None:
    kept = desk.receive(_report(1, "请问身份证怎么补办"))
    handed = desk.receive(_report(2, "楼上噪音太大", community_id="C-3"))
    assert kept.agency_id is None and handed.agency_id == "A-12345"
    agency = desk.view("A-12345")
    assert [i.id for i in agency.incidents] == [handed.id]
    assert agency.members == () and agency.bulletins == ()
    desk.agency_declined(handed.id, by="A-12345", at=T0 + 5 * MIN, reason="不属于本单位")
    assert desk.view("A-12345").incidents == ()


def test_only_a_clues_owner_and_zone_leader_see_its_reporter_among_officers(
    desk: lf.Desk,
) -> None:
    clue = desk.receive(_report(1, "有人聚众赌博", "V-2"))
    leader = DIRECTORY.leader_of("C-1").id
    by_viewer = {
        viewer: next(i for i in desk.view(viewer).incidents if i.id == clue.id)
        for viewer in (clue.owner_id, leader, "CC-110")
    }
    assert by_viewer[clue.owner_id].report.reporter_id == "V-2"
    assert by_viewer[leader].report.reporter_id == "V-2"
    assert by_viewer["CC-110"].report.reporter_id is None


def test_phones_are_masked_for_unprivileged_viewers_and_in_their_exports(desk: lf.Desk) -> None:
    desk.receive(_report(1, "我家门口被堵了，回电13912345678", "V-2"))
    volunteer = desk.view("V-2")
    assert [m.id for m in volunteer.members] == ["V-2"]  # itself, its own phone
    cadre = desk.view("V-1")
    others = [m for m in cadre.members if m.id != "V-1"]
    assert others and all("****" in m.phone.reveal() for m in others if m.phone)
    assert "13912345678" not in volunteer.incidents[0].report.text
    assert "139****5678" in volunteer.incidents[0].report.text
    exported = json.dumps(cadre.to_dict(), ensure_ascii=False)
    for member in DIRECTORY.volunteers_in("C-1"):
        if member.id != "V-1" and member.phone is not None:
            assert member.phone.reveal() not in exported
    officer = json.dumps(desk.view("O-2").to_dict(), ensure_ascii=False)
    assert DIRECTORY.volunteer("V-2").phone.reveal() in officer  # type: ignore[union-attr]


def test_a_volunteer_sees_the_bulletins_for_its_audience_with_only_its_own_reading(
    desk: lf.Desk,
) -> None:
    for n, audience in enumerate((Audience(community_ids=("C-1",)), Audience(zone_ids=("Z-2",)))):
        desk.publish_bulletin(
            Bulletin(
                f"B-{n}",
                BulletinTopic.ANTI_FRAUD,
                "防诈骗",
                "不要转账",
                T0,
                T0 + dt.timedelta(days=2),
                audience,
            ),
            by="O-1",
        )
    desk.record_read("B-0", by="V-3", at=T0 + MIN)
    desk.record_relay("B-0", by="V-2", at=T0 + MIN, estimated_reach=10)
    seen = desk.bulletins(viewer="V-2")
    assert [b.id for b in seen] == ["B-0"]
    assert set(seen[0].read) == {"V-2"} and seen[0].recipient_ids == ("V-2",)
    assert [b.id for b in desk.bulletins(viewer="O-1")] == ["B-0", "B-1"]
    assert all(n.recipient_id == "V-2" for n in desk.outbox(viewer="V-2"))
    assert desk.outbox(viewer="O-1") == desk.outbox()


def test_mask_text_masks_phones_and_identity_numbers_but_not_amounts() -> None:
    text = "电话13800000001，身份证35012819800101123X，座机0591-87654321，收缴50000元"
    assert mask_text(text) == (
        "电话138****0001，身份证350***********123X，座机059******4321，收缴50000元"
    )


def test_redact_removes_personal_data_and_keeps_the_journal_usable(desk: lf.Desk) -> None:
    desk.record_application(
        volunteer_id="V-100",
        name="林小梅",
        role="shop_owner",
        community_id="C-1",
        at=T0,
        phone="13900000100",
        referred_by="V-2",
        location=lf.GeoPoint(119.701234, 25.401234),
    )
    desk.approve_volunteer("V-100", by="V-1", at=T0 + MIN)
    desk.approve_volunteer("V-100", by="O-2", at=T0 + MIN)
    desk.receive(_report(5, "3号楼有人聚众赌博，联系13800000001", "V-100", address="东门路8号"))
    events = read_journal(desk.journal)
    shared = redact(events, directory=DIRECTORY)
    assert [type(e) for e in shared] == [type(e) for e in events]
    text = json.dumps([lf.events.encode(e).data for e in shared], ensure_ascii=False)
    for secret in ("林小梅", "13900000100", "13800000001", "东门路8号", "V-100", "V-2", "V-1"):
        assert secret not in text
    assert "O-2" in text  # officers act in office and stay named
    applied = shared[0]
    assert isinstance(applied, VolunteerApplied)
    assert applied.location == lf.GeoPoint(119.701, 25.401)
    received = [e for e in shared if isinstance(e, ReportReceived)]
    assert received[0].report.reporter_id == applied.volunteer_id  # one person, one pseudonym
    network = fold_network(DIRECTORY, shared)
    assert network.roster.member(applied.volunteer_id).status is lf.VolunteerStatus.ACTIVE
    assert redact(events, directory=DIRECTORY) == shared  # stable
    dropped = redact(events, drop_text=True)
    assert [e.report.text for e in dropped if isinstance(e, ReportReceived)] == [""]


CLUE_TEXTS = ["3号楼有人聚众赌博", "发现有人贩毒", "有可疑人员在小区踩点"]
OTHER_TEXTS = ["小区门口有人占道摆摊", "路灯坏了", "钱包丢了", "我家老人走失了"]


@settings(max_examples=40, deadline=None)
@given(
    reports=st.lists(
        st.tuples(
            st.sampled_from(CLUE_TEXTS + OTHER_TEXTS),
            st.sampled_from([*VOLUNTEERS, None]),
            st.sampled_from([c.id for c in DIRECTORY.communities]),
        ),
        min_size=1,
        max_size=8,
    ),
    viewer_id=st.sampled_from(VOLUNTEERS),
    viewer_reported=st.booleans(),
    alert=st.booleans(),
)
def test_a_volunteer_never_sees_a_clues_reporter(
    reports: list[tuple[str, str | None, str]], viewer_id: str, viewer_reported: bool, alert: bool
) -> None:
    reporters = [r for _, r, _ in reports if r is not None]
    if viewer_reported and reporters:
        viewer_id = reporters[0]  # not even a clue it reported itself names its reporter
    desk = lf.Desk(DIRECTORY)
    for n, (text, reporter, community) in enumerate(reports):
        incident = desk.receive(_report(n, text, reporter, community_id=community))
        if alert and desk.alert_check(incident.id).suitable and incident.is_open:
            with contextlib.suppress(lf.IllegalTransitionError):  # nobody left to alert
                desk.alert_volunteers(incident.id, by=incident.owner_id, at=T0 + 30 * MIN)
    seen = desk.view(viewer_id).incidents + desk.incidents(viewer=viewer_id)
    for incident in seen:
        if incident.kind is lf.Kind.CLUE:
            assert incident.report.reporter_id is None
    for incident in desk.incidents():
        if incident.kind is lf.Kind.CLUE:
            with pytest.raises(lf.AccessDeniedError):
                desk.reporter_of(incident.id, viewer_id=viewer_id)
