"""The domain values: validators, immutability, masking of phones, duty slots, priorities."""

from __future__ import annotations

import datetime as dt
import logging
import math

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lianfang.errors import InvalidValueError, LianfangError
from lianfang.model import (
    Agency,
    Community,
    Geometry,
    GeoPoint,
    Officer,
    PatrolGroup,
    Phone,
    Priority,
    Rota,
    Shift,
    Site,
    Volunteer,
    VolunteerRole,
)
from lianfang.testing import make_report

NUMBER = "13812345678"
MASKED = "138****5678"
SQUARE = ((0, 0), (1, 0), (1, 1), (0, 1), (0, 0))
CST = dt.timezone(dt.timedelta(hours=8))


def problems_of(excinfo: pytest.ExceptionInfo[InvalidValueError]) -> tuple[str, ...]:
    error = excinfo.value
    assert isinstance(error, LianfangError)
    assert isinstance(error, ValueError)
    return error.problems


# --- validators ----------------------------------------------------------------------------


def test_a_report_with_a_naive_time_is_rejected() -> None:
    with pytest.raises(InvalidValueError) as excinfo:
        make_report(received_at=dt.datetime(2021, 1, 12, 10, 0))
    assert problems_of(excinfo) == (
        "received_at: must be timezone-aware (got naive 2021-01-12T10:00:00)",
    )


def test_a_shift_with_a_naive_start_is_rejected() -> None:
    with pytest.raises(InvalidValueError) as excinfo:
        Shift("O-1", dt.datetime(2021, 1, 12, 8), dt.datetime(2021, 1, 12, 20, tzinfo=CST))
    assert problems_of(excinfo)[0].startswith("start: must be timezone-aware")


def test_a_shift_must_end_after_it_starts() -> None:
    start = dt.datetime(2021, 1, 12, 8, tzinfo=CST)
    with pytest.raises(InvalidValueError) as excinfo:
        Shift("O-1", start, start)
    assert problems_of(excinfo)[0].startswith("end: ")


@pytest.mark.parametrize("empty", ["", "   ", "\t\n"])
def test_an_empty_or_blank_id_is_rejected(empty: str) -> None:
    with pytest.raises(InvalidValueError) as excinfo:
        Officer(id=empty, name="林建华")
    assert problems_of(excinfo) == ("id: must not be empty",)


def test_an_id_that_is_not_a_string_is_rejected() -> None:
    with pytest.raises(InvalidValueError) as excinfo:
        Volunteer(id=42, name="陈秀英", role=VolunteerRole.OTHER, community_id="C-1")  # type: ignore[arg-type]
    assert problems_of(excinfo) == ("id: must be a string, not int",)


def test_a_blank_id_inside_a_list_of_ids_names_its_index() -> None:
    with pytest.raises(InvalidValueError) as excinfo:
        PatrolGroup("G-1", "Z-1", "第一巡组", officer_ids=("O-1", " "))
    assert problems_of(excinfo) == ("officer_ids[1]: must be a non-empty string",)


def test_a_lone_string_is_not_taken_as_a_list_of_ids() -> None:
    with pytest.raises(InvalidValueError, match="expected an array of ids"):
        Community("C-1", "东门社区", "G-1", liaison_officer_ids="O-1")


@pytest.mark.parametrize("lon", [-180.0001, 180.5, 361, -1e9, math.inf, math.nan])
def test_a_longitude_outside_minus_180_to_180_is_rejected(lon: float) -> None:
    with pytest.raises(InvalidValueError) as excinfo:
        GeoPoint(lon, 25.5)
    assert problems_of(excinfo)[0].startswith("lon: ")


@pytest.mark.parametrize("lat", [-90.0001, 90.5, 180, math.nan])
def test_a_latitude_outside_minus_90_to_90_is_rejected(lat: float) -> None:
    with pytest.raises(InvalidValueError) as excinfo:
        GeoPoint(119.8, lat)
    assert problems_of(excinfo)[0].startswith("lat: ")


