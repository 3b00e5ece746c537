"""PolygonIndex: which area holds a point, and which is nearest."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianfang.errors import InvalidValueError
from lianfang.spatial import METRES_PER_DEGREE, PolygonIndex

Ring = list[tuple[float, float]]
Area = tuple[str, list[list[Ring]]]


def square(x0: float, y0: float, x1: float, y1: float, *, clockwise: bool = False) -> Ring:
    ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    return ring[::-1] if clockwise else ring


# -- brute force, the reference the index must agree with ----------------------------------


def ray_cast(areas: Sequence[Area], lon: float, lat: float) -> str | None:
    """The first area whose rings an eastward ray from the point crosses an odd number of
    times; each crossing is computed from the edge's lower end, as the index documents."""
    for key, polygons in areas:
        inside = False
        for polygon in polygons:
            for ring in polygon:
                for (ax, ay), (bx, by) in pairwise(ring):
                    if (ay > lat) == (by > lat):
                        continue
                    if ay > by:
                        ax, ay, bx, by = bx, by, ax, ay
                    if ax + (lat - ay) * ((bx - ax) / (by - ay)) > lon:
                        inside = not inside
        if inside:
            return key
    return None


def boundary_distance_m(areas: Sequence[Area], lon: float, lat: float) -> dict[str, float]:
    """Each area's distance to the point, on the local equirectangular projection."""
    sx = math.cos(math.radians(lat)) * METRES_PER_DEGREE
    sy = METRES_PER_DEGREE
    result: dict[str, float] = {}
    for key, polygons in areas:
        best = math.inf
        for polygon in polygons:
            for ring in polygon:
                for (ax, ay), (bx, by) in pairwise(ring):
                    px, py = (ax - lon) * sx, (ay - lat) * sy
                    qx, qy = (bx - lon) * sx, (by - lat) * sy
                    dx, dy = qx - px, qy - py
                    length_sq = dx * dx + dy * dy
                    t = (
                        0.0
                        if length_sq == 0
                        else min(1.0, max(0.0, -(px * dx + py * dy) / length_sq))
                    )
                    best = min(best, math.hypot(px + t * dx, py + t * dy))
        result[key] = min(best, result.get(key, math.inf))
    return result


def jittered_grid(
    cols: int,
    rows: int,
    jitter: Sequence[tuple[float, float]],
    *,
    origin: tuple[float, float] = (120.0, 30.0),
    size: float = 0.01,
) -> list[Area]:
    """cols x rows quadrilaterals that tile a rectangle; inner lattice points are moved by
    ``jitter`` (fractions of a cell, used in turn), so neighbours share their edges exactly."""
    moves = iter(jitter)
    lattice = {}
    for i in range(cols + 1):
        for j in range(rows + 1):
            fx, fy = next(moves, (0.0, 0.0)) if 0 < i < cols and 0 < j < rows else (0.0, 0.0)
            lattice[i, j] = (origin[0] + (i + fx) * size, origin[1] + (j + fy) * size)
    return [
        (
            f"C{i}-{j}",
            [
                [
                    [
                        lattice[i, j],
                        lattice[i + 1, j],
                        lattice[i + 1, j + 1],
                        lattice[i, j + 1],
                        lattice[i, j],
                    ]
                ]
            ],
        )
        for j in range(rows)
        for i in range(cols)
    ]


def wavy_ring(cx: float, cy: float, r: float, n: int, *, clockwise: bool = False) -> Ring:
    """A closed ring of ``n`` vertices around a circle with a wavy edge (many grid cells)."""
    points = [
        (
            cx + r * math.cos(2 * math.pi * k / n) * (1 + 0.1 * math.sin(34 * math.pi * k / n)),
            cy + r * math.sin(2 * math.pi * k / n),
        )
        for k in range(n)
    ]
    if clockwise:
        points.reverse()
    return [*points, points[0]]


