"""Routing throughput on a province-sized directory and on the sample county.

    python benchmarks/route.py [--reports 200000] [--scale 1.0] [--batches 3]

Generates a province (20,000 communities with polygons, 500,000 volunteers, 5,000 officers
on rotas and shifts) and batches of mixed reports: a third with coordinates, a third with
an address, a third text only, received at random times over 90 days. For the province and
then the sample county it prints, on one core:

- ``route()`` on fresh reports: decisions per second, the median over ``--batches``
  batches of reports this router has never seen (new seeds: new times, places and
  community-prefixed texts), after one warm-up batch. This is the figure the target is
  about. Every text is one of twelve short texts, about one in four of them after the name
  of a community ("金湖社区有人打架"). Triage remembers a text after its first sight, as it
  does the short texts that recur on a 110 line ("有人打架", "开锁"); and the router reads
  a text with the place names it mentions masked, so texts that differ only in the place
  they name read as one ("某某某某有人打架"). A volunteer's own words rarely recur, so the
  next line gives the same with every text new (a house number of its own at the end),
  which triage must read from scratch. Before each timed batch
  the benchmark collects its own garbage (``gc.collect()``), so the cost of generating
  reports is not charged to the router; every collection the router's own objects cause is.
- the same with the heap frozen (``gc.freeze()`` after building the router, as a host
  holding a big directory may do; the library never calls it): the difference is what
  the garbage collector's full passes over the directory's millions of objects cost.
- labelled for comparison: the first batch on a new router (includes one-off work such as
  compiling the triage matcher) and that same batch routed again (triage's memo of recent
  texts is then warm for every text, which flatters the figure).
- where a fresh report's time goes: reading the text (the place names it mentions, then
  triage with them masked), locate, the duty roll and plan, each timed in
  its own pass over a fresh batch (calling the router's private helpers on purpose); the
  three together per report, as ``route()`` runs them, over another fresh batch (they cost
  more together: each evicts the others' data from the CPU caches); and the rest, which is
  building the Decision and its owner's Assignment and ``route()``'s own work.
- ``locate()`` by coordinates alone.

Target (issue 3): >= 100,000 decisions/s on the province; locate by coordinates >= 300,000/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
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

TARGET_DECISIONS = 100_000


def inside(community: lf.Community, rnd: random.Random) -> lf.GeoPoint:
    """A point near the middle of a community's first polygon."""
    assert community.geometry is not None
    ring = community.geometry.polygons[0][0][:-1]
    lon = sum(p[0] for p in ring) / len(ring)
    lat = sum(p[1] for p in ring) / len(ring)
    span = max(p[0] for p in ring) - min(p[0] for p in ring)
    return lf.GeoPoint(lon + rnd.uniform(-0.1, 0.1) * span, lat + rnd.uniform(-0.1, 0.1) * span)


def mixed_reports(
    directory: lf.Directory, count: int, seed: int = 5, *, unique_texts: bool = False
) -> list[lf.Report]:
    """``count`` reports built from ``TEXTS``; with ``unique_texts``, each text ends in a
    house number of its own ("…，5区1024号"), so that no two texts are alike."""
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
        if unique_texts:
            text = f"{text}，{seed}区{n}号"
        reports.append(
            lf.Report(
                id=f"R-{seed}-{n}",
                received_at=start + dt.timedelta(seconds=rnd.randrange(0, 86400 * 90)),
                text=text,
                channel=lf.Channel.VOLUNTEER if n % 2 else lf.Channel.PHONE_110,
                reporter_id=None,
                address=address,
                location=location,
            )
        )
    return reports


def timed(action: Callable[[lf.Report], object], reports: Iterable[lf.Report]) -> float:
    """Seconds to apply ``action`` to every report."""
    begin = time.perf_counter()
    for report in reports:
        action(report)
    return time.perf_counter() - begin


def rate(action: Callable[[], int], runs: int = 3) -> float:
    action()  # warm-up
    rates = []
    for _ in range(runs):
        begin = time.perf_counter()
        count = action()
        rates.append(count / (time.perf_counter() - begin))
    return statistics.median(rates)


class Seeds:
    """Fresh seeds, so that no two batches share their reports."""

    def __init__(self) -> None:
        self.next = 1

    def __call__(self) -> int:
        self.next += 1
        return self.next


def fresh_rate(
    router: lf.Router,
    directory: lf.Directory,
    count: int,
    batches: int,
    seeds: Seeds,
    *,
    unique_texts: bool = False,
) -> tuple[float, list[float]]:
    """Median decisions/s over ``batches`` batches of never-routed reports."""
    rates = []
    for _ in range(batches):
        reports = mixed_reports(directory, count, seeds(), unique_texts=unique_texts)
        gc.collect()  # the generator's garbage is not the router's
        rates.append(count / timed(router.route, reports))
        del reports
    return statistics.median(rates), rates


