"""The router: kind-based assignment, duty, load, escalation ladders, explanations."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Iterable, Mapping

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lianfang as lf
from lianfang.testing import directories, make_directory, make_report, reports
from lianfang.triage import Triage, place_marks, triage, triage_text

CST = dt.timezone(dt.timedelta(hours=8))
TUESDAY_10AM = dt.datetime(2021, 1, 12, 10, 0, tzinfo=CST)


@pytest.fixture(scope="module")
def directory() -> lf.Directory:
    return make_directory()


@pytest.fixture(scope="module")
def router(directory: lf.Directory) -> lf.Router:
    return lf.Router(directory)


def _report(**fields: object) -> lf.Report:
    return make_report(received_at=TUESDAY_10AM, **fields)


def test_an_emergency_is_owned_by_the_command_center_and_the_patrol_is_told(
    router: lf.Router, directory: lf.Directory
) -> None:
    decision = router.route(_report(text="楼下有人持刀砍人，有人流血", community_id="C-1"))
    assert decision.kind is lf.Kind.EMERGENCY
    assert decision.priority is lf.Priority.P1
    assert decision.assignments[0].assignee_id == directory.command_center.id
    assert decision.assignments[0].role is lf.AssignmentRole.OWNER
    group = directory.group_of("C-1")
    notified = {a.assignee_id for a in decision.assignments[1:]}
    assert notified & set(group.officer_ids)
    assert decision.escalation[-1].assignee_id == directory.command_center.id


def test_a_clue_goes_to_the_liaison_officer_with_the_zone_leader_informed(
    router: lf.Router, directory: lf.Directory
) -> None:
    decision = router.route(
        _report(text="3号楼有人聚众赌博，每天晚上都有", community_id="C-1", reporter_id="V-1")
    )
    assert decision.kind is lf.Kind.CLUE
    community = directory.community("C-1")
    assert decision.owner_id in community.liaison_officer_ids
    assert directory.leader_of("C-1").id in {a.assignee_id for a in decision.assignments}
    assert decision.reporter_withheld
    volunteer_ids = {v.id for v in directory.volunteers}
    assert not volunteer_ids & {a.assignee_id for a in decision.assignments}


def test_a_non_police_matter_goes_to_the_agency_that_takes_its_category(
    router: lf.Router, directory: lf.Directory
) -> None:
    decision = router.route(_report(text="路灯坏了", community_id="C-2", category="600200"))
    assert decision.kind is lf.Kind.NON_EMERGENCY
    assert decision.owner_id == "A-12345"
    cadres = set(directory.community("C-2").cadre_ids)
    assert cadres & {a.assignee_id for a in decision.assignments[1:]}
    assert "route.agency" in decision.reasons


def test_an_unknown_place_goes_to_the_command_center(router: lf.Router) -> None:
    decision = router.route(_report(text="电瓶车电瓶被偷了", community_id=None))
    assert decision.community_id is None and decision.zone_id is None
    assert decision.owner_id == "CC-110"
    assert "route.unknown_place" in decision.reasons


def test_places_are_found_by_coordinates_and_by_name(
    router: lf.Router, directory: lf.Directory
) -> None:
    community = directory.communities[2]
    assert community.geometry is not None
    ring = community.geometry.polygons[0][0]
    centre = lf.GeoPoint(
        sum(p[0] for p in ring[:-1]) / (len(ring) - 1),
        sum(p[1] for p in ring[:-1]) / (len(ring) - 1),
    )
    by_point = router.route(_report(text="有人吵架", location=centre))
    assert by_point.community_id == community.id
    by_name = router.route(_report(text=f"{community.name}门口有人吵架"))
    assert by_name.community_id == community.id
    assert by_name.group_id == community.group_id
    assert by_name.zone_id == directory.group(community.group_id).zone_id


def test_an_off_duty_liaison_officer_is_passed_over_for_an_on_duty_group_officer() -> None:
    directory = make_directory(with_rotas=True)
    router = lf.Router(directory)
    community = directory.community("C-1")
    liaison = community.liaison_officer_ids[0]
    # find a time when the liaison officer is off duty but someone in the group is on
    for hour in range(24 * 7):
        at = dt.datetime(2021, 1, 11, tzinfo=CST) + dt.timedelta(hours=hour)
        group = directory.group(community.group_id)
        on = [o for o in group.officer_ids if directory.is_on_duty(o, at)]
        if not directory.is_on_duty(liaison, at) and on:
            break
    else:
        pytest.skip("the factory's rotas never leave a liaison officer off duty")
    decision = router.route(
        make_report(received_at=at, text="电瓶车电瓶被偷了", community_id="C-1")
    )
    assert decision.owner_id != liaison
    assert directory.is_on_duty(decision.owner_id, at)
    assert "route.off_duty" in decision.reasons


def test_the_least_loaded_officer_is_chosen_and_a_full_one_is_passed_over(
    directory: lf.Directory,
) -> None:
    policy = lf.default_policy()
    router = lf.Router(directory, attrs.evolve(policy, capacity=3))
    liaison = directory.community("C-1").liaison_officer_ids[0]
    report = _report(text="有人在小区里乱停车堵住了消防通道", community_id="C-1")
    free = router.route(report, load={})
    full = router.route(report, load={liaison: 3})
    if free.owner_id == liaison:
        assert full.owner_id != liaison
        assert "route.at_capacity" in full.reasons


def test_the_ladder_climbs_to_the_command_center_with_growing_deadlines(
    router: lf.Router,
) -> None:
    decision = router.route(_report(text="小区门口有人摆摊占道", community_id="C-1"))
    afters = [step.after for step in decision.escalation]
    assert afters == sorted(afters)
    assert all(a > dt.timedelta(0) for a in afters)
    assert decision.escalation[-1].assignee_id == "CC-110"
    assert decision.assignments[0].due_at == decision.received_at + decision.ack_within


def test_explain_tells_the_story_in_both_languages(router: lf.Router) -> None:
    decision = router.route(
        _report(text="3号楼有人聚众赌博", community_id="C-1", reporter_id="V-1")
    )
    zh = decision.explain("zh")
    en = decision.explain("en")
    assert "线索" in zh and "C-1" in zh
    assert "clue" in en and "escalate" in en
    for reason in decision.reasons:
        assert f"[{reason}]" in en


def test_a_decision_round_trips_through_json(router: lf.Router) -> None:
    decision = router.route(_report(text="有人打架", community_id="C-1"))
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["kind"] == decision.kind.value
    assert data["assignments"][0]["assignee_id"] == decision.owner_id


def test_a_manual_kind_overrides_triage(router: lf.Router) -> None:
    decision = router.route(_report(text="邻居吵架", community_id="C-1"), kind=lf.Kind.EMERGENCY)
    assert decision.kind is lf.Kind.EMERGENCY
    assert decision.owner_id == "CC-110"
    assert decision.reasons[0] == "triage.manual"


# --- properties -----------------------------------------------------------------------------

_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def _directory_and_report(draw: st.DrawFn) -> tuple[lf.Directory, lf.Report]:
    directory = draw(directories())
    return directory, draw(reports(directory))


@_SETTINGS
@given(_directory_and_report())
def test_every_decision_is_deterministic_owned_and_ends_at_the_command_center(
    case: tuple[lf.Directory, lf.Report],
) -> None:
    directory, report = case
    router = lf.Router(directory)
    first = router.route(report)
    assert first == lf.Router(directory).route(report)
    # a load that weighs nothing takes the uncached path and must agree with the cached one
    assert first == router.route(report, load={"nobody": 0})
    assert first.assignments and first.assignments[0].role is lf.AssignmentRole.OWNER
    assert first.escalation and first.escalation[-1].assignee_id == directory.command_center.id
    if first.kind is lf.Kind.EMERGENCY:
        assert first.owner_id == directory.command_center.id
    if first.kind is lf.Kind.CLUE:
        volunteers = {v.id for v in directory.volunteers}
        assert not volunteers & {a.assignee_id for a in first.assignments}
    assert first.reasons
    assert len({a.assignee_id for a in first.assignments}) == len(first.assignments)


# --- the optimised router against the rules read plainly --------------------------------------


def read_plainly(router: lf.Router, report: lf.Report) -> tuple[Triage, bool]:
    """Triage with the place names of the text masked, and whether the danger was only in a
    name that reads as danger alone. Names are found by the gazetteer (tested on its own
    against a naive scan); each of their letters becomes the policy's mark."""
    policy = router.policy
    ascii_mark, other_mark = place_marks(policy)
    text = report.text
    spans = router._locator.names.spans(text)
    masked = list(text)
    for start, end, _, _ in spans:
        for i in range(start, end):
            if text[i].isalnum():
                masked[i] = ascii_mark if text[i].isascii() else other_mark
    verdict = triage(attrs.evolve(report, text="".join(masked)), policy)
    raw = triage(report, policy)
    alarming = [
        name
        for _, _, name, _ in spans
        if (alone := triage_text(name, policy)).kind is lf.Kind.EMERGENCY and not alone.needs_review
    ]
    if verdict.kind is not lf.Kind.EMERGENCY and alarming and raw.kind is lf.Kind.EMERGENCY:
        return raw, True
    return verdict, False


