"""lianfang.testing: the factories and strategies host applications test with."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianfang import testing
from lianfang.directory import Directory
from lianfang.errors import InvalidValueError, LianfangError, MissingExtraError
from lianfang.model import (
    Channel,
    GeoPoint,
    Officer,
    Report,
    Volunteer,
    VolunteerRole,
    VolunteerStatus,
)
from lianfang.testing import (
    AGENCY_CATEGORIES,
    REPORT_TIME,
    directories,
    make_directory,
    make_report,
    reports,
)

# --- make_directory ------------------------------------------------------------------------


def test_the_default_directory_has_the_promised_shape_and_ids() -> None:
    directory = make_directory()
    assert [z.id for z in directory.zones] == ["Z-1", "Z-2"]
    assert [g.id for g in directory.groups] == ["G-1", "G-2", "G-3", "G-4"]
    assert [c.id for c in directory.communities] == [f"C-{n}" for n in range(1, 9)]
    assert len(directory.volunteers) == 8 * 3
    assert len(directory.officers) == 2 + 4 * 2  # a leader per zone, two officers per group
    assert directory.command_center.id == "CC-110"
    assert [(a.id, a.categories) for a in directory.agencies] == [("A-12345", AGENCY_CATEGORIES)]
    assert directory.timezone == "Asia/Shanghai"


def test_the_hotline_takes_every_class_6_code_of_the_shared_table() -> None:
    assert AGENCY_CATEGORIES == (
        "600100",
        "600200",
        "600300",
        "600400",
        "600500",
        "600600",
        "600700",
        "600800",
        "609900",
    )


@pytest.mark.parametrize(
    "shape",
    [
        {},
        {"zones": 1, "groups_per_zone": 1, "communities_per_group": 1},
        {
            "zones": 3,
            "groups_per_zone": 3,
            "communities_per_group": 4,
            "volunteers_per_community": 6,
        },
        {"zones": 0},
        {"volunteers_per_community": 0},
    ],
)
def test_made_directories_have_the_counts_asked_for(shape: dict[str, int]) -> None:
    counts = {
        "zones": 2,
        "groups_per_zone": 2,
        "communities_per_group": 2,
        "volunteers_per_community": 3,
        **shape,
    }
    directory = make_directory(**shape)  # type: ignore[arg-type]
    groups = counts["zones"] * counts["groups_per_zone"]
    communities = groups * counts["communities_per_group"]
    assert len(directory.zones) == counts["zones"]
    assert len(directory.groups) == groups
    assert len(directory.communities) == communities
    assert len(directory.volunteers) == communities * counts["volunteers_per_community"]


def test_every_community_has_a_liaison_officer_of_its_own_group_and_an_active_cadre() -> None:
    directory = make_directory(zones=2, groups_per_zone=3, communities_per_group=3)
    for community in directory.communities:
        group = directory.group_of(community.id)
        assert community.liaison_officer_ids
        assert set(community.liaison_officer_ids) <= set(group.officer_ids)
        (cadre_id,) = community.cadre_ids
        cadre = directory.volunteer(cadre_id)
        assert cadre.role is VolunteerRole.COMMUNITY_CADRE
        assert cadre.status is VolunteerStatus.ACTIVE
        assert cadre.community_id == community.id


def test_each_zone_has_its_own_leader_who_leads_no_group() -> None:
    directory = make_directory(zones=3)
    leaders = [zone.leader_id for zone in directory.zones]
    assert len(set(leaders)) == 3
    group_officers = {o for g in directory.groups for o in g.officer_ids}
    assert not set(leaders) & group_officers


def test_made_communities_are_disjoint_squares_so_a_coordinate_locates_one() -> None:
    directory = make_directory(zones=3, groups_per_zone=2, communities_per_group=3)
    boxes = []
    for community in directory.communities:
        assert community.geometry is not None
        (polygon,) = community.geometry.polygons
        (ring,) = polygon
        assert len(ring) == 5
        assert ring[0] == ring[-1]
        lons = {position[0] for position in ring}
        lats = {position[1] for position in ring}
        assert len(lons) == len(lats) == 2  # an axis-aligned rectangle
        boxes.append((min(lons), min(lats), max(lons), max(lats)))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]
            assert apart, (a, b)


def test_made_communities_lie_on_pingtan() -> None:
    centre = GeoPoint(119.79, 25.50)
    for community in make_directory().communities:
        assert community.geometry is not None
        lon, lat = community.geometry.polygons[0][0][0][:2]
        assert centre.distance_m(GeoPoint(lon, lat)) < 30_000


def test_without_geometry_communities_have_no_polygon() -> None:
    directory = make_directory(with_geometry=False)
    assert all(c.geometry is None for c in directory.communities)


def test_with_rotas_every_group_has_an_officer_on_duty_at_every_moment() -> None:
    directory = make_directory(with_rotas=True)
    assert directory.has_duty_times
    start = dt.datetime(2021, 1, 11, tzinfo=REPORT_TIME.tzinfo)
    for quarter in range(7 * 24 * 4):
        moment = start + dt.timedelta(minutes=15 * quarter)
        on_duty = {o.id for o in directory.on_duty(moment)}
        for group in directory.groups:
            assert on_duty & set(group.officer_ids), (group.id, moment)


def test_without_rotas_everyone_is_on_duty() -> None:
    directory = make_directory()
    assert not directory.has_duty_times
    assert directory.on_duty(REPORT_TIME) == directory.officers


def test_the_same_arguments_make_the_same_directory() -> None:
    assert make_directory(seed=3, with_rotas=True) == make_directory(seed=3, with_rotas=True)


def test_the_seed_changes_people_but_not_places_or_ids() -> None:
    one, other = make_directory(seed=1), make_directory(seed=2)
    assert one != other
    assert [c.name for c in one.communities] == [c.name for c in other.communities]
    assert [v.id for v in one.volunteers] == [v.id for v in other.volunteers]


def test_community_names_are_distinct_even_in_a_large_directory() -> None:
    directory = make_directory(zones=4, groups_per_zone=4, communities_per_group=5)
    names = [c.name for c in directory.communities]
    aliases = [a for c in directory.communities for a in c.aliases]
    assert len(set(names)) == len(names) == 80
    assert len(set(aliases)) == len(aliases)


def test_volunteers_beyond_the_cadre_take_the_other_roles_in_turn() -> None:
    directory = make_directory(
        zones=1, groups_per_zone=1, communities_per_group=1, volunteers_per_community=6
    )
    roles = Counter(v.role for v in directory.volunteers)
    assert roles == Counter(set(VolunteerRole))


def test_made_phones_are_masked_when_printed() -> None:
    directory = make_directory()
    people: list[Officer | Volunteer] = [*directory.officers, *directory.volunteers]
    for person in people:
        assert person.phone is not None
        assert person.phone.reveal() not in repr(person)


def test_each_zone_has_a_check_in_site_contacted_by_a_cadre() -> None:
    directory = make_directory(zones=3)
    assert len(directory.sites) == 3
    for site in directory.sites:
        assert site.contact_id in directory.community(site.community_id).cadre_ids


@pytest.mark.parametrize(
    "bad", [{"zones": -1}, {"groups_per_zone": 1.5}, {"volunteers_per_community": True}]
)
def test_a_negative_or_fractional_count_is_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidValueError):
        make_directory(**bad)  # type: ignore[arg-type]


# --- make_report ---------------------------------------------------------------------------


def test_the_default_report_is_a_volunteer_report_at_a_fixed_aware_time() -> None:
    report = make_report()
    assert report.id == "R-1"
    assert report.received_at == dt.datetime(2021, 1, 12, 10, 0, tzinfo=REPORT_TIME.tzinfo)
    assert report.received_at.utcoffset() == dt.timedelta(hours=8)
    assert report.channel is Channel.VOLUNTEER
    assert report.text
    assert (report.reporter_id, report.community_id, report.location, report.category) == (
        None,
        None,
        None,
        None,
    )


def test_any_report_field_can_be_overridden() -> None:
    report = make_report(id="R-9", community_id="C-1", category="200700", text="有人赌博")
    assert (report.id, report.community_id, report.category, report.text) == (
        "R-9",
        "C-1",
        "200700",
        "有人赌博",
    )


def test_an_override_is_still_validated() -> None:
    with pytest.raises(LianfangError):
        make_report(received_at=dt.datetime(2021, 1, 12, 10, 0))


def test_an_unknown_override_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        make_report(urgency="high")


# --- strategies ----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(directories())
def test_drawn_directories_are_valid(directory: Directory) -> None:
    # Building the Directory already checked it; check it again from its JSON form.
    assert Directory.from_dict(directory.to_dict()) == directory


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(directories(min_communities=4, with_geometry=True))
def test_drawn_directories_honour_their_minimum_and_geometry(directory: Directory) -> None:
    assert len(directory.communities) >= 4
    assert all(c.geometry is not None for c in directory.communities)


def test_drawn_directories_vary_in_shape_and_content() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(directories())
    def observe(directory: Directory) -> None:
        seen["empty"] += not directory.communities
        seen["geometry"] += any(c.geometry is not None for c in directory.communities)
        seen["no geometry"] += any(c.geometry is None for c in directory.communities)
        seen["multipolygon"] += any(
            c.geometry is not None and c.geometry.type == "MultiPolygon"
            for c in directory.communities
        )
        seen["shifts"] += bool(directory.shifts)
        seen["rotas"] += bool(directory.rotas)
        seen["agencies"] += bool(directory.agencies)
        seen["sites"] += bool(directory.sites)
        seen["phones"] += any(o.phone is not None for o in directory.officers)
        seen["readable ids"] += directory.command_center.id == "CC-1"

    observe()
    expected = ["empty", "geometry", "no geometry", "multipolygon", "shifts", "rotas"]
    expected += ["agencies", "sites", "phones", "readable ids"]
    assert [kind for kind in expected if not seen[kind]] == []


@settings(max_examples=100, deadline=None)
@given(reports())
def test_drawn_reports_are_valid_and_aware(report: Report) -> None:
    assert isinstance(report, Report)
    assert report.received_at.utcoffset() is not None
    assert Report.from_dict(report.to_dict()) == report


def test_reports_for_a_directory_point_at_its_communities_and_volunteers() -> None:
    directory = make_directory()
    seen: Counter[str] = Counter()

    @settings(max_examples=200, deadline=None)
    @given(reports(directory))
    def observe(report: Report) -> None:
        if report.community_id is not None:
            assert directory.has_community(report.community_id)
            seen["community"] += 1
        if report.reporter_id in {v.id for v in directory.volunteers}:
            seen["reporter"] += 1
        if report.address and any(c.name in report.address for c in directory.communities):
            seen["named in address"] += 1
        if report.location is not None and any(
            _inside_box(report.location, c.geometry) for c in directory.communities
        ):
            seen["located in a community"] += 1
        places = (report.community_id, report.address, report.location)
        seen["no place"] += all(place is None for place in places)

    observe()
    assert set(seen) == {
        "community",
        "reporter",
        "named in address",
        "located in a community",
        "no place",
    }


def _inside_box(point: GeoPoint, geometry: object) -> bool:
    from lianfang.model import Geometry

    assert isinstance(geometry, Geometry)
    ring = geometry.polygons[0][0]
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return min(lons) <= point.lon <= max(lons) and min(lats) <= point.lat <= max(lats)


def test_the_strategies_need_hypothesis_and_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    for strategy in (testing.directories, testing.reports):
        with pytest.raises(MissingExtraError, match=r"pip install 'lianfang\[test\]'"):
            strategy()


def test_the_module_imports_without_hypothesis() -> None:
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "import lianfang.testing as t\n"
        "print(t.make_directory().communities[0].id, t.make_report().id)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["C-1", "R-1"]


def test_the_strategies_are_hypothesis_strategies() -> None:
    assert isinstance(directories(), st.SearchStrategy)
    assert isinstance(reports(), st.SearchStrategy)