# -- examples -------------------------------------------------------------------------------


def test_a_point_inside_a_polygon_gets_its_key_and_a_point_outside_gets_none() -> None:
    index = PolygonIndex.build([("A", [[square(0, 0, 2, 2)]])])
    assert index.locate(1.0, 1.0) == "A"
    assert index.locate(3.0, 1.0) is None
    assert index.locate(1.0, -0.5) is None


def test_a_point_in_a_hole_is_not_in_the_area_but_in_the_island_inside_the_hole() -> None:
    index = PolygonIndex.build(
        [
            ("ring", [[square(0, 0, 10, 10), square(3, 3, 7, 7, clockwise=True)]]),
            ("island", [[square(4, 4, 6, 6)]]),
        ]
    )
    assert index.locate(1.0, 1.0) == "ring"
    assert index.locate(3.5, 3.5) is None  # in the hole, off the island
    assert index.locate(5.0, 5.0) == "island"


def test_every_part_of_a_multipolygon_belongs_to_its_area() -> None:
    index = PolygonIndex.build([("islands", [[square(0, 0, 1, 1)], [square(5, 5, 6, 6)]])])
    assert index.locate(0.5, 0.5) == "islands"
    assert index.locate(5.5, 5.5) == "islands"
    assert index.locate(3.0, 3.0) is None


def test_a_point_on_a_shared_north_south_edge_belongs_to_the_area_east_of_it() -> None:
    index = PolygonIndex.build([("west", [[square(0, 0, 1, 1)]]), ("east", [[square(1, 0, 2, 1)]])])
    assert index.locate(1.0, 0.5) == "east"


def test_a_point_on_a_shared_east_west_edge_belongs_to_the_area_north_of_it() -> None:
    index = PolygonIndex.build(
        [("south", [[square(0, 0, 1, 1)]]), ("north", [[square(0, 1, 1, 2)]])]
    )
    assert index.locate(0.5, 1.0) == "north"


def test_a_vertex_shared_by_four_areas_belongs_to_the_north_eastern_one() -> None:
    areas = [
        (f"{ns}{ew}", [[square(x, y, x + 1, y + 1)]])
        for ns, y in (("s", 0), ("n", 1))
        for ew, x in (("w", 0), ("e", 1))
    ]
    assert PolygonIndex.build(areas).locate(1.0, 1.0) == "ne"


