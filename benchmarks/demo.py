"""How long ``lianfang demo`` takes: the whole command, and its parts.

    python benchmarks/demo.py [--runs 5]

Prints the median wall time of ``lianfang demo --quiet`` run as a fresh process (what a
user waits for: interpreter start and imports included), then, in this process after a
warm-up, the medians of its parts: generating the scenario, simulating it through a desk
with an SQLite journal, reading the journal back, summarising it, and rendering the text.
Target (issue 6): the whole command in under 10 seconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import lianfang as lf
from lianfang import scenario, stats

T = TypeVar("T")


def timed(action: Callable[..., T], *args: Any) -> tuple[float, T]:
    begin = time.perf_counter()
    result = action(*args)
    return time.perf_counter() - begin, result


def bench_command(runs: int) -> None:
    command = [sys.executable, "-m", "lianfang.cli", "demo", "--quiet"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # warm-up: disk caches
    times = [
        timed(lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL))[0]
        for _ in range(runs)
    ]
    verdict = "under" if statistics.median(times) < 10 else "OVER"
    print(
        f"lianfang demo --quiet, fresh process: {statistics.median(times):6.2f} s median of {runs} "
        f"(min {min(times):.2f}, max {max(times):.2f}) — {verdict} the 10 s target"
    )


def bench_parts(runs: int) -> None:
    directory = lf.sample_directory()
    parts: dict[str, list[float]] = {
        "generate": [],
        "simulate": [],
        "read": [],
        "summary": [],
        "render": [],
    }
    events: list[lf.Event] = []
    reports = 0
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs + 1):  # the first run warms up and is not counted
            elapsed: dict[str, float] = {}
            elapsed["generate"], generated = timed(scenario.generate, directory)
            path = Path(folder) / f"demo-{run}.sqlite"
            with lf.SQLiteJournal(path, synchronous="normal") as journal:
                desk = lf.Desk(directory, journal)
                elapsed["simulate"], _ = timed(scenario.simulate, generated, desk)
                elapsed["read"], events = timed(stats.read_events, journal)
            elapsed["summary"], summary = timed(stats.summary, events, directory)
            elapsed["render"], _ = timed(stats.render, summary, "zh")
            reports = len(generated.reports)
            if run:
                for name, seconds in elapsed.items():
                    parts[name].append(seconds)
    print(
        f"in-process parts, median of {runs} after a warm-up "
        f"({reports:,} reports, {len(events):,} events):"
    )
    for name, times in parts.items():
        median = statistics.median(times)
        rate = ""
        if name == "simulate":
            rate = f"  ({reports / median:,.0f} reports/s, {len(events) / median:,.0f} events/s)"
        elif name in ("read", "summary"):
            rate = f"  ({len(events) / median:,.0f} events/s)"
        print(f"  {name:<9} {median * 1000:8.1f} ms{rate}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bench_command(args.runs)
    bench_parts(args.runs)


if __name__ == "__main__":
    main()