@pytest.mark.parametrize(("lon", "lat"), [(-180, -90), (180, 90), (0, 0), (119.79, 25.5)])
def test_the_edges_of_the_globe_are_valid_points(lon: float, lat: float) -> None:
    point = GeoPoint(lon, lat)
    assert (point.lon, point.lat) == (lon, lat)


def test_a_boolean_is_not_a_coordinate() -> None:
    with pytest.raises(InvalidValueError, match="lon: must be a number"):
        GeoPoint(True, 25.5)


def test_a_ring_whose_first_and_last_positions_differ_is_not_closed() -> None:
    with pytest.raises(InvalidValueError) as excinfo:
        Geometry(type="Polygon", coordinates=((*SQUARE[:-1], (0, 0.5)),))
    assert problems_of(excinfo) == (
        "coordinates[0]: the linear ring is not closed (first and last positions differ)",
    )


def test_a_ring_needs_at_least_four_positions() -> None:
    with pytest.raises(InvalidValueError) as excinfo:
        Geometry(type="Polygon", coordinates=(((0, 0), (1, 0), (0, 0)),))
    assert problems_of(excinfo) == (
        "coordinates[0]: a linear ring needs at least 4 positions, got 3",
    )


def test_a_position_off_the_globe_is_named_by_its_index() -> None:
    ring = ((0, 0), (1, 0), (1, 91), (0, 0))
    with pytest.raises(InvalidValueError) as excinfo:
        Geometry(type="Polygon", coordinates=(ring,))
    assert problems_of(excinfo) == (
        "coordinates[0][2]: [1.0, 91.0] is not a WGS-84 longitude, latitude",
    )


def test_a_polygon_without_rings_is_rejected() -> None:
    with pytest.raises(InvalidValueError, match="non-empty array of linear rings"):
        Geometry(type="Polygon", coordinates=())


@pytest.mark.parametrize(
    ("coordinates", "expected"),
    [
        ((), "coordinates: a MultiPolygon needs at least one polygon"),
        ("not an array", "coordinates: a MultiPolygon's coordinates must be an array"),
        ((SQUARE,), "coordinates[0][0][0]: a position must be [lon, lat] numbers"),
        (((SQUARE,), ()), "coordinates[1]: a polygon must be a non-empty array of linear rings"),
    ],
    ids=["no polygons", "a string", "a Polygon's coordinates", "an empty second polygon"],
)
def test_a_malformed_multipolygon_is_rejected(coordinates: object, expected: str) -> None:
    with pytest.raises(InvalidValueError) as excinfo:
        Geometry(type="MultiPolygon", coordinates=coordinates)
    assert any(problem.startswith(expected) for problem in problems_of(excinfo))


def test_a_point_is_not_an_area() -> None:
    with pytest.raises(InvalidValueError, match="type: 'Point' is not one of"):
        Geometry(type="Point", coordinates=(0, 0))  # type: ignore[arg-type]


def test_every_problem_of_a_geometry_is_reported_at_once() -> None:
    unclosed = ((0, 0), (1, 0), (1, 1), (0, 1))
    short = ((0, 0), (1, 0), (0, 0))
    with pytest.raises(InvalidValueError) as excinfo:
        Geometry(type="MultiPolygon", coordinates=(((unclosed,), (short,))))
    assert len(problems_of(excinfo)) == 2


def test_geometry_coordinates_become_tuples_of_floats() -> None:
    geometry = Geometry(type="Polygon", coordinates=[[[0, 0], [1, 0], [1, 1], [0, 0]]])
    assert geometry.polygons == ((((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)),),)
    assert all(isinstance(c, float) for c in geometry.polygons[0][0][1])


def test_a_multipolygon_lists_each_of_its_polygons() -> None:
    hole = ((0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.4))
    geometry = Geometry(type="MultiPolygon", coordinates=((SQUARE, hole), (SQUARE,)))
    assert len(geometry.polygons) == 2
    assert len(geometry.polygons[0]) == 2  # the outer ring and its hole


def test_a_report_category_must_be_six_digits() -> None:
    with pytest.raises(InvalidValueError, match="category: '2007' is not a six-digit"):
        make_report(category="2007")
    assert make_report(category="200700").category == "200700"


