"""The one converter: strict JSON in, plain JSON out, every problem named by its path."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianfang import codec
from lianfang.errors import LianfangError, ReportError, ValidationError
from lianfang.model import (
    Channel,
    Community,
    Geometry,
    Officer,
    PatrolGroup,
    Phone,
    Priority,
    Report,
    Rota,
    Volunteer,
    VolunteerRole,
    VolunteerStatus,
)
from lianfang.testing import make_report, reports

CST = dt.timezone(dt.timedelta(hours=8))


def report_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": "R-1",
        "received_at": "2021-01-12T10:00:00+08:00",
        "text": "东门社区有人聚众赌博",
        "channel": "volunteer",
    }
    data.update(changes)
    return data


def problems(data: object, cls: type) -> tuple[str, ...]:
    with pytest.raises(ReportError) as excinfo:
        codec.structure(data, cls, error=ReportError)
    assert isinstance(excinfo.value, LianfangError)
    assert isinstance(excinfo.value, ValueError)
    return excinfo.value.problems


# --- enums ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "member",
    [Channel.PHONE_110, VolunteerRole.SHOP_OWNER, VolunteerStatus.SUSPENDED, Priority.P2],
)
def test_enums_are_written_and_read_by_value(member: Channel) -> None:
    assert codec.unstructure(member) == member.value
    assert codec.structure(member.value, type(member)) is member


def test_an_enum_is_not_read_by_its_python_name() -> None:
    assert problems(report_data(channel="VOLUNTEER"), Report) == (
        "$.channel: 'VOLUNTEER' is not one of 'phone_110', 'volunteer', 'app', 'walk_in', "
        "'patrol', 'check_in'",
    )


def test_an_unknown_role_lists_the_allowed_roles() -> None:
    data = {"id": "V-1", "name": "陈秀英", "role": "boss", "community_id": "C-1"}
    (problem,) = problems(data, Volunteer)
    assert problem.startswith("$.role: 'boss' is not one of 'community_cadre', ")


# --- datetimes, times and durations -------------------------------------------------------


def test_datetimes_are_written_as_iso_8601_with_their_offset() -> None:
    assert codec.unstructure(dt.datetime(2021, 1, 12, 10, 0, tzinfo=CST)) == (
        "2021-01-12T10:00:00+08:00"
    )
    assert make_report().to_dict()["received_at"] == "2021-01-12T10:00:00+08:00"


def test_an_iso_datetime_with_an_offset_or_z_reads_as_the_same_instant() -> None:
    ten_in_beijing = dt.datetime(2021, 1, 12, 10, 0, tzinfo=CST)
    assert codec.structure("2021-01-12T10:00:00+08:00", dt.datetime) == ten_in_beijing
    assert codec.structure("2021-01-12T02:00:00Z", dt.datetime) == ten_in_beijing
    assert codec.structure("2021-01-12T02:00:00+00:00", dt.datetime) == ten_in_beijing


def test_a_datetime_without_an_offset_is_rejected_with_a_hint() -> None:
    assert problems(report_data(received_at="2021-01-12T10:00:00"), Report) == (
        "$.received_at: '2021-01-12T10:00:00' has no UTC offset "
        "(write e.g. 2021-01-12T10:00:00+08:00)",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1610416800, "$.received_at: must be an ISO 8601 date-time string, not int 1610416800"),
        ("yesterday", "$.received_at: 'yesterday' is not an ISO 8601 date-time"),
    ],
)
def test_a_datetime_must_be_an_iso_string(value: object, expected: str) -> None:
    assert problems(report_data(received_at=value), Report) == (expected,)


def test_rota_times_are_written_and_read_as_hh_mm() -> None:
    rota = Rota("O-1", (0, 6), dt.time(20), dt.time(8, 30))
    data = codec.unstructure(rota)
    assert data == {"officer_id": "O-1", "weekdays": [0, 6], "start": "20:00", "end": "08:30"}
    assert codec.structure(data, Rota) == rota


@pytest.mark.parametrize("value", ["8:00", "25:00", "08:60", "0800", 800, "08:00+08:00"])
def test_a_time_of_day_must_be_hh_mm(value: object) -> None:
    data = {"officer_id": "O-1", "weekdays": [0], "start": value, "end": "20:00"}
    (problem,) = problems(data, Rota)
    assert problem.startswith("$.start: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", dt.timedelta(seconds=90)),
        ("5m", dt.timedelta(minutes=5)),
        ("30min", dt.timedelta(minutes=30)),
        ("24h", dt.timedelta(hours=24)),
        ("1d", dt.timedelta(days=1)),
        ("1.5h", dt.timedelta(minutes=90)),
        (" 2H ", dt.timedelta(hours=2)),
        (600, dt.timedelta(minutes=10)),
        (0.5, dt.timedelta(milliseconds=500)),
    ],
)
def test_durations_are_read_from_short_forms_or_seconds(
    text: object, expected: dt.timedelta
) -> None:
    assert codec.parse_duration(text) == expected
    assert codec.structure(text, dt.timedelta) == expected


@pytest.mark.parametrize("bad", ["5 minutes", "h", "", "-5m", -1, True, None, [5]])
def test_a_malformed_or_negative_duration_is_rejected(bad: object) -> None:
    with pytest.raises(ValueError, match=r"duration|negative"):
        codec.parse_duration(bad)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (dt.timedelta(days=2), "2d"),
        (dt.timedelta(hours=36), "36h"),
        (dt.timedelta(minutes=30), "30m"),
        (dt.timedelta(seconds=90), "90s"),
        (dt.timedelta(seconds=1.5), "1.5s"),
    ],
)
def test_durations_are_written_in_their_shortest_exact_form(
    duration: dt.timedelta, text: str
) -> None:
    assert codec.format_duration(duration) == text
    assert codec.unstructure(duration) == text


@given(st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=400)))
def test_a_written_duration_reads_back_the_same(duration: dt.timedelta) -> None:
    whole_seconds = dt.timedelta(seconds=round(duration.total_seconds()))
    assert codec.parse_duration(codec.format_duration(whole_seconds)) == whole_seconds


def test_a_long_duration_that_is_not_whole_minutes_reads_back_the_same() -> None:
    duration = dt.timedelta(days=12, seconds=1)
    assert codec.parse_duration(codec.format_duration(duration)) == duration


# --- strictness ----------------------------------------------------------------------------


def test_a_number_where_a_string_is_expected_is_an_error_not_converted() -> None:
    assert problems(report_data(id=1), Report) == ("$.id: must be a string, not int 1",)
    assert problems(report_data(text=None), Report) == (
        "$.text: must be a string, not NoneType None",
    )


def test_a_string_where_an_array_is_expected_is_an_error_not_split_into_characters() -> None:
    data = {"id": "C-1", "name": "东门社区", "group_id": "G-1", "aliases": "东门"}
    assert problems(data, Community) == ("$.aliases: must be an array of strings, not str '东门'",)
    rota = {"officer_id": "O-1", "weekdays": "0", "start": "08:00", "end": "20:00"}
    assert problems(rota, Rota) == ("$.weekdays: must be an array of whole numbers, not str '0'",)


def test_a_non_string_inside_an_array_of_ids_names_its_index() -> None:
    data = {"id": "G-1", "zone_id": "Z-1", "name": "第一巡组", "officer_ids": ["O-1", 2]}
    assert problems(data, PatrolGroup) == ("$.officer_ids: item [1] must be a string, not int 2",)


def test_a_boolean_is_not_a_number() -> None:
    data = {"officer_id": "O-1", "weekdays": [True], "start": "08:00", "end": "20:00"}
    assert problems(data, Rota) == ("$.weekdays[0]: must be a whole number, not bool True",)
    location = {"lon": True, "lat": 25.5}
    assert problems(report_data(location=location), Report) == (
        "$.location.lon: must be a number, not bool True",
    )


def test_a_whole_number_is_a_valid_coordinate_and_becomes_a_float() -> None:
    report = codec.structure(report_data(location={"lon": 120, "lat": 25}), Report)
    assert report.location is not None
    assert isinstance(report.location.lon, float)


def test_unknown_keys_are_errors_at_any_depth() -> None:
    data = report_data(urgent=True, location={"lon": 119.8, "lat": 25.5, "alt": 3})
    assert problems(data, Report) == ("$.location.alt: unknown field", "$.urgent: unknown field")


def test_a_value_that_is_not_an_object_is_named() -> None:
    assert problems(["R-1"], Report) == ("$: must be an object, not list ['R-1']",)


def test_a_missing_required_field_is_named_once() -> None:
    assert problems({"id": "O-1"}, Officer) == ("$.name: required field is missing",)


def test_a_missing_required_field_is_reported() -> None:
    (problem,) = problems({"id": "O-1"}, Officer)
    assert problem.startswith("$.name")
    assert problem.endswith(": required field is missing")


def test_every_problem_is_flattened_into_one_line_with_its_path() -> None:
    data = report_data(
        received_at="2021-01-12 10:00",
        channel="fax",
        location={"lon": 119.8, "lat": "north"},
        category=200700,
        extra="x",
    )
    assert problems(data, Report) == (
        "$.received_at: '2021-01-12 10:00' has no UTC offset (write e.g. 2021-01-12 10:00+08:00)",
        "$.channel: 'fax' is not one of 'phone_110', 'volunteer', 'app', 'walk_in', 'patrol', "
        "'check_in'",
        "$.location.lat: must be a number, not str 'north'",
        "$.category: must be a string, not int 200700",
        "$.extra: unknown field",
    )


def test_a_value_out_of_range_in_a_nested_record_is_named_by_its_path() -> None:
    data = report_data(location={"lon": 200, "lat": 25.5})
    assert problems(data, Report) == ("$.location.lon: 200.0 is outside [-180.0, 180.0]",)


def test_problems_in_a_list_of_records_carry_each_index() -> None:
    volunteers = [
        {"id": "V-1", "name": "陈秀英", "role": "shop_owner", "community_id": "C-1"},
        {"id": "V-2", "name": "林建华", "role": "boss", "community_id": "C-1"},
        {"id": "V-3", "name": "王海峰", "role": "other", "community_id": 7},
    ]
    with pytest.raises(ValidationError) as excinfo:
        codec.structure(volunteers, tuple[Volunteer, ...])
    assert [p.split(":", 1)[0] for p in excinfo.value.problems] == [
        "$[1].role",
        "$[2].community_id",
    ]


def test_the_caller_chooses_the_error_class_and_the_root_path() -> None:
    with pytest.raises(ReportError) as excinfo:
        codec.structure({"id": 5}, Officer, error=ReportError, path="$.officers[3]")
    assert "$.officers[3].id: must be a string, not int 5" in excinfo.value.problems


# --- special values ------------------------------------------------------------------------


def test_phones_are_written_as_their_digits_for_the_host_that_owns_them() -> None:
    officer = Officer("O-1", "林建华", phone=Phone("13812345678"))
    assert codec.unstructure(officer)["phone"] == "13812345678"
    assert codec.structure(codec.unstructure(officer), Officer) == officer


def test_a_phone_must_be_a_string_so_leading_zeros_survive() -> None:
    data = {"id": "O-1", "name": "林建华", "phone": 13812345678}
    assert problems(data, Officer) == (
        "$.phone: must be a phone number string, not int 13812345678",
    )


def test_geometry_is_written_as_geojson_with_arrays() -> None:
    geometry = Geometry(type="Polygon", coordinates=(((0, 0), (1, 0), (1, 1), (0, 0)),))
    data = codec.unstructure(geometry)
    assert data == {
        "type": "Polygon",
        "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]],
    }
    assert codec.structure(json.loads(json.dumps(data)), Geometry) == geometry


def test_geometry_accepts_a_bbox_but_no_other_extra_member() -> None:
    ring = [[0, 0], [1, 0], [1, 1], [0, 0]]
    with_bbox = {"type": "Polygon", "coordinates": [ring], "bbox": [0, 0, 1, 1]}
    assert codec.structure(with_bbox, Geometry).type == "Polygon"
    data: dict[str, object] = {"id": "C-1", "name": "东门社区", "group_id": "G-1"}
    data["geometry"] = {"type": "Polygon", "coordinates": [ring], "properties": {}}
    (problem,) = problems(data, Community)
    assert problem.startswith("$.geometry: must be a GeoJSON Polygon or MultiPolygon")
    assert "unknown keys: properties" in problem


def test_a_geometry_problem_is_named_down_to_the_position() -> None:
    data: dict[str, object] = {"id": "C-1", "name": "东门社区", "group_id": "G-1"}
    data["geometry"] = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}
    assert problems(data, Community) == (
        "$.geometry.coordinates[0]: the linear ring is not closed "
        "(first and last positions differ)",
    )


@settings(max_examples=100)
@given(reports())
def test_a_report_survives_a_round_trip_through_json(report: Report) -> None:
    data = json.loads(json.dumps(codec.unstructure(report)))
    assert codec.structure(data, Report) == report
    assert Report.from_dict(data) == report