def breakdown(
    router: lf.Router, apart: Sequence[lf.Report], together: Sequence[lf.Report]
) -> dict[str, float]:
    """Microseconds per report: each stage in its own pass over ``apart``, then all three
    per report, as ``route()`` runs them, over ``together`` (another fresh batch, so that
    triage's memo does not remember its texts). Calls the router's private helpers, the
    ones ``route()`` calls."""
    reading_of = router._reading
    where = router._locator.where
    areas = router._areas
    plan = router._plan
    readings = []
    places = []

    def read_text(report: lf.Report) -> None:
        verdict, _, spans = reading_of(report.text, report.category)
        readings.append((verdict, spans))

    gc.collect()
    spent = {"reading the text": timed(read_text, apart)}
    spent["locate"] = timed(lambda r: places.append(where(r, readings[len(places)][1])), apart)
    cases = [
        (areas.get(p[0]) if p[0] is not None else None, v, r.received_at)
        for r, (v, _), p in zip(apart, readings, places, strict=True)
    ]
    begin = time.perf_counter()
    for area, verdict, at in cases:
        plan(area, verdict, at)
    spent["duty roll and plan"] = time.perf_counter() - begin

    def stages(report: lf.Report) -> None:
        verdict, _, spans = reading_of(report.text, report.category)
        community_id = where(report, spans)[0]
        plan(
            areas.get(community_id) if community_id is not None else None,
            verdict,
            report.received_at,
        )

    gc.collect()
    spent["together"] = timed(stages, together)
    return {stage: seconds / len(apart) * 1e6 for stage, seconds in spent.items()}


def full_collection() -> float:
    """Seconds one full garbage collection takes now."""
    begin = time.perf_counter()
    gc.collect()
    return time.perf_counter() - begin


def measure(
    label: str,
    directory: lf.Directory,
    count: int,
    batches: int,
    seeds: Seeds,
    *,
    target: bool = False,
) -> None:
    print(label)
    begin = time.perf_counter()
    router = lf.Router(directory)
    print(f"  Router built in {time.perf_counter() - begin:.2f} s")

    first = mixed_reports(directory, count, seeds())
    gc.collect()
    cold = count / timed(router.route, first)
    again = count / timed(router.route, first)
    sample = [router.route(r) for r in first[:3000]]
    del first

    fresh, fresh_rates = fresh_rate(router, directory, count, batches, seeds)
    unique, unique_rates = fresh_rate(router, directory, count, batches, seeds, unique_texts=True)
    parts = breakdown(
        router, mixed_reports(directory, count, seeds()), mixed_reports(directory, count, seeds())
    )
    total_us = 1e6 / fresh
    collection = full_collection()
    gc.freeze()
    frozen_collection = full_collection()
    frozen, frozen_rates = fresh_rate(router, directory, count, batches, seeds)
    gc.unfreeze()

    verdict = ""
    if target:
        verdict = " — " + ("meets" if fresh >= TARGET_DECISIONS else "misses")
        verdict += f" the {TARGET_DECISIONS:,}/s target"
    print(
        f"  route(), fresh reports:  {fresh:>9,.0f} decisions/s  ({total_us:.1f} µs each; "
        f"median of {batches} batches of {count:,}: "
        f"{', '.join(f'{r:,.0f}' for r in fresh_rates)}){verdict}"
    )
    print(
        f"  same, every text new:  {unique:>9,.0f} decisions/s  (triage remembers no text; "
        f"batches {', '.join(f'{r:,.0f}' for r in unique_rates)})"
    )
    print(
        f"  same, heap frozen:       {frozen:>9,.0f} decisions/s  (gc.freeze() after building; "
        f"batches {', '.join(f'{r:,.0f}' for r in frozen_rates)})"
    )
    print(
        f"  one full gc.collect():   {collection:.2f} s, {frozen_collection:.2f} s with the heap "
        "frozen (a pause a host with a big directory avoids by freezing)"
    )
    print(f"  first batch, new Router: {cold:>9,.0f} decisions/s  (includes one-off setup)")
    print(f"  that batch again:        {again:>9,.0f} decisions/s  (triage memo warm: flattering)")
    together = parts.pop("together")
    shares = ", ".join(f"{stage} {us:.1f}" for stage, us in parts.items())
    print(
        f"  a fresh report, µs:      {shares} (timed apart: {sum(parts.values()):.1f}; "
        f"together, as route() runs them: {together:.1f}); the Decision and its "
        f"Assignment, and route()'s own work: {total_us - together:.1f}"
    )

    located = [r for r in mixed_reports(directory, count, seeds()) if r.location is not None]
    locate = router.locate

    def locate_all() -> int:
        for report in located:
            locate(report)
        return len(located)

    points = rate(locate_all)
    print(f"  locate by coordinates:   {points:>9,.0f} points/s     ({len(located):,} points)")
    found = sum(d.community_id is not None for d in sample) / len(sample)
    kinds = Counter(d.kind.value for d in sample)
    print(f"  place found for {found:.0%} of reports; kinds {dict(kinds)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=200_000, help="reports per batch")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the province")
    parser.add_argument("--batches", type=int, default=3, help="fresh batches to time")
    args = parser.parse_args()

    print("building the province directory …", file=sys.stderr)
    data = generate(
        communities=int(20_000 * args.scale),
        volunteers=int(500_000 * args.scale),
        officers=int(5_000 * args.scale),
    )
    province = lf.Directory.from_dict(data)
    del data
    seeds = Seeds()
    measure(
        f"Province: {len(province.communities):,} communities, {len(province.volunteers):,} "
        f"volunteers, {len(province.officers):,} officers, {len(province.rotas):,} rota slots, "
        f"{len(province.shifts):,} shifts",
        province,
        args.reports,
        args.batches,
        seeds,
        target=True,
    )
    del province
    measure("Sample county", lf.sample_directory(), min(args.reports, 50_000), args.batches, seeds)


if __name__ == "__main__":
    main()
