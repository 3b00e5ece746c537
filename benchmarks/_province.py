"""A synthetic province for benchmarks: many communities that tile an area, with names.

Shared by the locate, routing and directory benchmarks::

    from _province import province_communities, province_bounds, random_points, report_texts

    communities = province_communities(20_000)
    points = random_points(province_bounds(communities), 100_000)
    texts = report_texts(communities, 10_000)

Everything is deterministic for a given ``seed``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from lianfang.model import Community, Geometry

__all__ = [
    "Bounds",
    "community_names",
    "province_bounds",
    "province_communities",
    "random_points",
    "report_texts",
]

Bounds = tuple[float, float, float, float]
"""(min_lon, min_lat, max_lon, max_lat)."""

# Characters common in Chinese place names; three of them make a community's base name.
_PLACE_CHARS = (
    "东西南北中新旧上下前后大小长高平安宁康乐福寿兴隆华盛昌明光阳春秋金银玉石"
    "山水江河湖海港湾桥塘溪岭田园林花竹松柏梅兰龙凤鹤鹿云霞星月泉井坊巷街亭台"
)
_FILLER = "今天下午有人在附近发现一辆车停了很久门口吵闹声音不断请尽快派人来处理谢谢"


def community_names(n: int, seed: int = 20210112) -> list[tuple[str, tuple[str, ...]]]:
    """``n`` unique (name, aliases) pairs such as ("金湖岭社区", ("金湖岭",)).

    The base name (three characters) is unique; about half of the communities list it as an
    alias, so some aliases also occur inside longer names, as in real directories.
    """
    rnd = random.Random(seed)
    chars = _PLACE_CHARS
    if n > len(chars) ** 3:
        raise ValueError(f"at most {len(chars) ** 3} unique names")
    bases = [
        chars[c // (len(chars) ** 2)]
        + chars[(c // len(chars)) % len(chars)]
        + chars[c % len(chars)]
        for c in rnd.sample(range(len(chars) ** 3), n)
    ]
    result: list[tuple[str, tuple[str, ...]]] = []
    for base in bases:
        name = base + ("社区" if rnd.random() < 0.6 else "村")
        aliases = (base,) if rnd.random() < 0.5 else ()
        result.append((name, aliases))
    return result


def province_communities(
    n: int = 20_000,
    seed: int = 20210112,
    *,
    origin: tuple[float, float] = (117.5, 24.5),
    cell_deg: float = 0.02,
    groups_of: int = 100,
) -> list[Community]:
    """``n`` communities whose polygons tile a jittered grid, ids ``C-00001`` ….

    Each polygon is a jittered grid cell with 6 to 10 vertices (extra points split its
    edges); neighbours share their edges exactly, so the polygons neither overlap nor leave
    gaps. A cell is ``cell_deg`` degrees of latitude high and about as wide on the ground.
    Community ``k`` belongs to group ``G-{k // groups_of + 1:04d}``; officers and cadres are
    left empty for the caller to fill in. Coordinates are rounded to 6 decimals.
    """
    rnd = random.Random(seed)
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    lon0, lat0 = origin
    dy = cell_deg
    dx = cell_deg / math.cos(math.radians(lat0 + rows * dy / 2))

    def jitter(amount: float) -> float:
        return rnd.uniform(-amount, amount)

    corners = [
        [
            (
                round(lon0 + (i + jitter(0.25)) * dx, 6),
                round(lat0 + (j + jitter(0.25)) * dy, 6),
            )
            for j in range(rows + 1)
        ]
        for i in range(cols + 1)
    ]

    def split(
        a: tuple[float, float], b: tuple[float, float], count: int
    ) -> list[tuple[float, float]]:
        fractions = sorted(rnd.uniform(0.2, 0.8) for _ in range(count))
        nx, ny = -(b[1] - a[1]), b[0] - a[0]  # normal, scaled by the edge's length
        points = []
        for f in fractions:
            off = jitter(0.08)
            points.append(
                (
                    round(a[0] + f * (b[0] - a[0]) + off * nx, 6),
                    round(a[1] + f * (b[1] - a[1]) + off * ny, 6),
                )
            )
        return points

    # Extra points of each shared edge, listed from its lower-numbered corner.
    east_west = {
        (i, j): split(corners[i][j], corners[i + 1][j], rnd.randint(0, 1))
        for i in range(cols)
        for j in range(rows + 1)
    }
    north_south = {
        (i, j): split(corners[i][j], corners[i][j + 1], rnd.randint(1, 2))
        for i in range(cols + 1)
        for j in range(rows)
    }
    names = community_names(n, seed)
    communities = []
    for k in range(n):
        j, i = divmod(k, cols)
        ring = [
            corners[i][j],
            *east_west[(i, j)],
            corners[i + 1][j],
            *north_south[(i + 1, j)],
            corners[i + 1][j + 1],
            *reversed(east_west[(i, j + 1)]),
            corners[i][j + 1],
            *reversed(north_south[(i, j)]),
            corners[i][j],
        ]
        name, aliases = names[k]
        communities.append(
            Community(
                id=f"C-{k + 1:05d}",
                name=name,
                group_id=f"G-{k // groups_of + 1:04d}",
                aliases=aliases,
                geometry=Geometry(type="Polygon", coordinates=[ring]),
            )
        )
    return communities


def province_bounds(communities: Sequence[Community]) -> Bounds:
    """The bounding box of the communities' polygons."""
    xs: list[float] = []
    ys: list[float] = []
    for community in communities:
        if community.geometry is None:
            continue
        for polygon in community.geometry.polygons:
            for ring in polygon:
                xs.extend(p[0] for p in ring)
                ys.extend(p[1] for p in ring)
    return min(xs), min(ys), max(xs), max(ys)


def random_points(bounds: Bounds, n: int, seed: int = 7) -> list[tuple[float, float]]:
    """``n`` (lon, lat) points drawn uniformly from ``bounds``."""
    rnd = random.Random(seed)
    min_lon, min_lat, max_lon, max_lat = bounds
    return [(rnd.uniform(min_lon, max_lon), rnd.uniform(min_lat, max_lat)) for _ in range(n)]


def report_texts(
    communities: Sequence[Community], n: int, seed: int = 11, *, length: int = 40
) -> list[str]:
    """``n`` report texts of ``length`` characters; four in five name a community (its name
    or an alias) somewhere inside ordinary filler text."""
    rnd = random.Random(seed)
    texts = []
    for _ in range(n):
        filler = "".join(rnd.choice(_FILLER) for _ in range(length))
        if rnd.random() < 0.8:
            community = rnd.choice(communities)
            place = rnd.choice((community.name, *community.aliases))
            at = rnd.randrange(0, length - len(place))
            filler = filler[:at] + place + filler[at + len(place) :]
        texts.append(filler[:length])
    return texts
