"""Write ``src/lianfang/data/sample_directory.json``, the built-in sample directory.

SYNTHETIC DATA. The county it describes, 海坛县, is invented: modelled loosely on Pingtan
(平潭), Fujian, where the joint-prevention scheme this library supports was first run, but
every community, person, phone number, site and boundary in it is made up. Phones sit in the
clearly fake ranges 1380000xxxx (volunteers) and 1390000xxxx (officers).

The output is deterministic: the same script always writes the same bytes (one seeded
``random.Random``, no set or dict order left to chance), so the file can be checked in and
re-generated at will. ``--check`` exits 1 when the file on disk differs from what would be
written, for CI.

How the map is built: a grid of jittered vertices is shared by neighbouring cells, so the
cells tile the plane exactly; the cells whose centre lies inside a wavy island outline are
kept; communities grow cell by cell from seeds spaced closer in town than in the
countryside, each staying a simple polygon, and each community's boundary is traced from
its cells' edges as one counter-clockwise ring. The communities nearest the centre are
urban 社区, the rest villages (村). Zones are angular quarters of the island; groups split
each zone into connected parts.

Run: ``.venv/bin/python tools/make_sample_directory.py [--check]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import sys
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

JsonObject = dict[str, Any]
Cell = tuple[int, int]  # (column from the west, row from the south)
Vertex = tuple[int, int]  # grid vertex (i east, j north); cell (c, r) has corners (c, r)…(c+1, r+1)
Position = tuple[float, float]  # lon, lat

SEED = 20210112
OUTPUT = Path(__file__).resolve().parents[1] / "src" / "lianfang" / "data" / "sample_directory.json"

COUNTY_NAME = "海坛县（示例数据，虚构）"
TIMEZONE = "Asia/Shanghai"

# The island's bounding box, about 0.25° x 0.30° around (119.79, 25.50).
CENTRE_LON, CENTRE_LAT = 119.79, 25.50
HALF_WIDTH, HALF_HEIGHT = 0.125, 0.15
COLUMNS, ROWS = 16, 20
CELL_LON = 2 * HALF_WIDTH / COLUMNS
CELL_LAT = 2 * HALF_HEIGHT / ROWS
# At most a fifth of a cell in each direction keeps every jittered cell convex, so the
# cells still tile the plane and any hole-free, pinch-free union of them has a simple boundary.
JITTER = 0.2

COMMUNITY_COUNT = 44
ZONE_SIZES = (12, 11, 11, 10)  # communities per zone, Z-1 … Z-4
GROUPS_PER_ZONE = (3, 2, 2, 2)
URBAN_COUNT = 14  # the communities nearest the centre are 社区, the rest villages (村)
VOLUNTEER_COUNT = 500
STATUS_COUNTS = {"applicant": 25, "suspended": 10, "retired": 5}  # the rest are active
ROLE_TOTALS = {  # shop owners take whatever is left after cadres
    "internal_security": 95,
    "property_manager": 70,
    "security_guard": 105,
    "other": 15,
}
NON_CADRE_ROLES = ("internal_security", "property_manager", "security_guard", "shop_owner", "other")
# How much more of each role an urban community has than a village.
URBAN_WEIGHT = {
    "internal_security": 2.0,
    "property_manager": 4.0,
    "security_guard": 2.5,
    "shop_owner": 1.6,
    "other": 1.0,
}

DAY = ("08:00", "20:00")
NIGHT = ("20:00", "08:00")

URBAN_STEMS = (
    "东门", "西航", "南街", "北门", "城中", "龙山", "凤翔", "海滨", "文昌", "翠湖",
    "金港", "鳌峰", "望海", "兴港", "双塔", "学府",
)  # fmt: skip
RURAL_STEMS = (
    "北厝", "石牌", "青峰", "沙堤", "灯塔", "蓝湾", "后澳", "前岐", "下楼", "上攀",
    "东澳", "南垄", "西楼", "磐石", "长沙", "白沙", "红山", "岐头", "钟门", "塘屿",
    "玉屿", "大坪", "龟山", "海坪", "鹭屿", "鸥尾", "鲸背", "珠岐", "云峰", "雁湾",
    "竹屿", "梧桐", "浪头", "碧沙", "澳底", "石门", "大福", "湖尾",
)  # fmt: skip
LANDMARKS = (
    "古城广场", "石帆公园", "麒麟广场", "万宝商城", "县医院", "客运站", "实验小学",
    "风车田", "将军岩", "观潮台", "仙人井", "海蚀柱", "环岛路口", "老渔市", "妈祖宫",
)  # fmt: skip
FIRMS = ("海坛水产冷链有限公司", "蓝岛海洋食品有限公司", "岚风风电运维有限公司", "金沙石材有限公司")
ESTATE_SUFFIXES = ("花园", "名都", "新苑", "海景苑")

SURNAMES = (
    "林", "陈", "王", "黄", "李", "张", "吴", "郑", "刘", "杨", "施", "詹", "高", "翁",
    "何", "游", "薛", "江", "魏", "许", "周", "曾", "俞", "念",
)  # fmt: skip
SURNAME_WEIGHTS = (
    14, 12, 6, 6, 5, 5, 5, 5, 4, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1,
)  # fmt: skip
GIVEN_CHARS = (
    "建国明华伟强丽芳秀英志平海涛文斌辉玲燕婷晓鹏杰俊峰静敏洁荣兴福春秋"
    "德成金水永祥宏宇欣怡雪梅佳琳振东立新天国安嘉阳"
)
ZONE_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")
STATIONS = ("潭城派出所", "岚北派出所", "澳南派出所", "湖西派出所")  # one per zone


# --- the map ---------------------------------------------------------------------------


def jittered_vertices(rng: random.Random) -> dict[Vertex, Position]:
    """Every grid vertex moved a little, rounded once, so neighbouring cells share it exactly."""
    west, south = CENTRE_LON - HALF_WIDTH, CENTRE_LAT - HALF_HEIGHT
    vertices: dict[Vertex, Position] = {}
    for j in range(ROWS + 1):
        for i in range(COLUMNS + 1):
            lon = west + (i + rng.uniform(-JITTER, JITTER)) * CELL_LON
            lat = south + (j + rng.uniform(-JITTER, JITTER)) * CELL_LAT
            vertices[i, j] = (round(lon, 6), round(lat, 6))
    return vertices


def cell_corners(cell: Cell) -> tuple[Vertex, Vertex, Vertex, Vertex]:
    """The cell's corners counter-clockwise from its south-west one."""
    c, r = cell
    return (c, r), (c + 1, r), (c + 1, r + 1), (c, r + 1)


