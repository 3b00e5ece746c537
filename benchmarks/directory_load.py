"""How long a province-sized directory takes to load, and how much memory it holds.

Generates a synthetic directory as a JSON-able dict (by default 20,000 communities
with 5–8-vertex polygons in separate grid cells, 500,000 volunteers, 5,000 officers in
zones and groups with rotas, shifts, sites and agencies), then prints:

- the median time of ``Directory.from_dict`` and of the ``load_directory`` path
  (``json.loads`` of the file's text + ``from_dict``), against a 10 s target;
- where the time goes: structuring each section, the integrity check, the constructor;
- the memory the built directory holds (``tracemalloc``), in total and per volunteer,
  against a 1.5 KB per volunteer target, before and after its lookup tables are built;
- ``cProfile``'s top entries when a target is missed (or with ``--profile``).

Run::

    .venv/bin/python benchmarks/directory_load.py              # the full size, ~2-3 minutes
    .venv/bin/python benchmarks/directory_load.py --scale 0.1  # a tenth of it, quick

The breakdown calls private helpers of ``lianfang.directory`` on purpose: it measures
their parts, which no public call exposes.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import json
import math
import pstats
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from lianfang import codec
from lianfang import directory as directory_module
from lianfang.directory import Directory, load_directory
from lianfang.model import CommandCenter

T = TypeVar("T")

TARGET_SECONDS = 10.0
TARGET_BYTES_PER_VOLUNTEER = 1.5 * 1024

ROLES = [
    "community_cadre",
    "internal_security",
    "property_manager",
    "security_guard",
    "shop_owner",
    "other",
]
STATUSES = ["active"] * 17 + ["applicant", "suspended", "retired"]
SITE_KINDS = ["dock", "ferry", "firm", "estate", "other"]
SURNAMES = "林陈黄吴郑王李张刘杨何高罗周徐"
GIVEN = ["建华", "志强", "秀英", "海峰", "丽娟", "国平", "明辉", "小燕", "德福", "春梅", "伟", "芳"]
# Characters Chinese place names are made of: community names start with hundreds of
# different characters, which is what makes finding them in a text costly.
PLACE_CHARS = (
    "东西南北中上下前后新旧大小金银铜铁玉石龙凤虎鹤鹿燕鹰华兴安康宁平和福寿长乐永丰盛泰嘉"
    "瑞祥德仁义礼智信忠孝明光阳春夏秋冬山水湖海江河溪泉潭池塘林森松柏桃李梅兰竹菊荷桂枫杨"
    "柳榆槐桑花园城镇庄桥湾港岛沙岩峰岭坡田青红黄白绿紫蓝云霞星月天地人民文化工农商学友爱"
    "和谐美好幸运吉利顺通达广远高深清澄碧翠秀丽锦绣望海观澜听涛临溪沿江滨湖环城朝晖旭日"
    "曙光晨曦黎明启航振兴复兴繁荣昌隆宏图伟业鸿运鼎盛万千百十一二三四五六七八九里亭台楼阁"
    "府院堂街巷路坊苑宫殿寺庙观塔门关口营寨堡屯集市场井坝堤渠闸渡埠头尾角湾嘴洲滩汀浦泾"
    "浜汇源流波浪潮汐雾雨雪霜露风雷电虹彩光辉耀荣华富贵满盈丰收稻麦禾谷粟豆茶桑麻棉丝"
)
PLACE_SUFFIXES = ("社区", "村", "小区", "花园", "新村", "家园", "苑", "里")
CATEGORIES = ["600100", "600200", "600300", "600400", "600500", "600600", "600700", "600800"]


# --- the synthetic province ----------------------------------------------------------------


def generate(
    *, communities: int, volunteers: int, officers: int, seed: int = 2021
) -> dict[str, Any]:
    """A valid directory document of the given size; the same arguments give the same data."""
    rng = random.Random(seed)
    groups = max(1, communities // 20)
    zones = max(1, groups // 10)
    if officers < zones + groups:
        raise SystemExit(f"need at least {zones + groups} officers for {groups} groups")

    officer_list = [
        {
            "id": f"O-{n}",
            "name": person(rng),
            "unit": "巡警支队",
            "phone": phone(rng),
        }
        for n in range(1, officers + 1)
    ]
    zone_list = [
        {"id": f"Z-{z}", "name": f"第{z}巡区", "leader_id": f"O-{z}"} for z in range(1, zones + 1)
    ]
    group_officers: list[list[str]] = [[] for _ in range(groups)]
    for n in range(zones + 1, officers + 1):  # everyone but the leaders, dealt round the groups
        group_officers[(n - zones - 1) % groups].append(f"O-{n}")
    group_list = [
        {
            "id": f"G-{g + 1}",
            "zone_id": f"Z-{g % zones + 1}",
            "name": f"第{g + 1}巡组",
            "officer_ids": group_officers[g],
        }
        for g in range(groups)
    ]

    place_names = places(communities, seed)
    per_community = volunteers // communities
    extra = volunteers - per_community * communities
    columns = math.ceil(math.sqrt(communities))
    volunteer_list: list[dict[str, Any]] = []
    community_list: list[dict[str, Any]] = []
    for c in range(communities):
        community_id = f"C-{c + 1}"
        first_volunteer = len(volunteer_list) + 1
        for k in range(per_community + (1 if c < extra else 0)):
            volunteer_list.append(
                {
                    "id": f"V-{len(volunteer_list) + 1}",
                    "name": person(rng),
                    "role": "community_cadre" if k < 2 else rng.choice(ROLES),
                    "community_id": community_id,
                    "phone": phone(rng),
                    "status": "active" if k < 2 else rng.choice(STATUSES),
                }
            )
        members = group_officers[c % groups]
        cadres = [f"V-{first_volunteer + k}" for k in range(min(2, per_community))]
        community_list.append(
            {
                "id": community_id,
                "name": place_names[c][0],
                "group_id": f"G-{c % groups + 1}",
                "liaison_officer_ids": rng.sample(members, min(len(members), rng.choice([1, 2]))),
                "cadre_ids": cadres,
                "aliases": [place_names[c][1]],
                "geometry": polygon(rng, c, columns),
            }
        )

    rotas = []
    for n in range(1, officers + 1):
        if rng.random() < 0.5:
            rotas.append(rota(f"O-{n}", [0, 1, 2, 3, 4], "08:00", "18:00"))
        else:
            days = sorted(rng.sample(range(7), 4))
            rotas.append(rota(f"O-{n}", days, "20:00", "08:00"))
            rotas.append(rota(f"O-{n}", [5, 6], "09:00", "17:00"))
    start = dt.datetime(2021, 1, 12, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    shifts = []
    for n in range(officers // 2):
        begin = start + dt.timedelta(hours=12 * (n % 60))
        shifts.append(
            {
                "officer_id": f"O-{rng.randrange(1, officers + 1)}",
                "start": begin.isoformat(),
                "end": (begin + dt.timedelta(hours=12)).isoformat(),
            }
        )
    sites = []
    for s in range(communities // 4):
        c = rng.randrange(communities)
        sites.append(
            {
                "id": f"S-{s + 1}",
                "name": f"第{s + 1}报备单位",
                "community_id": f"C-{c + 1}",
                "contact_id": community_list[c]["cadre_ids"][0]
                if community_list[c]["cadre_ids"]
                else None,
                "check_in_every_hours": rng.choice([12, 24, 24.0, 48]),
                "kind": rng.choice(SITE_KINDS),
            }
        )
    agencies = [
        {"id": f"A-{a + 1}", "name": f"联动单位{a + 1}", "categories": rng.sample(CATEGORIES, 3)}
        for a in range(20)
    ]
    return {
        "name": "合成省公安厅（基准测试）",
        "timezone": "Asia/Shanghai",
        "command_center": {"id": "CC-110", "name": "110指挥中心"},
        "officers": officer_list,
        "zones": zone_list,
        "groups": group_list,
        "communities": community_list,
        "volunteers": volunteer_list,
        "sites": sites,
        "agencies": agencies,
        "shifts": shifts,
        "rotas": rotas,
    }


def places(count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` distinct (name, alias) pairs such as ("金湖社区", "金湖花园"): a two-character
    stem with two different suffixes. Drawn from their own generator, so that the rest of
    the directory does not depend on them."""
    rng = random.Random(seed + 1)
    chars = "".join(dict.fromkeys(PLACE_CHARS))
    if count > len(chars) ** 2:
        raise SystemExit(f"cannot make {count:,} distinct place names")
    stems: dict[str, None] = {}
    while len(stems) < count:
        stems.setdefault(rng.choice(chars) + rng.choice(chars))
    pairs = []
    for stem in stems:
        name_suffix, alias_suffix = rng.sample(PLACE_SUFFIXES, 2)
        pairs.append((stem + name_suffix, stem + alias_suffix))
    return pairs


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def phone(rng: random.Random) -> str:
    return f"13{rng.randrange(10)}{rng.randrange(10**8):08d}"