def route_by_hand(
    router: lf.Router, report: lf.Report, load: Mapping[str, int] | None = None
) -> lf.Decision:
    """The routing rules of DESIGN.md read plainly: duty from the shifts and rotas
    themselves, lists sorted and walked, nothing prepared or remembered."""
    directory, policy = router.directory, router.policy
    load = load or {}
    at = report.received_at
    verdict, named_danger = read_plainly(router, report)
    place = router.locate(report)
    reasons: list[str] = []
    assignees: list[str] = []

    def on_duty(officer_id: str) -> bool:
        if not directory.shifts and not directory.rotas:
            return True
        instant = at.astimezone(dt.UTC)
        local = at.astimezone(zoneinfo.ZoneInfo(directory.timezone))
        return any(
            s.officer_id == officer_id and s.start <= instant < s.end for s in directory.shifts
        ) or any(r.officer_id == officer_id and r.covers(local) for r in directory.rotas)

    def pick(candidates: Iterable[str], *, officers: bool = True, besides: str = "") -> str | None:
        free = [c for c in sorted(candidates) if c != besides and (not officers or on_duty(c))]
        if policy.capacity is not None:
            full = any(load.get(c, 0) >= policy.capacity for c in free)
            if full and "route.at_capacity" not in reasons:
                reasons.append("route.at_capacity")
            free = [c for c in free if load.get(c, 0) < policy.capacity]
        return min(free, key=lambda c: (load.get(c, 0), c), default=None)

    def assign(assignee_id: str) -> None:
        if assignee_id not in assignees:
            assignees.append(assignee_id)

    ack = policy.ack_deadline(verdict.kind, verdict.priority)
    center = directory.command_center.id
    rungs: list[str | None] = []
    if place.community_id is None:
        reasons.append("route.unknown_place")
        assign(center)
        community = group = zone = None
    else:
        community = directory.community(place.community_id)
        group = directory.group(community.group_id)
        zone = directory.zone(group.zone_id)
        liaisons = community.liaison_officer_ids
        members = group.officer_ids
        neighbours = {
            o for g in directory.groups_in(zone.id) if g.id != group.id for o in g.officer_ids
        }
        cadres = sorted(
            v
            for v in community.cadre_ids
            if directory.volunteer(v).status is lf.VolunteerStatus.ACTIVE
        )
        behind_the_owner = 0  # 0: a group officer, then the leader; 1: the leader; 2: nobody

        def police_owner() -> str:
            nonlocal behind_the_owner
            chosen = pick(liaisons)
            if chosen is not None:
                return chosen
            if liaisons:
                reasons.append("route.off_duty")
            behind_the_owner = 1
            chosen = pick(members)
            if chosen is None:
                chosen = pick(neighbours)
                if chosen is not None:
                    reasons.append("route.neighbour_group")
            if chosen is not None:
                return chosen
            reasons.append("route.zone_leader")
            behind_the_owner = 2
            return zone.leader_id

        def police_behind(owner: str) -> list[str | None]:
            steps: list[str | None] = []
            if behind_the_owner == 0:
                steps.append(pick(members, besides=owner) or pick(neighbours, besides=owner))
            if behind_the_owner < 2 and owner != zone.leader_id:
                steps.append(zone.leader_id)
            return steps

        kind = verdict.kind
        category = policy.category(verdict.category) if verdict.category else None
        civil_owner = None
        if kind is lf.Kind.NON_EMERGENCY and category is not None and not category.police:
            agencies = sorted(a.id for a in directory.agencies if category.code in a.categories)
            civil_owner = pick(agencies, officers=False)
            if civil_owner is not None:
                reasons.append("route.agency")
                assign(civil_owner)
                if cadres:
                    assign(cadres[0])
            else:
                civil_owner = pick(cadres, officers=False)
                if civil_owner is not None:
                    reasons.append("route.cadre")
                    assign(civil_owner)
                    liaison = pick(liaisons)
                    if liaison is not None:
                        assign(liaison)
        if civil_owner is not None:
            rungs.append(pick(liaisons))
            rungs.extend(police_behind(civil_owner))
        elif kind is lf.Kind.EMERGENCY:
            reasons.append("route.emergency")
            assign(center)
            told = [o for o in sorted(members) if on_duty(o)]
            for officer in told or [o for o in sorted(neighbours) if on_duty(o)]:
                assign(officer)
            assign(zone.leader_id)
            rungs.append(zone.leader_id)
        else:
            reasons.append(
                {
                    lf.Kind.NON_EMERGENCY: "route.liaison",
                    lf.Kind.CLUE: "route.clue",
                    lf.Kind.INFO: "route.info",
                }[kind]
            )
            owner = police_owner()
            assign(owner)
            if kind is lf.Kind.NON_EMERGENCY and cadres:
                assign(cadres[0])
            if kind is lf.Kind.CLUE:
                assign(zone.leader_id)
            rungs.extend(police_behind(owner))
    steps: list[lf.EscalationStep] = []
    previous = assignees[0]
    for rung in [*rungs, center]:
        if rung and rung != previous:
            steps.append(lf.EscalationStep(rung, ack * (len(steps) + 1)))
            previous = rung
    return lf.Decision(
        report_id=report.id,
        received_at=at,
        kind=verdict.kind,
        priority=verdict.priority,
        category=verdict.category,
        community_id=community.id if community else None,
        group_id=group.id if group else None,
        zone_id=zone.id if zone else None,
        assignments=tuple(
            lf.Assignment(a, lf.AssignmentRole.OWNER, at + ack)
            if n == 0
            else lf.Assignment(a, lf.AssignmentRole.NOTIFIED)
            for n, a in enumerate(assignees)
        ),
        escalation=tuple(steps) or (lf.EscalationStep(center, ack),),
        ack_within=ack,
        reasons=verdict.reasons
        + place.reasons
        + tuple(reasons)
        + (("route.danger_in_place_name",) if named_danger else ()),
        needs_review=verdict.needs_review or place.needs_review or named_danger,
        reporter_withheld=verdict.kind is lf.Kind.CLUE,
        evidence=verdict.evidence,
        locate_method=place.method.value,
    )


