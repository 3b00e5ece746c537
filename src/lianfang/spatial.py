"""Which area contains a point: a grid built once, so most lookups touch no geometry.

:class:`PolygonIndex` answers point-in-polygon questions over many areas (polygons with
holes, MultiPolygons) in pure Python. It is built once per set of areas and is immutable.

How it works, and why it is fast:

- A uniform grid covers the areas. A cell that no edge touches lies wholly inside one area
  (or outside all), so it stores that area's key and a lookup answers with no geometry.
- A cell that edges touch (a *boundary cell*) keeps, per area that matters there, only the
  edges that touch the cell, and the parity of the area's other edges that an eastward ray
  from the cell would cross (it changes only at a few latitudes, stored with it). A lookup
  casts the ray over the cell's few edges and starts from that parity: the classic
  ray-casting test, with the same arithmetic, over a handful of edges instead of whole rings.
- A boundary cell with many edges (coastlines, precincts with thousands of vertices) is
  split again into a finer grid, recursively, so that every leaf holds a few edges.

Answers are exactly those of the half-open ray-casting test over all edges, also for points
on a boundary: a point on an edge belongs to the area that contains the points just east of
it; on an east-west edge, to the area just north of it. Where areas tile the plane, a point on
a shared edge or vertex therefore belongs to exactly one of them. Where areas overlap, the
first one given to :meth:`PolygonIndex.build` wins.
"""

from __future__ import annotations

import math
import sys
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import pairwise, repeat
from typing import Any

from lianfang.errors import InvalidValueError

__all__ = ["METRES_PER_DEGREE", "PolygonIndex"]

METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180.0
"""Metres per degree of latitude on the sphere that :meth:`GeoPoint.distance_m` uses."""

# Root grid size: about this many cells per area (so a typical area spans ~6 x 6 cells and
# most of it is interior cells) or per edge, whichever is more, within these bounds.
_CELLS_PER_AREA = 32
_CELLS_PER_EDGE = 2
_MIN_ROOT_CELLS = 256
_MAX_ROOT_CELLS = 1 << 21
# A boundary cell with more edges than this is split into a finer grid, to this depth at most.
_MAX_LEAF_EDGES = 8
_MAX_DEPTH = 8
# Edges are given to every cell they come this close to (in cell widths): a stray edge in a
# cell costs a comparison, a missing one a wrong answer.
_TOUCH_TOLERANCE = 1e-9
_TOUCH_TOLERANCE_DEG = 1e-12

# One edge while building: (ax, ay, bx, by, area, crossing), where crossing is
# (ylo, yhi, x_at_ylo, dx_per_dy) taken from the lower end, or None for a horizontal edge.
# Taking it from the lower end makes two areas that share an edge compute bit-identical
# crossings, whichever way their rings run, so a point on the edge goes to exactly one.
_Crossing = tuple[float, float, float, float]
_Edge = tuple[float, float, float, float, int, _Crossing | None]
# One area in a boundary cell: (key, parity of the area's edges east of the cell at its south
# side, latitudes inside the cell where that parity flips, the area's edges in the cell).
_Entry = tuple[str, bool, tuple[float, ...], tuple[_Crossing, ...]]


class _Grid:
    """A regular grid of cells; each cell is None, a key, a leaf or a finer ``_Grid``."""

    __slots__ = ("cells", "csx", "csy", "nx", "ny", "x0", "xinv", "y0", "yinv")

    def __init__(
        self, x0: float, y0: float, csx: float, csy: float, nx: int, ny: int, cells: list[Any]
    ) -> None:
        self.x0 = x0
        self.y0 = y0
        self.csx = csx
        self.csy = csy
        self.xinv = 1.0 / csx  # exact: cell sizes are powers of two
        self.yinv = 1.0 / csy
        self.nx = nx
        self.ny = ny
        self.cells = cells


def _power_of_two(value: float) -> float:
    return 2.0 ** round(math.log2(value))