def cell_centre(cell: Cell, vertices: dict[Vertex, Position]) -> Position:
    corners = [vertices[v] for v in cell_corners(cell)]
    return sum(p[0] for p in corners) / 4, sum(p[1] for p in corners) / 4


def normalised(position: Position) -> tuple[float, float]:
    """Coordinates relative to the island centre, the bounding box spanning -1 … 1."""
    return (position[0] - CENTRE_LON) / HALF_WIDTH, (position[1] - CENTRE_LAT) / HALF_HEIGHT


def island_outline(rng: random.Random) -> Callable[[float], float]:
    """A wavy, star-shaped outline: its normalised radius as a function of the angle."""
    harmonics = [(k, rng.uniform(0.03, 0.08), rng.uniform(0, 2 * math.pi)) for k in range(2, 7)]

    def radius(angle: float) -> float:
        return 0.9 + sum(a * math.cos(k * angle + phase) for k, a, phase in harmonics)

    return radius


def neighbours(cell: Cell) -> list[Cell]:
    c, r = cell
    return [(c + 1, r), (c - 1, r), (c, r + 1), (c, r - 1)]


def boundary(cells: Iterable[Cell]) -> dict[Vertex, list[Vertex]]:
    """The directed outer edges of a set of cells: inner edges cancel in opposite pairs."""
    edges: set[tuple[Vertex, Vertex]] = set()
    for cell in cells:
        corners = cell_corners(cell)
        edges.update((corners[k], corners[(k + 1) % 4]) for k in range(4))
    following: dict[Vertex, list[Vertex]] = {}
    for a, b in sorted(edges):
        if (b, a) not in edges:
            following.setdefault(a, []).append(b)
    return following


def boundary_cycle(cells: Iterable[Cell]) -> list[Vertex] | None:
    """The boundary as one cycle of vertices, or None when the cells do not form a simple polygon.

    Two outgoing edges at a vertex mean cells touching only at a corner; a cycle shorter
    than the boundary means a hole or a second piece.
    """
    following = boundary(cells)
    if any(len(ends) != 1 for ends in following.values()):
        return None
    start = min(following)
    cycle = [start]
    while following[cycle[-1]][0] != start:
        cycle.append(following[cycle[-1]][0])
    return cycle if len(cycle) == len(following) else None