_WEEK_OF_A_DST_CHANGE = dt.datetime(2021, 3, 22, tzinfo=dt.UTC)  # Berlin's is on the 28th
_OFFSETS = (dt.UTC, CST, dt.timezone(dt.timedelta(hours=-5)))


@st.composite
def _routing_cases(
    draw: st.DrawFn,
) -> tuple[lf.Directory, list[lf.Report], dict[str, int], int | None]:
    """A directory, reports about its communities received around duty changes, a load
    and a capacity."""
    directory = draw(directories(min_communities=1))
    community_ids = st.sampled_from([c.id for c in directory.communities])
    edges = [t for s in directory.shifts for t in (s.start, s.end)]
    nudges = st.sampled_from([-1, 0, 1, 3600, -3600]).map(lambda s: dt.timedelta(seconds=s))
    in_the_week = st.builds(
        lambda minutes, tz: (_WEEK_OF_A_DST_CHANGE + dt.timedelta(minutes=minutes)).astimezone(tz),
        st.integers(0, 8 * 24 * 60),
        st.sampled_from(_OFFSETS),
    )
    instants = in_the_week
    if edges:
        instants |= st.builds(lambda edge, nudge: edge + nudge, st.sampled_from(edges), nudges)
    found: list[lf.Report] = []
    for report in draw(st.lists(reports(directory), min_size=1, max_size=6)):
        found.append(
            attrs.evolve(
                report,
                community_id=draw(community_ids | st.just(report.community_id)),
                received_at=draw(instants | st.just(report.received_at)),
            )
        )
    people = [o.id for o in directory.officers] + [a.id for a in directory.agencies]
    people += [v.id for v in directory.volunteers]
    load = draw(st.dictionaries(st.sampled_from(people), st.integers(0, 3)))
    return directory, found, load, draw(st.none() | st.integers(1, 3))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_routing_cases())
