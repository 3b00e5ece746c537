"""Locator: which community a report is about, and how that was decided."""

from __future__ import annotations

import datetime as dt
import math

import attrs
import pytest

from lianfang.errors import InvalidValueError
from lianfang.locate import LOCATE_REASONS, LocateMethod, Locator, Place
from lianfang.model import Community, Geometry, GeoPoint, Report
from lianfang.spatial import METRES_PER_DEGREE

AT = dt.datetime(2021, 1, 12, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def block(x0: float, y0: float, x1: float, y1: float) -> Geometry:
    return Geometry(
        type="Polygon", coordinates=[[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]
    )


# Three neighbourhoods side by side along latitude 25.50 (Pingtan), and one with no map.
DONGMEN = Community(
    id="C-1", name="东门社区", group_id="G-1", aliases=("东门",),
    geometry=block(119.790, 25.500, 119.800, 25.510),
)  # fmt: skip
XIHU = Community(
    id="C-2", name="西湖社区", group_id="G-1", aliases=("西湖", "Xihu"),
    geometry=block(119.800, 25.500, 119.810, 25.510),
)  # fmt: skip
GANGKOU = Community(
    id="C-3", name="港口村", group_id="G-2", geometry=block(119.830, 25.500, 119.840, 25.510)
)
XINCUN = Community(id="C-4", name="新村", group_id="G-2", aliases=("东门新村",))
COMMUNITIES = (DONGMEN, XIHU, GANGKOU, XINCUN)


def report(
    text: str = "有人打架",
    *,
    community_id: str | None = None,
    address: str | None = None,
    location: tuple[float, float] | None = None,
) -> Report:
    return Report(
        id="R-1",
        received_at=AT,
        text=text,
        community_id=community_id,
        address=address,
        location=None if location is None else GeoPoint(*location),
    )


@pytest.fixture(scope="module")
def locator() -> Locator:
    return Locator(COMMUNITIES)


def test_an_explicit_community_id_wins_over_everything_else(locator: Locator) -> None:
    place = locator.locate(
        report("西湖社区有人打架", community_id="C-3", location=(119.795, 25.505))
    )
    assert place == Place("C-3", LocateMethod.EXPLICIT, ("locate.explicit",))


def test_an_unknown_id_is_noted_for_review_and_the_next_way_is_tried(locator: Locator) -> None:
    place = locator.locate(report(community_id="C-999", location=(119.795, 25.505)))
    assert place.community_id == "C-1"
    assert place.method is LocateMethod.POLYGON
    assert place.reasons == ("locate.unknown_community", "locate.polygon")
    assert place.needs_review


def test_coordinates_inside_a_polygon_give_its_community(locator: Locator) -> None:
    place = locator.locate(report("西湖社区有人打架", location=(119.805, 25.505)))
    assert place == Place("C-2", LocateMethod.POLYGON, ("locate.polygon",), distance_m=0.0)


def test_coordinates_on_the_shared_edge_go_to_the_community_east_of_it(locator: Locator) -> None:
    assert locator.locate(report(location=(119.800, 25.505))).community_id == "C-2"


def test_coordinates_just_outside_go_to_the_nearest_community_within_the_buffer(
    locator: Locator,
) -> None:
    place = locator.locate(report(location=(119.8115, 25.505)))  # ~150 m east of 西湖
    assert place.community_id == "C-2"
    assert place.method is LocateMethod.BUFFER
    assert place.reasons == ("locate.buffer",)
    expected = 0.0015 * math.cos(math.radians(25.505)) * METRES_PER_DEGREE
    assert place.distance_m == pytest.approx(expected, rel=1e-6)


def test_coordinates_beyond_the_buffer_fall_back_to_the_names(locator: Locator) -> None:
    place = locator.locate(report("港口村码头有人落水", location=(119.820, 25.505)))  # ~1 km off
    assert place.community_id == "C-3"
    assert place.method is LocateMethod.TEXT
    assert place.reasons == ("locate.outside", "locate.text")
    assert place.matched == "港口村"


def test_a_zero_buffer_places_nothing_outside_the_polygons() -> None:
    strict = Locator(COMMUNITIES, buffer_m=0)
    place = strict.locate(report(location=(119.8101, 25.505)))
    assert place.method is LocateMethod.NONE
    assert place.reasons == ("locate.outside", "locate.none")


def test_the_address_is_read_before_the_text(locator: Locator) -> None:
    place = locator.locate(report("西湖社区的人来报警", address="东门社区3号楼"))
    assert place.community_id == "C-1"
    assert place.method is LocateMethod.ADDRESS
    assert place.reasons == ("locate.address",)
    assert place.matched == "东门社区"
    assert place.candidates == ("C-1",)


def test_an_alias_names_its_community_and_the_longest_name_wins(locator: Locator) -> None:
    assert locator.locate(report("西湖边有人吵架")).community_id == "C-2"
    place = locator.locate(report("东门新村有人吵架"))  # not 东门 (C-1): 东门新村 is longer
    assert (place.community_id, place.matched) == ("C-4", "东门新村")
    assert place.method is LocateMethod.TEXT


def test_english_aliases_match_whatever_the_case(locator: Locator) -> None:
    place = locator.locate(report("noise at XIHU market"))
    assert (place.community_id, place.matched) == ("C-2", "Xihu")


def test_several_communities_named_take_the_first_and_list_them_all(locator: Locator) -> None:
    place = locator.locate(report("从港口村一路追到西湖社区"))
    assert place.community_id == "C-3"
    assert place.candidates == ("C-3", "C-2")
    assert place.reasons == ("locate.text", "locate.several_names")
    assert not place.needs_review


def test_several_communities_named_can_ask_for_review() -> None:
    place = Locator(COMMUNITIES, several_names="review").locate(report("从港口村一路追到西湖社区"))
    assert place.community_id == "C-3"
    assert place.candidates == ("C-3", "C-2")
    assert place.needs_review


def test_the_same_community_named_twice_is_not_ambiguous(locator: Locator) -> None:
    place = locator.locate(report("东门社区，就是东门那边"))
    assert place.candidates == ("C-1",)
    assert "locate.several_names" not in place.reasons


def test_a_name_two_communities_share_is_ambiguous() -> None:
    twin = Community(id="C-5", name="港口村", group_id="G-2")
    place = Locator((*COMMUNITIES, twin)).locate(report("港口村有人落水"))
    assert place.community_id == "C-3"
    assert place.candidates == ("C-3", "C-5")
    assert "locate.several_names" in place.reasons


def test_no_place_is_a_valid_outcome(locator: Locator) -> None:
    place = locator.locate(report("有人打架"))
    assert place == Place(None, LocateMethod.NONE, ("locate.none",))


def test_coordinates_without_any_community_map_are_noted() -> None:
    place = Locator((XINCUN,)).locate(report("新村有人打架", location=(119.795, 25.505)))
    assert place.community_id == "C-4"
    assert place.reasons == ("locate.no_geometry", "locate.text")


def test_every_reason_has_a_chinese_and_an_english_label(locator: Locator) -> None:
    reports = [
        report(community_id="C-1"),
        report(community_id="C-999", location=(119.795, 25.505)),
        report(location=(119.8115, 25.505)),
        report("港口村和西湖", location=(119.820, 25.505)),
        report(address="东门"),
        report("无名之地"),
    ]
    seen = {reason for r in reports for reason in locator.locate(r).reasons}
    seen |= set(Locator((XINCUN,)).locate(report(location=(1.0, 1.0))).reasons)
    assert seen == set(LOCATE_REASONS)
    for zh, en in LOCATE_REASONS.values():
        assert zh and en and zh != en


def test_bad_settings_and_duplicate_ids_are_rejected() -> None:
    with pytest.raises(InvalidValueError, match="buffer_m"):
        Locator(COMMUNITIES, buffer_m=-1)
    with pytest.raises(InvalidValueError, match="buffer_m"):
        Locator(COMMUNITIES, buffer_m=math.nan)
    with pytest.raises(InvalidValueError, match="several_names"):
        Locator(COMMUNITIES, several_names="all")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError) as caught:
        Locator((DONGMEN, XIHU, DONGMEN))
    assert caught.value.problems == ("communities[2].id: duplicate id 'C-1' (also communities[0])",)


def test_where_gives_the_fields_of_the_place_locate_gives(locator: Locator) -> None:
    for case in (
        report(community_id="C-2"),
        report(community_id="C-9", location=(119.7955, 25.5051)),
        report(location=(119.8005, 25.4995)),
        report("东门和西湖社区之间", location=(0.0, 0.0)),
        report("有人打架"),
    ):
        place = locator.locate(case)
        assert locator.where(case) == (
            place.community_id,
            place.method,
            place.reasons,
            place.needs_review,
            place.candidates,
            place.distance_m,
            place.matched,
        )


def test_a_locator_cannot_be_changed(locator: Locator) -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        locator.buffer_m = 5.0  # type: ignore[misc]
    assert locator.polygons is not None
    assert len(locator.names) == 8
