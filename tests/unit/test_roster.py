"""Recruitment and screening, credentials, coverage and the roster as a directory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lianfang as lf
from lianfang.network import fold_network, read_journal
from lianfang.network_policy import CoverageTarget, CredentialRule, NetworkPolicy
from lianfang.roster import Roster, coverage
from lianfang.testing import make_directory, make_report

CST = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2021, 3, 1, 9, 0, tzinfo=CST)
H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
GUARD_RULES = NetworkPolicy(
    credentials=(CredentialRule(lf.VolunteerRole.SECURITY_GUARD, "security_licence"),)
)


@pytest.fixture
def directory() -> lf.Directory:
    return make_directory()


@pytest.fixture
def desk(directory: lf.Directory) -> lf.Desk:
    return lf.Desk(directory, network_policy=GUARD_RULES)


def _apply(desk: lf.Desk, volunteer_id: str = "V-100", **fields: object) -> lf.Volunteer:
    fields.setdefault("name", "林小梅")
    fields.setdefault("role", lf.VolunteerRole.SHOP_OWNER)
    fields.setdefault("community_id", "C-1")
    fields.setdefault("phone", "13900000100")
    fields.setdefault("at", T0)
    return desk.record_application(volunteer_id=volunteer_id, **fields)  # type: ignore[arg-type, return-value]


def _screeners(directory: lf.Directory, community_id: str = "C-1") -> tuple[str, str]:
    community = directory.community(community_id)
    return community.cadre_ids[0], community.liaison_officer_ids[0]


def _recruit(desk: lf.Desk, volunteer_id: str = "V-100", **fields: object) -> None:
    _apply(desk, volunteer_id, **fields)
    community = str(fields.get("community_id", "C-1"))
    cadre, liaison = _screeners(desk.directory, community)
    desk.approve_volunteer(volunteer_id, by=cadre, at=T0 + H)
    desk.approve_volunteer(volunteer_id, by=liaison, at=T0 + H)


def test_an_applicant_becomes_active_only_when_the_cadre_and_the_liaison_officer_both_approve(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    cadre, liaison = _screeners(directory)
    applicant = _apply(desk, referred_by=cadre)
    assert applicant.status is lf.VolunteerStatus.APPLICANT
    assert desk.awaiting_screening("C-1") == (desk.member("V-100"),)
    half = desk.approve_volunteer("V-100", by=liaison, at=T0 + H)
    assert half.status is lf.VolunteerStatus.APPLICANT and half.liaison_approval == liaison
    done = desk.approve_volunteer("V-100", by=cadre, at=T0 + 2 * H)
    assert done.status is lf.VolunteerStatus.ACTIVE
    assert (done.cadre_approval, done.liaison_approval) == (cadre, liaison)
    assert done.referred_by == cadre and done.applied_at == T0
    assert desk.awaiting_screening() == ()


def test_either_screener_can_reject_with_a_reason_and_that_closes_the_application(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    cadre, liaison = _screeners(directory)
    _apply(desk)
    with pytest.raises(lf.InvalidValueError, match="reason"):
        desk.reject_volunteer("V-100", by=cadre, at=T0 + H, reason=" ")
    rejected = desk.reject_volunteer("V-100", by=cadre, at=T0 + H, reason="有不良记录")
    assert rejected.is_rejected and rejected.rejection_reason == "有不良记录"
    version = desk.version
    with pytest.raises(lf.IllegalTransitionError, match="rejected"):
        desk.approve_volunteer("V-100", by=liaison, at=T0 + 2 * H)
    assert desk.version == version


@pytest.mark.parametrize(
    "move",
    [
        "approve by a stranger",
        "approve twice on one side",
        "approve oneself",
        "suspend an applicant",
        "reinstate an active volunteer",
        "suspend by a volunteer",
        "retire twice",
        "act before the last change",
        "apply with a taken id",
        "apply to an unknown community",
    ],
)
def test_illegal_moves_raise_a_lianfang_error_and_record_nothing(
    desk: lf.Desk, directory: lf.Directory, move: str
) -> None:
    cadre, liaison = _screeners(directory)
    _apply(desk, "V-100")
    _recruit(desk, "V-101", role=lf.VolunteerRole.COMMUNITY_CADRE)
    desk.retire_volunteer("V-2", by="V-2", at=T0)
    desk.approve_volunteer("V-100", by=cadre, at=T0 + H)
    before = (desk.version, desk.roster, desk.outbox())
    actions: dict[str, Callable[[], object]] = {
        "approve by a stranger": lambda: desk.approve_volunteer("V-100", by="V-3", at=T0 + H),
        "approve twice on one side": lambda: desk.approve_volunteer("V-100", by="V-101", at=T0 + H),
        "approve oneself": lambda: desk.approve_volunteer("V-101", by="V-101", at=T0 + H),
        "suspend an applicant": lambda: desk.suspend_volunteer(
            "V-100", by=liaison, at=T0 + H, reason="x"
        ),
        "reinstate an active volunteer": lambda: desk.reinstate_volunteer(
            "V-101", by=liaison, at=T0 + H
        ),
        "suspend by a volunteer": lambda: desk.suspend_volunteer(
            "V-101", by=cadre, at=T0 + H, reason="x"
        ),
        "retire twice": lambda: desk.retire_volunteer("V-2", by="V-2", at=T0 + H),
        "act before the last change": lambda: desk.suspend_volunteer(
            "V-101", by=liaison, at=T0, reason="x"
        ),
        "apply with a taken id": lambda: _apply(desk, "O-1"),
        "apply to an unknown community": lambda: _apply(desk, "V-102", community_id="C-99"),
    }
    with pytest.raises(lf.LianfangError):
        actions[move]()
    assert (desk.version, desk.roster, desk.outbox()) == before


def test_bad_application_data_is_rejected_naming_every_field(desk: lf.Desk) -> None:
    with pytest.raises(lf.InvalidValueError) as caught:
        desk.record_application(
            volunteer_id="",
            name=" ",
            role="pilot",
            community_id="C-1",
            at=T0,
            phone=5,  # type: ignore[arg-type]
        )
    fields = {p.split(":")[0] for p in caught.value.problems}
    assert fields == {"volunteer_id", "name", "role", "phone"}
    with pytest.raises(lf.InvalidValueError, match="at"):
        _apply(desk, at=dt.datetime(2021, 3, 1, 9, 0))
    assert desk.version == 0


def test_suspend_reinstate_and_retire(desk: lf.Desk, directory: lf.Directory) -> None:
    officer = _screeners(directory)[1]
    suspended = desk.suspend_volunteer("V-2", by=officer, at=T0, reason="多次误报")
    assert suspended.status is lf.VolunteerStatus.SUSPENDED
    assert suspended.status_reason == "多次误报"
    back = desk.reinstate_volunteer("V-2", by="O-1", at=T0 + H, note="已谈话")
    assert back.status is lf.VolunteerStatus.ACTIVE
    gone = desk.retire_volunteer("V-2", by="V-2", at=T0 + 2 * H, reason="搬家")
    assert gone.status is lf.VolunteerStatus.RETIRED
    with pytest.raises(lf.IllegalTransitionError):
        desk.reinstate_volunteer("V-2", by="O-1", at=T0 + 3 * H)


def test_an_expired_credential_takes_a_guard_out_of_routing_until_renewed(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    _recruit(desk, "V-100", role=lf.VolunteerRole.SECURITY_GUARD)
    desk.record_credential(
        "V-100", credential="security_licence", expires_at=T0 + 10 * DAY, by="O-1", at=T0 + H
    )
    assert desk.roster.is_routable("V-100", T0 + 9 * DAY)
    assert not desk.roster.is_routable("V-100", T0 + 10 * DAY)
    later = desk.current_directory(T0 + 11 * DAY)
    assert later.volunteer("V-100").status is lf.VolunteerStatus.SUSPENDED
    assert desk.current_directory(T0 + 9 * DAY).volunteer("V-100").status.value == "active"
    desk.record_credential(
        "V-100", credential="security_licence", expires_at=T0 + 400 * DAY, by="V-1", at=T0 + DAY
    )
    assert desk.roster.is_routable("V-100", T0 + 11 * DAY)


def test_credentials_due_lists_the_missing_the_expired_and_the_expiring(desk: lf.Desk) -> None:
    for n, expires in ((100, T0 + 5 * DAY), (101, T0 + 100 * DAY), (102, None), (103, T0 - DAY)):
        _recruit(desk, f"V-{n}", role=lf.VolunteerRole.SECURITY_GUARD)
        if expires is not None:
            desk.record_credential(
                f"V-{n}", credential="security_licence", expires_at=expires, by="O-1", at=T0 + H
            )
    due = desk.credentials_due(T0 + 2 * H)
    states = {d.volunteer_id: d.state for d in due if d.volunteer_id.startswith("V-10")}
    assert states == {"V-100": "expiring", "V-102": "missing", "V-103": "expired"}
    # soonest first: never recorded, then expired, then expiring
    assert [d.volunteer_id for d in due if d.volunteer_id in states] == ["V-102", "V-103", "V-100"]
    assert {d.volunteer_id for d in due if d.blocks_routing} == {"V-103"}
    assert all(d.state == "missing" for d in due if d.volunteer_id not in states)


def test_only_an_officer_or_a_cadre_of_the_community_records_credentials(desk: lf.Desk) -> None:
    _recruit(desk, "V-100", role=lf.VolunteerRole.SECURITY_GUARD)
    for stranger in ("V-100", "V-5", "nobody"):
        with pytest.raises(lf.IllegalTransitionError):
            desk.record_credential(
                "V-100", credential="security_licence", expires_at=T0 + DAY, by=stranger, at=T0 + H
            )


def test_a_router_built_on_the_exported_directory_passes_over_a_suspended_cadre(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    report = make_report(text="小区门口有人占道摆摊", community_id="C-1", received_at=T0)
    before = lf.Router(directory).route(report)
    cadre = directory.community("C-1").cadre_ids[0]
    assert cadre in {a.assignee_id for a in before.assignments}
    desk.suspend_volunteer(cadre, by="O-1", at=T0, reason="停职调查")
    after = lf.Router(desk.current_directory()).route(report)
    assert cadre not in {a.assignee_id for a in after.assignments}


def test_the_exported_directory_adds_new_volunteers_and_keeps_everything_else(
    desk: lf.Desk, directory: lf.Directory
) -> None:
    _recruit(desk, "V-100")
    exported = desk.current_directory()
    assert exported.volunteer("V-100").status is lf.VolunteerStatus.ACTIVE
    assert exported.volunteer("V-100").phone == lf.Phone("13900000100")
    assert attrs.evolve(exported, volunteers=directory.volunteers) == directory


def test_the_roster_at_any_time_is_a_fold_of_the_journal(desk: lf.Desk) -> None:
    _recruit(desk, "V-100")
    desk.suspend_volunteer("V-100", by="O-1", at=T0 + 5 * H, reason="x")
    events = read_journal(desk.journal)
    at_noon = fold_network(desk.directory, events, policy=GUARD_RULES, until=T0 + 3 * H)
    assert at_noon.roster.member("V-100").status is lf.VolunteerStatus.ACTIVE
    now = fold_network(desk.directory, events, policy=GUARD_RULES)
    assert now == desk.network
    again = lf.Desk.restore(desk.directory, desk.journal, network_policy=GUARD_RULES)
    assert again.network == desk.network and again.version == desk.version


def test_the_sample_county_has_about_500_volunteers_and_its_gaps_are_listed() -> None:
    directory = lf.sample_directory()
    report = coverage(directory)
    assert report.volunteers == 500
    assert report.active == report.by_status["active"] == 460
    assert sum(report.by_role.values()) == report.active
    assert report.communities == len(directory.communities)
    assert report.communities_without_gaps == report.communities - len(
        {g.community_id for g in report.gaps}
    )
    assert coverage(Roster.from_directory(directory)) == report


def test_coverage_targets_can_differ_per_community(directory: lf.Directory) -> None:
    policy = NetworkPolicy(
        min_active_per_community=1,
        required_roles=(),
        targets=(CoverageTarget("C-2", min_active=9, roles=(lf.VolunteerRole.SECURITY_GUARD,)),),
    )
    gaps = coverage(directory, policy).gaps
    assert {(g.community_id, g.role) for g in gaps} == {
        ("C-2", None),
        ("C-2", lf.VolunteerRole.SECURITY_GUARD),
    }
    assert next(g for g in gaps if g.role is None).short_by == 9 - 3


ROLES = list(lf.VolunteerRole)


@settings(max_examples=60, deadline=None)
@given(
    minimum=st.integers(0, 4),
    needed=st.lists(st.sampled_from(ROLES), max_size=3, unique=True),
    additions=st.lists(
        st.tuples(
            st.sampled_from(["C-1", "C-2", "C-3"]),
            st.sampled_from(ROLES),
            st.sampled_from(list(lf.VolunteerStatus)),
        ),
        max_size=14,
    ),
)
def test_coverage_gaps_disappear_exactly_when_targets_are_met(
    minimum: int,
    needed: list[lf.VolunteerRole],
    additions: list[tuple[str, lf.VolunteerRole, lf.VolunteerStatus]],
) -> None:
    base = make_directory(
        zones=1,
        groups_per_zone=1,
        communities_per_group=3,
        volunteers_per_community=0,
        with_geometry=False,
    )
    policy = NetworkPolicy(min_active_per_community=minimum, required_roles=tuple(needed))
    volunteers: list[lf.Volunteer] = []
    for n, (community, role, status) in enumerate([(None, None, None), *additions]):
        if community is not None and role is not None and status is not None:
            volunteers.append(lf.Volunteer(f"V-{n}", "某人", role, community, None, status))
        report = coverage(attrs.evolve(base, volunteers=tuple(volunteers)), policy)
        for community_id in ("C-1", "C-2", "C-3"):
            active = [
                v
                for v in volunteers
                if v.community_id == community_id and v.status is lf.VolunteerStatus.ACTIVE
            ]
            gaps = report.gaps_in(community_id)
            assert any(g.role is None for g in gaps) == (len(active) < minimum)
            for role in ROLES:
                met = role not in needed or any(v.role is role for v in active)
                assert any(g.role is role for g in gaps) == (not met)
        assert report.complete == all(not report.gaps_in(c) for c in ("C-1", "C-2", "C-3"))


CADRE_RULES = NetworkPolicy(
    credentials=(
        CredentialRule(lf.VolunteerRole.COMMUNITY_CADRE, "training"),
        CredentialRule(lf.VolunteerRole.COMMUNITY_CADRE, "oath", required_from_start=True),
    )
)


def _told_of_a_stall(desk: lf.Desk, n: int, at: dt.datetime) -> set[str]:
    report = make_report(
        id=f"R-{n}", text="小区门口有人占道摆摊", community_id="C-1", received_at=at
    )
    return {a.assignee_id for a in desk.receive(report).decision.assignments}


def test_a_desk_routes_nothing_to_a_cadre_whose_required_credential_lapsed(
    directory: lf.Directory,
) -> None:
    desk = lf.Desk(directory, network_policy=CADRE_RULES)
    cadre = directory.community("C-1").cadre_ids[0]
    assert cadre not in _told_of_a_stall(desk, 1, T0)  # the oath was never recorded
    for credential in ("oath", "training"):
        desk.record_credential(
            cadre, credential=credential, expires_at=T0 + 10 * DAY, by="O-1", at=T0 + H
        )
    assert cadre in _told_of_a_stall(desk, 2, T0 + 9 * DAY)
    assert cadre not in _told_of_a_stall(desk, 3, T0 + 10 * DAY)  # expired: blocked from then
    assert cadre in _told_of_a_stall(desk, 4, T0 + 9 * DAY + 2 * H)  # a late report, back then
    desk.record_credential(
        cadre, credential="training", expires_at=T0 + 400 * DAY, by="O-1", at=T0 + 11 * DAY
    )
    assert cadre not in _told_of_a_stall(desk, 5, T0 + 12 * DAY)  # the oath still lapsed
    desk.record_credential(
        cadre, credential="oath", expires_at=T0 + 400 * DAY, by="O-1", at=T0 + 12 * DAY
    )
    assert cadre in _told_of_a_stall(desk, 6, T0 + 13 * DAY)


@settings(max_examples=60, deadline=None)
@given(
    expiries=st.lists(st.none() | st.integers(-5, 5), min_size=2, max_size=2),
    days=st.integers(-7, 7),
)
def test_blocked_from_is_when_the_blocking_credentials_begin(
    expiries: list[int | None], days: int
) -> None:
    desk = lf.Desk(make_directory(), network_policy=CADRE_RULES)
    for credential, expiry in zip(("training", "oath"), expiries, strict=True):
        if expiry is not None:
            desk.record_credential(
                "V-1", credential=credential, expires_at=T0 + expiry * DAY, by="O-1", at=T0
            )
    roster = desk.roster
    member = roster.member("V-1")
    start = roster.blocked_from(member)
    for at in (T0 + days * DAY, T0 + days * DAY - dt.timedelta(microseconds=1)):
        assert bool(roster.blocking_credentials(member, at)) == (start is not None and at >= start)
