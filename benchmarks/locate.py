"""How fast lianfang locates: polygons on a province and on real boundaries, names in text.

    python benchmarks/locate.py [--communities 20000] [--points 200000] [--rounds 5]

Prints, for a synthetic province (``_province.py``: jittered grid communities, 6-10
vertices each): index build time, memory (the index's own estimate, checked against
tracemalloc on a smaller province), ``locate()`` points per second on uniform random points
over the area (median of several rounds after a warm-up, beside the floor of a bare Python
call), agreement with brute-force ray casting, and ``nearest()`` for points just outside.
Then the same on the real data in ``../shared/data/real`` (NYC precincts: points/s and
agreement with the recorded precinct; St. Louis; Zhoushan), the Gazetteer (texts/s with
20,000 names on 40-character texts) and ``Locator.locate`` per method.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _province import (
    province_bounds,
    province_communities,
    random_points,
    report_texts,
)

from lianfang.gazetteer import Gazetteer
from lianfang.locate import Locator
from lianfang.model import Community, GeoPoint, Report
from lianfang.spatial import METRES_PER_DEGREE, PolygonIndex

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real"
Areas = list[tuple[str, Any]]


def median_rate(step: Callable[[], int], rounds: int) -> float:
    """Items per second: ``step`` does the work once and returns how many items it did."""
    step()  # warm-up
    rates = []
    for _ in range(rounds):
        begin = time.perf_counter()
        count = step()
        rates.append(count / (time.perf_counter() - begin))
    return statistics.median(rates)


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        action()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def locate_rate(index: PolygonIndex, points: Sequence[tuple[float, float]], rounds: int) -> float:
    locate = index.locate

    def step() -> int:
        for lon, lat in points:
            locate(lon, lat)
        return len(points)

    return median_rate(step, rounds)


def call_floor(points: Sequence[tuple[float, float]], rounds: int) -> float:
    def nothing(lon: float, lat: float) -> None:
        return None

    def step() -> int:
        for lon, lat in points:
            nothing(lon, lat)
        return len(points)

    return median_rate(step, rounds)


class BruteForce:
    """Ray casting over every ring whose bounding box could hold the point."""

    def __init__(self, areas: Areas) -> None:
        self.keys = [key for key, _ in areas]
        self.rings = []
        for n, (_, polygons) in enumerate(areas):
            for polygon in polygons:
                for ring in polygon:
                    xs = [p[0] for p in ring]
                    ys = [p[1] for p in ring]
                    self.rings.append((n, min(xs), max(xs), min(ys), max(ys), ring))

    def locate(self, lon: float, lat: float) -> str | None:
        parity: dict[int, bool] = {}
        for n, x0, x1, y0, y1, ring in self.rings:
            if not (x0 <= lon < x1 and y0 <= lat < y1):
                continue
            for (ax, ay, *_), (bx, by, *_) in pairwise(ring):
                if (ay > lat) == (by > lat):
                    continue
                if ay > by:
                    ax, ay, bx, by = bx, by, ax, ay
                if ax + (lat - ay) * ((bx - ax) / (by - ay)) > lon:
                    parity[n] = not parity.get(n, False)
        inside = [n for n, odd in parity.items() if odd]
        return self.keys[min(inside)] if inside else None


def interior_share(index: PolygonIndex, points: Sequence[tuple[float, float]]) -> float:
    """The share of points answered by the root grid alone: an interior cell, an empty cell
    or outside the grid, with no geometry (reads the index's private grid: a diagnostic)."""
    root = index._root
    assert root is not None
    hits = 0
    for lon, lat in points:
        ix = int((lon - root.x0) * root.xinv)
        iy = int((lat - root.y0) * root.yinv)
        if 0 <= ix < root.nx and 0 <= iy < root.ny:
            cell = root.cells[iy * root.nx + ix]
            hits += cell.__class__ is str or cell is None
        else:
            hits += 1
    return hits / len(points)


def describe(index: PolygonIndex) -> str:
    s = index.stats()
    return (
        f"{s['areas']:,.0f} areas, {s['edges']:,.0f} edges; root grid {s['cells']:,.0f} cells of "
        f"{s['cell_size_x_deg']:.5f} x {s['cell_size_y_deg']:.5f} deg, {s['leaves']:,.0f} boundary "
        f"leaves, {s['grids'] - 1:,.0f} finer grids (depth {s['depth']:.0f})"
    )


def province(args: argparse.Namespace) -> list[Community]:
    print(f"== province: {args.communities:,} communities ==")
    begin = time.perf_counter()
    communities = province_communities(args.communities)
    print(f"generate communities            {time.perf_counter() - begin:8.2f} s")
    areas: Areas = [(c.id, c.geometry.polygons) for c in communities if c.geometry is not None]
    index = PolygonIndex.build(areas)
    build = median_seconds(lambda: PolygonIndex.build(areas), 3)
    print(f"PolygonIndex.build              {build:8.2f} s   (median of 3)")
    print(f"  {describe(index)}")
    print(f"  memory estimate               {index.memory_bytes() / 1e6:8.1f} MB")
    small = [(c.id, c.geometry.polygons) for c in province_communities(2_000, seed=3)]  # type: ignore[union-attr]
    tracemalloc.start()
    small_index = PolygonIndex.build(small)
    traced = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(
        f"  2,000 communities: estimate {small_index.memory_bytes() / 1e6:.1f} MB, "
        f"tracemalloc {traced / 1e6:.1f} MB (estimate includes shared input coordinates)"
    )

    points = random_points(province_bounds(communities), args.points)
    rate = locate_rate(index, points, args.rounds)
    floor = call_floor(points, args.rounds)
    share = interior_share(index, points)
    print(f"locate() uniform random points  {rate:>11,.0f} /s  ({1e6 / rate:.2f} us each)")
    print(f"  answered by an interior cell  {100 * share:8.1f} %")
    print(f"  floor: a bare Python call     {floor:>11,.0f} /s")
    brute = BruteForce(areas)
    sample = points[:2_000]
    agree = sum(index.locate(lon, lat) == brute.locate(lon, lat) for lon, lat in sample)
    print(f"  agreement with brute force    {agree:,} / {len(sample):,}")
    brute_rate = median_rate(
        lambda: sum(1 for lon, lat in sample if brute.locate(lon, lat) or 1), 1
    )
    print(f"  brute force (bbox prefilter)  {brute_rate:>11,.0f} /s")

    # 150 m west of the westmost vertex of each community in the westmost column: outside
    # every polygon, within reach of one.
    west_edge = min(p[0] for c in communities for p in c.geometry.polygons[0][0])  # type: ignore[union-attr]
    step = 150.0 / METRES_PER_DEGREE
    near_points = []
    for c in communities:
        ring = c.geometry.polygons[0][0]  # type: ignore[union-attr]
        lon, lat = min(ring, key=lambda p: p[0])[:2]
        if lon < west_edge + 0.02:
            near_points.append((lon - step / math.cos(math.radians(lat)), lat))
    far_points = [(lon - 0.5, lat) for lon, lat in near_points]

    def nearest_all(probe: list[tuple[float, float]]) -> int:
        for lon, lat in probe:
            index.nearest(lon, lat, 200.0)
        return len(probe)

    for label, probe in (("150 m outside", near_points), ("50 km outside", far_points)):
        found = sum(index.nearest(lon, lat, 200.0) is not None for lon, lat in probe)
        rate = median_rate(partial(nearest_all, probe), args.rounds)
        print(
            f"nearest(200 m), {label:<15} {rate:>11,.0f} /s  "
            f"({found:,} of {len(probe):,} within 200 m)"
        )
    return communities


def read_areas(file_name: str, key_property: str) -> Areas:
    features = json.loads((REAL / file_name).read_text(encoding="utf-8"))["features"]
    return [
        (
            str(f["properties"][key_property]),
            [f["geometry"]["coordinates"]]
            if f["geometry"]["type"] == "Polygon"
            else f["geometry"]["coordinates"],
        )
        for f in features
    ]


def real_data(args: argparse.Namespace) -> None:
    if not REAL.is_dir():
        print(f"== real data: skipped, nothing at {REAL} ==")
        return
    cases = [
        ("NYC precincts", "nyc_police_precincts.geojson", "precinct", "nyc_points.csv",
         "lon", "lat", "precinct"),
        ("St. Louis wards", "stl_wards.geojson", "WARD", "stl_points.csv", "lng", "lat", "ward"),
        ("Zhoushan districts", "zhoushan_districts.geojson", "name", "zhoushan_points.csv",
         "lon", "lat", None),
    ]  # fmt: skip
    for label, geo, key, csv_name, lon_col, lat_col, truth in cases:
        areas = read_areas(geo, key)
        index = PolygonIndex.build(areas)
        build = median_seconds(partial(PolygonIndex.build, areas), 3)
        with (REAL / csv_name).open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        points = [(float(r[lon_col]), float(r[lat_col])) for r in rows]
        found = [index.locate(lon, lat) for lon, lat in points]
        brute = BruteForce(areas)
        agree = sum(
            a == brute.locate(lon, lat) for a, (lon, lat) in zip(found, points, strict=True)
        )
        repeated = points * max(1, 100_000 // len(points))
        rate = locate_rate(index, repeated, args.rounds)
        print(f"== {label} ==")
        print(f"  {describe(index)}")
        print(
            f"  build {build:.2f} s, memory estimate {index.memory_bytes() / 1e6:.1f} MB, "
            f"locate() {rate:,.0f} /s on the {len(points):,} real points"
        )
        line = f"  agreement with brute force {agree:,} / {len(points):,}"
        if truth is not None:
            recorded = [r[truth].removeprefix("Ward ") or None for r in rows]
            pairs = list(zip(found, recorded, strict=True))
            hits = sum(a == b for a, b in pairs if b is not None)
            with_truth = sum(b is not None for _, b in pairs)
            line += f"; in the recorded {truth}: {hits:,} / {with_truth:,}"
            if with_truth < len(rows):
                nowhere = sum(a is None for a, b in pairs if b is None)
                line += f"; without one, located nowhere: {nowhere} / {len(rows) - with_truth}"
        else:
            line += f"; inside some area: {sum(a is not None for a in found):,} / {len(points):,}"
        print(line)


def names(communities: Sequence[Community], args: argparse.Namespace) -> None:
    print("== Gazetteer ==")
    texts = report_texts(communities, 20_000)
    for label, pairs in (
        ("names", [(c.name, c.id) for c in communities]),
        ("names + aliases", [(n, c.id) for c in communities for n in (c.name, *c.aliases)]),
    ):
        gazetteer = Gazetteer.build(pairs)
        build = median_seconds(partial(Gazetteer.build, pairs), 3)
        find = gazetteer.find

        def step(find: Callable[[str], object] = find) -> int:
            for text in texts:
                find(text)
            return len(texts)

        rate = median_rate(step, args.rounds)
        found = sum(len(gazetteer.find(t)) for t in texts)
        print(
            f"  {len(gazetteer):,} {label}: build {build:.2f} s; find() {rate:,.0f} texts/s on "
            f"40-character texts ({found:,} mentions in {len(texts):,} texts)"
        )


def locator(communities: Sequence[Community], args: argparse.Namespace) -> None:
    print("== Locator.locate ==")
    begin = time.perf_counter()
    locator = Locator(communities)
    print(f"  Locator(...) build {time.perf_counter() - begin:.2f} s")
    at = dt.datetime(2021, 1, 12, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    bounds = province_bounds(communities)
    texts = report_texts(communities, 5_000)
    by_method = {
        "coordinates": [
            Report(id=f"R-{n}", received_at=at, text="有人打架", location=GeoPoint(lon, lat))
            for n, (lon, lat) in enumerate(random_points(bounds, 5_000))
        ],
        "address": [
            Report(id=f"R-{n}", received_at=at, text="有人打架", address=f"{c.name}3号楼")
            for n, c in enumerate(communities[:5_000])
        ],
        "text": [Report(id=f"R-{n}", received_at=at, text=t) for n, t in enumerate(texts)],
    }
    for label, reports in by_method.items():
        locate = locator.locate

        def step(
            reports: list[Report] = reports, locate: Callable[[Report], object] = locate
        ) -> int:
            for report in reports:
                locate(report)
            return len(reports)

        print(f"  by {label:<12} {median_rate(step, args.rounds):>11,.0f} reports/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=20_000)
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}; medians of {args.rounds} rounds after a warm-up")
    communities = province(args)
    real_data(args)
    names(communities, args)
    locator(communities, args)


if __name__ == "__main__":
    main()