def rota(officer_id: str, weekdays: list[int], start: str, end: str) -> dict[str, Any]:
    return {"officer_id": officer_id, "weekdays": weekdays, "start": start, "end": end}


def polygon(rng: random.Random, index: int, columns: int) -> dict[str, Any]:
    """A convex 5–8-vertex polygon inside grid cell ``index`` (cells never overlap)."""
    row, column = divmod(index, columns)
    cell = 0.01
    cx = 115.0 + (column + 0.5) * cell
    cy = 24.0 + (row + 0.5) * cell
    vertices = rng.randint(5, 8)
    ring = []
    for k in range(vertices):
        angle = 2 * math.pi * (k + rng.uniform(-0.2, 0.2)) / vertices
        radius = cell * rng.uniform(0.35, 0.45)
        ring.append(
            [round(cx + radius * math.cos(angle), 6), round(cy + radius * math.sin(angle), 6)]
        )
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


# --- measuring -----------------------------------------------------------------------------


def timed(action: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def median_time(action: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        gc.collect()
        seconds, _ = timed(action)
        times.append(seconds)
    return statistics.median(times), times


def breakdown(data: dict[str, Any]) -> list[tuple[str, float]]:
    """The parts of ``from_dict``, each timed once."""
    parts: list[tuple[str, float]] = []
    problems: list[str] = []
    sections: dict[str, list[tuple[int, Any]]] = {}
    for key, item_type in directory_module._SECTIONS.items():
        started = time.perf_counter()
        sections[key] = directory_module._structure_section(data[key], key, item_type, problems)
        seconds = time.perf_counter() - started
        parts.append((f"structure {key} ({len(data[key]):,})", seconds))
    center = codec.structure(data["command_center"], CommandCenter)
    seconds, found = timed(lambda: directory_module._integrity_problems(center, sections))
    assert not problems, problems[:5]
    assert not found, found[:5]
    parts.append(("integrity check", seconds))
    items: dict[str, Any] = {key: tuple(i for _, i in pairs) for key, pairs in sections.items()}
    seconds, _ = timed(lambda: Directory(name=data["name"], command_center=center, **items))
    parts.append(("Directory(...) constructor (tuples + integrity again)", seconds))
    return parts


def memory(text: str, volunteers: int) -> dict[str, float]:
    """Bytes the directory holds once the JSON text and dict are gone, and the peak."""
    gc.collect()
    tracemalloc.start()
    data = json.loads(text)
    directory = Directory.from_dict(data)
    del data
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    # Lookup tables are built on first use; a routing host will always build them.
    directory.volunteer("V-1")
    directory.volunteers_in(directory.communities[0].id)
    directory.on_duty(dt.datetime(2021, 1, 12, 10, tzinfo=dt.UTC))
    gc.collect()
    with_lookups, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del directory
    return {
        "held": held,
        "with_lookups": with_lookups,
        "peak": peak,
        "per_volunteer": held / volunteers,
        "per_volunteer_with_lookups": with_lookups / volunteers,
    }


def profile(data: dict[str, Any], top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    Directory.from_dict(data)
    profiler.disable()
    for order in ("tottime", "cumulative"):
        print(f"\ncProfile of one from_dict, top {top} by {order}:")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats(order).print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure (median)")
    parser.add_argument("--profile", action="store_true", help="profile even when on target")
    parser.add_argument("--top", type=int, default=25, help="cProfile entries to print")
    args = parser.parse_args()

    communities = max(1, round(20_000 * args.scale))
    volunteers = max(communities, round(500_000 * args.scale))
    officers = max(1, round(5_000 * args.scale))
    print(f"Python {sys.version.split()[0]}; scale {args.scale}; {args.runs} runs per figure")

    seconds, data = timed(
        lambda: generate(communities=communities, volunteers=volunteers, officers=officers)
    )
    counts = ", ".join(f"{len(v):,} {k}" for k, v in data.items() if isinstance(v, list))
    print(f"generated in {seconds:.1f} s: {counts}")
    text = json.dumps(data, ensure_ascii=False)
    print(f"JSON text: {len(text.encode('utf-8')) / 1e6:.1f} MB")

    Directory.from_dict(generate(communities=20, volunteers=200, officers=30))  # warm-up
    load = report_times(data, text, volunteers, args.runs)

    print("\nwhere from_dict's time goes (one run):")
    parts = breakdown(data)
    total = sum(seconds for _, seconds in parts)
    for name, seconds in parts:
        print(f"  {name:<58} {seconds:7.2f} s  {seconds / total:6.1%}")

    del data
    gc.collect()
    mem = memory(text, volunteers)
    print("\nmemory (tracemalloc):")
    print(f"  held by the directory:            {mem['held'] / 2**20:8.1f} MiB")
    print(f"  … with its lookup tables built:   {mem['with_lookups'] / 2**20:8.1f} MiB")
    print(f"  peak while loading (dict + dir):  {mem['peak'] / 2**20:8.1f} MiB")
    print(
        f"  per volunteer: {mem['per_volunteer']:.0f} B, with lookups "
        f"{mem['per_volunteer_with_lookups']:.0f} B  (target < {TARGET_BYTES_PER_VOLUNTEER:.0f} B)"
    )

    over = load > TARGET_SECONDS or mem["per_volunteer_with_lookups"] > TARGET_BYTES_PER_VOLUNTEER
    print(f"\n{'OVER TARGET' if over else 'on target'}")
    if over or args.profile:
        profile(json.loads(text), args.top)


def report_times(data: dict[str, Any], text: str, volunteers: int, runs: int) -> float:
    """Print the median times of from_dict and load_directory; return the latter."""
    from_dict, times = median_time(lambda: Directory.from_dict(data), runs)
    print(f"\nDirectory.from_dict: median {from_dict:.2f} s  (runs: {fmt(times)})")
    print(f"  per volunteer: {from_dict / volunteers * 1e6:.1f} µs of the whole load")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "directory.json"
        path.write_text(text, encoding="utf-8")
        loads, times = median_time(lambda: json.loads(text), runs)
        print(f"json.loads alone:    median {loads:.2f} s")
        load, times = median_time(lambda: load_directory(path), runs)
    print(f"load_directory:      median {load:.2f} s  (runs: {fmt(times)})")
    print(f"  target: under {TARGET_SECONDS:.0f} s")
    paused, times = median_time(lambda: with_gc_paused(lambda: Directory.from_dict(data)), runs)
    print(f"from_dict with the cyclic GC paused: median {paused:.2f} s  (runs: {fmt(times)})")
    print("  (the model holds no reference cycles; collections during a bulk load are pure cost)")
    return load


def with_gc_paused(action: Callable[[], T]) -> T:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return action()
    finally:
        if was_enabled:
            gc.enable()


def fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


if __name__ == "__main__":
    main()
