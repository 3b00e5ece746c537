"""Routing throughput on a province-sized directory and on the sample county.

    python benchmarks/route.py [--reports 200000] [--scale 1.0]

Generates a province (20,000 communities with polygons, 500,000 volunteers, 5,000 officers
on rotas) and 200,000 mixed reports: a third with coordinates, a third with an address, a
third text only. Prints decisions per second on one core (median of 3 runs after a warm-up),
the same for locating by coordinates alone, and the same for the sample directory.
Target (issue 3): >= 100,000 decisions/s on the province; locate by coordinates >= 300,000/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from directory_load import generate

import lianfang as lf

TEXTS = [
    "有人打架，有人流血",
    "小区门口有人占道摆摊",
    "楼上装修噪音太大，影响休息",
    "有人聚众赌博，门口有人望风",
    "请问身份证到期去哪里换",
    "电瓶车电瓶被偷了",
    "路灯坏了好几天了",
    "开锁，钥匙锁在家里了",
    "有老人走失了，穿蓝色外套",
    "邻居家着火了，冒黑烟",
    "someone is fighting outside the shop",
    "刚才的争吵已经散了，没人受伤",
]


def inside(community: lf.Community, rnd: random.Random) -> lf.GeoPoint:
    """A point near the middle of a community's first polygon."""
    assert community.geometry is not None
    ring = community.geometry.polygons[0][0][:-1]
    lon = sum(p[0] for p in ring) / len(ring)
    lat = sum(p[1] for p in ring) / len(ring)
    span = max(p[0] for p in ring) - min(p[0] for p in ring)
    return lf.GeoPoint(lon + rnd.uniform(-0.1, 0.1) * span, lat + rnd.uniform(-0.1, 0.1) * span)


def mixed_reports(directory: lf.Directory, count: int, seed: int = 5) -> list[lf.Report]:
    rnd = random.Random(seed)
    start = dt.datetime(2021, 1, 1, tzinfo=directory.tz)
    communities = directory.communities
    reports = []
    for n in range(count):
        community = communities[rnd.randrange(len(communities))]
        text = TEXTS[n % len(TEXTS)]
        location = address = None
        if n % 3 == 0 and community.geometry is not None:
            location = inside(community, rnd)
        elif n % 3 == 1:
            address = f"{community.name}{rnd.randrange(1, 30)}号楼"
        elif rnd.random() < 0.7:
            text = f"{community.name}{text}"
        reports.append(
            lf.Report(
                id=f"R-{n}",
                received_at=start + dt.timedelta(seconds=rnd.randrange(0, 86400 * 90)),
                text=text,
                channel=lf.Channel.VOLUNTEER if n % 2 else lf.Channel.PHONE_110,
                reporter_id=None,
                address=address,
                location=location,
            )
        )
    return reports


def rate(action: Callable[[], int], runs: int = 3) -> float:
    action()  # warm-up
    rates = []
    for _ in range(runs):
        begin = time.perf_counter()
        count = action()
        rates.append(count / (time.perf_counter() - begin))
    return statistics.median(rates)


def measure(label: str, directory: lf.Directory, reports: Sequence[lf.Report]) -> None:
    begin = time.perf_counter()
    router = lf.Router(directory)
    built = time.perf_counter() - begin
    route = router.route

    def route_all() -> int:
        for report in reports:
            route(report)
        return len(reports)

    located = [r for r in reports if r.location is not None]
    locate = router.locate

    def locate_all() -> int:
        for report in located:
            locate(report)
        return len(located)

    decisions = rate(route_all)
    points = rate(locate_all)
    sample = [route(r) for r in reports[:3000]]
    found = sum(d.community_id is not None for d in sample) / len(sample)
    kinds = Counter(d.kind.value for d in sample)
    print(f"{label}")
    print(f"  Router built in {built:.2f} s")
    print(f"  route():              {decisions:>10,.0f} decisions/s  ({len(reports):,} reports)")
    print(f"  locate by coordinates:{points:>10,.0f} points/s     ({len(located):,} points)")
    print(f"  place found for {found:.0%} of reports; kinds {dict(kinds)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the province")
    args = parser.parse_args()

    print("building the province directory …", file=sys.stderr)
    data = generate(
        communities=int(20_000 * args.scale),
        volunteers=int(500_000 * args.scale),
        officers=int(5_000 * args.scale),
    )
    province = lf.Directory.from_dict(data)
    del data
    measure(
        f"Province: {len(province.communities):,} communities, {len(province.volunteers):,} "
        f"volunteers, {len(province.officers):,} officers",
        province,
        mixed_reports(province, args.reports),
    )
    sample = lf.sample_directory()
    measure("Sample county", sample, mixed_reports(sample, min(args.reports, 50_000)))


if __name__ == "__main__":
    main()
