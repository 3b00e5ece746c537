"""The built-in sample directory file keeps the promises examples and tests rely on.

It is read with the json module alone, so these tests stand whatever the Directory class
does; the file is written by ``tools/make_sample_directory.py``.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "src" / "lianfang" / "data" / "sample_directory.json"
GENERATOR = ROOT / "tools" / "make_sample_directory.py"

Ring = Sequence[Sequence[float]]

TOP_LEVEL_KEYS = [
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
    "rotas",
]
# (required, optional) fields of each entity in the directory format.
FIELDS = {
    "command_center": ({"id", "name"}, set()),
    "officers": ({"id", "name"}, {"unit", "phone"}),
    "zones": ({"id", "name", "leader_id"}, set()),
    "groups": ({"id", "zone_id", "name"}, {"officer_ids"}),
    "communities": (
        {"id", "name", "group_id"},
        {"liaison_officer_ids", "cadre_ids", "aliases", "geometry"},
    ),
    "volunteers": ({"id", "name", "role", "community_id"}, {"phone", "status"}),
    "sites": ({"id", "name", "community_id"}, {"contact_id", "check_in_every_hours", "kind"}),
    "agencies": ({"id", "name"}, {"categories"}),
    "rotas": ({"officer_id", "weekdays", "start", "end"}, set()),
}
ROLES = {
    "community_cadre",
    "internal_security",
    "property_manager",
    "security_guard",
    "shop_owner",
    "other",
}
STATUSES = {"active", "applicant", "suspended", "retired"}
SITE_KINDS = {"dock", "ferry", "firm", "estate", "other"}
SHARED_AGENCIES = [
    {
        "id": "A-12345",
        "name": "12345便民服务热线",
        "categories": ["600100", "600200", "600700", "600800", "609900"],
    },
    {"id": "A-CG", "name": "城市管理局", "categories": ["600200", "600300", "600400", "600600"]},
    {"id": "A-WY", "name": "物业服务中心", "categories": ["600500"]},
]
CENTRE_LON, CENTRE_LAT = 119.79, 25.50
MINUTES_PER_WEEK = 7 * 24 * 60


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    with SAMPLE.open(encoding="utf-8") as file:
        data: dict[str, Any] = json.load(file)
    return data


def by_id(items: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def outer_ring(community: dict[str, Any]) -> Ring:
    rings: list[Ring] = community["geometry"]["coordinates"]
    return rings[0]


def contains(ring: Ring, lon: float, lat: float) -> bool:
    """Ray casting. Each edge's endpoints are put in a fixed order so that two rings sharing
    an edge compute the very same crossing, whichever way round they walk it."""
    inside = False
    for a, b in itertools.pairwise(ring):
        low, high = (a, b) if (a[1], a[0]) < (b[1], b[0]) else (b, a)
        if (low[1] > lat) != (high[1] > lat):
            crossing = low[0] + (lat - low[1]) * (high[0] - low[0]) / (high[1] - low[1])
            if lon < crossing:
                inside = not inside
    return inside


def signed_area(ring: Ring) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2


def edges(ring: Ring) -> Iterator[tuple[tuple[float, ...], tuple[float, ...]]]:
    for a, b in itertools.pairwise(ring):
        yield tuple(a), tuple(b)


def minutes(hh_mm: str) -> int:
    hours, mins = hh_mm.split(":")
    return int(hours) * 60 + int(mins)


def on_duty(rotas: Iterable[dict[str, Any]], minute_of_week: int) -> set[str]:
    """Officers whose rota covers a minute of the week (Monday 00:00 = 0), as DESIGN.md says."""
    day, minute = divmod(minute_of_week, 24 * 60)
    present = set()
    for rota in rotas:
        start, end = minutes(rota["start"]), minutes(rota["end"])
        if start < end:
            covered = day in rota["weekdays"] and start <= minute < end
        else:  # past midnight: the evening of a listed day and the morning after it
            covered = (day in rota["weekdays"] and minute >= start) or (
                (day - 1) % 7 in rota["weekdays"] and minute < end
            )
        if covered:
            present.add(rota["officer_id"])
    return present


def connected(members: set[str], touching: dict[str, set[str]]) -> bool:
    start = min(members)
    seen, stack = {start}, [start]
    while stack:
        for other in touching[stack.pop()] & members - seen:
            seen.add(other)
            stack.append(other)
    return seen == members


# --- format ------------------------------------------------------------------------------


def test_the_file_has_exactly_the_directory_format_sections(sample: dict[str, Any]) -> None:
    assert list(sample) == TOP_LEVEL_KEYS
    assert sample["timezone"] == "Asia/Shanghai"
    assert sample["command_center"] == {"id": "CC-110", "name": "110指挥中心"}


def test_the_county_says_it_is_synthetic(sample: dict[str, Any]) -> None:
    assert "虚构" in sample["name"]
    assert "示例" in sample["name"]


@pytest.mark.parametrize("section", sorted(FIELDS))
def test_every_entity_has_its_required_fields_and_no_others(
    sample: dict[str, Any], section: str
) -> None:
    required, optional = FIELDS[section]
    items = sample[section] if isinstance(sample[section], list) else [sample[section]]
    for n, item in enumerate(items):
        assert required <= set(item), f"{section}[{n}] lacks {sorted(required - set(item))}"
        assert set(item) <= required | optional, (
            f"{section}[{n}] has unknown fields {sorted(set(item) - required - optional)}"
        )


def test_geometries_are_geojson_polygons_with_closed_rings(sample: dict[str, Any]) -> None:
    for community in sample["communities"]:
        geometry = community["geometry"]
        assert set(geometry) == {"type", "coordinates"}
        assert geometry["type"] == "Polygon"
        ring = outer_ring(community)
        assert len(geometry["coordinates"]) == 1, f"{community['id']} has holes"
        assert len(ring) >= 4
        assert ring[0] == ring[-1], f"{community['id']} ring is not closed"
        assert len({tuple(p) for p in ring[:-1]}) == len(ring) - 1, (
            f"{community['id']} ring visits a vertex twice"
        )
        for lon, lat in ring:
            assert round(lon, 6) == lon
            assert round(lat, 6) == lat
            assert abs(lon - CENTRE_LON) < 0.15
            assert abs(lat - CENTRE_LAT) < 0.18


def test_outer_rings_run_counter_clockwise(sample: dict[str, Any]) -> None:
    for community in sample["communities"]:
        assert signed_area(outer_ring(community)) > 0, community["id"]


def test_the_file_is_small() -> None:
    assert SAMPLE.stat().st_size < 1_000_000


def test_the_file_is_what_the_generator_writes(sample: dict[str, Any]) -> None:
    if not GENERATOR.exists():
        pytest.skip("tools/ is not shipped in the sdist")
    spec = importlib.util.spec_from_file_location("make_sample_directory", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.build_directory() == sample
    assert generator.render(sample) == SAMPLE.read_text(encoding="utf-8")


# --- counts and identities -----------------------------------------------------------------


def test_the_county_has_four_zones_each_led_by_its_own_officer(sample: dict[str, Any]) -> None:
    zones = sample["zones"]
    assert [z["id"] for z in zones] == ["Z-1", "Z-2", "Z-3", "Z-4"]
    assert [z["name"] for z in zones] == ["第一巡区", "第二巡区", "第三巡区", "第四巡区"]
    leaders = [z["leader_id"] for z in zones]
    assert len(set(leaders)) == 4


def test_each_zone_has_at_least_two_groups_of_four_to_six_officers(
    sample: dict[str, Any],
) -> None:
    groups = sample["groups"]
    assert 8 <= len(groups) <= 10
    per_zone = Counter(g["zone_id"] for g in groups)
    assert set(per_zone) == {"Z-1", "Z-2", "Z-3", "Z-4"}
    assert min(per_zone.values()) >= 2
    for group in groups:
        assert 4 <= len(group["officer_ids"]) <= 6, group["id"]
    members = [o for g in groups for o in g["officer_ids"]]
    assert len(members) == len(set(members)), "an officer serves in two groups"


def test_people_and_places_come_in_the_promised_numbers(sample: dict[str, Any]) -> None:
    assert 36 <= len(sample["communities"]) <= 48
    assert 480 <= len(sample["volunteers"]) <= 520
    assert len(sample["sites"]) >= 12
    assert len(sample["agencies"]) >= 3


@pytest.mark.parametrize("section", ["officers", "zones", "groups", "communities", "volunteers"])
def test_ids_are_unique_within_each_kind(sample: dict[str, Any], section: str) -> None:
    ids = [item["id"] for item in sample[section]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("section", ["sites", "agencies"])
def test_site_and_agency_ids_are_unique(sample: dict[str, Any], section: str) -> None:
    ids = [item["id"] for item in sample[section]]
    assert len(ids) == len(set(ids))


def test_every_reference_points_at_something_that_exists(sample: dict[str, Any]) -> None:
    officers = by_id(sample["officers"])
    zones = by_id(sample["zones"])
    groups = by_id(sample["groups"])
    communities = by_id(sample["communities"])
    volunteers = by_id(sample["volunteers"])
    dangling = []
    dangling += [z["leader_id"] for z in sample["zones"] if z["leader_id"] not in officers]
    for group in sample["groups"]:
        dangling += [group["zone_id"]] if group["zone_id"] not in zones else []
        dangling += [o for o in group["officer_ids"] if o not in officers]
    for community in sample["communities"]:
        dangling += [community["group_id"]] if community["group_id"] not in groups else []
        dangling += [o for o in community["liaison_officer_ids"] if o not in officers]
        dangling += [v for v in community["cadre_ids"] if v not in volunteers]
    for item in [*sample["volunteers"], *sample["sites"]]:
        dangling += [item["community_id"]] if item["community_id"] not in communities else []
    dangling += [s["contact_id"] for s in sample["sites"] if s["contact_id"] not in volunteers]
    dangling += [r["officer_id"] for r in sample["rotas"] if r["officer_id"] not in officers]
    assert dangling == []


def test_phones_are_distinct_eleven_digit_fake_numbers(sample: dict[str, Any]) -> None:
    phones = [p["phone"] for p in [*sample["officers"], *sample["volunteers"]]]
    assert len(phones) == len(set(phones))
    for phone in phones:
        assert re.fullmatch(r"1[3-9]\d{9}", phone), phone
        assert phone[3:7] == "0000", f"{phone} is not in a clearly fake range"


# --- communities --------------------------------------------------------------------------


def test_each_community_has_one_or_two_liaison_officers_from_its_own_group(
    sample: dict[str, Any],
) -> None:
    groups = by_id(sample["groups"])
    for community in sample["communities"]:
        liaisons = community["liaison_officer_ids"]
        assert 1 <= len(liaisons) <= 2, community["id"]
        assert len(set(liaisons)) == len(liaisons)
        assert set(liaisons) <= set(groups[community["group_id"]]["officer_ids"]), community["id"]


def test_listed_cadres_are_active_community_cadres_living_in_the_community(
    sample: dict[str, Any],
) -> None:
    volunteers = by_id(sample["volunteers"])
    for community in sample["communities"]:
        assert 1 <= len(community["cadre_ids"]) <= 2, community["id"]
        for cadre_id in community["cadre_ids"]:
            cadre = volunteers[cadre_id]
            assert cadre["role"] == "community_cadre", cadre_id
            assert cadre["status"] == "active", cadre_id
            assert cadre["community_id"] == community["id"], cadre_id


def test_each_community_has_two_or_three_cadres(sample: dict[str, Any]) -> None:
    cadres = Counter(
        v["community_id"] for v in sample["volunteers"] if v["role"] == "community_cadre"
    )
    for community in sample["communities"]:
        assert 2 <= cadres[community["id"]] <= 3, community["id"]


def test_aliases_are_unique_and_never_another_communitys_name(sample: dict[str, Any]) -> None:
    communities = sample["communities"]
    names = [c["name"] for c in communities]
    aliases = [a for c in communities for a in c["aliases"]]
    assert len(set(names)) == len(names)
    assert len(set(aliases)) == len(aliases)
    assert not set(aliases) & set(names)
    for community in communities:
        assert 1 <= len(community["aliases"]) <= 2, community["id"]
        assert community["aliases"][0] in community["name"], "the first alias is the short form"


def test_no_name_or_alias_hides_inside_another_communitys(sample: dict[str, Any]) -> None:
    # Locating by text looks for names and aliases inside free text; nesting would be ambiguous.
    words = {c["id"]: [c["name"], *c["aliases"]] for c in sample["communities"]}
    clashes = [
        (word, other)
        for a, b in itertools.permutations(words, 2)
        for word in words[a]
        for other in words[b]
        if word in other
    ]
    assert clashes == []


def test_the_example_community_of_the_design_exists(sample: dict[str, Any]) -> None:
    names = {c["name"]: c for c in sample["communities"]}
    assert "东门" in names["东门社区"]["aliases"]


# --- geometry -----------------------------------------------------------------------------


def test_community_polygons_do_not_overlap(sample: dict[str, Any]) -> None:
    rings = [outer_ring(c) for c in sample["communities"]]
    boxes = [
        (min(p[0] for p in r), min(p[1] for p in r), max(p[0] for p in r), max(p[1] for p in r))
        for r in rings
    ]
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    steps_lon, steps_lat = 160, 190
    covered = 0
    for i, j in itertools.product(range(steps_lon), range(steps_lat)):
        # Cell centres of the lattice, an irrational-looking offset away from vertex values.
        lon = west + (i + 0.5123) * (east - west) / steps_lon
        lat = south + (j + 0.4871) * (north - south) / steps_lat
        hits = [
            k
            for k, (ring, box) in enumerate(zip(rings, boxes, strict=True))
            if box[0] <= lon <= box[2] and box[1] <= lat <= box[3] and contains(ring, lon, lat)
        ]
        assert len(hits) <= 1, f"({lon}, {lat}) lies in {len(hits)} communities"
        covered += len(hits)
    # The island is a blob, not a sliver: it fills a good part of its bounding box.
    assert covered > 0.5 * steps_lon * steps_lat


def test_points_near_the_island_centre_lie_in_exactly_one_community(
    sample: dict[str, Any],
) -> None:
    rings = [outer_ring(c) for c in sample["communities"]]
    for i, j in itertools.product(range(25), range(25)):
        lon = CENTRE_LON - 0.04 + i * 0.08 / 24
        lat = CENTRE_LAT - 0.05 + j * 0.10 / 24
        hits = [ring for ring in rings if contains(ring, lon, lat)]
        assert len(hits) == 1, f"({lon}, {lat}) lies in {len(hits)} communities"


def test_the_communities_tile_one_island_without_gaps(sample: dict[str, Any]) -> None:
    # Neighbours share their border vertex for vertex: every inner edge is walked once each
    # way, and the edges walked only once (the coast) form a single closed loop.
    walked = Counter(e for c in sample["communities"] for e in edges(outer_ring(c)))
    assert max(walked.values()) == 1, "two communities walk an edge the same way: overlap"
    coast = {(a, b) for a, b in walked if (b, a) not in walked}
    following = dict(coast)
    assert len(following) == len(coast), "the coast touches itself"
    start = min(following)
    loop, vertex = 1, following[start]
    while vertex != start:
        loop, vertex = loop + 1, following[vertex]
    assert loop == len(coast), "the island has a lake or a second piece"
    area = sum(signed_area(outer_ring(c)) for c in sample["communities"])
    assert 0.025 < area < 0.075  # square degrees: most of a 0.25° x 0.30° box


def test_zones_and_groups_are_contiguous(sample: dict[str, Any]) -> None:
    owner_of_edge = {e: c["id"] for c in sample["communities"] for e in edges(outer_ring(c))}
    touching: dict[str, set[str]] = {c["id"]: set() for c in sample["communities"]}
    for (a, b), community_id in owner_of_edge.items():
        neighbour = owner_of_edge.get((b, a))
        if neighbour is not None:
            touching[community_id].add(neighbour)
    zone_of_group = {g["id"]: g["zone_id"] for g in sample["groups"]}
    for key in ("group", "zone"):
        regions: dict[str, set[str]] = {}
        for c in sample["communities"]:
            region = c["group_id"] if key == "group" else zone_of_group[c["group_id"]]
            regions.setdefault(region, set()).add(c["id"])
        assert len(regions) == (len(sample["groups"]) if key == "group" else 4)
        for region, members in regions.items():
            assert connected(members, touching), f"{key} {region} falls apart"


# --- volunteers, sites, agencies ------------------------------------------------------------


def test_volunteers_cover_every_role_and_are_mostly_active(sample: dict[str, Any]) -> None:
    volunteers = sample["volunteers"]
    roles = Counter(v["role"] for v in volunteers)
    assert set(roles) == ROLES
    statuses = Counter(v["status"] for v in volunteers)
    assert set(statuses) == STATUSES
    share = {status: count / len(volunteers) for status, count in statuses.items()}
    assert share["active"] > 0.85
    assert 0.03 <= share["applicant"] <= 0.08
    assert 0.01 <= share["suspended"] <= 0.04
    assert 0.005 <= share["retired"] <= 0.02


def test_volunteer_names_are_chinese_and_distinct(sample: dict[str, Any]) -> None:
    names = [p["name"] for p in [*sample["officers"], *sample["volunteers"]]]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", name), name


def test_sites_are_docks_ferries_firms_and_estates_with_a_local_active_contact(
    sample: dict[str, Any],
) -> None:
    volunteers = by_id(sample["volunteers"])
    kinds = Counter(s["kind"] for s in sample["sites"])
    assert {"dock", "ferry", "firm", "estate"} <= set(kinds)
    assert set(kinds) <= SITE_KINDS
    for site in sample["sites"]:
        contact = volunteers[site["contact_id"]]
        assert contact["community_id"] == site["community_id"], site["id"]
        assert contact["status"] == "active", site["id"]
        hours = site["check_in_every_hours"]
        assert isinstance(hours, int | float)
        assert not isinstance(hours, bool)
        assert hours in (12, 24), site["id"]
    assert any(s["check_in_every_hours"] == 12 for s in sample["sites"])
    assert any("码头" in s["name"] for s in sample["sites"] if s["kind"] == "dock")
    assert any("渡口" in s["name"] for s in sample["sites"] if s["kind"] == "ferry")


def test_agencies_take_the_shared_category_codes(sample: dict[str, Any]) -> None:
    assert sample["agencies"][:3] == SHARED_AGENCIES
    for agency in sample["agencies"]:
        for code in agency["categories"]:
            assert re.fullmatch(r"\d{6}", code), code


# --- duty rotas ---------------------------------------------------------------------------


def test_rotas_are_weekly_slots_in_hh_mm(sample: dict[str, Any]) -> None:
    for n, rota in enumerate(sample["rotas"]):
        assert rota["weekdays"], n
        assert all(isinstance(d, int) and 0 <= d <= 6 for d in rota["weekdays"]), n
        assert len(set(rota["weekdays"])) == len(rota["weekdays"]), n
        for key in ("start", "end"):
            assert re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", rota[key]), (n, rota[key])
        assert rota["start"] != rota["end"], n


def test_every_officer_has_a_rota(sample: dict[str, Any]) -> None:
    # With rotas present, an officer without one would never be on duty.
    assert {o["id"] for o in sample["officers"]} == {r["officer_id"] for r in sample["rotas"]}


def test_every_group_has_an_officer_on_duty_at_every_half_hour_of_the_week(
    sample: dict[str, Any],
) -> None:
    uncovered = []
    for minute in range(0, MINUTES_PER_WEEK, 30):
        present = on_duty(sample["rotas"], minute)
        uncovered += [
            (g["id"], minute) for g in sample["groups"] if not present & set(g["officer_ids"])
        ]
    assert uncovered == []


def test_every_officer_is_off_duty_part_of_the_week(sample: dict[str, Any]) -> None:
    everyone = {o["id"] for o in sample["officers"]}
    ever_off: set[str] = set()
    for minute in range(0, MINUTES_PER_WEEK, 30):
        ever_off |= everyone - on_duty(sample["rotas"], minute)
    assert ever_off == everyone


def test_some_communities_are_left_without_an_on_duty_liaison_officer_at_times(
    sample: dict[str, Any],
) -> None:
    # The router's fallback (cadre, agency, group) needs moments when no liaison is on duty.
    unattended = {
        c["id"]
        for minute in range(0, MINUTES_PER_WEEK, 30)
        for c in sample["communities"]
        if not set(c["liaison_officer_ids"]) & on_duty(sample["rotas"], minute)
    }
    assert unattended


def test_the_rota_reading_used_here_handles_overnight_slots() -> None:
    night = [{"officer_id": "O-1", "weekdays": [6], "start": "20:00", "end": "08:00"}]
    sunday_late = 6 * 24 * 60 + 23 * 60
    monday_early = 7 * 60
    monday_noon = 12 * 60
    assert on_duty(night, sunday_late) == {"O-1"}
    assert on_duty(night, monday_early) == {"O-1"}
    assert on_duty(night, monday_noon) == set()