def test_a_report_channel_must_be_a_channel_not_its_label() -> None:
    with pytest.raises(InvalidValueError, match="channel: must be Channel"):
        make_report(channel="volunteer")


def test_a_site_checks_in_every_positive_number_of_hours() -> None:
    with pytest.raises(InvalidValueError, match="check_in_every_hours: must be a positive"):
        Site("S-1", "东澳码头", "C-1", check_in_every_hours=0)


def test_an_agency_categories_must_be_an_array() -> None:
    with pytest.raises(InvalidValueError):
        Agency("A-1", "12345", categories="600100")


# --- immutability --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (GeoPoint(119.79, 25.5), "lon"),
        (Officer("O-1", "林建华"), "name"),
        (Phone(NUMBER), "_number"),
        (make_report(), "text"),
        (Community("C-1", "东门社区", "G-1"), "group_id"),
    ],
    ids=["point", "officer", "phone", "report", "community"],
)
def test_values_cannot_be_changed_in_place(value: object, field: str) -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(value, field, "changed")


def test_a_change_makes_a_new_value_and_keeps_the_old_one() -> None:
    report = make_report()
    changed = attrs.evolve(report, text="有人打架")
    assert report.text != changed.text
    assert changed.id == report.id


# --- phones are masked ---------------------------------------------------------------------


def people() -> list[object]:
    return [
        Volunteer("V-1", "陈秀英", VolunteerRole.SHOP_OWNER, "C-1", phone=Phone(NUMBER)),
        Officer("O-1", "林建华", "巡警大队", phone=Phone(NUMBER)),
    ]


@pytest.mark.parametrize("person", people(), ids=["volunteer", "officer"])
def test_a_phone_never_shows_its_digits_when_printed(person: object) -> None:
    shown = [repr(person), str(person), f"{person}", f"{person!r}", format(person, "")]
    for text in shown:
        assert NUMBER not in text
        assert MASKED in text


@pytest.mark.parametrize("person", people(), ids=["volunteer", "officer"])
def test_a_phone_never_shows_its_digits_in_logs(
    person: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("host").info("registered %s (%r)", person, person)
        logging.getLogger("host").info(f"registered {person}")
    assert NUMBER not in caplog.text
    assert MASKED in caplog.text


def test_a_phone_formats_masked_with_any_format_spec() -> None:
    phone = Phone(NUMBER)
    assert f"{phone:>15}" == f"{MASKED:>15}"
    assert f"{phone}" == str(phone) == phone.masked == MASKED
    assert repr(phone) == f"Phone({MASKED!r})"


def test_reveal_gives_the_digits_when_they_are_really_needed() -> None:
    officer = Officer("O-1", "林建华", phone=Phone(NUMBER))
    assert Phone(NUMBER).reveal() == NUMBER
    assert officer.phone is not None
    assert officer.phone.reveal() == NUMBER


@pytest.mark.parametrize("short", ["110", "12345", "1234567"])
def test_a_short_number_is_masked_entirely(short: str) -> None:
    assert str(Phone(short)) == "*" * len(short)


def test_phones_with_the_same_digits_are_equal() -> None:
    assert Phone(NUMBER) == Phone(NUMBER)
    assert Phone(NUMBER) != Phone("13900000000")


# --- rotas ---------------------------------------------------------------------------------

MONDAY = dt.date(2021, 1, 11)


def at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    """A local time ``day_offset`` days after Monday 11 January 2021."""
    return dt.datetime.combine(MONDAY + dt.timedelta(days=day_offset), dt.time(hour, minute))


def test_a_day_slot_covers_its_listed_days_from_start_up_to_end() -> None:
    rota = Rota("O-1", (0, 2), dt.time(8), dt.time(20))
    assert rota.covers(at(0, 8))
    assert rota.covers(at(2, 19, 59))
    assert not rota.covers(at(0, 20))  # the end is not part of the slot
    assert not rota.covers(at(0, 7, 59))
    assert not rota.covers(at(1, 12))  # Tuesday is not listed


def test_an_overnight_slot_runs_past_midnight_into_the_next_day() -> None:
    rota = Rota("O-1", (0,), dt.time(20), dt.time(8))
    assert rota.covers(at(0, 20))
    assert rota.covers(at(0, 23, 59))
    assert rota.covers(at(1, 0))
    assert rota.covers(at(1, 7, 59))
    assert not rota.covers(at(1, 8))
    assert not rota.covers(at(0, 7))  # Monday morning belongs to a Sunday night slot
    assert not rota.covers(at(1, 20))  # Tuesday evening is not listed


def test_a_sunday_night_slot_ends_on_monday_morning() -> None:
    rota = Rota("O-1", (6,), dt.time(22), dt.time(6))
    assert rota.covers(at(6, 23))
    assert rota.covers(at(7, 5))  # the next Monday
    assert rota.covers(at(0, 5))  # this Monday, after the previous Sunday
    assert not rota.covers(at(0, 23))


def test_a_rota_needs_at_least_one_weekday_from_0_to_6() -> None:
    for weekdays in [(), (7,), (-1,), (True,)]:
        with pytest.raises(InvalidValueError, match="weekdays: must be a non-empty array"):
            Rota("O-1", weekdays, dt.time(8), dt.time(20))


def test_a_rota_slot_cannot_start_and_end_at_the_same_time() -> None:
    with pytest.raises(InvalidValueError, match="end: must differ from start"):
        Rota("O-1", (0,), dt.time(8), dt.time(8))


whole_minutes = st.builds(dt.time, st.integers(0, 23), st.integers(0, 59))


@settings(max_examples=200)
@given(
    start=whole_minutes,
    end=whole_minutes,
    moment=st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)),
)
def test_an_everyday_slot_and_its_complement_cover_each_moment_exactly_once(
    start: dt.time, end: dt.time, moment: dt.datetime
) -> None:
    assume(start != end)
    every_day = tuple(range(7))
    slot = Rota("O-1", every_day, start, end)
    complement = Rota("O-2", every_day, end, start)
    assert slot.covers(moment) != complement.covers(moment)