def test_a_decision_is_what_the_rules_read_plainly_give(
    case: tuple[lf.Directory, list[lf.Report], dict[str, int], int | None],
) -> None:
    directory, found, load, capacity = case
    router = lf.Router(directory, attrs.evolve(lf.default_policy(), capacity=capacity))
    for report in found:  # several reports through one router: what it keeps must not leak
        assert router.route(report) == route_by_hand(router, report)
        assert router.route(report, load=load) == route_by_hand(router, report, load)
        assert router.route(report, load={"nobody": 0}) == route_by_hand(router, report)


def test_a_leader_in_a_group_and_a_liaison_from_another_zone_route_as_the_rules_say() -> None:
    base = make_directory(zones=2, with_rotas=True)
    zone, other_zone = base.zones
    group = base.groups_in(zone.id)[0]
    community = base.communities_of(group.id)[0]
    outsider = base.groups_in(other_zone.id)[0].officer_ids[-1]
    directory = attrs.evolve(
        base,
        groups=[
            attrs.evolve(g, officer_ids=(*g.officer_ids, zone.leader_id)) if g.id == group.id else g
            for g in base.groups
        ],
        communities=[
            attrs.evolve(c, liaison_officer_ids=(outsider,)) if c.id == community.id else c
            for c in base.communities
        ],
    )
    router = lf.Router(directory)
    texts = [
        ("楼下有人持刀砍人，有人流血", None),
        ("3号楼有人聚众赌博，每天晚上都有", None),
        ("电瓶车电瓶被偷了", None),
        ("路灯坏了", "600200"),
        ("请问身份证到期去哪里换", None),
    ]
    owners = set()
    for hour in range(0, 24 * 7, 3):
        at = dt.datetime(2021, 1, 11, tzinfo=CST) + dt.timedelta(hours=hour)
        for text, category in texts:
            report = make_report(
                received_at=at, text=text, category=category, community_id=community.id
            )
            decision = router.route(report)
            assert decision == route_by_hand(router, report)
            owners.add(decision.owner_id)
    assert {outsider, zone.leader_id} <= owners


