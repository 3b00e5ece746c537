"""The desk driven at random: its promises hold after every step."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

import lianfang as lf
from lianfang.testing import assert_same_desk_state, make_directory

CST = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2021, 1, 12, 8, 0, tzinfo=CST)
DIRECTORY = make_directory(with_rotas=True)
TEXTS = [
    "有人打架，有人流血",
    "小区门口有人占道摆摊",
    "楼上噪音太大",
    "3号楼有人聚众赌博",
    "请问身份证怎么补办",
    "电瓶车被偷了",
    "路灯坏了",
    "没有人受伤，已经散了",
]
POLICE = {o.id for o in DIRECTORY.officers} | {DIRECTORY.command_center.id}
ACTORS = sorted(
    POLICE | {v.id for v in DIRECTORY.volunteers[:3]} | {a.id for a in DIRECTORY.agencies}
)


class DeskMachine(RuleBasedStateMachine):
    incidents = Bundle("incidents")

    @initialize()
    def start(self) -> None:
        self.desk = lf.Desk(DIRECTORY)
        # A second desk on the same journal, catching up now and then: it replays the
        # journal in pieces, and reads its incidents only when a rule asks for them.
        self.follower = lf.Desk(DIRECTORY, self.desk.journal)
        self.now = START
        self.received: set[str] = set()
        self.count = 0

    def _at(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=30)
        return self.now

    @rule(
        target=incidents,
        text=st.sampled_from(TEXTS),
        community=st.sampled_from([c.id for c in DIRECTORY.communities] + [None]),
        category=st.sampled_from([None, "200100", "600200", "600400", "200700"]),
    )
    def receive(self, text: str, community: str | None, category: str | None) -> str:
        self.count += 1
        report = lf.Report(
            id=f"R-{self.count}",
            received_at=self._at(),
            text=text,
            channel=lf.Channel.VOLUNTEER,
            reporter_id="V-1",
            community_id=community,
            category=category,
        )
        incident = self.desk.receive(report)
        self.received.add(report.id)
        return incident.id

    @rule(incident_id=incidents, by=st.sampled_from(["owner", *ACTORS]))
    def acknowledge(self, incident_id: str, by: str) -> None:
        self._try(
            lambda actor: self.desk.acknowledge(incident_id, by=actor, at=self._at()),
            incident_id,
            by,
        )

    @rule(incident_id=incidents, by=st.sampled_from(["owner", *ACTORS]))
    def resolve(self, incident_id: str, by: str) -> None:
        self._try(
            lambda actor: self.desk.resolve(incident_id, by=actor, at=self._at(), outcome="已处理"),
            incident_id,
            by,
        )

    @rule(incident_id=incidents, kind=st.sampled_from(list(lf.Kind)))
    def retriage(self, incident_id: str, kind: lf.Kind) -> None:
        self._try(
            lambda actor: self.desk.retriage(
                incident_id, kind=kind, by=actor, at=self._at(), reason="复核"
            ),
            incident_id,
            "owner",
        )

    @rule(incident_id=incidents)
    def hand_to_agency(self, incident_id: str) -> None:
        self._try(
            lambda actor: self.desk.hand_to_agency(
                incident_id, agency_id="A-12345", by=actor, at=self._at()
            ),
            incident_id,
            "owner",
        )

    @rule(incident_id=incidents)
    def agency_declines(self, incident_id: str) -> None:
        self._try(
            lambda _: self.desk.agency_declined(
                incident_id, by="A-12345", at=self._at(), reason="非本单位"
            ),
            incident_id,
            "owner",
        )

    @rule(incident_id=incidents, satisfaction=st.integers(min_value=1, max_value=5))
    def record_feedback(self, incident_id: str, satisfaction: int) -> None:
        self._try(
            lambda _: self.desk.record_feedback(
                incident_id, satisfaction=satisfaction, by="CC-110", at=self._at()
            ),
            incident_id,
            "owner",
        )

    @rule(data=st.data())
    def the_follower_catches_up(self, data: st.DataObject) -> None:
        follower, desk = self.follower, self.desk
        follower.refresh()
        assert (follower.version, follower.outbox(), follower.load()) == (
            desk.version,
            desk.outbox(),
            desk.load(),
        )
        assert follower.open_incidents() == desk.open_incidents()
        ids = [i.id for i in desk.incidents()]
        # Some incidents read now, in any order; the rest stay as they were replayed.
        for incident_id in data.draw(st.lists(st.sampled_from(ids), unique=True)) if ids else ():
            assert follower.incident(incident_id) == desk.incident(incident_id)

    @rule()
    def the_follower_matches_in_full(self) -> None:
        self.follower.refresh()
        assert_same_desk_state(self.follower, self.desk)

    @rule(minutes=st.integers(min_value=1, max_value=600))
    def time_passes(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)
        self.desk.tick(self.now)
        assert self.desk.tick(self.now) == []  # idempotent

    def _try(self, action: object, incident_id: str, by: str) -> None:
        actor = self.desk.incident(incident_id).owner_id if by == "owner" else by
        before = (self.desk.version, self.desk.incidents(), self.desk.outbox())
        try:
            action(actor)  # type: ignore[operator]
        except lf.LianfangError:
            # a refused command records nothing and changes nothing
            assert (self.desk.version, self.desk.incidents(), self.desk.outbox()) == before

    @invariant()
    def every_open_incident_has_exactly_one_owner(self) -> None:
        if not hasattr(self, "desk"):
            return
        owners = Counter(i.owner_id for i in self.desk.open_incidents())
        assert owners == Counter(self.desk.load())
        assert all(i.owner_id for i in self.desk.open_incidents())

    @invariant()
    def no_emergency_is_owned_by_a_volunteer_or_an_agency(self) -> None:
        if not hasattr(self, "desk"):
            return
        for incident in self.desk.open_incidents():
            if incident.kind is lf.Kind.EMERGENCY:
                assert incident.owner_id in POLICE

    @invariant()
    def no_report_is_lost(self) -> None:
        if not hasattr(self, "desk"):
            return
        seen = {r for i in self.desk.incidents() for r in i.report_ids}
        assert seen == self.received

    @rule()
    def take_a_snapshot(self) -> None:
        self.snapshot = self.desk.snapshot()

    @invariant()
    def the_journal_restores_the_same_state(self) -> None:
        if not hasattr(self, "desk"):
            return
        again = lf.Desk.restore(DIRECTORY, self.desk.journal)
        assert_same_desk_state(again, self.desk)

    @invariant()
    def a_snapshot_and_the_events_after_it_restore_the_same_state(self) -> None:
        if not hasattr(self, "snapshot"):
            return
        again = lf.Desk.restore(DIRECTORY, self.desk.journal, snapshot=self.snapshot)
        assert_same_desk_state(again, self.desk)


DeskMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=25, deadline=None)
TestDeskMachine = DeskMachine.TestCase