def trace_ring(cells: Sequence[Cell], vertices: dict[Vertex, Position]) -> list[list[float]]:
    """The boundary of a simple block of cells as one closed, counter-clockwise GeoJSON ring."""
    cycle = boundary_cycle(cells)
    assert cycle is not None, f"cells {sorted(cells)} do not form a simple polygon"
    positions = [[*vertices[v]] for v in cycle]
    positions.append(list(positions[0]))
    assert signed_area(positions) > 0, "ring is not counter-clockwise"
    return positions


def signed_area(ring: Sequence[Sequence[float]]) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2


def partition_into_communities(
    land: set[Cell], vertices: dict[Vertex, Position]
) -> list[list[Cell]]:
    """Cut the land into COMMUNITY_COUNT simple polygons, small in town and larger outside.

    Seeds are spread by farthest-point sampling with a spacing that grows from the centre
    outwards; then every community in turn takes the free neighbouring cell nearest its seed
    that keeps it a simple polygon, until the land is used up.
    """

    def distance(cell: Cell) -> float:
        return math.hypot(*normalised(cell_centre(cell, vertices)))

    def apart(a: Cell, b: Cell) -> float:
        return math.hypot(a[0] - b[0], a[1] - b[1])

    cells = sorted(land)
    seeds = [min(cells, key=lambda c: (distance(c), c))]
    while len(seeds) < COMMUNITY_COUNT:
        seeds.append(
            max(
                (c for c in cells if c not in seeds),
                key=lambda c: min(apart(c, s) for s in seeds) / (0.4 + distance(c)),
            )
        )
    members = [[seed] for seed in seeds]
    owner = {seed: k for k, seed in enumerate(seeds)}
    growing = True
    while growing:
        growing = False
        for k, seed in enumerate(seeds):
            free = {n for m in members[k] for n in neighbours(m) if n in land and n not in owner}
            for cell in sorted(free, key=lambda c: (apart(c, seed), c)):
                if boundary_cycle([*members[k], cell]) is not None:
                    members[k].append(cell)
                    owner[cell] = k
                    growing = True
                    break
    assert len(owner) == len(land), f"cells {sorted(land - set(owner))} belong to no community"
    return [sorted(m) for m in members]


def adjacency(communities: Sequence[Sequence[Cell]]) -> dict[int, set[int]]:
    owner = {cell: k for k, cells in enumerate(communities) for cell in cells}
    touching: dict[int, set[int]] = {k: set() for k in range(len(communities))}
    for cell, k in owner.items():
        for n in neighbours(cell):
            if n in owner and owner[n] != k:
                touching[k].add(owner[n])
    return touching


def connected(members: Sequence[int], touching: dict[int, set[int]]) -> bool:
    wanted = set(members)
    if not wanted:
        return False
    seen = {min(wanted)}
    queue = deque(seen)
    while queue:
        for n in sorted(touching[queue.popleft()] & wanted):
            if n not in seen:
                seen.add(n)
                queue.append(n)
    return seen == wanted


def bfs_order(root: int, members: set[int], touching: dict[int, set[int]]) -> list[int]:
    order, queue = [root], deque([root])
    while queue:
        for n in sorted(touching[queue.popleft()] & members):
            if n not in order:
                order.append(n)
                queue.append(n)
    return order


def split_connected(
    members: Sequence[int], sizes: Sequence[int], touching: dict[int, set[int]]
) -> list[list[int]] | None:
    """Split a connected set into connected parts of the given sizes, or None if none is found.

    A breadth-first prefix is always connected; try roots until the rest can be split too.
    """
    if len(sizes) == 1:
        return [list(members)] if connected(members, touching) else None
    pool = set(members)
    for root in sorted(pool):
        part = bfs_order(root, pool, touching)[: sizes[0]]
        rest = split_connected(sorted(pool - set(part)), sizes[1:], touching)
        if rest is not None:
            return [part, *rest]
    return None