# --- volunteers' statuses: only active ones are routed to -----------------------------------


def _cadre_case(directory: lf.Directory) -> lf.Report:
    """A report of a non-police matter no agency takes: its community's cadre owns it."""
    agency_codes = {code for agency in directory.agencies for code in agency.categories}
    code = next(
        c.code
        for c in lf.default_policy().categories
        if not c.police and c.code not in agency_codes
    )
    return _report(text="反映一个问题", category=code, community_id="C-1")


def test_a_suspended_cadre_is_neither_given_a_matter_nor_told_of_one(
    router: lf.Router, directory: lf.Directory
) -> None:
    report = _report(text="小区门口有人占道摆摊", community_id="C-1")
    cadre = directory.community("C-1").cadre_ids[0]
    told = router.route(report)
    assert cadre in {a.assignee_id for a in told.assignments}

    suspended = router.with_statuses({cadre: lf.VolunteerStatus.SUSPENDED})
    assert cadre not in {a.assignee_id for a in suspended.route(report).assignments}
    owned = router.route(_cadre_case(directory))
    assert owned.owner_id == cadre
    passed_over = suspended.route(_cadre_case(directory))
    assert passed_over.owner_id != cadre
    assert cadre not in {a.assignee_id for a in passed_over.assignments}
    # the router it came from is unchanged, and statuses build up
    assert router.route(report) == told
    back = suspended.with_statuses({cadre: lf.VolunteerStatus.ACTIVE})
    assert back.route(report) == told


