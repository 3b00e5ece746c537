"""Statistics over a small, hand-played desk day whose figures are worked out by hand.

The day (Tuesday 12 January 2021, +08:00) in the test directory of one zone, one group
(officers O-2, O-3; leader O-1) and two communities (C-1 东门社区: liaison O-2, cadre
V-1; C-2 东湖社区: liaison O-3, cadre V-3):

- R-1 10:00 110: a fight with blood in C-1 → the command center; acknowledged 30 s
  later, resolved 10:40. R-2 10:05 (a volunteer) reports the same fight and is linked.
- R-3 11:00 110: locked out in C-1 → cadre V-1; acknowledged 11:10, resolved 11:40,
  callback next morning (5 of 5).
- R-4 12:00 app: a broken street light (600200) in C-2 → the 12345 hotline, which does
  not acknowledge; at 12:30 it escalates to O-3, who acknowledges 12:40, resolves 14:00.
- R-6 13:00 110: locked out, no place → the command center; never acknowledged.
- R-7 15:00 app: how to replace an ID card, C-2 → O-3; acknowledged 15:05, resolved 15:20.
- R-5 21:00 volunteer: gambling in C-2 → O-3; acknowledged 21:30, verified, staked out,
  raided, resolved 15 January 23:00 with 3 people and ¥1,200.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lianfang as lf
from lianfang import stats
from lianfang.events import Event
from lianfang.stats import HandlerKind
from lianfang.testing import make_directory

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2021, 1, day, hour, minute, second, tzinfo=TZ)


def play_day(journal: lf.Journal | None = None) -> tuple[lf.Directory, lf.Desk]:
    directory = make_directory(
        zones=1, groups_per_zone=1, communities_per_group=2, volunteers_per_community=2
    )
    desk = lf.Desk(directory, journal)

    def report(rid: str, when: dt.datetime, text: str, **fields: object) -> lf.Incident:
        return desk.receive(lf.Report(id=rid, received_at=when, text=text, **fields))  # type: ignore[arg-type]

    fight = report("R-1", at(12, 10), "有人打架，有人流血", community_id="C-1")
    report(
        "R-2", at(12, 10, 5), "有人打架，有人流血", community_id="C-1",
        channel=lf.Channel.VOLUNTEER, reporter_id="V-2",
    )  # fmt: skip
    desk.acknowledge(fight.id, by="CC-110", at=at(12, 10, 0, 30))
    desk.resolve(fight.id, by="CC-110", at=at(12, 10, 40), outcome="已出警处置")

    locked = report("R-3", at(12, 11), "开锁。", community_id="C-1")
    desk.acknowledge(locked.id, by="V-1", at=at(12, 11, 10))
    desk.resolve(locked.id, by="V-1", at=at(12, 11, 40), outcome="已联系开锁师傅")

    light = report(
        "R-4", at(12, 12), "路灯坏了", community_id="C-2", category="600200",
        channel=lf.Channel.APP,
    )  # fmt: skip
    desk.tick(at(12, 12, 30))
    desk.acknowledge(light.id, by="O-3", at=at(12, 12, 40))
    report("R-6", at(12, 13), "开锁。")
    desk.tick(at(12, 13, 30))
    desk.resolve(light.id, by="O-3", at=at(12, 14), outcome="已修复")

    question = report(
        "R-7", at(12, 15), "请问身份证怎么补办？", community_id="C-2", channel=lf.Channel.APP
    )
    desk.acknowledge(question.id, by="O-3", at=at(12, 15, 5))
    desk.resolve(question.id, by="O-3", at=at(12, 15, 20), outcome="已答复")

    clue = report(
        "R-5", at(12, 21), "有人赌博。", community_id="C-2",
        channel=lf.Channel.VOLUNTEER, reporter_id="V-4",
    )  # fmt: skip
    desk.acknowledge(clue.id, by="O-3", at=at(12, 21, 30))
    desk.record_feedback(locked.id, satisfaction=5, by="V-1", at=at(13, 9))
    for step, when in (
        (lf.FollowUpStep.VERIFICATION, at(13, 10)),
        (lf.FollowUpStep.STAKE_OUT, at(14, 20)),
        (lf.FollowUpStep.JOINT_OPERATION, at(15, 21)),
    ):
        desk.record_follow_up(clue.id, step=step, by="O-3", at=when, note=step.value)
    desk.resolve(
        clue.id, by="O-3", at=at(15, 23), outcome="捣毁赌博窝点",
        figures=lf.Outcome(people_dealt_with=3, money_seized_yuan=1200.0),
    )  # fmt: skip
    return directory, desk


@pytest.fixture(scope="module")
def day() -> tuple[lf.Directory, list[Event]]:
    directory, desk = play_day()
    return directory, stats.read_events(desk.journal)


def test_the_day_routes_as_the_docstring_says() -> None:
    _, desk = play_day()
    owners = {i.id: i.decision.owner_id for i in desk.incidents()}
    assert owners == {
        "R-1": "CC-110", "R-3": "V-1", "R-4": "A-12345",
        "R-6": "CC-110", "R-7": "O-3", "R-5": "O-3",
    }  # fmt: skip
    assert desk.incident("R-2").id == "R-1"


def test_reports_are_counted_by_the_kind_of_their_incident(
    day: tuple[lf.Directory, list[Event]],
) -> None:
    _, events = day
    assert stats.counts_by_kind(events) == {
        lf.Kind.EMERGENCY: 2,  # R-1 and the linked R-2
        lf.Kind.NON_EMERGENCY: 3,
        lf.Kind.CLUE: 1,
        lf.Kind.INFO: 1,
    }


def test_counts_by_priority_channel_and_category_class(
    day: tuple[lf.Directory, list[Event]],
) -> None:
    _, events = day
    assert stats.counts_by_priority(events) == {
        lf.Priority.P1: 2, lf.Priority.P2: 0, lf.Priority.P3: 4, lf.Priority.P4: 1,
    }  # fmt: skip
    assert stats.counts_by_channel(events) == {
        lf.Channel.PHONE_110: 3, lf.Channel.VOLUNTEER: 2, lf.Channel.APP: 2,
    }  # fmt: skip
    assert stats.counts_by_category_class(events) == {"2": 3, "5": 2, "6": 1, "98": 1}


def test_counts_by_place_put_the_unknown_place_last(day: tuple[lf.Directory, list[Event]]) -> None:
    _, events = day
    assert list(stats.counts_by_community(events).items()) == [("C-1", 3), ("C-2", 3), (None, 1)]
    assert stats.counts_by_zone(events) == {"Z-1": 6, None: 1}


def test_counts_by_hour_read_the_clock_of_the_given_zone(
    day: tuple[lf.Directory, list[Event]],
) -> None:
    _, events = day
    local = stats.counts_by_hour(events, tz=TZ)
    assert {h: n for h, n in local.items() if n} == {10: 2, 11: 1, 12: 1, 13: 1, 15: 1, 21: 1}
    utc = stats.counts_by_hour(events, tz=dt.UTC)
    assert utc[2] == 2 and utc[13] == 1 and sum(utc.values()) == 7


def test_diverted_share_counts_reports_not_routed_to_the_command_center(
    day: tuple[lf.Directory, list[Event]],
) -> None:
    directory, events = day
    assert stats.diverted_share(events, directory) == stats.Share(4, 7)
    by_phone = stats.diverted_share(events, directory, channel=lf.Channel.PHONE_110)
    assert by_phone == stats.Share(1, 3)  # only the locksmith call went to the cadre
    assert by_phone.ratio == pytest.approx(1 / 3)


def test_handlers_tell_the_routed_owner_from_the_one_who_handled_it(
    day: tuple[lf.Directory, list[Event]],
) -> None:
    directory, events = day
    routed = stats.handlers(events, directory, at_routing=True)
    handled = stats.handlers(events, directory)
    assert routed == {
        HandlerKind.LIAISON_OFFICER: 2, HandlerKind.OFFICER: 0, HandlerKind.CADRE: 1,
        HandlerKind.AGENCY: 1, HandlerKind.COMMAND_CENTER: 2, HandlerKind.OTHER: 0,
    }  # fmt: skip
    # The street light climbed from the hotline to C-2's liaison officer.
    assert handled[HandlerKind.AGENCY] == 0
    assert handled[HandlerKind.LIAISON_OFFICER] == 3


def test_ack_times_per_priority_with_deadlines(day: tuple[lf.Directory, list[Event]]) -> None:
    _, events = day
    ack = stats.ack_time_percentiles(events)
    minutes = dt.timedelta(minutes=1)
    assert ack[lf.Priority.P1] == stats.Timing(
        1, {50: dt.timedelta(seconds=30), 90: dt.timedelta(seconds=30)}, 1, minutes
    )
    p3 = ack[lf.Priority.P3]  # 10 min (cadre), 40 min (hotline missed it), 30 min (clue)
    assert p3.count == 3
    assert p3.median == 30 * minutes
    assert p3.percentiles[90] == 38 * minutes  # 30 + 0.8 × (40 − 30)
    assert p3.on_time == 2
    assert p3.deadline == 30 * minutes  # the usual P3 window; the clue's is a day
    assert ack[lf.Priority.P2].count == 0 and ack[lf.Priority.P2].median is None
    assert ack[lf.Priority.P4].median == 5 * minutes


def test_resolution_times_per_priority(day: tuple[lf.Directory, list[Event]]) -> None:
    _, events = day
    resolution = stats.resolution_time_percentiles(events, percentiles=(50,))
    assert resolution[lf.Priority.P1].median == dt.timedelta(minutes=40)
    assert resolution[lf.Priority.P3].count == 3  # the unplaced locksmith call is still open
    assert resolution[lf.Priority.P3].median == dt.timedelta(hours=2)
    assert resolution[lf.Priority.P4].median == dt.timedelta(minutes=20)


def test_escalation_rate(day: tuple[lf.Directory, list[Event]]) -> None:
    _, events = day
    escalations = stats.escalation_rate(events)
    assert escalations == stats.Escalations(incidents=6, escalated=1, steps=1, to_top=0)
    assert escalations.rate == pytest.approx(1 / 6)


def test_clue_outcomes_follow_the_clue_to_its_figures(
    day: tuple[lf.Directory, list[Event]],
) -> None:
    _, events = day
    clues = stats.clue_outcomes(events)
    assert (clues.reports, clues.clues, clues.acknowledged, clues.resolved, clues.confirmed) == (
        1, 1, 1, 1, 1,
    )  # fmt: skip
    assert clues.followed_up == {
        lf.FollowUpStep.VERIFICATION: 1, lf.FollowUpStep.STAKE_OUT: 1,
        lf.FollowUpStep.JOINT_OPERATION: 1, lf.FollowUpStep.OTHER: 0,
    }  # fmt: skip
    assert (clues.people_dealt_with, clues.money_seized_yuan) == (3, 1200.0)
    (operation,) = clues.operations
    assert operation.incident_id == "R-5" and operation.community_id == "C-2"
    assert [step for step, _, _ in operation.steps] == [
        lf.FollowUpStep.VERIFICATION, lf.FollowUpStep.STAKE_OUT, lf.FollowUpStep.JOINT_OPERATION,
    ]  # fmt: skip
    assert operation.resolved_at == at(15, 23)


def test_until_reads_the_journal_as_it_stood_then(day: tuple[lf.Directory, list[Event]]) -> None:
    _, events = day
    until = at(12, 12, 35)  # the street light has escalated but nobody has acknowledged it
    assert stats.counts_by_kind(events, until=until) == {
        lf.Kind.EMERGENCY: 2, lf.Kind.NON_EMERGENCY: 2, lf.Kind.CLUE: 0, lf.Kind.INFO: 0,
    }  # fmt: skip
    assert stats.ack_time_percentiles(events, until=until)[lf.Priority.P3].count == 1
    assert stats.escalation_rate(events, until=until).escalated == 1
    (light,) = [i for i in stats.incidents(events, until=until) if i.id == "R-4"]
    assert light.state is lf.IncidentState.ESCALATED


def test_since_keeps_incidents_opened_from_then_on(day: tuple[lf.Directory, list[Event]]) -> None:
    _, events = day
    ids = [i.id for i in stats.incidents(events, since=at(12, 13))]
    assert ids == ["R-6", "R-7", "R-5"]


@given(st.integers(min_value=0, max_value=14 * 60))
def test_since_and_until_at_one_moment_split_the_incidents(minutes: int) -> None:
    _, desk = play_day()
    events = stats.read_events(desk.journal)
    moment = at(12, 9) + dt.timedelta(minutes=minutes)
    before = stats.incidents(events, until=moment)
    after = stats.incidents(events, since=moment)
    assert sorted(i.id for i in before + after) == sorted(i.id for i in desk.incidents())
    assert all(i.opened_at < moment for i in before) and all(i.opened_at >= moment for i in after)


def test_a_naive_or_backwards_window_is_refused(day: tuple[lf.Directory, list[Event]]) -> None:
    _, events = day
    with pytest.raises(lf.InvalidValueError, match="since: must be a timezone-aware datetime"):
        stats.counts_by_kind(events, since=dt.datetime(2021, 1, 12))
    with pytest.raises(lf.InvalidValueError, match=r"until: .* is not after since"):
        stats.counts_by_kind(events, since=at(12, 12), until=at(12, 11))


def test_position_event_pairs_from_a_history_are_accepted() -> None:
    _, desk = play_day()
    assert stats.counts_by_kind(desk.history("R-1")) == {
        lf.Kind.EMERGENCY: 2, lf.Kind.NON_EMERGENCY: 0, lf.Kind.CLUE: 0, lf.Kind.INFO: 0,
    }  # fmt: skip


@pytest.mark.parametrize("suffix", ["sqlite", "jsonl"])
def test_read_events_gives_back_what_the_desk_recorded(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"day.{suffix}"
    journal: lf.SQLiteJournal | lf.JSONLinesJournal = (
        lf.SQLiteJournal(path, synchronous="normal")
        if suffix == "sqlite"
        else lf.JSONLinesJournal(path)
    )
    with journal:
        _, desk = play_day(journal)
        events = stats.read_events(journal)
        assert len(events) == journal.version
        assert stats.read_events(journal, after=len(events) - 2) == events[-2:]
    assert stats.incidents(events) == desk.incidents()


def test_percentile_interpolates_between_neighbours() -> None:
    values = [dt.timedelta(minutes=m) for m in (1, 2, 3, 4)]
    assert stats.percentile(values, 50) == dt.timedelta(minutes=2.5)
    assert stats.percentile(values, 90) == dt.timedelta(minutes=3.7)
    assert stats.percentile(values, 0) == values[0] and stats.percentile(values, 100) == values[-1]
    with pytest.raises(lf.InvalidValueError, match="percentile of nothing"):
        stats.percentile([], 50)


@given(
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1),
    st.floats(min_value=0, max_value=100),
    st.floats(min_value=0, max_value=100),
)
def test_percentile_is_monotone_and_within_the_values(
    seconds: list[int], p: float, q: float
) -> None:
    values = sorted(dt.timedelta(seconds=s) for s in seconds)
    low, high = sorted((p, q))
    assert (
        values[0] <= stats.percentile(values, low) <= stats.percentile(values, high) <= values[-1]
    )


def test_volunteer_coverage_counts_active_volunteers_by_role() -> None:
    directory = lf.sample_directory()
    coverage = stats.volunteer_coverage(directory)
    assert list(coverage) == [c.id for c in directory.communities]
    active = sum(1 for v in directory.volunteers if v.status is lf.VolunteerStatus.ACTIVE)
    assert sum(sum(roles.values()) for roles in coverage.values()) == active
    assert coverage["C-09"][lf.VolunteerRole.COMMUNITY_CADRE] == sum(
        1 for v in directory.volunteers_in("C-09") if v.role is lf.VolunteerRole.COMMUNITY_CADRE
    )


def test_category_classes() -> None:
    assert [stats.category_class(c) for c in ("200700", "950100", "980200", "600200", None)] == [
        "2", "95", "98", "6", "none",
    ]  # fmt: skip


def test_the_summary_gathers_every_figure(day: tuple[lf.Directory, list[Event]]) -> None:
    directory, events = day
    summary = stats.summary(events, directory, top=1)
    assert (summary.reports, summary.incidents, summary.linked) == (7, 6, 1)
    assert summary.busiest_communities == (("C-1", 3),)
    assert summary.diverted == stats.Share(4, 7) and summary.diverted_110 == stats.Share(1, 3)
    assert summary.resolved == stats.Share(5, 6)
    assert summary.handed_to_agency == 0
    assert summary.satisfaction == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1}
    assert summary.first_report_at == at(12, 10) and summary.last_report_at == at(12, 21)
    assert summary.names["C-1"] == "东门社区"


def test_the_summary_as_json(day: tuple[lf.Directory, list[Event]]) -> None:
    directory, events = day
    data = json.loads(json.dumps(stats.summary(events, directory).to_dict()))
    assert data["by_kind"] == {"emergency": 2, "non_emergency": 3, "clue": 1, "info": 1}
    assert data["by_zone"] == {"Z-1": 6, "unknown": 1}
    assert data["ack"]["P3"] == {
        "count": 3, "percentiles_s": {"50": 1800.0, "90": 2280.0},
        "on_time": 2, "deadline_s": 1800.0,
    }  # fmt: skip
    assert data["diverted"] == {"part": 4, "whole": 7, "ratio": 0.5714}
    assert data["clues"]["operations"][0]["steps"][2]["step"] == "joint_operation"
    assert data["clues"]["money_seized_yuan"] == 1200.0


def test_render_in_chinese_and_english(day: tuple[lf.Directory, list[Event]]) -> None:
    directory, events = day
    summary = stats.summary(events, directory)
    zh = stats.render(summary, "zh")
    en = stats.render(summary, "en")
    assert "报告 7 件，事项 6 件（重复报告并入已有事项 1 件）" in zh
    assert "未占用110指挥中心：4 / 7 件报告（57.1%）" in zh
    assert "查处 3 人，收缴 ¥1,200" in zh
    assert "7 reports, 6 incidents (1 further reports joined an open incident)" in en
    assert "Kept off the 110 command center: 4 of 7 reports (57.1%)" in en
    assert "Escalated for a missed deadline: 1 incidents (16.7%)" in en
    assert "3 people dealt with, ¥1,200 seized" in en
    with pytest.raises(lf.InvalidValueError, match="lang"):
        stats.render(summary, "fr")  # type: ignore[arg-type]


def test_an_empty_journal_summarises_to_zeros() -> None:
    summary = stats.summary([], lf.sample_directory())
    assert (summary.reports, summary.incidents, summary.first_report_at) == (0, 0, None)
    assert summary.diverted.ratio == 0.0 and summary.escalations.rate == 0.0
    assert "0 reports" in stats.render(summary, "en")
