"""The volunteer network driven at random: its promises hold after every step."""

from __future__ import annotations

import datetime as dt

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import lianfang as lf
from lianfang.events import Audience, Bulletin, BulletinTopic, CheckInStatus
from lianfang.network_policy import CredentialRule, NetworkPolicy, default_network_policy
from lianfang.testing import assert_same_desk_state, make_directory

CST = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2021, 3, 1, 8, 0, tzinfo=CST)
DIRECTORY = make_directory(zones=2, groups_per_zone=1, communities_per_group=2)
COMMUNITIES = [c.id for c in DIRECTORY.communities]
PEOPLE = [f"V-{n}" for n in range(1, 16)] + ["V-100", "V-101", "V-102"]
CADRES = sorted({v for c in DIRECTORY.communities for v in c.cadre_ids})
ACTORS = ["O-1", "O-2", "O-3", "O-5", "O-6", "V-1", "V-4", "V-7", "V-10", "V-2"]
AUDIENCES = [
    Audience(),
    Audience(zone_ids=("Z-1",)),
    Audience(community_ids=("C-2", "C-3")),
    Audience(zone_ids=("Z-2",), roles=(lf.VolunteerRole.COMMUNITY_CADRE,)),
]

# Cadres need a training certificate, once one is recorded: a lapsed one blocks routing.
POLICY = NetworkPolicy(
    credentials=(
        *default_network_policy().credentials,
        CredentialRule(lf.VolunteerRole.COMMUNITY_CADRE, "training"),
    )
)
# Matters a community cadre owns or is told of, and one the police own.
MATTERS = ["小区门口有人占道摆摊", "楼道灯坏了，物业不管", "有人打架，有人流血"]


class NetworkMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.desk = lf.Desk(DIRECTORY, network_policy=POLICY)
        self.now = START
        self.bulletins = 0
        self.reports = 0

    def _at(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=7)
        return self.now

    def _try(self, action: object) -> None:
        desk = self.desk
        before = (desk.version, desk.network, desk.outbox(), desk.incidents())
        try:
            action()  # type: ignore[operator]
        except lf.LianfangError:
            # a refused command records nothing and changes nothing
            assert (desk.version, desk.network, desk.outbox(), desk.incidents()) == before

    @rule(
        volunteer=st.sampled_from(["V-100", "V-101", "V-102", "V-1"]),
        community=st.sampled_from(COMMUNITIES),
        role=st.sampled_from(list(lf.VolunteerRole)),
    )
    def apply(self, volunteer: str, community: str, role: lf.VolunteerRole) -> None:
        self._try(
            lambda: self.desk.record_application(
                volunteer_id=volunteer,
                name="申请人",
                role=role,
                community_id=community,
                at=self._at(),
            )
        )

    def _pick(self, data: st.DataObject, likely: list[str]) -> str:
        """Mostly someone for whom the step can succeed, sometimes anyone."""
        mostly = data.draw(st.integers(0, 3)) > 0
        if likely and mostly:
            return data.draw(st.sampled_from(likely))
        return data.draw(st.sampled_from(PEOPLE))

    def _screeners(self, data: st.DataObject, volunteer: str) -> str:
        member = self.desk.roster.members.get(volunteer)
        mostly = data.draw(st.integers(0, 3)) > 0
        if member is not None and mostly:
            community = DIRECTORY.community(member.community_id)
            return data.draw(st.sampled_from(community.cadre_ids + community.liaison_officer_ids))
        return data.draw(st.sampled_from(ACTORS))

    @rule(data=st.data())
    def approve(self, data: st.DataObject) -> None:
        volunteer = self._pick(data, [m.id for m in self.desk.awaiting_screening()])
        by = self._screeners(data, volunteer)
        self._try(lambda: self.desk.approve_volunteer(volunteer, by=by, at=self._at()))

    @rule(data=st.data())
    def reject(self, data: st.DataObject) -> None:
        volunteer = self._pick(data, [m.id for m in self.desk.awaiting_screening()])
        by = self._screeners(data, volunteer)
        self._try(
            lambda: self.desk.reject_volunteer(volunteer, by=by, at=self._at(), reason="不合适")
        )

    @rule(data=st.data(), by=st.sampled_from(ACTORS))
    def suspend(self, data: st.DataObject, by: str) -> None:
        volunteer = self._pick(data, [])
        self._try(
            lambda: self.desk.suspend_volunteer(volunteer, by=by, at=self._at(), reason="停职")
        )

    @rule(data=st.data(), by=st.sampled_from(ACTORS))
    def reinstate(self, data: st.DataObject, by: str) -> None:
        suspended = [m.id for m in self.desk.members(status=lf.VolunteerStatus.SUSPENDED)]
        volunteer = self._pick(data, suspended)
        self._try(lambda: self.desk.reinstate_volunteer(volunteer, by=by, at=self._at()))

    @rule(volunteer=st.sampled_from(PEOPLE))
    def retire(self, volunteer: str) -> None:
        self._try(lambda: self.desk.retire_volunteer(volunteer, by=volunteer, at=self._at()))

    @rule(audience=st.sampled_from(AUDIENCES), by=st.sampled_from(ACTORS))
    def publish(self, audience: Audience, by: str) -> None:
        self.bulletins += 1
        at = self._at()
        bulletin = Bulletin(
            f"B-{self.bulletins}",
            BulletinTopic.TYPHOON_WARNING,
            "台风预警",
            "请加固门窗",
            at,
            at + dt.timedelta(days=3),
            audience,
        )
        self._try(lambda: self.desk.publish_bulletin(bulletin, by=by))
        if bulletin.id in self.desk.network.board:
            roster = self.desk.roster
            sent = [n.recipient_id for n in self.desk.outbox() if n.subject_id == bulletin.id]
            assert sent and all(roster.member(v).status is lf.VolunteerStatus.ACTIVE for v in sent)
            assert set(sent) == set(self.desk.bulletin(bulletin.id).recipient_ids)

    @rule(data=st.data(), relay=st.booleans())
    def read_or_relay(self, data: st.DataObject, relay: bool) -> None:
        bulletins = self.desk.bulletins()
        if not bulletins:
            return
        record = data.draw(st.sampled_from(bulletins))
        by = self._pick(data, list(record.recipient_ids))
        at = self._at()
        if relay:
            self._try(lambda: self.desk.record_relay(record.id, by=by, at=at, estimated_reach=5))
        else:
            self._try(lambda: self.desk.record_read(record.id, by=by, at=at))

    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        bulletins = self.desk.bulletins()
        if bulletins:
            record = data.draw(st.sampled_from(bulletins))
            self._try(
                lambda: self.desk.withdraw_bulletin(
                    record.id, by="O-1", at=self._at(), reason="撤回"
                )
            )

    @rule(data=st.data())
    def deliver_some(self, data: st.DataObject) -> None:
        pending = self.desk.outbox()
        if pending:
            entry = data.draw(st.sampled_from(pending))
            if data.draw(st.booleans()):
                self.desk.mark_delivered(entry.id, at=self._at())
            else:
                self.desk.mark_failed(entry.id, at=self._at(), error="timeout")

    @rule(site=st.sampled_from([s.id for s in DIRECTORY.sites]), report=st.booleans())
    def check_in(self, site: str, report: bool) -> None:
        status = CheckInStatus.TO_REPORT if report else CheckInStatus.NORMAL
        self._try(
            lambda: self.desk.check_in(
                site, by="O-1", at=self._at(), status=status, text="渡口有人打架"
            )
        )

    @rule(community=st.sampled_from(COMMUNITIES), text=st.sampled_from(MATTERS))
    def receive(self, community: str, text: str) -> None:
        self.reports += 1
        report = lf.Report(
            id=f"R-{self.reports}", received_at=self._at(), text=text, community_id=community
        )
        incident = self.desk.receive(report)
        if incident.report.id == report.id:  # routed now, not linked to an earlier one
            roster = self.desk.roster
            for assignment in incident.decision.assignments:
                if assignment.assignee_id in roster:  # a volunteer: one routable now
                    assert roster.is_routable(assignment.assignee_id, report.received_at)

    @rule(volunteer=st.sampled_from(CADRES), days=st.integers(-1, 2))
    def record_training(self, volunteer: str, days: int) -> None:
        at = self._at()
        self._try(
            lambda: self.desk.record_credential(
                volunteer,
                credential="training",
                expires_at=at + dt.timedelta(days=days),
                by="O-1",
                at=at,
            )
        )

    @rule()
    def start_check_ins(self) -> None:
        self._try(lambda: self.desk.start_check_ins(by="O-1", at=self._at()))

    @rule(hours=st.integers(1, 40))
    def time_passes(self, hours: int) -> None:
        self.now += dt.timedelta(hours=hours)
        self.desk.tick(self.now)
        assert self.desk.tick(self.now) == []

    @invariant()
    def a_volunteer_out_of_the_network_has_no_delivery_waiting(self) -> None:
        roster = self.desk.roster
        for entry in self.desk.outbox():
            if entry.topic is lf.Topic.BULLETIN:
                assert roster.member(entry.recipient_id).status is lf.VolunteerStatus.ACTIVE

    @invariant()
    def every_delivery_went_to_an_active_volunteer_of_the_audience(self) -> None:
        roster = self.desk.roster
        for record in self.desk.bulletins():
            for volunteer_id in record.recipient_ids:
                member = roster.member(volunteer_id)
                zone = roster.zone_of[member.community_id]
                assert record.bulletin.audience.matches(zone, member.community_id, member.role)

    @invariant()
    def only_screened_volunteers_are_active(self) -> None:
        for member in self.desk.roster.members.values():
            if member.applied_at is not None and member.status is lf.VolunteerStatus.ACTIVE:
                assert member.cadre_approval and member.liaison_approval

    @rule()
    def take_a_snapshot(self) -> None:
        self.snapshot = self.desk.snapshot()

    @invariant()
    def the_journal_restores_the_same_state(self) -> None:
        again = lf.Desk.restore(DIRECTORY, self.desk.journal, network_policy=POLICY)
        assert_same_desk_state(again, self.desk)

    @invariant()
    def a_snapshot_and_the_events_after_it_restore_the_same_state(self) -> None:
        if not hasattr(self, "snapshot"):
            return
        again = lf.Desk.restore(
            DIRECTORY, self.desk.journal, snapshot=self.snapshot, network_policy=POLICY
        )
        assert_same_desk_state(again, self.desk)


NetworkMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=30, deadline=None)
TestNetworkMachine = NetworkMachine.TestCase
