"""The Pingtan scenario: the seed case's mix, reproducibility, realistic texts, the simulator."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

import lianfang as lf
from lianfang import scenario, stats
from lianfang.events import encode
from lianfang.scenario import CheckInStatus, Scenario, StoryAction
from lianfang.triage import triage

DIRECTORY = lf.sample_directory()


@pytest.fixture(scope="module")
def full() -> Scenario:
    return scenario.generate(DIRECTORY)


@pytest.fixture(scope="module")
def played(full: Scenario) -> lf.Desk:
    desk = lf.Desk(DIRECTORY)
    scenario.simulate(full, desk)
    return desk


def short(days: int = 12, seed: int = 2021) -> Scenario:
    start = scenario.SEED_PERIOD[0]
    return scenario.generate(
        DIRECTORY, seed=seed, start=start, end=start + dt.timedelta(days=days - 1)
    )


# --- the mix --------------------------------------------------------------------------------


def test_the_110_line_gets_exactly_the_seed_cases_calls(full: Scenario) -> None:
    by_label = Counter(full.labels[r.id] for r in full.reports if r.channel is lf.Channel.PHONE_110)
    assert by_label == {lf.Kind.NON_EMERGENCY: 1_616, lf.Kind.EMERGENCY: 147}
    assert full.count(lf.Kind.NON_EMERGENCY, lf.Channel.PHONE_110) == 1_616
    assert full.count(lf.Kind.EMERGENCY, lf.Channel.PHONE_110) == 147


def test_the_network_adds_clues_matters_and_a_few_questions(full: Scenario) -> None:
    clues = [r for r in full.reports if full.labels[r.id] is lf.Kind.CLUE]
    assert 60 <= len(clues) <= 100
    assert all(r.channel is lf.Channel.VOLUNTEER and r.reporter_id for r in clues)
    assert 0 < full.count(lf.Kind.INFO) < 60
    volunteer_matters = full.count(lf.Kind.NON_EMERGENCY, lf.Channel.VOLUNTEER)
    assert volunteer_matters > 100
    assert full.count(channel=lf.Channel.CHECK_IN) == 0  # check-ins are kept apart


def test_the_same_seed_gives_the_same_scenario_and_another_seed_another() -> None:
    assert short(seed=5) == short(seed=5)
    assert short(seed=5).reports != short(seed=6).reports


def test_reports_are_sorted_by_time_inside_the_period_with_unique_ids(full: Scenario) -> None:
    times = [r.received_at for r in full.reports]
    assert times == sorted(times)
    assert len({r.id for r in full.reports}) == len(full.reports)
    assert set(full.labels) == set(full.places) == {r.id for r in full.reports}
    first, last = full.reports[0].received_at.date(), full.reports[-1].received_at.date()
    assert scenario.SEED_PERIOD[0] <= first and last <= scenario.SEED_PERIOD[1]
    assert full.days == 115


def test_arrivals_follow_a_daily_rhythm(full: Scenario) -> None:
    hours = Counter(r.received_at.hour for r in full.reports)
    night = sum(hours[h] for h in range(2, 6))
    evening = sum(hours[h] for h in range(19, 23))
    assert evening > 5 * night


def test_places_mix_coordinates_addresses_ids_and_none(full: Scenario) -> None:
    mix = Counter(
        "point" if r.location else "id" if r.community_id else "address" if r.address
        else "none" if full.places[r.id] is None else "text"
        for r in full.reports
    )  # fmt: skip
    assert all(mix[way] >= 30 for way in ("point", "id", "address", "text", "none"))


def test_the_router_finds_every_place_where_the_scenario_put_it(full: Scenario) -> None:
    router = lf.Router(DIRECTORY)
    misplaced = [r.id for r in full.reports if router.locate(r).community_id != full.places[r.id]]
    assert misplaced == []


def test_texts_vary(full: Scenario) -> None:
    texts = {r.text for r in full.reports}
    assert len(texts) > len(full.reports) / 3


# --- the labels against the policy's own triage ----------------------------------------------


@pytest.mark.parametrize("seed", [2021, 8])
def test_triage_agrees_with_the_labels_and_misses_no_emergency(seed: int) -> None:
    generated = scenario.generate(DIRECTORY, seed=seed)
    policy = lf.default_policy()
    verdicts = {r.id: triage(r, policy).kind for r in generated.reports}
    agree = sum(verdicts[rid] is kind for rid, kind in generated.labels.items())
    assert agree / len(generated.reports) >= 0.99
    missed = [
        r.text
        for r in generated.reports
        if generated.labels[r.id] is lf.Kind.EMERGENCY and verdicts[r.id] is not lf.Kind.EMERGENCY
    ]
    assert missed == []


# --- check-ins and the story ----------------------------------------------------------------------


def test_sites_check_in_on_their_schedule(full: Scenario) -> None:
    per_site = Counter(c.site_id for c in full.check_ins)
    for site in DIRECTORY.sites:
        assert site.check_in_every_hours is not None
        expected = full.days * 24 / site.check_in_every_hours
        assert 0.9 * expected <= per_site[site.id] <= expected
    statuses = Counter(c.status for c in full.check_ins)
    assert statuses[CheckInStatus.NORMAL] > 20 * statuses[CheckInStatus.ATTENTION] > 0
    assert any("码头" in c.text and "正常" in c.text for c in full.check_ins)


def test_volunteers_report_the_gambling_den_again_and_again(full: Scenario) -> None:
    story_ids = [r.id for r in full.reports if r.id not in full.handling]
    den = [r for r in full.reports if r.id in story_ids]
    assert len(den) == 4
    assert {full.labels[r.id] for r in den} == {lf.Kind.CLUE}
    assert {full.places[r.id] for r in den} == {"C-09"}
    assert len({r.reporter_id for r in den}) == 4
    assert all("东门名都" in r.text and "赌" in r.text for r in den)
    assert {step.report_id for step in full.story} == set(story_ids)
    assert [s.at for s in full.story] == sorted(s.at for s in full.story)


def test_the_story_is_verified_staked_out_for_a_day_and_raided(full: Scenario) -> None:
    first = full.story[0].report_id
    steps = [s for s in full.story if s.report_id == first]
    assert [s.step for s in steps if s.action is StoryAction.FOLLOW_UP] == [
        lf.FollowUpStep.VERIFICATION,
        lf.FollowUpStep.STAKE_OUT,
        lf.FollowUpStep.STAKE_OUT,
        lf.FollowUpStep.JOINT_OPERATION,
    ]
    stake_out = [s.at for s in steps if s.step is lf.FollowUpStep.STAKE_OUT]
    assert stake_out[1] - stake_out[0] == dt.timedelta(hours=24)
    (resolve,) = [s for s in steps if s.action is StoryAction.RESOLVE]
    assert resolve.figures == lf.Outcome(people_dealt_with=20, money_seized_yuan=52_600.0)


def test_a_shorter_period_scales_the_calls_and_leaves_out_the_story() -> None:
    twelve = short(12)
    assert twelve.count(lf.Kind.NON_EMERGENCY, lf.Channel.PHONE_110) == round(1_616 * 12 / 115)
    assert twelve.count(lf.Kind.EMERGENCY, lf.Channel.PHONE_110) == round(147 * 12 / 115)
    assert twelve.story
    assert not short(9).story


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(lf.InvalidValueError, match="end: 2021-01-01 is before start 2021-01-02"):
        scenario.generate(DIRECTORY, start=dt.date(2021, 1, 2), end=dt.date(2021, 1, 1))


# --- the simulation -----------------------------------------------------------------------------


def test_simulating_the_same_scenario_twice_writes_the_same_journal() -> None:
    journals = []
    for _ in range(2):
        desk = lf.Desk(DIRECTORY)
        scenario.simulate(short(15), desk)
        journals.append([encode(e) for e in stats.read_events(desk.journal)])
    assert journals[0] == journals[1]


def test_the_journal_is_written_in_time_order(played: lf.Desk) -> None:
    times = [event.at for event in stats.read_events(played.journal)]
    assert times == sorted(times)


def test_owners_mostly_acknowledge_in_time_and_the_late_ones_escalate(played: lf.Desk) -> None:
    incidents = played.incidents()
    acknowledged = [i for i in incidents if i.acknowledged_at is not None]
    on_time = [i for i in acknowledged if i.acknowledged_at <= i.decision.due_at]  # type: ignore[operator]
    assert 0.8 < len(on_time) / len(incidents) < 0.95
    escalated = [i for i in incidents if i.escalations]
    assert 0.05 < len(escalated) / len(incidents) < 0.2
    assert all(i.acknowledged_by != i.decision.owner_id for i in escalated if i.acknowledged_by)


def test_most_incidents_are_resolved_some_by_agencies_and_some_get_a_callback(
    played: lf.Desk,
) -> None:
    events = stats.read_events(played.journal)
    incidents = played.incidents()
    resolved = [i for i in incidents if i.state is lf.IncidentState.RESOLVED]
    assert len(resolved) / len(incidents) > 0.9
    assert sum(isinstance(e, lf.HandedToAgency) for e in events) > 20
    assert sum(1 for i in incidents if i.satisfaction is not None) > 300
    linked = sum(isinstance(e, lf.IncidentLinked) for e in events)
    assert linked > 0  # second callers of an emergency join the first one's incident


def test_the_den_is_raided_with_the_local_station(full: Scenario, played: lf.Desk) -> None:
    den = played.incident(full.story[0].report_id)
    assert den.state is lf.IncidentState.RESOLVED
    assert den.figures == lf.Outcome(people_dealt_with=20, money_seized_yuan=52_600.0)
    assert [f.step for f in den.follow_ups] == [
        "verification", "stake_out", "stake_out", "joint_operation",
    ]  # fmt: skip
    assert den.decision.kind is lf.Kind.CLUE and den.decision.reporter_withheld
    assert den.decision.owner_id != DIRECTORY.command_center.id
    outcomes = stats.clue_outcomes(stats.read_events(played.journal))
    (operation,) = outcomes.operations
    assert operation.people_dealt_with == 20 and operation.money_seized_yuan == 52_600.0


def test_the_simulation_leaves_nothing_to_do_after_the_period() -> None:
    played = lf.Desk(DIRECTORY)
    twelve = short(12)
    scenario.simulate(twelve, played)
    end = dt.datetime.combine(twelve.end + dt.timedelta(days=1), dt.time(), tzinfo=DIRECTORY.tz)
    assert max(e.at for e in stats.read_events(played.journal)) <= end
    assert played.tick(end) == []  # every deadline inside the period has been ticked


def test_progress_is_reported_up_to_the_last_report() -> None:
    seen: list[tuple[int, int]] = []
    twelve = short(12)
    scenario.simulate(
        twelve, lf.Desk(DIRECTORY), progress=lambda done, total: seen.append((done, total))
    )
    assert seen[0] == (0, len(twelve.reports)) and seen[-1] == (len(twelve.reports),) * 2
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