class PolygonIndex:
    """Point-in-polygon and nearest-area lookups over many areas, built once.

    Build with :meth:`build`; then :meth:`locate` answers which area contains a point and
    :meth:`nearest` which area is closest within a distance. Instances are immutable and safe
    to share between threads.
    """

    __slots__ = (
        "_bucket_inv",
        "_bucket_origin",
        "_buckets",
        "_edge_area",
        "_edge_coords",
        "_keys",
        "_root",
        "_root_tuple",
        "_stats",
    )

    _keys: tuple[str, ...]
    _root: _Grid | None
    _root_tuple: tuple[float, float, float, float, float, float, int, float, list[Any]]
    _stats: dict[str, float]
    _edge_coords: array[float]
    _edge_area: array[int]
    _buckets: dict[tuple[int, int], array[int]]
    _bucket_origin: tuple[float, float]
    _bucket_inv: tuple[float, float]

    def __init__(self) -> None:
        raise TypeError("build a PolygonIndex with PolygonIndex.build(areas)")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"PolygonIndex is immutable (cannot set {name!r})")

    # -- building ------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        areas: Iterable[tuple[str, Sequence[Sequence[Sequence[Sequence[float]]]]]],
        *,
        cell_size_deg: float | None = None,
    ) -> PolygonIndex:
        """Index ``areas``, each ``(key, polygons)`` with polygons as in ``Geometry.polygons``.

        Each polygon is a sequence of rings (outer first, then holes), each ring a sequence of
        ``(lon, lat[, alt])`` positions; an unclosed ring is closed implicitly. Keys need not
        be unique: an area is identified by its position, and its key is what lookups return.
        ``cell_size_deg`` fixes the root grid's cell size (rounded to a power of two);
        by default it is chosen from the number of areas and edges. Raises
        :class:`~lianfang.errors.InvalidValueError` naming every bad position.
        """
        keys: list[str] = []
        edges: list[_Edge] = []
        problems: list[str] = []
        for n, area in enumerate(areas):
            try:
                key, polygons = area
            except (TypeError, ValueError):
                problems.append(f"areas[{n}]: must be a (key, polygons) pair")
                continue
            if not isinstance(key, str):
                problems.append(f"areas[{n}]: key must be a string, not {type(key).__name__}")
                continue
            _collect_edges(len(keys), polygons, edges, problems, f"areas[{n}] ({key!r})")
            keys.append(key)
        if problems:
            raise InvalidValueError(problems)
        if cell_size_deg is not None and not (
            isinstance(cell_size_deg, int | float) and 0 < cell_size_deg < math.inf
        ):
            raise InvalidValueError(
                [f"cell_size_deg: must be a positive number, not {cell_size_deg!r}"]
            )

        index = object.__new__(cls)
        setter = object.__setattr__
        setter(index, "_keys", tuple(keys))
        stats: dict[str, float] = {
            "areas": len(keys),
            "edges": len(edges),
            "cells": 0,
            "leaves": 0,
            "grids": 0,
            "depth": 0,
        }
        if not edges:
            setter(index, "_root", None)
            setter(index, "_root_tuple", (0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0, 1.0, []))
        else:
            root = _Builder(keys, edges, stats).build_root(cell_size_deg)
            setter(index, "_root", root)
            root_tuple = (
                root.x0,
                root.y0,
                root.xinv,
                root.yinv,
                float(root.nx),
                float(root.ny),
                root.nx,
                root.csx,
                root.cells,
            )
            setter(index, "_root_tuple", root_tuple)
        setter(index, "_stats", stats)
        _build_nearest(index, edges)
        return index

    # -- lookups -------------------------------------------------------------------------

    def locate(self, lon: float, lat: float) -> str | None:
        """The key of the area containing (lon, lat), or None.

        A point on a boundary belongs to the area just east of it (just north, on an
        east-west edge); where areas overlap, the first one built wins.
        """
        x0, y0, xinv, yinv, nxf, nyf, nx, _, cells = self._root_tuple
        # Cell sizes are powers of two and the origin a multiple of them, so unless the areas
        # straddle the equator or the prime meridian this subtraction is exact and the point
        # lands in the cell that really holds it.
        fx = (lon - x0) * xinv
        fy = (lat - y0) * yinv
        if not (0.0 <= fx < nxf and 0.0 <= fy < nyf):  # also rejects NaN
            return None
        ix = int(fx)
        cell = cells[int(fy) * nx + ix]
        if cell.__class__ is str or cell is None:
            return cell
        while cell.__class__ is _Grid:
            grid: _Grid = cell
            ix = int((lon - grid.x0) * grid.xinv)
            iy = int((lat - grid.y0) * grid.yinv)
            # The point lies in the parent cell; rounding may not agree at its far edges.
            if ix >= grid.nx:
                ix = grid.nx - 1
            if iy >= grid.ny:
                iy = grid.ny - 1
            cell = grid.cells[iy * grid.nx + ix]
            if cell.__class__ is str or cell is None:
                return cell
        # A ray cast east from the point over the cell's edges only, started from the parity
        # of the edges east of the cell (see _Builder).
        for key, inside, flips, crossings in cell:
            for t in flips:
                if t > lat:
                    break
                inside = not inside
            for ylo, yhi, xa, k in crossings:
                if ylo <= lat < yhi and xa + (lat - ylo) * k > lon:
                    inside = not inside
            if inside:
                return key  # type: ignore[no-any-return]
        return None

    def nearest(self, lon: float, lat: float, max_m: float) -> tuple[str, float] | None:
        """The area nearest to (lon, lat) within ``max_m`` metres, with its distance.

        The distance to an area is 0.0 inside it, else the distance to its boundary
        (point-to-segment on a local equirectangular projection). Ties go to the area
        built first. None when no area is that close. Only grid buckets within ``max_m``
        of the point are searched.
        """
        if not (isinstance(max_m, int | float) and max_m >= 0):  # NaN fails too
            raise InvalidValueError([f"max_m: must be a non-negative number, not {max_m!r}"])
        key = self.locate(lon, lat)
        if key is not None:
            return key, 0.0
        if not self._buckets or not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        cos_lat = max(math.cos(math.radians(lat)), 1e-6)
        reach_lat = max_m / METRES_PER_DEGREE
        reach_lon = min(reach_lat / cos_lat, 360.0)
        ox, oy = self._bucket_origin
        ix_inv, iy_inv = self._bucket_inv
        bx0 = math.floor((lon - reach_lon - ox) * ix_inv)
        bx1 = math.floor((lon + reach_lon - ox) * ix_inv)
        by0 = math.floor((lat - reach_lat - oy) * iy_inv)
        by1 = math.floor((lat + reach_lat - oy) * iy_inv)
        buckets = self._buckets
        if (bx1 - bx0 + 1) * (by1 - by0 + 1) > len(buckets):
            chosen = [
                ids for (bx, by), ids in buckets.items() if bx0 <= bx <= bx1 and by0 <= by <= by1
            ]
        else:
            chosen = [
                ids
                for by in range(by0, by1 + 1)
                for bx in range(bx0, bx1 + 1)
                if (ids := buckets.get((bx, by))) is not None
            ]
        coords = self._edge_coords
        edge_area = self._edge_area
        sx = cos_lat * METRES_PER_DEGREE
        sy = METRES_PER_DEGREE
        best_area = -1
        best_sq = max_m * max_m
        seen: set[int] = set()
        for ids in chosen:
            for e in ids:
                if e in seen:
                    continue
                seen.add(e)
                j = 4 * e
                ax = (coords[j] - lon) * sx
                ay = (coords[j + 1] - lat) * sy
                dx = (coords[j + 2] - lon) * sx - ax
                dy = (coords[j + 3] - lat) * sy - ay
                length_sq = dx * dx + dy * dy
                t = 0.0 if length_sq == 0.0 else -(ax * dx + ay * dy) / length_sq
                if t < 0.0:
                    t = 0.0
                elif t > 1.0:
                    t = 1.0
                px = ax + t * dx
                py = ay + t * dy
                d_sq = px * px + py * py
                area = edge_area[e]
                if d_sq < best_sq or (d_sq == best_sq and (best_area < 0 or area < best_area)):
                    best_sq = d_sq
                    best_area = area
        if best_area < 0:
            return None
        return self._keys[best_area], math.sqrt(best_sq)

    # -- introspection -------------------------------------------------------------------

    @property
    def keys(self) -> tuple[str, ...]:
        """The area keys in build order (an area without edges keeps its place)."""
        return self._keys

    def stats(self) -> dict[str, float]:
        """Figures about the index: areas, edges, root ``cells``, boundary ``leaves``,
        finer ``grids``, their greatest ``depth``, and the root cell size in degrees."""
        return dict(self._stats)

    def memory_bytes(self) -> int:
        """An estimate of the memory the index holds: ``sys.getsizeof`` over every object it
        references, each counted once (coordinates shared with the input included)."""
        seen: set[int] = set()
        total = 0

        def size(obj: object) -> int:
            if id(obj) in seen:
                return 0
            seen.add(id(obj))
            return sys.getsizeof(obj)

        stack: list[Any] = [self._root, self._keys]
        while stack:
            obj = stack.pop()
            if obj is None or id(obj) in seen:
                continue
            total += size(obj)
            if isinstance(obj, _Grid):
                stack.append(obj.cells)
                continue
            if isinstance(obj, list | tuple):
                for item in obj:
                    if item is not None and not (isinstance(item, bool)) and id(item) not in seen:
                        if isinstance(item, float | str | int):
                            total += size(item)
                        else:
                            stack.append(item)
        total += size(self._edge_coords) + size(self._edge_area) + size(self._buckets)
        for bucket_key, ids in self._buckets.items():
            total += size(bucket_key) + size(ids)
        return total

    def __repr__(self) -> str:
        s = self._stats
        return (
            f"PolygonIndex(areas={s['areas']:.0f}, edges={s['edges']:.0f}, "
            f"cells={s['cells']:.0f}, leaves={s['leaves']:.0f}, grids={s['grids']:.0f})"
        )


