"""The directory: building it, every integrity rule, lookups, duty, loading, the sample."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from lianfang.directory import Directory, load_directory, sample_directory
from lianfang.errors import (
    DirectoryError,
    InvalidValueError,
    LianfangError,
    UnknownIdError,
)
from lianfang.model import (
    CommandCenter,
    Officer,
    PatrolZone,
    SiteKind,
    VolunteerRole,
    VolunteerStatus,
)
from lianfang.testing import directories, make_directory

CST = dt.timezone(dt.timedelta(hours=8))
UTC = dt.UTC
MONDAY = dt.date(2021, 1, 11)

# A tiny county written out in full, so each test can see what it relies on.
TINY: dict[str, Any] = {
    "name": "平潭县公安局巡警大队",
    "timezone": "Asia/Shanghai",
    "command_center": {"id": "CC-110", "name": "110指挥中心"},
    "officers": [
        {"id": "O-1", "name": "林建华", "unit": "巡警大队", "phone": "13800000001"},
        {"id": "O-2", "name": "陈志强", "unit": "巡警大队"},
        {"id": "O-3", "name": "黄海峰", "unit": "巡警大队"},
        {"id": "O-4", "name": "吴明辉", "unit": "巡警大队"},
    ],
    "zones": [
        {"id": "Z-1", "name": "第一巡区", "leader_id": "O-1"},
        {"id": "Z-2", "name": "第二巡区", "leader_id": "O-4"},
    ],
    "groups": [
        {"id": "G-1", "zone_id": "Z-1", "name": "第一巡组", "officer_ids": ["O-2", "O-3"]},
        {"id": "G-2", "zone_id": "Z-1", "name": "第二巡组", "officer_ids": ["O-3"]},
    ],
    "communities": [
        {
            "id": "C-1",
            "name": "东门社区",
            "group_id": "G-1",
            "liaison_officer_ids": ["O-2"],
            "cadre_ids": ["V-1"],
            "aliases": ["东门"],
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [119.79, 25.50],
                        [119.80, 25.50],
                        [119.80, 25.51],
                        [119.79, 25.51],
                        [119.79, 25.50],
                    ]
                ],
            },
        },
        {"id": "C-2", "name": "西湖社区", "group_id": "G-1", "liaison_officer_ids": ["O-3"]},
        {"id": "C-3", "name": "北厝村", "group_id": "G-2"},
    ],
    "volunteers": [
        {"id": "V-1", "name": "郑秀英", "role": "community_cadre", "community_id": "C-1"},
        {"id": "V-2", "name": "王德福", "role": "shop_owner", "community_id": "C-1"},
        {
            "id": "V-3",
            "name": "李春梅",
            "role": "security_guard",
            "community_id": "C-1",
            "status": "applicant",
        },
        {"id": "V-4", "name": "张国平", "role": "property_manager", "community_id": "C-2"},
    ],
    "sites": [
        {
            "id": "S-1",
            "name": "东澳码头",
            "community_id": "C-1",
            "contact_id": "V-2",
            "check_in_every_hours": 24,
            "kind": "dock",
        }
    ],
    "agencies": [{"id": "A-12345", "name": "12345便民服务热线", "categories": ["600100"]}],
}


def tiny(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(TINY)
    data.update(changes)
    return data


def problems_of(data: Any) -> tuple[str, ...]:
    with pytest.raises(DirectoryError) as excinfo:
        Directory.from_dict(data)
    assert isinstance(excinfo.value, ValueError)
    assert isinstance(excinfo.value, LianfangError)
    return excinfo.value.problems


def test_the_tiny_county_is_a_valid_directory() -> None:
    directory = Directory.from_dict(TINY)
    assert [c.id for c in directory.communities] == ["C-1", "C-2", "C-3"]
    assert directory.site("S-1").kind is SiteKind.DOCK


def test_only_a_name_and_a_command_center_are_required() -> None:
    directory = Directory.from_dict({"name": "县局", "command_center": {"id": "CC", "name": "110"}})
    assert directory.timezone == "Asia/Shanghai"
    assert directory.officers == ()
    assert directory.communities == ()
    assert directory.rotas == ()


# --- round trips ---------------------------------------------------------------------------


def test_a_directory_survives_a_round_trip_through_its_dict_and_json() -> None:
    directory = Directory.from_dict(TINY)
    assert Directory.from_dict(directory.to_dict()) == directory
    assert Directory.from_dict(json.loads(json.dumps(directory.to_dict()))) == directory


def test_to_dict_writes_every_section_even_when_empty() -> None:
    data = Directory.from_dict({"name": "县局", "command_center": {"id": "CC", "name": "110"}})
    assert list(data.to_dict()) == [
        "name",
        "timezone",
        "command_center",
        "officers",
        "zones",
        "groups",
        "communities",
        "volunteers",
        "sites",
        "agencies",
        "shifts",
        "rotas",
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(directories())
def test_any_valid_directory_survives_a_round_trip_through_json(directory: Directory) -> None:
    assert Directory.from_dict(directory.to_dict()) == directory
    text = json.dumps(directory.to_dict(), ensure_ascii=False)
    assert Directory.from_dict(json.loads(text)) == directory


# --- integrity: each rule, with its exact path ---------------------------------------------

Mutation = Callable[[dict[str, Any]], None]
SHIFT = {"start": "2021-01-12T08:00:00+08:00", "end": "2021-01-12T20:00:00+08:00"}
ROTA = {"weekdays": [0, 1], "start": "08:00", "end": "20:00"}


def append(section: str, item: dict[str, Any]) -> Mutation:
    return lambda data: data.setdefault(section, []).append(item)


def set_in(section: str, index: int, key: str, value: Any) -> Mutation:
    return lambda data: data[section][index].__setitem__(key, value)


def set_top(key: str, value: Any) -> Mutation:
    return lambda data: data.__setitem__(key, value)


RULES: list[tuple[str, Mutation, str]] = [
    (
        "two officers share an id",
        append("officers", {"id": "O-2", "name": "重名"}),
        "$.officers[4].id: duplicate id 'O-2'",
    ),
    (
        "two zones share an id",
        append("zones", {"id": "Z-1", "name": "重复巡区", "leader_id": "O-1"}),
        "$.zones[2].id: duplicate id 'Z-1'",
    ),
    (
        "two groups share an id",
        append("groups", {"id": "G-2", "zone_id": "Z-2", "name": "重复巡组"}),
        "$.groups[2].id: duplicate id 'G-2'",
    ),
    (
        "two communities share an id",
        append("communities", {"id": "C-1", "name": "又一个东门", "group_id": "G-1"}),
        "$.communities[3].id: duplicate id 'C-1'",
    ),
    (
        "two volunteers share an id",
        append("volunteers", {"id": "V-4", "name": "重名", "role": "other", "community_id": "C-2"}),
        "$.volunteers[4].id: duplicate id 'V-4'",
    ),
    (
        "two sites share an id",
        append("sites", {"id": "S-1", "name": "又一个码头", "community_id": "C-2"}),
        "$.sites[1].id: duplicate id 'S-1'",
    ),
    (
        "two agencies share an id",
        append("agencies", {"id": "A-12345", "name": "又一个热线"}),
        "$.agencies[1].id: duplicate id 'A-12345'",
    ),
    (
        "an officer has the command center's id",
        append("officers", {"id": "CC-110", "name": "值班员"}),
        "$.officers[4].id: 'CC-110' is already the id of one of command_center",
    ),
    (
        "a volunteer has an officer's id",
        append("volunteers", {"id": "O-1", "name": "同号", "role": "other", "community_id": "C-1"}),
        "$.volunteers[4].id: 'O-1' is already the id of one of officers",
    ),
    (
        "an agency has a volunteer's id",
        append("agencies", {"id": "V-2", "name": "物业公司"}),
        "$.agencies[1].id: 'V-2' is already the id of one of volunteers",
    ),
    (
        "an agency has the command center's id",
        append("agencies", {"id": "CC-110", "name": "指挥中心"}),
        "$.agencies[1].id: 'CC-110' is already the id of one of command_center",
    ),
    (
        "a zone's leader is unknown",
        set_in("zones", 1, "leader_id", "O-99"),
        "$.zones[1].leader_id: unknown officer 'O-99'",
    ),
    (
        "a group's zone is unknown",
        set_in("groups", 1, "zone_id", "Z-99"),
        "$.groups[1].zone_id: unknown zone 'Z-99'",
    ),
    (
        "a group lists an unknown officer",
        set_in("groups", 0, "officer_ids", ["O-2", "O-3", "O-99"]),
        "$.groups[0].officer_ids[2]: unknown officer 'O-99'",
    ),
    (
        "a community's group is unknown",
        set_in("communities", 2, "group_id", "G-99"),
        "$.communities[2].group_id: unknown group 'G-99'",
    ),
    (
        "a community's liaison officer is unknown",
        set_in("communities", 0, "liaison_officer_ids", ["O-2", "O-99"]),
        "$.communities[0].liaison_officer_ids[1]: unknown officer 'O-99'",
    ),
    (
        "a community's cadre is unknown",
        set_in("communities", 1, "cadre_ids", ["V-99"]),
        "$.communities[1].cadre_ids[0]: unknown volunteer 'V-99'",
    ),
    (
        "a volunteer's community is unknown",
        set_in("volunteers", 3, "community_id", "C-99"),
        "$.volunteers[3].community_id: unknown community 'C-99'",
    ),
    (
        "a site's community is unknown",
        set_in("sites", 0, "community_id", "C-99"),
        "$.sites[0].community_id: unknown community 'C-99'",
    ),
    (
        "a site's contact is unknown",
        set_in("sites", 0, "contact_id", "V-99"),
        "$.sites[0].contact_id: unknown volunteer 'V-99'",
    ),
    (
        "a shift's officer is unknown",
        append("shifts", {"officer_id": "O-99", **SHIFT}),
        "$.shifts[0].officer_id: unknown officer 'O-99'",
    ),
    (
        "a rota's officer is unknown",
        append("rotas", {"officer_id": "O-99", **ROTA}),
        "$.rotas[0].officer_id: unknown officer 'O-99'",
    ),
    (
        "the timezone is not an IANA zone",
        set_top("timezone", "Asia/Pingtan"),
        "$.timezone: unknown IANA time zone 'Asia/Pingtan'",
    ),
    (
        "a top-level key is unknown",
        set_top("province", "福建"),
        "$.province: unknown field",
    ),
    (
        "a volunteer has an unknown key",
        set_in("volunteers", 2, "wechat", "wx123"),
        "$.volunteers[2].wechat: unknown field",
    ),
    (
        "the command center has an unknown key",
        set_top("command_center", {"id": "CC-110", "name": "110", "phone": "110"}),
        "$.command_center.phone: unknown field",
    ),
    (
        "the name is a number",
        set_top("name", 110),
        "$.name: must be a string, not int 110",
    ),
    (
        "the timezone is a number",
        set_top("timezone", 8),
        "$.timezone: must be a string, not int 8",
    ),
    (
        "a section is an object, not an array",
        set_top("agencies", {"A-12345": "12345"}),
        "$.agencies: must be an array, not dict",
    ),
    (
        "a section is null",
        set_top("shifts", None),
        "$.shifts: must be an array, not NoneType",
    ),
    (
        "an entry of a section is a string",
        set_top("agencies", ["A-12345"]),
        "$.agencies[0]: must be an object, not str 'A-12345'",
    ),
    (
        "a volunteer's role is unknown",
        set_in("volunteers", 2, "role", "boss"),
        "$.volunteers[2].role: 'boss' is not one of 'community_cadre', 'internal_security', "
        "'property_manager', 'security_guard', 'shop_owner', 'other'",
    ),
    (
        "a volunteer's status is unknown",
        set_in("volunteers", 2, "status", "banned"),
        "$.volunteers[2].status: 'banned' is not one of 'applicant', 'active', 'suspended', "
        "'retired'",
    ),
    (
        "a phone is a number",
        set_in("volunteers", 2, "phone", 13900000002),
        "$.volunteers[2].phone: must be a phone number string, not int 13900000002",
    ),
    (
        "a site's check-in interval is a string",
        set_in("sites", 0, "check_in_every_hours", "24"),
        "$.sites[0].check_in_every_hours: must be a number, not str '24'",
    ),
    (
        "a site's kind is unknown",
        set_in("sites", 0, "kind", "airport"),
        "$.sites[0].kind: 'airport' is not one of 'dock', 'ferry', 'firm', 'estate', 'other'",
    ),
    (
        "a shift starts without an offset",
        append("shifts", {"officer_id": "O-2", **SHIFT, "start": "2021-01-12T08:00:00"}),
        "$.shifts[0].start: '2021-01-12T08:00:00' has no UTC offset "
        "(write e.g. 2021-01-12T08:00:00+08:00)",
    ),
    (
        "a shift ends before it starts",
        append("shifts", {"officer_id": "O-2", "start": SHIFT["end"], "end": SHIFT["start"]}),
        "$.shifts[0].end: 2021-01-12T08:00:00+08:00 is not after start",
    ),
    (
        "a rota's weekdays are a string",
        append("rotas", {"officer_id": "O-2", **ROTA, "weekdays": "1"}),
        "$.rotas[0].weekdays: must be an array of whole numbers, not str '1'",
    ),
    (
        "a rota's time is not HH:MM",
        append("rotas", {"officer_id": "O-2", **ROTA, "end": "8pm"}),
        "$.rotas[0].end: must be a time of day as 'HH:MM', not str '8pm'",
    ),
    (
        "an agency's categories are one string",
        set_in("agencies", 0, "categories", "600100"),
        "$.agencies[0].categories: must be an array of strings, not str '600100'",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [(mutate, expected) for _, mutate, expected in RULES],
    ids=[rule for rule, _, _ in RULES],
)
def test_a_broken_rule_is_reported_with_its_exact_json_path(
    mutate: Mutation, expected: str
) -> None:
    data = tiny()
    mutate(data)
    assert problems_of(data) == (expected,)


def test_a_directory_with_several_problems_reports_all_of_them_in_one_error() -> None:
    chosen = {
        "two officers share an id",
        "a volunteer has an officer's id",
        "a zone's leader is unknown",
        "a community's cadre is unknown",
        "a site's contact is unknown",
        "a rota's officer is unknown",
        "the timezone is not an IANA zone",
        "a top-level key is unknown",
        "a volunteer has an unknown key",
        "a shift ends before it starts",
    }
    data = tiny()
    for rule, mutate, _ in RULES:
        if rule in chosen:
            mutate(data)
    expected = {problem for rule, _, problem in RULES if rule in chosen}
    assert len(expected) == len(chosen)
    with pytest.raises(DirectoryError) as excinfo:
        Directory.from_dict(data)
    error = excinfo.value
    assert set(error.problems) == expected
    assert len(error.problems) == len(expected)
    assert isinstance(error, ValueError)
    message = str(error)
    assert message.startswith(f"invalid directory: {len(expected)} problems\n")
    assert all(f"\n  {problem}" in message for problem in expected)


def test_top_level_problems_come_before_section_problems_and_references_last() -> None:
    data = tiny(province="福建")
    data["volunteers"][2]["role"] = "boss"
    data["zones"][0]["leader_id"] = "O-99"
    found = problems_of(data)
    assert [problem.split(":")[0] for problem in found] == [
        "$.province",
        "$.volunteers[2].role",
        "$.zones[0].leader_id",
    ]


def test_a_directory_must_be_a_json_object() -> None:
    assert problems_of([TINY]) == ("$: a directory must be a JSON object, not list",)


def test_a_directory_without_name_or_command_center_names_both() -> None:
    assert problems_of({}) == (
        "$.name: required field is missing",
        "$.command_center: required field is missing",
    )


def test_an_empty_directory_name_is_a_directory_error_with_its_path() -> None:
    assert problems_of(tiny(name="")) == ("$.name: must not be empty",)


def test_a_directory_built_in_code_is_checked_the_same_way() -> None:
    with pytest.raises(DirectoryError) as excinfo:
        Directory(
            name="县局",
            command_center=CommandCenter("CC-110", "110"),
            officers=(Officer("O-1", "林建华"), Officer("O-1", "陈志强")),
            zones=(PatrolZone("Z-1", "第一巡区", "O-9"),),
        )
    assert excinfo.value.problems == (
        "$.officers[1].id: duplicate id 'O-1'",
        "$.zones[0].leader_id: unknown officer 'O-9'",
    )


def test_a_directory_built_in_code_rejects_an_unknown_timezone() -> None:
    with pytest.raises(DirectoryError, match="unknown IANA time zone 'Mars/Base'"):
        Directory(name="县局", command_center=CommandCenter("CC", "110"), timezone="Mars/Base")


# --- lookups -------------------------------------------------------------------------------

LOOKUPS = [
    ("officer", "O-2", "陈志强"),
    ("zone", "Z-2", "第二巡区"),
    ("group", "G-1", "第一巡组"),
    ("community", "C-3", "北厝村"),
    ("volunteer", "V-4", "张国平"),
    ("site", "S-1", "东澳码头"),
    ("agency", "A-12345", "12345便民服务热线"),
]


@pytest.mark.parametrize(("kind", "item_id", "name"), LOOKUPS)
def test_each_kind_of_thing_is_found_by_its_id(kind: str, item_id: str, name: str) -> None:
    found = getattr(Directory.from_dict(TINY), kind)(item_id)
    assert (found.id, found.name) == (item_id, name)


@pytest.mark.parametrize("kind", [kind for kind, _, _ in LOOKUPS])
def test_an_unknown_id_is_a_key_error_naming_the_kind(kind: str) -> None:
    directory = Directory.from_dict(TINY)
    with pytest.raises(UnknownIdError) as excinfo:
        getattr(directory, kind)("X-99")
    error = excinfo.value
    assert isinstance(error, KeyError)
    assert isinstance(error, LianfangError)
    assert (error.kind, error.id) == (kind, "X-99")
    assert str(error) == f"unknown {kind} 'X-99'"


def test_an_id_of_one_kind_is_not_found_as_another() -> None:
    with pytest.raises(UnknownIdError):
        Directory.from_dict(TINY).officer("V-1")


def test_a_community_leads_to_its_group_zone_and_responsible_leader() -> None:
    directory = Directory.from_dict(TINY)
    assert directory.group_of("C-3").id == "G-2"
    assert directory.zone_of("C-3").id == "Z-1"
    assert directory.leader_of("C-3").id == "O-1"
    assert directory.leader_of("C-1").name == "林建华"


def test_the_chain_from_an_unknown_community_raises_unknown_id() -> None:
    with pytest.raises(UnknownIdError, match="unknown community 'C-99'"):
        Directory.from_dict(TINY).leader_of("C-99")


def test_groups_communities_and_volunteers_are_listed_in_directory_order() -> None:
    directory = Directory.from_dict(TINY)
    assert [g.id for g in directory.groups_in("Z-1")] == ["G-1", "G-2"]
    assert directory.groups_in("Z-2") == ()
    assert [c.id for c in directory.communities_of("G-1")] == ["C-1", "C-2"]
    assert [c.id for c in directory.communities_of("G-2")] == ["C-3"]
    assert directory.volunteers_in("C-3") == ()


def test_volunteers_in_a_community_are_the_active_ones_unless_asked() -> None:
    directory = Directory.from_dict(TINY)
    assert [v.id for v in directory.volunteers_in("C-1")] == ["V-1", "V-2"]
    assert [v.id for v in directory.volunteers_in("C-1", status=None)] == ["V-1", "V-2", "V-3"]
    applicants = directory.volunteers_in("C-1", status=VolunteerStatus.APPLICANT)
    assert [v.id for v in applicants] == ["V-3"]


@pytest.mark.parametrize(
    ("method", "bad_id"),
    [("groups_in", "Z-99"), ("communities_of", "G-99"), ("volunteers_in", "C-99")],
)
def test_listing_under_an_unknown_id_raises_unknown_id(method: str, bad_id: str) -> None:
    with pytest.raises(UnknownIdError):
        getattr(Directory.from_dict(TINY), method)(bad_id)


def test_has_community_answers_without_raising() -> None:
    directory = Directory.from_dict(TINY)
    assert directory.has_community("C-1")
    assert not directory.has_community("C-99")


def test_describe_names_any_assignee_and_leaves_unknown_ids_as_they_are() -> None:
    directory = Directory.from_dict(TINY)
    assert directory.describe("CC-110") == "110指挥中心"
    assert directory.describe("O-2") == "陈志强（O-2）"
    assert directory.describe("V-1") == "郑秀英（V-1）"
    assert directory.describe("A-12345") == "12345便民服务热线（A-12345）"
    assert directory.describe("X-1") == "X-1"


# --- duty ----------------------------------------------------------------------------------


def local(day: int, hour: int, minute: int = 0, tz: dt.tzinfo = CST) -> dt.datetime:
    """``day`` days after Monday 11 January 2021, at a wall-clock time in ``tz``."""
    return dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(hour, minute), tzinfo=tz)


def with_duty(
    shifts: list[dict[str, Any]] | None = None,
    rotas: list[dict[str, Any]] | None = None,
    timezone: str = "Asia/Shanghai",
) -> Directory:
    return Directory.from_dict(tiny(shifts=shifts or [], rotas=rotas or [], timezone=timezone))


def test_without_shifts_or_rotas_every_officer_is_always_on_duty() -> None:
    directory = Directory.from_dict(TINY)
    assert not directory.has_duty_times
    for moment in (local(0, 3), local(6, 23, 59), dt.datetime(1999, 1, 1, tzinfo=UTC)):
        assert [o.id for o in directory.on_duty(moment)] == ["O-1", "O-2", "O-3", "O-4"]
        assert directory.is_on_duty("O-4", moment)


def test_a_dated_shift_covers_its_start_up_to_its_end() -> None:
    directory = with_duty(shifts=[{"officer_id": "O-2", **SHIFT}])  # Tuesday 08:00–20:00 +08
    assert directory.has_duty_times
    assert directory.is_on_duty("O-2", local(1, 8))
    assert directory.is_on_duty("O-2", local(1, 19, 59))
    assert not directory.is_on_duty("O-2", local(1, 20))
    assert not directory.is_on_duty("O-2", local(1, 7, 59))
    assert not directory.is_on_duty("O-2", local(8, 12))  # a week later: shifts are dated


def test_a_shift_is_compared_by_instant_whatever_the_offset() -> None:
    directory = with_duty(shifts=[{"officer_id": "O-2", **SHIFT}])
    assert directory.is_on_duty("O-2", dt.datetime(2021, 1, 12, 0, 30, tzinfo=UTC))
    assert not directory.is_on_duty("O-2", dt.datetime(2021, 1, 12, 12, 30, tzinfo=UTC))


def test_once_any_duty_time_is_listed_an_officer_without_one_is_off_duty() -> None:
    directory = with_duty(shifts=[{"officer_id": "O-2", **SHIFT}])
    assert [o.id for o in directory.on_duty(local(1, 9))] == ["O-2"]
    assert not directory.is_on_duty("O-1", local(1, 9))


def test_rota_times_are_read_in_the_directory_timezone() -> None:
    rota = {"officer_id": "O-2", "weekdays": [0], "start": "08:00", "end": "20:00"}
    half_past_midnight_utc = dt.datetime(2021, 1, 11, 0, 30, tzinfo=UTC)  # 08:30 in Beijing
    assert with_duty(rotas=[rota]).is_on_duty("O-2", half_past_midnight_utc)
    assert not with_duty(rotas=[rota], timezone="UTC").is_on_duty("O-2", half_past_midnight_utc)
    assert with_duty(rotas=[rota], timezone="UTC").is_on_duty("O-2", local(0, 8, 30, tz=UTC))


def test_rota_times_follow_daylight_saving_time_in_the_directory_timezone() -> None:
    rota = {"officer_id": "O-2", "weekdays": [0], "start": "08:00", "end": "09:00"}
    directory = with_duty(rotas=[rota], timezone="Europe/Berlin")
    assert directory.is_on_duty("O-2", dt.datetime(2021, 1, 11, 7, 30, tzinfo=UTC))  # 08:30 CET
    assert directory.is_on_duty("O-2", dt.datetime(2021, 7, 5, 6, 30, tzinfo=UTC))  # 08:30 CEST
    assert not directory.is_on_duty("O-2", dt.datetime(2021, 7, 5, 7, 30, tzinfo=UTC))


def test_an_overnight_rota_slot_ends_the_next_morning() -> None:
    rota = {"officer_id": "O-3", "weekdays": [0], "start": "20:00", "end": "08:00"}
    directory = with_duty(rotas=[rota])
    assert directory.is_on_duty("O-3", local(0, 20))
    assert directory.is_on_duty("O-3", local(1, 7, 59))
    assert not directory.is_on_duty("O-3", local(1, 8))
    assert not directory.is_on_duty("O-3", local(0, 7))
    assert not directory.is_on_duty("O-3", local(1, 20))


def test_a_sunday_night_slot_wraps_into_monday_morning() -> None:
    rota = {"officer_id": "O-3", "weekdays": [6], "start": "22:00", "end": "06:00"}
    directory = with_duty(rotas=[rota])
    assert directory.is_on_duty("O-3", local(6, 23))
    assert directory.is_on_duty("O-3", local(7, 5, 59))
    assert directory.is_on_duty("O-3", local(0, 5))
    assert not directory.is_on_duty("O-3", local(0, 6))


def test_a_shift_or_a_rota_slot_is_enough_to_be_on_duty() -> None:
    rota = {"officer_id": "O-2", "weekdays": [0], "start": "08:00", "end": "12:00"}
    directory = with_duty(shifts=[{"officer_id": "O-2", **SHIFT}], rotas=[rota])
    assert directory.is_on_duty("O-2", local(0, 9))  # the rota
    assert directory.is_on_duty("O-2", local(1, 15))  # the shift
    assert not directory.is_on_duty("O-2", local(2, 9))


def test_on_duty_lists_officers_in_directory_order() -> None:
    rotas = [
        {"officer_id": officer, "weekdays": [0], "start": "08:00", "end": "20:00"}
        for officer in ("O-4", "O-2", "O-1")
    ]
    assert [o.id for o in with_duty(rotas=rotas).on_duty(local(0, 9))] == ["O-1", "O-2", "O-4"]


@pytest.mark.parametrize("shifts", [[], [{"officer_id": "O-2", **SHIFT}]])
def test_a_naive_datetime_is_rejected_when_asking_who_is_on_duty(
    shifts: list[dict[str, Any]],
) -> None:
    directory = with_duty(shifts=shifts)
    naive = dt.datetime(2021, 1, 12, 9, 0)
    with pytest.raises(InvalidValueError, match="at: must be a timezone-aware datetime"):
        directory.is_on_duty("O-2", naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        directory.on_duty(naive)


def test_asking_about_an_unknown_officer_raises_unknown_id() -> None:
    with pytest.raises(UnknownIdError):
        Directory.from_dict(TINY).is_on_duty("O-99", local(0, 9))


# --- loading from a file -------------------------------------------------------------------


def test_load_directory_reads_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(TINY, ensure_ascii=False, indent=2), encoding="utf-8")
    assert load_directory(path) == Directory.from_dict(TINY)
    assert load_directory(str(path)) == Directory.from_dict(TINY)


def test_a_missing_file_is_a_directory_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    with pytest.raises(DirectoryError) as excinfo:
        load_directory(path)
    (problem,) = excinfo.value.problems
    assert problem.startswith(f"{path}: cannot read the file")


def test_a_folder_is_not_a_directory_file(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError, match="cannot read the file"):
        load_directory(tmp_path)


def test_bad_json_is_a_directory_error_naming_the_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": "县局",\n  "command_center": \n}\n', encoding="utf-8")
    with pytest.raises(DirectoryError) as excinfo:
        load_directory(path)
    (problem,) = excinfo.value.problems
    assert problem.startswith(f"{path}: not valid JSON (line 4, column 1:")


def test_a_file_with_bad_content_lists_its_problems(tmp_path: Path) -> None:
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(tiny(timezone="Asia/Pingtan", extra=1)), encoding="utf-8")
    with pytest.raises(DirectoryError) as excinfo:
        load_directory(path)
    assert excinfo.value.problems == (
        "$.extra: unknown field",
        "$.timezone: unknown IANA time zone 'Asia/Pingtan'",
    )


# --- the built-in sample -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Directory:
    return sample_directory()


def test_the_sample_directory_is_valid_and_built_once(sample: Directory) -> None:
    assert isinstance(sample, Directory)
    assert sample_directory() is sample
    assert Directory.from_dict(sample.to_dict()) == sample


def test_the_sample_has_at_least_four_zones_each_with_a_leader_and_groups(
    sample: Directory,
) -> None:
    assert len(sample.zones) >= 4
    for zone in sample.zones:
        assert sample.officer(zone.leader_id).id == zone.leader_id
        assert sample.groups_in(zone.id)
    assert len(sample.groups) >= 8


def test_the_sample_has_at_least_thirty_communities_with_polygons(sample: Directory) -> None:
    with_polygons = [c for c in sample.communities if c.geometry is not None]
    assert len(with_polygons) >= 30


def test_the_sample_has_about_five_hundred_volunteers_in_all_six_roles(
    sample: Directory,
) -> None:
    assert 450 <= len(sample.volunteers) <= 550
    assert {v.role for v in sample.volunteers} == set(VolunteerRole)


def test_the_sample_has_agencies_and_sites_of_several_kinds(sample: Directory) -> None:
    assert len(sample.agencies) >= 3
    assert len({site.kind for site in sample.sites}) >= 3


def test_the_sample_has_an_officer_on_duty_in_every_group_at_every_hour_of_a_week(
    sample: Directory,
) -> None:
    assert sample.has_duty_times
    start = dt.datetime.combine(MONDAY, dt.time(0), tzinfo=sample.tz)
    uncovered = []
    for quarter in range(7 * 24 * 4):
        moment = start + dt.timedelta(minutes=15 * quarter)
        on_duty = {officer.id for officer in sample.on_duty(moment)}
        uncovered += [
            (group.id, moment.isoformat())
            for group in sample.groups
            if not on_duty.intersection(group.officer_ids)
        ]
    assert uncovered == []


# --- the testing factory, seen from the directory ------------------------------------------


def test_a_made_directory_survives_a_round_trip_through_json() -> None:
    directory = make_directory(with_rotas=True)
    assert Directory.from_dict(json.loads(json.dumps(directory.to_dict()))) == directory


# --- the documentation's example -----------------------------------------------------------

FORMAT_DOC = Path(__file__).resolve().parents[2] / "docs" / "directory-format.md"


@pytest.mark.skipif(not FORMAT_DOC.exists(), reason="docs/ is not beside the tests")
def test_the_complete_example_in_the_format_document_loads_and_behaves_as_it_says() -> None:
    text = FORMAT_DOC.read_text(encoding="utf-8")
    example = text.split("## A complete example", 1)[1].split("```json", 1)[1].split("```")[0]
    directory = Directory.from_dict(json.loads(example))
    assert [o.id for o in directory.on_duty(local(1, 10))] == ["O-1", "O-2", "O-4"]
    assert [o.id for o in directory.on_duty(local(1, 23))] == ["O-3"]
    assert directory.leader_of("C-2").id == "O-4"
    assert {section for section, items in directory.to_dict().items() if items == []} == set()