def test_statuses_for_unknown_people_or_of_the_wrong_type_are_refused(
    router: lf.Router,
) -> None:
    with pytest.raises(lf.UnknownIdError):
        router.with_statuses({"V-404": lf.VolunteerStatus.SUSPENDED})
    with pytest.raises(lf.InvalidValueError, match=r"statuses\['V-1'\]"):
        router.with_statuses({"V-1": "suspended"})  # type: ignore[dict-item]


_CIVIL_CODES = [c.code for c in lf.default_policy().categories if not c.police]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_router_told_statuses_routes_as_one_built_on_a_directory_that_has_them(
    data: st.DataObject,
) -> None:
    directory = data.draw(directories(min_communities=1))
    report = data.draw(reports(directory))
    communities = [c for c in directory.communities if c.cadre_ids] or directory.communities
    community = data.draw(st.sampled_from(communities))
    if data.draw(st.integers(0, 3)):  # mostly a non-police matter there: a cadre's, maybe
        codes = _CIVIL_CODES + [code for a in directory.agencies for code in a.categories]
        report = attrs.evolve(
            report, category=data.draw(st.sampled_from(codes)), community_id=community.id
        )
    # Mostly the statuses of that community's cadres, which routing reads; else anyone's.
    everyone = [v.id for v in directory.volunteers]
    chosen = list(community.cadre_ids) if data.draw(st.integers(0, 3)) else everyone
    statuses = data.draw(
        st.dictionaries(
            st.sampled_from(chosen) if chosen else st.nothing(),
            st.sampled_from(list(lf.VolunteerStatus)),
            max_size=len(chosen),
        )
    )
    rebuilt = attrs.evolve(
        directory,
        volunteers=tuple(
            attrs.evolve(v, status=statuses.get(v.id, v.status)) for v in directory.volunteers
        ),
    )
    told = lf.Router(directory).with_statuses(statuses)
    expected = lf.Router(rebuilt).route(report)
    assert told.route(report) == expected
    assert told.route(report, load={"nobody": 0}) == expected


# --- danger read only in a place name ------------------------------------------------------


@pytest.fixture(scope="module")
def fire_village() -> lf.Directory:
    """The test directory with C-1 renamed after a real village whose name reads as fire."""
    directory = make_directory()
    first, *others = directory.communities
    village = attrs.evolve(first, name="火烧坪村", aliases=("火烧坪",))
    return attrs.evolve(directory, communities=(village, *others))


def test_danger_read_only_in_a_place_name_stays_an_emergency_for_review(
    fire_village: lf.Directory,
) -> None:
    router = lf.Router(fire_village)
    lamp = router.route(_report(text="火烧坪村路灯坏了"))
    assert (lamp.kind, lamp.needs_review, lamp.community_id) == (lf.Kind.EMERGENCY, True, "C-1")
    assert lamp.reasons[-1] == "route.danger_in_place_name"
    assert "地名" in lamp.explain() and "place name" in lamp.explain(lang="en")
    fire = router.route(_report(text="火烧坪村着火了"))  # a real fire there: nothing to doubt
    assert fire.kind is lf.Kind.EMERGENCY and "route.danger_in_place_name" not in fire.reasons
    manual = router.route(_report(text="火烧坪村路灯坏了"), kind=lf.Kind.EMERGENCY)
    assert "route.danger_in_place_name" not in manual.reasons
    # a directory with no such names behaves as before
    plain = lf.Router(make_directory()).route(_report(text="东门社区路灯坏了"))
    assert "route.danger_in_place_name" not in plain.reasons