# -- building helpers --------------------------------------------------------------------


def _collect_edges(
    area: int,
    polygons: object,
    edges: list[_Edge],
    problems: list[str],
    where: str,
) -> None:
    if not isinstance(polygons, Sequence) or isinstance(polygons, str):
        problems.append(f"{where}: polygons must be a sequence of polygons")
        return
    for p, polygon in enumerate(polygons):
        if not isinstance(polygon, Sequence) or isinstance(polygon, str):
            problems.append(f"{where}[{p}]: a polygon must be a sequence of rings")
            continue
        for r, ring in enumerate(polygon):
            if not isinstance(ring, Sequence) or isinstance(ring, str):
                problems.append(f"{where}[{p}][{r}]: a ring must be a sequence of positions")
                continue
            points: list[tuple[float, float]] = []
            bad = False
            for q, position in enumerate(ring):
                try:
                    lon = float(position[0])
                    lat = float(position[1])
                except (TypeError, ValueError, IndexError):
                    problems.append(
                        f"{where}[{p}][{r}][{q}]: a position must be [lon, lat] numbers"
                    )
                    bad = True
                    continue
                if not (math.isfinite(lon) and math.isfinite(lat)):
                    problems.append(f"{where}[{p}][{r}][{q}]: {lon!r}, {lat!r} is not finite")
                    bad = True
                    continue
                points.append((lon, lat))
            if bad or len(points) < 3:
                continue
            if points[0] != points[-1]:
                points.append(points[0])
            for (ax, ay), (bx, by) in pairwise(points):
                if ax == bx and ay == by:
                    continue
                crossing: _Crossing | None = None
                if ay < by:
                    crossing = (ay, by, ax, (bx - ax) / (by - ay))
                elif by < ay:
                    crossing = (by, ay, bx, (ax - bx) / (ay - by))
                edges.append((ax, ay, bx, by, area, crossing))