def zones_as_quarters(
    centroids: Sequence[Position], touching: dict[int, set[int]]
) -> list[list[int]]:
    """Four angular quarters around the centre, each connected; the first offset that works."""

    def angle(k: int) -> float:
        x, y = normalised(centroids[k])
        return math.atan2(y, x)

    for step in range(16):
        offset = math.pi / 2 + step * math.pi / 8  # start in the north, turn counter-clockwise
        order = sorted(
            range(len(centroids)), key=lambda k: ((angle(k) - offset) % (2 * math.pi), k)
        )
        zones, start = [], 0
        for size in ZONE_SIZES:
            zones.append(order[start : start + size])
            start += size
        if all(connected(z, touching) for z in zones):
            return zones
    raise AssertionError("no rotation gives four connected zones")


def even_sizes(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if k < total % parts else 0) for k in range(parts)]


# --- people ----------------------------------------------------------------------------


class NameMaker:
    """Synthetic Chinese names, never the same twice."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def __call__(self) -> str:
        while True:
            surname = self._rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
            length = 1 if self._rng.random() < 0.15 else 2
            name = surname + "".join(self._rng.choice(GIVEN_CHARS) for _ in range(length))
            if name not in self._used:
                self._used.add(name)
                return name


def duty_slots(size: int, offset: int) -> list[list[int]]:
    """The week's 14 half-day slots (Monday day, Monday night, …) dealt out in turn.

    Officer ``k`` of a group of ``size`` takes every slot ``s`` with ``(s + offset) % size == k``,
    so each slot has exactly one officer and no one works two slots back to back.
    """
    slots: list[list[int]] = [[] for _ in range(size)]
    for s in range(14):
        slots[(s + offset) % size].append(s)
    for mine in slots:
        for s in mine:
            assert (s + 1) % 14 not in mine, "an officer would work 24 hours straight"
    return slots


def rotas_for(officer_id: str, slots: Sequence[int]) -> list[JsonObject]:
    rotas = []
    for half, (start, end) in enumerate((DAY, NIGHT)):
        days = [s // 2 for s in slots if s % 2 == half]
        if days:
            rotas.append({"officer_id": officer_id, "weekdays": days, "start": start, "end": end})
    return rotas


def deal(total: int, weights: Sequence[float], rng: random.Random) -> list[int]:
    """Share ``total`` people among communities in proportion to ``weights`` (seeded)."""
    counts = [0] * len(weights)
    for k in rng.choices(range(len(weights)), weights=weights, k=total):
        counts[k] += 1
    return counts


# --- the directory ---------------------------------------------------------------------


def build_directory(seed: int = SEED) -> JsonObject:
    """The whole sample directory as JSON-able data, in the directory format of DESIGN.md."""
    rng = random.Random(seed)
    vertices = jittered_vertices(rng)
    radius = island_outline(rng)
    assert min(radius(a / 100) for a in range(629)) > 0.6, "the island centre must be land"
    land = set()
    for c in range(COLUMNS):
        for r in range(ROWS):
            x, y = normalised(cell_centre((c, r), vertices))
            if math.hypot(x, y) < radius(math.atan2(y, x)):
                land.add((c, r))
    # One piece, without lakes or cells touching only at a corner: one simple coastline.
    assert boundary_cycle(land) is not None, "the island is not one simple polygon"

    parts = partition_into_communities(land, vertices)
    centroids = [
        (
            sum(cell_centre(c, vertices)[0] for c in cells) / len(cells),
            sum(cell_centre(c, vertices)[1] for c in cells) / len(cells),
        )
        for cells in parts
    ]
    touching = adjacency(parts)
    zone_members = zones_as_quarters(centroids, touching)
    group_members = []
    for members, count in zip(zone_members, GROUPS_PER_ZONE, strict=True):
        split = split_connected(members, even_sizes(len(members), count), touching)
        assert split is not None, f"cannot split zone {members} into {count} connected groups"
        group_members.append(split)

    # Ids follow zone, then group, then a walk through the group, so neighbours get near ids.
    ordered = [k for zone in group_members for group in zone for k in group]
    by_distance = sorted(ordered, key=lambda k: (math.hypot(*normalised(centroids[k])), k))
    urban = set(by_distance[:URBAN_COUNT])
    coastal = {
        k
        for k, cells in enumerate(parts)
        if any(n not in land for cell in cells for n in neighbours(cell))
    }
    urban_stems, rural_stems = iter(URBAN_STEMS), iter(RURAL_STEMS)
    stem = {k: next(urban_stems) if k in urban else next(rural_stems) for k in ordered}
    community_id = {k: f"C-{n:02d}" for n, k in enumerate(ordered, 1)}

    make_name = NameMaker(rng)
    officers: list[JsonObject] = []

    def new_officer(unit: str) -> str:
        officer_id = f"O-{len(officers) + 1}"
        phone = f"1390000{len(officers) + 1:04d}"
        officers.append({"id": officer_id, "name": make_name(), "unit": unit, "phone": phone})
        return officer_id

    zones = [
        {
            "id": f"Z-{z}",
            "name": f"第{ZONE_NUMERALS[z - 1]}巡区",
            "leader_id": new_officer("巡特警大队"),
        }
        for z in range(1, len(ZONE_SIZES) + 1)
    ]
    rotas: list[JsonObject] = [
        {
            "officer_id": zone["leader_id"],
            "weekdays": [0, 1, 2, 3, 4],
            "start": DAY[0],
            "end": DAY[1],
        }
        for zone in zones
    ]
    groups: list[JsonObject] = []
    group_of: dict[int, JsonObject] = {}
    for zone, members_of_groups, station in zip(zones, group_members, STATIONS, strict=True):
        for members in members_of_groups:
            size = rng.choice((4, 5, 5, 6))
            officer_ids = [
                new_officer("巡特警大队" if n % 2 == 0 else station) for n in range(size)
            ]
            group = {
                "id": f"G-{len(groups) + 1}",
                "zone_id": zone["id"],
                "name": f"第{ZONE_NUMERALS[len(groups)]}巡组",
                "officer_ids": officer_ids,
            }
            for officer_id, slots in zip(officer_ids, duty_slots(size, len(groups)), strict=True):
                rotas.extend(rotas_for(officer_id, slots))
            groups.append(group)
            group_of.update((k, group) for k in members)

    # Volunteers, community by community: cadres first, then the other roles.
    cadre_counts = [rng.choice((2, 2, 3)) for _ in ordered]
    totals = dict(ROLE_TOTALS)
    totals["shop_owner"] = VOLUNTEER_COUNT - sum(cadre_counts) - sum(totals.values())
    role_counts = {
        role: deal(totals[role], [URBAN_WEIGHT[role] if k in urban else 1.0 for k in ordered], rng)
        for role in NON_CADRE_ROLES
    }
    volunteers: list[JsonObject] = []
    residents: dict[int, list[JsonObject]] = {k: [] for k in ordered}
    for n, k in enumerate(ordered):
        roles = ["community_cadre"] * cadre_counts[n]
        for role in NON_CADRE_ROLES:
            roles += [role] * role_counts[role][n]
        for role in roles:
            number = len(volunteers) + 1
            volunteer = {
                "id": f"V-{number:04d}",
                "name": make_name(),
                "role": role,
                "community_id": community_id[k],
                "phone": f"1380000{number:04d}",
                "status": "active",
            }
            volunteers.append(volunteer)
            residents[k].append(volunteer)

    cadre_ids: dict[int, list[str]] = {}
    for k in ordered:
        cadres = [v["id"] for v in residents[k] if v["role"] == "community_cadre"]
        cadre_ids[k] = cadres[: rng.choice((1, 2, 2))]
    listed = {i for ids in cadre_ids.values() for i in ids}
    unlisted = [v for v in volunteers if v["id"] not in listed]
    rng.shuffle(unlisted)
    start = 0
    for status, count in STATUS_COUNTS.items():
        for volunteer in unlisted[start : start + count]:
            volunteer["status"] = status
        start += count

    # Aliases: every community's short form; some also a landmark people name it by.
    landmark_of = dict(zip(rng.sample(ordered, len(LANDMARKS)), LANDMARKS, strict=True))
    communities: list[JsonObject] = []
    for n, k in enumerate(ordered):
        group = group_of[k]
        group_officers = group["officer_ids"]
        position = sum(1 for j in ordered[:n] if group_of[j] is group)
        liaisons = [group_officers[position % len(group_officers)]]
        if rng.random() < 0.4:
            liaisons.append(group_officers[(position + 1) % len(group_officers)])
        aliases = [stem[k]] + ([landmark_of[k]] if k in landmark_of else [])
        communities.append(
            {
                "id": community_id[k],
                "name": stem[k] + ("社区" if k in urban else "村"),
                "group_id": group["id"],
                "liaison_officer_ids": liaisons,
                "cadre_ids": cadre_ids[k],
                "aliases": aliases,
                "geometry": {"type": "Polygon", "coordinates": [trace_ring(parts[k], vertices)]},
            }
        )
    check_names_unambiguous(communities)

    sites = make_sites(ordered, urban, coastal, stem, community_id, residents, rng)
    directory: JsonObject = {
        "name": COUNTY_NAME,
        "timezone": TIMEZONE,
        "command_center": {"id": "CC-110", "name": "110指挥中心"},
        "officers": officers,
        "zones": zones,
        "groups": groups,
        "communities": communities,
        "volunteers": volunteers,
        "sites": sites,
        "agencies": [
            {
                "id": "A-12345",
                "name": "12345便民服务热线",
                "categories": ["600100", "600200", "600700", "600800", "609900"],
            },
            {
                "id": "A-CG",
                "name": "城市管理局",
                "categories": ["600200", "600300", "600400", "600600"],
            },
            {"id": "A-WY", "name": "物业服务中心", "categories": ["600500"]},
        ],
        "rotas": rotas,
    }
    return directory


def check_names_unambiguous(communities: Sequence[JsonObject]) -> None:
    """No community name or alias may lie inside another's: locating by text would guess."""
    for a in communities:
        for b in communities:
            if a is b:
                continue
            for word in [a["name"], *a["aliases"]]:
                for other in [b["name"], *b["aliases"]]:
                    assert word not in other, (
                        f"{word!r} ({a['id']}) is inside {other!r} ({b['id']})"
                    )