def _masked(text: str, names: Iterable[str]) -> str:
    """``text`` with each of ``names`` written over in the default policy's place marks."""
    _, mark = place_marks(lf.default_policy())
    for name in sorted(names, key=len, reverse=True):  # longest first, as the router finds them
        text = text.replace(name, mark * len(name))
    return text


@settings(max_examples=80, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["火烧坪村", "火烧坪", "路灯坏了", "着火了", "有人", "打架", "，", "没有"]),
        min_size=1,
        max_size=5,
    ).map("".join)
)
def test_a_place_name_that_reads_as_danger_keeps_an_emergency_for_review(
    fire_village: lf.Directory, text: str
) -> None:
    decision = lf.Router(fire_village).route(_report(text=text))
    masked = triage(_report(text=_masked(text, ["火烧坪村", "火烧坪"])), lf.default_policy())
    raw = triage(_report(text=text), lf.default_policy())
    if "route.danger_in_place_name" in decision.reasons:
        assert decision.kind is lf.Kind.EMERGENCY and decision.needs_review
        assert masked.kind is not lf.Kind.EMERGENCY and raw.kind is lf.Kind.EMERGENCY
    else:
        assert decision.kind is masked.kind
    # never less urgent than either reading
    assert decision.kind is lf.Kind.EMERGENCY or lf.Kind.EMERGENCY not in (masked.kind, raw.kind)


# --- place names are read as places, not as words -------------------------------------------

# Real place names whose characters a rule would read: 未 and 没 deny, 不夜 and 平安 are words.
_WORDY_NAMES = ("未来城", "没庄村", "不夜城", "平安里", "无锡路", "停车场")


@pytest.fixture(scope="module")
def wordy_places() -> lf.Directory:
    """The test directory with its communities renamed after places whose names are words."""
    directory = make_directory()
    renamed = [
        attrs.evolve(community, name=name, aliases=())
        for community, name in zip(directory.communities, _WORDY_NAMES, strict=False)
    ]
    return attrs.evolve(directory, communities=(*renamed, *directory.communities[len(renamed) :]))


def test_a_place_name_does_not_deny_what_happens_there(wordy_places: lf.Directory) -> None:
    router = lf.Router(wordy_places)
    for text, place in [("未来城有人被刀捅了", "C-1"), ("没庄村有人落水", "C-2")]:
        assert triage(_report(text=text), lf.default_policy()).kind is not lf.Kind.EMERGENCY
        decision = router.route(_report(text=text))
        assert (decision.kind, decision.community_id) == (lf.Kind.EMERGENCY, place)
        assert decision.locate_method == "text"
    # the name is masked for triage only: a denial in the report's own words still counts
    calm = router.route(_report(text="未来城没有人受伤，已经散了"))
    assert calm.kind is not lf.Kind.EMERGENCY and calm.community_id == "C-1"


_FRAGMENTS = [
    "有人",
    "打架",
    "被刀捅了",
    "落水",
    "着火了",
    "没有",
    "已经散了",
    "路灯坏了",
    "，",
    "昨天",
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.lists(st.sampled_from([*_FRAGMENTS, *_WORDY_NAMES]), min_size=1, max_size=6),
    other=st.sampled_from(_WORDY_NAMES),
)
def test_a_report_reads_the_same_whichever_place_it_names(
    wordy_places: lf.Directory, parts: list[str], other: str
) -> None:
    router = lf.Router(wordy_places)
    text = "".join(parts)
    decision = router.route(_report(text=text))
    masked = triage(_report(text=_masked(text, _WORDY_NAMES)), lf.default_policy())
    assert (decision.kind, decision.priority, decision.evidence) == (
        masked.kind,
        masked.priority,
        masked.evidence,
    )
    assert decision.reasons[: len(masked.reasons)] == masked.reasons
    # every name has three characters: naming another place changes nothing but the place
    moved = router.route(
        _report(text="".join(other if part in _WORDY_NAMES else part for part in parts))
    )
    assert (moved.kind, moved.priority, moved.reasons[: len(masked.reasons)]) == (
        decision.kind,
        decision.priority,
        decision.reasons[: len(masked.reasons)],
    )