class _Builder:
    """Builds the grids for one index; holds what the recursive steps share.

    Why a leaf answers exactly as a ray cast over every edge would: for a point P in a
    cell, an edge that does not touch the cell crosses P's eastward ray exactly when it lies
    east of the cell and spans P's latitude. The parity of those edges per area (``east``)
    changes only at the latitudes of their end points, so a leaf stores it at the cell's
    south side (``base``) and the latitudes where it flips; a lookup adds the parity of the
    cell's own edges, with the same formula a brute-force ray cast uses.
    """

    def __init__(self, keys: list[str], edges: list[_Edge], stats: dict[str, float]) -> None:
        self.keys = keys
        self.edges = edges
        self.stats = stats
        self.interned: dict[Any, Any] = {}

    def build_root(self, cell_size_deg: float | None) -> _Grid:
        edges = self.edges
        min_x = min(min(e[0], e[2]) for e in edges)
        max_x = max(max(e[0], e[2]) for e in edges)
        min_y = min(min(e[1], e[3]) for e in edges)
        max_y = max(max(e[1], e[3]) for e in edges)
        if cell_size_deg is not None:
            csx = csy = 2.0 ** math.floor(math.log2(cell_size_deg))
        else:
            csx, csy = _choose_cell_size(
                len({e[4] for e in edges}), len(edges), min_x, max_x, min_y, max_y
            )
        # The origin sits strictly west and south of every vertex, on a multiple of the cell
        # size: nothing lies west of the grid, and cell corners are exact binary fractions.
        while True:
            x0 = (math.floor(min_x / csx) - 1) * csx
            y0 = (math.floor(min_y / csy) - 1) * csy
            nx = math.floor((max_x - x0) / csx) + 1
            ny = math.floor((max_y - y0) / csy) + 1
            if cell_size_deg is not None or nx * ny <= _MAX_ROOT_CELLS:
                break
            # A sliver of a bounding box makes square cells tiny: grow them to fit the budget.
            csx *= 2.0
            csy *= 2.0
        if nx * ny > 4 * _MAX_ROOT_CELLS:
            raise InvalidValueError(
                [f"cell_size_deg: {cell_size_deg!r} needs {nx * ny} cells; choose a larger size"]
            )
        self.stats["cells"] = nx * ny
        self.stats["cell_size_x_deg"] = csx
        self.stats["cell_size_y_deg"] = csy
        return self.grid(x0, y0, csx, csy, nx, ny, list(range(len(edges))), {}, {}, 0)

    def grid(
        self,
        x0: float,
        y0: float,
        csx: float,
        csy: float,
        nx: int,
        ny: int,
        edge_ids: list[int],
        east_base: dict[int, bool],
        east_flips: dict[int, tuple[float, ...]],
        depth: int,
    ) -> _Grid:
        """A grid over ``edge_ids``; every other edge that matters lies east of the grid and
        spans latitude ``y`` for area ``a`` with parity ``east_base[a]`` xor the number of
        ``east_flips[a]`` at or below ``y``."""
        edges = self.edges
        keys = self.keys
        xinv = 1.0 / csx
        yinv = 1.0 / csy
        buckets, events = self.distribute(edge_ids, x0, y0, csx, csy, nx, ny)

        # Where each row's south side crosses boundaries east of the grid's west side.
        row_crossings: list[list[tuple[float, int]]] = [[] for _ in range(ny)]
        for e in edge_ids:
            crossing = edges[e][5]
            if crossing is None:
                continue
            ylo, yhi, xa, k = crossing
            j = max(0, math.ceil((ylo - y0) * yinv))
            while j > 0 and y0 + (j - 1) * csy >= ylo:
                j -= 1
            while j < ny and y0 + j * csy < ylo:
                j += 1
            area = edges[e][4]
            while j < ny:
                yj = y0 + j * csy
                if yj >= yhi:
                    break
                x = xa + (yj - ylo) * k
                if x > x0:
                    row_crossings[j].append((x, area))
                j += 1

        cells: list[Any] = [None] * (nx * ny)
        run_starts: list[list[int]] = []
        run_insides: list[list[tuple[int, ...]]] = []
        for j in range(ny):
            yj = y0 + j * csy
            # Inside at the grid's west side: the east parity, xor every crossing east of it.
            inside = {a for a, odd in east_base.items() if odd}
            for area, flips in east_flips.items():
                if bisect_right(flips, yj) % 2:
                    inside ^= {area}
            crossings = row_crossings[j]
            for _, area in crossings:
                inside ^= {area}
            crossings.sort()
            row = j * nx
            starts: list[int] = []
            insides: list[tuple[int, ...]] = []
            start = 0
            for x, area in crossings:
                i = math.ceil((x - x0) * xinv)  # the first corner at or east of x
                while i > 0 and x0 + (i - 1) * csx >= x:
                    i -= 1
                while x0 + i * csx < x:
                    i += 1
                if i >= nx:
                    break
                if i > start:
                    now = tuple(sorted(inside))
                    starts.append(start)
                    insides.append(now)
                    if now:
                        cells[row + start : row + i] = repeat(keys[now[0]], i - start)
                    start = i
                inside ^= {area}
            now = tuple(sorted(inside))
            starts.append(start)
            insides.append(now)
            if now:
                cells[row + start : row + nx] = repeat(keys[now[0]], nx - start)
            run_starts.append(starts)
            run_insides.append(insides)

        rows: dict[int, list[int]] = {}
        for index in buckets:
            j, i = divmod(index, nx)
            rows.setdefault(j, []).append(i)
        for j, row_cells in rows.items():
            south = y0 + j * csy
            north = y0 + (j + 1) * csy
            inherited: dict[int, set[float]] = {}
            for area, flips in east_flips.items():
                in_row = {t for t in flips if south < t < north}
                if in_row:
                    inherited[area] = in_row
            # Walk the row eastmost cell first, adding the end points of edges that lie
            # wholly east of the current cell; pairs meeting at a vertex cancel out.
            row_events = events[j]
            row_events.sort(reverse=True)
            flips_east: dict[int, set[float]] = {}
            p = 0
            starts = run_starts[j]
            insides = run_insides[j]
            for i in sorted(row_cells, reverse=True):
                while p < len(row_events) and row_events[p][0] > i:
                    _, y, area = row_events[p]
                    pending = flips_east.get(area)
                    if pending is None:
                        flips_east[area] = {y}
                    elif y in pending:
                        pending.discard(y)
                        if not pending:
                            del flips_east[area]
                    else:
                        pending.add(y)
                    p += 1
                cells[j * nx + i] = self.boundary_cell(
                    x0 + i * csx,
                    south,
                    x0 + (i + 1) * csx,
                    north,
                    buckets[j * nx + i],
                    insides[bisect_right(starts, i) - 1],
                    flips_east,
                    inherited,
                    depth,
                )
        self.stats["grids"] += 1
        self.stats["depth"] = max(self.stats["depth"], depth)
        return _Grid(x0, y0, csx, csy, nx, ny, cells)

    def distribute(
        self,
        edge_ids: list[int],
        x0: float,
        y0: float,
        csx: float,
        csy: float,
        nx: int,
        ny: int,
    ) -> tuple[dict[int, list[int]], list[list[tuple[int, float, int]]]]:
        """Each cell's edges (every edge that touches the cell, within a hair's breadth), and
        per row the end points strictly inside the row as (first cell touched, lat, area)."""
        edges = self.edges
        tol_x = max(_TOUCH_TOLERANCE * csx, _TOUCH_TOLERANCE_DEG)
        tol_y = max(_TOUCH_TOLERANCE * csy, _TOUCH_TOLERANCE_DEG)
        xinv = 1.0 / csx
        yinv = 1.0 / csy
        west = x0 - tol_x  # touching within the tolerance: move the grid instead of the edge
        east = x0 + tol_x
        last_i = nx - 1
        last_j = ny - 1
        floor = math.floor
        buckets: dict[int, list[int]] = {}
        events: list[list[tuple[int, float, int]]] = [[] for _ in range(ny)]
        for e in edge_ids:
            ax, ay, bx, by, area, crossing = edges[e]
            if ay <= by:
                ylo, yhi = ay, by
            else:
                ylo, yhi = by, ay
            j0 = floor((ylo - tol_y - y0) * yinv)
            j1 = floor((yhi + tol_y - y0) * yinv)
            if j0 < 0:
                j0 = 0
            if j1 > last_j:
                j1 = last_j
            if j0 > j1:
                continue
            if ax <= bx:
                xlo, xhi = ax, bx
            else:
                xlo, xhi = bx, ax
            # The rows holding an end point strictly inside them (not on a row line).
            row_lo = row_hi = -1
            if crossing is not None:
                row_lo = floor((ylo - y0) * yinv)
                if not y0 + row_lo * csy < ylo < y0 + (row_lo + 1) * csy:
                    row_lo = -1
                row_hi = floor((yhi - y0) * yinv)
                if not y0 + row_hi * csy < yhi < y0 + (row_hi + 1) * csy:
                    row_hi = -1
            for j in range(j0, j1 + 1):
                if crossing is None or j0 == j1:
                    first = floor((xlo - east) * xinv)
                    last = floor((xhi - west) * xinv)
                else:
                    k = crossing[3]
                    band_lo = y0 + j * csy - tol_y
                    band_hi = band_lo + csy + 2 * tol_y
                    xa = ax + ((ylo if band_lo < ylo else band_lo) - ay) * k
                    xb = ax + ((yhi if band_hi > yhi else band_hi) - ay) * k
                    if xa <= xb:
                        first = floor((xa - east) * xinv)
                        last = floor((xb - west) * xinv)
                    else:
                        first = floor((xb - east) * xinv)
                        last = floor((xa - west) * xinv)
                if j == row_lo and first > 0:
                    events[j].append((first if first < nx else nx, ylo, area))
                if j == row_hi and first > 0:
                    events[j].append((first if first < nx else nx, yhi, area))
                row = j * nx
                for index in range(
                    row + (first if first > 0 else 0), row + (last if last < last_i else last_i) + 1
                ):
                    bucket = buckets.get(index)
                    if bucket is None:
                        buckets[index] = [e]
                    else:
                        bucket.append(e)
        return buckets, events

    def boundary_cell(
        self,
        west: float,
        south: float,
        east: float,
        north: float,
        edge_ids: list[int],
        inside_at_corner: tuple[int, ...],
        flips_east: dict[int, set[float]],
        inherited: dict[int, set[float]],
        depth: int,
    ) -> Any:
        """What a cell crossed by ``edge_ids`` holds: a key or None when the edges turn out
        not to matter, a leaf, or a finer grid when the cell has too many edges."""
        edges = self.edges
        by_area: dict[int, list[_Crossing]] = {}
        for e in edge_ids:
            edge = edges[e]
            crossing = edge[5]
            # Edges that never span a latitude of the cell, or lie wholly west of it, never
            # cross the eastward ray of a point in it.
            if (
                crossing is not None
                and crossing[1] > south
                and crossing[0] < north
                and (edge[0] >= west or edge[2] >= west)
            ):
                group = by_area.get(edge[4])
                if group is None:
                    by_area[edge[4]] = [crossing]
                else:
                    group.append(crossing)
        candidates = set(by_area)
        if inside_at_corner:
            candidates.update(inside_at_corner)
        if flips_east:
            candidates.update(flips_east)
        if inherited:
            candidates.update(inherited)
        entries: list[tuple[int, bool, tuple[float, ...], tuple[_Crossing, ...]]] = []
        edge_count = 0
        for area in sorted(candidates):
            found = by_area.get(area)
            crossings: tuple[_Crossing, ...] = () if found is None else tuple(found)
            flips: tuple[float, ...] = ()
            if flips_east or inherited:
                east_of_cell = flips_east.get(area)
                from_parent = inherited.get(area)
                if east_of_cell and from_parent:
                    flips = tuple(sorted(east_of_cell ^ from_parent))
                elif east_of_cell or from_parent:
                    flips = tuple(sorted(east_of_cell or from_parent or ()))
            # The east parity at the south-west corner: the ray cast there over every edge
            # (inside_at_corner), less the cell's own edges.
            base = area in inside_at_corner
            for ylo, yhi, xa, k in crossings:
                if ylo <= south < yhi and xa + (south - ylo) * k > west:
                    base = not base
            if not crossings and not flips:
                if base:  # wholly inside this area here: later areas are never reached
                    entries.append((area, True, (), ()))
                    break
                continue
            entries.append((area, base, flips, crossings))
            edge_count += len(crossings)
        if not entries:
            return None
        first = entries[0]
        if first[1] and not first[2] and not first[3]:
            return self.keys[first[0]]
        if edge_count > _MAX_LEAF_EDGES and depth < _MAX_DEPTH:
            split = 2
            while split * split < edge_count and split < 16:
                split *= 2
            return self.grid(
                west,
                south,
                (east - west) / split,
                (north - south) / split,
                split,
                split,
                edge_ids,
                {area: base for area, base, _, _ in entries},
                {area: flips for area, _, flips, _ in entries if flips},
                depth + 1,
            )
        self.stats["leaves"] += 1
        interned = self.interned
        leaf: list[_Entry] = []
        for area, base, flips_tuple, crossings_tuple in entries:
            crossings_tuple = interned.setdefault(crossings_tuple, crossings_tuple)
            entry = (self.keys[area], base, flips_tuple, crossings_tuple)
            leaf.append(interned.setdefault(entry, entry))
        leaf_tuple = tuple(leaf)
        return interned.setdefault(leaf_tuple, leaf_tuple)


