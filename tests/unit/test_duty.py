"""Who is on duty when: the duty table and the zone rolls against a plain reading of
every shift and rota slot."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianfang.duty import DutyTable
from lianfang.errors import InvalidValueError
from lianfang.model import Rota, Shift

UTC = dt.UTC
CST = dt.timezone(dt.timedelta(hours=8))
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
OFFICERS = ("O-1", "O-2", "O-3", "O-10", "甲")
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Shanghai", "UTC", "Asia/Kolkata")


def on_duty_by_hand(
    officer_id: str, at: dt.datetime, timezone: str, shifts: list[Shift], rotas: list[Rota]
) -> bool:
    """Read every shift and rota slot, as a person would."""
    if not shifts and not rotas:
        return True
    instant = at.astimezone(UTC)
    if any(
        s.officer_id == officer_id and s.start.astimezone(UTC) <= instant < s.end.astimezone(UTC)
        for s in shifts
    ):
        return True
    local = at.astimezone(zoneinfo.ZoneInfo(timezone))
    return any(r.officer_id == officer_id and r.covers(local) for r in rotas)


# --- examples ------------------------------------------------------------------------------


def test_an_overnight_sunday_slot_runs_into_monday_morning() -> None:
    table = DutyTable.build("Asia/Shanghai", [], [Rota("O-1", [6], dt.time(22, 0), dt.time(6, 0))])
    sunday_night = dt.datetime(2021, 1, 17, 23, 0, tzinfo=CST)
    monday_early = dt.datetime(2021, 1, 18, 5, 59, tzinfo=CST)
    monday_six = dt.datetime(2021, 1, 18, 6, 0, tzinfo=CST)
    assert table.on_duty("O-1", sunday_night)
    assert table.on_duty("O-1", monday_early)
    assert not table.on_duty("O-1", monday_six)
    roll = table.roll(["O-1"])
    assert [roll.on_duty_mask(t) for t in (sunday_night, monday_early, monday_six)] == [1, 1, 0]


def test_a_shift_covers_its_start_but_not_its_end_in_any_timezone() -> None:
    start = dt.datetime(2021, 3, 28, 1, 0, tzinfo=CST)
    end = dt.datetime(2021, 3, 28, 9, 30, tzinfo=CST)
    table = DutyTable.build("Europe/Berlin", [Shift("O-1", start, end)], [])
    roll = table.roll(["O-1"])
    tick = dt.timedelta(microseconds=1)
    for at, expected in [
        (start - tick, False),
        (start, True),
        (end - tick, True),
        (end, False),
        (start.astimezone(BERLIN), True),
        (end.astimezone(BERLIN), False),
    ]:
        assert table.on_duty("O-1", at) is expected
        assert roll.on_duty_mask(at) == int(expected)


def test_both_passes_of_the_repeated_hour_are_read_by_the_wall_clock() -> None:
    # 2021-10-31 in Berlin: 02:00-03:00 happens twice (CEST, then CET).
    table = DutyTable.build("Europe/Berlin", [], [Rota("O-1", [6], dt.time(2, 0), dt.time(3, 0))])
    roll = table.roll(["O-1"])
    first_pass = dt.datetime(2021, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second_pass = dt.datetime(2021, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 CET
    after = dt.datetime(2021, 10, 31, 2, 0, tzinfo=UTC)  # 03:00 CET
    for at, expected in [(first_pass, True), (second_pass, True), (after, False)]:
        assert table.on_duty("O-1", at) is expected
        assert roll.on_duty_mask(at) == int(expected)


def test_a_dated_shift_inside_the_repeated_hour_is_told_apart_by_the_instant() -> None:
    # The shift is the second 02:00-02:30 of 2021-10-31 in Berlin (00:00-00:30 UTC is the
    # first pass, 01:00-01:30 UTC the second): the wall clock alone cannot tell them apart.
    start = dt.datetime(2021, 10, 31, 1, 0, tzinfo=UTC)
    table = DutyTable.build(
        "Europe/Berlin", [Shift("O-1", start, start + dt.timedelta(minutes=30))], []
    )
    roll = table.roll(["O-1", "O-2"])
    first_pass = dt.datetime(2021, 10, 31, 0, 10, tzinfo=UTC).astimezone(BERLIN)
    second_pass = dt.datetime(2021, 10, 31, 1, 10, tzinfo=UTC).astimezone(BERLIN)
    assert first_pass.replace(tzinfo=None) == second_pass.replace(tzinfo=None)
    assert not table.on_duty("O-1", first_pass) and roll.on_duty_mask(first_pass) == 0
    assert table.on_duty("O-1", second_pass) and roll.on_duty_mask(second_pass) == 1


def test_without_shifts_or_rotas_everyone_is_on_duty() -> None:
    table = DutyTable.build("UTC", [], [])
    roll = table.roll(["O-2", "O-1"])
    assert table.everyone and table.on_duty("O-9", dt.datetime(2021, 1, 1, tzinfo=UTC))
    assert roll.officers_in(roll.on_duty_mask(dt.datetime(2021, 1, 1, tzinfo=UTC))) == (
        "O-1",
        "O-2",
    )


def test_a_roll_numbers_its_officers_in_id_order() -> None:
    table = DutyTable.build("UTC", [], [Rota("O-3", [0], dt.time(8), dt.time(9))])
    roll = table.roll(["O-3", "O-1", "O-2", "O-1"])
    assert roll.officer_ids == ("O-1", "O-2", "O-3")
    assert roll.mask_of(["O-3", "O-1", "nobody"]) == 0b101
    assert roll.officers_in(0b110) == ("O-2", "O-3")


def test_a_naive_time_is_refused() -> None:
    table = DutyTable.build("UTC", [], [Rota("O-1", [0], dt.time(8), dt.time(9))])
    with pytest.raises(InvalidValueError):
        table.moment(dt.datetime(2021, 1, 1))
    with pytest.raises(InvalidValueError):
        table.roll(["O-1"]).on_duty_mask(dt.datetime(2021, 1, 1))


# --- properties ----------------------------------------------------------------------------

# Weeks with a daylight-saving change in Berlin or New York, and one without.
_WEEKS = (
    dt.datetime(2021, 3, 8, tzinfo=UTC),
    dt.datetime(2021, 3, 25, tzinfo=UTC),
    dt.datetime(2021, 10, 28, tzinfo=UTC),
    dt.datetime(2021, 11, 4, tzinfo=UTC),
    dt.datetime(2021, 6, 14, tzinfo=UTC),
)
_OFFSETS = (
    UTC,
    CST,
    dt.timezone(dt.timedelta(hours=-5)),
    dt.timezone(dt.timedelta(hours=5, minutes=30)),
)
_QUERY_ZONES = (*_OFFSETS, BERLIN, zoneinfo.ZoneInfo("America/New_York"))

# Slot times on the hour or half hour meet the DST changes (02:00, 03:00) and each other.
_times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 30]) | st.integers(0, 59))
_rotas = st.builds(
    lambda officer, days, times: Rota(officer, days, *times),
    st.sampled_from(OFFICERS),
    st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True),
    st.tuples(_times, _times).filter(lambda pair: pair[0] != pair[1]),
)


@st.composite
def _instants(draw: st.DrawFn) -> dt.datetime:
    """An instant in one of the weeks, by the minute or the second, in any zone."""
    week = draw(st.sampled_from(_WEEKS))
    offset = dt.timedelta(
        minutes=draw(st.integers(0, 8 * 24 * 60)), seconds=draw(st.sampled_from([0, 0, 59]))
    )
    return (week + offset).astimezone(draw(st.sampled_from(_QUERY_ZONES)))


@st.composite
def _shifts(draw: st.DrawFn) -> Shift:
    start = draw(_instants())
    length = dt.timedelta(minutes=draw(st.integers(1, 36 * 60)))
    return Shift(
        draw(st.sampled_from(OFFICERS)),
        start.astimezone(draw(st.sampled_from(_OFFSETS))),
        (start + length).astimezone(draw(st.sampled_from(_OFFSETS))),
    )


@st.composite
def _schedules(draw: st.DrawFn) -> tuple[str, list[Shift], list[Rota], list[dt.datetime]]:
    """A zone, shifts, rotas, and instants to ask about: some at or just by an edge."""
    timezone = draw(st.sampled_from(ZONES))
    shifts = draw(st.lists(_shifts(), max_size=6))
    rotas = draw(st.lists(_rotas, max_size=6))
    instants = draw(st.lists(_instants(), min_size=1, max_size=20))
    nudges = [dt.timedelta(0), dt.timedelta(microseconds=-1), dt.timedelta(seconds=1)]
    for shift in shifts:
        for edge in (shift.start, shift.end):
            instants.append(edge + draw(st.sampled_from(nudges)))
    return timezone, shifts, rotas, instants


@settings(max_examples=300, deadline=None)
@given(_schedules())
def test_the_table_answers_as_a_reading_of_every_shift_and_slot(
    schedule: tuple[str, list[Shift], list[Rota], list[dt.datetime]],
) -> None:
    timezone, shifts, rotas, instants = schedule
    table = DutyTable.build(timezone, shifts, rotas)
    for at in instants:
        for officer in OFFICERS:
            expected = on_duty_by_hand(officer, at, timezone, shifts, rotas)
            assert table.on_duty(officer, at) is expected, (officer, at)


@settings(max_examples=300, deadline=None)
@given(_schedules(), st.lists(st.sampled_from(OFFICERS), unique=True))
def test_a_roll_answers_as_a_reading_of_every_shift_and_slot(
    schedule: tuple[str, list[Shift], list[Rota], list[dt.datetime]], officers: list[str]
) -> None:
    timezone, shifts, rotas, instants = schedule
    roll = DutyTable.build(timezone, shifts, rotas).roll(officers)
    assert roll.officer_ids == tuple(sorted(officers))
    for at in instants:
        expected = tuple(
            o for o in sorted(officers) if on_duty_by_hand(o, at, timezone, shifts, rotas)
        )
        assert roll.officers_in(roll.on_duty_mask(at)) == expected, at