def make_sites(
    ordered: Sequence[int],
    urban: set[int],
    coastal: set[int],
    stem: dict[int, str],
    community_id: dict[int, str],
    residents: dict[int, list[JsonObject]],
    rng: random.Random,
) -> list[JsonObject]:
    """Docks and ferry crossings on the coast, firms anywhere, housing estates in town."""
    shore = [k for k in ordered if k in coastal and k not in urban]
    town = [k for k in ordered if k in urban]
    harbours = rng.sample(shore, 8)
    plan: list[tuple[str, int, str, int, tuple[str, ...]]] = []
    for k in harbours[:5]:
        plan.append(("dock", k, f"{stem[k]}码头", 24, ("other", "internal_security")))
    for k in harbours[5:]:
        plan.append(("ferry", k, f"{stem[k]}渡口", 12, ("other", "shop_owner")))
    for k, firm in zip(rng.sample(ordered, len(FIRMS)), FIRMS, strict=True):
        plan.append(("firm", k, firm, 24, ("internal_security",)))
    for k, suffix in zip(rng.sample(town, len(ESTATE_SUFFIXES)), ESTATE_SUFFIXES, strict=True):
        plan.append(("estate", k, f"{stem[k]}{suffix}", 24, ("property_manager", "security_guard")))

    sites: list[JsonObject] = []
    for kind, k, name, hours, preferred in sorted(plan, key=lambda p: (community_id[p[1]], p[2])):
        taken = {site["contact_id"] for site in sites}
        active = [v for v in residents[k] if v["status"] == "active" and v["id"] not in taken]
        candidates = [v for v in active if v["role"] in preferred] or [
            v for v in active if v["role"] != "community_cadre"
        ]
        contact = rng.choice(candidates or active)
        sites.append(
            {
                "id": f"S-{len(sites) + 1:02d}",
                "name": name,
                "community_id": community_id[k],
                "contact_id": contact["id"],
                "check_in_every_hours": hours,
                "kind": kind,
            }
        )
    return sites


def render(directory: JsonObject) -> str:
    """JSON with one entity per line: small, readable, and diffs line by line."""
    lines = ["{"]
    items = list(directory.items())
    for n, (key, value) in enumerate(items):
        comma = "," if n < len(items) - 1 else ""
        if isinstance(value, list):
            body = ",\n".join("  " + json.dumps(item, ensure_ascii=False) for item in value)
            lines.append(f" {json.dumps(key)}: [\n{body}\n ]{comma}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == directory
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the file differs from what would be written"
    )
    args = parser.parse_args(argv)
    text = render(build_directory())
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date; run tools/make_sample_directory.py", file=sys.stderr)
            return 1
        print(f"{OUTPUT} is up to date")
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text.encode('utf-8')):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