def _choose_cell_size(
    area_count: int, edge_count: int, min_x: float, max_x: float, min_y: float, max_y: float
) -> tuple[float, float]:
    """Root cell sizes (powers of two, in degrees), cells about square on the ground."""
    target = max(_CELLS_PER_AREA * area_count, _CELLS_PER_EDGE * edge_count)
    target = min(max(target, _MIN_ROOT_CELLS), _MAX_ROOT_CELLS)
    mid_lat = math.radians((min_y + max_y) / 2)
    lon_scale = max(math.cos(mid_lat), 0.01)  # ground length of a degree of longitude
    width = max(max_x - min_x, 1e-9) * lon_scale
    height = max(max_y - min_y, 1e-9)
    side = math.sqrt(width * height / target)
    return _power_of_two(side / lon_scale), _power_of_two(side)


def _build_nearest(index: PolygonIndex, edges: list[_Edge]) -> None:
    """Buckets of edge numbers on a coarse grid, for :meth:`PolygonIndex.nearest`."""
    setter = object.__setattr__
    coords = array("d")
    areas = array("i")
    for ax, ay, bx, by, area, _ in edges:
        coords.extend((ax, ay, bx, by))
        areas.append(area)
    setter(index, "_edge_coords", coords)
    setter(index, "_edge_area", areas)
    buckets: dict[tuple[int, int], array[int]] = {}
    if not edges:
        setter(index, "_buckets", buckets)
        setter(index, "_bucket_origin", (0.0, 0.0))
        setter(index, "_bucket_inv", (1.0, 1.0))
        return
    # Aim at some twenty edges a bucket: the side is limited by how long edges are where
    # boundaries run far apart, and by how many boundaries share the area where they crowd.
    ox = min(min(e[0], e[2]) for e in edges)
    oy = min(min(e[1], e[3]) for e in edges)
    width = max(max(e[0], e[2]) for e in edges) - ox
    height = max(max(e[1], e[3]) for e in edges) - oy
    length = sum(math.hypot(e[2] - e[0], e[3] - e[1]) for e in edges)
    side = min(16.0 * length / len(edges), math.sqrt(16.0 * width * height / len(edges)))
    bx_size = by_size = _power_of_two(max(side, 1e-7))
    inv_x = 1.0 / bx_size
    inv_y = 1.0 / by_size
    lists: dict[tuple[int, int], list[int]] = {}
    for n, (ax, ay, bx, by, _, _) in enumerate(edges):
        i0 = math.floor((min(ax, bx) - ox) * inv_x)
        i1 = math.floor((max(ax, bx) - ox) * inv_x)
        j0 = math.floor((min(ay, by) - oy) * inv_y)
        j1 = math.floor((max(ay, by) - oy) * inv_y)
        for j in range(j0, j1 + 1):
            for i in range(i0, i1 + 1):
                lists.setdefault((i, j), []).append(n)
    for cell, ids in lists.items():
        buckets[cell] = array("i", ids)
    setter(index, "_buckets", buckets)
    setter(index, "_bucket_origin", (ox, oy))
    setter(index, "_bucket_inv", (inv_x, inv_y))