# --- priorities ----------------------------------------------------------------------------


def test_p1_is_the_most_urgent_priority_and_p4_the_least() -> None:
    assert [p.rank for p in Priority] == [1, 2, 3, 4]
    assert Priority.P1.rank < Priority.P4.rank
    assert Priority.most_urgent(Priority.P3, Priority.P1, Priority.P2) is Priority.P1
    assert Priority.most_urgent(Priority.P4) is Priority.P4


def test_priorities_are_labelled_p1_to_p4_in_json() -> None:
    assert [p.value for p in Priority] == ["P1", "P2", "P3", "P4"]


# --- distances -----------------------------------------------------------------------------

points = st.builds(
    GeoPoint, st.floats(-180, 180, allow_nan=False), st.floats(-90, 90, allow_nan=False)
)


def test_a_degree_of_latitude_is_about_111_km() -> None:
    distance = GeoPoint(119.79, 25.0).distance_m(GeoPoint(119.79, 26.0))
    assert distance == pytest.approx(111_195, rel=1e-3)


def test_pingtan_to_fuzhou_is_about_eighty_kilometres() -> None:
    pingtan, fuzhou = GeoPoint(119.79, 25.50), GeoPoint(119.30, 26.08)
    assert 75_000 < pingtan.distance_m(fuzhou) < 85_000


def test_the_far_side_of_the_earth_is_half_its_circumference_away() -> None:
    distance = GeoPoint(0, 0).distance_m(GeoPoint(180, 0))
    assert distance == pytest.approx(math.pi * 6_371_008.8, rel=1e-9)


@settings(max_examples=200)
@given(points, points, points)
def test_distances_are_symmetric_non_negative_and_obey_the_triangle_inequality(
    a: GeoPoint, b: GeoPoint, c: GeoPoint
) -> None:
    assert a.distance_m(a) == 0
    assert a.distance_m(b) == pytest.approx(b.distance_m(a), abs=1e-6)
    assert 0 <= a.distance_m(b) <= math.pi * 6_371_008.8 + 1e-6
    assert a.distance_m(c) <= a.distance_m(b) + b.distance_m(c) + 1e-3