def test_a_point_on_a_shared_diagonal_edge_belongs_to_exactly_one_area_the_eastern() -> None:
    lower_right = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]
    upper_left = [(0.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
    index = PolygonIndex.build([("ul", [[upper_left]]), ("lr", [[lower_right]])])
    for t in (0.125, 0.25, 0.5, 0.75):
        assert index.locate(t, t) == "lr"


def test_a_lone_area_includes_its_west_and_south_edges_but_not_its_east_and_north() -> None:
    index = PolygonIndex.build([("A", [[square(0, 0, 1, 1)]])])
    assert index.locate(0.0, 0.5) == "A"
    assert index.locate(0.5, 0.0) == "A"
    assert index.locate(1.0, 0.5) is None
    assert index.locate(0.5, 1.0) is None


def test_where_areas_overlap_the_first_built_wins() -> None:
    index = PolygonIndex.build(
        [("first", [[square(0, 0, 2, 2)]]), ("second", [[square(1, 1, 3, 3)]])]
    )
    assert index.locate(1.5, 1.5) == "first"
    assert index.locate(2.5, 2.5) == "second"


def test_an_index_without_geometry_and_points_that_are_not_numbers_locate_nowhere() -> None:
    empty = PolygonIndex.build([("no-geometry", [])])
    assert empty.locate(0.0, 0.0) is None
    assert empty.nearest(0.0, 0.0, 1e6) is None
    index = PolygonIndex.build([("A", [[square(0, 0, 1, 1)]])])
    assert index.locate(math.nan, 0.5) is None
    assert index.locate(0.5, math.inf) is None


def test_a_sliver_of_an_area_gets_a_grid_of_reasonable_size() -> None:
    sliver = [(0.0, 0.0), (100.0, 0.0), (100.0, 1e-9), (0.0, 1e-9), (0.0, 0.0)]
    index = PolygonIndex.build([("sliver", [[sliver]])])
    assert index.stats()["cells"] <= 1 << 21
    assert index.locate(50.0, 5e-10) == "sliver"
    assert index.locate(50.0, 2e-9) is None


def test_an_unclosed_ring_is_closed_implicitly() -> None:
    index = PolygonIndex.build([("A", [[[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]]])])
    assert index.locate(0.5, 0.5) == "A"


def test_positions_may_carry_an_altitude() -> None:
    ring = [(0.0, 0.0, 5.0), (1.0, 0.0, 5.0), (1.0, 1.0, 5.0), (0.0, 0.0, 5.0)]
    assert PolygonIndex.build([("A", [[ring]])]).locate(0.75, 0.25) == "A"


def test_bad_coordinates_are_rejected_with_every_position_named() -> None:
    with pytest.raises(InvalidValueError) as caught:
        PolygonIndex.build(
            [
                ("A", [[[(0.0, 0.0), (math.nan, 1.0), (1.0, 1.0), (0.0, 0.0)]]]),
                ("B", [[[(0.0, 0.0), ("x", 1.0), (1.0, 1.0), (0.0, 0.0)]]]),  # type: ignore[list-item]
            ]
        )
    assert caught.value.problems == (
        "areas[0] ('A')[0][0][1]: nan, 1.0 is not finite",
        "areas[1] ('B')[0][0][1]: a position must be [lon, lat] numbers",
    )


def test_keys_must_be_strings_and_cell_sizes_positive() -> None:
    with pytest.raises(InvalidValueError, match=r"areas\[0\]: key must be a string"):
        PolygonIndex.build([(7, [[square(0, 0, 1, 1)]])])  # type: ignore[list-item]
    with pytest.raises(InvalidValueError, match="cell_size_deg"):
        PolygonIndex.build([("A", [[square(0, 0, 1, 1)]])], cell_size_deg=0)


def test_the_index_cannot_be_changed_or_made_without_build() -> None:
    index = PolygonIndex.build([("A", [[square(0, 0, 1, 1)]])])
    with pytest.raises(AttributeError):
        index._keys = ()
    with pytest.raises(TypeError):
        PolygonIndex()


def test_a_detailed_boundary_is_split_into_finer_grids_and_still_answers_exactly() -> None:
    areas: list[Area] = [
        ("shore", [[wavy_ring(0, 0, 1, 4000), wavy_ring(0, 0, 0.5, 3000, clockwise=True)]]),
        ("isle", [[wavy_ring(0, 0, 0.3, 1500)], [wavy_ring(3, 0, 0.3, 200)]]),
    ]
    index = PolygonIndex.build(areas)
    assert index.stats()["grids"] > 1
    rnd = random.Random(5)
    for _ in range(3000):
        lon, lat = rnd.uniform(-1.2, 3.5), rnd.uniform(-1.2, 1.2)
        assert index.locate(lon, lat) == ray_cast(areas, lon, lat), (lon, lat)


def test_a_vertex_a_hair_from_a_grid_corner_does_not_confuse_the_cell() -> None:
    # The top of this ring sits 6e-17 east of the grid corner (0, 1): a walk along the
    # cell's side computed from the other direction once gave the wrong side here.
    areas: list[Area] = [
        ("ring", [[wavy_ring(0, 0, 1, 3000), wavy_ring(0, 0, 0.5, 2000, clockwise=True)]])
    ]
    index = PolygonIndex.build(areas)
    for lon, lat in (
        (0.0044479798167211815, 1.030235038723647),
        (0.0013141228675168648, 0.5099387290557933),
    ):
        assert index.locate(lon, lat) == ray_cast(areas, lon, lat)


def test_any_cell_size_gives_the_same_answers() -> None:
    areas = jittered_grid(
        4, 3, [(0.2, -0.1), (-0.25, 0.2), (0.1, 0.1), (0.0, -0.2), (0.3, 0.0), (-0.1, -0.3)]
    )
    indexes = [PolygonIndex.build(areas, cell_size_deg=size) for size in (None, 0.001, 0.004, 0.05)]
    rnd = random.Random(1)
    for _ in range(2000):
        lon, lat = rnd.uniform(119.995, 120.045), rnd.uniform(29.995, 30.035)
        assert len({index.locate(lon, lat) for index in indexes}) == 1


def test_the_nearest_area_within_reach_is_found_with_its_distance() -> None:
    index = PolygonIndex.build(
        [
            ("A", [[square(120.0, 30.0, 120.01, 30.01)]]),
            ("B", [[square(120.03, 30.0, 120.04, 30.01)]]),
        ]
    )
    metres_per_degree_lon = math.cos(math.radians(30.005)) * METRES_PER_DEGREE
    found = index.nearest(120.012, 30.005, 500.0)
    assert found is not None
    assert found[0] == "A"
    assert found[1] == pytest.approx(0.002 * metres_per_degree_lon, rel=1e-6)
    assert index.nearest(120.02, 30.005, 500.0) is None  # ~960 m from each
    assert index.nearest(120.005, 30.005, 10.0) == ("A", 0.0)  # inside


def test_nearest_breaks_ties_by_build_order_and_rejects_a_negative_reach() -> None:
    index = PolygonIndex.build([("A", [[square(0, 0, 1, 1)]]), ("B", [[square(2, 0, 3, 1)]])])
    found = index.nearest(1.5, 0.5, 1e6)
    assert found is not None
    assert found[0] == "A"
    with pytest.raises(InvalidValueError, match="max_m"):
        index.nearest(1.5, 0.5, -1.0)


def test_the_index_reports_its_size() -> None:
    index = PolygonIndex.build(jittered_grid(3, 3, [(0.1, 0.1)] * 4))
    stats = index.stats()
    assert stats["areas"] == 9
    assert stats["edges"] == 36
    assert stats["cells"] > 0
    assert index.memory_bytes() > 0
    assert index.keys[0] == "C0-0"
    assert "areas=9" in repr(index)


# -- properties -----------------------------------------------------------------------------

jitters = st.lists(st.tuples(st.floats(-0.3, 0.3), st.floats(-0.3, 0.3)), min_size=0, max_size=40)


@st.composite
def area_sets(draw: st.DrawFn) -> list[Area]:
    """A jittered grid; some cells dropped, some pairs merged into MultiPolygons, some with
    a hole holding an island area."""
    cols, rows = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    cells = jittered_grid(cols, rows, draw(jitters))
    keep = draw(st.lists(st.booleans(), min_size=len(cells), max_size=len(cells)))
    areas: list[Area] = []
    for (key, polygons), kept in zip(cells, keep, strict=True):
        if not kept:
            continue
        merge = draw(st.integers(0, 3)) == 0
        if areas and merge:
            areas[-1][1].extend(polygons)  # merge into the previous area
            continue
        areas.append((key, polygons))
    if not areas:
        areas.append(cells[0])
    if draw(st.booleans()):
        # a hole in the first area's first polygon, around its lattice-free middle
        ring = areas[0][1][0][0]
        cx = sum(p[0] for p in ring[:4]) / 4
        cy = sum(p[1] for p in ring[:4]) / 4
        h = 0.0015
        areas[0][1][0].append(square(cx - h, cy - h, cx + h, cy + h, clockwise=True))
        areas.append(("island", [[square(cx - h / 2, cy - h / 2, cx + h / 2, cy + h / 2)]]))
    return areas


@st.composite
def probe_points(draw: st.DrawFn, areas: list[Area]) -> list[tuple[float, float]]:
    """Random points over the areas, plus vertices and points on edges, exactly."""
    vertices = [
        p for _, polygons in areas for polygon in polygons for ring in polygon for p in ring
    ]
    points = draw(
        st.lists(
            st.tuples(st.floats(119.995, 120.065), st.floats(29.995, 30.065)),
            min_size=1,
            max_size=60,
        )
    )
    for a, b, t in draw(
        st.lists(
            st.tuples(
                st.sampled_from(vertices),
                st.sampled_from(vertices),
                st.sampled_from((0.0, 0.5, 1.0)),
            ),
            max_size=20,
        )
    ):
        points.append((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
    return points


@settings(max_examples=120, deadline=None)
@given(data=st.data(), cell_size=st.sampled_from((None, None, 0.001, 0.0025, 0.01, 0.04)))
def test_locate_agrees_with_brute_force_ray_casting(
    data: st.DataObject, cell_size: float | None
) -> None:
    areas = data.draw(area_sets())
    index = PolygonIndex.build(areas, cell_size_deg=cell_size)
    for lon, lat in data.draw(probe_points(areas)):
        assert index.locate(lon, lat) == ray_cast(areas, lon, lat), (lon, lat)


@settings(max_examples=100, deadline=None)
@given(
    # Lattice points moved by at most a fifth of a cell keep every quadrilateral convex, so
    # a disc around its middle clear of the edges' lines lies inside it.
    jitter=st.lists(st.tuples(st.floats(-0.2, 0.2), st.floats(-0.2, 0.2)), max_size=25),
    cell=st.integers(0, 35),
    moves=st.lists(
        st.tuples(st.floats(0.0, 0.95), st.floats(0.0, 2 * math.pi)), min_size=1, max_size=20
    ),
)
def test_moving_a_point_within_its_polygon_never_changes_its_community(
    jitter: list[tuple[float, float]], cell: int, moves: list[tuple[float, float]]
) -> None:
    areas = jittered_grid(6, 6, jitter)
    index = PolygonIndex.build(areas)
    key, polygons = areas[cell]
    ring = polygons[0][0]
    cx = sum(p[0] for p in ring[:4]) / 4
    cy = sum(p[1] for p in ring[:4]) / 4
    # the largest disc around the middle that stays clear of the polygon's edges
    clearance = min(
        abs((bx - ax) * (ay - cy) - (ax - cx) * (by - ay)) / math.hypot(bx - ax, by - ay)
        for (ax, ay), (bx, by) in pairwise(ring)
    )
    assert index.locate(cx, cy) == key
    for fraction, angle in moves:
        r = fraction * clearance
        assert index.locate(cx + r * math.cos(angle), cy + r * math.sin(angle)) == key


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    reach=st.floats(1.0, 3000.0),
)
def test_nearest_agrees_with_the_distance_to_every_boundary(
    data: st.DataObject, reach: float
) -> None:
    areas = data.draw(area_sets())
    index = PolygonIndex.build(areas)
    for lon, lat in data.draw(
        st.lists(
            st.tuples(st.floats(119.97, 120.09), st.floats(29.97, 30.09)), min_size=1, max_size=15
        )
    ):
        found = index.nearest(lon, lat, reach)
        inside = ray_cast(areas, lon, lat)
        if inside is not None:
            assert found == (inside, 0.0)
            continue
        distances = boundary_distance_m(areas, lon, lat)
        close = {k: d for k, d in distances.items() if d <= reach}
        if not close:
            assert found is None
            continue
        assert found is not None
        assert found[1] == pytest.approx(min(close.values()), rel=1e-9, abs=1e-6)
        assert distances[found[0]] == pytest.approx(found[1], rel=1e-9, abs=1e-6)
